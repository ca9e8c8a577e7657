/* Private to the http module: shared between its files, not its users. */
#ifndef OBOL_HTTP_INTERNAL_H
#define OBOL_HTTP_INTERNAL_H

#include "http.h"

typedef struct http_inflight http_inflight_t;

http_inflight_t *http_inflight_create(void);
void http_inflight_destroy(http_inflight_t *set);
void http_inflight_release(http_inflight_t *set, const char *shop_id,
                           const char *key);
/* Non-zero when it answered the request itself (replay, reuse, in use). */
int http_idempotency_begin(http_request_t *req, http_inflight_t *set);

typedef struct http_keycache http_keycache_t;

http_keycache_t *http_keycache_create(int64_t ttl_ns);
void http_keycache_destroy(http_keycache_t *cache);
/* 1 and *out set when a key with this hash was read less than ttl ago. */
int http_keycache_get(http_keycache_t *cache, const char *secret_hash,
                      int64_t now_ns, store_key_t *out);
void http_keycache_put(http_keycache_t *cache, const store_key_t *key,
                       int64_t now_ns);

#endif
