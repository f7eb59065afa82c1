/* tests/unit/test_worldmodel_verify.c - the exact trajectory check (libccd
 * GJK) on the example cell: a free pose passes, a sweep into the cell
 * reports its first colliding step and the pair. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "worldmodel/verify.h"

#define DATA MIRAI_SOURCE_DIR "/tests/data/"

static void test_verify_sweep(void **state) {
  (void)state;
  char err[512];
  mi_model *m = mi_wm_model_load(DATA "wm_arm7.urdf", DATA "wm_cell.cell.yaml", err, sizeof err);
  if (!m) fail_msg("%s", err);
  enum { T = 100 };
  double q[T * 7];
  memset(q, 0, sizeof q);
  mi_wm_hit hit;
  assert_int_equal(mi_wm_verify(m, q, T, &hit), MI_OK); /* upright: free */
  /* tilt the shoulder forward and back down over the cell */
  for (int t = 0; t < T; t++) {
    q[t * 7 + 0] = 0.9;
    q[t * 7 + 1] = 1.7 * t / (T - 1);
    q[t * 7 + 3] = -0.1;
  }
  mi_status st = mi_wm_verify(m, q, T, &hit);
  assert_int_equal(st, MI_ERR_COLLISION);
  printf("  first collision at step %d: geom %s against %s %d\n", hit.step, m->geom[hit.geom].name,
         hit.kind == 0 ? "fixture" : hit.kind == 1 ? "conveyor" : "zone", hit.other);
  assert_true(hit.step > 0);
  /* the step before is free, the reported pair really intersects */
  assert_int_equal(mi_wm_verify(m, q, hit.step, NULL), MI_OK);
  const mi_wm_geom *other = hit.kind == 0   ? &m->fixture[hit.other]
                            : hit.kind == 1 ? &m->conveyor.belt
                                            : &m->zone[hit.other];
  assert_true(mi_wm_geom_intersect(m, q + hit.step * 7, hit.geom, other));
  assert_false(mi_wm_geom_intersect(m, q + (hit.step - 1) * 7, hit.geom, other));
  mi_wm_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_verify_sweep)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
