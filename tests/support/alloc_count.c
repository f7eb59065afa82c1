/* tests/support/alloc_count.c - the allocator wrappers behind alloc_count.h. */
#include "tests/support/alloc_count.h"

#include <stdatomic.h>
#include <stddef.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
int __real_posix_memalign(void **p, size_t a, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);
int __wrap_posix_memalign(void **p, size_t a, size_t n);

static _Thread_local volatile bool t_watch; /* this thread is watched */
static atomic_bool g_watch_all;
static _Atomic uint64_t g_allocs;

void mi_test_alloc_watch_thread(bool on) { t_watch = on; }
void mi_test_alloc_watch_all(bool on) { atomic_store(&g_watch_all, on); }
uint64_t mi_test_alloc_count(void) { return atomic_load(&g_allocs); }
void mi_test_alloc_reset(void) { atomic_store(&g_allocs, 0); }

static void count(void) {
  if (t_watch || atomic_load(&g_watch_all)) atomic_fetch_add(&g_allocs, 1);
}

void *__wrap_malloc(size_t n) {
  count();
  return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m) {
  count();
  return __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n) {
  count();
  return __real_realloc(p, n);
}
void *__wrap_aligned_alloc(size_t a, size_t n) {
  count();
  return __real_aligned_alloc(a, n);
}
int __wrap_posix_memalign(void **p, size_t a, size_t n) {
  count();
  return __real_posix_memalign(p, a, n);
}
