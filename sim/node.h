/* sim/node.h - the sim node: the simulated cell (sim/cell.h) on DDS.
 *
 * `mirai node sim --params FILE` loads the predictor's URDF and cell YAML
 * (model.urdf, model.cell), builds the plant from them (sim/desc.h) plus the
 * plant-only params, and then
 *   publishes /joint_states (sensor_msgs/JointState: the model's joint
 *     names in dof order, position, velocity, applied effort) at
 *     rate.joint_states_hz, /wrench (geometry_msgs/WrenchStamped, frame_id
 *     "world": world axes, about the tool link origin) at rate.wrench_hz,
 *     /part_poses (geometry_msgs/PoseArray, frame_id "world") at
 *     rate.part_poses_hz, /safety_zone (mirai_msgs/ZoneStatus, zone_id = the
 *     cell's zone name) at rate.safety_zone_hz, /sim/status
 *     (mirai_msgs/SimStatus: steps, parts spawned/picked/missed, collisions,
 *     contacts now, samples dropped; header stamp on the cell's clock) at
 *     rate.status_hz and once more when the loop ends, and in lockstep mode
 *     /clock (rosgraph_msgs/Clock) once per physics step before that step's
 *     samples;
 *   subscribes /joint_commands (sensor_msgs/JointState with effort and/or
 *     position, by joint name). A sample with NaN/inf or arrays that do not
 *     match its names is dropped at the DDS boundary (dds/node.h); the cell's
 *     gate (sim/command.h) then rejects wrong lengths, unknown or repeated
 *     names and stamps from the future. Every rejection is counted
 *     (mi_sim_node_counters, and the summary line logged at exit) and logged
 *     at most once a second. The watchdog holds the arm when commands stop.
 *
 * Stamps: realtime mode stamps on wall time and maps command stamps from
 * wall time to the cell's time; lockstep mode stamps on sim time, and the
 * node's own DDS clock is that sim time (so a command stamped with the
 * /clock it received is compared with the same clock).
 *
 * Threads: mi_sim_node_run spins the DDS executor (command subscription) on
 * the calling thread and runs the sim loop (sim/loop.h) on a thread of its
 * own; commands pass from the executor to the loop through a lock-free SPSC
 * queue (core/ring.h), counters through a mutex-guarded snapshot. Tests that
 * drive lockstep themselves call mi_sim_node_spin_some and mi_sim_node_step
 * from one thread instead, and never call mi_sim_node_run.
 */
#ifndef MI_SIM_NODE_H
#define MI_SIM_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "dds/node.h"
#include "sim/cell.h"
#include "sim/params.h"
#include "worldmodel/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mi_sim_node mi_sim_node;

typedef struct mi_sim_node_counters {
  mi_sim_cell_stats cell;          /* steps, parts, drops, the gate's counters by reason */
  uint64_t commands_received;      /* handed to the gate */
  uint64_t commands_rejected_dds;  /* dropped at the DDS boundary (non-finite, lengths) */
  uint64_t commands_queue_full;    /* dropped: the loop fell behind by 64 commands */
  uint64_t joint_states, part_poses, wrenches, zones, clocks, statuses; /* samples published */
  uint64_t overruns;               /* realtime steps that started a period late */
  int64_t sim_time_ns;             /* the cell's time after the last step */
} mi_sim_node_counters;

/* Every rejected command, wherever it was rejected. */
uint64_t mi_sim_node_commands_rejected(const mi_sim_node_counters *c);

/* Load the model (p->urdf, p->cell), build the cell and the DDS node
 * "sim" with its publishers and subscription. Caller frees with
 * mi_sim_node_destroy.
 * @retval MI_ERR_INVALID  no model.urdf, a model the plant cannot take, bad
 *                         params (err says which, with file:line for the
 *                         model files)
 * @retval MI_ERR_DDS      (err has Cyclone's message)
 * @retval MI_ERR_NOMEM */
mi_status mi_sim_node_create(const mi_sim_params *p, mi_sim_node **out, char *err,
                             size_t err_sz);

/* Run: the sim loop on its own thread, the executor on this one, until
 * time.duration_s of sim time has passed, mi_sim_node_stop or
 * mi_dds_shutdown (SIGINT/SIGTERM). Logs a counters summary at the end.
 * @retval MI_OK; an error of the cell or the executor */
mi_status mi_sim_node_run(mi_sim_node *n);

/* Make mi_sim_node_run return (any thread). */
void mi_sim_node_stop(mi_sim_node *n);

/* External driving (tests; never together with mi_sim_node_run, and from
 * one thread): take commands that arrived within timeout_ns... */
mi_status mi_sim_node_spin_some(mi_sim_node *n, int64_t timeout_ns);
/* ...and run one physics step: /clock (lockstep), queued commands, the
 * step, every due sample published. @retval an error from the cell */
mi_status mi_sim_node_step(mi_sim_node *n);

/* A snapshot of the counters (any thread). */
void mi_sim_node_counters_get(mi_sim_node *n, mi_sim_node_counters *out);

/* The model the plant was built from, the DDS node (owned by the sim node). */
const mi_model *mi_sim_node_model(const mi_sim_node *n);
mi_dds_node *mi_sim_node_dds(mi_sim_node *n);

void mi_sim_node_destroy(mi_sim_node *n);

/* `mirai node sim` (launch/node.h). */
int mi_node_main_sim(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* MI_SIM_NODE_H */
