// Durability: a write acknowledged with 200 survives kill -9. Eight writers
// PATCH their own shop's name to w-1, w-2, ... sequentially; the server is
// SIGKILLed mid-load and restarted on the same database.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  startServer, createShop, request, cleanup, SLOW,
} from './harness.mjs';

after(cleanup);

function patchName(port, key, name) {
  const body = JSON.stringify({ name });
  return new Promise((resolve) => {
    const req = http.request({
      host: '127.0.0.1', port, method: 'PATCH', path: '/v1/shop', agent: false,
      headers: {
        authorization: `Bearer ${key}`, 'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { /* ignore */ }
        resolve({ status: res.statusCode, json });
      });
      res.on('error', () => resolve({ status: 0 }));
    });
    req.on('error', () => resolve({ status: 0 }));
    req.end(body);
  });
}

test('acknowledged writes survive kill -9', { timeout: 120000 }, async (t) => {
  const srv = await startServer({ args: ['--rate-limit', '0'] });
  const shops = [];
  for (let i = 0; i < 8; i++) shops.push(createShop(srv.dbPath, `crash-${i}`));

  let killed = false;
  const writers = shops.map(async (shop) => {
    const st = { lastAcked: 0, lastSent: 0, errors: [] };
    for (let n = 1; !killed; n++) {
      st.lastSent = n;
      const r = await patchName(srv.port, shop.secret_key, `w-${n}`);
      if (r.status === 0) break; // connection died with the server
      if (r.status !== 200) { st.errors.push(r.status); break; }
      assert.equal(r.json?.name, `w-${n}`);
      st.lastAcked = n; // a 200 that arrived is an acknowledgement, even after the kill
    }
    return st;
  });

  await new Promise((r) => setTimeout(r, 1500 * (SLOW > 1 ? 2 : 1)));
  srv.proc.kill('SIGKILL');
  const exit = await srv.waitExit(10000);
  killed = true;
  assert.equal(exit.signal, 'SIGKILL',
    `server exited by itself under load before the kill: ${JSON.stringify(exit)}\n${srv.stderr().split('\n').filter((l) => !l.includes('"http.access"')).slice(-30).join('\n')}`);
  const states = await Promise.all(writers);

  for (const st of states) assert.deepEqual(st.errors, [], 'a writer got a non-200 answer before the kill');
  const total = states.reduce((a, s) => a + s.lastAcked, 0);
  t.diagnostic(`${total} acknowledged writes before the kill`);
  assert.ok(total > 100, `only ${total} acknowledged writes before the kill`);

  const again = await startServer({ db: srv.dbPath, args: ['--rate-limit', '0'] });
  try {
    for (let i = 0; i < shops.length; i++) {
      const r = await request(again.base, 'GET', '/v1/shop', { key: shops[i].secret_key });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.id, shops[i].id);
      const m = /^w-(\d+)$/.exec(r.json.name);
      const stored = m ? Number(m[1]) : 0;
      const { lastAcked } = states[i];
      assert.ok(stored >= lastAcked,
        `shop ${i}: stored w-${stored} but w-${lastAcked} was acknowledged (lost an acknowledged write)`);
      assert.ok(stored <= lastAcked + 1,
        `shop ${i}: stored w-${stored}, last acknowledged w-${lastAcked}, never sent beyond w-${states[i].lastSent}`);
    }
  } finally {
    await again.stop();
  }
});
