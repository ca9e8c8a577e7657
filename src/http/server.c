/* The server: libmicrohttpd glue, body limits, dispatch, authentication,
 * suspend/resume for work that waits on a commit, access log, shutdown. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http.h"
#include "internal.h"

#define SERVER_SHUTDOWN_GRACE_NS (10LL * 1000000000LL)
#define SERVER_LOG_MAX 4096
#define SERVER_DISCARD_MAX (16 << 20) /* bytes of an oversized body read */

struct http_server {
  http_options_t options;
  struct MHD_Daemon *daemon;
  http_ratelimit_t *limiter;
  http_inflight_t *idempotency; /* keys of requests still running */
  http_keycache_t *keys;        /* NULL when key caching is off */
  unsigned short port;
  atomic_int in_flight; /* requests begun and not yet completed */
  atomic_int stopping;  /* set by http_server_quiesce() */
  atomic_uint_fast64_t request_counter;
  char request_id_prefix[17]; /* random per process: ids unique across nodes */
};

/* ---- request life ---- */

static http_request_t *server_request_new(http_server_t *server,
                                          struct MHD_Connection *connection,
                                          const char *method,
                                          const char *url)
{
  http_request_t *req = calloc(1, sizeof(*req));

  if(!req)
    return NULL;
  req->arena = core_arena_create(4096); /* blocks come on first use */
  if(!req->arena) {
    free(req);
    return NULL;
  }
  pthread_mutex_init(&req->lock, NULL);
  req->server = server;
  req->connection = connection;
  req->method = method;
  req->path = url;
  req->started_ns = core_monotonic_ns();
  core_buf_init(&req->body, server->options.body_limit);
  return req;
}

void http_request_keep(http_request_t *req, json_t *value)
{
  if(!req->kept)
    req->kept = json_array();
  json_array_append_new(req->kept, value);
}

static void server_request_free(http_request_t *req)
{
  json_decref(req->json);
  json_decref(req->kept);
  core_buf_free(&req->body);
  if(!req->static_body)
    free(req->response_body);
  /* http_resume() may still hold the lock on the thread that woke us:
   * wait for it to let go before the lock's memory goes. */
  pthread_mutex_lock(&req->lock);
  pthread_mutex_unlock(&req->lock);
  pthread_mutex_destroy(&req->lock);
  core_arena_destroy(req->arena);
  free(req);
}

/* Uses the caller's X-Request-Id when it is short printable ASCII. */
static void server_request_id(http_request_t *req)
{
  const char *given = http_header(req, "X-Request-Id");
  uint_fast64_t counter;

  if(given && given[0] && strlen(given) < HTTP_REQUEST_ID_MAX) {
    const char *p = given;
    while(*p > 0x20 && *p < 0x7f)
      p++;
    if(!*p) {
      strcpy(req->request_id, given);
      return;
    }
  }
  counter = atomic_fetch_add(&req->server->request_counter, 1);
  snprintf(req->request_id, sizeof(req->request_id), "req_%s%016llx",
           req->server->request_id_prefix, (unsigned long long)counter);
}

/* ---- request helpers ---- */

const char *http_param(const http_request_t *req, const char *name)
{
  int i;
  for(i = 0; i < req->param_count; i++)
    if(!strcmp(req->params[i].name, name))
      return req->params[i].value;
  return NULL;
}

const char *http_query(const http_request_t *req, const char *name)
{
  return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND,
                                     name);
}

const char *http_header(const http_request_t *req, const char *name)
{
  return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

const char *http_cookie(const http_request_t *req, const char *name)
{
  return MHD_lookup_connection_value(req->connection, MHD_COOKIE_KIND, name);
}

/* The peer's address as text. */
static void server_peer(const http_request_t *req, char *out, size_t size)
{
  const union MHD_ConnectionInfo *info = MHD_get_connection_info(
      req->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

  snprintf(out, size, "%s", "");
  if(!info || !info->client_addr)
    return;
  if(info->client_addr->sa_family == AF_INET)
    inet_ntop(AF_INET,
              &((const struct sockaddr_in *)info->client_addr)->sin_addr,
              out, (socklen_t)size);
  else if(info->client_addr->sa_family == AF_INET6)
    inet_ntop(AF_INET6,
              &((const struct sockaddr_in6 *)info->client_addr)->sin6_addr,
              out, (socklen_t)size);
}

int http_forwarded_ip(const http_request_t *req, char *out, size_t size)
{
  const char *proxy = req->server->options.trusted_proxy;
  const char *forwarded;
  unsigned char binary[16];
  char peer[INET6_ADDRSTRLEN];
  size_t length;

  server_peer(req, peer, sizeof(peer));
  if(!proxy || strcmp(proxy, peer))
    return 0;
  forwarded = http_header(req, "Cf-Pseudo-IPv4");
  if(!forwarded)
    forwarded = http_header(req, "X-Forwarded-For");
  length = forwarded ? strcspn(forwarded, ", ") : 0;
  if(!length || length >= size)
    return 0;
  memcpy(out, forwarded, length);
  out[length] = '\0';
  /* a header that is not an address is not believed */
  return inet_pton(AF_INET, out, binary) == 1 ||
         inet_pton(AF_INET6, out, binary) == 1;
}

void http_client_ip(const http_request_t *req, char *out, size_t size)
{
  if(!http_forwarded_ip(req, out, size))
    server_peer(req, out, size);
}

int http_basic_auth(http_request_t *req, const char **user,
                    const char **password)
{
  const char *header = http_header(req, "Authorization");
  unsigned char *decoded;
  char *colon;
  int length;

  if(!header || strncasecmp(header, "Basic ", 6))
    return -1;
  decoded = core_arena_alloc(req->arena, strlen(header));
  length = decoded ? core_base64_decode(header + 6, decoded, strlen(header))
                   : -1;
  colon = length > 0 ? strchr((char *)decoded, ':') : NULL;
  if(!colon || (int)strlen((char *)decoded) != length)
    return -1;
  *colon = '\0';
  *user = (const char *)decoded;
  *password = colon + 1;
  return 0;
}

obol_rc http_key_check(http_request_t *req, const char *secret,
                       const char *shop_id)
{
  char hash[CORE_SHA256_HEX_LEN + 1];
  store_key_t key;

  if(!secret || http_key_hash(secret, hash) ||
     store_key_find_by_hash(req->server->options.store, hash, &key) ||
     key.revoked_at || (shop_id && strcmp(key.shop_id, shop_id)))
    return OBOL_ERR_AUTH;
  snprintf(req->shop_id, sizeof(req->shop_id), "%s", key.shop_id);
  snprintf(req->key_id, sizeof(req->key_id), "%s", key.id);
  req->live = key.live;
  return OBOL_OK;
}

void *http_app(const http_request_t *req)
{
  return req->server->options.app;
}

store_t *http_store(const http_request_t *req)
{
  return req->server->options.store;
}

/* ---- authentication and rate limits ---- */

static void server_unauthorized(http_request_t *req, const char *message)
{
  http_add_header(req, "WWW-Authenticate",
                  "Bearer realm=\"obol\", error=\"invalid_token\"");
  http_respond_error(req, 401, "unauthorized", message, NULL);
}

/* Resolves the bearer key to its shop; answers 401 or 429 itself and
 * returns non-zero when the request must stop here. */
/* The secret key of the request: Bearer <key>, or Basic <shop id>:<key>
 * (seed 003's clients); the shop id to match, or NULL. */
static const char *server_secret(http_request_t *req, const char **shop_id)
{
  const char *header = http_header(req, "Authorization");
  const char *user, *password;

  *shop_id = NULL;
  if(header && !strncasecmp(header, "Bearer ", 7))
    return header + 7;
  if(header && !strncasecmp(header, "Basic ", 6) &&
     !http_basic_auth(req, &user, &password)) {
    *shop_id = user;
    return password;
  }
  return NULL;
}

static int server_authenticate(http_request_t *req)
{
  const char *header = http_header(req, "Authorization");
  char hash[CORE_SHA256_HEX_LEN + 1];
  const char *shop_id;
  const char *secret = server_secret(req, &shop_id);
  store_key_t key;
  unsigned int retry_after;
  int64_t now = core_monotonic_ns();
  obol_rc rc = OBOL_OK;

  if(!header) {
    server_unauthorized(req, "missing Authorization: Bearer <secret key>");
    return 1;
  }
  if(!secret || http_key_hash(secret, hash)) {
    server_unauthorized(req, "the Authorization header is not a valid "
                             "Bearer secret key (nor Basic shop id and "
                             "secret key)");
    return 1;
  }
  if(!req->server->keys || !http_keycache_get(req->server->keys, hash, now,
                                               &key)) {
    rc = store_key_find_by_hash(req->server->options.store, hash, &key);
    if(!rc && req->server->keys)
      http_keycache_put(req->server->keys, &key, now);
  }
  if(rc == OBOL_ERR_NOT_FOUND ||
     (!rc && !core_equal_ct(key.secret_hash, hash, CORE_SHA256_HEX_LEN))) {
    server_unauthorized(req, "unknown secret key");
    return 1;
  }
  if(rc) {
    http_respond_rc(req, rc);
    return 1;
  }
  if(key.revoked_at) {
    server_unauthorized(req, "this secret key has been revoked");
    return 1;
  }
  if(shop_id && strcmp(shop_id, key.shop_id)) {
    server_unauthorized(req, "the key is not the shop's");
    return 1;
  }
  memcpy(req->shop_id, key.shop_id, sizeof(req->shop_id));
  memcpy(req->key_id, key.id, sizeof(req->key_id));
  req->live = key.live;
  if(req->server->limiter &&
     !http_ratelimit_take(req->server->limiter, key.id, now, &retry_after)) {
    char seconds[16];
    snprintf(seconds, sizeof(seconds), "%u", retry_after);
    http_add_header(req, "Retry-After", seconds);
    http_respond_error(req, 429, "rate_limited",
                       "too many requests for this key; retry later", NULL);
    return 1;
  }
  return 0;
}

/* ---- body ---- */

static int server_is_json_type(const char *content_type)
{
  size_t len = strlen("application/json");
  if(!content_type || strncasecmp(content_type, "application/json", len))
    return 0;
  return content_type[len] == '\0' || content_type[len] == ';' ||
         content_type[len] == ' ';
}

/* Parses a non-empty body as a JSON object; answers 415/400 itself and
 * returns non-zero when the request must stop here. */
static int server_parse_body(http_request_t *req)
{
  json_error_t error;
  json_t *fields;
  char message[300];

  if(!req->body.len)
    return 0;
  if(req->route->access == HTTP_BROWSER) {
    req->json = http_form_parse(req->body.data, req->body.len);
    if(!req->json) {
      http_respond_error(req, 400, "invalid_body",
                         "the form could not be read", NULL);
      return 1;
    }
    return 0;
  }
  if(!server_is_json_type(http_header(req, "Content-Type"))) {
    http_respond_error(req, 415, "unsupported_media_type",
                       "the body must be sent as Content-Type: "
                       "application/json", NULL);
    return 1;
  }
  /* DECODE_ANY: a scalar body is valid JSON, just not an object. */
  req->json = json_loadb(req->body.data, req->body.len,
                         JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);
  if(!req->json) {
    json_t *document;
    snprintf(message, sizeof(message), "invalid JSON at line %d, column %d: %s",
             error.line, error.column, error.text);
    document = http_error_document("invalid_json", message, NULL);
    if(document)
      json_object_set_new(json_object_get(document, "error"), "line",
                          json_integer(error.line));
    if(document)
      json_object_set_new(json_object_get(document, "error"), "column",
                          json_integer(error.column));
    http_respond_json(req, 400, document);
    return 1;
  }
  if(!json_is_object(req->json)) {
    fields = json_pack("{s:s}", "body", "must be a JSON object");
    http_respond_error(req, 400, "invalid_body",
                       "the body must be a JSON object", fields);
    return 1;
  }
  return 0;
}

/* ---- dispatch ---- */

static http_status_t server_dispatch(http_request_t *req)
{
  http_server_t *server = req->server;
  char allow[64];
  http_route_result_t found;

  if(atomic_load(&server->stopping)) {
    http_add_header(req, "Connection", "close");
    http_respond_rc(req, OBOL_ERR_SHUTDOWN);
    return HTTP_DONE;
  }

  /* HEAD is GET without the body, which libmicrohttpd drops for us. */
  found = http_route_match(server->options.routes, server->options.route_count,
                           strcmp(req->method, "HEAD") ? req->method : "GET",
                           req->path, req->arena, &req->route,
                           req->params, &req->param_count, allow,
                           sizeof(allow));
  if(found == HTTP_ROUTE_NOT_FOUND) {
    http_respond_error(req, 404, "not_found", "no such endpoint", NULL);
    return HTTP_DONE;
  }
  if(found == HTTP_ROUTE_METHOD_NOT_ALLOWED) {
    http_add_header(req, "Allow", allow);
    http_respond_error(req, 405, "method_not_allowed",
                       "this endpoint does not accept that method", NULL);
    return HTTP_DONE;
  }
  if(req->route->access == HTTP_KEY && server_authenticate(req))
    return HTTP_DONE;
  if(server_parse_body(req))
    return HTTP_DONE;
  if(req->route->access == HTTP_KEY &&
     http_idempotency_begin(req, server->idempotency))
    return HTTP_DONE;
  return req->route->handler(req);
}

void http_resume(http_request_t *req)
{
  pthread_mutex_lock(&req->lock);
  req->completed = 1;
  if(req->suspended) {
    req->suspended = 0;
    MHD_resume_connection(req->connection);
  }
  pthread_mutex_unlock(&req->lock);
}

/* libmicrohttpd's own Date header goes through gmtime_r, whose lock all
 * threads contend on; each thread formats it once a second instead. */
static void server_date_header(struct MHD_Response *response)
{
  static __thread int64_t cached_second = -1;
  static __thread char cached[CORE_HTTP_DATE_LEN + 1];
  int64_t now = core_now_ms();

  if(now / 1000 != cached_second) {
    core_http_date(now, cached);
    cached_second = now / 1000;
  }
  MHD_add_response_header(response, "Date", cached);
}

/* The key's answer is final (and durable) once it is queued: a client
 * that retries the moment it reads it must not find the key in use. */
static void server_release_key(http_request_t *req)
{
  if(!req->idempotency_claimed)
    return;
  http_inflight_release(req->server->idempotency, req->shop_id,
                        req->idempotency_key);
  req->idempotency_claimed = 0;
}

static enum MHD_Result server_queue(http_request_t *req)
{
  struct MHD_Response *response;
  enum MHD_Result result;
  int i;

  server_release_key(req);
  response = MHD_create_response_from_buffer(
      req->response_len, req->response_body,
      req->static_body ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
  if(!response)
    return MHD_NO;
  if(!req->static_body)
    req->response_body = NULL; /* MHD frees it now */
  server_date_header(response);
  MHD_add_response_header(response, "Content-Type",
                          req->content_type
                              ? req->content_type
                              : "application/json; charset=utf-8");
  if(req->request_id[0])
    MHD_add_response_header(response, "X-Request-Id", req->request_id);
  for(i = 0; i < req->header_count; i++)
    if(req->headers[i].name && req->headers[i].value)
      MHD_add_response_header(response, req->headers[i].name,
                              req->headers[i].value);
  result = MHD_queue_response(req->connection, req->status, response);
  MHD_destroy_response(response);
  return result;
}

/* Called first with the headers, then with each piece of the body, then
 * once more with nothing left (and again after a resume). */
static enum MHD_Result server_access(void *cls,
                                     struct MHD_Connection *connection,
                                     const char *url, const char *method,
                                     const char *version,
                                     const char *upload_data,
                                     size_t *upload_data_size, void **context)
{
  http_server_t *server = cls;
  http_request_t *req = *context;
  const char *length;
  http_status_t status;

  (void)version;
  if(!req) {
    req = server_request_new(server, connection, method, url);
    if(!req)
      return MHD_NO;
    *context = req;
    atomic_fetch_add(&server->in_flight, 1);
    server_request_id(req);
    length = http_header(req, "Content-Length");
    if(length && strtoull(length, NULL, 10) > server->options.body_limit)
      req->too_large = 1;
    else
      return MHD_YES;
  }
  if(*upload_data_size) {
    /* A body found too large while it streams (chunked) is read to its
     * end and dropped, since libmicrohttpd cannot answer mid-upload; one
     * that streams on far past the limit loses its connection. */
    if(req->too_large)
      req->discarded += *upload_data_size;
    else if(core_buf_append(&req->body, upload_data, *upload_data_size))
      req->too_large = 1;
    *upload_data_size = 0;
    if(req->discarded > SERVER_DISCARD_MAX)
      return MHD_NO;
    return MHD_YES;
  }
  if(req->too_large) {
    /* Answering before the body is read (Content-Length too large) closes
     * the connection, which is what an oversized upload deserves. */
    if(!req->responded)
      http_respond_error(req, 413, "body_too_large",
                         "the request body exceeds the size limit", NULL);
    return server_queue(req);
  }
  if(req->responded && (req->completed || !req->route))
    return server_queue(req);
  if(req->route && !req->completed)
    return MHD_YES; /* resumed spuriously: still waiting */
  status = server_dispatch(req);
  if(status == HTTP_AGAIN) {
    pthread_mutex_lock(&req->lock);
    if(!req->completed) {
      MHD_suspend_connection(connection);
      req->suspended = 1;
      pthread_mutex_unlock(&req->lock);
      return MHD_YES;
    }
    pthread_mutex_unlock(&req->lock);
  }
  req->completed = 1;
  if(!req->responded)
    http_respond_error(req, 500, "internal_error", "no response", NULL);
  return server_queue(req);
}

static void server_access_log(http_request_t *req)
{
  core_buf_t line;
  char when[32];
  double duration_ms =
      (double)(core_monotonic_ns() - req->started_ns) / 1e6;
  obol_rc rc;

  core_time_format(core_now_ms(), when, sizeof(when));
  core_buf_init(&line, SERVER_LOG_MAX);
  rc = core_buf_printf(&line, "{\"time\":\"%s\",\"level\":\"info\","
                       "\"event\":\"http.access\",\"request_id\":", when);
  if(!rc)
    rc = core_buf_append_json_string(&line, req->request_id);
  if(!rc)
    rc = core_buf_append_str(&line, ",\"method\":");
  if(!rc)
    rc = core_buf_append_json_string(&line, req->method);
  if(!rc)
    rc = core_buf_append_str(&line, ",\"path\":");
  if(!rc)
    rc = core_buf_append_json_string(&line, req->path);
  if(!rc)
    rc = core_buf_printf(&line, ",\"status\":%u,\"duration_ms\":%.3f,"
                         "\"bytes_in\":%zu", req->status, duration_ms,
                         req->body.len);
  if(!rc && req->shop_id[0])
    rc = core_buf_printf(&line, ",\"shop_id\":\"%s\"", req->shop_id);
  if(!rc)
    rc = core_buf_append_str(&line, "}");
  if(!rc)
    core_log_line(line.data, line.len);
  core_buf_free(&line);
}

static void server_completed(void *cls, struct MHD_Connection *connection,
                             void **context,
                             enum MHD_RequestTerminationCode code)
{
  http_server_t *server = cls;
  http_request_t *req = *context;

  (void)connection;
  (void)code;
  if(!req)
    return;
  *context = NULL;
  if(server->options.access_log)
    server_access_log(req);
  server_release_key(req); /* if the answer was never queued */
  server_request_free(req);
  atomic_fetch_sub(&server->in_flight, 1);
}

/* libmicrohttpd's own messages, as our log lines. */
__attribute__((format(printf, 2, 0)))
static void server_mhd_log(void *cls, const char *fmt, va_list ap)
{
  char message[512];
  size_t len;

  (void)cls;
  vsnprintf(message, sizeof(message), fmt, ap);
  len = strlen(message);
  while(len && message[len - 1] == '\n')
    message[--len] = '\0';
  core_log(CORE_LOG_WARN, "http.mhd", "%s", message);
}

/* ---- start and stop ---- */

obol_rc http_server_start(const http_options_t *options, http_server_t **out)
{
  http_server_t *server = calloc(1, sizeof(*server));
  struct sockaddr_in address;
  const union MHD_DaemonInfo *info;
  unsigned char random[8];
  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                       MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO |
                       MHD_USE_ERROR_LOG | MHD_USE_SUPPRESS_DATE_NO_CLOCK;

  if(!server)
    return OBOL_ERR_NOMEM;
  server->options = *options;
  if(core_random_bytes(random, sizeof(random)))
    goto fail;
  core_hex_encode(random, sizeof(random), server->request_id_prefix);
  server->idempotency = http_inflight_create();
  if(!server->idempotency)
    goto fail;
  if(options->key_cache_ms) {
    server->keys =
        http_keycache_create((int64_t)options->key_cache_ms * 1000000);
    if(!server->keys)
      goto fail;
  }
  if(options->rate_per_second > 0) {
    server->limiter =
        http_ratelimit_create(options->rate_per_second, options->rate_burst);
    if(!server->limiter)
      goto fail;
  }
  memset(&address, 0, sizeof(address));
  address.sin_family = AF_INET;
  address.sin_port = htons(options->listen_port);
  if(inet_pton(AF_INET, options->listen_host, &address.sin_addr) != 1) {
    core_log(CORE_LOG_ERROR, "server.listen", "not an IPv4 address: %s",
             options->listen_host);
    goto fail;
  }
  server->daemon = MHD_start_daemon(
      flags, options->listen_port, NULL, NULL, server_access, server,
      MHD_OPTION_EXTERNAL_LOGGER, server_mhd_log, NULL,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address,
      MHD_OPTION_THREAD_POOL_SIZE, options->threads,
      MHD_OPTION_CONNECTION_TIMEOUT, options->idle_timeout,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, options->header_limit,
      MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024,
      MHD_OPTION_NOTIFY_COMPLETED, server_completed, server, MHD_OPTION_END);
  if(!server->daemon) {
    core_log(CORE_LOG_ERROR, "server.listen", "cannot listen on %s:%u",
             options->listen_host, options->listen_port);
    goto fail;
  }
  info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
  server->port = info ? info->port : options->listen_port;
  *out = server;
  return OBOL_OK;
fail:
  http_ratelimit_destroy(server->limiter);
  http_inflight_destroy(server->idempotency);
  http_keycache_destroy(server->keys);
  free(server);
  return OBOL_ERR_IO;
}

unsigned short http_server_port(const http_server_t *server)
{
  return server->port;
}

void http_server_set_nodes(http_server_t *server, int nodes)
{
  if(server->limiter)
    http_ratelimit_set_nodes(server->limiter, nodes);
}

/* Connections the kernel accepted before we stopped listening wait in the
 * backlog; closing the socket would reset them, so hand them to the
 * daemon first: a request a client managed to send is answered. */
static void server_drain_backlog(http_server_t *server, MHD_socket listener)
{
  int flags = fcntl(listener, F_GETFL, 0);

  if(flags < 0 || fcntl(listener, F_SETFL, flags | O_NONBLOCK) < 0)
    return;
  for(;;) {
    struct sockaddr_storage address;
    socklen_t length = sizeof(address);
    int client = accept(listener, (struct sockaddr *)&address, &length);
    if(client < 0)
      break;
    /* On failure libmicrohttpd has closed the socket itself already. */
    (void)MHD_add_connection(server->daemon, client,
                             (struct sockaddr *)&address, length);
  }
}

/* Waits (polling: shutdown is rare, and the request path stays free of a
 * lock) until no request has run for `quiet_rounds` x 5 ms, or the grace
 * period ends. A connection just handed over may not have begun its request
 * yet, so quiet must last a moment before it counts. */
static void server_wait_quiet(http_server_t *server, int quiet_rounds)
{
  int64_t deadline = core_monotonic_ns() + SERVER_SHUTDOWN_GRACE_NS;

  for(int quiet = 0; quiet < quiet_rounds && core_monotonic_ns() < deadline;) {
    usleep(5000);
    quiet = atomic_load(&server->in_flight) > 0 ? 0 : quiet + 1;
  }
  if(atomic_load(&server->in_flight) > 0)
    core_log(CORE_LOG_WARN, "server.stop",
             "%d requests still running after the grace period",
             atomic_load(&server->in_flight));
}

void http_server_quiesce(http_server_t *server)
{
  MHD_socket listener;

  if(!server)
    return;
  listener = MHD_quiesce_daemon(server->daemon);
  if(listener != MHD_INVALID_SOCKET) {
    server_drain_backlog(server, listener);
    close(listener);
  }
  server_wait_quiet(server, 10);
  /* From now on, requests on kept-alive connections are turned away
   * (they may not reach the store any more); those running finish. */
  atomic_store(&server->stopping, 1);
  server_wait_quiet(server, 1);
}

void http_server_stop(http_server_t *server)
{
  if(!server)
    return;
  server_wait_quiet(server, 1);
  MHD_stop_daemon(server->daemon);
  http_ratelimit_destroy(server->limiter);
  http_inflight_destroy(server->idempotency);
  http_keycache_destroy(server->keys);
  free(server);
}
