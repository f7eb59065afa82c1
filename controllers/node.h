/* controllers/node.h - the controller node and the teleop node.
 *
 * Controller node (`mirai node controller --params FILE`):
 *   subscribes /plan (trajectory_msgs/JointTrajectory), /joint_states,
 *   /safety_zone; publishes /joint_commands (sensor_msgs/JointState with
 *   position, velocity and effort, in the order of the `joints` param) and
 *   /controller/status (mirai_msgs/ControllerStatus: state, input states,
 *   counters, wake-up latency percentiles and histogram), at 10 Hz and at
 *   once on every state change (each change is also logged with its reason).
 *
 * Threads: the executor (DDS callbacks: validation, joint-name mapping, the
 * handoff into the controller core), the real-time loop (controllers/
 * rtloop.h: one mi_ctrl_step per period, no DDS, no allocation), and a
 * command publisher woken by the loop through a semaphore (sem_post is
 * non-blocking) that writes the newest command. Header stamps of plans are
 * mapped onto the loop's monotonic clock at arrival (a zero stamp means
 * "start now", as in ROS 2).
 *
 * Sensor-to-command latency. Header stamps of joint states and plans are
 * mapped onto the loop's monotonic clock at arrival: arrival time minus the
 * stamp's age then (node clock now - stamp; the node clock is wall time, or
 * sim time under use_sim_time). mirai's predictor stamps each plan with the
 * stamp of the joint state it planned from (worldmodel/predictor_node.h);
 * a plan stamped 0 or later than its arrival has no known source. Right
 * after each rt/joint_commands write returns, the command publisher counts,
 * in two fixed histograms (controllers/latency.h: 10 us bins to 200 ms, no
 * allocation, no lock):
 *   sensor-to-command = publish time - stamp of the joint state the followed
 *     plan was computed from (commands sent in RUN only): the joint state's
 *     transport to the predictor, the wait for its next cycle, the solve,
 *     the plan's transport, the plan's age while it is followed (up to one
 *     plan period), the loop's phase and the command's write;
 *   state-to-command = publish time - stamp of the joint state the control
 *     law used (every command): the joint state's transport and wait for
 *     the loop, the step, the handoff to the publisher and the write.
 * Under sim time the part before arrival is counted in sim time and the
 * rest in wall time (a lockstep sim at real-time factor 1 keeps them
 * alike). Both go out as p50/p99 in seconds in rt/controller/status
 * (sensor_to_command_latency_*, state_to_command_latency_*; -1 until
 * known), with commands_published and statuses_published; a last status
 * with the final counts goes out when the node stops.
 *
 * Teleop node (`mirai node teleop`): reads a joystick (dev param or the first
 * /dev/input/js*) or else the terminal in raw mode, and publishes
 * /teleop/twist (geometry_msgs/TwistStamped) at rate_hz with the dead-man of
 * controllers/teleop.h; zero on release and on exit.
 */
#ifndef MI_CTRL_NODE_H
#define MI_CTRL_NODE_H

#include <stddef.h>

#include "controllers/controller.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mi_ctrl_node mi_ctrl_node;

/* Create the DDS node, its endpoints and the controller core (dyn may be
 * NULL). Caller frees with mi_ctrl_node_destroy.
 * @retval MI_ERR_INVALID params (err says which); MI_ERR_DDS; MI_ERR_NOMEM */
mi_status mi_ctrl_node_create(const mi_ctrl_params *p, const mi_ctrl_dynamics *dyn,
                              mi_ctrl_node **out, char *err, size_t err_sz);

/* Start the loop and the publisher thread, run the executor on the calling
 * thread until mi_ctrl_node_stop or mi_dds_shutdown, then stop both. */
mi_status mi_ctrl_node_spin(mi_ctrl_node *n);

/* Make mi_ctrl_node_spin return (any thread). */
void mi_ctrl_node_stop(mi_ctrl_node *n);

void mi_ctrl_node_destroy(mi_ctrl_node *n);

/* `mirai node controller` and `mirai node teleop` (launch/node.h). */
int mi_node_main_controller(int argc, char **argv);
int mi_node_main_teleop(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* MI_CTRL_NODE_H */
