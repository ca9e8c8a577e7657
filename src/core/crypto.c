/* Randomness, ids and digests, all from OpenSSL's libcrypto. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core.h"

obol_rc core_random_bytes(void *out, size_t len)
{
  if(len > (size_t)0x7fffffff || RAND_bytes(out, (int)len) != 1)
    return OBOL_ERR_CRYPTO;
  return OBOL_OK;
}

void core_hex_encode(const unsigned char *in, size_t len, char *out)
{
  static const char hex[] = "0123456789abcdef";
  size_t i;

  for(i = 0; i < len; i++) {
    out[2 * i] = hex[in[i] >> 4];
    out[2 * i + 1] = hex[in[i] & 0xf];
  }
  out[2 * len] = '\0';
}

obol_rc core_id_new(const char *prefix, char *out, size_t out_size)
{
  unsigned char raw[CORE_ID_RANDOM_BYTES];
  char hex[2 * CORE_ID_RANDOM_BYTES + 1];
  uint64_t now = (uint64_t)core_now_ms();
  obol_rc rc = core_random_bytes(raw, sizeof(raw));
  int written;
  int i;

  if(rc)
    return rc;
  /* The first 6 bytes are the time in ms: new ids sort after old ones, so
   * inserts append to the indexes instead of dirtying random pages. */
  for(i = 5; i >= 0; i--) {
    raw[i] = (unsigned char)(now & 0xff);
    now >>= 8;
  }
  core_hex_encode(raw, sizeof(raw), hex);
  written = snprintf(out, out_size, "%s_%s", prefix, hex);
  if(written < 0 || (size_t)written >= out_size)
    return OBOL_ERR_LIMIT;
  return OBOL_OK;
}

/* Fetched once: OpenSSL 3's implicit fetch by EVP_sha256() takes a global
 * lock on every call, which serialises all request threads. */
static EVP_MD *crypto_sha256;
static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;

static void crypto_fetch(void)
{
  crypto_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

obol_rc core_sha256_hex(const void *data, size_t len,
                        char out[CORE_SHA256_HEX_LEN + 1])
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;

  pthread_once(&crypto_once, crypto_fetch);
  if(!crypto_sha256 ||
     EVP_Digest(data, len, digest, &digest_len, crypto_sha256, NULL) != 1 ||
     digest_len != 32)
    return OBOL_ERR_CRYPTO;
  core_hex_encode(digest, digest_len, out);
  return OBOL_OK;
}

int core_equal_ct(const void *a, const void *b, size_t len)
{
  return CRYPTO_memcmp(a, b, len) == 0;
}
