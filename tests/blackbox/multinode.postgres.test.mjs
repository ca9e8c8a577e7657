// Two obol nodes on one PostgreSQL database behave as one gateway:
// idempotency keys, status transitions and acknowledged writes hold across
// nodes, also when one node is killed mid-load. PostgreSQL only (the
// .postgres. in the name: tests/run runs it with OBOL_TEST_POSTGRES); SQLite
// serves one node.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, createShop, startServer, sleep } from './harness.mjs';
import { client } from './orders-helpers.mjs';

after(cleanup);

let a, b, shop, ca, cb;
before(async () => {
  a = await startServer({ args: ['--rate-limit', '0'] });
  b = await startServer({ db: a.dbPath, args: ['--rate-limit', '0'] });
  shop = createShop(a.dbPath, 'Two nodes');
  ca = client(a, shop.secret_key);
  cb = client(b, shop.secret_key);
});

async function allOrders(c) {
  const out = [];
  let cursor = null;
  for (;;) {
    const r = await c.get(`/v1/orders?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.data);
    if (!r.json.has_more) return out;
    cursor = encodeURIComponent(r.json.next_cursor);
  }
}

test('an order written on one node is read on the other', async () => {
  const o = await ca.create({ amount: 4200, merchant_reference: 'cross' });
  const r = await cb.get(`/v1/orders/${o.id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.amount, 4200);
});

test('one Idempotency-Key sent to both nodes at once creates one order', async () => {
  const before = (await allOrders(ca)).length;
  for (let k = 0; k < 20; k++) {
    const key = `two-nodes-${k}`;
    const body = { amount: 1000 + k };
    const [ra, rb] = await Promise.all([
      ca.post('/v1/orders', body, { headers: { 'idempotency-key': key } }),
      cb.post('/v1/orders', body, { headers: { 'idempotency-key': key } }),
    ]);
    for (const r of [ra, rb]) {
      assert.ok(r.status === 201 || (r.status === 409 && r.json.error.code === 'idempotency_key_in_use'),
        `${r.status} ${r.text}`);
    }
    const ids = [ra, rb].filter((r) => r.status === 201).map((r) => r.json.id);
    assert.ok(ids.length >= 1, 'neither node created the order');
    assert.equal(new Set(ids).size, 1, `two orders for one key: ${ids}`);
  }
  assert.equal((await allOrders(cb)).length, before + 20);
});

test('a cancel and a receive racing on two nodes: exactly one wins', async () => {
  for (let i = 0; i < 10; i++) {
    const o = await ca.create({ amount: 700 + i });
    const [x, y] = await Promise.all([
      ca.post(`/v1/orders/${o.id}/cancel`), cb.post(`/v1/orders/${o.id}/receive`),
    ]);
    const statuses = [x.status, y.status].sort();
    assert.deepEqual(statuses, [200, 409], `${x.text} | ${y.text}`);
    const events = await cb.events(o.id);
    assert.deepEqual(events.map((e) => e.sequence), [1, 2]);
    const final = (await ca.getOrder(o.id, 'minimum')).status;
    assert.equal(final, x.status === 200 ? 'cancelled' : 'received');
  }
});

test('a node killed with -9 mid-load loses no acknowledged order', async () => {
  const victim = await startServer({ db: a.dbPath, args: ['--rate-limit', '0'] });
  const cv = client(victim, shop.secret_key);
  const acked = [];
  let running = true;
  const writers = Array.from({ length: 8 }, async (_, w) => {
    let n = 0;
    while (running) {
      const c = w % 2 ? cv : cb;
      const r = await c.post('/v1/orders', { amount: 1, merchant_reference: `kill-${w}-${n++}` })
        .catch(() => null);
      if (r && r.status === 201) acked.push(r.json.id);
      if (!r && c === cv) await sleep(5); /* the victim is gone */
    }
  });
  await sleep(1500);
  await victim.kill();
  await sleep(500);
  running = false;
  await Promise.all(writers);
  assert.ok(acked.length > 50, `only ${acked.length} orders acknowledged`);
  const stored = new Set((await allOrders(cb)).map((o) => o.id));
  const lost = acked.filter((id) => !stored.has(id));
  assert.deepEqual(lost, [], `${lost.length} acknowledged orders are missing`);
});

test('a key\'s rate limit holds across nodes, not per node', async () => {
  const args = ['--rate-limit', '5', '--rate-burst', '10', '--sweep-interval', '100'];
  const x = await startServer({ args });
  const y = await startServer({ db: x.dbPath, args });
  try {
    const key = createShop(x.dbPath, 'Limited twice').secret_key;
    await sleep(1500); // heartbeats: each node learns the other exists
    let allowed = 0;
    for (let i = 0; i < 40; i++) {
      const node = i % 2 ? x : y;
      const r = await fetch(`${node.base}/v1/shop`, { headers: { authorization: `Bearer ${key}` } });
      await r.arrayBuffer();
      if (r.status === 200) allowed++;
      else assert.equal(r.status, 429);
    }
    // one node alone would grant its whole burst of 10; two unshared, 20
    assert.ok(allowed >= 8 && allowed <= 14, `${allowed} of 40 rapid requests allowed`);
  } finally {
    await x.stop();
    await y.stop();
  }
});

test('payments, refunds and same-key requests on two nodes, one killed mid-load: every invariant holds', async () => {
  const args = ['--rate-limit', '0', '--acquirer-timeout-ms', '300', '--sandbox-refund-ms', '50',
    '--sweep-interval', '50', '--test-clock'];
  const n1 = await startServer({ db: a.dbPath, args });
  const n2 = await startServer({ db: a.dbPath, args });
  const victim = await startServer({ db: a.dbPath, args });
  const own = createShop(a.dbPath, 'Two nodes pay');
  const nodes = [client(n1, own.secret_key), client(n2, own.secret_key),
    client(victim, own.secret_key)];
  const card = { payment_method: 'card',
    card: { number: '4242424242424242', exp_month: 12, exp_year: 2035, cvc: '123' } };
  const orders = [];
  for (let i = 0; i < 30; i++) orders.push(await nodes[i % 2].create({ amount: 1000 + i, currency: 'EUR' }));

  const paidAcks = new Map();    // order id -> transaction uid, acknowledged paid
  const refundAcks = [];         // acknowledged refund transactions
  let victimAlive = true;
  const call = async (node, fn) => {
    if (node === nodes[2] && !victimAlive) return null;
    return fn(node).catch(() => null);
  };
  const work = orders.map(async (o, i) => {
    // the same Idempotency-Key sent to two nodes at once: one attempt
    const key = { headers: { 'idempotency-key': `pay-${o.id}` } };
    const answers = await Promise.all([nodes[i % 3], nodes[(i + 1) % 3]]
      .map((n) => call(n, (c) => c.post(`/v1/orders/${o.id}/pay`, card, key))));
    for (const r of answers) {
      if (r && r.status === 200 && r.json.status === 'paid') paidAcks.set(o.id, r.json.transaction.uid);
    }
    // refunds raced across the nodes
    for (let round = 0; round < 4; round++) {
      const rs = await Promise.all(nodes.map((n, k) =>
        call(n, (c) => c.post(`/v1/orders/${o.id}/refund`, { amount: 100 + 7 * k + round }))));
      for (const r of rs) if (r && r.status === 200) refundAcks.push(r.json.transaction.uid);
      await sleep(60);
    }
  });
  await sleep(400);
  victimAlive = false;
  await victim.kill();
  await Promise.all(work);

  // past every deadline: the survivors resolve what the victim left
  assert.equal((await nodes[0].post('/v1/test/clock', { advance_seconds: 60 })).status, 200);
  assert.equal((await nodes[1].post('/v1/test/clock', { advance_seconds: 60 })).status, 200);
  await sleep(300);
  assert.ok(paidAcks.size > 0 && refundAcks.length > 0, 'the load did something');
  const c = nodes[0];
  for (const o of orders) {
    const now = await c.getOrder(o.id, 'full');
    const txs = (await c.get(`/v1/orders/${o.id}/transactions`)).json.data;
    const ok = (type) => txs.filter((t) => t.type === type && t.status === 'successful');
    assert.ok(!['in_progress', 'refund_initiated'].includes(now.status), `${o.id} left ${now.status}`);
    for (const t of txs) assert.ok(!['pending', 'incomplete'].includes(t.status), JSON.stringify(t));
    assert.ok(ok('payment').length <= 1, `${o.id} charged twice`);
    if (paidAcks.has(o.id)) {
      assert.equal(ok('payment')[0]?.uid, paidAcks.get(o.id), `acknowledged payment of ${o.id} lost`);
      assert.equal(now.captured_amount, o.amount);
    }
    const refunded = ok('refund').reduce((n, t) => n + t.amount, 0);
    assert.equal(now.refunded_amount, refunded, `${o.id} refund total`);
    assert.ok(refunded <= now.captured_amount, `${o.id} refunded more than captured`);
    const events = await c.events(o.id);
    events.forEach((e, k) => assert.equal(e.sequence, k + 1, `${o.id} event sequence`));
    assert.equal(events.at(-1).data.order.status, now.status);
  }
  const all = new Set();
  for (const o of orders) {
    for (const t of (await c.get(`/v1/orders/${o.id}/transactions`)).json.data) all.add(t.uid);
  }
  for (const uid of refundAcks) assert.ok(all.has(uid), `acknowledged refund ${uid} lost`);
  await n1.stop();
  await n2.stop();
});
