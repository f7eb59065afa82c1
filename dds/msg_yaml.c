/* dds/msg_yaml.c - any message as YAML (`mirai topic echo`, as `ros2 topic
 * echo` prints it) and from YAML (`mirai topic pub`), driven by the field
 * tables of msg.c. */
#define _GNU_SOURCE /* strdup */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/yaml.h"
#include "dds/msg_priv.h"
#include "dds/msgs.h"

/* --- printing ---------------------------------------------------------------- */

static void pad(FILE *f, int n) {
  for (int i = 0; i < n; i++) fputc(' ', f);
}

/* the shortest text that reads back as the same double; always with a '.'
 * or an exponent, so YAML reads it as a float */
static void print_double(FILE *f, double x) {
  if (isnan(x)) {
    fputs(".nan", f);
    return;
  }
  if (isinf(x)) {
    fputs(x > 0 ? ".inf" : "-.inf", f);
    return;
  }
  char buf[40];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, x);
    if (strtod(buf, NULL) == x) break;
  }
  if (!strpbrk(buf, ".eEn")) strcat(buf, ".0");
  fputs(buf, f);
}

static bool needs_quotes(const char *s) {
  if (!*s) return true;
  if (isspace((unsigned char)s[0]) || isspace((unsigned char)s[strlen(s) - 1])) return true;
  if (strpbrk(s, ":#{}[],&*!|>'\"%@`\n\t")) return true;
  if (strchr("-?", s[0])) return true;
  static const char *const words[] = {"true", "false", "yes", "no", "on", "off", "null", "~",
                                      "True", "False", "Yes", "No", "On", "Off", "Null",
                                      "TRUE", "FALSE", "NULL"};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (strcmp(s, words[i]) == 0) return true;
  char *end;
  (void)strtod(s, &end);
  if (*end == 0) return true; /* reads as a number */
  return false;
}

static void print_string(FILE *f, const char *s) {
  if (!s) s = "";
  if (!needs_quotes(s)) {
    fputs(s, f);
    return;
  }
  fputc('\'', f);
  for (const char *c = s; *c; c++) {
    if (*c == '\'') fputc('\'', f);
    if (*c == '\n') {
      fputs("\\n", f); /* keeps one sample on its lines */
      continue;
    }
    fputc(*c, f);
  }
  fputc('\'', f);
}

static void print_scalar(FILE *f, mi_msg_kind k, const void *p) {
  switch (k) {
    case MI_MSGK_BOOL: fputs(*(const bool *)p ? "true" : "false", f); break;
    case MI_MSGK_U8: fprintf(f, "%u", (unsigned)*(const uint8_t *)p); break;
    case MI_MSGK_I32: fprintf(f, "%" PRId32, *(const int32_t *)p); break;
    case MI_MSGK_U32: fprintf(f, "%" PRIu32, *(const uint32_t *)p); break;
    case MI_MSGK_U64: fprintf(f, "%" PRIu64, *(const uint64_t *)p); break;
    case MI_MSGK_F64: print_double(f, *(const double *)p); break;
    case MI_MSGK_STRING: {
      const char *s;
      memcpy(&s, p, sizeof s);
      print_string(f, s);
      break;
    }
    case MI_MSGK_STRUCT: break;
  }
}

/* first: what to print instead of the indentation of the first line ("- ") */
static void print_struct(mi_msg_type t, const void *msg, FILE *f, int indent, const char *first) {
  const mi_msg_info *m = mi_msg_info_of(t);
  for (size_t i = 0; i < m->n_fields; i++) {
    const mi_msg_field *fd = &m->fields[i];
    const unsigned char *p = (const unsigned char *)msg + fd->offset;
    if (i == 0 && first) {
      pad(f, indent - (int)strlen(first));
      fputs(first, f);
    } else {
      pad(f, indent);
    }
    fprintf(f, "%s:", fd->name);
    if (fd->seq) {
      const mi_seq_ *s = (const mi_seq_ *)p;
      if (s->_length == 0) {
        fputs(" []\n", f);
        continue;
      }
      fputc('\n', f);
      size_t isz = mi_msg__kind_size(fd->kind, fd->sub);
      for (uint32_t k = 0; k < s->_length; k++) {
        const unsigned char *item = (const unsigned char *)s->_buffer + k * isz;
        if (fd->kind == MI_MSGK_STRUCT) {
          print_struct(fd->sub, item, f, indent + 2, "- ");
        } else {
          pad(f, indent);
          fputs("- ", f);
          print_scalar(f, fd->kind, item);
          fputc('\n', f);
        }
      }
    } else if (fd->kind == MI_MSGK_STRUCT) {
      fputc('\n', f);
      print_struct(fd->sub, p, f, indent + 2, NULL);
    } else {
      fputc(' ', f);
      print_scalar(f, fd->kind, p);
      fputc('\n', f);
    }
  }
}

void mi_msg_print_yaml(mi_msg_type t, const void *msg, FILE *f, int indent) {
  if (!mi_msg_info_of(t) || !msg || !f) return;
  print_struct(t, msg, f, indent < 0 ? 0 : indent, NULL);
}

/* --- parsing ------------------------------------------------------------------- */

static mi_status parse_struct(const mi_yaml_doc *doc, const mi_yaml_node *node, mi_msg_type t,
                              void *out, char *err, size_t err_sz);

static mi_status parse_scalar(const mi_yaml_doc *doc, const mi_yaml_node *n, mi_msg_kind k,
                              const char *name, void *p, char *err, size_t err_sz) {
  char d[96];
  if (n->kind != MI_YAML_SCALAR)
    return mi_yaml_error(doc, n, err, err_sz, "%s: expected a %s, found %s", name,
                         k == MI_MSGK_STRING ? "string" : k == MI_MSGK_BOOL ? "boolean" : "number",
                         mi_yaml_describe(n, d, sizeof d));
  switch (k) {
    case MI_MSGK_BOOL: {
      bool b;
      if (mi_yaml_bool(n, &b))
        return mi_yaml_error(doc, n, err, err_sz, "%s: expected true or false, found %s", name,
                             mi_yaml_describe(n, d, sizeof d));
      *(bool *)p = b;
      return MI_OK;
    }
    case MI_MSGK_F64: {
      double x;
      if (mi_yaml_double(n, &x))
        return mi_yaml_error(doc, n, err, err_sz, "%s: expected a number, found %s", name,
                             mi_yaml_describe(n, d, sizeof d));
      *(double *)p = x;
      return MI_OK;
    }
    case MI_MSGK_STRING: {
      char *s = strdup(n->scalar);
      if (!s) return MI_ERR_NOMEM;
      char *old;
      memcpy(&old, p, sizeof old);
      free(old);
      memcpy(p, &s, sizeof s);
      return MI_OK;
    }
    case MI_MSGK_U8:
    case MI_MSGK_I32:
    case MI_MSGK_U32:
    case MI_MSGK_U64: {
      int64_t v;
      /* uint64 beyond INT64_MAX: read it unsigned */
      if (k == MI_MSGK_U64 && n->scalar[0] != '-') {
        char *end;
        errno = 0;
        unsigned long long u = strtoull(n->scalar, &end, 0);
        if (end == n->scalar || *end || errno)
          return mi_yaml_error(doc, n, err, err_sz, "%s: expected an unsigned integer, found %s",
                               name, mi_yaml_describe(n, d, sizeof d));
        *(uint64_t *)p = (uint64_t)u;
        return MI_OK;
      }
      if (mi_yaml_int(n, &v))
        return mi_yaml_error(doc, n, err, err_sz, "%s: expected an integer, found %s", name,
                             mi_yaml_describe(n, d, sizeof d));
      int64_t lo = k == MI_MSGK_I32 ? INT32_MIN : 0;
      int64_t hi = k == MI_MSGK_U8 ? UINT8_MAX : k == MI_MSGK_I32 ? INT32_MAX
                   : k == MI_MSGK_U32                               ? (int64_t)UINT32_MAX
                                                                    : INT64_MAX;
      if (v < lo || v > hi)
        return mi_yaml_error(doc, n, err, err_sz, "%s: %lld is outside %lld..%lld", name,
                             (long long)v, (long long)lo, (long long)hi);
      if (k == MI_MSGK_U8) *(uint8_t *)p = (uint8_t)v;
      else if (k == MI_MSGK_I32) *(int32_t *)p = (int32_t)v;
      else if (k == MI_MSGK_U32) *(uint32_t *)p = (uint32_t)v;
      else *(uint64_t *)p = (uint64_t)v;
      return MI_OK;
    }
    case MI_MSGK_STRUCT: break;
  }
  return MI_ERR_INVALID;
}

static mi_status parse_seq(const mi_yaml_doc *doc, const mi_yaml_node *n, const mi_msg_field *fd,
                           mi_seq_ *s, char *err, size_t err_sz) {
  char d[96];
  if (s->_buffer)
    return mi_yaml_error(doc, n, err, err_sz, "%s is given twice", fd->name);
  if (mi_yaml_is_null(n)) return MI_OK;
  if (n->kind != MI_YAML_SEQ)
    return mi_yaml_error(doc, n, err, err_sz, "%s: expected a sequence, found %s", fd->name,
                         mi_yaml_describe(n, d, sizeof d));
  if (n->n > MI_MSG_SEQ_MAX)
    return mi_yaml_error(doc, n, err, err_sz, "%s: %zu items, more than %d", fd->name, n->n,
                         MI_MSG_SEQ_MAX);
  if (n->n == 0) return MI_OK;
  size_t isz = mi_msg__kind_size(fd->kind, fd->sub);
  unsigned char *buf = calloc(n->n, isz);
  if (!buf) return MI_ERR_NOMEM;
  s->_buffer = buf;
  s->_maximum = (uint32_t)n->n;
  s->_release = true;
  for (size_t k = 0; k < n->n; k++) {
    unsigned char *item = buf + k * isz;
    s->_length = (uint32_t)(k + 1); /* so a failure frees what was made */
    mi_status st;
    if (fd->kind == MI_MSGK_STRUCT) {
      st = mi_msg__init_owned(fd->sub, item);
      if (!st) st = parse_struct(doc, n->items[k], fd->sub, item, err, err_sz);
    } else {
      st = parse_scalar(doc, n->items[k], fd->kind, fd->name, item, err, err_sz);
    }
    if (st) return st;
  }
  return MI_OK;
}

static mi_status parse_struct(const mi_yaml_doc *doc, const mi_yaml_node *node, mi_msg_type t,
                              void *out, char *err, size_t err_sz) {
  const mi_msg_info *m = mi_msg_info_of(t);
  char d[96];
  if (mi_yaml_is_null(node)) return MI_OK;
  if (node->kind != MI_YAML_MAP)
    return mi_yaml_error(doc, node, err, err_sz, "%s: expected a map of fields, found %s",
                         m->ros_name, mi_yaml_describe(node, d, sizeof d));
  for (size_t i = 0; i < node->n; i++) {
    const mi_yaml_node *key = node->keys[i], *val = node->items[i];
    const char *kname = key->kind == MI_YAML_SCALAR ? key->scalar : "";
    const mi_msg_field *fd = NULL;
    for (size_t j = 0; j < m->n_fields; j++)
      if (strcmp(m->fields[j].name, kname) == 0) fd = &m->fields[j];
    if (!fd) {
      const char *names[32];
      size_t nn = m->n_fields < 32 ? m->n_fields : 32;
      for (size_t j = 0; j < nn; j++) names[j] = m->fields[j].name;
      const char *sug = mi_did_you_mean(kname, names, nn);
      if (sug)
        return mi_yaml_error(doc, key, err, err_sz, "%s has no field '%s' (did you mean '%s'?)",
                             m->ros_name, kname, sug);
      return mi_yaml_error(doc, key, err, err_sz, "%s has no field '%s'", m->ros_name, kname);
    }
    unsigned char *p = (unsigned char *)out + fd->offset;
    mi_status st;
    if (fd->seq) st = parse_seq(doc, val, fd, (mi_seq_ *)p, err, err_sz);
    else if (fd->kind == MI_MSGK_STRUCT) st = parse_struct(doc, val, fd->sub, p, err, err_sz);
    else st = parse_scalar(doc, val, fd->kind, fd->name, p, err, err_sz);
    if (st) return st;
  }
  return MI_OK;
}

mi_status mi_msg_from_yaml(mi_msg_type t, const char *yaml, void *out, char *err, size_t err_sz) {
  char dummy[1];
  if (!err || !err_sz) {
    err = dummy;
    err_sz = sizeof dummy;
  }
  err[0] = 0;
  if (!mi_msg_info_of(t) || !yaml || !out) return MI_ERR_INVALID;
  mi_status st = mi_msg__init_owned(t, out);
  if (st) {
    mi_msg_fini(t, out);
    return st;
  }
  mi_yaml_doc *doc = mi_yaml_load_string(yaml, strlen(yaml), "message", err, err_sz);
  if (!doc) {
    mi_msg_fini(t, out);
    return MI_ERR_PARSE;
  }
  st = parse_struct(doc, mi_yaml_root(doc), t, out, err, err_sz);
  mi_yaml_free(doc);
  if (st) mi_msg_fini(t, out);
  return st;
}
