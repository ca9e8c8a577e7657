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

const char *acquirer_card_number_problem(const char *digits)
{
  if(!card_all_digits(digits) || !acquirer_luhn_valid(digits))
    return "is not a valid card number";
  if(acquirer_card_brand(digits) == ACQUIRER_BRAND_UNKNOWN)
    return "is of a card brand that is not accepted";
  return NULL;
}

const char *acquirer_card_expiry_problem(int month, int year, int64_t now,
                                         const char **field)
{
  time_t seconds = (time_t)(now / 1000);
  struct tm today;

  gmtime_r(&seconds, &today);
  *field = "exp_month";
  if(month < 1 || month > 12)
    return "must be a month from 1 to 12";
  *field = "exp_year";
  if(year < 1000 || year > 9999)
    return "must be a four-digit year";
  if(year < today.tm_year + 1900 ||
     (year == today.tm_year + 1900 && month < today.tm_mon + 1))
    return "the card has expired";
  return NULL;
}

const char *acquirer_card_cvc_problem(const char *cvc, const char *number)
{
  acquirer_brand_t brand = acquirer_card_brand(number);
  size_t length = strlen(cvc);

  if(!card_all_digits(cvc))
    return "must be 3 or 4 digits";
  if(brand == ACQUIRER_BRAND_AMEX && length != 4)
    return "must be 4 digits";
  if(brand != ACQUIRER_BRAND_AMEX && length != 3)
    return brand == ACQUIRER_BRAND_UNKNOWN && length == 4
               ? NULL : "must be 3 digits";
  return NULL;
}

const char *acquirer_card_check(const acquirer_card_t *card, int64_t now,
                                const char **problem)
{
  const char *field = "number";

  if((*problem = acquirer_card_number_problem(card->number)) != NULL)
    return field;
  if((*problem = acquirer_card_expiry_problem(card->exp_month, card->exp_year,
                                              now, &field)) != NULL)
    return field;
  if((*problem = acquirer_card_cvc_problem(card->cvc, card->number)) != NULL)
    return "cvc";
  return NULL;
}
