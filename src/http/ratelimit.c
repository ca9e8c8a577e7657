/* Token buckets per API key, in a fixed-size hash table with one lock per
 * stripe so concurrent requests of different keys rarely contend. */
#include <math.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define RATELIMIT_STRIPES 64

typedef struct ratelimit_bucket {
  struct ratelimit_bucket *next;
  double tokens;
  int64_t updated_ns;
  char key[STORE_ID_MAX];
} ratelimit_bucket_t;

typedef struct {
  pthread_mutex_t lock;
  ratelimit_bucket_t *buckets;
} ratelimit_stripe_t;

struct http_ratelimit {
  double rate;
  double burst;
  atomic_int nodes; /* the limit is shared by this many serving nodes */
  ratelimit_stripe_t stripes[RATELIMIT_STRIPES];
};

http_ratelimit_t *http_ratelimit_create(double rate_per_second, double burst)
{
  http_ratelimit_t *limiter = calloc(1, sizeof(*limiter));
  int i;

  if(!limiter)
    return NULL;
  limiter->rate = rate_per_second;
  limiter->burst = burst < 1 ? 1 : burst;
  atomic_store(&limiter->nodes, 1);
  for(i = 0; i < RATELIMIT_STRIPES; i++)
    pthread_mutex_init(&limiter->stripes[i].lock, NULL);
  return limiter;
}

void http_ratelimit_destroy(http_ratelimit_t *limiter)
{
  int i;

  if(!limiter)
    return;
  for(i = 0; i < RATELIMIT_STRIPES; i++) {
    ratelimit_bucket_t *bucket = limiter->stripes[i].buckets;
    while(bucket) {
      ratelimit_bucket_t *next = bucket->next;
      free(bucket);
      bucket = next;
    }
    pthread_mutex_destroy(&limiter->stripes[i].lock);
  }
  free(limiter);
}

static unsigned int ratelimit_hash(const char *key)
{
  unsigned int hash = 2166136261u; /* FNV-1a */
  while(*key)
    hash = (hash ^ (unsigned char)*key++) * 16777619u;
  return hash;
}

/* Finds or creates (full) the bucket for key; the stripe lock is held. */
static ratelimit_bucket_t *ratelimit_bucket(ratelimit_stripe_t *stripe,
                                            const char *key, int64_t now_ns,
                                            double burst)
{
  ratelimit_bucket_t *bucket;

  for(bucket = stripe->buckets; bucket; bucket = bucket->next)
    if(!strcmp(bucket->key, key))
      return bucket;
  bucket = calloc(1, sizeof(*bucket));
  if(!bucket)
    return NULL;
  strncpy(bucket->key, key, sizeof(bucket->key) - 1);
  bucket->tokens = burst;
  bucket->updated_ns = now_ns;
  bucket->next = stripe->buckets;
  stripe->buckets = bucket;
  return bucket;
}

void http_ratelimit_set_nodes(http_ratelimit_t *limiter, int nodes)
{
  atomic_store(&limiter->nodes, nodes < 1 ? 1 : nodes);
}

int http_ratelimit_take(http_ratelimit_t *limiter, const char *key,
                        int64_t now_ns, unsigned int *retry_after_seconds)
{
  /* Each of N nodes grants its share, so the key's limit holds across all
   * of them when a load balancer spreads its requests. */
  int nodes = atomic_load(&limiter->nodes);
  double rate = limiter->rate / nodes;
  double burst = limiter->burst / nodes < 1 ? 1 : limiter->burst / nodes;
  ratelimit_stripe_t *stripe =
      &limiter->stripes[ratelimit_hash(key) % RATELIMIT_STRIPES];
  ratelimit_bucket_t *bucket;
  int allowed = 1;

  pthread_mutex_lock(&stripe->lock);
  bucket = ratelimit_bucket(stripe, key, now_ns, burst);
  if(bucket) {
    double elapsed = (double)(now_ns - bucket->updated_ns) / 1e9;
    if(elapsed > 0) {
      bucket->tokens += elapsed * rate;
      bucket->updated_ns = now_ns;
    }
    if(bucket->tokens > burst)
      bucket->tokens = burst;
    if(bucket->tokens >= 1)
      bucket->tokens -= 1;
    else {
      double wait = (1 - bucket->tokens) / rate;
      allowed = 0;
      *retry_after_seconds = (unsigned int)ceil(wait);
      if(*retry_after_seconds < 1)
        *retry_after_seconds = 1;
    }
  }
  pthread_mutex_unlock(&stripe->lock);
  return allowed;
}
