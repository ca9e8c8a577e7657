// Seed 002's API (DECTA-style v0.6) under /api/v0.6/, as a client written
// for it calls it: orders in its names and shape, host-to-host card
// payment at api_do_url, capture / refund / cancel / reverse with decimal
// amounts, the order list, and webhooks with its event names, body
// {event_type, ...order} and a hex HMAC-SHA256 of the body.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { cleanup, createShop, startServer, sleep, ms } from './harness.mjs';
import { client } from './orders-helpers.mjs';

after(cleanup);
let srv, c;
before(async () => {
  srv = await startServer({ args: ['--rate-limit', '0', '--sandbox-refund-ms', '50',
    '--sweep-interval', '30', '--webhook-retry-ms', '100'] });
  c = client(srv, createShop(srv.dbPath, 'Gate').secret_key);
});

const MINIMAL = { client: { email: 'test@test.com' }, products: [{ price: 0.3, title: 'test' }] };
const local = (url) => url.replace(/^https?:\/\/[^/]+/, '');

async function settled(id, pred, what) {
  const end = Date.now() + ms(8000);
  while (Date.now() < end) {
    const o = (await c.get(`/api/v0.6/orders/${id}/?response_type=full`)).json;
    if (pred(o)) return o;
    await sleep(30);
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('auth: the shop\'s secret key as Bearer; a wrong or missing one is 401', async () => {
  const { request } = await import('./harness.mjs');
  assert.equal((await request(srv.base, 'GET', '/api/v0.6/orders/', { key: 'sk_test_' + '0'.repeat(64) })).status, 401);
  assert.equal((await request(srv.base, 'GET', '/api/v0.6/orders/')).status, 401);
  assert.equal((await request(srv.base, 'POST', '/api/v0.6/orders/', { body: MINIMAL })).status, 401);
  assert.equal((await c.get('/api/v0.6/orders/')).status, 200);
});

test('the seed\'s minimal order: 201 with id, full_page_checkout, api_do_url', async () => {
  const r = await c.post('/api/v0.6/orders/', { ...MINIMAL, currency: 'EUR' });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.id, /^ord_/);
  assert.ok(r.json.full_page_checkout.includes('/pay/'));
  assert.equal(r.json.iframe_checkout, r.json.full_page_checkout, 'iframe_checkout is the hosted page');
  assert.match(r.json.api_do_url, new RegExp(`/api/v0.6/orders/${r.json.id}/do/$`));
  assert.equal(r.json.status, 'issued');
  assert.equal(r.json.total, '0.30');
  assert.equal(r.json.currency, 'EUR');
  assert.equal(typeof r.json.issued, 'number');
  assert.ok(!('products' in r.json), 'minimum by default');
  const full = await c.post('/api/v0.6/orders/?response_type=full', { ...MINIMAL, currency: 'EUR' });
  assert.deepEqual(full.json.products, [{ title: 'test', price: '0.30', quantity: 1 }]);
  assert.equal(full.json.client.email, 'test@test.com');
});

test('the provider\'s fields: number, skip_capture, is_test, due with deny_overdue_payment, redirects, notes', async () => {
  const due = Math.floor(Date.now() / 1000) + 3600;
  const r = await c.post('/api/v0.6/orders/?response_type=full', { ...MINIMAL, currency: 'EUR',
    number: 'INV-1001', skip_capture: true, is_test: true, due, deny_overdue_payment: true,
    success_redirect: 'https://shop.example.com/ok', failure_redirect: 'https://shop.example.com/no',
    in_progress_redirect: 'https://shop.example.com/wait', cancel_redirect: 'https://shop.example.com/back',
    notes: 'gift wrap', referrer: 'newsletter', language: 'de', max_payment_attempts: 3,
    save_card: false, client: { email: 'a@b.c', first_name: 'Ada', send_to_email: true } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.number, 'INV-1001');
  assert.equal(r.json.skip_capture, true);
  assert.equal(r.json.is_test, true);
  assert.equal(r.json.deny_overdue_payment, true);
  assert.equal(r.json.cancel_redirect, 'https://shop.example.com/back');
  assert.equal(r.json.notes, 'gift wrap');
  assert.equal(r.json.referrer, 'newsletter');
  assert.equal(r.json.client.first_name, 'Ada');
  const native = await c.getOrder(r.json.id, 'full');
  assert.equal(native.merchant_reference, 'INV-1001');
  assert.equal(native.capture, 'manual');
  assert.ok(native.expires_at, 'deny_overdue_payment: the order expires at due');
  const bad = await c.post('/api/v0.6/orders/', { client: { email: 'not-mail' }, products: [] });
  assert.equal(bad.status, 400, bad.text);
});

test('host-to-host at api_do_url: paid; a hold captured in part, refunded, with the timestamps', async () => {
  const o = (await c.post('/api/v0.6/orders/', { ...MINIMAL, currency: 'EUR', skip_capture: true })).json;
  const pay = await c.post(local(o.api_do_url), { cardholder_name: 'Ada Lovelace',
    card_number: '4242424242424242', exp_month: 12, exp_year: 2035, cvv: '123' });
  assert.equal(pay.status, 200, pay.text);
  assert.equal(pay.json.status, 'hold');
  assert.equal(pay.json.transaction_details.status, 'successful');
  const cap = await c.post(`/api/v0.6/orders/${o.id}/capture/`, { amount: '0.20' });
  assert.equal(cap.status, 200, cap.text);
  assert.equal(cap.json.status, 'paid');
  const ref = await c.post(`/api/v0.6/orders/${o.id}/refund/`, { amount: 0.05, reason: 'scratch' });
  assert.equal(ref.json.status, 'refund_initiated', ref.text);
  const done = await settled(o.id, (x) => x.status === 'refunded', 'the refund');
  assert.equal(done.amount_refunded, '0.05');
  assert.equal(typeof done.paid, 'number');
  assert.equal(typeof done.captured, 'number');
  assert.deepEqual(done.status_changes.map((s) => s.status),
    ['issued', 'in_progress', 'hold', 'paid', 'refund_initiated', 'refunded']);
  assert.equal((await c.post(`/api/v0.6/orders/${o.id}/capture/`, {})).status, 409);
  assert.equal((await c.post(`/api/v0.6/orders/${o.id}/refund/`, { amount: '9.99' })).status, 422);
  assert.equal((await c.post(`/api/v0.6/orders/${o.id}/refund/`, { amount: 'x' })).status, 400);
});

test('host-to-host with csc, a decline, 3-D Secure, bad card data', async () => {
  const a = (await c.post('/api/v0.6/orders/', { ...MINIMAL, currency: 'EUR' })).json;
  const ok = await c.post(local(a.api_do_url), { card_number: '5555555555554444',
    exp_month: '12', exp_year: '2035', csc: '123' });
  assert.equal(ok.json.status, 'paid', ok.text);
  const b = (await c.post('/api/v0.6/orders/', { ...MINIMAL, currency: 'EUR' })).json;
  const no = await c.post(local(b.api_do_url), { card_number: '4000000000000002',
    exp_month: 12, exp_year: 2035, cvv: '123' });
  assert.equal(no.json.status, 'failed');
  assert.equal(no.json.transaction_details.code, 'card_declined');
  const s = (await c.post('/api/v0.6/orders/', { ...MINIMAL, currency: 'EUR' })).json;
  const three = await c.post(local(s.api_do_url), { card_number: '4000000000003220',
    exp_month: 12, exp_year: 2035, cvv: '123' });
  assert.equal(three.json.status, 'in_progress');
  assert.match(three.json.redirect_url, /\/sandbox\/3ds\//);
  const bad = await c.post(local(s.api_do_url), { card_number: '4242', exp_month: 13, cvv: '1' });
  assert.equal(bad.status, 400, bad.text);
});

test('cancel: an unpaid order is cancelled, a hold voided; reverse a paid one', async () => {
  const u = (await c.post('/api/v0.6/orders/', { ...MINIMAL, currency: 'EUR' })).json;
  const cu = await c.post(`/api/v0.6/orders/${u.id}/cancel/`);
  assert.equal(cu.json.status, 'cancelled', cu.text);
  const h = (await c.post('/api/v0.6/orders/', { ...MINIMAL, currency: 'EUR', skip_capture: true })).json;
  await c.post(local(h.api_do_url), { card_number: '4242424242424242', exp_month: 12, exp_year: 2035, cvv: '123' });
  const ch = await c.post(`/api/v0.6/orders/${h.id}/cancel/`);
  assert.equal(ch.json.status, 'cancelled', ch.text);
  const txs = (await c.get(`/v1/orders/${h.id}/transactions`)).json.data.map((t) => t.type);
  assert.ok(txs.includes('void'), 'the hold was voided at the acquirer');
  const p = (await c.post('/api/v0.6/orders/', { ...MINIMAL, currency: 'EUR' })).json;
  await c.post(local(p.api_do_url), { card_number: '4242424242424242', exp_month: 12, exp_year: 2035, cvv: '123' });
  const rv = await c.post(`/api/v0.6/orders/${p.id}/reverse/`);
  assert.equal(rv.json.status, 'reversed', rv.text);
  assert.equal((await c.post(`/api/v0.6/orders/${p.id}/cancel/`)).status, 409);
});

test('the list: filters, and next pages', async () => {
  for (let i = 0; i < 3; i++) await c.post('/api/v0.6/orders/', { ...MINIMAL, currency: 'EUR', number: `L-${i}` });
  const one = await c.get('/api/v0.6/orders/?number=L-1');
  assert.equal(one.json.count, 1);
  assert.equal(one.json.results[0].number, 'L-1');
  const page = await c.get('/api/v0.6/orders/?limit=2');
  assert.equal(page.json.results.length, 2);
  assert.ok(page.json.next);
  const next = await c.get(local(page.json.next));
  assert.equal(next.status, 200, next.text);
  assert.ok(!next.json.results.some((o) => page.json.results.some((p) => p.id === o.id)));
  assert.ok(next.json.results.length <= 2, 'the next page lost its limit');
  // the next page keeps the filters
  const issued = await c.get('/api/v0.6/orders/?status=issued&limit=1');
  assert.match(issued.json.next, /[?&]status=issued/);
  const more = await c.get(local(issued.json.next));
  assert.equal(more.json.results.length, 1);
  assert.equal(more.json.results[0].status, 'issued');
  assert.equal((await c.get('/api/v0.6/orders/?cursor=abc')).status, 400);
  assert.ok((await c.get('/api/v0.6/orders/?status=cancelled')).json.results
    .every((o) => o.status === 'cancelled'));
  assert.equal((await c.get('/api/v0.6/orders/?status=nope')).status, 400);
});

test('webhooks in the provider\'s names: {event_type, ...order} with its HMAC; PUT, DELETE', async () => {
  const calls = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => { calls.push({ headers: req.headers, body, json: JSON.parse(body) }); res.end('ok'); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${server.address().port}/gate`;
    const w = await c.post('/api/v0.6/webhooks/', { url, events: ['order.payment_success', 'order.canceled'] });
    assert.equal(w.status, 201, w.text);
    assert.deepEqual(w.json.events, ['order.payment_success', 'order.canceled']);
    const listed = await c.get('/api/v0.6/webhooks/');
    assert.ok(listed.json.data.some((e) => e.id === w.json.id));
    const o = (await c.post('/api/v0.6/orders/', { ...MINIMAL, currency: 'EUR', number: 'WH-1' })).json;
    await c.post(local(o.api_do_url), { card_number: '4242424242424242', exp_month: 12, exp_year: 2035, cvv: '123' });
    const x = (await c.post('/api/v0.6/orders/', { ...MINIMAL, currency: 'EUR' })).json;
    await c.post(`/api/v0.6/orders/${x.id}/cancel/`);
    const end = Date.now() + ms(8000);
    while (calls.length < 2 && Date.now() < end) await sleep(30);
    const paid = calls.find((k) => k.json.event_type === 'order.payment_success');
    const canceled = calls.find((k) => k.json.event_type === 'order.canceled');
    assert.ok(paid && canceled, JSON.stringify(calls.map((k) => k.json.event_type)));
    assert.equal(paid.json.id, o.id);
    assert.equal(paid.json.number, 'WH-1');
    assert.equal(paid.json.status, 'paid');
    assert.equal(canceled.json.status, 'cancelled');
    const mac = crypto.createHmac('sha256', w.json.secret).update(paid.body).digest('hex');
    assert.equal(paid.headers.signature, mac);
    const put = await c.req('PUT', `/api/v0.6/webhooks/${w.json.id}/`, { body: { events: ['order.invoice_refunded'] } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json.events, ['order.invoice_refunded']);
    // the native API speaks Obol's names to the same endpoint
    const native = await c.req('PATCH', `/v1/webhook-endpoints/${w.json.id}`,
      { body: { events: ['order.cancelled'] } });
    assert.equal(native.status, 200, native.text);
    assert.deepEqual(native.json.events, ['order.canceled'], 'shown in the endpoint\'s own names');
    // the provider's API acts on its own endpoints only
    const own = await c.post('/v1/webhook-endpoints', { url, events: ['order.payment_success'] });
    assert.equal(own.status, 201, own.text);
    const foreign = await c.req('PUT', `/api/v0.6/webhooks/${own.json.id}/`,
      { body: { events: ['order.invoice_refunded'] } });
    assert.equal(foreign.status, 404, foreign.text);
    assert.deepEqual((await c.get(`/v1/webhook-endpoints/${own.json.id}`)).json.events, ['order.payment_success']);
    assert.equal((await c.req('DELETE', `/api/v0.6/webhooks/${w.json.id}/`)).status, 200);
    assert.equal((await c.get(`/api/v0.6/webhooks/${w.json.id}/`)).status, 404);
  } finally { await new Promise((r) => server.close(r)); }
});
