/* tests/integration/test_launch_cell_sim.c - launch/cell_sim.yaml as `make
 * run` starts it, for 13 s of lockstep cell time on domain 130: the three
 * node kinds come up, the launcher follows rt/clock, the report carries what
 * the predictor and the controller published, and the sim's picks: the
 * first part is picked without a collision. Skipped
 * when this build of mirai lacks one of the node kinds. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/support/test_support.h"

#define MIRAI MIRAI_BINARY_DIR "/launch/mirai"

static char g_out[1 << 20];

/* run a shell command, its output into g_out; returns the exit code */
static int run(const char *cmd) { return mi_test_shell(cmd, g_out, sizeof g_out); }

static void test_cell_sim_short_lockstep_run(void **state) {
  (void)state;
  mi_test_require_node_kinds(MIRAI);
  char report[256], cmd[1024];
  snprintf(report, sizeof report, "%s/launch_cell_sim_%d.json", P_tmpdir, (int)getpid());
  snprintf(cmd, sizeof cmd,
           "cd %s && timeout -s INT 90 %s launch launch/cell_sim.yaml --duration 13 --domain 130 "
           "--report %s --no-status 2>&1",
           MIRAI_SOURCE_DIR, MIRAI, report);
  int rc = run(cmd);
  const char *tail = strstr(g_out, "== mirai launch report");
  const char *fig = tail ? strstr(tail, "figure") : NULL;
  print_message("%.1500s\n", fig ? fig : g_out);
  assert_int_equal(rc, 0);

  static char json[1 << 16];
  mi_test_read_file(report, json, sizeof json);
  unlink(report);

  /* ended by cell time, every node started once and stopped cleanly */
  assert_non_null(strstr(json, "\"end\": \"duration\""));
  assert_true(mi_test_json_num(json, "cell_time_s") >= 13.0);
  /* the task: the first part arrives at 1 s and reaches the arm by ~9 s;
   * it is picked, and nothing the arm touches counts as a collision
   * (rt/sim/status) */
  double picked = mi_test_json_num(json, "picks_succeeded");
  double tried = mi_test_json_num(json, "picks_attempted");
  print_message("picks %g / %g, collisions %g\n", picked, tried,
                mi_test_json_num(json, "collisions"));
#ifndef __SANITIZE_ADDRESS__ /* make sanitize: the planner at ASan speed (~12 Hz) misses it */
  assert_true(picked >= 1.0);
#endif
  assert_true(tried >= picked);
  assert_true(mi_test_json_num(json, "collisions") == 0.0);
  assert_non_null(strstr(json, "\"name\": \"sim\", \"kind\": \"sim\", \"starts\": 1, \"failures\": 0"));
  assert_non_null(strstr(json, "\"name\": \"predictor\", \"kind\": \"predictor\", \"starts\": 1, \"failures\": 0"));
  assert_non_null(strstr(json, "\"name\": \"controller\", \"kind\": \"controller\", \"starts\": 1, \"failures\": 0"));
  assert_null(strstr(json, "\"killed\": true"));
  /* the predictor planned and the controller reported its states */
  assert_true(mi_test_json_num(json, "status_samples") > 10); /* the planner's, first in the file */
  assert_true(mi_test_json_num(json, "plans_published") > 0);
  assert_true(mi_test_json_num(json, "plan_rate_hz") > 0);
  assert_true(mi_test_json_num(json, "iteration_p50_ms") > 0);
  const char *ctrl = strstr(json, "\"controller\": {");
  assert_non_null(ctrl);
  assert_true(mi_test_json_num(ctrl, "status_samples") > 10);
  double share = mi_test_json_num(ctrl, "RUN") + mi_test_json_num(ctrl, "DEGRADED") +
                 mi_test_json_num(ctrl, "SAFE_STOP");
  assert_true(share > 0.999 && share < 1.001);
}

/* the sim and the controller hosted in one process (container "cell") */
static void test_container_hosts_sim_and_controller(void **state) {
  (void)state;
  mi_test_require_node_kinds(MIRAI);
  char report[256], cmd[1024];
  snprintf(report, sizeof report, "%s/launch_container_%d.json", P_tmpdir, (int)getpid());
  snprintf(cmd, sizeof cmd,
           "timeout -s INT 90 %s launch %s/tests/data/launch_container.yaml --duration 3 "
           "--domain 131 --report %s --no-status 2>&1",
           MIRAI, MIRAI_SOURCE_DIR, report);
  int rc = run(cmd);
  if (rc != 0) print_message("%.3000s\n", g_out);
  assert_int_equal(rc, 0);
  /* one process for the two, its log lines carry each node's name */
  assert_non_null(strstr(g_out, "started cell (pid "));
  assert_non_null(strstr(g_out, "[cell]      container cell: hosting sim"));
  assert_non_null(strstr(g_out, "[cell]      container cell: hosting controller"));
  assert_non_null(strstr(g_out, "INFO  [sim] sim: lockstep"));
  assert_non_null(strstr(g_out, "INFO  [controller] rt loop"));
  assert_non_null(strstr(g_out, "cell stopped (exit code 0)"));
  static char json[1 << 16];
  mi_test_read_file(report, json, sizeof json);
  unlink(report);
  assert_non_null(strstr(json, "\"name\": \"cell\", \"kind\": \"container\", \"starts\": 1, \"failures\": 0"));
  /* the hosted sim drove the clock, the hosted controller reported */
  assert_true(mi_test_json_num(json, "cell_time_s") >= 3.0);
  const char *ctrl = strstr(json, "\"controller\": {");
  assert_non_null(ctrl);
  assert_true(mi_test_json_num(ctrl, "status_samples") > 5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cell_sim_short_lockstep_run),
      cmocka_unit_test(test_container_hosts_sim_and_controller),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
