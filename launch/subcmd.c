/* launch/subcmd.c - table dispatch shared by mirai, mirai node, mirai bench. */
#include "launch/subcmd.h"

#include <string.h>

#include "launch/commands.h"

void mi_subcmd_list(FILE *f, const mi_subcmd *table) {
  for (const mi_subcmd *s = table; s->name; s++) fprintf(f, "  %-12s %s\n", s->name, s->doc);
}

int mi_subcmd_dispatch(const char *what, const char *header, const mi_subcmd *table, int argc,
                       char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    FILE *f = argc < 2 ? stderr : stdout;
    fputs(header, f);
    mi_subcmd_list(f, table);
    return argc < 2 ? MI_EXIT_USAGE : MI_EXIT_OK;
  }
  for (const mi_subcmd *s = table; s->name; s++)
    if (strcmp(argv[1], s->name) == 0) return s->fn(argc - 1, argv + 1);
  fprintf(stderr, "mirai %s: unknown '%s' (see 'mirai %s --help')\n", what, argv[1], what);
  return MI_EXIT_USAGE;
}
