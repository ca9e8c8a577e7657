/* Status changes and their events, inside a write transaction. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "order.h"

#define ORDER_HOLD_DEFAULT_MS (28LL * 86400 * 1000) /* seed 002: 28 days */

static const order_config_t order_defaults = {
    "http://127.0.0.1:8080", 1000000000000LL, ORDER_HOLD_DEFAULT_MS};
/* Published whole, once or twice at start: readers never see a mix. */
static _Atomic(const order_config_t *) order_settings = &order_defaults;

void order_configure(const order_config_t *config)
{
  atomic_store(&order_settings, config);
}

const order_config_t *order_config(void)
{
  return atomic_load(&order_settings);
}

static order_status_t order_current(const store_order_t *order)
{
  int status = order_status_parse(order->status);
  return status < 0 ? ORDER_STATUS_COUNT : (order_status_t)status;
}

order_status_t order_effective(const store_order_t *order, int64_t now)
{
  order_status_t status = order_current(order);

  /* a hold is released when its time is up; what was captured of it
   * stays paid */
  if(status == ORDER_HOLD && order->deadline_at && now >= order->deadline_at)
    return order->captured_amount ? ORDER_PAID : ORDER_CANCELLED;
  if(status == ORDER_STATUS_COUNT || !order_status_payable(status))
    return status;
  if(order->expires_at && now >= order->expires_at)
    return ORDER_EXPIRED;
  if(order->due_at && now >= order->due_at && status != ORDER_OVERDUE)
    return ORDER_OVERDUE;
  return status;
}

int64_t order_next_deadline(const store_order_t *order)
{
  order_status_t status = order_current(order);
  int64_t next = 0;

  if(status == ORDER_HOLD)
    return order->deadline_at; /* set when the hold began */
  if(status == ORDER_STATUS_COUNT || !order_status_payable(status))
    return 0;
  if(order->expires_at)
    next = order->expires_at;
  if(status != ORDER_OVERDUE && order->due_at &&
     (!next || order->due_at < next))
    next = order->due_at;
  return next;
}

obol_rc order_event_build(core_arena_t *arena, const store_order_t *order,
                          const char *type, int64_t now,
                          const char *transaction, store_event_t *event)
{
  core_buf_t data;
  obol_rc rc;

  memset(event, 0, sizeof(*event));
  rc = core_id_new("evt", event->id, sizeof(event->id));
  if(rc)
    return rc;
  memcpy(event->shop_id, order->shop_id, sizeof(event->shop_id));
  memcpy(event->order_id, order->id, sizeof(event->order_id));
  event->sequence = order->event_sequence;
  snprintf(event->type, sizeof(event->type), "%s", type);
  event->created_at = now;
  core_buf_init(&data, 1 << 20);
  rc = core_buf_append_str(&data, "{\"order\":");
  if(!rc)
    rc = order_json_write(order, ORDER_VIEW_FULL, now, &data);
  if(!rc && transaction)
    rc = core_buf_printf(&data, ",\"transaction\":%s", transaction);
  if(!rc)
    rc = core_buf_append(&data, "}", 1);
  if(!rc) {
    event->data = core_arena_strndup(arena, data.data, data.len);
    rc = event->data ? OBOL_OK : OBOL_ERR_NOMEM;
  }
  core_buf_free(&data);
  return rc;
}

/* Does an endpoint's event list ("*", exact types, "prefix*") take type? */
static int lifecycle_wants(const char *events, const char *type)
{
  json_t *list = json_loads(events, 0, NULL);
  json_t *item;
  size_t index;
  int wanted = 0;

  json_array_foreach(list, index, item) {
    const char *pattern = json_string_value(item);
    size_t len = pattern ? strlen(pattern) : 0;
    if(!pattern)
      continue;
    if(len && pattern[len - 1] == '*')
      wanted |= !strncmp(pattern, type, len - 1);
    else
      wanted |= !strcmp(pattern, type);
  }
  json_decref(list);
  return wanted;
}

/* The outbox: in the event's own transaction, one pending delivery for
 * each enabled endpoint of the shop that wants the event. A crash can
 * then lose neither the event nor its deliveries. */
obol_rc order_outbox(store_tx_t *tx, core_arena_t *arena,
                     const store_event_t *event, int *queued)
{
  store_endpoint_t *endpoints = NULL;
  size_t count = 0, i;
  obol_rc rc = store_tx_endpoint_list(tx, arena, event->shop_id, &endpoints,
                                      &count);

  if(queued)
    *queued = 0;
  for(i = 0; !rc && i < count; i++) {
    store_delivery_t delivery;
    if(!endpoints[i].enabled || !lifecycle_wants(endpoints[i].events,
                                                 event->type))
      continue;
    memset(&delivery, 0, sizeof(delivery));
    rc = core_id_new("dlv", delivery.id, sizeof(delivery.id));
    if(rc)
      break;
    memcpy(delivery.shop_id, event->shop_id, sizeof(delivery.shop_id));
    memcpy(delivery.event_id, event->id, sizeof(delivery.event_id));
    memcpy(delivery.endpoint_id, endpoints[i].id,
           sizeof(delivery.endpoint_id));
    /* a redelivery is due now; a new event's delivery when it happened */
    delivery.created_at = queued ? core_now_ms() : event->created_at;
    rc = store_tx_delivery_insert(tx, &delivery);
    if(!rc && queued)
      (*queued)++;
  }
  return rc;
}

/* Writes the event numbered order->event_sequence, with a snapshot. */
static obol_rc lifecycle_event(store_tx_t *tx, core_arena_t *arena,
                               store_order_t *order, const char *type,
                               int64_t now, const char *transaction,
                               store_event_t *out)
{
  store_event_t event;
  obol_rc rc = order_event_build(arena, order, type, now, transaction,
                                 &event);
  if(!rc)
    rc = store_tx_event_insert(tx, &event);
  if(!rc)
    rc = order_outbox(tx, arena, &event, NULL);
  if(!rc && out)
    *out = event;
  return rc;
}

obol_rc order_prepare(core_arena_t *arena, store_order_t *order,
                      int64_t now, store_event_t *event)
{
  int payout = !strcmp(order->kind, "payout");

  if(!order->kind[0])
    snprintf(order->kind, sizeof(order->kind), "payment");
  /* a payout order starts as created (seed 002), a payment as issued */
  snprintf(order->status, sizeof(order->status), "%s",
           order_status_name(payout ? ORDER_CREATED : ORDER_ISSUED));
  order->created_at = now;
  order->updated_at = now;
  order->event_sequence = 1;
  order->deadline_at = order_next_deadline(order);
  return order_event_build(arena, order,
                           payout ? "order.created" : "order.issued", now,
                           NULL, event);
}

obol_rc order_insert(store_tx_t *tx, core_arena_t *arena,
                     const store_order_t *order, const store_event_t *event)
{
  obol_rc rc = store_tx_order_insert(tx, order);
  if(!rc)
    rc = store_tx_event_insert(tx, event);
  if(!rc)
    rc = order_outbox(tx, arena, event, NULL);
  return rc;
}

obol_rc order_append_event_for(store_tx_t *tx, core_arena_t *arena,
                               store_order_t *order, const char *type,
                               int64_t now, const char *transaction,
                               store_event_t *event)
{
  obol_rc rc;

  order->event_sequence++;
  order->updated_at = now;
  rc = store_tx_order_update(tx, order);
  if(!rc)
    rc = lifecycle_event(tx, arena, order, type, now, transaction, event);
  return rc;
}

obol_rc order_change_status_for(store_tx_t *tx, core_arena_t *arena,
                                store_order_t *order, order_status_t to,
                                int64_t now, const char *transaction,
                                store_event_t *event)
{
  const char *event_type = NULL;
  obol_rc rc = order_transition(order_current(order), to, &event_type);

  if(rc)
    return rc;
  snprintf(order->status, sizeof(order->status), "%s", order_status_name(to));
  order->deadline_at = to == ORDER_HOLD ? now + order_config()->hold_ms
                                        : order_next_deadline(order);
  return order_append_event_for(tx, arena, order, event_type, now,
                                transaction, event);
}

obol_rc order_change_status(store_tx_t *tx, core_arena_t *arena,
                            store_order_t *order, order_status_t to,
                            int64_t now)
{
  return order_change_status_for(tx, arena, order, to, now, NULL, NULL);
}

obol_rc order_record_failed_attempt(store_tx_t *tx, core_arena_t *arena,
                                    store_order_t *order, int64_t now,
                                    const char *transaction,
                                    store_event_t *event)
{
  obol_rc rc;

  order->failed_attempts++;
  rc = order_change_status_for(tx, arena, order, ORDER_FAILED, now,
                               transaction, event);
  if(rc)
    return rc;
  if(order->max_payment_attempts > 0 &&
     order->failed_attempts >= order->max_payment_attempts)
    rc = order_change_status(tx, arena, order, ORDER_CANCELLED, now);
  return rc;
}

obol_rc order_apply_deadlines(store_tx_t *tx, core_arena_t *arena,
                              store_order_t *order, int64_t now,
                              int *changed)
{
  order_status_t current = order_current(order);
  order_status_t effective = order_effective(order, now);
  int64_t deadline;

  *changed = 0;
  if(effective != current) {
    *changed = 1;
    return order_change_status(tx, arena, order, effective, now);
  }
  deadline = order_next_deadline(order);
  if(deadline == order->deadline_at)
    return OBOL_OK;
  /* A stale deadline (e.g. the status moved on): just re-arm it. */
  order->deadline_at = deadline;
  *changed = 1;
  return store_tx_order_update(tx, order);
}
