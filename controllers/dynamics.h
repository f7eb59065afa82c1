/* controllers/dynamics.h - the control law's dynamics from the world model:
 * gravity torques g(q) and inverse dynamics tau = M(q) qdd + c(q, qd), built
 * from the model's float64 articulated-body forward dynamics
 * (worldmodel/dynamics.h, mi_wm_aba_d):
 *
 *   a0 = ABA(q, qd, 0) = -M^-1 c;  column i of M^-1 = ABA(q, qd, e_i) - a0;
 *   M = (M^-1)^-1 (Gauss-Jordan);  c = -M a0;  tau = M qdd + c;  g = c(q, 0).
 *
 * n + 1 ABA passes and an n x n inversion per call (n <= 16): a few
 * microseconds for an arm, no allocation, no locks: safe on the loop.
 * Joint damping and friction are plant effects, not part of M or c.
 */
#ifndef MI_CTRL_DYNAMICS_H
#define MI_CTRL_DYNAMICS_H

#include <stddef.h>

#include "controllers/controller.h"
#include "core/params.h"
#include "core/status.h"
#include "worldmodel/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mi_ctrl_wm_dyn {
  const mi_model *m; /* borrowed; outlives this */
  int n;
  int dof[MI_CTRL_MAX_JOINTS]; /* model dof of controller joint j */
} mi_ctrl_wm_dyn;

/* Map the controller's joints onto the model's dofs. Every moving joint of
 * the model must be controlled (the dynamics need the whole state).
 * @retval MI_ERR_INVALID a name the model lacks, or a dof left out (err) */
mi_status mi_ctrl_wm_dyn_init(mi_ctrl_wm_dyn *w, const mi_model *m,
                              const mi_param_strings *joints, char *err, size_t err_sz);

/* Fill out with callbacks over w (w must outlive the controller). */
void mi_ctrl_wm_dyn_bind(mi_ctrl_wm_dyn *w, mi_ctrl_dynamics *out);

/* The callbacks themselves (controller joint order). */
bool mi_ctrl_wm_gravity(void *w, const double *q, double *tau_g);
bool mi_ctrl_wm_inverse(void *w, const double *q, const double *qd, const double *qdd,
                        double *tau);

#ifdef __cplusplus
}
#endif

#endif /* MI_CTRL_DYNAMICS_H */
