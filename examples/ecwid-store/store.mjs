// A local stand-in for an Ecwid store (seed 000), to try Obol's Ecwid
// payment app by hand and to test it. It does what the real store does:
//   - its checkout sends the customer's browser to the payment app with a
//     form POST of one field, `data`: the payment request, AES-128 (GCM or
//     CBC) with the first 16 characters of the app's client secret, the IV
//     first, URL-safe base64 without padding;
//   - it takes the app's order update, PUT /api/v3/{storeId}/orders/{id}
//     with Authorization: Bearer <token> and {"paymentStatus": ...};
//   - its returnUrl shows "Thank you" for a PAID order, and the cart with
//     the errorMsg notification otherwise.
// Node 20 built-ins only. Run it:
//   OBOL_URL=http://127.0.0.1:8080 SHOP_ID=shop_... CLIENT_SECRET=... \
//   PORT=4000 node examples/ecwid-store/store.mjs
import crypto from 'node:crypto';
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const PAYMENT_STATUSES = ['AWAITING_PAYMENT', 'PAID', 'CANCELLED', 'REFUNDED',
  'PARTIALLY_REFUNDED', 'INCOMPLETE', 'CUSTOM_PAYMENT_STATUS_1',
  'CUSTOM_PAYMENT_STATUS_2', 'CUSTOM_PAYMENT_STATUS_3'];

/** The request as the store encrypts it: mode "gcm" (default) or "cbc". */
export function encryptPayload(request, clientSecret, mode = 'gcm') {
  const key = Buffer.from(clientSecret.slice(0, 16), 'utf8');
  const iv = crypto.randomBytes(16);
  const plain = Buffer.from(JSON.stringify(request), 'utf8');
  let blob;
  if (mode === 'cbc') {
    const cipher = crypto.createCipheriv('aes-128-cbc', key, iv);
    blob = Buffer.concat([iv, cipher.update(plain), cipher.final()]);
  } else {
    const cipher = crypto.createCipheriv('aes-128-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    blob = Buffer.concat([iv, body, cipher.getAuthTag()]);
  }
  return blob.toString('base64url'); // - and _, no '=' padding
}

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body, head = '') => `<!doctype html><html lang="en"><head>
<meta charset="utf-8"><title>${esc(title)}</title>${head}
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}
.notice{background:#fde2e1;padding:.6em;border-radius:4px}</style></head>
<body>${body}</body></html>`;

/**
 * Starts the store. options: obolUrl, shopId, clientSecret, port (0 = any),
 * storeId, token. Returns {base, orders, log, setDown(n), checkoutUrl(q),
 * close()}: orders by id; log of {type: 'put'|'return', ...} in arrival
 * order; setDown(n) answers the next n order updates with 503.
 */
export async function startStore(options) {
  const storeId = options.storeId ?? 1003;
  const token = options.token ?? `secret_${crypto.randomBytes(12).toString('hex')}`;
  const orders = new Map();
  const log = [];
  let down = 0;
  let nextId = 65306446;

  function checkout(q) {
    const id = String(nextId++);
    const total = q.get('total') || '12.50';
    const order = {
      id, referenceTransactionId: `transaction_${id}`, total: Number(total),
      email: q.get('email') || 'ada@example.com', paymentStatus: 'INCOMPLETE',
      fulfillmentStatus: 'AWAITING_PROCESSING', ipAddress: '203.0.113.7',
      items: [{ id: 1, name: 'Blue mug', price: Number(total), quantity: 1 }],
      billingPerson: { name: 'Ada Lovelace', countryCode: 'DE', city: 'Berlin' },
    };
    orders.set(id, { ...order, updates: [] });
    const request = {
      storeId, token, lang: q.get('lang') || 'en',
      returnUrl: `${base}/return/${id}?clientId=obol-app&hash=ABC`,
      merchantAppSettings: {},
      cart: { currency: q.get('currency') || 'EUR', order },
    };
    const data = encryptPayload(request, options.clientSecret, q.get('mode') || 'gcm');
    const action = `${options.obolUrl.replace(/\/+$/, '')}/ecwid/${encodeURIComponent(options.shopId)}/payment`;
    return page('Go to payment', `<h1>Going to payment…</h1>
<form id="go" method="post" action="${esc(action)}" accept-charset="utf-8">
<input type="hidden" name="data" value="${esc(data)}">
<button type="submit">Continue to payment</button></form>
<script>document.getElementById('go').submit()</script>`);
  }

  function update(req, res, body, storePart, orderPart) {
    const answer = (status, json) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const entry = { type: 'put', at: Date.now(), path: req.url,
      authorization: req.headers.authorization, contentType: req.headers['content-type'], body };
    log.push(entry);
    if (down > 0) { down--; entry.answered = 503; return answer(503, { errorMessage: 'down' }); }
    const order = [...orders.values()].find((o) => o.referenceTransactionId === orderPart);
    let json = null;
    try { json = JSON.parse(body); } catch { /* answered below */ }
    if (req.headers.authorization !== `Bearer ${token}`) { entry.answered = 403; return answer(403, { errorMessage: 'bad token' }); }
    if (storePart !== String(storeId) || !order) { entry.answered = 404; return answer(404, { errorMessage: 'no such order' }); }
    if (!json || !PAYMENT_STATUSES.includes(json.paymentStatus)) {
      entry.answered = 400; return answer(400, { errorMessage: 'unknown paymentStatus' });
    }
    order.paymentStatus = json.paymentStatus;
    order.updates.push(json.paymentStatus);
    entry.answered = 200;
    return answer(200, { updateCount: 1 });
  }

  function back(res, id, q) {
    log.push({ type: 'return', at: Date.now(), id, query: Object.fromEntries(q) });
    const order = orders.get(id);
    const status = order?.paymentStatus ?? 'unknown';
    const html = status === 'PAID' || status === 'QUEUED'
      ? page('Thank you', `<h1 id="thanks">Thank you for your order</h1><p>Order #${esc(id)}</p>`)
      : page('Cart', `${q.get('errorMsg') ? `<p class="notice" id="error">${esc(q.get('errorMsg'))}</p>` : ''}
<h1 id="cart">Your cart</h1><p>Order #${esc(id)}: ${esc(status)}</p>`);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  }

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const url = new URL(req.url, base);
      const put = url.pathname.match(/^\/api\/v3\/([^/]+)\/orders\/([^/]+)$/);
      if (req.method === 'PUT' && put) return update(req, res, body, decodeURIComponent(put[1]), decodeURIComponent(put[2]));
      if (req.method === 'GET' && url.pathname === '/checkout') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(checkout(url.searchParams));
      }
      const ret = url.pathname.match(/^\/return\/(\d+)$/);
      if (req.method === 'GET' && ret) return back(res, ret[1], url.searchParams);
      if (req.method === 'GET' && url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(page('Stand-in Ecwid store', `<h1>Stand-in Ecwid store</h1>
<form method="get" action="/checkout">
<label>Total <input name="total" value="12.50"></label>
<label>Currency <input name="currency" value="EUR"></label>
<label>Language <select name="lang"><option>en</option><option>de</option><option>fr</option></select></label>
<label>Encryption <select name="mode"><option>gcm</option><option>cbc</option></select></label>
<button type="submit">Go to payment</button></form>
<h2>Orders</h2><ul>${[...orders.values()].map((o) => `<li>#${esc(o.id)} ${esc(o.total)}: ${esc(o.paymentStatus)}</li>`).join('')}</ul>`));
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    });
  });
  await new Promise((r) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', r));
  const base = `http://${options.host ?? '127.0.0.1'}:${server.address().port}`;
  return {
    base, storeId, token, orders, log,
    setDown(n) { down = n; },
    checkoutUrl: (query = {}) => `${base}/checkout?${new URLSearchParams(query)}`,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  const { OBOL_URL = 'http://127.0.0.1:8080', SHOP_ID, CLIENT_SECRET, PORT = '4000' } = process.env;
  if (!SHOP_ID || !CLIENT_SECRET || CLIENT_SECRET.length < 16) {
    console.error('SHOP_ID and CLIENT_SECRET (16+ characters, as set with PATCH /v1/shop) are required');
    process.exit(2);
  }
  const store = await startStore({ obolUrl: OBOL_URL, shopId: SHOP_ID, clientSecret: CLIENT_SECRET, port: Number(PORT) });
  console.log(`stand-in store on ${store.base}; set the shop's ecwid.api_base_url to it, then open ${store.base}/`);
}
