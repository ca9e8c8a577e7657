// Seed 003's checkout tokens, as a client written for that provider calls
// them: Basic auth (shop id : secret key), the lenient checkout body real
// clients send, the status query, the customer's return with token, uid
// and status, notifications in its shape signed with RSA (the public key
// from GET /v1/shop), and the gateway's child operations.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { cleanup, createShop, startServer, request, sleep, ms } from './harness.mjs';

after(cleanup);
let srv, shop, receiver;
const calls = [];
before(async () => {
  srv = await startServer({ args: ['--rate-limit', '0', '--sandbox-refund-ms', '50',
    '--sweep-interval', '30'] });
  shop = createShop(srv.dbPath, 'CTP');
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => { calls.push({ headers: req.headers, body, json: JSON.parse(body) }); res.end('ok'); });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
});
after(() => new Promise((r) => receiver.close(r)));

const basic = (user, pass) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const ctp = (method, p, body, auth = basic(shop.id, shop.secret_key)) => request(srv.base, method, p, {
  body, headers: { authorization: auth, accept: 'application/json', 'x-api-version': '2' } });

function checkoutBody(extra = {}) {
  return {
    checkout: {
      version: 2.1, transaction_type: 'payment', attempts: null, test: null,
      order: { amount: 1999, currency: 'EUR', description: 'Tea for two', tracking_id: 'T-42',
        expired_at: null, additional_data: { receipt_text: ['Thanks'], contract: ['recurring'],
          meta: { x: 1 }, fiscalization: null } },
      settings: { success_url: 'https://shop.example.com/ok?src=ctp', decline_url: 'https://shop.example.com/no',
        fail_url: 'https://shop.example.com/fail', cancel_url: null,
        notification_url: `http://127.0.0.1:${receiver.address().port}/ctp`,
        return_url: null, language: 'en', customer_fields: { read_only: ['email'], visible: ['first_name'] } },
      customer: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', country: 'GB',
        address: null, city: null },
      payment_method: { types: ['credit_card'] },
      ...extra,
    },
    test: 'true',
  };
}

/** Pays a checkout on its hosted page with the card; returns the 303 Location. */
async function payOnPage(token, number = '4242424242424242') {
  const page = await fetch(`${srv.base}/pay/${token}`);
  const cookie = page.headers.get('set-cookie').split(';')[0];
  const csrf = (await page.text()).match(/name="csrf" value="([0-9a-f]{64})"/)[1];
  const r = await fetch(`${srv.base}/pay/${token}`, { method: 'POST', redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, method: 'card', card_number: number, exp_month: '12',
      exp_year: '2035', cvc: '123', holder: 'Ada Lovelace' }).toString() });
  return { status: r.status, location: r.headers.get('location') };
}

test('Basic auth with the shop id and secret key; wrong or missing is 401', async () => {
  const ok = await ctp('POST', '/ctp/api/checkouts', checkoutBody());
  assert.equal(ok.status, 200, ok.text);
  assert.match(ok.json.checkout.token, /^[0-9a-f]{64}$/);
  assert.equal(ok.json.checkout.redirect_url, `http://127.0.0.1/pay/${ok.json.checkout.token}`);
  assert.equal((await ctp('POST', '/ctp/api/checkouts', checkoutBody(), basic(shop.id, 'sk_test_nope'))).status, 401);
  assert.equal((await ctp('POST', '/ctp/api/checkouts', checkoutBody(), basic('shop_other', shop.secret_key))).status, 401);
  assert.equal((await ctp('POST', '/ctp/api/checkouts', checkoutBody(), '')).status, 401);
});

test('bad checkouts: 422 with message and errors by field; nothing created', async () => {
  const r = await ctp('POST', '/ctp/api/checkouts', { checkout: { order: { amount: 0, currency: 'EURO' },
    transaction_type: 'teleport', test: 'maybe' } });
  assert.equal(r.status, 422, r.text);
  assert.equal(typeof r.json.message, 'string');
  for (const f of ['checkout.order.amount', 'checkout.order.currency', 'checkout.transaction_type', 'checkout.test'])
    assert.ok(Array.isArray(r.json.errors[f]), `${f}: ${r.text}`);
});

test('the status query; paying sends the customer to success_url with token, uid and status', async () => {
  const { token } = (await ctp('POST', '/ctp/api/checkouts', checkoutBody())).json.checkout;
  const q = await ctp('GET', `/ctp/api/checkouts/${token}`);
  assert.equal(q.status, 200, q.text);
  assert.equal(q.json.checkout.order.amount, 1999);
  assert.equal(q.json.checkout.order.tracking_id, 'T-42');
  assert.equal(q.json.checkout.test, true);
  assert.equal(q.json.checkout.customer.first_name, 'Ada');
  const paid = await payOnPage(token);
  assert.equal(paid.status, 303);
  const back = new URL(paid.location);
  assert.equal(back.origin + back.pathname, 'https://shop.example.com/ok');
  assert.equal(back.searchParams.get('src'), 'ctp', 'the URL\'s own query is kept');
  assert.equal(back.searchParams.get('token'), token);
  assert.match(back.searchParams.get('uid'), /^txn_/);
  assert.equal(back.searchParams.get('status'), 'successful');
  const after = await ctp('GET', `/ctp/api/checkouts/${token}`);
  assert.equal(after.json.checkout.gateway_response.payment.status, 'successful');
  assert.equal(after.json.checkout.finished, true);
});

test('a declined payment goes to decline_url once no attempt is left', async () => {
  const body = checkoutBody();
  body.checkout.attempts = 1;
  const { token } = (await ctp('POST', '/ctp/api/checkouts', body)).json.checkout;
  const r = await payOnPage(token, '4000000000000002');
  const back = new URL(r.location);
  assert.equal(back.pathname, '/no');
  assert.equal(back.searchParams.get('status'), 'failed');
});

test('notifications in the provider\'s shape, signed with RSA-SHA256 by the shop\'s key', async () => {
  const { token } = (await ctp('POST', '/ctp/api/checkouts', checkoutBody())).json.checkout;
  await payOnPage(token);
  const end = Date.now() + ms(8000);
  let n;
  while (!n && Date.now() < end) {
    n = calls.find((k) => k.json.transaction?.receipt_url?.endsWith(token));
    if (!n) await sleep(30);
  }
  assert.ok(n, 'the notification arrived');
  const t = n.json.transaction;
  assert.equal(t.status, 'successful');
  assert.equal(t.type, 'payment');
  assert.equal(t.amount, 1999);
  assert.equal(t.tracking_id, 'T-42');
  assert.equal(t.description, 'Tea for two');
  assert.equal(t.payment_method_type, 'credit_card');
  assert.equal(t.test, true);
  assert.ok(t.paid_at);
  assert.deepEqual(t.credit_card, { holder: 'Ada Lovelace', brand: 'visa', last_4: '4242', first_1: '4',
    exp_month: 12, exp_year: 2035 });
  assert.equal(t.customer.email, 'ada@example.com');
  assert.equal(t.billing_address.country, 'GB');
  const me = await request(srv.base, 'GET', '/v1/shop', { key: shop.secret_key });
  const key = crypto.createPublicKey({ key: Buffer.from(me.json.notification_public_key, 'base64'),
    format: 'der', type: 'spki' });
  assert.ok(crypto.verify('sha256', Buffer.from(n.body), key,
    Buffer.from(n.headers['content-signature'], 'base64')), 'Content-Signature verifies');
  assert.ok(!crypto.verify('sha256', Buffer.from(n.body + ' '), key,
    Buffer.from(n.headers['content-signature'], 'base64')), 'and only for this body');
});

test('child operations: captures, refunds and voids by parent_uid', async () => {
  const auth = checkoutBody({ transaction_type: 'authorization' });
  const { token } = (await ctp('POST', '/ctp/api/checkouts', auth)).json.checkout;
  const back = new URL((await payOnPage(token)).location);
  const uid = back.searchParams.get('uid');
  const cap = await ctp('POST', '/transactions/captures', { request: { parent_uid: uid, amount: 1500 } });
  assert.equal(cap.status, 200, cap.text);
  assert.equal(cap.json.transaction.type, 'capture');
  assert.equal(cap.json.transaction.status, 'successful');
  assert.equal(cap.json.transaction.amount, 1500);
  assert.equal(cap.json.transaction.parent_uid, uid);
  const ref = await ctp('POST', '/transactions/refunds', { request: { parent_uid: uid, amount: 500, reason: 'damaged' } });
  assert.equal(ref.status, 200, ref.text);
  assert.equal(ref.json.transaction.type, 'refund');
  const tooMuch = await ctp('POST', '/transactions/captures', { request: { parent_uid: uid, amount: 1 } });
  assert.equal(tooMuch.status, 422);
  const two = checkoutBody({ transaction_type: 'authorization' });
  const t2 = (await ctp('POST', '/ctp/api/checkouts', two)).json.checkout.token;
  const uid2 = new URL((await payOnPage(t2)).location).searchParams.get('uid');
  const v = await ctp('POST', '/transactions/voids', { request: { parent_uid: uid2 } });
  assert.equal(v.json.transaction.type, 'void', v.text);
  assert.equal((await ctp('POST', '/transactions/refunds', { request: {} })).status, 422);
  assert.equal((await ctp('POST', '/transactions/refunds', { request: { parent_uid: 'txn_none' } })).status, 404);
});
