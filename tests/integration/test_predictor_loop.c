/* tests/integration/test_predictor_loop.c - the predictor node in closed loop
 * with the simulated cell over DDS, in lockstep (domains 91-93).
 *
 * Three nodes in this process, one DDS domain: the sim node (sim/node.h,
 * Bullet, lockstep, stepped by the test), the predictor node
 * (worldmodel/predictor_node.h, use_sim_time, spinning on a thread of its
 * own: its cycle timer runs on rt/clock) and the test's "cell" node, which
 * stands in for the controller: it follows rt/plan (linear interpolation of
 * the positions at sim time) with position commands on rt/joint_commands,
 * which the sim's joint servos track, and publishes rt/goal and
 * rt/teleop/twist. Lockstep: at every planning period of sim time the test
 * waits for the predictor's rt/planner/status of that instant (and its
 * plan, when one was published) before it steps on, so the run does not
 * depend on how fast this machine plans. (The controller node runs its loop
 * on the monotonic clock, so it cannot sit in a lockstep loop.)
 *
 * Every joint state the plant publishes is checked with libccd
 * (mi_wm_verify: fixtures, belt, zones, floor, self) and with finite values.
 *  - reach: a pose goal is reached within 0.05 m in 4 s of sim time;
 *  - teleop into the table: a twist straight down over the table is stopped
 *    short (stops published, the reason names the table, the tool stays
 *    above the table top and comes to rest);
 *  - pick: the tool meets the moving part's approach point (within 0.06 m
 *    of the point task.approach_height above the part as the sim reports it).
 */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
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
#include "dds/node.h"
#include "sim/node.h"
#include "worldmodel/predictor_node.h"
#include "worldmodel/verify.h"

#define DATA MIRAI_SOURCE_DIR "/tests/data/"
#define MS MI_NS_PER_MS
#define CYCLE_MS 20

/* joint servo gains of the plant, told to the predictor's rollouts */
static const double k_kp[7] = {300, 300, 300, 300, 50, 50, 20};
static const double k_kd[7] = {20, 20, 20, 20, 3, 2, 0.5};

/* ---- the test's node: plan follower and observer ---- */

typedef struct cell {
  const mi_model *m; /* the sim's model */
  int n;
  char *names[MI_WM_MAX_DOF];
  /* the latest plan */
  bool have_plan;
  int64_t plan_t0_ns;
  int npoints;
  double t[MI_PRED_MAX_POINTS];
  double q[MI_PRED_MAX_POINTS][MI_WM_MAX_DOF];
  uint64_t plans, plan_nonfinite;
  /* the latest status */
  uint64_t statuses;
  int64_t status_ns;
  mi_msg_planner_status st; /* strings copied below */
  char reason[256], task[32];
  uint64_t stops_seen;
  bool reason_table;
  /* the cost breakdown of the latest status (its sequences are not kept) */
  uint32_t nterms, terms_bad;
  double terms_sum, ee_pos_term;
  /* the plant as published */
  uint64_t js;
  double q_now[MI_WM_MAX_DOF], qd_now[MI_WM_MAX_DOF];
  int collisions, nonfinite;
  /* parts as published */
  int nparts;
  double part[16][3];
} cell;

static void on_plan(const mi_msg_joint_trajectory *m, const mi_dds_sample_info *info,
                    void *user) {
  (void)info;
  cell *c = user;
  c->plans++;
  int col[MI_WM_MAX_DOF];
  for (int j = 0; j < c->n; j++) {
    col[j] = -1;
    for (uint32_t i = 0; i < m->joint_names._length; i++)
      if (!strcmp(m->joint_names._buffer[i], c->names[j])) col[j] = (int)i;
    assert_true(col[j] >= 0);
  }
  assert_true(m->points._length >= 1 && m->points._length <= MI_PRED_MAX_POINTS);
  c->npoints = (int)m->points._length;
  c->plan_t0_ns = mi_msg_time_to_ns(&m->header.stamp);
  for (int k = 0; k < c->npoints; k++) {
    const mi_msg_joint_trajectory_point *p = &m->points._buffer[k];
    c->t[k] = mi_s_from_ns(mi_msg_duration_to_ns(&p->time_from_start));
    for (int j = 0; j < c->n; j++) {
      c->q[k][j] = p->positions._buffer[col[j]];
      if (!isfinite(c->q[k][j]) || !isfinite(p->velocities._buffer[col[j]]) ||
          !isfinite(p->effort._buffer[col[j]]))
        c->plan_nonfinite++;
    }
  }
  c->have_plan = true;
}
MI_DDS_TYPED_CB(on_plan, mi_msg_joint_trajectory);

static void on_status(const mi_msg_planner_status *m, const mi_dds_sample_info *info,
                      void *user) {
  (void)info;
  cell *c = user;
  c->statuses++;
  c->status_ns = mi_msg_time_to_ns(&m->header.stamp);
  c->st = *m;
  snprintf(c->reason, sizeof c->reason, "%s", m->reason);
  snprintf(c->task, sizeof c->task, "%s", m->task);
  c->st.reason = c->reason;
  c->st.task = c->task;
  c->st.planner = c->st.backend = NULL;
  c->nterms = m->cost_terms._length;
  c->terms_sum = 0.0;
  c->ee_pos_term = -1.0;
  if (m->cost_values._length != m->cost_terms._length) c->terms_bad++;
  for (uint32_t i = 0; i < m->cost_terms._length && i < m->cost_values._length; i++) {
    c->terms_sum += m->cost_values._buffer[i];
    if (!strcmp(m->cost_terms._buffer[i], "ee_pos")) c->ee_pos_term = m->cost_values._buffer[i];
  }
  if (m->learner_mass_scale._length != (m->learner_in_rollouts ? (uint32_t)c->n : 0u))
    c->terms_bad++;
  memset(&c->st.cost_terms, 0, sizeof c->st.cost_terms);
  memset(&c->st.cost_values, 0, sizeof c->st.cost_values);
  memset(&c->st.learner_mass_scale, 0, sizeof c->st.learner_mass_scale);
  if (m->stops > c->stops_seen) {
    c->stops_seen = m->stops;
    if (strstr(m->reason, "table")) c->reason_table = true;
  }
}
MI_DDS_TYPED_CB(on_status, mi_msg_planner_status);

static void on_js(const mi_msg_joint_state *m, const mi_dds_sample_info *info, void *user) {
  (void)info;
  cell *c = user;
  c->js++;
  for (int j = 0; j < c->n; j++) {
    c->q_now[j] = m->position._buffer[j];
    c->qd_now[j] = m->velocity._buffer[j];
    if (!isfinite(c->q_now[j])) c->nonfinite++;
  }
  if (mi_wm_verify(c->m, c->q_now, 1, NULL) != MI_OK) c->collisions++;
}
MI_DDS_TYPED_CB(on_js, mi_msg_joint_state);

static void on_parts(const mi_msg_pose_array *m, const mi_dds_sample_info *info, void *user) {
  (void)info;
  cell *c = user;
  c->nparts = m->poses._length < 16 ? (int)m->poses._length : 16;
  for (int i = 0; i < c->nparts; i++) {
    c->part[i][0] = m->poses._buffer[i].position.x;
    c->part[i][1] = m->poses._buffer[i].position.y;
    c->part[i][2] = m->poses._buffer[i].position.z;
  }
}
MI_DDS_TYPED_CB(on_parts, mi_msg_pose_array);

/* the plan's position reference at sim time t_ns */
static void plan_ref(const cell *c, int64_t t_ns, double *qr) {
  double t = mi_s_from_ns(t_ns - c->plan_t0_ns);
  int i = 0;
  while (i + 1 < c->npoints && c->t[i + 1] <= t) i++;
  if (i + 1 >= c->npoints || t <= c->t[0]) {
    memcpy(qr, c->q[t <= c->t[0] ? 0 : c->npoints - 1], sizeof(double) * (size_t)c->n);
    return;
  }
  double f = (t - c->t[i]) / (c->t[i + 1] - c->t[i]);
  for (int j = 0; j < c->n; j++) qr[j] = c->q[i][j] + f * (c->q[i + 1][j] - c->q[i][j]);
}

/* ---- the rig ---- */

typedef struct rig {
  mi_sim_node *sim;
  mi_pred_node *pred;
  pthread_t pred_thread;
  mi_dds_node *tn;
  mi_dds_pub *cmd, *goal, *twist;
  cell c;
  mi_model *fk; /* the same model, for tool positions in the test */
  mi_predictor *fkp;
  uint64_t cmds;
  int64_t t_ns;
  double q0[7];
} rig;

static void *pred_main(void *arg) {
  (void)mi_pred_node_spin(arg);
  return NULL;
}

static void tool_pos(rig *r, const double *q, double p[3]) {
  mi_predictor_tool_position(r->fkp, q, p);
}

static void pred_params(mi_pred_node_params *p, int domain) {
  char err[256];
  assert_int_equal(mi_pred_node_params_defaults(p, err, sizeof err), MI_OK);
  snprintf(p->core.urdf, sizeof p->core.urdf, "%s", DATA "wm_arm7.urdf");
  snprintf(p->core.cell, sizeof p->core.cell, "%s", DATA "wm_cell.cell.yaml");
  p->core.planner.K = 256;
  p->core.planner.H = 25;
  p->core.planner.threads = 2;
  p->core.planner.block = 32;
  p->core.planner.iterations = 3;
  p->core.planner.substeps = 4;
  p->core.learner.substeps = 20;
  p->core.planner.kp.n = p->core.planner.kd.n = 7;
  for (int j = 0; j < 7; j++) {
    p->core.planner.kp.v[j] = k_kp[j];
    p->core.planner.kd.v[j] = k_kd[j];
  }
  p->dds.domain_id = domain;
  p->dds.use_sim_time = true;
  if (getenv("LOOP_NOGRAV")) p->core.planner.gravity_comp = false;
}

/* a collision-free configuration whose tool lies in a box */
static bool find_q(rig *r, uint32_t seed, const double lo[3], const double hi[3], double *q) {
  const mi_model *m = r->fk;
  mi_philox_key key = mi_philox_key_from_seed(seed);
  for (uint32_t i = 0; i < 20000; i++) {
    for (int j0 = 0; j0 < m->ndof; j0 += 4) {
      float u[4];
      mi_philox_uniform4f(mi_philox_ctr_make(i, (uint32_t)j0, 0, 0), key, u);
      for (int j = j0; j < j0 + 4 && j < m->ndof; j++) {
        double mid = 0.5 * (m->dyn.lower[j] + m->dyn.upper[j]);
        double half = 0.5 * (m->dyn.upper[j] - m->dyn.lower[j]);
        q[j] = mid + 0.7 * half * (2.0 * u[j - j0] - 1.0);
      }
    }
    double p[3];
    tool_pos(r, q, p);
    bool in = true;
    for (int k = 0; k < 3; k++) in = in && p[k] >= lo[k] && p[k] <= hi[k];
    if (in && mi_wm_verify(m, q, 1, NULL) == MI_OK) return true;
  }
  return false;
}

/* the FK helper first (to choose q0), then the nodes */
static void rig_fk(rig *r) {
  memset(r, 0, sizeof *r);
  mi_pred_node_params p;
  pred_params(&p, 0);
  p.core.planner.K = 64;
  p.core.planner.threads = 1;
  char err[512] = "";
  mi_status st = mi_predictor_create(&p.core, &r->fkp, err, sizeof err);
  if (st != MI_OK) fail_msg("predictor: %s", err);
  r->fk = (mi_model *)mi_predictor_model(r->fkp);
}

static void rig_start(rig *r, int domain, const double *q0, int start_task, double parts_first_s) {
  char err[512] = "";
  memcpy(r->q0, q0, sizeof r->q0);
  /* the plant */
  mi_sim_params sp;
  assert_int_equal(mi_sim_params_defaults(&sp, err, sizeof err), MI_OK);
  snprintf(sp.urdf, sizeof sp.urdf, "%s", DATA "wm_arm7.urdf");
  snprintf(sp.cell, sizeof sp.cell, "%s", DATA "wm_cell.cell.yaml");
  sp.time_mode = MI_SIM_TIME_LOCKSTEP;
  sp.dds.domain_id = domain;
  sp.wrench_hz = 100;
  sp.joint_states_hz = 500;
  sp.part_poses_hz = 50;
  sp.latency_part_poses_ms = 0;
  sp.latency_part_poses_jitter_ms = 0;
  sp.dropout_part_poses = 0;
  sp.parts_first_s = parts_first_s;
  sp.parts_interval_s = 100;
  sp.parts_lateral_m = 0;
  sp.initial_q.n = 7;
  sp.position_kp.n = sp.position_kd.n = 7;
  for (int j = 0; j < 7; j++) {
    sp.initial_q.v[j] = q0[j];
    sp.position_kp.v[j] = k_kp[j];
    sp.position_kd.v[j] = k_kd[j];
  }
  if (getenv("LOOP_NOGRAV")) sp.gravity_comp = false;
  mi_status st = mi_sim_node_create(&sp, &r->sim, err, sizeof err);
  if (st != MI_OK) fail_msg("sim: %s", err);
  /* the predictor */
  mi_pred_node_params pp;
  pred_params(&pp, domain);
  pp.start_task = start_task;
  st = mi_pred_node_create(&pp, &r->pred, err, sizeof err);
  if (st != MI_OK) fail_msg("predictor: %s", err);
  /* the cell: follower and observer */
  cell *c = &r->c;
  c->m = mi_sim_node_model(r->sim);
  c->n = c->m->ndof;
  for (int j = 0; j < c->n; j++) c->names[j] = (char *)c->m->joint[c->m->dof_joint[j]].name;
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "cell");
  o.dds.domain_id = domain;
  assert_int_equal(mi_dds_node_create(&o, &r->tn, err, sizeof err), MI_OK);
  mi_dds_sub_opts so = {.on_sample = on_plan__mi_cb, .user = c};
  mi_dds_sub *s;
  assert_int_equal(mi_dds_sub_create_std(r->tn, MI_TOPIC_PLAN, &so, &s), MI_OK);
  so.on_sample = on_status__mi_cb;
  assert_int_equal(mi_dds_sub_create_std(r->tn, MI_TOPIC_PLANNER_STATUS, &so, &s), MI_OK);
  so.on_sample = on_js__mi_cb;
  assert_int_equal(mi_dds_sub_create_std(r->tn, MI_TOPIC_JOINT_STATES, &so, &s), MI_OK);
  so.on_sample = on_parts__mi_cb;
  assert_int_equal(mi_dds_sub_create_std(r->tn, MI_TOPIC_PART_POSES, &so, &s), MI_OK);
  assert_int_equal(mi_dds_pub_create_std(r->tn, MI_TOPIC_JOINT_COMMANDS, &r->cmd), MI_OK);
  assert_int_equal(mi_dds_pub_create_std(r->tn, MI_TOPIC_GOAL, &r->goal), MI_OK);
  assert_int_equal(mi_dds_pub_create_std(r->tn, MI_TOPIC_TELEOP_TWIST, &r->twist), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(r->cmd, 1, 5 * MI_NS_PER_S), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(r->goal, 1, 5 * MI_NS_PER_S), MI_OK);
  memcpy(c->q_now, q0, sizeof(double) * 7);
  assert_int_equal(pthread_create(&r->pred_thread, NULL, pred_main, r->pred), 0);
}

static void rig_stop(rig *r) {
  mi_pred_node_stop(r->pred);
  pthread_join(r->pred_thread, NULL);
  mi_pred_node_destroy(r->pred);
  mi_dds_node_destroy(r->tn);
  mi_sim_node_destroy(r->sim);
  mi_predictor_destroy(r->fkp);
}

/* spin the test node until cond holds or 10 s pass */
#define SPIN_UNTIL(r, cond)                                                    \
  do {                                                                         \
    int64_t end_ = mi_clock_mono_ns() + 10 * MI_NS_PER_S;                      \
    while (!(cond)) {                                                          \
      if (mi_clock_mono_ns() > end_) fail_msg("timed out waiting for " #cond); \
      mi_dds_spin_once((r)->tn, 1 * MS);                                       \
    }                                                                          \
  } while (0)

/* one physics step: command the plan's reference, step, and at every
 * planning period wait for the predictor's answer */
static void rig_step(rig *r) {
  cell *c = &r->c;
  double qr[MI_WM_MAX_DOF];
  if (c->have_plan)
    plan_ref(c, r->t_ns, qr);
  else
    memcpy(qr, r->q0, sizeof(double) * 7);
  mi_msg_joint_state js;
  mi_msg_init(MI_MSG_JOINT_STATE, &js);
  js.header.stamp = mi_msg_time_from_ns(r->t_ns);
  js.name = MI_MSG_SEQ(__typeof__(js.name), c->names, c->n);
  js.position = MI_MSG_SEQ(dds_sequence_double, qr, c->n);
  assert_int_equal(MI_DDS_PUBLISH(r->cmd, &js), MI_OK);
  r->cmds++;
  {
    mi_dds_counters k = {0};
    int64_t end = mi_clock_mono_ns() + 5 * MI_NS_PER_S;
    for (;;) {
      mi_dds_node_counters(mi_sim_node_dds(r->sim), &k);
      if (k.in + k.rejected >= r->cmds) break;
      if (mi_clock_mono_ns() > end) fail_msg("the sim did not take command %llu",
                                             (unsigned long long)r->cmds);
      mi_sim_node_spin_some(r->sim, 1 * MS);
    }
  }
  assert_int_equal(mi_sim_node_step(r->sim), MI_OK);
  /* the step published rt/clock = t (then its samples) */
  int64_t t = r->t_ns;
  r->t_ns += MS;
  while (mi_dds_spin_once(r->tn, 0) == MI_OK) {
  }
  if (t > 0 && t % (CYCLE_MS * MS) == 0) {
    uint64_t before = c->st.plans_published;
    SPIN_UNTIL(r, c->statuses > 0 && c->status_ns >= t);
    /* a plan is stamped with the joint state it was planned from (a step or
     * two before t; the previous cycle's is a whole cycle older) */
    if (c->st.plans_published > before)
      SPIN_UNTIL(r, c->have_plan && c->plan_t0_ns > t - CYCLE_MS * MS / 2);
  }
}

static double dist3(const double a[3], const double b[3]) {
  return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
              (a[2] - b[2]) * (a[2] - b[2]));
}

/* ---- tests ---- */

static void test_reach(void **state) {
  (void)state;
  rig r;
  rig_fk(&r);
  double q0[7], qg[7], g[3];
  const double lo[3] = {0.2, -0.3, 0.6}, hi[3] = {0.6, 0.3, 1.0};
  assert_true(find_q(&r, 3, lo, hi, q0));
  assert_true(find_q(&r, 4, lo, hi, qg));
  tool_pos(&r, qg, g);
  rig_start(&r, 91, q0, 0, 1000.0);
  mi_msg_pose_stamped goal;
  mi_msg_init(MI_MSG_POSE_STAMPED, &goal);
  goal.header.frame_id = "world";
  goal.pose.position.x = g[0];
  goal.pose.position.y = g[1];
  goal.pose.position.z = g[2];
  assert_int_equal(MI_DDS_PUBLISH(r.goal, &goal), MI_OK);
  int64_t w0 = mi_clock_mono_ns();
  while (r.t_ns < 4000 * MS) {
    rig_step(&r);
    if (getenv("PRED2_TRACE") && r.t_ns % (250 * MS) == 0) {
      double pt[3];
      tool_pos(&r, r.c.q_now, pt);
      printf("t %.2f d %.3f view %.3f cost %.3f\n", mi_s_from_ns(r.t_ns), dist3(pt, g),
             r.c.st.tool_to_goal, r.c.st.best_cost);
    }
  }
  double p[3];
  tool_pos(&r, r.c.q_now, p);
  double d = dist3(p, g);
  printf("reach over DDS (sim lockstep): tool %.3f m from the goal after 4 s of sim time, "
         "%llu plans, %llu rejected, solve %.1f ms, %.1f s wall\n",
         d, (unsigned long long)r.c.plans, (unsigned long long)r.c.st.plans_rejected,
         r.c.st.solve_time * 1e3, mi_s_from_ns(mi_clock_mono_ns() - w0));
  assert_true(d < 0.05);
  assert_int_equal(r.c.collisions, 0);
  assert_int_equal(r.c.nonfinite, 0);
  assert_int_equal(r.c.plan_nonfinite, 0);
  assert_true(r.c.plans > 150);
  assert_string_equal(r.c.task, "reach");
  assert_true(r.c.st.tool_to_goal >= 0 && r.c.st.tool_to_goal < 0.05);
  /* the status breaks the plan's cost down by term: all eleven, summing to
   * best_cost, the goal term among them */
  printf("best cost %.4f = terms %.4f (ee_pos %.4f)\n", r.c.st.best_cost, r.c.terms_sum,
         r.c.ee_pos_term);
  assert_int_equal(r.c.terms_bad, 0);
  assert_int_equal(r.c.nterms, 11);
  assert_true(fabs(r.c.terms_sum - r.c.st.best_cost) <= 1e-3 * (1.0 + r.c.st.best_cost));
  assert_true(r.c.ee_pos_term >= 0.0 && r.c.ee_pos_term <= r.c.st.best_cost + 1e-6);
  assert_true(r.c.js > 1900);
  rig_stop(&r);
}

static void test_teleop_into_table(void **state) {
  (void)state;
  rig r;
  rig_fk(&r);
  /* above the table (top z = 0.42, x 0.2..1.0, y -0.8..-0.2) */
  double q0[7];
  const double lo[3] = {0.45, -0.6, 0.75}, hi[3] = {0.75, -0.4, 0.85};
  assert_true(find_q(&r, 7, lo, hi, q0));
  double p0[3];
  tool_pos(&r, q0, p0);
  rig_start(&r, 92, q0, 0, 1000.0);
  double zmin = p0[2];
  while (r.t_ns < 4000 * MS) {
    if (r.t_ns >= 500 * MS && r.t_ns % (10 * MS) == 0) { /* after 0.5 s of hold */
      mi_msg_twist_stamped tw;
      mi_msg_init(MI_MSG_TWIST_STAMPED, &tw);
      tw.header.stamp = mi_msg_time_from_ns(r.t_ns);
      tw.twist.linear.z = -0.15; /* straight down into the table */
      assert_int_equal(MI_DDS_PUBLISH(r.twist, &tw), MI_OK);
    }
    rig_step(&r);
    double p[3];
    tool_pos(&r, r.c.q_now, p);
    if (p[2] < zmin) zmin = p[2];
    if (getenv("PRED2_TRACE") && r.t_ns <= 100 * MS && r.t_ns % (10 * MS) == 0) {
      printf("t %.2f q-q0:", mi_s_from_ns(r.t_ns));
      for (int j = 0; j < 7; j++) printf(" %.3f", r.c.q_now[j] - q0[j]);
      printf(" plans %llu\n", (unsigned long long)r.c.plans);
    }
    if (getenv("PRED2_TRACE") && r.t_ns % (100 * MS) == 0)
      printf("t %.2f z %.3f stops %llu published %llu rejected %llu coll %d reason '%s'\n",
             mi_s_from_ns(r.t_ns), p[2], (unsigned long long)r.c.st.stops,
             (unsigned long long)r.c.st.plans_published,
             (unsigned long long)r.c.st.samples_rejected, r.c.collisions, r.c.reason);
  }
  double p[3], speed = 0;
  tool_pos(&r, r.c.q_now, p);
  for (int j = 0; j < 7; j++) speed = fmax(speed, fabs(r.c.qd_now[j]));
  printf("teleop into the table: tool from z %.3f down to %.3f (table top 0.42), "
         "%llu stops, max joint speed at the end %.3f rad/s, reason '%s'\n",
         p0[2], zmin, (unsigned long long)r.c.st.stops, speed, r.c.reason);
  assert_int_equal(r.c.collisions, 0);
  assert_int_equal(r.c.nonfinite, 0);
  assert_int_equal(r.c.plan_nonfinite, 0);
  assert_true(zmin < p0[2] - 0.05); /* it did move as commanded... */
  assert_true(zmin > 0.42);         /* ...and stopped short of the table */
  assert_true(r.c.st.stops > 0);
  assert_true(r.c.reason_table);
  assert_true(speed < 0.2);
  assert_string_equal(r.c.task, "teleop");
  rig_stop(&r);
}

static void test_pick(void **state) {
  (void)state;
  rig r;
  rig_fk(&r);
  double q0[7];
  const double lo[3] = {0.3, 0.1, 0.7}, hi[3] = {0.6, 0.4, 0.9};
  assert_true(find_q(&r, 11, lo, hi, q0));
  rig_start(&r, 93, q0, 1, 0.05);
  const double h = 0.12;
  double best = INFINITY;
  int64_t best_t = 0;
  while (r.t_ns < 4000 * MS) {
    rig_step(&r);
    if (r.c.nparts < 1 || r.t_ns % (10 * MS) != 0) continue;
    double p[3];
    tool_pos(&r, r.c.q_now, p);
    double a[3] = {r.c.part[0][0], r.c.part[0][1], r.c.part[0][2] + h};
    double d = dist3(p, a);
    if (getenv("PRED2_TRACE") && r.t_ns % (100 * MS) == 0)
      printf("t %.2f tool %.3f %.3f %.3f approach %.3f %.3f %.3f d %.3f plans %llu rej %llu "
             "view %.3f reason '%s'\n",
             mi_s_from_ns(r.t_ns), p[0], p[1], p[2], a[0], a[1], a[2], d,
             (unsigned long long)r.c.plans, (unsigned long long)r.c.st.plans_rejected,
             r.c.st.tool_to_goal, r.c.reason);
    if (d < best) {
      best = d;
      best_t = r.t_ns;
    }
  }
  printf("pick over DDS: tool within %.3f m of the moving part's approach point at %.2f s, "
         "%llu plans, %llu stale cycles, %llu samples rejected\n",
         best, mi_s_from_ns(best_t), (unsigned long long)r.c.plans,
         (unsigned long long)r.c.st.stale_cycles, (unsigned long long)r.c.st.samples_rejected);
  assert_true(best < 0.06);
  assert_int_equal(r.c.collisions, 0);
  assert_int_equal(r.c.plan_nonfinite, 0);
  assert_string_equal(r.c.task, "pick");
  rig_stop(&r);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reach),
      cmocka_unit_test(test_teleop_into_table),
      cmocka_unit_test(test_pick),
  };
  /* one test by name (ctest runs them as separate tests) */
  if (argc > 1) cmocka_set_test_filter(argv[1]);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
