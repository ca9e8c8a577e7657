// Payouts: a payout order (created) is paid out to a test card or a bank
// account through the sandbox: in_progress, then paid, or failed for an
// amount ending in 13 minor units; listed, read and notified like orders;
// the card number and IBAN are never kept whole.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, createShop, startServer, sleep, ms } from './harness.mjs';
import { client } from './orders-helpers.mjs';

after(cleanup);
let srv, c;
before(async () => {
  srv = await startServer({ args: ['--rate-limit', '0', '--sandbox-refund-ms', '100',
    '--sweep-interval', '30'] });
  c = client(srv, createShop(srv.dbPath, 'Payouts').secret_key);
});

const CARD = { type: 'card', number: '4242424242424242', exp_month: 12, exp_year: 2035, holder: 'Ada' };
const BANK = { type: 'bank_account', iban: 'DE89 3704 0044 0532 0130 00', holder: 'Ada Lovelace' };

async function settle(id) {
  const end = Date.now() + ms(10000);
  while (Date.now() < end) {
    const r = await c.get(`/v1/payouts/${id}`);
    assert.equal(r.status, 200, r.text);
    if (r.json.status !== 'in_progress') return r.json;
    await sleep(30);
  }
  assert.fail(`payout ${id} did not settle`);
}

test('a payout to a card: created, in progress, paid; with its events and transaction', async () => {
  const r = await c.post('/v1/payouts', { amount: 5000, currency: 'EUR', destination: CARD,
    merchant_reference: 'PO-1' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.type, 'payout');
  assert.equal(r.json.status, 'in_progress');
  assert.equal(r.json.amount, 5000);
  const done = await settle(r.json.id);
  assert.equal(done.status, 'paid');
  const types = (await c.events(r.json.id)).map((e) => e.type);
  assert.deepEqual(types, ['order.created', 'order.in_progress', 'order.payment_success']);
  const txs = (await c.get(`/v1/orders/${r.json.id}/transactions`)).json.data;
  assert.equal(txs.length, 1);
  assert.equal(txs[0].type, 'payout');
  assert.equal(txs[0].status, 'successful');
  assert.equal(txs[0].method.last_4, '4242');
  assert.equal(txs[0].method.brand, 'visa');
  assert.ok(!JSON.stringify(txs).includes('4242424242424242'));
});

test('a payout to a bank account; an amount ending in 13 fails', async () => {
  const ok = await c.post('/v1/payouts', { amount: 7000, currency: 'EUR', destination: BANK });
  assert.equal(ok.status, 201, ok.text);
  assert.equal((await settle(ok.json.id)).status, 'paid');
  const tx = (await c.get(`/v1/orders/${ok.json.id}/transactions`)).json.data[0];
  assert.equal(tx.payment_method, 'bank_account');
  assert.equal(tx.method.last_4, '3000');
  const bad = await c.post('/v1/payouts', { amount: 1013, currency: 'EUR', destination: BANK });
  const failed = await settle(bad.json.id);
  assert.equal(failed.status, 'failed');
  const t = (await c.get(`/v1/orders/${bad.json.id}/transactions`)).json.data[0];
  assert.equal(t.code, 'payout_declined');
  // a failed payout is not an order anybody can pay
  const pay = await c.post(`/v1/orders/${bad.json.id}/pay`, { payment_method: 'card',
    card: { number: '4242424242424242', exp_month: 12, exp_year: 2035, cvc: '123' } });
  assert.equal(pay.status, 409, pay.text);
  assert.equal((await c.get(`/v1/orders/${bad.json.id}/transactions`)).json.data.length, 1);
});

test('payouts are listed apart, and as orders of type payout', async () => {
  const order = await c.create({ amount: 100, currency: 'EUR' });
  const list = await c.get('/v1/payouts?limit=100');
  assert.equal(list.status, 200, list.text);
  assert.ok(list.json.data.length >= 3);
  assert.ok(list.json.data.every((o) => o.type === 'payout'));
  const payments = await c.get('/v1/orders?type=payment&limit=100');
  assert.ok(payments.json.data.some((o) => o.id === order.id));
  assert.ok(payments.json.data.every((o) => o.type === 'payment'));
  assert.equal((await c.get(`/v1/payouts/${order.id}`)).status, 404, 'a payment is not a payout');
  assert.equal((await c.get('/v1/orders?type=refund')).status, 400);
  assert.equal((await c.get('/v1/orders?type=payout&merchant_reference=x')).status, 400);
});

test('bad payouts are 400 and create nothing; a payout cannot be paid or cancelled', async () => {
  const before = (await c.get('/v1/payouts?limit=100')).json.data.length;
  for (const body of [
    {},
    { amount: 0, currency: 'EUR', destination: CARD },
    { amount: 100, currency: 'XXX', destination: CARD },
    { amount: 100, currency: 'EUR', destination: { ...CARD, number: '4242424242424241' } },
    { amount: 100, currency: 'EUR', destination: { ...CARD, exp_year: 2020 } },
    { amount: 100, currency: 'EUR', destination: { ...BANK, iban: 'DE89370400440532013001' } },
    { amount: 100, currency: 'EUR', destination: { type: 'bank_account', iban: BANK.iban } },
    { amount: 100, currency: 'EUR', destination: { type: 'cash' } },
    { amount: 100, currency: 'EUR', destination: CARD, colour: 'red' },
  ]) {
    const r = await c.post('/v1/payouts', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.equal(r.json.error.code, 'validation_error');
  }
  assert.equal((await c.get('/v1/payouts?limit=100')).json.data.length, before);
  const p = await c.post('/v1/payouts', { amount: 300, currency: 'EUR', destination: CARD });
  await settle(p.json.id);
  assert.equal((await c.post(`/v1/orders/${p.json.id}/pay`, { payment_method: 'invoice' })).status, 409);
  assert.equal((await c.post(`/v1/orders/${p.json.id}/cancel`)).status, 409);
});
