/* store: the one storage interface.
 *
 * A backend (SQLite today, PostgreSQL next) fills a store_ops_t table; the rest
 * of Obol calls the store_* wrappers below and never sees SQL.
 *
 * Writes are jobs. A job's apply function runs inside a database transaction
 * and calls store_tx_* functions; the backend may run many waiting jobs in one
 * transaction (group commit), each under its own savepoint so one job's
 * failure undoes only that job. The job's done callback runs once the
 * transaction is durable (rc OBOL_OK) or has failed. Reads use their own
 * connections and see every write whose done callback has run. */
#ifndef OBOL_STORE_H
#define OBOL_STORE_H

#include <stdint.h>

#include "../core/core.h"

#define STORE_ID_MAX 64

typedef struct store store_t;
typedef struct store_conn store_conn_t; /* backend-defined connection */
typedef struct store_tx store_tx_t;     /* a write transaction */

/* A shop: the unit every merchant row is scoped by. Strings belong to the
 * arena passed to the read (or to the caller, for writes); NULL = not set. */
typedef struct {
  char id[STORE_ID_MAX];
  const char *name;
  const char *default_currency;
  const char *default_language;
  const char *allowed_redirect_hosts; /* JSON array text, never NULL once read */
  const char *url;
  const char *country;
  const char *contact_email;
  const char *contact_phone;
  const char *brands;    /* JSON array text of card brands shown */
  const char *surcharge; /* JSON object text of the surcharge rule, or NULL */
  const char *payment_methods; /* JSON array text of the methods offered */
  const char *affiliate_html;  /* shown on receipts (seed 001), or NULL */
  const char *signing_secret;  /* signs callbacks and notifications; NULL */
  const char *notification_key; /* RSA private key (PEM) for seed 003 */
  const char *ecwid; /* {"client_secret","api_base_url"} (seed 000), NULL */
  int64_t created_at; /* ms since the epoch */
  int64_t updated_at;
} store_shop_t;

/* An API key. Only the SHA-256 of the secret is stored. */
typedef struct {
  char id[STORE_ID_MAX];
  char shop_id[STORE_ID_MAX];
  char secret_hash[CORE_SHA256_HEX_LEN + 1];
  char prefix[24]; /* the first characters of the secret, for display */
  int live;        /* sk_live_ (1) or sk_test_ (0) */
  int64_t created_at;
  int64_t revoked_at; /* 0 = active */
} store_key_t;

#define STORE_TOKEN_LEN 64
#define STORE_STATUS_MAX 24

/* The URLs of an order, each a column named as its API field. */
typedef enum {
  STORE_URL_SUCCESS_REDIRECT,
  STORE_URL_IN_PROGRESS_REDIRECT,
  STORE_URL_FAILURE_REDIRECT,
  STORE_URL_RETURN,
  STORE_URL_CANCEL,
  STORE_URL_CALLBACK,
  STORE_URL_NOTIFICATION,
  STORE_URL_COUNT
} store_url_t;

/* The column (and API field) name of each URL. */
extern const char *const store_url_names[STORE_URL_COUNT];

/* An order. What is searched, changed or shown on every read is a column;
 * the rest of what the merchant sent (products, client, description,
 * metadata ...) is `details`, a JSON object text. */
typedef struct {
  char id[STORE_ID_MAX];
  char shop_id[STORE_ID_MAX];
  char kind[12]; /* "payment" (the customer pays) or "payout" (is paid) */
  char token[STORE_TOKEN_LEN + 1];
  char status[STORE_STATUS_MAX];
  char currency[4];
  int64_t amount;           /* what the customer pays, surcharge included */
  int64_t initial_amount;   /* before surcharge */
  int64_t surcharge_amount;
  int64_t captured_amount;  /* taken from the customer (sale or capture) */
  int64_t refunded_amount;  /* confirmed refunds, never > captured */
  const char *merchant_reference;
  int test;
  int capture_manual;
  int max_payment_attempts; /* 0 = unlimited */
  int failed_attempts;
  int64_t due_at;           /* 0 = none */
  int64_t expires_at;       /* 0 = none */
  int64_t deadline_at;      /* when the sweeper must look next; 0 = never */
  int64_t event_sequence;   /* sequence number of the order's last event */
  int64_t created_at;
  int64_t updated_at;
  const char *urls[STORE_URL_COUNT]; /* NULL = not given */
  char language[8];
  const char *details;
} store_order_t;

/* The text fields of a transaction; each is a column of that name. */
typedef enum {
  STORE_TXN_CODE,
  STORE_TXN_MESSAGE,
  STORE_TXN_PAYMENT_METHOD,
  STORE_TXN_BRAND,
  STORE_TXN_LAST_4,
  STORE_TXN_HOLDER,
  STORE_TXN_AUTH_CODE,
  STORE_TXN_BANK_CODE,
  STORE_TXN_RRN,
  STORE_TXN_REF_ID,
  STORE_TXN_AVS_RESULT,
  STORE_TXN_CVC_RESULT,
  STORE_TXN_BILLING_DESCRIPTOR,
  STORE_TXN_THREE_D_SECURE,
  STORE_TXN_CUSTOMER_IP,
  STORE_TXN_RETURN_URL,
  STORE_TXN_REDIRECT_URL,
  STORE_TXN_MERCHANT_REFERENCE_2,
  STORE_TXN_REASON, /* the merchant's, for a refund */
  STORE_TXN_FAILED_URL, /* where the customer goes when it fails */
  STORE_TXN_DIALECT,    /* the names it was asked in: NULL or storefront */
  STORE_TXN_TEXT_COUNT
} store_txn_text_t;

/* Most transactions one order may have (attempts and operations). */
#define STORE_TRANSACTIONS_MAX 1000
/* The methods a shop offers unless it says otherwise. */
#define STORE_METHODS_DEFAULT \
  "[\"card\",\"bank_transfer\",\"wallet\",\"invoice\"]"

/* A payment attempt or an operation on an order (capture, refund ...).
 * Never holds a card number or CVC: only brand, last 4 and expiry. */
typedef struct {
  char id[STORE_ID_MAX];
  char shop_id[STORE_ID_MAX];
  char order_id[STORE_ID_MAX];
  char parent_id[STORE_ID_MAX]; /* "" = none */
  char type[24];
  char status[16];
  char currency[4];
  int64_t amount;
  int exp_month; /* 0 = none */
  int exp_year;
  int test;
  int64_t deadline_at; /* when the sweeper asks the acquirer; 0 = never */
  int64_t created_at;
  int64_t updated_at;
  int64_t finished_at; /* 0 = not yet */
  const char *text[STORE_TXN_TEXT_COUNT]; /* NULL = none */
  int64_t respond_by;  /* a dispute: the merchant's deadline; 0 = none */
} store_transaction_t;

/* A page of orders, newest first. Zero/NULL filters are off. The cursor
 * is the (created_at, id) of the last row of the previous page. */
typedef struct {
  const char *shop_id;
  const char *status;
  const char *merchant_reference;
  const char *kind; /* payment or payout; NULL: both */
  int64_t created_from;
  int64_t created_to;
  int64_t cursor_created_at;
  const char *cursor_id; /* NULL = first page */
  int limit;
} store_order_query_t;

/* Something that happened to an order, written in the same transaction. */
typedef struct {
  char id[STORE_ID_MAX];
  char shop_id[STORE_ID_MAX];
  char order_id[STORE_ID_MAX];
  int64_t sequence;  /* 1, 2, 3 ... per order */
  char type[48];
  int64_t created_at;
  const char *data;  /* JSON object text */
} store_event_t;

/* Which events: one order's (oldest first), one by id, or a page of the
 * shop's (newest first, after the (created_at, id) cursor). */
typedef struct {
  const char *shop_id;
  const char *order_id;  /* the order's events */
  const char *event_id;  /* or this one */
  int64_t cursor_created_at;
  const char *cursor_id; /* or a page: NULL = the first */
  int limit;
} store_event_query_t;

/* A stored answer to a POST with an Idempotency-Key. */
typedef struct {
  char shop_id[STORE_ID_MAX];
  const char *key;
  char request_hash[CORE_SHA256_HEX_LEN + 1];
  int status;
  const char *body;
  int64_t created_at;
} store_idempotency_t;

/* Where a shop's events are POSTed. The signing secret is kept to sign
 * with; during a rotation the previous one stays valid until its time. */
typedef struct {
  char id[STORE_ID_MAX];
  char shop_id[STORE_ID_MAX];
  const char *url;
  const char *events;      /* JSON array text of event types, or ["*"] */
  const char *description; /* NULL = none */
  int enabled;
  const char *secret;
  const char *previous_secret; /* NULL = none */
  int64_t previous_secret_until;
  int64_t created_at;
  int64_t updated_at;
  const char *dialect; /* NULL (Obol's payload) or "gate" (seed 002's) */
} store_endpoint_t;

/* A delivery of one event (the outbox): to a webhook endpoint, or to the
 * order's callback_url (kind "callback", GET) or notification_url (kind
 * "notification", POST of the transaction). */
typedef struct {
  char id[STORE_ID_MAX];
  char shop_id[STORE_ID_MAX];
  char event_id[STORE_ID_MAX];
  char endpoint_id[STORE_ID_MAX]; /* "" unless a webhook */
  char kind[24];                  /* webhook, callback, notification,
                                     ctp_notification, ecwid */
  const char *url;                /* callback, notification: the URL */
  const char *payload;            /* kind ecwid: {"authorization","body"}
                                     of its PUT */
  char status[16];      /* pending, succeeded, failed */
  int attempts;
  int64_t next_attempt_at; /* 0 = none (done) */
  int last_status;         /* HTTP status of the last attempt, 0 = none */
  const char *last_error;
  int64_t created_at;
  int64_t updated_at;
} store_delivery_t;

/* What a worker needs to make one attempt of a claimed delivery. */
typedef struct {
  store_delivery_t delivery;
  char event_type[48];
  int64_t event_created_at;
  int64_t event_sequence;      /* per order: 1, 2, 3 ... */
  int test;                    /* the order is a test order */
  const char *event_data;
  const char *url;             /* NULL: the endpoint was deleted */
  char kind[24];
  const char *dialect;         /* the endpoint's payload shape, or NULL */
  const char *notification_key; /* the shop's RSA key (seed 003), or NULL */
  const char *payload;          /* the delivery's own request, or NULL */
  const char *secret;
  const char *previous_secret; /* NULL or expired: not used */
  int64_t previous_secret_until;
  int enabled;
} store_work_t;

/* One attempt, for the log. */
typedef struct {
  char id[STORE_ID_MAX];
  char delivery_id[STORE_ID_MAX];
  int64_t attempted_at;
  int status_code; /* 0: no answer */
  const char *error;
  int duration_ms;
} store_attempt_t;

typedef obol_rc (*store_apply_fn)(store_tx_t *tx, void *arg);
typedef void (*store_done_fn)(void *arg, obol_rc rc);

typedef struct store_ops {
  const char *name;
  /* store is kept by the backend to build the store_tx_t it hands to jobs. */
  obol_rc (*open)(store_t *store, const char *location, void **backend);
  void (*close)(void *backend); /* drains queued writes first */
  obol_rc (*migrate)(void *backend, int *applied);
  obol_rc (*ping)(void *backend);
  /* Claims the database for this serving process (OBOL_ERR_CONFLICT if
   * another one serves it), where the backend needs one writer process. */
  obol_rc (*claim)(void *backend);
  obol_rc (*submit)(void *backend, store_apply_fn apply, store_done_fn done,
                    void *arg);
  store_conn_t *(*reader_acquire)(void *backend);
  void (*reader_release)(void *backend, store_conn_t *conn);

  /* Reads: conn is a reader or the connection of a write transaction. */
  obol_rc (*shop_get)(store_conn_t *conn, core_arena_t *arena,
                      const char *shop_id, store_shop_t *out);
  obol_rc (*shop_count)(store_conn_t *conn, int64_t *count);
  obol_rc (*key_find_by_hash)(store_conn_t *conn, const char *secret_hash,
                              store_key_t *out);

  obol_rc (*order_get)(store_conn_t *conn, core_arena_t *arena,
                       const char *shop_id, const char *order_id,
                       store_order_t *out);
  obol_rc (*order_get_by_token)(store_conn_t *conn, core_arena_t *arena,
                                const char *shop_id, const char *token,
                                store_order_t *out);
  obol_rc (*order_list)(store_conn_t *conn, core_arena_t *arena,
                        const store_order_query_t *query,
                        store_order_t **rows, size_t *count);
  /* Orders whose deadline_at <= now, oldest deadline first, any shop. */
  obol_rc (*order_list_due)(store_conn_t *conn, core_arena_t *arena,
                            int64_t now, int limit, store_order_t **rows,
                            size_t *count);
  obol_rc (*event_list)(store_conn_t *conn, core_arena_t *arena,
                        const store_event_query_t *query,
                        store_event_t **rows, size_t *count);
  obol_rc (*idempotency_get)(store_conn_t *conn, core_arena_t *arena,
                             const char *shop_id, const char *key,
                             store_idempotency_t *out);
  obol_rc (*endpoint_get)(store_conn_t *conn, core_arena_t *arena,
                          const char *shop_id, const char *endpoint_id,
                          store_endpoint_t *out);
  obol_rc (*endpoint_list)(store_conn_t *conn, core_arena_t *arena,
                           const char *shop_id, store_endpoint_t **rows,
                           size_t *count);
  /* Deliveries due at now and not leased; at most limit ids. */
  obol_rc (*delivery_due)(store_conn_t *conn, core_arena_t *arena,
                          int64_t now, int limit, char (**ids)[STORE_ID_MAX],
                          size_t *count);
  obol_rc (*delivery_work)(store_conn_t *conn, core_arena_t *arena,
                           const char *delivery_id, store_work_t *out);
  obol_rc (*delivery_list)(store_conn_t *conn, core_arena_t *arena,
                           const char *shop_id, const char *event_id,
                           store_delivery_t **rows, size_t *count);
  obol_rc (*transaction_get)(store_conn_t *conn, core_arena_t *arena,
                             const char *shop_id, const char *transaction_id,
                             store_transaction_t *out);
  /* One order's transactions, oldest first. */
  obol_rc (*transaction_list)(store_conn_t *conn, core_arena_t *arena,
                              const char *shop_id, const char *order_id,
                              store_transaction_t **rows, size_t *count);
  /* Transactions whose deadline_at <= now, oldest deadline first. */
  obol_rc (*transaction_list_due)(store_conn_t *conn, core_arena_t *arena,
                                  int64_t now, int limit,
                                  store_transaction_t **rows, size_t *count);
  /* Nodes whose heartbeat is at or after `since`. */
  obol_rc (*node_count)(store_conn_t *conn, int64_t since, int64_t *count);

  /* Writes: conn is always the connection of a write transaction. */
  obol_rc (*order_insert)(store_conn_t *conn, const store_order_t *order);
  obol_rc (*order_update)(store_conn_t *conn, const store_order_t *order);
  obol_rc (*event_insert)(store_conn_t *conn, const store_event_t *event);
  obol_rc (*transaction_insert)(store_conn_t *conn,
                                const store_transaction_t *transaction);
  obol_rc (*transaction_update)(store_conn_t *conn,
                                const store_transaction_t *transaction);
  obol_rc (*idempotency_insert)(store_conn_t *conn,
                                const store_idempotency_t *record);
  obol_rc (*idempotency_prune)(store_conn_t *conn, int64_t before);
  obol_rc (*endpoint_insert)(store_conn_t *conn,
                             const store_endpoint_t *endpoint);
  obol_rc (*endpoint_update)(store_conn_t *conn,
                             const store_endpoint_t *endpoint);
  obol_rc (*endpoint_delete)(store_conn_t *conn, const char *shop_id,
                             const char *endpoint_id);
  obol_rc (*delivery_insert)(store_conn_t *conn,
                             const store_delivery_t *delivery);
  obol_rc (*delivery_supersede)(store_conn_t *conn, const char *shop_id,
                                const char *order_id, const char *kind,
                                int64_t now);
  obol_rc (*delivery_lease)(store_conn_t *conn, const char *delivery_id,
                            int64_t lease_until);
  /* Writes the delivery's new state and logs the attempt. */
  obol_rc (*delivery_update)(store_conn_t *conn,
                             const store_delivery_t *delivery,
                             const store_attempt_t *attempt);
  /* Records that node_id is alive at now, and forgets nodes silent since
   * before. */
  obol_rc (*node_heartbeat)(store_conn_t *conn, const char *node_id,
                            int64_t now, int64_t before);
  obol_rc (*shop_insert)(store_conn_t *conn, const store_shop_t *shop);
  obol_rc (*shop_update)(store_conn_t *conn, const store_shop_t *shop);
  obol_rc (*key_insert)(store_conn_t *conn, const store_key_t *key);
  obol_rc (*key_revoke)(store_conn_t *conn, const char *key_id,
                        int64_t revoked_at);
} store_ops_t;

struct store_tx {
  store_t *store;
  store_conn_t *conn;
};

extern const store_ops_t store_sqlite_ops;
extern const store_ops_t store_postgres_ops;

/* Opens the backend named by location: postgres://... (PostgreSQL) or a
 * file path (SQLite). */
obol_rc store_open(const char *location, store_t **out);
void store_close(store_t *store);
obol_rc store_migrate(store_t *store, int *applied);
obol_rc store_ping(store_t *store);
obol_rc store_claim(store_t *store);
const char *store_backend_name(const store_t *store);

/* Queues a write job; done(arg, rc) runs on the writer thread once the job's
 * transaction is durable or failed. OBOL_ERR_SHUTDOWN when closing. */
obol_rc store_submit(store_t *store, store_apply_fn apply, store_done_fn done,
                     void *arg);
/* Runs a write job and waits until it is durable. */
obol_rc store_write(store_t *store, store_apply_fn apply, void *arg);

obol_rc store_shop_get(store_t *store, core_arena_t *arena,
                       const char *shop_id, store_shop_t *out);
obol_rc store_shop_count(store_t *store, int64_t *count);
obol_rc store_key_find_by_hash(store_t *store, const char *secret_hash,
                               store_key_t *out);

obol_rc store_order_get(store_t *store, core_arena_t *arena,
                        const char *shop_id, const char *order_id,
                        store_order_t *out);
/* shop_id NULL: the order with this token in any shop (the hosted page). */
obol_rc store_order_get_by_token(store_t *store, core_arena_t *arena,
                                 const char *shop_id, const char *token,
                                 store_order_t *out);
obol_rc store_order_list(store_t *store, core_arena_t *arena,
                         const store_order_query_t *query,
                         store_order_t **rows, size_t *count);
obol_rc store_order_list_due(store_t *store, core_arena_t *arena, int64_t now,
                             int limit, store_order_t **rows, size_t *count);
obol_rc store_event_list(store_t *store, core_arena_t *arena,
                         const store_event_query_t *query,
                         store_event_t **rows, size_t *count);
obol_rc store_idempotency_get(store_t *store, core_arena_t *arena,
                              const char *shop_id, const char *key,
                              store_idempotency_t *out);

obol_rc store_transaction_get(store_t *store, core_arena_t *arena,
                              const char *shop_id, const char *transaction_id,
                              store_transaction_t *out);
obol_rc store_transaction_list(store_t *store, core_arena_t *arena,
                               const char *shop_id, const char *order_id,
                               store_transaction_t **rows, size_t *count);
obol_rc store_transaction_list_due(store_t *store, core_arena_t *arena,
                                   int64_t now, int limit,
                                   store_transaction_t **rows,
                                   size_t *count);
obol_rc store_tx_transaction_get(store_tx_t *tx, core_arena_t *arena,
                                 const char *shop_id,
                                 const char *transaction_id,
                                 store_transaction_t *out);
obol_rc store_tx_transaction_list(store_tx_t *tx, core_arena_t *arena,
                                  const char *shop_id, const char *order_id,
                                  store_transaction_t **rows, size_t *count);
obol_rc store_tx_transaction_insert(store_tx_t *tx,
                                    const store_transaction_t *transaction);
obol_rc store_tx_transaction_update(store_tx_t *tx,
                                    const store_transaction_t *transaction);
obol_rc store_tx_order_get(store_tx_t *tx, core_arena_t *arena,
                           const char *shop_id, const char *order_id,
                           store_order_t *out);
obol_rc store_tx_order_insert(store_tx_t *tx, const store_order_t *order);
/* store_order_list inside a write: it sees the write's own rows. */
obol_rc store_tx_order_list(store_tx_t *tx, core_arena_t *arena,
                            const store_order_query_t *query,
                            store_order_t **rows, size_t *count);
obol_rc store_tx_order_update(store_tx_t *tx, const store_order_t *order);
obol_rc store_tx_event_insert(store_tx_t *tx, const store_event_t *event);
obol_rc store_tx_idempotency_get(store_tx_t *tx, core_arena_t *arena,
                                 const char *shop_id, const char *key,
                                 store_idempotency_t *out);
obol_rc store_tx_idempotency_insert(store_tx_t *tx,
                                    const store_idempotency_t *record);
obol_rc store_tx_idempotency_prune(store_tx_t *tx, int64_t before);
obol_rc store_tx_node_heartbeat(store_tx_t *tx, const char *node_id,
                                int64_t now, int64_t before);
obol_rc store_node_count(store_t *store, int64_t since, int64_t *count);
obol_rc store_endpoint_get(store_t *store, core_arena_t *arena,
                           const char *shop_id, const char *endpoint_id,
                           store_endpoint_t *out);
obol_rc store_endpoint_list(store_t *store, core_arena_t *arena,
                            const char *shop_id, store_endpoint_t **rows,
                            size_t *count);
obol_rc store_tx_endpoint_get(store_tx_t *tx, core_arena_t *arena,
                              const char *shop_id, const char *endpoint_id,
                              store_endpoint_t *out);
obol_rc store_tx_endpoint_insert(store_tx_t *tx,
                                 const store_endpoint_t *endpoint);
obol_rc store_tx_endpoint_update(store_tx_t *tx,
                                 const store_endpoint_t *endpoint);
obol_rc store_tx_endpoint_delete(store_tx_t *tx, const char *shop_id,
                                 const char *endpoint_id);
obol_rc store_tx_endpoint_list(store_tx_t *tx, core_arena_t *arena,
                               const char *shop_id, store_endpoint_t **rows,
                               size_t *count);
obol_rc store_tx_delivery_insert(store_tx_t *tx,
                                 const store_delivery_t *delivery);
/* The order's pending deliveries of this kind will not be sent: a newer
 * one replaces them (status superseded). */
obol_rc store_tx_delivery_supersede(store_tx_t *tx, const char *shop_id,
                                    const char *order_id, const char *kind,
                                    int64_t now);
obol_rc store_tx_delivery_due(store_tx_t *tx, core_arena_t *arena,
                              int64_t now, int limit,
                              char (**ids)[STORE_ID_MAX], size_t *count);
obol_rc store_tx_delivery_lease(store_tx_t *tx, const char *delivery_id,
                                int64_t lease_until);
obol_rc store_tx_delivery_update(store_tx_t *tx,
                                 const store_delivery_t *delivery,
                                 const store_attempt_t *attempt);
obol_rc store_delivery_work(store_t *store, core_arena_t *arena,
                            const char *delivery_id, store_work_t *out);
obol_rc store_delivery_list(store_t *store, core_arena_t *arena,
                            const char *shop_id, const char *event_id,
                            store_delivery_t **rows, size_t *count);
obol_rc store_tx_shop_get(store_tx_t *tx, core_arena_t *arena,
                          const char *shop_id, store_shop_t *out);
obol_rc store_tx_shop_insert(store_tx_t *tx, const store_shop_t *shop);
obol_rc store_tx_shop_update(store_tx_t *tx, const store_shop_t *shop);
obol_rc store_tx_key_insert(store_tx_t *tx, const store_key_t *key);
obol_rc store_tx_key_revoke(store_tx_t *tx, const char *key_id,
                            int64_t revoked_at);

#endif
