/* Seed 000: a shop as an Ecwid store's payment app. The store sends the
 * customer's browser with a form POST of one field, `data`: the payment
 * request, AES-128 encrypted with the first 16 characters of the app's
 * client secret (CBC or GCM, the IV first), URL-safe base64. Obol makes an
 * order of it and shows its hosted page. When the attempt ends, Obol first
 * updates the store's order (PUT .../orders/{id}, PAID or INCOMPLETE, an
 * outbox delivery retried like any), and only once the store accepted it
 * sends the customer back to returnUrl; a waiting page moves on by itself
 * meanwhile. */
#include <string.h>

#include <openssl/crypto.h>

#include "api.h"

#define ECWID_DATA_MAX (256 * 1024)
#define ECWID_PAGE_MAX (64 * 1024)

/* The request's plaintext: CBC first, then GCM; NULL if neither opens it
 * (or it is not a JSON object). The plaintext holds the store's token: it
 * is wiped before it is freed. */
static json_t *ecwid_open(const char *data, const char *secret)
{
  static const core_aes_mode_t modes[] = {CORE_AES_CBC, CORE_AES_GCM};
  size_t len = strlen(data), plain_len = 0, i;
  unsigned char *raw = malloc(len + 3);
  unsigned char *plain = malloc(len + 3);
  int raw_len = raw ? core_base64url_decode(data, len, raw) : -1;
  json_t *request = NULL;

  for(i = 0; !request && raw_len > 0 && plain && i < 2; i++) {
    if(core_aes128_decrypt((const unsigned char *)secret, modes[i], raw,
                           (size_t)raw_len, plain, &plain_len))
      continue;
    request = json_loadb((const char *)plain, plain_len, 0, NULL);
    if(request && !json_is_object(request)) {
      json_decref(request);
      request = NULL;
    }
  }
  if(plain)
    OPENSSL_cleanse(plain, len + 3);
  free(raw);
  free(plain);
  return request;
}

/* A member as text: strings as they are, numbers printed (order ids). */
static json_t *ecwid_text(json_t *value)
{
  char text[32];
  if(json_is_string(value))
    return json_incref(value);
  if(json_is_integer(value)) {
    snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(value));
    return json_string(text);
  }
  return NULL;
}

/* Is value (a string or an integer) 1 to max characters from allowed, and
 * not "." or ".." (it becomes a path segment of the store's URL)? */
static int ecwid_token_ok(json_t *value, size_t max, const char *allowed)
{
  json_t *text = ecwid_text(value);
  const char *chars = json_string_value(text);
  size_t len = chars ? strlen(chars) : 0;
  int ok = len > 0 && len <= max && strspn(chars, allowed) == len &&
           strcmp(chars, ".") && strcmp(chars, "..");
  json_decref(text);
  return ok;
}

#define ECWID_DIGITS "0123456789"
#define ECWID_PRINTABLE                                                   \
  "!\"#$%&'()*+,-./" ECWID_DIGITS ":;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"      \
  "[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"

/* Are the fields Obol relies on there and sound? They end up in the
 * store's URL, its Authorization header and the customer's redirect. */
static int ecwid_request_ok(json_t *request)
{
  json_t *order = json_object_get(json_object_get(request, "cart"), "order");
  const char *return_url = json_string_value(json_object_get(request,
                                                             "returnUrl"));

  return ecwid_token_ok(json_object_get(request, "storeId"), 20,
                        ECWID_DIGITS) &&
         json_is_string(json_object_get(request, "token")) &&
         ecwid_token_ok(json_object_get(request, "token"), 400,
                        ECWID_PRINTABLE) &&
         ecwid_token_ok(json_object_get(order, "referenceTransactionId"), 256,
                        ECWID_PRINTABLE) &&
         return_url && !api_check_url(return_url);
}

/* The native order of the request; NULL when it lacks what is needed. */
static json_t *ecwid_native(json_t *request)
{
  json_t *cart = json_object_get(request, "cart");
  json_t *order = json_object_get(cart, "order");
  const char *currency = json_string_value(json_object_get(cart, "currency"));
  const core_currency_t *found = currency ? core_currency_find(currency)
                                          : NULL;
  const char *lang = json_string_value(json_object_get(request, "lang"));
  const char *email = json_string_value(json_object_get(order, "email"));
  json_t *reference = ecwid_text(json_object_get(order, "id"));
  const char *problem;
  int64_t amount = -1;
  json_t *native;

  if(!reference)
    reference = ecwid_text(json_object_get(order, "referenceTransactionId"));
  if(!found || !ecwid_request_ok(request) ||
     api_money_json(json_object_get(order, "total"), found->exponent, &amount,
                    &problem) ||
     amount <= 0 || amount > order_config()->max_amount ||
     json_string_length(reference) > 255) {
    json_decref(reference);
    return NULL;
  }
  native = json_pack("{s:I, s:s, s:s, s:i, s:b, s:o}", "amount",
                     (json_int_t)amount, "currency", currency, "language",
                     page_language_code(page_language(lang)),
                     "max_payment_attempts", 1, "test", 1,
                     "merchant_reference", reference);
  /* an address the order would refuse is left out, not a failed payment */
  if(native && email && !api_check_email(email))
    json_object_set_new(native, "client", json_pack("{s:s}", "email", email));
  return native;
}

/* An order that ended without payment: its store order is still
 * INCOMPLETE, to be paid anew. */
static int ecwid_ended(const store_order_t *order)
{
  int status = order_status_parse(order->status);
  return status == ORDER_CANCELLED || status == ORDER_REJECTED ||
         status == ORDER_EXPIRED;
}

/* Where the customer of a new or found order goes: its hosted page while
 * it can be paid, else the way back to the store. */
static obol_rc ecwid_created(http_request_t *req, const store_order_t *order)
{
  int status = order_status_parse(order->status);
  char url[128];

  snprintf(url, sizeof(url),
           status == ORDER_ISSUED || status == ORDER_VIEWED ||
                   status == ORDER_FAILED
               ? "/pay/%s" : "/ecwid/return/%s",
           order->token);
  http_respond_redirect(req, 303, url);
  return OBOL_OK;
}

/* The earlier order keeps the newest request's token, returnUrl and lang:
 * the store's returnUrl is temporary, its latest is the one to go back to. */
static obol_rc ecwid_refresh(store_tx_t *tx, http_request_t *req,
                             store_order_t *earlier,
                             const store_order_t *order)
{
  json_t *details = json_loads(earlier->details, 0, NULL);
  json_t *newest = order_detail(order, "ecwid");
  json_t *kept = json_object_get(details, "ecwid");
  static const char *const fresh[] = {"token", "returnUrl", "lang"};
  int changed = 0;
  size_t i;
  obol_rc rc = OBOL_OK;

  for(i = 0; kept && i < sizeof(fresh) / sizeof(fresh[0]); i++)
    if(!json_equal(json_object_get(kept, fresh[i]),
                   json_object_get(newest, fresh[i]))) {
      json_object_set(kept, fresh[i], json_object_get(newest, fresh[i]));
      changed = 1;
    }
  if(changed) {
    earlier->details = api_json_text(req->arena, details);
    rc = earlier->details ? store_tx_order_update(tx, earlier)
                          : OBOL_ERR_NOMEM;
  }
  json_decref(newest);
  json_decref(details);
  return rc;
}

/* The store order's earlier order: the customer goes there when it is for
 * the same total (or is already paid or under way); when the cart changed
 * meanwhile, it is cancelled while it can still be paid (its old total
 * must not be paid for the new cart), and the new request gets an order
 * of its own. */
static obol_rc ecwid_same_cart(store_tx_t *tx, http_request_t *req,
                               const store_order_t *order,
                               const store_order_t *earlier, int *found)
{
  store_order_t locked;
  obol_rc rc = store_tx_order_get(tx, req->arena, earlier->shop_id,
                                  earlier->id, &locked);
  int status = rc ? -1 : order_status_parse(locked.status);

  if(rc)
    return rc;
  /* the locked row decides: an attempt may have started since the list */
  if((locked.amount == order->amount &&
      !strcmp(locked.currency, order->currency)) ||
     (status != ORDER_ISSUED && status != ORDER_VIEWED &&
      status != ORDER_FAILED)) {
    *found = 1;
    rc = ecwid_refresh(tx, req, &locked, order);
    return rc ? rc : ecwid_created(req, &locked);
  }
  return order_change_status(tx, req->arena, &locked, ORDER_CANCELLED,
                             order->created_at);
}

/* Inside the order's write: the order already made for this store order
 * (storeId, referenceTransactionId) and not ended, when the request comes
 * again (a reload, the back button, a double click): the customer goes
 * there, so that one store order is never paid twice. The shop's row is
 * locked first: one such write at a time per shop, on every node. */
static obol_rc ecwid_found(store_tx_t *tx, http_request_t *req,
                           const store_order_t *order, int *found)
{
  store_order_query_t query = {.shop_id = order->shop_id,
                               .merchant_reference =
                                   order->merchant_reference,
                               .limit = 100};
  json_t *wanted = order_detail(order, "ecwid");
  store_order_t *rows = NULL;
  store_shop_t shop;
  size_t count = 0, i;
  obol_rc rc = store_tx_shop_get(tx, req->arena, order->shop_id, &shop);

  if(!rc)
    rc = store_tx_order_list(tx, req->arena, &query, &rows, &count);
  for(i = 0; !rc && !*found && i < count; i++) {
    json_t *ecwid = order_detail(&rows[i], "ecwid");
    int same = ecwid && !ecwid_ended(&rows[i]) &&
               json_equal(json_object_get(ecwid, "storeId"),
                          json_object_get(wanted, "storeId")) &&
               json_equal(json_object_get(ecwid, "referenceTransactionId"),
                          json_object_get(wanted, "referenceTransactionId"));
    json_decref(ecwid);
    if(same)
      rc = ecwid_same_cart(tx, req, order, &rows[i], found);
  }
  json_decref(wanted);
  return rc;
}

/* What the order keeps of the request, as details.ecwid: where and how
 * to update the store's order, where to send the customer back. Never
 * shown by the API. NULL if incomplete. */
static json_t *ecwid_kept(json_t *request, json_t *settings)
{
  json_t *order = json_object_get(json_object_get(request, "cart"), "order");

  return json_pack(
      "{s:{s:o, s:O, s:O, s:o, s:O?, s:O}}", "ecwid", "storeId",
      ecwid_text(json_object_get(request, "storeId")), "token",
      json_object_get(request, "token"), "returnUrl",
      json_object_get(request, "returnUrl"), "referenceTransactionId",
      ecwid_text(json_object_get(order, "referenceTransactionId")), "lang",
      json_object_get(request, "lang"), "api_base_url",
      json_object_get(settings, "api_base_url"));
}

/* POST /ecwid/{shop}/payment, data=<the store's payment request> */
http_status_t api_ecwid_payment(http_request_t *req)
{
  const char *data = json_string_value(json_object_get(req->json, "data"));
  json_t *settings = NULL, *request = NULL, *native = NULL, *extra = NULL;
  const char *secret;
  store_shop_t shop;
  http_status_t status = HTTP_DONE;

  if(store_shop_get(http_store(req), req->arena, http_param(req, "shop"),
                    &shop) || !shop.ecwid) {
    api_page_message(req, 404, PAGE_EN, PAGE_TEXT_NOT_FOUND);
    goto done;
  }
  settings = json_loads(shop.ecwid, 0, NULL);
  secret = json_string_value(json_object_get(settings, "client_secret"));
  if(data && secret && strlen(secret) >= 16 && strlen(data) < ECWID_DATA_MAX)
    request = ecwid_open(data, secret);
  if(request)
    native = ecwid_native(request);
  if(native)
    extra = ecwid_kept(request, settings);
  if(!extra) {
    /* nothing is created from what cannot be read */
    api_page_message(req, 400, PAGE_EN, PAGE_TEXT_INVALID_INPUT);
    goto done;
  }
  /* the store's customer pays the shop: the request is the shop's */
  snprintf(req->shop_id, sizeof(req->shop_id), "%s", shop.id);
  req->live = 0;
  status = api_order_create_once(req, native, extra, ecwid_created,
                                 ecwid_found);
done:
  json_decref(extra);
  json_decref(native);
  json_decref(request);
  json_decref(settings);
  return status;
}

/* ---- GET /ecwid/return/{token}: back to the store, once it knows ---- */

/* The state of the store's update: the delivery of kind ecwid of the
 * order's latest event that has one; NULL while there is none. */
static const store_delivery_t *ecwid_update(http_request_t *req,
                                            const store_order_t *order)
{
  store_event_query_t query = {.shop_id = order->shop_id,
                               .order_id = order->id};
  store_event_t *events = NULL;
  size_t count = 0, i, j;

  if(store_event_list(http_store(req), req->arena, &query, &events, &count))
    return NULL;
  for(i = count; i-- > 0;) {
    store_delivery_t *rows = NULL;
    size_t found = 0;
    if(store_delivery_list(http_store(req), req->arena, order->shop_id,
                           events[i].id, &rows, &found))
      continue;
    for(j = 0; j < found; j++)
      if(!strcmp(rows[j].kind, "ecwid"))
        return &rows[j];
  }
  return NULL;
}

/* The paymentStatus the store was sent, or NULL. */
static const char *ecwid_sent_status(core_arena_t *arena,
                                     const store_delivery_t *update)
{
  json_t *request = json_loads(update->payload ? update->payload : "", 0,
                               NULL);
  const char *status = json_string_value(json_object_get(
      json_object_get(request, "body"), "paymentStatus"));
  status = status ? core_arena_strdup(arena, status) : NULL;
  json_decref(request);
  return status;
}

/* The store has not answered yet: a page that asks again by itself (no
 * script needed); or, once the store refused the update for good, one
 * with a link the customer follows. */
static void ecwid_waiting(http_request_t *req, page_language_t language,
                          const char *refused_return_url)
{
  core_buf_t out;

  core_buf_init(&out, ECWID_PAGE_MAX);
  page_begin(&out, language, page_text(language, PAGE_TEXT_TITLE));
  if(!refused_return_url)
    core_buf_append_str(&out, "<meta http-equiv=\"refresh\" content=\"1\">");
  page_printf(&out, "<h1 id=\"waiting\">%s</h1>",
              page_text(language, PAGE_TEXT_PENDING));
  if(refused_return_url) {
    core_buf_append_str(&out, "<p><a id=\"back\" href=\"");
    page_escape(&out, refused_return_url);
    page_printf(&out, "\">%s</a></p>",
                page_text(language, PAGE_TEXT_BACK_TO_SHOP));
  }
  page_end(&out);
  api_page_respond(req, 200, &out);
  core_buf_free(&out);
}

/* Why the payment did not end in PAID, in the customer's language. */
static const char *ecwid_error(http_request_t *req,
                               const store_order_t *order,
                               page_language_t language)
{
  store_transaction_t *rows = NULL;
  const store_transaction_t *attempt;
  size_t count = 0;

  store_transaction_list(http_store(req), req->arena, order->shop_id,
                         order->id, &rows, &count);
  attempt = payment_latest(rows, count);
  return page_message(language, attempt ? attempt->text[STORE_TXN_CODE]
                                         : "cancelled");
}

/* GET /ecwid/return/{token}: the customer goes back to returnUrl only
 * once the store accepted its order's update: unchanged after PAID (or
 * AWAITING_PAYMENT), with errorMsg after INCOMPLETE. An order that ended
 * without an attempt (cancelled, expired) needs no update: the store's
 * order is still INCOMPLETE. */
/* returnUrl as given, with errorMsg (when not NULL) before any #fragment:
 * the store must get its URL back unchanged but for that. */
static obol_rc ecwid_back_url(core_buf_t *url, const char *return_url,
                              const char *error)
{
  const char *const pairs[][2] = {{"errorMsg", error}};
  obol_rc rc = core_url_with(url, return_url, pairs, 1);
  return rc ? rc : core_buf_append(url, "", 1);
}

http_status_t api_ecwid_return(http_request_t *req)
{
  const store_delivery_t *update;
  const char *return_url, *sent = NULL;
  store_order_t order;
  store_shop_t shop;
  json_t *details = NULL;
  page_language_t language;
  int status, settled;
  core_buf_t url;
  obol_rc rc;

  core_buf_init(&url, 8192);
  if(api_page_order(req, http_param(req, "token"), &order, &shop))
    goto done;
  details = json_loads(order.details, 0, NULL);
  return_url = json_string_value(json_object_get(
      json_object_get(details, "ecwid"), "returnUrl"));
  language = page_language(order.language);
  if(!return_url) {
    api_page_message(req, 404, language, PAGE_TEXT_NOT_FOUND);
    goto done;
  }
  status = order_status_parse(order.status);
  /* paid without an attempt (received): the store needs no update either */
  settled = ecwid_ended(&order) || status == ORDER_PAID ||
            status == ORDER_RECEIVED;
  update = ecwid_update(req, &order);
  if(update)
    sent = ecwid_sent_status(req->arena, update);
  if(update ? strcmp(update->status, "succeeded") : !settled) {
    ecwid_waiting(req, language,
                  update && !strcmp(update->status, "failed") ? return_url
                                                              : NULL);
    goto done;
  }
  rc = ecwid_back_url(&url, return_url,
                      (sent && !strcmp(sent, "INCOMPLETE")) ||
                              (!sent && ecwid_ended(&order))
                          ? ecwid_error(req, &order, language)
                          : NULL);
  if(rc)
    http_respond_rc(req, rc);
  else
    http_respond_redirect(req, 303, url.data);
done:
  core_buf_free(&url);
  json_decref(details);
  return HTTP_DONE;
}
