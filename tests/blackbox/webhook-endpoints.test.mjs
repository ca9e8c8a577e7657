// Webhook endpoints: create (the secret shown once), list, read, patch,
// rotate the secret, delete; validation; shops see only their own.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, createShop, createKey } from './harness.mjs';
import { startOrdersServer, client } from './orders-helpers.mjs';

after(cleanup);

const SECRET = /^whsec_[0-9a-f]{64}$/;
let srv, c, other;
before(async () => {
  srv = await startOrdersServer();
  c = client(srv, createShop(srv.dbPath, 'Hooks').secret_key);
  other = client(srv, createShop(srv.dbPath, 'Other hooks').secret_key);
});

test('create shows the secret once; list and read never do', async () => {
  const r = await c.post('/v1/webhook-endpoints', {
    url: 'http://127.0.0.1:9/hook', events: ['order.payment_success', 'order.dispute_*'],
    description: 'main',
  });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.id, /^we_[0-9a-f]{24}$/);
  assert.equal(r.json.object, 'webhook_endpoint');
  assert.deepEqual(r.json.events, ['order.payment_success', 'order.dispute_*']);
  assert.equal(r.json.enabled, true);
  assert.match(r.json.secret, SECRET);
  const list = await c.get('/v1/webhook-endpoints');
  assert.equal(list.status, 200);
  const mine = list.json.data.find((e) => e.id === r.json.id);
  assert.ok(mine);
  assert.equal(mine.secret, undefined);
  const one = await c.get(`/v1/webhook-endpoints/${r.json.id}`);
  assert.equal(one.status, 200);
  assert.equal(one.json.secret, undefined);
  assert.equal(one.json.description, 'main');
});

test('events default to ["*"]; a body-less create needs a url', async () => {
  const r = await c.post('/v1/webhook-endpoints', { url: 'https://hooks.example/x' });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.events, ['*']);
  const none = await c.post('/v1/webhook-endpoints', {});
  assert.equal(none.status, 400);
  assert.ok(none.json.error.fields.url);
});

test('invalid fields are 400 naming each one, and nothing is created', async () => {
  const before = (await c.get('/v1/webhook-endpoints')).json.data.length;
  const r = await c.post('/v1/webhook-endpoints', {
    url: 'ftp://x', events: ['order.nope', 5], description: 7, colour: 'red',
  });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error.code, 'validation_error');
  for (const f of ['url', 'events[0]', 'events[1]', 'description', 'colour']) {
    assert.ok(r.json.error.fields[f], `${f} missing in ${r.text}`);
  }
  const empty = await c.post('/v1/webhook-endpoints', { url: 'https://a.example/', events: [] });
  assert.equal(empty.status, 400);
  assert.equal((await c.get('/v1/webhook-endpoints')).json.data.length, before);
});

test('a live key needs an https url', async () => {
  const live = createShop(srv.dbPath, 'Live hooks', ['--live']);
  const lc = client(srv, live.secret_key);
  const r = await lc.post('/v1/webhook-endpoints', { url: 'http://hooks.example/x' });
  assert.equal(r.status, 400, r.text);
  assert.ok(r.json.error.fields.url);
  assert.equal((await lc.post('/v1/webhook-endpoints', { url: 'https://hooks.example/x' })).status, 201);
});

test('patch enables, disables and changes events; bad patches change nothing', async () => {
  const e = (await c.post('/v1/webhook-endpoints', { url: 'https://p.example/' })).json;
  const off = await c.patch(`/v1/webhook-endpoints/${e.id}`, { enabled: false, events: ['order.cancelled'] });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.json.enabled, false);
  assert.deepEqual(off.json.events, ['order.cancelled']);
  assert.equal(off.json.secret, undefined);
  const bad = await c.patch(`/v1/webhook-endpoints/${e.id}`, { enabled: 'yes', url: 'nope' });
  assert.equal(bad.status, 400);
  const now = (await c.get(`/v1/webhook-endpoints/${e.id}`)).json;
  assert.equal(now.enabled, false);
  assert.equal(now.url, 'https://p.example/');
});

test('rotate-secret returns a new secret; grace_seconds is bounded', async () => {
  const e = (await c.post('/v1/webhook-endpoints', { url: 'https://r.example/' })).json;
  const r = await c.post(`/v1/webhook-endpoints/${e.id}/rotate-secret`, { grace_seconds: 60 });
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.secret, SECRET);
  assert.notEqual(r.json.secret, e.secret);
  const bad = await c.post(`/v1/webhook-endpoints/${e.id}/rotate-secret`, { grace_seconds: 10000000 });
  assert.equal(bad.status, 400);
  assert.ok(bad.json.error.fields.grace_seconds);
});

test('another shop\'s endpoint is 404 everywhere; delete removes it', async () => {
  const e = (await c.post('/v1/webhook-endpoints', { url: 'https://d.example/' })).json;
  for (const [m, p] of [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['POST', '/rotate-secret']]) {
    const r = await other.req(m, `/v1/webhook-endpoints/${e.id}${p}`, m === 'PATCH' ? { body: { enabled: false } } : {});
    assert.equal(r.status, 404, `${m} ${p}: ${r.text}`);
  }
  assert.equal((await c.get(`/v1/webhook-endpoints/${e.id}`)).json.enabled, true);
  const d = await c.req('DELETE', `/v1/webhook-endpoints/${e.id}`);
  assert.equal(d.status, 200, d.text);
  assert.deepEqual(d.json, { id: e.id, object: 'webhook_endpoint', deleted: true });
  assert.equal((await c.get(`/v1/webhook-endpoints/${e.id}`)).status, 404);
  assert.equal((await c.req('DELETE', `/v1/webhook-endpoints/${e.id}`)).status, 404);
});

test('an extra key of the shop sees the same endpoints', async () => {
  const shop = createShop(srv.dbPath, 'Two keys');
  const k2 = createKey(srv.dbPath, shop.id);
  const a = client(srv, shop.secret_key);
  const b = client(srv, k2.secret_key);
  const e = (await a.post('/v1/webhook-endpoints', { url: 'https://k.example/' })).json;
  assert.equal((await b.get(`/v1/webhook-endpoints/${e.id}`)).status, 200);
});
