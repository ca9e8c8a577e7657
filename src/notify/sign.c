/* Webhook signatures and the retry schedule. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/params.h>

#include "notify.h"

#define NOTIFY_DELAY_MAX_MS (6LL * 3600 * 1000)

obol_rc notify_sign(const char *secret, int64_t t, const char *body,
                    size_t len, char out[NOTIFY_SIGNATURE_HEX + 1])
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  char prefix[32];
  int prefix_len = snprintf(prefix, sizeof(prefix), "%lld.", (long long)t);
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
    OSSL_PARAM_construct_end()};
  size_t written = 0;
  obol_rc rc = OBOL_ERR_CRYPTO;

  if(ctx &&
     EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret),
                  params) == 1 &&
     EVP_MAC_update(ctx, (const unsigned char *)prefix, (size_t)prefix_len) ==
         1 &&
     EVP_MAC_update(ctx, (const unsigned char *)body, len) == 1 &&
     EVP_MAC_final(ctx, digest, &written, sizeof(digest)) == 1 &&
     written == 32) {
    digest_len = (unsigned int)written;
    core_hex_encode(digest, digest_len, out);
    rc = OBOL_OK;
  }
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return rc;
}

int64_t notify_retry_delay_ms(int attempts, int base_ms)
{
  int64_t delay = base_ms;

  while(--attempts > 0 && delay < NOTIFY_DELAY_MAX_MS)
    delay *= 2;
  return delay < NOTIFY_DELAY_MAX_MS ? delay : NOTIFY_DELAY_MAX_MS;
}
