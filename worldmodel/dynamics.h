/* worldmodel/dynamics.h - the per-candidate step (forward dynamics by the
 * articulated-body algorithm, semi-implicit Euler with substeps, damping,
 * friction, torque limits) and forward kinematics of the collision spheres
 * and the end effector.
 *
 * Written once (worldmodel/dynamics_tmpl.h) and instantiated here as MI_HDI
 * inline functions in two precisions; nvcc compiles this header unchanged:
 *   float32, the rollout path:   mi_wm_step_f, mi_wm_aba_f, mi_wm_fk_f, ...
 *   float64, the reference path: mi_wm_step_d, mi_wm_aba_d, mi_wm_fk_d, ...
 * They read only the dynamics tables of the model (m->dynf or m->dyn): flat,
 * pointer-free structs that can be copied to a device as they are.
 *
 * Stepping one candidate (float32; arrays of m->ndof values, SI units):
 *
 *     float q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF];
 *     ... fill q, qd (state) and tau (commanded joint torques / forces) ...
 *     mi_wm_step_f(&m->dynf, q, qd, tau, dt, nsub, NULL);   // q, qd advance by dt
 *     mi_wm_m3_f R[MI_WM_MAX_DOF]; mi_wm_v3_f p[MI_WM_MAX_DOF];
 *     mi_wm_fk_f(&m->dynf, q, R, p);                 // body poses in the world
 *     float xyz[3 * MI_WM_MAX_SPHERES];
 *     mi_wm_spheres_f(&m->dynf, R, p, xyz);          // sphere centres (radii: dynf.sphere_r)
 *     mi_wm_m3_f ee_R; mi_wm_v3_f ee_p;
 *     mi_wm_ee_f(&m->dynf, R, p, &ee_R, &ee_p);      // tool frame in the world
 *
 * Callers that need several of these at one configuration (the rollout's
 * tracking law, step and cost) share the joint transforms (sines, cosines,
 * rotations) instead of recomputing them:
 *
 *     mi_wm_m3_f Rl[MI_WM_MAX_DOF]; mi_wm_v3_f pl[MI_WM_MAX_DOF];
 *     mi_wm_joint_poses_f(&m->dynf, q, Rl, pl);      // each body in its parent
 *     mi_wm_gravity_local_f(&m->dynf, Rl, pl, g);    // gravity torques g(q)
 *     mi_wm_aba_local_f(&m->dynf, Rl, pl, qd, f, h, qdd);   // = mi_wm_aba_f at q
 *     mi_wm_fk_local_f(&m->dynf, Rl, pl, R, p);      // = mi_wm_fk_f at q
 *
 * A step: per substep h = dt / nsub, tau = clamp(tau_cmd, +-effort) -
 * damping qd - friction clamp(qd / friction_vel, -1, 1); qdd = ABA with
 * damping integrated implicitly (articulated inertia D += h damping, as
 * MuJoCo's Euler integrator); qd += h qdd; q += h qd. Positions and
 * velocities are not clamped to their limits (costs penalise them).
 *
 * Stepping a batch of K candidates (the CPU backend): structure of arrays,
 * value j of candidate k at [j * stride + k] (stride >= K), so that a run of
 * consecutive candidates fills the SIMD lanes:
 *
 *     mi_wm_step_soa(&m->dynf, q, qd, tau, stride, k0, k1, dt, nsub);
 *
 * steps candidates k0 <= k < k1 (a worker's block) in groups of 16 (AVX-512),
 * then 8 (AVX2+FMA), else 4 (SSE2/NEON), and the tail one at a time with
 * mi_wm_step_f. The ISA is chosen once at run time
 * (__builtin_cpu_supports); mi_wm_simd_name() says which. The lane kernel is
 * the same template as mi_wm_step_f, so a candidate's result does not depend
 * on the block it falls in up to float rounding of fused multiply-adds (the
 * AVX2 path contracts a*b+c; bit-identity across thread counts holds because
 * blocks are aligned to the lane width, see mi_wm_step_soa).
 *
 * Thread rules: all functions are pure apart from their output arguments;
 * any number of threads may step disjoint candidates of one model at once.
 */
#ifndef MI_WM_DYNAMICS_H
#define MI_WM_DYNAMICS_H

#include <math.h>
#include <stddef.h>

#include "core/hd.h"
#include "worldmodel/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- float32: the rollout path (host and device) ---- */
#define MI_WM_S float
#define MI_WM_T float
#define MI_WM_DYN mi_wm_dynf
#define MI_WM_SUF f
#define MI_WM_FN MI_HDI
#define MI_WM_C(x) ((float)(x))
#define MI_WM_SINCOS(x, s, c) (*(s) = sinf(x), *(c) = cosf(x))
#define MI_WM_MIN(a, b) fminf((a), (b))
#define MI_WM_MAX(a, b) fmaxf((a), (b))
#include "worldmodel/dynamics_tmpl.h" /* undefines its parameters */

/* ---- float64: the reference path ---- */
#define MI_WM_S double
#define MI_WM_T double
#define MI_WM_DYN mi_wm_dynd
#define MI_WM_SUF d
#define MI_WM_FN MI_HDI
#define MI_WM_C(x) ((double)(x))
#define MI_WM_SINCOS(x, s, c) (*(s) = sin(x), *(c) = cos(x))
#define MI_WM_MIN(a, b) fmin((a), (b))
#define MI_WM_MAX(a, b) fmax((a), (b))
#include "worldmodel/dynamics_tmpl.h" /* undefines its parameters */

/* Step candidates k0 <= k < k1 of a structure-of-arrays batch (see above)
 * by dt in nsub substeps. q, qd: [ndof * stride] floats, updated in place;
 * tau: commanded torques, same layout. No allocation. For bit-identical
 * results whatever the split into blocks, start blocks at multiples of
 * mi_wm_simd_lanes() (a candidate then always runs in the same lane kernel). */
void mi_wm_step_soa(const mi_wm_dynf *d, float *q, float *qd, const float *tau, size_t stride,
                    int k0, int k1, float dt, int nsub);

/* Forward dynamics only, for a batch: qdd = ABA(q, qd, joint_force(tau))
 * without implicit damping (what MuJoCo's mj_forward calls qacc). */
void mi_wm_forward_soa(const mi_wm_dynf *d, const float *q, const float *qd, const float *tau,
                       float *qdd, size_t stride, int k0, int k1);

/* The SIMD alignment unit on this machine (8 with AVX2+FMA, else 4): blocks
 * starting at multiples of it give bit-identical results whatever the
 * split. Where AVX-512 F/VL/DQ exist, whole groups of 16 candidates run in
 * a 16-lane kernel whose results are bit-identical to the 8-lane one, so
 * the unit stays 8. mi_wm_simd_name() names the widest kernel in use
 * ("avx512", "avx2", "sse2", "neon", "generic"). */
int mi_wm_simd_lanes(void);
const char *mi_wm_simd_name(void);

/* The widest group a kernel runs at once here: 16 (AVX-512 F/VL/DQ), 8
 * (AVX2+FMA) or 4, after mi_wm_simd_max_lanes / mi_wm_simd_force_generic. */
int mi_wm_simd_width(void);

/* Force the portable kernel (4 lanes) even where AVX2 exists (tests);
 * off (0) allows every kernel again. */
void mi_wm_simd_force_generic(int on);

/* Cap the SIMD group width at lanes (4, 8 or 16; tests and benchmarks
 * compare the kernels with it). Not thread-safe against concurrent steps:
 * call it while no batch is being stepped. */
void mi_wm_simd_max_lanes(int lanes);

#ifdef __cplusplus
}
#endif

#endif /* MI_WM_DYNAMICS_H */
