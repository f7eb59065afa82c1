/* dds/msgs.h - every message type mirai speaks, and what mirai knows about them.
 *
 * The C types are generated at build time by Cyclone's idlc from the IDL in
 * dds/idl/<pkg>/msg/<Name>.idl (ROS 2 layouts: modules <pkg>::msg::dds_,
 * struct names with a trailing underscore, @final, XCDR1). The generated
 * headers land in <build>/dds/<pkg>/msg/<Name>.h; include this header, not
 * those: it includes them all and gives each type a short name:
 *
 *   mi_msg_joint_state  == sensor_msgs_msg_dds__JointState_
 *                          (DDS type "sensor_msgs::msg::dds_::JointState_",
 *                           ROS 2 type "sensor_msgs/msg/JointState")
 *
 * Generated C layout: a `string` is `char *` (NUL-terminated, never NULL in a
 * sample to write: use ""), a `sequence<T>` is
 *   struct { uint32_t _maximum, _length; T *_buffer; bool _release; }
 * A message you fill to publish may point its strings and sequences at your
 * own memory (MI_MSG_SEQ below, _release = false): dds_write serialises and
 * never keeps or frees them. A received sample is owned by the DDS layer and
 * valid only during the callback that receives it.
 *
 * MI_MSG_TYPES is the table of types: a field table per type (msg.c) drives
 * validation, deep copy, comparison, YAML output (`mirai topic echo`) and
 * YAML input (`mirai topic pub`) for every type alike.
 */
#ifndef MI_DDS_MSGS_H
#define MI_DDS_MSGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

#include "builtin_interfaces/msg/Duration.h"
#include "builtin_interfaces/msg/Time.h"
#include "geometry_msgs/msg/Point.h"
#include "geometry_msgs/msg/Pose.h"
#include "geometry_msgs/msg/PoseArray.h"
#include "geometry_msgs/msg/PoseStamped.h"
#include "geometry_msgs/msg/Quaternion.h"
#include "geometry_msgs/msg/Twist.h"
#include "geometry_msgs/msg/TwistStamped.h"
#include "geometry_msgs/msg/Vector3.h"
#include "geometry_msgs/msg/Wrench.h"
#include "geometry_msgs/msg/WrenchStamped.h"
#include "mirai_msgs/msg/ControllerStatus.h"
#include "mirai_msgs/msg/PlannerStatus.h"
#include "mirai_msgs/msg/SimStatus.h"
#include "mirai_msgs/msg/ZoneStatus.h"
#include "rosgraph_msgs/msg/Clock.h"
#include "sensor_msgs/msg/JointState.h"
#include "std_msgs/msg/Header.h"
#include "trajectory_msgs/msg/JointTrajectory.h"
#include "trajectory_msgs/msg/JointTrajectoryPoint.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(ID, short C type, generated C type, ROS 2 package, ROS 2 name) */
#define MI_MSG_TYPES(X)                                                                        \
  X(TIME, mi_msg_time, builtin_interfaces_msg_dds__Time_, builtin_interfaces, Time)            \
  X(DURATION, mi_msg_duration, builtin_interfaces_msg_dds__Duration_, builtin_interfaces,      \
    Duration)                                                                                  \
  X(HEADER, mi_msg_header, std_msgs_msg_dds__Header_, std_msgs, Header)                        \
  X(JOINT_STATE, mi_msg_joint_state, sensor_msgs_msg_dds__JointState_, sensor_msgs, JointState) \
  X(POINT, mi_msg_point, geometry_msgs_msg_dds__Point_, geometry_msgs, Point)                  \
  X(QUATERNION, mi_msg_quaternion, geometry_msgs_msg_dds__Quaternion_, geometry_msgs,          \
    Quaternion)                                                                                \
  X(POSE, mi_msg_pose, geometry_msgs_msg_dds__Pose_, geometry_msgs, Pose)                      \
  X(POSE_STAMPED, mi_msg_pose_stamped, geometry_msgs_msg_dds__PoseStamped_, geometry_msgs,     \
    PoseStamped)                                                                               \
  X(POSE_ARRAY, mi_msg_pose_array, geometry_msgs_msg_dds__PoseArray_, geometry_msgs, PoseArray) \
  X(VECTOR3, mi_msg_vector3, geometry_msgs_msg_dds__Vector3_, geometry_msgs, Vector3)          \
  X(TWIST, mi_msg_twist, geometry_msgs_msg_dds__Twist_, geometry_msgs, Twist)                  \
  X(TWIST_STAMPED, mi_msg_twist_stamped, geometry_msgs_msg_dds__TwistStamped_, geometry_msgs,  \
    TwistStamped)                                                                              \
  X(WRENCH, mi_msg_wrench, geometry_msgs_msg_dds__Wrench_, geometry_msgs, Wrench)              \
  X(WRENCH_STAMPED, mi_msg_wrench_stamped, geometry_msgs_msg_dds__WrenchStamped_,              \
    geometry_msgs, WrenchStamped)                                                              \
  X(JOINT_TRAJECTORY_POINT, mi_msg_joint_trajectory_point,                                     \
    trajectory_msgs_msg_dds__JointTrajectoryPoint_, trajectory_msgs, JointTrajectoryPoint)     \
  X(JOINT_TRAJECTORY, mi_msg_joint_trajectory, trajectory_msgs_msg_dds__JointTrajectory_,      \
    trajectory_msgs, JointTrajectory)                                                          \
  X(CLOCK, mi_msg_clock, rosgraph_msgs_msg_dds__Clock_, rosgraph_msgs, Clock)                  \
  X(ZONE_STATUS, mi_msg_zone_status, mirai_msgs_msg_dds__ZoneStatus_, mirai_msgs, ZoneStatus)  \
  X(PLANNER_STATUS, mi_msg_planner_status, mirai_msgs_msg_dds__PlannerStatus_, mirai_msgs,     \
    PlannerStatus)                                                                             \
  X(CONTROLLER_STATUS, mi_msg_controller_status, mirai_msgs_msg_dds__ControllerStatus_,        \
    mirai_msgs, ControllerStatus)                                                              \
  X(SIM_STATUS, mi_msg_sim_status, mirai_msgs_msg_dds__SimStatus_, mirai_msgs, SimStatus)

/* short names for the generated types */
#define MI_MSG_TYPEDEF_(id, ct, gt, pkg, name) typedef gt ct;
MI_MSG_TYPES(MI_MSG_TYPEDEF_)
#undef MI_MSG_TYPEDEF_

typedef enum mi_msg_type {
#define MI_MSG_ENUM_(id, ct, gt, pkg, name) MI_MSG_##id,
  MI_MSG_TYPES(MI_MSG_ENUM_)
#undef MI_MSG_ENUM_
  MI_MSG_TYPE_COUNT
} mi_msg_type;

/* The mi_msg_type of a pointer's pointee, at compile time:
 * MI_MSG_TYPE_OF(&js) == MI_MSG_JOINT_STATE. */
#define MI_MSG_GENERIC_(id, ct, gt, pkg, name) ct * : MI_MSG_##id, const ct * : MI_MSG_##id,
#define MI_MSG_TYPE_OF(ptr) \
  _Generic((ptr), MI_MSG_TYPES(MI_MSG_GENERIC_) default: MI_MSG_TYPE_COUNT)

/* mirai_msgs/ControllerStatus constants (the .msg file's) */
#define MI_CTRL_STATE_RUN mirai_msgs_msg_dds__ControllerStatus_Constants_STATE_RUN
#define MI_CTRL_STATE_DEGRADED mirai_msgs_msg_dds__ControllerStatus_Constants_STATE_DEGRADED
#define MI_CTRL_STATE_SAFE_STOP mirai_msgs_msg_dds__ControllerStatus_Constants_STATE_SAFE_STOP
#define MI_CTRL_INPUT_OK mirai_msgs_msg_dds__ControllerStatus_Constants_INPUT_OK
#define MI_CTRL_INPUT_LATE mirai_msgs_msg_dds__ControllerStatus_Constants_INPUT_LATE
#define MI_CTRL_INPUT_EXPIRED mirai_msgs_msg_dds__ControllerStatus_Constants_INPUT_EXPIRED

/* Bounds every inbound sample is checked against (ROS 2's types are
 * unbounded; mirai is not). */
#define MI_MSG_STRING_MAX 256   /* bytes, without the NUL */
#define MI_MSG_SEQ_MAX 4096     /* items in any sequence */

/* --- field tables (reflection) ----------------------------------------- */

typedef enum mi_msg_kind {
  MI_MSGK_BOOL,   /* bool */
  MI_MSGK_U8,     /* uint8_t */
  MI_MSGK_I32,    /* int32_t */
  MI_MSGK_U32,    /* uint32_t */
  MI_MSGK_U64,    /* uint64_t */
  MI_MSGK_F64,    /* double */
  MI_MSGK_STRING, /* char * */
  MI_MSGK_STRUCT  /* nested message, `sub` */
} mi_msg_kind;

typedef struct mi_msg_field {
  const char *name; /* the .msg field name */
  mi_msg_kind kind; /* the item kind (of each element, for a sequence) */
  bool seq;         /* sequence<kind> */
  size_t offset;    /* offsetof in the generated struct */
  mi_msg_type sub;  /* MI_MSGK_STRUCT: the nested type */
} mi_msg_field;

typedef struct mi_msg_info {
  mi_msg_type id;
  const char *ros_name; /* "sensor_msgs/msg/JointState" */
  const char *dds_name; /* "sensor_msgs::msg::dds_::JointState_" */
  const dds_topic_descriptor_t *desc;
  size_t size; /* sizeof the generated struct */
  const mi_msg_field *fields;
  size_t n_fields;
} mi_msg_info;

/* The type's description; NULL for an id out of range. Static. */
const mi_msg_info *mi_msg_info_of(mi_msg_type t);

/* Look a type up by any of its names: "sensor_msgs/msg/JointState",
 * "sensor_msgs/JointState", "sensor_msgs::msg::dds_::JointState_".
 * @retval MI_ERR_NOT_FOUND (*out unchanged) */
mi_status mi_msg_type_find(const char *name, mi_msg_type *out);

/* --- samples ------------------------------------------------------------ */

/* Zero msg, then set fields with a non-zero ROS 2 default (Quaternion w = 1)
 * and every string to "" (static, not owned). */
void mi_msg_init(mi_msg_type t, void *msg);

/* Free what a sample made by mi_msg_copy or mi_msg_from_yaml owns (strings,
 * sequence buffers) and zero it. Never call it on a sample whose memory is
 * the caller's own (MI_MSG_SEQ) or on a received one. */
void mi_msg_fini(mi_msg_type t, void *msg);

/* Deep copy src into dst (dst's previous contents are not freed). dst owns
 * everything it points to afterwards: release with mi_msg_fini.
 * @retval MI_ERR_NOMEM (dst is then left empty, as after mi_msg_fini) */
mi_status mi_msg_copy(mi_msg_type t, void *dst, const void *src);

/* Field-by-field equality (floats compared bitwise, so NaN == NaN). */
bool mi_msg_equal(mi_msg_type t, const void *a, const void *b);

/* Inbound validation: every float finite, strings and sequences within
 * MI_MSG_STRING_MAX / MI_MSG_SEQ_MAX, strings non-NULL, and per-type rules
 * (JointState: position/velocity/effort each empty or as long as name;
 * JointTrajectory: each point's non-empty arrays as long as joint_names;
 * Time/Duration: nanosec < 1e9; Quaternion: not all zero).
 * @retval MI_ERR_REJECTED  with the first reason in why ("position[2] is nan") */
mi_status mi_msg_validate(mi_msg_type t, const void *msg, char *why, size_t why_sz);

/* Write msg as YAML, the way `ros2 topic echo` does (nested maps, sequences
 * of numbers as "- x" lists, floats with full precision), each line prefixed
 * by `indent` spaces. Ends with a newline; does not print the "---". */
void mi_msg_print_yaml(mi_msg_type t, const void *msg, FILE *f, int indent);

/* Parse YAML text ("{name: [a, b], position: [0.1, 0.2]}" or block style)
 * into out, starting from mi_msg_init's defaults; absent fields keep them.
 * out owns its strings and sequences afterwards: release with mi_msg_fini.
 * @retval MI_ERR_PARSE with "line:col: ..." in err (unknown field with a
 *         did-you-mean, wrong type); out is then left empty */
mi_status mi_msg_from_yaml(mi_msg_type t, const char *yaml, void *out, char *err, size_t err_sz);

/* Bytes msg takes on the wire as XCDR1 (without the 4-byte encapsulation
 * header): what ROS 2 and ddsperf call its payload size. */
size_t mi_msg_cdr_size(mi_msg_type t, const void *msg);

/* --- helpers ------------------------------------------------------------ */

/* builtin_interfaces/Time <-> ns (floor division, so negative times keep
 * 0 <= nanosec < 1e9; seconds saturate at int32 limits). */
mi_msg_time mi_msg_time_from_ns(int64_t ns);
int64_t mi_msg_time_to_ns(const mi_msg_time *t);
mi_msg_duration mi_msg_duration_from_ns(int64_t ns);
int64_t mi_msg_duration_to_ns(const mi_msg_duration *d);

/* A sequence that borrows n items at ptr (not freed by DDS):
 *   js.position = MI_MSG_SEQ(dds_sequence_double, q, 7); */
#define MI_MSG_SEQ(seqtype, ptr, n) \
  ((seqtype){._maximum = (uint32_t)(n), ._length = (uint32_t)(n), ._buffer = (ptr), ._release = false})

#ifdef __cplusplus
}
#endif

#endif /* MI_DDS_MSGS_H */
