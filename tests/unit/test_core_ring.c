/* tests/unit/test_core_ring.c - SPSC queue and latest-value handoff, single
 * threaded semantics and a two-thread stress that checks for torn values. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/ring.h"

static void test_spsc_basic(void **state) {
  (void)state;
  mi_spsc q;
  assert_int_equal(mi_spsc_init(&q, sizeof(int), 0), MI_ERR_INVALID);
  assert_int_equal(mi_spsc_init(&q, sizeof(int), 3), MI_OK);
  assert_int_equal(mi_spsc_capacity(&q), 4);
  int v;
  assert_int_equal(mi_spsc_pop(&q, &v), MI_ERR_EMPTY);
  for (int i = 0; i < 4; i++) assert_int_equal(mi_spsc_push(&q, &i), MI_OK);
  int extra = 99;
  assert_int_equal(mi_spsc_push(&q, &extra), MI_ERR_FULL);
  assert_int_equal(mi_spsc_size(&q), 4);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(mi_spsc_pop(&q, &v), MI_OK);
    assert_int_equal(v, i);
  }
  assert_int_equal(mi_spsc_pop(&q, &v), MI_ERR_EMPTY);
  mi_spsc_destroy(&q);
}

#define N_ITEMS 200000

static void *producer(void *arg) {
  mi_spsc *q = arg;
  for (uint64_t i = 0; i < N_ITEMS;) {
    uint64_t item[2] = {i, ~i};
    if (mi_spsc_push(q, item) == MI_OK) i++;
  }
  return NULL;
}

static void test_spsc_threads(void **state) {
  (void)state;
  mi_spsc q;
  assert_int_equal(mi_spsc_init(&q, 2 * sizeof(uint64_t), 64), MI_OK);
  pthread_t th;
  pthread_create(&th, NULL, producer, &q);
  uint64_t expect = 0;
  while (expect < N_ITEMS) {
    uint64_t item[2];
    if (mi_spsc_pop(&q, item) == MI_OK) {
      /* in order, nothing lost, nothing torn */
      assert_true(item[0] == expect);
      assert_true(item[1] == ~expect);
      expect++;
    }
  }
  pthread_join(th, NULL);
  mi_spsc_destroy(&q);
}

typedef struct plan {
  uint64_t seq;
  double values[64]; /* every value equals seq: a torn read would mix them */
} plan;

static void test_latest_basic(void **state) {
  (void)state;
  mi_latest l;
  assert_int_equal(mi_latest_init(&l, sizeof(plan)), MI_OK);
  const void *out = (const void *)1;
  assert_false(mi_latest_take(&l, &out));
  assert_null(out);
  for (uint64_t s = 1; s <= 3; s++) {
    plan *w = mi_latest_write_buf(&l);
    w->seq = s;
    mi_latest_publish(&l);
  }
  /* only the newest is seen; older ones are skipped */
  assert_true(mi_latest_take(&l, &out));
  assert_int_equal(((const plan *)out)->seq, 3);
  assert_false(mi_latest_take(&l, &out));
  assert_int_equal(((const plan *)out)->seq, 3); /* still the last value */
  mi_latest_destroy(&l);
}

typedef struct stress {
  mi_latest l;
  atomic_bool stop;
} stress;

static void *writer(void *arg) {
  stress *s = arg;
  for (uint64_t seq = 1; !atomic_load(&s->stop); seq++) {
    plan *w = mi_latest_write_buf(&s->l);
    w->seq = seq;
    for (int i = 0; i < 64; i++) w->values[i] = (double)seq;
    mi_latest_publish(&s->l);
  }
  return NULL;
}

static void test_latest_threads_no_tearing(void **state) {
  (void)state;
  stress s;
  assert_int_equal(mi_latest_init(&s.l, sizeof(plan)), MI_OK);
  atomic_init(&s.stop, false);
  pthread_t th;
  pthread_create(&th, NULL, writer, &s);
  uint64_t last = 0;
  int fresh = 0;
  /* read until many fresh values went by (bounded in time should the writer starve) */
  time_t t_end = time(NULL) + 10;
  while (fresh < 20000 && time(NULL) < t_end) {
    const void *out;
    if (mi_latest_take(&s.l, &out)) {
      const plan *p = out;
      fresh++;
      assert_true(p->seq > last); /* never goes back in time */
      for (int i = 0; i < 64; i++) assert_true(p->values[i] == (double)p->seq);
      last = p->seq;
    }
  }
  atomic_store(&s.stop, true);
  pthread_join(th, NULL);
  assert_true(fresh >= 20000);
  mi_latest_destroy(&s.l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spsc_basic),
      cmocka_unit_test(test_spsc_threads),
      cmocka_unit_test(test_latest_basic),
      cmocka_unit_test(test_latest_threads_no_tearing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
