/* worldmodel/cuda/cuda.h - the CUDA backend's C interface (library
 * mirai::wm_cuda, built only when nvcc is found: MIRAI_HAVE_CUDA). Most code
 * uses it through worldmodel/backend.h, which also works without it.
 *
 * A mi_cuda_planner runs whole planning cycles on one device: per iteration
 * one kernel samples, rolls out and scores every candidate (thread per
 * candidate by default, state in registers and local memory, costs reduced on
 * the device), then the MPPI weighted mean, the CEM elite mean/std or the
 * predictive-sampling pick is computed on the device; at the end of the cycle
 * only the plan (mi_cuda_outputs: mean, std, best candidate, two costs) is
 * copied back, into pinned host memory. A cycle (input upload, `iterations`
 * iterations, download) is captured once as a CUDA Graph and replayed.
 *
 * Reductions run in a fixed order (no atomics): the same inputs give
 * bit-identical plans on the same device and configuration. Against the CPU
 * backend results agree to float rounding (see tests/unit/test_cuda_parity.c
 * for the tolerances).
 *
 * Errors: every CUDA call is checked; a failure becomes MI_ERR_DEVICE (no
 * device, no driver, a launch or memory fault) or MI_ERR_NOMEM (device or
 * pinned memory), with cudaGetErrorString's text in the caller's buffer.
 *
 * Thread rules: one thread at a time uses a planner. The cudart library is
 * linked statically: a binary without a driver runs, and the probe reports
 * "no driver" instead of failing to load.
 */
#ifndef MI_WM_CUDA_CUDA_H
#define MI_WM_CUDA_CUDA_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"
#include "worldmodel/cuda/candidate.h"

#ifdef __cplusplus
extern "C" {
#endif

/* how a rollout kernel maps candidates to threads (see candidate.h) */
typedef struct mi_cuda_config {
  int device;       /* CUDA device ordinal */
  int lanes;        /* threads per candidate: 1 (thread per candidate), 2, 4, 8 */
  int block;        /* threads per block of the rollout kernel: 32..1024, multiple of 32 */
  bool graph;       /* replay the cycle as a CUDA Graph (false: plain launches) */
} mi_cuda_config;

typedef struct mi_cuda_device_info {
  int count;           /* devices visible */
  int device;          /* the one probed */
  char name[128];
  int cc_major, cc_minor;
  int sms;
  size_t mem_bytes;
} mi_cuda_device_info;

/* Whether device `device` is usable: a driver, at least one device, and a
 * context can be made on it. Fills info (may be NULL). On failure writes why
 * into why ("no CUDA driver (cudaGetDeviceCount: ...)", "no CUDA device").
 * @retval MI_ERR_DEVICE */
mi_status mi_cuda_probe(int device, mi_cuda_device_info *info, char *why, size_t why_sz);

typedef struct mi_cuda_planner mi_cuda_planner;

/* A planner for problem prob (copied) on cfg's device: device buffers for K
 * candidates, pinned host inputs/outputs, the cycle's graph. Caller frees
 * with mi_cuda_planner_destroy.
 * @retval MI_ERR_INVALID  bad problem (K < 2, elites out of [1, K], ...) or cfg
 * @retval MI_ERR_DEVICE   no usable device, or a CUDA call failed
 * @retval MI_ERR_NOMEM    device or pinned memory */
mi_status mi_cuda_planner_create(const mi_cuda_problem *prob, const mi_cuda_config *cfg,
                                 mi_cuda_planner **out, char *err, size_t err_sz);
void mi_cuda_planner_destroy(mi_cuda_planner *p);

/* Replace the problem's dynamics tables (e.g. the learner's mass-corrected
 * model, with kd folded in as in mi_cuda_problem.dyn) from the next cycle
 * on; same ndof. Waits for the device. Not while a cycle runs (one thread
 * uses a planner).
 * @retval MI_ERR_INVALID dyn NULL or another ndof @retval MI_ERR_DEVICE */
mi_status mi_cuda_planner_set_dyn(mi_cuda_planner *p, const mi_wm_dynf *dyn, char *err,
                                  size_t err_sz);

/* The pinned host inputs of the next cycle (state, goal, obstacles, the
 * iteration counter, the plan's mean and std): the caller writes them before
 * mi_cuda_planner_optimize. Owned by the planner. */
mi_cuda_inputs *mi_cuda_planner_inputs(mi_cuda_planner *p);

/* One planning cycle: upload the inputs, run the iterations, download the
 * plan; waits for the device. *out points at the planner's pinned outputs,
 * valid until the next call. The inputs' iter, mean and std are NOT updated
 * (the caller copies what it wants from *out).
 * @retval MI_ERR_DEVICE (err says which call failed) */
mi_status mi_cuda_planner_optimize(mi_cuda_planner *p, const mi_cuda_outputs **out, char *err,
                                   size_t err_sz);

/* Rollouts only (parity tests, benchmarks): the total cost of each of n
 * candidates whose knots U (n x nk x ndof, host memory) are given, from the
 * current inputs' state and obstacles; NaN is reported as +inf. n <= K.
 * Not part of a cycle: allocates nothing, synchronous.
 * @retval MI_ERR_INVALID n out of [1, K] @retval MI_ERR_DEVICE */
mi_status mi_cuda_planner_costs(mi_cuda_planner *p, const float *U, int n, float *cost,
                                char *err, size_t err_sz);

/* Batched dynamics only (`mirai bench dynamics --backend cuda`): steps K
 * candidates `steps` times by dt from q0 (K x ndof, host) with constant
 * torques tau (K x ndof); thread per candidate, state in registers. Writes
 * the final q into q_out (may be NULL) and the kernel time into *seconds.
 * Allocates and frees device memory around the run (not for hot paths).
 * @retval MI_ERR_INVALID @retval MI_ERR_DEVICE @retval MI_ERR_NOMEM */
mi_status mi_cuda_step_bench(const mi_wm_dynf *d, int device, int K, int steps, float dt,
                             const float *q0, const float *tau, float *q_out, double *seconds,
                             char *err, size_t err_sz);

#ifdef __cplusplus
}
#endif

#endif /* MI_WM_CUDA_CUDA_H */
