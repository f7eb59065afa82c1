/* tests/unit/test_sim_sensors.c - noise statistics match their params,
 * dropout rates, the delay line's latency and order, reproducibility. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim/sensors.h"

static void test_noise_statistics_match_params(void **state) {
  (void)state;
  const mi_sim_noise nz = {0.02, 0.005};
  const int N = 20000, C = 6;
  mi_philox_key key = mi_philox_key_from_seed(1234);
  double sum[6] = {0}, sum2[6] = {0};
  for (int s = 0; s < N; s++) {
    double v[6] = {1, 2, 3, 4, 5, 6};
    mi_sim_noise_apply(&nz, key, MI_SIM_STREAM_JOINT_POS, (uint64_t)s, 0, v, C);
    for (int c = 0; c < C; c++) {
      double e = v[c] - (c + 1);
      sum[c] += e;
      sum2[c] += e * e;
    }
  }
  for (int c = 0; c < C; c++) {
    double mean = sum[c] / N;
    double sd = sqrt(sum2[c] / N - mean * mean);
    /* standard errors: sigma/sqrt(N) = 1.4e-4 for the mean, sigma/sqrt(2N) = 1e-4 for sd */
    assert_true(fabs(mean - nz.bias) < 5 * nz.sigma / sqrt(N));
    assert_true(fabs(sd - nz.sigma) < 5 * nz.sigma / sqrt(2.0 * N));
  }
  /* channels are uncorrelated */
  double cross = 0;
  for (int s = 0; s < N; s++) {
    double a = mi_sim_randn(key, MI_SIM_STREAM_JOINT_POS, (uint64_t)s, 0);
    double b = mi_sim_randn(key, MI_SIM_STREAM_JOINT_POS, (uint64_t)s, 1);
    cross += a * b;
  }
  assert_true(fabs(cross / N) < 5 / sqrt(N));
  /* zero sigma is exact */
  mi_sim_noise z = {0, 0};
  double v = 3.25;
  mi_sim_noise_apply(&z, key, 1, 7, 0, &v, 1);
  assert_true(v == 3.25);
}

static void test_noise_reproducible_and_seeded(void **state) {
  (void)state;
  mi_philox_key k1 = mi_philox_key_from_seed(7), k2 = mi_philox_key_from_seed(8);
  for (uint64_t s = 0; s < 100; s++) {
    assert_true(mi_sim_randn(k1, 3, s, 2) == mi_sim_randn(k1, 3, s, 2));
    assert_true(mi_sim_randn(k1, 3, s, 2) != mi_sim_randn(k2, 3, s, 2));
    assert_true(mi_sim_randn(k1, 3, s, 2) != mi_sim_randn(k1, 4, s, 2));
  }
}

static void test_dropout_rate(void **state) {
  (void)state;
  mi_philox_key key = mi_philox_key_from_seed(99);
  const int N = 20000;
  const double p = 0.1;
  int dropped = 0;
  for (int s = 0; s < N; s++) dropped += mi_sim_dropped(p, key, 2, (uint64_t)s);
  double rate = (double)dropped / N;
  assert_true(fabs(rate - p) < 5 * sqrt(p * (1 - p) / N));
  assert_false(mi_sim_dropped(0.0, key, 2, 5));
  assert_true(mi_sim_dropped(1.0, key, 2, 5));
}

static void test_delay_line(void **state) {
  (void)state;
  mi_philox_key key = mi_philox_key_from_seed(5);
  mi_sim_delay d;
  assert_int_equal(mi_sim_delay_init(&d, sizeof(int), 64, 0, 0, 1), MI_OK);
  mi_sim_delay_free(&d);
  assert_int_equal(mi_sim_delay_init(&d, 0, 64, 0, 0, 1), MI_ERR_INVALID);
  /* 30 ms latency, 10 ms jitter, a sample every 33 ms */
  const int64_t lat = 30000000, jit = 10000000, per = 33000000;
  assert_int_equal(mi_sim_delay_init(&d, sizeof(int), 8, lat, jit, 1), MI_OK);
  int next_out = 0;
  for (int i = 0; i < 100; i++) {
    int64_t t = per * i;
    mi_sim_delay_push(&d, key, t, &i);
    /* walk time forward 1 ms at a time until the next sample */
    for (int64_t now = t; now < t + per; now += 1000000) {
      int got;
      while (mi_sim_delay_pop(&d, now, &got)) {
        assert_int_equal(got, next_out); /* in order, none lost */
        int64_t age = now - per * got;
        assert_true(age >= lat);
        assert_true(age <= lat + jit + 1000000);
        next_out++;
      }
    }
  }
  assert_true(next_out >= 98);
  assert_int_equal(d.overflows, 0);
  mi_sim_delay_free(&d);
  /* overflow drops the oldest */
  assert_int_equal(mi_sim_delay_init(&d, sizeof(int), 2, 1000, 0, 1), MI_OK);
  for (int i = 0; i < 3; i++) mi_sim_delay_push(&d, key, 0, &i);
  int got;
  assert_true(mi_sim_delay_pop(&d, 1000, &got));
  assert_int_equal(got, 1);
  assert_int_equal(d.overflows, 1);
  mi_sim_delay_free(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_noise_statistics_match_params),
      cmocka_unit_test(test_noise_reproducible_and_seeded),
      cmocka_unit_test(test_dropout_rate),
      cmocka_unit_test(test_delay_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
