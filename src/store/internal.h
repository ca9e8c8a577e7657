/* Private to the store module: shared between its files, not its users. */
#ifndef OBOL_STORE_INTERNAL_H
#define OBOL_STORE_INTERNAL_H

#include "store.h"

/* A cache of order rows by id, for a backend with one writer process.
 *
 * Why it is safe: every write to an order goes through the writer, which
 * invalidates the order's slot after the transaction ends (before anyone is
 * told of the commit). A reader that missed takes the slot's generation
 * BEFORE reading the database and may fill the slot only if no invalidation
 * happened since, so a row read before a commit can never be cached after
 * it. Only the process serving the database writes orders (store_claim()
 * makes sure of that). */
typedef struct store_order_cache store_order_cache_t;

store_order_cache_t *store_order_cache_create(size_t slots);
void store_order_cache_destroy(store_order_cache_t *cache);
uint64_t store_order_cache_generation(store_order_cache_t *cache,
                                      const char *order_id);
/* 1 and *out (strings in arena) when the shop's order is cached. */
int store_order_cache_get(store_order_cache_t *cache, const char *shop_id,
                          const char *order_id, core_arena_t *arena,
                          store_order_t *out);
void store_order_cache_put(store_order_cache_t *cache,
                           const store_order_t *order, uint64_t generation);
void store_order_cache_invalidate(store_order_cache_t *cache,
                                  const char *order_id);

#endif
