/* The delivery worker: claim due deliveries, POST them, record results. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "../dialect/dialect.h"
#include "../order/order.h"
#include "notify.h"

#define NOTIFY_BATCH 256
#define NOTIFY_LEASE_MS 60000      /* a dead worker's claim lapses after */
#define NOTIFY_TIMEOUT_MS 10000    /* seed 004: 10 s without answer fails */
#define NOTIFY_ANSWER_MAX 65536    /* bytes of an answer kept (for errors) */
#define NOTIFY_API_VERSION "2026-11-23"
#define NOTIFY_PER_HOST 32         /* one slow receiver cannot take them all */
#define NOTIFY_ANSWER_KEPT 256     /* first bytes of an answer, for the log */

struct notify_worker {
  store_t *store;
  CURLM *multi; /* kept across rounds: its connections are reused */
  notify_options_t options;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  int stopping;
};

/* One attempt under way. */
typedef struct {
  store_work_t work;
  core_buf_t body;
  struct curl_slist *headers;
  CURL *easy;
  int live;            /* a live order's event: private addresses refused */
  int refused_address; /* the address was refused before connecting */
  int allow_private;
  int timeout_ms;
  int64_t started_ns;
  store_delivery_t result;
  store_attempt_t attempt;
  char error[CURL_ERROR_SIZE];
  char answer[NOTIFY_ANSWER_KEPT + 1];
  size_t answer_len;
} notify_transfer_t;

/* ---- claiming ---- */

typedef struct {
  core_arena_t *arena;
  char (*ids)[STORE_ID_MAX];
  size_t count;
} notify_claim_t;

static obol_rc notify_claim_apply(store_tx_t *tx, void *arg)
{
  notify_claim_t *claim = arg;
  int64_t now = core_now_ms();
  obol_rc rc;
  size_t i;

  claim->count = 0;
  rc = store_tx_delivery_due(tx, claim->arena, now, NOTIFY_BATCH, &claim->ids,
                             &claim->count);
  for(i = 0; !rc && i < claim->count; i++)
    rc = store_tx_delivery_lease(tx, claim->ids[i], now + NOTIFY_LEASE_MS);
  return rc;
}

/* ---- one request ---- */

/* Keeps the first bytes of the answer for the attempt log; reads (and
 * drops) the rest up to the cap, so the connection can be reused. */
static size_t notify_answer(char *data, size_t size, size_t count, void *arg)
{
  notify_transfer_t *transfer = arg;
  size_t len = size * count;
  size_t room = NOTIFY_ANSWER_KEPT - transfer->answer_len;

  if(room > len)
    room = len;
  memcpy(transfer->answer + transfer->answer_len, data, room);
  transfer->answer_len += room;
  return len;
}

static int notify_private(const struct sockaddr *address)
{
  if(address->sa_family == AF_INET) {
    uint32_t ip = ntohl(((const struct sockaddr_in *)address)->sin_addr.s_addr);
    return (ip >> 24) == 127 || (ip >> 24) == 10 || (ip >> 24) == 0 ||
           (ip >> 20) == 0xac1 || (ip >> 16) == 0xc0a8 ||
           (ip >> 16) == 0xa9fe;
  }
  if(address->sa_family == AF_INET6) {
    const struct in6_addr *ip =
        &((const struct sockaddr_in6 *)address)->sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(ip) || IN6_IS_ADDR_LINKLOCAL(ip) ||
           IN6_IS_ADDR_V4MAPPED(ip) || (ip->s6_addr[0] & 0xfe) == 0xfc;
  }
  return 1;
}

/* The SSRF guard: live events never reach loopback or private networks
 * (unless configured), whatever the host name resolves to. */
static curl_socket_t notify_open_socket(void *arg, curlsocktype purpose,
                                        struct curl_sockaddr *address)
{
  notify_transfer_t *transfer = arg;
  (void)purpose;
  if(transfer->live && !transfer->allow_private &&
     notify_private(&address->addr)) {
    transfer->refused_address = 1;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

/* A callback (seed 004) is a GET, unless its URL said method=POST: the
 * outbox then gave it a body (its payload). */
static int notify_is_get(const store_work_t *work)
{
  return !strcmp(work->kind, "callback") && !work->payload;
}

/* The event's transaction as the body, as {"transaction": ...} (seed 003's
 * notification). */
static obol_rc notify_transaction_payload(notify_transfer_t *transfer)
{
  json_t *data = json_loads(transfer->work.event_data, 0, NULL);
  json_t *transaction = json_object_get(data, "transaction");
  char *text = transaction ? json_dumps(transaction, JSON_COMPACT) : NULL;
  obol_rc rc = text ? OBOL_OK : OBOL_ERR_INVALID;

  if(!rc)
    rc = core_buf_printf(&transfer->body, "{\"transaction\":%s}", text);
  free(text);
  json_decref(data);
  return rc;
}

/* A seed 003 checkout's notification: {"transaction": ...its shape}. */
static obol_rc notify_ctp_payload(notify_transfer_t *transfer)
{
  json_t *data = json_loads(transfer->work.event_data, 0, NULL);
  json_t *transaction = dialect_ctp_transaction(
      json_object_get(data, "transaction"), json_object_get(data, "order"),
      order_config()->public_url);
  json_t *body = transaction ? json_pack("{s:o}", "transaction", transaction)
                             : NULL;
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  obol_rc rc = text ? core_buf_append_str(&transfer->body, text)
                    : OBOL_ERR_INVALID;

  free(text);
  json_decref(body);
  json_decref(data);
  return rc;
}

/* A seed 002 endpoint's payload: {"event_type", ...the order in that
 * provider's shape}. */
static obol_rc notify_gate_payload(notify_transfer_t *transfer)
{
  store_work_t *work = &transfer->work;
  json_t *data = json_loads(work->event_data, 0, NULL);
  json_t *events = json_pack("[{s:s, s:I, s:O?}]", "type", work->event_type,
                             "created_at", (json_int_t)work->event_created_at,
                             "status", json_object_get(
                                 json_object_get(data, "order"), "status"));
  json_t *order = dialect_gate_order(json_object_get(data, "order"), events,
                                     order_config()->public_url, 1);
  char *text;
  obol_rc rc = OBOL_ERR_INVALID;

  if(order) {
    json_object_set_new(order, "event_type",
                        json_string(dialect_gate_event(work->event_type)));
    text = json_dumps(order, JSON_COMPACT);
    rc = text ? core_buf_append_str(&transfer->body, text) : OBOL_ERR_NOMEM;
    free(text);
  }
  json_decref(order);
  json_decref(events);
  json_decref(data);
  return rc;
}

/* A delivery whose request the outbox wrote (seed 000's store order
 * update, a PUT; seed 004's method=POST callback): its payload says
 * {"body", "authorization"?}; the body is sent as it is. */
static obol_rc notify_request_payload(notify_transfer_t *transfer)
{
  json_t *request = json_loads(transfer->work.payload ? transfer->work.payload
                                                      : "", 0, NULL);
  char *text = json_dumps(json_object_get(request, "body"), JSON_COMPACT);
  obol_rc rc = text ? core_buf_append_str(&transfer->body, text)
                    : OBOL_ERR_INVALID;

  free(text);
  json_decref(request);
  return rc;
}

/* Its headers: the store's own authorization, no Obol signature (the
 * receiver is another party's API). */
static obol_rc notify_request_headers(notify_transfer_t *transfer)
{
  json_t *request = json_loads(transfer->work.payload, 0, NULL);
  const char *authorization = json_string_value(
      json_object_get(request, "authorization"));
  char header[512];
  struct curl_slist *headers = NULL;

  if(authorization) {
    snprintf(header, sizeof(header), "Authorization: %s", authorization);
    headers = curl_slist_append(headers, header);
  }
  json_decref(request);
  headers = curl_slist_append(headers,
                              "Content-Type: application/json;charset=utf-8");
  headers = curl_slist_append(headers, "Cache-Control: no-cache");
  headers = curl_slist_append(headers, "User-Agent: Obol/" OBOL_VERSION);
  snprintf(header, sizeof(header), "Obol-Delivery-Id: %s",
           transfer->work.delivery.id);
  transfer->headers = curl_slist_append(headers, header);
  return transfer->headers ? OBOL_OK : OBOL_ERR_NOMEM;
}

/* The JSON POSTed: {"id","type","sequence","created","api_version",
 * "data"}; sequence counts the order's events, for ordering and
 * de-duplication (deliveries may arrive out of order, and again). A
 * callback (seed 004) is a GET: its URL says it all. */
static obol_rc notify_payload(notify_transfer_t *transfer)
{
  store_work_t *work = &transfer->work;
  core_buf_t *body = &transfer->body;
  obol_rc rc;

  transfer->live = !work->test; /* from the order row, not the payload */
  if(!strcmp(work->kind, "callback"))
    return notify_is_get(work) ? OBOL_OK : notify_request_payload(transfer);
  if(!strcmp(work->kind, "notification"))
    return notify_transaction_payload(transfer);
  if(!strcmp(work->kind, "ecwid"))
    return notify_request_payload(transfer);
  if(!strcmp(work->kind, "ctp_notification"))
    return notify_ctp_payload(transfer);
  if(work->dialect && !strcmp(work->dialect, "gate"))
    return notify_gate_payload(transfer);
  rc = core_buf_append_str(body, "{\"id\":");

  if(!rc)
    rc = core_buf_append_json_string(body, work->delivery.event_id);
  if(!rc)
    rc = core_buf_append_str(body, ",\"type\":");
  if(!rc)
    rc = core_buf_append_json_string(body, work->event_type);
  if(!rc)
    rc = core_buf_printf(body, ",\"sequence\":%lld,\"created\":%lld,"
                         "\"api_version\":\"%s\",\"data\":",
                         (long long)work->event_sequence,
                         (long long)(work->event_created_at / 1000),
                         NOTIFY_API_VERSION);
  if(!rc)
    rc = core_buf_append_str(body, work->event_data);
  if(!rc)
    rc = core_buf_append(body, "}", 1);
  return rc;
}

/* Obol-Signature: t=<s>,v1=<new>[,v1=<previous, during a rotation>],
 * over the body, or over the URL for a callback (a GET has no body). A
 * callback or notification is signed only when the shop has a signing
 * secret. */
static obol_rc notify_headers(notify_transfer_t *transfer, int64_t now)
{
  store_work_t *work = &transfer->work;
  char signature[NOTIFY_SIGNATURE_HEX + 1], previous[NOTIFY_SIGNATURE_HEX + 1];
  char header[256];
  int64_t t = now / 1000;
  int callback = !strcmp(work->kind, "callback");
  int get = notify_is_get(work);
  const char *signed_text = callback ? work->url : transfer->body.data;
  size_t signed_len = callback ? strlen(work->url) : transfer->body.len;
  int with_previous = work->previous_secret &&
                      work->previous_secret_until > now;
  obol_rc rc = OBOL_OK;

  if(!strcmp(work->kind, "ecwid"))
    return notify_request_headers(transfer);
  if(work->secret)
    rc = notify_sign(work->secret, t, signed_text ? signed_text : "",
                     signed_len, signature);
  if(!rc && work->secret && with_previous)
    rc = notify_sign(work->previous_secret, t, signed_text, signed_len,
                     previous);
  if(rc)
    return rc;
  snprintf(header, sizeof(header), "Obol-Signature: t=%lld,v1=%s%s%s",
           (long long)t, signature, with_previous ? ",v1=" : "",
           with_previous ? previous : "");
  transfer->headers = work->secret ? curl_slist_append(NULL, header) : NULL;
  if(!get)
    transfer->headers = curl_slist_append(transfer->headers,
                                          "Content-Type: application/json");
  if(callback) { /* seed 004's own headers, for clients written for it */
    snprintf(header, sizeof(header), "event-delivery: %s", work->delivery.id);
    transfer->headers = curl_slist_append(transfer->headers, header);
    if(work->secret &&
       !notify_dintero_sign(work->secret, t, work->delivery.shop_id,
                            get ? "GET" : "POST", work->url, signature)) {
      snprintf(header, sizeof(header),
               "Dintero-Signature: t=%lld,v0-hmac-sha256=%s", (long long)t,
               signature);
      transfer->headers = curl_slist_append(transfer->headers, header);
    }
  }
  transfer->headers = curl_slist_append(transfer->headers,
                                        "User-Agent: Obol/" OBOL_VERSION);
  if(work->dialect && !strcmp(work->dialect, "gate") && work->secret &&
     !core_hmac_sha256_hex(work->secret, strlen(work->secret),
                           transfer->body.data, transfer->body.len, NULL, 0,
                           signature)) {
    /* seed 002: hex HMAC-SHA256 of the raw body with the secret */
    snprintf(header, sizeof(header), "Signature: %s", signature);
    transfer->headers = curl_slist_append(transfer->headers, header);
  }
  if(!strcmp(work->kind, "ctp_notification") && work->notification_key) {
    /* seed 003: base64 RSA-SHA256 of the raw body, the shop's key */
    char *rsa = NULL;
    if(!core_rsa_sign(work->notification_key, transfer->body.data,
                      transfer->body.len, &rsa)) {
      char *line = malloc(strlen(rsa) + 32);
      if(line) {
        sprintf(line, "Content-Signature: %s", rsa);
        transfer->headers = curl_slist_append(transfer->headers, line);
        free(line);
      }
    }
    free(rsa);
  }
  snprintf(header, sizeof(header), "Obol-Delivery-Id: %s",
           work->delivery.id);
  transfer->headers = curl_slist_append(transfer->headers, header);
  return transfer->headers ? OBOL_OK : OBOL_ERR_NOMEM;
}

static CURL *notify_easy(notify_transfer_t *transfer)
{
  CURL *easy = curl_easy_init();

  if(!easy)
    return NULL;
  curl_easy_setopt(easy, CURLOPT_URL, transfer->work.url);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  if(!notify_is_get(&transfer->work)) {
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->body.data);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)transfer->body.len);
  }
  if(!strcmp(transfer->work.kind, "ecwid"))
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)transfer->timeout_ms);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, notify_answer);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer);
  curl_easy_setopt(easy, CURLOPT_MAXFILESIZE, (long)NOTIFY_ANSWER_MAX);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, notify_open_socket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, transfer);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer);
  return easy;
}

/* ---- results ---- */

/* What an attempt's outcome makes of the delivery. */
static void notify_outcome(notify_worker_t *worker,
                           notify_transfer_t *transfer, long status,
                           const char *error, int64_t now)
{
  store_delivery_t *result = &transfer->result;
  int retry = !error ? (status < 200 || status >= 500) : 1;

  *result = transfer->work.delivery;
  result->attempts++;
  result->last_status = (int)status;
  result->last_error = error;
  result->updated_at = now;
  result->next_attempt_at = 0;
  if(!error && status >= 200 && status < 300)
    snprintf(result->status, sizeof(result->status), "succeeded");
  else if(transfer->refused_address || !transfer->work.url ||
          !transfer->work.enabled || !retry ||
          result->attempts > NOTIFY_RETRIES)
    snprintf(result->status, sizeof(result->status), "failed");
  else {
    snprintf(result->status, sizeof(result->status), "pending");
    result->next_attempt_at = notify_retry_at(now, result->attempts,
                                              worker->options.retry_base_ms);
  }
  memset(&transfer->attempt, 0, sizeof(transfer->attempt));
  core_id_new("att", transfer->attempt.id, sizeof(transfer->attempt.id));
  memcpy(transfer->attempt.delivery_id, result->id,
         sizeof(transfer->attempt.delivery_id));
  transfer->attempt.attempted_at = now;
  transfer->attempt.status_code = (int)status;
  transfer->answer[transfer->answer_len] = '\0';
  /* the log keeps the error, else the first bytes of the answer */
  transfer->attempt.error = error ? error
                            : transfer->answer_len ? transfer->answer : NULL;
  transfer->attempt.duration_ms =
      (int)((core_monotonic_ns() - transfer->started_ns) / 1000000);
}

typedef struct {
  notify_transfer_t *transfers;
  size_t count;
} notify_results_t;

static obol_rc notify_results_apply(store_tx_t *tx, void *arg)
{
  notify_results_t *results = arg;
  obol_rc rc = OBOL_OK;
  size_t i;

  for(i = 0; !rc && i < results->count; i++)
    if(results->transfers[i].result.id[0])
      rc = store_tx_delivery_update(tx, &results->transfers[i].result,
                                    &results->transfers[i].attempt);
  return rc;
}

/* ---- one round ---- */

/* Reads the outcome of every finished transfer. */
static void notify_collect(notify_worker_t *worker, core_arena_t *arena,
                           CURLM *multi)
{
  CURLMsg *message;
  int left;

  while(multi && (message = curl_multi_info_read(multi, &left))) {
    notify_transfer_t *done = NULL;
    const char *error = NULL;
    long status = 0;

    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &done);
    if(message->msg != CURLMSG_DONE || !done)
      continue;
    if(message->data.result)
      error = done->refused_address ? "the address is private"
              : done->error[0]      ? done->error
                                    : curl_easy_strerror(message->data.result);
    else
      curl_easy_getinfo(done->easy, CURLINFO_RESPONSE_CODE, &status);
    notify_outcome(worker, done, status,
                   error ? core_arena_strdup(arena, error) : NULL,
                   core_now_ms());
  }
}

/* Makes one attempt of every claimed delivery, all at once. */
static void notify_attempt_all(notify_worker_t *worker, core_arena_t *arena,
                               notify_claim_t *claim)
{
  notify_transfer_t *transfers = calloc(claim->count, sizeof(*transfers));
  notify_results_t results = {transfers, claim->count};
  CURLM *multi = worker->multi;
  int64_t now = core_now_ms();
  int running = 0;
  size_t i;

  for(i = 0; transfers && multi && i < claim->count; i++) {
    notify_transfer_t *transfer = &transfers[i];
    core_buf_init(&transfer->body, 4 << 20);
    transfer->allow_private = worker->options.allow_private;
    transfer->timeout_ms = worker->options.timeout_ms;
    transfer->started_ns = core_monotonic_ns();
    if(store_delivery_work(worker->store, arena, claim->ids[i],
                           &transfer->work))
      continue; /* not readable now: its lease lapses, it comes back */
    if(!transfer->work.url || !transfer->work.enabled) {
      notify_outcome(worker, transfer, 0,
                     transfer->work.url ? "the endpoint is disabled"
                                        : "the endpoint was deleted", now);
      continue;
    }
    if(notify_payload(transfer) || notify_headers(transfer, now) ||
       !(transfer->easy = notify_easy(transfer))) {
      /* counted like a failed attempt: retried, then failed for good */
      notify_outcome(worker, transfer, 0, "the request could not be built",
                     now);
      continue;
    }
    curl_multi_add_handle(multi, transfer->easy);
  }
  if(multi)
    curl_multi_perform(multi, &running);
  while(multi && running) {
    curl_multi_poll(multi, NULL, 0, 200, NULL);
    curl_multi_perform(multi, &running);
  }
  notify_collect(worker, arena, multi);
  if(transfers && store_write(worker->store, notify_results_apply, &results))
    core_log(CORE_LOG_WARN, "notify.results",
             "results not recorded; the deliveries come back after their "
             "lease");
  for(i = 0; transfers && i < claim->count; i++) {
    if(transfers[i].easy) {
      curl_multi_remove_handle(multi, transfers[i].easy);
      curl_easy_cleanup(transfers[i].easy);
    }
    curl_slist_free_all(transfers[i].headers);
    core_buf_free(&transfers[i].body);
  }
  free(transfers);
}

/* One round: claim, attempt, record. Returns how many were claimed. */
static size_t notify_round(notify_worker_t *worker)
{
  core_arena_t *arena = core_arena_create(65536);
  notify_claim_t claim = {arena, NULL, 0};

  if(arena && !store_write(worker->store, notify_claim_apply, &claim) &&
     claim.count)
    notify_attempt_all(worker, arena, &claim);
  core_arena_destroy(arena);
  return claim.count;
}

static void *notify_main(void *arg)
{
  notify_worker_t *worker = arg;

  size_t claimed = 0;

  pthread_mutex_lock(&worker->lock);
  while(!worker->stopping) {
    struct timespec until;
    if(claimed == NOTIFY_BATCH) { /* a backlog: no pause between rounds */
      pthread_mutex_unlock(&worker->lock);
      claimed = notify_round(worker);
      pthread_mutex_lock(&worker->lock);
      continue;
    }
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)worker->options.interval_ms * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&worker->wake, &worker->lock, &until);
    if(worker->stopping)
      break;
    pthread_mutex_unlock(&worker->lock);
    claimed = notify_round(worker);
    pthread_mutex_lock(&worker->lock);
  }
  pthread_mutex_unlock(&worker->lock);
  return NULL;
}

obol_rc notify_start(store_t *store, const notify_options_t *options,
                     notify_worker_t **out)
{
  notify_worker_t *worker = calloc(1, sizeof(*worker));

  if(!worker)
    return OBOL_ERR_NOMEM;
  if(curl_global_init(CURL_GLOBAL_DEFAULT)) {
    free(worker);
    return OBOL_ERR_IO;
  }
  worker->store = store;
  worker->options = *options;
  if(worker->options.interval_ms <= 0)
    worker->options.interval_ms = 200;
  if(worker->options.retry_base_ms <= 0)
    worker->options.retry_base_ms = 10000;
  if(worker->options.timeout_ms <= 0)
    worker->options.timeout_ms = NOTIFY_TIMEOUT_MS;
  worker->multi = curl_multi_init();
  if(!worker->multi) {
    curl_global_cleanup();
    free(worker);
    return OBOL_ERR_NOMEM;
  }
  curl_multi_setopt(worker->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                    (long)NOTIFY_PER_HOST);
  curl_multi_setopt(worker->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    (long)NOTIFY_BATCH);
  pthread_mutex_init(&worker->lock, NULL);
  pthread_cond_init(&worker->wake, NULL);
  if(pthread_create(&worker->thread, NULL, notify_main, worker)) {
    curl_multi_cleanup(worker->multi);
    curl_global_cleanup();
    free(worker);
    return OBOL_ERR_IO;
  }
  *out = worker;
  return OBOL_OK;
}

void notify_stop(notify_worker_t *worker)
{
  if(!worker)
    return;
  pthread_mutex_lock(&worker->lock);
  worker->stopping = 1;
  pthread_cond_signal(&worker->wake);
  pthread_mutex_unlock(&worker->lock);
  pthread_join(worker->thread, NULL);
  pthread_mutex_destroy(&worker->lock);
  pthread_cond_destroy(&worker->wake);
  curl_multi_cleanup(worker->multi);
  curl_global_cleanup();
  free(worker);
}
