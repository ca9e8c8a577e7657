/* Seed 002 (DECTA-style v0.6): its event names and its order shape. */
#include <stdio.h>
#include <string.h>

#include "dialect.h"

static const char *const gate_events[][2] = {
  {"order.viewed", "order.invoice_viewed"},
  {"order.cancelled", "order.canceled"},
  {"order.refund_initiated", "order.refund_in_progress"},
  {"order.refunded", "order.invoice_refunded"},
  {"order.refund_failed", "order.refund_failure"},
  {"order.refund_reversed", "order.invoice_refund_reversed"},
  {"order.reversal_initiated", "order.reversal_in_progress"},
  {"order.reversed", "order.invoice_reversal"},
  {"order.reversal_failed", "order.reversal_failure"},
  {"order.captured", "order.payment_success"},
};

const char *dialect_gate_event(const char *type)
{
  size_t i;
  for(i = 0; i < sizeof(gate_events) / sizeof(gate_events[0]); i++)
    if(!strcmp(gate_events[i][0], type))
      return gate_events[i][1];
  return type;
}

const char *dialect_gate_event_type(const char *name)
{
  size_t i;
  for(i = 0; i < sizeof(gate_events) / sizeof(gate_events[0]); i++)
    if(!strcmp(gate_events[i][1], name) &&
       strcmp(gate_events[i][0], "order.captured"))
      return gate_events[i][0];
  /* the provider's other names are Obol's own */
  for(i = 0; i < sizeof(gate_events) / sizeof(gate_events[0]); i++)
    if(!strcmp(gate_events[i][0], name))
      return NULL;
  return name;
}

/* An RFC 3339 time of the order as epoch seconds, or null. */
static json_t *gate_epoch_of(json_t *text)
{
  int64_t ms;
  if(!json_is_string(text) || core_time_parse(json_string_value(text), &ms))
    return json_null();
  return json_integer(ms / 1000);
}

/* Minor units as the provider's decimal text ("12.50"). */
static json_t *gate_decimal(json_int_t minor, const char *currency)
{
  const core_currency_t *found = core_currency_find(currency);
  char text[40];
  core_money_format(minor, found ? found->exponent : 2, text, sizeof(text));
  return json_string(text);
}

/* When the first event of one of the types happened, epoch seconds. */
static json_t *gate_when(json_t *events, const char *const *types)
{
  json_t *event;
  size_t index, i;

  json_array_foreach(events, index, event) {
    const char *type = json_string_value(json_object_get(event, "type"));
    for(i = 0; type && types[i]; i++)
      if(!strcmp(type, types[i]))
        return json_integer(json_integer_value(json_object_get(
                                event, "created_at")) / 1000);
  }
  return json_null();
}

static json_t *gate_status_changes(json_t *events)
{
  json_t *changes = json_array();
  json_t *event;
  size_t index;

  json_array_foreach(events, index, event) {
    json_t *status = json_object_get(event, "status");
    if(json_is_string(status))
      json_array_append_new(changes, json_pack(
          "{s:O, s:I, s:s}", "status", status, "timestamp",
          json_integer_value(json_object_get(event, "created_at")) / 1000,
          "event", dialect_gate_event(json_string_value(
                       json_object_get(event, "type")))));
  }
  return changes;
}

static void gate_standard(json_t *out, json_t *order, const char *currency)
{
  json_t *client = json_object_get(order, "client");
  json_t *products = json_object_get(order, "products");
  json_t *metadata = json_object_get(order, "metadata");
  json_t *list = json_array();
  json_t *product;
  size_t index;

  json_array_foreach(products, index, product)
    json_array_append_new(list, json_pack(
        "{s:O, s:O, s:O}", "title", json_object_get(product, "title"),
        "price", json_object_get(product, "price"), "quantity",
        json_object_get(product, "quantity")));
  json_object_set_new(out, "client", json_pack(
      "{s:O?, s:O?, s:O?, s:O?}", "email", json_object_get(client, "email"),
      "phone", json_object_get(client, "phone"), "first_name",
      json_object_get(client, "first_name"), "last_name",
      json_object_get(client, "last_name")));
  json_object_set_new(out, "products", list);
  json_object_set(out, "language", json_object_get(order, "language"));
  json_object_set_new(out, "due", gate_epoch_of(json_object_get(order,
                                                                "due_date")));
  json_object_set_new(out, "deny_overdue_payment",
                      json_boolean(json_is_string(json_object_get(
                          order, "expires_at"))));
  json_object_set(out, "notes", json_object_get(metadata, "notes")
                                    ? json_object_get(metadata, "notes")
                                    : json_null());
  json_object_set(out, "referrer", json_object_get(metadata, "referrer")
                                       ? json_object_get(metadata, "referrer")
                                       : json_null());
  json_object_set_new(out, "subtotal", gate_decimal(
      json_integer_value(json_object_get(order, "initial_amount")),
      currency));
}

json_t *dialect_gate_order(json_t *order, json_t *events,
                           const char *public_url, int full)
{
  static const char *const paid[] = {"order.payment_success",
                                     "order.captured", NULL};
  static const char *const captured[] = {"order.captured",
                                         "order.payment_success", NULL};
  static const char *const viewed[] = {"order.viewed", NULL};
  const char *currency = json_string_value(json_object_get(order,
                                                           "currency"));
  const char *id = json_string_value(json_object_get(order, "id"));
  json_t *out;
  char url[512];

  if(!currency || !id)
    return NULL;
  snprintf(url, sizeof(url), "%s/api/v0.6/orders/%s/do/", public_url, id);
  out = json_pack(
      "{s:s, s:O, s:O, s:O, s:s, s:o, s:o, s:O, s:O, s:s, s:O, s:O, s:O, "
      "s:O, s:O, s:b, s:o, s:o, s:o, s:o, s:o, s:O, s:O}",
      "id", id, "number", json_object_get(order, "merchant_reference"),
      "type", json_object_get(order, "type"), "status",
      json_object_get(order, "status"), "currency", currency, "total",
      gate_decimal(json_integer_value(json_object_get(order, "amount")),
                   currency),
      "amount_refunded",
      gate_decimal(json_integer_value(json_object_get(order,
                                                      "refunded_amount")),
                   currency),
      "full_page_checkout", json_object_get(order, "checkout_url"),
      "iframe_checkout", json_object_get(order, "checkout_url"), "api_do_url",
      url, "success_redirect", json_object_get(order, "success_redirect"),
      "in_progress_redirect", json_object_get(order, "in_progress_redirect"),
      "failure_redirect", json_object_get(order, "failure_redirect"),
      "cancel_redirect", json_object_get(order, "cancel_url"),
      "is_test", json_object_get(order, "test"), "skip_capture",
      json_is_string(json_object_get(order, "capture")) &&
          !strcmp(json_string_value(json_object_get(order, "capture")),
                  "manual"),
      "issued", gate_epoch_of(json_object_get(order, "created_at")),
      "viewed", gate_when(events, viewed), "paid", gate_when(events, paid),
      "captured", gate_when(events, captured), "modified",
      gate_epoch_of(json_object_get(order, "updated_at")),
      "permitted_actions", json_object_get(order, "permitted_actions"),
      "max_payment_attempts", json_object_get(order, "max_payment_attempts"));
  if(!out)
    return NULL;
  json_object_set_new(out, "status_changes", gate_status_changes(events));
  if(full)
    gate_standard(out, order, currency);
  return out;
}
