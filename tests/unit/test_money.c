/* The money parser: exact decimal to minor units, per currency exponent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/core/core.h"

static int64_t parse_ok(const char *text, int exponent)
{
  const char *problem = "unset";
  int64_t value = -1;
  assert_int_equal(core_money_parse(text, exponent, &value, &problem), OBOL_OK);
  assert_null(problem);
  return value;
}

static obol_rc parse_fails(const char *text, int exponent)
{
  const char *problem = NULL;
  int64_t value = 0;
  obol_rc rc = core_money_parse(text, exponent, &value, &problem);
  assert_int_not_equal(rc, OBOL_OK);
  assert_non_null(problem);
  return rc;
}

static void test_decimal_text(void **state)
{
  (void)state;
  assert_int_equal(parse_ok("0.3", 2), 30);
  assert_int_equal(parse_ok("12.50", 2), 1250);
  assert_int_equal(parse_ok("12.5", 2), 1250);
  assert_int_equal(parse_ok("12", 2), 1200);
  assert_int_equal(parse_ok("0", 2), 0);
  assert_int_equal(parse_ok("007.10", 2), 710);
  assert_int_equal(parse_ok("1500", 0), 1500);       /* JPY */
  assert_int_equal(parse_ok("1.234", 3), 1234);      /* KWD */
  assert_int_equal(parse_ok("1.2340000", 3), 1234);  /* trailing zeros */
  assert_int_equal(parse_ok("1e2", 2), 10000);
  assert_int_equal(parse_ok("1.5E-1", 2), 15);
  assert_int_equal(parse_ok("-2.5", 2), -250);
  assert_int_equal(parse_ok(".5", 2), 50);
  assert_int_equal(parse_ok("92233720368547758.07", 2), INT64_MAX);
}

static void test_too_precise(void **state)
{
  (void)state;
  assert_int_equal(parse_fails("0.001", 2), OBOL_ERR_INVALID);
  assert_int_equal(parse_fails("1.5", 0), OBOL_ERR_INVALID);
  assert_int_equal(parse_fails("1.2345", 3), OBOL_ERR_INVALID);
  assert_int_equal(parse_fails("1e-3", 2), OBOL_ERR_INVALID);
}

static void test_not_numbers(void **state)
{
  (void)state;
  static const char *const bad[] = {"", "abc", "1.2.3", "1,50", " 1", "1 ",
                                    "--1", "1e", "0x10", ".", "-", "1e99999", "1e 5", "1e+ 5", "1e+"};
  size_t i;
  for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(parse_fails(bad[i], 2), OBOL_ERR_INVALID);
}

static void test_overflow(void **state)
{
  (void)state;
  assert_int_equal(parse_fails("92233720368547758.08", 2), OBOL_ERR_LIMIT);
  assert_int_equal(parse_fails("1e30", 2), OBOL_ERR_LIMIT);
  assert_int_equal(parse_fails("123456789012345678901234567890", 0),
                   OBOL_ERR_LIMIT);
}

static void test_json_doubles(void **state)
{
  const char *problem;
  int64_t value;
  (void)state;
  assert_int_equal(core_money_from_double(0.3, 2, &value, &problem), OBOL_OK);
  assert_int_equal(value, 30);
  assert_int_equal(core_money_from_double(0.1 + 0.2, 2, &value, &problem),
                   OBOL_ERR_INVALID); /* 0.30000000000000004 */
  assert_int_equal(core_money_from_double(19.99, 2, &value, &problem), OBOL_OK);
  assert_int_equal(value, 1999);
  assert_int_equal(core_money_from_double(1234567.891, 3, &value, &problem),
                   OBOL_OK);
  assert_int_equal(value, 1234567891);
  assert_int_equal(core_money_from_double(0.005, 2, &value, &problem),
                   OBOL_ERR_INVALID);
}

static void test_format(void **state)
{
  char text[32];
  (void)state;
  core_money_format(1250, 2, text, sizeof(text));
  assert_string_equal(text, "12.50");
  core_money_format(5, 3, text, sizeof(text));
  assert_string_equal(text, "0.005");
  core_money_format(1500, 0, text, sizeof(text));
  assert_string_equal(text, "1500");
  core_money_format(-30, 2, text, sizeof(text));
  assert_string_equal(text, "-0.30");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_decimal_text), cmocka_unit_test(test_too_precise),
    cmocka_unit_test(test_not_numbers),  cmocka_unit_test(test_overflow),
    cmocka_unit_test(test_json_doubles), cmocka_unit_test(test_format),
  };
  return cmocka_run_group_tests_name("money", tests, NULL, NULL);
}
