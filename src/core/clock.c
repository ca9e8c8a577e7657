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

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm):
 * no gmtime_r, whose time-zone lock serialises every thread. */
static void clock_civil(int64_t days, int *year, int *month, int *day)
{
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;

  *day = (int)(doy - (153 * mp + 2) / 5 + 1);
  *month = (int)(mp < 10 ? mp + 3 : mp - 9);
  *year = (int)(yoe + era * 400 + (*month <= 2));
}

static void clock_put(char *out, int value, int digits)
{
  while(digits--) {
    out[digits] = (char)('0' + value % 10);
    value /= 10;
  }
}

/* "HH:MM:SS" into out (8 characters, no NUL). */
static void clock_put_time(char *out, int seconds_of_day)
{
  clock_put(out, seconds_of_day / 3600, 2);
  out[2] = ':';
  clock_put(out + 3, seconds_of_day / 60 % 60, 2);
  out[5] = ':';
  clock_put(out + 6, seconds_of_day % 60, 2);
}

void core_time_format(int64_t ms, char *out, size_t out_size)
{
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int seconds_of_day = (int)(secs - days * 86400);
  int year, month, day;
  char text[25];

  clock_civil(days, &year, &month, &day);
  /* YYYY-MM-DDTHH:MM:SS.mmmZ */
  clock_put(text, year, 4);
  text[4] = '-';
  clock_put(text + 5, month, 2);
  text[7] = '-';
  clock_put(text + 8, day, 2);
  text[10] = 'T';
  clock_put_time(text + 11, seconds_of_day);
  text[19] = '.';
  clock_put(text + 20, (int)(ms - secs * 1000), 3);
  text[23] = 'Z';
  text[24] = '\0';
  snprintf(out, out_size, "%s", text);
}

void core_http_date(int64_t ms, char out[CORE_HTTP_DATE_LEN + 1])
{
  static const char days[] = "ThuFriSatSunMonTueWed"; /* 1970-01-01: Thu */
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  int64_t secs = ms / 1000;
  int64_t day_number = secs / 86400;
  int seconds_of_day = (int)(secs % 86400);
  int year, month, day;

  clock_civil(day_number, &year, &month, &day);
  /* IMF-fixdate: "Mon, 23 Nov 2026 12:17:16 GMT" */
  memcpy(out, days + 3 * (day_number % 7), 3);
  memcpy(out + 3, ", ", 2);
  clock_put(out + 5, day, 2);
  out[7] = ' ';
  memcpy(out + 8, months + 3 * (month - 1), 3);
  out[11] = ' ';
  clock_put(out + 12, year, 4);
  out[16] = ' ';
  clock_put_time(out + 17, seconds_of_day);
  memcpy(out + 25, " GMT", 5);
}
