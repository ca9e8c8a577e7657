/* core: the pieces every other module uses.
 *
 * One status enum for the whole project (obol_rc), bounded growable buffers,
 * per-request arenas, ids and secrets from the CSPRNG, hashing, the clock and
 * the JSON log writer. Nothing here knows about HTTP or SQL. */
#ifndef OBOL_CORE_H
#define OBOL_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define OBOL_VERSION "0.1.0"

/* Every internal function that can fail returns one of these. Zero is
 * success, so call sites read `rc = step(); if(rc) goto fail;`. */
typedef enum {
  OBOL_OK = 0,
  OBOL_ERR_NOMEM,     /* allocation failed */
  OBOL_ERR_LIMIT,     /* a bounded buffer or input would exceed its maximum */
  OBOL_ERR_INVALID,   /* bad input (validation) */
  OBOL_ERR_NOT_FOUND, /* no such row or route */
  OBOL_ERR_CONFLICT,  /* uniqueness or state conflict */
  OBOL_ERR_AUTH,      /* credentials missing, wrong or revoked */
  OBOL_ERR_STORE,     /* the database failed */
  OBOL_ERR_IO,        /* a socket, file or OS call failed */
  OBOL_ERR_CRYPTO,    /* the CSPRNG or a digest failed */
  OBOL_ERR_SHUTDOWN,  /* the component is stopping and takes no new work */
  OBOL_RC_COUNT
} obol_rc;

const char *obol_rc_str(obol_rc rc);

/* ---- bounded growable buffer (curl's dynbuf) ---------------------------
 * Grows on demand but never past `max` bytes: a request body or a JSON
 * document can never eat the machine. Always NUL-terminated when non-empty. */
typedef struct {
  char *data;
  size_t len;
  size_t cap;
  size_t max;
} core_buf_t;

void core_buf_init(core_buf_t *buf, size_t max);
obol_rc core_buf_append(core_buf_t *buf, const void *data, size_t len);
obol_rc core_buf_append_str(core_buf_t *buf, const char *str);
obol_rc core_buf_printf(core_buf_t *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Makes room for extra more bytes now, to save regrowing later. */
obol_rc core_buf_reserve(core_buf_t *buf, size_t extra);
/* Calls each(context, name, value) for every pair of a form-encoded text
 * ("a=1&b=x+y%21"), decoded (+ is a space, %XX a byte), in order.
 * OBOL_ERR_INVALID for a bad escape, a NUL byte, or a pair each() refused
 * (a non-zero return stops it). */
obol_rc core_form_pairs(const char *text, size_t len,
                        int (*each)(void *context, const char *name,
                                    const char *value),
                        void *context);
/* Appends value percent-encoded (all but unreserved characters), fit for
 * a path segment or a query value. */
obol_rc core_url_encode(core_buf_t *buf, const char *value);
/* The same, form-encoded: a space as +. */
obol_rc core_form_encode(core_buf_t *buf, const char *value);
/* Appends url with the (name, value) pairs added to its query, before any
 * #fragment (a fragment stays last); a pair whose value is NULL is left
 * out. Not NUL-terminated. */
obol_rc core_url_with(core_buf_t *buf, const char *url,
                      const char *const pairs[][2], size_t count);
/* Appends ?name=value (or &name=value when the URL in buf has a query)
 * with value percent-encoded. */
obol_rc core_url_append(core_buf_t *buf, const char *name, const char *value);
void core_buf_reset(core_buf_t *buf);
void core_buf_free(core_buf_t *buf);

/* ---- per-request arena (nginx's pool) ----------------------------------
 * Everything a request allocates comes from its arena and is freed at once
 * when the request ends; things that need closing register a cleanup. */
typedef struct core_arena core_arena_t;
typedef void (*core_cleanup_fn)(void *data);

core_arena_t *core_arena_create(size_t block_size);
void *core_arena_alloc(core_arena_t *arena, size_t size);
char *core_arena_strdup(core_arena_t *arena, const char *str);
char *core_arena_strndup(core_arena_t *arena, const char *str, size_t len);
char *core_arena_printf(core_arena_t *arena, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
obol_rc core_arena_on_cleanup(core_arena_t *arena, core_cleanup_fn fn,
                              void *data);
void core_arena_destroy(core_arena_t *arena);

/* ---- randomness, ids, hashing ------------------------------------------ */
#define CORE_SHA256_HEX_LEN 64
#define CORE_ID_RANDOM_BYTES 12 /* 48 bits ms, 16 sequence, 32 random */

obol_rc core_random_bytes(void *out, size_t len);
/* Writes 2*len hex characters plus NUL into out. */
void core_hex_encode(const unsigned char *in, size_t len, char *out);
/* "<prefix>_<24 hex>", e.g. ord_019aa5...: ordered by creation within a
 * process (ms time and a sequence), then random.
 * Ids are names, not secrets: secrets (keys, tokens) are fully random. */
obol_rc core_id_new(const char *prefix, char *out, size_t out_size);
/* SHA-256 of data as 64 lowercase hex characters plus NUL. */
obol_rc core_sha256_hex(const void *data, size_t len,
                        char out[CORE_SHA256_HEX_LEN + 1]);
/* ---- RSA (seed 003's notification signatures) ---- */
/* A new 2048-bit RSA private key as PEM (malloc'd; free it). */
obol_rc core_rsa_generate(char **pem);
/* base64(RSA-SHA256 signature (PKCS#1 v1.5) of data) with the PEM private
 * key, malloc'd. */
obol_rc core_rsa_sign(const char *pem, const void *data, size_t len,
                      char **signature);
/* The key's public half: base64 of its DER SubjectPublicKeyInfo (no PEM
 * armour), malloc'd. */
obol_rc core_rsa_public(const char *pem, char **der_base64);

/* ---- AES (seed 000's payment requests) ---- */
typedef enum { CORE_AES_CBC, CORE_AES_GCM } core_aes_mode_t;
/* Decrypts an AES-128 message whose first 16 bytes are the IV: CBC with
 * PKCS#7 padding, or GCM with the last 16 bytes the tag. out needs len
 * bytes; *out_len gets the plaintext length. OBOL_ERR_CRYPTO when it does
 * not decrypt (wrong key, tampered, bad padding or tag). */
obol_rc core_aes128_decrypt(const unsigned char key[16], core_aes_mode_t mode,
                            const unsigned char *data, size_t len,
                            unsigned char *out, size_t *out_len);
/* URL-safe base64 (- and _, '=' padding optional) into out (len + 3
 * bytes); -1 if it is not one, else the decoded length. */
int core_base64url_decode(const char *text, size_t len, unsigned char *out);

/* Standard base64 (with padding) into out (NUL-terminated); -1 if it is
 * not base64 or does not fit. Returns the decoded length. */
int core_base64_decode(const char *text, unsigned char *out, size_t size);
/* hex(HMAC-SHA256(key, first || second)); second may be NULL. */
obol_rc core_hmac_sha256_hex(const char *key, size_t key_len,
                             const void *first, size_t first_len,
                             const void *second, size_t second_len,
                             char out[CORE_SHA256_HEX_LEN + 1]);
/* Constant-time equality of two equal-length byte strings. */
int core_equal_ct(const void *a, const void *b, size_t len);

/* ---- clock -------------------------------------------------------------- */
int64_t core_now_ms(void);      /* wall clock, ms since the epoch */
int64_t core_monotonic_ns(void); /* for durations only */
/* The HTTP Date header value (IMF-fixdate), 29 characters plus NUL. */
#define CORE_HTTP_DATE_LEN 29
void core_http_date(int64_t ms, char out[CORE_HTTP_DATE_LEN + 1]);
/* Moves the wall clock by ms; only the test clock calls this. */
void core_clock_advance(int64_t ms);
/* Parses an RFC 3339 timestamp (Z or +hh:mm offset) to ms since the epoch. */
obol_rc core_time_parse(const char *text, int64_t *out_ms);
/* RFC 3339 UTC with milliseconds, e.g. 2026-11-23T11:48:12.123Z; out >= 32. */
void core_time_format(int64_t ms, char *out, size_t out_size);

/* ---- currencies (ISO 4217) -------------------------------------------- */
typedef struct {
  char code[4];
  int exponent; /* digits after the decimal point: JPY 0, EUR 2, KWD 3 */
} core_currency_t;

/* The currency with this upper-case code, or NULL if ISO 4217 lacks it. */
const core_currency_t *core_currency_find(const char *code);

/* ---- money ---------------------------------------------------------------
 * Decimal text in major units ("12.5", "0.30", "1e2") to minor units with
 * the currency's exponent, exactly. On failure *problem says what is wrong:
 * OBOL_ERR_INVALID (not a number, too many decimals) or OBOL_ERR_LIMIT. */
obol_rc core_money_parse(const char *text, int exponent, int64_t *out,
                         const char **problem);
/* The same for a JSON number, read through its shortest exact text. */
obol_rc core_money_from_double(double number, int exponent, int64_t *out,
                               const char **problem);
/* Minor units back to decimal text: 1250, 2 -> "12.50". */
void core_money_format(int64_t minor, int exponent, char *out, size_t size);

/* ---- logging ------------------------------------------------------------
 * One JSON object per line on stderr, written with a single write(2) so lines
 * from different threads never interleave. */
typedef enum { CORE_LOG_DEBUG, CORE_LOG_INFO, CORE_LOG_WARN, CORE_LOG_ERROR }
    core_log_level;

void core_log(core_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Writes an already-formatted JSON line (without newline) to the log. */
void core_log_line(const char *json, size_t len);
/* Appends str as a JSON string literal (with quotes) to buf. */
obol_rc core_buf_append_json_string(core_buf_t *buf, const char *str);

#endif
