/* launch/bench_cuda.h - the `--backend` paths of `mirai bench plan` and
 * `mirai bench dynamics` (launch/bench_cuda.c, engineer `cuda`): planning
 * cycles through the backend engine (worldmodel/backend.h), batched steps on
 * the device. */
#ifndef MI_LAUNCH_BENCH_CUDA_H
#define MI_LAUNCH_BENCH_CUDA_H

#include "worldmodel/planner.h"

/* Planning cycles per second through mi_wm_engine with pp->backend; prints
 *   bench plan planner=<k> K=<K> H=<H> dof=<n> threads=<t> backend=<b> hz=<x> ms=<per cycle>
 * Returns a process exit code (0 ok, 1 setup or device failure). */
int mi_bench_plan_engine(const mi_planner_params *pp, const char *urdf, const char *cell,
                         double seconds);

/* Arm steps per second of the CUDA step kernel, checked against the CPU's
 * scalar float step on a sample of candidates; prints
 *   bench dynamics urdf=<name> dof=<n> backend=cuda K=<K> arm_steps_per_s=<x> max_abs_err=<e>
 * K = 0: 65536. Returns a process exit code. */
int mi_bench_dynamics_cuda(const char *urdf, int K, double seconds);

#endif /* MI_LAUNCH_BENCH_CUDA_H */
