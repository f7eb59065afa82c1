/* tests/unit/test_cuda_fallback.c - the clean CPU path without a device
 * (CUDA_VISIBLE_DEVICES is emptied before the runtime starts, so this holds
 * on a GPU machine too): `auto` resolves to the cpu with one log line saying
 * why, `cuda` is a clear MI_ERR_DEVICE, the engine's cpu path plans exactly
 * as mi_planner + mi_rollout + mi_pool do, and the cuda.* params parse. */
#define _GNU_SOURCE /* setenv */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/log.h"
#include "worldmodel/backend.h"
#include "worldmodel/model.h"
#include "worldmodel/planner.h"
#include "worldmodel/pool.h"
#include "worldmodel/rollout.h"

#define ARM MIRAI_SOURCE_DIR "/tests/data/wm_arm7.urdf"

/* ---- captured log lines ---- */
static char g_lines[16][512];
static int g_nlines;
static void sink(void *user, mi_log_level level, const char *line) {
  (void)user;
  (void)level;
  if (g_nlines < 16) snprintf(g_lines[g_nlines], sizeof g_lines[0], "%s", line);
  g_nlines++;
}

static void test_resolve_cpu(void **state) {
  (void)state;
  int chosen = -1;
  char why[384];
  assert_int_equal(mi_wm_backend_resolve(MI_BACKEND_CPU, 0, &chosen, why, sizeof why), MI_OK);
  assert_int_equal(chosen, MI_BACKEND_CPU);
  assert_string_equal(why, "cpu backend requested");
}

static void test_resolve_auto_falls_back(void **state) {
  (void)state;
  int chosen = -1;
  char why[384];
  assert_int_equal(mi_wm_backend_resolve(MI_BACKEND_AUTO, 0, &chosen, why, sizeof why), MI_OK);
  assert_int_equal(chosen, MI_BACKEND_CPU);
  assert_non_null(strstr(why, "auto: "));
  assert_non_null(strstr(why, "using the cpu worker pool"));
  if (mi_wm_backend_cuda_built())
    assert_true(strstr(why, "no CUDA device") || strstr(why, "no usable CUDA driver"));
  else
    assert_non_null(strstr(why, "no CUDA backend"));
}

static void test_resolve_cuda_is_an_error(void **state) {
  (void)state;
  int chosen = -1;
  char why[384];
  assert_int_equal(mi_wm_backend_resolve(MI_BACKEND_CUDA, 0, &chosen, why, sizeof why),
                   MI_ERR_DEVICE);
  assert_int_equal(chosen, -1);
  assert_non_null(strstr(why, "cuda backend requested but "));
  assert_int_equal(mi_wm_backend_resolve(42, 0, &chosen, why, sizeof why), MI_ERR_INVALID);
}

static mi_model *load(void) {
  char err[512];
  mi_model *m = mi_wm_model_load(ARM, NULL, err, sizeof err);
  if (!m) fprintf(stderr, "%s\n", err);
  assert_non_null(m);
  return m;
}

static void small_params(mi_planner_params *pp) {
  char err[256];
  assert_int_equal(mi_planner_params_defaults(pp, err, sizeof err), MI_OK);
  pp->K = 96;
  pp->H = 12;
  pp->threads = 2;
  pp->iterations = 2;
}

/* auto -> cpu: one log line with the reason; the plans are the cpu
 * planner's, bit for bit */
static void test_engine_auto_is_the_cpu_planner(void **state) {
  (void)state;
  mi_model *m = load();
  mi_planner_params pp;
  small_params(&pp);
  g_nlines = 0;
  mi_log_set_sink(sink, NULL);
  mi_wm_engine *e = NULL;
  char err[512];
  mi_status st = mi_wm_engine_create(m, &pp, NULL, &e, err, sizeof err);
  mi_log_set_sink(NULL, NULL);
  assert_int_equal(st, MI_OK);
  assert_int_equal(mi_wm_engine_backend(e), MI_BACKEND_CPU);
  assert_int_equal(g_nlines, 1);
  assert_non_null(strstr(g_lines[0], "planner backend: cpu (auto: "));
  assert_non_null(strstr(g_lines[0], "INFO"));
  assert_int_equal(mi_wm_engine_threads(e), 2);

  /* the same cycles by hand */
  mi_pool *pool = NULL;
  mi_rollout *ro = NULL;
  mi_planner *pl = NULL;
  assert_int_equal(mi_pool_create(2, &pool), MI_OK);
  assert_int_equal(mi_rollout_create(m, &pp, mi_pool_threads(pool), (int)pp.block, &ro), MI_OK);
  int n = mi_rollout_ndof(ro);
  assert_int_equal(mi_planner_create(&pp, n, &pl), MI_OK);
  mi_planner_system sys = mi_rollout_system(ro);

  float q0[MI_WM_MAX_DOF] = {0.1f, 0.4f, -0.2f, -1.0f, 0.3f, 0.5f, 0.0f};
  float goal[3] = {0.4f, 0.3f, 0.5f};
  mi_rollout *er = mi_wm_engine_rollout(e);
  assert_int_equal(mi_rollout_set_state(er, q0, NULL), MI_OK);
  assert_int_equal(mi_rollout_set_state(ro, q0, NULL), MI_OK);
  mi_rollout_set_goal(er, goal, NULL);
  mi_rollout_set_goal(ro, goal, NULL);
  mi_wm_engine_reset(e, q0);
  mi_planner_reset(pl, q0);
  for (int c = 0; c < 3; c++) {
    mi_planner_result r1, r2;
    assert_int_equal(mi_wm_engine_optimize(e, &r1), MI_OK);
    assert_int_equal(mi_planner_optimize(pl, &sys, pool, &r2), MI_OK);
    assert_memory_equal(&r1.best_cost, &r2.best_cost, sizeof(float));
    assert_int_equal(r1.iteration, r2.iteration);
    assert_memory_equal(mi_wm_engine_knots(e), mi_planner_knots(pl),
                        sizeof(float) * (size_t)n * (size_t)pp.knots);
    mi_wm_engine_shift(e, pp.dt);
    mi_planner_shift(pl, pp.dt);
  }
  /* the plan improved on the start */
  float cost;
  mi_wm_engine_best(e, &cost);
  assert_true(isfinite(cost));
  float u1[MI_WM_MAX_DOF], u2[MI_WM_MAX_DOF];
  mi_wm_engine_control_at(e, 0.1, u1);
  mi_planner_control_at(pl, 0.1, u2);
  assert_memory_equal(u1, u2, sizeof(float) * (size_t)n);

  /* rollouts only: the batch path's costs, as the trajectory scores them */
  float U[4 * MI_WM_MAX_DOF * MI_PLANNER_MAX_KNOTS], c4[4];
  int kn = n * (int)pp.knots;
  for (int k = 0; k < 4; k++)
    for (int i = 0; i < kn; i++) U[k * kn + i] = q0[i % n] + 0.05f * (float)(k - i % 3);
  assert_int_equal(mi_wm_engine_costs(e, U, 4, c4), MI_OK);
  for (int k = 0; k < 4; k++) {
    float ref = mi_rollout_trajectory(er, U + k * kn, NULL, NULL);
    assert_true(fabsf(c4[k] - ref) <= 2e-4f * fmaxf(1.0f, fabsf(ref)));
  }
  assert_int_equal(mi_wm_engine_costs(e, U, 0, c4), MI_ERR_INVALID);

  mi_planner_destroy(pl);
  mi_rollout_destroy(ro);
  mi_pool_destroy(pool);
  mi_wm_engine_destroy(e);
  mi_wm_model_free(m);
}

/* backend: cuda without a device: a clear error, nothing created */
static void test_engine_cuda_without_device(void **state) {
  (void)state;
  mi_model *m = load();
  mi_planner_params pp;
  small_params(&pp);
  pp.backend = MI_BACKEND_CUDA;
  mi_wm_engine *e = NULL;
  char err[512];
  assert_int_equal(mi_wm_engine_create(m, &pp, NULL, &e, err, sizeof err), MI_ERR_DEVICE);
  assert_null(e);
  assert_non_null(strstr(err, "planner.backend: cuda backend requested but "));
  mi_wm_model_free(m);
}

static void test_cuda_params(void **state) {
  (void)state;
  mi_wm_cuda_params cp;
  char err[512];
  const mi_param_table *t = mi_wm_cuda_params_table();
  assert_int_equal(mi_wm_cuda_params_defaults(&cp, err, sizeof err), MI_OK);
  assert_int_equal(cp.device, 0);
  assert_int_equal(1 << cp.lanes, 1);
  assert_int_equal(cp.block, 128);
  assert_true(cp.graph);
  assert_int_equal(mi_params_set(t, &cp, "cuda.lanes", "4", err, sizeof err), MI_OK);
  assert_int_equal(1 << cp.lanes, 4);
  assert_int_not_equal(mi_params_set(t, &cp, "cuda.lanes", "3", err, sizeof err), MI_OK);
  assert_int_not_equal(mi_params_set(t, &cp, "cuda.block", "2048", err, sizeof err), MI_OK);
  assert_int_equal(mi_params_set(t, &cp, "cuda.graph", "false", err, sizeof err), MI_OK);
  assert_false(cp.graph);
  /* and the planner's own row names the three choices */
  mi_planner_params pp;
  assert_int_equal(mi_planner_params_defaults(&pp, err, sizeof err), MI_OK);
  assert_int_equal(pp.backend, MI_BACKEND_AUTO);
  assert_int_equal(mi_params_set(mi_planner_params_table(), &pp, "planner.backend", "cuda", err,
                                 sizeof err),
                   MI_OK);
  assert_int_equal(pp.backend, MI_BACKEND_CUDA);
  assert_string_equal(mi_wm_backend_name(MI_BACKEND_CUDA), "cuda");
}

int main(void) {
  /* before the CUDA runtime starts: no device, even on a GPU machine */
  setenv("CUDA_VISIBLE_DEVICES", "", 1);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_resolve_cpu),
      cmocka_unit_test(test_resolve_auto_falls_back),
      cmocka_unit_test(test_resolve_cuda_is_an_error),
      cmocka_unit_test(test_engine_auto_is_the_cpu_planner),
      cmocka_unit_test(test_engine_cuda_without_device),
      cmocka_unit_test(test_cuda_params),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
