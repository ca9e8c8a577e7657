/* The SQLite backend: WAL, synchronous=FULL, one writer thread doing group
 * commit, a pool of reader connections, cached prepared statements. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"

#define SQLITE_BUSY_TIMEOUT_MS 5000
#define SQLITE_BATCH_MAX 1024 /* jobs per group commit */

/* Every statement the backend runs, prepared once per connection. */
enum {
  SQL_BEGIN,
  SQL_COMMIT,
  SQL_ROLLBACK,
  SQL_SAVEPOINT,
  SQL_ROLLBACK_TO,
  SQL_RELEASE,
  SQL_SHOP_GET,
  SQL_SHOP_COUNT,
  SQL_SHOP_INSERT,
  SQL_SHOP_UPDATE,
  SQL_KEY_BY_HASH,
  SQL_KEY_INSERT,
  SQL_KEY_REVOKE,
  SQL_MIGRATION_VERSION,
  SQL_MIGRATION_RECORD,
  SQL_COUNT
};

#define SHOP_COLUMNS                                                      \
  "id, name, default_currency, default_language, allowed_redirect_hosts, " \
  "url, country, contact_email, contact_phone, created_at, updated_at"

static const char *const sqlite_sql[SQL_COUNT] = {
  [SQL_BEGIN] = "BEGIN IMMEDIATE",
  [SQL_COMMIT] = "COMMIT",
  [SQL_ROLLBACK] = "ROLLBACK",
  [SQL_SAVEPOINT] = "SAVEPOINT job",
  [SQL_ROLLBACK_TO] = "ROLLBACK TO job",
  [SQL_RELEASE] = "RELEASE job",
  [SQL_SHOP_GET] = "SELECT " SHOP_COLUMNS " FROM shops WHERE id = ?1",
  [SQL_SHOP_COUNT] = "SELECT count(*) FROM shops",
  [SQL_SHOP_INSERT] = "INSERT INTO shops (" SHOP_COLUMNS
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
  [SQL_SHOP_UPDATE] =
      "UPDATE shops SET name = ?2, default_currency = ?3, "
      "default_language = ?4, allowed_redirect_hosts = ?5, url = ?6, "
      "country = ?7, contact_email = ?8, contact_phone = ?9, "
      "updated_at = ?11 WHERE id = ?1",
  [SQL_KEY_BY_HASH] = "SELECT id, shop_id, secret_hash, prefix, live, "
                      "created_at, revoked_at FROM api_keys "
                      "WHERE secret_hash = ?1",
  [SQL_KEY_INSERT] = "INSERT INTO api_keys (id, shop_id, secret_hash, prefix, "
                     "live, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [SQL_KEY_REVOKE] = "UPDATE api_keys SET revoked_at = ?2 "
                     "WHERE id = ?1 AND revoked_at IS NULL",
  [SQL_MIGRATION_VERSION] =
      "SELECT coalesce(max(version), 0) FROM schema_migrations",
  [SQL_MIGRATION_RECORD] =
      "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
};

/* Numbered migrations, applied in order and recorded. Keep the SQL portable:
 * the PostgreSQL backend applies the same list. */
static const char *const sqlite_migrations[] = {
  /* 1: shops and their API keys */
  "CREATE TABLE shops ("
  " id TEXT PRIMARY KEY,"
  " name TEXT NOT NULL,"
  " default_currency TEXT,"
  " default_language TEXT,"
  " allowed_redirect_hosts TEXT NOT NULL DEFAULT '[]',"
  " url TEXT, country TEXT, contact_email TEXT, contact_phone TEXT,"
  " created_at BIGINT NOT NULL,"
  " updated_at BIGINT NOT NULL);"
  "CREATE TABLE api_keys ("
  " id TEXT PRIMARY KEY,"
  " shop_id TEXT NOT NULL REFERENCES shops(id),"
  " secret_hash TEXT NOT NULL UNIQUE,"
  " prefix TEXT NOT NULL,"
  " live INTEGER NOT NULL,"
  " created_at BIGINT NOT NULL,"
  " revoked_at BIGINT);"
  "CREATE INDEX api_keys_shop ON api_keys (shop_id);",
};

#define SQLITE_MIGRATION_COUNT \
  ((int)(sizeof(sqlite_migrations) / sizeof(sqlite_migrations[0])))

struct store_conn {
  sqlite3 *db;
  sqlite3_stmt *stmts[SQL_COUNT];
  struct store_conn *next_free;
};

typedef struct sqlite_job {
  struct sqlite_job *next;
  store_apply_fn apply;
  store_done_fn done;
  void *arg;
  obol_rc rc;
} sqlite_job_t;

typedef struct {
  store_t *store;
  char *path;
  store_conn_t *writer;
  pthread_t writer_thread;
  pthread_mutex_t queue_lock;
  pthread_cond_t queue_cond;
  sqlite_job_t *queue_head;
  sqlite_job_t *queue_tail;
  int stopping;
  pthread_mutex_t readers_lock;
  store_conn_t *readers_free;
} sqlite_backend_t;

/* ---- connections and statements ---- */

static void sqlite_conn_close(store_conn_t *conn)
{
  int i;
  if(!conn)
    return;
  for(i = 0; i < SQL_COUNT; i++)
    sqlite3_finalize(conn->stmts[i]);
  sqlite3_close(conn->db);
  free(conn);
}

static obol_rc sqlite_conn_open(const char *path, int writer,
                                store_conn_t **out)
{
  store_conn_t *conn = calloc(1, sizeof(*conn));
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  const char *pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        " PRAGMA foreign_keys=ON;";

  if(!conn)
    return OBOL_ERR_NOMEM;
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
  if(sqlite3_prepare_v3(conn->db, sqlite_sql[which], -1,
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
static void sqlite_run_batch(sqlite_backend_t *backend, sqlite_job_t *jobs)
{
  store_conn_t *conn = backend->writer;
  store_tx_t tx = {backend->store, conn};
  sqlite_job_t *job;
  obol_rc rc = sqlite_run(conn, SQL_BEGIN);

  for(job = jobs; job; job = job->next) {
    job->rc = rc;
    if(rc)
      continue;
    job->rc = sqlite_run(conn, SQL_SAVEPOINT);
    if(!job->rc)
      job->rc = job->apply(&tx, job->arg);
    if(job->rc)
      sqlite_run(conn, SQL_ROLLBACK_TO);
    sqlite_run(conn, SQL_RELEASE);
  }
  if(!rc)
    rc = sqlite_run(conn, SQL_COMMIT);
  if(rc) {
    if(!sqlite3_get_autocommit(conn->db))
      sqlite_run(conn, SQL_ROLLBACK);
    for(job = jobs; job; job = job->next)
      job->rc = OBOL_ERR_STORE;
  }
  while(jobs) {
    job = jobs;
    jobs = jobs->next;
    job->done(job->arg, job->rc);
    free(job);
  }
}

static void *sqlite_writer_main(void *arg)
{
  sqlite_backend_t *backend = arg;

  for(;;) {
    sqlite_job_t *batch;
    sqlite_job_t *last;
    int count = 1;

    pthread_mutex_lock(&backend->queue_lock);
    while(!backend->queue_head && !backend->stopping)
      pthread_cond_wait(&backend->queue_cond, &backend->queue_lock);
    if(!backend->queue_head) {
      pthread_mutex_unlock(&backend->queue_lock);
      break;
    }
    batch = backend->queue_head;
    last = batch;
    while(last->next && count < SQLITE_BATCH_MAX) {
      last = last->next;
      count++;
    }
    backend->queue_head = last->next;
    if(!backend->queue_head)
      backend->queue_tail = NULL;
    last->next = NULL;
    pthread_mutex_unlock(&backend->queue_lock);
    sqlite_run_batch(backend, batch);
  }
  return NULL;
}

static obol_rc sqlite_submit(void *handle, store_apply_fn apply,
                             store_done_fn done, void *arg)
{
  sqlite_backend_t *backend = handle;
  sqlite_job_t *job = calloc(1, sizeof(*job));

  if(!job)
    return OBOL_ERR_NOMEM;
  job->apply = apply;
  job->done = done;
  job->arg = arg;
  pthread_mutex_lock(&backend->queue_lock);
  if(backend->stopping) {
    pthread_mutex_unlock(&backend->queue_lock);
    free(job);
    return OBOL_ERR_SHUTDOWN;
  }
  if(backend->queue_tail)
    backend->queue_tail->next = job;
  else
    backend->queue_head = job;
  backend->queue_tail = job;
  pthread_cond_signal(&backend->queue_cond);
  pthread_mutex_unlock(&backend->queue_lock);
  return OBOL_OK;
}

/* ---- open, close, migrate, ping ---- */

static void sqlite_close(void *handle)
{
  sqlite_backend_t *backend = handle;
  store_conn_t *conn;

  if(!backend)
    return;
  pthread_mutex_lock(&backend->queue_lock);
  backend->stopping = 1;
  pthread_cond_broadcast(&backend->queue_cond);
  pthread_mutex_unlock(&backend->queue_lock);
  pthread_join(backend->writer_thread, NULL); /* drains the queue first */
  sqlite_conn_close(backend->writer);
  while((conn = backend->readers_free)) {
    backend->readers_free = conn->next_free;
    sqlite_conn_close(conn);
  }
  pthread_mutex_destroy(&backend->queue_lock);
  pthread_cond_destroy(&backend->queue_cond);
  pthread_mutex_destroy(&backend->readers_lock);
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
  pthread_mutex_init(&backend->queue_lock, NULL);
  pthread_cond_init(&backend->queue_cond, NULL);
  pthread_mutex_init(&backend->readers_lock, NULL);
  if(!backend->path) {
    rc = OBOL_ERR_NOMEM;
    goto fail;
  }
  rc = sqlite_conn_open(location, 1, &backend->writer);
  if(rc)
    goto fail;
  if(pthread_create(&backend->writer_thread, NULL, sqlite_writer_main,
                    backend)) {
    rc = OBOL_ERR_IO;
    goto fail;
  }
  *out = backend;
  return OBOL_OK;
fail:
  sqlite_conn_close(backend->writer);
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
  stmt = sqlite_stmt(conn, SQL_MIGRATION_VERSION);
  if(!stmt || sqlite3_step(stmt) != SQLITE_ROW)
    return OBOL_ERR_STORE;
  version = sqlite3_column_int(stmt, 0);
  sqlite3_reset(stmt);
  for(next = version + 1; next <= SQLITE_MIGRATION_COUNT; next++) {
    char *error = NULL;
    if(sqlite3_exec(conn->db, sqlite_migrations[next - 1], NULL, NULL,
                    &error) != SQLITE_OK) {
      core_log(CORE_LOG_ERROR, "store.migrate", "migration %d: %s", next,
               error ? error : "failed");
      sqlite3_free(error);
      return OBOL_ERR_STORE;
    }
    stmt = sqlite_stmt(conn, SQL_MIGRATION_RECORD);
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

static store_conn_t *sqlite_reader_acquire(void *handle)
{
  sqlite_backend_t *backend = handle;
  store_conn_t *conn;

  pthread_mutex_lock(&backend->readers_lock);
  conn = backend->readers_free;
  if(conn)
    backend->readers_free = conn->next_free;
  pthread_mutex_unlock(&backend->readers_lock);
  if(!conn && sqlite_conn_open(backend->path, 0, &conn))
    return NULL;
  return conn;
}

static void sqlite_reader_release(void *handle, store_conn_t *conn)
{
  sqlite_backend_t *backend = handle;
  pthread_mutex_lock(&backend->readers_lock);
  conn->next_free = backend->readers_free;
  backend->readers_free = conn;
  pthread_mutex_unlock(&backend->readers_lock);
}

static obol_rc sqlite_shop_count(store_conn_t *conn, int64_t *count)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, SQL_SHOP_COUNT);
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
  sqlite3_stmt *stmt = sqlite_stmt(conn, SQL_SHOP_GET);
  int result;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, shop_id);
  result = sqlite3_step(stmt);
  if(result != SQLITE_ROW) {
    sqlite3_reset(stmt);
    return result == SQLITE_DONE ? OBOL_ERR_NOT_FOUND : OBOL_ERR_STORE;
  }
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
  sqlite3_reset(stmt);
  if(!out->name || !out->allowed_redirect_hosts)
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
  return sqlite_step_done(conn, stmt);
}

static obol_rc sqlite_shop_insert(store_conn_t *conn,
                                  const store_shop_t *shop)
{
  return sqlite_shop_write(conn, SQL_SHOP_INSERT, shop);
}

static obol_rc sqlite_shop_update(store_conn_t *conn,
                                  const store_shop_t *shop)
{
  obol_rc rc = sqlite_shop_write(conn, SQL_SHOP_UPDATE, shop);
  if(!rc && sqlite3_changes(conn->db) == 0)
    rc = OBOL_ERR_NOT_FOUND;
  return rc;
}

/* ---- API keys ---- */

static obol_rc sqlite_key_find_by_hash(store_conn_t *conn,
                                       const char *secret_hash,
                                       store_key_t *out)
{
  sqlite3_stmt *stmt = sqlite_stmt(conn, SQL_KEY_BY_HASH);
  int result;

  if(!stmt)
    return OBOL_ERR_STORE;
  sqlite_bind_text(stmt, 1, secret_hash);
  result = sqlite3_step(stmt);
  if(result != SQLITE_ROW) {
    sqlite3_reset(stmt);
    return result == SQLITE_DONE ? OBOL_ERR_NOT_FOUND : OBOL_ERR_STORE;
  }
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
  sqlite3_stmt *stmt = sqlite_stmt(conn, SQL_KEY_INSERT);

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
  sqlite3_stmt *stmt = sqlite_stmt(conn, SQL_KEY_REVOKE);
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

const store_ops_t store_sqlite_ops = {
  .name = "sqlite",
  .open = sqlite_open,
  .close = sqlite_close,
  .migrate = sqlite_migrate,
  .ping = sqlite_ping,
  .submit = sqlite_submit,
  .reader_acquire = sqlite_reader_acquire,
  .reader_release = sqlite_reader_release,
  .shop_get = sqlite_shop_get,
  .shop_count = sqlite_shop_count,
  .key_find_by_hash = sqlite_key_find_by_hash,
  .shop_insert = sqlite_shop_insert,
  .shop_update = sqlite_shop_update,
  .key_insert = sqlite_key_insert,
  .key_revoke = sqlite_key_revoke,
};
