// Shop surcharge: added to new orders as round_half_up(initial × percent / 100)
// + fixed, capped; shown in the standard view and in the checkout query (v1/v2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createShop, cleanup } from './harness.mjs';
import { startOrdersServer, client, assertValidation } from './orders-helpers.mjs';

after(cleanup);

let srv;

before(async () => {
  srv = await startOrdersServer();
});

function newShop(name) {
  return client(srv, createShop(srv.dbPath, name).secret_key);
}

async function setSurcharge(c, surcharge) {
  const r = await c.patch('/v1/shop', { surcharge });
  assert.equal(r.status, 200, `PATCH surcharge ${JSON.stringify(surcharge)}: ${r.text}`);
  return r.json;
}

const order = (amount, extra = {}) => ({ amount, ...extra });

test('percent "2.5" + fixed 10: amount = initial + round_half_up(initial × 2.5%) + 10', async () => {
  const s = newShop('Surcharge v1');
  await setSurcharge(s, { percent: '2.5', fixed: 10, format: 'v1' });
  for (const [initial, sur] of [
    [1000, 25 + 10], // exact
    [1020, 26 + 10], // 25.5 rounds up
    [1019, 25 + 10], // 25.475 rounds down
    [1, 0 + 10], // 0.025 rounds to 0
    [20, 1 + 10], // 0.5 rounds up
    [999999, 25000 + 10], // 24999.975 rounds up
  ]) {
    const o = await s.create(order(initial), '?response_type=standard');
    assert.equal(o.initial_amount, initial, `initial ${initial}`);
    assert.equal(o.surcharge_amount, sur, `surcharge of ${initial}`);
    assert.equal(o.amount, initial + sur, `amount of ${initial}`);
    const g = await s.getOrder(o.id, 'standard');
    assert.equal(g.amount, initial + sur);
    assert.equal(g.surcharge_amount, sur);
  }
  // products: the initial amount is the products' total
  const p = await s.create({ products: [{ title: 't', price: '5.10', quantity: 2 }] }, '?response_type=full');
  assert.equal(p.initial_amount, 1020);
  assert.equal(p.amount, 1056);
  assert.equal(p.amount_decimal, '10.56');
  // amount + products agree on the initial amount
  const q = await s.create({ amount: 1020, products: [{ title: 't', price: '10.20' }] }, '?response_type=standard');
  assert.equal(q.amount, 1056);
});

test('percent as a number and in other currencies (minor units of the order currency)', async () => {
  const s = newShop('Surcharge numbers');
  await setSurcharge(s, { percent: 2.5, fixed: 10, format: 'v1' });
  const j = await s.create({ currency: 'JPY', amount: 1000 }, '?response_type=standard');
  assert.equal(j.surcharge_amount, 35);
  assert.equal(j.amount, 1035);
  const k = await s.create({ currency: 'KWD', products: [{ title: 't', price: '1.234' }] }, '?response_type=standard');
  assert.equal(k.initial_amount, 1234);
  assert.equal(k.surcharge_amount, 31 + 10); // 30.85 -> 31
  assert.equal(k.amount, 1275);
});

test('cap limits the surcharge; null means no cap', async () => {
  const s = newShop('Surcharge cap');
  await setSurcharge(s, { percent: '10', fixed: 5, cap: 50, format: 'v1' });
  const big = await s.create(order(1000), '?response_type=standard');
  assert.equal(big.surcharge_amount, 50);
  assert.equal(big.amount, 1050);
  const small = await s.create(order(100), '?response_type=standard');
  assert.equal(small.surcharge_amount, 15);
  assert.equal(small.amount, 115);
  // PATCH takes cap null for "no cap", and the shop shows it so
  const shop = await setSurcharge(s, { percent: '10', fixed: 5, cap: null, format: 'v1' });
  assert.equal(shop.surcharge.cap, null);
  assert.equal(shop.surcharge.percent, '10.00');
  const nocap = await s.create(order(1000), '?response_type=standard');
  assert.equal(nocap.surcharge_amount, 105);
});

test('surcharge null switches it off for new orders; existing orders keep theirs', async () => {
  const s = newShop('Surcharge off');
  await setSurcharge(s, { percent: '2.5', fixed: 10, format: 'v1' });
  const before = await s.create(order(1000), '?response_type=standard');
  assert.equal(before.amount, 1035);
  const shop = await setSurcharge(s, null);
  assert.equal(shop.surcharge, null);
  const after = await s.create(order(1000), '?response_type=standard');
  assert.equal(after.amount, 1000);
  assert.equal(after.initial_amount, 1000);
  assert.equal(after.surcharge_amount, 0);
  const g = await s.getOrder(before.id, 'standard');
  assert.equal(g.amount, 1035);
  assert.equal(g.surcharge_amount, 35);
  const c = await s.get(`/v1/checkouts/${after.token}`);
  assert.equal(c.json.checkout.order.amount, 1000);
  assert.ok(!('adjustments' in c.json.checkout.order.additional_data), c.text);
});

test('invalid surcharge settings are 400 and change nothing', async () => {
  const s = newShop('Surcharge invalid');
  await setSurcharge(s, { percent: '1', fixed: 0, format: 'v1' });
  const cases = [
    [{ percent: '2.555', fixed: 0, format: 'v1' }, 'surcharge.percent'],
    [{ percent: 2.555, fixed: 0, format: 'v1' }, 'surcharge.percent'],
    [{ percent: '101', fixed: 0, format: 'v1' }, 'surcharge.percent'],
    [{ percent: -1, fixed: 0, format: 'v1' }, 'surcharge.percent'],
    [{ percent: 'abc', fixed: 0, format: 'v1' }, 'surcharge.percent'],
    [{ percent: '2', fixed: -1, format: 'v1' }, 'surcharge.fixed'],
    [{ percent: '2', fixed: 1.5, format: 'v1' }, 'surcharge.fixed'],
    [{ percent: '2', fixed: 0, cap: 0, format: 'v1' }, 'surcharge.cap'],
    [{ percent: '2', fixed: 0, cap: -5, format: 'v1' }, 'surcharge.cap'],
    [{ percent: '2', fixed: 0, format: 'v3' }, 'surcharge.format'],
    [{ percent: '2', fixed: 0, format: 'v1', colour: 'red' }, 'surcharge.colour'],
  ];
  const values = [...cases.map(([sur]) => sur), '2.5', 5, true, []];
  for (const v of values) {
    const r = await s.patch('/v1/shop', { surcharge: v });
    const e = assertValidation(r, []);
    assert.ok(Object.keys(e).some((k) => k.startsWith('surcharge')), r.text);
  }
  // still the 1 % surcharge
  const o = await s.create(order(1000), '?response_type=standard');
  assert.equal(o.surcharge_amount, 10);
  assert.equal(o.amount, 1010);
});

test('invalid surcharge: every invalid sub-field is reported at once with its path', async () => {
  // docs/api.md Errors: fields maps each offending field, by path
  // (allowed_redirect_hosts[2], products[1].price, client.email)
  const s = newShop('Surcharge paths');
  const r = await s.patch('/v1/shop', { surcharge: { percent: 'abc', fixed: -1, cap: 0, format: 'v3', colour: 1 } });
  assertValidation(r, ['surcharge.percent', 'surcharge.fixed', 'surcharge.cap', 'surcharge.format', 'surcharge.colour']);
});

test('the maximum order amount applies to the total including the surcharge', async () => {
  const s2 = await startOrdersServer(['--max-order-amount', '1000']);
  const c = client(s2, createShop(s2.dbPath, 'Max shop').secret_key);
  const r = await c.patch('/v1/shop', { surcharge: { percent: '0', fixed: 10, format: 'v1' } });
  assert.equal(r.status, 200, r.text);
  const ok = await c.create(order(990));
  assert.equal(ok.amount, 1000);
  assertValidation(await c.post('/v1/orders', order(991)), []);
  assert.equal(await c.count(), 1);
  await s2.kill();
});

test('checkout v1: order.amount is the total, with initial_amount and surcharge_amount', async () => {
  const s = newShop('Checkout v1');
  await setSurcharge(s, { percent: '2.5', fixed: 10, format: 'v1' });
  const o = await s.create(order(1020));
  const r = await s.get(`/v1/checkouts/${o.token}`);
  assert.equal(r.status, 200, r.text);
  const co = r.json.checkout.order;
  assert.equal(co.amount, 1056);
  assert.equal(co.initial_amount, 1020);
  assert.equal(co.surcharge_amount, 36);
  assert.equal(co.currency, 'EUR');
  assert.ok(!('adjustments' in co.additional_data), `v1 has adjustments: ${r.text}`);
  assert.equal(co.additional_data.vendor.name, 'Obol');
});

test('checkout v2: order.additional_data.adjustments with surcharge_info type surcharge_max', async () => {
  const s = newShop('Checkout v2');
  await setSurcharge(s, { percent: '2.5', fixed: 10, format: 'v2' });
  const o = await s.create(order(1020));
  const r = await s.get(`/v1/checkouts/${o.token}`);
  assert.equal(r.status, 200, r.text);
  const co = r.json.checkout.order;
  assert.equal(co.amount, 1056);
  assert.ok(!('initial_amount' in co) && !('surcharge_amount' in co), `v2 has v1 fields: ${r.text}`);
  assert.equal(co.additional_data.vendor.name, 'Obol');
  assert.equal(co.additional_data.vendor.token, o.token);
  const adj = co.additional_data.adjustments;
  assert.ok(adj && typeof adj === 'object', r.text);
  assert.equal(adj.initial_amount, 1020);
  assert.equal(adj.adjustment_amount, 36);
  assert.equal(adj.currency, 'EUR');
  const si = adj.surcharge_info;
  assert.ok(si && typeof si === 'object', r.text);
  assert.ok(typeof si.id === 'string' || typeof si.id === 'number', `surcharge_info.id: ${r.text}`);
  assert.equal(si.type, 'surcharge_max');
  assert.equal(si.amount, 36);
  assert.equal(si.initial_amount, 1020);
  assert.equal(si.currency, 'EUR');
});
