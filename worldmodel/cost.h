/* worldmodel/cost.h - the planner's cost terms, written once as MI_HDI
 * inline functions over one candidate's quantities (joint positions q [rad
 * or m], velocities qd, torques tau [N m or N], end-effector pose, collision
 * sphere centres [m]) so that the CPU backend and the CUDA backend compile
 * the same code. Every term is zero at its optimum and non-negative; each is
 * multiplied by a weight from params (mi_cost_weights).
 *
 * Terms (per rollout step t, summed over the horizon; the final step's
 * end-effector and velocity terms are multiplied by `terminal`):
 *   ee_pos     |p_ee - p_goal|^2                                [m^2]
 *   ee_rot     1 - <q_ee, q_goal>^2 = sin^2(angle / 2)           [-]
 *   clearance  max(0, margin - d)^2 per (sphere, obstacle) pair, d the
 *              signed distance from the sphere's surface to the obstacle
 *              (negative in penetration): zero when clear by more than
 *              the margin, growing quadratically with penetration   [m^2]
 *   qlim/vlim/tlim  squared excursion beyond [lo, hi] per joint
 *   effort     sum (tau_j / effort_limit_j)^2                    [-]
 *   vel        sum qd_j^2 (velocity regularisation)
 *   smooth     sum over knots of |u_k - u_{k-1}|^2 (control rate)
 *
 * Shapes are in float (rollouts run in float32). Obstacle poses are a centre
 * and a row-major world-from-obstacle rotation. Everything here is pure: no
 * state, no allocation, callable from any thread.
 */
#ifndef MI_WM_COST_H
#define MI_WM_COST_H

#include <math.h>

#include "core/hd.h"
#include "core/math.h"

/* obstacle shapes */
typedef enum mi_cost_shape {
  MI_COST_SPHERE = 0,   /* size[0] radius */
  MI_COST_BOX = 1,      /* size[0..2] half extents along the obstacle's x, y, z */
  MI_COST_CYLINDER = 2, /* size[0] radius, size[1] half length along the obstacle's z */
  MI_COST_PLANE = 3     /* the half space below the obstacle's z = 0 plane (the ground) */
} mi_cost_shape;

/* what an obstacle is: zones (where a person may be) get their own weight */
typedef enum mi_cost_obstacle_kind {
  MI_COST_FIXTURE = 0,
  MI_COST_PART = 1,
  MI_COST_ZONE = 2,
  MI_COST_GROUND = 3
} mi_cost_obstacle_kind;

typedef struct mi_cost_obstacle {
  float p[3];    /* centre in the world frame [m] */
  float R[9];    /* world-from-obstacle rotation, row-major */
  float size[3]; /* see mi_cost_shape [m] */
  int shape;     /* mi_cost_shape */
  int kind;      /* mi_cost_obstacle_kind */
} mi_cost_obstacle;

/* the weights (from params; see planner.h's table) */
typedef struct mi_cost_weights {
  float ee_pos;           /* per step, on |dp|^2 [1/m^2] */
  float ee_rot;           /* per step, on sin^2(angle/2) */
  float clearance;        /* per step, per pair, on max(0, margin - d)^2 [1/m^2] */
  float clearance_margin; /* [m] */
  float zone;             /* extra factor on clearance for MI_COST_ZONE obstacles */
  float self;             /* factor on clearance for sphere pairs of the robot itself */
  float qlim, vlim, tlim; /* per step, on squared excursion beyond limits */
  float effort;           /* per step, on sum (tau/effort_limit)^2 */
  float vel;              /* per step, on sum qd^2 */
  float smooth;           /* once per candidate, on sum over knots |du|^2 */
  float terminal;         /* factor on ee_pos, ee_rot and vel at the last step */
} mi_cost_weights;

/* ---- signed distances (sphere of radius r at c against a shape) ---- */

MI_HDI float mi_cost_sd_sphere_sphere(const float c[3], float r, const float o[3], float ro) {
  float dx = c[0] - o[0], dy = c[1] - o[1], dz = c[2] - o[2];
  return sqrtf(dx * dx + dy * dy + dz * dz) - r - ro;
}

/* c expressed in the obstacle's frame */
MI_HDI void mi_cost__to_local(const mi_cost_obstacle *ob, const float c[3], float l[3]) {
  float dx = c[0] - ob->p[0], dy = c[1] - ob->p[1], dz = c[2] - ob->p[2];
  const float *R = ob->R;
  l[0] = R[0] * dx + R[3] * dy + R[6] * dz;
  l[1] = R[1] * dx + R[4] * dy + R[7] * dz;
  l[2] = R[2] * dx + R[5] * dy + R[8] * dz;
}

/* exact signed distance of a point (local coordinates) to a box */
MI_HDI float mi_cost_sd_point_box(const float l[3], const float h[3]) {
  float qx = fabsf(l[0]) - h[0], qy = fabsf(l[1]) - h[1], qz = fabsf(l[2]) - h[2];
  float ox = fmaxf(qx, 0.0f), oy = fmaxf(qy, 0.0f), oz = fmaxf(qz, 0.0f);
  float outside = sqrtf(ox * ox + oy * oy + oz * oz);
  float inside = fminf(fmaxf(qx, fmaxf(qy, qz)), 0.0f);
  return outside + inside;
}

/* exact signed distance of a point (local) to a z-axis cylinder */
MI_HDI float mi_cost_sd_point_cylinder(const float l[3], float radius, float half_len) {
  float dr = sqrtf(l[0] * l[0] + l[1] * l[1]) - radius;
  float dz = fabsf(l[2]) - half_len;
  float odr = fmaxf(dr, 0.0f), odz = fmaxf(dz, 0.0f);
  return fminf(fmaxf(dr, dz), 0.0f) + sqrtf(odr * odr + odz * odz);
}

/* signed distance from the surface of sphere (c, r) to obstacle ob [m];
 * negative when they overlap (for spheres, boxes and cylinders exactly:
 * minus the penetration depth) */
MI_HDI float mi_cost_sd_sphere_obstacle(const float c[3], float r, const mi_cost_obstacle *ob) {
  float l[3];
  switch (ob->shape) {
    case MI_COST_SPHERE:
      return mi_cost_sd_sphere_sphere(c, r, ob->p, ob->size[0]);
    case MI_COST_BOX:
      mi_cost__to_local(ob, c, l);
      return mi_cost_sd_point_box(l, ob->size) - r;
    case MI_COST_CYLINDER:
      mi_cost__to_local(ob, c, l);
      return mi_cost_sd_point_cylinder(l, ob->size[0], ob->size[1]) - r;
    default: /* MI_COST_PLANE */
      mi_cost__to_local(ob, c, l);
      return l[2] - r;
  }
}

/* ---- terms ---- */

/* max(0, margin - d)^2: zero when clear by at least margin */
MI_HDI float mi_cost_clearance(float d, float margin) {
  float e = fmaxf(margin - d, 0.0f);
  return e * e;
}

/* squared excursion of x beyond [lo, hi] */
MI_HDI float mi_cost_limit(float x, float lo, float hi) {
  float a = fmaxf(x - hi, 0.0f), b = fmaxf(lo - x, 0.0f);
  return a * a + b * b;
}

MI_HDI float mi_cost_ee_pos(const float p[3], const float goal[3]) {
  float dx = p[0] - goal[0], dy = p[1] - goal[1], dz = p[2] - goal[2];
  return dx * dx + dy * dy + dz * dz;
}

/* 1 - <a, b>^2 = sin^2(angle/2): zero for equal rotations (either sign of the
 * quaternion), 1 for a half turn; quaternions (w, x, y, z), unit */
MI_HDI float mi_cost_ee_rot(const float q[4], const float goal[4]) {
  float d = q[0] * goal[0] + q[1] * goal[1] + q[2] * goal[2] + q[3] * goal[3];
  return fmaxf(1.0f - d * d, 0.0f);
}

/* sum over consecutive knots of |u_k - u_{k-1}|^2; u is knots x nu */
MI_HDI float mi_cost_smooth(const float *u, int knots, int nu) {
  float s = 0.0f;
  for (int k = 1; k < knots; k++)
    for (int j = 0; j < nu; j++) {
      float d = u[k * nu + j] - u[(k - 1) * nu + j];
      s += d * d;
    }
  return s;
}

/* clearance cost of one sphere against a list of obstacles, weighted
 * (zones by w->zone on top of w->clearance) */
MI_HDI float mi_cost_sphere_obstacles(const mi_cost_weights *w, const float c[3], float r,
                                      const mi_cost_obstacle *obs, int n_obs) {
  float s = 0.0f;
  for (int o = 0; o < n_obs; o++) {
    float d = mi_cost_sd_sphere_obstacle(c, r, &obs[o]);
    float e = mi_cost_clearance(d, w->clearance_margin);
    s += obs[o].kind == MI_COST_ZONE ? w->zone * e : e;
  }
  return w->clearance * s;
}

/* the joint-space terms of one step for one candidate; q, qd, tau of n
 * joints, read with stride `stride` (1 for a plain array, the lane count for
 * structure-of-arrays); lo/hi/vmax/tmax per joint (vmax, tmax > 0) */
MI_HDI float mi_cost_joint_terms(const mi_cost_weights *w, int n, const float *q,
                                 const float *qd, const float *tau, int stride,
                                 const float *lo, const float *hi, const float *vmax,
                                 const float *tmax, float vel_factor) {
  float sq = 0.0f, sv = 0.0f, st = 0.0f, se = 0.0f, sr = 0.0f;
  for (int j = 0; j < n; j++) {
    float x = q[j * stride], v = qd[j * stride], t = tau[j * stride];
    sq += mi_cost_limit(x, lo[j], hi[j]);
    sv += mi_cost_limit(v, -vmax[j], vmax[j]);
    st += mi_cost_limit(t, -tmax[j], tmax[j]);
    float tn = t / tmax[j];
    se += tn * tn;
    sr += v * v;
  }
  return w->qlim * sq + w->vlim * sv + w->tlim * st + w->effort * se + vel_factor * w->vel * sr;
}

#endif /* MI_WM_COST_H */
