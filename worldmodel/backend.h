/* worldmodel/backend.h - the rollout backend, chosen at run time
 * (`planner.backend: auto|cpu|cuda`), and one planning engine over either.
 *
 * auto takes the CUDA backend when this build has it (nvcc was found) and a
 * device is usable, else the CPU worker pool; `cuda` with no usable device is
 * an error (MI_ERR_DEVICE) whose sentence says why (no driver, no device, no
 * CUDA in this build). mi_wm_engine_create writes ONE log line saying which
 * backend runs and why, e.g.
 *   planner backend: cpu (auto: no CUDA device (cudaGetDeviceCount: no CUDA-capable device is detected))
 *   planner backend: cuda (auto: NVIDIA H200, sm_90, 132 SMs, 140 GiB)
 *
 * The engine is the planner as the predictor uses it: the rollout (state,
 * goal, parts, zones: set them through mi_wm_engine_rollout), the sampling
 * planner and the backend's workers. With the CPU backend it is exactly
 * mi_planner + mi_rollout + mi_pool (same plans, bit for bit); with the CUDA
 * backend a whole cycle runs on the device (worldmodel/cuda/cuda.h) and only
 * the plan comes back; it agrees with the CPU to float rounding.
 *
 * Ownership: the model is borrowed and must outlive the engine; the engine
 * owns everything else (caller frees with mi_wm_engine_destroy). Nothing
 * allocates per cycle. Thread rules: one thread at a time uses an engine.
 */
#ifndef MI_WM_BACKEND_H
#define MI_WM_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/params.h"
#include "core/status.h"
#include "worldmodel/model.h"
#include "worldmodel/planner.h"
#include "worldmodel/rollout.h"
#include "worldmodel/cuda/candidate.h"

#ifdef __cplusplus
extern "C" {
#endif

/* the CUDA backend's params (rows `cuda.*` of node "predictor") */
typedef struct mi_wm_cuda_params {
  int64_t device; /* CUDA device ordinal */
  int lanes;      /* enum index: threads per candidate 1, 2, 4, 8 (1 << lanes) */
  int64_t block;  /* threads per block of the rollout kernel (multiple of 32) */
  bool graph;     /* replay each cycle as a CUDA Graph */
} mi_wm_cuda_params;

const mi_param_table *mi_wm_cuda_params_table(void);
mi_status mi_wm_cuda_params_defaults(mi_wm_cuda_params *p, char *err, size_t err_sz);

/* Whether this build has the CUDA backend. */
bool mi_wm_backend_cuda_built(void);

/* "cpu", "cuda", "auto". */
const char *mi_wm_backend_name(int kind);

/* The backend for `requested` (mi_backend_kind) on CUDA device `device`:
 * *chosen is MI_BACKEND_CPU or MI_BACKEND_CUDA; why (may be NULL) receives
 * the sentence for the log line. Probing initialises the CUDA runtime and
 * makes `device` current on the calling thread.
 * @retval MI_ERR_DEVICE  cuda requested and not usable (*chosen unchanged)
 * @retval MI_ERR_INVALID requested is not a mi_backend_kind */
mi_status mi_wm_backend_resolve(int requested, int device, int *chosen, char *why,
                                size_t why_sz);

typedef struct mi_wm_engine mi_wm_engine;

/* An engine for model m with planner params pp (pp->backend decides) and
 * CUDA params cp (NULL: defaults). Logs one line: the backend and why.
 * @retval MI_ERR_DEVICE   pp->backend is cuda and no device is usable (err says why)
 * @retval MI_ERR_INVALID  bad params (err says which)
 * @retval MI_ERR_NOMEM */
mi_status mi_wm_engine_create(const mi_model *m, const mi_planner_params *pp,
                              const mi_wm_cuda_params *cp, mi_wm_engine **out, char *err,
                              size_t err_sz);
void mi_wm_engine_destroy(mi_wm_engine *e);

/* MI_BACKEND_CPU or MI_BACKEND_CUDA, and the reason it was chosen. */
int mi_wm_engine_backend(const mi_wm_engine *e);
const char *mi_wm_engine_why(const mi_wm_engine *e);
/* CPU worker threads (0 with the CUDA backend). */
int mi_wm_engine_threads(const mi_wm_engine *e);

/* The rollout whose setters (state, goal, parts, zones) the next cycle uses. */
mi_rollout *mi_wm_engine_rollout(mi_wm_engine *e);

/* Replace the bodies' inertial parameters the rollouts use (as
 * mi_rollout_set_inertia: the learner's mass-corrected tables, or the
 * prior's again), on the engine's backend: the CUDA backend uploads them.
 * @retval MI_ERR_INVALID (as mi_rollout_set_inertia; tables unchanged)
 * @retval MI_ERR_DEVICE  the upload failed (logged; the host side changed) */
mi_status mi_wm_engine_set_inertia(mi_wm_engine *e, const mi_wm_dynf *d);

/* One planning cycle (pp->iterations iterations). res may be NULL.
 * @retval MI_ERR_DEVICE (a CUDA call failed; logged) @retval MI_ERR_STATE */
mi_status mi_wm_engine_optimize(mi_wm_engine *e, mi_planner_result *res);
/* The next optimize's noise drawn now, between cycles (mi_planner_prepare;
 * the CUDA backend draws on the device, nothing to do). */
mi_status mi_wm_engine_prepare(mi_wm_engine *e);
/* The two phases of a cycle (mi_planner_explore, mi_planner_refine): the
 * CPU backend only (MI_ERR_STATE on CUDA). */
mi_status mi_wm_engine_explore(mi_wm_engine *e);
/* The rank-th cheapest candidate of the last iteration (mi_planner_ranked);
 * the CUDA engine keeps only the best (rank 0). NULL when there is none. */
const float *mi_wm_engine_ranked(mi_wm_engine *e, int rank);
mi_status mi_wm_engine_refine(mi_wm_engine *e, mi_planner_result *res);

/* As mi_planner_reset, mi_planner_set_knots, mi_planner_shift,
 * mi_planner_knots, mi_planner_control_at, mi_planner_best. */
void mi_wm_engine_reset(mi_wm_engine *e, const float *u0);
void mi_wm_engine_set_knots(mi_wm_engine *e, const float *knots);
void mi_wm_engine_shift(mi_wm_engine *e, double elapsed_s);
const float *mi_wm_engine_knots(const mi_wm_engine *e);
void mi_wm_engine_control_at(const mi_wm_engine *e, double t_s, float *u);
const float *mi_wm_engine_best(const mi_wm_engine *e, float *cost);

/* Rollouts only: the cost of n candidates (n x knots x ndof knots in U) from
 * the rollout's current state, on the engine's backend; NaN reads +inf.
 * n at most pp->K. Not for the hot path (the CUDA backend copies U over).
 * @retval MI_ERR_INVALID @retval MI_ERR_DEVICE */
mi_status mi_wm_engine_costs(mi_wm_engine *e, const float *U, int n, float *cost);

/* Batched dynamics on the device (`mirai bench dynamics --backend cuda`): K
 * candidates (q0, tau: K x ndof, candidate-major) stepped `steps` times by
 * dt with constant torques, thread per candidate; q_out (may be NULL) gets
 * the final positions, *seconds the kernel time.
 * @retval MI_ERR_DEVICE (no device, or no CUDA in this build; err says which)
 * @retval MI_ERR_INVALID @retval MI_ERR_NOMEM */
mi_status mi_wm_cuda_step_bench(const mi_wm_dynf *d, int device, int K, int steps, float dt,
                                const float *q0, const float *tau, float *q_out,
                                double *seconds, char *err, size_t err_sz);

/* ---- the device's view (used by the CUDA engine; plain C, so CPU tests
 * run the GPU's per-candidate code, worldmodel/cuda/candidate.h, on it) ---- */

/* The flat problem of a rollout ro (built from m and pp): dynamics with kd
 * folded in, weights, limits, spheres, self pairs, planner settings. */
void mi_wm_cuda_problem_fill(const mi_model *m, const mi_planner_params *pp,
                             const mi_rollout *ro, mi_cuda_problem *p);

/* A cycle's inputs: ro's current state, goal and obstacles, the Philox
 * iteration, and (when not NULL) the plan's mean and std (kn floats each). */
void mi_wm_cuda_inputs_fill(const mi_rollout *ro, uint32_t iter, const float *mean,
                            const float *std, int kn, mi_cuda_inputs *in);

#ifdef __cplusplus
}
#endif

#endif /* MI_WM_BACKEND_H */
