/* controllers/dynamics.c - gravity and inverse dynamics from the model's
 * forward dynamics. */
#include "controllers/dynamics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "worldmodel/dynamics.h"

mi_status mi_ctrl_wm_dyn_init(mi_ctrl_wm_dyn *w, const mi_model *m,
                              const mi_param_strings *joints, char *err, size_t err_sz) {
  memset(w, 0, sizeof *w);
  if (joints->n != m->dyn.ndof || joints->n > MI_CTRL_MAX_JOINTS) {
    snprintf(err, err_sz, "the model has %d moving joints, the controller controls %d",
             m->dyn.ndof, joints->n);
    return MI_ERR_INVALID;
  }
  w->m = m;
  w->n = joints->n;
  for (int j = 0; j < w->n; j++) {
    w->dof[j] = mi_wm_dof_index(m, joints->v[j]);
    if (w->dof[j] < 0) {
      snprintf(err, err_sz, "joint '%s' is not a moving joint of the model", joints->v[j]);
      return MI_ERR_INVALID;
    }
  }
  return MI_OK;
}

/* M and c at (q, qd), in controller order; false if M is singular */
static bool mass_and_bias(const mi_ctrl_wm_dyn *w, const double *q, const double *qd,
                          double M[MI_CTRL_MAX_JOINTS][MI_CTRL_MAX_JOINTS], double *c) {
  const int n = w->n;
  double mq[MI_WM_MAX_DOF] = {0}, mqd[MI_WM_MAX_DOF] = {0}, tau[MI_WM_MAX_DOF] = {0};
  double a0[MI_WM_MAX_DOF], a[MI_WM_MAX_DOF];
  for (int j = 0; j < n; j++) {
    mq[w->dof[j]] = q[j];
    mqd[w->dof[j]] = qd ? qd[j] : 0.0;
  }
  mi_wm_aba_d(&w->m->dyn, mq, mqd, tau, 0.0, a0);
  /* [Minv | I], then Gauss-Jordan to [I | M] */
  double A[MI_CTRL_MAX_JOINTS][2 * MI_CTRL_MAX_JOINTS];
  for (int i = 0; i < n; i++) {
    tau[w->dof[i]] = 1.0;
    mi_wm_aba_d(&w->m->dyn, mq, mqd, tau, 0.0, a);
    tau[w->dof[i]] = 0.0;
    for (int r = 0; r < n; r++) {
      A[r][i] = a[w->dof[r]] - a0[w->dof[r]];
      A[r][n + i] = r == i ? 1.0 : 0.0;
    }
  }
  for (int col = 0; col < n; col++) {
    int piv = col;
    for (int r = col + 1; r < n; r++)
      if (fabs(A[r][col]) > fabs(A[piv][col])) piv = r;
    if (!(fabs(A[piv][col]) > 1e-300)) return false;
    if (piv != col)
      for (int k = 0; k < 2 * n; k++) {
        double t = A[col][k];
        A[col][k] = A[piv][k];
        A[piv][k] = t;
      }
    double inv = 1.0 / A[col][col];
    for (int k = 0; k < 2 * n; k++) A[col][k] *= inv;
    for (int r = 0; r < n; r++) {
      if (r == col || A[r][col] == 0.0) continue;
      double f = A[r][col];
      for (int k = 0; k < 2 * n; k++) A[r][k] -= f * A[col][k];
    }
  }
  for (int r = 0; r < n; r++) {
    c[r] = 0.0;
    for (int k = 0; k < n; k++) {
      M[r][k] = A[r][n + k];
      c[r] -= M[r][k] * a0[w->dof[k]];
    }
  }
  return true;
}

bool mi_ctrl_wm_gravity(void *user, const double *q, double *tau_g) {
  const mi_ctrl_wm_dyn *w = user;
  double M[MI_CTRL_MAX_JOINTS][MI_CTRL_MAX_JOINTS];
  return mass_and_bias(w, q, NULL, M, tau_g);
}

bool mi_ctrl_wm_inverse(void *user, const double *q, const double *qd, const double *qdd,
                        double *tau) {
  const mi_ctrl_wm_dyn *w = user;
  double M[MI_CTRL_MAX_JOINTS][MI_CTRL_MAX_JOINTS], c[MI_CTRL_MAX_JOINTS];
  if (!mass_and_bias(w, q, qd, M, c)) return false;
  for (int r = 0; r < w->n; r++) {
    tau[r] = c[r];
    for (int k = 0; k < w->n; k++) tau[r] += M[r][k] * qdd[k];
  }
  return true;
}

void mi_ctrl_wm_dyn_bind(mi_ctrl_wm_dyn *w, mi_ctrl_dynamics *out) {
  out->user = w;
  out->gravity = mi_ctrl_wm_gravity;
  out->inverse = mi_ctrl_wm_inverse;
}
