// The example integrations, end to end against the real server:
// examples/storefront-shop (seed 001's headless flow as a web shop) and
// examples/sessions-backend (seed 004's sessions, return and callback racing).
// Each example runs as a child process on a free loopback port; a small
// browser (node:http, cookies, redirects, forms, the auto-submit script)
// plays the customer.
import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { cleanup, createShop, startServer, REPO_ROOT, ms, sleep } from './harness.mjs';
import { client } from './orders-helpers.mjs';

after(cleanup);

// --------------------------------------------------------------- plumbing

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Obol with its public URL on its real port, so that the URLs it hands out
// (3-D Secure, bank, wallet, hosted page) work for the browser as they are.
async function startObol() {
  for (let i = 0; ; i++) {
    const port = await freePort();
    try {
      return await startServer({ args: ['--listen', `127.0.0.1:${port}`,
        '--public-url', `http://127.0.0.1:${port}`, '--rate-limit', '0'] });
    } catch (e) {
      if (i >= 2) throw e; // the port was taken meanwhile: another one
    }
  }
}

const children = new Set();
after(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await Promise.race([gone, sleep(3000)]);
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
  }
});

/** Runs examples/<name>/server.mjs on a free port; resolves {base, logs(), proc}. */
function startExample(name, env) {
  const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'examples', name, 'server.mjs')], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  let out = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name} did not start: ${out}`)), ms(10000));
    proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`${name} exited (${code}): ${out}`)); });
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) { clearTimeout(t); resolve({ base: m[1], proc, logs: () => out.slice(-3000) }); }
    });
  });
}

// --------------------------------------------------------------- a browser

const decode = (s) => s.replace(/&(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos);/gi, (_, e) => {
  if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
  return { amp: '&', lt: '<', gt: '>', quot: '"', apos: '\'' }[e.toLowerCase()];
});

function attrs(tag) {
  const a = {};
  for (const m of tag.matchAll(/([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    a[m[1].toLowerCase()] = decode(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return a;
}

/** The forms of a page: [{action, method, fields, html}]; successful controls only. */
function forms(html) {
  const out = [];
  for (const f of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const a = attrs(f[1]);
    const fields = {};
    for (const i of f[2].matchAll(/<input\b([^>]*)>/gi)) {
      const x = attrs(i[1]);
      if (!x.name) continue;
      const type = (x.type || 'text').toLowerCase();
      if ((type === 'checkbox' || type === 'radio') && !('checked' in x)) continue;
      fields[x.name] = x.value ?? (type === 'checkbox' ? 'on' : '');
    }
    for (const s of f[2].matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
      const x = attrs(s[1]);
      const opts = [...s[2].matchAll(/<option\b([^>]*)>/gi)].map((o) => attrs(o[1]));
      const chosen = opts.find((o) => 'selected' in o) || opts[0];
      if (x.name && chosen) fields[x.name] = chosen.value ?? '';
    }
    out.push({ action: a.action ?? '', method: (a.method || 'get').toUpperCase(), fields, html: f[0] });
  }
  return out;
}

/** A customer's browser: cookies per host, follows redirects (303 → GET),
 * submits forms, runs the one script these pages have (a form's auto-submit).
 * Connects from `localAddress`, so the shop sees that as the customer's IP. */
class Browser {
  constructor(localAddress = '127.0.0.1') {
    this.localAddress = localAddress;
    this.cookies = new Map(); // host:port -> Map(name -> value)
    this.visited = [];        // every URL requested, in order
  }

  raw(method, url, body) {
    const u = new URL(url);
    const jar = this.cookies.get(u.host);
    const headers = { accept: 'text/html' };
    if (jar?.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(body);
    }
    this.visited.push(`${method} ${url}`);
    return new Promise((resolve, reject) => {
      const req = http.request({ method, host: u.hostname, port: u.port, path: u.pathname + u.search,
        headers, localAddress: this.localAddress, agent: false, timeout: ms(20000) }, (res) => {
        for (const c of [res.headers['set-cookie'] || []].flat()) {
          const [pair] = c.split(';');
          const i = pair.indexOf('=');
          if (!this.cookies.has(u.host)) this.cookies.set(u.host, new Map());
          this.cookies.get(u.host).set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, html: text, url }));
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timeout`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** A request, its redirects followed; then, like a browser running the page's
   * `document.forms[...].submit()`, the auto-submitted form. */
  async go(method, url, form) {
    let body = form === undefined ? undefined : new URLSearchParams(form).toString();
    for (let hops = 0; hops < 20; hops++) {
      const r = await this.raw(method, url, body);
      if ([301, 302, 303, 307, 308].includes(r.status) && r.headers.location) {
        url = new URL(r.headers.location, url).href;
        if (r.status !== 307 && r.status !== 308) { method = 'GET'; body = undefined; }
        continue;
      }
      if (/<script>\s*document\.forms\[[^\]]*\]\.submit\(\)\s*<\/script>/.test(r.html)) {
        const f = forms(r.html).at(-1);
        assert.ok(f, `an auto-submit script without a form: ${r.html}`);
        url = new URL(f.action || url, url).href;
        method = f.method;
        body = new URLSearchParams(f.fields).toString();
        continue;
      }
      return r;
    }
    throw new Error('too many redirects');
  }

  get(url) { return this.go('GET', url); }

  /** Submits the form of `page` holding the button `#buttonId` (or the
   * form with that id), with `changes` applied to its fields. */
  submit(page, buttonId, changes = {}) {
    const f = forms(page.html).find((x) => x.html.includes(`id="${buttonId}"`));
    assert.ok(f, `no form with #${buttonId} on ${page.url}: ${page.html.slice(0, 2000)}`);
    const fields = { ...f.fields, ...changes };
    for (const [k, v] of Object.entries(fields)) if (v === undefined) delete fields[k];
    return this.go(f.method, new URL(f.action || page.url, page.url).href, fields);
  }
}

const text = (html, id) => {
  const m = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</`).exec(html);
  return m ? decode(m[1]).trim() : null;
};

// --------------------------------------------------------------- the storefront

describe('examples/storefront-shop: seed 001\'s headless flow as a web shop', () => {
  const CUSTOMER_IP = '127.0.0.5'; // the browser connects from here
  const AFFILIATE = '<img id="aff-pixel" src="https://affiliate.example/p.gif?shop=tea" alt="">';
  let srv, c, shop;

  before(async () => {
    srv = await startObol();
    const s = createShop(srv.dbPath, 'Tea shop');
    c = client(srv, s.secret_key);
    const p = await c.patch('/v1/shop', { allowed_redirect_hosts: ['127.0.0.1'], affiliate_html: AFFILIATE });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.affiliate_html, AFFILIATE);
    shop = await startExample('storefront-shop', { OBOL_URL: srv.base, OBOL_KEY: s.secret_key });
  });

  /** The cart page's form, filled in and submitted. */
  async function checkout(b, changes) {
    const cart = await b.get(`${shop.base}/`);
    assert.equal(cart.status, 200);
    return b.submit(cart, 'pay', { tea: '2', mug: '1', ...changes });
  }
  const orderIdOf = (page) => {
    const id = text(page.html, 'order') ?? /\/payment\/(?:return|failed)\/(ord_[0-9a-f]+)/.exec(page.url)?.[1];
    assert.match(id ?? '', /^ord_[0-9a-f]+$/, `no order id on ${page.url}: ${page.html.slice(0, 1500)}\n${shop.logs()}`);
    return id;
  };
  const assertReceipt = (page, id) => {
    assert.equal(page.status, 200, `${page.url}: ${page.html.slice(0, 1500)}\n${shop.logs()}`);
    assert.ok(page.html.includes('id="receipt"'), page.html);
    assert.equal(text(page.html, 'order'), id);
    assert.equal(text(page.html, 'amount'), '33.00 EUR');
    assert.equal(text(page.html, 'payment-status'), 'paid');
    assert.ok(page.html.includes(`<div id="affiliate">${AFFILIATE}</div>`),
      `the shop's affiliate HTML is injected as it is: ${page.html}`);
  };
  async function theTransaction(id) {
    const txs = (await c.get(`/v1/orders/${id}/transactions`)).json.data;
    assert.equal(txs.length, 1, JSON.stringify(txs));
    return txs[0];
  }

  test('card 4242…: the cart becomes an order, paid at once; receipt with affiliate HTML; the customer\'s IP sent', { timeout: ms(30000) }, async () => {
    const b = new Browser(CUSTOMER_IP);
    const page = await checkout(b);
    const id = orderIdOf(page);
    assertReceipt(page, id);
    assert.equal(new URL(page.url).pathname, '/checkout', 'shown at once, no redirect');
    const order = await c.getOrder(id);
    assert.equal(order.status, 'paid');
    assert.equal(order.amount, 3300, '2 × 12.50 + 8.00');
    assert.equal(order.currency, 'EUR');
    assert.deepEqual(order.products.map((p) => [p.title, p.quantity]),
      [['Green tea, 100 g', 2], ['Stoneware mug', 1]]);
    assert.equal(order.client.first_name, 'Kari');
    assert.equal(order.client.country, 'NO');
    const tx = await theTransaction(id);
    assert.equal(tx.status, 'successful');
    assert.equal(tx.customer_ip, CUSTOMER_IP, 'the shop sends the address its customer came from');
    assert.equal(text(page.html, 'transaction'), tx.uid);
    // the receipt page again, from GET /v1/orders/{id}/receipt
    const again = await b.get(`${shop.base}/receipt/${id}`);
    assertReceipt(again, id);
    const none = await c.create({ amount: 100, currency: 'EUR' });
    const missing = await b.get(`${shop.base}/receipt/${none.id}`);
    assert.equal(missing.status, 404);
    assert.ok(missing.html.includes('id="no-receipt"'));
  });

  test('3-D Secure 4000…3220: redirected to the challenge, approved, back on paymentReturnPage; payment-result gives the receipt', { timeout: ms(30000) }, async () => {
    const b = new Browser(CUSTOMER_IP);
    const challenge = await checkout(b, { card_number: '4000000000003220' });
    assert.equal(challenge.status, 200);
    assert.match(challenge.url, new RegExp(`^${srv.base}/sandbox/3ds/txn_`), 'the shop sent the browser to Obol\'s challenge');
    assert.ok(b.visited.some((v) => v === `POST ${shop.base}/checkout`));
    const back = await b.submit(challenge, 'approve');
    const landing = new URL(back.url);
    const id = orderIdOf(back);
    assert.equal(landing.pathname, `/payment/return/${id}`);
    const tx = await theTransaction(id);
    assert.equal(landing.searchParams.get('transaction_id'), tx.uid);
    assertReceipt(back, id);
    assert.equal(text(back.html, 'transaction'), tx.uid, 'the receipt payment-result answered');
    assert.equal(tx.status, 'successful');
    assert.equal(tx.three_d_secure?.status, 'authenticated');
    assert.equal(tx.customer_ip, CUSTOMER_IP);
    assert.equal((await c.getOrder(id)).status, 'paid');
  });

  test('3-D Secure failed: back on paymentFailedPage, which shows payment-result\'s error; with "retry", the payment page instead', { timeout: ms(30000) }, async () => {
    const b = new Browser(CUSTOMER_IP);
    const challenge = await checkout(b, { card_number: '4000000000003220' });
    const failed = await b.submit(challenge, 'fail');
    const id = orderIdOf(failed);
    assert.equal(new URL(failed.url).pathname, `/payment/failed/${id}`);
    assert.equal(failed.status, 402, failed.html);
    assert.equal(text(failed.html, 'code'), 'authentication_failed');
    assert.match(failed.html, /<li>3-D Secure authentication failed\.<\/li>/);
    assert.equal((await c.getOrder(id)).status, 'failed');

    const again = await checkout(b, { card_number: '4000000000003220', retry: '1' });
    const payPage = await b.submit(again, 'fail');
    const [order] = await c.listAll(); // the newest
    assert.equal(payPage.url, order.checkout_url, 'redirect_to_payment: back to the payment page');
    assert.equal(payPage.status, 200);
    assert.ok(b.visited.some((v) => v.startsWith(`GET ${shop.base}/payment/failed/${order.id}/retry?transaction_id=txn_`)),
      b.visited.join('\n'));
  });

  test('a declined card 4000…0002: the error message is shown, the order is not paid', { timeout: ms(30000) }, async () => {
    const b = new Browser(CUSTOMER_IP);
    const page = await checkout(b, { card_number: '4000000000000002' });
    assert.equal(page.status, 402, page.html);
    assert.equal(text(page.html, 'code'), 'card_declined');
    assert.match(page.html, /<ul id="messages" class="error"><li>Your card was declined\.<\/li><\/ul>/);
    assert.ok(!page.html.includes('id="receipt"'));
    const [latest] = await c.listAll();
    assert.equal(latest.status, 'failed');
    const tx = await theTransaction(latest.id);
    assert.equal(tx.code, 'card_declined');
    assert.equal(tx.customer_ip, CUSTOMER_IP);
    // and a form error names what is wrong
    const terms = await checkout(b, { terms: undefined });
    assert.equal(terms.status, 400, terms.html);
    assert.equal(text(terms.html, 'code'), 'validation_error');
    assert.match(text(terms.html, 'messages'), /\S/);
  });

  test('bank transfer: the form Obol answers is injected and submits itself; the bank approves; receipt', { timeout: ms(30000) }, async () => {
    const b = new Browser(CUSTOMER_IP);
    const bank = await checkout(b, { method: 'bank_transfer' });
    assert.match(bank.url, new RegExp(`^${srv.base}/sandbox/bank/txn_`), b.visited.join('\n'));
    assert.ok(b.visited.some((v) => v.startsWith(`POST ${srv.base}/sandbox/bank/`)), 'the injected form was posted');
    const back = await b.submit(bank, 'approve');
    const id = orderIdOf(back);
    assert.equal(new URL(back.url).pathname, `/payment/return/${id}`);
    assertReceipt(back, id);
    const tx = await theTransaction(id);
    assert.equal(tx.payment_method, 'bank_transfer');
    assert.equal(tx.customer_ip, CUSTOMER_IP);
  });

  test('wallet in another country than the address: COUNTRY_MISMATCH\'s message is shown', { timeout: ms(30000) }, async () => {
    const b = new Browser(CUSTOMER_IP);
    const wallet = await checkout(b, { method: 'wallet', country: 'NO' });
    assert.match(wallet.url, new RegExp(`^${srv.base}/sandbox/wallet/txn_`));
    const back = await b.submit(wallet, 'confirm', { country: 'SE' });
    assert.equal(back.status, 402, back.html);
    assert.equal(text(back.html, 'code'), 'COUNTRY_MISMATCH');
    assert.match(back.html, /<li>Please checkout with the same country as in your wallet\.<\/li>/);
    const ok = await b.submit(await checkout(b, { method: 'wallet', country: 'NO' }), 'confirm', { country: 'NO' });
    assertReceipt(ok, orderIdOf(ok));
  });
});

// --------------------------------------------------------------- the sessions backend

describe('examples/sessions-backend: seed 004\'s return and callback, verified, paid exactly once', () => {
  let srv, c, backend;

  before(async () => {
    srv = await startObol();
    const s = createShop(srv.dbPath, 'Furniture');
    c = client(srv, s.secret_key);
    assert.equal((await c.patch('/v1/shop', { allowed_redirect_hosts: ['127.0.0.1'] })).status, 200);
    backend = await startExample('sessions-backend',
      { OBOL_URL: srv.base, OBOL_SHOP: s.id, OBOL_KEY: s.secret_key, FULFIL_DELAY_MS: '30' });
  });

  async function api(method, p, body) {
    const r = await fetch(backend.base + p, { method, headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined, redirect: 'manual' });
    const t = await r.text();
    let json = null;
    try { json = JSON.parse(t); } catch { /* a page */ }
    return { status: r.status, json, text: t };
  }
  const newOrder = async (body = { items: { chair: 1 } }) => {
    const r = await api('POST', '/orders', body);
    assert.equal(r.status, 201, `${r.text}\n${backend.logs()}`);
    return r.json;
  };
  const getOrder = async (id) => (await api('GET', `/orders/${id}`)).json;

  /** Pays the session on Obol's hosted page (cookie, CSRF field) and
   * answers Obol's answer without following it: the customer's return to
   * return_url is held back, to be fired when the test wants. */
  async function payHeld(order, number = '4242424242424242') {
    const b = new Browser();
    const page = await b.get(order.payment_url);
    assert.equal(page.status, 200, page.html.slice(0, 500));
    const f = forms(page.html).find((x) => x.html.includes('id="pay"'));
    const r = await b.raw('POST', new URL(f.action || page.url, page.url).href, new URLSearchParams({
      ...f.fields, method: 'card', card_number: number, exp_month: '12', exp_year: '2035', cvc: '123' }).toString());
    return r;
  }
  async function waitFor(id, pred, what) {
    const end = Date.now() + ms(15000);
    let o;
    while (Date.now() < end) {
      o = await getOrder(id);
      if (pred(o)) return o;
      await sleep(50);
    }
    assert.fail(`${what}: ${JSON.stringify(o)}\n${backend.logs()}`);
  }

  test('20 sessions: the return and a callback fired together, in both orders, with Obol\'s own callback too: paid exactly once', { timeout: ms(60000) }, async () => {
    const runs = [];
    for (let i = 0; i < 20; i++) {
      // half of them: Obol's own callback only a second later, so the two
      // fired here race each other alone; the rest race it as well
      const order = await newOrder({ items: { chair: 1 + (i % 3) }, callback_query: i % 2 ? 'delay_callback=1' : '' });
      assert.equal(order.status, 'created');
      const r = await payHeld(order);
      assert.equal(r.status, 303, r.html);
      const ret = new URL(r.headers.location);
      assert.equal(`${ret.origin}${ret.pathname}`, `${backend.base}/return/${order.id}`);
      const txId = ret.searchParams.get('transaction_id');
      assert.match(txId, /^txn_/);
      assert.equal(ret.searchParams.get('merchant_reference'), order.id);
      const cb = new URL(`${backend.base}/callback/${order.id}?report_error=true`);
      for (const [k, v] of Object.entries({ transaction_id: txId, session_id: order.session_id,
        merchant_reference: order.id, time: new Date().toISOString() })) cb.searchParams.set(k, v);
      const b = new Browser();
      const visits = [() => b.raw('GET', ret.href), () => b.raw('GET', cb.href)];
      if (i % 4 >= 2) visits.reverse(); // callback first, or the return first
      const [x, y] = await Promise.all(visits.map((v) => v()));
      const [back, call] = i % 4 >= 2 ? [y, x] : [x, y];
      assert.equal(back.status, 200, back.html);
      assert.ok(back.html.includes('id="paid"'), back.html);
      assert.equal(call.status, 200, call.html);
      runs.push({ order, txId });
    }
    for (const { order, txId } of runs) {
      const o = await waitFor(order.id, (x) => x.obol_callbacks >= 1, 'Obol\'s own callback never reached the backend');
      assert.equal(o.status, 'paid');
      assert.equal(o.paid_count, 1, `marked paid more than once: ${JSON.stringify(o)}`);
      assert.equal(o.fulfilled, true);
      assert.equal(o.transaction_id, txId);
      assert.equal(o.transaction_status, 'AUTHORIZED');
      assert.ok(o.returns >= 1 && o.callbacks >= 2, JSON.stringify(o));
      assert.deepEqual(o.verifications.filter((v) => v.ok).length, 1, 'verified with Obol once, then left alone');
      const t = (await c.get(`/v1/transactions/${txId}`)).json;
      assert.equal(t.amount, o.amount);
      assert.equal(t.merchant_reference, order.id);
    }
  });

  test('verified with Obol: a tampered return or callback, another order\'s payment, a failed or unknown transaction are not paid', { timeout: ms(60000) }, async () => {
    const dear = await newOrder({ items: { table: 1 } });
    const cheap = await newOrder({ items: { chair: 1 } });
    const paid = await payHeld(cheap);
    assert.equal(paid.status, 303);
    const cheapTx = new URL(paid.headers.location).searchParams.get('transaction_id');
    await waitFor(cheap.id, (o) => o.status === 'paid', 'the cheap order is paid by Obol\'s callback');

    const b = new Browser();
    const ret = (q) => b.raw('GET', `${backend.base}/return/${dear.id}?${new URLSearchParams(q)}`);
    const call = (q) => b.raw('GET', `${backend.base}/callback/${dear.id}?${new URLSearchParams(
      { report_error: 'true', session_id: dear.session_id, time: new Date().toISOString(), ...q })}`);
    // the cheap order's real, AUTHORIZED transaction, presented as the dear one's
    let r = await ret({ transaction_id: cheapTx, merchant_reference: dear.id });
    assert.equal(r.status, 402, r.html);
    assert.equal(text(r.html, 'reason'), 'not this order\'s transaction');
    r = await call({ transaction_id: cheapTx, merchant_reference: dear.id });
    assert.equal(r.status, 400, r.html);
    // a transaction Obol does not know, none at all
    r = await ret({ transaction_id: 'txn_0123456789abcdef', merchant_reference: dear.id });
    assert.equal(r.status, 402);
    assert.equal(text(r.html, 'reason'), 'unknown transaction');
    r = await ret({ merchant_reference: dear.id });
    assert.equal(r.status, 402);
    // the customer cancelled
    r = await ret({ error: 'cancelled' });
    assert.equal(r.status, 200);
    assert.ok(r.html.includes('id="not-paid"'));
    // this order's own transaction, declined; Obol calls back with error=failed
    const declined = await payHeld(dear, '4000000000000002');
    assert.equal(declined.status, 422, 'the hosted page shows the decline');
    const session = (await c.get(`/v1/sessions/${dear.session_id}`)).json;
    assert.match(session.transaction_id, /^txn_/);
    assert.equal((await c.get(`/v1/transactions/${session.transaction_id}`)).json.status, 'FAILED');
    r = await ret({ transaction_id: session.transaction_id, merchant_reference: dear.id });
    assert.equal(r.status, 402);
    assert.equal(text(r.html, 'reason'), 'transaction is FAILED');
    r = await call({ transaction_id: session.transaction_id, merchant_reference: dear.id });
    assert.equal(r.status, 200, 'a failed payment is a callback handled');
    let o = await waitFor(dear.id, (x) => x.obol_callbacks >= 1, 'Obol\'s callback of the failure');
    assert.equal(o.status, 'created');
    assert.equal(o.paid_count, 0, JSON.stringify(o));
    assert.ok(o.verifications.length >= 6 && o.verifications.every((v) => !v.ok), JSON.stringify(o.verifications));
    assert.deepEqual(new Set(o.verifications.map((v) => v.reason)), new Set(['not this order\'s transaction',
      'unknown transaction', 'no transaction id', 'transaction is FAILED']));
    // the customer tries again with a good card: now it is paid, once
    const good = await payHeld(dear);
    assert.equal(good.status, 303, good.html);
    const page = await b.get(good.headers.location);
    assert.ok(page.html.includes('id="paid"'), page.html);
    o = await waitFor(dear.id, (x) => x.obol_callbacks >= 2, 'Obol\'s callback of the payment');
    assert.equal(o.status, 'paid');
    assert.equal(o.paid_count, 1);
    assert.equal(o.amount, 149000);
    assert.notEqual(o.transaction_id, session.transaction_id);
    assert.equal((await getOrder(cheap.id)).paid_count, 1);
  });
});
