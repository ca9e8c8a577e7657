/* Token buckets: burst, refill, Retry-After, keys independent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "../../src/http/http.h"

#define SECOND 1000000000LL

static void test_burst_then_limited(void **state)
{
  http_ratelimit_t *limiter = http_ratelimit_create(100, 200);
  unsigned int retry = 0;
  int i;
  (void)state;

  for(i = 0; i < 200; i++)
    assert_true(http_ratelimit_take(limiter, "key_a", 0, &retry));
  assert_false(http_ratelimit_take(limiter, "key_a", 0, &retry));
  assert_int_equal(retry, 1);
  http_ratelimit_destroy(limiter);
}

static void test_refills_at_rate(void **state)
{
  http_ratelimit_t *limiter = http_ratelimit_create(10, 10);
  unsigned int retry = 0;
  int i, allowed = 0;
  (void)state;

  for(i = 0; i < 10; i++)
    assert_true(http_ratelimit_take(limiter, "k", 0, &retry));
  assert_false(http_ratelimit_take(limiter, "k", 0, &retry));
  /* half a second later: 5 tokens back */
  for(i = 0; i < 20; i++)
    allowed += http_ratelimit_take(limiter, "k", SECOND / 2, &retry);
  assert_int_equal(allowed, 5);
  /* never more than the burst, however long the pause */
  allowed = 0;
  for(i = 0; i < 50; i++)
    allowed += http_ratelimit_take(limiter, "k", 100 * SECOND, &retry);
  assert_int_equal(allowed, 10);
  http_ratelimit_destroy(limiter);
}

static void test_retry_after_rounds_up(void **state)
{
  http_ratelimit_t *limiter = http_ratelimit_create(0.25, 1);
  unsigned int retry = 0;
  (void)state;

  assert_true(http_ratelimit_take(limiter, "k", 0, &retry));
  assert_false(http_ratelimit_take(limiter, "k", 0, &retry));
  assert_int_equal(retry, 4); /* one token every 4 s */
  assert_false(http_ratelimit_take(limiter, "k", 3 * SECOND, &retry));
  assert_int_equal(retry, 1);
  assert_true(http_ratelimit_take(limiter, "k", 4 * SECOND, &retry));
  http_ratelimit_destroy(limiter);
}

static void test_keys_are_independent(void **state)
{
  http_ratelimit_t *limiter = http_ratelimit_create(1, 2);
  unsigned int retry = 0;
  (void)state;

  assert_true(http_ratelimit_take(limiter, "a", 0, &retry));
  assert_true(http_ratelimit_take(limiter, "a", 0, &retry));
  assert_false(http_ratelimit_take(limiter, "a", 0, &retry));
  assert_true(http_ratelimit_take(limiter, "b", 0, &retry));
  assert_true(http_ratelimit_take(limiter, "b", 0, &retry));
  assert_false(http_ratelimit_take(limiter, "b", 0, &retry));
  http_ratelimit_destroy(limiter);
}

static void test_limit_shared_by_nodes(void **state)
{
  http_ratelimit_t *limiter = http_ratelimit_create(10, 20);
  unsigned int retry = 0;
  int i, allowed = 0;
  (void)state;

  /* two nodes: each grants half the burst and half the rate */
  http_ratelimit_set_nodes(limiter, 2);
  for(i = 0; i < 30; i++)
    allowed += http_ratelimit_take(limiter, "k", 0, &retry);
  assert_int_equal(allowed, 10);
  allowed = 0;
  for(i = 0; i < 30; i++)
    allowed += http_ratelimit_take(limiter, "k", SECOND, &retry);
  assert_int_equal(allowed, 5);
  /* back to one node: the whole burst again, once refilled */
  http_ratelimit_set_nodes(limiter, 1);
  allowed = 0;
  for(i = 0; i < 30; i++)
    allowed += http_ratelimit_take(limiter, "k", 10 * SECOND, &retry);
  assert_int_equal(allowed, 20);
  http_ratelimit_destroy(limiter);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_burst_then_limited),
    cmocka_unit_test(test_refills_at_rate),
    cmocka_unit_test(test_retry_after_rounds_up),
    cmocka_unit_test(test_keys_are_independent),
    cmocka_unit_test(test_limit_shared_by_nodes),
  };
  return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
