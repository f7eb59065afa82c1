/* sim/params.c - the sim node's params table. */
#include "sim/params.h"

#include "core/hd.h"

#define S mi_sim_params
static const mi_param_def k_defs[] = {
    MI_P_STRING(S, urdf, "model.urdf", "\"\"", "robot URDF, the same file the predictor loads"),
    MI_P_STRING(S, cell, "model.cell", "\"\"", "cell YAML (fixtures, conveyor, parts, zones), as the predictor's"),
    MI_P_INT(S, seed, "seed", "1", 0, 4294967295.0, NULL, "seed of every random draw of the plant (noise, dropout, arrivals)"),
    MI_P_ENUM(S, time_mode, "time.mode", "realtime", "realtime|lockstep", "realtime: paced by the clock; lockstep: publishes rt/clock, every node on sim time"),
    MI_P_DOUBLE(S, physics_hz, "time.physics_hz", "1000.0", 100.0, 10000.0, "Hz", "physics step rate"),
    MI_P_DOUBLE(S, real_time_factor, "time.real_time_factor", "1.0", 0.0, 100.0, NULL, "lockstep pacing: sim seconds per wall second; 0 runs as fast as possible"),
    MI_P_DOUBLE(S, duration_s, "time.duration_s", "0.0", 0.0, 1e9, "s", "stop after this much sim time; 0 runs until SIGINT"),
    MI_P_INT(S, dds.domain_id, "dds.domain_id", "-1", -1, MI_DDS_DOMAIN_MAX, NULL, "DDS domain id; -1 takes ROS_DOMAIN_ID, else 0"),
    MI_P_STRING(S, dds.config, "dds.config", "\"\"", "Cyclone DDS config (XML or file://path) replacing the loopback default"),
    MI_P_DOUBLE(S, joint_states_hz, "rate.joint_states_hz", "1000.0", 1.0, 10000.0, "Hz", "rt/joint_states rate"),
    MI_P_DOUBLE(S, wrench_hz, "rate.wrench_hz", "1000.0", 1.0, 10000.0, "Hz", "rt/wrench rate"),
    MI_P_DOUBLE(S, part_poses_hz, "rate.part_poses_hz", "30.0", 1.0, 1000.0, "Hz", "rt/part_poses rate"),
    MI_P_DOUBLE(S, safety_zone_hz, "rate.safety_zone_hz", "10.0", 1.0, 1000.0, "Hz", "rt/safety_zone rate"),
    MI_P_DOUBLE(S, payload_mass_error_kg, "plant.payload_mass_error_kg", "0.0", -100.0, 100.0, "kg", "payload mass the model does not know, added at the tool link's COM"),
    MI_P_DOUBLES(S, joint_friction_nm, "plant.joint_friction", "[]", 0.0, 1000.0, "N m", "Coulomb friction per joint (one value: every joint)"),
    MI_P_DOUBLES(S, initial_q, "plant.initial_q", "[]", -100.0, 100.0, "rad", "initial joint positions (empty: zeros)"),
    MI_P_DOUBLE(S, noise_joint_pos, "noise.joint_position", "0.0", 0.0, 1.0, "rad", "std dev of joint position noise"),
    MI_P_DOUBLE(S, noise_joint_pos_bias, "noise.joint_position_bias", "0.0", -1.0, 1.0, "rad", "constant joint position offset"),
    MI_P_DOUBLE(S, noise_joint_vel, "noise.joint_velocity", "0.0", 0.0, 10.0, "rad/s", "std dev of joint velocity noise"),
    MI_P_DOUBLE(S, noise_joint_effort, "noise.joint_effort", "0.0", 0.0, 100.0, "N m", "std dev of joint effort noise"),
    MI_P_DOUBLE(S, noise_part_pos, "noise.part_position", "0.0", 0.0, 1.0, "m", "std dev of part position noise, per axis"),
    MI_P_DOUBLE(S, noise_part_rot, "noise.part_rotation", "0.0", 0.0, 1.0, "rad", "std dev of part orientation noise, per axis"),
    MI_P_DOUBLE(S, noise_wrench_force, "noise.wrench_force", "0.0", 0.0, 100.0, "N", "std dev of force noise"),
    MI_P_DOUBLE(S, noise_wrench_torque, "noise.wrench_torque", "0.0", 0.0, 100.0, "N m", "std dev of torque noise"),
    MI_P_DOUBLE(S, latency_joint_states_ms, "latency.joint_states_ms", "0.0", 0.0, 1000.0, "ms", "delay from measurement to publication"),
    MI_P_DOUBLE(S, latency_part_poses_ms, "latency.part_poses_ms", "30.0", 0.0, 5000.0, "ms", "camera latency of rt/part_poses"),
    MI_P_DOUBLE(S, latency_part_poses_jitter_ms, "latency.part_poses_jitter_ms", "5.0", 0.0, 1000.0, "ms", "extra uniform latency in [0, jitter]"),
    MI_P_DOUBLE(S, dropout_joint_states, "dropout.joint_states", "0.0", 0.0, 1.0, NULL, "probability a joint state sample is lost"),
    MI_P_DOUBLE(S, dropout_part_poses, "dropout.part_poses", "0.05", 0.0, 1.0, NULL, "probability a part poses frame is lost"),
    MI_P_DOUBLE(S, parts_first_s, "parts.first_s", "0.5", 0.0, 1e6, "s", "first part arrival"),
    MI_P_DOUBLE(S, parts_interval_s, "parts.interval_s", "4.0", 0.01, 1e6, "s", "mean gap between arrivals"),
    MI_P_DOUBLE(S, parts_jitter, "parts.jitter", "0.25", 0.0, 1.0, NULL, "gap jitter, fraction of the interval (uniform)"),
    MI_P_DOUBLE(S, parts_lateral_m, "parts.lateral_m", "0.02", 0.0, 1.0, "m", "arrival offset across the belt, uniform in [-x, x]"),
    MI_P_INT(S, parts_max, "parts.max", "16", 1, 32, NULL, "parts in the cell at once; arrivals beyond are skipped"),
    MI_P_DOUBLE(S, parts_linger_s, "parts.linger_s", "3.0", 0.0, 1e6, "s", "a part that left the belt leaves the cell this long after"),
    MI_P_DOUBLES(S, person_enter_s, "person.enter_s", "[]", 0.0, 1e9, "s", "times a person enters the safety zone"),
    MI_P_DOUBLES(S, person_leave_s, "person.leave_s", "[]", 0.0, 1e9, "s", "times the person leaves (pairs with enter_s)"),
    MI_P_DOUBLE(S, watchdog_timeout_ms, "watchdog.timeout_ms", "100.0", 1.0, 10000.0, "ms", "no valid command for this long: hold position"),
    MI_P_DOUBLE(S, future_tolerance_ms, "watchdog.future_tolerance_ms", "5.0", 0.0, 10000.0, "ms", "reject commands stamped further ahead than this"),
    MI_P_DOUBLES(S, hold_kp, "hold.kp", "[200.0]", 0.0, 1e6, "N m/rad", "hold stiffness per joint (one value: every joint)"),
    MI_P_DOUBLES(S, hold_kd, "hold.kd", "[20.0]", 0.0, 1e6, "N m s/rad", "hold damping per joint"),
    MI_P_BOOL(S, hold_before_first, "hold.before_first_command", "true", "hold the start pose (as a robot's brakes do) until the first command; false: the arm is limp until then"),
    MI_P_DOUBLES(S, position_kp, "position.kp", "[200.0]", 0.0, 1e6, "N m/rad", "servo stiffness for position commands"),
    MI_P_DOUBLES(S, position_kd, "position.kd", "[20.0]", 0.0, 1e6, "N m s/rad", "servo damping for position commands"),
    MI_P_BOOL(S, gravity_comp, "position.gravity_compensation", "true", "the joint servo adds the gravity torques g(q) of the plant's own links on hold and for position-only commands (as the planner's rollouts do; a command with effort carries its own, the controller's PD + gravity)"),
    MI_P_STRING(S, zone_name, "zone.name", "\"\"", "the cell zone published on rt/safety_zone; empty: the cell's first zone"),
    MI_P_DOUBLE(S, grasp_radius_m, "grasp.radius_m", "0.03", 0.0, 1.0, "m", "suction gripper: a part is grasped when its grasp point (top face centre) is this close to the tool point; 0: no gripper"),
    MI_P_DOUBLE(S, grasp_speed_mps, "grasp.speed_mps", "0.15", 0.0, 10.0, "m/s", "suction gripper: and the tool point moves slower than this relative to the part"),
    MI_P_DOUBLE(S, status_hz, "rate.status_hz", "10.0", 0.1, 1000.0, "Hz", "rt/sim/status rate (steps, parts, picks, collisions)"),
    MI_P_DOUBLE(S, zone_occupied_speed_scale, "zone.occupied_speed_scale", "0.0", 0.0, 1.0, NULL, "speed_scale published while the zone is occupied (1 when free)"),
};
#undef S

static const mi_param_table k_table = {"sim", k_defs, MI_ARRAY_LEN(k_defs)};

const mi_param_table *mi_sim_params_table(void) { return &k_table; }

mi_status mi_sim_params_defaults(mi_sim_params *p, char *err, size_t err_sz) {
  return mi_params_defaults(&k_table, p, err, err_sz);
}

double mi_sim_param_per_joint(const mi_param_doubles *d, int i, double def) {
  if (d->n == 0) return def;
  if (d->n == 1) return d->v[0];
  return i < d->n ? d->v[i] : def;
}
