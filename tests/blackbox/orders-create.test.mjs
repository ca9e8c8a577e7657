// POST /v1/orders: the seed 002 example, money exactness (currency minor
// units, JSON numbers vs strings, quantities, overflow, maximum), and the
// validation of every field (each 400 is validation_error naming the path,
// and nothing is created).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createShop, request, cleanup, RFC3339_UTC } from './harness.mjs';
import {
  startOrdersServer, client, assertValidation, PUBLIC_URL, HEX64, ORDER_ID, MIN_FIELDS,
  MINIMAL_ORDER, isoIn,
} from './orders-helpers.mjs';

after(cleanup);

let srv, ok, bad;

before(async () => {
  srv = await startOrdersServer();
  ok = client(srv, createShop(srv.dbPath, 'Orders shop').secret_key);
  // every request of this shop is invalid: its order count must stay 0
  bad = client(srv, createShop(srv.dbPath, 'Invalid orders shop').secret_key);
});

async function health() {
  const r = await request(srv.base, 'GET', '/health');
  assert.equal(r.status, 200, 'server is not healthy after the request');
}

/** Each case: [name, body, expected field paths]; all must be 400 and create nothing. */
async function runInvalid(t, cases) {
  for (const [name, body, paths] of cases) {
    await t.test(name, async () => {
      const r = await bad.post('/v1/orders', body);
      assertValidation(r, paths);
    });
  }
  await health();
  assert.equal(await bad.count(), 0, 'an invalid request created an order');
}

const P = (price, extra = {}) => ({ title: 'item', price, ...extra });
const long = (n) => 'x'.repeat(n);

// ------------------------------------------------------------------ seed 002

test('seed 002 minimal example: 201, 30 EUR, issued, token, checkout_url, api_do_url', async () => {
  const r = await ok.post('/v1/orders', MINIMAL_ORDER);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
  const o = r.json;
  assert.match(o.id, ORDER_ID);
  assert.equal(o.object, 'order');
  assert.equal(o.status, 'issued');
  assert.equal(o.amount, 30);
  assert.equal(o.currency, 'EUR');
  assert.match(o.token, HEX64);
  assert.equal(o.test, true);
  assert.equal(o.capture, 'auto');
  assert.equal(o.merchant_reference, null);
  assert.match(o.created_at, RFC3339_UTC);
  assert.ok(Math.abs(Date.parse(o.created_at) - Date.now()) < 10 * 60 * 1000, o.created_at);
  assert.equal(o.checkout_url, `${PUBLIC_URL}/pay/${o.token}`);
  assert.equal(o.api_do_url, `${PUBLIC_URL}/v1/orders/${o.id}/pay`);
  for (const f of ['success_redirect', 'in_progress_redirect', 'failure_redirect', 'return_url', 'cancel_url']) {
    assert.equal(o[f], null, f);
  }
  assert.deepEqual(Object.keys(o).sort(), [...MIN_FIELDS].sort(), 'default response_type is minimum');
  // stored: GET returns it with the client and product
  const g = await ok.getOrder(o.id, 'standard');
  assert.equal(g.amount, 30);
  assert.equal(g.client.email, 'test@test.com');
  assert.equal(g.products.length, 1);
  assert.equal(g.products[0].title, 'test');
  assert.equal(g.products[0].price, '0.30');
  assert.equal(g.products[0].quantity, 1);
  assert.equal(g.products[0].amount, 30);
  assert.equal(g.language, 'en');
});

test('ids and tokens are unique per order', async () => {
  const a = await ok.create();
  const b = await ok.create();
  assert.notEqual(a.id, b.id);
  assert.notEqual(a.token, b.token);
});

// ------------------------------------------------------------------- money

test('money: exact minor units across currencies, strings, numbers and quantities', async (t) => {
  const cases = [
    ['EUR number 0.3', { products: [P(0.3)] }, 30, 'EUR'],
    ['EUR string "0.30"', { products: [P('0.30')] }, 30, 'EUR'],
    ['EUR string "12.5"', { products: [P('12.5')] }, 1250, 'EUR'],
    ['EUR integer number 7', { products: [P(7)] }, 700, 'EUR'],
    ['EUR float trap 0.29', { products: [P(0.29)] }, 29, 'EUR'],
    ['EUR float trap 4.35', { products: [P(4.35)] }, 435, 'EUR'],
    ['EUR float trap 8.2', { products: [P(8.2)] }, 820, 'EUR'],
    ['EUR float trap 1.15', { products: [P(1.15)] }, 115, 'EUR'],
    ['EUR 19.99 x 3', { products: [P(19.99, { quantity: 3 })] }, 5997, 'EUR'],
    ['EUR quantities multiply and products add', {
      products: [P('2.50', { quantity: 3 }), P(0.3), P('0.01', { quantity: 1000000 })],
    }, 750 + 30 + 1000000, 'EUR'],
    ['EUR zero-priced item next to a paid one', { products: [P(0), P('1.00')] }, 100, 'EUR'],
    ['EUR largest string price at the maximum', { products: [P('10000000000.00')] }, 1000000000000, 'EUR'],
    ['EUR explicit currency', { currency: 'EUR', products: [P('0.30')] }, 30, 'EUR'],
    ['JPY 1500 (no minor unit)', { currency: 'JPY', products: [P(1500)] }, 1500, 'JPY'],
    ['JPY string "1500" x 2', { currency: 'JPY', products: [P('1500', { quantity: 2 })] }, 3000, 'JPY'],
    ['KWD "1.234" (three decimals)', { currency: 'KWD', products: [P('1.234')] }, 1234, 'KWD'],
    ['KWD number 1.5', { currency: 'KWD', products: [P(1.5)] }, 1500, 'KWD'],
    ['KWD number 0.001', { currency: 'KWD', products: [P(0.001)] }, 1, 'KWD'],
    ['KWD 1.005 x 2', { currency: 'KWD', products: [P(1.005, { quantity: 2 })] }, 2010, 'KWD'],
    ['amount only', { amount: 1500 }, 1500, 'EUR'],
    ['amount only JPY', { amount: 1500, currency: 'JPY' }, 1500, 'JPY'],
    ['amount agreeing with products', { amount: 780, products: [P('2.50', { quantity: 3 }), P(0.3)] }, 780, 'EUR'],
    ['amount at the default maximum 10^12', { amount: 1000000000000 }, 1000000000000, 'EUR'],
  ];
  for (const [name, body, amount, currency] of cases) {
    await t.test(name, async () => {
      const o = await ok.create(body, '?response_type=full');
      assert.equal(o.amount, amount, `${name}: amount`);
      assert.equal(o.currency, currency, `${name}: currency`);
      assert.equal(o.initial_amount, amount, `${name}: initial_amount`);
      assert.equal(o.surcharge_amount, 0);
      if (body.products) {
        const sum = o.products.reduce((s, p) => s + p.amount, 0);
        assert.equal(sum, amount, `${name}: products' amounts add up`);
      }
      const g = await ok.getOrder(o.id, 'full');
      assert.equal(g.amount, amount, `${name}: stored amount`);
    });
  }
});

test('money: a JSON number in exponent form is read exactly (1.5e1 EUR = 1500)', async () => {
  const r = await request(srv.base, 'POST', '/v1/orders', {
    key: ok.key, rawBody: '{"products":[{"title":"t","price":1.5e1}]}',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.amount, 1500);
});

test('money: standard/full views show prices as decimal strings and amount_decimal', async () => {
  const e = await ok.create({ products: [P(0.3), P('2.5', { quantity: 3, sku: 'SKU-1' })] }, '?response_type=full');
  assert.deepEqual(e.products.map((p) => [p.price, p.quantity, p.amount]), [['0.30', 1, 30], ['2.50', 3, 750]]);
  assert.equal(e.products[1].sku, 'SKU-1');
  assert.equal(e.amount_decimal, '7.80');
  const j = await ok.create({ currency: 'JPY', products: [P(1500)] }, '?response_type=full');
  assert.equal(j.products[0].price, '1500');
  assert.equal(j.amount_decimal, '1500');
  const k = await ok.create({ currency: 'KWD', products: [P('1.234')] }, '?response_type=full');
  assert.equal(k.products[0].price, '1.234');
  assert.equal(k.amount_decimal, '1.234');
});

test('money: invalid prices and totals are 400 at the right path', async (t) => {
  await runInvalid(t, [
    ['JPY 1.5 (JPY has no decimals)', { currency: 'JPY', products: [P(1.5)] }, ['products[0].price']],
    ['JPY "1500.5"', { currency: 'JPY', products: [P('1500.5')] }, ['products[0].price']],
    ['KWD "1.2345"', { currency: 'KWD', products: [P('1.2345')] }, ['products[0].price']],
    ['EUR too many decimals on the second product', { products: [P(0.3), P('1.234')] }, ['products[1].price']],
    ['EUR number 1.001', { products: [P(1.001)] }, ['products[0].price']],
    ['float artefact 0.30000000000000004', { products: [P(0.30000000000000004)] }, ['products[0].price']],
    ['negative number price', { products: [P(-1)] }, ['products[0].price']],
    ['negative string price', { products: [P('-0.01')] }, ['products[0].price']],
    ['price "abc"', { products: [P('abc')] }, ['products[0].price']],
    ['price "1,50"', { products: [P('1,50')] }, ['products[0].price']],
    ['price ""', { products: [P('')] }, ['products[0].price']],
    ['price true', { products: [P(true)] }, ['products[0].price']],
    ['price null', { products: [P(null)] }, ['products[0].price']],
    ['price object', { products: [P({ v: 1 })] }, ['products[0].price']],
    ['price missing', { products: [{ title: 't' }] }, ['products[0].price']],
    ['price 1e300', { products: [P(1e300)] }, ['products[0].price']],
    ['zero total', { products: [P(0)] }, []],
    ['amount 0', { amount: 0 }, ['amount']],
    ['amount negative', { amount: -5 }, ['amount']],
    ['amount 15.5', { amount: 15.5 }, ['amount']],
    ['amount "1500"', { amount: '1500' }, ['amount']],
    ['amount disagreeing with products', { amount: 31, products: [P(0.3)] }, ['amount']],
    ['neither amount nor products', { client: { email: 'a@b.co' } }, ['products']],
    ['empty body', {}, ['products']],
    ['amount above the default maximum', { amount: 1000000000001 }, ['amount']],
    ['products above the default maximum', { products: [P('10000000000.01')] }, []],
    ['huge quantity x huge price (int64 overflow)', {
      currency: 'JPY', products: [P('9223372036854775807', { quantity: 1000000 })],
    }, []],
    ['many huge products (sum overflow)', {
      currency: 'JPY', products: Array.from({ length: 100 }, () => P('9000000000000000000', { quantity: 1000000 })),
    }, []],
    ['price with 400 digits', { products: [P('9'.repeat(400))] }, ['products[0].price']],
  ]);
});

test('money: a zero total names amount or products', async () => {
  const r = await bad.post('/v1/orders', { products: [P(0), P('0.00')] });
  const f = assertValidation(r, []);
  assert.ok('amount' in f || 'products' in f, `zero total names neither amount nor products: ${r.text}`);
});

test('--max-order-amount: the total may equal it, not exceed it', async () => {
  const s2 = await startOrdersServer(['--max-order-amount', '5000']);
  const c = client(s2, createShop(s2.dbPath, 'Small shop').secret_key);
  const o = await c.create({ amount: 5000 });
  assert.equal(o.amount, 5000);
  const o2 = await c.create({ products: [P('25.00', { quantity: 2 })] });
  assert.equal(o2.amount, 5000);
  assertValidation(await c.post('/v1/orders', { amount: 5001 }), ['amount']);
  const r = await c.post('/v1/orders', { products: [P('25.01', { quantity: 2 })] });
  assertValidation(r, []);
  assert.equal(await c.count(), 2, 'an order above the maximum was created');
  await s2.kill();
});

test('big exact prices: > 15 significant digits only as a string (raised --max-order-amount)', async () => {
  const s3 = await startOrdersServer(['--max-order-amount', '1000000000000000000']);
  const c = client(s3, createShop(s3.dbPath, 'Big shop').secret_key);
  const raw = (price) => request(s3.base, 'POST', '/v1/orders?response_type=full', {
    key: c.key, rawBody: `{"products":[{"title":"t","price":${price}}]}`,
    headers: { 'content-type': 'application/json' },
  });
  const s = await raw('"1234567890123456.78"');
  assert.equal(s.status, 201, s.text);
  assert.equal(s.json.amount, 123456789012345678);
  assert.equal(s.json.amount_decimal, '1234567890123456.78');
  assert.equal(s.json.products[0].price, '1234567890123456.78');
  const n15 = await raw('1234567890123.45');
  assert.equal(n15.status, 201, n15.text);
  assert.equal(n15.json.amount, 123456789012345);
  assertValidation(await raw('123456789012345.6'), ['products[0].price']);
  assertValidation(await raw('1234567890123456.78'), ['products[0].price']);
  assert.equal(await c.count(), 2);
  await s3.kill();
});

// -------------------------------------------------------------- validation

test('validation: products array and items', async (t) => {
  const hundredOne = Array.from({ length: 101 }, () => P(1));
  await runInvalid(t, [
    ['products not an array', { products: 'x' }, ['products']],
    ['products an object', { products: { title: 't', price: 1 } }, ['products']],
    ['products empty', { products: [] }, ['products']],
    ['101 products', { products: hundredOne }, ['products']],
    ['product not an object', { products: [5] }, ['products[0]']],
    ['title missing', { products: [{ price: 1 }] }, ['products[0].title']],
    ['title empty', { products: [P(1, { title: '' })] }, ['products[0].title']],
    ['title 256 characters', { products: [P(1, { title: long(256) })] }, ['products[0].title']],
    ['title a number', { products: [P(1, { title: 5 })] }, ['products[0].title']],
    ['quantity 0', { products: [P(1, { quantity: 0 })] }, ['products[0].quantity']],
    ['quantity 1000001', { products: [P(1, { quantity: 1000001 })] }, ['products[0].quantity']],
    ['quantity 1.5', { products: [P(1, { quantity: 1.5 })] }, ['products[0].quantity']],
    ['quantity "2"', { products: [P(1, { quantity: '2' })] }, ['products[0].quantity']],
    ['sku 65 characters', { products: [P(1, { sku: long(65) })] }, ['products[0].sku']],
    ['unknown product field', { products: [P(1), P(1, { colour: 'red' })] }, ['products[1].colour']],
  ]);
});

test('validation: boundaries that are valid (100 products, title 255, quantity 10^6, sku 64)', async () => {
  const o = await ok.create({ products: Array.from({ length: 100 }, () => P('0.01')) }, '?response_type=standard');
  assert.equal(o.amount, 100);
  assert.equal(o.products.length, 100);
  const o2 = await ok.create({ products: [P('0.01', { title: long(255), quantity: 1000000, sku: long(64) })] },
    '?response_type=standard');
  assert.equal(o2.amount, 1000000);
  assert.equal(o2.products[0].title, long(255));
  assert.equal(o2.products[0].quantity, 1000000);
  assert.equal(o2.products[0].sku, long(64));
});

test('validation: currency, description, language, references, unknown fields', async (t) => {
  const base = { products: [P(1)] };
  await runInvalid(t, [
    ['currency XYZ', { ...base, currency: 'XYZ' }, ['currency']],
    ['currency lower-case eur', { ...base, currency: 'eur' }, ['currency']],
    ['currency EU', { ...base, currency: 'EU' }, ['currency']],
    ['currency a number', { ...base, currency: 978 }, ['currency']],
    ['description 1025 characters', { ...base, description: long(1025) }, ['description']],
    ['description a number', { ...base, description: 5 }, ['description']],
    ['language "english"', { ...base, language: 'english' }, ['language']],
    ['language a number', { ...base, language: 5 }, ['language']],
    ['merchant_reference 256 characters', { ...base, merchant_reference: long(256) }, ['merchant_reference']],
    ['merchant_reference a number', { ...base, merchant_reference: 1001 }, ['merchant_reference']],
    ['merchant_reference_2 256 characters', { ...base, merchant_reference_2: long(256) }, ['merchant_reference_2']],
    ['unknown top-level field', { ...base, colour: 'red' }, ['colour']],
    ['unknown top-level field null', { ...base, shop_id: null }, ['shop_id']],
  ]);
});

test('validation: client object', async (t) => {
  const base = { products: [P(1)] };
  await runInvalid(t, [
    ['client a string', { ...base, client: 'x' }, ['client']],
    ['client an array', { ...base, client: [] }, ['client']],
    ['client.zzz unknown', { ...base, client: { email: 'a@b.co', zzz: 1 } }, ['client.zzz']],
    ['client.email "not-an-email"', { ...base, client: { email: 'not-an-email' } }, ['client.email']],
    ['client.email "a@"', { ...base, client: { email: 'a@' } }, ['client.email']],
    ['client.email "@b.com"', { ...base, client: { email: '@b.com' } }, ['client.email']],
    ['client.email a number', { ...base, client: { email: 5 } }, ['client.email']],
    ['client.name 256 characters', { ...base, client: { name: long(256) } }, ['client.name']],
    ['client.country DEU', { ...base, client: { country: 'DEU' } }, ['client.country']],
    ['client.country 12', { ...base, client: { country: '12' } }, ['client.country']],
    ['client.phone a number', { ...base, client: { phone: 4930123 } }, ['client.phone']],
  ]);
});

test('validation: dates', async (t) => {
  const base = { products: [P(1)] };
  const soon = isoIn(3600);
  const later = isoIn(7200);
  await runInvalid(t, [
    ['due_date date only', { ...base, due_date: '2030-01-01' }, ['due_date']],
    ['due_date "tomorrow"', { ...base, due_date: 'tomorrow' }, ['due_date']],
    ['due_date no zone', { ...base, due_date: '2030-01-01T10:00:00' }, ['due_date']],
    ['due_date month 13', { ...base, due_date: '2030-13-01T00:00:00Z' }, ['due_date']],
    ['due_date February 30', { ...base, due_date: '2030-02-30T00:00:00Z' }, ['due_date']],
    ['due_date a number', { ...base, due_date: 1900000000 }, ['due_date']],
    ['due_date in the past', { ...base, due_date: '2020-01-01T00:00:00Z' }, ['due_date']],
    ['expires_at in the past', { ...base, expires_at: '2020-01-01T00:00:00.000Z' }, ['expires_at']],
    ['expires_at not RFC 3339', { ...base, expires_at: 'Mon, 01 Jan 2030 00:00:00 GMT' }, ['expires_at']],
    ['expires_at before due_date', { ...base, due_date: later, expires_at: soon }, ['expires_at']],
    ['expires_at equal to due_date', { ...base, due_date: soon, expires_at: soon }, ['expires_at']],
  ]);
});

test('validation: valid dates with an offset are stored as UTC RFC 3339', async () => {
  const due = new Date(Date.now() + 86400 * 1000);
  due.setUTCMilliseconds(0);
  const exp = new Date(due.getTime() + 86400 * 1000);
  // the same instants written with a +02:00 offset
  const withOffset = (d) => new Date(d.getTime() + 2 * 3600 * 1000).toISOString().replace('.000Z', '+02:00');
  const o = await ok.create({ products: [P(1)], due_date: withOffset(due), expires_at: withOffset(exp) },
    '?response_type=standard');
  assert.match(o.due_date, RFC3339_UTC);
  assert.equal(Date.parse(o.due_date), due.getTime());
  assert.equal(Date.parse(o.expires_at), exp.getTime());
  assert.equal(o.status, 'issued');
});

test('validation: URLs must be absolute', async (t) => {
  const base = { products: [P(1)] };
  const cases = [];
  for (const f of ['success_redirect', 'in_progress_redirect', 'failure_redirect', 'return_url',
    'cancel_url', 'callback_url', 'notification_url']) {
    cases.push([`${f} relative path`, { ...base, [f]: '/thanks' }, [f]]);
    cases.push([`${f} without scheme`, { ...base, [f]: 'shop.example.com/ok' }, [f]]);
  }
  cases.push(['success_redirect empty', { ...base, success_redirect: '' }, ['success_redirect']]);
  cases.push(['success_redirect "https://"', { ...base, success_redirect: 'https://' }, ['success_redirect']]);
  cases.push(['callback_url a number', { ...base, callback_url: 5 }, ['callback_url']]);
  await runInvalid(t, cases);
});

test('validation: metadata is flat and bounded', async (t) => {
  const base = { products: [P(1)] };
  const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i]));
  await runInvalid(t, [
    ['metadata nested object', { ...base, metadata: { x: { a: 1 } } }, ['metadata.x']],
    ['metadata nested array', { ...base, metadata: { x: [1] } }, ['metadata.x']],
    ['metadata value 501 characters', { ...base, metadata: { note: long(501) } }, ['metadata.note']],
    ['metadata a string', { ...base, metadata: 'x' }, ['metadata']],
    ['metadata an array', { ...base, metadata: [1] }, ['metadata']],
  ]);
  for (const [name, md] of [['21 keys', many], ['key of 41 characters', { [long(41)]: 1 }], ['empty key', { '': 1 }]]) {
    const r = await bad.post('/v1/orders', { ...base, metadata: md });
    const f = assertValidation(r, []);
    assert.ok(Object.keys(f).some((k) => k.startsWith('metadata')), `${name}: no metadata path: ${r.text}`);
  }
  assert.equal(await bad.count(), 0);
});

test('validation: metadata at its limits is stored as given', async () => {
  const md = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
  Object.assign(md, { k0: 'v', k1: true, k2: null, k3: 1.5, [long(40)]: long(500) });
  delete md.k19;
  const o = await ok.create({ products: [P(1)], metadata: md }, '?response_type=standard');
  assert.deepEqual(o.metadata, md);
});

test('validation: capture, max_payment_attempts, test', async (t) => {
  const base = { products: [P(1)] };
  await runInvalid(t, [
    ['capture MANUAL', { ...base, capture: 'MANUAL' }, ['capture']],
    ['capture later', { ...base, capture: 'later' }, ['capture']],
    ['capture true', { ...base, capture: true }, ['capture']],
    ['max_payment_attempts 0', { ...base, max_payment_attempts: 0 }, ['max_payment_attempts']],
    ['max_payment_attempts 101', { ...base, max_payment_attempts: 101 }, ['max_payment_attempts']],
    ['max_payment_attempts 1.5', { ...base, max_payment_attempts: 1.5 }, ['max_payment_attempts']],
    ['max_payment_attempts "3"', { ...base, max_payment_attempts: '3' }, ['max_payment_attempts']],
    ['test false with a test key', { ...base, test: false }, ['test']],
    ['test "yes"', { ...base, test: 'yes' }, ['test']],
  ]);
});

test('capture manual, max_payment_attempts 1 and 100, test true: accepted and stored', async () => {
  const a = await ok.create({ products: [P(1)], capture: 'manual', max_payment_attempts: 1, test: true },
    '?response_type=standard');
  assert.equal(a.capture, 'manual');
  assert.equal(a.max_payment_attempts, 1);
  assert.equal(a.test, true);
  assert.equal(a.failed_attempts, 0);
  const b = await ok.create({ products: [P(1)], capture: 'auto', max_payment_attempts: 100 }, '?response_type=standard');
  assert.equal(b.capture, 'auto');
  assert.equal(b.max_payment_attempts, 100);
});

test('every invalid field is reported at once, and nothing is created', async () => {
  const r = await bad.post('/v1/orders', {
    colour: 'red',
    client: { email: 'nope', zzz: 1 },
    products: [P(1), { title: '', price: -1 }],
    capture: 'later',
    max_payment_attempts: 0,
    success_redirect: '/rel',
  });
  assertValidation(r, ['colour', 'client.email', 'client.zzz', 'products[1].title', 'products[1].price',
    'capture', 'max_payment_attempts', 'success_redirect']);
  assert.equal(await bad.count(), 0);
});

test('every field valid at once: stored and shown in the standard view', async () => {
  const body = {
    products: [P('10.00', { quantity: 2, sku: 'A-1' }), P(0.5, { title: 'gift wrap' })],
    amount: 2050,
    currency: 'EUR',
    description: 'Order 1001 from the corner shop',
    client: {
      email: 'jane@example.com', name: 'Jane Doe', first_name: 'Jane', last_name: 'Doe',
      phone: '+49 30 123456', country: 'DE', city: 'Berlin', address: 'Hauptstr. 1', zip: '10115',
      state: 'BE', birth_date: '1990-01-31', external_id: 'cust-7', ip_address: '203.0.113.9',
    },
    merchant_reference: 'ref-1001',
    merchant_reference_2: 'ref2-1001',
    success_redirect: 'https://shop.example.com/ok',
    in_progress_redirect: 'https://shop.example.com/wait',
    failure_redirect: 'https://shop.example.com/fail',
    return_url: 'https://shop.example.com/return',
    cancel_url: 'https://shop.example.com/cancel',
    callback_url: 'https://hooks.example.com/cb',
    notification_url: 'https://hooks.example.com/notify',
    language: 'de',
    due_date: isoIn(86400),
    expires_at: isoIn(2 * 86400),
    max_payment_attempts: 5,
    capture: 'manual',
    metadata: { cart: 'c-9', items: 3, gift: true, coupon: null },
    test: true,
  };
  const o = await ok.create(body, '?response_type=standard');
  assert.equal(o.amount, 2050);
  assert.equal(o.initial_amount, 2050);
  for (const f of ['currency', 'description', 'merchant_reference', 'merchant_reference_2',
    'success_redirect', 'in_progress_redirect', 'failure_redirect', 'return_url', 'cancel_url',
    'callback_url', 'notification_url', 'language', 'max_payment_attempts', 'capture', 'test']) {
    assert.equal(o[f], body[f], f);
  }
  assert.deepEqual(o.metadata, body.metadata);
  for (const [k, v] of Object.entries(body.client)) assert.equal(o.client[k], v, `client.${k}`);
  assert.equal(Date.parse(o.due_date), Date.parse(body.due_date));
  assert.equal(Date.parse(o.expires_at), Date.parse(body.expires_at));
  assert.deepEqual(o.products.map((p) => [p.title, p.price, p.quantity, p.sku, p.amount]),
    [['item', '10.00', 2, 'A-1', 2000], ['gift wrap', '0.50', 1, null, 50]]);
});

// ----------------------------------------------------- live keys and hosts

test('http URLs: refused for live orders, allowed for test orders', async () => {
  const live = client(srv, createShop(srv.dbPath, 'Live shop', ['--live']).secret_key);
  assert.match(live.key, /^sk_live_/);
  for (const f of ['success_redirect', 'failure_redirect', 'return_url', 'cancel_url', 'in_progress_redirect',
    'callback_url', 'notification_url']) {
    assertValidation(await live.post('/v1/orders', { products: [P(1)], [f]: 'http://shop.example.com/x' }), [f]);
  }
  assert.equal(await live.count(), 0, 'a refused live order was created');
  const lo = await live.create({ products: [P(1)], success_redirect: 'https://shop.example.com/ok',
    callback_url: 'https://hooks.example.com/cb' });
  assert.equal(lo.test, false, 'a live key creates live orders');
  assert.equal(lo.success_redirect, 'https://shop.example.com/ok');
  // a live key asking for a test order: http is fine there
  const lt = await live.create({ products: [P(1)], test: true, success_redirect: 'http://shop.example.com/ok' });
  assert.equal(lt.test, true);
  // a test key: http allowed
  const t = await ok.create({ products: [P(1)], success_redirect: 'http://shop.example.com/ok',
    callback_url: 'http://hooks.example.com/cb' }, '?response_type=standard');
  assert.equal(t.success_redirect, 'http://shop.example.com/ok');
  assert.equal(t.callback_url, 'http://hooks.example.com/cb');
});

test('allowed_redirect_hosts: redirects must use a listed host; callbacks need not', async () => {
  const shop = client(srv, createShop(srv.dbPath, 'Strict shop').secret_key);
  const p = await shop.patch('/v1/shop', { allowed_redirect_hosts: ['shop.example.com'] });
  assert.equal(p.status, 200, p.text);
  for (const f of ['success_redirect', 'in_progress_redirect', 'failure_redirect', 'return_url', 'cancel_url']) {
    assertValidation(await shop.post('/v1/orders', { products: [P(1)], [f]: 'https://evil.example.net/x' }), [f]);
  }
  for (const u of ['https://shop.example.com.evil.net/ok', 'https://shop.example.com@evil.net/ok',
    'https://evil.net/shop.example.com', 'https://sub.evil.net/?r=https://shop.example.com/']) {
    assertValidation(await shop.post('/v1/orders', { products: [P(1)], success_redirect: u }), ['success_redirect']);
  }
  assert.equal(await shop.count(), 0, 'a refused redirect created an order');
  const o = await shop.create({
    products: [P(1)],
    success_redirect: 'https://shop.example.com/ok?x=1',
    failure_redirect: 'https://SHOP.Example.com/fail',
    callback_url: 'https://hooks.other.net/cb',
    notification_url: 'https://notify.other.net/n',
  }, '?response_type=standard');
  assert.equal(o.callback_url, 'https://hooks.other.net/cb');
  assert.equal(o.notification_url, 'https://notify.other.net/n');
  // clearing the list allows any host again
  const c = await shop.patch('/v1/shop', { allowed_redirect_hosts: [] });
  assert.equal(c.status, 200, c.text);
  await shop.create({ products: [P(1)], success_redirect: 'https://evil.example.net/x' });
});

test('currency and language default from the shop', async () => {
  const s = client(srv, createShop(srv.dbPath, 'Yen shop').secret_key);
  const p = await s.patch('/v1/shop', { default_currency: 'JPY', default_language: 'de' });
  assert.equal(p.status, 200, p.text);
  const o = await s.create({ products: [P(1500)] }, '?response_type=standard');
  assert.equal(o.currency, 'JPY');
  assert.equal(o.amount, 1500);
  assert.equal(o.language, 'de');
  // JPY default: 1.5 is now too precise
  assertValidation(await s.post('/v1/orders', { products: [P(1.5)] }), ['products[0].price']);
  const e = await s.create({ currency: 'EUR', language: 'fr', products: [P(1.5)] }, '?response_type=standard');
  assert.equal(e.amount, 150);
  assert.equal(e.language, 'fr');
});

test('non-object bodies and bad JSON create nothing', async () => {
  const a = await bad.post('/v1/orders', '[1,2]');
  assert.equal(a.status, 400);
  assert.equal(a.json.error.code, 'invalid_body');
  const b = await bad.post('/v1/orders', '{"products":');
  assert.equal(b.status, 400);
  assert.equal(b.json.error.code, 'invalid_json');
  const c = await bad.post('/v1/orders', '{"amount":100,"amount":100}');
  assert.equal(c.status, 400);
  assert.equal(c.json.error.code, 'invalid_json');
  assert.equal(await bad.count(), 0);
});
