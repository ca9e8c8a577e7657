// Per-key rate limits (token bucket): 429 rate_limited with Retry-After,
// independence of keys, refill, /health exempt, --rate-limit 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createShop, request, assertError, cleanup, sleep,
} from './harness.mjs';

after(cleanup);

let srv, a, b;

before(async () => {
  srv = await startServer({ args: ['--rate-limit', '5', '--rate-burst', '5'] });
  a = createShop(srv.dbPath, 'Limited A');
  b = createShop(srv.dbPath, 'Limited B');
});

const shopGet = (key) => request(srv.base, 'GET', '/v1/shop', { key });

test('burst of 5 passes, more rapid requests are 429 rate_limited with Retry-After', async () => {
  const t0 = Date.now();
  const statuses = [];
  let first429 = null;
  for (let i = 0; i < 15; i++) {
    const r = await shopGet(a.secret_key);
    statuses.push(r.status);
    if (r.status === 429 && !first429) first429 = r;
  }
  const elapsed = (Date.now() - t0) / 1000;
  assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200], `statuses: ${statuses}`);
  assert.ok(first429, `no 429 in ${statuses}`);
  assertError(first429, 429, 'rate_limited');
  const ra = first429.headers.get('retry-after');
  assert.match(ra || '', /^\d+$/, `Retry-After: ${ra}`);
  assert.ok(Number(ra) >= 1, `Retry-After: ${ra}`);
  // at most burst + rate*elapsed (+1 for timing slack) may have passed
  const passed = statuses.filter((s) => s === 200).length;
  assert.ok(passed <= 5 + Math.ceil(5 * elapsed) + 1,
    `${passed} of 15 passed in ${elapsed.toFixed(2)} s with --rate-limit 5 --rate-burst 5: ${statuses}`);
  assert.ok(statuses.every((s) => s === 200 || s === 429), `statuses: ${statuses}`);
});

test('another shop\'s key is not limited by the first key\'s usage', async () => {
  // make sure A is exhausted right now
  let sawLimit = false;
  for (let i = 0; i < 10 && !sawLimit; i++) sawLimit = (await shopGet(a.secret_key)).status === 429;
  assert.ok(sawLimit, 'key A was never limited');
  for (let i = 0; i < 5; i++) {
    const r = await shopGet(b.secret_key);
    assert.equal(r.status, 200, `key B request ${i + 1}: ${r.status} ${r.text}`);
    assert.equal(r.json.id, b.id);
  }
});

test('/health and /ready are never rate limited, even with an exhausted key', async () => {
  for (let i = 0; i < 10; i++) await shopGet(a.secret_key);
  assert.equal((await shopGet(a.secret_key)).status, 429);
  for (let i = 0; i < 40; i++) {
    const h = await request(srv.base, 'GET', i % 2 ? '/ready' : '/health',
      { headers: { authorization: `Bearer ${a.secret_key}` } });
    assert.equal(h.status, 200, `request ${i}: ${h.status}`);
  }
});

test('after ~1.2 s the bucket refilled and requests succeed again', async () => {
  for (let i = 0; i < 10; i++) await shopGet(a.secret_key);
  assert.equal((await shopGet(a.secret_key)).status, 429);
  await sleep(1200);
  for (let i = 0; i < 4; i++) {
    const r = await shopGet(a.secret_key);
    assert.equal(r.status, 200, `request ${i + 1} after the pause: ${r.status}`);
  }
});

test('--rate-limit 0 switches limiting off: 300 rapid requests all succeed', async () => {
  const free = await startServer({ args: ['--rate-limit', '0', '--rate-burst', '1'] });
  try {
    const k = createShop(free.dbPath, 'Unlimited');
    const statuses = [];
    for (let i = 0; i < 30; i++) {
      const batch = await Promise.all(Array.from({ length: 10 },
        () => request(free.base, 'GET', '/v1/shop', { key: k.secret_key })));
      for (const r of batch) statuses.push(r.status);
    }
    assert.equal(statuses.length, 300);
    const bad = statuses.filter((s) => s !== 200);
    assert.deepEqual(bad, [], `${bad.length} of 300 were not 200`);
  } finally {
    await free.stop();
  }
});
