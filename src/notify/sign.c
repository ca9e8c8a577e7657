/* Webhook signatures and the retry schedule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "notify.h"

#define NOTIFY_DELAY_MAX_MS (6LL * 3600 * 1000)

obol_rc notify_sign(const char *secret, int64_t t, const char *body,
                    size_t len, char out[NOTIFY_SIGNATURE_HEX + 1])
{
  char prefix[32];
  int prefix_len = snprintf(prefix, sizeof(prefix), "%lld.", (long long)t);
  return core_hmac_sha256_hex(secret, strlen(secret), prefix,
                              (size_t)prefix_len, body, len, out);
}

typedef struct {
  char *name;
  char *value;
} sign_pair_t;

typedef struct {
  sign_pair_t pairs[64];
  size_t count;
} sign_query_t;

static int sign_add(void *context, const char *name, const char *value)
{
  sign_query_t *query = context;
  if(query->count == sizeof(query->pairs) / sizeof(query->pairs[0]))
    return -1;
  query->pairs[query->count].name = strdup(name);
  query->pairs[query->count].value = strdup(value);
  query->count++;
  return 0;
}

static int sign_pair_order(const void *a, const void *b)
{
  const sign_pair_t *x = a, *y = b;
  int by_name = strcmp(x->name, y->name);
  return by_name ? by_name : strcmp(x->value, y->value);
}

/* The query's parameters, sorted and form-encoded, into out. */
static obol_rc sign_query(const char *text, size_t len, core_buf_t *out)
{
  sign_query_t query;
  obol_rc rc;
  size_t i;

  query.count = 0;
  rc = core_form_pairs(text, len, sign_add, &query);
  if(!rc)
    qsort(query.pairs, query.count, sizeof(query.pairs[0]),
          sign_pair_order);
  for(i = 0; i < query.count; i++) {
    if(!rc && (!query.pairs[i].name || !query.pairs[i].value))
      rc = OBOL_ERR_NOMEM;
    if(!rc && i)
      rc = core_buf_append(out, "&", 1);
    if(!rc)
      rc = core_form_encode(out, query.pairs[i].name);
    if(!rc)
      rc = core_buf_append(out, "=", 1);
    if(!rc)
      rc = core_form_encode(out, query.pairs[i].value);
    free(query.pairs[i].name);
    free(query.pairs[i].value);
  }
  return rc;
}

obol_rc notify_dintero_sign(const char *secret, int64_t t,
                            const char *account, const char *method,
                            const char *url,
                            char out[NOTIFY_SIGNATURE_HEX + 1])
{
  const char *host = strstr(url, "://");
  const char *path, *query, *end;
  size_t host_len;
  core_buf_t text;
  obol_rc rc;

  if(!host)
    return OBOL_ERR_INVALID;
  host += 3;
  path = host + strcspn(host, "/?#");
  host_len = strcspn(host, ":/?#"); /* the hostname: no port */
  query = path + strcspn(path, "?#");
  end = query + strcspn(query, "#");
  core_buf_init(&text, 16384);
  rc = core_buf_printf(&text, "%lld\n%s\n%s\n%.*s\n", (long long)t, account,
                       method, (int)host_len, host);
  if(!rc)
    rc = core_buf_append(&text, path, (size_t)(query - path));
  if(!rc && query == path)
    rc = core_buf_append(&text, "/", 1);
  if(!rc)
    rc = core_buf_append(&text, "\n", 1);
  if(!rc && *query == '?')
    rc = sign_query(query + 1, (size_t)(end - query - 1), &text);
  if(!rc)
    rc = core_hmac_sha256_hex(secret, strlen(secret), text.data, text.len,
                              NULL, 0, out);
  core_buf_free(&text);
  return rc;
}

int64_t notify_retry_delay_ms(int attempts, int base_ms)
{
  int64_t delay = base_ms;

  while(--attempts > 0 && delay < NOTIFY_DELAY_MAX_MS)
    delay *= 2;
  return delay < NOTIFY_DELAY_MAX_MS ? delay : NOTIFY_DELAY_MAX_MS;
}

int64_t notify_retry_at(int64_t now, int attempts, int base_ms)
{
  int64_t delay = notify_retry_delay_ms(attempts, base_ms);
  uint32_t random = 0;

  /* up to +20%, so deliveries that failed together do not retry together */
  core_random_bytes(&random, sizeof(random));
  return now + delay + (int64_t)((double)delay * 0.2 * (random / 4294967296.0));
}

obol_rc notify_verify(const char *header, const char *body, size_t len,
                      const char *secret, int64_t now_s, int tolerance_s)
{
  char expected[NOTIFY_SIGNATURE_HEX + 1];
  const char *p = header;
  long long t = -1;
  int found = 0;

  /* t=<seconds>,v1=<hex>[,v1=<hex>...], in any order */
  while(p && *p) {
    const char *end = strchr(p, ',');
    size_t part = end ? (size_t)(end - p) : strlen(p);
    if(part > 2 && !strncmp(p, "t=", 2))
      t = strtoll(p + 2, NULL, 10);
    p = end ? end + 1 : NULL;
  }
  if(t < 0 || now_s - t > tolerance_s || t - now_s > tolerance_s ||
     notify_sign(secret, t, body, len, expected))
    return OBOL_ERR_AUTH;
  for(p = header; p && *p;) {
    const char *end = strchr(p, ',');
    size_t part = end ? (size_t)(end - p) : strlen(p);
    if(part == 3 + NOTIFY_SIGNATURE_HEX && !strncmp(p, "v1=", 3) &&
       core_equal_ct(p + 3, expected, NOTIFY_SIGNATURE_HEX))
      found = 1;
    p = end ? end + 1 : NULL;
  }
  return found ? OBOL_OK : OBOL_ERR_AUTH;
}
