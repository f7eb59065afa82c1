/* worldmodel/rollout.h - the arm's rollout system for the planners: K
 * candidates of joint-position-reference knots stepped over H steps through
 * the model's dynamics (worldmodel/dynamics.h, the SIMD batch path) and
 * scored by the cost terms of worldmodel/cost.h.
 *
 * Control: a candidate's knots are joint position references [rad or m]
 * (planner.h's spline); at rollout step t the reference is the spline at the
 * end of the step, tracked by a PD law with gravity compensation,
 * re-evaluated every substep (worldmodel/rollout_law.h):
 *   tau = clamp(kp (q_ref - q) + g(q), +-effort) - kd qd,
 * g(q) the model's gravity torques (param rollout.gravity_compensation,
 * default on; the plant's servo and the controller add the same term),
 * then one semi-implicit Euler substep of the model (damping, friction,
 * torque limits). The damping part kd is added to the joints' own damping,
 * which the model's step integrates implicitly (as MuJoCo's Euler does with
 * dof_damping), so stiff tracking stays stable with few substeps. The same references go out on rt/plan, so the controller
 * (or the plant's servo) tracks what the planner scored.
 *
 * Costs per step (cost.h): end-effector position and orientation to the
 * goal, sphere clearance to the cell's fixtures, conveyor belt, ground,
 * zones (active ones) and parts (their latest poses), self clearance of the
 * model's sphere pairs, joint position / velocity / torque limits, effort,
 * velocity; per candidate: knot smoothness; the last step's end-effector and
 * velocity terms times the terminal factor.
 *
 * Evaluation: a block of candidates runs in groups of SIMD lanes (16 with
 * AVX-512, 8 with AVX2+FMA, else 4; one candidate per lane), each group
 * through the whole horizon in one fused kernel (worldmodel/rollout_lanes.h:
 * the joint transforms of a substep serve the law's gravity term and the
 * dynamics, those after a step its cost and the next substep); 16 and 8
 * lanes give bit-identical results, so a block's last 8 may run in the
 * 8-lane kernel (half as fast: keep `block` a multiple of 16 where AVX-512
 * exists); a tail smaller than a group runs the scalar path
 * (mi_rollout_trajectory).
 *
 * Memory: everything (the spline's taps per step, the obstacle list) is
 * allocated in mi_rollout_create; a lane group's state lives on the
 * worker's stack (about 130 KB at most with 16 lanes: the pool's threads
 * have the default stack); the eval path does not allocate. Results
 * depend only on a candidate's knots
 * and the rollout's state, never on the worker or block that ran it, as long
 * as the planner's blocks start at multiples of mi_wm_simd_lanes() (the
 * planner's `block` param: keep it a multiple of 8).
 *
 * Thread rules: the model is read-only and shared. Setters (state, goal,
 * parts, zones) must not run while a planner iterates over this rollout.
 */
#ifndef MI_WM_ROLLOUT_H
#define MI_WM_ROLLOUT_H

#include <stdbool.h>

#include "core/math.h"
#include "core/status.h"
#include "worldmodel/cost.h"
#include "worldmodel/model.h"
#include "worldmodel/planner.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MI_ROLLOUT_MAX_OBSTACLES \
  (MI_WM_MAX_FIXTURES + MI_WM_MAX_ZONES + MI_WM_MAX_PARTS + 2)

typedef struct mi_rollout mi_rollout;

/* A rollout for model m (borrowed, must outlive it) with the planner params
 * pp (H, dt, knots, spline, substeps, kp, kd, cost weights), for `workers`
 * pool workers running blocks of at most `block` candidates each.
 * Caller frees with mi_rollout_destroy.
 * @retval MI_ERR_INVALID  NULL arguments, workers or block < 1, a model
 *                         without dofs, kp/kd lists of a wrong length, knots
 *                         out of [2, MI_PLANNER_MAX_KNOTS]
 * @retval MI_ERR_NOMEM */
mi_status mi_rollout_create(const mi_model *m, const mi_planner_params *pp, int workers,
                            int block, mi_rollout **out);
void mi_rollout_destroy(mi_rollout *r);

/* The current joint state (ndof positions and velocities) rollouts start from.
 * @retval MI_ERR_INVALID a value that is not finite (state unchanged) */
mi_status mi_rollout_set_state(mi_rollout *r, const float *q, const float *qd);

/* The end-effector goal: position [m] in the world and orientation (w, x, y,
 * z; NULL: position only, the orientation term is off). */
void mi_rollout_set_goal(mi_rollout *r, const float p[3], const float quat[4]);

/* Parts on the conveyor: n poses (world) of part types type[i] (indices
 * into the model's parts). At most MI_WM_MAX_PARTS; an unknown type is
 * skipped. Replaces the previous set. @retval MI_ERR_RANGE n too large */
mi_status mi_rollout_set_parts(mi_rollout *r, const mi_pose *poses, const int *type, int n);

/* Whether zone z (model index) is occupied: occupied zones cost as
 * obstacles (times cost.zone_factor). All zones start occupied (safe). */
void mi_rollout_set_zone_active(mi_rollout *r, int zone, bool active);

/* The goal moves: at the end of rollout step t its position is
 * p + v (t + 1) dt (p from mi_rollout_set_goal, which resets v to zero), so
 * the cost follows a moving target (a part on the conveyor) over the
 * horizon. v [m/s] in the world frame; NULL or non-finite components: 0. */
void mi_rollout_set_goal_velocity(mi_rollout *r, const float v[3]);
void mi_rollout_goal_velocity(const mi_rollout *r, float v[3]);

/* The planner's view: nu = ndof, bounds = the joint limits, eval = a block
 * of candidates through the batch dynamics. Valid while r lives. */
mi_planner_system mi_rollout_system(mi_rollout *r);

/* One candidate, from the current state: its total cost, and when q_out /
 * qd_out are not NULL the states after each step ((H + 1) x ndof, the
 * first row the start). Uses the scalar step (same math as the batch).
 * Costs NAN-free for finite inputs. */
float mi_rollout_trajectory(const mi_rollout *r, const float *knots, float *q_out,
                            float *qd_out);

/* The cost terms one by one, in the order of their names
 * (mi_cost_term_name): each the weighted sum over the horizon that the
 * total contains (zone: the extra clearance cost of zone obstacles; self:
 * of the model's own sphere pairs; clearance: the rest of the cell). */
typedef enum mi_cost_term {
  MI_COST_TERM_EE_POS,
  MI_COST_TERM_EE_ROT,
  MI_COST_TERM_CLEARANCE,
  MI_COST_TERM_ZONE,
  MI_COST_TERM_SELF,
  MI_COST_TERM_QLIM,
  MI_COST_TERM_VLIM,
  MI_COST_TERM_TLIM,
  MI_COST_TERM_EFFORT,
  MI_COST_TERM_VEL,
  MI_COST_TERM_SMOOTH,
  MI_COST_NTERMS
} mi_cost_term;

/* "ee_pos", ...: the names rt/planner/status gives the terms; NULL out of range. */
const char *mi_cost_term_name(int term);

/* mi_rollout_trajectory, and each cost term on its own into terms (not
 * NULL; their sum is the return up to float rounding). For a plan's
 * breakdown in the status, not for the hot path: it evaluates the step
 * cost once per term. A term that is not finite is INFINITY. */
float mi_rollout_trajectory_terms(const mi_rollout *r, const float *knots, float *q_out,
                                  float *qd_out, float terms[MI_COST_NTERMS]);

/* Obstacles the clearance cost sees now (for tests and diagnostics). */
int mi_rollout_obstacles(const mi_rollout *r, const mi_cost_obstacle **obs);

/* End-effector position of a joint configuration (ndof values) [m]. */
void mi_rollout_ee_position(const mi_rollout *r, const float *q, float p[3]);

int mi_rollout_ndof(const mi_rollout *r);

/* Replace the bodies' inertial parameters (mass, h, inertia of the ndof
 * bodies) the rollouts use with d's, e.g. the learner's mass-corrected
 * tables (worldmodel/learner.h); everything else (limits, damping with kd
 * folded in, geometry) stays. A setter: not while a planner iterates.
 * @retval MI_ERR_INVALID d NULL, another ndof, or a mass not finite and > 0
 *                        (tables unchanged) */
mi_status mi_rollout_set_inertia(mi_rollout *r, const mi_wm_dynf *d);

/* ---- hook for the CUDA backend (worldmodel/backend.c, engineer `cuda`) ---- */

/* What a device needs to roll out exactly what this rollout does: the
 * dynamics tables with the PD damping kd folded in (valid while r lives),
 * kp per joint, the start state, the goal (goal_R row-major world-from-goal;
 * the return is whether the orientation term is on). Any pointer may be NULL. */
bool mi_rollout_export(const mi_rollout *r, const mi_wm_dynf **dyn, float *kp, float *q0,
                       float *qd0, float goal_p[3], float goal_R[9]);

/* Whether the tracking law adds the model's gravity torques (1) or not (0). */
int mi_rollout_gravity_comp(const mi_rollout *r);

#ifdef __cplusplus
}
#endif

#endif /* MI_WM_ROLLOUT_H */
