// A merchant backend on seed 004's checkout sessions (Dintero-style), as a
// client of that provider writes it: an access token from the client
// credentials, a session per order with return_url and callback_url
// pointing here, and two handlers that may run at the same time, in either
// order: the customer's return (a browser) and Obol's callback (machine to
// machine, retried). Neither trusts its query: each reads GET
// /v1/transactions/{id} and marks the order paid only if the transaction is
// AUTHORIZED or CAPTURED and belongs to this order (its session, amount,
// currency and merchant_reference). Marking paid runs under a per-order
// lock, so it runs exactly once however the two arrive. Node 20 built-ins
// only. See README.md.
//
//   OBOL_URL=http://127.0.0.1:8080 OBOL_SHOP=shop_... OBOL_KEY=sk_test_... PORT=3001 node server.mjs
import http from 'node:http';
import fs from 'node:fs';
import crypto from 'node:crypto';

const OBOL_URL = (process.env.OBOL_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const SHOP = process.env.OBOL_SHOP;              // the account id
const SECRET = process.env.OBOL_KEY;             // the client secret
const CLIENT_ID = process.env.OBOL_CLIENT_ID || 'sessions-backend';
const HOST = process.env.HOST || '127.0.0.1';
const PORT = Number(process.env.PORT ?? 3001);
const ORDERS_FILE = process.env.ORDERS_FILE || ''; // optional: keep the orders across restarts
// How long handing a paid order over to fulfilment takes (simulated: an
// e-mail, the warehouse). Every await here is a window in which a second
// handler could also decide to mark the order paid, without the lock.
const FULFIL_DELAY_MS = Number(process.env.FULFIL_DELAY_MS ?? 20);
if (!SHOP || !SECRET) {
  console.error('OBOL_SHOP (the shop id) and OBOL_KEY (its secret key) are required');
  process.exit(2);
}
// Where Obol and customers reach this backend. Set once listening if not given.
let publicUrl = process.env.PUBLIC_URL?.replace(/\/+$/, '');

const CATALOG = {
  chair: { description: 'Stablestol', amount: 29000, vat: 25 },
  table: { description: 'Bord', amount: 149000, vat: 25 },
};
const CURRENCY = 'NOK';
const PAID_STATUSES = new Set(['AUTHORIZED', 'CAPTURED']);

// ------------------------------------------------------------------ our orders

const orders = new Map();
if (ORDERS_FILE && fs.existsSync(ORDERS_FILE)) {
  for (const o of JSON.parse(fs.readFileSync(ORDERS_FILE, 'utf8'))) orders.set(o.id, o);
}
let saving = Promise.resolve();
function save() {
  if (!ORDERS_FILE) return Promise.resolve();
  const data = JSON.stringify([...orders.values()], null, 1);
  saving = saving.then(async () => {
    await fs.promises.writeFile(`${ORDERS_FILE}.tmp`, data);
    await fs.promises.rename(`${ORDERS_FILE}.tmp`, ORDERS_FILE);
  });
  return saving;
}

// One lock per order: a chain of promises; fn runs after every earlier
// holder of this order's lock has finished (failed or not).
const locks = new Map();
function withOrderLock(id, fn) {
  const run = (locks.get(id) || Promise.resolve()).then(fn);
  const tail = run.catch(() => {});
  locks.set(id, tail);
  tail.then(() => { if (locks.get(id) === tail) locks.delete(id); });
  return run;
}

// "Mark paid": the shop's side effects of a payment. paid_count counts how
// often it ran; it must end at 1 for every paid order.
async function markPaid(order, tx, via) {
  order.paid_count += 1;
  order.status = 'paid';
  order.transaction_id = tx.id;
  order.transaction_status = tx.status;
  order.paid_via = via;
  order.paid_at = new Date().toISOString();
  await save();
  await new Promise((r) => setTimeout(r, FULFIL_DELAY_MS)); // fulfilment
  order.fulfilled = true;
  console.log(`order ${order.id} marked paid (${via}, ${tx.id}, ${tx.status})`);
}

// The return and the callback both end here. Under the order's lock: an
// order already paid is left alone; otherwise the transaction is verified
// with Obol and, if it is a payment of this order, the order is marked paid.
// Resolves {paid, reason?, tx?}; throws when Obol cannot be asked.
function confirmPayment(order, txId, via) {
  return withOrderLock(order.id, async () => {
    if (order.status === 'paid') return { paid: true };
    const v = await verify(order, txId);
    order.verifications.push({ via, transaction_id: String(txId ?? ''), ok: v.ok,
      reason: v.reason ?? null, status: v.tx?.status ?? null });
    if (!v.ok) return { paid: false, reason: v.reason, tx: v.tx };
    await markPaid(order, v.tx, via);
    return { paid: true };
  });
}

// ------------------------------------------------------------------ Obol

let token = null; // {value, expires}
async function accessToken(renew = false) {
  if (!renew && token && token.expires > Date.now()) return token.value;
  const res = await fetch(`${OBOL_URL}/v1/accounts/${encodeURIComponent(SHOP)}/auth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64')}`,
      'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials' }),
    signal: AbortSignal.timeout(30000),
  });
  if (res.status !== 200) throw new Error(`auth/token answered ${res.status}`);
  const j = await res.json();
  token = { value: j.access_token, expires: Date.now() + Math.max(0, j.expires_in - 60) * 1000 };
  return token.value;
}

async function obol(method, path, body) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(OBOL_URL + path, {
      method,
      headers: { authorization: `Bearer ${await accessToken(attempt > 0)}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30000),
    });
    const text = await res.text();
    if (res.status === 401 && attempt === 0) continue; // the token may have expired: once more
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text };
  }
}

// Is transaction `txId` a payment of `order`? {ok, tx} or {ok: false, reason, tx?}.
// Throws when Obol cannot be asked (the caller answers 5xx: try again later).
async function verify(order, txId) {
  if (typeof txId !== 'string' || !/^txn_[0-9a-f]{1,64}$/.test(txId)) return { ok: false, reason: 'no transaction id' };
  const r = await obol('GET', `/v1/transactions/${txId}`);
  if (r.status === 404) return { ok: false, reason: 'unknown transaction' };
  if (r.status !== 200 || !r.json) throw new Error(`GET /v1/transactions/${txId} answered ${r.status}`);
  const tx = r.json;
  if (tx.id !== txId || tx.session_id !== order.session_id) return { ok: false, reason: 'not this order\'s transaction' };
  if (tx.merchant_reference !== order.id) return { ok: false, reason: 'wrong merchant_reference' };
  if (tx.amount !== order.amount || tx.currency !== order.currency) return { ok: false, reason: 'wrong amount' };
  if (!PAID_STATUSES.has(tx.status)) return { ok: false, reason: `transaction is ${tx.status}`, tx };
  return { ok: true, tx };
}

// A shop order and its session. items: {chair: 2, table: 1};
// callback_query: more of seed 004's callback options (e.g. delay_callback=5).
async function createOrder({ items = { chair: 1 }, callback_query = '' } = {}) {
  const id = `o_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const lines = Object.entries(items || {}).filter(([k, q]) => CATALOG[k] && Number.isInteger(q) && q > 0)
    .map(([k, quantity], i) => {
      const p = CATALOG[k];
      const amount = p.amount * quantity;
      return { id: k, line_id: String(i + 1), description: p.description, quantity, amount,
        vat: p.vat, vat_amount: Math.round(amount * p.vat / (100 + p.vat)) };
    });
  if (lines.length === 0) return { error: 'no items' };
  if (typeof callback_query !== 'string' || /[#\s]/.test(callback_query)) return { error: 'bad callback_query' };
  const amount = lines.reduce((s, l) => s + l.amount, 0);
  const query = ['report_error=true', callback_query].filter(Boolean).join('&');
  const r = await obol('POST', '/v1/sessions', {
    url: { return_url: `${publicUrl}/return/${id}`, callback_url: `${publicUrl}/callback/${id}?${query}` },
    order: { amount, currency: CURRENCY, merchant_reference: id, items: lines },
    profile_id: 'default',
  });
  if (r.status !== 200) return { error: `POST /v1/sessions answered ${r.status}: ${r.text}` };
  const order = { id, status: 'created', amount, currency: CURRENCY, items: lines,
    session_id: r.json.id, payment_url: r.json.url, transaction_id: null, transaction_status: null,
    paid_count: 0, paid_via: null, paid_at: null, fulfilled: false,
    returns: 0, callbacks: 0, obol_callbacks: 0, verifications: [],
    created_at: new Date().toISOString() };
  orders.set(id, order);
  await save();
  return { order };
}

// ------------------------------------------------------------------ HTTP

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>${esc(title)}</title></head><body>${body}</body></html>`;
function send(res, status, body, type = 'text/html; charset=utf-8', headers = {}) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(body);
}
const sendJson = (res, status, obj) => send(res, status, JSON.stringify(obj), 'application/json');

async function readBody(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 65536) throw new Error('body too large');
  }
  return body;
}

// The customer is back (a browser, so: a page). Query: transaction_id and
// merchant_reference, or error=cancelled|authorization|failed.
async function onReturn(order, q, res) {
  order.returns += 1;
  if (q.get('error') && order.status !== 'paid') {
    return send(res, 200, page('Not paid', `<h1 id="not-paid">The payment was not completed (${esc(q.get('error'))})</h1>
<p><a href="${esc(order.payment_url)}">Try again</a></p>`));
  }
  const c = await confirmPayment(order, q.get('transaction_id'), 'return');
  if (c.paid) {
    return send(res, 200, page('Thank you', `<h1 id="paid">Thank you! Order ${esc(order.id)} is paid.</h1>`));
  }
  send(res, 402, page('Not confirmed', `<h1 id="not-paid">We could not confirm your payment</h1>
<p id="reason">${esc(c.reason)}</p>`));
}

// Obol's callback (machine to machine). 200: done (paid, or nothing to do
// for this transaction, e.g. error=failed); 400: not a transaction of this
// order (Obol does not retry a 4xx); a thrown error answers 502 and Obol
// retries later.
async function onCallback(order, q, req, res) {
  order.callbacks += 1;
  if (req.headers['event-delivery']) order.obol_callbacks += 1; // sent by Obol itself
  const c = await confirmPayment(order, q.get('transaction_id'), 'callback');
  if (c.paid || c.tx) return send(res, 200, 'ok', 'text/plain');
  send(res, 400, c.reason, 'text/plain');
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://x');
    const path = url.pathname;
    let m;
    if (req.method === 'GET' && path === '/') {
      return send(res, 200, page('Furniture', `<h1>Furniture</h1><form method="post" action="/buy">
<label>Chairs <input name="chair" type="number" min="0" value="1"></label>
<label>Tables <input name="table" type="number" min="0" value="0"></label><button>Buy</button></form>`));
    }
    if (req.method === 'POST' && path === '/buy') { // the browser: off to the payment page
      const f = new URLSearchParams(await readBody(req));
      const r = await createOrder({ items: { chair: Number(f.get('chair') || 0), table: Number(f.get('table') || 0) } });
      if (r.error) return send(res, 400, page('Error', `<p>${esc(r.error)}</p>`));
      return send(res, 303, '', 'text/plain', { location: r.order.payment_url });
    }
    if (req.method === 'POST' && path === '/orders') { // the same as JSON, for scripts and tests
      let body;
      try { body = JSON.parse((await readBody(req)) || '{}'); } catch { return sendJson(res, 400, { error: 'bad JSON' }); }
      const r = await createOrder(body);
      return r.error ? sendJson(res, 400, { error: r.error }) : sendJson(res, 201, r.order);
    }
    if ((m = /^\/(orders|return|callback)\/([\w-]+)$/.exec(path)) && req.method === 'GET') {
      const order = orders.get(m[2]);
      if (!order) {
        return m[1] === 'return' ? send(res, 404, page('Not found', '<h1>No such order</h1>'))
          : sendJson(res, 404, { error: 'no such order' });
      }
      if (m[1] === 'orders') return sendJson(res, 200, order);
      if (m[1] === 'return') return await onReturn(order, url.searchParams, res);
      return await onCallback(order, url.searchParams, req, res);
    }
    send(res, 404, 'not found', 'text/plain');
  } catch (e) {
    console.error(e);
    if (!res.headersSent) send(res, 502, 'try again later', 'text/plain');
    else res.end();
  }
});

server.listen(PORT, HOST, () => {
  const base = `http://${HOST}:${server.address().port}`;
  publicUrl ||= base;
  console.log(`sessions-backend listening on ${base}`);
});
