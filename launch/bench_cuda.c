/* launch/bench_cuda.c - `mirai bench plan --backend ...` through the backend
 * engine and `mirai bench dynamics --backend cuda` (see bench_cuda.h). */
#include "launch/bench_cuda.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/philox.h"
#include "worldmodel/backend.h"
#include "worldmodel/dynamics.h"
#include "worldmodel/model.h"

int mi_bench_plan_engine(const mi_planner_params *pp, const char *urdf, const char *cell,
                         double seconds) {
  char err[512];
  mi_model *m = mi_wm_model_load(urdf, cell, err, sizeof err);
  if (!m) {
    fprintf(stderr, "mirai bench plan: %s\n", err);
    return 1;
  }
  /* cuda.* overrides for measuring the kernel variants:
   * MIRAI_BENCH_CUDA="lanes=4 block=256 graph=false" */
  mi_wm_cuda_params cp;
  mi_wm_cuda_params_defaults(&cp, err, sizeof err);
  const char *ov = getenv("MIRAI_BENCH_CUDA");
  char tok[128], name[160];
  while (ov && *ov) {
    while (*ov == ' ') ov++;
    size_t len = strcspn(ov, " ");
    if (len == 0) break;
    snprintf(tok, sizeof tok, "%.*s", (int)len, ov);
    ov += len;
    char *eq = strchr(tok, '=');
    if (!eq) continue;
    *eq = '\0';
    snprintf(name, sizeof name, "cuda.%s", tok);
    if (mi_params_set(mi_wm_cuda_params_table(), &cp, name, eq + 1, err, sizeof err) != MI_OK) {
      fprintf(stderr, "mirai bench plan: MIRAI_BENCH_CUDA: %s\n", err);
      mi_wm_model_free(m);
      return 2;
    }
  }
  mi_wm_engine *e = NULL;
  if (mi_wm_engine_create(m, pp, &cp, &e, err, sizeof err) != MI_OK) {
    fprintf(stderr, "mirai bench plan: %s\n", err);
    mi_wm_model_free(m);
    return 1;
  }
  int rc = 1;
  mi_rollout *ro = mi_wm_engine_rollout(e);
  const int n = mi_rollout_ndof(ro);
  /* start mid-range, reach for the tool position of another configuration
   * (as the cpu path of bench_plan.c) */
  float q0[MI_WM_MAX_DOF] = {0}, qg[MI_WM_MAX_DOF] = {0}, goal[3];
  for (int j = 0; j < n; j++) {
    float lo = m->dynf.lower[j], hi = m->dynf.upper[j];
    float mid = isfinite(lo) && isfinite(hi) ? 0.5f * (lo + hi) : 0.0f;
    q0[j] = mid;
    qg[j] = mid + 0.4f * (j % 2 ? -1.0f : 1.0f);
  }
  mi_rollout_ee_position(ro, qg, goal);
  mi_rollout_set_goal(ro, goal, NULL);
  mi_rollout_set_state(ro, q0, NULL);
  mi_wm_engine_reset(e, q0);
  for (int i = 0; i < 3; i++)
    if (mi_wm_engine_optimize(e, NULL) != MI_OK) goto out;
  int64_t t0 = mi_clock_mono_ns(), t1 = t0;
  long cycles = 0;
  float first_cost = 0.0f, last_cost = 0.0f;
  while (t1 - t0 < (int64_t)(seconds * 1e9)) {
    mi_planner_result res;
    if (mi_wm_engine_optimize(e, &res) != MI_OK) goto out;
    if (cycles == 0) first_cost = res.nominal_cost;
    last_cost = res.best_cost;
    float qn[MI_WM_MAX_DOF];
    mi_wm_engine_control_at(e, pp->dt, qn);
    mi_wm_engine_shift(e, pp->dt);
    mi_rollout_set_state(ro, qn, NULL);
    cycles++;
    t1 = mi_clock_mono_ns();
  }
  double el = (double)(t1 - t0) * 1e-9, hz = (double)cycles / el;
  fprintf(stderr, "bench plan: %s (%s), %ld cycles in %.2f s, %.3g rollout steps/s, cost %.4g -> %.4g\n",
          urdf, mi_wm_engine_why(e), cycles, el, hz * (double)pp->K * (double)pp->H *
          (double)pp->iterations, first_cost, last_cost);
  int cu = mi_wm_engine_backend(e) == MI_BACKEND_CUDA;
  printf("bench plan planner=%s K=%ld H=%ld dof=%d threads=%d backend=%s hz=%.1f ms=%.3f"
         " arm_steps_per_s=%.4g%s",
         mi_planner_kind_name(pp->kind), (long)pp->K, (long)pp->H, n, mi_wm_engine_threads(e),
         mi_wm_backend_name(mi_wm_engine_backend(e)), hz, 1e3 / hz,
         hz * (double)pp->K * (double)pp->H * (double)pp->iterations, cu ? "" : "\n");
  if (cu) printf(" lanes=%d block=%d graph=%d\n", 1 << cp.lanes, (int)cp.block, cp.graph ? 1 : 0);
  rc = 0;
out:
  if (rc) fprintf(stderr, "mirai bench plan: a planning cycle failed (see the log)\n");
  mi_wm_engine_destroy(e);
  mi_wm_model_free(m);
  return rc;
}

int mi_bench_dynamics_cuda(const char *urdf, int K, double seconds) {
  char err[512];
  if (K <= 0) K = 65536;
  mi_model *m = mi_wm_model_load(urdf, NULL, err, sizeof err);
  if (!m) {
    fprintf(stderr, "bench dynamics: %s\n", err);
    return 1;
  }
  const int n = m->dynf.ndof;
  const float dt = 0.001f;
  const int steps = 200;
  size_t sz = (size_t)K * (size_t)n * sizeof(float);
  float *q0 = malloc(sz), *tau = malloc(sz), *q = malloc(sz);
  int rc = 1;
  if (!q0 || !tau || !q) goto out;
  mi_philox_key key = mi_philox_key_from_seed(11);
  for (int k = 0; k < K; k++)
    for (int j = 0; j < n; j++) {
      float u[4];
      mi_philox_uniform4f(mi_philox_ctr_make((uint32_t)j, (uint32_t)k, 0, 0), key, u);
      q0[(size_t)k * n + j] = 2.0f * u[0] - 1.0f;
      float eff = isfinite(m->dynf.effort[j]) ? m->dynf.effort[j] : 50.0f;
      tau[(size_t)k * n + j] = 0.2f * eff * (2.0f * u[1] - 1.0f);
    }
  /* a first run loads the module; then repeat for the given time */
  double s = 0.0, total = 0.0;
  long runs = 0;
  if (mi_wm_cuda_step_bench(&m->dynf, 0, K, steps, dt, q0, tau, q, &s, err, sizeof err) != MI_OK) {
    fprintf(stderr, "bench dynamics: %s\n", err);
    goto out;
  }
  while (total < seconds && runs < 1000) {
    if (mi_wm_cuda_step_bench(&m->dynf, 0, K, steps, dt, q0, tau, NULL, &s, err, sizeof err) !=
        MI_OK) {
      fprintf(stderr, "bench dynamics: %s\n", err);
      goto out;
    }
    total += s;
    runs++;
  }
  /* the device against the cpu's scalar float step, on a sample */
  double max_err = 0.0;
  for (int k = 0; k < K; k += K / 64 > 0 ? K / 64 : 1) {
    float qs[MI_WM_MAX_DOF] = {0}, qds[MI_WM_MAX_DOF] = {0}, ts[MI_WM_MAX_DOF] = {0};
    memcpy(qs, q0 + (size_t)k * n, sizeof(float) * (size_t)n);
    memcpy(ts, tau + (size_t)k * n, sizeof(float) * (size_t)n);
    for (int i = 0; i < steps; i++) mi_wm_step_f(&m->dynf, qs, qds, ts, dt, 1, NULL);
    for (int j = 0; j < n; j++) max_err = fmax(max_err, fabs((double)qs[j] - q[(size_t)k * n + j]));
  }
  double rate = (double)K * steps * (double)runs / total;
  const char *base = strrchr(urdf, '/');
  printf("bench dynamics urdf=%s dof=%d backend=cuda K=%d arm_steps_per_s=%.4g max_abs_err=%.3g\n",
         base ? base + 1 : urdf, n, K, rate, max_err);
  rc = 0;
out:
  free(q0);
  free(tau);
  free(q);
  mi_wm_model_free(m);
  return rc;
}
