// What the merchant is told about payments: the callback_url of seed 004
// (a GET with transaction_id, session_id, merchant_reference and time;
// report_error; the ON_HOLD callback and the second one when it resolves;
// 4xx gives up, 5xx retries), the notification_url of seed 003 (a POST of
// the transaction), signatures with the shop's signing secret, the
// transaction in webhook payloads, and nothing lost when the server is
// killed with payments under way.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { cleanup, createShop, startServer, sleep, ms } from './harness.mjs';
import { client } from './orders-helpers.mjs';

after(cleanup);
const ARGS = ['--rate-limit', '0', '--webhook-retry-ms', '200',
  '--sandbox-review-ms', '300', '--sweep-interval', '50'];
const APPROVED = '4242424242424242';
const DECLINED = '4000000000000002';
const REVIEW_OK = '4000000000001000';
const REVIEW_NO = '4000000000001018';

/** A local receiver of GETs and POSTs; answer(call, n) picks the status. */
function receiver(answer = () => 200, port = 0) {
  const calls = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const url = new URL(req.url, 'http://x');
      const call = { method: req.method, path: url.pathname, query: url.searchParams,
        rawUrl: req.url, headers: req.headers, body };
      try { call.json = JSON.parse(body); } catch { call.json = null; }
      calls.push(call);
      res.writeHead(answer(call, calls.length));
      res.end('ok');
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({
    calls, port: server.address().port,
    base: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => server.close(r)),
  })));
}

async function until(pred, what, timeout = ms(10000)) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(25);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** hex HMAC-SHA256(secret, "<t>.<text>") is among the header's v1 values. */
function signedBy(header, secret, text) {
  assert.ok(header, 'no Obol-Signature header');
  const parts = header.split(',');
  const t = parts.find((p) => p.startsWith('t=')).slice(2);
  assert.ok(Math.abs(Date.now() / 1000 - Number(t)) < 300, 'stale signature time');
  const expected = crypto.createHmac('sha256', secret).update(`${t}.${text}`).digest('hex');
  return parts.filter((p) => p.startsWith('v1=')).map((p) => p.slice(3)).includes(expected);
}

const card = (number) => ({ payment_method: 'card',
  card: { number, exp_month: 12, exp_year: 2035, cvc: '123' } });

let srv, rx, c, secret, shopId;
before(async () => {
  srv = await startServer({ args: ARGS });
  const shop = createShop(srv.dbPath, 'Notified');
  shopId = shop.id;
  c = client(srv, shop.secret_key);
  rx = await receiver();
  const r = await c.post('/v1/shop/signing-secret');
  assert.equal(r.status, 201, r.text);
  secret = r.json.signing_secret;
  assert.match(secret, /^whsec_[0-9a-f]{64}$/);
});
after(() => rx.close());

async function order(extra = {}) {
  return c.create({ client: { email: 'a@example.com' }, products: [{ title: 'Tea', price: '12.50' }],
    currency: 'EUR', merchant_reference: 'R 1&2', ...extra });
}

test('the shop shows that it has a signing secret, never the secret', async () => {
  const r = await c.get('/v1/shop');
  assert.equal(r.json.signing_secret_set, true);
  assert.ok(!r.text.includes(secret));
  assert.equal((await c.post('/v1/shop/signing-secret', { x: 1 })).status, 400);
});

test('an authorized payment calls the callback_url: GET, its own query kept, signed', async () => {
  const o = await order({ callback_url: `${rx.base}/cb?shop=7#frag` });
  const paid = await c.post(`/v1/orders/${o.id}/pay`, card(APPROVED));
  assert.equal(paid.status, 200, paid.text);
  const uid = paid.json.transaction.uid;
  await until(() => rx.calls.some((k) => k.query.get('session_id') === o.id), 'the callback');
  const calls = rx.calls.filter((k) => k.query.get('session_id') === o.id);
  assert.equal(calls.length, 1);
  const cb = calls[0];
  assert.equal(cb.method, 'GET');
  assert.equal(cb.path, '/cb');
  assert.equal(cb.query.get('shop'), '7');
  assert.equal(cb.query.get('transaction_id'), uid);
  assert.equal(cb.query.get('merchant_reference'), 'R 1&2');
  assert.ok(!Number.isNaN(Date.parse(cb.query.get('time'))), cb.rawUrl);
  assert.equal(cb.query.get('error'), null);
  assert.equal(cb.body, '');
  // the signature covers the URL exactly as it was called
  assert.ok(signedBy(cb.headers['obol-signature'], secret, `${rx.base}${cb.rawUrl}`),
    'callback signature');
  // and seed 004's own: Dintero-Signature over t, account, method, host,
  // path and the sorted query; event-delivery names the delivery
  assert.match(cb.headers['event-delivery'], /^dlv_/);
  const [, ts, v0] = cb.headers['dintero-signature'].match(/^t=(\d+),v0-hmac-sha256=([0-9a-f]{64})$/);
  const q = new URLSearchParams(cb.query);
  q.sort();
  const signed = `${ts}\n${shopId}\nGET\n127.0.0.1\n${cb.path}\n${q.toString()}`;
  assert.equal(v0, crypto.createHmac('sha256', secret).update(signed).digest('hex'));
  // verify before trusting (seed 004): the transaction it names is authorized
  const t = await c.get(`/v1/transactions/${uid}`);
  assert.equal(t.json.status, 'successful');
  const deliveries = await c.get(`/v1/events/${(await c.events(o.id)).at(-1).id}/deliveries`);
  assert.ok(deliveries.json.data.some((d) => d.kind === 'callback' && d.status === 'succeeded'),
    deliveries.text);
});

test('a failure calls back only with report_error=true, with error=failed', async () => {
  const quiet = await order({ callback_url: `${rx.base}/quiet` });
  const loud = await order({ callback_url: `${rx.base}/loud?report_error=true` });
  assert.equal((await c.post(`/v1/orders/${quiet.id}/pay`, card(DECLINED))).status, 402);
  const r = await c.post(`/v1/orders/${loud.id}/pay`, card(DECLINED));
  assert.equal(r.status, 402);
  await until(() => rx.calls.some((k) => k.path === '/loud'), 'the error callback');
  const cb = rx.calls.find((k) => k.path === '/loud');
  assert.equal(cb.query.get('error'), 'failed');
  assert.equal(cb.query.get('transaction_id'), r.json.transaction.uid);
  await sleep(ms(400));
  assert.ok(!rx.calls.some((k) => k.path === '/quiet'), 'no callback without report_error');
});

test('ON_HOLD: a callback when held, a second one when the review ends', async () => {
  for (const [number, final] of [[REVIEW_OK, 'successful'], [REVIEW_NO, 'failed']]) {
    const o = await order({ callback_url: `${rx.base}/hold?report_error=true` });
    const r = await c.post(`/v1/orders/${o.id}/pay`, card(number));
    assert.equal(r.json.transaction.status, 'pending', r.text);
    await until(() => rx.calls.filter((k) => k.query.get('session_id') === o.id).length >= 2,
      `two callbacks for ${number}`);
    const calls = rx.calls.filter((k) => k.query.get('session_id') === o.id);
    assert.equal(calls.length, 2);
    assert.equal(calls[0].query.get('error'), null);
    assert.equal(calls[1].query.get('error'), final === 'failed' ? 'failed' : null);
    const t = await c.get(`/v1/transactions/${r.json.transaction.uid}`);
    assert.equal(t.json.status, final);
  }
});

test('callback options read from the callback URL: method=POST, sid_parameter_name, report_event, delay_callback', async () => {
  const o = await order({ capture: 'manual', callback_url:
    `${rx.base}/opts?method=POST&sid_parameter_name=sid&report_event=CAPTURE,REFUND` });
  const r = await c.post(`/v1/orders/${o.id}/pay`, card(APPROVED));
  const uid = r.json.transaction.uid;
  await until(() => rx.calls.some((k) => k.path === '/opts'), 'the POST callback');
  const first = rx.calls.find((k) => k.path === '/opts');
  assert.equal(first.method, 'POST');
  assert.equal(first.json.uid, uid, 'the transaction is the body');
  assert.equal(first.query.get('sid'), o.id);
  assert.equal(first.query.get('session_id'), null);
  assert.ok(signedBy(first.headers['obol-signature'], secret, `${rx.base}${first.rawUrl}`));
  // a capture is reported too (report_event), with event and event_id
  const cap = await c.post(`/v1/orders/${o.id}/capture`, { amount: 1250 });
  assert.equal(cap.status, 200, cap.text);
  await until(() => rx.calls.some((k) => k.path === '/opts' && k.query.get('event') === 'CAPTURE'),
    'the CAPTURE callback');
  const ev = rx.calls.find((k) => k.path === '/opts' && k.query.get('event') === 'CAPTURE');
  assert.equal(ev.query.get('event_id'), cap.json.transaction.uid);
  assert.equal(ev.query.get('transaction_id'), uid);
  assert.equal(ev.json.uid, uid, 'the body is the transaction called back about: the payment');
  // a void is not asked for: never reported
  const quiet = await order({ capture: 'manual', callback_url: `${rx.base}/novoid?report_event=CAPTURE` });
  await c.post(`/v1/orders/${quiet.id}/pay`, card(APPROVED));
  await c.post(`/v1/orders/${quiet.id}/void`);
  // delay_callback holds the callback back
  const slow = await order({ callback_url: `${rx.base}/slow?delay_callback=1` });
  const paidAt = Date.now();
  await c.post(`/v1/orders/${slow.id}/pay`, card(APPROVED));
  await until(() => rx.calls.some((k) => k.path === '/slow'), 'the delayed callback', ms(10000));
  const arrived = Date.now();
  assert.ok(arrived - paidAt >= 900, `arrived after ${arrived - paidAt} ms`);
  await sleep(ms(300));
  const novoid = rx.calls.filter((k) => k.path === '/novoid');
  assert.equal(novoid.length, 1, 'only the payment was called back');
  assert.equal(novoid[0].query.get('event'), null);
});

test('notification_url gets the transaction, POSTed and signed', async () => {
  const o = await order({ notification_url: `${rx.base}/notify` });
  const r = await c.post(`/v1/orders/${o.id}/pay`, card(APPROVED));
  await until(() => rx.calls.some((k) => k.path === '/notify' && k.json?.transaction?.order_id === o.id),
    'the notification');
  const n = rx.calls.find((k) => k.path === '/notify' && k.json.transaction.order_id === o.id);
  assert.equal(n.method, 'POST');
  assert.equal(n.headers['content-type'], 'application/json');
  assert.equal(n.json.transaction.uid, r.json.transaction.uid);
  assert.equal(n.json.transaction.status, 'successful');
  assert.equal(n.json.transaction.amount, 1250);
  assert.ok(signedBy(n.headers['obol-signature'], secret, n.body), 'notification signature');
  assert.ok(!n.body.includes(APPROVED), 'the card number is never sent');
});

test('4xx is a permanent failure; 5xx is retried until it succeeds', async () => {
  const flaky = await receiver((call, n) => (n < 3 ? 503 : 200));
  const gone = await receiver(() => 404);
  try {
    const a = await order({ callback_url: `${flaky.base}/cb` });
    const b = await order({ callback_url: `${gone.base}/cb` });
    await c.post(`/v1/orders/${a.id}/pay`, card(APPROVED));
    await c.post(`/v1/orders/${b.id}/pay`, card(APPROVED));
    await until(() => flaky.calls.length >= 3, 'the retries');
    await sleep(ms(800));
    assert.equal(flaky.calls.length, 3, 'no more calls after the success');
    assert.equal(gone.calls.length, 1, 'a 404 is not retried');
    const ev = (await c.events(b.id)).find((e) => e.type === 'order.payment_success');
    const d = (await c.get(`/v1/events/${ev.id}/deliveries`)).json.data.find((x) => x.kind === 'callback');
    assert.equal(d.status, 'failed');
    assert.equal(d.last_status, 404);
    assert.equal(d.attempts, 1);
  } finally {
    await flaky.close();
    await gone.close();
  }
});

test('webhook payloads of payment events carry the transaction', async () => {
  const ep = await c.post('/v1/webhook-endpoints', { url: `${rx.base}/hook`, events: ['order.payment_success'] });
  assert.equal(ep.status, 201, ep.text);
  const o = await order();
  const r = await c.post(`/v1/orders/${o.id}/pay`, card(APPROVED));
  await until(() => rx.calls.some((k) => k.path === '/hook' && k.json?.data?.order?.id === o.id), 'the webhook');
  const w = rx.calls.find((k) => k.path === '/hook' && k.json.data.order.id === o.id);
  assert.equal(w.json.type, 'order.payment_success');
  assert.equal(w.json.data.order.status, 'paid');
  assert.equal(w.json.data.transaction.uid, r.json.transaction.uid);
  assert.equal(w.json.data.transaction.method.last_4, '4242');
  assert.ok(signedBy(w.headers['obol-signature'], ep.json.secret, w.body));
  await c.req('DELETE', `/v1/webhook-endpoints/${ep.json.id}`);
});

test('kill -9 with payments under way: no attempt stays in progress, no callback is lost', async () => {
  const down = await receiver();
  const port = down.port;
  await down.close(); // the merchant is down while we crash
  const s1 = await startServer({ args: ['--rate-limit', '0', '--test-clock',
    '--acquirer-timeout-ms', '300', '--webhook-retry-ms', '100'] });
  const shop = createShop(s1.dbPath, 'Crash payments');
  const c1 = client(s1, shop.secret_key);
  const orders = [];
  for (let i = 0; i < 40; i++) {
    orders.push(await c1.create({ amount: 1000 + i, currency: 'EUR',
      callback_url: `http://127.0.0.1:${port}/cb` }));
  }
  // half approved, half to the acquirer that never answers; kill mid-flight
  const answers = new Map();
  const inflight = orders.map((o, i) => c1.post(`/v1/orders/${o.id}/pay`,
    card(i % 2 ? '4000000000001026' : APPROVED))
    .then((r) => answers.set(o.id, r), () => answers.set(o.id, null)));
  await sleep(ms(150));
  await s1.kill();
  await Promise.allSettled(inflight);

  const up = await receiver(() => 200, port);
  try {
    const s2 = await startServer({ db: s1.dbPath, args: ['--rate-limit', '0', '--test-clock',
      '--acquirer-timeout-ms', '300', '--webhook-retry-ms', '100', '--sweep-interval', '50'] });
    const c2 = client(s2, shop.secret_key);
    // past every deadline: the sweeper asks the acquirer about the rest
    const clock = await c2.post('/v1/test/clock', { advance_seconds: 60 });
    assert.equal(clock.status, 200, clock.text);
    let paid = 0;
    for (const o of orders) {
      const now = await c2.getOrder(o.id);
      assert.notEqual(now.status, 'in_progress', `${o.id} stayed in progress`);
      const txs = (await c2.get(`/v1/orders/${o.id}/transactions`)).json.data;
      const answer = answers.get(o.id);
      if (answer && answer.status === 200 && answer.json.status === 'paid') {
        assert.equal(now.status, 'paid', `acknowledged payment ${o.id} was lost`);
      }
      for (const t of txs) assert.ok(['successful', 'failed'].includes(t.status), JSON.stringify(t));
      assert.ok(txs.filter((t) => t.status === 'successful').length <= 1, 'one success at most');
      if (now.status === 'paid') {
        paid++;
        assert.equal(txs.filter((t) => t.status === 'successful').length, 1);
        const types = (await c2.events(o.id)).map((e) => e.type);
        assert.ok(types.includes('order.payment_success'), types.join());
      }
    }
    assert.ok(paid > 0, 'some payments went through before the kill');
    // every paid order's callback arrives once the merchant is back
    await until(() => new Set(up.calls.map((k) => k.query.get('session_id'))).size >= paid,
      'the callbacks after the restart', ms(20000));
    await s2.stop();
  } finally { await up.close(); }
});
