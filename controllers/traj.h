/* controllers/traj.h - plans the controller follows: a fixed-size joint
 * trajectory, its validation, quintic interpolation and offset blending.
 *
 * A plan is a trajectory_msgs/JointTrajectory already mapped onto the
 * controller's clock: point k is due at t0_ns + t_ns[k] (CLOCK_MONOTONIC ns).
 * Between points the reference is a quintic Hermite segment matching
 * position, velocity and acceleration at both ends, so the reference is C2
 * inside a plan. Missing velocities and accelerations are filled in by
 * mi_ctrl_plan_prepare (finite differences); the last point always has zero
 * velocity and acceleration: a plan that is not replaced comes to rest.
 * Before its first point a plan is the line through that point at its
 * velocity (continuous when the plan starts later); after its last point it
 * holds the last one.
 *
 * Switching plans (or re-entering RUN after a stop) never makes the reference
 * jump: a mi_ctrl_blend carries the difference in position and velocity
 * between what was commanded and the new plan at the switch, and drives that
 * offset to zero along a braking curve (offset velocity at most half the
 * velocity limit, offset acceleration at most half the acceleration limit,
 * the other halves being the plan's). The output is continuous in position
 * and velocity at every switch, however often plans arrive (each switch
 * carries the current offset over, it does not restart a fixed-length
 * blend), and the new plan keeps its own timing (time-aligned: it is not
 * re-timed, only offset while the blend lasts).
 *
 * Everything here is allocation-free and takes no locks; mi_ctrl_plan is a
 * plain value (copy it, put it in a mi_latest). Units: rad, rad/s, rad/s^2,
 * ns for times.
 */
#ifndef MI_CTRL_TRAJ_H
#define MI_CTRL_TRAJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MI_CTRL_MAX_JOINTS 16
#define MI_CTRL_MAX_POINTS 128

/* Per-joint limits; a limit <= 0 (vel, acc, effort) or q_min >= q_max means
 * "not limited". */
typedef struct mi_ctrl_limits {
  int n;
  double q_min[MI_CTRL_MAX_JOINTS], q_max[MI_CTRL_MAX_JOINTS]; /* rad */
  double vel_max[MI_CTRL_MAX_JOINTS];                          /* rad/s */
  double acc_max[MI_CTRL_MAX_JOINTS];                          /* rad/s^2 */
  double effort_max[MI_CTRL_MAX_JOINTS];                       /* N m */
} mi_ctrl_limits;

typedef struct mi_ctrl_plan {
  uint64_t seq;        /* sender's sequence number (diagnostics) */
  int64_t arrival_ns;  /* controller-clock time it arrived (set by the receiver) */
  int64_t t0_ns;       /* controller-clock time of time_from_start 0 */
  int64_t state_stamp_ns; /* controller-clock time of the joint state the plan
                           * was computed from (0: unknown); diagnostics only */
  int n_joints;        /* 1..MI_CTRL_MAX_JOINTS */
  int n_points;        /* 1..MI_CTRL_MAX_POINTS */
  bool has_vel;        /* qd filled by the sender */
  bool has_acc;        /* qdd filled by the sender */
  int64_t t_ns[MI_CTRL_MAX_POINTS]; /* time_from_start, >= 0, strictly increasing */
  double q[MI_CTRL_MAX_POINTS][MI_CTRL_MAX_JOINTS];
  double qd[MI_CTRL_MAX_POINTS][MI_CTRL_MAX_JOINTS];
  double qdd[MI_CTRL_MAX_POINTS][MI_CTRL_MAX_JOINTS];
} mi_ctrl_plan;

/* A reference state for n joints. */
typedef struct mi_ctrl_ref {
  double q[MI_CTRL_MAX_JOINTS], qd[MI_CTRL_MAX_JOINTS], qdd[MI_CTRL_MAX_JOINTS];
} mi_ctrl_ref;

/* Check a plan before it may reach the loop: sizes (n_joints must equal
 * lim->n), finite numbers everywhere that is used (a NaN or Inf anywhere is
 * a rejection), times >= 0 and strictly increasing, positions inside
 * [q_min, q_max], given velocities and the average velocity between points
 * within vel_max * (1 + tol). err (may be NULL) receives the first problem,
 * e.g. "point 3 joint 1: position is NaN".
 * @retval MI_OK
 * @retval MI_ERR_REJECTED the plan is unusable (see err)
 * @retval MI_ERR_INVALID  plan or lim is NULL */
mi_status mi_ctrl_plan_validate(const mi_ctrl_plan *p, const mi_ctrl_limits *lim, double tol,
                                char *err, size_t err_sz);

/* Fill missing velocities (central differences; the first point one-sided)
 * and accelerations (central differences of velocity, zero at the ends), and
 * set the last point's velocity and acceleration to zero. Sets has_vel and
 * has_acc. Call after mi_ctrl_plan_validate, outside the loop. */
void mi_ctrl_plan_prepare(mi_ctrl_plan *p);

/* The reference at controller time t_ns for a prepared plan (before the
 * first point: extrapolated at the first point's velocity; after the last
 * point: held at rest). */
void mi_ctrl_plan_eval(const mi_ctrl_plan *p, int64_t t_ns, mi_ctrl_ref *out);

/* Quintic from (p0, v0, a0) at 0 to (p1, v1, a1) at h seconds, evaluated at
 * t in [0, h]: position, velocity, acceleration. h must be > 0. */
void mi_ctrl_quintic(double p0, double v0, double a0, double p1, double v1, double a1,
                     double h, double t, double *p, double *v, double *a);

/* A decaying offset added to a reference after a switch. */
typedef struct mi_ctrl_blend {
  bool active;
  int n;
  double e[MI_CTRL_MAX_JOINTS];   /* position offset, rad */
  double ev[MI_CTRL_MAX_JOINTS];  /* velocity offset, rad/s */
  double ea[MI_CTRL_MAX_JOINTS];  /* acceleration of the offset in the last advance */
  double v_b[MI_CTRL_MAX_JOINTS]; /* offset velocity budget */
  double a_b[MI_CTRL_MAX_JOINTS]; /* offset acceleration budget */
} mi_ctrl_blend;

/* An idle blend for n joints with budgets of half of lim's velocity and
 * acceleration limits (lim NULL or a joint unlimited: no budget). */
void mi_ctrl_blend_init(mi_ctrl_blend *b, int n, const mi_ctrl_limits *lim);

/* Switch: from now on the output is `to` plus an offset that starts at
 * from - to (position and velocity), so the output equals `from` now. */
void mi_ctrl_blend_switch(mi_ctrl_blend *b, const mi_ctrl_ref *from, const mi_ctrl_ref *to);

/* Move the offset dt_s seconds towards zero (call once per period with the
 * real elapsed time, before mi_ctrl_blend_apply). Ends exactly at zero and
 * then deactivates. */
void mi_ctrl_blend_advance(mi_ctrl_blend *b, double dt_s);

/* Add the current offset to ref (in place); nothing when inactive. */
void mi_ctrl_blend_apply(const mi_ctrl_blend *b, mi_ctrl_ref *ref);

#ifdef __cplusplus
}
#endif

#endif /* MI_CTRL_TRAJ_H */
