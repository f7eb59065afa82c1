/* launch/main.c - the `mirai` command: dispatches to subcommands. */
#include <stdio.h>
#include <string.h>

#include "launch/commands.h"
#include "launch/version.h"

typedef struct mi_command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *doc;
} mi_command;

static const mi_command k_commands[] = {
#define MI_CMD_ROW_(name, fn, doc) {#name, fn, doc},
    MI_COMMANDS(MI_CMD_ROW_)
#undef MI_CMD_ROW_
};

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
  for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++)
    fprintf(f, "  %-10s %s\n", k_commands[i].name, k_commands[i].doc);
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
  for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++)
    if (strcmp(cmd, k_commands[i].name) == 0) return k_commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "mirai: unknown command '%s' (see 'mirai --help')\n", cmd);
  return MI_EXIT_USAGE;
}
