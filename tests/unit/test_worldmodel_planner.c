/* tests/unit/test_worldmodel_planner.c - MPPI, CEM and predictive sampling on
 * a toy system written here (a 3-D double integrator driven by acceleration
 * knots, asked to reach a goal and stop): each planner lowers the cost from
 * random starts; one, two and three threads give bit-identical plans, and so
 * does noise drawn ahead (mi_planner_prepare), and so do the two phases
 * (explore, refine) when nothing moved between them; the
 * samples respect the bounds; warm start shifts the plan; bad params are
 * refused. (The same planners on the real arm: test_worldmodel_rollout.c.) */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/philox.h"
#include "worldmodel/planner.h"

/* ---- the toy system ---- */

#define NU 3
typedef struct toy {
  int H, knots, spline;
  float dt;
  float x0[NU], v0[NU], goal[NU];
  float lo[NU], hi[NU];
} toy;

static float toy_cost(const toy *s, const float *u) {
  float x[NU], v[NU], c = 0.0f;
  memcpy(x, s->x0, sizeof x);
  memcpy(v, s->v0, sizeof v);
  for (int t = 0; t < s->H; t++) {
    float sk = (float)t / (float)s->H * (float)(s->knots - 1);
    for (int j = 0; j < NU; j++) {
      float a = mi_spline_eval(u, s->knots, NU, j, s->spline, sk);
      v[j] += s->dt * a;
      x[j] += s->dt * v[j];
      float e = x[j] - s->goal[j];
      c += e * e + 0.001f * a * a;
    }
  }
  for (int j = 0; j < NU; j++) {
    float e = x[j] - s->goal[j];
    c += 10.0f * (e * e + 0.1f * v[j] * v[j]);
  }
  return c;
}

static void toy_eval(void *self, const float *U, int k0, int n, float *cost, int worker) {
  (void)k0;
  (void)worker;
  const toy *s = self;
  for (int i = 0; i < n; i++) cost[i] = toy_cost(s, U + (size_t)i * s->knots * NU);
}

static mi_planner_system toy_system(toy *s) {
  mi_planner_system sys = {NU, s->lo, s->hi, toy_eval, s};
  return sys;
}

static void toy_init(toy *s, const mi_planner_params *pp, uint32_t start) {
  memset(s, 0, sizeof *s);
  s->H = (int)pp->H;
  s->knots = (int)pp->knots;
  s->spline = pp->spline;
  s->dt = (float)pp->dt;
  float u[4];
  mi_philox_key key = mi_philox_key_from_seed(1234);
  mi_philox_uniform4f(mi_philox_ctr_make(start, 0, 0, 0), key, u);
  for (int j = 0; j < NU; j++) s->x0[j] = 2.0f * u[j] - 1.0f; /* random start in [-1, 1]^3 */
  mi_philox_uniform4f(mi_philox_ctr_make(start, 1, 0, 0), key, u);
  for (int j = 0; j < NU; j++) s->v0[j] = u[j] - 0.5f;
  s->goal[0] = 0.3f;
  s->goal[1] = -0.2f;
  s->goal[2] = 0.5f;
  for (int j = 0; j < NU; j++) {
    s->lo[j] = -8.0f;
    s->hi[j] = 8.0f;
  }
}

static mi_planner_params toy_params(int kind) {
  mi_planner_params pp;
  char err[256];
  assert_int_equal(mi_planner_params_defaults(&pp, err, sizeof err), MI_OK);
  pp.kind = kind;
  pp.K = 256;
  pp.H = 40;
  pp.dt = 0.05;
  pp.knots = 5;
  pp.block = 16;
  pp.noise.n = 1;
  pp.noise.v[0] = 0.5; /* m/s^2 */
  pp.elites = 16;
  pp.iterations = 1;
  pp.seed = 99;
  return pp;
}

static float nominal_cost(const toy *s, const mi_planner *p) {
  return toy_cost(s, mi_planner_knots(p));
}

/* ---- tests ---- */

static void test_params_table(void **state) {
  (void)state;
  mi_planner_params pp;
  char err[256] = "";
  assert_int_equal(mi_planner_params_defaults(&pp, err, sizeof err), MI_OK);
  assert_int_equal(pp.kind, MI_PLANNER_MPPI);
  assert_int_equal(pp.K, 1024);
  assert_int_equal(pp.H, 32);
  assert_int_equal(pp.backend, MI_BACKEND_AUTO);
  const mi_param_table *t = mi_planner_params_table();
  assert_int_equal(mi_params_set(t, &pp, "planner.kind", "cem", err, sizeof err), MI_OK);
  assert_int_equal(pp.kind, MI_PLANNER_CEM);
  assert_int_equal(mi_params_set(t, &pp, "planner.kind", "ilqr", err, sizeof err), MI_ERR_RANGE);
  assert_int_equal(mi_params_set(t, &pp, "planner.K", "1", err, sizeof err), MI_ERR_RANGE);
  mi_cost_weights w = mi_planner_cost_weights(&pp);
  assert_float_equal(w.ee_pos, pp.w_ee_pos, 1e-6);
  assert_float_equal(w.clearance_margin, pp.clearance_margin, 1e-9);
}

static void test_invalid(void **state) {
  (void)state;
  mi_planner_params pp = toy_params(MI_PLANNER_MPPI);
  mi_planner *p = NULL;
  assert_int_equal(mi_planner_create(&pp, 0, &p), MI_ERR_INVALID);
  assert_int_equal(mi_planner_create(&pp, NU, NULL), MI_ERR_INVALID);
  pp.elites = pp.K + 1;
  assert_int_equal(mi_planner_create(&pp, NU, &p), MI_ERR_INVALID);
  pp = toy_params(MI_PLANNER_MPPI);
  pp.noise.n = 2; /* neither 1 nor NU */
  assert_int_equal(mi_planner_create(&pp, NU, &p), MI_ERR_INVALID);
  pp = toy_params(MI_PLANNER_MPPI);
  pp.knots = 1;
  assert_int_equal(mi_planner_create(&pp, NU, &p), MI_ERR_INVALID);
  pp = toy_params(MI_PLANNER_MPPI);
  assert_int_equal(mi_planner_create(&pp, NU, &p), MI_OK);
  toy s;
  toy_init(&s, &pp, 0);
  mi_planner_system sys = toy_system(&s);
  sys.nu = 2;
  assert_int_equal(mi_planner_optimize(p, &sys, NULL, NULL), MI_ERR_INVALID);
  mi_planner_destroy(p);
}

/* each planner, from several random starts, lowers the nominal plan's cost
 * well below where it started (the zero plan) */
static void check_lowers_cost(int kind) {
  mi_planner_params pp = toy_params(kind);
  mi_pool *pool = NULL;
  assert_int_equal(mi_pool_create(2, &pool), MI_OK);
  for (uint32_t start = 0; start < 5; start++) {
    mi_planner *p = NULL;
    assert_int_equal(mi_planner_create(&pp, NU, &p), MI_OK);
    toy s;
    toy_init(&s, &pp, start);
    mi_planner_system sys = toy_system(&s);
    float c0 = nominal_cost(&s, p);
    float best_seen = INFINITY;
    mi_planner_result res;
    for (int it = 0; it < 30; it++) {
      assert_int_equal(mi_planner_optimize(p, &sys, pool, &res), MI_OK);
      assert_true(res.best_cost <= res.nominal_cost);
      if (res.best_cost < best_seen) best_seen = res.best_cost;
    }
    float c1 = nominal_cost(&s, p);
    printf("  %s start %u: cost %.3f -> %.3f (best sample %.3f)\n", mi_planner_kind_name(kind),
           start, c0, c1, best_seen);
    assert_true(c1 < 0.6f * c0);
    mi_planner_destroy(p);
  }
  mi_pool_destroy(pool);
}

static void test_mppi_lowers_cost(void **state) {
  (void)state;
  check_lowers_cost(MI_PLANNER_MPPI);
}
static void test_cem_lowers_cost(void **state) {
  (void)state;
  check_lowers_cost(MI_PLANNER_CEM);
}
static void test_ps_lowers_cost(void **state) {
  (void)state;
  check_lowers_cost(MI_PLANNER_PS);
}

/* predictive sampling keeps the nominal in the sample set: never worse */
static void test_ps_monotone(void **state) {
  (void)state;
  mi_planner_params pp = toy_params(MI_PLANNER_PS);
  mi_planner *p = NULL;
  assert_int_equal(mi_planner_create(&pp, NU, &p), MI_OK);
  toy s;
  toy_init(&s, &pp, 3);
  mi_planner_system sys = toy_system(&s);
  float prev = nominal_cost(&s, p);
  for (int it = 0; it < 20; it++) {
    mi_planner_result res;
    assert_int_equal(mi_planner_optimize(p, &sys, NULL, &res), MI_OK);
    assert_true(res.nominal_cost == prev); /* candidate 0 is exactly the mean */
    float now = nominal_cost(&s, p);
    assert_true(now <= prev);
    prev = now;
  }
  mi_planner_destroy(p);
}

/* a planning sequence: 8 cycles of optimise (or explore + refine), shift,
 * move the start, on a pool of `threads` (0: no pool). prepare: draw each
 * cycle's noise before it that many times (mi_planner_prepare; a second
 * keeps the first); two: two phases, the measured state `move` off the
 * predicted one between them */
typedef struct seq_opts {
  int prepare, two;
  float move;
} seq_opts;

typedef struct seq_out {
  float knots[5 * NU], best[5 * NU];
  float nominal;   /* the last cycle's nominal cost */
  float mean_cost; /* two: the last refined mean's cost from the moved state */
} seq_out;

static void run_seq(int kind, int threads, int64_t seed, seq_opts o, seq_out *out) {
  mi_planner_params pp = toy_params(kind);
  pp.K = 200; /* not a multiple of the block: a short last block */
  pp.block = 16;
  pp.seed = seed;
  pp.iterations = 2;
  pp.refine = 24;
  mi_pool *pool = NULL;
  if (threads > 0) assert_int_equal(mi_pool_create(threads, &pool), MI_OK);
  mi_planner *p = NULL;
  assert_int_equal(mi_planner_create(&pp, NU, &p), MI_OK);
  toy s;
  toy_init(&s, &pp, 1);
  mi_planner_system sys = toy_system(&s);
  mi_planner_result res;
  for (int cycle = 0; cycle < 8; cycle++) {
    for (int i = 0; i < o.prepare; i++) assert_int_equal(mi_planner_prepare(p, pool), MI_OK);
    if (o.two) {
      assert_int_equal(mi_planner_explore(p, &sys, pool), MI_OK);
      float mean0[5 * NU];
      memcpy(mean0, mi_planner_knots(p), sizeof mean0);
      s.x0[1] += o.move;
      out->mean_cost = toy_cost(&s, mean0);
      assert_int_equal(mi_planner_refine(p, &sys, pool, &res), MI_OK);
      assert_int_equal(mi_planner_refine(p, &sys, pool, &res), MI_ERR_STATE);
    } else {
      assert_int_equal(mi_planner_optimize(p, &sys, pool, &res), MI_OK);
    }
    assert_int_equal(res.iterations, 2);
    mi_planner_shift(p, pp.dt);
    s.x0[0] += 0.01f;
  }
  out->nominal = res.nominal_cost;
  memcpy(out->knots, mi_planner_knots(p), sizeof out->knots);
  float c;
  memcpy(out->best, mi_planner_best(p, &c), sizeof out->best);
  mi_planner_destroy(p);
  mi_pool_destroy(pool);
}

static void run_sequence(int kind, int threads, int64_t seed, float *knots_out, float *best_out) {
  seq_out o;
  run_seq(kind, threads, seed, (seq_opts){0, 0, 0.0f}, &o);
  memcpy(knots_out, o.knots, sizeof o.knots);
  memcpy(best_out, o.best, sizeof o.best);
}

static void test_bit_identical_across_threads(void **state) {
  (void)state;
  for (int kind = 0; kind < 3; kind++) {
    float k0[5 * NU], k1[5 * NU], k2[5 * NU], k3[5 * NU], b0[5 * NU], b1[5 * NU], b2[5 * NU],
        b3[5 * NU];
    run_sequence(kind, 0, 5, k0, b0);
    run_sequence(kind, 1, 5, k1, b1);
    run_sequence(kind, 2, 5, k2, b2);
    run_sequence(kind, 3, 5, k3, b3);
    assert_memory_equal(k0, k1, sizeof k0);
    assert_memory_equal(k1, k2, sizeof k0);
    assert_memory_equal(k1, k3, sizeof k0);
    assert_memory_equal(b1, b2, sizeof b0);
    assert_memory_equal(b0, b3, sizeof b0);
    /* and the seed matters */
    float k4[5 * NU], b4[5 * NU];
    run_sequence(kind, 2, 6, k4, b4);
    assert_true(memcmp(k1, k4, sizeof k1) != 0);
  }
}

/* noise drawn ahead (mi_planner_prepare, on the caller or the pool) gives
 * the same plans bit for bit as noise drawn inside the iteration */
static void test_prepared_noise_identical(void **state) {
  (void)state;
  assert_int_equal(mi_planner_prepare(NULL, NULL), MI_ERR_INVALID);
  for (int kind = 0; kind < 3; kind++) {
    seq_out a, b, c;
    run_seq(kind, 0, 5, (seq_opts){0, 0, 0.0f}, &a);
    run_seq(kind, 0, 5, (seq_opts){1, 0, 0.0f}, &b);
    run_seq(kind, 2, 5, (seq_opts){2, 0, 0.0f}, &c);
    assert_memory_equal(a.knots, b.knots, sizeof a.knots);
    assert_memory_equal(a.best, b.best, sizeof a.best);
    assert_memory_equal(a.knots, c.knots, sizeof a.knots);
    assert_memory_equal(a.best, c.best, sizeof a.best);
  }
}

/* two-phase iterations: explore then refine on an unchanged system is
 * mi_planner_optimize bit for bit (every kind, with and without a pool);
 * on a system whose state moved between the phases the refine scores the
 * mean from the moved state; refine without explore, explore without
 * refine candidates are refused */
static void test_two_phase(void **state) {
  (void)state;
  for (int kind = 0; kind < 3; kind++) {
    seq_out a, b, c, d;
    run_seq(kind, 0, 5, (seq_opts){0, 0, 0.0f}, &a);
    run_seq(kind, 0, 5, (seq_opts){0, 1, 0.0f}, &b);
    run_seq(kind, 2, 5, (seq_opts){1, 1, 0.0f}, &c);
    assert_memory_equal(a.knots, b.knots, sizeof a.knots);
    assert_memory_equal(a.knots, c.knots, sizeof a.knots);
    assert_true(a.nominal == b.nominal && b.nominal == c.nominal);
    /* moved: the nominal is the mean's cost from the moved state, and the
     * plan differs from the unmoved one */
    run_seq(kind, 0, 5, (seq_opts){0, 1, 0.05f}, &d);
    assert_float_equal(d.nominal, d.mean_cost, 1e-6f * fabsf(d.mean_cost));
    assert_true(memcmp(a.knots, d.knots, sizeof a.knots) != 0);
  }
  mi_planner_params pp = toy_params(MI_PLANNER_MPPI);
  mi_planner *p = NULL;
  assert_int_equal(mi_planner_create(&pp, NU, &p), MI_OK);
  toy s;
  toy_init(&s, &pp, 1);
  mi_planner_system sys = toy_system(&s);
  assert_int_equal(mi_planner_explore(p, &sys, NULL), MI_ERR_STATE); /* refine 0 */
  assert_int_equal(mi_planner_refine(p, &sys, NULL, NULL), MI_ERR_STATE);
  assert_int_equal(mi_planner_explore(NULL, &sys, NULL), MI_ERR_INVALID);
  mi_planner_destroy(p);
}

/* the candidates by cost: rank 0 is the best, costs never fall with the
 * rank; none before an iteration, between explore and refine, or out of
 * range */
static void test_ranked(void **state) {
  (void)state;
  mi_planner_params pp = toy_params(MI_PLANNER_MPPI);
  pp.refine = 8;
  mi_planner *p = NULL;
  assert_int_equal(mi_planner_create(&pp, NU, &p), MI_OK);
  toy s;
  toy_init(&s, &pp, 2);
  mi_planner_system sys = toy_system(&s);
  assert_null(mi_planner_ranked(p, 0));
  assert_int_equal(mi_planner_optimize(p, &sys, NULL, NULL), MI_OK);
  float best_cost;
  const float *best = mi_planner_best(p, &best_cost);
  const size_t kb = sizeof(float) * (size_t)(pp.knots * NU);
  assert_memory_equal(mi_planner_ranked(p, 0), best, kb);
  float prev = -INFINITY;
  for (int r = 0; r < (int)pp.K; r++) {
    const float *u = mi_planner_ranked(p, r);
    assert_non_null(u);
    float c = toy_cost(&s, u);
    assert_true(c >= prev);
    prev = c;
  }
  assert_null(mi_planner_ranked(p, (int)pp.K));
  assert_null(mi_planner_ranked(p, -1));
  assert_int_equal(mi_planner_explore(p, &sys, NULL), MI_OK);
  assert_null(mi_planner_ranked(p, 0));
  assert_int_equal(mi_planner_refine(p, &sys, NULL, NULL), MI_OK);
  best = mi_planner_best(p, &best_cost);
  assert_memory_equal(mi_planner_ranked(p, 0), best, kb);
  mi_planner_destroy(p);
}

/* samples stay within the system's bounds */
typedef struct bound_check {
  toy s;
  int knots;
  int violations;
  float max_abs;
} bound_check;

static void bound_eval(void *self, const float *U, int k0, int n, float *cost, int worker) {
  (void)k0;
  (void)worker;
  bound_check *b = self;
  for (int i = 0; i < n; i++) {
    const float *u = U + (size_t)i * b->knots * NU;
    for (int e = 0; e < b->knots * NU; e++) {
      int j = e % NU;
      if (u[e] < b->s.lo[j] || u[e] > b->s.hi[j]) b->violations++;
      if (fabsf(u[e]) > b->max_abs) b->max_abs = fabsf(u[e]);
    }
    cost[i] = toy_cost(&b->s, u);
  }
}

static void test_bounds(void **state) {
  (void)state;
  mi_planner_params pp = toy_params(MI_PLANNER_MPPI);
  pp.noise.v[0] = 50.0; /* far beyond the bounds */
  mi_planner *p = NULL;
  assert_int_equal(mi_planner_create(&pp, NU, &p), MI_OK);
  bound_check b;
  memset(&b, 0, sizeof b);
  toy_init(&b.s, &pp, 2);
  for (int j = 0; j < NU; j++) {
    b.s.lo[j] = -1.0f;
    b.s.hi[j] = 0.5f;
  }
  b.knots = (int)pp.knots;
  mi_planner_system sys = {NU, b.s.lo, b.s.hi, bound_eval, &b};
  assert_int_equal(mi_planner_optimize(p, &sys, NULL, NULL), MI_OK); /* serial: no races on b */
  assert_int_equal(b.violations, 0);
  assert_float_equal(b.max_abs, 1.0f, 1e-6); /* the clamp was reached */
  mi_planner_destroy(p);
}

static void test_shift_and_control_at(void **state) {
  (void)state;
  mi_planner_params pp = toy_params(MI_PLANNER_MPPI);
  pp.knots = 5;
  pp.H = 40;
  pp.dt = 0.05; /* horizon 2 s, knots every 0.5 s */
  pp.spline = MI_SPLINE_LINEAR;
  mi_planner *p = NULL;
  assert_int_equal(mi_planner_create(&pp, NU, &p), MI_OK);
  float u0[NU] = {1.0f, 2.0f, 3.0f};
  mi_planner_reset(p, u0);
  float u[NU];
  mi_planner_control_at(p, 0.7, u);
  assert_float_equal(u[1], 2.0f, 1e-6);
  /* a ramp u_j(t) = (j + 1) * t, knots at 0, 0.5, .., 2 s */
  float ramp[5 * NU];
  for (int k = 0; k < 5; k++)
    for (int j = 0; j < NU; j++) ramp[k * NU + j] = (float)(j + 1) * 0.5f * (float)k;
  mi_planner_set_knots(p, ramp);
  mi_planner_control_at(p, 0.7, u);
  assert_float_equal(u[0], 0.7f, 1e-6);
  assert_float_equal(u[2], 2.1f, 1e-5);
  mi_planner_control_at(p, 5.0, u); /* beyond the horizon: the last knot */
  assert_float_equal(u[0], 2.0f, 1e-6);
  /* shift by 0.25 s: every knot reads the ramp 0.25 s later; the last holds */
  mi_planner_shift(p, 0.25);
  const float *k = mi_planner_knots(p);
  for (int kk = 0; kk < 5; kk++)
    for (int j = 0; j < NU; j++) {
      float t = fminf(0.5f * (float)kk + 0.25f, 2.0f);
      assert_float_equal(k[kk * NU + j], (float)(j + 1) * t, 1e-5);
    }
  /* a zero or negative shift changes nothing */
  float before[5 * NU];
  memcpy(before, k, sizeof before);
  mi_planner_shift(p, 0.0);
  assert_memory_equal(before, mi_planner_knots(p), sizeof before);
  mi_planner_destroy(p);
}

/* cem with one elite and no smoothing: the new mean is exactly the
 * cheapest candidate (the sort finds the minimum among 200) */
static void test_cem_elite_is_best(void **state) {
  (void)state;
  mi_planner_params pp = toy_params(MI_PLANNER_CEM);
  pp.K = 200;
  pp.elites = 1;
  pp.cem_alpha = 0.0;
  mi_planner *p = NULL;
  assert_int_equal(mi_planner_create(&pp, NU, &p), MI_OK);
  toy s;
  toy_init(&s, &pp, 4);
  mi_planner_system sys = toy_system(&s);
  mi_planner_result res;
  for (int it = 0; it < 3; it++) {
    assert_int_equal(mi_planner_optimize(p, &sys, NULL, &res), MI_OK);
    float best_cost;
    const float *best = mi_planner_best(p, &best_cost);
    assert_memory_equal(best, mi_planner_knots(p), sizeof(float) * 5 * NU);
    assert_true(best_cost == res.best_cost);
    assert_float_equal(toy_cost(&s, mi_planner_knots(p)), best_cost, 1e-6 * best_cost);
  }
  mi_planner_destroy(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_params_table),
      cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_mppi_lowers_cost),
      cmocka_unit_test(test_cem_lowers_cost),
      cmocka_unit_test(test_ps_lowers_cost),
      cmocka_unit_test(test_ps_monotone),
      cmocka_unit_test(test_cem_elite_is_best),
      cmocka_unit_test(test_bit_identical_across_threads),
      cmocka_unit_test(test_prepared_noise_identical),
      cmocka_unit_test(test_two_phase),
      cmocka_unit_test(test_ranked),
      cmocka_unit_test(test_bounds),
      cmocka_unit_test(test_shift_and_control_at),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
