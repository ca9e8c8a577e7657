/* The shop resource (GET/PATCH /v1/shop) and shop/key creation. */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define SHOP_NAME_MAX 200
#define SHOP_REDIRECT_HOSTS_MAX 50
#define SHOP_SURCHARGE_MAX 1000000000000000LL /* minor units */

static json_t *shop_optional_string(const char *value)
{
  return value ? json_string(value) : json_null();
}

/* The stored rule {percent_bp, fixed, cap, format} as the API shows it. */
static json_t *shop_surcharge_json(const char *stored)
{
  json_t *rule = stored ? json_loads(stored, 0, NULL) : NULL;
  json_int_t basis_points;
  char percent[24];
  json_t *out;

  if(!rule)
    return json_null();
  basis_points = json_integer_value(json_object_get(rule, "percent_bp"));
  snprintf(percent, sizeof(percent), "%lld.%02lld",
           (long long)(basis_points / 100), (long long)(basis_points % 100));
  out = json_pack("{s:s, s:O, s:o, s:O}", "percent", percent, "fixed",
                  json_object_get(rule, "fixed"), "cap",
                  json_integer_value(json_object_get(rule, "cap"))
                      ? json_copy(json_object_get(rule, "cap"))
                      : json_null(),
                  "format", json_object_get(rule, "format"));
  json_decref(rule);
  return out;
}

/* The Ecwid app's settings, the secret never shown. */
static json_t *shop_ecwid_json(const store_shop_t *shop)
{
  json_t *ecwid = shop->ecwid ? json_loads(shop->ecwid, 0, NULL) : NULL;
  json_t *out = ecwid ? json_pack("{s:O, s:b}", "api_base_url",
                                  json_object_get(ecwid, "api_base_url"),
                                  "client_secret_set", 1)
                      : json_null();
  json_decref(ecwid);
  return out;
}

/* The public half of the key that signs seed 003's notifications. */
static json_t *shop_public_key(const store_shop_t *shop)
{
  char *text = NULL;
  json_t *out;

  if(!shop->notification_key ||
     core_rsa_public(shop->notification_key, &text))
    return json_null();
  out = json_string(text);
  free(text);
  return out;
}

json_t *api_shop_json(const store_shop_t *shop)
{
  json_t *hosts = json_loads(shop->allowed_redirect_hosts
                                 ? shop->allowed_redirect_hosts : "[]",
                             0, NULL);
  json_t *brands = json_loads(shop->brands ? shop->brands : "[]", 0, NULL);
  json_t *methods = json_loads(shop->payment_methods ? shop->payment_methods
                                                     : STORE_METHODS_DEFAULT,
                               0, NULL);
  json_t *out = json_pack(
      "{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
      shop->id, "object", "shop", "name", shop->name, "default_currency",
      shop_optional_string(shop->default_currency), "default_language",
      shop_optional_string(shop->default_language), "allowed_redirect_hosts",
      hosts ? hosts : json_array(), "url", shop_optional_string(shop->url),
      "country", shop_optional_string(shop->country), "contact_email",
      shop_optional_string(shop->contact_email), "contact_phone",
      shop_optional_string(shop->contact_phone), "created_at",
      api_time_json(shop->created_at), "updated_at",
      api_time_json(shop->updated_at));
  if(out) {
    json_object_set_new(out, "brands", brands ? brands : json_array());
    json_object_set_new(out, "surcharge", shop_surcharge_json(shop->surcharge));
    json_object_set_new(out, "payment_methods",
                        methods ? methods : json_array());
    json_object_set_new(out, "affiliate_html",
                        shop_optional_string(shop->affiliate_html));
    json_object_set_new(out, "signing_secret_set",
                        json_boolean(shop->signing_secret != NULL));
    json_object_set_new(out, "notification_public_key",
                        shop_public_key(shop));
    json_object_set_new(out, "ecwid", shop_ecwid_json(shop));
  }
  else {
    json_decref(brands);
    json_decref(methods);
  }
  return out;
}

/* ---- the RSA key of seed 003's notifications ---- */

typedef struct {
  http_request_t *req;
  const char *pem;
  store_shop_t *shop;
} shop_key_t;

/* Stores the new key unless another request stored one first. */
static obol_rc shop_key_apply(store_tx_t *tx, void *arg)
{
  shop_key_t *job = arg;
  obol_rc rc = store_tx_shop_get(tx, job->req->arena, job->req->shop_id,
                                 job->shop);
  if(rc || job->shop->notification_key)
    return rc;
  job->shop->notification_key = job->pem;
  return store_tx_shop_update(tx, job->shop);
}

obol_rc api_shop_notification_key(http_request_t *req, store_shop_t *shop)
{
  shop_key_t job = {req, NULL, shop};
  char *pem = NULL;
  obol_rc rc;

  if(shop->notification_key)
    return OBOL_OK;
  /* made outside the write: a key takes a while, the writer must not */
  rc = core_rsa_generate(&pem);
  if(!rc) {
    job.pem = core_arena_strdup(req->arena, pem);
    rc = job.pem ? store_write(http_store(req), shop_key_apply, &job)
                 : OBOL_ERR_NOMEM;
  }
  free(pem);
  return rc;
}

/* The shop, with its notification key (made with the shop; for shops from
 * before the key existed, on first need). */
http_status_t api_shop_get(http_request_t *req)
{
  store_shop_t shop;
  obol_rc rc = store_shop_get(http_store(req), req->arena, req->shop_id,
                              &shop);
  if(!rc)
    rc = api_shop_notification_key(req, &shop);
  if(rc)
    http_respond_rc(req, rc);
  else
    http_respond_json(req, 200, api_shop_json(&shop));
  return HTTP_DONE;
}

/* ---- PATCH /v1/shop ---- */

typedef const char *(*shop_check_fn)(const char *value);

/* The optional string settings: field name, rule, where it lives. */
typedef struct {
  const char *name;
  shop_check_fn check;
  size_t offset;
} shop_setting_t;

/* Receipts show it as the shop wrote it (seed 001 affiliateHtml). */
static const char *shop_check_affiliate_html(const char *html)
{
  return strlen(html) > 10000 ? "must be at most 10000 bytes" : NULL;
}

static const shop_setting_t shop_settings[] = {
  {"default_currency", api_check_currency,
   offsetof(store_shop_t, default_currency)},
  {"default_language", api_check_language,
   offsetof(store_shop_t, default_language)},
  {"url", api_check_url, offsetof(store_shop_t, url)},
  {"country", api_check_country, offsetof(store_shop_t, country)},
  {"contact_email", api_check_email, offsetof(store_shop_t, contact_email)},
  {"contact_phone", api_check_phone, offsetof(store_shop_t, contact_phone)},
  {"affiliate_html", shop_check_affiliate_html,
   offsetof(store_shop_t, affiliate_html)},
};

#define SHOP_SETTING_COUNT (sizeof(shop_settings) / sizeof(shop_settings[0]))

static const char *const shop_patch_fields[] = {
  "name", "default_currency", "default_language", "allowed_redirect_hosts",
  "url", "country", "contact_email", "contact_phone", "brands", "surcharge",
  "payment_methods", "affiliate_html", "ecwid", NULL};

static const char *const shop_known_brands[] = {
  "visa", "master", "amex", "maestro", "discover", "jcb", "unionpay",
  "diners", "bank_transfer", "wallet", "invoice", NULL};

/* A validated patch: which settings change, and to what. */
typedef struct {
  http_request_t *req;
  const char *name;
  const char *hosts; /* JSON array text, or NULL when unchanged */
  const char *brands;
  const char *methods;
  const char *surcharge;
  int surcharge_given; /* surcharge: null switches it off */
  const char *signing_secret; /* a new one, shown once */
  const char *ecwid;          /* the Ecwid app settings, JSON text */
  int ecwid_given;            /* ecwid: null switches the app off */
  int setting_given[SHOP_SETTING_COUNT];
  const char *setting_value[SHOP_SETTING_COUNT]; /* NULL clears */
  store_shop_t result;
} shop_patch_t;

static const char **shop_field(store_shop_t *shop, size_t offset)
{
  return (const char **)((char *)shop + offset);
}

/* Lower-cases and checks the host list; returns its JSON text or NULL. */
static const char *shop_patch_hosts(http_request_t *req, json_t *value,
                                    json_t *fields)
{
  json_t *normalized = json_array();
  json_t *item;
  size_t index;
  const char *copy;

  if(!json_is_array(value) || json_array_size(value) > SHOP_REDIRECT_HOSTS_MAX) {
    json_object_set_new(fields, "allowed_redirect_hosts",
                        json_string("must be an array of at most 50 host "
                                    "names"));
    json_decref(normalized);
    return NULL;
  }
  json_array_foreach(value, index, item) {
    char host[256];
    const char *problem = "must be a host name";
    size_t i;
    if(json_is_string(item) && json_string_length(item) < sizeof(host)) {
      for(i = 0; i <= json_string_length(item); i++)
        host[i] = (char)tolower((unsigned char)json_string_value(item)[i]);
      problem = api_check_host(host);
    }
    if(problem) {
      char path[64];
      snprintf(path, sizeof(path), "allowed_redirect_hosts[%zu]", index);
      json_object_set_new(fields, path, json_string(problem));
      json_decref(normalized);
      return NULL;
    }
    json_array_append_new(normalized, json_string(host));
  }
  copy = api_json_text(req->arena, normalized);
  json_decref(normalized);
  return copy;
}

static const char *shop_patch_brands(http_request_t *req, json_t *value,
                                     json_t *fields)
{
  json_t *item;
  size_t index;

  if(!json_is_array(value) || json_array_size(value) > 16) {
    json_object_set_new(fields, "brands",
                        json_string("must be an array of brand names"));
    return NULL;
  }
  json_array_foreach(value, index, item) {
    const char *const *known = shop_known_brands;
    while(*known && (!json_is_string(item) ||
                     strcmp(*known, json_string_value(item))))
      known++;
    if(!*known) {
      char path[32];
      snprintf(path, sizeof(path), "brands[%zu]", index);
      json_object_set_new(fields, path,
                          json_string("must be one of visa, master, amex, "
                                      "maestro, discover, jcb, unionpay, "
                                      "diners, bank_transfer, wallet, "
                                      "invoice"));
      return NULL;
    }
  }
  return api_json_text(req->arena, value);
}

/* {"client_secret": 16+ characters (its first 16 are the AES key),
 * "api_base_url": the store API's base URL} (seed 000). */
static const char *shop_patch_ecwid(http_request_t *req, json_t *value,
                                    json_t *fields)
{
  static const char *const allowed[] = {"client_secret", "api_base_url",
                                        NULL};
  json_t *secret = json_object_get(value, "client_secret");
  json_t *base = json_object_get(value, "api_base_url");
  json_t *unknown = json_object();
  const char *name;
  json_t *ignored;
  int bad = 0;

  if(!json_is_object(value)) {
    json_object_set_new(fields, "ecwid", json_string(
        "must be {client_secret, api_base_url} or null"));
    json_decref(unknown);
    return NULL;
  }
  api_check_unknown_fields(value, allowed, unknown);
  json_object_foreach(unknown, name, ignored) {
    char path[80];
    snprintf(path, sizeof(path), "ecwid.%.60s", name);
    json_object_set_new(fields, path, json_string("unknown field"));
    bad = 1;
  }
  json_decref(unknown);
  if(!json_is_string(secret) || json_string_length(secret) < 16 ||
     json_string_length(secret) > 255) {
    json_object_set_new(fields, "ecwid.client_secret", json_string(
        "is required: the app's client secret, 16 to 255 characters"));
    bad = 1;
  }
  if(!json_is_string(base) || api_check_url(json_string_value(base))) {
    json_object_set_new(fields, "ecwid.api_base_url", json_string(
        "is required: an absolute http(s) URL, e.g. https://app.ecwid.com"));
    bad = 1;
  }
  return bad ? NULL : api_json_text(req->arena, value);
}

/* A non-empty list of distinct methods Obol knows. */
static const char *shop_patch_methods(http_request_t *req, json_t *value,
                                      json_t *fields)
{
  unsigned seen = 0;
  json_t *item;
  size_t index;

  if(!json_is_array(value) || !json_array_size(value)) {
    json_object_set_new(fields, "payment_methods",
                        json_string("must be a non-empty array of card, "
                                    "bank_transfer, wallet, invoice"));
    return NULL;
  }
  json_array_foreach(value, index, item) {
    int method = acquirer_method_parse(json_string_value(item));
    if(method < 0 || (seen & (1u << method))) {
      char path[40];
      snprintf(path, sizeof(path), "payment_methods[%zu]", index);
      json_object_set_new(fields, path, json_string(
          method < 0 ? "must be card, bank_transfer, wallet or invoice"
                     : "is listed twice"));
      return NULL;
    }
    seen |= 1u << method;
  }
  return api_json_text(req->arena, value);
}

/* {percent: "2.5" (up to 2 decimals, 0-100), fixed: minor units >= 0,
 * cap: minor units > 0 or null, format: "v1"|"v2"} stored as basis points.
 * Each problem is reported at its own path (surcharge.percent ...). */
static const char *shop_patch_surcharge(http_request_t *req, json_t *value,
                                        json_t *fields)
{
  static const char *const names[] = {"percent", "fixed", "cap", "format",
                                      NULL};
  json_t *percent = json_object_get(value, "percent");
  json_t *fixed = json_object_get(value, "fixed");
  json_t *cap = json_object_get(value, "cap");
  json_t *format = json_object_get(value, "format");
  size_t problems = json_object_size(fields);
  int64_t basis_points = 0;
  json_t *unknown, *rule, *ignored;
  const char *name, *text;

  if(!json_is_object(value)) {
    json_object_set_new(fields, "surcharge",
                        json_string("must be an object with percent, fixed, "
                                    "cap and format, or null"));
    return NULL;
  }
  unknown = json_object();
  api_check_unknown_fields(value, names, unknown);
  json_object_foreach(unknown, name, ignored) {
    char path[96];
    snprintf(path, sizeof(path), "surcharge.%.60s", name);
    json_object_set_new(fields, path, json_string("unknown field"));
  }
  json_decref(unknown);
  if(percent) {
    const char *parse_problem = NULL;
    obol_rc rc = json_is_string(percent)
                     ? core_money_parse(json_string_value(percent), 2,
                                        &basis_points, &parse_problem)
                 : json_is_number(percent)
                     ? core_money_from_double(json_number_value(percent), 2,
                                              &basis_points, &parse_problem)
                     : OBOL_ERR_INVALID;
    if(rc || basis_points < 0 || basis_points > 10000)
      json_object_set_new(fields, "surcharge.percent",
                          json_string("must be a number from 0 to 100 with "
                                      "at most 2 decimals"));
  }
  if(fixed && (!json_is_integer(fixed) || json_integer_value(fixed) < 0 ||
                json_integer_value(fixed) > SHOP_SURCHARGE_MAX))
    json_object_set_new(fields, "surcharge.fixed",
                        json_string("must be an integer amount in minor "
                                    "units from 0 to 10^15"));
  if(cap && !json_is_null(cap) &&
     (!json_is_integer(cap) || json_integer_value(cap) < 1 ||
      json_integer_value(cap) > SHOP_SURCHARGE_MAX))
    json_object_set_new(fields, "surcharge.cap",
                        json_string("must be null or an integer amount in "
                                    "minor units from 1 to 10^15"));
  if(format && (!json_is_string(format) ||
                (strcmp(json_string_value(format), "v1") &&
                 strcmp(json_string_value(format), "v2"))))
    json_object_set_new(fields, "surcharge.format",
                        json_string("must be v1 or v2"));
  if(!percent && !fixed)
    json_object_set_new(fields, "surcharge",
                        json_string("give percent and/or fixed"));
  if(json_object_size(fields) > problems)
    return NULL;
  rule = json_pack("{s:I, s:I, s:I, s:s}", "percent_bp",
                   (json_int_t)basis_points, "fixed",
                   fixed ? json_integer_value(fixed) : 0, "cap",
                   cap && json_is_integer(cap) ? json_integer_value(cap) : 0,
                   "format", format ? json_string_value(format) : "v1");
  text = api_json_text(req->arena, rule);
  json_decref(rule);
  return text;
}

/* Checks every member; fills fields with what is wrong. */
static void shop_patch_validate(shop_patch_t *patch, json_t *body,
                                json_t *fields)
{
  json_t *value;
  size_t i;

  api_check_unknown_fields(body, shop_patch_fields, fields);
  value = json_object_get(body, "name");
  if(value) {
    if(!json_is_string(value) || api_text_length(value) < 1 ||
       api_text_length(value) > SHOP_NAME_MAX)
      json_object_set_new(fields, "name",
                          json_string("must be a string of 1 to 200 "
                                      "characters"));
    else
      patch->name = json_string_value(value);
  }
  value = json_object_get(body, "allowed_redirect_hosts");
  if(value)
    patch->hosts = shop_patch_hosts(patch->req, value, fields);
  value = json_object_get(body, "brands");
  if(value)
    patch->brands = shop_patch_brands(patch->req, value, fields);
  value = json_object_get(body, "payment_methods");
  if(value)
    patch->methods = shop_patch_methods(patch->req, value, fields);
  value = json_object_get(body, "ecwid");
  if(value) {
    patch->ecwid_given = 1;
    if(!json_is_null(value))
      patch->ecwid = shop_patch_ecwid(patch->req, value, fields);
  }
  value = json_object_get(body, "surcharge");
  if(value) {
    patch->surcharge_given = 1;
    if(!json_is_null(value))
      patch->surcharge = shop_patch_surcharge(patch->req, value, fields);
  }
  for(i = 0; i < SHOP_SETTING_COUNT; i++) {
    const char *problem;
    value = json_object_get(body, shop_settings[i].name);
    if(!value)
      continue;
    if(json_is_null(value)) {
      patch->setting_given[i] = 1;
      continue;
    }
    problem = json_is_string(value)
                  ? shop_settings[i].check(json_string_value(value))
                  : "must be a string or null";
    if(problem) {
      json_object_set_new(fields, shop_settings[i].name, json_string(problem));
      continue;
    }
    patch->setting_given[i] = 1;
    patch->setting_value[i] = json_string_value(value);
  }
}

/* Runs in the write transaction: read, merge, write back. */
static obol_rc shop_patch_apply(store_tx_t *tx, void *arg)
{
  shop_patch_t *patch = arg;
  store_shop_t *shop = &patch->result;
  obol_rc rc = store_tx_shop_get(tx, patch->req->arena, patch->req->shop_id,
                                 shop);
  size_t i;

  if(rc)
    return rc;
  if(patch->name)
    shop->name = patch->name;
  if(patch->hosts)
    shop->allowed_redirect_hosts = patch->hosts;
  if(patch->brands)
    shop->brands = patch->brands;
  if(patch->methods)
    shop->payment_methods = patch->methods;
  if(patch->signing_secret)
    shop->signing_secret = patch->signing_secret;
  if(patch->ecwid_given)
    shop->ecwid = patch->ecwid;
  if(patch->surcharge_given)
    shop->surcharge = patch->surcharge;
  for(i = 0; i < SHOP_SETTING_COUNT; i++)
    if(patch->setting_given[i])
      *shop_field(shop, shop_settings[i].offset) = patch->setting_value[i];
  shop->updated_at = core_now_ms();
  if(shop->updated_at <= shop->created_at)
    shop->updated_at = shop->created_at + 1;
  return store_tx_shop_update(tx, shop);
}

/* Runs on the writer thread once the change is durable (or failed). */
static void shop_patch_done(void *arg, obol_rc rc)
{
  shop_patch_t *patch = arg;
  json_t *shop;

  if(rc) {
    http_respond_rc(patch->req, rc);
    http_resume(patch->req);
    return;
  }
  shop = api_shop_json(&patch->result);
  if(patch->signing_secret) /* shown this once; stored to sign with */
    json_object_set_new(shop, "signing_secret",
                        json_string(patch->signing_secret));
  http_respond_json(patch->req, patch->signing_secret ? 201 : 200, shop);
  http_resume(patch->req);
}

/* POST /v1/shop/signing-secret: a new secret for callbacks and
 * notifications; the old one stops signing at once. */
http_status_t api_shop_signing_secret(http_request_t *req)
{
  shop_patch_t *patch = core_arena_alloc(req->arena, sizeof(*patch));
  obol_rc rc;

  if(req->json && json_object_size(req->json)) {
    http_respond_error(req, 400, "validation_error",
                       "this action takes no body fields", NULL);
    return HTTP_DONE;
  }
  if(patch)
    memset(patch, 0, sizeof(*patch));
  if(!patch || !(patch->signing_secret = api_new_secret(req))) {
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return HTTP_DONE;
  }
  patch->req = req;
  rc = store_submit(http_store(req), shop_patch_apply, shop_patch_done, patch);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  return HTTP_AGAIN;
}

http_status_t api_shop_patch(http_request_t *req)
{
  shop_patch_t *patch = core_arena_alloc(req->arena, sizeof(*patch));
  json_t *body = req->json ? req->json : json_object();
  json_t *fields = json_object();
  obol_rc rc;

  if(!patch || !fields) {
    json_decref(fields);
    if(!req->json)
      json_decref(body);
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return HTTP_DONE;
  }
  memset(patch, 0, sizeof(*patch));
  patch->req = req;
  shop_patch_validate(patch, body, fields);
  if(!req->json)
    json_decref(body);
  if(json_object_size(fields)) {
    http_respond_error(req, 400, "validation_error",
                       "some fields are invalid; nothing was changed", fields);
    return HTTP_DONE;
  }
  json_decref(fields);
  /* the answer is the whole shop, as GET shows it: key included */
  rc = store_shop_get(http_store(req), req->arena, req->shop_id,
                      &patch->result);
  if(!rc)
    rc = api_shop_notification_key(req, &patch->result);
  if(!rc)
    rc = store_submit(http_store(req), shop_patch_apply, shop_patch_done,
                      patch);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  return HTTP_AGAIN;
}

/* ---- creation, for the CLI and the demo shop ---- */

typedef struct {
  const char *name;
  int live;
  int create_shop;
  api_credentials_t *out;
  char secret_hash[CORE_SHA256_HEX_LEN + 1];
  char *notification_key; /* made before the write: it takes a while */
} shop_create_t;

static obol_rc shop_create_apply(store_tx_t *tx, void *arg)
{
  shop_create_t *create = arg;
  store_shop_t shop;
  store_key_t key;
  int64_t now = core_now_ms();
  obol_rc rc;

  memset(&key, 0, sizeof(key));
  if(create->create_shop) {
    memset(&shop, 0, sizeof(shop));
    memcpy(shop.id, create->out->shop_id, sizeof(shop.id));
    shop.name = create->name;
    shop.default_currency = "EUR"; /* so seed 002's minimal order works */
    shop.allowed_redirect_hosts = "[]";
    shop.notification_key = create->notification_key;
    shop.created_at = now;
    shop.updated_at = now;
    rc = store_tx_shop_insert(tx, &shop);
    if(rc)
      return rc;
  }
  else {
    core_arena_t *arena = core_arena_create(1024);
    if(!arena)
      return OBOL_ERR_NOMEM;
    rc = store_tx_shop_get(tx, arena, create->out->shop_id, &shop);
    core_arena_destroy(arena);
    if(rc)
      return rc;
  }
  memcpy(key.id, create->out->key_id, sizeof(key.id));
  memcpy(key.shop_id, create->out->shop_id, sizeof(key.shop_id));
  memcpy(key.secret_hash, create->secret_hash, sizeof(key.secret_hash));
  snprintf(key.prefix, sizeof(key.prefix), "%.12s", create->out->secret_key);
  key.live = create->live;
  key.created_at = now;
  return store_tx_key_insert(tx, &key);
}

static obol_rc shop_create_run(store_t *store, shop_create_t *create)
{
  api_credentials_t *out = create->out;
  obol_rc rc = OBOL_OK;

  if(create->create_shop)
    rc = core_id_new("shop", out->shop_id, sizeof(out->shop_id));
  if(!rc && create->create_shop)
    rc = core_rsa_generate(&create->notification_key);
  if(!rc)
    rc = core_id_new("key", out->key_id, sizeof(out->key_id));
  if(!rc)
    rc = http_key_generate(create->live, out->secret_key, create->secret_hash);
  if(!rc)
    rc = store_write(store, shop_create_apply, create);
  free(create->notification_key);
  return rc;
}

obol_rc api_shop_create(store_t *store, const char *name, int live,
                        api_credentials_t *out)
{
  shop_create_t create = {.name = name, .live = live, .create_shop = 1,
                          .out = out};
  memset(out, 0, sizeof(*out));
  return shop_create_run(store, &create);
}

obol_rc api_key_create(store_t *store, const char *shop_id, int live,
                       api_credentials_t *out)
{
  shop_create_t create = {.live = live, .out = out};
  memset(out, 0, sizeof(*out));
  if(strlen(shop_id) >= sizeof(out->shop_id))
    return OBOL_ERR_NOT_FOUND;
  strcpy(out->shop_id, shop_id);
  return shop_create_run(store, &create);
}

typedef struct {
  const char *key_id;
} key_revoke_t;

static obol_rc key_revoke_apply(store_tx_t *tx, void *arg)
{
  key_revoke_t *revoke = arg;
  return store_tx_key_revoke(tx, revoke->key_id, core_now_ms());
}

obol_rc api_key_revoke(store_t *store, const char *key_id)
{
  key_revoke_t revoke = {key_id};
  return store_write(store, key_revoke_apply, &revoke);
}
