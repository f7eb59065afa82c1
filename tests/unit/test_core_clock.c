/* tests/unit/test_core_clock.c */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/clock.h"

static void test_monotonic_advances(void **state) {
  (void)state;
  int64_t a = mi_clock_mono_ns();
  int64_t b = mi_clock_mono_ns();
  assert_true(b >= a);
  /* wall clock is after 2020-01-01 */
  assert_true(mi_clock_wall_ns() > INT64_C(1577836800) * MI_NS_PER_S);
}

static void test_conversions(void **state) {
  (void)state;
  assert_int_equal(mi_ns_from_s(1.5), INT64_C(1500000000));
  assert_int_equal(mi_ns_from_s(-0.25), INT64_C(-250000000));
  assert_int_equal(mi_ns_from_s(1e30), INT64_MAX);
  assert_int_equal(mi_ns_from_s(-1e30), INT64_MIN);
  assert_int_equal(mi_ns_from_s(0.0 / 0.0), 0);
  assert_true(mi_s_from_ns(2500000000) == 2.5);
}

static void test_sleep_until_is_absolute(void **state) {
  (void)state;
  int64_t t0 = mi_clock_mono_ns();
  int64_t target = t0 + 20 * MI_NS_PER_MS;
  assert_int_equal(mi_clock_sleep_until_ns(target), MI_OK);
  assert_true(mi_clock_mono_ns() >= target);
  /* a time in the past returns at once */
  int64_t t1 = mi_clock_mono_ns();
  assert_int_equal(mi_clock_sleep_until_ns(t1 - MI_NS_PER_S), MI_OK);
  assert_int_equal(mi_clock_sleep_ns(-5), MI_OK);
}

static void *advance_sim(void *arg) {
  mi_simclock *c = arg;
  for (int i = 1; i <= 10; i++) {
    mi_clock_sleep_ns(MI_NS_PER_MS);
    mi_simclock_set(c, i * 100 * MI_NS_PER_MS);
  }
  return NULL;
}

static void test_simclock_wait(void **state) {
  (void)state;
  mi_simclock *c = mi_simclock_create();
  assert_non_null(c);
  assert_false(mi_simclock_started(c));
  assert_int_equal(mi_simclock_now(c), 0);
  /* nothing drives it: a wait times out */
  assert_int_equal(mi_simclock_wait_until(c, 1, 10 * MI_NS_PER_MS), MI_ERR_TIMEOUT);

  pthread_t th;
  pthread_create(&th, NULL, advance_sim, c);
  assert_int_equal(mi_simclock_wait_until(c, 500 * MI_NS_PER_MS, 5 * MI_NS_PER_S), MI_OK);
  assert_true(mi_simclock_now(c) >= 500 * MI_NS_PER_MS);
  pthread_join(th, NULL);
  assert_true(mi_simclock_started(c));
  assert_int_equal(mi_simclock_now(c), 1000 * MI_NS_PER_MS);

  mi_clock clk = {MI_CLOCK_SIM, c};
  assert_int_equal(mi_clock_now(&clk), 1000 * MI_NS_PER_MS);

  /* a jump backwards is allowed (a replay restarting) */
  mi_simclock_set(c, 5);
  assert_int_equal(mi_clock_now(&clk), 5);

  mi_simclock_interrupt(c);
  assert_int_equal(mi_simclock_wait_until(c, INT64_MAX, 5 * MI_NS_PER_S), MI_ERR_INTERRUPTED);
  mi_simclock_destroy(c);
}

static void test_clock_kinds(void **state) {
  (void)state;
  mi_clock mono = {MI_CLOCK_MONO, NULL}, wall = {MI_CLOCK_WALL, NULL};
  int64_t m = mi_clock_now(&mono);
  int64_t w = mi_clock_now(&wall);
  assert_true(w > m || m > 0);
  assert_true(w > INT64_C(1577836800) * MI_NS_PER_S);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_monotonic_advances), cmocka_unit_test(test_conversions),
      cmocka_unit_test(test_sleep_until_is_absolute), cmocka_unit_test(test_simclock_wait),
      cmocka_unit_test(test_clock_kinds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
