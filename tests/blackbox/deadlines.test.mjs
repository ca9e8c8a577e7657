// Deadlines: due_date -> overdue, expires_at -> expired (final). The exact
// status on read, the test clock (POST /v1/test/clock), the sweeper, events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createShop, cleanup, assertError, sleep, ms, RFC3339_UTC } from './harness.mjs';
import { startOrdersServer, client, assertValidation } from './orders-helpers.mjs';

after(cleanup);

let srv, a;
let offset = 0; // server clock minus real clock, from the test clock's answers

// The background sweeper is slowed to once an hour on this server, so that
// recorded statuses change only through the test clock.
before(async () => {
  srv = await startOrdersServer(['--test-clock', '--sweep-interval', '3600000']);
  a = client(srv, createShop(srv.dbPath, 'Deadline shop').secret_key);
});

const serverNow = () => Date.now() + offset;
const at = (secs) => new Date(serverNow() + secs * 1000).toISOString();
const order = (extra = {}) => ({ amount: 100, ...extra });

async function advance(seconds) {
  const before = serverNow();
  const r = await a.post('/v1/test/clock', { advance_seconds: seconds });
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.now, RFC3339_UTC);
  assert.ok(Number.isInteger(r.json.swept) && r.json.swept >= 0, r.text);
  const now = Date.parse(r.json.now);
  assert.ok(now >= before + seconds * 1000 - 5000 && now <= before + seconds * 1000 + ms(30000),
    `clock did not move by ${seconds}s: ${r.json.now}, expected about ${new Date(before + seconds * 1000).toISOString()}`);
  offset = now - Date.now();
  return r.json;
}

const types = async (id) => (await a.events(id)).map((e) => e.type);

test('the status read is exact before any sweep: passed due_date -> overdue, expires_at -> expired', async () => {
  const due = await a.create(order({ due_date: at(2), expires_at: at(3600) }));
  const exp = await a.create(order({ expires_at: at(2) }));
  await sleep(2600);
  const g1 = await a.getOrder(due.id, 'full');
  assert.equal(g1.status, 'overdue');
  const g2 = await a.getOrder(exp.id, 'full');
  assert.equal(g2.status, 'expired');
  assert.deepEqual(g2.permitted_actions, [], 'an expired order permits no action');
  // an action sees the exact status too: expired is final
  const c = await a.post(`/v1/orders/${exp.id}/cancel`);
  const e = assertError(c, 409, 'invalid_state_transition');
  assert.equal(e.fields?.status, 'expired', c.text);
  const lst = await a.listAll();
  assert.equal(lst.find((x) => x.id === exp.id)?.status, 'expired', 'the list shows the exact status too');
});

test('test clock: deadlines are applied at once, with events, list filters and final states', async () => {
  const A = await a.create(order({ due_date: at(3600), expires_at: at(7200), merchant_reference: 'A' }));
  const B = await a.create(order({ due_date: at(3600), merchant_reference: 'B' }));
  const C = await a.create(order({ expires_at: at(3600), merchant_reference: 'C' }));
  const D = await a.create(order({ due_date: at(36000), expires_at: at(72000), merchant_reference: 'D' }));
  const E = await a.create(order({ expires_at: at(3600), merchant_reference: 'E' }));
  const F = await a.create(order({ due_date: at(3600), merchant_reference: 'F' }));
  assert.equal((await a.post(`/v1/orders/${E.id}/cancel`)).status, 200);
  assert.equal((await a.post(`/v1/orders/${F.id}/receive`)).status, 200);
  // before the deadline
  const early = await advance(60);
  assert.equal((await a.getOrder(A.id)).status, 'issued');
  assert.equal((await a.getOrder(C.id)).status, 'issued');
  assert.ok(early.swept >= 0);

  const r = await advance(3600);
  assert.ok(r.swept >= 3, `swept ${r.swept}, expected at least A, B and C`);
  assert.equal((await a.getOrder(A.id)).status, 'overdue');
  assert.equal((await a.getOrder(B.id)).status, 'overdue');
  assert.equal((await a.getOrder(C.id)).status, 'expired');
  assert.equal((await a.getOrder(D.id)).status, 'issued');
  assert.equal((await a.getOrder(E.id)).status, 'cancelled', 'a cancelled order must not expire');
  assert.equal((await a.getOrder(F.id)).status, 'received', 'a received order must not become overdue');

  assert.deepEqual(await types(A.id), ['order.issued', 'order.overdue']);
  assert.deepEqual(await types(C.id), ['order.issued', 'order.expired']);
  assert.deepEqual(await types(D.id), ['order.issued']);
  assert.deepEqual(await types(E.id), ['order.issued', 'order.cancelled']);
  assert.deepEqual(await types(F.id), ['order.issued', 'order.received']);
  const ec = await a.events(C.id);
  assert.equal(ec[1].sequence, 2);
  assert.equal(ec[1].data.order.status, 'expired');
  const ea = await a.events(A.id);
  assert.equal(ea[1].sequence, 2);
  assert.equal(ea[1].data.order.status, 'overdue');

  const overdue = (await a.listAll('status=overdue')).map((x) => x.id);
  assert.ok(overdue.includes(A.id) && overdue.includes(B.id), 'list status=overdue');
  const expired = (await a.listAll('status=expired')).map((x) => x.id);
  assert.ok(expired.includes(C.id), 'list status=expired');
  assert.ok(!expired.includes(A.id) && !expired.includes(E.id));
  const issued = (await a.listAll('status=issued')).map((x) => x.id);
  assert.ok(issued.includes(D.id) && !issued.includes(A.id) && !issued.includes(C.id));

  // expired is final: no cancel, no receive, nothing changes
  for (const action of ['cancel', 'receive']) {
    const x = await a.post(`/v1/orders/${C.id}/${action}`);
    const e = assertError(x, 409, 'invalid_state_transition');
    assert.equal(e.fields?.status, 'expired', x.text);
    assert.equal(e.fields?.action, action, x.text);
  }
  assert.equal((await a.getOrder(C.id)).status, 'expired');
  assert.deepEqual(await types(C.id), ['order.issued', 'order.expired']);
  const co = await a.get(`/v1/checkouts/${C.token}`);
  assert.equal(co.status, 200, co.text);
  assert.equal(co.json.checkout.expired, true, 'checkout.expired after expires_at');

  // overdue is not final: late payments allowed, the merchant may still cancel
  const cb = await a.post(`/v1/orders/${B.id}/cancel`);
  assert.equal(cb.status, 200, cb.text);
  assert.equal(cb.json.status, 'cancelled');
  assert.deepEqual(await types(B.id), ['order.issued', 'order.overdue', 'order.cancelled']);

  // A's expires_at passes next: overdue -> expired
  await advance(3600);
  assert.equal((await a.getOrder(A.id)).status, 'expired');
  const ea2 = await a.events(A.id);
  assert.deepEqual(ea2.map((e) => [e.type, e.sequence]),
    [['order.issued', 1], ['order.overdue', 2], ['order.expired', 3]]);
  assert.equal((await a.getOrder(B.id)).status, 'cancelled', 'a cancelled order stays cancelled');
  assert.deepEqual(await types(B.id), ['order.issued', 'order.overdue', 'order.cancelled']);
  assert.equal((await a.getOrder(D.id)).status, 'issued');
});

test('test clock: both deadlines passed in one jump end expired, with contiguous sequences', async () => {
  const G = await a.create(order({ due_date: at(3600), expires_at: at(7200) }));
  await advance(3 * 3600);
  const g = await a.getOrder(G.id, 'full');
  assert.equal(g.status, 'expired');
  const ev = await a.events(G.id);
  assert.equal(ev.at(-1).type, 'order.expired');
  assert.equal(ev[0].type, 'order.issued');
  assert.deepEqual(ev.map((e) => e.sequence), ev.map((_, i) => i + 1));
  assert.equal(g.version, ev.length);
  assert.deepEqual((await a.listAll('status=expired')).filter((x) => x.id === G.id).length, 1);
});

test('test clock: a receivable overdue order can be received', async () => {
  const H = await a.create(order({ due_date: at(60) }));
  await advance(120);
  assert.equal((await a.getOrder(H.id)).status, 'overdue');
  const r = await a.post(`/v1/orders/${H.id}/receive`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'received');
});

test("test clock: new orders' dates are checked against the moved clock", async () => {
  await advance(7200);
  // the server clock is now hours ahead: a real-time "in 30 min" is in its past
  const realSoon = new Date(Date.now() + 1800e3).toISOString();
  assertValidation(await a.post('/v1/orders', order({ due_date: realSoon })), ['due_date']);
  assertValidation(await a.post('/v1/orders', order({ expires_at: realSoon })), ['expires_at']);
  const o = await a.create(order({ due_date: at(1800) }));
  assert.equal(o.status, 'issued');
  assert.ok(Date.parse(o.created_at) >= serverNow() - 60000, `created_at ${o.created_at} uses the moved clock`);
});

test('test clock: invalid advance_seconds is 400; the endpoint needs a key', async () => {
  for (const v of [-5, 'x', 1.5, null]) {
    assertValidation(await a.post('/v1/test/clock', { advance_seconds: v }), ['advance_seconds']);
  }
  assertValidation(await a.post('/v1/test/clock', {}), ['advance_seconds']);
  const r = await a.req('POST', '/v1/test/clock', { key: undefined, body: { advance_seconds: 1 } });
  assert.equal(r.status, 401);
});

test('test clock: an unknown field is a 400 naming that field, and the clock does not move', async () => {
  const before = serverNow();
  assertValidation(await a.post('/v1/test/clock', { advance_seconds: 86400, colour: 1 }), ['colour']);
  const o = await a.create(order());
  assert.ok(Date.parse(o.created_at) < before + 3600e3, `the refused request moved the clock: ${o.created_at}`);
});

test('without --test-clock the endpoint is 404', async () => {
  const s2 = await startOrdersServer();
  const c = client(s2, createShop(s2.dbPath, 'No clock').secret_key);
  assertError(await c.post('/v1/test/clock', { advance_seconds: 86400 }), 404, 'not_found');
  await s2.kill();
});

test('the background sweeper records passed deadlines within --sweep-interval', async () => {
  const s3 = await startOrdersServer(['--sweep-interval', '200']);
  const c = client(s3, createShop(s3.dbPath, 'Swept').secret_key);
  const o = await c.create(order({ due_date: new Date(Date.now() + 1500).toISOString() }));
  const p = await c.create(order({ expires_at: new Date(Date.now() + 1500).toISOString() }));
  const deadline = Date.now() + ms(8000);
  let ov = [], ex = [];
  while (Date.now() < deadline) {
    ov = (await c.listAll('status=overdue')).map((x) => x.id);
    ex = (await c.listAll('status=expired')).map((x) => x.id);
    if (ov.includes(o.id) && ex.includes(p.id)) break;
    await sleep(200);
  }
  assert.deepEqual(ov, [o.id], 'list status=overdue after the sweeper ran');
  assert.deepEqual(ex, [p.id], 'list status=expired after the sweeper ran');
  assert.deepEqual((await c.events(o.id)).map((e) => e.type), ['order.issued', 'order.overdue']);
  assert.deepEqual((await c.events(p.id)).map((e) => e.type), ['order.issued', 'order.expired']);
  await s3.kill();
});
