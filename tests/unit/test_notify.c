/* Webhook signatures and the retry schedule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
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

static void test_verify(void **state)
{
  const char *body = "{\"a\":1}";
  char sig[NOTIFY_SIGNATURE_HEX + 1], old[NOTIFY_SIGNATURE_HEX + 1];
  char header[256];
  (void)state;

  notify_sign("whsec_new", 1700000000, body, 7, sig);
  notify_sign("whsec_old", 1700000000, body, 7, old);
  snprintf(header, sizeof(header), "t=1700000000,v1=%s,v1=%s", sig, old);
  assert_int_equal(notify_verify(header, body, 7, "whsec_new", 1700000100, 300),
                   OBOL_OK);
  assert_int_equal(notify_verify(header, body, 7, "whsec_old", 1700000100, 300),
                   OBOL_OK);
  assert_int_equal(notify_verify(header, body, 7, "whsec_other", 1700000100,
                                 300), OBOL_ERR_AUTH);
  /* too old, too new, tampered body, missing t */
  assert_int_equal(notify_verify(header, body, 7, "whsec_new", 1700000301, 300),
                   OBOL_ERR_AUTH);
  assert_int_equal(notify_verify(header, body, 7, "whsec_new", 1699999000, 300),
                   OBOL_ERR_AUTH);
  assert_int_equal(notify_verify(header, "{\"a\":2}", 7, "whsec_new",
                                 1700000100, 300), OBOL_ERR_AUTH);
  snprintf(header, sizeof(header), "v1=%s", sig);
  assert_int_equal(notify_verify(header, body, 7, "whsec_new", 1700000100, 300),
                   OBOL_ERR_AUTH);
}

/* The vector seed 004's provider publishes for its callback signature. */
static void test_dintero_signature(void **state)
{
  char hex[NOTIFY_SIGNATURE_HEX + 1];

  (void)state;
  assert_int_equal(notify_dintero_sign("123", 1582236537, "P00000000", "GET",
                                       "https://example.com/callback?B=123&A=992",
                                       hex), OBOL_OK);
  assert_string_equal(hex, "6bed2ab1b919d460ef7465a20dc6c97260dca73fab6647106"
                           "ca525f0908df64a");
  /* the port and a fragment are not signed; parameters in any order */
  assert_int_equal(notify_dintero_sign("123", 1582236537, "P00000000", "GET",
                                       "https://example.com:8443/callback?A=992&B=123#x",
                                       hex), OBOL_OK);
  assert_string_equal(hex, "6bed2ab1b919d460ef7465a20dc6c97260dca73fab6647106"
                           "ca525f0908df64a");
  /* a space is +, however the URL encoded it */
  {
    char plus[NOTIFY_SIGNATURE_HEX + 1], percent[NOTIFY_SIGNATURE_HEX + 1];
    notify_dintero_sign("s", 1, "A", "GET", "https://h/p?r=a+b", plus);
    notify_dintero_sign("s", 1, "A", "GET", "https://h/p?r=a%20b", percent);
    assert_string_equal(plus, percent);
    notify_dintero_sign("s", 1, "A", "POST", "https://h/p?r=a%20b", percent);
    assert_string_not_equal(plus, percent);
  }
  assert_int_equal(notify_dintero_sign("s", 1, "A", "GET", "no-scheme", hex),
                   OBOL_ERR_INVALID);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_signature_known_value),
    cmocka_unit_test(test_signature_depends_on_everything),
    cmocka_unit_test(test_retry_schedule),
    cmocka_unit_test(test_verify),
    cmocka_unit_test(test_dintero_signature),
  };
  return cmocka_run_group_tests_name("notify", tests, NULL, NULL);
}
