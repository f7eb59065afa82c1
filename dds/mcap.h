/* dds/mcap.h - MCAP files (https://mcap.dev/spec, major version 0): the
 * container mirai records to and replays from.
 *
 * The writer produces an unchunked, uncompressed file in the ros2 profile:
 *   magic, Header(profile "ros2"), Schema*, Channel*, Message* in arrival
 *   order, DataEnd, a summary section (every Schema and Channel again, then
 *   Statistics), SummaryOffset records, Footer, magic.
 * Schemas use encoding "ros2msg" (the .msg text, dependencies appended after
 * "=" * 80 + "\nMSG: pkg/Name\n" lines, as rosbag2 writes them) and messages
 * "cdr" (the serialized sample with its 4-byte encapsulation header). Files
 * open in standard MCAP readers (Foxglove Studio, `mcap info`, rosbag2).
 *
 * The reader walks the data section record by record, so it also reads files
 * that lost their summary (a recorder killed mid-run), and rejects malformed
 * input with a message naming the byte offset, never reading out of bounds.
 * Chunked files from other writers are read when their chunks are
 * uncompressed ("" compression); compressed chunks are reported as
 * MI_ERR_UNSUPPORTED.
 *
 * Not thread-safe: one thread per writer or reader.
 */
#ifndef MI_DDS_MCAP_H
#define MI_DDS_MCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MI_MCAP_MAX_CHANNELS 256

typedef struct mi_mcap_writer mi_mcap_writer;

/* Create path (truncating) and write the magic and Header. `library` names the
 * writer ("mirai 0.1.0"). Caller closes with mi_mcap_writer_close.
 * @retval MI_ERR_IO  the file cannot be created (err says why) */
mi_status mi_mcap_writer_open(const char *path, const char *library, mi_mcap_writer **out,
                              char *err, size_t err_sz);

/* Add a schema; *id receives its id (>= 1). name "sensor_msgs/msg/JointState",
 * encoding "ros2msg", data the definition text. */
mi_status mi_mcap_add_schema(mi_mcap_writer *w, const char *name, const char *encoding,
                             const void *data, size_t len, uint16_t *id);

/* Add a channel on topic ("/joint_states" for ROS 2 tools) with message
 * encoding ("cdr"), metadata pairs (keys[i], values[i]; n may be 0, e.g.
 * "offered_qos_profiles"). *id receives its id.
 * @retval MI_ERR_FULL more than MI_MCAP_MAX_CHANNELS channels */
mi_status mi_mcap_add_channel(mi_mcap_writer *w, uint16_t schema_id, const char *topic,
                              const char *message_encoding, const char *const *keys,
                              const char *const *values, size_t n, uint16_t *id);

/* Append one message. Times in ns (log_time: when recorded; publish_time:
 * the source timestamp). @retval MI_ERR_NOT_FOUND unknown channel
 * @retval MI_ERR_IO write failed */
mi_status mi_mcap_write_message(mi_mcap_writer *w, uint16_t channel_id, uint32_t sequence,
                                uint64_t log_time_ns, uint64_t publish_time_ns, const void *data,
                                size_t len);

/* Messages written so far on a channel (0 for an unknown one). */
uint64_t mi_mcap_writer_count(const mi_mcap_writer *w, uint16_t channel_id);

/* Write DataEnd, the summary and the footer, close the file and free w.
 * Returns the first I/O error met since open, else MI_OK. NULL is ignored. */
mi_status mi_mcap_writer_close(mi_mcap_writer *w);

/* --- reading ---------------------------------------------------------- */

typedef struct mi_mcap_schema {
  uint16_t id;
  char name[128];
  char encoding[32];
  const uint8_t *data; /* into the reader's buffer */
  size_t len;
} mi_mcap_schema;

typedef struct mi_mcap_channel {
  uint16_t id;
  uint16_t schema_id;
  char topic[256];
  char message_encoding[32];
} mi_mcap_channel;

typedef struct mi_mcap_message {
  uint16_t channel_id;
  uint32_t sequence;
  uint64_t log_time_ns;
  uint64_t publish_time_ns;
  const uint8_t *data; /* into the reader's buffer, valid until the next call */
  size_t len;
} mi_mcap_message;

typedef struct mi_mcap_reader mi_mcap_reader;

/* Read the whole file into memory and check its magic and header.
 * @retval MI_ERR_IO    cannot read
 * @retval MI_ERR_PARSE not an MCAP file (err says where and why) */
mi_status mi_mcap_reader_open(const char *path, mi_mcap_reader **out, char *err, size_t err_sz);

/* As mi_mcap_reader_open, from bytes (copied). */
mi_status mi_mcap_reader_open_mem(const void *data, size_t len, mi_mcap_reader **out, char *err,
                                  size_t err_sz);

void mi_mcap_reader_close(mi_mcap_reader *r);

/* The header's profile ("ros2"). */
const char *mi_mcap_profile(const mi_mcap_reader *r);

/* Next message in file order. Schemas and channels met on the way become
 * available through mi_mcap_get_channel / mi_mcap_get_schema.
 * @retval MI_OK        *m filled
 * @retval MI_ERR_EMPTY no more messages (end of the data section)
 * @retval MI_ERR_PARSE malformed record (err names the offset)
 * @retval MI_ERR_UNSUPPORTED a compressed chunk */
mi_status mi_mcap_next(mi_mcap_reader *r, mi_mcap_message *m, char *err, size_t err_sz);

/* Channel or schema by id, NULL when not (yet) seen. */
const mi_mcap_channel *mi_mcap_get_channel(const mi_mcap_reader *r, uint16_t id);
const mi_mcap_schema *mi_mcap_get_schema(const mi_mcap_reader *r, uint16_t id);

/* Statistics from the summary, when the file has one: total messages and
 * channels. @retval MI_ERR_NOT_FOUND no Statistics record */
mi_status mi_mcap_statistics(const mi_mcap_reader *r, uint64_t *message_count,
                             uint32_t *channel_count);

#ifdef __cplusplus
}
#endif

#endif /* MI_DDS_MCAP_H */
