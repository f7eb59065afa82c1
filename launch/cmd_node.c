/* launch/cmd_node.c - `mirai node <kind>`: run one node in this process. */
#include "launch/commands.h"
#include "launch/node.h"
#include "launch/subcmd.h"

static const mi_subcmd k_nodes[] = {
#define MI_NODE_ROW_(kind, fn, doc) {#kind, fn, doc},
    MI_NODE_KINDS(MI_NODE_ROW_)
#undef MI_NODE_ROW_
    {NULL, NULL, NULL}};

int mi_cmd_node(int argc, char **argv) {
  return mi_subcmd_dispatch("node",
                            "usage: mirai node <kind> [--params FILE] [-p name:=value ...]\n"
                            "       mirai node <kind> --help      (the kind's parameters)\n"
                            "       mirai node <kind> --params-markdown (the same, a Markdown table)\n"
                            "\n"
                            "kinds:\n",
                            k_nodes, argc, argv);
}
