/* worldmodel/planner.h - sampling planners over spline knots: MPPI (default),
 * CEM and predictive sampling, on a pluggable rollout "system" and the CPU
 * worker pool.
 *
 * Control parameterisation. A candidate is `knots` knots of an nu-vector
 * (for the arm: joint position references [rad or m], tracked in the rollout
 * by a PD law with torque limits, see rollout.h), spread evenly over the
 * horizon H*dt: knot j sits at t_j = j * H*dt / (knots - 1). Between knots
 * the reference is interpolated (spline: zero-order hold, linear, or cubic
 * Hermite with finite-difference slopes, as MuJoCo MPC does). A candidate is
 * stored as knots x nu floats, candidate after candidate.
 *
 * Sampling. Candidate 0 is the current mean (the nominal plan); candidate
 * k >= 1 is clamp(mean + std .* eps_k) with eps a standard normal drawn by
 * Philox keyed by the seed, counter (knot, k, iteration, joint/4): a pure
 * function of (seed, iteration, k, knot), so the samples are the same
 * whatever thread draws them and on CPU and GPU. Costs are computed per
 * candidate, independently; the update (weights, means, sorting) runs on
 * the calling thread in a fixed order. Hence for a given seed the plan is
 * bit-identical whatever the number of threads.
 *
 * Updates per iteration, S_k the candidates' costs:
 *   mppi: w_k = exp(-(S_k - S_min) / lambda), mean = sum w_k U_k / sum w_k;
 *         lambda = temperature (absolute) or temperature * (mean(S) - S_min)
 *         (temperature_scale: spread, the default, invariant to cost scale).
 *   cem:  mean and std of the `elites` cheapest candidates, smoothed by
 *         cem_alpha towards the old values, std floored at cem_min_std * noise.
 *   ps:   mean = the cheapest candidate (predictive sampling).
 * Warm start: mi_planner_shift re-knots the mean at times shifted by the
 * time elapsed since the last plan (the tail holds the last knot).
 *
 * Ownership and threads: a planner owns its buffers, allocated once in
 * mi_planner_create; mi_planner_iterate does not allocate. One thread at a
 * time uses a planner; the system's eval runs on the pool's workers.
 */
#ifndef MI_WM_PLANNER_H
#define MI_WM_PLANNER_H

#include <stdint.h>

#include "core/hd.h"
#include "core/params.h"
#include "core/status.h"
#include "worldmodel/cost.h"
#include "worldmodel/pool.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mi_planner_kind { MI_PLANNER_MPPI = 0, MI_PLANNER_CEM = 1, MI_PLANNER_PS = 2 } mi_planner_kind;
typedef enum mi_backend_kind { MI_BACKEND_AUTO = 0, MI_BACKEND_CPU = 1, MI_BACKEND_CUDA = 2 } mi_backend_kind;
typedef enum mi_spline_kind { MI_SPLINE_ZERO = 0, MI_SPLINE_LINEAR = 1, MI_SPLINE_CUBIC = 2 } mi_spline_kind;
typedef enum mi_temp_scale { MI_TEMP_SPREAD = 0, MI_TEMP_ABSOLUTE = 1 } mi_temp_scale;

/* most knots and control dimensions a planner accepts */
#define MI_PLANNER_MAX_KNOTS 32
#define MI_PLANNER_MAX_NU 32

/* the planner's params (rows in mi_planner_params_table, section
 * `planner.*`, `cost.*` and `rollout.*` of the predictor's params) */
typedef struct mi_planner_params {
  int kind;          /* mi_planner_kind */
  int backend;       /* mi_backend_kind */
  int spline;        /* mi_spline_kind */
  int temp_scale;    /* mi_temp_scale */
  int64_t K;         /* candidates per iteration */
  int64_t H;         /* rollout steps */
  int64_t knots;     /* spline knots over the horizon */
  int64_t iterations;/* planner iterations per mi_planner_optimize */
  int64_t elites;    /* cem */
  int64_t threads;   /* cpu pool; 0: all cores */
  int64_t block;     /* candidates per pool task (fixed blocks: determinism) */
  int64_t refine;    /* two-phase: candidates scored again (mi_planner_refine); 0: off */
  int64_t seed;
  double dt;         /* rollout step [s] */
  double temperature;
  mi_param_doubles noise; /* per control dimension (one value: all) */
  double cem_alpha;       /* smoothing of mean and std, 0: none */
  double cem_min_std;     /* floor on std, fraction of noise */
  /* rollout (rollout.h) */
  int64_t substeps;       /* integrator substeps per rollout step */
  mi_param_doubles kp;    /* PD stiffness per joint [N m/rad] */
  mi_param_doubles kd;    /* PD damping per joint [N m s/rad] */
  bool gravity_comp;      /* the tracking law adds the model's gravity torques g(q) */
  /* cost weights (cost.h) */
  double w_ee_pos, w_ee_rot, w_clearance, clearance_margin, w_zone, w_self;
  double w_qlim, w_vlim, w_tlim, w_effort, w_vel, w_smooth, w_terminal;
} mi_planner_params;

/* The params table (node "predictor"). */
const mi_param_table *mi_planner_params_table(void);

/* Defaults of every row. */
mi_status mi_planner_params_defaults(mi_planner_params *p, char *err, size_t err_sz);

/* The weights as the cost terms use them. */
mi_cost_weights mi_planner_cost_weights(const mi_planner_params *p);

/* Value i of a per-joint list: v[i], or its only item for every i, or def
 * when empty. */
double mi_planner_per_joint(const mi_param_doubles *d, int i, double def);

/* ---- the rollout system a planner optimises ---- */

/* Cost of n candidates, k0 .. k0+n-1: U holds their knots (n x knots x nu,
 * contiguous), cost[i] receives candidate k0+i's total cost. Called
 * concurrently from the pool's workers on disjoint ranges; `worker` indexes
 * the system's per-worker scratch. Must not allocate, must depend only on
 * (U, its own fixed state), never on k0 or worker, for determinism. */
typedef void (*mi_planner_eval_fn)(void *self, const float *U, int k0, int n, float *cost,
                                   int worker);

typedef struct mi_planner_system {
  int nu;                 /* control dimension per knot */
  const float *u_lo;      /* nu bounds on every knot, or NULL: none */
  const float *u_hi;
  mi_planner_eval_fn eval;
  void *self;
} mi_planner_system;

typedef struct mi_planner mi_planner;

typedef struct mi_planner_result {
  float best_cost;     /* cheapest candidate of the last iteration */
  float nominal_cost;  /* candidate 0 (the mean before the update) of the last iteration */
  int iterations;      /* iterations run by this call */
  uint32_t iteration;  /* the planner's iteration counter afterwards */
} mi_planner_result;

/* A planner for controls of dimension nu. Caller frees with
 * mi_planner_destroy. The mean starts at zero; set it with mi_planner_reset.
 * @retval MI_ERR_INVALID  out NULL, nu out of [1, MI_PLANNER_MAX_NU], knots out
 *                         of [2, MI_PLANNER_MAX_KNOTS], K < 2, H < 1, dt <= 0,
 *                         elites out of [1, K], noise with a count that is
 *                         neither 0, 1 nor nu
 * @retval MI_ERR_NOMEM */
mi_status mi_planner_create(const mi_planner_params *pp, int nu, mi_planner **out);
void mi_planner_destroy(mi_planner *p);

/* Every knot of the mean to u0 (nu values; NULL: zeros), std back to noise.
 * The iteration counter is kept (fresh noise). */
void mi_planner_reset(mi_planner *p, const float *u0);

/* Set the mean's knots (knots x nu values), std back to noise. */
void mi_planner_set_knots(mi_planner *p, const float *knots);

/* Run `iterations` iterations against sys on pool (NULL: the calling
 * thread only). res may be NULL.
 * @retval MI_ERR_INVALID  sys NULL or sys->nu differs from the planner's
 * @retval MI_ERR_STATE    the pool is busy (mi_pool_run's) */
mi_status mi_planner_optimize(mi_planner *p, const mi_planner_system *sys, mi_pool *pool,
                              mi_planner_result *res);

/* A two-phase iteration, for a measurement that is about to arrive (the
 * real-time iteration scheme of MPC: prepare before the measurement, finish
 * fast after it). mi_planner_explore runs iterations - 1 whole iterations
 * and then samples and scores the K candidates of the last against sys as
 * it is now (its state set to the one predicted for the measurement).
 * mi_planner_refine, once sys holds the measured state, scores candidate 0
 * (the mean) and the pp.refine - 1 cheapest others again, moves every other
 * candidate's cost by the median change of those, and ends the iteration
 * as mi_planner_optimize does over all K (mppi weights, cem elites, ps
 * best). A change common to all candidates changes no weight; the ones
 * re-scored carry most of the weight (with the spread-scaled temperature
 * the cheapest 32 of 256 carried 40% of it at the median cycle of the
 * pick task, the cheapest 128 95%). When the measured state is the
 * predicted one the result is mi_planner_optimize's, bit for bit (where
 * the system scores a candidate alike in any block position: whole lane
 * groups).
 * res may be NULL.
 * @retval MI_ERR_INVALID  sys NULL or sys->nu differs from the planner's
 * @retval MI_ERR_STATE    pp.refine is 0 (explore), nothing explored since
 *                         the last refine or optimize (refine), or the pool
 *                         is busy */
mi_status mi_planner_explore(mi_planner *p, const mi_planner_system *sys, mi_pool *pool);
mi_status mi_planner_refine(mi_planner *p, const mi_planner_system *sys, mi_pool *pool,
                            mi_planner_result *res);

/* Draw the noise of the next iteration now (on pool; NULL: the calling
 * thread), so that mi_planner_optimize does not: the real-time iteration's
 * preparation phase, run while the planner waits for its next measurement.
 * The candidates are the same with or without it (the normals depend on the
 * iteration counter only); a prepared set not used by the next iteration
 * (mi_planner_optimize not called before another prepare) is kept.
 * @retval MI_ERR_INVALID  p NULL
 * @retval MI_ERR_STATE    the pool is busy (mi_pool_run's) */
mi_status mi_planner_prepare(mi_planner *p, mi_pool *pool);

/* Warm start: move the plan's origin forward by elapsed_s. */
void mi_planner_shift(mi_planner *p, double elapsed_s);

/* The mean plan's knots (knots x nu), owned by the planner, valid until the
 * next call that changes it. */
const float *mi_planner_knots(const mi_planner *p);

/* The plan's control at time t_s after its origin (clamped to the horizon). */
void mi_planner_control_at(const mi_planner *p, double t_s, float *u);

/* The rank-th cheapest candidate of the last iteration (knots x nu; rank 0
 * is mi_planner_best's), or NULL when rank is out of [0, K) or no iteration
 * ran since the last explore. Valid until the next iteration. Sorts the K
 * costs on the first call after an iteration. */
const float *mi_planner_ranked(mi_planner *p, int rank);

/* The cheapest candidate of the last iteration (knots x nu) and its cost. */
const float *mi_planner_best(const mi_planner *p, float *cost);

int mi_planner_knot_count(const mi_planner *p);
int mi_planner_nu(const mi_planner *p);
const mi_planner_params *mi_planner_get_params(const mi_planner *p);
const char *mi_planner_kind_name(int kind);

/* ---- spline evaluation, shared by rollouts on CPU and GPU ---- */

/* The spline at fractional knot position s in [0, knots-1] (clamped) as a
 * weighted sum of four knots: value = sum_m w[m] * knot[idx[m]]. The
 * weights depend only on s, so a rollout computes them once per step for
 * all candidates. */
MI_HDI void mi_spline_weights(int knots, int kind, float s, int idx[4], float w[4]) {
  float last = (float)(knots - 1);
  int i;
  float f;
  if (s <= 0.0f) {
    i = 0;
    f = 0.0f;
  } else if (s >= last) {
    i = knots - 2;
    f = 1.0f;
  } else {
    i = (int)s;
    f = s - (float)i;
  }
  idx[0] = i > 0 ? i - 1 : 0;
  idx[1] = i;
  idx[2] = i + 1;
  idx[3] = i + 2 < knots ? i + 2 : knots - 1;
  w[0] = w[1] = w[2] = w[3] = 0.0f;
  if (kind == MI_SPLINE_ZERO) {
    if (f >= 1.0f) w[2] = 1.0f;
    else w[1] = 1.0f;
  } else if (kind == MI_SPLINE_LINEAR) {
    w[1] = 1.0f - f;
    w[2] = f;
  } else {
    /* cubic Hermite, slopes by finite differences (one-sided at the ends) */
    float f2 = f * f, f3 = f2 * f;
    float h00 = 2.0f * f3 - 3.0f * f2 + 1.0f, h10 = f3 - 2.0f * f2 + f;
    float h01 = -2.0f * f3 + 3.0f * f2, h11 = f3 - f2;
    w[1] = h00;
    w[2] = h01;
    if (i > 0) { /* ma = (u[i+1] - u[i-1]) / 2 */
      w[2] += 0.5f * h10;
      w[0] -= 0.5f * h10;
    } else { /* ma = u[i+1] - u[i] */
      w[2] += h10;
      w[1] -= h10;
    }
    if (i + 2 < knots) { /* mb = (u[i+2] - u[i]) / 2 */
      w[3] += 0.5f * h11;
      w[1] -= 0.5f * h11;
    } else { /* mb = u[i+1] - u[i] */
      w[2] += h11;
      w[1] -= h11;
    }
  }
}

/* Interpolate dimension j of a candidate's knots u (knots x nu) at
 * fractional knot position s (clamped to [0, knots-1]). */
MI_HDI float mi_spline_eval(const float *u, int knots, int nu, int j, int kind, float s) {
  int idx[4];
  float w[4];
  mi_spline_weights(knots, kind, s, idx, w);
  return w[0] * u[idx[0] * nu + j] + w[1] * u[idx[1] * nu + j] + w[2] * u[idx[2] * nu + j] +
         w[3] * u[idx[3] * nu + j];
}

#ifdef __cplusplus
}
#endif

#endif /* MI_WM_PLANNER_H */
