/* api: the merchant API resources, one file each, and the route table.
 * Handlers validate input, call the store, and answer through http_*. */
#ifndef OBOL_API_H
#define OBOL_API_H

#include <jansson.h>

#include "../http/http.h"
#include "../store/store.h"

/* Every route Obol serves. */
extern const http_route_t api_routes[];
extern const size_t api_route_count;

/* ---- handlers ---- */
http_status_t api_health(http_request_t *req);
http_status_t api_ready(http_request_t *req);
http_status_t api_shop_get(http_request_t *req);
http_status_t api_shop_patch(http_request_t *req);

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

/* ---- validation: one place for each rule; messages for the fields map ---- */
/* NULL if valid, else a message saying what is expected. */
const char *api_check_url(const char *url);
const char *api_check_host(const char *host);
const char *api_check_email(const char *email);
const char *api_check_phone(const char *phone);
const char *api_check_country(const char *country);
const char *api_check_language(const char *language);
const char *api_check_currency(const char *currency);
/* Adds "unknown field" to fields for every member of object not in allowed
 * (a NULL-terminated list); returns how many it found. */
int api_check_unknown_fields(json_t *object, const char *const *allowed,
                             json_t *fields);
/* RFC 3339 UTC timestamp string for ms since the epoch. */
json_t *api_time_json(int64_t ms);

#endif
