// Authentication of /v1/*: Bearer secret keys, 401s, revocation on a running
// server, extra keys, shop isolation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createShop, createKey, cli, request, assertError, cleanup, ms,
} from './harness.mjs';

after(cleanup);

let srv, a, b;

before(async () => {
  srv = await startServer();
  a = createShop(srv.dbPath, 'Shop A');
  b = createShop(srv.dbPath, 'Shop B');
});

function assert401(r) {
  assertError(r, 401, 'unauthorized');
  const w = r.headers.get('www-authenticate');
  assert.ok(w, 'no WWW-Authenticate header');
  assert.match(w, /^Bearer\b/);
}

test('no Authorization header: 401 unauthorized with WWW-Authenticate: Bearer', async () => {
  assert401(await request(srv.base, 'GET', '/v1/shop'));
  assert401(await request(srv.base, 'PATCH', '/v1/shop', { body: { name: 'x' } }));
});

test('a valid key authenticates GET /v1/shop', async () => {
  const r = await request(srv.base, 'GET', '/v1/shop', { key: a.secret_key });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.id, a.id);
});

test('unknown, malformed and wrong-scheme credentials are 401', async () => {
  const cases = {
    'unknown well-formed test key': `Bearer sk_test_${'0'.repeat(64)}`,
    'unknown well-formed live key': `Bearer sk_live_${'f'.repeat(64)}`,
    'valid key with one hex digit changed': `Bearer ${a.secret_key.slice(0, -1)}${a.secret_key.endsWith('0') ? '1' : '0'}`,
    'valid key truncated': `Bearer ${a.secret_key.slice(0, -2)}`,
    'valid key with a suffix': `Bearer ${a.secret_key}00`,
    'malformed key': 'Bearer sk_test_abc',
    'garbage': 'Bearer not-a-key',
    'empty bearer': 'Bearer ',
    'scheme only': 'Bearer',
    'Basic scheme with a valid key': `Basic ${a.secret_key}`,
    'Basic scheme, base64 key': `Basic ${Buffer.from(`${a.secret_key}:`).toString('base64')}`,
    'key without scheme': a.secret_key,
    'key id instead of key': `Bearer ${a.key_id}`,
  };
  for (const [what, value] of Object.entries(cases)) {
    const r = await request(srv.base, 'GET', '/v1/shop', { headers: { authorization: value } });
    assert.equal(r.status, 401, `${what}: got ${r.status} ${r.text}`);
    assert401(r);
  }
});

test('two shops: each key sees only its own shop', async () => {
  const ra = await request(srv.base, 'GET', '/v1/shop', { key: a.secret_key });
  const rb = await request(srv.base, 'GET', '/v1/shop', { key: b.secret_key });
  assert.equal(ra.status, 200);
  assert.equal(rb.status, 200);
  assert.equal(ra.json.id, a.id);
  assert.equal(rb.json.id, b.id);
  assert.notEqual(ra.json.id, rb.json.id);
  assert.equal(ra.json.name, 'Shop A');
  assert.equal(rb.json.name, 'Shop B');

  // a write with A's key changes A only
  const p = await request(srv.base, 'PATCH', '/v1/shop', { key: a.secret_key, body: { name: 'A changed' } });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.id, a.id);
  assert.equal((await request(srv.base, 'GET', '/v1/shop', { key: b.secret_key })).json.name, 'Shop B');
  assert.equal((await request(srv.base, 'GET', '/v1/shop', { key: a.secret_key })).json.name, 'A changed');
});

test('a second key made with `key create` works while the server runs, for the same shop', async () => {
  const k2 = createKey(srv.dbPath, a.id);
  const r = await request(srv.base, 'GET', '/v1/shop', { key: k2.secret_key });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.id, a.id);
  // the first key still works too
  const r1 = await request(srv.base, 'GET', '/v1/shop', { key: a.secret_key });
  assert.equal(r1.status, 200);
  // a live key for the same shop works as well
  const live = createKey(srv.dbPath, a.id, ['--live']);
  assert.match(live.secret_key, /^sk_live_[0-9a-f]{64}$/);
  const rl = await request(srv.base, 'GET', '/v1/shop', { key: live.secret_key });
  assert.equal(rl.status, 200, rl.text);
  assert.equal(rl.json.id, a.id);
});

test('a key revoked with `key revoke` on the running server fails within the key cache time (1 s)', async () => {
  const shop = createShop(srv.dbPath, 'Revoked shop');
  const k2 = createKey(srv.dbPath, shop.id);
  // use the key first so the server's key cache holds it
  for (let i = 0; i < 3; i++) {
    assert.equal((await request(srv.base, 'GET', '/v1/shop', { key: shop.secret_key })).status, 200);
  }
  const rv = cli(['key', 'revoke', shop.key_id], { db: srv.dbPath });
  assert.equal(rv.status, 0, rv.stderr);
  const revokedAt = Date.now();
  let first401 = null;
  while (Date.now() - revokedAt < ms(3000)) {
    const r = await request(srv.base, 'GET', '/v1/shop', { key: shop.secret_key });
    if (r.status === 401) { first401 = Date.now(); break; }
    assert.equal(r.status, 200, r.text);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(first401 !== null, 'the revoked key still worked 3 s after revocation');
  assert.ok(first401 - revokedAt <= ms(1500), `revocation took ${first401 - revokedAt} ms`);
  // once refused, always refused, for every method
  assert401(await request(srv.base, 'GET', '/v1/shop', { key: shop.secret_key }));
  assert401(await request(srv.base, 'PATCH', '/v1/shop', { key: shop.secret_key, body: { name: 'nope' } }));
  // the other key of that shop still works and the shop was not changed
  const r = await request(srv.base, 'GET', '/v1/shop', { key: k2.secret_key });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.name, 'Revoked shop');
});

test('with --key-cache-ms 0 a revoked key is 401 on the very next request', async () => {
  const nocache = await startServer({ args: ['--key-cache-ms', '0'] });
  try {
    const shop = createShop(nocache.dbPath, 'Uncached');
    assert.equal((await request(nocache.base, 'GET', '/v1/shop', { key: shop.secret_key })).status, 200);
    assert.equal(cli(['key', 'revoke', shop.key_id], { db: nocache.dbPath }).status, 0);
    assert401(await request(nocache.base, 'GET', '/v1/shop', { key: shop.secret_key }));
  } finally {
    await nocache.stop();
  }
});

test('a revoked key stays revoked after a restart', async () => {
  const shop = createShop(srv.dbPath, 'Revoked twice');
  assert.equal(cli(['key', 'revoke', shop.key_id], { db: srv.dbPath }).status, 0);
  const db = srv.dbPath;
  const e = await srv.stop();
  assert.equal(e.code, 0);
  srv = await startServer({ db });
  assert401(await request(srv.base, 'GET', '/v1/shop', { key: shop.secret_key }));
  const r = await request(srv.base, 'GET', '/v1/shop', { key: b.secret_key });
  assert.equal(r.status, 200);
});
