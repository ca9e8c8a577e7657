/* payment: payment attempts, from the customer's submit to the outcome.
 *
 * An attempt is two short database transactions around one acquirer call:
 *   1. begin: the order is locked, must be payable, gets a new transaction
 *      (pending) and moves to in_progress;
 *   2. the connector is called on a worker thread (never the writer's),
 *      with a timeout;
 *   3. finish: the answer is recorded on the transaction and the order
 *      moves on (paid, hold, failed, cancelled after the last attempt),
 *      each change with its event.
 * A crash between 1 and 3 leaves a pending transaction with a deadline; the
 * sweeper asks the connector at that deadline and applies the answer, so no
 * attempt stays in progress. ONE function (payment_apply) turns any answer
 * (direct, late, or the sweeper's) into the transaction's and the order's
 * new state. */
#ifndef OBOL_PAYMENT_H
#define OBOL_PAYMENT_H

#include <jansson.h>

#include "../acquirer/acquirer.h"
#include "../order/order.h"
#include "../store/store.h"

typedef struct {
  int acquirer_timeout_ms; /* one connector call, at most */
  int action_timeout_ms;   /* the customer's 3-D Secure / bank / wallet */
  int workers;             /* threads calling the connector */
} payment_config_t;

/* Starts the workers; the config must outlive payment_stop(). */
obol_rc payment_start(store_t *store, const payment_config_t *config);
/* Finishes the calls under way (their answers are queued to the store,
 * which must still be open), then stops the workers. */
void payment_stop(void);
const acquirer_ops_t *payment_connector(void);
const payment_config_t *payment_config(void);

/* What is asked: a payment attempt, or an operation on a payment that
 * succeeded (each becomes a transaction of its own type). */
typedef enum {
  PAYMENT_PAY,
  PAYMENT_CAPTURE,
  PAYMENT_VOID,
  PAYMENT_REFUND,
  PAYMENT_REVERSE,
  PAYMENT_PAYOUT   /* a new payout order, paid out to a card or account */
} payment_kind_t;

/* Why it was not started. */
typedef enum {
  PAYMENT_STARTED,
  PAYMENT_REFUSED_STATE,       /* the order's status does not allow it */
  PAYMENT_REFUSED_IN_PROGRESS, /* another attempt or operation runs */
  PAYMENT_REFUSED_AMOUNT       /* more than can be captured or refunded */
} payment_refusal_t;

typedef struct payment_attempt payment_attempt_t;

/* Hooks the caller (API or hosted page) runs inside the transactions, so
 * its answer is stored with the change (idempotency keys). */
typedef struct {
  /* In begin, first: 1 if the answer was already given (replayed). */
  int (*replayed)(store_tx_t *tx, payment_attempt_t *attempt);
  /* In finish (or begin, when refused), after the changes. */
  obol_rc (*answer)(store_tx_t *tx, payment_attempt_t *attempt);
  /* Once the attempt is answered or failed; on a store or worker thread. */
  void (*done)(payment_attempt_t *attempt, obol_rc rc);
} payment_hooks_t;

struct payment_attempt {
  /* in */
  core_arena_t *arena;    /* the caller's; lives until done */
  char shop_id[STORE_ID_MAX];
  char order_id[STORE_ID_MAX];
  payment_kind_t kind;
  int64_t amount;         /* capture, refund: 0 = all that is left */
  int keep_open;          /* capture: more captures may follow */
  const char *reason;     /* refund */
  acquirer_method_t method;
  acquirer_card_t card;   /* memory only; wiped after the call */
  const char *customer_ip;
  const char *return_url;
  const char *failed_url; /* where the customer goes when it fails */
  const char *dialect;    /* NULL, or "storefront" (seed 001's names) */
  json_t *client;         /* customer details to merge into the order's */
  const char *iban;       /* payout to a bank account */
  store_event_t created;  /* payout: the new order's first event */
  payment_hooks_t hooks;
  void *context;
  /* out */
  int replayed;
  payment_refusal_t refusal;
  int64_t limit;          /* PAYMENT_REFUSED_AMOUNT: the most allowed */
  store_order_t order;              /* after the attempt; a payout's new
                                       order, prepared, before */
  store_transaction_t transaction;
  store_transaction_t parent;       /* operations: the payment operated on */
  acquirer_result_t result;
};

/* Runs an attempt or operation; hooks.done is called exactly once. */
obol_rc payment_attempt_run(store_t *store, payment_attempt_t *attempt);

/* Applies an acquirer answer to a transaction of order, in tx. `late`:
 * the answer comes from the sweeper at the deadline, so a TIMEOUT or an
 * ACTION still awaited ends the attempt. Nothing happens to a transaction
 * that already ended. */
obol_rc payment_apply(store_tx_t *tx, core_arena_t *arena,
                      store_order_t *order, store_transaction_t *transaction,
                      const acquirer_result_t *result, int late,
                      int64_t now);

/* A result the acquirer reported after the customer acted (a sandbox page):
 * stores its reference and applies it. *order and *transaction get the new
 * state. OBOL_ERR_CONFLICT if the attempt is not awaiting the customer. */
obol_rc payment_report(store_t *store, core_arena_t *arena,
                       const char *shop_id, const char *transaction_id,
                       const acquirer_result_t *result, store_order_t *order,
                       store_transaction_t *transaction);

/* An order in progress may be received or cancelled by the merchant only
 * while its attempt is an invoice awaiting payment: then that invoice
 * ends (successful when received, failed when cancelled), the order moves
 * to `to` with the invoice in its event, the event's callbacks and store
 * updates are queued, and 1 is returned; 0 when the order is not such an
 * order (nothing changed). */
int payment_close_invoice(store_tx_t *tx, core_arena_t *arena,
                          store_order_t *order, order_status_t to,
                          int64_t now, obol_rc *rc);

/* A dispute step reported by the acquirer (stage chargeback, retrieval,
 * arbitration ...), or the merchant's evidence (stage representation,
 * with evidence text): moves the locked order to the stage, recorded as a
 * transaction (type chargeback, dispute, or representation: amount, the
 * reason code, respond_by when the merchant must answer) with its event.
 * amount 0: what is captured and not refunded. OBOL_ERR_CONFLICT when the
 * table does not allow the stage now; nothing is written then. */
obol_rc payment_dispute(store_tx_t *tx, core_arena_t *arena,
                        store_order_t *order, order_status_t stage,
                        int64_t amount, const char *reason_code,
                        const char *evidence, int64_t now,
                        store_transaction_t *out);

/* The acquirer undid the latest confirmed refund (seed 002 "refund
 * reversed"): a refund_reversal transaction, the refunded total back down,
 * the order refund_reversed with its event. OBOL_ERR_CONFLICT when the
 * order has no confirmed refund to reverse now. */
obol_rc payment_refund_reversal(store_tx_t *tx, core_arena_t *arena,
                                store_order_t *order, int64_t now,
                                store_transaction_t *out);

/* Queues the callback (seed 004) and notification (seed 003) deliveries of
 * an attempt's new state, with its event, in tx. */
obol_rc payment_outbox(store_tx_t *tx, core_arena_t *arena,
                       const store_order_t *order,
                       const store_transaction_t *transaction,
                       const store_event_t *event);

/* 1 if the order was made through seed 003's checkout API. */
int payment_ctp_order(const store_order_t *order);

/* Resolves due attempts (pending or incomplete past their deadline) by
 * asking the connector; returns how many it resolved. */
int payment_sweep(store_t *store);

/* ---- views ---- */
/* Is the transaction's status final (successful, failed, error, expired)? */
int payment_finished(const store_transaction_t *transaction);
/* The successful payment (or authorization) of the order, or NULL. */
const store_transaction_t *payment_succeeded(const store_transaction_t *rows,
                                             size_t count);
/* The order's latest payment attempt, or NULL (rows from the store). */
const store_transaction_t *payment_latest(const store_transaction_t *rows,
                                          size_t count);
/* The transaction object of the API. */
json_t *payment_transaction_json(const store_transaction_t *transaction);
/* Seed 004: the payment of a session's order (details as stored, rows
 * its transactions) in that provider's shape; the shipping option is an
 * item. */
json_t *payment_session_transaction_json(const store_order_t *order,
                                         json_t *details,
                                         const store_transaction_t *rows,
                                         size_t count,
                                         const store_transaction_t *payment);
/* A time as the API shows it (RFC 3339), null for 0. */
json_t *payment_time_json(int64_t ms);
/* The receipt (seed 001): order id, status, amounts, the transaction. */
json_t *payment_receipt_json(const store_order_t *order,
                             const store_transaction_t *transaction,
                             const store_shop_t *shop);

#endif
