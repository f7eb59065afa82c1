/* tests/integration/test_fault_params.c - a params file with errors: every
 * node kind (sim, predictor, controller, teleop) refuses to start, exits
 * with status 2 and names the file, line and column and the parameter; a
 * malformed file is refused by each kind with its line and column; a
 * cross-field contradiction is refused naming the fields. The nodes are run
 * as `mirai node <kind> --params FILE` (domain 189, never reached). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/support/test_support.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#define MIRAI MIRAI_BINARY_DIR "/launch/mirai"

static char g_out[1 << 16];

/* `mirai node kind --params file`, stdin closed, 20 s at most; returns
 * the exit status (124: still running, i.e. it started) */
static int run_node(const char *kind, const char *file) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "cd %s && timeout -s KILL 20 %s node %s --params %s -p dds.domain_id:=189 "
           "</dev/null 2>&1",
           MIRAI_SOURCE_DIR, MIRAI, kind, file);
  return mi_test_shell(cmd, g_out, sizeof g_out);
}

/* each kind's line of the message, as a user reads it */
static void expect(const char *kind, const char *file, int rc_want, const char *const *parts) {
  int rc = run_node(kind, file);
  printf("%-10s %s", kind, g_out);
  if (rc != rc_want)
    fail_msg("%s with %s: exit %d, want %d (it %s); output:\n%s", kind, file, rc, rc_want,
             rc == 137 ? "started and ran" : "failed otherwise", g_out);
  for (const char *const *p = parts; *p; p++)
    if (!strstr(g_out, *p)) fail_msg("%s with %s: no '%s' in:\n%s", kind, file, *p, g_out);
  /* refused before anything started: no DDS node, no loop, no sim */
  static const char *const started[] = {"rt loop", "lockstep", "backend:", "keyboard", NULL};
  for (const char *const *s = started; *s; s++)
    if (strstr(g_out, *s)) fail_msg("%s started ('%s') despite the bad file:\n%s", kind, *s, g_out);
}

static void test_one_mistake_per_kind(void **state) {
  (void)state;
  const char *f = "tests/data/fault_params_bad.yaml";
  static const char *const sim[] = {"sim: tests/data/fault_params_bad.yaml:8:7:",
                                    "'time.real_time_factr'", "did you mean 'time.real_time_factor'",
                                    NULL};
  static const char *const pred[] = {"predictor: tests/data/fault_params_bad.yaml:14:10:",
                                     "'planner.K'", "-5 is out of range", NULL};
  static const char *const ctrl[] = {"controller: tests/data/fault_params_bad.yaml:19:18:",
                                     "'budgets.plan.late_ms'", "expected a number", "'fast'", NULL};
  static const char *const tele[] = {"teleop: tests/data/fault_params_bad.yaml:22:14:",
                                     "'rate_hz'", "expected a number, found a sequence", NULL};
  expect("sim", f, 2, sim);
  expect("predictor", f, 2, pred);
  expect("controller", f, 2, ctrl);
  expect("teleop", f, 2, tele);
}

static void test_malformed_yaml(void **state) {
  (void)state;
  static const char *const kinds[] = {"sim", "predictor", "controller", "teleop"};
  static const char *const parts[] = {"tests/data/fault_params_syntax.yaml:6:10:",
                                      "malformed YAML", NULL};
  for (int i = 0; i < 4; i++) expect(kinds[i], "tests/data/fault_params_syntax.yaml", 2, parts);
}

/* Checks across fields run after loading: the message names the fields
 * and the numbers, not a line (the params table keeps no positions). */
static void test_contradiction(void **state) {
  (void)state;
  static const char *const parts[] = {"stop.time_max", "velocity_max", "acceleration_max", NULL};
  expect("controller", "tests/data/fault_params_semantic.yaml", 1, parts);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_mistake_per_kind),
      cmocka_unit_test(test_malformed_yaml),
      cmocka_unit_test(test_contradiction),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
