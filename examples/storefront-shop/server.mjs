// A tiny merchant web shop paying through Obol's headless payment API, the
// way seed 001 tells a storefront to: create an order for the cart, POST
// /v1/orders/{id}/pay in the storefront's names, then follow the answer
// (redirect, form, success, errors). The customer comes back to
// paymentReturnPage / paymentFailedPage, whose handler hands everything it
// got to payment-result. GET /receipt/{id} shows the receipt again.
// Node 20 built-ins only. See README.md.
//
//   OBOL_URL=http://127.0.0.1:8080 OBOL_KEY=sk_test_... PORT=3000 node server.mjs
import http from 'node:http';

const OBOL_URL = (process.env.OBOL_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const OBOL_KEY = process.env.OBOL_KEY;
const HOST = process.env.HOST || '127.0.0.1';
const PORT = Number(process.env.PORT ?? 3000);
// The one peer (a reverse proxy) whose X-Forwarded-For names the customer.
const TRUSTED_PROXY = process.env.TRUSTED_PROXY || '';
if (!OBOL_KEY) {
  console.error('OBOL_KEY (the shop\'s secret key) is required');
  process.exit(2);
}
// Where customers reach this shop; its host must be on the shop's
// allowed_redirect_hosts in Obol. Set once listening if not given.
let publicUrl = process.env.PUBLIC_URL?.replace(/\/+$/, '');

const CATALOG = {
  tea: { title: 'Green tea, 100 g', price: '12.50' },
  mug: { title: 'Stoneware mug', price: '8.00' },
};
const CURRENCY = process.env.CURRENCY || 'EUR';
const ADDRESS_FIELDS = ['firstName', 'lastName', 'email', 'address1', 'city', 'country', 'phoneNumber', 'zipCode'];

// ------------------------------------------------------------------ Obol

async function obol(method, path, body) {
  const res = await fetch(OBOL_URL + path, {
    method,
    headers: { authorization: `Bearer ${OBOL_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30000),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

// Obol answers errors in two shapes: seed 001's {code, message, messages,
// errors} on pay / payment-result, its native {error: {code, message}}
// elsewhere. One shape for the pages.
function errorOf(r) {
  const j = r.json || {};
  if (Array.isArray(j.messages) || typeof j.code === 'string') {
    return { code: j.code, messages: j.messages?.length ? j.messages : [j.message], errors: j.errors };
  }
  if (j.error) return { code: j.error.code, messages: [j.error.message] };
  return { code: `http_${r.status}`, messages: ['The payment service did not answer as expected.'] };
}

// ------------------------------------------------------------------ pages

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const money = (minor, cur) => `${(minor / 100).toFixed(2)} ${esc(cur)}`;

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}label{display:block;margin:.3em 0}.error{color:#a00}</style>
</head><body>${body}</body></html>`;
}

function cartPage() {
  const items = Object.entries(CATALOG).map(([id, p]) =>
    `<label>${esc(p.title)} (${esc(p.price)} ${esc(CURRENCY)}) <input name="${id}" type="number" min="0" value="${id === 'tea' ? 1 : 0}"></label>`).join('\n');
  const field = (name, label, value = '') =>
    `<label>${esc(label)} <input name="${name}" value="${esc(value)}"></label>`;
  return page('Shop', `<h1>The tea shop</h1>
<form method="post" action="/checkout" id="checkout">
<fieldset><legend>Cart</legend>
${items}
</fieldset>
<fieldset><legend>Payment</legend>
<label><input type="radio" name="method" value="card" checked> Card</label>
<label><input type="radio" name="method" value="bank_transfer"> Bank transfer</label>
<label><input type="radio" name="method" value="wallet"> Wallet</label>
${field('card_number', 'Card number', '4242424242424242')}
${field('exp_month', 'Month', '12')}
${field('exp_year', 'Year', String(new Date().getUTCFullYear() + 3))}
${field('cvc', 'CVC', '123')}
</fieldset>
<fieldset><legend>Address</legend>
${field('firstName', 'First name', 'Kari')}${field('lastName', 'Last name', 'Nordmann')}
${field('email', 'Email', 'kari@example.com')}${field('address1', 'Street', 'Storgata 1')}
${field('city', 'City', 'Oslo')}${field('zipCode', 'Zip', '0155')}${field('country', 'Country', 'NO')}
${field('phoneNumber', 'Phone', '+4799999999')}
</fieldset>
<label><input type="checkbox" name="retry" value="1"> If the payment fails, let me pick another way to pay</label>
<label><input type="checkbox" name="terms" checked> I accept the terms and conditions</label>
<button id="pay">Pay</button>
</form>`);
}

// The receipt, with the shop's affiliate HTML injected as it is (it is the
// merchant's own snippet, set with PATCH /v1/shop affiliate_html).
function receiptPage(r) {
  return page('Thank you', `<h1 id="receipt">Thank you for your order</h1>
<dl><dt>Order</dt><dd id="order">${esc(r.order)}</dd>
<dt>Amount</dt><dd id="amount">${money(r.amount, r.currency)}</dd>
<dt>Status</dt><dd id="status" data-status="${esc(r.status)}">${esc(r.statusDescription)}</dd>
<dt>Payment</dt><dd id="payment-status">${esc(r.paymentStatus ?? r.status)}</dd>
<dt>Transaction</dt><dd id="transaction">${esc(r.transaction?.uid)}</dd></dl>
<p><a href="/receipt/${esc(r.order)}">Your receipt</a></p>
<div id="affiliate">${r.affiliateHtml || ''}</div>`);
}

function errorPage(e) {
  const messages = (e.messages || []).map((m) => `<li>${esc(m)}</li>`).join('');
  return page('Payment failed', `<h1 id="error">The payment did not go through</h1>
<p>Code: <code id="code">${esc(e.code)}</code></p><ul id="messages" class="error">${messages}</ul>
<p><a href="/">Back to the shop</a></p>`);
}

// A form to the bank, as Obol built it (formHtml submits itself), or built
// here from formUrl and formFields, with a tiny script that submits it and
// a button for browsers without JavaScript.
function formPage(a) {
  const form = a.formHtml || `<form method="post" action="${esc(a.formUrl)}">${
    Object.entries(a.formFields || {}).map(([k, v]) =>
      `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('')
  }<noscript><button>Continue to your bank</button></noscript></form>
<script>document.forms[document.forms.length-1].submit()</script>`;
  return page('Redirecting to your bank', `<p>Taking you to your bank…</p>\n${form}`);
}

// ------------------------------------------------------------------ handlers

function send(res, status, html, headers = {}) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(html);
}

// The customer's address as this shop sees it: the peer, or the first
// X-Forwarded-For entry when the peer is the configured proxy.
function customerIp(req) {
  const peer = (req.socket.remoteAddress || '').replace(/^::ffff:/, '');
  if (TRUSTED_PROXY && peer === TRUSTED_PROXY) {
    const first = String(req.headers['x-forwarded-for'] || '').split(',')[0].trim();
    if (first) return first;
  }
  return peer;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 65536) throw new Error('form too large');
  }
  return Object.fromEntries(new URLSearchParams(body));
}

// The answers of pay and payment-result, turned into what the browser gets.
function answer(res, r) {
  const a = r.json;
  if (r.status === 200 && a?.action === 'redirect') return send(res, 303, '', { location: a.url });
  if (r.status === 200 && a?.action === 'form') return send(res, 200, formPage(a));
  if (r.status === 200 && a?.order) return send(res, 200, receiptPage(a)); // action success, or a receipt
  const e = errorOf(r);
  return send(res, r.status >= 400 && r.status < 500 ? r.status : 502, errorPage(e));
}

async function checkout(req, res) {
  const f = await readForm(req);
  const products = Object.entries(CATALOG)
    .map(([id, p]) => ({ title: p.title, price: p.price, quantity: Number.parseInt(f[id] || '0', 10) }))
    .filter((p) => p.quantity > 0);
  if (products.length === 0) return send(res, 400, errorPage({ code: 'empty_cart', messages: ['Your cart is empty.'] }));

  const order = await obol('POST', '/v1/orders', { currency: CURRENCY, products });
  if (order.status !== 201) return send(res, 502, errorPage(errorOf(order)));
  const id = order.json.id;

  const address = {};
  for (const k of ADDRESS_FIELDS) if (f[k]) address[k] = f[k];
  const method = f.method || 'card';
  // "retry": come back to our failed page asking for the payment page again.
  const failed = `${publicUrl}/payment/failed/${id}${f.retry ? '/retry' : ''}`;
  const body = {
    paymentMethod: method,
    paymentReturnPage: `${publicUrl}/payment/return/${id}`,
    paymentFailedPage: failed,
    termsAndConditions: f.terms === 'on',
    address,
    ipAddress: customerIp(req),
  };
  if (method === 'card') {
    body.card = { number: (f.card_number || '').replace(/\s+/g, ''), exp_month: f.exp_month,
      exp_year: f.exp_year, cvc: f.cvc };
  }
  answer(res, await obol('POST', `/v1/orders/${id}/pay`, body));
}

// paymentReturnPage and paymentFailedPage: hand over every parameter that
// came back (query, and a posted form's fields if the customer was posted
// back). With /retry, a failure with attempts left sends the customer to
// the payment page again (action redirect) instead of the error page.
async function paymentReturn(req, res, id, retry) {
  const fields = Object.fromEntries(new URL(req.url, 'http://x').searchParams);
  if (req.method === 'POST') Object.assign(fields, await readForm(req));
  const body = { paymentMethodFields: fields };
  if (retry) body.redirect_to_payment = true;
  answer(res, await obol('POST', `/v1/orders/${encodeURIComponent(id)}/payment-result`, body));
}

async function receipt(res, id) {
  const r = await obol('GET', `/v1/orders/${encodeURIComponent(id)}/receipt`);
  if (r.status === 200 && r.json?.order) return send(res, 200, receiptPage(r.json));
  if (r.status === 404) return send(res, 404, page('No receipt', '<h1 id="no-receipt">There is no receipt for this order</h1>'));
  send(res, 502, errorPage(errorOf(r)));
}

const server = http.createServer(async (req, res) => {
  try {
    const path = new URL(req.url, 'http://x').pathname;
    let m;
    if (req.method === 'GET' && path === '/') return send(res, 200, cartPage());
    if (req.method === 'POST' && path === '/checkout') return await checkout(req, res);
    if ((req.method === 'GET' || req.method === 'POST')
        && (m = /^\/payment\/(return|failed)\/(ord_[0-9a-f]+)(\/retry)?$/.exec(path))) {
      return await paymentReturn(req, res, m[2], !!m[3]);
    }
    if (req.method === 'GET' && (m = /^\/receipt\/(ord_[0-9a-f]+)$/.exec(path))) return await receipt(res, m[1]);
    send(res, 404, page('Not found', '<h1>Not found</h1>'));
  } catch (e) {
    console.error(e);
    if (!res.headersSent) send(res, 502, errorPage({ code: 'shop_error', messages: ['Something went wrong, please try again.'] }));
    else res.end();
  }
});

server.listen(PORT, HOST, () => {
  const base = `http://${HOST}:${server.address().port}`;
  publicUrl ||= base;
  console.log(`storefront-shop listening on ${base}`);
});
