/* Card checks and the sandbox acquirer's deterministic answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/acquirer/acquirer.h"

/* 2026-11-23T12:00:00Z */
#define NOW 1795435200000LL

static acquirer_card_t card(const char *number, int month, int year,
                            const char *cvc)
{
  acquirer_card_t out;
  memset(&out, 0, sizeof(out));
  strcpy(out.number, number);
  strcpy(out.cvc, cvc);
  out.exp_month = month;
  out.exp_year = year;
  return out;
}

static const char *check(acquirer_card_t c)
{
  const char *problem = NULL;
  const char *field = acquirer_card_check(&c, NOW, &problem);
  if(field)
    assert_non_null(problem);
  return field;
}

static void test_luhn_and_brands(void **state)
{
  (void)state;
  assert_true(acquirer_luhn_valid("4242424242424242"));
  assert_false(acquirer_luhn_valid("4242424242424241"));
  assert_false(acquirer_luhn_valid("42424242"));  /* too short */
  assert_false(acquirer_luhn_valid("42424242424242x2"));
  assert_int_equal(acquirer_card_brand("4242424242424242"),
                   ACQUIRER_BRAND_VISA);
  assert_int_equal(acquirer_card_brand("5555555555554444"),
                   ACQUIRER_BRAND_MASTER);
  assert_int_equal(acquirer_card_brand("2223003122003222"),
                   ACQUIRER_BRAND_MASTER);
  assert_int_equal(acquirer_card_brand("378282246310005"),
                   ACQUIRER_BRAND_AMEX);
  assert_int_equal(acquirer_card_brand("6011111111111117"),
                   ACQUIRER_BRAND_UNKNOWN);
}

static void test_card_check(void **state)
{
  (void)state;
  assert_null(check(card("4242424242424242", 12, 2030, "123")));
  assert_null(check(card("378282246310005", 1, 2031, "1234")));
  /* this month is still valid; last month is not */
  assert_null(check(card("4242424242424242", 11, 2026, "123")));
  assert_string_equal(check(card("4242424242424242", 10, 2026, "123")),
                      "exp_year");
  assert_string_equal(check(card("4242424242424241", 12, 2030, "123")),
                      "number");
  assert_string_equal(check(card("6011111111111117", 12, 2030, "123")),
                      "number");
  assert_string_equal(check(card("4242424242424242", 13, 2030, "123")),
                      "exp_month");
  assert_string_equal(check(card("4242424242424242", 12, 30, "123")),
                      "exp_year");
  assert_string_equal(check(card("4242424242424242", 12, 2030, "12")),
                      "cvc");
  assert_string_equal(check(card("378282246310005", 12, 2030, "123")),
                      "cvc");
}

static acquirer_result_t pay(const char *number)
{
  acquirer_card_t c = card(number, 12, 2030, "123");
  acquirer_request_t request = {
    .operation = ACQUIRER_SALE, .method = ACQUIRER_METHOD_CARD,
    .transaction_id = "txn_1", .card = &c, .amount = 100, .currency = "EUR",
    .action_base = "http://obol.test", .token = "tok", .timeout_ms = 1};
  acquirer_result_t result;
  assert_int_equal(acquirer_sandbox.execute(&request, &result), OBOL_OK);
  return result;
}

static acquirer_result_t query(const char *reference)
{
  acquirer_request_t request = {.transaction_id = "txn_1",
                                .reference = reference};
  acquirer_result_t result;
  assert_int_equal(acquirer_sandbox.query(&request, &result), OBOL_OK);
  return result;
}

static void test_sandbox_cards(void **state)
{
  static const struct {
    const char *number;
    acquirer_outcome_t outcome;
    const char *code;
  } cases[] = {
    {"4242424242424242", ACQUIRER_APPROVED, ""},
    {"5555555555554444", ACQUIRER_APPROVED, ""},
    {"378282246310005", ACQUIRER_APPROVED, ""},
    {"4000000000000002", ACQUIRER_DECLINED, "card_declined"},
    {"4000000000009995", ACQUIRER_DECLINED, "insufficient_funds"},
    {"4000000000000069", ACQUIRER_DECLINED, "expired_card"},
    {"4000000000000127", ACQUIRER_DECLINED, "incorrect_cvc"},
    {"4000000000000119", ACQUIRER_ERROR, "processing_error"},
    {"4000000000003220", ACQUIRER_ACTION, ""},
    {"4000000000001000", ACQUIRER_PENDING, ""},
    {"4000000000001018", ACQUIRER_PENDING, ""},
    {"4000000000001026", ACQUIRER_TIMEOUT, "acquirer_timeout"},
  };
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    acquirer_result_t result = pay(cases[i].number);
    assert_int_equal(result.outcome, cases[i].outcome);
    assert_string_equal(result.code, cases[i].code);
    /* the number never reaches anything the sandbox hands back */
    assert_null(strstr(result.ref_id, cases[i].number));
    assert_null(strstr(result.message, cases[i].number));
  }
  assert_non_null(strstr(pay("4000000000003220").action_url,
                         "http://obol.test/sandbox/3ds/txn_1?token=tok"));
}

static void test_sandbox_query_and_steps(void **state)
{
  acquirer_result_t review = pay("4000000000001000");
  acquirer_result_t refused = pay("4000000000001018");
  acquirer_result_t challenge = pay("4000000000003220");
  char next[ACQUIRER_TEXT_MAX];

  (void)state;
  assert_int_equal(query(review.ref_id).outcome, ACQUIRER_APPROVED);
  assert_int_equal(query(refused.ref_id).outcome, ACQUIRER_DECLINED);
  assert_int_equal(query(challenge.ref_id).outcome, ACQUIRER_ACTION);
  assert_int_equal(query(NULL).outcome, ACQUIRER_TIMEOUT);
  assert_int_equal(query("sbx_nonsense_1").outcome, ACQUIRER_TIMEOUT);

  assert_int_equal(acquirer_sandbox_step(challenge.ref_id,
                                         ACQUIRER_STEP_APPROVE, NULL, NULL,
                                         next, sizeof(next)), OBOL_OK);
  assert_int_equal(query(next).outcome, ACQUIRER_APPROVED);
  assert_int_equal(acquirer_sandbox_step(challenge.ref_id, ACQUIRER_STEP_FAIL,
                                         NULL, NULL, next, sizeof(next)),
                   OBOL_OK);
  assert_string_equal(query(next).code, "authentication_failed");
  /* only an attempt awaiting the customer takes a step */
  assert_int_equal(acquirer_sandbox_step(review.ref_id, ACQUIRER_STEP_APPROVE,
                                         NULL, NULL, next, sizeof(next)),
                   OBOL_ERR_INVALID);
}

static void test_sandbox_wallet_country(void **state)
{
  acquirer_request_t request = {
    .operation = ACQUIRER_SALE, .method = ACQUIRER_METHOD_WALLET,
    .transaction_id = "txn_2", .action_base = "http://o", .token = "t"};
  acquirer_result_t wallet;
  char next[ACQUIRER_TEXT_MAX];

  (void)state;
  assert_int_equal(acquirer_sandbox.execute(&request, &wallet), OBOL_OK);
  assert_int_equal(wallet.outcome, ACQUIRER_ACTION);
  assert_int_equal(acquirer_sandbox_step(wallet.ref_id, ACQUIRER_STEP_APPROVE,
                                         "de", "DE", next, sizeof(next)),
                   OBOL_OK);
  assert_int_equal(query(next).outcome, ACQUIRER_APPROVED);
  assert_int_equal(acquirer_sandbox_step(wallet.ref_id, ACQUIRER_STEP_APPROVE,
                                         "FR", "DE", next, sizeof(next)),
                   OBOL_OK);
  assert_string_equal(query(next).code, "COUNTRY_MISMATCH");
  /* an order without a country matches no wallet country */
  assert_int_equal(acquirer_sandbox_step(wallet.ref_id, ACQUIRER_STEP_APPROVE,
                                         "FR", NULL, next, sizeof(next)),
                   OBOL_OK);
  assert_string_equal(query(next).code, "COUNTRY_MISMATCH");
}

static void test_methods(void **state)
{
  (void)state;
  assert_int_equal(acquirer_method_parse("bank_transfer"),
                   ACQUIRER_METHOD_BANK_TRANSFER);
  assert_int_equal(acquirer_method_parse("cash"), -1);
  assert_int_equal(acquirer_method_parse(NULL), -1);
  assert_string_equal(acquirer_method_name(ACQUIRER_METHOD_INVOICE),
                      "invoice");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_luhn_and_brands),
    cmocka_unit_test(test_card_check),
    cmocka_unit_test(test_sandbox_cards),
    cmocka_unit_test(test_sandbox_query_and_steps),
    cmocka_unit_test(test_sandbox_wallet_country),
    cmocka_unit_test(test_methods),
  };
  return cmocka_run_group_tests_name("acquirer", tests, NULL, NULL);
}
