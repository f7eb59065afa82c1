/* launch/bench_e2e.c - `mirai bench e2e`: sensor-to-command latency of the
 * real cell, measured by the controller.
 *
 * Starts the three nodes of the simulated cell as processes of this binary
 * (`mirai node sim|predictor|controller --params FILE`, the sim in realtime
 * mode so every stamp is wall time and no node waits for rt/clock) on one
 * DDS domain over the loopback default config, lets them run for --seconds,
 * stops the controller first (its last rt/controller/status carries its
 * final percentiles), then the predictor and the sim, and prints
 *   bench e2e latency_p50_ms=<a> latency_p99_ms=<b> plan_period_ms=<p>
 *
 * What the latency includes (controllers/node.h): for every command the
 * controller publishes in RUN, the time from the stamp of the joint state
 * the sim measured (rt/joint_states), through its transport to the
 * predictor, the wait for the predictor's next cycle, the solve, the plan's
 * verification and transport (rt/plan), the time the plan is followed
 * until the next one replaces it (up to one plan period), the controller
 * loop's phase and step, to the return of the rt/joint_commands write. The
 * peer of this benchmark is the target itself, plan period + 2 ms: a plan
 * is followed for one period, everything else should fit in 2 ms.
 * A second line on stderr says where the time goes: solve time from
 * rt/planner/status; each plan's age when it reaches this process (now -
 * its stamp: the sensor sample's transport, the wait for a cycle, the
 * solve, the plan's transport); the controller's own state-to-command
 * latency.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "dds/node.h"
#include "launch/bench.h"
#include "launch/commands.h"
#include "launch/stats.h"
#include "worldmodel/predictor_node.h"

extern char **environ;

#define SOLVE_MAX 8192
#define N_NODES 3

typedef struct e2e_mon {
  pthread_mutex_t mu;
  /* the controller's last status */
  uint64_t cs_n;
  double lat[4]; /* sensor-to-command p50, p99; state-to-command p50, p99 (s) */
  uint64_t commands, cycles, misses;
  /* the planner's solve times */
  double solve[SOLVE_MAX];
  size_t n_solve;
  uint64_t plans_published, plans_rejected;
  /* each plan's age when it reached this process (now - header.stamp, the
   * joint state it was planned from): sensor to plan at a subscriber */
  mi_dds_node *node;
  double plan_age[SOLVE_MAX];
  size_t n_plan_age;
} e2e_mon;

static void on_ctrl(const mi_msg_controller_status *s, const mi_dds_sample_info *info, void *user) {
  (void)info;
  e2e_mon *m = user;
  pthread_mutex_lock(&m->mu);
  m->cs_n++;
  m->lat[0] = s->sensor_to_command_latency_p50;
  m->lat[1] = s->sensor_to_command_latency_p99;
  m->lat[2] = s->state_to_command_latency_p50;
  m->lat[3] = s->state_to_command_latency_p99;
  m->commands = s->commands_published;
  m->cycles = s->cycles;
  m->misses = s->deadline_misses;
  pthread_mutex_unlock(&m->mu);
}

static void on_planner(const mi_msg_planner_status *s, const mi_dds_sample_info *info,
                       void *user) {
  (void)info;
  e2e_mon *m = user;
  pthread_mutex_lock(&m->mu);
  if (s->solve_time > 0 && m->n_solve < SOLVE_MAX) m->solve[m->n_solve++] = s->solve_time;
  m->plans_published = s->plans_published;
  m->plans_rejected = s->plans_rejected;
  pthread_mutex_unlock(&m->mu);
}

static void on_plan(const mi_msg_joint_trajectory *t, const mi_dds_sample_info *info,
                    void *user) {
  (void)info;
  e2e_mon *m = user;
  double age = mi_s_from_ns(mi_dds_node_now(m->node) - mi_msg_time_to_ns(&t->header.stamp));
  pthread_mutex_lock(&m->mu);
  if (m->n_plan_age < SOLVE_MAX) m->plan_age[m->n_plan_age++] = age;
  pthread_mutex_unlock(&m->mu);
}

MI_DDS_TYPED_CB(on_ctrl, mi_msg_controller_status);
MI_DDS_TYPED_CB(on_plan, mi_msg_joint_trajectory);
MI_DDS_TYPED_CB(on_planner, mi_msg_planner_status);

static void *spin_main(void *arg) {
  mi_dds_spin(arg);
  return NULL;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: mirai bench e2e [--seconds S] [--params FILE] [--domain N] [--log FILE]\n"
          "  Runs the sim (realtime mode), the predictor and the controller of the\n"
          "  simulated cell as three processes over loopback DDS for S seconds and\n"
          "  prints the controller's sensor-to-command latency (publish time of a\n"
          "  command minus the stamp of the joint state its plan was computed from):\n"
          "  bench e2e latency_p50_ms=.. latency_p99_ms=.. plan_period_ms=..\n"
          "  (target: p99 <= plan period + 2 ms), and on stderr where the time goes.\n"
          "  --seconds S   run time (default 10)\n"
          "  --params FILE params of the three nodes (default launch/params/cell_sim.yaml,\n"
          "                relative to the repository root: run it from there)\n"
          "  --domain N    DDS domain (default 163)\n"
          "  --log FILE    the nodes' output (default /tmp/mirai_bench_e2e_<pid>.log)\n");
}

/* `mirai node KIND --params FILE -p dds.domain_id:=N [-p time.mode:=realtime]` */
static pid_t start_node(const char *exe, const char *kind, const char *params, int domain,
                        int log_fd) {
  char dom[48];
  snprintf(dom, sizeof dom, "dds.domain_id:=%d", domain);
  char *argv[16];
  int a = 0;
  argv[a++] = (char *)"mirai";
  argv[a++] = (char *)"node";
  argv[a++] = (char *)kind;
  argv[a++] = (char *)"--params";
  argv[a++] = (char *)params;
  argv[a++] = (char *)"-p";
  argv[a++] = dom;
  if (strcmp(kind, "sim") != 0) { /* the sim's clock is its time.mode */
    argv[a++] = (char *)"-p";
    argv[a++] = (char *)"use_sim_time:=false";
  } else {
    argv[a++] = (char *)"-p";
    argv[a++] = (char *)"time.mode:=realtime";
  }
  argv[a] = NULL;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, log_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, log_fd, STDERR_FILENO);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    fprintf(stderr, "bench e2e: cannot start 'mirai node %s': %s\n", kind, strerror(rc));
    return -1;
  }
  return pid;
}

/* SIGINT, then SIGKILL after timeout_s; returns the exit status (-signal) */
static int stop_node(pid_t pid, double timeout_s) {
  if (pid <= 0) return 0;
  kill(pid, SIGINT);
  int64_t end = mi_clock_mono_ns() + mi_ns_from_s(timeout_s);
  int ws = 0;
  for (;;) {
    pid_t r = waitpid(pid, &ws, WNOHANG);
    if (r == pid) break;
    if (r < 0) return 0;
    if (mi_clock_mono_ns() > end) {
      kill(pid, SIGKILL);
      waitpid(pid, &ws, 0);
      break;
    }
    mi_clock_sleep_ns(20 * MI_NS_PER_MS);
  }
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : -WTERMSIG(ws);
}

int mi_bench_e2e(int argc, char **argv) {
  double seconds = 10.0;
  const char *params = "launch/params/cell_sim.yaml";
  int domain = 163;
  char log_path[256];
  snprintf(log_path, sizeof log_path, "/tmp/mirai_bench_e2e_%d.log", (int)getpid());
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
      usage(stdout);
      return MI_EXIT_OK;
    }
    if (!v) {
      fprintf(stderr, "bench e2e: '%s' needs a value (or is unknown)\n", s);
      usage(stderr);
      return MI_EXIT_USAGE;
    }
    char *end = NULL;
    if (!strcmp(s, "--seconds")) {
      seconds = strtod(v, &end);
      if (end == v || *end || !(seconds >= 1.0 && seconds <= 3600.0)) {
        fprintf(stderr, "bench e2e: --seconds '%s' is not in [1, 3600]\n", v);
        return MI_EXIT_USAGE;
      }
    } else if (!strcmp(s, "--params")) {
      params = v;
    } else if (!strcmp(s, "--domain")) {
      long d = strtol(v, &end, 10);
      if (end == v || *end || d < 0 || d > MI_DDS_DOMAIN_MAX) {
        fprintf(stderr, "bench e2e: --domain '%s' is not in 0..%d\n", v, MI_DDS_DOMAIN_MAX);
        return MI_EXIT_USAGE;
      }
      domain = (int)d;
    } else if (!strcmp(s, "--log")) {
      snprintf(log_path, sizeof log_path, "%s", v);
    } else {
      fprintf(stderr, "bench e2e: unknown option '%s'\n", s);
      usage(stderr);
      return MI_EXIT_USAGE;
    }
    i++;
  }

  /* the plan period the target is stated in: the predictor's planning.rate_hz */
  static mi_pred_node_params pp;
  char err[512];
  if (mi_params_load_file(mi_pred_node_params_table(), NULL, params, &pp, err, sizeof err) !=
      MI_OK) {
    fprintf(stderr, "bench e2e: %s (run from the repository root, or give --params)\n", err);
    return MI_EXIT_FAIL;
  }
  const double period_ms = 1e3 / pp.core.rate_hz;

  char exe[4096];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len <= 0) {
    fprintf(stderr, "bench e2e: cannot find this program (/proc/self/exe)\n");
    return MI_EXIT_FAIL;
  }
  exe[len] = '\0';
  int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    fprintf(stderr, "bench e2e: %s: %s\n", log_path, strerror(errno));
    return MI_EXIT_FAIL;
  }

  /* our listener first, so it hears every status */
  static e2e_mon m;
  memset(&m, 0, sizeof m);
  pthread_mutex_init(&m.mu, NULL);
  for (int i = 0; i < 4; i++) m.lat[i] = -1.0;
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "bench_e2e");
  o.dds.domain_id = domain;
  mi_dds_node *node = NULL;
  if (mi_dds_node_create(&o, &node, err, sizeof err) != MI_OK) {
    fprintf(stderr, "bench e2e: %s\n", err);
    close(log_fd);
    return MI_EXIT_FAIL;
  }
  mi_dds_sub_opts so = {.on_sample = on_ctrl__mi_cb, .user = &m};
  mi_dds_sub *s1, *s2, *s3;
  m.node = node;
  int rc = MI_EXIT_FAIL;
  pthread_t th;
  bool spinning = false;
  if (mi_dds_sub_create_std(node, MI_TOPIC_CONTROLLER_STATUS, &so, &s1) != MI_OK) goto out;
  so.on_sample = on_planner__mi_cb;
  if (mi_dds_sub_create_std(node, MI_TOPIC_PLANNER_STATUS, &so, &s2) != MI_OK) goto out;
  so.on_sample = on_plan__mi_cb;
  if (mi_dds_sub_create_std(node, MI_TOPIC_PLAN, &so, &s3) != MI_OK) goto out;
  if (pthread_create(&th, NULL, spin_main, node) != 0) goto out;
  spinning = true;
  mi_dds_install_signal_handlers();

  static const char *const kinds[N_NODES] = {"sim", "predictor", "controller"};
  pid_t pid[N_NODES] = {-1, -1, -1};
  for (int k = 0; k < N_NODES; k++)
    if ((pid[k] = start_node(exe, kinds[k], params, domain, log_fd)) < 0) goto stop;
  fprintf(stderr, "bench e2e: sim, predictor, controller on domain %d for %.0f s (log %s)\n",
          domain, seconds, log_path);

  /* run, watching that nobody died */
  int64_t end = mi_clock_mono_ns() + mi_ns_from_s(seconds);
  while (mi_dds_ok() && mi_clock_mono_ns() < end) {
    for (int k = 0; k < N_NODES; k++) {
      int ws;
      if (pid[k] > 0 && waitpid(pid[k], &ws, WNOHANG) == pid[k]) {
        fprintf(stderr, "bench e2e: 'mirai node %s' ended early (see %s)\n", kinds[k], log_path);
        pid[k] = -1;
        goto stop;
      }
    }
    mi_clock_sleep_ns(100 * MI_NS_PER_MS);
  }
  rc = MI_EXIT_OK;

stop:
  /* the controller first: its last status carries the final figures */
  stop_node(pid[2], 5.0);
  mi_clock_sleep_ns(300 * MI_NS_PER_MS);
  stop_node(pid[1], 5.0);
  stop_node(pid[0], 5.0);
  mi_dds_node_stop(node);
  pthread_join(th, NULL);
  spinning = false;
  if (rc != MI_EXIT_OK) goto out;

  pthread_mutex_lock(&m.mu);
  mi_stats_sort(m.solve, m.n_solve);
  double solve50 = mi_stats_pct_sorted(m.solve, m.n_solve, 50) * 1e3;
  double solve99 = mi_stats_pct_sorted(m.solve, m.n_solve, 99) * 1e3;
  mi_stats_sort(m.plan_age, m.n_plan_age);
  double age50 = mi_stats_pct_sorted(m.plan_age, m.n_plan_age, 50) * 1e3;
  double age99 = mi_stats_pct_sorted(m.plan_age, m.n_plan_age, 99) * 1e3;
  double lat[4];
  for (int i = 0; i < 4; i++) lat[i] = m.lat[i] > 0 ? m.lat[i] * 1e3 : NAN;
  uint64_t commands = m.commands, misses = m.misses, plans = m.plans_published,
           rejected = m.plans_rejected;
  pthread_mutex_unlock(&m.mu);
  if (isnan(lat[0]) || isnan(lat[1])) {
    fprintf(stderr,
            "bench e2e: the controller measured no sensor-to-command latency (no command in "
            "RUN from a stamped plan); see %s\n",
            log_path);
    rc = MI_EXIT_FAIL;
    goto out;
  }
  printf("bench e2e latency_p50_ms=%.2f latency_p99_ms=%.2f plan_period_ms=%.1f\n", lat[0],
         lat[1], period_ms);
  fprintf(stderr,
          "  target p99 <= %.1f ms: %s; state_to_command_p50_ms=%.3f p99_ms=%.3f "
          "solve_p50_ms=%.2f solve_p99_ms=%.2f plan_age_at_arrival_p50_ms=%.2f p99_ms=%.2f "
          "plans=%llu rejected=%llu commands=%llu deadline_misses=%llu\n",
          period_ms + 2.0, lat[1] <= period_ms + 2.0 ? "met" : "missed", lat[2], lat[3], solve50,
          solve99, age50, age99, (unsigned long long)plans, (unsigned long long)rejected,
          (unsigned long long)commands, (unsigned long long)misses);
  fflush(stdout);

out:
  if (spinning) {
    mi_dds_node_stop(node);
    pthread_join(th, NULL);
  }
  mi_dds_node_destroy(node);
  pthread_mutex_destroy(&m.mu);
  close(log_fd);
  return rc;
}
