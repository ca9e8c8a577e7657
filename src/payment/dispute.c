/* Disputes: the acquirer reports each step (a chargeback, a retrieval
 * request, arbitration ...), the merchant answers with evidence. Each step
 * is a transaction of the order with its event; the transition table says
 * which step may follow which. */
#include <string.h>

#include "internal.h"

/* A new transaction on the payment, in the order's currency. */
static obol_rc dispute_transaction(const store_order_t *order,
                                   const char *parent_id, const char *type,
                                   int64_t amount, int64_t now,
                                   store_transaction_t *out)
{
  obol_rc rc;

  memset(out, 0, sizeof(*out));
  rc = core_id_new("txn", out->id, sizeof(out->id));
  if(rc)
    return rc;
  memcpy(out->shop_id, order->shop_id, sizeof(out->shop_id));
  memcpy(out->order_id, order->id, sizeof(out->order_id));
  snprintf(out->parent_id, sizeof(out->parent_id), "%s",
           parent_id ? parent_id : "");
  snprintf(out->type, sizeof(out->type), "%s", type);
  memcpy(out->currency, order->currency, sizeof(out->currency));
  out->amount = amount;
  out->test = order->test;
  out->created_at = now;
  out->updated_at = now;
  return OBOL_OK;
}

obol_rc payment_dispute_later(store_tx_t *tx, const store_order_t *order,
                              const store_transaction_t *payment,
                              const char *reference, int64_t when)
{
  store_transaction_t chargeback;
  obol_rc rc = dispute_transaction(order, payment->id, "chargeback",
                                   payment->amount, payment->created_at,
                                   &chargeback);
  if(rc)
    return rc;
  snprintf(chargeback.status, sizeof(chargeback.status), "pending");
  chargeback.text[STORE_TXN_REF_ID] = reference;
  chargeback.deadline_at = when;
  return store_tx_transaction_insert(tx, &chargeback);
}

/* Stages after which the merchant is expected to answer. */
static int dispute_needs_answer(order_status_t stage)
{
  return stage == ORDER_CHARGEBACK || stage == ORDER_RETRIEVAL ||
         stage == ORDER_PRE_ARBITRATION || stage == ORDER_PRE_COMPLIANCE;
}

obol_rc payment_dispute(store_tx_t *tx, core_arena_t *arena,
                        store_order_t *order, order_status_t stage,
                        int64_t amount, const char *reason_code,
                        const char *evidence, int64_t now,
                        store_transaction_t *out)
{
  store_transaction_t *rows = NULL;
  const store_transaction_t *payment;
  size_t count = 0;
  store_event_t event;
  const char *type = evidence                    ? "representation"
                     : stage == ORDER_CHARGEBACK ? "chargeback"
                                                 : "dispute";
  obol_rc rc;

  if(order_transition((order_status_t)order_status_parse(order->status),
                      stage, NULL))
    return OBOL_ERR_CONFLICT;
  rc = store_tx_transaction_list(tx, arena, order->shop_id, order->id, &rows,
                                 &count);
  if(rc)
    return rc;
  payment = payment_succeeded(rows, count);
  rc = dispute_transaction(order, payment ? payment->id : NULL, type,
                           amount ? amount
                                  : order->captured_amount -
                                        order->refunded_amount,
                           now, out);
  if(rc)
    return rc;
  snprintf(out->status, sizeof(out->status), "successful");
  out->finished_at = now;
  out->text[STORE_TXN_CODE] = reason_code;
  out->text[STORE_TXN_MESSAGE] = order_status_name(stage);
  out->text[STORE_TXN_REASON] = evidence;
  out->respond_by = dispute_needs_answer(stage) ? now + PAYMENT_DISPUTE_RESPONSE_MS
                                                : 0;
  rc = store_tx_transaction_insert(tx, out);
  if(!rc)
    rc = order_change_status_for(tx, arena, order, stage, now,
                                 payment_text(arena, out), &event);
  if(!rc)
    rc = payment_outbox(tx, arena, order, out, &event);
  return rc;
}

obol_rc payment_refund_reversal(store_tx_t *tx, core_arena_t *arena,
                                store_order_t *order, int64_t now,
                                store_transaction_t *out)
{
  store_transaction_t *rows = NULL;
  const store_transaction_t *refund = NULL;
  store_event_t event;
  size_t count = 0, i;
  obol_rc rc;

  if(order_transition((order_status_t)order_status_parse(order->status),
                      ORDER_REFUND_REVERSED, NULL))
    return OBOL_ERR_CONFLICT;
  rc = store_tx_transaction_list(tx, arena, order->shop_id, order->id, &rows,
                                 &count);
  if(rc)
    return rc;
  /* the latest confirmed refund is the one the processing centre undid */
  for(i = 0; i < count; i++)
    if(!strcmp(rows[i].type, "refund") &&
       !strcmp(rows[i].status, "successful"))
      refund = &rows[i];
  if(!refund)
    return OBOL_ERR_CONFLICT;
  rc = dispute_transaction(order, refund->id, "refund_reversal",
                           refund->amount, now, out);
  if(rc)
    return rc;
  snprintf(out->status, sizeof(out->status), "successful");
  out->finished_at = now;
  out->text[STORE_TXN_MESSAGE] = "The refund was reversed by the processing "
                                 "centre.";
  order->refunded_amount -= refund->amount;
  rc = store_tx_transaction_insert(tx, out);
  if(!rc)
    rc = order_change_status_for(tx, arena, order, ORDER_REFUND_REVERSED,
                                 now, payment_text(arena, out), &event);
  if(!rc)
    rc = payment_outbox(tx, arena, order, out, &event);
  return rc;
}
