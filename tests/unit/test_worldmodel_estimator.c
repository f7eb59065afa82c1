/* tests/unit/test_worldmodel_estimator.c - the predictor's estimator on the
 * 7-DOF arm: bad joint samples (NaN, beyond limits, too fast, from the
 * future, out of order, jumps) are rejected and counted without touching
 * the state; latency compensation extrapolates by the stamp's age (capped);
 * the constant-velocity Kalman filter finds a conveyor part's speed from
 * noisy poses, predicts where it will be, rejects an outlier, keeps two
 * parts apart and drops tracks that go silent. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/philox.h"
#include "worldmodel/estimator.h"
#include "worldmodel/model.h"

#define ARM MIRAI_SOURCE_DIR "/tests/data/wm_arm7.urdf"
#define MS MI_NS_PER_MS

static mi_model *g_m;

static int setup(void **state) {
  (void)state;
  char err[512];
  g_m = mi_wm_model_load(ARM, NULL, err, sizeof err);
  if (!g_m) fprintf(stderr, "%s\n", err);
  return g_m ? 0 : -1;
}
static int teardown(void **state) {
  (void)state;
  mi_wm_model_free(g_m);
  return 0;
}

static void mid_q(double *q) {
  for (int j = 0; j < g_m->ndof; j++) q[j] = 0.5 * (g_m->dyn.lower[j] + g_m->dyn.upper[j]);
}

static void test_bad_joint_samples_rejected(void **state) {
  (void)state;
  mi_wm_est_params p;
  mi_wm_est_params_default(&p);
  mi_wm_est e;
  assert_int_equal(mi_wm_est_init(&e, g_m, &p), MI_OK);
  double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF] = {0}, out[MI_WM_MAX_DOF];
  char why[128];
  mid_q(q);
  qd[0] = 0.5;
  assert_int_equal(mi_wm_est_joint_update(&e, 100 * MS, 100 * MS, q, qd, NULL, why, sizeof why),
                   MI_OK);
  double good[MI_WM_MAX_DOF];
  memcpy(good, q, sizeof good);

  double b[MI_WM_MAX_DOF];
  /* NaN */
  memcpy(b, q, sizeof b);
  b[3] = NAN;
  assert_int_equal(mi_wm_est_joint_update(&e, 101 * MS, 101 * MS, b, qd, NULL, why, sizeof why),
                   MI_ERR_REJECTED);
  assert_non_null(strstr(why, "non-finite"));
  assert_non_null(strstr(why, "joint4"));
  /* beyond a joint limit */
  memcpy(b, q, sizeof b);
  b[1] = g_m->dyn.upper[1] + 0.5;
  assert_int_equal(mi_wm_est_joint_update(&e, 101 * MS, 101 * MS, b, qd, NULL, why, sizeof why),
                   MI_ERR_REJECTED);
  assert_non_null(strstr(why, "limits"));
  /* too fast */
  double fast[MI_WM_MAX_DOF] = {0};
  fast[2] = 10.0;
  assert_int_equal(mi_wm_est_joint_update(&e, 101 * MS, 101 * MS, q, fast, NULL, why, sizeof why),
                   MI_ERR_REJECTED);
  /* from the future */
  assert_int_equal(mi_wm_est_joint_update(&e, 500 * MS, 101 * MS, q, qd, NULL, why, sizeof why),
                   MI_ERR_REJECTED);
  assert_non_null(strstr(why, "future"));
  /* out of order (older than the last accepted) */
  assert_int_equal(mi_wm_est_joint_update(&e, 90 * MS, 101 * MS, q, qd, NULL, why, sizeof why),
                   MI_ERR_REJECTED);
  /* a jump of 0.5 rad in 1 ms */
  memcpy(b, q, sizeof b);
  b[5] += 0.5;
  assert_int_equal(mi_wm_est_joint_update(&e, 101 * MS, 101 * MS, b, qd, NULL, why, sizeof why),
                   MI_ERR_REJECTED);
  assert_non_null(strstr(why, "jump"));
  /* torque NaN */
  double tau[MI_WM_MAX_DOF] = {0};
  tau[0] = INFINITY;
  assert_int_equal(mi_wm_est_joint_update(&e, 101 * MS, 101 * MS, q, qd, tau, why, sizeof why),
                   MI_ERR_REJECTED);

  assert_int_equal(mi_wm_est_rejected_total(&e), 7);
  assert_int_equal(e.rejected[MI_WM_EST_NONFINITE], 2);
  assert_int_equal(e.rejected[MI_WM_EST_JUMP], 1);
  assert_int_equal(e.js_accepted, 1);
  /* the state is still the good sample */
  assert_int_equal(mi_wm_est_joint_at(&e, 100 * MS, out, NULL), MI_OK);
  for (int j = 0; j < g_m->ndof; j++) assert_true(out[j] == good[j]);
  /* a consistent next sample passes */
  memcpy(b, q, sizeof b);
  b[0] += 0.5 * 0.001;
  assert_int_equal(mi_wm_est_joint_update(&e, 101 * MS, 101 * MS, b, qd, NULL, why, sizeof why),
                   MI_OK);
}

static void test_latency_compensation(void **state) {
  (void)state;
  mi_wm_est_params p;
  mi_wm_est_params_default(&p);
  p.max_extrapolation_s = 0.05;
  mi_wm_est e;
  assert_int_equal(mi_wm_est_init(&e, g_m, &p), MI_OK);
  double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF] = {0}, out[MI_WM_MAX_DOF], outd[MI_WM_MAX_DOF];
  assert_int_equal(mi_wm_est_joint_at(&e, 0, out, outd), MI_ERR_EMPTY);
  assert_true(mi_wm_est_joint_age(&e, 0) == INT64_MAX);
  mid_q(q);
  qd[0] = 1.0;
  qd[2] = -0.5;
  assert_int_equal(mi_wm_est_joint_update(&e, 1000 * MS, 1010 * MS, q, qd, NULL, NULL, 0), MI_OK);
  /* 20 ms of latency */
  assert_int_equal(mi_wm_est_joint_at(&e, 1020 * MS, out, outd), MI_OK);
  assert_float_equal(out[0], q[0] + 0.02, 1e-12);
  assert_float_equal(out[2], q[2] - 0.01, 1e-12);
  assert_float_equal(out[1], q[1], 1e-12);
  assert_float_equal(outd[0], 1.0, 0.0);
  assert_true(mi_wm_est_joint_age(&e, 1020 * MS) == 20 * MS);
  /* capped at 50 ms */
  assert_int_equal(mi_wm_est_joint_at(&e, 2000 * MS, out, NULL), MI_OK);
  assert_float_equal(out[0], q[0] + 0.05, 1e-12);
}

/* a part on the belt at 0.2 m/s along -x, poses at 30 Hz with 3 mm noise */
static void test_part_kalman(void **state) {
  (void)state;
  mi_wm_est_params p;
  mi_wm_est_params_default(&p);
  mi_wm_est e;
  assert_int_equal(mi_wm_est_init(&e, g_m, &p), MI_OK);
  mi_philox_key key = mi_philox_key_from_seed(5);
  const double v = -0.2;
  int64_t t = 0;
  for (int i = 0; i < 60; i++) { /* 2 s */
    t = (int64_t)i * 33333333;
    double s = mi_s_from_ns(t);
    double nz[4];
    mi_philox_normal4(mi_philox_ctr_make((uint32_t)i, 0, 0, 0), key, nz);
    mi_pose z[2];
    z[0].p = mi_vec3_make(1.5 + v * s + 0.003 * nz[0], 0.5 + 0.003 * nz[1], 0.43 + 0.003 * nz[2]);
    z[0].q = mi_quat_identity();
    /* a second part 0.4 m behind, same belt */
    z[1].p = mi_vec3_make(1.9 + v * s + 0.003 * nz[3], 0.5, 0.43);
    z[1].q = mi_quat_identity();
    int bad = mi_wm_est_parts_update(&e, t, z, i < 10 ? 1 : 2);
    assert_int_equal(bad, 0);
  }
  mi_pose pp[4];
  mi_vec3 vel[4];
  int idx[4];
  int64_t later = t + MI_NS_PER_S; /* one second ahead */
  int n = mi_wm_est_parts_at(&e, later, pp, vel, idx, 4);
  assert_int_equal(n, 2);
  int a = pp[0].p.x < pp[1].p.x ? 0 : 1;
  double s = mi_s_from_ns(later);
  printf("kalman: speed %.4f %.4f m/s (true %.2f), predicted x %.4f m (true %.4f) 1 s ahead\n",
         vel[a].x, vel[a].y, v, pp[a].p.x, 1.5 + v * s);
  assert_float_equal(vel[a].x, v, 0.02);
  assert_float_equal(vel[a].y, 0.0, 0.02);
  assert_float_equal(pp[a].p.x, 1.5 + v * s, 0.02);
  assert_float_equal(pp[1 - a].p.x, 1.9 + v * s, 0.03);
  /* an outlier: 10 cm off the track (inside the gate) */
  mi_pose z;
  int64_t t1 = t + 33333333;
  z.p = mi_vec3_make(1.5 + v * mi_s_from_ns(t1) + 0.1, 0.5, 0.43);
  z.q = mi_quat_identity();
  assert_int_equal(mi_wm_est_parts_update(&e, t1, &z, 1), 1);
  assert_int_equal(e.rejected[MI_WM_EST_OUTLIER], 1);
  /* non-finite */
  z.p.y = NAN;
  assert_int_equal(mi_wm_est_parts_update(&e, t1, &z, 1), 1);
  /* silence: tracks expire */
  mi_wm_est_parts_expire(&e, t + 5 * MI_NS_PER_S);
  assert_int_equal(mi_wm_est_parts_at(&e, later, pp, vel, idx, 4), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bad_joint_samples_rejected),
      cmocka_unit_test(test_latency_compensation),
      cmocka_unit_test(test_part_kalman),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
