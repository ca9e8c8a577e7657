/* Seed 003's checkout tokens (beGateway-style CTP): POST
 * /ctp/api/checkouts makes an order and answers its token and page; the
 * status query is GET /ctp/api/checkouts/{token} (checkouts.c); the
 * gateway's child operations are POST /transactions/captures|voids|refunds.
 * Clients authenticate with Basic shop id : secret key (the server takes
 * it on every keyed route). Real clients send null for what they leave
 * unset and keys of their own in additional_data and customer_fields: this
 * dialect accepts all of that and ignores what it does not use. */
#include <string.h>

#include "../dialect/dialect.h"
#include "api.h"

/* A member that is not null, or NULL. */
static json_t *ctp_get(json_t *object, const char *name)
{
  json_t *value = json_object_get(object, name);
  return json_is_null(value) ? NULL : value;
}

/* test: a boolean, or "true"/"false"; at the top or inside checkout. */
static int ctp_test(json_t *body, json_t *checkout, int *test)
{
  json_t *value = ctp_get(checkout, "test");
  if(!value)
    value = ctp_get(body, "test");
  if(!value)
    return 0;
  if(json_is_boolean(value))
    *test = json_is_true(value);
  else if(json_is_string(value) &&
          (!strcmp(json_string_value(value), "true") ||
           !strcmp(json_string_value(value), "false")))
    *test = !strcmp(json_string_value(value), "true");
  else
    return -1;
  return 1;
}

static void ctp_error(json_t *errors, const char *path, const char *message)
{
  json_object_set_new(errors, path, json_pack("[s]", message));
}

/* Copies object[from] into native[to] when it is set. */
static void ctp_copy(json_t *native, const char *to, json_t *object,
                     const char *from)
{
  json_t *value = ctp_get(object, from);
  if(value)
    json_object_set(native, to, value);
}

/* The native body of a checkout; problems go to errors, by path. */
static json_t *ctp_native(json_t *body, json_t *errors)
{
  static const char *const client[] = {
    "first_name", "last_name", "email", "phone", "country", "city",
    "address", "zip", "state", "birth_date", "external_id", NULL};
  json_t *checkout = ctp_get(body, "checkout");
  json_t *order = ctp_get(checkout, "order");
  json_t *settings = ctp_get(checkout, "settings");
  json_t *customer = ctp_get(checkout, "customer");
  json_t *native = json_object(), *person = json_object();
  json_t *amount = ctp_get(order, "amount");
  const char *type = json_string_value(ctp_get(checkout,
                                               "transaction_type"));
  int test = 0, i;

  if(!json_is_object(checkout)) {
    ctp_error(errors, "checkout", "is required");
    json_decref(person);
    return native;
  }
  if(!json_is_integer(amount) || json_integer_value(amount) < 1)
    ctp_error(errors, "checkout.order.amount",
              "must be a positive integer in minor units");
  if(!json_is_string(ctp_get(order, "currency")) ||
     api_check_currency(json_string_value(ctp_get(order, "currency"))))
    ctp_error(errors, "checkout.order.currency", "must be an ISO 4217 code");
  if(type && strcmp(type, "payment") && strcmp(type, "authorization") &&
     strcmp(type, "tokenization") && strcmp(type, "charge"))
    ctp_error(errors, "checkout.transaction_type",
              "must be payment, authorization, tokenization or charge");
  if(ctp_test(body, checkout, &test) < 0)
    ctp_error(errors, "checkout.test", "must be true or false");
  json_object_set(native, "amount", amount ? amount : json_null());
  ctp_copy(native, "currency", order, "currency");
  ctp_copy(native, "description", order, "description");
  ctp_copy(native, "merchant_reference", order, "tracking_id");
  ctp_copy(native, "expires_at", order, "expired_at");
  ctp_copy(native, "max_payment_attempts", checkout, "attempts");
  json_object_set_new(native, "capture", json_string(
      type && !strcmp(type, "authorization") ? "manual" : "auto"));
  if(ctp_test(body, checkout, &test) > 0)
    json_object_set_new(native, "test", json_boolean(test));
  ctp_copy(native, "success_redirect", settings, "success_url");
  ctp_copy(native, "failure_redirect", settings, "fail_url");
  ctp_copy(native, "failure_redirect", settings, "decline_url");
  ctp_copy(native, "cancel_url", settings, "cancel_url");
  ctp_copy(native, "notification_url", settings, "notification_url");
  ctp_copy(native, "return_url", settings, "return_url");
  ctp_copy(native, "language", settings, "language");
  for(i = 0; client[i]; i++)
    ctp_copy(person, client[i], customer, client[i]);
  if(json_object_size(person))
    json_object_set(native, "client", person);
  json_decref(person);
  return native;
}

static obol_rc ctp_answer(http_request_t *req, const store_order_t *order)
{
  char url[512];
  snprintf(url, sizeof(url), "%s/pay/%s", order_config()->public_url,
           order->token);
  http_respond_json(req, 200, json_pack("{s:{s:s, s:s}}", "checkout",
                                        "token", order->token, "redirect_url",
                                        url));
  return OBOL_OK;
}

/* POST /ctp/api/checkouts */
http_status_t api_ctp_checkout_create(http_request_t *req)
{
  json_t *body = req->json ? req->json : json_object();
  json_t *errors = json_object();
  json_t *native = ctp_native(body, errors);
  json_t *checkout = ctp_get(body, "checkout");
  http_status_t status = HTTP_DONE;
  store_shop_t shop;
  json_t *extra;

  if(json_object_size(errors)) {
    http_respond_json(req, 422, json_pack(
        "{s:s, s:O}", "message", "some fields are invalid; nothing was "
        "created", "errors", errors));
  }
  /* its notifications are signed with the shop's key: have one ready */
  else if(store_shop_get(http_store(req), req->arena, req->shop_id, &shop) ||
          api_shop_notification_key(req, &shop))
    http_respond_rc(req, OBOL_ERR_STORE);
  else {
    extra = json_pack("{s:{s:O?, s:O?, s:O?}}", "ctp", "additional_data",
                      ctp_get(ctp_get(checkout, "order"), "additional_data"),
                      "transaction_type",
                      ctp_get(checkout, "transaction_type"), "version",
                      ctp_get(checkout, "version"));
    status = api_order_create_from(req, native, extra, ctp_answer);
    json_decref(extra);
  }
  json_decref(native);
  json_decref(errors);
  if(!req->json)
    json_decref(body);
  return status;
}

/* ---- POST /transactions/captures|voids|refunds ---- */

typedef struct {
  payment_attempt_t attempt;
} ctp_operation_t;

static obol_rc ctp_operation_answer(store_tx_t *tx,
                                    payment_attempt_t *attempt)
{
  http_request_t *req = attempt->context;
  json_t *order, *transaction, *out;
  core_buf_t text;

  if(attempt->refusal != PAYMENT_STARTED) {
    http_respond_json(req, 422, json_pack(
        "{s:s, s:{s:[s]}}", "message",
        attempt->refusal == PAYMENT_REFUSED_AMOUNT
            ? "the amount is more than the transaction allows"
            : "the transaction does not allow this now",
        "errors", "request.parent_uid", "cannot be operated on now"));
    return http_tx_record(tx, req);
  }
  core_buf_init(&text, 1 << 20);
  order_json_write(&attempt->order, ORDER_VIEW_STANDARD, core_now_ms(),
                   &text);
  order = text.data ? json_loadb(text.data, text.len, 0, NULL) : NULL;
  core_buf_free(&text);
  transaction = payment_transaction_json(&attempt->transaction);
  out = dialect_ctp_transaction(transaction, order,
                                order_config()->public_url);
  if(out)
    json_object_set_new(out, "parent_uid", json_string(attempt->parent.id));
  http_respond_json(req, 200, json_pack("{s:o}", "transaction",
                                        out ? out : json_null()));
  json_decref(transaction);
  json_decref(order);
  return http_tx_record(tx, req);
}

static http_status_t ctp_operation(http_request_t *req, payment_kind_t kind)
{
  ctp_operation_t *op = core_arena_alloc(req->arena, sizeof(*op));
  json_t *request = req->json ? ctp_get(req->json, "request") : NULL;
  json_t *amount = ctp_get(request, "amount");
  const char *parent = json_string_value(ctp_get(request, "parent_uid"));
  const char *reason = json_string_value(ctp_get(request, "reason"));
  store_transaction_t transaction;

  if(!op || !parent ||
     (amount && (!json_is_integer(amount) || json_integer_value(amount) < 1))) {
    http_respond_json(req, 422, json_pack(
        "{s:s, s:{s:[s]}}", "message", "some fields are invalid",
        "errors", !parent ? "request.parent_uid" : "request.amount",
        !parent ? "is required" : "must be a positive integer in minor units"));
    return HTTP_DONE;
  }
  if(store_transaction_get(http_store(req), req->arena, req->shop_id, parent,
                           &transaction)) {
    http_respond_json(req, 404, json_pack(
        "{s:s, s:{s:[s]}}", "message", "no such transaction", "errors",
        "request.parent_uid", "is not a transaction of this shop"));
    return HTTP_DONE;
  }
  memset(op, 0, sizeof(*op));
  op->attempt.kind = kind;
  op->attempt.amount = amount ? json_integer_value(amount) : 0;
  op->attempt.reason = reason ? core_arena_strdup(req->arena, reason) : NULL;
  return api_attempt_run(req, &op->attempt, transaction.order_id,
                         ctp_operation_answer);
}

http_status_t api_ctp_capture(http_request_t *req)
{
  return ctp_operation(req, PAYMENT_CAPTURE);
}

http_status_t api_ctp_void(http_request_t *req)
{
  return ctp_operation(req, PAYMENT_VOID);
}

http_status_t api_ctp_refund(http_request_t *req)
{
  return ctp_operation(req, PAYMENT_REFUND);
}
