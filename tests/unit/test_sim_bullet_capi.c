/* tests/unit/test_sim_bullet_capi.c - the C interface over Bullet: a pendulum
 * against its equation of motion, the conveyor's surface speed, contacts of
 * a forced collision, and argument checks. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sim/bullet_capi.h"

#define G 9.81

static mi_pose pose_at(double x, double y, double z) {
  mi_pose p = mi_pose_identity();
  p.p = mi_vec3_make(x, y, z);
  return p;
}

/* one revolute link about world y, COM at distance l along -z of the link,
 * a small solid sphere of radius r */
static void pendulum_desc(mi_bt_arm_desc *d, double m, double l, double r, double damping) {
  memset(d, 0, sizeof(*d));
  d->base_pose = pose_at(0, 0, 1.0);
  d->n_links = 1;
  mi_bt_link_desc *k = &d->links[0];
  k->parent = -1;
  k->type = MI_BT_JOINT_REVOLUTE;
  k->origin = mi_pose_identity();
  k->axis = mi_vec3_make(0, 1, 0);
  k->mass = m;
  k->com = mi_vec3_make(0, 0, -l);
  double ic = 0.4 * m * r * r;
  k->inertia[0] = k->inertia[1] = k->inertia[2] = ic;
  k->damping = damping;
}

/* theta'' = -(m g l sin(theta) + b theta') / (I_c + m l^2), RK4 */
static void pendulum_ref(double th0, double m, double l, double ic, double b, double t_end,
                         double h, double *th_out, double *om_out) {
  double th = th0, om = 0, J = ic + m * l * l;
  int n = (int)lround(t_end / h);
  for (int i = 0; i < n; i++) {
#define ACC(a, w) (-(m * G * l * sin(a) + b * (w)) / J)
    double k1t = om, k1w = ACC(th, om);
    double k2t = om + 0.5 * h * k1w, k2w = ACC(th + 0.5 * h * k1t, om + 0.5 * h * k1w);
    double k3t = om + 0.5 * h * k2w, k3w = ACC(th + 0.5 * h * k2t, om + 0.5 * h * k2w);
    double k4t = om + h * k3w, k4w = ACC(th + h * k3t, om + h * k3w);
#undef ACC
    th += h / 6 * (k1t + 2 * k2t + 2 * k3t + k4t);
    om += h / 6 * (k1w + 2 * k2w + 2 * k3w + k4w);
  }
  *th_out = th;
  *om_out = om;
}

static void test_pendulum_matches_equation_of_motion(void **state) {
  (void)state;
  const double m = 2.0, l = 0.4, r = 0.05, dt = 0.001;
  for (int damped = 0; damped < 2; damped++) {
    double b = damped ? 0.3 : 0.0;
    mi_bt_world *w = NULL;
    assert_int_equal(mi_bt_create(mi_vec3_make(0, 0, -G), dt, &w), MI_OK);
    mi_bt_arm_desc d;
    pendulum_desc(&d, m, l, r, b);
    assert_int_equal(mi_bt_add_arm(w, &d), MI_OK);
    assert_int_equal(mi_bt_arm_dofs(w), 1);
    double q0 = 0.8;
    assert_int_equal(mi_bt_set_joint_state(w, &q0, NULL), MI_OK);
    for (int i = 0; i < 500; i++) assert_int_equal(mi_bt_step(w), MI_OK);
    double q, qd;
    assert_int_equal(mi_bt_get_joint_state(w, &q, &qd, NULL), MI_OK);
    double th_ref, om_ref;
    pendulum_ref(q0, m, l, 0.4 * m * r * r, b, 0.5, 1e-5, &th_ref, &om_ref);
    /* semi-implicit Euler at 1 ms against RK4: first-order error */
    assert_true(fabs(q - th_ref) < 5e-3);
    assert_true(fabs(qd - om_ref) < 2e-2);
    assert_true(fabs(q - q0) > 0.3); /* it really moved */

    /* the link frame follows the joint: the COM hangs at angle q about y */
    mi_pose lp;
    assert_int_equal(mi_bt_get_pose(w, MI_BT_LINK_HANDLE(0), &lp, NULL), MI_OK);
    mi_vec3 com = mi_pose_apply(lp, mi_vec3_make(0, 0, -l));
    /* rotation about +y by q moves (0,0,-l) to (-l sin q, 0, -l cos q) */
    assert_true(fabs(com.x - (-l * sin(q))) < 1e-9);
    assert_true(fabs(com.z - (1.0 - l * cos(q))) < 1e-9);
    assert_int_equal(mi_bt_time_ns(w), 500 * 1000000LL);
    mi_bt_destroy(w);
  }
}

/* a link whose inertia is not diagonal in its frame, hung with the COM on
 * the axis: the motion about the axis uses I_axis = e^T I e only */
static void test_offdiagonal_inertia(void **state) {
  (void)state;
  mi_bt_world *w = NULL;
  assert_int_equal(mi_bt_create(mi_vec3_make(0, 0, 0), 0.001, &w), MI_OK);
  mi_bt_arm_desc d;
  pendulum_desc(&d, 1.0, 0.0, 0.1, 0.0);
  mi_bt_link_desc *k = &d.links[0];
  k->axis = mi_vec3_make(0, 0, 1);
  k->inertia[0] = 0.3;
  k->inertia[1] = 0.2;
  k->inertia[2] = 0.1;
  k->inertia[3] = 0.05; /* ixy */
  k->inertia[4] = 0.02; /* ixz */
  k->inertia[5] = 0.01; /* iyz */
  /* unlike a free body, a joint takes the off-axis gyroscopic torques:
   * with a constant torque tau about z the acceleration is tau / izz */
  assert_int_equal(mi_bt_add_arm(w, &d), MI_OK);
  for (int i = 0; i < 100; i++) {
    double tau = 0.05;
    mi_bt_set_joint_torques(w, &tau);
    mi_bt_step(w);
  }
  double q, qd;
  mi_bt_get_joint_state(w, &q, &qd, NULL);
  /* after 0.1 s at alpha = 0.5 rad/s^2: qd = 0.05 */
  assert_true(fabs(qd - 0.05) < 1e-6);
  mi_bt_destroy(w);
}

static void test_conveyor_carries_part(void **state) {
  (void)state;
  const double speed = 0.25, dt = 0.001;
  mi_bt_world *w = NULL;
  assert_int_equal(mi_bt_create(mi_vec3_make(0, 0, -G), dt, &w), MI_OK);
  int belt;
  assert_int_equal(mi_bt_add_conveyor(w, pose_at(0, 0, 0.45), mi_vec3_make(2.0, 0.2, 0.05),
                                      mi_vec3_make(1, 0, 0), speed, 0.8, &belt),
                   MI_OK);
  mi_bt_body_desc part = {MI_BT_BOX, {0.03, 0.03, 0.03}, 0.2, pose_at(-1.0, 0, 0.53), 0.8, 0};
  int h;
  assert_int_equal(mi_bt_add_body(w, &part, &h), MI_OK);
  /* settle and get up to speed: 0.5 s */
  for (int i = 0; i < 500; i++) mi_bt_step(w);
  mi_pose p0;
  mi_vec3 v;
  assert_int_equal(mi_bt_get_pose(w, h, &p0, &v), MI_OK);
  assert_true(fabs(v.x - speed) < 0.01);
  /* then 1 s at speed: the part travels speed * 1 s along x, stays on the belt */
  for (int i = 0; i < 1000; i++) mi_bt_step(w);
  mi_pose p1;
  assert_int_equal(mi_bt_get_pose(w, h, &p1, &v), MI_OK);
  assert_true(fabs((p1.p.x - p0.p.x) - speed * 1.0) < 0.01);
  assert_true(fabs(p1.p.y) < 1e-3);
  assert_true(fabs(p1.p.z - 0.53) < 0.005);
  /* the belt itself does not move */
  mi_pose bp;
  assert_int_equal(mi_bt_get_pose(w, belt, &bp, NULL), MI_OK);
  assert_true(fabs(bp.p.x) < 1e-12);
  /* stopping the belt stops the part */
  assert_int_equal(mi_bt_set_conveyor_speed(w, belt, 0.0), MI_OK);
  for (int i = 0; i < 300; i++) mi_bt_step(w);
  assert_int_equal(mi_bt_get_pose(w, h, &p1, &v), MI_OK);
  assert_true(fabs(v.x) < 1e-3);
  assert_int_equal(mi_bt_set_conveyor_speed(w, h, 1.0), MI_ERR_NOT_FOUND);
  mi_bt_destroy(w);
}

static void test_contacts_forced_collision(void **state) {
  (void)state;
  mi_bt_world *w = NULL;
  assert_int_equal(mi_bt_create(mi_vec3_make(0, 0, -G), 0.001, &w), MI_OK);
  /* no contact before anything touches */
  assert_int_equal(mi_bt_get_contacts(w, NULL, 0), 0);
  /* a static fixture and a pendulum arm with a sphere at its tip */
  mi_bt_body_desc table = {MI_BT_BOX, {0.5, 0.5, 0.05}, 0.0, pose_at(0.0, 0, 0.4), 0.5, 0};
  int ht;
  assert_int_equal(mi_bt_add_body(w, &table, &ht), MI_OK);
  mi_bt_arm_desc d;
  pendulum_desc(&d, 1.0, 0.4, 0.05, 0.0);
  d.links[0].n_spheres = 1;
  d.links[0].spheres[0].c = mi_vec3_make(0, 0, -0.5);
  d.links[0].spheres[0].r = 0.06;
  assert_int_equal(mi_bt_add_arm(w, &d), MI_OK);
  /* pushed down onto the table by a torque? hanging straight down the tip
   * sphere (z = 0.5 - 0.06) already overlaps the table top (z = 0.45) */
  double q0 = 0.0;
  mi_bt_set_joint_state(w, &q0, NULL);
  for (int i = 0; i < 20; i++) mi_bt_step(w);
  mi_bt_contact c[16];
  int n = mi_bt_get_contacts(w, c, 16);
  assert_true(n >= 1);
  int found = 0;
  for (int i = 0; i < n && i < 16; i++) {
    int link = c[i].a == MI_BT_LINK_HANDLE(0) || c[i].b == MI_BT_LINK_HANDLE(0);
    int tab = c[i].a == ht || c[i].b == ht;
    if (link && tab) {
      found = 1;
      assert_true(c[i].depth <= 0);
      assert_true(fabs(fabs(c[i].normal.z) - 1.0) < 0.1);
    }
  }
  assert_true(found);
  /* push down: the table pushes back up on the link */
  for (int i = 0; i < 50; i++) {
    double tau = 0.0;
    mi_bt_set_joint_torques(w, &tau);
    mi_bt_step(w);
  }
  mi_vec3 f, t;
  assert_int_equal(mi_bt_get_link_contact_wrench(w, 0, &f, &t), MI_OK);
  assert_true(f.z >= 0.0);

  /* a part dropped onto the table: contact with a positive impulse */
  mi_bt_body_desc ball = {MI_BT_SPHERE, {0.05, 0, 0}, 0.5, pose_at(0.3, 0.3, 0.52), 0.5, 0};
  int hb;
  assert_int_equal(mi_bt_add_body(w, &ball, &hb), MI_OK);
  for (int i = 0; i < 300; i++) mi_bt_step(w);
  n = mi_bt_get_contacts(w, c, 16);
  found = 0;
  for (int i = 0; i < n && i < 16; i++) {
    if ((c[i].a == hb && c[i].b == ht) || (c[i].a == ht && c[i].b == hb)) {
      found = 1;
      /* resting: the impulse carries its weight, m g dt */
      assert_true(fabs(c[i].impulse - 0.5 * G * 0.001) < 0.5 * G * 0.001 * 0.2);
      assert_true(c[i].pos.z > 0.44 && c[i].pos.z < 0.46);
    }
  }
  assert_true(found);
  mi_pose bp;
  mi_bt_get_pose(w, hb, &bp, NULL);
  assert_true(fabs(bp.p.z - 0.5) < 0.005);
  /* removed bodies are gone */
  assert_int_equal(mi_bt_remove_body(w, hb), MI_OK);
  assert_int_equal(mi_bt_get_pose(w, hb, &bp, NULL), MI_ERR_NOT_FOUND);
  assert_int_equal(mi_bt_remove_body(w, hb), MI_ERR_NOT_FOUND);
  mi_bt_destroy(w);
}

static void test_position_targets(void **state) {
  (void)state;
  mi_bt_world *w = NULL;
  assert_int_equal(mi_bt_create(mi_vec3_make(0, 0, 0), 0.001, &w), MI_OK);
  mi_bt_arm_desc d;
  pendulum_desc(&d, 1.0, 0.3, 0.05, 0.0);
  assert_int_equal(mi_bt_add_arm(w, &d), MI_OK);
  double qr = 0.5, kp = 50, kd = 5;
  assert_int_equal(mi_bt_set_position_targets(w, &qr, NULL, &kp, &kd), MI_OK);
  for (int i = 0; i < 3000; i++) mi_bt_step(w);
  double q, qd, tau;
  mi_bt_get_joint_state(w, &q, &qd, &tau);
  assert_true(fabs(q - 0.5) < 1e-3);
  double nan = NAN;
  assert_int_equal(mi_bt_set_position_targets(w, &nan, NULL, &kp, &kd), MI_ERR_INVALID);
  assert_int_equal(mi_bt_set_joint_torques(w, &nan), MI_ERR_INVALID);
  mi_bt_destroy(w);
}

static void test_friction_holds_below_breakaway(void **state) {
  (void)state;
  mi_bt_world *w = NULL;
  assert_int_equal(mi_bt_create(mi_vec3_make(0, 0, 0), 0.001, &w), MI_OK);
  mi_bt_arm_desc d;
  pendulum_desc(&d, 1.0, 0.3, 0.05, 0.0);
  d.links[0].friction = 1.0;
  assert_int_equal(mi_bt_add_arm(w, &d), MI_OK);
  for (int i = 0; i < 200; i++) {
    double tau = 0.8; /* below the 1 N m of friction: no motion */
    mi_bt_set_joint_torques(w, &tau);
    mi_bt_step(w);
  }
  double q;
  mi_bt_get_joint_state(w, &q, NULL, NULL);
  assert_true(fabs(q) < 1e-4);
  for (int i = 0; i < 200; i++) {
    double tau = 2.0; /* above: net 1 N m */
    mi_bt_set_joint_torques(w, &tau);
    mi_bt_step(w);
  }
  double qd;
  mi_bt_get_joint_state(w, &q, &qd, NULL);
  double J = 0.4 * 1.0 * 0.05 * 0.05 + 1.0 * 0.3 * 0.3;
  assert_true(fabs(qd - 1.0 / J * 0.2) < 0.02 * (1.0 / J * 0.2));
  mi_bt_destroy(w);
}

static void test_bad_arguments(void **state) {
  (void)state;
  mi_bt_world *w = NULL;
  assert_int_equal(mi_bt_create(mi_vec3_make(0, 0, -G), 0.0, &w), MI_ERR_INVALID);
  assert_int_equal(mi_bt_create(mi_vec3_make(0, 0, -G), NAN, &w), MI_ERR_INVALID);
  assert_int_equal(mi_bt_create(mi_vec3_make(0, 0, -G), 0.001, &w), MI_OK);
  mi_bt_arm_desc d;
  pendulum_desc(&d, 1.0, 0.3, 0.05, 0.0);
  d.links[0].parent = 0; /* its own parent */
  assert_int_equal(mi_bt_add_arm(w, &d), MI_ERR_INVALID);
  pendulum_desc(&d, 0.0, 0.3, 0.05, 0.0);
  assert_int_equal(mi_bt_add_arm(w, &d), MI_ERR_INVALID);
  pendulum_desc(&d, 1.0, 0.3, 0.05, 0.0);
  d.links[0].axis = mi_vec3_make(0, 0, 0);
  assert_int_equal(mi_bt_add_arm(w, &d), MI_ERR_INVALID);
  pendulum_desc(&d, 1.0, 0.3, 0.05, 0.0);
  assert_int_equal(mi_bt_add_arm(w, &d), MI_OK);
  assert_int_equal(mi_bt_add_arm(w, &d), MI_ERR_STATE);
  mi_bt_body_desc b = {MI_BT_BOX, {0.0, 0.1, 0.1}, 1.0, pose_at(0, 0, 0), 0.5, 0};
  int h;
  assert_int_equal(mi_bt_add_body(w, &b, &h), MI_ERR_INVALID);
  b.size.x = 0.1;
  b.mass = -1;
  assert_int_equal(mi_bt_add_body(w, &b, &h), MI_ERR_INVALID);
  assert_int_equal(mi_bt_get_pose(w, 42, &b.pose, NULL), MI_ERR_NOT_FOUND);
  assert_int_equal(mi_bt_get_pose(w, MI_BT_LINK_HANDLE(3), &b.pose, NULL), MI_ERR_NOT_FOUND);
  mi_bt_destroy(w);
  mi_bt_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pendulum_matches_equation_of_motion),
      cmocka_unit_test(test_offdiagonal_inertia),
      cmocka_unit_test(test_conveyor_carries_part),
      cmocka_unit_test(test_contacts_forced_collision),
      cmocka_unit_test(test_position_targets),
      cmocka_unit_test(test_friction_holds_below_breakaway),
      cmocka_unit_test(test_bad_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
