/* dds/qos.c - the QoS profiles and the topic table (qos.h). */
#include "dds/qos.h"

#include <string.h>

static const mi_qos_info g_qos[MI_QOS_PROFILE_COUNT] = {
#define MI_QOS_ROW_(id, name, rel, tl, depth) [MI_QOS_##id] = {name, rel, tl, depth},
    MI_QOS_PROFILES(MI_QOS_ROW_)
#undef MI_QOS_ROW_
};

const mi_qos_info *mi_qos_info_of(mi_qos_profile p) {
  if ((unsigned)p >= MI_QOS_PROFILE_COUNT) return NULL;
  return &g_qos[p];
}

dds_qos_t *mi_qos_create(mi_qos_profile p) {
  const mi_qos_info *q = mi_qos_info_of(p);
  if (!q) return NULL;
  dds_qos_t *qos = dds_create_qos();
  if (!qos) return NULL;
  dds_qset_reliability(qos, q->reliable ? DDS_RELIABILITY_RELIABLE : DDS_RELIABILITY_BEST_EFFORT,
                       DDS_MSECS(100));
  dds_qset_history(qos, DDS_HISTORY_KEEP_LAST, q->depth);
  dds_qset_durability(qos, q->transient_local ? DDS_DURABILITY_TRANSIENT_LOCAL
                                              : DDS_DURABILITY_VOLATILE);
  /* XCDR1, as ROS 2 (rmw_cyclonedds) writes and expects */
  dds_data_representation_id_t xcdr1 = DDS_DATA_REPRESENTATION_XCDR1;
  dds_qset_data_representation(qos, 1, &xcdr1);
  return qos;
}

dds_qos_t *mi_qos_create_writer(mi_qos_profile p) {
  dds_qos_t *qos = mi_qos_create(p);
  const mi_qos_info *q = mi_qos_info_of(p);
  if (!qos || !q->reliable) return qos;
  dds_qset_history(qos, DDS_HISTORY_KEEP_LAST, MI_QOS_WRITER_DEPTH);
  if (q->transient_local)
    dds_qset_durability_service(qos, 0, DDS_HISTORY_KEEP_LAST, q->depth, DDS_LENGTH_UNLIMITED,
                                DDS_LENGTH_UNLIMITED, DDS_LENGTH_UNLIMITED);
  return qos;
}

mi_status mi_qos_parse(const char *name, mi_qos_profile *out) {
  if (!name || !out) return MI_ERR_INVALID;
  for (int i = 0; i < MI_QOS_PROFILE_COUNT; i++) {
    if (strcmp(name, g_qos[i].name) == 0) {
      *out = (mi_qos_profile)i;
      return MI_OK;
    }
  }
  return MI_ERR_NOT_FOUND;
}

#define MI_TOPIC_ROW_(id, name, type, qos) [MI_TOPIC_##id] = {name, "rt" name, type, qos},
static const mi_topic_info g_topics[MI_TOPIC_COUNT] = {MI_TOPICS(MI_TOPIC_ROW_)};
#undef MI_TOPIC_ROW_

const mi_topic_info *mi_topic_info_of(mi_topic t) {
  if ((unsigned)t >= MI_TOPIC_COUNT) return NULL;
  return &g_topics[t];
}

mi_status mi_topic_find(const char *name, mi_topic *out) {
  if (!name || !out) return MI_ERR_INVALID;
  for (int i = 0; i < MI_TOPIC_COUNT; i++) {
    const char *r = g_topics[i].ros_name;
    if (strcmp(name, r) == 0 || strcmp(name, r + 1) == 0 ||
        strcmp(name, g_topics[i].dds_name) == 0) {
      *out = (mi_topic)i;
      return MI_OK;
    }
  }
  return MI_ERR_NOT_FOUND;
}

mi_status mi_topic_dds_name(const char *ros_name, char *out, size_t out_sz) {
  if (!ros_name || !out) return MI_ERR_INVALID;
  const char *n = ros_name;
  const char *prefix = "rt/";
  if (strncmp(n, "rt/", 3) == 0) n += 3;
  else if (n[0] == '/') n += 1;
  size_t len = strlen(n);
  if (len == 0 || n[len - 1] == '/') return MI_ERR_INVALID;
  for (size_t i = 0; i < len; i++) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '/';
    if (!ok) return MI_ERR_INVALID;
    if (c == '/' && (i == 0 || n[i - 1] == '/')) return MI_ERR_INVALID;
  }
  /* ROS 2: a token must not start with a digit */
  for (size_t i = 0; i < len; i++)
    if ((i == 0 || n[i - 1] == '/') && n[i] >= '0' && n[i] <= '9') return MI_ERR_INVALID;
  if (strlen(prefix) + len + 1 > out_sz) return MI_ERR_RANGE;
  memcpy(out, prefix, 3);
  memcpy(out + 3, n, len + 1);
  return MI_OK;
}
