/* Randomness, ids and digests, all from OpenSSL's libcrypto. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

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

/* (ms << 16 | sequence) of the last id: ids of one process only grow,
 * also within a millisecond and when the wall clock steps back. */
static atomic_uint_fast64_t crypto_id_state;

static uint64_t crypto_id_next(void)
{
  uint64_t now = (uint64_t)core_now_ms() << 16;
  uint64_t last = atomic_load(&crypto_id_state);
  uint64_t next;

  do
    next = now > last ? now : last + 1;
  while(!atomic_compare_exchange_weak(&crypto_id_state, &last, next));
  return next;
}

obol_rc core_id_new(const char *prefix, char *out, size_t out_size)
{
  unsigned char raw[CORE_ID_RANDOM_BYTES];
  char hex[2 * CORE_ID_RANDOM_BYTES + 1];
  uint64_t order = crypto_id_next();
  obol_rc rc = core_random_bytes(raw, sizeof(raw));
  int written;
  int i;

  if(rc)
    return rc;
  /* 6 bytes of ms time and 2 of sequence, then 4 random: new ids sort
   * after old ones (in creation order), so inserts append to the indexes
   * instead of dirtying random pages. */
  for(i = 7; i >= 0; i--) {
    raw[i] = (unsigned char)(order & 0xff);
    order >>= 8;
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

obol_rc core_hmac_sha256_hex(const char *key, size_t key_len,
                             const void *first, size_t first_len,
                             const void *second, size_t second_len,
                             char out[CORE_SHA256_HEX_LEN + 1])
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
    OSSL_PARAM_construct_end()};
  size_t written = 0;
  obol_rc rc = OBOL_ERR_CRYPTO;

  if(ctx &&
     EVP_MAC_init(ctx, (const unsigned char *)key, key_len, params) == 1 &&
     EVP_MAC_update(ctx, first, first_len) == 1 &&
     (!second || EVP_MAC_update(ctx, second, second_len) == 1) &&
     EVP_MAC_final(ctx, digest, &written, sizeof(digest)) == 1 &&
     written == 32) {
    core_hex_encode(digest, written, out);
    rc = OBOL_OK;
  }
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return rc;
}

int core_base64_decode(const char *text, unsigned char *out, size_t size)
{
  size_t length = strlen(text);
  int decoded;

  if(length % 4 || length / 4 * 3 + 1 > size)
    return -1;
  decoded = EVP_DecodeBlock(out, (const unsigned char *)text, (int)length);
  if(decoded < 0)
    return -1;
  /* EVP_DecodeBlock counts the padding as zero bytes */
  while(length && text[length - 1] == '=' && decoded > 0) {
    decoded--;
    length--;
  }
  out[decoded] = '\0';
  return decoded;
}

int core_equal_ct(const void *a, const void *b, size_t len)
{
  return CRYPTO_memcmp(a, b, len) == 0;
}

/* base64 of len bytes, malloc'd. */
static char *crypto_base64(const unsigned char *in, size_t len)
{
  char *out = malloc(4 * ((len + 2) / 3) + 1);
  if(out)
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
  return out;
}

static EVP_PKEY *crypto_read_key(const char *pem)
{
  BIO *bio = BIO_new_mem_buf(pem, -1);
  EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
                      : NULL;
  BIO_free(bio);
  return key;
}

obol_rc core_rsa_generate(char **pem)
{
  EVP_PKEY *key = EVP_RSA_gen(2048);
  BIO *bio = BIO_new(BIO_s_mem());
  char *data = NULL;
  long len;
  obol_rc rc = OBOL_ERR_CRYPTO;

  *pem = NULL;
  if(key && bio &&
     PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1 &&
     (len = BIO_get_mem_data(bio, &data)) > 0 &&
     (*pem = malloc((size_t)len + 1)) != NULL) {
    memcpy(*pem, data, (size_t)len);
    (*pem)[len] = '\0';
    rc = OBOL_OK;
  }
  BIO_free(bio);
  EVP_PKEY_free(key);
  return rc;
}

obol_rc core_rsa_sign(const char *pem, const void *data, size_t len,
                      char **signature)
{
  EVP_PKEY *key = crypto_read_key(pem);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned char raw[1024];
  size_t raw_len = sizeof(raw);
  obol_rc rc = OBOL_ERR_CRYPTO;

  *signature = NULL;
  if(key && ctx &&
     EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
     EVP_DigestSign(ctx, raw, &raw_len, data, len) == 1 &&
     (*signature = crypto_base64(raw, raw_len)) != NULL)
    rc = OBOL_OK;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return rc;
}

obol_rc core_rsa_public(const char *pem, char **der_base64)
{
  EVP_PKEY *key = crypto_read_key(pem);
  unsigned char *der = NULL;
  int len = key ? i2d_PUBKEY(key, &der) : -1;

  *der_base64 = len > 0 ? crypto_base64(der, (size_t)len) : NULL;
  OPENSSL_free(der);
  EVP_PKEY_free(key);
  return *der_base64 ? OBOL_OK : OBOL_ERR_CRYPTO;
}

obol_rc core_aes128_decrypt(const unsigned char key[16], core_aes_mode_t mode,
                            const unsigned char *data, size_t len,
                            unsigned char *out, size_t *out_len)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int gcm = mode == CORE_AES_GCM;
  size_t body = len > (size_t)(gcm ? 32 : 16) ? len - (gcm ? 32 : 16) : 0;
  int written = 0, last = 0;
  obol_rc rc = OBOL_ERR_CRYPTO;

  *out_len = 0;
  if(ctx && body && body < (size_t)1 << 30 &&
     EVP_DecryptInit_ex(ctx, gcm ? EVP_aes_128_gcm() : EVP_aes_128_cbc(),
                        NULL, NULL, NULL) == 1 &&
     (!gcm || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 16, NULL) ==
                  1) &&
     EVP_DecryptInit_ex(ctx, NULL, NULL, key, data) == 1 &&
     EVP_DecryptUpdate(ctx, out, &written, data + 16, (int)body) == 1 &&
     (!gcm || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16,
                                  (void *)(data + 16 + body)) == 1) &&
     EVP_DecryptFinal_ex(ctx, out + written, &last) == 1) {
    *out_len = (size_t)(written + last);
    rc = OBOL_OK;
  }
  EVP_CIPHER_CTX_free(ctx);
  return rc;
}

int core_base64url_decode(const char *text, size_t len, unsigned char *out)
{
  char *standard = malloc(len + 4);
  size_t i, n = 0;
  int decoded;

  if(!standard)
    return -1;
  for(i = 0; i < len && text[i] != '='; i++)
    standard[n++] = text[i] == '-' ? '+' : text[i] == '_' ? '/' : text[i];
  while(n % 4)
    standard[n++] = '=';
  standard[n] = '\0';
  decoded = core_base64_decode(standard, out, len + 3);
  free(standard);
  return decoded;
}
