/* worldmodel/rollout.c - the arm's rollout system: PD tracking of spline
 * references through the model's batch dynamics, scored by cost.h. */
#include "worldmodel/rollout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "worldmodel/dynamics.h"
#include "worldmodel/rollout_law.h"
#include "worldmodel/rollout_priv.h"

struct mi_rollout {
  const mi_model *m;
  const mi_wm_dynf *d; /* = &dyn */
  mi_wm_dynf dyn;      /* the model's tables with the PD damping kd folded in */
  mi_planner_params pp;
  mi_cost_weights w;
  int n, H, nk, nsub, spline, block, workers;
  float dt, h;
  float kp[MI_WM_MAX_DOF], kd[MI_WM_MAX_DOF];
  int gravity; /* the tracking law adds g(q) */
  float lo[MI_WM_MAX_DOF], hi[MI_WM_MAX_DOF], vmax[MI_WM_MAX_DOF], tmax[MI_WM_MAX_DOF];
  float q0[MI_WM_MAX_DOF], qd0[MI_WM_MAX_DOF];
  float goal_p[3], goal_R[9];
  float goal_v[3]; /* the goal moves at this velocity from the rollout's start [m/s] */
  bool goal_rot;
  /* obstacles: static ones first (fixtures, belt, ground), then active
   * zones, then parts; rebuilt by the setters */
  mi_cost_obstacle obs[MI_ROLLOUT_MAX_OBSTACLES];
  int nobs, nstatic;
  bool zone_active[MI_WM_MAX_ZONES];
  mi_cost_obstacle parts[MI_WM_MAX_PARTS];
  int nparts;
  /* moving spheres (on a body): indices into dynf's spheres */
  int moving[MI_WM_MAX_SPHERES];
  int nmoving;
  /* the spline's taps at the end of each step (the same for every candidate) */
  int (*spline_idx)[4];
  float (*spline_w)[4];
  mi_rollout_cost_ctx cctx; /* for the lane kernels; obstacles refreshed by the setters */
};

/* an obstacle from a model shape (pose in the world) */
static mi_cost_obstacle obstacle_from_geom(const mi_wm_geom *g, mi_pose pose, int kind) {
  mi_cost_obstacle o;
  memset(&o, 0, sizeof o);
  mi_mat3 R = mi_quat_to_mat3(mi_quat_normalize(pose.q));
  for (int i = 0; i < 9; i++) o.R[i] = (float)R.m[i];
  o.p[0] = (float)pose.p.x;
  o.p[1] = (float)pose.p.y;
  o.p[2] = (float)pose.p.z;
  for (int i = 0; i < 3; i++) o.size[i] = (float)g->size[i];
  o.shape = g->type == MI_WM_SHAPE_SPHERE ? MI_COST_SPHERE
            : g->type == MI_WM_SHAPE_BOX  ? MI_COST_BOX
                                          : MI_COST_CYLINDER;
  o.kind = kind;
  return o;
}

static void rebuild_obstacles(mi_rollout *r) {
  int n = r->nstatic;
  for (int z = 0; z < r->m->nzone; z++)
    if (r->zone_active[z])
      r->obs[n++] = obstacle_from_geom(&r->m->zone[z], r->m->zone[z].pose, MI_COST_ZONE);
  for (int i = 0; i < r->nparts; i++) r->obs[n++] = r->parts[i];
  r->nobs = n;
  r->cctx.obs = r->obs;
  r->cctx.nobs = n;
}

static void fill_cost_ctx(mi_rollout *r) {
  mi_rollout_cost_ctx *c = &r->cctx;
  c->d = r->d;
  c->w = r->w;
  c->lo = r->lo;
  c->hi = r->hi;
  c->vmax = r->vmax;
  c->tmax = r->tmax;
  c->goal_R = r->goal_R;
  c->goal_rot = r->goal_rot;
  c->obs = r->obs;
  c->nobs = r->nobs;
  c->moving = r->moving;
  c->nmoving = r->nmoving;
  c->self_pair = (const uint16_t(*)[2])r->m->self_pair;
  c->nself = r->m->nself;
}

mi_status mi_rollout_create(const mi_model *m, const mi_planner_params *pp, int workers,
                            int block, mi_rollout **out) {
  /* knots bounded: the lane kernels hold a group's knots in an array of
   * MI_PLANNER_MAX_KNOTS x MI_WM_MAX_DOF */
  if (!m || !pp || !out || workers < 1 || block < 1 || m->dynf.ndof < 1 ||
      m->dynf.ndof > MI_WM_MAX_DOF || pp->H < 1 || pp->knots < 2 ||
      pp->knots > MI_PLANNER_MAX_KNOTS || pp->substeps < 1 || !(pp->dt > 0.0))
    return MI_ERR_INVALID;
  const int n = m->dynf.ndof;
  if ((pp->kp.n > 1 && pp->kp.n != n) || (pp->kd.n > 1 && pp->kd.n != n)) return MI_ERR_INVALID;
  mi_rollout *r = calloc(1, sizeof *r);
  if (!r) return MI_ERR_NOMEM;
  r->m = m;
  r->dyn = m->dynf;
  r->d = &r->dyn;
  r->pp = *pp;
  r->w = mi_planner_cost_weights(pp);
  r->n = n;
  r->H = (int)pp->H;
  r->nk = (int)pp->knots;
  r->nsub = (int)pp->substeps;
  r->spline = pp->spline;
  r->block = block;
  r->workers = workers;
  r->dt = (float)pp->dt;
  r->h = (float)(pp->dt / (double)pp->substeps);
  r->gravity = pp->gravity_comp ? 1 : 0;
  for (int j = 0; j < n; j++) {
    r->kp[j] = (float)mi_planner_per_joint(&pp->kp, j, 100.0);
    r->kd[j] = (float)mi_planner_per_joint(&pp->kd, j, 10.0);
    r->dyn.damping[j] += r->kd[j];
    r->lo[j] = r->d->lower[j];
    r->hi[j] = r->d->upper[j];
    r->vmax[j] = r->d->velocity[j];
    r->tmax[j] = r->d->effort[j];
  }
  /* the goal defaults to the end effector at q = 0, no orientation */
  float z[MI_WM_MAX_DOF] = {0};
  mi_rollout_ee_position(r, z, r->goal_p);
  /* static obstacles: fixtures, the conveyor belt, the ground */
  int no = 0;
  for (int i = 0; i < m->nfixture; i++)
    r->obs[no++] = obstacle_from_geom(&m->fixture[i], m->fixture[i].pose, MI_COST_FIXTURE);
  if (m->conveyor.present)
    r->obs[no++] = obstacle_from_geom(&m->conveyor.belt, m->conveyor.belt.pose, MI_COST_FIXTURE);
  mi_cost_obstacle g;
  memset(&g, 0, sizeof g);
  g.R[0] = g.R[4] = g.R[8] = 1.0f;
  g.p[2] = (float)m->ground_z;
  g.shape = MI_COST_PLANE;
  g.kind = MI_COST_GROUND;
  r->obs[no++] = g;
  r->nstatic = no;
  for (int i = 0; i < MI_WM_MAX_ZONES; i++) r->zone_active[i] = true;
  rebuild_obstacles(r);
  /* spheres fixed to the base never move: their clearance is a constant */
  for (int s = 0; s < r->d->nsphere; s++)
    if (r->d->sphere_body[s] >= 0) r->moving[r->nmoving++] = s;
  fill_cost_ctx(r);
  /* the references of step t: the spline at the end of the step */
  r->spline_idx = calloc((size_t)r->H, sizeof *r->spline_idx);
  r->spline_w = calloc((size_t)r->H, sizeof *r->spline_w);
  if (!r->spline_idx || !r->spline_w) goto fail;
  for (int t = 0; t < r->H; t++) {
    float s = (float)(t + 1) / (float)r->H * (float)(r->nk - 1);
    mi_spline_weights(r->nk, r->spline, s, r->spline_idx[t], r->spline_w[t]);
  }
  *out = r;
  return MI_OK;
fail:
  mi_rollout_destroy(r);
  return MI_ERR_NOMEM;
}

void mi_rollout_destroy(mi_rollout *r) {
  if (!r) return;
  free(r->spline_idx);
  free(r->spline_w);
  free(r);
}

mi_status mi_rollout_set_state(mi_rollout *r, const float *q, const float *qd) {
  for (int j = 0; j < r->n; j++)
    if (!isfinite(q[j]) || (qd && !isfinite(qd[j]))) return MI_ERR_INVALID;
  for (int j = 0; j < r->n; j++) {
    r->q0[j] = q[j];
    r->qd0[j] = qd ? qd[j] : 0.0f;
  }
  return MI_OK;
}

/* the goal position at the end of step t (t = 0: dt after the start) */
static void goal_at(const mi_rollout *r, int t, float g[3]) {
  const float ts = r->dt * (float)(t + 1);
  for (int i = 0; i < 3; i++) g[i] = r->goal_p[i] + r->goal_v[i] * ts;
}

void mi_rollout_set_goal_velocity(mi_rollout *r, const float v[3]) {
  for (int i = 0; i < 3; i++) r->goal_v[i] = v && isfinite(v[i]) ? v[i] : 0.0f;
}

void mi_rollout_goal_velocity(const mi_rollout *r, float v[3]) {
  memcpy(v, r->goal_v, sizeof r->goal_v);
}

void mi_rollout_set_goal(mi_rollout *r, const float p[3], const float quat[4]) {
  memcpy(r->goal_p, p, sizeof r->goal_p);
  memset(r->goal_v, 0, sizeof r->goal_v);
  r->goal_rot = quat != NULL;
  if (quat) {
    mi_quatf q = {quat[0], quat[1], quat[2], quat[3]};
    mi_mat3f R = mi_quatf_to_mat3(mi_quatf_normalize(q));
    memcpy(r->goal_R, R.m, sizeof r->goal_R);
  }
  r->cctx.goal_rot = r->goal_rot;
}

mi_status mi_rollout_set_parts(mi_rollout *r, const mi_pose *poses, const int *type, int n) {
  if (n < 0 || n > MI_WM_MAX_PARTS) return MI_ERR_RANGE;
  int k = 0;
  for (int i = 0; i < n; i++) {
    if (type[i] < 0 || type[i] >= r->m->npart) continue;
    r->parts[k++] = obstacle_from_geom(&r->m->part[type[i]].shape, poses[i], MI_COST_PART);
  }
  r->nparts = k;
  rebuild_obstacles(r);
  return MI_OK;
}

void mi_rollout_set_zone_active(mi_rollout *r, int zone, bool active) {
  if (zone < 0 || zone >= MI_WM_MAX_ZONES) return;
  r->zone_active[zone] = active;
  rebuild_obstacles(r);
}

int mi_rollout_obstacles(const mi_rollout *r, const mi_cost_obstacle **obs) {
  if (obs) *obs = r->obs;
  return r->nobs;
}

int mi_rollout_ndof(const mi_rollout *r) { return r->n; }

void mi_rollout_ee_position(const mi_rollout *r, const float *q, float p[3]) {
  mi_wm_m3_f R[MI_WM_MAX_DOF], eR;
  mi_wm_v3_f P[MI_WM_MAX_DOF], ep;
  mi_wm_fk_f(r->d, q, R, P);
  mi_wm_ee_f(r->d, R, P, &eR, &ep);
  p[0] = ep.x;
  p[1] = ep.y;
  p[2] = ep.z;
}

/* the cost of one step's end state for one candidate: q, qd, tau read with
 * `stride` */
static float stage_cost_w(const mi_rollout *r, const mi_cost_weights *w, const float *goal,
                          const float *q, const float *qd, const float *tau, int stride,
                          int terminal) {
  const mi_wm_dynf *d = r->d;
  float qs[MI_WM_MAX_DOF];
  for (int j = 0; j < r->n; j++) qs[j] = q[j * stride];
  mi_wm_m3_f R[MI_WM_MAX_DOF], eR;
  mi_wm_v3_f P[MI_WM_MAX_DOF], ep;
  mi_wm_fk_f(d, qs, R, P);
  mi_wm_ee_f(d, R, P, &eR, &ep);
  float tf = terminal ? w->terminal : 1.0f;
  float pe[3] = {ep.x, ep.y, ep.z};
  float c = tf * w->ee_pos * mi_cost_ee_pos(pe, goal);
  if (r->goal_rot) c += tf * w->ee_rot * mi_cost_ee_rot_mat(eR.m, r->goal_R);
  c += mi_cost_joint_terms(w, r->n, q, qd, tau, stride, r->lo, r->hi, r->vmax, r->tmax, tf);
  /* clearance: moving spheres against the cell, then sphere pairs */
  if (w->clearance > 0.0f) {
    float xyz[3 * MI_WM_MAX_SPHERES];
    for (int i = 0; i < r->nmoving; i++) {
      int s = r->moving[i], b = d->sphere_body[s];
      mi_wm_v3_f lc = {d->sphere_c[s][0], d->sphere_c[s][1], d->sphere_c[s][2]};
      mi_wm_v3_f wc = mi_wm_v3_add_f(P[b], mi_wm_m3_mulv_f(&R[b], lc));
      xyz[3 * s] = wc.x;
      xyz[3 * s + 1] = wc.y;
      xyz[3 * s + 2] = wc.z;
      c += mi_cost_sphere_obstacles(w, &xyz[3 * s], d->sphere_r[s], r->obs, r->nobs);
    }
    if (w->self > 0.0f && r->m->nself > 0) {
      /* base spheres (fixed) too */
      for (int s = 0; s < d->nsphere; s++)
        if (d->sphere_body[s] < 0) {
          xyz[3 * s] = d->sphere_c[s][0];
          xyz[3 * s + 1] = d->sphere_c[s][1];
          xyz[3 * s + 2] = d->sphere_c[s][2];
        }
      float ss = 0.0f;
      for (int i = 0; i < r->m->nself; i++) {
        int a = r->m->self_pair[i][0], b = r->m->self_pair[i][1];
        float dd = mi_cost_sd_sphere_sphere(&xyz[3 * a], d->sphere_r[a], &xyz[3 * b],
                                            d->sphere_r[b]);
        ss += mi_cost_clearance(dd, w->clearance_margin);
      }
      c += w->clearance * w->self * ss;
    }
  }
  return c;
}

static float stage_cost(const mi_rollout *r, const float *goal, const float *q, const float *qd,
                        const float *tau, int stride, int terminal) {
  return stage_cost_w(r, &r->w, goal, q, qd, tau, stride, terminal);
}


static float trajectory(const mi_rollout *r, const float *knots, float *q_out, float *qd_out,
                        float *terms);

/* a block of candidates through the batch dynamics (mi_planner_eval_fn):
 * whole groups of SIMD lanes run the horizon in the fused lane kernels
 * (rollout_lanes.h), the tail one candidate at a time in the scalar path */
static void rollout_eval(void *self, const float *U, int k0, int nc, float *cost, int worker) {
  (void)k0;
  (void)worker;
  mi_rollout *r = self;
  const int n = r->n, kn = r->nk * n;
  for (int k = 0; k < nc; k++) cost[k] = r->w.smooth * mi_cost_smooth(U + (size_t)k * kn, r->nk, n);
  mi_rollout_horizon hz = {.cost = &r->cctx,
                           .kp = r->kp,
                           .tmax = r->tmax,
                           .gravity = r->gravity,
                           .q0 = r->q0,
                           .qd0 = r->qd0,
                           .H = r->H,
                           .nsub = r->nsub,
                           .knots = r->nk,
                           .dt = r->dt,
                           .h = r->h,
                           .spline_idx = (const int(*)[4])r->spline_idx,
                           .spline_w = (const float(*)[4])r->spline_w,
                           .goal_p = r->goal_p,
                           .goal_v = r->goal_v};
  int k = 0;
#ifdef MI_WM_HAVE_AVX2_KERNEL
  const int width = mi_wm_simd_width();
  if (width >= 8) {
    if (width == 16) k = mi_rollout_horizon_lanes_v16(&hz, U, k, nc, cost);
    k = mi_rollout_horizon_lanes_v8(&hz, U, k, nc, cost);
  } else
#endif
    k = mi_rollout_horizon_lanes_v4(&hz, U, k, nc, cost);
  for (; k < nc; k++) cost[k] = trajectory(r, U + (size_t)k * kn, NULL, NULL, NULL);
  for (k = 0; k < nc; k++)
    if (isnan(cost[k])) cost[k] = INFINITY;
}

mi_planner_system mi_rollout_system(mi_rollout *r) {
  mi_planner_system sys;
  sys.nu = r->n;
  sys.u_lo = r->lo;
  sys.u_hi = r->hi;
  sys.eval = rollout_eval;
  sys.self = r;
  return sys;
}

/* the scalar rollout of one candidate; with `terms` it also sums each cost
 * term on its own (see mi_rollout_cost_terms) */
static float trajectory(const mi_rollout *r, const float *knots, float *q_out, float *qd_out,
                        float *terms) {
  const int n = r->n;
  float q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF];
  memcpy(q, r->q0, sizeof(float) * (size_t)n);
  memcpy(qd, r->qd0, sizeof(float) * (size_t)n);
  memset(tau, 0, sizeof tau);
  if (q_out) memcpy(q_out, q, sizeof(float) * (size_t)n);
  if (qd_out) memcpy(qd_out, qd, sizeof(float) * (size_t)n);
  /* each term alone is the cost under weights with only that term's weight
   * set (the cost is linear in its weights); zone and self clearance only
   * come on top of the clearance weight, so they are differences */
  mi_cost_weights wt[MI_COST_NTERMS];
  if (terms) {
    const mi_cost_weights *w = &r->w, z = {.clearance_margin = w->clearance_margin,
                                           .terminal = w->terminal};
    for (int i = 0; i < MI_COST_NTERMS; i++) {
      wt[i] = z;
      terms[i] = 0.0f;
    }
    wt[MI_COST_TERM_EE_POS].ee_pos = w->ee_pos;
    wt[MI_COST_TERM_EE_ROT].ee_rot = w->ee_rot;
    wt[MI_COST_TERM_CLEARANCE].clearance = w->clearance;
    wt[MI_COST_TERM_ZONE].clearance = w->clearance;
    wt[MI_COST_TERM_ZONE].zone = w->zone;
    wt[MI_COST_TERM_SELF].clearance = w->clearance;
    wt[MI_COST_TERM_SELF].self = w->self;
    wt[MI_COST_TERM_QLIM].qlim = w->qlim;
    wt[MI_COST_TERM_VLIM].vlim = w->vlim;
    wt[MI_COST_TERM_TLIM].tlim = w->tlim;
    wt[MI_COST_TERM_EFFORT].effort = w->effort;
    wt[MI_COST_TERM_VEL].vel = w->vel;
  }
  float c = r->w.smooth * mi_cost_smooth(knots, r->nk, n);
  if (terms) terms[MI_COST_TERM_SMOOTH] = c;
  for (int t = 0; t < r->H; t++) {
    float s = (float)(t + 1) / (float)r->H * (float)(r->nk - 1);
    float qref[MI_WM_MAX_DOF];
    for (int j = 0; j < n; j++) qref[j] = mi_spline_eval(knots, r->nk, n, j, r->spline, s);
    for (int sub = 0; sub < r->nsub; sub++) {
      mi_rollout_track_f(r->d, r->kp, r->tmax, r->gravity, q, qref, tau);
      mi_wm_step_f(r->d, q, qd, tau, r->h, 1, NULL);
    }
    const int last = t == r->H - 1;
    float goal[3];
    goal_at(r, t, goal);
    c += stage_cost(r, goal, q, qd, tau, 1, last);
    if (terms) {
      float step[MI_COST_NTERMS];
      for (int i = 0; i < MI_COST_TERM_SMOOTH; i++)
        step[i] = stage_cost_w(r, &wt[i], goal, q, qd, tau, 1, last);
      step[MI_COST_TERM_ZONE] -= step[MI_COST_TERM_CLEARANCE];
      step[MI_COST_TERM_SELF] -= step[MI_COST_TERM_CLEARANCE];
      for (int i = 0; i < MI_COST_TERM_SMOOTH; i++) terms[i] += step[i];
    }
    if (q_out) memcpy(q_out + (size_t)(t + 1) * n, q, sizeof(float) * (size_t)n);
    if (qd_out) memcpy(qd_out + (size_t)(t + 1) * n, qd, sizeof(float) * (size_t)n);
  }
  if (terms)
    for (int i = 0; i < MI_COST_NTERMS; i++)
      if (!isfinite(terms[i])) terms[i] = INFINITY;
  return isnan(c) ? INFINITY : c;
}

float mi_rollout_trajectory(const mi_rollout *r, const float *knots, float *q_out,
                            float *qd_out) {
  return trajectory(r, knots, q_out, qd_out, NULL);
}

float mi_rollout_trajectory_terms(const mi_rollout *r, const float *knots, float *q_out,
                                  float *qd_out, float terms[MI_COST_NTERMS]) {
  return trajectory(r, knots, q_out, qd_out, terms);
}

const char *mi_cost_term_name(int term) {
  static const char *const names[MI_COST_NTERMS] = {
      [MI_COST_TERM_EE_POS] = "ee_pos",       [MI_COST_TERM_EE_ROT] = "ee_rot",
      [MI_COST_TERM_CLEARANCE] = "clearance", [MI_COST_TERM_ZONE] = "zone",
      [MI_COST_TERM_SELF] = "self",           [MI_COST_TERM_QLIM] = "qlim",
      [MI_COST_TERM_VLIM] = "vlim",           [MI_COST_TERM_TLIM] = "tlim",
      [MI_COST_TERM_EFFORT] = "effort",       [MI_COST_TERM_VEL] = "vel",
      [MI_COST_TERM_SMOOTH] = "smooth"};
  return term >= 0 && term < MI_COST_NTERMS ? names[term] : NULL;
}

mi_status mi_rollout_set_inertia(mi_rollout *r, const mi_wm_dynf *d) {
  if (!d || d->ndof != r->n) return MI_ERR_INVALID;
  for (int k = 0; k < r->n; k++)
    if (!(isfinite(d->mass[k]) && d->mass[k] > 0.0f)) return MI_ERR_INVALID;
  for (int k = 0; k < r->n; k++) {
    r->dyn.mass[k] = d->mass[k];
    memcpy(r->dyn.h[k], d->h[k], sizeof r->dyn.h[k]);
    memcpy(r->dyn.inertia[k], d->inertia[k], sizeof r->dyn.inertia[k]);
  }
  return MI_OK;
}

/* ---- hook for the CUDA backend (worldmodel/backend.c, engineer `cuda`) ---- */
int mi_rollout_gravity_comp(const mi_rollout *r) { return r->gravity; }

bool mi_rollout_export(const mi_rollout *r, const mi_wm_dynf **dyn, float *kp, float *q0,
                       float *qd0, float goal_p[3], float goal_R[9]) {
  if (dyn) *dyn = r->d;
  if (kp) memcpy(kp, r->kp, sizeof(float) * (size_t)r->n);
  if (q0) memcpy(q0, r->q0, sizeof(float) * (size_t)r->n);
  if (qd0) memcpy(qd0, r->qd0, sizeof(float) * (size_t)r->n);
  if (goal_p) memcpy(goal_p, r->goal_p, sizeof r->goal_p);
  if (goal_R) memcpy(goal_R, r->goal_R, sizeof r->goal_R);
  return r->goal_rot;
}
