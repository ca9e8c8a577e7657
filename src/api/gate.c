/* Seed 002's API (DECTA-style Gate v0.6) under /api/v0.6/: orders in that
 * provider's names and shape, its operations, host-to-host card payment,
 * and webhooks with its event names. A thin layer: each call becomes the
 * native one; the provider's shape is dialect_gate_order(). */
#include <stdlib.h>
#include <string.h>

#include "../dialect/dialect.h"
#include "api.h"

#define GATE_ORDER_TEXT_MAX (1 << 20)
#define GATE_LIST_MAX 100

/* The provider's fields this layer reads no further (card options ...). */
static const char *const gate_ignored[] = {
  "save_card", "verify_card", "use_verified_card", "payment_system",
  "dynamic_descriptor", "is_moto", "pan_first", NULL};

/* ?response_type: anything but minimum shows the client and products. */
static int gate_full(http_request_t *req)
{
  const char *type = http_query(req, "response_type");
  return type && strcmp(type, "minimum");
}

/* The order's events as [{type, created_at, status}], oldest first. */
static json_t *gate_events(http_request_t *req, const store_order_t *order)
{
  store_event_query_t query = {.shop_id = order->shop_id,
                               .order_id = order->id};
  store_event_t *rows = NULL;
  size_t count = 0, i;
  json_t *events = json_array();

  if(store_event_list(http_store(req), req->arena, &query, &rows, &count))
    return events;
  for(i = 0; i < count; i++) {
    json_t *data = json_loads(rows[i].data, 0, NULL);
    json_array_append_new(events, json_pack(
        "{s:s, s:I, s:O?}", "type", rows[i].type, "created_at",
        (json_int_t)rows[i].created_at, "status",
        json_object_get(json_object_get(data, "order"), "status")));
    json_decref(data);
  }
  return events;
}

/* The order in the provider's shape; extra is one more event (the change
 * being written now, which readers cannot see yet), or NULL. */
static json_t *gate_order_json(http_request_t *req,
                               const store_order_t *order, json_t *extra)
{
  json_t *events = gate_events(req, order);
  json_t *native, *out;
  core_buf_t text;

  if(extra)
    json_array_append(events, extra);
  core_buf_init(&text, GATE_ORDER_TEXT_MAX);
  order_json_write(order, ORDER_VIEW_FULL, core_now_ms(), &text);
  native = text.data ? json_loadb(text.data, text.len, 0, NULL) : NULL;
  core_buf_free(&text);
  out = native ? dialect_gate_order(native, events,
                                    order_config()->public_url,
                                    gate_full(req))
               : NULL;
  json_decref(native);
  json_decref(events);
  return out;
}

/* ---- POST /api/v0.6/orders/ ---- */

/* The native body of the provider's order. */
static json_t *gate_native(json_t *body, json_t *fields)
{
  json_t *native = json_deep_copy(body);
  json_t *value, *metadata = json_object();
  size_t i;

  for(i = 0; gate_ignored[i]; i++)
    json_object_del(native, gate_ignored[i]);
  if((value = json_object_get(body, "number"))) {
    json_object_set(native, "merchant_reference", value);
    json_object_del(native, "number");
  }
  if((value = json_object_get(body, "cancel_redirect"))) {
    json_object_set(native, "cancel_url", value);
    json_object_del(native, "cancel_redirect");
  }
  if((value = json_object_get(body, "skip_capture"))) {
    json_object_set_new(native, "capture",
                        json_string(json_is_true(value) ? "manual" : "auto"));
    json_object_del(native, "skip_capture");
  }
  if((value = json_object_get(body, "is_test"))) {
    json_object_set(native, "test", value);
    json_object_del(native, "is_test");
  }
  if((value = json_object_get(body, "due"))) {
    /* epoch seconds; with deny_overdue_payment the order expires then */
    char when[32];
    if(!json_is_integer(value) || json_integer_value(value) < 0)
      json_object_set_new(fields, "due", json_string(
          "must be a time in seconds since the epoch"));
    core_time_format(json_integer_value(value) * 1000, when, sizeof(when));
    json_object_set_new(native,
                        json_is_true(json_object_get(body,
                                                     "deny_overdue_payment"))
                            ? "expires_at" : "due_date",
                        json_string(when));
    json_object_del(native, "due");
  }
  json_object_del(native, "deny_overdue_payment");
  for(i = 0; i < 2; i++) {
    const char *name = i ? "referrer" : "notes";
    if((value = json_object_get(body, name))) {
      json_object_set(metadata, name, value);
      json_object_del(native, name);
    }
  }
  if(json_object_size(metadata))
    json_object_set(native, "metadata", metadata);
  json_decref(metadata);
  if((value = json_object_get(native, "client"))) {
    json_object_del(value, "send_to_email");
    json_object_del(value, "original_client");
  }
  return native;
}

static obol_rc gate_created(http_request_t *req, const store_order_t *order)
{
  json_t *issued = json_pack("{s:s, s:I, s:s}", "type", "order.issued",
                             "created_at", (json_int_t)order->created_at,
                             "status", order->status);
  json_t *out = gate_order_json(req, order, issued);
  json_decref(issued);
  http_respond_json(req, 201, out);
  return out ? OBOL_OK : OBOL_ERR_NOMEM;
}

http_status_t api_gate_order_create(http_request_t *req)
{
  json_t *body = req->json ? req->json : json_object();
  json_t *fields = json_object();
  json_t *native = gate_native(body, fields);
  http_status_t status = HTTP_DONE;

  if(json_object_size(fields))
    http_respond_error(req, 400, "validation_error",
                       "some fields are invalid; no order was created",
                       json_incref(fields));
  else
    status = api_order_create_from(req, native, NULL, gate_created);
  json_decref(native);
  json_decref(fields);
  if(!req->json)
    json_decref(body);
  return status;
}

/* ---- GET /api/v0.6/orders/{id}/ and the list ---- */

http_status_t api_gate_order_get(http_request_t *req)
{
  store_order_t order;
  obol_rc rc = store_order_get(http_store(req), req->arena, req->shop_id,
                               http_param(req, "id"), &order);
  if(rc)
    http_respond_rc(req, rc);
  else
    http_respond_json(req, 200, gate_order_json(req, &order, NULL));
  return HTTP_DONE;
}

/* ?status=, ?number=, ?limit= (1-100), ?cursor= (from "next"). */
http_status_t api_gate_order_list(http_request_t *req)
{
  store_order_query_t query = {.shop_id = req->shop_id, .limit = 20};
  const char *limit = http_query(req, "limit");
  store_order_t *rows = NULL;
  size_t count = 0, i;
  json_t *results;
  char *end = NULL;
  obol_rc rc;

  query.status = http_query(req, "status");
  query.merchant_reference = http_query(req, "number");
  if(limit)
    query.limit = (int)strtol(limit, &end, 10);
  if((limit && (*end || query.limit < 1 || query.limit > GATE_LIST_MAX)) ||
     (query.status && order_status_parse(query.status) < 0)) {
    http_respond_error(req, 400, "validation_error",
                       "status must be an order status, limit 1 to 100",
                       NULL);
    return HTTP_DONE;
  }
  if(api_order_cursor(req, &query))
    return HTTP_DONE;
  query.limit++;
  rc = store_order_list(http_store(req), req->arena, &query, &rows, &count);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  results = json_array();
  for(i = 0; i < count && (int)i < query.limit - 1; i++)
    json_array_append_new(results, gate_order_json(req, &rows[i], NULL));
  if((int)count >= query.limit) {
    /* the next page keeps the filters */
    const store_order_t *last = &rows[query.limit - 2];
    core_buf_t next;
    char position[96];
    core_buf_init(&next, 4096);
    snprintf(position, sizeof(position), "%lld_%s",
             (long long)last->created_at, last->id);
    rc = core_buf_printf(&next, "%s/api/v0.6/orders/",
                         order_config()->public_url);
    if(!rc && query.status)
      rc = core_url_append(&next, "status", query.status);
    if(!rc && query.merchant_reference)
      rc = core_url_append(&next, "number", query.merchant_reference);
    if(!rc && limit)
      rc = core_url_append(&next, "limit", limit);
    if(!rc)
      rc = core_url_append(&next, "cursor", position);
    if(!rc)
      rc = core_buf_append(&next, "", 1);
    if(rc)
      http_respond_rc(req, rc);
    else
      http_respond_json(req, 200, json_pack(
          "{s:I, s:s, s:o}", "count", (json_int_t)json_array_size(results),
          "next", next.data, "results", results));
    core_buf_free(&next);
  }
  else
    http_respond_json(req, 200, json_pack("{s:I, s:n, s:o}", "count",
                                          (json_int_t)json_array_size(results),
                                          "next", "results", results));
  return HTTP_DONE;
}

/* ---- operations: capture, refund, cancel, reverse ---- */

typedef struct {
  payment_attempt_t attempt;
} gate_operation_t;

static obol_rc gate_operation_answer(store_tx_t *tx,
                                     payment_attempt_t *attempt)
{
  http_request_t *req = attempt->context;
  json_t *now;

  if(attempt->refusal != PAYMENT_STARTED)
    http_respond_error(req, attempt->refusal == PAYMENT_REFUSED_AMOUNT ? 422
                                                                       : 409,
                       attempt->refusal == PAYMENT_REFUSED_AMOUNT
                           ? "amount_too_large" : "invalid_state_transition",
                       "the order does not allow this now", NULL);
  else {
    now = json_pack("{s:s, s:I, s:s}", "type",
                    !strcmp(attempt->order.status, "paid") ? "order.captured"
                                                           : "order.updated",
                    "created_at", (json_int_t)core_now_ms(), "status",
                    attempt->order.status);
    http_respond_json(req, 200, gate_order_json(req, &attempt->order, now));
    json_decref(now);
  }
  return http_tx_record(tx, req);
}

/* {amount?} in the provider's decimal major units, into minor units of
 * the order's currency; -1 (answered 400) when it is not one. */
static int gate_amount(http_request_t *req, int64_t *minor)
{
  json_t *amount = req->json ? json_object_get(req->json, "amount") : NULL;
  const char *problem = "must be a decimal amount";
  const core_currency_t *currency;
  store_order_t order;
  obol_rc rc;

  *minor = 0;
  if(!amount || json_is_null(amount))
    return 0;
  rc = store_order_get(http_store(req), req->arena, req->shop_id,
                       http_param(req, "id"), &order);
  if(rc) {
    http_respond_rc(req, rc);
    return -1;
  }
  currency = core_currency_find(order.currency);
  rc = api_money_json(amount, currency ? currency->exponent : 2, minor,
                      &problem);
  if(!rc && *minor <= 0) {
    rc = OBOL_ERR_INVALID;
    problem = "must be more than zero";
  }
  if(rc) {
    http_respond_field_error(req, 400, "validation_error", "amount", problem);
    return -1;
  }
  return 0;
}

static http_status_t gate_operation(http_request_t *req, payment_kind_t kind)
{
  gate_operation_t *op = core_arena_alloc(req->arena, sizeof(*op));
  const char *reason = req->json ? json_string_value(json_object_get(
                                       req->json, "reason"))
                                 : NULL;

  if(!op) {
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return HTTP_DONE;
  }
  memset(op, 0, sizeof(*op));
  if(gate_amount(req, &op->attempt.amount))
    return HTTP_DONE;
  op->attempt.kind = kind;
  op->attempt.reason = reason ? core_arena_strdup(req->arena, reason) : NULL;
  return api_attempt_run(req, &op->attempt, http_param(req, "id"),
                         gate_operation_answer);
}

http_status_t api_gate_capture(http_request_t *req)
{
  return gate_operation(req, PAYMENT_CAPTURE);
}

http_status_t api_gate_refund(http_request_t *req)
{
  return gate_operation(req, PAYMENT_REFUND);
}

http_status_t api_gate_reverse(http_request_t *req)
{
  return gate_operation(req, PAYMENT_REVERSE);
}

static obol_rc gate_cancelled(http_request_t *req, const store_order_t *order)
{
  json_t *now = json_pack("{s:s, s:I, s:s}", "type", "order.cancelled",
                          "created_at", (json_int_t)core_now_ms(), "status",
                          order->status);
  http_respond_json(req, 200, gate_order_json(req, order, now));
  json_decref(now);
  return OBOL_OK;
}

/* A hold is voided (its funds released); any other order cancelled. */
http_status_t api_gate_cancel(http_request_t *req)
{
  store_order_t order;
  obol_rc rc = store_order_get(http_store(req), req->arena, req->shop_id,
                               http_param(req, "id"), &order);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  if(!strcmp(order.status, "hold"))
    return gate_operation(req, PAYMENT_VOID);
  return api_order_act(req, "cancel", ORDER_CANCELLED, gate_cancelled);
}

/* ---- POST {api_do_url}: host-to-host card payment ---- */

typedef struct {
  payment_attempt_t attempt;
  char month[8], year[8];
} gate_do_t;

static obol_rc gate_do_answer(store_tx_t *tx, payment_attempt_t *attempt)
{
  http_request_t *req = attempt->context;
  const store_transaction_t *transaction = &attempt->transaction;
  json_t *now, *out;

  if(attempt->refusal != PAYMENT_STARTED) {
    http_respond_error(req, 409, attempt->refusal ==
                                         PAYMENT_REFUSED_IN_PROGRESS
                                     ? "payment_in_progress"
                                     : "invalid_state_transition",
                       "the order cannot be paid now", NULL);
    return http_tx_record(tx, req);
  }
  now = json_pack("{s:s, s:I, s:s}", "type",
                  !strcmp(attempt->order.status, "paid")
                      ? "order.payment_success" : "order.updated",
                  "created_at", (json_int_t)core_now_ms(), "status",
                  attempt->order.status);
  out = gate_order_json(req, &attempt->order, now);
  json_decref(now);
  if(out) {
    json_object_set_new(out, "transaction_details",
                        payment_transaction_json(transaction));
    /* 3-D Secure: the customer's browser goes there first */
    json_object_set_new(out, "redirect_url",
                        transaction->text[STORE_TXN_REDIRECT_URL] &&
                                !strcmp(transaction->status, "incomplete")
                            ? json_string(
                                  transaction->text[STORE_TXN_REDIRECT_URL])
                            : json_null());
  }
  http_respond_json(req, 200, out);
  return http_tx_record(tx, req);
}

/* A number or a numeric string member, as text. */
static const char *gate_text(json_t *body, const char *name, char *buf,
                             size_t size)
{
  json_t *value = json_object_get(body, name);
  if(json_is_integer(value)) {
    snprintf(buf, size, "%lld", (long long)json_integer_value(value));
    return buf;
  }
  return json_string_value(value);
}

/* {cardholder_name, card_number, exp_month, exp_year, cvv | csc}. */
http_status_t api_gate_do(http_request_t *req)
{
  static const char *const allowed[] = {"cardholder_name", "card_number",
                                        "exp_month", "exp_year", "cvv", "csc",
                                        NULL};
  gate_do_t *pay = core_arena_alloc(req->arena, sizeof(*pay));
  json_t *body = req->json ? req->json : NULL;
  json_t *errors = json_object();
  const char *cvc;

  if(!pay || !body) {
    json_decref(errors);
    http_respond_error(req, 400, "validation_error",
                       "the card is required: card_number, exp_month, "
                       "exp_year, cvv", NULL);
    return HTTP_DONE;
  }
  memset(pay, 0, sizeof(*pay));
  api_check_unknown_fields(body, allowed, errors);
  cvc = json_string_value(json_object_get(body, "cvv"));
  if(!cvc)
    cvc = json_string_value(json_object_get(body, "csc"));
  api_card_read(json_string_value(json_object_get(body, "card_number")),
                gate_text(body, "exp_month", pay->month, sizeof(pay->month)),
                gate_text(body, "exp_year", pay->year, sizeof(pay->year)),
                cvc,
                json_string_value(json_object_get(body, "cardholder_name")),
                &pay->attempt.card, errors, "");
  if(json_object_size(errors)) {
    http_respond_error(req, 400, "validation_error",
                       "some fields are invalid; nothing was charged",
                       errors);
    return HTTP_DONE;
  }
  json_decref(errors);
  pay->attempt.kind = PAYMENT_PAY;
  pay->attempt.method = ACQUIRER_METHOD_CARD;
  return api_attempt_run(req, &pay->attempt, http_param(req, "id"),
                         gate_do_answer);
}

/* ---- webhooks: {url, events[]} with the provider's event names ---- */

http_status_t api_gate_webhook_create(http_request_t *req)
{
  return api_webhook_create_as(req, "gate");
}

http_status_t api_gate_webhook_list(http_request_t *req)
{
  return api_webhook_list_as(req, "gate");
}

http_status_t api_gate_webhook_update(http_request_t *req)
{
  return api_webhook_patch_as(req, "gate");
}
