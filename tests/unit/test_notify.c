/* Webhook signatures and the retry schedule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/notify/notify.h"

static void test_signature_known_value(void **state)
{
  char hex[NOTIFY_SIGNATURE_HEX + 1];
  (void)state;
  /* HMAC-SHA256("whsec_test", "1700000000.{\"a\":1}"), computed with
   * openssl dgst -sha256 -hmac whsec_test */
  assert_int_equal(notify_sign("whsec_test", 1700000000, "{\"a\":1}", 7, hex),
                   OBOL_OK);
  assert_string_equal(hex, "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
}

static void test_signature_depends_on_everything(void **state)
{
  char a[NOTIFY_SIGNATURE_HEX + 1], b[NOTIFY_SIGNATURE_HEX + 1];
  (void)state;
  notify_sign("s1", 1, "body", 4, a);
  notify_sign("s2", 1, "body", 4, b);
  assert_string_not_equal(a, b);
  notify_sign("s1", 2, "body", 4, b);
  assert_string_not_equal(a, b);
  notify_sign("s1", 1, "bodY", 4, b);
  assert_string_not_equal(a, b);
}

static void test_retry_schedule(void **state)
{
  (void)state;
  assert_int_equal(notify_retry_delay_ms(1, 10000), 10000);
  assert_int_equal(notify_retry_delay_ms(2, 10000), 20000);
  assert_int_equal(notify_retry_delay_ms(5, 10000), 160000);
  assert_int_equal(notify_retry_delay_ms(20, 10000), 6LL * 3600 * 1000);
  assert_int_equal(notify_retry_delay_ms(1000, 10000), 6LL * 3600 * 1000);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_signature_known_value),
    cmocka_unit_test(test_signature_depends_on_everything),
    cmocka_unit_test(test_retry_schedule),
  };
  return cmocka_run_group_tests_name("notify", tests, NULL, NULL);
}
