/* launch/main.c - the `mirai` command: dispatches to subcommands. */
#include <stdio.h>
#include <string.h>

#include "launch/commands.h"
#include "launch/subcmd.h"
#include "launch/version.h"

static const mi_subcmd k_commands[] = {
#define MI_CMD_ROW_(name, fn, doc) {#name, fn, doc},
    MI_COMMANDS(MI_CMD_ROW_)
#undef MI_CMD_ROW_
    {NULL, NULL, NULL}};

static void usage(FILE *f) {
  fprintf(f,
          "mirai %s - world-model middleware for robot cells\n"
          "\n"
          "usage: mirai <command> [args...]\n"
          "       mirai <command> --help\n"
          "       mirai --help | --version\n"
          "\n"
          "commands:\n",
          MIRAI_VERSION);
  mi_subcmd_list(f, k_commands);
  fprintf(f,
          "\n"
          "environment:\n"
          "  MIRAI_LOG_LEVEL   debug|info|warn|error|off (default info)\n"
          "  CYCLONEDDS_URI    a Cyclone DDS config replacing mirai's loopback-only default\n"
          "  ROS_DOMAIN_ID     DDS domain id (default 0)\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return MI_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    usage(stdout);
    return MI_EXIT_OK;
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
    printf("mirai %s\n", MIRAI_VERSION);
    return MI_EXIT_OK;
  }
  for (const mi_subcmd *s = k_commands; s->name; s++)
    if (strcmp(cmd, s->name) == 0) return s->fn(argc - 1, argv + 1);
  fprintf(stderr, "mirai: unknown command '%s' (see 'mirai --help')\n", cmd);
  return MI_EXIT_USAGE;
}
