// Payments that do not end in the pay call (docs/payments.md): 3-D Secure,
// bank transfer, wallet (the sandbox's pages driven like a browser would),
// invoice, cards on review, an acquirer that never answers, forged sandbox
// tokens and a tampered payment-result.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createShop, cleanup, assertError, sleep, ms, RFC3339_UTC } from './harness.mjs';
import { startOrdersServer, client } from './orders-helpers.mjs';

after(cleanup);

const RETURN_URL = 'https://shop.example.com/back?cart=7';
const TXN_ID = /^txn_[0-9a-zA-Z]+$/;
const JSON_CT = 'application/json; charset=utf-8';

async function shopOn(srv, name) {
  const c = client(srv, createShop(srv.dbPath, name).secret_key);
  const p = await c.patch('/v1/shop', { allowed_redirect_hosts: ['shop.example.com'] });
  assert.equal(p.status, 200, p.text);
  return c;
}

let refs = 0;
const newOrder = (c, extra = {}) => c.create({
  products: [{ title: 'Widget', price: '12.50' }],
  client: { email: 'ada@example.com', country: 'DE' },
  merchant_reference: `async-${++refs}`,
  max_payment_attempts: 5,
  ...extra,
});
const card = (number, extra = {}) => ({
  number, exp_month: 12, exp_year: 2030, cvc: '123', holder: 'Ada Lovelace', ...extra,
});
const cardPay = (number) => ({ payment_method: 'card', return_url: RETURN_URL, card: card(number) });
const pay = (c, o, body, opts) => c.post(`/v1/orders/${o.id}/pay`, body, opts);
const result = (c, o, body) => c.post(`/v1/orders/${o.id}/payment-result`, body);

function assertPayError(r, status, code) {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status}: ${r.text}`);
  assert.equal(r.headers.get('content-type'), JSON_CT);
  const j = r.json;
  assert.ok(j && typeof j === 'object', `not JSON: ${r.text}`);
  assert.equal(j.code, code, r.text);
  assert.equal(typeof j.message, 'string', r.text);
  assert.ok(Array.isArray(j.messages) && j.messages.length > 0, `messages: ${r.text}`);
  assert.ok(j.errors && typeof j.errors === 'object', `errors: ${r.text}`);
  return j;
}

async function transactions(c, o) {
  const r = await c.get(`/v1/orders/${o.id}/transactions`);
  assert.equal(r.status, 200, r.text);
  return r.json.data;
}
async function txn(c, uid) {
  const r = await c.get(`/v1/transactions/${uid}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}
const status = async (c, o) => (await c.getOrder(o.id)).status;
const eventTypes = async (c, o) => (await c.events(o.id)).map((e) => e.type);

/** Poll until pred(value) or the timeout; returns the last value. */
async function until(fn, pred, timeout = ms(8000), every = 50) {
  const end = Date.now() + timeout;
  let v = await fn();
  while (!pred(v) && Date.now() < end) {
    await sleep(every);
    v = await fn();
  }
  return v;
}

// ----------------------------------------------------------- a tiny browser

const decode = (s) => s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (m, e) => {
  const l = e.toLowerCase();
  if (l === 'amp') return '&';
  if (l === 'lt') return '<';
  if (l === 'gt') return '>';
  if (l === 'quot') return '"';
  if (l === 'apos') return "'";
  if (l.startsWith('#x')) return String.fromCodePoint(parseInt(l.slice(2), 16));
  return String.fromCodePoint(parseInt(l.slice(1), 10));
});

function attrs(s) {
  const out = {};
  const re = /([a-zA-Z_:][-\w:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  let m;
  while ((m = re.exec(s))) out[m[1].toLowerCase()] = decode(m[2] ?? m[3] ?? m[4] ?? '');
  return out;
}

/** The forms of a page: {attrs, inputs[], buttons[], selects[]}. */
function parseForms(html) {
  const forms = [];
  const fre = /<form\b([^>]*)>([\s\S]*?)<\/form>/gi;
  let f;
  while ((f = fre.exec(html))) {
    const body = f[2];
    const inputs = [...body.matchAll(/<input\b([^>]*?)\/?>/gi)].map((m) => attrs(m[1]));
    const buttons = [...body.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)]
      .map((m) => ({ ...attrs(m[1]), text: m[2].replace(/<[^>]*>/g, '').trim() }));
    const selects = [...body.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)].map((m) => ({
      ...attrs(m[1]),
      options: [...m[2].matchAll(/<option\b([^>]*)>([\s\S]*?)<\/option>/gi)]
        .map((o) => ({ ...attrs(o[1]), text: decode(o[2].trim()) })),
    }));
    forms.push({ attrs: attrs(f[1]), inputs, buttons, selects });
  }
  return forms;
}

/** The form holding the element with this id (or a submit button with this value). */
function findForm(forms, id) {
  for (const form of forms) {
    if (form.attrs.id === id) return { form, submitter: null };
    const submitter = [...form.buttons, ...form.inputs.filter((i) => /^(submit|image)$/i.test(i.type || ''))]
      .find((x) => x.id === id) ||
      [...form.buttons, ...form.inputs.filter((i) => /^submit$/i.test(i.type || ''))]
        .find((x) => x.value === id);
    if (submitter) return { form, submitter };
    if (form.selects.some((s) => s.id === id) || form.inputs.some((i) => i.id === id)) {
      return { form, submitter: null };
    }
  }
  return null;
}

/** What a browser would send for this form and submitter. */
function formFields(form, submitter) {
  const fields = {};
  for (const i of form.inputs) {
    const type = (i.type || 'text').toLowerCase();
    if (!i.name || ['submit', 'button', 'image', 'reset', 'file'].includes(type)) continue;
    if ((type === 'checkbox' || type === 'radio') && !('checked' in i)) continue;
    fields[i.name] = i.value ?? '';
  }
  for (const s of form.selects) {
    if (!s.name) continue;
    const sel = s.options.find((o) => 'selected' in o) || s.options[0];
    if (sel) fields[s.name] = sel.value ?? sel.text;
  }
  if (submitter && submitter.name) fields[submitter.name] = submitter.value ?? '';
  return fields;
}

/** A browser for one server: public URLs are mapped to the server, cookies kept. */
function browser(srv) {
  const jar = new Map();
  const local = (url) => {
    const u = new URL(url, 'http://pay.example.test/');
    return srv.base + u.pathname + u.search;
  };
  const keep = (res) => {
    for (const c of res.headers.getSetCookie?.() ?? []) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      if (i > 0) jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const wrap = async (res, url) => {
    keep(res);
    return { status: res.status, location: res.headers.get('location'), html: await res.text(), url,
      headers: res.headers };
  };
  const br = {
    local,
    async get(url) {
      const u = local(url);
      const res = await fetch(u, { redirect: 'manual', headers: jar.size ? { cookie: cookie() } : {} });
      return wrap(res, url);
    },
    async post(url, fields) {
      const u = local(url);
      const headers = { 'content-type': 'application/x-www-form-urlencoded' };
      if (jar.size) headers.cookie = cookie();
      const res = await fetch(u, { method: 'POST', redirect: 'manual', headers,
        body: new URLSearchParams(fields).toString() });
      return wrap(res, url);
    },
    /** Submit the form holding #id on page, with overrides; returns the answer. */
    async submit(page, id, overrides = {}) {
      const forms = parseForms(page.html);
      // the 3-D Secure page may have one form whose outcome is a field
      const found = findForm(forms, id) ||
        (forms.length === 1 && 'outcome' in overrides ? { form: forms[0], submitter: null } : null);
      assert.ok(found, `no form with #${id} on ${page.url}:\n${page.html.slice(0, 2000)}`);
      const fields = { ...formFields(found.form, found.submitter), ...overrides };
      const action = new URL(found.form.attrs.action || page.url, new URL(page.url, 'http://pay.example.test/')).href;
      const method = (found.form.attrs.method || 'GET').toUpperCase();
      if (method === 'GET') {
        const u = new URL(action);
        for (const [k, v] of Object.entries(fields)) u.searchParams.set(k, v);
        return br.get(u.href);
      }
      return br.post(action, fields);
    },
    /** Follow Obol's own redirects until one leaves for the shop (returned) or a page. */
    async follow(res) {
      for (let i = 0; i < 6 && res.status >= 300 && res.status < 400; i++) {
        assert.ok(res.location, `redirect without Location from ${res.url}`);
        if (new URL(res.location, 'http://pay.example.test/').host === 'shop.example.com') return res;
        res = await br.get(new URL(res.location, new URL(res.url, 'http://pay.example.test/')).href);
      }
      return res;
    },
  };
  return br;
}

/** The customer came back to return_url: check it and hand its query to payment-result. */
function cameBack(res, uid) {
  assert.equal(res.status, 303, `expected 303 back to the shop, got ${res.status} from ${res.url}: ${res.html.slice(0, 500)}`);
  const u = new URL(res.location);
  assert.equal(u.origin + u.pathname, 'https://shop.example.com/back', res.location);
  assert.equal(u.searchParams.get('cart'), '7', 'return_url parameters are kept');
  assert.equal(u.searchParams.get('transaction_id'), uid, res.location);
  return Object.fromEntries(u.searchParams);
}

// ---------------------------------------------------------- default server

describe('customer actions (default server)', () => {
  let srv, a, b, web;
  before(async () => {
    srv = await startOrdersServer();
    a = await shopOn(srv, 'Async A');
    b = await shopOn(srv, 'Async B');
    web = browser(srv);
  });

  async function start3ds(o) {
    const r = await pay(a, o, cardPay('4000000000003220'));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['action', 'url'], r.text);
    assert.equal(r.json.action, 'redirect');
    const u = new URL(r.json.url);
    assert.match(u.pathname, /^\/sandbox\/3ds\//, r.json.url);
    const list = await transactions(a, o);
    assert.equal(list.length, 1);
    assert.equal(list[0].status, 'incomplete');
    assert.equal(list[0].finished_at, null);
    assert.equal(list[0].redirect_url, r.json.url);
    assert.equal(await status(a, o), 'in_progress');
    return { url: r.json.url, uid: list[0].uid };
  }

  test('3-D Secure approved: redirect, challenge page, back to return_url, payment-result receipt', async () => {
    const o = await newOrder(a);
    const { url, uid } = await start3ds(o);
    // while the customer is away: one attempt at a time, no receipt yet
    const busy = await pay(a, o, cardPay('4242424242424242'));
    assert.deepEqual(assertPayError(busy, 409, 'payment_in_progress').errors, { order: 'in_progress' });
    assert.equal((await transactions(a, o)).length, 1);
    const co = (await a.get(`/v1/checkouts/${o.token}`)).json.checkout;
    assert.equal(co.gateway_response.payment.status, 'incomplete');
    assert.equal(co.gateway_response.payment.redirect_url, url);
    assert.equal(co.finished, false, 'the attempt has not ended');

    const page = await web.get(url);
    assert.equal(page.status, 200, page.html);
    assert.match(page.headers.get('content-type') || '', /^text\/html/);
    assert.ok(parseForms(page.html).length > 0, `no form on the challenge page: ${page.html.slice(0, 1000)}`);
    const back = await web.follow(await web.submit(page, 'approve', { outcome: 'approve' }));
    const params = cameBack(back, uid);

    const r = await result(a, o, params);
    assert.equal(r.status, 200, r.text);
    assert.ok(!('action' in r.json), r.text);
    assert.equal(r.json.order, o.id);
    assert.equal(r.json.status, 'paid');
    assert.equal(r.json.statusDescription, 'Paid');
    assert.equal(r.json.transaction.uid, uid);
    assert.equal(r.json.transaction.status, 'successful');
    assert.deepEqual(r.json.transaction.three_d_secure, { status: 'authenticated' });
    assert.match(r.json.transaction.finished_at, RFC3339_UTC);
    assert.equal(await status(a, o), 'paid');
    const rc = await a.get(`/v1/orders/${o.id}/receipt`);
    assert.equal(rc.status, 200, rc.text);
    assert.deepEqual(rc.json, r.json, 'the receipt is what payment-result answered');
    // without transaction_id: the latest attempt
    const again = await result(a, o, {});
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.transaction.uid, uid);
    assert.ok((await eventTypes(a, o)).includes('order.payment_success'));
    assert.equal((await a.get(`/v1/checkouts/${o.token}`)).json.checkout.finished, true);
  });

  test('3-D Secure failed: payment-result 402 authentication_failed, order failed', async () => {
    const o = await newOrder(a);
    const { url, uid } = await start3ds(o);
    const page = await web.get(url);
    assert.equal(page.status, 200, page.html);
    const back = await web.follow(await web.submit(page, 'fail', { outcome: 'fail' }));
    const params = cameBack(back, uid);
    const r = await result(a, o, params);
    const j = assertPayError(r, 402, 'authentication_failed');
    assert.deepEqual(j.errors, { paymentMethod: 'authentication_failed' });
    const t = await txn(a, uid);
    assert.equal(t.status, 'failed');
    assert.equal(t.code, 'authentication_failed');
    assert.deepEqual(t.three_d_secure, { status: 'failed' });
    const g = await a.getOrder(o.id, 'standard');
    assert.equal(g.status, 'failed');
    assert.equal(g.failed_attempts, 1);
    assertError(await a.get(`/v1/orders/${o.id}/receipt`), 404, 'receipt_not_found');
    // the challenge cannot be answered twice
    await web.submit(page, 'approve', { outcome: 'approve' });
    assert.equal((await txn(a, uid)).status, 'failed', 'a second answer changes nothing');
    assert.equal(await status(a, o), 'failed');
  });

  test('sandbox page with a wrong or missing token: 404/403, nothing changes', async () => {
    const o = await newOrder(a);
    const { url, uid } = await start3ds(o);
    const u = new URL(url);
    assert.ok(u.searchParams.get('token'), `the sandbox URL carries ?token=: ${url}`);
    const good = u.searchParams.get('token');
    const other = await newOrder(a);
    const forged = [`${u.pathname}?token=${'0'.repeat(64)}`, `${u.pathname}?token=${other.token}`, u.pathname,
      `${u.pathname}?token=${good.slice(0, -1)}`];
    for (const p of forged) {
      const g = await web.get(p);
      assert.ok([403, 404].includes(g.status), `GET ${p}: ${g.status}`);
      const s = await web.post(p, { outcome: 'approve', token: other.token });
      assert.ok([403, 404].includes(s.status), `POST ${p}: ${s.status}`);
    }
    assert.equal((await txn(a, uid)).status, 'incomplete', 'a forged page changed the attempt');
    assert.equal(await status(a, o), 'in_progress');
    // the bank's and the wallet's pages too
    for (const method of ['bank_transfer', 'wallet']) {
      const m = await newOrder(a);
      const r = await pay(a, m, { payment_method: method, return_url: RETURN_URL });
      assert.equal(r.status, 200, r.text);
      const mu = new URL(r.json.formUrl || r.json.url);
      assert.ok(mu.searchParams.get('token'), `${method}: the sandbox URL carries ?token=`);
      const mid = (await transactions(a, m))[0].uid;
      for (const p of [`${mu.pathname}?token=${'f'.repeat(64)}`, `${mu.pathname}?token=${other.token}`, mu.pathname]) {
        const g = await web.get(p);
        assert.ok([403, 404].includes(g.status), `${method} GET ${p}: ${g.status}`);
        for (const outcome of ['approve', 'fail']) {
          const s = await web.post(p, { outcome, country: 'DE', ...(r.json.formFields || {}) });
          assert.ok([403, 404].includes(s.status), `${method} POST ${p}: ${s.status}`);
        }
      }
      assert.equal((await txn(a, mid)).status, 'incomplete', `${method}: a forged page changed the attempt`);
      assert.equal(await status(a, m), 'in_progress');
    }
    // the real page still works
    const page = await web.get(url);
    assert.equal(page.status, 200);
    cameBack(await web.follow(await web.submit(page, 'approve', { outcome: 'approve' })), uid);
    assert.equal((await result(a, o, { transaction_id: uid })).status, 200);
  });

  test("payment-result with another order's transaction uid: 404 transaction_not_found", async () => {
    const o = await newOrder(a);
    const other = await newOrder(a);
    const paid = await pay(a, other, cardPay('4242424242424242'));
    assert.equal(paid.status, 200, paid.text);
    const foreignUid = paid.json.transaction.uid;
    const { uid } = await start3ds(o);
    const r = await result(a, o, { transaction_id: foreignUid });
    assertPayError(r, 404, 'transaction_not_found');
    const r2 = await result(a, o, { transaction_id: 'txn_000000000000000000000000' });
    assertPayError(r2, 404, 'transaction_not_found');
    // another shop's attempt
    const bo = await newOrder(b);
    const bp = await pay(b, bo, cardPay('4242424242424242'));
    assert.equal(bp.status, 200, bp.text);
    assertPayError(await result(a, o, { transaction_id: bp.json.transaction.uid }), 404, 'transaction_not_found');
    assert.equal((await txn(a, uid)).status, 'incomplete');
    assert.equal(await status(a, o), 'in_progress');
    assert.equal(await status(a, other), 'paid');
  });

  async function startBank(o) {
    const r = await pay(a, o, { payment_method: 'bank_transfer', return_url: RETURN_URL });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.action, 'form', r.text);
    assert.equal(typeof r.json.formHtml, 'string');
    assert.match(r.json.formHtml, /<form\b/i);
    assert.ok(r.json.formFields && typeof r.json.formFields === 'object', r.text);
    assert.equal(typeof r.json.formUrl, 'string');
    assert.match(new URL(r.json.formUrl).pathname, /^\/sandbox\/bank\//, r.json.formUrl);
    const list = await transactions(a, o);
    assert.equal(list.length, 1);
    assert.equal(list[0].status, 'incomplete');
    assert.equal(list[0].payment_method, 'bank_transfer');
    assert.equal(list[0].method.type, 'bank_transfer');
    assert.equal(list[0].method.brand, null);
    assert.equal(list[0].method.last_4, null);
    assert.equal(await status(a, o), 'in_progress');
    const fields = Object.fromEntries(Object.entries(r.json.formFields).map(([k, v]) => [k, String(v)]));
    let page = await web.post(r.json.formUrl, fields);
    page = await web.follow(page);
    assert.equal(page.status, 200, `bank page: ${page.status} ${page.html.slice(0, 500)}`);
    return { page, uid: list[0].uid };
  }

  test('bank transfer approved: form, bank page #approve, back, receipt', async () => {
    const o = await newOrder(a);
    const { page, uid } = await startBank(o);
    const back = await web.follow(await web.submit(page, 'approve'));
    const r = await result(a, o, cameBack(back, uid));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'paid');
    assert.equal(r.json.transaction.uid, uid);
    assert.equal(r.json.transaction.status, 'successful');
    assert.equal(r.json.transaction.payment_method, 'bank_transfer');
    assert.equal(await status(a, o), 'paid');
  });

  test('bank transfer declined: #decline, payment-result 402 bank_declined', async () => {
    const o = await newOrder(a);
    const { page, uid } = await startBank(o);
    const back = await web.follow(await web.submit(page, 'decline'));
    const j = assertPayError(await result(a, o, cameBack(back, uid)), 402, 'bank_declined');
    assert.deepEqual(j.errors, { paymentMethod: 'bank_declined' });
    const t = await txn(a, uid);
    assert.equal(t.status, 'failed');
    assert.equal(t.code, 'bank_declined');
    assert.equal(await status(a, o), 'failed');
  });

  async function walletRound(o, country) {
    const r = await pay(a, o, { payment_method: 'wallet', return_url: RETURN_URL });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.action, 'redirect', r.text);
    assert.match(new URL(r.json.url).pathname, /^\/sandbox\/wallet\//, r.json.url);
    const uid = (await transactions(a, o)).at(-1).uid;
    assert.equal((await txn(a, uid)).status, 'incomplete');
    const page = await web.get(r.json.url);
    assert.equal(page.status, 200, page.html);
    const forms = parseForms(page.html);
    const sel = forms.flatMap((f) => f.selects).find((s) => s.id === 'country');
    const inp = forms.flatMap((f) => f.inputs).find((i) => i.id === 'country');
    const name = sel?.name || inp?.name;
    assert.ok(name, `no #country field on the wallet page: ${page.html.slice(0, 1500)}`);
    const back = await web.follow(await web.submit(page, 'confirm', { [name]: country }));
    return { uid, params: cameBack(back, uid) };
  }

  test('wallet, same country as the client: success', async () => {
    const o = await newOrder(a);
    const { uid, params } = await walletRound(o, 'DE');
    const r = await result(a, o, params);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'paid');
    assert.equal(r.json.transaction.uid, uid);
    assert.equal(r.json.transaction.payment_method, 'wallet');
    assert.equal(await status(a, o), 'paid');
  });

  test('wallet, another country: 402 COUNTRY_MISMATCH; redirect_to_payment with attempts left: the checkout', async () => {
    const o = await newOrder(a);
    const { uid, params } = await walletRound(o, 'FR');
    const j = assertPayError(await result(a, o, params), 402, 'COUNTRY_MISMATCH');
    assert.deepEqual(j.errors, { paymentMethod: 'COUNTRY_MISMATCH' });
    const t = await txn(a, uid);
    assert.equal(t.status, 'failed');
    assert.equal(t.code, 'COUNTRY_MISMATCH');
    assert.equal(await status(a, o), 'failed');
    const rr = await result(a, o, { ...params, redirect_to_payment: true });
    assert.equal(rr.status, 200, rr.text);
    assert.deepEqual(rr.json, { action: 'redirect', url: o.checkout_url });
  });

  test('wallet: redirect_to_payment without attempts left is the 402; an order without country mismatches', async () => {
    const o = await newOrder(a, { max_payment_attempts: 1 });
    const { params } = await walletRound(o, 'FR');
    assert.equal(await status(a, o), 'cancelled', 'the only attempt failed');
    assertPayError(await result(a, o, { ...params, redirect_to_payment: true }), 402, 'COUNTRY_MISMATCH');

    const n = await newOrder(a, { client: { email: 'nobody@example.com' } });
    const w = await walletRound(n, 'DE');
    assertPayError(await result(a, n, w.params), 402, 'COUNTRY_MISMATCH');
  });

  test('invoice: action success at once, Pending, transaction pending; receive marks it received', async () => {
    const o = await newOrder(a);
    const r = await pay(a, o, { payment_method: 'invoice' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.action, 'success');
    assert.equal(r.json.order, o.id);
    assert.equal(r.json.status, 'in_progress');
    assert.equal(r.json.statusDescription, 'Pending');
    assert.equal(r.json.transaction.status, 'pending');
    assert.equal(r.json.transaction.payment_method, 'invoice');
    assert.equal(r.json.transaction.finished_at, null);
    assert.equal(await status(a, o), 'in_progress');
    const rc = await a.get(`/v1/orders/${o.id}/receipt`);
    assert.equal(rc.status, 200, rc.text);
    assert.equal(rc.json.statusDescription, 'Pending');
    assert.equal(rc.json.transaction.uid, r.json.transaction.uid);
    assertPayError(await pay(a, o, cardPay('4242424242424242')), 409, 'payment_in_progress');

    const rv = await a.post(`/v1/orders/${o.id}/receive`);
    assert.equal(rv.status, 200, rv.text);
    assert.equal(rv.json.status, 'received');
    assert.equal(await status(a, o), 'received');
    assert.ok((await eventTypes(a, o)).includes('order.received'));
  });
});

// -------------------------------------------------------------- review cards

describe('cards on review (--sandbox-review-ms 300)', () => {
  let srv, a;
  before(async () => {
    srv = await startOrdersServer(['--sandbox-review-ms', '300', '--sweep-interval', '50']);
    a = await shopOn(srv, 'Review');
  });

  for (const [number, final, txnStatus, event, code] of [
    ['4000000000001000', 'paid', 'successful', 'order.payment_success', null],
    ['4000000000001018', 'failed', 'failed', 'order.payment_failure', 'card_declined'],
  ]) {
    test(`${number}: Pending receipt, then the sweeper makes the order ${final}`, async () => {
      const o = await newOrder(a);
      const r = await pay(a, o, cardPay(number));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.action, 'success');
      assert.equal(r.json.status, 'in_progress');
      assert.equal(r.json.statusDescription, 'Pending');
      assert.equal(r.json.transaction.status, 'pending');
      assert.equal(r.json.transaction.finished_at, null);
      const uid = r.json.transaction.uid;
      assert.match(uid, TXN_ID);

      const s = await until(() => status(a, o), (x) => x === final);
      assert.equal(s, final, `order still ${s} after the review time`);
      const t = await txn(a, uid);
      assert.equal(t.status, txnStatus);
      assert.equal(t.code, code);
      assert.match(t.finished_at, RFC3339_UTC);
      const types = await eventTypes(a, o);
      assert.ok(types.includes(event), types.join());
      assert.equal(types.at(-1), event, types.join());
      const rc = await a.get(`/v1/orders/${o.id}/receipt`);
      if (final === 'paid') {
        assert.equal(rc.status, 200, rc.text);
        assert.equal(rc.json.status, 'paid');
        assert.equal(rc.json.statusDescription, 'Paid');
        assert.equal(rc.json.transaction.uid, uid);
        assert.equal(rc.json.transaction.status, 'successful');
      } else {
        assertError(rc, 404, 'receipt_not_found');
        assert.equal((await a.getOrder(o.id, 'standard')).failed_attempts, 1);
      }
      // payment-result tells the same
      const pr = await result(a, o, { transaction_id: uid });
      if (final === 'paid') assert.equal(pr.status, 200, pr.text);
      else assertPayError(pr, 402, code);
    });
  }
});

// ------------------------------------------------------ an acquirer timeout

describe('acquirer timeout (--acquirer-timeout-ms 200)', () => {
  let srv, a;
  before(async () => {
    srv = await startOrdersServer(['--acquirer-timeout-ms', '200', '--sweep-interval', '50']);
    a = await shopOn(srv, 'Timeout');
  });

  test('4000000000001026: a Pending receipt after the timeout, later failed with acquirer_timeout', async () => {
    const o = await newOrder(a);
    const t0 = Date.now();
    const first = pay(a, o, cardPay('4000000000001026'));
    // one attempt at a time, also while the acquirer is being called
    assert.equal(await until(() => status(a, o), (x) => x === 'in_progress', ms(3000), 10), 'in_progress');
    const busy = await pay(a, o, cardPay('4242424242424242'));
    assert.deepEqual(assertPayError(busy, 409, 'payment_in_progress').errors, { order: 'in_progress' });
    const r = await first;
    const took = Date.now() - t0;
    assert.equal(r.status, 200, r.text);
    assert.ok(took >= 180, `answered after ${took} ms, before the 200 ms timeout`);
    assert.ok(took < ms(4000), `answered after ${took} ms, long after the 200 ms timeout`);
    assert.equal(r.json.action, 'success');
    assert.equal(r.json.status, 'in_progress');
    assert.equal(r.json.statusDescription, 'Pending');
    assert.equal(r.json.transaction.status, 'pending');
    const uid = r.json.transaction.uid;
    assert.equal(await status(a, o), 'in_progress');
    assertPayError(await pay(a, o, cardPay('4242424242424242')), 409, 'payment_in_progress');
    assert.equal((await transactions(a, o)).length, 1);

    // the deadline is the timeout plus 5 s
    const s = await until(() => status(a, o), (x) => x === 'failed', ms(15000), 100);
    assert.equal(s, 'failed');
    const t = await txn(a, uid);
    assert.equal(t.status, 'failed');
    assert.equal(t.code, 'acquirer_timeout');
    assert.match(t.finished_at, RFC3339_UTC);
    assert.ok((await eventTypes(a, o)).includes('order.payment_failure'));
    assert.equal((await a.getOrder(o.id, 'standard')).failed_attempts, 1);
  });
});

// ------------------------------------------------- an abandoned customer action

describe('customer action expires (--action-timeout-ms 1000)', () => {
  let srv, a;
  before(async () => {
    srv = await startOrdersServer(['--action-timeout-ms', '1000', '--sweep-interval', '50']);
    a = await shopOn(srv, 'Abandoned');
  });

  test('3-D Secure never answered: the attempt expires and the order fails', async () => {
    const o = await newOrder(a);
    const r = await pay(a, o, cardPay('4000000000003220'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.action, 'redirect');
    const uid = (await transactions(a, o))[0].uid;
    // the challenge form as the customer got it, before the attempt expired
    const web = browser(srv);
    const page = await web.get(r.json.url);
    assert.equal(page.status, 200);
    const s = await until(() => status(a, o), (x) => x === 'failed');
    assert.equal(s, 'failed');
    const t = await txn(a, uid);
    assert.equal(t.status, 'expired');
    assert.match(t.finished_at, RFC3339_UTC);
    // posting it now can no longer approve it
    await web.submit(page, 'approve', { outcome: 'approve' });
    assert.equal((await txn(a, uid)).status, 'expired');
    assert.equal(await status(a, o), 'failed');
  });
});
