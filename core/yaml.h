/* core/yaml.h - a YAML document tree with line numbers, for every loader of
 * outside input (params, cell files, launch files).
 *
 * Built on libyaml's event parser. (libcyaml, which mirai also links, maps
 * YAML onto C structs through schemas but cannot say on which line a bad
 * value stands; mirai's loaders must, so they walk this tree instead.)
 *
 * Every node records its 1-based line and column. Anchors and aliases are
 * resolved (an alias points at the anchored node). A document whose aliases
 * expand to more than MI_YAML_MAX_EXPANDED nodes ("billion laughs"), or that
 * aliases a collection from inside itself, is refused: every walk over the
 * tree stays bounded. The document owns every
 * node and string: free it all with mi_yaml_free.
 */
#ifndef MI_CORE_YAML_H
#define MI_CORE_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/hd.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MI_YAML_MAX_EXPANDED 100000

typedef enum mi_yaml_kind { MI_YAML_SCALAR, MI_YAML_MAP, MI_YAML_SEQ } mi_yaml_kind;

typedef struct mi_yaml_node mi_yaml_node;
struct mi_yaml_node {
  mi_yaml_kind kind;
  int line, col;        /* 1-based position of the node's first character */
  const char *scalar;   /* MI_YAML_SCALAR: the text (never NULL) */
  bool quoted;          /* scalar was quoted ('...' or "...") or a block */
  size_t n;             /* MAP: number of pairs; SEQ: number of items */
  mi_yaml_node **keys;  /* MAP: the keys (scalars in practice) */
  mi_yaml_node **items; /* MAP: the values; SEQ: the items */
  size_t expanded;      /* nodes reachable from here with aliases expanded
                           (0 while a collection is still being parsed) */
};

typedef struct mi_yaml_doc mi_yaml_doc;

/* Parse a file. On error returns NULL and writes "FILE:LINE:COL: what" into
 * err (err may be NULL). An empty file gives a document whose root is an
 * empty map. Caller frees with mi_yaml_free. */
mi_yaml_doc *mi_yaml_load_file(const char *path, char *err, size_t err_sz);

/* Parse text of len bytes; name is used in error messages. */
mi_yaml_doc *mi_yaml_load_string(const char *text, size_t len, const char *name, char *err,
                                 size_t err_sz);

void mi_yaml_free(mi_yaml_doc *doc);

/* The root node (never NULL for a loaded document). */
const mi_yaml_node *mi_yaml_root(const mi_yaml_doc *doc);

/* The name given at load (the file path). */
const char *mi_yaml_name(const mi_yaml_doc *doc);

/* Value for key in a MAP, NULL when absent or when map is not a map. */
const mi_yaml_node *mi_yaml_get(const mi_yaml_node *map, const char *key);

/* Scalar conversions; each fails with MI_ERR_INVALID for a non-scalar and
 * MI_ERR_PARSE for text that is not a number/bool, leaving *out unchanged.
 * Doubles accept YAML's .inf/.nan spellings (callers reject non-finite
 * values where they matter). */
mi_status mi_yaml_double(const mi_yaml_node *n, double *out);
mi_status mi_yaml_int(const mi_yaml_node *n, int64_t *out);
mi_status mi_yaml_bool(const mi_yaml_node *n, bool *out);

/* A short name of the node's kind and value for messages: "a map",
 * "a sequence", "the string 'abc'", "the number 3.5", "the boolean true",
 * "null". Written into buf, which is returned. */
const char *mi_yaml_describe(const mi_yaml_node *n, char *buf, size_t buf_sz);

/* True when n is a plain null scalar (~, null, empty). */
bool mi_yaml_is_null(const mi_yaml_node *n);

/* Format "NAME:LINE:COL: message" about node n into err. Returns MI_ERR_PARSE
 * so loaders can `return mi_yaml_error(...)`. n may be NULL (no position). */
mi_status mi_yaml_error(const mi_yaml_doc *doc, const mi_yaml_node *n, char *err, size_t err_sz,
                        const char *fmt, ...) MI_PRINTF(5, 6);

/* Levenshtein edit distance between a and b (for "did you mean"). */
size_t mi_edit_distance(const char *a, const char *b);

/* The candidate closest to word, or NULL when none is within
 * max(2, strlen(word)/3) edits. */
const char *mi_did_you_mean(const char *word, const char *const *candidates, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* MI_CORE_YAML_H */
