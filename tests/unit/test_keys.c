/* Secret keys: format, randomness, hashing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/http/http.h"

static void test_generated_key_format(void **state)
{
  char secret[HTTP_SECRET_KEY_MAX];
  char hash[CORE_SHA256_HEX_LEN + 1];
  char again[CORE_SHA256_HEX_LEN + 1];
  (void)state;

  assert_int_equal(http_key_generate(0, secret, hash), OBOL_OK);
  assert_int_equal(strlen(secret), 8 + 64);
  assert_memory_equal(secret, "sk_test_", 8);
  assert_int_equal(strlen(hash), 64);
  assert_int_equal(http_key_hash(secret, again), OBOL_OK);
  assert_string_equal(hash, again);
  assert_int_equal(http_key_generate(1, secret, hash), OBOL_OK);
  assert_memory_equal(secret, "sk_live_", 8);
}

static void test_keys_are_unique(void **state)
{
  char a[HTTP_SECRET_KEY_MAX], b[HTTP_SECRET_KEY_MAX];
  char ha[CORE_SHA256_HEX_LEN + 1], hb[CORE_SHA256_HEX_LEN + 1];
  (void)state;

  assert_int_equal(http_key_generate(0, a, ha), OBOL_OK);
  assert_int_equal(http_key_generate(0, b, hb), OBOL_OK);
  assert_string_not_equal(a, b);
  assert_string_not_equal(ha, hb);
}

static void test_known_hash(void **state)
{
  /* sha256("sk_test_" + 64 zeros), computed independently. */
  const char *secret =
      "sk_test_0000000000000000000000000000000000000000000000000000000000000000";
  char hash[CORE_SHA256_HEX_LEN + 1];
  char expected[CORE_SHA256_HEX_LEN + 1];
  (void)state;

  assert_int_equal(core_sha256_hex(secret, strlen(secret), expected), OBOL_OK);
  assert_int_equal(http_key_hash(secret, hash), OBOL_OK);
  assert_string_equal(hash, expected);
  assert_int_equal(core_sha256_hex("abc", 3, hash), OBOL_OK);
  assert_string_equal(hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_malformed_keys_rejected(void **state)
{
  char hash[CORE_SHA256_HEX_LEN + 1];
  static const char *const bad[] = {
    "",
    "sk_test_",
    "sk_prod_0000000000000000000000000000000000000000000000000000000000000000",
    "sk_test_000000000000000000000000000000000000000000000000000000000000000",
    "sk_test_00000000000000000000000000000000000000000000000000000000000000000",
    "sk_test_000000000000000000000000000000000000000000000000000000000000000G",
    "SK_TEST_0000000000000000000000000000000000000000000000000000000000000000",
  };
  size_t i;
  (void)state;
  for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(http_key_hash(bad[i], hash), OBOL_ERR_AUTH);
}

static void test_constant_time_compare(void **state)
{
  (void)state;
  assert_true(core_equal_ct("abcdef", "abcdef", 6));
  assert_false(core_equal_ct("abcdef", "abcdeg", 6));
  assert_false(core_equal_ct("xbcdef", "abcdef", 6));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_generated_key_format),
    cmocka_unit_test(test_keys_are_unique),
    cmocka_unit_test(test_known_hash),
    cmocka_unit_test(test_malformed_keys_rejected),
    cmocka_unit_test(test_constant_time_compare),
  };
  return cmocka_run_group_tests_name("keys", tests, NULL, NULL);
}
