/* Payment methods, card brands and the checks on what a customer typed. */
#include <string.h>
#include <time.h>

#include "acquirer.h"

static const char *const method_names[ACQUIRER_METHOD_COUNT] = {
  [ACQUIRER_METHOD_CARD] = "card",
  [ACQUIRER_METHOD_BANK_TRANSFER] = "bank_transfer",
  [ACQUIRER_METHOD_WALLET] = "wallet",
  [ACQUIRER_METHOD_INVOICE] = "invoice",
};

const char *acquirer_method_name(acquirer_method_t method)
{
  if(method < 0 || method >= ACQUIRER_METHOD_COUNT)
    return "unknown";
  return method_names[method];
}

int acquirer_method_parse(const char *name)
{
  int i;
  for(i = 0; name && i < ACQUIRER_METHOD_COUNT; i++)
    if(!strcmp(method_names[i], name))
      return i;
  return -1;
}

const char *acquirer_brand_name(acquirer_brand_t brand)
{
  switch(brand) {
  case ACQUIRER_BRAND_VISA:
    return "visa";
  case ACQUIRER_BRAND_MASTER:
    return "master";
  case ACQUIRER_BRAND_AMEX:
    return "amex";
  default:
    return "unknown";
  }
}

/* The leading digits as a number (up to count of them). */
static int card_prefix(const char *digits, int count)
{
  int value = 0, i;
  for(i = 0; i < count && digits[i]; i++)
    value = value * 10 + (digits[i] - '0');
  return value;
}

acquirer_brand_t acquirer_card_brand(const char *digits)
{
  size_t length = strlen(digits);
  int two = card_prefix(digits, 2), four = card_prefix(digits, 4);

  if(digits[0] == '4' && (length == 13 || length == 16 || length == 19))
    return ACQUIRER_BRAND_VISA;
  if(length == 16 && ((two >= 51 && two <= 55) ||
                      (four >= 2221 && four <= 2720)))
    return ACQUIRER_BRAND_MASTER;
  if(length == 15 && (two == 34 || two == 37))
    return ACQUIRER_BRAND_AMEX;
  return ACQUIRER_BRAND_UNKNOWN;
}

int acquirer_luhn_valid(const char *digits)
{
  size_t length = strlen(digits), i;
  int sum = 0;

  if(length < 12 || length > 19)
    return 0;
  for(i = 0; i < length; i++) {
    int digit = digits[length - 1 - i] - '0';
    if(digit < 0 || digit > 9)
      return 0;
    if(i % 2) {
      digit *= 2;
      if(digit > 9)
        digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 == 0;
}

static int card_all_digits(const char *text)
{
  if(!*text)
    return 0;
  for(; *text; text++)
    if(*text < '0' || *text > '9')
      return 0;
  return 1;
}

const char *acquirer_card_check(const acquirer_card_t *card, int64_t now,
                                const char **problem)
{
  time_t seconds = (time_t)(now / 1000);
  struct tm today;
  acquirer_brand_t brand;

  gmtime_r(&seconds, &today);
  if(!card_all_digits(card->number) || !acquirer_luhn_valid(card->number)) {
    *problem = "is not a valid card number";
    return "number";
  }
  brand = acquirer_card_brand(card->number);
  if(brand == ACQUIRER_BRAND_UNKNOWN) {
    *problem = "is of a card brand that is not accepted";
    return "number";
  }
  if(card->exp_month < 1 || card->exp_month > 12) {
    *problem = "must be a month from 1 to 12";
    return "exp_month";
  }
  if(card->exp_year < 1000 || card->exp_year > 9999) {
    *problem = "must be a four-digit year";
    return "exp_year";
  }
  if(card->exp_year < today.tm_year + 1900 ||
     (card->exp_year == today.tm_year + 1900 &&
      card->exp_month < today.tm_mon + 1)) {
    *problem = "the card has expired";
    return "exp_year";
  }
  if(!card_all_digits(card->cvc) ||
     strlen(card->cvc) != (brand == ACQUIRER_BRAND_AMEX ? 4u : 3u)) {
    *problem = brand == ACQUIRER_BRAND_AMEX ? "must be 4 digits"
                                            : "must be 3 digits";
    return "cvc";
  }
  return NULL;
}
