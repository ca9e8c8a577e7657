/* POST /v1/test/clock: moves Obol's clock forward, for tests of deadlines.
 * Exists only on a server started with --test-clock; a 404 otherwise. */
#include "../payment/payment.h"
#include "api.h"

#define CLOCK_ADVANCE_MAX_SECONDS (10LL * 366 * 86400)

http_status_t api_test_clock(http_request_t *req)
{
  api_config_t *config = http_app(req);
  json_t *advance = req->json ? json_object_get(req->json, "advance_seconds")
                              : NULL;
  static const char *const clock_fields[] = {"advance_seconds", NULL};
  json_t *fields;
  char now[32];
  int swept;

  if(!config->test_clock) {
    http_respond_error(req, 404, "not_found", "no such endpoint", NULL);
    return HTTP_DONE;
  }
  fields = json_object();
  if(req->json && api_check_unknown_fields(req->json, clock_fields,
                                            fields)) {
    http_respond_error(req, 400, "validation_error",
                       "some fields are invalid; the clock did not move",
                       fields);
    return HTTP_DONE;
  }
  json_decref(fields);
  if(!json_is_integer(advance) || json_integer_value(advance) < 0 ||
     json_integer_value(advance) > CLOCK_ADVANCE_MAX_SECONDS) {
    http_respond_field_error(req, 400, "validation_error", "advance_seconds",
                             "must be an integer number of seconds from 0 "
                             "to ten years");
    return HTTP_DONE;
  }
  core_clock_advance(json_integer_value(advance) * 1000);
  /* deadlines now due apply at once: orders', then payment attempts' */
  swept = order_sweep(config->store);
  swept += payment_sweep(config->store);
  core_time_format(core_now_ms(), now, sizeof(now));
  http_respond_json(req, 200,
                    json_pack("{s:s, s:i}", "now", now, "swept", swept));
  return HTTP_DONE;
}
