/* dds/mcap.c - MCAP writer and reader (format only; no DDS here). */
#define _GNU_SOURCE
#include "dds/mcap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t k_magic[8] = {0x89, 'M', 'C', 'A', 'P', 0x30, '\r', '\n'};

enum {
  OP_HEADER = 0x01,
  OP_FOOTER = 0x02,
  OP_SCHEMA = 0x03,
  OP_CHANNEL = 0x04,
  OP_MESSAGE = 0x05,
  OP_CHUNK = 0x06,
  OP_STATISTICS = 0x0B,
  OP_SUMMARY_OFFSET = 0x0E,
  OP_DATA_END = 0x0F
};

/* --- a growable little-endian byte buffer ------------------------------- */

typedef struct buf {
  uint8_t *p;
  size_t n, cap;
  bool oom;
} buf;

static void buf_put(buf *b, const void *src, size_t n) {
  if (b->oom || n == 0) return;
  if (b->n + n > b->cap) {
    size_t nc = b->cap ? b->cap * 2 : 256;
    while (nc < b->n + n) nc *= 2;
    uint8_t *np = realloc(b->p, nc);
    if (!np) {
      b->oom = true;
      return;
    }
    b->p = np;
    b->cap = nc;
  }
  memcpy(b->p + b->n, src, n);
  b->n += n;
}

static void put_u8(buf *b, uint8_t v) { buf_put(b, &v, 1); }
static void put_u16(buf *b, uint16_t v) {
  uint8_t s[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  buf_put(b, s, 2);
}
static void put_u32(buf *b, uint32_t v) {
  uint8_t s[4];
  for (int i = 0; i < 4; i++) s[i] = (uint8_t)(v >> (8 * i));
  buf_put(b, s, 4);
}
static void put_u64(buf *b, uint64_t v) {
  uint8_t s[8];
  for (int i = 0; i < 8; i++) s[i] = (uint8_t)(v >> (8 * i));
  buf_put(b, s, 8);
}
static void put_str(buf *b, const char *s) {
  size_t n = strlen(s);
  put_u32(b, (uint32_t)n);
  buf_put(b, s, n);
}

/* --- writer ---------------------------------------------------------------- */

typedef struct wchannel {
  uint16_t id, schema_id;
  char *topic, *encoding;
  buf metadata; /* the encoded Map<string,string> content */
  uint64_t count;
} wchannel;

typedef struct wschema {
  uint16_t id;
  char *name, *encoding;
  uint8_t *data;
  size_t len;
} wschema;

struct mi_mcap_writer {
  FILE *f;
  uint64_t pos; /* bytes written */
  mi_status io;
  wschema *schemas;
  size_t n_schemas;
  wchannel channels[MI_MCAP_MAX_CHANNELS];
  size_t n_channels;
  uint64_t messages, t_first, t_last;
  buf rec; /* scratch for one record's content */
};

static void w_raw(mi_mcap_writer *w, const void *p, size_t n) {
  if (w->io != MI_OK) return;
  if (fwrite(p, 1, n, w->f) != n) w->io = MI_ERR_IO;
  w->pos += n;
}

static void w_record(mi_mcap_writer *w, uint8_t op, const buf *content) {
  if (content->oom) {
    w->io = MI_ERR_NOMEM;
    return;
  }
  uint8_t hdr[9];
  hdr[0] = op;
  for (int i = 0; i < 8; i++) hdr[1 + i] = (uint8_t)((uint64_t)content->n >> (8 * i));
  w_raw(w, hdr, sizeof hdr);
  w_raw(w, content->p, content->n);
}

mi_status mi_mcap_writer_open(const char *path, const char *library, mi_mcap_writer **out,
                              char *err, size_t err_sz) {
  mi_mcap_writer *w = calloc(1, sizeof *w);
  if (!w) return MI_ERR_NOMEM;
  w->f = fopen(path, "wb");
  if (!w->f) {
    if (err && err_sz) snprintf(err, err_sz, "%s: cannot create: %s", path, strerror(errno));
    free(w);
    return MI_ERR_IO;
  }
  w_raw(w, k_magic, sizeof k_magic);
  w->rec.n = 0;
  put_str(&w->rec, "ros2");
  put_str(&w->rec, library ? library : "mirai");
  w_record(w, OP_HEADER, &w->rec);
  *out = w;
  return w->io;
}

static void encode_schema(buf *b, const wschema *s) {
  b->n = 0;
  put_u16(b, s->id);
  put_str(b, s->name);
  put_str(b, s->encoding);
  put_u32(b, (uint32_t)s->len);
  buf_put(b, s->data, s->len);
}

static void encode_channel(buf *b, const wchannel *c) {
  b->n = 0;
  put_u16(b, c->id);
  put_u16(b, c->schema_id);
  put_str(b, c->topic);
  put_str(b, c->encoding);
  put_u32(b, (uint32_t)c->metadata.n);
  buf_put(b, c->metadata.p, c->metadata.n);
}

mi_status mi_mcap_add_schema(mi_mcap_writer *w, const char *name, const char *encoding,
                             const void *data, size_t len, uint16_t *id) {
  if (w->n_schemas >= 65535) return MI_ERR_FULL;
  wschema *ns = realloc(w->schemas, (w->n_schemas + 1) * sizeof *ns);
  if (!ns) return MI_ERR_NOMEM;
  w->schemas = ns;
  wschema *s = &ns[w->n_schemas];
  s->id = (uint16_t)(w->n_schemas + 1);
  s->name = strdup(name);
  s->encoding = strdup(encoding);
  s->data = malloc(len ? len : 1);
  if (!s->name || !s->encoding || !s->data) {
    free(s->name);
    free(s->encoding);
    free(s->data);
    return MI_ERR_NOMEM;
  }
  memcpy(s->data, data, len);
  s->len = len;
  w->n_schemas++;
  encode_schema(&w->rec, s);
  w_record(w, OP_SCHEMA, &w->rec);
  *id = s->id;
  return w->io;
}

mi_status mi_mcap_add_channel(mi_mcap_writer *w, uint16_t schema_id, const char *topic,
                              const char *message_encoding, const char *const *keys,
                              const char *const *values, size_t n, uint16_t *id) {
  if (w->n_channels >= MI_MCAP_MAX_CHANNELS) return MI_ERR_FULL;
  wchannel *c = &w->channels[w->n_channels];
  memset(c, 0, sizeof *c);
  c->id = (uint16_t)w->n_channels;
  c->schema_id = schema_id;
  c->topic = strdup(topic);
  c->encoding = strdup(message_encoding);
  for (size_t i = 0; i < n; i++) {
    put_str(&c->metadata, keys[i]);
    put_str(&c->metadata, values[i]);
  }
  if (!c->topic || !c->encoding || c->metadata.oom) {
    free(c->topic);
    free(c->encoding);
    free(c->metadata.p);
    return MI_ERR_NOMEM;
  }
  w->n_channels++;
  encode_channel(&w->rec, c);
  w_record(w, OP_CHANNEL, &w->rec);
  *id = c->id;
  return w->io;
}

mi_status mi_mcap_write_message(mi_mcap_writer *w, uint16_t channel_id, uint32_t sequence,
                                uint64_t log_time_ns, uint64_t publish_time_ns, const void *data,
                                size_t len) {
  if (channel_id >= w->n_channels) return MI_ERR_NOT_FOUND;
  uint8_t hdr[9 + 2 + 4 + 8 + 8];
  size_t content = 2 + 4 + 8 + 8 + len;
  buf b = {hdr, 0, sizeof hdr, false};
  put_u8(&b, OP_MESSAGE);
  put_u64(&b, content);
  put_u16(&b, channel_id);
  put_u32(&b, sequence);
  put_u64(&b, log_time_ns);
  put_u64(&b, publish_time_ns);
  /* header and payload straight to the file: no copy of the payload */
  w_raw(w, hdr, b.n);
  w_raw(w, data, len);
  if (w->io != MI_OK) return w->io;
  w->channels[channel_id].count++;
  if (w->messages == 0 || log_time_ns < w->t_first) w->t_first = log_time_ns;
  if (log_time_ns > w->t_last) w->t_last = log_time_ns;
  w->messages++;
  return MI_OK;
}

uint64_t mi_mcap_writer_count(const mi_mcap_writer *w, uint16_t channel_id) {
  return channel_id < w->n_channels ? w->channels[channel_id].count : 0;
}

mi_status mi_mcap_writer_close(mi_mcap_writer *w) {
  if (!w) return MI_OK;
  buf *b = &w->rec;
  b->n = 0;
  put_u32(b, 0); /* data section CRC not computed */
  w_record(w, OP_DATA_END, b);

  /* summary: schema group, channel group, statistics */
  uint64_t summary_start = w->pos;
  uint64_t g_schema = w->pos;
  for (size_t i = 0; i < w->n_schemas; i++) {
    encode_schema(b, &w->schemas[i]);
    w_record(w, OP_SCHEMA, b);
  }
  uint64_t g_channel = w->pos;
  for (size_t i = 0; i < w->n_channels; i++) {
    encode_channel(b, &w->channels[i]);
    w_record(w, OP_CHANNEL, b);
  }
  uint64_t g_stats = w->pos;
  b->n = 0;
  put_u64(b, w->messages);
  put_u16(b, (uint16_t)w->n_schemas);
  put_u32(b, (uint32_t)w->n_channels);
  put_u32(b, 0); /* attachments */
  put_u32(b, 0); /* metadata */
  put_u32(b, 0); /* chunks */
  put_u64(b, w->messages ? w->t_first : 0);
  put_u64(b, w->messages ? w->t_last : 0);
  put_u32(b, (uint32_t)(w->n_channels * (2 + 8)));
  for (size_t i = 0; i < w->n_channels; i++) {
    put_u16(b, w->channels[i].id);
    put_u64(b, w->channels[i].count);
  }
  w_record(w, OP_STATISTICS, b);
  uint64_t g_end = w->pos;

  /* summary offsets: one per group */
  uint64_t offset_start = w->pos;
  const struct {
    uint8_t op;
    uint64_t start, end;
  } groups[] = {{OP_SCHEMA, g_schema, g_channel},
                {OP_CHANNEL, g_channel, g_stats},
                {OP_STATISTICS, g_stats, g_end}};
  for (size_t i = 0; i < 3; i++) {
    if (groups[i].end == groups[i].start) continue;
    b->n = 0;
    put_u8(b, groups[i].op);
    put_u64(b, groups[i].start);
    put_u64(b, groups[i].end - groups[i].start);
    w_record(w, OP_SUMMARY_OFFSET, b);
  }
  b->n = 0;
  put_u64(b, summary_start);
  put_u64(b, offset_start);
  put_u32(b, 0); /* summary CRC not computed */
  w_record(w, OP_FOOTER, b);
  w_raw(w, k_magic, sizeof k_magic);

  mi_status st = w->io;
  if (fclose(w->f) != 0 && st == MI_OK) st = MI_ERR_IO;
  for (size_t i = 0; i < w->n_schemas; i++) {
    free(w->schemas[i].name);
    free(w->schemas[i].encoding);
    free(w->schemas[i].data);
  }
  free(w->schemas);
  for (size_t i = 0; i < w->n_channels; i++) {
    free(w->channels[i].topic);
    free(w->channels[i].encoding);
    free(w->channels[i].metadata.p);
  }
  free(w->rec.p);
  free(w);
  return st;
}

/* --- reader ---------------------------------------------------------------- */

/* a bounds-checked cursor over bytes */
typedef struct cur {
  const uint8_t *p, *end;
  bool bad;
} cur;

static uint64_t get_le(cur *c, int n) {
  if (c->bad || (size_t)(c->end - c->p) < (size_t)n) {
    c->bad = true;
    return 0;
  }
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v |= (uint64_t)c->p[i] << (8 * i);
  c->p += n;
  return v;
}

static const uint8_t *get_bytes(cur *c, uint64_t n) {
  if (c->bad || (uint64_t)(c->end - c->p) < n) {
    c->bad = true;
    return NULL;
  }
  const uint8_t *s = c->p;
  c->p += n;
  return s;
}

/* a length-prefixed string into dst (truncated to fit, NUL-terminated) */
static void get_str(cur *c, char *dst, size_t dst_sz) {
  uint64_t n = get_le(c, 4);
  const uint8_t *s = get_bytes(c, n);
  if (!s) {
    dst[0] = '\0';
    return;
  }
  size_t k = n < dst_sz - 1 ? (size_t)n : dst_sz - 1;
  memcpy(dst, s, k);
  dst[k] = '\0';
}

struct mi_mcap_reader {
  uint8_t *data;
  size_t len;
  size_t pos;          /* next record in the data section */
  cur chunk;           /* records of the chunk being read, when in_chunk */
  bool in_chunk, done;
  char profile[64];
  mi_mcap_schema *schemas;
  size_t n_schemas, cap_schemas;
  mi_mcap_channel channels[MI_MCAP_MAX_CHANNELS];
  bool have_channel[MI_MCAP_MAX_CHANNELS];
  bool have_stats;
  uint64_t stat_messages;
  uint32_t stat_channels;
};

static mi_status rerr(char *err, size_t err_sz, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static mi_status rerr(char *err, size_t err_sz, size_t off, const char *fmt, ...) {
  if (err && err_sz) {
    int k = snprintf(err, err_sz, "mcap: at byte %zu: ", off);
    if (k > 0 && (size_t)k < err_sz) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(err + k, err_sz - (size_t)k, fmt, ap);
      va_end(ap);
    }
  }
  return MI_ERR_PARSE;
}

static void read_summary_stats(mi_mcap_reader *r) {
  /* footer: opcode(1) length(8) summary_start(8) offset_start(8) crc(4), then magic */
  const size_t footer_len = 1 + 8 + 20;
  if (r->len < 8 + footer_len + 8) return;
  cur c = {r->data + r->len - 8 - footer_len, r->data + r->len - 8, false};
  if (get_le(&c, 1) != OP_FOOTER || get_le(&c, 8) != 20) return;
  uint64_t summary_start = get_le(&c, 8);
  uint64_t offset_start = get_le(&c, 8);
  uint64_t summary_end = offset_start ? offset_start : r->len - 8 - footer_len;
  if (c.bad || summary_start == 0 || summary_start >= summary_end || summary_end > r->len) return;
  cur s = {r->data + summary_start, r->data + summary_end, false};
  while (!s.bad && s.p < s.end) {
    uint64_t op = get_le(&s, 1), n = get_le(&s, 8);
    const uint8_t *body = get_bytes(&s, n);
    if (!body) return;
    if (op == OP_STATISTICS) {
      cur b = {body, body + n, false};
      uint64_t msgs = get_le(&b, 8);
      get_le(&b, 2);
      uint64_t chans = get_le(&b, 4);
      if (!b.bad) {
        r->have_stats = true;
        r->stat_messages = msgs;
        r->stat_channels = (uint32_t)chans;
      }
    }
  }
}

mi_status mi_mcap_reader_open_mem(const void *data, size_t len, mi_mcap_reader **out, char *err,
                                  size_t err_sz) {
  if (len < 8 || memcmp(data, k_magic, 8) != 0)
    return rerr(err, err_sz, 0, "not an MCAP file (bad magic)");
  mi_mcap_reader *r = calloc(1, sizeof *r);
  if (!r) return MI_ERR_NOMEM;
  r->data = malloc(len);
  if (!r->data) {
    free(r);
    return MI_ERR_NOMEM;
  }
  memcpy(r->data, data, len);
  r->len = len;
  cur c = {r->data + 8, r->data + len, false};
  uint64_t op = get_le(&c, 1), n = get_le(&c, 8);
  const uint8_t *body = get_bytes(&c, n);
  if (op != OP_HEADER || !body) {
    mi_mcap_reader_close(r);
    return rerr(err, err_sz, 8, "expected a Header record after the magic");
  }
  cur h = {body, body + n, false};
  get_str(&h, r->profile, sizeof r->profile);
  if (h.bad) {
    mi_mcap_reader_close(r);
    return rerr(err, err_sz, 17, "malformed Header record");
  }
  r->pos = (size_t)(c.p - r->data);
  read_summary_stats(r);
  *out = r;
  return MI_OK;
}

mi_status mi_mcap_reader_open(const char *path, mi_mcap_reader **out, char *err, size_t err_sz) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (err && err_sz) snprintf(err, err_sz, "%s: cannot open: %s", path, strerror(errno));
    return MI_ERR_IO;
  }
  buf b = {0};
  uint8_t tmp[65536];
  size_t got;
  while ((got = fread(tmp, 1, sizeof tmp, f)) > 0) buf_put(&b, tmp, got);
  bool rd_err = ferror(f) != 0;
  fclose(f);
  if (b.oom || rd_err) {
    free(b.p);
    if (err && err_sz) snprintf(err, err_sz, "%s: read failed", path);
    return b.oom ? MI_ERR_NOMEM : MI_ERR_IO;
  }
  mi_status st = mi_mcap_reader_open_mem(b.p ? b.p : (const uint8_t *)"", b.n, out, err, err_sz);
  if (st == MI_ERR_PARSE && err && err_sz) {
    char tail[256];
    snprintf(tail, sizeof tail, "%s", err);
    snprintf(err, err_sz, "%s: %s", path, tail);
  }
  free(b.p);
  return st;
}

void mi_mcap_reader_close(mi_mcap_reader *r) {
  if (!r) return;
  free(r->schemas);
  free(r->data);
  free(r);
}

const char *mi_mcap_profile(const mi_mcap_reader *r) { return r->profile; }

/* handle one record; returns 1 when it was a message (m filled), 0 to go on */
static int handle_record(mi_mcap_reader *r, uint64_t op, const uint8_t *body, uint64_t n,
                         size_t off, mi_mcap_message *m, mi_status *st, char *err,
                         size_t err_sz) {
  cur b = {body, body + n, false};
  switch (op) {
    case OP_SCHEMA: {
      mi_mcap_schema s;
      s.id = (uint16_t)get_le(&b, 2);
      get_str(&b, s.name, sizeof s.name);
      get_str(&b, s.encoding, sizeof s.encoding);
      s.len = (size_t)get_le(&b, 4);
      s.data = get_bytes(&b, s.len);
      if (b.bad) return *st = rerr(err, err_sz, off, "malformed Schema record"), -1;
      if (!mi_mcap_get_schema(r, s.id)) {
        if (r->n_schemas == r->cap_schemas) {
          size_t nc = r->cap_schemas ? r->cap_schemas * 2 : 8;
          mi_mcap_schema *ns = realloc(r->schemas, nc * sizeof *ns);
          if (!ns) return *st = MI_ERR_NOMEM, -1;
          r->schemas = ns;
          r->cap_schemas = nc;
        }
        r->schemas[r->n_schemas++] = s;
      }
      return 0;
    }
    case OP_CHANNEL: {
      mi_mcap_channel c;
      c.id = (uint16_t)get_le(&b, 2);
      c.schema_id = (uint16_t)get_le(&b, 2);
      get_str(&b, c.topic, sizeof c.topic);
      get_str(&b, c.message_encoding, sizeof c.message_encoding);
      if (b.bad) return *st = rerr(err, err_sz, off, "malformed Channel record"), -1;
      if (c.id >= MI_MCAP_MAX_CHANNELS)
        return *st = rerr(err, err_sz, off, "channel id %u beyond %d", c.id, MI_MCAP_MAX_CHANNELS),
               -1;
      r->channels[c.id] = c;
      r->have_channel[c.id] = true;
      return 0;
    }
    case OP_MESSAGE: {
      m->channel_id = (uint16_t)get_le(&b, 2);
      m->sequence = (uint32_t)get_le(&b, 4);
      m->log_time_ns = get_le(&b, 8);
      m->publish_time_ns = get_le(&b, 8);
      if (b.bad) return *st = rerr(err, err_sz, off, "malformed Message record"), -1;
      m->data = b.p;
      m->len = (size_t)(b.end - b.p);
      return 1;
    }
    case OP_CHUNK: {
      get_le(&b, 8);
      get_le(&b, 8);
      get_le(&b, 8);
      get_le(&b, 4);
      char comp[32];
      get_str(&b, comp, sizeof comp);
      uint64_t rn = get_le(&b, 8);
      const uint8_t *recs = get_bytes(&b, rn);
      if (b.bad) return *st = rerr(err, err_sz, off, "malformed Chunk record"), -1;
      if (comp[0] != '\0') {
        if (err && err_sz)
          snprintf(err, err_sz, "mcap: at byte %zu: chunk compressed with '%s' (not supported)",
                   off, comp);
        return *st = MI_ERR_UNSUPPORTED, -1;
      }
      r->chunk.p = recs;
      r->chunk.end = recs + rn;
      r->chunk.bad = false;
      r->in_chunk = true;
      return 0;
    }
    case OP_DATA_END:
      r->done = true;
      return 0;
    default: /* attachments, metadata, indexes: not needed to replay */
      return 0;
  }
}

mi_status mi_mcap_next(mi_mcap_reader *r, mi_mcap_message *m, char *err, size_t err_sz) {
  for (;;) {
    mi_status st = MI_OK;
    if (r->in_chunk) {
      if (r->chunk.p >= r->chunk.end) {
        r->in_chunk = false;
        continue;
      }
      size_t off = (size_t)(r->chunk.p - r->data);
      uint64_t op = get_le(&r->chunk, 1), n = get_le(&r->chunk, 8);
      const uint8_t *body = get_bytes(&r->chunk, n);
      if (!body) return rerr(err, err_sz, off, "record runs past the end of its chunk");
      if (op == OP_CHUNK) return rerr(err, err_sz, off, "chunk inside a chunk");
      int k = handle_record(r, op, body, n, off, m, &st, err, err_sz);
      if (k < 0) return st;
      if (k > 0) return MI_OK;
      continue;
    }
    if (r->done) return MI_ERR_EMPTY;
    /* the data section ends at DataEnd, or at the footer of a file without one */
    cur c = {r->data + r->pos, r->data + r->len, false};
    if ((size_t)(c.end - c.p) <= 8) {
      r->done = true; /* truncated file: what was read stands */
      return MI_ERR_EMPTY;
    }
    size_t off = r->pos;
    uint64_t op = get_le(&c, 1), n = get_le(&c, 8);
    const uint8_t *body = get_bytes(&c, n);
    if (!body) {
      /* a recorder killed mid-write leaves a partial last record: stop there */
      r->done = true;
      return MI_ERR_EMPTY;
    }
    r->pos = (size_t)(c.p - r->data);
    if (op == OP_FOOTER) {
      r->done = true;
      return MI_ERR_EMPTY;
    }
    int k = handle_record(r, op, body, n, off, m, &st, err, err_sz);
    if (k < 0) return st;
    if (k > 0) return MI_OK;
  }
}

const mi_mcap_channel *mi_mcap_get_channel(const mi_mcap_reader *r, uint16_t id) {
  return id < MI_MCAP_MAX_CHANNELS && r->have_channel[id] ? &r->channels[id] : NULL;
}

const mi_mcap_schema *mi_mcap_get_schema(const mi_mcap_reader *r, uint16_t id) {
  for (size_t i = 0; i < r->n_schemas; i++)
    if (r->schemas[i].id == id) return &r->schemas[i];
  return NULL;
}

mi_status mi_mcap_statistics(const mi_mcap_reader *r, uint64_t *message_count,
                             uint32_t *channel_count) {
  if (!r->have_stats) return MI_ERR_NOT_FOUND;
  if (message_count) *message_count = r->stat_messages;
  if (channel_count) *channel_count = r->stat_channels;
  return MI_OK;
}
