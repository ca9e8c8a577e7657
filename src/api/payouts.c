/* POST /v1/payouts: a payout order (seed 002 "created"), paid out to a card
 * or a bank account through the acquirer: created -> in_progress -> paid
 * or failed. Listed and read like orders (GET /v1/payouts, orders.c). */
#include <ctype.h>
#include <string.h>

#include "../payment/payment.h"
#include "api.h"

#define PAYOUT_DESCRIPTION_MAX 255

typedef struct {
  http_request_t *req;
  payment_attempt_t attempt;
} payout_t;

/* An IBAN: 2 letters, 2 check digits, up to 30 letters and digits, and
 * the ISO 13616 mod-97 check. Spaces are dropped into out. */
static const char *payout_iban_problem(const char *text, char *out,
                                       size_t size)
{
  size_t length = 0, i;
  unsigned remainder = 0;

  for(; text && *text; text++) {
    if(*text == ' ')
      continue;
    if(!isalnum((unsigned char)*text) || length + 1 >= size)
      return "must be an IBAN: 15 to 34 letters and digits";
    out[length++] = (char)toupper((unsigned char)*text);
  }
  out[length] = '\0';
  if(length < 15 || length > 34 || !isalpha((unsigned char)out[0]) ||
     !isalpha((unsigned char)out[1]) || !isdigit((unsigned char)out[2]) ||
     !isdigit((unsigned char)out[3]))
    return "must be an IBAN: 15 to 34 letters and digits";
  for(i = 0; i < length; i++) {
    char c = out[(i + 4) % length]; /* the first four go last */
    if(isdigit((unsigned char)c))
      remainder = (remainder * 10 + (unsigned)(c - '0')) % 97;
    else
      remainder = (remainder * 100 + (unsigned)(c - 'A' + 10)) % 97;
  }
  return remainder == 1 ? NULL : "fails the IBAN check digits";
}

/* destination {type: card, number, exp_month, exp_year, holder?} or
 * {type: bank_account, iban, holder}. */
static void payout_destination(payout_t *payout, json_t *destination,
                               json_t *fields)
{
  static const char *const card_fields[] = {"type", "number", "exp_month",
                                            "exp_year", "holder", NULL};
  static const char *const bank_fields[] = {"type", "iban", "holder", NULL};
  payment_attempt_t *attempt = &payout->attempt;
  const char *type = json_string_value(json_object_get(destination, "type"));
  const char *holder = json_string_value(json_object_get(destination,
                                                         "holder"));
  const char *problem, *field;
  char *iban;

  if(!type || (strcmp(type, "card") && strcmp(type, "bank_account"))) {
    json_object_set_new(fields, "destination.type",
                        json_string("must be card or bank_account"));
    return;
  }
  if(holder && strlen(holder) > 100)
    json_object_set_new(fields, "destination.holder",
                        json_string("must be at most 100 characters"));
  if(!strcmp(type, "bank_account")) {
    api_check_unknown_fields(destination, bank_fields, fields);
    iban = core_arena_alloc(payout->req->arena, 40);
    problem = iban ? payout_iban_problem(json_string_value(json_object_get(
                                             destination, "iban")),
                                         iban, 40)
                   : "out of memory";
    if(problem)
      json_object_set_new(fields, "destination.iban", json_string(problem));
    if(!holder)
      json_object_set_new(fields, "destination.holder",
                          json_string("is required for a bank account"));
    attempt->iban = iban;
    attempt->method = ACQUIRER_METHOD_BANK_TRANSFER;
    return;
  }
  api_check_unknown_fields(destination, card_fields, fields);
  attempt->method = ACQUIRER_METHOD_CARD;
  snprintf(attempt->card.number, sizeof(attempt->card.number), "%s",
           json_string_value(json_object_get(destination, "number"))
               ? json_string_value(json_object_get(destination, "number"))
               : "");
  attempt->card.exp_month =
      (int)json_integer_value(json_object_get(destination, "exp_month"));
  attempt->card.exp_year =
      (int)json_integer_value(json_object_get(destination, "exp_year"));
  attempt->card.holder = holder;
  if((problem = acquirer_card_number_problem(attempt->card.number)))
    json_object_set_new(fields, "destination.number", json_string(problem));
  if((problem = acquirer_card_expiry_problem(attempt->card.exp_month,
                                             attempt->card.exp_year,
                                             core_now_ms(), &field))) {
    char path[40];
    snprintf(path, sizeof(path), "destination.%s", field);
    json_object_set_new(fields, path, json_string(problem));
  }
}

/* Validates the body into the payout's order; problems go to fields. */
static void payout_read(payout_t *payout, const store_shop_t *shop,
                        json_t *body, json_t *fields)
{
  static const char *const allowed[] = {"amount", "currency", "destination",
                                        "merchant_reference", "description",
                                        NULL};
  store_order_t *order = &payout->attempt.order;
  json_t *amount = json_object_get(body, "amount");
  json_t *reference = json_object_get(body, "merchant_reference");
  json_t *description = json_object_get(body, "description");
  json_t *destination = json_object_get(body, "destination");
  const char *currency = json_string_value(json_object_get(body, "currency"));
  json_t *details;

  api_check_unknown_fields(body, allowed, fields);
  if(!json_is_integer(amount) || json_integer_value(amount) < 1 ||
     json_integer_value(amount) > order_config()->max_amount)
    json_object_set_new(fields, "amount", json_string(
        "is required: a positive integer of minor units"));
  if(!currency)
    currency = shop->default_currency;
  if(!currency || api_check_currency(currency))
    json_object_set_new(fields, "currency", json_string(
        "is required (or the shop's default_currency): an ISO 4217 code"));
  if(reference && (!json_is_string(reference) ||
                   api_text_length(reference) < 1 ||
                   api_text_length(reference) > 255))
    json_object_set_new(fields, "merchant_reference", json_string(
        "must be a string of 1 to 255 characters"));
  if(description && (!json_is_string(description) ||
                     api_text_length(description) > PAYOUT_DESCRIPTION_MAX))
    json_object_set_new(fields, "description", json_string(
        "must be a string of at most 255 characters"));
  if(!json_is_object(destination))
    json_object_set_new(fields, "destination", json_string(
        "is required: {type: card | bank_account, ...}"));
  else
    payout_destination(payout, destination, fields);
  if(json_object_size(fields))
    return;
  snprintf(order->kind, sizeof(order->kind), "payout");
  snprintf(order->currency, sizeof(order->currency), "%s", currency);
  order->amount = order->initial_amount = json_integer_value(amount);
  order->test = !payout->req->live;
  order->merchant_reference = json_string_value(reference);
  snprintf(order->language, sizeof(order->language), "%s",
           shop->default_language ? shop->default_language : "en");
  details = json_pack("{s:O?}", "description", description);
  order->details = api_json_text(payout->req->arena, details);
  json_decref(details);
}

static obol_rc payout_answer(store_tx_t *tx, payment_attempt_t *attempt)
{
  http_request_t *req = attempt->context;
  obol_rc rc = api_order_respond(req, 201, &attempt->order,
                                 ORDER_VIEW_STANDARD, core_now_ms());
  return rc ? rc : http_tx_record(tx, req);
}

http_status_t api_payout_create(http_request_t *req)
{
  payout_t *payout = core_arena_alloc(req->arena, sizeof(*payout));
  json_t *fields = json_object();
  payment_attempt_t *attempt;
  store_shop_t shop;
  obol_rc rc;

  rc = payout ? store_shop_get(http_store(req), req->arena, req->shop_id,
                               &shop)
              : OBOL_ERR_NOMEM;
  if(rc) {
    json_decref(fields);
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  memset(payout, 0, sizeof(*payout));
  payout->req = req;
  payout_read(payout, &shop, req->json ? req->json : fields, fields);
  if(json_object_size(fields)) {
    http_respond_error(req, 400, "validation_error",
                       "some fields are invalid; nothing was paid out",
                       fields);
    return HTTP_DONE;
  }
  json_decref(fields);
  attempt = &payout->attempt;
  memcpy(attempt->order.shop_id, req->shop_id, sizeof(attempt->order.shop_id));
  rc = api_order_identity(&attempt->order);
  if(!rc)
    rc = order_prepare(req->arena, &attempt->order, core_now_ms(),
                       &attempt->created);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  attempt->kind = PAYMENT_PAYOUT;
  return api_attempt_run(req, attempt, attempt->order.id, payout_answer);
}
