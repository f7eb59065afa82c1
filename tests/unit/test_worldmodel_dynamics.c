/* tests/unit/test_worldmodel_dynamics.c - mirai's articulated-body dynamics
 * against MuJoCo (the independent peer) on the three test URDFs: joint
 * accelerations in float64 and float32 (scalar and SIMD batch paths), a
 * 1000-step rollout, forward kinematics; plus friction and torque limits. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <mujoco/mujoco.h>

#include "worldmodel/dynamics.h"
#include "worldmodel/model.h"

#define DATA MIRAI_SOURCE_DIR "/tests/data/"

static const char *const k_urdfs[] = {"wm_arm7.urdf", "wm_gantry.urdf", "wm_massless_base.urdf"};

typedef struct pair {
  mi_model *m;
  mjModel *mj;
  mjData *md;
  int qadr[MI_WM_MAX_DOF], vadr[MI_WM_MAX_DOF]; /* MuJoCo addresses of mirai dof i */
} pair;

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static double urand(double lo, double hi) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return lo + (hi - lo) * (double)(g_rng >> 11) * (1.0 / 9007199254740992.0);
}

static void pair_open(pair *p, const char *file) {
  char path[512], err[512] = "";
  snprintf(path, sizeof path, DATA "%s", file);
  p->m = mi_wm_model_load(path, NULL, err, sizeof err);
  if (!p->m) fail_msg("mirai: %s", err);
  p->mj = mj_loadXML(path, NULL, err, sizeof err);
  if (!p->mj) fail_msg("mujoco: %s", err);
  p->mj->opt.disableflags |= mjDSBL_CONTACT | mjDSBL_LIMIT | mjDSBL_FRICTIONLOSS;
  p->mj->opt.integrator = mjINT_EULER;
  p->md = mj_makeData(p->mj);
  assert_int_equal(p->mj->nv, p->m->ndof);
  for (int i = 0; i < p->m->ndof; i++) {
    const char *jn = p->m->joint[p->m->dof_joint[i]].name;
    int id = mj_name2id(p->mj, mjOBJ_JOINT, jn);
    if (id < 0) fail_msg("mujoco has no joint %s", jn);
    p->qadr[i] = p->mj->jnt_qposadr[id];
    p->vadr[i] = p->mj->jnt_dofadr[id];
  }
}

static void pair_close(pair *p) {
  mj_deleteData(p->md);
  mj_deleteModel(p->mj);
  mi_wm_model_free(p->m);
}

/* a random state and torque within the model's limits */
static void random_state(const mi_model *m, double *q, double *qd, double *tau) {
  for (int i = 0; i < m->ndof; i++) {
    const mi_wm_joint *j = &m->joint[m->dof_joint[i]];
    if (j->type == MI_WM_JOINT_PRISMATIC) {
      q[i] = urand(j->lower, j->upper);
      qd[i] = urand(-0.5, 0.5);
    } else {
      q[i] = urand(-3.0, 3.0);
      qd[i] = urand(-2.0, 2.0);
    }
    double e = isfinite(j->effort) ? j->effort : 50.0;
    tau[i] = urand(-0.8 * e, 0.8 * e);
  }
}

/* MuJoCo's qacc for (q, qd, tau) in mirai's dof order */
static void mj_qacc(pair *p, const double *q, const double *qd, const double *tau, double *qacc) {
  mj_resetData(p->mj, p->md);
  for (int i = 0; i < p->m->ndof; i++) {
    p->md->qpos[p->qadr[i]] = q[i];
    p->md->qvel[p->vadr[i]] = qd[i];
    p->md->qfrc_applied[p->vadr[i]] = tau[i];
  }
  mj_forward(p->mj, p->md);
  for (int i = 0; i < p->m->ndof; i++) qacc[i] = p->md->qacc[p->vadr[i]];
}

static double rel_err(const double *a, const double *ref, int n) {
  double d = 0, r = 0;
  for (int i = 0; i < n; i++) {
    d += (a[i] - ref[i]) * (a[i] - ref[i]);
    r += ref[i] * ref[i];
  }
  return sqrt(d) / (sqrt(r) > 1e-300 ? sqrt(r) : 1.0);
}

/* the gravity torques from the joint transforms alone
 * (mi_wm_gravity_local, what the rollout's tracking law adds, in body
 * coordinates) against MuJoCo's bias force at rest (qfrc_bias at qvel = 0,
 * its recursive Newton-Euler): float64 to 1e-12, float32 to 1e-5 relative
 * (in norm), every model including the prismatic gantry */
static void test_gravity_local(void **state) {
  (void)state;
  for (size_t u = 0; u < MI_ARRAY_LEN(k_urdfs); u++) {
    pair p;
    pair_open(&p, k_urdfs[u]);
    const int n = p.m->ndof;
    double worst_d = 0, worst_f = 0, norm = 0;
    for (int t = 0; t < 200; t++) {
      double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF], ref[MI_WM_MAX_DOF];
      random_state(p.m, q, qd, tau);
      mi_wm_m3_d R[MI_WM_MAX_DOF];
      mi_wm_v3_d P[MI_WM_MAX_DOF];
      double g[MI_WM_MAX_DOF], gf64[MI_WM_MAX_DOF];
      float qf[MI_WM_MAX_DOF], gf[MI_WM_MAX_DOF];
      for (int i = 0; i < n; i++) {
        qf[i] = (float)q[i];
        q[i] = qf[i]; /* both precisions at the same configuration */
      }
      mi_wm_joint_poses_d(&p.m->dyn, q, R, P);
      mi_wm_gravity_local_d(&p.m->dyn, R, P, g);
      mi_wm_m3_f Rf[MI_WM_MAX_DOF];
      mi_wm_v3_f Pf[MI_WM_MAX_DOF];
      mi_wm_joint_poses_f(&p.m->dynf, qf, Rf, Pf);
      mi_wm_gravity_local_f(&p.m->dynf, Rf, Pf, gf);
      mj_resetData(p.mj, p.md);
      for (int i = 0; i < n; i++) p.md->qpos[p.qadr[i]] = q[i];
      mj_forward(p.mj, p.md);
      for (int i = 0; i < n; i++) {
        ref[i] = p.md->qfrc_bias[p.vadr[i]];
        gf64[i] = gf[i];
        norm += ref[i] * ref[i];
      }
      double ed = rel_err(g, ref, n), ef = rel_err(gf64, ref, n);
      if (ed > worst_d) worst_d = ed;
      if (ef > worst_f) worst_f = ef;
    }
    printf("  %s gravity float64 max_rel_err %.3g float32 %.3g\n", k_urdfs[u], worst_d, worst_f);
    assert_true(norm > 0.0); /* the models do feel gravity */
    assert_true(worst_d <= 1e-12);
    assert_true(worst_f <= 1e-5);
    pair_close(&p);
  }
}

/* float64: max relative error (in norm) <= 1e-12 */
static void test_forward_double(void **state) {
  (void)state;
  for (size_t u = 0; u < MI_ARRAY_LEN(k_urdfs); u++) {
    pair p;
    pair_open(&p, k_urdfs[u]);
    const int n = p.m->ndof;
    double worst = 0;
    for (int t = 0; t < 300; t++) {
      double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF], f[MI_WM_MAX_DOF];
      double qdd[MI_WM_MAX_DOF], ref[MI_WM_MAX_DOF];
      random_state(p.m, q, qd, tau);
      mi_wm_joint_force_d(&p.m->dyn, qd, tau, f);
      mi_wm_aba_d(&p.m->dyn, q, qd, f, 0.0, qdd);
      mj_qacc(&p, q, qd, tau, ref);
      double e = rel_err(qdd, ref, n);
      if (e > worst) worst = e;
    }
    printf("  %s float64 max_rel_err %.3g\n", k_urdfs[u], worst);
    assert_true(worst <= 1e-12);
    pair_close(&p);
  }
}

/* float32: scalar MI_HD path and SIMD batch (both kernels) <= 1e-5 */
static void test_forward_float(void **state) {
  (void)state;
  enum { K = 203 }; /* not a multiple of 8: the tail runs the scalar path */
  for (size_t u = 0; u < MI_ARRAY_LEN(k_urdfs); u++) {
    pair p;
    pair_open(&p, k_urdfs[u]);
    const int n = p.m->ndof;
    static float qs[MI_WM_MAX_DOF * K], qds[MI_WM_MAX_DOF * K], ts[MI_WM_MAX_DOF * K];
    static float out[3][MI_WM_MAX_DOF * K];
    static double ref[K][MI_WM_MAX_DOF];
    double worst_scalar = 0, worst_batch[3] = {0, 0, 0};
    const char *names[3];
    for (int k = 0; k < K; k++) {
      double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF];
      random_state(p.m, q, qd, tau);
      float qf[MI_WM_MAX_DOF], qdf[MI_WM_MAX_DOF], tf[MI_WM_MAX_DOF], ff[MI_WM_MAX_DOF],
          af[MI_WM_MAX_DOF];
      for (int i = 0; i < n; i++) {
        /* the peer sees exactly the float inputs */
        qf[i] = (float)q[i];
        qdf[i] = (float)qd[i];
        tf[i] = (float)tau[i];
        q[i] = qf[i];
        qd[i] = qdf[i];
        tau[i] = tf[i];
        qs[i * K + k] = qf[i];
        qds[i * K + k] = qdf[i];
        ts[i * K + k] = tf[i];
      }
      mj_qacc(&p, q, qd, tau, ref[k]);
      mi_wm_joint_force_f(&p.m->dynf, qdf, tf, ff);
      mi_wm_aba_f(&p.m->dynf, qf, qdf, ff, 0.0f, af);
      double a[MI_WM_MAX_DOF];
      for (int i = 0; i < n; i++) a[i] = af[i];
      double e = rel_err(a, ref[k], n);
      if (e > worst_scalar) worst_scalar = e;
    }
    /* every kernel this CPU has: widest (16 or 8 lanes), 8 lanes, generic 4 */
    static const int caps[3] = {16, 8, 4};
    for (int g = 0; g < 3; g++) {
      mi_wm_simd_max_lanes(caps[g]);
      names[g] = mi_wm_simd_name();
      mi_wm_forward_soa(&p.m->dynf, qs, qds, ts, out[g], K, 0, K);
      for (int k = 0; k < K; k++) {
        double a[MI_WM_MAX_DOF];
        for (int i = 0; i < n; i++) a[i] = out[g][i * K + k];
        double e = rel_err(a, ref[k], n);
        if (e > worst_batch[g]) worst_batch[g] = e;
      }
    }
    mi_wm_simd_force_generic(0);
    printf("  %s float32 max_rel_err scalar %.3g, %s %.3g, %s %.3g, %s %.3g\n", k_urdfs[u],
           worst_scalar, names[0], worst_batch[0], names[1], worst_batch[1], names[2],
           worst_batch[2]);
    assert_true(worst_scalar <= 1e-5);
    assert_true(worst_batch[0] <= 1e-5);
    assert_true(worst_batch[1] <= 1e-5);
    assert_true(worst_batch[2] <= 1e-5);
    /* the 16- and 8-lane kernels agree bit for bit (blocks may mix them) */
    assert_memory_equal(out[0], out[1], sizeof(float) * (size_t)(n * K));
    pair_close(&p);
  }
}

/* 1000 steps of 1 ms against mj_step (Euler, implicit damping, contacts
 * off), constant torques from a random start. Stated tolerances: float64
 * within 1e-9 (rad or m) of MuJoCo at every step; float32 within 2e-3. */
static void test_rollout_1000(void **state) {
  (void)state;
  const double dt = 0.001;
  for (size_t u = 0; u < MI_ARRAY_LEN(k_urdfs); u++) {
    pair p;
    pair_open(&p, k_urdfs[u]);
    const int n = p.m->ndof;
    p.mj->opt.timestep = dt;
    double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF];
    random_state(p.m, q, qd, tau);
    for (int i = 0; i < n; i++) {
      tau[i] *= 0.1;
      qd[i] *= 0.2;
    }
    mj_resetData(p.mj, p.md);
    for (int i = 0; i < n; i++) {
      p.md->qpos[p.qadr[i]] = q[i];
      p.md->qvel[p.vadr[i]] = qd[i];
      p.md->qfrc_applied[p.vadr[i]] = tau[i];
    }
    double qdb[MI_WM_MAX_DOF], qb[MI_WM_MAX_DOF];
    float qf[MI_WM_MAX_DOF * 8], qdf[MI_WM_MAX_DOF * 8], tf[MI_WM_MAX_DOF * 8];
    memcpy(qb, q, sizeof qb);
    memcpy(qdb, qd, sizeof qdb);
    /* 8 identical candidates in a SIMD batch */
    for (int i = 0; i < n; i++)
      for (int k = 0; k < 8; k++) {
        qf[i * 8 + k] = (float)q[i];
        qdf[i * 8 + k] = (float)qd[i];
        tf[i * 8 + k] = (float)tau[i];
      }
    double err_d = 0, err_f = 0;
    for (int s = 0; s < 1000; s++) {
      mj_step(p.mj, p.md);
      mi_wm_step_d(&p.m->dyn, qb, qdb, tau, dt, 1, NULL);
      mi_wm_step_soa(&p.m->dynf, qf, qdf, tf, 8, 0, 8, (float)dt, 1);
      for (int i = 0; i < n; i++) {
        double r = p.md->qpos[p.qadr[i]];
        err_d = fmax(err_d, fabs(qb[i] - r));
        err_f = fmax(err_f, fabs((double)qf[i * 8 + 3] - r));
      }
    }
    printf("  %s 1000-step rollout: max |q - q_mujoco| float64 %.3g, float32 %.3g\n",
           k_urdfs[u], err_d, err_f);
    assert_true(err_d <= 1e-9);
    assert_true(err_f <= 2e-3);
    pair_close(&p);
  }
}

/* link frames and collision spheres from mirai's FK match MuJoCo's bodies */
static void test_kinematics(void **state) {
  (void)state;
  for (size_t u = 0; u < MI_ARRAY_LEN(k_urdfs); u++) {
    pair p;
    pair_open(&p, k_urdfs[u]);
    const mi_model *m = p.m;
    for (int t = 0; t < 20; t++) {
      double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF], ref[MI_WM_MAX_DOF];
      random_state(m, q, qd, tau);
      mj_qacc(&p, q, qd, tau, ref);
      mi_wm_m3_d R[MI_WM_MAX_DOF];
      mi_wm_v3_d pp[MI_WM_MAX_DOF];
      mi_wm_fk_d(&m->dyn, q, R, pp);
      double xyz[3 * MI_WM_MAX_SPHERES];
      mi_wm_spheres_d(&m->dyn, R, pp, xyz);
      for (int li = 0; li < m->nlink; li++) {
        const mi_wm_link *l = &m->link[li];
        int bid = mj_name2id(p.mj, mjOBJ_BODY, l->name);
        if (bid <= 0 || l->body < 0) continue; /* fused into the world in MuJoCo */
        /* link frame in the world = body pose * in_body */
        mi_pose bp;
        bp.p = mi_vec3_make(pp[l->body].x, pp[l->body].y, pp[l->body].z);
        mi_mat3 Rb;
        memcpy(Rb.m, R[l->body].m, sizeof Rb.m);
        mi_vec3 lp = mi_vec3_add(bp.p, mi_mat3_mulv(&Rb, l->in_body.p));
        assert_true(fabs(lp.x - p.md->xpos[3 * bid]) < 1e-12);
        assert_true(fabs(lp.y - p.md->xpos[3 * bid + 1]) < 1e-12);
        assert_true(fabs(lp.z - p.md->xpos[3 * bid + 2]) < 1e-12);
        /* each sphere of this link: MuJoCo's link pose applied to its centre */
        mi_mat3 Rl = mi_quat_to_mat3(l->in_body.q);
        mi_mat3 Rw = mi_mat3_mul(&Rb, &Rl);
        for (int s = 0; s < m->nsphere; s++) {
          if (m->sphere[s].link != li) continue;
          const double *xm = p.md->xmat + 9 * bid;
          mi_vec3 c = m->sphere[s].center;
          for (int r = 0; r < 3; r++) {
            double w = p.md->xpos[3 * bid + r] + xm[3 * r] * c.x + xm[3 * r + 1] * c.y +
                       xm[3 * r + 2] * c.z;
            assert_true(fabs(w - xyz[3 * s + r]) < 1e-12);
          }
          for (int k = 0; k < 9; k++) assert_true(fabs(Rw.m[k] - xm[k]) < 1e-12);
        }
      }
    }
    pair_close(&p);
  }
}

/* friction opposes motion and saturates; torque commands are clamped */
static void test_joint_force(void **state) {
  (void)state;
  char err[512];
  mi_model *m = mi_wm_model_load(DATA "wm_arm7.urdf", NULL, err, sizeof err);
  assert_non_null(m);
  mi_wm_dynd d = m->dyn;
  for (int i = 0; i < d.ndof; i++) {
    d.damping[i] = 0;
    d.friction[i] = 2.0;
  }
  double qd[MI_WM_MAX_DOF] = {0, 0.005, -0.005, 1.0, -1.0, 0, 0};
  double tau[MI_WM_MAX_DOF] = {0, 0, 0, 0, 0, 1000, -1000};
  double f[MI_WM_MAX_DOF];
  mi_wm_joint_force_d(&d, qd, tau, f);
  assert_true(f[0] == 0.0);
  assert_true(fabs(f[1] + 1.0) < 1e-12); /* half way to saturation at 0.01 rad/s */
  assert_true(fabs(f[2] - 1.0) < 1e-12);
  assert_true(fabs(f[3] + 2.0) < 1e-12);
  assert_true(fabs(f[4] - 2.0) < 1e-12);
  assert_true(fabs(f[5] - 12.0) < 1e-12); /* joint6 effort limit 12 */
  assert_true(fabs(f[6] + 12.0) < 1e-12);
  /* a damped joint coasting with no torque slows down */
  double q[MI_WM_MAX_DOF] = {0}, v[MI_WM_MAX_DOF] = {0}, z[MI_WM_MAX_DOF] = {0};
  m->dyn.gravity[2] = 0;
  v[0] = 1.0;
  for (int s = 0; s < 100; s++) mi_wm_step_d(&m->dyn, q, v, z, 0.01, 2, NULL);
  assert_true(v[0] > 0 && v[0] < 1.0);
  mi_wm_model_free(m);
}

/* substeps: nsub substeps of dt/nsub equal nsub steps of dt/nsub */
static void test_substeps(void **state) {
  (void)state;
  char err[512];
  mi_model *m = mi_wm_model_load(DATA "wm_gantry.urdf", NULL, err, sizeof err);
  assert_non_null(m);
  double q1[MI_WM_MAX_DOF] = {0.1, 0.2, 0.05, 0.3}, v1[MI_WM_MAX_DOF] = {0.1, -0.2, 0, 1};
  double q2[MI_WM_MAX_DOF], v2[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF] = {10, 1, -5, 0.1};
  memcpy(q2, q1, sizeof q2);
  memcpy(v2, v1, sizeof v2);
  mi_wm_step_d(&m->dyn, q1, v1, tau, 0.004, 4, NULL);
  for (int s = 0; s < 4; s++) mi_wm_step_d(&m->dyn, q2, v2, tau, 0.001, 1, NULL);
  for (int i = 0; i < m->ndof; i++) {
    assert_true(q1[i] == q2[i]);
    assert_true(v1[i] == v2[i]);
  }
  mi_wm_model_free(m);
}

/* a candidate's result does not depend on the block it is stepped in when
 * blocks start at multiples of the lane count */
static void test_batch_blocks(void **state) {
  (void)state;
  char err[512];
  mi_model *m = mi_wm_model_load(DATA "wm_arm7.urdf", NULL, err, sizeof err);
  assert_non_null(m);
  enum { K = 37 };
  const int n = m->ndof;
  float qa[MI_WM_MAX_DOF * K], va[MI_WM_MAX_DOF * K], ta[MI_WM_MAX_DOF * K];
  for (int i = 0; i < n * K; i++) {
    qa[i] = (float)urand(-2, 2);
    va[i] = (float)urand(-1, 1);
    ta[i] = (float)urand(-5, 5);
  }
  float qb[MI_WM_MAX_DOF * K], vb[MI_WM_MAX_DOF * K];
  memcpy(qb, qa, sizeof qb);
  memcpy(vb, va, sizeof vb);
  /* blocks of one alignment unit: where the CPU has AVX-512 the whole batch
   * runs in 16-lane groups and the blocks in the 8-lane kernel */
  int L = mi_wm_simd_lanes();
  for (int s = 0; s < 10; s++) {
    mi_wm_step_soa(&m->dynf, qa, va, ta, K, 0, K, 0.002f, 2);
    for (int k0 = 0; k0 < K; k0 += L) {
      int k1 = k0 + L < K ? k0 + L : K;
      mi_wm_step_soa(&m->dynf, qb, vb, ta, K, k0, k1, 0.002f, 2);
    }
  }
  assert_memory_equal(qa, qb, sizeof(float) * (size_t)(n * K));
  assert_memory_equal(va, vb, sizeof(float) * (size_t)(n * K));
  mi_wm_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_forward_double), cmocka_unit_test(test_forward_float),
      cmocka_unit_test(test_rollout_1000),   cmocka_unit_test(test_kinematics),
      cmocka_unit_test(test_joint_force),    cmocka_unit_test(test_substeps),
      cmocka_unit_test(test_batch_blocks),    cmocka_unit_test(test_gravity_local),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
