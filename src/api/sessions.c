/* Seed 004's checkout sessions (Dintero-style), a thin layer over orders:
 * the access token, sessions, and transactions in that provider's terms.
 * A session is an order created here (its details keep "session": the
 * items, the shipping option, the profile); it has at most one payment
 * transaction. Transactions of such orders answer in seed 004's shape. */
#include <string.h>

#include "api.h"

#define SESSION_TOKEN_SECONDS 14400 /* the provider's tokens live ~4 h */

/* ---- POST /v1/accounts/{aid}/auth/token ---- */

/* Client credentials in Basic auth: any client id, the shop's secret key
 * as the secret; the account is the shop. The access token is the key. */
http_status_t api_session_token(http_request_t *req)
{
  const char *user, *secret;

  if(http_basic_auth(req, &user, &secret) ||
     http_key_check(req, secret, http_param(req, "aid"))) {
    http_add_header(req, "WWW-Authenticate", "Basic realm=\"obol\"");
    http_respond_error(req, 401, "unauthorized",
                       "Basic auth with the client id and the shop's secret "
                       "key, for the shop's account id, is required", NULL);
    return HTTP_DONE;
  }
  http_respond_json(req, 200,
                    json_pack("{s:s, s:s, s:i}", "access_token", secret,
                              "token_type", "Bearer", "expires_in",
                              SESSION_TOKEN_SECONDS));
  return HTTP_DONE;
}

/* ---- POST /v1/sessions-profile, /v1/sessions ---- */

static int session_integer(json_t *value, json_int_t min)
{
  return json_is_integer(value) && json_integer_value(value) >= min;
}

/* items[] and shipping_option: amounts in minor units; their sum must be
 * the order's amount, as the provider requires. */
static void session_check_items(json_t *order, json_t *fields)
{
  json_t *items = json_object_get(order, "items");
  json_t *shipping = json_object_get(order, "shipping_option");
  json_int_t sum = 0;
  json_t *item;
  size_t index;

  if(!items && !shipping)
    return;
  if(items && !json_is_array(items)) {
    json_object_set_new(fields, "order.items", json_string("must be an array"));
    return;
  }
  json_array_foreach(items, index, item) {
    char path[48];
    if(!json_is_object(item) ||
       !session_integer(json_object_get(item, "amount"), 0) ||
       !json_is_string(json_object_get(item, "line_id"))) {
      snprintf(path, sizeof(path), "order.items[%zu]", index);
      json_object_set_new(fields, path, json_string(
          "must have line_id and an amount in minor units"));
      return;
    }
    if(__builtin_add_overflow(sum, json_integer_value(json_object_get(
                                       item, "amount")), &sum))
      break; /* cannot add up to any order's amount */
  }
  if(shipping && !session_integer(json_object_get(shipping, "amount"), 0)) {
    json_object_set_new(fields, "order.shipping_option.amount",
                        json_string("must be an amount in minor units"));
    return;
  }
  if((items && index < json_array_size(items)) ||
     __builtin_add_overflow(
         sum, shipping ? json_integer_value(json_object_get(shipping, "amount"))
                       : 0, &sum) ||
     sum != json_integer_value(json_object_get(order, "amount")))
    json_object_set_new(fields, "order.items", json_string(
        "the items and the shipping option must add up to order.amount"));
}

/* The native body of the session's order; NULL with fields filled. */
static json_t *session_native(json_t *body, json_t *fields)
{
  json_t *order = json_object_get(body, "order");
  json_t *url = json_object_get(body, "url");
  json_t *customer = json_object_get(body, "customer");
  json_t *native, *client = json_object();
  json_t *value;

  if(!json_is_object(order) || !session_integer(json_object_get(order,
                                                                "amount"), 1))
    json_object_set_new(fields, "order.amount",
                        json_string("is required: minor units, > 0"));
  else
    session_check_items(order, fields);
  if(!json_is_object(url) || !json_is_string(json_object_get(url,
                                                             "return_url")))
    json_object_set_new(fields, "url.return_url", json_string("is required"));
  if(json_object_size(fields)) {
    json_decref(client);
    return NULL;
  }
  native = json_pack("{s:O, s:s, s:O?, s:O, s:O?}", "amount",
                     json_object_get(order, "amount"), "capture",
                     json_is_true(json_object_get(body, "auto_capture"))
                         ? "auto" : "manual",
                     "currency", json_object_get(order, "currency"),
                     "return_url", json_object_get(url, "return_url"),
                     "callback_url", json_object_get(url, "callback_url"));
  if((value = json_object_get(order, "merchant_reference")))
    json_object_set(native, "merchant_reference", value);
  if((value = json_object_get(body, "expires_at")))
    json_object_set(native, "expires_at", value);
  if((value = json_object_get(customer, "email")))
    json_object_set(client, "email", value);
  if((value = json_object_get(customer, "phone_number")))
    json_object_set(client, "phone", value);
  if(json_object_size(client))
    json_object_set(native, "client", client);
  json_decref(client);
  return native;
}

static obol_rc session_answer(http_request_t *req, const store_order_t *order)
{
  char url[512];
  snprintf(url, sizeof(url), "%s/pay/%s", order_config()->public_url,
           order->token);
  http_respond_json(req, 200, json_pack("{s:s, s:s}", "id", order->id, "url",
                                        url));
  return OBOL_OK;
}

http_status_t api_session_create(http_request_t *req)
{
  json_t *body = req->json ? req->json : json_object();
  json_t *fields = json_object();
  json_t *native = session_native(body, fields);
  json_t *extra;
  http_status_t status = HTTP_DONE;

  if(!native)
    http_respond_error(req, 400, "validation_error",
                       "some fields are invalid; no session was created",
                       json_incref(fields));
  else {
    extra = json_pack("{s:{s:O?, s:O?, s:O?, s:O?}}", "session", "items",
                      json_object_get(json_object_get(body, "order"),
                                      "items"),
                      "shipping_option",
                      json_object_get(json_object_get(body, "order"),
                                      "shipping_option"),
                      "profile_id", json_object_get(body, "profile_id"),
                      "url", json_object_get(body, "url"));
    status = api_order_create_from(req, native, extra, session_answer);
    json_decref(extra);
    json_decref(native);
  }
  json_decref(fields);
  if(!req->json)
    json_decref(body);
  return status;
}

/* ---- reading a session and its transaction ---- */

typedef struct {
  store_order_t order;
  json_t *details;
  json_t *session; /* details.session: NULL if not a session's order */
  store_transaction_t *rows;
  size_t count;
} session_view_t;

/* The view of an order and its transactions; session NULL when the order
 * was not made as a session. Release with json_decref(view->details). */
static void session_view(session_view_t *view, const store_order_t *order,
                         store_transaction_t *rows, size_t count)
{
  view->order = *order;
  view->rows = rows;
  view->count = count;
  view->details = json_loads(order->details, 0, NULL);
  view->session = json_object_get(view->details, "session");
}

static obol_rc session_read(http_request_t *req, const char *order_id,
                            session_view_t *view)
{
  store_transaction_t *rows = NULL;
  store_order_t order;
  size_t count = 0;
  obol_rc rc = store_order_get(http_store(req), req->arena, req->shop_id,
                               order_id, &order);

  memset(view, 0, sizeof(*view));
  if(!rc)
    session_view(view, &order, NULL, 0);
  /* the transactions only of a session's order: others answer natively */
  if(!rc && view->session)
    rc = store_transaction_list(http_store(req), req->arena, req->shop_id,
                                order.id, &rows, &count);
  view->rows = rows;
  view->count = count;
  return rc;
}

/* ---- GET /v1/sessions/{id} ---- */

http_status_t api_session_get(http_request_t *req)
{
  const store_transaction_t *payment;
  session_view_t view;
  json_t *out;
  obol_rc rc = session_read(req, http_param(req, "id"), &view);

  if(!rc && !view.session)
    rc = OBOL_ERR_NOT_FOUND;
  if(rc) {
    json_decref(view.details);
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  payment = payment_latest(view.rows, view.count);
  out = json_pack(
      "{s:s, s:{s:I, s:s, s:o, s:O?, s:O?}, s:O?, s:O?, s:o, s:o, s:o}",
      "id", view.order.id, "order", "amount", (json_int_t)view.order.amount,
      "currency", view.order.currency, "merchant_reference",
      view.order.merchant_reference
          ? json_string(view.order.merchant_reference) : json_string(""),
      "items", json_object_get(view.session, "items"), "shipping_option",
      json_object_get(view.session, "shipping_option"), "url",
      json_object_get(view.session, "url"), "profile_id",
      json_object_get(view.session, "profile_id"), "created_at",
      payment_time_json(view.order.created_at), "updated_at",
      payment_time_json(view.order.updated_at), "expires_at",
      payment_time_json(view.order.expires_at));
  /* one transaction per session, once the customer paid (or tried) */
  if(payment && strcmp(payment->status, "incomplete"))
    json_object_set_new(out, "transaction_id", json_string(payment->id));
  json_decref(view.details);
  http_respond_json(req, 200, out);
  return HTTP_DONE;
}

/* ---- GET /v1/transactions/{id} of a session ---- */

int api_session_transaction(http_request_t *req,
                            const store_transaction_t *transaction)
{
  session_view_t view;
  obol_rc rc = session_read(req, transaction->order_id, &view);

  if(rc || !view.session) {
    json_decref(view.details);
    return 0; /* not a session's: the native shape */
  }
  http_respond_json(req, 200, payment_session_transaction_json(
                                  &view.order, view.details, view.rows,
                                  view.count, transaction));
  json_decref(view.details);
  return 1;
}

/* ---- POST /v1/transactions/{id}/capture|void|refund ---- */

typedef struct {
  payment_attempt_t attempt;
} session_operation_t;

/* Answers the operation in seed 004's shape, from inside its write
 * transaction (the reader would not see it yet). */
static obol_rc session_operation_answer(store_tx_t *tx,
                                        payment_attempt_t *attempt)
{
  http_request_t *req = attempt->context;
  store_transaction_t *rows = NULL;
  session_view_t view;
  size_t count = 0;
  size_t i;
  obol_rc rc;

  if(attempt->refusal != PAYMENT_STARTED) {
    http_respond_error(req, attempt->refusal == PAYMENT_REFUSED_AMOUNT ? 422
                                                                       : 409,
                       attempt->refusal == PAYMENT_REFUSED_AMOUNT
                           ? "amount_too_large" : "invalid_state_transition",
                       "the transaction does not allow this now", NULL);
    return http_tx_record(tx, req);
  }
  rc = store_tx_transaction_list(tx, attempt->arena, attempt->shop_id,
                                 attempt->order_id, &rows, &count);
  if(rc)
    return rc;
  session_view(&view, &attempt->order, rows, count);
  for(i = 0; i < count; i++)
    if(!strcmp(rows[i].id, attempt->parent.id))
      http_respond_json(req, 200, payment_session_transaction_json(
                                      &view.order, view.details, rows, count,
                                      &rows[i]));
  json_decref(view.details);
  return http_tx_record(tx, req);
}

static http_status_t session_operation(http_request_t *req,
                                       payment_kind_t kind)
{
  session_operation_t *op = core_arena_alloc(req->arena, sizeof(*op));
  json_t *amount = req->json ? json_object_get(req->json, "amount") : NULL;
  store_transaction_t transaction;
  obol_rc rc;

  if(!op) {
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return HTTP_DONE;
  }
  memset(op, 0, sizeof(*op));
  if(amount && (!json_is_integer(amount) || json_integer_value(amount) < 1)) {
    http_respond_field_error(req, 400, "validation_error", "amount",
                             "must be a positive integer of minor units");
    return HTTP_DONE;
  }
  rc = store_transaction_get(http_store(req), req->arena, req->shop_id,
                             http_param(req, "id"), &transaction);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  op->attempt.kind = kind;
  op->attempt.amount = amount ? json_integer_value(amount) : 0;
  /* the provider captures in parts while any authorized amount is left */
  op->attempt.keep_open = kind == PAYMENT_CAPTURE;
  op->attempt.reason = req->json ? json_string_value(json_object_get(
                                       req->json, "reason"))
                                 : NULL;
  if(op->attempt.reason)
    op->attempt.reason = core_arena_strdup(req->arena, op->attempt.reason);
  return api_attempt_run(req, &op->attempt, transaction.order_id,
                         session_operation_answer);
}

http_status_t api_session_capture(http_request_t *req)
{
  return session_operation(req, PAYMENT_CAPTURE);
}

http_status_t api_session_void(http_request_t *req)
{
  return session_operation(req, PAYMENT_VOID);
}

http_status_t api_session_refund(http_request_t *req)
{
  return session_operation(req, PAYMENT_REFUND);
}
