/* API secret keys: generation and hashing. Only hashes are ever stored. */
#include <string.h>

#include "http.h"

#define KEY_RANDOM_BYTES 32
#define KEY_PREFIX_LEN 8 /* "sk_test_" and "sk_live_" */

obol_rc http_key_generate(int live, char *secret_out,
                          char hash_out[CORE_SHA256_HEX_LEN + 1])
{
  unsigned char raw[KEY_RANDOM_BYTES];
  obol_rc rc = core_random_bytes(raw, sizeof(raw));

  if(rc)
    return rc;
  memcpy(secret_out, live ? "sk_live_" : "sk_test_", KEY_PREFIX_LEN);
  core_hex_encode(raw, sizeof(raw), secret_out + KEY_PREFIX_LEN);
  return core_sha256_hex(secret_out, strlen(secret_out), hash_out);
}

obol_rc http_key_hash(const char *secret,
                      char hash_out[CORE_SHA256_HEX_LEN + 1])
{
  size_t len = strlen(secret);
  size_t i;

  if(len != KEY_PREFIX_LEN + 2 * KEY_RANDOM_BYTES)
    return OBOL_ERR_AUTH;
  if(strncmp(secret, "sk_test_", KEY_PREFIX_LEN) &&
     strncmp(secret, "sk_live_", KEY_PREFIX_LEN))
    return OBOL_ERR_AUTH;
  for(i = KEY_PREFIX_LEN; i < len; i++)
    if(!strchr("0123456789abcdef", secret[i]))
      return OBOL_ERR_AUTH;
  return core_sha256_hex(secret, len, hash_out);
}
