/* tests/unit/test_worldmodel_verify.c - the exact trajectory check (libccd
 * GJK) on the example cell: a free pose passes, a sweep into the cell
 * reports its first colliding step and the pair; the world-box pre-test of
 * every pair keeps every contact (points just inside each kind of shape,
 * corners and rims included, at random poses). */
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

/* ---- world shapes: the box pre-test never drops a contact ---- */

static uint64_t g_rng = 88172645463325252ull;
static double urand(void) { /* [0, 1), xorshift64 */
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return (double)(g_rng >> 11) / 9007199254740992.0;
}
static double srand1(void) { return 2.0 * urand() - 1.0; }

/* a point on the surface of g (its own frame), corners and rims included */
static mi_vec3 surface_point(const mi_wm_geom *g) {
  const double *z = g->size;
  if (g->type == MI_WM_SHAPE_SPHERE) {
    mi_vec3 u = mi_vec3_normalize(mi_vec3_make(srand1(), srand1(), srand1() + 1e-3));
    return mi_vec3_scale(u, z[0]);
  }
  if (g->type == MI_WM_SHAPE_BOX) {
    double c[3] = {srand1() * z[0], srand1() * z[1], srand1() * z[2]};
    int face = (int)(urand() * 3.0);
    c[face] = urand() < 0.5 ? -z[face] : z[face];
    if (urand() < 0.3) /* a corner */
      for (int k = 0; k < 3; k++) c[k] = urand() < 0.5 ? -z[k] : z[k];
    return mi_vec3_make(c[0], c[1], c[2]);
  }
  double th = 2.0 * MI_PI * urand(), rho = z[0], h = srand1() * z[1];
  double pick = urand();
  if (pick < 0.3) { /* a cap */
    rho = z[0] * sqrt(urand());
    h = urand() < 0.5 ? -z[1] : z[1];
  } else if (pick < 0.5) { /* a rim */
    h = urand() < 0.5 ? -z[1] : z[1];
  }
  return mi_vec3_make(rho * cos(th), rho * sin(th), h);
}

static void test_shape_intersect(void **state) {
  (void)state;
  mi_wm_geom probe = {0};
  probe.type = MI_WM_SHAPE_BOX; /* a small cube (GJK on a tiny sphere deep inside a
                                 * sphere misses now and then) */
  probe.size[0] = probe.size[1] = probe.size[2] = 1e-4;
  probe.pose = mi_pose_identity();
  int inside = 0, outside = 0;
  for (int i = 0; i < 3000; i++) {
    mi_wm_geom g = {0};
    g.type = i % 3; /* sphere, box, cylinder */
    for (int k = 0; k < 3; k++) g.size[k] = 0.02 + 0.5 * urand();
    /* the shape's own pose inside the frame, and the frame in the world */
    g.pose.q = mi_quat_normalize((mi_quat){srand1(), srand1(), srand1(), srand1() + 1e-3});
    g.pose.p = mi_vec3_make(0.1 * srand1(), 0.1 * srand1(), 0.1 * srand1());
    mi_pose frame = {mi_vec3_make(srand1(), srand1(), srand1()),
                     mi_quat_normalize((mi_quat){srand1(), srand1(), srand1(), srand1() + 1e-3})};
    mi_pose w = mi_pose_mul(frame, g.pose);
    mi_vec3 s = surface_point(&g);
    /* just inside (toward the centre) touches; just outside does not */
    mi_vec3 in = mi_pose_apply(w, mi_vec3_scale(s, 0.99));
    mi_vec3 out = mi_pose_apply(w, mi_vec3_scale(s, 1.02));
    mi_pose pin = {in, {1, 0, 0, 0}}, pout = {out, {1, 0, 0, 0}};
    if (!mi_wm_shape_intersect(&g, frame, &probe, pin))
      fail_msg("case %d shape %d (size %g %g %g): a point just inside was not found", i, g.type,
               g.size[0], g.size[1], g.size[2]);
    inside++;
    assert_false(mi_wm_shape_intersect(&g, frame, &probe, pout));
    outside++;
  }
  /* two spheres against their distance */
  for (int i = 0; i < 1000; i++) {
    mi_wm_geom a = {0}, b = {0};
    a.type = b.type = MI_WM_SHAPE_SPHERE;
    a.pose = b.pose = mi_pose_identity();
    a.size[0] = 0.05 + 0.3 * urand();
    b.size[0] = 0.05 + 0.3 * urand();
    mi_pose pa = {mi_vec3_make(srand1(), srand1(), srand1()), {1, 0, 0, 0}};
    mi_pose pb = {mi_vec3_make(srand1(), srand1(), srand1()), {1, 0, 0, 0}};
    double d = mi_vec3_norm(mi_vec3_sub(pa.p, pb.p)), r = a.size[0] + b.size[0];
    if (fabs(d - r) < 1e-6) continue;
    assert_int_equal(mi_wm_shape_intersect(&a, pa, &b, pb) != 0, d < r);
  }
  printf("  %d surface points found from just inside, %d missed from just outside\n", inside,
         outside);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_verify_sweep),
                                     cmocka_unit_test(test_shape_intersect)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
