/* tests/unit/test_worldmodel_learner_rollout.c - the learner's correction
 * inside the planner's rollouts. The plant is the 7-DOF arm of tests/data
 * with the last body 30% heavier than the model believes (as in
 * test_worldmodel_learner.c). After 10 s of PD-tracked motion the learner's
 * mass scales must find the payload, and a rollout running the
 * mass-corrected tables must predict the plant's 0.5 s open-loop motion at
 * least 3x better than the prior's rollout. Through the predictor: learning
 * on swaps the corrected tables into its rollout after a fit, learning off
 * leaves (or puts back) the prior's. */
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
#include "worldmodel/predictor.h"
#include "worldmodel/rollout.h"

#define ARM MIRAI_SOURCE_DIR "/tests/data/wm_arm7.urdf"
#define PAYLOAD 1.3

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
  int b = g_plant->ndof - 1;
  g_plant->dyn.mass[b] *= PAYLOAD;
  for (int i = 0; i < 3; i++) g_plant->dyn.h[b][i] *= PAYLOAD;
  for (int i = 0; i < 6; i++) g_plant->dyn.inertia[b][i] *= PAYLOAD;
  g_plant->dynf.mass[b] = (float)g_plant->dyn.mass[b];
  for (int i = 0; i < 3; i++) g_plant->dynf.h[b][i] = (float)g_plant->dyn.h[b][i];
  for (int i = 0; i < 6; i++) g_plant->dynf.inertia[b][i] = (float)g_plant->dyn.inertia[b][i];
  return 0;
}
static int teardown(void **state) {
  (void)state;
  mi_wm_model_free(g_m);
  mi_wm_model_free(g_plant);
  return 0;
}

/* the plant of test_worldmodel_learner.c: PD at 100 Hz on sinusoids,
 * integrated at 1 ms; each 10 ms sample goes to `sink` */
typedef struct plant {
  double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF];
  double t;
} plant;

typedef void (*sample_sink)(void *ctx, int64_t t_ns, const double *q, const double *qd,
                            const double *tau);

static void plant_init(plant *p) {
  memset(p, 0, sizeof *p);
  const mi_wm_dynd *d = &g_plant->dyn;
  for (int j = 0; j < d->ndof; j++) p->q[j] = 0.5 * (d->lower[j] + d->upper[j]);
}

static void plant_run(plant *p, sample_sink sink, void *ctx, double seconds, double phase) {
  const mi_wm_dynd *d = &g_plant->dyn;
  const int n = d->ndof;
  const int steps = (int)lround(seconds / 0.01);
  static const double kps[7] = {150, 150, 60, 60, 10, 3, 0.5};
  static const double kds[7] = {15, 15, 6, 6, 1, 0.3, 0.05};
  for (int s = 0; s < steps; s++) {
    double tau[MI_WM_MAX_DOF];
    for (int j = 0; j < n; j++) {
      double mid = 0.5 * (d->lower[j] + d->upper[j]), half = 0.5 * (d->upper[j] - d->lower[j]);
      double w = 0.7 + 0.23 * j;
      double qref = mid + 0.4 * half * sin(w * p->t + phase + 0.9 * j) +
                    0.15 * half * sin(2.3 * w * p->t + 0.5 * j);
      tau[j] = kps[j % 7] * (qref - p->q[j]) - kds[j % 7] * p->qd[j];
      if (tau[j] > d->effort[j]) tau[j] = d->effort[j];
      if (tau[j] < -d->effort[j]) tau[j] = -d->effort[j];
    }
    sink(ctx, mi_ns_from_s(p->t), p->q, p->qd, tau);
    for (int k = 0; k < 10; k++) mi_wm_step_d(d, p->q, p->qd, tau, 0.001, 1, NULL);
    p->t += 0.01;
  }
}

static void learner_sink(void *ctx, int64_t t_ns, const double *q, const double *qd,
                         const double *tau) {
  assert_int_equal(mi_wm_learner_push(ctx, t_ns, q, qd, tau), MI_OK);
}

static mi_wm_learner *trained_learner(void) {
  mi_wm_learner_params lp;
  mi_wm_learner_params_default(&lp);
  lp.substeps = 10;
  mi_wm_learner *l = NULL;
  assert_int_equal(mi_wm_learner_create(g_m, &lp, &l), MI_OK);
  plant p;
  plant_init(&p);
  plant_run(&p, learner_sink, l, 10.0, 0.0);
  return l;
}

/* planner params with a 0.5 s horizon and the plant's gains */
static mi_planner_params rollout_params(bool gravity_comp) {
  mi_predictor_params pp;
  char err[256];
  assert_int_equal(mi_predictor_params_defaults(&pp, err, sizeof err), MI_OK);
  mi_planner_params p = pp.planner;
  p.H = (int64_t)lround(0.5 / p.dt);
  p.substeps = 10;
  p.gravity_comp = gravity_comp;
  static const double kp[7] = {150, 150, 60, 60, 10, 3, 0.5};
  static const double kd[7] = {15, 15, 6, 6, 1, 0.3, 0.05};
  p.kp.n = p.kd.n = 7;
  for (int j = 0; j < 7; j++) {
    p.kp.v[j] = kp[j];
    p.kd.v[j] = kd[j];
  }
  return p;
}

/* RMS over joints of the difference of the last states of two rollouts */
static double rms_last(const float *a, const float *b, int H, int n) {
  double s = 0.0;
  for (int j = 0; j < n; j++) {
    double d = (double)a[H * n + j] - (double)b[H * n + j];
    s += d * d;
  }
  return sqrt(s / n);
}

static void compare(const mi_wm_dynf *corrected, bool gravity_comp, double *err_prior,
                    double *err_corr) {
  mi_planner_params pp = rollout_params(gravity_comp);
  mi_rollout *rp = NULL, *rc = NULL, *rt = NULL;
  assert_int_equal(mi_rollout_create(g_m, &pp, 1, 8, &rp), MI_OK);
  assert_int_equal(mi_rollout_create(g_m, &pp, 1, 8, &rc), MI_OK);
  assert_int_equal(mi_rollout_create(g_plant, &pp, 1, 8, &rt), MI_OK);
  assert_int_equal(mi_rollout_set_inertia(rc, corrected), MI_OK);
  const int n = g_m->ndof, H = (int)pp.H, K = (int)pp.knots;
  float q0[MI_WM_MAX_DOF], qd0[MI_WM_MAX_DOF] = {0};
  float *knots = calloc((size_t)(K * n), sizeof(float));
  float *qa = calloc((size_t)((H + 1) * n), sizeof(float));
  float *qb = calloc((size_t)((H + 1) * n), sizeof(float));
  float *qc = calloc((size_t)((H + 1) * n), sizeof(float));
  assert_non_null(knots);
  assert_non_null(qa);
  assert_non_null(qb);
  assert_non_null(qc);
  double sp = 0.0, sc = 0.0;
  const int trials = 4;
  for (int tr = 0; tr < trials; tr++) {
    for (int j = 0; j < n; j++) {
      const mi_wm_dynd *d = &g_m->dyn;
      double mid = 0.5 * (d->lower[j] + d->upper[j]), half = 0.5 * (d->upper[j] - d->lower[j]);
      q0[j] = (float)(mid + 0.3 * half * sin(1.3 * tr + 0.7 * j));
      for (int k = 0; k < K; k++)
        knots[k * n + j] =
            (float)(mid + 0.4 * half * sin(0.9 * tr + 1.1 * j + 2.0 * k / (double)(K - 1)));
    }
    assert_int_equal(mi_rollout_set_state(rp, q0, qd0), MI_OK);
    assert_int_equal(mi_rollout_set_state(rc, q0, qd0), MI_OK);
    assert_int_equal(mi_rollout_set_state(rt, q0, qd0), MI_OK);
    (void)mi_rollout_trajectory(rp, knots, qa, NULL);
    (void)mi_rollout_trajectory(rc, knots, qb, NULL);
    (void)mi_rollout_trajectory(rt, knots, qc, NULL);
    double ep = rms_last(qa, qc, H, n), ec = rms_last(qb, qc, H, n);
    sp += ep * ep;
    sc += ec * ec;
  }
  *err_prior = sqrt(sp / trials);
  *err_corr = sqrt(sc / trials);
  free(knots);
  free(qa);
  free(qb);
  free(qc);
  mi_rollout_destroy(rp);
  mi_rollout_destroy(rc);
  mi_rollout_destroy(rt);
}

static void test_mass_scale_in_rollouts(void **state) {
  (void)state;
  mi_wm_learner *l = trained_learner();
  const int n = g_m->ndof;
  double scale[MI_WM_MAX_DOF];
  assert_int_equal(mi_wm_learner_mass_scale(l, scale), MI_OK);
  printf("learner mass scales:");
  for (int k = 0; k < n; k++) printf(" %.3f", scale[k]);
  printf("\n");
  assert_true(fabs(scale[n - 1] - PAYLOAD) < 0.1);
  for (int k = 0; k < n - 1; k++) assert_true(fabs(scale[k] - 1.0) < 0.15);
  mi_wm_dynd cd;
  mi_wm_dynf cf;
  mi_wm_learner_scale_dyn(scale, &g_m->dyn, &g_m->dynf, &cd, &cf);
  /* scaled bodies, everything else untouched */
  for (int k = 0; k < n; k++) {
    assert_true(fabs(cd.mass[k] - g_m->dyn.mass[k] * scale[k]) < 1e-12);
    assert_true(fabsf(cf.mass[k] - (float)(g_m->dyn.mass[k] * scale[k])) < 1e-5f);
    assert_true(cf.damping[k] == g_m->dynf.damping[k]);
    assert_true(cf.effort[k] == g_m->dynf.effort[k]);
  }
  for (int g = 0; g <= 1; g++) {
    double ep = 0.0, ec = 0.0;
    compare(&cf, g == 1, &ep, &ec);
    printf("rollout 0.5 s open-loop error vs plant (gravity comp %s): prior %.3g rad -> "
           "corrected %.3g rad: %.1fx\n", g ? "on" : "off", ep, ec, ep / ec);
    if (g == 0) {
      assert_true(ep > 1e-3); /* the payload matters */
      assert_true(ep >= 3.0 * ec);
    } else {
      assert_true(ec < ep);
    }
  }
  /* before any fit: all scales 1 and MI_ERR_STATE */
  mi_wm_learner_reset(l);
  assert_int_equal(mi_wm_learner_mass_scale(l, scale), MI_ERR_STATE);
  for (int k = 0; k < n; k++) assert_true(scale[k] == 1.0);
  /* a bad table is refused by the rollout */
  mi_planner_params pp = rollout_params(true);
  mi_rollout *r = NULL;
  assert_int_equal(mi_rollout_create(g_m, &pp, 1, 8, &r), MI_OK);
  cf.mass[0] = NAN;
  assert_int_equal(mi_rollout_set_inertia(r, &cf), MI_ERR_INVALID);
  const mi_wm_dynf *rd = NULL;
  (void)mi_rollout_export(r, &rd, NULL, NULL, NULL, NULL, NULL);
  assert_true(rd->mass[0] == g_m->dynf.mass[0]);
  mi_rollout_destroy(r);
  mi_wm_learner_destroy(l);
}

/* ---- through the predictor ---- */

typedef struct pred_ctx {
  mi_predictor *pr;
  int64_t last_ns;
} pred_ctx;

static void pred_sink(void *ctx, int64_t t_ns, const double *q, const double *qd,
                      const double *tau) {
  pred_ctx *c = ctx;
  char why[128];
  (void)mi_predictor_joint_state(c->pr, t_ns, t_ns, q, qd, tau, why, sizeof why);
  c->last_ns = t_ns;
}

static mi_predictor *make(bool learning) {
  mi_predictor_params p;
  char err[512];
  assert_int_equal(mi_predictor_params_defaults(&p, err, sizeof err), MI_OK);
  snprintf(p.urdf, sizeof p.urdf, "%s", ARM);
  p.planner.K = 32;
  p.planner.elites = 8;
  p.planner.H = 10;
  p.planner.threads = 1;
  p.planner.block = 32;
  p.planner.iterations = 1;
  p.learner.substeps = 10;
  p.learner.enabled = learning;
  p.est.limit_margin = 0.5;
  mi_predictor *pr = NULL;
  mi_status st = mi_predictor_create(&p, &pr, err, sizeof err);
  if (st != MI_OK) fprintf(stderr, "%s\n", err);
  assert_int_equal(st, MI_OK);
  mi_pose goal = {{0.4, 0.0, 0.8}, {1, 0, 0, 0}};
  assert_int_equal(mi_predictor_set_reach(pr, goal, false), MI_OK);
  return pr;
}

static void run_and_cycle(mi_predictor *pr) {
  pred_ctx c = {.pr = pr};
  plant p;
  plant_init(&p);
  plant_run(&p, pred_sink, &c, 10.0, 0.0);
  const mi_predictor_plan *plan = NULL;
  (void)mi_predictor_cycle(pr, c.last_ns, &plan);
}

static void test_predictor_on_off(void **state) {
  (void)state;
  const int n = g_m->ndof, b = n - 1;
  /* learning off from the start: the rollout keeps the prior's tables */
  mi_predictor *off = make(false);
  run_and_cycle(off);
  mi_predictor_status st;
  mi_predictor_get_status(off, &st);
  assert_false(st.learner_fitted);
  assert_false(st.learner_in_rollouts);
  const mi_wm_dynf *d = mi_predictor_rollout_dyn(off);
  for (int k = 0; k < n; k++) assert_true(d->mass[k] == g_m->dynf.mass[k]);
  mi_predictor_destroy(off);

  /* learning on: after the fit the rollout runs the corrected tables */
  mi_predictor *on = make(true);
  run_and_cycle(on);
  mi_predictor_get_status(on, &st);
  assert_true(st.learner_fitted);
  assert_true(st.learner_in_rollouts);
  d = mi_predictor_rollout_dyn(on);
  double ratio = (double)d->mass[b] / (double)g_m->dynf.mass[b];
  printf("predictor: rollout mass of the last body x%.3f (status %.3f)\n", ratio,
         st.learner_mass_scale[b]);
  assert_true(fabs(ratio - PAYLOAD) < 0.1);
  assert_true(fabs(ratio - st.learner_mass_scale[b]) < 1e-5);
  /* the damping (kd folded in) is not touched by the swap */
  mi_predictor *ref = make(false);
  const mi_wm_dynf *dr = mi_predictor_rollout_dyn(ref);
  for (int k = 0; k < n; k++) assert_true(d->damping[k] == dr->damping[k]);
  mi_predictor_destroy(ref);
  /* learning switched off: the prior's tables again after the next cycle */
  mi_predictor_set_learning(on, false);
  const mi_predictor_plan *plan = NULL;
  int64_t now = mi_ns_from_s(9.99);
  (void)mi_predictor_cycle(on, now, &plan);
  mi_predictor_get_status(on, &st);
  assert_false(st.learner_in_rollouts);
  d = mi_predictor_rollout_dyn(on);
  for (int k = 0; k < n; k++) assert_true(d->mass[k] == g_m->dynf.mass[k]);
  mi_predictor_destroy(on);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mass_scale_in_rollouts),
      cmocka_unit_test(test_predictor_on_off),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
