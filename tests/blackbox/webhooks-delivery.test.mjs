// Webhook delivery end to end: every event reaches the endpoints that want
// it, signed (Obol-Signature: t=..,v1=HMAC-SHA256(secret, "t.body")),
// retried on 5xx and connection errors, given up on 4xx, and never lost
// across a kill -9.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { cleanup, cli, createShop, startServer, sleep, ms } from './harness.mjs';
import { client } from './orders-helpers.mjs';

after(cleanup);
const ARGS = ['--rate-limit', '0', '--webhook-retry-ms', '200'];

/** A local receiver: answer(req, n) decides the status of the n-th call. */
function receiver(answer = () => 200, port = 0) {
  const calls = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const call = { headers: req.headers, body, json: JSON.parse(body) };
      calls.push(call);
      res.writeHead(answer(call, calls.length));
      res.end('ok');
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({
    calls, server, url: `http://127.0.0.1:${server.address().port}/hook`,
    port: server.address().port, close: () => new Promise((r) => server.close(r)),
  })));
}

function verify(call, secret) {
  const parts = call.headers['obol-signature'].split(',');
  const t = parts.find((p) => p.startsWith('t=')).slice(2);
  const expected = crypto.createHmac('sha256', secret).update(`${t}.${call.body}`).digest('hex');
  return parts.filter((p) => p.startsWith('v1=')).map((p) => p.slice(3)).includes(expected);
}

async function until(pred, what, timeout = ms(10000)) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

let srv, shop, c;
before(async () => {
  srv = await startServer({ args: ARGS });
  shop = createShop(srv.dbPath, 'Webhooks');
  c = client(srv, shop.secret_key);
});

test('every event of an order is delivered, signed, with its sequence', async () => {
  const r = await receiver();
  try {
    const e = (await c.post('/v1/webhook-endpoints', { url: r.url })).json;
    const o = await c.create({ amount: 1200 });
    assert.equal((await c.post(`/v1/orders/${o.id}/cancel`)).status, 200);
    await until(() => r.calls.length >= 2, 'two deliveries');
    const events = await c.events(o.id);
    // deliveries may arrive in any order: the sequence puts them right
    const got = r.calls.slice().sort((x, y) => x.json.sequence - y.json.sequence);
    assert.deepEqual(got.map((x) => x.json.type), ['order.issued', 'order.cancelled']);
    assert.deepEqual(got.map((x) => x.json.sequence), [1, 2]);
    assert.deepEqual(got.map((x) => x.json.id), events.map((x) => x.id));
    for (const call of r.calls) {
      assert.ok(verify(call, e.secret), 'signature does not verify');
      assert.ok(!verify(call, 'whsec_wrong'), 'a wrong secret verifies');
      assert.equal(call.headers['content-type'], 'application/json');
      assert.equal(call.json.api_version, '2026-11-23');
      assert.equal(call.json.data.order.id, o.id);
      assert.ok(Math.abs(call.json.created - Date.now() / 1000) < 60);
    }
    assert.equal(got[1].json.data.order.status, 'cancelled');
    await until(async () => (await c.get(`/v1/events/${events[1].id}/deliveries`)).json.data
      .some((x) => x.status === 'succeeded'), 'the outcome to be recorded');
    const d = await c.get(`/v1/events/${events[1].id}/deliveries`);
    assert.equal(d.status, 200, d.text);
    assert.equal(d.json.data.length, 1);
    assert.equal(d.json.data[0].status, 'succeeded');
    assert.equal(d.json.data[0].last_status, 200);
    assert.equal(d.json.data[0].endpoint_id, e.id);
    await c.req('DELETE', `/v1/webhook-endpoints/${e.id}`);
  } finally { await r.close(); }
});

test('only the events an endpoint asks for; a disabled endpoint gets none', async () => {
  const r = await receiver();
  const off = await receiver();
  try {
    const e = (await c.post('/v1/webhook-endpoints', { url: r.url, events: ['order.cancelled'] })).json;
    const d = (await c.post('/v1/webhook-endpoints', { url: off.url })).json;
    await c.patch(`/v1/webhook-endpoints/${d.id}`, { enabled: false });
    const o = await c.create({ amount: 50 });
    await c.post(`/v1/orders/${o.id}/cancel`);
    await until(() => r.calls.length >= 1, 'the cancelled event');
    await sleep(ms(600));
    assert.deepEqual(r.calls.map((x) => x.json.type), ['order.cancelled']);
    assert.equal(off.calls.length, 0);
    await c.req('DELETE', `/v1/webhook-endpoints/${e.id}`);
    await c.req('DELETE', `/v1/webhook-endpoints/${d.id}`);
  } finally { await r.close(); await off.close(); }
});

test('a 5xx is retried until it succeeds; a 4xx is given up at once', async () => {
  const flaky = await receiver((call, n) => (n <= 2 ? 503 : 200));
  const gone = await receiver(() => 410);
  try {
    const e1 = (await c.post('/v1/webhook-endpoints', { url: flaky.url, events: ['order.issued'] })).json;
    const e2 = (await c.post('/v1/webhook-endpoints', { url: gone.url, events: ['order.issued'] })).json;
    const o = await c.create({ amount: 75 });
    await until(() => flaky.calls.length >= 3, 'the third attempt');
    const evt = (await c.events(o.id))[0];
    await until(async () => {
      const d = (await c.get(`/v1/events/${evt.id}/deliveries`)).json.data;
      return d.find((x) => x.endpoint_id === e1.id)?.status === 'succeeded';
    }, 'the retried delivery to succeed');
    const ds = (await c.get(`/v1/events/${evt.id}/deliveries`)).json.data;
    const ok = ds.find((x) => x.endpoint_id === e1.id);
    const failed = ds.find((x) => x.endpoint_id === e2.id);
    assert.equal(ok.attempts, 3);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.attempts, 1);
    assert.equal(failed.last_status, 410);
    await sleep(ms(800));
    assert.equal(gone.calls.length, 1, 'a 4xx was retried');
    assert.equal(flaky.calls.length, 3);
    await c.req('DELETE', `/v1/webhook-endpoints/${e1.id}`);
    await c.req('DELETE', `/v1/webhook-endpoints/${e2.id}`);
  } finally { await flaky.close(); await gone.close(); }
});

test('during a secret rotation both signatures are sent', async () => {
  const r = await receiver();
  try {
    const e = (await c.post('/v1/webhook-endpoints', { url: r.url, events: ['order.issued'] })).json;
    const rotated = (await c.post(`/v1/webhook-endpoints/${e.id}/rotate-secret`, { grace_seconds: 600 })).json;
    await c.create({ amount: 10 });
    await until(() => r.calls.length >= 1, 'a delivery');
    const sig = r.calls[0].headers['obol-signature'];
    assert.equal(sig.split(',').filter((p) => p.startsWith('v1=')).length, 2, sig);
    assert.ok(verify(r.calls[0], rotated.secret));
    assert.ok(verify(r.calls[0], e.secret));
    await c.req('DELETE', `/v1/webhook-endpoints/${e.id}`);
  } finally { await r.close(); }
});

test('an event is not lost when the server is killed before delivering it', async () => {
  const down = await receiver();
  const port = down.port;
  await down.close(); // nothing listens there for now
  const s1 = await startServer({ args: ARGS });
  const k = createShop(s1.dbPath, 'Crash hooks');
  const c1 = client(s1, k.secret_key);
  await c1.post('/v1/webhook-endpoints', { url: `http://127.0.0.1:${port}/hook`, events: ['order.issued'] });
  const o = await c1.create({ amount: 999 });
  await sleep(ms(300)); // a failed attempt or two
  await s1.kill();
  const up = await receiver(() => 200, port);
  try {
    const s2 = await startServer({ db: s1.dbPath, args: ARGS });
    await until(() => up.calls.length >= 1, 'the delivery after the restart', ms(15000));
    assert.equal(up.calls[0].json.type, 'order.issued');
    assert.equal(up.calls[0].json.data.order.id, o.id);
    await s2.stop();
  } finally { await up.close(); }
});

test('live events never go to loopback or private addresses', async () => {
  const live = createShop(srv.dbPath, 'Live hooks', ['--live']);
  const lc = client(srv, live.secret_key);
  const e = (await lc.post('/v1/webhook-endpoints', { url: 'https://127.0.0.1:9/hook', events: ['order.issued'] })).json;
  assert.ok(e.id, JSON.stringify(e));
  // merchant data that looks like a test flag must not open the guard
  const o = await lc.create({ amount: 100, metadata: { test: true } });
  assert.equal(o.test, false);
  const evt = (await lc.events(o.id))[0];
  await until(async () => {
    const d = (await lc.get(`/v1/events/${evt.id}/deliveries`)).json.data;
    return d.length === 1 && d[0].status === 'failed';
  }, 'the delivery to be refused');
  const d = (await lc.get(`/v1/events/${evt.id}/deliveries`)).json.data[0];
  assert.equal(d.attempts, 1);
  assert.match(d.last_error, /private/);
});

test('GET /v1/events pages the shop\'s events, newest first', async () => {
  const s = await startServer({ args: ARGS });
  try {
    const k = createShop(s.dbPath, 'Event pages');
    const ck = client(s, k.secret_key);
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const o = await ck.create({ amount: 10 + i });
      ids.push((await ck.events(o.id))[0].id);
    }
    const seen = [];
    let cursor = null;
    for (let page = 0; page < 5; page++) {
      const r = await ck.get(`/v1/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200, r.text);
      seen.push(...r.json.data.map((e) => e.id));
      if (!r.json.has_more) break;
      cursor = encodeURIComponent(r.json.next_cursor);
    }
    assert.deepEqual(seen, ids.slice().reverse());
    const one = await ck.get(`/v1/events/${ids[0]}`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.id, ids[0]);
    assert.equal(one.json.type, 'order.issued');
    assert.equal(one.json.sequence, 1);
    assert.equal((await ck.get('/v1/events?limit=0')).status, 400);
    assert.equal((await ck.get('/v1/events?cursor=nope')).status, 400);
    const stranger = client(s, createShop(s.dbPath, 'Stranger').secret_key);
    assert.equal((await stranger.get('/v1/events')).json.data.length, 0);
    assert.equal((await stranger.get(`/v1/events/${ids[0]}/deliveries`)).status, 404);
    assert.equal((await stranger.get(`/v1/events/${ids[0]}`)).status, 404);
    assert.equal((await stranger.post(`/v1/events/${ids[0]}/redeliver`)).status, 404);
  } finally { await s.stop(); }
});

test('redeliver sends an event again, after a delivery gave up', async () => {
  let fail = true;
  const r = await receiver(() => (fail ? 404 : 200));
  try {
    const e = (await c.post('/v1/webhook-endpoints', { url: r.url, events: ['order.issued'] })).json;
    const o = await c.create({ amount: 33 });
    const evt = (await c.events(o.id))[0];
    await until(async () => (await c.get(`/v1/events/${evt.id}/deliveries`)).json.data
      .some((d) => d.status === 'failed'), 'the 404 to fail the delivery');
    fail = false;
    const again = await c.post(`/v1/events/${evt.id}/redeliver`);
    assert.equal(again.status, 202, again.text);
    assert.equal(again.json.queued, 1);
    await until(() => r.calls.length >= 2, 'the redelivery');
    assert.equal(r.calls[1].json.id, evt.id);
    // the worker records the outcome just after the receiver answered
    await until(async () => (await c.get(`/v1/events/${evt.id}/deliveries`)).json.data
      .some((d) => d.status === 'succeeded'), 'the redelivery to be recorded');
    const ds = (await c.get(`/v1/events/${evt.id}/deliveries`)).json.data;
    assert.deepEqual(ds.map((d) => d.status).sort(), ['failed', 'succeeded']);
    await c.req('DELETE', `/v1/webhook-endpoints/${e.id}`);
  } finally { await r.close(); }
});

test('obol events list and obol events redeliver, next to a running server', async () => {
  const r = await receiver();
  try {
    const e = (await c.post('/v1/webhook-endpoints', { url: r.url, events: ['order.issued'] })).json;
    const o = await c.create({ amount: 44 });
    const evt = (await c.events(o.id))[0];
    await until(() => r.calls.length >= 1, 'the first delivery');
    const list = cli(['events', 'list', '--shop', shop.id, '--limit', '5'], { db: srv.dbPath });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${evt.id}.*order\\.issued.*${o.id}`));
    const again = cli(['events', 'redeliver', evt.id, '--shop', shop.id], { db: srv.dbPath });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /1 deliveries queued/);
    await until(() => r.calls.length >= 2, 'the redelivery through the CLI');
    assert.equal(r.calls[1].json.id, evt.id);
    const missing = cli(['events', 'redeliver', 'evt_nope', '--shop', shop.id], { db: srv.dbPath });
    assert.notEqual(missing.status, 0);
    assert.notEqual(cli(['events', 'list'], { db: srv.dbPath }).status, 0);
    await c.req('DELETE', `/v1/webhook-endpoints/${e.id}`);
  } finally { await r.close(); }
});

test('a receiver that hangs past the timeout, or drops the connection, is retried', async () => {
  const s2 = await startServer({ args: [...ARGS, '--webhook-timeout-ms', '300'] });
  const hung = http.createServer(() => {}); // never answers
  let drops = 0;
  const rude = http.createServer((req) => { drops++; req.socket.destroy(); });
  await new Promise((r) => hung.listen(0, '127.0.0.1', r));
  await new Promise((r) => rude.listen(0, '127.0.0.1', r));
  try {
    const k = client(s2, createShop(s2.dbPath, 'Rude receivers').secret_key);
    await k.post('/v1/webhook-endpoints', { url: `http://127.0.0.1:${hung.address().port}/h`, events: ['order.issued'] });
    await k.post('/v1/webhook-endpoints', { url: `http://127.0.0.1:${rude.address().port}/r`, events: ['order.issued'] });
    const o = await k.create({ amount: 5 });
    const evt = (await k.events(o.id))[0];
    await until(async () => {
      const ds = (await k.get(`/v1/events/${evt.id}/deliveries`)).json.data;
      return ds.length === 2 && ds.every((d) => d.attempts >= 2 && d.status === 'pending');
    }, 'both deliveries to be retried', ms(15000));
    const ds = (await k.get(`/v1/events/${evt.id}/deliveries`)).json.data;
    for (const d of ds) {
      assert.equal(d.last_status, null);
      assert.ok(d.last_error, JSON.stringify(d));
      assert.ok(d.next_attempt_at);
    }
    assert.ok(ds.some((d) => /timed out|timeout/i.test(d.last_error)), JSON.stringify(ds));
    assert.ok(drops >= 2);
  } finally {
    hung.closeAllConnections?.();
    hung.close();
    rude.close();
    await s2.stop();
  }
});
