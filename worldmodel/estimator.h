/* worldmodel/estimator.h - the predictor's view of the present: the joint
 * state with latency compensation, and the parts on the conveyor tracked
 * with constant-velocity Kalman filters.
 *
 * Joint state. Every sample (stamp, q, qd, applied torque; ndof values in
 * the model's dof order) is checked before it is believed: all finite,
 * positions within the joint limits widened by limit_margin, speeds within
 * velocity_factor times the joint's limit, a stamp not more than
 * max_future_ns ahead of the caller's now and not older than the last
 * accepted one, and no jump: |q - (q_last + qd_last dt)| <= max_jump.
 * A rejected sample leaves the state unchanged and is counted with its
 * reason. mi_wm_est_joint_at extrapolates the last accepted sample to a
 * given time (q + qd dt, the latency between the measurement's stamp and
 * now, capped at max_extrapolation_s).
 *
 * Parts. Each part pose measurement updates the nearest track (gated by
 * gate_m metres around the track's prediction), else starts a new track.
 * Per axis the track is a 2-state (position, velocity) Kalman filter with
 * white-acceleration process noise (accel_noise [m/s^2]) and measurement
 * noise meas_noise [m]; a measurement whose normalised innovation squared
 * exceeds outlier_nis (on a matched track) is rejected as an outlier.
 * Tracks unseen for track_timeout_s are dropped. Orientation is kept as
 * measured (last value).
 *
 * Times are int64 ns on one clock chosen by the caller (stamps).
 * No allocation; an estimator is a plain struct. Thread rules: one thread.
 */
#ifndef MI_WM_ESTIMATOR_H
#define MI_WM_ESTIMATOR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/math.h"
#include "core/params.h"
#include "core/status.h"
#include "worldmodel/model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MI_WM_EST_MAX_TRACKS 16

typedef struct mi_wm_est_params {
  double limit_margin;        /* rad or m beyond the joint limits still believed */
  double velocity_factor;     /* times the joint's velocity limit */
  double max_jump;            /* rad or m against the constant-velocity prediction */
  double max_future_s;        /* stamp ahead of now still accepted [s] */
  double max_extrapolation_s; /* latency compensation cap [s] */
  double gate_m;              /* part association gate [m] */
  double meas_noise;          /* part position measurement std [m] */
  double accel_noise;         /* part process noise [m/s^2] */
  double outlier_nis;         /* normalised innovation squared limit, per axis */
  double track_timeout_s;     /* drop a part track unseen this long [s] */
} mi_wm_est_params;

#define MI_WM_EST_PARAM_ROWS(S, f)                                                              \
  MI_P_DOUBLE(S, f.limit_margin, "estimator.limit_margin", "0.05", 0.0, 10.0, "rad",          \
              "joint positions beyond the limits by more than this are rejected"),             \
  MI_P_DOUBLE(S, f.velocity_factor, "estimator.velocity_factor", "1.5", 1.0, 100.0, NULL,     \
              "joint speeds above this times the velocity limit are rejected"),                \
  MI_P_DOUBLE(S, f.max_jump, "estimator.max_jump", "0.2", 1e-6, 10.0, "rad",                  \
              "a joint sample this far from the constant-velocity prediction is rejected"),    \
  MI_P_DOUBLE(S, f.max_future_s, "estimator.max_future", "0.05", 0.0, 10.0, "s",              \
              "stamps further ahead of now are rejected"),                                     \
  MI_P_DOUBLE(S, f.max_extrapolation_s, "estimator.max_extrapolation", "0.1", 0.0, 1.0, "s",  \
              "latency compensation: the most a joint state is extrapolated"),                \
  MI_P_DOUBLE(S, f.gate_m, "estimator.part_gate", "0.15", 1e-3, 10.0, "m",                    \
              "a part measurement within this of a track's prediction updates it"),           \
  MI_P_DOUBLE(S, f.meas_noise, "estimator.part_meas_noise", "0.003", 1e-6, 1.0, "m",          \
              "part position measurement noise (std)"),                                        \
  MI_P_DOUBLE(S, f.accel_noise, "estimator.part_accel_noise", "0.1", 1e-6, 100.0, "m/s^2",    \
              "part process noise: white acceleration (std)"),                                 \
  MI_P_DOUBLE(S, f.outlier_nis, "estimator.part_outlier_nis", "25.0", 1.0, 1e6, NULL,         \
              "a part measurement with a larger normalised innovation is rejected"),          \
  MI_P_DOUBLE(S, f.track_timeout_s, "estimator.part_timeout", "1.0", 0.01, 100.0, "s",        \
              "a part track unseen this long is dropped")

void mi_wm_est_params_default(mi_wm_est_params *p);

/* why a sample was rejected (counters index) */
typedef enum mi_wm_est_reject {
  MI_WM_EST_NONFINITE = 0,
  MI_WM_EST_LIMITS,
  MI_WM_EST_SPEED,
  MI_WM_EST_FUTURE,
  MI_WM_EST_OUT_OF_ORDER,
  MI_WM_EST_JUMP,
  MI_WM_EST_OUTLIER, /* parts */
  MI_WM_EST_REJECT_COUNT
} mi_wm_est_reject;

const char *mi_wm_est_reject_name(mi_wm_est_reject r);

typedef struct mi_wm_est_track {
  bool live;
  int id;                /* stable id, increasing */
  int type;              /* model part type (0 unless told) */
  double x[3][2];        /* per axis (position, velocity) */
  double P[3][2][2];     /* per axis covariance */
  mi_quat rot;           /* last measured orientation */
  int64_t t_ns;          /* time of the state */
  int64_t seen_ns;       /* last measurement */
  uint64_t updates;
} mi_wm_est_track;

typedef struct mi_wm_est {
  const mi_model *m; /* borrowed */
  mi_wm_est_params p;
  int n;
  /* joint state */
  bool have_js;
  int64_t js_stamp_ns;
  double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF];
  uint64_t js_accepted;
  /* parts */
  mi_wm_est_track track[MI_WM_EST_MAX_TRACKS];
  int next_id;
  uint64_t parts_accepted;
  uint64_t rejected[MI_WM_EST_REJECT_COUNT];
} mi_wm_est;

/* Initialise e for model m (borrowed). @retval MI_ERR_INVALID */
mi_status mi_wm_est_init(mi_wm_est *e, const mi_model *m, const mi_wm_est_params *p);

/* A joint sample stamped stamp_ns, checked against now_ns (same clock).
 * tau may be NULL (zeros). why (may be NULL) receives the reason.
 * @retval MI_ERR_REJECTED (counted; state unchanged) */
mi_status mi_wm_est_joint_update(mi_wm_est *e, int64_t stamp_ns, int64_t now_ns, const double *q,
                                 const double *qd, const double *tau, char *why, size_t why_sz);

/* The joint state extrapolated to t_ns (latency compensation).
 * @retval MI_ERR_EMPTY no sample yet */
mi_status mi_wm_est_joint_at(const mi_wm_est *e, int64_t t_ns, double *q, double *qd);

/* Age of the last accepted joint sample at now_ns; INT64_MAX when none. */
int64_t mi_wm_est_joint_age(const mi_wm_est *e, int64_t now_ns);

/* Part position measurements (n poses, world frame) stamped stamp_ns.
 * Returns how many were rejected as outliers or non-finite (counted). */
int mi_wm_est_parts_update(mi_wm_est *e, int64_t stamp_ns, const mi_pose *poses, int n);

/* Drop tracks unseen for track_timeout_s at now_ns. */
void mi_wm_est_parts_expire(mi_wm_est *e, int64_t now_ns);

/* Live tracks, predicted to t_ns: up to max poses and velocities (either may
 * be NULL) and their track indices. Returns the count. */
int mi_wm_est_parts_at(const mi_wm_est *e, int64_t t_ns, mi_pose *poses, mi_vec3 *vel, int *idx,
                       int max);

/* Total rejected samples (joint and part). */
uint64_t mi_wm_est_rejected_total(const mi_wm_est *e);

#ifdef __cplusplus
}
#endif

#endif /* MI_WM_ESTIMATOR_H */
