// Shared helpers for Obol's black-box tests: start the real binary on a
// loopback port with a fresh SQLite database, run CLI commands, talk HTTP.
// Node 20 built-ins only. Every test file calls `after(cleanup)` so servers
// are killed and temp dirs removed even when a test fails.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.OBOL_BIN
  ? path.resolve(process.env.OBOL_BIN)
  : path.join(REPO_ROOT, 'build', 'obol');

// The sanitizer build is several times slower: stretch timeouts for it.
export const SLOW = /asan|san/i.test(BIN) || !!process.env.OBOL_TEST_SLOW ? 3 : 1;
export const ms = (n) => Math.round(n * SLOW);

/** With OBOL_TEST_POSTGRES=postgres://user@host:port, every server gets a
 * fresh PostgreSQL database instead of a SQLite file. */
export const PG_URL = process.env.OBOL_TEST_POSTGRES || '';
let databases = 0;
function createDatabase() {
  const name = `t_${process.pid}_${++databases}`;
  const r = spawnSync('psql', [`${PG_URL}/postgres`, '-q', '-c', `CREATE DATABASE ${name}`],
    { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`createdb ${name}: ${r.stderr}`);
  return `${PG_URL}/${name}`;
}

export const sleep = (n) => new Promise((r) => setTimeout(r, n));

const servers = new Set();     // running
const allServers = new Set();  // ever started (for error reports)
const tempDirs = new Set();

export function makeTempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obol-bb-'));
  tempDirs.add(dir);
  return dir;
}

/** Kill every server this file started and delete every temp dir. */
export async function cleanup() {
  for (const s of [...servers]) {
    try { await s.kill(); } catch { /* already gone */ }
  }
  for (const d of [...tempDirs]) {
    try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ }
    tempDirs.delete(d);
  }
}

// Last resort if the test process dies without running `after` hooks.
process.on('exit', () => {
  for (const s of servers) { try { s.proc.kill('SIGKILL'); } catch { /* ignore */ } }
  for (const d of tempDirs) { try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ } }
});

/**
 * Start `obol serve`.
 * opts.db: database path (default: <fresh temp dir>/obol.db)
 * opts.args: extra arguments; opts.env: extra environment
 * opts.noDefaults: do not pass --listen/--database/--public-url (env-only tests)
 * Resolves once the "server.listening" log line arrived.
 */
export function startServer(opts = {}) {
  const { env = {}, args = [], noDefaults = false } = opts;
  let dir, dbPath;
  if (opts.db) {
    dbPath = opts.db;
    dir = PG_URL ? makeTempDir() : path.dirname(dbPath);
  } else {
    dir = makeTempDir();
    dbPath = PG_URL ? createDatabase() : path.join(dir, 'obol.db');
  }
  const fullArgs = noDefaults
    ? ['serve', ...args]
    : ['serve', '--listen', '127.0.0.1:0', '--database', dbPath,
       '--public-url', 'http://127.0.0.1', ...args];
  const proc = spawn(BIN, fullArgs, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  const lines = [];
  let partial = '';
  let exited = null;
  const exitWaiters = [];
  const lineWaiters = [];

  const server = {
    proc, dir, dbPath, port: 0, base: '',
    logs: () => lines.map((l) => { try { return JSON.parse(l); } catch { return null; } })
      .filter((x) => x && typeof x === 'object'),
    rawLines: () => lines.slice(),
    stderr: () => stderr,
    stdout: () => stdout,
    exitInfo: () => exited,
    /** Resolves {code, signal} when the process has exited. */
    waitExit(timeout = ms(15000)) {
      if (exited) return Promise.resolve(exited);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`server did not exit within ${timeout} ms`)), timeout);
        exitWaiters.push((e) => { clearTimeout(t); resolve(e); });
      });
    },
    /** Send a signal (default SIGTERM) and wait for the exit; SIGKILL after the timeout. */
    async stop(signal = 'SIGTERM', timeout = ms(15000)) {
      if (exited) return exited;
      proc.kill(signal);
      try {
        return await server.waitExit(timeout);
      } catch (e) {
        proc.kill('SIGKILL');
        await server.waitExit(5000).catch(() => {});
        throw e;
      }
    },
    async kill() {
      if (exited) return exited;
      proc.kill('SIGKILL');
      return server.waitExit(10000);
    },
    /** Wait until a parsed log line satisfies pred. */
    waitLog(pred, timeout = ms(5000)) {
      const found = server.logs().find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        const t = setTimeout(() => {
          lineWaiters.splice(lineWaiters.indexOf(w), 1);
          reject(new Error('log line not seen within ' + timeout + ' ms'));
        }, timeout);
        w.resolve = (x) => { clearTimeout(t); resolve(x); };
        lineWaiters.push(w);
      });
    },
  };
  servers.add(server);
  allServers.add(server);

  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d) => { stdout += d; });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => {
    stderr += d;
    partial += d;
    let i;
    while ((i = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, i);
      partial = partial.slice(i + 1);
      lines.push(line);
      let obj = null;
      try { obj = JSON.parse(line); } catch { /* not JSON */ }
      if (obj) {
        for (const w of [...lineWaiters]) {
          if (w.pred(obj)) { lineWaiters.splice(lineWaiters.indexOf(w), 1); w.resolve(obj); }
        }
      }
    }
  });
  proc.on('exit', (code, signal) => {
    exited = { code, signal };
    servers.delete(server);
    for (const w of exitWaiters.splice(0)) w(exited);
  });

  return new Promise((resolve, reject) => {
    const timeout = ms(20000);
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not report server.listening within ${timeout} ms; stderr:\n${stderr}`));
    }, timeout);
    const onExit = (code, signal) => {
      clearTimeout(t);
      reject(new Error(`server exited early (code ${code}, signal ${signal}); stderr:\n${stderr}`));
    };
    proc.once('exit', onExit);
    proc.once('error', (e) => { clearTimeout(t); reject(e); });
    server.waitLog((o) => o.event === 'server.listening' && Number.isInteger(o.port), timeout)
      .then((o) => {
        clearTimeout(t);
        proc.off('exit', onExit);
        server.port = o.port;
        server.base = `http://127.0.0.1:${o.port}`;
        resolve(server);
      }, () => {});
  });
}

/** Run the binary synchronously. opts.db adds `--database DB`. */
export function cli(args, opts = {}) {
  const full = opts.db ? [...args, '--database', opts.db] : [...args];
  const r = spawnSync(BIN, full, {
    encoding: 'utf8',
    env: { ...process.env, ...(opts.env || {}) },
    timeout: opts.timeout ?? ms(20000),
    killSignal: 'SIGKILL',
  });
  if (r.error && r.error.code !== 'ETIMEDOUT') throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** `obol shop create --name NAME --json`; returns {id, secret_key, key_id}. */
export function createShop(db, name = 'Test shop', extra = []) {
  const r = cli(['shop', 'create', '--name', name, '--json', ...extra], { db });
  assert.equal(r.status, 0, `shop create failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim());
}

/** `obol key create --shop ID --json`; returns {id, shop_id, secret_key}. */
export function createKey(db, shopId, extra = []) {
  const r = cli(['key', 'create', '--shop', shopId, '--json', ...extra], { db });
  assert.equal(r.status, 0, `key create failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim());
}

/**
 * fetch wrapper. body (non-Buffer) is JSON-encoded with Content-Type
 * application/json unless headers set one; rawBody is sent as is.
 */
export async function request(base, method, p, opts = {}) {
  const { key, body, rawBody, headers = {}, signal } = opts;
  const h = { ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  let payload;
  if (rawBody !== undefined) {
    payload = rawBody;
  } else if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
      h['content-type'] = 'application/json';
    }
  }
  let res;
  try {
    res = await fetch(base + p, { method, headers: h, body: payload, signal });
  } catch (e) {
    // Say why: most often the server died (a crash, a sanitizer report).
    const srv = [...allServers].find((s) => s.base === base);
    if (srv) {
      await sleep(200);
      const why = srv.exitInfo() ? `server exited: ${JSON.stringify(srv.exitInfo())}` : 'server still running';
      const tail = srv.rawLines().filter((l) => !l.includes('"http.access"')).slice(-40).join('\n');
      e.message += ` (${method} ${p}; ${why})\n${tail}`;
    }
    throw e;
  }
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, json, text };
}

/** Assert an error response: status, JSON content type, {error:{code,message,fields?}}. */
export function assertError(res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.ok(res.json && typeof res.json === 'object', `error body is not JSON: ${res.text}`);
  const e = res.json.error;
  assert.ok(e && typeof e === 'object', `no error object: ${res.text}`);
  assert.equal(e.code, code, `error code: ${res.text}`);
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.length > 0, 'empty error message');
  if ('fields' in e) {
    assert.ok(e.fields && typeof e.fields === 'object' && !Array.isArray(e.fields),
      `fields must be an object: ${res.text}`);
  }
  return e;
}

// ---------------------------------------------------------------- raw sockets

/** Parse one HTTP/1.1 response at the start of buf; null if incomplete. */
export function parseResponse(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = buf.subarray(0, end).toString('latin1');
  const [statusLine, ...hl] = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) throw new Error('bad status line: ' + statusLine);
  const headers = {};
  for (const l of hl) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let rest = buf.subarray(end + 4);
  const status = Number(m[1]);
  if (headers['transfer-encoding'] && /chunked/i.test(headers['transfer-encoding'])) {
    const chunks = [];
    let off = 0;
    for (;;) {
      const le = rest.indexOf('\r\n', off);
      if (le < 0) return null;
      const size = parseInt(rest.subarray(off, le).toString('latin1'), 16);
      if (rest.length < le + 2 + size + 2) return null;
      if (size === 0) {
        const tEnd = rest.indexOf('\r\n\r\n', le);
        const consumed = tEnd >= 0 ? tEnd + 4 : le + 4;
        return { status, headers, body: Buffer.concat(chunks).toString('utf8'), length: end + 4 + consumed };
      }
      chunks.push(rest.subarray(le + 2, le + 2 + size));
      off = le + 2 + size + 2;
    }
  }
  const len = headers['content-length'] !== undefined ? Number(headers['content-length'])
    : (status === 204 || status === 304 || (status >= 100 && status < 200)) ? 0 : -1;
  if (len < 0) return null; // body until close: caller handles with closed flag
  if (rest.length < len) return null;
  return { status, headers, body: rest.subarray(0, len).toString('utf8'), length: end + 4 + len };
}

/** A raw TCP connection to the server with a small HTTP response reader. */
export class RawConn {
  static open(port, host = '127.0.0.1') {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host });
      s.once('connect', () => resolve(new RawConn(s)));
      s.once('error', reject);
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    this.closed = false;
    this.error = null;
    this.closedAt = 0;
    this.waiters = [];
    socket.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this._wake(); });
    socket.on('error', (e) => { this.error = e; });
    socket.on('close', () => { this.closed = true; this.closedAt = Date.now(); this._wake(); });
  }

  _wake() { for (const w of this.waiters.splice(0)) w(); }

  _wait(timeout) {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`raw socket: nothing within ${timeout} ms`)), timeout);
      this.waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  write(data) {
    return new Promise((resolve, reject) => {
      if (this.closed || this.socket.destroyed) { reject(new Error('socket closed')); return; }
      this.socket.write(data, (e) => (e ? reject(e) : resolve()));
    });
  }

  /** Next complete response; throws if the connection closed without one. */
  async readResponse(timeout = ms(5000)) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const r = parseResponse(this.buf);
      if (r) { this.buf = this.buf.subarray(r.length); return r; }
      if (this.closed) {
        // response without length: body until close
        const end = this.buf.indexOf('\r\n\r\n');
        if (end >= 0) {
          const head = parseResponse(Buffer.concat([this.buf.subarray(0, end), Buffer.from('\r\nContent-Length: 0\r\n\r\n')]));
          if (head) {
            const body = this.buf.subarray(end + 4).toString('utf8');
            this.buf = Buffer.alloc(0);
            return { ...head, body };
          }
        }
        throw new Error('connection closed before a complete response' +
          (this.buf.length ? `: ${this.buf.toString('latin1').slice(0, 200)}` : ''));
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no complete response within ${timeout} ms`);
      await this._wait(left);
    }
  }

  /** Resolves the close time once the server closed the connection (or rejects on timeout). */
  async waitClose(timeout = ms(5000)) {
    const deadline = Date.now() + timeout;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`connection still open after ${timeout} ms`);
      await this._wait(left).catch(() => {});
    }
    return this.closedAt;
  }

  destroy() { this.socket.destroy(); }
}

/** One request on a fresh raw connection; resolves the response or {closed:true}. */
export async function rawRequest(port, data, timeout = ms(5000)) {
  const c = await RawConn.open(port);
  try {
    await c.write(data).catch(() => {});
    try {
      return await c.readResponse(timeout);
    } catch (e) {
      if (c.closed) return { closed: true, status: 0 };
      throw e;
    }
  } finally {
    c.destroy();
  }
}

export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
