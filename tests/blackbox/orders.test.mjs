// Orders API reads and actions: response types, GET by id, shop isolation,
// list pagination and filters, events, cancel and receive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createShop, cleanup, assertError, sleep, RFC3339_UTC } from './harness.mjs';
import {
  startOrdersServer, client, assertValidation, MIN_FIELDS, STD_FIELDS, FULL_FIELDS, sortedKeys,
} from './orders-helpers.mjs';

after(cleanup);

let srv, a, b;

before(async () => {
  srv = await startOrdersServer();
  a = client(srv, createShop(srv.dbPath, 'Shop A').secret_key);
  b = client(srv, createShop(srv.dbPath, 'Shop B').secret_key);
});

const body = (extra = {}) => ({ products: [{ title: 'item', price: '1.00' }], ...extra });

// ---------------------------------------------------------- response types

test('response types: exactly the documented fields on POST, GET, list and actions', async () => {
  const types = { minimum: MIN_FIELDS, standard: STD_FIELDS, full: FULL_FIELDS };
  for (const [type, fields] of Object.entries(types)) {
    const want = [...fields].sort();
    const o = await a.create(body({ merchant_reference: `rt-${type}` }), `?response_type=${type}`);
    assert.deepEqual(sortedKeys(o), want, `POST ?response_type=${type}`);
    const g = await a.get(`/v1/orders/${o.id}?response_type=${type}`);
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(sortedKeys(g.json), want, `GET ?response_type=${type}`);
    const l = await a.get(`/v1/orders?merchant_reference=rt-${type}&response_type=${type}`);
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.data.length, 1, l.text);
    assert.deepEqual(sortedKeys(l.json.data[0]), want, `list ?response_type=${type}`);
    const c = await a.post(`/v1/orders/${o.id}/cancel?response_type=${type}`);
    assert.equal(c.status, 200, c.text);
    assert.deepEqual(sortedKeys(c.json), want, `cancel ?response_type=${type}`);
  }
});

test('response types: minimum is the default and lacks products; standard and full add theirs', async () => {
  const o = await a.create(body());
  assert.ok(!('products' in o) && !('client' in o) && !('initial_amount' in o), JSON.stringify(o));
  const g = await a.get(`/v1/orders/${o.id}`);
  assert.deepEqual(sortedKeys(g.json), [...MIN_FIELDS].sort());
  const s = await a.getOrder(o.id, 'standard');
  for (const f of ['products', 'client', 'initial_amount']) assert.ok(f in s, `standard lacks ${f}`);
  for (const f of ['permitted_actions', 'amount_decimal']) assert.ok(!(f in s), `standard has ${f}`);
  const f = await a.getOrder(o.id, 'full');
  assert.deepEqual(f.permitted_actions.slice().sort(), ['cancel', 'receive']);
  assert.equal(f.amount_decimal, '1.00');
  assert.equal(f.version, 1);
  assert.match(f.shop_id, /^shop_[0-9a-f]{24}$/);
  assert.match(f.updated_at, RFC3339_UTC);
});

test('response types: an invalid response_type is a 400 on every endpoint and creates nothing', async () => {
  const o = await a.create(body());
  const before = await a.count();
  for (const [method, p] of [['POST', '/v1/orders'], ['GET', `/v1/orders/${o.id}`], ['GET', '/v1/orders'],
    ['POST', `/v1/orders/${o.id}/cancel`], ['POST', `/v1/orders/${o.id}/receive`]]) {
    for (const rt of ['huge', 'MINIMUM', '']) {
      const r = await a.req(method, `${p}?response_type=${rt}`, method === 'POST' && p === '/v1/orders' ? { body: body() } : {});
      assertValidation(r, ['response_type']);
    }
  }
  assert.equal(await a.count(), before, 'an order was created despite a bad response_type');
  assert.equal((await a.getOrder(o.id)).status, 'issued', 'an action ran despite a bad response_type');
});

// -------------------------------------------------------- get and isolation

test('GET /v1/orders/{id}: the same order as created; unknown ids 404', async () => {
  const o = await a.create(body({ merchant_reference: 'get-1' }), '?response_type=full');
  const g = await a.getOrder(o.id, 'full');
  assert.deepEqual(g, o);
  for (const id of ['ord_000000000000000000000000', 'nope', `${o.id}x`]) {
    assertError(await a.get(`/v1/orders/${id}`), 404, 'not_found');
  }
});

test("another shop's order is 404 everywhere (GET, events, cancel, receive, checkout) and untouched", async () => {
  const o = await a.create(body());
  assertError(await b.get(`/v1/orders/${o.id}`), 404, 'not_found');
  assertError(await b.get(`/v1/orders/${o.id}?response_type=full`), 404, 'not_found');
  assertError(await b.get(`/v1/orders/${o.id}/events`), 404, 'not_found');
  assertError(await b.post(`/v1/orders/${o.id}/cancel`), 404, 'not_found');
  assertError(await b.post(`/v1/orders/${o.id}/receive`), 404, 'not_found');
  assertError(await b.get(`/v1/checkouts/${o.token}`), 404, 'not_found');
  const lb = await b.listAll();
  assert.ok(!lb.some((x) => x.id === o.id), "shop B lists shop A's order");
  const g = await a.getOrder(o.id, 'full');
  assert.equal(g.status, 'issued');
  assert.equal(g.version, 1);
  assert.equal((await a.events(o.id)).length, 1);
});

// -------------------------------------------------------------------- list

test('list: 25 orders paged by 7: newest first, no duplicates, no gaps, has_more false at the end', async () => {
  const s = client(srv, createShop(srv.dbPath, 'Paging shop').secret_key);
  const created = [];
  for (let i = 0; i < 25; i++) created.push((await s.create(body({ merchant_reference: `p${i}` }))).id);
  const seen = [];
  let cursor = null;
  let pages = 0;
  for (;;) {
    const r = await s.get(`/v1/orders?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    pages++;
    assert.ok(r.json.data.length <= 7);
    seen.push(...r.json.data.map((x) => x.id));
    if (!r.json.has_more) {
      assert.equal(r.json.next_cursor, null, 'last page has a next_cursor');
      break;
    }
    assert.equal(r.json.data.length, 7, 'a page before the last is full');
    assert.equal(typeof r.json.next_cursor, 'string');
    cursor = r.json.next_cursor;
    assert.ok(pages < 10, 'paging does not end');
  }
  assert.equal(pages, 4);
  assert.equal(new Set(seen).size, seen.length, 'duplicates across pages');
  assert.deepEqual(seen, created.slice().reverse(), 'not exactly the orders, newest first');
});

test('list: default limit 20, limit 1 and 100 are fine, has_more true while more remain', async () => {
  const s = client(srv, createShop(srv.dbPath, 'Default limit shop').secret_key);
  for (let i = 0; i < 21; i++) await s.create(body());
  const r = await s.get('/v1/orders');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.length, 20);
  assert.equal(r.json.has_more, true);
  const r1 = await s.get('/v1/orders?limit=1');
  assert.equal(r1.json.data.length, 1);
  assert.equal(r1.json.has_more, true);
  const r100 = await s.get('/v1/orders?limit=100');
  assert.equal(r100.json.data.length, 21);
  assert.equal(r100.json.has_more, false);
});

test('list: pages are stable while orders are added', async () => {
  const s = client(srv, createShop(srv.dbPath, 'Stable shop').secret_key);
  const created = [];
  for (let i = 0; i < 10; i++) created.push((await s.create(body())).id);
  const p1 = await s.get('/v1/orders?limit=4');
  const added = [];
  for (let i = 0; i < 3; i++) added.push((await s.create(body())).id);
  const seen = p1.json.data.map((x) => x.id);
  let cursor = p1.json.next_cursor;
  while (cursor) {
    const r = await s.get(`/v1/orders?limit=4&cursor=${encodeURIComponent(cursor)}`);
    assert.equal(r.status, 200, r.text);
    seen.push(...r.json.data.map((x) => x.id));
    cursor = r.json.has_more ? r.json.next_cursor : null;
  }
  assert.deepEqual(seen, created.slice().reverse(), 'later pages changed after new orders were added');
  const all = await s.listAll();
  assert.deepEqual(all.map((x) => x.id), [...added.reverse(), ...created.slice().reverse()]);
});

test('list filters: status, merchant_reference, created_from/created_to (inclusive)', async () => {
  const s = client(srv, createShop(srv.dbPath, 'Filter shop').secret_key);
  const orders = [];
  for (let i = 0; i < 12; i++) {
    orders.push(await s.create(body({ merchant_reference: i % 3 === 0 ? 'ref-three' : `ref-${i}` })));
    if (i % 4 === 3) await sleep(5);
  }
  await s.post(`/v1/orders/${orders[1].id}/cancel`);
  await s.post(`/v1/orders/${orders[2].id}/cancel`);
  await s.post(`/v1/orders/${orders[5].id}/receive`);

  const cancelled = await s.listAll('status=cancelled');
  assert.deepEqual(cancelled.map((x) => x.id), [orders[2].id, orders[1].id]);
  assert.ok(cancelled.every((x) => x.status === 'cancelled'));
  const received = await s.listAll('status=received');
  assert.deepEqual(received.map((x) => x.id), [orders[5].id]);
  const issued = await s.listAll('status=issued');
  assert.equal(issued.length, 9);
  assert.ok(issued.every((x) => x.status === 'issued'));
  assert.deepEqual((await s.listAll('status=expired')), []);

  const three = await s.listAll('merchant_reference=ref-three');
  assert.deepEqual(three.map((x) => x.id), [orders[9].id, orders[6].id, orders[3].id, orders[0].id]);
  assert.deepEqual(await s.listAll('merchant_reference=ref-'), [], 'merchant_reference is an exact match');
  const one = await s.listAll('merchant_reference=ref-4&status=issued');
  assert.deepEqual(one.map((x) => x.id), [orders[4].id]);

  const from = orders[3].created_at;
  const to = orders[8].created_at;
  const ranged = await s.listAll(`created_from=${encodeURIComponent(from)}&created_to=${encodeURIComponent(to)}`);
  const want = orders.filter((o) => Date.parse(o.created_at) >= Date.parse(from) && Date.parse(o.created_at) <= Date.parse(to))
    .map((o) => o.id).reverse();
  assert.ok(want.includes(orders[3].id) && want.includes(orders[8].id));
  assert.deepEqual(ranged.map((x) => x.id), want, 'created range is not inclusive or not exact');
  const fromOnly = await s.listAll(`created_from=${encodeURIComponent(orders[11].created_at)}`);
  assert.ok(fromOnly.some((x) => x.id === orders[11].id));
  assert.ok(!fromOnly.some((x) => x.id === orders[0].id) || orders[0].created_at === orders[11].created_at);
  const future = await s.listAll(`created_from=${encodeURIComponent(new Date(Date.now() + 3600e3).toISOString())}`);
  assert.deepEqual(future, []);
});

test('list: invalid limit, status, cursor and dates are 400 naming the parameter', async () => {
  for (const [q, field] of [
    ['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=abc', 'limit'], ['limit=-1', 'limit'], ['limit=2.5', 'limit'],
    ['status=bogus', 'status'], ['status=ISSUED', 'status'],
    ['cursor=garbage', 'cursor'], ['cursor=', 'cursor'],
    ['created_from=yesterday', 'created_from'], ['created_to=2026-01-01', 'created_to'],
  ]) {
    assertValidation(await a.get(`/v1/orders?${q}`), [field]);
  }
});

// ------------------------------------------------------------------ events

test('events: order.issued with sequence 1; cancel adds order.cancelled with sequence 2', async () => {
  const o = await a.create(body());
  const e1 = await a.events(o.id);
  assert.equal(e1.length, 1);
  const ev = e1[0];
  assert.match(ev.id, /^evt_[0-9a-f]+$/);
  assert.equal(ev.object, 'event');
  assert.equal(ev.type, 'order.issued');
  assert.equal(ev.order_id, o.id);
  assert.equal(ev.sequence, 1);
  assert.match(ev.created_at, RFC3339_UTC);
  assert.equal(ev.data.order.id, o.id);
  assert.equal(ev.data.order.status, 'issued');
  assert.deepEqual(sortedKeys(ev.data.order), [...FULL_FIELDS].sort(), 'event data is the full view');

  const c = await a.post(`/v1/orders/${o.id}/cancel`);
  assert.equal(c.status, 200, c.text);
  const r = await a.get(`/v1/orders/${o.id}/events`);
  assert.equal(r.json.has_more, false);
  const e2 = r.json.data;
  assert.deepEqual(e2.map((e) => [e.type, e.sequence]), [['order.issued', 1], ['order.cancelled', 2]]);
  assert.notEqual(e2[0].id, e2[1].id);
  assert.equal(e2[1].data.order.status, 'cancelled');
  assert.equal(e2[1].data.order.version, 2);
  assert.deepEqual(e2[1].data.order.permitted_actions, []);
  assert.equal((await a.getOrder(o.id, 'full')).version, 2);
});

test('events: receive adds order.received', async () => {
  const o = await a.create(body());
  await a.post(`/v1/orders/${o.id}/receive`);
  const ev = await a.events(o.id);
  assert.deepEqual(ev.map((e) => [e.type, e.sequence]), [['order.issued', 1], ['order.received', 2]]);
  assert.equal(ev[1].data.order.status, 'received');
});

// -------------------------------------------------------- cancel / receive

test('cancel: 200 with status cancelled; a second cancel or a receive is 409 and changes nothing', async () => {
  const o = await a.create(body());
  const c = await a.post(`/v1/orders/${o.id}/cancel`);
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.id, o.id);
  assert.equal(c.json.status, 'cancelled');
  assert.equal((await a.getOrder(o.id)).status, 'cancelled');
  for (const action of ['cancel', 'receive']) {
    const r = await a.post(`/v1/orders/${o.id}/${action}`);
    const e = assertError(r, 409, 'invalid_state_transition');
    assert.equal(e.fields?.status, 'cancelled', r.text);
    assert.equal(e.fields?.action, action, r.text);
  }
  const g = await a.getOrder(o.id, 'full');
  assert.equal(g.status, 'cancelled');
  assert.equal(g.version, 2);
  assert.equal((await a.events(o.id)).length, 2, 'a refused action wrote an event');
});

test('receive: 200 with status received; cancel or receive again is 409 and changes nothing', async () => {
  const o = await a.create(body());
  const r = await a.post(`/v1/orders/${o.id}/receive?response_type=full`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'received');
  assert.deepEqual(r.json.permitted_actions, []);
  for (const action of ['cancel', 'receive']) {
    const x = await a.post(`/v1/orders/${o.id}/${action}`);
    const e = assertError(x, 409, 'invalid_state_transition');
    assert.equal(e.fields?.status, 'received', x.text);
    assert.equal(e.fields?.action, action, x.text);
  }
  assert.equal((await a.getOrder(o.id)).status, 'received');
  assert.equal((await a.events(o.id)).length, 2);
});

test('cancel/receive take no body fields: 400 and the order is unchanged; {} is fine', async () => {
  const o = await a.create(body());
  for (const action of ['cancel', 'receive']) {
    assertValidation(await a.post(`/v1/orders/${o.id}/${action}`, { reason: 'customer asked' }), ['reason']);
  }
  assert.equal((await a.getOrder(o.id)).status, 'issued');
  assert.equal((await a.events(o.id)).length, 1);
  const c = await a.post(`/v1/orders/${o.id}/cancel`, {});
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.status, 'cancelled');
});

test('cancel/receive of unknown orders are 404; GET on the action paths is 405', async () => {
  assertError(await a.post('/v1/orders/ord_000000000000000000000000/cancel'), 404, 'not_found');
  assertError(await a.post('/v1/orders/ord_000000000000000000000000/receive'), 404, 'not_found');
  const o = await a.create(body());
  const r = await a.get(`/v1/orders/${o.id}/cancel`);
  assertError(r, 405, 'method_not_allowed');
  assert.match(r.headers.get('allow') || '', /POST/);
});

test('a cancelled order keeps its other fields', async () => {
  const o = await a.create(body({ merchant_reference: 'keep-me', description: 'd' }), '?response_type=standard');
  await a.post(`/v1/orders/${o.id}/cancel`);
  const g = await a.getOrder(o.id, 'standard');
  for (const f of ['amount', 'currency', 'token', 'merchant_reference', 'description', 'created_at', 'checkout_url']) {
    assert.deepEqual(g[f], o[f], f);
  }
  assert.ok(Date.parse(g.updated_at) >= Date.parse(o.updated_at));
});
