/* POST /v1/orders/{id}/capture|void|refund|reverse: operations on the
 * order's payment. Each answers {"order": ..., "transaction": ...} once its
 * transaction is recorded: successful, or pending while the acquirer
 * decides (refunds). */
#include <string.h>

#include "../payment/payment.h"
#include "api.h"

#define OPERATION_REASON_MAX 255

typedef struct {
  http_request_t *req;
  const char *action;
  payment_attempt_t attempt;
} operation_t;

static const char *const operation_actions[] = {
  [PAYMENT_CAPTURE] = "capture",
  [PAYMENT_VOID] = "void",
  [PAYMENT_REFUND] = "refund",
  [PAYMENT_REVERSE] = "reverse",
};

static const char *const operation_done_words[] = {
  [PAYMENT_CAPTURE] = "captured",
  [PAYMENT_VOID] = "voided",
  [PAYMENT_REFUND] = "refunded",
  [PAYMENT_REVERSE] = "reversed",
};

static void operation_refused(operation_t *op)
{
  payment_attempt_t *attempt = &op->attempt;
  char message[160];

  switch(attempt->refusal) {
  case PAYMENT_REFUSED_IN_PROGRESS:
    http_respond_error(op->req, 409, "operation_in_progress",
                       "another operation on this order is under way; "
                       "retry when it has ended", NULL);
    break;
  case PAYMENT_REFUSED_AMOUNT:
    snprintf(message, sizeof(message), "must be from 1 to %lld (minor units)",
             (long long)attempt->limit);
    http_respond_error(op->req, 422, "amount_too_large",
                       attempt->limit ? "the amount is more than this order "
                                        "allows"
                                      : "nothing is left to do this with",
                       json_pack("{s:s}", "amount", message));
    break;
  default:
    snprintf(message, sizeof(message), "an order that is %s cannot be %s",
             attempt->order.status, operation_done_words[attempt->kind]);
    http_respond_error(op->req, 409, "invalid_state_transition", message,
                       json_pack("{s:s, s:s}", "status",
                                 attempt->order.status, "action",
                                 op->action));
  }
}

static void operation_respond(operation_t *op)
{
  payment_attempt_t *attempt = &op->attempt;
  const store_transaction_t *transaction = &attempt->transaction;

  if(attempt->refusal != PAYMENT_STARTED) {
    operation_refused(op);
    return;
  }
  if(payment_finished(transaction) &&
     strcmp(transaction->status, "successful")) {
    http_respond_error(op->req, 402,
                       transaction->text[STORE_TXN_CODE]
                           ? transaction->text[STORE_TXN_CODE]
                           : "operation_failed",
                       transaction->text[STORE_TXN_MESSAGE]
                           ? transaction->text[STORE_TXN_MESSAGE]
                           : "the acquirer refused the operation",
                       json_pack("{s:s}", "transaction", transaction->id));
    return;
  }
  http_respond_json(op->req, 200,
                    api_order_with_transaction(&attempt->order,
                                               transaction));
}

static obol_rc operation_answer(store_tx_t *tx, payment_attempt_t *attempt)
{
  operation_t *op = API_CONTAINER(attempt, operation_t, attempt);
  operation_respond(op);
  return http_tx_record(tx, op->req);
}

/* Reads {amount?, reason?} as the operation allows; 0 or answered 400. */
static int operation_read(operation_t *op, json_t *body)
{
  static const char *const with_amount[] = {"amount", "final", NULL};
  static const char *const with_reason[] = {"amount", "reason", NULL};
  static const char *const nothing[] = {NULL};
  payment_kind_t kind = op->attempt.kind;
  json_t *fields = json_object();
  json_t *amount = json_object_get(body, "amount");
  json_t *reason = json_object_get(body, "reason");
  json_t *final = json_object_get(body, "final");

  api_check_unknown_fields(body, kind == PAYMENT_REFUND    ? with_reason
                                 : kind == PAYMENT_CAPTURE ? with_amount
                                                           : nothing,
                           fields);
  if(amount && !json_is_null(amount) &&
     (!json_is_integer(amount) || json_integer_value(amount) < 1))
    json_object_set_new(fields, "amount", json_string(
        "must be a positive integer of minor units"));
  else if(amount && json_is_integer(amount))
    op->attempt.amount = json_integer_value(amount);
  if(reason && !json_is_null(reason) &&
     (!json_is_string(reason) || api_text_length(reason) < 1 ||
      api_text_length(reason) > OPERATION_REASON_MAX))
    json_object_set_new(fields, "reason", json_string(
        "must be a string of 1 to 255 characters"));
  else if(json_is_string(reason))
    op->attempt.reason = core_arena_strdup(op->req->arena,
                                           json_string_value(reason));
  if(final && !json_is_boolean(final))
    json_object_set_new(fields, "final", json_string("must be true or false"));
  op->attempt.keep_open = json_is_false(final);
  if(json_object_size(fields)) {
    http_respond_error(op->req, 400, "validation_error",
                       "some fields are invalid; nothing was done", fields);
    return -1;
  }
  json_decref(fields);
  return 0;
}

static http_status_t operation_run(http_request_t *req, payment_kind_t kind)
{
  operation_t *op = core_arena_alloc(req->arena, sizeof(*op));
  json_t *empty = json_object();
  int bad;

  if(!op) {
    json_decref(empty);
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return HTTP_DONE;
  }
  memset(op, 0, sizeof(*op));
  op->req = req;
  op->action = operation_actions[kind];
  op->attempt.kind = kind;
  bad = operation_read(op, req->json ? req->json : empty);
  json_decref(empty);
  if(bad)
    return HTTP_DONE;
  return api_attempt_run(req, &op->attempt, http_param(req, "id"),
                         operation_answer);
}

http_status_t api_order_capture(http_request_t *req)
{
  return operation_run(req, PAYMENT_CAPTURE);
}

http_status_t api_order_void(http_request_t *req)
{
  return operation_run(req, PAYMENT_VOID);
}

http_status_t api_order_refund(http_request_t *req)
{
  return operation_run(req, PAYMENT_REFUND);
}

http_status_t api_order_reverse(http_request_t *req)
{
  return operation_run(req, PAYMENT_REVERSE);
}
