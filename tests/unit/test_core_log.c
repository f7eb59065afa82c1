/* tests/unit/test_core_log.c */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/log.h"

typedef struct capture {
  int n;
  char last[1024];
  mi_log_level last_level;
} capture;

static void sink(void *user, mi_log_level level, const char *line) {
  capture *c = user;
  c->n++;
  c->last_level = level;
  snprintf(c->last, sizeof c->last, "%s", line);
}

static void test_levels_and_prefix(void **state) {
  (void)state;
  capture cap = {0};
  mi_log_set_sink(sink, &cap);
  mi_log_set_level(MI_LOG_INFO);
  mi_log_set_thread_name("predictor");
  MI_LOGD("hidden %d", 1);
  assert_int_equal(cap.n, 0);
  MI_LOGW("plan rate %d Hz\n", 50);
  assert_int_equal(cap.n, 1);
  assert_int_equal(cap.last_level, MI_LOG_WARN);
  assert_non_null(strstr(cap.last, "WARN"));
  assert_non_null(strstr(cap.last, "[predictor]"));
  assert_non_null(strstr(cap.last, "plan rate 50 Hz"));
  assert_null(strchr(cap.last, '\n'));
  mi_log_set_level(MI_LOG_OFF);
  MI_LOGE("nothing");
  assert_int_equal(cap.n, 1);
  mi_log_set_level(MI_LOG_INFO);
  mi_log_set_thread_name(NULL);
  mi_log_set_sink(NULL, NULL);
}

static void test_parse(void **state) {
  (void)state;
  mi_log_level lv = MI_LOG_INFO;
  assert_int_equal(mi_log_level_parse("WARNING", &lv), MI_OK);
  assert_int_equal(lv, MI_LOG_WARN);
  assert_int_equal(mi_log_level_parse("debug", &lv), MI_OK);
  assert_int_equal(lv, MI_LOG_DEBUG);
  assert_int_equal(mi_log_level_parse("loud", &lv), MI_ERR_INVALID);
  assert_int_equal(lv, MI_LOG_DEBUG);
  assert_string_equal(mi_log_level_name(MI_LOG_ERROR), "ERROR");
}

static void test_rate_limit(void **state) {
  (void)state;
  capture cap = {0};
  mi_log_set_sink(sink, &cap);
  /* 1000 calls in a tight loop within one 10 s period: one line */
  for (int i = 0; i < 1000; i++) MI_LOG_EVERY_MS(MI_LOG_WARN, 10000, "overrun %d", i);
  assert_int_equal(cap.n, 1);
  assert_non_null(strstr(cap.last, "overrun 0"));

  /* with a short period, the next line reports how many were held back */
  capture cap2 = {0};
  mi_log_set_sink(sink, &cap2);
  int64_t until = mi_clock_mono_ns() + 30 * MI_NS_PER_MS;
  int calls = 0;
  while (mi_clock_mono_ns() < until) {
    MI_LOG_EVERY_MS(MI_LOG_WARN, 20, "late");
    calls++;
  }
  assert_true(cap2.n >= 1 && cap2.n <= 3);
  assert_true(calls > cap2.n);
  if (cap2.n >= 2) assert_non_null(strstr(cap2.last, "similar suppressed"));
  mi_log_set_sink(NULL, NULL);
}

static void *log_many(void *arg) {
  (void)arg;
  for (int i = 0; i < 200; i++) MI_LOGI("thread line %d", i);
  return NULL;
}

static void count_sink(void *user, mi_log_level level, const char *line) {
  (void)level;
  int *n = user;
  if (strstr(line, "thread line")) (*n)++;
}

static void test_threads(void **state) {
  (void)state;
  int n = 0;
  mi_log_set_sink(count_sink, &n);
  pthread_t th[4];
  for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, log_many, NULL);
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  mi_log_set_sink(NULL, NULL);
  assert_int_equal(n, 800);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_levels_and_prefix),
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_rate_limit),
      cmocka_unit_test(test_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
