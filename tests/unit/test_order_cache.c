/* The order row cache: hits copy the row, the shop must match, and a row
 * read before an invalidation is never cached after it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/store/internal.h"

static store_order_t sample(const char *id, const char *status)
{
  store_order_t order;
  memset(&order, 0, sizeof(order));
  strcpy(order.id, id);
  strcpy(order.shop_id, "shop_a");
  strcpy(order.status, status);
  strcpy(order.currency, "EUR");
  order.amount = 1234;
  order.details = "{\"description\":\"x\"}";
  order.merchant_reference = "ref-1";
  order.urls[STORE_URL_RETURN] = "https://shop.example/return";
  return order;
}

static void test_hit_returns_a_copy(void **state)
{
  store_order_cache_t *cache = store_order_cache_create(64);
  core_arena_t *arena = core_arena_create(4096);
  store_order_t order = sample("ord_1", "issued"), got;
  uint64_t generation;
  (void)state;

  assert_int_equal(store_order_cache_get(cache, "shop_a", "ord_1", arena, &got),
                   0);
  generation = store_order_cache_generation(cache, "ord_1");
  store_order_cache_put(cache, &order, generation);
  assert_int_equal(store_order_cache_get(cache, "shop_a", "ord_1", arena, &got),
                   1);
  assert_string_equal(got.status, "issued");
  assert_int_equal(got.amount, 1234);
  assert_string_equal(got.details, "{\"description\":\"x\"}");
  assert_string_equal(got.merchant_reference, "ref-1");
  assert_string_equal(got.urls[STORE_URL_RETURN], "https://shop.example/return");
  assert_null(got.urls[STORE_URL_CANCEL]);
  assert_ptr_not_equal(got.details, order.details);
  /* another shop never sees it */
  assert_int_equal(store_order_cache_get(cache, "shop_b", "ord_1", arena, &got),
                   0);
  core_arena_destroy(arena);
  store_order_cache_destroy(cache);
}

static void test_invalidate_drops_the_row(void **state)
{
  store_order_cache_t *cache = store_order_cache_create(64);
  core_arena_t *arena = core_arena_create(4096);
  store_order_t order = sample("ord_1", "issued"), got;
  (void)state;

  store_order_cache_put(cache, &order,
                        store_order_cache_generation(cache, "ord_1"));
  store_order_cache_invalidate(cache, "ord_1");
  assert_int_equal(store_order_cache_get(cache, "shop_a", "ord_1", arena, &got),
                   0);
  core_arena_destroy(arena);
  store_order_cache_destroy(cache);
}

static void test_stale_read_is_not_cached(void **state)
{
  store_order_cache_t *cache = store_order_cache_create(64);
  core_arena_t *arena = core_arena_create(4096);
  store_order_t before = sample("ord_1", "issued"), got;
  uint64_t generation;
  (void)state;

  /* a reader takes the generation, then reads the old row ... */
  generation = store_order_cache_generation(cache, "ord_1");
  /* ... meanwhile the writer commits a change and invalidates ... */
  store_order_cache_invalidate(cache, "ord_1");
  /* ... so the reader's old row must not be cached */
  store_order_cache_put(cache, &before, generation);
  assert_int_equal(store_order_cache_get(cache, "shop_a", "ord_1", arena, &got),
                   0);
  core_arena_destroy(arena);
  store_order_cache_destroy(cache);
}

static void test_slot_collisions_replace(void **state)
{
  store_order_cache_t *cache = store_order_cache_create(1); /* one slot */
  core_arena_t *arena = core_arena_create(4096);
  store_order_t one = sample("ord_1", "issued"), two = sample("ord_2", "paid");
  store_order_t got;
  (void)state;

  store_order_cache_put(cache, &one, store_order_cache_generation(cache, "ord_1"));
  store_order_cache_put(cache, &two, store_order_cache_generation(cache, "ord_2"));
  assert_int_equal(store_order_cache_get(cache, "shop_a", "ord_1", arena, &got),
                   0);
  assert_int_equal(store_order_cache_get(cache, "shop_a", "ord_2", arena, &got),
                   1);
  assert_string_equal(got.status, "paid");
  core_arena_destroy(arena);
  store_order_cache_destroy(cache);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_hit_returns_a_copy),
    cmocka_unit_test(test_invalidate_drops_the_row),
    cmocka_unit_test(test_stale_read_is_not_cached),
    cmocka_unit_test(test_slot_collisions_replace),
  };
  return cmocka_run_group_tests_name("order_cache", tests, NULL, NULL);
}
