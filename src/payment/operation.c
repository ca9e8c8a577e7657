/* Operations on a payment that succeeded: capture and void of a hold,
 * refunds, the reversal. Each is a transaction of its own type, linked to
 * the payment, checked and recorded under the order's lock: two requests
 * (on any node) can never capture twice or refund more than was captured. */
#include <string.h>

#include "internal.h"

static const char *const operation_types[] = {
  [PAYMENT_CAPTURE] = "capture",
  [PAYMENT_VOID] = "void",
  [PAYMENT_REFUND] = "refund",
  [PAYMENT_REVERSE] = "reversal",
};

acquirer_operation_t payment_operation_of(const payment_attempt_t *attempt)
{
  switch(attempt->kind) {
  case PAYMENT_CAPTURE:
    return ACQUIRER_CAPTURE;
  case PAYMENT_VOID:
    return ACQUIRER_VOID;
  case PAYMENT_REVERSE:
    return ACQUIRER_REVERSAL;
  case PAYMENT_REFUND:
    return ACQUIRER_REFUND;
  case PAYMENT_PAYOUT:
    return ACQUIRER_PAYOUT;
  default:
    return attempt->order.capture_manual ? ACQUIRER_AUTHORIZE
                                         : ACQUIRER_SALE;
  }
}

/* An operation already under way on the order (capture and void do not
 * move the order while they run; refunds and reversals do). */
static int operation_running(const store_transaction_t *rows, size_t count)
{
  size_t i;
  for(i = 0; i < count; i++)
    if(strcmp(rows[i].type, "payment") &&
       strcmp(rows[i].type, "authorization") && !payment_finished(&rows[i]))
      return 1;
  return 0;
}

/* The status the order must be in, and the amount allowed. */
static payment_refusal_t operation_check(payment_attempt_t *attempt)
{
  store_order_t *order = &attempt->order;
  order_status_t status = (order_status_t)order_status_parse(order->status);
  int64_t limit = 0;

  switch(attempt->kind) {
  case PAYMENT_CAPTURE:
  case PAYMENT_VOID:
    if(status != ORDER_HOLD)
      return PAYMENT_REFUSED_STATE;
    limit = order->amount - order->captured_amount;
    break;
  case PAYMENT_REFUND:
    /* a hold captured in parts refunds what it captured and stays open */
    if(status == ORDER_HOLD ? !order->captured_amount
                            : order_transition(status, ORDER_REFUND_INITIATED,
                                               NULL) != OBOL_OK)
      return PAYMENT_REFUSED_STATE;
    limit = order->captured_amount - order->refunded_amount;
    break;
  case PAYMENT_REVERSE:
    /* all of it, before anything was refunded */
    if(order_transition(status, ORDER_REVERSAL_INITIATED, NULL) ||
       order->refunded_amount)
      return PAYMENT_REFUSED_STATE;
    limit = status == ORDER_HOLD ? order->amount : order->captured_amount;
    break;
  default:
    return PAYMENT_REFUSED_STATE;
  }
  attempt->limit = limit;
  if(attempt->kind == PAYMENT_VOID || attempt->kind == PAYMENT_REVERSE)
    attempt->amount = limit;
  else if(!attempt->amount)
    attempt->amount = limit;
  if(attempt->amount <= 0 || attempt->amount > limit)
    return PAYMENT_REFUSED_AMOUNT;
  if(attempt->amount == limit) /* nothing would be left to capture */
    attempt->keep_open = 0;
  return PAYMENT_STARTED;
}

static obol_rc operation_transaction(payment_attempt_t *attempt, int64_t now)
{
  store_transaction_t *transaction = &attempt->transaction;
  const store_transaction_t *parent = &attempt->parent;
  static const store_txn_text_t copied[] = {
    STORE_TXN_PAYMENT_METHOD, STORE_TXN_BRAND, STORE_TXN_LAST_4,
    STORE_TXN_HOLDER, STORE_TXN_BILLING_DESCRIPTOR};
  size_t i;
  obol_rc rc;

  memset(transaction, 0, sizeof(*transaction));
  rc = core_id_new("txn", transaction->id, sizeof(transaction->id));
  if(rc)
    return rc;
  memcpy(transaction->shop_id, parent->shop_id, sizeof(transaction->shop_id));
  memcpy(transaction->order_id, parent->order_id,
         sizeof(transaction->order_id));
  memcpy(transaction->parent_id, parent->id, sizeof(transaction->parent_id));
  snprintf(transaction->type, sizeof(transaction->type), "%s",
           attempt->keep_open ? "partial_capture"
                              : operation_types[attempt->kind]);
  snprintf(transaction->status, sizeof(transaction->status), "pending");
  memcpy(transaction->currency, parent->currency, sizeof(parent->currency));
  transaction->amount = attempt->amount;
  transaction->exp_month = parent->exp_month;
  transaction->exp_year = parent->exp_year;
  transaction->test = parent->test;
  transaction->created_at = now;
  transaction->updated_at = now;
  transaction->deadline_at =
      now + payment_config()->acquirer_timeout_ms + PAYMENT_GRACE_MS;
  for(i = 0; i < sizeof(copied) / sizeof(copied[0]); i++)
    transaction->text[copied[i]] = parent->text[copied[i]];
  transaction->text[STORE_TXN_REASON] = attempt->reason;
  return OBOL_OK;
}

obol_rc payment_operation_begin(store_tx_t *tx, payment_attempt_t *attempt,
                                int64_t now)
{
  store_transaction_t *rows = NULL;
  const store_transaction_t *parent;
  size_t count = 0;
  obol_rc rc = store_tx_transaction_list(tx, attempt->arena,
                                         attempt->shop_id, attempt->order_id,
                                         &rows, &count);

  if(rc)
    return rc;
  parent = payment_succeeded(rows, count);
  if(!parent)
    attempt->refusal = PAYMENT_REFUSED_STATE;
  else if(operation_running(rows, count))
    attempt->refusal = PAYMENT_REFUSED_IN_PROGRESS;
  else
    attempt->refusal = operation_check(attempt);
  if(attempt->refusal != PAYMENT_STARTED)
    return attempt->hooks.answer(tx, attempt);
  attempt->parent = *parent;
  rc = operation_transaction(attempt, now);
  if(!rc)
    rc = store_tx_transaction_insert(tx, &attempt->transaction);
  if(rc)
    return rc;
  /* refunds and reversals have a status of their own while they run
   * (a refund of an open hold's captures leaves it a hold) */
  if((attempt->kind == PAYMENT_REFUND &&
      strcmp(attempt->order.status, "hold")) ||
     attempt->kind == PAYMENT_REVERSE)
    rc = order_change_status_for(
        tx, attempt->arena, &attempt->order,
        attempt->kind == PAYMENT_REFUND ? ORDER_REFUND_INITIATED
                                        : ORDER_REVERSAL_INITIATED,
        now, payment_text(attempt->arena, &attempt->transaction), NULL);
  return rc;
}

int payment_close_invoice(store_tx_t *tx, core_arena_t *arena,
                          store_order_t *order, order_status_t to,
                          int64_t now, obol_rc *rc)
{
  store_transaction_t *rows = NULL, *invoice;
  int received = to == ORDER_RECEIVED;
  store_event_t event;
  size_t count = 0;

  *rc = store_tx_transaction_list(tx, arena, order->shop_id, order->id,
                                  &rows, &count);
  invoice = *rc ? NULL : (store_transaction_t *)payment_latest(rows, count);
  if(!invoice || strcmp(invoice->status, "pending") ||
     !invoice->text[STORE_TXN_PAYMENT_METHOD] ||
     strcmp(invoice->text[STORE_TXN_PAYMENT_METHOD], "invoice"))
    return 0;
  snprintf(invoice->status, sizeof(invoice->status), "%s",
           received ? "successful" : "failed");
  invoice->text[STORE_TXN_CODE] = received ? NULL : "cancelled";
  invoice->text[STORE_TXN_MESSAGE] = received
                                         ? "Received by the merchant."
                                         : "Cancelled by the merchant.";
  invoice->deadline_at = 0;
  invoice->finished_at = now;
  invoice->updated_at = now;
  *rc = store_tx_transaction_update(tx, invoice);
  if(!*rc)
    *rc = order_change_status_for(tx, arena, order, to, now,
                                  payment_text(arena, invoice), &event);
  if(!*rc)
    *rc = payment_outbox(tx, arena, order, invoice, &event);
  return 1;
}

obol_rc payment_payout_begin(store_tx_t *tx, payment_attempt_t *attempt,
                             int64_t now)
{
  store_transaction_t *transaction = &attempt->transaction;
  const acquirer_card_t *card = &attempt->card;
  const char *account = attempt->iban ? attempt->iban : card->number;
  size_t length = strlen(account);
  obol_rc rc;

  memset(transaction, 0, sizeof(*transaction));
  rc = core_id_new("txn", transaction->id, sizeof(transaction->id));
  if(rc)
    return rc;
  memcpy(transaction->shop_id, attempt->order.shop_id,
         sizeof(transaction->shop_id));
  memcpy(transaction->order_id, attempt->order.id,
         sizeof(transaction->order_id));
  snprintf(transaction->type, sizeof(transaction->type), "payout");
  snprintf(transaction->status, sizeof(transaction->status), "pending");
  memcpy(transaction->currency, attempt->order.currency,
         sizeof(transaction->currency));
  transaction->amount = attempt->order.amount;
  transaction->test = attempt->order.test;
  transaction->created_at = now;
  transaction->updated_at = now;
  transaction->deadline_at =
      now + payment_config()->acquirer_timeout_ms + PAYMENT_GRACE_MS;
  /* where the money goes, as far as it may be kept: the last 4 only */
  transaction->text[STORE_TXN_PAYMENT_METHOD] =
      attempt->iban ? "bank_account" : "card";
  transaction->text[STORE_TXN_LAST_4] =
      length >= 4 ? core_arena_strdup(attempt->arena, account + length - 4)
                  : NULL;
  if(!attempt->iban) {
    transaction->text[STORE_TXN_BRAND] =
        acquirer_brand_name(acquirer_card_brand(card->number));
    transaction->text[STORE_TXN_HOLDER] = card->holder;
    transaction->exp_month = card->exp_month;
    transaction->exp_year = card->exp_year;
  }
  rc = store_tx_transaction_insert(tx, transaction);
  if(!rc)
    rc = order_change_status_for(tx, attempt->arena, &attempt->order,
                                 ORDER_IN_PROGRESS, now,
                                 payment_text(attempt->arena, transaction),
                                 NULL);
  return rc;
}
