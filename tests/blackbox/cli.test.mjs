// The `obol` command line: version, help, usage errors, migrate, shop/key
// management, serve options (flags and environment), --demo.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  cli, createShop, startServer, request, makeTempDir, cleanup, ms, sleep,
} from './harness.mjs';

after(cleanup);

const SHOP_ID = /^shop_[0-9a-f]{24}$/;
const KEY_ID = /^key_[0-9a-f]{24}$/;
const TEST_KEY = /^sk_test_[0-9a-f]{64}$/;
const LIVE_KEY = /^sk_live_[0-9a-f]{64}$/;

function freshDb() {
  return path.join(makeTempDir(), 'obol.db');
}

test('--version prints the version and exits 0', () => {
  const r = cli(['--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.trim(), /^obol \d+\.\d+\.\d+\S*$/);
});

test('--help lists every command and exits 0', () => {
  const r = cli(['--help']);
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout;
  for (const c of ['serve', 'migrate', 'shop create', 'key create', 'key revoke']) {
    assert.ok(out.includes(c), `--help does not mention "${c}":\n${out}`);
  }
});

test('unknown command: non-zero exit and a message naming it on stderr', () => {
  const r = cli(['frobnicate']);
  assert.notEqual(r.status, 0);
  assert.equal(r.signal, null);
  assert.match(r.stderr, /frobnicate/);
});

test('unknown option: non-zero exit and a message on stderr', () => {
  const r = cli(['migrate', '--no-such-option'], { db: freshDb() });
  assert.notEqual(r.status, 0);
  assert.equal(r.signal, null);
  assert.match(r.stderr, /no-such-option/);
});

test('migrate creates the database, exit 0, and is idempotent', () => {
  const db = freshDb();
  const r1 = cli(['migrate'], { db });
  assert.equal(r1.status, 0, r1.stderr);
  assert.ok(fs.existsSync(db), 'database file not created');
  assert.ok(fs.statSync(db).size > 0, 'database file empty');
  const r2 = cli(['migrate'], { db });
  assert.equal(r2.status, 0, r2.stderr);
  // still usable after the second migrate
  const shop = createShop(db, 'after migrate');
  assert.match(shop.id, SHOP_ID);
});

test('shop create --json prints exactly one JSON object with id, secret_key, key_id', () => {
  const db = freshDb();
  const r = cli(['shop', 'create', '--name', 'Corner shop', '--json'], { db });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stdout}`);
  const o = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(o).sort(), ['id', 'key_id', 'secret_key']);
  assert.match(o.id, SHOP_ID);
  assert.match(o.secret_key, TEST_KEY);
  assert.match(o.key_id, KEY_ID);
  // a second shop gets different ids and key
  const o2 = createShop(db, 'Other');
  assert.notEqual(o2.id, o.id);
  assert.notEqual(o2.secret_key, o.secret_key);
  assert.notEqual(o2.key_id, o.key_id);
});

test('shop create without --name fails with a message', () => {
  const r = cli(['shop', 'create', '--json'], { db: freshDb() });
  assert.notEqual(r.status, 0);
  assert.equal(r.signal, null);
  assert.match(r.stderr, /name/i);
  assert.equal(r.stdout.trim(), '');
});

test('shop create --live makes an sk_live_ key', () => {
  const shop = createShop(freshDb(), 'Live shop', ['--live']);
  assert.match(shop.secret_key, LIVE_KEY);
});

test('key create --shop prints id, shop_id, secret_key; unknown shop fails', () => {
  const db = freshDb();
  const shop = createShop(db, 'Keys');
  const r = cli(['key', 'create', '--shop', shop.id, '--json'], { db });
  assert.equal(r.status, 0, r.stderr);
  const k = JSON.parse(r.stdout.trim());
  assert.deepEqual(Object.keys(k).sort(), ['id', 'secret_key', 'shop_id']);
  assert.match(k.id, KEY_ID);
  assert.equal(k.shop_id, shop.id);
  assert.match(k.secret_key, TEST_KEY);
  assert.notEqual(k.secret_key, shop.secret_key);
  assert.notEqual(k.id, shop.key_id);

  const bad = cli(['key', 'create', '--shop', 'shop_000000000000000000000000', '--json'], { db });
  assert.notEqual(bad.status, 0);
  assert.equal(bad.signal, null);
  assert.ok(bad.stderr.trim().length > 0, 'no message on stderr');
  const missing = cli(['key', 'create', '--json'], { db });
  assert.notEqual(missing.status, 0);
});

test('key revoke: exit 0 for a key, non-zero for an unknown or already revoked key', () => {
  const db = freshDb();
  const shop = createShop(db, 'Revoke');
  const r = cli(['key', 'revoke', shop.key_id], { db });
  assert.equal(r.status, 0, r.stderr);
  const unknown = cli(['key', 'revoke', 'key_000000000000000000000000'], { db });
  assert.notEqual(unknown.status, 0);
  assert.equal(unknown.signal, null);
  assert.ok(unknown.stderr.trim().length > 0, 'no message on stderr');
  const again = cli(['key', 'revoke', shop.key_id], { db });
  assert.notEqual(again.status, 0, 'revoking an already revoked key must fail (docs/cli.md)');
});

test('serve reads OBOL_DATABASE and OBOL_LISTEN from the environment', async () => {
  const dir = makeTempDir();
  const db = path.join(dir, 'env.db');
  const srv = await startServer({
    noDefaults: true,
    env: { OBOL_DATABASE: db, OBOL_LISTEN: '127.0.0.1:0', OBOL_PUBLIC_URL: 'http://127.0.0.1' },
  });
  try {
    assert.ok(srv.port > 0 && srv.port !== 8080, `port ${srv.port}: OBOL_LISTEN port 0 not used`);
    const h = await request(srv.base, 'GET', '/health');
    assert.equal(h.status, 200);
    assert.ok(fs.existsSync(db), 'OBOL_DATABASE file not created');
    // a shop created in that file authenticates on the running server
    const shop = createShop(db, 'Env shop');
    const r = await request(srv.base, 'GET', '/v1/shop', { key: shop.secret_key });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, shop.id);
  } finally {
    await srv.stop();
  }
});

test('serve accepts every documented option', async () => {
  const srv = await startServer({
    args: ['--rate-limit', '50', '--rate-burst', '60', '--body-limit', '4096',
      '--idle-timeout', '10', '--threads', '2', '--no-access-log'],
  });
  try {
    const h = await request(srv.base, 'GET', '/health');
    assert.equal(h.status, 200);
  } finally {
    const e = await srv.stop();
    assert.equal(e.code, 0);
  }
});

for (const [name, args] of [
  ['--listen nonsense', ['--listen', 'nonsense']],
  ['--listen with a bad port', ['--listen', '127.0.0.1:99999']],
  ['--rate-limit -1', ['--listen', '127.0.0.1:0', '--rate-limit', '-1']],
  ['--rate-burst abc', ['--listen', '127.0.0.1:0', '--rate-burst', 'abc']],
  ['--body-limit 12x', ['--listen', '127.0.0.1:0', '--body-limit', '12x']],
  ['--threads -3', ['--listen', '127.0.0.1:0', '--threads', '-3']],
  ['--idle-timeout with no value', ['--listen', '127.0.0.1:0', '--idle-timeout']],
  ['unknown serve option', ['--listen', '127.0.0.1:0', '--frobnicate']],
]) {
  test(`serve ${name}: non-zero exit with a message`, () => {
    const db = freshDb();
    const r = cli(['serve', ...args], { db, timeout: ms(10000) });
    assert.equal(r.signal, null, `serve did not exit by itself (it started?): ${r.stderr}`);
    assert.notEqual(r.status, 0);
    assert.ok(r.stderr.trim().length > 0, 'no message on stderr');
  });
}

async function waitStdout(srv, re, timeout) {
  const deadline = Date.now() + timeout;
  while (!re.test(srv.stdout()) && Date.now() < deadline) await sleep(50);
  return srv.stdout();
}

test('serve --demo creates one demo shop and prints its id and key once', async () => {
  const db = freshDb();
  const srv = await startServer({ db, args: ['--demo'] });
  let shopId, key;
  try {
    const out = await waitStdout(srv, /sk_test_[0-9a-f]{64}/, ms(3000));
    const mShop = /shop_[0-9a-f]{24}/.exec(out);
    const mKey = /sk_test_[0-9a-f]{64}/.exec(out);
    assert.ok(mShop, `no shop id on stdout:\n${out}`);
    assert.ok(mKey, `no secret key on stdout:\n${out}`);
    shopId = mShop[0];
    key = mKey[0];
    const r = await request(srv.base, 'GET', '/v1/shop', { key });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, shopId);
  } finally {
    await srv.stop();
  }
  const srv2 = await startServer({ db, args: ['--demo'] });
  try {
    await sleep(ms(500));
    const out2 = srv2.stdout();
    assert.doesNotMatch(out2, /sk_(test|live)_/, `second --demo start printed a key:\n${out2}`);
    const other = (out2.match(/shop_[0-9a-f]{24}/g) || []).filter((s) => s !== shopId);
    assert.deepEqual(other, [], `second --demo start created another shop:\n${out2}`);
    const r = await request(srv2.base, 'GET', '/v1/shop', { key });
    assert.equal(r.status, 200);
    assert.equal(r.json.id, shopId);
  } finally {
    await srv2.stop();
  }
});
