/* tests/unit/test_sim_schedule.c - seeded part arrivals and person windows. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim/schedule.h"

#define MS 1000000LL

static void test_arrivals_seeded_and_bounded(void **state) {
  (void)state;
  mi_sim_arrivals a, b, c;
  assert_int_equal(mi_sim_arrivals_init(&a, 42, 500 * MS, 2000 * MS, 0.25, 3, 0.05), MI_OK);
  assert_int_equal(mi_sim_arrivals_init(&b, 42, 500 * MS, 2000 * MS, 0.25, 3, 0.05), MI_OK);
  assert_int_equal(mi_sim_arrivals_init(&c, 43, 500 * MS, 2000 * MS, 0.25, 3, 0.05), MI_OK);
  mi_sim_arrival ea, eb, ec;
  /* nothing before the first */
  assert_false(mi_sim_arrivals_poll(&a, 499 * MS, &ea));
  int64_t prev = 0, t_end = 0;
  int kinds[3] = {0}, differ = 0, n = 0;
  double gap_sum = 0;
  for (int64_t now = 0; now < 400000 * MS; now += MS) {
    while (mi_sim_arrivals_poll(&a, now, &ea)) {
      assert_true(mi_sim_arrivals_poll(&b, now, &eb));
      assert_int_equal(ea.t_ns, eb.t_ns);
      assert_int_equal(ea.kind, eb.kind);
      assert_true(ea.lateral == eb.lateral);
      assert_true(ea.t_ns <= now && ea.t_ns > now - MS);
      if (ea.index == 0) {
        assert_int_equal(ea.t_ns, 500 * MS);
      } else {
        int64_t gap = ea.t_ns - prev;
        assert_true(gap >= 1500 * MS && gap <= 2500 * MS);
        gap_sum += (double)gap;
      }
      assert_true(fabs(ea.lateral) <= 0.05);
      assert_true(ea.kind >= 0 && ea.kind < 3);
      kinds[ea.kind]++;
      prev = ea.t_ns;
      t_end = ea.t_ns;
      n++;
    }
    while (mi_sim_arrivals_poll(&c, now, &ec))
      if (ec.index > 0 && ec.t_ns != 500 * MS) differ++;
  }
  (void)t_end;
  assert_true(n > 150);
  /* the mean gap is the interval (uniform jitter is symmetric) */
  double mean_gap = gap_sum / (n - 1);
  assert_true(fabs(mean_gap - 2000.0 * MS) < 0.02 * 2000.0 * MS);
  for (int k = 0; k < 3; k++) assert_true(kinds[k] > n / 6);
  assert_true(differ > 0); /* another seed, another schedule */
  assert_int_equal(mi_sim_arrivals_init(&a, 1, 0, 0, 0.1, 1, 0), MI_ERR_INVALID);
  assert_int_equal(mi_sim_arrivals_init(&a, 1, 0, MS, 1.5, 1, 0), MI_ERR_INVALID);
}

static void test_person_windows(void **state) {
  (void)state;
  mi_sim_person p;
  double enter[] = {1.0, 5.0}, leave[] = {2.5, 6.0};
  assert_int_equal(mi_sim_person_init(&p, enter, 2, leave, 2), MI_OK);
  assert_false(mi_sim_person_in_zone(&p, 999 * MS));
  assert_true(mi_sim_person_in_zone(&p, 1000 * MS));
  assert_true(mi_sim_person_in_zone(&p, 2499 * MS));
  assert_false(mi_sim_person_in_zone(&p, 2500 * MS));
  assert_true(mi_sim_person_in_zone(&p, 5500 * MS));
  assert_false(mi_sim_person_in_zone(&p, 7000 * MS));
  assert_int_equal(mi_sim_person_init(&p, enter, 2, leave, 1), MI_ERR_INVALID);
  double bad_leave[] = {0.5, 6.0};
  assert_int_equal(mi_sim_person_init(&p, enter, 2, bad_leave, 2), MI_ERR_INVALID);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_arrivals_seeded_and_bounded),
      cmocka_unit_test(test_person_windows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
