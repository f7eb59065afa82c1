/* launch/launcher_file.c - reading and checking launch files (launch/launch.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/yaml.h"
#include "launch/launch.h"

static const char *const k_top_keys[] = {"name", "dds", "use_sim_time", "cwd", "duration", "nodes"};
static const char *const k_dds_keys[] = {"domain_id", "config"};
static const char *const k_node_keys[] = {
    "name",          "kind",          "command",      "params",   "args",
    "env",           "cwd",           "respawn",      "respawn_delay", "respawn_max_delay",
    "respawn_reset", "max_respawns",  "required",     "stop_timeout", "container",
    "stdin"};
static const char *const k_kinds[] = {
#define MI_KIND_NAME_(kind, simtime) #kind,
    MI_LAUNCH_KINDS(MI_KIND_NAME_)
#undef MI_KIND_NAME_
};
static const char *const k_respawn[] = {"never", "on-failure", "always"};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* "; did you mean 'x'?" or "" */
static const char *suggest(const char *word, const char *const *cands, size_t n, char *buf,
                           size_t sz) {
  const char *m = mi_did_you_mean(word, cands, n);
  if (m)
    snprintf(buf, sz, "; did you mean '%s'?", m);
  else
    buf[0] = '\0';
  return buf;
}

/* every key of map must be one of keys; says which is not */
static mi_status check_keys(const mi_yaml_doc *d, const mi_yaml_node *map, const char *what,
                            const char *const *keys, size_t n, char *err, size_t err_sz) {
  for (size_t i = 0; i < map->n; i++) {
    const mi_yaml_node *k = map->keys[i];
    if (k->kind != MI_YAML_SCALAR)
      return mi_yaml_error(d, k, err, err_sz, "%s: keys must be plain words", what);
    bool ok = false;
    for (size_t j = 0; j < n && !ok; j++) ok = strcmp(k->scalar, keys[j]) == 0;
    if (!ok) {
      char s[96], list[512] = "";
      for (size_t j = 0; j < n; j++) {
        strncat(list, keys[j], sizeof list - strlen(list) - 1);
        if (j + 1 < n) strncat(list, ", ", sizeof list - strlen(list) - 1);
      }
      return mi_yaml_error(d, k, err, err_sz, "unknown key '%s' in %s%s (known: %s)", k->scalar,
                           what, suggest(k->scalar, keys, n, s, sizeof s), list);
    }
  }
  return MI_OK;
}

static mi_status get_string(const mi_yaml_doc *d, const mi_yaml_node *v, const char *key,
                            char *out, size_t out_sz, char *err, size_t err_sz) {
  char b[96];
  if (!v || v->kind != MI_YAML_SCALAR || (mi_yaml_is_null(v) && !v->quoted))
    return mi_yaml_error(d, v, err, err_sz, "'%s' wants a string, found %s", key,
                         v ? mi_yaml_describe(v, b, sizeof b) : "nothing");
  if (strlen(v->scalar) >= out_sz)
    return mi_yaml_error(d, v, err, err_sz, "'%s' is too long (at most %zu bytes)", key,
                         out_sz - 1);
  snprintf(out, out_sz, "%s", v->scalar);
  return MI_OK;
}

static mi_status get_double(const mi_yaml_doc *d, const mi_yaml_node *v, const char *key,
                            double lo, double hi, double *out, char *err, size_t err_sz) {
  char b[96];
  double x;
  if (mi_yaml_double(v, &x) != MI_OK)
    return mi_yaml_error(d, v, err, err_sz, "'%s' wants a number of seconds, found %s", key,
                         mi_yaml_describe(v, b, sizeof b));
  if (!isfinite(x) || x < lo || x > hi)
    return mi_yaml_error(d, v, err, err_sz, "'%s' must be within [%g, %g], found %g", key, lo,
                         hi, x);
  *out = x;
  return MI_OK;
}

static mi_status get_bool(const mi_yaml_doc *d, const mi_yaml_node *v, const char *key, bool *out,
                          char *err, size_t err_sz) {
  char b[96];
  if (mi_yaml_bool(v, out) != MI_OK)
    return mi_yaml_error(d, v, err, err_sz, "'%s' wants true or false, found %s", key,
                         mi_yaml_describe(v, b, sizeof b));
  return MI_OK;
}

static bool valid_name(const char *s) {
  if (!s[0] || !(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
    return false;
  for (const char *p = s; *p; p++)
    if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
          (*p >= '0' && *p <= '9')))
      return false;
  return true;
}

/* base (absolute dir) + rel -> out; rel kept when absolute */
static mi_status resolve_path(const char *base, const char *rel, char *out, size_t sz) {
  int k = rel[0] == '/' ? snprintf(out, sz, "%s", rel) : snprintf(out, sz, "%s/%s", base, rel);
  if (k < 0 || (size_t)k >= sz) return MI_ERR_RANGE;
  /* tidy "dir/./x" and "dir/.." when the path exists */
  char real[PATH_MAX];
  if (realpath(out, real) && strlen(real) < sz) memcpy(out, real, strlen(real) + 1);
  return MI_OK;
}

/* a sequence of scalars into a NULL-terminated, owned argv */
static mi_status get_argv(const mi_yaml_doc *d, const mi_yaml_node *v, const char *key,
                          char ***out, int *argc, char *err, size_t err_sz) {
  char b[96];
  if (v->kind != MI_YAML_SEQ)
    return mi_yaml_error(d, v, err, err_sz,
                         "'%s' wants a list of words ([prog, arg, ...]), found %s", key,
                         mi_yaml_describe(v, b, sizeof b));
  char **a = calloc(v->n + 1, sizeof *a);
  if (!a) return MI_ERR_NOMEM;
  for (size_t i = 0; i < v->n; i++) {
    const mi_yaml_node *it = v->items[i];
    if (it->kind != MI_YAML_SCALAR) {
      mi_launch_argv_free(a);
      return mi_yaml_error(d, it, err, err_sz, "'%s' items must be strings, found %s", key,
                           mi_yaml_describe(it, b, sizeof b));
    }
    if (!(a[i] = strdup(it->scalar))) {
      mi_launch_argv_free(a);
      return MI_ERR_NOMEM;
    }
  }
  *out = a;
  *argc = (int)v->n;
  return MI_OK;
}

void mi_launch_argv_free(char **argv) {
  if (!argv) return;
  for (char **p = argv; *p; p++) free(*p);
  free(argv);
}

static mi_status load_node(const mi_yaml_doc *d, const mi_yaml_node *m, mi_launch_file *lf,
                           mi_launch_node *n, const char *launch_cwd, char *err, size_t err_sz) {
  char b[96], s[96];
  mi_status st;
  if (m->kind != MI_YAML_MAP)
    return mi_yaml_error(d, m, err, err_sz, "each entry of 'nodes' is a map (name, kind, ...), found %s",
                         mi_yaml_describe(m, b, sizeof b));
  if ((st = check_keys(d, m, "a node", k_node_keys, N_OF(k_node_keys), err, err_sz))) return st;
  n->line = m->line;
  n->respawn = MI_RESPAWN_NEVER;
  n->respawn_delay_s = 0.5;
  n->respawn_max_delay_s = 8.0;
  n->respawn_reset_s = 10.0;
  n->max_respawns = -1;
  n->stop_timeout_s = 5.0;
  snprintf(n->cwd, sizeof n->cwd, "%s", launch_cwd);

  const mi_yaml_node *v = mi_yaml_get(m, "name");
  if (!v) return mi_yaml_error(d, m, err, err_sz, "a node needs a 'name'");
  if ((st = get_string(d, v, "name", n->name, sizeof n->name, err, err_sz))) return st;
  if (!valid_name(n->name))
    return mi_yaml_error(d, v, err, err_sz,
                         "node name '%s' is not a name ([A-Za-z_][A-Za-z0-9_]*)", n->name);
  for (int i = 0; i < lf->n_nodes; i++)
    if (!strcmp(lf->nodes[i].name, n->name))
      return mi_yaml_error(d, v, err, err_sz, "node name '%s' is used twice (first on line %d)",
                           n->name, lf->nodes[i].line);
  for (int i = 0; i < lf->n_nodes; i++)
    if (!strcmp(lf->nodes[i].container, n->name))
      return mi_yaml_error(d, v, err, err_sz, "node name '%s' is a container's (line %d)", n->name,
                           lf->nodes[i].line);

  const mi_yaml_node *kind = mi_yaml_get(m, "kind"), *cmd = mi_yaml_get(m, "command");
  if (!kind == !cmd)
    return mi_yaml_error(d, kind ? kind : m, err, err_sz,
                         "node '%s' needs exactly one of 'kind' (%s) or 'command' (an argv)",
                         n->name, "sim|predictor|controller|teleop");
  if (kind) {
    if ((st = get_string(d, kind, "kind", n->kind, sizeof n->kind, err, err_sz))) return st;
    bool ok = false;
    for (size_t i = 0; i < N_OF(k_kinds) && !ok; i++) ok = !strcmp(n->kind, k_kinds[i]);
    if (!ok)
      return mi_yaml_error(d, kind, err, err_sz,
                           "unknown node kind '%s'%s (kinds: sim, predictor, controller, teleop)",
                           n->kind, suggest(n->kind, k_kinds, N_OF(k_kinds), s, sizeof s));
    if ((v = mi_yaml_get(m, "args")) &&
        (st = get_argv(d, v, "args", &n->argv, &n->argc, err, err_sz)))
      return st;
  } else {
    if (mi_yaml_get(m, "params"))
      return mi_yaml_error(d, mi_yaml_get(m, "params"), err, err_sz,
                           "'params' is for 'kind' nodes; put a command's own flags in 'command'");
    if (mi_yaml_get(m, "args"))
      return mi_yaml_error(d, mi_yaml_get(m, "args"), err, err_sz,
                           "'args' is for 'kind' nodes; put a command's arguments in 'command'");
    if ((st = get_argv(d, cmd, "command", &n->argv, &n->argc, err, err_sz))) return st;
    if (n->argc == 0) return mi_yaml_error(d, cmd, err, err_sz, "'command' is empty");
  }
  if ((v = mi_yaml_get(m, "params"))) {
    char rel[MI_LAUNCH_PATH_MAX];
    if ((st = get_string(d, v, "params", rel, sizeof rel, err, err_sz))) return st;
    if (resolve_path(lf->dir, rel, n->params, sizeof n->params) != MI_OK)
      return mi_yaml_error(d, v, err, err_sz, "params path too long");
    if (access(n->params, R_OK) != 0)
      return mi_yaml_error(d, v, err, err_sz, "params file '%s' cannot be read: %s", n->params,
                           strerror(errno));
  }
  if ((v = mi_yaml_get(m, "cwd"))) {
    char rel[MI_LAUNCH_PATH_MAX];
    if ((st = get_string(d, v, "cwd", rel, sizeof rel, err, err_sz))) return st;
    if (resolve_path(lf->dir, rel, n->cwd, sizeof n->cwd) != MI_OK || access(n->cwd, X_OK) != 0)
      return mi_yaml_error(d, v, err, err_sz, "cwd '%s' is not a directory", rel);
  }
  if ((v = mi_yaml_get(m, "env"))) {
    if (v->kind != MI_YAML_MAP)
      return mi_yaml_error(d, v, err, err_sz, "'env' wants a map (KEY: value), found %s",
                           mi_yaml_describe(v, b, sizeof b));
    n->env = calloc(v->n + 1, sizeof *n->env);
    if (!n->env) return MI_ERR_NOMEM;
    for (size_t i = 0; i < v->n; i++) {
      const mi_yaml_node *k = v->keys[i], *x = v->items[i];
      if (x->kind != MI_YAML_SCALAR || !k->scalar[0] || strchr(k->scalar, '='))
        return mi_yaml_error(d, x, err, err_sz, "env '%s' wants a plain value", k->scalar);
      size_t len = strlen(k->scalar) + strlen(x->scalar) + 2;
      if (!(n->env[i] = malloc(len))) return MI_ERR_NOMEM;
      snprintf(n->env[i], len, "%s=%s", k->scalar, x->scalar);
      n->n_env++;
    }
  }
  if ((v = mi_yaml_get(m, "respawn"))) {
    char r[32];
    if ((st = get_string(d, v, "respawn", r, sizeof r, err, err_sz))) return st;
    int idx = -1;
    for (size_t i = 0; i < N_OF(k_respawn); i++)
      if (!strcmp(r, k_respawn[i])) idx = (int)i;
    if (idx < 0)
      return mi_yaml_error(d, v, err, err_sz,
                           "respawn '%s' is not one of never, on-failure, always%s", r,
                           suggest(r, k_respawn, N_OF(k_respawn), s, sizeof s));
    n->respawn = (mi_launch_respawn)idx;
  }
  if ((v = mi_yaml_get(m, "respawn_delay")) &&
      (st = get_double(d, v, "respawn_delay", 0.0, 3600.0, &n->respawn_delay_s, err, err_sz)))
    return st;
  if ((v = mi_yaml_get(m, "respawn_max_delay")) &&
      (st = get_double(d, v, "respawn_max_delay", 0.0, 3600.0, &n->respawn_max_delay_s, err,
                       err_sz)))
    return st;
  if (n->respawn_max_delay_s < n->respawn_delay_s) n->respawn_max_delay_s = n->respawn_delay_s;
  if ((v = mi_yaml_get(m, "respawn_reset")) &&
      (st = get_double(d, v, "respawn_reset", 0.0, 1e6, &n->respawn_reset_s, err, err_sz)))
    return st;
  if ((v = mi_yaml_get(m, "max_respawns"))) {
    int64_t k;
    if (mi_yaml_int(v, &k) != MI_OK || k < -1 || k > 1000000)
      return mi_yaml_error(d, v, err, err_sz,
                           "'max_respawns' wants an integer >= -1 (-1: unlimited), found %s",
                           mi_yaml_describe(v, b, sizeof b));
    n->max_respawns = (int)k;
  }
  if ((v = mi_yaml_get(m, "required")) &&
      (st = get_bool(d, v, "required", &n->required, err, err_sz)))
    return st;
  if ((v = mi_yaml_get(m, "stop_timeout")) &&
      (st = get_double(d, v, "stop_timeout", 0.01, 600.0, &n->stop_timeout_s, err, err_sz)))
    return st;
  if ((v = mi_yaml_get(m, "container"))) {
    if ((st = get_string(d, v, "container", n->container, sizeof n->container, err, err_sz)))
      return st;
    if (!valid_name(n->container))
      return mi_yaml_error(d, v, err, err_sz, "container name '%s' is not a name",
                           n->container);
    if (!n->kind[0])
      return mi_yaml_error(d, v, err, err_sz,
                           "'container' is for 'kind' nodes (a command is a process of its own)");
    for (int i = 0; i < lf->n_nodes; i++)
      if (!strcmp(lf->nodes[i].name, n->container))
        return mi_yaml_error(d, v, err, err_sz, "container '%s' has the name of node '%s' (line %d)",
                             n->container, lf->nodes[i].name, lf->nodes[i].line);
    for (int i = 0; i < lf->n_nodes; i++)
      if (!strcmp(lf->nodes[i].container, n->container) && !strcmp(lf->nodes[i].kind, n->kind))
        return mi_yaml_error(d, v, err, err_sz,
                             "container '%s' already has a %s node ('%s', line %d): one node of "
                             "each kind per container",
                             n->container, n->kind, lf->nodes[i].name, lf->nodes[i].line);
  }
  if ((v = mi_yaml_get(m, "stdin"))) {
    if (mi_yaml_is_null(v) && !v->quoted) {
      n->stdin_inherit = false;
    } else if (v->kind == MI_YAML_SCALAR && !strcmp(v->scalar, "inherit")) {
      n->stdin_inherit = true;
    } else {
      return mi_yaml_error(d, v, err, err_sz, "'stdin' is null or inherit, found %s",
                           mi_yaml_describe(v, b, sizeof b));
    }
  }
  return MI_OK;
}

static mi_status load_doc(const mi_yaml_doc *d, mi_launch_file *lf, char *err, size_t err_sz) {
  char b[96];
  mi_status st;
  const mi_yaml_node *root = mi_yaml_root(d), *v;
  if (root->kind != MI_YAML_MAP)
    return mi_yaml_error(d, root, err, err_sz, "a launch file is a map (name, dds, nodes, ...), found %s",
                         mi_yaml_describe(root, b, sizeof b));
  if ((st = check_keys(d, root, "the launch file", k_top_keys, N_OF(k_top_keys), err, err_sz)))
    return st;
  if ((v = mi_yaml_get(root, "name")) &&
      (st = get_string(d, v, "name", lf->name, sizeof lf->name, err, err_sz)))
    return st;
  if ((v = mi_yaml_get(root, "dds"))) {
    if (v->kind != MI_YAML_MAP)
      return mi_yaml_error(d, v, err, err_sz, "'dds' wants a map (domain_id, config), found %s",
                           mi_yaml_describe(v, b, sizeof b));
    if ((st = check_keys(d, v, "'dds'", k_dds_keys, N_OF(k_dds_keys), err, err_sz))) return st;
    const mi_yaml_node *x;
    if ((x = mi_yaml_get(v, "domain_id"))) {
      int64_t k;
      if (mi_yaml_int(x, &k) != MI_OK || k < -1 || k > 232)
        return mi_yaml_error(d, x, err, err_sz,
                             "'domain_id' wants an integer in 0..232 (-1: ROS_DOMAIN_ID), found %s",
                             mi_yaml_describe(x, b, sizeof b));
      lf->domain_id = k;
    }
    if ((x = mi_yaml_get(v, "config")) && !(mi_yaml_is_null(x) && !x->quoted)) {
      if (x->kind != MI_YAML_SCALAR)
        return mi_yaml_error(d, x, err, err_sz, "'config' wants Cyclone XML or file://..., found %s",
                             mi_yaml_describe(x, b, sizeof b));
      if (x->scalar[0]) {
        if (x->scalar[0] != '<' && strncmp(x->scalar, "file://", 7) != 0)
          return mi_yaml_error(d, x, err, err_sz,
                               "'config' is Cyclone XML ('<' first) or a file:// URI");
        if (!(lf->dds_config = strdup(x->scalar))) return MI_ERR_NOMEM;
      }
    }
  }
  if ((v = mi_yaml_get(root, "use_sim_time")) &&
      (st = get_bool(d, v, "use_sim_time", &lf->use_sim_time, err, err_sz)))
    return st;
  if ((v = mi_yaml_get(root, "duration")) &&
      (st = get_double(d, v, "duration", 0.0, 1e9, &lf->duration_s, err, err_sz)))
    return st;
  char cwd[MI_LAUNCH_PATH_MAX] = "";
  if ((v = mi_yaml_get(root, "cwd"))) {
    char rel[MI_LAUNCH_PATH_MAX];
    if ((st = get_string(d, v, "cwd", rel, sizeof rel, err, err_sz))) return st;
    if (resolve_path(lf->dir, rel, cwd, sizeof cwd) != MI_OK || access(cwd, X_OK) != 0)
      return mi_yaml_error(d, v, err, err_sz, "cwd '%s' is not a directory", rel);
  }
  v = mi_yaml_get(root, "nodes");
  if (!v) return mi_yaml_error(d, root, err, err_sz, "a launch file needs 'nodes' (a list)");
  if (v->kind != MI_YAML_SEQ || v->n == 0)
    return mi_yaml_error(d, v, err, err_sz, "'nodes' wants a non-empty list of nodes, found %s",
                         mi_yaml_describe(v, b, sizeof b));
  if (v->n > MI_LAUNCH_MAX_NODES)
    return mi_yaml_error(d, v, err, err_sz, "at most %d nodes, found %zu", MI_LAUNCH_MAX_NODES,
                         v->n);
  for (size_t i = 0; i < v->n; i++) {
    st = load_node(d, v->items[i], lf, &lf->nodes[lf->n_nodes], cwd, err, err_sz);
    lf->n_nodes++; /* counted even on error, so mi_launch_file_free frees it */
    if (st) return st;
  }
  return MI_OK;
}

static void init_file(mi_launch_file *lf, const char *name, const char *dir) {
  memset(lf, 0, sizeof *lf);
  lf->domain_id = -1;
  snprintf(lf->path, sizeof lf->path, "%s", name);
  char real[PATH_MAX];
  const char *d = realpath(dir, real) ? real : dir;
  if (strlen(d) < sizeof lf->dir) memcpy(lf->dir, d, strlen(d) + 1);
  /* default name: the file's base name without .yaml */
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  snprintf(lf->name, sizeof lf->name, "%s", base);
  char *dot = strrchr(lf->name, '.');
  if (dot && dot != lf->name) *dot = '\0';
}

static mi_status finish(mi_yaml_doc *d, mi_launch_file *lf, char *err, size_t err_sz) {
  mi_status st = load_doc(d, lf, err, err_sz);
  mi_yaml_free(d);
  if (st != MI_OK) {
    mi_launch_file_free(lf);
    if (st == MI_ERR_NOMEM) snprintf(err, err_sz, "%s: out of memory", lf->path);
  }
  return st;
}

mi_status mi_launch_file_load(const char *path, mi_launch_file *out, char *err, size_t err_sz) {
  char dir[MI_LAUNCH_PATH_MAX];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash)
    *(slash == dir ? slash + 1 : slash) = '\0';
  else
    snprintf(dir, sizeof dir, ".");
  init_file(out, path, dir);
  if (access(path, R_OK) != 0) {
    snprintf(err, err_sz, "%s: cannot read the launch file: %s", path, strerror(errno));
    return MI_ERR_IO;
  }
  mi_yaml_doc *d = mi_yaml_load_file(path, err, err_sz);
  if (!d) return MI_ERR_PARSE;
  return finish(d, out, err, err_sz);
}

mi_status mi_launch_file_load_string(const char *text, const char *name, const char *dir,
                                     mi_launch_file *out, char *err, size_t err_sz) {
  init_file(out, name, dir);
  mi_yaml_doc *d = mi_yaml_load_string(text, strlen(text), name, err, err_sz);
  if (!d) return MI_ERR_PARSE;
  return finish(d, out, err, err_sz);
}

void mi_launch_file_free(mi_launch_file *lf) {
  if (!lf) return;
  for (int i = 0; i < lf->n_nodes; i++) {
    mi_launch_argv_free(lf->nodes[i].argv);
    mi_launch_argv_free(lf->nodes[i].env);
    lf->nodes[i].argv = lf->nodes[i].env = NULL;
  }
  free(lf->dds_config);
  lf->dds_config = NULL;
  lf->n_nodes = 0;
}

static bool kind_takes_sim_time(const char *kind) {
#define MI_KIND_SIMTIME_(k, simtime) \
  if (!strcmp(kind, #k)) return simtime;
  MI_LAUNCH_KINDS(MI_KIND_SIMTIME_)
#undef MI_KIND_SIMTIME_
  return false;
}

char **mi_launch_node_argv(const mi_launch_file *lf, const mi_launch_node *n, const char *self) {
  int cap = n->argc + 10, k = 0;
  char **a = calloc((size_t)cap, sizeof *a);
  if (!a) return NULL;
#define PUSH(s)                                   \
  do {                                            \
    if (!(a[k++] = strdup(s))) goto fail;         \
  } while (0)
  if (n->kind[0]) {
    PUSH(self);
    PUSH("node");
    PUSH(n->kind);
    if (n->params[0]) {
      PUSH("--params");
      PUSH(n->params);
    }
    if (lf->use_sim_time && kind_takes_sim_time(n->kind)) {
      PUSH("-p");
      PUSH("use_sim_time:=true");
    }
    for (int i = 0; i < n->argc; i++) PUSH(n->argv[i]);
  } else {
    PUSH(strcmp(n->argv[0], "mirai") == 0 ? self : n->argv[0]);
    for (int i = 1; i < n->argc; i++) PUSH(n->argv[i]);
  }
#undef PUSH
  a[k] = NULL;
  return a;
fail:
  mi_launch_argv_free(a);
  return NULL;
}

mi_status mi_launch_file_group_containers(const mi_launch_file *in, const char *self,
                                          mi_launch_file *out) {
  memset(out, 0, sizeof *out);
  memcpy(out->path, in->path, sizeof out->path);
  memcpy(out->dir, in->dir, sizeof out->dir);
  memcpy(out->name, in->name, sizeof out->name);
  out->domain_id = in->domain_id;
  out->use_sim_time = in->use_sim_time;
  out->duration_s = in->duration_s;
  if (in->dds_config && !(out->dds_config = strdup(in->dds_config))) return MI_ERR_NOMEM;
  /* the file as the host process will read it: absolute */
  char abs[MI_LAUNCH_PATH_MAX];
  const char *base = strrchr(in->path, '/');
  base = base ? base + 1 : in->path;
  int k = snprintf(abs, sizeof abs, "%s/%s", in->dir, base);
  if (k < 0 || (size_t)k >= sizeof abs) return MI_ERR_RANGE;
  for (int i = 0; i < in->n_nodes; i++) {
    const mi_launch_node *n = &in->nodes[i];
    bool seen = false;
    for (int j = 0; j < out->n_nodes && n->container[0]; j++)
      seen |= out->nodes[j].is_container && !strcmp(out->nodes[j].name, n->container);
    if (seen) continue; /* hosted by a container started earlier */
    mi_launch_node *o = &out->nodes[out->n_nodes++];
    *o = *n;
    o->argv = o->env = NULL;
    o->argc = o->n_env = 0;
    if (!n->container[0]) { /* a process of its own: a deep copy */
      if (n->argv) {
        if (!(o->argv = calloc((size_t)n->argc + 1, sizeof *o->argv))) return MI_ERR_NOMEM;
        for (o->argc = 0; o->argc < n->argc; o->argc++)
          if (!(o->argv[o->argc] = strdup(n->argv[o->argc]))) return MI_ERR_NOMEM;
      }
      if (n->env) {
        if (!(o->env = calloc((size_t)n->n_env + 1, sizeof *o->env))) return MI_ERR_NOMEM;
        for (o->n_env = 0; o->n_env < n->n_env; o->n_env++)
          if (!(o->env[o->n_env] = strdup(n->env[o->n_env]))) return MI_ERR_NOMEM;
      }
      continue;
    }
    /* the container: one `mirai launch --host NAME FILE` process, with the
     * first member's policies; required when any member is */
    o->is_container = true;
    snprintf(o->name, sizeof o->name, "%s", n->container);
    o->kind[0] = o->params[0] = o->container[0] = '\0';
    for (int j = i + 1; j < in->n_nodes; j++)
      if (!strcmp(in->nodes[j].container, n->container)) {
        o->required |= in->nodes[j].required;
        o->stdin_inherit |= in->nodes[j].stdin_inherit;
        if (in->nodes[j].stop_timeout_s > o->stop_timeout_s)
          o->stop_timeout_s = in->nodes[j].stop_timeout_s;
      }
    const char *words[] = {self, "launch", "--host", n->container, abs};
    o->argc = 5;
    if (!(o->argv = calloc(6, sizeof *o->argv))) return MI_ERR_NOMEM;
    for (int w = 0; w < 5; w++)
      if (!(o->argv[w] = strdup(words[w]))) return MI_ERR_NOMEM;
  }
  return MI_OK;
}
