/* launch/cmd_bench.c - `mirai bench <name>`: dispatch to the benchmark table. */
#include <stdio.h>
#include <string.h>

#include "launch/bench.h"
#include "launch/commands.h"

typedef struct mi_bench_entry {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *doc;
} mi_bench_entry;

static const mi_bench_entry k_benches[] = {
#define MI_BENCH_ROW_(name, fn, doc) {#name, fn, doc},
    MI_BENCHES(MI_BENCH_ROW_)
#undef MI_BENCH_ROW_
    {NULL, NULL, NULL}};

static void usage(FILE *f) {
  fprintf(f,
          "usage: mirai bench <name> [options]\n"
          "       mirai bench <name> --help\n"
          "\n"
          "Each benchmark runs mirai beside a peer (MuJoCo, ddsperf, cyclictest) in the\n"
          "same run and prints one line starting with 'bench'.\n"
          "\n"
          "benchmarks:\n");
  for (const mi_bench_entry *b = k_benches; b->name; b++)
    fprintf(f, "  %-10s %s\n", b->name, b->doc);
}

int mi_cmd_bench(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return MI_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(stdout);
    return MI_EXIT_OK;
  }
  for (const mi_bench_entry *b = k_benches; b->name; b++)
    if (strcmp(argv[1], b->name) == 0) return b->fn(argc - 1, argv + 1);
  fprintf(stderr, "mirai bench: unknown benchmark '%s' (see 'mirai bench --help')\n", argv[1]);
  return MI_EXIT_USAGE;
}
