/* worldmodel/cost_tmpl.h - the body of the cost terms, written once and
 * instantiated per lane type. Do not include directly: worldmodel/cost.h
 * instantiates it for float (names without a suffix, MI_HDI: the CUDA
 * backend and the scalar path), worldmodel/rollout_lanes.h for GCC vectors
 * of floats (one candidate per lane, suffix _v4 / _v8).
 *
 * The includer defines MI_COST_T (lane type), MI_COST_SUF (name suffix, may
 * be empty), MI_COST_FN (qualifiers), MI_COST_C(x) (a constant as a lane
 * value), MI_COST_MAX/MIN/SQRT/ABS (lane-wise). Model data (obstacles,
 * radii, limits, goal) are plain floats shared by every lane; no branch
 * depends on a lane's value. See cost.h for what each term means.
 */
#define MI_COST_CAT2_(a, b) a##b
#define MI_COST_CAT_(a, b) MI_COST_CAT2_(a, b)
#define MI_COST_N(name) MI_COST_CAT_(name, MI_COST_SUF)
#define T MI_COST_T

/* distance between the surfaces of spheres (c, r) and (o, ro), o shared */
MI_COST_FN T MI_COST_N(mi_cost_sd_sphere_point)(const T c[3], float r, const float o[3],
                                                float ro) {
  T dx = c[0] - o[0], dy = c[1] - o[1], dz = c[2] - o[2];
  return MI_COST_SQRT(dx * dx + dy * dy + dz * dz) - (r + ro);
}

/* distance between the surfaces of two spheres of the robot */
MI_COST_FN T MI_COST_N(mi_cost_sd_sphere_sphere)(const T a[3], float ra, const T b[3],
                                                 float rb) {
  T dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
  return MI_COST_SQRT(dx * dx + dy * dy + dz * dz) - (ra + rb);
}

/* c expressed in the obstacle's frame */
MI_COST_FN void MI_COST_N(mi_cost__to_local)(const mi_cost_obstacle *ob, const T c[3], T l[3]) {
  T dx = c[0] - ob->p[0], dy = c[1] - ob->p[1], dz = c[2] - ob->p[2];
  const float *R = ob->R;
  l[0] = R[0] * dx + R[3] * dy + R[6] * dz;
  l[1] = R[1] * dx + R[4] * dy + R[7] * dz;
  l[2] = R[2] * dx + R[5] * dy + R[8] * dz;
}

/* exact signed distance of a point (local coordinates) to a box of half
 * extents h */
MI_COST_FN T MI_COST_N(mi_cost_sd_point_box)(const T l[3], const float h[3]) {
  T qx = MI_COST_ABS(l[0]) - h[0], qy = MI_COST_ABS(l[1]) - h[1], qz = MI_COST_ABS(l[2]) - h[2];
  T ox = MI_COST_MAX(qx, MI_COST_C(0)), oy = MI_COST_MAX(qy, MI_COST_C(0)),
    oz = MI_COST_MAX(qz, MI_COST_C(0));
  T outside = MI_COST_SQRT(ox * ox + oy * oy + oz * oz);
  T inside = MI_COST_MIN(MI_COST_MAX(qx, MI_COST_MAX(qy, qz)), MI_COST_C(0));
  return outside + inside;
}

/* exact signed distance of a point (local) to a z-axis cylinder */
MI_COST_FN T MI_COST_N(mi_cost_sd_point_cylinder)(const T l[3], float radius, float half_len) {
  T dr = MI_COST_SQRT(l[0] * l[0] + l[1] * l[1]) - radius;
  T dz = MI_COST_ABS(l[2]) - half_len;
  T odr = MI_COST_MAX(dr, MI_COST_C(0)), odz = MI_COST_MAX(dz, MI_COST_C(0));
  return MI_COST_MIN(MI_COST_MAX(dr, dz), MI_COST_C(0)) + MI_COST_SQRT(odr * odr + odz * odz);
}

/* signed distance from the surface of sphere (c, r) to obstacle ob [m];
 * negative when they overlap (for spheres, boxes and cylinders exactly:
 * minus the penetration depth) */
MI_COST_FN T MI_COST_N(mi_cost_sd_sphere_obstacle)(const T c[3], float r,
                                                   const mi_cost_obstacle *ob) {
  T l[3];
  switch (ob->shape) {
    case MI_COST_SPHERE:
      return MI_COST_N(mi_cost_sd_sphere_point)(c, r, ob->p, ob->size[0]);
    case MI_COST_BOX:
      MI_COST_N(mi_cost__to_local)(ob, c, l);
      return MI_COST_N(mi_cost_sd_point_box)(l, ob->size) - r;
    case MI_COST_CYLINDER:
      MI_COST_N(mi_cost__to_local)(ob, c, l);
      return MI_COST_N(mi_cost_sd_point_cylinder)(l, ob->size[0], ob->size[1]) - r;
    default: /* MI_COST_PLANE */
      MI_COST_N(mi_cost__to_local)(ob, c, l);
      return l[2] - r;
  }
}

/* max(0, margin - d)^2: zero when clear by at least margin */
MI_COST_FN T MI_COST_N(mi_cost_clearance)(T d, float margin) {
  T e = MI_COST_MAX(margin - d, MI_COST_C(0));
  return e * e;
}

/* squared excursion of x beyond [lo, hi] */
MI_COST_FN T MI_COST_N(mi_cost_limit)(T x, float lo, float hi) {
  T a = MI_COST_MAX(x - hi, MI_COST_C(0)), b = MI_COST_MAX(lo - x, MI_COST_C(0));
  return a * a + b * b;
}

/* |p - goal|^2 */
MI_COST_FN T MI_COST_N(mi_cost_ee_pos)(const T p[3], const float goal[3]) {
  T dx = p[0] - goal[0], dy = p[1] - goal[1], dz = p[2] - goal[2];
  return dx * dx + dy * dy + dz * dz;
}

/* orientation error from rotation matrices (row-major, body axes in the
 * world): sin^2(angle/2) = (1 - cos angle) / 2 = (3 - trace(G^T R)) / 4 */
MI_COST_FN T MI_COST_N(mi_cost_ee_rot_mat)(const T R[9], const float G[9]) {
  T tr = R[0] * G[0];
  for (int i = 1; i < 9; i++) tr = tr + R[i] * G[i];
  return MI_COST_MAX((MI_COST_C(3) - tr) * 0.25f, MI_COST_C(0));
}

/* clearance cost of one sphere against a list of obstacles, weighted
 * (zones by w->zone on top of w->clearance) */
MI_COST_FN T MI_COST_N(mi_cost_sphere_obstacles)(const mi_cost_weights *w, const T c[3],
                                                 float r, const mi_cost_obstacle *obs,
                                                 int n_obs) {
  T s = MI_COST_C(0);
  for (int o = 0; o < n_obs; o++) {
    T d = MI_COST_N(mi_cost_sd_sphere_obstacle)(c, r, &obs[o]);
    T e = MI_COST_N(mi_cost_clearance)(d, w->clearance_margin);
    s = s + (obs[o].kind == MI_COST_ZONE ? w->zone : 1.0f) * e;
  }
  return w->clearance * s;
}

/* the joint-space terms of one step for one candidate; q, qd, tau of n
 * joints, read with stride `stride` (1 for a plain array, the candidate
 * count for structure-of-arrays); lo/hi/vmax/tmax per joint (vmax, tmax > 0;
 * infinite for no limit) */
MI_COST_FN T MI_COST_N(mi_cost_joint_terms)(const mi_cost_weights *w, int n, const T *q,
                                            const T *qd, const T *tau, int stride,
                                            const float *lo, const float *hi,
                                            const float *vmax, const float *tmax,
                                            float vel_factor) {
  T sq = MI_COST_C(0), sv = MI_COST_C(0), st = MI_COST_C(0), se = MI_COST_C(0),
    sr = MI_COST_C(0);
  for (int j = 0; j < n; j++) {
    T x = q[j * stride], v = qd[j * stride], t = tau[j * stride];
    sq = sq + MI_COST_N(mi_cost_limit)(x, lo[j], hi[j]);
    sv = sv + MI_COST_N(mi_cost_limit)(v, -vmax[j], vmax[j]);
    st = st + MI_COST_N(mi_cost_limit)(t, -tmax[j], tmax[j]);
    T tn = t * (1.0f / tmax[j]);
    se = se + tn * tn;
    sr = sr + v * v;
  }
  return w->qlim * sq + w->vlim * sv + w->tlim * st + w->effort * se +
         vel_factor * w->vel * sr;
}

#undef T
#undef MI_COST_N
#undef MI_COST_CAT_
#undef MI_COST_CAT2_
