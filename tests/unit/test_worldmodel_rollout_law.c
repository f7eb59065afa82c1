/* tests/unit/test_worldmodel_rollout_law.c - the rollout's tracking law with
 * gravity compensation (worldmodel/rollout_law.h) and its counterpart in the
 * plant's servo (sim/bullet_capi.h, mi_bt_gravity_torques):
 *  - g(q) is the model's gravity: ABA(q, 0, g(q)) = 0 while ABA(q, 0, 0) is not;
 *  - the SIMD lanes compute the same torques as the scalar law;
 *  - a rollout whose references stay at the start holds still with the
 *    gravity term and sags without it;
 *  - the Bullet plant built from the same model (sim/desc.h) computes the
 *    same g(q), and its servo with compensation holds a pose where the PD
 *    alone sags. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/philox.h"
#include "sim/bullet_capi.h"
#include "sim/desc.h"
#include "worldmodel/dynamics.h"
#include "worldmodel/planner.h"
#include "worldmodel/rollout.h"
#include "worldmodel/rollout_law.h"
#include "worldmodel/rollout_priv.h"

#define ARM MIRAI_SOURCE_DIR "/tests/data/wm_arm7.urdf"
#define CELL MIRAI_SOURCE_DIR "/tests/data/wm_cell.cell.yaml"

static mi_model *g_m;

static int setup(void **state) {
  (void)state;
  char err[256];
  g_m = mi_wm_model_load(ARM, CELL, err, sizeof err);
  return g_m ? 0 : -1;
}
static int teardown(void **state) {
  (void)state;
  mi_wm_model_free(g_m);
  return 0;
}

/* a random configuration within the limits (sample i) */
static void random_q(const mi_model *m, uint32_t i, float *q) {
  mi_philox_key key = mi_philox_key_from_seed(42);
  for (int j0 = 0; j0 < m->ndof; j0 += 4) {
    float u[4];
    mi_philox_uniform4f(mi_philox_ctr_make(i, (uint32_t)j0, 0, 0), key, u);
    for (int j = j0; j < j0 + 4 && j < m->ndof; j++) {
      float lo = m->dynf.lower[j], hi = m->dynf.upper[j];
      q[j] = lo + (hi - lo) * (0.15f + 0.7f * u[j - j0]);
    }
  }
}

static void gravity_at(const mi_model *m, const float *q, float *g) {
  mi_wm_m3_f R[MI_WM_MAX_DOF];
  mi_wm_v3_f P[MI_WM_MAX_DOF];
  mi_wm_fk_f(&m->dynf, q, R, P);
  mi_rollout_gravity_f(&m->dynf, R, P, g);
}

/* the rollout kernels' gravity (mi_wm_gravity_local: body coordinates,
 * from the joint transforms the step shares) equals the tracking law's
 * world-frame formula (mi_rollout_gravity_f after mi_wm_fk_f) to 1e-5
 * relative, on random configurations */
static void test_gravity_local_matches_law(void **state) {
  (void)state;
  const mi_model *m = g_m;
  const int n = m->ndof;
  double worst = 0;
  for (uint32_t s = 0; s < 300; s++) {
    float q[MI_WM_MAX_DOF], gw[MI_WM_MAX_DOF], gl[MI_WM_MAX_DOF];
    random_q(m, 1000 + s, q);
    gravity_at(m, q, gw);
    mi_wm_m3_f Rl[MI_WM_MAX_DOF];
    mi_wm_v3_f pl[MI_WM_MAX_DOF];
    mi_wm_joint_poses_f(&m->dynf, q, Rl, pl);
    mi_wm_gravity_local_f(&m->dynf, Rl, pl, gl);
    double d = 0, r = 0;
    for (int j = 0; j < n; j++) {
      d += ((double)gl[j] - gw[j]) * ((double)gl[j] - gw[j]);
      r += (double)gw[j] * gw[j];
    }
    assert_true(r > 1.0); /* a 7-dof arm in gravity: torques of newton-metres */
    if (sqrt(d / r) > worst) worst = sqrt(d / r);
  }
  assert_true(worst <= 1e-5);
}

static void test_gravity_balances_aba(void **state) {
  (void)state;
  const mi_model *m = g_m;
  const int n = m->ndof;
  mi_wm_dynf d = m->dynf; /* no damping or friction terms in ABA itself */
  for (uint32_t i = 0; i < 50; i++) {
    float q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF] = {0}, g[MI_WM_MAX_DOF], zero[MI_WM_MAX_DOF] = {0};
    float a0[MI_WM_MAX_DOF], a1[MI_WM_MAX_DOF];
    random_q(m, i, q);
    gravity_at(m, q, g);
    mi_wm_aba_f(&d, q, qd, zero, 0.0f, a0);
    mi_wm_aba_f(&d, q, qd, g, 0.0f, a1);
    float free_fall = 0.0f, held = 0.0f, gmax = 0.0f;
    for (int j = 0; j < n; j++) {
      free_fall = fmaxf(free_fall, fabsf(a0[j]));
      held = fmaxf(held, fabsf(a1[j]));
      gmax = fmaxf(gmax, fabsf(g[j]));
    }
    assert_true(free_fall > 1.0f); /* gravity does act at these poses */
    assert_true(gmax > 1.0f);
    assert_true(held < 1e-3f * free_fall + 1e-3f);
  }
}

/* the lane kernel gives the scalar law's torques (clamped), with and without g */
static void test_lanes_match_scalar(void **state) {
  (void)state;
  const mi_model *m = g_m;
  const int n = m->ndof, K = 21, B = 24;
  float kp[MI_WM_MAX_DOF], tmax[MI_WM_MAX_DOF];
  for (int j = 0; j < n; j++) {
    kp[j] = 50.0f + 40.0f * (float)j;
    tmax[j] = m->dynf.effort[j];
  }
  float q[MI_WM_MAX_DOF * 24], qr[MI_WM_MAX_DOF * 24], tau[MI_WM_MAX_DOF * 24];
  for (int k = 0; k < K; k++) {
    float a[MI_WM_MAX_DOF], b[MI_WM_MAX_DOF];
    random_q(m, (uint32_t)k, a);
    random_q(m, (uint32_t)(k + 100), b);
    for (int j = 0; j < n; j++) {
      q[j * B + k] = a[j];
      qr[j * B + k] = b[j];
    }
  }
  for (int grav = 0; grav < 2; grav++) {
    {
      memset(tau, 0, sizeof tau);
      /* the 4-lane kernel (built everywhere; the 8-lane one is the same
       * template and is checked through the batch rollout's tests) */
      int done = mi_rollout_track_lanes_v4(&m->dynf, kp, tmax, grav, q, qr, tau, B, K);
      assert_int_equal(done, K - K % 4);
      int clamped = 0;
      for (int k = 0; k < done; k++) {
        float a[MI_WM_MAX_DOF], b[MI_WM_MAX_DOF], t[MI_WM_MAX_DOF];
        for (int j = 0; j < n; j++) {
          a[j] = q[j * B + k];
          b[j] = qr[j * B + k];
        }
        mi_rollout_track_f(&m->dynf, kp, tmax, grav, a, b, t);
        for (int j = 0; j < n; j++) {
          assert_true(fabsf(t[j] - tau[j * B + k]) <= 1e-4f * (1.0f + fabsf(t[j])));
          assert_true(fabsf(t[j]) <= tmax[j]);
          clamped += fabsf(t[j]) == tmax[j];
        }
      }
      if (grav) assert_true(clamped < done * n); /* not all saturated */
    }
  }
}

/* references held at the start: with g the rollout holds, without it sags */
static void test_rollout_holds_with_gravity(void **state) {
  (void)state;
  const mi_model *m = g_m;
  const int n = m->ndof;
  char err[256];
  mi_planner_params pp;
  assert_int_equal(mi_planner_params_defaults(&pp, err, sizeof err), MI_OK);
  pp.H = 25;
  pp.substeps = 4;
  float sag[2];
  for (int grav = 0; grav < 2; grav++) {
    pp.gravity_comp = grav;
    mi_rollout *r;
    assert_int_equal(mi_rollout_create(m, &pp, 1, 8, &r), MI_OK);
    assert_int_equal(mi_rollout_gravity_comp(r), grav);
    float q0[MI_WM_MAX_DOF], knots[MI_PLANNER_MAX_KNOTS * MI_WM_MAX_DOF];
    random_q(m, 7, q0);
    assert_int_equal(mi_rollout_set_state(r, q0, NULL), MI_OK);
    for (int k = 0; k < (int)pp.knots; k++) memcpy(knots + k * n, q0, sizeof(float) * (size_t)n);
    float qs[(32 + 1) * MI_WM_MAX_DOF];
    float c = mi_rollout_trajectory(r, knots, qs, NULL);
    assert_true(isfinite(c));
    sag[grav] = 0.0f;
    for (int t = 0; t <= (int)pp.H; t++)
      for (int j = 0; j < n; j++) sag[grav] = fmaxf(sag[grav], fabsf(qs[t * n + j] - q0[j]));
    mi_rollout_destroy(r);
  }
  print_message("rollout holding its start for 0.5 s: max joint sag %.4f rad PD only, "
                "%.5f rad PD + gravity\n", (double)sag[0], (double)sag[1]);
  assert_true(sag[0] > 0.05f);
  assert_true(sag[1] < 1e-3f);
}

/* the plant built from the same model: same g(q); its servo holds with it */
static void test_plant_gravity_matches_model(void **state) {
  (void)state;
  const mi_model *m = g_m;
  const int n = m->ndof;
  char err[256];
  static mi_sim_cell_desc desc;
  assert_int_equal(mi_sim_desc_from_model(m, NULL, &desc, err, sizeof err), MI_OK);
  double sag[2];
  for (int comp = 0; comp < 2; comp++) {
    mi_bt_world *w;
    assert_int_equal(mi_bt_create(desc.gravity, 1e-3, &w), MI_OK);
    assert_int_equal(mi_bt_add_arm(w, &desc.arm), MI_OK);
    assert_int_equal(mi_bt_arm_dofs(w), n);
    float qf[MI_WM_MAX_DOF], gf[MI_WM_MAX_DOF];
    double q0[MI_WM_MAX_DOF], g[MI_WM_MAX_DOF];
    random_q(m, 3, qf);
    for (int j = 0; j < n; j++) q0[j] = qf[j];
    assert_int_equal(mi_bt_set_joint_state(w, q0, NULL), MI_OK);
    assert_int_equal(mi_bt_gravity_torques(w, g), MI_OK);
    gravity_at(m, qf, gf);
    for (int j = 0; j < n; j++)
      assert_true(fabs(g[j] - (double)gf[j]) <= 1e-3 * (1.0 + fabs(g[j])));
    /* hold q0 for 0.5 s with a soft servo */
    double kp[MI_WM_MAX_DOF], kd[MI_WM_MAX_DOF], q[MI_WM_MAX_DOF];
    for (int j = 0; j < n; j++) {
      kp[j] = 100.0;
      kd[j] = 10.0;
    }
    mi_bt_set_gravity_compensation(w, comp);
    assert_int_equal(mi_bt_set_position_targets(w, q0, NULL, kp, kd), MI_OK);
    sag[comp] = 0;
    for (int s = 0; s < 500; s++) {
      assert_int_equal(mi_bt_step(w), MI_OK);
      assert_int_equal(mi_bt_get_joint_state(w, q, NULL, NULL), MI_OK);
      for (int j = 0; j < n; j++) sag[comp] = fmax(sag[comp], fabs(q[j] - q0[j]));
    }
    mi_bt_destroy(w);
  }
  print_message("plant servo holding a pose for 0.5 s: max joint sag %.4f rad PD only, "
                "%.5f rad PD + gravity\n", sag[0], sag[1]);
  assert_true(sag[0] > 0.05);
  assert_true(sag[1] < 2e-3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gravity_balances_aba),
      cmocka_unit_test(test_gravity_local_matches_law),
      cmocka_unit_test(test_lanes_match_scalar),
      cmocka_unit_test(test_rollout_holds_with_gravity),
      cmocka_unit_test(test_plant_gravity_matches_model),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
