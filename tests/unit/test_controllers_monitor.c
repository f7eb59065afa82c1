/* tests/unit/test_controllers_monitor.c - freshness budgets and the
 * RUN / DEGRADED / SAFE_STOP state machine, on an injected clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "controllers/monitor.h"

#define MS 1000000LL

static void init(mi_ctrl_monitor *m) {
  mi_ctrl_budget b[MI_CTRL_IN_COUNT] = {
      [MI_CTRL_IN_PLAN] = {100 * MS, 300 * MS},
      [MI_CTRL_IN_JOINT_STATES] = {10 * MS, 50 * MS},
      [MI_CTRL_IN_ZONE] = {250 * MS, 1000 * MS},
  };
  mi_ctrl_monitor_init(m, b, 500 * MS, 1000 * MS, 0);
}

static void all_arrive(mi_ctrl_monitor *m, int64_t t) {
  for (int i = 0; i < MI_CTRL_IN_COUNT; i++) mi_ctrl_monitor_arrival(m, (mi_ctrl_input)i, t);
}

static void test_freshness(void **state) {
  (void)state;
  mi_ctrl_monitor m;
  init(&m);
  assert_int_equal(m.state, MI_CTRL_SAFE_STOP);
  assert_int_equal(m.reason, MI_CTRL_REASON_START);
  mi_ctrl_monitor_update(&m, 1 * MS, false, true, NULL);
  assert_int_equal(m.fresh[MI_CTRL_IN_PLAN], MI_CTRL_FRESH_EXPIRED); /* never received */
  assert_int_equal(mi_ctrl_monitor_age(&m, MI_CTRL_IN_PLAN, 5 * MS), -1);
  mi_ctrl_monitor_arrival(&m, MI_CTRL_IN_PLAN, 10 * MS);
  mi_ctrl_monitor_update(&m, 110 * MS, false, true, NULL); /* age 100: at the budget, OK */
  assert_int_equal(m.fresh[MI_CTRL_IN_PLAN], MI_CTRL_FRESH_OK);
  mi_ctrl_monitor_update(&m, 110 * MS + 1, false, true, NULL);
  assert_int_equal(m.fresh[MI_CTRL_IN_PLAN], MI_CTRL_FRESH_LATE);
  assert_int_equal(m.late_count[MI_CTRL_IN_PLAN], 1);
  mi_ctrl_monitor_update(&m, 311 * MS, false, true, NULL);
  assert_int_equal(m.fresh[MI_CTRL_IN_PLAN], MI_CTRL_FRESH_EXPIRED);
  assert_int_equal(m.expired_count[MI_CTRL_IN_PLAN], 1);
  /* an older arrival does not move the time back */
  mi_ctrl_monitor_arrival(&m, MI_CTRL_IN_PLAN, 5 * MS);
  assert_int_equal(mi_ctrl_monitor_age(&m, MI_CTRL_IN_PLAN, 20 * MS), 10 * MS);
  assert_string_equal(mi_ctrl_state_name(MI_CTRL_DEGRADED), "DEGRADED");
  assert_string_equal(mi_ctrl_fresh_name(MI_CTRL_FRESH_LATE), "LATE");
  assert_string_equal(mi_ctrl_input_name(MI_CTRL_IN_ZONE), "safety_zone");
  assert_string_equal(mi_ctrl_reason_text(MI_CTRL_REASON_PERSON_IN_ZONE), "person in zone");
}

/* 1 kHz updates: every input fresh, then the plan stalls at 2000 ms */
static void test_stall_sequence(void **state) {
  (void)state;
  mi_ctrl_monitor m;
  init(&m);
  mi_ctrl_transition tr, seen[8];
  int n = 0;
  for (int64_t t = 0; t <= 4000 * MS; t += MS) {
    mi_ctrl_monitor_arrival(&m, MI_CTRL_IN_JOINT_STATES, t);
    mi_ctrl_monitor_arrival(&m, MI_CTRL_IN_ZONE, t);
    if (t <= 2000 * MS && t % (20 * MS) == 0) mi_ctrl_monitor_arrival(&m, MI_CTRL_IN_PLAN, t);
    if (mi_ctrl_monitor_update(&m, t, false, true, &tr)) seen[n++] = tr;
    if (n == 8) break;
  }
  assert_int_equal(n, 3);
  assert_int_equal(seen[0].to, MI_CTRL_RUN);
  assert_int_equal(seen[0].reason, MI_CTRL_REASON_RECOVERED);
  assert_int_equal(seen[0].t_ns, 500 * MS); /* settle time after first fresh */
  assert_int_equal(seen[1].from, MI_CTRL_RUN);
  assert_int_equal(seen[1].to, MI_CTRL_DEGRADED);
  assert_int_equal(seen[1].reason, MI_CTRL_REASON_INPUT_LATE);
  assert_int_equal(seen[1].input, MI_CTRL_IN_PLAN);
  assert_int_equal(seen[1].budget_ns, 100 * MS);
  assert_true(seen[1].t_ns > 2100 * MS && seen[1].t_ns <= 2101 * MS);
  assert_int_equal(seen[2].to, MI_CTRL_SAFE_STOP);
  assert_int_equal(seen[2].reason, MI_CTRL_REASON_INPUT_EXPIRED);
  assert_true(seen[2].t_ns > 2300 * MS && seen[2].t_ns <= 2301 * MS);
  assert_true(seen[2].age_ns > 300 * MS);
  assert_int_equal(m.transitions, 3);
}

static void test_recover_needs_settle_and_stop(void **state) {
  (void)state;
  mi_ctrl_monitor m;
  init(&m);
  mi_ctrl_transition tr;
  /* fresh data, but the stop has not finished: stays in SAFE_STOP */
  int64_t t = 0;
  for (; t <= 800 * MS; t += MS) {
    all_arrive(&m, t);
    assert_false(mi_ctrl_monitor_update(&m, t, false, false, &tr));
  }
  /* stop finished: RUN at once (settled long ago) */
  all_arrive(&m, t);
  assert_true(mi_ctrl_monitor_update(&m, t, false, true, &tr));
  assert_int_equal(tr.to, MI_CTRL_RUN);

  /* a person: SAFE_STOP at once */
  t += MS;
  all_arrive(&m, t);
  assert_true(mi_ctrl_monitor_update(&m, t, true, true, &tr));
  assert_int_equal(tr.to, MI_CTRL_SAFE_STOP);
  assert_int_equal(tr.reason, MI_CTRL_REASON_PERSON_IN_ZONE);
  int64_t t_clear = t + 100 * MS;
  for (t += MS; t < t_clear; t += MS) {
    all_arrive(&m, t);
    assert_false(mi_ctrl_monitor_update(&m, t, true, true, &tr));
  }
  /* clear, but a late joint state at +200 ms breaks the settle window */
  int64_t t_run = -1;
  for (; t < t_clear + 2000 * MS; t += MS) {
    bool gap = t > t_clear + 200 * MS && t < t_clear + 220 * MS;
    if (!gap) all_arrive(&m, t);
    if (mi_ctrl_monitor_update(&m, t, false, true, &tr)) {
      assert_int_equal(tr.to, MI_CTRL_RUN);
      t_run = t;
      break;
    }
  }
  /* joint states went LATE after 10 ms of the gap, fresh again at +220 */
  assert_int_equal(t_run, t_clear + 220 * MS + 500 * MS);
}

static void test_degraded_timeout(void **state) {
  (void)state;
  mi_ctrl_monitor m;
  init(&m);
  mi_ctrl_transition tr;
  int64_t t = 0;
  for (; t <= 500 * MS; t += MS) {
    all_arrive(&m, t);
    mi_ctrl_monitor_update(&m, t, false, true, &tr);
  }
  assert_int_equal(m.state, MI_CTRL_RUN);
  /* the zone goes late (250 ms) but never expires before 1000 ms; DEGRADED
   * lasting degraded_max (1000 ms) ends in SAFE_STOP */
  int64_t t_zone = t - MS;
  int64_t t_deg = -1, t_stop = -1;
  for (; t < 3000 * MS && t_stop < 0; t += MS) {
    mi_ctrl_monitor_arrival(&m, MI_CTRL_IN_PLAN, t);
    mi_ctrl_monitor_arrival(&m, MI_CTRL_IN_JOINT_STATES, t);
    if (t < t_zone + 900 * MS) {
      /* zone every 300 ms: LATE between samples, never EXPIRED */
      if ((t - t_zone) % (300 * MS) == 0) mi_ctrl_monitor_arrival(&m, MI_CTRL_IN_ZONE, t);
    } else {
      mi_ctrl_monitor_arrival(&m, MI_CTRL_IN_ZONE, t - 260 * MS);
    }
    if (mi_ctrl_monitor_update(&m, t, false, true, &tr)) {
      if (tr.to == MI_CTRL_DEGRADED) t_deg = t;
      if (tr.to == MI_CTRL_SAFE_STOP) {
        t_stop = t;
        assert_int_equal(tr.reason, MI_CTRL_REASON_DEGRADED_TIMEOUT);
      }
    }
  }
  assert_true(t_deg > 0);
  assert_int_equal(t_stop - t_deg, 1000 * MS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_freshness),
      cmocka_unit_test(test_stall_sequence),
      cmocka_unit_test(test_recover_needs_settle_and_stop),
      cmocka_unit_test(test_degraded_timeout),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
