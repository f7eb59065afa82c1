/* tests/unit/test_worldmodel_predictor.c - the predictor core in closed
 * loop with a plant in lockstep: the worldmodel's own float64 dynamics of
 * the 7-DOF arm in the example cell, its joints servoed (PD, 1 kHz) to the
 * published plan's positions. Reach a goal within tolerance and time with
 * no collision (every plant state checked with libccd); stale joint states
 * give no plan and a reason; the two-phase cycle (explore ahead, refine at
 * the cycle) reaches as well; the intercept of a moving part; a start in
 * contact with a fixture is left (verify.escape_time), else refused; no
 * plan carries a NaN. (Closed-loop teleop-into-fixture and pick tests are not
 * here yet: see the predictor README section.) */
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
#include "core/philox.h"
#include "worldmodel/dynamics.h"
#include "worldmodel/predictor.h"
#include "worldmodel/verify.h"

#define ARM MIRAI_SOURCE_DIR "/tests/data/wm_arm7.urdf"
#define CELL MIRAI_SOURCE_DIR "/tests/data/wm_cell.cell.yaml"
#define MS MI_NS_PER_MS

/* servo gains of the plant, told to the planner's rollouts (stable at the
 * plant's explicit 1 ms step on the light wrist links) */
static const double k_kp[7] = {300, 300, 300, 300, 50, 50, 20};
static const double k_kd[7] = {20, 20, 20, 20, 3, 2, 0.5};

static void base_params(mi_predictor_params *out) {
  mi_predictor_params p;
  char err[512];
  assert_int_equal(mi_predictor_params_defaults(&p, err, sizeof err), MI_OK);
  snprintf(p.urdf, sizeof p.urdf, "%s", ARM);
  snprintf(p.cell, sizeof p.cell, "%s", CELL);
  p.planner.K = 256;
  p.planner.H = 25;
  p.planner.threads = 2;
  p.planner.block = 32;
  p.planner.iterations = 3;
  p.learner.substeps = 20;
  p.planner.kp.n = p.planner.kd.n = 7;
  for (int j = 0; j < 7; j++) {
    p.planner.kp.v[j] = k_kp[j];
    p.planner.kd.v[j] = k_kd[j];
  }
  p.planner.substeps = 4;
  p.est.limit_margin = 0.5; /* the test plant has no joint stops */
  *out = p;
}

static mi_predictor *make(void) {
  mi_predictor_params p;
  char err[512];
  base_params(&p);
  mi_predictor *pr = NULL;
  mi_status st = mi_predictor_create(&p, &pr, err, sizeof err);
  if (st != MI_OK) fprintf(stderr, "%s\n", err);
  assert_int_equal(st, MI_OK);
  return pr;
}

/* the plant: PD to the plan's position at the current time, 1 ms steps */
typedef struct plant {
  double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF];

  int64_t t_ns;
  mi_predictor_plan plan;
  int64_t plan_ns;
  bool have_plan;
  int collisions;
} plant;

static void ref_at(const plant *pl, int n, double *qr) {
  double t = mi_s_from_ns(pl->t_ns - pl->plan_ns);
  const mi_predictor_plan *p = &pl->plan;
  int i = 0;
  while (i + 1 < p->npoints && p->t[i + 1] <= t) i++;
  if (i + 1 >= p->npoints) {
    memcpy(qr, p->q[p->npoints - 1], sizeof(double) * (size_t)n);
    return;
  }
  double f = (t - p->t[i]) / (p->t[i + 1] - p->t[i]);
  for (int j = 0; j < n; j++) qr[j] = p->q[i][j] + f * (p->q[i + 1][j] - p->q[i][j]);
}

/* two-phase cycles: explore this many ms before each cycle (0: none), and
 * how many explores succeeded */
static int g_explore_ms, g_explored;

/* run seconds of lockstep: 50 Hz cycles, joint states at 500 Hz */
static void run(mi_predictor *pr, plant *pl, double seconds, int *published) {
  const mi_model *m = mi_predictor_model(pr);
  const int n = m->ndof;
  int steps = (int)lround(seconds * 1000.0);
  for (int s = 0; s < steps; s++) {
    if (pl->t_ns % (2 * MS) == 0) {
      char why[128];
      mi_status st =
          mi_predictor_joint_state(pr, pl->t_ns, pl->t_ns, pl->q, pl->qd, pl->tau, why, sizeof why);
      if (st != MI_OK) fprintf(stderr, "joint state rejected: %s\n", why);
      assert_int_equal(st, MI_OK);
    }
    if (g_explore_ms > 0 && (pl->t_ns + g_explore_ms * MS) % (20 * MS) == 0 &&
        mi_predictor_explore(pr, pl->t_ns) == MI_OK)
      g_explored++;
    if (pl->t_ns % (20 * MS) == 0) {
      const mi_predictor_plan *plan = NULL;
      mi_status st = mi_predictor_cycle(pr, pl->t_ns, &plan);
      if (st == MI_OK) {
        assert_non_null(plan);
        for (int i = 0; i < plan->npoints; i++)
          for (int j = 0; j < n; j++)
            assert_true(isfinite(plan->q[i][j]) && isfinite(plan->qd[i][j]) &&
                        isfinite(plan->tau[i][j]));
        pl->plan = *plan;
        pl->plan_ns = pl->t_ns;
        pl->have_plan = true;
        if (published) (*published)++;
      }
    }
    double qr[MI_WM_MAX_DOF];
    if (pl->have_plan)
      ref_at(pl, n, qr);
    else
      memcpy(qr, pl->q, sizeof qr);
    for (int j = 0; j < n; j++) {
      double t = k_kp[j] * (qr[j] - pl->q[j]) - k_kd[j] * pl->qd[j];
      pl->tau[j] = fmax(-m->dyn.effort[j], fmin(m->dyn.effort[j], t));
    }
    /* on its brakes until the first plan (as an arm powered on waits) */
    if (pl->have_plan) mi_wm_step_d(&m->dyn, pl->q, pl->qd, pl->tau, 0.001, 1, NULL);
    pl->t_ns += MS;
    if (s % 10 == 0 && mi_wm_verify(m, pl->q, 1, NULL) != MI_OK) pl->collisions++;
  }
}

static void plant_at(plant *pl, const mi_model *m, const double *q) {
  memset(pl, 0, sizeof *pl);
  pl->t_ns = 1000 * MS;
  memcpy(pl->q, q, sizeof(double) * (size_t)m->ndof);
}

/* configuration i of the seed's sequence: each joint uniform in the middle
 * 70% of its range */
static void random_q(const mi_model *m, mi_philox_key key, uint32_t i, double *q) {
    for (int j0 = 0; j0 < m->ndof; j0 += 4) {
      float u[4];
      mi_philox_uniform4f(mi_philox_ctr_make(i, (uint32_t)j0, 0, 0), key, u);
      for (int j = j0; j < j0 + 4 && j < m->ndof; j++) {
        double mid = 0.5 * (m->dyn.lower[j] + m->dyn.upper[j]);
        double half = 0.5 * (m->dyn.upper[j] - m->dyn.lower[j]);
        q[j] = mid + 0.7 * half * (2.0 * u[j - j0] - 1.0);
      }
    }
}

/* a collision-free configuration whose tool lies in a box */
static bool find_q(const mi_predictor *pr, uint32_t seed, const double lo[3], const double hi[3],
                   double *q) {
  const mi_model *m = mi_predictor_model(pr);
  mi_philox_key key = mi_philox_key_from_seed(seed);
  for (uint32_t i = 0; i < 20000; i++) {
    random_q(m, key, i, q);
    double p[3];
    mi_predictor_tool_position(pr, q, p);
    bool in = true;
    for (int k = 0; k < 3; k++) in = in && p[k] >= lo[k] && p[k] <= hi[k];
    if (in && mi_wm_verify(m, q, 1, NULL) == MI_OK) return true;
  }
  return false;
}

/* reach from one free configuration to the tool position of another for
 * 4 s of closed loop; the tool's distance to the goal at the end */
static double reach_for_4s(mi_predictor *pr, plant *pl, int *published) {
  const mi_model *m = mi_predictor_model(pr);
  double q0[MI_WM_MAX_DOF], qg[MI_WM_MAX_DOF], g[3];
  const double lo[3] = {0.2, -0.3, 0.6}, hi[3] = {0.6, 0.3, 1.0};
  assert_true(find_q(pr, 3, lo, hi, q0));
  assert_true(find_q(pr, 4, lo, hi, qg));
  mi_predictor_tool_position(pr, qg, g);
  plant_at(pl, m, q0);
  mi_pose goal = {{g[0], g[1], g[2]}, {1, 0, 0, 0}};
  assert_int_equal(mi_predictor_set_reach(pr, goal, false), MI_OK);
  *published = 0;
  run(pr, pl, 4.0, published);
  double p[3];
  mi_predictor_tool_position(pr, pl->q, p);
  return sqrt((p[0] - g[0]) * (p[0] - g[0]) + (p[1] - g[1]) * (p[1] - g[1]) +
              (p[2] - g[2]) * (p[2] - g[2]));
}

static void test_reach_goal(void **state) {
  (void)state;
  mi_predictor *pr = make();
  plant pl;
  int published = 0;
  double d = reach_for_4s(pr, &pl, &published);
  mi_predictor_status st;
  mi_predictor_get_status(pr, &st);
  printf("reach: predictor's view %.3f m\n", st.tool_to_goal_m);
  printf("reach: tool %.3f m from the goal after 4 s, %d plans, %llu rejected, solve %.1f ms\n", d,
         published, (unsigned long long)st.plans_rejected, st.solve_time_s * 1e3);
  assert_true(d < 0.05);
  assert_int_equal(pl.collisions, 0);
  assert_true(published > 150);
  assert_string_equal(st.task, "reach");
  mi_predictor_destroy(pr);
}

/* the two-phase cycle (planner.refine): all candidates scored 4 ms ahead of
 * each cycle from the joint state extrapolated to it, 16 of them again at
 * the cycle from the state then (two joint states later): the closed loop
 * still reaches the goal without a collision, and every cycle used its
 * explore (the status says how long it took) */
static void test_two_phase_reach(void **state) {
  (void)state;
  mi_predictor_params p;
  char err[512];
  base_params(&p);
  p.planner.refine = 16;
  mi_predictor *pr = NULL;
  assert_int_equal(mi_predictor_create(&p, &pr, err, sizeof err), MI_OK);
  /* no task yet: nothing to explore */
  assert_int_equal(mi_predictor_explore(pr, 0), MI_ERR_STATE);
  plant pl;
  int published = 0;
  g_explore_ms = 4;
  g_explored = 0;
  double d = reach_for_4s(pr, &pl, &published);
  g_explore_ms = 0;
  mi_predictor_status st;
  mi_predictor_get_status(pr, &st);
  printf("two-phase reach: tool %.3f m from the goal after 4 s, %d plans (%d explored), "
         "explore %.2f ms, refine and plan %.2f ms\n",
         d, published, g_explored, st.explore_time_s * 1e3, st.solve_time_s * 1e3);
  assert_true(d < 0.05);
  assert_int_equal(pl.collisions, 0);
  assert_true(published > 150);
  assert_true(g_explored >= published - 1); /* the first cycle's explore had no joint state */
  assert_true(st.explore_time_s > 0.0);
  /* the run ended 4 ms after an explore: the next cycle refines it; one
   * without an explore runs both phases itself */
  const mi_predictor_plan *plan = NULL;
  char why[128];
  assert_int_equal(mi_predictor_joint_state(pr, pl.t_ns, pl.t_ns, pl.q, pl.qd, pl.tau, why,
                                            sizeof why), MI_OK);
  assert_int_equal(mi_predictor_cycle(pr, pl.t_ns, &plan), MI_OK);
  mi_predictor_get_status(pr, &st);
  assert_true(st.explore_time_s > 0.0);
  assert_int_equal(mi_predictor_cycle(pr, pl.t_ns + 20 * MS, &plan), MI_OK);
  mi_predictor_get_status(pr, &st);
  assert_true(st.explore_time_s == 0.0);
  mi_predictor_destroy(pr);
}

static void test_stale_joint_states(void **state) {
  (void)state;
  mi_predictor *pr = make();
  const mi_model *m = mi_predictor_model(pr);
  const mi_predictor_plan *plan = (const mi_predictor_plan *)1;
  mi_predictor_status st;
  mi_pose goal = {{0.4, 0.0, 0.8}, {1, 0, 0, 0}};
  assert_int_equal(mi_predictor_set_reach(pr, goal, false), MI_OK);
  assert_int_equal(mi_predictor_cycle(pr, 1000 * MS, &plan), MI_ERR_STALE);
  assert_null(plan);
  mi_predictor_get_status(pr, &st);
  assert_non_null(strstr(st.reason, "no joint state"));
  double q[MI_WM_MAX_DOF] = {0}, qd[MI_WM_MAX_DOF] = {0};
  for (int j = 0; j < m->ndof; j++) q[j] = 0.5 * (m->dyn.lower[j] + m->dyn.upper[j]);
  assert_int_equal(mi_predictor_joint_state(pr, 1000 * MS, 1000 * MS, q, qd, NULL, NULL, 0), MI_OK);
  assert_int_equal(mi_predictor_cycle(pr, 1010 * MS, &plan), MI_OK);
  assert_non_null(plan);
  /* the plan's cost breakdown comes after it, off its path: none yet, then
   * terms that add up to the plan's cost */
  mi_predictor_get_status(pr, &st);
  for (int i = 0; i < MI_COST_NTERMS; i++) assert_true(isnan(st.cost_terms[i]));
  mi_predictor_after_cycle(pr);
  mi_predictor_get_status(pr, &st);
  double sum = 0.0;
  for (int i = 0; i < MI_COST_NTERMS; i++) {
    assert_true(isfinite(st.cost_terms[i]));
    sum += st.cost_terms[i];
  }
  assert_true(isfinite(st.best_cost) && st.best_cost > 0.0);
  assert_float_equal(sum, st.best_cost, 1e-4 * st.best_cost);
  /* 300 ms later, nothing new: no plan, and the status says why */
  assert_int_equal(mi_predictor_cycle(pr, 1300 * MS, &plan), MI_ERR_STALE);
  assert_null(plan);
  mi_predictor_get_status(pr, &st);
  assert_non_null(strstr(st.reason, "stale"));
  assert_int_equal(st.stale, 2);
  assert_int_equal(st.plans_published, 1);
  /* a NaN sample is rejected by the estimator and counted */
  q[0] = NAN;
  assert_int_equal(mi_predictor_joint_state(pr, 1301 * MS, 1301 * MS, q, qd, NULL, NULL, 0),
                   MI_ERR_REJECTED);
  assert_int_equal(mi_predictor_cycle(pr, 1302 * MS, &plan), MI_ERR_STALE);
  mi_predictor_get_status(pr, &st);
  assert_int_equal(st.samples_rejected, 1);
  mi_predictor_destroy(pr);
}

/* a configuration in contact with the cell's fixtures only, deepest
 * contact between lo and hi m (the plant here has no contact forces: it
 * stays where it is put) */
static bool find_q_in_contact(const mi_predictor *pr, uint32_t seed, double lo, double hi,
                              double *q, double *deepest) {
  const mi_model *m = mi_predictor_model(pr);
  mi_philox_key key = mi_philox_key_from_seed(seed);
  for (uint32_t i = 0; i < 50000; i++) {
    random_q(m, key, i, q);
    mi_wm_contact c[16];
    int nc = mi_wm_contacts(m, q, NULL, c, 16);
    if (nc < 1 || nc > 16) continue;
    double d = 0.0;
    bool fixtures = true;
    for (int k = 0; k < nc; k++) {
      fixtures = fixtures && c[k].kind == MI_WM_HIT_FIXTURE;
      d = fmax(d, c[k].depth);
    }
    if (fixtures && d >= lo && d <= hi) {
      *deepest = d;
      return true;
    }
  }
  return false;
}

/* a measured state already in contact (a part pushed onto the arm, a
 * measurement through a surface): with verify.escape_time 0 every plan is
 * refused at its first step and none goes out (the arm would stay stopped
 * for good); with the default the plans leave the contact, no deeper, and
 * the closed loop then reaches its goal touching nothing */
static void test_start_in_contact(void **state) {
  (void)state;
  mi_predictor_params p;
  char err[512];
  base_params(&p);
  p.escape_time_s = 0.0;
  mi_predictor *pr = NULL;
  assert_int_equal(mi_predictor_create(&p, &pr, err, sizeof err), MI_OK);
  const mi_model *m = mi_predictor_model(pr);
  double q0[MI_WM_MAX_DOF], qg[MI_WM_MAX_DOF], g[3], deep = 0.0;
  assert_true(find_q_in_contact(pr, 11, 0.003, 0.02, q0, &deep));
  const double lo[3] = {0.2, -0.3, 0.6}, hi[3] = {0.6, 0.3, 1.0};
  assert_true(find_q(pr, 4, lo, hi, qg));
  mi_predictor_tool_position(pr, qg, g);
  mi_wm_hit hit;
  char hd[160];
  assert_int_equal(mi_wm_verify(m, q0, 1, &hit), MI_ERR_COLLISION);
  printf("start in contact: %s, %.1f mm deep\n", mi_wm_hit_describe(m, &hit, NULL, hd, sizeof hd),
         deep * 1e3);
  mi_pose goal = {{g[0], g[1], g[2]}, {1, 0, 0, 0}};

  plant pl;
  plant_at(&pl, m, q0);
  assert_int_equal(mi_predictor_set_reach(pr, goal, false), MI_OK);
  int published = 0;
  run(pr, &pl, 0.5, &published);
  mi_predictor_status st;
  mi_predictor_get_status(pr, &st);
  printf("escape_time 0: %d plans, %llu refused: %s\n", published,
         (unsigned long long)st.plans_rejected, st.reason);
  assert_int_equal(published, 0);
  assert_true(st.plans_rejected >= 20);
  assert_non_null(strstr(st.reason, "plan rejected: "));
  assert_null(strstr(st.reason, "while leaving a contact"));
  mi_predictor_destroy(pr);

  /* the default: leave it */
  base_params(&p);
  assert_true(p.escape_time_s > 0.0);
  assert_int_equal(mi_predictor_create(&p, &pr, err, sizeof err), MI_OK);
  m = mi_predictor_model(pr);
  plant_at(&pl, m, q0);
  assert_int_equal(mi_predictor_set_reach(pr, goal, false), MI_OK);
  published = 0;
  /* in 20 ms slices: when the plant is out of contact, and it never goes
   * deeper than it started (the plant follows the verified references) */
  int64_t out_ns = -1;
  double deepest = 0.0;
  for (int k = 0; k < 200; k++) {
    run(pr, &pl, 0.02, &published);
    mi_wm_contact c[16];
    int nc = mi_wm_contacts(m, pl.q, NULL, c, 16);
    for (int i = 0; i < nc && i < 16; i++) deepest = fmax(deepest, c[i].depth);
    if (nc == 0 && out_ns < 0) {
      out_ns = pl.t_ns - 1000 * MS;
      pl.collisions = 0; /* from here on, run() counts every contact */
    }
  }
  mi_predictor_get_status(pr, &st);
  double tool[3];
  mi_predictor_tool_position(pr, pl.q, tool);
  double d = sqrt((tool[0] - g[0]) * (tool[0] - g[0]) + (tool[1] - g[1]) * (tool[1] - g[1]) +
                  (tool[2] - g[2]) * (tool[2] - g[2]));
  printf("escape_time %.2f s: out of contact after %.0f ms (deepest %.1f mm), %d plans, %llu "
         "leaving a contact, %llu refused; tool %.3f m from the goal after 4 s\n",
         p.escape_time_s, out_ns / 1e6, deepest * 1e3, published,
         (unsigned long long)st.plans_escaping, (unsigned long long)st.plans_rejected, d);
  assert_true(out_ns > 0 && out_ns <= 1000 * MS);
  assert_true(st.plans_escaping > 0);
  assert_true(deepest <= deep + 2 * MI_PRED_ESCAPE_SLACK_M);
  assert_int_equal(pl.collisions, 0);
  assert_true(published > 150);
  assert_true(d < 0.05);
  mi_predictor_destroy(pr);

  /* a plant stuck in the contact (it follows no plan): plans go out only
   * while the escape lasts (1 s from the first measured contact: a new
   * window per cycle would let the arm creep deeper cycle by cycle), then
   * every one is refused, the reason says so */
  assert_int_equal(mi_predictor_create(&p, &pr, err, sizeof err), MI_OK);
  assert_int_equal(mi_predictor_set_reach(pr, goal, false), MI_OK);
  double qd0[MI_WM_MAX_DOF] = {0};
  int early = 0, late = 0;
  for (int k = 0; k < 80; k++) { /* 1.6 s of 20 ms cycles */
    int64_t t = 1000 * MS + (int64_t)k * 20 * MS;
    assert_int_equal(mi_predictor_joint_state(pr, t, t, q0, qd0, NULL, NULL, 0), MI_OK);
    const mi_predictor_plan *plan = NULL;
    if (mi_predictor_cycle(pr, t, &plan) == MI_OK) {
      if (k * 20 < 1000) early++;
      else late++;
    }
  }
  mi_predictor_get_status(pr, &st);
  printf("stuck in contact: %d plans in the first 1 s, %d after; %s\n", early, late, st.reason);
  assert_true(early > 0);
  assert_int_equal(late, 0);
  assert_non_null(strstr(st.reason, "while leaving a contact (0.00 s left)"));
  mi_predictor_destroy(pr);
}

/* pick: the goal follows the part's predicted path */
static void test_pick_intercept(void **state) {
  (void)state;
  mi_vec3 at;
  double th;
  /* a part at 0.2 m/s towards a tool 0.5 m downstream, tool at 0.5 m/s */
  assert_int_equal(mi_task_intercept(mi_vec3_make(1.0, 0, 0), mi_vec3_make(-0.2, 0, 0),
                                     mi_vec3_make(0.5, 0, 0), 0.5, 0.0, 5.0, &th, &at),
                   MI_OK);
  /* meet where 1 - 0.2 t - 0.5 = 0.5 t: t = 0.714 s */
  assert_float_equal(th, 0.5 / 0.7, 1e-4);
  assert_float_equal(at.x, 1.0 - 0.2 * th, 1e-6);
  /* running away faster than the tool: unreachable */
  assert_int_equal(mi_task_intercept(mi_vec3_make(1.0, 0, 0), mi_vec3_make(1.0, 0, 0),
                                     mi_vec3_make(0.5, 0, 0), 0.5, 0.0, 2.0, &th, &at),
                   MI_ERR_RANGE);

}

static void test_params_table(void **state) {
  (void)state;
  mi_predictor_params p;
  char err[256];
  assert_int_equal(mi_predictor_params_defaults(&p, err, sizeof err), MI_OK);
  const mi_param_table *t = mi_predictor_params_table();
  assert_non_null(mi_params_find(t, "planning.rate_hz"));
  assert_non_null(mi_params_find(t, "planner.K"));
  assert_non_null(mi_params_find(t, "learner.enabled"));
  assert_non_null(mi_params_find(t, "estimator.max_jump"));
  assert_int_equal(mi_params_set(t, &p, "planner.K", "64", err, sizeof err), MI_OK);
  assert_int_equal(p.planner.K, 64);
  assert_int_equal(mi_params_set(t, &p, "learner.enabled", "false", err, sizeof err), MI_OK);
  assert_false(p.learner.enabled);
  assert_float_equal(p.rate_hz, 50.0, 0.0);
  mi_predictor *pr = NULL;
  assert_int_equal(mi_predictor_create(&p, &pr, err, sizeof err), MI_ERR_INVALID); /* no urdf */
  assert_non_null(strstr(err, "model.urdf"));
}

/* the predictor plans on the backend its params name: cpu when asked;
 * cuda when asked and a device is usable, else a clear MI_ERR_DEVICE that
 * names the param; auto as the engine resolves it */
static void test_backend(void **state) {
  (void)state;
  mi_predictor_params p;
  char err[512];
  mi_predictor_status st;
  mi_predictor *pr = NULL;
  base_params(&p);
  p.planner.backend = MI_BACKEND_CPU;
  assert_int_equal(mi_predictor_create(&p, &pr, err, sizeof err), MI_OK);
  mi_predictor_get_status(pr, &st);
  assert_string_equal(st.backend, "cpu");
  mi_predictor_destroy(pr);

  int chosen = -1;
  char why[256];
  const bool device = mi_wm_backend_resolve(MI_BACKEND_CUDA, 0, &chosen, why, sizeof why) == MI_OK;
  p.planner.backend = MI_BACKEND_CUDA;
  pr = NULL;
  mi_status s = mi_predictor_create(&p, &pr, err, sizeof err);
  if (device) {
    assert_int_equal(s, MI_OK);
    mi_predictor_get_status(pr, &st);
    assert_string_equal(st.backend, "cuda");
    mi_predictor_destroy(pr);
  } else {
    printf("no usable CUDA device (%s): cuda must be refused\n", why);
    assert_int_equal(s, MI_ERR_DEVICE);
    assert_null(pr);
    assert_non_null(strstr(err, "planner.backend"));
  }

  p.planner.backend = MI_BACKEND_AUTO;
  pr = NULL;
  assert_int_equal(mi_predictor_create(&p, &pr, err, sizeof err), MI_OK);
  mi_predictor_get_status(pr, &st);
  assert_string_equal(st.backend, device ? "cuda" : "cpu");
  mi_predictor_destroy(pr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_params_table),
      cmocka_unit_test(test_backend),
      cmocka_unit_test(test_stale_joint_states),
      cmocka_unit_test(test_reach_goal),
      cmocka_unit_test(test_two_phase_reach),
      cmocka_unit_test(test_start_in_contact),
      cmocka_unit_test(test_pick_intercept),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
