/* launch/subcmd.h - one dispatcher for the `mirai` command's tables
 * (subcommands, `mirai node` kinds, `mirai bench` benchmarks). */
#ifndef MI_LAUNCH_SUBCMD_H
#define MI_LAUNCH_SUBCMD_H

#include <stdio.h>

typedef struct mi_subcmd {
  const char *name; /* NULL ends a table */
  int (*fn)(int argc, char **argv);
  const char *doc;
} mi_subcmd;

/* Print "  name   doc" for every row. */
void mi_subcmd_list(FILE *f, const mi_subcmd *table);

/* argv[0] is the caller ("node"), argv[1] the entry's name. Prints `header`
 * then the table on --help (exit 0) or without a name (exit 2, on stderr);
 * runs the entry with argv shifted by one; an unknown name is an error that
 * says where to look. Returns a process exit status. */
int mi_subcmd_dispatch(const char *what, const char *header, const mi_subcmd *table, int argc,
                       char **argv);

#endif /* MI_LAUNCH_SUBCMD_H */
