/* api: the merchant API resources, one file each, and the route table.
 * Handlers validate input, call the store, and answer through http_*. */
#ifndef OBOL_API_H
#define OBOL_API_H

#include <stddef.h>

#include <jansson.h>

#include "../acquirer/acquirer.h"
#include "../http/http.h"
#include "../order/order.h"
#include "../page/page.h"
#include "../payment/payment.h"
#include "../store/store.h"

/* Every route Obol serves. */
extern const http_route_t api_routes[];
extern const size_t api_route_count;

/* ---- handlers ---- */
http_status_t api_health(http_request_t *req);
http_status_t api_ready(http_request_t *req);
http_status_t api_shop_get(http_request_t *req);
http_status_t api_shop_patch(http_request_t *req);
http_status_t api_shop_signing_secret(http_request_t *req);
http_status_t api_order_create(http_request_t *req);
http_status_t api_order_get(http_request_t *req);
http_status_t api_order_list(http_request_t *req);
http_status_t api_order_events(http_request_t *req);
http_status_t api_order_cancel(http_request_t *req);
http_status_t api_order_receive(http_request_t *req);
http_status_t api_checkout_get(http_request_t *req);
http_status_t api_order_pay(http_request_t *req);
http_status_t api_order_capture(http_request_t *req);
http_status_t api_order_void(http_request_t *req);
http_status_t api_order_refund(http_request_t *req);
http_status_t api_order_reverse(http_request_t *req);
http_status_t api_sandbox_dispute(http_request_t *req);
http_status_t api_sandbox_refund_reversal(http_request_t *req);
http_status_t api_session_token(http_request_t *req);
http_status_t api_session_create(http_request_t *req);
http_status_t api_session_get(http_request_t *req);
http_status_t api_session_capture(http_request_t *req);
http_status_t api_session_void(http_request_t *req);
http_status_t api_session_refund(http_request_t *req);
http_status_t api_payout_create(http_request_t *req);
http_status_t api_payout_list(http_request_t *req);
http_status_t api_payout_get(http_request_t *req);
http_status_t api_dispute_evidence(http_request_t *req);
http_status_t api_order_payment_result(http_request_t *req);
http_status_t api_order_receipt(http_request_t *req);
http_status_t api_order_transactions(http_request_t *req);
http_status_t api_transaction_get(http_request_t *req);
http_status_t api_transaction_put(http_request_t *req);
http_status_t api_hosted_page(http_request_t *req);
http_status_t api_hosted_submit(http_request_t *req);
http_status_t api_hosted_cancel(http_request_t *req);
http_status_t api_hosted_return(http_request_t *req);
http_status_t api_ecwid_payment(http_request_t *req);
http_status_t api_ecwid_return(http_request_t *req);
http_status_t api_sandbox_page(http_request_t *req);
http_status_t api_sandbox_submit(http_request_t *req);
http_status_t api_webhook_create(http_request_t *req);
http_status_t api_webhook_list(http_request_t *req);
http_status_t api_webhook_get(http_request_t *req);
http_status_t api_webhook_patch(http_request_t *req);
http_status_t api_webhook_delete(http_request_t *req);
http_status_t api_webhook_rotate(http_request_t *req);
/* The same for a seed provider's API: its payload shape and event names. */
http_status_t api_webhook_create_as(http_request_t *req, const char *dialect);
http_status_t api_webhook_patch_as(http_request_t *req, const char *dialect);
http_status_t api_webhook_list_as(http_request_t *req, const char *dialect);
/* Seed 002's API under /api/v0.6/ (gate.c). */
http_status_t api_ctp_checkout_create(http_request_t *req);
http_status_t api_ctp_capture(http_request_t *req);
http_status_t api_ctp_void(http_request_t *req);
http_status_t api_ctp_refund(http_request_t *req);
http_status_t api_gate_order_create(http_request_t *req);
http_status_t api_gate_order_get(http_request_t *req);
http_status_t api_gate_order_list(http_request_t *req);
http_status_t api_gate_capture(http_request_t *req);
http_status_t api_gate_refund(http_request_t *req);
http_status_t api_gate_cancel(http_request_t *req);
http_status_t api_gate_reverse(http_request_t *req);
http_status_t api_gate_do(http_request_t *req);
http_status_t api_gate_webhook_create(http_request_t *req);
http_status_t api_gate_webhook_list(http_request_t *req);
http_status_t api_gate_webhook_update(http_request_t *req);
http_status_t api_event_deliveries(http_request_t *req);
http_status_t api_event_list(http_request_t *req);
http_status_t api_event_get(http_request_t *req);
http_status_t api_event_redeliver(http_request_t *req);
http_status_t api_test_clock(http_request_t *req);

/* What handlers need from the configuration (http_app()). */
typedef struct {
  store_t *store;
  int test_clock; /* obol serve --test-clock: POST /v1/test/clock works */
} api_config_t;

/* Validates a new order's body (see order_input.c); fills order and the
 * details object, or fields with every problem (OBOL_ERR_INVALID). */
obol_rc api_order_input(json_t *body, const store_shop_t *shop, int live,
                        int64_t now, store_order_t *order, json_t **details,
                        json_t *fields);
json_t *api_event_json(const store_event_t *event);
/* Answers a new order (prepared, about to be written) as a dialect does. */
typedef obol_rc (*api_order_answer_fn)(http_request_t *req,
                                       const store_order_t *order);
/* Creates an order from a native body; extra (may be NULL) is merged into
 * its stored details (a dialect's own fields); answer NULL: the order,
 * 201, in the view asked for. */
http_status_t api_order_create_from(http_request_t *req, json_t *body,
                                    json_t *extra,
                                    api_order_answer_fn answer);
/* Reads ?cursor= ("<created_at ms>_<order id>" of the last row shown) into
 * query; answers 400 itself and returns -1 when it is not one. */
int api_order_cursor(http_request_t *req, store_order_query_t *query);
/* Looks, inside the write, for an order that makes the new one needless
 * (the same request again); when it finds one it answers with it and sets
 * *found: nothing is inserted. */
typedef obol_rc (*api_order_found_fn)(store_tx_t *tx, http_request_t *req,
                                      const store_order_t *order, int *found);
/* api_order_create_from, unless found() finds the order already made. */
http_status_t api_order_create_once(http_request_t *req, json_t *body,
                                    json_t *extra, api_order_answer_fn answer,
                                    api_order_found_fn found);
/* Answers a transaction of a seed 004 session in that provider's shape
 * (1); 0 when its order is not a session's (answer it natively). */
int api_session_transaction(http_request_t *req,
                            const store_transaction_t *transaction);
/* Cancels or receives the request's order ({id}) as the table allows;
 * answer NULL: the order in the view asked for. */
http_status_t api_order_act(http_request_t *req, const char *name,
                            order_status_t to, api_order_answer_fn answer);
/* A new order's id and checkout token. */
obol_rc api_order_identity(store_order_t *order);
/* Answers with the order as JSON text at the view. */
obol_rc api_order_respond(http_request_t *req, unsigned int status,
                          const store_order_t *order, order_view_t view,
                          int64_t now);
/* A new signing secret, "whsec_" + 64 hex characters, in the arena. */
const char *api_new_secret(http_request_t *req);
/* transaction: the latest payment attempt, or NULL. */
json_t *api_checkout_json(const store_order_t *order,
                          const store_shop_t *shop,
                          const store_transaction_t *transaction,
                          int64_t now);

/* ---- payments (payments.c), shared by the API and the hosted page ---- */
/* The struct of type that holds member at ptr (handlers keep the attempt
 * inside their own state and get it back in the hooks). */
#define API_CONTAINER(ptr, type, member)                                     \
  ((type *)(void *)((char *)(ptr) - offsetof(type, member)))
/* Runs an attempt or operation on the request's order: idempotency replay
 * and record around it, answer() in the final transaction, resume. */
http_status_t api_attempt_run(http_request_t *req, payment_attempt_t *attempt,
                              const char *order_id,
                              obol_rc (*answer)(store_tx_t *tx,
                                                payment_attempt_t *attempt));
/* {"order": standard view, "transaction": ...}. */
json_t *api_order_with_transaction(const store_order_t *order,
                                   const store_transaction_t *transaction);
/* Reads and checks a card typed by the customer into card; every problem
 * goes to errors as "<prefix><field>": message. Returns how many. */
int api_card_read(const char *number, const char *exp_month,
                  const char *exp_year, const char *cvc, const char *holder,
                  acquirer_card_t *card, json_t *errors, const char *prefix);
/* 1 if the shop offers the method (its payment_methods). */
int api_shop_offers(const store_shop_t *shop, acquirer_method_t method);

/* ---- customer pages (hosted.c) ---- */
/* Answers an HTML page with the security headers every page carries. */
void api_page_respond(http_request_t *req, unsigned int status,
                      core_buf_t *page);
/* The order of a checkout token (any shop) and its shop; -1 when the
 * answer was given (a 404 page, or an error). */
int api_page_order(http_request_t *req, const char *token,
                   store_order_t *order, store_shop_t *shop);
/* A page with one message (not found, forbidden ...). */
void api_page_message(http_request_t *req, unsigned int status,
                      page_language_t language, page_text_t text);

/* ---- shops and keys, shared by the API and the CLI ---- */
typedef struct {
  char shop_id[STORE_ID_MAX];
  char key_id[STORE_ID_MAX];
  char secret_key[HTTP_SECRET_KEY_MAX];
} api_credentials_t;

/* Creates a shop with a first secret key (shown once, stored hashed). */
obol_rc api_shop_create(store_t *store, const char *name, int live,
                        api_credentials_t *out);
/* Adds a secret key to an existing shop; OBOL_ERR_NOT_FOUND if none. */
obol_rc api_key_create(store_t *store, const char *shop_id, int live,
                       api_credentials_t *out);
obol_rc api_key_revoke(store_t *store, const char *key_id);
json_t *api_shop_json(const store_shop_t *shop);
/* Makes sure the shop has the RSA key that signs seed 003's notifications
 * (made on first need); shop gets it. */
obol_rc api_shop_notification_key(http_request_t *req, store_shop_t *shop);

/* ---- validation: one place for each rule; messages for the fields map ---- */
/* NULL if valid, else a message saying what is expected. */
const char *api_check_url(const char *url);
const char *api_check_host(const char *host);
const char *api_check_email(const char *email);
const char *api_check_phone(const char *phone);
const char *api_check_country(const char *country);
const char *api_check_language(const char *language);
const char *api_check_currency(const char *currency);
/* 1 if the host of the absolute URL is on the shop's allowed redirect
 * hosts (or the shop allows any host: an empty list). */
int api_host_allowed(const store_shop_t *shop, const char *url);
const char *api_check_ip(const char *text);
/* Adds "unknown field" to fields for every member of object not in allowed
 * (a NULL-terminated list); returns how many it found. */
int api_check_unknown_fields(json_t *object, const char *const *allowed,
                             json_t *fields);
/* An amount in major units, a JSON number or (for exactness) a decimal
 * string, into minor units: the one way amounts arrive in JSON. */
obol_rc api_money_json(json_t *value, int exponent, int64_t *minor,
                       const char **problem);
/* Characters (not bytes) in a JSON string: limits count characters. */
size_t api_text_length(const json_t *string);
/* value as compact JSON text in the arena; NULL if out of memory. */
const char *api_json_text(core_arena_t *arena, const json_t *value);
/* RFC 3339 UTC timestamp string for ms since the epoch. */
json_t *api_time_json(int64_t ms);

#endif
