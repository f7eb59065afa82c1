/* tests/unit/test_worldmodel_clearance.c - the planner's sphere clearances
 * (worldmodel/cost.h, float32) against libccd on the same pairs.
 *
 * libccd 2.1 has no distance function (ccd.h: ccdGJKIntersect,
 * ccdGJKSeparate, ccdGJKPenetration, ccdMPRIntersect, ccdMPRPenetration),
 * and its EPA depth on curved supports (spheres, cylinders) stops short by
 * up to ~5e-4 m. The reference is therefore the signed distance of the
 * sphere's centre from libccd's intersection test alone, minus r:
 *   centre outside: a sphere about the centre is grown until libccd first
 *     reports contact (bisection on its radius, 50 halvings);
 *   centre inside: the obstacle is eroded (box half extents, cylinder
 *     radius and half length, sphere radius minus delta: exactly the points
 *     at least delta deep) until libccd no longer reports the centre inside.
 * The contact test is ccdMPRIntersect (mpr_tolerance 1e-9): ccdGJKIntersect
 * misjudges near-touching curved pairs by up to ~6e-5 m.
 * For overlapping pairs libccd's own depths agree too: EPA's within 2e-3 m
 * for boxes and cylinders, MPR's within 1e-6 m for two spheres (along the
 * centre line it is exact; EPA degenerates to 0 there when GJK ends on a
 * segment). The support functions are this file's own
 * (not verify.c's), so the check shares no code with the cost.
 *
 * Stated tolerance: |d_cost - d_ccd| <= 2e-5 m + 2e-6 |d| (float32 cost,
 * double reference), 400 random poses, sizes and spheres per shape. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccd/ccd.h>
#include <cmocka.h>

#include "core/math.h"
#include "worldmodel/cost.h"

typedef struct shape {
  int type; /* mi_cost_shape (no planes) */
  double size[3];
  double R[9]; /* world from shape, row-major */
  double p[3];
} shape;

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static double urand(double lo, double hi) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return lo + (hi - lo) * (double)(g_rng >> 11) * (1.0 / 9007199254740992.0);
}

static void support(const void *obj, const ccd_vec3_t *dir, ccd_vec3_t *out) {
  const shape *s = obj;
  const double *R = s->R;
  double dw[3] = {dir->v[0], dir->v[1], dir->v[2]};
  double d[3], l[3];
  for (int i = 0; i < 3; i++) d[i] = R[i] * dw[0] + R[3 + i] * dw[1] + R[6 + i] * dw[2];
  if (s->type == MI_COST_SPHERE) {
    double n = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    for (int i = 0; i < 3; i++) l[i] = n > 0 ? d[i] / n * s->size[0] : 0;
  } else if (s->type == MI_COST_BOX) {
    for (int i = 0; i < 3; i++) l[i] = d[i] >= 0 ? s->size[i] : -s->size[i];
  } else {
    double r = sqrt(d[0] * d[0] + d[1] * d[1]);
    l[0] = r > 0 ? d[0] / r * s->size[0] : 0;
    l[1] = r > 0 ? d[1] / r * s->size[0] : 0;
    l[2] = d[2] >= 0 ? s->size[1] : -s->size[1];
  }
  for (int i = 0; i < 3; i++)
    out->v[i] = s->p[i] + R[3 * i] * l[0] + R[3 * i + 1] * l[1] + R[3 * i + 2] * l[2];
}

static void center(const void *obj, ccd_vec3_t *c) {
  const shape *s = obj;
  for (int i = 0; i < 3; i++) c->v[i] = s->p[i];
}

static ccd_t ccd_setup(void) {
  ccd_t c;
  CCD_INIT(&c);
  c.support1 = support;
  c.support2 = support;
  c.center1 = center;
  c.center2 = center;
  c.max_iterations = 1000;
  c.epa_tolerance = 1e-6;
  c.mpr_tolerance = 1e-9;
  c.dist_tolerance = 1e-10;
  return c;
}

/* does the point c touch shape ob (libccd MPR; a sphere of radius rad
 * about c, the shape eroded by `erode` on every face) */
static int touches(const double c[3], double rad, const shape *ob, double erode) {
  ccd_t cc = ccd_setup();
  shape sp = {MI_COST_SPHERE, {rad, 0, 0}, {1, 0, 0, 0, 1, 0, 0, 0, 1}, {c[0], c[1], c[2]}};
  shape o = *ob;
  for (int i = 0; i < 3; i++) o.size[i] -= erode;
  return ccdMPRIntersect(&sp, &o, &cc);
}

/* the signed distance of the point c to ob by libccd's MPR test alone:
 *   outside: grow a sphere about c until it first touches (bisection);
 *   inside: erode the shape (box half extents, cylinder radius and half
 *     length, sphere radius all minus delta: exactly the set of points at
 *     least delta deep) until c leaves it */
static double ccd_point_distance(const double c[3], const shape *ob) {
  double lo = 0, hi;
  if (!touches(c, 0.0, ob, 0.0)) {
    hi = 1.0;
    while (!touches(c, hi, ob, 0.0)) {
      lo = hi;
      hi *= 2;
      assert_true(hi < 1e3);
    }
    for (int it = 0; it < 50; it++) {
      double mid = 0.5 * (lo + hi);
      if (touches(c, mid, ob, 0.0))
        hi = mid;
      else
        lo = mid;
    }
    return 0.5 * (lo + hi);
  }
  /* inside: the depth is below the smallest size */
  hi = ob->size[0];
  int nsz = ob->type == MI_COST_BOX ? 3 : ob->type == MI_COST_CYLINDER ? 2 : 1;
  for (int i = 1; i < nsz; i++)
    if (ob->size[i] < hi) hi = ob->size[i];
  for (int it = 0; it < 50; it++) {
    double mid = 0.5 * (lo + hi);
    if (touches(c, 0.0, ob, mid))
      lo = mid;
    else
      hi = mid;
  }
  return -0.5 * (lo + hi);
}

/* the signed surface distance of sphere (c, r) to ob by libccd alone:
 * sd(c) - r; for overlapping pairs also libccd's EPA and MPR penetration
 * depths (reported, loosely bounded: see the file comment) */
static double ccd_signed_distance(const double c[3], double r, const shape *ob, double *epa_depth,
                                  double *mpr_depth) {
  *epa_depth = *mpr_depth = NAN;
  ccd_t cc = ccd_setup();
  shape sp = {MI_COST_SPHERE, {r, 0, 0}, {1, 0, 0, 0, 1, 0, 0, 0, 1}, {c[0], c[1], c[2]}};
  ccd_real_t depth = 0;
  ccd_vec3_t dir, pos;
  if (ccdGJKPenetration(&sp, ob, &cc, &depth, &dir, &pos) == 0) *epa_depth = depth;
  if (ccdMPRPenetration(&sp, ob, &cc, &depth, &dir, &pos) == 0) *mpr_depth = depth;
  return ccd_point_distance(c, ob) - r;
}

static void random_rotation(double R[9]) {
  mi_quat q = mi_quat_normalize(
      (mi_quat){urand(-1, 1), urand(-1, 1), urand(-1, 1), urand(-1, 1)});
  mi_mat3 M = mi_quat_to_mat3(q);
  memcpy(R, M.m, sizeof M.m);
}

static void to_obstacle(const shape *s, mi_cost_obstacle *ob) {
  for (int i = 0; i < 3; i++) {
    ob->p[i] = (float)s->p[i];
    ob->size[i] = (float)s->size[i];
  }
  for (int i = 0; i < 9; i++) ob->R[i] = (float)s->R[i];
  ob->shape = s->type;
  ob->kind = MI_COST_FIXTURE;
}

/* N random (obstacle, sphere) pairs per shape, half of them overlapping */
static void check_shape(int type, const char *name) {
  enum { N = 400 };
  double worst[2] = {0, 0}, worst_epa = 0, worst_mpr = 0;
  int nsep = 0, npen = 0;
  for (int k = 0; k < N; k++) {
    shape s;
    memset(&s, 0, sizeof s);
    s.type = type;
    s.size[0] = urand(0.02, 0.5);
    s.size[1] = urand(0.02, 0.5);
    s.size[2] = urand(0.02, 0.5);
    random_rotation(s.R);
    for (int i = 0; i < 3; i++) s.p[i] = urand(-1, 1);
    double r = urand(0.01, 0.15);
    /* a sphere centre around the obstacle: inside, near the surface, or up
     * to 0.4 m away (positions rounded to float, as the cost sees them) */
    double ext = s.size[0] + s.size[1] + s.size[2];
    double c[3];
    for (int i = 0; i < 3; i++) c[i] = (double)(float)(s.p[i] + urand(-ext, ext) * 0.8);
    for (int i = 0; i < 3; i++) s.p[i] = (double)(float)s.p[i];
    for (int i = 0; i < 9; i++) s.R[i] = (double)(float)s.R[i];
    r = (double)(float)r;

    mi_cost_obstacle ob;
    to_obstacle(&s, &ob);
    float cf[3] = {(float)c[0], (float)c[1], (float)c[2]};
    double d_cost = mi_cost_sd_sphere_obstacle(cf, (float)r, &ob);
    double epa, mpr;
    double d_ccd = ccd_signed_distance(c, r, &s, &epa, &mpr);
    double err = fabs(d_cost - d_ccd);
    if (err > worst[d_ccd > 0]) worst[d_ccd > 0] = err;
    if (err > 2e-5 + 2e-6 * fabs(d_ccd))
      fail_msg("%s pair %d: cost %.9g, libccd %.9g", name, k, d_cost, d_ccd);
    if (d_ccd > 0) {
      nsep++;
    } else {
      npen++;
      /* libccd's own penetration depths agree too, to their tolerance */
      if (!isnan(epa) && fabs(-epa - d_cost) > worst_epa) worst_epa = fabs(-epa - d_cost);
      if (!isnan(mpr) && fabs(-mpr - d_cost) > worst_mpr) worst_mpr = fabs(-mpr - d_cost);
      if (type == MI_COST_SPHERE) {
        /* two spheres: MPR's depth along the centre line is exact (EPA's
         * degenerates to 0 when GJK ends on a segment) */
        if (!isnan(mpr) || d_ccd < -1e-6) assert_true(fabs(-mpr - d_cost) <= 1e-6);
      } else if (!isnan(epa) || d_ccd < -1e-4) {
        assert_true(fabs(-epa - d_cost) <= 2e-3);
      }
    }
  }
  printf("  %s: %d separated (max err %.2g m), %d overlapping (max err %.2g m; EPA depth %.2g m, "
         "MPR depth %.2g m)\n",
         name, nsep, worst[1], npen, worst[0], worst_epa, worst_mpr);
  /* both regimes were exercised */
  assert_true(nsep >= N / 10);
  assert_true(npen >= N / 10);
}

static void test_sphere_vs_box(void **state) {
  (void)state;
  check_shape(MI_COST_BOX, "box");
}
static void test_sphere_vs_cylinder(void **state) {
  (void)state;
  check_shape(MI_COST_CYLINDER, "cylinder");
}
static void test_sphere_vs_sphere(void **state) {
  (void)state;
  check_shape(MI_COST_SPHERE, "sphere");
}

/* the ground: the cost's plane against a large thin box below z = 0 */
static void test_sphere_vs_ground(void **state) {
  (void)state;
  shape slab = {MI_COST_BOX, {50, 50, 1}, {1, 0, 0, 0, 1, 0, 0, 0, 1}, {0, 0, -1}};
  mi_cost_obstacle ground = {{0, 0, 0}, {1, 0, 0, 0, 1, 0, 0, 0, 1}, {0, 0, 0}, MI_COST_PLANE,
                             MI_COST_GROUND};
  for (int k = 0; k < 100; k++) {
    double c[3] = {(float)urand(-1, 1), (float)urand(-1, 1), (float)urand(-0.05, 0.5)};
    double r = (float)urand(0.02, 0.1);
    float cf[3] = {(float)c[0], (float)c[1], (float)c[2]};
    double epa, mpr;
    double d_ccd = ccd_signed_distance(c, r, &slab, &epa, &mpr);
    double d_cost = mi_cost_sd_sphere_obstacle(cf, (float)r, &ground);
    assert_true(fabs(d_cost - d_ccd) <= 2e-5 + 2e-6 * fabs(d_ccd));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sphere_vs_box),
      cmocka_unit_test(test_sphere_vs_cylinder),
      cmocka_unit_test(test_sphere_vs_sphere),
      cmocka_unit_test(test_sphere_vs_ground),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
