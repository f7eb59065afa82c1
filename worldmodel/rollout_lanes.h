/* worldmodel/rollout_lanes.h - the rollout over SIMD lanes (one candidate
 * per lane): the step and forward kinematics from dynamics_tmpl.h, the
 * tracking law from rollout_law_tmpl.h and the cost terms from
 * cost_tmpl.h, all instantiated on a GCC vector of MI_RL_LANES floats, and
 * the whole-horizon kernel that fuses them (mi_rollout_horizon_lanes).
 * Included once per ISA by rollout_simd.c (4 lanes, baseline),
 * rollout_avx2.c (8 lanes, -mavx2 -mfma) and rollout_avx512.c (16 lanes),
 * which define MI_RL_LANES, MI_RL_SUF and MI_RL_DSUF. Not a public header. */
#include <string.h>
#if defined(__SSE__) || defined(__AVX__)
#include <immintrin.h>
#endif

#include "worldmodel/rollout_priv.h"

/* the lane types and FK: dynamics_lanes.h under names of our own (its step
 * kernels are compiled again under these names; unused, but harmless) */
#define MI_WM_LANES MI_RL_LANES
#define MI_WM_LSUF MI_RL_DSUF
#include "worldmodel/dynamics_lanes.h"

#define RL_CAT2_(a, b) a##_##b
#define RL_CAT_(a, b) RL_CAT2_(a, b)
#define RL(name) RL_CAT_(name, MI_RL_SUF)  /* this file's names */
#define DN(name) RL_CAT_(name, MI_RL_DSUF) /* dynamics_lanes.h's names */
#define VF DN(mi_wm_vf)
#define VU DN(mi_wm_vu)

static inline VF RL(rl_sqrt)(VF x) {
#if MI_RL_LANES == 16 && defined(__AVX512F__)
  return (VF)_mm512_sqrt_ps((__m512)x);
#elif MI_RL_LANES == 8 && defined(__AVX__)
  return (VF)_mm256_sqrt_ps((__m256)x);
#elif MI_RL_LANES == 4 && defined(__SSE__)
  return (VF)_mm_sqrt_ps((__m128)x);
#else
  VF r;
  for (int l = 0; l < MI_RL_LANES; l++) r[l] = sqrtf(x[l]);
  return r;
#endif
}
static inline VF RL(rl_abs)(VF x) {
  VU m;
  for (int l = 0; l < MI_RL_LANES; l++) m[l] = 0x7fffffffu;
  return (VF)((VU)x & m);
}

#define MI_COST_T VF
#define MI_COST_SUF RL_CAT_(, MI_RL_SUF)
#define MI_COST_FN static inline
#define MI_COST_C(x) DN(mi_wm_splat)((float)(x))
#define MI_COST_MAX(a, b) DN(mi_wm_vmax)((a), (b))
#define MI_COST_MIN(a, b) DN(mi_wm_vmin)((a), (b))
#define MI_COST_SQRT(x) RL(rl_sqrt)(x)
#define MI_COST_ABS(x) RL(rl_abs)(x)
#include "worldmodel/cost_tmpl.h"
#undef MI_COST_T
#undef MI_COST_SUF
#undef MI_COST_FN
#undef MI_COST_C
#undef MI_COST_MAX
#undef MI_COST_MIN
#undef MI_COST_SQRT
#undef MI_COST_ABS

#define CN(name) RL_CAT_(name, MI_RL_SUF)

/* the stage cost of a group of lanes at the end of a step: state qv, qdv,
 * torques tv, world poses R, P of the bodies at qv (mi_wm_fk) */
static inline VF RL(rl_stage)(const mi_rollout_cost_ctx *c, const float goal_p[3], const VF *qv,
                              const VF *qdv, const VF *tv, const DN(mi_wm_m3) *R,
                              const DN(mi_wm_v3) *P, int terminal) {
  const mi_wm_dynf *d = c->d;
  const mi_cost_weights *w = &c->w;
  const int n = d->ndof;
  const float tf = terminal ? w->terminal : 1.0f;
  {
    DN(mi_wm_m3) eR;
    DN(mi_wm_v3) ep;
    DN(mi_wm_ee)(d, R, P, &eR, &ep);
    VF pe[3] = {ep.x, ep.y, ep.z};
    VF s = tf * w->ee_pos * CN(mi_cost_ee_pos)(pe, goal_p);
    if (c->goal_rot) s = s + tf * w->ee_rot * CN(mi_cost_ee_rot_mat)(eR.m, c->goal_R);
    s = s + CN(mi_cost_joint_terms)(w, n, qv, qdv, tv, 1, c->lo, c->hi, c->vmax, c->tmax, tf);
    if (w->clearance > 0.0f) {
      VF xyz[3 * MI_WM_MAX_SPHERES];
      for (int i = 0; i < c->nmoving; i++) {
        int sp = c->moving[i], b = d->sphere_body[sp];
        DN(mi_wm_v3) lc = {DN(mi_wm_splat)(d->sphere_c[sp][0]), DN(mi_wm_splat)(d->sphere_c[sp][1]),
                           DN(mi_wm_splat)(d->sphere_c[sp][2])};
        DN(mi_wm_v3) wc = DN(mi_wm_v3_add)(P[b], DN(mi_wm_m3_mulv)(&R[b], lc));
        xyz[3 * sp] = wc.x;
        xyz[3 * sp + 1] = wc.y;
        xyz[3 * sp + 2] = wc.z;
        s = s + CN(mi_cost_sphere_obstacles)(w, &xyz[3 * sp], d->sphere_r[sp], c->obs, c->nobs);
      }
      if (w->self > 0.0f && c->nself > 0) {
        for (int sp = 0; sp < d->nsphere; sp++)
          if (d->sphere_body[sp] < 0)
            for (int a = 0; a < 3; a++) xyz[3 * sp + a] = DN(mi_wm_splat)(d->sphere_c[sp][a]);
        VF ss = DN(mi_wm_splat)(0.0f);
        for (int i = 0; i < c->nself; i++) {
          int a = c->self_pair[i][0], b = c->self_pair[i][1];
          VF dd = CN(mi_cost_sd_sphere_sphere)(&xyz[3 * a], d->sphere_r[a], &xyz[3 * b],
                                               d->sphere_r[b]);
          ss = ss + CN(mi_cost_clearance)(dd, w->clearance_margin);
        }
        s = s + w->clearance * w->self * ss;
      }
    }
    return s;
  }
}

int RL(mi_rollout_cost_lanes)(const mi_rollout_cost_ctx *c, const float goal_p[3],
                              const float *q, const float *qd,
                              const float *tau, int stride, int nc, int terminal,
                              float *cost) {
  const int n = c->d->ndof;
  int k = 0;
  for (; k + MI_RL_LANES <= nc; k += MI_RL_LANES) {
    VF qv[MI_WM_MAX_DOF], qdv[MI_WM_MAX_DOF], tv[MI_WM_MAX_DOF];
    DN(mi_wm_load)(qv, q, (size_t)stride, n, k);
    DN(mi_wm_load)(qdv, qd, (size_t)stride, n, k);
    DN(mi_wm_load)(tv, tau, (size_t)stride, n, k);
    DN(mi_wm_m3) R[MI_WM_MAX_DOF];
    DN(mi_wm_v3) P[MI_WM_MAX_DOF];
    DN(mi_wm_fk)(c->d, qv, R, P);
    VF s = RL(rl_stage)(c, goal_p, qv, qdv, tv, R, P, terminal);
    VF acc;
    memcpy(&acc, cost + k, sizeof acc);
    acc = acc + s;
    memcpy(cost + k, &acc, sizeof acc);
  }
  return k;
}

/* the tracking law over lanes */
#define MI_RL_T VF
#define MI_RL_V3 DN(mi_wm_v3)
#define MI_RL_M3 DN(mi_wm_m3)
#define MI_RL_FK DN(mi_wm_fk)
#define MI_RL_NAME(name) RL_CAT_(name, MI_RL_SUF)
#define MI_RL_FN static inline
#define MI_RL_C(x) DN(mi_wm_splat)((float)(x))
#define MI_RL_MIN(a, b) DN(mi_wm_vmin)((a), (b))
#define MI_RL_MAX(a, b) DN(mi_wm_vmax)((a), (b))
#include "worldmodel/rollout_law_tmpl.h"
#undef MI_RL_T
#undef MI_RL_V3
#undef MI_RL_M3
#undef MI_RL_FK
#undef MI_RL_NAME
#undef MI_RL_FN
#undef MI_RL_C
#undef MI_RL_MIN
#undef MI_RL_MAX

int RL(mi_rollout_track_lanes)(const mi_wm_dynf *d, const float *kp, const float *tmax,
                               int gravity, const float *q, const float *qref, float *tau,
                               int stride, int nc) {
  const int n = d->ndof;
  int k = 0;
  for (; k + MI_RL_LANES <= nc; k += MI_RL_LANES) {
    VF qv[MI_WM_MAX_DOF], rv[MI_WM_MAX_DOF], tv[MI_WM_MAX_DOF];
    DN(mi_wm_load)(qv, q, (size_t)stride, n, k);
    DN(mi_wm_load)(rv, qref, (size_t)stride, n, k);
    CN(mi_rollout_track)(d, kp, tmax, gravity, qv, rv, tv);
    DN(mi_wm_store)(tv, tau, (size_t)stride, n, k);
  }
  return k;
}

/* The whole horizon of groups of lanes, one candidate per lane, kept in
 * registers from the start state to the terminal cost. Per substep the
 * joint transforms (sines, cosines, rotations) are computed once, at the
 * substep's q, and serve both the gravity term of the tracking law
 * (mi_wm_gravity_local: in body coordinates, no world poses) and the
 * articulated-body pass; the transforms after the last substep of step t
 * serve its stage cost (through the world poses) and the first substep of
 * step t + 1 (the same q). The same model as the separate kernels
 * (mi_rollout_track, mi_wm_step, the stage cost): the same results up to
 * float rounding (the gravity torques are summed in body rather than world
 * coordinates, and multiply-adds are fused). */
int RL(mi_rollout_horizon_lanes)(const mi_rollout_horizon *hz, const float *U, int k0, int nc,
                                 float *cost) {
  const mi_rollout_cost_ctx *c = hz->cost;
  const mi_wm_dynf *d = c->d;
  const int n = d->ndof, nk = hz->knots, kn = nk * n, nsub = hz->nsub, grav = hz->gravity;
  const float h = hz->h;
  int k = k0;
  for (; k + MI_RL_LANES <= nc; k += MI_RL_LANES) {
    /* the group's knots, lane by lane */
    VF Uk[MI_PLANNER_MAX_KNOTS * MI_WM_MAX_DOF];
    for (int i = 0; i < kn; i++)
      for (int l = 0; l < MI_RL_LANES; l++) Uk[i][l] = U[(size_t)(k + l) * (size_t)kn + (size_t)i];
    VF q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], qref[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF],
        g[MI_WM_MAX_DOF], f[MI_WM_MAX_DOF], qdd[MI_WM_MAX_DOF];
    for (int j = 0; j < n; j++) {
      q[j] = DN(mi_wm_splat)(hz->q0[j]);
      qd[j] = DN(mi_wm_splat)(hz->qd0[j]);
      tau[j] = g[j] = DN(mi_wm_splat)(0.0f);
    }
    DN(mi_wm_m3) Rl[MI_WM_MAX_DOF], R[MI_WM_MAX_DOF];
    DN(mi_wm_v3) pl[MI_WM_MAX_DOF], P[MI_WM_MAX_DOF];
    DN(mi_wm_joint_poses)(d, q, Rl, pl);
    VF acc;
    memcpy(&acc, cost + k, sizeof acc);
    for (int t = 0; t < hz->H; t++) {
      /* the references at the end of this step */
      const int *ix = hz->spline_idx[t];
      const float *sw = hz->spline_w[t];
      for (int j = 0; j < n; j++)
        qref[j] = sw[0] * Uk[ix[0] * n + j] + sw[1] * Uk[ix[1] * n + j] +
                  sw[2] * Uk[ix[2] * n + j] + sw[3] * Uk[ix[3] * n + j];
      for (int sub = 0; sub < nsub; sub++) {
        if (grav) DN(mi_wm_gravity_local)(d, Rl, pl, g);
        CN(mi_rollout_track_g)(d, hz->kp, hz->tmax, q, qref, g, tau);
        DN(mi_wm_joint_force)(d, qd, tau, f);
        DN(mi_wm_aba_local)(d, Rl, pl, qd, f, h, qdd);
        for (int j = 0; j < n; j++) {
          qd[j] = qd[j] + h * qdd[j];
          q[j] = q[j] + h * qd[j];
        }
        DN(mi_wm_joint_poses)(d, q, Rl, pl);
      }
      DN(mi_wm_fk_local)(d, Rl, pl, R, P);
      /* the goal at the end of step t */
      const float ts = hz->dt * (float)(t + 1);
      float goal[3];
      for (int i = 0; i < 3; i++) goal[i] = hz->goal_p[i] + hz->goal_v[i] * ts;
      acc = acc + RL(rl_stage)(c, goal, q, qd, tau, R, P, t == hz->H - 1);
    }
    memcpy(cost + k, &acc, sizeof acc);
  }
  return k;
}

#undef CN
#undef VF
#undef VU
#undef RL
#undef DN
#undef RL_CAT_
#undef RL_CAT2_
