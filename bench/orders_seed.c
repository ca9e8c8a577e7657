/* Fills a database with N orders for one shop, quickly (1,000 orders per
 * transaction), so the benchmarks can compare an empty and a full store.
 *
 * usage: orders_seed DATABASE SHOP_ID COUNT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/order/order.h"

#define SEED_BATCH 1000

typedef struct {
  const char *shop_id;
  int count;
  core_arena_t *arena;
} seed_t;

static obol_rc seed_apply(store_tx_t *tx, void *arg)
{
  seed_t *seed = arg;
  int i;

  for(i = 0; i < seed->count; i++) {
    store_order_t order;
    unsigned char raw[32];
    char reference[32];
    obol_rc rc;

    memset(&order, 0, sizeof(order));
    snprintf(order.shop_id, sizeof(order.shop_id), "%s", seed->shop_id);
    if(core_id_new("ord", order.id, sizeof(order.id)) ||
       core_random_bytes(raw, sizeof(raw)))
      return OBOL_ERR_CRYPTO;
    core_hex_encode(raw, sizeof(raw), order.token);
    snprintf(order.currency, sizeof(order.currency), "EUR");
    snprintf(reference, sizeof(reference), "seed-%d", i);
    order.merchant_reference = reference;
    order.amount = order.initial_amount = 1500;
    order.test = 1;
    order.details = "{}";
    snprintf(order.language, sizeof(order.language), "en");
    store_event_t event;
    rc = order_prepare(seed->arena, &order, core_now_ms(), &event);
    if(!rc)
      rc = order_insert(tx, seed->arena, &order, &event);
    if(rc)
      return rc;
  }
  return OBOL_OK;
}

int main(int argc, char **argv)
{
  store_t *store = NULL;
  long total, done = 0;

  if(argc != 4) {
    fprintf(stderr, "usage: orders_seed DATABASE SHOP_ID COUNT\n");
    return 2;
  }
  total = atol(argv[3]);
  if(store_open(argv[1], &store) || store_migrate(store, NULL)) {
    fprintf(stderr, "orders_seed: cannot open %s\n", argv[1]);
    return 1;
  }
  while(done < total) {
    seed_t seed = {argv[2], (int)(total - done < SEED_BATCH ? total - done
                                                             : SEED_BATCH),
                   core_arena_create(1 << 20)};
    obol_rc rc = store_write(store, seed_apply, &seed);
    core_arena_destroy(seed.arena);
    if(rc) {
      fprintf(stderr, "orders_seed: %s\n", obol_rc_str(rc));
      store_close(store);
      return 1;
    }
    done += seed.count;
  }
  store_close(store);
  printf("seeded %ld orders\n", done);
  return 0;
}
