/* controllers/traj.c - plan validation, quintic interpolation, blending. */
#include "controllers/traj.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void set_err(char *err, size_t err_sz, int pt, int j, const char *what) {
  if (!err || err_sz == 0) return;
  if (pt >= 0 && j >= 0)
    snprintf(err, err_sz, "point %d joint %d: %s", pt, j, what);
  else if (pt >= 0)
    snprintf(err, err_sz, "point %d: %s", pt, what);
  else
    snprintf(err, err_sz, "%s", what);
}

static bool limited(double v) { return v > 0.0 && isfinite(v); }

mi_status mi_ctrl_plan_validate(const mi_ctrl_plan *p, const mi_ctrl_limits *lim, double tol,
                                char *err, size_t err_sz) {
  if (!p || !lim) return MI_ERR_INVALID;
  char what[128];
  if (p->n_joints < 1 || p->n_joints > MI_CTRL_MAX_JOINTS || p->n_joints != lim->n) {
    snprintf(what, sizeof what, "plan has %d joints, the controller has %d", p->n_joints, lim->n);
    set_err(err, err_sz, -1, -1, what);
    return MI_ERR_REJECTED;
  }
  if (p->n_points < 1 || p->n_points > MI_CTRL_MAX_POINTS) {
    snprintf(what, sizeof what, "plan has %d points (1..%d allowed)", p->n_points,
             MI_CTRL_MAX_POINTS);
    set_err(err, err_sz, -1, -1, what);
    return MI_ERR_REJECTED;
  }
  int n = p->n_joints;
  for (int k = 0; k < p->n_points; k++) {
    if (p->t_ns[k] < 0 || (k > 0 && p->t_ns[k] <= p->t_ns[k - 1])) {
      set_err(err, err_sz, k, -1, "time_from_start negative or not increasing");
      return MI_ERR_REJECTED;
    }
    for (int j = 0; j < n; j++) {
      double q = p->q[k][j];
      if (!isfinite(q)) {
        set_err(err, err_sz, k, j, isnan(q) ? "position is NaN" : "position is infinite");
        return MI_ERR_REJECTED;
      }
      if (lim->q_min[j] < lim->q_max[j] && (q < lim->q_min[j] || q > lim->q_max[j])) {
        snprintf(what, sizeof what, "position %.4g outside [%.4g, %.4g]", q, lim->q_min[j],
                 lim->q_max[j]);
        set_err(err, err_sz, k, j, what);
        return MI_ERR_REJECTED;
      }
      if (p->has_vel) {
        double v = p->qd[k][j];
        if (!isfinite(v)) {
          set_err(err, err_sz, k, j, "velocity is not finite");
          return MI_ERR_REJECTED;
        }
        if (limited(lim->vel_max[j]) && fabs(v) > lim->vel_max[j] * (1.0 + tol)) {
          snprintf(what, sizeof what, "velocity %.4g over the limit %.4g", v, lim->vel_max[j]);
          set_err(err, err_sz, k, j, what);
          return MI_ERR_REJECTED;
        }
      }
      if (p->has_acc && !isfinite(p->qdd[k][j])) {
        set_err(err, err_sz, k, j, "acceleration is not finite");
        return MI_ERR_REJECTED;
      }
      if (k > 0 && limited(lim->vel_max[j])) {
        double dt = (double)(p->t_ns[k] - p->t_ns[k - 1]) * 1e-9;
        double v = (q - p->q[k - 1][j]) / dt;
        if (fabs(v) > lim->vel_max[j] * (1.0 + tol)) {
          snprintf(what, sizeof what, "average velocity %.4g from the previous point over %.4g",
                   v, lim->vel_max[j]);
          set_err(err, err_sz, k, j, what);
          return MI_ERR_REJECTED;
        }
      }
    }
  }
  return MI_OK;
}

void mi_ctrl_plan_prepare(mi_ctrl_plan *p) {
  int n = p->n_joints, m = p->n_points;
  /* velocities: central differences inside, one-sided at the first point */
  if (!p->has_vel) {
    for (int k = 0; k < m; k++)
      for (int j = 0; j < n; j++) {
        if (m < 2) {
          p->qd[k][j] = 0.0;
        } else if (k == 0) {
          p->qd[k][j] = (p->q[1][j] - p->q[0][j]) / ((double)(p->t_ns[1] - p->t_ns[0]) * 1e-9);
        } else if (k < m - 1) {
          p->qd[k][j] = (p->q[k + 1][j] - p->q[k - 1][j]) /
                        ((double)(p->t_ns[k + 1] - p->t_ns[k - 1]) * 1e-9);
        }
      }
    p->has_vel = true;
  }
  /* accelerations: central differences of velocity, zero at both ends */
  if (!p->has_acc) {
    for (int k = 0; k < m; k++)
      for (int j = 0; j < n; j++) {
        if (k == 0 || k == m - 1)
          p->qdd[k][j] = 0.0;
        else
          p->qdd[k][j] = (p->qd[k + 1][j] - p->qd[k - 1][j]) /
                         ((double)(p->t_ns[k + 1] - p->t_ns[k - 1]) * 1e-9);
      }
    p->has_acc = true;
  }
  /* a plan that is not replaced comes to rest at its last point */
  for (int j = 0; j < n; j++) {
    p->qd[m - 1][j] = 0.0;
    p->qdd[m - 1][j] = 0.0;
  }
}

void mi_ctrl_quintic(double p0, double v0, double a0, double p1, double v1, double a1,
                     double h, double t, double *p, double *v, double *a) {
  double h2 = h * h, h3 = h2 * h, h4 = h3 * h, h5 = h4 * h;
  double dp = p1 - p0;
  double c3 = (20.0 * dp - (8.0 * v1 + 12.0 * v0) * h - (3.0 * a0 - a1) * h2) / (2.0 * h3);
  double c4 = (-30.0 * dp + (14.0 * v1 + 16.0 * v0) * h + (3.0 * a0 - 2.0 * a1) * h2) / (2.0 * h4);
  double c5 = (12.0 * dp - 6.0 * (v1 + v0) * h + (a1 - a0) * h2) / (2.0 * h5);
  double c2 = 0.5 * a0;
  *p = p0 + t * (v0 + t * (c2 + t * (c3 + t * (c4 + t * c5))));
  *v = v0 + t * (2.0 * c2 + t * (3.0 * c3 + t * (4.0 * c4 + t * 5.0 * c5)));
  *a = 2.0 * c2 + t * (6.0 * c3 + t * (12.0 * c4 + t * 20.0 * c5));
}

void mi_ctrl_plan_eval(const mi_ctrl_plan *p, int64_t t_ns, mi_ctrl_ref *out) {
  int n = p->n_joints, m = p->n_points;
  int64_t tau = t_ns - p->t0_ns;
  /* before the first point: a line through it at its velocity, so that a
   * plan starting later than now joins without a velocity jump */
  if (tau < p->t_ns[0] || m == 1) {
    double dt = m == 1 ? 0.0 : (double)(tau - p->t_ns[0]) * 1e-9;
    for (int j = 0; j < n; j++) {
      double v = m == 1 ? 0.0 : p->qd[0][j];
      out->q[j] = p->q[0][j] + v * dt;
      out->qd[j] = v;
      out->qdd[j] = 0.0;
    }
    return;
  }
  if (tau >= p->t_ns[m - 1]) {
    for (int j = 0; j < n; j++) {
      out->q[j] = p->q[m - 1][j];
      out->qd[j] = 0.0;
      out->qdd[j] = 0.0;
    }
    return;
  }
  /* binary search for the segment [k, k+1] holding tau */
  int lo = 0, hi = m - 1;
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    if (p->t_ns[mid] <= tau)
      lo = mid;
    else
      hi = mid;
  }
  double h = (double)(p->t_ns[hi] - p->t_ns[lo]) * 1e-9;
  double t = (double)(tau - p->t_ns[lo]) * 1e-9;
  for (int j = 0; j < n; j++)
    mi_ctrl_quintic(p->q[lo][j], p->qd[lo][j], p->qdd[lo][j], p->q[hi][j], p->qd[hi][j],
                    p->qdd[hi][j], h, t, &out->q[j], &out->qd[j], &out->qdd[j]);
}

void mi_ctrl_blend_init(mi_ctrl_blend *b, int n, const mi_ctrl_limits *lim) {
  memset(b, 0, sizeof *b);
  b->n = n;
  for (int j = 0; j < n; j++) {
    b->v_b[j] = lim && limited(lim->vel_max[j]) ? 0.5 * lim->vel_max[j] : HUGE_VAL;
    b->a_b[j] = lim && limited(lim->acc_max[j]) ? 0.5 * lim->acc_max[j] : 1e12;
  }
}

void mi_ctrl_blend_switch(mi_ctrl_blend *b, const mi_ctrl_ref *from, const mi_ctrl_ref *to) {
  for (int j = 0; j < b->n; j++) {
    b->e[j] = from->q[j] - to->q[j];
    b->ev[j] = from->qd[j] - to->qd[j];
    b->ea[j] = from->qdd[j] - to->qdd[j];
  }
  b->active = true;
}

void mi_ctrl_blend_advance(mi_ctrl_blend *b, double dt) {
  if (!b->active || !(dt > 0.0)) return;
  bool rest = true;
  for (int j = 0; j < b->n; j++) {
    double e = b->e[j], ev = b->ev[j];
    /* the velocity that brakes to zero at the budget, landing exactly */
    double mag = fmin(b->v_b[j], fmin(sqrt(2.0 * b->a_b[j] * fabs(e)), fabs(e) / dt));
    double v_des = e > 0.0 ? -mag : mag;
    double a = (v_des - ev) / dt;
    if (a > b->a_b[j]) a = b->a_b[j];
    if (a < -b->a_b[j]) a = -b->a_b[j];
    ev += a * dt;
    e += ev * dt;
    if (fabs(e) < 1e-12) e = 0.0;
    if (fabs(ev) < 1e-12) ev = 0.0;
    b->e[j] = e;
    b->ev[j] = ev;
    b->ea[j] = a;
    if (e != 0.0 || ev != 0.0) rest = false;
  }
  if (rest) {
    b->active = false;
    for (int j = 0; j < b->n; j++) b->ea[j] = 0.0;
  }
}

void mi_ctrl_blend_apply(const mi_ctrl_blend *b, mi_ctrl_ref *ref) {
  if (!b->active) return;
  for (int j = 0; j < b->n; j++) {
    ref->q[j] += b->e[j];
    ref->qd[j] += b->ev[j];
    ref->qdd[j] += b->ea[j];
  }
}
