/* The order lifecycle: the transition table, deadlines, and the payment
 * attempts rule, the last on a real SQLite store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/order/order.h"

static void test_names_round_trip(void **state)
{
  int i;
  (void)state;
  for(i = 0; i < ORDER_STATUS_COUNT; i++)
    assert_int_equal(order_status_parse(order_status_name(i)), i);
  assert_int_equal(order_status_parse("paid!"), -1);
  assert_int_equal(order_status_parse(NULL), -1);
}

static void test_transition_table(void **state)
{
  const char *event = NULL;
  (void)state;
  assert_int_equal(order_transition(ORDER_ISSUED, ORDER_VIEWED, &event),
                   OBOL_OK);
  assert_string_equal(event, "order.viewed");
  assert_int_equal(order_transition(ORDER_IN_PROGRESS, ORDER_PAID, &event),
                   OBOL_OK);
  assert_string_equal(event, "order.payment_success");
  assert_int_equal(order_transition(ORDER_HOLD, ORDER_PAID, &event), OBOL_OK);
  assert_string_equal(event, "order.captured");
  assert_int_equal(order_transition(ORDER_FAILED, ORDER_IN_PROGRESS, &event),
                   OBOL_OK);
  /* final statuses stay final */
  assert_int_equal(order_transition(ORDER_CANCELLED, ORDER_IN_PROGRESS, NULL),
                   OBOL_ERR_CONFLICT);
  assert_int_equal(order_transition(ORDER_EXPIRED, ORDER_PAID, NULL),
                   OBOL_ERR_CONFLICT);
  assert_int_equal(order_transition(ORDER_REJECTED, ORDER_CANCELLED, NULL),
                   OBOL_ERR_CONFLICT);
  /* no shortcuts */
  assert_int_equal(order_transition(ORDER_ISSUED, ORDER_REFUNDED, NULL),
                   OBOL_ERR_CONFLICT);
  assert_int_equal(order_transition(ORDER_PAID, ORDER_CANCELLED, NULL),
                   OBOL_ERR_CONFLICT);
  assert_int_equal(order_transition(ORDER_VIEWED, ORDER_VIEWED, NULL),
                   OBOL_ERR_CONFLICT);
  /* overdue orders can still be paid */
  assert_int_equal(order_transition(ORDER_OVERDUE, ORDER_PAID, NULL), OBOL_OK);
}

static void test_deadlines(void **state)
{
  store_order_t order;
  (void)state;
  memset(&order, 0, sizeof(order));
  strcpy(order.status, "issued");
  order.due_at = 1000;
  order.expires_at = 2000;
  assert_int_equal(order_effective(&order, 999), ORDER_ISSUED);
  assert_int_equal(order_effective(&order, 1000), ORDER_OVERDUE);
  assert_int_equal(order_effective(&order, 2000), ORDER_EXPIRED);
  assert_int_equal(order_next_deadline(&order), 1000);
  strcpy(order.status, "overdue");
  assert_int_equal(order_next_deadline(&order), 2000);
  strcpy(order.status, "paid");
  assert_int_equal(order_effective(&order, 5000), ORDER_PAID);
  assert_int_equal(order_next_deadline(&order), 0);
}

typedef struct {
  store_order_t order;
  core_arena_t *arena;
  int attempts;
} attempts_t;

static obol_rc insert_apply(store_tx_t *tx, void *arg)
{
  attempts_t *a = arg;
  store_event_t event;
  obol_rc rc = order_prepare(a->arena, &a->order, 1000, &event);
  if(!rc)
    rc = order_insert(tx, a->arena, &a->order, &event);
  return rc;
}

static obol_rc fail_apply(store_tx_t *tx, void *arg)
{
  attempts_t *a = arg;
  return order_record_failed_attempt(tx, a->arena, &a->order, 2000, NULL,
                                     NULL);
}

static obol_rc test_shop_apply(store_tx_t *tx, void *arg)
{
  store_shop_t shop;
  (void)arg;
  memset(&shop, 0, sizeof(shop));
  strcpy(shop.id, "shop_1");
  shop.name = "one";
  return store_tx_shop_insert(tx, &shop);
}

static void test_max_attempts_cancels(void **state)
{
  char path[128], side[160];
  store_t *store = NULL;
  attempts_t a;
  store_event_t *events = NULL;
  size_t count = 0;
  (void)state;

  snprintf(path, sizeof(path), "/tmp/obol-order-%d.db", getpid());
  unlink(path);
  assert_int_equal(store_open(path, &store), OBOL_OK);
  assert_int_equal(store_migrate(store, NULL), OBOL_OK);
  memset(&a, 0, sizeof(a));
  a.arena = core_arena_create(4096);
  assert_int_equal(store_write(store, test_shop_apply, NULL), OBOL_OK);
  strcpy(a.order.id, "ord_1");
  strcpy(a.order.shop_id, "shop_1");
  strcpy(a.order.token, "t1");
  strcpy(a.order.currency, "EUR");
  strcpy(a.order.language, "en");
  a.order.amount = a.order.initial_amount = 100;
  a.order.max_payment_attempts = 2;
  a.order.details = "{}";
  assert_int_equal(store_write(store, insert_apply, &a), OBOL_OK);
  assert_int_equal(store_write(store, fail_apply, &a), OBOL_OK);
  assert_string_equal(a.order.status, "failed");
  assert_int_equal(a.order.failed_attempts, 1);
  assert_int_equal(store_write(store, fail_apply, &a), OBOL_OK);
  assert_string_equal(a.order.status, "cancelled");
  /* cancelled is final: a third failure cannot even be recorded */
  assert_int_equal(store_write(store, fail_apply, &a), OBOL_ERR_CONFLICT);
  assert_int_equal(store_order_get(store, a.arena, "shop_1", "ord_1",
                                   &a.order), OBOL_OK);
  assert_string_equal(a.order.status, "cancelled");
  assert_int_equal(a.order.failed_attempts, 2);
  {
    store_event_query_t query = {.shop_id = "shop_1", .order_id = "ord_1"};
    assert_int_equal(store_event_list(store, a.arena, &query, &events,
                                      &count), OBOL_OK);
  }
  assert_int_equal(count, 4); /* issued, failed, failed, cancelled */
  assert_string_equal(events[0].type, "order.issued");
  assert_string_equal(events[1].type, "order.payment_failure");
  assert_string_equal(events[3].type, "order.cancelled");
  assert_int_equal(events[3].sequence, 4);
  /* the other shop sees nothing */
  assert_int_equal(store_order_get(store, a.arena, "shop_2", "ord_1",
                                   &a.order), OBOL_ERR_NOT_FOUND);
  core_arena_destroy(a.arena);
  store_close(store);
  unlink(path);
  snprintf(side, sizeof(side), "%s-wal", path);
  unlink(side);
  snprintf(side, sizeof(side), "%s-shm", path);
  unlink(side);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_names_round_trip),
    cmocka_unit_test(test_transition_table),
    cmocka_unit_test(test_deadlines),
    cmocka_unit_test(test_max_attempts_cancels),
  };
  return cmocka_run_group_tests_name("order", tests, NULL, NULL);
}
