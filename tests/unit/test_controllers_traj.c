/* tests/unit/test_controllers_traj.c - plan validation (NaN rejected),
 * quintic interpolation, continuity of position and velocity across plan
 * switches. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "controllers/traj.h"

#define MS 1000000LL

static mi_ctrl_limits limits(int n) {
  mi_ctrl_limits l;
  memset(&l, 0, sizeof l);
  l.n = n;
  for (int j = 0; j < n; j++) {
    l.q_min[j] = -3.0;
    l.q_max[j] = 3.0;
    l.vel_max[j] = 2.0;
    l.acc_max[j] = 10.0;
    l.effort_max[j] = 100.0;
  }
  return l;
}

/* a sine plan: q_j = a sin(w t + j), points every step_ms from t0 */
static void sine_plan(mi_ctrl_plan *p, int n, int64_t t0, double a, double w, int pts,
                      int step_ms, double phase) {
  memset(p, 0, sizeof *p);
  p->n_joints = n;
  p->n_points = pts;
  p->t0_ns = t0;
  p->has_vel = true;
  for (int k = 0; k < pts; k++) {
    p->t_ns[k] = (int64_t)k * step_ms * MS;
    double t = (double)(t0 + p->t_ns[k]) * 1e-9;
    for (int j = 0; j < n; j++) {
      p->q[k][j] = a * sin(w * t + j + phase);
      p->qd[k][j] = a * w * cos(w * t + j + phase);
    }
  }
}

static void test_quintic_boundary(void **state) {
  (void)state;
  double p, v, a;
  const double h = 0.37;
  mi_ctrl_quintic(0.2, -1.0, 3.0, 1.1, 0.5, -2.0, h, 0.0, &p, &v, &a);
  assert_true(fabs(p - 0.2) < 1e-12 && fabs(v + 1.0) < 1e-12 && fabs(a - 3.0) < 1e-12);
  mi_ctrl_quintic(0.2, -1.0, 3.0, 1.1, 0.5, -2.0, h, h, &p, &v, &a);
  assert_true(fabs(p - 1.1) < 1e-9);
  assert_true(fabs(v - 0.5) < 1e-9);
  assert_true(fabs(a + 2.0) < 1e-8);
  /* velocity is the derivative of position (central difference) */
  double p1, p2, dummy;
  mi_ctrl_quintic(0.2, -1.0, 3.0, 1.1, 0.5, -2.0, h, 0.1 - 1e-6, &p1, &dummy, &dummy);
  mi_ctrl_quintic(0.2, -1.0, 3.0, 1.1, 0.5, -2.0, h, 0.1 + 1e-6, &p2, &dummy, &dummy);
  mi_ctrl_quintic(0.2, -1.0, 3.0, 1.1, 0.5, -2.0, h, 0.1, &p, &v, &a);
  assert_true(fabs((p2 - p1) / 2e-6 - v) < 1e-5);
}

static void test_validate_rejects(void **state) {
  (void)state;
  mi_ctrl_limits lim = limits(3);
  static mi_ctrl_plan p;
  char err[160];
  sine_plan(&p, 3, 0, 0.5, 2.0, 20, 20, 0.0);
  assert_int_equal(mi_ctrl_plan_validate(&p, &lim, 0.05, err, sizeof err), MI_OK);

  p.q[4][1] = NAN;
  assert_int_equal(mi_ctrl_plan_validate(&p, &lim, 0.05, err, sizeof err), MI_ERR_REJECTED);
  assert_non_null(strstr(err, "point 4 joint 1"));
  assert_non_null(strstr(err, "NaN"));

  sine_plan(&p, 3, 0, 0.5, 2.0, 20, 20, 0.0);
  p.qd[2][0] = INFINITY;
  assert_int_equal(mi_ctrl_plan_validate(&p, &lim, 0.05, err, sizeof err), MI_ERR_REJECTED);

  sine_plan(&p, 3, 0, 0.5, 2.0, 20, 20, 0.0);
  p.t_ns[5] = p.t_ns[4];
  assert_int_equal(mi_ctrl_plan_validate(&p, &lim, 0.05, err, sizeof err), MI_ERR_REJECTED);
  assert_non_null(strstr(err, "increasing"));

  sine_plan(&p, 2, 0, 0.5, 2.0, 20, 20, 0.0);
  assert_int_equal(mi_ctrl_plan_validate(&p, &lim, 0.05, err, sizeof err), MI_ERR_REJECTED);
  assert_non_null(strstr(err, "joints"));

  sine_plan(&p, 3, 0, 0.5, 2.0, 20, 20, 0.0);
  p.q[7][2] = 3.5; /* outside the position limit, and a jump */
  assert_int_equal(mi_ctrl_plan_validate(&p, &lim, 0.05, err, sizeof err), MI_ERR_REJECTED);

  /* too fast between points: 0.5 rad in 20 ms = 25 rad/s */
  sine_plan(&p, 3, 0, 0.5, 2.0, 20, 20, 0.0);
  p.has_vel = false;
  p.q[9][0] = p.q[8][0] + 0.5;
  assert_int_equal(mi_ctrl_plan_validate(&p, &lim, 0.05, err, sizeof err), MI_ERR_REJECTED);
  assert_non_null(strstr(err, "velocity"));

  p.n_points = 0;
  assert_int_equal(mi_ctrl_plan_validate(&p, &lim, 0.05, err, sizeof err), MI_ERR_REJECTED);
  assert_int_equal(mi_ctrl_plan_validate(NULL, &lim, 0.05, err, sizeof err), MI_ERR_INVALID);
}

static void test_eval_knots_and_hold(void **state) {
  (void)state;
  static mi_ctrl_plan p;
  sine_plan(&p, 3, 5 * MS, 0.5, 2.0, 20, 20, 0.0);
  mi_ctrl_plan_prepare(&p);
  mi_ctrl_ref r;
  for (int k = 0; k < 19; k++) {
    mi_ctrl_plan_eval(&p, p.t0_ns + p.t_ns[k], &r);
    for (int j = 0; j < 3; j++) {
      assert_true(fabs(r.q[j] - p.q[k][j]) < 1e-9);
      if (k > 0) assert_true(fabs(r.qd[j] - p.qd[k][j]) < 1e-6);
    }
  }
  /* mid-segment the quintic tracks the sine closely (20 ms knots) */
  int64_t t = p.t0_ns + 110 * MS;
  mi_ctrl_plan_eval(&p, t, &r);
  double ts = (double)t * 1e-9;
  assert_true(fabs(r.q[1] - 0.5 * sin(2.0 * ts + 1)) < 1e-6);
  /* before the plan: along the first point's velocity; after: last point, at rest */
  mi_ctrl_plan_eval(&p, 0, &r);
  assert_true(fabs(r.q[0] - (p.q[0][0] - 5e-3 * p.qd[0][0])) < 1e-12);
  assert_true(r.qd[0] == p.qd[0][0]);
  mi_ctrl_plan_eval(&p, p.t0_ns, &r); /* at the first point: its own velocity */
  assert_true(fabs(r.qd[0] - p.qd[0][0]) < 1e-12);
  mi_ctrl_plan_eval(&p, p.t0_ns + 10 * MS * 1000, &r);
  assert_true(r.q[2] == p.q[19][2] && r.qd[2] == 0.0 && r.qdd[2] == 0.0);
}

static void test_prepare_fills(void **state) {
  (void)state;
  static mi_ctrl_plan p;
  memset(&p, 0, sizeof p);
  p.n_joints = 1;
  p.n_points = 4;
  for (int k = 0; k < 4; k++) {
    p.t_ns[k] = k * 100 * MS;
    p.q[k][0] = 0.1 * k; /* 1 rad/s */
  }
  mi_ctrl_plan_prepare(&p);
  assert_true(p.has_vel && p.has_acc);
  assert_true(fabs(p.qd[0][0] - 1.0) < 1e-12);
  assert_true(fabs(p.qd[1][0] - 1.0) < 1e-12);
  assert_true(fabs(p.qd[2][0] - 1.0) < 1e-12);
  assert_true(p.qd[3][0] == 0.0 && p.qdd[3][0] == 0.0); /* comes to rest */
}

/* output of "plan a, then a new plan b every 20 ms + blend", at 4 kHz:
 * continuous in position and velocity, and converging onto the newest plan */
static void test_switch_continuity(void **state) {
  (void)state;
  mi_ctrl_limits lim = limits(3);
  static mi_ctrl_plan a, b;
  sine_plan(&a, 3, 0, 0.5, 2.0, 60, 20, 0.0);
  mi_ctrl_plan_prepare(&a);
  const mi_ctrl_plan *cur = &a;
  mi_ctrl_blend bl;
  mi_ctrl_blend_init(&bl, 3, &lim);
  const int64_t dt = MS / 4;
  mi_ctrl_ref prev, r;
  memset(&prev, 0, sizeof prev);
  double max_dq = 0, max_dqd = 0, max_jump_q = 0, max_jump_qd = 0;
  int switches = 0;
  for (int64_t t = 0; t < 1500 * MS; t += dt) {
    mi_ctrl_blend_advance(&bl, (double)dt * 1e-9);
    mi_ctrl_plan_eval(cur, t, &r);
    mi_ctrl_blend_apply(&bl, &r);
    /* from 300 ms to 700 ms, a new plan every 20 ms (+ 0.3 ms), each one
     * disagreeing with the last (phase 0.4 or 0.8 off plan a) */
    if (t >= 300 * MS && t <= 700 * MS && (t - 300 * MS) % (20 * MS) == 300000 - 300000 % dt) {
      sine_plan(&b, 3, t, 0.5, 2.0, 60, 20, 0.4 * (1 + switches % 2));
      mi_ctrl_plan_prepare(&b);
      mi_ctrl_ref to;
      mi_ctrl_plan_eval(&b, t, &to);
      mi_ctrl_blend_switch(&bl, &r, &to);
      mi_ctrl_ref out = to;
      mi_ctrl_blend_apply(&bl, &out);
      for (int j = 0; j < 3; j++) {
        max_jump_q = fmax(max_jump_q, fabs(out.q[j] - r.q[j]));
        max_jump_qd = fmax(max_jump_qd, fabs(out.qd[j] - r.qd[j]));
      }
      cur = &b;
      switches++;
    }
    if (t > 0)
      for (int j = 0; j < 3; j++) {
        max_dq = fmax(max_dq, fabs(r.q[j] - prev.q[j]));
        max_dqd = fmax(max_dqd, fabs(r.qd[j] - prev.qd[j]));
      }
    prev = r;
  }
  assert_true(switches >= 20);
  /* at each switch the output is exactly the old one */
  assert_true(max_jump_q < 1e-12);
  assert_true(max_jump_qd < 1e-12);
  /* per step: position moves at most vmax dt (plus the plan's own
   * 1 rad/s), velocity at most amax dt */
  assert_true(max_dq <= (2.0 + 1.0) * 0.25e-3);
  assert_true(max_dqd <= 10.0 * 0.25e-3);
  /* the blend ended and the output is the last plan's */
  assert_false(bl.active);
  mi_ctrl_plan_eval(&b, 1500 * MS - dt, &r);
  assert_true(fabs(prev.q[0] - r.q[0]) < 1e-12);
}

static void test_blend_budgets(void **state) {
  (void)state;
  mi_ctrl_limits lim = limits(1);
  mi_ctrl_ref from, to;
  memset(&from, 0, sizeof from);
  memset(&to, 0, sizeof to);
  to.q[0] = 1.0;  /* a 1 rad difference */
  to.qd[0] = 0.5; /* and 0.5 rad/s */
  mi_ctrl_blend bl;
  mi_ctrl_blend_init(&bl, 1, &lim);
  mi_ctrl_blend_switch(&bl, &from, &to);
  double vmax = 0, amax = 0, emax = 0;
  int steps = 0;
  while (bl.active && steps < 10000) {
    double ev0 = bl.ev[0];
    mi_ctrl_blend_advance(&bl, 1e-3);
    vmax = fmax(vmax, fabs(bl.ev[0]));
    amax = fmax(amax, fabs(bl.ev[0] - ev0) / 1e-3);
    emax = fmax(emax, fabs(bl.e[0]));
    steps++;
  }
  /* within half the limits (the starting velocity offset was 0.5), no
   * overshoot past the start, done in about the braking time */
  assert_true(vmax <= 1.0 + 1e-9);
  assert_true(amax <= 5.0 + 1e-9);
  assert_true(emax <= 1.0 + 0.5 * 0.5 / 5.0 + 1e-9);
  assert_true(steps > 500 && steps < 2000);
  assert_true(bl.e[0] == 0.0 && bl.ev[0] == 0.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_quintic_boundary),    cmocka_unit_test(test_validate_rejects),
      cmocka_unit_test(test_eval_knots_and_hold), cmocka_unit_test(test_prepare_fills),
      cmocka_unit_test(test_switch_continuity),   cmocka_unit_test(test_blend_budgets),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
