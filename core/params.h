/* core/params.h - typed node parameters from ROS 2-style params YAML.
 *
 * A node describes its parameters once, in a table of mi_param_def rows
 * (name, type, where it lives in the node's params struct, default, range,
 * unit, doc). That table drives defaults, parsing, range checks, `--help`
 * and the README's params reference (mi_params_print_markdown).
 *
 * The file layout is ROS 2's:
 *
 *   predictor:                 # node name (or "/ **" without the space: every node)
 *     ros__parameters:
 *       rate_hz: 50.0
 *       planner:
 *         kind: mppi           # nested maps give dotted names: planner.kind
 *
 * Keys may also be written dotted ("planner.kind: mppi"). Errors name the
 * file, line, column and key, and say what was expected and what was found;
 * an unknown key is an error with a "did you mean" suggestion.
 *
 * Storage is fixed-size (no allocation, nothing to free): strings are
 * char[MI_PARAM_STR_MAX], arrays hold at most MI_PARAM_ARRAY_MAX items.
 */
#ifndef MI_CORE_PARAMS_H
#define MI_CORE_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MI_PARAM_STR_MAX 256
#define MI_PARAM_ARRAY_MAX 64
#define MI_PARAM_NAME_STR_MAX 64 /* item length of MI_PARAM_STRINGS */

typedef enum mi_param_type {
  MI_PARAM_BOOL,    /* bool */
  MI_PARAM_INT,     /* int64_t, within [min, max] */
  MI_PARAM_DOUBLE,  /* double, finite, within [min, max] */
  MI_PARAM_STRING,  /* char[MI_PARAM_STR_MAX] */
  MI_PARAM_ENUM,    /* int: index into `choices` ("mppi|cem|ps") */
  MI_PARAM_DOUBLES, /* mi_param_doubles: each item finite and within [min, max] */
  MI_PARAM_STRINGS  /* mi_param_strings */
} mi_param_type;

typedef struct mi_param_doubles {
  int n;
  double v[MI_PARAM_ARRAY_MAX];
} mi_param_doubles;

typedef struct mi_param_strings {
  int n;
  char v[MI_PARAM_ARRAY_MAX][MI_PARAM_NAME_STR_MAX];
} mi_param_strings;

typedef struct mi_param_def {
  const char *name;    /* dotted path: "planner.temperature" */
  mi_param_type type;
  size_t offset;       /* offsetof(node params struct, field) */
  const char *def;     /* default, written as YAML: "50.0", "mppi", "[0.1, 0.2]" */
  double min, max;     /* numeric range (inclusive); ignored when min > max */
  const char *choices; /* MI_PARAM_ENUM: "a|b|c" */
  const char *unit;    /* "Hz", "s", "rad", ... or NULL */
  const char *doc;     /* one line */
} mi_param_def;

/* Row helpers; `S` is the params struct type. NO_RANGE disables checks. */
#define MI_PARAM_NO_RANGE 1.0, 0.0
#define MI_P_BOOL(S, f, name, def, doc) \
  {name, MI_PARAM_BOOL, offsetof(S, f), def, MI_PARAM_NO_RANGE, NULL, NULL, doc}
#define MI_P_INT(S, f, name, def, lo, hi, unit, doc) \
  {name, MI_PARAM_INT, offsetof(S, f), def, lo, hi, NULL, unit, doc}
#define MI_P_DOUBLE(S, f, name, def, lo, hi, unit, doc) \
  {name, MI_PARAM_DOUBLE, offsetof(S, f), def, lo, hi, NULL, unit, doc}
#define MI_P_STRING(S, f, name, def, doc) \
  {name, MI_PARAM_STRING, offsetof(S, f), def, MI_PARAM_NO_RANGE, NULL, NULL, doc}
#define MI_P_ENUM(S, f, name, def, choices, doc) \
  {name, MI_PARAM_ENUM, offsetof(S, f), def, MI_PARAM_NO_RANGE, choices, NULL, doc}
#define MI_P_DOUBLES(S, f, name, def, lo, hi, unit, doc) \
  {name, MI_PARAM_DOUBLES, offsetof(S, f), def, lo, hi, NULL, unit, doc}
#define MI_P_STRINGS(S, f, name, def, doc) \
  {name, MI_PARAM_STRINGS, offsetof(S, f), def, MI_PARAM_NO_RANGE, NULL, NULL, doc}

typedef struct mi_param_table {
  const char *node;         /* default node name, the key in the file */
  const mi_param_def *defs;
  size_t n;
} mi_param_table;

/* Write every default into out. Fails (MI_ERR_INVALID, message in err) only
 * when the table itself is wrong (a default that does not parse or is out of
 * range): tests call this on every table. */
mi_status mi_params_defaults(const mi_param_table *t, void *out, char *err, size_t err_sz);

/* Defaults, then the values from the `node_name` (or every-node) section of
 * the params file at path. A file without that section leaves the defaults.
 * node_name NULL means t->node. On error out may be partly written.
 * @retval MI_ERR_IO     the file cannot be read
 * @retval MI_ERR_PARSE  malformed YAML, wrong layout, unknown key, wrong type
 * @retval MI_ERR_RANGE  a value outside [min, max] or not finite */
mi_status mi_params_load_file(const mi_param_table *t, const char *node_name, const char *path,
                              void *out, char *err, size_t err_sz);

/* As mi_params_load_file, from text; `name` stands for the file in messages.
 * Does not apply defaults first (so it can layer over a loaded file). */
mi_status mi_params_apply_string(const mi_param_table *t, const char *node_name,
                                 const char *text, const char *name, void *out, char *err,
                                 size_t err_sz);

/* Set one parameter from a YAML value, as `-p name:=value` on a command line. */
mi_status mi_params_set(const mi_param_table *t, void *out, const char *name, const char *value,
                        char *err, size_t err_sz);

/* The row for name, or NULL. */
const mi_param_def *mi_params_find(const mi_param_table *t, const char *name);

/* `--help` text: one block per parameter with type, default, range, unit. */
void mi_params_print_help(const mi_param_table *t, FILE *f);

/* A Markdown table (name | type | default | range | doc) for the README. */
void mi_params_print_markdown(const mi_param_table *t, FILE *f);

/* The effective values as a params file (node: ros__parameters: ...). */
void mi_params_dump_yaml(const mi_param_table *t, const void *p, FILE *f);

/* The chosen choice's text for an MI_PARAM_ENUM field (value idx). */
const char *mi_params_enum_name(const mi_param_def *d, int idx, char *buf, size_t buf_sz);

#ifdef __cplusplus
}
#endif

#endif /* MI_CORE_PARAMS_H */
