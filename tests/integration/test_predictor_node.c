/* tests/integration/test_predictor_node.c - `mirai node predictor` as a
 * process of its own over the loopback DDS default (domains 94-97), fed by
 * a scripted plant in this process on sim time (it publishes rt/clock and
 * rt/joint_states, and waits for the predictor's status at every planning
 * period):
 *  - --help prints the params table; bad params are clear errors;
 *  - with a reach goal, plans are published with the model's joint names and
 *    finite values, and the status names the task;
 *  - bad samples are rejected and counted where they are caught: NaN at the
 *    DDS boundary, a missing joint by the node, beyond the limits, out of
 *    order and a jump by the estimator (status.samples_rejected = 5, and the
 *    node's exit summary says which);
 *  - joint states stop: no plan is published and the status says why;
 *  - SIGINT ends it cleanly (exit 0);
 *  - on the wall clock (domains 96, 97), with joint states every 7 ms, a
 *    cycle waits for the next one after its tick (planning.on_joint_state):
 *    the median age of a plan's state at arrival is well under the 3.5 ms of
 *    planning at the tick. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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

#define MIRAI MIRAI_BINARY_DIR "/launch/mirai"
#define MS MI_NS_PER_MS

/* start mirai with argv (cwd: the source dir), stdout+stderr into *fd_out */
static pid_t start(char *const argv[], int *fd_out) {
  return mi_test_spawn(MIRAI, argv, MIRAI_SOURCE_DIR, fd_out);
}

static void test_help_and_errors(void **state) {
  (void)state;
  static char out[65536];
  int fd;
  char *help[] = {"mirai", "node", "predictor", "--help", NULL};
  pid_t pid = start(help, &fd);
  assert_int_equal(mi_test_finish(pid, fd, out, sizeof out), 0);
  assert_non_null(strstr(out, "planning.joint_state_budget"));
  assert_non_null(strstr(out, "use_sim_time"));
  assert_non_null(strstr(out, "task.start"));
  assert_non_null(strstr(out, "rt/plan"));
  char *nourdf[] = {"mirai", "node", "predictor", "-p", "dds.domain_id:=95", NULL};
  pid = start(nourdf, &fd);
  assert_int_equal(mi_test_finish(pid, fd, out, sizeof out), 1);
  assert_non_null(strstr(out, "model.urdf is not set"));
  char *badp[] = {"mirai", "node", "predictor", "-p", "planning.rate_hz:=-3", NULL};
  pid = start(badp, &fd);
  assert_int_equal(mi_test_finish(pid, fd, out, sizeof out), 2);
  assert_non_null(strstr(out, "planning.rate_hz"));
}

typedef struct probe {
  uint64_t statuses, plans, plan_bad;
  int64_t status_ns;
  uint64_t plans_published, samples_rejected, stale_cycles;
  char reason[256], task[32];
  char names[7][64];
} probe;

static void on_status(const mi_msg_planner_status *m, const mi_dds_sample_info *info, void *user) {
  (void)info;
  probe *p = user;
  p->statuses++;
  p->status_ns = mi_msg_time_to_ns(&m->header.stamp);
  p->plans_published = m->plans_published;
  p->samples_rejected = m->samples_rejected;
  p->stale_cycles = m->stale_cycles;
  snprintf(p->reason, sizeof p->reason, "%s", m->reason);
  snprintf(p->task, sizeof p->task, "%s", m->task);
}
MI_DDS_TYPED_CB(on_status, mi_msg_planner_status);

static void on_plan(const mi_msg_joint_trajectory *m, const mi_dds_sample_info *info, void *user) {
  (void)info;
  probe *p = user;
  p->plans++;
  if (m->joint_names._length != 7 || m->points._length < 2) {
    p->plan_bad++;
    return;
  }
  for (int i = 0; i < 7; i++)
    if (strcmp(m->joint_names._buffer[i], p->names[i]) != 0) p->plan_bad++;
  for (uint32_t k = 0; k < m->points._length; k++)
    for (uint32_t j = 0; j < m->points._buffer[k].positions._length; j++)
      if (!isfinite(m->points._buffer[k].positions._buffer[j])) p->plan_bad++;
}
MI_DDS_TYPED_CB(on_plan, mi_msg_joint_trajectory);

typedef struct plant {
  mi_dds_node *n;
  mi_dds_pub *clock, *js;
  probe pr;
  char *names[7];
  int64_t t_ns;
} plant;

static void pub_clock(plant *pl) {
  mi_msg_clock c;
  mi_msg_init(MI_MSG_CLOCK, &c);
  c.clock = mi_msg_time_from_ns(pl->t_ns);
  assert_int_equal(MI_DDS_PUBLISH(pl->clock, &c), MI_OK);
}

static void pub_js(plant *pl, int64_t stamp_ns, int nnames, const double *q) {
  mi_msg_joint_state js;
  mi_msg_init(MI_MSG_JOINT_STATE, &js);
  js.header.stamp = mi_msg_time_from_ns(stamp_ns);
  double qd[7] = {0};
  js.name = MI_MSG_SEQ(__typeof__(js.name), pl->names, nnames);
  js.position = MI_MSG_SEQ(dds_sequence_double, (double *)q, nnames);
  js.velocity = MI_MSG_SEQ(dds_sequence_double, qd, nnames);
  assert_int_equal(MI_DDS_PUBLISH(pl->js, &js), MI_OK);
}

/* advance 2 ms of sim time; at a 20 ms boundary wait for that status */
static void step(plant *pl) {
  pl->t_ns += 2 * MS;
  pub_clock(pl);
  if (pl->t_ns % (20 * MS) != 0) {
    while (mi_dds_spin_once(pl->n, 0) == MI_OK) {
    }
    return;
  }
  int64_t end = mi_clock_mono_ns() + 20 * MI_NS_PER_S, again = mi_clock_mono_ns() + 50 * MS;
  while (pl->pr.statuses == 0 || pl->pr.status_ns < pl->t_ns) {
    if (mi_clock_mono_ns() > end) fail_msg("no status for %.3f s", mi_s_from_ns(pl->t_ns));
    if (mi_clock_mono_ns() > again) { /* best effort: say the time again */
      pub_clock(pl);
      again = mi_clock_mono_ns() + 50 * MS;
    }
    mi_dds_spin_once(pl->n, 2 * MS);
  }
}

/* a reach goal in front of the arm */
static mi_msg_pose_stamped reach_goal(void) {
  mi_msg_pose_stamped g;
  mi_msg_init(MI_MSG_POSE_STAMPED, &g);
  g.header.frame_id = "world";
  g.pose.position.x = 0.4;
  g.pose.position.z = 0.8;
  return g;
}

static void test_process(void **state) {
  (void)state;
  const int domain = 94;
  int fd;
  char *argv[] = {"mirai", "node", "predictor", "-p", "model.urdf:=tests/data/wm_arm7.urdf",
                  "-p", "model.cell:=tests/data/wm_cell.cell.yaml", "-p", "use_sim_time:=true",
                  "-p", "dds.domain_id:=94", "-p", "planner.K:=128", "-p", "planner.H:=25",
                  "-p", "planner.threads:=1", "-p", "rollout.substeps:=4", NULL};
  pid_t pid = start(argv, &fd);

  plant pl;
  memset(&pl, 0, sizeof pl);
  static const char *const jn[7] = {"joint1", "joint2", "joint3", "joint4",
                                    "joint5", "joint6", "joint7"};
  for (int i = 0; i < 7; i++) {
    pl.names[i] = (char *)jn[i];
    snprintf(pl.pr.names[i], sizeof pl.pr.names[i], "%s", jn[i]);
  }
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "plant");
  o.dds.domain_id = domain;
  char err[256];
  assert_int_equal(mi_dds_node_create(&o, &pl.n, err, sizeof err), MI_OK);
  mi_dds_pub *goal;
  assert_int_equal(mi_dds_pub_create_std(pl.n, MI_TOPIC_CLOCK, &pl.clock), MI_OK);
  assert_int_equal(mi_dds_pub_create_std(pl.n, MI_TOPIC_JOINT_STATES, &pl.js), MI_OK);
  assert_int_equal(mi_dds_pub_create_std(pl.n, MI_TOPIC_GOAL, &goal), MI_OK);
  mi_dds_sub_opts so = {.on_sample = on_status__mi_cb, .user = &pl.pr};
  mi_dds_sub *s;
  assert_int_equal(mi_dds_sub_create_std(pl.n, MI_TOPIC_PLANNER_STATUS, &so, &s), MI_OK);
  so.on_sample = on_plan__mi_cb;
  mi_dds_sub *plan_sub;
  assert_int_equal(mi_dds_sub_create_std(pl.n, MI_TOPIC_PLAN, &so, &plan_sub), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(pl.clock, 1, 20 * MI_NS_PER_S), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(pl.js, 1, 20 * MI_NS_PER_S), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(goal, 1, 20 * MI_NS_PER_S), MI_OK);
  assert_int_equal(mi_dds_sub_wait_matched(plan_sub, 1, 20 * MI_NS_PER_S), MI_OK);

  mi_msg_pose_stamped g = reach_goal();
  assert_int_equal(MI_DDS_PUBLISH(goal, &g), MI_OK);
  (void)mi_dds_pub_wait_acked(goal, 1 * MI_NS_PER_S);

  /* 1 s of good joint states with bad ones in between */
  const double q0[7] = {0, -0.3, 0, -2.0, 0, 1.8, 0.8}; /* a ready pose */
  double bad[7];
  for (int k = 1; k <= 500; k++) {
    step(&pl);
    /* a volatile goal written before the far reader matched is lost: say it
     * again until the status shows it arrived, as a cell PLC would */
    if (k % 10 == 0 && strcmp(pl.pr.task, "reach") != 0)
      assert_int_equal(MI_DDS_PUBLISH(goal, &g), MI_OK);
    switch (k) {
      case 101: /* NaN: the DDS boundary */
        memcpy(bad, q0, sizeof bad);
        bad[2] = NAN;
        pub_js(&pl, pl.t_ns, 7, bad);
        break;
      case 151: /* 6 of 7 joints: the node */
        pub_js(&pl, pl.t_ns, 6, q0);
        break;
      case 201: /* beyond joint1's limit: the estimator */
        memcpy(bad, q0, sizeof bad);
        bad[0] = 10.0;
        pub_js(&pl, pl.t_ns, 7, bad);
        break;
      case 251: /* older than the last accepted: the estimator */
        pub_js(&pl, pl.t_ns - 100 * MS, 7, q0);
        break;
      case 301: /* a jump within the limits: the estimator */
        memcpy(bad, q0, sizeof bad);
        bad[3] = q0[3] + 0.6;
        pub_js(&pl, pl.t_ns, 7, bad);
        break;
      default:
        /* the reader keeps the last sample only: no good sample may
         * overwrite a bad one before the predictor took it, so none for
         * the rest of that planning period */
        if (k < 101 || k > 310 || k % 50 > 10) pub_js(&pl, pl.t_ns, 7, q0);
    }
  }

  printf("predictor process: %llu plans received, %llu published, %llu samples rejected, "
         "task %s\n",
         (unsigned long long)pl.pr.plans, (unsigned long long)pl.pr.plans_published,
         (unsigned long long)pl.pr.samples_rejected, pl.pr.task);
  assert_true(pl.pr.plans_published > 20);
  assert_true(pl.pr.plans > 20);
  assert_int_equal(pl.pr.plan_bad, 0);
  assert_string_equal(pl.pr.task, "reach");
  assert_int_equal(pl.pr.samples_rejected, 5);

  /* joint states stop: no plan, and the status says why */
  for (int k = 0; k < 150; k++) step(&pl);
  printf("stale: '%s', %llu stale cycles\n", pl.pr.reason,
         (unsigned long long)pl.pr.stale_cycles);
  assert_non_null(strstr(pl.pr.reason, "stale"));
  assert_true(pl.pr.stale_cycles >= 8);
  uint64_t published_when_stale = pl.pr.plans_published;
  for (int k = 0; k < 50; k++) step(&pl);
  assert_int_equal(pl.pr.plans_published, published_when_stale);

  kill(pid, SIGINT);
  static char out[1 << 16];
  assert_int_equal(mi_test_finish(pid, fd, out, sizeof out), 0);
  assert_non_null(strstr(out, "rejected: 1 dds, 1 names, 0 frames, 0 zones, 0 goals, 3 estimator"));
  mi_dds_node_destroy(pl.n);
}

/* ---- on the wall clock: cycles start at a fresh joint state ---- */

typedef struct ages {
  mi_dds_node *n;
  int64_t age_ns[512]; /* plan arrival - the stamp of the state it planned from */
  int nplans;
} ages;

static void on_plan_age(const mi_msg_joint_trajectory *m, const mi_dds_sample_info *info,
                        void *user) {
  (void)info;
  ages *a = user;
  if (a->nplans < (int)(sizeof a->age_ns / sizeof a->age_ns[0]))
    a->age_ns[a->nplans++] = mi_dds_node_now(a->n) - mi_msg_time_to_ns(&m->header.stamp);
}
MI_DDS_TYPED_CB(on_plan_age, mi_msg_joint_trajectory);

static int cmp_i64(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return (a > b) - (a < b);
}

/* the median age of the plans while joint states come every 7 ms for 3 s */
static double median_plan_age_ms(int domain, bool on_joint_state) {
  char dom[32], mode[48];
  snprintf(dom, sizeof dom, "dds.domain_id:=%d", domain);
  snprintf(mode, sizeof mode, "planning.on_joint_state:=%s", on_joint_state ? "true" : "false");
  char *argv[] = {"mirai", "node", "predictor", "-p", "model.urdf:=tests/data/wm_arm7.urdf",
                  "-p", dom, "-p", mode, "-p", "planner.K:=64", "-p", "planner.H:=16",
                  "-p", "planner.threads:=1", NULL};
  int fd;
  pid_t pid = start(argv, &fd);
  static ages a;
  memset(&a, 0, sizeof a);
  a.n = mi_test_node("plant", domain);
  mi_dds_pub *js, *goal;
  assert_int_equal(mi_dds_pub_create_std(a.n, MI_TOPIC_JOINT_STATES, &js), MI_OK);
  assert_int_equal(mi_dds_pub_create_std(a.n, MI_TOPIC_GOAL, &goal), MI_OK);
  mi_dds_sub_opts so = {.on_sample = on_plan_age__mi_cb, .user = &a};
  mi_dds_sub *plans;
  assert_int_equal(mi_dds_sub_create_std(a.n, MI_TOPIC_PLAN, &so, &plans), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(js, 1, 20 * MI_NS_PER_S), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(goal, 1, 20 * MI_NS_PER_S), MI_OK);
  assert_int_equal(mi_dds_sub_wait_matched(plans, 1, 20 * MI_NS_PER_S), MI_OK);
  mi_msg_pose_stamped g = reach_goal();
  static const char *const jn[7] = {"joint1", "joint2", "joint3", "joint4",
                                    "joint5", "joint6", "joint7"};
  const double q0[7] = {0, -0.3, 0, -2.0, 0, 1.8, 0.8}, qd[7] = {0};
  int64_t end = mi_clock_mono_ns() + 3 * MI_NS_PER_S, next = mi_clock_mono_ns();
  for (int k = 0; mi_clock_mono_ns() < end; k++) {
    if (k % 25 == 0) assert_int_equal(MI_DDS_PUBLISH(goal, &g), MI_OK); /* volatile: again */
    mi_msg_joint_state m;
    mi_msg_init(MI_MSG_JOINT_STATE, &m);
    m.header.stamp = mi_msg_time_from_ns(mi_dds_node_now(a.n));
    m.name = MI_MSG_SEQ(__typeof__(m.name), (char **)jn, 7);
    m.position = MI_MSG_SEQ(dds_sequence_double, (double *)q0, 7);
    m.velocity = MI_MSG_SEQ(dds_sequence_double, (double *)qd, 7);
    assert_int_equal(MI_DDS_PUBLISH(js, &m), MI_OK);
    next += 7 * MS; /* against the 20 ms ticks: every phase in turn */
    while (mi_clock_mono_ns() < next) mi_dds_spin_once(a.n, next - mi_clock_mono_ns());
  }
  kill(pid, SIGINT);
  static char out[1 << 16];
  assert_int_equal(mi_test_finish(pid, fd, out, sizeof out), 0);
  mi_dds_node_destroy(a.n);
  if (a.nplans < 40) fail_msg("%d plans in 3 s (on_joint_state %d)", a.nplans, on_joint_state);
  qsort(a.age_ns, (size_t)a.nplans, sizeof a.age_ns[0], cmp_i64);
  return (double)a.age_ns[a.nplans / 2] / 1e6;
}

/* With joint states every 7 ms and a plan every 20 ms, a cycle at its tick
 * plans from a sample 0-7 ms old (3.5 ms at the median); waiting for
 * the next sample makes it only its transport old. */
static void test_fresh_state(void **state) {
  (void)state;
  double on = median_plan_age_ms(96, true), off = median_plan_age_ms(97, false);
  printf("median plan age at arrival: %.2f ms planning from the next joint state, %.2f ms "
         "at the tick\n",
         on, off);
  assert_true(on + 1.5 < off);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_help_and_errors),
      cmocka_unit_test(test_process),
      cmocka_unit_test(test_fresh_state),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
