/* obol: the command line. Parses options (flags over OBOL_* environment
 * variables over defaults) and runs one sub-command. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../api/api.h"
#include "../core/core.h"
#include "../http/http.h"
#include "../notify/notify.h"
#include "../order/order.h"
#include "../payment/payment.h"
#include "../store/store.h"

#define CLI_USAGE_ERROR 2

static const char cli_usage[] =
    "usage: obol <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve                 run the gateway\n"
    "  migrate               apply database migrations and exit\n"
    "  shop create --name NAME [--live] [--json]\n"
    "                        create a shop and its first secret key\n"
    "  key create --shop ID [--live] [--json]\n"
    "                        add a secret key to a shop\n"
    "  key revoke KEY_ID     revoke a secret key\n"
    "  events list --shop ID [--limit N]\n"
    "                        the shop's newest events\n"
    "  events redeliver EVENT_ID --shop ID\n"
    "                        send an event again to the shop's endpoints\n"
    "\n"
    "options for every command:\n"
    "  --database PATH       SQLite file (OBOL_DATABASE, default obol.db)\n"
    "\n"
    "options for serve:\n"
    "  --listen HOST:PORT    address (OBOL_LISTEN, default 127.0.0.1:8080;\n"
    "                        port 0 picks a free port)\n"
    "  --public-url URL      base URL customers reach (OBOL_PUBLIC_URL)\n"
    "  --threads N           HTTP worker threads (default: CPU count)\n"
    "  --rate-limit N        requests/s per key, 0 = off (OBOL_RATE_LIMIT,\n"
    "                        default 100)\n"
    "  --rate-burst N        burst per key (OBOL_RATE_BURST, default 200)\n"
    "  --body-limit BYTES    largest request body (default 1048576)\n"
    "  --header-limit BYTES  largest request head (default 32768)\n"
    "  --idle-timeout SECS   close silent connections (default 30)\n"
    "  --no-access-log       do not log one line per request\n"
    "  --key-cache-ms MS     trust a checked secret key this long; a revoked\n"
    "                        key fails within it (default 1000, 0 = off)\n"
    "  --demo                create a demo shop on an empty database\n"
    "  --max-order-amount N  largest order total in minor units\n"
    "                        (default 1000000000000)\n"
    "  --sweep-interval MS   how often deadlines are applied (default 1000)\n"
    "  --test-clock          enable POST /v1/test/clock (tests only)\n"
    "  --webhook-retry-ms MS first webhook retry delay, doubling\n"
    "                        (default 10000)\n"
    "  --allow-private-webhooks  live events may go to private addresses\n"
    "  --webhook-timeout-ms MS  a webhook unanswered this long fails\n"
    "                        (default 10000)\n"
    "  --acquirer-timeout-ms MS  one acquirer call, at most (default 10000)\n"
    "  --action-timeout-ms MS  how long a customer has for 3-D Secure, the\n"
    "                        bank or the wallet (default 900000)\n"
    "  --sandbox-review-ms MS  how long the sandbox keeps a card on review\n"
    "                        (default 10000)\n"
    "  --hold-days N         an uncaptured hold is cancelled after N days\n"
    "                        (default 28)\n"
    "  --sandbox-dispute-ms MS  after how long card ...0259 is charged back\n"
    "                        (default 60000)\n"
    "  --sandbox-refund-ms MS  how long the sandbox takes to answer a refund\n"
    "                        (default 2000)\n"
    "  --payment-workers N   threads calling the acquirer (default 16)\n"
    "  --trusted-proxy IP    believe X-Forwarded-For / Cf-Pseudo-IPv4 from\n"
    "                        this address only\n"
    "\n"
    "  obol --help | --version\n";

typedef struct {
  const char *database;
  const char *listen;
  const char *public_url;
  const char *name;
  const char *shop;
  const char *trusted_proxy;
  const char *positional;
  long threads;
  double rate_limit;
  double rate_burst;
  long body_limit;
  long header_limit;
  long idle_timeout;
  long sweep_interval;
  long key_cache_ms;
  long webhook_retry_ms;
  long webhook_timeout_ms;
  long acquirer_timeout_ms;
  long action_timeout_ms;
  long sandbox_review_ms;
  long sandbox_refund_ms;
  long hold_days;
  long sandbox_dispute_ms;
  long payment_workers;
  long limit;
  int allow_private_webhooks;
  double max_order_amount;
  int test_clock;
  int live;
  int json;
  int demo;
  int access_log;
} cli_options_t;

__attribute__((format(printf, 1, 2)))
static int cli_fail(const char *fmt, ...)
{
  va_list ap;

  fprintf(stderr, "obol: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nrun 'obol --help' for usage\n");
  return CLI_USAGE_ERROR;
}

static int cli_parse_number(const char *text, double min, double max,
                            double *out)
{
  char *end;
  double value;

  errno = 0;
  value = strtod(text, &end);
  if(errno || end == text || *end || value < min || value > max)
    return -1;
  *out = value;
  return 0;
}

static int cli_parse_long(const char *text, long min, long max, long *out)
{
  double value;
  if(cli_parse_number(text, (double)min, (double)max, &value) ||
     value != (double)(long)value)
    return -1;
  *out = (long)value;
  return 0;
}

static const char *cli_env(const char *name, const char *fallback)
{
  const char *value = getenv(name);
  return value && *value ? value : fallback;
}

static void cli_defaults(cli_options_t *options)
{
  memset(options, 0, sizeof(*options));
  options->database = cli_env("OBOL_DATABASE", "obol.db");
  options->listen = cli_env("OBOL_LISTEN", "127.0.0.1:8080");
  options->public_url = cli_env("OBOL_PUBLIC_URL", NULL);
  options->threads = sysconf(_SC_NPROCESSORS_ONLN);
  options->rate_limit = 100;
  options->rate_burst = 200;
  options->body_limit = 1048576;
  options->header_limit = 32768;
  options->idle_timeout = 30;
  options->access_log = 1;
  options->sweep_interval = 1000;
  options->key_cache_ms = 1000;
  options->webhook_retry_ms = 10000;
  options->webhook_timeout_ms = 10000;
  options->acquirer_timeout_ms = 10000;
  options->action_timeout_ms = 900000;
  options->sandbox_review_ms = 10000;
  options->sandbox_refund_ms = 2000;
  options->hold_days = 28;
  options->sandbox_dispute_ms = 60000;
  options->payment_workers = 16;
  options->limit = 20;
  options->max_order_amount = 1e12;
  if(options->threads < 1)
    options->threads = 1;
}

/* Parses argv[first..]; returns 0 or a usage error already printed. */
static int cli_parse(int argc, char **argv, int first, cli_options_t *options)
{
  const char *rate = getenv("OBOL_RATE_LIMIT");
  const char *burst = getenv("OBOL_RATE_BURST");
  int i;

  if(rate && cli_parse_number(rate, 0, 1e9, &options->rate_limit))
    return cli_fail("OBOL_RATE_LIMIT must be a number >= 0, not '%s'", rate);
  if(burst && cli_parse_number(burst, 1, 1e9, &options->rate_burst))
    return cli_fail("OBOL_RATE_BURST must be a number >= 1, not '%s'", burst);
  for(i = first; i < argc; i++) {
    const char *arg = argv[i];
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    int takes_value = 1;

    if(!strcmp(arg, "--live"))
      options->live = 1, takes_value = 0;
    else if(!strcmp(arg, "--json"))
      options->json = 1, takes_value = 0;
    else if(!strcmp(arg, "--demo"))
      options->demo = 1, takes_value = 0;
    else if(!strcmp(arg, "--no-access-log"))
      options->access_log = 0, takes_value = 0;
    else if(!strcmp(arg, "--test-clock"))
      options->test_clock = 1, takes_value = 0;
    else if(!strcmp(arg, "--allow-private-webhooks"))
      options->allow_private_webhooks = 1, takes_value = 0;
    else if(arg[0] != '-') {
      if(options->positional)
        return cli_fail("unexpected argument '%s'", arg);
      options->positional = arg;
      continue;
    }
    if(!takes_value)
      continue;
    if(!value)
      return cli_fail("option %s needs a value", arg);
    if(!strcmp(arg, "--database"))
      options->database = value;
    else if(!strcmp(arg, "--listen"))
      options->listen = value;
    else if(!strcmp(arg, "--public-url"))
      options->public_url = value;
    else if(!strcmp(arg, "--trusted-proxy")) {
      if(api_check_ip(value))
        return cli_fail("--trusted-proxy must be an IP address, not '%s'",
                        value);
      options->trusted_proxy = value;
    }
    else if(!strcmp(arg, "--name"))
      options->name = value;
    else if(!strcmp(arg, "--shop"))
      options->shop = value;
    else if(!strcmp(arg, "--threads")) {
      if(cli_parse_long(value, 1, 256, &options->threads))
        return cli_fail("--threads must be 1 to 256, not '%s'", value);
    }
    else if(!strcmp(arg, "--rate-limit")) {
      if(cli_parse_number(value, 0, 1e9, &options->rate_limit))
        return cli_fail("--rate-limit must be a number >= 0, not '%s'", value);
    }
    else if(!strcmp(arg, "--rate-burst")) {
      if(cli_parse_number(value, 1, 1e9, &options->rate_burst))
        return cli_fail("--rate-burst must be a number >= 1, not '%s'", value);
    }
    else if(!strcmp(arg, "--body-limit")) {
      if(cli_parse_long(value, 1, 1L << 30, &options->body_limit))
        return cli_fail("--body-limit must be 1 to 2^30 bytes, not '%s'",
                        value);
    }
    else if(!strcmp(arg, "--header-limit")) {
      if(cli_parse_long(value, 4096, 1L << 20, &options->header_limit))
        return cli_fail("--header-limit must be 4096 to 2^20 bytes, not '%s'",
                        value);
    }
    else if(!strcmp(arg, "--idle-timeout")) {
      if(cli_parse_long(value, 1, 86400, &options->idle_timeout))
        return cli_fail("--idle-timeout must be 1 to 86400 seconds, not '%s'",
                        value);
    }
    else if(!strcmp(arg, "--limit")) {
      if(cli_parse_long(value, 1, 1000, &options->limit))
        return cli_fail("--limit must be 1 to 1000, not '%s'", value);
    }
    else if(!strcmp(arg, "--webhook-timeout-ms")) {
      if(cli_parse_long(value, 100, 600000, &options->webhook_timeout_ms))
        return cli_fail("--webhook-timeout-ms must be 100 to 600000, not '%s'",
                        value);
    }
    else if(!strcmp(arg, "--webhook-retry-ms")) {
      if(cli_parse_long(value, 10, 3600000, &options->webhook_retry_ms))
        return cli_fail("--webhook-retry-ms must be 10 to 3600000, not '%s'",
                        value);
    }
    else if(!strcmp(arg, "--acquirer-timeout-ms")) {
      if(cli_parse_long(value, 50, 600000, &options->acquirer_timeout_ms))
        return cli_fail("--acquirer-timeout-ms must be 50 to 600000, not "
                        "'%s'", value);
    }
    else if(!strcmp(arg, "--action-timeout-ms")) {
      if(cli_parse_long(value, 1000, 86400000, &options->action_timeout_ms))
        return cli_fail("--action-timeout-ms must be 1000 to 86400000, not "
                        "'%s'", value);
    }
    else if(!strcmp(arg, "--sandbox-review-ms")) {
      if(cli_parse_long(value, 1, 86400000, &options->sandbox_review_ms))
        return cli_fail("--sandbox-review-ms must be 1 to 86400000, not "
                        "'%s'", value);
    }
    else if(!strcmp(arg, "--sandbox-dispute-ms")) {
      if(cli_parse_long(value, 1, 86400000, &options->sandbox_dispute_ms))
        return cli_fail("--sandbox-dispute-ms must be 1 to 86400000, not "
                        "'%s'", value);
    }
    else if(!strcmp(arg, "--hold-days")) {
      if(cli_parse_long(value, 1, 3650, &options->hold_days))
        return cli_fail("--hold-days must be 1 to 3650, not '%s'", value);
    }
    else if(!strcmp(arg, "--sandbox-refund-ms")) {
      if(cli_parse_long(value, 1, 86400000, &options->sandbox_refund_ms))
        return cli_fail("--sandbox-refund-ms must be 1 to 86400000, not "
                        "'%s'", value);
    }
    else if(!strcmp(arg, "--payment-workers")) {
      if(cli_parse_long(value, 1, 1024, &options->payment_workers))
        return cli_fail("--payment-workers must be 1 to 1024, not '%s'",
                        value);
    }
    else if(!strcmp(arg, "--key-cache-ms")) {
      if(cli_parse_long(value, 0, 60000, &options->key_cache_ms))
        return cli_fail("--key-cache-ms must be 0 to 60000, not '%s'", value);
    }
    else if(!strcmp(arg, "--sweep-interval")) {
      if(cli_parse_long(value, 10, 3600000, &options->sweep_interval))
        return cli_fail("--sweep-interval must be 10 to 3600000 ms, not '%s'",
                        value);
    }
    else if(!strcmp(arg, "--max-order-amount")) {
      if(cli_parse_number(value, 1, 9e18, &options->max_order_amount))
        return cli_fail("--max-order-amount must be 1 to 9e18, not '%s'",
                        value);
    }
    else
      return cli_fail("unknown option '%s'", arg);
    i++;
  }
  return 0;
}

/* Splits "HOST:PORT"; the host must be a literal IPv4 address. */
static int cli_parse_listen(const char *listen, char *host, size_t host_size,
                            unsigned short *port)
{
  const char *colon = strrchr(listen, ':');
  long value;

  if(!colon || colon == listen || (size_t)(colon - listen) >= host_size ||
     cli_parse_long(colon + 1, 0, 65535, &value))
    return -1;
  memcpy(host, listen, (size_t)(colon - listen));
  host[colon - listen] = '\0';
  *port = (unsigned short)value;
  return 0;
}

static int cli_open_store(const cli_options_t *options, store_t **store)
{
  obol_rc rc = store_open(options->database, store);
  if(!rc)
    rc = store_migrate(*store, NULL);
  if(rc) {
    fprintf(stderr, "obol: cannot open database %s: %s\n", options->database,
            obol_rc_str(rc));
    store_close(*store);
    *store = NULL;
    return 1;
  }
  return 0;
}

static void cli_print_credentials(const api_credentials_t *credentials,
                                  int json, int with_shop)
{
  if(json && with_shop)
    printf("{\"id\":\"%s\",\"secret_key\":\"%s\",\"key_id\":\"%s\"}\n",
           credentials->shop_id, credentials->secret_key,
           credentials->key_id);
  else if(json)
    printf("{\"id\":\"%s\",\"shop_id\":\"%s\",\"secret_key\":\"%s\"}\n",
           credentials->key_id, credentials->shop_id,
           credentials->secret_key);
  else
    printf("shop:       %s\nkey id:     %s\nsecret key: %s\n"
           "(the secret key is shown only now; keep it safe)\n",
           credentials->shop_id, credentials->key_id,
           credentials->secret_key);
}

static int cli_shop_create(const cli_options_t *options)
{
  api_credentials_t credentials;
  store_t *store = NULL;
  obol_rc rc;

  if(!options->name || !*options->name || strlen(options->name) > 200)
    return cli_fail("%s", "shop create needs --name NAME (1 to 200 "
                          "characters)");
  if(cli_open_store(options, &store))
    return 1;
  rc = api_shop_create(store, options->name, options->live, &credentials);
  store_close(store);
  if(rc) {
    fprintf(stderr, "obol: cannot create the shop: %s\n", obol_rc_str(rc));
    return 1;
  }
  cli_print_credentials(&credentials, options->json, 1);
  return 0;
}

static int cli_key(const char *action, const cli_options_t *options)
{
  api_credentials_t credentials;
  store_t *store = NULL;
  obol_rc rc;

  if(!strcmp(action, "create") && !options->shop)
    return cli_fail("%s", "key create needs --shop SHOP_ID");
  if(!strcmp(action, "revoke") && !options->positional)
    return cli_fail("%s", "key revoke needs a KEY_ID");
  if(cli_open_store(options, &store))
    return 1;
  if(!strcmp(action, "create"))
    rc = api_key_create(store, options->shop, options->live, &credentials);
  else
    rc = api_key_revoke(store, options->positional);
  store_close(store);
  if(rc == OBOL_ERR_NOT_FOUND || rc == OBOL_ERR_CONFLICT) {
    fprintf(stderr, "obol: no such %s: %s\n",
            !strcmp(action, "create") ? "shop" : "active key",
            !strcmp(action, "create") ? options->shop : options->positional);
    return 1;
  }
  if(rc) {
    fprintf(stderr, "obol: key %s failed: %s\n", action, obol_rc_str(rc));
    return 1;
  }
  if(!strcmp(action, "create"))
    cli_print_credentials(&credentials, options->json, 0);
  else
    printf("revoked %s\n", options->positional);
  return 0;
}

/* On an empty database, --demo creates a shop and prints its key once. */
static int cli_demo_shop(store_t *store, const char *listen)
{
  api_credentials_t credentials;
  int64_t shops = 0;

  if(store_shop_count(store, &shops))
    return 1;
  if(shops > 0) {
    printf("demo: the database already has a shop; its secret key was "
           "printed when it was created (obol key create --shop ID makes "
           "another)\n");
    return 0;
  }
  if(api_shop_create(store, "Demo shop", 0, &credentials))
    return 1;
  printf("demo shop created\n");
  cli_print_credentials(&credentials, 0, 1);
  printf("try: curl -H 'Authorization: Bearer %s' "
         "http://%s/v1/shop\n", credentials.secret_key, listen);
  fflush(stdout);
  return 0;
}

static void cli_log_listening(const char *host, unsigned short port)
{
  char line[256];
  char when[32];
  int len;

  core_time_format(core_now_ms(), when, sizeof(when));
  len = snprintf(line, sizeof(line),
                 "{\"time\":\"%s\",\"level\":\"info\",\"event\":"
                 "\"server.listening\",\"message\":\"http://%s:%u\","
                 "\"port\":%u}", when, host, port, port);
  core_log_line(line, (size_t)len);
}

#define CLI_IDEMPOTENCY_TTL_MS (24LL * 3600 * 1000)
#define CLI_NODE_ALIVE_MS 5000    /* a node silent longer is not counted */
#define CLI_NODE_FORGET_MS 60000  /* and after this its row goes */

/* This serving node, as the other nodes see it. */
typedef struct {
  char id[STORE_ID_MAX];
  http_server_t *server;
} cli_node_t;

static obol_rc cli_heartbeat_apply(store_tx_t *tx, void *arg)
{
  cli_node_t *node = arg;
  int64_t now = core_now_ms();
  return store_tx_node_heartbeat(tx, node->id, now, now - CLI_NODE_FORGET_MS);
}

/* Runs with every sweep: stored idempotent answers live 24 hours; the node
 * says it is alive and learns how many share the rate limits. */
static void cli_housekeeping(store_t *store, void *context)
{
  cli_node_t *node = context;
  int64_t nodes = 1;

  payment_sweep(store);
  http_idempotency_prune(store, CLI_IDEMPOTENCY_TTL_MS);
  if(store_write(store, cli_heartbeat_apply, node) ||
     store_node_count(store, core_now_ms() - CLI_NODE_ALIVE_MS, &nodes))
    return;
  http_server_set_nodes(node->server, nodes > 0 ? (int)nodes : 1);
}

/* The order settings: the public URL as given, else where we listen. The
 * caller keeps config alive while the server runs. */
static void cli_configure_orders(const cli_options_t *options,
                                 const char *host, unsigned short port,
                                 char *url, size_t url_size,
                                 order_config_t *config)
{
  if(options->public_url)
    snprintf(url, url_size, "%s", options->public_url);
  else
    snprintf(url, url_size, "http://%s:%u", host, port);
  while(strlen(url) > 8 && url[strlen(url) - 1] == '/')
    url[strlen(url) - 1] = '\0';
  config->public_url = url;
  config->max_amount = (int64_t)options->max_order_amount;
  config->hold_ms = options->hold_days * 86400LL * 1000;
  order_configure(config);
}

static int cli_serve(const cli_options_t *options)
{
  http_options_t http = {0};
  http_server_t *server = NULL;
  order_sweeper_t *sweeper = NULL;
  notify_worker_t *notifier = NULL;
  notify_options_t notify = {0};
  api_config_t app = {0};
  cli_node_t node = {0};
  store_t *store = NULL;
  char host[64];
  /* two settings: a port chosen by the system is known only once listening,
   * and the first settings must stay valid while threads may read them */
  char public_url[2][512];
  order_config_t order_settings[2];
  payment_config_t payments = {0};
  acquirer_sandbox_config_t sandbox = {0};
  sigset_t signals;
  int signal_number = 0;

  if(cli_parse_listen(options->listen, host, sizeof(host), &http.listen_port))
    return cli_fail("--listen must be HOST:PORT, not '%s'", options->listen);
  if(options->public_url && api_check_url(options->public_url))
    return cli_fail("--public-url must be an absolute http(s) URL, not '%s'",
                    options->public_url);
  /* Block the stop signals in every thread; this one waits for them. */
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, NULL);
  signal(SIGPIPE, SIG_IGN);
  if(cli_open_store(options, &store))
    return 1;
  if(store_claim(store)) {
    fprintf(stderr, "obol: %s is already served by another obol serve; "
            "run many nodes on PostgreSQL instead\n", options->database);
    store_close(store);
    return 1;
  }
  if(options->demo && cli_demo_shop(store, options->listen)) {
    store_close(store);
    return 1;
  }
  http.listen_host = host;
  http.threads = (unsigned int)options->threads;
  http.body_limit = (size_t)options->body_limit;
  http.header_limit = (size_t)options->header_limit;
  http.idle_timeout = (unsigned int)options->idle_timeout;
  http.rate_per_second = options->rate_limit;
  http.rate_burst = options->rate_burst;
  http.access_log = options->access_log;
  http.key_cache_ms = (unsigned int)options->key_cache_ms;
  http.trusted_proxy = options->trusted_proxy;
  http.routes = api_routes;
  http.route_count = api_route_count;
  http.store = store;
  http.app = &app;
  app.store = store;
  app.test_clock = options->test_clock;
  cli_configure_orders(options, host, http.listen_port, public_url[0],
                       sizeof(public_url[0]), &order_settings[0]);
  if(http_server_start(&http, &server)) {
    store_close(store);
    return 1;
  }
  node.server = server;
  payments.acquirer_timeout_ms = (int)options->acquirer_timeout_ms;
  payments.action_timeout_ms = (int)options->action_timeout_ms;
  payments.workers = (int)options->payment_workers;
  sandbox.review_ms = (int)options->sandbox_review_ms;
  sandbox.refund_ms = (int)options->sandbox_refund_ms;
  sandbox.dispute_ms = (int)options->sandbox_dispute_ms;
  acquirer_sandbox_configure(&sandbox);
  notify.interval_ms = 200;
  notify.retry_base_ms = (int)options->webhook_retry_ms;
  notify.allow_private = options->allow_private_webhooks;
  notify.timeout_ms = (int)options->webhook_timeout_ms;
  if(core_id_new("node", node.id, sizeof(node.id)) ||
     payment_start(store, &payments) ||
     order_sweeper_start(store, (int)options->sweep_interval,
                         cli_housekeeping, &node, &sweeper) ||
     notify_start(store, &notify, &notifier)) {
    order_sweeper_stop(sweeper);
    http_server_quiesce(server);
    payment_stop();
    store_close(store);
    http_server_stop(server);
    return 1;
  }
  if(!http.listen_port && !options->public_url) /* port 0: now we know it */
    cli_configure_orders(options, host, http_server_port(server),
                         public_url[1], sizeof(public_url[1]),
                         &order_settings[1]);
  cli_log_listening(host, http_server_port(server));
  while(sigwait(&signals, &signal_number) == 0 &&
        signal_number != SIGTERM && signal_number != SIGINT)
    ;
  core_log(CORE_LOG_INFO, "server.stopping", "signal %d: finishing requests",
           signal_number);
  notify_stop(notifier);       /* attempts under way end (10 s at most) */
  order_sweeper_stop(sweeper); /* it uses the server: stop it first */
  http_server_quiesce(server); /* in-flight requests finish */
  payment_stop();              /* acquirer calls under way are recorded */
  store_close(store);          /* queued writes commit and answer */
  http_server_stop(server);
  core_log(CORE_LOG_INFO, "server.stopped", "bye");
  return 0;
}

/* obol events list --shop ID [--limit N]: the newest events, one a line. */
static int cli_events_list(store_t *store, const cli_options_t *options)
{
  store_event_query_t query = {.shop_id = options->shop,
                               .limit = (int)options->limit};
  core_arena_t *arena = core_arena_create(65536);
  store_event_t *rows = NULL;
  size_t count = 0, i;
  obol_rc rc = arena ? store_event_list(store, arena, &query, &rows, &count)
                     : OBOL_ERR_NOMEM;

  for(i = 0; !rc && i < count; i++) {
    char when[32];
    core_time_format(rows[i].created_at, when, sizeof(when));
    printf("%s  %s  %-28s %s #%lld\n", rows[i].id, when, rows[i].type,
           rows[i].order_id, (long long)rows[i].sequence);
  }
  core_arena_destroy(arena);
  if(rc)
    fprintf(stderr, "obol: events list failed: %s\n", obol_rc_str(rc));
  return rc ? 1 : 0;
}

typedef struct {
  store_event_t *event;
  int queued;
} cli_redeliver_t;

static obol_rc cli_redeliver_apply(store_tx_t *tx, void *arg)
{
  cli_redeliver_t *redeliver = arg;
  core_arena_t *arena = core_arena_create(8192);
  obol_rc rc = arena ? order_outbox(tx, arena, redeliver->event,
                                    &redeliver->queued)
                     : OBOL_ERR_NOMEM;
  core_arena_destroy(arena);
  return rc;
}

/* obol events redeliver EVENT_ID --shop ID: queues it again. */
static int cli_events_redeliver(store_t *store, const cli_options_t *options)
{
  store_event_query_t query = {.shop_id = options->shop,
                               .event_id = options->positional};
  core_arena_t *arena = core_arena_create(65536);
  cli_redeliver_t redeliver = {NULL, 0};
  size_t count = 0;
  obol_rc rc = arena ? store_event_list(store, arena, &query,
                                        &redeliver.event, &count)
                     : OBOL_ERR_NOMEM;

  if(!rc && count == 0)
    rc = OBOL_ERR_NOT_FOUND;
  if(!rc)
    rc = store_write(store, cli_redeliver_apply, &redeliver);
  if(!rc)
    printf("%s: %d deliveries queued\n", options->positional,
           redeliver.queued);
  else
    fprintf(stderr, "obol: cannot redeliver %s: %s\n", options->positional,
            obol_rc_str(rc));
  core_arena_destroy(arena);
  return rc ? 1 : 0;
}

static int cli_events(const char *action, const cli_options_t *options)
{
  store_t *store = NULL;
  int status;

  if(!options->shop)
    return cli_fail("%s", "events commands need --shop SHOP_ID");
  if(!strcmp(action, "redeliver") && !options->positional)
    return cli_fail("%s", "events redeliver needs an EVENT_ID");
  if(cli_open_store(options, &store))
    return 1;
  status = !strcmp(action, "list") ? cli_events_list(store, options)
                                   : cli_events_redeliver(store, options);
  store_close(store);
  return status;
}

static int cli_migrate(const cli_options_t *options)
{
  store_t *store = NULL;
  int applied = 0;
  obol_rc rc = store_open(options->database, &store);

  if(!rc)
    rc = store_migrate(store, &applied);
  store_close(store);
  if(rc) {
    fprintf(stderr, "obol: migration failed on %s: %s\n", options->database,
            obol_rc_str(rc));
    return 1;
  }
  printf("%s: %d migration(s) applied\n", options->database, applied);
  return 0;
}

int main(int argc, char **argv)
{
  cli_options_t options;
  const char *command = argc > 1 ? argv[1] : NULL;
  const char *action = argc > 2 ? argv[2] : "";
  int first = 2;
  int rc;

  setvbuf(stdout, NULL, _IOLBF, 0);
  if(!command)
    return cli_fail("%s", "missing command");
  if(!strcmp(command, "--help") || !strcmp(command, "-h") ||
     !strcmp(command, "help")) {
    fputs(cli_usage, stdout);
    return 0;
  }
  if(!strcmp(command, "--version")) {
    printf("obol %s\n", OBOL_VERSION);
    return 0;
  }
  cli_defaults(&options);
  if(!strcmp(command, "shop") || !strcmp(command, "key") ||
     !strcmp(command, "events"))
    first = 3;
  rc = cli_parse(argc, argv, first, &options);
  if(rc)
    return rc;
  if(!strcmp(command, "serve"))
    return cli_serve(&options);
  if(!strcmp(command, "migrate"))
    return cli_migrate(&options);
  if(!strcmp(command, "shop") && !strcmp(action, "create"))
    return cli_shop_create(&options);
  if(!strcmp(command, "key") &&
     (!strcmp(action, "create") || !strcmp(action, "revoke")))
    return cli_key(action, &options);
  if(!strcmp(command, "events") &&
     (!strcmp(action, "list") || !strcmp(action, "redeliver")))
    return cli_events(action, &options);
  if(!strcmp(command, "shop") || !strcmp(command, "key") ||
     !strcmp(command, "events"))
    return cli_fail("unknown action '%s'", action);
  return cli_fail("unknown command '%s'", command);
}
