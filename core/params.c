/* core/params.c - table-driven params from ROS 2-style YAML. */
#define _GNU_SOURCE
#include "core/params.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/yaml.h"

static const char *const k_type_names[] = {"bool",   "int",      "double", "string",
                                           "choice", "double[]", "string[]"};

static void *field(void *base, const mi_param_def *d) { return (char *)base + d->offset; }

static bool has_range(const mi_param_def *d) { return d->min <= d->max; }

static void range_text(const mi_param_def *d, char *buf, size_t sz) {
  if (!has_range(d)) {
    buf[0] = '\0';
    return;
  }
  snprintf(buf, sz, "[%g, %g]", d->min, d->max);
}

/* index of s in "a|b|c", or -1 */
static int choice_index(const char *choices, const char *s) {
  int idx = 0;
  size_t ls = strlen(s);
  for (const char *p = choices; p && *p; idx++) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len == ls && strncmp(p, s, len) == 0) return idx;
    p = bar ? bar + 1 : NULL;
  }
  return -1;
}

const char *mi_params_enum_name(const mi_param_def *d, int idx, char *buf, size_t buf_sz) {
  int i = 0;
  buf[0] = '\0';
  for (const char *p = d->choices; p && *p; i++) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (i == idx) {
      snprintf(buf, buf_sz, "%.*s", (int)len, p);
      break;
    }
    p = bar ? bar + 1 : NULL;
  }
  return buf;
}

/* the choice nearest to s, for "did you mean" (NULL when none is close) */
static const char *choice_suggest(const char *choices, const char *s, char *buf, size_t sz) {
  const char *names[32];
  char store[32][64];
  size_t n = 0;
  for (const char *p = choices; p && *p && n < 32;) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    snprintf(store[n], sizeof store[n], "%.*s", (int)len, p);
    names[n] = store[n];
    n++;
    p = bar ? bar + 1 : NULL;
  }
  const char *best = mi_did_you_mean(s, names, n);
  if (!best) return NULL;
  snprintf(buf, sz, "%s", best);
  return buf;
}

static mi_status check_number(const mi_yaml_doc *doc, const mi_yaml_node *n,
                              const mi_param_def *d, const char *what, double v, char *err,
                              size_t err_sz) {
  char rng[64];
  if (!isfinite(v)) {
    mi_yaml_error(doc, n, err, err_sz, "parameter '%s'%s: expected a finite number, found %s",
                  d->name, what, n->scalar);
    return MI_ERR_RANGE;
  }
  if (has_range(d) && (v < d->min || v > d->max)) {
    range_text(d, rng, sizeof rng);
    mi_yaml_error(doc, n, err, err_sz, "parameter '%s'%s: %s is out of range %s%s%s", d->name,
                  what, n->scalar, rng, d->unit ? " " : "", d->unit ? d->unit : "");
    return MI_ERR_RANGE;
  }
  return MI_OK;
}

/* store the YAML value n into the field for d */
static mi_status apply_node(const mi_yaml_doc *doc, const mi_yaml_node *n, const mi_param_def *d,
                            void *out, char *err, size_t err_sz) {
  char found[128], sug[64];
  mi_status st;
  switch (d->type) {
    case MI_PARAM_BOOL: {
      bool b;
      if (mi_yaml_bool(n, &b) != MI_OK)
        return mi_yaml_error(doc, n, err, err_sz,
                             "parameter '%s': expected a boolean (true or false), found %s",
                             d->name, mi_yaml_describe(n, found, sizeof found));
      *(bool *)field(out, d) = b;
      return MI_OK;
    }
    case MI_PARAM_INT: {
      int64_t v;
      if (mi_yaml_int(n, &v) != MI_OK)
        return mi_yaml_error(doc, n, err, err_sz, "parameter '%s': expected an integer, found %s",
                             d->name, mi_yaml_describe(n, found, sizeof found));
      if ((st = check_number(doc, n, d, "", (double)v, err, err_sz)) != MI_OK) return st;
      *(int64_t *)field(out, d) = v;
      return MI_OK;
    }
    case MI_PARAM_DOUBLE: {
      double v;
      if (mi_yaml_double(n, &v) != MI_OK)
        return mi_yaml_error(doc, n, err, err_sz, "parameter '%s': expected a number, found %s",
                             d->name, mi_yaml_describe(n, found, sizeof found));
      if ((st = check_number(doc, n, d, "", v, err, err_sz)) != MI_OK) return st;
      *(double *)field(out, d) = v;
      return MI_OK;
    }
    case MI_PARAM_STRING: {
      if (n->kind != MI_YAML_SCALAR)
        return mi_yaml_error(doc, n, err, err_sz, "parameter '%s': expected a string, found %s",
                             d->name, mi_yaml_describe(n, found, sizeof found));
      if (strlen(n->scalar) >= MI_PARAM_STR_MAX) {
        mi_yaml_error(doc, n, err, err_sz, "parameter '%s': string longer than %d characters",
                      d->name, MI_PARAM_STR_MAX - 1);
        return MI_ERR_RANGE;
      }
      snprintf((char *)field(out, d), MI_PARAM_STR_MAX, "%s", n->scalar);
      return MI_OK;
    }
    case MI_PARAM_ENUM: {
      int idx = n->kind == MI_YAML_SCALAR ? choice_index(d->choices, n->scalar) : -1;
      if (idx < 0) {
        const char *s = n->kind == MI_YAML_SCALAR
                            ? choice_suggest(d->choices, n->scalar, sug, sizeof sug)
                            : NULL;
        mi_yaml_error(doc, n, err, err_sz, "parameter '%s': expected one of %s, found %s%s%s%s",
                      d->name, d->choices, mi_yaml_describe(n, found, sizeof found),
                      s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        return MI_ERR_RANGE;
      }
      *(int *)field(out, d) = idx;
      return MI_OK;
    }
    case MI_PARAM_DOUBLES: {
      if (n->kind != MI_YAML_SEQ)
        return mi_yaml_error(doc, n, err, err_sz,
                             "parameter '%s': expected a sequence of numbers, found %s", d->name,
                             mi_yaml_describe(n, found, sizeof found));
      if (n->n > MI_PARAM_ARRAY_MAX) {
        mi_yaml_error(doc, n, err, err_sz, "parameter '%s': %zu items, at most %d allowed",
                      d->name, n->n, MI_PARAM_ARRAY_MAX);
        return MI_ERR_RANGE;
      }
      mi_param_doubles tmp;
      tmp.n = (int)n->n;
      for (size_t i = 0; i < n->n; i++) {
        char what[32];
        snprintf(what, sizeof what, " item %zu", i);
        if (mi_yaml_double(n->items[i], &tmp.v[i]) != MI_OK)
          return mi_yaml_error(doc, n->items[i], err, err_sz,
                               "parameter '%s'%s: expected a number, found %s", d->name, what,
                               mi_yaml_describe(n->items[i], found, sizeof found));
        if ((st = check_number(doc, n->items[i], d, what, tmp.v[i], err, err_sz)) != MI_OK)
          return st;
      }
      *(mi_param_doubles *)field(out, d) = tmp;
      return MI_OK;
    }
    case MI_PARAM_STRINGS: {
      if (n->kind != MI_YAML_SEQ)
        return mi_yaml_error(doc, n, err, err_sz,
                             "parameter '%s': expected a sequence of strings, found %s", d->name,
                             mi_yaml_describe(n, found, sizeof found));
      if (n->n > MI_PARAM_ARRAY_MAX) {
        mi_yaml_error(doc, n, err, err_sz, "parameter '%s': %zu items, at most %d allowed",
                      d->name, n->n, MI_PARAM_ARRAY_MAX);
        return MI_ERR_RANGE;
      }
      mi_param_strings *dst = field(out, d);
      for (size_t i = 0; i < n->n; i++) {
        const mi_yaml_node *it = n->items[i];
        if (it->kind != MI_YAML_SCALAR)
          return mi_yaml_error(doc, it, err, err_sz,
                               "parameter '%s' item %zu: expected a string, found %s", d->name, i,
                               mi_yaml_describe(it, found, sizeof found));
        if (strlen(it->scalar) >= MI_PARAM_NAME_STR_MAX) {
          mi_yaml_error(doc, it, err, err_sz,
                        "parameter '%s' item %zu: longer than %d characters", d->name, i,
                        MI_PARAM_NAME_STR_MAX - 1);
          return MI_ERR_RANGE;
        }
      }
      dst->n = (int)n->n;
      for (size_t i = 0; i < n->n; i++)
        snprintf(dst->v[i], MI_PARAM_NAME_STR_MAX, "%s", n->items[i]->scalar);
      return MI_OK;
    }
  }
  return MI_ERR_INVALID;
}

const mi_param_def *mi_params_find(const mi_param_table *t, const char *name) {
  for (size_t i = 0; i < t->n; i++)
    if (strcmp(t->defs[i].name, name) == 0) return &t->defs[i];
  return NULL;
}

/* true when some parameter's name starts with "prefix." */
static bool is_group(const mi_param_table *t, const char *prefix) {
  size_t lp = strlen(prefix);
  for (size_t i = 0; i < t->n; i++)
    if (strncmp(t->defs[i].name, prefix, lp) == 0 && t->defs[i].name[lp] == '.') return true;
  return false;
}

static mi_status unknown_key(const mi_param_table *t, const mi_yaml_doc *doc,
                             const mi_yaml_node *key, const char *full, char *err, size_t err_sz) {
  const char *names[256];
  size_t n = t->n < 256 ? t->n : 256;
  for (size_t i = 0; i < n; i++) names[i] = t->defs[i].name;
  const char *best = mi_did_you_mean(full, names, n);
  if (best)
    return mi_yaml_error(doc, key, err, err_sz,
                         "unknown parameter '%s' for node '%s' (did you mean '%s'?)", full,
                         t->node, best);
  return mi_yaml_error(doc, key, err, err_sz,
                       "unknown parameter '%s' for node '%s' (see 'mirai node %s --help')", full,
                       t->node, t->node);
}

static mi_status apply_map(const mi_param_table *t, const mi_yaml_doc *doc,
                           const mi_yaml_node *map, const char *prefix, void *out, char *err,
                           size_t err_sz) {
  for (size_t i = 0; i < map->n; i++) {
    const mi_yaml_node *k = map->keys[i], *v = map->items[i];
    char found[128];
    if (k->kind != MI_YAML_SCALAR)
      return mi_yaml_error(doc, k, err, err_sz, "expected a parameter name, found %s",
                           mi_yaml_describe(k, found, sizeof found));
    char full[256];
    int len = snprintf(full, sizeof full, "%s%s%s", prefix, prefix[0] ? "." : "", k->scalar);
    if (len < 0 || (size_t)len >= sizeof full)
      return mi_yaml_error(doc, k, err, err_sz, "parameter name too long");
    const mi_param_def *d = mi_params_find(t, full);
    mi_status st;
    if (d) {
      if ((st = apply_node(doc, v, d, out, err, err_sz)) != MI_OK) return st;
    } else if (v->kind == MI_YAML_MAP && is_group(t, full)) {
      if ((st = apply_map(t, doc, v, full, out, err, err_sz)) != MI_OK) return st;
    } else {
      return unknown_key(t, doc, k, full, err, err_sz);
    }
  }
  return MI_OK;
}

/* apply the node's section(s) of a loaded params document */
static mi_status apply_doc(const mi_param_table *t, const char *node_name, const mi_yaml_doc *doc,
                           void *out, char *err, size_t err_sz) {
  const mi_yaml_node *root = mi_yaml_root(doc);
  char found[128];
  if (root->kind != MI_YAML_MAP)
    return mi_yaml_error(doc, root, err, err_sz,
                         "expected a map of node names (node: ros__parameters: ...), found %s",
                         mi_yaml_describe(root, found, sizeof found));
  const char *name = node_name ? node_name : t->node;
  char slashed[160];
  snprintf(slashed, sizeof slashed, "/%s", name);
  /* the every-node section comes first, so a node's own section wins */
  const char *sections[] = {"/**", name, slashed};
  for (size_t s = 0; s < MI_ARRAY_LEN(sections); s++) {
    const mi_yaml_node *sec = mi_yaml_get(root, sections[s]);
    if (!sec) continue;
    if (sec->kind != MI_YAML_MAP)
      return mi_yaml_error(doc, sec, err, err_sz,
                           "section '%s': expected a map with 'ros__parameters', found %s",
                           sections[s], mi_yaml_describe(sec, found, sizeof found));
    for (size_t i = 0; i < sec->n; i++) {
      const mi_yaml_node *k = sec->keys[i];
      if (k->kind != MI_YAML_SCALAR || strcmp(k->scalar, "ros__parameters") != 0)
        return mi_yaml_error(doc, k, err, err_sz,
                             "section '%s': expected 'ros__parameters', found %s", sections[s],
                             mi_yaml_describe(k, found, sizeof found));
    }
    const mi_yaml_node *rp = mi_yaml_get(sec, "ros__parameters");
    if (!rp || mi_yaml_is_null(rp)) continue;
    if (rp->kind != MI_YAML_MAP)
      return mi_yaml_error(doc, rp, err, err_sz,
                           "'%s: ros__parameters' must be a map of parameters, found %s",
                           sections[s], mi_yaml_describe(rp, found, sizeof found));
    mi_status st = apply_map(t, doc, rp, "", out, err, err_sz);
    if (st != MI_OK) return st;
  }
  return MI_OK;
}

mi_status mi_params_defaults(const mi_param_table *t, void *out, char *err, size_t err_sz) {
  for (size_t i = 0; i < t->n; i++) {
    const mi_param_def *d = &t->defs[i];
    char name[160];
    snprintf(name, sizeof name, "<default of %s.%s>", t->node, d->name);
    const char *text = d->def ? d->def : "";
    mi_yaml_doc *doc = mi_yaml_load_string(text, strlen(text), name, err, err_sz);
    if (!doc) return MI_ERR_INVALID;
    mi_status st = apply_node(doc, mi_yaml_root(doc), d, out, err, err_sz);
    mi_yaml_free(doc);
    if (st != MI_OK) return MI_ERR_INVALID;
  }
  return MI_OK;
}

mi_status mi_params_apply_string(const mi_param_table *t, const char *node_name,
                                 const char *text, const char *name, void *out, char *err,
                                 size_t err_sz) {
  mi_yaml_doc *doc = mi_yaml_load_string(text, strlen(text), name, err, err_sz);
  if (!doc) return MI_ERR_PARSE;
  mi_status st = apply_doc(t, node_name, doc, out, err, err_sz);
  mi_yaml_free(doc);
  return st;
}

mi_status mi_params_load_file(const mi_param_table *t, const char *node_name, const char *path,
                              void *out, char *err, size_t err_sz) {
  mi_status st = mi_params_defaults(t, out, err, err_sz);
  if (st != MI_OK) return st;
  FILE *f = fopen(path, "rb");
  if (!f) {
    mi_yaml_load_file(path, err, err_sz); /* fills err with the reason */
    return MI_ERR_IO;
  }
  fclose(f);
  mi_yaml_doc *doc = mi_yaml_load_file(path, err, err_sz);
  if (!doc) return MI_ERR_PARSE;
  st = apply_doc(t, node_name, doc, out, err, err_sz);
  mi_yaml_free(doc);
  return st;
}

mi_status mi_params_set(const mi_param_table *t, void *out, const char *name, const char *value,
                        char *err, size_t err_sz) {
  const mi_param_def *d = mi_params_find(t, name);
  if (!d) {
    const char *names[256];
    size_t n = t->n < 256 ? t->n : 256;
    for (size_t i = 0; i < n; i++) names[i] = t->defs[i].name;
    const char *best = mi_did_you_mean(name, names, n);
    if (err && err_sz)
      snprintf(err, err_sz, "-p %s: unknown parameter for node '%s'%s%s%s", name, t->node,
               best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
    return MI_ERR_NOT_FOUND;
  }
  char label[160];
  snprintf(label, sizeof label, "-p %s:=%s", name, value);
  mi_yaml_doc *doc = mi_yaml_load_string(value, strlen(value), label, err, err_sz);
  if (!doc) return MI_ERR_PARSE;
  mi_status st = apply_node(doc, mi_yaml_root(doc), d, out, err, err_sz);
  mi_yaml_free(doc);
  return st;
}

void mi_params_print_help(const mi_param_table *t, FILE *f) {
  fprintf(f, "parameters (params file: '%s: ros__parameters: {...}', or -p name:=value):\n",
          t->node);
  for (size_t i = 0; i < t->n; i++) {
    const mi_param_def *d = &t->defs[i];
    char rng[64];
    range_text(d, rng, sizeof rng);
    fprintf(f, "  %-28s %-8s default %s", d->name, k_type_names[d->type], d->def);
    if (d->type == MI_PARAM_ENUM) fprintf(f, "  one of %s", d->choices);
    if (rng[0]) fprintf(f, "  range %s", rng);
    if (d->unit) fprintf(f, "  [%s]", d->unit);
    fprintf(f, "\n      %s\n", d->doc ? d->doc : "");
  }
}

void mi_params_print_markdown(const mi_param_table *t, FILE *f) {
  fprintf(f, "| parameter | type | default | range | unit | description |\n");
  fprintf(f, "|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < t->n; i++) {
    const mi_param_def *d = &t->defs[i];
    char rng[64];
    range_text(d, rng, sizeof rng);
    /* a choice list "a|b" would split the Markdown row: write it "a, b" */
    char choices[256] = "";
    if (d->type == MI_PARAM_ENUM) {
      size_t j = 0;
      for (const char *c = d->choices; *c && j + 3 < sizeof choices; c++) {
        if (*c == '|') {
          choices[j++] = ',';
          choices[j++] = ' ';
        } else {
          choices[j++] = *c;
        }
      }
      choices[j] = '\0';
    }
    fprintf(f, "| `%s` | %s | `%s` | %s | %s | %s |\n", d->name, k_type_names[d->type], d->def,
            d->type == MI_PARAM_ENUM ? choices : rng, d->unit ? d->unit : "",
            d->doc ? d->doc : "");
  }
}

void mi_params_dump_yaml(const mi_param_table *t, const void *p, FILE *f) {
  fprintf(f, "%s:\n  ros__parameters:\n", t->node);
  for (size_t i = 0; i < t->n; i++) {
    const mi_param_def *d = &t->defs[i];
    const void *v = (const char *)p + d->offset;
    fprintf(f, "    %s: ", d->name);
    switch (d->type) {
      case MI_PARAM_BOOL:
        fprintf(f, "%s\n", *(const bool *)v ? "true" : "false");
        break;
      case MI_PARAM_INT:
        fprintf(f, "%lld\n", (long long)*(const int64_t *)v);
        break;
      case MI_PARAM_DOUBLE:
        fprintf(f, "%.17g\n", *(const double *)v);
        break;
      case MI_PARAM_STRING:
        fprintf(f, "\"%s\"\n", (const char *)v);
        break;
      case MI_PARAM_ENUM: {
        char buf[64];
        fprintf(f, "%s\n", mi_params_enum_name(d, *(const int *)v, buf, sizeof buf));
        break;
      }
      case MI_PARAM_DOUBLES: {
        const mi_param_doubles *a = v;
        fprintf(f, "[");
        for (int j = 0; j < a->n; j++) fprintf(f, "%s%.17g", j ? ", " : "", a->v[j]);
        fprintf(f, "]\n");
        break;
      }
      case MI_PARAM_STRINGS: {
        const mi_param_strings *a = v;
        fprintf(f, "[");
        for (int j = 0; j < a->n; j++) fprintf(f, "%s\"%s\"", j ? ", " : "", a->v[j]);
        fprintf(f, "]\n");
        break;
      }
    }
  }
}
