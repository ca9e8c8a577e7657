/* Validation rules shared by every resource. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"

#define API_URL_MAX 2048
#define API_HOST_MAX 253

const char *api_check_host(const char *host)
{
  size_t len = strlen(host);
  size_t label = 0;
  const char *p;

  if(len == 0 || len > API_HOST_MAX)
    return "must be a host name of 1 to 253 characters";
  for(p = host; *p; p++) {
    if(*p == '.') {
      if(label == 0)
        return "must be a valid host name";
      label = 0;
      continue;
    }
    if(!isalnum((unsigned char)*p) && *p != '-')
      return "must be a valid host name (letters, digits, '-' and '.')";
    if(++label > 63)
      return "must be a valid host name (labels of at most 63 characters)";
  }
  if(label == 0 || host[0] == '-')
    return "must be a valid host name";
  return NULL;
}

const char *api_check_url(const char *url)
{
  const char *rest;
  char host[API_HOST_MAX + 1];
  size_t host_len;

  if(strlen(url) > API_URL_MAX)
    return "must be a URL of at most 2048 characters";
  if(!strncmp(url, "https://", 8))
    rest = url + 8;
  else if(!strncmp(url, "http://", 7))
    rest = url + 7;
  else
    return "must be an absolute http or https URL";
  /* The authority is host[:port], nothing else: with user info
   * ("shop.example:@evil.example") a browser would go elsewhere. */
  if(strcspn(rest, "@\\") < strcspn(rest, "/?#"))
    return "must not contain user information ('@') or '\\'";
  host_len = strcspn(rest, ":/?#");
  if(host_len == 0 || host_len > API_HOST_MAX)
    return "must be an absolute URL with a host";
  memcpy(host, rest, host_len);
  host[host_len] = '\0';
  if(api_check_host(host))
    return "must be an absolute URL with a valid host";
  if(rest[host_len] == ':') {
    size_t digits = strspn(rest + host_len + 1, "0123456789");
    if(digits < 1 || digits > 5 || !strchr("/?#", rest[host_len + 1 + digits]))
      return "must have a numeric port after ':'";
  }
  for(; *rest; rest++)
    if((unsigned char)*rest <= 0x20 || *rest == 0x7f)
      return "must not contain spaces or control characters";
  return NULL;
}

const char *api_check_email(const char *email)
{
  const char *at = strchr(email, '@');
  size_t len = strlen(email);
  const char *p;

  if(len > 254 || !at || at == email || strchr(at + 1, '@') ||
     !strchr(at + 1, '.') || at[1] == '.' || email[len - 1] == '.')
    return "must be an e-mail address";
  for(p = email; *p; p++)
    if((unsigned char)*p <= 0x20 || *p == 0x7f)
      return "must be an e-mail address";
  return NULL;
}

const char *api_check_phone(const char *phone)
{
  size_t len = strlen(phone);
  const char *p;

  if(len < 3 || len > 32)
    return "must be a phone number of 3 to 32 characters";
  for(p = phone; *p; p++)
    if(!isdigit((unsigned char)*p) && !strchr("+- ()", *p))
      return "must be a phone number (digits, spaces, '+', '-', '(', ')')";
  return NULL;
}

static int api_is_letters(const char *text, size_t len, int upper)
{
  size_t i;
  if(strlen(text) != len)
    return 0;
  for(i = 0; i < len; i++)
    if(upper ? !isupper((unsigned char)text[i])
             : !islower((unsigned char)text[i]))
      return 0;
  return 1;
}

const char *api_check_country(const char *country)
{
  if(!api_is_letters(country, 2, 1))
    return "must be an ISO 3166-1 alpha-2 country code, e.g. DE";
  return NULL;
}

const char *api_check_language(const char *language)
{
  if(!api_is_letters(language, 2, 0))
    return "must be an ISO 639-1 language code, e.g. en";
  return NULL;
}

const char *api_check_currency(const char *currency)
{
  if(!core_currency_find(currency))
    return "must be an ISO 4217 currency code, e.g. EUR";
  return NULL;
}

int api_check_unknown_fields(json_t *object, const char *const *allowed,
                             json_t *fields)
{
  const char *name;
  json_t *value;
  int unknown = 0;

  json_object_foreach(object, name, value) {
    const char *const *candidate;
    for(candidate = allowed; *candidate; candidate++)
      if(!strcmp(*candidate, name))
        break;
    if(!*candidate) {
      json_object_set_new(fields, name, json_string("unknown field"));
      unknown++;
    }
  }
  return unknown;
}

const char *api_json_text(core_arena_t *arena, const json_t *value)
{
  char *text = json_dumps(value, JSON_COMPACT);
  const char *copy = text ? core_arena_strdup(arena, text) : NULL;
  free(text);
  return copy;
}

json_t *api_time_json(int64_t ms)
{
  char text[32];
  core_time_format(ms, text, sizeof(text));
  return json_string(text);
}

size_t api_text_length(const json_t *string)
{
  const unsigned char *p = (const unsigned char *)json_string_value(string);
  size_t bytes = json_string_length(string);
  size_t characters = 0;
  size_t i;

  /* jansson holds valid UTF-8: count every byte that starts a character. */
  for(i = 0; p && i < bytes; i++)
    characters += (p[i] & 0xc0) != 0x80;
  return characters;
}

int api_host_allowed(const store_shop_t *shop, const char *url)
{
  json_t *hosts = json_loads(shop->allowed_redirect_hosts, 0, NULL);
  const char *scheme = url ? strstr(url, "://") : NULL;
  const char *rest = scheme ? scheme + 3 : "";
  size_t len = strcspn(rest, ":/?#");
  json_t *host;
  size_t index;
  int allowed = scheme && json_array_size(hosts) == 0;

  json_array_foreach(hosts, index, host)
    if(scheme && strlen(json_string_value(host)) == len &&
       !strncasecmp(json_string_value(host), rest, len))
      allowed = 1;
  json_decref(hosts);
  return allowed;
}


obol_rc api_money_json(json_t *value, int exponent, int64_t *minor,
                       const char **problem)
{
  *problem = "must be a decimal number or a decimal string";
  if(json_is_integer(value) || json_is_real(value))
    return core_money_from_double(json_number_value(value), exponent, minor,
                                  problem);
  if(json_is_string(value))
    return core_money_parse(json_string_value(value), exponent, minor,
                            problem);
  return OBOL_ERR_INVALID;
}
