/* launch/cmd_node.c - `mirai node <kind>`: run one node in this process. */
#include <stdio.h>
#include <string.h>

#include "launch/commands.h"
#include "launch/node.h"

typedef struct mi_node_entry {
  const char *kind;
  int (*fn)(int argc, char **argv);
  const char *doc;
} mi_node_entry;

static const mi_node_entry k_nodes[] = {
#define MI_NODE_ROW_(kind, fn, doc) {#kind, fn, doc},
    MI_NODE_KINDS(MI_NODE_ROW_)
#undef MI_NODE_ROW_
    {NULL, NULL, NULL}};

static void usage(FILE *f) {
  fprintf(f,
          "usage: mirai node <kind> [--params FILE] [-p name:=value ...]\n"
          "       mirai node <kind> --help      (the kind's parameters)\n"
          "\n"
          "kinds:\n");
  for (const mi_node_entry *n = k_nodes; n->kind; n++) fprintf(f, "  %-12s %s\n", n->kind, n->doc);
}

int mi_cmd_node(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return MI_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(stdout);
    return MI_EXIT_OK;
  }
  for (const mi_node_entry *n = k_nodes; n->kind; n++)
    if (strcmp(argv[1], n->kind) == 0) return n->fn(argc - 1, argv + 1);
  fprintf(stderr, "mirai node: unknown node kind '%s' (see 'mirai node --help')\n", argv[1]);
  return MI_EXIT_USAGE;
}
