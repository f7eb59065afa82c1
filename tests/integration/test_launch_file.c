/* tests/integration/test_launch_file.c - launch files (launch/launcher_file.c):
 * what a good file gives, the argv each node is started with, and the
 * message a user reads for each kind of mistake (file:line:col, did you
 * mean). No processes, no DDS. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "launch/launch.h"

#define DATA MIRAI_SOURCE_DIR "/tests/data"

static mi_launch_file g_lf;
static char g_err[1024];

static mi_status load(const char *text) {
  g_err[0] = '\0';
  return mi_launch_file_load_string(text, "t.yaml", DATA, &g_lf, g_err, sizeof g_err);
}

/* load must fail with a message containing want */
static void refuse(const char *text, const char *want) {
  mi_status st = load(text);
  if (st == MI_OK) {
    mi_launch_file_free(&g_lf);
    fail_msg("accepted: %s", text);
  }
  if (!strstr(g_err, want)) fail_msg("message '%s' lacks '%s'", g_err, want);
}

static void test_good_file(void **state) {
  (void)state;
  const char *text =
      "name: cell\n"
      "dds: {domain_id: 7, config: \"<CycloneDDS/>\"}\n"
      "use_sim_time: true\n"
      "duration: 12.5\n"
      "cwd: ..\n"
      "nodes:\n"
      "  - name: sim\n"
      "    kind: sim\n"
      "    params: sim_node.yaml\n"
      "    required: true\n"
      "  - name: ctrl\n"
      "    kind: controller\n"
      "    args: [-p, \"rate_hz:=500\"]\n"
      "    respawn: on-failure\n"
      "    respawn_delay: 0.25\n"
      "    respawn_max_delay: 4\n"
      "    max_respawns: 3\n"
      "    env: {A: b, C: \"d e\"}\n"
      "    stop_timeout: 2\n"
      "  - name: probe\n"
      "    command: [mirai, topic, echo, /plan]\n"
      "    respawn: always\n"
      "    cwd: .\n"
      "    stdin: inherit\n";
  assert_int_equal(load(text), MI_OK);
  assert_string_equal(g_lf.name, "cell");
  assert_int_equal(g_lf.domain_id, 7);
  assert_string_equal(g_lf.dds_config, "<CycloneDDS/>");
  assert_true(g_lf.use_sim_time);
  assert_true(g_lf.duration_s == 12.5);
  assert_int_equal(g_lf.n_nodes, 3);
  const mi_launch_node *sim = &g_lf.nodes[0], *ctrl = &g_lf.nodes[1], *probe = &g_lf.nodes[2];
  assert_string_equal(sim->kind, "sim");
  assert_non_null(strstr(sim->params, "/tests/data/sim_node.yaml"));
  assert_true(sim->params[0] == '/');
  assert_true(sim->required);
  assert_int_equal(sim->respawn, MI_RESPAWN_NEVER);
  assert_int_equal(sim->line, 7);
  /* cwd ".." from tests/data is tests/ */
  assert_non_null(strstr(sim->cwd, "/tests"));
  assert_null(strstr(sim->cwd, "/tests/data"));
  assert_int_equal(ctrl->respawn, MI_RESPAWN_ON_FAILURE);
  assert_true(ctrl->respawn_delay_s == 0.25 && ctrl->respawn_max_delay_s == 4.0);
  assert_int_equal(ctrl->max_respawns, 3);
  assert_int_equal(ctrl->n_env, 2);
  assert_string_equal(ctrl->env[1], "C=d e");
  assert_true(ctrl->stop_timeout_s == 2.0);
  assert_int_equal(probe->respawn, MI_RESPAWN_ALWAYS);
  assert_true(probe->stdin_inherit);
  assert_non_null(strstr(probe->cwd, "/tests/data"));

  /* the argv: kind nodes through `mirai node`, use_sim_time to the
   * followers (not the sim, which publishes the clock), "mirai" -> self */
  char **a = mi_launch_node_argv(&g_lf, sim, "/x/mirai");
  assert_string_equal(a[0], "/x/mirai");
  assert_string_equal(a[1], "node");
  assert_string_equal(a[2], "sim");
  assert_string_equal(a[3], "--params");
  assert_null(a[5]);
  mi_launch_argv_free(a);
  a = mi_launch_node_argv(&g_lf, ctrl, "/x/mirai");
  assert_string_equal(a[2], "controller");
  assert_string_equal(a[3], "-p");
  assert_string_equal(a[4], "use_sim_time:=true");
  assert_string_equal(a[5], "-p");
  assert_string_equal(a[6], "rate_hz:=500");
  assert_null(a[7]);
  mi_launch_argv_free(a);
  a = mi_launch_node_argv(&g_lf, probe, "/x/mirai");
  assert_string_equal(a[0], "/x/mirai");
  assert_string_equal(a[1], "topic");
  assert_string_equal(a[3], "/plan");
  assert_null(a[4]);
  mi_launch_argv_free(a);
  mi_launch_file_free(&g_lf);
}

static void test_defaults(void **state) {
  (void)state;
  assert_int_equal(load("nodes:\n  - {name: a, command: [true]}\n"), MI_OK);
  assert_string_equal(g_lf.name, "t"); /* the file's base name */
  assert_int_equal(g_lf.domain_id, -1);
  assert_null(g_lf.dds_config);
  assert_false(g_lf.use_sim_time);
  const mi_launch_node *n = &g_lf.nodes[0];
  assert_int_equal(n->respawn, MI_RESPAWN_NEVER);
  assert_false(n->required);
  assert_int_equal(n->max_respawns, -1);
  assert_true(n->respawn_delay_s > 0 && n->respawn_max_delay_s >= n->respawn_delay_s);
  assert_string_equal(n->cwd, "");
  mi_launch_file_free(&g_lf);
}

static void test_mistakes_are_named_with_position(void **state) {
  (void)state;
  refuse("nodes:\n  - name: a\n    kind: sim\n    respwn: always\n",
         "t.yaml:4:5: unknown key 'respwn' in a node; did you mean 'respawn'?");
  refuse("nodez:\n  - {name: a, command: [x]}\n",
         "t.yaml:1:1: unknown key 'nodez' in the launch file; did you mean 'nodes'?");
  refuse("nodes:\n  - name: a\n    kind: simm\n", "t.yaml:3:11: unknown node kind 'simm'; did you mean 'sim'?");
  refuse("nodes:\n  - name: a\n    kind: sim\n    command: [x]\n", "needs exactly one of 'kind'");
  refuse("nodes:\n  - name: a\n", "t.yaml:2:5: node 'a' needs exactly one of 'kind'");
  refuse("nodes:\n  - {name: a, command: [x]}\n  - {name: a, command: [y]}\n",
         "t.yaml:3:12: node name 'a' is used twice (first on line 2)");
  refuse("nodes:\n  - {name: 9a, command: [x]}\n", "node name '9a' is not a name");
  refuse("nodes:\n  - {name: a, command: [x], respawn: sometimes}\n",
         "respawn 'sometimes' is not one of never, on-failure, always");
  refuse("nodes:\n  - {name: a, command: [x], respawn: on_failure}\n",
         "did you mean 'on-failure'?");
  refuse("nodes:\n  - {name: a, command: [x], respawn_delay: -1}\n",
         "'respawn_delay' must be within [0, 3600], found -1");
  refuse("nodes:\n  - {name: a, command: [x], required: maybe}\n",
         "'required' wants true or false, found the string 'maybe'");
  refuse("nodes:\n  - {name: a, command: x}\n", "'command' wants a list of words");
  refuse("nodes:\n  - {name: a, command: []}\n", "'command' is empty");
  refuse("nodes:\n  - {name: a, kind: sim, params: no_such.yaml}\n",
         "params file '" DATA "/no_such.yaml' cannot be read");
  refuse("nodes:\n  - {name: a, command: [x], params: p.yaml}\n", "'params' is for 'kind' nodes");
  refuse("nodes: []\n", "t.yaml:1:8: 'nodes' wants a non-empty list");
  refuse("name: x\n", "t.yaml:1:1: a launch file needs 'nodes'");
  refuse("dds: {domain_id: 300}\nnodes:\n  - {name: a, command: [x]}\n",
         "t.yaml:1:18: 'domain_id' wants an integer in 0..232");
  refuse("dds: {config: lo}\nnodes:\n  - {name: a, command: [x]}\n",
         "'config' is Cyclone XML ('<' first) or a file:// URI");
  refuse("cwd: no/such/dir\nnodes:\n  - {name: a, command: [x]}\n", "cwd 'no/such/dir' is not a directory");
  refuse("nodes:\n  - {name: a, command: [x], env: [A]}\n", "'env' wants a map");
  refuse("nodes:\n  - [a, b]\n", "t.yaml:2:5: each entry of 'nodes' is a map");
  refuse("nodes:\n  - {name: a, command: [x]\n", "t.yaml:"); /* malformed YAML */
  refuse("- just\n- a list\n", "t.yaml:1:1: a launch file is a map");
}

static void test_containers_become_one_process(void **state) {
  (void)state;
  assert_int_equal(load("nodes:\n"
                        "  - {name: sim, kind: sim, container: cell, stop_timeout: 1}\n"
                        "  - {name: pred, kind: predictor}\n"
                        "  - {name: ctrl, kind: controller, container: cell, required: true,"
                        " stop_timeout: 4}\n"
                        "  - {name: probe, command: [mirai, topic, list], env: {A: b}}\n"),
                   MI_OK);
  static mi_launch_file g;
  assert_int_equal(mi_launch_file_group_containers(&g_lf, "/x/mirai", &g), MI_OK);
  assert_int_equal(g.n_nodes, 3);
  const mi_launch_node *cell = &g.nodes[0];
  assert_true(cell->is_container);
  assert_string_equal(cell->name, "cell");
  assert_string_equal(cell->kind, "");
  assert_true(cell->required);              /* one member is */
  assert_true(cell->stop_timeout_s == 4.0); /* the longest member's */
  char **a = mi_launch_node_argv(&g, cell, "/x/mirai");
  assert_string_equal(a[0], "/x/mirai");
  assert_string_equal(a[1], "launch");
  assert_string_equal(a[2], "--host");
  assert_string_equal(a[3], "cell");
  assert_string_equal(a[4], DATA "/t.yaml");
  assert_null(a[5]);
  mi_launch_argv_free(a);
  assert_string_equal(g.nodes[1].name, "pred");
  assert_false(g.nodes[1].is_container);
  assert_string_equal(g.nodes[2].name, "probe");
  assert_string_equal(g.nodes[2].env[0], "A=b"); /* copied, owned by g */
  mi_launch_file_free(&g_lf);
  a = mi_launch_node_argv(&g, &g.nodes[2], "/x/mirai");
  assert_string_equal(a[1], "topic");
  mi_launch_argv_free(a);
  mi_launch_file_free(&g);

  refuse("nodes:\n  - {name: a, command: [x], container: c}\n",
         "'container' is for 'kind' nodes");
  refuse("nodes:\n  - {name: a, kind: sim, container: b}\n  - {name: b, kind: controller}\n",
         "t.yaml:3:12: node name 'b' is a container's (line 2)");
  refuse("nodes:\n  - {name: b, kind: sim}\n  - {name: a, kind: controller, container: b}\n",
         "container 'b' has the name of node 'b' (line 2)");
  refuse("nodes:\n  - {name: a, kind: sim, container: c}\n  - {name: b, kind: sim, container: c}\n",
         "container 'c' already has a sim node ('a', line 2)");
}

static void test_shipped_launch_files_load(void **state) {
  (void)state;
  static const char *const k[] = {"cell_sim.yaml", "cell_hw.yaml", "teleop_sim.yaml"};
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/launch/%s", MIRAI_SOURCE_DIR, k[i]);
    if (mi_launch_file_load(path, &g_lf, g_err, sizeof g_err) != MI_OK) fail_msg("%s", g_err);
    assert_true(g_lf.n_nodes >= 2);
    for (int j = 0; j < g_lf.n_nodes; j++) assert_true(g_lf.nodes[j].kind[0] != '\0');
    mi_launch_file_free(&g_lf);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_file),
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_mistakes_are_named_with_position),
      cmocka_unit_test(test_containers_become_one_process),
      cmocka_unit_test(test_shipped_launch_files_load),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
