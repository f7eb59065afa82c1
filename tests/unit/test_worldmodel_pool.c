/* tests/unit/test_worldmodel_pool.c - the CPU worker pool: every task runs
 * exactly once per run, worker ids stay in range, nested runs are refused,
 * many short runs in a row do not lose or duplicate tasks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "worldmodel/pool.h"

#define N_TASKS 1000

typedef struct count_ctx {
  _Atomic int hits[N_TASKS];
  _Atomic int bad_worker;
  _Atomic int per_worker[8];
  int threads;
} count_ctx;

static void count_task(void *vctx, int task, int worker) {
  count_ctx *c = vctx;
  atomic_fetch_add(&c->hits[task], 1);
  if (worker < 0 || worker >= c->threads) atomic_fetch_add(&c->bad_worker, 1);
  else atomic_fetch_add(&c->per_worker[worker], 1);
}

static void check_threads(int threads) {
  mi_pool *p = NULL;
  assert_int_equal(mi_pool_create(threads, &p), MI_OK);
  assert_int_equal(mi_pool_threads(p), threads);
  static count_ctx c;
  memset(&c, 0, sizeof c);
  c.threads = threads;
  for (int run = 0; run < 50; run++) assert_int_equal(mi_pool_run(p, N_TASKS, count_task, &c), MI_OK);
  for (int t = 0; t < N_TASKS; t++) assert_int_equal(atomic_load(&c.hits[t]), 50);
  assert_int_equal(atomic_load(&c.bad_worker), 0);
  int total = 0;
  for (int w = 0; w < threads; w++) total += atomic_load(&c.per_worker[w]);
  assert_int_equal(total, 50 * N_TASKS);
  mi_pool_destroy(p);
}

static void test_every_task_once(void **state) {
  (void)state;
  check_threads(1);
  check_threads(2);
  check_threads(4);
}

/* many tiny runs back to back: the generation handshake never loses a wake */
static void test_many_short_runs(void **state) {
  (void)state;
  mi_pool *p = NULL;
  assert_int_equal(mi_pool_create(3, &p), MI_OK);
  static count_ctx c;
  memset(&c, 0, sizeof c);
  c.threads = 3;
  for (int run = 0; run < 20000; run++) assert_int_equal(mi_pool_run(p, 3, count_task, &c), MI_OK);
  for (int t = 0; t < 3; t++) assert_int_equal(atomic_load(&c.hits[t]), 20000);
  assert_int_equal(atomic_load(&c.hits[3]), 0);
  mi_pool_destroy(p);
}

typedef struct nest_ctx {
  mi_pool *p;
  _Atomic int refused;
} nest_ctx;

static void noop_task(void *ctx, int task, int worker) {
  (void)ctx;
  (void)task;
  (void)worker;
}

static void nest_task(void *vctx, int task, int worker) {
  nest_ctx *c = vctx;
  (void)task;
  (void)worker;
  if (mi_pool_run(c->p, 2, noop_task, NULL) == MI_ERR_STATE) atomic_fetch_add(&c->refused, 1);
}

static void test_errors_and_nesting(void **state) {
  (void)state;
  mi_pool *p = NULL;
  assert_int_equal(mi_pool_create(2, NULL), MI_ERR_INVALID);
  assert_int_equal(mi_pool_create(1000, &p), MI_ERR_INVALID);
  assert_int_equal(mi_pool_create(2, &p), MI_OK);
  assert_int_equal(mi_pool_run(p, -1, noop_task, NULL), MI_ERR_INVALID);
  assert_int_equal(mi_pool_run(p, 1, NULL, NULL), MI_ERR_INVALID);
  assert_int_equal(mi_pool_run(NULL, 1, noop_task, NULL), MI_ERR_INVALID);
  assert_int_equal(mi_pool_run(p, 0, noop_task, NULL), MI_OK);
  nest_ctx c = {p, 0};
  assert_int_equal(mi_pool_run(p, 16, nest_task, &c), MI_OK);
  assert_int_equal(atomic_load(&c.refused), 16);
  mi_pool_destroy(p);
  mi_pool_destroy(NULL);
}

static void test_default_is_all_cores(void **state) {
  (void)state;
  mi_pool *p = NULL;
  assert_int_equal(mi_pool_create(0, &p), MI_OK);
  assert_true(mi_pool_cpu_count() >= 1);
  assert_int_equal(mi_pool_threads(p), mi_pool_cpu_count());
  mi_pool_destroy(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_task_once),
      cmocka_unit_test(test_many_short_runs),
      cmocka_unit_test(test_errors_and_nesting),
      cmocka_unit_test(test_default_is_all_cores),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
