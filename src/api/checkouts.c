/* GET /v1/checkouts/{token}: the status query of seed 003, in its shape. */
#include <stdio.h>
#include <string.h>

#include "../payment/payment.h"
#include "api.h"

static json_t *checkout_string(json_t *object, const char *name)
{
  json_t *value = json_object_get(object, name);
  return value ? json_copy(value) : json_null();
}

static json_t *checkout_optional(const char *text)
{
  return text ? json_string(text) : json_null();
}

/* status and message while no payment attempt has been made (seed 003:
 * "Gateway response not found."), or for outcomes reached without one. */
static void checkout_status(order_status_t status, const char **name,
                            const char **message)
{
  switch(status) {
  case ORDER_EXPIRED:
    *name = "expired";
    *message = "The payment period has expired.";
    break;
  case ORDER_CANCELLED:
  case ORDER_REJECTED:
    *name = "failed";
    *message = "The order was cancelled.";
    break;
  case ORDER_RECEIVED:
    *name = "successful";
    *message = "The order was paid outside the gateway.";
    break;
  default:
    *name = "error";
    *message = "Gateway response not found.";
    break;
  }
}

/* order{}: amounts, tracking id, expiry, and the shop's surcharge shape. */
static json_t *checkout_order(const store_order_t *order, json_t *details,
                              const store_shop_t *shop)
{
  json_t *rule = shop->surcharge ? json_loads(shop->surcharge, 0, NULL) : NULL;
  const char *format = json_string_value(json_object_get(rule, "format"));
  json_t *additional = json_pack("{s:{s:s, s:s}}", "vendor", "name", "Obol",
                                 "token", order->token);
  char when[32];
  json_t *out;

  if(order->expires_at)
    core_time_format(order->expires_at, when, sizeof(when));
  out = json_pack("{s:s, s:I, s:o, s:o, s:o, s:o}", "currency",
                  order->currency, "amount", (json_int_t)order->amount,
                  "description", checkout_string(details, "description"),
                  "tracking_id", checkout_optional(order->merchant_reference),
                  "additional_data", additional, "expired_at",
                  order->expires_at ? json_string(when) : json_null());
  if(!out) {
    json_decref(rule);
    return NULL; /* json_pack released additional */
  }
  if(rule && format && !strcmp(format, "v2")) {
    json_t *adjustments = json_pack(
        "{s:I, s:I, s:s, s:{s:s, s:s, s:I, s:I, s:s}}", "initial_amount",
        (json_int_t)order->initial_amount, "adjustment_amount",
        (json_int_t)order->surcharge_amount, "currency", order->currency,
        "surcharge_info", "id", shop->id, "type", "surcharge_max", "amount",
        (json_int_t)order->surcharge_amount, "initial_amount",
        (json_int_t)order->initial_amount, "currency", order->currency);
    json_object_set_new(additional, "adjustments", adjustments);
  }
  else if(rule) {
    json_object_set_new(out, "initial_amount",
                        json_integer(order->initial_amount));
    json_object_set_new(out, "surcharge_amount",
                        json_integer(order->surcharge_amount));
  }
  json_decref(rule);
  return out;
}

static json_t *checkout_settings(const store_order_t *order)
{
  const char *const *urls = order->urls;
  return json_pack(
      "{s:o, s:o, s:o, s:o, s:n, s:o, s:o, s:s, s:{}, s:{}, s:n}",
      "success_url", checkout_optional(urls[STORE_URL_SUCCESS_REDIRECT]),
      "fail_url", checkout_optional(urls[STORE_URL_FAILURE_REDIRECT]),
      "decline_url", checkout_optional(urls[STORE_URL_FAILURE_REDIRECT]),
      "notification_url", checkout_optional(urls[STORE_URL_NOTIFICATION]),
      "verification_url", "cancel_url",
      checkout_optional(urls[STORE_URL_CANCEL]), "return_url",
      checkout_optional(urls[STORE_URL_RETURN]), "language", order->language,
      "customer_fields", "credit_card_fields", "auto_return");
}

static json_t *checkout_customer(json_t *details)
{
  static const char *const names[] = {
    "first_name", "last_name", "address", "city", "country", "state",
    "phone", "zip", "email", "birth_date", "external_id", NULL};
  json_t *client = json_object_get(details, "client");
  json_t *out = json_object();
  size_t i;

  for(i = 0; names[i]; i++)
    json_object_set_new(out, names[i], checkout_string(client, names[i]));
  json_object_set_new(out, "device_id", json_null());
  json_object_set_new(out, "taxpayer_id", json_null());
  return out;
}

static json_t *checkout_shop(const store_shop_t *shop)
{
  json_t *brands = json_loads(shop->brands, 0, NULL);
  return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id", shop->id,
                   "name", shop->name, "country",
                   shop->country ? shop->country : "", "url",
                   checkout_optional(shop->url), "contact_email",
                   checkout_optional(shop->contact_email), "contact_phone",
                   checkout_optional(shop->contact_phone), "brands",
                   brands ? brands : json_array());
}

/* gateway_response.payment (seed 003) of the latest attempt. */
static json_t *checkout_payment(const store_order_t *order,
                                const store_transaction_t *transaction)
{
  json_t *full = payment_transaction_json(transaction);
  json_t *payment = json_object();
  static const char *const copied[] = {
    "uid", "type", "status", "message", "amount", "currency", "auth_code",
    "bank_code", "rrn", "ref_id", "avs_cvc_verification",
    "billing_descriptor", "redirect_url", NULL};
  char receipt[512];
  size_t i;

  for(i = 0; copied[i]; i++)
    json_object_set(payment, copied[i], json_object_get(full, copied[i]));
  snprintf(receipt, sizeof(receipt), "%s/pay/%s", order_config()->public_url,
           order->token);
  json_object_set_new(payment, "gateway_id", json_string("sandbox"));
  json_object_set_new(payment, "receipt_url", json_string(receipt));
  json_object_set_new(payment, "method", json_pack(
      "{s:O, s:O}", "type", json_object_get(full, "payment_method"), "brand",
      json_object_get(json_object_get(full, "method"), "brand")));
  json_decref(full);
  return json_pack("{s:o}", "payment", payment);
}

json_t *api_checkout_json(const store_order_t *order,
                          const store_shop_t *shop,
                          const store_transaction_t *transaction,
                          int64_t now)
{
  json_t *details = json_loads(order->details, 0, NULL);
  order_status_t status = order_effective(order, now);
  const char *name, *message;
  int finished = status == ORDER_RECEIVED || status == ORDER_CANCELLED ||
                 status == ORDER_REJECTED;
  json_t *checkout;

  checkout_status(status, &name, &message);
  if(transaction) {
    /* an attempt was made: its outcome is the checkout's (seed 003) */
    name = transaction->status;
    message = transaction->text[STORE_TXN_MESSAGE]
                  ? transaction->text[STORE_TXN_MESSAGE] : "";
    finished |= payment_finished(transaction);
  }
  checkout = json_pack(
      "{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:b, s:b, s:s, s:s, s:o, "
      "s:{s:s, s:o}, s:{s:[s], s:[], s:[]}}",
      "token", order->token, "shop_id", shop->id, "transaction_type",
      order->capture_manual ? "authorization" : "payment", "gateway_response",
      transaction ? checkout_payment(order, transaction) : json_null(),
      "order", checkout_order(order, details, shop), "settings",
      checkout_settings(order), "customer", checkout_customer(details),
      "finished", finished, "expired", status == ORDER_EXPIRED, "test",
      order->test, "status", name, "message", message, "shop",
      checkout_shop(shop), "merchant", "id", shop->id, "country",
      checkout_optional(shop->country), "payment_method", "types",
      "credit_card", "excluded_types", "excluded_brands");
  json_decref(details);
  return json_pack("{s:o}", "checkout", checkout);
}

/* Every transaction of the checkout, oldest first: the attempts and the
 * operations on the payment (captures, refunds ...), briefly. */
static json_t *checkout_transactions(const store_transaction_t *rows,
                                     size_t count)
{
  json_t *list = json_array();
  size_t i;

  for(i = 0; i < count; i++)
    json_array_append_new(list, json_pack(
        "{s:s, s:s, s:s, s:I, s:s, s:o}", "uid", rows[i].id, "type",
        rows[i].type, "status", rows[i].status, "amount",
        (json_int_t)rows[i].amount, "currency", rows[i].currency, "message",
        rows[i].text[STORE_TXN_MESSAGE]
            ? json_string(rows[i].text[STORE_TXN_MESSAGE])
            : json_null()));
  return list;
}

http_status_t api_checkout_get(http_request_t *req)
{
  store_transaction_t *rows = NULL;
  size_t count = 0;
  store_order_t order;
  store_shop_t shop;
  json_t *checkout;
  obol_rc rc;

  rc = store_order_get_by_token(http_store(req), req->arena, req->shop_id,
                                http_param(req, "token"), &order);
  if(!rc)
    rc = store_shop_get(http_store(req), req->arena, req->shop_id, &shop);
  if(!rc)
    rc = store_transaction_list(http_store(req), req->arena, req->shop_id,
                                order.id, &rows, &count);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  checkout = api_checkout_json(&order, &shop, payment_latest(rows, count),
                               core_now_ms());
  json_object_set_new(json_object_get(checkout, "checkout"), "transactions",
                      checkout_transactions(rows, count));
  http_respond_json(req, 200, checkout);
  return HTTP_DONE;
}
