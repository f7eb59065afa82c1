/* tests/unit/test_worldmodel_learner.c - the online residual model on the
 * 7-DOF arm of tests/data. The "plant" is the worldmodel's own float64
 * dynamics with the last body (link7 and its payload) 30% heavier than the
 * model believes; a PD controller at 100 Hz tracks sinusoids on it. After
 * 10 s of data the learner must cut the 0.5 s open-loop prediction error on
 * held-out motion by at least 5x (the factor is printed). Also: the batch
 * evaluation is Phi W, learning off leaves the prior alone, outliers and
 * non-finite samples are rejected, a reset forgets. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"
#include "worldmodel/dynamics.h"
#include "worldmodel/learner.h"
#include "worldmodel/model.h"

#define ARM MIRAI_SOURCE_DIR "/tests/data/wm_arm7.urdf"

static mi_model *g_m;     /* what the predictor believes */
static mi_model *g_plant; /* the truth: last body 30% heavier */

static int setup(void **state) {
  (void)state;
  char err[512];
  g_m = mi_wm_model_load(ARM, NULL, err, sizeof err);
  g_plant = mi_wm_model_load(ARM, NULL, err, sizeof err);
  if (!g_m || !g_plant) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  /* the payload mass mismatch: mass, first moment and inertia all scale */
  int b = g_plant->ndof - 1;
  g_plant->dyn.mass[b] *= 1.3;
  for (int i = 0; i < 3; i++) g_plant->dyn.h[b][i] *= 1.3;
  for (int i = 0; i < 6; i++) g_plant->dyn.inertia[b][i] *= 1.3;
  return 0;
}
static int teardown(void **state) {
  (void)state;
  mi_wm_model_free(g_m);
  mi_wm_model_free(g_plant);
  return 0;
}

/* a plant run: PD at 100 Hz (torque held 10 ms) on sinusoidal references,
 * integrated at 1 ms; every 10 ms sample is pushed into the learner */
typedef struct plant {
  double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF];
  double t;
} plant;

static void plant_init(plant *p) {
  memset(p, 0, sizeof *p);
  const mi_wm_dynd *d = &g_plant->dyn;
  for (int j = 0; j < d->ndof; j++) p->q[j] = 0.5 * (d->lower[j] + d->upper[j]);
}

static void reference(const plant *p, double t, double phase, double *qref) {
  const mi_wm_dynd *d = &g_plant->dyn;
  for (int j = 0; j < d->ndof; j++) {
    double mid = 0.5 * (d->lower[j] + d->upper[j]), half = 0.5 * (d->upper[j] - d->lower[j]);
    double w = 0.7 + 0.23 * j;
    qref[j] = mid + 0.4 * half * sin(w * t + phase + 0.9 * j) +
              0.15 * half * sin(2.3 * w * t + 0.5 * j);
  }
  (void)p;
}

static void plant_run(plant *p, mi_wm_learner *l, double seconds, double phase, int64_t t0_ns) {
  const mi_wm_dynd *d = &g_plant->dyn;
  const int n = d->ndof;
  const int steps = (int)lround(seconds / 0.01);
  for (int s = 0; s < steps; s++) {
    double qref[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF];
    reference(p, p->t, phase, qref);
    for (int j = 0; j < n; j++) {
      /* gains for a ~15 rad/s closed loop at a 100 Hz hold on each joint */
      static const double kps[7] = {150, 150, 60, 60, 10, 3, 0.5};
      static const double kds[7] = {15, 15, 6, 6, 1, 0.3, 0.05};
      double kp = kps[j % 7], kd = kds[j % 7];
      tau[j] = kp * (qref[j] - p->q[j]) - kd * p->qd[j];
      if (tau[j] > d->effort[j]) tau[j] = d->effort[j];
      if (tau[j] < -d->effort[j]) tau[j] = -d->effort[j];
    }
    int64_t t_ns = t0_ns + mi_ns_from_s(p->t);
    assert_int_equal(mi_wm_learner_push(l, t_ns, p->q, p->qd, tau), MI_OK);
    for (int k = 0; k < 10; k++) mi_wm_step_d(d, p->q, p->qd, tau, 0.001, 1, NULL);
    p->t += 0.01;
  }
}

static mi_wm_learner_params test_params(void) {
  mi_wm_learner_params lp;
  mi_wm_learner_params_default(&lp);
  lp.substeps = 10; /* the plant's 1 ms integration */
  return lp;
}

/* the acceptance test of issue 7: >= 5x within 10 s of data */
static void test_payload_mismatch_learned(void **state) {
  (void)state;
  mi_wm_learner_params lp = test_params();
  mi_wm_learner *l = NULL;
  assert_int_equal(mi_wm_learner_create(g_m, &lp, &l), MI_OK);
  plant p;
  plant_init(&p);
  /* 10 s of training data */
  plant_run(&p, l, 10.0, 0.0, 0);
  mi_wm_learner_stats st;
  mi_wm_learner_get_stats(l, &st);
  printf("learner: %llu transitions, %llu rejected, %llu fits, %llu failed\n",
         (unsigned long long)st.transitions, (unsigned long long)st.rejected,
         (unsigned long long)st.fits, (unsigned long long)st.fit_failures);
  assert_true(st.fitted);
  assert_true(st.transitions >= 990);
  assert_int_equal(st.rejected, 0);
  /* held-out motion: another phase, learning off, fresh history */
  mi_wm_learner_set_enabled(l, false);
  plant_run(&p, l, 1.0, 1.7, mi_ns_from_s(1000.0));
  double err = 0.0, err_prior = 0.0;
  assert_int_equal(mi_wm_learner_prediction_error(l, 32, &err, &err_prior), MI_OK);
  double factor = err_prior / err;
  printf("learner: 0.5 s prediction error %.3g rad (prior) -> %.3g rad (learned): %.1fx "
         "after 10 s of data, 30%% payload mismatch\n", err_prior, err, factor);
  assert_true(err_prior > 1e-3); /* the mismatch matters */
  assert_true(factor >= 5.0);
  mi_wm_learner_destroy(l);
}

/* learning off from the start: no fit, the corrected model is the prior */
static void test_disabled(void **state) {
  (void)state;
  mi_wm_learner_params lp = test_params();
  lp.enabled = false;
  mi_wm_learner *l = NULL;
  assert_int_equal(mi_wm_learner_create(g_m, &lp, &l), MI_OK);
  plant p;
  plant_init(&p);
  plant_run(&p, l, 2.0, 0.0, 0);
  mi_wm_learner_stats st;
  mi_wm_learner_get_stats(l, &st);
  assert_false(st.fitted);
  assert_int_equal(st.transitions, 0);
  double err = 0.0, err_prior = 0.0;
  assert_int_equal(mi_wm_learner_prediction_error(l, 8, &err, &err_prior), MI_OK);
  assert_true(err_prior > 0.0);
  assert_true(err == err_prior);
  mi_wm_learner_destroy(l);
}

/* the batch evaluation equals phi . W row by row; the corrected step adds
 * dt r to qd */
static void test_eval_batch(void **state) {
  (void)state;
  mi_wm_learner_params lp = test_params();
  mi_wm_learner *l = NULL;
  assert_int_equal(mi_wm_learner_create(g_m, &lp, &l), MI_OK);
  plant p;
  plant_init(&p);
  plant_run(&p, l, 3.0, 0.3, 0);
  assert_int_equal(mi_wm_learner_fit(l), MI_OK);
  const int F = mi_wm_learner_nfeat(l), n = mi_wm_learner_ndof(l);
  assert_int_equal(F, 1 + 2 * n + n * n);
  enum { ROWS = 5 };
  double phi[ROWS * MI_WM_LEARNER_MAX_F], r[ROWS * MI_WM_MAX_DOF];
  for (int i = 0; i < ROWS; i++) {
    double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF], qdd[MI_WM_MAX_DOF];
    for (int j = 0; j < n; j++) {
      q[j] = 0.1 * (i + 1) - 0.05 * j;
      qd[j] = 0.2 * sin(i + j);
      tau[j] = 3.0 * cos(i * j);
      qdd[j] = -1.0 + 0.3 * j;
    }
    mi_wm_learner_features(l, q, qd, tau, qdd, &phi[i * F]);
    assert_true(phi[i * F] == 1.0);
    assert_float_equal(phi[i * F + 1 + n], tau[0] / g_m->dyn.effort[0], 1e-15);
  }
  mi_wm_learner_eval_batch(l, phi, ROWS, r);
  const double *W = mi_wm_learner_weights(l);
  double wsum = 0.0;
  for (int i = 0; i < ROWS; i++)
    for (int j = 0; j < n; j++) {
      double e = 0.0;
      for (int f = 0; f < F; f++) e += phi[i * F + f] * W[f * n + j];
      assert_float_equal(r[i * n + j], e, 1e-9 * (1.0 + fabs(e)));
      wsum += fabs(W[j]);
    }
  assert_true(wsum > 0.0); /* something was learned */
  /* corrected vs prior step from one state */
  double q1[MI_WM_MAX_DOF], qd1[MI_WM_MAX_DOF], q2[MI_WM_MAX_DOF], qd2[MI_WM_MAX_DOF];
  double tau[MI_WM_MAX_DOF] = {1, 2, 3, 4, 1, 1, 1};
  memcpy(q1, p.q, sizeof q1);
  memcpy(qd1, p.qd, sizeof qd1);
  memcpy(q2, p.q, sizeof q2);
  memcpy(qd2, p.qd, sizeof qd2);
  mi_wm_learner_step(l, q1, qd1, tau, 0.01, 10, false);
  mi_wm_learner_step(l, q2, qd2, tau, 0.01, 10, true);
  double diff = 0.0;
  for (int j = 0; j < n; j++) diff += fabs(qd2[j] - qd1[j]);
  assert_true(diff > 0.0);
  mi_wm_learner_destroy(l);
}

/* bad transitions are rejected and counted; a reset forgets */
static void test_rejects_and_reset(void **state) {
  (void)state;
  mi_wm_learner_params lp = test_params();
  lp.max_residual = 50.0;
  mi_wm_learner *l = NULL;
  assert_int_equal(mi_wm_learner_create(g_m, &lp, &l), MI_OK);
  const int n = g_m->ndof;
  double q[MI_WM_MAX_DOF] = {0}, qd[MI_WM_MAX_DOF] = {0}, tau[MI_WM_MAX_DOF] = {0};
  double q1[MI_WM_MAX_DOF] = {0}, qd1[MI_WM_MAX_DOF] = {0};
  q[3] = q1[3] = -1.0;
  /* a velocity jump of 10 rad/s in 10 ms: 1000 rad/s^2 unexplained */
  memcpy(qd1, qd, sizeof qd1);
  qd1[2] = 10.0;
  assert_int_equal(mi_wm_learner_observe(l, q, qd, tau, 0.01, q1, qd1), MI_ERR_REJECTED);
  qd1[2] = NAN;
  assert_int_equal(mi_wm_learner_observe(l, q, qd, tau, 0.01, q1, qd1), MI_ERR_REJECTED);
  assert_int_equal(mi_wm_learner_observe(l, q, qd, tau, 0.0, q1, qd), MI_ERR_REJECTED);
  q[0] = INFINITY;
  assert_int_equal(mi_wm_learner_push(l, 0, q, qd, tau), MI_ERR_REJECTED);
  mi_wm_learner_stats st;
  mi_wm_learner_get_stats(l, &st);
  assert_int_equal(st.rejected, 4);
  assert_int_equal(st.transitions, 0);
  assert_int_equal(mi_wm_learner_fit(l), MI_ERR_STATE); /* too few */
  (void)n;
  plant p;
  plant_init(&p);
  plant_run(&p, l, 3.0, 0.0, 0);
  mi_wm_learner_get_stats(l, &st);
  assert_true(st.fitted);
  mi_wm_learner_reset(l);
  mi_wm_learner_get_stats(l, &st);
  assert_false(st.fitted);
  assert_int_equal(st.transitions, 0);
  double e, ep;
  assert_int_equal(mi_wm_learner_prediction_error(l, 4, &e, &ep), MI_ERR_EMPTY);
  mi_wm_learner_destroy(l);
}

static void test_invalid(void **state) {
  (void)state;
  mi_wm_learner_params lp = test_params();
  mi_wm_learner *l = NULL;
  assert_int_equal(mi_wm_learner_create(NULL, &lp, &l), MI_ERR_INVALID);
  lp.sample_dt = 0.0;
  assert_int_equal(mi_wm_learner_create(g_m, &lp, &l), MI_ERR_INVALID);
  assert_null(l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_payload_mismatch_learned),
      cmocka_unit_test(test_disabled),
      cmocka_unit_test(test_eval_batch),
      cmocka_unit_test(test_rejects_and_reset),
      cmocka_unit_test(test_invalid),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
