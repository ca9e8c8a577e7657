// Seed 000 in Chromium: the stand-in Ecwid store (examples/ecwid-store)
// sends the browser with its encrypted payment request (made here with
// node's OpenSSL, GCM and CBC) to Obol's payment app; the customer pays on
// the real hosted page; Obol PUTs the store's order update, and only then
// does the browser land on the store's returnUrl. Screenshots:
// build/screenshots/.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createShop, cleanup, ms } from '../blackbox/harness.mjs';
import { client } from '../blackbox/orders-helpers.mjs';
import { startStore } from '../../examples/ecwid-store/store.mjs';
import {
  CARDS, browserTest, launchBrowser, closeBrowser, startPayServer, payByCard, checkCspOf,
} from './browser-helpers.mjs';

const SECRET = 'Zq8vL2pX7rT4nW9kJ3hF';
let srv, api, store;

before(async () => {
  srv = await startPayServer(['--webhook-retry-ms', '300']);
  checkCspOf(srv.base);
  const shop = createShop(srv.dbPath, 'Ecwid app shop');
  api = client(srv, shop.secret_key);
  store = await startStore({ obolUrl: srv.base, shopId: shop.id, clientSecret: SECRET });
  const r = await api.patch('/v1/shop', { ecwid: { client_secret: SECRET, api_base_url: store.base } });
  assert.equal(r.status, 200, r.text);
  await launchBrowser();
});

after(async () => {
  await closeBrowser();
  if (store) await store.close();
  await cleanup();
});

/** From the store's checkout to Obol's hosted page; returns the store's order. */
async function toHostedPage(page, query) {
  await page.goto(store.checkoutUrl(query));
  await page.waitForURL(`${srv.base}/pay/**`, { timeout: ms(10000) });
  return [...store.orders.values()].at(-1);
}

/** The log entries (puts, returns) of one store order, in arrival order. */
function storeLog(order) {
  return store.log.filter((e) => (e.type === 'put' && e.path.endsWith(`/${order.referenceTransactionId}`))
    || (e.type === 'return' && e.id === order.id));
}

browserTest('Ecwid (GCM, German): paid on the hosted page, the store told PAID before the customer is back on its thank-you page', async ({ page, shot }) => {
  const order = await toHostedPage(page, { total: '12.50', currency: 'EUR', lang: 'de', mode: 'gcm' });
  assert.equal(await page.getAttribute('html', 'lang'), 'de');
  assert.match(await page.innerText('body'), /12[.,]50/);
  await shot('hosted page in German');
  await payByCard(page, { number: CARDS.visa });
  await page.waitForURL(`${store.base}/return/**`, { timeout: ms(20000) });
  await shot('store thank-you page');
  assert.equal(page.url(), `${store.base}/return/${order.id}?clientId=obol-app&hash=ABC`);
  assert.equal(await page.locator('#thanks').count(), 1);
  const log = storeLog(order);
  assert.deepEqual(log.map((e) => e.type), ['put', 'return'], 'the store order must be updated before the customer returns');
  assert.deepEqual(JSON.parse(log[0].body), { paymentStatus: 'PAID' });
  assert.equal(log[0].authorization, `Bearer ${store.token}`);
});

browserTest('Ecwid (CBC, French): declined, INCOMPLETE, back on the cart with the French errorMsg', async ({ page, shot }) => {
  const order = await toHostedPage(page, { total: '9.90', lang: 'fr', mode: 'cbc' });
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  await payByCard(page, { number: CARDS.declined });
  await page.waitForURL(`${store.base}/return/**`, { timeout: ms(20000) });
  await shot('store cart with the error');
  assert.equal(await page.locator('#error').innerText(), 'Votre carte a été refusée.');
  assert.match(page.url(), /\?clientId=obol-app&hash=ABC&errorMsg=Votre%20carte%20a%20%C3%A9t%C3%A9%20refus%C3%A9e\.$/);
  assert.deepEqual(order.updates, ['INCOMPLETE']);
  assert.deepEqual(storeLog(order).map((e) => e.type), ['put', 'return']);
});

browserTest('Ecwid: the store is down, the waiting page moves on by itself once it accepts the update', async ({ page, shot }) => {
  const order = await toHostedPage(page, { total: '5.00', lang: 'en' });
  store.setDown(2);
  await payByCard(page, { number: CARDS.visa });
  // Obol's waiting page while the store answers 503
  assert.match(page.url(), /\/ecwid\/return\//);
  assert.equal(await page.locator('#waiting').count(), 1);
  await shot('waiting for the store');
  await page.waitForURL(`${store.base}/return/**`, { timeout: ms(30000) });
  await shot('store thank-you page after the retry');
  assert.equal(await page.locator('#thanks').count(), 1);
  const log = storeLog(order);
  assert.deepEqual(log.map((e) => e.answered ?? e.type), [503, 503, 200, 'return']);
});
