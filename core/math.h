/* core/math.h - small fixed-size math for C and CUDA: vec3, quaternion, pose,
 * 3x3 matrices and spatial (6D) motion and force vectors.
 *
 * Every function is MI_HDI (inline, host and device) and comes in two
 * precisions generated from one template (core/math_tmpl.h):
 *   double: mi_vec3, mi_quat, mi_pose, mi_mat3, mi_sv   (mi_vec3_add, ...)
 *   float:  mi_vec3f, mi_quatf, ...                      (mi_vec3f_add, ...)
 *
 * Quaternions are stored (w, x, y, z), as in MuJoCo and Eigen's constructor,
 * unit length for rotations. ROS messages order them (x, y, z, w): convert at
 * the message boundary with mi_quat_from_ros / mi_quat_to_ros, never by
 * reinterpreting memory. Rotations act actively: v' = q v q*.
 *
 * Spatial vectors follow Featherstone: motion m = (angular w; linear v),
 * force f = (torque n; force f), both expressed in a stated frame.
 * Transforms mi_pose hold (p, q): a point x in the child frame is
 * R(q) x + p in the parent frame.
 */
#ifndef MI_CORE_MATH_H
#define MI_CORE_MATH_H

#include <math.h>

#include "core/hd.h"

#define MI_PI 3.14159265358979323846

/* double precision */
#define MI_T double
#define MI_SUF
#define MI_SQRT sqrt
#define MI_SIN sin
#define MI_COS cos
#define MI_ATAN2 atan2
#define MI_FABS fabs
#include "core/math_tmpl.h"
#undef MI_T
#undef MI_SUF
#undef MI_SQRT
#undef MI_SIN
#undef MI_COS
#undef MI_ATAN2
#undef MI_FABS

/* single precision */
#define MI_T float
#define MI_SUF f
#define MI_SQRT sqrtf
#define MI_SIN sinf
#define MI_COS cosf
#define MI_ATAN2 atan2f
#define MI_FABS fabsf
#include "core/math_tmpl.h"
#undef MI_T
#undef MI_SUF
#undef MI_SQRT
#undef MI_SIN
#undef MI_COS
#undef MI_ATAN2
#undef MI_FABS

/* ROS (x, y, z, w) <-> mirai (w, x, y, z) */
MI_HDI mi_quat mi_quat_from_ros(double x, double y, double z, double w) {
  mi_quat q;
  q.w = w;
  q.x = x;
  q.y = y;
  q.z = z;
  return q;
}
MI_HDI void mi_quat_to_ros(mi_quat q, double xyzw[4]) {
  xyzw[0] = q.x;
  xyzw[1] = q.y;
  xyzw[2] = q.z;
  xyzw[3] = q.w;
}

/* precision conversions */
MI_HDI mi_vec3f mi_vec3_to_f(mi_vec3 a) {
  mi_vec3f r;
  r.x = (float)a.x;
  r.y = (float)a.y;
  r.z = (float)a.z;
  return r;
}
MI_HDI mi_quatf mi_quat_to_f(mi_quat a) {
  mi_quatf r;
  r.w = (float)a.w;
  r.x = (float)a.x;
  r.y = (float)a.y;
  r.z = (float)a.z;
  return r;
}

#endif /* MI_CORE_MATH_H */
