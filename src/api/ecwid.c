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

#include "api.h"

#define ECWID_DATA_MAX (256 * 1024)
#define ECWID_PAGE_MAX (64 * 1024)

/* The request's plaintext: CBC first, then GCM; NULL if neither opens it
 * (or it is not a JSON object). */
static json_t *ecwid_open(const char *data, const char *secret)
{
  size_t len = strlen(data), plain_len = 0;
  unsigned char *raw = malloc(len + 3);
  unsigned char *plain = malloc(len + 3);
  int raw_len = raw ? core_base64url_decode(data, len, raw) : -1;
  json_t *request = NULL;
  int mode;

  for(mode = CORE_AES_CBC; !request && raw_len > 0 && plain &&
                           mode <= CORE_AES_GCM; mode++)
    if(!core_aes128_decrypt((const unsigned char *)secret,
                            (core_aes_mode_t)mode, raw, (size_t)raw_len,
                            plain, &plain_len)) {
      request = json_loadb((const char *)plain, plain_len, 0, NULL);
      if(request && !json_is_object(request)) {
        json_decref(request);
        request = NULL;
      }
    }
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

/* The native order of the request; NULL when it lacks what is needed. */
static json_t *ecwid_native(json_t *request)
{
  json_t *cart = json_object_get(request, "cart");
  json_t *order = json_object_get(cart, "order");
  json_t *total = json_object_get(order, "total");
  const char *currency = json_string_value(json_object_get(cart, "currency"));
  const core_currency_t *found = currency ? core_currency_find(currency)
                                          : NULL;
  const char *lang = json_string_value(json_object_get(request, "lang"));
  json_t *reference = ecwid_text(json_object_get(order, "id"));
  json_t *email = json_object_get(order, "email");
  json_t *transaction = json_object_get(order, "referenceTransactionId");
  json_t *store_id = json_object_get(request, "storeId");
  const char *problem;
  int64_t amount = -1;
  json_t *native;

  if(!reference)
    reference = ecwid_text(transaction);
  if(!found || !json_is_string(json_object_get(request, "returnUrl")) ||
     !(json_is_string(store_id) || json_is_integer(store_id)) ||
     !json_is_string(json_object_get(request, "token")) ||
     !(json_is_string(transaction) || json_is_integer(transaction)) ||
     (json_is_number(total)
          ? core_money_from_double(json_number_value(total), found->exponent,
                                   &amount, &problem)
          : json_is_string(total)
                ? core_money_parse(json_string_value(total), found->exponent,
                                   &amount, &problem)
                : OBOL_ERR_INVALID) ||
     amount <= 0) {
    json_decref(reference);
    return NULL;
  }
  native = json_pack("{s:I, s:s, s:s, s:i, s:b}", "amount",
                     (json_int_t)amount, "currency", currency, "language",
                     page_language_code(page_language(lang)),
                     "max_payment_attempts", 1, "test", 1);
  json_object_set_new(native, "merchant_reference", reference);
  if(json_is_string(email))
    json_object_set_new(native, "client",
                        json_pack("{s:O}", "email", email));
  return native;
}

static obol_rc ecwid_created(http_request_t *req, const store_order_t *order)
{
  char url[128];
  snprintf(url, sizeof(url), "/pay/%s", order->token);
  http_respond_redirect(req, 303, url);
  return OBOL_OK;
}

/* The order already made for this store order and not ended (the request
 * posted again: a reload, the back button), so that one store order is
 * never paid twice; NULL when there is none. One that ended (cancelled,
 * rejected, expired) leaves the store's cart to be paid anew. */
static const store_order_t *ecwid_existing(http_request_t *req,
                                           const char *shop_id,
                                           json_t *native, json_t *extra)
{
  store_order_query_t query = {
      .shop_id = shop_id,
      .merchant_reference = json_string_value(
          json_object_get(native, "merchant_reference")),
      .limit = 20};
  json_t *wanted = json_object_get(extra, "ecwid");
  store_order_t *rows = NULL;
  size_t count = 0, i;

  if(store_order_list(http_store(req), req->arena, &query, &rows, &count))
    return NULL;
  for(i = 0; i < count; i++) {
    int status = order_status_parse(rows[i].status);
    json_t *ecwid = payment_order_detail(&rows[i], "ecwid");
    int same = ecwid && json_equal(json_object_get(ecwid, "storeId"),
                                   json_object_get(wanted, "storeId")) &&
               json_equal(json_object_get(ecwid, "referenceTransactionId"),
                          json_object_get(wanted, "referenceTransactionId"));
    json_decref(ecwid);
    if(same && status != ORDER_CANCELLED && status != ORDER_REJECTED &&
       status != ORDER_EXPIRED)
      return &rows[i];
  }
  return NULL;
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
  json_t *settings, *request = NULL, *native = NULL, *extra;
  const store_order_t *existing;
  const char *secret;
  store_shop_t shop;
  http_status_t status = HTTP_DONE;

  if(store_shop_get(http_store(req), req->arena, http_param(req, "shop"),
                    &shop) || !shop.ecwid) {
    api_page_message(req, 404, PAGE_EN, PAGE_TEXT_NOT_FOUND);
    return HTTP_DONE;
  }
  settings = json_loads(shop.ecwid, 0, NULL);
  secret = json_string_value(json_object_get(settings, "client_secret"));
  if(data && secret && strlen(secret) >= 16 && strlen(data) < ECWID_DATA_MAX)
    request = ecwid_open(data, secret);
  if(request)
    native = ecwid_native(request);
  if(!native) {
    /* nothing is created from what cannot be read */
    api_page_message(req, 400, PAGE_EN, PAGE_TEXT_INVALID_INPUT);
    json_decref(request);
    json_decref(settings);
    return HTTP_DONE;
  }
  extra = ecwid_kept(request, settings);
  existing = extra ? ecwid_existing(req, shop.id, native, extra) : NULL;
  /* the store's customer pays the shop: the request is the shop's */
  snprintf(req->shop_id, sizeof(req->shop_id), "%s", shop.id);
  req->live = 0;
  if(existing)
    ecwid_created(req, existing);
  else if(extra)
    status = api_order_create_from(req, native, extra, ecwid_created);
  else
    api_page_message(req, 400, PAGE_EN, PAGE_TEXT_INVALID_INPUT);
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
http_status_t api_ecwid_return(http_request_t *req)
{
  const store_delivery_t *update;
  const char *return_url, *sent = NULL;
  store_order_t order;
  store_shop_t shop;
  json_t *details, *ecwid;
  page_language_t language;
  int status, ended;
  core_buf_t url;

  if(api_page_order(req, http_param(req, "token"), &order, &shop))
    return HTTP_DONE;
  details = json_loads(order.details, 0, NULL);
  ecwid = json_object_get(details, "ecwid");
  return_url = json_string_value(json_object_get(ecwid, "returnUrl"));
  language = page_language(order.language);
  if(!return_url) {
    json_decref(details);
    api_page_message(req, 404, language, PAGE_TEXT_NOT_FOUND);
    return HTTP_DONE;
  }
  status = order_status_parse(order.status);
  ended = status == ORDER_CANCELLED || status == ORDER_EXPIRED ||
          status == ORDER_REJECTED;
  update = ecwid_update(req, &order);
  if(update)
    sent = ecwid_sent_status(req->arena, update);
  if(update ? strcmp(update->status, "succeeded") : !ended) {
    ecwid_waiting(req, language,
                  update && !strcmp(update->status, "failed") ? return_url
                                                              : NULL);
    json_decref(details);
    return HTTP_DONE;
  }
  core_buf_init(&url, 8192);
  core_buf_append_str(&url, return_url);
  if(!sent || !strcmp(sent, "INCOMPLETE"))
    core_url_append(&url, "errorMsg", ecwid_error(req, &order, language));
  core_buf_append(&url, "", 1);
  http_respond_redirect(req, 303, url.data);
  core_buf_free(&url);
  json_decref(details);
  return HTTP_DONE;
}
