/* Private to the payment module: shared between its files, not its users. */
#ifndef OBOL_PAYMENT_INTERNAL_H
#define OBOL_PAYMENT_INTERNAL_H

#include "payment.h"

/* Checks an operation against the locked order (its status, its totals,
 * what else runs) and records its transaction, pending; sets
 * attempt->refusal instead when it cannot start. */
obol_rc payment_operation_begin(store_tx_t *tx, payment_attempt_t *attempt,
                                int64_t now);
/* The connector's operation for an attempt or operation kind. */
acquirer_operation_t payment_operation_of(const payment_attempt_t *attempt);
/* The transaction's JSON text, in the arena; NULL when out of memory. */
const char *payment_text(core_arena_t *arena,
                         const store_transaction_t *transaction);

#endif
