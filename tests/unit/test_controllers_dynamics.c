/* tests/unit/test_controllers_dynamics.c - gravity compensation and inverse
 * dynamics from the model, checked against the model's forward dynamics:
 * ABA(q, 0, g(q)) = 0 and ABA(q, qd, ID(q, qd, a)) = a; and a controller
 * using them holds the arm against gravity with zero position error. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "controllers/dynamics.h"
#include "worldmodel/dynamics.h"

static mi_model *load(void) {
  char err[256];
  mi_model *m = mi_wm_model_load(MIRAI_SOURCE_DIR "/tests/data/sim_arm.urdf", NULL, err, sizeof err);
  if (!m) fprintf(stderr, "%s\n", err);
  assert_non_null(m);
  return m;
}

static mi_param_strings names(void) {
  mi_param_strings s;
  memset(&s, 0, sizeof s);
  s.n = 3;
  strcpy(s.v[0], "shoulder_pan");
  strcpy(s.v[1], "shoulder_lift");
  strcpy(s.v[2], "elbow");
  return s;
}

static void test_gravity_and_inverse(void **state) {
  (void)state;
  mi_model *m = load();
  mi_param_strings js = names();
  mi_ctrl_wm_dyn w;
  char err[256];
  assert_int_equal(mi_ctrl_wm_dyn_init(&w, m, &js, err, sizeof err), MI_OK);
  double gmax = 0.0;
  for (int trial = 0; trial < 20; trial++) {
    double q[3], qd[3], a[3], tau[3], g[3], back[MI_WM_MAX_DOF];
    double mq[MI_WM_MAX_DOF] = {0}, mqd[MI_WM_MAX_DOF] = {0}, mt[MI_WM_MAX_DOF] = {0};
    for (int j = 0; j < 3; j++) {
      q[j] = sin(1.7 * trial + j);
      qd[j] = 0.5 * cos(2.3 * trial + 2 * j);
      a[j] = 0.8 * sin(0.9 * trial - j);
    }
    /* gravity compensation holds the arm still */
    assert_true(mi_ctrl_wm_gravity(&w, q, g));
    for (int j = 0; j < 3; j++) {
      mq[w.dof[j]] = q[j];
      mt[w.dof[j]] = g[j];
      gmax = fmax(gmax, fabs(g[j]));
    }
    mi_wm_aba_d(&m->dyn, mq, mqd, mt, 0.0, back);
    for (int j = 0; j < 3; j++) assert_true(fabs(back[w.dof[j]]) < 1e-9);
    /* inverse dynamics is the inverse of the forward dynamics */
    assert_true(mi_ctrl_wm_inverse(&w, q, qd, a, tau));
    for (int j = 0; j < 3; j++) {
      mqd[w.dof[j]] = qd[j];
      mt[w.dof[j]] = tau[j];
    }
    mi_wm_aba_d(&m->dyn, mq, mqd, mt, 0.0, back);
    for (int j = 0; j < 3; j++) assert_true(fabs(back[w.dof[j]] - a[j]) < 1e-8);
  }
  assert_true(gmax > 0.1); /* gravity is not trivially zero on this arm */

  /* a name the model lacks, and a joint left out */
  js.n = 3;
  strcpy(js.v[2], "wrist");
  assert_int_equal(mi_ctrl_wm_dyn_init(&w, m, &js, err, sizeof err), MI_ERR_INVALID);
  assert_non_null(strstr(err, "wrist"));
  js.n = 2;
  assert_int_equal(mi_ctrl_wm_dyn_init(&w, m, &js, err, sizeof err), MI_ERR_INVALID);
  mi_wm_model_free(m);
}

/* the controller with gravity compensation holds a pose on the model's own
 * forward dynamics with no steady-state error; plain PD sags */
static double hold_error(mi_ctrl_law law, const mi_model *m, mi_ctrl_wm_dyn *w) {
  mi_ctrl_params p;
  char err[256];
  assert_int_equal(mi_params_defaults(mi_ctrl_param_table(), &p, err, sizeof err), MI_OK);
  p.law = law;
  mi_ctrl_dynamics dyn;
  mi_ctrl_wm_dyn_bind(w, &dyn);
  mi_ctrl *c = mi_ctrl_create(&p, &dyn, 0, err, sizeof err);
  assert_non_null(c);
  double q[3] = {0.3, 0.6, -0.4}, qd[3] = {0};
  const double q0[3] = {0.3, 0.6, -0.4};
  mi_ctrl_command cmd;
  for (int64_t t = 0; t < 3000; t++) { /* 3 s at 1 kHz, semi-implicit Euler */
    mi_ctrl_joint_state js = {.arrival_ns = t * 1000000, .n = 3};
    memcpy(js.q, q, sizeof q);
    memcpy(js.qd, qd, sizeof qd);
    mi_ctrl_submit_joint_state(c, &js);
    mi_ctrl_step(c, t * 1000000, 1000000, &cmd);
    double mq[MI_WM_MAX_DOF] = {0}, mqd[MI_WM_MAX_DOF] = {0}, mt[MI_WM_MAX_DOF] = {0}, a[MI_WM_MAX_DOF];
    for (int j = 0; j < 3; j++) {
      mq[w->dof[j]] = q[j];
      mqd[w->dof[j]] = qd[j];
      mt[w->dof[j]] = cmd.effort[j];
    }
    mi_wm_aba_d(&m->dyn, mq, mqd, mt, 0.0, a);
    for (int j = 0; j < 3; j++) {
      qd[j] += 1e-3 * a[w->dof[j]];
      q[j] += 1e-3 * qd[j];
    }
  }
  mi_ctrl_destroy(c);
  double e = 0;
  for (int j = 0; j < 3; j++) e = fmax(e, fabs(q[j] - q0[j]));
  return e;
}

static void test_hold_against_gravity(void **state) {
  (void)state;
  mi_model *m = load();
  mi_param_strings js = names();
  mi_ctrl_wm_dyn w;
  char err[256];
  assert_int_equal(mi_ctrl_wm_dyn_init(&w, m, &js, err, sizeof err), MI_OK);
  double e_pd = hold_error(MI_CTRL_LAW_PD, m, &w);
  double e_g = hold_error(MI_CTRL_LAW_PD_GRAVITY, m, &w);
  double e_ct = hold_error(MI_CTRL_LAW_COMPUTED_TORQUE, m, &w);
  assert_true(e_g < 1e-4);
  assert_true(e_ct < 1e-4);
  assert_true(e_pd > 10.0 * e_g); /* without compensation the arm sags */
  mi_wm_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gravity_and_inverse),
      cmocka_unit_test(test_hold_against_gravity),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
