/* tests/unit/test_cuda_parity.c - CPU and CUDA backends from the same seed
 * (needs a device: without one every test is skipped and the program exits
 * 77, which ctest reports as SKIPPED).
 *
 * Tolerances (float32 rollouts; the CPU batch uses its own SIMD sin/cos and
 * FMA contraction, nvcc its own, so states drift by rounding over H steps):
 *   rollout costs        |c_gpu - c_cpu| <= 1e-3 * max(1, |c_cpu|) per candidate
 *   plans (MPPI, 3 cycles with warm start)   knots within 2e-3 rad
 *   plans (PS, CEM: a near-tie can pick another candidate; checked on
 *   well-separated costs)                   knots within 5e-3 rad
 * and on the device alone: two runs, graph or plain launches, give the same
 * bits; 4 lanes per candidate agree with 1 to 1e-3. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/philox.h"
#include "worldmodel/backend.h"
#include "worldmodel/model.h"
#include "worldmodel/planner.h"
#include "worldmodel/rollout.h"

#define ARM MIRAI_SOURCE_DIR "/tests/data/wm_arm7.urdf"
#define CELL MIRAI_SOURCE_DIR "/tests/data/wm_cell.cell.yaml"

static bool g_have_device;
static char g_why[384];
static mi_model *g_m;

static void params(mi_planner_params *pp, int kind) {
  char err[256];
  assert_int_equal(mi_planner_params_defaults(pp, err, sizeof err), MI_OK);
  pp->kind = kind;
  pp->K = 1024;
  pp->H = 32;
  pp->threads = 0;
  pp->iterations = 2;
  pp->seed = 7;
}

static mi_wm_engine *engine(const mi_planner_params *pp0, int backend, int lanes_idx,
                            bool graph) {
  mi_planner_params pp = *pp0;
  pp.backend = backend;
  mi_wm_cuda_params cp;
  char err[512];
  assert_int_equal(mi_wm_cuda_params_defaults(&cp, err, sizeof err), MI_OK);
  cp.lanes = lanes_idx;
  cp.graph = graph;
  mi_wm_engine *e = NULL;
  mi_status st = mi_wm_engine_create(g_m, &pp, &cp, &e, err, sizeof err);
  if (st != MI_OK) fprintf(stderr, "%s\n", err);
  assert_int_equal(st, MI_OK);
  assert_int_equal(mi_wm_engine_backend(e), backend);
  return e;
}

/* the same start, goal (with orientation) and part on both */
static void scene(mi_wm_engine *e, float *q0) {
  mi_rollout *r = mi_wm_engine_rollout(e);
  int n = mi_rollout_ndof(r);
  for (int j = 0; j < n; j++) {
    float lo = g_m->dynf.lower[j], hi = g_m->dynf.upper[j];
    q0[j] = isfinite(lo) && isfinite(hi) ? 0.5f * (lo + hi) : 0.0f;
  }
  assert_int_equal(mi_rollout_set_state(r, q0, NULL), MI_OK);
  float qg[MI_WM_MAX_DOF], goal[3], quat[4] = {0.0f, 1.0f, 0.0f, 0.0f};
  for (int j = 0; j < n; j++) qg[j] = q0[j] + 0.4f * (j % 2 ? -1.0f : 1.0f);
  mi_rollout_ee_position(r, qg, goal);
  mi_rollout_set_goal(r, goal, quat);
  if (g_m->npart > 0) {
    mi_pose pose = g_m->part[0].shape.pose;
    int type = 0;
    mi_rollout_set_parts(r, &pose, &type, 1);
  }
  mi_wm_engine_reset(e, q0);
}

/* the worst relative difference of the two engines' costs of U */
static double costs_differ(mi_wm_engine *c, mi_wm_engine *g, const float *U, int K, float *cc,
                           float *cg) {
  assert_int_equal(mi_wm_engine_costs(c, U, K, cc), MI_OK);
  assert_int_equal(mi_wm_engine_costs(g, U, K, cg), MI_OK);
  double worst = 0.0;
  for (int k = 0; k < K; k++) {
    assert_int_equal(isfinite(cc[k]), isfinite(cg[k]));
    if (!isfinite(cc[k])) continue;
    double e = fabs((double)cg[k] - cc[k]) / fmax(1.0, fabs((double)cc[k]));
    if (e > worst) worst = e;
  }
  return worst;
}

static void test_rollout_costs(void **state) {
  (void)state;
  if (!g_have_device) skip();
  mi_planner_params pp;
  params(&pp, MI_PLANNER_MPPI);
  mi_wm_engine *c = engine(&pp, MI_BACKEND_CPU, 0, true);
  mi_wm_engine *g = engine(&pp, MI_BACKEND_CUDA, 0, true);
  float q0[MI_WM_MAX_DOF];
  scene(c, q0);
  scene(g, q0);
  const int n = g_m->dynf.ndof, kn = n * (int)pp.knots, K = (int)pp.K;
  float *U = malloc(sizeof(float) * (size_t)K * (size_t)kn);
  float *cc = malloc(sizeof(float) * (size_t)K), *cg = malloc(sizeof(float) * (size_t)K);
  mi_philox_key key = mi_philox_key_from_seed(3);
  for (int k = 0; k < K; k++)
    for (int i = 0; i < kn; i += 4) {
      float e[4];
      mi_philox_normal4f(mi_philox_ctr_make((uint32_t)i, (uint32_t)k, 0, 0), key, e);
      for (int l = 0; l < 4 && i + l < kn; l++)
        U[k * kn + i + l] = q0[(i + l) % n] + 0.3f * e[l];
    }
  double worst = costs_differ(c, g, U, K, cc, cg);
  printf("parity: rollout costs K=%d H=%d worst relative difference %.3g\n", K, (int)pp.H,
         worst);
  assert_true(worst <= 1e-3);
  /* a heavier model (the learner's mass correction) reaches the device too:
   * both backends agree again, and on other costs than before */
  float before = cg[0];
  mi_wm_dynf heavy = g_m->dynf;
  for (int b = 0; b < n; b++) heavy.mass[b] *= 1.0f + 0.1f * (float)b;
  assert_int_equal(mi_wm_engine_set_inertia(c, &heavy), MI_OK);
  assert_int_equal(mi_wm_engine_set_inertia(g, &heavy), MI_OK);
  worst = costs_differ(c, g, U, K, cc, cg);
  printf("parity: after set_inertia worst relative difference %.3g (cost 0: %g -> %g)\n", worst,
         (double)before, (double)cg[0]);
  assert_true(worst <= 1e-3);
  assert_true(cg[0] != before);
  free(U);
  free(cc);
  free(cg);
  mi_wm_engine_destroy(c);
  mi_wm_engine_destroy(g);
}

/* `cycles` planning cycles with warm start on an engine; the final knots */
static void plan(mi_wm_engine *e, const mi_planner_params *pp, int cycles, float *knots,
                 float *best) {
  float q0[MI_WM_MAX_DOF];
  scene(e, q0);
  mi_planner_result r;
  for (int c = 0; c < cycles; c++) {
    assert_int_equal(mi_wm_engine_optimize(e, &r), MI_OK);
    if (c + 1 < cycles) mi_wm_engine_shift(e, pp->dt);
  }
  memcpy(knots, mi_wm_engine_knots(e), sizeof(float) * (size_t)g_m->dynf.ndof * (size_t)pp->knots);
  *best = r.best_cost;
}

static void compare_plans(int kind, int cycles, double tol) {
  mi_planner_params pp;
  params(&pp, kind);
  if (kind == MI_PLANNER_CEM) pp.elites = 32;
  mi_wm_engine *c = engine(&pp, MI_BACKEND_CPU, 0, true);
  mi_wm_engine *g = engine(&pp, MI_BACKEND_CUDA, 0, true);
  const int kn = g_m->dynf.ndof * (int)pp.knots;
  float kc[MI_WM_MAX_DOF * MI_PLANNER_MAX_KNOTS], kg[MI_WM_MAX_DOF * MI_PLANNER_MAX_KNOTS];
  float bc, bg;
  plan(c, &pp, cycles, kc, &bc);
  plan(g, &pp, cycles, kg, &bg);
  double worst = 0.0;
  for (int i = 0; i < kn; i++) worst = fmax(worst, fabs((double)kc[i] - kg[i]));
  printf("parity: %s %d cycles: knots differ by at most %.3g rad; best cost cpu %.6g cuda %.6g\n",
         mi_planner_kind_name(kind), cycles, worst, bc, bg);
  assert_true(worst <= tol);
  assert_true(fabs((double)bc - bg) <= 1e-2 * fmax(1.0, fabs((double)bc)));
  mi_wm_engine_destroy(c);
  mi_wm_engine_destroy(g);
}

static void test_plan_mppi(void **state) {
  (void)state;
  if (!g_have_device) skip();
  compare_plans(MI_PLANNER_MPPI, 3, 2e-3);
}

static void test_plan_ps(void **state) {
  (void)state;
  if (!g_have_device) skip();
  compare_plans(MI_PLANNER_PS, 2, 5e-3);
}

static void test_plan_cem(void **state) {
  (void)state;
  if (!g_have_device) skip();
  compare_plans(MI_PLANNER_CEM, 2, 5e-3);
}

/* on the device alone: deterministic, graph = plain launches, lanes agree */
static void test_device_determinism(void **state) {
  (void)state;
  if (!g_have_device) skip();
  mi_planner_params pp;
  params(&pp, MI_PLANNER_MPPI);
  const int kn = g_m->dynf.ndof * (int)pp.knots;
  float a[MI_WM_MAX_DOF * MI_PLANNER_MAX_KNOTS], b[MI_WM_MAX_DOF * MI_PLANNER_MAX_KNOTS];
  float l4[MI_WM_MAX_DOF * MI_PLANNER_MAX_KNOTS];
  float ca, cb, c4;
  mi_wm_engine *g1 = engine(&pp, MI_BACKEND_CUDA, 0, true);
  plan(g1, &pp, 3, a, &ca);
  mi_wm_engine_destroy(g1);
  mi_wm_engine *g2 = engine(&pp, MI_BACKEND_CUDA, 0, false);
  plan(g2, &pp, 3, b, &cb);
  mi_wm_engine_destroy(g2);
  assert_memory_equal(a, b, sizeof(float) * (size_t)kn);
  assert_memory_equal(&ca, &cb, sizeof ca);
  mi_wm_engine *g3 = engine(&pp, MI_BACKEND_CUDA, 2, true); /* 4 lanes */
  plan(g3, &pp, 3, l4, &c4);
  mi_wm_engine_destroy(g3);
  double worst = 0.0;
  for (int i = 0; i < kn; i++) worst = fmax(worst, fabs((double)a[i] - l4[i]));
  assert_true(worst <= 1e-3);
}

int main(void) {
  char err[512];
  int chosen = 0;
  g_have_device =
      mi_wm_backend_resolve(MI_BACKEND_CUDA, 0, &chosen, g_why, sizeof g_why) == MI_OK;
  if (!g_have_device) printf("test_cuda_parity: SKIPPED: %s\n", g_why);
  g_m = mi_wm_model_load(ARM, CELL, err, sizeof err);
  if (!g_m) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rollout_costs),
      cmocka_unit_test(test_plan_mppi),
      cmocka_unit_test(test_plan_ps),
      cmocka_unit_test(test_plan_cem),
      cmocka_unit_test(test_device_determinism),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  mi_wm_model_free(g_m);
  if (failed) return failed;
  return g_have_device ? 0 : 77;
}
