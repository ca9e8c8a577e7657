/* Events: the shop's list, one event's deliveries, and redelivery. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define EVENT_LIST_DEFAULT 20
#define EVENT_LIST_MAX 100

/* The shop's event named in the path, or a 404 answered. */
static int event_find(http_request_t *req, store_event_t **event)
{
  store_event_query_t query = {.shop_id = req->shop_id,
                               .event_id = http_param(req, "id")};
  size_t count = 0;
  obol_rc rc = store_event_list(http_store(req), req->arena, &query, event,
                                &count);
  if(!rc && count == 0)
    rc = OBOL_ERR_NOT_FOUND;
  if(rc)
    http_respond_rc(req, rc);
  return rc ? -1 : 0;
}

/* ---- GET /v1/events ---- */

http_status_t api_event_list(http_request_t *req)
{
  store_event_query_t query = {.shop_id = req->shop_id,
                               .limit = EVENT_LIST_DEFAULT};
  const char *limit = http_query(req, "limit");
  const char *cursor = http_query(req, "cursor");
  store_event_t *rows = NULL;
  size_t count = 0, i;
  json_t *data, *page;
  char *end;
  obol_rc rc;

  if(limit) {
    long value = strtol(limit, &end, 10);
    if(end == limit || *end || value < 1 || value > EVENT_LIST_MAX) {
      http_respond_field_error(req, 400, "validation_error", "limit",
                               "must be an integer from 1 to 100");
      return HTTP_DONE;
    }
    query.limit = (int)value;
  }
  if(cursor) {
    query.cursor_created_at = strtoll(cursor, &end, 10);
    if(end == cursor || *end != '_' || strncmp(end + 1, "evt_", 4)) {
      http_respond_field_error(req, 400, "validation_error", "cursor",
                               "is not a cursor this API returned");
      return HTTP_DONE;
    }
    query.cursor_id = end + 1;
  }
  query.limit++; /* one more tells whether there is a next page */
  rc = store_event_list(http_store(req), req->arena, &query, &rows, &count);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  data = json_array();
  for(i = 0; i < count && (int)i < query.limit - 1; i++)
    json_array_append_new(data, api_event_json(&rows[i]));
  page = json_pack("{s:o, s:b, s:n}", "data", data, "has_more",
                   (int)count >= query.limit, "next_cursor");
  if(page && (int)count >= query.limit) {
    char next[96];
    snprintf(next, sizeof(next), "%lld_%s",
             (long long)rows[query.limit - 2].created_at,
             rows[query.limit - 2].id);
    json_object_set_new(page, "next_cursor", json_string(next));
  }
  http_respond_json(req, 200, page);
  return HTTP_DONE;
}

/* ---- GET /v1/events/{id} ---- */

http_status_t api_event_get(http_request_t *req)
{
  store_event_t *event;

  if(!event_find(req, &event))
    http_respond_json(req, 200, api_event_json(event));
  return HTTP_DONE;
}

/* ---- POST /v1/events/{id}/redeliver ---- */

typedef struct {
  http_request_t *req;
  store_event_t *event;
} event_redeliver_t;

static obol_rc event_redeliver_apply(store_tx_t *tx, void *arg)
{
  event_redeliver_t *redeliver = arg;
  int queued = 0;
  obol_rc rc;

  if(http_tx_replay(tx, redeliver->req))
    return OBOL_OK;
  rc = order_outbox(tx, redeliver->req->arena, redeliver->event, &queued);
  return rc ? rc : http_tx_respond(tx, redeliver->req, 202,
                                   json_pack("{s:s, s:i}", "event_id",
                                             redeliver->event->id, "queued",
                                             queued));
}

static void event_redeliver_done(void *arg, obol_rc rc)
{
  event_redeliver_t *redeliver = arg;
  if(rc)
    http_respond_rc(redeliver->req, rc);
  http_resume(redeliver->req);
}

http_status_t api_event_redeliver(http_request_t *req)
{
  event_redeliver_t *redeliver = core_arena_alloc(req->arena,
                                                  sizeof(*redeliver));
  obol_rc rc;

  if(!redeliver) {
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return HTTP_DONE;
  }
  redeliver->req = req;
  if(event_find(req, &redeliver->event))
    return HTTP_DONE;
  rc = store_submit(http_store(req), event_redeliver_apply,
                    event_redeliver_done, redeliver);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  return HTTP_AGAIN;
}

/* ---- GET /v1/events/{id}/deliveries ---- */

http_status_t api_event_deliveries(http_request_t *req)
{
  store_delivery_t *rows = NULL;
  store_event_t *event;
  size_t count = 0, i;
  json_t *data;
  obol_rc rc;

  if(event_find(req, &event))
    return HTTP_DONE;
  rc = store_delivery_list(http_store(req), req->arena, req->shop_id,
                           event->id, &rows, &count);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  data = json_array();
  for(i = 0; i < count; i++) {
    store_delivery_t *row = &rows[i];
    json_t *delivery = json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:i, s:o, s:o, s:o, s:o, s:o}",
                  "id", row->id, "object", "delivery", "event_id",
                  row->event_id, "kind", row->kind[0] ? row->kind : "webhook",
                  "endpoint_id", row->endpoint_id[0]
                                     ? json_string(row->endpoint_id)
                                     : json_null(),
                  "url", row->url ? json_string(row->url) : json_null(),
                  "status",
                  row->status, "attempts", row->attempts, "next_attempt_at",
                  row->next_attempt_at ? api_time_json(row->next_attempt_at)
                                       : json_null(),
                  "last_status",
                  row->last_status ? json_integer(row->last_status)
                                   : json_null(),
                  "last_error",
                  row->last_error ? json_string(row->last_error)
                                  : json_null(),
                  "created_at", api_time_json(row->created_at), "updated_at",
                  api_time_json(row->updated_at));
    json_array_append_new(data, delivery);
  }
  http_respond_json(req, 200, json_pack("{s:o, s:b}", "data", data,
                                        "has_more", 0));
  return HTTP_DONE;
}
