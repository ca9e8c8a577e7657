/* The sandbox acquirer's own pages: the 3-D Secure challenge, the bank and
 * the wallet. They stand in for the pages a real acquirer or bank shows:
 * the customer acts there, the acquirer's answer is reported to Obol
 * (payment_report), and the customer is sent back to where the attempt
 * said: the merchant's return_url, or the hosted page. The checkout token
 * in ?token= is required: a transaction uid alone acts on nothing. */
#include <string.h>

#include "../payment/payment.h"
#include "api.h"

#define SANDBOX_PAGE_MAX (128 * 1024)

static const char *const sandbox_countries[] = {
  "AT", "BE", "CH", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "IE",
  "IT", "LT", "LV", "NL", "NO", "PL", "PT", "SE", "US", NULL};

typedef struct {
  http_request_t *req;
  const char *kind; /* 3ds, bank, wallet */
  store_order_t order;
  store_shop_t shop;
  store_transaction_t transaction;
  page_language_t language;
} sandbox_view_t;

/* The attempt of this page; answers 404 itself when anything is off. */
static int sandbox_load(sandbox_view_t *view, http_request_t *req)
{
  const char *token = http_query(req, "token");
  char marker[32];
  obol_rc rc;

  memset(view, 0, sizeof(*view));
  view->req = req;
  view->kind = http_param(req, "kind");
  snprintf(marker, sizeof(marker), "/sandbox/%s/", view->kind);
  if(strcmp(view->kind, "3ds") && strcmp(view->kind, "bank") &&
     strcmp(view->kind, "wallet"))
    token = NULL; /* not a page of the sandbox: a 404 below */
  if(api_page_order(req, token, &view->order, &view->shop))
    return -1;
  rc = store_transaction_get(http_store(req), req->arena,
                             view->order.shop_id, http_param(req, "uid"),
                             &view->transaction);
  if(!rc && (strcmp(view->transaction.order_id, view->order.id) ||
             !view->transaction.text[STORE_TXN_REDIRECT_URL] ||
             !strstr(view->transaction.text[STORE_TXN_REDIRECT_URL], marker)))
    rc = OBOL_ERR_NOT_FOUND;
  if(rc == OBOL_ERR_NOT_FOUND) {
    api_page_message(req, 404, PAGE_EN, PAGE_TEXT_NOT_FOUND);
    return -1;
  }
  if(rc) {
    http_respond_rc(req, rc);
    return -1;
  }
  view->language = page_language(view->order.language);
  return 0;
}

/* Back to where the attempt said, with the transaction's uid: its page
 * for failures when it failed and has one (seed 001 paymentFailedPage). */
static void sandbox_return(sandbox_view_t *view)
{
  const char *back = view->transaction.text[STORE_TXN_RETURN_URL];
  const char *failed = view->transaction.text[STORE_TXN_FAILED_URL];
  core_buf_t url;

  if(failed && payment_finished(&view->transaction) &&
     strcmp(view->transaction.status, "successful"))
    back = failed;
  core_buf_init(&url, 8192);
  if(back)
    core_buf_append_str(&url, back);
  else
    core_buf_printf(&url, "%s/pay/%s/return", order_config()->public_url,
                    view->order.token);
  core_url_append(&url, "transaction_id", view->transaction.id);
  core_buf_append(&url, "", 1);
  http_respond_redirect(view->req, 303, url.data);
  core_buf_free(&url);
}

static void sandbox_button(sandbox_view_t *view, core_buf_t *out,
                           const char *outcome, const char *id,
                           page_text_t label)
{
  page_printf(out, "<form method=\"post\" action=\"/sandbox/%s/%s?token=%s\">"
              "<input type=\"hidden\" name=\"outcome\" value=\"%s\">"
              "<button type=\"submit\" id=\"%s\">%s</button></form>",
              view->kind, view->transaction.id, view->order.token, outcome,
              id, page_text(view->language, label));
}

static void sandbox_wallet_form(sandbox_view_t *view, core_buf_t *out)
{
  int i;

  page_printf(out, "<form method=\"post\" action=\"/sandbox/wallet/%s?token="
              "%s\"><input type=\"hidden\" name=\"outcome\" value=\"approve\">"
              "<select id=\"country\" name=\"country\">",
              view->transaction.id, view->order.token);
  for(i = 0; sandbox_countries[i]; i++)
    page_printf(out, "<option value=\"%s\">%s</option>", sandbox_countries[i],
                sandbox_countries[i]);
  page_printf(out, "</select><button type=\"submit\" id=\"confirm\">%s"
              "</button></form>", page_text(view->language,
                                            PAGE_TEXT_CONFIRM));
}

static void sandbox_render(sandbox_view_t *view)
{
  page_language_t language = view->language;
  page_text_t title = !strcmp(view->kind, "3ds")    ? PAGE_TEXT_CHALLENGE
                      : !strcmp(view->kind, "bank") ? PAGE_TEXT_BANK
                                                    : PAGE_TEXT_WALLET_COUNTRY;
  core_buf_t out;

  core_buf_init(&out, SANDBOX_PAGE_MAX);
  page_begin(&out, language, page_text(language, title));
  page_printf(&out, "<h1>%s</h1><p>%s: <span id=\"amount\">",
              page_text(language, title), view->shop.name);
  page_amount(&out, view->transaction.amount, view->transaction.currency,
              language);
  core_buf_append_str(&out, "</span></p>");
  if(!strcmp(view->kind, "wallet"))
    sandbox_wallet_form(view, &out);
  else {
    sandbox_button(view, &out, "approve", "approve", PAGE_TEXT_APPROVE);
    if(!strcmp(view->kind, "3ds"))
      sandbox_button(view, &out, "fail", "fail", PAGE_TEXT_FAIL);
    else
      sandbox_button(view, &out, "fail", "decline", PAGE_TEXT_DECLINE);
  }
  page_end(&out);
  api_page_respond(view->req, 200, &out);
  core_buf_free(&out);
}

http_status_t api_sandbox_page(http_request_t *req)
{
  sandbox_view_t *view = core_arena_alloc(req->arena, sizeof(*view));

  if(!view)
    http_respond_rc(req, OBOL_ERR_NOMEM);
  else if(!sandbox_load(view, req)) {
    if(strcmp(view->transaction.status, "incomplete"))
      sandbox_return(view); /* done already: on to the result */
    else
      sandbox_render(view);
  }
  return HTTP_DONE;
}

/* The customer's step, as the acquirer reports it back to Obol. */
static obol_rc sandbox_step(sandbox_view_t *view, const char *outcome)
{
  json_t *details = json_loads(view->order.details, 0, NULL);
  const char *order_country = json_string_value(
      json_object_get(json_object_get(details, "client"), "country"));
  const char *chosen = json_string_value(json_object_get(view->req->json,
                                                         "country"));
  char reference[ACQUIRER_TEXT_MAX];
  acquirer_request_t request = {.transaction_id = view->transaction.id,
                                .reference = reference};
  acquirer_result_t result;
  obol_rc rc;

  rc = acquirer_sandbox_step(view->transaction.text[STORE_TXN_REF_ID],
                             !strcmp(outcome, "approve")
                                 ? ACQUIRER_STEP_APPROVE
                                 : ACQUIRER_STEP_FAIL,
                             chosen, order_country, reference,
                             sizeof(reference));
  json_decref(details);
  if(!rc)
    rc = payment_connector()->query(&request, &result);
  if(!rc)
    rc = payment_report(http_store(view->req), view->req->arena,
                        view->order.shop_id, view->transaction.id, &result,
                        &view->order, &view->transaction);
  return rc;
}

http_status_t api_sandbox_submit(http_request_t *req)
{
  sandbox_view_t *view = core_arena_alloc(req->arena, sizeof(*view));
  const char *outcome = json_string_value(json_object_get(req->json,
                                                          "outcome"));
  obol_rc rc;

  if(!view) {
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return HTTP_DONE;
  }
  if(sandbox_load(view, req))
    return HTTP_DONE;
  if(strcmp(view->transaction.status, "incomplete")) {
    sandbox_return(view);
    return HTTP_DONE;
  }
  if(!outcome) { /* the bank's form, posted by the shop's page */
    sandbox_render(view);
    return HTTP_DONE;
  }
  if(strcmp(outcome, "approve") && strcmp(outcome, "fail")) {
    api_page_message(req, 400, view->language, PAGE_TEXT_INVALID_INPUT);
    return HTTP_DONE;
  }
  rc = sandbox_step(view, outcome);
  if(rc && rc != OBOL_ERR_CONFLICT) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  sandbox_return(view);
  return HTTP_DONE;
}
