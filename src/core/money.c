/* The one money parser: decimal text in major units to int64 minor units,
 * exactly, with the currency's exponent. No floating point past parsing:
 * a JSON number is first turned back into its shortest decimal text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define MONEY_TEXT_MAX 64

/* Multiplies *value by 10^power, refusing to overflow int64. */
static int money_scale(int64_t *value, int power)
{
  while(power-- > 0) {
    if(*value > INT64_MAX / 10)
      return -1;
    *value *= 10;
  }
  return 0;
}

obol_rc core_money_parse(const char *text, int exponent, int64_t *out,
                         const char **problem)
{
  const char *p = text;
  char digits[MONEY_TEXT_MAX];
  size_t count = 0;
  int fraction = 0; /* digits after the point */
  int negative = 0, seen_point = 0, seen_digit = 0;
  long power = 0;
  int64_t value = 0;
  size_t i;

  *problem = "must be a decimal number, e.g. 12.50";
  if(*p == '-' || *p == '+')
    negative = *p++ == '-';
  for(; *p; p++) {
    if(*p >= '0' && *p <= '9') {
      seen_digit = 1;
      if(count == 0 && *p == '0') { /* leading zeros carry nothing */
        if(seen_point)
          fraction++;
        continue;
      }
      if(count >= sizeof(digits) - 1)
        goto too_large;
      digits[count++] = *p;
      fraction += seen_point;
    }
    else if(*p == '.' && !seen_point)
      seen_point = 1;
    else
      break;
  }
  if(!seen_digit)
    return OBOL_ERR_INVALID;
  if(*p == 'e' || *p == 'E') {
    const char *first = p + 1 + (p[1] == '+' || p[1] == '-');
    char *end;
    if(*first < '0' || *first > '9') /* strtol would skip spaces */
      return OBOL_ERR_INVALID;
    power = strtol(p + 1, &end, 10);
    if(end == p + 1 || *end || power > 40 || power < -40)
      return OBOL_ERR_INVALID;
  }
  else if(*p)
    return OBOL_ERR_INVALID;
  /* value = digits * 10^(power - fraction + exponent) minor units */
  power = power - fraction + exponent;
  while(count > 0 && power < 0 && digits[count - 1] == '0') {
    count--;
    power++;
  }
  if(power < 0 && count > 0) {
    *problem = "has more decimal places than the currency allows";
    return OBOL_ERR_INVALID;
  }
  for(i = 0; i < count; i++) {
    if(value > (INT64_MAX - (digits[i] - '0')) / 10)
      goto too_large;
    value = value * 10 + (digits[i] - '0');
  }
  if(count > 0 && money_scale(&value, (int)power))
    goto too_large;
  *out = negative ? -value : value;
  *problem = NULL;
  return OBOL_OK;
too_large:
  *problem = "is too large";
  return OBOL_ERR_LIMIT;
}

obol_rc core_money_from_double(double number, int exponent, int64_t *out,
                               const char **problem)
{
  char text[MONEY_TEXT_MAX];
  int precision;

  /* The shortest text that reads back as the same double is what the
   * client wrote, for any number of up to 15 significant digits. */
  for(precision = 1; precision <= 17; precision++) {
    snprintf(text, sizeof(text), "%.*g", precision, number);
    if(strtod(text, NULL) == number)
      break;
  }
  if(precision > 15) {
    *problem = "has more significant digits than a JSON number carries "
               "exactly; send it as a string";
    return OBOL_ERR_INVALID;
  }
  return core_money_parse(text, exponent, out, problem);
}

void core_money_format(int64_t minor, int exponent, char *out, size_t size)
{
  uint64_t magnitude = minor < 0 ? (uint64_t)0 - (uint64_t)minor
                                 : (uint64_t)minor;
  uint64_t divisor = 1;
  int i;

  for(i = 0; i < exponent; i++)
    divisor *= 10;
  if(exponent == 0)
    snprintf(out, size, "%s%llu", minor < 0 ? "-" : "",
             (unsigned long long)magnitude);
  else
    snprintf(out, size, "%s%llu.%0*llu", minor < 0 ? "-" : "",
             (unsigned long long)(magnitude / divisor), exponent,
             (unsigned long long)(magnitude % divisor));
}
