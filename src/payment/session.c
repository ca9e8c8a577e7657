/* Seed 004's transaction (Dintero-style): a session's payment in that
 * provider's terms, for the API's answers and the callbacks that POST it
 * (method=POST). Its status comes from the payment and the order's
 * totals; its events from the order's transactions. */
#include <string.h>

#include "payment.h"

/* The transaction's status in the provider's words, from the payment and
 * the order's totals. */
static const char *session_status(const store_order_t *order,
                                  const store_transaction_t *payment)
{
  order_status_t status = order_effective(order, core_now_ms());

  if(!strcmp(payment->status, "incomplete"))
    return "INITIATED";
  if(!strcmp(payment->status, "pending"))
    return "ON_HOLD";
  if(!strcmp(payment->status, "failed") || !strcmp(payment->status, "error")
     || !strcmp(payment->status, "expired"))
    return "FAILED";
  if(status == ORDER_CANCELLED && !order->captured_amount)
    return "AUTHORIZATION_VOIDED";
  if(status == ORDER_HOLD && order->refunded_amount)
    return "PARTIALLY_CAPTURED_REFUNDED";
  if(status == ORDER_HOLD)
    return order->captured_amount ? "PARTIALLY_CAPTURED" : "AUTHORIZED";
  if(order->refunded_amount && order->refunded_amount >= order->captured_amount)
    return "REFUNDED";
  if(order->refunded_amount)
    return order->captured_amount < order->amount
               ? "PARTIALLY_CAPTURED_REFUNDED" : "PARTIALLY_REFUNDED";
  if(order->captured_amount)
    return "CAPTURED";
  return "UNKNOWN";
}

static const char *session_event_name(const store_transaction_t *row)
{
  if(!strcmp(row->type, "payment"))
    return "CAPTURE"; /* a sale: authorized and captured at once */
  if(!strcmp(row->type, "authorization"))
    return "AUTHORIZE";
  if(!strcmp(row->type, "capture") || !strcmp(row->type, "partial_capture"))
    return "CAPTURE";
  if(!strcmp(row->type, "void") || !strcmp(row->type, "reversal"))
    return "VOID";
  if(!strcmp(row->type, "refund"))
    return "REFUND";
  return NULL;
}

/* events[]: what happened to the transaction, oldest first. */
static json_t *session_events(const store_transaction_t *rows, size_t count)
{
  json_t *events = json_array();
  size_t i;

  for(i = 0; i < count; i++) {
    const store_transaction_t *row = &rows[i];
    const char *name = session_event_name(row);
    if(!name || (!payment_finished(row) && strcmp(row->type, "payment") &&
                 strcmp(row->type, "authorization")))
      continue;
    if(!strcmp(row->type, "payment") || !strcmp(row->type, "authorization"))
      json_array_append_new(events, json_pack(
          "{s:s, s:o, s:b, s:I, s:s}", "event", "INITIATE", "created_at",
          payment_time_json(row->created_at), "success", 1, "amount",
          (json_int_t)row->amount, "request_id", row->id));
    if(payment_finished(row))
      json_array_append_new(events, json_pack(
          "{s:s, s:o, s:b, s:I, s:s}", "event", name, "created_at",
          payment_time_json(row->finished_at), "success",
          !strcmp(row->status, "successful"), "amount",
          (json_int_t)row->amount, "request_id", row->id));
  }
  return events;
}

json_t *payment_session_transaction_json(const store_order_t *order,
                                         json_t *details,
                                         const store_transaction_t *rows,
                                         size_t count,
                                         const store_transaction_t *payment)
{
  json_t *session = json_object_get(details, "session");
  json_t *items = json_copy(json_object_get(session, "items"));
  json_t *shipping = json_object_get(session, "shipping_option");
  json_t *client = json_object_get(details, "client");
  const char *method = payment->text[STORE_TXN_PAYMENT_METHOD];
  char product[64];

  if(!items)
    items = json_array();
  if(shipping)
    json_array_append(items, shipping);
  snprintf(product, sizeof(product), "sandbox.%s",
           method && !strcmp(method, "card") ? "creditcard"
                                               : method ? method : "unknown");
  return json_pack(
      "{s:s, s:s, s:o, s:o, s:s, s:I, s:s, s:o, s:s, s:s, s:{s:o, s:o}, "
      "s:o, s:o, s:o, s:o, s:{s:O?}}",
      "id", payment->id, "session_id", order->id, "merchant_reference",
      order->merchant_reference
          ? json_string(order->merchant_reference) : json_string(""),
      "merchant_reference_2",
      payment->text[STORE_TXN_MERCHANT_REFERENCE_2]
          ? json_string(payment->text[STORE_TXN_MERCHANT_REFERENCE_2])
          : json_null(),
      "status", session_status(order, payment), "amount",
      (json_int_t)payment->amount, "currency", payment->currency, "items",
      items, "payment_product", "sandbox", "payment_product_type", product,
      "customer", "email",
      json_object_get(client, "email")
          ? json_copy(json_object_get(client, "email")) : json_null(),
      "phone_number",
      json_object_get(client, "phone")
          ? json_copy(json_object_get(client, "phone")) : json_null(),
      "customer_ip",
      payment->text[STORE_TXN_CUSTOMER_IP]
          ? json_string(payment->text[STORE_TXN_CUSTOMER_IP]) : json_null(),
      "created_at", payment_time_json(payment->created_at), "updated_at",
      payment_time_json(order->updated_at), "events",
      session_events(rows, count),
      "url", "callback_url",
      json_object_get(json_object_get(session, "url"), "callback_url"));
}

