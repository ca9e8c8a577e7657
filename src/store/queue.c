/* The queue of write jobs that backends' writer threads take batches from
 * (and SQLite's completed batches wait in for their callbacks). */
#include <stdlib.h>

#include "internal.h"

void store_queue_init(store_queue_t *queue)
{
  pthread_mutex_init(&queue->lock, NULL);
  pthread_cond_init(&queue->cond, NULL);
  queue->head = NULL;
  queue->tail = NULL;
  queue->stopping = 0;
}

void store_queue_destroy(store_queue_t *queue)
{
  pthread_mutex_destroy(&queue->lock);
  pthread_cond_destroy(&queue->cond);
}

obol_rc store_queue_append(store_queue_t *queue, store_job_t *jobs)
{
  store_job_t *last = jobs;

  while(last->next)
    last = last->next;
  pthread_mutex_lock(&queue->lock);
  if(queue->stopping) {
    pthread_mutex_unlock(&queue->lock);
    return OBOL_ERR_SHUTDOWN;
  }
  if(queue->tail)
    queue->tail->next = jobs;
  else
    queue->head = jobs;
  queue->tail = last;
  pthread_cond_signal(&queue->cond);
  pthread_mutex_unlock(&queue->lock);
  return OBOL_OK;
}

obol_rc store_queue_push(store_queue_t *queue, store_apply_fn apply,
                         store_done_fn done, void *arg)
{
  store_job_t *job = calloc(1, sizeof(*job));
  obol_rc rc;

  if(!job)
    return OBOL_ERR_NOMEM;
  job->apply = apply;
  job->done = done;
  job->arg = arg;
  rc = store_queue_append(queue, job);
  if(rc)
    free(job);
  return rc;
}

store_job_t *store_queue_take(store_queue_t *queue, int max)
{
  store_job_t *batch, *last;
  int count = 1;

  pthread_mutex_lock(&queue->lock);
  while(!queue->head && !queue->stopping)
    pthread_cond_wait(&queue->cond, &queue->lock);
  batch = queue->head;
  if(batch) {
    for(last = batch; last->next && (max <= 0 || count < max); count++)
      last = last->next;
    queue->head = last->next;
    if(!queue->head)
      queue->tail = NULL;
    last->next = NULL;
  }
  pthread_mutex_unlock(&queue->lock);
  return batch;
}

void store_queue_stop(store_queue_t *queue)
{
  pthread_mutex_lock(&queue->lock);
  queue->stopping = 1;
  pthread_cond_broadcast(&queue->cond);
  pthread_mutex_unlock(&queue->lock);
}

void store_jobs_finish(store_job_t *jobs)
{
  while(jobs) {
    store_job_t *job = jobs;
    jobs = jobs->next;
    job->done(job->arg, job->rc);
    free(job);
  }
}
