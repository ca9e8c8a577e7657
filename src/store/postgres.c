/* The PostgreSQL backend, for many Obol nodes on one database.
 *
 * Writes: a pool of writer threads, each with its own connection, runs the
 * waiting jobs in READ COMMITTED transactions of up to 64 jobs, each job
 * under a savepoint (group commit, as on SQLite); read-modify-write of an
 * order locks its row (SELECT ... FOR UPDATE), so concurrent nodes
 * serialise on the order they change. A job that meets a serialization
 * failure or a deadlock is retried. Reads: a pool of connections. Statements are the
 * shared ones of schema.c, prepared once per connection. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "internal.h"

#define PG_WRITERS 8
#define PG_BATCH_MAX 64 /* jobs per transaction */
#define PG_READER_STRIPES 8
#define PG_PARAMS_MAX 40
#define PG_RETRIES 5
#define PG_MIGRATION_LOCK 4242 /* advisory lock: one node migrates at once */

struct store_conn {
  PGconn *pg;
  char prepared[STORE_SQL_COUNT];
  struct store_conn *next_free;
  int writer;
  int retry; /* the last error was a serialization failure or deadlock */
};


typedef struct {
  store_t *store;
  char *url;
  pthread_t writers[PG_WRITERS];
  int writer_count;
  store_queue_t jobs;
  pthread_mutex_t readers_lock[PG_READER_STRIPES];
  store_conn_t *readers_free[PG_READER_STRIPES];
} pg_backend_t;

/* Parameters as text, by their ?N position. */
typedef struct {
  const char *values[PG_PARAMS_MAX];
  char numbers[PG_PARAMS_MAX][24];
  int count;
} pg_params_t;

static void pg_param_text(pg_params_t *params, int position, const char *text)
{
  params->values[position - 1] = text;
  if(position > params->count)
    params->count = position;
}

static void pg_param_int(pg_params_t *params, int position, int64_t value)
{
  snprintf(params->numbers[position - 1], sizeof(params->numbers[0]), "%lld",
           (long long)value);
  pg_param_text(params, position, params->numbers[position - 1]);
}

/* 0 is "none" for times: NULL. */
static void pg_param_time(pg_params_t *params, int position, int64_t ms)
{
  if(ms)
    pg_param_int(params, position, ms);
  else
    pg_param_text(params, position, NULL);
}

/* ---- connections and statements ---- */

static void pg_conn_close(store_conn_t *conn)
{
  if(!conn)
    return;
  PQfinish(conn->pg);
  free(conn);
}

static obol_rc pg_conn_open(const char *url, int writer, store_conn_t **out)
{
  store_conn_t *conn = calloc(1, sizeof(*conn));
  PGresult *result;

  if(!conn)
    return OBOL_ERR_NOMEM;
  conn->writer = writer;
  conn->pg = PQconnectdb(url);
  if(PQstatus(conn->pg) != CONNECTION_OK) {
    core_log(CORE_LOG_ERROR, "store.open", "postgres: %s",
             PQerrorMessage(conn->pg));
    pg_conn_close(conn);
    return OBOL_ERR_STORE;
  }
  result = PQexec(conn->pg, "SET client_min_messages = warning");
  PQclear(result);
  *out = conn;
  return OBOL_OK;
}

/* Our SQL in PostgreSQL's words: ?N becomes $N, and a few statements. */
static char *pg_translate(int which)
{
  const char *sql = store_sql[which];
  size_t len = strlen(sql);
  char *out = malloc(len + 32);
  char *p = out;

  if(!out)
    return NULL;
  if(which == STORE_SQL_BEGIN)
    sql = "BEGIN";
  for(; *sql; sql++)
    *p++ = *sql == '?' ? '$' : *sql;
  *p = '\0';
  if(which == STORE_SQL_ORDER_LOCK || which == STORE_SQL_SHOP_LOCK ||
     which == STORE_SQL_ENDPOINT_LOCK || which == STORE_SQL_TRANSACTION_LOCK)
    strcpy(p, " FOR UPDATE");
  if(which == STORE_SQL_DELIVERY_DUE) /* nodes claim different rows */
    strcpy(p, " FOR UPDATE SKIP LOCKED");
  return out;
}

/* Maps a failed result to our status; notes retryable failures. */
static obol_rc pg_error(store_conn_t *conn, PGresult *result)
{
  const char *state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE)
                             : NULL;
  const char *constraint =
      result ? PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME) : NULL;

  /* Serialization failures and deadlocks are retried; so is a duplicate
   * idempotency key: another node answered it meanwhile, and the retry
   * finds and replays that answer. */
  conn->retry = state && (!strcmp(state, "40001") || !strcmp(state, "40P01") ||
                          (!strcmp(state, "23505") && constraint &&
                           !strcmp(constraint, "idempotency_keys_pkey")));
  if(conn->retry)
    return OBOL_ERR_CONFLICT;
  if(state && (!strcmp(state, "23505") || !strcmp(state, "23503")))
    return OBOL_ERR_CONFLICT; /* unique or foreign key violation */
  core_log(CORE_LOG_ERROR, "store.postgres", "%s",
           result ? PQresultErrorMessage(result) : PQerrorMessage(conn->pg));
  return OBOL_ERR_STORE;
}

/* A statement may leave some of the parameters a backend binds unused
 * (an UPDATE of a few columns); PostgreSQL types those as text, and infers
 * the rest from where they appear. */
static void pg_param_types(int which, int count, Oid *types)
{
  const char *sql = store_sql[which];
  int position;

  for(position = 1; position <= count; position++) {
    char mark[16];
    const char *found = sql;
    int used = 0;
    snprintf(mark, sizeof(mark), "?%d", position);
    while(!used && (found = strstr(found, mark))) {
      found += strlen(mark);
      used = *found < '0' || *found > '9'; /* ?1 is not ?12 */
    }
    types[position - 1] = used ? 0 : 25; /* 25: text */
  }
}

/* A broken connection is reconnected between transactions, never inside
 * one: a fresh session has no transaction, and a COMMIT there would claim
 * work that was lost. Its prepared statements are gone with it. */
static void pg_conn_check(store_conn_t *conn)
{
  if(PQstatus(conn->pg) != CONNECTION_BAD)
    return;
  PQreset(conn->pg);
  memset(conn->prepared, 0, sizeof(conn->prepared));
}

/* Runs statement `which`; *out gets the result (PQclear it) on success.
 * A statement is prepared on first use with as many parameters as this
 * first call binds; later calls bind the same number. */
static obol_rc pg_exec(store_conn_t *conn, int which,
                       const pg_params_t *params, PGresult **out)
{
  char name[16];
  PGresult *result;
  ExecStatusType status;

  snprintf(name, sizeof(name), "s%d", which);
  if(!conn->prepared[which]) {
    Oid types[PG_PARAMS_MAX];
    int count = params ? params->count : 0;
    char *sql = pg_translate(which);
    if(!sql)
      return OBOL_ERR_NOMEM;
    pg_param_types(which, count, types);
    result = PQprepare(conn->pg, name, sql, count, types);
    free(sql);
    if(PQresultStatus(result) != PGRES_COMMAND_OK) {
      obol_rc rc = pg_error(conn, result);
      PQclear(result);
      return rc;
    }
    PQclear(result);
    conn->prepared[which] = 1;
  }
  result = PQexecPrepared(conn->pg, name, params ? params->count : 0,
                          params ? params->values : NULL, NULL, NULL, 0);
  status = PQresultStatus(result);
  if(status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    obol_rc rc = pg_error(conn, result);
    PQclear(result);
    return rc;
  }
  if(out)
    *out = result;
  else
    PQclear(result);
  return OBOL_OK;
}

/* Rows changed by a write statement, as NOT_FOUND when none was. */
static obol_rc pg_exec_changed(store_conn_t *conn, int which,
                               const pg_params_t *params)
{
  PGresult *result;
  obol_rc rc = pg_exec(conn, which, params, &result);

  if(rc)
    return rc;
  if(!strcmp(PQcmdTuples(result), "0"))
    rc = OBOL_ERR_NOT_FOUND;
  PQclear(result);
  return rc;
}

static const char *pg_text(PGresult *result, int row, int column,
                           core_arena_t *arena)
{
  if(PQgetisnull(result, row, column))
    return NULL;
  return core_arena_strndup(arena, PQgetvalue(result, row, column),
                            (size_t)PQgetlength(result, row, column));
}

static void pg_copy(PGresult *result, int row, int column, char *out,
                    size_t out_size)
{
  snprintf(out, out_size, "%s", PQgetvalue(result, row, column));
}

static int64_t pg_int(PGresult *result, int row, int column)
{
  return PQgetisnull(result, row, column)
             ? 0
             : strtoll(PQgetvalue(result, row, column), NULL, 10);
}

/* ---- the writers ---- */

/* One job under a savepoint: a failure undoes the job alone; a
 * serialization failure, a deadlock or another node's answer to the same
 * idempotency key is tried again in place. */
static obol_rc pg_run_savepoint(store_conn_t *conn, store_tx_t *tx,
                                store_job_t *job)
{
  obol_rc rc = OBOL_ERR_STORE;
  int attempt;

  for(attempt = 0; attempt < PG_RETRIES; attempt++) {
    int retry;
    conn->retry = 0;
    rc = pg_exec(conn, STORE_SQL_SAVEPOINT, NULL, NULL);
    if(!rc)
      rc = job->apply(tx, job->arg);
    if(!rc)
      return pg_exec(conn, STORE_SQL_RELEASE, NULL, NULL);
    retry = conn->retry;
    pg_exec(conn, STORE_SQL_ROLLBACK_TO, NULL, NULL);
    pg_exec(conn, STORE_SQL_RELEASE, NULL, NULL);
    if(!retry)
      break;
  }
  return rc;
}

/* Group commit on top of PostgreSQL's: the waiting jobs run in one
 * transaction, each under its own savepoint, and commit once. A failed
 * batch is retried whole when PostgreSQL says a retry can succeed, or the
 * connection was lost before COMMIT; never when the COMMIT's own answer
 * was lost: it may have committed, and a batch must not apply twice (its
 * jobs get an error; a request with an Idempotency-Key replays). */
static void pg_run_batch(pg_backend_t *backend, store_conn_t *conn,
                         store_job_t *jobs)
{
  store_tx_t tx = {backend->store, conn};
  store_job_t *job;
  obol_rc rc = OBOL_ERR_STORE;
  int attempt;

  for(attempt = 0; conn && attempt < PG_RETRIES; attempt++) {
    int retry, committing = 0;
    pg_conn_check(conn);
    conn->retry = 0;
    rc = pg_exec(conn, STORE_SQL_BEGIN, NULL, NULL);
    for(job = jobs; job; job = job->next) {
      job->rc = rc ? rc : pg_run_savepoint(conn, &tx, job);
      /* still inside our transaction? if not, none of the batch holds */
      if(!rc && PQtransactionStatus(conn->pg) != PQTRANS_INTRANS)
        rc = OBOL_ERR_STORE;
    }
    if(!rc) {
      committing = 1;
      rc = pg_exec(conn, STORE_SQL_COMMIT, NULL, NULL);
    }
    if(!rc)
      break;
    /* a lost connection is retried whole, on a fresh one, unless it was
     * lost with the COMMIT's answer */
    retry = PQstatus(conn->pg) == CONNECTION_BAD ? !committing : conn->retry;
    if(PQstatus(conn->pg) != CONNECTION_BAD)
      pg_exec(conn, STORE_SQL_ROLLBACK, NULL, NULL);
    if(!retry)
      break;
  }
  for(job = jobs; rc && job; job = job->next)
    job->rc = OBOL_ERR_STORE; /* not committed, or not known to be */
  store_jobs_finish(jobs);
}

static void *pg_writer_main(void *arg)
{
  pg_backend_t *backend = arg;
  store_conn_t *conn = NULL;
  store_job_t *batch;

  while((batch = store_queue_take(&backend->jobs, PG_BATCH_MAX))) {
    if(!conn && pg_conn_open(backend->url, 1, &conn))
      conn = NULL;
    pg_run_batch(backend, conn, batch);
  }
  pg_conn_close(conn);
  return NULL;
}

static obol_rc pg_submit(void *handle, store_apply_fn apply,
                         store_done_fn done, void *arg)
{
  pg_backend_t *backend = handle;
  return store_queue_push(&backend->jobs, apply, done, arg);
}

/* ---- open, close, migrate, ping ---- */

static void pg_close(void *handle)
{
  pg_backend_t *backend = handle;
  int i;

  if(!backend)
    return;
  store_queue_stop(&backend->jobs);
  for(i = 0; i < backend->writer_count; i++) /* they drain the queue */
    pthread_join(backend->writers[i], NULL);
  for(i = 0; i < PG_READER_STRIPES; i++) {
    store_conn_t *conn;
    while((conn = backend->readers_free[i])) {
      backend->readers_free[i] = conn->next_free;
      pg_conn_close(conn);
    }
    pthread_mutex_destroy(&backend->readers_lock[i]);
  }
  store_queue_destroy(&backend->jobs);
  free(backend->url);
  free(backend);
}

static obol_rc pg_open(store_t *store, const char *location, void **out)
{
  pg_backend_t *backend = calloc(1, sizeof(*backend));
  store_conn_t *probe = NULL;
  obol_rc rc;
  int i;

  if(!backend)
    return OBOL_ERR_NOMEM;
  backend->store = store;
  backend->url = strdup(location);
  store_queue_init(&backend->jobs);
  for(i = 0; i < PG_READER_STRIPES; i++)
    pthread_mutex_init(&backend->readers_lock[i], NULL);
  rc = backend->url ? pg_conn_open(location, 0, &probe) : OBOL_ERR_NOMEM;
  if(rc) {
    pg_close(backend);
    return rc;
  }
  backend->readers_free[0] = probe; /* the database answers: keep it */
  for(i = 0; i < PG_WRITERS; i++) {
    if(pthread_create(&backend->writers[i], NULL, pg_writer_main, backend))
      break;
    backend->writer_count++;
  }
  if(!backend->writer_count) {
    pg_close(backend);
    return OBOL_ERR_IO;
  }
  *out = backend;
  return OBOL_OK;
}

typedef struct {
  int applied;
} pg_migrate_t;

static obol_rc pg_migrate_apply(store_tx_t *tx, void *arg)
{
  pg_migrate_t *migrate = arg;
  store_conn_t *conn = tx->conn;
  PGresult *result;
  char sql[256];
  int version, next;

  migrate->applied = 0; /* a retried transaction starts over */
  snprintf(sql, sizeof(sql),
           "SELECT pg_advisory_xact_lock(%d); CREATE TABLE IF NOT EXISTS "
           "schema_migrations (version INTEGER PRIMARY KEY, applied_at "
           "BIGINT NOT NULL)", PG_MIGRATION_LOCK);
  result = PQexec(conn->pg, sql);
  if(PQresultStatus(result) != PGRES_COMMAND_OK) {
    obol_rc rc = pg_error(conn, result);
    PQclear(result);
    return rc;
  }
  PQclear(result);
  if(pg_exec(conn, STORE_SQL_MIGRATION_VERSION, NULL, &result))
    return OBOL_ERR_STORE;
  version = (int)pg_int(result, 0, 0);
  PQclear(result);
  for(next = version + 1; next <= store_migration_count; next++) {
    pg_params_t params = {0};
    result = PQexec(conn->pg, store_migrations[next - 1]);
    if(PQresultStatus(result) != PGRES_COMMAND_OK) {
      obol_rc rc = pg_error(conn, result);
      core_log(CORE_LOG_ERROR, "store.migrate", "migration %d failed", next);
      PQclear(result);
      return rc;
    }
    PQclear(result);
    pg_param_int(&params, 1, next);
    pg_param_int(&params, 2, core_now_ms());
    if(pg_exec(conn, STORE_SQL_MIGRATION_RECORD, &params, NULL))
      return OBOL_ERR_STORE;
    migrate->applied++;
  }
  return OBOL_OK;
}

static obol_rc pg_migrate(void *handle, int *applied)
{
  pg_backend_t *backend = handle;
  pg_migrate_t migrate = {0};
  obol_rc rc = store_write(backend->store, pg_migrate_apply, &migrate);
  if(applied)
    *applied = migrate.applied;
  return rc;
}

static int pg_reader_stripe(void)
{
  static atomic_int next_stripe;
  static __thread int stripe = -1;
  if(stripe < 0)
    stripe = atomic_fetch_add(&next_stripe, 1) % PG_READER_STRIPES;
  return stripe;
}

static store_conn_t *pg_reader_acquire(void *handle)
{
  pg_backend_t *backend = handle;
  int stripe = pg_reader_stripe();
  store_conn_t *conn;
  int i;

  /* Any idle connection will do; open one more only when none is. */
  for(i = 0; i < PG_READER_STRIPES; i++) {
    int index = (stripe + i) % PG_READER_STRIPES;
    pthread_mutex_lock(&backend->readers_lock[index]);
    conn = backend->readers_free[index];
    if(conn)
      backend->readers_free[index] = conn->next_free;
    pthread_mutex_unlock(&backend->readers_lock[index]);
    if(conn) {
      pg_conn_check(conn);
      return conn;
    }
  }
  if(pg_conn_open(backend->url, 0, &conn))
    return NULL;
  return conn;
}

static void pg_reader_release(void *handle, store_conn_t *conn)
{
  pg_backend_t *backend = handle;
  int stripe = pg_reader_stripe();

  pthread_mutex_lock(&backend->readers_lock[stripe]);
  conn->next_free = backend->readers_free[stripe];
  backend->readers_free[stripe] = conn;
  pthread_mutex_unlock(&backend->readers_lock[stripe]);
}

static obol_rc pg_shop_count(store_conn_t *conn, int64_t *count)
{
  PGresult *result;
  obol_rc rc = pg_exec(conn, STORE_SQL_SHOP_COUNT, NULL, &result);
  if(rc)
    return rc;
  *count = pg_int(result, 0, 0);
  PQclear(result);
  return OBOL_OK;
}

static obol_rc pg_ping(void *handle)
{
  store_conn_t *conn = pg_reader_acquire(handle);
  int64_t count;
  obol_rc rc;

  if(!conn)
    return OBOL_ERR_STORE;
  rc = pg_shop_count(conn, &count);
  pg_reader_release(handle, conn);
  return rc;
}

/* Runs a single-row query: OBOL_OK with *out to read (PQclear it). */
static obol_rc pg_one(store_conn_t *conn, int which, const pg_params_t *params,
                      PGresult **out)
{
  obol_rc rc = pg_exec(conn, which, params, out);
  if(rc)
    return rc;
  if(PQntuples(*out) == 0) {
    PQclear(*out);
    return OBOL_ERR_NOT_FOUND;
  }
  return OBOL_OK;
}

/* ---- shops ---- */

static obol_rc pg_shop_get(store_conn_t *conn, core_arena_t *arena,
                           const char *shop_id, store_shop_t *out)
{
  pg_params_t params = {0};
  PGresult *result;
  obol_rc rc;

  pg_param_text(&params, 1, shop_id);
  /* inside a write the row stays locked: read-modify-write is safe */
  rc = pg_one(conn, conn->writer ? STORE_SQL_SHOP_LOCK : STORE_SQL_SHOP_GET,
              &params, &result);
  if(rc)
    return rc;
  memset(out, 0, sizeof(*out));
  pg_copy(result, 0, 0, out->id, sizeof(out->id));
  out->name = pg_text(result, 0, 1, arena);
  out->default_currency = pg_text(result, 0, 2, arena);
  out->default_language = pg_text(result, 0, 3, arena);
  out->allowed_redirect_hosts = pg_text(result, 0, 4, arena);
  out->url = pg_text(result, 0, 5, arena);
  out->country = pg_text(result, 0, 6, arena);
  out->contact_email = pg_text(result, 0, 7, arena);
  out->contact_phone = pg_text(result, 0, 8, arena);
  out->created_at = pg_int(result, 0, 9);
  out->updated_at = pg_int(result, 0, 10);
  out->brands = pg_text(result, 0, 11, arena);
  out->surcharge = pg_text(result, 0, 12, arena);
  out->payment_methods = pg_text(result, 0, 13, arena);
  out->affiliate_html = pg_text(result, 0, 14, arena);
  out->signing_secret = pg_text(result, 0, 15, arena);
  out->notification_key = pg_text(result, 0, 16, arena);
  out->ecwid = pg_text(result, 0, 17, arena);
  PQclear(result);
  if(!out->name || !out->allowed_redirect_hosts || !out->brands ||
     !out->payment_methods)
    return OBOL_ERR_NOMEM;
  return OBOL_OK;
}

static obol_rc pg_shop_write(store_conn_t *conn, int which,
                             const store_shop_t *shop)
{
  pg_params_t params = {0};

  pg_param_text(&params, 1, shop->id);
  pg_param_text(&params, 2, shop->name);
  pg_param_text(&params, 3, shop->default_currency);
  pg_param_text(&params, 4, shop->default_language);
  pg_param_text(&params, 5, shop->allowed_redirect_hosts
                                ? shop->allowed_redirect_hosts : "[]");
  pg_param_text(&params, 6, shop->url);
  pg_param_text(&params, 7, shop->country);
  pg_param_text(&params, 8, shop->contact_email);
  pg_param_text(&params, 9, shop->contact_phone);
  pg_param_int(&params, 10, shop->created_at);
  pg_param_int(&params, 11, shop->updated_at);
  pg_param_text(&params, 12, shop->brands ? shop->brands
                                          : "[\"visa\",\"master\",\"amex\"]");
  pg_param_text(&params, 13, shop->surcharge);
  pg_param_text(&params, 14, shop->payment_methods ? shop->payment_methods
                                                   : STORE_METHODS_DEFAULT);
  pg_param_text(&params, 15, shop->affiliate_html);
  pg_param_text(&params, 16, shop->signing_secret);
  pg_param_text(&params, 17, shop->notification_key);
  pg_param_text(&params, 18, shop->ecwid);
  return pg_exec_changed(conn, which, &params);
}

static obol_rc pg_shop_insert(store_conn_t *conn, const store_shop_t *shop)
{
  return pg_shop_write(conn, STORE_SQL_SHOP_INSERT, shop);
}

static obol_rc pg_shop_update(store_conn_t *conn, const store_shop_t *shop)
{
  return pg_shop_write(conn, STORE_SQL_SHOP_UPDATE, shop);
}

/* ---- API keys ---- */

static obol_rc pg_key_find_by_hash(store_conn_t *conn, const char *secret_hash,
                                   store_key_t *out)
{
  pg_params_t params = {0};
  PGresult *result;
  obol_rc rc;

  pg_param_text(&params, 1, secret_hash);
  rc = pg_one(conn, STORE_SQL_KEY_BY_HASH, &params, &result);
  if(rc)
    return rc;
  memset(out, 0, sizeof(*out));
  pg_copy(result, 0, 0, out->id, sizeof(out->id));
  pg_copy(result, 0, 1, out->shop_id, sizeof(out->shop_id));
  pg_copy(result, 0, 2, out->secret_hash, sizeof(out->secret_hash));
  pg_copy(result, 0, 3, out->prefix, sizeof(out->prefix));
  out->live = (int)pg_int(result, 0, 4);
  out->created_at = pg_int(result, 0, 5);
  out->revoked_at = pg_int(result, 0, 6);
  PQclear(result);
  return OBOL_OK;
}

static obol_rc pg_key_insert(store_conn_t *conn, const store_key_t *key)
{
  pg_params_t params = {0};

  pg_param_text(&params, 1, key->id);
  pg_param_text(&params, 2, key->shop_id);
  pg_param_text(&params, 3, key->secret_hash);
  pg_param_text(&params, 4, key->prefix);
  pg_param_int(&params, 5, key->live);
  pg_param_int(&params, 6, key->created_at);
  return pg_exec(conn, STORE_SQL_KEY_INSERT, &params, NULL);
}

static obol_rc pg_key_revoke(store_conn_t *conn, const char *key_id,
                             int64_t revoked_at)
{
  pg_params_t params = {0};

  pg_param_text(&params, 1, key_id);
  pg_param_int(&params, 2, revoked_at);
  return pg_exec_changed(conn, STORE_SQL_KEY_REVOKE, &params);
}

/* ---- orders ---- */

static obol_rc pg_order_read(PGresult *result, int row, core_arena_t *arena,
                             store_order_t *out)
{
  int i;

  memset(out, 0, sizeof(*out));
  pg_copy(result, row, 0, out->id, sizeof(out->id));
  pg_copy(result, row, 1, out->shop_id, sizeof(out->shop_id));
  pg_copy(result, row, 2, out->token, sizeof(out->token));
  pg_copy(result, row, 3, out->status, sizeof(out->status));
  pg_copy(result, row, 4, out->currency, sizeof(out->currency));
  out->amount = pg_int(result, row, 5);
  out->initial_amount = pg_int(result, row, 6);
  out->surcharge_amount = pg_int(result, row, 7);
  out->merchant_reference = pg_text(result, row, 8, arena);
  out->test = (int)pg_int(result, row, 9);
  out->capture_manual = (int)pg_int(result, row, 10);
  out->max_payment_attempts = (int)pg_int(result, row, 11);
  out->failed_attempts = (int)pg_int(result, row, 12);
  out->due_at = pg_int(result, row, 13);
  out->expires_at = pg_int(result, row, 14);
  out->deadline_at = pg_int(result, row, 15);
  out->event_sequence = pg_int(result, row, 16);
  out->created_at = pg_int(result, row, 17);
  out->updated_at = pg_int(result, row, 18);
  out->details = pg_text(result, row, 19, arena);
  for(i = 0; i < STORE_URL_COUNT; i++)
    out->urls[i] = pg_text(result, row, 20 + i, arena);
  pg_copy(result, row, 20 + STORE_URL_COUNT, out->language,
          sizeof(out->language));
  out->captured_amount = pg_int(result, row, 21 + STORE_URL_COUNT);
  out->refunded_amount = pg_int(result, row, 22 + STORE_URL_COUNT);
  pg_copy(result, row, 23 + STORE_URL_COUNT, out->kind, sizeof(out->kind));
  return out->details ? OBOL_OK : OBOL_ERR_NOMEM;
}

static obol_rc pg_order_one(store_conn_t *conn, int which,
                            const pg_params_t *params, core_arena_t *arena,
                            store_order_t *out)
{
  PGresult *result;
  obol_rc rc = pg_one(conn, which, params, &result);

  if(rc)
    return rc;
  rc = pg_order_read(result, 0, arena, out);
  PQclear(result);
  return rc;
}

/* Inside a write, the row is locked until the transaction ends. */
static obol_rc pg_order_get(store_conn_t *conn, core_arena_t *arena,
                            const char *shop_id, const char *order_id,
                            store_order_t *out)
{
  pg_params_t params = {0};

  pg_param_text(&params, 1, shop_id);
  pg_param_text(&params, 2, order_id);
  return pg_order_one(conn,
                      conn->writer ? STORE_SQL_ORDER_LOCK : STORE_SQL_ORDER_GET,
                      &params, arena, out);
}

static obol_rc pg_order_get_by_token(store_conn_t *conn, core_arena_t *arena,
                                     const char *shop_id, const char *token,
                                     store_order_t *out)
{
  pg_params_t params = {0};

  pg_param_text(&params, 1, shop_id);
  pg_param_text(&params, 2, token);
  return pg_order_one(conn, STORE_SQL_ORDER_BY_TOKEN, &params, arena, out);
}

static obol_rc pg_order_rows(store_conn_t *conn, int which,
                             const pg_params_t *params, core_arena_t *arena,
                             store_order_t **rows, size_t *count)
{
  PGresult *result;
  obol_rc rc = pg_exec(conn, which, params, &result);
  int total, i;

  if(rc)
    return rc;
  total = PQntuples(result);
  *rows = core_arena_alloc(arena, sizeof(**rows) * (size_t)(total ? total : 1));
  if(!*rows) {
    PQclear(result);
    return OBOL_ERR_NOMEM;
  }
  for(i = 0; !rc && i < total; i++)
    rc = pg_order_read(result, i, arena, &(*rows)[i]);
  *count = (size_t)i;
  PQclear(result);
  return rc;
}

static obol_rc pg_order_list(store_conn_t *conn, core_arena_t *arena,
                             const store_order_query_t *query,
                             store_order_t **rows, size_t *count)
{
  int which = query->kind                 ? STORE_SQL_ORDER_LIST_KIND
              : query->merchant_reference ? STORE_SQL_ORDER_LIST_REFERENCE
              : query->status             ? STORE_SQL_ORDER_LIST_STATUS
                                          : STORE_SQL_ORDER_LIST;
  pg_params_t params = {0};

  pg_param_text(&params, 1, query->shop_id);
  pg_param_int(&params, 2, query->created_from);
  pg_param_int(&params, 3, query->created_to ? query->created_to : INT64_MAX);
  pg_param_text(&params, 4, query->cursor_id);
  pg_param_int(&params, 5, query->cursor_created_at);
  pg_param_int(&params, 6, query->limit);
  if(which != STORE_SQL_ORDER_LIST)
    pg_param_text(&params, 7, query->status);
  if(which == STORE_SQL_ORDER_LIST_REFERENCE)
    pg_param_text(&params, 8, query->merchant_reference);
  if(which == STORE_SQL_ORDER_LIST_KIND)
    pg_param_text(&params, 9, query->kind);
  return pg_order_rows(conn, which, &params, arena, rows, count);
}

static obol_rc pg_order_list_due(store_conn_t *conn, core_arena_t *arena,
                                 int64_t now, int limit, store_order_t **rows,
                                 size_t *count)
{
  pg_params_t params = {0};

  pg_param_int(&params, 1, now);
  pg_param_int(&params, 2, limit);
  return pg_order_rows(conn, STORE_SQL_ORDER_LIST_DUE, &params, arena, rows,
                       count);
}

static void pg_order_params(pg_params_t *params, const store_order_t *order)
{
  int i;

  pg_param_text(params, 1, order->id);
  pg_param_text(params, 2, order->shop_id);
  pg_param_text(params, 3, order->token);
  pg_param_text(params, 4, order->status);
  pg_param_text(params, 5, order->currency);
  pg_param_int(params, 6, order->amount);
  pg_param_int(params, 7, order->initial_amount);
  pg_param_int(params, 8, order->surcharge_amount);
  pg_param_text(params, 9, order->merchant_reference);
  pg_param_int(params, 10, order->test);
  pg_param_int(params, 11, order->capture_manual);
  pg_param_int(params, 12, order->max_payment_attempts);
  pg_param_int(params, 13, order->failed_attempts);
  pg_param_time(params, 14, order->due_at);
  pg_param_time(params, 15, order->expires_at);
  pg_param_time(params, 16, order->deadline_at);
  pg_param_int(params, 17, order->event_sequence);
  pg_param_int(params, 18, order->created_at);
  pg_param_int(params, 19, order->updated_at);
  pg_param_text(params, 20, order->details);
  for(i = 0; i < STORE_URL_COUNT; i++)
    pg_param_text(params, 21 + i, order->urls[i]);
  pg_param_text(params, 21 + STORE_URL_COUNT, order->language);
  pg_param_int(params, 22 + STORE_URL_COUNT, order->captured_amount);
  pg_param_int(params, 23 + STORE_URL_COUNT, order->refunded_amount);
  pg_param_text(params, 24 + STORE_URL_COUNT,
                order->kind[0] ? order->kind : "payment");
}

static obol_rc pg_order_insert(store_conn_t *conn, const store_order_t *order)
{
  pg_params_t params = {0};
  pg_order_params(&params, order);
  return pg_exec(conn, STORE_SQL_ORDER_INSERT, &params, NULL);
}

static obol_rc pg_order_update(store_conn_t *conn, const store_order_t *order)
{
  pg_params_t params = {0};
  pg_order_params(&params, order);
  return pg_exec_changed(conn, STORE_SQL_ORDER_UPDATE, &params);
}

/* ---- transactions ---- */

static obol_rc pg_transaction_read(PGresult *result, int row,
                                   core_arena_t *arena,
                                   store_transaction_t *out)
{
  int i;

  memset(out, 0, sizeof(*out));
  pg_copy(result, row, 0, out->id, sizeof(out->id));
  pg_copy(result, row, 1, out->shop_id, sizeof(out->shop_id));
  pg_copy(result, row, 2, out->order_id, sizeof(out->order_id));
  pg_copy(result, row, 3, out->parent_id, sizeof(out->parent_id));
  pg_copy(result, row, 4, out->type, sizeof(out->type));
  pg_copy(result, row, 5, out->status, sizeof(out->status));
  pg_copy(result, row, 6, out->currency, sizeof(out->currency));
  out->amount = pg_int(result, row, 7);
  out->exp_month = (int)pg_int(result, row, 8);
  out->exp_year = (int)pg_int(result, row, 9);
  out->test = (int)pg_int(result, row, 10);
  out->deadline_at = pg_int(result, row, 11);
  out->created_at = pg_int(result, row, 12);
  out->updated_at = pg_int(result, row, 13);
  out->finished_at = pg_int(result, row, 14);
  for(i = 0; i < STORE_TXN_TEXT_COUNT; i++) {
    if(PQgetisnull(result, row, 15 + i))
      continue;
    out->text[i] = pg_text(result, row, 15 + i, arena);
    if(!out->text[i])
      return OBOL_ERR_NOMEM;
  }
  out->respond_by = pg_int(result, row, 15 + STORE_TXN_TEXT_COUNT);
  return OBOL_OK;
}

static obol_rc pg_transaction_rows(store_conn_t *conn, int which,
                                   const pg_params_t *params,
                                   core_arena_t *arena,
                                   store_transaction_t **rows, size_t *count)
{
  PGresult *result;
  obol_rc rc = pg_exec(conn, which, params, &result);
  int total, i;

  if(rc)
    return rc;
  total = PQntuples(result);
  if(total > STORE_TRANSACTIONS_MAX)
    total = STORE_TRANSACTIONS_MAX;
  *rows = core_arena_alloc(arena, sizeof(**rows) * (size_t)(total ? total : 1));
  if(!*rows) {
    PQclear(result);
    return OBOL_ERR_NOMEM;
  }
  for(i = 0; !rc && i < total; i++)
    rc = pg_transaction_read(result, i, arena, &(*rows)[i]);
  *count = (size_t)i;
  PQclear(result);
  return rc;
}

/* Inside a write, the row is locked until the transaction ends. */
static obol_rc pg_transaction_get(store_conn_t *conn, core_arena_t *arena,
                                  const char *shop_id,
                                  const char *transaction_id,
                                  store_transaction_t *out)
{
  pg_params_t params = {0};
  PGresult *result;
  obol_rc rc;

  pg_param_text(&params, 1, shop_id);
  pg_param_text(&params, 2, transaction_id);
  rc = pg_one(conn, conn->writer ? STORE_SQL_TRANSACTION_LOCK
                                 : STORE_SQL_TRANSACTION_GET,
              &params, &result);
  if(rc)
    return rc;
  rc = pg_transaction_read(result, 0, arena, out);
  PQclear(result);
  return rc;
}

static obol_rc pg_transaction_list(store_conn_t *conn, core_arena_t *arena,
                                   const char *shop_id, const char *order_id,
                                   store_transaction_t **rows, size_t *count)
{
  pg_params_t params = {0};

  pg_param_text(&params, 1, shop_id);
  pg_param_text(&params, 2, order_id);
  return pg_transaction_rows(conn, STORE_SQL_TRANSACTION_LIST, &params, arena,
                             rows, count);
}

static obol_rc pg_transaction_list_due(store_conn_t *conn,
                                       core_arena_t *arena, int64_t now,
                                       int limit, store_transaction_t **rows,
                                       size_t *count)
{
  pg_params_t params = {0};

  pg_param_int(&params, 1, now);
  pg_param_int(&params, 2, limit);
  return pg_transaction_rows(conn, STORE_SQL_TRANSACTION_DUE, &params, arena,
                             rows, count);
}

static void pg_transaction_params(pg_params_t *params,
                                  const store_transaction_t *txn)
{
  int i;

  pg_param_text(params, 1, txn->id);
  pg_param_text(params, 2, txn->shop_id);
  pg_param_text(params, 3, txn->order_id);
  pg_param_text(params, 4, txn->parent_id[0] ? txn->parent_id : NULL);
  pg_param_text(params, 5, txn->type);
  pg_param_text(params, 6, txn->status);
  pg_param_text(params, 7, txn->currency);
  pg_param_int(params, 8, txn->amount);
  pg_param_time(params, 9, txn->exp_month);
  pg_param_time(params, 10, txn->exp_year);
  pg_param_int(params, 11, txn->test);
  pg_param_time(params, 12, txn->deadline_at);
  pg_param_int(params, 13, txn->created_at);
  pg_param_int(params, 14, txn->updated_at);
  pg_param_time(params, 15, txn->finished_at);
  for(i = 0; i < STORE_TXN_TEXT_COUNT; i++)
    pg_param_text(params, 16 + i, txn->text[i]);
  pg_param_time(params, 16 + STORE_TXN_TEXT_COUNT, txn->respond_by);
}

static obol_rc pg_transaction_insert(store_conn_t *conn,
                                     const store_transaction_t *txn)
{
  pg_params_t params = {0};
  pg_transaction_params(&params, txn);
  return pg_exec(conn, STORE_SQL_TRANSACTION_INSERT, &params, NULL);
}

static obol_rc pg_transaction_update(store_conn_t *conn,
                                     const store_transaction_t *txn)
{
  pg_params_t params = {0};
  pg_transaction_params(&params, txn);
  return pg_exec_changed(conn, STORE_SQL_TRANSACTION_UPDATE, &params);
}

/* ---- events ---- */

static obol_rc pg_event_list(store_conn_t *conn, core_arena_t *arena,
                             const store_event_query_t *query,
                             store_event_t **rows, size_t *count)
{
  int which = query->order_id   ? STORE_SQL_EVENT_LIST
              : query->event_id ? STORE_SQL_EVENT_GET
                                : STORE_SQL_EVENT_PAGE;
  pg_params_t params = {0};
  PGresult *result;
  obol_rc rc;
  int total, i;

  pg_param_text(&params, 1, query->shop_id);
  if(which == STORE_SQL_EVENT_PAGE) {
    pg_param_text(&params, 2, query->cursor_id);
    pg_param_int(&params, 3, query->cursor_created_at);
    pg_param_int(&params, 4, query->limit);
  }
  else
    pg_param_text(&params, 2, query->order_id ? query->order_id
                                              : query->event_id);
  rc = pg_exec(conn, which, &params, &result);
  if(rc)
    return rc;
  total = PQntuples(result);
  *rows = core_arena_alloc(arena, sizeof(**rows) * (size_t)(total ? total : 1));
  if(!*rows) {
    PQclear(result);
    return OBOL_ERR_NOMEM;
  }
  for(i = 0; i < total; i++) {
    store_event_t *event = &(*rows)[i];
    memset(event, 0, sizeof(*event));
    pg_copy(result, i, 0, event->id, sizeof(event->id));
    pg_copy(result, i, 1, event->shop_id, sizeof(event->shop_id));
    pg_copy(result, i, 2, event->order_id, sizeof(event->order_id));
    event->sequence = pg_int(result, i, 3);
    pg_copy(result, i, 4, event->type, sizeof(event->type));
    event->created_at = pg_int(result, i, 5);
    event->data = pg_text(result, i, 6, arena);
  }
  *count = (size_t)total;
  PQclear(result);
  return OBOL_OK;
}

static obol_rc pg_event_insert(store_conn_t *conn, const store_event_t *event)
{
  pg_params_t params = {0};

  pg_param_text(&params, 1, event->id);
  pg_param_text(&params, 2, event->shop_id);
  pg_param_text(&params, 3, event->order_id);
  pg_param_int(&params, 4, event->sequence);
  pg_param_text(&params, 5, event->type);
  pg_param_int(&params, 6, event->created_at);
  pg_param_text(&params, 7, event->data);
  return pg_exec(conn, STORE_SQL_EVENT_INSERT, &params, NULL);
}

/* ---- idempotency keys ---- */

static obol_rc pg_idempotency_get(store_conn_t *conn, core_arena_t *arena,
                                  const char *shop_id, const char *key,
                                  store_idempotency_t *out)
{
  pg_params_t params = {0};
  PGresult *result;
  obol_rc rc;

  pg_param_text(&params, 1, shop_id);
  pg_param_text(&params, 2, key);
  rc = pg_one(conn, STORE_SQL_IDEMPOTENCY_GET, &params, &result);
  if(rc)
    return rc;
  memset(out, 0, sizeof(*out));
  pg_copy(result, 0, 0, out->shop_id, sizeof(out->shop_id));
  out->key = pg_text(result, 0, 1, arena);
  pg_copy(result, 0, 2, out->request_hash, sizeof(out->request_hash));
  out->status = (int)pg_int(result, 0, 3);
  out->body = pg_text(result, 0, 4, arena);
  out->created_at = pg_int(result, 0, 5);
  PQclear(result);
  return out->key && out->body ? OBOL_OK : OBOL_ERR_NOMEM;
}

static obol_rc pg_idempotency_insert(store_conn_t *conn,
                                     const store_idempotency_t *record)
{
  pg_params_t params = {0};

  pg_param_text(&params, 1, record->shop_id);
  pg_param_text(&params, 2, record->key);
  pg_param_text(&params, 3, record->request_hash);
  pg_param_int(&params, 4, record->status);
  pg_param_text(&params, 5, record->body);
  pg_param_int(&params, 6, record->created_at);
  return pg_exec(conn, STORE_SQL_IDEMPOTENCY_INSERT, &params, NULL);
}

static obol_rc pg_idempotency_prune(store_conn_t *conn, int64_t before)
{
  pg_params_t params = {0};

  pg_param_int(&params, 1, before);
  return pg_exec(conn, STORE_SQL_IDEMPOTENCY_PRUNE, &params, NULL);
}

/* ---- webhook endpoints ---- */

static obol_rc pg_endpoint_read(PGresult *result, int row, core_arena_t *arena,
                                store_endpoint_t *out)
{
  memset(out, 0, sizeof(*out));
  pg_copy(result, row, 0, out->id, sizeof(out->id));
  pg_copy(result, row, 1, out->shop_id, sizeof(out->shop_id));
  out->url = pg_text(result, row, 2, arena);
  out->events = pg_text(result, row, 3, arena);
  out->description = pg_text(result, row, 4, arena);
  out->enabled = (int)pg_int(result, row, 5);
  out->secret = pg_text(result, row, 6, arena);
  out->previous_secret = pg_text(result, row, 7, arena);
  out->previous_secret_until = pg_int(result, row, 8);
  out->created_at = pg_int(result, row, 9);
  out->updated_at = pg_int(result, row, 10);
  out->dialect = pg_text(result, row, 11, arena);
  return out->url && out->events && out->secret ? OBOL_OK : OBOL_ERR_NOMEM;
}

/* Inside a write the row stays locked until the transaction ends. */
static obol_rc pg_endpoint_get(store_conn_t *conn, core_arena_t *arena,
                               const char *shop_id, const char *endpoint_id,
                               store_endpoint_t *out)
{
  pg_params_t params = {0};
  PGresult *result;
  obol_rc rc;

  pg_param_text(&params, 1, shop_id);
  pg_param_text(&params, 2, endpoint_id);
  rc = pg_one(conn,
              conn->writer ? STORE_SQL_ENDPOINT_LOCK : STORE_SQL_ENDPOINT_GET,
              &params, &result);
  if(rc)
    return rc;
  rc = pg_endpoint_read(result, 0, arena, out);
  PQclear(result);
  return rc;
}

static obol_rc pg_endpoint_list(store_conn_t *conn, core_arena_t *arena,
                                const char *shop_id, store_endpoint_t **rows,
                                size_t *count)
{
  pg_params_t params = {0};
  PGresult *result;
  obol_rc rc;
  int total, i;

  pg_param_text(&params, 1, shop_id);
  rc = pg_exec(conn, STORE_SQL_ENDPOINT_LIST, &params, &result);
  if(rc)
    return rc;
  total = PQntuples(result);
  *rows = core_arena_alloc(arena, sizeof(**rows) * (size_t)(total ? total : 1));
  if(!*rows) {
    PQclear(result);
    return OBOL_ERR_NOMEM;
  }
  for(i = 0; !rc && i < total; i++)
    rc = pg_endpoint_read(result, i, arena, &(*rows)[i]);
  *count = (size_t)i;
  PQclear(result);
  return rc;
}

static obol_rc pg_endpoint_write(store_conn_t *conn, int which,
                                 const store_endpoint_t *endpoint)
{
  pg_params_t params = {0};

  pg_param_text(&params, 1, endpoint->id);
  pg_param_text(&params, 2, endpoint->shop_id);
  pg_param_text(&params, 3, endpoint->url);
  pg_param_text(&params, 4, endpoint->events);
  pg_param_text(&params, 5, endpoint->description);
  pg_param_int(&params, 6, endpoint->enabled);
  pg_param_text(&params, 7, endpoint->secret);
  pg_param_text(&params, 8, endpoint->previous_secret);
  pg_param_int(&params, 9, endpoint->previous_secret_until);
  pg_param_int(&params, 10, endpoint->created_at);
  pg_param_int(&params, 11, endpoint->updated_at);
  pg_param_text(&params, 12, endpoint->dialect);
  return pg_exec_changed(conn, which, &params);
}

static obol_rc pg_endpoint_insert(store_conn_t *conn,
                                  const store_endpoint_t *endpoint)
{
  return pg_endpoint_write(conn, STORE_SQL_ENDPOINT_INSERT, endpoint);
}

static obol_rc pg_endpoint_update(store_conn_t *conn,
                                  const store_endpoint_t *endpoint)
{
  return pg_endpoint_write(conn, STORE_SQL_ENDPOINT_UPDATE, endpoint);
}

static obol_rc pg_endpoint_delete(store_conn_t *conn, const char *shop_id,
                                  const char *endpoint_id)
{
  pg_params_t params = {0};

  pg_param_text(&params, 1, shop_id);
  pg_param_text(&params, 2, endpoint_id);
  return pg_exec_changed(conn, STORE_SQL_ENDPOINT_DELETE, &params);
}

/* ---- deliveries ---- */

static obol_rc pg_delivery_insert(store_conn_t *conn,
                                  const store_delivery_t *delivery)
{
  pg_params_t params = {0};

  pg_param_text(&params, 1, delivery->id);
  pg_param_text(&params, 2, delivery->shop_id);
  pg_param_text(&params, 3, delivery->event_id);
  pg_param_text(&params, 4, delivery->endpoint_id);
  pg_param_int(&params, 5, delivery->created_at);
  pg_param_text(&params, 6, delivery->kind[0] ? delivery->kind : "webhook");
  pg_param_text(&params, 7, delivery->url);
  pg_param_text(&params, 8, delivery->payload);
  return pg_exec(conn, STORE_SQL_DELIVERY_INSERT, &params, NULL);
}

static obol_rc pg_delivery_supersede(store_conn_t *conn, const char *shop_id,
                                     const char *order_id, const char *kind,
                                     int64_t now)
{
  pg_params_t params = {0};

  pg_param_text(&params, 1, shop_id);
  pg_param_text(&params, 2, order_id);
  pg_param_text(&params, 3, kind);
  pg_param_int(&params, 4, now);
  return pg_exec(conn, STORE_SQL_DELIVERY_SUPERSEDE, &params, NULL);
}

static obol_rc pg_delivery_due(store_conn_t *conn, core_arena_t *arena,
                               int64_t now, int limit,
                               char (**ids)[STORE_ID_MAX], size_t *count)
{
  pg_params_t params = {0};
  PGresult *result;
  obol_rc rc;
  int total, i;

  pg_param_int(&params, 1, now);
  pg_param_int(&params, 2, limit);
  rc = pg_exec(conn, STORE_SQL_DELIVERY_DUE, &params, &result);
  if(rc)
    return rc;
  total = PQntuples(result);
  *ids = core_arena_alloc(arena, (size_t)(total ? total : 1) * STORE_ID_MAX);
  if(!*ids) {
    PQclear(result);
    return OBOL_ERR_NOMEM;
  }
  for(i = 0; i < total; i++)
    pg_copy(result, i, 0, (*ids)[i], STORE_ID_MAX);
  *count = (size_t)total;
  PQclear(result);
  return OBOL_OK;
}

static obol_rc pg_delivery_lease(store_conn_t *conn, const char *delivery_id,
                                 int64_t lease_until)
{
  pg_params_t params = {0};

  pg_param_text(&params, 1, delivery_id);
  pg_param_int(&params, 2, lease_until);
  return pg_exec(conn, STORE_SQL_DELIVERY_LEASE, &params, NULL);
}

static obol_rc pg_delivery_work(store_conn_t *conn, core_arena_t *arena,
                                const char *delivery_id, store_work_t *out)
{
  pg_params_t params = {0};
  PGresult *result;
  obol_rc rc;

  pg_param_text(&params, 1, delivery_id);
  rc = pg_one(conn, STORE_SQL_DELIVERY_WORK, &params, &result);
  if(rc)
    return rc;
  memset(out, 0, sizeof(*out));
  pg_copy(result, 0, 0, out->delivery.id, sizeof(out->delivery.id));
  pg_copy(result, 0, 1, out->delivery.shop_id, sizeof(out->delivery.shop_id));
  pg_copy(result, 0, 2, out->delivery.event_id,
          sizeof(out->delivery.event_id));
  pg_copy(result, 0, 3, out->delivery.endpoint_id,
          sizeof(out->delivery.endpoint_id));
  out->delivery.attempts = (int)pg_int(result, 0, 4);
  pg_copy(result, 0, 5, out->event_type, sizeof(out->event_type));
  out->event_created_at = pg_int(result, 0, 6);
  out->event_data = pg_text(result, 0, 7, arena);
  out->url = pg_text(result, 0, 8, arena);
  out->secret = pg_text(result, 0, 9, arena);
  out->previous_secret = pg_text(result, 0, 10, arena);
  out->previous_secret_until = pg_int(result, 0, 11);
  out->enabled = (int)pg_int(result, 0, 12);
  out->event_sequence = pg_int(result, 0, 13);
  out->test = (int)pg_int(result, 0, 14);
  pg_copy(result, 0, 15, out->kind, sizeof(out->kind));
  out->dialect = pg_text(result, 0, 16, arena);
  out->notification_key = pg_text(result, 0, 17, arena);
  out->payload = pg_text(result, 0, 18, arena);
  PQclear(result);
  return out->event_data ? OBOL_OK : OBOL_ERR_NOMEM;
}

static obol_rc pg_delivery_update(store_conn_t *conn,
                                  const store_delivery_t *delivery,
                                  const store_attempt_t *attempt)
{
  pg_params_t update = {0}, log = {0};
  obol_rc rc;

  pg_param_text(&update, 1, delivery->id);
  pg_param_text(&update, 2, delivery->status);
  pg_param_int(&update, 3, delivery->attempts);
  pg_param_time(&update, 4, delivery->next_attempt_at);
  pg_param_time(&update, 5, delivery->last_status);
  pg_param_text(&update, 6, delivery->last_error);
  pg_param_int(&update, 7, delivery->updated_at);
  rc = pg_exec(conn, STORE_SQL_DELIVERY_UPDATE, &update, NULL);
  if(rc)
    return rc;
  pg_param_text(&log, 1, attempt->id);
  pg_param_text(&log, 2, attempt->delivery_id);
  pg_param_int(&log, 3, attempt->attempted_at);
  pg_param_time(&log, 4, attempt->status_code);
  pg_param_text(&log, 5, attempt->error);
  pg_param_int(&log, 6, attempt->duration_ms);
  return pg_exec(conn, STORE_SQL_ATTEMPT_INSERT, &log, NULL);
}

static obol_rc pg_delivery_list(store_conn_t *conn, core_arena_t *arena,
                                const char *shop_id, const char *event_id,
                                store_delivery_t **rows, size_t *count)
{
  pg_params_t params = {0};
  PGresult *result;
  obol_rc rc;
  int total, i;

  pg_param_text(&params, 1, shop_id);
  pg_param_text(&params, 2, event_id);
  rc = pg_exec(conn, STORE_SQL_DELIVERY_LIST, &params, &result);
  if(rc)
    return rc;
  total = PQntuples(result);
  *rows = core_arena_alloc(arena, sizeof(**rows) * (size_t)(total ? total : 1));
  if(!*rows) {
    PQclear(result);
    return OBOL_ERR_NOMEM;
  }
  for(i = 0; i < total; i++) {
    store_delivery_t *row = &(*rows)[i];
    memset(row, 0, sizeof(*row));
    pg_copy(result, i, 0, row->id, sizeof(row->id));
    snprintf(row->shop_id, sizeof(row->shop_id), "%s", shop_id);
    snprintf(row->event_id, sizeof(row->event_id), "%s", event_id);
    pg_copy(result, i, 1, row->endpoint_id, sizeof(row->endpoint_id));
    pg_copy(result, i, 2, row->status, sizeof(row->status));
    row->attempts = (int)pg_int(result, i, 3);
    row->next_attempt_at = pg_int(result, i, 4);
    row->last_status = (int)pg_int(result, i, 5);
    row->last_error = pg_text(result, i, 6, arena);
    row->created_at = pg_int(result, i, 7);
    row->updated_at = pg_int(result, i, 8);
    pg_copy(result, i, 9, row->kind, sizeof(row->kind));
    row->url = pg_text(result, i, 10, arena);
    row->payload = pg_text(result, i, 11, arena);
  }
  *count = (size_t)total;
  PQclear(result);
  return OBOL_OK;
}

/* ---- nodes ---- */

static obol_rc pg_node_count(store_conn_t *conn, int64_t since,
                             int64_t *count)
{
  pg_params_t params = {0};
  PGresult *result;
  obol_rc rc;

  pg_param_int(&params, 1, since);
  rc = pg_one(conn, STORE_SQL_NODE_COUNT, &params, &result);
  if(rc)
    return rc;
  *count = pg_int(result, 0, 0);
  PQclear(result);
  return OBOL_OK;
}

static obol_rc pg_node_heartbeat(store_conn_t *conn, const char *node_id,
                                 int64_t now, int64_t before)
{
  pg_params_t beat = {0}, prune = {0};
  obol_rc rc;

  pg_param_text(&beat, 1, node_id);
  pg_param_int(&beat, 2, now);
  rc = pg_exec(conn, STORE_SQL_NODE_HEARTBEAT, &beat, NULL);
  pg_param_int(&prune, 1, before);
  if(!rc)
    rc = pg_exec(conn, STORE_SQL_NODE_PRUNE, &prune, NULL);
  return rc;
}

const store_ops_t store_postgres_ops = {
  .name = "postgres",
  .open = pg_open,
  .close = pg_close,
  .migrate = pg_migrate,
  .ping = pg_ping,
  .claim = NULL, /* many nodes share one database */
  .submit = pg_submit,
  .reader_acquire = pg_reader_acquire,
  .reader_release = pg_reader_release,
  .shop_get = pg_shop_get,
  .shop_count = pg_shop_count,
  .key_find_by_hash = pg_key_find_by_hash,
  .order_get = pg_order_get,
  .order_get_by_token = pg_order_get_by_token,
  .order_list = pg_order_list,
  .order_list_due = pg_order_list_due,
  .event_list = pg_event_list,
  .idempotency_get = pg_idempotency_get,
  .shop_insert = pg_shop_insert,
  .shop_update = pg_shop_update,
  .key_insert = pg_key_insert,
  .key_revoke = pg_key_revoke,
  .order_insert = pg_order_insert,
  .order_update = pg_order_update,
  .event_insert = pg_event_insert,
  .idempotency_insert = pg_idempotency_insert,
  .idempotency_prune = pg_idempotency_prune,
  .node_count = pg_node_count,
  .transaction_get = pg_transaction_get,
  .transaction_list = pg_transaction_list,
  .transaction_list_due = pg_transaction_list_due,
  .transaction_insert = pg_transaction_insert,
  .transaction_update = pg_transaction_update,
  .endpoint_get = pg_endpoint_get,
  .endpoint_list = pg_endpoint_list,
  .endpoint_insert = pg_endpoint_insert,
  .endpoint_update = pg_endpoint_update,
  .endpoint_delete = pg_endpoint_delete,
  .delivery_insert = pg_delivery_insert,
  .delivery_supersede = pg_delivery_supersede,
  .delivery_due = pg_delivery_due,
  .delivery_lease = pg_delivery_lease,
  .delivery_work = pg_delivery_work,
  .delivery_update = pg_delivery_update,
  .delivery_list = pg_delivery_list,
  .node_heartbeat = pg_node_heartbeat,
};
