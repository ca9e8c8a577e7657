// Helpers for Obol's browser tests: Debian's Chromium driven by playwright-core
// (no browser is ever downloaded), the real server from the black-box harness,
// a tiny local "merchant shop" to be redirected to, and screenshots under
// build/screenshots/ so that a person can look at every key moment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, REPO_ROOT, ms } from '../blackbox/harness.mjs';

export const CHROMIUM = process.env.OBOL_CHROMIUM || '/usr/bin/chromium';
export const SHOTS = path.join(REPO_ROOT, 'build', 'screenshots');

/** Card numbers of the sandbox acquirer (docs/payments.md). */
export const CARDS = {
  visa: '4242424242424242',
  declined: '4000000000000002',
  threeDS: '4000000000003220',
};
export const EXP_YEAR = String(new Date().getUTCFullYear() + 4);

export function slugify(s) {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 120);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/**
 * `obol serve` on a port chosen beforehand, so that --public-url is the
 * server's own base URL and checkout_url (and every redirect Obol builds
 * from it) is reachable by the browser. The harness passes its defaults
 * first; the later --listen/--public-url win.
 */
export async function startPayServer(args = []) {
  let lastError;
  for (let i = 0; i < 5; i++) {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    try {
      const srv = await startServer({
        args: ['--listen', `127.0.0.1:${port}`, '--public-url', base, '--rate-limit', '0', ...args],
      });
      assert.equal(srv.base, base);
      return srv;
    } catch (e) {
      lastError = e; // the port was taken in between: try another
    }
  }
  throw lastError;
}

/** The merchant's shop: answers every request with a small HTML page and records it. */
export async function startMerchant() {
  const hits = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      hits.push({ method: req.method, url: req.url, headers: req.headers, body });
      const html = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Merchant shop</title></head>'
        + `<body><h1 id="merchant">Merchant shop</h1><p>Back from Obol at</p><pre id="where">${
          req.url.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)}</pre></body></html>`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
      res.end(html);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base, hits,
    url: (p) => base + p,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

let browser = null;
export async function launchBrowser() {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/install-deps.sh (Debian package chromium)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
  fs.mkdirSync(SHOTS, { recursive: true });
  return browser;
}
export async function closeBrowser() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
}

/**
 * A test with a fresh browser context (own cookies) and page. fn gets
 * {page, context, shot, nav, consoleErrors}. shot(moment[, otherPage]) saves a full-page
 * screenshot as build/screenshots/<test>-NN-<moment>.png; the page as it is at
 * the end (passed or failed) is saved as build/screenshots/<test>.png.
 * nav lists the main frame's document responses: {url, status, headers}.
 * After fn, every HTML document from the origin given to checkCspOf must
 * have carried a Content-Security-Policy header.
 */
let cspOrigin = null;
/** From now on every browserTest checks that each HTML page from origin had a CSP. */
export function checkCspOf(origin) { cspOrigin = origin; }

export function browserTest(name, fn, { js = true } = {}) {
  test(name, async () => {
    const slug = slugify(name);
    for (const f of fs.readdirSync(SHOTS)) {
      if (f === `${slug}.png` || (f.startsWith(`${slug}-`) && /^\d\d-/.test(f.slice(slug.length + 1)))) {
        fs.rmSync(path.join(SHOTS, f), { force: true });
      }
    }
    const context = await browser.newContext({
      javaScriptEnabled: js, locale: 'en-US', viewport: { width: 1024, height: 768 },
    });
    const page = await context.newPage();
    page.setDefaultTimeout(ms(10000));
    page.setDefaultNavigationTimeout(ms(15000));
    const nav = [];
    page.on('response', (r) => {
      if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) {
        nav.push({ url: r.url(), status: r.status(), headers: r.headers() });
      }
    });
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    let n = 0;
    const shot = async (moment, p = page) => {
      n++;
      await p.screenshot({
        path: path.join(SHOTS, `${slug}-${String(n).padStart(2, '0')}-${slugify(moment)}.png`), fullPage: true,
      });
    };
    try {
      await fn({ page, context, shot, nav, consoleErrors });
      // every HTML page Obol served in this test forbids scripts
      if (cspOrigin) {
        const bare = nav.filter((r) => r.url.startsWith(cspOrigin + '/') && r.status !== 303
          && /^text\/html/.test(r.headers['content-type'] || '') && !r.headers['content-security-policy']);
        assert.deepEqual(bare.map((r) => `${r.status} ${r.url}`), [],
          'Obol pages served without a Content-Security-Policy');
      }
    } finally {
      try { await page.screenshot({ path: path.join(SHOTS, `${slug}.png`), fullPage: true }); } catch { /* closed */ }
      await context.close().catch(() => {});
    }
  });
}

/** Runs action (a click) and waits for the navigation it starts; returns the final response. */
export async function navigating(page, action) {
  const done = page.waitForNavigation({ waitUntil: 'load' });
  await action();
  return done;
}

/** GET the hosted page; asserts 200. */
export async function openPay(page, order) {
  const resp = await page.goto(order.checkout_url, { waitUntil: 'load' });
  assert.ok(resp, 'no response for the hosted page');
  assert.equal(resp.status(), 200, `GET ${order.checkout_url}: ${resp.status()}\n${(await page.content()).slice(0, 2000)}`);
  return resp;
}

async function setField(page, name, value) {
  const sel = page.locator(`select[name="${name}"]`);
  if (await sel.count()) {
    // a <select>: its option "12", or "1" written "01"
    const values = await sel.locator('option').all();
    const wanted = [value, value.padStart(2, '0'), String(Number(value))];
    for (const o of values) {
      const v = await o.getAttribute('value');
      if (v !== null && wanted.includes(v)) { await sel.selectOption(v); return; }
    }
    await sel.selectOption({ label: value });
    return;
  }
  await page.locator(`[name="${name}"]`).first().fill(value);
}

/** Picks a payment method (radio `method`), if the page offers a choice. */
export async function chooseMethod(page, method) {
  const radio = page.locator(`input[type="radio"][name="method"][value="${method}"]`);
  const count = await radio.count();
  if (method !== 'card') assert.equal(count, 1, `the page offers no method radio "${method}"`);
  if (count) await radio.check();
}

/** Fills the card form (choosing the card method first). */
export async function fillCard(page, { number, month = '12', year = EXP_YEAR, cvc = '123', holder = 'Ada Lovelace' }) {
  await chooseMethod(page, 'card');
  await setField(page, 'card_number', number);
  await setField(page, 'exp_month', month);
  await setField(page, 'exp_year', year);
  await setField(page, 'cvc', cvc);
  await setField(page, 'holder', holder);
}

/** Fills the card form and presses #pay; returns the final navigation response. */
export async function payByCard(page, card) {
  await fillCard(page, card);
  return navigating(page, () => page.click('#pay'));
}

/** Asserts Obol's final page with data-status=status and no payment form. */
export async function assertFinal(page, status) {
  const final = page.locator('#final');
  await final.waitFor({ state: 'attached', timeout: ms(5000) }).catch(() => {});
  assert.equal(await final.count(), 1,
    `expected the final page (#final data-status=${status}) at ${page.url()}, got:\n${(await page.innerText('body').catch(() => '')).slice(0, 1500)}`);
  assert.equal(await final.getAttribute('data-status'), status, `#final data-status at ${page.url()}`);
  assert.equal(await page.locator('#pay').count(), 0, 'the final page must not show #pay');
  assert.equal(await page.locator('[name="card_number"]').count(), 0, 'the final page must not show a card form');
  assert.equal(await page.locator('#cancel').count(), 0, 'the final page must not show #cancel');
}

/** Asserts the hosted payment form is shown again with a visible, non-empty #error. */
export async function assertFormWithError(page) {
  const err = page.locator('#error');
  assert.equal(await err.count(), 1,
    `expected the page again with #error at ${page.url()}, got:\n${(await page.innerText('body').catch(() => '')).slice(0, 1500)}`);
  assert.ok(await err.isVisible(), '#error is not visible');
  const text = (await err.innerText()).trim();
  assert.ok(text.length > 0, '#error is empty');
  assert.equal(await page.locator('#pay').count(), 1, 'the form (#pay) is not shown again');
  return text;
}

/** The order's transactions, oldest first. */
export async function transactions(c, orderId) {
  const r = await c.get(`/v1/orders/${orderId}/transactions`);
  assert.equal(r.status, 200, `transactions of ${orderId}: ${r.status} ${r.text}`);
  assert.ok(Array.isArray(r.json?.data), r.text);
  return r.json.data;
}

/** Polls GET /v1/orders/{id} until pred(order) or the timeout; returns the last order. */
export async function waitOrder(c, id, pred, timeout = ms(5000)) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const o = await c.getOrder(id);
    if (pred(o) || Date.now() > deadline) return o;
    await new Promise((r) => setTimeout(r, 100));
  }
}
