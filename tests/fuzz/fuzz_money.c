/* libFuzzer: the money parser never crashes, and what it accepts formats
 * back to a decimal that parses to the same value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char text[80];
  char again[64];
  const char *problem;
  int64_t minor, back;
  int exponent;

  if(size < 1 || size > sizeof(text))
    return 0;
  exponent = data[0] % 5; /* 0..4, as ISO 4217 has */
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  if(core_money_parse(text, exponent, &minor, &problem))
    return 0;
  core_money_format(minor, exponent, again, sizeof(again));
  if(core_money_parse(again, exponent, &back, &problem) || back != minor)
    abort();
  return 0;
}
