/* dds/record.h - record DDS topics to MCAP and replay them.
 *
 * The recorder takes every sample of its topics in serialised form (the
 * bytes on the wire, Cyclone's dds_takecdr) and appends it to an MCAP file in
 * the ros2 profile (dds/mcap.h): channel topic = the ROS 2 name
 * ("/joint_states"), schema = the ROS 2 type ("sensor_msgs/msg/JointState",
 * encoding ros2msg, generated from the field tables), message encoding cdr,
 * log time = reception (wall clock), publish time = the writer's source
 * timestamp. Its readers keep all history (KEEP_ALL) with the topic's
 * reliability and durability, so a reliable topic loses nothing while the
 * recorder keeps up; every sample is counted per topic.
 *
 * The player reads an MCAP file, decodes each message (dds/cdr.h) and
 * publishes it on its topic with the original spacing of log times divided
 * by a rate factor, through ordinary typed writers (so what it sends passes
 * the same validation as anything else). Channels whose type mirai does not
 * know are skipped and reported.
 *
 * Both are driven by the caller's thread (no threads of their own); create
 * them on a node (dds/node.h) and use them from the thread that owns it.
 */
#ifndef MI_DDS_RECORD_H
#define MI_DDS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "dds/msgs.h"
#include "dds/node.h"
#include "dds/qos.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MI_REC_MAX_TOPICS 64

/* A topic to record: ROS 2 name, type and QoS profile. */
typedef struct mi_rec_topic {
  char name[128];
  mi_msg_type type;
  mi_qos_profile qos;
} mi_rec_topic;

/* Resolve "NAME" (a standard topic of MI_TOPICS) or "NAME:TYPE" (any topic,
 * TYPE as "sensor_msgs/msg/JointState"; QoS then reliable "state" unless the
 * name is standard).
 * @retval MI_ERR_NOT_FOUND not a standard topic and no type given, or an
 *                          unknown type (err says which and lists what is known) */
mi_status mi_rec_topic_parse(const char *spec, mi_rec_topic *out, char *err, size_t err_sz);

/* The ros2msg definition of t ("std_msgs/Header header\nfloat64[] position\n"
 * ...), with every nested type appended after a line of 80 '=' and
 * "MSG: pkg/Name", as rosbag2 writes schemas. Written into buf (NUL-
 * terminated); returns the length, or 0 when buf is too small. */
size_t mi_msg_ros2msg_definition(mi_msg_type t, char *buf, size_t buf_sz);

typedef struct mi_dds_recorder mi_dds_recorder;

/* Open path for writing and create one reader per topic on node's
 * participant. Caller closes with mi_dds_recorder_close.
 * @retval MI_ERR_IO   the file cannot be created
 * @retval MI_ERR_DDS  a reader cannot be created
 * @retval MI_ERR_INVALID no topics, or more than MI_REC_MAX_TOPICS */
mi_status mi_dds_recorder_open(mi_dds_node *node, const char *path, const mi_rec_topic *topics,
                               size_t n_topics, mi_dds_recorder **out, char *err, size_t err_sz);

/* Wait up to timeout_ns for data, then take and write everything available.
 * @retval MI_OK           something was written, or nothing arrived in time
 * @retval MI_ERR_IO       writing failed (the file system is full, ...) */
mi_status mi_dds_recorder_poll(mi_dds_recorder *r, int64_t timeout_ns);

/* Samples written for topic i (index into the topics given at open). */
uint64_t mi_dds_recorder_count(const mi_dds_recorder *r, size_t i);

/* Samples of topic i the recorder knows it lost: Cyclone's SAMPLE_LOST
 * (a gap in a writer's sequence numbers the reader could not fill: data a
 * best-effort writer sent that never came, or that a reliable writer no
 * longer had) plus SAMPLE_REJECTED (refused by the reader's resource
 * limits) totals of its reader. dds_sample_info_t carries no sequence
 * number in Cyclone 0.10, so these statuses are what can be seen; a sample
 * published before the reader matched its writer is not counted as lost. */
uint64_t mi_dds_recorder_lost(const mi_dds_recorder *r, size_t i);

/* Writers currently matched by topic i's reader. */
uint32_t mi_dds_recorder_matched(const mi_dds_recorder *r, size_t i);

/* Take what is left, finish the file (summary, footer), delete the readers,
 * free r. NULL is ignored. @return the first I/O error, else MI_OK. */
mi_status mi_dds_recorder_close(mi_dds_recorder *r);

/* --- replay ------------------------------------------------------------ */

typedef struct mi_replay_stats {
  uint64_t published;  /* messages sent */
  uint64_t skipped;    /* messages on channels of unknown type or topic */
  uint64_t bad;        /* messages that did not decode */
  double duration_s;   /* wall time spent */
} mi_replay_stats;

/* Publish every message of the MCAP file at path on node, spaced by the
 * recorded log times divided by rate (rate <= 0: as fast as possible).
 * Writers are created per channel with the topic's standard QoS (reliable
 * "state" for non-standard topics); before sending, waits up to
 * wait_matched_ns for every writer to match at least one reader. Stops
 * early, with MI_ERR_INTERRUPTED, once mi_dds_ok() turns false.
 * @retval MI_ERR_IO / MI_ERR_PARSE the file cannot be read (err says why) */
mi_status mi_dds_replay(mi_dds_node *node, const char *path, double rate, int64_t wait_matched_ns,
                        mi_replay_stats *stats, char *err, size_t err_sz);

#ifdef __cplusplus
}
#endif

#endif /* MI_DDS_RECORD_H */
