/* Durable writes per second: SQLite committing each insert on its own
 * (the raw single-commit rate) against Obol's group-commit writer with
 * many concurrent writers, both on this machine in one run.
 *
 * usage: store_bench DIR [SECONDS] [WRITERS] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../src/order/order.h"
#include "../src/store/store.h"

static double bench_seconds = 3;
static atomic_long bench_counter;
static atomic_int bench_stop;

static obol_rc insert_apply(store_tx_t *tx, void *arg)
{
  store_shop_t shop;
  (void)arg;
  memset(&shop, 0, sizeof(shop));
  if(core_id_new("shop", shop.id, sizeof(shop.id)))
    return OBOL_ERR_CRYPTO;
  shop.name = "bench";
  shop.created_at = shop.updated_at = core_now_ms();
  return store_tx_shop_insert(tx, &shop);
}


static int migrated_store(const char *path, store_t **store)
{
  unlink(path);
  return store_open(path, store) || store_migrate(*store, NULL);
}

/* The baseline: one INSERT per transaction, WAL + synchronous=FULL. */
static double bench_single_commit(const char *path)
{
  store_t *store;
  sqlite3 *db;
  sqlite3_stmt *stmt;
  long count = 0;
  int64_t start, end;

  if(migrated_store(path, &store))
    return -1;
  store_close(store);
  sqlite3_open(path, &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL,
               NULL, NULL);
  sqlite3_prepare_v2(db, "INSERT INTO shops (id, name, created_at, "
                     "updated_at) VALUES (?1, 'bench', ?2, ?2)", -1, &stmt,
                     NULL);
  start = core_monotonic_ns();
  end = start + (int64_t)(bench_seconds * 1e9);
  while(core_monotonic_ns() < end) {
    char id[64];
    core_id_new("shop", id, sizeof(id));
    sqlite3_bind_text(stmt, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 2, core_now_ms());
    if(sqlite3_step(stmt) != SQLITE_DONE)
      return -1;
    sqlite3_reset(stmt);
    count++;
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return (double)count / ((double)(core_monotonic_ns() - start) / 1e9);
}

static void *writer_main(void *arg)
{
  store_t *store = arg;
  while(!atomic_load(&bench_stop)) {
    if(store_write(store, insert_apply, NULL))
      return (void *)1;
    atomic_fetch_add(&bench_counter, 1);
  }
  return NULL;
}

static obol_rc shop_apply(store_tx_t *tx, void *arg)
{
  store_shop_t shop;
  memset(&shop, 0, sizeof(shop));
  snprintf(shop.id, sizeof(shop.id), "%s", (const char *)arg);
  shop.name = "bench";
  return store_tx_shop_insert(tx, &shop);
}

/* Orders committed one at a time by SQLite itself, no Obol in between:
 * the single-commit rate of the rows POST /v1/orders writes (an order and
 * its first event, the same sizes, into the same indexed tables). */
static double bench_single_order_commit(const char *path)
{
  store_t *store;
  sqlite3 *db;
  sqlite3_stmt *order_stmt, *event_stmt;
  core_arena_t *arena = core_arena_create(1 << 16);
  long count = 0;
  int64_t start, end;

  if(migrated_store(path, &store) ||
     store_write(store, shop_apply, "shop_bench"))
    return -1;
  store_close(store);
  sqlite3_open(path, &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL,
               NULL, NULL);
  sqlite3_prepare_v2(db,
      "INSERT INTO orders (id, shop_id, token, status, currency, amount, "
      "initial_amount, surcharge_amount, merchant_reference, test, "
      "capture_manual, max_payment_attempts, failed_attempts, event_sequence, "
      "created_at, updated_at, details, language) VALUES (?1, ?2, ?3, "
      "'issued', 'EUR', 1500, 1500, 0, 'bench', 1, 0, 0, 0, 1, ?4, ?4, '{}', "
      "'en')", -1, &order_stmt, NULL);
  sqlite3_prepare_v2(db,
      "INSERT INTO events (id, shop_id, order_id, sequence, type, created_at, "
      "data) VALUES (?1, ?2, ?3, 1, 'order.issued', ?4, ?5)", -1, &event_stmt,
      NULL);
  start = core_monotonic_ns();
  end = start + (int64_t)(bench_seconds * 1e9);
  while(core_monotonic_ns() < end) {
    store_order_t order;
    store_event_t event;
    unsigned char raw[32];

    memset(&order, 0, sizeof(order));
    snprintf(order.shop_id, sizeof(order.shop_id), "shop_bench");
    core_id_new("ord", order.id, sizeof(order.id));
    core_random_bytes(raw, sizeof(raw));
    core_hex_encode(raw, sizeof(raw), order.token);
    snprintf(order.currency, sizeof(order.currency), "EUR");
    snprintf(order.language, sizeof(order.language), "en");
    order.merchant_reference = "bench";
    order.amount = order.initial_amount = 1500;
    order.test = 1;
    order.details = "{}";
    if(order_prepare(arena, &order, core_now_ms(), &event))
      return -1;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    sqlite3_bind_text(order_stmt, 1, order.id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(order_stmt, 2, order.shop_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(order_stmt, 3, order.token, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(order_stmt, 4, order.created_at);
    sqlite3_bind_text(event_stmt, 1, event.id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(event_stmt, 2, event.shop_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(event_stmt, 3, event.order_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(event_stmt, 4, event.created_at);
    sqlite3_bind_text(event_stmt, 5, event.data, -1, SQLITE_TRANSIENT);
    if(sqlite3_step(order_stmt) != SQLITE_DONE ||
       sqlite3_step(event_stmt) != SQLITE_DONE ||
       sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
      return -1;
    sqlite3_reset(order_stmt);
    sqlite3_reset(event_stmt);
    count++;
  }
  sqlite3_finalize(order_stmt);
  sqlite3_finalize(event_stmt);
  sqlite3_close(db);
  core_arena_destroy(arena);
  return (double)count / ((double)(core_monotonic_ns() - start) / 1e9);
}

/* Obol: `writers` threads, each waiting for its own write to be durable. */
static double bench_group_commit(const char *path, int writers)
{
  pthread_t threads[1024];
  store_t *store;
  int64_t start;
  double elapsed;
  int i, failed = 0;

  if(migrated_store(path, &store))
    return -1;
  atomic_store(&bench_counter, 0);
  atomic_store(&bench_stop, 0);
  start = core_monotonic_ns();
  for(i = 0; i < writers; i++)
    pthread_create(&threads[i], NULL, writer_main, store);
  usleep((useconds_t)(bench_seconds * 1e6));
  atomic_store(&bench_stop, 1);
  for(i = 0; i < writers; i++) {
    void *result;
    pthread_join(threads[i], &result);
    failed |= result != NULL;
  }
  elapsed = (double)(core_monotonic_ns() - start) / 1e9;
  store_close(store);
  return failed ? -1 : (double)atomic_load(&bench_counter) / elapsed;
}

int main(int argc, char **argv)
{
  char single_path[512], group_path[512], order_path[512];
  int writers = argc > 3 ? atoi(argv[3]) : 64;
  double single, group, single_order;

  if(argc < 2) {
    fprintf(stderr, "usage: store_bench DIR [SECONDS] [WRITERS]\n");
    return 2;
  }
  if(argc > 2)
    bench_seconds = atof(argv[2]);
  if(writers < 1 || writers > 1024)
    writers = 64;
  snprintf(single_path, sizeof(single_path), "%s/single.db", argv[1]);
  snprintf(group_path, sizeof(group_path), "%s/group.db", argv[1]);
  snprintf(order_path, sizeof(order_path), "%s/orders.db", argv[1]);
  single = bench_single_commit(single_path);
  group = bench_group_commit(group_path, writers);
  single_order = bench_single_order_commit(order_path);
  if(single <= 0 || group <= 0 || single_order <= 0) {
    fprintf(stderr, "store_bench: a run failed\n");
    return 1;
  }
  printf("sqlite single-commit inserts/s:        %10.0f\n", single);
  printf("obol group-commit writes/s (%4d writers): %7.0f\n", writers, group);
  printf("group-commit ratio: %.2fx (target >= 3x)\n", group / single);
  printf("sqlite single-commit order writes/s:   %10.0f\n", single_order);
  return 0;
}
