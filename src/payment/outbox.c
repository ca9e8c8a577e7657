/* Callbacks (seed 004) and notifications (seed 003) of an attempt's
 * outcome: deliveries queued with the event, in its transaction (the
 * outbox), so they are never lost; the notify worker sends them. */
#include <string.h>

#include "payment.h"

/* Does the callback URL ask for failures too (seed 004 report_error)? */
static int payment_reports_errors(const char *url)
{
  const char *found = url;
  while((found = strstr(found, "report_error=true")) != NULL) {
    if(found > url && (found[-1] == '?' || found[-1] == '&') &&
       (found[17] == '\0' || found[17] == '&' || found[17] == '#'))
      return 1;
    found++;
  }
  return 0;
}

static obol_rc payment_queue(store_tx_t *tx, const store_event_t *event,
                             const char *kind, const char *url)
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
  delivery.created_at = event->created_at;
  return store_tx_delivery_insert(tx, &delivery);
}

/* GET <callback_url>?transaction_id=&session_id=&merchant_reference=&time=
 * [&error=], the URL's own parameters kept; a #fragment is dropped (it
 * never reaches a server, and the signature covers what does). */
static obol_rc payment_callback_url(const store_order_t *order,
                                    const store_transaction_t *transaction,
                                    const store_event_t *event, int failed,
                                    core_buf_t *url)
{
  const char *base = order->urls[STORE_URL_CALLBACK];
  const char *fragment = strchr(base, '#');
  const char *code = transaction->text[STORE_TXN_CODE];
  char when[32];
  obol_rc rc;

  core_time_format(event->created_at, when, sizeof(when));
  rc = core_buf_append(url, base, fragment ? (size_t)(fragment - base)
                                            : strlen(base));
  if(!rc)
    rc = core_url_append(url, "transaction_id", transaction->id);
  if(!rc)
    rc = core_url_append(url, "session_id", order->id);
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
  if(!rc)
    rc = core_buf_append(url, "", 1);
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
  const char *callback = order->urls[STORE_URL_CALLBACK];
  const char *notification = order->urls[STORE_URL_NOTIFICATION];
  obol_rc rc = OBOL_OK;

  int attempt = !strcmp(transaction->type, "payment") ||
                !strcmp(transaction->type, "authorization");

  if(!succeeded && !pending && !failed)
    return OBOL_OK; /* awaiting the customer: nothing to tell yet */
  /* seed 004 calls back about the payment itself; seed 003 notifies
   * about every transaction (refunds, captures ... too) */
  if(attempt && callback && (!failed || payment_reports_errors(callback))) {
    core_buf_t url;
    core_buf_init(&url, 8192);
    rc = payment_callback_url(order, transaction, event, failed, &url);
    if(!rc)
      rc = payment_queue(tx, event, "callback",
                         core_arena_strdup(arena, url.data));
    core_buf_free(&url);
  }
  if(!rc && notification)
    rc = payment_queue(tx, event, "notification", notification);
  return rc;
}
