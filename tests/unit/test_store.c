/* The SQLite backend on a real file: migrations, reads after writes, group
 * commit where one failing job leaves the others intact. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/store/store.h"

typedef struct {
  char path[256];
  store_t *store;
} fixture_t;

static int setup(void **state)
{
  fixture_t *f = calloc(1, sizeof(*f));
  int applied = -1;
  snprintf(f->path, sizeof(f->path), "/tmp/obol-unit-%d-%ld.db", getpid(),
           (long)core_monotonic_ns());
  if(store_open(f->path, &f->store) || store_migrate(f->store, &applied) ||
     applied < 1)
    return -1;
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture_t *f = *state;
  char side[300];
  store_close(f->store);
  unlink(f->path);
  snprintf(side, sizeof(side), "%s-wal", f->path);
  unlink(side);
  snprintf(side, sizeof(side), "%s-shm", f->path);
  unlink(side);
  free(f);
  return 0;
}

typedef struct {
  const char *id;
  const char *name;
  int fail_after_insert;
} insert_t;

static obol_rc insert_apply(store_tx_t *tx, void *arg)
{
  insert_t *insert = arg;
  store_shop_t shop;
  obol_rc rc;

  memset(&shop, 0, sizeof(shop));
  snprintf(shop.id, sizeof(shop.id), "%s", insert->id);
  shop.name = insert->name;
  shop.created_at = shop.updated_at = 1000;
  rc = store_tx_shop_insert(tx, &shop);
  if(!rc && insert->fail_after_insert)
    rc = OBOL_ERR_INVALID;
  return rc;
}

static void test_migrate_is_idempotent(void **state)
{
  fixture_t *f = *state;
  int applied = -1;
  assert_int_equal(store_migrate(f->store, &applied), OBOL_OK);
  assert_int_equal(applied, 0);
}

static void test_write_then_read(void **state)
{
  fixture_t *f = *state;
  insert_t insert = {"shop_a", "Alpha", 0};
  core_arena_t *arena = core_arena_create(1024);
  store_shop_t shop;
  int64_t count = -1;

  assert_int_equal(store_write(f->store, insert_apply, &insert), OBOL_OK);
  assert_int_equal(store_shop_get(f->store, arena, "shop_a", &shop), OBOL_OK);
  assert_string_equal(shop.name, "Alpha");
  assert_string_equal(shop.allowed_redirect_hosts, "[]");
  assert_null(shop.url);
  assert_int_equal(store_shop_get(f->store, arena, "shop_b", &shop),
                   OBOL_ERR_NOT_FOUND);
  assert_int_equal(store_shop_count(f->store, &count), OBOL_OK);
  assert_int_equal(count, 1);
  /* the same id twice is a conflict, not a crash */
  assert_int_equal(store_write(f->store, insert_apply, &insert),
                   OBOL_ERR_CONFLICT);
  core_arena_destroy(arena);
}

/* ---- many async jobs: one batch, one failure ---- */
typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int pending;
  obol_rc rcs[64];
} batch_t;

typedef struct {
  insert_t insert;
  batch_t *batch;
  int index;
  char id[32];
} job_t;

static obol_rc job_apply(store_tx_t *tx, void *arg)
{
  return insert_apply(tx, &((job_t *)arg)->insert);
}

static void job_done(void *arg, obol_rc rc)
{
  job_t *job = arg;
  pthread_mutex_lock(&job->batch->lock);
  job->batch->rcs[job->index] = rc;
  job->batch->pending--;
  pthread_cond_signal(&job->batch->cond);
  pthread_mutex_unlock(&job->batch->lock);
}

static void test_failed_job_does_not_spoil_its_batch(void **state)
{
  fixture_t *f = *state;
  batch_t batch = {.pending = 64};
  job_t jobs[64];
  core_arena_t *arena = core_arena_create(1024);
  store_shop_t shop;
  int64_t count = 0;
  int i;

  pthread_mutex_init(&batch.lock, NULL);
  pthread_cond_init(&batch.cond, NULL);
  for(i = 0; i < 64; i++) {
    jobs[i].batch = &batch;
    jobs[i].index = i;
    snprintf(jobs[i].id, sizeof(jobs[i].id), "shop_%02d", i);
    jobs[i].insert.id = jobs[i].id;
    jobs[i].insert.name = "n";
    jobs[i].insert.fail_after_insert = (i % 10 == 3);
    assert_int_equal(store_submit(f->store, job_apply, job_done, &jobs[i]),
                     OBOL_OK);
  }
  pthread_mutex_lock(&batch.lock);
  while(batch.pending)
    pthread_cond_wait(&batch.cond, &batch.lock);
  pthread_mutex_unlock(&batch.lock);
  for(i = 0; i < 64; i++) {
    obol_rc expected = (i % 10 == 3) ? OBOL_ERR_INVALID : OBOL_OK;
    assert_int_equal(batch.rcs[i], expected);
    assert_int_equal(store_shop_get(f->store, arena, jobs[i].id, &shop),
                     expected ? OBOL_ERR_NOT_FOUND : OBOL_OK);
  }
  assert_int_equal(store_shop_count(f->store, &count), OBOL_OK);
  assert_int_equal(count, 64 - 7);
  core_arena_destroy(arena);
}

static obol_rc key_insert_apply(store_tx_t *tx, void *arg)
{
  return store_tx_key_insert(tx, arg);
}

static obol_rc key_revoke_apply(store_tx_t *tx, void *arg)
{
  return store_tx_key_revoke(tx, arg, 77);
}

static void test_keys(void **state)
{
  fixture_t *f = *state;
  insert_t insert = {"shop_k", "K", 0};
  store_key_t key, found;

  assert_int_equal(store_write(f->store, insert_apply, &insert), OBOL_OK);
  memset(&key, 0, sizeof(key));
  strcpy(key.id, "key_1");
  strcpy(key.shop_id, "shop_k");
  memset(key.secret_hash, 'a', CORE_SHA256_HEX_LEN);
  strcpy(key.prefix, "sk_test_abcd");
  key.created_at = 5;
  assert_int_equal(store_key_find_by_hash(f->store, key.secret_hash, &found),
                   OBOL_ERR_NOT_FOUND);
  assert_int_equal(store_write(f->store, key_insert_apply, &key), OBOL_OK);
  assert_int_equal(store_key_find_by_hash(f->store, key.secret_hash, &found),
                   OBOL_OK);
  assert_string_equal(found.id, "key_1");
  assert_string_equal(found.shop_id, "shop_k");
  assert_int_equal(found.revoked_at, 0);
  assert_int_equal(store_write(f->store, key_revoke_apply, "key_1"), OBOL_OK);
  assert_int_equal(store_key_find_by_hash(f->store, key.secret_hash, &found),
                   OBOL_OK);
  assert_int_equal(found.revoked_at, 77);
  /* revoking twice, or an unknown key, finds nothing to revoke */
  assert_int_equal(store_write(f->store, key_revoke_apply, "key_1"),
                   OBOL_ERR_NOT_FOUND);
  assert_int_equal(store_write(f->store, key_revoke_apply, "key_x"),
                   OBOL_ERR_NOT_FOUND);
  /* a key for a shop that does not exist violates the foreign key */
  strcpy(key.id, "key_2");
  strcpy(key.shop_id, "shop_none");
  memset(key.secret_hash, 'b', CORE_SHA256_HEX_LEN);
  assert_int_equal(store_write(f->store, key_insert_apply, &key),
                   OBOL_ERR_CONFLICT);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_migrate_is_idempotent, setup, teardown),
    cmocka_unit_test_setup_teardown(test_write_then_read, setup, teardown),
    cmocka_unit_test_setup_teardown(test_failed_job_does_not_spoil_its_batch,
                                    setup, teardown),
    cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
  };
  return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
