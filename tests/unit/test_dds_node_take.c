/* tests/unit/test_dds_node_take.c - how the executor takes samples
 * (dds/node.c): each subscription deserialises into samples it owns and
 * reuses, the waitset watches only DATA_AVAILABLE, and a callback that
 * spins its own node again gets samples of its own. Domain ids 144-146. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dds/node.h"
#include "tests/support/test_support.h"

#define WAIT_NS (5 * MI_NS_PER_S)
#define MAXJ 40

/* a JointState of nj joints whose names are name_len characters long,
 * built in caller storage */
typedef struct js_buf {
  char names[MAXJ][300];
  char *name_ptrs[MAXJ];
  char frame[300];
  double q[MAXJ], v[MAXJ], e[MAXJ];
  mi_msg_joint_state js;
} js_buf;

static void make_js(js_buf *b, mi_dds_node *n, uint32_t nj, uint32_t name_len, uint32_t seed,
                    bool with_vel) {
  for (uint32_t j = 0; j < nj; j++) {
    uint32_t len = name_len ? name_len : 1;
    for (uint32_t c = 0; c < len; c++) b->names[j][c] = (char)('a' + (seed + j + c) % 26);
    b->names[j][len] = 0;
    b->name_ptrs[j] = b->names[j];
    b->q[j] = 0.001 * seed + j;
    b->v[j] = -0.5 * j;
    b->e[j] = 3.0 * seed - j;
  }
  /* a frame id whose length changes with seed too */
  int fl = snprintf(b->frame, sizeof b->frame, "frame_%u_", seed);
  size_t xs = seed % 200;
  memset(b->frame + fl, 'x', xs);
  b->frame[(size_t)fl + xs] = 0;
  mi_msg_init(MI_MSG_JOINT_STATE, &b->js);
  b->js.header = mi_dds_node_header(n, b->frame);
  b->js.name = MI_MSG_SEQ(dds_sequence_string, b->name_ptrs, nj);
  b->js.position = MI_MSG_SEQ(dds_sequence_double, b->q, nj);
  b->js.velocity = MI_MSG_SEQ(dds_sequence_double, b->v, with_vel ? nj : 0);
  b->js.effort = MI_MSG_SEQ(dds_sequence_double, b->e, nj);
}

/* what the callback saw: a deep copy of the last sample */
typedef struct rx {
  int n;
  mi_msg_joint_state last;
} rx;

static void on_js(const mi_msg_joint_state *js, const mi_dds_sample_info *info, void *user) {
  (void)info;
  rx *r = user;
  mi_msg_fini(MI_MSG_JOINT_STATE, &r->last);
  assert_int_equal(mi_msg_copy(MI_MSG_JOINT_STATE, &r->last, js), MI_OK);
  r->n++;
}
MI_DDS_TYPED_CB(on_js, mi_msg_joint_state);

static mi_status spin_until(mi_dds_node *n, const int *counter, int want) {
  int64_t end = mi_clock_mono_ns() + WAIT_NS;
  while (*counter < want) {
    if (mi_clock_mono_ns() > end) return MI_ERR_TIMEOUT;
    mi_dds_spin_once(n, 50 * MI_NS_PER_MS);
  }
  return MI_OK;
}

/* The subscription's samples are reused from take to take: sequences and
 * strings that grow, shrink, empty and grow again must arrive exactly as
 * sent every time (no stale tail, no truncated string, no old length). */
static void test_reused_samples_arrive_exact(void **state) {
  (void)state;
  mi_dds_node *n = mi_test_node("reuse", 144);
  rx r = {0};
  mi_msg_init(MI_MSG_JOINT_STATE, &r.last);
  mi_dds_sub *sub;
  assert_int_equal(MI_DDS_SUBSCRIBE(n, "/take/reuse", MI_QOS_COMMAND, on_js, &r, &sub), MI_OK);
  mi_dds_pub *pub;
  assert_int_equal(mi_dds_pub_create(n, "/take/reuse", MI_MSG_JOINT_STATE, MI_QOS_COMMAND, &pub),
                   MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(pub, 1, WAIT_NS), MI_OK);

  static js_buf b;
  /* hand-picked shapes first, then pseudo-random ones */
  const uint32_t shapes[][2] = {{7, 7}, {2, 3}, {0, 1}, {12, 250}, {3, 1}, {MAXJ, 40}, {1, 0},
                                {7, 7}};
  int sent = 0;
  uint32_t x = 12345;
  for (int k = 0; k < 80; k++) {
    uint32_t nj, len;
    if (k < (int)(sizeof shapes / sizeof shapes[0])) {
      nj = shapes[k][0];
      len = shapes[k][1];
    } else {
      x = x * 1103515245u + 12345u;
      nj = (x >> 8) % (MAXJ + 1);
      len = (x >> 20) % 256;
    }
    make_js(&b, n, nj, len, (uint32_t)k, k % 3 != 0);
    assert_int_equal(MI_DDS_PUBLISH(pub, &b.js), MI_OK);
    sent++;
    assert_int_equal(spin_until(n, &r.n, sent), MI_OK);
    if (!mi_msg_equal(MI_MSG_JOINT_STATE, &r.last, &b.js))
      fail_msg("sample %d (%u joints, names of %u chars) arrived changed", k, nj, len);
  }
  mi_dds_counters c;
  mi_dds_sub_counters(sub, &c);
  assert_int_equal(c.in, 80);
  assert_int_equal(c.rejected, 0);
  mi_msg_fini(MI_MSG_JOINT_STATE, &r.last);
  mi_dds_node_destroy(n); /* frees the reused samples (ASan's leak check) */
}

static double thread_cpu_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Matched writers, liveliness and the like change a reader's statuses
 * without data; the executor watches only DATA_AVAILABLE, so waiting with
 * nothing to take sleeps instead of spinning on a triggered waitset. */
static void test_idle_wait_sleeps_after_match(void **state) {
  (void)state;
  mi_dds_node *a = mi_test_node("idle_sub", 145);
  mi_dds_node *b = mi_test_node("idle_pub", 145);
  rx r = {0};
  mi_msg_init(MI_MSG_JOINT_STATE, &r.last);
  mi_dds_sub *sub;
  assert_int_equal(MI_DDS_SUBSCRIBE(a, "/take/idle", MI_QOS_COMMAND, on_js, &r, &sub), MI_OK);
  mi_dds_pub *pub;
  assert_int_equal(mi_dds_pub_create(b, "/take/idle", MI_MSG_JOINT_STATE, MI_QOS_COMMAND, &pub),
                   MI_OK);
  assert_int_equal(mi_dds_sub_wait_matched(sub, 1, WAIT_NS), MI_OK);
  /* reading the matched status above reset it; a second writer sets it
   * again and nobody reads it this time */
  mi_dds_pub *pub2;
  assert_int_equal(
      mi_dds_pub_create(b, "/take/idle", MI_MSG_JOINT_STATE, MI_QOS_COMMAND, &pub2), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(pub2, 1, WAIT_NS), MI_OK);
  mi_clock_sleep_ns(100 * MI_NS_PER_MS);

  double cpu0 = thread_cpu_s();
  int64_t t0 = mi_clock_mono_ns();
  assert_int_equal(mi_dds_spin_once(a, 300 * MI_NS_PER_MS), MI_ERR_TIMEOUT);
  double wall = mi_s_from_ns(mi_clock_mono_ns() - t0), cpu = thread_cpu_s() - cpu0;
  assert_true(wall >= 0.29);
  if (cpu > 0.1 * wall) fail_msg("an idle 300 ms wait used %.0f ms of CPU", cpu * 1e3);

  /* and data still wakes it */
  static js_buf bb;
  make_js(&bb, b, 7, 7, 1, true);
  assert_int_equal(MI_DDS_PUBLISH(pub, &bb.js), MI_OK);
  assert_int_equal(spin_until(a, &r.n, 1), MI_OK);
  assert_true(mi_msg_equal(MI_MSG_JOINT_STATE, &r.last, &bb.js));
  mi_msg_fini(MI_MSG_JOINT_STATE, &r.last);
  mi_dds_node_destroy(b);
  mi_dds_node_destroy(a);
}

/* A callback that spins its own node again (a node that owns its loop and
 * waits for a reply inside a callback) must not have its sample
 * overwritten by the nested take. */
typedef struct nested {
  mi_dds_node *n;
  mi_dds_pub *pub;
  js_buf *second;
  int depth, calls;
  double outer_q0_before, outer_q0_after;
  char outer_name_after[32];
  mi_status nested_st;
  int nested_calls_seen;
} nested;

static void on_nested(const mi_msg_joint_state *js, const mi_dds_sample_info *info, void *user) {
  (void)info;
  nested *c = user;
  c->calls++;
  if (c->depth > 0) return; /* the inner delivery */
  c->depth++;
  c->outer_q0_before = js->position._buffer[0];
  assert_int_equal(MI_DDS_PUBLISH(c->pub, &c->second->js), MI_OK);
  int64_t end = mi_clock_mono_ns() + WAIT_NS;
  c->nested_st = MI_ERR_TIMEOUT;
  while (mi_clock_mono_ns() < end && c->calls < 2)
    c->nested_st = mi_dds_spin_once(c->n, 50 * MI_NS_PER_MS);
  c->nested_calls_seen = c->calls;
  c->outer_q0_after = js->position._buffer[0];
  snprintf(c->outer_name_after, sizeof c->outer_name_after, "%s", js->name._buffer[0]);
  c->depth--;
}
MI_DDS_TYPED_CB(on_nested, mi_msg_joint_state);

static void test_nested_spin_keeps_outer_sample(void **state) {
  (void)state;
  mi_dds_node *n = mi_test_node("nested", 146);
  static js_buf first, second;
  nested c = {.n = n, .second = &second};
  mi_dds_sub *sub;
  assert_int_equal(MI_DDS_SUBSCRIBE(n, "/take/nested", MI_QOS_COMMAND, on_nested, &c, &sub),
                   MI_OK);
  assert_int_equal(
      mi_dds_pub_create(n, "/take/nested", MI_MSG_JOINT_STATE, MI_QOS_COMMAND, &c.pub), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(c.pub, 1, WAIT_NS), MI_OK);
  make_js(&first, n, 3, 5, 1, true);
  make_js(&second, n, 9, 30, 2, true);
  assert_true(first.q[0] != second.q[0]);
  assert_int_equal(MI_DDS_PUBLISH(c.pub, &first.js), MI_OK);
  assert_int_equal(spin_until(n, &c.calls, 1), MI_OK);
  /* the outer callback returned after the inner one ran */
  assert_int_equal(c.nested_calls_seen, 2);
  assert_int_equal(c.nested_st, MI_OK);
  assert_true(c.outer_q0_before == first.q[0]);
  assert_true(c.outer_q0_after == first.q[0]);
  assert_string_equal(c.outer_name_after, first.names[0]);
  mi_dds_node_destroy(n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reused_samples_arrive_exact),
      cmocka_unit_test(test_idle_wait_sleeps_after_match),
      cmocka_unit_test(test_nested_spin_keeps_outer_sample),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
