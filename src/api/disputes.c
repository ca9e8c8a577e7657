/* Disputes: the sandbox acquirer's dispute reports (test orders only) and
 * the merchant's evidence. */
#include <ctype.h>
#include <string.h>

#include "../payment/payment.h"
#include "api.h"

#define DISPUTE_EVIDENCE_MAX 10000

typedef struct {
  http_request_t *req;
  order_status_t stage;
  int64_t amount;
  const char *reason_code;
  const char *evidence;
  int sandbox;           /* only test orders take the sandbox's reports */
  int refused;           /* 1: the table said no; 2: not a test order */
  store_order_t order;
  store_transaction_t transaction;
} dispute_t;

static obol_rc dispute_apply(store_tx_t *tx, void *arg)
{
  dispute_t *dispute = arg;
  http_request_t *req = dispute->req;
  obol_rc rc;

  dispute->refused = 0;
  if(http_tx_replay(tx, req))
    return OBOL_OK;
  rc = store_tx_order_get(tx, req->arena, req->shop_id, http_param(req, "id"),
                          &dispute->order);
  if(rc)
    return rc;
  if(dispute->sandbox && !dispute->order.test) {
    dispute->refused = 2;
    return OBOL_ERR_CONFLICT;
  }
  rc = dispute->stage == ORDER_REFUND_REVERSED
           ? payment_refund_reversal(tx, req->arena, &dispute->order,
                                     core_now_ms(), &dispute->transaction)
           : payment_dispute(tx, req->arena, &dispute->order, dispute->stage,
                             dispute->amount, dispute->reason_code,
                             dispute->evidence, core_now_ms(),
                             &dispute->transaction);
  if(rc == OBOL_ERR_CONFLICT)
    dispute->refused = 1;
  if(rc)
    return rc;
  http_respond_json(req, 200,
                    api_order_with_transaction(&dispute->order,
                                               &dispute->transaction));
  return http_tx_record(tx, req);
}

static void dispute_done(void *arg, obol_rc rc)
{
  dispute_t *dispute = arg;
  char message[128];

  if(rc == OBOL_ERR_CONFLICT && dispute->refused == 2)
    http_respond_error(dispute->req, 403, "sandbox_only",
                       "the sandbox reports disputes of test orders only",
                       NULL);
  else if(rc == OBOL_ERR_CONFLICT && dispute->refused) {
    snprintf(message, sizeof(message), "an order that is %s cannot move to "
             "%s", dispute->order.status, order_status_name(dispute->stage));
    http_respond_error(dispute->req, 409, "invalid_state_transition", message,
                       json_pack("{s:s, s:s}", "status",
                                 dispute->order.status, "stage",
                                 order_status_name(dispute->stage)));
  }
  else if(rc)
    http_respond_rc(dispute->req, rc);
  http_resume(dispute->req);
}

static http_status_t dispute_submit(http_request_t *req, dispute_t *dispute)
{
  obol_rc rc = store_submit(http_store(req), dispute_apply, dispute_done,
                            dispute);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  return HTTP_AGAIN;
}

/* The stages the acquirer may report; "won" closes a dispute. */
static int dispute_stage(const char *name)
{
  static const order_status_t stages[] = {
    ORDER_CHARGEBACK, ORDER_RETRIEVAL, ORDER_REPRESENTATION,
    ORDER_PRE_ARBITRATION, ORDER_ARBITRATION, ORDER_PRE_COMPLIANCE,
    ORDER_COMPLIANCE, ORDER_GOOD_FAITH, ORDER_FRAUD_ADVICE};
  size_t i;

  if(name && !strcmp(name, "won"))
    return ORDER_PAID;
  for(i = 0; name && i < sizeof(stages) / sizeof(stages[0]); i++)
    if(!strcmp(order_status_name(stages[i]), name))
      return stages[i];
  return -1;
}

static int dispute_reason_valid(const char *code)
{
  size_t i, length = code ? strlen(code) : 0;
  for(i = 0; i < length; i++)
    if(!isalnum((unsigned char)code[i]) && code[i] != '.' && code[i] != '-')
      return 0;
  return length >= 1 && length <= 16;
}

/* POST /v1/sandbox/orders/{id}/dispute {"stage", "amount"?, "reason_code"?} */
http_status_t api_sandbox_dispute(http_request_t *req)
{
  static const char *const allowed[] = {"stage", "amount", "reason_code",
                                        NULL};
  dispute_t *dispute = core_arena_alloc(req->arena, sizeof(*dispute));
  json_t *body = req->json;
  json_t *fields = json_object();
  json_t *amount = json_object_get(body, "amount");
  json_t *reason = json_object_get(body, "reason_code");
  int stage = dispute_stage(json_string_value(json_object_get(body,
                                                              "stage")));

  if(body)
    api_check_unknown_fields(body, allowed, fields);
  if(stage < 0)
    json_object_set_new(fields, "stage", json_string(
        "must be chargeback, retrieval, representation, pre_arbitration, "
        "arbitration, pre_compliance, compliance, good_faith, fraud_advice "
        "or won"));
  if(amount && (!json_is_integer(amount) || json_integer_value(amount) < 1))
    json_object_set_new(fields, "amount", json_string(
        "must be a positive integer of minor units"));
  if(reason && !dispute_reason_valid(json_string_value(reason)))
    json_object_set_new(fields, "reason_code", json_string(
        "must be 1 to 16 letters, digits, '.' or '-'"));
  if(json_object_size(fields) || !dispute) {
    http_respond_error(req, 400, "validation_error",
                       "some fields are invalid; nothing changed", fields);
    return HTTP_DONE;
  }
  json_decref(fields);
  memset(dispute, 0, sizeof(*dispute));
  dispute->req = req;
  dispute->sandbox = 1;
  dispute->stage = (order_status_t)stage;
  dispute->amount = amount ? json_integer_value(amount) : 0;
  dispute->reason_code = reason ? core_arena_strdup(
                                      req->arena, json_string_value(reason))
                                : "4837";
  return dispute_submit(req, dispute);
}

/* POST /v1/orders/{id}/dispute/evidence {"text"}: the representation. */
http_status_t api_dispute_evidence(http_request_t *req)
{
  static const char *const allowed[] = {"text", NULL};
  dispute_t *dispute = core_arena_alloc(req->arena, sizeof(*dispute));
  json_t *text = json_object_get(req->json, "text");
  json_t *fields = json_object();

  if(req->json)
    api_check_unknown_fields(req->json, allowed, fields);
  if(!json_is_string(text) || api_text_length(text) < 1 ||
     api_text_length(text) > DISPUTE_EVIDENCE_MAX)
    json_object_set_new(fields, "text", json_string(
        "is required: the merchant's case, 1 to 10000 characters"));
  if(json_object_size(fields) || !dispute) {
    http_respond_error(req, 400, "validation_error",
                       "some fields are invalid; nothing was sent", fields);
    return HTTP_DONE;
  }
  json_decref(fields);
  memset(dispute, 0, sizeof(*dispute));
  dispute->req = req;
  dispute->stage = ORDER_REPRESENTATION;
  dispute->evidence = core_arena_strdup(req->arena, json_string_value(text));
  return dispute_submit(req, dispute);
}

/* POST /v1/sandbox/orders/{id}/refund-reversal: the sandbox's processing
 * centre undoes the latest confirmed refund (test orders only). */
http_status_t api_sandbox_refund_reversal(http_request_t *req)
{
  dispute_t *dispute = core_arena_alloc(req->arena, sizeof(*dispute));

  if(req->json && json_object_size(req->json)) {
    http_respond_error(req, 400, "validation_error",
                       "this action takes no body fields", NULL);
    return HTTP_DONE;
  }
  if(!dispute) {
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return HTTP_DONE;
  }
  memset(dispute, 0, sizeof(*dispute));
  dispute->req = req;
  dispute->sandbox = 1;
  dispute->stage = ORDER_REFUND_REVERSED;
  return dispute_submit(req, dispute);
}
