/* Router: matching, path parameters, 404 and 405 with Allow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/http/http.h"

static http_status_t handler_a(http_request_t *req) { (void)req; return HTTP_DONE; }
static http_status_t handler_b(http_request_t *req) { (void)req; return HTTP_DONE; }

static const http_route_t routes[] = {
  {"GET", "/health", handler_a, 0},
  {"GET", "/v1/orders/{id}", handler_a, 1},
  {"POST", "/v1/orders/{id}/capture", handler_b, 1},
  {"PATCH", "/v1/shop", handler_b, 1},
  {"GET", "/v1/shop", handler_a, 1},
  {"GET", "/v1/webhooks/{endpoint}/deliveries/{delivery}", handler_b, 1},
};
#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

typedef struct {
  core_arena_t *arena;
  const http_route_t *route;
  http_param_t params[HTTP_MAX_PARAMS];
  int count;
  char allow[64];
} match_t;

static http_route_result_t match(match_t *m, const char *method,
                                 const char *path)
{
  memset(m, 0, sizeof(*m));
  m->arena = core_arena_create(1024);
  return http_route_match(routes, ROUTE_COUNT, method, path, m->arena,
                          &m->route, m->params, &m->count, m->allow,
                          sizeof(m->allow));
}

static void test_static_route(void **state)
{
  match_t m;
  (void)state;
  assert_int_equal(match(&m, "GET", "/health"), HTTP_ROUTE_FOUND);
  assert_ptr_equal(m.route, &routes[0]);
  assert_int_equal(m.count, 0);
  core_arena_destroy(m.arena);
}

static void test_path_parameters(void **state)
{
  match_t m;
  (void)state;
  assert_int_equal(match(&m, "POST", "/v1/orders/ord_1/capture"),
                   HTTP_ROUTE_FOUND);
  assert_ptr_equal(m.route, &routes[2]);
  assert_int_equal(m.count, 1);
  assert_string_equal(m.params[0].name, "id");
  assert_string_equal(m.params[0].value, "ord_1");
  core_arena_destroy(m.arena);

  assert_int_equal(match(&m, "GET", "/v1/webhooks/we_1/deliveries/d_2"),
                   HTTP_ROUTE_FOUND);
  assert_int_equal(m.count, 2);
  assert_string_equal(m.params[0].name, "endpoint");
  assert_string_equal(m.params[0].value, "we_1");
  assert_string_equal(m.params[1].name, "delivery");
  assert_string_equal(m.params[1].value, "d_2");
  core_arena_destroy(m.arena);
}

static void test_not_found(void **state)
{
  match_t m;
  static const char *const paths[] = {
    "/nope", "/health/", "/v1/orders", "/v1/orders/", "/v1/orders/a/b",
    "/v1/orders//capture", "", "/", "/v1/shop/x", "/healthz"};
  size_t i;
  (void)state;
  for(i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    assert_int_equal(match(&m, "GET", paths[i]), HTTP_ROUTE_NOT_FOUND);
    core_arena_destroy(m.arena);
  }
}

static void test_method_not_allowed_lists_allow(void **state)
{
  match_t m;
  (void)state;
  assert_int_equal(match(&m, "DELETE", "/v1/shop"),
                   HTTP_ROUTE_METHOD_NOT_ALLOWED);
  assert_string_equal(m.allow, "PATCH, GET");
  core_arena_destroy(m.arena);
  assert_int_equal(match(&m, "POST", "/health"),
                   HTTP_ROUTE_METHOD_NOT_ALLOWED);
  assert_string_equal(m.allow, "GET");
  core_arena_destroy(m.arena);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_static_route),
    cmocka_unit_test(test_path_parameters),
    cmocka_unit_test(test_not_found),
    cmocka_unit_test(test_method_not_allowed_lists_allow),
  };
  return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
