/* core/math_tmpl.h - body of core/math.h, included once per precision with
 * MI_T (scalar type) and MI_SUF (name suffix: empty or f) defined. Do not
 * include directly. */

#ifndef MI_MATH_CAT_
#define MI_MATH_CAT2__(a, s) a##s
#define MI_MATH_CAT2_(a, s) MI_MATH_CAT2__(a, s)
#define MI_MATH_CAT3__(a, s, o) a##s##_##o
#define MI_MATH_CAT3_(a, s, o) MI_MATH_CAT3__(a, s, o)
#define MI_MATH_CAT_
#endif

#define MI_V3 MI_MATH_CAT2_(mi_vec3, MI_SUF)
#define MI_Q MI_MATH_CAT2_(mi_quat, MI_SUF)
#define MI_M3 MI_MATH_CAT2_(mi_mat3, MI_SUF)
#define MI_P MI_MATH_CAT2_(mi_pose, MI_SUF)
#define MI_SV MI_MATH_CAT2_(mi_sv, MI_SUF)
#define MI_FN(base, op) MI_MATH_CAT3_(base, MI_SUF, op)

typedef struct MI_V3 {
  MI_T x, y, z;
} MI_V3;

typedef struct MI_Q {
  MI_T w, x, y, z;
} MI_Q;

/* row-major 3x3: m[3*r + c] */
typedef struct MI_M3 {
  MI_T m[9];
} MI_M3;

typedef struct MI_P {
  MI_V3 p;
  MI_Q q;
} MI_P;

/* spatial vector: ang (w or torque), lin (v or force) */
typedef struct MI_SV {
  MI_V3 ang, lin;
} MI_SV;

/* ---- vec3 ---- */
MI_HDI MI_V3 MI_FN(mi_vec3, make)(MI_T x, MI_T y, MI_T z) {
  MI_V3 r;
  r.x = x;
  r.y = y;
  r.z = z;
  return r;
}
MI_HDI MI_V3 MI_FN(mi_vec3, add)(MI_V3 a, MI_V3 b) {
  return MI_FN(mi_vec3, make)(a.x + b.x, a.y + b.y, a.z + b.z);
}
MI_HDI MI_V3 MI_FN(mi_vec3, sub)(MI_V3 a, MI_V3 b) {
  return MI_FN(mi_vec3, make)(a.x - b.x, a.y - b.y, a.z - b.z);
}
MI_HDI MI_V3 MI_FN(mi_vec3, scale)(MI_V3 a, MI_T s) {
  return MI_FN(mi_vec3, make)(a.x * s, a.y * s, a.z * s);
}
MI_HDI MI_T MI_FN(mi_vec3, dot)(MI_V3 a, MI_V3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
MI_HDI MI_V3 MI_FN(mi_vec3, cross)(MI_V3 a, MI_V3 b) {
  return MI_FN(mi_vec3, make)(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z,
                              a.x * b.y - a.y * b.x);
}
MI_HDI MI_T MI_FN(mi_vec3, norm)(MI_V3 a) { return MI_SQRT(MI_FN(mi_vec3, dot)(a, a)); }
/* a / |a|; the zero vector stays zero */
MI_HDI MI_V3 MI_FN(mi_vec3, normalize)(MI_V3 a) {
  MI_T n = MI_FN(mi_vec3, norm)(a);
  return n > (MI_T)0 ? MI_FN(mi_vec3, scale)(a, (MI_T)1 / n) : a;
}

/* ---- mat3 ---- */
MI_HDI MI_M3 MI_FN(mi_mat3, identity)(void) {
  MI_M3 r;
  for (int i = 0; i < 9; i++) r.m[i] = (MI_T)0;
  r.m[0] = r.m[4] = r.m[8] = (MI_T)1;
  return r;
}
MI_HDI MI_V3 MI_FN(mi_mat3, mulv)(const MI_M3 *a, MI_V3 v) {
  return MI_FN(mi_vec3, make)(a->m[0] * v.x + a->m[1] * v.y + a->m[2] * v.z,
                              a->m[3] * v.x + a->m[4] * v.y + a->m[5] * v.z,
                              a->m[6] * v.x + a->m[7] * v.y + a->m[8] * v.z);
}
/* a^T v */
MI_HDI MI_V3 MI_FN(mi_mat3, tmulv)(const MI_M3 *a, MI_V3 v) {
  return MI_FN(mi_vec3, make)(a->m[0] * v.x + a->m[3] * v.y + a->m[6] * v.z,
                              a->m[1] * v.x + a->m[4] * v.y + a->m[7] * v.z,
                              a->m[2] * v.x + a->m[5] * v.y + a->m[8] * v.z);
}
MI_HDI MI_M3 MI_FN(mi_mat3, mul)(const MI_M3 *a, const MI_M3 *b) {
  MI_M3 r;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      r.m[3 * i + j] = a->m[3 * i] * b->m[j] + a->m[3 * i + 1] * b->m[3 + j] +
                       a->m[3 * i + 2] * b->m[6 + j];
  return r;
}
MI_HDI MI_M3 MI_FN(mi_mat3, transpose)(const MI_M3 *a) {
  MI_M3 r;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) r.m[3 * i + j] = a->m[3 * j + i];
  return r;
}

/* ---- quaternion (w, x, y, z) ---- */
MI_HDI MI_Q MI_FN(mi_quat, identity)(void) {
  MI_Q q;
  q.w = (MI_T)1;
  q.x = q.y = q.z = (MI_T)0;
  return q;
}
/* Hamilton product a*b: rotate by b, then by a */
MI_HDI MI_Q MI_FN(mi_quat, mul)(MI_Q a, MI_Q b) {
  MI_Q r;
  r.w = a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z;
  r.x = a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y;
  r.y = a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x;
  r.z = a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w;
  return r;
}
MI_HDI MI_Q MI_FN(mi_quat, conj)(MI_Q a) {
  MI_Q r;
  r.w = a.w;
  r.x = -a.x;
  r.y = -a.y;
  r.z = -a.z;
  return r;
}
MI_HDI MI_Q MI_FN(mi_quat, normalize)(MI_Q a) {
  MI_T n = MI_SQRT(a.w * a.w + a.x * a.x + a.y * a.y + a.z * a.z);
  if (!(n > (MI_T)0)) return MI_FN(mi_quat, identity)();
  MI_T s = (MI_T)1 / n;
  a.w *= s;
  a.x *= s;
  a.y *= s;
  a.z *= s;
  return a;
}
/* rotation about a unit axis by angle (rad) */
MI_HDI MI_Q MI_FN(mi_quat, from_axis_angle)(MI_V3 axis, MI_T angle) {
  MI_T s = MI_SIN(angle * (MI_T)0.5);
  MI_Q q;
  q.w = MI_COS(angle * (MI_T)0.5);
  q.x = axis.x * s;
  q.y = axis.y * s;
  q.z = axis.z * s;
  return q;
}
/* URDF rpy: fixed-axis X (roll), then Y (pitch), then Z (yaw): R = Rz Ry Rx */
MI_HDI MI_Q MI_FN(mi_quat, from_rpy)(MI_T r, MI_T p, MI_T y) {
  MI_T cr = MI_COS(r * (MI_T)0.5), sr = MI_SIN(r * (MI_T)0.5);
  MI_T cp = MI_COS(p * (MI_T)0.5), sp = MI_SIN(p * (MI_T)0.5);
  MI_T cy = MI_COS(y * (MI_T)0.5), sy = MI_SIN(y * (MI_T)0.5);
  MI_Q q;
  q.w = cr * cp * cy + sr * sp * sy;
  q.x = sr * cp * cy - cr * sp * sy;
  q.y = cr * sp * cy + sr * cp * sy;
  q.z = cr * cp * sy - sr * sp * cy;
  return q;
}
/* rotate v by unit q */
MI_HDI MI_V3 MI_FN(mi_quat, rotate)(MI_Q q, MI_V3 v) {
  MI_V3 u = MI_FN(mi_vec3, make)(q.x, q.y, q.z);
  MI_V3 t = MI_FN(mi_vec3, scale)(MI_FN(mi_vec3, cross)(u, v), (MI_T)2);
  return MI_FN(mi_vec3, add)(MI_FN(mi_vec3, add)(v, MI_FN(mi_vec3, scale)(t, q.w)),
                             MI_FN(mi_vec3, cross)(u, t));
}
MI_HDI MI_M3 MI_FN(mi_quat, to_mat3)(MI_Q q) {
  MI_M3 r;
  MI_T ww = q.w * q.w, xx = q.x * q.x, yy = q.y * q.y, zz = q.z * q.z;
  MI_T xy = q.x * q.y, xz = q.x * q.z, yz = q.y * q.z;
  MI_T wx = q.w * q.x, wy = q.w * q.y, wz = q.w * q.z;
  r.m[0] = ww + xx - yy - zz;
  r.m[1] = (MI_T)2 * (xy - wz);
  r.m[2] = (MI_T)2 * (xz + wy);
  r.m[3] = (MI_T)2 * (xy + wz);
  r.m[4] = ww - xx + yy - zz;
  r.m[5] = (MI_T)2 * (yz - wx);
  r.m[6] = (MI_T)2 * (xz - wy);
  r.m[7] = (MI_T)2 * (yz + wx);
  r.m[8] = ww - xx - yy + zz;
  return r;
}
/* angle (rad, in [0, pi]) of the rotation taking a to b */
MI_HDI MI_T MI_FN(mi_quat, angle_between)(MI_Q a, MI_Q b) {
  /* 2*atan2(|v|, |w|) of the relative rotation is accurate at small angles */
  MI_Q r = MI_FN(mi_quat, mul)(MI_FN(mi_quat, conj)(a), b);
  MI_T vn = MI_SQRT(r.x * r.x + r.y * r.y + r.z * r.z);
  return (MI_T)2 * MI_ATAN2(vn, MI_FABS(r.w));
}

/* ---- pose (p, q) ---- */
MI_HDI MI_P MI_FN(mi_pose, identity)(void) {
  MI_P r;
  r.p = MI_FN(mi_vec3, make)((MI_T)0, (MI_T)0, (MI_T)0);
  r.q = MI_FN(mi_quat, identity)();
  return r;
}
/* a * b: b expressed in a's frame, composed */
MI_HDI MI_P MI_FN(mi_pose, mul)(MI_P a, MI_P b) {
  MI_P r;
  r.p = MI_FN(mi_vec3, add)(a.p, MI_FN(mi_quat, rotate)(a.q, b.p));
  r.q = MI_FN(mi_quat, mul)(a.q, b.q);
  return r;
}
MI_HDI MI_P MI_FN(mi_pose, inverse)(MI_P a) {
  MI_P r;
  r.q = MI_FN(mi_quat, conj)(a.q);
  r.p = MI_FN(mi_vec3, scale)(MI_FN(mi_quat, rotate)(r.q, a.p), (MI_T)-1);
  return r;
}
MI_HDI MI_V3 MI_FN(mi_pose, apply)(MI_P a, MI_V3 x) {
  return MI_FN(mi_vec3, add)(a.p, MI_FN(mi_quat, rotate)(a.q, x));
}

/* ---- spatial vectors ---- */
MI_HDI MI_SV MI_FN(mi_sv, make)(MI_V3 ang, MI_V3 lin) {
  MI_SV r;
  r.ang = ang;
  r.lin = lin;
  return r;
}
MI_HDI MI_SV MI_FN(mi_sv, add)(MI_SV a, MI_SV b) {
  return MI_FN(mi_sv, make)(MI_FN(mi_vec3, add)(a.ang, b.ang), MI_FN(mi_vec3, add)(a.lin, b.lin));
}
MI_HDI MI_SV MI_FN(mi_sv, scale)(MI_SV a, MI_T s) {
  return MI_FN(mi_sv, make)(MI_FN(mi_vec3, scale)(a.ang, s), MI_FN(mi_vec3, scale)(a.lin, s));
}
/* motion . force (power) */
MI_HDI MI_T MI_FN(mi_sv, dot)(MI_SV m, MI_SV f) {
  return MI_FN(mi_vec3, dot)(m.ang, f.ang) + MI_FN(mi_vec3, dot)(m.lin, f.lin);
}
/* motion cross motion: m x n */
MI_HDI MI_SV MI_FN(mi_sv, crossm)(MI_SV m, MI_SV n) {
  return MI_FN(mi_sv, make)(
      MI_FN(mi_vec3, cross)(m.ang, n.ang),
      MI_FN(mi_vec3, add)(MI_FN(mi_vec3, cross)(m.ang, n.lin), MI_FN(mi_vec3, cross)(m.lin, n.ang)));
}
/* motion cross force: m x* f */
MI_HDI MI_SV MI_FN(mi_sv, crossf)(MI_SV m, MI_SV f) {
  return MI_FN(mi_sv, make)(
      MI_FN(mi_vec3, add)(MI_FN(mi_vec3, cross)(m.ang, f.ang), MI_FN(mi_vec3, cross)(m.lin, f.lin)),
      MI_FN(mi_vec3, cross)(m.ang, f.lin));
}
/* Express a motion vector given in frame B in frame A, where X = (p, q) is the
 * pose of B in A: w_A = R w_B, v_A = R v_B + p x (R w_B). */
MI_HDI MI_SV MI_FN(mi_sv, transform_motion)(MI_P X, MI_SV m) {
  MI_V3 w = MI_FN(mi_quat, rotate)(X.q, m.ang);
  MI_V3 v = MI_FN(mi_vec3, add)(MI_FN(mi_quat, rotate)(X.q, m.lin), MI_FN(mi_vec3, cross)(X.p, w));
  return MI_FN(mi_sv, make)(w, v);
}
/* Express a force given in frame B in frame A: f_A = R f_B, n_A = R n_B + p x f_A. */
MI_HDI MI_SV MI_FN(mi_sv, transform_force)(MI_P X, MI_SV f) {
  MI_V3 fl = MI_FN(mi_quat, rotate)(X.q, f.lin);
  MI_V3 n = MI_FN(mi_vec3, add)(MI_FN(mi_quat, rotate)(X.q, f.ang), MI_FN(mi_vec3, cross)(X.p, fl));
  return MI_FN(mi_sv, make)(n, fl);
}

#undef MI_V3
#undef MI_Q
#undef MI_M3
#undef MI_P
#undef MI_SV
#undef MI_FN
