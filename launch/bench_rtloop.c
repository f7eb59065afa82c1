/* launch/bench_rtloop.c - `mirai bench rtloop`: the controller's real-time
 * loop (the full controller step on an ideal plant, plans arriving from
 * another thread) and cyclictest at the same interval, run concurrently for
 * the same duration; one line with both wake-up latency distributions. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "controllers/controller.h"
#include "controllers/rtloop.h"
#include "core/clock.h"
#include "core/log.h"
#include "launch/bench.h"
#include "launch/commands.h"

extern char **environ;

#define CT_BINS 3000 /* cyclictest -h 3000 */

typedef struct bench_ctx {
  mi_ctrl *c;
  mi_ctrl_command cmd;
  uint64_t max_ticks;
} bench_ctx;

/* the loop's work: the ideal plant reports the last command, then one
 * controller step with the real elapsed period */
static bool bench_tick(void *user, const mi_ctrl_tick *t) {
  bench_ctx *b = user;
  mi_ctrl_joint_state js = {.arrival_ns = t->wake_ns, .n = mi_ctrl_n_joints(b->c)};
  for (int j = 0; j < js.n; j++) {
    js.q[j] = b->cmd.valid ? b->cmd.q[j] : 0.0;
    js.qd[j] = b->cmd.valid ? b->cmd.qd[j] : 0.0;
  }
  mi_ctrl_submit_joint_state(b->c, &js);
  mi_ctrl_step(b->c, t->wake_ns, t->dt_ns, &b->cmd);
  return t->iter + 1 < b->max_ticks;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: mirai bench rtloop [--rate HZ] [--seconds S] [--cpu N]\n"
          "  Runs the controller loop (SCHED_FIFO 80 and mlockall when permitted) and\n"
          "  cyclictest at the same interval concurrently, for the same number of\n"
          "  wake-ups, and prints:\n"
          "  bench rtloop rate_hz=.. mirai_p50_us=.. mirai_p99_us=.. mirai_max_us=..\n"
          "        cyclictest_p50_us=.. cyclictest_p99_us=.. ratio_p99=..\n"
          "  --rate HZ     loop rate (default 1000)\n"
          "  --seconds S   duration (default 10)\n"
          "  --cpu N       CPU of the mirai loop and of cyclictest (-a N); default: the\n"
          "                last CPU when there are two or more, the planner thread on\n"
          "                the others\n");
}

/* plans from "the planner" (this thread) every 20 ms, a slow sine, and a
 * clear safety zone with each */
static void submit_plan(mi_ctrl *c, uint64_t seq) {
  static mi_ctrl_plan plan;
  int64_t now = mi_clock_mono_ns();
  memset(&plan, 0, sizeof plan);
  plan.seq = seq;
  plan.arrival_ns = now;
  plan.t0_ns = now;
  plan.n_joints = mi_ctrl_n_joints(c);
  plan.n_points = 21;
  plan.has_vel = true;
  for (int k = 0; k < plan.n_points; k++) {
    plan.t_ns[k] = k * 20 * MI_NS_PER_MS;
    double t = (double)(now + plan.t_ns[k]) * 1e-9;
    for (int j = 0; j < plan.n_joints; j++) {
      plan.q[k][j] = 0.5 * sin(t + j);
      plan.qd[k][j] = 0.5 * cos(t + j);
    }
  }
  mi_ctrl_submit_plan(c, &plan, NULL, 0);
  mi_ctrl_zone z = {.arrival_ns = now, .person_present = false};
  mi_ctrl_submit_zone(c, &z);
}

/* cyclictest's histogram lines "NNNNNN CCCCCC", plus its overflow count */
static void parse_cyclictest(const char *out, uint64_t *hist, double *max_us) {
  const char *s = out;
  while (s && *s) {
    unsigned long bin, cnt;
    if (*s != '#' && sscanf(s, "%lu %lu", &bin, &cnt) == 2 && bin < CT_BINS) hist[bin] += cnt;
    if (strncmp(s, "# Max Latencies:", 16) == 0) *max_us = atof(s + 16);
    if (strncmp(s, "# Histogram Overflows:", 22) == 0) hist[CT_BINS - 1] += strtoull(s + 22, NULL, 10);
    s = strchr(s, '\n');
    if (s) s++;
  }
}

int mi_bench_rtloop(int argc, char **argv) {
  double rate = 1000.0, seconds = 10.0;
  int cpu = -1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return MI_EXIT_OK;
    } else if (!strcmp(argv[i], "--rate") && i + 1 < argc) {
      rate = atof(argv[++i]);
    } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = atof(argv[++i]);
    } else if (!strcmp(argv[i], "--cpu") && i + 1 < argc) {
      cpu = atoi(argv[++i]);
    } else {
      fprintf(stderr, "mirai bench rtloop: unknown argument '%s'\n", argv[i]);
      usage(stderr);
      return MI_EXIT_USAGE;
    }
  }
  if (!(rate >= 1.0 && rate <= 100000.0) || !(seconds > 0.0 && seconds <= 3600.0)) {
    fprintf(stderr, "mirai bench rtloop: --rate 1..100000, --seconds 0..3600\n");
    return MI_EXIT_USAGE;
  }
  /* the loop gets a CPU of its own when there are two or more: the last one;
   * this thread (the planner, non-real-time) moves to the others, as a
   * deployment would keep non-real-time work off the loop's CPU */
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpu < 0 && ncpu >= 2) cpu = (int)ncpu - 1;
  int64_t period_ns = (int64_t)llround(1e9 / rate);
  uint64_t ticks = (uint64_t)llround(seconds * rate);
  if (ticks < 1) ticks = 1;

  /* the controller, with default params */
  mi_ctrl_params p;
  char err[256];
  if (mi_params_defaults(mi_ctrl_param_table(), &p, err, sizeof err) != MI_OK) {
    fprintf(stderr, "mirai bench rtloop: %s\n", err);
    return MI_EXIT_FAIL;
  }
  p.law = MI_CTRL_LAW_PD;
  p.rate_hz = rate;
  static bench_ctx b;
  b.c = mi_ctrl_create(&p, NULL, mi_clock_mono_ns(), err, sizeof err);
  if (!b.c) {
    fprintf(stderr, "mirai bench rtloop: %s\n", err);
    return MI_EXIT_FAIL;
  }
  b.max_ticks = ticks;
  uint64_t seq = 0;
  submit_plan(b.c, ++seq);

  static mi_ctrl_rtloop loop;
  mi_ctrl_rt_config cfg = {.period_ns = period_ns, .priority = 80, .cpu = cpu, .lock_memory = true};
  mi_ctrl_rtloop_init(&loop, &cfg, bench_tick, &b);
  if (mi_ctrl_rtloop_start(&loop) != MI_OK) {
    mi_ctrl_destroy(b.c);
    return MI_EXIT_FAIL;
  }

  /* cyclictest beside it, with the same privileges the loop got */
  char a_i[32], a_l[32], a_p[16], a_a[16];
  snprintf(a_i, sizeof a_i, "%lld", (long long)(period_ns / 1000));
  snprintf(a_l, sizeof a_l, "%llu", (unsigned long long)ticks);
  snprintf(a_p, sizeof a_p, "%d", cfg.priority);
  snprintf(a_a, sizeof a_a, "%d", cpu);
  char *ct_argv[16];
  int k = 0;
  ct_argv[k++] = "cyclictest";
  if (loop.mlock_ok) ct_argv[k++] = "-m";
  if (loop.fifo_ok) {
    ct_argv[k++] = "-p";
    ct_argv[k++] = a_p;
  }
  if (cpu >= 0) {
    ct_argv[k++] = "-a";
    ct_argv[k++] = a_a;
  }
  ct_argv[k++] = "-i";
  ct_argv[k++] = a_i;
  ct_argv[k++] = "-l";
  ct_argv[k++] = a_l;
  ct_argv[k++] = "-q";
  ct_argv[k++] = "-h";
  ct_argv[k++] = "3000";
  ct_argv[k] = NULL;

  int pfd[2] = {-1, -1};
  pid_t pid = -1;
  bool have_ct = false;
  if (pipe(pfd) == 0) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, pfd[0]);
    int rc = posix_spawnp(&pid, "cyclictest", &fa, NULL, ct_argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[1]);
    have_ct = rc == 0;
    if (!have_ct) fprintf(stderr, "mirai bench rtloop: cannot run cyclictest (%s); install rt-tests\n", strerror(rc));
  }

  if (cpu >= 0 && ncpu >= 2) {
    cpu_set_t others;
    CPU_ZERO(&others);
    for (int c = 0; c < ncpu && c < CPU_SETSIZE; c++)
      if (c != cpu) CPU_SET(c, &others);
    pthread_setaffinity_np(pthread_self(), sizeof others, &others);
  }

  /* this thread: the planner (a plan every 20 ms) and cyclictest's output */
  size_t out_cap = 1 << 16, out_len = 0;
  char *out = calloc(1, out_cap);
  int64_t next_plan = mi_clock_mono_ns() + 20 * MI_NS_PER_MS;
  bool ct_open = have_ct;
  /* until the loop has made its wake-ups and cyclictest has finished (with a
   * guard against a loop that cannot keep up at all) */
  int64_t give_up = mi_clock_mono_ns() + mi_ns_from_s(3.0 * seconds + 10.0);
  while ((atomic_load(&loop.ticks) < ticks || ct_open) && mi_clock_mono_ns() < give_up) {
    if (ct_open) {
      struct pollfd pf = {.fd = pfd[0], .events = POLLIN};
      if (poll(&pf, 1, 20) > 0) {
        if (out_len + 4096 + 1 > out_cap) {
          char *bigger = realloc(out, out_cap * 2);
          if (!bigger) break;
          out = bigger;
          out_cap *= 2;
        }
        ssize_t n = read(pfd[0], out + out_len, out_cap - out_len - 1);
        if (n > 0)
          out_len += (size_t)n;
        else if (n == 0 || (n < 0 && errno != EINTR))
          ct_open = false;
        out[out_len] = '\0';
      }
    } else {
      mi_clock_sleep_ns(20 * MI_NS_PER_MS);
    }
    if (mi_clock_mono_ns() >= next_plan) {
      submit_plan(b.c, ++seq);
      next_plan += 20 * MI_NS_PER_MS;
    }
    mi_ctrl_rtloop_report(&loop);
  }
  mi_ctrl_rtloop_stop(&loop);
  int status = 0;
  if (pid > 0) waitpid(pid, &status, 0);
  if (pfd[0] >= 0) close(pfd[0]);

  mi_ctrl_rt_stats st;
  mi_ctrl_rtloop_stats(&loop, &st);
  static uint64_t ct_hist[CT_BINS];
  double ct_max = 0.0;
  if (have_ct && out) parse_cyclictest(out, ct_hist, &ct_max);
  free(out);
  uint64_t ct_total = 0;
  for (int i = 0; i < CT_BINS; i++) ct_total += ct_hist[i];
  mi_ctrl_status cs;
  mi_ctrl_status_take(b.c, &cs);
  mi_ctrl_destroy(b.c);
  if (ct_total == 0) {
    fprintf(stderr, "mirai bench rtloop: no cyclictest histogram (exit status %d)\n", status);
    printf("bench rtloop rate_hz=%g mirai_p50_us=%.0f mirai_p99_us=%.0f mirai_max_us=%.0f "
           "cyclictest_p50_us=nan cyclictest_p99_us=nan ratio_p99=nan\n",
           rate, st.latency_p50_us, st.latency_p99_us, st.latency_max_us);
    return MI_EXIT_FAIL;
  }
  double ct50 = mi_ctrl_hist_percentile_us(ct_hist, CT_BINS, 50.0);
  double ct99 = mi_ctrl_hist_percentile_us(ct_hist, CT_BINS, 99.0);
  fprintf(stderr,
          "# concurrent run: %llu mirai ticks (%llu overruns, %llu skipped, longest step %.1f us, "
          "SCHED_FIFO %s, mlockall %s, final state %s), %llu cyclictest samples (max %.0f us)\n",
          (unsigned long long)st.ticks, (unsigned long long)st.overruns,
          (unsigned long long)st.skipped, st.exec_max_us, st.fifo_ok ? "on" : "off",
          st.mlock_ok ? "on" : "off", mi_ctrl_state_name(cs.state), (unsigned long long)ct_total,
          ct_max);
  printf("bench rtloop rate_hz=%g mirai_p50_us=%.0f mirai_p99_us=%.0f mirai_max_us=%.0f "
         "cyclictest_p50_us=%.0f cyclictest_p99_us=%.0f ratio_p99=%.2f\n",
         rate, st.latency_p50_us, st.latency_p99_us, st.latency_max_us, ct50, ct99,
         ct99 > 0 ? st.latency_p99_us / ct99 : (st.latency_p99_us > 0 ? INFINITY : 1.0));
  return MI_EXIT_OK;
}
