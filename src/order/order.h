/* order: the order lifecycle.
 *
 * ONE transition table decides which status may follow which, and which
 * event the change emits. Every status change goes through
 * order_change_status(), which checks the table, updates the order and
 * appends its event in the caller's write transaction, so a change and its
 * event are durable together or not at all. Time-based changes (overdue,
 * expired) are applied by the sweeper, and by order_effective() on reads so
 * a read is right even before the sweeper has run. With each event, in
 * the same transaction, go the deliveries to the shop's webhook endpoints
 * that want it (the outbox). */
#ifndef OBOL_ORDER_H
#define OBOL_ORDER_H

#include <jansson.h>

#include "../core/core.h"
#include "../store/store.h"

typedef enum {
  ORDER_ISSUED,
  ORDER_VIEWED,
  ORDER_IN_PROGRESS,
  ORDER_PAID,
  ORDER_FAILED,
  ORDER_HOLD,
  ORDER_OVERDUE,
  ORDER_EXPIRED,
  ORDER_CANCELLED,
  ORDER_REJECTED,
  ORDER_RECEIVED,
  ORDER_REFUNDED,
  ORDER_REVERSED,
  ORDER_REFUND_INITIATED,
  ORDER_REFUND_FAILED,
  ORDER_REFUND_REVERSED,
  ORDER_REVERSAL_INITIATED,
  ORDER_REVERSAL_FAILED,
  ORDER_CHARGEBACK,
  ORDER_REPRESENTATION,
  ORDER_RETRIEVAL,
  ORDER_PRE_ARBITRATION,
  ORDER_ARBITRATION,
  ORDER_PRE_COMPLIANCE,
  ORDER_COMPLIANCE,
  ORDER_GOOD_FAITH,
  ORDER_FRAUD_ADVICE,
  ORDER_CREATED, /* a payout order */
  ORDER_STATUS_COUNT
} order_status_t;

/* What the merchant asked for in the response (seed 002). */
typedef enum {
  ORDER_VIEW_MINIMUM,
  ORDER_VIEW_STANDARD,
  ORDER_VIEW_FULL
} order_view_t;

/* Configuration loaded at start. */
typedef struct {
  const char *public_url;  /* e.g. http://127.0.0.1:8080, no trailing '/' */
  int64_t max_amount;      /* largest order total in minor units */
  int64_t hold_ms;         /* an uncaptured hold is cancelled after this */
} order_config_t;

/* config (and its strings) must live as long as the server. */
void order_configure(const order_config_t *config);
const order_config_t *order_config(void);

const char *order_status_name(order_status_t status);
/* -1 when the name is not a status. */
int order_status_parse(const char *name);

/* The transition table. OBOL_OK and the event type when `to` may follow
 * `from`; OBOL_ERR_CONFLICT otherwise. */
obol_rc order_transition(order_status_t from, order_status_t to,
                         const char **event_type);
/* 1 if the event type exists (order.issued or a transition's), or the
 * pattern ("*", "order.dispute_*") matches one. */
int order_event_pattern_known(const char *pattern);
/* Statuses a payment attempt may start from (not final, not paid). */
int order_status_payable(order_status_t status);

/* Changes the order's status inside the write transaction: checks the
 * table, sets status, deadline and updated_at, writes the order and appends
 * the event (with a snapshot of the order). OBOL_ERR_CONFLICT when the
 * table forbids it; nothing is written then. */
obol_rc order_change_status(store_tx_t *tx, core_arena_t *arena,
                            store_order_t *order, order_status_t to,
                            int64_t now);
/* The same for a change a transaction caused: its JSON text goes into the
 * event as data.transaction; *event (may be NULL) gets the event. */
obol_rc order_change_status_for(store_tx_t *tx, core_arena_t *arena,
                                store_order_t *order, order_status_t to,
                                int64_t now, const char *transaction,
                                store_event_t *event);

/* A new order is prepared outside the transaction (status issued, its
 * first event order.issued with the snapshot), so the single writer thread
 * only inserts it with order_insert(). */
obol_rc order_prepare(core_arena_t *arena, store_order_t *order,
                      int64_t now, store_event_t *event);
obol_rc order_insert(store_tx_t *tx, core_arena_t *arena,
                     const store_order_t *order, const store_event_t *event);
/* Queues a delivery of event to each enabled endpoint of its shop that
 * wants it, in the transaction (the outbox; also used to redeliver). */
obol_rc order_outbox(store_tx_t *tx, core_arena_t *arena,
                     const store_event_t *event, int *queued);
/* The event numbered order->event_sequence, snapshot included (and the
 * transaction's JSON text as data.transaction, when not NULL). */
obol_rc order_event_build(core_arena_t *arena, const store_order_t *order,
                          const char *type, int64_t now,
                          const char *transaction, store_event_t *event);

/* Appends an event without a status change (the transaction's JSON text
 * as data.transaction, when not NULL); writes the order too. */
obol_rc order_append_event_for(store_tx_t *tx, core_arena_t *arena,
                               store_order_t *order, const char *type,
                               int64_t now, const char *transaction,
                               store_event_t *event);

/* A failed payment attempt: counts it, moves the order to failed (the
 * event carries the transaction, and is returned in *event), and to
 * cancelled when max_payment_attempts is reached. */
obol_rc order_record_failed_attempt(store_tx_t *tx, core_arena_t *arena,
                                    store_order_t *order, int64_t now,
                                    const char *transaction,
                                    store_event_t *event);

/* Applies the time-based transitions due at `now` (overdue, expired) in
 * the transaction. Sets *changed when it wrote something. */
obol_rc order_apply_deadlines(store_tx_t *tx, core_arena_t *arena,
                              store_order_t *order, int64_t now,
                              int *changed);

/* The status a read should show at `now` (deadlines applied virtually). */
order_status_t order_effective(const store_order_t *order, int64_t now);

/* When the sweeper must next look at the order; 0 = never. */
int64_t order_next_deadline(const store_order_t *order);

/* The order as JSON text at the given view, appended to out; the snapshot
 * events carry is the full view. */
obol_rc order_json_write(const store_order_t *order, order_view_t view,
                         int64_t now, core_buf_t *out);
/* details[name] of the order (a new reference), or NULL: what a flow
 * (seed 003's checkout, seed 000's store) keeps with its orders. */
json_t *order_detail(const store_order_t *order, const char *name);

/* ---- the sweeper: applies deadlines in the background ---- */
typedef struct order_sweeper order_sweeper_t;
/* housekeeping(store, context) (may be NULL) runs after every pass, on
 * the same thread. */
obol_rc order_sweeper_start(store_t *store, int interval_ms,
                            void (*housekeeping)(store_t *store,
                                                 void *context),
                            void *context, order_sweeper_t **out);
/* Runs one pass now (the test clock uses it); returns orders changed. */
int order_sweep(store_t *store);
void order_sweeper_stop(order_sweeper_t *sweeper);

#endif
