/* Bounded growable buffers: grow by doubling, refuse to pass `max`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define BUF_MIN_CAP 64

void core_buf_init(core_buf_t *buf, size_t max)
{
  buf->data = NULL;
  buf->len = 0;
  buf->cap = 0;
  buf->max = max;
}

/* Makes room for `extra` more bytes plus the terminating NUL. */
static obol_rc buf_reserve(core_buf_t *buf, size_t extra)
{
  size_t need;
  size_t cap;
  char *grown;

  if(extra > buf->max || buf->len > buf->max - extra)
    return OBOL_ERR_LIMIT;
  need = buf->len + extra + 1;
  if(need <= buf->cap)
    return OBOL_OK;
  cap = buf->cap ? buf->cap : BUF_MIN_CAP;
  while(cap < need)
    cap *= 2;
  if(cap > buf->max + 1)
    cap = buf->max + 1;
  grown = realloc(buf->data, cap);
  if(!grown)
    return OBOL_ERR_NOMEM;
  buf->data = grown;
  buf->cap = cap;
  return OBOL_OK;
}

obol_rc core_buf_append(core_buf_t *buf, const void *data, size_t len)
{
  obol_rc rc = buf_reserve(buf, len);
  if(rc)
    return rc;
  if(len)
    memcpy(buf->data + buf->len, data, len);
  buf->len += len;
  buf->data[buf->len] = '\0';
  return OBOL_OK;
}

obol_rc core_buf_append_str(core_buf_t *buf, const char *str)
{
  return core_buf_append(buf, str, strlen(str));
}

obol_rc core_buf_printf(core_buf_t *buf, const char *fmt, ...)
{
  va_list ap;
  int needed;
  obol_rc rc;

  va_start(ap, fmt);
  needed = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if(needed < 0)
    return OBOL_ERR_INVALID;
  rc = buf_reserve(buf, (size_t)needed);
  if(rc)
    return rc;
  va_start(ap, fmt);
  vsnprintf(buf->data + buf->len, (size_t)needed + 1, fmt, ap);
  va_end(ap);
  buf->len += (size_t)needed;
  return OBOL_OK;
}

void core_buf_reset(core_buf_t *buf)
{
  buf->len = 0;
  if(buf->data)
    buf->data[0] = '\0';
}

void core_buf_free(core_buf_t *buf)
{
  free(buf->data);
  core_buf_init(buf, buf->max);
}

obol_rc core_buf_reserve(core_buf_t *buf, size_t extra)
{
  return buf_reserve(buf, extra);
}

/* Appends runs of plain characters at once; escapes the rest. */
obol_rc core_buf_append_json_string(core_buf_t *buf, const char *str)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *run = (const unsigned char *)str;
  const unsigned char *p;
  obol_rc rc = core_buf_append(buf, "\"", 1);

  for(p = run; !rc && *p; p++) {
    char esc[6] = {'\\', 'u', '0', '0', 0, 0};
    size_t esc_len = 2;
    if(*p == '"' || *p == '\\')
      esc[1] = (char)*p;
    else if(*p < 0x20) {
      esc[4] = hex[*p >> 4];
      esc[5] = hex[*p & 0xf];
      esc_len = 6;
    }
    else
      continue;
    rc = core_buf_append(buf, run, (size_t)(p - run));
    if(!rc)
      rc = core_buf_append(buf, esc, esc_len);
    run = p + 1;
  }
  if(!rc)
    rc = core_buf_append(buf, run, (size_t)(p - run));
  if(!rc)
    rc = core_buf_append(buf, "\"", 1);
  return rc;
}

obol_rc core_url_append(core_buf_t *buf, const char *name, const char *value)
{
  const char *p;
  obol_rc rc = core_buf_printf(buf, "%c%s=",
                               buf->len && memchr(buf->data, '?', buf->len)
                                   ? '&' : '?', name);
  for(p = value; !rc && p && *p; p++) {
    unsigned char c = (unsigned char)*p;
    if((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~')
      rc = core_buf_append(buf, p, 1);
    else
      rc = core_buf_printf(buf, "%%%02X", c);
  }
  return rc;
}
