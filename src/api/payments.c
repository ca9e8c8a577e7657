/* The headless payment API (seed 001): pay, payment-result, receipt. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../page/page.h"
#include "../payment/payment.h"
#include "api.h"

/* ---- reading what the customer entered (shared with the hosted page) ---- */

/* Copies digits, dropping the spaces and dashes people type in numbers. */
static int payment_digits(const char *text, char *out, size_t out_size)
{
  size_t length = 0;

  for(; text && *text; text++) {
    if(*text == ' ' || *text == '-')
      continue;
    if(*text < '0' || *text > '9' || length + 1 >= out_size)
      return -1;
    out[length++] = *text;
  }
  out[length] = '\0';
  return length ? 0 : -1;
}

static int payment_small_number(const char *text, int *out)
{
  char digits[8];
  if(payment_digits(text, digits, sizeof(digits)) || strlen(digits) > 4)
    return -1;
  *out = atoi(digits);
  return 0;
}

/* Adds "<prefix><field>": problem to errors. */
static void card_problem(json_t *errors, const char *prefix,
                         const char *field, const char *problem)
{
  char path[40];
  snprintf(path, sizeof(path), "%s%s", prefix, field);
  if(!json_object_get(errors, path))
    json_object_set_new(errors, path, json_string(problem));
}

int api_card_read(const char *number, const char *exp_month,
                  const char *exp_year, const char *cvc, const char *holder,
                  acquirer_card_t *card, json_t *errors, const char *prefix)
{
  size_t before = json_object_size(errors);
  const char *problem, *field;
  int dates = 1;

  memset(card, 0, sizeof(*card));
  if(payment_digits(number, card->number, sizeof(card->number)))
    card_problem(errors, prefix, "number", "is required: 12 to 19 digits");
  else if((problem = acquirer_card_number_problem(card->number)) != NULL)
    card_problem(errors, prefix, "number", problem);
  if(payment_small_number(exp_month, &card->exp_month)) {
    card_problem(errors, prefix, "exp_month",
                 "is required: a month from 1 to 12");
    dates = 0;
  }
  if(payment_small_number(exp_year, &card->exp_year)) {
    card_problem(errors, prefix, "exp_year", "is required: a four-digit year");
    dates = 0;
  }
  if(dates && (problem = acquirer_card_expiry_problem(
                   card->exp_month, card->exp_year, core_now_ms(), &field)))
    card_problem(errors, prefix, field, problem);
  if(payment_digits(cvc, card->cvc, sizeof(card->cvc)))
    card_problem(errors, prefix, "cvc", "is required: 3 or 4 digits");
  else if((problem = acquirer_card_cvc_problem(card->cvc, card->number)))
    card_problem(errors, prefix, "cvc", problem);
  if(holder && strlen(holder) > 100)
    card_problem(errors, prefix, "holder", "must be at most 100 characters");
  card->holder = holder && *holder ? holder : NULL;
  return (int)(json_object_size(errors) - before);
}

int api_shop_offers(const store_shop_t *shop, acquirer_method_t method)
{
  json_t *methods = json_loads(shop->payment_methods, 0, NULL);
  json_t *item;
  size_t index;
  int offered = 0;

  json_array_foreach(methods, index, item)
    offered |= json_is_string(item) &&
               !strcmp(json_string_value(item), acquirer_method_name(method));
  json_decref(methods);
  return offered;
}

const char *api_check_ip(const char *text)
{
  unsigned char address[16];
  if(inet_pton(AF_INET, text, address) == 1 ||
     inet_pton(AF_INET6, text, address) == 1)
    return NULL;
  return "must be an IPv4 or IPv6 address";
}

/* ---- POST /v1/orders/{id}/pay ---- */

typedef struct {
  http_request_t *req;
  store_shop_t shop;
  payment_attempt_t attempt;
  int storefront; /* the body used seed 001's names */
  char forwarded_ip[64];
} api_pay_t;

/* Obol's names and, beside them, those storefronts built for seed 001
 * send (paymentMethod ...); a body may use either. */
static const char *const pay_fields[] = {
  "payment_method", "card", "ip_address", "return_url", "failure_url",
  "paymentMethod", "ipAddress", "paymentReturnPage", "paymentFailedPage",
  "termsAndConditions", "address", NULL};
static const char *const card_fields[] = {"number", "exp_month", "exp_year",
                                          "cvc", "holder", NULL};

/* A member under Obol's name or the storefront's; *name says which. */
static json_t *pay_member(api_pay_t *pay, json_t *body, const char *native,
                          const char *storefront, const char **name)
{
  json_t *value = json_object_get(body, native);

  *name = native;
  if(!value && (value = json_object_get(body, storefront))) {
    pay->storefront = 1;
    *name = storefront;
  }
  return value;
}

/* A card member as text: strings as they are, integers printed. */
static const char *pay_card_text(json_t *card, const char *name, char *buf,
                                 size_t size)
{
  json_t *value = json_object_get(card, name);
  if(json_is_string(value))
    return json_string_value(value);
  if(json_is_integer(value) && json_integer_value(value) >= 0) {
    snprintf(buf, size, "%lld", (long long)json_integer_value(value));
    return buf;
  }
  return NULL;
}

static void pay_read_card(json_t *card, payment_attempt_t *attempt,
                          json_t *errors)
{
  char number[24], month[8], year[8], cvc[8];
  char path[32];
  json_t *unknown = json_object();
  const char *name;
  json_t *ignored;

  if(!json_is_object(card)) {
    json_object_set_new(errors, "card", json_string(
        "is required for a card payment: {number, exp_month, exp_year, cvc}"));
    json_decref(unknown);
    return;
  }
  api_check_unknown_fields(card, card_fields, unknown);
  json_object_foreach(unknown, name, ignored) {
    snprintf(path, sizeof(path), "card.%.20s", name);
    json_object_set_new(errors, path, json_string("unknown field"));
  }
  json_decref(unknown);
  api_card_read(pay_card_text(card, "number", number, sizeof(number)),
                pay_card_text(card, "exp_month", month, sizeof(month)),
                pay_card_text(card, "exp_year", year, sizeof(year)),
                pay_card_text(card, "cvc", cvc, sizeof(cvc)),
                json_string_value(json_object_get(card, "holder")),
                &attempt->card, errors, "card.");
}

/* A redirect URL of the attempt: absolute, on the allowed hosts. */
static const char *pay_url(api_pay_t *pay, json_t *value, const char *name,
                           json_t *errors)
{
  const char *url = json_string_value(value);
  const char *problem;

  if(!value)
    return NULL;
  problem = url ? api_check_url(url) : "must be an absolute http(s) URL";
  if(!problem && !api_host_allowed(&pay->shop, url))
    problem = "its host is not among the shop's allowed_redirect_hosts";
  if(problem)
    json_object_set_new(errors, name, json_string(problem));
  return problem ? NULL : url;
}

/* A storefront's address{} (seed 001) into the order's client fields. */
static void pay_read_address(api_pay_t *pay, json_t *address, json_t *errors)
{
  static const char *const names[][2] = {
    {"firstName", "first_name"}, {"lastName", "last_name"},
    {"email", "email"},          {"address1", "address"},
    {"city", "city"},            {"country", "country"},
    {"phoneNumber", "phone"},    {"zipCode", "zip"}};
  const char *text, *problem;
  char path[40];
  size_t i;

  if(!json_is_object(address)) {
    json_object_set_new(errors, "address", json_string("must be an object"));
    return;
  }
  pay->attempt.client = json_object();
  for(i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    json_t *value = json_object_get(address, names[i][0]);
    if(!value || json_is_null(value))
      continue;
    text = json_string_value(value);
    problem = !text || api_text_length(value) > 255
                  ? "must be a string of at most 255 characters"
              : !strcmp(names[i][1], "country") ? api_check_country(text)
              : !strcmp(names[i][1], "email")   ? api_check_email(text)
                                                : NULL;
    snprintf(path, sizeof(path), "address.%s", names[i][0]);
    if(problem)
      json_object_set_new(errors, path, json_string(problem));
    else
      json_object_set(pay->attempt.client, names[i][1], value);
  }
}

/* Validates the body into the attempt; problems go to errors, under the
 * names the body used. */
static void pay_read(api_pay_t *pay, json_t *body, json_t *errors)
{
  payment_attempt_t *attempt = &pay->attempt;
  const char *method_name, *ip_name, *return_name, *failed_name;
  json_t *method_value = pay_member(pay, body, "payment_method",
                                    "paymentMethod", &method_name);
  json_t *ip_value = pay_member(pay, body, "ip_address", "ipAddress",
                                &ip_name);
  json_t *return_value = pay_member(pay, body, "return_url",
                                    "paymentReturnPage", &return_name);
  json_t *failed_value = pay_member(pay, body, "failure_url",
                                    "paymentFailedPage", &failed_name);
  json_t *terms = json_object_get(body, "termsAndConditions");
  json_t *address = json_object_get(body, "address");
  const char *method = json_string_value(method_value);
  const char *ip = json_string_value(ip_value);
  int parsed = acquirer_method_parse(method);

  api_check_unknown_fields(body, pay_fields, errors);
  if(terms || address)
    pay->storefront = 1;
  if(parsed < 0)
    json_object_set_new(errors, method_name, json_string(
        "must be card, bank_transfer, wallet or invoice"));
  else if(!api_shop_offers(&pay->shop, (acquirer_method_t)parsed))
    json_object_set_new(errors, method_name, json_string(
        "is not among the shop's payment_methods"));
  attempt->method = parsed < 0 ? ACQUIRER_METHOD_CARD
                               : (acquirer_method_t)parsed;
  if(parsed == ACQUIRER_METHOD_CARD)
    pay_read_card(json_object_get(body, "card"), attempt, errors);
  else if(json_object_get(body, "card") && parsed >= 0)
    json_object_set_new(errors, "card", json_string(
        "is only for payment_method card"));
  if(ip_value && (!ip || api_check_ip(ip)))
    json_object_set_new(errors, ip_name,
                        json_string("must be an IPv4 or IPv6 address"));
  /* none given: the trusted proxy's Cf-Pseudo-IPv4 (seed 001), if any */
  attempt->customer_ip = ip_value ? ip
                         : http_forwarded_ip(pay->req, pay->forwarded_ip,
                                             sizeof(pay->forwarded_ip))
                             ? pay->forwarded_ip : NULL;
  attempt->return_url = pay_url(pay, return_value, return_name, errors);
  attempt->failed_url = pay_url(pay, failed_value, failed_name, errors);
  if(terms && !json_is_true(terms))
    json_object_set_new(errors, "termsAndConditions",
                        json_string("must be accepted (true)"));
  if(address)
    pay_read_address(pay, address, errors);
  attempt->dialect = pay->storefront ? "storefront" : NULL;
}

/* The form of a form action: the fields, and HTML that posts itself. */
static json_t *pay_form(const store_transaction_t *transaction,
                        const char *url)
{
  const core_currency_t *currency = core_currency_find(transaction->currency);
  char amount[40];
  core_buf_t html;
  json_t *out;

  core_money_format(transaction->amount, currency ? currency->exponent : 2,
                    amount, sizeof(amount));
  core_buf_init(&html, 16384);
  page_printf(&html, "<form method='post' action='%s'>"
              "<input type='hidden' name='transaction_id' value='%s' />"
              "<input type='hidden' name='amount' value='%s' />"
              "<input type='hidden' name='currency' value='%s' /></form>"
              "<script>document.forms[document.forms.length-1].submit()"
              "</script>", url, transaction->id, amount,
              transaction->currency);
  out = json_pack("{s:s, s:s%, s:{s:s, s:s, s:s}, s:s}", "action", "form",
                  "formHtml", html.data ? html.data : "", html.len,
                  "formFields", "transaction_id", transaction->id, "amount",
                  amount, "currency", transaction->currency, "formUrl", url);
  core_buf_free(&html);
  return out;
}

/* A failed attempt, in the customer's language. */
static void pay_respond_failure(http_request_t *req,
                                const payment_attempt_t *attempt)
{
  const store_transaction_t *transaction = &attempt->transaction;
  const char *code = transaction->text[STORE_TXN_CODE]
                         ? transaction->text[STORE_TXN_CODE]
                         : "failed";
  page_language_t language = page_language(attempt->order.language);
  json_t *errors = json_pack("{s:s}", "paymentMethod", code);
  const char *message = page_message(language, code);

  http_respond_json(req, 402,
                    json_pack("{s:s, s:s, s:[s], s:o, s:o}", "code", code,
                              "message", message, "messages", message,
                              "errors", errors, "transaction",
                              payment_transaction_json(transaction)));
}

/* The answer to an attempt, whatever became of it. */
static void pay_respond(http_request_t *req, const payment_attempt_t *attempt,
                        const store_shop_t *shop)
{
  const store_transaction_t *transaction = &attempt->transaction;
  page_language_t language = page_language(attempt->order.language);
  json_t *body;

  if(attempt->refusal != PAYMENT_STARTED) {
    int running = attempt->refusal == PAYMENT_REFUSED_IN_PROGRESS;
    http_respond_payment_error(
        req, 409, running ? "payment_in_progress" : "invalid_state_transition",
        page_text(language, running ? PAGE_TEXT_PENDING
                                    : PAGE_TEXT_NOT_PAYABLE),
        json_pack("{s:s}", "order", attempt->order.status));
    return;
  }
  if(payment_finished(transaction) &&
     strcmp(transaction->status, "successful")) {
    pay_respond_failure(req, attempt);
    return;
  }
  if(!strcmp(transaction->status, "incomplete")) {
    const char *url = transaction->text[STORE_TXN_REDIRECT_URL];
    body = attempt->result.action_form || (url && strstr(url, "/bank/"))
               ? pay_form(transaction, url)
               : json_pack("{s:s, s:s}", "action", "redirect", "url", url);
    http_respond_json(req, 200, body);
    return;
  }
  body = payment_receipt_json(&attempt->order, transaction, shop);
  json_object_set_new(body, "action", json_string("success"));
  http_respond_json(req, 200, body);
}

/* ---- running an attempt or operation for an API request ---- */

static int api_attempt_replayed(store_tx_t *tx, payment_attempt_t *attempt)
{
  return http_tx_replay(tx, attempt->context);
}

static void api_attempt_done(payment_attempt_t *attempt, obol_rc rc)
{
  http_request_t *req = attempt->context;
  if(rc)
    http_respond_rc(req, rc);
  http_resume(req);
}

http_status_t api_attempt_run(http_request_t *req, payment_attempt_t *attempt,
                              const char *order_id,
                              obol_rc (*answer)(store_tx_t *tx,
                                                payment_attempt_t *attempt))
{
  attempt->arena = req->arena;
  snprintf(attempt->shop_id, sizeof(attempt->shop_id), "%s", req->shop_id);
  snprintf(attempt->order_id, sizeof(attempt->order_id), "%s", order_id);
  attempt->hooks.replayed = api_attempt_replayed;
  attempt->hooks.answer = answer;
  attempt->hooks.done = api_attempt_done;
  attempt->context = req;
  if(payment_attempt_run(http_store(req), attempt)) {
    http_respond_rc(req, OBOL_ERR_STORE);
    return HTTP_DONE;
  }
  return HTTP_AGAIN;
}

json_t *api_order_with_transaction(const store_order_t *order,
                                   const store_transaction_t *transaction)
{
  core_buf_t text;
  json_t *json;

  core_buf_init(&text, 1 << 20);
  order_json_write(order, ORDER_VIEW_STANDARD, core_now_ms(), &text);
  json = text.data ? json_loadb(text.data, text.len, 0, NULL) : NULL;
  core_buf_free(&text);
  return json_pack("{s:o, s:o}", "order", json ? json : json_null(),
                   "transaction", payment_transaction_json(transaction));
}

static obol_rc pay_answer(store_tx_t *tx, payment_attempt_t *attempt)
{
  api_pay_t *pay = API_CONTAINER(attempt, api_pay_t, attempt);
  pay_respond(pay->req, attempt, &pay->shop);
  return http_tx_record(tx, pay->req);
}

http_status_t api_order_pay(http_request_t *req)
{
  api_pay_t *pay = core_arena_alloc(req->arena, sizeof(*pay));
  json_t *errors;
  obol_rc rc;

  if(!pay) {
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return HTTP_DONE;
  }
  memset(pay, 0, sizeof(*pay));
  pay->req = req;
  rc = store_shop_get(http_store(req), req->arena, req->shop_id, &pay->shop);
  /* the order's language is the customer's, for every message */
  if(!rc)
    rc = store_order_get(http_store(req), req->arena, req->shop_id,
                         http_param(req, "id"), &pay->attempt.order);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  errors = json_object();
  pay_read(pay, req->json ? req->json : errors, errors);
  if(pay->attempt.client) /* kept until the request ends */
    http_request_keep(req, pay->attempt.client);
  if(json_object_size(errors)) {
    http_respond_payment_error(
        req, 400, "validation_error",
        page_text(page_language(pay->attempt.order.language),
                  PAGE_TEXT_FIELDS_INVALID),
        errors);
    return HTTP_DONE;
  }
  json_decref(errors);
  return api_attempt_run(req, &pay->attempt, http_param(req, "id"),
                         pay_answer);
}

/* ---- reading an order's attempts ---- */

typedef struct {
  store_shop_t shop;
  store_order_t order;
  store_transaction_t *rows;
  size_t count;
} api_payment_view_t;

static obol_rc payment_view_read(http_request_t *req, api_payment_view_t *view)
{
  obol_rc rc = store_shop_get(http_store(req), req->arena, req->shop_id,
                              &view->shop);
  if(!rc)
    rc = store_order_get(http_store(req), req->arena, req->shop_id,
                         http_param(req, "id"), &view->order);
  if(!rc)
    rc = store_transaction_list(http_store(req), req->arena, req->shop_id,
                                view->order.id, &view->rows, &view->count);
  return rc;
}

/* The attempt a receipt shows: the latest one, if it succeeded or waits. */
static const store_transaction_t *
payment_receipt_attempt(const api_payment_view_t *view)
{
  const store_transaction_t *latest = payment_latest(view->rows, view->count);
  if(latest && (!strcmp(latest->status, "successful") ||
                !strcmp(latest->status, "pending")))
    return latest;
  return NULL;
}

/* ---- POST /v1/orders/{id}/payment-result ---- */

static const store_transaction_t *
payment_result_attempt(const api_payment_view_t *view, const char *uid)
{
  size_t i;
  if(!uid)
    return payment_latest(view->rows, view->count);
  for(i = 0; i < view->count; i++)
    if(!strcmp(view->rows[i].id, uid))
      return &view->rows[i];
  return NULL;
}

http_status_t api_order_payment_result(http_request_t *req)
{
  json_t *body = req->json;
  json_t *fields = json_object_get(body, "paymentMethodFields");
  json_t *uid = json_object_get(json_is_object(fields) ? fields : body,
                                "transaction_id");
  json_t *back = json_object_get(body, "redirect_to_payment");
  const store_transaction_t *transaction;
  api_payment_view_t view;
  payment_attempt_t shown;
  obol_rc rc;

  if((uid && !json_is_string(uid)) || (back && !json_is_boolean(back))) {
    http_respond_payment_error(
        req, 400, "validation_error", "some fields are invalid",
        json_pack("{s:s}", uid && !json_is_string(uid) ? "transaction_id"
                                                       : "redirect_to_payment",
                  uid && !json_is_string(uid) ? "must be a string"
                                              : "must be a boolean"));
    return HTTP_DONE;
  }
  rc = payment_view_read(req, &view);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  transaction = payment_result_attempt(&view, json_string_value(uid));
  if(!transaction) {
    http_respond_payment_error(
        req, 404, "transaction_not_found",
        "no payment attempt of this order has that transaction_id",
        json_pack("{s:s}", "transaction_id", "transaction_not_found"));
    return HTTP_DONE;
  }
  if(!strcmp(transaction->status, "incomplete")) {
    http_respond_json(req, 200, json_pack(
        "{s:s, s:s}", "action", "redirect", "url",
        transaction->text[STORE_TXN_REDIRECT_URL]));
    return HTTP_DONE;
  }
  if(payment_finished(transaction) &&
     strcmp(transaction->status, "successful") && json_is_true(back) &&
     order_status_payable(order_effective(&view.order, core_now_ms()))) {
    char url[1024];
    snprintf(url, sizeof(url), "%s/pay/%s", order_config()->public_url,
             view.order.token);
    http_respond_json(req, 200, json_pack("{s:s, s:s}", "action", "redirect",
                                          "url", url));
    return HTTP_DONE;
  }
  if(payment_finished(transaction) &&
     strcmp(transaction->status, "successful")) {
    memset(&shown, 0, sizeof(shown));
    shown.order = view.order;
    shown.transaction = *transaction;
    pay_respond_failure(req, &shown);
    return HTTP_DONE;
  }
  http_respond_json(req, 200, payment_receipt_json(&view.order, transaction,
                                                   &view.shop));
  return HTTP_DONE;
}

/* ---- GET /v1/orders/{id}/receipt ---- */

http_status_t api_order_receipt(http_request_t *req)
{
  const store_transaction_t *transaction;
  api_payment_view_t view;
  obol_rc rc = payment_view_read(req, &view);

  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  transaction = payment_receipt_attempt(&view);
  if(!transaction) {
    http_respond_error(req, 404, "receipt_not_found",
                       "the order has no successful or pending payment",
                       NULL);
    return HTTP_DONE;
  }
  http_respond_json(req, 200, payment_receipt_json(&view.order, transaction,
                                                   &view.shop));
  return HTTP_DONE;
}
