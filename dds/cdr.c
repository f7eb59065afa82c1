/* dds/cdr.c - XCDR1 decode and encode over the message field tables. */
#define _GNU_SOURCE
#include "dds/cdr.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dds/msg_priv.h"

/* --- decoding ---------------------------------------------------------- */

typedef struct rd {
  const uint8_t *body; /* after the encapsulation header: offsets count from here */
  size_t len, pos;
  bool swap;           /* big-endian data */
  char *err;
  size_t err_sz;
  const char *field;   /* for messages */
} rd;

static mi_status rd_fail(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static mi_status rd_fail(rd *r, const char *fmt, ...) {
  if (r->err && r->err_sz) {
    int k = snprintf(r->err, r->err_sz, "cdr: field '%s' at byte %zu: ", r->field ? r->field : "?",
                     r->pos + 4);
    if (k > 0 && (size_t)k < r->err_sz) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(r->err + k, r->err_sz - (size_t)k, fmt, ap);
      va_end(ap);
    }
  }
  return MI_ERR_PARSE;
}

/* read n bytes (1, 4 or 8) aligned to n, in host order */
static mi_status rd_prim(rd *r, void *out, size_t n) {
  size_t a = (r->pos + (n - 1)) & ~(n - 1);
  if (a > r->len || r->len - a < n) return rd_fail(r, "data ends early");
  uint8_t tmp[8];
  memcpy(tmp, r->body + a, n);
  if (r->swap)
    for (size_t i = 0; i < n / 2; i++) {
      uint8_t t = tmp[i];
      tmp[i] = tmp[n - 1 - i];
      tmp[n - 1 - i] = t;
    }
  memcpy(out, tmp, n);
  r->pos = a + n;
  return MI_OK;
}

static mi_status rd_string(rd *r, char **out) {
  uint32_t n;
  mi_status st = rd_prim(r, &n, 4);
  if (st) return st;
  /* the length counts the terminating NUL */
  if (n == 0) return rd_fail(r, "string length 0 (must count its NUL)");
  if (n - 1 > MI_MSG_STRING_MAX) return rd_fail(r, "string of %u bytes (at most %d)", n - 1, MI_MSG_STRING_MAX);
  if (r->len - r->pos < n) return rd_fail(r, "string runs past the end");
  const char *s = (const char *)r->body + r->pos;
  if (s[n - 1] != '\0' || memchr(s, '\0', n - 1)) return rd_fail(r, "string not NUL-terminated once");
  char *c = malloc(n);
  if (!c) return MI_ERR_NOMEM;
  memcpy(c, s, n);
  free(*out);
  *out = c;
  r->pos += n;
  return MI_OK;
}

static mi_status rd_struct(rd *r, mi_msg_type t, void *msg);

static mi_status rd_item(rd *r, mi_msg_kind k, mi_msg_type sub, void *p) {
  switch (k) {
    case MI_MSGK_BOOL: {
      uint8_t b;
      mi_status st = rd_prim(r, &b, 1);
      if (st) return st;
      if (b > 1) return rd_fail(r, "boolean byte %u", b);
      *(bool *)p = b != 0;
      return MI_OK;
    }
    case MI_MSGK_U8:
      return rd_prim(r, p, 1);
    case MI_MSGK_I32:
    case MI_MSGK_U32:
      return rd_prim(r, p, 4);
    case MI_MSGK_U64:
    case MI_MSGK_F64:
      return rd_prim(r, p, 8);
    case MI_MSGK_STRING:
      return rd_string(r, (char **)p);
    case MI_MSGK_STRUCT:
      return rd_struct(r, sub, p);
  }
  return MI_ERR_INVALID;
}

static mi_status rd_struct(rd *r, mi_msg_type t, void *msg) {
  const mi_msg_info *m = mi_msg_info_of(t);
  for (size_t i = 0; i < m->n_fields; i++) {
    const mi_msg_field *f = &m->fields[i];
    unsigned char *p = (unsigned char *)msg + f->offset;
    const char *outer = r->field;
    r->field = f->name;
    mi_status st;
    if (!f->seq) {
      st = rd_item(r, f->kind, f->sub, p);
    } else {
      uint32_t n;
      st = rd_prim(r, &n, 4);
      if (st == MI_OK && n > MI_MSG_SEQ_MAX)
        st = rd_fail(r, "sequence of %u items (at most %d)", n, MI_MSG_SEQ_MAX);
      if (st == MI_OK && n > 0) {
        size_t isz = mi_msg__kind_size(f->kind, f->sub);
        unsigned char *buf = calloc(n, isz);
        if (!buf) return MI_ERR_NOMEM;
        mi_seq_ *s = (mi_seq_ *)p;
        /* hand the buffer to the sample at once, so a failure frees it */
        if (s->_release) free(s->_buffer);
        s->_buffer = buf;
        s->_maximum = s->_length = n;
        s->_release = true;
        for (uint32_t k = 0; k < n && st == MI_OK; k++) {
          if (f->kind == MI_MSGK_STRUCT) mi_msg_init(f->sub, buf + k * isz);
          st = rd_item(r, f->kind, f->sub, buf + k * isz);
        }
      }
    }
    if (st) return st;
    r->field = outer;
  }
  return MI_OK;
}

mi_status mi_msg_from_cdr(mi_msg_type t, const void *data, size_t len, void *out, char *err,
                          size_t err_sz) {
  if (!mi_msg_info_of(t) || !out || (!data && len)) return MI_ERR_INVALID;
  mi_status st = mi_msg__init_owned(t, out);
  if (st) {
    mi_msg_fini(t, out);
    return st;
  }
  const uint8_t *b = data;
  if (len < 4 || b[0] != 0x00 || (b[1] != 0x00 && b[1] != 0x01)) {
    if (err && err_sz)
      snprintf(err, err_sz, "cdr: not a plain CDR encapsulation (header %02x %02x)",
               len > 0 ? b[0] : 0, len > 1 ? b[1] : 0);
    mi_msg_fini(t, out);
    return MI_ERR_PARSE;
  }
  bool little = b[1] == 0x01;
  uint16_t probe = 1;
  bool host_little = *(uint8_t *)&probe == 1;
  rd r = {b + 4, len - 4, 0, little != host_little, err, err_sz, NULL};
  st = rd_struct(&r, t, out);
  if (st) mi_msg_fini(t, out);
  return st;
}

/* --- encoding ---------------------------------------------------------- */

typedef struct wr {
  uint8_t *body; /* NULL while only measuring */
  size_t cap, pos;
} wr;

static void wr_prim(wr *w, const void *p, size_t n) {
  size_t a = (w->pos + (n - 1)) & ~(n - 1);
  if (w->body && a + n <= w->cap) {
    memset(w->body + w->pos, 0, a - w->pos);
    memcpy(w->body + a, p, n); /* host order, as the header says */
  }
  w->pos = a + n;
}

static void wr_struct(wr *w, mi_msg_type t, const void *msg);

static void wr_item(wr *w, mi_msg_kind k, mi_msg_type sub, const void *p) {
  switch (k) {
    case MI_MSGK_BOOL: {
      uint8_t b = *(const bool *)p ? 1 : 0;
      wr_prim(w, &b, 1);
      break;
    }
    case MI_MSGK_U8:
      wr_prim(w, p, 1);
      break;
    case MI_MSGK_I32:
    case MI_MSGK_U32:
      wr_prim(w, p, 4);
      break;
    case MI_MSGK_U64:
    case MI_MSGK_F64:
      wr_prim(w, p, 8);
      break;
    case MI_MSGK_STRING: {
      const char *s = *(char *const *)p;
      if (!s) s = "";
      uint32_t n = (uint32_t)strlen(s) + 1;
      wr_prim(w, &n, 4);
      if (w->body && w->pos + n <= w->cap) memcpy(w->body + w->pos, s, n);
      w->pos += n;
      break;
    }
    case MI_MSGK_STRUCT:
      wr_struct(w, sub, p);
      break;
  }
}

static void wr_struct(wr *w, mi_msg_type t, const void *msg) {
  const mi_msg_info *m = mi_msg_info_of(t);
  for (size_t i = 0; i < m->n_fields; i++) {
    const mi_msg_field *f = &m->fields[i];
    const unsigned char *p = (const unsigned char *)msg + f->offset;
    if (!f->seq) {
      wr_item(w, f->kind, f->sub, p);
      continue;
    }
    const mi_seq_ *s = (const mi_seq_ *)p;
    uint32_t n = s->_length;
    wr_prim(w, &n, 4);
    size_t isz = mi_msg__kind_size(f->kind, f->sub);
    for (uint32_t k = 0; k < n; k++)
      wr_item(w, f->kind, f->sub, (const unsigned char *)s->_buffer + k * isz);
  }
}

mi_status mi_msg_to_cdr(mi_msg_type t, const void *msg, void *buf, size_t cap, size_t *len) {
  if (!mi_msg_info_of(t) || !msg || !len) return MI_ERR_INVALID;
  wr measure = {NULL, 0, 0};
  wr_struct(&measure, t, msg);
  *len = measure.pos + 4;
  if (!buf || cap < *len) return MI_ERR_FULL;
  uint8_t *b = buf;
  uint16_t probe = 1;
  b[0] = 0x00;
  b[1] = *(uint8_t *)&probe == 1 ? 0x01 : 0x00; /* CDR_LE or CDR_BE: the host's order */
  b[2] = 0x00;
  b[3] = 0x00;
  wr w = {b + 4, cap - 4, 0};
  wr_struct(&w, t, msg);
  return MI_OK;
}
