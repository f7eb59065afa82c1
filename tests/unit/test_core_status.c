/* tests/unit/test_core_status.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/status.h"

static void test_every_code_has_text(void **state) {
  (void)state;
#define CHECK_(name, value, desc)                              \
  assert_string_equal(mi_status_str(name), desc);              \
  assert_string_equal(mi_status_name(name), #name);            \
  assert_true(value <= 0);
  MI_STATUS_MAP(CHECK_)
#undef CHECK_
}

static void test_unknown_code(void **state) {
  (void)state;
  assert_string_equal(mi_status_str((mi_status)-9999), "unknown status");
  assert_string_equal(mi_status_name((mi_status)42), "MI_UNKNOWN");
  assert_int_equal(MI_OK, 0);
  assert_true(MI_ERR_PARSE < 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_code_has_text),
      cmocka_unit_test(test_unknown_code),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
