// After the payment: capture and void of a hold, refunds (confirmed or
// declined later by the sandbox, by amount), reversal, hold expiry,
// invoices received or cancelled; illegal operations are 409 and change
// nothing; totals stay exact, also under 50 concurrent refunds; and a
// property test of random operation sequences against the event log.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, createShop, startServer, sleep, ms } from './harness.mjs';
import { client } from './orders-helpers.mjs';

after(cleanup);
const ARGS = ['--rate-limit', '0', '--sandbox-refund-ms', '100', '--sweep-interval', '30',
  '--test-clock', '--hold-days', '2'];
const CARD = { payment_method: 'card',
  card: { number: '4242424242424242', exp_month: 12, exp_year: 2035, cvc: '123' } };

let srv, c;
before(async () => {
  srv = await startServer({ args: ARGS });
  c = client(srv, createShop(srv.dbPath, 'Operations').secret_key);
});

async function paidOrder(extra = {}) {
  const o = await c.create({ amount: 1250, currency: 'EUR', ...extra });
  const r = await c.post(`/v1/orders/${o.id}/pay`, CARD);
  assert.equal(r.status, 200, r.text);
  return o;
}

async function until(pred, what, timeout = ms(10000)) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    const v = await pred();
    if (v) return v;
    await sleep(25);
  }
  assert.fail(`timed out waiting for ${what}`);
}

const op = (id, name, body, opts) => c.post(`/v1/orders/${id}/${name}`, body, opts);

function assertRefused(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json.error.code, code, r.text);
}

/** The order, after every refund and reversal under way has settled. */
async function settled(id) {
  return until(async () => {
    const o = await c.getOrder(id, 'full');
    return ['refund_initiated', 'reversal_initiated'].includes(o.status) ? null : o;
  }, `order ${id} to settle`);
}

test('capture: all of a hold, a part of it, never more, never twice', async () => {
  const whole = await paidOrder({ capture: 'manual' });
  assert.equal((await c.getOrder(whole.id)).status, 'hold');
  const r = await op(whole.id, 'capture');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.order.status, 'paid');
  assert.equal(r.json.order.captured_amount, 1250);
  assert.equal(r.json.transaction.type, 'capture');
  assert.equal(r.json.transaction.status, 'successful');
  assert.ok(r.json.transaction.parent_uid.startsWith('txn_'));
  assertRefused(await op(whole.id, 'capture'), 409, 'invalid_state_transition');
  assertRefused(await op(whole.id, 'void'), 409, 'invalid_state_transition');

  const part = await paidOrder({ capture: 'manual' });
  assertRefused(await op(part.id, 'capture', { amount: 1251 }), 422, 'amount_too_large');
  assert.equal((await c.getOrder(part.id)).status, 'hold', 'a refused capture changes nothing');
  const p = await op(part.id, 'capture', { amount: 1000 });
  assert.equal(p.json.order.captured_amount, 1000);
  assert.equal(p.json.order.refundable_amount, 1000);
  const types = (await c.events(part.id)).map((e) => e.type);
  assert.deepEqual(types.slice(-2), ['order.hold', 'order.captured']);
  assert.equal((await op(part.id, 'capture', { amount: 0 })).status, 400);
  assert.equal((await op(part.id, 'capture', { amount: '10' })).status, 400);
  assert.equal((await op(part.id, 'capture', { color: 1 })).status, 400);
});

test('a hold captured in parts refunds what it captured and stays open for more captures', async () => {
  const o = await paidOrder({ capture: 'manual' });
  assertRefused(await op(o.id, 'refund'), 409, 'invalid_state_transition'); // nothing captured yet
  await op(o.id, 'capture', { amount: 600, final: false });
  let view = await c.getOrder(o.id, 'full');
  assert.ok(view.permitted_actions.includes('refund'), JSON.stringify(view.permitted_actions));
  assertRefused(await op(o.id, 'refund', { amount: 601 }), 422, 'amount_too_large');
  const r = await op(o.id, 'refund', { amount: 250 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.order.status, 'hold', 'the hold stays open while its refund runs');
  view = await until(async () => {
    const v = await c.getOrder(o.id, 'full');
    return v.refunded_amount === 250 ? v : null;
  }, 'the refund confirmed');
  assert.equal(view.status, 'hold');
  assert.equal(view.captured_amount, 600);
  assert.equal(view.refundable_amount, 350);
  const types = (await c.events(o.id)).map((e) => e.type);
  assert.equal(types.at(-1), 'order.partially_refunded');
  // the rest of the hold can still be captured; then it is paid, partly refunded
  const last = await op(o.id, 'capture');
  assert.equal(last.status, 200, last.text);
  assert.equal(last.json.transaction.amount, 650);
  assert.equal(last.json.order.status, 'paid');
  assert.equal(last.json.order.captured_amount, 1250);
  assert.equal(last.json.order.refunded_amount, 250);
  // a declined refund (amount ending in 13) leaves the hold and its totals as they were
  const d = await paidOrder({ capture: 'manual' });
  await op(d.id, 'capture', { amount: 500, final: false });
  assert.equal((await op(d.id, 'refund', { amount: 113 })).status, 200);
  await until(async () => (await c.get(`/v1/orders/${d.id}/transactions`)).json.data
    .some((t) => t.type === 'refund' && t.status === 'failed'), 'the declined refund');
  const after = await c.getOrder(d.id, 'full');
  assert.equal(after.status, 'hold');
  assert.equal(after.refunded_amount, 0);
  assert.equal(after.captured_amount, 500);
});

test('several partial captures (final: false) keep the hold open; the last one, or a void, closes it', async () => {
  const o = await paidOrder({ capture: 'manual' });
  const a = await op(o.id, 'capture', { amount: 300, final: false });
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.transaction.type, 'partial_capture');
  assert.equal(a.json.order.status, 'hold');
  assert.equal(a.json.order.captured_amount, 300);
  const b = await op(o.id, 'capture', { amount: 450, final: false });
  assert.equal(b.json.order.captured_amount, 750);
  assertRefused(await op(o.id, 'capture', { amount: 501 }), 422, 'amount_too_large');
  assert.equal((await op(o.id, 'capture', { final: 'no' })).status, 400);
  const last = await op(o.id, 'capture'); // the rest, and the hold closes
  assert.equal(last.json.transaction.type, 'capture');
  assert.equal(last.json.transaction.amount, 500);
  assert.equal(last.json.order.status, 'paid');
  assert.equal(last.json.order.captured_amount, 1250);
  const types = (await c.events(o.id)).map((e) => e.type);
  assert.deepEqual(types.slice(-3), ['order.partially_captured', 'order.partially_captured',
    'order.captured']);
  // a void after a partial capture releases the rest; the captured part is paid
  const p = await paidOrder({ capture: 'manual' });
  await op(p.id, 'capture', { amount: 200, final: false });
  const v = await op(p.id, 'void');
  assert.equal(v.json.order.status, 'paid');
  assert.equal(v.json.order.captured_amount, 200);
  assert.equal(v.json.order.refundable_amount, 200);
  // a final capture of less releases the remainder at once
  const q = await paidOrder({ capture: 'manual' });
  const f = await op(q.id, 'capture', { amount: 100 });
  assert.equal(f.json.order.status, 'paid');
  assert.equal(f.json.order.captured_amount, 100);
});

test('void: a hold becomes cancelled, once; never after a capture', async () => {
  const o = await paidOrder({ capture: 'manual' });
  const v = await op(o.id, 'void');
  assert.equal(v.status, 200, v.text);
  assert.equal(v.json.order.status, 'cancelled');
  assert.equal(v.json.transaction.type, 'void');
  assertRefused(await op(o.id, 'void'), 409, 'invalid_state_transition');
  assertRefused(await op(o.id, 'capture'), 409, 'invalid_state_transition');
  assert.equal((await op(o.id, 'void', { amount: 5 })).status, 400, 'void takes no amount');
});

test('illegal operations on unpaid orders are 409 and change nothing', async () => {
  const o = await c.create({ amount: 500, currency: 'EUR' });
  for (const name of ['capture', 'void', 'refund', 'reverse']) {
    assertRefused(await op(o.id, name), 409, 'invalid_state_transition');
  }
  const after = await c.getOrder(o.id);
  assert.equal(after.status, 'issued');
  assert.equal((await c.get(`/v1/orders/${o.id}/transactions`)).json.data.length, 0);
  assert.equal((await c.events(o.id)).length, 1);
  assertRefused(await op('ord_nope', 'refund'), 404, 'not_found');
});

test('refunds: partial, several, confirmed later; a declined one leaves the totals intact', async () => {
  const o = await paidOrder();
  const r1 = await op(o.id, 'refund', { amount: 500, reason: 'broken cup' });
  assert.equal(r1.status, 200, r1.text);
  assert.equal(r1.json.order.status, 'refund_initiated');
  assert.equal(r1.json.transaction.status, 'pending');
  assert.equal(r1.json.transaction.reason, 'broken cup');
  let s = await settled(o.id);
  assert.equal(s.status, 'refunded');
  assert.equal(s.refunded_amount, 500);
  assert.equal(s.refundable_amount, 750);
  // an amount ending in 13 minor units is declined by the sandbox
  await op(o.id, 'refund', { amount: 113 });
  s = await settled(o.id);
  assert.equal(s.status, 'refund_failed');
  assert.equal(s.refunded_amount, 500, 'a declined refund refunds nothing');
  assertRefused(await op(o.id, 'refund', { amount: 751 }), 422, 'amount_too_large');
  await op(o.id, 'refund'); // the rest
  s = await settled(o.id);
  assert.equal(s.status, 'refunded');
  assert.equal(s.refunded_amount, 1250);
  assert.equal(s.refundable_amount, 0);
  assertRefused(await op(o.id, 'refund', { amount: 1 }), 422, 'amount_too_large');
  const types = (await c.events(o.id)).map((e) => e.type);
  for (const t of ['order.refund_initiated', 'order.refunded', 'order.refund_failed'])
    assert.ok(types.includes(t), `${t} in ${types}`);
  const txs = (await c.get(`/v1/orders/${o.id}/transactions`)).json.data;
  assert.deepEqual(txs.map((t) => `${t.type}:${t.status}:${t.amount}`),
    ['payment:successful:1250', 'refund:successful:500', 'refund:failed:113',
      'refund:successful:750']);
  assert.equal(txs[2].code, 'refund_declined');
  // the checkout status query lists them too
  const checkout = (await c.get(`/v1/checkouts/${o.token}`)).json.checkout;
  assert.deepEqual(checkout.transactions.map((t) => `${t.type}:${t.status}:${t.amount}`),
    txs.map((t) => `${t.type}:${t.status}:${t.amount}`));
  assert.equal(checkout.gateway_response.payment.uid, txs[0].uid);
});

test('a confirmed refund can be reversed by the acquirer: refund_reversed, the total back', async () => {
  const o = await paidOrder();
  assertRefused(await c.post(`/v1/sandbox/orders/${o.id}/refund-reversal`), 409,
    'invalid_state_transition');
  await op(o.id, 'refund', { amount: 300 });
  assert.equal((await settled(o.id)).refunded_amount, 300);
  const r = await c.post(`/v1/sandbox/orders/${o.id}/refund-reversal`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.order.status, 'refund_reversed');
  assert.equal(r.json.order.refunded_amount, 0);
  assert.equal(r.json.order.refundable_amount, 1250);
  assert.equal(r.json.transaction.type, 'refund_reversal');
  assert.equal(r.json.transaction.amount, 300);
  const types = (await c.events(o.id)).map((e) => e.type);
  assert.equal(types.at(-1), 'order.refund_reversed');
  assertRefused(await c.post(`/v1/sandbox/orders/${o.id}/refund-reversal`), 409,
    'invalid_state_transition');
  // refunds go on from there
  await op(o.id, 'refund', { amount: 1250 });
  const s = await settled(o.id);
  assert.equal(s.status, 'refunded');
  assert.equal(s.refunded_amount, 1250);
});

test('50 concurrent refund requests never refund more than was captured', async () => {
  const o = await paidOrder();
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) =>
    op(o.id, 'refund', { amount: 100 + i })));
  const started = answers.filter((a) => a.status === 200);
  assert.ok(started.length >= 1);
  for (const a of answers) assert.ok([200, 409, 422].includes(a.status), a.text);
  // keep refunding until nothing is left, many at a time
  for (let round = 0; round < 40; round++) {
    const s = await settled(o.id);
    assert.ok(s.refunded_amount <= s.captured_amount, JSON.stringify(s));
    if (s.refundable_amount === 0) break;
    await Promise.all(Array.from({ length: 10 }, () => op(o.id, 'refund', { amount: 300 })));
  }
  const s = await settled(o.id);
  const txs = (await c.get(`/v1/orders/${o.id}/transactions`)).json.data;
  const confirmed = txs.filter((t) => t.type === 'refund' && t.status === 'successful')
    .reduce((n, t) => n + t.amount, 0);
  assert.equal(s.refunded_amount, confirmed, 'the total is the sum of confirmed refunds');
  assert.ok(confirmed <= 1250);
});

test('reverse: a payment goes back whole; not after a refund', async () => {
  const o = await paidOrder();
  const r = await op(o.id, 'reverse');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.order.status, 'reversed');
  assert.equal(r.json.order.refundable_amount, 0);
  assertRefused(await op(o.id, 'refund'), 409, 'invalid_state_transition');
  const refunded = await paidOrder();
  await op(refunded.id, 'refund', { amount: 100 });
  await settled(refunded.id);
  assertRefused(await op(refunded.id, 'reverse'), 409, 'invalid_state_transition');
  const types = (await c.events(o.id)).map((e) => e.type);
  assert.deepEqual(types.slice(-2), ['order.reversal_initiated', 'order.reversed']);
});

test('a declined reversal: reversal_failed, totals unchanged; it may be reversed again', async () => {
  const o = await paidOrder({ amount: 1013 }); // the sandbox declines reversals ending in 13
  const r = await op(o.id, 'reverse');
  assert.equal(r.status, 402, r.text); // the acquirer refused the operation
  assert.equal(r.json.error.code, 'reversal_declined');
  const view = await c.getOrder(o.id, 'full');
  assert.equal(view.status, 'reversal_failed');
  assert.equal(view.captured_amount, 1013);
  assert.equal(view.refunded_amount, 0);
  assert.equal(view.refundable_amount, 1013);
  const txs = (await c.get(`/v1/orders/${o.id}/transactions`)).json.data;
  assert.equal(txs.at(-1).type, 'reversal');
  assert.equal(txs.at(-1).status, 'failed');
  const types = (await c.events(o.id)).map((e) => e.type);
  assert.deepEqual(types.slice(-2), ['order.reversal_initiated', 'order.reversal_failed']);
  const again = await op(o.id, 'reverse');
  assert.equal(again.status, 402, 'declined again, but allowed to try');
  assert.equal((await c.getOrder(o.id)).status, 'reversal_failed');
});

test('operations take Idempotency-Key: a retry does not capture or refund twice', async () => {
  const o = await paidOrder();
  const h = { headers: { 'Idempotency-Key': `refund-${o.id}` } };
  const a = await op(o.id, 'refund', { amount: 200 }, h);
  const b = await c.post(`/v1/orders/${o.id}/refund`, { amount: 200 }, h);
  assert.equal(b.status, a.status);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.equal(b.json.transaction.uid, a.json.transaction.uid);
  await settled(o.id);
  const again = await c.post(`/v1/orders/${o.id}/refund`, { amount: 200 }, h);
  assert.equal(again.json.transaction.uid, a.json.transaction.uid);
  const refunds = (await c.get(`/v1/orders/${o.id}/transactions`)).json.data
    .filter((t) => t.type === 'refund');
  assert.equal(refunds.length, 1);
});

test('an uncaptured hold is cancelled when its days are up, with its event', async () => {
  const o = await paidOrder({ capture: 'manual' });
  const part = await paidOrder({ capture: 'manual' });
  await op(part.id, 'capture', { amount: 400, final: false });
  const clock = await c.post('/v1/test/clock', { advance_seconds: 2 * 86400 + 10 });
  assert.equal(clock.status, 200, clock.text);
  const now = await c.getOrder(o.id, 'full');
  assert.equal(now.status, 'cancelled');
  assert.equal(now.captured_amount, 0);
  assert.ok(!now.permitted_actions.includes('capture'));
  const types = (await c.events(o.id)).map((e) => e.type);
  assert.equal(types.at(-1), 'order.cancelled');
  assertRefused(await op(o.id, 'capture'), 409, 'invalid_state_transition');
  // a partly captured hold keeps what was captured: paid
  const kept = await c.getOrder(part.id);
  assert.equal(kept.status, 'paid');
  assert.equal(kept.captured_amount, 400);
});

test('an invoice awaiting payment is received or cancelled by the merchant', async () => {
  for (const [action, status, txStatus] of [['receive', 'received', 'successful'],
    ['cancel', 'cancelled', 'failed']]) {
    const o = await c.create({ amount: 700, currency: 'EUR' });
    const r = await c.post(`/v1/orders/${o.id}/pay`, { payment_method: 'invoice' });
    assert.equal(r.json.status, 'in_progress', r.text);
    const done = await c.post(`/v1/orders/${o.id}/${action}`);
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.status, status);
    const t = (await c.get(`/v1/orders/${o.id}/transactions`)).json.data[0];
    assert.equal(t.status, txStatus);
    assert.ok(t.finished_at);
  }
  // a card attempt under way is not an invoice: no cancel meanwhile
  const s2 = await startServer({ args: ['--rate-limit', '0', '--acquirer-timeout-ms', '2000'] });
  const c2 = client(s2, createShop(s2.dbPath, 'Slow').secret_key);
  const o = await c2.create({ amount: 700, currency: 'EUR' });
  const pay = c2.post(`/v1/orders/${o.id}/pay`, { ...CARD,
    card: { ...CARD.card, number: '4000000000001026' } });
  await sleep(ms(300));
  const cancel = await c2.post(`/v1/orders/${o.id}/cancel`);
  assertRefused(cancel, 409, 'invalid_state_transition');
  await pay;
  await s2.stop();
});

test('property: random operations keep the totals exact and the event log replays to the order', async () => {
  let seed = 20261123;
  const random = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const orders = [];
  for (let i = 0; i < 6; i++) orders.push(await paidOrder(i % 2 ? { capture: 'manual' } : {}));
  const names = ['capture', 'void', 'refund', 'reverse', 'refund', 'refund', 'capture'];
  for (let step = 0; step < 60; step++) {
    const o = orders[random(orders.length)];
    const name = names[random(names.length)];
    let body = (name === 'refund' || name === 'capture') && random(2)
      ? { amount: 1 + random(700) } : undefined;
    if (name === 'capture' && random(2)) body = { ...(body || { amount: 100 }), final: false };
    const r = await op(o.id, name, body);
    assert.ok([200, 409, 422].includes(r.status), `${name}: ${r.text}`);
    const s = await settled(o.id);
    // totals add up
    assert.ok(s.captured_amount <= s.amount, JSON.stringify(s));
    assert.ok(s.refunded_amount <= s.captured_amount, JSON.stringify(s));
    assert.equal(s.refundable_amount, s.captured_amount - s.refunded_amount);
    const txs = (await c.get(`/v1/orders/${o.id}/transactions`)).json.data;
    const sum = (type) => txs.filter((t) => t.type === type && t.status === 'successful')
      .reduce((n, t) => n + t.amount, 0);
    const captured = s.capture === 'auto' ? sum('payment')
      : sum('capture') + sum('partial_capture');
    const reversed = sum('reversal') > 0;
    assert.equal(s.captured_amount, captured, `captured of ${o.id}`);
    assert.equal(s.refunded_amount, reversed ? captured : sum('refund'), `refunded of ${o.id}`);
    // the event log replays to the order: sequence 1..n, each snapshot the
    // status its event announced, the last one the order as it is now
    const events = await c.events(o.id);
    events.forEach((e, i) => assert.equal(e.sequence, i + 1));
    const last = events.at(-1).data.order;
    assert.equal(last.status, s.status);
    assert.equal(last.captured_amount, s.captured_amount);
    assert.equal(last.refunded_amount, s.refunded_amount);
    assert.equal(last.version, s.version);
  }
});
