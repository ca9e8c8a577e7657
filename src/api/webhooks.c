/* Webhook endpoints: where a shop's events are sent, signed with a secret
 * shown only when it is made (create, rotate-secret). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dialect/dialect.h"
#include "api.h"

#define WEBHOOK_EVENTS_MAX 64
#define WEBHOOK_DESCRIPTION_MAX 255
#define WEBHOOK_SECRET_BYTES 32
#define WEBHOOK_GRACE_DEFAULT_S (24 * 3600)
#define WEBHOOK_GRACE_MAX_S (7 * 24 * 3600)

static const char *const webhook_fields[] = {"url", "events", "description",
                                             "enabled", NULL};

/* An endpoint made through seed 002's API shows and takes its event
 * names; it is stored with Obol's (one outbox matches them all). */
static int webhook_gate(const store_endpoint_t *endpoint)
{
  return endpoint->dialect && !strcmp(endpoint->dialect, "gate");
}

static json_t *webhook_events_json(const store_endpoint_t *endpoint)
{
  json_t *events = json_loads(endpoint->events, 0, NULL);
  json_t *item;
  size_t index;

  if(!events)
    return json_array();
  if(webhook_gate(endpoint))
    json_array_foreach(events, index, item)
      json_array_set_new(events, index,
                         json_string(dialect_gate_event(
                             json_string_value(item))));
  return events;
}

static json_t *webhook_json(const store_endpoint_t *endpoint,
                            const char *secret)
{
  json_t *events = webhook_events_json(endpoint);
  json_t *out = json_pack(
      "{s:s, s:s, s:s, s:o, s:o, s:b, s:o, s:o}", "id", endpoint->id,
      "object", "webhook_endpoint", "url", endpoint->url, "events",
      events ? events : json_array(), "description",
      endpoint->description ? json_string(endpoint->description)
                            : json_null(),
      "enabled", endpoint->enabled, "created_at",
      api_time_json(endpoint->created_at), "updated_at",
      api_time_json(endpoint->updated_at));
  if(out && secret)
    json_object_set_new(out, "secret", json_string(secret));
  return out;
}

const char *api_new_secret(http_request_t *req)
{
  unsigned char raw[WEBHOOK_SECRET_BYTES];
  char hex[2 * WEBHOOK_SECRET_BYTES + 1];

  if(core_random_bytes(raw, sizeof(raw)))
    return NULL;
  core_hex_encode(raw, sizeof(raw), hex);
  return core_arena_printf(req->arena, "whsec_%s", hex);
}

/* Validates the fields of a create or a patch into endpoint; creating
 * requires url. Problems go to fields. */
static void webhook_input(http_request_t *req, json_t *body, int creating,
                          store_endpoint_t *endpoint, json_t *fields)
{
  json_t *url = json_object_get(body, "url");
  json_t *events = json_object_get(body, "events");
  json_t *description = json_object_get(body, "description");
  json_t *enabled = json_object_get(body, "enabled");
  json_t *item;
  size_t index;

  api_check_unknown_fields(body, webhook_fields, fields);
  if(url || creating) {
    const char *problem = json_is_string(url)
                              ? api_check_url(json_string_value(url))
                              : "is required: an absolute http(s) URL";
    if(!problem && req->live && strncmp(json_string_value(url), "https://", 8))
      problem = "must use https with a live key";
    if(problem)
      json_object_set_new(fields, "url", json_string(problem));
    else
      endpoint->url = json_string_value(url);
  }
  if(events) {
    if(!json_is_array(events) || json_array_size(events) < 1 ||
       json_array_size(events) > WEBHOOK_EVENTS_MAX)
      json_object_set_new(fields, "events",
                          json_string("must be an array of 1 to 64 event "
                                      "types, or [\"*\"]"));
    if(webhook_gate(endpoint) && json_is_array(events)) {
      events = json_deep_copy(events); /* the provider's names -> Obol's */
      json_array_foreach(events, index, item) {
        const char *type = json_is_string(item)
                               ? dialect_gate_event_type(
                                     json_string_value(item))
                               : NULL;
        if(type)
          json_array_set_new(events, index, json_string(type));
      }
      http_request_keep(req, events);
    }
    json_array_foreach(events, index, item) {
      if(!json_is_string(item) ||
         !order_event_pattern_known(json_string_value(item))) {
        char path[32];
        snprintf(path, sizeof(path), "events[%zu]", index);
        json_object_set_new(fields, path,
                            json_string("is not an event type (see the "
                                        "event list), nor \"*\""));
      }
    }
    if(!json_object_size(fields))
      endpoint->events = api_json_text(req->arena, events);
  }
  if(description) {
    if(json_is_null(description))
      endpoint->description = NULL;
    else if(!json_is_string(description) ||
            api_text_length(description) > WEBHOOK_DESCRIPTION_MAX)
      json_object_set_new(fields, "description",
                          json_string("must be a string of at most 255 "
                                      "characters, or null"));
    else
      endpoint->description = json_string_value(description);
  }
  if(enabled) {
    if(!json_is_boolean(enabled))
      json_object_set_new(fields, "enabled",
                          json_string("must be true or false"));
    else
      endpoint->enabled = json_is_true(enabled);
  }
}

/* ---- the write jobs ---- */

typedef enum { WEBHOOK_CREATE, WEBHOOK_PATCH, WEBHOOK_DELETE, WEBHOOK_ROTATE }
    webhook_action_t;

typedef struct {
  http_request_t *req;
  webhook_action_t action;
  json_t *body;               /* the validated request, for patches */
  store_endpoint_t endpoint;  /* new values (create) */
  const char *secret;         /* create and rotate */
  int64_t grace_ms;           /* rotate */
  const char *dialect;        /* patches: the names the body is in; a
                                 provider's API acts on its endpoints only */
} webhook_job_t;

static obol_rc webhook_apply(store_tx_t *tx, void *arg)
{
  webhook_job_t *job = arg;
  http_request_t *req = job->req;
  store_endpoint_t current;
  json_t *fields;
  int64_t now = core_now_ms();
  obol_rc rc;

  if(http_tx_replay(tx, req))
    return OBOL_OK;
  if(job->action == WEBHOOK_CREATE) {
    job->endpoint.created_at = job->endpoint.updated_at = now;
    rc = store_tx_endpoint_insert(tx, &job->endpoint);
    return rc ? rc : http_tx_respond(tx, req, 201,
                                     webhook_json(&job->endpoint,
                                                  job->secret));
  }
  rc = store_tx_endpoint_get(tx, req->arena, req->shop_id,
                             http_param(req, "id"), &current);
  if(rc)
    return rc;
  if(job->action == WEBHOOK_DELETE) {
    rc = store_tx_endpoint_delete(tx, req->shop_id, current.id);
    return rc ? rc : http_tx_respond(tx, req, 200,
                                     json_pack("{s:s, s:s, s:b}", "id",
                                               current.id, "object",
                                               "webhook_endpoint", "deleted",
                                               1));
  }
  if(job->action == WEBHOOK_ROTATE) {
    current.previous_secret = current.secret;
    current.previous_secret_until = now + job->grace_ms;
    current.secret = job->secret;
  }
  else {
    const char *stored = current.dialect;
    if(job->dialect && !(stored && !strcmp(stored, job->dialect)))
      return OBOL_ERR_NOT_FOUND;
    /* read in the names it was checked in, whatever the endpoint sends */
    current.dialect = job->dialect;
    fields = json_object(); /* validated before: cannot fail now */
    if(job->body)
      webhook_input(req, job->body, 0, &current, fields);
    json_decref(fields);
    current.dialect = stored;
  }
  current.updated_at = now;
  rc = store_tx_endpoint_update(tx, &current);
  return rc ? rc : http_tx_respond(tx, req, 200,
                                   webhook_json(&current,
                                                job->action == WEBHOOK_ROTATE
                                                    ? job->secret : NULL));
}

static void webhook_done(void *arg, obol_rc rc)
{
  webhook_job_t *job = arg;
  if(rc)
    http_respond_rc(job->req, rc);
  http_resume(job->req);
}

static http_status_t webhook_submit(http_request_t *req, webhook_job_t *job)
{
  obol_rc rc = store_submit(http_store(req), webhook_apply, webhook_done,
                            job);
  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  return HTTP_AGAIN;
}

static webhook_job_t *webhook_job(http_request_t *req, webhook_action_t action)
{
  webhook_job_t *job = core_arena_alloc(req->arena, sizeof(*job));
  if(job) {
    memset(job, 0, sizeof(*job));
    job->req = req;
    job->action = action;
    job->body = req->json;
  }
  return job;
}

/* ---- handlers ---- */

http_status_t api_webhook_create(http_request_t *req)
{
  return api_webhook_create_as(req, NULL);
}

http_status_t api_webhook_create_as(http_request_t *req, const char *dialect)
{
  webhook_job_t *job = webhook_job(req, WEBHOOK_CREATE);
  json_t *fields = json_object();
  json_t *body = req->json ? req->json : json_object();

  if(!job) {
    json_decref(fields);
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return HTTP_DONE;
  }
  job->endpoint.events = "[\"*\"]";
  job->endpoint.enabled = 1;
  job->endpoint.dialect = dialect;
  webhook_input(req, body, 1, &job->endpoint, fields);
  if(!req->json)
    json_decref(body);
  if(json_object_size(fields)) {
    http_respond_error(req, 400, "validation_error",
                       "some fields are invalid; nothing was created",
                       fields);
    return HTTP_DONE;
  }
  json_decref(fields);
  memcpy(job->endpoint.shop_id, req->shop_id, sizeof(job->endpoint.shop_id));
  job->secret = api_new_secret(req);
  job->endpoint.secret = job->secret;
  if(!job->secret || core_id_new("we", job->endpoint.id,
                                 sizeof(job->endpoint.id))) {
    http_respond_rc(req, OBOL_ERR_CRYPTO);
    return HTTP_DONE;
  }
  return webhook_submit(req, job);
}

http_status_t api_webhook_list(http_request_t *req)
{
  return api_webhook_list_as(req, NULL);
}

/* dialect: only the endpoints made through that provider's API. */
http_status_t api_webhook_list_as(http_request_t *req, const char *dialect)
{
  store_endpoint_t *rows = NULL;
  size_t count = 0, i;
  json_t *data;
  obol_rc rc = store_endpoint_list(http_store(req), req->arena, req->shop_id,
                                   &rows, &count);

  if(rc) {
    http_respond_rc(req, rc);
    return HTTP_DONE;
  }
  data = json_array();
  for(i = 0; i < count; i++)
    if(!dialect || (rows[i].dialect && !strcmp(rows[i].dialect, dialect)))
      json_array_append_new(data, webhook_json(&rows[i], NULL));
  http_respond_json(req, 200, json_pack("{s:o, s:b}", "data", data,
                                        "has_more", 0));
  return HTTP_DONE;
}

http_status_t api_webhook_get(http_request_t *req)
{
  store_endpoint_t endpoint;
  obol_rc rc = store_endpoint_get(http_store(req), req->arena, req->shop_id,
                                  http_param(req, "id"), &endpoint);
  if(rc)
    http_respond_rc(req, rc);
  else
    http_respond_json(req, 200, webhook_json(&endpoint, NULL));
  return HTTP_DONE;
}

http_status_t api_webhook_patch(http_request_t *req)
{
  return api_webhook_patch_as(req, NULL);
}

http_status_t api_webhook_patch_as(http_request_t *req, const char *dialect)
{
  webhook_job_t *job = webhook_job(req, WEBHOOK_PATCH);
  store_endpoint_t scratch;
  json_t *fields = json_object();

  if(!job) {
    json_decref(fields);
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return HTTP_DONE;
  }
  memset(&scratch, 0, sizeof(scratch));
  scratch.dialect = job->dialect = dialect;
  if(req->json)
    webhook_input(req, req->json, 0, &scratch, fields);
  if(json_object_size(fields)) {
    http_respond_error(req, 400, "validation_error",
                       "some fields are invalid; nothing was changed", fields);
    return HTTP_DONE;
  }
  json_decref(fields);
  if(!req->json)
    job->body = NULL;
  return webhook_submit(req, job);
}

http_status_t api_webhook_delete(http_request_t *req)
{
  webhook_job_t *job = webhook_job(req, WEBHOOK_DELETE);
  if(!job) {
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return HTTP_DONE;
  }
  return webhook_submit(req, job);
}

http_status_t api_webhook_rotate(http_request_t *req)
{
  static const char *const fields_allowed[] = {"grace_seconds", NULL};
  webhook_job_t *job = webhook_job(req, WEBHOOK_ROTATE);
  json_t *grace = req->json ? json_object_get(req->json, "grace_seconds")
                            : NULL;
  json_t *fields = json_object();

  if(!job) {
    json_decref(fields);
    http_respond_rc(req, OBOL_ERR_NOMEM);
    return HTTP_DONE;
  }
  if(req->json)
    api_check_unknown_fields(req->json, fields_allowed, fields);
  if(grace && (!json_is_integer(grace) || json_integer_value(grace) < 0 ||
               json_integer_value(grace) > WEBHOOK_GRACE_MAX_S))
    json_object_set_new(fields, "grace_seconds",
                        json_string("must be an integer from 0 to 604800 "
                                    "(7 days)"));
  if(json_object_size(fields)) {
    http_respond_error(req, 400, "validation_error",
                       "some fields are invalid; the secret was not rotated",
                       fields);
    return HTTP_DONE;
  }
  json_decref(fields);
  job->grace_ms = 1000LL * (grace ? json_integer_value(grace)
                                  : WEBHOOK_GRACE_DEFAULT_S);
  job->secret = api_new_secret(req);
  if(!job->secret) {
    http_respond_rc(req, OBOL_ERR_CRYPTO);
    return HTTP_DONE;
  }
  return webhook_submit(req, job);
}
