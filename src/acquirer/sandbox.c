/* The sandbox acquirer: deterministic by card number, for test orders and
 * trials. Its reference ("sbx_<state>_<random>") carries everything its
 * query() needs, so any node answers it without shared memory, the way a
 * real acquirer answers from its own records. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "acquirer.h"

/* What a state means when queried. */
typedef struct {
  const char *state;
  acquirer_outcome_t outcome;
  const char *code;
  const char *message;
  const char *bank_code;
  const char *three_d_secure;
} sandbox_state_t;

static const sandbox_state_t sandbox_states[] = {
  {"ok", ACQUIRER_APPROVED, "", "Approved.", "00", "not_required"},
  {"declined", ACQUIRER_DECLINED, "card_declined", "Your card was declined.",
   "05", "not_required"},
  {"nofunds", ACQUIRER_DECLINED, "insufficient_funds",
   "Your card has insufficient funds.", "51", "not_required"},
  {"expired", ACQUIRER_DECLINED, "expired_card", "Your card has expired.",
   "54", "not_required"},
  {"cvc", ACQUIRER_DECLINED, "incorrect_cvc",
   "Your card's security code is incorrect.", "82", "not_required"},
  {"error", ACQUIRER_ERROR, "processing_error",
   "An error occurred while processing your card. Try again later.", "96",
   "not_required"},
  {"3ds", ACQUIRER_ACTION, "", "3-D Secure authentication is required.", "",
   ""},
  {"3dsok", ACQUIRER_APPROVED, "", "Approved.", "00", "authenticated"},
  {"3dsno", ACQUIRER_DECLINED, "authentication_failed",
   "3-D Secure authentication failed.", "05", "failed"},
  {"review", ACQUIRER_APPROVED, "", "Approved after review.", "00",
   "not_required"},
  {"reviewno", ACQUIRER_DECLINED, "card_declined",
   "Your card was declined after review.", "05", "not_required"},
  {"bank", ACQUIRER_ACTION, "", "Waiting for the bank transfer.", "", ""},
  {"bankok", ACQUIRER_APPROVED, "", "Approved.", "00", ""},
  {"bankno", ACQUIRER_DECLINED, "bank_declined",
   "The bank declined the transfer.", "05", ""},
  {"wallet", ACQUIRER_ACTION, "", "Waiting for the wallet.", "", ""},
  {"walletok", ACQUIRER_APPROVED, "", "Approved.", "00", ""},
  {"walletcm", ACQUIRER_DECLINED, "COUNTRY_MISMATCH",
   "Please checkout with the same country as in your wallet.", "05", ""},
  {"invoice", ACQUIRER_PENDING, "", "Waiting for the invoice to be paid.",
   "", ""},
  {"refundok", ACQUIRER_APPROVED, "", "Refunded.", "00", ""},
  {"payoutok", ACQUIRER_APPROVED, "", "Paid out.", "00", ""},
  {"payoutno", ACQUIRER_DECLINED, "payout_declined",
   "The receiving bank refused the payout.", "05", ""},
  {"okdispute", ACQUIRER_APPROVED, "", "Approved.", "00", "not_required"},
  {"chargeback", ACQUIRER_APPROVED, "4837",
   "Chargeback: the cardholder did not authorize the payment.", "", ""},
  {"refundno", ACQUIRER_DECLINED, "refund_declined",
   "The bank declined the refund.", "05", ""},
  {"reversalno", ACQUIRER_DECLINED, "reversal_declined",
   "The acquirer declined the reversal.", "05", ""},
};

/* The test cards; any other valid card is approved. */
static const struct {
  const char *number;
  const char *state;
} sandbox_cards[] = {
  {"4000000000000002", "declined"}, {"4000000000009995", "nofunds"},
  {"4000000000000069", "expired"},  {"4000000000000127", "cvc"},
  {"4000000000000119", "error"},    {"4000000000003220", "3ds"},
  {"4000000000001000", "review"},   {"4000000000001018", "reviewno"},
  {"4000000000001026", NULL}, /* never answers */
  {"4000000000000259", "okdispute"}, /* charged back later */
};

static void sandbox_answer(const sandbox_state_t *state, const char *reference,
                           acquirer_result_t *result);
static const sandbox_state_t *sandbox_find(const char *state);

static _Atomic int sandbox_review_ms = 10000;
static _Atomic int sandbox_refund_ms = 2000;
static _Atomic int sandbox_dispute_ms = 60000;

void acquirer_sandbox_configure(const acquirer_sandbox_config_t *config)
{
  atomic_store(&sandbox_review_ms, config->review_ms);
  atomic_store(&sandbox_refund_ms, config->refund_ms);
  if(config->dispute_ms)
    atomic_store(&sandbox_dispute_ms, config->dispute_ms);
}

/* Refunds and payouts are answered later, like a bank's: one of an amount
 * ending in 13 minor units (0.13, 10.13 ...) is declined, any other done. */
static obol_rc sandbox_later(const acquirer_request_t *request,
                             acquirer_result_t *result)
{
  int refund = request->operation == ACQUIRER_REFUND;
  int declined = request->amount % 100 == 13;

  sandbox_answer(sandbox_find(refund ? (declined ? "refundno" : "refundok")
                                     : (declined ? "payoutno" : "payoutok")),
                 NULL, result);
  result->outcome = ACQUIRER_PENDING;
  result->code[0] = result->bank_code[0] = '\0';
  snprintf(result->message, sizeof(result->message),
           "Waiting for the bank's answer.");
  result->check_after_ms = atomic_load(&sandbox_refund_ms);
  return OBOL_OK;
}

static const sandbox_state_t *sandbox_find(const char *state)
{
  size_t i;
  for(i = 0; i < sizeof(sandbox_states) / sizeof(sandbox_states[0]); i++)
    if(!strcmp(sandbox_states[i].state, state))
      return &sandbox_states[i];
  return NULL;
}

/* "sbx_<state>_<hex>" -> state (into out); NULL if not a sandbox ref. */
static const sandbox_state_t *sandbox_parse(const char *reference)
{
  char state[16];
  const char *end;
  size_t length;

  if(!reference || strncmp(reference, "sbx_", 4))
    return NULL;
  end = strchr(reference + 4, '_');
  length = end ? (size_t)(end - reference - 4) : 0;
  if(!length || length >= sizeof(state))
    return NULL;
  memcpy(state, reference + 4, length);
  state[length] = '\0';
  return sandbox_find(state);
}

static void sandbox_digits(char *out, size_t count)
{
  unsigned char raw[16];
  size_t i;

  core_random_bytes(raw, sizeof(raw));
  for(i = 0; i < count && i < sizeof(raw); i++)
    out[i] = (char)('0' + raw[i] % 10);
  out[i] = '\0';
}

/* Fills result from a state, with a fresh reference when none is given. */
static void sandbox_answer(const sandbox_state_t *state, const char *reference,
                           acquirer_result_t *result)
{
  char suffix[64];

  result->outcome = state->outcome;
  snprintf(result->code, sizeof(result->code), "%s", state->code);
  snprintf(result->message, sizeof(result->message), "%s", state->message);
  snprintf(result->bank_code, sizeof(result->bank_code), "%s",
           state->bank_code);
  snprintf(result->three_d_secure, sizeof(result->three_d_secure), "%s",
           state->three_d_secure);
  if(reference)
    snprintf(result->ref_id, sizeof(result->ref_id), "%s", reference);
  else if(!core_id_new("x", suffix, sizeof(suffix)))
    snprintf(result->ref_id, sizeof(result->ref_id), "sbx_%s_%.32s",
             state->state, suffix + 2);
  if(state->outcome == ACQUIRER_APPROVED) {
    sandbox_digits(result->auth_code, 6);
    sandbox_digits(result->rrn, 12);
  }
  snprintf(result->avs_result, sizeof(result->avs_result), "U");
  snprintf(result->cvc_result, sizeof(result->cvc_result), "%s",
           !strcmp(state->state, "cvc") ? "N" : "M");
  snprintf(result->billing_descriptor, sizeof(result->billing_descriptor),
           "OBOL*SANDBOX");
}

/* Where the customer goes for an action, on Obol's own sandbox pages. */
static void sandbox_action(const acquirer_request_t *request, const char *page,
                           int form, acquirer_result_t *result)
{
  snprintf(result->action_url, sizeof(result->action_url),
           "%s/sandbox/%s/%s?token=%s", request->action_base, page,
           request->transaction_id, request->token);
  result->action_form = form;
}

static const char *sandbox_card_state(const char *number)
{
  size_t i;
  for(i = 0; i < sizeof(sandbox_cards) / sizeof(sandbox_cards[0]); i++)
    if(!strcmp(sandbox_cards[i].number, number))
      return sandbox_cards[i].state;
  return "ok";
}

/* The card that never answers: the call waits out its timeout. */
static obol_rc sandbox_silence(const acquirer_request_t *request,
                               acquirer_result_t *result)
{
  struct timespec wait = {request->timeout_ms / 1000,
                          (long)(request->timeout_ms % 1000) * 1000000L};
  nanosleep(&wait, NULL);
  result->outcome = ACQUIRER_TIMEOUT;
  snprintf(result->code, sizeof(result->code), "acquirer_timeout");
  snprintf(result->message, sizeof(result->message),
           "The acquirer did not answer in time.");
  return OBOL_OK;
}

static obol_rc sandbox_payment(const acquirer_request_t *request,
                               acquirer_result_t *result)
{
  const char *state = "ok";
  const sandbox_state_t *found;

  switch(request->method) {
  case ACQUIRER_METHOD_CARD:
    if(!request->card)
      return OBOL_ERR_INVALID;
    state = sandbox_card_state(request->card->number);
    if(!state)
      return sandbox_silence(request, result);
    break;
  case ACQUIRER_METHOD_BANK_TRANSFER:
    state = "bank";
    break;
  case ACQUIRER_METHOD_WALLET:
    state = "wallet";
    break;
  case ACQUIRER_METHOD_INVOICE:
    state = "invoice";
    break;
  default:
    return OBOL_ERR_INVALID;
  }
  found = sandbox_find(state);
  sandbox_answer(found, NULL, result);
  if(!strcmp(state, "3ds"))
    sandbox_action(request, "3ds", 0, result);
  else if(!strcmp(state, "bank"))
    sandbox_action(request, "bank", 1, result);
  else if(!strcmp(state, "wallet"))
    sandbox_action(request, "wallet", 0, result);
  else if(!strcmp(state, "okdispute")) {
    acquirer_result_t later;
    memset(&later, 0, sizeof(later));
    sandbox_answer(sandbox_find("chargeback"), NULL, &later);
    memcpy(result->dispute_reference, later.ref_id,
           sizeof(result->dispute_reference));
    result->dispute_after_ms = atomic_load(&sandbox_dispute_ms);
  }
  else if(!strcmp(state, "review") || !strcmp(state, "reviewno")) {
    /* undecided until the review ends: no code, no bank answer yet */
    result->outcome = ACQUIRER_PENDING;
    result->code[0] = result->bank_code[0] = '\0';
    result->auth_code[0] = result->rrn[0] = '\0';
    snprintf(result->message, sizeof(result->message),
             "The payment is on hold for review.");
    result->check_after_ms = atomic_load(&sandbox_review_ms);
  }
  return OBOL_OK;
}

static obol_rc sandbox_execute(const acquirer_request_t *request,
                               acquirer_result_t *result)
{
  memset(result, 0, sizeof(*result));
  if(request->operation == ACQUIRER_AUTHORIZE ||
     request->operation == ACQUIRER_SALE)
    return sandbox_payment(request, result);
  if(request->operation == ACQUIRER_REFUND ||
     request->operation == ACQUIRER_PAYOUT)
    return sandbox_later(request, result);
  /* captures, voids and reversals of an approved payment are answered at
   * once: done, but a reversal of an amount ending in 13 is declined */
  sandbox_answer(sandbox_find(request->operation == ACQUIRER_REVERSAL &&
                                      request->amount % 100 == 13
                                  ? "reversalno" : "ok"),
                 NULL, result);
  return OBOL_OK;
}

static obol_rc sandbox_query(const acquirer_request_t *request,
                             acquirer_result_t *result)
{
  const sandbox_state_t *state = sandbox_parse(request->reference);

  memset(result, 0, sizeof(*result));
  if(!state) {
    /* the call never reached the acquirer's books: nothing to find */
    result->outcome = ACQUIRER_TIMEOUT;
    snprintf(result->code, sizeof(result->code), "acquirer_timeout");
    snprintf(result->message, sizeof(result->message),
             "The acquirer did not answer in time.");
    return OBOL_OK;
  }
  sandbox_answer(state, request->reference, result);
  return OBOL_OK;
}

obol_rc acquirer_sandbox_step(const char *reference, acquirer_step_t step,
                              const char *chosen_country,
                              const char *order_country, char *out,
                              size_t out_size)
{
  const sandbox_state_t *state = sandbox_parse(reference);
  const char *next;
  const char *rest;

  if(!state || state->outcome != ACQUIRER_ACTION)
    return OBOL_ERR_INVALID;
  if(!strcmp(state->state, "wallet"))
    next = step == ACQUIRER_STEP_APPROVE && chosen_country && order_country &&
                   !strcasecmp(chosen_country, order_country)
               ? "walletok" : "walletcm";
  else if(!strcmp(state->state, "bank"))
    next = step == ACQUIRER_STEP_APPROVE ? "bankok" : "bankno";
  else
    next = step == ACQUIRER_STEP_APPROVE ? "3dsok" : "3dsno";
  rest = strchr(reference + 4, '_');
  if(snprintf(out, out_size, "sbx_%s%s", next, rest) >= (int)out_size)
    return OBOL_ERR_LIMIT;
  return OBOL_OK;
}

const acquirer_ops_t acquirer_sandbox = {
  .name = "sandbox",
  .execute = sandbox_execute,
  .query = sandbox_query,
};
