/* Idempotency-Key on POST: the same key and request replay the stored
 * answer; the same key with another request is a 400; a duplicate while
 * the first is still running is a 409. Stored answers are written in the
 * same transaction as the change they describe. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "http.h"
#include "internal.h"

#define IDEMPOTENCY_KEY_MAX 255
#define IDEMPOTENCY_STRIPES 64

typedef struct inflight {
  struct inflight *next;
  char name[]; /* "<shop id>:<key>" */
} inflight_t;

struct http_inflight {
  pthread_mutex_t locks[IDEMPOTENCY_STRIPES];
  inflight_t *heads[IDEMPOTENCY_STRIPES];
};

http_inflight_t *http_inflight_create(void)
{
  http_inflight_t *set = calloc(1, sizeof(*set));
  int i;
  if(!set)
    return NULL;
  for(i = 0; i < IDEMPOTENCY_STRIPES; i++)
    pthread_mutex_init(&set->locks[i], NULL);
  return set;
}

void http_inflight_destroy(http_inflight_t *set)
{
  int i;
  if(!set)
    return;
  for(i = 0; i < IDEMPOTENCY_STRIPES; i++) {
    while(set->heads[i]) {
      inflight_t *next = set->heads[i]->next;
      free(set->heads[i]);
      set->heads[i] = next;
    }
    pthread_mutex_destroy(&set->locks[i]);
  }
  free(set);
}

static unsigned int inflight_stripe(const char *shop_id, const char *key)
{
  unsigned int hash = 2166136261u;
  const char *p;
  for(p = shop_id; *p; p++)
    hash = (hash ^ (unsigned char)*p) * 16777619u;
  for(p = key; *p; p++)
    hash = (hash ^ (unsigned char)*p) * 16777619u;
  return hash % IDEMPOTENCY_STRIPES;
}

static int inflight_matches(const inflight_t *entry, const char *shop_id,
                            const char *key)
{
  size_t shop_len = strlen(shop_id);
  return !strncmp(entry->name, shop_id, shop_len) &&
         entry->name[shop_len] == ':' &&
         !strcmp(entry->name + shop_len + 1, key);
}

/* 0 and the key is ours until released; 1 if another request holds it. */
static int inflight_claim(http_inflight_t *set, const char *shop_id,
                          const char *key)
{
  unsigned int stripe = inflight_stripe(shop_id, key);
  inflight_t *entry;
  size_t size = strlen(shop_id) + strlen(key) + 2;
  int busy = 0;

  pthread_mutex_lock(&set->locks[stripe]);
  for(entry = set->heads[stripe]; entry; entry = entry->next)
    if(inflight_matches(entry, shop_id, key))
      busy = 1;
  if(!busy) {
    entry = malloc(sizeof(*entry) + size);
    if(entry) {
      snprintf(entry->name, size, "%s:%s", shop_id, key);
      entry->next = set->heads[stripe];
      set->heads[stripe] = entry;
    }
  }
  pthread_mutex_unlock(&set->locks[stripe]);
  return busy;
}

void http_inflight_release(http_inflight_t *set, const char *shop_id,
                           const char *key)
{
  unsigned int stripe = inflight_stripe(shop_id, key);
  inflight_t **link;

  pthread_mutex_lock(&set->locks[stripe]);
  for(link = &set->heads[stripe]; *link; link = &(*link)->next)
    if(inflight_matches(*link, shop_id, key)) {
      inflight_t *gone = *link;
      *link = gone->next;
      free(gone);
      break;
    }
  pthread_mutex_unlock(&set->locks[stripe]);
}

/* ---- request fingerprint: method, path, query and body ---- */

/* Each query parameter with its lengths, so no two different queries can
 * read the same ("a=b%26c=d" is not "a=b&c=d"). */
static enum MHD_Result hash_query(void *cls, enum MHD_ValueKind kind,
                                  const char *key, const char *value)
{
  core_buf_t *buf = cls;
  (void)kind;
  value = value ? value : "";
  if(core_buf_printf(buf, "%zu:%s=%zu:%s;", strlen(key), key, strlen(value),
                     value))
    buf->max = 0; /* marks the overflow; the caller fails the request */
  return MHD_YES;
}

/* The fingerprint is keyed by the request's secret key, which is never
 * stored: a body that carries card data (pay) cannot be guessed back from
 * the stored fingerprint by trying card numbers. */
static obol_rc idempotency_fingerprint(http_request_t *req)
{
  const char *secret = http_header(req, "Authorization");
  core_buf_t text;
  obol_rc rc;

  secret = secret && strlen(secret) > 7 ? secret + 7 : ""; /* "Bearer " */
  core_buf_init(&text, req->body.len + (2u << 20));
  rc = core_buf_printf(&text, "%s %s?", req->method, req->path);
  if(!rc)
    MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND,
                              hash_query, &text);
  if(!rc && !text.max)
    rc = OBOL_ERR_LIMIT;
  if(!rc)
    rc = core_buf_append(&text, "\n", 1);
  if(!rc)
    rc = core_buf_append(&text, req->body.data ? req->body.data : "",
                         req->body.len);
  if(!rc)
    rc = core_hmac_sha256_hex(secret, strlen(secret), text.data, text.len,
                              NULL, 0, req->request_hash);
  core_buf_free(&text);
  return rc;
}

/* Answers from a stored record: the same request replays it. */
static void idempotency_answer(http_request_t *req,
                               const store_idempotency_t *record)
{
  if(strcmp(record->request_hash, req->request_hash)) {
    http_respond_field_error(req, 400, "idempotency_key_reused",
                             "Idempotency-Key",
                             "this key was used with a different request");
    return;
  }
  http_respond_json(req, (unsigned int)record->status,
                    json_loads(record->body, 0, NULL));
  http_add_header(req, "Idempotent-Replayed", "true");
}

int http_idempotency_begin(http_request_t *req, http_inflight_t *set)
{
  const char *key = http_header(req, "Idempotency-Key");
  store_idempotency_t record;
  const char *p;
  obol_rc rc;

  if(!key || strcmp(req->method, "POST") || !req->shop_id[0])
    return 0;
  for(p = key; *p > 0x20 && *p < 0x7f; p++)
    ;
  if(!*key || *p || strlen(key) > IDEMPOTENCY_KEY_MAX) {
    http_respond_field_error(req, 400, "invalid_idempotency_key",
                             "Idempotency-Key",
                             "must be 1 to 255 printable ASCII characters");
    return 1;
  }
  rc = idempotency_fingerprint(req);
  if(rc) {
    http_respond_rc(req, rc);
    return 1;
  }
  if(inflight_claim(set, req->shop_id, key)) {
    http_respond_field_error(req, 409, "idempotency_key_in_use",
                             "Idempotency-Key",
                             "a request with this key is still running");
    return 1;
  }
  req->idempotency_key = key;
  req->idempotency_claimed = 1;
  rc = store_idempotency_get(http_store(req), req->arena, req->shop_id, key,
                             &record);
  if(rc == OBOL_ERR_NOT_FOUND)
    return 0;
  if(rc)
    http_respond_rc(req, rc);
  else
    idempotency_answer(req, &record);
  return 1;
}

int http_tx_replay(store_tx_t *tx, http_request_t *req)
{
  store_idempotency_t record;

  if(!req->idempotency_key)
    return 0;
  if(store_tx_idempotency_get(tx, req->arena, req->shop_id,
                              req->idempotency_key, &record))
    return 0;
  idempotency_answer(req, &record);
  return 1;
}

obol_rc http_tx_respond(store_tx_t *tx, http_request_t *req,
                        unsigned int status, json_t *body)
{
  http_respond_json(req, status, body);
  return http_tx_record(tx, req);
}

obol_rc http_tx_record(store_tx_t *tx, http_request_t *req)
{
  store_idempotency_t record;

  if(!req->idempotency_key)
    return OBOL_OK;
  memset(&record, 0, sizeof(record));
  memcpy(record.shop_id, req->shop_id, sizeof(record.shop_id));
  record.key = req->idempotency_key;
  memcpy(record.request_hash, req->request_hash, sizeof(record.request_hash));
  record.status = (int)req->status;
  record.body = req->response_body;
  record.created_at = core_now_ms();
  return store_tx_idempotency_insert(tx, &record);
}

typedef struct {
  int64_t before;
} prune_t;

static obol_rc prune_apply(store_tx_t *tx, void *arg)
{
  return store_tx_idempotency_prune(tx, ((prune_t *)arg)->before);
}

obol_rc http_idempotency_prune(store_t *store, int64_t max_age_ms)
{
  prune_t prune = {core_now_ms() - max_age_ms};
  return store_write(store, prune_apply, &prune);
}
