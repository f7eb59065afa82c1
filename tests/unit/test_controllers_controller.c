/* tests/unit/test_controllers_controller.c - the controller core on an
 * injected clock at 1 kHz against an ideal plant: a stalled plan drives
 * RUN -> DEGRADED -> SAFE_STOP at the budget times (within one period), the
 * stop reaches zero velocity within stop.time_max without exceeding the
 * limits, fresh data brings RUN back; NaN plans are rejected; plan switches
 * are continuous; control laws and params. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "controllers/controller.h"

#define MS 1000000LL
#define N 3

static mi_ctrl_params default_params(void) {
  mi_ctrl_params p;
  char err[256];
  assert_int_equal(mi_params_defaults(mi_ctrl_param_table(), &p, err, sizeof err), MI_OK);
  p.law = MI_CTRL_LAW_PD;
  return p;
}

/* a plan from `now`: q_j = 0.5 sin(2 t + j + phase), 20 ms knots, 0.4 s */
static void make_plan(mi_ctrl_plan *p, int64_t now, uint64_t seq, double phase) {
  memset(p, 0, sizeof *p);
  p->seq = seq;
  p->arrival_ns = now;
  p->t0_ns = now;
  p->n_joints = N;
  p->n_points = 21;
  p->has_vel = true;
  for (int k = 0; k < p->n_points; k++) {
    p->t_ns[k] = k * 20 * MS;
    double t = (double)(now + p->t_ns[k]) * 1e-9;
    for (int j = 0; j < N; j++) {
      p->q[k][j] = 0.5 * sin(2.0 * t + j + phase);
      p->qd[k][j] = 1.0 * cos(2.0 * t + j + phase);
    }
  }
}

typedef struct sim {
  mi_ctrl *c;
  mi_ctrl_command cmd, prev;
  bool have_prev;
  double max_v_excess, max_a_excess; /* over the limits, from the commands */
  const mi_ctrl_limits *lim;
} sim;

/* one 1 ms period: the ideal plant reports what was commanded */
static void tick(sim *s, int64_t t, bool send_plan, bool person, uint64_t *seq, double phase) {
  static mi_ctrl_plan plan;
  mi_ctrl_joint_state js = {.arrival_ns = t, .n = N};
  for (int j = 0; j < N; j++) {
    js.q[j] = s->have_prev ? s->cmd.q[j] : 0.1 * j;
    js.qd[j] = s->have_prev ? s->cmd.qd[j] : 0.0;
  }
  assert_int_equal(mi_ctrl_submit_joint_state(s->c, &js), MI_OK);
  if (t % (100 * MS) == 0) {
    mi_ctrl_zone z = {.arrival_ns = t, .person_present = person};
    mi_ctrl_submit_zone(s->c, &z);
  }
  if (send_plan && t % (20 * MS) == 0) {
    make_plan(&plan, t, ++*seq, phase);
    assert_int_equal(mi_ctrl_submit_plan(s->c, &plan, NULL, 0), MI_OK);
  }
  s->prev = s->cmd;
  s->have_prev = s->cmd.valid;
  mi_ctrl_step(s->c, t, MS, &s->cmd);
  if (s->have_prev && s->cmd.valid)
    for (int j = 0; j < N; j++) {
      double v = fabs(s->cmd.qd[j]);
      double a = fabs(s->cmd.qd[j] - s->prev.qd[j]) / 1e-3; /* what the plant sees */
      s->max_v_excess = fmax(s->max_v_excess, v - s->lim->vel_max[j]);
      s->max_a_excess = fmax(s->max_a_excess, a - s->lim->acc_max[j]);
    }
}

static bool at_rest(const mi_ctrl_command *c) {
  for (int j = 0; j < N; j++)
    if (c->qd[j] != 0.0) return false;
  return true;
}

static void test_stall_degrade_stop_recover(void **state) {
  (void)state;
  mi_ctrl_params p = default_params();
  char err[256];
  sim s = {0};
  s.c = mi_ctrl_create(&p, NULL, 0, err, sizeof err);
  assert_non_null(s.c);
  s.lim = mi_ctrl_get_limits(s.c);
  uint64_t seq = 0;
  const int64_t t_stall = 2000 * MS;    /* last plan at 2000 ms */
  const int64_t t_resume = 4000 * MS;   /* the planner comes back */
  int64_t t_run = -1, t_deg = -1, t_stop = -1, t_rest = -1, t_run2 = -1;
  double v_at_stop = 0;
  for (int64_t t = 0; t <= 6000 * MS; t += MS) {
    bool plans = t <= t_stall || t >= t_resume;
    mi_ctrl_state before = mi_ctrl_state_now(s.c);
    tick(&s, t, plans, false, &seq, 0.0);
    mi_ctrl_state after = mi_ctrl_state_now(s.c);
    if (before != after) {
      if (after == MI_CTRL_RUN && t_run < 0) t_run = t;
      else if (after == MI_CTRL_RUN) t_run2 = t;
      if (after == MI_CTRL_DEGRADED) t_deg = t;
      if (after == MI_CTRL_SAFE_STOP && t > 0) {
        t_stop = t;
        for (int j = 0; j < N; j++) v_at_stop = fmax(v_at_stop, fabs(s.cmd.qd[j]));
      }
    }
    if (t_stop > 0 && t_rest < 0 && at_rest(&s.cmd)) t_rest = t;
  }
  /* RUN after the settle time of fresh data */
  assert_true(t_run >= 500 * MS && t_run <= 501 * MS);
  /* budgets: plan late at 100 ms, expired at 300 ms, within one period */
  assert_true(t_deg > t_stall + 100 * MS && t_deg <= t_stall + 101 * MS);
  assert_true(t_stop > t_stall + 300 * MS && t_stop <= t_stall + 301 * MS);
  /* the arm was still moving when the stop began, and then stopped in time */
  assert_true(v_at_stop > 0.05);
  assert_true(t_rest > t_stop);
  assert_true(t_rest - t_stop <= (int64_t)(p.stop_time_max * 1e9));
  /* and back to RUN after the settle time of fresh plans */
  assert_true(t_run2 >= t_resume + 500 * MS && t_run2 <= t_resume + 501 * MS);
  /* never over the velocity or acceleration limits */
  assert_true(s.max_v_excess <= 1e-9);
  assert_true(s.max_a_excess <= 1e-6);

  /* the transitions, with reasons, for rt/controller/status */
  mi_ctrl_transition tr[8];
  int n = 0;
  while (n < 8 && mi_ctrl_transition_pop(s.c, &tr[n]) == MI_OK) n++;
  assert_int_equal(n, 4);
  assert_int_equal(tr[0].to, MI_CTRL_RUN);
  assert_int_equal(tr[1].to, MI_CTRL_DEGRADED);
  assert_int_equal(tr[1].reason, MI_CTRL_REASON_INPUT_LATE);
  assert_int_equal(tr[1].input, MI_CTRL_IN_PLAN);
  assert_int_equal(tr[2].to, MI_CTRL_SAFE_STOP);
  assert_int_equal(tr[2].reason, MI_CTRL_REASON_INPUT_EXPIRED);
  assert_int_equal(tr[3].to, MI_CTRL_RUN);
  assert_int_equal(tr[3].reason, MI_CTRL_REASON_RECOVERED);
  mi_ctrl_status st;
  assert_true(mi_ctrl_status_take(s.c, &st));
  assert_int_equal(st.state, MI_CTRL_RUN);
  assert_int_equal(st.transitions, 4);
  assert_int_equal(st.late_count[MI_CTRL_IN_PLAN], 1);
  assert_int_equal(st.expired_count[MI_CTRL_IN_PLAN], 1);
  assert_true(st.plans_accepted > 150);
  assert_int_equal(st.plans_rejected, 0);
  mi_ctrl_destroy(s.c);
}

/* the command says which measurements it came from: the followed plan's
 * source state in RUN only, the joint state the law used in every state */
static void test_command_carries_stamps(void **state) {
  (void)state;
  mi_ctrl_params p = default_params();
  char err[256];
  mi_ctrl *c = mi_ctrl_create(&p, NULL, 0, err, sizeof err);
  assert_non_null(c);
  static mi_ctrl_plan plan;
  mi_ctrl_command cmd;
  bool saw_run = false, saw_stop = false;
  for (int64_t t = 1 * MS; t <= 800 * MS; t += MS) {
    mi_ctrl_joint_state js = {.arrival_ns = t, .stamp_ns = t - 3 * MS, .n = N};
    assert_int_equal(mi_ctrl_submit_joint_state(c, &js), MI_OK);
    if (t % (20 * MS) == 0 && t <= 700 * MS) {
      make_plan(&plan, t, (uint64_t)t, 0.0);
      plan.state_stamp_ns = t - 7 * MS; /* planned from a state 7 ms old */
      assert_int_equal(mi_ctrl_submit_plan(c, &plan, NULL, 0), MI_OK);
    }
    mi_ctrl_zone z = {.arrival_ns = t, .person_present = false};
    mi_ctrl_submit_zone(c, &z);
    mi_ctrl_step(c, t, MS, &cmd);
    assert_true(cmd.state_ns == t - 3 * MS);
    if (cmd.state == MI_CTRL_RUN) {
      saw_run = true;
      /* the newest plan, taken at the last 20 ms mark */
      int64_t last_plan = t / (20 * MS) * (20 * MS);
      if (last_plan > 700 * MS) last_plan = 700 * MS;
      assert_true(cmd.plan_state_ns == last_plan - 7 * MS);
    } else {
      saw_stop = saw_stop || cmd.state == MI_CTRL_SAFE_STOP;
      assert_true(cmd.plan_state_ns == 0);
    }
  }
  assert_true(saw_run && saw_stop);
  mi_ctrl_destroy(c);
}

static void test_nan_plan_rejected(void **state) {
  (void)state;
  mi_ctrl_params p = default_params();
  sim s = {0};
  s.c = mi_ctrl_create(&p, NULL, 0, NULL, 0);
  assert_non_null(s.c);
  s.lim = mi_ctrl_get_limits(s.c);
  uint64_t seq = 0;
  int64_t t = 0;
  for (; t <= 700 * MS; t += MS) tick(&s, t, true, false, &seq, 0.0);
  assert_int_equal(mi_ctrl_state_now(s.c), MI_CTRL_RUN);
  mi_ctrl_status st;
  mi_ctrl_status_take(s.c, &st);
  uint64_t followed = st.plan_seq;
  assert_int_equal(followed, seq);

  static mi_ctrl_plan bad;
  make_plan(&bad, t, 999, 0.0);
  bad.q[3][1] = NAN;
  char err[160] = "";
  assert_int_equal(mi_ctrl_submit_plan(s.c, &bad, err, sizeof err), MI_ERR_REJECTED);
  assert_non_null(strstr(err, "NaN"));
  tick(&s, t, false, false, &seq, 0.0);
  mi_ctrl_status_take(s.c, &st);
  assert_int_equal(st.plans_rejected, 1);
  assert_int_equal(st.plan_seq, followed); /* still the good plan */
  for (int j = 0; j < N; j++) assert_true(isfinite(s.cmd.q[j]) && isfinite(s.cmd.effort[j]));
  mi_ctrl_destroy(s.c);
}

static void test_person_stops(void **state) {
  (void)state;
  mi_ctrl_params p = default_params();
  sim s = {0};
  s.c = mi_ctrl_create(&p, NULL, 0, NULL, 0);
  s.lim = mi_ctrl_get_limits(s.c);
  uint64_t seq = 0;
  int64_t t = 0, t_stop = -1, t_rest = -1;
  for (; t <= 2000 * MS; t += MS) {
    bool person = t >= 1000 * MS && t < 1300 * MS;
    tick(&s, t, true, person, &seq, 0.0);
    if (t_stop < 0 && mi_ctrl_state_now(s.c) == MI_CTRL_SAFE_STOP && t > 600 * MS) t_stop = t;
    if (t_stop > 0 && t_rest < 0 && at_rest(&s.cmd)) t_rest = t;
  }
  assert_int_equal(t_stop, 1000 * MS); /* the zone sample arrives at 1000 ms */
  assert_true(t_rest - t_stop <= (int64_t)(p.stop_time_max * 1e9));
  assert_true(s.max_a_excess <= 1e-6);
  /* clear at 1300 ms, RUN after the settle time (plans kept coming) */
  assert_int_equal(mi_ctrl_state_now(s.c), MI_CTRL_RUN);
  mi_ctrl_status st;
  mi_ctrl_status_take(s.c, &st);
  assert_int_equal(st.state_since_ns, 1300 * MS + 500 * MS);
  mi_ctrl_transition tr;
  assert_int_equal(mi_ctrl_transition_pop(s.c, &tr), MI_OK); /* RUN */
  assert_int_equal(mi_ctrl_transition_pop(s.c, &tr), MI_OK);
  assert_int_equal(tr.reason, MI_CTRL_REASON_PERSON_IN_ZONE);
  mi_ctrl_destroy(s.c);
}

/* plans that disagree with each other every 20 ms: the command stays smooth */
static void test_switches_smooth(void **state) {
  (void)state;
  mi_ctrl_params p = default_params();
  sim s = {0};
  s.c = mi_ctrl_create(&p, NULL, 0, NULL, 0);
  s.lim = mi_ctrl_get_limits(s.c);
  uint64_t seq = 0;
  double max_dq = 0;
  for (int64_t t = 0; t <= 1500 * MS; t += MS) {
    double phase = 0.02 * (double)(t / (20 * MS) % 3); /* each plan a bit off */
    tick(&s, t, true, false, &seq, phase);
    if (t > 600 * MS)
      for (int j = 0; j < N; j++) max_dq = fmax(max_dq, fabs(s.cmd.q[j] - s.prev.q[j]));
  }
  mi_ctrl_status st;
  mi_ctrl_status_take(s.c, &st);
  assert_true(st.plans_switched > 40);
  assert_true(max_dq <= 2.0e-3 + 1e-9); /* velocity limit times the period */
  assert_true(s.max_v_excess <= 1e-9);
  assert_true(s.max_a_excess <= 1e-6);
  mi_ctrl_destroy(s.c);
}

static bool fake_gravity(void *user, const double *q, double *g) {
  (void)user;
  for (int j = 0; j < N; j++) g[j] = 10.0 * cos(q[j]);
  return true;
}

/* M = 2 I, no Coriolis, same gravity */
static bool fake_inverse(void *user, const double *q, const double *qd, const double *qdd,
                         double *tau) {
  (void)qd;
  fake_gravity(user, q, tau);
  for (int j = 0; j < N; j++) tau[j] += 2.0 * qdd[j];
  return true;
}

static void test_control_laws(void **state) {
  (void)state;
  mi_ctrl_dynamics dyn = {.gravity = fake_gravity, .inverse = fake_inverse};
  for (int law = 0; law < 3; law++) {
    mi_ctrl_params p = default_params();
    p.law = law;
    p.effort_max.n = 1;
    p.effort_max.v[0] = 50.0;
    mi_ctrl *c = mi_ctrl_create(&p, &dyn, 0, NULL, 0);
    assert_non_null(c);
    /* measured state away from the hold position */
    mi_ctrl_joint_state js = {.arrival_ns = 0, .n = N, .q = {0.1, 0.2, 0.3}};
    mi_ctrl_submit_joint_state(c, &js);
    mi_ctrl_command cmd;
    mi_ctrl_step(c, 0, MS, &cmd);
    assert_true(cmd.valid);
    assert_int_equal(cmd.state, MI_CTRL_SAFE_STOP);
    js.q[0] = 0.0;  /* now 0.1 rad below the hold position */
    js.qd[1] = 0.5; /* moving */
    js.q[2] = 0.3 - 1.0; /* far away: effort clamps */
    js.arrival_ns = MS;
    mi_ctrl_submit_joint_state(c, &js);
    mi_ctrl_step(c, MS, MS, &cmd);
    double e0 = 100.0 * 0.1, e1 = -20.0 * 0.5;
    if (law == MI_CTRL_LAW_PD) {
      assert_true(fabs(cmd.effort[0] - e0) < 1e-9);
      assert_true(fabs(cmd.effort[1] - e1) < 1e-9);
    } else if (law == MI_CTRL_LAW_PD_GRAVITY) {
      assert_true(fabs(cmd.effort[0] - (e0 + 10.0)) < 1e-9);
      assert_true(fabs(cmd.effort[1] - (e1 + 10.0 * cos(0.2))) < 1e-9);
    } else {
      assert_true(fabs(cmd.effort[0] - (2.0 * e0 + 10.0)) < 1e-9);
      assert_true(fabs(cmd.effort[1] - (2.0 * e1 + 10.0 * cos(0.2))) < 1e-9);
    }
    assert_true(fabs(cmd.effort[2] - 50.0) < 1e-12); /* clamped */
    mi_ctrl_status st;
    mi_ctrl_status_take(c, &st);
    assert_true(st.clamp_effort >= 1);
    mi_ctrl_destroy(c);
  }
}

static void test_params(void **state) {
  (void)state;
  char err[256];
  mi_ctrl_params p = default_params();
  /* every default is valid and the defaults build a controller */
  mi_ctrl *c = mi_ctrl_create(&p, NULL, 0, err, sizeof err);
  assert_non_null(c);
  assert_int_equal(mi_ctrl_n_joints(c), 3);
  mi_ctrl_destroy(c);

  p = default_params();
  p.kp.n = 2;
  assert_null(mi_ctrl_create(&p, NULL, 0, err, sizeof err));
  assert_non_null(strstr(err, "gains.kp"));

  p = default_params();
  p.stop_time_max = 0.1; /* 2 rad/s at 10 rad/s^2 needs 0.2 s */
  assert_null(mi_ctrl_create(&p, NULL, 0, err, sizeof err));
  assert_non_null(strstr(err, "stop.time_max"));

  p = default_params();
  p.law = MI_CTRL_LAW_COMPUTED_TORQUE;
  assert_null(mi_ctrl_create(&p, NULL, 0, err, sizeof err));
  assert_non_null(strstr(err, "computed_torque"));

  p = default_params();
  assert_int_equal(mi_params_set(mi_ctrl_param_table(), &p, "budgets.plan.late_ms", "50", err,
                                 sizeof err),
                   MI_OK);
  assert_true(p.plan_late_ms == 50.0);
  assert_int_equal(mi_params_set(mi_ctrl_param_table(), &p, "law", "computed_torque", err,
                                 sizeof err),
                   MI_OK);
  assert_int_equal(p.law, MI_CTRL_LAW_COMPUTED_TORQUE);
  assert_int_not_equal(
      mi_params_set(mi_ctrl_param_table(), &p, "limits.velocity_max", "[-1]", err, sizeof err),
      MI_OK);
  /* a joint state of the wrong size is rejected */
  p = default_params();
  c = mi_ctrl_create(&p, NULL, 0, err, sizeof err);
  mi_ctrl_joint_state js = {.n = 2};
  assert_int_equal(mi_ctrl_submit_joint_state(c, &js), MI_ERR_REJECTED);
  js.n = 3;
  js.q[1] = NAN;
  assert_int_equal(mi_ctrl_submit_joint_state(c, &js), MI_ERR_REJECTED);
  mi_ctrl_command cmd;
  mi_ctrl_step(c, 0, MS, &cmd);
  assert_false(cmd.valid); /* nothing valid was measured */
  mi_ctrl_status st;
  assert_true(mi_ctrl_status_take(c, &st));
  assert_int_equal(st.joint_states_rejected, 2);
  mi_ctrl_destroy(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stall_degrade_stop_recover),
      cmocka_unit_test(test_nan_plan_rejected),
      cmocka_unit_test(test_command_carries_stamps),
      cmocka_unit_test(test_person_stops),
      cmocka_unit_test(test_switches_smooth),
      cmocka_unit_test(test_control_laws),
      cmocka_unit_test(test_params),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
