/* launch/launch.h - launch files and the supervisor behind `mirai launch`.
 *
 * A launch file (YAML, read through core/yaml.h so every error says
 * FILE:LINE:COL) lists the nodes of a graph:
 *
 *   name: cell_sim              # shown in the report
 *   dds:
 *     domain_id: 0              # every node's ROS_DOMAIN_ID; absent: inherited
 *     config: ""                # Cyclone XML or file://...: every node's CYCLONEDDS_URI
 *   use_sim_time: true          # `-p use_sim_time:=true` to every kind that takes it;
 *                               # --duration then counts rt/clock time
 *   cwd: ..                     # the nodes' working directory, relative to this file
 *   duration: 0                 # s; default of --duration (0: until SIGINT/SIGTERM)
 *   nodes:
 *     - name: sim               # [A-Za-z_][A-Za-z0-9_]*, unique; prefixes its output
 *       kind: sim               # `mirai node sim` (sim|predictor|controller|teleop) ...
 *       params: params/sim.yaml #   ... with --params (relative to this file)
 *       args: [-p, "seed:=3"]   #   ... and these extra arguments
 *     - name: probe
 *       command: [mirai, topic, echo, /plan]   # ... or any argv ("mirai" is this binary)
 *       respawn: on-failure     # never (default) | on-failure | always
 *       respawn_delay: 0.5      # s, first backoff; doubles per quick failure ...
 *       respawn_max_delay: 8    # s, ... up to this
 *       respawn_reset: 10       # s of run time that resets the backoff
 *       max_respawns: -1        # -1: unlimited
 *       required: true          # a failure (never respawned) ends the launch and makes
 *                               # `mirai launch` exit 1; a clean exit not respawned
 *                               # ends it too, with 0
 *       env: {KEY: value}
 *       cwd: .                  # overrides the launch-wide cwd
 *       stop_timeout: 5         # s per shutdown stage (SIGINT, then SIGTERM)
 *       container: cell         # share one process (see below)
 *       stdin: null             # null (default) | inherit: the launcher's terminal
 *
 * Unknown keys are errors with a did-you-mean. Containers: `kind` nodes that
 * name the same container run in one process (`mirai launch --host NAME
 * FILE`), each node's `mirai node` main on a thread of its own; they share
 * the process's DDS participant (dds/node.h), and one SIGINT stops them all.
 * One node of each kind per container (a kind's main keeps its params in a
 * static). The container's output is prefixed with its name; the nodes' log
 * lines carry their own names.
 *
 * The supervisor forks and execs every node in file order, in a process
 * group of its own (so a terminal's Ctrl-C reaches the launcher only, which
 * then stops the graph in order) with its parent-death signal set to
 * SIGTERM. stdout and stderr of a node go through one pipe; the launcher
 * writes each complete line as one write() of "[name] line". Nodes' stdio is
 * made line-buffered (coreutils' libstdbuf, as `stdbuf -oL`, when present).
 *
 * Shutdown (SIGINT/SIGTERM to the launcher, the duration reached, or a
 * required node ending): nodes are stopped one at a time in reverse start
 * order: SIGINT to its process group, wait stop_timeout, SIGTERM, wait
 * stop_timeout, SIGKILL. A second SIGINT/SIGTERM skips to SIGKILL for the
 * remaining nodes.
 *
 * Thread rules: mi_launch_run runs on the calling thread and owns the
 * process's SIGINT, SIGTERM and SIGCHLD handlers while it runs (restored
 * after). One mi_launch_run per process at a time.
 */
#ifndef MI_LAUNCH_LAUNCH_H
#define MI_LAUNCH_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MI_LAUNCH_MAX_NODES 32
#define MI_LAUNCH_NAME_MAX 64  /* node and launch names, bytes with the NUL */
#define MI_LAUNCH_PATH_MAX 1024

typedef enum mi_launch_respawn {
  MI_RESPAWN_NEVER = 0,
  MI_RESPAWN_ON_FAILURE = 1, /* exit status != 0 or killed by a signal */
  MI_RESPAWN_ALWAYS = 2
} mi_launch_respawn;

typedef struct mi_launch_node {
  char name[MI_LAUNCH_NAME_MAX];
  char kind[MI_LAUNCH_NAME_MAX];      /* "" for a command node */
  char params[MI_LAUNCH_PATH_MAX];    /* absolute, or "" */
  char container[MI_LAUNCH_NAME_MAX]; /* "" : own process */
  char cwd[MI_LAUNCH_PATH_MAX];       /* absolute, or "": the launcher's */
  char **argv; /* command: the argv; kind: extra args. NULL-terminated, owned */
  int argc;
  char **env; /* "KEY=value" entries, owned */
  int n_env;
  mi_launch_respawn respawn;
  double respawn_delay_s, respawn_max_delay_s, respawn_reset_s;
  int max_respawns; /* -1: unlimited */
  bool required;
  bool stdin_inherit;
  bool is_container; /* made by mi_launch_file_group_containers */
  double stop_timeout_s;
  int line; /* where the node's entry starts in the file */
} mi_launch_node;

typedef struct mi_launch_file {
  char path[MI_LAUNCH_PATH_MAX]; /* as given */
  char dir[MI_LAUNCH_PATH_MAX];  /* absolute directory of the file */
  char name[MI_LAUNCH_NAME_MAX]; /* `name:`, else the file's base name */
  int64_t domain_id;             /* -1: inherit ROS_DOMAIN_ID */
  char *dds_config;              /* owned; NULL: inherit CYCLONEDDS_URI */
  bool use_sim_time;
  double duration_s; /* 0: until a signal */
  int n_nodes;
  mi_launch_node nodes[MI_LAUNCH_MAX_NODES];
} mi_launch_file;

/* Node kinds `mirai launch` knows (`kind:` accepts these; a kind this build
 * of mirai lacks fails when the node starts, with mirai node's message). */
#define MI_LAUNCH_KINDS(X) \
  X(sim, false)            \
  X(predictor, true)       \
  X(controller, true)      \
  X(teleop, true)
/* X(kind, takes use_sim_time): the sim publishes rt/clock, it does not follow it */

/* Load and check a launch file. On error returns MI_ERR_IO (cannot read),
 * MI_ERR_PARSE or MI_ERR_INVALID with "FILE:LINE:COL: what" in err; *out is
 * then empty (nothing to free). On MI_OK free with mi_launch_file_free. */
mi_status mi_launch_file_load(const char *path, mi_launch_file *out, char *err, size_t err_sz);

/* The same from text; `name` stands for the file, `dir` for its directory
 * (relative paths in the text resolve against it). */
mi_status mi_launch_file_load_string(const char *text, const char *name, const char *dir,
                                     mi_launch_file *out, char *err, size_t err_sz);

void mi_launch_file_free(mi_launch_file *lf);

/* The processes to start: nodes that share a `container:` become one command
 * node named after the container (at its first member's place, with that
 * member's respawn policy, required when any member is) running
 *   SELF launch --host CONTAINER FILE
 * which hosts the members on threads of one process (launch/cmd_launch.c). Other
 * nodes are copied. out is freed with mi_launch_file_free (also on error).
 * @retval MI_ERR_NOMEM, MI_ERR_RANGE (a path too long) */
mi_status mi_launch_file_group_containers(const mi_launch_file *in, const char *self,
                                          mi_launch_file *out);

/* The argv a node is started with (NULL-terminated, caller frees with
 * mi_launch_argv_free): a kind node gets
 *   SELF node KIND [--params P] [-p use_sim_time:=true] ARGS...
 * a command node its command, with a first word "mirai" replaced by self. */
char **mi_launch_node_argv(const mi_launch_file *lf, const mi_launch_node *n, const char *self);
void mi_launch_argv_free(char **argv);

/* --- the supervisor ------------------------------------------------------ */

/* What the launcher sees of the graph while it runs (optional): the live
 * status line and cell time come from it (launch/report.h implements it
 * over DDS). */
typedef struct mi_launch_hooks {
  void *user;
  /* one line (no newline) for the terminal status, each second */
  void (*status_line)(void *user, char *buf, size_t buf_sz);
  /* seconds of cell time since the first rt/clock; < 0 while none came */
  double (*cell_time_s)(void *user);
} mi_launch_hooks;

typedef struct mi_launch_opts {
  double duration_s;       /* < 0: the file's; 0: until a signal */
  bool duration_cell_time; /* count duration on hooks->cell_time_s */
  double wall_timeout_s;   /* > 0: stop after this much wall time regardless */
  bool status_line;        /* draw the live status line (a terminal) */
  int out_fd;              /* where prefixed lines go (1) */
  const char *self;        /* path of the mirai executable */
  const mi_launch_hooks *hooks; /* may be NULL */
} mi_launch_opts;

void mi_launch_opts_init(mi_launch_opts *o);

typedef enum mi_launch_end {
  MI_LAUNCH_END_ALL_EXITED = 0, /* every node ended and none is to respawn */
  MI_LAUNCH_END_SIGNAL = 1,     /* SIGINT/SIGTERM to the launcher */
  MI_LAUNCH_END_DURATION = 2,   /* --duration (or the wall timeout) reached */
  MI_LAUNCH_END_REQUIRED = 3    /* a required node ended */
} mi_launch_end;

const char *mi_launch_end_str(mi_launch_end e);

typedef struct mi_launch_node_result {
  int starts;       /* times started (1 + respawns) */
  int failures;     /* ends with a non-zero status or by a signal, before shutdown */
  int last_status;  /* last exit code, or -signal; 0 while never ended */
  bool failed_start; /* exec failed (status 127) */
  bool killed;      /* needed SIGKILL at shutdown */
  double run_time_s; /* total run time over all starts */
} mi_launch_node_result;

typedef struct mi_launch_result {
  mi_launch_end end;
  int exit_code;   /* 0; 1 when a required node failed */
  char why[256];   /* one line: what ended the launch */
  double wall_s;   /* wall time from first start to last exit */
  mi_launch_node_result nodes[MI_LAUNCH_MAX_NODES];
} mi_launch_result;

/* Start every node, supervise, stop in order, and fill *res.
 * @retval MI_OK the launch ran (its outcome is in res->exit_code)
 * @retval MI_ERR_STATE cannot set up pipes or signal handling */
mi_status mi_launch_run(const mi_launch_file *lf, const mi_launch_opts *o, mi_launch_result *res);

#ifdef __cplusplus
}
#endif

#endif /* MI_LAUNCH_LAUNCH_H */
