/* Responses: JSON bodies, the one error writer, extra headers. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

json_t *http_error_document(const char *code, const char *message,
                            json_t *fields)
{
  json_t *error = json_pack("{s:s, s:s}", "code", code, "message", message);
  json_t *document;

  if(!error) {
    json_decref(fields);
    return NULL;
  }
  if(fields && json_object_set_new(error, "fields", fields)) {
    json_decref(error);
    return NULL;
  }
  document = json_pack("{s:o}", "error", error);
  return document;
}

void http_add_header(http_request_t *req, const char *name,
                     const char *value)
{
  if(req->header_count >= HTTP_MAX_HEADERS)
    return;
  req->headers[req->header_count].name = core_arena_strdup(req->arena, name);
  req->headers[req->header_count].value =
      core_arena_strdup(req->arena, value);
  req->header_count++;
}

void http_set_header(http_request_t *req, const char *name, const char *value)
{
  int i;

  for(i = 0; i < req->header_count; i++)
    if(!strcasecmp(req->headers[i].name, name)) {
      req->headers[i].value = core_arena_strdup(req->arena, value);
      return;
    }
  http_add_header(req, name, value);
}

static void response_release(http_request_t *req)
{
  if(!req->static_body)
    free(req->response_body);
  req->response_body = NULL;
  req->static_body = 0;
  req->content_type = NULL;
}

void http_respond_html(http_request_t *req, unsigned int status,
                       core_buf_t *body)
{
  http_respond_buf(req, status, body);
  req->content_type = "text/html; charset=utf-8";
}

void http_respond_redirect(http_request_t *req, unsigned int status,
                           const char *url)
{
  http_respond_static(req, status, "");
  req->content_type = "text/plain";
  /* a write may change its mind about where to (an order found again) */
  http_set_header(req, "Location", url);
}

void http_respond_static(http_request_t *req, unsigned int status,
                         const char *body)
{
  response_release(req);
  req->response_body = (char *)body;
  req->response_len = strlen(body);
  req->static_body = 1;
  req->status = status;
  req->responded = 1;
}

void http_respond_buf(http_request_t *req, unsigned int status,
                      core_buf_t *body)
{
  response_release(req);
  req->response_body = body->data;
  req->response_len = body->len;
  req->status = status;
  req->responded = 1;
  core_buf_init(body, body->max);
}

void http_respond_json(http_request_t *req, unsigned int status,
                       json_t *body)
{
  response_release(req);
  req->response_body = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  if(!req->response_body) {
    /* Out of memory while dumping: a fixed body needs no allocation. */
    static const char fallback[] =
        "{\"error\":{\"code\":\"internal_error\",\"message\":\"out of memory\"}}";
    http_respond_static(req, 500, fallback);
    return;
  }
  req->response_len = req->response_body ? strlen(req->response_body) : 0;
  req->status = status;
  req->responded = 1;
}

void http_respond_error(http_request_t *req, unsigned int status,
                        const char *code, const char *message,
                        json_t *fields)
{
  http_respond_json(req, status, http_error_document(code, message, fields));
}

void http_respond_payment_error(http_request_t *req, unsigned int status,
                                const char *code, const char *message,
                                json_t *errors)
{
  http_respond_json(req, status,
                    json_pack("{s:s, s:s, s:[s], s:o}", "code", code,
                              "message", message, "messages", message,
                              "errors", errors ? errors : json_object()));
}

void http_respond_field_error(http_request_t *req, unsigned int status,
                              const char *code, const char *field,
                              const char *message)
{
  json_t *fields = json_pack("{s:s}", field, message);
  http_respond_error(req, status, code, message, fields);
}

void http_respond_rc(http_request_t *req, obol_rc rc)
{
  switch(rc) {
  case OBOL_ERR_NOT_FOUND:
    http_respond_error(req, 404, "not_found", "no such resource", NULL);
    break;
  case OBOL_ERR_CONFLICT:
    http_respond_error(req, 409, "conflict", "conflicting change", NULL);
    break;
  case OBOL_ERR_SHUTDOWN:
    http_add_header(req, "Retry-After", "1");
    http_respond_error(req, 503, "shutting_down",
                       "the server is shutting down; retry", NULL);
    break;
  default:
    http_respond_error(req, 500, "internal_error", obol_rc_str(rc), NULL);
    break;
  }
}
