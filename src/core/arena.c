/* Per-request arenas: a chain of blocks freed together, plus cleanups. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define ARENA_ALIGN 16

typedef struct arena_block {
  struct arena_block *next;
  size_t used;
  size_t size;
  _Alignas(ARENA_ALIGN) unsigned char data[];
} arena_block_t;

typedef struct arena_cleanup {
  struct arena_cleanup *next;
  core_cleanup_fn fn;
  void *data;
} arena_cleanup_t;

struct core_arena {
  arena_block_t *blocks;
  arena_cleanup_t *cleanups;
  size_t block_size;
};

static arena_block_t *arena_block_new(size_t size)
{
  arena_block_t *block = malloc(sizeof(*block) + size);
  if(!block)
    return NULL;
  block->next = NULL;
  block->used = 0;
  block->size = size;
  return block;
}

core_arena_t *core_arena_create(size_t block_size)
{
  core_arena_t *arena = calloc(1, sizeof(*arena));
  if(!arena)
    return NULL;
  arena->block_size = block_size ? block_size : 4096;
  return arena;
}

void *core_arena_alloc(core_arena_t *arena, size_t size)
{
  arena_block_t *block = arena->blocks;
  size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  void *out;

  if(rounded < size)
    return NULL;
  if(!block || block->size - block->used < rounded) {
    /* Large allocations get a block of their own behind the current one,
     * so the partly used current block keeps serving small ones. */
    size_t want = rounded > arena->block_size ? rounded : arena->block_size;
    arena_block_t *fresh = arena_block_new(want);
    if(!fresh)
      return NULL;
    if(block && rounded > arena->block_size) {
      fresh->next = block->next;
      block->next = fresh;
      fresh->used = rounded;
      return fresh->data;
    }
    fresh->next = block;
    arena->blocks = fresh;
    block = fresh;
  }
  out = block->data + block->used;
  block->used += rounded;
  return out;
}

char *core_arena_strndup(core_arena_t *arena, const char *str, size_t len)
{
  char *copy = core_arena_alloc(arena, len + 1);
  if(!copy)
    return NULL;
  memcpy(copy, str, len);
  copy[len] = '\0';
  return copy;
}

char *core_arena_strdup(core_arena_t *arena, const char *str)
{
  return core_arena_strndup(arena, str, strlen(str));
}

char *core_arena_printf(core_arena_t *arena, const char *fmt, ...)
{
  va_list ap;
  int needed;
  char *out;

  va_start(ap, fmt);
  needed = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if(needed < 0)
    return NULL;
  out = core_arena_alloc(arena, (size_t)needed + 1);
  if(!out)
    return NULL;
  va_start(ap, fmt);
  vsnprintf(out, (size_t)needed + 1, fmt, ap);
  va_end(ap);
  return out;
}

obol_rc core_arena_on_cleanup(core_arena_t *arena, core_cleanup_fn fn,
                              void *data)
{
  arena_cleanup_t *cleanup = core_arena_alloc(arena, sizeof(*cleanup));
  if(!cleanup)
    return OBOL_ERR_NOMEM;
  cleanup->fn = fn;
  cleanup->data = data;
  cleanup->next = arena->cleanups;
  arena->cleanups = cleanup;
  return OBOL_OK;
}

void core_arena_destroy(core_arena_t *arena)
{
  arena_cleanup_t *cleanup;
  arena_block_t *block;

  if(!arena)
    return;
  /* Cleanups live inside the blocks, so run them all before freeing any. */
  for(cleanup = arena->cleanups; cleanup; cleanup = cleanup->next)
    cleanup->fn(cleanup->data);
  block = arena->blocks;
  while(block) {
    arena_block_t *next = block->next;
    free(block);
    block = next;
  }
  free(arena);
}
