/* The order row cache (see internal.h for why it is safe): direct-mapped
 * slots, each holding one packed row, under striped locks. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CACHE_LOCKS 256
#define CACHE_ROW_MAX 4096 /* larger rows are read from the database */
#define CACHE_STRINGS (2 + STORE_URL_COUNT) /* reference, details, urls */

/* A row packed in one allocation: the struct, then its strings. */
typedef struct {
  store_order_t order;             /* string pointers are not used */
  uint32_t offsets[CACHE_STRINGS]; /* 0 = NULL, else offset from start */
  size_t size;
} cache_row_t;

typedef struct {
  uint64_t generation;
  cache_row_t *row;
} cache_slot_t;

struct store_order_cache {
  size_t slot_count;
  cache_slot_t *slots;
  pthread_mutex_t locks[CACHE_LOCKS];
};

store_order_cache_t *store_order_cache_create(size_t slots)
{
  store_order_cache_t *cache = calloc(1, sizeof(*cache));
  int i;

  if(!cache)
    return NULL;
  cache->slot_count = slots;
  cache->slots = calloc(slots, sizeof(*cache->slots));
  if(!cache->slots) {
    free(cache);
    return NULL;
  }
  for(i = 0; i < CACHE_LOCKS; i++)
    pthread_mutex_init(&cache->locks[i], NULL);
  return cache;
}

void store_order_cache_destroy(store_order_cache_t *cache)
{
  size_t i;

  if(!cache)
    return;
  for(i = 0; i < cache->slot_count; i++)
    free(cache->slots[i].row);
  for(i = 0; i < CACHE_LOCKS; i++)
    pthread_mutex_destroy(&cache->locks[i]);
  free(cache->slots);
  free(cache);
}

static size_t cache_slot(const store_order_cache_t *cache,
                         const char *order_id)
{
  uint64_t hash = 1469598103934665603ULL; /* FNV-1a */
  while(*order_id)
    hash = (hash ^ (unsigned char)*order_id++) * 1099511628211ULL;
  return (size_t)(hash % cache->slot_count);
}

static pthread_mutex_t *cache_lock(store_order_cache_t *cache, size_t slot)
{
  return &cache->locks[slot % CACHE_LOCKS];
}

/* The string fields of an order, in a fixed order. */
static const char **cache_string(store_order_t *order, int index)
{
  if(index == 0)
    return &order->merchant_reference;
  if(index == 1)
    return &order->details;
  return &order->urls[index - 2];
}

static cache_row_t *cache_pack(const store_order_t *order)
{
  store_order_t copy = *order;
  size_t size = sizeof(cache_row_t);
  cache_row_t *row;
  int i;

  for(i = 0; i < CACHE_STRINGS; i++) {
    const char *text = *cache_string(&copy, i);
    if(text)
      size += strlen(text) + 1;
  }
  if(size > CACHE_ROW_MAX)
    return NULL; /* keeps the cache's memory bounded: slots x 4 KiB */
  row = malloc(size);
  if(!row)
    return NULL;
  row->order = copy;
  row->size = sizeof(cache_row_t);
  for(i = 0; i < CACHE_STRINGS; i++) {
    const char *text = *cache_string(&copy, i);
    row->offsets[i] = 0;
    if(text) {
      size_t len = strlen(text) + 1;
      memcpy((char *)row + row->size, text, len);
      row->offsets[i] = (uint32_t)row->size;
      row->size += len;
    }
    *cache_string(&row->order, i) = NULL;
  }
  return row;
}

uint64_t store_order_cache_generation(store_order_cache_t *cache,
                                      const char *order_id)
{
  size_t slot = cache_slot(cache, order_id);
  uint64_t generation;

  pthread_mutex_lock(cache_lock(cache, slot));
  generation = cache->slots[slot].generation;
  pthread_mutex_unlock(cache_lock(cache, slot));
  return generation;
}

int store_order_cache_get(store_order_cache_t *cache, const char *shop_id,
                          const char *order_id, core_arena_t *arena,
                          store_order_t *out)
{
  size_t slot = cache_slot(cache, order_id);
  cache_row_t *row;
  char *copy = NULL;
  int i;

  pthread_mutex_lock(cache_lock(cache, slot));
  row = cache->slots[slot].row;
  if(row && !strcmp(row->order.id, order_id) &&
     !strcmp(row->order.shop_id, shop_id)) {
    copy = core_arena_alloc(arena, row->size);
    if(copy)
      memcpy(copy, row, row->size);
  }
  pthread_mutex_unlock(cache_lock(cache, slot));
  if(!copy)
    return 0;
  row = (cache_row_t *)copy;
  *out = row->order;
  for(i = 0; i < CACHE_STRINGS; i++)
    *cache_string(out, i) = row->offsets[i] ? copy + row->offsets[i] : NULL;
  return 1;
}

void store_order_cache_put(store_order_cache_t *cache,
                           const store_order_t *order, uint64_t generation)
{
  size_t slot = cache_slot(cache, order->id);
  cache_row_t *row = cache_pack(order);
  cache_row_t *old = row;

  if(!row)
    return;
  pthread_mutex_lock(cache_lock(cache, slot));
  if(cache->slots[slot].generation == generation) {
    old = cache->slots[slot].row;
    cache->slots[slot].row = row;
  }
  pthread_mutex_unlock(cache_lock(cache, slot));
  free(old);
}

void store_order_cache_invalidate(store_order_cache_t *cache,
                                  const char *order_id)
{
  size_t slot = cache_slot(cache, order_id);
  cache_row_t *old;

  pthread_mutex_lock(cache_lock(cache, slot));
  cache->slots[slot].generation++;
  old = cache->slots[slot].row;
  cache->slots[slot].row = NULL;
  pthread_mutex_unlock(cache_lock(cache, slot));
  free(old);
}
