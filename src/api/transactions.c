/* Transactions: an order's list, one by uid, and merchant_reference_2. */
#include <string.h>

#include "../payment/payment.h"
#include "api.h"

#define TRANSACTION_REFERENCE_MAX 255

http_status_t api_order_transactions(http_request_t *req)
{
  store_transaction_t *rows = NULL;
  store_order_t order;
  size_t count = 0, i;
  json_t *data;
  obol_rc rc;

  rc = store_order_get(http_store(req), req->arena, req->shop_id,
                       http_param(req, "id"), &order);
  if(!rc)
    rc = store_transaction_list(http_store(req), req->arena, req->shop_id,
                                order.id, &rows, &count);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  data = json_array();
  for(i = 0; i < count; i++)
    json_array_append_new(data, payment_transaction_json(&rows[i]));
  http_respond_json(req, 200, json_pack("{s:o, s:b}", "data", data,
                                        "has_more", 0));
  return HTTP_DONE;
}

http_status_t api_transaction_get(http_request_t *req)
{
  store_transaction_t transaction;
  obol_rc rc = store_transaction_get(http_store(req), req->arena,
                                     req->shop_id, http_param(req, "uid"),
                                     &transaction);
  if(rc)
    http_respond_rc(req, rc);
  else if(!api_session_transaction(req, &transaction))
    http_respond_json(req, 200, payment_transaction_json(&transaction));
  return HTTP_DONE;
}

/* ---- PUT /v1/transactions/{uid} ---- */

typedef struct {
  http_request_t *req;
  const char *reference; /* NULL clears it */
} transaction_put_t;

static obol_rc transaction_put_apply(store_tx_t *tx, void *arg)
{
  transaction_put_t *put = arg;
  http_request_t *req = put->req;
  store_transaction_t transaction;
  obol_rc rc = store_tx_transaction_get(tx, req->arena, req->shop_id,
                                        http_param(req, "uid"),
                                        &transaction);
  if(rc)
    return rc;
  transaction.text[STORE_TXN_MERCHANT_REFERENCE_2] = put->reference;
  transaction.updated_at = core_now_ms();
  rc = store_tx_transaction_update(tx, &transaction);
  if(!rc)
    http_respond_json(req, 200, payment_transaction_json(&transaction));
  return rc;
}

/* A session's transaction answers in seed 004's shape: read again now
 * that the change is committed. */
static void transaction_put_done(void *arg, obol_rc rc)
{
  transaction_put_t *put = arg;
  store_transaction_t transaction;

  if(rc)
    http_respond_rc(put->req, rc);
  else if(!store_transaction_get(http_store(put->req), put->req->arena,
                                 put->req->shop_id,
                                 http_param(put->req, "uid"), &transaction))
    api_session_transaction(put->req, &transaction);
  http_resume(put->req);
}

http_status_t api_transaction_put(http_request_t *req)
{
  static const char *const allowed[] = {"merchant_reference_2", NULL};
  transaction_put_t *put = core_arena_alloc(req->arena, sizeof(*put));
  json_t *value = req->json ? json_object_get(req->json,
                                              "merchant_reference_2")
                            : NULL;
  json_t *fields = json_object();
  obol_rc rc;

  if(!req->json || !value)
    json_object_set_new(fields, "merchant_reference_2",
                        json_string("is required: a string or null"));
  else if(!json_is_null(value) &&
          (!json_is_string(value) || api_text_length(value) < 1 ||
           api_text_length(value) > TRANSACTION_REFERENCE_MAX))
    json_object_set_new(fields, "merchant_reference_2",
                        json_string("must be a string of 1 to 255 "
                                    "characters, or null"));
  if(req->json)
    api_check_unknown_fields(req->json, allowed, fields);
  if(json_object_size(fields) || !put) {
    http_respond_error(req, 400, "validation_error",
                       "some fields are invalid; nothing was changed",
                       fields);
    return HTTP_DONE;
  }
  json_decref(fields);
  put->req = req;
  put->reference = json_is_string(value)
                       ? core_arena_strdup(req->arena,
                                           json_string_value(value))
                       : NULL;
  rc = store_submit(http_store(req), transaction_put_apply,
                    transaction_put_done, put);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  return HTTP_AGAIN;
}
