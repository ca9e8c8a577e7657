/* http: the HTTP layer on libmicrohttpd.
 *
 * Owns the server (epoll + thread pool), request bodies and their limits, the
 * router, the one JSON error writer, authentication, rate limits, request ids
 * and the access log. Handlers (the api module) see only http_request_t.
 *
 * A handler either answers at once (http_respond_*) and returns HTTP_DONE, or
 * starts work that finishes on another thread (a store write) and returns
 * HTTP_AGAIN; that work answers later with http_respond_* followed by
 * http_resume(). The connection is suspended meanwhile, holding no thread. */
#ifndef OBOL_HTTP_H
#define OBOL_HTTP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../core/core.h"
#include "../store/store.h"

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_HEADERS 8
#define HTTP_REQUEST_ID_MAX 128

typedef enum { HTTP_DONE = 0, HTTP_AGAIN = 1 } http_status_t;

typedef struct http_server http_server_t;
typedef struct http_request http_request_t;
typedef http_status_t (*http_handler_fn)(http_request_t *req);

/* Who calls a route. HTTP_KEY routes run the bearer key check, the rate
 * limit and idempotency keys before the handler. HTTP_BROWSER routes are
 * the customer's pages: a form body (application/x-www-form-urlencoded)
 * reaches the handler as req->json, an object of strings. */
typedef enum { HTTP_OPEN, HTTP_KEY, HTTP_BROWSER } http_access_t;

/* A route: "GET", "/v1/orders/{id}". */
typedef struct {
  const char *method;
  const char *pattern;
  http_handler_fn handler;
  http_access_t access;
} http_route_t;

typedef struct {
  const char *name;
  const char *value;
} http_param_t;

typedef struct {
  const char *name;
  const char *value;
} http_header_t;

struct http_request {
  http_server_t *server;
  void *connection;     /* struct MHD_Connection */
  core_arena_t *arena;  /* freed when the request ends */
  const char *method;   /* MHD's copies, valid until the request ends */
  const char *path;
  const http_route_t *route;
  http_param_t params[HTTP_MAX_PARAMS];
  int param_count;
  core_buf_t body;      /* raw body, bounded by the server's body limit */
  json_t *json;         /* parsed body (objects only), NULL when empty */
  json_t *kept;         /* values released when the request ends */
  char request_id[HTTP_REQUEST_ID_MAX];
  /* set by authentication */
  char shop_id[STORE_ID_MAX];
  char key_id[STORE_ID_MAX];
  int live;
  /* set when a POST carries an Idempotency-Key with no stored answer yet */
  const char *idempotency_key;
  char request_hash[CORE_SHA256_HEX_LEN + 1];
  int idempotency_claimed;
  /* the response */
  unsigned int status;
  const char *content_type; /* NULL: application/json */
  char *response_body;  /* malloc'd and handed to MHD, unless static_body */
  size_t response_len;
  http_header_t headers[HTTP_MAX_HEADERS];
  int header_count;
  /* bookkeeping */
  int64_t started_ns;
  int too_large;
  size_t discarded;     /* body bytes dropped after too_large */
  int responded;
  int suspended;
  int completed;        /* async work answered */
  int static_body;      /* response_body is not ours to free */
  pthread_mutex_t lock; /* orders suspend against resume */
};

typedef struct {
  const char *listen_host;   /* "127.0.0.1" */
  unsigned short listen_port;
  unsigned int threads;      /* MHD thread pool size */
  size_t body_limit;         /* bytes; larger bodies are a 413 */
  size_t header_limit;       /* bytes of request line + headers */
  unsigned int idle_timeout; /* seconds a connection may stay silent */
  double rate_per_second;    /* per key; 0 switches rate limiting off */
  double rate_burst;
  int access_log;
  unsigned int key_cache_ms; /* how long a read key is trusted; 0 = off */
  const char *trusted_proxy; /* its X-Forwarded-For is believed; NULL */
  const http_route_t *routes;
  size_t route_count;
  store_t *store;
  void *app;                 /* handed to handlers via http_app() */
} http_options_t;

/* ---- server ---- */
obol_rc http_server_start(const http_options_t *options,
                          http_server_t **out);
unsigned short http_server_port(const http_server_t *server);
/* How many nodes serve this database (rate limits are shared by them). */
void http_server_set_nodes(http_server_t *server, int nodes);
/* Stops accepting, serves what already arrived and lets in-flight requests
 * finish (bounded); later requests on open connections get a 503. The
 * store must stay open until this returns; close it (which completes the
 * writes still queued), then http_server_stop(). */
void http_server_quiesce(http_server_t *server);
void http_server_stop(http_server_t *server);
void *http_app(const http_request_t *req);
store_t *http_store(const http_request_t *req);

/* ---- request helpers ---- */
const char *http_param(const http_request_t *req, const char *name);
const char *http_query(const http_request_t *req, const char *name);
const char *http_header(const http_request_t *req, const char *name);
const char *http_cookie(const http_request_t *req, const char *name);
/* The user and password of an Authorization: Basic header, in the arena;
 * -1 when there is none or it cannot be read. */
int http_basic_auth(http_request_t *req, const char **user,
                    const char **password);
/* OBOL_OK when secret is an active secret key of shop_id (then the
 * request is authenticated as that shop); OBOL_ERR_AUTH otherwise. */
obol_rc http_key_check(http_request_t *req, const char *secret,
                       const char *shop_id);
/* The customer's address: the peer's, or, when the peer is the trusted
 * proxy, its Cf-Pseudo-IPv4 or the first X-Forwarded-For entry. */
void http_client_ip(const http_request_t *req, char *out, size_t size);
/* Only the trusted proxy's word for it: 1 with the address in out, 0 when
 * the peer is not the trusted proxy or it sent no valid address. */
int http_forwarded_ip(const http_request_t *req, char *out, size_t size);

/* Takes over value (json_decref'd when the request ends): for what work
 * that outlives the handler needs. */
void http_request_keep(http_request_t *req, json_t *value);

/* ---- responses: the only way handlers answer ---- */
/* Takes ownership of body (json_decref'd). */
void http_respond_json(http_request_t *req, unsigned int status,
                       json_t *body);
/* The one JSON error writer: {"error":{"code","message","fields"?}}.
 * fields may be NULL; it is taken over (json_decref'd). */
void http_respond_error(http_request_t *req, unsigned int status,
                        const char *code, const char *message,
                        json_t *fields);
/* Error about one field: fields = {field: message}. */
void http_respond_field_error(http_request_t *req, unsigned int status,
                              const char *code, const char *field,
                              const char *message);
/* The payment error of seed 001 (pay, payment-result): {"code","message",
 * "messages":[message],"errors":errors}. errors is taken over. */
void http_respond_payment_error(http_request_t *req, unsigned int status,
                                const char *code, const char *message,
                                json_t *errors);
/* Takes over the text in body (JSON already written), leaving it empty. */
void http_respond_buf(http_request_t *req, unsigned int status,
                      core_buf_t *body);
/* An HTML page (text/html), taking over the text in body. */
void http_respond_html(http_request_t *req, unsigned int status,
                       core_buf_t *body);
/* A redirect (302, 303) to url, with an empty body. */
void http_respond_redirect(http_request_t *req, unsigned int status,
                           const char *url);
/* A constant body (a string literal): no allocation, no copy. */
void http_respond_static(http_request_t *req, unsigned int status,
                         const char *body);
void http_add_header(http_request_t *req, const char *name,
                     const char *value);
/* Replaces the header's value if it was set, else adds it. */
void http_set_header(http_request_t *req, const char *name, const char *value);
/* Wakes a request that returned HTTP_AGAIN; call after http_respond_*. */
void http_resume(http_request_t *req);
/* Maps a store/core status to the matching error response. */
void http_respond_rc(http_request_t *req, obol_rc rc);

/* ---- idempotency keys, for handlers that write ----
 * A write handler's apply function starts with http_tx_replay() (another
 * node may have answered the same key meanwhile) and answers with
 * http_tx_respond(), which stores the answer under the key in the same
 * transaction as the change: a retry never repeats the change. */
int http_tx_replay(store_tx_t *tx, http_request_t *req);
obol_rc http_tx_respond(store_tx_t *tx, http_request_t *req,
                        unsigned int status, json_t *body);
/* Stores the response already set (before the job was submitted, to keep
 * work off the writer thread) under the request's key, if it has one. */
obol_rc http_tx_record(store_tx_t *tx, http_request_t *req);
/* Drops stored answers older than max_age_ms; run by the housekeeping. */
obol_rc http_idempotency_prune(store_t *store, int64_t max_age_ms);

/* ---- pure pieces, unit tested on their own ---- */

/* Decodes an application/x-www-form-urlencoded body into an object of
 * strings (the first of repeated names wins); NULL if it is malformed. */
json_t *http_form_parse(const char *body, size_t len);

/* Builds the error document; fields may be NULL (taken over). */
json_t *http_error_document(const char *code, const char *message,
                            json_t *fields);

typedef enum {
  HTTP_ROUTE_FOUND,
  HTTP_ROUTE_NOT_FOUND,
  HTTP_ROUTE_METHOD_NOT_ALLOWED
} http_route_result_t;

/* Matches method and path against routes. On FOUND, *route and params are
 * set (values point into arena copies); on METHOD_NOT_ALLOWED, allow holds the
 * comma-separated methods the path accepts. */
http_route_result_t http_route_match(const http_route_t *routes,
                                     size_t route_count, const char *method,
                                     const char *path, core_arena_t *arena,
                                     const http_route_t **route,
                                     http_param_t *params, int *param_count,
                                     char *allow, size_t allow_size);

/* Token buckets per API key. */
typedef struct http_ratelimit http_ratelimit_t;
http_ratelimit_t *http_ratelimit_create(double rate_per_second, double burst);
void http_ratelimit_destroy(http_ratelimit_t *limiter);
/* The limit is shared by `nodes` serving nodes: each grants 1/nodes. */
void http_ratelimit_set_nodes(http_ratelimit_t *limiter, int nodes);
/* 1 if the key may make a request at now_ns (and takes a token); 0 if not,
 * with *retry_after_seconds (>= 1) set. */
int http_ratelimit_take(http_ratelimit_t *limiter, const char *key,
                        int64_t now_ns, unsigned int *retry_after_seconds);

/* API keys: "sk_test_" or "sk_live_" then 64 hex characters (32 random
 * bytes). secret_out needs HTTP_SECRET_KEY_MAX bytes. */
#define HTTP_SECRET_KEY_MAX 80
obol_rc http_key_generate(int live, char *secret_out,
                          char hash_out[CORE_SHA256_HEX_LEN + 1]);
/* Checks the format and hashes it; OBOL_ERR_AUTH if it is not a key. */
obol_rc http_key_hash(const char *secret,
                      char hash_out[CORE_SHA256_HEX_LEN + 1]);

#endif
