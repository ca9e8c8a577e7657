/* Private to the payment module: shared between its files, not its users. */
#ifndef OBOL_PAYMENT_INTERNAL_H
#define OBOL_PAYMENT_INTERNAL_H

#include "payment.h"

/* How long past the connector's timeout an unanswered attempt waits before
 * the sweeper asks the acquirer about it. */
#define PAYMENT_GRACE_MS 5000
/* How long before the sweeper asks again about a transaction the acquirer
 * has (a reference) but did not answer about. */
#define PAYMENT_REASK_MS 60000

/* How long a merchant has to answer a dispute step. */
#define PAYMENT_DISPUTE_RESPONSE_MS (7LL * 86400 * 1000)

/* Checks an operation against the locked order (its status, its totals,
 * what else runs) and records its transaction, pending; sets
 * attempt->refusal instead when it cannot start. */
obol_rc payment_operation_begin(store_tx_t *tx, payment_attempt_t *attempt,
                                int64_t now);
/* A payout's transaction, on its new order (inserted): in progress. */
obol_rc payment_payout_begin(store_tx_t *tx, payment_attempt_t *attempt,
                             int64_t now);
/* The connector's operation for an attempt or operation kind. */
acquirer_operation_t payment_operation_of(const payment_attempt_t *attempt);
/* The transaction's JSON text, in the arena; NULL when out of memory. */
const char *payment_text(core_arena_t *arena,
                         const store_transaction_t *transaction);

/* The acquirer said a dispute will follow this payment: a chargeback
 * transaction under its reference, pending until `when`, when the sweeper
 * asks the acquirer about it. */
obol_rc payment_dispute_later(store_tx_t *tx, const store_order_t *order,
                              const store_transaction_t *payment,
                              const char *reference, int64_t when);

#endif
