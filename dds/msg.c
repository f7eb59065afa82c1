/* dds/msg.c - the message type table, field tables, and the generic walks
 * over them: init, fini, copy, equal, validate, time helpers. */
#define _GNU_SOURCE /* strdup, strnlen */
#include "dds/msgs.h"
#include "dds/msg_priv.h"

#include "core/clock.h"
#include "core/hd.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* --- field tables ---------------------------------------------------------- */

#define FLD(T, f, kind, seq, sub) {#f, kind, seq, offsetof(T, f), sub}
#define NOSUB MI_MSG_TYPE_COUNT

static const mi_msg_field fields_TIME[] = {
    FLD(mi_msg_time, sec, MI_MSGK_I32, false, NOSUB),
    FLD(mi_msg_time, nanosec, MI_MSGK_U32, false, NOSUB),
};
static const mi_msg_field fields_DURATION[] = {
    FLD(mi_msg_duration, sec, MI_MSGK_I32, false, NOSUB),
    FLD(mi_msg_duration, nanosec, MI_MSGK_U32, false, NOSUB),
};
static const mi_msg_field fields_HEADER[] = {
    FLD(mi_msg_header, stamp, MI_MSGK_STRUCT, false, MI_MSG_TIME),
    FLD(mi_msg_header, frame_id, MI_MSGK_STRING, false, NOSUB),
};
static const mi_msg_field fields_JOINT_STATE[] = {
    FLD(mi_msg_joint_state, header, MI_MSGK_STRUCT, false, MI_MSG_HEADER),
    FLD(mi_msg_joint_state, name, MI_MSGK_STRING, true, NOSUB),
    FLD(mi_msg_joint_state, position, MI_MSGK_F64, true, NOSUB),
    FLD(mi_msg_joint_state, velocity, MI_MSGK_F64, true, NOSUB),
    FLD(mi_msg_joint_state, effort, MI_MSGK_F64, true, NOSUB),
};
static const mi_msg_field fields_POINT[] = {
    FLD(mi_msg_point, x, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_point, y, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_point, z, MI_MSGK_F64, false, NOSUB),
};
static const mi_msg_field fields_QUATERNION[] = {
    FLD(mi_msg_quaternion, x, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_quaternion, y, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_quaternion, z, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_quaternion, w, MI_MSGK_F64, false, NOSUB),
};
static const mi_msg_field fields_POSE[] = {
    FLD(mi_msg_pose, position, MI_MSGK_STRUCT, false, MI_MSG_POINT),
    FLD(mi_msg_pose, orientation, MI_MSGK_STRUCT, false, MI_MSG_QUATERNION),
};
static const mi_msg_field fields_POSE_STAMPED[] = {
    FLD(mi_msg_pose_stamped, header, MI_MSGK_STRUCT, false, MI_MSG_HEADER),
    FLD(mi_msg_pose_stamped, pose, MI_MSGK_STRUCT, false, MI_MSG_POSE),
};
static const mi_msg_field fields_POSE_ARRAY[] = {
    FLD(mi_msg_pose_array, header, MI_MSGK_STRUCT, false, MI_MSG_HEADER),
    FLD(mi_msg_pose_array, poses, MI_MSGK_STRUCT, true, MI_MSG_POSE),
};
static const mi_msg_field fields_VECTOR3[] = {
    FLD(mi_msg_vector3, x, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_vector3, y, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_vector3, z, MI_MSGK_F64, false, NOSUB),
};
static const mi_msg_field fields_TWIST[] = {
    FLD(mi_msg_twist, linear, MI_MSGK_STRUCT, false, MI_MSG_VECTOR3),
    FLD(mi_msg_twist, angular, MI_MSGK_STRUCT, false, MI_MSG_VECTOR3),
};
static const mi_msg_field fields_TWIST_STAMPED[] = {
    FLD(mi_msg_twist_stamped, header, MI_MSGK_STRUCT, false, MI_MSG_HEADER),
    FLD(mi_msg_twist_stamped, twist, MI_MSGK_STRUCT, false, MI_MSG_TWIST),
};
static const mi_msg_field fields_WRENCH[] = {
    FLD(mi_msg_wrench, force, MI_MSGK_STRUCT, false, MI_MSG_VECTOR3),
    FLD(mi_msg_wrench, torque, MI_MSGK_STRUCT, false, MI_MSG_VECTOR3),
};
static const mi_msg_field fields_WRENCH_STAMPED[] = {
    FLD(mi_msg_wrench_stamped, header, MI_MSGK_STRUCT, false, MI_MSG_HEADER),
    FLD(mi_msg_wrench_stamped, wrench, MI_MSGK_STRUCT, false, MI_MSG_WRENCH),
};
static const mi_msg_field fields_JOINT_TRAJECTORY_POINT[] = {
    FLD(mi_msg_joint_trajectory_point, positions, MI_MSGK_F64, true, NOSUB),
    FLD(mi_msg_joint_trajectory_point, velocities, MI_MSGK_F64, true, NOSUB),
    FLD(mi_msg_joint_trajectory_point, accelerations, MI_MSGK_F64, true, NOSUB),
    FLD(mi_msg_joint_trajectory_point, effort, MI_MSGK_F64, true, NOSUB),
    FLD(mi_msg_joint_trajectory_point, time_from_start, MI_MSGK_STRUCT, false, MI_MSG_DURATION),
};
static const mi_msg_field fields_JOINT_TRAJECTORY[] = {
    FLD(mi_msg_joint_trajectory, header, MI_MSGK_STRUCT, false, MI_MSG_HEADER),
    FLD(mi_msg_joint_trajectory, joint_names, MI_MSGK_STRING, true, NOSUB),
    FLD(mi_msg_joint_trajectory, points, MI_MSGK_STRUCT, true, MI_MSG_JOINT_TRAJECTORY_POINT),
};
static const mi_msg_field fields_CLOCK[] = {
    FLD(mi_msg_clock, clock, MI_MSGK_STRUCT, false, MI_MSG_TIME),
};
static const mi_msg_field fields_ZONE_STATUS[] = {
    FLD(mi_msg_zone_status, header, MI_MSGK_STRUCT, false, MI_MSG_HEADER),
    FLD(mi_msg_zone_status, zone_id, MI_MSGK_STRING, false, NOSUB),
    FLD(mi_msg_zone_status, occupied, MI_MSGK_BOOL, false, NOSUB),
    FLD(mi_msg_zone_status, speed_scale, MI_MSGK_F64, false, NOSUB),
};
static const mi_msg_field fields_PLANNER_STATUS[] = {
    FLD(mi_msg_planner_status, header, MI_MSGK_STRUCT, false, MI_MSG_HEADER),
    FLD(mi_msg_planner_status, planner, MI_MSGK_STRING, false, NOSUB),
    FLD(mi_msg_planner_status, backend, MI_MSGK_STRING, false, NOSUB),
    FLD(mi_msg_planner_status, num_candidates, MI_MSGK_U32, false, NOSUB),
    FLD(mi_msg_planner_status, iterations, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_planner_status, plans_published, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_planner_status, plans_rejected, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_planner_status, samples_rejected, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_planner_status, best_cost, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_planner_status, solve_time, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_planner_status, prediction_error, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_planner_status, task, MI_MSGK_STRING, false, NOSUB),
    FLD(mi_msg_planner_status, cycles, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_planner_status, stale_cycles, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_planner_status, stops, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_planner_status, prediction_error_prior, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_planner_status, learner_fitted, MI_MSGK_BOOL, false, NOSUB),
    FLD(mi_msg_planner_status, tool_to_goal, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_planner_status, reached, MI_MSGK_BOOL, false, NOSUB),
    FLD(mi_msg_planner_status, reason, MI_MSGK_STRING, false, NOSUB),
    FLD(mi_msg_planner_status, cost_terms, MI_MSGK_STRING, true, NOSUB),
    FLD(mi_msg_planner_status, cost_values, MI_MSGK_F64, true, NOSUB),
    FLD(mi_msg_planner_status, learner_in_rollouts, MI_MSGK_BOOL, false, NOSUB),
    FLD(mi_msg_planner_status, learner_mass_scale, MI_MSGK_F64, true, NOSUB),
    FLD(mi_msg_planner_status, plans_fallback, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_planner_status, plans_escaping, MI_MSGK_U64, false, NOSUB),
};
static const mi_msg_field fields_CONTROLLER_STATUS[] = {
    FLD(mi_msg_controller_status, header, MI_MSGK_STRUCT, false, MI_MSG_HEADER),
    FLD(mi_msg_controller_status, state, MI_MSGK_U8, false, NOSUB),
    FLD(mi_msg_controller_status, input_names, MI_MSGK_STRING, true, NOSUB),
    FLD(mi_msg_controller_status, input_states, MI_MSGK_U8, true, NOSUB),
    FLD(mi_msg_controller_status, cycles, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_controller_status, overruns, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_controller_status, deadline_misses, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_controller_status, samples_rejected, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_controller_status, wakeup_latency_p50, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_controller_status, wakeup_latency_p99, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_controller_status, wakeup_latency_max, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_controller_status, latency_histogram, MI_MSGK_U32, true, NOSUB),
    FLD(mi_msg_controller_status, previous_state, MI_MSGK_U8, false, NOSUB),
    FLD(mi_msg_controller_status, reason, MI_MSGK_STRING, false, NOSUB),
    FLD(mi_msg_controller_status, transitions, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_controller_status, sensor_to_command_latency_p50, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_controller_status, sensor_to_command_latency_p99, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_controller_status, state_to_command_latency_p50, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_controller_status, state_to_command_latency_p99, MI_MSGK_F64, false, NOSUB),
    FLD(mi_msg_controller_status, commands_published, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_controller_status, statuses_published, MI_MSGK_U64, false, NOSUB),
};
static const mi_msg_field fields_SIM_STATUS[] = {
    FLD(mi_msg_sim_status, header, MI_MSGK_STRUCT, false, MI_MSG_HEADER),
    FLD(mi_msg_sim_status, steps, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_sim_status, parts_spawned, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_sim_status, parts_picked, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_sim_status, parts_missed, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_sim_status, grasps_too_fast, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_sim_status, collisions, MI_MSGK_U64, false, NOSUB),
    FLD(mi_msg_sim_status, contacts_now, MI_MSGK_U32, false, NOSUB),
    FLD(mi_msg_sim_status, samples_dropped, MI_MSGK_U64, false, NOSUB),
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
#define MI_MSG_INFO_(id, ct, gt, pkg, name)                                          \
  [MI_MSG_##id] = {MI_MSG_##id,                                                      \
                   #pkg "/msg/" #name,                                               \
                   #pkg "::msg::dds_::" #name "_",                                   \
                   &gt##_desc,                                                       \
                   sizeof(gt),                                                       \
                   fields_##id,                                                      \
                   NFIELDS(fields_##id)},
static const mi_msg_info g_info[MI_MSG_TYPE_COUNT] = {MI_MSG_TYPES(MI_MSG_INFO_)};
#undef MI_MSG_INFO_

const mi_msg_info *mi_msg_info_of(mi_msg_type t) {
  if ((unsigned)t >= MI_MSG_TYPE_COUNT) return NULL;
  return &g_info[t];
}

mi_status mi_msg_type_find(const char *name, mi_msg_type *out) {
  if (!name || !out) return MI_ERR_INVALID;
  for (int t = 0; t < MI_MSG_TYPE_COUNT; t++) {
    const mi_msg_info *m = mi_msg_info_of((mi_msg_type)t);
    if (strcmp(name, m->ros_name) == 0 || strcmp(name, m->dds_name) == 0) {
      *out = (mi_msg_type)t;
      return MI_OK;
    }
    /* "pkg/Name": ros_name without "/msg" */
    const char *slash = strchr(m->ros_name, '/');
    size_t pkg_len = (size_t)(slash - m->ros_name);
    if (strncmp(name, m->ros_name, pkg_len) == 0 && name[pkg_len] == '/' &&
        strcmp(name + pkg_len + 1, slash + 5) == 0) {
      *out = (mi_msg_type)t;
      return MI_OK;
    }
  }
  return MI_ERR_NOT_FOUND;
}

/* --- walking helpers ------------------------------------------------------- */

size_t mi_msg__kind_size(mi_msg_kind k, mi_msg_type sub) {
  switch (k) {
    case MI_MSGK_BOOL: return sizeof(bool);
    case MI_MSGK_U8: return sizeof(uint8_t);
    case MI_MSGK_I32: return sizeof(int32_t);
    case MI_MSGK_U32: return sizeof(uint32_t);
    case MI_MSGK_U64: return sizeof(uint64_t);
    case MI_MSGK_F64: return sizeof(double);
    case MI_MSGK_STRING: return sizeof(char *);
    case MI_MSGK_STRUCT: return mi_msg_info_of(sub)->size;
  }
  return 0;
}

static char g_empty[1] = "";

/* init: zero, strings "" (static or owned), Quaternion w = 1 */
static mi_status init_rec(mi_msg_type t, void *msg, bool owned) {
  const mi_msg_info *m = mi_msg_info_of(t);
  memset(msg, 0, m->size);
  for (size_t i = 0; i < m->n_fields; i++) {
    const mi_msg_field *f = &m->fields[i];
    unsigned char *p = (unsigned char *)msg + f->offset;
    if (f->seq) continue;
    if (f->kind == MI_MSGK_STRING) {
      char *s = owned ? strdup("") : g_empty;
      if (!s) return MI_ERR_NOMEM;
      memcpy(p, &s, sizeof s);
    } else if (f->kind == MI_MSGK_STRUCT) {
      mi_status st = init_rec(f->sub, p, owned);
      if (st) return st;
    }
  }
  if (t == MI_MSG_QUATERNION) ((mi_msg_quaternion *)msg)->w = 1.0;
  return MI_OK;
}

mi_status mi_msg__init_owned(mi_msg_type t, void *msg) {
  if (!mi_msg_info_of(t) || !msg) return MI_ERR_INVALID;
  return init_rec(t, msg, true);
}

void mi_msg_init(mi_msg_type t, void *msg) {
  if (!mi_msg_info_of(t) || !msg) return;
  (void)init_rec(t, msg, false);
}

static void fini_rec(mi_msg_type t, void *msg) {
  const mi_msg_info *m = mi_msg_info_of(t);
  for (size_t i = 0; i < m->n_fields; i++) {
    const mi_msg_field *f = &m->fields[i];
    unsigned char *p = (unsigned char *)msg + f->offset;
    if (f->seq) {
      mi_seq_ *s = (mi_seq_ *)p;
      unsigned char *buf = s->_buffer;
      size_t isz = mi_msg__kind_size(f->kind, f->sub);
      if (buf) {
        for (uint32_t k = 0; k < s->_length; k++) {
          if (f->kind == MI_MSGK_STRING) {
            char *str;
            memcpy(&str, buf + k * isz, sizeof str);
            if (str != g_empty) free(str);
          } else if (f->kind == MI_MSGK_STRUCT) {
            fini_rec(f->sub, buf + k * isz);
          }
        }
        free(buf);
      }
    } else if (f->kind == MI_MSGK_STRING) {
      char *str;
      memcpy(&str, p, sizeof str);
      if (str != g_empty) free(str);
    } else if (f->kind == MI_MSGK_STRUCT) {
      fini_rec(f->sub, p);
    }
  }
  memset(msg, 0, m->size);
}

void mi_msg_fini(mi_msg_type t, void *msg) {
  if (!mi_msg_info_of(t) || !msg) return;
  fini_rec(t, msg);
}

/* copy src into dst, which is zeroed on entry */
static mi_status copy_rec(mi_msg_type t, void *dst, const void *src) {
  const mi_msg_info *m = mi_msg_info_of(t);
  memcpy(dst, src, m->size);
  /* clear the pointers first so that a failure leaves a freeable sample */
  for (size_t i = 0; i < m->n_fields; i++) {
    const mi_msg_field *f = &m->fields[i];
    unsigned char *d = (unsigned char *)dst + f->offset;
    if (f->seq) {
      mi_seq_ *s = (mi_seq_ *)d;
      s->_buffer = NULL;
      s->_length = s->_maximum = 0;
      s->_release = true;
    } else if (f->kind == MI_MSGK_STRING) {
      memset(d, 0, sizeof(char *));
    } else if (f->kind == MI_MSGK_STRUCT) {
      /* nested structs are handled recursively below; clear their pointers
       * by a zeroing init first */
      memset(d, 0, mi_msg_info_of(f->sub)->size);
    }
  }
  for (size_t i = 0; i < m->n_fields; i++) {
    const mi_msg_field *f = &m->fields[i];
    unsigned char *d = (unsigned char *)dst + f->offset;
    const unsigned char *s = (const unsigned char *)src + f->offset;
    if (f->seq) {
      const mi_seq_ *ss = (const mi_seq_ *)s;
      mi_seq_ *ds = (mi_seq_ *)d;
      size_t isz = mi_msg__kind_size(f->kind, f->sub);
      uint32_t n = ss->_length;
      if (n == 0) continue;
      unsigned char *buf = calloc(n, isz);
      if (!buf) return MI_ERR_NOMEM;
      ds->_buffer = buf;
      ds->_maximum = n;
      const unsigned char *sb = ss->_buffer;
      if (f->kind == MI_MSGK_STRING) {
        for (uint32_t k = 0; k < n; k++) {
          const char *str;
          memcpy(&str, sb + k * isz, sizeof str);
          char *c = strdup(str ? str : "");
          if (!c) return MI_ERR_NOMEM;
          memcpy(buf + k * isz, &c, sizeof c);
          ds->_length = k + 1;
        }
      } else if (f->kind == MI_MSGK_STRUCT) {
        for (uint32_t k = 0; k < n; k++) {
          ds->_length = k + 1;
          mi_status st = copy_rec(f->sub, buf + k * isz, sb + k * isz);
          if (st) return st;
        }
      } else {
        memcpy(buf, sb, n * isz);
        ds->_length = n;
      }
    } else if (f->kind == MI_MSGK_STRING) {
      const char *str;
      memcpy(&str, s, sizeof str);
      char *c = strdup(str ? str : "");
      if (!c) return MI_ERR_NOMEM;
      memcpy(d, &c, sizeof c);
    } else if (f->kind == MI_MSGK_STRUCT) {
      mi_status st = copy_rec(f->sub, d, s);
      if (st) return st;
    }
  }
  return MI_OK;
}

mi_status mi_msg_copy(mi_msg_type t, void *dst, const void *src) {
  const mi_msg_info *m = mi_msg_info_of(t);
  if (!m || !dst || !src) return MI_ERR_INVALID;
  memset(dst, 0, m->size);
  mi_status st = copy_rec(t, dst, src);
  if (st) fini_rec(t, dst);
  return st;
}

static bool scalar_equal(mi_msg_kind k, const void *a, const void *b) {
  if (k == MI_MSGK_STRING) {
    const char *sa, *sb;
    memcpy(&sa, a, sizeof sa);
    memcpy(&sb, b, sizeof sb);
    return strcmp(sa ? sa : "", sb ? sb : "") == 0;
  }
  if (k == MI_MSGK_BOOL) return *(const bool *)a == *(const bool *)b;
  return memcmp(a, b, mi_msg__kind_size(k, MI_MSG_TYPE_COUNT)) == 0;
}

static bool equal_rec(mi_msg_type t, const void *a, const void *b) {
  const mi_msg_info *m = mi_msg_info_of(t);
  for (size_t i = 0; i < m->n_fields; i++) {
    const mi_msg_field *f = &m->fields[i];
    const unsigned char *pa = (const unsigned char *)a + f->offset;
    const unsigned char *pb = (const unsigned char *)b + f->offset;
    if (f->seq) {
      const mi_seq_ *sa = (const mi_seq_ *)pa, *sb = (const mi_seq_ *)pb;
      if (sa->_length != sb->_length) return false;
      size_t isz = mi_msg__kind_size(f->kind, f->sub);
      const unsigned char *ba = sa->_buffer, *bb = sb->_buffer;
      for (uint32_t k = 0; k < sa->_length; k++) {
        bool eq = f->kind == MI_MSGK_STRUCT ? equal_rec(f->sub, ba + k * isz, bb + k * isz)
                                            : scalar_equal(f->kind, ba + k * isz, bb + k * isz);
        if (!eq) return false;
      }
    } else if (f->kind == MI_MSGK_STRUCT) {
      if (!equal_rec(f->sub, pa, pb)) return false;
    } else if (!scalar_equal(f->kind, pa, pb)) {
      return false;
    }
  }
  return true;
}

bool mi_msg_equal(mi_msg_type t, const void *a, const void *b) {
  if (!mi_msg_info_of(t) || !a || !b) return false;
  return equal_rec(t, a, b);
}

/* --- validation ------------------------------------------------------------ */

typedef struct vctx {
  char *why;
  size_t why_sz;
  char path[192];
} vctx;

static mi_status reject(vctx *v, const char *fmt, ...) MI_PRINTF(2, 3);
static mi_status reject(vctx *v, const char *fmt, ...) {
  if (v->why && v->why_sz) {
    int n = snprintf(v->why, v->why_sz, "%s", v->path);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < v->why_sz) vsnprintf(v->why + n, v->why_sz - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return MI_ERR_REJECTED;
}

static mi_status check_string(vctx *v, const char *s) {
  if (!s) return reject(v, " is a null string");
  size_t n = strnlen(s, MI_MSG_STRING_MAX + 1);
  if (n > MI_MSG_STRING_MAX) return reject(v, " is longer than %d bytes", MI_MSG_STRING_MAX);
  return MI_OK;
}

static mi_status check_double(vctx *v, double x) {
  if (!isfinite(x)) return reject(v, " is %s", isnan(x) ? "nan" : "infinite");
  return MI_OK;
}

static mi_status validate_rec(mi_msg_type t, const void *msg, vctx *v);

static mi_status validate_item(const mi_msg_field *f, const unsigned char *p, vctx *v) {
  switch (f->kind) {
    case MI_MSGK_F64: {
      double x;
      memcpy(&x, p, sizeof x);
      return check_double(v, x);
    }
    case MI_MSGK_STRING: {
      const char *s;
      memcpy(&s, p, sizeof s);
      return check_string(v, s);
    }
    case MI_MSGK_STRUCT: return validate_rec(f->sub, p, v);
    default: return MI_OK;
  }
}

static mi_status check_len_matches(vctx *v, const char *what, uint32_t n, uint32_t expect,
                                   const char *expect_what) {
  if (n != 0 && n != expect)
    return reject(v, "%s has %u items but %s has %u", what, (unsigned)n, expect_what,
                  (unsigned)expect);
  return MI_OK;
}

static mi_status validate_rules(mi_msg_type t, const void *msg, vctx *v) {
  switch (t) {
    case MI_MSG_TIME:
    case MI_MSG_DURATION: {
      const mi_msg_time *tm = msg; /* same layout for Duration */
      if (tm->nanosec >= 1000000000u) return reject(v, "nanosec %u is not below 1e9", tm->nanosec);
      return MI_OK;
    }
    case MI_MSG_QUATERNION: {
      const mi_msg_quaternion *q = msg;
      if (q->x == 0 && q->y == 0 && q->z == 0 && q->w == 0) return reject(v, " is all zero");
      return MI_OK;
    }
    case MI_MSG_JOINT_STATE: {
      const mi_msg_joint_state *js = msg;
      uint32_t n = js->name._length;
      mi_status st;
      if ((st = check_len_matches(v, "position", js->position._length, n, "name"))) return st;
      if ((st = check_len_matches(v, "velocity", js->velocity._length, n, "name"))) return st;
      return check_len_matches(v, "effort", js->effort._length, n, "name");
    }
    case MI_MSG_JOINT_TRAJECTORY: {
      const mi_msg_joint_trajectory *jt = msg;
      uint32_t n = jt->joint_names._length;
      char what[64];
      int64_t prev = INT64_MIN;
      for (uint32_t k = 0; k < jt->points._length; k++) {
        const mi_msg_joint_trajectory_point *p = &jt->points._buffer[k];
        const dds_sequence_double *arr[4] = {&p->positions, &p->velocities, &p->accelerations,
                                             &p->effort};
        static const char *const names[4] = {"positions", "velocities", "accelerations",
                                             "effort"};
        for (int a = 0; a < 4; a++) {
          snprintf(what, sizeof what, "points[%u].%s", (unsigned)k, names[a]);
          mi_status st = check_len_matches(v, what, arr[a]->_length, n, "joint_names");
          if (st) return st;
        }
        int64_t tfs = mi_msg_duration_to_ns(&p->time_from_start);
        if (tfs < prev)
          return reject(v, "points[%u].time_from_start goes backwards", (unsigned)k);
        prev = tfs;
      }
      return MI_OK;
    }
    case MI_MSG_CONTROLLER_STATUS: {
      const mi_msg_controller_status *cs = msg;
      return check_len_matches(v, "input_states", cs->input_states._length,
                               cs->input_names._length, "input_names");
    }
    case MI_MSG_ZONE_STATUS: {
      const mi_msg_zone_status *z = msg;
      if (z->speed_scale < 0 || z->speed_scale > 1)
        return reject(v, "speed_scale %g is outside [0, 1]", z->speed_scale);
      return MI_OK;
    }
    default: return MI_OK;
  }
}

static mi_status validate_rec(mi_msg_type t, const void *msg, vctx *v) {
  const mi_msg_info *m = mi_msg_info_of(t);
  size_t base = strlen(v->path);
  for (size_t i = 0; i < m->n_fields; i++) {
    const mi_msg_field *f = &m->fields[i];
    const unsigned char *p = (const unsigned char *)msg + f->offset;
    snprintf(v->path + base, sizeof v->path - base, "%s%s", base ? "." : "", f->name);
    if (f->seq) {
      const mi_seq_ *s = (const mi_seq_ *)p;
      if (s->_length > MI_MSG_SEQ_MAX)
        return reject(v, " has %u items, more than %d", (unsigned)s->_length, MI_MSG_SEQ_MAX);
      if (s->_length && !s->_buffer) return reject(v, " has %u items and no buffer",
                                                   (unsigned)s->_length);
      size_t isz = mi_msg__kind_size(f->kind, f->sub);
      size_t fl = strlen(v->path);
      for (uint32_t k = 0; k < s->_length; k++) {
        snprintf(v->path + fl, sizeof v->path - fl, "[%u]", (unsigned)k);
        mi_status st = validate_item(f, (const unsigned char *)s->_buffer + k * isz, v);
        if (st) return st;
      }
      v->path[fl] = 0;
    } else {
      mi_status st = validate_item(f, p, v);
      if (st) return st;
    }
  }
  v->path[base] = 0;
  /* per-type rules speak from this struct's path: "header.stamp.nanosec ..." */
  if (base && t != MI_MSG_QUATERNION && base + 1 < sizeof v->path) {
    v->path[base] = '.';
    v->path[base + 1] = 0;
  }
  mi_status st = validate_rules(t, msg, v);
  v->path[base] = 0;
  return st;
}

mi_status mi_msg_validate(mi_msg_type t, const void *msg, char *why, size_t why_sz) {
  if (why && why_sz) why[0] = 0;
  if (!mi_msg_info_of(t) || !msg) return MI_ERR_INVALID;
  vctx v = {why, why_sz, {0}};
  return validate_rec(t, msg, &v);
}

/* --- serialised size (XCDR1: primitives aligned to their size, at most 8,
 * counted from the start of the payload) ------------------------------------- */

static size_t align(size_t off, size_t a) { return (off + a - 1) / a * a; }

static size_t cdr_rec(mi_msg_type t, const void *msg, size_t off);

static size_t cdr_item(const mi_msg_field *f, const unsigned char *p, size_t off) {
  switch (f->kind) {
    case MI_MSGK_STRING: {
      const char *s;
      memcpy(&s, p, sizeof s);
      return align(off, 4) + 4 + strlen(s ? s : "") + 1;
    }
    case MI_MSGK_STRUCT: return cdr_rec(f->sub, p, off);
    default: {
      size_t sz = mi_msg__kind_size(f->kind, MI_MSG_TYPE_COUNT);
      return align(off, sz) + sz;
    }
  }
}

static size_t cdr_rec(mi_msg_type t, const void *msg, size_t off) {
  const mi_msg_info *m = mi_msg_info_of(t);
  for (size_t i = 0; i < m->n_fields; i++) {
    const mi_msg_field *f = &m->fields[i];
    const unsigned char *p = (const unsigned char *)msg + f->offset;
    if (f->seq) {
      const mi_seq_ *s = (const mi_seq_ *)p;
      off = align(off, 4) + 4;
      size_t isz = mi_msg__kind_size(f->kind, f->sub);
      for (uint32_t k = 0; k < s->_length; k++)
        off = cdr_item(f, (const unsigned char *)s->_buffer + k * isz, off);
    } else {
      off = cdr_item(f, p, off);
    }
  }
  return off;
}

size_t mi_msg_cdr_size(mi_msg_type t, const void *msg) {
  if (!mi_msg_info_of(t) || !msg) return 0;
  return cdr_rec(t, msg, 0);
}

/* --- time ------------------------------------------------------------------ */

static void split_ns(int64_t ns, int32_t *sec, uint32_t *nsec) {
  int64_t s = ns / MI_NS_PER_S;
  int64_t r = ns % MI_NS_PER_S;
  if (r < 0) {
    r += MI_NS_PER_S;
    s -= 1;
  }
  if (s > INT32_MAX) {
    s = INT32_MAX;
    r = MI_NS_PER_S - 1;
  } else if (s < INT32_MIN) {
    s = INT32_MIN;
    r = 0;
  }
  *sec = (int32_t)s;
  *nsec = (uint32_t)r;
}

mi_msg_time mi_msg_time_from_ns(int64_t ns) {
  mi_msg_time t;
  split_ns(ns, &t.sec, &t.nanosec);
  return t;
}

int64_t mi_msg_time_to_ns(const mi_msg_time *t) {
  return (int64_t)t->sec * MI_NS_PER_S + (int64_t)t->nanosec;
}

mi_msg_duration mi_msg_duration_from_ns(int64_t ns) {
  mi_msg_duration d;
  split_ns(ns, &d.sec, &d.nanosec);
  return d;
}

int64_t mi_msg_duration_to_ns(const mi_msg_duration *d) {
  return (int64_t)d->sec * MI_NS_PER_S + (int64_t)d->nanosec;
}
