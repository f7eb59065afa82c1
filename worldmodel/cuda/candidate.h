/* worldmodel/cuda/candidate.h - one candidate of the CUDA backend, written as
 * MI_HDI code over flat, pointer-free structs: sampling its knots (Philox,
 * the planner's counter convention), rolling it out (PD tracking of the
 * spline with gravity compensation, rollout_law.h, through mi_wm_step_f)
 * and scoring it (cost.h), exactly as
 * worldmodel/rollout.c's scalar path does. nvcc compiles it into the kernels
 * (worldmodel/cuda/planner.cu); the C compiler compiles it too, so the CPU
 * tests (tests/unit/test_cuda_candidate.c) check the GPU's per-candidate code
 * against the CPU rollout without a device. No second copy of the physics:
 * the step is worldmodel/dynamics.h's, the terms are worldmodel/cost.h's.
 *
 * Lanes: a candidate may be scored by a group of `nlanes` threads (the
 * `cuda.lanes` param): every lane steps the same dynamics (identical work, so
 * SIMT costs nothing extra), and the clearance sums are split among the lanes
 * (sphere s and self pair i go to lane s % nlanes, i % nlanes); lane 0 also
 * takes the end-effector, joint and smoothness terms. The sum of the lanes'
 * shares is the candidate's cost (summed in another order than with one lane,
 * so equal up to float rounding).
 *
 * Units and frames as in rollout.h. Thread rules: pure functions.
 */
#ifndef MI_WM_CUDA_CANDIDATE_H
#define MI_WM_CUDA_CANDIDATE_H

#include <stdint.h>

#include "core/hd.h"
#include "core/philox.h"
#include "worldmodel/cost.h"
#include "worldmodel/dynamics.h"
#include "worldmodel/model.h"
#include "worldmodel/planner.h"
#include "worldmodel/rollout_law.h"

#ifdef __cplusplus
extern "C" {
#endif

/* floats in one candidate's knots: knots x ndof */
#define MI_CUDA_MAX_KN (MI_PLANNER_MAX_KNOTS * MI_WM_MAX_DOF)
/* obstacles: fixtures, belt, ground, zones, parts (= MI_ROLLOUT_MAX_OBSTACLES) */
#define MI_CUDA_MAX_OBS (MI_WM_MAX_FIXTURES + MI_WM_MAX_ZONES + MI_WM_MAX_PARTS + 2)

/* What does not change while a planner lives: uploaded once. */
typedef struct mi_cuda_problem {
  mi_wm_dynf dyn;      /* the model's tables with the PD damping kd folded in */
  mi_cost_weights w;
  int n;               /* dofs = control dimension */
  int H, nk, nsub;     /* steps, knots, substeps per step */
  int spline;          /* mi_spline_kind */
  float h;             /* substep [s] = dt / nsub */
  float kp[MI_WM_MAX_DOF];
  int gravity;         /* the tracking law adds g(q) (rollout_law.h) */
  float lo[MI_WM_MAX_DOF], hi[MI_WM_MAX_DOF];     /* position limits (and knot bounds) */
  float vmax[MI_WM_MAX_DOF], tmax[MI_WM_MAX_DOF]; /* speed and effort limits */
  int nmoving;                                    /* spheres on a body */
  int16_t moving[MI_WM_MAX_SPHERES];
  int nself;                                      /* self pairs (used when w.self > 0) */
  uint16_t self_pair[MI_WM_MAX_SELF][2];
  /* the planner */
  int kind;            /* mi_planner_kind */
  int temp_scale;      /* mi_temp_scale */
  int K, elites, iterations;
  float temperature, cem_alpha, cem_min_std;
  float noise[MI_WM_MAX_DOF];
  uint64_t seed;
} mi_cuda_problem;

/* What a planning cycle starts from: copied to the device at its start. */
typedef struct mi_cuda_inputs {
  float q0[MI_WM_MAX_DOF], qd0[MI_WM_MAX_DOF];
  float goal_p[3], goal_R[9]; /* goal position [m], world-from-goal rotation (row-major) */
  float goal_v[3];            /* goal velocity [m/s]: at the end of step t at goal_p + goal_v (t + 1) dt */
  int goal_rot;               /* orientation term on */
  int nobs;
  mi_cost_obstacle obs[MI_CUDA_MAX_OBS];
  uint32_t iter;              /* Philox iteration counter of the cycle's first iteration */
  float mean[MI_CUDA_MAX_KN], std[MI_CUDA_MAX_KN]; /* the plan and its spread */
} mi_cuda_inputs;

/* What comes back: the plan, and the cheapest candidate of the last iteration. */
typedef struct mi_cuda_outputs {
  float mean[MI_CUDA_MAX_KN], std[MI_CUDA_MAX_KN];
  float best[MI_CUDA_MAX_KN];
  float best_cost;    /* the last iteration's cheapest candidate */
  float nominal_cost; /* the last iteration's candidate 0 */
  uint32_t iter;      /* the counter after the cycle */
} mi_cuda_outputs;

/* Candidate k's knots (nk x n) for iteration `iter`: the mean for k = 0,
 * else clamp(mean + std * eps, lo, hi), eps from Philox with counter (knot,
 * k, iter, joint / 4), as worldmodel/planner.c samples. */
MI_HDI void mi_cuda_sample(const mi_cuda_problem *p, const float *mean, const float *std,
                           uint32_t iter, int k, float *u) {
  const int nu = p->n;
  const mi_philox_key key = mi_philox_key_from_seed(p->seed);
  for (int t = 0; t < p->nk; t++) {
    for (int j0 = 0; j0 < nu; j0 += 4) {
      float e[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      if (k > 0)
        mi_philox_normal4f(
            mi_philox_ctr_make((uint32_t)t, (uint32_t)k, iter, (uint32_t)(j0 / 4)), key, e);
      for (int j = j0; j < j0 + 4 && j < nu; j++) {
        float v = mean[t * nu + j] + std[t * nu + j] * e[j - j0];
        if (v < p->lo[j]) v = p->lo[j];
        if (v > p->hi[j]) v = p->hi[j];
        u[t * nu + j] = v;
      }
    }
  }
}

/* world position of sphere s at body poses R, P */
MI_HDI void mi_cuda__sphere(const mi_wm_dynf *d, const mi_wm_m3_f *R, const mi_wm_v3_f *P,
                            int s, float c[3]) {
  int b = d->sphere_body[s];
  if (b < 0) {
    c[0] = d->sphere_c[s][0];
    c[1] = d->sphere_c[s][1];
    c[2] = d->sphere_c[s][2];
    return;
  }
  mi_wm_v3_f lc = {d->sphere_c[s][0], d->sphere_c[s][1], d->sphere_c[s][2]};
  mi_wm_v3_f wc = mi_wm_v3_add_f(P[b], mi_wm_m3_mulv_f(&R[b], lc));
  c[0] = wc.x;
  c[1] = wc.y;
  c[2] = wc.z;
}

/* This lane's share of one step's cost at the step's end state (q, qd, tau
 * of n joints); the terms and their order as rollout.c's stage_cost. */
MI_HDI float mi_cuda_stage_cost(const mi_cuda_problem *p, const mi_cuda_inputs *in,
                                const float goal[3], const float *q, const float *qd, const float *tau, int terminal,
                                int lane, int nlanes) {
  const mi_wm_dynf *d = &p->dyn;
  const mi_cost_weights *w = &p->w;
  mi_wm_m3_f R[MI_WM_MAX_DOF];
  mi_wm_v3_f P[MI_WM_MAX_DOF];
  mi_wm_fk_f(d, q, R, P);
  float c = 0.0f;
  const float tf = terminal ? w->terminal : 1.0f;
  if (lane == 0) {
    mi_wm_m3_f eR;
    mi_wm_v3_f ep;
    mi_wm_ee_f(d, R, P, &eR, &ep);
    float pe[3] = {ep.x, ep.y, ep.z};
    c = tf * w->ee_pos * mi_cost_ee_pos(pe, goal);
    if (in->goal_rot) c += tf * w->ee_rot * mi_cost_ee_rot_mat(eR.m, in->goal_R);
    c += mi_cost_joint_terms(w, p->n, q, qd, tau, 1, p->lo, p->hi, p->vmax, p->tmax, tf);
  }
  if (w->clearance > 0.0f) {
    for (int i = lane; i < p->nmoving; i += nlanes) {
      int s = p->moving[i];
      float xyz[3];
      mi_cuda__sphere(d, R, P, s, xyz);
      c += mi_cost_sphere_obstacles(w, xyz, d->sphere_r[s], in->obs, in->nobs);
    }
    if (w->self > 0.0f && p->nself > 0) {
      float ss = 0.0f;
      for (int i = lane; i < p->nself; i += nlanes) {
        int a = p->self_pair[i][0], b = p->self_pair[i][1];
        float ca[3], cb[3];
        mi_cuda__sphere(d, R, P, a, ca);
        mi_cuda__sphere(d, R, P, b, cb);
        float dd = mi_cost_sd_sphere_sphere(ca, d->sphere_r[a], cb, d->sphere_r[b]);
        ss += mi_cost_clearance(dd, w->clearance_margin);
      }
      c += w->clearance * w->self * ss;
    }
  }
  return c;
}

/* This lane's share of the total cost of the candidate with knots u rolled
 * out from in->q0, in->qd0 over H steps (NaN is left to the caller). When
 * q_out is not NULL it receives the state after each step (H x n). */
MI_HDI float mi_cuda_rollout(const mi_cuda_problem *p, const mi_cuda_inputs *in,
                             const float *u, int lane, int nlanes, float *q_out) {
  const int n = p->n;
  float q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF], qref[MI_WM_MAX_DOF];
  for (int j = 0; j < MI_WM_MAX_DOF; j++) {
    q[j] = j < n ? in->q0[j] : 0.0f;
    qd[j] = j < n ? in->qd0[j] : 0.0f;
    tau[j] = qref[j] = 0.0f;
  }
  float c = lane == 0 ? p->w.smooth * mi_cost_smooth(u, p->nk, n) : 0.0f;
  for (int t = 0; t < p->H; t++) {
    /* the references at the end of this step */
    float s = (float)(t + 1) / (float)p->H * (float)(p->nk - 1);
    for (int j = 0; j < n; j++) qref[j] = mi_spline_eval(u, p->nk, n, j, p->spline, s);
    for (int sub = 0; sub < p->nsub; sub++) {
      mi_rollout_track_f(&p->dyn, p->kp, p->tmax, p->gravity, q, qref, tau);
      mi_wm_step_f(&p->dyn, q, qd, tau, p->h, 1, NULL);
    }
    const float ts = p->h * (float)p->nsub * (float)(t + 1);
    const float goal[3] = {in->goal_p[0] + in->goal_v[0] * ts, in->goal_p[1] + in->goal_v[1] * ts,
                           in->goal_p[2] + in->goal_v[2] * ts};
    c += mi_cuda_stage_cost(p, in, goal, q, qd, tau, t == p->H - 1, lane, nlanes);
    if (q_out)
      for (int j = 0; j < n; j++) q_out[t * n + j] = q[j];
  }
  return c;
}

#ifdef __cplusplus
}
#endif

#endif /* MI_WM_CUDA_CANDIDATE_H */
