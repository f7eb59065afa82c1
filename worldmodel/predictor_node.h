/* worldmodel/predictor_node.h - the predictor on DDS (`mirai node
 * predictor`): the predictor core (worldmodel/predictor.h) behind
 * subscriptions and publishers. The only worldmodel file that speaks DDS is
 * predictor_node.c (library mi_predictor = mi_wm + mi_dds).
 *
 * In:  /joint_states  (sensor_msgs/JointState, every model joint by name;
 *                      effort, when present, feeds the learner)
 *      /part_poses    (geometry_msgs/PoseArray, frame "world" or "")
 *      /wrench        (geometry_msgs/WrenchStamped: validated and counted;
 *                      the planner does not use it yet)
 *      /safety_zone   (mirai_msgs/ZoneStatus, zone_id = a cell zone name)
 *      /goal          (geometry_msgs/PoseStamped, frame "world" or "": reach
 *                      that pose; frame "pick": pick the next part)
 *      /teleop/twist  (geometry_msgs/TwistStamped, linear part, world frame)
 * Out: /plan          (trajectory_msgs/JointTrajectory: the model's joint
 *                      names, H + 1 points with positions, velocities,
 *                      accelerations, efforts; header.stamp = the stamp
 *                      of the joint state the plan was computed from, and
 *                      point 0 at time_from_start = the cycle's time minus
 *                      that stamp: the points are due when planned, and a
 *                      controller knows which measurement a plan is from)
 *      /planner/status (mirai_msgs/PlannerStatus, after every cycle)
 *
 * Cycles run on a node timer at planning.rate_hz: on the monotonic clock, or
 * on sim time (use_sim_time: the timer follows rt/clock, so a lockstep sim
 * that waits for the predictor gets one cycle per period of sim time). Stamps
 * of joint states and twists are compared with the node clock (wall time, or
 * sim time).
 *
 * Every inbound sample is validated (dds/node.h: finite numbers, consistent
 * lengths, stamps not from the future), then here (joint names complete,
 * frames known, zone known), then by the estimator (limits, speeds, order,
 * jumps). A rejected sample is counted (mi_pred_node_counters; their sum is
 * the status's samples_rejected) and logged at most once a second. Status
 * values that are not known yet are -1 (a NaN would be dropped by every
 * subscriber's validation).
 *
 * Thread rules: create, spin and destroy from one thread; mi_pred_node_stop
 * and mi_pred_node_counters from any thread.
 */
#ifndef MI_WM_PREDICTOR_NODE_H
#define MI_WM_PREDICTOR_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "dds/domain.h"
#include "dds/node.h"
#include "worldmodel/predictor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mi_pred_node_params {
  mi_predictor_params core; /* every row of mi_predictor_params_table */
  mi_dds_params dds;        /* dds.domain_id, dds.config, use_sim_time */
  bool goal_orientation;    /* task.goal_orientation: reach the goal's orientation too */
  int start_task;           /* task.start: 0 none, 1 pick */
  bool on_joint_state;      /* planning.on_joint_state: a cycle starts at the first joint state after its tick */
  int64_t rt_priority;      /* planning.rt_priority: SCHED_FIFO of the planning thread, 0 off */
} mi_pred_node_params;

/* The node's table (node "predictor"): the core's rows, the DDS rows and
 * task.goal_orientation, task.start. Static, built once. */
const mi_param_table *mi_pred_node_params_table(void);

/* Defaults of every row. @retval MI_ERR_INVALID (a table bug; err says) */
mi_status mi_pred_node_params_defaults(mi_pred_node_params *p, char *err, size_t err_sz);

typedef struct mi_pred_node mi_pred_node;

/* Rejections by where they happened (any thread). */
typedef struct mi_pred_node_counters {
  uint64_t dds_rejected;    /* dropped by the DDS boundary's validation */
  uint64_t names_rejected;  /* joint states without every model joint */
  uint64_t frame_rejected;  /* part poses or goals in an unknown frame */
  uint64_t zone_rejected;   /* zone ids the cell does not have */
  uint64_t goal_rejected;   /* goals or twists the core refused */
  uint64_t est_rejected;    /* joint and part samples the estimator refused */
  uint64_t est_by_reason[MI_WM_EST_REJECT_COUNT]; /* the same by reason */
  uint64_t joint_states, part_poses, wrenches, zones, goals, twists; /* accepted */
  uint64_t plans, statuses;  /* published */
  uint64_t plans_refused;    /* the core's: failed verification or not finite (see
                                mi_pred_node_counters_get for when to read the core's) */
  uint64_t plans_fallback;   /* the core's: published from a cheapest candidate */
  uint64_t plans_escaping;   /* the core's: published leaving a contact the
                                measured state was in (verify.escape_time) */
} mi_pred_node_counters;

/* Load the model, create the predictor core and the DDS node "predictor"
 * with its subscriptions, publishers and cycle timer. Caller frees with
 * mi_pred_node_destroy.
 * @retval MI_ERR_INVALID / MI_ERR_PARSE / MI_ERR_IO (err says why)
 * @retval MI_ERR_DDS (err has Cyclone's message) @retval MI_ERR_NOMEM */
mi_status mi_pred_node_create(const mi_pred_node_params *p, mi_pred_node **out, char *err,
                              size_t err_sz);

/* Run the executor on this thread until mi_pred_node_stop or
 * mi_dds_shutdown. @retval MI_OK; MI_ERR_DDS */
mi_status mi_pred_node_spin(mi_pred_node *n);

/* Make mi_pred_node_spin return (any thread). */
void mi_pred_node_stop(mi_pred_node *n);

void mi_pred_node_destroy(mi_pred_node *n);

/* A snapshot of the counters (any thread; the core's - plans_refused,
 * plans_fallback, plans_escaping - only from the executor's thread or once
 * mi_pred_node_spin has returned). */
void mi_pred_node_counters_get(mi_pred_node *n, mi_pred_node_counters *out);

/* The core's model (owned by the node). */
const mi_model *mi_pred_node_model(const mi_pred_node *n);

/* `mirai node predictor` (launch/node.h). */
int mi_node_main_predictor(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* MI_WM_PREDICTOR_NODE_H */
