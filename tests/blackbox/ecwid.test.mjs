// Seed 000: a shop as an Ecwid store's payment app (docs/seed-000.md). The
// stand-in store of examples/ecwid-store encrypts the payment request (GCM
// or CBC, node's OpenSSL) and records the order updates Obol PUTs; the
// customer is played over HTTP here (the browser suite drives the same flow
// in Chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, createShop, startServer, ms, sleep } from './harness.mjs';
import { client } from './orders-helpers.mjs';
import { startStore, encryptPayload } from '../../examples/ecwid-store/store.mjs';

const SECRET = 'Kp3xY9wQ2mN7vB4tR8sL'; // the key is its first 16 characters
let srv, shop, api, store;

before(async () => {
  srv = await startServer({ args: ['--rate-limit', '0', '--webhook-retry-ms', '100',
    '--sandbox-review-ms', String(ms(1500))] });
  shop = createShop(srv.dbPath, 'Ecwid shop');
  api = client(srv, shop.secret_key);
  store = await startStore({ obolUrl: srv.base, shopId: shop.id, clientSecret: SECRET });
  const r = await api.patch('/v1/shop', { ecwid: { client_secret: SECRET, api_base_url: store.base } });
  assert.equal(r.status, 200, r.text);
});

after(async () => {
  if (store) await store.close();
  await cleanup();
});

/** The store's checkout: its form with `data`, as the customer's browser gets it. */
async function checkoutForm(query) {
  const html = await (await fetch(store.checkoutUrl(query))).text();
  const action = html.match(/action="([^"]+)"/)[1].replace(/&#38;/g, '&');
  const data = html.match(/name="data" value="([^"]+)"/)[1];
  return { action, data };
}

/** Posts `data` to the payment app; returns the raw response. */
function postData(action, data) {
  return fetch(action, { method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ data }).toString() });
}

/** Store checkout → Obol: asserts the 303 to the hosted page; returns its token. */
async function arrive(query) {
  const { action, data } = await checkoutForm(query);
  assert.equal(action, `${srv.base}/ecwid/${shop.id}/payment`);
  const r = await postData(action, data);
  assert.equal(r.status, 303, await r.text());
  const token = r.headers.get('location').match(/^\/pay\/([A-Za-z0-9_-]+)$/)[1];
  return token;
}

/** Pays the hosted page of token with card (or cancels); returns the 303 Location. */
async function pay(token, card) {
  const page = await fetch(`${srv.base}/pay/${token}`);
  assert.equal(page.status, 200);
  const cookie = page.headers.get('set-cookie').split(';')[0];
  const html = await page.text();
  const csrf = html.match(/name="csrf" value="([0-9a-f]{64})"/)[1];
  const form = card
    ? { csrf, method: 'card', card_number: card, exp_month: '12', exp_year: '2035', cvc: '123' }
    : { csrf };
  const r = await fetch(`${srv.base}/pay/${token}${card ? '' : '/cancel'}`, { method: 'POST', redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString() });
  assert.equal(r.status, 303, await r.text());
  return r.headers.get('location');
}

/** Follows the waiting page until it sends the customer on; returns {location, waited}. */
async function backToStore(location) {
  // Obol's own URL (its --public-url, without the port here): asked at srv.base
  const path = new URL(location).pathname;
  assert.match(path, /^\/ecwid\/return\/[A-Za-z0-9_-]+$/);
  for (let waited = 0; waited < 200; waited++) {
    const r = await fetch(srv.base + path, { redirect: 'manual' });
    if (r.status === 303) return { location: r.headers.get('location'), waited };
    assert.equal(r.status, 200);
    const html = await r.text();
    assert.match(html, /<meta http-equiv="refresh" content="1">/, 'the waiting page does not move on by itself');
    assert.match(html, /id="waiting"/);
    await sleep(ms(100));
  }
  throw new Error('never sent back to the store');
}

const storeOrder = () => [...store.orders.values()].at(-1);
const orderOf = async (token) => api.getOrder((await api.listAll()).find((o) => o.token === token).id);

test('GCM request, paid: the order is made from the cart, the store is told PAID first, then the customer goes back unchanged', async () => {
  const token = await arrive({ total: '12.50', currency: 'EUR', lang: 'de', mode: 'gcm' });
  const ecwid = storeOrder();
  const order = await orderOf(token);
  assert.equal(order.amount, 1250);
  assert.equal(order.currency, 'EUR');
  assert.equal(order.language, 'de');
  assert.equal(order.merchant_reference, ecwid.id);
  const page = await (await fetch(`${srv.base}/pay/${token}`)).text();
  assert.match(page, /<html lang="de"/, 'the hosted page is not in the request\'s lang');

  const { location } = await backToStore(await pay(token, '4242424242424242'));
  assert.equal(location, `${store.base}/return/${ecwid.id}?clientId=obol-app&hash=ABC`);
  const puts = store.log.filter((e) => e.type === 'put' && e.path.endsWith(`/${ecwid.referenceTransactionId}`));
  assert.equal(puts.length, 1);
  assert.equal(puts[0].path, `/api/v3/${store.storeId}/orders/${ecwid.referenceTransactionId}`);
  assert.equal(puts[0].authorization, `Bearer ${store.token}`);
  assert.equal(puts[0].contentType, 'application/json;charset=utf-8');
  assert.deepEqual(JSON.parse(puts[0].body), { paymentStatus: 'PAID' });
  assert.equal(ecwid.paymentStatus, 'PAID');
  assert.equal((await api.getOrder(order.id)).status, 'paid');
});

test('CBC request, declined: INCOMPLETE (never CANCELLED), then returnUrl with the localised errorMsg', async () => {
  const token = await arrive({ total: '7.00', lang: 'fr', mode: 'cbc' });
  const ecwid = storeOrder();
  const { location } = await backToStore(await pay(token, '4000000000000002'));
  assert.ok(location.startsWith(`${store.base}/return/${ecwid.id}?clientId=obol-app&hash=ABC&errorMsg=`), location);
  assert.ok(!location.includes('+'), `spaces must be %20: ${location}`);
  assert.equal(new URL(location).searchParams.get('errorMsg'), 'Votre carte a été refusée.');
  assert.deepEqual(ecwid.updates, ['INCOMPLETE']);
});

test('the store is down: the customer waits on the page until the update is accepted, then goes back', async () => {
  const token = await arrive({ total: '3.10', lang: 'en' });
  const ecwid = storeOrder();
  store.setDown(3);
  const { location, waited } = await backToStore(await pay(token, '4242424242424242'));
  assert.ok(waited > 0, 'the customer was sent back before the store accepted the update');
  assert.equal(location, `${store.base}/return/${ecwid.id}?clientId=obol-app&hash=ABC`);
  const puts = store.log.filter((e) => e.type === 'put' && e.path.endsWith(`/${ecwid.referenceTransactionId}`));
  assert.deepEqual(puts.map((p) => p.answered), [503, 503, 503, 200]);
  assert.deepEqual(ecwid.updates, ['PAID']);
});

test('cancelled on the page: no update is needed, back with errorMsg', async () => {
  const token = await arrive({ total: '4.00', lang: 'de' });
  const ecwid = storeOrder();
  const { location } = await backToStore(await pay(token, null));
  assert.equal(new URL(location).searchParams.get('errorMsg'), 'Die Zahlung wurde abgebrochen.');
  assert.deepEqual(ecwid.updates, []);
  assert.equal((await orderOf(token)).status, 'rejected'); // the customer declined to pay
});

test('the request posted again (reload, back button) leads to the same order, never a second payment; after a cancel, a new one', async () => {
  const { action, data } = await checkoutForm({ total: '6.00', lang: 'en' });
  const before = (await api.listAll()).length;
  // a double click: the same request several times at once
  const burst = await Promise.all([1, 2, 3, 4, 5, 6].map(() => postData(action, data)));
  const first = burst[0];
  assert.equal(first.status, 303);
  for (const r of burst) assert.equal(r.headers.get('location'), first.headers.get('location'));
  assert.equal((await api.listAll()).length, before + 1, 'one store order made more than one order');
  const again = await postData(action, data);
  assert.equal(again.headers.get('location'), first.headers.get('location'));
  const token = first.headers.get('location').slice('/pay/'.length);
  await backToStore(await pay(token, '4242424242424242'));
  const afterPaid = await postData(action, data);
  assert.equal(afterPaid.headers.get('location'), `/ecwid/return/${token}`,
    'a paid store order must lead back to the store, not to a new order or its page');

  const other = await checkoutForm({ total: '2.00', lang: 'en' });
  const cancelled = (await postData(other.action, other.data)).headers.get('location');
  await backToStore(await pay(cancelled.slice('/pay/'.length), null));
  const retried = (await postData(other.action, other.data)).headers.get('location');
  assert.notEqual(retried, cancelled, 'the store\'s cart could not be paid again after a cancel');
});

test('the cart changed before paying: the earlier order is cancelled, the new total gets its own order', async () => {
  const request = (total, hash) => ({ storeId: store.storeId, token: store.token, lang: 'en',
    returnUrl: `${store.base}/return/88?clientId=c&hash=${hash}`,
    cart: { currency: 'EUR', order: { id: 88, referenceTransactionId: 'transaction_88', total } } });
  const post = async (total, hash = 'A') => {
    const r = await postData(`${srv.base}/ecwid/${shop.id}/payment`, encryptPayload(request(total, hash), SECRET));
    assert.equal(r.status, 303, await r.text());
    return r.headers.get('location').slice('/pay/'.length);
  };
  const first = await post('5.00');
  const second = await post('7.00');
  assert.notEqual(second, first);
  assert.equal((await orderOf(first)).status, 'cancelled', 'the old total could still be paid');
  assert.equal((await orderOf(second)).amount, 700);
  assert.equal(await post('7.00', 'B'), second, 'the same cart again leads to the same order');
  // ... which keeps the newest request's returnUrl (the store's is temporary)
  const { location } = await backToStore(await pay(second, null));
  assert.ok(location.startsWith(`${store.base}/return/88?clientId=c&hash=B&errorMsg=`), location);
});

test('an invoice: AWAITING_PAYMENT and back to the store; PAID once the merchant receives the money', async () => {
  const token = await arrive({ total: '9.00', lang: 'en' });
  const ecwid = storeOrder();
  const page = await fetch(`${srv.base}/pay/${token}`);
  const cookie = page.headers.get('set-cookie').split(';')[0];
  const csrf = (await page.text()).match(/name="csrf" value="([0-9a-f]{64})"/)[1];
  const r = await fetch(`${srv.base}/pay/${token}`, { method: 'POST', redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, method: 'invoice' }).toString() });
  assert.equal(r.status, 303, await r.text());
  const { location } = await backToStore(r.headers.get('location'));
  assert.equal(location, `${store.base}/return/${ecwid.id}?clientId=obol-app&hash=ABC`);
  assert.deepEqual(ecwid.updates, ['AWAITING_PAYMENT']);
  const order = await orderOf(token);
  const received = await api.post(`/v1/orders/${order.id}/receive`);
  assert.equal(received.status, 200, received.text);
  for (let i = 0; i < 200 && ecwid.updates.length < 2; i++) await sleep(ms(25));
  assert.deepEqual(ecwid.updates, ['AWAITING_PAYMENT', 'PAID']);
});

test('held for review: AWAITING_PAYMENT while pending; once paid, a stale AWAITING_PAYMENT retry never lands after PAID', async () => {
  const token = await arrive({ total: '8.00', lang: 'en' });
  const ecwid = storeOrder();
  store.setDown(1e9); // every update refused until the review has ended
  const location = await pay(token, '4000000000001000');
  const order = await orderOf(token);
  for (let i = 0; i < 200 && (await api.getOrder(order.id)).status !== 'paid'; i++) await sleep(ms(50));
  assert.equal((await api.getOrder(order.id)).status, 'paid');
  const refused = store.log.filter((e) => e.type === 'put' && e.path.endsWith(`/${ecwid.referenceTransactionId}`));
  assert.ok(refused.some((e) => JSON.parse(e.body).paymentStatus === 'AWAITING_PAYMENT'),
    'AWAITING_PAYMENT was not sent while the payment was pending');
  store.setDown(0);
  const back = await backToStore(location);
  assert.equal(back.location, `${store.base}/return/${ecwid.id}?clientId=obol-app&hash=ABC`);
  await sleep(ms(1500)); // the stale update's next retry would be due by now
  assert.deepEqual(ecwid.updates, ['PAID']);
  assert.equal(ecwid.paymentStatus, 'PAID');
});

test('errorMsg goes before a #fragment of returnUrl; a bad email is left out, not a failure', async () => {
  const request = { storeId: store.storeId, token: store.token, lang: 'en',
    returnUrl: `${store.base}/return/77?clientId=c#top`,
    cart: { currency: 'EUR', order: { id: 77, referenceTransactionId: 'transaction_77', total: '1.50', email: 'not an address' } } };
  const r = await postData(`${srv.base}/ecwid/${shop.id}/payment`, encryptPayload(request, SECRET));
  assert.equal(r.status, 303, await r.text());
  const token = r.headers.get('location').slice('/pay/'.length);
  const order = await orderOf(token);
  assert.equal(order.amount, 150);
  assert.equal(order.client?.email ?? null, null);
  const { location } = await backToStore(await pay(token, null));
  assert.equal(location, `${store.base}/return/77?clientId=c&errorMsg=The%20payment%20was%20cancelled.#top`);
});

test('a payload that does not decrypt or parse is a 400 page and creates nothing', async () => {
  const before = (await api.listAll()).length;
  const { action, data } = await checkoutForm({ total: '5.00' });
  const flipped = data.slice(0, 40) + (data[40] === 'A' ? 'B' : 'A') + data.slice(41);
  const request = { storeId: 1, token: 't', returnUrl: 'http://127.0.0.1/r', lang: 'en',
    cart: { currency: 'EUR', order: { id: 1, referenceTransactionId: 'transaction_1', total: 5 } } };
  const cases = {
    tampered: flipped,
    garbage: 'not-base64-at-all!!',
    empty: '',
    'wrong key': encryptPayload(request, 'another-secret-0123456789'),
    'not an object': encryptPayload('just a string', SECRET),
    'no total': encryptPayload({ ...request, cart: { currency: 'EUR', order: { id: 1, referenceTransactionId: 'x' } } }, SECRET),
    'unknown currency': encryptPayload({ ...request, cart: { ...request.cart, currency: 'XXY' } }, SECRET, 'cbc'),
    'storeId not a number': encryptPayload({ ...request, storeId: '12/../7' }, SECRET),
    'referenceTransactionId ..': encryptPayload({ ...request, cart: { ...request.cart, order: { ...request.cart.order, referenceTransactionId: '..' } } }, SECRET),
    'token with a line break': encryptPayload({ ...request, token: 'secret\r\nX-Evil: 1' }, SECRET),
    'returnUrl not http(s)': encryptPayload({ ...request, returnUrl: 'javascript:alert(1)' }, SECRET),
    'total over the largest amount': encryptPayload({ ...request, cart: { ...request.cart, order: { ...request.cart.order, total: '99999999999.99' } } }, SECRET),
    'total zero': encryptPayload({ ...request, cart: { ...request.cart, order: { ...request.cart.order, total: 0 } } }, SECRET),
  };

  for (const [name, value] of Object.entries(cases)) {
    const r = await postData(action, value);
    assert.equal(r.status, 400, `${name}: ${r.status}`);
    assert.match(r.headers.get('content-type'), /^text\/html/, name);
    assert.match(await r.text(), /id="message"/, name);
  }
  const unknownShop = await postData(`${srv.base}/ecwid/shop_doesnotexist/payment`, data);
  assert.equal(unknownShop.status, 404);
  assert.equal((await api.listAll()).length, before, 'an order was created from a bad payload');
  // the same data, intact, is accepted
  assert.equal((await postData(action, data)).status, 303);
});

test('PATCH /v1/shop ecwid: validated, the secret never shown, null switches the app off', async () => {
  let r = await api.patch('/v1/shop', { ecwid: { client_secret: 'short', api_base_url: 'ftp://x', extra: 1 } });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error.code, 'validation_error');
  for (const f of ['ecwid.client_secret', 'ecwid.api_base_url', 'ecwid.extra']) {
    assert.ok(JSON.stringify(r.json).includes(f), `${f} not named: ${r.text}`);
  }
  r = await api.get('/v1/shop');
  assert.deepEqual(r.json.ecwid, { api_base_url: store.base, client_secret_set: true });
  assert.ok(!r.text.includes(SECRET), 'the client secret is shown');
  r = await api.patch('/v1/shop', { ecwid: null });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ecwid, null);
  const { action, data } = await checkoutForm({ total: '5.00' });
  assert.equal((await postData(action, data)).status, 404);
  r = await api.patch('/v1/shop', { ecwid: { client_secret: SECRET, api_base_url: store.base } });
  assert.equal(r.status, 200, r.text);
});
