/* Private to the store module: shared between its files, not its users. */
#ifndef OBOL_STORE_INTERNAL_H
#define OBOL_STORE_INTERNAL_H

#include <pthread.h>

#include "store.h"

/* A write job waiting for, or back from, a writer thread. */
typedef struct store_job {
  struct store_job *next;
  store_apply_fn apply;
  store_done_fn done;
  void *arg;
  obol_rc rc;
} store_job_t;

typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  store_job_t *head;
  store_job_t *tail;
  int stopping;
} store_queue_t;

void store_queue_init(store_queue_t *queue);
void store_queue_destroy(store_queue_t *queue);
/* Queues a new job; OBOL_ERR_SHUTDOWN once the queue is stopping. */
obol_rc store_queue_push(store_queue_t *queue, store_apply_fn apply,
                         store_done_fn done, void *arg);
/* Queues a list of jobs (linked by next). */
obol_rc store_queue_append(store_queue_t *queue, store_job_t *jobs);
/* Waits for jobs and takes up to max (0: all) as a NULL-terminated list;
 * NULL once the queue is stopping and empty: it drains first. */
store_job_t *store_queue_take(store_queue_t *queue, int max);
void store_queue_stop(store_queue_t *queue);
/* Runs each job's done callback with its rc, and frees the jobs. */
void store_jobs_finish(store_job_t *jobs);

/* A cache of order rows by id, for a backend with one writer process.
 *
 * Why it is safe: every write to an order goes through the writer, which
 * invalidates the order's slot after the transaction ends (before anyone is
 * told of the commit). A reader that missed takes the slot's generation
 * BEFORE reading the database and may fill the slot only if no invalidation
 * happened since, so a row read before a commit can never be cached after
 * it. Only the process serving the database writes orders (store_claim()
 * makes sure of that). */
typedef struct store_order_cache store_order_cache_t;

store_order_cache_t *store_order_cache_create(size_t slots);
void store_order_cache_destroy(store_order_cache_t *cache);
uint64_t store_order_cache_generation(store_order_cache_t *cache,
                                      const char *order_id);
/* 1 and *out (strings in arena) when the shop's order is cached. */
int store_order_cache_get(store_order_cache_t *cache, const char *shop_id,
                          const char *order_id, core_arena_t *arena,
                          store_order_t *out);
void store_order_cache_put(store_order_cache_t *cache,
                           const store_order_t *order, uint64_t generation);
void store_order_cache_invalidate(store_order_cache_t *cache,
                                  const char *order_id);

/* Every statement of the store (schema.c), with ?N parameters. Dialects:
 * SQLite runs them as written; PostgreSQL turns ?N into $N, BEGIN IMMEDIATE
 * into BEGIN, adds FOR UPDATE to the *_LOCK statements and FOR UPDATE SKIP
 * LOCKED to STORE_SQL_DELIVERY_DUE (nodes claim different deliveries). */
typedef enum {
  STORE_SQL_BEGIN,
  STORE_SQL_COMMIT,
  STORE_SQL_ROLLBACK,
  STORE_SQL_SAVEPOINT,
  STORE_SQL_ROLLBACK_TO,
  STORE_SQL_RELEASE,
  STORE_SQL_SHOP_GET,
  STORE_SQL_SHOP_LOCK,
  STORE_SQL_SHOP_COUNT,
  STORE_SQL_SHOP_INSERT,
  STORE_SQL_SHOP_UPDATE,
  STORE_SQL_KEY_BY_HASH,
  STORE_SQL_KEY_INSERT,
  STORE_SQL_KEY_REVOKE,
  STORE_SQL_ORDER_GET,
  STORE_SQL_ORDER_LOCK,
  STORE_SQL_ORDER_BY_TOKEN,
  STORE_SQL_ORDER_LIST,
  STORE_SQL_ORDER_LIST_STATUS,
  STORE_SQL_ORDER_LIST_REFERENCE,
  STORE_SQL_ORDER_LIST_KIND,
  STORE_SQL_ORDER_LIST_DUE,
  STORE_SQL_ORDER_INSERT,
  STORE_SQL_ORDER_UPDATE,
  STORE_SQL_EVENT_LIST,
  STORE_SQL_EVENT_GET,
  STORE_SQL_EVENT_PAGE,
  STORE_SQL_EVENT_INSERT,
  STORE_SQL_IDEMPOTENCY_GET,
  STORE_SQL_IDEMPOTENCY_INSERT,
  STORE_SQL_IDEMPOTENCY_PRUNE,
  STORE_SQL_ENDPOINT_GET,
  STORE_SQL_ENDPOINT_LOCK,
  STORE_SQL_ENDPOINT_LIST,
  STORE_SQL_ENDPOINT_INSERT,
  STORE_SQL_ENDPOINT_UPDATE,
  STORE_SQL_ENDPOINT_DELETE,
  STORE_SQL_DELIVERY_INSERT,
  STORE_SQL_DELIVERY_SUPERSEDE,
  STORE_SQL_DELIVERY_DUE,
  STORE_SQL_DELIVERY_LEASE,
  STORE_SQL_DELIVERY_WORK,
  STORE_SQL_DELIVERY_UPDATE,
  STORE_SQL_ATTEMPT_INSERT,
  STORE_SQL_DELIVERY_LIST,
  STORE_SQL_NODE_HEARTBEAT,
  STORE_SQL_NODE_COUNT,
  STORE_SQL_NODE_PRUNE,
  STORE_SQL_TRANSACTION_GET,
  STORE_SQL_TRANSACTION_LOCK,
  STORE_SQL_TRANSACTION_LIST,
  STORE_SQL_TRANSACTION_DUE,
  STORE_SQL_TRANSACTION_INSERT,
  STORE_SQL_TRANSACTION_UPDATE,
  STORE_SQL_MIGRATION_VERSION,
  STORE_SQL_MIGRATION_RECORD,
  STORE_SQL_COUNT
} store_sql_t;

extern const char *const store_sql[STORE_SQL_COUNT];
extern const char *const store_migrations[];
extern const int store_migration_count;

#endif
