/* tests/fuzz/fuzz_launch.c - launch files: any input loads or fails with a
 * positioned message; what loads yields argv for every node and groups its
 * containers without crashing or leaking. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "launch/launch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  mi_launch_file lf;
  char err[512] = "";
  if (mi_launch_file_load_string(text, "fuzz.yaml", "/tmp", &lf, err, sizeof err) == MI_OK) {
    for (int i = 0; i < lf.n_nodes; i++) {
      char **argv = mi_launch_node_argv(&lf, &lf.nodes[i], "/usr/bin/mirai");
      if (argv && !argv[0]) abort();
      mi_launch_argv_free(argv);
    }
    mi_launch_file grouped;
    if (mi_launch_file_group_containers(&lf, "/usr/bin/mirai", &grouped) == MI_OK)
      mi_launch_file_free(&grouped);
    mi_launch_file_free(&lf);
  } else if (err[0] == '\0') {
    abort(); /* every failure explains itself */
  }
  free(text);
  return 0;
}
