/* tests/unit/test_worldmodel_rollout.c - the arm's rollout system on the
 * 7-DOF arm of tests/data: the batch (SIMD lanes, AVX2 and baseline) scores
 * candidates as the scalar path does; PD tracking settles; the ground
 * clearance term bites only when a sphere is below the margin; MPPI, CEM and
 * predictive sampling each lower the reach cost from random starts; one and
 * two threads give bit-identical plans; no allocation-dependent state. */
#include <math.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/philox.h"
#include "worldmodel/dynamics.h"
#include "worldmodel/model.h"
#include "worldmodel/planner.h"
#include "worldmodel/pool.h"
#include "tests/support/alloc_count.h"
#include "worldmodel/rollout.h"

#define ARM MIRAI_SOURCE_DIR "/tests/data/wm_arm7.urdf"
#define CELL MIRAI_SOURCE_DIR "/tests/data/wm_cell.cell.yaml"

static mi_model *g_m;

/* allocations are counted by tests/support/alloc_count.c (--wrap) */

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

static mi_planner_params arm_params(int kind, int K, int H) {
  mi_planner_params pp;
  char err[256];
  assert_int_equal(mi_planner_params_defaults(&pp, err, sizeof err), MI_OK);
  pp.kind = kind;
  pp.K = K;
  pp.H = H;
  pp.block = 32;
  pp.elites = K / 8;
  pp.seed = 11;
  return pp;
}

/* a random configuration within the limits, shrunk towards the middle */
static void random_q(uint32_t i, float *q) {
  const mi_wm_dynf *d = &g_m->dynf;
  mi_philox_key key = mi_philox_key_from_seed(77);
  for (int j0 = 0; j0 < d->ndof; j0 += 4) {
    float u[4];
    mi_philox_uniform4f(mi_philox_ctr_make(i, (uint32_t)j0, 0, 0), key, u);
    for (int j = j0; j < j0 + 4 && j < d->ndof; j++) {
      float mid = 0.5f * (d->lower[j] + d->upper[j]), half = 0.5f * (d->upper[j] - d->lower[j]);
      q[j] = mid + 0.6f * half * (2.0f * u[j - j0] - 1.0f);
    }
  }
}

/* the batch evaluation of candidates U[0..nc) (kn floats each) into cost[]
 * equals the scalar trajectory's cost of each, finite and positive, to rel */
static void expect_scalar_costs(mi_rollout *r, const float *U, int nc, int kn, float *cost,
                                float rel) {
  mi_planner_system sys = mi_rollout_system(r);
  sys.eval(sys.self, U, 0, nc, cost, 0);
  for (int k = 0; k < nc; k++) {
    float c = mi_rollout_trajectory(r, U + (size_t)k * (size_t)kn, NULL, NULL);
    assert_true(isfinite(c) && c > 0.0f);
    assert_float_equal(cost[k], c, rel * c);
  }
}

/* the batch path (lanes + scalar tail) and the scalar trajectory give the
 * same costs (up to float rounding and fused multiply-adds) */
static void check_batch_matches_scalar(void) {
  mi_planner_params pp = arm_params(MI_PLANNER_MPPI, 37, 20);
  mi_rollout *r = NULL;
  assert_int_equal(mi_rollout_create(g_m, &pp, 1, 40, &r), MI_OK);
  const int n = mi_rollout_ndof(r), kn = (int)pp.knots * n;
  float q0[MI_WM_MAX_DOF], goal_q[MI_WM_MAX_DOF], goal[3];
  random_q(1, q0);
  random_q(2, goal_q);
  mi_rollout_ee_position(r, goal_q, goal);
  float quat[4] = {0.0f, 1.0f, 0.0f, 0.0f};
  mi_rollout_set_goal(r, goal, quat);
  const float gv[3] = {-0.2f, 0.05f, 0.1f}; /* a moving goal: both paths move it alike */
  mi_rollout_set_goal_velocity(r, gv);
  float qd0[MI_WM_MAX_DOF] = {0.1f, -0.2f, 0.3f, 0.0f, 0.5f, -0.1f, 0.2f};
  assert_int_equal(mi_rollout_set_state(r, q0, qd0), MI_OK);
  float U[37 * 4 * MI_WM_MAX_DOF], cost[37];
  for (int k = 0; k < 37; k++)
    for (int i = 0; i < kn; i++) {
      float e[4];
      mi_philox_normal4f(mi_philox_ctr_make((uint32_t)i, (uint32_t)k, 0, 0),
                         mi_philox_key_from_seed(3), e);
      U[k * kn + i] = q0[i % n] + 0.3f * e[0];
    }
  expect_scalar_costs(r, U, 37, kn, cost, 2e-3f);
  mi_rollout_destroy(r);
}

static void test_batch_matches_scalar(void **state) {
  (void)state;
  check_batch_matches_scalar(); /* widest lanes (AVX2 where present) */
  mi_wm_simd_force_generic(1);
  check_batch_matches_scalar(); /* 4-lane baseline kernel */
  mi_wm_simd_force_generic(0);
}

/* a moving goal (mi_rollout_set_goal_velocity): the position cost at the
 * end of step t is against p + v (t + 1) dt, recomputed here from the
 * rolled-out states; set_goal stops it again */
static void test_moving_goal(void **state) {
  (void)state;
  mi_planner_params pp = arm_params(MI_PLANNER_MPPI, 8, 12);
  pp.w_ee_rot = pp.w_clearance = pp.w_qlim = pp.w_vlim = pp.w_tlim = pp.w_effort = 0.0;
  pp.w_vel = pp.w_smooth = 0.0; /* the position term alone */
  mi_rollout *r = NULL;
  assert_int_equal(mi_rollout_create(g_m, &pp, 1, 8, &r), MI_OK);
  const int n = mi_rollout_ndof(r), kn = (int)pp.knots;
  float q0[MI_WM_MAX_DOF], knots[MI_PLANNER_MAX_KNOTS * MI_WM_MAX_DOF];
  random_q(31, q0);
  for (int k = 0; k < kn; k++) random_q(40 + (uint32_t)k, knots + k * n);
  assert_int_equal(mi_rollout_set_state(r, q0, NULL), MI_OK);
  const float p0[3] = {0.5f, 0.2f, 0.6f}, v[3] = {-0.2f, 0.1f, -0.05f};
  mi_rollout_set_goal(r, p0, NULL);
  mi_rollout_set_goal_velocity(r, v);
  float got[3];
  mi_rollout_goal_velocity(r, got);
  assert_memory_equal(got, v, sizeof v);
  float qs[13 * MI_WM_MAX_DOF];
  float c = mi_rollout_trajectory(r, knots, qs, NULL);
  double expect = 0.0, still = 0.0;
  for (int t = 0; t < (int)pp.H; t++) {
    float e[3];
    mi_rollout_ee_position(r, qs + (t + 1) * n, e);
    double ts = pp.dt * (t + 1), tf = t == (int)pp.H - 1 ? pp.w_terminal : 1.0;
    double d2 = 0.0, s2 = 0.0;
    for (int i = 0; i < 3; i++) {
      double d = e[i] - (p0[i] + v[i] * ts), s0 = e[i] - p0[i];
      d2 += d * d;
      s2 += s0 * s0;
    }
    expect += tf * pp.w_ee_pos * d2;
    still += tf * pp.w_ee_pos * s2;
  }
  assert_float_equal(c, expect, 1e-4 * expect);
  assert_true(fabs(expect - still) > 1e-2 * still); /* the motion mattered */
  mi_rollout_set_goal(r, p0, NULL); /* a new goal stands still */
  assert_float_equal(mi_rollout_trajectory(r, knots, NULL, NULL), still, 1e-4 * still);
  mi_rollout_destroy(r);
}

/* holding a reference: the PD law with the model's implicit damping settles
 * (finite, at rest, near the reference up to gravity sag) */
static void test_pd_settles(void **state) {
  (void)state;
  mi_planner_params pp = arm_params(MI_PLANNER_MPPI, 8, 100); /* 2 s */
  /* joint impedance gains of the order a 7-DOF arm's servo uses */
  const double kp[7] = {600, 600, 600, 600, 250, 150, 50}, kd[7] = {50, 50, 50, 50, 30, 25, 15};
  pp.kp.n = pp.kd.n = 7;
  for (int j = 0; j < 7; j++) {
    pp.kp.v[j] = kp[j];
    pp.kd.v[j] = kd[j];
  }
  mi_rollout *r = NULL;
  assert_int_equal(mi_rollout_create(g_m, &pp, 1, 8, &r), MI_OK);
  const int n = mi_rollout_ndof(r);
  float q0[MI_WM_MAX_DOF], qr[MI_WM_MAX_DOF];
  random_q(6, qr);
  /* start a quarter radian off on every joint (the wrist's P torque would
   * otherwise saturate and creep at effort / kd) */
  for (int j = 0; j < n; j++) q0[j] = qr[j] + (j % 2 ? 0.25f : -0.25f);
  assert_int_equal(mi_rollout_set_state(r, q0, NULL), MI_OK);
  float knots[4 * MI_WM_MAX_DOF];
  for (int k = 0; k < 4; k++) memcpy(knots + k * n, qr, sizeof(float) * (size_t)n);
  float qs[101 * MI_WM_MAX_DOF], qds[101 * MI_WM_MAX_DOF];
  float c = mi_rollout_trajectory(r, knots, qs, qds);
  assert_true(isfinite(c));
  for (int j = 0; j < n; j++) {
    assert_true(fabsf(qds[100 * n + j]) < 0.05f);
    assert_true(fabsf(qs[100 * n + j] - qr[j]) < 0.15f); /* gravity sag of a P law */
  }
  float bad[MI_WM_MAX_DOF];
  memcpy(bad, q0, sizeof bad);
  bad[2] = NAN;
  assert_int_equal(mi_rollout_set_state(r, bad, NULL), MI_ERR_INVALID);
  mi_rollout_destroy(r);
}

/* lowest sphere of a configuration (world z of centre minus radius) */
static float lowest_sphere(const float *q) {
  const mi_wm_dynf *d = &g_m->dynf;
  mi_wm_m3_f R[MI_WM_MAX_DOF];
  mi_wm_v3_f p[MI_WM_MAX_DOF];
  float xyz[3 * MI_WM_MAX_SPHERES];
  mi_wm_fk_f(d, q, R, p);
  mi_wm_spheres_f(d, R, p, xyz);
  float lo = INFINITY;
  for (int s = 0; s < d->nsphere; s++)
    if (d->sphere_body[s] >= 0 && xyz[3 * s + 2] - d->sphere_r[s] < lo)
      lo = xyz[3 * s + 2] - d->sphere_r[s];
  return lo;
}

/* the ground clearance term: no effect while every moving sphere is well
 * above the floor, a cost once one dips below the margin */
static void test_ground_clearance(void **state) {
  (void)state;
  mi_planner_params on = arm_params(MI_PLANNER_MPPI, 8, 1), off = on;
  off.w_clearance = 0.0;
  on.w_self = off.w_self = 0.0;
  mi_rollout *ron = NULL, *roff = NULL;
  assert_int_equal(mi_rollout_create(g_m, &on, 1, 8, &ron), MI_OK);
  assert_int_equal(mi_rollout_create(g_m, &off, 1, 8, &roff), MI_OK);
  const mi_cost_obstacle *obs;
  int nobs = mi_rollout_obstacles(ron, &obs);
  assert_true(nobs >= 1);
  assert_int_equal(obs[nobs - 1].shape, MI_COST_PLANE);
  const int n = mi_rollout_ndof(ron);
  int found_high = 0, found_low = 0;
  for (uint32_t i = 0; i < 400 && !(found_high && found_low); i++) {
    float q[MI_WM_MAX_DOF];
    random_q(100 + i, q);
    float low = lowest_sphere(q);
    float knots[4 * MI_WM_MAX_DOF];
    for (int k = 0; k < 4; k++) memcpy(knots + k * n, q, sizeof(float) * (size_t)n);
    mi_rollout_set_state(ron, q, NULL);
    mi_rollout_set_state(roff, q, NULL);
    float con = mi_rollout_trajectory(ron, knots, NULL, NULL);
    float coff = mi_rollout_trajectory(roff, knots, NULL, NULL);
    if (low > 0.05f) { /* clear by more than the 0.02 m margin */
      assert_true(con == coff);
      found_high = 1;
    } else if (low < -0.05f) {
      /* at least the weight times the penetration-plus-margin squared, less
       * what one 20 ms step can lift it */
      assert_true(con > coff + 0.5f * (float)on.w_clearance * 0.05f * 0.05f);
      found_low = 1;
    }
  }
  assert_true(found_high);
  assert_true(found_low);
  mi_rollout_destroy(ron);
  mi_rollout_destroy(roff);
}


/* with the example cell: the obstacle list follows fixtures, belt, ground,
 * zones (switchable) and parts, and the clearance cost of a rollout is
 * exactly the weighted sum of cost.h's terms over the moving spheres at the
 * rolled-out state */
static void test_cell_clearance(void **state) {
  (void)state;
  char err[512];
  mi_model *m = mi_wm_model_load(ARM, CELL, err, sizeof err);
  if (!m) fprintf(stderr, "%s\n", err);
  assert_non_null(m);
  mi_planner_params on = arm_params(MI_PLANNER_MPPI, 8, 1), off = on;
  off.w_clearance = 0.0;
  on.w_self = off.w_self = 0.0;
  mi_rollout *ron = NULL, *roff = NULL;
  assert_int_equal(mi_rollout_create(m, &on, 1, 8, &ron), MI_OK);
  assert_int_equal(mi_rollout_create(m, &off, 1, 8, &roff), MI_OK);
  const mi_cost_obstacle *obs;
  int nstatic = m->nfixture + (m->conveyor.present ? 1 : 0) + 1;
  assert_int_equal(mi_rollout_obstacles(ron, &obs), nstatic + m->nzone);
  assert_int_equal(obs[nstatic].kind, MI_COST_ZONE);
  mi_rollout_set_zone_active(ron, 0, false);
  assert_int_equal(mi_rollout_obstacles(ron, &obs), nstatic + m->nzone - 1);
  mi_rollout_set_zone_active(ron, 0, true);
  /* a part on the belt, in reach */
  mi_pose part = m->part[0].shape.pose;
  part.p.x = 0.45;
  int type = 0;
  assert_int_equal(mi_rollout_set_parts(ron, &part, &type, 1), MI_OK);
  int nobs = mi_rollout_obstacles(ron, &obs);
  assert_int_equal(nobs, nstatic + m->nzone + 1);
  assert_int_equal(obs[nobs - 1].kind, MI_COST_PART);
  assert_int_equal(mi_rollout_set_parts(ron, &part, &type, MI_WM_MAX_PARTS + 1), MI_ERR_RANGE);
  /* random configurations: on - off = weighted clearance at the end state */
  const mi_wm_dynf *d = &m->dynf;
  const int n = d->ndof;
  mi_cost_weights w = mi_planner_cost_weights(&on);
  int touching = 0;
  for (uint32_t i = 0; i < 300; i++) {
    float q[MI_WM_MAX_DOF], knots[4 * MI_WM_MAX_DOF], qs[2 * MI_WM_MAX_DOF];
    random_q(500 + i, q);
    for (int k = 0; k < 4; k++) memcpy(knots + k * n, q, sizeof(float) * (size_t)n);
    mi_rollout_set_state(ron, q, NULL);
    mi_rollout_set_state(roff, q, NULL);
    float con = mi_rollout_trajectory(ron, knots, qs, NULL);
    float coff = mi_rollout_trajectory(roff, knots, NULL, NULL);
    mi_wm_m3_f R[MI_WM_MAX_DOF];
    mi_wm_v3_f p[MI_WM_MAX_DOF];
    float xyz[3 * MI_WM_MAX_SPHERES];
    mi_wm_fk_f(d, qs + n, R, p);
    mi_wm_spheres_f(d, R, p, xyz);
    float expect = 0.0f;
    for (int sp = 0; sp < d->nsphere; sp++)
      if (d->sphere_body[sp] >= 0)
        expect += mi_cost_sphere_obstacles(&w, &xyz[3 * sp], d->sphere_r[sp], obs, nobs);
    assert_float_equal(con - coff, expect, 1e-3f * (1.0f + expect) + 1e-4f * coff);
    if (expect > 1.0f) touching++;
  }
  assert_true(touching > 10); /* the search did hit the table, belt, post or ground */
  mi_rollout_destroy(ron);
  mi_rollout_destroy(roff);
  mi_wm_model_free(m);
}

/* the breakdown by term: the terms sum to the total, and each term equals
 * the whole cost of a rollout whose params keep only that term's weight
 * (zone and self: the difference their weight makes on top of clearance),
 * an independent path through mi_planner_cost_weights and the batch-free
 * scalar cost. Random moving knots in the example cell, goal with
 * orientation, zone active and a part in reach, so every term can bite. */
static void one_term_params(const mi_planner_params *all, int term, mi_planner_params *only,
                            mi_planner_params *base) {
  *only = *all;
  only->w_ee_pos = only->w_ee_rot = only->w_clearance = only->w_zone = only->w_self = 0.0;
  only->w_qlim = only->w_vlim = only->w_tlim = only->w_effort = only->w_vel = 0.0;
  only->w_smooth = 0.0;
  *base = *only; /* what `only` is compared against (zero cost unless zone/self) */
  switch (term) {
  case MI_COST_TERM_EE_POS: only->w_ee_pos = all->w_ee_pos; break;
  case MI_COST_TERM_EE_ROT: only->w_ee_rot = all->w_ee_rot; break;
  case MI_COST_TERM_CLEARANCE: only->w_clearance = all->w_clearance; break;
  case MI_COST_TERM_ZONE:
    only->w_clearance = base->w_clearance = all->w_clearance;
    only->w_zone = all->w_zone;
    break;
  case MI_COST_TERM_SELF:
    only->w_clearance = base->w_clearance = all->w_clearance;
    only->w_self = all->w_self;
    break;
  case MI_COST_TERM_QLIM: only->w_qlim = all->w_qlim; break;
  case MI_COST_TERM_VLIM: only->w_vlim = all->w_vlim; break;
  case MI_COST_TERM_TLIM: only->w_tlim = all->w_tlim; break;
  case MI_COST_TERM_EFFORT: only->w_effort = all->w_effort; break;
  case MI_COST_TERM_VEL: only->w_vel = all->w_vel; break;
  case MI_COST_TERM_SMOOTH: only->w_smooth = all->w_smooth; break;
  default: fail();
  }
}

static mi_rollout *cell_rollout(mi_model *m, const mi_planner_params *pp, const float *q0) {
  mi_rollout *r = NULL;
  assert_int_equal(mi_rollout_create(m, pp, 1, 8, &r), MI_OK);
  mi_pose part = m->part[0].shape.pose;
  part.p.x = 0.45;
  int type = 0;
  assert_int_equal(mi_rollout_set_parts(r, &part, &type, 1), MI_OK);
  const float goal[3] = {0.5f, 0.1f, 0.3f}, quat[4] = {0.0f, 1.0f, 0.0f, 0.0f};
  mi_rollout_set_goal(r, goal, quat);
  assert_int_equal(mi_rollout_set_state(r, q0, NULL), MI_OK);
  return r;
}

static void test_cost_terms(void **state) {
  (void)state;
  char err[512];
  mi_model *m = mi_wm_model_load(ARM, CELL, err, sizeof err);
  if (!m) fprintf(stderr, "%s\n", err);
  assert_non_null(m);
  mi_planner_params all = arm_params(MI_PLANNER_MPPI, 8, 16);
  all.w_ee_rot = 2.0; /* every weight on, so every term is seen */
  all.w_effort = 0.05;
  all.w_vel = 0.01;
  if (all.w_self <= 0.0) all.w_self = 1.0;
  if (all.w_zone <= 0.0) all.w_zone = 3.0;
  const int n = m->dynf.ndof, kn = (int)all.knots;
  assert_string_equal(mi_cost_term_name(MI_COST_TERM_EE_POS), "ee_pos");
  assert_string_equal(mi_cost_term_name(MI_COST_TERM_SMOOTH), "smooth");
  assert_null(mi_cost_term_name(MI_COST_NTERMS));
  assert_null(mi_cost_term_name(-1));
  float seen[MI_COST_NTERMS] = {0};
  for (uint32_t i = 0; i < 40; i++) {
    float q0[MI_WM_MAX_DOF], knots[MI_PLANNER_MAX_KNOTS * MI_WM_MAX_DOF];
    random_q(900 + i, q0);
    for (int k = 0; k < kn; k++) {
      float *u = knots + k * n;
      random_q(2000 + 16 * i + (uint32_t)k, u);
      for (int j = 0; j < n; j++) { /* up to 8% past a limit (the model's limit stops hold q) */
        float mid = 0.5f * (m->dynf.lower[j] + m->dynf.upper[j]);
        u[j] = mid + 1.8f * (u[j] - mid);
      }
    }
    mi_rollout *r = cell_rollout(m, &all, q0);
    float terms[MI_COST_NTERMS], qa[17 * MI_WM_MAX_DOF]; /* H = 16 */
    float qb[17 * MI_WM_MAX_DOF];
    float total = mi_rollout_trajectory_terms(r, knots, qa, NULL, terms);
    /* the same rollout as mi_rollout_trajectory */
    assert_float_equal(total, mi_rollout_trajectory(r, knots, qb, NULL), 0.0f);
    assert_memory_equal(qa, qb, sizeof(float) * (size_t)(all.H + 1) * (size_t)n);
    float sum = 0.0f;
    for (int t = 0; t < MI_COST_NTERMS; t++) {
      assert_true(terms[t] >= -1e-4f * (1.0f + total));
      sum += terms[t];
      mi_planner_params only, base;
      one_term_params(&all, t, &only, &base);
      mi_rollout *ro = cell_rollout(m, &only, q0), *rb = cell_rollout(m, &base, q0);
      float expect = mi_rollout_trajectory(ro, knots, NULL, NULL) -
                     mi_rollout_trajectory(rb, knots, NULL, NULL);
      if (fabsf(terms[t] - expect) > 1e-3f * (1.0f + fabsf(expect)) + 1e-5f * total)
        fail_msg("sample %u term %s: breakdown %g, alone %g", i, mi_cost_term_name(t),
                 (double)terms[t], (double)expect);
      if (terms[t] > 0.0f) seen[t] += 1.0f;
      mi_rollout_destroy(ro);
      mi_rollout_destroy(rb);
    }
    assert_float_equal(sum, total, 1e-4f * (1.0f + total));
    mi_rollout_destroy(r);
  }
  /* the random plans hit limits and obstacles: the terms that can bite did */
  const int must[] = {MI_COST_TERM_EE_POS, MI_COST_TERM_EE_ROT, MI_COST_TERM_CLEARANCE,
                      MI_COST_TERM_EFFORT, MI_COST_TERM_VEL,
                      MI_COST_TERM_SMOOTH};
  for (size_t k = 0; k < sizeof must / sizeof must[0]; k++)
    if (seen[must[k]] == 0.0f) fail_msg("term %s never nonzero", mi_cost_term_name(must[k]));
  mi_wm_model_free(m);
}

/* each planner lowers the reach cost from random starts */
static void check_planner_reaches(int kind) {
  mi_planner_params pp = arm_params(kind, 256, 25);
  mi_pool *pool = NULL;
  assert_int_equal(mi_pool_create(2, &pool), MI_OK);
  for (uint32_t start = 0; start < 3; start++) {
    mi_rollout *r = NULL;
    mi_planner *p = NULL;
    assert_int_equal(mi_rollout_create(g_m, &pp, 2, (int)pp.block, &r), MI_OK);
    const int n = mi_rollout_ndof(r);
    assert_int_equal(mi_planner_create(&pp, n, &p), MI_OK);
    float q0[MI_WM_MAX_DOF], qg[MI_WM_MAX_DOF], goal[3], e0[3], e1[3];
    random_q(200 + start, q0);
    random_q(300 + start, qg);
    mi_rollout_ee_position(r, qg, goal);
    mi_rollout_set_goal(r, goal, NULL);
    mi_rollout_set_state(r, q0, NULL);
    mi_planner_reset(p, q0);
    mi_planner_system sys = mi_rollout_system(r);
    float c0 = mi_rollout_trajectory(r, mi_planner_knots(p), NULL, NULL);
    for (int it = 0; it < 25; it++) assert_int_equal(mi_planner_optimize(p, &sys, pool, NULL), MI_OK);
    float qs[26 * MI_WM_MAX_DOF];
    float c1 = mi_rollout_trajectory(r, mi_planner_knots(p), qs, NULL);
    mi_rollout_ee_position(r, q0, e0);
    mi_rollout_ee_position(r, qs + 25 * n, e1);
    float d0 = sqrtf((e0[0] - goal[0]) * (e0[0] - goal[0]) + (e0[1] - goal[1]) * (e0[1] - goal[1]) +
                     (e0[2] - goal[2]) * (e0[2] - goal[2]));
    float d1 = sqrtf((e1[0] - goal[0]) * (e1[0] - goal[0]) + (e1[1] - goal[1]) * (e1[1] - goal[1]) +
                     (e1[2] - goal[2]) * (e1[2] - goal[2]));
    printf("  %s start %u: cost %.3f -> %.3f, tool to goal %.3f m -> %.3f m\n",
           mi_planner_kind_name(kind), start, c0, c1, d0, d1);
    assert_true(c1 < 0.5f * c0);
    assert_true(d1 < 0.7f * d0);
    mi_planner_destroy(p);
    mi_rollout_destroy(r);
  }
  mi_pool_destroy(pool);
}

static void test_mppi_reaches(void **state) {
  (void)state;
  check_planner_reaches(MI_PLANNER_MPPI);
}
static void test_cem_reaches(void **state) {
  (void)state;
  check_planner_reaches(MI_PLANNER_CEM);
}
static void test_ps_reaches(void **state) {
  (void)state;
  check_planner_reaches(MI_PLANNER_PS);
}

/* planning cycles on 1 and 2 threads: bit-identical plans */
static void plan_cycles(int threads, float *out, int kn) {
  mi_planner_params pp = arm_params(MI_PLANNER_MPPI, 100, 16); /* 100: a short last block */
  mi_pool *pool = NULL;
  assert_int_equal(mi_pool_create(threads, &pool), MI_OK);
  mi_rollout *r = NULL;
  mi_planner *p = NULL;
  assert_int_equal(mi_rollout_create(g_m, &pp, threads, (int)pp.block, &r), MI_OK);
  assert_int_equal(mi_planner_create(&pp, mi_rollout_ndof(r), &p), MI_OK);
  float q0[MI_WM_MAX_DOF], qg[MI_WM_MAX_DOF], goal[3];
  random_q(400, q0);
  random_q(401, qg);
  mi_rollout_ee_position(r, qg, goal);
  mi_rollout_set_goal(r, goal, NULL);
  mi_rollout_set_state(r, q0, NULL);
  mi_planner_reset(p, q0);
  mi_planner_system sys = mi_rollout_system(r);
  for (int cyc = 0; cyc < 6; cyc++) {
    assert_int_equal(mi_planner_optimize(p, &sys, pool, NULL), MI_OK);
    float qn[MI_WM_MAX_DOF];
    mi_planner_control_at(p, pp.dt, qn);
    mi_planner_shift(p, pp.dt);
    mi_rollout_set_state(r, qn, NULL);
  }
  memcpy(out, mi_planner_knots(p), sizeof(float) * (size_t)kn);
  mi_planner_destroy(p);
  mi_rollout_destroy(r);
  mi_pool_destroy(pool);
}

/* the fused whole-horizon lane kernels (16, 8 and 4 lanes) against the
 * scalar path, with and without the gravity term and with one and four
 * substeps (the joint transforms after a step serve its cost and the next
 * step's first substep): 16 and 8 lanes bit-identical (blocks may mix
 * them), every width within float rounding of the scalar trajectory */
static void test_lane_widths_agree(void **state) {
  (void)state;
  enum { K = 56 }; /* 3 groups of 16 + one of 8 at width 16 */
  for (int variant = 0; variant < 4; variant++) {
    mi_planner_params pp = arm_params(MI_PLANNER_MPPI, K, 12);
    pp.gravity_comp = variant & 1;
    pp.substeps = variant & 2 ? 4 : 1;
    mi_rollout *r = NULL;
    assert_int_equal(mi_rollout_create(g_m, &pp, 1, K, &r), MI_OK);
    const int n = mi_rollout_ndof(r), kn = (int)pp.knots * n;
    float q0[MI_WM_MAX_DOF], goal_q[MI_WM_MAX_DOF], goal[3];
    random_q(40 + (uint32_t)variant, q0);
    random_q(50 + (uint32_t)variant, goal_q);
    mi_rollout_ee_position(r, goal_q, goal);
    mi_rollout_set_goal(r, goal, NULL);
    float qd0[MI_WM_MAX_DOF] = {-0.3f, 0.2f, 0.1f, 0.4f, -0.5f, 0.1f, 0.3f};
    assert_int_equal(mi_rollout_set_state(r, q0, qd0), MI_OK);
    static float U[K * MI_PLANNER_MAX_KNOTS * MI_WM_MAX_DOF];
    for (int k = 0; k < K; k++)
      for (int i = 0; i < kn; i++) {
        float e[4];
        mi_philox_normal4f(mi_philox_ctr_make((uint32_t)i, (uint32_t)k, (uint32_t)variant, 0),
                           mi_philox_key_from_seed(9), e);
        U[k * kn + i] = q0[i % n] + 0.4f * e[0];
      }
    float c16[K], c8[K], c4[K];
    mi_planner_system sys = mi_rollout_system(r);
    mi_wm_simd_max_lanes(16);
    sys.eval(sys.self, U, 0, K, c16, 0);
    mi_wm_simd_max_lanes(8);
    sys.eval(sys.self, U, 0, K, c8, 0);
    mi_wm_simd_max_lanes(4);
    sys.eval(sys.self, U, 0, K, c4, 0);
    mi_wm_simd_max_lanes(16);
    assert_memory_equal(c16, c8, sizeof c16);
    double worst = 0;
    for (int k = 0; k < K; k++) {
      float c = mi_rollout_trajectory(r, U + k * kn, NULL, NULL);
      assert_true(isfinite(c) && c > 0.0f);
      assert_float_equal(c16[k], c, 1e-4 * c); /* about 1e-6 here */
      assert_float_equal(c4[k], c, 1e-4 * c);
      worst = fmax(worst, fabs((double)c16[k] - c) / c);
    }
    printf("  lanes vs scalar (gravity %d, substeps %d): worst relative difference %.3g\n",
           (int)pp.gravity_comp, (int)pp.substeps, worst);
    mi_rollout_destroy(r);
  }
}

static void test_threads_bit_identical(void **state) {
  (void)state;
  int kn = 4 * g_m->dynf.ndof;
  float a[4 * MI_WM_MAX_DOF], b[4 * MI_WM_MAX_DOF];
  plan_cycles(1, a, kn);
  plan_cycles(2, b, kn);
  assert_memory_equal(a, b, sizeof(float) * (size_t)kn);
}

/* planning cycles (every planner, two threads, shift, new state, parts)
 * allocate nothing; the counter itself is shown to count first */
static void test_no_allocation_per_cycle(void **state) {
  (void)state;
  mi_test_alloc_reset();
  mi_test_alloc_watch_all(true);
  void *volatile probe = malloc(16);
  mi_test_alloc_watch_all(false);
  free(probe);
  assert_int_equal(mi_test_alloc_count(), 1);
  for (int kind = 0; kind < 3; kind++) {
    mi_planner_params pp = arm_params(kind, 256, 16);
    mi_pool *pool = NULL;
    mi_rollout *r = NULL;
    mi_planner *p = NULL;
    assert_int_equal(mi_pool_create(2, &pool), MI_OK);
    assert_int_equal(mi_rollout_create(g_m, &pp, 2, (int)pp.block, &r), MI_OK);
    assert_int_equal(mi_planner_create(&pp, mi_rollout_ndof(r), &p), MI_OK);
    float q0[MI_WM_MAX_DOF], goal[3] = {0.4f, 0.2f, 0.5f};
    random_q(600, q0);
    mi_rollout_set_state(r, q0, NULL);
    mi_rollout_set_goal(r, goal, NULL);
    mi_planner_reset(p, q0);
    mi_planner_system sys = mi_rollout_system(r);
    assert_int_equal(mi_planner_optimize(p, &sys, pool, NULL), MI_OK); /* warm */
    mi_test_alloc_reset();
    mi_test_alloc_watch_all(true);
    for (int cyc = 0; cyc < 5; cyc++) {
      mi_planner_result res;
      mi_status st = mi_planner_optimize(p, &sys, pool, &res);
      float qn[MI_WM_MAX_DOF];
      mi_planner_control_at(p, pp.dt, qn);
      mi_planner_shift(p, pp.dt);
      mi_rollout_set_state(r, qn, NULL);
      mi_rollout_set_zone_active(r, 0, cyc % 2 == 0);
      if (st != MI_OK) break;
    }
    mi_test_alloc_watch_all(false);
    assert_int_equal(mi_test_alloc_count(), 0);
    mi_planner_destroy(p);
    mi_rollout_destroy(r);
    mi_pool_destroy(pool);
  }
}

static void test_invalid(void **state) {
  (void)state;
  mi_planner_params pp = arm_params(MI_PLANNER_MPPI, 64, 8);
  mi_rollout *r = NULL;
  assert_int_equal(mi_rollout_create(NULL, &pp, 1, 8, &r), MI_ERR_INVALID);
  assert_int_equal(mi_rollout_create(g_m, &pp, 0, 8, &r), MI_ERR_INVALID);
  pp.kp.n = 3; /* neither one value nor one per joint */
  assert_int_equal(mi_rollout_create(g_m, &pp, 1, 8, &r), MI_ERR_INVALID);
  pp = arm_params(MI_PLANNER_MPPI, 64, 8);
  pp.knots = MI_PLANNER_MAX_KNOTS + 1; /* more than the lane kernels hold */
  assert_int_equal(mi_rollout_create(g_m, &pp, 1, 8, &r), MI_ERR_INVALID);
  pp.knots = MI_PLANNER_MAX_KNOTS; /* the most they hold, and they score them right */
  assert_int_equal(mi_rollout_create(g_m, &pp, 1, 16, &r), MI_OK);
  const int n = mi_rollout_ndof(r), kn = MI_PLANNER_MAX_KNOTS * n;
  static float U[16 * MI_PLANNER_MAX_KNOTS * MI_WM_MAX_DOF];
  float q0[MI_WM_MAX_DOF], cost[16];
  random_q(70, q0);
  assert_int_equal(mi_rollout_set_state(r, q0, NULL), MI_OK);
  for (int k = 0; k < 16; k++)
    for (int i = 0; i < kn; i++) U[k * kn + i] = q0[i % n] + 0.01f * (float)((k + i) % 7 - 3);
  expect_scalar_costs(r, U, 16, kn, cost, 1e-4f);
  mi_rollout_destroy(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_batch_matches_scalar),
      cmocka_unit_test(test_lane_widths_agree),
      cmocka_unit_test(test_moving_goal),
      cmocka_unit_test(test_pd_settles),
      cmocka_unit_test(test_ground_clearance),
      cmocka_unit_test(test_cell_clearance),
      cmocka_unit_test(test_cost_terms),
      cmocka_unit_test(test_mppi_reaches),
      cmocka_unit_test(test_cem_reaches),
      cmocka_unit_test(test_ps_reaches),
      cmocka_unit_test(test_threads_bit_identical),
      cmocka_unit_test(test_no_allocation_per_cycle),
      cmocka_unit_test(test_invalid),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
