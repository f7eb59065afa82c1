/* worldmodel/learner.h - the online residual model: what the physics prior
 * (worldmodel/dynamics.h, float64 path) gets wrong, learned from observed
 * transitions.
 *
 * Model. For a transition (q0, qd0) -> (q1, qd1) over dt under the applied
 * torques tau (held over dt), the prior predicts qd1_prior with
 * mi_wm_step_d. The residual acceleration
 *     r = (qd1 - qd1_prior) / dt                      [rad/s^2 or m/s^2]
 * is modelled as r = W^T phi(q0, qd0, tau), linear in a fixed feature
 * vector phi of F = 1 + 2 n + n^2 values (n = ndof):
 *     1, qd_j / vmax_j, tau_j / effort_j, and for every body k the
 *     sensitivity d qdd / d s_k of the prior's acceleration to a scale s_k
 *     of body k's inertial parameters (mass, first moment, inertia),
 * by finite differences on the prior: a physics-shaped basis in which a
 * payload or link mass mismatch is (to first order) linear, while the bias,
 * velocity and torque columns take up offsets, damping and motor gains.
 * Features are scaled to O(1) so one ridge weight suits every column.
 *
 * Fitting. Ridge regression with exponential forgetting: every observed
 * transition updates A <- lambda A + phi phi^T, B <- lambda B + phi r^T with
 * lambda = exp(-dt / forgetting_s); mi_wm_learner_fit solves
 * (A + ridge I) W = B (F x n right-hand sides) with LAPACKE_dposv.
 *
 * Evaluation. mi_wm_learner_eval_batch evaluates R = Phi W for a batch of
 * feature rows with one cblas_dgemm (OpenBLAS); the corrected step
 * (mi_wm_learner_step) takes the prior's step and adds dt r to qd and dt^2 r
 * to q, exactly what the target above measured (semi-implicit Euler).
 *
 * Prediction error. mi_wm_learner_push feeds timestamped joint samples
 * (q, qd, applied torque): it subsamples them at sample_dt, learns from each
 * transition, refits every refit_every transitions and keeps a history from
 * which mi_wm_learner_prediction_error replays the last horizon_s open loop
 * (recorded torques) from several start points, with and without the
 * residual, and reports the RMS joint position error at the horizon.
 *
 * Memory: all buffers are allocated in mi_wm_learner_create.
 * Thread rules: one thread at a time per learner; the model is shared
 * read-only.
 */
#ifndef MI_WM_LEARNER_H
#define MI_WM_LEARNER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/params.h"
#include "core/status.h"
#include "worldmodel/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* most features (1 + 2 n + n^2 at n = MI_WM_MAX_DOF) */
#define MI_WM_LEARNER_MAX_F (1 + 2 * MI_WM_MAX_DOF + MI_WM_MAX_DOF * MI_WM_MAX_DOF)

typedef struct mi_wm_learner_params {
  bool enabled;         /* false: no learning, the residual stays zero */
  double forgetting_s;  /* time constant of the exponential forgetting [s] */
  double ridge;         /* Tikhonov weight on W */
  double sample_dt;     /* transitions are taken this far apart [s] */
  double horizon_s;     /* prediction-error horizon [s] (0.5) */
  int64_t substeps;     /* integrator substeps per sample_dt in predictions */
  int64_t refit_every;  /* transitions between refits */
  int64_t min_samples;  /* transitions before the first fit */
  double max_residual;  /* |r| above this [rad/s^2] rejects a transition as an outlier */
} mi_wm_learner_params;

/* Rows `learner.*` for a node's params table; S the node's params struct, f
 * its mi_wm_learner_params member. */
#define MI_WM_LEARNER_PARAM_ROWS(S, f)                                                             \
  MI_P_BOOL(S, f.enabled, "learner.enabled", "true",                                           \
            "fit the residual model online; false: physics prior only"),                       \
  MI_P_DOUBLE(S, f.forgetting_s, "learner.forgetting", "30.0", 0.1, 1e6, "s",                  \
              "time constant of the exponential forgetting"),                                  \
  MI_P_DOUBLE(S, f.ridge, "learner.ridge", "1e-3", 0.0, 1e6, NULL,                             \
              "ridge (Tikhonov) weight of the regression"),                                    \
  MI_P_DOUBLE(S, f.sample_dt, "learner.sample_dt", "0.01", 1e-4, 0.5, "s",                     \
              "spacing of the transitions the learner takes from joint states"),               \
  MI_P_DOUBLE(S, f.horizon_s, "learner.horizon", "0.5", 0.01, 5.0, "s",                        \
              "horizon of the published open-loop prediction error"),                          \
  MI_P_INT(S, f.substeps, "learner.substeps", "4", 1, 100, NULL,                               \
           "integrator substeps per sample in the learner's predictions"),                     \
  MI_P_INT(S, f.refit_every, "learner.refit_every", "50", 1, 1000000, NULL,                    \
           "transitions between two solves"),                                                  \
  MI_P_INT(S, f.min_samples, "learner.min_samples", "100", 1, 1000000, NULL,                   \
           "transitions before the first solve"),                                              \
  MI_P_DOUBLE(S, f.max_residual, "learner.max_residual", "200.0", 0.0, 1e9, "rad/s^2",         \
              "a transition whose residual acceleration exceeds this is rejected")

/* Defaults (the rows' defaults). */
void mi_wm_learner_params_default(mi_wm_learner_params *p);

typedef struct mi_wm_learner mi_wm_learner;

/* What the learner has done so far (for rt/planner/status). */
typedef struct mi_wm_learner_stats {
  uint64_t transitions;  /* accepted */
  uint64_t rejected;     /* outliers, non-finite, gaps */
  uint64_t fits;         /* successful solves */
  uint64_t fit_failures; /* dposv refused (not positive definite) */
  bool fitted;           /* a W is in use */
  double weight;         /* sum of forgetting weights (effective sample count) */
} mi_wm_learner_stats;

/* A learner for model m (borrowed; must outlive it). Caller frees with
 * mi_wm_learner_destroy.
 * @retval MI_ERR_INVALID NULL arguments, model without dofs, bad params
 * @retval MI_ERR_NOMEM */
mi_status mi_wm_learner_create(const mi_model *m, const mi_wm_learner_params *p,
                               mi_wm_learner **out);
void mi_wm_learner_destroy(mi_wm_learner *l);

/* Features per row (F) and the number of joints (n). */
int mi_wm_learner_nfeat(const mi_wm_learner *l);
int mi_wm_learner_ndof(const mi_wm_learner *l);

/* Feature row phi (F values) of a state and applied torque; qdd_prior (the
 * prior's mean acceleration over the step) is accepted for future feature
 * sets and unused now. */
void mi_wm_learner_features(const mi_wm_learner *l, const double *q, const double *qd,
                            const double *tau, const double *qdd_prior, double *phi);

/* Learn from one transition over dt [s] (q0, qd0 -> q1, qd1 under tau).
 * Does not refit (see mi_wm_learner_fit). Ignored (MI_OK) when learning is
 * disabled.
 * @retval MI_ERR_REJECTED a non-finite value, dt <= 0, or a residual above
 *                         max_residual (counted, statistics unchanged) */
mi_status mi_wm_learner_observe(mi_wm_learner *l, const double *q0, const double *qd0,
                                const double *tau, double dt, const double *q1,
                                const double *qd1);

/* Solve the ridge system for W (LAPACKE_dposv).
 * @retval MI_ERR_STATE  fewer than min_samples transitions so far
 * @retval MI_ERR_RANGE  the system is not positive definite (W unchanged) */
mi_status mi_wm_learner_fit(mi_wm_learner *l);

/* Forget everything learned (W = 0, statistics cleared). */
void mi_wm_learner_reset(mi_wm_learner *l);

/* R = Phi W for nrow feature rows (phi: nrow x F, row-major; r: nrow x n)
 * with cblas_dgemm. Zeros before the first fit. */
void mi_wm_learner_eval_batch(const mi_wm_learner *l, const double *phi, int nrow, double *r);

/* One step of the corrected model: prior step (mi_wm_step_d, nsub substeps)
 * plus the residual (when use_residual and fitted). q, qd updated in place. */
void mi_wm_learner_step(const mi_wm_learner *l, double *q, double *qd, const double *tau,
                        double dt, int nsub, bool use_residual);

/* Feed one joint sample at time t_ns (any monotonic time base): q, qd,
 * applied torque tau (n values each). Takes a transition whenever at least
 * sample_dt has passed since the last one kept, learns from it and refits
 * every refit_every transitions. A time going backwards or a gap longer than
 * 4 sample_dt restarts the history (not an error).
 * @retval MI_ERR_REJECTED a non-finite value (the sample is dropped) */
mi_status mi_wm_learner_push(mi_wm_learner *l, int64_t t_ns, const double *q, const double *qd,
                             const double *tau);

/* RMS joint position error [rad] at horizon_s of open-loop replays over the
 * history (recorded torques) from up to `starts` start points, evaluated as
 * one batch; *err_prior receives the same without the residual (may be
 * NULL).
 * @retval MI_ERR_EMPTY  the history is shorter than the horizon */
mi_status mi_wm_learner_prediction_error(mi_wm_learner *l, int starts, double *err,
                                         double *err_prior);

/* Turn learning on or off at run time (the learner.enabled param): off
 * keeps the fitted W in use but takes no more transitions. */
void mi_wm_learner_set_enabled(mi_wm_learner *l, bool on);

void mi_wm_learner_get_stats(const mi_wm_learner *l, mi_wm_learner_stats *out);
const mi_wm_learner_params *mi_wm_learner_get_params(const mi_wm_learner *l);

/* W (F x n, row-major), owned by the learner. */
const double *mi_wm_learner_weights(const mi_wm_learner *l);

/* ---- the correction inside the planner's rollouts ----
 * The rollouts (worldmodel/rollout.h) run the float32 dynamics tables and
 * cannot evaluate W per substep. What they get instead is the physically
 * meaningful part of the residual: per-body inertial scales 1 + d_k (body
 * k's mass, first moment and inertia together). Next to W the learner fits,
 * with the same forgetting, a mass-only model that is exact in d because
 * rigid-body dynamics are linear in the inertial parameters:
 *     M_prior (qdd_obs - qdd_prior) = - sum_k d_k ID_k(q, qd, qdd_obs),
 * ID_k the inverse dynamics of body k's parameters alone (through ABA and a
 * Cholesky factor of M^-1, at the transition's midpoint), rows weighted by
 * 1 / effort, ridge relative to each column's energy. (A first-order fit on
 * the sensitivity features finds a 30% payload as about 1.14.) The bias,
 * velocity and torque terms of W stay out of the rollouts (the learner's
 * own predictions use them). */

/* Per-body scale 1 + d_k (n values; each clamped to [0.25, 4]) from the
 * last successful fit; all 1 before it.
 * @retval MI_OK         fitted
 * @retval MI_ERR_STATE  not fitted yet (scale is all 1) */
mi_status mi_wm_learner_mass_scale(const mi_wm_learner *l, double *scale);

/* out = prior with body k's mass, first moment h and inertia times
 * scale[k] (prior_d->ndof values), in both precisions (the float32 table
 * computed from the float64 one); everything else copied. out_d or out_f
 * may be NULL; prior_f is read only for what is copied unchanged. No
 * allocation. */
void mi_wm_learner_scale_dyn(const double *scale, const mi_wm_dynd *prior_d,
                             const mi_wm_dynf *prior_f, mi_wm_dynd *out_d, mi_wm_dynf *out_f);

#ifdef __cplusplus
}
#endif

#endif /* MI_WM_LEARNER_H */
