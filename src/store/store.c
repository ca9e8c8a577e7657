/* The storage interface: thin wrappers that dispatch to the backend. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

const char *const store_url_names[STORE_URL_COUNT] = {
  [STORE_URL_SUCCESS_REDIRECT] = "success_redirect",
  [STORE_URL_IN_PROGRESS_REDIRECT] = "in_progress_redirect",
  [STORE_URL_FAILURE_REDIRECT] = "failure_redirect",
  [STORE_URL_RETURN] = "return_url",
  [STORE_URL_CANCEL] = "cancel_url",
  [STORE_URL_CALLBACK] = "callback_url",
  [STORE_URL_NOTIFICATION] = "notification_url",
};

struct store {
  const store_ops_t *ops;
  void *backend;
};

obol_rc store_open(const char *location, store_t **out)
{
  store_t *store = calloc(1, sizeof(*store));
  obol_rc rc;

  if(!store)
    return OBOL_ERR_NOMEM;
  /* A PostgreSQL URL picks the libpq backend; anything else is a file. */
  store->ops = !strncmp(location, "postgres://", 11) ||
                       !strncmp(location, "postgresql://", 13)
                   ? &store_postgres_ops
                   : &store_sqlite_ops;
  rc = store->ops->open(store, location, &store->backend);
  if(rc) {
    free(store);
    return rc;
  }
  *out = store;
  return OBOL_OK;
}

void store_close(store_t *store)
{
  if(!store)
    return;
  store->ops->close(store->backend);
  free(store);
}

obol_rc store_migrate(store_t *store, int *applied)
{
  return store->ops->migrate(store->backend, applied);
}

obol_rc store_ping(store_t *store)
{
  return store->ops->ping(store->backend);
}

obol_rc store_claim(store_t *store)
{
  return store->ops->claim ? store->ops->claim(store->backend) : OBOL_OK;
}

const char *store_backend_name(const store_t *store)
{
  return store->ops->name;
}

obol_rc store_submit(store_t *store, store_apply_fn apply, store_done_fn done,
                     void *arg)
{
  return store->ops->submit(store->backend, apply, done, arg);
}

/* ---- synchronous writes: submit, then wait for the done callback ---- */
typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int finished;
  obol_rc rc;
  store_apply_fn apply;
  void *arg;
} store_waiter_t;

static obol_rc store_waiter_apply(store_tx_t *tx, void *arg)
{
  store_waiter_t *waiter = arg;
  return waiter->apply(tx, waiter->arg);
}

static void store_waiter_done(void *arg, obol_rc rc)
{
  store_waiter_t *waiter = arg;
  pthread_mutex_lock(&waiter->lock);
  waiter->rc = rc;
  waiter->finished = 1;
  pthread_cond_signal(&waiter->cond);
  pthread_mutex_unlock(&waiter->lock);
}

obol_rc store_write(store_t *store, store_apply_fn apply, void *arg)
{
  store_waiter_t waiter = {.apply = apply, .arg = arg};
  obol_rc rc;

  pthread_mutex_init(&waiter.lock, NULL);
  pthread_cond_init(&waiter.cond, NULL);
  rc = store_submit(store, store_waiter_apply, store_waiter_done, &waiter);
  if(!rc) {
    pthread_mutex_lock(&waiter.lock);
    while(!waiter.finished)
      pthread_cond_wait(&waiter.cond, &waiter.lock);
    pthread_mutex_unlock(&waiter.lock);
    rc = waiter.rc;
  }
  pthread_cond_destroy(&waiter.cond);
  pthread_mutex_destroy(&waiter.lock);
  return rc;
}

/* ---- reads on a pooled reader connection ---- */
#define STORE_READ(store, call)                                  \
  do {                                                           \
    store_conn_t *conn = (store)->ops->reader_acquire((store)->backend); \
    obol_rc read_rc;                                             \
    if(!conn)                                                    \
      return OBOL_ERR_STORE;                                     \
    read_rc = call;                                              \
    (store)->ops->reader_release((store)->backend, conn);        \
    return read_rc;                                              \
  } while(0)

obol_rc store_shop_get(store_t *store, core_arena_t *arena,
                       const char *shop_id, store_shop_t *out)
{
  STORE_READ(store, store->ops->shop_get(conn, arena, shop_id, out));
}

obol_rc store_shop_count(store_t *store, int64_t *count)
{
  STORE_READ(store, store->ops->shop_count(conn, count));
}

obol_rc store_key_find_by_hash(store_t *store, const char *secret_hash,
                               store_key_t *out)
{
  STORE_READ(store, store->ops->key_find_by_hash(conn, secret_hash, out));
}

obol_rc store_order_get(store_t *store, core_arena_t *arena,
                        const char *shop_id, const char *order_id,
                        store_order_t *out)
{
  STORE_READ(store,
             store->ops->order_get(conn, arena, shop_id, order_id, out));
}

obol_rc store_order_get_by_token(store_t *store, core_arena_t *arena,
                                 const char *shop_id, const char *token,
                                 store_order_t *out)
{
  STORE_READ(store, store->ops->order_get_by_token(conn, arena, shop_id,
                                                   token, out));
}

obol_rc store_order_list(store_t *store, core_arena_t *arena,
                         const store_order_query_t *query,
                         store_order_t **rows, size_t *count)
{
  STORE_READ(store, store->ops->order_list(conn, arena, query, rows, count));
}

obol_rc store_order_list_due(store_t *store, core_arena_t *arena, int64_t now,
                             int limit, store_order_t **rows, size_t *count)
{
  STORE_READ(store, store->ops->order_list_due(conn, arena, now, limit, rows,
                                               count));
}

obol_rc store_event_list(store_t *store, core_arena_t *arena,
                         const store_event_query_t *query,
                         store_event_t **rows, size_t *count)
{
  STORE_READ(store, store->ops->event_list(conn, arena, query, rows, count));
}

obol_rc store_idempotency_get(store_t *store, core_arena_t *arena,
                              const char *shop_id, const char *key,
                              store_idempotency_t *out)
{
  STORE_READ(store,
             store->ops->idempotency_get(conn, arena, shop_id, key, out));
}

/* ---- work inside a write transaction ---- */
obol_rc store_tx_order_list(store_tx_t *tx, core_arena_t *arena,
                            const store_order_query_t *query,
                            store_order_t **rows, size_t *count)
{
  return tx->store->ops->order_list(tx->conn, arena, query, rows, count);
}

obol_rc store_tx_order_get(store_tx_t *tx, core_arena_t *arena,
                           const char *shop_id, const char *order_id,
                           store_order_t *out)
{
  return tx->store->ops->order_get(tx->conn, arena, shop_id, order_id, out);
}

obol_rc store_tx_order_insert(store_tx_t *tx, const store_order_t *order)
{
  return tx->store->ops->order_insert(tx->conn, order);
}

obol_rc store_tx_order_update(store_tx_t *tx, const store_order_t *order)
{
  return tx->store->ops->order_update(tx->conn, order);
}

obol_rc store_tx_event_insert(store_tx_t *tx, const store_event_t *event)
{
  return tx->store->ops->event_insert(tx->conn, event);
}

obol_rc store_tx_idempotency_get(store_tx_t *tx, core_arena_t *arena,
                                 const char *shop_id, const char *key,
                                 store_idempotency_t *out)
{
  return tx->store->ops->idempotency_get(tx->conn, arena, shop_id, key, out);
}

obol_rc store_tx_idempotency_insert(store_tx_t *tx,
                                    const store_idempotency_t *record)
{
  return tx->store->ops->idempotency_insert(tx->conn, record);
}

obol_rc store_tx_idempotency_prune(store_tx_t *tx, int64_t before)
{
  return tx->store->ops->idempotency_prune(tx->conn, before);
}

obol_rc store_tx_node_heartbeat(store_tx_t *tx, const char *node_id,
                                int64_t now, int64_t before)
{
  return tx->store->ops->node_heartbeat(tx->conn, node_id, now, before);
}

obol_rc store_node_count(store_t *store, int64_t since, int64_t *count)
{
  STORE_READ(store, store->ops->node_count(conn, since, count));
}

obol_rc store_tx_shop_get(store_tx_t *tx, core_arena_t *arena,
                          const char *shop_id, store_shop_t *out)
{
  return tx->store->ops->shop_get(tx->conn, arena, shop_id, out);
}

obol_rc store_tx_shop_insert(store_tx_t *tx, const store_shop_t *shop)
{
  return tx->store->ops->shop_insert(tx->conn, shop);
}

obol_rc store_tx_shop_update(store_tx_t *tx, const store_shop_t *shop)
{
  return tx->store->ops->shop_update(tx->conn, shop);
}

obol_rc store_tx_key_insert(store_tx_t *tx, const store_key_t *key)
{
  return tx->store->ops->key_insert(tx->conn, key);
}

obol_rc store_tx_key_revoke(store_tx_t *tx, const char *key_id,
                            int64_t revoked_at)
{
  return tx->store->ops->key_revoke(tx->conn, key_id, revoked_at);
}

/* ---- webhook endpoints ---- */
obol_rc store_endpoint_get(store_t *store, core_arena_t *arena,
                           const char *shop_id, const char *endpoint_id,
                           store_endpoint_t *out)
{
  STORE_READ(store, store->ops->endpoint_get(conn, arena, shop_id,
                                             endpoint_id, out));
}

obol_rc store_endpoint_list(store_t *store, core_arena_t *arena,
                            const char *shop_id, store_endpoint_t **rows,
                            size_t *count)
{
  STORE_READ(store, store->ops->endpoint_list(conn, arena, shop_id, rows,
                                              count));
}

obol_rc store_tx_endpoint_get(store_tx_t *tx, core_arena_t *arena,
                              const char *shop_id, const char *endpoint_id,
                              store_endpoint_t *out)
{
  return tx->store->ops->endpoint_get(tx->conn, arena, shop_id, endpoint_id,
                                      out);
}

obol_rc store_tx_endpoint_insert(store_tx_t *tx,
                                 const store_endpoint_t *endpoint)
{
  return tx->store->ops->endpoint_insert(tx->conn, endpoint);
}

obol_rc store_tx_endpoint_update(store_tx_t *tx,
                                 const store_endpoint_t *endpoint)
{
  return tx->store->ops->endpoint_update(tx->conn, endpoint);
}

obol_rc store_tx_endpoint_delete(store_tx_t *tx, const char *shop_id,
                                 const char *endpoint_id)
{
  return tx->store->ops->endpoint_delete(tx->conn, shop_id, endpoint_id);
}

obol_rc store_tx_endpoint_list(store_tx_t *tx, core_arena_t *arena,
                               const char *shop_id, store_endpoint_t **rows,
                               size_t *count)
{
  return tx->store->ops->endpoint_list(tx->conn, arena, shop_id, rows, count);
}

/* ---- deliveries ---- */
obol_rc store_tx_delivery_insert(store_tx_t *tx,
                                 const store_delivery_t *delivery)
{
  return tx->store->ops->delivery_insert(tx->conn, delivery);
}

obol_rc store_tx_delivery_supersede(store_tx_t *tx, const char *shop_id,
                                    const char *order_id, const char *kind,
                                    int64_t now)
{
  return tx->store->ops->delivery_supersede(tx->conn, shop_id, order_id, kind,
                                            now);
}

obol_rc store_tx_delivery_due(store_tx_t *tx, core_arena_t *arena,
                              int64_t now, int limit,
                              char (**ids)[STORE_ID_MAX], size_t *count)
{
  return tx->store->ops->delivery_due(tx->conn, arena, now, limit, ids,
                                      count);
}

obol_rc store_tx_delivery_lease(store_tx_t *tx, const char *delivery_id,
                                int64_t lease_until)
{
  return tx->store->ops->delivery_lease(tx->conn, delivery_id, lease_until);
}

obol_rc store_tx_delivery_update(store_tx_t *tx,
                                 const store_delivery_t *delivery,
                                 const store_attempt_t *attempt)
{
  return tx->store->ops->delivery_update(tx->conn, delivery, attempt);
}

obol_rc store_delivery_work(store_t *store, core_arena_t *arena,
                            const char *delivery_id, store_work_t *out)
{
  STORE_READ(store, store->ops->delivery_work(conn, arena, delivery_id, out));
}

obol_rc store_delivery_list(store_t *store, core_arena_t *arena,
                            const char *shop_id, const char *event_id,
                            store_delivery_t **rows, size_t *count)
{
  STORE_READ(store, store->ops->delivery_list(conn, arena, shop_id, event_id,
                                              rows, count));
}

/* ---- transactions ---- */

obol_rc store_transaction_get(store_t *store, core_arena_t *arena,
                              const char *shop_id, const char *transaction_id,
                              store_transaction_t *out)
{
  STORE_READ(store, store->ops->transaction_get(conn, arena, shop_id,
                                                transaction_id, out));
}

obol_rc store_transaction_list(store_t *store, core_arena_t *arena,
                               const char *shop_id, const char *order_id,
                               store_transaction_t **rows, size_t *count)
{
  STORE_READ(store, store->ops->transaction_list(conn, arena, shop_id,
                                                 order_id, rows, count));
}

obol_rc store_transaction_list_due(store_t *store, core_arena_t *arena,
                                   int64_t now, int limit,
                                   store_transaction_t **rows, size_t *count)
{
  STORE_READ(store, store->ops->transaction_list_due(conn, arena, now, limit,
                                                     rows, count));
}

obol_rc store_tx_transaction_get(store_tx_t *tx, core_arena_t *arena,
                                 const char *shop_id,
                                 const char *transaction_id,
                                 store_transaction_t *out)
{
  return tx->store->ops->transaction_get(tx->conn, arena, shop_id,
                                         transaction_id, out);
}

obol_rc store_tx_transaction_list(store_tx_t *tx, core_arena_t *arena,
                                  const char *shop_id, const char *order_id,
                                  store_transaction_t **rows, size_t *count)
{
  return tx->store->ops->transaction_list(tx->conn, arena, shop_id, order_id,
                                          rows, count);
}

obol_rc store_tx_transaction_insert(store_tx_t *tx,
                                    const store_transaction_t *transaction)
{
  return tx->store->ops->transaction_insert(tx->conn, transaction);
}

obol_rc store_tx_transaction_update(store_tx_t *tx,
                                    const store_transaction_t *transaction)
{
  return tx->store->ops->transaction_update(tx->conn, transaction);
}
