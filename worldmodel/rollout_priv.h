/* worldmodel/rollout_priv.h - what rollout.c hands the per-ISA cost kernels
 * (worldmodel/rollout_lanes.h). Not a public header. */
#ifndef MI_WM_ROLLOUT_PRIV_H
#define MI_WM_ROLLOUT_PRIV_H

#include <stdint.h>

#include "worldmodel/cost.h"
#include "worldmodel/model.h"

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

/* The tracking torques (rollout_law.h) of candidates [0, nc): q, qref read
 * and tau written with `stride`, a whole group of lanes at a time; returns
 * the first candidate not done (the caller finishes with mi_rollout_track_f). */
int mi_rollout_track_lanes_v4(const mi_wm_dynf *d, const float *kp, const float *tmax,
                              int gravity, const float *q, const float *qref, float *tau,
                              int stride, int nc);
int mi_rollout_track_lanes_v8(const mi_wm_dynf *d, const float *kp, const float *tmax,
                              int gravity, const float *q, const float *qref, float *tau,
                              int stride, int nc);

#endif /* MI_WM_ROLLOUT_PRIV_H */
