/* launch/cmd_topic.c - `mirai topic list|echo|hz|pub`, as `ros2 topic`, on any
 * mirai or ROS 2 topic whose type mirai knows (dds/msgs.h). */
#define _GNU_SOURCE /* strdup */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "dds/node.h"
#include "launch/commands.h"

typedef struct topic_args {
  mi_dds_params dds;
  double timeout_s;  /* discovery wait */
  double duration_s; /* 0: until SIGINT */
  double rate_hz;
  long count; /* echo: stop after this many samples (0: never) */
  bool once, show_types, all, unchecked;
  const char *pos[3]; /* positional arguments after the verb */
  int npos;
} topic_args;

static void usage(FILE *f) {
  fprintf(f,
          "usage: mirai topic list [-t] [--all] [common options]\n"
          "       mirai topic echo TOPIC [TYPE] [--once] [-n N] [common options]\n"
          "       mirai topic hz TOPIC [TYPE] [common options]\n"
          "       mirai topic pub TOPIC TYPE 'YAML' [--rate HZ] [--once] [-n N] [common options]\n"
          "\n"
          "  list   topics seen in the domain (-t: with their types; --all: also non-ROS 2 ones)\n"
          "  echo   print samples as YAML, '---' after each, as 'ros2 topic echo' does\n"
          "  hz     print rate and period statistics once a second\n"
          "  pub    publish a message given as YAML (default 1 Hz; --once: one, then exit;\n"
          "         --unchecked: send it even when mirai's validation would reject it)\n"
          "\n"
          "TOPIC is a ROS 2 name (/joint_states); TYPE is pkg/msg/Name and may be left out\n"
          "for echo and hz when the topic is in mirai's table or a writer announces it.\n"
          "\n"
          "common options:\n"
          "  --domain N       DDS domain (default: ROS_DOMAIN_ID, else 0)\n"
          "  --config XML     DDS config replacing the loopback default (or CYCLONEDDS_URI)\n"
          "  --timeout S      how long to wait for discovery (default 2)\n"
          "  --duration S     stop after S seconds (default: run until Ctrl-C)\n"
          "\n"
          "types:\n");
  for (int t = 0; t < MI_MSG_TYPE_COUNT; t++)
    fprintf(f, "  %s\n", mi_msg_info_of((mi_msg_type)t)->ros_name);
}

static int parse_args(int argc, char **argv, topic_args *a) {
  memset(a, 0, sizeof *a);
  mi_dds_params_default(&a->dds);
  a->timeout_s = 2.0;
  a->rate_hz = 1.0;
  for (int i = 2; i < argc; i++) {
    const char *s = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(s, "--help") || !strcmp(s, "-h")) return 1;
    if (!strcmp(s, "-t") || !strcmp(s, "--show-types")) a->show_types = true;
    else if (!strcmp(s, "--all")) a->all = true;
    else if (!strcmp(s, "--once")) a->once = true;
    else if (!strcmp(s, "--unchecked")) a->unchecked = true;
    else if ((!strcmp(s, "--domain") || !strcmp(s, "-n") || !strcmp(s, "--times") ||
              !strcmp(s, "--rate") || !strcmp(s, "-r") || !strcmp(s, "--timeout") ||
              !strcmp(s, "--duration") || !strcmp(s, "--config")) &&
             !v) {
      fprintf(stderr, "mirai topic: %s needs a value\n", s);
      return -1;
    } else if (!strcmp(s, "--config")) {
      snprintf(a->dds.config, sizeof a->dds.config, "%s", v);
      i++;
    } else if (!strcmp(s, "--domain") || !strcmp(s, "-n") || !strcmp(s, "--times") ||
               !strcmp(s, "--rate") || !strcmp(s, "-r") || !strcmp(s, "--timeout") ||
               !strcmp(s, "--duration")) {
      char *end;
      double x = strtod(v, &end);
      if (end == v || *end || !isfinite(x) || x < 0) {
        fprintf(stderr, "mirai topic: %s: '%s' is not a non-negative number\n", s, v);
        return -1;
      }
      if (!strcmp(s, "--domain")) {
        if (x != floor(x) || x > MI_DDS_DOMAIN_MAX) {
          fprintf(stderr, "mirai topic: --domain: '%s' is not in 0..%d\n", v, MI_DDS_DOMAIN_MAX);
          return -1;
        }
        a->dds.domain_id = (int64_t)x;
      } else if (!strcmp(s, "-n") || !strcmp(s, "--times")) a->count = (long)x;
      else if (!strcmp(s, "--rate") || !strcmp(s, "-r")) a->rate_hz = x;
      else if (!strcmp(s, "--timeout")) a->timeout_s = x;
      else a->duration_s = x;
      i++;
    } else if (s[0] == '-' && s[1] && !(s[1] >= '0' && s[1] <= '9') && a->npos < 2) {
      fprintf(stderr, "mirai topic: unknown option '%s' (see 'mirai topic --help')\n", s);
      return -1;
    } else if (a->npos < 3) {
      a->pos[a->npos++] = s;
    } else {
      fprintf(stderr, "mirai topic: unexpected argument '%s'\n", s);
      return -1;
    }
  }
  return 0;
}

static mi_dds_node *make_node(const topic_args *a) {
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "mirai_topic");
  o.dds = a->dds;
  mi_dds_node *n = NULL;
  char err[512];
  if (mi_dds_node_create(&o, &n, err, sizeof err)) {
    fprintf(stderr, "mirai topic: %s\n", err);
    return NULL;
  }
  return n;
}

/* "sensor_msgs::msg::dds_::JointState_" -> "sensor_msgs/msg/JointState" */
static void ros_type_name(const char *dds, char *out, size_t out_sz) {
  mi_msg_type t;
  if (mi_msg_type_find(dds, &t) == MI_OK) {
    snprintf(out, out_sz, "%s", mi_msg_info_of(t)->ros_name);
    return;
  }
  size_t k = 0;
  for (const char *c = dds; *c && k + 1 < out_sz; c++) {
    if (c[0] == ':' && c[1] == ':') {
      if (strncmp(c, "::dds_::", 8) == 0) c += 6;
      out[k++] = '/';
      c++;
    } else {
      out[k++] = *c;
    }
  }
  if (k && out[k - 1] == '_') k--;
  out[k] = 0;
}

/* "rt/joint_states" -> "/joint_states" */
static bool ros_topic_name(const char *dds, char *out, size_t out_sz) {
  if (strncmp(dds, "rt/", 3) == 0) {
    snprintf(out, out_sz, "/%s", dds + 3);
    return true;
  }
  snprintf(out, out_sz, "%s", dds);
  return false;
}

/* --- discovery ------------------------------------------------------------------ */

typedef struct seen_topic {
  char name[160];
  char type[160];
} seen_topic;

/* Collect the topics of every writer and reader seen within timeout_s.
 * Stops early once `want` (a DDS topic name) is seen, when given. */
static int discover(mi_dds_node *n, double timeout_s, const char *want, seen_topic *out,
                    int max) {
  dds_entity_t pp = mi_dds_node_participant(n);
  dds_entity_t rd[2] = {dds_create_reader(pp, DDS_BUILTIN_TOPIC_DCPSPUBLICATION, NULL, NULL),
                        dds_create_reader(pp, DDS_BUILTIN_TOPIC_DCPSSUBSCRIPTION, NULL, NULL)};
  dds_guid_t self;
  bool have_self = dds_get_guid(pp, &self) == DDS_RETCODE_OK;
  int count = 0;
  bool found = false;
  int64_t end = mi_clock_mono_ns() + mi_ns_from_s(timeout_s);
  while (!found && mi_dds_ok() && mi_clock_mono_ns() < end) {
    for (int r = 0; r < 2; r++) {
      if (rd[r] < 0) continue;
      void *buf[16] = {NULL};
      dds_sample_info_t si[16];
      dds_return_t k = dds_read(rd[r], buf, si, 16, 16);
      for (int i = 0; i < k; i++) {
        if (!si[i].valid_data) continue;
        const dds_builtintopic_endpoint_t *e = buf[i];
        if (have_self && !memcmp(&e->participant_key, &self, sizeof self)) continue;
        bool dup = false;
        for (int j = 0; j < count; j++)
          if (!strcmp(out[j].name, e->topic_name) && !strcmp(out[j].type, e->type_name))
            dup = true;
        if (!dup && count < max) {
          snprintf(out[count].name, sizeof out[count].name, "%s", e->topic_name);
          snprintf(out[count].type, sizeof out[count].type, "%s", e->type_name);
          count++;
        }
        if (want && !strcmp(e->topic_name, want)) found = true;
      }
      if (k > 0) dds_return_loan(rd[r], buf, k);
    }
    if (!found) mi_clock_sleep_ns(20 * MI_NS_PER_MS);
  }
  for (int r = 0; r < 2; r++)
    if (rd[r] > 0) dds_delete(rd[r]);
  return count;
}

static int cmp_seen(const void *a, const void *b) {
  return strcmp(((const seen_topic *)a)->name, ((const seen_topic *)b)->name);
}

static int cmd_list(const topic_args *a) {
  mi_dds_node *n = make_node(a);
  if (!n) return MI_EXIT_FAIL;
  static seen_topic seen[512];
  int k = discover(n, a->timeout_s, NULL, seen, 512);
  qsort(seen, (size_t)k, sizeof seen[0], cmp_seen);
  for (int i = 0; i < k; i++) {
    char name[168], type[168];
    bool ros = ros_topic_name(seen[i].name, name, sizeof name);
    if (!ros && !a->all) continue;
    if (i > 0 && !strcmp(seen[i].name, seen[i - 1].name) && !a->show_types) continue;
    if (a->show_types) {
      ros_type_name(seen[i].type, type, sizeof type);
      printf("%s [%s]\n", name, type);
    } else {
      printf("%s\n", name);
    }
  }
  fflush(stdout);
  mi_dds_node_destroy(n);
  return MI_EXIT_OK;
}

/* --- echo and hz: a reader of a known type --------------------------------------- */

typedef struct reader {
  dds_entity_t rd, ws, cond;
  mi_msg_type type;
} reader;

/* topic type: given, else the table's, else discovered */
static int resolve_type(mi_dds_node *n, const topic_args *a, const char *dds_name,
                        const char *type_arg, mi_msg_type *type, mi_qos_profile *qos) {
  mi_topic t;
  bool in_table = mi_topic_find(dds_name, &t) == MI_OK;
  *qos = in_table ? mi_topic_info_of(t)->qos : MI_QOS_SENSOR;
  if (type_arg) {
    if (mi_msg_type_find(type_arg, type)) {
      fprintf(stderr, "mirai topic: unknown type '%s' (see 'mirai topic --help')\n", type_arg);
      return MI_EXIT_USAGE;
    }
    if (in_table && *type != mi_topic_info_of(t)->type) *qos = MI_QOS_SENSOR;
    return MI_EXIT_OK;
  }
  if (in_table) {
    *type = mi_topic_info_of(t)->type;
    return MI_EXIT_OK;
  }
  seen_topic seen[64];
  int k = discover(n, a->timeout_s, dds_name, seen, 64);
  for (int i = 0; i < k; i++) {
    if (strcmp(seen[i].name, dds_name)) continue;
    if (mi_msg_type_find(seen[i].type, type) == MI_OK) return MI_EXIT_OK;
    fprintf(stderr, "mirai topic: %s has type %s, which mirai does not know\n", dds_name,
            seen[i].type);
    return MI_EXIT_FAIL;
  }
  fprintf(stderr, "mirai topic: no writer of %s seen within %.1f s; give its TYPE\n", dds_name,
          a->timeout_s);
  return MI_EXIT_FAIL;
}

static int open_reader(mi_dds_node *n, const topic_args *a, const char *topic,
                       const char *type_arg, reader *r) {
  char dds_name[160];
  if (mi_topic_dds_name(topic, dds_name, sizeof dds_name)) {
    fprintf(stderr, "mirai topic: '%s' is not a valid topic name\n", topic);
    return MI_EXIT_USAGE;
  }
  mi_qos_profile qos;
  int rc = resolve_type(n, a, dds_name, type_arg, &r->type, &qos);
  if (rc) return rc;
  dds_entity_t pp = mi_dds_node_participant(n);
  dds_entity_t tp = dds_create_topic(pp, mi_msg_info_of(r->type)->desc, dds_name, NULL, NULL);
  dds_qos_t *q = mi_qos_create(qos);
  r->rd = tp < 0 ? tp : dds_create_reader(pp, tp, q, NULL);
  dds_delete_qos(q);
  if (r->rd < 0) {
    fprintf(stderr, "mirai topic: cannot read %s: %s\n", dds_name, dds_strretcode(r->rd));
    return MI_EXIT_FAIL;
  }
  r->ws = dds_create_waitset(pp);
  r->cond = dds_create_readcondition(r->rd, DDS_ANY_STATE);
  dds_waitset_attach(r->ws, r->cond, 0);
  return MI_EXIT_OK;
}

static bool past(int64_t end_ns) { return end_ns && mi_clock_mono_ns() >= end_ns; }

static int cmd_echo(const topic_args *a) {
  if (a->npos < 1) {
    fprintf(stderr, "mirai topic echo: which TOPIC?\n");
    return MI_EXIT_USAGE;
  }
  mi_dds_node *n = make_node(a);
  if (!n) return MI_EXIT_FAIL;
  reader r;
  int rc = open_reader(n, a, a->pos[0], a->npos > 1 ? a->pos[1] : NULL, &r);
  long want = a->once ? 1 : a->count, got = 0;
  int64_t end = a->duration_s > 0 ? mi_clock_mono_ns() + mi_ns_from_s(a->duration_s) : 0;
  while (!rc && mi_dds_ok() && !past(end) && (!want || got < want)) {
    dds_waitset_wait(r.ws, NULL, 0, DDS_MSECS(100));
    void *buf[16] = {NULL};
    dds_sample_info_t si[16];
    dds_return_t k = dds_take(r.rd, buf, si, 16, 16);
    for (int i = 0; i < k && (!want || got < want); i++) {
      if (!si[i].valid_data) continue;
      /* echo shows what is on the wire, valid or not, and says when not */
      char why[192];
      if (mi_msg_validate(r.type, buf[i], why, sizeof why))
        printf("# mirai would reject this sample: %s\n", why);
      mi_msg_print_yaml(r.type, buf[i], stdout, 0);
      fputs("---\n", stdout);
      fflush(stdout);
      got++;
    }
    if (k > 0) dds_return_loan(r.rd, buf, k);
  }
  mi_dds_node_destroy(n);
  return rc;
}

/* ros2 topic hz: statistics over the last `window` periods */
#define HZ_WINDOW 10000
static int cmd_hz(const topic_args *a) {
  if (a->npos < 1) {
    fprintf(stderr, "mirai topic hz: which TOPIC?\n");
    return MI_EXIT_USAGE;
  }
  mi_dds_node *n = make_node(a);
  if (!n) return MI_EXIT_FAIL;
  reader r;
  int rc = open_reader(n, a, a->pos[0], a->npos > 1 ? a->pos[1] : NULL, &r);
  static double periods[HZ_WINDOW];
  long np = 0;
  int64_t last = 0, next_print = mi_clock_mono_ns() + MI_NS_PER_S;
  int64_t end = a->duration_s > 0 ? mi_clock_mono_ns() + mi_ns_from_s(a->duration_s) : 0;
  while (!rc && mi_dds_ok() && !past(end)) {
    dds_waitset_wait(r.ws, NULL, 0, DDS_MSECS(20));
    void *buf[64] = {NULL};
    dds_sample_info_t si[64];
    dds_return_t k;
    while ((k = dds_take(r.rd, buf, si, 64, 64)) > 0) {
      int64_t now = mi_clock_mono_ns();
      for (int i = 0; i < k; i++) {
        if (!si[i].valid_data) continue;
        if (last) periods[np++ % HZ_WINDOW] = mi_s_from_ns(now - last);
        last = now;
      }
      dds_return_loan(r.rd, buf, k);
    }
    if (mi_clock_mono_ns() >= next_print) {
      next_print += MI_NS_PER_S;
      long w = np < HZ_WINDOW ? np : HZ_WINDOW;
      if (w == 0) {
        printf("no new messages\n");
      } else {
        double sum = 0, mn = INFINITY, mx = 0;
        for (long i = 0; i < w; i++) {
          sum += periods[i];
          mn = fmin(mn, periods[i]);
          mx = fmax(mx, periods[i]);
        }
        double mean = sum / (double)w, var = 0;
        for (long i = 0; i < w; i++) var += (periods[i] - mean) * (periods[i] - mean);
        printf("average rate: %.3f\n\tmin: %.6fs max: %.6fs std dev: %.6fs window: %ld\n",
               1.0 / mean, mn, mx, sqrt(var / (double)w), w + 1);
      }
      fflush(stdout);
    }
  }
  mi_dds_node_destroy(n);
  return rc;
}

/* --- pub ---------------------------------------------------------------------- */

static int cmd_pub(const topic_args *a) {
  if (a->npos < 3) {
    fprintf(stderr, "usage: mirai topic pub TOPIC TYPE 'YAML' [--rate HZ] [--once]\n");
    return MI_EXIT_USAGE;
  }
  mi_msg_type type;
  if (mi_msg_type_find(a->pos[1], &type)) {
    fprintf(stderr, "mirai topic pub: unknown type '%s' (see 'mirai topic --help')\n", a->pos[1]);
    return MI_EXIT_USAGE;
  }
  const mi_msg_info *m = mi_msg_info_of(type);
  void *msg = calloc(1, m->size);
  char err[512];
  if (!msg) return MI_EXIT_FAIL;
  if (mi_msg_from_yaml(type, a->pos[2], msg, err, sizeof err)) {
    fprintf(stderr, "mirai topic pub: %s\n", err);
    free(msg);
    return MI_EXIT_USAGE;
  }
  if (!a->unchecked && mi_msg_validate(type, msg, err, sizeof err)) {
    fprintf(stderr, "mirai topic pub: mirai nodes would reject this message: %s\n", err);
    mi_msg_fini(type, msg);
    free(msg);
    return MI_EXIT_USAGE;
  }
  if (!a->once && !(a->rate_hz > 0)) {
    fprintf(stderr, "mirai topic pub: --rate must be > 0\n");
    mi_msg_fini(type, msg);
    free(msg);
    return MI_EXIT_USAGE;
  }
  int rc = MI_EXIT_OK;
  mi_dds_node *n = make_node(a);
  mi_dds_pub *p = NULL;
  if (!n) {
    rc = MI_EXIT_FAIL;
    goto out;
  }
  mi_topic t;
  mi_qos_profile qos = MI_QOS_COMMAND;
  if (mi_topic_find(a->pos[0], &t) == MI_OK && mi_topic_info_of(t)->type == type)
    qos = mi_topic_info_of(t)->qos;
  if (mi_dds_pub_create(n, a->pos[0], type, qos, &p)) {
    fprintf(stderr, "mirai topic pub: cannot write %s as %s\n", a->pos[0], m->ros_name);
    rc = MI_EXIT_FAIL;
    goto out;
  }
  /* as ros2 topic pub: give readers a moment to match before the first write */
  mi_dds_pub_wait_matched(p, 1, mi_ns_from_s(a->timeout_s));
  long want = a->once ? 1 : a->count, sent = 0;
  int64_t period = a->once ? 0 : mi_ns_from_s(1.0 / a->rate_hz);
  int64_t next = mi_clock_mono_ns();
  int64_t end = a->duration_s > 0 ? next + mi_ns_from_s(a->duration_s) : 0;
  while (mi_dds_ok() && !past(end) && (!want || sent < want)) {
    if (mi_dds_publish(p, msg)) {
      rc = MI_EXIT_FAIL;
      break;
    }
    sent++;
    if (!a->once) {
      printf("publishing #%ld:\n", sent);
      mi_msg_print_yaml(type, msg, stdout, 0); /* one sample, as ros2 prints it */
      fflush(stdout);
    }
    if (want && sent >= want) break;
    next += period;
    while (mi_dds_ok() && mi_clock_mono_ns() < next) mi_clock_sleep_ns(10 * MI_NS_PER_MS);
  }
  /* let reliable readers acknowledge before the writer goes away */
  mi_dds_pub_wait_acked(p, MI_NS_PER_S);
out:
  mi_dds_node_destroy(n);
  mi_msg_fini(type, msg);
  free(msg);
  return rc;
}

int mi_cmd_topic(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? MI_EXIT_USAGE : MI_EXIT_OK;
  }
  topic_args a;
  int pr = parse_args(argc, argv, &a);
  if (pr > 0) {
    usage(stdout);
    return MI_EXIT_OK;
  }
  if (pr < 0) return MI_EXIT_USAGE;
  mi_dds_install_signal_handlers();
  const char *verb = argv[1];
  if (!strcmp(verb, "list")) return cmd_list(&a);
  if (!strcmp(verb, "echo")) return cmd_echo(&a);
  if (!strcmp(verb, "hz")) return cmd_hz(&a);
  if (!strcmp(verb, "pub")) return cmd_pub(&a);
  fprintf(stderr, "mirai topic: unknown verb '%s' (list, echo, hz, pub)\n", verb);
  return MI_EXIT_USAGE;
}
