/* The payment sweeper: no attempt stays in progress. Attempts past their
 * deadline (no answer from the connector, a review, a customer who never
 * came back) are resolved with what the connector says now. Any node may
 * sweep: a node first claims a due attempt by moving its deadline a lease
 * ahead (under the row's lock), so one node asks the acquirer; a node that
 * dies after claiming lets the lease lapse, and another takes it over. */
#include <string.h>

#include "payment.h"

#define PAYMENT_SWEEP_BATCH 100
#define PAYMENT_SWEEP_LEASE_MS 30000

typedef struct {
  const store_transaction_t *due;
  int64_t lease;       /* the deadline this node set when it claimed it */
  int claimed;
  acquirer_result_t result;
  int resolved;
} payment_sweep_job_t;

/* Claims a due attempt: still due and not ended, its deadline moves to
 * the end of this node's lease. */
static obol_rc payment_sweep_claim(store_tx_t *tx, void *arg)
{
  payment_sweep_job_t *job = arg;
  core_arena_t *arena = core_arena_create(8192);
  int64_t now = core_now_ms();
  store_transaction_t transaction;
  obol_rc rc;

  if(!arena)
    return OBOL_ERR_NOMEM;
  job->claimed = 0;
  rc = store_tx_transaction_get(tx, arena, job->due->shop_id, job->due->id,
                                &transaction);
  if(!rc && transaction.deadline_at && transaction.deadline_at <= now &&
     !payment_finished(&transaction)) {
    transaction.deadline_at = job->lease = now + PAYMENT_SWEEP_LEASE_MS;
    rc = store_tx_transaction_update(tx, &transaction);
    job->claimed = !rc;
  }
  core_arena_destroy(arena);
  return rc;
}

static obol_rc payment_sweep_apply(store_tx_t *tx, void *arg)
{
  payment_sweep_job_t *job = arg;
  core_arena_t *arena = core_arena_create(8192);
  int64_t now = core_now_ms();
  store_transaction_t transaction;
  store_order_t order;
  obol_rc rc;

  if(!arena)
    return OBOL_ERR_NOMEM;
  job->resolved = 0;
  rc = store_tx_order_get(tx, arena, job->due->shop_id, job->due->order_id,
                          &order);
  if(!rc)
    rc = store_tx_transaction_get(tx, arena, job->due->shop_id, job->due->id,
                                  &transaction);
  /* still under this node's lease: nobody answered it meanwhile */
  if(!rc && transaction.deadline_at == job->lease &&
     !payment_finished(&transaction)) {
    rc = payment_apply(tx, arena, &order, &transaction, &job->result, 1, now);
    job->resolved = !rc;
  }
  core_arena_destroy(arena);
  return rc;
}

/* Asks the connector about one due attempt, outside any transaction. */
static void payment_sweep_query(const store_transaction_t *due,
                                acquirer_result_t *result)
{
  acquirer_request_t request = {
    .transaction_id = due->id,
    .reference = due->text[STORE_TXN_REF_ID],
    .amount = due->amount,
    .currency = due->currency,
    .timeout_ms = payment_config()->acquirer_timeout_ms,
  };

  if(payment_connector()->query(&request, result)) {
    memset(result, 0, sizeof(*result));
    result->outcome = ACQUIRER_TIMEOUT;
  }
  if(result->outcome == ACQUIRER_TIMEOUT && !result->code[0]) {
    snprintf(result->code, sizeof(result->code), "acquirer_timeout");
    snprintf(result->message, sizeof(result->message),
             "The acquirer did not answer in time.");
  }
}

int payment_sweep(store_t *store)
{
  core_arena_t *arena = core_arena_create(65536);
  store_transaction_t *due = NULL;
  size_t count = 0, i;
  int resolved = 0;

  if(!arena)
    return 0;
  if(store_transaction_list_due(store, arena, core_now_ms(),
                                PAYMENT_SWEEP_BATCH, &due, &count))
    count = 0;
  for(i = 0; i < count; i++) {
    payment_sweep_job_t job = {.due = &due[i]};
    obol_rc rc = store_write(store, payment_sweep_claim, &job);
    if(rc || !job.claimed)
      continue; /* another node has it, or it ended meanwhile */
    payment_sweep_query(&due[i], &job.result);
    rc = store_write(store, payment_sweep_apply, &job);
    if(rc)
      core_log(CORE_LOG_WARN, "sweeper.payment", "%s: %s", due[i].id,
               obol_rc_str(rc));
    resolved += job.resolved;
  }
  core_arena_destroy(arena);
  return resolved;
}

/* ---- answers reported after the customer acted ---- */

typedef struct {
  core_arena_t *arena;
  const char *shop_id;
  const char *transaction_id;
  const acquirer_result_t *result;
  store_order_t *order;
  store_transaction_t *transaction;
} payment_report_t;

static obol_rc payment_report_apply(store_tx_t *tx, void *arg)
{
  payment_report_t *report = arg;
  obol_rc rc = store_tx_transaction_get(tx, report->arena, report->shop_id,
                                        report->transaction_id,
                                        report->transaction);
  if(!rc)
    rc = store_tx_order_get(tx, report->arena, report->shop_id,
                            report->transaction->order_id, report->order);
  if(rc)
    return rc;
  if(strcmp(report->transaction->status, "incomplete"))
    return OBOL_ERR_CONFLICT;
  return payment_apply(tx, report->arena, report->order, report->transaction,
                       report->result, 0, core_now_ms());
}

obol_rc payment_report(store_t *store, core_arena_t *arena,
                       const char *shop_id, const char *transaction_id,
                       const acquirer_result_t *result, store_order_t *order,
                       store_transaction_t *transaction)
{
  payment_report_t report = {arena, shop_id, transaction_id, result, order,
                             transaction};
  return store_write(store, payment_report_apply, &report);
}
