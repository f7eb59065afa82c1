/* worldmodel/rollout_law_tmpl.h - the rollout's tracking law, written once
 * and instantiated per lane type (do not include directly: rollout_law.h
 * instantiates it for float as MI_HDI code, which nvcc compiles too, and
 * rollout_lanes.h for SIMD vectors of floats, one candidate per lane):
 *
 *   tau = clamp(kp (q_ref - q) + g(q), +-effort)    (kd qd: implicit damping)
 *
 * g(q) is the gravity torque of the model at q (what holds the arm still):
 * with body poses (R_i, P_i) from mi_wm_fk, the subtree mass M_j and first
 * moment S_j = sum over the subtree of (m_i P_i + R_i h_i), a revolute joint
 * j with world axis z_j needs g_j = -z_j . ((S_j - M_j P_j) x gravity), a
 * prismatic one g_j = -M_j z_j . gravity. O(n) after the forward
 * kinematics; exact for the model (equals ABA's bias at qd = 0).
 *
 * The includer defines:
 *   MI_RL_T        lane type (float, or a GCC vector of floats)
 *   MI_RL_V3, MI_RL_M3   the dynamics' vector / matrix types for MI_RL_T
 *   MI_RL_FK       the dynamics' forward kinematics for MI_RL_T
 *   MI_RL_NAME(n)  the instance's name of n
 *   MI_RL_FN       function qualifiers
 *   MI_RL_C(x)     the float x as an MI_RL_T
 *   MI_RL_MIN(a, b), MI_RL_MAX(a, b)  lane-wise
 */

/* Gravity torques g (ndof values) at body poses R, P of the model d. */
MI_RL_FN void MI_RL_NAME(mi_rollout_gravity)(const mi_wm_dynf *d, const MI_RL_M3 *R,
                                             const MI_RL_V3 *P, MI_RL_T *g) {
  const int n = d->ndof;
  MI_RL_T M[MI_WM_MAX_DOF], Sx[MI_WM_MAX_DOF], Sy[MI_WM_MAX_DOF], Sz[MI_WM_MAX_DOF];
  for (int i = 0; i < n; i++) {
    const float m = d->mass[i], hx = d->h[i][0], hy = d->h[i][1], hz = d->h[i][2];
    const MI_RL_T *r = R[i].m;
    M[i] = MI_RL_C(m);
    Sx[i] = m * P[i].x + r[0] * hx + r[1] * hy + r[2] * hz;
    Sy[i] = m * P[i].y + r[3] * hx + r[4] * hy + r[5] * hz;
    Sz[i] = m * P[i].z + r[6] * hx + r[7] * hy + r[8] * hz;
  }
  /* parents come before their children: sum the subtrees leaves first */
  for (int i = n - 1; i > 0; i--) {
    const int p = d->parent[i];
    if (p < 0) continue;
    M[p] = M[p] + M[i];
    Sx[p] = Sx[p] + Sx[i];
    Sy[p] = Sy[p] + Sy[i];
    Sz[p] = Sz[p] + Sz[i];
  }
  const float gx = d->gravity[0], gy = d->gravity[1], gz = d->gravity[2];
  for (int j = 0; j < n; j++) {
    const MI_RL_T *r = R[j].m;
    const MI_RL_T zx = r[2], zy = r[5], zz = r[8]; /* the joint axis: body z in the world */
    if (d->prismatic[j]) {
      g[j] = -M[j] * (zx * gx + zy * gy + zz * gz);
    } else {
      const MI_RL_T cx = Sx[j] - M[j] * P[j].x, cy = Sy[j] - M[j] * P[j].y,
                    cz = Sz[j] - M[j] * P[j].z;
      /* z . (c x gravity) */
      g[j] = -(zx * (cy * gz - cz * gy) + zy * (cz * gx - cx * gz) + zz * (cx * gy - cy * gx));
    }
  }
}

/* The tracking torques from the gravity torques g at q (ndof values):
 * clamp(kp (qref - q) + g, +-tmax). */
MI_RL_FN void MI_RL_NAME(mi_rollout_track_g)(const mi_wm_dynf *d, const float *kp,
                                             const float *tmax, const MI_RL_T *q,
                                             const MI_RL_T *qref, const MI_RL_T *g,
                                             MI_RL_T *tau) {
  for (int j = 0; j < d->ndof; j++) {
    MI_RL_T t = kp[j] * (qref[j] - q[j]) + g[j];
    tau[j] = MI_RL_MIN(MI_RL_MAX(t, MI_RL_C(-tmax[j])), MI_RL_C(tmax[j]));
  }
}

/* The tracking torques at state q toward references qref (ndof values):
 * clamp(kp (qref - q) + g(q), +-tmax), gravity term only when `gravity`. */
MI_RL_FN void MI_RL_NAME(mi_rollout_track)(const mi_wm_dynf *d, const float *kp,
                                           const float *tmax, int gravity, const MI_RL_T *q,
                                           const MI_RL_T *qref, MI_RL_T *tau) {
  const int n = d->ndof;
  MI_RL_T g[MI_WM_MAX_DOF];
  if (gravity) {
    MI_RL_M3 R[MI_WM_MAX_DOF];
    MI_RL_V3 P[MI_WM_MAX_DOF];
    MI_RL_FK(d, q, R, P);
    MI_RL_NAME(mi_rollout_gravity)(d, R, P, g);
  } else {
    for (int j = 0; j < n; j++) g[j] = MI_RL_C(0.0f);
  }
  MI_RL_NAME(mi_rollout_track_g)(d, kp, tmax, q, qref, g, tau);
}
