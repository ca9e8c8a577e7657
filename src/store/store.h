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

typedef obol_rc (*store_apply_fn)(store_tx_t *tx, void *arg);
typedef void (*store_done_fn)(void *arg, obol_rc rc);

typedef struct store_ops {
  const char *name;
  /* store is kept by the backend to build the store_tx_t it hands to jobs. */
  obol_rc (*open)(store_t *store, const char *location, void **backend);
  void (*close)(void *backend); /* drains queued writes first */
  obol_rc (*migrate)(void *backend, int *applied);
  obol_rc (*ping)(void *backend);
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

  /* Writes: conn is always the connection of a write transaction. */
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

/* Opens the backend named by location: a file path (SQLite) for now. */
obol_rc store_open(const char *location, store_t **out);
void store_close(store_t *store);
obol_rc store_migrate(store_t *store, int *applied);
obol_rc store_ping(store_t *store);
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

obol_rc store_tx_shop_get(store_tx_t *tx, core_arena_t *arena,
                          const char *shop_id, store_shop_t *out);
obol_rc store_tx_shop_insert(store_tx_t *tx, const store_shop_t *shop);
obol_rc store_tx_shop_update(store_tx_t *tx, const store_shop_t *shop);
obol_rc store_tx_key_insert(store_tx_t *tx, const store_key_t *key);
obol_rc store_tx_key_revoke(store_tx_t *tx, const char *key_id,
                            int64_t revoked_at);

#endif
