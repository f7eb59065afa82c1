/* core/arena.c - bump allocator. */
#include "core/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

mi_status mi_arena_init(mi_arena *a, size_t size) {
  if (size == 0) return MI_ERR_INVALID;
  size_t rounded = (size + 63) & ~(size_t)63;
  void *p = aligned_alloc(64, rounded);
  if (!p) return MI_ERR_NOMEM;
  mi_arena_init_buf(a, p, size);
  a->owned = true;
  return MI_OK;
}

void mi_arena_init_buf(mi_arena *a, void *buf, size_t size) {
  a->base = buf;
  a->size = size;
  a->used = 0;
  a->high = 0;
  a->failures = 0;
  a->owned = false;
}

void mi_arena_destroy(mi_arena *a) {
  if (a->owned) free(a->base);
  memset(a, 0, sizeof *a);
}

void *mi_arena_alloc(mi_arena *a, size_t size, size_t align) {
  if (align == 0 || (align & (align - 1)) != 0 || align > 4096) return NULL;
  uintptr_t start = (uintptr_t)a->base + a->used;
  uintptr_t aligned = (start + (align - 1)) & ~(uintptr_t)(align - 1);
  size_t pad = (size_t)(aligned - start);
  if (pad > a->size - a->used || size > a->size - a->used - pad) {
    a->failures++;
    return NULL;
  }
  a->used += pad + size;
  if (a->used > a->high) a->high = a->used;
  return (void *)aligned;
}

void *mi_arena_calloc(mi_arena *a, size_t n, size_t elem_size, size_t align) {
  if (elem_size != 0 && n > SIZE_MAX / elem_size) {
    a->failures++;
    return NULL;
  }
  void *p = mi_arena_alloc(a, n * elem_size, align);
  if (p) memset(p, 0, n * elem_size);
  return p;
}

mi_arena_mark mi_arena_get_mark(const mi_arena *a) { return a->used; }

void mi_arena_release(mi_arena *a, mi_arena_mark m) {
  if (m <= a->used) a->used = m;
}

void mi_arena_reset(mi_arena *a) { a->used = 0; }

size_t mi_arena_high_water(const mi_arena *a) { return a->high; }
