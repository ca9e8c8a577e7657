/* The router: method + pattern with {name} segments; 404 and 405 decided
 * here and nowhere else. */
#include <stdlib.h>
#include <string.h>

#include "http.h"

/* Compares one path segment with one pattern segment; captures {name}. */
static int router_segment_match(const char *pattern, size_t pattern_len,
                                const char *segment, size_t segment_len,
                                core_arena_t *arena, http_param_t *param,
                                int *captured)
{
  *captured = 0;
  if(pattern_len >= 2 && pattern[0] == '{' && pattern[pattern_len - 1] == '}') {
    if(segment_len == 0)
      return 0;
    if(param) {
      param->name = core_arena_strndup(arena, pattern + 1, pattern_len - 2);
      param->value = core_arena_strndup(arena, segment, segment_len);
      if(!param->name || !param->value)
        return 0;
    }
    *captured = 1;
    return 1;
  }
  return pattern_len == segment_len && !memcmp(pattern, segment, segment_len);
}

/* Walks pattern and path segment by segment; params may be NULL. */
static int router_path_match(const char *pattern, const char *path,
                             core_arena_t *arena, http_param_t *params,
                             int *param_count)
{
  int count = 0;

  for(;;) {
    size_t pattern_len = strcspn(pattern, "/");
    size_t segment_len = strcspn(path, "/");
    int captured;

    if(count >= HTTP_MAX_PARAMS && pattern[0] == '{')
      return 0;
    if(!router_segment_match(pattern, pattern_len, path, segment_len, arena,
                             params ? &params[count] : NULL, &captured))
      return 0;
    count += captured;
    pattern += pattern_len;
    path += segment_len;
    if(!*pattern || !*path)
      break;
    pattern++;
    path++;
  }
  if(*pattern || *path)
    return 0;
  if(param_count)
    *param_count = count;
  return 1;
}

static void router_allow_add(char *allow, size_t allow_size,
                             const char *method)
{
  size_t used = strlen(allow);
  if(strstr(allow, method))
    return;
  if(used && used + 2 < allow_size) {
    memcpy(allow + used, ", ", 3);
    used += 2;
  }
  if(used + strlen(method) < allow_size)
    memcpy(allow + used, method, strlen(method) + 1);
}

http_route_result_t http_route_match(const http_route_t *routes,
                                     size_t route_count, const char *method,
                                     const char *path, core_arena_t *arena,
                                     const http_route_t **route,
                                     http_param_t *params, int *param_count,
                                     char *allow, size_t allow_size)
{
  int path_known = 0;
  size_t i;

  if(allow_size)
    allow[0] = '\0';
  for(i = 0; i < route_count; i++) {
    if(!router_path_match(routes[i].pattern, path, arena, NULL, NULL))
      continue;
    if(!strcmp(routes[i].method, method)) {
      if(!router_path_match(routes[i].pattern, path, arena, params,
                            param_count))
        return HTTP_ROUTE_NOT_FOUND;
      *route = &routes[i];
      return HTTP_ROUTE_FOUND;
    }
    path_known = 1;
    router_allow_add(allow, allow_size, routes[i].method);
  }
  return path_known ? HTTP_ROUTE_METHOD_NOT_ALLOWED : HTTP_ROUTE_NOT_FOUND;
}

/* Adds a pair to the form object; the first of repeated names wins. A
 * value that is not UTF-8 stops the parse. */
static int form_add(void *context, const char *name, const char *value)
{
  json_t *form = context;
  if(json_object_get(form, name))
    return 0;
  return json_object_set_new(form, name, json_string(value)) ? -1 : 0;
}

json_t *http_form_parse(const char *body, size_t len)
{
  json_t *form = json_object();

  if(!form || core_form_pairs(body, len, form_add, form)) {
    json_decref(form);
    return NULL;
  }
  return form;
}
