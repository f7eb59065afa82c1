/* worldmodel/predictor.c - the predictor's planning cycle without DDS (see
 * predictor.h). */
#include "worldmodel/predictor.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "worldmodel/pool.h"
#include "worldmodel/rollout.h"
#include "worldmodel/rollout_law.h"
#include "worldmodel/verify.h"

/* ---- params: own rows + the planner's, learner's and estimator's ---- */

#define S mi_predictor_params
static const mi_param_def k_own[] = {
    MI_P_STRING(S, urdf, "model.urdf", "\"\"", "robot URDF file"),
    MI_P_STRING(S, cell, "model.cell", "\"\"", "cell YAML file (fixtures, conveyor, parts, zones); \"\": none"),
    MI_P_DOUBLE(S, rate_hz, "planning.rate_hz", "50.0", 0.1, 1000.0, "Hz", "planning cycles per second"),
    MI_P_DOUBLE(S, js_budget_s, "planning.joint_state_budget", "0.1", 0.001, 10.0, "s",
                "joint states older than this: no plan is published and the status says why"),
    MI_P_DOUBLE(S, goal_tolerance, "task.goal_tolerance", "0.02", 1e-4, 1.0, "m",
                "tool distance to the goal reported as reached"),
    MI_P_DOUBLE(S, approach_height, "task.approach_height", "0.12", 0.0, 1.0, "m",
                "pick: the tool aims this far above the part"),
    MI_P_DOUBLE(S, tool_speed, "task.tool_speed", "0.5", 0.01, 10.0, "m/s",
                "pick: tool speed assumed when computing the intercept time"),
    MI_P_DOUBLE(S, teleop_horizon_s, "task.teleop_horizon", "0.5", 0.02, 5.0, "s",
                "teleop: the twist is held this long to form the nominal tool motion"),
    MI_P_DOUBLE(S, teleop_timeout_s, "task.teleop_timeout", "0.3", 0.01, 10.0, "s",
                "teleop: a twist older than this counts as zero (stop)"),
    MI_P_DOUBLE(S, dls_lambda, "task.dls_damping", "0.05", 1e-4, 1.0, "m",
                "teleop: damping of the resolved-rate least squares"),
    MI_P_DOUBLE(S, escape_time_s, "verify.escape_time", "1.0", 0.0, 5.0, "s",
                "a measured state found in contact: plans may stay in those contacts, no deeper, until this long after; 0: none"),
    MI_WM_LEARNER_PARAM_ROWS(S, learner),
    MI_WM_EST_PARAM_ROWS(S, est),
};
#undef S

#define MI_PRED_MAX_ROWS 128
static mi_param_def g_rows[MI_PRED_MAX_ROWS];
static mi_param_table g_table = {"predictor", g_rows, 0};
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void build_table(void) {
  size_t n = 0;
  for (size_t i = 0; i < MI_ARRAY_LEN(k_own) && n < MI_PRED_MAX_ROWS; i++) g_rows[n++] = k_own[i];
  const mi_param_table *pt = mi_planner_params_table();
  for (size_t i = 0; i < pt->n && n < MI_PRED_MAX_ROWS; i++) {
    g_rows[n] = pt->defs[i];
    g_rows[n].offset += offsetof(mi_predictor_params, planner);
    n++;
  }
  const mi_param_table *ct = mi_wm_cuda_params_table();
  for (size_t i = 0; i < ct->n && n < MI_PRED_MAX_ROWS; i++) {
    g_rows[n] = ct->defs[i];
    g_rows[n].offset += offsetof(mi_predictor_params, cuda);
    n++;
  }
  g_table.n = n;
}

const mi_param_table *mi_predictor_params_table(void) {
  pthread_once(&g_once, build_table);
  return &g_table;
}

mi_status mi_predictor_params_defaults(mi_predictor_params *p, char *err, size_t err_sz) {
  return mi_params_defaults(mi_predictor_params_table(), p, err, err_sz);
}

/* ---- the predictor ---- */

struct mi_predictor {
  mi_predictor_params p;
  mi_model *m;
  mi_wm_engine *engine; /* planner + rollouts on the configured backend */
  mi_rollout *rollout;  /* the engine's: state, goal, parts, zones; scalar scoring */
  mi_wm_learner *learner;
  mi_wm_est est;
  int n, H;
  const char *backend;
  /* task */
  int task;
  mi_pose goal;
  bool goal_rot;
  double twist[3];
  int64_t twist_ns;
  bool have_twist;
  bool task_changed;
  int64_t last_cycle_ns;
  bool have_last;
  /* two-phase cycles (planner.refine): explored at explore_ns for the
   * state predicted lead_ns ahead, refined at the next cycle */
  bool explored;
  int64_t explore_ns, lead_ns;
  /* outputs */
  mi_predictor_plan plan;
  mi_predictor_status st;
  float *qs, *qds;     /* (H + 1) x n predicted states */
  double *vq;          /* (H + 1) x n for verification */
  /* an escape: the contacts the measured state was first found in, their
   * depths then, and when plans must be out of them (renewed only once a
   * measured state is out of contact: no creeping deeper cycle by cycle) */
  mi_wm_contact start[MI_PRED_MAX_START_CONTACTS];
  int nstart;
  int64_t escape_until_ns;
  int escape_steps; /* this cycle's: steps of its plans that may still touch */
  float goal_f[3];
  /* the last plan handed out and when (teleop integrates on its references) */
  mi_predictor_plan *last;
  int64_t last_plan_ns;
  bool have_last_plan;
  double qref[MI_WM_MAX_DOF]; /* this cycle's reference: teleop's start and hold */
  /* the learner's correction in the rollouts: the prior's tables (m->dynf)
   * and the mass-corrected ones; dyn_active is the one the rollout runs */
  mi_wm_dynf dynf_c;
  const mi_wm_dynf *dyn_active;
  uint64_t applied_fits; /* the learner fit dynf_c was made from, 0 = none */
  bool terms_due;        /* the last cycle's plan has no cost breakdown yet */
  uint64_t error_cycle;  /* the cycle the prediction error was last replayed after */
};

static void set_reason(mi_predictor *pr, const char *fmt, ...) MI_PRINTF(2, 3);
static void set_reason(mi_predictor *pr, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(pr->st.reason, sizeof pr->st.reason, fmt, ap);
  va_end(ap);
}

mi_status mi_predictor_create(const mi_predictor_params *p, mi_predictor **out, char *err,
                              size_t err_sz) {
  if (!p || !out) return MI_ERR_INVALID;
  if (!p->urdf[0]) {
    snprintf(err, err_sz, "model.urdf is not set");
    return MI_ERR_INVALID;
  }
  mi_status st;
  mi_predictor *pr = calloc(1, sizeof *pr);
  if (!pr) return MI_ERR_NOMEM;
  pr->p = *p;
  pr->m = mi_wm_model_load(p->urdf, p->cell[0] ? p->cell : NULL, err, err_sz);
  if (!pr->m) {
    st = MI_ERR_PARSE;
    goto fail;
  }
  pr->n = pr->m->ndof;
  pr->H = (int)p->planner.H;
  if (pr->H + 1 > MI_PRED_MAX_POINTS) {
    snprintf(err, err_sz, "planner.H %d: plans hold at most %d points", pr->H,
             MI_PRED_MAX_POINTS - 1);
    st = MI_ERR_INVALID;
    goto fail;
  }
  if ((st = mi_wm_engine_create(pr->m, &p->planner, &p->cuda, &pr->engine, err, err_sz)) !=
      MI_OK)
    goto fail;
  pr->rollout = mi_wm_engine_rollout(pr->engine);
  pr->backend = mi_wm_backend_name(mi_wm_engine_backend(pr->engine));
  if ((st = mi_wm_learner_create(pr->m, &p->learner, &pr->learner)) != MI_OK) {
    snprintf(err, err_sz, "learner: %s", mi_status_str(st));
    goto fail;
  }
  if ((st = mi_wm_est_init(&pr->est, pr->m, &p->est)) != MI_OK) goto fail;
  pr->qs = calloc((size_t)(pr->H + 1) * (size_t)pr->n, sizeof(float));
  pr->qds = calloc((size_t)(pr->H + 1) * (size_t)pr->n, sizeof(float));
  pr->vq = calloc((size_t)(pr->H + 1) * (size_t)pr->n, sizeof(double));
  pr->last = calloc(1, sizeof *pr->last);
  if (!pr->qs || !pr->qds || !pr->vq || !pr->last) {
    st = MI_ERR_NOMEM;
    goto fail;
  }
  pr->st.planner = mi_planner_kind_name((int)p->planner.kind);
  pr->st.backend = pr->backend;
  pr->st.task = mi_task_name(MI_TASK_NONE);
  pr->st.candidates = (uint32_t)p->planner.K;
  pr->st.prediction_error = NAN;
  pr->st.prediction_error_prior = NAN;
  pr->st.best_cost = NAN;
  for (int i = 0; i < MI_COST_NTERMS; i++) pr->st.cost_terms[i] = NAN;
  pr->st.tool_to_goal_m = NAN;
  pr->st.learner_enabled = p->learner.enabled;
  pr->dyn_active = &pr->m->dynf;
  pr->st.ndof = pr->n;
  for (int k = 0; k < MI_WM_MAX_DOF; k++) pr->st.learner_mass_scale[k] = 1.0;
  set_reason(pr, "no task yet");
  /* zones: free until rt/safety_zone says otherwise? No: occupied until
   * told (the rollout's safe default) */
  *out = pr;
  return MI_OK;
fail:
  mi_predictor_destroy(pr);
  return st;
}

void mi_predictor_destroy(mi_predictor *pr) {
  if (!pr) return;
  mi_wm_engine_destroy(pr->engine);
  mi_wm_learner_destroy(pr->learner);
  mi_wm_model_free(pr->m);
  free(pr->qs);
  free(pr->qds);
  free(pr->vq);
  free(pr->last);
  free(pr);
}

const mi_model *mi_predictor_model(const mi_predictor *pr) { return pr->m; }

mi_status mi_predictor_joint_state(mi_predictor *pr, int64_t stamp_ns, int64_t now_ns,
                                   const double *q, const double *qd, const double *tau,
                                   char *why, size_t why_sz) {
  mi_status st = mi_wm_est_joint_update(&pr->est, stamp_ns, now_ns, q, qd, tau, why, why_sz);
  if (st != MI_OK) return st;
  if (tau) (void)mi_wm_learner_push(pr->learner, stamp_ns, q, qd, tau);
  return MI_OK;
}

int mi_predictor_part_poses(mi_predictor *pr, int64_t stamp_ns, const mi_pose *poses, int n) {
  return mi_wm_est_parts_update(&pr->est, stamp_ns, poses, n);
}

void mi_predictor_zone(mi_predictor *pr, int zone, bool occupied) {
  if (zone >= 0 && zone < pr->m->nzone) mi_rollout_set_zone_active(pr->rollout, zone, occupied);
}

static bool pose_finite(mi_pose g) {
  return isfinite(g.p.x) && isfinite(g.p.y) && isfinite(g.p.z) && isfinite(g.q.w) &&
         isfinite(g.q.x) && isfinite(g.q.y) && isfinite(g.q.z);
}

static void new_task(mi_predictor *pr, int task) {
  if (pr->task != task) pr->task_changed = true;
  pr->task = task;
  pr->st.task = mi_task_name(task);
}

mi_status mi_predictor_set_reach(mi_predictor *pr, mi_pose goal, bool use_orientation) {
  if (!pose_finite(goal)) return MI_ERR_INVALID;
  pr->goal = goal;
  pr->goal.q = mi_quat_normalize(goal.q);
  pr->goal_rot = use_orientation;
  new_task(pr, MI_TASK_REACH);
  pr->task_changed = true; /* a new goal: replan from the present */
  return MI_OK;
}

mi_status mi_predictor_set_pick(mi_predictor *pr) {
  new_task(pr, MI_TASK_PICK);
  return MI_OK;
}

mi_status mi_predictor_teleop(mi_predictor *pr, int64_t stamp_ns, const double v[3]) {
  if (!isfinite(v[0]) || !isfinite(v[1]) || !isfinite(v[2])) return MI_ERR_INVALID;
  memcpy(pr->twist, v, sizeof pr->twist);
  pr->twist_ns = stamp_ns;
  pr->have_twist = true;
  new_task(pr, MI_TASK_TELEOP);
  return MI_OK;
}

/* Between cycles: give the rollout the learner's mass-corrected tables after
 * every new fit while learning is on; back to the prior when it is off. */
static void rollout_correction(mi_predictor *pr, const mi_wm_learner_stats *ls) {
  const bool want = pr->st.learner_enabled && ls->fitted;
  if (want && ls->fits != pr->applied_fits) {
    double scale[MI_WM_MAX_DOF];
    if (mi_wm_learner_mass_scale(pr->learner, scale) != MI_OK) return;
    mi_wm_learner_scale_dyn(scale, &pr->m->dyn, &pr->m->dynf, NULL, &pr->dynf_c);
    if (mi_wm_engine_set_inertia(pr->engine, &pr->dynf_c) != MI_OK) return;
    pr->dyn_active = &pr->dynf_c;
    pr->applied_fits = ls->fits;
    for (int k = 0; k < pr->n; k++) pr->st.learner_mass_scale[k] = scale[k];
    pr->st.learner_in_rollouts = true;
  } else if (!want && pr->st.learner_in_rollouts) {
    (void)mi_wm_engine_set_inertia(pr->engine, &pr->m->dynf);
    pr->dyn_active = &pr->m->dynf;
    pr->applied_fits = 0;
    for (int k = 0; k < pr->n; k++) pr->st.learner_mass_scale[k] = 1.0;
    pr->st.learner_in_rollouts = false;
  }
}

const mi_wm_dynf *mi_predictor_rollout_dyn(const mi_predictor *pr) {
  const mi_wm_dynf *d = NULL;
  (void)mi_rollout_export(pr->rollout, &d, NULL, NULL, NULL, NULL, NULL);
  return d;
}

void mi_predictor_set_learning(mi_predictor *pr, bool on) {
  mi_wm_learner_set_enabled(pr->learner, on);
  pr->st.learner_enabled = on;
}

void mi_predictor_tool_position(const mi_predictor *pr, const double *q, double p[3]) {
  float qf[MI_WM_MAX_DOF], pf[3];
  for (int j = 0; j < pr->n; j++) qf[j] = (float)q[j];
  mi_rollout_ee_position(pr->rollout, qf, pf);
  for (int i = 0; i < 3; i++) p[i] = pf[i];
}

void mi_predictor_rejected(const mi_predictor *pr, uint64_t counts[MI_WM_EST_REJECT_COUNT]) {
  memcpy(counts, pr->est.rejected, sizeof pr->est.rejected);
}

void mi_predictor_get_status(const mi_predictor *pr, mi_predictor_status *out) { *out = pr->st; }

/* a stop: hold q (one point at t = 0 and one at the end of the horizon) */
static void make_stop(mi_predictor *pr, const double *q) {
  mi_predictor_plan *pl = &pr->plan;
  const int n = pr->n;
  pl->npoints = 2;
  pl->ndof = n;
  pl->stop = true;
  for (int i = 0; i < 2; i++) {
    pl->t[i] = i * pr->p.planner.dt * pr->H;
    for (int j = 0; j < n; j++) {
      pl->q[i][j] = q[j];
      pl->qd[i][j] = pl->qdd[i][j] = pl->tau[i][j] = 0.0;
    }
  }
}

static mi_status verify_rows(mi_predictor *pr, int rows, mi_wm_hit *hit);

/* a teleop cycle whose plan was rejected: publish a stop (hold the present
 * position) instead, so the plant never keeps following the last plan into
 * what this cycle found. The stop is verified over its whole hold time: the
 * held position and the motion the rollout predicts while the arm brakes
 * from its present speed. A stop whose braking motion would touch something
 * is still the least bad action and goes out; the reason says so. */
static mi_status teleop_stop(mi_predictor *pr, const double *q, const char *why) {
  const int n = pr->n;
  make_stop(pr, q);
  float knots[MI_PLANNER_MAX_KNOTS * MI_WM_MAX_DOF];
  const int kn = (int)pr->p.planner.knots;
  for (int k = 0; k < kn; k++)
    for (int j = 0; j < n; j++) knots[k * n + j] = (float)q[j];
  (void)mi_rollout_trajectory(pr->rollout, knots, pr->qs, pr->qds);
  bool finite = true;
  for (int i = 0; i < (pr->H + 1) * n; i++) {
    finite = finite && isfinite(pr->qs[i]);
    pr->vq[i] = pr->qs[i];
  }
  mi_wm_hit hit;
  bool clear = finite && verify_rows(pr, pr->H + 1, &hit) == MI_OK;
  pr->st.stops++;
  pr->st.plans_published++;
  set_reason(pr, "teleop: stopped, %s%s", why,
             clear ? "" : "; contact predicted while braking");
  return MI_OK;
}

static mi_status verify_rows(mi_predictor *pr, int rows, mi_wm_hit *hit) {
  mi_wm_verify_opts o = {0};
  if (pr->nstart > 0) {
    o.start = pr->start;
    o.nstart = pr->nstart;
    o.escape_steps = pr->escape_steps;
    o.escape_slack_m = MI_PRED_ESCAPE_SLACK_M;
  }
  return mi_wm_verify_ex(pr->m, pr->vq, rows, &o, hit);
}

/* Is the measured state q (at now_ns) in contact, and may this cycle's plans
 * still be in it? The first measured state in contact starts an escape:
 * its contacts and their depths are what plans may stay in, no deeper, until
 * verify.escape_time later; contacts that appear after it are collisions,
 * and once the time is up every plan that still touches is refused (the
 * controller stops). A measured state out of contact ends the escape.
 * verify.escape_time 0: none (every plan refused while in contact). The
 * robot's geoms against the cell, the floor and themselves: parts are not
 * in the predictor's exact check. */
static void start_contacts(mi_predictor *pr, const double *q, int64_t now_ns) {
  pr->escape_steps = 0;
  if (!(pr->p.escape_time_s > 0)) {
    pr->nstart = 0;
    return;
  }
  /* outside an escape the list is free: this scan fills it for one that starts */
  const bool escaping = pr->nstart > 0;
  int nc = mi_wm_contacts(pr->m, q, NULL, escaping ? NULL : pr->start,
                          escaping ? 0 : MI_PRED_MAX_START_CONTACTS);
  if (nc <= 0) {
    pr->nstart = 0; /* out of contact (or bad arguments: nothing allowed) */
    return;
  }
  if (!escaping) {
    pr->nstart = nc > MI_PRED_MAX_START_CONTACTS ? MI_PRED_MAX_START_CONTACTS : nc;
    pr->escape_until_ns = now_ns + mi_ns_from_s(pr->p.escape_time_s);
  }
  double left = mi_s_from_ns(pr->escape_until_ns - now_ns);
  pr->escape_steps = left > 0 ? (int)ceil(left / pr->p.planner.dt - 1e-9) : 0;
}

/* the task's goal for this cycle */
static mi_status task_goal(mi_predictor *pr, int64_t now_ns, const float *qf, const double *q) {
  const mi_predictor_params *p = &pr->p;
  double tool[3];
  mi_predictor_tool_position(pr, q, tool);
  switch (pr->task) {
    case MI_TASK_REACH: {
      float g[3] = {(float)pr->goal.p.x, (float)pr->goal.p.y, (float)pr->goal.p.z};
      float quat[4] = {(float)pr->goal.q.w, (float)pr->goal.q.x, (float)pr->goal.q.y,
                       (float)pr->goal.q.z};
      mi_rollout_set_goal(pr->rollout, g, pr->goal_rot ? quat : NULL);
      memcpy(pr->goal_f, g, sizeof g);
      return MI_OK;
    }
    case MI_TASK_PICK: {
      mi_pose parts[MI_WM_EST_MAX_TRACKS];
      mi_vec3 vel[MI_WM_EST_MAX_TRACKS];
      int np = mi_wm_est_parts_at(&pr->est, now_ns, parts, vel, NULL, MI_WM_EST_MAX_TRACKS);
      /* the goal: worldmodel/tasks.h mi_task_pick_goal (engineer `pick`) */
      mi_vec3 pp[MI_WM_EST_MAX_TRACKS], best;
      for (int i = 0; i < np; i++) pp[i] = parts[i].p;
      const mi_task_pick_cfg cfg = {p->approach_height, p->tool_speed, 5.0,
                                    MI_TASK_PICK_CAPTURE_XY, MI_TASK_PICK_LEAD_S,
                                    mi_task_pick_grasp_dz(pr->m)};
      int which = -1;
      bool down = false;
      if (mi_task_pick_goal(&cfg, pp, vel, np, mi_vec3_make(tool[0], tool[1], tool[2]), &best,
                            &which, &down) != MI_OK) {
        set_reason(pr, "pick: no part on the conveyor that can be reached");
        return MI_ERR_STATE;
      }
      if (down) {
        /* over the part: the goal is its grasp point moving with it over the
         * horizon, so the plan matches the belt's velocity at the grasp (the
         * gripper takes a part only at a small relative speed) */
        best = mi_vec3_add(pp[which], mi_vec3_make(0, 0, cfg.grasp_dz));
      }
      float g[3] = {(float)best.x, (float)best.y, (float)best.z};
      mi_rollout_set_goal(pr->rollout, g, NULL);
      if (down) {
        const float v[3] = {(float)vel[which].x, (float)vel[which].y, (float)vel[which].z};
        mi_rollout_set_goal_velocity(pr->rollout, v);
      }
      memcpy(pr->goal_f, g, sizeof g);
      return MI_OK;
    }
    case MI_TASK_TELEOP: {
      double v[3] = {0.0, 0.0, 0.0};
      if (pr->have_twist && now_ns - pr->twist_ns <= mi_ns_from_s(p->teleop_timeout_s))
        memcpy(v, pr->twist, sizeof v);
      const int kn = (int)p->planner.knots;
      float knots[MI_PLANNER_MAX_KNOTS * MI_WM_MAX_DOF], g[3];
      double horizon = p->planner.dt * (double)pr->H;
      (void)p->teleop_horizon_s;
      float rf[MI_WM_MAX_DOF];
      for (int j = 0; j < pr->n; j++) rf[j] = (float)pr->qref[j];
      (void)qf;
      mi_status st = mi_task_teleop_knots(pr->rollout, pr->m, rf, v, horizon, kn,
                                          p->dls_lambda, knots, g);
      if (st != MI_OK) return st;
      /* candidates are sampled around the operator's nominal */
      mi_wm_engine_set_knots(pr->engine, knots);
      mi_rollout_set_goal(pr->rollout, g, NULL);
      memcpy(pr->goal_f, g, sizeof g);
      return MI_OK;
    }
    default:
      set_reason(pr, "no task: waiting for rt/goal or rt/teleop/twist");
      return MI_ERR_STATE;
  }
}

/* the plan goes out: remember it (teleop integrates on its references) */
static void handed_out(mi_predictor *pr, int64_t now_ns) {
  *pr->last = pr->plan;
  pr->last_plan_ns = now_ns;
  pr->have_last_plan = true;
}

/* a two-phase cycle (mi_predictor_explore) applies: refine set, the CPU
 * engine, a task that optimises (reach, pick) */
static bool two_phase(const mi_predictor *pr) {
  return pr->p.planner.refine > 0 && (pr->task == MI_TASK_REACH || pr->task == MI_TASK_PICK) &&
         mi_wm_engine_backend(pr->engine) == MI_BACKEND_CPU;
}

/* the learner's state (its prediction error: mi_predictor_after_cycle) and
 * the rollout's tables after a new fit */
static void learner_in(mi_predictor *pr) {
  mi_wm_learner_stats ls;
  mi_wm_learner_get_stats(pr->learner, &ls);
  pr->st.learner_fitted = ls.fitted;
  pr->st.learner_transitions = ls.transitions;
  rollout_correction(pr, &ls);
}

/* 1-2: a fresh joint state or nothing; the joint state extrapolated to at_ns
 * and the parts at at_ns into the rollout. MI_ERR_STALE is the caller's to
 * count. */
static mi_status cycle_state(mi_predictor *pr, int64_t now_ns, int64_t at_ns, double *q,
                             float *qf) {
  const int n = pr->n;
  const mi_predictor_params *p = &pr->p;
  int64_t age = mi_wm_est_joint_age(&pr->est, now_ns);
  if (age > mi_ns_from_s(p->js_budget_s)) {
    if (age == INT64_MAX)
      set_reason(pr, "no joint state received yet");
    else
      set_reason(pr, "joint states stale: %.1f ms old, budget %.1f ms", (double)age / 1e6,
                 p->js_budget_s * 1e3);
    return MI_ERR_STALE;
  }
  double qd[MI_WM_MAX_DOF];
  float qdf[MI_WM_MAX_DOF];
  mi_wm_est_joint_at(&pr->est, at_ns, q, qd);
  for (int j = 0; j < n; j++) {
    qf[j] = (float)q[j];
    qdf[j] = (float)qd[j];
  }
  if (mi_rollout_set_state(pr->rollout, qf, qdf) != MI_OK) {
    set_reason(pr, "state not finite");
    return MI_ERR_RANGE;
  }
  mi_wm_est_parts_expire(&pr->est, now_ns);
  mi_pose parts[MI_WM_EST_MAX_TRACKS];
  int type[MI_WM_EST_MAX_TRACKS] = {0};
  int np = mi_wm_est_parts_at(&pr->est, at_ns, parts, NULL, NULL, MI_WM_EST_MAX_TRACKS);
  if (pr->m->npart < 1) np = 0;
  /* the part being picked is the goal, not an obstacle */
  if (pr->task == MI_TASK_PICK) np = 0;
  (void)mi_rollout_set_parts(pr->rollout, parts, type, np);
  return MI_OK;
}

/* 3: the task at at_ns: the warm start moved to at_ns, the goal */
static mi_status cycle_task(mi_predictor *pr, int64_t at_ns, const float *qf, const double *q) {
  const int n = pr->n;
  const mi_predictor_params *p = &pr->p;
  if (pr->task_changed || !pr->have_last) {
    mi_wm_engine_reset(pr->engine, qf);
    pr->task_changed = false;
  } else {
    mi_wm_engine_shift(pr->engine, mi_s_from_ns(at_ns - pr->last_cycle_ns));
  }
  pr->last_cycle_ns = at_ns;
  pr->have_last = true;
  /* teleop's reference: where the last plan's references are now, so that
   * the operator's motion is integrated on the references, not on the
   * measured state (which sags under gravity by the servo's offset: starting
   * each cycle from it would ratchet the arm down); the measured state when
   * there is no recent plan */
  memcpy(pr->qref, q, sizeof(double) * (size_t)n);
  if (pr->task == MI_TASK_TELEOP && pr->have_last_plan) {
    const mi_predictor_plan *lp = pr->last;
    double t = mi_s_from_ns(at_ns - pr->last_plan_ns);
    if (t >= 0.0 && t <= lp->t[lp->npoints - 1] + 2.0 / p->rate_hz) {
      int i = 0;
      while (i + 1 < lp->npoints && lp->t[i + 1] <= t) i++;
      double f = i + 1 < lp->npoints ? (t - lp->t[i]) / (lp->t[i + 1] - lp->t[i]) : 0.0;
      if (f > 1.0) f = 1.0;
      for (int j = 0; j < n; j++)
        pr->qref[j] = lp->q[i][j] + (i + 1 < lp->npoints ? f * (lp->q[i + 1][j] - lp->q[i][j]) : 0.0);
    }
  }
  mi_status st = task_goal(pr, at_ns, qf, q);
  if (st != MI_OK && (st != MI_ERR_STATE || !pr->st.reason[0])) /* every no-plan says why */
    set_reason(pr, "%s: %s", mi_task_name(pr->task), mi_status_str(st));
  return st;
}

/* the tool's distance to the goal from the measured state */
static void cycle_reached(mi_predictor *pr, const double *q) {
  double tool[3];
  mi_predictor_tool_position(pr, q, tool);
  pr->st.tool_to_goal_m = sqrt((tool[0] - pr->goal_f[0]) * (tool[0] - pr->goal_f[0]) +
                               (tool[1] - pr->goal_f[1]) * (tool[1] - pr->goal_f[1]) +
                               (tool[2] - pr->goal_f[2]) * (tool[2] - pr->goal_f[2]));
  pr->st.reached = pr->task != MI_TASK_TELEOP && pr->st.tool_to_goal_m <= pr->p.goal_tolerance;
}

mi_status mi_predictor_explore(mi_predictor *pr, int64_t now_ns) {
  pr->explored = false;
  if (!two_phase(pr)) return MI_ERR_STATE;
  const int64_t t0 = mi_clock_mono_ns();
  learner_in(pr);
  double q[MI_WM_MAX_DOF];
  float qf[MI_WM_MAX_DOF];
  const int64_t at = now_ns + pr->lead_ns;
  mi_status st = cycle_state(pr, now_ns, at, q, qf);
  if (st == MI_OK) st = cycle_task(pr, at, qf, q);
  if (st == MI_OK) st = mi_wm_engine_explore(pr->engine);
  if (st != MI_OK) return st; /* the cycle tries again, in one phase */
  pr->explored = true;
  pr->explore_ns = now_ns;
  pr->st.explore_time_s = mi_s_from_ns(mi_clock_mono_ns() - t0);
  return MI_OK;
}

/* 5-7: the plan from the engine's knots (its points, the rollout's
 * predicted states and efforts), finite, and verified exactly: MI_OK,
 * MI_ERR_RANGE (a value not finite) or MI_ERR_COLLISION (*hit, in the
 * rows `what` names) */
static mi_status plan_from_knots(mi_predictor *pr, mi_wm_hit *hit, const char **what) {
  const int n = pr->n, H = pr->H;
  const mi_predictor_params *p = &pr->p;
  const float *knots = mi_wm_engine_knots(pr->engine);
  pr->st.best_cost = mi_rollout_trajectory(pr->rollout, knots, pr->qs, pr->qds);
  pr->terms_due = true; /* its breakdown: mi_predictor_after_cycle */
  mi_predictor_plan *pl = &pr->plan;
  pl->npoints = H + 1;
  pl->ndof = n;
  pl->stop = false;
  const double dt = p->planner.dt;
  for (int i = 0; i <= H; i++) {
    float u[MI_PLANNER_MAX_NU];
    pl->t[i] = dt * i;
    /* the references the rollout tracked: during step i (from t = i dt) it
     * held the spline at the end of the step, (i + 1) dt, so that is point
     * i (the last point holds the horizon's end). Not the measured position
     * at t = 0, which would drop what the servo needs for the first
     * interval; not the spline at t = 0 either: no rollout step tracks it,
     * so nothing scores it, and a knot 0 that drifted into the belt had
     * every later plan rejected at step 0 (the pick test) */
    mi_wm_engine_control_at(pr->engine, dt * (i < H ? i + 1 : H), u);
    for (int j = 0; j < n; j++) pl->q[i][j] = u[j];
  }
  for (int i = 0; i <= H; i++)
    for (int j = 0; j < n; j++) {
      int a = i > 0 ? i - 1 : 0, b = i < H ? i + 1 : H;
      pl->qd[i][j] = (pl->q[b][j] - pl->q[a][j]) / (dt * (b - a));
    }
  for (int i = 0; i <= H; i++)
    for (int j = 0; j < n; j++) {
      int a = i > 0 ? i - 1 : 0, b = i < H ? i + 1 : H;
      pl->qdd[i][j] = (pl->qd[b][j] - pl->qd[a][j]) / (dt * (b - a));
    }
  /* efforts: the rollout's law on its predicted states (rollout_law.h:
   * clamp(kp (q_ref - q) + g(q), +-effort) - kd qd) */
  {
    float kp[MI_WM_MAX_DOF], tmax[MI_WM_MAX_DOF];
    for (int j = 0; j < n; j++) {
      kp[j] = (float)mi_planner_per_joint(&p->planner.kp, j, 100.0);
      tmax[j] = pr->dyn_active->effort[j];
    }
    for (int i = 0; i <= H; i++) {
      float qr[MI_WM_MAX_DOF], tq[MI_WM_MAX_DOF];
      for (int j = 0; j < n; j++) qr[j] = (float)pl->q[i][j];
      mi_rollout_track_f(pr->dyn_active, kp, tmax, mi_rollout_gravity_comp(pr->rollout),
                         &pr->qs[i * n], qr, tq);
      for (int j = 0; j < n; j++) {
        double kd = mi_planner_per_joint(&p->planner.kd, j, 10.0);
        pl->tau[i][j] = (double)tq[j] - kd * pr->qds[i * n + j];
      }
    }
  }

  /* 6. never a NaN */
  bool finite = true;
  for (int i = 0; i <= H && finite; i++)
    for (int j = 0; j < n; j++)
      if (!isfinite(pl->q[i][j]) || !isfinite(pl->qd[i][j]) || !isfinite(pl->qdd[i][j]) ||
          !isfinite(pl->tau[i][j]) || !isfinite(pr->qs[i * n + j]))
        finite = false;
  if (!finite) return MI_ERR_RANGE;

  /* 7. exact verification of the references and the predicted motion */
  for (int i = 0; i <= H; i++)
    for (int j = 0; j < n; j++) pr->vq[i * n + j] = pl->q[i][j];
  *what = "references";
  mi_status st = verify_rows(pr, H + 1, hit);
  if (st == MI_OK) {
    for (int i = 0; i <= H * n + n - 1; i++) pr->vq[i] = pr->qs[i];
    *what = "predicted motion";
    st = verify_rows(pr, H + 1, hit);
  }
  return st == MI_OK ? MI_OK : MI_ERR_COLLISION;
}

mi_status mi_predictor_cycle(mi_predictor *pr, int64_t now_ns, const mi_predictor_plan **plan) {
  const int n = pr->n;
  const mi_predictor_params *p = &pr->p;
  const int64_t t0 = mi_clock_mono_ns();
  pr->st.cycles++;
  pr->st.samples_rejected = mi_wm_est_rejected_total(&pr->est);
  if (plan) *plan = NULL;
  pr->terms_due = false;
  /* refine what mi_predictor_explore prepared, unless the task changed since */
  const bool refine = pr->explored && !pr->task_changed && two_phase(pr);
  pr->explored = false;
  if (!refine) learner_in(pr);

  /* 1-2. the present */
  double q[MI_WM_MAX_DOF];
  float qf[MI_WM_MAX_DOF];
  mi_status st = cycle_state(pr, now_ns, now_ns, q, qf);
  if (st != MI_OK) {
    if (st == MI_ERR_STALE) pr->st.stale++;
    return st;
  }
  start_contacts(pr, q, now_ns);

  /* 3-4. the task and the plan: refined from the present after an explore
   * from the predicted state; both phases now (lockstep, no explore); or
   * one phase. Teleop executes the operator's nominal as it is (the tool at
   * the commanded speed, verified below, else a stop): the cost pulls the
   * tool to the end of the nominal as fast as it can, so an optimised plan
   * would outrun the operator's twist. */
  mi_planner_result res = {0};
  if (refine) {
    /* the plan's origin is now: the explore moved the warm start to its
     * prediction of now (lead_ns, learnt here) */
    int64_t lead = now_ns - pr->explore_ns;
    pr->lead_ns = pr->lead_ns > 0 ? pr->lead_ns + (lead - pr->lead_ns) / 8 : lead;
    pr->last_cycle_ns = now_ns;
    st = mi_wm_engine_refine(pr->engine, &res);
  } else {
    st = cycle_task(pr, now_ns, qf, q);
    if (st != MI_OK) return st;
    if (two_phase(pr)) {
      pr->st.explore_time_s = 0.0;
      st = mi_wm_engine_explore(pr->engine);
      if (st == MI_OK) st = mi_wm_engine_refine(pr->engine, &res);
    } else if (pr->task != MI_TASK_TELEOP) {
      st = mi_wm_engine_optimize(pr->engine, &res);
    }
  }
  if (st != MI_OK) {
    set_reason(pr, "planner: %s", mi_status_str(st));
    return st;
  }
  pr->st.iterations += (uint64_t)res.iterations;
  cycle_reached(pr, q);

  /* 5-7. the plan, verified; when the mean's is refused, the cheapest
   * candidates' in turn (the verified one becomes the mean: the warm start
   * follows what was published) */
  mi_wm_hit hit;
  const char *what = "";
  const double dt = p->planner.dt;
  mi_predictor_plan *pl = &pr->plan;
  st = plan_from_knots(pr, &hit, &what);
  if (st == MI_ERR_COLLISION && pr->task != MI_TASK_TELEOP) {
    const int kn = (int)p->planner.knots * n;
    float mean[MI_PLANNER_MAX_KNOTS * MI_WM_MAX_DOF];
    memcpy(mean, mi_wm_engine_knots(pr->engine), sizeof(float) * (size_t)kn);
    mi_wm_hit hit0 = hit;
    const char *what0 = what;
    const double best0 = pr->st.best_cost;
    for (int r = 0; st == MI_ERR_COLLISION && r < MI_PRED_FALLBACKS; r++) {
      const float *alt = mi_wm_engine_ranked(pr->engine, r);
      if (!alt) break;
      mi_wm_engine_set_knots(pr->engine, alt);
      st = plan_from_knots(pr, &hit, &what);
    }
    if (st == MI_OK) {
      pr->st.plans_fallback++;
    } else {
      /* none: the mean stays the warm start, its hit the reason, its cost
       * the status's (the breakdown after the cycle is the mean's) */
      mi_wm_engine_set_knots(pr->engine, mean);
      pr->st.best_cost = best0;
      hit = hit0;
      what = what0;
      st = MI_ERR_COLLISION;
    }
  }
  if (st == MI_ERR_RANGE) {
    pr->st.plans_rejected++;
    pr->st.solve_time_s = mi_s_from_ns(mi_clock_mono_ns() - t0);
    if (pr->task == MI_TASK_TELEOP) {
      (void)teleop_stop(pr, pr->qref, "the plan had a value that is not finite");
      handed_out(pr, now_ns);
      if (plan) *plan = pl;
      return MI_OK;
    }
    set_reason(pr, "plan rejected: a value is not finite");
    return MI_ERR_RANGE;
  }
  pr->st.solve_time_s = mi_s_from_ns(mi_clock_mono_ns() - t0);
  if (st != MI_OK) {
    pr->st.plans_rejected++;
    /* "link3/collision0 vs fixture 'table' at step 12": which link touched
     * what (another link, the floor, a fixture, the belt, a zone) */
    char hd[160];
    mi_wm_hit_describe(pr->m, &hit, NULL, hd, sizeof hd);
    if (pr->task == MI_TASK_TELEOP) {
      /* the closest collision-free action: none in the plan, so stop */
      char why[224];
      snprintf(why, sizeof why, "the commanded motion hits: %s (%.2f s)", hd, hit.step * dt);
      (void)teleop_stop(pr, pr->qref, why);
      handed_out(pr, now_ns);
      if (plan) *plan = pl;
      return MI_OK;
    }
    if (pr->nstart > 0)
      set_reason(pr, "plan rejected while leaving a contact (%.2f s left): %s (%.2f s) in its %s",
                 pr->escape_steps * dt, hd, hit.step * dt, what);
    else
      set_reason(pr, "plan rejected: %s (%.2f s) in its %s", hd, hit.step * dt, what);
    return MI_ERR_COLLISION;
  }
  pr->st.plans_published++;
  if (pr->nstart > 0) pr->st.plans_escaping++;
  pr->st.reason[0] = '\0';
  handed_out(pr, now_ns);
  if (plan) *plan = pl;
  return MI_OK;
}

/* Off the plan's path: the node publishes the plan first. Both read what
 * the cycle left: the rollout's state and goal and the engine's knots stay
 * as they were until the next cycle. */
void mi_predictor_after_cycle(mi_predictor *pr) {
  if (pr->terms_due) {
    float terms[MI_COST_NTERMS];
    (void)mi_rollout_trajectory_terms(pr->rollout, mi_wm_engine_knots(pr->engine), NULL, NULL,
                                      terms);
    for (int i = 0; i < MI_COST_NTERMS; i++) pr->st.cost_terms[i] = terms[i];
    pr->terms_due = false;
  }
  /* the learner's open-loop replay (milliseconds: every 25th cycle) */
  if (pr->st.cycles % 25 == 1 && pr->st.cycles != pr->error_cycle) {
    double e, ep;
    pr->error_cycle = pr->st.cycles;
    if (mi_wm_learner_prediction_error(pr->learner, 8, &e, &ep) == MI_OK && isfinite(e)) {
      pr->st.prediction_error = e;
      pr->st.prediction_error_prior = ep;
    }
  }
  /* the next cycle's noise, drawn while the predictor waits for its joint
   * state (teleop does not sample) */
  if (pr->task != MI_TASK_TELEOP) (void)mi_wm_engine_prepare(pr->engine);
}
