/* tests/unit/test_core_params.c - params tables, files and their errors. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hd.h"
#include "core/params.h"

typedef struct test_params {
  double rate_hz;
  bool verbose;
  int planner_kind;
  int64_t samples;
  mi_param_doubles noise;
  mi_param_strings joints;
  char frame[MI_PARAM_STR_MAX];
  double torque_scale;
} test_params;

#define S test_params
static const mi_param_def k_defs[] = {
    MI_P_DOUBLE(S, rate_hz, "rate_hz", "50.0", 1.0, 1000.0, "Hz", "planning rate"),
    MI_P_BOOL(S, verbose, "verbose", "false", "log every iteration"),
    MI_P_ENUM(S, planner_kind, "planner.kind", "mppi", "mppi|cem|ps", "sampling planner"),
    MI_P_INT(S, samples, "planner.samples", "1024", 1, 1 << 20, NULL, "candidates K"),
    MI_P_DOUBLES(S, noise, "planner.noise", "[0.5, 0.5]", 0.0, 10.0, "N m", "noise per joint"),
    MI_P_STRINGS(S, joints, "joints", "[]", "joint names"),
    MI_P_STRING(S, frame, "frame", "base_link", "reference frame"),
    MI_P_DOUBLE(S, torque_scale, "limits.torque_scale", "1.0", 0.0, 1.0, NULL, "torque scale"),
};
#undef S
static const mi_param_table k_table = {"predictor", k_defs, MI_ARRAY_LEN(k_defs)};

static char g_path[512];
static const char *data(const char *name) {
  const char *dir = getenv("MIRAI_TEST_DATA");
  snprintf(g_path, sizeof g_path, "%s/params/%s", dir ? dir : MIRAI_SOURCE_DIR "/tests/data",
           name);
  return g_path;
}

static void test_defaults(void **state) {
  (void)state;
  test_params p;
  memset(&p, 0xff, sizeof p);
  char err[512] = "";
  assert_int_equal(mi_params_defaults(&k_table, &p, err, sizeof err), MI_OK);
  assert_true(p.rate_hz == 50.0);
  assert_false(p.verbose);
  assert_int_equal(p.planner_kind, 0);
  assert_int_equal(p.samples, 1024);
  assert_int_equal(p.noise.n, 2);
  assert_true(p.noise.v[1] == 0.5);
  assert_int_equal(p.joints.n, 0);
  assert_string_equal(p.frame, "base_link");
}

static void test_bad_default_is_caught(void **state) {
  (void)state;
  typedef struct {
    double x;
  } one;
  static const mi_param_def bad[] = {
      MI_P_DOUBLE(one, x, "x", "500", 0.0, 10.0, NULL, "out of its own range")};
  mi_param_table t = {"n", bad, 1};
  one o;
  char err[512] = "";
  assert_int_equal(mi_params_defaults(&t, &o, err, sizeof err), MI_ERR_INVALID);
  assert_non_null(strstr(err, "<default of n.x>"));
  assert_non_null(strstr(err, "out of range [0, 10]"));
}

static void test_good_file(void **state) {
  (void)state;
  test_params p;
  char err[512] = "";
  assert_int_equal(mi_params_load_file(&k_table, NULL, data("good.yaml"), &p, err, sizeof err),
                   MI_OK);
  /* the node's own section overrides the every-node section */
  assert_true(p.rate_hz == 75.5);
  assert_true(p.verbose); /* from the every-node section */
  assert_int_equal(p.planner_kind, 1);
  assert_int_equal(p.samples, 2048);
  assert_int_equal(p.noise.n, 3);
  assert_true(p.noise.v[2] == 0.3);
  assert_int_equal(p.joints.n, 3);
  assert_string_equal(p.joints.v[2], "wrist 1");
  assert_string_equal(p.frame, "world");
  assert_true(p.torque_scale == 0.5);

  /* another node name reads another section: unknown keys of other nodes don't matter,
   * but that node's own unknown key does */
  assert_int_equal(mi_params_load_file(&k_table, "controller", data("good.yaml"), &p, err,
                                       sizeof err),
                   MI_ERR_PARSE);
  assert_non_null(strstr(err, "good.yaml:20:5: unknown parameter 'something_only_the_controller_has'"));
}

static void expect_error(const char *file, mi_status want, const char *needle) {
  test_params p;
  char err[512] = "";
  mi_status st = mi_params_load_file(&k_table, NULL, data(file), &p, err, sizeof err);
  if (st != want || !strstr(err, needle)) {
    print_error("file %s: status %d (want %d), message: %s\nexpected to contain: %s\n", file,
                (int)st, (int)want, err, needle);
    fail();
  }
}

static void test_error_files(void **state) {
  (void)state;
  expect_error("malformed.yaml", MI_ERR_PARSE, "malformed.yaml:4:");
  expect_error("malformed.yaml", MI_ERR_PARSE, "malformed YAML");
  expect_error("wrong_type.yaml", MI_ERR_PARSE,
               "wrong_type.yaml:5:16: parameter 'planner.samples': expected an integer, found "
               "the string 'many'");
  expect_error("out_of_range.yaml", MI_ERR_RANGE,
               "out_of_range.yaml:3:14: parameter 'rate_hz': 5000.0 is out of range [1, 1000] Hz");
  expect_error("unknown_key.yaml", MI_ERR_PARSE,
               "unknown_key.yaml:4:5: unknown parameter 'rate_hx' for node 'predictor' (did you "
               "mean 'rate_hz'?)");
  expect_error("unknown_group.yaml", MI_ERR_PARSE, "unknown_group.yaml:4:5: unknown parameter 'plannner'");
  expect_error("bad_choice.yaml", MI_ERR_RANGE,
               "bad_choice.yaml:4:13: parameter 'planner.kind': expected one of mppi|cem|ps, "
               "found the string 'mpii' (did you mean 'mppi'?)");
  expect_error("nan_item.yaml", MI_ERR_RANGE,
               "nan_item.yaml:4:20: parameter 'planner.noise' item 1: expected a finite number");
  expect_error("no_ros_parameters.yaml", MI_ERR_PARSE,
               "no_ros_parameters.yaml:2:3: section 'predictor': expected 'ros__parameters'");
  expect_error("does_not_exist.yaml", MI_ERR_IO, "cannot open");
}

static void test_set_from_command_line(void **state) {
  (void)state;
  test_params p;
  char err[512] = "";
  mi_params_defaults(&k_table, &p, err, sizeof err);
  assert_int_equal(mi_params_set(&k_table, &p, "rate_hz", "200", err, sizeof err), MI_OK);
  assert_true(p.rate_hz == 200.0);
  assert_int_equal(mi_params_set(&k_table, &p, "planner.noise", "[1, 2, 3, 4]", err, sizeof err),
                   MI_OK);
  assert_int_equal(p.noise.n, 4);
  assert_int_equal(mi_params_set(&k_table, &p, "rate_hz", "0.5", err, sizeof err), MI_ERR_RANGE);
  assert_true(p.rate_hz == 200.0); /* unchanged on error */
  assert_int_equal(mi_params_set(&k_table, &p, "verbose", "yes please", err, sizeof err),
                   MI_ERR_PARSE);
  assert_non_null(strstr(err, "expected a boolean"));
  assert_int_equal(mi_params_set(&k_table, &p, "rate", "1", err, sizeof err), MI_ERR_NOT_FOUND);
  assert_non_null(strstr(err, "did you mean 'rate_hz'"));
}

static void test_help_and_dump_round_trip(void **state) {
  (void)state;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  mi_params_print_help(&k_table, f);
  fclose(f);
  assert_non_null(strstr(buf, "rate_hz"));
  assert_non_null(strstr(buf, "range [1, 1000]"));
  assert_non_null(strstr(buf, "one of mppi|cem|ps"));
  free(buf);

  f = open_memstream(&buf, &len);
  mi_params_print_markdown(&k_table, f);
  fclose(f);
  assert_non_null(strstr(buf, "| `planner.samples` | int | `1024` |"));
  assert_non_null(strstr(buf, "| `planner.kind` | choice | `mppi` | mppi, cem, ps |"));
  free(buf);

  /* dump the effective values and load them back: same struct */
  test_params a, b;
  char err[512] = "";
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  assert_int_equal(mi_params_load_file(&k_table, NULL, data("good.yaml"), &a, err, sizeof err),
                   MI_OK);
  f = open_memstream(&buf, &len);
  mi_params_dump_yaml(&k_table, &a, f);
  fclose(f);
  mi_params_defaults(&k_table, &b, err, sizeof err);
  assert_int_equal(mi_params_apply_string(&k_table, NULL, buf, "dump", &b, err, sizeof err),
                   MI_OK);
  free(buf);
  assert_true(a.rate_hz == b.rate_hz);
  assert_int_equal(a.planner_kind, b.planner_kind);
  assert_int_equal(a.noise.n, b.noise.n);
  assert_memory_equal(a.noise.v, b.noise.v, sizeof(double) * (size_t)a.noise.n);
  assert_string_equal(a.joints.v[2], b.joints.v[2]);
  assert_string_equal(a.frame, b.frame);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),          cmocka_unit_test(test_bad_default_is_caught),
      cmocka_unit_test(test_good_file),         cmocka_unit_test(test_error_files),
      cmocka_unit_test(test_set_from_command_line), cmocka_unit_test(test_help_and_dump_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
