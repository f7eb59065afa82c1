/* launch/bench_dds.c - `mirai bench dds`: round-trip latency of a 7-joint
 * JointState between two mirai nodes in two processes (node runtime,
 * validation and executor included), beside ddsperf ping/pong with the same
 * payload size, both over the default loopback configuration, in one run. */
#define _GNU_SOURCE /* setenv */
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "dds/node.h"
#include "launch/bench.h"
#include "launch/commands.h"

#define NJ 7

typedef struct bench_args {
  double duration_s, rate_hz;
  int domain;
  bool pong, no_peer;
} bench_args;

static void usage(FILE *f) {
  fprintf(f,
          "usage: mirai bench dds [--duration S] [--rate HZ] [--domain N] [--no-peer]\n"
          "\n"
          "Round trip of a 7-joint sensor_msgs/JointState between two mirai nodes in two\n"
          "processes (ping -> pong -> ping, reliable, over the default loopback config),\n"
          "then ddsperf ping/pong with the same payload size and config. Prints:\n"
          "  bench dds.roundtrip size=B mirai_p50_us=X mirai_p99_us=Y ddsperf_p50_us=A\n"
          "        ddsperf_p99_us=B ratio_p50=X/A\n"
          "  --duration S  seconds of measurement for each side (default 5)\n"
          "  --rate HZ     round trips per second (default 1000, as ddsperf ping 1000Hz)\n"
          "  --domain N    DDS domain of the mirai pair; ddsperf uses N+1 (default 38)\n"
          "  --no-peer     skip ddsperf\n");
}

/* --- the pong process -------------------------------------------------------------- */

static mi_dds_pub *g_pong_pub;

static void on_ping(const void *msg, const mi_dds_sample_info *info, void *user) {
  (void)info;
  (void)user;
  mi_dds_publish(g_pong_pub, msg);
}

static int run_pong(const bench_args *a) {
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "bench_pong");
  o.dds.domain_id = a->domain;
  mi_dds_node *n;
  char err[256];
  if (mi_dds_node_create(&o, &n, err, sizeof err)) {
    fprintf(stderr, "bench pong: %s\n", err);
    return MI_EXIT_FAIL;
  }
  mi_dds_sub *s;
  if (mi_dds_pub_create(n, "/bench/pong", MI_MSG_JOINT_STATE, MI_QOS_COMMAND, &g_pong_pub) ||
      mi_dds_subscribe(n, "/bench/ping", MI_MSG_JOINT_STATE, MI_QOS_COMMAND, on_ping, NULL, &s)) {
    mi_dds_node_destroy(n);
    return MI_EXIT_FAIL;
  }
  mi_dds_install_signal_handlers();
  mi_dds_spin(n);
  mi_dds_node_destroy(n);
  return MI_EXIT_OK;
}

/* --- the ping side ------------------------------------------------------------------ */

typedef struct ping_state {
  int64_t recv_ns;
  int got;
} ping_state;

static void on_pong(const void *msg, const mi_dds_sample_info *info, void *user) {
  (void)msg;
  ping_state *p = user;
  p->recv_ns = info->recv_mono_ns;
  p->got++;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double q) {
  if (!n) return NAN;
  size_t i = (size_t)floor(q * (double)(n - 1) + 0.5);
  return v[i];
}

static pid_t spawn(char *const argv[], const char *uri) {
  pid_t pid = fork();
  if (pid == 0) {
    if (uri) setenv("CYCLONEDDS_URI", uri, 1);
    int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) dup2(fd, 1);
    execvp(argv[0], argv);
    _exit(127);
  }
  return pid;
}

static int run_mirai(const bench_args *a, size_t *size, double *p50, double *p99) {
  /* the pong node in a second process: this same program */
  char dom[16];
  snprintf(dom, sizeof dom, "%d", a->domain);
  char *pong_argv[] = {"/proc/self/exe", "bench", "dds", "--pong", "--domain", dom, NULL};
  pid_t pong = spawn(pong_argv, NULL);
  if (pong < 0) return MI_EXIT_FAIL;

  int rc = MI_EXIT_FAIL;
  double *rtt = NULL;
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "bench_ping");
  o.dds.domain_id = a->domain;
  mi_dds_node *n = NULL;
  char err[256];
  if (mi_dds_node_create(&o, &n, err, sizeof err)) {
    fprintf(stderr, "mirai bench dds: %s\n", err);
    goto out;
  }
  ping_state ps = {0, 0};
  mi_dds_pub *pub;
  mi_dds_sub *sub;
  if (mi_dds_pub_create(n, "/bench/ping", MI_MSG_JOINT_STATE, MI_QOS_COMMAND, &pub) ||
      mi_dds_subscribe(n, "/bench/pong", MI_MSG_JOINT_STATE, MI_QOS_COMMAND, on_pong, &ps, &sub))
    goto out;
  if (mi_dds_pub_wait_matched(pub, 1, 10 * MI_NS_PER_S) ||
      mi_dds_sub_wait_matched(sub, 1, 10 * MI_NS_PER_S)) {
    fprintf(stderr, "mirai bench dds: the pong process was not discovered within 10 s\n");
    goto out;
  }

  /* a 7-joint arm's joint state */
  static char *names[NJ] = {"joint_1", "joint_2", "joint_3", "joint_4",
                            "joint_5", "joint_6", "joint_7"};
  double q[NJ], v[NJ], e[NJ];
  for (int j = 0; j < NJ; j++) q[j] = 0.1 * j, v[j] = 0.01 * j, e[j] = 1.5 * j;
  mi_msg_joint_state js;
  mi_msg_init(MI_MSG_JOINT_STATE, &js);
  js.header.frame_id = "base_link";
  js.name = MI_MSG_SEQ(dds_sequence_string, names, NJ);
  js.position = MI_MSG_SEQ(dds_sequence_double, q, NJ);
  js.velocity = MI_MSG_SEQ(dds_sequence_double, v, NJ);
  js.effort = MI_MSG_SEQ(dds_sequence_double, e, NJ);
  *size = mi_msg_cdr_size(MI_MSG_JOINT_STATE, &js);

  size_t cap = (size_t)(a->duration_s * a->rate_hz) + 16, nr = 0;
  rtt = malloc(cap * sizeof *rtt);
  if (!rtt) goto out;
  int64_t period = mi_ns_from_s(1.0 / a->rate_hz);
  int64_t start = mi_clock_mono_ns(), next = start;
  int64_t warm_end = start + MI_NS_PER_S / 2, end = warm_end + mi_ns_from_s(a->duration_s);
  int lost = 0;
  while (mi_dds_ok() && next < end) {
    mi_clock_sleep_until_ns(next);
    int want = ps.got + 1;
    js.header = mi_dds_node_header(n, "base_link");
    int64_t t0 = mi_clock_mono_ns();
    mi_dds_publish(pub, &js);
    int64_t deadline = t0 + 100 * MI_NS_PER_MS;
    while (ps.got < want && mi_clock_mono_ns() < deadline)
      mi_dds_spin_once(n, deadline - mi_clock_mono_ns());
    if (ps.got < want) lost++;
    else if (t0 >= warm_end && nr < cap) rtt[nr++] = mi_s_from_ns(ps.recv_ns - t0) * 1e6;
    next += period;
    if (next < mi_clock_mono_ns()) next = mi_clock_mono_ns(); /* no bursts after a stall */
  }
  if (nr < 10) {
    fprintf(stderr, "mirai bench dds: only %zu round trips (%d lost)\n", nr, lost);
    goto out;
  }
  qsort(rtt, nr, sizeof *rtt, cmp_d);
  *p50 = pct(rtt, nr, 0.50);
  *p99 = pct(rtt, nr, 0.99);
  if (lost) fprintf(stderr, "mirai bench dds: %d round trips lost (100 ms timeout)\n", lost);
  rc = MI_EXIT_OK;
out:
  free(rtt);
  mi_dds_node_destroy(n);
  kill(pong, SIGTERM);
  waitpid(pong, NULL, 0);
  return rc;
}

/* ddsperf prints a line per second: "... size S mean Xus min Xus 50% Xus 90% Xus 99% Xus
 * max Xus cnt N"; the run's p50/p99 are the count-weighted means of those */
static int run_ddsperf(const bench_args *a, size_t size, double *p50, double *p99) {
  char dom[16], dur[32], rate[32], sz[32];
  snprintf(dom, sizeof dom, "%d", a->domain + 1);
  snprintf(dur, sizeof dur, "%d", (int)ceil(a->duration_s) + 1);
  snprintf(rate, sizeof rate, "%gHz", a->rate_hz);
  snprintf(sz, sizeof sz, "%zu", size);
  char *pong_argv[] = {"ddsperf", "-i", dom, "-D", dur, "pong", NULL};
  /* the pong lives a little longer than the ping */
  char pong_dur[32];
  snprintf(pong_dur, sizeof pong_dur, "%d", (int)ceil(a->duration_s) + 4);
  pong_argv[4] = pong_dur;
  pid_t pong = spawn(pong_argv, MI_DDS_LOOPBACK_CONFIG);
  if (pong < 0) return MI_EXIT_FAIL;

  int fds[2];
  if (pipe(fds) != 0) return MI_EXIT_FAIL;
  pid_t ping = fork();
  if (ping == 0) {
    setenv("CYCLONEDDS_URI", MI_DDS_LOOPBACK_CONFIG, 1);
    dup2(fds[1], 1);
    close(fds[0]);
    execlp("ddsperf", "ddsperf", "-i", dom, "-D", dur, "ping", rate, "size", sz, "waitset",
           (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  FILE *f = fdopen(fds[0], "r");
  char line[512];
  double w = 0, s50 = 0, s99 = 0;
  int lines = 0;
  while (f && fgets(line, sizeof line, f)) {
    const char *q50 = strstr(line, " 50% "), *q99 = strstr(line, " 99% "),
               *cnt = strstr(line, " cnt ");
    if (!q50 || !q99 || !cnt) continue;
    double c = atof(cnt + 5);
    lines++;
    if (lines == 1) continue; /* the first second includes discovery */
    s50 += c * atof(q50 + 5);
    s99 += c * atof(q99 + 5);
    w += c;
  }
  if (f) fclose(f);
  int st;
  waitpid(ping, &st, 0);
  kill(pong, SIGTERM);
  waitpid(pong, NULL, 0);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
    fprintf(stderr, "mirai bench dds: ddsperf not found (Debian package cyclonedds-tools)\n");
    return MI_EXIT_FAIL;
  }
  if (w <= 0) {
    fprintf(stderr, "mirai bench dds: ddsperf reported no round trips\n");
    return MI_EXIT_FAIL;
  }
  *p50 = s50 / w;
  *p99 = s99 / w;
  return MI_EXIT_OK;
}

int mi_bench_dds(int argc, char **argv) {
  bench_args a = {5.0, 1000.0, 38, false, false};
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
      usage(stdout);
      return MI_EXIT_OK;
    } else if (!strcmp(s, "--pong")) {
      a.pong = true;
    } else if (!strcmp(s, "--no-peer")) {
      a.no_peer = true;
    } else if (v && (!strcmp(s, "--duration") || !strcmp(s, "--rate") || !strcmp(s, "--domain"))) {
      char *end;
      double x = strtod(v, &end);
      if (end == v || *end || !(x > 0) || !isfinite(x)) {
        fprintf(stderr, "mirai bench dds: %s: '%s' is not a positive number\n", s, v);
        return MI_EXIT_USAGE;
      }
      if (!strcmp(s, "--duration")) a.duration_s = x;
      else if (!strcmp(s, "--rate")) a.rate_hz = x;
      else if (x != floor(x) || x >= MI_DDS_DOMAIN_MAX) {
        fprintf(stderr, "mirai bench dds: --domain must be an integer below %d\n",
                MI_DDS_DOMAIN_MAX);
        return MI_EXIT_USAGE;
      } else a.domain = (int)x;
      i++;
    } else {
      fprintf(stderr, "mirai bench dds: unknown argument '%s'\n", s);
      usage(stderr);
      return MI_EXIT_USAGE;
    }
  }
  /* both sides use mirai's built-in loopback config, whatever the environment */
  unsetenv("CYCLONEDDS_URI");
  if (a.pong) return run_pong(&a);
  mi_dds_install_signal_handlers();

  size_t size = 0;
  double m50 = NAN, m99 = NAN, d50 = NAN, d99 = NAN;
  if (run_mirai(&a, &size, &m50, &m99)) return MI_EXIT_FAIL;
  if (!a.no_peer && run_ddsperf(&a, size, &d50, &d99)) return MI_EXIT_FAIL;
  printf("bench dds.roundtrip size=%zu mirai_p50_us=%.1f mirai_p99_us=%.1f ddsperf_p50_us=%.1f "
         "ddsperf_p99_us=%.1f ratio_p50=%.2f\n",
         size, m50, m99, d50, d99, m50 / d50);
  fflush(stdout);
  return MI_EXIT_OK;
}
