/* Payment attempts: begin, the connector call on a worker, finish. */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const payment_config_t payment_defaults = {10000, 900000, 8};

/* The workers: attempts whose begin committed, waiting for a connector. */
typedef struct payment_job {
  struct payment_job *next;
  payment_attempt_t *attempt;
} payment_job_t;

static struct {
  store_t *store;
  const payment_config_t *config;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  payment_job_t *head, *tail;
  pthread_t *threads;
  int thread_count;
  int stopping;
} payment_pool = {.config = &payment_defaults,
                  .lock = PTHREAD_MUTEX_INITIALIZER,
                  .wake = PTHREAD_COND_INITIALIZER};

const acquirer_ops_t *payment_connector(void)
{
  return &acquirer_sandbox;
}

const payment_config_t *payment_config(void)
{
  return payment_pool.config;
}

int payment_finished(const store_transaction_t *transaction)
{
  return !strcmp(transaction->status, "successful") ||
         !strcmp(transaction->status, "failed") ||
         !strcmp(transaction->status, "error") ||
         !strcmp(transaction->status, "expired");
}

static void payment_set_text(store_transaction_t *transaction,
                             core_arena_t *arena, store_txn_text_t which,
                             const char *value)
{
  transaction->text[which] =
      value && *value ? core_arena_strdup(arena, value) : NULL;
}

/* Copies what the acquirer said onto the transaction. */
static void payment_copy_result(store_transaction_t *transaction,
                                core_arena_t *arena,
                                const acquirer_result_t *result)
{
  static const struct {
    store_txn_text_t which;
    size_t offset;
  } fields[] = {
    {STORE_TXN_AUTH_CODE, offsetof(acquirer_result_t, auth_code)},
    {STORE_TXN_BANK_CODE, offsetof(acquirer_result_t, bank_code)},
    {STORE_TXN_RRN, offsetof(acquirer_result_t, rrn)},
    {STORE_TXN_REF_ID, offsetof(acquirer_result_t, ref_id)},
    {STORE_TXN_AVS_RESULT, offsetof(acquirer_result_t, avs_result)},
    {STORE_TXN_CVC_RESULT, offsetof(acquirer_result_t, cvc_result)},
    {STORE_TXN_BILLING_DESCRIPTOR,
     offsetof(acquirer_result_t, billing_descriptor)},
    {STORE_TXN_THREE_D_SECURE, offsetof(acquirer_result_t, three_d_secure)},
  };
  size_t i;

  for(i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    const char *value = (const char *)result + fields[i].offset;
    if(*value)
      payment_set_text(transaction, arena, fields[i].which, value);
  }
  payment_set_text(transaction, arena, STORE_TXN_CODE, result->code);
  payment_set_text(transaction, arena, STORE_TXN_MESSAGE, result->message);
  if(result->action_url[0])
    payment_set_text(transaction, arena, STORE_TXN_REDIRECT_URL,
                     result->action_url);
}

/* The transaction as JSON text, for the event that reports it. */
const char *payment_text(core_arena_t *arena,
                         const store_transaction_t *transaction)
{
  json_t *json = payment_transaction_json(transaction);
  const char *text = NULL;
  char *dumped = json ? json_dumps(json, JSON_COMPACT) : NULL;

  if(dumped)
    text = core_arena_strdup(arena, dumped);
  free(dumped);
  json_decref(json);
  return text;
}

static int payment_is(const store_transaction_t *transaction,
                      const char *type)
{
  return !strcmp(transaction->type, type);
}

/* The status an ended transaction moves its order to, and the one the
 * order must be in for that; ORDER_STATUS_COUNT when it stays. */
static order_status_t payment_order_target(const store_order_t *order,
                                           const store_transaction_t *done,
                                           order_status_t *from)
{
  int ok = !strcmp(done->status, "successful");

  *from = ORDER_IN_PROGRESS;
  if(payment_is(done, "payment") || payment_is(done, "authorization"))
    return ok ? (order->capture_manual ? ORDER_HOLD : ORDER_PAID)
              : ORDER_FAILED;
  if(payment_is(done, "payout"))
    return ok ? ORDER_PAID : ORDER_FAILED;
  *from = ORDER_HOLD;
  if(payment_is(done, "capture"))
    return ok ? ORDER_PAID : ORDER_STATUS_COUNT;
  if(payment_is(done, "void")) /* what was captured before stays paid */
    return ok ? (order->captured_amount ? ORDER_PAID : ORDER_CANCELLED)
              : ORDER_STATUS_COUNT;
  *from = ORDER_REFUND_INITIATED;
  if(payment_is(done, "refund"))
    return ok ? ORDER_REFUNDED : ORDER_REFUND_FAILED;
  *from = ORDER_REVERSAL_INITIATED;
  if(payment_is(done, "reversal"))
    return ok ? ORDER_REVERSED : ORDER_REVERSAL_FAILED;
  *from = ORDER_STATUS_COUNT; /* from wherever the table allows */
  if(payment_is(done, "chargeback"))
    return ok ? ORDER_CHARGEBACK : ORDER_STATUS_COUNT;
  return ORDER_STATUS_COUNT;
}

static int payment_moves_order(const store_order_t *order,
                               const store_transaction_t *done)
{
  order_status_t from;
  order_status_t to = payment_order_target(order, done, &from);
  int current = order_status_parse(order->status);

  if(to == ORDER_STATUS_COUNT || current < 0)
    return 0;
  if(from == ORDER_STATUS_COUNT)
    return !order_transition((order_status_t)current, to, NULL);
  return current == (int)from;
}

/* The order's totals after a transaction succeeded: a sale or a capture
 * is captured money, a refund refunded money, a reversal returns all. */
static void payment_count(store_order_t *order,
                          const store_transaction_t *done)
{
  if(strcmp(done->status, "successful"))
    return;
  if(payment_is(done, "capture") || payment_is(done, "partial_capture") ||
     (payment_is(done, "payment") && !order->capture_manual))
    order->captured_amount += done->amount;
  else if(payment_is(done, "refund"))
    order->refunded_amount += done->amount;
  else if(payment_is(done, "reversal"))
    order->refunded_amount = order->captured_amount;
}

/* The order's status change for an ended transaction. */
static obol_rc payment_move_order(store_tx_t *tx, core_arena_t *arena,
                                  store_order_t *order,
                                  const store_transaction_t *done,
                                  const char *text, int64_t now,
                                  store_event_t *event)
{
  order_status_t from;
  order_status_t to = payment_order_target(order, done, &from);

  if(to == ORDER_FAILED)
    return order_record_failed_attempt(tx, arena, order, now, text, event);
  return order_change_status_for(tx, arena, order, to, now, text, event);
}

/* Writes the transaction's new state with its one event: the order's status
 * change when the attempt ended (paid, hold, failed ...), else, when
 * `announce`, a transaction.<status> event. The event's callbacks and
 * notifications are queued with it. */
static obol_rc payment_record(store_tx_t *tx, core_arena_t *arena,
                              store_order_t *order,
                              store_transaction_t *transaction, int announce,
                              int64_t now)
{
  const char *text = payment_text(arena, transaction);
  char type[48];
  store_event_t event;
  obol_rc rc;

  if(!text)
    return OBOL_ERR_NOMEM;
  rc = store_tx_transaction_update(tx, transaction);
  if(rc)
    return rc;
  if(payment_finished(transaction))
    payment_count(order, transaction);
  if(payment_finished(transaction) &&
     payment_moves_order(order, transaction))
    rc = payment_move_order(tx, arena, order, transaction, text, now,
                            &event);
  else if(payment_is(transaction, "partial_capture") &&
          !strcmp(transaction->status, "successful"))
    /* the hold stays open for more captures */
    rc = order_append_event_for(tx, arena, order, "order.partially_captured",
                                now, text, &event);
  else if(payment_is(transaction, "refund") &&
          !strcmp(transaction->status, "successful") &&
          !strcmp(order->status, "hold"))
    /* a refund of what an open hold captured: the hold stays open */
    rc = order_append_event_for(tx, arena, order, "order.partially_refunded",
                                now, text, &event);
  else if(announce || payment_finished(transaction)) {
    /* an attempt ending while its order moved on (the acquirer's truth
     * still counts), or an operation that failed, is reported on its own */
    if(payment_finished(transaction) &&
       !strcmp(transaction->status, "successful") &&
       !payment_is(transaction, "partial_capture"))
      core_log(CORE_LOG_WARN, "payment.late", "%s ended %s while its order "
               "%s is %s", transaction->id, transaction->status, order->id,
               order->status);
    snprintf(type, sizeof(type), "transaction.%s", transaction->status);
    rc = order_append_event_for(tx, arena, order, type, now, text, &event);
  }
  else
    return OBOL_OK;
  if(!rc)
    rc = payment_outbox(tx, arena, order, transaction, &event);
  return rc;
}

static void payment_end(store_transaction_t *transaction, const char *status,
                        int64_t now)
{
  snprintf(transaction->status, sizeof(transaction->status), "%s", status);
  transaction->deadline_at = 0;
  transaction->finished_at = now;
}

obol_rc payment_apply(store_tx_t *tx, core_arena_t *arena,
                      store_order_t *order, store_transaction_t *transaction,
                      const acquirer_result_t *result, int late,
                      int64_t now)
{
  acquirer_outcome_t outcome = result->outcome;
  int announce = 1;
  obol_rc rc;

  if(payment_finished(transaction))
    return OBOL_OK; /* answered already (e.g. by the sweeper) */
  payment_copy_result(transaction, arena, result);
  transaction->updated_at = now;
  if(late && outcome == ACQUIRER_ACTION)
    outcome = ACQUIRER_EXPIRED;
  switch(outcome) {
  case ACQUIRER_APPROVED:
    payment_end(transaction, "successful", now);
    if(!strcmp(transaction->type, "chargeback")) /* the merchant's turn */
      transaction->respond_by = now + PAYMENT_DISPUTE_RESPONSE_MS;
    break;
  case ACQUIRER_DECLINED:
    payment_end(transaction, "failed", now);
    break;
  case ACQUIRER_ERROR:
    payment_end(transaction, "error", now);
    break;
  case ACQUIRER_EXPIRED:
    payment_set_text(transaction, arena, STORE_TXN_CODE, "action_expired");
    payment_set_text(transaction, arena, STORE_TXN_MESSAGE,
                     "The payment was not completed in time.");
    payment_end(transaction, "expired", now);
    break;
  case ACQUIRER_TIMEOUT:
    /* asked again and still no answer: failed only if the acquirer never
     * had it (no reference); one it has (a refund it took) is unknown, not
     * failed, and is asked about again later */
    if(late && !transaction->text[STORE_TXN_REF_ID]) {
      payment_end(transaction, "failed", now);
      break;
    }
    /* unknown yet: it stays pending, the sweeper asks at the deadline */
    payment_set_text(transaction, arena, STORE_TXN_CODE, NULL);
    payment_set_text(transaction, arena, STORE_TXN_MESSAGE,
                     "Waiting for the acquirer's answer.");
    transaction->deadline_at = now + (late ? PAYMENT_REASK_MS
                                           : PAYMENT_GRACE_MS);
    announce = 0;
    break;
  case ACQUIRER_ACTION:
    snprintf(transaction->status, sizeof(transaction->status), "incomplete");
    transaction->deadline_at = now + payment_config()->action_timeout_ms;
    break;
  case ACQUIRER_PENDING:
    snprintf(transaction->status, sizeof(transaction->status), "pending");
    transaction->deadline_at =
        result->check_after_ms ? now + result->check_after_ms : 0;
    /* a payment on review (seed 004 ON_HOLD) or an invoice is news; an
     * operation waiting for the bank stays as it was announced */
    announce = payment_is(transaction, "payment") ||
               payment_is(transaction, "authorization");
    break;
  }
  rc = payment_record(tx, arena, order, transaction, announce, now);
  if(!rc && outcome == ACQUIRER_APPROVED && result->dispute_after_ms)
    rc = payment_dispute_later(tx, order, transaction,
                               core_arena_strdup(arena,
                                                 result->dispute_reference),
                               now + result->dispute_after_ms);
  return rc;
}

/* ---- begin ---- */

static obol_rc payment_new_transaction(payment_attempt_t *attempt,
                                       int64_t now)
{
  store_transaction_t *transaction = &attempt->transaction;
  const store_order_t *order = &attempt->order;
  const acquirer_card_t *card = &attempt->card;
  size_t digits = strlen(card->number);
  obol_rc rc;

  memset(transaction, 0, sizeof(*transaction));
  rc = core_id_new("txn", transaction->id, sizeof(transaction->id));
  if(rc)
    return rc;
  memcpy(transaction->shop_id, order->shop_id, sizeof(transaction->shop_id));
  memcpy(transaction->order_id, order->id, sizeof(transaction->order_id));
  snprintf(transaction->type, sizeof(transaction->type), "%s",
           order->capture_manual ? "authorization" : "payment");
  snprintf(transaction->status, sizeof(transaction->status), "pending");
  memcpy(transaction->currency, order->currency, sizeof(order->currency));
  transaction->amount = order->amount;
  transaction->test = order->test;
  transaction->created_at = now;
  transaction->updated_at = now;
  /* if the call never comes back (a crash), the sweeper asks then */
  transaction->deadline_at =
      now + payment_config()->acquirer_timeout_ms + PAYMENT_GRACE_MS;
  payment_set_text(transaction, attempt->arena, STORE_TXN_PAYMENT_METHOD,
                   acquirer_method_name(attempt->method));
  payment_set_text(transaction, attempt->arena, STORE_TXN_CUSTOMER_IP,
                   attempt->customer_ip);
  payment_set_text(transaction, attempt->arena, STORE_TXN_RETURN_URL,
                   attempt->return_url);
  payment_set_text(transaction, attempt->arena, STORE_TXN_FAILED_URL,
                   attempt->failed_url);
  payment_set_text(transaction, attempt->arena, STORE_TXN_DIALECT,
                   attempt->dialect);
  if(attempt->method == ACQUIRER_METHOD_CARD && digits >= 4) {
    payment_set_text(transaction, attempt->arena, STORE_TXN_BRAND,
                     acquirer_brand_name(acquirer_card_brand(card->number)));
    payment_set_text(transaction, attempt->arena, STORE_TXN_LAST_4,
                     card->number + digits - 4);
    payment_set_text(transaction, attempt->arena, STORE_TXN_HOLDER,
                     card->holder);
    transaction->exp_month = card->exp_month;
    transaction->exp_year = card->exp_year;
  }
  return OBOL_OK;
}

/* Customer details given with the attempt (a storefront's address) join
 * the order's client, in the same write as the attempt. */
static obol_rc payment_merge_client(payment_attempt_t *attempt)
{
  json_t *details, *client;
  char *text;

  if(!attempt->client || !json_object_size(attempt->client))
    return OBOL_OK;
  details = json_loads(attempt->order.details, 0, NULL);
  if(!details)
    return OBOL_ERR_STORE;
  client = json_object_get(details, "client");
  if(!json_is_object(client)) {
    client = json_object();
    json_object_set_new(details, "client", client);
  }
  json_object_update(client, attempt->client);
  text = json_dumps(details, JSON_COMPACT);
  json_decref(details);
  attempt->order.details = text ? core_arena_strdup(attempt->arena, text)
                                : NULL;
  free(text);
  return attempt->order.details ? OBOL_OK : OBOL_ERR_NOMEM;
}

static obol_rc payment_begin_apply(store_tx_t *tx, void *arg)
{
  payment_attempt_t *attempt = arg;
  int64_t now = core_now_ms();
  int changed;
  order_status_t status;
  obol_rc rc;

  attempt->replayed = 0;
  attempt->refusal = PAYMENT_STARTED;
  if(attempt->hooks.replayed && attempt->hooks.replayed(tx, attempt)) {
    attempt->replayed = 1;
    return OBOL_OK;
  }
  if(attempt->kind == PAYMENT_PAYOUT) {
    rc = order_insert(tx, attempt->arena, &attempt->order,
                      &attempt->created);
    return rc ? rc : payment_payout_begin(tx, attempt, now);
  }
  rc = store_tx_order_get(tx, attempt->arena, attempt->shop_id,
                          attempt->order_id, &attempt->order);
  if(!rc)
    rc = order_apply_deadlines(tx, attempt->arena, &attempt->order, now,
                               &changed);
  if(rc)
    return rc;
  if(attempt->kind != PAYMENT_PAY)
    return payment_operation_begin(tx, attempt, now);
  status = (order_status_t)order_status_parse(attempt->order.status);
  /* a payout pays the customer: nobody pays it, failed or not */
  if(!order_status_payable(status) ||
     !strcmp(attempt->order.kind, "payout")) {
    /* the refusal is the answer (stored under the key); deadlines stay */
    attempt->refusal = status == ORDER_IN_PROGRESS
                           ? PAYMENT_REFUSED_IN_PROGRESS
                           : PAYMENT_REFUSED_STATE;
    return attempt->hooks.answer(tx, attempt);
  }
  rc = payment_merge_client(attempt);
  if(!rc)
    rc = payment_new_transaction(attempt, now);
  if(!rc)
    rc = store_tx_transaction_insert(tx, &attempt->transaction);
  if(!rc)
    rc = order_change_status_for(
        tx, attempt->arena, &attempt->order, ORDER_IN_PROGRESS, now,
        payment_text(attempt->arena, &attempt->transaction), NULL);
  return rc;
}

static void payment_wipe_card(payment_attempt_t *attempt)
{
  /* volatile: the compiler must not drop the wipe as a dead store */
  volatile char *bytes = (volatile char *)&attempt->card;
  size_t i;
  for(i = 0; i < sizeof(attempt->card); i++)
    bytes[i] = 0;
}

static void payment_enqueue(payment_attempt_t *attempt)
{
  payment_job_t *job = calloc(1, sizeof(*job));

  if(!job) {
    payment_wipe_card(attempt);
    attempt->hooks.done(attempt, OBOL_ERR_NOMEM);
    return;
  }
  job->attempt = attempt;
  pthread_mutex_lock(&payment_pool.lock);
  if(payment_pool.tail)
    payment_pool.tail->next = job;
  else
    payment_pool.head = job;
  payment_pool.tail = job;
  pthread_cond_signal(&payment_pool.wake);
  pthread_mutex_unlock(&payment_pool.lock);
}

static void payment_begin_done(void *arg, obol_rc rc)
{
  payment_attempt_t *attempt = arg;

  if(rc || attempt->replayed || attempt->refusal != PAYMENT_STARTED) {
    payment_wipe_card(attempt);
    attempt->hooks.done(attempt, rc);
    return;
  }
  payment_enqueue(attempt);
}

obol_rc payment_attempt_run(store_t *store, payment_attempt_t *attempt)
{
  return store_submit(store, payment_begin_apply, payment_begin_done,
                      attempt);
}

/* ---- the call and finish ---- */

static obol_rc payment_finish_apply(store_tx_t *tx, void *arg)
{
  payment_attempt_t *attempt = arg;
  int64_t now = core_now_ms();
  char id[STORE_ID_MAX];
  obol_rc rc;

  memcpy(id, attempt->transaction.id, sizeof(id));
  rc = store_tx_order_get(tx, attempt->arena, attempt->shop_id,
                          attempt->order_id, &attempt->order);
  if(!rc)
    rc = store_tx_transaction_get(tx, attempt->arena, attempt->shop_id, id,
                                  &attempt->transaction);
  if(!rc)
    rc = payment_apply(tx, attempt->arena, &attempt->order,
                       &attempt->transaction, &attempt->result, 0, now);
  if(!rc)
    rc = attempt->hooks.answer(tx, attempt);
  return rc;
}

static void payment_finish_done(void *arg, obol_rc rc)
{
  payment_attempt_t *attempt = arg;
  attempt->hooks.done(attempt, rc);
}

static void payment_call(payment_attempt_t *attempt)
{
  const payment_config_t *config = payment_config();
  int paying = attempt->kind == PAYMENT_PAY;
  /* the call must end before the sweeper may take the attempt over: an
   * attempt that waited too long for a worker is not sent at all (else a
   * charge could land after the sweeper has failed it) */
  int64_t left = attempt->transaction.deadline_at
                     ? attempt->transaction.deadline_at - PAYMENT_GRACE_MS -
                           core_now_ms()
                     : config->acquirer_timeout_ms;
  acquirer_request_t request = {
    .operation = payment_operation_of(attempt),
    .method = attempt->method,
    .transaction_id = attempt->transaction.id,
    .reference = paying ? NULL : attempt->parent.text[STORE_TXN_REF_ID],
    .card = (paying || attempt->kind == PAYMENT_PAYOUT) &&
                    attempt->method == ACQUIRER_METHOD_CARD
                ? &attempt->card : NULL,
    .iban = attempt->iban,
    .amount = attempt->transaction.amount,
    .currency = attempt->order.currency,
    .customer_ip = attempt->customer_ip,
    .action_base = order_config()->public_url,
    .token = attempt->order.token,
    .timeout_ms = left < config->acquirer_timeout_ms
                      ? (int)left : config->acquirer_timeout_ms,
  };
  obol_rc rc;

  if(request.timeout_ms <= 0 ||
     payment_connector()->execute(&request, &attempt->result)) {
    memset(&attempt->result, 0, sizeof(attempt->result));
    attempt->result.outcome = ACQUIRER_TIMEOUT;
  }
  payment_wipe_card(attempt);
  rc = store_submit(payment_pool.store, payment_finish_apply,
                    payment_finish_done, attempt);
  if(rc)
    attempt->hooks.done(attempt, rc);
}

static void *payment_worker_main(void *arg)
{
  (void)arg;
  pthread_mutex_lock(&payment_pool.lock);
  for(;;) {
    payment_job_t *job = payment_pool.head;
    if(!job) {
      if(payment_pool.stopping)
        break;
      pthread_cond_wait(&payment_pool.wake, &payment_pool.lock);
      continue;
    }
    payment_pool.head = job->next;
    if(!payment_pool.head)
      payment_pool.tail = NULL;
    pthread_mutex_unlock(&payment_pool.lock);
    payment_call(job->attempt);
    free(job);
    pthread_mutex_lock(&payment_pool.lock);
  }
  pthread_mutex_unlock(&payment_pool.lock);
  return NULL;
}

obol_rc payment_start(store_t *store, const payment_config_t *config)
{
  int i;

  payment_pool.store = store;
  payment_pool.config = config;
  payment_pool.stopping = 0;
  payment_pool.threads = calloc((size_t)config->workers, sizeof(pthread_t));
  if(!payment_pool.threads)
    return OBOL_ERR_NOMEM;
  for(i = 0; i < config->workers; i++) {
    if(pthread_create(&payment_pool.threads[i], NULL, payment_worker_main,
                      NULL)) {
      payment_stop();
      return OBOL_ERR_IO;
    }
    payment_pool.thread_count++;
  }
  return OBOL_OK;
}

void payment_stop(void)
{
  int i;

  pthread_mutex_lock(&payment_pool.lock);
  payment_pool.stopping = 1;
  pthread_cond_broadcast(&payment_pool.wake);
  pthread_mutex_unlock(&payment_pool.lock);
  for(i = 0; i < payment_pool.thread_count; i++)
    pthread_join(payment_pool.threads[i], NULL);
  free(payment_pool.threads);
  payment_pool.threads = NULL;
  payment_pool.thread_count = 0;
  payment_pool.config = &payment_defaults;
}
