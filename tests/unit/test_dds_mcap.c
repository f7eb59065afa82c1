/* tests/unit/test_dds_mcap.c - MCAP writer and reader: round trip, summary,
 * truncated files, malformed input, chunks from other writers. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dds/mcap.h"

static char g_path[256];

static int setup(void **state) {
  (void)state;
  snprintf(g_path, sizeof g_path, "/tmp/mirai_test_mcap_%d.mcap", (int)getpid());
  return 0;
}

static int teardown(void **state) {
  (void)state;
  unlink(g_path);
  return 0;
}

static const char k_def[] =
    "std_msgs/Header header\nstring[] name\nfloat64[] position\nfloat64[] velocity\n"
    "float64[] effort\n";

static void write_file(int n_msgs) {
  mi_mcap_writer *w;
  char err[256];
  assert_int_equal(mi_mcap_writer_open(g_path, "mirai test", &w, err, sizeof err), MI_OK);
  uint16_t sid, c0, c1;
  assert_int_equal(mi_mcap_add_schema(w, "sensor_msgs/msg/JointState", "ros2msg", k_def,
                                      strlen(k_def), &sid),
                   MI_OK);
  assert_int_equal(sid, 1);
  const char *keys[] = {"offered_qos_profiles"};
  const char *vals[] = {"- history: keep_last\n  depth: 1\n"};
  assert_int_equal(mi_mcap_add_channel(w, sid, "/joint_states", "cdr", keys, vals, 1, &c0), MI_OK);
  assert_int_equal(mi_mcap_add_channel(w, sid, "/joint_commands", "cdr", NULL, NULL, 0, &c1),
                   MI_OK);
  for (int i = 0; i < n_msgs; i++) {
    uint8_t payload[12] = {0, 1, 0, 0};
    memcpy(payload + 4, &i, sizeof i);
    assert_int_equal(mi_mcap_write_message(w, i % 3 == 0 ? c1 : c0, (uint32_t)i,
                                           1000u + (uint64_t)i, 500u + (uint64_t)i, payload,
                                           sizeof payload),
                     MI_OK);
  }
  assert_int_equal(mi_mcap_write_message(w, 77, 0, 0, 0, "x", 1), MI_ERR_NOT_FOUND);
  assert_int_equal(mi_mcap_writer_count(w, c1), (uint64_t)((n_msgs + 2) / 3));
  assert_int_equal(mi_mcap_writer_close(w), MI_OK);
}

static void test_round_trip(void **state) {
  (void)state;
  write_file(100);
  mi_mcap_reader *r;
  char err[256] = "";
  assert_int_equal(mi_mcap_reader_open(g_path, &r, err, sizeof err), MI_OK);
  assert_string_equal(mi_mcap_profile(r), "ros2");
  uint64_t count;
  uint32_t chans;
  assert_int_equal(mi_mcap_statistics(r, &count, &chans), MI_OK);
  assert_int_equal(count, 100);
  assert_int_equal(chans, 2);
  mi_mcap_message m;
  int i = 0;
  while (mi_mcap_next(r, &m, err, sizeof err) == MI_OK) {
    assert_int_equal(m.sequence, (uint32_t)i);
    assert_int_equal(m.log_time_ns, 1000u + (uint64_t)i);
    assert_int_equal(m.publish_time_ns, 500u + (uint64_t)i);
    assert_int_equal(m.len, 12);
    int v;
    memcpy(&v, m.data + 4, sizeof v);
    assert_int_equal(v, i);
    const mi_mcap_channel *c = mi_mcap_get_channel(r, m.channel_id);
    assert_non_null(c);
    assert_string_equal(c->topic, i % 3 == 0 ? "/joint_commands" : "/joint_states");
    assert_string_equal(c->message_encoding, "cdr");
    const mi_mcap_schema *s = mi_mcap_get_schema(r, c->schema_id);
    assert_non_null(s);
    assert_string_equal(s->name, "sensor_msgs/msg/JointState");
    assert_string_equal(s->encoding, "ros2msg");
    assert_int_equal(s->len, strlen(k_def));
    assert_memory_equal(s->data, k_def, s->len);
    i++;
  }
  assert_int_equal(i, 100);
  assert_int_equal(mi_mcap_next(r, &m, err, sizeof err), MI_ERR_EMPTY);
  mi_mcap_reader_close(r);
}

static uint8_t *slurp(size_t *len) {
  FILE *f = fopen(g_path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n);
  assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

static void test_truncated_file_reads_what_it_has(void **state) {
  (void)state;
  write_file(50);
  size_t len;
  uint8_t *b = slurp(&len);
  /* cut in the middle of the data section: a recorder killed mid-run */
  size_t cut = len / 2;
  mi_mcap_reader *r;
  char err[256] = "";
  assert_int_equal(mi_mcap_reader_open_mem(b, cut, &r, err, sizeof err), MI_OK);
  assert_int_equal(mi_mcap_statistics(r, NULL, NULL), MI_ERR_NOT_FOUND);
  mi_mcap_message m;
  int n = 0;
  mi_status st;
  while ((st = mi_mcap_next(r, &m, err, sizeof err)) == MI_OK) n++;
  assert_int_equal(st, MI_ERR_EMPTY);
  assert_true(n > 10 && n < 50);
  mi_mcap_reader_close(r);
  free(b);
}

static void test_malformed(void **state) {
  (void)state;
  mi_mcap_reader *r;
  char err[256] = "";
  assert_int_equal(mi_mcap_reader_open_mem("hello world", 11, &r, err, sizeof err), MI_ERR_PARSE);
  assert_non_null(strstr(err, "bad magic"));
  assert_int_equal(mi_mcap_reader_open("/nonexistent.mcap", &r, err, sizeof err), MI_ERR_IO);

  /* a Channel record whose string length points past its record */
  write_file(3);
  size_t len;
  uint8_t *b = slurp(&len);
  /* find the first Channel record (opcode 4 after the header and schema) */
  size_t off = 8;
  for (int rec = 0; rec < 2; rec++) {
    uint64_t n = 0;
    for (int k = 0; k < 8; k++) n |= (uint64_t)b[off + 1 + (size_t)k] << (8 * k);
    off += 9 + (size_t)n;
  }
  assert_int_equal(b[off], 4);
  b[off + 9 + 4] = 0xff; /* topic length byte 0 */
  b[off + 9 + 7] = 0x7f; /* topic length byte 3: huge */
  assert_int_equal(mi_mcap_reader_open_mem(b, len, &r, err, sizeof err), MI_OK);
  mi_mcap_message m;
  assert_int_equal(mi_mcap_next(r, &m, err, sizeof err), MI_ERR_PARSE);
  assert_non_null(strstr(err, "malformed Channel record"));
  mi_mcap_reader_close(r);
  free(b);
}

/* an uncompressed chunk as other writers make them: messages are found */
static void test_reads_uncompressed_chunks(void **state) {
  (void)state;
  uint8_t f[512];
  size_t n = 0;
#define PUT(v, k)                                                      \
  do {                                                                 \
    uint64_t v_ = (uint64_t)(v);                                       \
    for (int i_ = 0; i_ < (k); i_++) f[n++] = (uint8_t)(v_ >> (8 * i_)); \
  } while (0)
  const uint8_t magic[8] = {0x89, 'M', 'C', 'A', 'P', 0x30, '\r', '\n'};
  memcpy(f, magic, 8);
  n = 8;
  PUT(1, 1); PUT(4 + 4 + 4 + 1, 8); PUT(4, 4); memcpy(f + n, "ros2", 4); n += 4; PUT(1, 4); f[n++] = 'x';
  /* chunk content: channel record + message record */
  uint8_t inner[128];
  size_t m = 0;
  const char *topic = "/t";
  inner[m++] = 4; uint64_t cl = 2 + 2 + 4 + 2 + 4 + 3 + 4;
  for (int i = 0; i < 8; i++) inner[m++] = (uint8_t)(cl >> (8 * i));
  inner[m++] = 5; inner[m++] = 0; inner[m++] = 0; inner[m++] = 0;
  inner[m++] = 2; inner[m++] = 0; inner[m++] = 0; inner[m++] = 0; memcpy(inner + m, topic, 2); m += 2;
  inner[m++] = 3; inner[m++] = 0; inner[m++] = 0; inner[m++] = 0; memcpy(inner + m, "cdr", 3); m += 3;
  inner[m++] = 0; inner[m++] = 0; inner[m++] = 0; inner[m++] = 0;
  inner[m++] = 5; uint64_t ml = 2 + 4 + 8 + 8 + 3;
  for (int i = 0; i < 8; i++) inner[m++] = (uint8_t)(ml >> (8 * i));
  inner[m++] = 5; inner[m++] = 0;
  for (int i = 0; i < 4; i++) inner[m++] = (uint8_t)(i == 0 ? 9 : 0);
  for (int i = 0; i < 16; i++) inner[m++] = (uint8_t)(i == 0 ? 42 : 0);
  inner[m++] = 'a'; inner[m++] = 'b'; inner[m++] = 'c';
  PUT(6, 1); PUT(8 + 8 + 8 + 4 + 4 + 8 + m, 8);
  PUT(0, 8); PUT(0, 8); PUT(m, 8); PUT(0, 4); PUT(0, 4); PUT(m, 8);
  memcpy(f + n, inner, m);
  n += m;
  PUT(15, 1); PUT(4, 8); PUT(0, 4);
#undef PUT
  mi_mcap_reader *r;
  char err[256] = "";
  assert_int_equal(mi_mcap_reader_open_mem(f, n, &r, err, sizeof err), MI_OK);
  mi_mcap_message msg;
  assert_int_equal(mi_mcap_next(r, &msg, err, sizeof err), MI_OK);
  assert_int_equal(msg.channel_id, 5);
  assert_int_equal(msg.sequence, 9);
  assert_int_equal(msg.log_time_ns, 42);
  assert_int_equal(msg.len, 3);
  assert_memory_equal(msg.data, "abc", 3);
  assert_string_equal(mi_mcap_get_channel(r, 5)->topic, "/t");
  assert_int_equal(mi_mcap_next(r, &msg, err, sizeof err), MI_ERR_EMPTY);
  mi_mcap_reader_close(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_truncated_file_reads_what_it_has, setup, teardown),
      cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reads_uncompressed_chunks, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
