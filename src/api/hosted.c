/* The hosted payment page: GET /pay/{token} and its forms. The token is
 * the only credential; a CSRF cookie and a field bound to the checkout
 * protect the forms. Card data lives in this request's memory only. */
#include <stdio.h>
#include <string.h>

#include "../page/page.h"
#include "../payment/payment.h"
#include "api.h"

#define HOSTED_PAGE_MAX (256 * 1024)
#define HOSTED_CSRF_COOKIE "obol_csrf"

/* What every hosted request starts from. */
typedef struct {
  http_request_t *req;
  store_order_t order;
  store_shop_t shop;
  page_language_t language;
  const char *error;       /* shown above the form, or NULL */
  json_t *invalid;         /* the fields to mark: {name: problem}, or NULL */
  char csrf[CORE_SHA256_HEX_LEN + 1];
  payment_attempt_t attempt;
} hosted_t;

/* ---- answering ---- */

void api_page_respond(http_request_t *req, unsigned int status,
                      core_buf_t *page)
{
  http_respond_html(req, status, page);
  http_add_header(req, "Content-Security-Policy", page_security_policy);
  http_add_header(req, "Cache-Control", "no-store");
  /* the token is in the URL: never send it elsewhere as a Referer */
  http_add_header(req, "Referrer-Policy", "no-referrer");
}

/* A page with one message (not found, forbidden ...). */
void api_page_message(http_request_t *req, unsigned int status,
                      page_language_t language, page_text_t text)
{
  core_buf_t out;

  core_buf_init(&out, HOSTED_PAGE_MAX);
  page_begin(&out, language, page_text(language, PAGE_TEXT_TITLE));
  page_printf(&out, "<h1 id=\"message\">%s</h1>", page_text(language, text));
  page_end(&out);
  api_page_respond(req, status, &out);
  core_buf_free(&out);
}

int api_page_order(http_request_t *req, const char *token,
                   store_order_t *order, store_shop_t *shop)
{
  obol_rc rc = token && strlen(token) == STORE_TOKEN_LEN
                   ? store_order_get_by_token(http_store(req), req->arena,
                                              NULL, token, order)
                   : OBOL_ERR_NOT_FOUND;
  if(!rc)
    rc = store_shop_get(http_store(req), req->arena, order->shop_id, shop);
  if(rc == OBOL_ERR_NOT_FOUND)
    api_page_message(req, 404, PAGE_EN, PAGE_TEXT_NOT_FOUND);
  else if(rc)
    http_respond_rc(req, rc);
  return rc ? -1 : 0;
}

/* ---- CSRF: a random cookie, and a field = HMAC(cookie, token) ---- */

static int hosted_csrf_field(const char *cookie, const char *token,
                             char out[CORE_SHA256_HEX_LEN + 1])
{
  return core_hmac_sha256_hex(cookie, strlen(cookie), token, strlen(token),
                              NULL, 0, out) ? -1 : 0;
}

/* Sets hosted->csrf for the form, creating the cookie if missing. */
static void hosted_csrf_issue(hosted_t *hosted)
{
  const char *cookie = http_cookie(hosted->req, HOSTED_CSRF_COOKIE);
  char fresh[33], header[128];
  unsigned char raw[16];

  if(!cookie || strlen(cookie) != 32) {
    if(core_random_bytes(raw, sizeof(raw)))
      return;
    core_hex_encode(raw, sizeof(raw), fresh);
    snprintf(header, sizeof(header), HOSTED_CSRF_COOKIE "=%s; Path=/; "
             "HttpOnly; SameSite=Lax", fresh);
    http_add_header(hosted->req, "Set-Cookie", header);
    cookie = fresh;
  }
  hosted_csrf_field(cookie, hosted->order.token, hosted->csrf);
}

/* 1 if the form carries the field matching this browser and checkout. */
static int hosted_csrf_valid(hosted_t *hosted)
{
  const char *cookie = http_cookie(hosted->req, HOSTED_CSRF_COOKIE);
  const char *field = json_string_value(json_object_get(hosted->req->json,
                                                        "csrf"));
  char expected[CORE_SHA256_HEX_LEN + 1];

  if(!cookie || !field || strlen(field) != CORE_SHA256_HEX_LEN ||
     hosted_csrf_field(cookie, hosted->order.token, expected))
    return 0;
  return core_equal_ct(field, expected, CORE_SHA256_HEX_LEN);
}

/* The request's checkout; with a form, its CSRF field checked too. NULL
 * when the answer was given already (404, 403, 500). */
static hosted_t *hosted_open(http_request_t *req, int form)
{
  hosted_t *hosted = core_arena_alloc(req->arena, sizeof(*hosted));

  if(!hosted) {
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return NULL;
  }
  memset(hosted, 0, sizeof(*hosted));
  hosted->req = req;
  if(api_page_order(req, http_param(req, "token"), &hosted->order,
                    &hosted->shop))
    return NULL;
  hosted->language = page_language(hosted->order.language);
  if(form && !hosted_csrf_valid(hosted)) {
    api_page_message(req, 403, hosted->language, PAGE_TEXT_FORBIDDEN);
    return NULL;
  }
  return hosted;
}

/* ---- where the customer goes when the attempt ends ---- */

typedef enum {
  HOSTED_SUCCESS,
  HOSTED_PENDING,
  HOSTED_FAILED,
  HOSTED_CANCELLED
} hosted_outcome_t;

/* Seed 004's return_url: error=..., or transaction_id=...; and
 * merchant_reference. */
static obol_rc hosted_return_url(core_buf_t *out, const store_order_t *order,
                                 const store_transaction_t *transaction,
                                 const char *error)
{
  const char *const pairs[][2] = {
    {"error", error},
    {"transaction_id", !error && transaction ? transaction->id : NULL},
    {"merchant_reference", order->merchant_reference}};
  return core_url_with(out, order->urls[STORE_URL_RETURN], pairs, 3);
}

/* The merchant's URL for this outcome (seed 002 redirects, then seed
 * 004's return_url with its parameters); "" when the order set none or
 * its host is no longer allowed: Obol's own page is shown then. */
static obol_rc hosted_destination(const store_order_t *order,
                                  const store_shop_t *shop,
                                  const store_transaction_t *transaction,
                                  hosted_outcome_t outcome, core_buf_t *out)
{
  const char *const *urls = order->urls;
  const char *direct = NULL, *error = NULL;
  json_t *ecwid = order_detail(order, "ecwid");
  obol_rc rc;

  if(ecwid) { /* seed 000: back to the store once it knows */
    json_decref(ecwid);
    return core_buf_printf(out, "%s/ecwid/return/%s",
                           order_config()->public_url, order->token);
  }
  switch(outcome) {
  case HOSTED_SUCCESS:
    direct = urls[STORE_URL_SUCCESS_REDIRECT];
    break;
  case HOSTED_PENDING:
    direct = urls[STORE_URL_IN_PROGRESS_REDIRECT];
    break;
  case HOSTED_FAILED:
    direct = urls[STORE_URL_FAILURE_REDIRECT];
    error = transaction && transaction->text[STORE_TXN_CODE] &&
                    !strcmp(transaction->text[STORE_TXN_CODE],
                            "authentication_failed")
                ? "authorization" : "failed";
    break;
  case HOSTED_CANCELLED:
    direct = urls[STORE_URL_CANCEL] ? urls[STORE_URL_CANCEL]
                                     : urls[STORE_URL_FAILURE_REDIRECT];
    error = "cancelled";
    break;
  }
  if(direct && api_host_allowed(shop, direct)) {
    rc = core_buf_append_str(out, direct);
    /* seed 003's checkouts tell the shop which token, attempt, outcome */
    if(!rc && payment_ctp_order(order))
      rc = core_url_append(out, "token", order->token);
    if(!rc && transaction && payment_ctp_order(order))
      rc = core_url_append(out, "uid", transaction->id);
    if(!rc && transaction && payment_ctp_order(order))
      rc = core_url_append(out, "status",
                           !strcmp(transaction->status, "error")
                               ? "failed" : transaction->status);
    return rc;
  }
  if(!urls[STORE_URL_RETURN] || !api_host_allowed(shop, urls[STORE_URL_RETURN]))
    return OBOL_OK;
  return hosted_return_url(out, order, transaction, error);
}

/* Sends the customer on: to the merchant, or to this page's final view. */
static void hosted_leave(hosted_t *hosted,
                         const store_transaction_t *transaction,
                         hosted_outcome_t outcome)
{
  core_buf_t url;

  core_buf_init(&url, 8192);
  if(hosted_destination(&hosted->order, &hosted->shop, transaction,
                                         outcome, &url) || !url.len) {
    core_buf_reset(&url);
    core_buf_printf(&url, "/pay/%s", hosted->order.token);
  }
  core_buf_append(&url, "", 1);
  http_respond_redirect(hosted->req, 303, url.data);
  core_buf_free(&url);
}

/* ---- the pages ---- */

static page_text_t hosted_status_text(order_status_t status)
{
  switch(status) {
  case ORDER_PAID:
    return PAGE_TEXT_PAID;
  case ORDER_HOLD:
    return PAGE_TEXT_HOLD;
  case ORDER_IN_PROGRESS:
    return PAGE_TEXT_PENDING;
  case ORDER_RECEIVED:
    return PAGE_TEXT_RECEIVED;
  case ORDER_EXPIRED:
    return PAGE_TEXT_EXPIRED;
  case ORDER_CANCELLED:
    return PAGE_TEXT_CANCELLED;
  case ORDER_REJECTED:
    return PAGE_TEXT_REJECTED;
  default:
    return PAGE_TEXT_NOT_PAYABLE;
  }
}

static void hosted_summary(hosted_t *hosted, core_buf_t *out)
{
  json_t *details = json_loads(hosted->order.details, 0, NULL);
  json_t *products = json_object_get(details, "products");
  page_language_t language = hosted->language;
  json_t *product;
  size_t index;

  page_printf(out, "<h1>%s %s</h1>", page_text(language, PAGE_TEXT_PAY_TO),
              hosted->shop.name);
  if(hosted->order.test)
    page_printf(out, "<p class=\"test\">%s</p>",
                page_text(language, PAGE_TEXT_TEST_MODE));
  if(json_array_size(products)) {
    page_printf(out, "<table id=\"items\" aria-label=\"%s\">",
                page_text(language, PAGE_TEXT_ITEMS));
    json_array_foreach(products, index, product) {
      page_printf(out, "<tr><td>%s &times; %lld</td><td class=\"amount\">",
                  json_string_value(json_object_get(product, "title")),
                  (long long)json_integer_value(
                      json_object_get(product, "quantity")));
      page_amount(out, json_integer_value(json_object_get(product, "amount")),
                  hosted->order.currency, language);
      core_buf_append_str(out, "</td></tr>");
    }
    core_buf_append_str(out, "</table>");
  }
  page_printf(out, "<p class=\"total\">%s: <span id=\"amount\">",
              page_text(language, PAGE_TEXT_TOTAL));
  page_amount(out, hosted->order.amount, hosted->order.currency, language);
  core_buf_append_str(out, "</span></p>");
  if(hosted->order.surcharge_amount) {
    page_printf(out, "<p id=\"surcharge\">%s: ",
                page_text(language, PAGE_TEXT_SURCHARGE));
    page_amount(out, hosted->order.surcharge_amount, hosted->order.currency,
                language);
    core_buf_append_str(out, "</p>");
  }
  json_decref(details);
}

static const page_text_t method_texts[ACQUIRER_METHOD_COUNT] = {
  [ACQUIRER_METHOD_CARD] = PAGE_TEXT_CARD,
  [ACQUIRER_METHOD_BANK_TRANSFER] = PAGE_TEXT_BANK_TRANSFER,
  [ACQUIRER_METHOD_WALLET] = PAGE_TEXT_WALLET,
  [ACQUIRER_METHOD_INVOICE] = PAGE_TEXT_INVOICE,
};

/* An input with its label; marked when the last submit found it wrong
 * (problem is the card check's key for it: number, exp_month ...). */
static void hosted_field(const hosted_t *hosted, core_buf_t *out,
                         const char *name, const char *problem,
                         page_text_t label, const char *attributes)
{
  page_printf(out, "<label for=\"%s\">%s</label><input id=\"%s\" name=\"%s\" ",
              name, page_text(hosted->language, label), name, name);
  if(json_object_get(hosted->invalid, problem))
    core_buf_append_str(out, "class=\"invalid\" aria-invalid=\"true\" ");
  core_buf_append_str(out, attributes);
  core_buf_append_str(out, ">");
}

static void hosted_form(hosted_t *hosted, core_buf_t *out)
{
  page_language_t language = hosted->language;
  int method, first = 1;

  if(hosted->error)
    page_printf(out, "<p class=\"error\" id=\"error\" role=\"alert\">%s</p>",
                hosted->error);
  page_printf(out, "<form method=\"post\" action=\"/pay/%s\" id=\"payment\">"
              "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
              "<fieldset><legend>%s</legend>", hosted->order.token,
              hosted->csrf, page_text(language, PAGE_TEXT_METHOD));
  for(method = 0; method < ACQUIRER_METHOD_COUNT; method++) {
    if(!api_shop_offers(&hosted->shop, (acquirer_method_t)method))
      continue;
    page_printf(out, "<label><input type=\"radio\" name=\"method\" "
                "value=\"%s\" id=\"method-%s\"%s> %s</label>",
                acquirer_method_name((acquirer_method_t)method),
                acquirer_method_name((acquirer_method_t)method),
                first ? " checked" : "",
                page_text(language, method_texts[method]));
    first = 0;
  }
  core_buf_append_str(out, "</fieldset>");
  if(api_shop_offers(&hosted->shop, ACQUIRER_METHOD_CARD)) {
    hosted_field(hosted, out, "card_number", "number", PAGE_TEXT_CARD_NUMBER,
                 "inputmode=\"numeric\" autocomplete=\"cc-number\" "
                 "maxlength=\"23\"");
    hosted_field(hosted, out, "exp_month", "exp_month",
                 PAGE_TEXT_EXPIRY_MONTH,
                 "inputmode=\"numeric\" autocomplete=\"cc-exp-month\" "
                 "maxlength=\"2\"");
    hosted_field(hosted, out, "exp_year", "exp_year", PAGE_TEXT_EXPIRY_YEAR,
                 "inputmode=\"numeric\" autocomplete=\"cc-exp-year\" "
                 "maxlength=\"4\"");
    hosted_field(hosted, out, "cvc", "cvc", PAGE_TEXT_CVC,
                 "inputmode=\"numeric\" autocomplete=\"cc-csc\" "
                 "maxlength=\"4\"");
    hosted_field(hosted, out, "holder", "holder", PAGE_TEXT_HOLDER,
                 "autocomplete=\"cc-name\" maxlength=\"100\"");
  }
  page_printf(out, "<button type=\"submit\" id=\"pay\">%s ",
              page_text(language, PAGE_TEXT_PAY));
  page_amount(out, hosted->order.amount, hosted->order.currency, language);
  core_buf_append_str(out, "</button></form>");
  if(hosted->order.max_payment_attempts > 0)
    page_printf(out, "<p id=\"attempts\">%s %d</p>",
                page_text(language, PAGE_TEXT_ATTEMPTS_LEFT),
                hosted->order.max_payment_attempts -
                    hosted->order.failed_attempts);
  page_printf(out, "<form method=\"post\" action=\"/pay/%s/cancel\">"
              "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
              "<button type=\"submit\" id=\"cancel\" class=\"secondary\">%s"
              "</button></form>", hosted->order.token, hosted->csrf,
              page_text(language, PAGE_TEXT_CANCEL));
}

/* The page for the order as it stands: the form while it can be paid,
 * a final message otherwise. */
static void hosted_render(hosted_t *hosted, unsigned int status)
{
  order_status_t now = order_effective(&hosted->order, core_now_ms());
  page_language_t language = hosted->language;
  core_buf_t out;

  core_buf_init(&out, HOSTED_PAGE_MAX);
  page_begin(&out, language, page_text(language, PAGE_TEXT_TITLE));
  hosted_summary(hosted, &out);
  if(order_status_payable(now)) {
    hosted_csrf_issue(hosted);
    hosted_form(hosted, &out);
  }
  else {
    page_printf(&out, "<div id=\"final\" data-status=\"%s\"><p>%s</p></div>",
                order_status_name(now),
                page_text(language, hosted_status_text(now)));
    if(hosted->error)
      page_printf(&out, "<p class=\"error\" id=\"error\">%s</p>",
                  hosted->error);
  }
  page_end(&out);
  api_page_respond(hosted->req, status, &out);
  core_buf_free(&out);
}

/* ---- GET /pay/{token} ---- */

static obol_rc hosted_view_apply(store_tx_t *tx, void *arg)
{
  hosted_t *hosted = arg;
  obol_rc rc = store_tx_order_get(tx, hosted->req->arena, hosted->order.shop_id,
                                  hosted->order.id, &hosted->order);
  if(rc || order_status_parse(hosted->order.status) != ORDER_ISSUED)
    return rc;
  return order_change_status(tx, hosted->req->arena, &hosted->order,
                             ORDER_VIEWED, core_now_ms());
}

static void hosted_view_done(void *arg, obol_rc rc)
{
  hosted_t *hosted = arg;
  if(rc)
    http_respond_rc(hosted->req, rc);
  http_resume(hosted->req);
}

http_status_t api_hosted_page(http_request_t *req)
{
  hosted_t *hosted = hosted_open(req, 0);
  obol_rc rc;

  if(!hosted)
    return HTTP_DONE;
  /* the page is the same issued or viewed: made now, sent once the first
   * view, an event of its own (seed 002: viewed), is durable */
  hosted_render(hosted, 200);
  if(order_effective(&hosted->order, core_now_ms()) != ORDER_ISSUED)
    return HTTP_DONE;
  rc = store_submit(http_store(req), hosted_view_apply, hosted_view_done,
                    hosted);
  if(!rc)
    return HTTP_AGAIN;
  http_respond_rc(req, rc);
  return HTTP_DONE;
}

/* ---- POST /pay/{token}: an attempt ---- */

static obol_rc hosted_answer(store_tx_t *tx, payment_attempt_t *attempt)
{
  (void)tx;
  (void)attempt;
  return OBOL_OK; /* the browser's answer is made in done */
}

/* After the attempt: on, back to the form with the reason, or a page. */
static void hosted_after(hosted_t *hosted,
                         const store_transaction_t *transaction)
{
  order_status_t status = order_status_parse(hosted->order.status);

  if(!strcmp(transaction->status, "incomplete") &&
     transaction->text[STORE_TXN_REDIRECT_URL])
    http_respond_redirect(hosted->req, 303,
                          transaction->text[STORE_TXN_REDIRECT_URL]);
  else if(!strcmp(transaction->status, "successful"))
    hosted_leave(hosted, transaction, HOSTED_SUCCESS);
  else if(!payment_finished(transaction))
    hosted_leave(hosted, transaction, HOSTED_PENDING);
  else if(status == ORDER_CANCELLED)
    hosted_leave(hosted, transaction, HOSTED_FAILED);
  else {
    hosted->error = page_message(hosted->language,
                                 transaction->text[STORE_TXN_CODE]);
    hosted_render(hosted, 422);
  }
}

static void hosted_done(payment_attempt_t *attempt, obol_rc rc)
{
  hosted_t *hosted = attempt->context;

  if(rc)
    http_respond_rc(hosted->req, rc);
  else if(attempt->refusal != PAYMENT_STARTED) {
    hosted->order = attempt->order;
    hosted->error = page_text(hosted->language, PAGE_TEXT_NOT_PAYABLE);
    hosted_render(hosted, 409);
  }
  else {
    hosted->order = attempt->order;
    hosted_after(hosted, &attempt->transaction);
  }
  http_resume(hosted->req);
}

/* Reads the form into the attempt; 0, or -1 with hosted->error set. */
static int hosted_read(hosted_t *hosted, char *ip, size_t ip_size,
                       char *back, size_t back_size)
{
  json_t *form = hosted->req->json;
  const char *method = json_string_value(json_object_get(form, "method"));
  int parsed = acquirer_method_parse(method ? method : "card");
  hosted->error = page_text(hosted->language, PAGE_TEXT_INVALID_INPUT);
  if(parsed < 0 || !api_shop_offers(&hosted->shop,
                                    (acquirer_method_t)parsed))
    return -1;
  hosted->attempt.method = (acquirer_method_t)parsed;
  if(parsed == ACQUIRER_METHOD_CARD) {
    hosted->invalid = json_object();
    if(api_card_read(json_string_value(json_object_get(form, "card_number")),
                     json_string_value(json_object_get(form, "exp_month")),
                     json_string_value(json_object_get(form, "exp_year")),
                     json_string_value(json_object_get(form, "cvc")),
                     json_string_value(json_object_get(form, "holder")),
                     &hosted->attempt.card, hosted->invalid, ""))
      return -1;
    json_decref(hosted->invalid);
    hosted->invalid = NULL;
  }
  http_client_ip(hosted->req, ip, ip_size);
  snprintf(back, back_size, "%s/pay/%s/return", order_config()->public_url,
           hosted->order.token);
  hosted->attempt.customer_ip = ip[0] ? ip : NULL;
  hosted->attempt.return_url = back;
  hosted->error = NULL;
  return 0;
}

http_status_t api_hosted_submit(http_request_t *req)
{
  hosted_t *hosted = hosted_open(req, 1);
  char *ip = core_arena_alloc(req->arena, 64);
  char *back = core_arena_alloc(req->arena, 1024);

  if(!hosted)
    return HTTP_DONE;
  if(!ip || !back) {
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return HTTP_DONE;
  }
  if(!order_status_payable(order_effective(&hosted->order, core_now_ms()))) {
    hosted_render(hosted, 409);
    return HTTP_DONE;
  }
  if(hosted_read(hosted, ip, 64, back, 1024)) {
    hosted_render(hosted, 422);
    json_decref(hosted->invalid);
    return HTTP_DONE;
  }
  hosted->attempt.arena = req->arena;
  memcpy(hosted->attempt.shop_id, hosted->order.shop_id, STORE_ID_MAX);
  memcpy(hosted->attempt.order_id, hosted->order.id, STORE_ID_MAX);
  hosted->attempt.hooks.answer = hosted_answer;
  hosted->attempt.hooks.done = hosted_done;
  hosted->attempt.context = hosted;
  if(payment_attempt_run(http_store(req), &hosted->attempt)) {
    http_respond_rc(req, OBOL_ERR_STORE);
    return HTTP_DONE;
  }
  return HTTP_AGAIN;
}

/* ---- POST /pay/{token}/cancel ---- */

static obol_rc hosted_cancel_apply(store_tx_t *tx, void *arg)
{
  hosted_t *hosted = arg;
  int64_t now = core_now_ms();
  int changed;
  obol_rc rc = store_tx_order_get(tx, hosted->req->arena,
                                  hosted->order.shop_id, hosted->order.id,
                                  &hosted->order);
  if(!rc)
    rc = order_apply_deadlines(tx, hosted->req->arena, &hosted->order, now,
                               &changed);
  if(rc || !order_status_payable(order_status_parse(hosted->order.status)))
    return rc;
  return order_change_status(tx, hosted->req->arena, &hosted->order,
                             ORDER_REJECTED, now);
}

static void hosted_cancel_done(void *arg, obol_rc rc)
{
  hosted_t *hosted = arg;

  if(rc)
    http_respond_rc(hosted->req, rc);
  else if(order_status_parse(hosted->order.status) == ORDER_REJECTED)
    hosted_leave(hosted, NULL, HOSTED_CANCELLED);
  else
    hosted_render(hosted, 409);
  http_resume(hosted->req);
}

http_status_t api_hosted_cancel(http_request_t *req)
{
  hosted_t *hosted = hosted_open(req, 1);
  obol_rc rc;

  if(!hosted)
    return HTTP_DONE;
  rc = store_submit(http_store(req), hosted_cancel_apply, hosted_cancel_done,
                    hosted);
  if(!rc)
    return HTTP_AGAIN;
  http_respond_rc(req, rc);
  return HTTP_DONE;
}

/* ---- GET /pay/{token}/return: back from the sandbox's pages ---- */

http_status_t api_hosted_return(http_request_t *req)
{
  hosted_t *hosted = hosted_open(req, 0);
  const char *uid = http_query(req, "transaction_id");
  store_transaction_t transaction;
  obol_rc rc;

  if(!hosted)
    return HTTP_DONE;
  rc = uid ? store_transaction_get(http_store(req), req->arena,
                                   hosted->order.shop_id, uid, &transaction)
           : OBOL_ERR_NOT_FOUND;
  if(!rc && strcmp(transaction.order_id, hosted->order.id))
    rc = OBOL_ERR_NOT_FOUND;
  if(rc) {
    hosted_render(hosted, rc == OBOL_ERR_NOT_FOUND ? 404 : 500);
    return HTTP_DONE;
  }
  hosted_after(hosted, &transaction);
  return HTTP_DONE;
}
