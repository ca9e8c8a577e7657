/* The SQLite backend: WAL, synchronous=FULL, one writer thread doing group
 * commit, a pool of reader connections, cached prepared statements. */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>
#include <string.h>

#include <sqlite3.h>

#include "internal.h"

#define SQLITE_BUSY_TIMEOUT_MS 5000
#define SQLITE_BATCH_MAX 1024 /* jobs per group commit */
#define SQLITE_READER_STRIPES 8
#define SQLITE_ORDER_CACHE_SLOTS 16384 /* rows of <= 4 KiB: <= 64 MiB */

struct store_conn {
  sqlite3 *db;
  sqlite3_stmt *stmts[STORE_SQL_COUNT];
  struct store_conn *next_free;
  struct sqlite_backend *backend;
  int writer;
};


typedef struct sqlite_backend {
  store_t *store;
  char *path;
  int claim_fd;                      /* flock held while serving, or -1 */
  store_order_cache_t *orders_cache;
  /* orders the current batch wrote: their cache slots are invalidated
   * once the batch has committed or rolled back (writer thread only) */
  char (*dirty)[STORE_ID_MAX];
  size_t dirty_count;
  size_t dirty_capacity;
  store_conn_t *writer;
  pthread_t writer_thread;
  store_queue_t jobs;
  /* Idle reader connections, in stripes so threads rarely share a lock. */
  pthread_mutex_t readers_lock[SQLITE_READER_STRIPES];
  store_conn_t *readers_free[SQLITE_READER_STRIPES];
  /* Committed batches wait here for their done callbacks, which run on a
   * thread of their own so the writer goes straight on to the next batch. */
  pthread_t completer_thread;
  store_queue_t completed;
} sqlite_backend_t;

/* ---- connections and statements ---- */

static void sqlite_conn_close(store_conn_t *conn)
{
  int i;
  if(!conn)
    return;
  for(i = 0; i < STORE_SQL_COUNT; i++)
    sqlite3_finalize(conn->stmts[i]);
  sqlite3_close(conn->db);
  free(conn);
}

static obol_rc sqlite_conn_open(sqlite_backend_t *backend, int writer,
                                store_conn_t **out)
{
  const char *path = backend->path;
  store_conn_t *conn = calloc(1, sizeof(*conn));
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  /* mmap: readers map pages instead of copying them in again after every
   * commit of the writer (WAL invalidates their page caches). */
  const char *pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        " PRAGMA foreign_keys=ON; PRAGMA mmap_size=1073741824;"
                        " PRAGMA cache_size=-65536;";

  if(!conn)
    return OBOL_ERR_NOMEM;
  conn->backend = backend;
  conn->writer = writer;
  if(writer)
    flags |= SQLITE_OPEN_CREATE;
  if(sqlite3_open_v2(path, &conn->db, flags, NULL) != SQLITE_OK)
    goto fail;
  sqlite3_busy_timeout(conn->db, SQLITE_BUSY_TIMEOUT_MS);
  if(sqlite3_exec(conn->db, pragmas, NULL, NULL, NULL) != SQLITE_OK)
    goto fail;
  *out = conn;
  return OBOL_OK;
fail:
  core_log(CORE_LOG_ERROR, "store.open", "%s: %s", path,
           conn->db ? sqlite3_errmsg(conn->db) : "cannot open");
  sqlite_conn_close(conn);
  return OBOL_ERR_STORE;
}

/* Returns the connection's prepared statement `which`, reset and unbound. */
static sqlite3_stmt *sqlite_stmt(store_conn_t *conn, int which)
{
  sqlite3_stmt *stmt = conn->stmts[which];
  if(stmt) {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return stmt;
  }
  if(sqlite3_prepare_v3(conn->db, store_sql[which], -1,
                        SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
    core_log(CORE_LOG_ERROR, "store.prepare", "%s",
             sqlite3_errmsg(conn->db));
    return NULL;
  }
  conn->stmts[which] = stmt;
  return stmt;
}

/* Runs a statement that returns no rows. */
static obol_rc sqlite_step_done(store_conn_t *conn, sqlite3_stmt *stmt)
{
  int result = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  if(result == SQLITE_DONE)
    return OBOL_OK;
  if(result == SQLITE_CONSTRAINT)
    return OBOL_ERR_CONFLICT;
  core_log(CORE_LOG_ERROR, "store.step", "%s", sqlite3_errmsg(conn->db));
  return OBOL_ERR_STORE;
}

/* Steps a single-row query: OBOL_OK with the row to read (the caller then
 * resets), or NOT_FOUND / STORE with the statement already reset. */
static obol_rc sqlite_step_row(store_conn_t *conn, sqlite3_stmt *stmt)
{
  int result = sqlite3_step(stmt);

  if(result == SQLITE_ROW)
    return OBOL_OK;
  sqlite3_reset(stmt);
  if(result == SQLITE_DONE)
    return OBOL_ERR_NOT_FOUND;
  core_log(CORE_LOG_ERROR, "store.step", "%s", sqlite3_errmsg(conn->db));
  return OBOL_ERR_STORE;
}

static obol_rc sqlite_run(store_conn_t *conn, int which)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, which);
  if(!stmt)
    return OBOL_ERR_STORE;
  return sqlite_step_done(conn, stmt);
}

static void sqlite_bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
  if(text)
    sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(stmt, index);
}

static const char *sqlite_column_text(sqlite3_stmt *stmt, int column,
                                      core_arena_t *arena)
{
  const unsigned char *text = sqlite3_column_text(stmt, column);
  if(!text)
    return NULL;
  return core_arena_strndup(arena, (const char *)text,
                            (size_t)sqlite3_column_bytes(stmt, column));
}

static void sqlite_copy_column(sqlite3_stmt *stmt, int column, char *out,
                               size_t out_size)
{
  const unsigned char *text = sqlite3_column_text(stmt, column);
  size_t len = text ? (size_t)sqlite3_column_bytes(stmt, column) : 0;
  if(len >= out_size)
    len = out_size - 1;
  if(len)
    memcpy(out, text, len);
  out[len] = '\0';
}

/* ---- the writer thread: group commit ---- */

/* Runs every job of the batch in one transaction, each under a savepoint. */
static void sqlite_run_batch(sqlite_backend_t *backend, store_job_t *jobs)
{
  store_conn_t *conn = backend->writer;
  store_tx_t tx = {backend->store, conn};
  store_job_t *job;
  obol_rc rc = sqlite_run(conn, STORE_SQL_BEGIN);

  for(job = jobs; job; job = job->next) {
    job->rc = rc;
    if(rc)
      continue;
    job->rc = sqlite_run(conn, STORE_SQL_SAVEPOINT);
    if(!job->rc)
      job->rc = job->apply(&tx, job->arg);
    if(job->rc)
      sqlite_run(conn, STORE_SQL_ROLLBACK_TO);
    sqlite_run(conn, STORE_SQL_RELEASE);
    /* Some errors (disk full, I/O) roll the whole transaction back: then
     * nothing of the batch holds, and nothing after may run outside it. */
    if(sqlite3_get_autocommit(conn->db))
      rc = OBOL_ERR_STORE;
  }
  if(!rc)
    rc = sqlite_run(conn, STORE_SQL_COMMIT);
  if(rc) {
    if(!sqlite3_get_autocommit(conn->db))
      sqlite_run(conn, STORE_SQL_ROLLBACK);
    for(job = jobs; job; job = job->next)
      job->rc = OBOL_ERR_STORE;
  }
  /* Before anyone hears of the commit, no cached row may predate it. */
  for(size_t i = 0; i < backend->dirty_count; i++)
    store_order_cache_invalidate(backend->orders_cache, backend->dirty[i]);
  backend->dirty_count = 0;
  if(store_queue_append(&backend->completed, jobs))
    store_jobs_finish(jobs); /* cannot happen while writing; never lose one */
}

/* Runs the done callbacks of committed (or failed) jobs, in order. */
static void *sqlite_completer_main(void *arg)
{
  sqlite_backend_t *backend = arg;
  store_job_t *jobs;

  while((jobs = store_queue_take(&backend->completed, 0)))
    store_jobs_finish(jobs);
  return NULL;
}

static void *sqlite_writer_main(void *arg)
{
  sqlite_backend_t *backend = arg;
  store_job_t *batch;

  while((batch = store_queue_take(&backend->jobs, SQLITE_BATCH_MAX)))
    sqlite_run_batch(backend, batch);
  store_queue_stop(&backend->completed); /* its thread drains, then ends */
  return NULL;
}

static obol_rc sqlite_submit(void *handle, store_apply_fn apply,
                             store_done_fn done, void *arg)
{
  sqlite_backend_t *backend = handle;
  return store_queue_push(&backend->jobs, apply, done, arg);
}

/* ---- open, close, migrate, ping ---- */

static void sqlite_close(void *handle)
{
  sqlite_backend_t *backend = handle;
  store_conn_t *conn;

  if(!backend)
    return;
  store_queue_stop(&backend->jobs);
  pthread_join(backend->writer_thread, NULL); /* drains the queue first */
  pthread_join(backend->completer_thread, NULL);
  sqlite_conn_close(backend->writer);
  for(int i = 0; i < SQLITE_READER_STRIPES; i++) {
    while((conn = backend->readers_free[i])) {
      backend->readers_free[i] = conn->next_free;
      sqlite_conn_close(conn);
    }
    pthread_mutex_destroy(&backend->readers_lock[i]);
  }
  store_queue_destroy(&backend->jobs);
  store_queue_destroy(&backend->completed);
  store_order_cache_destroy(backend->orders_cache);
  free(backend->dirty);
  if(backend->claim_fd >= 0)
    close(backend->claim_fd);
  free(backend->path);
  free(backend);
}

static obol_rc sqlite_open(store_t *store, const char *location,
                           void **out)
{
  sqlite_backend_t *backend = calloc(1, sizeof(*backend));
  obol_rc rc;

  if(!backend)
    return OBOL_ERR_NOMEM;
  backend->store = store;
  backend->path = strdup(location);
  store_queue_init(&backend->jobs);
  store_queue_init(&backend->completed);
  for(int i = 0; i < SQLITE_READER_STRIPES; i++)
    pthread_mutex_init(&backend->readers_lock[i], NULL);
  if(!backend->path) {
    rc = OBOL_ERR_NOMEM;
    goto fail;
  }
  backend->claim_fd = -1;
  backend->orders_cache = store_order_cache_create(SQLITE_ORDER_CACHE_SLOTS);
  if(!backend->orders_cache) {
    rc = OBOL_ERR_NOMEM;
    goto fail;
  }
  rc = sqlite_conn_open(backend, 1, &backend->writer);
  if(rc)
    goto fail;
  if(pthread_create(&backend->completer_thread, NULL, sqlite_completer_main,
                    backend)) {
    rc = OBOL_ERR_IO;
    goto fail;
  }
  if(pthread_create(&backend->writer_thread, NULL, sqlite_writer_main,
                    backend)) {
    store_queue_stop(&backend->completed);
    pthread_join(backend->completer_thread, NULL);
    rc = OBOL_ERR_IO;
    goto fail;
  }
  *out = backend;
  return OBOL_OK;
fail:
  sqlite_conn_close(backend->writer);
  store_order_cache_destroy(backend->orders_cache);
  free(backend->path);
  free(backend);
  return rc;
}

typedef struct {
  int applied;
} sqlite_migrate_t;

static obol_rc sqlite_migrate_apply(store_tx_t *tx, void *arg)
{
  sqlite_migrate_t *migrate = arg;
  store_conn_t *conn = tx->conn;
  sqlite3_stmt *stmt;
  int version = 0;
  int next;

  if(sqlite3_exec(conn->db,
                  "CREATE TABLE IF NOT EXISTS schema_migrations ("
                  " version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
                  NULL, NULL, NULL) != SQLITE_OK)
    return OBOL_ERR_STORE;
  stmt = sqlite_stmt(conn, STORE_SQL_MIGRATION_VERSION);
  if(!stmt || sqlite3_step(stmt) != SQLITE_ROW)
    return OBOL_ERR_STORE;
  version = sqlite3_column_int(stmt, 0);
  sqlite3_reset(stmt);
  for(next = version + 1; next <= store_migration_count; next++) {
    char *error = NULL;
    if(sqlite3_exec(conn->db, store_migrations[next - 1], NULL, NULL,
                    &error) != SQLITE_OK) {
      core_log(CORE_LOG_ERROR, "store.migrate", "migration %d: %s", next,
               error ? error : "failed");
      sqlite3_free(error);
      return OBOL_ERR_STORE;
    }
    stmt = sqlite_stmt(conn, STORE_SQL_MIGRATION_RECORD);
    if(!stmt)
      return OBOL_ERR_STORE;
    sqlite3_bind_int(stmt, 1, next);
    sqlite3_bind_int64(stmt, 2, core_now_ms());
    if(sqlite_step_done(conn, stmt))
      return OBOL_ERR_STORE;
    migrate->applied++;
  }
  return OBOL_OK;
}

static obol_rc sqlite_migrate(void *handle, int *applied)
{
  sqlite_backend_t *backend = handle;
  sqlite_migrate_t migrate = {0};
  obol_rc rc = store_write(backend->store, sqlite_migrate_apply, &migrate);
  if(applied)
    *applied = migrate.applied;
  return rc;
}

/* Each thread keeps to one stripe of the reader pool, so its connection
 * (with its warm statement cache) usually comes back to it. */
static int sqlite_reader_stripe(void)
{
  static atomic_int next_stripe;
  static __thread int stripe = -1;
  if(stripe < 0)
    stripe = atomic_fetch_add(&next_stripe, 1) % SQLITE_READER_STRIPES;
  return stripe;
}

static store_conn_t *sqlite_reader_acquire(void *handle)
{
  sqlite_backend_t *backend = handle;
  int stripe = sqlite_reader_stripe();
  store_conn_t *conn;

  pthread_mutex_lock(&backend->readers_lock[stripe]);
  conn = backend->readers_free[stripe];
  if(conn)
    backend->readers_free[stripe] = conn->next_free;
  pthread_mutex_unlock(&backend->readers_lock[stripe]);
  if(!conn && sqlite_conn_open(backend, 0, &conn))
    return NULL;
  return conn;
}

static void sqlite_reader_release(void *handle, store_conn_t *conn)
{
  sqlite_backend_t *backend = handle;
  int stripe = sqlite_reader_stripe();

  pthread_mutex_lock(&backend->readers_lock[stripe]);
  conn->next_free = backend->readers_free[stripe];
  backend->readers_free[stripe] = conn;
  pthread_mutex_unlock(&backend->readers_lock[stripe]);
}

static obol_rc sqlite_shop_count(store_conn_t *conn, int64_t *count)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_SHOP_COUNT);
  obol_rc rc = OBOL_ERR_STORE;

  if(stmt && sqlite3_step(stmt) == SQLITE_ROW) {
    *count = sqlite3_column_int64(stmt, 0);
    rc = OBOL_OK;
  }
  if(stmt)
    sqlite3_reset(stmt);
  return rc;
}

static obol_rc sqlite_ping(void *handle)
{
  sqlite_backend_t *backend = handle;
  store_conn_t *conn = sqlite_reader_acquire(backend);
  int64_t count;
  obol_rc rc;

  if(!conn)
    return OBOL_ERR_STORE;
  rc = sqlite_shop_count(conn, &count);
  sqlite_reader_release(backend, conn);
  return rc;
}

/* ---- shops ---- */

static obol_rc sqlite_shop_get(store_conn_t *conn, core_arena_t *arena,
                               const char *shop_id, store_shop_t *out)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_SHOP_GET);
  obol_rc rc;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, shop_id);
  rc = sqlite_step_row(conn, stmt);
  if(rc)
    return rc;
  memset(out, 0, sizeof(*out));
  sqlite_copy_column(stmt, 0, out->id, sizeof(out->id));
  out->name = sqlite_column_text(stmt, 1, arena);
  out->default_currency = sqlite_column_text(stmt, 2, arena);
  out->default_language = sqlite_column_text(stmt, 3, arena);
  out->allowed_redirect_hosts = sqlite_column_text(stmt, 4, arena);
  out->url = sqlite_column_text(stmt, 5, arena);
  out->country = sqlite_column_text(stmt, 6, arena);
  out->contact_email = sqlite_column_text(stmt, 7, arena);
  out->contact_phone = sqlite_column_text(stmt, 8, arena);
  out->created_at = sqlite3_column_int64(stmt, 9);
  out->updated_at = sqlite3_column_int64(stmt, 10);
  out->brands = sqlite_column_text(stmt, 11, arena);
  out->surcharge = sqlite_column_text(stmt, 12, arena);
  out->payment_methods = sqlite_column_text(stmt, 13, arena);
  out->affiliate_html = sqlite_column_text(stmt, 14, arena);
  out->signing_secret = sqlite_column_text(stmt, 15, arena);
  out->notification_key = sqlite_column_text(stmt, 16, arena);
  out->ecwid = sqlite_column_text(stmt, 17, arena);
  sqlite3_reset(stmt);
  if(!out->name || !out->allowed_redirect_hosts || !out->brands ||
     !out->payment_methods)
    return OBOL_ERR_NOMEM;
  return OBOL_OK;
}

static obol_rc sqlite_shop_write(store_conn_t *conn, int which,
                                 const store_shop_t *shop)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, which);

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, shop->id);
  sqlite_bind_text(stmt, 2, shop->name);
  sqlite_bind_text(stmt, 3, shop->default_currency);
  sqlite_bind_text(stmt, 4, shop->default_language);
  sqlite_bind_text(stmt, 5, shop->allowed_redirect_hosts
                                ? shop->allowed_redirect_hosts : "[]");
  sqlite_bind_text(stmt, 6, shop->url);
  sqlite_bind_text(stmt, 7, shop->country);
  sqlite_bind_text(stmt, 8, shop->contact_email);
  sqlite_bind_text(stmt, 9, shop->contact_phone);
  sqlite3_bind_int64(stmt, 10, shop->created_at);
  sqlite3_bind_int64(stmt, 11, shop->updated_at);
  sqlite_bind_text(stmt, 12, shop->brands ? shop->brands
                                          : "[\"visa\",\"master\",\"amex\"]");
  sqlite_bind_text(stmt, 13, shop->surcharge);
  sqlite_bind_text(stmt, 14, shop->payment_methods ? shop->payment_methods
                                                   : STORE_METHODS_DEFAULT);
  sqlite_bind_text(stmt, 15, shop->affiliate_html);
  sqlite_bind_text(stmt, 16, shop->signing_secret);
  sqlite_bind_text(stmt, 17, shop->notification_key);
  sqlite_bind_text(stmt, 18, shop->ecwid);
  return sqlite_step_done(conn, stmt);
}

static obol_rc sqlite_shop_insert(store_conn_t *conn,
                                  const store_shop_t *shop)
{
  return sqlite_shop_write(conn, STORE_SQL_SHOP_INSERT, shop);
}

static obol_rc sqlite_shop_update(store_conn_t *conn,
                                  const store_shop_t *shop)
{
  obol_rc rc = sqlite_shop_write(conn, STORE_SQL_SHOP_UPDATE, shop);
  if(!rc && sqlite3_changes(conn->db) == 0)
    rc = OBOL_ERR_NOT_FOUND;
  return rc;
}

/* ---- API keys ---- */

static obol_rc sqlite_key_find_by_hash(store_conn_t *conn,
                                       const char *secret_hash,
                                       store_key_t *out)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_KEY_BY_HASH);
  obol_rc rc;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, secret_hash);
  rc = sqlite_step_row(conn, stmt);
  if(rc)
    return rc;
  memset(out, 0, sizeof(*out));
  sqlite_copy_column(stmt, 0, out->id, sizeof(out->id));
  sqlite_copy_column(stmt, 1, out->shop_id, sizeof(out->shop_id));
  sqlite_copy_column(stmt, 2, out->secret_hash, sizeof(out->secret_hash));
  sqlite_copy_column(stmt, 3, out->prefix, sizeof(out->prefix));
  out->live = sqlite3_column_int(stmt, 4);
  out->created_at = sqlite3_column_int64(stmt, 5);
  out->revoked_at = sqlite3_column_int64(stmt, 6);
  sqlite3_reset(stmt);
  return OBOL_OK;
}

static obol_rc sqlite_key_insert(store_conn_t *conn, const store_key_t *key)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_KEY_INSERT);

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, key->id);
  sqlite_bind_text(stmt, 2, key->shop_id);
  sqlite_bind_text(stmt, 3, key->secret_hash);
  sqlite_bind_text(stmt, 4, key->prefix);
  sqlite3_bind_int(stmt, 5, key->live);
  sqlite3_bind_int64(stmt, 6, key->created_at);
  return sqlite_step_done(conn, stmt);
}

static obol_rc sqlite_key_revoke(store_conn_t *conn, const char *key_id,
                                 int64_t revoked_at)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_KEY_REVOKE);
  obol_rc rc;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, key_id);
  sqlite3_bind_int64(stmt, 2, revoked_at);
  rc = sqlite_step_done(conn, stmt);
  if(!rc && sqlite3_changes(conn->db) == 0)
    rc = OBOL_ERR_NOT_FOUND;
  return rc;
}

/* ---- orders ---- */

static void sqlite_bind_time(sqlite3_stmt *stmt, int index, int64_t ms)
{
  if(ms)
    sqlite3_bind_int64(stmt, index, ms);
  else
    sqlite3_bind_null(stmt, index);
}

static obol_rc sqlite_order_read(sqlite3_stmt *stmt, core_arena_t *arena,
                                 store_order_t *out)
{
  memset(out, 0, sizeof(*out));
  sqlite_copy_column(stmt, 0, out->id, sizeof(out->id));
  sqlite_copy_column(stmt, 1, out->shop_id, sizeof(out->shop_id));
  sqlite_copy_column(stmt, 2, out->token, sizeof(out->token));
  sqlite_copy_column(stmt, 3, out->status, sizeof(out->status));
  sqlite_copy_column(stmt, 4, out->currency, sizeof(out->currency));
  out->amount = sqlite3_column_int64(stmt, 5);
  out->initial_amount = sqlite3_column_int64(stmt, 6);
  out->surcharge_amount = sqlite3_column_int64(stmt, 7);
  out->merchant_reference = sqlite_column_text(stmt, 8, arena);
  out->test = sqlite3_column_int(stmt, 9);
  out->capture_manual = sqlite3_column_int(stmt, 10);
  out->max_payment_attempts = sqlite3_column_int(stmt, 11);
  out->failed_attempts = sqlite3_column_int(stmt, 12);
  out->due_at = sqlite3_column_int64(stmt, 13);
  out->expires_at = sqlite3_column_int64(stmt, 14);
  out->deadline_at = sqlite3_column_int64(stmt, 15);
  out->event_sequence = sqlite3_column_int64(stmt, 16);
  out->created_at = sqlite3_column_int64(stmt, 17);
  out->updated_at = sqlite3_column_int64(stmt, 18);
  out->details = sqlite_column_text(stmt, 19, arena);
  for(int i = 0; i < STORE_URL_COUNT; i++)
    out->urls[i] = sqlite_column_text(stmt, 20 + i, arena);
  sqlite_copy_column(stmt, 20 + STORE_URL_COUNT, out->language,
                     sizeof(out->language));
  out->captured_amount = sqlite3_column_int64(stmt, 21 + STORE_URL_COUNT);
  out->refunded_amount = sqlite3_column_int64(stmt, 22 + STORE_URL_COUNT);
  sqlite_copy_column(stmt, 23 + STORE_URL_COUNT, out->kind, sizeof(out->kind));
  return out->details ? OBOL_OK : OBOL_ERR_NOMEM;
}

/* Steps a bound single-row query into out. */
static obol_rc sqlite_order_one(store_conn_t *conn, sqlite3_stmt *stmt,
                                core_arena_t *arena, store_order_t *out)
{
  obol_rc rc = sqlite_step_row(conn, stmt);

  if(rc)
    return rc;
  rc = sqlite_order_read(stmt, arena, out);
  sqlite3_reset(stmt);
  return rc;
}

/* Readers go through the order cache; the writer always reads the table,
 * since its transaction may hold changes nobody else sees yet. */
static obol_rc sqlite_order_get(store_conn_t *conn, core_arena_t *arena,
                                const char *shop_id, const char *order_id,
                                store_order_t *out)
{
  store_order_cache_t *cache = conn->writer ? NULL
                                            : conn->backend->orders_cache;
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_ORDER_GET);
  uint64_t generation = 0;
  obol_rc rc;

  if(cache) {
    if(store_order_cache_get(cache, shop_id, order_id, arena, out))
      return OBOL_OK;
    generation = store_order_cache_generation(cache, order_id);
  }
  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, shop_id);
  sqlite_bind_text(stmt, 2, order_id);
  rc = sqlite_order_one(conn, stmt, arena, out);
  if(!rc && cache)
    store_order_cache_put(cache, out, generation);
  return rc;
}

/* Remembers an order the writer changed, for the cache. */
static obol_rc sqlite_order_dirty(store_conn_t *conn, const char *order_id)
{
  sqlite_backend_t *backend = conn->backend;

  if(backend->dirty_count == backend->dirty_capacity) {
    size_t capacity = backend->dirty_capacity ? 2 * backend->dirty_capacity
                                              : 256;
    void *grown = realloc(backend->dirty, capacity * STORE_ID_MAX);
    if(!grown)
      return OBOL_ERR_NOMEM;
    backend->dirty = grown;
    backend->dirty_capacity = capacity;
  }
  snprintf(backend->dirty[backend->dirty_count++], STORE_ID_MAX, "%s",
           order_id);
  return OBOL_OK;
}

static obol_rc sqlite_order_get_by_token(store_conn_t *conn,
                                         core_arena_t *arena,
                                         const char *shop_id,
                                         const char *token,
                                         store_order_t *out)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_ORDER_BY_TOKEN);
  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, shop_id);
  sqlite_bind_text(stmt, 2, token);
  return sqlite_order_one(conn, stmt, arena, out);
}

/* Steps a bound query returning up to `limit` orders into an arena array. */
static obol_rc sqlite_order_rows(store_conn_t *conn, sqlite3_stmt *stmt,
                                 core_arena_t *arena, int limit,
                                 store_order_t **rows, size_t *count)
{
  store_order_t *out = core_arena_alloc(arena, sizeof(*out) *
                                               (size_t)(limit > 0 ? limit : 1));
  size_t found = 0;
  int result = SQLITE_DONE;
  obol_rc rc = OBOL_OK;

  if(!out) {
    sqlite3_reset(stmt);
    return OBOL_ERR_NOMEM;
  }
  while(!rc && (int)found < limit &&
        (result = sqlite3_step(stmt)) == SQLITE_ROW)
    rc = sqlite_order_read(stmt, arena, &out[found++]);
  if(!rc && (int)found < limit && result != SQLITE_DONE) {
    core_log(CORE_LOG_ERROR, "store.step", "%s", sqlite3_errmsg(conn->db));
    rc = OBOL_ERR_STORE;
  }
  sqlite3_reset(stmt);
  *rows = out;
  *count = found;
  return rc;
}

static obol_rc sqlite_order_list(store_conn_t *conn, core_arena_t *arena,
                                 const store_order_query_t *query,
                                 store_order_t **rows, size_t *count)
{
  int which = query->kind                 ? STORE_SQL_ORDER_LIST_KIND
              : query->merchant_reference ? STORE_SQL_ORDER_LIST_REFERENCE
              : query->status             ? STORE_SQL_ORDER_LIST_STATUS
                                          : STORE_SQL_ORDER_LIST;
  sqlite3_stmt *stmt = sqlite_stmt(conn, which);

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, query->shop_id);
  sqlite3_bind_int64(stmt, 2, query->created_from);
  sqlite3_bind_int64(stmt, 3, query->created_to ? query->created_to
                                                : INT64_MAX);
  sqlite_bind_text(stmt, 4, query->cursor_id);
  sqlite3_bind_int64(stmt, 5, query->cursor_created_at);
  sqlite3_bind_int(stmt, 6, query->limit);
  if(which != STORE_SQL_ORDER_LIST)
    sqlite_bind_text(stmt, 7, query->status);
  if(which == STORE_SQL_ORDER_LIST_REFERENCE)
    sqlite_bind_text(stmt, 8, query->merchant_reference);
  if(which == STORE_SQL_ORDER_LIST_KIND)
    sqlite_bind_text(stmt, 9, query->kind);
  return sqlite_order_rows(conn, stmt, arena, query->limit, rows, count);
}

static obol_rc sqlite_order_list_due(store_conn_t *conn, core_arena_t *arena,
                                     int64_t now, int limit,
                                     store_order_t **rows, size_t *count)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_ORDER_LIST_DUE);
  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite3_bind_int64(stmt, 1, now);
  sqlite3_bind_int(stmt, 2, limit);
  return sqlite_order_rows(conn, stmt, arena, limit, rows, count);
}

/* Binds every column of the order (the update uses the ones it needs). */
static void sqlite_order_bind(sqlite3_stmt *stmt, const store_order_t *order)
{
  sqlite_bind_text(stmt, 1, order->id);
  sqlite_bind_text(stmt, 2, order->shop_id);
  sqlite_bind_text(stmt, 3, order->token);
  sqlite_bind_text(stmt, 4, order->status);
  sqlite_bind_text(stmt, 5, order->currency);
  sqlite3_bind_int64(stmt, 6, order->amount);
  sqlite3_bind_int64(stmt, 7, order->initial_amount);
  sqlite3_bind_int64(stmt, 8, order->surcharge_amount);
  sqlite_bind_text(stmt, 9, order->merchant_reference);
  sqlite3_bind_int(stmt, 10, order->test);
  sqlite3_bind_int(stmt, 11, order->capture_manual);
  sqlite3_bind_int(stmt, 12, order->max_payment_attempts);
  sqlite3_bind_int(stmt, 13, order->failed_attempts);
  sqlite_bind_time(stmt, 14, order->due_at);
  sqlite_bind_time(stmt, 15, order->expires_at);
  sqlite_bind_time(stmt, 16, order->deadline_at);
  sqlite3_bind_int64(stmt, 17, order->event_sequence);
  sqlite3_bind_int64(stmt, 18, order->created_at);
  sqlite3_bind_int64(stmt, 19, order->updated_at);
  sqlite_bind_text(stmt, 20, order->details);
  for(int i = 0; i < STORE_URL_COUNT; i++)
    sqlite_bind_text(stmt, 21 + i, order->urls[i]);
  sqlite_bind_text(stmt, 21 + STORE_URL_COUNT, order->language);
  sqlite3_bind_int64(stmt, 22 + STORE_URL_COUNT, order->captured_amount);
  sqlite3_bind_int64(stmt, 23 + STORE_URL_COUNT, order->refunded_amount);
  sqlite_bind_text(stmt, 24 + STORE_URL_COUNT,
                   order->kind[0] ? order->kind : "payment");
}

static obol_rc sqlite_order_insert(store_conn_t *conn,
                                   const store_order_t *order)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_ORDER_INSERT);
  if(!stmt || sqlite_order_dirty(conn, order->id))
    return OBOL_ERR_STORE;
  sqlite_order_bind(stmt, order);
  return sqlite_step_done(conn, stmt);
}

static obol_rc sqlite_order_update(store_conn_t *conn,
                                   const store_order_t *order)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_ORDER_UPDATE);
  obol_rc rc;

  if(!stmt || sqlite_order_dirty(conn, order->id))
    return OBOL_ERR_STORE;
  sqlite_order_bind(stmt, order);
  rc = sqlite_step_done(conn, stmt);
  if(!rc && sqlite3_changes(conn->db) == 0)
    rc = OBOL_ERR_NOT_FOUND;
  return rc;
}

/* ---- events ---- */

static obol_rc sqlite_event_list(store_conn_t *conn, core_arena_t *arena,
                                 const store_event_query_t *query,
                                 store_event_t **rows, size_t *count)
{
  int which = query->order_id   ? STORE_SQL_EVENT_LIST
              : query->event_id ? STORE_SQL_EVENT_GET
                                : STORE_SQL_EVENT_PAGE;
  sqlite3_stmt *stmt = sqlite_stmt(conn, which);
  size_t capacity = 16, found = 0;
  store_event_t *out;
  int result = SQLITE_DONE;

  if(!stmt)
    return OBOL_ERR_STORE;
  out = core_arena_alloc(arena, capacity * sizeof(*out));
  sqlite_bind_text(stmt, 1, query->shop_id);
  if(which == STORE_SQL_EVENT_PAGE) {
    sqlite_bind_text(stmt, 2, query->cursor_id);
    sqlite3_bind_int64(stmt, 3, query->cursor_created_at);
    sqlite3_bind_int(stmt, 4, query->limit);
  }
  else
    sqlite_bind_text(stmt, 2, query->order_id ? query->order_id
                                              : query->event_id);
  while(out && (result = sqlite3_step(stmt)) == SQLITE_ROW) {
    store_event_t *event;
    if(found == capacity) {
      store_event_t *grown = core_arena_alloc(arena, 2 * capacity *
                                                         sizeof(*grown));
      if(grown)
        memcpy(grown, out, capacity * sizeof(*grown));
      out = grown;
      capacity *= 2;
      if(!out)
        break;
    }
    event = &out[found++];
    memset(event, 0, sizeof(*event));
    sqlite_copy_column(stmt, 0, event->id, sizeof(event->id));
    sqlite_copy_column(stmt, 1, event->shop_id, sizeof(event->shop_id));
    sqlite_copy_column(stmt, 2, event->order_id, sizeof(event->order_id));
    event->sequence = sqlite3_column_int64(stmt, 3);
    sqlite_copy_column(stmt, 4, event->type, sizeof(event->type));
    event->created_at = sqlite3_column_int64(stmt, 5);
    event->data = sqlite_column_text(stmt, 6, arena);
  }
  sqlite3_reset(stmt);
  if(!out)
    return OBOL_ERR_NOMEM;
  if(result != SQLITE_DONE) { /* never a silently partial list */
    core_log(CORE_LOG_ERROR, "store.step", "%s", sqlite3_errmsg(conn->db));
    return OBOL_ERR_STORE;
  }
  *rows = out;
  *count = found;
  return OBOL_OK;
}

static obol_rc sqlite_event_insert(store_conn_t *conn,
                                   const store_event_t *event)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_EVENT_INSERT);
  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, event->id);
  sqlite_bind_text(stmt, 2, event->shop_id);
  sqlite_bind_text(stmt, 3, event->order_id);
  sqlite3_bind_int64(stmt, 4, event->sequence);
  sqlite_bind_text(stmt, 5, event->type);
  sqlite3_bind_int64(stmt, 6, event->created_at);
  sqlite_bind_text(stmt, 7, event->data);
  return sqlite_step_done(conn, stmt);
}

/* ---- idempotency keys ---- */

static obol_rc sqlite_idempotency_get(store_conn_t *conn, core_arena_t *arena,
                                      const char *shop_id, const char *key,
                                      store_idempotency_t *out)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_IDEMPOTENCY_GET);
  obol_rc rc;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, shop_id);
  sqlite_bind_text(stmt, 2, key);
  rc = sqlite_step_row(conn, stmt);
  if(rc)
    return rc;
  memset(out, 0, sizeof(*out));
  sqlite_copy_column(stmt, 0, out->shop_id, sizeof(out->shop_id));
  out->key = sqlite_column_text(stmt, 1, arena);
  sqlite_copy_column(stmt, 2, out->request_hash, sizeof(out->request_hash));
  out->status = sqlite3_column_int(stmt, 3);
  out->body = sqlite_column_text(stmt, 4, arena);
  out->created_at = sqlite3_column_int64(stmt, 5);
  sqlite3_reset(stmt);
  return out->key && out->body ? OBOL_OK : OBOL_ERR_NOMEM;
}

static obol_rc sqlite_idempotency_insert(store_conn_t *conn,
                                         const store_idempotency_t *record)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_IDEMPOTENCY_INSERT);
  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, record->shop_id);
  sqlite_bind_text(stmt, 2, record->key);
  sqlite_bind_text(stmt, 3, record->request_hash);
  sqlite3_bind_int(stmt, 4, record->status);
  sqlite_bind_text(stmt, 5, record->body);
  sqlite3_bind_int64(stmt, 6, record->created_at);
  return sqlite_step_done(conn, stmt);
}

static obol_rc sqlite_idempotency_prune(store_conn_t *conn, int64_t before)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_IDEMPOTENCY_PRUNE);
  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite3_bind_int64(stmt, 1, before);
  return sqlite_step_done(conn, stmt);
}

/* ---- transactions ---- */

static obol_rc sqlite_transaction_read(sqlite3_stmt *stmt,
                                       core_arena_t *arena,
                                       store_transaction_t *out)
{
  int i;

  memset(out, 0, sizeof(*out));
  sqlite_copy_column(stmt, 0, out->id, sizeof(out->id));
  sqlite_copy_column(stmt, 1, out->shop_id, sizeof(out->shop_id));
  sqlite_copy_column(stmt, 2, out->order_id, sizeof(out->order_id));
  sqlite_copy_column(stmt, 3, out->parent_id, sizeof(out->parent_id));
  sqlite_copy_column(stmt, 4, out->type, sizeof(out->type));
  sqlite_copy_column(stmt, 5, out->status, sizeof(out->status));
  sqlite_copy_column(stmt, 6, out->currency, sizeof(out->currency));
  out->amount = sqlite3_column_int64(stmt, 7);
  out->exp_month = sqlite3_column_int(stmt, 8);
  out->exp_year = sqlite3_column_int(stmt, 9);
  out->test = sqlite3_column_int(stmt, 10);
  out->deadline_at = sqlite3_column_int64(stmt, 11);
  out->created_at = sqlite3_column_int64(stmt, 12);
  out->updated_at = sqlite3_column_int64(stmt, 13);
  out->finished_at = sqlite3_column_int64(stmt, 14);
  for(i = 0; i < STORE_TXN_TEXT_COUNT; i++) {
    if(sqlite3_column_type(stmt, 15 + i) == SQLITE_NULL)
      continue;
    out->text[i] = sqlite_column_text(stmt, 15 + i, arena);
    if(!out->text[i])
      return OBOL_ERR_NOMEM;
  }
  out->respond_by = sqlite3_column_int64(stmt, 15 + STORE_TXN_TEXT_COUNT);
  return OBOL_OK;
}

/* Steps a bound query into an arena array of up to limit rows. */
static obol_rc sqlite_transaction_rows(store_conn_t *conn, sqlite3_stmt *stmt,
                                       core_arena_t *arena, size_t limit,
                                       store_transaction_t **rows,
                                       size_t *count)
{
  store_transaction_t *out = core_arena_alloc(arena, sizeof(*out) * limit);
  size_t found = 0;
  int result = SQLITE_DONE;
  obol_rc rc = out ? OBOL_OK : OBOL_ERR_NOMEM;

  while(!rc && found < limit && (result = sqlite3_step(stmt)) == SQLITE_ROW)
    rc = sqlite_transaction_read(stmt, arena, &out[found++]);
  if(!rc && found < limit && result != SQLITE_DONE) {
    core_log(CORE_LOG_ERROR, "store.step", "%s", sqlite3_errmsg(conn->db));
    rc = OBOL_ERR_STORE;
  }
  sqlite3_reset(stmt);
  *rows = out;
  *count = found;
  return rc;
}

static obol_rc sqlite_transaction_get(store_conn_t *conn,
                                      core_arena_t *arena,
                                      const char *shop_id,
                                      const char *transaction_id,
                                      store_transaction_t *out)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_TRANSACTION_GET);
  obol_rc rc;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, shop_id);
  sqlite_bind_text(stmt, 2, transaction_id);
  rc = sqlite_step_row(conn, stmt);
  if(rc)
    return rc;
  rc = sqlite_transaction_read(stmt, arena, out);
  sqlite3_reset(stmt);
  return rc;
}

static obol_rc sqlite_transaction_list(store_conn_t *conn,
                                       core_arena_t *arena,
                                       const char *shop_id,
                                       const char *order_id,
                                       store_transaction_t **rows,
                                       size_t *count)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_TRANSACTION_LIST);

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, shop_id);
  sqlite_bind_text(stmt, 2, order_id);
  return sqlite_transaction_rows(conn, stmt, arena, STORE_TRANSACTIONS_MAX,
                                 rows, count);
}

static obol_rc sqlite_transaction_list_due(store_conn_t *conn,
                                           core_arena_t *arena, int64_t now,
                                           int limit,
                                           store_transaction_t **rows,
                                           size_t *count)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_TRANSACTION_DUE);

  if(!stmt || limit < 1)
    return OBOL_ERR_STORE;
  sqlite3_bind_int64(stmt, 1, now);
  sqlite3_bind_int(stmt, 2, limit);
  return sqlite_transaction_rows(conn, stmt, arena, (size_t)limit, rows,
                                 count);
}

static obol_rc sqlite_transaction_write(store_conn_t *conn, int which,
                                        const store_transaction_t *txn)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, which);
  int i;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, txn->id);
  sqlite_bind_text(stmt, 2, txn->shop_id);
  sqlite_bind_text(stmt, 3, txn->order_id);
  sqlite_bind_text(stmt, 4, txn->parent_id[0] ? txn->parent_id : NULL);
  sqlite_bind_text(stmt, 5, txn->type);
  sqlite_bind_text(stmt, 6, txn->status);
  sqlite_bind_text(stmt, 7, txn->currency);
  sqlite3_bind_int64(stmt, 8, txn->amount);
  sqlite_bind_time(stmt, 9, txn->exp_month);
  sqlite_bind_time(stmt, 10, txn->exp_year);
  sqlite3_bind_int(stmt, 11, txn->test);
  sqlite_bind_time(stmt, 12, txn->deadline_at);
  sqlite3_bind_int64(stmt, 13, txn->created_at);
  sqlite3_bind_int64(stmt, 14, txn->updated_at);
  sqlite_bind_time(stmt, 15, txn->finished_at);
  for(i = 0; i < STORE_TXN_TEXT_COUNT; i++)
    sqlite_bind_text(stmt, 16 + i, txn->text[i]);
  sqlite_bind_time(stmt, 16 + STORE_TXN_TEXT_COUNT, txn->respond_by);
  return sqlite_step_done(conn, stmt);
}

static obol_rc sqlite_transaction_insert(store_conn_t *conn,
                                         const store_transaction_t *txn)
{
  return sqlite_transaction_write(conn, STORE_SQL_TRANSACTION_INSERT, txn);
}

static obol_rc sqlite_transaction_update(store_conn_t *conn,
                                         const store_transaction_t *txn)
{
  obol_rc rc = sqlite_transaction_write(conn, STORE_SQL_TRANSACTION_UPDATE,
                                        txn);
  if(!rc && sqlite3_changes(conn->db) == 0)
    rc = OBOL_ERR_NOT_FOUND;
  return rc;
}

/* ---- webhook endpoints ---- */

static obol_rc sqlite_endpoint_read(sqlite3_stmt *stmt, core_arena_t *arena,
                                    store_endpoint_t *out)
{
  memset(out, 0, sizeof(*out));
  sqlite_copy_column(stmt, 0, out->id, sizeof(out->id));
  sqlite_copy_column(stmt, 1, out->shop_id, sizeof(out->shop_id));
  out->url = sqlite_column_text(stmt, 2, arena);
  out->events = sqlite_column_text(stmt, 3, arena);
  out->description = sqlite_column_text(stmt, 4, arena);
  out->enabled = sqlite3_column_int(stmt, 5);
  out->secret = sqlite_column_text(stmt, 6, arena);
  out->previous_secret = sqlite_column_text(stmt, 7, arena);
  out->previous_secret_until = sqlite3_column_int64(stmt, 8);
  out->created_at = sqlite3_column_int64(stmt, 9);
  out->updated_at = sqlite3_column_int64(stmt, 10);
  out->dialect = sqlite_column_text(stmt, 11, arena);
  return out->url && out->events && out->secret ? OBOL_OK : OBOL_ERR_NOMEM;
}

static obol_rc sqlite_endpoint_get(store_conn_t *conn, core_arena_t *arena,
                                   const char *shop_id,
                                   const char *endpoint_id,
                                   store_endpoint_t *out)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_ENDPOINT_GET);
  obol_rc rc;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, shop_id);
  sqlite_bind_text(stmt, 2, endpoint_id);
  rc = sqlite_step_row(conn, stmt);
  if(rc)
    return rc;
  rc = sqlite_endpoint_read(stmt, arena, out);
  sqlite3_reset(stmt);
  return rc;
}

static obol_rc sqlite_endpoint_list(store_conn_t *conn, core_arena_t *arena,
                                    const char *shop_id,
                                    store_endpoint_t **rows, size_t *count)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_ENDPOINT_LIST);
  store_endpoint_t *out = NULL;
  size_t capacity = 0, found = 0;
  int result = SQLITE_DONE;
  obol_rc rc = OBOL_OK;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, shop_id);
  while(!rc && (result = sqlite3_step(stmt)) == SQLITE_ROW) {
    if(found == capacity) {
      size_t grown_capacity = capacity ? 2 * capacity : 8;
      store_endpoint_t *grown =
          core_arena_alloc(arena, grown_capacity * sizeof(*grown));
      if(!grown) {
        rc = OBOL_ERR_NOMEM;
        break;
      }
      if(found)
        memcpy(grown, out, found * sizeof(*grown));
      out = grown;
      capacity = grown_capacity;
    }
    rc = sqlite_endpoint_read(stmt, arena, &out[found++]);
  }
  sqlite3_reset(stmt);
  if(!rc && result != SQLITE_DONE)
    rc = OBOL_ERR_STORE;
  *rows = out;
  *count = found;
  return rc;
}

static obol_rc sqlite_endpoint_write(store_conn_t *conn, int which,
                                     const store_endpoint_t *endpoint)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, which);
  obol_rc rc;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, endpoint->id);
  sqlite_bind_text(stmt, 2, endpoint->shop_id);
  sqlite_bind_text(stmt, 3, endpoint->url);
  sqlite_bind_text(stmt, 4, endpoint->events);
  sqlite_bind_text(stmt, 5, endpoint->description);
  sqlite3_bind_int(stmt, 6, endpoint->enabled);
  sqlite_bind_text(stmt, 7, endpoint->secret);
  sqlite_bind_text(stmt, 8, endpoint->previous_secret);
  sqlite3_bind_int64(stmt, 9, endpoint->previous_secret_until);
  sqlite3_bind_int64(stmt, 10, endpoint->created_at);
  sqlite3_bind_int64(stmt, 11, endpoint->updated_at);
  sqlite_bind_text(stmt, 12, endpoint->dialect);
  rc = sqlite_step_done(conn, stmt);
  if(!rc && sqlite3_changes(conn->db) == 0)
    rc = OBOL_ERR_NOT_FOUND;
  return rc;
}

static obol_rc sqlite_endpoint_insert(store_conn_t *conn,
                                      const store_endpoint_t *endpoint)
{
  return sqlite_endpoint_write(conn, STORE_SQL_ENDPOINT_INSERT, endpoint);
}

static obol_rc sqlite_endpoint_update(store_conn_t *conn,
                                      const store_endpoint_t *endpoint)
{
  return sqlite_endpoint_write(conn, STORE_SQL_ENDPOINT_UPDATE, endpoint);
}

static obol_rc sqlite_endpoint_delete(store_conn_t *conn, const char *shop_id,
                                      const char *endpoint_id)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_ENDPOINT_DELETE);
  obol_rc rc;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, shop_id);
  sqlite_bind_text(stmt, 2, endpoint_id);
  rc = sqlite_step_done(conn, stmt);
  if(!rc && sqlite3_changes(conn->db) == 0)
    rc = OBOL_ERR_NOT_FOUND;
  return rc;
}

/* ---- deliveries ---- */

static obol_rc sqlite_delivery_insert(store_conn_t *conn,
                                      const store_delivery_t *delivery)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_DELIVERY_INSERT);

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, delivery->id);
  sqlite_bind_text(stmt, 2, delivery->shop_id);
  sqlite_bind_text(stmt, 3, delivery->event_id);
  sqlite_bind_text(stmt, 4, delivery->endpoint_id);
  sqlite3_bind_int64(stmt, 5, delivery->created_at);
  sqlite_bind_text(stmt, 6, delivery->kind[0] ? delivery->kind : "webhook");
  sqlite_bind_text(stmt, 7, delivery->url);
  sqlite_bind_text(stmt, 8, delivery->payload);
  return sqlite_step_done(conn, stmt);
}

static obol_rc sqlite_delivery_supersede(store_conn_t *conn,
                                         const char *shop_id,
                                         const char *order_id,
                                         const char *kind, int64_t now)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_DELIVERY_SUPERSEDE);

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, shop_id);
  sqlite_bind_text(stmt, 2, order_id);
  sqlite_bind_text(stmt, 3, kind);
  sqlite3_bind_int64(stmt, 4, now);
  return sqlite_step_done(conn, stmt);
}

static obol_rc sqlite_delivery_due(store_conn_t *conn, core_arena_t *arena,
                                   int64_t now, int limit,
                                   char (**ids)[STORE_ID_MAX], size_t *count)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_DELIVERY_DUE);
  int result = SQLITE_DONE;
  size_t found = 0;

  if(!stmt)
    return OBOL_ERR_STORE;
  *ids = core_arena_alloc(arena, (size_t)(limit > 0 ? limit : 1) *
                                     STORE_ID_MAX);
  if(!*ids)
    return OBOL_ERR_NOMEM;
  sqlite3_bind_int64(stmt, 1, now);
  sqlite3_bind_int(stmt, 2, limit);
  while((int)found < limit && (result = sqlite3_step(stmt)) == SQLITE_ROW)
    sqlite_copy_column(stmt, 0, (*ids)[found++], STORE_ID_MAX);
  sqlite3_reset(stmt);
  *count = found;
  return result == SQLITE_ROW || result == SQLITE_DONE ? OBOL_OK
                                                       : OBOL_ERR_STORE;
}

static obol_rc sqlite_delivery_lease(store_conn_t *conn,
                                     const char *delivery_id,
                                     int64_t lease_until)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_DELIVERY_LEASE);

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, delivery_id);
  sqlite3_bind_int64(stmt, 2, lease_until);
  return sqlite_step_done(conn, stmt);
}

static obol_rc sqlite_delivery_work(store_conn_t *conn, core_arena_t *arena,
                                    const char *delivery_id,
                                    store_work_t *out)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_DELIVERY_WORK);
  obol_rc rc;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, delivery_id);
  rc = sqlite_step_row(conn, stmt);
  if(rc)
    return rc;
  memset(out, 0, sizeof(*out));
  sqlite_copy_column(stmt, 0, out->delivery.id, sizeof(out->delivery.id));
  sqlite_copy_column(stmt, 1, out->delivery.shop_id,
                     sizeof(out->delivery.shop_id));
  sqlite_copy_column(stmt, 2, out->delivery.event_id,
                     sizeof(out->delivery.event_id));
  sqlite_copy_column(stmt, 3, out->delivery.endpoint_id,
                     sizeof(out->delivery.endpoint_id));
  out->delivery.attempts = sqlite3_column_int(stmt, 4);
  sqlite_copy_column(stmt, 5, out->event_type, sizeof(out->event_type));
  out->event_created_at = sqlite3_column_int64(stmt, 6);
  out->event_data = sqlite_column_text(stmt, 7, arena);
  out->url = sqlite_column_text(stmt, 8, arena);
  out->secret = sqlite_column_text(stmt, 9, arena);
  out->previous_secret = sqlite_column_text(stmt, 10, arena);
  out->previous_secret_until = sqlite3_column_int64(stmt, 11);
  out->enabled = sqlite3_column_int(stmt, 12);
  out->event_sequence = sqlite3_column_int64(stmt, 13);
  out->test = sqlite3_column_int(stmt, 14);
  sqlite_copy_column(stmt, 15, out->kind, sizeof(out->kind));
  out->dialect = sqlite_column_text(stmt, 16, arena);
  out->notification_key = sqlite_column_text(stmt, 17, arena);
  out->payload = sqlite_column_text(stmt, 18, arena);
  sqlite3_reset(stmt);
  return out->event_data ? OBOL_OK : OBOL_ERR_NOMEM;
}

static obol_rc sqlite_delivery_update(store_conn_t *conn,
                                      const store_delivery_t *delivery,
                                      const store_attempt_t *attempt)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_DELIVERY_UPDATE);
  obol_rc rc;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, delivery->id);
  sqlite_bind_text(stmt, 2, delivery->status);
  sqlite3_bind_int(stmt, 3, delivery->attempts);
  sqlite_bind_time(stmt, 4, delivery->next_attempt_at);
  if(delivery->last_status)
    sqlite3_bind_int(stmt, 5, delivery->last_status);
  else
    sqlite3_bind_null(stmt, 5);
  sqlite_bind_text(stmt, 6, delivery->last_error);
  sqlite3_bind_int64(stmt, 7, delivery->updated_at);
  rc = sqlite_step_done(conn, stmt);
  stmt = rc ? NULL : sqlite_stmt(conn, STORE_SQL_ATTEMPT_INSERT);
  if(!stmt)
    return rc ? rc : OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, attempt->id);
  sqlite_bind_text(stmt, 2, attempt->delivery_id);
  sqlite3_bind_int64(stmt, 3, attempt->attempted_at);
  if(attempt->status_code)
    sqlite3_bind_int(stmt, 4, attempt->status_code);
  else
    sqlite3_bind_null(stmt, 4);
  sqlite_bind_text(stmt, 5, attempt->error);
  sqlite3_bind_int(stmt, 6, attempt->duration_ms);
  return sqlite_step_done(conn, stmt);
}

static obol_rc sqlite_delivery_list(store_conn_t *conn, core_arena_t *arena,
                                    const char *shop_id, const char *event_id,
                                    store_delivery_t **rows, size_t *count)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_DELIVERY_LIST);
  store_delivery_t *out = NULL;
  size_t capacity = 0, found = 0;
  int result = SQLITE_DONE;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, shop_id);
  sqlite_bind_text(stmt, 2, event_id);
  while((result = sqlite3_step(stmt)) == SQLITE_ROW) {
    store_delivery_t *row;
    if(found == capacity) {
      size_t more = capacity ? 2 * capacity : 8;
      store_delivery_t *grown = core_arena_alloc(arena, more * sizeof(*grown));
      if(!grown)
        break;
      if(found)
        memcpy(grown, out, found * sizeof(*grown));
      out = grown;
      capacity = more;
    }
    row = &out[found++];
    memset(row, 0, sizeof(*row));
    sqlite_copy_column(stmt, 0, row->id, sizeof(row->id));
    snprintf(row->shop_id, sizeof(row->shop_id), "%s", shop_id);
    snprintf(row->event_id, sizeof(row->event_id), "%s", event_id);
    sqlite_copy_column(stmt, 1, row->endpoint_id, sizeof(row->endpoint_id));
    sqlite_copy_column(stmt, 2, row->status, sizeof(row->status));
    row->attempts = sqlite3_column_int(stmt, 3);
    row->next_attempt_at = sqlite3_column_int64(stmt, 4);
    row->last_status = sqlite3_column_int(stmt, 5);
    row->last_error = sqlite_column_text(stmt, 6, arena);
    row->created_at = sqlite3_column_int64(stmt, 7);
    row->updated_at = sqlite3_column_int64(stmt, 8);
    sqlite_copy_column(stmt, 9, row->kind, sizeof(row->kind));
    row->url = sqlite_column_text(stmt, 10, arena);
    row->payload = sqlite_column_text(stmt, 11, arena);
  }
  sqlite3_reset(stmt);
  if(result != SQLITE_DONE)
    return result == SQLITE_ROW ? OBOL_ERR_NOMEM : OBOL_ERR_STORE;
  *rows = out;
  *count = found;
  return OBOL_OK;
}

/* ---- nodes ---- */

static obol_rc sqlite_node_count(store_conn_t *conn, int64_t since,
                                 int64_t *count)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_NODE_COUNT);
  obol_rc rc;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite3_bind_int64(stmt, 1, since);
  rc = sqlite_step_row(conn, stmt);
  if(rc)
    return rc;
  *count = sqlite3_column_int64(stmt, 0);
  sqlite3_reset(stmt);
  return OBOL_OK;
}

static obol_rc sqlite_node_heartbeat(store_conn_t *conn, const char *node_id,
                                     int64_t now, int64_t before)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, STORE_SQL_NODE_HEARTBEAT);
  obol_rc rc;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, node_id);
  sqlite3_bind_int64(stmt, 2, now);
  rc = sqlite_step_done(conn, stmt);
  stmt = rc ? NULL : sqlite_stmt(conn, STORE_SQL_NODE_PRUNE);
  if(!stmt)
    return rc ? rc : OBOL_ERR_STORE;
  sqlite3_bind_int64(stmt, 1, before);
  return sqlite_step_done(conn, stmt);
}

/* One serving process per database file: its caches and sweepers assume
 * they see every write. The command line tools do not claim. */
static obol_rc sqlite_claim(void *handle)
{
  sqlite_backend_t *backend = handle;
  int fd = open(backend->path, O_RDONLY | O_CLOEXEC);

  if(fd < 0)
    return OBOL_ERR_IO;
  if(flock(fd, LOCK_EX | LOCK_NB)) {
    close(fd);
    core_log(CORE_LOG_ERROR, "store.claim",
             "%s is already served by another obol process", backend->path);
    return OBOL_ERR_CONFLICT;
  }
  backend->claim_fd = fd;
  return OBOL_OK;
}

const store_ops_t store_sqlite_ops = {
  .name = "sqlite",
  .open = sqlite_open,
  .close = sqlite_close,
  .migrate = sqlite_migrate,
  .ping = sqlite_ping,
  .claim = sqlite_claim,
  .submit = sqlite_submit,
  .reader_acquire = sqlite_reader_acquire,
  .reader_release = sqlite_reader_release,
  .shop_get = sqlite_shop_get,
  .shop_count = sqlite_shop_count,
  .key_find_by_hash = sqlite_key_find_by_hash,
  .order_get = sqlite_order_get,
  .order_get_by_token = sqlite_order_get_by_token,
  .order_list = sqlite_order_list,
  .order_list_due = sqlite_order_list_due,
  .event_list = sqlite_event_list,
  .idempotency_get = sqlite_idempotency_get,
  .order_insert = sqlite_order_insert,
  .order_update = sqlite_order_update,
  .event_insert = sqlite_event_insert,
  .idempotency_insert = sqlite_idempotency_insert,
  .idempotency_prune = sqlite_idempotency_prune,
  .node_count = sqlite_node_count,
  .transaction_get = sqlite_transaction_get,
  .transaction_list = sqlite_transaction_list,
  .transaction_list_due = sqlite_transaction_list_due,
  .transaction_insert = sqlite_transaction_insert,
  .transaction_update = sqlite_transaction_update,
  .endpoint_get = sqlite_endpoint_get,
  .endpoint_list = sqlite_endpoint_list,
  .endpoint_insert = sqlite_endpoint_insert,
  .endpoint_update = sqlite_endpoint_update,
  .endpoint_delete = sqlite_endpoint_delete,
  .delivery_insert = sqlite_delivery_insert,
  .delivery_supersede = sqlite_delivery_supersede,
  .delivery_due = sqlite_delivery_due,
  .delivery_lease = sqlite_delivery_lease,
  .delivery_work = sqlite_delivery_work,
  .delivery_update = sqlite_delivery_update,
  .delivery_list = sqlite_delivery_list,
  .node_heartbeat = sqlite_node_heartbeat,
  .shop_insert = sqlite_shop_insert,
  .shop_update = sqlite_shop_update,
  .key_insert = sqlite_key_insert,
  .key_revoke = sqlite_key_revoke,
};
