// The HTTP layer: health/readiness, content type, request ids, error shape,
// routing (404/405), body limits (413), media type (415), JSON parsing
// errors, oversized headers, access log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createShop, request, assertError, rawRequest, RawConn,
  cleanup, ms, sleep,
  PG_URL,
} from './harness.mjs';

after(cleanup);

let srv, shop;      // default settings
let small, sshop;   // --body-limit 1024

before(async () => {
  srv = await startServer();
  shop = createShop(srv.dbPath, 'HTTP shop');
  small = await startServer({ args: ['--body-limit', '1024'] });
  sshop = createShop(small.dbPath, 'Small shop');
});

const JSON_CT = 'application/json; charset=utf-8';

async function getShop(s = srv, k = shop.secret_key) {
  const r = await request(s.base, 'GET', '/v1/shop', { key: k });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

test('GET /health is 200 {"status":"ok"} without auth', async () => {
  const r = await request(srv.base, 'GET', '/health');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), JSON_CT);
  assert.deepEqual(r.json, { status: 'ok' });
});

test('GET /ready is 200 {"status":"ready","database":<backend>} without auth', async () => {
  const r = await request(srv.base, 'GET', '/ready');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), JSON_CT);
  assert.deepEqual(r.json, { status: 'ready', database: PG_URL ? 'postgres' : 'sqlite' });
});

test('X-Request-Id: echoed when given, generated req_ ids otherwise, all different', async () => {
  const mine = 'trace-0123456789-abc.DEF_ghi';
  const a = await request(srv.base, 'GET', '/health', { headers: { 'x-request-id': mine } });
  assert.equal(a.headers.get('x-request-id'), mine);
  // also on errors and authenticated requests
  const e = await request(srv.base, 'GET', '/no/such/route', { headers: { 'x-request-id': 'err-1' } });
  assert.equal(e.headers.get('x-request-id'), 'err-1');
  const s = await request(srv.base, 'GET', '/v1/shop', { key: shop.secret_key, headers: { 'x-request-id': 'shop-1' } });
  assert.equal(s.headers.get('x-request-id'), 'shop-1');

  const ids = new Set();
  for (let i = 0; i < 20; i++) {
    const r = await request(srv.base, 'GET', i % 2 ? '/health' : '/nope');
    const id = r.headers.get('x-request-id');
    assert.ok(id, 'no X-Request-Id on a response');
    assert.match(id, /^req_[0-9A-Za-z]+$/);
    ids.add(id);
  }
  assert.equal(ids.size, 20, 'generated request ids repeat');
});

test('X-Request-Id: a 300-character id is not echoed, a generated one is used', async () => {
  const long = 'x'.repeat(300);
  const r = await request(srv.base, 'GET', '/health', { headers: { 'x-request-id': long } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('x-request-id') || '', /^req_/);
});

test('unknown routes are 404 not_found', async () => {
  assertError(await request(srv.base, 'GET', '/nope'), 404, 'not_found');
  assertError(await request(srv.base, 'GET', '/healthz'), 404, 'not_found');
  assertError(await request(srv.base, 'GET', '/v1/nothing-here', { key: shop.secret_key }), 404, 'not_found');
  assertError(await request(srv.base, 'GET', '/v1/shop/extra', { key: shop.secret_key }), 404, 'not_found');
});

test('wrong method on a known path is 405 method_not_allowed with Allow', async () => {
  const d = await request(srv.base, 'DELETE', '/health');
  assertError(d, 405, 'method_not_allowed');
  assert.match(d.headers.get('allow') || '', /\bGET\b/);

  const p = await request(srv.base, 'POST', '/v1/shop', { key: shop.secret_key, body: {} });
  assertError(p, 405, 'method_not_allowed');
  const allow = p.headers.get('allow') || '';
  assert.match(allow, /\bGET\b/, `Allow: ${allow}`);
  assert.match(allow, /\bPATCH\b/, `Allow: ${allow}`);
  assert.doesNotMatch(allow, /\bPOST\b/);

  const r = await request(srv.base, 'PUT', '/ready', { body: {} });
  assertError(r, 405, 'method_not_allowed');
});

test('body over --body-limit is 413 body_too_large; just under is accepted', async () => {
  const big = JSON.stringify({ name: 'y'.repeat(2048) });
  const r = await request(small.base, 'PATCH', '/v1/shop', { key: sshop.secret_key, body: big });
  assertError(r, 413, 'body_too_large');
  assert.equal((await getShop(small, sshop.secret_key)).name, 'Small shop');

  // valid JSON of 1000 bytes (padded with whitespace) is processed normally
  const core = JSON.stringify({ name: 'under limit' });
  const under = core.slice(0, -1) + ' '.repeat(1000 - core.length) + '}';
  assert.equal(Buffer.byteLength(under), 1000);
  const ok = await request(small.base, 'PATCH', '/v1/shop', { key: sshop.secret_key, body: under });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.name, 'under limit');

  // and the server still answers
  assert.equal((await request(small.base, 'GET', '/health')).status, 200);
});

test('default body limit is 1 MiB: 1.1 MB is 413, 900 kB of valid JSON is not', async () => {
  const head = (len) => 'PATCH /v1/shop HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
    `Authorization: Bearer ${shop.secret_key}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${len}\r\nConnection: close\r\n\r\n`;
  const bigLen = 1100000;
  const big = Buffer.alloc(bigLen, 0x20);
  big.write('{"name":"too big"', 0);
  big.write('}', bigLen - 1);
  const c = await RawConn.open(srv.port);
  try {
    // Send the body piecewise and stop as soon as the answer arrives: writing
    // on after the server closed would reset the connection and lose it.
    await c.write(head(bigLen)).catch(() => {});
    for (let off = 0; off < bigLen && c.buf.length === 0 && !c.closed; off += 65536) {
      await c.write(big.subarray(off, off + 65536)).catch(() => {});
      if (off === 0) await sleep(ms(300));
    }
    const r = await c.readResponse(ms(10000));
    assert.equal(r.status, 413, r.body);
    assert.equal(JSON.parse(r.body).error.code, 'body_too_large');
  } finally {
    c.destroy();
  }

  const core = JSON.stringify({ name: 'nine hundred k' });
  const under = core.slice(0, -1) + ' '.repeat(900000 - core.length) + '}';
  const ok = await request(srv.base, 'PATCH', '/v1/shop', { key: shop.secret_key, body: under });
  assert.equal(ok.status, 200, ok.text.slice(0, 300));
  assert.equal(ok.json.name, 'nine hundred k');
});

test('a chunked body over --body-limit is 413 body_too_large', async () => {
  const body = JSON.stringify({ name: 'z'.repeat(3000) });
  const chunks = [body.slice(0, 1500), body.slice(1500)]
    .map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('') + '0\r\n\r\n';
  const r = await rawRequest(small.port, 'PATCH /v1/shop HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
    `Authorization: Bearer ${sshop.secret_key}\r\nContent-Type: application/json\r\n` +
    `Transfer-Encoding: chunked\r\n\r\n${chunks}`, ms(5000));
  assert.equal(r.status, 413, JSON.stringify(r));
  assert.equal(JSON.parse(r.body).error.code, 'body_too_large');
  assert.notEqual((await getShop(small, sshop.secret_key)).name, 'z'.repeat(3000));
});

test('a body without Content-Type: application/json is 415; charset parameter is fine', async () => {
  const before = await getShop();
  const t = await request(srv.base, 'PATCH', '/v1/shop', {
    key: shop.secret_key, body: '{"name":"plain"}', headers: { 'content-type': 'text/plain' },
  });
  assertError(t, 415, 'unsupported_media_type');
  const none = await request(srv.base, 'PATCH', '/v1/shop', {
    key: shop.secret_key, rawBody: Buffer.from('{"name":"no type"}'),
  });
  assertError(none, 415, 'unsupported_media_type');
  assert.equal((await getShop()).name, before.name);

  const ok = await request(srv.base, 'PATCH', '/v1/shop', {
    key: shop.secret_key, body: '{"name":"charset ok"}',
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.name, 'charset ok');
});

test('syntax error is 400 invalid_json with line and column', async () => {
  const r = await request(srv.base, 'PATCH', '/v1/shop', {
    key: shop.secret_key, body: '{\n "name": }',
  });
  const e = assertError(r, 400, 'invalid_json');
  assert.ok(Number.isInteger(e.line), `line: ${r.text}`);
  assert.ok(Number.isInteger(e.column), `column: ${r.text}`);
  assert.equal(e.line, 2, r.text);
  assert.ok(e.column >= 1, r.text);
  assert.match(e.message, /\b2\b/, `message does not mention line 2: ${e.message}`);
});

for (const [what, body] of [
  ['duplicate keys', Buffer.from('{"name":"a","name":"b"}')],
  ['invalid UTF-8 in a string', Buffer.concat([Buffer.from('{"name":"ab'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')])],
  ['an overlong UTF-8 encoding', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])],
  ['trailing data', Buffer.from('{"name":"a"} x')],
  ['a second JSON value', Buffer.from('{"name":"a"}{"name":"b"}')],
  ['a truncated object', Buffer.from('{"name":"a"')],
  ['an empty body', Buffer.from('   ')],
]) {
  test(`${what} is 400 invalid_json and changes nothing`, async () => {
    const before = await getShop();
    const r = await request(srv.base, 'PATCH', '/v1/shop', {
      key: shop.secret_key, rawBody: body, headers: { 'content-type': 'application/json' },
    });
    const e = assertError(r, 400, 'invalid_json');
    assert.ok(Number.isInteger(e.line) && Number.isInteger(e.column), `line/column: ${r.text}`);
    assert.deepEqual(await getShop(), before);
  });
}

test('a JSON array body ([1]) is 400 invalid_body', async () => {
  for (const body of ['[1]', '[]', '[{"name":"x"}]']) {
    const r = await request(srv.base, 'PATCH', '/v1/shop', { key: shop.secret_key, body });
    assertError(r, 400, 'invalid_body');
  }
});

test('a JSON scalar body ("name", 42, null, true) is 400 invalid_body, not invalid_json', async () => {
  for (const body of ['"name"', '42', 'null', 'true']) {
    const r = await request(srv.base, 'PATCH', '/v1/shop', { key: shop.secret_key, body });
    assertError(r, 400, 'invalid_body');
  }
});

test('a 100 kB request header is refused (4xx or close) and the server keeps serving', async () => {
  const req = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
    `X-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`;
  const r = await rawRequest(srv.port, req, ms(10000));
  if (!r.closed) {
    assert.ok(r.status === 431 || r.status === 413 || r.status === 400,
      `expected 431/413 (or close), got ${r.status}`);
  }
  // many header lines adding up to > 32 KiB as well
  let many = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n';
  for (let i = 0; i < 2000; i++) many += `X-H${i}: ${'b'.repeat(40)}\r\n`;
  const r2 = await rawRequest(srv.port, many + '\r\n', ms(10000));
  if (!r2.closed) assert.ok(r2.status >= 400 && r2.status < 500, `got ${r2.status}`);

  for (let i = 0; i < 5; i++) {
    const h = await request(srv.base, 'GET', '/health');
    assert.equal(h.status, 200);
  }
});

test('access log: one http.access line per request with id, method, path, status, duration, shop', async () => {
  const tag = `acc-${Date.now()}`;
  const h = await request(srv.base, 'GET', '/health', { headers: { 'x-request-id': `${tag}-h` } });
  assert.equal(h.status, 200);
  const s = await request(srv.base, 'GET', '/v1/shop', { key: shop.secret_key, headers: { 'x-request-id': `${tag}-s` } });
  assert.equal(s.status, 200);
  const n = await request(srv.base, 'GET', '/v1/missing', { key: shop.secret_key, headers: { 'x-request-id': `${tag}-n` } });
  assert.equal(n.status, 404);
  const p = await request(srv.base, 'PATCH', '/v1/shop', { key: shop.secret_key, body: { name: 'logged' } });
  assert.equal(p.status, 200);
  const genId = p.headers.get('x-request-id');

  const isAccess = (id) => (o) => o.event === 'http.access' && o.request_id === id;
  const lh = await srv.waitLog(isAccess(`${tag}-h`));
  const ls = await srv.waitLog(isAccess(`${tag}-s`));
  const ln = await srv.waitLog(isAccess(`${tag}-n`));
  const lp = await srv.waitLog(isAccess(genId));

  assert.equal(lh.method, 'GET');
  assert.equal(lh.path, '/health');
  assert.equal(lh.status, 200);
  assert.equal(typeof lh.duration_ms, 'number');
  assert.ok(lh.duration_ms >= 0);

  assert.equal(ls.method, 'GET');
  assert.equal(ls.path, '/v1/shop');
  assert.equal(ls.status, 200);
  assert.equal(ls.shop_id, shop.id);
  assert.equal(typeof ls.duration_ms, 'number');

  assert.equal(ln.status, 404);
  assert.equal(ln.path, '/v1/missing');

  assert.equal(lp.method, 'PATCH');
  assert.equal(lp.status, 200);
  assert.equal(lp.shop_id, shop.id);

  await sleep(200);
  for (const id of [`${tag}-h`, `${tag}-s`, `${tag}-n`, genId]) {
    const count = srv.logs().filter(isAccess(id)).length;
    assert.equal(count, 1, `${count} access lines for ${id}`);
  }
});

test('the secret key never appears in the log', async () => {
  const unknown = 'sk_test_' + 'ab'.repeat(32);
  await request(srv.base, 'GET', '/v1/shop', { key: shop.secret_key });
  await request(srv.base, 'GET', '/v1/shop', { key: unknown });
  await request(srv.base, 'GET', '/v1/shop', { headers: { authorization: `Basic ${shop.secret_key}` } });
  await request(srv.base, 'GET', '/v1/shop', { headers: { authorization: `Bearer ${shop.secret_key}x` } });
  await request(srv.base, 'PATCH', '/v1/shop', { key: shop.secret_key, body: '{oops' });
  await sleep(300);
  const err = srv.stderr() + srv.stdout();
  const secretHex = shop.secret_key.slice('sk_test_'.length);
  assert.ok(!err.includes(secretHex), 'secret key found in the server output');
  assert.ok(!err.includes(unknown.slice(8)), 'presented (unknown) key found in the server output');
});

test('--no-access-log writes no http.access lines', async () => {
  const quiet = await startServer({ args: ['--no-access-log'] });
  try {
    const k = createShop(quiet.dbPath, 'Quiet');
    assert.equal((await request(quiet.base, 'GET', '/health')).status, 200);
    assert.equal((await request(quiet.base, 'GET', '/v1/shop', { key: k.secret_key })).status, 200);
    assert.equal((await request(quiet.base, 'GET', '/nope')).status, 404);
    await sleep(300);
    const access = quiet.logs().filter((o) => o.event === 'http.access');
    assert.deepEqual(access, []);
    assert.ok(quiet.logs().some((o) => o.event === 'server.listening'));
  } finally {
    await quiet.stop();
  }
});

test('responses carry a JSON content type, a JSON body and a request id', async () => {
  for (const [m, p] of [['GET', '/health'], ['GET', '/ready'], ['GET', '/nope'], ['GET', '/v1/shop'], ['DELETE', '/v1/shop']]) {
    const r = await request(srv.base, m, p);
    assert.equal(r.headers.get('content-type'), JSON_CT, `${m} ${p}`);
    assert.ok(r.headers.get('x-request-id'), `${m} ${p}: no X-Request-Id`);
    assert.ok(r.json !== null, `${m} ${p}: body is not JSON`);
  }
});
