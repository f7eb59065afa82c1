/* sim/command.h - the plant's command input: validation of inbound joint
 * commands (rt/joint_commands, sensor_msgs/JointState carrying effort and/or
 * position) and the command watchdog.
 *
 * A command is accepted only when every non-empty array has exactly one entry
 * per joint, every number is finite, its names (when given) are the model's
 * joints (any order: they are mapped), and its stamp is not further in the
 * future than the tolerance. Anything else is rejected, counted by reason,
 * and never reaches the arm. The watchdog: once commands have arrived, no
 * accepted command for timeout_ns makes the gate HOLD (the cell then holds
 * the joints where they are) until the next accepted command.
 *
 * Threads: a gate is used by one thread (the sim loop). No allocation.
 */
#ifndef MI_SIM_COMMAND_H
#define MI_SIM_COMMAND_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MI_SIM_MAX_JOINTS 32

/* A plain view of one inbound command (borrowed arrays). */
typedef struct mi_sim_cmd_in {
  int64_t stamp_ns; /* header stamp on the node's clock */
  int n_name;
  const char *const *name;
  int n_position;
  const double *position;
  int n_velocity;
  const double *velocity;
  int n_effort;
  const double *effort;
} mi_sim_cmd_in;

typedef enum mi_sim_cmd_mode {
  MI_SIM_CMD_NONE = 0,   /* no command yet: the arm is passive */
  MI_SIM_CMD_ACTIVE = 1, /* following the latest accepted command */
  MI_SIM_CMD_HOLD = 2    /* the watchdog fired: hold position */
} mi_sim_cmd_mode;

typedef struct mi_sim_cmd_counters {
  uint64_t accepted;
  uint64_t rejected_length;    /* an array of the wrong length, or all empty */
  uint64_t rejected_nonfinite; /* NaN or infinity */
  uint64_t rejected_names;     /* unknown or repeated joint names */
  uint64_t rejected_future;    /* stamp too far in the future */
  uint64_t watchdog_trips;     /* ACTIVE -> HOLD transitions */
} mi_sim_cmd_counters;

typedef struct mi_sim_cmd_gate {
  int n;                                 /* joints */
  const char *const *joint_names;        /* borrowed, n entries */
  int64_t timeout_ns, future_tol_ns;
  mi_sim_cmd_mode mode;
  int64_t last_ns;                       /* receive time of the last accepted */
  bool has_position, has_velocity, has_effort;
  double position[MI_SIM_MAX_JOINTS];    /* in model joint order */
  double velocity[MI_SIM_MAX_JOINTS];
  double effort[MI_SIM_MAX_JOINTS];
  mi_sim_cmd_counters counters;
} mi_sim_cmd_gate;

/* @retval MI_ERR_INVALID  n outside 1..MI_SIM_MAX_JOINTS, timeout_ns <= 0 */
mi_status mi_sim_cmd_gate_init(mi_sim_cmd_gate *g, int n, const char *const *joint_names,
                               int64_t timeout_ns, int64_t future_tol_ns);

/* Validate a command received at now_ns and make it current when valid.
 * @retval MI_OK           accepted
 * @retval MI_ERR_REJECTED rejected (and counted); the gate is unchanged
 *                         apart from its counters */
mi_status mi_sim_cmd_submit(mi_sim_cmd_gate *g, const mi_sim_cmd_in *c, int64_t now_ns);

/* The mode at now_ns; moves ACTIVE to HOLD when the last accepted command is
 * older than the timeout (counted once per trip). */
mi_sim_cmd_mode mi_sim_cmd_poll(mi_sim_cmd_gate *g, int64_t now_ns);

/* A command's stamp (on the node's clock, ns) on the cell's clock, for the
 * future check: stamp - base_ns, less how far the loop is behind its
 * schedule (sender_now_ns - base_ns - cell_now_ns, when positive), where
 * sender_now_ns is now on the clock commands are stamped with: the wall
 * clock in real time (a loop that a stalled machine held back steps at a
 * cell time behind it; that lag is the loop's, not a sender's clock running
 * ahead), base_ns + cell_now_ns in lockstep (no lag). Never moves a stamp
 * forward; 0 (unstamped) stays 0, and a stamp at or before the cell's
 * start becomes 1 ns (the same verdict: only a future stamp is refused). */
int64_t mi_sim_cmd_stamp_on_cell(int64_t stamp_ns, int64_t base_ns, int64_t sender_now_ns,
                                 int64_t cell_now_ns);

/* Total rejected commands. */
uint64_t mi_sim_cmd_rejected(const mi_sim_cmd_gate *g);

#ifdef __cplusplus
}
#endif

#endif /* MI_SIM_COMMAND_H */
