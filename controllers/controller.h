/* controllers/controller.h - the controller core: plan following, control
 * laws, limits, deadline monitor and safe stop, driven one period at a time.
 *
 * Threads and handoffs (nothing here takes a lock):
 *   - input threads (the node's DDS callbacks) call mi_ctrl_submit_plan,
 *     mi_ctrl_submit_joint_state and mi_ctrl_submit_zone; each submit
 *     function has ONE producer thread at a time. Values reach the loop
 *     through mi_latest triple buffers (core/ring.h). Plans are validated
 *     and prepared here, outside the loop: a rejected plan (NaN, wrong size,
 *     over the limits) never reaches the loop, and is counted.
 *   - the loop thread calls mi_ctrl_step once per period with the time and
 *     the real elapsed period. mi_ctrl_step allocates nothing, never blocks
 *     and reads no clock: time comes in, so tests drive it deterministically.
 *   - one status thread calls mi_ctrl_status_take and mi_ctrl_transition_pop
 *     (a mi_latest and a mi_spsc fed by the loop) to publish
 *     rt/controller/status.
 *
 * Behaviour per state (see controllers/monitor.h for the transitions):
 *   RUN        follow the newest plan (quintic interpolation, blended in on
 *              every switch without a jump in position, velocity or
 *              acceleration).
 *   DEGRADED   follow the last plan with time slowed down: the speed scale
 *              falls linearly from 1 to 0 over degraded_decel_time, so the
 *              arm decelerates along the planned path.
 *   SAFE_STOP  controlled stop from the commanded velocity: every joint
 *              decelerates uniformly, all reaching zero together after
 *              max_j |v_j| / acc_max_j (never over acc_max); then hold.
 *   back to RUN: the newest plan is blended in from the held state.
 *
 * Control laws: PD (tau = Kp e + Kd de), PD plus gravity compensation
 * (+ g(q)), or computed torque (tau = ID(q, qd, qdd_ref + Kp e + Kd de));
 * the dynamics come from mi_ctrl_dynamics callbacks (the node wires them to
 * worldmodel/dynamics.h) and must not allocate. Commands carry position,
 * velocity and effort; velocity and acceleration of the reference are
 * clamped to the limits and effort to effort_max (each clamp counted).
 */
#ifndef MI_CTRL_CONTROLLER_H
#define MI_CTRL_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controllers/monitor.h"
#include "controllers/traj.h"
#include "core/params.h"
#include "dds/domain.h" /* mi_dds_params (header only: no DDS link needed) */
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mi_ctrl_law {
  MI_CTRL_LAW_PD_GRAVITY = 0,
  MI_CTRL_LAW_PD = 1,
  MI_CTRL_LAW_COMPUTED_TORQUE = 2
} mi_ctrl_law;

/* The controller node's parameters (table: mi_ctrl_param_table). Per-joint
 * arrays with one item apply it to every joint. */
typedef struct mi_ctrl_params {
  double rate_hz;
  mi_param_strings joints;
  int law; /* mi_ctrl_law */
  mi_param_doubles kp, kd;
  mi_param_doubles position_min, position_max, velocity_max, acceleration_max, effort_max;
  double plan_late_ms, plan_expired_ms;
  double joint_states_late_ms, joint_states_expired_ms;
  double zone_late_ms, zone_expired_ms;
  double settle_time;         /* s */
  double degraded_max_time;   /* s */
  double degraded_decel_time; /* s */
  double stop_time_max;       /* s: guaranteed bound of a controlled stop */
  double plan_velocity_tolerance;
  int64_t rt_priority;
  int64_t rt_cpu;
  bool rt_lock_memory;
  double rt_sync_offset_ms; /* phase sync to rt/joint_states (controllers/rtloop.h); 0: none */
  char urdf[MI_PARAM_STR_MAX];
  mi_dds_params dds;
} mi_ctrl_params;

/* The parameter table (node name "controller"). */
const mi_param_table *mi_ctrl_param_table(void);

/* Dynamics for the control law; NULL functions mean "not available" (then
 * PD_GRAVITY acts as PD and COMPUTED_TORQUE is refused at create). Called on
 * the loop thread: must not allocate or block. Return false on failure (the
 * term is then left out and counted). */
typedef struct mi_ctrl_dynamics {
  void *user;
  bool (*gravity)(void *user, const double *q, double *tau_g);
  bool (*inverse)(void *user, const double *q, const double *qd, const double *qdd,
                  double *tau);
} mi_ctrl_dynamics;

typedef struct mi_ctrl_joint_state {
  int64_t arrival_ns; /* controller-clock time it arrived */
  int64_t stamp_ns;   /* controller-clock time it was measured (its header stamp
                       * mapped at arrival, controllers/node.h); 0: unknown */
  int n;
  double q[MI_CTRL_MAX_JOINTS], qd[MI_CTRL_MAX_JOINTS], effort[MI_CTRL_MAX_JOINTS];
} mi_ctrl_joint_state;

typedef struct mi_ctrl_zone {
  int64_t arrival_ns;
  bool person_present;
} mi_ctrl_zone;

/* What the loop sends each period (rt/joint_commands). */
typedef struct mi_ctrl_command {
  bool valid; /* false until a joint state has been received */
  int n;
  mi_ctrl_state state;
  double q[MI_CTRL_MAX_JOINTS], qd[MI_CTRL_MAX_JOINTS], qdd[MI_CTRL_MAX_JOINTS];
  double effort[MI_CTRL_MAX_JOINTS];
  /* where the command came from, on the controller's clock (0: unknown):
   * plan_state_ns: the measurement the followed plan was computed from
   *   (mi_ctrl_plan.state_stamp_ns), set in RUN only (DEGRADED and
   *   SAFE_STOP commands are not the plan's);
   * state_ns: the measurement the control law used this period
   *   (mi_ctrl_joint_state.stamp_ns). */
  int64_t plan_state_ns, state_ns;
} mi_ctrl_command;

/* Snapshot for rt/controller/status. */
typedef struct mi_ctrl_status {
  int64_t t_ns;
  mi_ctrl_state state;
  mi_ctrl_reason reason;
  int64_t state_since_ns;
  mi_ctrl_fresh fresh[MI_CTRL_IN_COUNT];
  int64_t age_ns[MI_CTRL_IN_COUNT]; /* -1: never received */
  uint64_t late_count[MI_CTRL_IN_COUNT], expired_count[MI_CTRL_IN_COUNT];
  uint64_t steps, transitions, transitions_dropped;
  uint64_t plans_accepted, plans_rejected, plans_switched;
  uint64_t joint_states_rejected; /* wrong size or not finite */
  uint64_t clamp_velocity, clamp_acceleration, clamp_effort, dynamics_failures;
  double speed_scale; /* 1 in RUN, falling in DEGRADED */
  bool stop_done;
  uint64_t plan_seq; /* the plan being followed */
} mi_ctrl_status;

typedef struct mi_ctrl mi_ctrl;

/* Build a controller from params (validated: joint count, array sizes,
 * stop_time_max >= max vel/acc, ...); err receives the first problem.
 * dyn may be NULL. Allocates everything it will ever use. now_ns is the
 * start time (state SAFE_STOP, reason START).
 * @return the controller, or NULL (err filled). Free with mi_ctrl_destroy. */
mi_ctrl *mi_ctrl_create(const mi_ctrl_params *p, const mi_ctrl_dynamics *dyn, int64_t now_ns,
                        char *err, size_t err_sz);
void mi_ctrl_destroy(mi_ctrl *c);

/* The joint limits derived from the params. */
const mi_ctrl_limits *mi_ctrl_get_limits(const mi_ctrl *c);
int mi_ctrl_n_joints(const mi_ctrl *c);

/* Plan producer: validate, prepare and hand the plan to the loop.
 * @retval MI_OK           accepted
 * @retval MI_ERR_REJECTED invalid (NaN, sizes, limits: reason in err); counted */
mi_status mi_ctrl_submit_plan(mi_ctrl *c, const mi_ctrl_plan *plan, char *err, size_t err_sz);

/* Joint-state producer. @retval MI_ERR_REJECTED wrong size, not finite, or a
 * position beyond limits.position_min/max by more than
 * MI_CTRL_JS_LIMIT_MARGIN (not a state of this arm: a bad sensor or sample);
 * counted */
#define MI_CTRL_JS_LIMIT_MARGIN 0.2 /* rad */
mi_status mi_ctrl_submit_joint_state(mi_ctrl *c, const mi_ctrl_joint_state *js);

/* Zone producer. */
mi_status mi_ctrl_submit_zone(mi_ctrl *c, const mi_ctrl_zone *z);

/* One control period at now_ns, dt_ns being the real time since the previous
 * step. Fills *cmd. Loop thread only; no allocation, no blocking. */
void mi_ctrl_step(mi_ctrl *c, int64_t now_ns, int64_t dt_ns, mi_ctrl_command *cmd);

/* Status thread: the newest snapshot (true when a new one arrived since the
 * last take; *out is copied either way once one exists). */
bool mi_ctrl_status_take(mi_ctrl *c, mi_ctrl_status *out);

/* Status thread: the next recorded transition. @retval MI_ERR_EMPTY none */
mi_status mi_ctrl_transition_pop(mi_ctrl *c, mi_ctrl_transition *out);

/* Loop-thread view (tests): the current state and monitor. */
mi_ctrl_state mi_ctrl_state_now(const mi_ctrl *c);
const mi_ctrl_monitor *mi_ctrl_get_monitor(const mi_ctrl *c);

#ifdef __cplusplus
}
#endif

#endif /* MI_CTRL_CONTROLLER_H */
