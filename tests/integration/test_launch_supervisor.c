/* tests/integration/test_launch_supervisor.c - `mirai launch` as a user runs
 * it: a graph of real processes starts, prints prefixed lines, reports what
 * it heard over DDS and stops cleanly; a node killed with SIGKILL is
 * respawned; a required node's failure ends the launch with exit 1 and the
 * others stop in reverse start order (escalating to SIGTERM); a bad launch
 * file is refused with file:line:col. Domain ids 120-129. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/support/test_support.h"

#define MIRAI MIRAI_BINARY_DIR "/launch/mirai"
#define DATA MIRAI_SOURCE_DIR "/tests/data/"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* a running `mirai launch`, its stdout+stderr on a pipe */
typedef struct launcher {
  pid_t pid;
  int fd;
  char out[1 << 20];
  size_t len;
} launcher;

static void spawn(launcher *l, const char *const *args) {
  int p[2];
  assert_int_equal(pipe(p), 0);
  l->len = 0;
  l->out[0] = '\0';
  l->pid = fork();
  assert_true(l->pid >= 0);
  if (l->pid == 0) {
    dup2(p[1], 1);
    dup2(p[1], 2);
    close(p[0]);
    close(p[1]);
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)MIRAI;
    argv[n++] = (char *)"launch";
    for (; args[n - 2] && n < 31; n++) argv[n] = (char *)args[n - 2];
    argv[n] = NULL;
    execv(MIRAI, argv);
    _exit(127);
  }
  close(p[1]);
  l->fd = p[0];
  fcntl(l->fd, F_SETFL, O_NONBLOCK);
}

/* read what is there (waiting up to wait_s for more); false at EOF */
static bool pump(launcher *l, double wait_s) {
  struct pollfd pf = {l->fd, POLLIN, 0};
  if (poll(&pf, 1, (int)(wait_s * 1000)) <= 0) return true;
  for (;;) {
    ssize_t k = read(l->fd, l->out + l->len, sizeof l->out - 1 - l->len);
    if (k > 0) {
      l->len += (size_t)k;
      l->out[l->len] = '\0';
      continue;
    }
    if (k < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    return false;
  }
}

/* wait until the output contains needle (true) or timeout_s passes */
static bool wait_for(launcher *l, const char *needle, double timeout_s) {
  double end = now_s() + timeout_s;
  while (!strstr(l->out, needle)) {
    if (now_s() > end) return false;
    if (!pump(l, 0.1) && !strstr(l->out, needle)) return false;
  }
  return true;
}

/* read to EOF and reap; returns the exit code (or 128 + signal) */
static int finish(launcher *l, double timeout_s) {
  double end = now_s() + timeout_s;
  while (pump(l, 0.1))
    if (now_s() > end) {
      kill(l->pid, SIGKILL);
      break;
    }
  close(l->fd);
  int st;
  waitpid(l->pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* a launch report, read into one static buffer (the last call's) */
static char *slurp(const char *path) {
  static char buf[1 << 16];
  return mi_test_read_file(path, buf, sizeof buf);
}

/* the position of the first line containing both a and b, or -1 */
static long line_with(const char *out, const char *a, const char *b) {
  const char *p = out;
  while (p && *p) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char line[1024];
    snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), p);
    if (strstr(line, a) && strstr(line, b)) return p - out;
    p = e ? e + 1 : NULL;
  }
  return -1;
}

/* --- tests --------------------------------------------------------------- */

static void test_graph_starts_reports_and_stops_cleanly(void **state) {
  (void)state;
  static launcher l;
  char report[256];
  snprintf(report, sizeof report, "%s/launch_graph_%d.json", P_tmpdir, (int)getpid());
  const char *args[] = {DATA "launch_graph.yaml", "--duration", "5", "--domain", "120",
                        "--report", report, NULL};
  spawn(&l, args);
  int rc = finish(&l, 60);
  if (rc != 0) print_message("%s\n", l.out);
  assert_int_equal(rc, 0);

  /* every node started, its lines carry its name */
  assert_true(line_with(l.out, "[launch]", "started ctrl_pub") >= 0);
  assert_true(line_with(l.out, "[ticker]", "tick 3") >= 0);
  /* echo got a sample from pub over DDS and printed it, prefixed */
  assert_true(line_with(l.out, "[echo]", "deadline_misses: 4") >= 0);
  /* no interleaving inside a line: before the report every line has a [tag] */
  const char *rep = strstr(l.out, "\n== mirai launch report");
  assert_non_null(rep);
  for (const char *p = l.out; p < rep;) {
    assert_true(p[0] == '[');
    p = strchr(p, '\n') + 1;
  }
  /* stopped in reverse start order, each by SIGINT (clean exit codes) */
  long t = line_with(l.out, "ticker stopped", "");
  long pp = line_with(l.out, "plan_pub stopped", "exit code 0");
  long cp = line_with(l.out, "ctrl_pub stopped", "exit code 0");
  assert_true(t >= 0);
  assert_true(pp > t);
  assert_true(cp > pp);
  assert_null(strstr(l.out, "SIGKILL"));

  /* the report: what the monitor heard from pub, and n/a for the rest */
  const char *json = slurp(report);
  assert_non_null(json);
  assert_true(mi_test_json_num(json, "status_samples") > 0);
  assert_true(mi_test_json_num(json, "deadline_misses") == 4);
  assert_true(mi_test_json_num(json, "iteration_p50_ms") > 3.99 &&
              mi_test_json_num(json, "iteration_p50_ms") < 4.01);
  assert_true(mi_test_json_num(json, "plans_published") == 3);
  assert_non_null(strstr(json, "\"picks_attempted\": null"));
  assert_non_null(strstr(json, "\"collisions\": null"));
  assert_non_null(strstr(json, "\"name\": \"echo\", \"kind\": \"command\", \"starts\": 1"));
  assert_non_null(strstr(l.out, "deadline misses (controller counter)     4"));
  unlink(report);
}

static void test_killed_node_is_respawned(void **state) {
  (void)state;
  static launcher l;
  char report[256];
  snprintf(report, sizeof report, "%s/launch_respawn_%d.json", P_tmpdir, (int)getpid());
  const char *args[] = {DATA "launch_respawn.yaml", "--no-monitor", "--report", report, NULL};
  spawn(&l, args);
  assert_true(wait_for(&l, "[victim]", 10));
  const char *s = strstr(l.out, "started victim (pid ");
  assert_non_null(s);
  pid_t first = (pid_t)atoi(s + strlen("started victim (pid "));
  assert_true(first > 0);
  assert_int_equal(kill(first, SIGKILL), 0);

  assert_true(wait_for(&l, "respawned victim (pid ", 10));
  s = strstr(l.out, "respawned victim (pid ");
  pid_t second = (pid_t)atoi(s + strlen("respawned victim (pid "));
  assert_true(second > 0 && second != first);
  assert_int_equal(kill(second, 0), 0); /* alive */
  assert_true(line_with(l.out, "victim ended", "signal 9") >= 0);
  assert_true(wait_for(&l, "victim up\n[victim]", 5) || strstr(l.out, "victim up"));

  /* SIGINT to the launcher: an ordered, clean stop */
  kill(l.pid, SIGINT);
  int rc = finish(&l, 30);
  if (rc != 0) print_message("%s\n", l.out);
  assert_int_equal(rc, 0);
  assert_int_equal(kill(second, 0), -1); /* gone */
  assert_true(line_with(l.out, "victim stopped", "") < line_with(l.out, "bystander stopped", ""));
  const char *json = slurp(report);
  assert_non_null(json);
  assert_non_null(strstr(json, "\"name\": \"victim\", \"kind\": \"command\", \"starts\": 2, \"failures\": 1"));
  assert_non_null(strstr(json, "\"name\": \"bystander\", \"kind\": \"command\", \"starts\": 1, \"failures\": 0"));
  assert_non_null(strstr(json, "\"end\": \"signal\""));
  unlink(report);
}

static void test_required_failure_ends_launch_in_order(void **state) {
  (void)state;
  static launcher l;
  const char *args[] = {DATA "launch_required.yaml", "--no-monitor", NULL};
  double t0 = now_s();
  spawn(&l, args);
  int rc = finish(&l, 30);
  if (rc != 1) print_message("%s\n", l.out);
  assert_int_equal(rc, 1);
  assert_true(now_s() - t0 < 10.0);
  assert_true(line_with(l.out, "[critical]", "giving up") >= 0);
  assert_true(line_with(l.out, "stopping: required node critical ended", "exit code 4") >= 0);
  assert_null(strstr(l.out, "respawned critical"));
  /* reverse start order: last, stubborn (needs SIGTERM), first */
  long last = line_with(l.out, "last stopped", "");
  long term = line_with(l.out, "stubborn still running", "SIGTERM");
  long stub = line_with(l.out, "stubborn stopped", "signal 15");
  long first = line_with(l.out, "first stopped", "signal 2");
  assert_true(last >= 0 && term > last && stub > term && first > stub);
}

static void test_bad_launch_file_is_refused_with_position(void **state) {
  (void)state;
  static launcher l;
  const char *args[] = {DATA "launch_bad_key.yaml", NULL};
  spawn(&l, args);
  int rc = finish(&l, 10);
  assert_int_equal(rc, 2);
  assert_non_null(strstr(l.out, "launch_bad_key.yaml:6:5: unknown key 'respwn' in a node; did you mean 'respawn'?"));
  const char *missing[] = {DATA "no_such_launch.yaml", NULL};
  spawn(&l, missing);
  assert_int_equal(finish(&l, 10), 2);
  assert_non_null(strstr(l.out, "no_such_launch.yaml: cannot read the launch file"));
  const char *badopt[] = {DATA "launch_graph.yaml", "--duration", "soon", NULL};
  spawn(&l, badopt);
  assert_int_equal(finish(&l, 10), 2);
  assert_non_null(strstr(l.out, "--duration wants seconds"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_graph_starts_reports_and_stops_cleanly),
      cmocka_unit_test(test_killed_node_is_respawned),
      cmocka_unit_test(test_required_failure_ends_launch_in_order),
      cmocka_unit_test(test_bad_launch_file_is_refused_with_position),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
