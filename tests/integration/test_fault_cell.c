/* tests/integration/test_fault_cell.c - faults injected into a running
 * simulated cell (`mirai launch tests/data/fault_cell.yaml`, lockstep, DDS
 * domain 170), watched over DDS from this process:
 *  - the predictor is killed with SIGKILL: the controller reaches SAFE_STOP
 *    within its plan budget (budgets.plan.expired_ms), the launcher respawns
 *    the predictor, its status comes back and the controller returns to RUN;
 *  - the sim is stopped with SIGSTOP (the sensor stream stalls): the
 *    controller goes DEGRADED after budgets.joint_states.late_ms, then
 *    SAFE_STOP after expired_ms; after SIGCONT it returns to RUN;
 *  - nothing collides: the sim's own counter of contact onsets between an
 *    arm link and anything else (rt/sim/status, collisions) stays 0, and
 *    every 5th joint state the sim publishes is checked exactly against the
 *    cell (worldmodel/verify.h, the predictor's own verifier).
 * Times are taken on this process's monotonic clock at the arrival of
 * rt/controller/status (sent at once on every transition, else every
 * 100 ms), from the moment the signal was sent. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "dds/node.h"
#include "tests/support/test_support.h"
#include "worldmodel/model.h"
#include "worldmodel/verify.h"

#define MIRAI MIRAI_BINARY_DIR "/launch/mirai"
#define DOMAIN 170
#define MS MI_NS_PER_MS

/* the controller budgets of tests/data/fault_cell_params.yaml */
#define PLAN_LATE_MS 100.0
#define PLAN_EXPIRED_MS 300.0
#define JS_LATE_MS 20.0
#define JS_EXPIRED_MS 100.0
/* on top of a budget: one status period (20 ms), the loop's period, DDS
 * delivery and a loaded 2-core VM's scheduling */
#define SLACK_MS 150.0

/* one controller status as it arrived */
typedef struct ctrl_ev {
  int64_t t;      /* arrival, monotonic ns */
  int state, prev;
  uint64_t transitions;
  char reason[160];
} ctrl_ev;

typedef struct cell {
  pid_t launch;
  int fd;
  char out[1 << 18];
  size_t out_len;
  mi_dds_node *n;
  mi_dds_pub *goal;
  int64_t goal_next;
  /* controller statuses */
  ctrl_ev ev[8192];
  int nev;
  /* planner statuses */
  uint64_t pl_statuses, pl_iterations;
  int64_t pl_t;
  /* collisions */
  mi_model *m;
  int dof[7];
  uint64_t js_seen, js_checked, js_colliding;
  char hit[256];
  uint64_t sim_statuses, sim_collisions, sim_steps; /* rt/sim/status */
  /* pids stopped by the test, to resume on failure */
  pid_t stopped;
} cell;

static cell *g_cell;

static void on_ctrl(const mi_msg_controller_status *s, const mi_dds_sample_info *info,
                    void *user) {
  (void)info;
  cell *c = user;
  if (c->nev >= (int)(sizeof c->ev / sizeof c->ev[0])) return;
  ctrl_ev *e = &c->ev[c->nev++];
  e->t = mi_clock_mono_ns();
  e->state = s->state;
  e->prev = s->previous_state;
  e->transitions = s->transitions;
  snprintf(e->reason, sizeof e->reason, "%s", s->reason);
}
MI_DDS_TYPED_CB(on_ctrl, mi_msg_controller_status);

static void on_planner(const mi_msg_planner_status *s, const mi_dds_sample_info *info,
                       void *user) {
  (void)info;
  cell *c = user;
  c->pl_statuses++;
  c->pl_iterations = s->iterations;
  c->pl_t = mi_clock_mono_ns();
}
MI_DDS_TYPED_CB(on_planner, mi_msg_planner_status);

static void on_sim(const mi_msg_sim_status *s, const mi_dds_sample_info *info, void *user) {
  (void)info;
  cell *c = user;
  c->sim_statuses++;
  c->sim_collisions = s->collisions;
  c->sim_steps = s->steps;
}
MI_DDS_TYPED_CB(on_sim, mi_msg_sim_status);

/* every 5th joint state checked against the cell shapes, floor and self */
static void on_js(const mi_msg_joint_state *js, const mi_dds_sample_info *info, void *user) {
  (void)info;
  cell *c = user;
  if (c->js_seen++ % 5 != 0) return;
  double q[MI_WM_MAX_DOF] = {0};
  int found = 0;
  for (uint32_t i = 0; i < js->name._length && i < js->position._length; i++) {
    int d = mi_wm_dof_index(c->m, js->name._buffer[i]);
    if (d >= 0) {
      q[d] = js->position._buffer[i];
      found++;
    }
  }
  if (found != c->m->ndof) return;
  c->js_checked++;
  mi_wm_hit hit;
  if (mi_wm_verify(c->m, q, 1, &hit) == MI_ERR_COLLISION) {
    if (c->js_colliding++ == 0) {
      char why[200];
      mi_wm_hit_describe(c->m, &hit, NULL, why, sizeof why);
      snprintf(c->hit, sizeof c->hit, "%s", why);
    }
  }
}
MI_DDS_TYPED_CB(on_js, mi_msg_joint_state);

static const char *state_name(int s) {
  return s == MI_CTRL_STATE_RUN ? "RUN" : s == MI_CTRL_STATE_DEGRADED ? "DEGRADED" : "SAFE_STOP";
}

/* the launcher's output so far (non-blocking) */
static void drain(cell *c) {
  for (;;) {
    if (c->out_len + 1 >= sizeof c->out) return;
    ssize_t k = read(c->fd, c->out + c->out_len, sizeof c->out - 1 - c->out_len);
    if (k <= 0) return;
    c->out_len += (size_t)k;
    c->out[c->out_len] = '\0';
  }
}

/* the goal again every 0.5 s: a volatile goal is lost by a predictor that
 * was not there (a respawned one), so it is said again, as a cell PLC would */
static void pump(cell *c, int64_t ns) {
  int64_t end = mi_clock_mono_ns() + ns;
  do {
    int64_t now = mi_clock_mono_ns();
    if (now >= c->goal_next) {
      mi_msg_pose_stamped g;
      mi_msg_init(MI_MSG_POSE_STAMPED, &g);
      g.header.frame_id = "world";
      g.pose.position.x = 0.4;
      g.pose.position.z = 0.8;
      assert_int_equal(MI_DDS_PUBLISH(c->goal, &g), MI_OK);
      c->goal_next = now + 500 * MS;
    }
    mi_dds_spin_once(c->n, 5 * MS);
    drain(c);
  } while (mi_clock_mono_ns() < end);
}

static const char *tail(const cell *c) {
  return c->out_len > 3000 ? c->out + c->out_len - 3000 : c->out;
}

/* the last pid the launcher reported for node `name` after byte `from` */
static pid_t pid_of(const cell *c, const char *name, size_t from) {
  char pat[2][64];
  snprintf(pat[0], sizeof pat[0], "started %s (pid ", name);
  snprintf(pat[1], sizeof pat[1], "respawned %s (pid ", name);
  pid_t pid = 0;
  for (int i = 0; i < 2; i++)
    for (const char *p = c->out + from; (p = strstr(p, pat[i])) != NULL; p++)
      pid = (pid_t)atoi(p + strlen(pat[i]));
  return pid;
}

/* index of the first status at or after t0 in state s (-1: none yet) */
static int first_state(const cell *c, int64_t t0, int s) {
  for (int i = 0; i < c->nev; i++)
    if (c->ev[i].t >= t0 && c->ev[i].state == s) return i;
  return -1;
}

/* pump until a status in state s arrives after t0; fails after timeout */
static const ctrl_ev *wait_state(cell *c, int64_t t0, int s, double timeout_s, const char *what) {
  int64_t end = mi_clock_mono_ns() + mi_ns_from_s(timeout_s);
  int i;
  while ((i = first_state(c, t0, s)) < 0) {
    if (mi_clock_mono_ns() > end) {
      const ctrl_ev *l = c->nev ? &c->ev[c->nev - 1] : NULL;
      fail_msg("%s: no %s within %.1f s (last status: %s, reason '%s'; %d statuses)\n"
               "launcher output:\n%s",
               what, state_name(s), timeout_s, l ? state_name(l->state) : "none",
               l ? l->reason : "", c->nev, tail(c));
    }
    pump(c, 10 * MS);
  }
  return &c->ev[i];
}

/* pump until the controller has been in RUN for hold_s without a break */
static void wait_run_held(cell *c, double hold_s, double timeout_s, const char *what) {
  int64_t end = mi_clock_mono_ns() + mi_ns_from_s(timeout_s);
  for (;;) {
    int64_t since = -1;
    for (int i = 0; i < c->nev; i++) {
      if (c->ev[i].state != MI_CTRL_STATE_RUN) since = -1;
      else if (since < 0) since = c->ev[i].t;
    }
    if (since >= 0 && mi_clock_mono_ns() - since >= mi_ns_from_s(hold_s)) return;
    if (mi_clock_mono_ns() > end) {
      const ctrl_ev *l = c->nev ? &c->ev[c->nev - 1] : NULL;
      fail_msg("%s: the controller was not in RUN for %.1f s within %.0f s (last: %s, '%s')\n"
               "launcher output:\n%s",
               what, hold_s, timeout_s, l ? state_name(l->state) : "no status",
               l ? l->reason : "", tail(c));
    }
    pump(c, 20 * MS);
  }
}

static double ms_since(int64_t t0, int64_t t) { return (double)(t - t0) / 1e6; }

/* ---- setup / teardown: one launch for both faults ---- */

static int setup(void **state) {
  static cell c0;
  cell *c = &c0;
  memset(c, 0, sizeof *c);
  g_cell = c;
  char err[256];
  c->m = mi_wm_model_load(MIRAI_SOURCE_DIR "/tests/data/wm_arm7.urdf",
                          MIRAI_SOURCE_DIR "/tests/data/wm_cell.cell.yaml", err, sizeof err);
  if (!c->m) {
    print_error("model: %s\n", err);
    return -1;
  }
  char domain[16];
  snprintf(domain, sizeof domain, "%d", DOMAIN);
  char *argv[] = {"mirai", "launch", "tests/data/fault_cell.yaml", "--domain", domain,
                  "--no-status", NULL};
  c->launch = mi_test_spawn(MIRAI, argv, MIRAI_SOURCE_DIR, &c->fd);
  fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);

  c->n = mi_test_node("fault_watch", DOMAIN);
  mi_dds_sub *s;
  mi_dds_sub_opts so = {.on_sample = on_ctrl__mi_cb, .user = c};
  if (mi_dds_sub_create_std(c->n, MI_TOPIC_CONTROLLER_STATUS, &so, &s) != MI_OK) return -1;
  so.on_sample = on_planner__mi_cb;
  if (mi_dds_sub_create_std(c->n, MI_TOPIC_PLANNER_STATUS, &so, &s) != MI_OK) return -1;
  so.on_sample = on_js__mi_cb;
  if (mi_dds_sub_create_std(c->n, MI_TOPIC_JOINT_STATES, &so, &s) != MI_OK) return -1;
  so.on_sample = on_sim__mi_cb;
  if (mi_dds_sub_create_std(c->n, MI_TOPIC_SIM_STATUS, &so, &s) != MI_OK) return -1;
  if (mi_dds_pub_create_std(c->n, MI_TOPIC_GOAL, &c->goal) != MI_OK) return -1;
  *state = c;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  cell *c = g_cell;
  if (c->stopped > 0) kill(c->stopped, SIGCONT);
  if (c->launch > 0) {
    kill(c->launch, SIGINT);
    int st = 0;
    int64_t end = mi_clock_mono_ns() + 20 * MI_NS_PER_S;
    while (waitpid(c->launch, &st, WNOHANG) == 0) {
      if (mi_clock_mono_ns() > end) {
        kill(c->launch, SIGKILL);
        waitpid(c->launch, &st, 0);
        break;
      }
      drain(c);
      usleep(20000);
    }
    drain(c);
    close(c->fd);
  }
  printf("fault_cell: %llu joint states seen, %llu checked against the cell, %llu in collision%s%s; "
         "sim: %llu statuses, %llu steps, %llu collisions\n",
         (unsigned long long)c->js_seen, (unsigned long long)c->js_checked,
         (unsigned long long)c->js_colliding, c->js_colliding ? ": " : "", c->hit,
         (unsigned long long)c->sim_statuses, (unsigned long long)c->sim_steps,
         (unsigned long long)c->sim_collisions);
  mi_dds_node_destroy(c->n);
  mi_wm_model_free(c->m);
  return 0;
}

/* ---- the faults ---- */

static void test_predictor_killed(void **state) {
  cell *c = *state;
  wait_run_held(c, 1.0, 60.0, "before the kill");
  pid_t victim = pid_of(c, "predictor", 0);
  assert_true(victim > 0);
  uint64_t iters_before = c->pl_iterations;
  size_t out_mark = c->out_len;

  int64_t t0 = mi_clock_mono_ns();
  assert_int_equal(kill(victim, SIGKILL), 0);

  /* the plan stops: DEGRADED (late) then SAFE_STOP (expired) */
  const ctrl_ev *stop = wait_state(c, t0, MI_CTRL_STATE_SAFE_STOP, 5.0, "predictor killed");
  /* (stop points into c->ev, which only grows: it stays valid) */
  int deg = first_state(c, t0, MI_CTRL_STATE_DEGRADED);
  double t_stop = ms_since(t0, stop->t);
  double t_deg = deg >= 0 ? ms_since(t0, c->ev[deg].t) : -1.0;
  printf("predictor SIGKILL: DEGRADED after %.0f ms, SAFE_STOP after %.0f ms (plan budget %.0f ms): "
         "'%s'\n",
         t_deg, t_stop, PLAN_EXPIRED_MS, stop->reason);
  if (!strstr(stop->reason, "plan"))
    fail_msg("SAFE_STOP for another reason than the plan: '%s'", stop->reason);
  if (t_stop > PLAN_EXPIRED_MS + SLACK_MS)
    fail_msg("SAFE_STOP %.0f ms after the kill: over the plan budget %.0f ms (+%.0f ms slack)",
             t_stop, PLAN_EXPIRED_MS, SLACK_MS);
  /* the transition itself cannot precede the budget: the last plan came
   * before the kill */
  assert_true(t_stop >= PLAN_LATE_MS);

  /* the launcher respawns it, its status reappears (a new process: its
   * iteration counter starts again), the controller returns to RUN */
  int64_t end = mi_clock_mono_ns() + 30 * MI_NS_PER_S;
  int64_t t_respawn = 0, t_status = 0;
  while (!t_respawn || !t_status) {
    if (mi_clock_mono_ns() > end)
      fail_msg("predictor not back within 30 s (respawn line %s, new status %s)\n%s",
               t_respawn ? "seen" : "not seen", t_status ? "seen" : "not seen", tail(c));
    pump(c, 10 * MS);
    if (!t_respawn && strstr(c->out + out_mark, "respawned predictor (pid "))
      t_respawn = mi_clock_mono_ns();
    if (!t_status && c->pl_t > t0 && c->pl_iterations < iters_before)
      t_status = mi_clock_mono_ns();
  }
  pid_t again = pid_of(c, "predictor", out_mark);
  assert_true(again > 0 && again != victim);
  const ctrl_ev *run = wait_state(c, stop->t, MI_CTRL_STATE_RUN, 30.0, "after the respawn");
  printf("predictor respawned (pid %d -> %d) after %.0f ms, its status after %.0f ms, "
         "controller RUN after %.0f ms: '%s'\n",
         (int)victim, (int)again, ms_since(t0, t_respawn), ms_since(t0, t_status),
         ms_since(t0, run->t), run->reason);
  /* RUN only from fresh inputs, after the settle time */
  assert_non_null(strstr(run->reason, "fresh"));
  wait_run_held(c, 1.0, 20.0, "after the respawn");
}

static void test_sensor_stall(void **state) {
  cell *c = *state;
  wait_run_held(c, 1.0, 30.0, "before the stall");
  pid_t sim = pid_of(c, "sim", 0);
  assert_true(sim > 0);

  int64_t t0 = mi_clock_mono_ns();
  assert_int_equal(kill(sim, SIGSTOP), 0);
  c->stopped = sim;
  /* hold the stall for 1 s of wall time, then resume */
  const ctrl_ev *stop = wait_state(c, t0, MI_CTRL_STATE_SAFE_STOP, 3.0, "sim stopped");
  int64_t t_stop_ev = stop->t;
  char stop_reason[160];
  snprintf(stop_reason, sizeof stop_reason, "%s", stop->reason);
  int stop_prev = stop->prev;
  int deg = first_state(c, t0, MI_CTRL_STATE_DEGRADED);
  int64_t t_deg_ev = deg >= 0 ? c->ev[deg].t : 0;
  pump(c, t0 + MI_NS_PER_S - mi_clock_mono_ns());
  int64_t t1 = mi_clock_mono_ns();
  assert_int_equal(kill(sim, SIGCONT), 0);
  c->stopped = 0;
  const ctrl_ev *run = wait_state(c, t1, MI_CTRL_STATE_RUN, 20.0, "sim resumed");

  double t_stop = ms_since(t0, t_stop_ev);
  printf("sim SIGSTOP: DEGRADED after %.0f ms (budget %.0f ms), SAFE_STOP after %.0f ms "
         "(budget %.0f ms): '%s'; after SIGCONT RUN in %.0f ms\n",
         deg >= 0 ? ms_since(t0, t_deg_ev) : -1.0, JS_LATE_MS, t_stop, JS_EXPIRED_MS,
         stop_reason, ms_since(t1, run->t));
  /* DEGRADED came first: seen in a status, or as the previous state of the
   * SAFE_STOP one (both transitions within one status period) */
  if (deg < 0 && stop_prev != MI_CTRL_STATE_DEGRADED)
    fail_msg("SAFE_STOP without DEGRADED before it (previous state %s)", state_name(stop_prev));
  if (deg >= 0) assert_true(t_deg_ev <= t_stop_ev);
  if (!strstr(stop_reason, "joint_states"))
    fail_msg("SAFE_STOP for another reason than the joint states: '%s'", stop_reason);
  if (t_stop > JS_EXPIRED_MS + SLACK_MS)
    fail_msg("SAFE_STOP %.0f ms after the sensor stall: over the budget %.0f ms (+%.0f ms slack)",
             t_stop, JS_EXPIRED_MS, SLACK_MS);
  wait_run_held(c, 0.5, 20.0, "after the stall");
}

static void test_nothing_collided(void **state) {
  cell *c = *state;
  pump(c, 200 * MS);
  if (c->js_checked < 100)
    fail_msg("only %llu joint states checked", (unsigned long long)c->js_checked);
  if (c->sim_statuses == 0) fail_msg("no rt/sim/status heard");
  if (c->sim_collisions)
    fail_msg("the sim counted %llu collisions (arm link contact onsets)",
             (unsigned long long)c->sim_collisions);
  if (c->js_colliding)
    fail_msg("%llu of %llu joint states in collision; first: %s",
             (unsigned long long)c->js_colliding, (unsigned long long)c->js_checked, c->hit);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_predictor_killed),
      cmocka_unit_test(test_sensor_stall),
      cmocka_unit_test(test_nothing_collided),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
