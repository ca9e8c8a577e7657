// Inputs found by review that must be refused cleanly: totals that would
// overflow int64, redirect URLs that would leave the allowed hosts through
// user info, and query strings that only look alike to an Idempotency-Key.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, createShop } from './harness.mjs';
import { startOrdersServer, client } from './orders-helpers.mjs';

after(cleanup);

let srv, c;
before(async () => {
  srv = await startOrdersServer(['--max-order-amount', '9000000000000000000']);
  c = client(srv, createShop(srv.dbPath, 'Edges').secret_key);
});

async function count() {
  return (await c.get('/v1/orders?limit=100')).json.data.length;
}

test('an amount that overflows with the surcharge is a 400, not a negative total', async () => {
  const set = await c.patch('/v1/shop', { surcharge: { percent: '0.01', fixed: 1000 } });
  assert.equal(set.status, 200, set.text);
  const before = await count();
  // as text: a JavaScript number cannot hold 2^63 - 1 exactly
  const r = await c.post('/v1/orders', '{"amount":9223372036854775807}');
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error.code, 'validation_error');
  assert.ok(r.json.error.fields.amount, r.text);
  assert.equal(await count(), before);
  const big = await c.patch('/v1/shop', '{"surcharge":{"fixed":9223372036854775807}}');
  assert.equal(big.status, 400, big.text);
  assert.ok(big.json.error.fields['surcharge.fixed']);
  assert.equal((await c.patch('/v1/shop', { surcharge: null })).status, 200);
});

test('redirect URLs with user info or a bad port are refused', async () => {
  assert.equal((await c.patch('/v1/shop', { allowed_redirect_hosts: ['shop.example.com'] })).status, 200);
  for (const url of ['https://shop.example.com:@evil.example/', 'https://shop.example.com@evil.example/',
    'https://shop.example.com:abc/', 'https://shop.example.com\\@evil.example/', 'https://shop.example.com:/x']) {
    const r = await c.post('/v1/orders', { amount: 100, success_redirect: url });
    assert.equal(r.status, 400, `${url}: ${r.text}`);
    assert.ok(r.json.error.fields.success_redirect, r.text);
  }
  const ok = await c.post('/v1/orders', { amount: 100, success_redirect: 'https://shop.example.com:8443/done?x=1' });
  assert.equal(ok.status, 201, ok.text);
  assert.equal((await c.patch('/v1/shop', { allowed_redirect_hosts: [] })).status, 200);
});

test('an Idempotency-Key tells apart queries that only concatenate alike', async () => {
  const key = { 'idempotency-key': 'query-shapes' };
  const first = await c.post('/v1/orders?a=b%26c%3Dd', { amount: 321 }, { headers: key });
  assert.equal(first.status, 201, first.text);
  const second = await c.post('/v1/orders?a=b&c=d', { amount: 321 }, { headers: key });
  assert.equal(second.status, 400, second.text);
  assert.equal(second.json.error.code, 'idempotency_key_reused');
});
