/* tests/unit/test_controllers_teleop.c - keys and joystick to twists, and
 * the dead-man: releasing means zero. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "controllers/teleop.h"

#define MS 1000000LL

static void test_keys_and_hold(void **state) {
  (void)state;
  mi_ctrl_teleop t;
  mi_ctrl_teleop_init(&t, 0.1, 0.5, 300 * MS, 4);
  mi_ctrl_twist w = mi_ctrl_teleop_twist(&t, 0);
  assert_true(mi_ctrl_twist_is_zero(&w));
  assert_true(mi_ctrl_teleop_key(&t, 'w', 1000 * MS));
  w = mi_ctrl_teleop_twist(&t, 1100 * MS);
  assert_true(w.lin[0] == 0.1 && w.lin[1] == 0.0 && w.ang[2] == 0.0);
  /* auto-repeat keeps it alive */
  mi_ctrl_teleop_key(&t, 'w', 1250 * MS);
  w = mi_ctrl_teleop_twist(&t, 1500 * MS);
  assert_true(w.lin[0] == 0.1);
  /* released: no press for hold_ns -> zero */
  w = mi_ctrl_teleop_twist(&t, 1550 * MS);
  assert_true(mi_ctrl_twist_is_zero(&w));
  mi_ctrl_teleop_key(&t, 'e', 2000 * MS);
  w = mi_ctrl_teleop_twist(&t, 2000 * MS);
  assert_true(w.ang[2] == -0.5 && w.lin[0] == 0.0);
  /* space stops at once */
  mi_ctrl_teleop_key(&t, ' ', 2010 * MS);
  w = mi_ctrl_teleop_twist(&t, 2010 * MS);
  assert_true(mi_ctrl_twist_is_zero(&w));
  assert_false(mi_ctrl_teleop_key(&t, 'z', 2020 * MS));
  assert_false(t.quit);
  mi_ctrl_teleop_key(&t, 3, 2030 * MS);
  assert_true(t.quit);
}

static void test_joystick_deadman(void **state) {
  (void)state;
  mi_ctrl_teleop t;
  mi_ctrl_teleop_init(&t, 0.2, 1.0, 300 * MS, 4);
  mi_ctrl_teleop_axis(&t, 1, -32767); /* stick forward */
  mi_ctrl_teleop_axis(&t, 3, 16384);
  mi_ctrl_teleop_axis(&t, 0, 1000); /* inside the dead band */
  mi_ctrl_twist w = mi_ctrl_teleop_twist(&t, 0);
  assert_true(mi_ctrl_twist_is_zero(&w)); /* dead-man not held */
  mi_ctrl_teleop_button(&t, 4, true);
  w = mi_ctrl_teleop_twist(&t, 0);
  assert_true(w.lin[0] > 0.199 && w.lin[0] <= 0.2);
  assert_true(w.lin[1] == 0.0);
  assert_true(w.ang[2] < -0.49 && w.ang[2] > -0.51);
  mi_ctrl_teleop_button(&t, 2, false); /* another button: no effect */
  w = mi_ctrl_teleop_twist(&t, 0);
  assert_false(mi_ctrl_twist_is_zero(&w));
  mi_ctrl_teleop_button(&t, 4, false); /* released: zero at once */
  w = mi_ctrl_teleop_twist(&t, 0);
  assert_true(mi_ctrl_twist_is_zero(&w));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keys_and_hold),
      cmocka_unit_test(test_joystick_deadman),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
