// Card numbers and CVCs live only in the request's memory (docs/payments.md):
// after payments through the API and the hosted page, neither the SQLite files
// (database, WAL, shared memory) nor the server's output contain them.
// SQLite only: the test reads the database files themselves.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createShop, cleanup } from './harness.mjs';
import { startOrdersServer, client } from './orders-helpers.mjs';

after(cleanup);

const RETURN_URL = 'https://shop.example.com/back';
const NUMBERS = ['4242424242424242', '4000000000000002', '4000000000003220', '5555555555554444',
  '378282246310005'];
const CVCS = ['987', '456', '6543'];

/** Every place a CVC value could show up next to its name. */
function cvcLeaks(text) {
  const hits = [];
  for (const v of CVCS) {
    const res = [
      new RegExp(`"cvc"\\s*:\\s*"?${v}`, 'i'),
      new RegExp(`cvc[^0-9a-z]{0,8}${v}(?![0-9])`, 'i'),
      new RegExp(`cvv[^0-9a-z]{0,8}${v}(?![0-9])`, 'i'),
      new RegExp(`security[ _-]?code[^0-9a-z]{0,8}${v}(?![0-9])`, 'i'),
    ];
    for (const re of res) {
      const m = re.exec(text);
      if (m) hits.push(text.slice(Math.max(0, m.index - 60), m.index + 60));
    }
  }
  return hits;
}

function assertClean(what, text) {
  for (const n of NUMBERS) {
    const i = text.indexOf(n);
    assert.equal(i, -1, `${what} contains the card number ${n}: ...${text.slice(Math.max(0, i - 80), i + 40)}...`);
  }
  const hits = cvcLeaks(text);
  assert.deepEqual(hits, [], `${what} contains a CVC`);
}

const card = (number, cvc) => ({ number, exp_month: 12, exp_year: 2030, cvc, holder: 'Ada Lovelace' });

/** Cookie-keeping form post of the hosted page. */
async function hostedPay(srv, order, number, cvc) {
  const url = `${srv.base}/pay/${order.token}`;
  const g = await fetch(url, { redirect: 'manual' });
  assert.equal(g.status, 200, `GET /pay: ${g.status}`);
  const cookies = (g.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const html = await g.text();
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)];
  const form = forms.find((f) => /name\s*=\s*["']?card_number/i.test(f[2]));
  assert.ok(form, `no card form on the hosted page: ${html.slice(0, 1500)}`);
  const fields = {};
  for (const m of form[2].matchAll(/<input\b([^>]*)>/gi)) {
    const name = /\bname\s*=\s*["']([^"']*)["']/i.exec(m[1])?.[1];
    const value = /\bvalue\s*=\s*["']([^"']*)["']/i.exec(m[1])?.[1] ?? '';
    const type = /\btype\s*=\s*["']?([a-z]+)/i.exec(m[1])?.[1]?.toLowerCase() ?? 'text';
    if (name && !['submit', 'button', 'radio', 'checkbox'].includes(type)) fields[name] = value.replace(/&amp;/g, '&');
  }
  Object.assign(fields, { card_number: number, exp_month: '12', exp_year: '2030', cvc, holder: 'Ada Lovelace' });
  // the method radio, if any: the card one
  const radios = [...form[2].matchAll(/<input\b([^>]*\btype\s*=\s*["']?radio[^>]*)>/gi)].map((m) => ({
    name: /\bname\s*=\s*["']([^"']*)["']/i.exec(m[1])?.[1],
    value: /\bvalue\s*=\s*["']([^"']*)["']/i.exec(m[1])?.[1],
  })).filter((r) => r.name);
  const cardRadio = radios.find((r) => /card/i.test(r.value || ''));
  if (cardRadio) fields[cardRadio.name] = cardRadio.value;
  const action = /\baction\s*=\s*["']([^"']*)["']/i.exec(form[1])?.[1]?.replace(/&amp;/g, '&') || `/pay/${order.token}`;
  const u = new URL(action, url);
  const p = await fetch(srv.base + u.pathname + u.search, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookies ? { cookie: cookies } : {}) },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await p.text();
  return { status: p.status, text };
}

test('no card number or CVC in the database files or the server output', async () => {
  const srv = await startOrdersServer();
  const a = client(srv, createShop(srv.dbPath, 'Secrets').secret_key);
  assert.equal((await a.patch('/v1/shop', { allowed_redirect_hosts: ['shop.example.com'] })).status, 200);
  const order = () => a.create({ products: [{ title: 'Widget', price: '12.50' }],
    client: { email: 'ada@example.com', country: 'DE' }, max_payment_attempts: 5 });
  const pay = (o, c, opts) => a.post(`/v1/orders/${o.id}/pay`,
    { payment_method: 'card', return_url: RETURN_URL, ip_address: '203.0.113.7', card: c }, opts);

  // approved, with an Idempotency-Key (the stored answer must not hold the card either)
  const o1 = await order();
  const r1 = await pay(o1, card('4242424242424242', '987'), { headers: { 'idempotency-key': 'secret-1' } });
  assert.equal(r1.status, 200, r1.text);
  assert.equal(r1.json.status, 'paid', r1.text);
  const uid = r1.json.transaction.uid;
  const replay = await pay(o1, card('4242424242424242', '987'), { headers: { 'idempotency-key': 'secret-1' } });
  assert.equal(replay.status, 200);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');

  // declined
  const o2 = await order();
  const r2 = await pay(o2, card('4000000000000002', '456'), { headers: { 'idempotency-key': 'secret-2' } });
  assert.equal(r2.status, 402, r2.text);
  assert.equal(r2.json.code, 'card_declined', r2.text);

  // refused by validation (past expiry): nothing stored, nothing logged
  const o3 = await order();
  const r3 = await pay(o3, { ...card('4242424242424242', '987'), exp_year: 2020, exp_month: 1 });
  assert.equal(r3.status, 400, r3.text);
  // a bad CVC length: the error must not echo it
  const r3b = await pay(o3, card('378282246310005', '987'));
  assert.equal(r3b.status, 400, r3b.text);

  // 3-D Secure: the card waits for the customer, still nothing of it is stored
  const o4 = await order();
  const r4 = await pay(o4, card('4000000000003220', '987'));
  assert.equal(r4.status, 200, r4.text);
  assert.equal(r4.json.action, 'redirect', r4.text);

  // integers are accepted too, and must not be stored either
  const o5 = await order();
  const r5 = await pay(o5, { number: 378282246310005, exp_month: 12, exp_year: 2030, cvc: 6543 });
  assert.equal(r5.status, 200, r5.text);

  // the hosted page's form
  const o6 = await order();
  const h = await hostedPay(srv, o6, '5555555555554444', '987');
  assert.ok(h.status === 303 || h.status === 200, `hosted pay: ${h.status} ${h.text.slice(0, 300)}`);
  assert.equal((await a.getOrder(o6.id)).status, 'paid', 'the hosted page paid the order');

  // no answer carries them
  for (const o of [o1, o2, o3, o4, o5, o6]) {
    const t = await a.get(`/v1/orders/${o.id}/transactions`);
    assert.equal(t.status, 200, t.text);
    assertClean(`transactions of ${o.id}`, t.text);
  }
  for (const r of [r1, replay, r2, r3, r3b, r4, r5]) assertClean('a pay answer', r.text);

  // the access log was on and saw the payments
  const access = srv.logs().filter((l) => l.event === 'http.access' && /\/pay$/.test(l.path || ''));
  assert.ok(access.length >= 7, `expected access lines for the pay calls, got ${access.length}`);

  // the files while the server runs (the WAL still holds the recent writes) ...
  const dbFiles = () => fs.readdirSync(srv.dir).filter((f) => f.startsWith(path.basename(srv.dbPath)));
  let live = '';
  for (const f of dbFiles()) {
    const text = fs.readFileSync(path.join(srv.dir, f)).toString('latin1');
    assertClean(`database file ${f} (server running)`, text);
    live += text;
  }
  assert.ok(live.includes(uid), 'the running files hold the payment (sanity check of the search)');

  // ... and after a clean stop
  const stopped = await srv.stop();
  assert.equal(stopped.code, 0, `exit ${JSON.stringify(stopped)}`);

  const files = dbFiles();
  assert.ok(files.includes(path.basename(srv.dbPath)), `no database file in ${srv.dir}: ${files}`);
  let all = '';
  for (const f of files) {
    const text = fs.readFileSync(path.join(srv.dir, f)).toString('latin1');
    assertClean(`database file ${f}`, text);
    all += text;
  }
  assert.ok(all.includes(uid), 'the files read hold the payment (sanity check of the search)');
  assert.ok(all.includes('4242'), 'the last 4 digits are kept');
  assertClean('stdout', srv.stdout());
  assertClean('stderr', srv.stderr());
});
