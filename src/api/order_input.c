/* Reading and validating a new order's body into a store_order_t. Every
 * problem is collected into `fields` (path -> message) so the merchant
 * sees all of them at once; nothing is written while any remains. */
#include <stdio.h>
#include <string.h>

#include "api.h"

#define ORDER_PRODUCTS_MAX 100
#define ORDER_QUANTITY_MAX 1000000
#define ORDER_TEXT_MAX 255
#define ORDER_DESCRIPTION_MAX 1024
#define ORDER_METADATA_KEYS_MAX 20
#define ORDER_METADATA_KEY_MAX 40
#define ORDER_METADATA_VALUE_MAX 500
#define ORDER_ATTEMPTS_MAX 100

static const char *const order_fields[] = {
  "products", "amount", "currency", "description", "client",
  "merchant_reference", "merchant_reference_2", "success_redirect",
  "in_progress_redirect", "failure_redirect", "return_url", "cancel_url",
  "callback_url", "notification_url", "language", "due_date", "expires_at",
  "max_payment_attempts", "capture", "metadata", "test", NULL};

static const char *const product_fields[] = {"title", "price", "quantity",
                                             "sku", NULL};

static const char *const client_fields[] = {
  "email", "name", "first_name", "last_name", "phone", "country", "city",
  "address", "zip", "state", "birth_date", "external_id", "ip_address", NULL};


typedef struct {
  json_t *body;
  json_t *fields;   /* problems: path -> message */
  json_t *details;  /* what is stored as the order's details */
  const store_shop_t *shop;
  int live;         /* the key is a live key */
  int exponent;
  int64_t now;
} order_input_t;

static void input_problem(order_input_t *in, const char *path,
                          const char *message)
{
  if(!json_object_get(in->fields, path))
    json_object_set_new(in->fields, path, json_string(message));
}

/* A string member of `object` of 1..max characters, or NULL if absent. */
static const char *input_string(order_input_t *in, json_t *object,
                                const char *name, const char *path,
                                size_t max)
{
  json_t *value = json_object_get(object, name);
  char message[64];

  if(!value || json_is_null(value))
    return NULL;
  if(!json_is_string(value) || api_text_length(value) < 1 ||
     api_text_length(value) > max) {
    snprintf(message, sizeof(message), "must be a string of 1 to %zu "
             "characters", max);
    input_problem(in, path, message);
    return NULL;
  }
  return json_string_value(value);
}

/* An integer member within [min, max]; *present says whether it was given. */
static int64_t input_integer(order_input_t *in, const char *name,
                             int64_t min, int64_t max, int *present)
{
  json_t *value = json_object_get(in->body, name);
  char message[96];

  *present = value && !json_is_null(value);
  if(!*present)
    return 0;
  if(json_is_integer(value) && json_integer_value(value) >= min &&
     json_integer_value(value) <= max)
    return json_integer_value(value);
  snprintf(message, sizeof(message), "must be an integer from %lld to %lld",
           (long long)min, (long long)max);
  input_problem(in, name, message);
  *present = 0;
  return 0;
}

/* Parses a price: a JSON number, or a decimal string for exactness. */
static int input_price(order_input_t *in, json_t *value, const char *path,
                       int64_t *minor)
{
  const char *problem;
  obol_rc rc = api_money_json(value, in->exponent, minor, &problem);

  if(!rc && *minor < 0) {
    rc = OBOL_ERR_INVALID;
    problem = "must not be negative";
  }
  if(rc) {
    input_problem(in, path, problem);
    return -1;
  }
  return 0;
}

/* Checks the products and returns their total in minor units (-1: bad). */
static int64_t input_products(order_input_t *in, json_t *products)
{
  json_t *stored = json_array();
  json_t *product;
  size_t index;
  int64_t total = 0;
  int bad = 0;

  if(!json_is_array(products) || json_array_size(products) < 1 ||
     json_array_size(products) > ORDER_PRODUCTS_MAX) {
    input_problem(in, "products", "must be an array of 1 to 100 products");
    json_decref(stored);
    return -1;
  }
  json_array_foreach(products, index, product) {
    char path[64], sub[96], text[40];
    const char *title, *sku;
    json_t *quantity;
    int64_t price = 0, count = 1;
    json_t *unknown = json_object();

    snprintf(path, sizeof(path), "products[%zu]", index);
    if(!json_is_object(product)) {
      input_problem(in, path, "must be an object with title and price");
      bad = 1;
      json_decref(unknown);
      continue;
    }
    if(api_check_unknown_fields(product, product_fields, unknown)) {
      const char *name;
      json_t *ignored;
      json_object_foreach(unknown, name, ignored) {
        snprintf(sub, sizeof(sub), "%s.%s", path, name);
        input_problem(in, sub, "unknown field");
      }
      bad = 1;
    }
    json_decref(unknown);
    snprintf(sub, sizeof(sub), "%s.title", path);
    title = input_string(in, product, "title", sub, ORDER_TEXT_MAX);
    if(!title) {
      input_problem(in, sub, "is required: a string of 1 to 255 characters");
      bad = 1;
    }
    snprintf(sub, sizeof(sub), "%s.sku", path);
    sku = input_string(in, product, "sku", sub, 64);
    snprintf(sub, sizeof(sub), "%s.price", path);
    if(!json_object_get(product, "price")) {
      input_problem(in, sub, "is required");
      bad = 1;
    }
    else if(input_price(in, json_object_get(product, "price"), sub, &price))
      bad = 1;
    quantity = json_object_get(product, "quantity");
    if(quantity) {
      snprintf(sub, sizeof(sub), "%s.quantity", path);
      if(!json_is_integer(quantity) || json_integer_value(quantity) < 1 ||
         json_integer_value(quantity) > ORDER_QUANTITY_MAX) {
        input_problem(in, sub, "must be an integer from 1 to 1000000");
        bad = 1;
      }
      else
        count = json_integer_value(quantity);
    }
    if(bad)
      continue;
    if(price > 0 && (count > INT64_MAX / price || total > INT64_MAX -
                                                         price * count)) {
      input_problem(in, "products", "the total is too large");
      bad = 1;
      continue;
    }
    total += price * count;
    core_money_format(price, in->exponent, text, sizeof(text));
    json_array_append_new(
        stored, json_pack("{s:s, s:s, s:I, s:o, s:I}", "title", title,
                          "price", text, "quantity", (json_int_t)count, "sku",
                          sku ? json_string(sku) : json_null(), "amount",
                          (json_int_t)(price * count)));
  }
  if(bad) {
    json_decref(stored);
    return -1;
  }
  json_object_set_new(in->details, "products", stored);
  return total;
}

static void input_client(order_input_t *in)
{
  json_t *client = json_object_get(in->body, "client");
  json_t *stored, *unknown;
  const char *name;
  json_t *value;

  if(!client || json_is_null(client))
    return;
  if(!json_is_object(client)) {
    input_problem(in, "client", "must be an object");
    return;
  }
  unknown = json_object();
  api_check_unknown_fields(client, client_fields, unknown);
  json_object_foreach(unknown, name, value) {
    char path[96];
    snprintf(path, sizeof(path), "client.%s", name);
    input_problem(in, path, "unknown field");
  }
  json_decref(unknown);
  stored = json_object();
  json_object_foreach(client, name, value) {
    char path[96];
    const char *text;
    const char *problem = NULL;
    snprintf(path, sizeof(path), "client.%s", name);
    text = input_string(in, client, name, path, ORDER_TEXT_MAX);
    if(!text)
      continue;
    if(!strcmp(name, "email"))
      problem = api_check_email(text);
    else if(!strcmp(name, "phone"))
      problem = api_check_phone(text);
    else if(!strcmp(name, "country"))
      problem = api_check_country(text);
    if(problem)
      input_problem(in, path, problem);
    else
      json_object_set_new(stored, name, json_string(text));
  }
  json_object_set_new(in->details, "client", stored);
}

/* Absolute, https when live; where the customer is sent (not callbacks),
 * on the shop's allowed hosts too. */
static void input_urls(order_input_t *in, store_order_t *order)
{
  int i;

  for(i = 0; i < STORE_URL_COUNT; i++) {
    const char *name = store_url_names[i];
    const char *url = input_string(in, in->body, name, name, 2048);
    int customer = i != STORE_URL_CALLBACK && i != STORE_URL_NOTIFICATION;
    const char *problem;
    if(!url)
      continue;
    problem = api_check_url(url);
    if(!problem && !order->test && strncmp(url, "https://", 8))
      problem = "must use https for live orders";
    if(!problem && customer && !api_host_allowed(in->shop, url))
      problem = "its host is not among the shop's allowed_redirect_hosts";
    if(problem)
      input_problem(in, name, problem);
    else
      order->urls[i] = url; /* points into the request body */
  }
}

/* An RFC 3339 time in the future, or 0 when absent. */
static int64_t input_time(order_input_t *in, const char *name)
{
  const char *text = input_string(in, in->body, name, name, 64);
  int64_t ms = 0;

  if(!text)
    return 0;
  if(core_time_parse(text, &ms)) {
    input_problem(in, name, "must be an RFC 3339 time, e.g. "
                            "2026-12-24T18:00:00Z");
    return 0;
  }
  if(ms <= in->now) {
    input_problem(in, name, "must be in the future");
    return 0;
  }
  return ms;
}

static void input_metadata(order_input_t *in)
{
  json_t *metadata = json_object_get(in->body, "metadata");
  const char *name;
  json_t *value;

  if(!metadata || json_is_null(metadata))
    return;
  if(!json_is_object(metadata) ||
     json_object_size(metadata) > ORDER_METADATA_KEYS_MAX) {
    input_problem(in, "metadata", "must be an object of at most 20 keys");
    return;
  }
  json_object_foreach(metadata, name, value) {
    char path[96];
    snprintf(path, sizeof(path), "metadata.%.60s", name);
    if(strlen(name) < 1 || strlen(name) > ORDER_METADATA_KEY_MAX)
      input_problem(in, path, "keys must be 1 to 40 characters");
    else if(json_is_object(value) || json_is_array(value))
      input_problem(in, path, "must be a string, number, boolean or null "
                              "(metadata is flat)");
    else if(json_is_string(value) &&
            api_text_length(value) > ORDER_METADATA_VALUE_MAX)
      input_problem(in, path, "must be at most 500 characters");
  }
  json_object_set(in->details, "metadata", metadata);
}

/* The surcharge rule of the shop applied to the initial amount; -1 when
 * it would overflow (the total is then too large anyway). */
static int64_t input_surcharge(const store_shop_t *shop, int64_t initial)
{
  json_t *rule = shop->surcharge ? json_loads(shop->surcharge, 0, NULL)
                                 : NULL;
  int64_t basis_points, fixed, cap, surcharge;

  if(!rule)
    return 0;
  basis_points = json_integer_value(json_object_get(rule, "percent_bp"));
  fixed = json_integer_value(json_object_get(rule, "fixed"));
  cap = json_integer_value(json_object_get(rule, "cap"));
  json_decref(rule);
  /* Half-up rounding of initial * bp / 10000, checked for overflow. */
  if(__builtin_mul_overflow(initial / 10000, basis_points, &surcharge) ||
     __builtin_add_overflow(surcharge,
                            ((initial % 10000) * basis_points + 5000) / 10000,
                            &surcharge) ||
     __builtin_add_overflow(surcharge, fixed, &surcharge))
    return -1;
  if(cap > 0 && surcharge > cap)
    surcharge = cap;
  return surcharge;
}

/* Amount, currency and surcharge. */
static void input_money(order_input_t *in, store_order_t *order)
{
  const char *currency = input_string(in, in->body, "currency", "currency", 3);
  json_t *products = json_object_get(in->body, "products");
  int has_amount;
  int64_t amount, total = -1;
  const core_currency_t *known;
  char message[128];

  if(!currency && !json_object_get(in->body, "currency"))
    currency = in->shop->default_currency;
  known = currency ? core_currency_find(currency) : NULL;
  if(!known) {
    input_problem(in, "currency",
                  currency ? "must be an ISO 4217 currency code, e.g. EUR"
                           : "is required (the shop has no default_currency)");
    return;
  }
  snprintf(order->currency, sizeof(order->currency), "%s", known->code);
  in->exponent = known->exponent;
  amount = input_integer(in, "amount", 1, INT64_MAX, &has_amount);
  if(products && !json_is_null(products))
    total = input_products(in, products);
  else if(!has_amount) {
    if(!json_object_get(in->fields, "amount"))
      input_problem(in, "products", "give products or amount");
    return;
  }
  if(has_amount && total >= 0 && total != amount) {
    char text[40];
    core_money_format(total, in->exponent, text, sizeof(text));
    snprintf(message, sizeof(message), "must equal the products' total "
             "(%s %s)", text, known->code);
    input_problem(in, "amount", message);
    return;
  }
  if(!has_amount)
    amount = total;
  if(amount < 0 || json_object_size(in->fields))
    return;
  if(amount == 0) {
    input_problem(in, "amount", "the total must be greater than zero");
    return;
  }
  order->initial_amount = amount;
  order->surcharge_amount = input_surcharge(in->shop, amount);
  if(order->surcharge_amount < 0 ||
     __builtin_add_overflow(amount, order->surcharge_amount, &order->amount) ||
     order->amount > order_config()->max_amount) {
    snprintf(message, sizeof(message), "the total exceeds the maximum order "
             "amount (%lld minor units)", (long long)order_config()->max_amount);
    input_problem(in, "amount", message);
  }
}

/* Test key: test orders only. Live key: live unless test is true. */
static int input_test(order_input_t *in)
{
  json_t *test = json_object_get(in->body, "test");

  if(test && !json_is_boolean(test)) {
    input_problem(in, "test", "must be true or false");
    return !in->live;
  }
  if(!in->live && test && json_is_false(test)) {
    input_problem(in, "test", "a test key creates test orders only");
    return 1;
  }
  return test ? json_is_true(test) : !in->live;
}

obol_rc api_order_input(json_t *body, const store_shop_t *shop, int live,
                        int64_t now, store_order_t *order, json_t **details,
                        json_t *fields)
{
  order_input_t in = {body, fields, json_object(), shop, live, 2, now};
  const char *text;
  int present;
  int64_t attempts;

  memset(order, 0, sizeof(*order));
  api_check_unknown_fields(body, order_fields, fields);
  order->test = input_test(&in);
  input_money(&in, order);
  text = input_string(&in, body, "description", "description",
                      ORDER_DESCRIPTION_MAX);
  json_object_set_new(in.details, "description",
                      text ? json_string(text) : json_null());
  input_client(&in);
  order->merchant_reference = input_string(&in, body, "merchant_reference",
                                           "merchant_reference",
                                           ORDER_TEXT_MAX);
  text = input_string(&in, body, "merchant_reference_2",
                      "merchant_reference_2", ORDER_TEXT_MAX);
  if(text)
    json_object_set_new(in.details, "merchant_reference_2", json_string(text));
  input_urls(&in, order);
  text = input_string(&in, body, "language", "language", 2);
  if(text && api_check_language(text))
    input_problem(&in, "language", api_check_language(text));
  if(!text)
    text = shop->default_language ? shop->default_language : "en";
  snprintf(order->language, sizeof(order->language), "%s", text);
  order->due_at = input_time(&in, "due_date");
  order->expires_at = input_time(&in, "expires_at");
  if(order->due_at && order->expires_at && order->expires_at <= order->due_at)
    input_problem(&in, "expires_at", "must be later than due_date");
  attempts = input_integer(&in, "max_payment_attempts", 1, ORDER_ATTEMPTS_MAX,
                           &present);
  order->max_payment_attempts = (int)attempts;
  text = input_string(&in, body, "capture", "capture", 6);
  if(text && strcmp(text, "auto") && strcmp(text, "manual"))
    input_problem(&in, "capture", "must be auto or manual");
  order->capture_manual = text && !strcmp(text, "manual");
  input_metadata(&in);
  if(json_object_size(fields)) {
    json_decref(in.details);
    return OBOL_ERR_INVALID;
  }
  *details = in.details;
  return OBOL_OK;
}
