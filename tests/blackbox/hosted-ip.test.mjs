// The customer's address on the hosted page: the peer's, or, only when the
// peer is the configured trusted proxy, its Cf-Pseudo-IPv4 or first
// X-Forwarded-For entry (a header that is not an address is not believed).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, createShop, startServer } from './harness.mjs';
import { client } from './orders-helpers.mjs';

after(cleanup);

/** Pays an order on its hosted page with the given extra headers; returns
 * the attempt's customer_ip. */
async function payFrom(srv, c, headers) {
  const o = await c.create({ amount: 500, currency: 'EUR' });
  const page = await fetch(`${srv.base}/pay/${o.token}`);
  assert.equal(page.status, 200);
  const cookie = page.headers.get('set-cookie').split(';')[0];
  const csrf = (await page.text()).match(/name="csrf" value="([0-9a-f]{64})"/)[1];
  const form = new URLSearchParams({ csrf, method: 'card', card_number: '4242424242424242',
    exp_month: '12', exp_year: '2035', cvc: '123' });
  const r = await fetch(`${srv.base}/pay/${o.token}`, { method: 'POST', redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form.toString() });
  assert.equal(r.status, 303, await r.text());
  const txs = (await c.get(`/v1/orders/${o.id}/transactions`)).json.data;
  assert.equal(txs[0].status, 'successful');
  return txs[0].customer_ip;
}

test('without a trusted proxy the headers are ignored: the peer is the customer', async () => {
  const srv = await startServer({ args: ['--rate-limit', '0'] });
  const c = client(srv, createShop(srv.dbPath, 'No proxy').secret_key);
  assert.equal(await payFrom(srv, c, { 'x-forwarded-for': '203.0.113.9' }), '127.0.0.1');
  assert.equal(await payFrom(srv, c, { 'cf-pseudo-ipv4': '198.51.100.4' }), '127.0.0.1');
});

test('from the trusted proxy: Cf-Pseudo-IPv4, else the first X-Forwarded-For address', async () => {
  const srv = await startServer({ args: ['--rate-limit', '0', '--trusted-proxy', '127.0.0.1'] });
  const c = client(srv, createShop(srv.dbPath, 'Proxy').secret_key);
  assert.equal(await payFrom(srv, c, { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' }), '203.0.113.9');
  assert.equal(await payFrom(srv, c, { 'cf-pseudo-ipv4': '198.51.100.4',
    'x-forwarded-for': '203.0.113.9' }), '198.51.100.4');
  assert.equal(await payFrom(srv, c, { 'x-forwarded-for': '2001:db8::7' }), '2001:db8::7');
  assert.equal(await payFrom(srv, c, { 'x-forwarded-for': 'not-an-address' }), '127.0.0.1');
  assert.equal(await payFrom(srv, c, {}), '127.0.0.1');
});

test('--trusted-proxy takes only an address', async () => {
  const { cli } = await import('./harness.mjs');
  const r = cli(['serve', '--trusted-proxy', 'proxy.local', '--listen', '127.0.0.1:0']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--trusted-proxy must be an IP address/);
});
