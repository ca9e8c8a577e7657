/* The project's status codes and their messages. */
#include "core.h"

static const char *const rc_messages[OBOL_RC_COUNT] = {
  [OBOL_OK] = "ok",
  [OBOL_ERR_NOMEM] = "out of memory",
  [OBOL_ERR_LIMIT] = "size limit exceeded",
  [OBOL_ERR_INVALID] = "invalid input",
  [OBOL_ERR_NOT_FOUND] = "not found",
  [OBOL_ERR_CONFLICT] = "conflict",
  [OBOL_ERR_AUTH] = "authentication failed",
  [OBOL_ERR_STORE] = "database error",
  [OBOL_ERR_IO] = "input/output error",
  [OBOL_ERR_CRYPTO] = "cryptography error",
  [OBOL_ERR_SHUTDOWN] = "shutting down",
};

const char *obol_rc_str(obol_rc rc)
{
  if(rc < 0 || rc >= OBOL_RC_COUNT || !rc_messages[rc])
    return "unknown error";
  return rc_messages[rc];
}
