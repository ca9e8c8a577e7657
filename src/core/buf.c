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

/* Unreserved bytes as they are, the rest %XX; a space as + in a form. */
static obol_rc buf_encode(core_buf_t *buf, const char *value, int form)
{
  const char *p;
  obol_rc rc = OBOL_OK;

  for(p = value; !rc && p && *p; p++) {
    unsigned char c = (unsigned char)*p;
    if((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~')
      rc = core_buf_append(buf, p, 1);
    else if(form && c == ' ')
      rc = core_buf_append(buf, "+", 1);
    else
      rc = core_buf_printf(buf, "%%%02X", c);
  }
  return rc;
}

obol_rc core_url_encode(core_buf_t *buf, const char *value)
{
  return buf_encode(buf, value, 0);
}

obol_rc core_form_encode(core_buf_t *buf, const char *value)
{
  return buf_encode(buf, value, 1);
}

obol_rc core_url_append(core_buf_t *buf, const char *name, const char *value)
{
  obol_rc rc = core_buf_printf(buf, "%c%s=",
                               buf->len && memchr(buf->data, '?', buf->len)
                                   ? '&' : '?', name);
  return rc ? rc : core_url_encode(buf, value);
}

obol_rc core_url_with(core_buf_t *buf, const char *url,
                      const char *const pairs[][2], size_t count)
{
  const char *fragment = strchr(url, '#');
  obol_rc rc = core_buf_append(buf, url, fragment ? (size_t)(fragment - url)
                                                  : strlen(url));
  size_t i;

  for(i = 0; !rc && i < count; i++)
    if(pairs[i][1])
      rc = core_url_append(buf, pairs[i][0], pairs[i][1]);
  if(!rc && fragment)
    rc = core_buf_append_str(buf, fragment);
  return rc;
}

static int form_hex(char c)
{
  if(c >= '0' && c <= '9')
    return c - '0';
  if(c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if(c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes len bytes into out (room for len + 1); -1 on a bad escape or a
 * NUL byte. */
static int form_decode(const char *text, size_t len, char *out)
{
  size_t i, n = 0;

  for(i = 0; i < len; i++) {
    int high, low;
    if(text[i] != '%') {
      out[n++] = text[i] == '+' ? ' ' : text[i];
      continue;
    }
    if(i + 2 >= len)
      return -1;
    high = form_hex(text[i + 1]);
    low = form_hex(text[i + 2]);
    if(high < 0 || low < 0 || (high == 0 && low == 0))
      return -1;
    out[n++] = (char)(high * 16 + low);
    i += 2;
  }
  out[n] = '\0';
  return 0;
}

obol_rc core_form_pairs(const char *text, size_t len,
                        int (*each)(void *context, const char *name,
                                    const char *value),
                        void *context)
{
  char *name = malloc(len + 1), *value = malloc(len + 1);
  size_t start = 0;
  obol_rc rc = name && value ? OBOL_OK : OBOL_ERR_NOMEM;

  while(!rc && start < len) {
    const char *pair = text + start;
    const char *amp = memchr(pair, '&', len - start);
    size_t pair_len = amp ? (size_t)(amp - pair) : len - start;
    const char *equals = memchr(pair, '=', pair_len);
    size_t name_len = equals ? (size_t)(equals - pair) : pair_len;

    if(pair_len) {
      if(form_decode(pair, name_len, name) ||
         form_decode(equals ? equals + 1 : pair + pair_len,
                     equals ? pair_len - name_len - 1 : 0, value))
        rc = OBOL_ERR_INVALID;
      else if(each(context, name, value))
        rc = OBOL_ERR_INVALID;
    }
    start += pair_len + 1;
  }
  free(name);
  free(value);
  return rc;
}
