/* worldmodel/rollout_law.h - the rollout's tracking law for one candidate
 * (float32, MI_HDI: the CPU rollout's scalar path and the CUDA kernels,
 * worldmodel/cuda/candidate.h, both call these):
 *
 *   tau = clamp(kp (q_ref - q) + g(q), +-effort), the damping kd qd folded
 *   into the model's joint damping (integrated implicitly by the step).
 *
 *   mi_rollout_gravity_f(d, R, P, g)   gravity torques at FK poses R, P
 *   mi_rollout_track_f(d, kp, tmax, gravity, q, qref, tau)
 *
 * g(q) is what the plant's servo adds too (sim/bullet_capi.h,
 * mi_bt_set_gravity_compensation; the controller's PD + gravity
 * compensation), so a plan's references are executed as they were scored.
 * See rollout_law_tmpl.h for the formulas. Units SI; pure functions. */
#ifndef MI_WM_ROLLOUT_LAW_H
#define MI_WM_ROLLOUT_LAW_H

#include "core/hd.h"
#include "worldmodel/cost.h"
#include "worldmodel/dynamics.h"
#include "worldmodel/model.h"

#define MI_RL_T float
#define MI_RL_V3 mi_wm_v3_f
#define MI_RL_M3 mi_wm_m3_f
#define MI_RL_FK mi_wm_fk_f
#define MI_RL_NAME(name) name##_f
#define MI_RL_FN MI_HDI
#define MI_RL_C(x) ((float)(x))
#define MI_RL_MIN(a, b) mi_cost__min((a), (b))
#define MI_RL_MAX(a, b) mi_cost__max((a), (b))
#include "worldmodel/rollout_law_tmpl.h"
#undef MI_RL_T
#undef MI_RL_V3
#undef MI_RL_M3
#undef MI_RL_FK
#undef MI_RL_NAME
#undef MI_RL_FN
#undef MI_RL_C
#undef MI_RL_MIN
#undef MI_RL_MAX

#endif /* MI_WM_ROLLOUT_LAW_H */
