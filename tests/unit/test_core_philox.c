/* tests/unit/test_core_philox.c - Philox4x32-10 against Random123's
 * known-answer vectors (Random123 examples/kat_vectors) and its statistics. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/philox.h"

static void kat(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1,
                uint32_t r0, uint32_t r1, uint32_t r2, uint32_t r3) {
  mi_philox_ctr c = {{c0, c1, c2, c3}};
  mi_philox_key k = {{k0, k1}};
  mi_philox_ctr r = mi_philox4x32_10(c, k);
  assert_int_equal(r.v[0], r0);
  assert_int_equal(r.v[1], r1);
  assert_int_equal(r.v[2], r2);
  assert_int_equal(r.v[3], r3);
}

static void test_known_answers(void **state) {
  (void)state;
  kat(0, 0, 0, 0, 0, 0, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u);
  kat(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du,
      0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu);
  kat(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u,
      0x94fdccebu, 0x5001e420u, 0x24126ea1u);
}

static void test_pure_function_of_counter(void **state) {
  (void)state;
  mi_philox_key k = mi_philox_key_from_seed(UINT64_C(0x123456789abcdef0));
  assert_int_equal(k.v[0], 0x9abcdef0u);
  assert_int_equal(k.v[1], 0x12345678u);
  float a[4], b[4], c[4];
  mi_philox_normal4f(mi_philox_ctr_make(3, 7, 11, 0), k, a);
  mi_philox_normal4f(mi_philox_ctr_make(3, 7, 11, 0), k, b);
  mi_philox_normal4f(mi_philox_ctr_make(3, 8, 11, 0), k, c);
  assert_memory_equal(a, b, sizeof a);
  assert_memory_not_equal(a, c, sizeof a);
}

static void test_uniform_range_and_moments(void **state) {
  (void)state;
  mi_philox_key k = mi_philox_key_from_seed(42);
  double sum = 0, sum2 = 0;
  const uint32_t n = 50000;
  for (uint32_t i = 0; i < n; i++) {
    float u[4];
    mi_philox_uniform4f(mi_philox_ctr_make(i, 0, 0, 0), k, u);
    for (int j = 0; j < 4; j++) {
      assert_true(u[j] > 0.0f && u[j] <= 1.0f);
      sum += u[j];
      sum2 += (double)u[j] * u[j];
    }
  }
  double m = sum / (4.0 * n), var = sum2 / (4.0 * n) - m * m;
  assert_true(fabs(m - 0.5) < 0.005);
  assert_true(fabs(var - 1.0 / 12.0) < 0.003);
  /* the extremes map inside (0, 1] */
  assert_true(mi_philox_u01f(0) > 0.0f);
  assert_true(mi_philox_u01f(0xffffffffu) == 1.0f);
}

static void test_normal_moments(void **state) {
  (void)state;
  mi_philox_key k = mi_philox_key_from_seed(7);
  double sum = 0, sum2 = 0, sum4 = 0, sd = 0, sd2 = 0;
  const uint32_t n = 50000;
  for (uint32_t i = 0; i < n; i++) {
    float z[4];
    double zd[4];
    mi_philox_normal4f(mi_philox_ctr_make(i, 1, 2, 3), k, z);
    mi_philox_normal4(mi_philox_ctr_make(i, 1, 2, 4), k, zd);
    for (int j = 0; j < 4; j++) {
      assert_true(isfinite(z[j]));
      sum += z[j];
      sum2 += (double)z[j] * z[j];
      sum4 += (double)z[j] * z[j] * z[j] * z[j];
      sd += zd[j];
      sd2 += zd[j] * zd[j];
    }
  }
  double N = 4.0 * n;
  assert_true(fabs(sum / N) < 0.02);
  assert_true(fabs(sum2 / N - 1.0) < 0.02);
  assert_true(fabs(sum4 / N - 3.0) < 0.15); /* kurtosis of a normal */
  assert_true(fabs(sd / N) < 0.02);
  assert_true(fabs(sd2 / N - 1.0) < 0.02);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_answers),
      cmocka_unit_test(test_pure_function_of_counter),
      cmocka_unit_test(test_uniform_range_and_moments),
      cmocka_unit_test(test_normal_moments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
