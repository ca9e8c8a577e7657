/* Seed 003 (checkout tokens): its transaction shape, for notifications
 * and the gateway API's answers. */
#include <stdio.h>
#include <string.h>

#include "dialect.h"

static json_t *ctp_member(json_t *object, const char *name)
{
  json_t *value = json_object_get(object, name);
  return value ? json_incref(value) : json_null();
}

/* Its statuses: Obol's error is a failure there. */
static const char *ctp_status(const char *status)
{
  return status && !strcmp(status, "error") ? "failed"
         : status                           ? status
                                            : "failed";
}

static json_t *ctp_card(json_t *method)
{
  const char *brand = json_string_value(json_object_get(method, "brand"));
  const char *first = !brand                    ? NULL
                      : !strcmp(brand, "visa")   ? "4"
                      : !strcmp(brand, "master") ? "5"
                      : !strcmp(brand, "amex")   ? "3"
                                                 : NULL;
  return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "holder",
                   ctp_member(method, "holder"), "brand",
                   ctp_member(method, "brand"), "last_4",
                   ctp_member(method, "last_4"), "first_1",
                   first ? json_string(first) : json_null(), "exp_month",
                   ctp_member(method, "exp_month"), "exp_year",
                   ctp_member(method, "exp_year"));
}

static json_t *ctp_address(json_t *client)
{
  return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "first_name",
                   ctp_member(client, "first_name"), "last_name",
                   ctp_member(client, "last_name"), "address",
                   ctp_member(client, "address"), "city",
                   ctp_member(client, "city"), "zip",
                   ctp_member(client, "zip"), "country",
                   ctp_member(client, "country"), "state",
                   ctp_member(client, "state"), "phone",
                   ctp_member(client, "phone"));
}

json_t *dialect_ctp_transaction(json_t *transaction, json_t *order,
                                const char *public_url)
{
  json_t *method = json_object_get(transaction, "method");
  json_t *client = json_object_get(order, "client");
  const char *type = json_string_value(json_object_get(method, "type"));
  const char *status = json_string_value(json_object_get(transaction,
                                                         "status"));
  char receipt[512];
  json_t *out;

  snprintf(receipt, sizeof(receipt), "%s/pay/%s", public_url,
           json_string_value(json_object_get(order, "token"))
               ? json_string_value(json_object_get(order, "token"))
               : "");
  out = json_pack(
      "{s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, "
      "s:s}",
      "uid", ctp_member(transaction, "uid"), "status", ctp_status(status),
      "type", ctp_member(transaction, "type"), "amount",
      ctp_member(transaction, "amount"), "currency",
      ctp_member(transaction, "currency"), "description",
      ctp_member(order, "description"), "tracking_id",
      ctp_member(order, "merchant_reference"), "message",
      ctp_member(transaction, "message"), "test",
      ctp_member(transaction, "test"), "payment_method_type",
      type && !strcmp(type, "card") ? "credit_card" : type ? type : "",
      "created_at", ctp_member(transaction, "created_at"), "updated_at",
      ctp_member(transaction, "updated_at"), "paid_at",
      status && !strcmp(status, "successful")
          ? ctp_member(transaction, "finished_at") : json_null(),
      "receipt_url", receipt);
  if(!out)
    return NULL;
  json_object_set_new(out, "credit_card", ctp_card(method));
  json_object_set_new(out, "customer", json_pack(
      "{s:o, s:o, s:o, s:o}", "email", ctp_member(client, "email"),
      "first_name", ctp_member(client, "first_name"), "last_name",
      ctp_member(client, "last_name"), "ip",
      ctp_member(transaction, "customer_ip")));
  json_object_set_new(out, "billing_address", ctp_address(client));
  return out;
}
