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

/* max and min as selects: inlined everywhere (libm's fmaxf is a call on x86
 * without -ffast-math); NaN handling does not matter for these terms */
MI_HDI float mi_cost__max(float a, float b) { return a > b ? a : b; }
MI_HDI float mi_cost__min(float a, float b) { return a < b ? a : b; }

/* the terms over one candidate in float (host and device): written once in
 * worldmodel/cost_tmpl.h, which the CPU backend also instantiates over SIMD
 * lanes (worldmodel/rollout_lanes.h) */
#define MI_COST_T float
#define MI_COST_SUF
#define MI_COST_FN MI_HDI
#define MI_COST_C(x) ((float)(x))
#define MI_COST_MAX(a, b) mi_cost__max((a), (b))
#define MI_COST_MIN(a, b) mi_cost__min((a), (b))
#define MI_COST_SQRT(x) sqrtf(x)
#define MI_COST_ABS(x) fabsf(x)
#include "worldmodel/cost_tmpl.h"
#undef MI_COST_T
#undef MI_COST_SUF
#undef MI_COST_FN
#undef MI_COST_C
#undef MI_COST_MAX
#undef MI_COST_MIN
#undef MI_COST_SQRT
#undef MI_COST_ABS

/* 1 - <a, b>^2 = sin^2(angle/2): zero for equal rotations (either sign of the
 * quaternion), 1 for a half turn; quaternions (w, x, y, z), unit */
MI_HDI float mi_cost_ee_rot(const float q[4], const float goal[4]) {
  float d = q[0] * goal[0] + q[1] * goal[1] + q[2] * goal[2] + q[3] * goal[3];
  return mi_cost__max(1.0f - d * d, 0.0f);
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

#endif /* MI_WM_COST_H */
