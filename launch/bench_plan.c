/* launch/bench_plan.c - `mirai bench plan`: planning cycles per second of the
 * CPU backend on a URDF arm (K candidates, H steps, the model's batch SIMD
 * dynamics and the full cost), one line:
 *   bench plan planner=mppi K=1024 H=32 dof=7 threads=2 backend=cpu hz=...
 * A cycle is one planner iteration (sample, roll out, score, update) plus
 * the warm-start shift, from a moving start state. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "launch/bench.h"
#include "launch/bench_cuda.h" /* --backend (engineer `cuda`) */
#include "worldmodel/dynamics.h"
#include "worldmodel/model.h"
#include "worldmodel/planner.h"
#include "worldmodel/pool.h"
#include "worldmodel/rollout.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: mirai bench plan [--planner mppi|cem|ps] [--K N] [--H N] [--threads N]\n"
          "                        [--urdf FILE] [--cell FILE] [--seconds S] [--substeps N]\n"
          "                        [--backend auto|cpu|cuda] [--max-lanes 16|8|4]\n"
          "defaults: mppi, K 1024, H 32, all cores, tests/data/wm_arm7.urdf, 3 s,\n"
          "the widest SIMD kernels the CPU has (--max-lanes caps them)\n");
}

static int parse_int(const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

int mi_bench_plan(int argc, char **argv) {
  const char *urdf = "tests/data/wm_arm7.urdf", *cell = NULL, *planner = "mppi";
  long K = 1024, H = 32, threads = 0, substeps = -1, lanes = 16;
  double seconds = 3.0;
  const char *backend_arg = NULL; /* --backend (engineer `cuda`) */
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    }
    int bad = !v;
    if (!bad && !strcmp(a, "--planner")) planner = v;
    else if (!bad && !strcmp(a, "--K")) bad = parse_int(v, 2, 1 << 20, &K);
    else if (!bad && !strcmp(a, "--H")) bad = parse_int(v, 1, 4096, &H);
    else if (!bad && !strcmp(a, "--threads")) bad = parse_int(v, 0, 256, &threads);
    else if (!bad && !strcmp(a, "--substeps")) bad = parse_int(v, 1, 100, &substeps);
    else if (!bad && !strcmp(a, "--urdf")) urdf = v;
    else if (!bad && !strcmp(a, "--cell")) cell = v;
    else if (!bad && !strcmp(a, "--seconds")) seconds = atof(v);
    else if (!bad && !strcmp(a, "--backend")) backend_arg = v;
    else if (!bad && !strcmp(a, "--max-lanes"))
      bad = parse_int(v, 4, 16, &lanes) || (lanes != 4 && lanes != 8 && lanes != 16);
    else bad = 1;
    if (bad) {
      fprintf(stderr, "mirai bench plan: bad argument '%s'\n", a);
      usage(stderr);
      return 2;
    }
    i++;
  }
  mi_wm_simd_max_lanes((int)lanes);
  char err[512];
  mi_planner_params pp;
  if (mi_planner_params_defaults(&pp, err, sizeof err) != MI_OK) {
    fprintf(stderr, "mirai bench plan: %s\n", err);
    return 1;
  }
  const mi_param_table *t = mi_planner_params_table();
  if (mi_params_set(t, &pp, "planner.kind", planner, err, sizeof err) != MI_OK) {
    fprintf(stderr, "mirai bench plan: --planner: %s\n", err);
    return 2;
  }
  pp.K = K;
  pp.H = H;
  pp.threads = threads;
  if (substeps > 0) pp.substeps = substeps;
  if (pp.elites > pp.K) pp.elites = pp.K / 8 > 0 ? pp.K / 8 : 1;
  /* --backend auto|cuda: the backend engine (launch/bench_cuda.c, engineer `cuda`) */
  if (backend_arg) {
    if (mi_params_set(t, &pp, "planner.backend", backend_arg, err, sizeof err) != MI_OK) {
      fprintf(stderr, "mirai bench plan: --backend: %s\n", err);
      return 2;
    }
    if (pp.backend != MI_BACKEND_CPU) return mi_bench_plan_engine(&pp, urdf, cell, seconds);
  }
  /* without --backend (or with cpu): the CPU pool, measured directly */
  const char *why = backend_arg ? "cpu backend requested" : "cpu (--backend auto|cuda: the engine)";
  mi_model *m = mi_wm_model_load(urdf, cell, err, sizeof err);
  if (!m) {
    fprintf(stderr, "mirai bench plan: %s\n", err);
    return 1;
  }
  int rc = 1;
  mi_pool *pool = NULL;
  mi_rollout *ro = NULL;
  mi_planner *pl = NULL;
  if (mi_pool_create((int)pp.threads, &pool) != MI_OK) goto out;
  if (mi_rollout_create(m, &pp, mi_pool_threads(pool), (int)pp.block, &ro) != MI_OK) goto out;
  int n = mi_rollout_ndof(ro);
  if (mi_planner_create(&pp, n, &pl) != MI_OK) goto out;
  /* start mid-range, reach for the tool position of another configuration */
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
  mi_planner_reset(pl, q0);
  mi_planner_system sys = mi_rollout_system(ro);
  /* warm up, then cycle for the given time: optimise, shift, move the start */
  for (int i = 0; i < 3; i++) mi_planner_optimize(pl, &sys, pool, NULL);
  int64_t t0 = mi_clock_mono_ns(), t1 = t0;
  long cycles = 0;
  float first_cost = 0.0f, last_cost = 0.0f;
  while (t1 - t0 < (int64_t)(seconds * 1e9)) {
    mi_planner_result res;
    if (mi_planner_optimize(pl, &sys, pool, &res) != MI_OK) goto out;
    if (cycles == 0) first_cost = res.nominal_cost;
    last_cost = res.best_cost;
    float qn[MI_WM_MAX_DOF];
    mi_planner_control_at(pl, pp.dt, qn);
    mi_planner_shift(pl, pp.dt);
    mi_rollout_set_state(ro, qn, NULL);
    cycles++;
    t1 = mi_clock_mono_ns();
  }
  double el = (double)(t1 - t0) * 1e-9, hz = (double)cycles / el;
  fprintf(stderr,
          "bench plan: %s (%s), simd %s x%d, %ld cycles in %.2f s, %.3g steps/s, cost %.4g -> %.4g\n",
          urdf, why, mi_wm_simd_name(), mi_wm_simd_lanes(), cycles, el,
          hz * (double)K * (double)H, first_cost, last_cost);
  printf("bench plan planner=%s K=%ld H=%ld dof=%d threads=%d backend=cpu hz=%.1f\n",
         mi_planner_kind_name(pp.kind), K, H, n, mi_pool_threads(pool), hz);
  rc = 0;
out:
  if (rc) fprintf(stderr, "mirai bench plan: setup failed\n");
  mi_planner_destroy(pl);
  mi_rollout_destroy(ro);
  mi_pool_destroy(pool);
  mi_wm_model_free(m);
  return rc;
}
