/* tests/unit/test_sim_command.c - malformed commands are rejected and
 * counted; names are mapped; the watchdog holds after the timeout. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim/command.h"

#define MS 1000000LL

static const char *const names[3] = {"j1", "j2", "j3"};

static void test_malformed_rejected_and_counted(void **state) {
  (void)state;
  mi_sim_cmd_gate g;
  assert_int_equal(mi_sim_cmd_gate_init(&g, 3, names, 100 * MS, 5 * MS), MI_OK);
  double e3[3] = {1, 2, 3}, e2[2] = {1, 2}, enan[3] = {1, NAN, 3}, einf[3] = {INFINITY, 0, 0};
  mi_sim_cmd_in c = {0};
  /* wrong length */
  c.n_effort = 2;
  c.effort = e2;
  assert_int_equal(mi_sim_cmd_submit(&g, &c, 0), MI_ERR_REJECTED);
  /* nothing to command */
  c.n_effort = 0;
  assert_int_equal(mi_sim_cmd_submit(&g, &c, 0), MI_ERR_REJECTED);
  assert_int_equal(g.counters.rejected_length, 2);
  /* NaN and infinity */
  c.n_effort = 3;
  c.effort = enan;
  assert_int_equal(mi_sim_cmd_submit(&g, &c, 0), MI_ERR_REJECTED);
  c.effort = einf;
  assert_int_equal(mi_sim_cmd_submit(&g, &c, 0), MI_ERR_REJECTED);
  c.effort = e3;
  c.n_position = 3;
  c.position = enan;
  assert_int_equal(mi_sim_cmd_submit(&g, &c, 0), MI_ERR_REJECTED);
  assert_int_equal(g.counters.rejected_nonfinite, 3);
  c.n_position = 0;
  /* unknown and repeated names */
  const char *bad[3] = {"j1", "j2", "elbow"}, *rep[3] = {"j1", "j1", "j3"};
  c.n_name = 3;
  c.name = bad;
  assert_int_equal(mi_sim_cmd_submit(&g, &c, 0), MI_ERR_REJECTED);
  c.name = rep;
  assert_int_equal(mi_sim_cmd_submit(&g, &c, 0), MI_ERR_REJECTED);
  assert_int_equal(g.counters.rejected_names, 2);
  /* from the future */
  c.n_name = 0;
  c.stamp_ns = 10 * MS;
  assert_int_equal(mi_sim_cmd_submit(&g, &c, 0), MI_ERR_REJECTED);
  assert_int_equal(g.counters.rejected_future, 1);
  assert_int_equal(mi_sim_cmd_rejected(&g), 8);
  /* none of them reached the gate */
  assert_int_equal(g.mode, MI_SIM_CMD_NONE);
  assert_int_equal(g.counters.accepted, 0);
  assert_true(g.effort[1] == 0.0);
  /* a good one */
  c.stamp_ns = 0;
  assert_int_equal(mi_sim_cmd_submit(&g, &c, 0), MI_OK);
  assert_int_equal(g.mode, MI_SIM_CMD_ACTIVE);
  assert_true(g.has_effort && !g.has_position);
  assert_true(g.effort[2] == 3.0);
  assert_int_equal(g.counters.accepted, 1);
}

static void test_names_are_mapped(void **state) {
  (void)state;
  mi_sim_cmd_gate g;
  assert_int_equal(mi_sim_cmd_gate_init(&g, 3, names, 100 * MS, 5 * MS), MI_OK);
  const char *order[3] = {"j3", "j1", "j2"};
  double p[3] = {3, 1, 2};
  mi_sim_cmd_in c = {0};
  c.n_name = 3;
  c.name = order;
  c.n_position = 3;
  c.position = p;
  assert_int_equal(mi_sim_cmd_submit(&g, &c, 0), MI_OK);
  assert_true(g.position[0] == 1 && g.position[1] == 2 && g.position[2] == 3);
  assert_true(g.has_position && !g.has_effort);
}

/* real time: a loop the machine held back (cell time behind the wall clock)
 * takes a command stamped now for now, and still refuses one from a clock
 * that runs ahead */
static void test_stamp_on_a_lagging_cell(void **state) {
  (void)state;
  static const char *const ab[2] = {"a", "b"};
  mi_sim_cmd_gate g;
  assert_int_equal(mi_sim_cmd_gate_init(&g, 2, ab, 100000000, 5000000), MI_OK);
  const int64_t base = 1700000000000000000LL, ms = 1000000;
  double pos[2] = {0.1, 0.2};
  mi_sim_cmd_in c = {.n_position = 2, .position = pos};
  /* on schedule: cell time 1 s at wall base + 1 s */
  int64_t cell = 1000 * ms, wall = base + cell;
  c.stamp_ns = mi_sim_cmd_stamp_on_cell(wall, base, wall, cell);
  assert_true(c.stamp_ns == cell);
  assert_int_equal(mi_sim_cmd_submit(&g, &c, cell), MI_OK);
  /* 20 ms behind schedule: stamped now, it is the cell's now */
  wall = base + cell + 20 * ms;
  c.stamp_ns = mi_sim_cmd_stamp_on_cell(wall, base, wall, cell);
  assert_true(c.stamp_ns == cell);
  assert_int_equal(mi_sim_cmd_submit(&g, &c, cell), MI_OK);
  /* without the correction the same command was refused */
  c.stamp_ns = wall - base;
  assert_int_equal(mi_sim_cmd_submit(&g, &c, cell), MI_ERR_REJECTED);
  /* a sender 1 s ahead is refused, lag or not */
  c.stamp_ns = mi_sim_cmd_stamp_on_cell(wall + 1000 * ms, base, wall, cell);
  assert_true(c.stamp_ns == cell + 1000 * ms);
  assert_int_equal(mi_sim_cmd_submit(&g, &c, cell), MI_ERR_REJECTED);
  assert_int_equal(g.counters.rejected_future, 2);
  /* ahead of schedule (never in a paced loop, but): no stamp moves forward */
  assert_true(mi_sim_cmd_stamp_on_cell(base + 5 * ms, base, base + 5 * ms, 10 * ms) == 5 * ms);
  /* unstamped stays unstamped; a stamp the lag takes past the start is 1 ns */
  assert_true(mi_sim_cmd_stamp_on_cell(0, base, wall, cell) == 0);
  assert_true(mi_sim_cmd_stamp_on_cell(base + 1 * ms, base, base + 50 * ms, 10 * ms) == 1);
}

static void test_watchdog_holds(void **state) {
  (void)state;
  mi_sim_cmd_gate g;
  assert_int_equal(mi_sim_cmd_gate_init(&g, 3, names, 100 * MS, 5 * MS), MI_OK);
  /* no command yet: passive, never a trip */
  assert_int_equal(mi_sim_cmd_poll(&g, 10000 * MS), MI_SIM_CMD_NONE);
  double e3[3] = {0};
  mi_sim_cmd_in c = {0};
  c.n_effort = 3;
  c.effort = e3;
  c.stamp_ns = 1000 * MS;
  assert_int_equal(mi_sim_cmd_submit(&g, &c, 1000 * MS), MI_OK);
  assert_int_equal(mi_sim_cmd_poll(&g, 1100 * MS), MI_SIM_CMD_ACTIVE);
  assert_int_equal(mi_sim_cmd_poll(&g, 1101 * MS), MI_SIM_CMD_HOLD);
  assert_int_equal(mi_sim_cmd_poll(&g, 1200 * MS), MI_SIM_CMD_HOLD);
  assert_int_equal(g.counters.watchdog_trips, 1);
  /* a rejected command does not release the hold */
  c.n_effort = 1;
  assert_int_equal(mi_sim_cmd_submit(&g, &c, 1300 * MS), MI_ERR_REJECTED);
  assert_int_equal(mi_sim_cmd_poll(&g, 1300 * MS), MI_SIM_CMD_HOLD);
  /* a fresh valid one does */
  c.n_effort = 3;
  c.stamp_ns = 1300 * MS;
  assert_int_equal(mi_sim_cmd_submit(&g, &c, 1300 * MS), MI_OK);
  assert_int_equal(mi_sim_cmd_poll(&g, 1350 * MS), MI_SIM_CMD_ACTIVE);
  assert_int_equal(mi_sim_cmd_poll(&g, 1500 * MS), MI_SIM_CMD_HOLD);
  assert_int_equal(g.counters.watchdog_trips, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_malformed_rejected_and_counted),
      cmocka_unit_test(test_names_are_mapped),
      cmocka_unit_test(test_stamp_on_a_lagging_cell),
      cmocka_unit_test(test_watchdog_holds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
