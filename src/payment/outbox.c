/* Callbacks (seed 004) and notifications (seed 003) of an attempt's
 * outcome: deliveries queued with the event, in its transaction (the
 * outbox), so they are never lost; the notify worker sends them. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "payment.h"

#define CALLBACK_DELAY_MAX_S 3600

/* The options seed 004 reads from the callback URL's own query. */
typedef struct {
  int posts;              /* method=POST: the transaction as the body */
  int report_error;       /* report_error=true: failures too */
  int delay_s;            /* delay_callback=<seconds> */
  const char *sid_name;   /* sid_parameter_name=<name>, else session_id */
  char report_event[64];  /* report_event=CAPTURE,REFUND,VOID ... */
} callback_options_t;

/* The value of name in the URL's query (before any #), into out; NULL if
 * absent. Values are the URL's own: read as they are. */
static const char *callback_option(const char *url, const char *name,
                                   char *out, size_t size)
{
  const char *query = strchr(url, '?');
  size_t length = strlen(name);

  while(query && *query && *query != '#') {
    const char *pair = query + 1;
    size_t pair_len = strcspn(pair, "&#");
    if(pair_len > length && !strncmp(pair, name, length) &&
       pair[length] == '=') {
      snprintf(out, size, "%.*s", (int)(pair_len - length - 1),
               pair + length + 1);
      return out;
    }
    query = pair + pair_len;
    if(*query != '&')
      break;
  }
  return NULL;
}

static void callback_options(const char *url, core_arena_t *arena,
                             callback_options_t *options)
{
  char value[64];

  memset(options, 0, sizeof(*options));
  options->posts = callback_option(url, "method", value, sizeof(value)) &&
                   !strcmp(value, "POST");
  options->report_error =
      callback_option(url, "report_error", value, sizeof(value)) &&
      !strcmp(value, "true");
  if(callback_option(url, "delay_callback", value, sizeof(value))) {
    options->delay_s = atoi(value);
    if(options->delay_s < 0 || options->delay_s > CALLBACK_DELAY_MAX_S)
      options->delay_s = 0;
  }
  options->sid_name = "session_id";
  if(callback_option(url, "sid_parameter_name", value, sizeof(value)) &&
     value[0])
    options->sid_name = core_arena_strdup(arena, value);
  callback_option(url, "report_event", options->report_event,
                  sizeof(options->report_event));
}

/* Does report_event ask for this event (CAPTURE, REFUND, VOID)? */
static int callback_reports(const callback_options_t *options,
                            const char *event)
{
  const char *found = options->report_event;
  size_t length = strlen(event);

  while((found = strcasestr(found, event)) != NULL) {
    if((found == options->report_event || found[-1] == ',') &&
       (found[length] == '\0' || found[length] == ','))
      return 1;
    found += length;
  }
  return 0;
}

static obol_rc payment_queue(store_tx_t *tx, const store_event_t *event,
                             const char *kind, const char *url, int delay_s,
                             const char *payload)
{
  store_delivery_t delivery;
  obol_rc rc;

  memset(&delivery, 0, sizeof(delivery));
  rc = core_id_new("dlv", delivery.id, sizeof(delivery.id));
  if(rc)
    return rc;
  memcpy(delivery.shop_id, event->shop_id, sizeof(delivery.shop_id));
  memcpy(delivery.event_id, event->id, sizeof(delivery.event_id));
  snprintf(delivery.kind, sizeof(delivery.kind), "%s", kind);
  delivery.url = url;
  delivery.payload = payload;
  /* due at the event, or delay_callback seconds after it */
  delivery.created_at = event->created_at + (int64_t)delay_s * 1000;
  return store_tx_delivery_insert(tx, &delivery);
}

/* GET <callback_url>?transaction_id=&session_id=&merchant_reference=&time=
 * [&error=][&event=&event_id=], the URL's own parameters kept; a #fragment
 * is dropped (it never reaches a server, and the signature covers what
 * does). payment is the payment the callback is about; operation the
 * capture, refund or void reported (report_event), or NULL. */
static obol_rc payment_callback_url(const store_order_t *order,
                                    const store_transaction_t *payment,
                                    const store_transaction_t *operation,
                                    const char *event_name,
                                    const store_event_t *event,
                                    const callback_options_t *options,
                                    int failed, core_buf_t *url)
{
  const char *base = order->urls[STORE_URL_CALLBACK];
  const char *fragment = strchr(base, '#');
  const char *code = payment->text[STORE_TXN_CODE];
  char when[32];
  obol_rc rc;

  core_time_format(event->created_at, when, sizeof(when));
  rc = core_buf_append(url, base, fragment ? (size_t)(fragment - base)
                                            : strlen(base));
  if(!rc)
    rc = core_url_append(url, "transaction_id", payment->id);
  if(!rc)
    rc = core_url_append(url, options->sid_name, order->id);
  if(!rc)
    rc = core_url_append(url, "merchant_reference",
                         order->merchant_reference ? order->merchant_reference
                                                   : "");
  if(!rc)
    rc = core_url_append(url, "time", when);
  if(!rc && failed)
    rc = core_url_append(url, "error",
                         code && !strcmp(code, "authentication_failed")
                             ? "authorization" : "failed");
  if(!rc && operation)
    rc = core_url_append(url, "event", event_name);
  if(!rc && operation)
    rc = core_url_append(url, "event_id", operation->id);
  if(!rc)
    rc = core_buf_append(url, "", 1);
  return rc;
}

/* The body of a method=POST callback, as the delivery's payload
 * {"body": ...}: the transaction the callback is about, in seed 004's shape
 * for a session's order (the order's totals as this event leaves them),
 * else Obol's. */
static obol_rc callback_body(store_tx_t *tx, core_arena_t *arena,
                             const store_order_t *order, json_t *details,
                             const store_transaction_t *payment,
                             const char **payload)
{
  store_transaction_t *rows = NULL;
  size_t count = 0, i;
  json_t *body = NULL, *wrapped;
  char *text;
  obol_rc rc = OBOL_OK;

  if(json_object_get(details, "session")) {
    rc = store_tx_transaction_list(tx, arena, order->shop_id, order->id,
                                   &rows, &count);
    for(i = 0; !rc && !body && i < count; i++)
      if(!strcmp(rows[i].id, payment->id))
        body = payment_session_transaction_json(order, details, rows, count,
                                                &rows[i]);
  }
  if(!rc && !body)
    body = payment_transaction_json(payment);
  wrapped = body ? json_pack("{s:o}", "body", body) : NULL;
  text = wrapped ? json_dumps(wrapped, JSON_COMPACT) : NULL;
  if(!rc)
    rc = text ? OBOL_OK : OBOL_ERR_NOMEM;
  if(!rc)
    *payload = core_arena_strdup(arena, text);
  free(text);
  json_decref(wrapped);
  return rc;
}

/* The seed 004 event an operation is reported as, or NULL. */
static const char *callback_event_name(const store_transaction_t *operation)
{
  if(!strcmp(operation->type, "capture") ||
     !strcmp(operation->type, "partial_capture"))
    return "CAPTURE";
  if(!strcmp(operation->type, "refund"))
    return "REFUND";
  if(!strcmp(operation->type, "void") || !strcmp(operation->type, "reversal"))
    return "VOID";
  return NULL;
}

static obol_rc payment_callback(store_tx_t *tx, core_arena_t *arena,
                                const store_order_t *order, json_t *details,
                                const store_transaction_t *transaction,
                                const store_event_t *event, int failed)
{
  const char *base = order->urls[STORE_URL_CALLBACK];
  int attempt = !strcmp(transaction->type, "payment") ||
                !strcmp(transaction->type, "authorization");
  const char *event_name = attempt ? NULL
                                   : callback_event_name(transaction);
  store_transaction_t parent;
  callback_options_t options;
  const char *payload = NULL;
  core_buf_t url;
  obol_rc rc;

  callback_options(base, arena, &options);
  /* seed 004 calls back about the payment; about its captures, refunds
   * and voids only when report_event asks */
  if(attempt ? failed && !options.report_error
             : !event_name || failed ||
                   !callback_reports(&options, event_name))
    return OBOL_OK;
  if(!attempt) {
    rc = store_tx_transaction_get(tx, arena, order->shop_id,
                                  transaction->parent_id, &parent);
    if(rc)
      return rc;
  }
  core_buf_init(&url, 8192);
  rc = payment_callback_url(order, attempt ? transaction : &parent,
                            attempt ? NULL : transaction, event_name, event,
                            &options, failed, &url);
  if(!rc && options.posts)
    rc = callback_body(tx, arena, order, details,
                       attempt ? transaction : &parent, &payload);
  if(!rc)
    rc = payment_queue(tx, event, "callback",
                       core_arena_strdup(arena, url.data), options.delay_s,
                       payload);
  core_buf_free(&url);
  return rc;
}

int payment_ctp_order(const store_order_t *order)
{
  json_t *ctp = order_detail(order, "ctp");
  int found = json_is_object(ctp);
  json_decref(ctp);
  return found;
}

/* Seed 000: the store's order is updated (PUT .../orders/{reference},
 * PAID, INCOMPLETE, or AWAITING_PAYMENT while the payment is pending)
 * before the customer goes back to it; a delivery like any, retried until
 * the store accepts it. */
static obol_rc payment_ecwid(store_tx_t *tx, core_arena_t *arena,
                             const store_event_t *event, json_t *ecwid,
                             const char *payment_status)
{
  const char *base = json_string_value(json_object_get(ecwid,
                                                       "api_base_url"));
  json_t *request;
  core_buf_t url;
  char *payload;
  obol_rc rc;

  if(!base)
    return OBOL_OK; /* the app was set up without a store API */
  core_buf_init(&url, 8192);
  rc = core_buf_append(&url, base, strlen(base) -
                                       (base[0] && base[strlen(base) - 1] ==
                                                       '/'));
  if(!rc)
    rc = core_buf_append_str(&url, "/api/v3/");
  if(!rc)
    rc = core_url_encode(&url, json_string_value(json_object_get(ecwid,
                                                                 "storeId")));
  if(!rc)
    rc = core_buf_append_str(&url, "/orders/");
  if(!rc)
    rc = core_url_encode(&url, json_string_value(json_object_get(
                                   ecwid, "referenceTransactionId")));
  if(!rc)
    rc = core_buf_append(&url, "", 1);
  request = json_pack("{s:s+, s:{s:s}}", "authorization", "Bearer ",
                      json_string_value(json_object_get(ecwid, "token")),
                      "body", "paymentStatus", payment_status);
  payload = request ? json_dumps(request, JSON_COMPACT) : NULL;
  /* an update still retried must not land after this one */
  if(!rc)
    rc = store_tx_delivery_supersede(tx, event->shop_id, event->order_id,
                                     "ecwid", event->created_at);
  if(!rc)
    rc = payload ? payment_queue(tx, event, "ecwid",
                                 core_arena_strdup(arena, url.data), 0,
                                 core_arena_strdup(arena, payload))
                 : OBOL_ERR_NOMEM;
  free(payload);
  json_decref(request);
  core_buf_free(&url);
  return rc;
}

obol_rc payment_outbox(store_tx_t *tx, core_arena_t *arena,
                       const store_order_t *order,
                       const store_transaction_t *transaction,
                       const store_event_t *event)
{
  int succeeded = !strcmp(transaction->status, "successful");
  int pending = !strcmp(transaction->status, "pending");
  int failed = payment_finished(transaction) && !succeeded;
  int attempt = !strcmp(transaction->type, "payment") ||
                !strcmp(transaction->type, "authorization");
  json_t *details, *ecwid;
  obol_rc rc = OBOL_OK;

  if(!succeeded && !pending && !failed)
    return OBOL_OK; /* awaiting the customer: nothing to tell yet */
  /* read once: which flow made the order decides what is queued */
  details = json_loads(order->details, 0, NULL);
  ecwid = attempt ? json_object_get(details, "ecwid") : NULL;
  if(ecwid)
    rc = payment_ecwid(tx, arena, event, ecwid,
                       succeeded ? "PAID"
                       : pending ? "AWAITING_PAYMENT" : "INCOMPLETE");
  if(!rc && order->urls[STORE_URL_CALLBACK])
    rc = payment_callback(tx, arena, order, details, transaction, event,
                          failed);
  /* seed 003 notifies about every transaction (refunds, captures ...);
   * a checkout made through its API gets its shape and RSA signature */
  if(!rc && order->urls[STORE_URL_NOTIFICATION])
    rc = payment_queue(tx, event,
                       json_is_object(json_object_get(details, "ctp"))
                           ? "ctp_notification" : "notification",
                       order->urls[STORE_URL_NOTIFICATION], 0, NULL);
  json_decref(details);
  return rc;
}
