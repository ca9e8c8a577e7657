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

#endif
