/* The route table: every endpoint Obol serves, in one place. */
#include "api.h"

const http_route_t api_routes[] = {
  {"GET", "/health", api_health, 0},
  {"GET", "/ready", api_ready, 0},
  {"GET", "/v1/shop", api_shop_get, 1},
  {"PATCH", "/v1/shop", api_shop_patch, 1},
  {"POST", "/v1/orders", api_order_create, 1},
  {"GET", "/v1/orders", api_order_list, 1},
  {"GET", "/v1/orders/{id}", api_order_get, 1},
  {"GET", "/v1/orders/{id}/events", api_order_events, 1},
  {"POST", "/v1/orders/{id}/cancel", api_order_cancel, 1},
  {"POST", "/v1/orders/{id}/receive", api_order_receive, 1},
  {"GET", "/v1/checkouts/{token}", api_checkout_get, 1},
  {"POST", "/v1/webhook-endpoints", api_webhook_create, 1},
  {"GET", "/v1/webhook-endpoints", api_webhook_list, 1},
  {"GET", "/v1/webhook-endpoints/{id}", api_webhook_get, 1},
  {"PATCH", "/v1/webhook-endpoints/{id}", api_webhook_patch, 1},
  {"DELETE", "/v1/webhook-endpoints/{id}", api_webhook_delete, 1},
  {"POST", "/v1/webhook-endpoints/{id}/rotate-secret", api_webhook_rotate, 1},
  {"GET", "/v1/events", api_event_list, 1},
  {"GET", "/v1/events/{id}", api_event_get, 1},
  {"GET", "/v1/events/{id}/deliveries", api_event_deliveries, 1},
  {"POST", "/v1/events/{id}/redeliver", api_event_redeliver, 1},
  {"POST", "/v1/test/clock", api_test_clock, 1},
};

const size_t api_route_count = sizeof(api_routes) / sizeof(api_routes[0]);
