/* The sweeper: applies due deadlines (overdue, expired) in the background.
 * It reads only orders whose deadline_at has passed (an index range scan),
 * so its work is proportional to what is due, not to what is stored. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "order.h"

#define SWEEP_BATCH 100

struct order_sweeper {
  store_t *store;
  void (*housekeeping)(store_t *store, void *context);
  void *context;
  int interval_ms;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  int stopping;
};

typedef struct {
  const store_order_t *due;
  int changed;
} sweep_job_t;

/* Re-reads the order inside the transaction: it may have moved on. */
static obol_rc sweep_apply(store_tx_t *tx, void *arg)
{
  sweep_job_t *job = arg;
  core_arena_t *arena = core_arena_create(4096);
  store_order_t order;
  obol_rc rc;

  if(!arena)
    return OBOL_ERR_NOMEM;
  rc = store_tx_order_get(tx, arena, job->due->shop_id, job->due->id, &order);
  if(!rc)
    rc = order_apply_deadlines(tx, arena, &order, core_now_ms(),
                               &job->changed);
  core_arena_destroy(arena);
  return rc;
}

int order_sweep(store_t *store)
{
  int changed = 0;
  int rounds;

  for(rounds = 0; rounds < 1000; rounds++) {
    core_arena_t *arena = core_arena_create(16384);
    store_order_t *due = NULL;
    size_t count = 0, i;
    int progress = 0;

    if(!arena)
      break;
    if(store_order_list_due(store, arena, core_now_ms(), SWEEP_BATCH, &due,
                            &count)) {
      core_arena_destroy(arena);
      break;
    }
    for(i = 0; i < count; i++) {
      sweep_job_t job = {&due[i], 0};
      obol_rc rc = store_write(store, sweep_apply, &job);
      if(rc)
        core_log(CORE_LOG_WARN, "sweeper.order", "%s: %s", due[i].id,
                 obol_rc_str(rc));
      changed += job.changed;
      progress += job.changed;
    }
    core_arena_destroy(arena);
    if(count < SWEEP_BATCH || !progress)
      break;
  }
  return changed;
}

static void *sweeper_main(void *arg)
{
  order_sweeper_t *sweeper = arg;

  pthread_mutex_lock(&sweeper->lock);
  while(!sweeper->stopping) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += sweeper->interval_ms / 1000;
    until.tv_nsec += (long)(sweeper->interval_ms % 1000) * 1000000L;
    if(until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&sweeper->wake, &sweeper->lock, &until);
    if(sweeper->stopping)
      break;
    pthread_mutex_unlock(&sweeper->lock);
    order_sweep(sweeper->store);
    if(sweeper->housekeeping)
      sweeper->housekeeping(sweeper->store, sweeper->context);
    pthread_mutex_lock(&sweeper->lock);
  }
  pthread_mutex_unlock(&sweeper->lock);
  return NULL;
}

obol_rc order_sweeper_start(store_t *store, int interval_ms,
                            void (*housekeeping)(store_t *store,
                                                 void *context),
                            void *context, order_sweeper_t **out)
{
  order_sweeper_t *sweeper = calloc(1, sizeof(*sweeper));

  if(!sweeper)
    return OBOL_ERR_NOMEM;
  sweeper->store = store;
  sweeper->housekeeping = housekeeping;
  sweeper->context = context;
  sweeper->interval_ms = interval_ms > 0 ? interval_ms : 1000;
  pthread_mutex_init(&sweeper->lock, NULL);
  pthread_cond_init(&sweeper->wake, NULL);
  if(pthread_create(&sweeper->thread, NULL, sweeper_main, sweeper)) {
    free(sweeper);
    return OBOL_ERR_IO;
  }
  *out = sweeper;
  return OBOL_OK;
}

void order_sweeper_stop(order_sweeper_t *sweeper)
{
  if(!sweeper)
    return;
  pthread_mutex_lock(&sweeper->lock);
  sweeper->stopping = 1;
  pthread_cond_signal(&sweeper->wake);
  pthread_mutex_unlock(&sweeper->lock);
  pthread_join(sweeper->thread, NULL);
  pthread_mutex_destroy(&sweeper->lock);
  pthread_cond_destroy(&sweeper->wake);
  free(sweeper);
}
