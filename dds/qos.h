/* dds/qos.h - the QoS profiles and the topic table: the one place in mirai
 * that spells out QoS (ARCHITECTURE.md, "Messages and topics").
 *
 *   profile  reliability  history       durability       used for
 *   sensor   best-effort  keep-last 1   volatile         high-rate measurements
 *   command  reliable     keep-last 1   volatile         goals, joint commands
 *   plan     reliable     keep-last 1   transient-local  rt/plan (a restarted controller gets it)
 *   state    reliable     keep-last 1   transient-local  status, safety zone
 *   clock    best-effort  keep-last 1   volatile         rt/clock
 *
 * Writers of the reliable profiles keep the last MI_QOS_WRITER_DEPTH samples
 * (mi_qos_create_writer) so that a reader that lags a few samples behind (a
 * recorder on a loaded machine) gets every one retransmitted instead of
 * losing what a newer write replaced; a late-joining reader of a
 * transient-local topic still gets only the latest (durability service
 * depth = the profile's depth). Readers keep the profile's depth (1): the
 * newest sample is what a node acts on. KEEP_LAST never blocks a writer.
 *
 * No DDS DEADLINE is set: freshness is checked by the application
 * (mi_dds_sub_opts.max_age_ns), because a DDS deadline never fires for a
 * writer that never started and Cyclone 0.10.2 has deadline bugs.
 */
#ifndef MI_DDS_QOS_H
#define MI_DDS_QOS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "dds/dds.h"
#include "dds/msgs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(ID, name, reliable, transient_local, depth) */
#define MI_QOS_PROFILES(X)              \
  X(SENSOR, "sensor", false, false, 1)  \
  X(COMMAND, "command", true, false, 1) \
  X(PLAN, "plan", true, true, 1)        \
  X(STATE, "state", true, true, 1)      \
  X(CLOCK, "clock", false, false, 1)

typedef enum mi_qos_profile {
#define MI_QOS_ENUM_(id, name, rel, tl, depth) MI_QOS_##id,
  MI_QOS_PROFILES(MI_QOS_ENUM_)
#undef MI_QOS_ENUM_
  MI_QOS_PROFILE_COUNT
} mi_qos_profile;

typedef struct mi_qos_info {
  const char *name;
  bool reliable;
  bool transient_local;
  int32_t depth;
} mi_qos_info;

/* The profile's row; NULL when out of range. Static. */
const mi_qos_info *mi_qos_info_of(mi_qos_profile p);

/* A new dds_qos_t for the profile (reader and writer alike); the caller
 * deletes it with dds_delete_qos. NULL when p is out of range or no memory. */
dds_qos_t *mi_qos_create(mi_qos_profile p);

/* The writer's QoS for the profile: mi_qos_create's, and for reliable
 * profiles history KEEP_LAST MI_QOS_WRITER_DEPTH with the durability
 * service keeping the profile's depth for late joiners. Caller deletes it. */
#define MI_QOS_WRITER_DEPTH 64
dds_qos_t *mi_qos_create_writer(mi_qos_profile p);

/* "sensor" -> MI_QOS_SENSOR. @retval MI_ERR_NOT_FOUND (*out unchanged) */
mi_status mi_qos_parse(const char *name, mi_qos_profile *out);

/* --- the topic table ------------------------------------------------------
 * X(ID, ROS 2 name, message type, QoS profile). The DDS topic name is "rt/"
 * + the ROS 2 name without its leading slash (rmw_cyclonedds' mapping). */
#define MI_TOPICS(X)                                                          \
  X(JOINT_STATES, "/joint_states", MI_MSG_JOINT_STATE, MI_QOS_SENSOR)          \
  X(PART_POSES, "/part_poses", MI_MSG_POSE_ARRAY, MI_QOS_SENSOR)               \
  X(WRENCH, "/wrench", MI_MSG_WRENCH_STAMPED, MI_QOS_SENSOR)                   \
  X(SAFETY_ZONE, "/safety_zone", MI_MSG_ZONE_STATUS, MI_QOS_STATE)             \
  X(GOAL, "/goal", MI_MSG_POSE_STAMPED, MI_QOS_COMMAND)                        \
  X(TELEOP_TWIST, "/teleop/twist", MI_MSG_TWIST_STAMPED, MI_QOS_SENSOR)        \
  X(PLAN, "/plan", MI_MSG_JOINT_TRAJECTORY, MI_QOS_PLAN)                       \
  X(PLANNER_STATUS, "/planner/status", MI_MSG_PLANNER_STATUS, MI_QOS_STATE)    \
  X(JOINT_COMMANDS, "/joint_commands", MI_MSG_JOINT_STATE, MI_QOS_COMMAND)     \
  X(CONTROLLER_STATUS, "/controller/status", MI_MSG_CONTROLLER_STATUS,         \
    MI_QOS_STATE)                                                              \
  X(SIM_STATUS, "/sim/status", MI_MSG_SIM_STATUS, MI_QOS_STATE)               \
  X(CLOCK, "/clock", MI_MSG_CLOCK, MI_QOS_CLOCK)

typedef enum mi_topic {
#define MI_TOPIC_ENUM_(id, name, type, qos) MI_TOPIC_##id,
  MI_TOPICS(MI_TOPIC_ENUM_)
#undef MI_TOPIC_ENUM_
  MI_TOPIC_COUNT
} mi_topic;

typedef struct mi_topic_info {
  const char *ros_name; /* "/joint_states" */
  const char *dds_name; /* "rt/joint_states" */
  mi_msg_type type;
  mi_qos_profile qos;
} mi_topic_info;

/* The topic's row; NULL when out of range. Static. */
const mi_topic_info *mi_topic_info_of(mi_topic t);

/* Find a row by ROS 2 name ("/plan" or "plan") or DDS name ("rt/plan").
 * @retval MI_ERR_NOT_FOUND (*out unchanged) */
mi_status mi_topic_find(const char *name, mi_topic *out);

/* ROS 2 topic name -> DDS topic name: "/a/b" and "a/b" -> "rt/a/b"; a name
 * already starting with "rt/" is kept.
 * @retval MI_ERR_INVALID empty name, or a character ROS 2 does not allow
 *         (letters, digits, '_' and '/' only; no "//", no trailing '/')
 * @retval MI_ERR_RANGE the result does not fit in out_sz */
mi_status mi_topic_dds_name(const char *ros_name, char *out, size_t out_sz);

#ifdef __cplusplus
}
#endif

#endif /* MI_DDS_QOS_H */
