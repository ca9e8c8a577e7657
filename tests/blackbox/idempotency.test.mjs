// Idempotency-Key on POST /v1/*: replays, reuse with another request,
// concurrency, shop scoping, key validation, validation errors not stored,
// order actions, durability across a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createShop, cleanup, assertError } from './harness.mjs';
import { startOrdersServer, client, assertValidation, MINIMAL_ORDER } from './orders-helpers.mjs';

after(cleanup);

let srv, a, b;
let n = 0;
const newKey = (p = 'k') => `${p}-${process.pid}-${Date.now()}-${n++}`;
const withKey = (key, extra = {}) => ({ headers: { 'idempotency-key': key }, ...extra });

before(async () => {
  srv = await startOrdersServer();
  a = client(srv, createShop(srv.dbPath, 'Idem A').secret_key);
  b = client(srv, createShop(srv.dbPath, 'Idem B').secret_key);
});

const isReplay = (r) => r.headers.get('idempotent-replayed') === 'true';

test('same key and body: the same order, Idempotent-Replayed: true, only one order created', async () => {
  const before = await a.count();
  const key = newKey('order');
  const body = { amount: 1500, merchant_reference: 'idem-1' };
  const r1 = await a.post('/v1/orders', body, withKey(key));
  assert.equal(r1.status, 201, r1.text);
  assert.ok(!isReplay(r1), 'the first answer is not a replay');
  for (let i = 0; i < 3; i++) {
    const r2 = await a.post('/v1/orders', body, withKey(key));
    assert.equal(r2.status, 201, r2.text);
    assert.equal(r2.headers.get('idempotent-replayed'), 'true');
    assert.equal(r2.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(r2.json.id, r1.json.id);
    assert.deepEqual(r2.json, r1.json, 'the replay is the stored body');
  }
  assert.equal(await a.count(), before + 1);
  assert.equal((await a.listAll('merchant_reference=idem-1')).length, 1);
});

test('same key, different request (body, query or path): 400 idempotency_key_reused, nothing created', async () => {
  const key = newKey('reuse');
  const r1 = await a.post('/v1/orders', { amount: 1500 }, withKey(key));
  assert.equal(r1.status, 201, r1.text);
  const before = await a.count();
  assertError(await a.post('/v1/orders', { amount: 1501 }, withKey(key)), 400, 'idempotency_key_reused');
  assertError(await a.post('/v1/orders', { amount: 1500, merchant_reference: 'x' }, withKey(key)), 400,
    'idempotency_key_reused');
  assertError(await a.post('/v1/orders?response_type=full', { amount: 1500 }, withKey(key)), 400,
    'idempotency_key_reused');
  assertError(await a.post(`/v1/orders/${r1.json.id}/cancel`, undefined, withKey(key)), 400,
    'idempotency_key_reused');
  assert.equal(await a.count(), before);
  assert.equal((await a.getOrder(r1.json.id)).status, 'issued', 'the reused key cancelled the order');
  // the original request still replays
  const r2 = await a.post('/v1/orders', { amount: 1500 }, withKey(key));
  assert.equal(r2.status, 201);
  assert.ok(isReplay(r2));
  assert.equal(r2.json.id, r1.json.id);
});

test('20 concurrent requests with one key: exactly one order; the rest are in_use or replays', async () => {
  const s = client(srv, createShop(srv.dbPath, 'Idem concurrent').secret_key);
  const key = newKey('race');
  const body = {
    products: Array.from({ length: 100 }, (_, i) => ({ title: `item ${i}`, price: '1.99', quantity: 3 })),
    metadata: { race: 'yes' },
  };
  const rs = await Promise.all(Array.from({ length: 20 }, () => s.post('/v1/orders', body, withKey(key))));
  const originals = rs.filter((r) => r.status === 201 && !isReplay(r));
  const replays = rs.filter((r) => r.status === 201 && isReplay(r));
  const inUse = rs.filter((r) => r.status === 409);
  assert.equal(originals.length, 1,
    `expected exactly one original 201, got statuses ${rs.map((r) => `${r.status}${isReplay(r) ? 'R' : ''}`)}`);
  assert.equal(originals.length + replays.length + inUse.length, 20,
    `unexpected answers: ${rs.filter((r) => ![201, 409].includes(r.status)).map((r) => r.text)}`);
  for (const r of inUse) assertError(r, 409, 'idempotency_key_in_use');
  for (const r of replays) assert.deepEqual(r.json, originals[0].json);
  const all = await s.listAll();
  assert.equal(all.length, 1, `created ${all.length} orders`);
  assert.equal(all[0].id, originals[0].json.id);
  assert.equal(all[0].amount, 59700);
  // afterwards the key replays
  const again = await s.post('/v1/orders', body, withKey(key));
  assert.equal(again.status, 201);
  assert.ok(isReplay(again));
  assert.equal(again.json.id, originals[0].json.id);
});

test('keys are scoped per shop: the same key in another shop creates another order', async () => {
  const key = newKey('scoped');
  const ra = await a.post('/v1/orders', { amount: 700 }, withKey(key));
  const rb = await b.post('/v1/orders', { amount: 700 }, withKey(key));
  assert.equal(ra.status, 201, ra.text);
  assert.equal(rb.status, 201, rb.text);
  assert.ok(!isReplay(rb), "another shop's key was replayed");
  assert.notEqual(rb.json.id, ra.json.id);
  assertError(await a.get(`/v1/orders/${rb.json.id}`), 404, 'not_found');
  // and a different body in the other shop is not "reused"
  const rb2 = await b.post('/v1/orders', { amount: 700 }, withKey(key));
  assert.ok(isReplay(rb2));
  assert.equal(rb2.json.id, rb.json.id);
  const k2 = newKey('scoped2');
  assert.equal((await a.post('/v1/orders', { amount: 1 }, withKey(k2))).status, 201);
  const rb3 = await b.post('/v1/orders', { amount: 2 }, withKey(k2));
  assert.equal(rb3.status, 201, rb3.text);
  assert.equal(rb3.json.amount, 2);
});

test('invalid keys: 256 characters, empty or non-ASCII are 400 invalid_idempotency_key; 255 is fine', async () => {
  const before = await a.count();
  assertError(await a.post('/v1/orders', { amount: 100 }, withKey('k'.repeat(256))), 400, 'invalid_idempotency_key');
  assertError(await a.post('/v1/orders', { amount: 100 }, withKey('')), 400, 'invalid_idempotency_key');
  assertError(await a.post('/v1/orders', { amount: 100 }, withKey('caf\u00e9')), 400, 'invalid_idempotency_key');
  assert.equal(await a.count(), before, 'an invalid key still created an order');
  const k255 = 'k'.repeat(250) + String(n++).padStart(5, '0');
  const r1 = await a.post('/v1/orders', { amount: 100 }, withKey(k255));
  assert.equal(r1.status, 201, r1.text);
  const r2 = await a.post('/v1/orders', { amount: 100 }, withKey(k255));
  assert.ok(isReplay(r2));
  assert.equal(r2.json.id, r1.json.id);
  const k1 = '!'; // one printable character, used once per fresh database
  const r3 = await a.post('/v1/orders', { amount: 100 }, withKey(k1));
  assert.equal(r3.status, 201, `a short printable key: ${r3.text}`);
});

test('a validation error is not stored: fix the body and retry with the same key', async () => {
  const key = newKey('fixme');
  const before = await a.count();
  const bad = await a.post('/v1/orders', { amount: 100, currency: 'XYZ' }, withKey(key));
  assertValidation(bad, ['currency']);
  const bad2 = await a.post('/v1/orders', { amount: 100, currency: 'XYZ' }, withKey(key));
  assertValidation(bad2, ['currency']);
  assert.ok(!isReplay(bad2), 'a validation error was stored and replayed');
  const good = await a.post('/v1/orders', { amount: 100, currency: 'EUR' }, withKey(key));
  assert.equal(good.status, 201, `retry after fixing the body: ${good.text}`);
  assert.ok(!isReplay(good));
  const again = await a.post('/v1/orders', { amount: 100, currency: 'EUR' }, withKey(key));
  assert.ok(isReplay(again));
  assert.equal(again.json.id, good.json.id);
  assert.equal(await a.count(), before + 1);
});

test('the replay is the stored answer even after the order changed', async () => {
  const key = newKey('stored');
  const r1 = await a.post('/v1/orders', MINIMAL_ORDER, withKey(key));
  assert.equal(r1.status, 201);
  assert.equal((await a.post(`/v1/orders/${r1.json.id}/cancel`)).status, 200);
  const r2 = await a.post('/v1/orders', MINIMAL_ORDER, withKey(key));
  assert.equal(r2.status, 201);
  assert.ok(isReplay(r2));
  assert.deepEqual(r2.json, r1.json);
  assert.equal(r2.json.status, 'issued');
  assert.equal((await a.getOrder(r1.json.id)).status, 'cancelled');
});

test('idempotent cancel replays 200 instead of 409, without a second event', async () => {
  const o = await a.create({ amount: 100 });
  const key = newKey('cancel');
  const c1 = await a.post(`/v1/orders/${o.id}/cancel`, undefined, withKey(key));
  assert.equal(c1.status, 200, c1.text);
  assert.equal(c1.json.status, 'cancelled');
  const c2 = await a.post(`/v1/orders/${o.id}/cancel`, undefined, withKey(key));
  assert.equal(c2.status, 200, c2.text);
  assert.ok(isReplay(c2));
  assert.deepEqual(c2.json, c1.json);
  assert.deepEqual((await a.events(o.id)).map((e) => e.type), ['order.issued', 'order.cancelled']);
  // without the key the second cancel is refused
  assertError(await a.post(`/v1/orders/${o.id}/cancel`), 409, 'invalid_state_transition');
  // the same key on another order's cancel is another request
  const p = await a.create({ amount: 100 });
  assertError(await a.post(`/v1/orders/${p.id}/cancel`, undefined, withKey(key)), 400, 'idempotency_key_reused');
  assert.equal((await a.getOrder(p.id)).status, 'issued');
});

test('idempotent receive replays too', async () => {
  const o = await a.create({ amount: 100 });
  const key = newKey('receive');
  const r1 = await a.post(`/v1/orders/${o.id}/receive`, undefined, withKey(key));
  assert.equal(r1.status, 200, r1.text);
  const r2 = await a.post(`/v1/orders/${o.id}/receive`, undefined, withKey(key));
  assert.equal(r2.status, 200, r2.text);
  assert.ok(isReplay(r2));
  assert.equal(r2.json.status, 'received');
  assert.equal((await a.events(o.id)).length, 2);
});

test('stored answers survive a crash: SIGKILL, restart, the key still replays', async () => {
  const s1 = await startOrdersServer();
  const shop = createShop(s1.dbPath, 'Durable');
  const c1 = client(s1, shop.secret_key);
  const key = newKey('durable');
  const r1 = await c1.post('/v1/orders', { amount: 4200 }, withKey(key));
  assert.equal(r1.status, 201, r1.text);
  await s1.kill();
  const s2 = await startOrdersServer([], { db: s1.dbPath });
  const c2 = client(s2, shop.secret_key);
  const r2 = await c2.post('/v1/orders', { amount: 4200 }, withKey(key));
  assert.equal(r2.status, 201, r2.text);
  assert.ok(isReplay(r2), 'the key was forgotten across a restart');
  assert.deepEqual(r2.json, r1.json);
  assert.equal(await c2.count(), 1);
  assertError(await c2.post('/v1/orders', { amount: 4201 }, withKey(key)), 400, 'idempotency_key_reused');
  await s2.kill();
});
