// Helpers shared by the Orders API black-box tests (orders*.test.mjs,
// idempotency, checkout, deadlines). Built on harness.mjs; never edits it.
import assert from 'node:assert/strict';
import { startServer, request, assertError } from './harness.mjs';

export const PUBLIC_URL = 'http://pay.example.test';
export const HEX64 = /^[0-9a-f]{64}$/;
export const ORDER_ID = /^ord_[0-9a-f]+$/;

export const MIN_FIELDS = ['id', 'object', 'type', 'status', 'amount', 'currency', 'token', 'test',
  'capture', 'merchant_reference', 'created_at', 'checkout_url', 'api_do_url',
  'success_redirect', 'in_progress_redirect', 'failure_redirect', 'return_url', 'cancel_url'];
export const STD_FIELDS = [...MIN_FIELDS, 'description', 'products', 'client',
  'merchant_reference_2', 'language', 'callback_url', 'notification_url', 'metadata',
  'initial_amount', 'surcharge_amount', 'due_date', 'expires_at', 'max_payment_attempts',
  'failed_attempts', 'captured_amount', 'refunded_amount', 'refundable_amount', 'updated_at'];
export const FULL_FIELDS = [...STD_FIELDS, 'amount_decimal', 'shop_id', 'permitted_actions',
  'version'];

export const MINIMAL_ORDER = {
  client: { email: 'test@test.com' }, products: [{ price: 0.3, title: 'test' }],
};

/** `obol serve` with a known public URL and no rate limit. */
export function startOrdersServer(args = [], opts = {}) {
  return startServer({
    ...opts,
    args: ['--public-url', PUBLIC_URL, '--rate-limit', '0', ...args],
  });
}

/** A small client bound to one server and one secret key. */
export function client(srv, key) {
  const c = {
    key,
    req: (method, p, opts = {}) => request(srv.base, method, p, { key, ...opts }),
    get: (p, opts) => c.req('GET', p, opts),
    post: (p, body, opts = {}) => c.req('POST', p, { body, ...opts }),
    patch: (p, body, opts = {}) => c.req('PATCH', p, { body, ...opts }),
    /** POST /v1/orders and assert 201; returns the order. */
    async create(body = MINIMAL_ORDER, query = '', opts = {}) {
      const r = await c.post('/v1/orders' + query, body, opts);
      assert.equal(r.status, 201, `create ${JSON.stringify(body).slice(0, 300)}: ${r.status} ${r.text}`);
      assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
      return r.json;
    },
    async getOrder(id, type = 'standard') {
      const r = await c.get(`/v1/orders/${id}?response_type=${type}`);
      assert.equal(r.status, 200, `GET ${id}: ${r.status} ${r.text}`);
      return r.json;
    },
    async events(id) {
      const r = await c.get(`/v1/orders/${id}/events`);
      assert.equal(r.status, 200, `events ${id}: ${r.status} ${r.text}`);
      assert.ok(Array.isArray(r.json.data), r.text);
      return r.json.data;
    },
    /** Every order of the shop (newest first), following cursors. */
    async listAll(query = '') {
      const out = [];
      let cursor = null;
      for (let i = 0; i < 1000; i++) {
        const q = new URLSearchParams(query);
        q.set('limit', '100');
        if (cursor) q.set('cursor', cursor);
        const r = await c.get('/v1/orders?' + q.toString());
        assert.equal(r.status, 200, `list: ${r.status} ${r.text}`);
        out.push(...r.json.data);
        if (!r.json.has_more) return out;
        cursor = r.json.next_cursor;
        assert.ok(cursor, `has_more without next_cursor: ${r.text}`);
      }
      throw new Error('list did not end');
    },
    async count(query = '') { return (await c.listAll(query)).length; },
  };
  return c;
}

/**
 * Assert a 400 validation_error naming every path in `paths` (and, if
 * exact, nothing else). Returns the fields object.
 */
export function assertValidation(res, paths, { exact = false } = {}) {
  const e = assertError(res, 400, 'validation_error');
  assert.ok(e.fields && typeof e.fields === 'object', `no fields: ${res.text}`);
  for (const p of paths) {
    assert.ok(p in e.fields, `fields lacks "${p}": ${res.text}`);
    assert.equal(typeof e.fields[p], 'string', `fields.${p} is not a message: ${res.text}`);
    assert.ok(e.fields[p].length > 0);
  }
  if (exact) assert.deepEqual(Object.keys(e.fields).sort(), [...paths].sort(), res.text);
  return e.fields;
}

export const sortedKeys = (o) => Object.keys(o).sort();

/** An RFC 3339 time `secs` seconds after `base` (ms since epoch). */
export const isoIn = (secs, base = Date.now()) => new Date(base + secs * 1000).toISOString();
