/* worldmodel/tasks.c - reach, pick (intercept) and teleop nominals; see
 * tasks.h. */
#include "worldmodel/tasks.h"

#include <math.h>
#include <string.h>

const char *mi_task_name(int kind) {
  switch (kind) {
    case MI_TASK_REACH: return "reach";
    case MI_TASK_PICK: return "pick";
    case MI_TASK_TELEOP: return "teleop";
    default: return "none";
  }
}

mi_status mi_task_intercept(mi_vec3 part_p, mi_vec3 part_v, mi_vec3 tool_p, double tool_speed,
                            double t_min, double t_max, double *t_hit, mi_vec3 *point) {
  if (!t_hit || !point || !(tool_speed > 0.0) || !(t_max >= t_min) || t_min < 0.0)
    return MI_ERR_INVALID;
  double t = t_min;
  for (int it = 0; it < 50; it++) {
    mi_vec3 at = mi_vec3_add(part_p, mi_vec3_scale(part_v, t));
    double need = mi_vec3_norm(mi_vec3_sub(at, tool_p)) / tool_speed;
    if (need < t_min) need = t_min;
    if (fabs(need - t) < 1e-6) {
      t = need;
      break;
    }
    t = need;
    if (t > t_max) break;
  }
  if (t > t_max) {
    *t_hit = t_max;
    *point = mi_vec3_add(part_p, mi_vec3_scale(part_v, t_max));
    return MI_ERR_RANGE;
  }
  *t_hit = t;
  *point = mi_vec3_add(part_p, mi_vec3_scale(part_v, t));
  return MI_OK;
}

mi_status mi_task_pick_goal(const mi_task_pick_cfg *cfg, const mi_vec3 *part_p,
                            const mi_vec3 *part_v, int n, mi_vec3 tool, mi_vec3 *goal,
                            int *which, bool *descending) {
  if (!cfg || (n > 0 && (!part_p || !part_v)) || !goal) return MI_ERR_INVALID;
  double best_t = INFINITY;
  int best = -1;
  for (int i = 0; i < n; i++) {
    double th;
    mi_vec3 at;
    /* the grasp point, seen from the tool at the approach height */
    mi_vec3 gp = mi_vec3_add(part_p[i], mi_vec3_make(0, 0, cfg->grasp_dz));
    mi_vec3 from = mi_vec3_make(tool.x, tool.y, tool.z - cfg->approach_height);
    if (mi_task_intercept(gp, part_v[i], from, cfg->tool_speed, 0.0, cfg->t_max, &th, &at) ==
            MI_OK &&
        th < best_t) {
      best_t = th;
      best = i;
    }
  }
  if (best < 0) return MI_ERR_NOT_FOUND;
  mi_vec3 gp = mi_vec3_add(part_p[best], mi_vec3_make(0, 0, cfg->grasp_dz));
  mi_vec3 ahead = mi_vec3_add(gp, mi_vec3_scale(part_v[best], cfg->lead_s));
  double dxy = hypot(ahead.x - tool.x, ahead.y - tool.y);
  bool down = dxy <= cfg->capture_xy;
  if (!down) {
    /* far: the intercept point, above */
    double th;
    mi_vec3 at, from = mi_vec3_make(tool.x, tool.y, tool.z - cfg->approach_height);
    (void)mi_task_intercept(gp, part_v[best], from, cfg->tool_speed, 0.0, cfg->t_max, &th, &at);
    ahead = mi_vec3_add(at, mi_vec3_scale(part_v[best], cfg->lead_s));
    ahead.z += cfg->approach_height;
  }
  *goal = ahead;
  if (which) *which = best;
  if (descending) *descending = down;
  return MI_OK;
}

double mi_task_pick_grasp_dz(const mi_model *m) {
  double dz = 0.0;
  for (int i = 0; m && i < m->npart; i++) {
    const mi_wm_geom *g = &m->part[i].shape;
    double h = g->type == MI_WM_SHAPE_BOX        ? g->size[2]
               : g->type == MI_WM_SHAPE_CYLINDER ? g->size[1]
                                                 : g->size[0];
    if (h > dz) dz = h;
  }
  return dz;
}

/* dq = J^T (J J^T + lambda^2 I)^-1 dx for a 3 x n position Jacobian */
static void dls(const double J[3][MI_WM_MAX_DOF], int n, const double dx[3], double lambda,
                double *dq) {
  double A[3][3];
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++) {
      double s = 0.0;
      for (int j = 0; j < n; j++) s += J[i][j] * J[k][j];
      A[i][k] = s + (i == k ? lambda * lambda : 0.0);
    }
  /* 3x3 inverse by cofactors (A is symmetric positive definite) */
  double c00 = A[1][1] * A[2][2] - A[1][2] * A[2][1], c01 = A[1][2] * A[2][0] - A[1][0] * A[2][2],
         c02 = A[1][0] * A[2][1] - A[1][1] * A[2][0];
  double det = A[0][0] * c00 + A[0][1] * c01 + A[0][2] * c02;
  double inv[3][3] = {
      {c00 / det, (A[0][2] * A[2][1] - A[0][1] * A[2][2]) / det,
       (A[0][1] * A[1][2] - A[0][2] * A[1][1]) / det},
      {c01 / det, (A[0][0] * A[2][2] - A[0][2] * A[2][0]) / det,
       (A[0][2] * A[1][0] - A[0][0] * A[1][2]) / det},
      {c02 / det, (A[0][1] * A[2][0] - A[0][0] * A[2][1]) / det,
       (A[0][0] * A[1][1] - A[0][1] * A[1][0]) / det}};
  double y[3];
  for (int i = 0; i < 3; i++) y[i] = inv[i][0] * dx[0] + inv[i][1] * dx[1] + inv[i][2] * dx[2];
  for (int j = 0; j < n; j++) dq[j] = J[0][j] * y[0] + J[1][j] * y[1] + J[2][j] * y[2];
}

mi_status mi_task_teleop_knots(const mi_rollout *r, const mi_model *m, const float *q,
                               const double v[3], double horizon_s, int knots, double lambda,
                               float *out_knots, float goal[3]) {
  if (!r || !m || !q || !v || !out_knots || knots < 2 || !(horizon_s > 0.0)) return MI_ERR_INVALID;
  const int n = mi_rollout_ndof(r);
  const int sub = 8; /* resolved-rate increments per knot interval */
  float cur[MI_WM_MAX_DOF];
  memcpy(cur, q, sizeof(float) * (size_t)n);
  memcpy(out_knots, q, sizeof(float) * (size_t)n);
  float p0[3];
  mi_rollout_ee_position(r, q, p0);
  double target[3] = {p0[0], p0[1], p0[2]};
  const double dt = horizon_s / (double)(knots - 1) / (double)sub;
  for (int k = 1; k < knots; k++) {
    for (int s = 0; s < sub; s++) {
      for (int i = 0; i < 3; i++) target[i] += v[i] * dt;
      /* position Jacobian by central differences */
      double J[3][MI_WM_MAX_DOF];
      float pc[3];
      mi_rollout_ee_position(r, cur, pc);
      for (int j = 0; j < n; j++) {
        const float h = 1e-3f;
        float qa[MI_WM_MAX_DOF], pa[3], pb[3];
        memcpy(qa, cur, sizeof(float) * (size_t)n);
        qa[j] = cur[j] + h;
        mi_rollout_ee_position(r, qa, pa);
        qa[j] = cur[j] - h;
        mi_rollout_ee_position(r, qa, pb);
        for (int i = 0; i < 3; i++) J[i][j] = (double)(pa[i] - pb[i]) / (2.0 * h);
      }
      double dx[3] = {target[0] - pc[0], target[1] - pc[1], target[2] - pc[2]}, dq[MI_WM_MAX_DOF];
      dls(J, n, dx, lambda, dq);
      for (int j = 0; j < n; j++) {
        double x = cur[j] + dq[j];
        if (x < m->dyn.lower[j]) x = m->dyn.lower[j];
        if (x > m->dyn.upper[j]) x = m->dyn.upper[j];
        cur[j] = (float)x;
      }
    }
    memcpy(out_knots + k * n, cur, sizeof(float) * (size_t)n);
  }
  if (goal)
    for (int i = 0; i < 3; i++) goal[i] = (float)target[i];
  return MI_OK;
}
