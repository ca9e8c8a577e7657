/* A cache of API keys by secret hash, so authentication does not read the
 * database on every request. An entry is trusted for `ttl` and then read
 * again, so a revoked key stops working within that time on every node.
 * Only keys that exist are cached: unknown keys cannot fill it. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define KEYCACHE_STRIPES 64

typedef struct keycache_entry {
  struct keycache_entry *next;
  store_key_t key;
  int64_t checked_ns;
} keycache_entry_t;

struct http_keycache {
  int64_t ttl_ns;
  pthread_rwlock_t locks[KEYCACHE_STRIPES]; /* many readers, one key */
  keycache_entry_t *heads[KEYCACHE_STRIPES];
};

http_keycache_t *http_keycache_create(int64_t ttl_ns)
{
  http_keycache_t *cache = calloc(1, sizeof(*cache));
  int i;
  if(!cache)
    return NULL;
  cache->ttl_ns = ttl_ns;
  for(i = 0; i < KEYCACHE_STRIPES; i++)
    pthread_rwlock_init(&cache->locks[i], NULL);
  return cache;
}

void http_keycache_destroy(http_keycache_t *cache)
{
  int i;
  if(!cache)
    return;
  for(i = 0; i < KEYCACHE_STRIPES; i++) {
    while(cache->heads[i]) {
      keycache_entry_t *next = cache->heads[i]->next;
      free(cache->heads[i]);
      cache->heads[i] = next;
    }
    pthread_rwlock_destroy(&cache->locks[i]);
  }
  free(cache);
}

/* The hash is hex of SHA-256: its first characters spread well. */
static unsigned int keycache_stripe(const char *secret_hash)
{
  unsigned int value = 0;
  int i;
  for(i = 0; i < 4 && secret_hash[i]; i++)
    value = value * 16 + (unsigned int)(secret_hash[i] & 0x0f);
  return value % KEYCACHE_STRIPES;
}

int http_keycache_get(http_keycache_t *cache, const char *secret_hash,
                      int64_t now_ns, store_key_t *out)
{
  unsigned int stripe = keycache_stripe(secret_hash);
  keycache_entry_t *entry;
  int found = 0;

  pthread_rwlock_rdlock(&cache->locks[stripe]);
  for(entry = cache->heads[stripe]; entry; entry = entry->next)
    if(core_equal_ct(entry->key.secret_hash, secret_hash,
                     CORE_SHA256_HEX_LEN)) {
      if(now_ns - entry->checked_ns < cache->ttl_ns) {
        *out = entry->key;
        found = 1;
      }
      break;
    }
  pthread_rwlock_unlock(&cache->locks[stripe]);
  return found;
}

void http_keycache_put(http_keycache_t *cache, const store_key_t *key,
                       int64_t now_ns)
{
  unsigned int stripe = keycache_stripe(key->secret_hash);
  keycache_entry_t *entry;

  pthread_rwlock_wrlock(&cache->locks[stripe]);
  for(entry = cache->heads[stripe]; entry; entry = entry->next)
    if(!strcmp(entry->key.secret_hash, key->secret_hash))
      break;
  if(!entry) {
    entry = calloc(1, sizeof(*entry));
    if(entry) {
      entry->next = cache->heads[stripe];
      cache->heads[stripe] = entry;
    }
  }
  if(entry) {
    entry->key = *key;
    entry->checked_ns = now_ns;
  }
  pthread_rwlock_unlock(&cache->locks[stripe]);
}
