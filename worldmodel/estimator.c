/* worldmodel/estimator.c - joint state checks and latency compensation,
 * constant-velocity Kalman tracks of parts (see estimator.h). */
#include "worldmodel/estimator.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"

void mi_wm_est_params_default(mi_wm_est_params *p) {
  p->limit_margin = 0.05;
  p->velocity_factor = 1.5;
  p->max_jump = 0.2;
  p->max_future_s = 0.05;
  p->max_extrapolation_s = 0.1;
  p->gate_m = 0.15;
  p->meas_noise = 0.003;
  p->accel_noise = 0.1;
  p->outlier_nis = 25.0;
  p->track_timeout_s = 1.0;
}

const char *mi_wm_est_reject_name(mi_wm_est_reject r) {
  static const char *const names[MI_WM_EST_REJECT_COUNT] = {
      "non-finite", "beyond joint limits", "too fast", "stamp in the future",
      "out of order", "jump", "outlier"};
  return (int)r >= 0 && r < MI_WM_EST_REJECT_COUNT ? names[r] : "unknown";
}

mi_status mi_wm_est_init(mi_wm_est *e, const mi_model *m, const mi_wm_est_params *p) {
  if (!e || !m || !p || m->ndof < 1) return MI_ERR_INVALID;
  memset(e, 0, sizeof *e);
  e->m = m;
  e->p = *p;
  e->n = m->ndof;
  return MI_OK;
}

static mi_status reject(mi_wm_est *e, mi_wm_est_reject r, char *why, size_t why_sz, int j) {
  e->rejected[r]++;
  if (why && why_sz) {
    if (j >= 0)
      snprintf(why, why_sz, "%s (joint %s)", mi_wm_est_reject_name(r),
               e->m->joint[e->m->dof_joint[j]].name);
    else
      snprintf(why, why_sz, "%s", mi_wm_est_reject_name(r));
  }
  return MI_ERR_REJECTED;
}

mi_status mi_wm_est_joint_update(mi_wm_est *e, int64_t stamp_ns, int64_t now_ns, const double *q,
                                 const double *qd, const double *tau, char *why, size_t why_sz) {
  const int n = e->n;
  const mi_wm_dynd *d = &e->m->dyn;
  for (int j = 0; j < n; j++)
    if (!isfinite(q[j]) || !isfinite(qd[j]) || (tau && !isfinite(tau[j])))
      return reject(e, MI_WM_EST_NONFINITE, why, why_sz, j);
  if (stamp_ns - now_ns > mi_ns_from_s(e->p.max_future_s))
    return reject(e, MI_WM_EST_FUTURE, why, why_sz, -1);
  if (e->have_js && stamp_ns <= e->js_stamp_ns)
    return reject(e, MI_WM_EST_OUT_OF_ORDER, why, why_sz, -1);
  for (int j = 0; j < n; j++) {
    if (q[j] < d->lower[j] - e->p.limit_margin || q[j] > d->upper[j] + e->p.limit_margin)
      return reject(e, MI_WM_EST_LIMITS, why, why_sz, j);
    if (isfinite(d->velocity[j]) && fabs(qd[j]) > e->p.velocity_factor * d->velocity[j])
      return reject(e, MI_WM_EST_SPEED, why, why_sz, j);
  }
  if (e->have_js) {
    double dt = mi_s_from_ns(stamp_ns - e->js_stamp_ns);
    if (dt < 1.0) /* after a long silence anything goes */
      for (int j = 0; j < n; j++)
        if (fabs(q[j] - (e->q[j] + e->qd[j] * dt)) > e->p.max_jump)
          return reject(e, MI_WM_EST_JUMP, why, why_sz, j);
  }
  memcpy(e->q, q, sizeof(double) * (size_t)n);
  memcpy(e->qd, qd, sizeof(double) * (size_t)n);
  if (tau)
    memcpy(e->tau, tau, sizeof(double) * (size_t)n);
  else
    memset(e->tau, 0, sizeof e->tau);
  e->js_stamp_ns = stamp_ns;
  e->have_js = true;
  e->js_accepted++;
  if (why && why_sz) why[0] = '\0';
  return MI_OK;
}

mi_status mi_wm_est_joint_at(const mi_wm_est *e, int64_t t_ns, double *q, double *qd) {
  if (!e->have_js) return MI_ERR_EMPTY;
  double dt = mi_s_from_ns(t_ns - e->js_stamp_ns);
  if (dt < 0.0) dt = 0.0;
  if (dt > e->p.max_extrapolation_s) dt = e->p.max_extrapolation_s;
  const mi_wm_dynd *d = &e->m->dyn;
  for (int j = 0; j < e->n; j++) {
    double x = e->q[j] + e->qd[j] * dt;
    /* never extrapolate past a limit */
    if (x < d->lower[j]) x = d->lower[j] < e->q[j] ? d->lower[j] : e->q[j];
    if (x > d->upper[j]) x = d->upper[j] > e->q[j] ? d->upper[j] : e->q[j];
    q[j] = x;
    if (qd) qd[j] = e->qd[j];
  }
  return MI_OK;
}

int64_t mi_wm_est_joint_age(const mi_wm_est *e, int64_t now_ns) {
  return e->have_js ? now_ns - e->js_stamp_ns : INT64_MAX;
}

/* ---- parts ---- */

static void track_predict(const mi_wm_est_params *p, mi_wm_est_track *t, int64_t t_ns) {
  double dt = mi_s_from_ns(t_ns - t->t_ns);
  if (dt <= 0.0) return;
  double q = p->accel_noise * p->accel_noise;
  double dt2 = dt * dt, dt3 = dt2 * dt, dt4 = dt3 * dt;
  for (int a = 0; a < 3; a++) {
    double *x = t->x[a];
    double(*P)[2] = t->P[a];
    x[0] += dt * x[1];
    double p00 = P[0][0] + dt * (P[1][0] + P[0][1]) + dt2 * P[1][1] + q * dt4 / 4.0;
    double p01 = P[0][1] + dt * P[1][1] + q * dt3 / 2.0;
    double p11 = P[1][1] + q * dt2;
    P[0][0] = p00;
    P[0][1] = P[1][0] = p01;
    P[1][1] = p11;
  }
  t->t_ns = t_ns;
}

static void track_start(mi_wm_est *e, mi_wm_est_track *t, int64_t t_ns, const mi_pose *z) {
  memset(t, 0, sizeof *t);
  t->live = true;
  t->id = e->next_id++;
  const double pos[3] = {z->p.x, z->p.y, z->p.z};
  const double r = e->p.meas_noise * e->p.meas_noise;
  for (int a = 0; a < 3; a++) {
    t->x[a][0] = pos[a];
    t->x[a][1] = 0.0;
    t->P[a][0][0] = r;
    t->P[a][1][1] = 1.0; /* speed unknown: 1 m/s std */
  }
  t->rot = z->q;
  t->t_ns = t->seen_ns = t_ns;
  t->updates = 1;
}

int mi_wm_est_parts_update(mi_wm_est *e, int64_t stamp_ns, const mi_pose *poses, int n) {
  int bad = 0;
  bool used[MI_WM_EST_MAX_TRACKS] = {false};
  const double r = e->p.meas_noise * e->p.meas_noise;
  for (int i = 0; i < n; i++) {
    const mi_pose *z = &poses[i];
    if (!isfinite(z->p.x) || !isfinite(z->p.y) || !isfinite(z->p.z)) {
      e->rejected[MI_WM_EST_NONFINITE]++;
      bad++;
      continue;
    }
    const double pos[3] = {z->p.x, z->p.y, z->p.z};
    /* nearest live track (predicted to the stamp) within the gate */
    int best = -1;
    double best_d = e->p.gate_m;
    for (int k = 0; k < MI_WM_EST_MAX_TRACKS; k++) {
      mi_wm_est_track *t = &e->track[k];
      if (!t->live || used[k] || stamp_ns < t->t_ns) continue;
      double dt = mi_s_from_ns(stamp_ns - t->t_ns), d2 = 0.0;
      for (int a = 0; a < 3; a++) {
        double dd = t->x[a][0] + dt * t->x[a][1] - pos[a];
        d2 += dd * dd;
      }
      if (sqrt(d2) < best_d) {
        best_d = sqrt(d2);
        best = k;
      }
    }
    if (best < 0) {
      /* a new part: a free slot, else the stalest track */
      int slot = -1;
      for (int k = 0; k < MI_WM_EST_MAX_TRACKS && slot < 0; k++)
        if (!e->track[k].live) slot = k;
      if (slot < 0) {
        slot = 0;
        for (int k = 1; k < MI_WM_EST_MAX_TRACKS; k++)
          if (e->track[k].seen_ns < e->track[slot].seen_ns) slot = k;
      }
      track_start(e, &e->track[slot], stamp_ns, z);
      used[slot] = true;
      e->parts_accepted++;
      continue;
    }
    mi_wm_est_track *t = &e->track[best];
    mi_wm_est_track saved = *t;
    track_predict(&e->p, t, stamp_ns);
    /* innovation gate per axis */
    bool outlier = false;
    for (int a = 0; a < 3; a++) {
      double s = t->P[a][0][0] + r, y = pos[a] - t->x[a][0];
      if (t->updates >= 3 && y * y / s > e->p.outlier_nis) outlier = true;
    }
    if (outlier) {
      *t = saved;
      e->rejected[MI_WM_EST_OUTLIER]++;
      bad++;
      continue;
    }
    for (int a = 0; a < 3; a++) {
      double *x = t->x[a];
      double(*P)[2] = t->P[a];
      double s = P[0][0] + r, y = pos[a] - x[0];
      double k0 = P[0][0] / s, k1 = P[1][0] / s;
      x[0] += k0 * y;
      x[1] += k1 * y;
      double p00 = (1.0 - k0) * P[0][0], p01 = (1.0 - k0) * P[0][1];
      double p11 = P[1][1] - k1 * P[0][1];
      P[0][0] = p00;
      P[0][1] = P[1][0] = p01;
      P[1][1] = p11;
    }
    t->rot = z->q;
    t->seen_ns = stamp_ns;
    t->updates++;
    used[best] = true;
    e->parts_accepted++;
  }
  return bad;
}

void mi_wm_est_parts_expire(mi_wm_est *e, int64_t now_ns) {
  int64_t to = mi_ns_from_s(e->p.track_timeout_s);
  for (int k = 0; k < MI_WM_EST_MAX_TRACKS; k++)
    if (e->track[k].live && now_ns - e->track[k].seen_ns > to) e->track[k].live = false;
}

int mi_wm_est_parts_at(const mi_wm_est *e, int64_t t_ns, mi_pose *poses, mi_vec3 *vel, int *idx,
                       int max) {
  int c = 0;
  for (int k = 0; k < MI_WM_EST_MAX_TRACKS && c < max; k++) {
    const mi_wm_est_track *t = &e->track[k];
    if (!t->live) continue;
    double dt = mi_s_from_ns(t_ns - t->t_ns);
    if (poses) {
      poses[c].p = mi_vec3_make(t->x[0][0] + dt * t->x[0][1], t->x[1][0] + dt * t->x[1][1],
                                t->x[2][0] + dt * t->x[2][1]);
      poses[c].q = t->rot;
    }
    if (vel) vel[c] = mi_vec3_make(t->x[0][1], t->x[1][1], t->x[2][1]);
    if (idx) idx[c] = k;
    c++;
  }
  return c;
}

uint64_t mi_wm_est_rejected_total(const mi_wm_est *e) {
  uint64_t s = 0;
  for (int i = 0; i < MI_WM_EST_REJECT_COUNT; i++) s += e->rejected[i];
  return s;
}
