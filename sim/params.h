/* sim/params.h - the sim node's parameters: one table (sim/params.c) drives
 * defaults, the params file, `mirai node sim --help` and the README section.
 *
 * model.* names the same URDF and cell YAML the predictor loads; everything
 * under plant.*, noise.*, latency.*, dropout.*, parts.*, person.* is
 * plant-only: the predictor does not know it, so the learner has something
 * real to learn. Units are in the names or the table's unit column.
 */
#ifndef MI_SIM_PARAMS_H
#define MI_SIM_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/params.h"
#include "dds/domain.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mi_sim_time_mode {
  MI_SIM_TIME_REALTIME = 0, /* steps paced by the monotonic clock, stamps on wall time */
  MI_SIM_TIME_LOCKSTEP = 1  /* sim time published on rt/clock; stamps on sim time */
} mi_sim_time_mode;

typedef struct mi_sim_params {
  char urdf[MI_PARAM_STR_MAX];
  char cell[MI_PARAM_STR_MAX];
  int64_t seed;
  int time_mode; /* mi_sim_time_mode */
  double physics_hz;
  double real_time_factor;
  double duration_s;
  mi_dds_params dds; /* dds.domain_id, dds.config (use_sim_time is unused: the sim owns time) */
  double joint_states_hz, wrench_hz, part_poses_hz, safety_zone_hz;
  double payload_mass_error_kg;
  mi_param_doubles joint_friction_nm;
  mi_param_doubles initial_q;
  double noise_joint_pos, noise_joint_pos_bias, noise_joint_vel, noise_joint_effort;
  double noise_part_pos, noise_part_rot, noise_wrench_force, noise_wrench_torque;
  double latency_joint_states_ms, latency_part_poses_ms, latency_part_poses_jitter_ms;
  double dropout_joint_states, dropout_part_poses;
  double parts_first_s, parts_interval_s, parts_jitter, parts_lateral_m;
  int64_t parts_max;
  double parts_linger_s;
  mi_param_doubles person_enter_s, person_leave_s;
  double watchdog_timeout_ms, future_tolerance_ms;
  mi_param_doubles hold_kp, hold_kd, position_kp, position_kd;
  bool hold_before_first; /* hold the start pose until the first command (brakes) */
  bool gravity_comp; /* the joint servo adds the plant's gravity torques */
  char zone_name[MI_PARAM_STR_MAX];
  double zone_occupied_speed_scale;
  double grasp_radius_m, grasp_speed_mps; /* the suction gripper (sim/cell.h) */
  double status_hz;                       /* rt/sim/status rate */
} mi_sim_params;

/* The table (node name "sim"). */
const mi_param_table *mi_sim_params_table(void);

/* Defaults into p. @retval MI_OK always for a correct table */
mi_status mi_sim_params_defaults(mi_sim_params *p, char *err, size_t err_sz);

/* The value for joint i from a per-joint list: empty gives def, one value
 * applies to every joint, else item i (def past the end). */
double mi_sim_param_per_joint(const mi_param_doubles *d, int i, double def);

#ifdef __cplusplus
}
#endif

#endif /* MI_SIM_PARAMS_H */
