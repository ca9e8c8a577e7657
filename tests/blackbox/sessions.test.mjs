// Seed 004's checkout sessions, as a client written for that provider
// calls them: the access token (Basic client credentials), sessions with
// items and a shipping option, the session with its transaction_id, the
// transaction in the provider's terms (statuses, items, events), partial
// captures, void, refunds, and the return_url parameters.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, createShop, startServer, request, sleep, ms } from './harness.mjs';
import { client } from './orders-helpers.mjs';

after(cleanup);
let srv, shop, c;
before(async () => {
  srv = await startServer({ args: ['--rate-limit', '0', '--sandbox-refund-ms', '50',
    '--sweep-interval', '30'] });
  shop = createShop(srv.dbPath, 'Sessions');
  c = client(srv, shop.secret_key);
});

const basic = (user, pass) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const SESSION = {
  url: { return_url: 'https://shop.example.com/return', callback_url: 'https://shop.example.com/cb' },
  order: {
    amount: 29990, currency: 'NOK', merchant_reference: 'ORD-1',
    items: [{ id: 'chair-1', line_id: '1', description: 'Stablestol', quantity: 1, amount: 29000,
      vat: 25, vat_amount: 5800 }],
    shipping_option: { id: 'bring', line_id: 'ship', amount: 990, operator: 'Bring', title: 'Standard' },
  },
  profile_id: 'default',
  customer: { email: 'kari@example.com', phone_number: '+4799999999' },
};

/** The transaction once it shows status (refunds settle asynchronously). */
async function transactionWith(uid, status) {
  const end = Date.now() + ms(5000);
  let t;
  while (Date.now() < end) {
    t = (await c.get(`/v1/transactions/${uid}`)).json;
    if (t.status === status) break;
    await sleep(30);
  }
  assert.equal(t.status, status);
  return t;
}

async function paidSession(number = '4242424242424242', body = SESSION) {
  const s = await c.post('/v1/sessions-profile', body);
  assert.equal(s.status, 200, s.text);
  const r = await c.post(`/v1/orders/${s.json.id}/pay`, { payment_method: 'card',
    card: { number, exp_month: 12, exp_year: 2035, cvc: '123' } });
  assert.equal(r.status, 200, r.text);
  return { session: s.json, uid: r.json.transaction.uid };
}

test('the access token: Basic client credentials for the shop\'s account', async () => {
  const ok = await request(srv.base, 'POST', `/v1/accounts/${shop.id}/auth/token`, {
    headers: { authorization: basic('client-1', shop.secret_key) },
    body: { grant_type: 'client_credentials', audience: `https://api.example/v1/accounts/${shop.id}` },
  });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.token_type, 'Bearer');
  assert.ok(ok.json.expires_in > 3600);
  // the token works as the bearer of every call
  const me = await request(srv.base, 'GET', '/v1/shop', { key: ok.json.access_token });
  assert.equal(me.status, 200);
  for (const auth of [basic('client-1', 'sk_test_wrong'), 'Bearer x', undefined]) {
    const r = await request(srv.base, 'POST', `/v1/accounts/${shop.id}/auth/token`,
      { headers: auth ? { authorization: auth } : {} });
    assert.equal(r.status, 401, r.text);
  }
  const other = await request(srv.base, 'POST', '/v1/accounts/shop_other/auth/token',
    { headers: { authorization: basic('c', shop.secret_key) } });
  assert.equal(other.status, 401, 'a key of another account');
});

test('a session: id and url; GET shows it; the transaction_id appears once paid', async () => {
  const s = await c.post('/v1/sessions', SESSION);
  assert.equal(s.status, 200, s.text);
  assert.match(s.json.id, /^ord_/);
  assert.match(s.json.url, /\/pay\/[0-9a-f]{64}$/);
  let g = await c.get(`/v1/sessions/${s.json.id}`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.order.amount, 29990);
  assert.equal(g.json.order.merchant_reference, 'ORD-1');
  assert.equal(g.json.order.items[0].line_id, '1');
  assert.equal(g.json.url.return_url, SESSION.url.return_url);
  assert.ok(!('transaction_id' in g.json));
  const r = await c.post(`/v1/orders/${s.json.id}/pay`, { payment_method: 'card',
    card: { number: '4242424242424242', exp_month: 12, exp_year: 2035, cvc: '123' } });
  g = await c.get(`/v1/sessions/${s.json.id}`);
  assert.equal(g.json.transaction_id, r.json.transaction.uid);
  const plain = await c.create({ amount: 100, currency: 'EUR' });
  assert.equal((await c.get(`/v1/sessions/${plain.id}`)).status, 404, 'an order is not a session');
});

test('bad sessions are 400 and create nothing', async () => {
  for (const body of [{}, { ...SESSION, url: {} },
    { ...SESSION, order: { ...SESSION.order, amount: 100 } },
    { ...SESSION, order: { ...SESSION.order, items: [{ amount: 'x' }] } }]) {
    const r = await c.post('/v1/sessions-profile', body);
    assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
  }
  // item amounts whose 64-bit sum would wrap around to order.amount
  const max = '9223372036854775807';
  const wrapping = `{"url":{"return_url":"https://shop.example.com/r"},"order":{"amount":29990,
    "currency":"NOK","items":[{"line_id":"1","amount":${max}},{"line_id":"2","amount":${max}},
    {"line_id":"3","amount":29992}]}}`;
  const r = await c.req('POST', '/v1/sessions-profile', { rawBody: wrapping,
    headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error.code, 'validation_error');
  assert.ok('order.items' in r.json.error.fields, r.text);
});

test('the transaction in the provider\'s terms: AUTHORIZED, shipping as an item, events', async () => {
  const { session, uid } = await paidSession();
  const t = await c.get(`/v1/transactions/${uid}`);
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.id, uid);
  assert.equal(t.json.session_id, session.id);
  assert.equal(t.json.status, 'AUTHORIZED');
  assert.equal(t.json.amount, 29990);
  assert.equal(t.json.merchant_reference, 'ORD-1');
  assert.deepEqual(t.json.items.map((i) => i.line_id), ['1', 'ship']);
  assert.equal(t.json.payment_product_type, 'sandbox.creditcard');
  assert.equal(t.json.customer.email, 'kari@example.com');
  assert.equal(t.json.url.callback_url, SESSION.url.callback_url);
  assert.deepEqual(t.json.events.map((e) => e.event), ['INITIATE', 'AUTHORIZE']);
  // a native order's transaction keeps the native shape
  const o = await c.create({ amount: 100, currency: 'EUR' });
  const n = await c.post(`/v1/orders/${o.id}/pay`, { payment_method: 'card',
    card: { number: '4242424242424242', exp_month: 12, exp_year: 2035, cvc: '123' } });
  const native = await c.get(`/v1/transactions/${n.json.transaction.uid}`);
  assert.equal(native.json.object, 'transaction');
  assert.equal(native.json.uid, n.json.transaction.uid);
});

test('captures in parts up to the authorized amount, then refunds: the statuses follow', async () => {
  const { uid } = await paidSession();
  const first = await c.post(`/v1/transactions/${uid}/capture`, { amount: 10000,
    capture_reference: 'c-1', items: [{ line_id: '1', amount: 10000 }] });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.status, 'PARTIALLY_CAPTURED');
  assert.equal((await c.post(`/v1/transactions/${uid}/capture`, { amount: 19991 })).status, 422);
  const rest = await c.post(`/v1/transactions/${uid}/capture`, { amount: 19990 });
  assert.equal(rest.json.status, 'CAPTURED', rest.text);
  assert.deepEqual(rest.json.events.map((e) => e.event), ['INITIATE', 'AUTHORIZE', 'CAPTURE', 'CAPTURE']);
  const part = await c.post(`/v1/transactions/${uid}/refund`, { amount: 5000, reason: 'broken' });
  assert.equal(part.status, 200, part.text);
  await transactionWith(uid, 'PARTIALLY_REFUNDED');
  await c.post(`/v1/transactions/${uid}/refund`, { amount: 24990 });
  await transactionWith(uid, 'REFUNDED');
});

test('a refund of a partial capture while the rest is still authorized: PARTIALLY_CAPTURED_REFUNDED', async () => {
  const { uid } = await paidSession();
  const cap = await c.post(`/v1/transactions/${uid}/capture`, { amount: 10000 });
  assert.equal(cap.json.status, 'PARTIALLY_CAPTURED', cap.text);
  const ref = await c.post(`/v1/transactions/${uid}/refund`, { amount: 4000 });
  assert.equal(ref.status, 200, ref.text);
  const t = await transactionWith(uid, 'PARTIALLY_CAPTURED_REFUNDED');
  assert.ok(t.events.some((e) => e.event === 'REFUND' && e.success && e.amount === 4000));
  const rest = await c.post(`/v1/transactions/${uid}/capture`, { amount: 19990 });
  assert.equal(rest.status, 200, rest.text);
  assert.equal(rest.json.status, 'PARTIALLY_REFUNDED');
});

test('void only before any capture: AUTHORIZATION_VOIDED; ON_HOLD while on review', async () => {
  const { uid } = await paidSession();
  const v = await c.post(`/v1/transactions/${uid}/void`);
  assert.equal(v.status, 200, v.text);
  assert.equal(v.json.status, 'AUTHORIZATION_VOIDED');
  assert.equal((await c.post(`/v1/transactions/${uid}/capture`, { amount: 1 })).status, 409);
  const held = await paidSession('4000000000001000');
  assert.equal((await c.get(`/v1/transactions/${held.uid}`)).json.status, 'ON_HOLD');
  const failed = await c.post('/v1/sessions', SESSION);
  const r = await c.post(`/v1/orders/${failed.json.id}/pay`, { payment_method: 'card',
    card: { number: '4000000000000002', exp_month: 12, exp_year: 2035, cvc: '123' } });
  assert.equal((await c.get(`/v1/transactions/${r.json.transaction.uid}`)).json.status, 'FAILED');
});

test('PUT /v1/transactions/{id} sets merchant_reference_2, answered in the provider\'s shape', async () => {
  const { uid } = await paidSession();
  const r = await c.req('PUT', `/v1/transactions/${uid}`, { body: { merchant_reference_2: 'INV-77' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.merchant_reference_2, 'INV-77');
  assert.equal(r.json.status, 'AUTHORIZED');
  assert.ok(r.json.session_id);
});

test('auto_capture: the transaction is CAPTURED at once', async () => {
  const { uid } = await paidSession('4242424242424242', { ...SESSION, auto_capture: true });
  assert.equal((await c.get(`/v1/transactions/${uid}`)).json.status, 'CAPTURED');
});

test('a method=POST callback carries the transaction in the provider\'s shape, as the event left it', async () => {
  const http = await import('node:http');
  const calls = [];
  const rx = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      calls.push({ method: req.method, url: new URL(req.url, 'http://x'), json: body ? JSON.parse(body) : null });
      res.end('ok');
    });
  });
  await new Promise((r) => rx.listen(0, '127.0.0.1', r));
  try {
    const base = `http://127.0.0.1:${rx.address().port}/cb?method=POST&report_event=CAPTURE`;
    const { session, uid } = await paidSession('4242424242424242',
      { ...SESSION, url: { ...SESSION.url, callback_url: base } });
    const wait = async (pred, what) => {
      for (let i = 0; i < 200 && !calls.some(pred); i++) await sleep(ms(25));
      const found = calls.find(pred);
      assert.ok(found, `no ${what}`);
      return found;
    };
    const paid = await wait((k) => !k.url.searchParams.get('event'), 'callback for the payment');
    assert.equal(paid.method, 'POST');
    assert.equal(paid.url.searchParams.get('transaction_id'), uid);
    assert.equal(paid.json.id, uid);
    assert.equal(paid.json.session_id, session.id);
    assert.equal(paid.json.status, 'AUTHORIZED');
    assert.equal(paid.json.merchant_reference, 'ORD-1');
    assert.equal(paid.json.items.length, 2, 'the item and the shipping option');
    const cap = await c.post(`/v1/transactions/${uid}/capture`, { amount: 29990 });
    assert.equal(cap.status, 200, cap.text);
    const captured = await wait((k) => k.url.searchParams.get('event') === 'CAPTURE', 'CAPTURE callback');
    assert.equal(captured.json.id, uid, 'the body is the session\'s transaction, not the capture');
    assert.equal(captured.json.status, 'CAPTURED');
    assert.ok(captured.json.events.some((e) => e.event === 'CAPTURE' && e.success));
  } finally {
    rx.closeAllConnections?.();
    await new Promise((r) => rx.close(r));
  }
});
