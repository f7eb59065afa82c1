/* worldmodel/predictor_node.c - the predictor node: DDS in and out around
 * the predictor core (see predictor_node.h). */
#define _GNU_SOURCE
#include "worldmodel/predictor_node.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"

/* ---- params: the core's rows + DDS + the node's own ---- */

#define S mi_pred_node_params
static const mi_param_def k_node_rows[] = {
    MI_P_BOOL(S, goal_orientation, "task.goal_orientation", "false",
              "reach: follow the goal's orientation too (else position only)"),
    MI_P_ENUM(S, start_task, "task.start", "none", "none|pick",
              "task at start: none (wait for rt/goal or rt/teleop/twist) or pick"),
    MI_P_BOOL(S, on_joint_state, "planning.on_joint_state", "true",
              "on the wall clock, start a cycle at the first joint state after its tick when they come at least twice a period (plans from a fresh sample); false: at the tick"),
    MI_P_INT(S, rt_priority, "planning.rt_priority", "0", 0, 99, NULL,
             "SCHED_FIFO priority of the planning thread (0: SCHED_OTHER); keep it below the controller's rt.priority"),
    MI_DDS_PARAM_ROWS(S, dds),
};
#undef S

#define MI_PRED_NODE_MAX_ROWS 160
static mi_param_def g_rows[MI_PRED_NODE_MAX_ROWS];
static mi_param_table g_table = {"predictor", g_rows, 0};
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void build_table(void) {
  size_t n = 0;
  const mi_param_table *ct = mi_predictor_params_table();
  for (size_t i = 0; i < ct->n && n < MI_PRED_NODE_MAX_ROWS; i++) {
    g_rows[n] = ct->defs[i];
    g_rows[n].offset += offsetof(mi_pred_node_params, core);
    n++;
  }
  for (size_t i = 0; i < MI_ARRAY_LEN(k_node_rows) && n < MI_PRED_NODE_MAX_ROWS; i++)
    g_rows[n++] = k_node_rows[i];
  g_table.n = n;
}

const mi_param_table *mi_pred_node_params_table(void) {
  pthread_once(&g_once, build_table);
  return &g_table;
}

mi_status mi_pred_node_params_defaults(mi_pred_node_params *p, char *err, size_t err_sz) {
  return mi_params_defaults(mi_pred_node_params_table(), p, err, err_sz);
}

/* ---- the node ---- */

struct mi_pred_node {
  mi_pred_node_params p;
  mi_predictor *pr;
  const mi_model *m;
  int n;
  mi_dds_node *node;
  mi_dds_sub *js_sub, *parts_sub, *wrench_sub, *zone_sub, *goal_sub, *twist_sub;
  mi_dds_pub *plan_pub, *status_pub;
  mi_dds_timer *timer;
  /* counters (written by the executor thread, read by any) */
  _Atomic uint64_t names_rejected, frame_rejected, zone_rejected, goal_rejected;
  _Atomic uint64_t joint_states, part_poses, wrenches, zones, goals, twists;
  _Atomic uint64_t plans, statuses;
  int64_t js_stamp_ns; /* stamp of the last accepted joint state (executor thread) */
  int64_t js_interval_ns; /* smoothed interval of the joint states' stamps (executor) */
  bool cycle_due;         /* the timer ticked, the cycle waits for a joint state (executor) */
  int64_t explored_ns;    /* the due cycle's explore ended then (node clock); 0: none */
  bool finish_due;        /* the last cycle's after-work and status wait (executor) */
  int64_t finish_now;     /* that cycle's time (node clock) */
  int64_t finish_after;   /* not before then (node clock): the plan is delivered */
  int64_t period_ns;      /* the planning period, 1 / planning.rate_hz */
  _Atomic uint64_t est_rejected[MI_WM_EST_REJECT_COUNT]; /* the core's, by reason */
  /* outbound buffers, sized at create (executor thread only) */
  char *joint_names[MI_WM_MAX_DOF];
  mi_msg_joint_trajectory_point points[MI_PRED_MAX_POINTS];
  mi_pose poses[MI_WM_EST_MAX_TRACKS * 2];
};

static int64_t header_ns(const mi_msg_header *h) { return mi_msg_time_to_ns(&h->stamp); }

/* a stamp of 0 means "now" (a tool that does not stamp) */
static int64_t stamp_or_now(const mi_pred_node *n, const mi_msg_header *h) {
  int64_t s = header_ns(h);
  return s == 0 ? mi_dds_node_now(n->node) : s;
}

static bool world_frame(const char *f) { return !f || !f[0] || !strcmp(f, "world"); }

/* ---- inputs (executor thread) ---- */

/* the estimator's counters, for readers on other threads */
static void sync_rejected(mi_pred_node *n) {
  uint64_t c[MI_WM_EST_REJECT_COUNT];
  mi_predictor_rejected(n->pr, c);
  for (int i = 0; i < MI_WM_EST_REJECT_COUNT; i++) atomic_store(&n->est_rejected[i], c[i]);
}

static uint64_t est_total(mi_pred_node *n) {
  uint64_t t = 0;
  for (int i = 0; i < MI_WM_EST_REJECT_COUNT; i++) t += atomic_load(&n->est_rejected[i]);
  return t;
}

static void run_cycle(mi_pred_node *n, bool defer);
static void finish_cycle(mi_pred_node *n, bool force);

static void on_joint_states(const mi_msg_joint_state *js, const mi_dds_sample_info *info,
                            void *user) {
  (void)info;
  mi_pred_node *n = user;
  double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF];
  bool seen[MI_WM_MAX_DOF] = {false};
  int found = 0;
  bool have_vel = js->velocity._length == js->name._length;
  bool have_eff = js->effort._length == js->name._length && js->effort._length > 0;
  if (js->position._length != js->name._length) goto bad_names;
  /* the message's order -> the model's dof order; other joints are not ours */
  for (uint32_t i = 0; i < js->name._length; i++) {
    int d = mi_wm_dof_index(n->m, js->name._buffer[i]);
    if (d < 0) continue;
    if (seen[d]) goto bad_names;
    seen[d] = true;
    found++;
    q[d] = js->position._buffer[i];
    qd[d] = have_vel ? js->velocity._buffer[i] : 0.0;
    tau[d] = have_eff ? js->effort._buffer[i] : 0.0;
  }
  if (found != n->n) goto bad_names;
  char why[160];
  int64_t now = mi_dds_node_now(n->node);
  mi_status st = mi_predictor_joint_state(n->pr, stamp_or_now(n, &js->header), now, q, qd,
                                          have_eff ? tau : NULL, why, sizeof why);
  if (st != MI_OK) {
    sync_rejected(n);
    MI_LOG_EVERY_MS(MI_LOG_WARN, 1000, "joint_states rejected: %s", why);
    return;
  }
  int64_t stamp = stamp_or_now(n, &js->header);
  if (n->js_stamp_ns > 0 && stamp > n->js_stamp_ns) {
    /* the stream's interval (smoothed; a gap counts as one period at most) */
    int64_t d = stamp - n->js_stamp_ns;
    if (d > n->period_ns) d = n->period_ns;
    n->js_interval_ns = n->js_interval_ns > 0 ? n->js_interval_ns + (d - n->js_interval_ns) / 8 : d;
  }
  n->js_stamp_ns = stamp; /* what the next cycle plans from */
  atomic_fetch_add(&n->joint_states, 1);
  /* a due cycle plans from a sample measured after its explore (one measured
   * during it waited in the reader) */
  if (n->cycle_due && stamp >= n->explored_ns - n->js_interval_ns / 2)
    run_cycle(n, true);
  else
    finish_cycle(n, false);
  return;
bad_names:
  atomic_fetch_add(&n->names_rejected, 1);
  MI_LOG_EVERY_MS(MI_LOG_WARN, 1000,
                  "joint_states rejected: %d of the model's %d joints named once each "
                  "(with a position)",
                  found, n->n);
}

static void on_part_poses(const mi_msg_pose_array *pa, const mi_dds_sample_info *info,
                          void *user) {
  (void)info;
  mi_pred_node *n = user;
  if (!world_frame(pa->header.frame_id)) {
    atomic_fetch_add(&n->frame_rejected, 1);
    MI_LOG_EVERY_MS(MI_LOG_WARN, 1000, "part_poses rejected: frame '%s' (want world)",
                    pa->header.frame_id);
    return;
  }
  int k = (int)pa->poses._length;
  if (k > (int)MI_ARRAY_LEN(n->poses)) k = (int)MI_ARRAY_LEN(n->poses);
  for (int i = 0; i < k; i++) {
    const mi_msg_pose *p = &pa->poses._buffer[i];
    n->poses[i].p = mi_vec3_make(p->position.x, p->position.y, p->position.z);
    n->poses[i].q = (mi_quat){p->orientation.w, p->orientation.x, p->orientation.y,
                              p->orientation.z};
  }
  int bad = mi_predictor_part_poses(n->pr, stamp_or_now(n, &pa->header), n->poses, k);
  if (bad > 0) sync_rejected(n);
  atomic_fetch_add(&n->part_poses, 1);
}

static void on_wrench(const mi_msg_wrench_stamped *w, const mi_dds_sample_info *info,
                      void *user) {
  (void)w;
  (void)info;
  mi_pred_node *n = user;
  atomic_fetch_add(&n->wrenches, 1);
}

static void on_zone(const mi_msg_zone_status *z, const mi_dds_sample_info *info, void *user) {
  (void)info;
  mi_pred_node *n = user;
  for (int i = 0; i < n->m->nzone; i++)
    if (!strcmp(n->m->zone[i].name, z->zone_id)) {
      mi_predictor_zone(n->pr, i, z->occupied);
      atomic_fetch_add(&n->zones, 1);
      return;
    }
  atomic_fetch_add(&n->zone_rejected, 1);
  MI_LOG_EVERY_MS(MI_LOG_WARN, 1000, "safety_zone rejected: the cell has no zone '%s'",
                  z->zone_id);
}

static void on_goal(const mi_msg_pose_stamped *g, const mi_dds_sample_info *info, void *user) {
  (void)info;
  mi_pred_node *n = user;
  mi_status st;
  if (!strcmp(g->header.frame_id, "pick")) {
    st = mi_predictor_set_pick(n->pr);
  } else if (world_frame(g->header.frame_id)) {
    mi_pose goal = {mi_vec3_make(g->pose.position.x, g->pose.position.y, g->pose.position.z),
                    {g->pose.orientation.w, g->pose.orientation.x, g->pose.orientation.y,
                     g->pose.orientation.z}};
    st = mi_predictor_set_reach(n->pr, goal, n->p.goal_orientation);
  } else {
    atomic_fetch_add(&n->frame_rejected, 1);
    MI_LOG_EVERY_MS(MI_LOG_WARN, 1000, "goal rejected: frame '%s' (want world or pick)",
                    g->header.frame_id);
    return;
  }
  if (st != MI_OK) {
    atomic_fetch_add(&n->goal_rejected, 1);
    MI_LOG_EVERY_MS(MI_LOG_WARN, 1000, "goal rejected: %s", mi_status_str(st));
    return;
  }
  atomic_fetch_add(&n->goals, 1);
  MI_LOGI("goal: %s", g->header.frame_id[0] && strcmp(g->header.frame_id, "world")
                          ? g->header.frame_id
                          : "reach");
}

static void on_twist(const mi_msg_twist_stamped *t, const mi_dds_sample_info *info, void *user) {
  (void)info;
  mi_pred_node *n = user;
  const double v[3] = {t->twist.linear.x, t->twist.linear.y, t->twist.linear.z};
  if (mi_predictor_teleop(n->pr, stamp_or_now(n, &t->header), v) != MI_OK) {
    atomic_fetch_add(&n->goal_rejected, 1);
    return;
  }
  atomic_fetch_add(&n->twists, 1);
}

MI_DDS_TYPED_CB(on_joint_states, mi_msg_joint_state);
MI_DDS_TYPED_CB(on_part_poses, mi_msg_pose_array);
MI_DDS_TYPED_CB(on_wrench, mi_msg_wrench_stamped);
MI_DDS_TYPED_CB(on_zone, mi_msg_zone_status);
MI_DDS_TYPED_CB(on_goal, mi_msg_pose_stamped);
MI_DDS_TYPED_CB(on_twist, mi_msg_twist_stamped);

/* ---- outputs ---- */

static void publish_plan(mi_pred_node *n, const mi_predictor_plan *pl, int64_t now_ns) {
  mi_msg_joint_trajectory jt;
  mi_msg_init(MI_MSG_JOINT_TRAJECTORY, &jt);
  /* the stamp of the joint state planned from, as the trajectory's start:
   * point i stays due at now + t[i] (time_from_start shifted by the state's
   * age), and the controller measures sensor-to-command latency from it */
  int64_t from = n->js_stamp_ns > 0 && n->js_stamp_ns <= now_ns ? n->js_stamp_ns : now_ns;
  jt.header.stamp = mi_msg_time_from_ns(from);
  jt.joint_names = MI_MSG_SEQ(__typeof__(jt.joint_names), n->joint_names, pl->ndof);
  for (int i = 0; i < pl->npoints; i++) {
    mi_msg_joint_trajectory_point *pt = &n->points[i];
    memset(pt, 0, sizeof *pt);
    /* the plan's rows are the core's (valid until its next cycle); DDS
     * serialises at once and keeps nothing */
    pt->positions = MI_MSG_SEQ(dds_sequence_double, (double *)pl->q[i], pl->ndof);
    pt->velocities = MI_MSG_SEQ(dds_sequence_double, (double *)pl->qd[i], pl->ndof);
    pt->accelerations = MI_MSG_SEQ(dds_sequence_double, (double *)pl->qdd[i], pl->ndof);
    pt->effort = MI_MSG_SEQ(dds_sequence_double, (double *)pl->tau[i], pl->ndof);
    pt->time_from_start = mi_msg_duration_from_ns(mi_ns_from_s(pl->t[i]) + (now_ns - from));
  }
  jt.points = MI_MSG_SEQ(__typeof__(jt.points), n->points, pl->npoints);
  if (MI_DDS_PUBLISH(n->plan_pub, &jt) == MI_OK)
    atomic_fetch_add(&n->plans, 1);
  else
    MI_LOG_EVERY_MS(MI_LOG_WARN, 1000, "cannot publish rt/plan");
}

static double known(double v) { return isfinite(v) ? v : -1.0; }

static uint64_t rejected_total(mi_pred_node *n) {
  mi_dds_counters dc;
  mi_dds_node_counters(n->node, &dc);
  return dc.rejected + atomic_load(&n->names_rejected) + atomic_load(&n->frame_rejected) +
         atomic_load(&n->zone_rejected) + atomic_load(&n->goal_rejected) +
         est_total(n);
}

static void publish_status(mi_pred_node *n, int64_t now_ns) {
  mi_predictor_status s;
  mi_predictor_get_status(n->pr, &s);
  mi_msg_planner_status m;
  mi_msg_init(MI_MSG_PLANNER_STATUS, &m);
  m.header.stamp = mi_msg_time_from_ns(now_ns);
  m.planner = (char *)s.planner;
  m.backend = (char *)s.backend;
  m.num_candidates = s.candidates;
  m.iterations = s.iterations;
  m.plans_published = s.plans_published;
  m.plans_rejected = s.plans_rejected;
  m.plans_fallback = s.plans_fallback;
  m.plans_escaping = s.plans_escaping;
  m.samples_rejected = rejected_total(n);
  m.best_cost = known(s.best_cost);
  m.solve_time = known(s.solve_time_s);
  m.prediction_error = known(s.prediction_error);
  m.task = (char *)s.task;
  m.cycles = s.cycles;
  m.stale_cycles = s.stale;
  m.stops = s.stops;
  m.prediction_error_prior = known(s.prediction_error_prior);
  m.learner_fitted = s.learner_fitted;
  m.tool_to_goal = known(s.tool_to_goal_m);
  m.reached = s.reached;
  m.reason = s.reason;
  /* the breakdown once a plan has been scored (NAN before) */
  const char *names[MI_COST_NTERMS];
  double values[MI_COST_NTERMS];
  uint32_t nterms = 0;
  if (!isnan(s.best_cost))
    for (int i = 0; i < MI_COST_NTERMS; i++) {
      names[nterms] = mi_cost_term_name(i);
      values[nterms++] = known(s.cost_terms[i]);
    }
  m.cost_terms = MI_MSG_SEQ(__typeof__(m.cost_terms), (char **)names, nterms);
  m.cost_values = MI_MSG_SEQ(__typeof__(m.cost_values), values, nterms);
  m.learner_in_rollouts = s.learner_in_rollouts;
  m.learner_mass_scale = MI_MSG_SEQ(__typeof__(m.learner_mass_scale), s.learner_mass_scale,
                                    s.learner_in_rollouts ? (uint32_t)s.ndof : 0u);
  if (MI_DDS_PUBLISH(n->status_pub, &m) == MI_OK) atomic_fetch_add(&n->statuses, 1);
}

/* the plan's delivery to a subscriber on this host, with margin (measured:
 * 0.25 ms at p50 when nothing else runs, twice that beside the after-work) */
#define FINISH_DELAY_NS (1 * MI_NS_PER_MS)

/* what a cycle does after its plan is out: the cost breakdown, the
 * learner's replay and the next cycle's noise (mi_predictor_after_cycle),
 * then the status; unless forced, not before finish_after */
static void finish_cycle(mi_pred_node *n, bool force) {
  if (!n->finish_due || (!force && mi_dds_node_now(n->node) < n->finish_after)) return;
  n->finish_due = false;
  mi_predictor_after_cycle(n->pr);
  publish_status(n, n->finish_now);
}

/* one planning cycle on the node clock: the plan out first, then what
 * does not hold it up (finish_cycle): at once, or with `defer` at the first
 * joint state FINISH_DELAY_NS after the plan (or the next tick), so that its
 * CPU time does not compete with the plan's delivery to the controller */
static void run_cycle(mi_pred_node *n, bool defer) {
  finish_cycle(n, true);
  n->cycle_due = false;
  int64_t now = mi_dds_node_now(n->node);
  const mi_predictor_plan *plan = NULL;
  mi_status st = mi_predictor_cycle(n->pr, now, &plan);
  if (st == MI_OK && plan) publish_plan(n, plan, now);
  mi_predictor_status s;
  mi_predictor_get_status(n->pr, &s);
  if (st == MI_OK && plan) {
    if (plan->stop) MI_LOG_EVERY_MS(MI_LOG_WARN, 1000, "%s", s.reason);
  } else if (st != MI_ERR_STATE) {
    MI_LOG_EVERY_MS(MI_LOG_WARN, 1000, "no plan: %s", s.reason);
  }
  n->finish_due = true;
  n->finish_now = now;
  n->finish_after = mi_dds_node_now(n->node) + FINISH_DELAY_NS;
  finish_cycle(n, !defer);
}

/* The planning timer. With planning.on_joint_state, when joint states come
 * at least twice a period and the next one is due within half an interval
 * more than usual, the cycle waits for it: it plans from a sample that is
 * only its transport old instead of up to a sensor period. A slow or
 * stopped stream, or a cycle still due at the next tick, runs at once (and
 * says the input is stale). Never on sim time: a lockstep plant may wait
 * for this cycle before it publishes the next sample, and its samples are
 * no age in sim time anyway. */
static void on_cycle(mi_dds_timer *t, int64_t timer_now, void *user) {
  (void)t;
  (void)timer_now;
  mi_pred_node *n = user;
  finish_cycle(n, true);
  int64_t now = mi_dds_node_now(n->node);
  int64_t age = now - n->js_stamp_ns, iv = n->js_interval_ns;
  bool wait = n->p.on_joint_state && !n->p.dds.use_sim_time && !n->cycle_due &&
              n->js_stamp_ns > 0 && iv > 0 &&
              2 * iv <= n->period_ns && age > 0 && 2 * age < 3 * iv;
  if (wait) {
    /* two-phase: the first now, the second on the next joint state */
    n->cycle_due = true;
    n->explored_ns = mi_predictor_explore(n->pr, now) == MI_OK ? mi_dds_node_now(n->node) : 0;
  } else
    run_cycle(n, false);
}

/* ---- lifecycle ---- */

mi_status mi_pred_node_create(const mi_pred_node_params *p, mi_pred_node **out, char *err,
                              size_t err_sz) {
  if (!p || !out) return MI_ERR_INVALID;
  mi_pred_node *n = calloc(1, sizeof *n);
  if (!n) return MI_ERR_NOMEM;
  n->p = *p;
  n->period_ns = mi_ns_from_s(1.0 / p->core.rate_hz);
  mi_status st = mi_predictor_create(&p->core, &n->pr, err, err_sz);
  if (st != MI_OK) goto fail;
  n->m = mi_predictor_model(n->pr);
  n->n = n->m->ndof;
  for (int d = 0; d < n->n; d++) n->joint_names[d] = (char *)n->m->joint[n->m->dof_joint[d]].name;
  if (p->start_task == 1) (void)mi_predictor_set_pick(n->pr);

  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "predictor");
  o.dds = p->dds;
  if ((st = mi_dds_node_create(&o, &n->node, err, err_sz)) != MI_OK) goto fail;
  mi_dds_sub_opts so = {.on_sample = on_joint_states__mi_cb, .user = n};
  if ((st = mi_dds_sub_create_std(n->node, MI_TOPIC_JOINT_STATES, &so, &n->js_sub)) != MI_OK)
    goto fail_dds;
  so.on_sample = on_part_poses__mi_cb;
  if ((st = mi_dds_sub_create_std(n->node, MI_TOPIC_PART_POSES, &so, &n->parts_sub)) != MI_OK)
    goto fail_dds;
  so.on_sample = on_wrench__mi_cb;
  if ((st = mi_dds_sub_create_std(n->node, MI_TOPIC_WRENCH, &so, &n->wrench_sub)) != MI_OK)
    goto fail_dds;
  so.on_sample = on_zone__mi_cb;
  if ((st = mi_dds_sub_create_std(n->node, MI_TOPIC_SAFETY_ZONE, &so, &n->zone_sub)) != MI_OK)
    goto fail_dds;
  so.on_sample = on_goal__mi_cb;
  if ((st = mi_dds_sub_create_std(n->node, MI_TOPIC_GOAL, &so, &n->goal_sub)) != MI_OK)
    goto fail_dds;
  so.on_sample = on_twist__mi_cb;
  if ((st = mi_dds_sub_create_std(n->node, MI_TOPIC_TELEOP_TWIST, &so, &n->twist_sub)) != MI_OK)
    goto fail_dds;
  if ((st = mi_dds_pub_create_std(n->node, MI_TOPIC_PLAN, &n->plan_pub)) != MI_OK ||
      (st = mi_dds_pub_create_std(n->node, MI_TOPIC_PLANNER_STATUS, &n->status_pub)) != MI_OK)
    goto fail_dds;
  if ((st = mi_dds_timer_create(n->node, n->period_ns, on_cycle, n, &n->timer)) != MI_OK)
    goto fail_dds;
  *out = n;
  return MI_OK;

fail_dds:
  if (err && err_sz && !err[0])
    snprintf(err, err_sz, "cannot create the predictor's DDS entities: %s", mi_status_str(st));
  mi_dds_node_destroy(n->node);
fail:
  mi_predictor_destroy(n->pr);
  free(n);
  return st;
}

mi_status mi_pred_node_spin(mi_pred_node *n) { return mi_dds_spin(n->node); }

void mi_pred_node_stop(mi_pred_node *n) {
  if (n) mi_dds_node_stop(n->node);
}

void mi_pred_node_destroy(mi_pred_node *n) {
  if (!n) return;
  finish_cycle(n, true); /* the last cycle's status */
  mi_dds_node_destroy(n->node);
  mi_predictor_destroy(n->pr);
  free(n);
}

void mi_pred_node_counters_get(mi_pred_node *n, mi_pred_node_counters *out) {
  mi_dds_counters dc;
  mi_dds_node_counters(n->node, &dc);
  memset(out, 0, sizeof *out);
  out->dds_rejected = dc.rejected;
  out->names_rejected = atomic_load(&n->names_rejected);
  out->frame_rejected = atomic_load(&n->frame_rejected);
  out->zone_rejected = atomic_load(&n->zone_rejected);
  out->goal_rejected = atomic_load(&n->goal_rejected);
  out->est_rejected = est_total(n);
  for (int i = 0; i < MI_WM_EST_REJECT_COUNT; i++)
    out->est_by_reason[i] = atomic_load(&n->est_rejected[i]);
  out->joint_states = atomic_load(&n->joint_states);
  out->part_poses = atomic_load(&n->part_poses);
  out->wrenches = atomic_load(&n->wrenches);
  out->zones = atomic_load(&n->zones);
  out->goals = atomic_load(&n->goals);
  out->twists = atomic_load(&n->twists);
  out->plans = atomic_load(&n->plans);
  out->statuses = atomic_load(&n->statuses);
  /* the core's status is the executor's: read it after the spin has ended */
  mi_predictor_status s;
  mi_predictor_get_status(n->pr, &s);
  out->plans_refused = s.plans_rejected;
  out->plans_fallback = s.plans_fallback;
  out->plans_escaping = s.plans_escaping;
}

const mi_model *mi_pred_node_model(const mi_pred_node *n) { return n->m; }

/* ---- `mirai node predictor` ---- */

static int usage(FILE *f, int code) {
  fprintf(f,
          "usage: mirai node predictor [--params FILE] [-p name:=value ...]\n"
          "The world-model predictor: rt/joint_states, rt/part_poses, rt/wrench,\n"
          "rt/safety_zone, rt/goal, rt/teleop/twist in; verified plans on rt/plan and\n"
          "diagnostics on rt/planner/status out.\n\nparameters:\n");
  mi_params_print_help(mi_pred_node_params_table(), f);
  return code;
}

int mi_node_main_predictor(int argc, char **argv) {
  static mi_pred_node_params p;
  char err[512] = "";
  const mi_param_table *t = mi_pred_node_params_table();
  if (mi_params_defaults(t, &p, err, sizeof err) != MI_OK) {
    fprintf(stderr, "predictor: %s\n", err);
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return usage(stdout, 0);
    if (!strcmp(argv[i], "--params-markdown")) { /* the README's reference */
      mi_params_print_markdown(mi_pred_node_params_table(), stdout);
      return 0;
    }
    if (!strcmp(argv[i], "--params") && i + 1 < argc) {
      if (mi_params_load_file(t, NULL, argv[++i], &p, err, sizeof err) != MI_OK) {
        fprintf(stderr, "predictor: %s\n", err);
        return 2;
      }
    } else if (!strcmp(argv[i], "-p") && i + 1 < argc) {
      char *kv = argv[++i], *sep = strstr(kv, ":=");
      if (!sep) {
        fprintf(stderr, "predictor: -p wants name:=value, got '%s'\n", kv);
        return 2;
      }
      *sep = '\0';
      if (mi_params_set(t, &p, kv, sep + 2, err, sizeof err) != MI_OK) {
        fprintf(stderr, "predictor: %s\n", err);
        return 2;
      }
    } else {
      fprintf(stderr, "predictor: unknown argument '%s'\n", argv[i]);
      return usage(stderr, 2);
    }
  }
  mi_log_set_thread_name("predictor");
  mi_pred_node *n = NULL;
  if (mi_pred_node_create(&p, &n, err, sizeof err) != MI_OK) {
    fprintf(stderr, "predictor: %s\n", err);
    return 1;
  }
  mi_dds_install_signal_handlers();
  if (p.rt_priority > 0) {
    /* the planning thread only (the executor: timers, cycles, publishing):
     * other work on the machine (a simulator, builds) then cannot stretch a
     * cycle; DDS's own threads and planner.threads workers keep SCHED_OTHER */
    struct sched_param sp = {.sched_priority = (int)p.rt_priority};
    int e = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    if (e == 0)
      MI_LOGI("planning thread: SCHED_FIFO %d", (int)p.rt_priority);
    else
      MI_LOGW("planning thread: SCHED_FIFO %d not permitted (%s); running SCHED_OTHER",
              (int)p.rt_priority, strerror(e));
  }
  mi_status rc = mi_pred_node_spin(n);
  mi_pred_node_counters c;
  mi_pred_node_counters_get(n, &c);
  MI_LOGI("done: %llu plans (%llu from a fallback candidate, %llu leaving a contact, %llu "
          "refused), %llu statuses; "
          "rejected: %llu dds, %llu names, %llu frames, %llu zones, %llu goals, %llu estimator",
          (unsigned long long)c.plans, (unsigned long long)c.plans_fallback,
          (unsigned long long)c.plans_escaping, (unsigned long long)c.plans_refused,
          (unsigned long long)c.statuses,
          (unsigned long long)c.dds_rejected, (unsigned long long)c.names_rejected,
          (unsigned long long)c.frame_rejected, (unsigned long long)c.zone_rejected,
          (unsigned long long)c.goal_rejected, (unsigned long long)c.est_rejected);
  mi_pred_node_destroy(n);
  return rc == MI_OK ? 0 : 1;
}
