/* launch/cmd_bench.c - `mirai bench <name>`: dispatch to the benchmark table. */
#include "launch/bench.h"
#include "launch/commands.h"
#include "launch/subcmd.h"

static const mi_subcmd k_benches[] = {
#define MI_BENCH_ROW_(name, fn, doc) {#name, fn, doc},
    MI_BENCHES(MI_BENCH_ROW_)
#undef MI_BENCH_ROW_
    {NULL, NULL, NULL}};

int mi_cmd_bench(int argc, char **argv) {
  return mi_subcmd_dispatch("bench",
                            "usage: mirai bench <name> [options]\n"
                            "       mirai bench <name> --help\n"
                            "\n"
                            "Each benchmark runs mirai beside a peer (MuJoCo, ddsperf, cyclictest) in the\n"
                            "same run and prints one line starting with 'bench'.\n"
                            "\n"
                            "benchmarks:\n",
                            k_benches, argc, argv);
}
