/* tests/unit/test_core_yaml.c */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/yaml.h"

static mi_yaml_doc *load(const char *text, char *err, size_t n) {
  return mi_yaml_load_string(text, strlen(text), "test.yaml", err, n);
}

static void test_tree_and_positions(void **state) {
  (void)state;
  char err[256] = "";
  const char *text =
      "a: 1\n"
      "b:\n"
      "  c: [x, 'y', 3.5]\n"
      "  d: {e: true}\n";
  mi_yaml_doc *d = load(text, err, sizeof err);
  assert_non_null(d);
  const mi_yaml_node *root = mi_yaml_root(d);
  assert_int_equal(root->kind, MI_YAML_MAP);
  assert_int_equal(root->n, 2);
  const mi_yaml_node *a = mi_yaml_get(root, "a");
  assert_int_equal(a->line, 1);
  assert_int_equal(a->col, 4);
  int64_t i;
  assert_int_equal(mi_yaml_int(a, &i), MI_OK);
  assert_int_equal(i, 1);
  const mi_yaml_node *c = mi_yaml_get(mi_yaml_get(root, "b"), "c");
  assert_int_equal(c->kind, MI_YAML_SEQ);
  assert_int_equal(c->n, 3);
  assert_int_equal(c->line, 3);
  assert_string_equal(c->items[0]->scalar, "x");
  assert_false(c->items[0]->quoted);
  assert_true(c->items[1]->quoted);
  double v;
  assert_int_equal(mi_yaml_double(c->items[2], &v), MI_OK);
  assert_true(v == 3.5);
  /* a quoted number is a string */
  assert_int_equal(mi_yaml_double(c->items[1], &v), MI_ERR_PARSE);
  bool b;
  assert_int_equal(mi_yaml_bool(mi_yaml_get(mi_yaml_get(mi_yaml_get(root, "b"), "d"), "e"), &b),
                   MI_OK);
  assert_true(b);
  assert_null(mi_yaml_get(root, "zzz"));
  assert_null(mi_yaml_get(a, "x"));
  mi_yaml_free(d);
}

static void test_numbers(void **state) {
  (void)state;
  char err[256];
  mi_yaml_doc *d = load("[.inf, -.inf, .nan, 1e3, nan, 0x10, abc, '', 12]", err, sizeof err);
  assert_non_null(d);
  const mi_yaml_node *s = mi_yaml_root(d);
  double v;
  assert_int_equal(mi_yaml_double(s->items[0], &v), MI_OK);
  assert_true(isinf(v) && v > 0);
  assert_int_equal(mi_yaml_double(s->items[1], &v), MI_OK);
  assert_true(isinf(v) && v < 0);
  assert_int_equal(mi_yaml_double(s->items[2], &v), MI_OK);
  assert_true(isnan(v));
  assert_int_equal(mi_yaml_double(s->items[3], &v), MI_OK);
  assert_true(v == 1000.0);
  assert_int_equal(mi_yaml_double(s->items[4], &v), MI_ERR_PARSE); /* "nan" is not YAML's NaN */
  assert_int_equal(mi_yaml_double(s->items[6], &v), MI_ERR_PARSE);
  assert_int_equal(mi_yaml_double(s->items[7], &v), MI_ERR_PARSE);
  int64_t i;
  assert_int_equal(mi_yaml_int(s->items[5], &i), MI_OK);
  assert_int_equal(i, 16);
  assert_int_equal(mi_yaml_int(s->items[3], &i), MI_ERR_PARSE); /* 1e3 is a float */
  assert_int_equal(mi_yaml_int(s, &i), MI_ERR_INVALID);
  char buf[64];
  assert_string_equal(mi_yaml_describe(s, buf, sizeof buf), "a sequence");
  assert_string_equal(mi_yaml_describe(s->items[6], buf, sizeof buf), "the string 'abc'");
  assert_string_equal(mi_yaml_describe(s->items[8], buf, sizeof buf), "the number 12");
  mi_yaml_free(d);
}

static void test_aliases_and_empty(void **state) {
  (void)state;
  char err[256];
  mi_yaml_doc *d = load("base: &b {x: 1}\nother: *b\n", err, sizeof err);
  assert_non_null(d);
  const mi_yaml_node *o = mi_yaml_get(mi_yaml_root(d), "other");
  assert_non_null(o);
  assert_int_equal(o->kind, MI_YAML_MAP);
  assert_non_null(mi_yaml_get(o, "x"));
  mi_yaml_free(d);

  d = load("", err, sizeof err);
  assert_non_null(d);
  assert_int_equal(mi_yaml_root(d)->kind, MI_YAML_MAP);
  assert_int_equal(mi_yaml_root(d)->n, 0);
  mi_yaml_free(d);
}

static void test_errors_name_file_and_line(void **state) {
  (void)state;
  char err[256] = "";
  assert_null(load("a: 1\nb: [1, 2\nc: 3\n", err, sizeof err));
  assert_non_null(strstr(err, "test.yaml:"));
  assert_non_null(strstr(err, "malformed YAML"));

  assert_null(load("a: *nope\n", err, sizeof err));
  assert_non_null(strstr(err, "test.yaml:1:4: unknown alias '*nope'"));

  assert_null(load("a: 1\n---\nb: 2\n", err, sizeof err));
  assert_non_null(strstr(err, "more than one YAML document"));

  /* nesting bomb */
  char deep[400];
  memset(deep, '[', 200);
  deep[200] = '\0';
  assert_null(load(deep, err, sizeof err));
  assert_non_null(strstr(err, "nesting deeper"));

  /* a billion laughs: ten levels of ten aliases each */
  char bomb[2048];
  int k = snprintf(bomb, sizeof bomb, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
  for (int i = 1; i < 10; i++)
    k += snprintf(bomb + k, sizeof bomb - (size_t)k,
                  "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i,
                  i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
  assert_null(load(bomb, err, sizeof err));
  assert_non_null(strstr(err, "aliases expand this collection to more than"));
  /* an alias into the collection that holds it would be a cycle */
  assert_null(load("a: &x [1, *x]\n", err, sizeof err));
  assert_non_null(strstr(err, "refers to a collection that contains it"));

  assert_null(mi_yaml_load_file("/nonexistent/file.yaml", err, sizeof err));
  assert_non_null(strstr(err, "/nonexistent/file.yaml: cannot open"));

  mi_yaml_doc *d = load("x:\n  y: 3\n", err, sizeof err);
  const mi_yaml_node *y = mi_yaml_get(mi_yaml_get(mi_yaml_root(d), "x"), "y");
  assert_int_equal(mi_yaml_error(d, y, err, sizeof err, "bad %s", "y"), MI_ERR_PARSE);
  assert_string_equal(err, "test.yaml:2:6: bad y");
  mi_yaml_free(d);
}

static void test_did_you_mean(void **state) {
  (void)state;
  assert_int_equal(mi_edit_distance("kitten", "sitting"), 3);
  assert_int_equal(mi_edit_distance("", "abc"), 3);
  assert_int_equal(mi_edit_distance("same", "same"), 0);
  const char *names[] = {"rate_hz", "planner.kind", "planner.samples", "verbose"};
  assert_string_equal(mi_did_you_mean("rate_hx", names, 4), "rate_hz");
  assert_string_equal(mi_did_you_mean("planner.kindd", names, 4), "planner.kind");
  assert_string_equal(mi_did_you_mean("samples", names, 4), "planner.samples");
  assert_null(mi_did_you_mean("completely_different", names, 4));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tree_and_positions), cmocka_unit_test(test_numbers),
      cmocka_unit_test(test_aliases_and_empty), cmocka_unit_test(test_errors_name_file_and_line),
      cmocka_unit_test(test_did_you_mean),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
