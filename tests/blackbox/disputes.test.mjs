// Disputes: the sandbox acquirer reports each step (test orders only), the
// merchant answers with evidence, every step is a transaction and an
// event, the table decides the order; card 4000000000000259 is charged
// back by itself some time after the payment.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, createShop, startServer, sleep, ms } from './harness.mjs';
import { client } from './orders-helpers.mjs';

after(cleanup);
const ARGS = ['--rate-limit', '0', '--sandbox-dispute-ms', '200', '--sweep-interval', '30'];
const card = (number) => ({ payment_method: 'card',
  card: { number, exp_month: 12, exp_year: 2035, cvc: '123' } });

let srv, c, live;
before(async () => {
  srv = await startServer({ args: ARGS });
  c = client(srv, createShop(srv.dbPath, 'Disputes').secret_key);
  live = client(srv, createShop(srv.dbPath, 'Live disputes', ['--live']).secret_key);
});

async function paid(number = '4242424242424242', who = c) {
  const o = await who.create({ amount: 2000, currency: 'EUR' });
  const r = await who.post(`/v1/orders/${o.id}/pay`, card(number));
  assert.equal(r.status, 200, r.text);
  return o;
}

const report = (id, body, who = c) => who.post(`/v1/sandbox/orders/${id}/dispute`, body);

test('a chargeback, the merchant\'s evidence, arbitration, and a win', async () => {
  const o = await paid();
  const cb = await report(o.id, { stage: 'chargeback', amount: 1500, reason_code: '10.4' });
  assert.equal(cb.status, 200, cb.text);
  assert.equal(cb.json.order.status, 'chargeback');
  assert.equal(cb.json.transaction.type, 'chargeback');
  assert.equal(cb.json.transaction.amount, 1500);
  assert.equal(cb.json.transaction.code, '10.4');
  const due = Date.parse(cb.json.transaction.respond_by);
  assert.ok(due > Date.now() + 6 * 86400e3 && due < Date.now() + 8 * 86400e3, cb.text);
  const ev = await c.post(`/v1/orders/${o.id}/dispute/evidence`, { text: 'Signed delivery receipt attached.' });
  assert.equal(ev.status, 200, ev.text);
  assert.equal(ev.json.order.status, 'representation');
  assert.equal(ev.json.transaction.type, 'representation');
  assert.equal(ev.json.transaction.reason, 'Signed delivery receipt attached.');
  for (const stage of ['pre_arbitration', 'arbitration']) {
    const r = await report(o.id, { stage });
    assert.equal(r.json.order.status, stage, r.text);
  }
  const won = await report(o.id, { stage: 'won' });
  assert.equal(won.json.order.status, 'paid');
  const types = (await c.events(o.id)).map((e) => e.type);
  assert.deepEqual(types.slice(-5), ['order.dispute_chargeback', 'order.dispute_representation',
    'order.dispute_pre_arbitration', 'order.dispute_arbitration', 'order.dispute_won']);
  const txs = (await c.get(`/v1/orders/${o.id}/transactions`)).json.data.map((t) => t.type);
  assert.deepEqual(txs, ['payment', 'chargeback', 'representation', 'dispute', 'dispute', 'dispute']);
});

test('every dispute path the table allows; the others are 409 and change nothing', async () => {
  const paths = [
    ['retrieval', 'chargeback', 'good_faith', 'won'],
    ['fraud_advice', 'chargeback'],
    ['chargeback', 'pre_arbitration', 'pre_compliance', 'compliance', 'won'],
    ['chargeback', 'representation', 'arbitration'],
  ];
  for (const path of paths) {
    const o = await paid();
    for (const stage of path) {
      const r = await report(o.id, { stage });
      assert.equal(r.status, 200, `${path} ${stage}: ${r.text}`);
    }
  }
  const o = await paid();
  for (const stage of ['representation', 'arbitration', 'compliance', 'won']) {
    const r = await report(o.id, { stage });
    assert.equal(r.status, 409, `${stage} straight after paid: ${r.text}`);
    assert.equal(r.json.error.code, 'invalid_state_transition');
  }
  assert.equal((await c.getOrder(o.id)).status, 'paid');
  assert.equal((await c.post(`/v1/orders/${o.id}/dispute/evidence`, { text: 'x' })).status, 409);
  const unpaid = await c.create({ amount: 100, currency: 'EUR' });
  assert.equal((await report(unpaid.id, { stage: 'chargeback' })).status, 409);
});

test('bad reports and evidence are 400; live orders take no sandbox reports', async () => {
  const o = await paid();
  assert.equal((await report(o.id, { stage: 'lost' })).status, 400);
  assert.equal((await report(o.id, { stage: 'chargeback', amount: -1 })).status, 400);
  assert.equal((await report(o.id, { stage: 'chargeback', reason_code: 'a b' })).status, 400);
  assert.equal((await report(o.id, { stage: 'chargeback', extra: 1 })).status, 400);
  assert.equal((await c.post(`/v1/orders/${o.id}/dispute/evidence`, {})).status, 400);
  assert.equal((await c.getOrder(o.id)).status, 'paid');
  const lo = await live.create({ amount: 100, currency: 'EUR' });
  const r = await report(lo.id, { stage: 'chargeback' }, live);
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.error.code, 'sandbox_only');
});

test('card 4000000000000259 is charged back by itself after the payment', async () => {
  const o = await paid('4000000000000259');
  assert.equal((await c.getOrder(o.id)).status, 'paid');
  const end = Date.now() + ms(10000);
  let now;
  while (Date.now() < end) {
    now = await c.getOrder(o.id);
    if (now.status === 'chargeback') break;
    await sleep(30);
  }
  assert.equal(now.status, 'chargeback');
  const cb = (await c.get(`/v1/orders/${o.id}/transactions`)).json.data.find((t) => t.type === 'chargeback');
  assert.equal(cb.status, 'successful');
  assert.equal(cb.code, '4837');
  assert.ok(cb.respond_by);
  const types = (await c.events(o.id)).map((e) => e.type);
  assert.equal(types.at(-1), 'order.dispute_chargeback');
});
