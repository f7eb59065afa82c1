/* launch/cmd_bag.c - `mirai record` and `mirai replay`: MCAP files of DDS
 * topics (dds/record.h). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "dds/domain.h"
#include "dds/node.h"
#include "dds/record.h"
#include "launch/commands.h"

typedef struct bag_args {
  mi_dds_params dds;
  const char *out;       /* record: -o FILE */
  const char *pos[MI_REC_MAX_TOPICS];
  int npos;
  double duration_s;     /* record: 0 = until Ctrl-C */
  double rate;           /* replay: speed factor */
  double wait_s;         /* replay: wait for subscribers */
} bag_args;

static const char k_common_help[] =
    "  --domain N       DDS domain (default: ROS_DOMAIN_ID, else 0)\n"
    "  --config XML     DDS config replacing the loopback default (or CYCLONEDDS_URI)\n";

/* common option parsing; returns 1 for --help, -1 on error */
static int parse(const char *cmd, int argc, char **argv, bag_args *a) {
  memset(a, 0, sizeof *a);
  mi_dds_params_default(&a->dds);
  a->rate = 1.0;
  a->wait_s = 1.0;
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(s, "--help") || !strcmp(s, "-h")) return 1;
    bool takes_value = !strcmp(s, "-o") || !strcmp(s, "--output") || !strcmp(s, "--domain") ||
                       !strcmp(s, "--config") || !strcmp(s, "--duration") ||
                       !strcmp(s, "--rate") || !strcmp(s, "--wait");
    if (takes_value && !v) {
      fprintf(stderr, "mirai %s: %s needs a value\n", cmd, s);
      return -1;
    }
    if (!strcmp(s, "-o") || !strcmp(s, "--output")) {
      a->out = v;
      i++;
    } else if (!strcmp(s, "--config")) {
      snprintf(a->dds.config, sizeof a->dds.config, "%s", v);
      i++;
    } else if (takes_value) {
      char *end;
      double x = strtod(v, &end);
      if (end == v || *end || !isfinite(x) || x < 0) {
        fprintf(stderr, "mirai %s: %s: '%s' is not a non-negative number\n", cmd, s, v);
        return -1;
      }
      if (!strcmp(s, "--domain")) {
        if (x != floor(x) || x > MI_DDS_DOMAIN_MAX) {
          fprintf(stderr, "mirai %s: --domain: '%s' is not in 0..%d\n", cmd, v, MI_DDS_DOMAIN_MAX);
          return -1;
        }
        a->dds.domain_id = (int64_t)x;
      } else if (!strcmp(s, "--duration")) {
        a->duration_s = x;
      } else if (!strcmp(s, "--rate")) {
        a->rate = x;
      } else {
        a->wait_s = x;
      }
      i++;
    } else if (s[0] == '-' && s[1]) {
      fprintf(stderr, "mirai %s: unknown option '%s' (see 'mirai %s --help')\n", cmd, s, cmd);
      return -1;
    } else if (a->npos < MI_REC_MAX_TOPICS) {
      a->pos[a->npos++] = s;
    } else {
      fprintf(stderr, "mirai %s: at most %d topics\n", cmd, MI_REC_MAX_TOPICS);
      return -1;
    }
  }
  return 0;
}

static mi_dds_node *make_node(const char *cmd, const bag_args *a) {
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, cmd);
  o.dds = a->dds;
  mi_dds_node *n = NULL;
  char err[512];
  if (mi_dds_node_create(&o, &n, err, sizeof err)) {
    fprintf(stderr, "mirai %s: %s\n", cmd, err);
    return NULL;
  }
  return n;
}

int mi_cmd_record(int argc, char **argv) {
  bag_args a;
  int p = parse("record", argc, argv, &a);
  if (p == 1) {
    printf("usage: mirai record -o FILE.mcap [TOPIC[:TYPE] ...] [--duration S] [options]\n"
           "\n"
           "Record DDS topics to an MCAP file in the ros2 profile (cdr messages, ros2msg\n"
           "schemas, rosbag2 QoS metadata) that standard MCAP readers and ros2 bag open.\n"
           "Without topics, every standard mirai topic is recorded. A topic outside\n"
           "mirai's table needs its type: /my_topic:sensor_msgs/msg/JointState.\n"
           "Stops after --duration seconds or at Ctrl-C, then prints per topic the\n"
           "messages written and those its reader knows it lost (Cyclone's SAMPLE_LOST\n"
           "and SAMPLE_REJECTED: sequence gaps it could not fill, resource limits).\n"
           "\n"
           "options:\n%s",
           k_common_help);
    return MI_EXIT_OK;
  }
  if (p < 0) return MI_EXIT_USAGE;
  if (!a.out) {
    fprintf(stderr, "mirai record: -o FILE.mcap is required (see 'mirai record --help')\n");
    return MI_EXIT_USAGE;
  }
  mi_rec_topic topics[MI_REC_MAX_TOPICS];
  size_t n = 0;
  char err[1024];
  if (a.npos == 0) {
    for (int t = 0; t < MI_TOPIC_COUNT; t++)
      if (mi_rec_topic_parse(mi_topic_info_of((mi_topic)t)->ros_name, &topics[n], err,
                             sizeof err) == MI_OK)
        n++;
  }
  for (int i = 0; i < a.npos; i++) {
    if (mi_rec_topic_parse(a.pos[i], &topics[n], err, sizeof err) != MI_OK) {
      fprintf(stderr, "mirai record: %s\n", err);
      return MI_EXIT_USAGE;
    }
    n++;
  }
  mi_dds_node *node = make_node("record", &a);
  if (!node) return MI_EXIT_FAIL;
  mi_dds_recorder *rec;
  if (mi_dds_recorder_open(node, a.out, topics, n, &rec, err, sizeof err) != MI_OK) {
    fprintf(stderr, "mirai record: %s\n", err);
    mi_dds_node_destroy(node);
    return MI_EXIT_FAIL;
  }
  mi_dds_install_signal_handlers();
  bool tty = isatty(STDERR_FILENO);
  int64_t t0 = mi_clock_mono_ns(), next_report = t0 + MI_NS_PER_S;
  int64_t end = a.duration_s > 0 ? t0 + mi_ns_from_s(a.duration_s) : INT64_MAX;
  fprintf(stderr, "mirai record: %zu topics -> %s (Ctrl-C to stop)\n", n, a.out);
  mi_status st = MI_OK;
  while (mi_dds_ok() && mi_clock_mono_ns() < end) {
    if ((st = mi_dds_recorder_poll(rec, 50 * MI_NS_PER_MS)) != MI_OK) {
      fprintf(stderr, "mirai record: writing %s failed: %s\n", a.out, mi_status_str(st));
      break;
    }
    if (tty && mi_clock_mono_ns() >= next_report) {
      uint64_t total = 0;
      for (size_t i = 0; i < n; i++) total += mi_dds_recorder_count(rec, i);
      fprintf(stderr, "\r  %.0f s, %llu messages", mi_s_from_ns(mi_clock_mono_ns() - t0),
              (unsigned long long)total);
      next_report += MI_NS_PER_S;
    }
  }
  if (tty) fprintf(stderr, "\n");
  /* take what is still queued, so the counts printed are what the file holds */
  if (st == MI_OK) st = mi_dds_recorder_poll(rec, 0);
  uint64_t counts[MI_REC_MAX_TOPICS], lost[MI_REC_MAX_TOPICS], total = 0, lost_total = 0;
  for (size_t i = 0; i < n; i++) {
    counts[i] = mi_dds_recorder_count(rec, i);
    lost[i] = mi_dds_recorder_lost(rec, i);
    total += counts[i];
    lost_total += lost[i];
  }
  mi_status cst = mi_dds_recorder_close(rec);
  /* messages per topic, and what the readers know they lost (dds/record.h) */
  printf("recorded %s in %.1f s:\n", a.out, mi_s_from_ns(mi_clock_mono_ns() - t0));
  printf("  %-28s %-40s %10s %6s\n", "topic", "type", "messages", "lost");
  for (size_t i = 0; i < n; i++)
    printf("  %-28s %-40s %10llu %6llu\n", topics[i].name,
           mi_msg_info_of(topics[i].type)->ros_name, (unsigned long long)counts[i],
           (unsigned long long)lost[i]);
  printf("  %-28s %-40s %10llu %6llu\n", "total", "", (unsigned long long)total,
         (unsigned long long)lost_total);
  mi_dds_node_destroy(node);
  return st == MI_OK && cst == MI_OK ? MI_EXIT_OK : MI_EXIT_FAIL;
}

int mi_cmd_replay(int argc, char **argv) {
  bag_args a;
  int p = parse("replay", argc, argv, &a);
  if (p == 1) {
    printf("usage: mirai replay FILE.mcap [--rate X] [--wait S] [options]\n"
           "\n"
           "Republish an MCAP file's messages on their topics with the recorded timing\n"
           "(log times), sped up by --rate (default 1; 0 = as fast as possible).\n"
           "Each topic's writer first waits up to --wait seconds (default 1) for a reader.\n"
           "Channels whose type mirai does not know are skipped and counted.\n"
           "\n"
           "options:\n%s",
           k_common_help);
    return MI_EXIT_OK;
  }
  if (p < 0) return MI_EXIT_USAGE;
  if (a.npos != 1) {
    fprintf(stderr, "mirai replay: give one FILE.mcap (see 'mirai replay --help')\n");
    return MI_EXIT_USAGE;
  }
  mi_dds_node *node = make_node("replay", &a);
  if (!node) return MI_EXIT_FAIL;
  mi_dds_install_signal_handlers();
  mi_replay_stats s;
  char err[512] = "";
  mi_status st = mi_dds_replay(node, a.pos[0], a.rate, mi_ns_from_s(a.wait_s), &s, err, sizeof err);
  mi_dds_node_destroy(node);
  if (st != MI_OK && st != MI_ERR_INTERRUPTED) {
    fprintf(stderr, "mirai replay: %s\n", err[0] ? err : mi_status_str(st));
    return MI_EXIT_FAIL;
  }
  printf("replayed %s: %llu published, %llu skipped (unknown type), %llu undecodable, %.1f s%s\n",
         a.pos[0], (unsigned long long)s.published, (unsigned long long)s.skipped,
         (unsigned long long)s.bad, s.duration_s, st == MI_ERR_INTERRUPTED ? " (interrupted)" : "");
  return MI_EXIT_OK;
}
