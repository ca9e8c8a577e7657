// GET /v1/checkouts/{token}: seed 003's shape, before any payment attempt.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createShop, cleanup, assertError } from './harness.mjs';
import { startOrdersServer, client, sortedKeys } from './orders-helpers.mjs';

after(cleanup);

let srv, a, b, shopA;

before(async () => {
  srv = await startOrdersServer();
  shopA = createShop(srv.dbPath, 'A');
  a = client(srv, shopA.secret_key);
  b = client(srv, createShop(srv.dbPath, 'B').secret_key);
});

const TOP = ['token', 'shop_id', 'transaction_type', 'gateway_response', 'order', 'settings', 'customer',
  'finished', 'expired', 'test', 'status', 'message', 'shop', 'merchant', 'payment_method'];
const ORDER = ['currency', 'amount', 'description', 'tracking_id', 'additional_data', 'expired_at'];
const SETTINGS = ['success_url', 'fail_url', 'decline_url', 'notification_url', 'verification_url',
  'cancel_url', 'return_url', 'language', 'customer_fields', 'credit_card_fields', 'auto_return'];
const SHOP = ['id', 'name', 'country', 'url', 'contact_email', 'contact_phone', 'brands'];

async function checkout(c, token) {
  const r = await c.get(`/v1/checkouts/${token}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.deepEqual(Object.keys(r.json), ['checkout']);
  return r.json.checkout;
}

test('shape of a fresh order: every documented key, gateway_response null, status error', async () => {
  const o = await a.create({ client: { email: 'test@test.com' }, products: [{ price: 5.23, title: 'x' }] });
  const c = await checkout(a, o.token);
  const missing = TOP.filter((k) => !(k in c));
  assert.deepEqual(missing, [], `checkout lacks ${missing}`);
  assert.equal(c.token, o.token);
  assert.equal(c.shop_id, shopA.id);
  assert.equal(c.transaction_type, 'payment');
  assert.equal(c.gateway_response, null);
  assert.equal(c.status, 'error');
  assert.equal(c.message, 'Gateway response not found.');
  assert.equal(c.finished, false);
  assert.equal(c.expired, false);
  assert.equal(c.test, true);

  assert.deepEqual(ORDER.filter((k) => !(k in c.order)), [], JSON.stringify(c.order));
  assert.equal(c.order.currency, 'EUR');
  assert.equal(c.order.amount, 523);
  assert.equal(c.order.description, null);
  assert.equal(c.order.tracking_id, null);
  assert.equal(c.order.expired_at, null);
  assert.deepEqual(c.order.additional_data, { vendor: { name: 'Obol', token: o.token } });

  assert.deepEqual(SETTINGS.filter((k) => !(k in c.settings)), [], JSON.stringify(c.settings));
  for (const k of ['success_url', 'fail_url', 'decline_url', 'notification_url', 'verification_url',
    'cancel_url', 'return_url', 'auto_return']) {
    assert.equal(c.settings[k], null, `settings.${k}`);
  }
  assert.equal(c.settings.language, 'en');
  assert.deepEqual(c.settings.customer_fields, {});
  assert.deepEqual(c.settings.credit_card_fields, {});

  assert.equal(c.customer.email, 'test@test.com');
  assert.equal(c.customer.first_name, null);

  assert.deepEqual(sortedKeys(c.shop), [...SHOP].sort());
  assert.equal(c.shop.id, shopA.id);
  assert.equal(c.shop.name, 'A');
  assert.equal(c.shop.country, '', 'a shop without a country shows "" (docs example)');
  assert.equal(c.shop.url, null);
  assert.equal(c.shop.contact_email, null);
  assert.equal(c.shop.contact_phone, null);
  assert.deepEqual(c.shop.brands, ['visa', 'master', 'amex']);
  assert.deepEqual(c.merchant, { id: shopA.id, country: null });
  assert.deepEqual(c.payment_method, { types: ['credit_card'], excluded_types: [], excluded_brands: [] });
});

test('order fields map into the checkout: tracking_id, settings URLs, language, customer, expired_at', async () => {
  const expires = new Date(Date.now() + 2 * 86400e3);
  const o = await a.create({
    products: [{ title: 't', price: '12.50' }],
    description: 'Order 1001',
    merchant_reference: 'ref-1001',
    success_redirect: 'https://shop.example.com/ok',
    failure_redirect: 'https://shop.example.com/fail',
    cancel_url: 'https://shop.example.com/cancel',
    return_url: 'https://shop.example.com/return',
    notification_url: 'https://hooks.example.com/notify',
    language: 'de',
    expires_at: expires.toISOString(),
    client: { email: 'jane@example.com', first_name: 'Jane', last_name: 'Doe', city: 'Berlin',
      country: 'DE', zip: '10115', phone: '+49 30 1', address: 'Hauptstr. 1', state: 'BE',
      birth_date: '1990-01-31', external_id: 'cust-7' },
  });
  const c = await checkout(a, o.token);
  assert.equal(c.order.amount, 1250);
  assert.equal(c.order.description, 'Order 1001');
  assert.equal(c.order.tracking_id, 'ref-1001');
  assert.equal(Date.parse(c.order.expired_at), expires.getTime());
  assert.equal(c.settings.success_url, 'https://shop.example.com/ok');
  assert.equal(c.settings.fail_url, 'https://shop.example.com/fail');
  assert.equal(c.settings.decline_url, 'https://shop.example.com/fail');
  assert.equal(c.settings.cancel_url, 'https://shop.example.com/cancel');
  assert.equal(c.settings.return_url, 'https://shop.example.com/return');
  assert.equal(c.settings.notification_url, 'https://hooks.example.com/notify');
  assert.equal(c.settings.language, 'de');
  for (const [k, v] of Object.entries({ email: 'jane@example.com', first_name: 'Jane', last_name: 'Doe',
    city: 'Berlin', country: 'DE', zip: '10115', phone: '+49 30 1', address: 'Hauptstr. 1', state: 'BE',
    birth_date: '1990-01-31', external_id: 'cust-7' })) {
    assert.equal(c.customer[k], v, `customer.${k}`);
  }
  assert.equal(c.expired, false);
});

test('capture manual: transaction_type authorization', async () => {
  const o = await a.create({ amount: 100, capture: 'manual' });
  assert.equal((await checkout(a, o.token)).transaction_type, 'authorization');
  const p = await a.create({ amount: 100, capture: 'auto' });
  assert.equal((await checkout(a, p.token)).transaction_type, 'payment');
});

test('shop fields come from PATCH /v1/shop (name, country, url, contact, brands)', async () => {
  const s = client(srv, createShop(srv.dbPath, 'Patched').secret_key);
  const o = await s.create({ amount: 100 });
  const p = await s.patch('/v1/shop', {
    name: 'Corner shop', country: 'DE', url: 'https://shop.example.com',
    contact_email: 'info@shop.example.com', contact_phone: '+49 30 123456',
    brands: ['visa', 'maestro', 'bank_transfer'],
  });
  assert.equal(p.status, 200, p.text);
  const c = await checkout(s, o.token);
  assert.equal(c.shop.name, 'Corner shop');
  assert.equal(c.shop.country, 'DE');
  assert.equal(c.shop.url, 'https://shop.example.com');
  assert.equal(c.shop.contact_email, 'info@shop.example.com');
  assert.equal(c.shop.contact_phone, '+49 30 123456');
  assert.deepEqual(c.shop.brands, ['visa', 'maestro', 'bank_transfer']);
  assert.equal(c.merchant.country, 'DE');
  // invalid brands are refused and change nothing
  const bad = await s.patch('/v1/shop', { brands: ['visa', 'bitcoin'] });
  assert.equal(bad.status, 400, bad.text);
  assert.equal(bad.json.error.code, 'validation_error');
  assert.deepEqual((await checkout(s, o.token)).shop.brands, ['visa', 'maestro', 'bank_transfer']);
});

test('the checkout follows the order: a cancelled order is finished', async () => {
  const o = await a.create({ amount: 100 });
  await a.post(`/v1/orders/${o.id}/cancel`);
  const c = await checkout(a, o.token);
  assert.equal(c.token, o.token);
  assert.equal(c.finished, true, 'a cancelled (final) order is finished');
  assert.equal(c.gateway_response, null);
});

test("unknown, malformed or another shop's token: 404", async () => {
  const o = await a.create({ amount: 100 });
  assertError(await a.get(`/v1/checkouts/${'0'.repeat(64)}`), 404, 'not_found');
  assertError(await a.get('/v1/checkouts/nope'), 404, 'not_found');
  assertError(await a.get(`/v1/checkouts/${o.token.toUpperCase()}`), 404, 'not_found');
  assertError(await a.get(`/v1/checkouts/${o.id}`), 404, 'not_found');
  assertError(await b.get(`/v1/checkouts/${o.token}`), 404, 'not_found');
  const r = await a.req('GET', `/v1/checkouts/${o.token}`, { key: undefined });
  assert.equal(r.status, 401, 'the checkout query needs a key');
});
