/* tests/unit/test_core_arena.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/arena.h"

static void test_alloc_align_mark(void **state) {
  (void)state;
  mi_arena a;
  assert_int_equal(mi_arena_init(&a, 0), MI_ERR_INVALID);
  assert_int_equal(mi_arena_init(&a, 1024), MI_OK);
  char *p1 = mi_arena_alloc(&a, 3, 1);
  assert_non_null(p1);
  double *p2 = mi_arena_alloc(&a, 10 * sizeof(double), 64);
  assert_non_null(p2);
  assert_int_equal((uintptr_t)p2 % 64, 0);
  assert_true((char *)p2 >= p1 + 3);
  mi_arena_mark m = mi_arena_get_mark(&a);
  void *p3 = mi_arena_alloc(&a, 500, 8);
  assert_non_null(p3);
  size_t high = mi_arena_high_water(&a);
  mi_arena_release(&a, m);
  assert_int_equal(mi_arena_get_mark(&a), m);
  /* released memory is handed out again */
  void *p4 = mi_arena_alloc(&a, 500, 8);
  assert_ptr_equal(p3, p4);
  assert_int_equal(mi_arena_high_water(&a), high);
  /* too big: NULL, counted, nothing changes */
  mi_arena_mark before = mi_arena_get_mark(&a);
  assert_null(mi_arena_alloc(&a, 4096, 8));
  assert_int_equal(a.failures, 1);
  assert_int_equal(mi_arena_get_mark(&a), before);
  /* bad alignment */
  assert_null(mi_arena_alloc(&a, 8, 3));
  /* calloc overflow guard and zeroing */
  assert_null(mi_arena_calloc(&a, SIZE_MAX / 2, 4, 8));
  mi_arena_reset(&a);
  int *z = mi_arena_calloc(&a, 16, sizeof(int), 16);
  assert_non_null(z);
  for (int i = 0; i < 16; i++) assert_int_equal(z[i], 0);
  assert_true(mi_arena_high_water(&a) >= 3 + 10 * sizeof(double) + 500);
  mi_arena_destroy(&a);
}

static void test_borrowed_buffer(void **state) {
  (void)state;
  _Alignas(64) unsigned char buf[256];
  mi_arena a;
  mi_arena_init_buf(&a, buf, sizeof buf);
  void *p = mi_arena_alloc(&a, 256, 1);
  assert_ptr_equal(p, buf);
  assert_null(mi_arena_alloc(&a, 1, 1));
  mi_arena_destroy(&a); /* does not free buf */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alloc_align_mark),
      cmocka_unit_test(test_borrowed_buffer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
