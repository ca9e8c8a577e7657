/* Webhook signatures and the retry schedule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "notify.h"

#define NOTIFY_DELAY_MAX_MS (6LL * 3600 * 1000)

obol_rc notify_sign(const char *secret, int64_t t, const char *body,
                    size_t len, char out[NOTIFY_SIGNATURE_HEX + 1])
{
  char prefix[32];
  int prefix_len = snprintf(prefix, sizeof(prefix), "%lld.", (long long)t);
  return core_hmac_sha256_hex(secret, strlen(secret), prefix,
                              (size_t)prefix_len, body, len, out);
}

int64_t notify_retry_delay_ms(int attempts, int base_ms)
{
  int64_t delay = base_ms;

  while(--attempts > 0 && delay < NOTIFY_DELAY_MAX_MS)
    delay *= 2;
  return delay < NOTIFY_DELAY_MAX_MS ? delay : NOTIFY_DELAY_MAX_MS;
}

int64_t notify_retry_at(int64_t now, int attempts, int base_ms)
{
  int64_t delay = notify_retry_delay_ms(attempts, base_ms);
  uint32_t random = 0;

  /* up to +20%, so deliveries that failed together do not retry together */
  core_random_bytes(&random, sizeof(random));
  return now + delay + (int64_t)((double)delay * 0.2 * (random / 4294967296.0));
}

obol_rc notify_verify(const char *header, const char *body, size_t len,
                      const char *secret, int64_t now_s, int tolerance_s)
{
  char expected[NOTIFY_SIGNATURE_HEX + 1];
  const char *p = header;
  long long t = -1;
  int found = 0;

  /* t=<seconds>,v1=<hex>[,v1=<hex>...], in any order */
  while(p && *p) {
    const char *end = strchr(p, ',');
    size_t part = end ? (size_t)(end - p) : strlen(p);
    if(part > 2 && !strncmp(p, "t=", 2))
      t = strtoll(p + 2, NULL, 10);
    p = end ? end + 1 : NULL;
  }
  if(t < 0 || now_s - t > tolerance_s || t - now_s > tolerance_s ||
     notify_sign(secret, t, body, len, expected))
    return OBOL_ERR_AUTH;
  for(p = header; p && *p;) {
    const char *end = strchr(p, ',');
    size_t part = end ? (size_t)(end - p) : strlen(p);
    if(part == 3 + NOTIFY_SIGNATURE_HEX && !strncmp(p, "v1=", 3) &&
       core_equal_ct(p + 3, expected, NOTIFY_SIGNATURE_HEX))
      found = 1;
    p = end ? end + 1 : NULL;
  }
  return found ? OBOL_OK : OBOL_ERR_AUTH;
}
