/* worldmodel/tasks.h - what the predictor is asked to do, turned into what
 * the planner optimises:
 *   reach   an end-effector pose goal (rt/goal);
 *   pick    intercept a part on the conveyor: aim at where the part will be
 *           when the tool can get there (its predicted path), from above;
 *   teleop  the operator's twist (rt/teleop/twist) defines the nominal: the
 *           tool moving at that velocity over the horizon; the nominal
 *           joint knots come from damped least-squares resolved rates, the
 *           planner samples candidates around them, and the predictor
 *           executes the closest collision-free one or stops.
 * Pure functions; any thread.
 */
#ifndef MI_WM_TASKS_H
#define MI_WM_TASKS_H

#include <stdbool.h>

#include "core/math.h"
#include "core/status.h"
#include "worldmodel/rollout.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mi_task_kind {
  MI_TASK_NONE = 0,
  MI_TASK_REACH = 1,
  MI_TASK_PICK = 2,
  MI_TASK_TELEOP = 3
} mi_task_kind;

const char *mi_task_name(int kind);

/* Intercept: the earliest time t in [t_min, t_max] at which a tool moving at
 * tool_speed [m/s] from tool_p reaches the part's predicted position
 * part_p + part_v t (constant velocity), found by fixed-point iteration on
 * t = |part(t) - tool_p| / tool_speed. *point = part(t).
 * @retval MI_ERR_RANGE the part cannot be reached before t_max (*t_hit and
 *         *point then hold the t_max values) @retval MI_ERR_INVALID */
mi_status mi_task_intercept(mi_vec3 part_p, mi_vec3 part_v, mi_vec3 tool_p, double tool_speed,
                            double t_min, double t_max, double *t_hit, mi_vec3 *point);

/* Pick: where the tool goes this cycle, given the live part tracks (world
 * positions part_p and velocities part_v, n of them) and the tool point.
 * The part is the one the tool can intercept first (mi_task_intercept at
 * tool_speed, within t_max). Aim: the part's grasp point (grasp_dz above
 * its centre: the top face) predicted lead_s ahead, so that a tool
 * following the goal cycle by cycle moves with the belt (the tracking lag
 * of the plan and servo is about lead_s); while the tool is farther than
 * capture_xy from it horizontally the goal is approach_height above it (the
 * tool comes from above, never through the part's side), within capture_xy
 * it is the grasp point itself (the tool descends, moving with the part).
 * *which receives the part's index, *descending whether the goal is the
 * grasp point. @retval MI_ERR_NOT_FOUND no part can be intercepted
 * @retval MI_ERR_INVALID */
typedef struct mi_task_pick_cfg {
  double approach_height; /* m above the grasp point while approaching */
  double tool_speed;      /* m/s, for the intercept time */
  double t_max;           /* s: parts not reachable within this are skipped */
  double capture_xy;      /* m: horizontal distance under which the tool descends */
  double lead_s;          /* s: aim this far ahead along the part's velocity */
  double grasp_dz;        /* m: grasp point above the part's centre */
} mi_task_pick_cfg;

/* The predictor's pick: descend within 3 cm horizontally, aim 0.1 s ahead. */
#define MI_TASK_PICK_CAPTURE_XY 0.03
#define MI_TASK_PICK_LEAD_S 0.1

mi_status mi_task_pick_goal(const mi_task_pick_cfg *cfg, const mi_vec3 *part_p,
                            const mi_vec3 *part_v, int n, mi_vec3 tool, mi_vec3 *goal,
                            int *which, bool *descending);

/* The grasp point's height above a part's centre for the model's part types
 * (half height of a box or cylinder, radius of a sphere): the largest, as
 * part tracks do not say their type; 0 without part types. */
double mi_task_pick_grasp_dz(const mi_model *m);

/* Teleop nominal: knots (knots x ndof floats) spread over horizon_s that move
 * the tool from configuration q at linear velocity v [m/s] (world), by damped
 * least squares on a finite-difference position Jacobian (damping lambda
 * [m]), clamped to the joint limits; goal[3] receives the nominal tool
 * position at the horizon. @retval MI_ERR_INVALID */
mi_status mi_task_teleop_knots(const mi_rollout *r, const mi_model *m, const float *q,
                               const double v[3], double horizon_s, int knots, double lambda,
                               float *out_knots, float goal[3]);

#ifdef __cplusplus
}
#endif

#endif /* MI_WM_TASKS_H */
