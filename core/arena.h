/* core/arena.h - a bump allocator with mark/release and a high-water mark,
 * after MuJoCo's mjData arena.
 *
 * One buffer, allocated once (mi_arena_init) or borrowed (mi_arena_init_buf);
 * mi_arena_alloc hands out aligned pieces of it and never calls malloc, so
 * hot loops can take scratch memory and give it back with release. Not
 * thread-safe: one arena per thread (or per worker).
 */
#ifndef MI_CORE_ARENA_H
#define MI_CORE_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mi_arena {
  unsigned char *base;
  size_t size;      /* bytes in base */
  size_t used;      /* bytes handed out now */
  size_t high;      /* largest `used` ever seen */
  size_t failures;  /* allocations refused for lack of space */
  bool owned;       /* base was allocated by mi_arena_init */
} mi_arena;

/* A position to release back to. */
typedef size_t mi_arena_mark;

/* Allocate a buffer of size bytes (64-byte aligned). Caller frees with
 * mi_arena_destroy. @retval MI_ERR_NOMEM  @retval MI_ERR_INVALID size 0 */
mi_status mi_arena_init(mi_arena *a, size_t size);

/* Use a caller-owned buffer (not freed by destroy). */
void mi_arena_init_buf(mi_arena *a, void *buf, size_t size);
void mi_arena_destroy(mi_arena *a);

/* size bytes aligned to align (a power of two, <= 4096); NULL when the arena
 * is full (counted in a->failures) or align is not a power of two. The
 * memory is not zeroed. */
void *mi_arena_alloc(mi_arena *a, size_t size, size_t align);

/* As mi_arena_alloc, zero-filled. */
void *mi_arena_calloc(mi_arena *a, size_t n, size_t elem_size, size_t align);

mi_arena_mark mi_arena_get_mark(const mi_arena *a);

/* Give back everything allocated since m (m must come from this arena and
 * not be above the current position). */
void mi_arena_release(mi_arena *a, mi_arena_mark m);

/* Give back everything. */
void mi_arena_reset(mi_arena *a);

/* Largest number of bytes ever in use. */
size_t mi_arena_high_water(const mi_arena *a);

#ifdef __cplusplus
}
#endif

#endif /* MI_CORE_ARENA_H */
