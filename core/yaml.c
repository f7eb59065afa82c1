/* core/yaml.c - YAML tree with positions, over libyaml's event parser. */
#define _GNU_SOURCE
#include "core/yaml.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/* nesting deeper than this is refused: loaders never need it, and it bounds
 * the parse stack against hostile input */
#define MI_YAML_MAX_DEPTH 64

typedef struct anchor {
  char *name;
  mi_yaml_node *node;
} anchor;

struct mi_yaml_doc {
  char *name;
  mi_yaml_node *root;
  mi_yaml_node **all; /* every node, for freeing */
  size_t n_all, cap_all;
  anchor *anchors;
  size_t n_anchors, cap_anchors;
};

static bool grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return true;
  size_t nc = *cap ? *cap * 2 : 8;
  while (nc < need) nc *= 2;
  void *np = realloc(*p, nc * elem);
  if (!np) return false;
  *p = np;
  *cap = nc;
  return true;
}

static mi_yaml_node *node_new(mi_yaml_doc *d, mi_yaml_kind kind, const yaml_mark_t *mark) {
  if (!grow((void **)&d->all, &d->cap_all, d->n_all + 1, sizeof *d->all)) return NULL;
  mi_yaml_node *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->kind = kind;
  n->line = (int)mark->line + 1;
  n->col = (int)mark->column + 1;
  d->all[d->n_all++] = n;
  return n;
}

/* a node under construction and the room in its arrays */
typedef struct frame {
  mi_yaml_node *node;
  size_t cap, cap_keys;
  mi_yaml_node *pending_key; /* MAP: a key waiting for its value */
} frame;

static bool add_child(frame *f, mi_yaml_node *child) {
  mi_yaml_node *n = f->node;
  if (n->kind == MI_YAML_SEQ) {
    if (!grow((void **)&n->items, &f->cap, n->n + 1, sizeof *n->items)) return false;
    n->items[n->n++] = child;
    return true;
  }
  if (!f->pending_key) {
    f->pending_key = child;
    return true;
  }
  if (!grow((void **)&n->keys, &f->cap_keys, n->n + 1, sizeof *n->keys)) return false;
  if (!grow((void **)&n->items, &f->cap, n->n + 1, sizeof *n->items)) return false;
  n->keys[n->n] = f->pending_key;
  n->items[n->n] = child;
  n->n++;
  f->pending_key = NULL;
  return true;
}

static void set_err(char *err, size_t err_sz, const char *name, size_t line, size_t col,
                    const char *fmt, ...) MI_PRINTF(6, 7);
static void set_err(char *err, size_t err_sz, const char *name, size_t line, size_t col,
                    const char *fmt, ...) {
  if (!err || err_sz == 0) return;
  int n = snprintf(err, err_sz, "%s:%zu:%zu: ", name, line, col);
  if (n < 0 || (size_t)n >= err_sz) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err + n, err_sz - (size_t)n, fmt, ap);
  va_end(ap);
}

static bool remember_anchor(mi_yaml_doc *d, const yaml_char_t *name, mi_yaml_node *n) {
  if (!name) return true;
  if (!grow((void **)&d->anchors, &d->cap_anchors, d->n_anchors + 1, sizeof *d->anchors))
    return false;
  char *s = strdup((const char *)name);
  if (!s) return false;
  d->anchors[d->n_anchors].name = s;
  d->anchors[d->n_anchors].node = n;
  d->n_anchors++;
  return true;
}

static mi_yaml_node *find_anchor(const mi_yaml_doc *d, const yaml_char_t *name) {
  /* the latest definition of a name wins, as YAML specifies */
  for (size_t i = d->n_anchors; i-- > 0;)
    if (strcmp(d->anchors[i].name, (const char *)name) == 0) return d->anchors[i].node;
  return NULL;
}

static mi_yaml_doc *parse(yaml_parser_t *p, const char *name, char *err, size_t err_sz) {
  mi_yaml_doc *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->name = strdup(name ? name : "<string>");
  if (!d->name) {
    free(d);
    return NULL;
  }
  frame stack[MI_YAML_MAX_DEPTH];
  int depth = 0;
  bool done = false, ok = true, seen_doc = false;
  yaml_event_t ev;

  while (!done) {
    if (!yaml_parser_parse(p, &ev)) {
      const yaml_mark_t *m = &p->problem_mark;
      set_err(err, err_sz, d->name, m->line + 1, m->column + 1, "malformed YAML: %s%s%s",
              p->problem ? p->problem : "syntax error", p->context ? " " : "",
              p->context ? p->context : "");
      ok = false;
      break;
    }
    mi_yaml_node *made = NULL;
    switch (ev.type) {
      case YAML_STREAM_END_EVENT:
        done = true;
        break;
      case YAML_DOCUMENT_START_EVENT:
        if (seen_doc) {
          set_err(err, err_sz, d->name, ev.start_mark.line + 1, ev.start_mark.column + 1,
                  "more than one YAML document in the file (expected one)");
          ok = false;
          done = true;
        }
        seen_doc = true;
        break;
      case YAML_SCALAR_EVENT:
        made = node_new(d, MI_YAML_SCALAR, &ev.start_mark);
        if (made) {
          made->scalar = strndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
          made->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE &&
                         ev.data.scalar.style != YAML_ANY_SCALAR_STYLE;
          if (!made->scalar || !remember_anchor(d, ev.data.scalar.anchor, made)) made = NULL;
        }
        if (!made) {
          set_err(err, err_sz, d->name, 0, 0, "out of memory");
          ok = false;
        } else {
          made->expanded = 1;
        }
        break;
      case YAML_ALIAS_EVENT:
        made = find_anchor(d, ev.data.alias.anchor);
        if (!made) {
          set_err(err, err_sz, d->name, ev.start_mark.line + 1, ev.start_mark.column + 1,
                  "unknown alias '*%s'", (const char *)ev.data.alias.anchor);
          ok = false;
        } else if (made->expanded == 0) {
          /* the anchored collection is still open: the alias would make a cycle */
          set_err(err, err_sz, d->name, ev.start_mark.line + 1, ev.start_mark.column + 1,
                  "alias '*%s' refers to a collection that contains it",
                  (const char *)ev.data.alias.anchor);
          ok = false;
          made = NULL;
        }
        break;
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        bool seq = ev.type == YAML_SEQUENCE_START_EVENT;
        if (depth >= MI_YAML_MAX_DEPTH) {
          set_err(err, err_sz, d->name, ev.start_mark.line + 1, ev.start_mark.column + 1,
                  "nesting deeper than %d levels", MI_YAML_MAX_DEPTH);
          ok = false;
          break;
        }
        mi_yaml_node *n = node_new(d, seq ? MI_YAML_SEQ : MI_YAML_MAP, &ev.start_mark);
        const yaml_char_t *anc = seq ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor;
        if (!n || !remember_anchor(d, anc, n)) {
          set_err(err, err_sz, d->name, 0, 0, "out of memory");
          ok = false;
          break;
        }
        stack[depth].node = n;
        stack[depth].cap = 0;
        stack[depth].cap_keys = 0;
        stack[depth].pending_key = NULL;
        depth++;
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        made = stack[--depth].node;
        /* the size with aliases expanded bounds every later walk over the tree */
        size_t total = 1;
        for (size_t i = 0; i < made->n; i++) {
          total += made->items[i]->expanded;
          if (made->kind == MI_YAML_MAP) total += made->keys[i]->expanded;
          if (total > MI_YAML_MAX_EXPANDED) break;
        }
        if (total > MI_YAML_MAX_EXPANDED) {
          set_err(err, err_sz, d->name, made->line, made->col,
                  "aliases expand this collection to more than %d nodes", MI_YAML_MAX_EXPANDED);
          ok = false;
          made = NULL;
        } else {
          made->expanded = total;
        }
        break;
      }
      default:
        break;
    }
    yaml_event_delete(&ev);
    if (!ok) break;
    if (made) {
      if (depth == 0) {
        d->root = made;
      } else if (!add_child(&stack[depth - 1], made)) {
        set_err(err, err_sz, d->name, 0, 0, "out of memory");
        ok = false;
        break;
      }
    }
  }
  if (ok && !d->root) {
    /* an empty document is an empty map */
    yaml_mark_t m = {0, 0, 0};
    d->root = node_new(d, MI_YAML_MAP, &m);
    if (!d->root) ok = false;
    else d->root->expanded = 1;
  }
  if (!ok) {
    mi_yaml_free(d);
    return NULL;
  }
  return d;
}

mi_yaml_doc *mi_yaml_load_string(const char *text, size_t len, const char *name, char *err,
                                 size_t err_sz) {
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) {
    set_err(err, err_sz, name ? name : "<string>", 0, 0, "out of memory");
    return NULL;
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  mi_yaml_doc *d = parse(&p, name, err, err_sz);
  yaml_parser_delete(&p);
  return d;
}

mi_yaml_doc *mi_yaml_load_file(const char *path, char *err, size_t err_sz) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (err && err_sz) snprintf(err, err_sz, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) {
    fclose(f);
    set_err(err, err_sz, path, 0, 0, "out of memory");
    return NULL;
  }
  yaml_parser_set_input_file(&p, f);
  mi_yaml_doc *d = parse(&p, path, err, err_sz);
  yaml_parser_delete(&p);
  fclose(f);
  return d;
}

void mi_yaml_free(mi_yaml_doc *d) {
  if (!d) return;
  for (size_t i = 0; i < d->n_all; i++) {
    mi_yaml_node *n = d->all[i];
    free((char *)n->scalar);
    free(n->keys);
    free(n->items);
    free(n);
  }
  for (size_t i = 0; i < d->n_anchors; i++) free(d->anchors[i].name);
  free(d->anchors);
  free(d->all);
  free(d->name);
  free(d);
}

const mi_yaml_node *mi_yaml_root(const mi_yaml_doc *d) { return d->root; }

const char *mi_yaml_name(const mi_yaml_doc *d) { return d->name; }

const mi_yaml_node *mi_yaml_get(const mi_yaml_node *map, const char *key) {
  if (!map || map->kind != MI_YAML_MAP) return NULL;
  for (size_t i = 0; i < map->n; i++) {
    const mi_yaml_node *k = map->keys[i];
    if (k->kind == MI_YAML_SCALAR && strcmp(k->scalar, key) == 0) return map->items[i];
  }
  return NULL;
}

bool mi_yaml_is_null(const mi_yaml_node *n) {
  if (!n || n->kind != MI_YAML_SCALAR || n->quoted) return false;
  const char *s = n->scalar;
  return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
         strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

mi_status mi_yaml_double(const mi_yaml_node *n, double *out) {
  if (!n || n->kind != MI_YAML_SCALAR) return MI_ERR_INVALID;
  const char *s = n->scalar;
  if (n->quoted || s[0] == '\0') return MI_ERR_PARSE;
  /* YAML 1.2 core schema spellings of infinity and NaN */
  static const char *const k_inf[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"};
  static const char *const k_ninf[] = {"-.inf", "-.Inf", "-.INF"};
  static const char *const k_nan[] = {".nan", ".NaN", ".NAN"};
  for (size_t i = 0; i < MI_ARRAY_LEN(k_inf); i++)
    if (strcmp(s, k_inf[i]) == 0) return *out = INFINITY, MI_OK;
  for (size_t i = 0; i < MI_ARRAY_LEN(k_ninf); i++)
    if (strcmp(s, k_ninf[i]) == 0) return *out = -INFINITY, MI_OK;
  for (size_t i = 0; i < MI_ARRAY_LEN(k_nan); i++)
    if (strcmp(s, k_nan[i]) == 0) return *out = NAN, MI_OK;
  /* strtod alone would accept "inf", "nan" and hex floats: YAML does not */
  for (const char *c = s; *c; c++)
    if (!strchr("0123456789+-.eE_", *c)) return MI_ERR_PARSE;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end != '\0') return MI_ERR_PARSE;
  if (errno == ERANGE && isinf(v)) return MI_ERR_PARSE;
  *out = v;
  return MI_OK;
}

mi_status mi_yaml_int(const mi_yaml_node *n, int64_t *out) {
  if (!n || n->kind != MI_YAML_SCALAR) return MI_ERR_INVALID;
  const char *s = n->scalar;
  if (n->quoted || s[0] == '\0') return MI_ERR_PARSE;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 0);
  if (end == s || *end != '\0' || errno == ERANGE) return MI_ERR_PARSE;
  *out = (int64_t)v;
  return MI_OK;
}

mi_status mi_yaml_bool(const mi_yaml_node *n, bool *out) {
  if (!n || n->kind != MI_YAML_SCALAR) return MI_ERR_INVALID;
  if (n->quoted) return MI_ERR_PARSE;
  const char *s = n->scalar;
  if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0)
    return *out = true, MI_OK;
  if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0)
    return *out = false, MI_OK;
  return MI_ERR_PARSE;
}

const char *mi_yaml_describe(const mi_yaml_node *n, char *buf, size_t buf_sz) {
  double d;
  bool b;
  if (!n)
    snprintf(buf, buf_sz, "nothing");
  else if (n->kind == MI_YAML_MAP)
    snprintf(buf, buf_sz, "a map");
  else if (n->kind == MI_YAML_SEQ)
    snprintf(buf, buf_sz, "a sequence");
  else if (mi_yaml_is_null(n))
    snprintf(buf, buf_sz, "null");
  else if (mi_yaml_bool(n, &b) == MI_OK)
    snprintf(buf, buf_sz, "the boolean %s", n->scalar);
  else if (mi_yaml_double(n, &d) == MI_OK)
    snprintf(buf, buf_sz, "the number %s", n->scalar);
  else
    snprintf(buf, buf_sz, "the string '%.60s%s'", n->scalar, strlen(n->scalar) > 60 ? "..." : "");
  return buf;
}

mi_status mi_yaml_error(const mi_yaml_doc *doc, const mi_yaml_node *n, char *err, size_t err_sz,
                        const char *fmt, ...) {
  if (!err || err_sz == 0) return MI_ERR_PARSE;
  int k;
  const char *name = doc ? doc->name : "<yaml>";
  if (n)
    k = snprintf(err, err_sz, "%s:%d:%d: ", name, n->line, n->col);
  else
    k = snprintf(err, err_sz, "%s: ", name);
  if (k < 0 || (size_t)k >= err_sz) return MI_ERR_PARSE;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err + k, err_sz - (size_t)k, fmt, ap);
  va_end(ap);
  return MI_ERR_PARSE;
}

size_t mi_edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 255 || lb > 255) return la > lb ? la : lb;
  size_t row[256];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      size_t best = diag + cost;
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

const char *mi_did_you_mean(const char *word, const char *const *cands, size_t n) {
  size_t limit = strlen(word) / 3;
  if (limit < 2) limit = 2;
  const char *best = NULL;
  size_t best_d = limit + 1;
  for (size_t i = 0; i < n; i++) {
    size_t dist = mi_edit_distance(word, cands[i]);
    /* a candidate that ends with the word after a dot ("loop.rate" for "rate") or
     * starts with it before a separator ("rate_hz" for "rate") is a near miss too */
    size_t lw = strlen(word), lc = strlen(cands[i]);
    if (dist > limit && lc > lw && strcmp(cands[i] + lc - lw, word) == 0 &&
        cands[i][lc - lw - 1] == '.')
      dist = limit;
    if (dist > limit && lc > lw && strncmp(cands[i], word, lw) == 0 &&
        (cands[i][lw] == '_' || cands[i][lw] == '.'))
      dist = limit;
    if (dist < best_d) {
      best_d = dist;
      best = cands[i];
    }
  }
  return best;
}
