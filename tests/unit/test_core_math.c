/* tests/unit/test_core_math.c */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/math.h"

#define NEAR(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

static void near_v(mi_vec3 a, mi_vec3 b, double tol) {
  NEAR(a.x, b.x, tol);
  NEAR(a.y, b.y, tol);
  NEAR(a.z, b.z, tol);
}

static void test_vec3(void **state) {
  (void)state;
  mi_vec3 a = mi_vec3_make(1, 2, 3), b = mi_vec3_make(-2, 0.5, 4);
  near_v(mi_vec3_cross(a, b), mi_vec3_make(2 * 4 - 3 * 0.5, 3 * -2 - 1 * 4, 1 * 0.5 - 2 * -2),
         1e-15);
  NEAR(mi_vec3_dot(a, b), -2 + 1 + 12, 1e-15);
  NEAR(mi_vec3_norm(mi_vec3_normalize(b)), 1.0, 1e-15);
  mi_vec3 z = mi_vec3_normalize(mi_vec3_make(0, 0, 0));
  NEAR(z.x, 0, 0);
}

static void test_quat_rotation(void **state) {
  (void)state;
  /* 90 degrees about z takes x to y */
  mi_quat q = mi_quat_from_axis_angle(mi_vec3_make(0, 0, 1), MI_PI / 2);
  near_v(mi_quat_rotate(q, mi_vec3_make(1, 0, 0)), mi_vec3_make(0, 1, 0), 1e-15);
  /* the matrix agrees with the quaternion */
  mi_mat3 R = mi_quat_to_mat3(mi_quat_from_rpy(0.3, -0.7, 1.9));
  mi_quat qr = mi_quat_from_rpy(0.3, -0.7, 1.9);
  mi_vec3 v = mi_vec3_make(0.2, -1.1, 0.6);
  near_v(mi_mat3_mulv(&R, v), mi_quat_rotate(qr, v), 1e-14);
  near_v(mi_mat3_tmulv(&R, mi_mat3_mulv(&R, v)), v, 1e-14);
  /* URDF rpy = Rz(yaw) Ry(pitch) Rx(roll) */
  mi_quat qx = mi_quat_from_axis_angle(mi_vec3_make(1, 0, 0), 0.3);
  mi_quat qy = mi_quat_from_axis_angle(mi_vec3_make(0, 1, 0), -0.7);
  mi_quat qz = mi_quat_from_axis_angle(mi_vec3_make(0, 0, 1), 1.9);
  mi_quat qc = mi_quat_mul(qz, mi_quat_mul(qy, qx));
  near_v(mi_quat_rotate(qc, v), mi_quat_rotate(qr, v), 1e-14);
  NEAR(mi_quat_angle_between(qc, qr), 0, 1e-7);
  NEAR(mi_quat_angle_between(mi_quat_identity(), q), MI_PI / 2, 1e-14);
}

static void test_ros_order(void **state) {
  (void)state;
  mi_quat q = mi_quat_from_ros(0.1, 0.2, 0.3, 0.9);
  assert_true(q.w == 0.9 && q.x == 0.1 && q.y == 0.2 && q.z == 0.3);
  double xyzw[4];
  mi_quat_to_ros(q, xyzw);
  assert_true(xyzw[0] == 0.1 && xyzw[3] == 0.9);
}

static void test_pose(void **state) {
  (void)state;
  mi_pose a = {mi_vec3_make(1, 2, 3), mi_quat_from_rpy(0.1, 0.2, 0.3)};
  mi_pose b = {mi_vec3_make(-0.5, 0.4, 2), mi_quat_from_rpy(-1, 0.5, 2)};
  mi_vec3 x = mi_vec3_make(0.3, 0.3, -0.2);
  near_v(mi_pose_apply(mi_pose_mul(a, b), x), mi_pose_apply(a, mi_pose_apply(b, x)), 1e-14);
  near_v(mi_pose_apply(mi_pose_inverse(a), mi_pose_apply(a, x)), x, 1e-14);
}

static void test_spatial(void **state) {
  (void)state;
  /* power is frame-invariant: (X m) . (X* f) == m . f */
  mi_pose X = {mi_vec3_make(0.4, -1, 0.2), mi_quat_from_rpy(0.5, 0.1, -0.9)};
  mi_sv m = mi_sv_make(mi_vec3_make(0.1, 0.2, 0.3), mi_vec3_make(1, -1, 0.5));
  mi_sv f = mi_sv_make(mi_vec3_make(-2, 0.3, 1), mi_vec3_make(0.7, 0.2, -3));
  NEAR(mi_sv_dot(mi_sv_transform_motion(X, m), mi_sv_transform_force(X, f)), mi_sv_dot(m, f),
       1e-13);
  /* crossf is the dual of crossm: (m x n) . f == -n . (m x* f) */
  mi_sv n = mi_sv_make(mi_vec3_make(0.3, -0.2, 0.9), mi_vec3_make(0.1, 0.5, -0.4));
  NEAR(mi_sv_dot(mi_sv_crossm(m, n), f), -mi_sv_dot(n, mi_sv_crossf(m, f)), 1e-13);
  /* a rigid body point's velocity: v_A = R v_B + p x w_A */
  mi_sv pure_rot = mi_sv_make(mi_vec3_make(0, 0, 1), mi_vec3_make(0, 0, 0));
  mi_pose shift = {mi_vec3_make(1, 0, 0), mi_quat_identity()};
  mi_sv t = mi_sv_transform_motion(shift, pure_rot);
  near_v(t.lin, mi_vec3_make(0, -1, 0), 1e-15);
}

static void test_float_variant(void **state) {
  (void)state;
  mi_quatf q = mi_quatf_from_rpy(0.3f, -0.7f, 1.9f);
  mi_quat qd = mi_quat_from_rpy(0.3, -0.7, 1.9);
  mi_vec3f v = mi_vec3f_make(0.2f, -1.1f, 0.6f);
  mi_vec3f r = mi_quatf_rotate(q, v);
  mi_vec3 rd = mi_quat_rotate(qd, mi_vec3_make(0.2, -1.1, 0.6));
  NEAR(r.x, rd.x, 1e-6);
  NEAR(r.y, rd.y, 1e-6);
  NEAR(r.z, rd.z, 1e-6);
  mi_quatf qc = mi_quat_to_f(qd);
  NEAR(qc.w, q.w, 1e-7);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vec3),  cmocka_unit_test(test_quat_rotation),
      cmocka_unit_test(test_ros_order), cmocka_unit_test(test_pose),
      cmocka_unit_test(test_spatial), cmocka_unit_test(test_float_variant),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
