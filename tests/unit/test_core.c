/* Core pieces: bounded buffers, arenas, currencies, ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/core/core.h"

static void test_buffer_refuses_to_pass_max(void **state)
{
  core_buf_t buf;
  (void)state;

  core_buf_init(&buf, 10);
  assert_int_equal(core_buf_append(&buf, "0123456789", 10), OBOL_OK);
  assert_int_equal(buf.len, 10);
  assert_string_equal(buf.data, "0123456789");
  assert_int_equal(core_buf_append(&buf, "x", 1), OBOL_ERR_LIMIT);
  assert_int_equal(buf.len, 10);
  assert_int_equal(core_buf_printf(&buf, "%d", 1), OBOL_ERR_LIMIT);
  core_buf_reset(&buf);
  assert_int_equal(core_buf_printf(&buf, "%s-%d", "ab", 42), OBOL_OK);
  assert_string_equal(buf.data, "ab-42");
  core_buf_free(&buf);
}

static void test_json_string_escaping(void **state)
{
  core_buf_t buf;
  (void)state;

  core_buf_init(&buf, 100);
  assert_int_equal(core_buf_append_json_string(&buf, "a\"b\\c\n\x01"), OBOL_OK);
  assert_string_equal(buf.data, "\"a\\\"b\\\\c\\u000a\\u0001\"");
  core_buf_free(&buf);
}

static int cleanups_run;
static void count_cleanup(void *data) { (void)data; cleanups_run++; }

static void test_url_encoding(void **state)
{
  const char *const pairs[][2] = {
    {"errorMsg", "Votre carte a été refusée."}, {"skipped", NULL},
    {"k", "x+y&z"}};
  core_buf_t buf;
  (void)state;

  core_buf_init(&buf, 1024);
  /* before the fragment, joined with & to a query already there */
  assert_int_equal(core_url_with(&buf, "https://s.example/r?id=1#top", pairs,
                                 3), OBOL_OK);
  core_buf_append(&buf, "", 1);
  assert_string_equal(buf.data,
                      "https://s.example/r?id=1&errorMsg=Votre%20carte%20a%20"
                      "%C3%A9t%C3%A9%20refus%C3%A9e.&k=x%2By%26z#top");
  core_buf_reset(&buf);
  assert_int_equal(core_url_with(&buf, "http://s.example/r", pairs, 1),
                   OBOL_OK);
  core_buf_append(&buf, "", 1);
  assert_string_equal(buf.data, "http://s.example/r?errorMsg=Votre%20carte%20"
                                "a%20%C3%A9t%C3%A9%20refus%C3%A9e.");
  core_buf_reset(&buf);
  /* a form writes a space as + */
  assert_int_equal(core_form_encode(&buf, "a b+c"), OBOL_OK);
  core_buf_append(&buf, "", 1);
  assert_string_equal(buf.data, "a+b%2Bc");
  core_buf_free(&buf);
}

static void test_arena_allocates_and_cleans_up(void **state)
{
  core_arena_t *arena = core_arena_create(64);
  char *small, *large, *copy;
  (void)state;

  small = core_arena_alloc(arena, 10);
  large = core_arena_alloc(arena, 10000); /* bigger than a block */
  assert_non_null(small);
  assert_non_null(large);
  assert_int_equal((size_t)small % 16, 0);
  assert_int_equal((size_t)large % 16, 0);
  memset(large, 'x', 10000);
  copy = core_arena_printf(arena, "%s=%d", "n", 7);
  assert_string_equal(copy, "n=7");
  assert_string_equal(core_arena_strndup(arena, "abcdef", 3), "abc");
  cleanups_run = 0;
  assert_int_equal(core_arena_on_cleanup(arena, count_cleanup, NULL), OBOL_OK);
  assert_int_equal(core_arena_on_cleanup(arena, count_cleanup, NULL), OBOL_OK);
  core_arena_destroy(arena);
  assert_int_equal(cleanups_run, 2);
}

static void test_currency_table(void **state)
{
  (void)state;
  assert_int_equal(core_currency_find("EUR")->exponent, 2);
  assert_int_equal(core_currency_find("JPY")->exponent, 0);
  assert_int_equal(core_currency_find("KWD")->exponent, 3);
  assert_int_equal(core_currency_find("AED")->exponent, 2);
  assert_int_equal(core_currency_find("ZWG")->exponent, 2);
  assert_null(core_currency_find("eur"));
  assert_null(core_currency_find("XYZ"));
  assert_null(core_currency_find("EURO"));
  assert_null(core_currency_find(""));
}

static void test_ids(void **state)
{
  char a[64], b[64];
  (void)state;
  assert_int_equal(core_id_new("shop", a, sizeof(a)), OBOL_OK);
  assert_int_equal(core_id_new("shop", b, sizeof(b)), OBOL_OK);
  assert_int_equal(strlen(a), 5 + 24);
  assert_memory_equal(a, "shop_", 5);
  assert_string_not_equal(a, b);
  assert_int_equal(core_id_new("shop", a, 10), OBOL_ERR_LIMIT);
  /* ids grow in creation order, also many within one millisecond */
  assert_int_equal(core_id_new("ord", a, sizeof(a)), OBOL_OK);
  for(int i = 0; i < 10000; i++) {
    assert_int_equal(core_id_new("ord", b, sizeof(b)), OBOL_OK);
    assert_true(strcmp(a, b) < 0);
    strcpy(a, b);
  }
}

static void test_time_format(void **state)
{
  char text[32];
  (void)state;
  core_time_format(1795434492123LL, text, sizeof(text));
  assert_string_equal(text, "2026-11-23T11:48:12.123Z");
}

static void test_http_date(void **state)
{
  char text[CORE_HTTP_DATE_LEN + 1];
  (void)state;
  core_http_date(1795434492123LL, text);
  assert_string_equal(text, "Mon, 23 Nov 2026 11:48:12 GMT");
  core_http_date(0, text);
  assert_string_equal(text, "Thu, 01 Jan 1970 00:00:00 GMT");
}

static void test_time_parse(void **state)
{
  int64_t ms = 0;
  (void)state;
  assert_int_equal(core_time_parse("2026-11-23T11:48:12.123Z", &ms), OBOL_OK);
  assert_int_equal(ms, 1795434492123LL);
  assert_int_equal(core_time_parse("2026-11-23T12:48:12.123+01:00", &ms),
                   OBOL_OK);
  assert_int_equal(ms, 1795434492123LL);
  assert_int_equal(core_time_parse("2026-11-23T11:48:12Z", &ms), OBOL_OK);
  assert_int_equal(ms, 1795434492000LL);
  assert_int_equal(core_time_parse("2026-11-23 11:48:12Z", &ms),
                   OBOL_ERR_INVALID);
  assert_int_equal(core_time_parse("2026-02-30T00:00:00Z", &ms),
                   OBOL_ERR_INVALID);
  assert_int_equal(core_time_parse("2026-11-23T11:48:12", &ms),
                   OBOL_ERR_INVALID);
  assert_int_equal(core_time_parse("tomorrow", &ms), OBOL_ERR_INVALID);
  assert_int_equal(core_time_parse("2026-11-23T11:48:12Zjunk", &ms),
                   OBOL_ERR_INVALID);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_buffer_refuses_to_pass_max),
    cmocka_unit_test(test_json_string_escaping),
    cmocka_unit_test(test_url_encoding),
    cmocka_unit_test(test_arena_allocates_and_cleans_up),
    cmocka_unit_test(test_currency_table),
    cmocka_unit_test(test_ids),
    cmocka_unit_test(test_time_format),
    cmocka_unit_test(test_time_parse),
    cmocka_unit_test(test_http_date),
  };
  return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
