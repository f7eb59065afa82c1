/* tests/fuzz/fuzz_yaml.c - the YAML tree: parse, walk every node, free. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/yaml.h"

static size_t walk(const mi_yaml_node *n, int depth) {
  if (!n || depth > 200) return 0;
  size_t count = 1;
  char buf[96];
  mi_yaml_describe(n, buf, sizeof buf);
  double d;
  int64_t i;
  bool b;
  (void)mi_yaml_double(n, &d);
  (void)mi_yaml_int(n, &i);
  (void)mi_yaml_bool(n, &b);
  if (n->kind == MI_YAML_SCALAR && n->scalar == NULL) abort();
  for (size_t k = 0; k < n->n; k++) {
    if (n->kind == MI_YAML_MAP) count += walk(n->keys[k], depth + 1);
    count += walk(n->items[k], depth + 1);
  }
  return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256] = "";
  mi_yaml_doc *d = mi_yaml_load_string((const char *)data, size, "fuzz", err, sizeof err);
  if (!d) {
    if (err[0] == '\0') abort();
    return 0;
  }
  walk(mi_yaml_root(d), 0);
  mi_yaml_free(d);
  return 0;
}
