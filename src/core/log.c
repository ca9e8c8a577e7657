/* JSON log lines on stderr, one write(2) each. */
#include <stdio.h>
#include <unistd.h>

#include "core.h"

#define LOG_LINE_MAX 8192

static const char *const log_level_names[] = {"debug", "info", "warn",
                                              "error"};

void core_log_line(const char *json, size_t len)
{
  char line[LOG_LINE_MAX + 1];
  ssize_t ignored;

  if(len > LOG_LINE_MAX)
    len = LOG_LINE_MAX;
  for(size_t i = 0; i < len; i++)
    line[i] = json[i];
  line[len] = '\n';
  ignored = write(STDERR_FILENO, line, len + 1);
  (void)ignored;
}

void core_log(core_log_level level, const char *event, const char *fmt, ...)
{
  char message[2048];
  char when[32];
  core_buf_t line;
  va_list ap;
  obol_rc rc;

  va_start(ap, fmt);
  vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);
  core_time_format(core_now_ms(), when, sizeof(when));
  core_buf_init(&line, LOG_LINE_MAX);
  rc = core_buf_printf(&line, "{\"time\":\"%s\",\"level\":\"%s\",\"event\":",
                       when, log_level_names[level]);
  if(!rc)
    rc = core_buf_append_json_string(&line, event);
  if(!rc)
    rc = core_buf_append_str(&line, ",\"message\":");
  if(!rc)
    rc = core_buf_append_json_string(&line, message);
  if(!rc)
    rc = core_buf_append_str(&line, "}");
  if(!rc)
    core_log_line(line.data, line.len);
  core_buf_free(&line);
}
