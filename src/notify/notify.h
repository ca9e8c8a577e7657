/* notify: delivering events to the shops' webhook endpoints.
 *
 * The outbox rows are written with each event (see order.h). A worker
 * thread claims due deliveries under a lease (so a node that dies mid-way
 * hands them to another after the lease), POSTs each signed event with
 * libcurl, and records every attempt: 2xx succeeds; 3xx and 4xx fail for
 * good; anything else (5xx, 1xx, timeout, no connection) is retried with
 * growing delays, 20 times. */
#ifndef OBOL_NOTIFY_H
#define OBOL_NOTIFY_H

#include "../core/core.h"
#include "../store/store.h"

#define NOTIFY_SIGNATURE_HEX 64
#define NOTIFY_RETRIES 20

typedef struct {
  int interval_ms;   /* how often due deliveries are looked for */
  int retry_base_ms; /* first retry delay; doubles each time, up to 6 h */
  int allow_private; /* live events may go to loopback/private addresses */
  int timeout_ms;    /* an answer later than this is a failed attempt */
} notify_options_t;

typedef struct notify_worker notify_worker_t;

obol_rc notify_start(store_t *store, const notify_options_t *options,
                     notify_worker_t **out);
/* Stops after the attempts under way (bounded by their timeout). */
void notify_stop(notify_worker_t *worker);

/* hex(HMAC-SHA256(secret, "<t>.<body>")), for Obol-Signature v1=. */
obol_rc notify_sign(const char *secret, int64_t t, const char *body,
                    size_t len, char out[NOTIFY_SIGNATURE_HEX + 1]);
/* For receivers: OBOL_OK when the Obol-Signature header carries a v1
 * signature of body made with secret, at most tolerance_s seconds from
 * now_s (300 is usual); OBOL_ERR_AUTH otherwise. */
obol_rc notify_verify(const char *header, const char *body, size_t len,
                      const char *secret, int64_t now_s, int tolerance_s);
/* Seed 004's callback signature (Dintero-Signature v0-hmac-sha256): hex
 * HMAC-SHA256(secret, "<t>\n<account>\n<METHOD>\n<hostname>\n<path>\n
 * <query>") where the query's parameters are sorted and form-encoded
 * (spaces as +). OBOL_ERR_INVALID for a URL it cannot read. */
obol_rc notify_dintero_sign(const char *secret, int64_t t,
                            const char *account, const char *method,
                            const char *url,
                            char out[NOTIFY_SIGNATURE_HEX + 1]);
/* Delay before the retry that follows `attempts` failed attempts:
 * base, doubling, at most 6 h; with base 10 s, 20 retries span ~2.5 days. */
int64_t notify_retry_delay_ms(int attempts, int base_ms);
/* When that retry is due: now + the delay + up to 20% of jitter. */
int64_t notify_retry_at(int64_t now, int attempts, int base_ms);

#endif
