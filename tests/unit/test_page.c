/* Customer pages: escaping, languages, amounts; browser form bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/http/http.h"
#include "../../src/page/page.h"

static void test_escape(void **state)
{
  core_buf_t out;

  (void)state;
  core_buf_init(&out, 4096);
  assert_int_equal(page_escape(&out, "<script>\"x\" & 'y'</script>"),
                   OBOL_OK);
  assert_int_equal(out.len, strlen("&lt;script&gt;&quot;x&quot; &amp; "
                                   "&#39;y&#39;&lt;/script&gt;"));
  assert_memory_equal(out.data, "&lt;script&gt;&quot;x&quot; &amp; "
                      "&#39;y&#39;&lt;/script&gt;", out.len);
  core_buf_reset(&out);
  assert_int_equal(page_printf(&out, "<b>%s</b> %d %lld%%", "<i>", 7,
                               (long long)-3), OBOL_OK);
  assert_memory_equal(out.data, "<b>&lt;i&gt;</b> 7 -3%", out.len);
  core_buf_free(&out);
}

static void test_languages(void **state)
{
  (void)state;
  assert_int_equal(page_language("de"), PAGE_DE);
  assert_int_equal(page_language("DE-at"), PAGE_DE);
  assert_int_equal(page_language("fr_CA"), PAGE_FR);
  assert_int_equal(page_language("deu"), PAGE_EN);
  assert_int_equal(page_language(NULL), PAGE_EN);
  assert_string_equal(page_text(PAGE_DE, PAGE_TEXT_PAY), "Bezahlen");
  assert_string_equal(page_message(PAGE_FR, "card_declined"),
                      "Votre carte a été refusée.");
  /* an unknown code still gets a message in the language */
  assert_string_equal(page_message(PAGE_DE, "no_such_code"),
                      "Die Zahlung ist fehlgeschlagen.");
}

static void test_every_text_translated(void **state)
{
  int language, text;
  (void)state;
  for(language = 0; language < PAGE_LANGUAGE_COUNT; language++)
    for(text = 0; text < PAGE_TEXT_COUNT; text++) {
      const char *value = page_text((page_language_t)language,
                                    (page_text_t)text);
      assert_non_null(value);
      assert_true(strlen(value) > 0);
    }
}

static void test_amount(void **state)
{
  core_buf_t out;
  (void)state;
  core_buf_init(&out, 256);
  page_amount(&out, 123456, "EUR", PAGE_EN);
  assert_memory_equal(out.data, "1234.56 EUR", out.len);
  core_buf_reset(&out);
  page_amount(&out, 1250, "EUR", PAGE_DE);
  assert_memory_equal(out.data, "12,50 EUR", out.len);
  core_buf_reset(&out);
  page_amount(&out, 500, "JPY", PAGE_FR);
  assert_memory_equal(out.data, "500 JPY", out.len);
  core_buf_free(&out);
}

static void test_form_parse(void **state)
{
  const char body[] = "csrf=ab12&card_number=4242+4242%204242&empty=&flag"
                      "&csrf=second&name=%C3%A9t%C3%A9";
  json_t *form;

  (void)state;
  form = http_form_parse(body, strlen(body));
  assert_non_null(form);
  assert_string_equal(json_string_value(json_object_get(form, "csrf")),
                      "ab12"); /* the first of repeated names wins */
  assert_string_equal(json_string_value(json_object_get(form,
                                                        "card_number")),
                      "4242 4242 4242");
  assert_string_equal(json_string_value(json_object_get(form, "empty")), "");
  assert_string_equal(json_string_value(json_object_get(form, "flag")), "");
  assert_string_equal(json_string_value(json_object_get(form, "name")),
                      "\xc3\xa9t\xc3\xa9");
  json_decref(form);
  assert_null(http_form_parse("a=%4", 5));     /* cut escape */
  assert_null(http_form_parse("a=%zz", 5));    /* not hex */
  assert_null(http_form_parse("a=%00", 5));    /* NUL byte */
  assert_null(http_form_parse("a=%FF", 5));    /* not UTF-8 */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_escape),
    cmocka_unit_test(test_languages),
    cmocka_unit_test(test_every_text_translated),
    cmocka_unit_test(test_amount),
    cmocka_unit_test(test_form_parse),
  };
  return cmocka_run_group_tests_name("page", tests, NULL, NULL);
}
