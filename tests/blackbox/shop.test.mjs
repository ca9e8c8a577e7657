// The shop resource: GET /v1/shop shape, PATCH /v1/shop validation of every
// field, null clearing, atomicity (an invalid field changes nothing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createShop, request, assertError, cleanup, sleep, RFC3339_UTC,
} from './harness.mjs';

after(cleanup);

let srv, shop, other;

before(async () => {
  srv = await startServer();
  shop = createShop(srv.dbPath, 'Corner shop');
  other = createShop(srv.dbPath, 'Other shop');
});

const FIELDS = ['id', 'object', 'name', 'default_currency', 'default_language',
  'allowed_redirect_hosts', 'url', 'country', 'contact_email', 'contact_phone',
  'created_at', 'updated_at'].sort();

// Every documented field must be there (later features may add more).
function assertShopFields(s) {
  const missing = FIELDS.filter((f) => !(f in s));
  assert.deepEqual(missing, [], `shop lacks fields: ${JSON.stringify(s)}`);
}

async function get(key = shop.secret_key) {
  const r = await request(srv.base, 'GET', '/v1/shop', { key });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
  return r.json;
}

const patch = (body, key = shop.secret_key) =>
  request(srv.base, 'PATCH', '/v1/shop', { key, body });

async function patchOk(body) {
  const r = await patch(body);
  assert.equal(r.status, 200, `PATCH ${JSON.stringify(body).slice(0, 200)}: ${r.status} ${r.text}`);
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
  assertShopFields(r.json);
  return r.json;
}

test('GET /v1/shop of a new shop: every field, nulls, [] hosts, RFC 3339 times', async () => {
  const s = await get();
  assertShopFields(s);
  assert.equal(s.id, shop.id);
  assert.equal(s.object, 'shop');
  assert.equal(s.name, 'Corner shop');
  for (const f of ['default_language', 'url', 'country', 'contact_email', 'contact_phone']) {
    assert.equal(s[f], null, `${f} should be null`);
  }
  // docs/api.md: new shops get default_currency EUR (the brief said null)
  assert.ok(s.default_currency === null || s.default_currency === 'EUR',
    `default_currency of a new shop: ${s.default_currency}`);
  assert.deepEqual(s.allowed_redirect_hosts, []);
  for (const f of ['created_at', 'updated_at']) {
    assert.match(s[f], RFC3339_UTC, `${f}: ${s[f]}`);
    const t = Date.parse(s[f]);
    assert.ok(Math.abs(Date.now() - t) < 10 * 60 * 1000, `${f} not near now: ${s[f]}`);
  }
  assert.ok(Date.parse(s.updated_at) >= Date.parse(s.created_at));
});

test('PATCH every field: 200 with the whole updated shop, hosts lower-cased, GET agrees', async () => {
  const before = await get();
  await sleep(20);
  const body = {
    name: 'Eckladen Müller',
    default_currency: 'EUR',
    default_language: 'de',
    allowed_redirect_hosts: ['Shop.Example.COM', 'pay.example.org', '192.168.1.20', 'localhost'],
    url: 'https://shop.example.com/de?x=1',
    country: 'DE',
    contact_email: 'info@shop.example.com',
    contact_phone: '+49 (30) 1234-567',
  };
  const s = await patchOk(body);
  assert.equal(s.id, shop.id);
  assert.equal(s.object, 'shop');
  assert.equal(s.name, body.name);
  assert.equal(s.default_currency, 'EUR');
  assert.equal(s.default_language, 'de');
  assert.deepEqual(s.allowed_redirect_hosts, ['shop.example.com', 'pay.example.org', '192.168.1.20', 'localhost']);
  assert.equal(s.url, body.url);
  assert.equal(s.country, 'DE');
  assert.equal(s.contact_email, body.contact_email);
  assert.equal(s.contact_phone, body.contact_phone);
  assert.equal(s.created_at, before.created_at);
  assert.match(s.updated_at, RFC3339_UTC);
  assert.notEqual(s.updated_at, before.updated_at, 'updated_at did not change');
  assert.ok(Date.parse(s.updated_at) > Date.parse(before.updated_at));
  assert.deepEqual(await get(), s);
  // the other shop is untouched
  assert.equal((await get(other.secret_key)).name, 'Other shop');
});

test('PATCH a subset changes only those fields', async () => {
  const before = await get();
  await sleep(20);
  const s = await patchOk({ default_currency: 'JPY' });
  assert.equal(s.default_currency, 'JPY');
  for (const f of FIELDS) {
    if (f !== 'default_currency' && f !== 'updated_at') assert.deepEqual(s[f], before[f], f);
  }
  assert.deepEqual(await get(), s);
});

test('null clears optional fields; GET shows null', async () => {
  await patchOk({
    default_currency: 'USD', default_language: 'en', url: 'http://a.example',
    country: 'US', contact_email: 'a@b.example', contact_phone: '555-1234',
    allowed_redirect_hosts: ['a.example'],
  });
  const s = await patchOk({
    default_currency: null, default_language: null, url: null, country: null,
    contact_email: null, contact_phone: null,
  });
  for (const f of ['default_currency', 'default_language', 'url', 'country', 'contact_email', 'contact_phone']) {
    assert.equal(s[f], null, `${f} not cleared`);
  }
  const g = await get();
  for (const f of ['default_currency', 'default_language', 'url', 'country', 'contact_email', 'contact_phone']) {
    assert.equal(g[f], null, `${f} not cleared in GET`);
  }
  assert.deepEqual(g.allowed_redirect_hosts, ['a.example']);
  const e = await patchOk({ allowed_redirect_hosts: [] });
  assert.deepEqual(e.allowed_redirect_hosts, []);
});

test('empty object {} is 200 and changes nothing', async () => {
  const before = await get();
  const s = await patchOk({});
  for (const f of FIELDS) if (f !== 'updated_at') assert.deepEqual(s[f], before[f], f);
  const g = await get();
  for (const f of FIELDS) if (f !== 'updated_at') assert.deepEqual(g[f], before[f], f);
});

test('valid values at the limits are accepted', async () => {
  const cases = [
    { name: 'x' },
    { name: 'n'.repeat(200) },
    { default_currency: 'KWD' }, { default_currency: 'USD' }, { default_currency: 'CHF' },
    { default_language: 'fr' },
    { allowed_redirect_hosts: Array.from({ length: 50 }, (_, i) => `h${i}.example.com`) },
    { allowed_redirect_hosts: ['a-b.example', 'xn--mller-kva.example', '10.0.0.1'] },
    { url: 'http://localhost:8080' },
    { url: 'https://shop.example/path#frag' },
    { country: 'JP' },
    { contact_email: 'first.last+tag@sub.example.co.uk' },
    { contact_phone: '112' },
    { contact_phone: '+'.padEnd(32, '1') },
  ];
  for (const body of cases) {
    const s = await patchOk(body);
    const [[k, v]] = Object.entries(body);
    if (k === 'allowed_redirect_hosts') assert.deepEqual(s[k], v.map((h) => h.toLowerCase()));
    else if (k !== 'url') assert.equal(s[k], v, k);
    assert.deepEqual((await get())[k], s[k]);
  }
});

test('name limits count characters, not bytes: 200 × "ü" is accepted, 201 are not', async () => {
  const s = await patchOk({ name: 'ü'.repeat(200) }); // 200 characters, 400 bytes of UTF-8
  assert.equal(s.name, 'ü'.repeat(200));
  assertError(await patch({ name: 'ü'.repeat(201) }), 400, 'validation_error');
  const e = await patchOk({ name: '😀'.repeat(200) }); // 200 code points, 800 bytes
  assert.equal(e.name, '😀'.repeat(200));
});

const INVALID = [
  ['name', ''],
  ['name', 'n'.repeat(201)],
  ['name', 5],
  ['name', null],
  ['name', ['a']],
  ['default_currency', 'XYZ'],
  ['default_currency', 'eur'],
  ['default_currency', 'EURO'],
  ['default_currency', 978],
  ['default_language', 'english'],
  ['default_language', 'EN'],
  ['default_language', 'e'],
  ['default_language', true],
  ['allowed_redirect_hosts', 'shop.example'],
  ['allowed_redirect_hosts', [5]],
  ['allowed_redirect_hosts', ['ok.example', null]],
  ['allowed_redirect_hosts', ['bad host/']],
  ['allowed_redirect_hosts', ['http://shop.example']],
  ['allowed_redirect_hosts', ['a..b.example']],
  ['allowed_redirect_hosts', ['-bad.example']],
  ['allowed_redirect_hosts', ['']],
  ['allowed_redirect_hosts', Array.from({ length: 51 }, (_, i) => `h${i}.example.com`)],
  ['allowed_redirect_hosts', { host: 'a.example' }],
  ['url', 'ftp://x'],
  ['url', 'shop.example'],
  ['url', 'https://'],
  ['url', 'javascript:alert(1)'],
  ['url', 42],
  ['country', 'DEU'],
  ['country', 'de'],
  ['country', 'D'],
  ['country', 49],
  ['contact_email', 'nobody'],
  ['contact_email', '@shop.example'],
  ['contact_email', 'info@'],
  ['contact_email', 'info@localhost'],
  ['contact_email', 7],
  ['contact_phone', '12'],
  ['contact_phone', '1'.repeat(33)],
  ['contact_phone', 'call me'],
  ['contact_phone', '+49 30 1234#5'],
  ['contact_phone', 4930123],
];

for (const [field, value] of INVALID) {
  const label = JSON.stringify(value);
  test(`PATCH ${field}: ${label.length > 40 ? label.slice(0, 40) + '…' : label} is 400 validation_error naming ${field}; nothing changes`, async () => {
    const before = await get();
    // combined with a valid change of another field: that one must not apply either
    const body = field === 'name' ? { [field]: value, country: 'FR' } : { [field]: value, name: 'should not apply' };
    const r = await patch(body);
    const e = assertError(r, 400, 'validation_error');
    // an array element may be reported as e.g. allowed_redirect_hosts[1]
    const named = Object.entries(e.fields || {}).filter(([k]) => k === field || k.startsWith(`${field}[`));
    assert.ok(named.length > 0 && named.every(([, v]) => typeof v === 'string' && v.length > 0),
      `fields.${field} missing: ${r.text}`);
    assert.deepEqual(await get(), before);
  });
}

test('an invalid element of allowed_redirect_hosts is reported under a path naming it', async () => {
  const r = await patch({ allowed_redirect_hosts: ['ok.example', 'bad host/'] });
  const e = assertError(r, 400, 'validation_error');
  const keys = Object.keys(e.fields || {});
  assert.ok(keys.some((k) => k.startsWith('allowed_redirect_hosts')), `fields: ${r.text}`);
});

test('unknown field {"colour":"red"} is 400 validation_error with fields.colour', async () => {
  const before = await get();
  const r = await patch({ colour: 'red' });
  const e = assertError(r, 400, 'validation_error');
  assert.equal(typeof e.fields?.colour, 'string', r.text);
  // also when mixed with valid fields, which must not apply
  const r2 = await patch({ name: 'mixed', colour: 'red' });
  const e2 = assertError(r2, 400, 'validation_error');
  assert.ok('colour' in e2.fields);
  assert.ok(!('name' in e2.fields), `valid name reported as invalid: ${r2.text}`);
  // read-only fields cannot be patched either
  for (const ro of [{ id: 'shop_000000000000000000000000' }, { created_at: '2020-01-01T00:00:00.000Z' }, { object: 'shop' }]) {
    const r3 = await patch(ro);
    const e3 = assertError(r3, 400, 'validation_error');
    assert.ok(Object.keys(ro)[0] in e3.fields, r3.text);
  }
  assert.deepEqual(await get(), before);
});

test('several invalid fields are all reported', async () => {
  const r = await patch({ name: 5, colour: 'red', country: 'DEU', default_currency: 'eur' });
  const e = assertError(r, 400, 'validation_error');
  for (const f of ['name', 'colour', 'country', 'default_currency']) {
    assert.ok(f in e.fields, `fields.${f} missing: ${r.text}`);
  }
});

test('strings with quotes, backslashes, and emoji round-trip', async () => {
  const name = 'Ä "quoted" \\ backslash 😀 </script>';
  const s = await patchOk({ name });
  assert.equal(s.name, name);
  assert.equal((await get()).name, name);
});
