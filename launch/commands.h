/* launch/commands.h - the `mirai` command's subcommands.
 *
 * Each subcommand is one function `int mi_cmd_<name>(int argc, char **argv)`
 * (argv[0] is the subcommand's name) returning a process exit status, and one
 * row in MI_COMMANDS below: the dispatcher, `mirai --help` and the README's
 * command list all come from that table. Every subcommand answers --help.
 */
#ifndef MI_LAUNCH_COMMANDS_H
#define MI_LAUNCH_COMMANDS_H

/* X(name, function, one-line summary) */
#define MI_COMMANDS(X)                                                          \
  X(launch, mi_cmd_launch, "start and supervise a graph of nodes from a launch file") \
  X(node, mi_cmd_node, "run one node (sim, predictor, controller, teleop)")      \
  X(topic, mi_cmd_topic, "list, echo, hz and pub on DDS topics, as ros2 topic")       \
  X(record, mi_cmd_record, "record DDS topics to an MCAP file (ros2 profile)")            \
  X(replay, mi_cmd_replay, "republish an MCAP file's messages with their timing")         \
  X(bench, mi_cmd_bench, "run a benchmark beside its peer and print one line")   \
  X(version, mi_cmd_version, "print the version and the build's features")

#define MI_CMD_DECL_(name, fn, doc) int fn(int argc, char **argv);
MI_COMMANDS(MI_CMD_DECL_)
#undef MI_CMD_DECL_

/* exit statuses shared by every subcommand */
enum { MI_EXIT_OK = 0, MI_EXIT_FAIL = 1, MI_EXIT_USAGE = 2 };

#endif /* MI_LAUNCH_COMMANDS_H */
