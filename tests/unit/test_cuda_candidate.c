/* tests/unit/test_cuda_candidate.c - the CUDA backend's per-candidate code
 * (worldmodel/cuda/candidate.h, what the kernels run) compiled for the CPU
 * and checked without a device: its rollout scores a candidate as the CPU's
 * scalar path does (same trajectory, same cost) and as the SIMD batch does
 * to float rounding; splitting the clearance sums over lanes keeps the total;
 * its samples are the CPU planner's, bit for bit (same Philox counters). */
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
#include "worldmodel/cuda/candidate.h"
#include "worldmodel/model.h"
#include "worldmodel/planner.h"
#include "worldmodel/rollout.h"

#define ARM MIRAI_SOURCE_DIR "/tests/data/wm_arm7.urdf"
#define CELL MIRAI_SOURCE_DIR "/tests/data/wm_cell.cell.yaml"

enum { NC = 24, BLOCK = 32 };

typedef struct fixture {
  mi_model *m;
  mi_planner_params pp;
  mi_rollout *ro;
  mi_cuda_problem *prob;
  mi_cuda_inputs *in;
  int n, kn;
  float q0[MI_WM_MAX_DOF];
  float U[NC * MI_CUDA_MAX_KN];
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  char err[512];
  f->m = mi_wm_model_load(ARM, CELL, err, sizeof err);
  if (!f->m) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  if (mi_planner_params_defaults(&f->pp, err, sizeof err) != MI_OK) return -1;
  f->pp.H = 24;
  f->pp.K = 64;
  f->pp.block = BLOCK;
  f->pp.spline = MI_SPLINE_CUBIC;
  f->pp.substeps = 2;
  if (mi_rollout_create(f->m, &f->pp, 1, BLOCK, &f->ro) != MI_OK) return -1;
  f->n = mi_rollout_ndof(f->ro);
  f->kn = f->n * (int)f->pp.knots;
  /* mid-range start, a goal with an orientation, a part on the belt */
  for (int j = 0; j < f->n; j++) {
    float lo = f->m->dynf.lower[j], hi = f->m->dynf.upper[j];
    f->q0[j] = isfinite(lo) && isfinite(hi) ? 0.5f * (lo + hi) : 0.0f;
  }
  float qd0[MI_WM_MAX_DOF] = {0.1f, -0.2f, 0.3f};
  mi_rollout_set_state(f->ro, f->q0, qd0);
  float goal[3] = {0.5f, 0.2f, 0.6f}, quat[4] = {0.0f, 1.0f, 0.0f, 0.0f};
  mi_rollout_set_goal(f->ro, goal, quat);
  if (f->m->npart > 0) {
    mi_pose pose = f->m->part[0].shape.pose;
    int type = 0;
    mi_rollout_set_parts(f->ro, &pose, &type, 1);
  }
  f->prob = malloc(sizeof *f->prob);
  f->in = malloc(sizeof *f->in);
  mi_wm_cuda_problem_fill(f->m, &f->pp, f->ro, f->prob);
  mi_wm_cuda_inputs_fill(f->ro, 0, NULL, NULL, 0, f->in);
  /* candidates: the start plus wide Philox noise (some reach the limits,
   * the ground and the fixtures, so every term is exercised) */
  mi_philox_key key = mi_philox_key_from_seed(99);
  for (int k = 0; k < NC; k++)
    for (int i = 0; i < f->kn; i += 4) {
      float e[4];
      mi_philox_normal4f(mi_philox_ctr_make((uint32_t)i, (uint32_t)k, 7, 0), key, e);
      for (int l = 0; l < 4 && i + l < f->kn; l++)
        f->U[k * f->kn + i + l] = f->q0[(i + l) % f->n] + 0.8f * e[l];
    }
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  if (!f) return 0;
  mi_rollout_destroy(f->ro);
  mi_wm_model_free(f->m);
  free(f->prob);
  free(f->in);
  free(f);
  return 0;
}

static float rel_err(float a, float b) {
  float d = fabsf(a - b), s = fmaxf(1.0f, fmaxf(fabsf(a), fabsf(b)));
  return d / s;
}

/* the device's rollout against rollout.c's scalar path: same steps, same
 * terms in the same order */
static void test_rollout_matches_cpu_scalar(void **state) {
  fixture *f = *state;
  const int H = (int)f->pp.H, n = f->n;
  float *qc = malloc(sizeof(float) * (size_t)(H + 1) * (size_t)n);
  float *qg = malloc(sizeof(float) * (size_t)H * (size_t)n);
  int with_clearance = 0;
  for (int k = 0; k < NC; k++) {
    const float *u = f->U + k * f->kn;
    float cc = mi_rollout_trajectory(f->ro, u, qc, NULL);
    float cg = mi_cuda_rollout(f->prob, f->in, u, 0, 1, qg);
    if (isnan(cg)) cg = INFINITY;
    assert_true(isfinite(cc));
    assert_true(rel_err(cc, cg) <= 1e-6f);
    for (int t = 0; t < H; t++)
      for (int j = 0; j < n; j++)
        assert_true(fabsf(qc[(t + 1) * n + j] - qg[t * n + j]) <= 1e-6f);
    /* the clearance part alone is non-zero for some candidates */
    mi_cuda_problem p2 = *f->prob;
    p2.w.clearance = 0.0f;
    if (mi_cuda_rollout(&p2, f->in, u, 0, 1, NULL) < cg * 0.999f) with_clearance++;
  }
  assert_true(with_clearance > 0);
  free(qc);
  free(qg);
}

/* against the SIMD batch (the planner's CPU path): its own sin/cos and FMA,
 * so equal to float rounding */
static void test_rollout_matches_cpu_batch(void **state) {
  fixture *f = *state;
  mi_planner_system sys = mi_rollout_system(f->ro);
  float cost[NC];
  sys.eval(sys.self, f->U, 0, NC, cost, 0);
  for (int k = 0; k < NC; k++) {
    float cg = mi_cuda_rollout(f->prob, f->in, f->U + k * f->kn, 0, 1, NULL);
    assert_true(rel_err(cost[k], cg) <= 2e-4f);
  }
}

/* G lanes per candidate: the shares add up to the one-lane cost, and the
 * clearance work is really split (lane 1 gets a share when there is any) */
static void test_lanes_split_the_cost(void **state) {
  fixture *f = *state;
  int lane1_nonzero = 0;
  for (int k = 0; k < NC; k++) {
    const float *u = f->U + k * f->kn;
    float c1 = mi_cuda_rollout(f->prob, f->in, u, 0, 1, NULL);
    for (int G = 2; G <= 8; G *= 2) {
      float sum = 0.0f;
      for (int l = 0; l < G; l++) {
        float s = mi_cuda_rollout(f->prob, f->in, u, l, G, NULL);
        assert_true(s >= 0.0f);
        if (l == 1 && s > 0.0f) lane1_nonzero++;
        sum += s;
      }
      assert_true(rel_err(c1, sum) <= 1e-5f);
    }
  }
  assert_true(lane1_nonzero > 0);
}

/* the device samples what the CPU planner samples */
typedef struct recorder {
  float *U;
  int kn;
} recorder;

static void record_eval(void *self, const float *U, int k0, int n, float *cost, int worker) {
  (void)worker;
  recorder *r = self;
  memcpy(r->U + (size_t)k0 * (size_t)r->kn, U, sizeof(float) * (size_t)n * (size_t)r->kn);
  for (int i = 0; i < n; i++) {
    float s = 0.0f;
    for (int j = 0; j < r->kn; j++) s += U[i * r->kn + j] * U[i * r->kn + j];
    cost[i] = s;
  }
}

static void test_samples_match_cpu_planner(void **state) {
  fixture *f = *state;
  mi_planner_params pp = f->pp;
  pp.K = 40;
  pp.block = 8;
  pp.elites = 8;
  pp.seed = 12345;
  pp.noise.n = 1;
  pp.noise.v[0] = 0.5;
  mi_cuda_problem *prob = malloc(sizeof *prob);
  mi_wm_cuda_problem_fill(f->m, &pp, f->ro, prob);
  mi_planner *pl = NULL;
  assert_int_equal(mi_planner_create(&pp, f->n, &pl), MI_OK);
  mi_planner_reset(pl, f->q0);
  float *rec = calloc((size_t)pp.K * (size_t)f->kn, sizeof(float));
  recorder r = {rec, f->kn};
  mi_planner_system sys = {f->n, prob->lo, prob->hi, record_eval, &r};
  float mean[MI_CUDA_MAX_KN], std[MI_CUDA_MAX_KN], u[MI_CUDA_MAX_KN];
  for (uint32_t it = 0; it < 2; it++) {
    /* the mean and std the planner samples around in this iteration */
    memcpy(mean, mi_planner_knots(pl), sizeof(float) * (size_t)f->kn);
    for (int i = 0; i < f->kn; i++) std[i] = 0.5f;
    assert_int_equal(mi_planner_optimize(pl, &sys, NULL, NULL), MI_OK);
    for (int k = 0; k < (int)pp.K; k++) {
      mi_cuda_sample(prob, mean, std, it, k, u);
      assert_memory_equal(u, rec + (size_t)k * (size_t)f->kn, sizeof(float) * (size_t)f->kn);
    }
  }
  /* candidate 0 is the mean itself */
  mi_cuda_sample(prob, mean, std, 5, 0, u);
  assert_memory_equal(u, mean, sizeof(float) * (size_t)f->kn);
  mi_planner_destroy(pl);
  free(rec);
  free(prob);
}

/* the problem carries the rollout's settings: kd folded into damping, the
 * substep, the moving spheres */
static void test_problem_fill(void **state) {
  fixture *f = *state;
  const mi_cuda_problem *p = f->prob;
  assert_int_equal(p->n, f->m->dynf.ndof);
  assert_int_equal(p->H, (int)f->pp.H);
  assert_true(fabsf(p->h - (float)(f->pp.dt / 2.0)) < 1e-9f);
  for (int j = 0; j < p->n; j++) {
    assert_true(fabsf(p->dyn.damping[j] - (f->m->dynf.damping[j] + 10.0f)) < 1e-5f);
    assert_true(p->kp[j] == 100.0f);
  }
  int moving = 0;
  for (int s = 0; s < f->m->dynf.nsphere; s++) moving += f->m->dynf.sphere_body[s] >= 0;
  assert_int_equal(p->nmoving, moving);
  assert_true(p->nmoving > 0);
  assert_int_equal(p->nself, f->m->nself);
  assert_int_equal(f->in->goal_rot, 1);
  assert_true(f->in->nobs >= 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_problem_fill),
      cmocka_unit_test(test_rollout_matches_cpu_scalar),
      cmocka_unit_test(test_rollout_matches_cpu_batch),
      cmocka_unit_test(test_lanes_split_the_cost),
      cmocka_unit_test(test_samples_match_cpu_planner),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
