/* The order's JSON representations: minimum, standard, full (seed 002). */
#include <stdio.h>
#include <string.h>

#include "order.h"

static json_t *json_time_or_null(int64_t ms)
{
  char text[32];
  if(!ms)
    return json_null();
  core_time_format(ms, text, sizeof(text));
  return json_string(text);
}

/* Copies details[name] (or null) into out. */
static void json_copy_detail(json_t *out, json_t *details, const char *name)
{
  json_t *value = json_object_get(details, name);
  json_object_set(out, name, value ? value : json_null());
}

static const char *const json_redirect_fields[] = {
  "success_redirect", "in_progress_redirect", "failure_redirect",
  "return_url", "cancel_url", NULL};

static const char *const json_standard_fields[] = {
  "description", "products", "client", "merchant_reference_2", "language",
  "callback_url", "notification_url", "metadata", NULL};

/* Merchant operations the order's status allows now. */
static json_t *json_permitted_actions(order_status_t status)
{
  static const struct {
    const char *action;
    order_status_t to;
  } actions[] = {
    {"cancel", ORDER_CANCELLED},
    {"receive", ORDER_RECEIVED},
  };
  json_t *list = json_array();
  size_t i;

  for(i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
    if(status != ORDER_HOLD && !order_transition(status, actions[i].to, NULL))
      json_array_append_new(list, json_string(actions[i].action));
  return list;
}

json_t *order_json(const store_order_t *order, order_view_t view,
                   int64_t now)
{
  const order_config_t *config = order_config();
  order_status_t status = order_effective(order, now);
  json_t *details = json_loads(order->details, 0, NULL);
  json_t *out;
  char url[512];
  size_t i;

  if(!details)
    details = json_object();
  out = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:b, s:s, s:o, s:o}", "id",
                  order->id, "object", "order", "status",
                  order_status_name(status), "amount",
                  (json_int_t)order->amount, "currency", order->currency,
                  "token", order->token, "test", order->test, "capture",
                  order->capture_manual ? "manual" : "auto",
                  "merchant_reference",
                  order->merchant_reference
                      ? json_string(order->merchant_reference)
                      : json_null(),
                  "created_at", json_time_or_null(order->created_at));
  if(!out) {
    json_decref(details);
    return NULL;
  }
  snprintf(url, sizeof(url), "%s/pay/%s", config->public_url, order->token);
  json_object_set_new(out, "checkout_url", json_string(url));
  snprintf(url, sizeof(url), "%s/v1/orders/%s/pay", config->public_url,
           order->id);
  json_object_set_new(out, "api_do_url", json_string(url));
  for(i = 0; json_redirect_fields[i]; i++)
    json_copy_detail(out, details, json_redirect_fields[i]);
  if(view >= ORDER_VIEW_STANDARD) {
    for(i = 0; json_standard_fields[i]; i++)
      json_copy_detail(out, details, json_standard_fields[i]);
    json_object_set_new(out, "initial_amount",
                        json_integer(order->initial_amount));
    json_object_set_new(out, "surcharge_amount",
                        json_integer(order->surcharge_amount));
    json_object_set_new(out, "due_date", json_time_or_null(order->due_at));
    json_object_set_new(out, "expires_at",
                        json_time_or_null(order->expires_at));
    json_object_set_new(out, "max_payment_attempts",
                        order->max_payment_attempts
                            ? json_integer(order->max_payment_attempts)
                            : json_null());
    json_object_set_new(out, "failed_attempts",
                        json_integer(order->failed_attempts));
    json_object_set_new(out, "updated_at",
                        json_time_or_null(order->updated_at));
  }
  if(view >= ORDER_VIEW_FULL) {
    const core_currency_t *currency = core_currency_find(order->currency);
    char decimal[40];
    core_money_format(order->amount, currency ? currency->exponent : 2,
                      decimal, sizeof(decimal));
    json_object_set_new(out, "amount_decimal", json_string(decimal));
    json_object_set_new(out, "shop_id", json_string(order->shop_id));
    json_object_set_new(out, "permitted_actions",
                        json_permitted_actions(status));
    json_object_set_new(out, "version", json_integer(order->event_sequence));
  }
  json_decref(details);
  return out;
}
