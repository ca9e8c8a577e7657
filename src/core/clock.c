/* Wall and monotonic clocks, and RFC 3339 formatting. */
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"

/* Moved only by the test clock (obol serve --test-clock); zero otherwise. */
static atomic_llong clock_offset_ms;

int64_t core_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
         atomic_load(&clock_offset_ms);
}

void core_clock_advance(int64_t ms)
{
  atomic_fetch_add(&clock_offset_ms, ms);
}

/* Reads exactly `count` digits. */
static int clock_digits(const char **p, int count, int *out)
{
  int value = 0;
  while(count--) {
    if(!isdigit((unsigned char)**p))
      return -1;
    value = value * 10 + (*(*p)++ - '0');
  }
  *out = value;
  return 0;
}

static int clock_expect(const char **p, char c)
{
  if(**p != c)
    return -1;
  (*p)++;
  return 0;
}

obol_rc core_time_parse(const char *text, int64_t *out_ms)
{
  const char *p = text;
  struct tm tm;
  int year, month, day, hour, minute, second, millis = 0, offset = 0;
  time_t secs;

  memset(&tm, 0, sizeof(tm));
  if(clock_digits(&p, 4, &year) || clock_expect(&p, '-') ||
     clock_digits(&p, 2, &month) || clock_expect(&p, '-') ||
     clock_digits(&p, 2, &day) || (*p != 'T' && *p != 't') ||
     (p++, clock_digits(&p, 2, &hour)) || clock_expect(&p, ':') ||
     clock_digits(&p, 2, &minute) || clock_expect(&p, ':') ||
     clock_digits(&p, 2, &second))
    return OBOL_ERR_INVALID;
  if(*p == '.') {
    int digits = 0;
    p++;
    while(isdigit((unsigned char)*p)) {
      if(digits < 3)
        millis = millis * 10 + (*p - '0');
      digits++;
      p++;
    }
    if(!digits)
      return OBOL_ERR_INVALID;
    while(digits < 3) {
      millis *= 10;
      digits++;
    }
  }
  if(*p == 'Z' || *p == 'z')
    p++;
  else if(*p == '+' || *p == '-') {
    int sign = *p++ == '-' ? -1 : 1, oh, om;
    if(clock_digits(&p, 2, &oh) || clock_expect(&p, ':') ||
       clock_digits(&p, 2, &om) || oh > 23 || om > 59)
      return OBOL_ERR_INVALID;
    offset = sign * (oh * 60 + om);
  }
  else
    return OBOL_ERR_INVALID;
  if(*p || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
     minute > 59 || second > 60 || year < 1970)
    return OBOL_ERR_INVALID;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  secs = timegm(&tm);
  if(tm.tm_mday != day) /* timegm normalised e.g. February 30 */
    return OBOL_ERR_INVALID;
  *out_ms = ((int64_t)secs - (int64_t)offset * 60) * 1000 + millis;
  return OBOL_OK;
}

int64_t core_monotonic_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void core_time_format(int64_t ms, char *out, size_t out_size)
{
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;

  gmtime_r(&secs, &tm);
  snprintf(out, out_size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
           tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}
