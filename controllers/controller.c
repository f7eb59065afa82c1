/* controllers/controller.c - the controller core: inputs through lock-free
 * handoffs, the deadline monitor, references per state, limits, control law. */
#include "controllers/controller.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ring.h"

#define S mi_ctrl_params
static const mi_param_def k_defs[] = {
    MI_P_DOUBLE(S, rate_hz, "rate_hz", "1000.0", 10.0, 10000.0, "Hz", "control loop rate"),
    MI_P_STRINGS(S, joints, "joints", "[shoulder_pan, shoulder_lift, elbow]",
                 "controlled joints, in command order (names as in the URDF and rt/joint_states)"),
    MI_P_ENUM(S, law, "law", "pd_gravity", "pd_gravity|pd|computed_torque",
              "control law: PD plus gravity compensation, plain PD, or computed torque"),
    MI_P_DOUBLES(S, kp, "gains.kp", "[100.0]", 0.0, 1e6, "N m/rad", "proportional gain per joint (one value: every joint)"),
    MI_P_DOUBLES(S, kd, "gains.kd", "[20.0]", 0.0, 1e5, "N m s/rad", "derivative gain per joint (one value: every joint)"),
    MI_P_DOUBLES(S, position_min, "limits.position_min", "[-3.14]", -100.0, 100.0, "rad", "lower position limit per joint"),
    MI_P_DOUBLES(S, position_max, "limits.position_max", "[3.14]", -100.0, 100.0, "rad", "upper position limit per joint"),
    MI_P_DOUBLES(S, velocity_max, "limits.velocity_max", "[2.0]", 1e-3, 1e3, "rad/s", "velocity limit per joint"),
    MI_P_DOUBLES(S, acceleration_max, "limits.acceleration_max", "[10.0]", 1e-3, 1e5, "rad/s^2", "acceleration limit per joint (also the controlled stop's bound)"),
    MI_P_DOUBLES(S, effort_max, "limits.effort_max", "[100.0]", 1e-3, 1e5, "N m", "effort limit per joint"),
    MI_P_DOUBLE(S, plan_late_ms, "budgets.plan.late_ms", "100.0", 0.1, 1e6, "ms", "rt/plan older than this is LATE (RUN -> DEGRADED)"),
    MI_P_DOUBLE(S, plan_expired_ms, "budgets.plan.expired_ms", "300.0", 0.1, 1e6, "ms", "rt/plan older than this is EXPIRED (-> SAFE_STOP)"),
    MI_P_DOUBLE(S, joint_states_late_ms, "budgets.joint_states.late_ms", "10.0", 0.1, 1e6, "ms", "rt/joint_states older than this is LATE"),
    MI_P_DOUBLE(S, joint_states_expired_ms, "budgets.joint_states.expired_ms", "50.0", 0.1, 1e6, "ms", "rt/joint_states older than this is EXPIRED"),
    MI_P_DOUBLE(S, zone_late_ms, "budgets.safety_zone.late_ms", "250.0", 0.1, 1e6, "ms", "rt/safety_zone older than this is LATE"),
    MI_P_DOUBLE(S, zone_expired_ms, "budgets.safety_zone.expired_ms", "1000.0", 0.1, 1e6, "ms", "rt/safety_zone older than this is EXPIRED"),
    MI_P_DOUBLE(S, settle_time, "settle_time", "0.5", 0.0, 3600.0, "s", "every input fresh (and the zone clear) this long before RUN again"),
    MI_P_DOUBLE(S, degraded_max_time, "degraded.max_time", "1.0", 0.0, 3600.0, "s", "DEGRADED this long goes to SAFE_STOP (0: never)"),
    MI_P_DOUBLE(S, degraded_decel_time, "degraded.decel_time", "0.5", 0.001, 60.0, "s", "DEGRADED slows the plan's time from full speed to zero over this"),
    MI_P_DOUBLE(S, stop_time_max, "stop.time_max", "1.0", 0.001, 60.0, "s", "bound on a controlled stop; must be >= velocity_max/acceleration_max of every joint"),
    MI_P_DOUBLE(S, plan_velocity_tolerance, "plan.velocity_tolerance", "0.05", 0.0, 10.0, NULL, "a plan may exceed velocity_max by this fraction before it is rejected"),
    MI_P_INT(S, rt_priority, "rt.priority", "80", 0, 99, NULL, "SCHED_FIFO priority of the loop (0: SCHED_OTHER)"),
    MI_P_INT(S, rt_cpu, "rt.cpu", "-1", -1, 1023, NULL, "CPU to pin the loop to (-1: none)"),
    MI_P_BOOL(S, rt_lock_memory, "rt.lock_memory", "true", "mlockall the process"),
    MI_P_DOUBLE(S, rt_sync_offset_ms, "rt.sync_offset_ms", "0.1", 0.0, 1000.0, "ms", "phase sync: the loop's ticks drift to this long after each rt/joint_states arrival, so a command uses a state only its transport old (0: free-running grid)"),
    MI_P_STRING(S, urdf, "model.urdf", "\"\"", "robot URDF for gravity compensation and computed torque (empty: none)"),
    MI_DDS_PARAM_ROWS(S, dds),
};
#undef S

static const mi_param_table k_table = {"controller", k_defs, sizeof k_defs / sizeof k_defs[0]};

const mi_param_table *mi_ctrl_param_table(void) { return &k_table; }

struct mi_ctrl {
  int n;
  mi_ctrl_params p;
  mi_ctrl_limits lim;
  double kp[MI_CTRL_MAX_JOINTS], kd[MI_CTRL_MAX_JOINTS];
  mi_ctrl_law law;
  mi_ctrl_dynamics dyn;
  int64_t decel_ns;

  /* handoffs: producers -> loop, loop -> status thread */
  mi_latest plan_in, js_in, zone_in, status_out;
  mi_spsc tr_out;
  _Atomic int64_t arrival_ns[MI_CTRL_IN_COUNT]; /* newest arrival, INT64_MIN: none */
  _Atomic uint64_t plans_accepted, plans_rejected, js_rejected;

  /* loop-owned */
  mi_ctrl_monitor mon;
  const mi_ctrl_plan *plan; /* followed plan (owned by plan_in's read slot) */
  mi_ctrl_blend blend;
  mi_ctrl_joint_state meas;
  bool have_meas;
  bool person;
  mi_ctrl_ref out; /* the last commanded reference */
  bool out_valid;
  double sigma;    /* DEGRADED speed scale */
  int64_t tau_ns;  /* DEGRADED plan time */
  int64_t stop_t0_ns, stop_dur_ns;
  double stop_q0[MI_CTRL_MAX_JOINTS], stop_v0[MI_CTRL_MAX_JOINTS], stop_a[MI_CTRL_MAX_JOINTS];
  bool stop_done;
  mi_ctrl_status st;
};

/* --- construction ------------------------------------------------------ */

static bool per_joint(const mi_param_doubles *a, int n, double *out, const char *name, char *err,
                      size_t err_sz) {
  if (a->n == 1) {
    for (int j = 0; j < n; j++) out[j] = a->v[0];
    return true;
  }
  if (a->n == n) {
    for (int j = 0; j < n; j++) out[j] = a->v[j];
    return true;
  }
  snprintf(err, err_sz, "%s: %d values for %d joints (give 1 or %d)", name, a->n, n, n);
  return false;
}

mi_ctrl *mi_ctrl_create(const mi_ctrl_params *p, const mi_ctrl_dynamics *dyn, int64_t now_ns,
                        char *err, size_t err_sz) {
  char scratch[8];
  if (!err || err_sz == 0) {
    err = scratch;
    err_sz = sizeof scratch;
  }
  err[0] = '\0';
  if (!p) {
    snprintf(err, err_sz, "no params");
    return NULL;
  }
  int n = p->joints.n;
  if (n < 1 || n > MI_CTRL_MAX_JOINTS) {
    snprintf(err, err_sz, "joints: %d names given (1..%d allowed)", n, MI_CTRL_MAX_JOINTS);
    return NULL;
  }
  mi_ctrl *c = calloc(1, sizeof *c);
  if (!c) {
    snprintf(err, err_sz, "out of memory");
    return NULL;
  }
  c->n = n;
  c->p = *p;
  c->law = (mi_ctrl_law)p->law;
  if (dyn) c->dyn = *dyn;
  c->lim.n = n;

  /* per-joint arrays and their consistency */
  if (!per_joint(&p->kp, n, c->kp, "gains.kp", err, err_sz) ||
      !per_joint(&p->kd, n, c->kd, "gains.kd", err, err_sz) ||
      !per_joint(&p->position_min, n, c->lim.q_min, "limits.position_min", err, err_sz) ||
      !per_joint(&p->position_max, n, c->lim.q_max, "limits.position_max", err, err_sz) ||
      !per_joint(&p->velocity_max, n, c->lim.vel_max, "limits.velocity_max", err, err_sz) ||
      !per_joint(&p->acceleration_max, n, c->lim.acc_max, "limits.acceleration_max", err,
                 err_sz) ||
      !per_joint(&p->effort_max, n, c->lim.effort_max, "limits.effort_max", err, err_sz))
    goto fail;
  for (int j = 0; j < n; j++) {
    if (c->lim.q_min[j] >= c->lim.q_max[j]) {
      snprintf(err, err_sz, "limits: joint %s has position_min %g >= position_max %g",
               p->joints.v[j], c->lim.q_min[j], c->lim.q_max[j]);
      goto fail;
    }
    double t_stop = c->lim.vel_max[j] / c->lim.acc_max[j];
    if (t_stop > p->stop_time_max + 1e-9) {
      snprintf(err, err_sz,
               "stop.time_max %g s is shorter than joint %s needs to stop from velocity_max "
               "at acceleration_max (%g s)",
               p->stop_time_max, p->joints.v[j], t_stop);
      goto fail;
    }
  }
  if (p->plan_expired_ms < p->plan_late_ms || p->joint_states_expired_ms < p->joint_states_late_ms ||
      p->zone_expired_ms < p->zone_late_ms) {
    snprintf(err, err_sz, "budgets: an expired_ms is below its late_ms");
    goto fail;
  }
  if (c->law == MI_CTRL_LAW_COMPUTED_TORQUE && !c->dyn.inverse) {
    snprintf(err, err_sz, "law computed_torque needs the model's dynamics (model.urdf)");
    goto fail;
  }
  mi_ctrl_blend_init(&c->blend, n, &c->lim);
  c->decel_ns = mi_ns_from_s(p->degraded_decel_time);

  /* the handoffs, allocated once */
  if (mi_latest_init(&c->plan_in, sizeof(mi_ctrl_plan)) != MI_OK) goto nomem;
  if (mi_latest_init(&c->js_in, sizeof(mi_ctrl_joint_state)) != MI_OK) goto nomem_plan;
  if (mi_latest_init(&c->zone_in, sizeof(mi_ctrl_zone)) != MI_OK) goto nomem_js;
  if (mi_latest_init(&c->status_out, sizeof(mi_ctrl_status)) != MI_OK) goto nomem_zone;
  if (mi_spsc_init(&c->tr_out, sizeof(mi_ctrl_transition), 64) != MI_OK) goto nomem_status;
  for (int i = 0; i < MI_CTRL_IN_COUNT; i++) atomic_init(&c->arrival_ns[i], INT64_MIN);

  mi_ctrl_budget b[MI_CTRL_IN_COUNT] = {
      [MI_CTRL_IN_PLAN] = {mi_ns_from_s(p->plan_late_ms * 1e-3),
                           mi_ns_from_s(p->plan_expired_ms * 1e-3)},
      [MI_CTRL_IN_JOINT_STATES] = {mi_ns_from_s(p->joint_states_late_ms * 1e-3),
                                   mi_ns_from_s(p->joint_states_expired_ms * 1e-3)},
      [MI_CTRL_IN_ZONE] = {mi_ns_from_s(p->zone_late_ms * 1e-3),
                           mi_ns_from_s(p->zone_expired_ms * 1e-3)},
  };
  mi_ctrl_monitor_init(&c->mon, b, mi_ns_from_s(p->settle_time),
                       mi_ns_from_s(p->degraded_max_time), now_ns);
  c->stop_done = true;
  c->sigma = 1.0;
  return c;

nomem_status:
  mi_latest_destroy(&c->status_out);
nomem_zone:
  mi_latest_destroy(&c->zone_in);
nomem_js:
  mi_latest_destroy(&c->js_in);
nomem_plan:
  mi_latest_destroy(&c->plan_in);
nomem:
  snprintf(err, err_sz, "out of memory");
fail:
  free(c);
  return NULL;
}

void mi_ctrl_destroy(mi_ctrl *c) {
  if (!c) return;
  mi_spsc_destroy(&c->tr_out);
  mi_latest_destroy(&c->status_out);
  mi_latest_destroy(&c->zone_in);
  mi_latest_destroy(&c->js_in);
  mi_latest_destroy(&c->plan_in);
  free(c);
}

const mi_ctrl_limits *mi_ctrl_get_limits(const mi_ctrl *c) { return &c->lim; }
int mi_ctrl_n_joints(const mi_ctrl *c) { return c->n; }
mi_ctrl_state mi_ctrl_state_now(const mi_ctrl *c) { return c->mon.state; }
const mi_ctrl_monitor *mi_ctrl_get_monitor(const mi_ctrl *c) { return &c->mon; }

/* --- producers ------------------------------------------------------------ */

static void note_arrival(mi_ctrl *c, mi_ctrl_input in, int64_t t_ns) {
  atomic_store_explicit(&c->arrival_ns[in], t_ns, memory_order_release);
}

mi_status mi_ctrl_submit_plan(mi_ctrl *c, const mi_ctrl_plan *plan, char *err, size_t err_sz) {
  if (mi_ctrl_plan_validate(plan, &c->lim, c->p.plan_velocity_tolerance, err, err_sz) != MI_OK) {
    atomic_fetch_add_explicit(&c->plans_rejected, 1, memory_order_relaxed);
    return MI_ERR_REJECTED;
  }
  mi_ctrl_plan *dst = mi_latest_write_buf(&c->plan_in);
  memcpy(dst, plan, sizeof *dst);
  mi_ctrl_plan_prepare(dst);
  mi_latest_publish(&c->plan_in);
  atomic_fetch_add_explicit(&c->plans_accepted, 1, memory_order_relaxed);
  note_arrival(c, MI_CTRL_IN_PLAN, plan->arrival_ns);
  return MI_OK;
}

mi_status mi_ctrl_submit_joint_state(mi_ctrl *c, const mi_ctrl_joint_state *js) {
  bool ok = js->n == c->n;
  for (int j = 0; ok && j < js->n; j++)
    ok = isfinite(js->q[j]) && isfinite(js->qd[j]) && isfinite(js->effort[j]) &&
         js->q[j] >= c->lim.q_min[j] - MI_CTRL_JS_LIMIT_MARGIN &&
         js->q[j] <= c->lim.q_max[j] + MI_CTRL_JS_LIMIT_MARGIN;
  if (!ok) {
    atomic_fetch_add_explicit(&c->js_rejected, 1, memory_order_relaxed);
    return MI_ERR_REJECTED;
  }
  memcpy(mi_latest_write_buf(&c->js_in), js, sizeof *js);
  mi_latest_publish(&c->js_in);
  note_arrival(c, MI_CTRL_IN_JOINT_STATES, js->arrival_ns);
  return MI_OK;
}

mi_status mi_ctrl_submit_zone(mi_ctrl *c, const mi_ctrl_zone *z) {
  memcpy(mi_latest_write_buf(&c->zone_in), z, sizeof *z);
  mi_latest_publish(&c->zone_in);
  note_arrival(c, MI_CTRL_IN_ZONE, z->arrival_ns);
  return MI_OK;
}

/* --- the loop ----------------------------------------------------------- */

/* take the newest plan if one arrived; start a blend from `from` onto it */
static void switch_plan(mi_ctrl *c, int64_t now_ns, const mi_ctrl_ref *from) {
  const void *v = NULL;
  bool fresh = mi_latest_take(&c->plan_in, &v);
  if (v) c->plan = v;
  if (!c->plan) return;
  if (fresh) c->st.plans_switched++;
  mi_ctrl_ref to;
  mi_ctrl_plan_eval(c->plan, now_ns, &to);
  mi_ctrl_blend_switch(&c->blend, from, &to);
}

/* controlled stop from the reference r: uniform deceleration, every joint
 * reaching zero together, none above its acceleration limit */
static void start_stop(mi_ctrl *c, int64_t now_ns, const mi_ctrl_ref *r) {
  double t = 0.0;
  for (int j = 0; j < c->n; j++) {
    double tj = fabs(r->qd[j]) / c->lim.acc_max[j];
    if (tj > t) t = tj;
  }
  c->stop_t0_ns = now_ns;
  c->stop_dur_ns = mi_ns_from_s(t);
  for (int j = 0; j < c->n; j++) {
    c->stop_q0[j] = r->q[j];
    c->stop_v0[j] = r->qd[j];
    c->stop_a[j] = t > 0.0 ? r->qd[j] / t : 0.0; /* signed deceleration */
  }
  c->stop_done = c->stop_dur_ns <= 0;
  c->blend.active = false;
}

static void ref_stop(mi_ctrl *c, int64_t now_ns, mi_ctrl_ref *r) {
  int64_t dt = now_ns - c->stop_t0_ns;
  if (dt >= c->stop_dur_ns) dt = c->stop_dur_ns;
  double t = (double)dt * 1e-9;
  bool done = dt >= c->stop_dur_ns;
  for (int j = 0; j < c->n; j++) {
    r->q[j] = c->stop_q0[j] + c->stop_v0[j] * t - 0.5 * c->stop_a[j] * t * t;
    r->qd[j] = done ? 0.0 : c->stop_v0[j] - c->stop_a[j] * t;
    r->qdd[j] = done ? 0.0 : -c->stop_a[j];
  }
  c->stop_done = done;
}

/* DEGRADED: follow the plan with its time slowed down to a halt */
static void ref_degraded(mi_ctrl *c, int64_t now_ns, int64_t dt_ns, mi_ctrl_ref *r) {
  double dt = (double)dt_ns * 1e-9;
  double decel = (double)c->decel_ns * 1e-9;
  double sigma_dot = c->sigma > 0.0 ? -1.0 / decel : 0.0;
  double s_new = c->sigma + sigma_dot * dt;
  if (s_new < 0.0) s_new = 0.0;
  /* plan time advances by the mean speed scale over the period */
  c->tau_ns += mi_ns_from_s(0.5 * (c->sigma + s_new) * dt);
  c->sigma = s_new;
  if (c->sigma == 0.0) sigma_dot = 0.0;
  mi_ctrl_plan_eval(c->plan, c->tau_ns, r);
  for (int j = 0; j < c->n; j++) {
    r->qdd[j] = r->qdd[j] * c->sigma * c->sigma + r->qd[j] * sigma_dot;
    r->qd[j] *= c->sigma;
  }
  mi_ctrl_blend_advance(&c->blend, dt);
  mi_ctrl_blend_apply(&c->blend, r);
}

static void on_enter(mi_ctrl *c, const mi_ctrl_transition *tr, int64_t now_ns,
                     const mi_ctrl_ref *r) {
  switch (tr->to) {
    case MI_CTRL_RUN:
      switch_plan(c, now_ns, r);
      c->sigma = 1.0;
      break;
    case MI_CTRL_DEGRADED:
      c->sigma = 1.0;
      c->tau_ns = now_ns;
      break;
    case MI_CTRL_SAFE_STOP:
      start_stop(c, now_ns, r);
      c->sigma = 0.0;
      break;
  }
  if (mi_spsc_push(&c->tr_out, tr) != MI_OK) c->st.transitions_dropped++;
}

static double clamp(double v, double lim, uint64_t *count) {
  if (!(lim > 0.0)) return v;
  if (v > lim) {
    (*count)++;
    return lim;
  }
  if (v < -lim) {
    (*count)++;
    return -lim;
  }
  return v;
}

static void control_law(mi_ctrl *c, const mi_ctrl_ref *r, mi_ctrl_command *cmd) {
  const double *q = c->meas.q, *qd = c->meas.qd;
  double tau[MI_CTRL_MAX_JOINTS];
  if (c->law == MI_CTRL_LAW_COMPUTED_TORQUE) {
    double a[MI_CTRL_MAX_JOINTS];
    for (int j = 0; j < c->n; j++)
      a[j] = r->qdd[j] + c->kp[j] * (r->q[j] - q[j]) + c->kd[j] * (r->qd[j] - qd[j]);
    if (c->dyn.inverse(c->dyn.user, q, qd, a, tau)) goto clamp_effort;
    c->st.dynamics_failures++; /* fall back to PD */
  }
  for (int j = 0; j < c->n; j++)
    tau[j] = c->kp[j] * (r->q[j] - q[j]) + c->kd[j] * (r->qd[j] - qd[j]);
  if (c->law != MI_CTRL_LAW_PD && c->dyn.gravity) {
    double g[MI_CTRL_MAX_JOINTS];
    if (c->dyn.gravity(c->dyn.user, q, g))
      for (int j = 0; j < c->n; j++) tau[j] += g[j];
    else
      c->st.dynamics_failures++;
  }
clamp_effort:
  for (int j = 0; j < c->n; j++)
    cmd->effort[j] = clamp(tau[j], c->lim.effort_max[j], &c->st.clamp_effort);
}

void mi_ctrl_step(mi_ctrl *c, int64_t now_ns, int64_t dt_ns, mi_ctrl_command *cmd) {
  const void *v;
  c->st.steps++;

  /* inputs: newest values and arrival times */
  if (mi_latest_take(&c->js_in, &v)) {
    c->meas = *(const mi_ctrl_joint_state *)v;
    c->have_meas = true;
  }
  if (mi_latest_take(&c->zone_in, &v)) c->person = ((const mi_ctrl_zone *)v)->person_present;
  for (int i = 0; i < MI_CTRL_IN_COUNT; i++) {
    int64_t t = atomic_load_explicit(&c->arrival_ns[i], memory_order_acquire);
    if (t != INT64_MIN) mi_ctrl_monitor_arrival(&c->mon, (mi_ctrl_input)i, t);
  }
  if (!c->out_valid && c->have_meas) {
    /* the first measurement is where we hold until told otherwise */
    for (int j = 0; j < c->n; j++) {
      c->out.q[j] = c->meas.q[j];
      c->out.qd[j] = c->out.qdd[j] = 0.0;
    }
    c->out_valid = true;
    start_stop(c, now_ns, &c->out);
  }

  /* the reference of the current state at now */
  mi_ctrl_ref r = c->out;
  if (c->out_valid) {
    switch (c->mon.state) {
      case MI_CTRL_RUN: {
        mi_ctrl_ref before;
        mi_ctrl_blend_advance(&c->blend, (double)dt_ns * 1e-9);
        mi_ctrl_plan_eval(c->plan, now_ns, &before);
        mi_ctrl_blend_apply(&c->blend, &before);
        const void *np = NULL;
        if (mi_latest_take(&c->plan_in, &np)) {
          /* a new plan: blend from where the old one is now */
          c->plan = np;
          c->st.plans_switched++;
          mi_ctrl_plan_eval(c->plan, now_ns, &r);
          mi_ctrl_blend_switch(&c->blend, &before, &r);
        }
        r = before;
        break;
      }
      case MI_CTRL_DEGRADED: ref_degraded(c, now_ns, dt_ns, &r); break;
      case MI_CTRL_SAFE_STOP: ref_stop(c, now_ns, &r); break;
    }
  }

  /* the monitor decides the state; entering one starts from r */
  mi_ctrl_transition tr;
  /* RUN needs the stop finished and a plan (an accepted one is published
   * before its arrival is noted, so a fresh plan input implies one) */
  bool may_run = c->stop_done && c->out_valid &&
                 (c->plan || atomic_load(&c->arrival_ns[MI_CTRL_IN_PLAN]) != INT64_MIN);
  if (mi_ctrl_monitor_update(&c->mon, now_ns, c->person, may_run, &tr))
    on_enter(c, &tr, now_ns, &r);

  /* limits on the reference, then the control law */
  for (int j = 0; j < c->n; j++) {
    r.qd[j] = clamp(r.qd[j], c->lim.vel_max[j], &c->st.clamp_velocity);
    r.qdd[j] = clamp(r.qdd[j], c->lim.acc_max[j], &c->st.clamp_acceleration);
    if (r.q[j] < c->lim.q_min[j]) r.q[j] = c->lim.q_min[j];
    if (r.q[j] > c->lim.q_max[j]) r.q[j] = c->lim.q_max[j];
  }
  cmd->n = c->n;
  cmd->state = c->mon.state;
  cmd->valid = c->out_valid && c->have_meas;
  if (c->out_valid) {
    c->out = r;
    memcpy(cmd->q, r.q, sizeof(double) * (size_t)c->n);
    memcpy(cmd->qd, r.qd, sizeof(double) * (size_t)c->n);
    memcpy(cmd->qdd, r.qdd, sizeof(double) * (size_t)c->n);
  }
  if (cmd->valid) control_law(c, &r, cmd);
  /* the measurements behind this command, for the latency figures */
  cmd->state_ns = c->have_meas ? c->meas.stamp_ns : 0;
  cmd->plan_state_ns = c->mon.state == MI_CTRL_RUN && c->plan ? c->plan->state_stamp_ns : 0;

  /* status snapshot for the status thread */
  c->st.t_ns = now_ns;
  c->st.state = c->mon.state;
  c->st.reason = c->mon.reason;
  c->st.state_since_ns = c->mon.state_since_ns;
  for (int i = 0; i < MI_CTRL_IN_COUNT; i++) {
    c->st.fresh[i] = c->mon.fresh[i];
    c->st.age_ns[i] = mi_ctrl_monitor_age(&c->mon, (mi_ctrl_input)i, now_ns);
    c->st.late_count[i] = c->mon.late_count[i];
    c->st.expired_count[i] = c->mon.expired_count[i];
  }
  c->st.transitions = c->mon.transitions;
  c->st.plans_accepted = atomic_load_explicit(&c->plans_accepted, memory_order_relaxed);
  c->st.plans_rejected = atomic_load_explicit(&c->plans_rejected, memory_order_relaxed);
  c->st.joint_states_rejected = atomic_load_explicit(&c->js_rejected, memory_order_relaxed);
  c->st.speed_scale = c->mon.state == MI_CTRL_RUN ? 1.0 : c->sigma;
  c->st.stop_done = c->stop_done;
  c->st.plan_seq = c->plan ? c->plan->seq : 0;
  memcpy(mi_latest_write_buf(&c->status_out), &c->st, sizeof c->st);
  mi_latest_publish(&c->status_out);
}

bool mi_ctrl_status_take(mi_ctrl *c, mi_ctrl_status *out) {
  const void *v = NULL;
  bool fresh = mi_latest_take(&c->status_out, &v);
  if (v) *out = *(const mi_ctrl_status *)v;
  return fresh;
}

mi_status mi_ctrl_transition_pop(mi_ctrl *c, mi_ctrl_transition *out) {
  return mi_spsc_pop(&c->tr_out, out);
}
