/* The one JSON error writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/http/http.h"

static void test_error_without_fields(void **state)
{
  json_t *doc = http_error_document("not_found", "no such endpoint", NULL);
  json_t *error;
  char *text;
  (void)state;

  assert_non_null(doc);
  assert_int_equal(json_object_size(doc), 1);
  error = json_object_get(doc, "error");
  assert_true(json_is_object(error));
  assert_string_equal(json_string_value(json_object_get(error, "code")),
                      "not_found");
  assert_string_equal(json_string_value(json_object_get(error, "message")),
                      "no such endpoint");
  assert_null(json_object_get(error, "fields"));
  text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal(text, "{\"error\":{\"code\":\"not_found\","
                            "\"message\":\"no such endpoint\"}}");
  free(text);
  json_decref(doc);
}

static void test_error_with_fields(void **state)
{
  json_t *fields = json_pack("{s:s, s:s}", "products[1].price",
                             "too many decimals", "colour", "unknown field");
  json_t *doc = http_error_document("validation_error", "bad", fields);
  json_t *got;
  (void)state;

  assert_non_null(doc);
  got = json_object_get(json_object_get(doc, "error"), "fields");
  assert_int_equal(json_object_size(got), 2);
  assert_string_equal(
      json_string_value(json_object_get(got, "products[1].price")),
      "too many decimals");
  json_decref(doc);
}

static void test_error_escapes_strings(void **state)
{
  json_t *doc = http_error_document("x", "quote \" and \\ and \n", NULL);
  char *text = json_dumps(doc, JSON_COMPACT);
  json_t *back = json_loads(text, 0, NULL);
  (void)state;

  assert_non_null(back);
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(back, "error"), "message")),
                      "quote \" and \\ and \n");
  free(text);
  json_decref(back);
  json_decref(doc);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_error_without_fields),
    cmocka_unit_test(test_error_with_fields),
    cmocka_unit_test(test_error_escapes_strings),
  };
  return cmocka_run_group_tests_name("errors", tests, NULL, NULL);
}
