/* The route table: every endpoint Obol serves, in one place. */
#include "api.h"

const http_route_t api_routes[] = {
  {"GET", "/health", api_health, 0},
  {"GET", "/ready", api_ready, 0},
  {"GET", "/v1/shop", api_shop_get, 1},
  {"PATCH", "/v1/shop", api_shop_patch, 1},
};

const size_t api_route_count = sizeof(api_routes) / sizeof(api_routes[0]);
