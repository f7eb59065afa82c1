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
  const char *peer_pong; /* ddsperf pong's delivery mode: "waitset" or "listener" */
} bench_args;

static void usage(FILE *f) {
  fprintf(f,
          "usage: mirai bench dds [--duration S] [--rate HZ] [--domain N]\n"
          "                       [--peer-pong waitset|listener] [--no-peer]\n"
          "\n"
          "Round trip of a 7-joint sensor_msgs/JointState between two mirai nodes in two\n"
          "processes (ping -> pong -> ping, reliable, over the default loopback config),\n"
          "beside ddsperf ping/pong with the same payload size, rate and config. The two\n"
          "pairs take turns in blocks of about a second, so load that changes during the\n"
          "run weighs on both alike. Prints:\n"
          "  bench dds.roundtrip size=B mirai_p50_us=X mirai_p99_us=Y ddsperf_p50_us=A\n"
          "        ddsperf_p99_us=B ratio_p50=X/A\n"
          "All four figures are round trips (ping sent -> pong received back). ddsperf\n"
          "reports half its round trip as latency; its figures are doubled here.\n"
          "The peer runs `ddsperf ping RATE size B waitset` against `ddsperf pong MODE`.\n"
          "MODE is waitset by default: ddsperf's pong then takes and answers on an\n"
          "application thread woken by a waitset, as mirai's executor does. ddsperf's\n"
          "own default, listener, answers on Cyclone's receive thread (one thread\n"
          "wake-up less per round trip; mirai never runs callbacks there).\n"
          "  --duration S         seconds of measurement for each side, in blocks of about\n"
          "                       a second (default 5)\n"
          "  --rate HZ            round trips per second (default 1000, as ddsperf ping 1000Hz)\n"
          "  --domain N           DDS domain of the mirai pair; ddsperf uses N+1 (default 38)\n"
          "  --peer-pong MODE     ddsperf pong's delivery: waitset (default) or listener\n"
          "  --no-peer            skip ddsperf\n");
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

/* the mirai pair: this process's ping node and the pong node in a child */
typedef struct mirai_pair {
  pid_t pong;
  mi_dds_node *n;
  mi_dds_pub *pub;
  mi_dds_sub *sub;
  ping_state ps;
  char *names[NJ];
  double q[NJ], v[NJ], e[NJ];
  mi_msg_joint_state js;
  int64_t period, next;
  int lost;
} mirai_pair;

static void mirai_close(mirai_pair *m) {
  mi_dds_node_destroy(m->n);
  m->n = NULL;
  if (m->pong > 0) {
    kill(m->pong, SIGTERM);
    waitpid(m->pong, NULL, 0);
    m->pong = 0;
  }
}

static int mirai_open(const bench_args *a, mirai_pair *m) {
  memset(m, 0, sizeof *m);
  /* the pong node in a second process: this same program */
  char dom[16];
  snprintf(dom, sizeof dom, "%d", a->domain);
  char *pong_argv[] = {"/proc/self/exe", "bench", "dds", "--pong", "--domain", dom, NULL};
  m->pong = spawn(pong_argv, NULL);
  if (m->pong < 0) return MI_EXIT_FAIL;
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "bench_ping");
  o.dds.domain_id = a->domain;
  char err[256];
  if (mi_dds_node_create(&o, &m->n, err, sizeof err)) {
    fprintf(stderr, "mirai bench dds: %s\n", err);
    goto fail;
  }
  if (mi_dds_pub_create(m->n, "/bench/ping", MI_MSG_JOINT_STATE, MI_QOS_COMMAND, &m->pub) ||
      mi_dds_subscribe(m->n, "/bench/pong", MI_MSG_JOINT_STATE, MI_QOS_COMMAND, on_pong, &m->ps,
                       &m->sub))
    goto fail;
  if (mi_dds_pub_wait_matched(m->pub, 1, 10 * MI_NS_PER_S) ||
      mi_dds_sub_wait_matched(m->sub, 1, 10 * MI_NS_PER_S)) {
    fprintf(stderr, "mirai bench dds: the pong process was not discovered within 10 s\n");
    goto fail;
  }
  /* a 7-joint arm's joint state */
  static const char *const names[NJ] = {"joint_1", "joint_2", "joint_3", "joint_4",
                                        "joint_5", "joint_6", "joint_7"};
  for (int j = 0; j < NJ; j++) {
    m->names[j] = (char *)names[j];
    m->q[j] = 0.1 * j, m->v[j] = 0.01 * j, m->e[j] = 1.5 * j;
  }
  mi_msg_init(MI_MSG_JOINT_STATE, &m->js);
  m->js.header.frame_id = "base_link";
  m->js.name = MI_MSG_SEQ(dds_sequence_string, m->names, NJ);
  m->js.position = MI_MSG_SEQ(dds_sequence_double, m->q, NJ);
  m->js.velocity = MI_MSG_SEQ(dds_sequence_double, m->v, NJ);
  m->js.effort = MI_MSG_SEQ(dds_sequence_double, m->e, NJ);
  m->period = mi_ns_from_s(1.0 / a->rate_hz);
  return MI_EXIT_OK;
fail:
  mirai_close(m);
  return MI_EXIT_FAIL;
}

/* ping for secs at the rate; round trips (us) go to rtt when rtt != NULL */
static void mirai_slice(mirai_pair *m, double secs, double *rtt, size_t cap, size_t *nr) {
  int64_t end = mi_clock_mono_ns() + mi_ns_from_s(secs);
  m->next = mi_clock_mono_ns();
  while (mi_dds_ok() && m->next < end) {
    mi_clock_sleep_until_ns(m->next);
    int want = m->ps.got + 1;
    m->js.header = mi_dds_node_header(m->n, "base_link");
    int64_t t0 = mi_clock_mono_ns();
    mi_dds_publish(m->pub, &m->js);
    int64_t deadline = t0 + 100 * MI_NS_PER_MS;
    while (m->ps.got < want && mi_clock_mono_ns() < deadline)
      mi_dds_spin_once(m->n, deadline - mi_clock_mono_ns());
    if (m->ps.got < want) m->lost++;
    else if (rtt && *nr < cap) rtt[(*nr)++] = mi_s_from_ns(m->ps.recv_ns - t0) * 1e6;
    m->next += m->period;
    if (m->next < mi_clock_mono_ns()) m->next = mi_clock_mono_ns(); /* no bursts after a stall */
  }
}

/* ddsperf's per-second lines, summed over blocks */
typedef struct peer_acc {
  double w, s50, s99;
  int lines;
} peer_acc;

/* One block of `ddsperf ping` against the running ddsperf pong. It waits
 * until the pong is matched before it starts (-Q minmatch:1 -Q initwait),
 * so its lines hold no discovery. ddsperf prints a line per second:
 * "... size S mean Xus min Xus 50% Xus 90% Xus 99% Xus max Xus cnt N"; the
 * run's p50/p99 are the count-weighted means of those. ddsperf's figures
 * are half round trips: its pong echoes the ping's source timestamp and the
 * ping records (now - source timestamp) / 2 (update_roundtrip in
 * ddsperf.c, Cyclone 0.10.2), so they are doubled to compare with mirai's
 * whole round trips. */
static int ddsperf_block(const bench_args *a, size_t size, double secs, peer_acc *acc) {
  char dom[16], dur[32], rate[32], sz[32];
  snprintf(dom, sizeof dom, "%d", a->domain + 1);
  snprintf(dur, sizeof dur, "%g", secs);
  snprintf(rate, sizeof rate, "%gHz", a->rate_hz);
  snprintf(sz, sizeof sz, "%zu", size);
  int fds[2];
  if (pipe(fds) != 0) return MI_EXIT_FAIL;
  pid_t ping = fork();
  if (ping == 0) {
    setenv("CYCLONEDDS_URI", MI_DDS_LOOPBACK_CONFIG, 1);
    dup2(fds[1], 1);
    close(fds[0]);
    execlp("ddsperf", "ddsperf", "-Q", "minmatch:1", "-Q", "initwait:10", "-i", dom, "-D", dur,
           "ping", rate, "size", sz, "waitset", (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  if (ping < 0) {
    close(fds[0]);
    return MI_EXIT_FAIL;
  }
  FILE *f = fdopen(fds[0], "r");
  char line[512];
  while (f && fgets(line, sizeof line, f)) {
    const char *q50 = strstr(line, " 50% "), *q99 = strstr(line, " 99% "),
               *cnt = strstr(line, " cnt ");
    if (!q50 || !q99 || !cnt) continue;
    double c = atof(cnt + 5);
    acc->lines++;
    acc->s50 += c * 2.0 * atof(q50 + 5);
    acc->s99 += c * 2.0 * atof(q99 + 5);
    acc->w += c;
  }
  if (f) fclose(f);
  else close(fds[0]);
  int st;
  waitpid(ping, &st, 0);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
    fprintf(stderr, "mirai bench dds: ddsperf not found (Debian package cyclonedds-tools)\n");
    return MI_EXIT_FAIL;
  }
  return MI_EXIT_OK;
}

/* Both pairs stay up for the whole run and take turns in blocks of about a
 * second (mirai, then ddsperf, then mirai, ...), so a change in the
 * machine's load during the run hits both alike. */
static int run_interleaved(const bench_args *a, size_t *size, double *m50, double *m99,
                           double *d50, double *d99) {
  mirai_pair m;
  if (mirai_open(a, &m)) return MI_EXIT_FAIL;
  *size = mi_msg_cdr_size(MI_MSG_JOINT_STATE, &m.js);
  int rc = MI_EXIT_FAIL;
  pid_t dpong = 0;
  int nblocks = (int)floor(a->duration_s);
  if (nblocks < 1) nblocks = 1;
  double block_s = a->duration_s / nblocks;
  size_t cap = (size_t)(a->duration_s * a->rate_hz) + 16, nr = 0;
  double *rtt = malloc(cap * sizeof *rtt);
  peer_acc acc = {0, 0, 0, 0};
  if (!rtt) goto out;
  if (!a->no_peer) {
    char dom[16], dur[32], mode[16];
    snprintf(dom, sizeof dom, "%d", a->domain + 1);
    /* outlives the blocks (each ~1.5 s with its start and match) */
    snprintf(dur, sizeof dur, "%d", (int)ceil(nblocks * (2 * block_s + 2.0)) + 10);
    snprintf(mode, sizeof mode, "%s", a->peer_pong);
    char *pong_argv[] = {"ddsperf", "-i", dom, "-D", dur, "pong", mode, NULL};
    dpong = spawn(pong_argv, MI_DDS_LOOPBACK_CONFIG);
    if (dpong < 0) goto out;
  }
  mirai_slice(&m, 0.5, NULL, 0, NULL); /* warm-up */
  for (int b = 0; b < nblocks && mi_dds_ok(); b++) {
    mirai_slice(&m, block_s, rtt, cap, &nr);
    if (!a->no_peer && ddsperf_block(a, *size, block_s, &acc)) goto out;
  }
  if (nr < 10) {
    fprintf(stderr, "mirai bench dds: only %zu round trips (%d lost)\n", nr, m.lost);
    goto out;
  }
  if (m.lost) fprintf(stderr, "mirai bench dds: %d round trips lost (100 ms timeout)\n", m.lost);
  qsort(rtt, nr, sizeof *rtt, cmp_d);
  *m50 = pct(rtt, nr, 0.50);
  *m99 = pct(rtt, nr, 0.99);
  if (!a->no_peer) {
    if (acc.w <= 0) {
      fprintf(stderr, "mirai bench dds: ddsperf reported no round trips\n");
      goto out;
    }
    *d50 = acc.s50 / acc.w;
    *d99 = acc.s99 / acc.w;
  }
  rc = MI_EXIT_OK;
out:
  free(rtt);
  mirai_close(&m);
  if (dpong > 0) {
    kill(dpong, SIGTERM);
    waitpid(dpong, NULL, 0);
  }
  return rc;
}

int mi_bench_dds(int argc, char **argv) {
  bench_args a = {5.0, 1000.0, 38, false, false, "waitset"};
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
      usage(stdout);
      return MI_EXIT_OK;
    } else if (!strcmp(s, "--pong")) {
      a.pong = true;
    } else if (!strcmp(s, "--no-peer")) {
      a.no_peer = true;
    } else if (!strcmp(s, "--peer-pong")) {
      if (!v || (strcmp(v, "waitset") && strcmp(v, "listener"))) {
        fprintf(stderr, "mirai bench dds: --peer-pong takes waitset or listener\n");
        return MI_EXIT_USAGE;
      }
      a.peer_pong = v;
      i++;
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
  if (run_interleaved(&a, &size, &m50, &m99, &d50, &d99)) return MI_EXIT_FAIL;
  printf("bench dds.roundtrip size=%zu mirai_p50_us=%.1f mirai_p99_us=%.1f ddsperf_p50_us=%.1f "
         "ddsperf_p99_us=%.1f ratio_p50=%.2f\n",
         size, m50, m99, d50, d99, m50 / d50);
  fflush(stdout);
  return MI_EXIT_OK;
}
