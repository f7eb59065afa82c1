/* worldmodel/rollout_priv.h - what rollout.c hands the per-ISA cost kernels
 * (worldmodel/rollout_lanes.h). Not a public header. */
#ifndef MI_WM_ROLLOUT_PRIV_H
#define MI_WM_ROLLOUT_PRIV_H

#include <stdint.h>

#include "worldmodel/cost.h"
#include "worldmodel/model.h"
#include "worldmodel/planner.h"

typedef struct mi_rollout_cost_ctx {
  const mi_wm_dynf *d;
  mi_cost_weights w;
  const float *lo, *hi, *vmax, *tmax;
  const float *goal_R;
  int goal_rot;
  const mi_cost_obstacle *obs;
  int nobs;
  const int *moving; /* spheres on a body */
  int nmoving;
  const uint16_t (*self_pair)[2];
  int nself;
} mi_rollout_cost_ctx;

/* Add the stage cost of candidates [0, nc) (structure of arrays with
 * `stride`) to cost[], a whole group of lanes at a time; returns the first
 * candidate not done (the caller finishes the tail with the scalar terms). */
int mi_rollout_cost_lanes_v4(const mi_rollout_cost_ctx *c, const float goal_p[3], const float *q,
                             const float *qd,
                             const float *tau, int stride, int nc, int terminal, float *cost);
int mi_rollout_cost_lanes_v8(const mi_rollout_cost_ctx *c, const float goal_p[3], const float *q,
                             const float *qd,
                             const float *tau, int stride, int nc, int terminal, float *cost);
int mi_rollout_cost_lanes_v16(const mi_rollout_cost_ctx *c, const float goal_p[3],
                              const float *q, const float *qd, const float *tau, int stride,
                              int nc, int terminal, float *cost);

/* The tracking torques (rollout_law.h) of candidates [0, nc): q, qref read
 * and tau written with `stride`, a whole group of lanes at a time; returns
 * the first candidate not done (the caller finishes with mi_rollout_track_f). */
int mi_rollout_track_lanes_v4(const mi_wm_dynf *d, const float *kp, const float *tmax,
                              int gravity, const float *q, const float *qref, float *tau,
                              int stride, int nc);
int mi_rollout_track_lanes_v8(const mi_wm_dynf *d, const float *kp, const float *tmax,
                              int gravity, const float *q, const float *qref, float *tau,
                              int stride, int nc);
int mi_rollout_track_lanes_v16(const mi_wm_dynf *d, const float *kp, const float *tmax,
                               int gravity, const float *q, const float *qref, float *tau,
                               int stride, int nc);

/* What the whole-horizon kernels need besides the cost terms: the rollout
 * of rollout.c (mi_rollout.h) for candidates of knots U (planner layout,
 * knots x ndof floats per candidate). */
typedef struct mi_rollout_horizon {
  const mi_rollout_cost_ctx *cost; /* cost terms; cost->d: the model, kd folded in */
  const float *kp, *tmax;          /* the tracking law's gains and torque clamp */
  int gravity;                     /* the law adds g(q) */
  const float *q0, *qd0;           /* start state */
  int H, nsub, knots;
  float dt, h;                     /* step and substep [s] */
  const int (*spline_idx)[4];      /* per step t: the spline's taps at its end */
  const float (*spline_w)[4];
  const float *goal_p, *goal_v;    /* goal at the end of step t: p + v (t + 1) dt */
} mi_rollout_horizon;

/* Roll out groups of lanes of candidates k0 <= k < nc (U: candidate k's
 * knots at U + k * knots * ndof) over the horizon and add each one's stage
 * costs to cost[k] (cost[k] holds its smoothness term on entry); returns
 * the first candidate not done (fewer than a group left). v16 only where
 * mi_wm_simd_width() is 16, v8 where mi_wm_simd_lanes() is 8. */
int mi_rollout_horizon_lanes_v4(const mi_rollout_horizon *hz, const float *U, int k0, int nc,
                                float *cost);
int mi_rollout_horizon_lanes_v8(const mi_rollout_horizon *hz, const float *U, int k0, int nc,
                                float *cost);
int mi_rollout_horizon_lanes_v16(const mi_rollout_horizon *hz, const float *U, int k0, int nc,
                                 float *cost);

#endif /* MI_WM_ROLLOUT_PRIV_H */
