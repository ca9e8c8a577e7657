// Connection handling and process lifecycle: keep-alive, slow clients,
// idle timeout, graceful shutdown on SIGTERM/SIGINT.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  startServer, createShop, request, RawConn, rawRequest, cleanup, ms, sleep,
} from './harness.mjs';

after(cleanup);

/** node:http request; resolves {status, body, socket}. */
function httpRequest(opts, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(opts, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), socket: req.socket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('keep-alive: 1000 sequential GET /health on one TCP connection all succeed', async () => {
  const srv = await startServer();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const sockets = new Set();
    const ports = new Set();
    for (let i = 0; i < 1000; i++) {
      const r = await httpRequest({ host: '127.0.0.1', port: srv.port, path: '/health', agent });
      assert.equal(r.status, 200, `request ${i}: ${r.status}`);
      assert.equal(r.body, '{"status":"ok"}');
      sockets.add(r.socket);
      ports.add(r.socket.localPort);
    }
    assert.equal(sockets.size, 1, `${sockets.size} sockets used`);
    assert.equal(ports.size, 1, `${ports.size} local ports used`);
  } finally {
    agent.destroy();
    await srv.stop();
  }
});

test('keep-alive: pipelined requests on one raw socket are answered in order', async () => {
  const srv = await startServer();
  const c = await RawConn.open(srv.port);
  try {
    let reqs = '';
    for (let i = 0; i < 20; i++) {
      reqs += `GET ${i % 3 === 2 ? '/nope' : '/health'} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: pipe-${i}\r\n\r\n`;
    }
    await c.write(reqs);
    for (let i = 0; i < 20; i++) {
      const r = await c.readResponse(ms(5000));
      assert.equal(r.status, i % 3 === 2 ? 404 : 200, `response ${i}`);
      assert.equal(r.headers['x-request-id'], `pipe-${i}`);
    }
    assert.equal(c.closed, false, 'server closed a keep-alive connection');
  } finally {
    c.destroy();
    await srv.stop();
  }
});

test('a slow client trickling one byte per second does not block other clients', async () => {
  // one worker thread: a server that blocks on a slow client would stall
  const srv = await startServer({ args: ['--threads', '1'] });
  const req = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: slowpoke\r\n\r\n';
  const slow = await Promise.all([0, 1, 2].map(() => RawConn.open(srv.port)));
  let trickling = true;
  let sent = 0;
  const trickle = (async () => {
    while (trickling && sent < req.length) {
      await Promise.all(slow.map((c) => c.write(req[sent])));
      sent++;
      await sleep(1000);
    }
  })();
  try {
    await sleep(1200); // two bytes are in: the server is inside the request line
    const t0 = Date.now();
    for (let i = 0; i < 50; i++) {
      const t = Date.now();
      const r = await rawRequest(srv.port, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', ms(5000));
      const took = Date.now() - t;
      assert.equal(r.status, 200, `request ${i}`);
      assert.ok(took < 1000, `request ${i} took ${took} ms while a slow client trickled`);
    }
    assert.ok(sent < req.length, 'the slow clients finished before the test did');
    assert.ok(Date.now() - t0 < 10000);
    trickling = false;
    await trickle;
    // the slow clients were kept: finishing their requests gets them answered
    await Promise.all(slow.map((c) => c.write(req.slice(sent))));
    for (const c of slow) {
      const r = await c.readResponse(ms(5000));
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-request-id'], 'slowpoke');
    }
  } finally {
    trickling = false;
    await trickle.catch(() => {});
    for (const c of slow) c.destroy();
    await srv.stop();
  }
});

test('--idle-timeout 2 closes silent connections after ~2 s, not at once', async () => {
  const srv = await startServer({ args: ['--idle-timeout', '2'] });
  try {
    const t0 = Date.now();
    const silent = await RawConn.open(srv.port);
    // a connection that made one keep-alive request and then went quiet
    const used = await RawConn.open(srv.port);
    await used.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    assert.equal((await used.readResponse()).status, 200);
    const t1 = Date.now();

    await sleep(1000);
    assert.equal(silent.closed, false, 'silent connection closed after 1 s already');
    assert.equal(used.closed, false, 'idle keep-alive connection closed after 1 s already');

    const upper = 5000 + (ms(1000) - 1000);
    const c0 = await silent.waitClose(upper + 1000);
    const c1 = await used.waitClose(upper + 1000);
    const d0 = c0 - t0;
    const d1 = c1 - t1;
    assert.ok(d0 >= 1500 && d0 <= upper, `silent connection closed after ${d0} ms`);
    assert.ok(d1 >= 1500 && d1 <= upper, `idle keep-alive connection closed after ${d1} ms`);
    // still serving
    assert.equal((await request(srv.base, 'GET', '/health')).status, 200);
  } finally {
    await srv.stop();
  }
});

test('SIGTERM with 50 PATCHes in flight: all answered 200, exit 0, writes durable', async () => {
  const srv = await startServer();
  const shop = createShop(srv.dbPath, 'Before shutdown');
  const pre = await request(srv.base, 'PATCH', '/v1/shop', { key: shop.secret_key, body: { country: 'FR' } });
  assert.equal(pre.status, 200, pre.text);

  const N = 50;
  const names = Array.from({ length: N }, (_, i) => `g-${i}`);
  const flushed = [];
  const responses = names.map((name) => new Promise((resolve) => {
    const body = JSON.stringify({ name, contact_phone: `+1 555 ${String(names.indexOf(name)).padStart(4, '0')}` });
    const req = http.request({
      host: '127.0.0.1', port: srv.port, method: 'PATCH', path: '/v1/shop', agent: false,
      headers: {
        authorization: `Bearer ${shop.secret_key}`, 'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => resolve({ status: 0, error: e.message }));
    });
    req.on('error', (e) => resolve({ status: 0, error: e.message }));
    flushed.push(new Promise((r) => req.on('finish', r)));
    req.end(body);
  }));
  await Promise.all(flushed); // every request is written to its socket
  const t0 = Date.now();
  srv.proc.kill('SIGTERM');
  const results = await Promise.all(responses);
  const exit = await srv.waitExit(ms(10000));
  const took = Date.now() - t0;

  const bad = results.map((r, i) => [i, r]).filter(([, r]) => r.status !== 200);
  assert.deepEqual(bad.map(([i, r]) => `${i}: ${r.status} ${r.error || r.body}`), [],
    `requests sent before SIGTERM did not all get 200 (exit ${JSON.stringify(exit)})\n` +
    srv.rawLines().filter((l) => !l.includes('"http.access"')).slice(-20).join('\n'));
  const bodies = results.map((r) => JSON.parse(r.body));
  for (const b of bodies) {
    assert.ok(names.includes(b.name), `unexpected name in a response: ${b.name}`);
    assert.equal(b.country, 'FR');
  }
  assert.deepEqual(exit, { code: 0, signal: null }, `exit: ${JSON.stringify(exit)}\n${srv.stderr().slice(-3000)}`);
  assert.ok(took < ms(5000), `shutdown took ${took} ms`);

  const again = await startServer({ db: srv.dbPath });
  try {
    const r = await request(again.base, 'GET', '/v1/shop', { key: shop.secret_key });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.country, 'FR');
    assert.ok(names.includes(r.json.name), `stored name ${r.json.name} is none of the PATCHed ones`);
    // the stored shop is exactly the state one of the PATCHes answered with
    const match = bodies.some((b) => JSON.stringify(b) === JSON.stringify(r.json));
    assert.ok(match, `stored shop ${r.text} equals no acknowledged state`);
  } finally {
    await again.stop();
  }
});

test('SIGTERM with idle keep-alive connections open still exits 0 promptly', async () => {
  const srv = await startServer();
  const conns = await Promise.all([0, 1, 2, 3].map(() => RawConn.open(srv.port)));
  try {
    for (const c of conns.slice(0, 2)) {
      await c.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      assert.equal((await c.readResponse()).status, 200);
    }
    // conns[2] sends half a request, conns[3] nothing
    await conns[2].write('GET /hea');
    await sleep(100);
    const t0 = Date.now();
    const exit = await srv.stop('SIGTERM', ms(15000));
    const took = Date.now() - t0;
    assert.deepEqual(exit, { code: 0, signal: null }, srv.stderr().slice(-3000));
    assert.ok(took < ms(5000), `shutdown with idle connections took ${took} ms`);
  } finally {
    for (const c of conns) c.destroy();
  }
});

test('SIGINT stops the server gracefully with exit 0', async () => {
  const srv = await startServer();
  assert.equal((await request(srv.base, 'GET', '/health')).status, 200);
  const exit = await srv.stop('SIGINT', ms(10000));
  assert.deepEqual(exit, { code: 0, signal: null }, srv.stderr().slice(-3000));
});
