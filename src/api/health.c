/* Liveness and readiness, unauthenticated. */
#include "api.h"

http_status_t api_health(http_request_t *req)
{
  http_respond_static(req, 200, "{\"status\":\"ok\"}");
  return HTTP_DONE;
}

http_status_t api_ready(http_request_t *req)
{
  store_t *store = http_store(req);

  if(store_ping(store)) {
    http_respond_error(req, 503, "not_ready", "the database is unreachable",
                       NULL);
    return HTTP_DONE;
  }
  http_respond_json(req, 200,
                    json_pack("{s:s, s:s}", "status", "ready", "database",
                              store_backend_name(store)));
  return HTTP_DONE;
}
