/* dds/record.c - MCAP recording (raw CDR) and replay (decoded, typed writers). */
#define _GNU_SOURCE
#include "dds/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "dds/cdr.h"
#include "dds/ddsi/ddsi_serdata.h"
#include "dds/mcap.h"

/* --- topics and schemas ---------------------------------------------------- */

mi_status mi_rec_topic_parse(const char *spec, mi_rec_topic *out, char *err, size_t err_sz) {
  char name[120];
  const char *colon = strchr(spec, ':');
  size_t nlen = colon ? (size_t)(colon - spec) : strlen(spec);
  if (nlen == 0 || nlen >= sizeof name) {
    snprintf(err, err_sz, "'%s': expected TOPIC or TOPIC:TYPE", spec);
    return MI_ERR_INVALID;
  }
  memcpy(name, spec, nlen);
  name[nlen] = '\0';
  char dds_name[160];
  if (mi_topic_dds_name(name, dds_name, sizeof dds_name) != MI_OK) {
    snprintf(err, err_sz, "'%s': not a valid ROS 2 topic name", name);
    return MI_ERR_INVALID;
  }
  mi_topic t;
  bool standard = mi_topic_find(name, &t) == MI_OK;
  mi_rec_topic r;
  memset(&r, 0, sizeof r);
  /* keep the ROS 2 spelling with its leading slash, as ros2 bag does */
  snprintf(r.name, sizeof r.name, "%s%s", name[0] == '/' ? "" : "/", name);
  if (standard) {
    const mi_topic_info *ti = mi_topic_info_of(t);
    r.type = ti->type;
    r.qos = ti->qos;
  } else {
    r.qos = MI_QOS_STATE;
  }
  if (colon) {
    mi_msg_type ty;
    if (mi_msg_type_find(colon + 1, &ty) != MI_OK) {
      int k = snprintf(err, err_sz, "'%s': unknown type '%s'; known types:", spec, colon + 1);
      for (int i = 0; i < MI_MSG_TYPE_COUNT && k > 0 && (size_t)k < err_sz; i++)
        k += snprintf(err + k, err_sz - (size_t)k, " %s", mi_msg_info_of((mi_msg_type)i)->ros_name);
      return MI_ERR_NOT_FOUND;
    }
    if (standard && ty != r.type) {
      snprintf(err, err_sz, "'%s': %s carries %s", spec, r.name, mi_msg_info_of(r.type)->ros_name);
      return MI_ERR_INVALID;
    }
    r.type = ty;
  } else if (!standard) {
    snprintf(err, err_sz, "'%s' is not one of mirai's standard topics: give its type as %s:TYPE",
             spec, spec);
    return MI_ERR_NOT_FOUND;
  }
  *out = r;
  return MI_OK;
}

static const char *kind_name(mi_msg_kind k) {
  switch (k) {
    case MI_MSGK_BOOL: return "bool";
    case MI_MSGK_U8: return "uint8";
    case MI_MSGK_I32: return "int32";
    case MI_MSGK_U32: return "uint32";
    case MI_MSGK_U64: return "uint64";
    case MI_MSGK_F64: return "float64";
    case MI_MSGK_STRING: return "string";
    case MI_MSGK_STRUCT: return NULL;
  }
  return NULL;
}

/* "sensor_msgs/msg/JointState" -> "sensor_msgs/JointState", as .msg files name types */
static void short_type(mi_msg_type t, char *buf, size_t sz) {
  const char *full = mi_msg_info_of(t)->ros_name;
  const char *m = strstr(full, "/msg/");
  if (m)
    snprintf(buf, sz, "%.*s/%s", (int)(m - full), full, m + 5);
  else
    snprintf(buf, sz, "%s", full);
}

/* nested types of t, depth first, each once */
static void collect(mi_msg_type t, mi_msg_type *deps, size_t *n) {
  const mi_msg_info *m = mi_msg_info_of(t);
  for (size_t i = 0; i < m->n_fields; i++) {
    if (m->fields[i].kind != MI_MSGK_STRUCT) continue;
    mi_msg_type s = m->fields[i].sub;
    bool seen = false;
    for (size_t k = 0; k < *n; k++) seen = seen || deps[k] == s;
    if (seen) continue;
    deps[(*n)++] = s;
    collect(s, deps, n);
  }
}

static size_t append(char *buf, size_t sz, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t append(char *buf, size_t sz, size_t pos, const char *fmt, ...) {
  if (pos >= sz) return pos;
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(buf + pos, sz - pos, fmt, ap);
  va_end(ap);
  return k < 0 ? sz : pos + (size_t)k;
}

static size_t fields_text(mi_msg_type t, char *buf, size_t sz, size_t pos) {
  const mi_msg_info *m = mi_msg_info_of(t);
  for (size_t i = 0; i < m->n_fields; i++) {
    const mi_msg_field *f = &m->fields[i];
    char ty[96];
    if (f->kind == MI_MSGK_STRUCT)
      short_type(f->sub, ty, sizeof ty);
    else
      snprintf(ty, sizeof ty, "%s", kind_name(f->kind));
    pos = append(buf, sz, pos, "%s%s %s\n", ty, f->seq ? "[]" : "", f->name);
  }
  return pos;
}

size_t mi_msg_ros2msg_definition(mi_msg_type t, char *buf, size_t buf_sz) {
  if (!mi_msg_info_of(t) || buf_sz == 0) return 0;
  mi_msg_type deps[MI_MSG_TYPE_COUNT];
  size_t n = 0;
  collect(t, deps, &n);
  size_t pos = fields_text(t, buf, buf_sz, 0);
  for (size_t i = 0; i < n; i++) {
    char ty[96];
    short_type(deps[i], ty, sizeof ty);
    pos = append(buf, buf_sz, pos,
                 "================================================================================\n"
                 "MSG: %s\n",
                 ty);
    pos = fields_text(deps[i], buf, buf_sz, pos);
  }
  return pos < buf_sz ? pos : 0;
}

/* --- recorder -------------------------------------------------------------- */

struct mi_dds_recorder {
  mi_mcap_writer *w;
  dds_entity_t ws;
  size_t n;
  dds_entity_t readers[MI_REC_MAX_TOPICS];
  uint16_t channel[MI_REC_MAX_TOPICS];
  uint64_t count[MI_REC_MAX_TOPICS];
  uint8_t *buf;
  size_t buf_cap;
  mi_status io;
};

/* rosbag2's offered_qos_profiles metadata, so ROS 2 tools replay it alike */
static void qos_yaml(mi_qos_profile p, char *buf, size_t sz) {
  const mi_qos_info *q = mi_qos_info_of(p);
  snprintf(buf, sz,
           "- history: 1\n  depth: %d\n  reliability: %d\n  durability: %d\n"
           "  deadline:\n    sec: 2147483647\n    nsec: 4294967295\n"
           "  lifespan:\n    sec: 2147483647\n    nsec: 4294967295\n"
           "  liveliness: 1\n  liveliness_lease_duration:\n    sec: 2147483647\n"
           "    nsec: 4294967295\n  avoid_ros_namespace_conventions: false\n",
           q->depth, q->reliable ? 1 : 2, q->transient_local ? 1 : 2);
}

mi_status mi_dds_recorder_open(mi_dds_node *node, const char *path, const mi_rec_topic *topics,
                               size_t n_topics, mi_dds_recorder **out, char *err, size_t err_sz) {
  if (n_topics == 0 || n_topics > MI_REC_MAX_TOPICS) {
    snprintf(err, err_sz, "record: between 1 and %d topics", MI_REC_MAX_TOPICS);
    return MI_ERR_INVALID;
  }
  mi_dds_recorder *r = calloc(1, sizeof *r);
  if (!r) return MI_ERR_NOMEM;
  mi_status st = mi_mcap_writer_open(path, "mirai", &r->w, err, err_sz);
  if (st) goto fail;
  dds_entity_t pp = mi_dds_node_participant(node);
  r->ws = dds_create_waitset(pp);
  if (r->ws < 0) {
    snprintf(err, err_sz, "record: waitset: %s", dds_strretcode(r->ws));
    st = MI_ERR_DDS;
    goto fail;
  }
  uint16_t schema_of[MI_MSG_TYPE_COUNT] = {0};
  for (size_t i = 0; i < n_topics; i++) {
    const mi_rec_topic *t = &topics[i];
    const mi_msg_info *info = mi_msg_info_of(t->type);
    char dds_name[160];
    if (!info || mi_topic_dds_name(t->name, dds_name, sizeof dds_name) != MI_OK) {
      snprintf(err, err_sz, "record: bad topic '%s'", t->name);
      st = MI_ERR_INVALID;
      goto fail;
    }
    dds_entity_t topic = dds_create_topic(pp, info->desc, dds_name, NULL, NULL);
    dds_qos_t *q = mi_qos_create(t->qos);
    /* keep everything: the recorder must not drop what it is too slow to take */
    dds_qset_history(q, DDS_HISTORY_KEEP_ALL, 0);
    dds_entity_t rd = topic < 0 ? topic : dds_create_reader(pp, topic, q, NULL);
    dds_delete_qos(q);
    if (rd < 0) {
      snprintf(err, err_sz, "record: reader on %s: %s", t->name, dds_strretcode(rd));
      st = MI_ERR_DDS;
      goto fail;
    }
    r->readers[i] = rd;
    r->n = i + 1;
    dds_entity_t cond = dds_create_readcondition(rd, DDS_ANY_STATE);
    if (cond < 0 || dds_waitset_attach(r->ws, cond, (dds_attach_t)i) < 0) {
      snprintf(err, err_sz, "record: waitset attach for %s failed", t->name);
      st = MI_ERR_DDS;
      goto fail;
    }
    if (!schema_of[t->type]) {
      char def[4096];
      size_t len = mi_msg_ros2msg_definition(t->type, def, sizeof def);
      st = mi_mcap_add_schema(r->w, info->ros_name, "ros2msg", def, len, &schema_of[t->type]);
      if (st) goto fail;
    }
    char qy[512];
    qos_yaml(t->qos, qy, sizeof qy);
    const char *keys[] = {"offered_qos_profiles"};
    const char *vals[] = {qy};
    st = mi_mcap_add_channel(r->w, schema_of[t->type], t->name, "cdr", keys, vals, 1,
                             &r->channel[i]);
    if (st) goto fail;
  }
  *out = r;
  return MI_OK;
fail:
  mi_dds_recorder_close(r);
  return st;
}

/* take everything reader i holds and append it */
static mi_status drain(mi_dds_recorder *r, size_t i) {
  for (;;) {
    struct ddsi_serdata *sd = NULL;
    dds_sample_info_t si;
    dds_return_t n = dds_takecdr(r->readers[i], &sd, 1, &si, DDS_ANY_STATE);
    if (n <= 0) return MI_OK;
    if (si.valid_data) {
      uint32_t size = ddsi_serdata_size(sd);
      if (size > r->buf_cap) {
        uint8_t *nb = realloc(r->buf, size);
        if (!nb) {
          ddsi_serdata_unref(sd);
          return MI_ERR_NOMEM;
        }
        r->buf = nb;
        r->buf_cap = size;
      }
      ddsi_serdata_to_ser(sd, 0, size, r->buf);
      int64_t now = mi_clock_wall_ns();
      int64_t src = si.source_timestamp > 0 ? si.source_timestamp : now;
      mi_status st = mi_mcap_write_message(r->w, r->channel[i], (uint32_t)r->count[i],
                                           (uint64_t)now, (uint64_t)src, r->buf, size);
      if (st) {
        ddsi_serdata_unref(sd);
        return st;
      }
      r->count[i]++;
    }
    ddsi_serdata_unref(sd);
  }
}

mi_status mi_dds_recorder_poll(mi_dds_recorder *r, int64_t timeout_ns) {
  dds_attach_t trig[MI_REC_MAX_TOPICS];
  dds_return_t k = dds_waitset_wait(r->ws, trig, MI_REC_MAX_TOPICS, timeout_ns);
  (void)k;
  /* drain every reader, not only the triggered ones: cheap, and nothing waits */
  for (size_t i = 0; i < r->n; i++) {
    mi_status st = drain(r, i);
    if (st) {
      if (!r->io) r->io = st;
      return st;
    }
  }
  return MI_OK;
}

uint64_t mi_dds_recorder_count(const mi_dds_recorder *r, size_t i) {
  return i < r->n ? r->count[i] : 0;
}

uint64_t mi_dds_recorder_lost(const mi_dds_recorder *r, size_t i) {
  if (i >= r->n) return 0;
  dds_sample_lost_status_t lost;
  dds_sample_rejected_status_t rej;
  uint64_t n = 0;
  if (dds_get_sample_lost_status(r->readers[i], &lost) == DDS_RETCODE_OK) n += lost.total_count;
  if (dds_get_sample_rejected_status(r->readers[i], &rej) == DDS_RETCODE_OK) n += rej.total_count;
  return n;
}

uint32_t mi_dds_recorder_matched(const mi_dds_recorder *r, size_t i) {
  dds_subscription_matched_status_t s;
  if (i >= r->n || dds_get_subscription_matched_status(r->readers[i], &s) < 0) return 0;
  return s.current_count;
}

mi_status mi_dds_recorder_close(mi_dds_recorder *r) {
  if (!r) return MI_OK;
  mi_status st = r->io;
  for (size_t i = 0; i < r->n && r->w && !st; i++) st = drain(r, i);
  /* deleting a reader deletes its read condition; the topic stays with the participant */
  for (size_t i = 0; i < r->n; i++) dds_delete(r->readers[i]);
  if (r->ws > 0) dds_delete(r->ws);
  mi_status cst = mi_mcap_writer_close(r->w);
  if (!st) st = cst;
  free(r->buf);
  free(r);
  return st;
}

/* --- replay ---------------------------------------------------------------- */

mi_status mi_dds_replay(mi_dds_node *node, const char *path, double rate, int64_t wait_matched_ns,
                        mi_replay_stats *stats, char *err, size_t err_sz) {
  mi_replay_stats s = {0};
  int64_t start = mi_clock_mono_ns();
  mi_mcap_reader *rd;
  mi_status st = mi_mcap_reader_open(path, &rd, err, err_sz);
  if (st) return st;
  size_t max_size = 0;
  for (int i = 0; i < MI_MSG_TYPE_COUNT; i++)
    if (mi_msg_info_of((mi_msg_type)i)->size > max_size)
      max_size = mi_msg_info_of((mi_msg_type)i)->size;
  void *msg = malloc(max_size);
  mi_dds_pub **pubs = calloc(MI_MCAP_MAX_CHANNELS, sizeof *pubs);
  mi_msg_type *types = calloc(MI_MCAP_MAX_CHANNELS, sizeof *types);
  signed char *state = calloc(MI_MCAP_MAX_CHANNELS, 1); /* 0 unseen, 1 ready, -1 skip */
  if (!msg || !pubs || !types || !state) {
    st = MI_ERR_NOMEM;
    goto done;
  }
  bool have_t0 = false;
  uint64_t t0 = 0;
  mi_mcap_message m;
  char why[256];
  while ((st = mi_mcap_next(rd, &m, err, err_sz)) == MI_OK) {
    if (!mi_dds_ok()) {
      st = MI_ERR_INTERRUPTED;
      break;
    }
    uint16_t c = m.channel_id;
    if (c >= MI_MCAP_MAX_CHANNELS) continue;
    if (state[c] == 0) {
      /* first message of a channel: find its type, make its writer */
      const mi_mcap_channel *ch = mi_mcap_get_channel(rd, c);
      const mi_mcap_schema *sc = ch ? mi_mcap_get_schema(rd, ch->schema_id) : NULL;
      mi_topic std_t;
      mi_qos_profile qos = MI_QOS_STATE;
      mi_msg_type ty;
      state[c] = -1;
      if (!ch || !sc || strcmp(ch->message_encoding, "cdr") != 0 ||
          mi_msg_type_find(sc->name, &ty) != MI_OK) {
        MI_LOGW("replay: skipping channel %u (%s): type %s not known to mirai", c,
                ch ? ch->topic : "?", sc ? sc->name : "?");
      } else {
        if (mi_topic_find(ch->topic, &std_t) == MI_OK && mi_topic_info_of(std_t)->type == ty)
          qos = mi_topic_info_of(std_t)->qos;
        if (mi_dds_pub_create(node, ch->topic, ty, qos, &pubs[c]) == MI_OK) {
          types[c] = ty;
          state[c] = 1;
          if (wait_matched_ns > 0) mi_dds_pub_wait_matched(pubs[c], 1, wait_matched_ns);
        } else {
          MI_LOGW("replay: cannot publish on %s", ch->topic);
        }
      }
      if (!have_t0) {
        /* the clock starts with the first message, after writers had time to match */
        start = mi_clock_mono_ns();
      }
    }
    if (!have_t0) {
      t0 = m.log_time_ns;
      have_t0 = true;
    }
    if (state[c] < 0) {
      s.skipped++;
      continue;
    }
    if (rate > 0 && m.log_time_ns > t0) {
      double dt = (double)(m.log_time_ns - t0) / rate;
      mi_clock_sleep_until_ns(start + (int64_t)dt);
    }
    if (mi_msg_from_cdr(types[c], m.data, m.len, msg, why, sizeof why) != MI_OK) {
      MI_LOG_EVERY_MS(MI_LOG_WARN, 1000, "replay: %s: %s", mi_mcap_get_channel(rd, c)->topic, why);
      s.bad++;
      continue;
    }
    if (mi_dds_publish(pubs[c], msg) == MI_OK) s.published++;
    mi_msg_fini(types[c], msg);
  }
  if (st == MI_ERR_EMPTY) st = MI_OK;
done:
  s.duration_s = mi_s_from_ns(mi_clock_mono_ns() - start);
  if (stats) *stats = s;
  free(state);
  free(types);
  free(pubs); /* the writers belong to the node */
  free(msg);
  mi_mcap_reader_close(rd);
  return st;
}
