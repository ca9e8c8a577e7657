// The headless payment API under the names storefronts built for seed 001
// send: paymentMethod, paymentReturnPage, paymentFailedPage,
// termsAndConditions, address{...}, ipAddress (or Cf-Pseudo-IPv4 from the
// trusted proxy), payment-result with paymentMethodFields; answers as the
// seed shows (untouched / Pending, errors under the names used).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, createShop, startServer } from './harness.mjs';
import { client } from './orders-helpers.mjs';

after(cleanup);
let srv, c;
const SHOP = 'https://shop.example.com';
before(async () => {
  srv = await startServer({ args: ['--rate-limit', '0', '--trusted-proxy', '127.0.0.1'] });
  c = client(srv, createShop(srv.dbPath, 'Storefront').secret_key);
  assert.equal((await c.patch('/v1/shop', { allowed_redirect_hosts: ['shop.example.com'] })).status, 200);
});

const ADDRESS = { firstName: 'Kari', lastName: 'Nordmann', email: 'kari@example.com',
  address1: 'Storgata 1', city: 'Oslo', country: 'NO', phoneNumber: '+4799999999', zipCode: '0155' };
const card = (number) => ({ number, exp_month: 12, exp_year: 2035, cvc: '123' });
const local = (url) => url.replace(/^https?:\/\/[^/]+/, srv.base);

async function sandboxStep(url, body) {
  return fetch(local(url), { method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
}

test('a card payment in the storefront\'s names: success, untouched / Pending, the address kept', async () => {
  const o = await c.create({ amount: 4990, currency: 'NOK' });
  const r = await c.post(`/v1/orders/${o.id}/pay`, { paymentMethod: 'card', card: card('4242424242424242'),
    paymentReturnPage: `${SHOP}/thanks`, paymentFailedPage: `${SHOP}/failed`,
    termsAndConditions: true, address: ADDRESS, ipAddress: '203.0.113.50' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.action, 'success');
  assert.equal(r.json.order, o.id);
  assert.equal(r.json.status, 'untouched');
  assert.equal(r.json.statusDescription, 'Pending');
  assert.equal(r.json.paymentStatus, 'paid');
  assert.equal(typeof r.json.affiliateHtml, 'string');
  assert.equal(r.json.transaction.customer_ip, '203.0.113.50');
  const receipt = await c.get(`/v1/orders/${o.id}/receipt`);
  const { action, ...same } = r.json;
  assert.equal(action, 'success');
  assert.deepEqual(receipt.json, same, 'the receipt answers the same again');
  const order = await c.getOrder(o.id);
  assert.equal(order.client.first_name, 'Kari');
  assert.equal(order.client.country, 'NO');
  assert.equal(order.client.zip, '0155');
});

test('errors name the fields as the storefront sent them', async () => {
  const o = await c.create({ amount: 100, currency: 'NOK' });
  const r = await c.post(`/v1/orders/${o.id}/pay`, { paymentMethod: 'paypal', termsAndConditions: false,
    ipAddress: 'x', paymentReturnPage: 'https://evil.example.net/', address: { ...ADDRESS, country: 'Norway' } });
  assert.equal(r.status, 400, r.text);
  for (const f of ['paymentMethod', 'termsAndConditions', 'ipAddress', 'paymentReturnPage', 'address.country'])
    assert.ok(f in r.json.errors, `errors lacks ${f}: ${r.text}`);
  assert.ok(Array.isArray(r.json.messages) && r.json.messages.length > 0);
  assert.equal((await c.get(`/v1/orders/${o.id}/transactions`)).json.data.length, 0);
  const declined = await c.post(`/v1/orders/${o.id}/pay`, { paymentMethod: 'card',
    card: card('4000000000000002'), termsAndConditions: true });
  assert.equal(declined.status, 402);
  assert.deepEqual(declined.json.errors, { paymentMethod: 'card_declined' });
  assert.ok(declined.json.messages[0].length > 0);
});

test('3-D Secure: back on paymentReturnPage, or on paymentFailedPage when it fails; payment-result with paymentMethodFields', async () => {
  for (const [outcome, page] of [['approve', 'thanks'], ['fail', 'failed']]) {
    const o = await c.create({ amount: 700, currency: 'NOK' });
    const r = await c.post(`/v1/orders/${o.id}/pay`, { paymentMethod: 'card', card: card('4000000000003220'),
      paymentReturnPage: `${SHOP}/thanks?sel=1`, paymentFailedPage: `${SHOP}/failed`, termsAndConditions: true });
    assert.equal(r.json.action, 'redirect', r.text);
    const back = await sandboxStep(r.json.url, `outcome=${outcome}`);
    assert.equal(back.status, 303);
    const landing = new URL(back.headers.get('location'));
    assert.equal(landing.pathname, `/${page}`);
    const uid = landing.searchParams.get('transaction_id');
    assert.ok(uid);
    if (page === 'thanks') assert.equal(landing.searchParams.get('sel'), '1');
    const result = await c.post(`/v1/orders/${o.id}/payment-result`,
      { paymentMethodFields: Object.fromEntries(landing.searchParams) });
    if (outcome === 'approve') {
      assert.equal(result.status, 200, result.text);
      assert.equal(result.json.order, o.id);
      assert.equal(result.json.status, 'untouched');
      assert.ok(!('action' in result.json));
    } else {
      assert.equal(result.status, 402, result.text);
      assert.equal(result.json.code, 'authentication_failed');
      assert.deepEqual(result.json.errors, { paymentMethod: 'authentication_failed' });
    }
  }
});

test('wallet: a country other than the address\'s is COUNTRY_MISMATCH, as the seed shows it', async () => {
  const o = await c.create({ amount: 700, currency: 'NOK' });
  const r = await c.post(`/v1/orders/${o.id}/pay`, { paymentMethod: 'wallet',
    paymentReturnPage: `${SHOP}/thanks`, termsAndConditions: true, address: { country: 'NO' } });
  assert.equal(r.json.action, 'redirect', r.text);
  const back = await sandboxStep(r.json.url, 'outcome=approve&country=SE');
  const fields = Object.fromEntries(new URL(back.headers.get('location')).searchParams);
  const result = await c.post(`/v1/orders/${o.id}/payment-result`, { paymentMethodFields: fields });
  assert.equal(result.status, 402, result.text);
  assert.equal(result.json.code, 'COUNTRY_MISMATCH');
  assert.equal(typeof result.json.message, 'string');
  assert.deepEqual(result.json.messages, [result.json.message]);
  assert.deepEqual(result.json.errors, { paymentMethod: 'COUNTRY_MISMATCH' });
  // and the same country is approved
  const p = await c.create({ amount: 700, currency: 'NOK' });
  const r2 = await c.post(`/v1/orders/${p.id}/pay`, { paymentMethod: 'wallet',
    paymentReturnPage: `${SHOP}/thanks`, address: { country: 'NO' } });
  const ok = await sandboxStep(r2.json.url, 'outcome=approve&country=NO');
  const f2 = Object.fromEntries(new URL(ok.headers.get('location')).searchParams);
  const res2 = await c.post(`/v1/orders/${p.id}/payment-result`, { paymentMethodFields: f2 });
  assert.equal(res2.status, 200, res2.text);
  assert.equal(res2.json.paymentStatus, 'paid');
});

test('without ipAddress, the trusted proxy\'s Cf-Pseudo-IPv4 is the customer\'s address', async () => {
  const o = await c.create({ amount: 100, currency: 'NOK' });
  const r = await c.post(`/v1/orders/${o.id}/pay`, { paymentMethod: 'card', card: card('4242424242424242') },
    { headers: { 'cf-pseudo-ipv4': '198.51.100.77' } });
  assert.equal(r.json.transaction.customer_ip, '198.51.100.77');
  const p = await c.create({ amount: 100, currency: 'NOK' });
  const plain = await c.post(`/v1/orders/${p.id}/pay`, { payment_method: 'card', card: card('4242424242424242') });
  assert.equal(plain.json.transaction.customer_ip, null, 'the merchant server is not the customer');
  assert.equal(plain.json.status, 'paid', 'Obol\'s own names keep Obol\'s statuses');
});
