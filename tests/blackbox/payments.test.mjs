// The headless payment API (docs/payments.md): POST /v1/orders/{id}/pay with
// every synchronous sandbox card, declines and the attempt limit, idempotency,
// card validation (nothing recorded), localised messages, the receipt, the
// transactions API and the checkout query's gateway_response after a payment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createShop, cleanup, assertError, sleep, RFC3339_UTC } from './harness.mjs';
import { startOrdersServer, client } from './orders-helpers.mjs';

after(cleanup);

let srv, a, b;

const RETURN_URL = 'https://shop.example.com/back';
const TXN_ID = /^txn_[0-9a-zA-Z]+$/;
const JSON_CT = 'application/json; charset=utf-8';

before(async () => {
  srv = await startOrdersServer();
  a = client(srv, createShop(srv.dbPath, 'Pay A').secret_key);
  b = client(srv, createShop(srv.dbPath, 'Pay B').secret_key);
  for (const c of [a, b]) {
    const p = await c.patch('/v1/shop', { allowed_redirect_hosts: ['shop.example.com'] });
    assert.equal(p.status, 200, p.text);
  }
});

let refs = 0;
/** An order of 12.50 EUR with a German customer. */
const newOrder = (c = a, extra = {}) => c.create({
  products: [{ title: 'Widget', price: '12.50' }],
  client: { email: 'ada@example.com', country: 'DE' },
  merchant_reference: `pay-${++refs}`,
  max_payment_attempts: 5,
  ...extra,
});

const card = (number, extra = {}) => ({
  number, exp_month: 12, exp_year: 2030, cvc: '123', holder: 'Ada Lovelace', ...extra,
});
const payBody = (c, extra = {}) => ({
  payment_method: 'card', ip_address: '203.0.113.7', return_url: RETURN_URL, card: c, ...extra,
});
const pay = (o, body, opts = {}, c = a) => c.post(`/v1/orders/${o.id}/pay`, body, opts);

/** Assert the payment API's error shape: {code, message, messages[], errors{}}. */
function assertPayError(r, status, code) {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status}: ${r.text}`);
  assert.equal(r.headers.get('content-type'), JSON_CT);
  const j = r.json;
  assert.ok(j && typeof j === 'object', `not JSON: ${r.text}`);
  assert.equal(j.code, code, r.text);
  assert.equal(typeof j.message, 'string', r.text);
  assert.ok(j.message.length > 0, r.text);
  assert.ok(Array.isArray(j.messages) && j.messages.length > 0, `messages: ${r.text}`);
  for (const m of j.messages) assert.ok(typeof m === 'string' && m.length > 0, r.text);
  assert.ok(j.errors && typeof j.errors === 'object' && !Array.isArray(j.errors), `errors: ${r.text}`);
  return j;
}

async function transactions(c, o) {
  const r = await c.get(`/v1/orders/${o.id}/transactions`);
  assert.equal(r.status, 200, r.text);
  assert.ok(Array.isArray(r.json.data), r.text);
  assert.equal(r.json.has_more, false, r.text);
  return r.json.data;
}

const eventTypes = async (c, o) => (await c.events(o.id)).map((e) => e.type);

const TXN_FIELDS = ['uid', 'object', 'order_id', 'type', 'status', 'code', 'message', 'amount', 'currency',
  'payment_method', 'method', 'auth_code', 'bank_code', 'rrn', 'ref_id', 'avs_cvc_verification',
  'billing_descriptor', 'three_d_secure', 'customer_ip', 'merchant_reference_2', 'redirect_url', 'test',
  'created_at', 'updated_at', 'finished_at'];

function assertTxn(t, o, want = {}) {
  assert.ok(t && typeof t === 'object', `no transaction: ${JSON.stringify(t)}`);
  const missing = TXN_FIELDS.filter((k) => !(k in t));
  assert.deepEqual(missing, [], `transaction lacks ${missing}: ${JSON.stringify(t)}`);
  assert.match(t.uid, TXN_ID);
  assert.equal(t.object, 'transaction');
  assert.equal(t.order_id, o.id);
  assert.equal(t.amount, 1250);
  assert.equal(t.currency, 'EUR');
  assert.equal(t.test, true);
  assert.match(t.created_at, RFC3339_UTC);
  assert.match(t.updated_at, RFC3339_UTC);
  for (const [k, v] of Object.entries(want)) {
    assert.deepEqual(t[k], v, `transaction.${k}: ${JSON.stringify(t)}`);
  }
  return t;
}

function assertReceipt(j, o, { status, statusDescription }) {
  assert.equal(j.order, o.id, JSON.stringify(j));
  assert.equal(j.status, status, JSON.stringify(j));
  assert.equal(j.statusDescription, statusDescription, JSON.stringify(j));
  assert.equal(j.amount, 1250);
  assert.equal(j.currency, 'EUR');
  assert.equal(j.merchant_reference, o.merchant_reference);
  assert.equal(j.affiliateHtml, '', 'a shop without affiliate_html shows ""');
  assert.ok(j.transaction && typeof j.transaction === 'object', JSON.stringify(j));
}

// ------------------------------------------------------------------ approved

const APPROVED = [
  { number: '4242424242424242', brand: 'visa', last_4: '4242', cvc: '123' },
  { number: '5555555555554444', brand: 'master', last_4: '4444', cvc: '123' },
  { number: '378282246310005', brand: 'amex', last_4: '0005', cvc: '1234' },
];

for (const cd of APPROVED) {
  test(`approved ${cd.brand} (${cd.number}), capture auto: action success, paid, transaction successful`, async () => {
    const o = await newOrder();
    const r = await pay(o, payBody(card(cd.number, { cvc: cd.cvc })));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('content-type'), JSON_CT);
    assert.equal(r.json.action, 'success', r.text);
    assertReceipt(r.json, o, { status: 'paid', statusDescription: 'Paid' });
    const t = assertTxn(r.json.transaction, o, {
      type: 'payment', status: 'successful', code: null, payment_method: 'card',
      customer_ip: '203.0.113.7', redirect_url: null,
    });
    assert.equal(t.method.type, 'card');
    assert.equal(t.method.brand, cd.brand);
    assert.equal(t.method.last_4, cd.last_4);
    assert.equal(t.method.exp_month, 12);
    assert.equal(t.method.exp_year, 2030);
    assert.equal(t.method.holder, 'Ada Lovelace');
    assert.match(t.finished_at, RFC3339_UTC, 'an approved attempt is finished');
    assert.equal(typeof t.avs_cvc_verification?.avs_verification?.result_code, 'string', JSON.stringify(t));
    assert.equal(typeof t.avs_cvc_verification?.cvc_verification?.result_code, 'string', JSON.stringify(t));
    assert.ok(!JSON.stringify(r.json).includes(cd.number), 'the answer must not carry the card number');

    const g = await a.getOrder(o.id, 'standard');
    assert.equal(g.status, 'paid');
    assert.equal(g.failed_attempts, 0);
    const list = await transactions(a, o);
    assert.equal(list.length, 1);
    assert.equal(list[0].uid, t.uid);
    assert.equal(list[0].status, 'successful');
    assert.deepEqual(await eventTypes(a, o), ['order.issued', 'order.in_progress', 'order.payment_success']);
  });
}

test('approved card, capture manual: status hold ("Authorized"), transaction type authorization', async () => {
  const o = await newOrder(a, { capture: 'manual' });
  const r = await pay(o, payBody(card('5555555555554444')));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.action, 'success', r.text);
  assertReceipt(r.json, o, { status: 'hold', statusDescription: 'Authorized' });
  assertTxn(r.json.transaction, o, { type: 'authorization', status: 'successful', code: null });
  assert.equal(r.json.transaction.method.brand, 'master');
  assert.equal((await a.getOrder(o.id)).status, 'hold');
  const types = await eventTypes(a, o);
  assert.equal(types.at(-1), 'order.hold', types.join());
  assert.ok(!types.includes('order.payment_success'), types.join());
});

test('card fields may be integers; an IPv6 ip_address is kept', async () => {
  const o = await newOrder();
  const r = await pay(o, payBody({ number: 4242424242424242, exp_month: 7, exp_year: 2031, cvc: 321 },
    { ip_address: '2001:db8::7' }));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'paid', r.text);
  assert.equal(r.json.transaction.method.last_4, '4242');
  assert.equal(r.json.transaction.method.exp_month, 7);
  assert.equal(r.json.transaction.method.exp_year, 2031);
  assert.equal(r.json.transaction.method.holder, null, 'no holder given');
  assert.equal(r.json.transaction.customer_ip, '2001:db8::7');
});

// ------------------------------------------------------------------ declines

const DECLINES = [
  { number: '4000000000000002', code: 'card_declined', txn: 'failed' },
  { number: '4000000000009995', code: 'insufficient_funds', txn: 'failed' },
  { number: '4000000000000069', code: 'expired_card', txn: 'failed' },
  { number: '4000000000000127', code: 'incorrect_cvc', txn: 'failed' },
  { number: '4000000000000119', code: 'processing_error', txn: 'error' },
];

for (const d of DECLINES) {
  test(`${d.number}: 402 ${d.code}, transaction ${d.txn} included, order failed`, async () => {
    const o = await newOrder();
    const r = await pay(o, payBody(card(d.number)));
    const j = assertPayError(r, 402, d.code);
    assert.deepEqual(j.errors, { paymentMethod: d.code }, r.text);
    const t = assertTxn(j.transaction, o, { status: d.txn, code: d.code, payment_method: 'card' });
    assert.equal(t.method.brand, 'visa');
    assert.equal(t.method.last_4, d.number.slice(-4));
    assert.equal(typeof t.message, 'string');
    assert.match(t.finished_at, RFC3339_UTC, 'a declined attempt is finished');

    const g = await a.getOrder(o.id, 'standard');
    assert.equal(g.status, 'failed');
    assert.equal(g.failed_attempts, 1);
    const list = await transactions(a, o);
    assert.equal(list.length, 1);
    assert.equal(list[0].uid, t.uid);
    assert.equal(list[0].status, d.txn);
    assert.equal(list[0].code, d.code);
    assert.deepEqual(await eventTypes(a, o), ['order.issued', 'order.in_progress', 'order.payment_failure']);
    // no receipt for a failed attempt
    assertError(await a.get(`/v1/orders/${o.id}/receipt`), 404, 'receipt_not_found');
  });
}

test('a failed order can be paid again: decline, then approve', async () => {
  const o = await newOrder();
  assertPayError(await pay(o, payBody(card('4000000000000002'))), 402, 'card_declined');
  const r = await pay(o, payBody(card('4242424242424242')));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'paid');
  const g = await a.getOrder(o.id, 'standard');
  assert.equal(g.status, 'paid');
  assert.equal(g.failed_attempts, 1);
  const list = await transactions(a, o);
  assert.deepEqual(list.map((t) => t.status), ['failed', 'successful'], 'oldest first');
});

// ------------------------------------------------------- attempts and states

test('max_payment_attempts 2: two declines cancel the order; a third pay is 409 invalid_state_transition', async () => {
  const o = await newOrder(a, { max_payment_attempts: 2 });
  assertPayError(await pay(o, payBody(card('4000000000000002'))), 402, 'card_declined');
  assert.equal((await a.getOrder(o.id)).status, 'failed');
  const r2 = await pay(o, payBody(card('4000000000009995')));
  const j2 = assertPayError(r2, 402, 'insufficient_funds');
  assert.equal(j2.transaction.status, 'failed');
  const g = await a.getOrder(o.id, 'standard');
  assert.equal(g.status, 'cancelled', 'out of attempts: cancelled');
  assert.equal(g.failed_attempts, 2);
  assert.ok((await eventTypes(a, o)).includes('order.cancelled'));

  const r3 = await pay(o, payBody(card('4242424242424242')));
  const j3 = assertPayError(r3, 409, 'invalid_state_transition');
  assert.deepEqual(j3.errors, { order: 'cancelled' }, r3.text);
  assert.equal((await transactions(a, o)).length, 2, 'the refused attempt is not recorded');
  assert.equal((await a.getOrder(o.id)).status, 'cancelled');
});

test('pay on a paid order, an order on hold, a cancelled or received order: 409, nothing recorded', async () => {
  const paid = await newOrder();
  assert.equal((await pay(paid, payBody(card('4242424242424242')))).status, 200);
  const r = await pay(paid, payBody(card('4242424242424242')));
  assert.deepEqual(assertPayError(r, 409, 'invalid_state_transition').errors, { order: 'paid' }, r.text);
  assert.equal((await transactions(a, paid)).length, 1);
  assert.equal((await a.getOrder(paid.id)).status, 'paid');

  const hold = await newOrder(a, { capture: 'manual' });
  assert.equal((await pay(hold, payBody(card('4242424242424242')))).status, 200);
  const h = await pay(hold, payBody(card('4242424242424242')));
  assert.deepEqual(assertPayError(h, 409, 'invalid_state_transition').errors, { order: 'hold' }, h.text);
  assert.equal((await transactions(a, hold)).length, 1);

  const cancelled = await newOrder();
  assert.equal((await a.post(`/v1/orders/${cancelled.id}/cancel`)).status, 200);
  const c = await pay(cancelled, payBody(card('4242424242424242')));
  assert.deepEqual(assertPayError(c, 409, 'invalid_state_transition').errors, { order: 'cancelled' }, c.text);
  assert.deepEqual(await transactions(a, cancelled), []);

  const received = await newOrder();
  assert.equal((await a.post(`/v1/orders/${received.id}/receive`)).status, 200);
  const x = await pay(received, payBody(card('4242424242424242')));
  assert.deepEqual(assertPayError(x, 409, 'invalid_state_transition').errors, { order: 'received' }, x.text);
  assert.deepEqual(await transactions(a, received), []);
});

test('an attempt may start from viewed and overdue; an expired order is 409', async () => {
  const v = await newOrder();
  const page = await fetch(`${srv.base}/pay/${v.token}`);
  assert.equal(page.status, 200);
  await page.text();
  assert.equal((await a.getOrder(v.id)).status, 'viewed');
  const rv = await pay(v, payBody(card('4242424242424242')));
  assert.equal(rv.status, 200, rv.text);
  assert.equal(rv.json.status, 'paid');

  const soon = new Date(Date.now() + 1500).toISOString();
  const od = await newOrder(a, { due_date: soon });
  const ex = await newOrder(a, { expires_at: soon });
  await sleep(1700);
  assert.equal((await a.getOrder(od.id)).status, 'overdue');
  const ro = await pay(od, payBody(card('4242424242424242')));
  assert.equal(ro.status, 200, ro.text);
  assert.equal(ro.json.status, 'paid', 'late payments are allowed');
  assert.equal((await a.getOrder(od.id)).status, 'paid');

  assert.equal((await a.getOrder(ex.id)).status, 'expired');
  const re = await pay(ex, payBody(card('4242424242424242')));
  assert.deepEqual(assertPayError(re, 409, 'invalid_state_transition').errors, { order: 'expired' }, re.text);
  assert.deepEqual(await transactions(a, ex), []);
});

test('racing pays on one order: exactly one attempt runs, the others are 409', async () => {
  const o = await newOrder();
  const rs = await Promise.all(Array.from({ length: 8 }, () => pay(o, payBody(card('4242424242424242')))));
  const ok = rs.filter((r) => r.status === 200);
  const refused = rs.filter((r) => r.status === 409);
  assert.equal(ok.length, 1, `statuses ${rs.map((r) => r.status)}: ${rs.map((r) => r.text).join('\n')}`);
  assert.equal(refused.length, 7, `statuses ${rs.map((r) => r.status)}`);
  for (const r of refused) {
    const j = assertPayError(r, 409, r.json?.code);
    assert.ok(['payment_in_progress', 'invalid_state_transition'].includes(j.code), r.text);
  }
  assert.equal((await transactions(a, o)).length, 1);
  const types = await eventTypes(a, o);
  assert.equal(types.filter((t) => t === 'order.payment_success').length, 1, types.join());
});

test("another shop's order: pay and its transactions are 404", async () => {
  const o = await newOrder(a);
  const r = await pay(o, payBody(card('4242424242424242')), {}, b);
  assert.equal(r.status, 404, r.text);
  assert.equal((await b.get(`/v1/orders/${o.id}/transactions`)).status, 404);
  assert.equal((await b.get(`/v1/orders/${o.id}/receipt`)).status, 404);
  assert.equal((await a.getOrder(o.id)).status, 'issued');
  assert.deepEqual(await transactions(a, o), []);
  assert.equal((await a.post('/v1/orders/ord_0123456789abcdef/pay', payBody(card('4242424242424242')))).status, 404);
  assert.equal((await a.get('/v1/orders/ord_0123456789abcdef/transactions')).status, 404);
  assert.equal((await a.get('/v1/orders/ord_0123456789abcdef/receipt')).status, 404);
});

// ---------------------------------------------------------------- idempotency

const isReplay = (r) => r.headers.get('idempotent-replayed') === 'true';
const idem = (k) => ({ headers: { 'idempotency-key': k } });

test('Idempotency-Key: the same pay replays the same answer and records one transaction', async () => {
  const o = await newOrder();
  const key = `pay-${process.pid}-${Date.now()}`;
  const body = payBody(card('4242424242424242'));
  const r1 = await pay(o, body, idem(key));
  assert.equal(r1.status, 200, r1.text);
  assert.ok(!isReplay(r1));
  for (let i = 0; i < 2; i++) {
    const r2 = await pay(o, body, idem(key));
    assert.equal(r2.status, 200, r2.text);
    assert.ok(isReplay(r2), 'Idempotent-Replayed: true');
    assert.deepEqual(r2.json, r1.json, 'the replay is the stored answer');
  }
  assert.equal((await transactions(a, o)).length, 1);
  assert.equal((await a.getOrder(o.id)).status, 'paid');
  // the same key with another body is refused and changes nothing
  assertError(await pay(o, payBody(card('5555555555554444')), idem(key)), 400, 'idempotency_key_reused');
  assert.equal((await transactions(a, o)).length, 1);
});

test('Idempotency-Key: a decline replays the same 402 and counts one failed attempt', async () => {
  const o = await newOrder();
  const key = `pay-decl-${process.pid}-${Date.now()}`;
  const body = payBody(card('4000000000000002'));
  const r1 = await pay(o, body, idem(key));
  assertPayError(r1, 402, 'card_declined');
  const r2 = await pay(o, body, idem(key));
  assert.equal(r2.status, 402, r2.text);
  assert.ok(isReplay(r2));
  assert.deepEqual(r2.json, r1.json);
  assert.equal((await transactions(a, o)).length, 1);
  assert.equal((await a.getOrder(o.id, 'standard')).failed_attempts, 1);
});

test('Idempotency-Key: a validation error is not stored; the fixed body with the same key pays', async () => {
  const o = await newOrder();
  const key = `pay-fix-${process.pid}-${Date.now()}`;
  const bad = await pay(o, payBody(card('4242424242424241')), idem(key));
  assertPayError(bad, 400, 'validation_error');
  const good = await pay(o, payBody(card('4242424242424242')), idem(key));
  assert.equal(good.status, 200, good.text);
  assert.ok(!isReplay(good));
  assert.equal(good.json.status, 'paid');
});

// ----------------------------------------------------------------- validation

const INVALID = [
  ['bad Luhn', payBody(card('4242424242424241')), 'card.number'],
  ['unknown brand (discover)', payBody(card('6011111111111117')), 'card.number'],
  ['too short', payBody(card('42424242')), 'card.number'],
  ['letters in the number', payBody(card('4242abcd42424242')), 'card.number'],
  ['past expiry', payBody(card('4242424242424242', { exp_month: 1, exp_year: 2020 })), 'card.exp'],
  ['exp_month 13', payBody(card('4242424242424242', { exp_month: 13 })), 'card.exp_month'],
  ['2-digit exp_year', payBody(card('4242424242424242', { exp_year: 30 })), 'card.exp_year'],
  ['2-digit CVC', payBody(card('4242424242424242', { cvc: '12' })), 'card.cvc'],
  ['3-digit amex CVC', payBody(card('378282246310005', { cvc: '123' })), 'card.cvc'],
  ['4-digit visa CVC', payBody(card('4242424242424242', { cvc: '1234' })), 'card.cvc'],
  ['missing card', payBody(undefined), 'card'],
  ['card on a non-card method', { payment_method: 'invoice', card: card('4242424242424242') }, 'card'],
  ['unknown payment_method', payBody(card('4242424242424242'), { payment_method: 'cheque' }), 'payment_method'],
  ['missing payment_method', { return_url: RETURN_URL, card: card('4242424242424242') }, 'payment_method'],
  ['return_url on a host not allowed', payBody(card('4242424242424242'), { return_url: 'https://evil.example.net/back' }), 'return_url'],
  ['return_url not absolute', payBody(card('4242424242424242'), { return_url: '/back' }), 'return_url'],
  ['bad ip_address', payBody(card('4242424242424242'), { ip_address: 'not-an-ip' }), 'ip_address'],
  ['unknown field', payBody(card('4242424242424242'), { colour: 'red' }), 'colour'],
];

test('card and input validation: 400 validation_error naming the field; nothing recorded', async () => {
  const problems = [];
  for (const [what, body, field] of INVALID) {
    // a fresh order each time, so that a wrongly accepted payment does not hide the next case
    const o = await newOrder();
    const r = await pay(o, body);
    try {
      const j = assertPayError(r, 400, 'validation_error');
      const keys = Object.keys(j.errors);
      const hit = field === 'card.exp' ? keys.some((k) => k.startsWith('card.exp')) : keys.includes(field);
      assert.ok(hit, `errors should name ${field}: ${r.text}`);
      for (const v of Object.values(j.errors)) assert.equal(typeof v, 'string', r.text);
      assert.ok(!('transaction' in j) || j.transaction === null, `no transaction: ${r.text}`);
      assert.ok(!r.text.includes('4242424242424242') && !r.text.includes('378282246310005'),
        `the error must not echo the card number: ${r.text}`);
      assert.deepEqual(await transactions(a, o), [], 'nothing recorded');
      assert.equal((await a.getOrder(o.id)).status, 'issued', 'order status unchanged');
      assert.deepEqual(await eventTypes(a, o), ['order.issued'], 'no event');
    } catch (e) {
      problems.push(`${what}: ${e.message.split('\n')[0].slice(0, 300)}`);
    }
  }
  assert.deepEqual(problems, [], problems.join('\n'));
  const o = await newOrder();
  assertPayError(await pay(o, payBody(card('4242424242424241'))), 400, 'validation_error');
  assertError(await a.get(`/v1/orders/${o.id}/receipt`), 404, 'receipt_not_found');
  // and the order still pays
  const ok = await pay(o, payBody(card('4242424242424242')));
  assert.equal(ok.status, 200, ok.text);
});

test('validation reports every bad card field at once', async () => {
  const o = await newOrder();
  const r = await pay(o, payBody(card('4242424242424241', { exp_month: 0, cvc: '1' })));
  const j = assertPayError(r, 400, 'validation_error');
  for (const f of ['card.number', 'card.exp_month', 'card.cvc']) {
    assert.ok(f in j.errors, `errors lacks ${f}: ${r.text}`);
  }
  assert.deepEqual(await transactions(a, o), []);
});

test('without return_url the customer comes back through the hosted page', async () => {
  const o = await newOrder();
  const r = await pay(o, { payment_method: 'card', card: card('4000000000003220') });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.action, 'redirect');
  const t = (await transactions(a, o))[0];
  assert.equal(t.status, 'incomplete');
  // the sandbox sends the customer to /pay/{token}/return, which moves on
  const back = await fetch(r.json.url.replace(/^https?:\/\/[^/]+/, srv.base), { method: 'POST',
    redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'outcome=approve' });
  assert.equal(back.status, 303);
  assert.match(back.headers.get('location'), new RegExp(`/pay/${o.token}/return\\?transaction_id=${t.uid}$`));
});

// ------------------------------------------------------------------- language

async function declineMessages(language) {
  const o = await newOrder(a, { language });
  const j = assertPayError(await pay(o, payBody(card('4000000000000002'))), 402, 'card_declined');
  return j.messages;
}

test('decline messages follow the order language: de and fr differ from en; an unknown language falls back to en', async () => {
  const en = await declineMessages('en');
  const de = await declineMessages('de');
  const fr = await declineMessages('fr');
  const es = await declineMessages('es');
  assert.notDeepEqual(de, en, `German messages must differ from English: ${JSON.stringify({ en, de })}`);
  assert.notDeepEqual(fr, en, `French messages must differ from English: ${JSON.stringify({ en, fr })}`);
  assert.notDeepEqual(fr, de);
  assert.deepEqual(es, en, 'es falls back to en');
});

test('validation error messages follow the order language too', async () => {
  const o = await newOrder(a, { language: 'de' });
  const vde = assertPayError(await pay(o, payBody(card('4242424242424241'))), 400, 'validation_error');
  const p = await newOrder(a, { language: 'en' });
  const ven = assertPayError(await pay(p, payBody(card('4242424242424241'))), 400, 'validation_error');
  assert.notDeepEqual(vde.messages, ven.messages, 'validation messages in German');
});

// -------------------------------------------------------------------- receipt

test('receipt: 404 receipt_not_found before payment; afterwards the same receipt pay answered', async () => {
  const o = await newOrder();
  assertError(await a.get(`/v1/orders/${o.id}/receipt`), 404, 'receipt_not_found');
  const r = await pay(o, payBody(card('4242424242424242')));
  assert.equal(r.status, 200, r.text);
  const g = await a.get(`/v1/orders/${o.id}/receipt`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.headers.get('content-type'), JSON_CT);
  assert.ok(!('action' in g.json), 'a receipt has no action');
  const { action, ...receipt } = r.json;
  assert.equal(action, 'success');
  assert.deepEqual(g.json, receipt);
  assert.equal((await b.get(`/v1/orders/${o.id}/receipt`)).status, 404, "another shop's receipt");
});

test('receipt of a hold, after a decline then an approval: the successful attempt', async () => {
  const o = await newOrder(a, { capture: 'manual' });
  assertPayError(await pay(o, payBody(card('4000000000000002'))), 402, 'card_declined');
  assertError(await a.get(`/v1/orders/${o.id}/receipt`), 404, 'receipt_not_found');
  const r = await pay(o, payBody(card('378282246310005', { cvc: '1234' })));
  assert.equal(r.status, 200, r.text);
  const g = await a.get(`/v1/orders/${o.id}/receipt`);
  assert.equal(g.status, 200, g.text);
  assertReceipt(g.json, o, { status: 'hold', statusDescription: 'Authorized' });
  assert.equal(g.json.transaction.uid, r.json.transaction.uid);
  assert.equal(g.json.transaction.method.brand, 'amex');
});

// --------------------------------------------------------------- transactions

test('transactions API: list oldest first, GET one, PUT merchant_reference_2 set and clear', async () => {
  const o = await newOrder();
  const d = assertPayError(await pay(o, payBody(card('4000000000009995'))), 402, 'insufficient_funds');
  const e = assertPayError(await pay(o, payBody(card('4000000000000119'))), 402, 'processing_error');
  const ok = await pay(o, payBody(card('5555555555554444')));
  assert.equal(ok.status, 200, ok.text);
  const list = await transactions(a, o);
  assert.deepEqual(list.map((t) => t.uid), [d.transaction.uid, e.transaction.uid, ok.json.transaction.uid],
    'oldest first');
  assert.deepEqual(list.map((t) => t.status), ['failed', 'error', 'successful']);
  for (const t of list) assertTxn(t, o);
  assert.equal(new Set(list.map((t) => t.uid)).size, 3);

  const uid = ok.json.transaction.uid;
  const g = await a.get(`/v1/transactions/${uid}`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.headers.get('content-type'), JSON_CT);
  assert.deepEqual(g.json, list[2]);
  assert.equal(g.json.merchant_reference_2, null);

  const p = await a.req('PUT', `/v1/transactions/${uid}`, { body: { merchant_reference_2: 'INV-2026-0042' } });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.uid, uid);
  assert.equal(p.json.merchant_reference_2, 'INV-2026-0042');
  assert.equal(p.json.status, 'successful');
  assert.equal((await a.get(`/v1/transactions/${uid}`)).json.merchant_reference_2, 'INV-2026-0042');
  assert.equal((await transactions(a, o))[2].merchant_reference_2, 'INV-2026-0042');
  // the other transactions are untouched
  assert.equal((await a.get(`/v1/transactions/${d.transaction.uid}`)).json.merchant_reference_2, null);

  const long = 'x'.repeat(255);
  const p2 = await a.req('PUT', `/v1/transactions/${uid}`, { body: { merchant_reference_2: long } });
  assert.equal(p2.status, 200, p2.text);
  assert.equal(p2.json.merchant_reference_2, long);

  const c = await a.req('PUT', `/v1/transactions/${uid}`, { body: { merchant_reference_2: null } });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.merchant_reference_2, null);
  assert.equal((await a.get(`/v1/transactions/${uid}`)).json.merchant_reference_2, null);
});

test('transactions API: PUT refuses other fields and bad values; unknown and foreign uids are 404', async () => {
  const o = await newOrder();
  const ok = await pay(o, payBody(card('4242424242424242')));
  assert.equal(ok.status, 200, ok.text);
  const uid = ok.json.transaction.uid;
  const put = (body, c = a) => c.req('PUT', `/v1/transactions/${uid}`, { body });

  const u = assertError(await put({ merchant_reference_2: 'x', status: 'failed' }), 400, 'validation_error');
  assert.ok(u.fields && 'status' in u.fields, JSON.stringify(u));
  const u2 = assertError(await put({ amount: 1 }), 400, 'validation_error');
  assert.ok(u2.fields && 'amount' in u2.fields, JSON.stringify(u2));
  for (const bad of ['', 'x'.repeat(256), 5, true, ['a']]) {
    const e = assertError(await put({ merchant_reference_2: bad }), 400, 'validation_error');
    assert.ok(e.fields && 'merchant_reference_2' in e.fields, JSON.stringify(e));
  }
  const after = await a.get(`/v1/transactions/${uid}`);
  assert.equal(after.json.status, 'successful', 'a refused PUT changes nothing');
  assert.equal(after.json.merchant_reference_2, null);

  const unknown = await a.get('/v1/transactions/txn_000000000000000000000000');
  assert.equal(unknown.status, 404, unknown.text);
  assert.equal((await a.req('PUT', '/v1/transactions/txn_000000000000000000000000',
    { body: { merchant_reference_2: 'x' } })).status, 404);
  assert.equal((await a.get('/v1/transactions/nope')).status, 404);

  // another shop's transaction
  const fg = await b.get(`/v1/transactions/${uid}`);
  assert.equal(fg.status, 404, fg.text);
  const fp = await put({ merchant_reference_2: 'stolen' }, b);
  assert.equal(fp.status, 404, fp.text);
  assert.equal((await a.get(`/v1/transactions/${uid}`)).json.merchant_reference_2, null,
    "another shop's PUT changed nothing");
  assert.equal((await a.req('GET', `/v1/transactions/${uid}`, { key: undefined })).status, 401);
});

// --------------------------------------------------------- checkout query

const PAYMENT_FIELDS = ['uid', 'type', 'status', 'message', 'amount', 'currency', 'auth_code', 'bank_code', 'rrn',
  'ref_id', 'avs_cvc_verification', 'billing_descriptor', 'gateway_id', 'redirect_url', 'receipt_url', 'method'];

test('checkout query after a payment: gateway_response.payment, top-level status and message, finished', async () => {
  const o = await newOrder();
  const before = (await a.get(`/v1/checkouts/${o.token}`)).json.checkout;
  assert.equal(before.gateway_response, null);
  assert.equal(before.finished, false);

  const r = await pay(o, payBody(card('4242424242424242')));
  assert.equal(r.status, 200, r.text);
  const g = await a.get(`/v1/checkouts/${o.token}`);
  assert.equal(g.status, 200, g.text);
  const c = g.json.checkout;
  assert.ok(c.gateway_response && typeof c.gateway_response === 'object', g.text);
  const p = c.gateway_response.payment;
  assert.ok(p && typeof p === 'object', `no gateway_response.payment: ${g.text}`);
  const missing = PAYMENT_FIELDS.filter((k) => !(k in p));
  assert.deepEqual(missing, [], `payment lacks ${missing}`);
  assert.equal(p.uid, r.json.transaction.uid);
  assert.equal(p.type, 'payment');
  assert.equal(p.status, 'successful');
  assert.equal(p.amount, 1250);
  assert.equal(p.currency, 'EUR');
  assert.equal(p.method.brand, 'visa');
  assert.equal(p.redirect_url, null);
  assert.equal(c.status, p.status, 'the attempt status at the top level');
  assert.equal(c.message, p.message, 'the attempt message at the top level');
  assert.notEqual(c.message, 'Gateway response not found.');
  assert.equal(c.finished, true, 'finished once the attempt ended');

  // a declined attempt shows too
  const d = await newOrder(a, { capture: 'manual' });
  const dj = assertPayError(await pay(d, payBody(card('4000000000000002'))), 402, 'card_declined');
  const dc = (await a.get(`/v1/checkouts/${d.token}`)).json.checkout;
  assert.equal(dc.gateway_response.payment.uid, dj.transaction.uid);
  assert.equal(dc.gateway_response.payment.status, 'failed');
  assert.equal(dc.gateway_response.payment.type, 'authorization');
  assert.equal(dc.status, 'failed');
});
