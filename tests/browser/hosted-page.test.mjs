// The hosted payment page (docs/payments.md, "Hosted payment page" and
// "Sandbox acquirer") through a real browser: Debian's Chromium driven by
// playwright-core. The real server runs on a loopback port with --public-url
// set to its own base URL; a tiny local HTTP server plays the merchant's shop
// that customers are sent back to. Screenshots: build/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createShop, cleanup, request, sleep, ms } from '../blackbox/harness.mjs';
import { client, isoIn } from '../blackbox/orders-helpers.mjs';
import {
  CARDS, browserTest, launchBrowser, closeBrowser, startPayServer, startMerchant,
  openPay, payByCard, fillCard, chooseMethod, navigating, assertFinal, assertFormWithError,
  transactions, waitOrder, checkCspOf,
} from './browser-helpers.mjs';

let srv, shop, api, merchant;

before(async () => {
  srv = await startPayServer();
  checkCspOf(srv.base);
  merchant = await startMerchant();
  shop = createShop(srv.dbPath, 'Corner Mugs');
  api = client(srv, shop.secret_key);
  const r = await api.patch('/v1/shop', { allowed_redirect_hosts: ['127.0.0.1'] });
  assert.equal(r.status, 200, `PATCH /v1/shop: ${r.status} ${r.text}`);
  await launchBrowser();
});

after(async () => {
  await closeBrowser();
  if (merchant) await merchant.close();
  await cleanup();
});

const PRODUCTS = [{ title: 'Blue mug', price: '7.25' }, { title: 'Earl Grey tea', price: '5.25' }];

/** A new order of the main shop: 12.50 EUR, client in DE, and `extra`. */
function order(extra = {}) {
  return api.create({
    products: PRODUCTS,
    client: { email: 'ada@example.com', country: 'DE' },
    merchant_reference: 'ORDER-1001',
    ...extra,
  });
}

/** Where the browser is now, if it is on the merchant's shop: {path, query}. */
function landing(page) {
  const u = new URL(page.url());
  assert.equal(u.origin, merchant.base, `expected to land on the merchant's shop, at ${page.url()}`);
  return { path: u.pathname, query: Object.fromEntries(u.searchParams) };
}

async function lastTransaction(id) {
  const list = await transactions(api, id);
  assert.ok(list.length > 0, `order ${id} has no transaction`);
  return list[list.length - 1];
}

// ------------------------------------------------------------------ the page

browserTest('page shows shop, amount, items, card form, methods and cancel; first view marks the order viewed', async ({ page, shot, consoleErrors }) => {
  const o = await order();
  assert.equal(o.status, 'issued');
  assert.equal(o.checkout_url, `${srv.base}/pay/${o.token}`);
  const resp = await openPay(page, o);
  await shot('english page');

  const csp = resp.headers()['content-security-policy'];
  assert.ok(csp, 'GET /pay/{token} has no Content-Security-Policy header');
  assert.match(csp, /script-src 'none'|default-src 'none'/, `the CSP does not forbid scripts: ${csp}`);
  if (/script-src/.test(csp)) assert.match(csp, /script-src 'none'/, `the CSP allows some script: ${csp}`);
  assert.match(resp.headers()['content-type'] || '', /^text\/html/);

  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  const text = await page.innerText('body');
  assert.ok(text.includes('Corner Mugs'), `shop name missing:\n${text}`);
  assert.match(text, /12\.50/, `amount missing:\n${text}`);
  assert.ok(text.includes('Blue mug') && text.includes('Earl Grey tea'), `items missing:\n${text}`);
  for (const f of ['card_number', 'exp_month', 'exp_year', 'cvc', 'holder']) {
    assert.equal(await page.locator(`[name="${f}"]`).count(), 1, `card form field ${f} missing`);
  }
  assert.equal(await page.locator('#pay').count(), 1, '#pay missing');
  assert.equal(await page.locator('#cancel').count(), 1, '#cancel missing');
  const methods = await page.locator('input[type="radio"][name="method"]').evaluateAll((els) => els.map((e) => e.value));
  for (const m of ['card', 'bank_transfer', 'wallet', 'invoice']) {
    assert.ok(methods.includes(m), `method radio ${m} missing (have ${methods})`);
  }
  assert.equal(await page.locator('#error').count(), 0, 'a fresh page shows #error');
  assert.equal(await page.locator('#final').count(), 0, 'a fresh page shows #final');
  // "No JavaScript needed", and the page's own CSP does not break it
  assert.equal(await page.locator('script').count(), 0, 'the page carries <script> elements');
  assert.deepEqual(consoleErrors.filter((m) => /Content Security Policy/i.test(m)), [],
    'the page violates its own Content-Security-Policy');

  const after = await api.getOrder(o.id);
  assert.equal(after.status, 'viewed', 'the first view moves the order from issued to viewed');
});

browserTest('unknown token answers 404; a missing or forged CSRF cookie answers 403 and records nothing', async ({ page, context, shot }) => {
  const resp = await page.goto(`${srv.base}/pay/${'0'.repeat(64)}`);
  assert.equal(resp.status(), 404, 'an unknown token must answer 404');
  await shot('unknown token');

  const o = await order();
  await openPay(page, o);
  await context.clearCookies();
  const r = await payByCard(page, { number: CARDS.visa });
  await shot('no csrf cookie');
  assert.equal(r.status(), 403, 'POST /pay/{token} without the CSRF cookie must answer 403');
  assert.equal((await transactions(api, o.id)).length, 0, 'a refused POST recorded an attempt');
  assert.equal((await api.getOrder(o.id)).status, 'viewed');

  // a forged hidden field with a fresh, valid cookie
  await openPay(page, o);
  const hidden = page.locator('form:has(#pay) input[type="hidden"]');
  const names = await hidden.evaluateAll((els) => els.map((e) => e.name));
  const csrf = names.filter((n) => /csrf|token/i.test(n) && n !== 'method');
  assert.ok(csrf.length > 0, `the pay form has no hidden CSRF field (hidden: ${names})`);
  for (const n of csrf) {
    await page.locator(`form:has(#pay) input[type="hidden"][name="${n}"]`).evaluate((e) => { e.value = 'f'.repeat(e.value.length || 64); });
  }
  const r2 = await payByCard(page, { number: CARDS.visa });
  await shot('forged csrf field');
  assert.equal(r2.status(), 403, 'POST /pay/{token} with a forged CSRF field must answer 403');
  assert.equal((await transactions(api, o.id)).length, 0, 'a forged POST recorded an attempt');
});

browserTest('merchant strings are escaped; a surcharge is shown apart from the amount', async ({ page, shot }) => {
  const other = createShop(srv.dbPath, 'Evil shop');
  const c = client(srv, other.secret_key);
  let r = await c.patch('/v1/shop', {
    name: 'Bob\'s <b id="xss-shop">Mugs</b> & Co',
    surcharge: { percent: '2.50', fixed: 10, cap: null, format: 'v1' },
  });
  assert.equal(r.status, 200, r.text);
  const o = await c.create({
    products: [{ title: '<img src=x id="xss-item" onerror="document.title=\'pwned\'">Mug', price: '10.00' }],
    client: { email: 'eve@example.com', country: 'DE' },
  });
  assert.equal(o.amount, 1035, 'surcharge: 2.5 % of 1000 + 10');
  await openPay(page, o);
  await shot('escaped strings and surcharge');
  assert.equal(await page.locator('#xss-shop').count(), 0, 'the shop name was not escaped');
  assert.equal(await page.locator('#xss-item').count(), 0, 'the item title was not escaped');
  assert.notEqual(await page.title(), 'pwned');
  const text = await page.innerText('body');
  assert.ok(text.includes('<b id="xss-shop">Mugs</b>'), `the shop name is not shown literally:\n${text}`);
  assert.ok(text.includes('<img src=x'), `the item title is not shown literally:\n${text}`);
  assert.match(text, /10[.,]35/, `the total is not shown:\n${text}`);
  assert.match(text, /(^|[^0-9])0[.,]35/, `the surcharge is not shown apart:\n${text}`);
});

browserTest('German order: <html lang="de">, German words, text differs from the English page', async ({ page, shot }) => {
  const en = await order({ language: 'en' });
  const de = await order({ language: 'de' });
  await openPay(page, en);
  const enText = await page.innerText('body');
  const enPay = (await page.innerText('#pay')).trim() || await page.getAttribute('#pay', 'value');
  await openPay(page, de);
  await shot('german page');
  assert.equal(await page.getAttribute('html', 'lang'), 'de');
  const deText = await page.innerText('body');
  assert.notEqual(deText, enText, 'the German page reads like the English one');
  const dePay = (await page.innerText('#pay')).trim() || await page.getAttribute('#pay', 'value');
  const heading = (await page.locator('h1, h2').allInnerTexts()).join(' ');
  const GERMAN = /bezahl|zahlung|zahlen|kaufen|abbrechen|kartennummer|betrag|karteninhaber|bestell/i;
  assert.ok(GERMAN.test(dePay) || GERMAN.test(heading),
    `no German word on the pay button ("${dePay}") or heading ("${heading}")`);
  assert.notEqual(dePay, enPay, 'the pay button is not translated');
  assert.match(deText, /abbrechen|stornieren/i, `the cancel button is not German:\n${deText}`);

  // the decline reason is German too
  const r = await payByCard(page, { number: CARDS.declined });
  assert.equal(r.status(), 422);
  await shot('german decline');
  const deError = await assertFormWithError(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'de');
  await openPay(page, en);
  await payByCard(page, { number: CARDS.declined });
  const enError = await assertFormWithError(page);
  assert.notEqual(deError, enError, 'the decline reason is not translated');
});

browserTest('French order: <html lang="fr"> and French words', async ({ page, shot }) => {
  const fr = await order({ language: 'fr' });
  await openPay(page, fr);
  await shot('french page');
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  assert.match(await page.innerText('body'), /payer|paiement|annuler/i);
});

browserTest('the page offers only the shop\'s payment_methods; a forged method is refused; affiliate_html is never shown', async ({ page, shot }) => {
  const other = createShop(srv.dbPath, 'Card and wallet shop');
  const c = client(srv, other.secret_key);
  const r = await c.patch('/v1/shop', {
    payment_methods: ['card', 'wallet'], affiliate_html: '<p id="affiliate">AFFILIATE-BANNER</p>',
  });
  assert.equal(r.status, 200, r.text);
  const o = await c.create({ products: PRODUCTS, client: { email: 'ada@example.com', country: 'DE' } });
  await openPay(page, o);
  await shot('card and wallet only');
  const methods = await page.locator('input[type="radio"][name="method"]').evaluateAll((els) => els.map((e) => e.value));
  assert.deepEqual(methods.sort(), ['card', 'wallet']);
  assert.ok(!(await page.content()).includes('AFFILIATE-BANNER'), 'affiliate_html is shown on the hosted page');

  await page.locator('input[type="radio"][name="method"][value="wallet"]').evaluate((e) => { e.value = 'bank_transfer'; });
  await page.locator('input[type="radio"][name="method"][value="bank_transfer"]').check();
  const forged = await navigating(page, () => page.click('#pay'));
  await shot('forged method');
  assert.ok(forged.status() >= 400 && forged.status() < 500, `a method the shop does not offer answered ${forged.status()}`);
  assert.equal((await transactions(c, o.id)).length, 0, 'a method the shop does not offer started an attempt');

  await openPay(page, o);
  await payByCard(page, { number: CARDS.visa });
  await assertFinal(page, 'paid');
  assert.ok(!(await page.content()).includes('AFFILIATE-BANNER'), 'affiliate_html is shown on the final page');
});

browserTest('on a phone-sized screen the page fits its width', async ({ page, shot }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  const o = await order({ products: [{ title: 'A rather long product title that has to wrap on a small screen', price: '12.50' }] });
  await openPay(page, o);
  await shot('phone');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a 360px screen`);
  const box = await page.locator('#pay').boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 360, `#pay is off screen: ${JSON.stringify(box)}`);
});

// ------------------------------------------------------------------ cards

browserTest('card 4242424242424242 is approved with JavaScript off: order paid, final page', async ({ page, shot }) => {
  const o = await order();
  await openPay(page, o);
  await fillCard(page, { number: CARDS.visa });
  await shot('card filled');
  const r = await navigating(page, () => page.click('#pay'));
  await shot('after pay');
  assert.equal(r.status(), 200, `pay ended on ${r.status()}`);
  const post = r.request().redirectedFrom();
  assert.ok(post, 'an approved POST /pay/{token} did not redirect');
  assert.equal(post.method(), 'POST');
  assert.equal((await post.response()).status(), 303, 'an approved POST /pay/{token} answers 303');
  await assertFinal(page, 'paid');
  const paid = await api.getOrder(o.id);
  assert.equal(paid.status, 'paid');
  const t = await lastTransaction(o.id);
  assert.equal(t.status, 'successful');
  assert.equal(t.payment_method, 'card');
  assert.equal(t.type, 'payment');
  assert.equal(t.method?.brand, 'visa');
  assert.equal(t.method?.last_4, '4242');
  assert.equal(t.method?.holder, 'Ada Lovelace');
  assert.equal(t.amount, 1250);
  const events = (await api.events(o.id)).map((e) => e.type);
  assert.deepEqual(events, ['order.issued', 'order.viewed', 'order.in_progress', 'order.payment_success']);
  const q = await api.get(`/v1/checkouts/${o.token}`);
  assert.equal(q.status, 200, q.text);
  assert.equal(q.json.checkout.finished, true);
  assert.equal(q.json.checkout.gateway_response?.payment?.uid, t.uid);
}, { js: false });

browserTest('capture manual: an approved card puts the order on hold; final page says hold', async ({ page, shot }) => {
  const o = await order({ capture: 'manual' });
  await openPay(page, o);
  await payByCard(page, { number: '5555555555554444' });
  await shot('hold');
  await assertFinal(page, 'hold');
  assert.equal((await api.getOrder(o.id)).status, 'hold');
  const t = await lastTransaction(o.id);
  assert.equal(t.type, 'authorization');
  assert.equal(t.method?.brand, 'master');
});

browserTest('declined 4000000000000002 shows #error (422); a second attempt on the same page is approved', async ({ page, shot }) => {
  const o = await order({ max_payment_attempts: 3 });
  await openPay(page, o);
  const r1 = await payByCard(page, { number: CARDS.declined });
  await shot('declined');
  assert.equal(r1.status(), 422, 'a decline with attempts left answers the page again with 422');
  await assertFormWithError(page);
  assert.ok(!(await page.content()).includes(CARDS.declined), 'the page again shows the card number');
  assert.equal(await page.inputValue('[name="cvc"]'), '', 'the page again keeps the CVC');
  const failed = await api.getOrder(o.id);
  assert.equal(failed.status, 'failed');
  assert.equal(failed.failed_attempts, 1);
  let list = await transactions(api, o.id);
  assert.equal(list.length, 1);
  assert.equal(list[0].status, 'failed');
  assert.equal(list[0].code, 'card_declined');

  const r2 = await payByCard(page, { number: CARDS.visa });
  await shot('second attempt approved');
  assert.ok(r2.status() < 400, `second attempt answered ${r2.status()}`);
  await assertFinal(page, 'paid');
  assert.equal((await api.getOrder(o.id)).status, 'paid');
  list = await transactions(api, o.id);
  assert.deepEqual(list.map((t) => t.status), ['failed', 'successful']);
});

browserTest('card checks: a number failing the Luhn check is refused on the page and records nothing', async ({ page, shot }) => {
  const o = await order();
  await openPay(page, o);
  const r = await payByCard(page, { number: '4242424242424241' });
  await shot('luhn refused');
  assert.ok(r.status() >= 400 && r.status() < 500, `a bad card number answered ${r.status()}`);
  await assertFormWithError(page);
  // the wrong field is marked, the right ones are not
  assert.equal(await page.getAttribute('#card_number', 'aria-invalid'), 'true');
  assert.equal(await page.getAttribute('#cvc', 'aria-invalid'), null);
  assert.equal((await transactions(api, o.id)).length, 0, 'an invalid card recorded an attempt');
  assert.notEqual((await api.getOrder(o.id)).status, 'failed');
});

// ------------------------------------------------------------------ 3-D Secure

browserTest('3-D Secure 4000000000003220: the challenge page approves; order paid', async ({ page, shot }) => {
  const o = await order();
  await openPay(page, o);
  await payByCard(page, { number: CARDS.threeDS });
  await shot('challenge page');
  const u = new URL(page.url());
  assert.match(u.pathname, /^\/sandbox\/3ds\/[^/]+$/, `expected the 3-D Secure page, at ${page.url()}`);
  assert.equal(u.searchParams.get('token'), o.token, 'the sandbox page takes the checkout token as ?token=');
  const pending = await lastTransaction(o.id);
  assert.equal(pending.status, 'incomplete');
  assert.equal((await api.getOrder(o.id)).status, 'in_progress');

  // the transaction uid alone does not let anyone act on the attempt
  const bare = await request(srv.base, 'GET', u.pathname);
  const forged = await request(srv.base, 'GET', `${u.pathname}?token=${'1'.repeat(64)}`);
  assert.ok(bare.status >= 400, `the 3-D Secure page without ?token= answered ${bare.status}`);
  assert.ok(forged.status >= 400, `the 3-D Secure page with a wrong token answered ${forged.status}`);

  await navigating(page, () => page.click('#approve'));
  await shot('after approve');
  await assertFinal(page, 'paid');
  assert.equal((await api.getOrder(o.id)).status, 'paid');
  const t = await lastTransaction(o.id);
  assert.equal(t.status, 'successful');
  assert.equal(t.three_d_secure?.status, 'authenticated');
  assert.ok(t.redirect_url, 'redirect_url of a 3-D Secure attempt is null');
});

browserTest('3-D Secure failed with attempts left: back on the page with #error; order failed', async ({ page, shot }) => {
  const o = await order({ max_payment_attempts: 3 });
  await openPay(page, o);
  await payByCard(page, { number: CARDS.threeDS });
  await shot('challenge page');
  assert.match(new URL(page.url()).pathname, /^\/sandbox\/3ds\//);
  await navigating(page, () => page.click('#fail'));
  await shot('after fail');
  const t = await lastTransaction(o.id);
  assert.equal(t.status, 'failed');
  assert.equal(t.code, 'authentication_failed');
  assert.equal(t.three_d_secure?.status, 'failed');
  assert.equal((await api.getOrder(o.id)).status, 'failed');
  assert.ok(page.url().startsWith(o.checkout_url), `expected Obol's page again, at ${page.url()}`);
  await assertFormWithError(page);
});

browserTest('3-D Secure failed on the last attempt: return_url gets error=authorization; order cancelled', async ({ page, shot }) => {
  const o = await order({ max_payment_attempts: 1, return_url: merchant.url('/back') });
  await openPay(page, o);
  await payByCard(page, { number: CARDS.threeDS });
  await navigating(page, () => page.click('#fail'));
  await shot('landed');
  const l = landing(page);
  assert.equal(l.path, '/back');
  assert.equal(l.query.error, 'authorization');
  assert.equal((await api.getOrder(o.id)).status, 'cancelled');
});

// ------------------------------------------------------------------ other methods

browserTest('bank transfer: the sandbox bank page approves; order paid', async ({ page, shot }) => {
  const o = await order();
  await openPay(page, o);
  await chooseMethod(page, 'bank_transfer');
  await shot('bank transfer chosen');
  await navigating(page, () => page.click('#pay'));
  await shot('bank page');
  const u = new URL(page.url());
  assert.match(u.pathname, /^\/sandbox\/bank\/[^/]+$/, `expected the sandbox bank page, at ${page.url()}`);
  assert.equal(u.searchParams.get('token'), o.token);
  assert.equal(await page.locator('#decline').count(), 1, 'the bank page has no #decline');
  await navigating(page, () => page.click('#approve'));
  await shot('after approve');
  await assertFinal(page, 'paid');
  assert.equal((await api.getOrder(o.id)).status, 'paid');
  const t = await lastTransaction(o.id);
  assert.equal(t.payment_method, 'bank_transfer');
  assert.equal(t.status, 'successful');
});

browserTest('bank transfer declined on the last attempt: failure_redirect wins; code bank_declined', async ({ page, shot }) => {
  const o = await order({
    max_payment_attempts: 1, failure_redirect: merchant.url('/failed'), return_url: merchant.url('/back'),
  });
  await openPay(page, o);
  await chooseMethod(page, 'bank_transfer');
  await navigating(page, () => page.click('#pay'));
  await shot('bank page');
  await navigating(page, () => page.click('#decline'));
  await shot('landed');
  assert.equal(landing(page).path, '/failed');
  assert.equal((await api.getOrder(o.id)).status, 'cancelled');
  const t = await lastTransaction(o.id);
  assert.equal(t.status, 'failed');
  assert.equal(t.code, 'bank_declined');
});

browserTest('wallet with the order\'s own country is approved', async ({ page, shot }) => {
  const o = await order();
  await openPay(page, o);
  await chooseMethod(page, 'wallet');
  await navigating(page, () => page.click('#pay'));
  await shot('wallet page');
  const u = new URL(page.url());
  assert.match(u.pathname, /^\/sandbox\/wallet\/[^/]+$/, `expected the sandbox wallet page, at ${page.url()}`);
  assert.equal(u.searchParams.get('token'), o.token);
  await pickCountry(page, 'DE');
  await navigating(page, () => page.click('#confirm'));
  await shot('after confirm');
  await assertFinal(page, 'paid');
  assert.equal((await api.getOrder(o.id)).status, 'paid');
  assert.equal((await lastTransaction(o.id)).payment_method, 'wallet');
});

async function pickCountry(page, country) {
  const sel = page.locator('select#country');
  if (await sel.count()) await sel.selectOption(country);
  else await page.fill('#country', country);
}

browserTest('wallet country mismatch: the attempt fails with COUNTRY_MISMATCH, the page shows #error', async ({ page, shot }) => {
  const o = await order({ max_payment_attempts: 3 });
  await openPay(page, o);
  await chooseMethod(page, 'wallet');
  await navigating(page, () => page.click('#pay'));
  assert.match(new URL(page.url()).pathname, /^\/sandbox\/wallet\//, `expected the wallet page, at ${page.url()}`);
  await pickCountry(page, 'FR');
  await shot('wallet page, FR picked');
  await navigating(page, () => page.click('#confirm'));
  await shot('after confirm');
  const t = await lastTransaction(o.id);
  assert.equal(t.payment_method, 'wallet');
  assert.equal(t.status, 'failed');
  assert.equal(t.code, 'COUNTRY_MISMATCH');
  assert.equal((await api.getOrder(o.id)).status, 'failed');
  assert.ok(page.url().startsWith(o.checkout_url), `expected Obol's page again, at ${page.url()}`);
  await assertFormWithError(page);
});

browserTest('wallet country mismatch on the last attempt: return_url gets error=failed; order cancelled', async ({ page, shot }) => {
  const o = await order({ max_payment_attempts: 1, return_url: merchant.url('/back?cart=42') });
  await openPay(page, o);
  await chooseMethod(page, 'wallet');
  await navigating(page, () => page.click('#pay'));
  await pickCountry(page, 'FR');
  await navigating(page, () => page.click('#confirm'));
  await shot('landed');
  const l = landing(page);
  assert.equal(l.path, '/back');
  assert.equal(l.query.error, 'failed');
  assert.equal((await api.getOrder(o.id)).status, 'cancelled');
  assert.equal((await lastTransaction(o.id)).code, 'COUNTRY_MISMATCH');
});

browserTest('invoice: pending, in_progress_redirect wins', async ({ page, shot }) => {
  const o = await order({ in_progress_redirect: merchant.url('/pending'), return_url: merchant.url('/back') });
  await openPay(page, o);
  await chooseMethod(page, 'invoice');
  await navigating(page, () => page.click('#pay'));
  await shot('landed');
  assert.equal(landing(page).path, '/pending');
  assert.equal((await api.getOrder(o.id)).status, 'in_progress');
  const t = await lastTransaction(o.id);
  assert.equal(t.payment_method, 'invoice');
  assert.equal(t.status, 'pending');
});

// ------------------------------------------------------------------ redirects

browserTest('approved with return_url: lands on it with transaction_id and merchant_reference', async ({ page, shot }) => {
  const o = await order({ return_url: merchant.url('/back?cart=42') });
  await openPay(page, o);
  await payByCard(page, { number: CARDS.visa });
  await shot('landed');
  const l = landing(page);
  assert.equal(l.path, '/back');
  const t = await lastTransaction(o.id);
  assert.equal(l.query.transaction_id, t.uid);
  assert.equal(l.query.merchant_reference, 'ORDER-1001');
  assert.equal(l.query.cart, '42', 'the return_url\'s own query is kept');
  assert.equal((await api.getOrder(o.id)).status, 'paid');
  // the checkout token is the secret: it must not reach the shop as a Referer
  const hit = merchant.hits.findLast((h) => h.url.startsWith('/back'));
  assert.ok(hit, 'the merchant saw no request');
  assert.ok(!(hit.headers.referer || '').includes(o.token), `the token leaked as Referer: ${hit.headers.referer}`);
});

browserTest('approved with success_redirect and return_url: success_redirect wins', async ({ page, shot }) => {
  const o = await order({ success_redirect: merchant.url('/thanks'), return_url: merchant.url('/back') });
  await openPay(page, o);
  await payByCard(page, { number: CARDS.visa });
  await shot('landed');
  assert.equal(landing(page).path, '/thanks');
});

browserTest('approved, but the redirect host left allowed_redirect_hosts: Obol\'s final page', async ({ page, shot }) => {
  const other = createShop(srv.dbPath, 'Moving shop');
  const c = client(srv, other.secret_key);
  let r = await c.patch('/v1/shop', { allowed_redirect_hosts: ['127.0.0.1'] });
  assert.equal(r.status, 200, r.text);
  const o = await c.create({ products: PRODUCTS, success_redirect: merchant.url('/thanks') });
  r = await c.patch('/v1/shop', { allowed_redirect_hosts: ['shop.example.com'] });
  assert.equal(r.status, 200, r.text);
  await openPay(page, o);
  await payByCard(page, { number: CARDS.visa });
  await shot('final page');
  assert.ok(page.url().startsWith(srv.base), `sent to a host no longer allowed: ${page.url()}`);
  await assertFinal(page, 'paid');
});

browserTest('declined on the last attempt with return_url: error=failed; order cancelled', async ({ page, shot }) => {
  const o = await order({ max_payment_attempts: 1, return_url: merchant.url('/back') });
  await openPay(page, o);
  await payByCard(page, { number: CARDS.declined });
  await shot('landed');
  const l = landing(page);
  assert.equal(l.path, '/back');
  assert.equal(l.query.error, 'failed');
  assert.equal((await api.getOrder(o.id)).status, 'cancelled');
});

browserTest('declined on the last attempt without URLs: final page cancelled', async ({ page, shot }) => {
  const o = await order({ max_payment_attempts: 1 });
  await openPay(page, o);
  await payByCard(page, { number: CARDS.declined });
  await shot('final page');
  await assertFinal(page, 'cancelled');
});

// ------------------------------------------------------------------ cancel

browserTest('cancel with cancel_url: order rejected, the browser lands on cancel_url', async ({ page, shot }) => {
  const o = await order({
    cancel_url: merchant.url('/cancelled?cart=42'), failure_redirect: merchant.url('/failed'),
    return_url: merchant.url('/back'),
  });
  await openPay(page, o);
  await shot('before cancel');
  await navigating(page, () => page.click('#cancel'));
  await shot('landed');
  const l = landing(page);
  assert.equal(l.path, '/cancelled');
  assert.equal(l.query.cart, '42');
  assert.equal((await api.getOrder(o.id)).status, 'rejected');
  assert.ok(merchant.hits.some((h) => h.url.startsWith('/cancelled')), 'the merchant saw no request');
});

browserTest('cancel with failure_redirect only: lands on failure_redirect', async ({ page, shot }) => {
  const o = await order({ failure_redirect: merchant.url('/failed'), return_url: merchant.url('/back') });
  await openPay(page, o);
  await navigating(page, () => page.click('#cancel'));
  await shot('landed');
  assert.equal(landing(page).path, '/failed');
  assert.equal((await api.getOrder(o.id)).status, 'rejected');
});

browserTest('cancel with return_url only: lands on it with error=cancelled', async ({ page, shot }) => {
  const o = await order({ return_url: merchant.url('/back') });
  await openPay(page, o);
  await navigating(page, () => page.click('#cancel'));
  await shot('landed');
  const l = landing(page);
  assert.equal(l.path, '/back');
  assert.equal(l.query.error, 'cancelled');
  assert.equal((await api.getOrder(o.id)).status, 'rejected');
});

browserTest('cancel without URLs: final page rejected; reloading shows it again', async ({ page, shot }) => {
  const o = await order();
  await openPay(page, o);
  await navigating(page, () => page.click('#cancel'));
  await shot('final page');
  await assertFinal(page, 'rejected');
  assert.equal((await api.getOrder(o.id)).status, 'rejected');
  await openPay(page, o);
  await assertFinal(page, 'rejected');
});

// ------------------------------------------------------------------ final pages

browserTest('a paid order\'s page shows the final page, never a form', async ({ page, context, shot }) => {
  const o = await order();
  await openPay(page, o);
  await payByCard(page, { number: CARDS.visa });
  await waitOrder(api, o.id, (x) => x.status === 'paid');
  await context.clearCookies();
  const resp = await openPay(page, o);
  await shot('paid order page');
  assert.ok(resp.headers()['content-security-policy'], 'the final page has no Content-Security-Policy');
  await assertFinal(page, 'paid');
  assert.match(await page.innerText('body'), /12\.50/);
});

browserTest('an order the merchant cancelled shows the final page cancelled', async ({ page, shot }) => {
  const o = await order();
  const r = await api.post(`/v1/orders/${o.id}/cancel`);
  assert.equal(r.status, 200, r.text);
  await openPay(page, o);
  await shot('cancelled order page');
  await assertFinal(page, 'cancelled');
});

// ------------------------------------------------------------------ replays and stale pages

browserTest('3-D Secure: back to the challenge page after approving, approving again changes nothing', async ({ page, shot }) => {
  const o = await order();
  await openPay(page, o);
  await payByCard(page, { number: CARDS.threeDS });
  const challenge = page.url();
  assert.match(new URL(challenge).pathname, /^\/sandbox\/3ds\//);
  // the page's form, kept to be posted again whatever the page shows later
  const action = new URL(await page.getAttribute('form', 'action'), challenge).href;
  await navigating(page, () => page.click('#approve'));
  await assertFinal(page, 'paid');
  await page.goto(challenge);
  await shot('challenge page again');
  await page.request.post(action, { form: { outcome: 'approve' }, maxRedirects: 0 });
  const list = await transactions(api, o.id);
  assert.deepEqual(list.map((t) => t.status), ['successful'], 'a second approval made or changed an attempt');
  assert.equal((await api.getOrder(o.id)).status, 'paid');
  // and the failed button cannot undo it
  await page.request.post(action, { form: { outcome: 'fail' }, maxRedirects: 0 });
  assert.equal((await api.getOrder(o.id)).status, 'paid');
  assert.deepEqual((await transactions(api, o.id)).map((t) => t.status), ['successful']);
});

browserTest('sandbox pages refuse a wrong token: posting the challenge form with it does not act', async ({ page, shot }) => {
  const o = await order();
  await openPay(page, o);
  await payByCard(page, { number: CARDS.threeDS });
  const u = new URL(page.url());
  assert.match(u.pathname, /^\/sandbox\/3ds\//);
  const action = new URL(await page.locator('form:has(#approve)').getAttribute('action'), srv.base);
  const fields = new URLSearchParams();
  for (const i of await page.locator('form:has(#approve) input[type="hidden"]').all()) {
    fields.set(await i.getAttribute('name'), (await i.getAttribute('value')) ?? '');
  }
  for (const token of ['1'.repeat(64), null]) {
    const a = new URL(action);
    if (token) a.searchParams.set('token', token); else a.searchParams.delete('token');
    const r = await request(srv.base, 'POST', a.pathname + a.search, {
      rawBody: fields.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.ok(r.status >= 400 && r.status < 500, `POST ${a.pathname} with token ${token} answered ${r.status}`);
  }
  assert.equal((await lastTransaction(o.id)).status, 'incomplete', 'a wrong token acted on the attempt');
  assert.equal((await api.getOrder(o.id)).status, 'in_progress');
  await navigating(page, () => page.click('#approve'));
  await shot('approved with the right token');
  await assertFinal(page, 'paid');
});

browserTest('three tabs: a stale form paid again or cancelled after the order was paid changes nothing', async ({ context, page, shot }) => {
  const o = await order();
  await openPay(page, o);
  const stalePay = await context.newPage();
  await openPay(stalePay, o);
  const staleCancel = await context.newPage();
  await openPay(staleCancel, o);
  await payByCard(page, { number: CARDS.visa });
  await assertFinal(page, 'paid');

  await fillCard(stalePay, { number: '5555555555554444' });
  await navigating(stalePay, () => stalePay.click('#pay'));
  await shot('stale form paid again', stalePay);
  assert.deepEqual((await transactions(api, o.id)).map((t) => t.method?.brand), ['visa'],
    'a stale form started a second attempt on a paid order');
  assert.equal((await api.getOrder(o.id)).status, 'paid');
  await assertFinal(stalePay, 'paid');

  await navigating(staleCancel, () => staleCancel.click('#cancel'));
  await shot('stale form cancelled', staleCancel);
  assert.equal((await api.getOrder(o.id)).status, 'paid', 'a stale cancel rejected a paid order');
  await assertFinal(staleCancel, 'paid');
});

browserTest('the CSRF field of one checkout does not work on another', async ({ page, shot }) => {
  const a = await order();
  const b = await order();
  await openPay(page, a);
  const csrfA = await page.locator('form:has(#pay) input[type="hidden"][name="csrf"]').getAttribute('value');
  assert.ok(csrfA, 'no hidden field named csrf');
  await openPay(page, b);
  await page.locator('form:has(#pay) input[type="hidden"][name="csrf"]').evaluate((e, v) => { e.value = v; }, csrfA);
  const r = await payByCard(page, { number: CARDS.visa });
  await shot('other checkout csrf');
  assert.equal(r.status(), 403, 'a CSRF field of another checkout was accepted');
  assert.equal((await transactions(api, b.id)).length, 0);
  assert.equal((await api.getOrder(b.id)).status, 'viewed');
});

browserTest('an order that expires while its page is open: paying shows the final page expired', async ({ page, shot }) => {
  const o = await order({ expires_at: isoIn(2) });
  await openPay(page, o);
  await fillCard(page, { number: CARDS.visa });
  await shot('form before expiry');
  await sleep(ms(2500));
  await navigating(page, () => page.click('#pay'));
  await shot('after pay');
  assert.equal((await transactions(api, o.id)).length, 0, 'an expired order started an attempt');
  assert.equal((await api.getOrder(o.id)).status, 'expired');
  await assertFinal(page, 'expired');
  await openPay(page, o);
  await assertFinal(page, 'expired');
});

browserTest('an order marked received shows the final page received', async ({ page, shot }) => {
  const o = await order();
  const r = await api.post(`/v1/orders/${o.id}/receive`);
  assert.equal(r.status, 200, r.text);
  await openPay(page, o);
  await shot('received order page');
  await assertFinal(page, 'received');
});

browserTest('card on hold for review (4000000000001000): return_url gets transaction_id, order in progress', async ({ page, shot }) => {
  const o = await order({ return_url: merchant.url('/back') });
  await openPay(page, o);
  await payByCard(page, { number: '4000000000001000' });
  await shot('landed');
  const l = landing(page);
  assert.equal(l.path, '/back');
  const t = await lastTransaction(o.id);
  assert.equal(t.status, 'pending');
  assert.equal(l.query.transaction_id, t.uid);
  assert.equal(l.query.merchant_reference, 'ORDER-1001');
  assert.equal((await api.getOrder(o.id)).status, 'in_progress');
});

browserTest('a language the page does not speak (es) falls back to English', async ({ page, shot }) => {
  const o = await order({ language: 'es' });
  await openPay(page, o);
  await shot('spanish order page');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
});

// ------------------------------------------------------------------ card data

test('card numbers are never logged nor stored', () => {
  const logs = srv.stderr() + srv.stdout();
  for (const n of Object.values(CARDS)) {
    assert.ok(!logs.includes(n), `the server logged the card number ${n}`);
  }
  // the database must hold this suite's payments (else the search proves nothing)
  let searched = '';
  for (const f of [srv.dbPath, `${srv.dbPath}-wal`].filter((x) => fs.existsSync(x))) {
    const bytes = fs.readFileSync(f);
    searched += bytes.toString('latin1');
    for (const n of Object.values(CARDS)) {
      assert.ok(!bytes.includes(n), `${f} holds the card number ${n}`);
    }
  }
  assert.ok(searched.includes('"last_4":"4242"'), 'the database files searched hold no payment');
});

