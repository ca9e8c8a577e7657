/* The transaction object and the receipt, as the API shows them. */
#include <string.h>

#include "payment.h"

static json_t *payment_text(const store_transaction_t *transaction,
                            store_txn_text_t which)
{
  const char *value = transaction->text[which];
  return value ? json_string(value) : json_null();
}

json_t *payment_time_json(int64_t ms)
{
  char text[32];
  if(!ms)
    return json_null();
  core_time_format(ms, text, sizeof(text));
  return json_string(text);
}

static json_t *payment_number(int value)
{
  return value ? json_integer(value) : json_null();
}

static json_t *payment_method_json(const store_transaction_t *transaction)
{
  return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "type",
                   payment_text(transaction, STORE_TXN_PAYMENT_METHOD),
                   "brand", payment_text(transaction, STORE_TXN_BRAND),
                   "last_4", payment_text(transaction, STORE_TXN_LAST_4),
                   "exp_month", payment_number(transaction->exp_month),
                   "exp_year", payment_number(transaction->exp_year),
                   "holder", payment_text(transaction, STORE_TXN_HOLDER));
}

json_t *payment_transaction_json(const store_transaction_t *transaction)
{
  const char *three_d_secure = transaction->text[STORE_TXN_THREE_D_SECURE];
  json_t *out = json_pack(
      "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:s, s:o, s:o}", "uid",
      transaction->id, "object", "transaction", "order_id",
      transaction->order_id, "type", transaction->type, "status",
      transaction->status, "code", payment_text(transaction, STORE_TXN_CODE),
      "message", payment_text(transaction, STORE_TXN_MESSAGE), "amount",
      (json_int_t)transaction->amount, "currency", transaction->currency,
      "payment_method", payment_text(transaction, STORE_TXN_PAYMENT_METHOD),
      "method", payment_method_json(transaction));

  if(!out)
    return NULL;
  json_object_set_new(out, "auth_code",
                      payment_text(transaction, STORE_TXN_AUTH_CODE));
  json_object_set_new(out, "bank_code",
                      payment_text(transaction, STORE_TXN_BANK_CODE));
  json_object_set_new(out, "rrn", payment_text(transaction, STORE_TXN_RRN));
  json_object_set_new(out, "ref_id",
                      payment_text(transaction, STORE_TXN_REF_ID));
  json_object_set_new(
      out, "avs_cvc_verification",
      json_pack("{s:{s:o}, s:{s:o}}", "avs_verification", "result_code",
                payment_text(transaction, STORE_TXN_AVS_RESULT),
                "cvc_verification", "result_code",
                payment_text(transaction, STORE_TXN_CVC_RESULT)));
  json_object_set_new(out, "billing_descriptor",
                      payment_text(transaction,
                                   STORE_TXN_BILLING_DESCRIPTOR));
  json_object_set_new(out, "three_d_secure",
                      three_d_secure ? json_pack("{s:s}", "status",
                                                 three_d_secure)
                                     : json_null());
  json_object_set_new(out, "customer_ip",
                      payment_text(transaction, STORE_TXN_CUSTOMER_IP));
  json_object_set_new(out, "merchant_reference_2",
                      payment_text(transaction,
                                   STORE_TXN_MERCHANT_REFERENCE_2));
  json_object_set_new(out, "redirect_url",
                      payment_text(transaction, STORE_TXN_REDIRECT_URL));
  json_object_set_new(out, "reason",
                      payment_text(transaction, STORE_TXN_REASON));
  json_object_set_new(out, "respond_by", payment_time_json(transaction->respond_by));
  json_object_set_new(out, "parent_uid",
                      transaction->parent_id[0]
                          ? json_string(transaction->parent_id)
                          : json_null());
  json_object_set_new(out, "test", json_boolean(transaction->test));
  json_object_set_new(out, "created_at", payment_time_json(transaction->created_at));
  json_object_set_new(out, "updated_at", payment_time_json(transaction->updated_at));
  json_object_set_new(out, "finished_at",
                      payment_time_json(transaction->finished_at));
  return out;
}

const store_transaction_t *payment_latest(const store_transaction_t *rows,
                                          size_t count)
{
  size_t i = count;
  while(i-- > 0)
    if(!strcmp(rows[i].type, "payment") ||
       !strcmp(rows[i].type, "authorization"))
      return &rows[i];
  return NULL;
}

const store_transaction_t *payment_succeeded(const store_transaction_t *rows,
                                             size_t count)
{
  size_t i;
  for(i = 0; i < count; i++)
    if((!strcmp(rows[i].type, "payment") ||
        !strcmp(rows[i].type, "authorization")) &&
       !strcmp(rows[i].status, "successful"))
      return &rows[i];
  return NULL;
}

static const char *payment_status_description(const store_order_t *order)
{
  switch(order_status_parse(order->status)) {
  case ORDER_PAID:
    return "Paid";
  case ORDER_HOLD:
    return "Authorized";
  case ORDER_RECEIVED:
    return "Received";
  case ORDER_IN_PROGRESS:
    return "Pending";
  default:
    return "Not paid";
  }
}

json_t *payment_receipt_json(const store_order_t *order,
                             const store_transaction_t *transaction,
                             const store_shop_t *shop)
{
  /* a storefront built for seed 001 reads the order as placed: untouched,
   * Pending (its own fulfilment has not started); paymentStatus says how
   * the payment stands */
  const char *dialect = transaction->text[STORE_TXN_DIALECT];
  int storefront = dialect && !strcmp(dialect, "storefront");
  json_t *out = json_pack(
      "{s:s, s:s, s:s, s:I, s:s, s:o, s:o, s:s}", "order", order->id,
      "status", storefront ? "untouched" : order->status,
      "statusDescription",
      storefront ? "Pending" : payment_status_description(order), "amount",
      (json_int_t)order->amount,
      "currency", order->currency, "merchant_reference",
      order->merchant_reference ? json_string(order->merchant_reference)
                                : json_null(),
      "transaction", payment_transaction_json(transaction), "affiliateHtml",
      shop->affiliate_html ? shop->affiliate_html : "");
  if(out && storefront)
    json_object_set_new(out, "paymentStatus", json_string(order->status));
  return out;
}
