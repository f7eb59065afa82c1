/* tests/unit/test_sim_falling_arm.c - with zero command the arm falls under
 * gravity as an independent dynamics implementation predicts.
 *
 * The arm is tests/data/sim_arm.urdf (three revolute joints, off-diagonal
 * inertias, a rotated inertial frame). The reference is MuJoCo 2.2.2 reading
 * the same URDF (contacts off, Euler, the same 1 ms step: both integrators
 * are semi-implicit Euler). The Bullet arm is described link by link with
 * the URDF's numbers, which is what the sim's model adapter does with the
 * predictor's mi_model.
 *
 * Tolerance: over 0.5 s (500 steps) the joint positions agree within 1e-6 rad
 * and the velocities within 1e-5 rad/s; both solve the same equations with
 * the same integrator, so only round-off and algorithm order differ. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <mujoco/mujoco.h>

#include "sim/bullet_capi.h"

static const double q0[3] = {0.3, 0.2, -0.4};

/* inertia given in a frame rotated by rpy -> tensor in the link frame */
static void inertia_in_link(double ixx, double iyy, double izz, double ixy, double ixz,
                            double iyz, mi_quat rot, double out[6]) {
  mi_mat3 R = mi_quat_to_mat3(rot);
  double I[9] = {ixx, ixy, ixz, ixy, iyy, iyz, ixz, iyz, izz}, T[9], L[9];
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++) {
      T[3 * r + c] = 0;
      for (int k = 0; k < 3; k++) T[3 * r + c] += R.m[3 * r + k] * I[3 * k + c];
    }
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++) {
      L[3 * r + c] = 0;
      for (int k = 0; k < 3; k++) L[3 * r + c] += T[3 * r + k] * R.m[3 * c + k];
    }
  out[0] = L[0];
  out[1] = L[4];
  out[2] = L[8];
  out[3] = L[1];
  out[4] = L[2];
  out[5] = L[5];
}

static void arm_from_urdf_numbers(mi_bt_arm_desc *d) {
  memset(d, 0, sizeof(*d));
  d->base_pose = mi_pose_identity();
  d->n_links = 3;
  mi_bt_link_desc *l = d->links;
  /* shoulder_pan -> link1 */
  l[0].parent = -1;
  l[0].type = MI_BT_JOINT_REVOLUTE;
  l[0].origin = mi_pose_identity();
  l[0].origin.p = mi_vec3_make(0, 0, 0.1);
  l[0].axis = mi_vec3_make(0, 0, 1);
  l[0].mass = 3.0;
  l[0].com = mi_vec3_make(0.01, 0, 0.1);
  inertia_in_link(0.012, 0.011, 0.006, 0.001, 0.0005, 0.0002, mi_quat_identity(), l[0].inertia);
  /* shoulder_lift -> link2 */
  l[1].parent = 0;
  l[1].type = MI_BT_JOINT_REVOLUTE;
  l[1].origin = mi_pose_identity();
  l[1].origin.p = mi_vec3_make(0, 0.05, 0.2);
  l[1].axis = mi_vec3_make(0, 1, 0);
  l[1].mass = 2.0;
  l[1].com = mi_vec3_make(0.2, 0, 0);
  inertia_in_link(0.002, 0.03, 0.028, 0, 0, 0, mi_quat_from_rpy(0.3, -0.2, 0.1), l[1].inertia);
  /* elbow -> link3 */
  l[2].parent = 1;
  l[2].type = MI_BT_JOINT_REVOLUTE;
  l[2].origin.p = mi_vec3_make(0.4, 0, 0);
  l[2].origin.q = mi_quat_from_rpy(0, 0.2, 0);
  l[2].axis = mi_vec3_make(0, 1, 0);
  l[2].mass = 1.0;
  l[2].com = mi_vec3_make(0.15, 0, 0.01);
  inertia_in_link(0.001, 0.008, 0.0075, 0.0002, 0, 0.0001, mi_quat_identity(), l[2].inertia);
}

static void test_zero_command_falls_as_reference_predicts(void **state) {
  (void)state;
  const double dt = 0.001;
  const int steps = 500;
  /* reference: MuJoCo on the URDF */
  char err[1000] = "";
  mjModel *m = mj_loadXML(MIRAI_SOURCE_DIR "/tests/data/sim_arm.urdf", NULL, err, sizeof err);
  if (!m) fail_msg("mujoco: %s", err);
  assert_int_equal(m->nv, 3);
  m->opt.disableflags |= mjDSBL_CONTACT;
  m->opt.integrator = mjINT_EULER;
  m->opt.timestep = dt;
  mjData *md = mj_makeData(m);
  const char *jn[3] = {"shoulder_pan", "shoulder_lift", "elbow"};
  int adr[3], vadr[3];
  for (int i = 0; i < 3; i++) {
    int id = mj_name2id(m, mjOBJ_JOINT, jn[i]);
    assert_true(id >= 0);
    adr[i] = m->jnt_qposadr[id];
    vadr[i] = m->jnt_dofadr[id];
    md->qpos[adr[i]] = q0[i];
  }
  for (int k = 0; k < steps; k++) mj_step(m, md);
  mj_forward(m, md); /* mj_step leaves xpos at the state before its last integration */

  /* the plant: Bullet through the C API, zero torque every step */
  mi_bt_world *w = NULL;
  assert_int_equal(mi_bt_create(mi_vec3_make(0, 0, -9.81), dt, &w), MI_OK);
  mi_bt_arm_desc d;
  arm_from_urdf_numbers(&d);
  assert_int_equal(mi_bt_add_arm(w, &d), MI_OK);
  assert_int_equal(mi_bt_set_joint_state(w, q0, NULL), MI_OK);
  const double zero[3] = {0, 0, 0};
  for (int k = 0; k < steps; k++) {
    assert_int_equal(mi_bt_set_joint_torques(w, zero), MI_OK);
    assert_int_equal(mi_bt_step(w), MI_OK);
  }
  double q[3], qd[3];
  assert_int_equal(mi_bt_get_joint_state(w, q, qd, NULL), MI_OK);
  double dq = 0, dqd = 0, moved = 0;
  for (int i = 0; i < 3; i++) {
    dq = fmax(dq, fabs(q[i] - md->qpos[adr[i]]));
    dqd = fmax(dqd, fabs(qd[i] - md->qvel[vadr[i]]));
    moved = fmax(moved, fabs(q[i] - q0[i]));
  }
  print_message("falling arm over 0.5 s: max |dq| %.3g rad, max |dqd| %.3g rad/s, moved %.3f rad\n",
                dq, dqd, moved);
  assert_true(moved > 0.5); /* it really fell */
  assert_true(dq < 1e-6);
  assert_true(dqd < 1e-5);

  /* and the tool frame is where MuJoCo's forward kinematics puts it */
  mi_pose tp;
  assert_int_equal(mi_bt_get_pose(w, MI_BT_LINK_HANDLE(2), &tp, NULL), MI_OK);
  int b3 = mj_name2id(m, mjOBJ_BODY, "link3");
  assert_true(b3 >= 0);
  assert_true(fabs(tp.p.x - md->xpos[3 * b3 + 0]) < 1e-5);
  assert_true(fabs(tp.p.y - md->xpos[3 * b3 + 1]) < 1e-5);
  assert_true(fabs(tp.p.z - md->xpos[3 * b3 + 2]) < 1e-5);

  mi_bt_destroy(w);
  mj_deleteData(md);
  mj_deleteModel(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_zero_command_falls_as_reference_predicts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
