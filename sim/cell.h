/* sim/cell.h - the simulated factory cell: the arm, fixtures, a conveyor
 * bringing parts, a safety zone a person enters; physics in Bullet
 * (sim/bullet_capi.h), sensors with noise, latency and dropout
 * (sim/sensors.h), the seeded schedules (sim/schedule.h) and the command
 * gate with its watchdog (sim/command.h). No DDS here: the node
 * (sim/node.c) moves samples between a cell and the topics.
 *
 * The cell is described by mi_sim_cell_desc, which the node fills from the
 * predictor's own model (same URDF, same cell YAML), and configured by the
 * plant-only mi_sim_params. Time is the cell's own: it starts at 0 and moves
 * by one physics step per mi_sim_cell_step; samples carry that time. Given
 * the same description, params, and the same commands submitted between the
 * same steps, a cell produces bit-identical samples.
 *
 * The gripper: a suction cup at the tool point (desc.tool_point on the tool
 * link). After each step, a part on the belt is grasped when its grasp point
 * (the centre of its top face: the pose's +z by its half height) lies within
 * grasp.radius_m of the tool point and the tool point's speed relative to the
 * part is below grasp.speed_mps. A grasped part counts as picked: it leaves
 * the belt attached to the tool (removed from the physics and from
 * rt/part_poses; it is not carried as payload). A part that leaves the belt
 * unpicked (off its end, or knocked off) counts as missed. Picks attempted =
 * picked + missed: the parts that arrived and were resolved during the run.
 *
 * Collisions: from Bullet's contact manifolds after each step, the pairs
 * (arm link, anything else: fixture, floor, belt, part, another link) with a
 * touching contact point; a collision is the onset of such a pair (touching
 * now, not within the previous 100 ms: Bullet's manifolds flicker on a
 * resting or sliding contact), counted once per onset, not per step.
 * The grasp itself is no collision: the tool link touching the part it
 * grasps in that step. At most MI_SIM_MAX_CONTACT_PAIRS pairs are tracked at
 * once (more are counted as onsets every step: never silently lost).
 *
 * Threads: a cell is used by one thread. mi_sim_cell_step does not allocate.
 */
#ifndef MI_SIM_CELL_H
#define MI_SIM_CELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/math.h"
#include "core/status.h"
#include "sim/bullet_capi.h"
#include "sim/command.h"
#include "sim/params.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MI_SIM_MAX_FIXTURES 16
#define MI_SIM_MAX_PART_KINDS 8
#define MI_SIM_MAX_PARTS 32
#define MI_SIM_NAME_MAX 64
#define MI_SIM_MAX_CONTACT_PAIRS 64

typedef struct mi_sim_part_kind {
  char name[MI_SIM_NAME_MAX];
  mi_bt_shape shape;
  mi_vec3 size; /* as mi_bt_body_desc */
  double mass;  /* kg */
} mi_sim_part_kind;

typedef struct mi_sim_cell_desc {
  mi_bt_arm_desc arm;
  int n_joints;                                        /* moving joints */
  char joint_names[MI_SIM_MAX_JOINTS][MI_SIM_NAME_MAX]; /* model joint order */
  int tool_link;                                       /* link index of the wrist sensor */
  mi_vec3 tool_point; /* the suction gripper's point in the tool link frame, m (the
                       * model's tool frame: what the predictor's pick aims at) */
  mi_vec3 gravity;                                     /* m/s^2 */
  int n_fixtures;
  mi_bt_body_desc fixtures[MI_SIM_MAX_FIXTURES];
  bool fixture_on_base[MI_SIM_MAX_FIXTURES]; /* a collision sphere of the arm's fixed
                                                base: never in contact with the links
                                                jointed to the base */
  bool has_conveyor;
  mi_pose conveyor_pose;  /* centre of the belt box */
  mi_vec3 conveyor_half;  /* half extents; parts enter at -x end, leave at +x end (belt frame) */
  double conveyor_speed;  /* m/s along the belt's +x */
  double conveyor_friction;
  int n_part_kinds;
  mi_sim_part_kind part_kinds[MI_SIM_MAX_PART_KINDS];
  bool has_zone;
  mi_vec3 zone_min, zone_max; /* axis-aligned box in the world, m */
  char zone_name[MI_SIM_NAME_MAX]; /* the cell's name for it (rt/safety_zone zone_id) */
} mi_sim_cell_desc;

/* rt/joint_states payload */
typedef struct mi_sim_joint_sample {
  int64_t stamp_ns; /* when measured, cell time */
  int n;
  double position[MI_SIM_MAX_JOINTS];
  double velocity[MI_SIM_MAX_JOINTS];
  double effort[MI_SIM_MAX_JOINTS];
} mi_sim_joint_sample;

/* rt/part_poses payload */
typedef struct mi_sim_parts_sample {
  int64_t stamp_ns;
  int n;
  uint32_t id[MI_SIM_MAX_PARTS];   /* arrival index, stable while the part lives */
  int kind[MI_SIM_MAX_PARTS];
  mi_pose pose[MI_SIM_MAX_PARTS];  /* world frame */
} mi_sim_parts_sample;

/* rt/wrench payload: the wrist sensor on the tool link, world axes, about
 * the tool link origin: contact forces on the tool link plus the payload's
 * weight (the true payload, including plant.payload_mass_error_kg). */
typedef struct mi_sim_wrench_sample {
  int64_t stamp_ns;
  mi_vec3 force, torque;
} mi_sim_wrench_sample;

/* rt/safety_zone payload: occupied while the person is in the zone (the
 * person.* schedule) or while anything the plant moves and the model does
 * not (a part off the belt) has its centre inside the zone box. */
typedef struct mi_sim_zone_sample {
  int64_t stamp_ns;
  bool occupied;
  bool person;     /* the person is in the zone */
  int objects;     /* parts whose centre is inside the zone box */
} mi_sim_zone_sample;

typedef struct mi_sim_cell_stats {
  uint64_t steps;
  uint64_t parts_spawned, parts_skipped, parts_left;
  /* picks (see "The gripper" above): parts grasped; parts that left the belt
   * unpicked; parts whose grasp point came within grasp.radius_m of the
   * tool point while the relative speed was above grasp.speed_mps (each
   * part counted once) */
  uint64_t parts_picked, parts_missed, grasps_too_fast;
  /* contacts (see "Collisions" above): pair onsets, pairs touching now */
  uint64_t collisions;
  uint32_t contacts_now;
  uint64_t joint_states_dropped, part_poses_dropped;
  mi_sim_cmd_counters commands;
} mi_sim_cell_stats;

typedef struct mi_sim_cell mi_sim_cell;

/* Build a cell. Caller destroys with mi_sim_cell_destroy.
 * @retval MI_ERR_INVALID  a bad description or params (message in err)
 * @retval MI_ERR_NOMEM */
mi_status mi_sim_cell_create(const mi_sim_cell_desc *d, const mi_sim_params *p,
                             mi_sim_cell **out, char *err, size_t err_sz);
void mi_sim_cell_destroy(mi_sim_cell *c);

/* Hand in an inbound joint command (validated, counted; see sim/command.h),
 * received at the cell's current time.
 * @retval MI_OK or MI_ERR_REJECTED */
mi_status mi_sim_cell_command(mi_sim_cell *c, const mi_sim_cmd_in *cmd);

/* The sensors due at the current time sample the state (into their delay
 * lines: pop them with mi_sim_cell_pop_*). mi_sim_cell_step does it first
 * itself; a sensor samples once per due time, so calling this before it
 * only lets a caller publish the samples before the physics step. */
void mi_sim_cell_sense(mi_sim_cell *c);

/* One physics step: sensor sampling (mi_sim_cell_sense), arrivals,
 * watchdog, actuation, physics, parts leaving. */
mi_status mi_sim_cell_step(mi_sim_cell *c);

/* Cell time in ns (steps * physics period). */
int64_t mi_sim_cell_time_ns(const mi_sim_cell *c);
int64_t mi_sim_cell_period_ns(const mi_sim_cell *c);

/* Samples due for publication at the current time, oldest first; each
 * returns true when it wrote one. Call until false after each step. */
bool mi_sim_cell_pop_joint_state(mi_sim_cell *c, mi_sim_joint_sample *out);
bool mi_sim_cell_pop_part_poses(mi_sim_cell *c, mi_sim_parts_sample *out);
bool mi_sim_cell_pop_wrench(mi_sim_cell *c, mi_sim_wrench_sample *out);
bool mi_sim_cell_pop_zone(mi_sim_cell *c, mi_sim_zone_sample *out);

/* A part on the cell's belt (tests, the task benchmark): the true state, no
 * noise or latency. Returns the number of live parts written (up to max). */
typedef struct mi_sim_part_state {
  uint32_t id;
  int kind;
  mi_pose pose;
  mi_vec3 vel;          /* m/s */
  mi_vec3 grasp_point;  /* world, m */
} mi_sim_part_state;
int mi_sim_cell_parts(const mi_sim_cell *c, mi_sim_part_state *out, int max);

/* The tool point in the world (m), as the gripper sees it. */
mi_vec3 mi_sim_cell_tool_point(const mi_sim_cell *c);

/* Counters (a copy). */
mi_sim_cell_stats mi_sim_cell_stats_get(const mi_sim_cell *c);

/* The model's joint names (n_joints of them; owned by the cell). */
const char *const *mi_sim_cell_joint_names(const mi_sim_cell *c);
int mi_sim_cell_joints(const mi_sim_cell *c);

/* The safety zone's name ("" without a zone box). Owned by the cell. */
const char *mi_sim_cell_zone_name(const mi_sim_cell *c);

/* The physics world, for tests and diagnostics (owned by the cell). */
mi_bt_world *mi_sim_cell_world(mi_sim_cell *c);

#ifdef __cplusplus
}
#endif

#endif /* MI_SIM_CELL_H */
