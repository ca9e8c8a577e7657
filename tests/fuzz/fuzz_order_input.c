/* libFuzzer: any request body, parsed as the server parses it, then
 * validated as a new order: no crash, no leak, and an accepted order has a
 * positive total within the maximum. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/api/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  store_shop_t shop;
  store_order_t order;
  json_t *details = NULL;
  json_t *fields = json_object();
  json_t *body = json_loadb((const char *)data, size,
                            JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);

  memset(&shop, 0, sizeof(shop));
  strcpy(shop.id, "shop_fuzz");
  shop.name = "fuzz";
  shop.default_currency = "EUR";
  shop.allowed_redirect_hosts = "[\"shop.example\"]";
  shop.brands = "[\"visa\"]";
  shop.surcharge = "{\"percent_bp\":250,\"fixed\":10,\"cap\":0,\"format\":\"v1\"}";
  if(json_is_object(body) &&
     !api_order_input(body, &shop, data[0] & 1, 1795434492123LL, &order,
                      &details, fields)) {
    if(order.amount <= 0 || order.amount > order_config()->max_amount ||
       order.amount != order.initial_amount + order.surcharge_amount)
      abort();
    json_decref(details);
  }
  json_decref(fields);
  json_decref(body);
  return 0;
}
