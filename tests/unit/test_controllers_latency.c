/* tests/unit/test_controllers_latency.c - the fixed latency histogram:
 * percentiles against a sort of the same samples, the open last bin,
 * negative samples counted apart, "-1" when empty, and a producer thread
 * beside a reader. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "controllers/latency.h"

static mi_ctrl_lat_hist g_h; /* ~80 KB: not on the stack */

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static void test_empty_is_unknown(void **state) {
  (void)state;
  mi_ctrl_lat_init(&g_h);
  assert_true(mi_ctrl_lat_percentile_s(&g_h, 50) == -1.0);
  assert_int_equal(mi_ctrl_lat_count(&g_h), 0);
}

/* nearest-rank percentiles of 10 000 pseudo-random latencies match a sort,
 * to within one bin, and never below the true value */
static void test_percentiles_match_sorted(void **state) {
  (void)state;
  enum { N = 10000 };
  static int64_t v[N];
  mi_ctrl_lat_init(&g_h);
  uint64_t x = 12345;
  for (int i = 0; i < N; i++) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    v[i] = (int64_t)((x >> 33) % 60000000ULL); /* 0..60 ms */
    mi_ctrl_lat_add(&g_h, v[i]);
  }
  qsort(v, N, sizeof v[0], cmp_i64);
  const double ps[] = {1, 50, 90, 99, 100};
  for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
    int rank = (int)((ps[k] / 100.0) * N + 0.999999);
    if (rank < 1) rank = 1;
    double truth = (double)v[rank - 1] * 1e-9;
    double got = mi_ctrl_lat_percentile_s(&g_h, ps[k]);
    assert_true(got >= truth);
    assert_true(got - truth <= MI_CTRL_LAT_BIN_NS * 1e-9 + 1e-12);
  }
  assert_int_equal(mi_ctrl_lat_count(&g_h), N);
}

static void test_open_bin_and_negative(void **state) {
  (void)state;
  mi_ctrl_lat_init(&g_h);
  mi_ctrl_lat_add(&g_h, 5 * 1000000000LL); /* 5 s: into the open last bin */
  mi_ctrl_lat_add(&g_h, -3);               /* from the future: counted apart */
  assert_int_equal(mi_ctrl_lat_count(&g_h), 1);
  assert_int_equal(atomic_load(&g_h.negative), 1);
  double top = (double)MI_CTRL_LAT_BINS * MI_CTRL_LAT_BIN_NS * 1e-9;
  assert_true(mi_ctrl_lat_percentile_s(&g_h, 50) == top);
  assert_true(atomic_load(&g_h.max_ns) == 5 * 1000000000LL);
  /* exactly on a bin edge: 20 us is bin 2, reported as its upper edge 30 us */
  mi_ctrl_lat_init(&g_h);
  mi_ctrl_lat_add(&g_h, 20000);
  assert_true(mi_ctrl_lat_percentile_s(&g_h, 99) > 29.9e-6 &&
              mi_ctrl_lat_percentile_s(&g_h, 99) < 30.1e-6);
}

static void *producer(void *arg) {
  (void)arg;
  for (int i = 0; i < 200000; i++) mi_ctrl_lat_add(&g_h, 1000000 + (i % 7) * 10000);
  return NULL;
}

/* a reader beside the producer sees a growing count and sane percentiles */
static void test_reader_beside_producer(void **state) {
  (void)state;
  mi_ctrl_lat_init(&g_h);
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, producer, NULL), 0);
  uint64_t last = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t c = mi_ctrl_lat_count(&g_h);
    assert_true(c >= last);
    last = c;
    double p = mi_ctrl_lat_percentile_s(&g_h, 99);
    assert_true(p == -1.0 || (p >= 1.0e-3 && p <= 1.08e-3));
  }
  pthread_join(t, NULL);
  assert_int_equal(mi_ctrl_lat_count(&g_h), 200000);
  double p50 = mi_ctrl_lat_percentile_s(&g_h, 50);
  assert_true(p50 > 1.029e-3 && p50 < 1.041e-3); /* 1.03 ms bin, upper edge 1.04 */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty_is_unknown),
      cmocka_unit_test(test_percentiles_match_sorted),
      cmocka_unit_test(test_open_bin_and_negative),
      cmocka_unit_test(test_reader_beside_producer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
