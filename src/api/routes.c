/* The route table: every endpoint Obol serves, in one place. */
#include "api.h"

const http_route_t api_routes[] = {
  {"GET", "/health", api_health, HTTP_OPEN},
  {"GET", "/ready", api_ready, HTTP_OPEN},
  {"GET", "/v1/shop", api_shop_get, HTTP_KEY},
  {"PATCH", "/v1/shop", api_shop_patch, HTTP_KEY},
  {"POST", "/v1/shop/signing-secret", api_shop_signing_secret, HTTP_KEY},
  {"POST", "/v1/orders", api_order_create, HTTP_KEY},
  {"GET", "/v1/orders", api_order_list, HTTP_KEY},
  {"GET", "/v1/orders/{id}", api_order_get, HTTP_KEY},
  {"GET", "/v1/orders/{id}/events", api_order_events, HTTP_KEY},
  {"POST", "/v1/orders/{id}/cancel", api_order_cancel, HTTP_KEY},
  {"POST", "/v1/orders/{id}/receive", api_order_receive, HTTP_KEY},
  {"POST", "/v1/orders/{id}/pay", api_order_pay, HTTP_KEY},
  {"POST", "/v1/orders/{id}/payment-result", api_order_payment_result, HTTP_KEY},
  {"GET", "/v1/orders/{id}/receipt", api_order_receipt, HTTP_KEY},
  {"GET", "/v1/orders/{id}/transactions", api_order_transactions, HTTP_KEY},
  {"GET", "/v1/transactions/{uid}", api_transaction_get, HTTP_KEY},
  {"PUT", "/v1/transactions/{uid}", api_transaction_put, HTTP_KEY},
  {"GET", "/v1/checkouts/{token}", api_checkout_get, HTTP_KEY},
  {"POST", "/v1/webhook-endpoints", api_webhook_create, HTTP_KEY},
  {"GET", "/v1/webhook-endpoints", api_webhook_list, HTTP_KEY},
  {"GET", "/v1/webhook-endpoints/{id}", api_webhook_get, HTTP_KEY},
  {"PATCH", "/v1/webhook-endpoints/{id}", api_webhook_patch, HTTP_KEY},
  {"DELETE", "/v1/webhook-endpoints/{id}", api_webhook_delete, HTTP_KEY},
  {"POST", "/v1/webhook-endpoints/{id}/rotate-secret", api_webhook_rotate, HTTP_KEY},
  {"GET", "/v1/events", api_event_list, HTTP_KEY},
  {"GET", "/v1/events/{id}", api_event_get, HTTP_KEY},
  {"GET", "/v1/events/{id}/deliveries", api_event_deliveries, HTTP_KEY},
  {"POST", "/v1/events/{id}/redeliver", api_event_redeliver, HTTP_KEY},
  {"POST", "/v1/test/clock", api_test_clock, HTTP_KEY},
  /* the customer's browser */
  {"GET", "/pay/{token}", api_hosted_page, HTTP_BROWSER},
  {"POST", "/pay/{token}", api_hosted_submit, HTTP_BROWSER},
  {"POST", "/pay/{token}/cancel", api_hosted_cancel, HTTP_BROWSER},
  {"GET", "/pay/{token}/return", api_hosted_return, HTTP_BROWSER},
  {"GET", "/sandbox/{kind}/{uid}", api_sandbox_page, HTTP_BROWSER},
  {"POST", "/sandbox/{kind}/{uid}", api_sandbox_submit, HTTP_BROWSER},
};

const size_t api_route_count = sizeof(api_routes) / sizeof(api_routes[0]);
