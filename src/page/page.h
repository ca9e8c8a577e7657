/* page: what the customer reads. HTML building blocks (every text escaped
 * on its way in), the strings of every page and message in each language,
 * and money as people read it. No page needs JavaScript. */
#ifndef OBOL_PAGE_H
#define OBOL_PAGE_H

#include "../core/core.h"

typedef enum { PAGE_EN, PAGE_DE, PAGE_FR, PAGE_LANGUAGE_COUNT } page_language_t;

/* "de", "de-AT", "DE" -> PAGE_DE; anything unknown -> PAGE_EN. */
page_language_t page_language(const char *code);
const char *page_language_code(page_language_t language);

typedef enum {
  PAGE_TEXT_TITLE,        /* "Payment" */
  PAGE_TEXT_PAY_TO,       /* "Pay %s" is not used: "Payment to" */
  PAGE_TEXT_TOTAL,
  PAGE_TEXT_SURCHARGE,
  PAGE_TEXT_ITEMS,
  PAGE_TEXT_METHOD,
  PAGE_TEXT_CARD,
  PAGE_TEXT_BANK_TRANSFER,
  PAGE_TEXT_WALLET,
  PAGE_TEXT_INVOICE,
  PAGE_TEXT_CARD_NUMBER,
  PAGE_TEXT_EXPIRY_MONTH,
  PAGE_TEXT_EXPIRY_YEAR,
  PAGE_TEXT_CVC,
  PAGE_TEXT_HOLDER,
  PAGE_TEXT_PAY,
  PAGE_TEXT_CANCEL,
  PAGE_TEXT_TEST_MODE,
  PAGE_TEXT_ATTEMPTS_LEFT,  /* followed by the number */
  PAGE_TEXT_BACK_TO_SHOP,
  PAGE_TEXT_PAID,
  PAGE_TEXT_HOLD,
  PAGE_TEXT_PENDING,
  PAGE_TEXT_RECEIVED,
  PAGE_TEXT_EXPIRED,
  PAGE_TEXT_CANCELLED,
  PAGE_TEXT_REJECTED,
  PAGE_TEXT_NOT_PAYABLE,
  PAGE_TEXT_NOT_FOUND,
  PAGE_TEXT_FORBIDDEN,
  PAGE_TEXT_INVALID_INPUT,
  PAGE_TEXT_FIELDS_INVALID, /* the API's validation message */
  PAGE_TEXT_CHALLENGE,      /* the 3-D Secure page */
  PAGE_TEXT_APPROVE,
  PAGE_TEXT_FAIL,
  PAGE_TEXT_BANK,
  PAGE_TEXT_DECLINE,
  PAGE_TEXT_WALLET_COUNTRY,
  PAGE_TEXT_CONFIRM,
  PAGE_TEXT_COUNT
} page_text_t;

const char *page_text(page_language_t language, page_text_t text);
/* The customer's message for an outcome code (card_declined ...); a
 * generic failure message for codes it does not know. */
const char *page_message(page_language_t language, const char *code);

/* ---- HTML ---- */
/* Appends text with & < > " ' escaped. NULL appends nothing. */
obol_rc page_escape(core_buf_t *out, const char *text);
/* <!doctype html> ... <body><main>, with the escaped title. */
obol_rc page_begin(core_buf_t *out, page_language_t language,
                   const char *title);
obol_rc page_end(core_buf_t *out);
/* printf whose %s arguments are escaped; only %s, %d, %lld and %% work. */
obol_rc page_printf(core_buf_t *out, const char *format, ...);
/* The Content-Security-Policy every page is sent with. */
extern const char page_security_policy[];

/* 1250 EUR -> "12.50 EUR" (en), "12,50 EUR" (de, fr). */
obol_rc page_amount(core_buf_t *out, int64_t minor, const char *currency,
                    page_language_t language);

#endif
