/* The order's JSON representations: minimum, standard, full (seed 002).
 * Written straight into a buffer: reads of an order are the hottest path,
 * and building a jansson tree only to print it costs more than the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "order.h"

/* Writes the members of one JSON object; the first error sticks. */
typedef struct {
  core_buf_t *buf;
  int members;
  obol_rc rc;
} json_writer_t;

static void json_key(json_writer_t *w, const char *key)
{
  if(w->rc)
    return;
  w->rc = core_buf_append_str(w->buf, w->members++ ? "," : "");
  if(!w->rc)
    w->rc = core_buf_append_json_string(w->buf, key);
  if(!w->rc)
    w->rc = core_buf_append(w->buf, ":", 1);
}

static void json_raw(json_writer_t *w, const char *key, const char *raw)
{
  json_key(w, key);
  if(!w->rc)
    w->rc = core_buf_append_str(w->buf, raw);
}

static void json_text(json_writer_t *w, const char *key, const char *value)
{
  if(!value) {
    json_raw(w, key, "null");
    return;
  }
  json_key(w, key);
  if(!w->rc)
    w->rc = core_buf_append_json_string(w->buf, value);
}

static void json_int(json_writer_t *w, const char *key, int64_t value)
{
  json_key(w, key);
  if(!w->rc)
    w->rc = core_buf_printf(w->buf, "%lld", (long long)value);
}

static void json_time(json_writer_t *w, const char *key, int64_t ms)
{
  char text[32];
  if(!ms) {
    json_raw(w, key, "null");
    return;
  }
  core_time_format(ms, text, sizeof(text));
  json_text(w, key, text);
}

/* details[name] as JSON text, or null. */
static void json_detail(json_writer_t *w, json_t *details, const char *name)
{
  json_t *value = json_object_get(details, name);
  char *text = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY)
                     : NULL;
  json_raw(w, name, text ? text : "null");
  free(text);
}

static const char *const json_standard_details[] = {
  "description", "products", "client", "merchant_reference_2", "metadata",
  NULL};

/* Merchant operations the order's status (and totals) allow now. */
static void json_permitted_actions(json_writer_t *w,
                                   const store_order_t *order,
                                   order_status_t status)
{
  int hold = status == ORDER_HOLD;
  int refundable = order->captured_amount > order->refunded_amount;
  const struct {
    const char *action;
    int allowed;
  } actions[] = {
    {"cancel", !hold && !order_transition(status, ORDER_CANCELLED, NULL)},
    {"receive", !order_transition(status, ORDER_RECEIVED, NULL)},
    {"capture", hold},
    {"void", hold},
    /* what a hold captured in parts can be refunded while it stays open */
    {"refund", refundable &&
                   (hold || !order_transition(status, ORDER_REFUND_INITIATED,
                                              NULL))},
    {"reverse", !order->refunded_amount &&
                    !order_transition(status, ORDER_REVERSAL_INITIATED,
                                      NULL)},
  };
  char list[128] = "[";
  size_t i;

  for(i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
    if(actions[i].allowed)
      snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s\"%s\"",
               list[1] ? "," : "", actions[i].action);
  strcat(list, "]");
  json_raw(w, "permitted_actions", list);
}

static void json_standard(json_writer_t *w, const store_order_t *order)
{
  json_t *details = json_loads(order->details, 0, NULL);
  size_t i;

  for(i = 0; json_standard_details[i]; i++)
    json_detail(w, details, json_standard_details[i]);
  json_decref(details);
  json_text(w, "language", order->language);
  json_text(w, "callback_url", order->urls[STORE_URL_CALLBACK]);
  json_text(w, "notification_url", order->urls[STORE_URL_NOTIFICATION]);
  json_int(w, "initial_amount", order->initial_amount);
  json_int(w, "surcharge_amount", order->surcharge_amount);
  json_time(w, "due_date", order->due_at);
  json_time(w, "expires_at", order->expires_at);
  if(order->max_payment_attempts)
    json_int(w, "max_payment_attempts", order->max_payment_attempts);
  else
    json_raw(w, "max_payment_attempts", "null");
  json_int(w, "failed_attempts", order->failed_attempts);
  json_int(w, "captured_amount", order->captured_amount);
  json_int(w, "refunded_amount", order->refunded_amount);
  json_int(w, "refundable_amount",
           order->captured_amount - order->refunded_amount);
  json_time(w, "updated_at", order->updated_at);
}

static void json_full(json_writer_t *w, const store_order_t *order,
                      order_status_t status)
{
  const core_currency_t *currency = core_currency_find(order->currency);
  char decimal[40];

  core_money_format(order->amount, currency ? currency->exponent : 2, decimal,
                    sizeof(decimal));
  json_text(w, "amount_decimal", decimal);
  json_text(w, "shop_id", order->shop_id);
  json_permitted_actions(w, order, status);
  json_int(w, "version", order->event_sequence);
}

obol_rc order_json_write(const store_order_t *order, order_view_t view,
                         int64_t now, core_buf_t *out)
{
  const order_config_t *config = order_config();
  order_status_t status = order_effective(order, now);
  json_writer_t w = {out, 0, OBOL_OK};
  char url[512];
  int i;

  w.rc = core_buf_append(out, "{", 1);
  json_text(&w, "id", order->id);
  json_text(&w, "object", "order");
  json_text(&w, "type", order->kind[0] ? order->kind : "payment");
  json_text(&w, "status", order_status_name(status));
  json_int(&w, "amount", order->amount);
  json_text(&w, "currency", order->currency);
  json_text(&w, "token", order->token);
  json_raw(&w, "test", order->test ? "true" : "false");
  json_text(&w, "capture", order->capture_manual ? "manual" : "auto");
  json_text(&w, "merchant_reference", order->merchant_reference);
  json_time(&w, "created_at", order->created_at);
  snprintf(url, sizeof(url), "%s/pay/%s", config->public_url, order->token);
  json_text(&w, "checkout_url", url);
  snprintf(url, sizeof(url), "%s/v1/orders/%s/pay", config->public_url,
           order->id);
  json_text(&w, "api_do_url", url);
  for(i = 0; i <= STORE_URL_CANCEL; i++)
    json_text(&w, store_url_names[i], order->urls[i]);
  if(view >= ORDER_VIEW_STANDARD)
    json_standard(&w, order);
  if(view >= ORDER_VIEW_FULL)
    json_full(&w, order, status);
  if(!w.rc)
    w.rc = core_buf_append(out, "}", 1);
  return w.rc;
}

json_t *order_detail(const store_order_t *order, const char *name)
{
  json_t *details = json_loads(order->details, 0, NULL);
  json_t *value = json_incref(json_object_get(details, name));
  json_decref(details);
  return value;
}
