/* The order resource: create, read, list, events, cancel, receive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../payment/payment.h"
#include "api.h"

#define ORDER_LIST_DEFAULT 20
#define ORDER_LIST_MAX 100

/* ?response_type=minimum|standard|full; -1 (answered 400) when invalid. */
static int order_view(http_request_t *req)
{
  const char *type = http_query(req, "response_type");

  if(!type || !strcmp(type, "minimum"))
    return ORDER_VIEW_MINIMUM;
  if(!strcmp(type, "standard"))
    return ORDER_VIEW_STANDARD;
  if(!strcmp(type, "full"))
    return ORDER_VIEW_FULL;
  http_respond_field_error(req, 400, "validation_error", "response_type",
                           "must be minimum, standard or full");
  return -1;
}

#define ORDER_TEXT_MAX (1 << 20)

/* Answers with the order as JSON text, written without a jansson tree. */
obol_rc api_order_respond(http_request_t *req, unsigned int status,
                             const store_order_t *order, order_view_t view,
                             int64_t now)
{
  core_buf_t text;
  obol_rc rc;

  core_buf_init(&text, ORDER_TEXT_MAX);
  rc = core_buf_reserve(&text, 2048);
  if(!rc)
    rc = order_json_write(order, view, now, &text);
  if(!rc)
    http_respond_buf(req, status, &text);
  core_buf_free(&text);
  return rc;
}

/* ---- POST /v1/orders ---- */

typedef struct {
  http_request_t *req;
  store_order_t order;
  store_event_t event;
  order_view_t view;
  api_order_found_fn found; /* NULL: always a new order */
} order_create_t;

/* On the writer thread: only inserts; everything else was prepared. */
static obol_rc order_create_apply(store_tx_t *tx, void *arg)
{
  order_create_t *create = arg;
  int found = 0;
  obol_rc rc;

  if(http_tx_replay(tx, create->req))
    return OBOL_OK;
  if(create->found) {
    rc = create->found(tx, create->req, &create->order, &found);
    if(rc || found)
      return rc;
  }
  rc = order_insert(tx, create->req->arena, &create->order, &create->event);
  if(!rc)
    rc = http_tx_record(tx, create->req);
  return rc;
}

/* Answers the request once its write is durable (or failed). */
static void order_create_done(void *arg, obol_rc rc)
{
  order_create_t *create = arg;
  if(rc)
    http_respond_rc(create->req, rc);
  http_resume(create->req);
}

/* The token starts with the time like ids do (its index then grows at the
 * end instead of being dirtied at random) and has 208 random bits after. */
obol_rc api_order_identity(store_order_t *order)
{
  unsigned char raw[STORE_TOKEN_LEN / 2];
  uint64_t now = (uint64_t)core_now_ms();
  obol_rc rc = core_id_new("ord", order->id, sizeof(order->id));
  int i;

  if(!rc)
    rc = core_random_bytes(raw, sizeof(raw));
  for(i = 5; i >= 0; i--) {
    raw[i] = (unsigned char)(now & 0xff);
    now >>= 8;
  }
  if(!rc)
    core_hex_encode(raw, sizeof(raw), order->token);
  return rc;
}

http_status_t api_order_create_from(http_request_t *req, json_t *body,
                                    json_t *extra,
                                    api_order_answer_fn answer)
{
  return api_order_create_once(req, body, extra, answer, NULL);
}

http_status_t api_order_create_once(http_request_t *req, json_t *body,
                                    json_t *extra, api_order_answer_fn answer,
                                    api_order_found_fn found)
{
  order_create_t *create = core_arena_alloc(req->arena, sizeof(*create));
  json_t *fields = json_object();
  json_t *details = NULL;
  store_shop_t shop;
  int view = order_view(req);
  int pending = 0, i;
  obol_rc rc;

  if(view < 0)
    goto done;
  rc = store_shop_get(http_store(req), req->arena, req->shop_id, &shop);
  if(!rc && !create)
    rc = OBOL_ERR_NOMEM;
  if(rc) {
    http_respond_rc(req, rc);
    goto done;
  }
  memset(create, 0, sizeof(*create));
  create->req = req;
  create->view = (order_view_t)view;
  create->found = found;
  if(api_order_input(body, &shop, req->live, core_now_ms(), &create->order,
                     &details, fields)) {
    http_respond_error(req, 400, "validation_error",
                       "some fields are invalid; no order was created",
                       fields);
    fields = NULL;
    goto done;
  }
  if(extra) /* a dialect's own data, kept with the order */
    json_object_update(details, extra);
  create->order.details = api_json_text(req->arena, details);
  /* the order outlives the body (a dialect's body is built for the call) */
  if(create->order.merchant_reference)
    create->order.merchant_reference =
        core_arena_strdup(req->arena, create->order.merchant_reference);
  for(i = 0; i < STORE_URL_COUNT; i++)
    if(create->order.urls[i])
      create->order.urls[i] = core_arena_strdup(req->arena,
                                                create->order.urls[i]);
  memcpy(create->order.shop_id, req->shop_id, sizeof(create->order.shop_id));
  rc = create->order.details ? api_order_identity(&create->order)
                             : OBOL_ERR_NOMEM;
  if(!rc)
    rc = order_prepare(req->arena, &create->order, core_now_ms(),
                       &create->event);
  if(!rc)
    rc = answer ? answer(req, &create->order)
                : api_order_respond(req, 201, &create->order, create->view,
                                    create->order.created_at);
  if(!rc)
    rc = store_submit(http_store(req), order_create_apply, order_create_done,
                      create);
  if(rc)
    http_respond_rc(req, rc);
  else
    pending = 1;
done:
  json_decref(details);
  json_decref(fields);
  return pending ? HTTP_AGAIN : HTTP_DONE;
}

http_status_t api_order_create(http_request_t *req)
{
  json_t *empty = req->json ? NULL : json_object();
  http_status_t status = api_order_create_from(req, req->json ? req->json
                                                              : empty,
                                               NULL, NULL);
  json_decref(empty);
  return status;
}

/* ---- GET /v1/orders/{id} ---- */

/* The order; a payout only when asked as one (GET /v1/payouts/{id}). */
static http_status_t order_get(http_request_t *req, int payout)
{
  store_order_t order;
  int view = order_view(req);
  obol_rc rc;

  if(view < 0)
    return HTTP_DONE;
  rc = store_order_get(http_store(req), req->arena, req->shop_id,
                       http_param(req, "id"), &order);
  if(!rc && payout && strcmp(order.kind, "payout"))
    rc = OBOL_ERR_NOT_FOUND;
  if(!rc)
    rc = api_order_respond(req, 200, &order, (order_view_t)view, core_now_ms());
  if(rc)
    http_respond_rc(req, rc);
  return HTTP_DONE;
}

http_status_t api_order_get(http_request_t *req)
{
  return order_get(req, 0);
}

http_status_t api_payout_get(http_request_t *req)
{
  return order_get(req, 1);
}

/* ---- GET /v1/orders ---- */

/* Reads an RFC 3339 query parameter; answers 400 and returns -1 if bad. */
static int order_query_time(http_request_t *req, const char *name,
                            int64_t *out)
{
  const char *text = http_query(req, name);
  if(!text)
    return 0;
  if(core_time_parse(text, out)) {
    http_respond_field_error(req, 400, "validation_error", name,
                             "must be an RFC 3339 time");
    return -1;
  }
  return 0;
}

int api_order_cursor(http_request_t *req, store_order_query_t *query)
{
  const char *cursor = http_query(req, "cursor");
  char *end;

  if(!cursor)
    return 0;
  query->cursor_created_at = strtoll(cursor, &end, 10);
  if(end == cursor || *end != '_' || strncmp(end + 1, "ord_", 4)) {
    http_respond_field_error(req, 400, "validation_error", "cursor",
                             "is not a cursor this API returned");
    return -1;
  }
  query->cursor_id = end + 1;
  return 0;
}

static int order_query(http_request_t *req, store_order_query_t *query)
{
  const char *limit = http_query(req, "limit");
  const char *status = http_query(req, "status");
  char *end;

  memset(query, 0, sizeof(*query));
  query->shop_id = req->shop_id;
  query->limit = ORDER_LIST_DEFAULT;
  if(limit) {
    long value = strtol(limit, &end, 10);
    if(end == limit || *end || value < 1 || value > ORDER_LIST_MAX) {
      http_respond_field_error(req, 400, "validation_error", "limit",
                               "must be an integer from 1 to 100");
      return -1;
    }
    query->limit = (int)value;
  }
  if(status && order_status_parse(status) < 0) {
    http_respond_field_error(req, 400, "validation_error", "status",
                             "is not an order status");
    return -1;
  }
  query->status = status;
  query->merchant_reference = http_query(req, "merchant_reference");
  query->kind = http_query(req, "type");
  if(query->kind && strcmp(query->kind, "payment") &&
     strcmp(query->kind, "payout")) {
    http_respond_field_error(req, 400, "validation_error", "type",
                             "must be payment or payout");
    return -1;
  }
  if(query->kind && query->merchant_reference) {
    http_respond_field_error(req, 400, "validation_error", "type",
                             "filter by type or by merchant_reference, "
                             "not both");
    return -1;
  }
  if(order_query_time(req, "created_from", &query->created_from) ||
     order_query_time(req, "created_to", &query->created_to))
    return -1;
  return api_order_cursor(req, query);
}

/* A page of orders; forced_kind (payouts) overrides ?type=. */
static http_status_t order_list(http_request_t *req, const char *forced_kind)
{
  store_order_query_t query;
  store_order_t *rows = NULL;
  size_t count = 0, i;
  core_buf_t text;
  int view = order_view(req);
  int64_t now = core_now_ms();
  obol_rc rc;

  if(view < 0 || order_query(req, &query))
    return HTTP_DONE;
  if(forced_kind)
    query.kind = forced_kind;
  query.limit++; /* one more row tells whether there is a next page */
  rc = store_order_list(http_store(req), req->arena, &query, &rows, &count);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  core_buf_init(&text, 64 * ORDER_TEXT_MAX);
  rc = core_buf_append_str(&text, "{\"data\":[");
  for(i = 0; !rc && i < count && (int)i < query.limit - 1; i++) {
    if(i)
      rc = core_buf_append(&text, ",", 1);
    if(!rc)
      rc = order_json_write(&rows[i], (order_view_t)view, now, &text);
  }
  if(!rc && (int)count >= query.limit) {
    const store_order_t *last = &rows[query.limit - 2];
    rc = core_buf_printf(&text, "],\"has_more\":true,\"next_cursor\":"
                         "\"%lld_%s\"}", (long long)last->created_at,
                         last->id);
  }
  else if(!rc)
    rc = core_buf_append_str(&text, "],\"has_more\":false,"
                                    "\"next_cursor\":null}");
  if(rc)
    http_respond_rc(req, rc);
  else
    http_respond_buf(req, 200, &text);
  core_buf_free(&text);
  return HTTP_DONE;
}

http_status_t api_order_list(http_request_t *req)
{
  return order_list(req, NULL);
}

http_status_t api_payout_list(http_request_t *req)
{
  return order_list(req, "payout");
}

/* ---- GET /v1/orders/{id}/events ---- */

json_t *api_event_json(const store_event_t *event)
{
  json_t *data = json_loads(event->data, 0, NULL);
  char when[32];

  core_time_format(event->created_at, when, sizeof(when));
  return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:o}", "id", event->id,
                   "object", "event", "type", event->type, "order_id",
                   event->order_id, "sequence", (json_int_t)event->sequence,
                   "created_at", when, "data", data ? data : json_object());
}

http_status_t api_order_events(http_request_t *req)
{
  store_event_query_t query = {.shop_id = req->shop_id};
  store_event_t *events = NULL;
  store_order_t order;
  size_t count = 0, i;
  json_t *data;
  obol_rc rc;

  rc = store_order_get(http_store(req), req->arena, req->shop_id,
                       http_param(req, "id"), &order);
  query.order_id = order.id;
  if(!rc)
    rc = store_event_list(http_store(req), req->arena, &query, &events,
                          &count);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  data = json_array();
  for(i = 0; i < count; i++)
    json_array_append_new(data, api_event_json(&events[i]));
  http_respond_json(req, 200, json_pack("{s:o, s:b}", "data", data,
                                        "has_more", 0));
  return HTTP_DONE;
}

/* ---- POST /v1/orders/{id}/cancel|receive ---- */

typedef struct {
  http_request_t *req;
  order_status_t to;
  const char *action;
  order_view_t view;
  char current[STORE_STATUS_MAX];
  int refused; /* the transition table said no */
  api_order_answer_fn answer; /* a dialect's answer; NULL: the order */
} order_action_t;

static obol_rc order_action_apply(store_tx_t *tx, void *arg)
{
  order_action_t *action = arg;
  http_request_t *req = action->req;
  int64_t now = core_now_ms();
  store_order_t order;
  int changed;
  obol_rc rc;

  action->refused = 0; /* a retried transaction starts over */
  if(http_tx_replay(tx, req))
    return OBOL_OK;
  rc = store_tx_order_get(tx, req->arena, req->shop_id, http_param(req, "id"),
                          &order);
  /* Deadlines first: an order that has expired cannot be cancelled. */
  if(!rc)
    rc = order_apply_deadlines(tx, req->arena, &order, now, &changed);
  if(rc)
    return rc;
  snprintf(action->current, sizeof(action->current), "%s", order.status);
  /* The table is the judge; a hold is released by a void, not a cancel
   * (the acquirer must be told); an order in progress moves only when its
   * attempt is an invoice, which ends with it. */
  if(order_transition(order_status_parse(order.status), action->to, NULL) ||
     order_status_parse(order.status) == ORDER_HOLD ||
     (order_status_parse(order.status) == ORDER_IN_PROGRESS &&
      !payment_close_invoice(tx, req->arena, &order, action->to, now, &rc))) {
    action->refused = 1;
    return OBOL_ERR_CONFLICT;
  }
  /* an invoice's order has moved with it, else it moves here */
  if(!rc && order_status_parse(order.status) != (int)action->to)
    rc = order_change_status(tx, req->arena, &order, action->to, now);
  if(!rc)
    rc = action->answer ? action->answer(req, &order)
                        : api_order_respond(req, 200, &order, action->view,
                                            now);
  if(!rc)
    rc = http_tx_record(tx, req);
  return rc;
}

static void order_action_done(void *arg, obol_rc rc)
{
  order_action_t *action = arg;
  http_request_t *req = action->req;

  if(rc == OBOL_ERR_CONFLICT && action->refused) {
    char message[128];
    snprintf(message, sizeof(message), "an order that is %s cannot be %s",
             action->current, order_status_name(action->to));
    http_respond_error(req, 409, "invalid_state_transition", message,
                       json_pack("{s:s, s:s}", "status", action->current,
                                 "action", action->action));
  }
  else if(rc)
    http_respond_rc(req, rc);
  http_resume(req);
}

http_status_t api_order_act(http_request_t *req, const char *name,
                            order_status_t to, api_order_answer_fn answer)
{
  order_action_t *action = core_arena_alloc(req->arena, sizeof(*action));
  int view = order_view(req);
  obol_rc rc;

  if(view < 0)
    return HTTP_DONE;
  if(!action) {
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return HTTP_DONE;
  }
  if(req->json && json_object_size(req->json)) {
    http_respond_error(req, 400, "validation_error",
                       "this action takes no body fields",
                       json_pack("{s:s}", json_object_iter_key(
                                              json_object_iter(req->json)),
                                 "unknown field"));
    return HTTP_DONE;
  }
  memset(action, 0, sizeof(*action));
  action->req = req;
  action->to = to;
  action->action = name;
  action->view = (order_view_t)view;
  action->answer = answer;
  rc = store_submit(http_store(req), order_action_apply, order_action_done,
                    action);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  return HTTP_AGAIN;
}

http_status_t api_order_cancel(http_request_t *req)
{
  return api_order_act(req, "cancel", ORDER_CANCELLED, NULL);
}

http_status_t api_order_receive(http_request_t *req)
{
  return api_order_act(req, "receive", ORDER_RECEIVED, NULL);
}
