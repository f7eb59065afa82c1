/* launch/cmd_launch.c - `mirai launch FILE.yaml [--duration S] [--report FILE.json]`. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "dds/node.h"
#include "launch/commands.h"
#include "launch/launch.h"
#include "launch/node.h"
#include "launch/report.h"

/* --- `mirai launch --host NAME FILE`: a container's process -------------- */

typedef struct hosted {
  const char *kind;
  int (*fn)(int argc, char **argv);
  char **argv; /* from mi_launch_node_argv: self node KIND ... */
  int argc;
  int rc;
  pthread_t thread;
} hosted;

static void *hosted_main(void *arg) {
  hosted *h = arg;
  /* `mirai node KIND ...` as its main sees it: argv[0] is the kind */
  h->rc = h->fn(h->argc - 2, h->argv + 2);
  return NULL;
}

static int host_container(const mi_launch_file *lf, const char *name, const char *self) {
  static const struct {
    const char *kind;
    int (*fn)(int, char **);
  } k_kinds[] = {
#define MI_HOST_ROW_(kind, fn, doc) {#kind, fn},
      MI_NODE_KINDS(MI_HOST_ROW_)
#undef MI_HOST_ROW_
  };
  static hosted h[MI_LAUNCH_MAX_NODES];
  int n = 0, rc = MI_EXIT_OK;
  for (int i = 0; i < lf->n_nodes; i++) {
    const mi_launch_node *nd = &lf->nodes[i];
    if (strcmp(nd->container, name) != 0) continue;
    h[n].kind = nd->kind;
    h[n].fn = NULL;
    for (size_t k = 0; k < sizeof k_kinds / sizeof k_kinds[0]; k++)
      if (!strcmp(k_kinds[k].kind, nd->kind)) h[n].fn = k_kinds[k].fn;
    if (!h[n].fn) {
      fprintf(stderr, "container %s: this mirai has no node kind '%s' (node %s)\n", name,
              nd->kind, nd->name);
      rc = MI_EXIT_FAIL;
      continue;
    }
    h[n].argv = mi_launch_node_argv(lf, nd, self);
    if (!h[n].argv) return MI_EXIT_FAIL;
    for (h[n].argc = 0; h[n].argv[h[n].argc];) h[n].argc++;
    n++;
  }
  if (n == 0) {
    fprintf(stderr, "container %s: no node of %s names it\n", name, lf->path);
    return MI_EXIT_USAGE;
  }
  for (int i = 0; i < n; i++) {
    fprintf(stderr, "container %s: hosting %s\n", name, h[i].kind);
    if (pthread_create(&h[i].thread, NULL, hosted_main, &h[i]) != 0) {
      fprintf(stderr, "container %s: cannot start a thread for %s\n", name, h[i].kind);
      h[i].rc = MI_EXIT_FAIL;
      h[i].fn = NULL;
    }
  }
  for (int i = 0; i < n; i++) {
    if (h[i].fn) pthread_join(h[i].thread, NULL);
    if (h[i].rc != 0) {
      fprintf(stderr, "container %s: %s ended with %d\n", name, h[i].kind, h[i].rc);
      /* one node ended on its own with a failure: stop its neighbours too */
      mi_dds_shutdown();
    }
    if (h[i].rc > rc) rc = h[i].rc;
    mi_launch_argv_free(h[i].argv);
  }
  return rc;
}

static int usage(FILE *f, int code) {
  fprintf(f,
          "usage: mirai launch FILE.yaml [--duration S] [--report FILE.json] [options]\n"
          "Start the nodes of a launch file, supervise them (prefixed output, respawn with\n"
          "backoff, ordered shutdown on SIGINT/SIGTERM) and print a report at the end.\n"
          "\n"
          "options:\n"
          "  --duration S      stop after S seconds (cell time from rt/clock when the file\n"
          "                    says use_sim_time, else wall time); default: the file's\n"
          "                    'duration', 0 = until SIGINT/SIGTERM\n"
          "  --report FILE     also write the report as JSON to FILE ('-': stdout)\n"
          "  --domain N        DDS domain id for every node and the monitor (overrides\n"
          "                    the file's dds.domain_id)\n"
          "  --timeout S       stop after S seconds of wall time whatever happens\n"
          "                    (default with a cell-time duration: 10 x S + 60)\n"
          "  --no-status       no live status line (default: on a terminal only)\n"
          "  --no-monitor      do not join DDS (no live figures, report without them)\n"
          "  --check           load and check the file, print the commands, start nothing\n"
          "  --host NAME       (internal) run the nodes of container NAME in this process\n"
          "\n"
          "exit status: 0; 1 when a required node failed; 2 for a bad command line or\n"
          "launch file. See docs/readme/launch.md for the file format.\n");
  return code;
}

static bool parse_s(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !isfinite(v) || v < 0) return false;
  *out = v;
  return true;
}

int mi_cmd_launch(int argc, char **argv) {
  const char *file = NULL, *report = NULL, *host = NULL;
  double duration = -1.0, timeout = 0.0;
  long domain = -2;
  bool no_status = false, no_monitor = false, check = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) return usage(stdout, MI_EXIT_OK);
    if ((!strcmp(a, "--duration") || !strcmp(a, "--timeout") || !strcmp(a, "--report") ||
         !strcmp(a, "--domain") || !strcmp(a, "--host")) &&
        i + 1 >= argc) {
      fprintf(stderr, "mirai launch: %s wants a value\n", a);
      return MI_EXIT_USAGE;
    }
    if (!strcmp(a, "--duration")) {
      if (!parse_s(argv[++i], &duration)) {
        fprintf(stderr, "mirai launch: --duration wants seconds >= 0, got '%s'\n", argv[i]);
        return MI_EXIT_USAGE;
      }
    } else if (!strcmp(a, "--timeout")) {
      if (!parse_s(argv[++i], &timeout)) {
        fprintf(stderr, "mirai launch: --timeout wants seconds >= 0, got '%s'\n", argv[i]);
        return MI_EXIT_USAGE;
      }
    } else if (!strcmp(a, "--domain")) {
      char *end;
      domain = strtol(argv[++i], &end, 10);
      if (*end || end == argv[i] || domain < 0 || domain > 232) {
        fprintf(stderr, "mirai launch: --domain wants an id in 0..232, got '%s'\n", argv[i]);
        return MI_EXIT_USAGE;
      }
    } else if (!strcmp(a, "--host")) {
      host = argv[++i];
    } else if (!strcmp(a, "--report")) {
      report = argv[++i];
    } else if (!strcmp(a, "--no-status")) {
      no_status = true;
    } else if (!strcmp(a, "--no-monitor")) {
      no_monitor = true;
    } else if (!strcmp(a, "--check")) {
      check = true;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "mirai launch: unknown option '%s'\n", a);
      return usage(stderr, MI_EXIT_USAGE);
    } else if (file) {
      fprintf(stderr, "mirai launch: one launch file only ('%s', then '%s')\n", file, a);
      return MI_EXIT_USAGE;
    } else {
      file = a;
    }
  }
  if (!file) return usage(stderr, MI_EXIT_USAGE);

  static mi_launch_file lf;
  char err[1024];
  if (mi_launch_file_load(file, &lf, err, sizeof err) != MI_OK) {
    fprintf(stderr, "mirai launch: %s\n", err);
    return MI_EXIT_USAGE;
  }

  if (domain >= 0) lf.domain_id = domain;

  /* this executable, for `kind:` nodes and `command: [mirai, ...]` */
  char self[PATH_MAX];
  ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
  if (k <= 0) snprintf(self, sizeof self, "%s", "mirai");
  else self[k] = '\0';

  if (host) { /* the supervisor started this process for one container */
    int rc = host_container(&lf, host, self);
    mi_launch_file_free(&lf);
    return rc;
  }

  /* containers become one process each */
  static mi_launch_file grouped;
  mi_status gst = mi_launch_file_group_containers(&lf, self, &grouped);
  mi_launch_file_free(&lf);
  if (gst != MI_OK) {
    fprintf(stderr, "mirai launch: %s: %s\n", file, mi_status_str(gst));
    mi_launch_file_free(&grouped);
    return MI_EXIT_FAIL;
  }
  lf = grouped; /* lf owns what grouped pointed to from here on */

  if (check) {
    printf("%s: %d nodes\n", file, lf.n_nodes);
    for (int i = 0; i < lf.n_nodes; i++) {
      char **a = mi_launch_node_argv(&lf, &lf.nodes[i], self);
      printf("  %s:", lf.nodes[i].name);
      for (char **p = a; p && *p; p++) printf(" %s", *p);
      printf("\n");
      mi_launch_argv_free(a);
    }
    mi_launch_file_free(&lf);
    return MI_EXIT_OK;
  }

  mi_launch_monitor *mon = NULL;
  if (!no_monitor && mi_launch_monitor_create(&lf, &mon, err, sizeof err) != MI_OK)
    fprintf(stderr, "[launch] no DDS monitor (%s): the report will lack the cell's figures\n", err);

  mi_launch_hooks hooks = {mon, mi_launch_monitor_status_line, mi_launch_monitor_cell_time_s};
  mi_launch_opts o;
  mi_launch_opts_init(&o);
  o.self = self;
  o.duration_s = duration;
  o.duration_cell_time = lf.use_sim_time && mon;
  double dur = duration >= 0 ? duration : lf.duration_s;
  o.wall_timeout_s = timeout > 0 ? timeout : (o.duration_cell_time && dur > 0 ? 10.0 * dur + 60.0 : 0.0);
  o.status_line = !no_status && mon && isatty(STDOUT_FILENO);
  o.hooks = mon ? &hooks : NULL;
  fflush(stdout);

  static mi_launch_result res;
  mi_status st = mi_launch_run(&lf, &o, &res);
  if (st != MI_OK) {
    fprintf(stderr, "mirai launch: the supervisor failed: %s\n", mi_status_str(st));
    mi_launch_monitor_destroy(mon);
    mi_launch_file_free(&lf);
    return MI_EXIT_FAIL;
  }

  static mi_launch_report rep;
  mi_launch_report_collect(mon, &lf, &res, &rep);
  mi_launch_monitor_destroy(mon);
  mi_launch_report_print(&rep, stdout);
  int code = res.exit_code;
  if (report) {
    FILE *f = strcmp(report, "-") ? fopen(report, "w") : stdout;
    if (!f) {
      fprintf(stderr, "mirai launch: cannot write %s: %s\n", report, strerror(errno));
      code = code ? code : MI_EXIT_FAIL;
    } else {
      mi_launch_report_write_json(&rep, f);
      if (f != stdout) fclose(f);
    }
  }
  fflush(stdout);
  mi_launch_file_free(&lf);
  return code;
}
