/* worldmodel/dynamics_tmpl.h - the body of the per-candidate step, written
 * once and instantiated per precision and lane type. Do not include directly:
 * worldmodel/dynamics.h instantiates it for float (the rollout step, also
 * compiled by nvcc) and double (the reference), worldmodel/dynamics_simd.c
 * for SIMD vectors of floats (one candidate per lane).
 *
 * The includer defines:
 *   MI_WM_S        scalar type of the model tables (float, double)
 *   MI_WM_T        lane type of the state: MI_WM_S itself, or a GCC vector of it
 *   MI_WM_DYN      the table struct (mi_wm_dynf, mi_wm_dynd)
 *   MI_WM_SUF      name suffix (f, d, v4, v8)
 *   MI_WM_FN       function qualifiers (MI_HDI for scalars)
 *   MI_WM_C(x)     the constant x as an MI_WM_T
 *   MI_WM_SINCOS(x, s, c)   *s = sin x, *c = cos x, lane-wise
 *   MI_WM_MIN(a, b), MI_WM_MAX(a, b)  lane-wise
 * and the template undefines them at its end, ready for the next instantiation.
 * No branch depends on a lane's value, so every lane runs the same code.
 */

#define MI_WM_CAT2_(a, b) a##_##b
#define MI_WM_CAT_(a, b) MI_WM_CAT2_(a, b)
#define MI_WM_N(name) MI_WM_CAT_(name, MI_WM_SUF)

#define V3 MI_WM_N(mi_wm_v3)
#define M3 MI_WM_N(mi_wm_m3)
#define SY MI_WM_N(mi_wm_sy)
#define T MI_WM_T
#define S MI_WM_S

typedef struct V3 {
  T x, y, z;
} V3;
/* row-major 3x3 */
typedef struct M3 {
  T m[9];
} M3;

MI_WM_FN V3 MI_WM_N(mi_wm_v3_make)(T x, T y, T z) {
  V3 r;
  r.x = x;
  r.y = y;
  r.z = z;
  return r;
}
MI_WM_FN V3 MI_WM_N(mi_wm_v3_add)(V3 a, V3 b) {
  return MI_WM_N(mi_wm_v3_make)(a.x + b.x, a.y + b.y, a.z + b.z);
}
MI_WM_FN V3 MI_WM_N(mi_wm_v3_sub)(V3 a, V3 b) {
  return MI_WM_N(mi_wm_v3_make)(a.x - b.x, a.y - b.y, a.z - b.z);
}
MI_WM_FN V3 MI_WM_N(mi_wm_v3_scale)(V3 a, T s) {
  return MI_WM_N(mi_wm_v3_make)(a.x * s, a.y * s, a.z * s);
}
MI_WM_FN V3 MI_WM_N(mi_wm_v3_cross)(V3 a, V3 b) {
  return MI_WM_N(mi_wm_v3_make)(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z,
                                a.x * b.y - a.y * b.x);
}
MI_WM_FN T MI_WM_N(mi_wm_v3_dot)(V3 a, V3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
/* r = M v */
MI_WM_FN V3 MI_WM_N(mi_wm_m3_mulv)(const M3 *a, V3 v) {
  return MI_WM_N(mi_wm_v3_make)(a->m[0] * v.x + a->m[1] * v.y + a->m[2] * v.z,
                                a->m[3] * v.x + a->m[4] * v.y + a->m[5] * v.z,
                                a->m[6] * v.x + a->m[7] * v.y + a->m[8] * v.z);
}
/* r = M^T v */
MI_WM_FN V3 MI_WM_N(mi_wm_m3_tmulv)(const M3 *a, V3 v) {
  return MI_WM_N(mi_wm_v3_make)(a->m[0] * v.x + a->m[3] * v.y + a->m[6] * v.z,
                                a->m[1] * v.x + a->m[4] * v.y + a->m[7] * v.z,
                                a->m[2] * v.x + a->m[5] * v.y + a->m[8] * v.z);
}
/* r = A B */
MI_WM_FN void MI_WM_N(mi_wm_m3_mul)(const M3 *a, const M3 *b, M3 *r) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      r->m[3 * i + j] = a->m[3 * i] * b->m[j] + a->m[3 * i + 1] * b->m[3 + j] +
                        a->m[3 * i + 2] * b->m[6 + j];
}
/* r = A B^T */
MI_WM_FN void MI_WM_N(mi_wm_m3_mul_bt)(const M3 *a, const M3 *b, M3 *r) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      r->m[3 * i + j] = a->m[3 * i] * b->m[3 * j] + a->m[3 * i + 1] * b->m[3 * j + 1] +
                        a->m[3 * i + 2] * b->m[3 * j + 2];
}
/* r = P A with P = skew(p) (P x = p cross x), column by column */
MI_WM_FN void MI_WM_N(mi_wm_m3_skewmul)(V3 p, const M3 *a, M3 *r) {
  for (int j = 0; j < 3; j++) {
    V3 c = MI_WM_N(mi_wm_v3_make)(a->m[j], a->m[3 + j], a->m[6 + j]);
    V3 o = MI_WM_N(mi_wm_v3_cross)(p, c);
    r->m[j] = o.x;
    r->m[3 + j] = o.y;
    r->m[6 + j] = o.z;
  }
}

/* Whether body i's origin is its parent's origin at every q (a revolute
 * joint with a zero offset, as in a spherical wrist): the origin shifts of
 * the recursions are then zero and skipped (exactly: they would add +-0). */
MI_WM_FN int MI_WM_N(mi_wm__at_parent)(const MI_WM_DYN *d, int i) {
  return !d->prismatic[i] && d->tree_pos[i][0] == 0 && d->tree_pos[i][1] == 0 &&
         d->tree_pos[i][2] == 0;
}

/* The pose of body i in its parent body (rotation R: body axes in parent
 * coordinates, row-major; p: body origin in parent coordinates) at joint
 * position q. Revolute: R = tree_rot Rz(q); prismatic: p = tree_pos + q z. */
MI_WM_FN void MI_WM_N(mi_wm_joint_pose)(const MI_WM_DYN *d, int i, T q, M3 *R, V3 *p) {
  const S *t = d->tree_rot[i];
  if (d->prismatic[i]) {
    for (int k = 0; k < 9; k++) R->m[k] = MI_WM_C(t[k]);
    *p = MI_WM_N(mi_wm_v3_make)(d->tree_pos[i][0] + q * t[2], d->tree_pos[i][1] + q * t[5],
                                d->tree_pos[i][2] + q * t[8]);
  } else {
    T s, c;
    MI_WM_SINCOS(q, &s, &c);
    for (int r = 0; r < 3; r++) {
      R->m[3 * r + 0] = t[3 * r] * c + t[3 * r + 1] * s;
      R->m[3 * r + 1] = t[3 * r + 1] * c - t[3 * r] * s;
      R->m[3 * r + 2] = MI_WM_C(t[3 * r + 2]);
    }
    *p = MI_WM_N(mi_wm_v3_make)(MI_WM_C(d->tree_pos[i][0]), MI_WM_C(d->tree_pos[i][1]),
                                MI_WM_C(d->tree_pos[i][2]));
  }
}

/* The pose of every body in its parent (mi_wm_joint_pose for i < ndof):
 * what mi_wm_fk composes and mi_wm_aba_local consumes, so that a caller
 * needing both at one q (the rollout's tracking law and step) computes the
 * sines and cosines once. */
MI_WM_FN void MI_WM_N(mi_wm_joint_poses)(const MI_WM_DYN *d, const T *q, M3 *Rl, V3 *pl) {
  for (int i = 0; i < d->ndof; i++) MI_WM_N(mi_wm_joint_pose)(d, i, q[i], &Rl[i], &pl[i]);
}

/* World poses from the bodies' poses in their parents (Rl, pl from
 * mi_wm_joint_poses): R[i] body axes in world, row-major; p[i] origin in
 * world. */
MI_WM_FN void MI_WM_N(mi_wm_fk_local)(const MI_WM_DYN *d, const M3 *Rl, const V3 *pl, M3 *R,
                                      V3 *p) {
  for (int i = 0; i < d->ndof; i++) {
    int par = d->parent[i];
    if (par < 0) {
      R[i] = Rl[i];
      p[i] = pl[i];
    } else {
      MI_WM_N(mi_wm_m3_mul)(&R[par], &Rl[i], &R[i]);
      p[i] = MI_WM_N(mi_wm_v3_add)(p[par], MI_WM_N(mi_wm_m3_mulv)(&R[par], pl[i]));
    }
  }
}

/* Gravity torques g (ndof values: what the joints must apply to hold the
 * model still at q, i.e. the bias of the dynamics at qd = 0) from the
 * bodies' poses in their parents (Rl, pl from mi_wm_joint_poses), without
 * world poses: gravity rotated into each body outward, then each subtree's
 * weight (force F, moment N about the body origin) summed inward in body
 * coordinates; revolute g = -N.z, prismatic g = -F.z. O(n), about 50
 * multiply-adds a body. */
MI_WM_FN void MI_WM_N(mi_wm_gravity_local)(const MI_WM_DYN *d, const M3 *Rl, const V3 *pl,
                                           T *g) {
  const int n = d->ndof;
  const T zero = MI_WM_C(0);
  V3 a[MI_WM_MAX_DOF], F[MI_WM_MAX_DOF], N[MI_WM_MAX_DOF];
  /* outward: gravity in body coordinates, each body's own weight */
  for (int i = 0; i < n; i++) {
    const int par = d->parent[i];
    V3 ap = par < 0 ? MI_WM_N(mi_wm_v3_make)(MI_WM_C(d->gravity[0]), MI_WM_C(d->gravity[1]),
                                             MI_WM_C(d->gravity[2]))
                    : a[par];
    a[i] = MI_WM_N(mi_wm_m3_tmulv)(&Rl[i], ap);
    const V3 hv = MI_WM_N(mi_wm_v3_make)(MI_WM_C(d->h[i][0]), MI_WM_C(d->h[i][1]), MI_WM_C(d->h[i][2]));
    F[i] = MI_WM_N(mi_wm_v3_scale)(a[i], MI_WM_C(d->mass[i]));
    N[i] = MI_WM_N(mi_wm_v3_cross)(hv, a[i]);
  }
  /* inward: subtrees into their parents (children come after parents) */
  for (int i = n - 1; i >= 0; i--) {
    g[i] = d->prismatic[i] ? zero - F[i].z : zero - N[i].z;
    const int par = d->parent[i];
    if (par < 0) continue;
    const V3 f = MI_WM_N(mi_wm_m3_mulv)(&Rl[i], F[i]);
    V3 nr = MI_WM_N(mi_wm_m3_mulv)(&Rl[i], N[i]);
    if (!MI_WM_N(mi_wm__at_parent)(d, i))
      nr = MI_WM_N(mi_wm_v3_add)(nr, MI_WM_N(mi_wm_v3_cross)(pl[i], f));
    N[par] = MI_WM_N(mi_wm_v3_add)(N[par], nr);
    F[par] = MI_WM_N(mi_wm_v3_add)(F[par], f);
  }
}

/* Forward kinematics: world pose of every body (R[i] body axes in world,
 * row-major; p[i] origin in world). */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
MI_WM_FN void MI_WM_N(mi_wm_fk)(const MI_WM_DYN *d, const T *q, M3 *R, V3 *p) {
  M3 Rl[MI_WM_MAX_DOF];
  V3 pl[MI_WM_MAX_DOF];
  MI_WM_N(mi_wm_joint_poses)(d, q, Rl, pl);
  MI_WM_N(mi_wm_fk_local)(d, Rl, pl, R, p);
}
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#pragma GCC diagnostic pop
#endif

/* World positions of the collision spheres, structure of arrays: xyz[3*s],
 * xyz[3*s+1], xyz[3*s+2] for sphere s. R, p from mi_wm_fk. */
MI_WM_FN void MI_WM_N(mi_wm_spheres)(const MI_WM_DYN *d, const M3 *R, const V3 *p, T *xyz) {
  for (int s = 0; s < d->nsphere; s++) {
    int b = d->sphere_body[s];
    V3 c = MI_WM_N(mi_wm_v3_make)(MI_WM_C(d->sphere_c[s][0]), MI_WM_C(d->sphere_c[s][1]),
                                  MI_WM_C(d->sphere_c[s][2]));
    if (b >= 0) c = MI_WM_N(mi_wm_v3_add)(p[b], MI_WM_N(mi_wm_m3_mulv)(&R[b], c));
    xyz[3 * s] = c.x;
    xyz[3 * s + 1] = c.y;
    xyz[3 * s + 2] = c.z;
  }
}

/* World pose of the tool frame: rot (row-major 3x3) and pos. */
MI_WM_FN void MI_WM_N(mi_wm_ee)(const MI_WM_DYN *d, const M3 *R, const V3 *p, M3 *rot, V3 *pos) {
  M3 E;
  for (int k = 0; k < 9; k++) E.m[k] = MI_WM_C(d->ee_rot[k]);
  V3 e = MI_WM_N(mi_wm_v3_make)(MI_WM_C(d->ee_pos[0]), MI_WM_C(d->ee_pos[1]),
                                MI_WM_C(d->ee_pos[2]));
  int b = d->ee_body;
  if (b < 0) {
    *rot = E;
    *pos = e;
  } else {
    MI_WM_N(mi_wm_m3_mul)(&R[b], &E, rot);
    *pos = MI_WM_N(mi_wm_v3_add)(p[b], MI_WM_N(mi_wm_m3_mulv)(&R[b], e));
  }
}

/* A symmetric 3x3 matrix by its six distinct entries. */
typedef struct SY {
  T xx, yy, zz, xy, xz, yz;
} SY;

/* r = S v, S symmetric */
MI_WM_FN V3 MI_WM_N(mi_wm_sy_mulv)(const SY *a, V3 v) {
  return MI_WM_N(mi_wm_v3_make)(a->xx * v.x + a->xy * v.y + a->xz * v.z,
                                a->xy * v.x + a->yy * v.y + a->yz * v.z,
                                a->xz * v.x + a->yz * v.y + a->zz * v.z);
}
/* a += b, a symmetric 3x3 */
MI_WM_FN void MI_WM_N(mi_wm__sy_addto)(SY *a, const SY *b) {
  a->xx = a->xx + b->xx;
  a->yy = a->yy + b->yy;
  a->zz = a->zz + b->zz;
  a->xy = a->xy + b->xy;
  a->xz = a->xz + b->xz;
  a->yz = a->yz + b->yz;
}

/* r = R S R^T, S symmetric: M = R S (27 multiply-adds), then only the six
 * distinct entries of M R^T (18) */
MI_WM_FN void MI_WM_N(mi_wm_sy_rot)(const M3 *R, const SY *a, SY *r) {
  const T *q = R->m;
  T m[9];
  for (int i = 0; i < 3; i++) {
    m[3 * i + 0] = q[3 * i] * a->xx + q[3 * i + 1] * a->xy + q[3 * i + 2] * a->xz;
    m[3 * i + 1] = q[3 * i] * a->xy + q[3 * i + 1] * a->yy + q[3 * i + 2] * a->yz;
    m[3 * i + 2] = q[3 * i] * a->xz + q[3 * i + 1] * a->yz + q[3 * i + 2] * a->zz;
  }
  r->xx = m[0] * q[0] + m[1] * q[1] + m[2] * q[2];
  r->yy = m[3] * q[3] + m[4] * q[4] + m[5] * q[5];
  r->zz = m[6] * q[6] + m[7] * q[7] + m[8] * q[8];
  r->xy = m[0] * q[3] + m[1] * q[4] + m[2] * q[5];
  r->xz = m[0] * q[6] + m[1] * q[7] + m[2] * q[8];
  r->yz = m[3] * q[6] + m[4] * q[7] + m[5] * q[8];
}

/* Articulated-body forward dynamics (Featherstone, RBDA table 7.1) in body
 * coordinates. tau is the total generalized force on each joint (applied
 * plus passive); h_implicit > 0 adds h * damping to each joint's
 * articulated inertia (implicit damping, as MuJoCo's Euler integrator
 * does); 0 gives the plain forward dynamics qdd = M^-1 (tau - c(q, qd)).
 *
 * A spatial inertia is kept as [[A, B], [B^T, D]] (force (n, f) from motion
 * (w, v)) with A and D symmetric: 21 numbers, not 36. The joint axis is the
 * body's +z, so the velocity-product terms c have no z part and the joint's
 * column of the inertia is a plain column (no multiply). R, p: the joint
 * transforms at the state's positions (mi_wm_joint_poses). */
MI_WM_FN void MI_WM_N(mi_wm_aba_local)(const MI_WM_DYN *d, const M3 *R, const V3 *p,
                                       const T *qd, const T *tau, S h_implicit, T *qdd) {
  V3 vw[MI_WM_MAX_DOF], vl[MI_WM_MAX_DOF]; /* body velocity (angular, linear) */
  T cwx[MI_WM_MAX_DOF], cwy[MI_WM_MAX_DOF]; /* velocity-product acceleration c = v x S qd: */
  T clx[MI_WM_MAX_DOF], cly[MI_WM_MAX_DOF]; /* its z parts are zero */
  SY IA[MI_WM_MAX_DOF], ID[MI_WM_MAX_DOF];  /* articulated inertia [[A, B], [B^T, D]] */
  M3 IB[MI_WM_MAX_DOF];
  V3 pn[MI_WM_MAX_DOF], pf[MI_WM_MAX_DOF]; /* bias force (torque, force) */
  V3 Uw[MI_WM_MAX_DOF], Ul[MI_WM_MAX_DOF];
  T Dinv[MI_WM_MAX_DOF], u[MI_WM_MAX_DOF];
  const int n = d->ndof;
  const T zero = MI_WM_C(0);

  /* pass 1, outward: velocities, rigid-body inertias, bias forces */
  for (int i = 0; i < n; i++) {
    V3 w, v;
    int par = d->parent[i];
    if (par < 0) {
      w = MI_WM_N(mi_wm_v3_make)(zero, zero, zero);
      v = w;
    } else {
      w = MI_WM_N(mi_wm_m3_tmulv)(&R[i], vw[par]);
      if (MI_WM_N(mi_wm__at_parent)(d, i))
        v = MI_WM_N(mi_wm_m3_tmulv)(&R[i], vl[par]);
      else
        v = MI_WM_N(mi_wm_m3_tmulv)(
            &R[i], MI_WM_N(mi_wm_v3_add)(vl[par], MI_WM_N(mi_wm_v3_cross)(vw[par], p[i])));
    }
    /* S qd and c = v x (S qd) */
    if (d->prismatic[i]) {
      cwx[i] = zero;
      cwy[i] = zero;
      clx[i] = w.y * qd[i];
      cly[i] = zero - w.x * qd[i];
      v.z = v.z + qd[i];
    } else {
      cwx[i] = w.y * qd[i];
      cwy[i] = zero - w.x * qd[i];
      clx[i] = v.y * qd[i];
      cly[i] = zero - v.x * qd[i];
      w.z = w.z + qd[i];
    }
    vw[i] = w;
    vl[i] = v;

    /* rigid-body spatial inertia about the body origin: A = Io, B = h x, D = m 1 */
    const S *Io = d->inertia[i]; /* not "I": <complex.h> defines it */
    const S m = d->mass[i];
    const S hx = d->h[i][0], hy = d->h[i][1], hz = d->h[i][2];
    SY *A = &IA[i], *D = &ID[i];
    M3 *B = &IB[i];
    A->xx = MI_WM_C(Io[0]);
    A->yy = MI_WM_C(Io[1]);
    A->zz = MI_WM_C(Io[2]);
    A->xy = MI_WM_C(Io[3]);
    A->xz = MI_WM_C(Io[4]);
    A->yz = MI_WM_C(Io[5]);
    B->m[0] = zero; B->m[1] = MI_WM_C(-hz); B->m[2] = MI_WM_C(hy);
    B->m[3] = MI_WM_C(hz); B->m[4] = zero; B->m[5] = MI_WM_C(-hx);
    B->m[6] = MI_WM_C(-hy); B->m[7] = MI_WM_C(hx); B->m[8] = zero;
    D->xx = D->yy = D->zz = MI_WM_C(m);
    D->xy = D->xz = D->yz = zero;

    /* p = v x* (I v): I v = (Io w + h x v, m v + w x h) */
    V3 hv = MI_WM_N(mi_wm_v3_make)(MI_WM_C(hx), MI_WM_C(hy), MI_WM_C(hz));
    V3 Iw = MI_WM_N(mi_wm_v3_add)(MI_WM_N(mi_wm_sy_mulv)(A, w), MI_WM_N(mi_wm_v3_cross)(hv, v));
    V3 If = MI_WM_N(mi_wm_v3_add)(MI_WM_N(mi_wm_v3_scale)(v, MI_WM_C(m)),
                                  MI_WM_N(mi_wm_v3_cross)(w, hv));
    pn[i] = MI_WM_N(mi_wm_v3_add)(MI_WM_N(mi_wm_v3_cross)(w, Iw), MI_WM_N(mi_wm_v3_cross)(v, If));
    pf[i] = MI_WM_N(mi_wm_v3_cross)(w, If);
  }

  /* pass 2, inward: articulated inertias and bias forces */
  for (int i = n - 1; i >= 0; i--) {
    SY *A = &IA[i], *D = &ID[i];
    M3 *B = &IB[i];
    V3 uw, ul;
    T Dj, pj;
    if (d->prismatic[i]) {
      /* U = IA e6 = (B col z; D col z) */
      uw = MI_WM_N(mi_wm_v3_make)(B->m[2], B->m[5], B->m[8]);
      ul = MI_WM_N(mi_wm_v3_make)(D->xz, D->yz, D->zz);
      Dj = ul.z;
      pj = pf[i].z;
    } else {
      /* U = IA e3 = (A col z; B row z) */
      uw = MI_WM_N(mi_wm_v3_make)(A->xz, A->yz, A->zz);
      ul = MI_WM_N(mi_wm_v3_make)(B->m[6], B->m[7], B->m[8]);
      Dj = uw.z;
      pj = pn[i].z;
    }
    Dj = Dj + h_implicit * d->damping[i];
    T di = MI_WM_C(1) / Dj;
    Uw[i] = uw;
    Ul[i] = ul;
    Dinv[i] = di;
    u[i] = tau[i] - pj;
    int par = d->parent[i];
    if (par < 0) continue;

    /* Ia = IA - U U^T / D (symmetric blocks: six entries each) */
    V3 uws = MI_WM_N(mi_wm_v3_scale)(uw, di), uls = MI_WM_N(mi_wm_v3_scale)(ul, di);
    A->xx = A->xx - uws.x * uw.x;
    A->yy = A->yy - uws.y * uw.y;
    A->zz = A->zz - uws.z * uw.z;
    A->xy = A->xy - uws.x * uw.y;
    A->xz = A->xz - uws.x * uw.z;
    A->yz = A->yz - uws.y * uw.z;
    D->xx = D->xx - uls.x * ul.x;
    D->yy = D->yy - uls.y * ul.y;
    D->zz = D->zz - uls.z * ul.z;
    D->xy = D->xy - uls.x * ul.y;
    D->xz = D->xz - uls.x * ul.z;
    D->yz = D->yz - uls.y * ul.z;
    {
      T uwsa[3] = {uws.x, uws.y, uws.z}, ula[3] = {ul.x, ul.y, ul.z};
      for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) B->m[3 * r + c] = B->m[3 * r + c] - uwsa[r] * ula[c];
    }
    /* pa = pA + Ia c + U u / D, with c = (cwx, cwy, 0; clx, cly, 0) */
    T ud = u[i] * di;
    const T cx = cwx[i], cy = cwy[i], lx = clx[i], ly = cly[i];
    V3 an = MI_WM_N(mi_wm_v3_make)(
        pn[i].x + uw.x * ud + A->xx * cx + A->xy * cy + B->m[0] * lx + B->m[1] * ly,
        pn[i].y + uw.y * ud + A->xy * cx + A->yy * cy + B->m[3] * lx + B->m[4] * ly,
        pn[i].z + uw.z * ud + A->xz * cx + A->yz * cy + B->m[6] * lx + B->m[7] * ly);
    V3 af = MI_WM_N(mi_wm_v3_make)(
        pf[i].x + ul.x * ud + B->m[0] * cx + B->m[3] * cy + D->xx * lx + D->xy * ly,
        pf[i].y + ul.y * ud + B->m[1] * cx + B->m[4] * cy + D->xy * lx + D->yy * ly,
        pf[i].z + ul.z * ud + B->m[2] * cx + B->m[5] * cy + D->xz * lx + D->yz * ly);

    /* to the parent: rotate (A' = R A R^T, ...), then shift the origin by
     * p (P = p x): A_p = A' + X + X^T - P D' P with X = P B'^T,
     * B_p = B' + P D', D_p = D' */
    SY Ar, Dr;
    M3 t, Br;
    MI_WM_N(mi_wm_sy_rot)(&R[i], A, &Ar);
    MI_WM_N(mi_wm_sy_rot)(&R[i], D, &Dr);
    MI_WM_N(mi_wm_m3_mul)(&R[i], B, &t);
    MI_WM_N(mi_wm_m3_mul_bt)(&t, &R[i], &Br);
    SY *Ap = &IA[par], *Dp = &ID[par];
    M3 *Bp = &IB[par];
    if (MI_WM_N(mi_wm__at_parent)(d, i)) {
      /* no origin shift: the rotated blocks and forces add as they are */
      MI_WM_N(mi_wm__sy_addto)(Ap, &Ar);
      for (int k = 0; k < 9; k++) Bp->m[k] = Bp->m[k] + Br.m[k];
      MI_WM_N(mi_wm__sy_addto)(Dp, &Dr);
      pn[par] = MI_WM_N(mi_wm_v3_add)(pn[par], MI_WM_N(mi_wm_m3_mulv)(&R[i], an));
      pf[par] = MI_WM_N(mi_wm_v3_add)(pf[par], MI_WM_N(mi_wm_m3_mulv)(&R[i], af));
      continue;
    }
    const V3 pp = p[i];
    /* P D': column j is p x (column j of D') */
    V3 pd0 = MI_WM_N(mi_wm_v3_cross)(pp, MI_WM_N(mi_wm_v3_make)(Dr.xx, Dr.xy, Dr.xz));
    V3 pd1 = MI_WM_N(mi_wm_v3_cross)(pp, MI_WM_N(mi_wm_v3_make)(Dr.xy, Dr.yy, Dr.yz));
    V3 pd2 = MI_WM_N(mi_wm_v3_cross)(pp, MI_WM_N(mi_wm_v3_make)(Dr.xz, Dr.yz, Dr.zz));
    /* X = P B'^T: column c is p x (row c of B') */
    V3 x0 = MI_WM_N(mi_wm_v3_cross)(pp, MI_WM_N(mi_wm_v3_make)(Br.m[0], Br.m[1], Br.m[2]));
    V3 x1 = MI_WM_N(mi_wm_v3_cross)(pp, MI_WM_N(mi_wm_v3_make)(Br.m[3], Br.m[4], Br.m[5]));
    V3 x2 = MI_WM_N(mi_wm_v3_cross)(pp, MI_WM_N(mi_wm_v3_make)(Br.m[6], Br.m[7], Br.m[8]));
    /* (P D') P: row r is (row r of P D') x p */
    V3 r0 = MI_WM_N(mi_wm_v3_cross)(MI_WM_N(mi_wm_v3_make)(pd0.x, pd1.x, pd2.x), pp);
    V3 r1 = MI_WM_N(mi_wm_v3_cross)(MI_WM_N(mi_wm_v3_make)(pd0.y, pd1.y, pd2.y), pp);
    V3 r2z = MI_WM_N(mi_wm_v3_cross)(MI_WM_N(mi_wm_v3_make)(pd0.z, pd1.z, pd2.z), pp);
    Ap->xx = Ap->xx + Ar.xx + (x0.x + x0.x) - r0.x;
    Ap->yy = Ap->yy + Ar.yy + (x1.y + x1.y) - r1.y;
    Ap->zz = Ap->zz + Ar.zz + (x2.z + x2.z) - r2z.z;
    Ap->xy = Ap->xy + Ar.xy + (x1.x + x0.y) - r0.y;
    Ap->xz = Ap->xz + Ar.xz + (x2.x + x0.z) - r0.z;
    Ap->yz = Ap->yz + Ar.yz + (x2.y + x1.z) - r1.z;
    Bp->m[0] = Bp->m[0] + Br.m[0] + pd0.x;
    Bp->m[1] = Bp->m[1] + Br.m[1] + pd1.x;
    Bp->m[2] = Bp->m[2] + Br.m[2] + pd2.x;
    Bp->m[3] = Bp->m[3] + Br.m[3] + pd0.y;
    Bp->m[4] = Bp->m[4] + Br.m[4] + pd1.y;
    Bp->m[5] = Bp->m[5] + Br.m[5] + pd2.y;
    Bp->m[6] = Bp->m[6] + Br.m[6] + pd0.z;
    Bp->m[7] = Bp->m[7] + Br.m[7] + pd1.z;
    Bp->m[8] = Bp->m[8] + Br.m[8] + pd2.z;
    MI_WM_N(mi_wm__sy_addto)(Dp, &Dr);
    V3 fp = MI_WM_N(mi_wm_m3_mulv)(&R[i], af);
    V3 np = MI_WM_N(mi_wm_v3_add)(MI_WM_N(mi_wm_m3_mulv)(&R[i], an), MI_WM_N(mi_wm_v3_cross)(pp, fp));
    pn[par] = MI_WM_N(mi_wm_v3_add)(pn[par], np);
    pf[par] = MI_WM_N(mi_wm_v3_add)(pf[par], fp);
  }

  /* pass 3, outward: accelerations; the base accelerates at -gravity */
  V3 aw[MI_WM_MAX_DOF], al[MI_WM_MAX_DOF];
  for (int i = 0; i < n; i++) {
    int par = d->parent[i];
    V3 pw, pl;
    if (par < 0) {
      pw = MI_WM_N(mi_wm_v3_make)(zero, zero, zero);
      pl = MI_WM_N(mi_wm_v3_make)(MI_WM_C(-d->gravity[0]), MI_WM_C(-d->gravity[1]),
                                  MI_WM_C(-d->gravity[2]));
    } else {
      pw = aw[par];
      pl = al[par];
    }
    V3 w = MI_WM_N(mi_wm_m3_tmulv)(&R[i], pw);
    V3 l = MI_WM_N(mi_wm__at_parent)(d, i)
               ? MI_WM_N(mi_wm_m3_tmulv)(&R[i], pl)
               : MI_WM_N(mi_wm_m3_tmulv)(
                     &R[i], MI_WM_N(mi_wm_v3_add)(pl, MI_WM_N(mi_wm_v3_cross)(pw, p[i])));
    w.x = w.x + cwx[i];
    w.y = w.y + cwy[i];
    l.x = l.x + clx[i];
    l.y = l.y + cly[i];
    T a = (u[i] - MI_WM_N(mi_wm_v3_dot)(Uw[i], w) - MI_WM_N(mi_wm_v3_dot)(Ul[i], l)) * Dinv[i];
    qdd[i] = a;
    if (d->prismatic[i])
      l.z = l.z + a;
    else
      w.z = w.z + a;
    aw[i] = w;
    al[i] = l;
  }
}
/* Articulated-body forward dynamics at joint positions q (see
 * mi_wm_aba_local, which takes the joint transforms of mi_wm_joint_poses).
 * GCC cannot see that the transforms of bodies ndof..MAX are never read. */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
MI_WM_FN void MI_WM_N(mi_wm_aba)(const MI_WM_DYN *d, const T *q, const T *qd, const T *tau,
                                 S h_implicit, T *qdd) {
  M3 R[MI_WM_MAX_DOF];
  V3 p[MI_WM_MAX_DOF];
  MI_WM_N(mi_wm_joint_poses)(d, q, R, p);
  MI_WM_N(mi_wm_aba_local)(d, R, p, qd, tau, h_implicit, qdd);
}
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#pragma GCC diagnostic pop
#endif

/* Generalized force on each joint: the command clamped to the torque limit,
 * minus damping and smooth Coulomb friction
 *   tau_f = -friction * clamp(qd / friction_vel, -1, 1). */
MI_WM_FN void MI_WM_N(mi_wm_joint_force)(const MI_WM_DYN *d, const T *qd, const T *tau_cmd,
                                         T *tau) {
  for (int i = 0; i < d->ndof; i++) {
    T t = MI_WM_MIN(MI_WM_MAX(tau_cmd[i], MI_WM_C(-d->effort[i])), MI_WM_C(d->effort[i]));
    T s = MI_WM_MIN(MI_WM_MAX(qd[i] * (MI_WM_C(1) / d->friction_vel), MI_WM_C(-1)), MI_WM_C(1));
    tau[i] = t - d->damping[i] * qd[i] - d->friction[i] * s;
  }
}

/* One step of length dt in nsub substeps of semi-implicit Euler with
 * implicit damping (as MuJoCo's mjINT_EULER): per substep h = dt / nsub,
 *   qdd = ABA(q, qd, joint_force(qd, tau_cmd)) with D += h damping,
 *   qd += h qdd, q += h qd.
 * q and qd are updated in place; tau_cmd is held over the step. When qdd
 * is not NULL it receives the last substep's accelerations. */
MI_WM_FN void MI_WM_N(mi_wm_step)(const MI_WM_DYN *d, T *q, T *qd, const T *tau_cmd, S dt,
                                  int nsub, T *qdd_out) {
  T tau[MI_WM_MAX_DOF], qdd[MI_WM_MAX_DOF];
  for (int i = 0; i < MI_WM_MAX_DOF; i++) tau[i] = qdd[i] = MI_WM_C(0); /* for the compiler */
  const S h = dt / (S)(nsub > 0 ? nsub : 1);
  for (int s = 0; s < (nsub > 0 ? nsub : 1); s++) {
    MI_WM_N(mi_wm_joint_force)(d, qd, tau_cmd, tau);
    MI_WM_N(mi_wm_aba)(d, q, qd, tau, h, qdd);
    for (int i = 0; i < d->ndof; i++) {
      qd[i] = qd[i] + h * qdd[i];
      q[i] = q[i] + h * qd[i];
    }
  }
  if (qdd_out)
    for (int i = 0; i < d->ndof; i++) qdd_out[i] = qdd[i];
}

#undef V3
#undef M3
#undef SY
#undef T
#undef S
#undef MI_WM_N
#undef MI_WM_CAT_
#undef MI_WM_CAT2_

/* the parameters of this instantiation: the next one defines its own */
#undef MI_WM_S
#undef MI_WM_T
#undef MI_WM_DYN
#undef MI_WM_SUF
#undef MI_WM_FN
#undef MI_WM_C
#undef MI_WM_SINCOS
#undef MI_WM_MIN
#undef MI_WM_MAX
