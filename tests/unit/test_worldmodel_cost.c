/* tests/unit/test_worldmodel_cost.c - cost terms: signed distances against
 * closed-form values (faces, edges, corners, inside; rotated shapes),
 * clearance zero when clear and growing with penetration, limits,
 * orientation error, smoothness, strided joint terms, spline evaluation;
 * penetration depths and intersection against libccd (GJK/EPA). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ccd/ccd.h>
#include <cmocka.h>

#include "core/philox.h"
#include "worldmodel/cost.h"
#include "worldmodel/planner.h"

#define TOL 1e-5

static mi_cost_obstacle make_obstacle(int shape, float x, float y, float z, float yaw, float s0,
                                      float s1, float s2) {
  mi_cost_obstacle o;
  memset(&o, 0, sizeof o);
  o.shape = shape;
  o.kind = MI_COST_FIXTURE;
  o.p[0] = x;
  o.p[1] = y;
  o.p[2] = z;
  float c = cosf(yaw), s = sinf(yaw);
  /* rotation about z, row-major */
  float R[9] = {c, -s, 0, s, c, 0, 0, 0, 1};
  memcpy(o.R, R, sizeof R);
  o.size[0] = s0;
  o.size[1] = s1;
  o.size[2] = s2;
  return o;
}

static void test_sphere_sphere(void **state) {
  (void)state;
  float a[3] = {0, 0, 0}, b[3] = {3, 4, 0};
  assert_float_equal(mi_cost_sd_sphere_sphere(a, 1.0f, b, 1.5f), 2.5f, TOL);
  assert_float_equal(mi_cost_sd_sphere_sphere(a, 3.0f, b, 3.0f), -1.0f, TOL);
  mi_cost_obstacle o = make_obstacle(MI_COST_SPHERE, 3, 4, 0, 0, 1.5f, 0, 0);
  assert_float_equal(mi_cost_sd_sphere_obstacle(a, 1.0f, &o), 2.5f, TOL);
}

static void test_box(void **state) {
  (void)state;
  /* box of half extents (1, 2, 0.5) at (10, 0, 0), turned 90 degrees about z:
   * in the world its half extents are (2, 1, 0.5) */
  mi_cost_obstacle o = make_obstacle(MI_COST_BOX, 10, 0, 0, (float)(MI_PI / 2), 1, 2, 0.5f);
  float face[3] = {10 + 2 + 0.3f, 0, 0};
  assert_float_equal(mi_cost_sd_sphere_obstacle(face, 0.1f, &o), 0.2f, TOL);
  float face_y[3] = {10, 1 + 0.5f, 0};
  assert_float_equal(mi_cost_sd_sphere_obstacle(face_y, 0.0f, &o), 0.5f, TOL);
  float corner[3] = {10 + 2 + 1, 1 + 2, 0.5f + 2};
  assert_float_equal(mi_cost_sd_sphere_obstacle(corner, 0.0f, &o), 3.0f, TOL);
  float edge[3] = {10 + 2 + 3, 1 + 4, 0};
  assert_float_equal(mi_cost_sd_sphere_obstacle(edge, 0.5f, &o), 4.5f, TOL);
  /* inside: minus the distance to the nearest face, minus the radius */
  float in[3] = {10 + 1.8f, 0, 0};
  assert_float_equal(mi_cost_sd_sphere_obstacle(in, 0.1f, &o), -0.3f, TOL);
  float centre[3] = {10, 0, 0};
  assert_float_equal(mi_cost_sd_sphere_obstacle(centre, 0.0f, &o), -0.5f, TOL);
}

static void test_cylinder_and_plane(void **state) {
  (void)state;
  mi_cost_obstacle cyl = make_obstacle(MI_COST_CYLINDER, 0, 0, 1, 0.7f, 0.5f, 1.0f, 0);
  float side[3] = {0, 2, 1.2f};
  assert_float_equal(mi_cost_sd_sphere_obstacle(side, 0.25f, &cyl), 1.25f, TOL);
  float top[3] = {0.1f, 0.1f, 2.5f};
  assert_float_equal(mi_cost_sd_sphere_obstacle(top, 0.0f, &cyl), 0.5f, TOL);
  float rim[3] = {0.5f + 3, 0, 2 + 4};
  assert_float_equal(mi_cost_sd_sphere_obstacle(rim, 1.0f, &cyl), 4.0f, TOL);
  float in[3] = {0.4f, 0, 1};
  assert_float_equal(mi_cost_sd_sphere_obstacle(in, 0.0f, &cyl), -0.1f, TOL);
  mi_cost_obstacle ground = make_obstacle(MI_COST_PLANE, 0, 0, -0.2f, 1.0f, 0, 0, 0);
  float above[3] = {5, -3, 0.3f};
  assert_float_equal(mi_cost_sd_sphere_obstacle(above, 0.1f, &ground), 0.4f, TOL);
  float below[3] = {5, -3, -0.25f};
  assert_float_equal(mi_cost_sd_sphere_obstacle(below, 0.1f, &ground), -0.15f, TOL);
}

/* the box distance is a true distance: for random points outside, it equals
 * the distance to the nearest of many sampled surface points (upper bound)
 * and is never more than that */
static void test_box_distance_random(void **state) {
  (void)state;
  mi_cost_obstacle o = make_obstacle(MI_COST_BOX, 0.2f, -0.1f, 0.3f, 0.4f, 0.3f, 0.2f, 0.1f);
  mi_philox_key key = mi_philox_key_from_seed(7);
  for (uint32_t i = 0; i < 200; i++) {
    float u[4];
    mi_philox_uniform4f(mi_philox_ctr_make(i, 0, 0, 0), key, u);
    float c[3] = {2.0f * u[0] - 0.8f, 2.0f * u[1] - 1.1f, 2.0f * u[2] - 0.7f};
    float d = mi_cost_sd_sphere_obstacle(c, 0.0f, &o);
    /* brute force over a surface grid in the box frame */
    float best = 1e9f;
    const int N = 40;
    for (int a = 0; a <= N; a++)
      for (int b = 0; b <= N; b++)
        for (int face = 0; face < 6; face++) {
          float l[3];
          int ax = face / 2;
          float sgn = (face % 2) ? 1.0f : -1.0f;
          int a1 = (ax + 1) % 3, a2 = (ax + 2) % 3;
          l[ax] = sgn * o.size[ax];
          l[a1] = o.size[a1] * (2.0f * (float)a / N - 1.0f);
          l[a2] = o.size[a2] * (2.0f * (float)b / N - 1.0f);
          float w[3];
          for (int r = 0; r < 3; r++)
            w[r] = o.R[3 * r] * l[0] + o.R[3 * r + 1] * l[1] + o.R[3 * r + 2] * l[2] + o.p[r];
          float dx = c[0] - w[0], dy = c[1] - w[1], dz = c[2] - w[2];
          float e = sqrtf(dx * dx + dy * dy + dz * dz);
          if (e < best) best = e;
        }
    if (d > 0.0f) {
      assert_true(d <= best + 1e-5f);
      assert_true(best - d < 0.02f); /* grid spacing bound */
    } else {
      assert_true(fabsf(-d - best) < 0.02f); /* depth = distance to the surface */
    }
  }
}

static void test_clearance(void **state) {
  (void)state;
  const float margin = 0.05f;
  /* zero when clear by at least the margin */
  assert_true(mi_cost_clearance(1.0f, margin) == 0.0f);
  assert_true(mi_cost_clearance(margin, margin) == 0.0f);
  /* grows strictly with penetration */
  float prev = 0.0f;
  for (int i = 1; i <= 40; i++) {
    float d = margin - 0.01f * (float)i; /* down to -0.35 m */
    float c = mi_cost_clearance(d, margin);
    assert_true(c > prev);
    assert_float_equal(c, (margin - d) * (margin - d), 1e-6);
    prev = c;
  }
  /* through a shape: a sphere moving into a box */
  mi_cost_weights w;
  memset(&w, 0, sizeof w);
  w.clearance = 100.0f;
  w.clearance_margin = margin;
  w.zone = 10.0f;
  mi_cost_obstacle ob[2];
  ob[0] = make_obstacle(MI_COST_BOX, 0, 0, 0, 0, 0.5f, 0.5f, 0.5f);
  ob[1] = make_obstacle(MI_COST_SPHERE, 0, 5, 0, 0, 0.5f, 0, 0);
  ob[1].kind = MI_COST_ZONE;
  float far[3] = {1.0f, 0, 0};
  assert_true(mi_cost_sphere_obstacles(&w, far, 0.1f, ob, 2) == 0.0f);
  /* the zone counts zone-factor times more than a fixture at the same depth */
  float near_box[3] = {0.5f + 0.1f + 0.01f, 0, 0};
  float near_zone[3] = {0, 5 - 0.5f - 0.1f - 0.01f, 0};
  float cb = mi_cost_sphere_obstacles(&w, near_box, 0.1f, ob, 2);
  float cz = mi_cost_sphere_obstacles(&w, near_zone, 0.1f, ob, 2);
  assert_true(cb > 0.0f);
  assert_float_equal(cz, 10.0f * cb, 1e-3 * cz);
  assert_float_equal(cb, 100.0f * 0.04f * 0.04f, 1e-4);
}

static void test_clearance_monotone_into_box(void **state) {
  (void)state;
  mi_cost_weights w;
  memset(&w, 0, sizeof w);
  w.clearance = 1.0f;
  w.clearance_margin = 0.02f;
  w.zone = 1.0f;
  mi_cost_obstacle box = make_obstacle(MI_COST_BOX, 0, 0, 0, 0.3f, 0.5f, 0.5f, 0.5f);
  float prev = -1.0f;
  int zeros = 0;
  for (int i = 0; i <= 60; i++) {
    /* from 1 m out along a diagonal to the box centre */
    float s = 1.0f - (float)i / 60.0f;
    float c[3] = {1.2f * s, 0.2f * s, 0.1f * s};
    float d = mi_cost_sd_sphere_obstacle(c, 0.05f, &box);
    float v = mi_cost_sphere_obstacles(&w, c, 0.05f, &box, 1);
    if (d >= w.clearance_margin) {
      assert_true(v == 0.0f);
      zeros++;
    } else {
      assert_true(v > prev);
    }
    prev = v;
  }
  assert_true(zeros > 5);
  assert_true(prev > 0.2f); /* at the centre: about (0.5 + 0.05 + 0.02)^2 */
}

static void test_limits_and_rot(void **state) {
  (void)state;
  assert_true(mi_cost_limit(0.5f, -1.0f, 1.0f) == 0.0f);
  assert_float_equal(mi_cost_limit(1.5f, -1.0f, 1.0f), 0.25f, TOL);
  assert_float_equal(mi_cost_limit(-3.0f, -1.0f, 1.0f), 4.0f, TOL);
  float id[4] = {1, 0, 0, 0}, neg[4] = {-1, 0, 0, 0};
  assert_float_equal(mi_cost_ee_rot(id, id), 0.0f, TOL);
  assert_float_equal(mi_cost_ee_rot(id, neg), 0.0f, TOL);
  float half[4] = {0, 0, 0, 1};
  assert_float_equal(mi_cost_ee_rot(id, half), 1.0f, TOL);
  float a = 0.6f; /* rotation by a about x: sin^2(a/2) */
  float qa[4] = {cosf(a / 2), sinf(a / 2), 0, 0};
  assert_float_equal(mi_cost_ee_rot(id, qa), sinf(a / 2) * sinf(a / 2), TOL);
  float p[3] = {1, 2, 3}, g[3] = {1, 0, 3};
  assert_float_equal(mi_cost_ee_pos(p, g), 4.0f, TOL);
  float u[3 * 2] = {0, 0, 1, 0, 1, 2};
  assert_float_equal(mi_cost_smooth(u, 3, 2), 1.0f + 4.0f, TOL);
}

static void test_joint_terms_strided(void **state) {
  (void)state;
  mi_cost_weights w;
  memset(&w, 0, sizeof w);
  w.qlim = 1;
  w.vlim = 10;
  w.tlim = 100;
  w.effort = 1000;
  w.vel = 0.5f;
  /* two joints, SoA with 3 lanes: lane 1 is ours */
  float q[6] = {9, 2.0f, 9, 9, 0.0f, 9};
  float qd[6] = {9, 0.5f, 9, 9, -3.0f, 9};
  float tau[6] = {9, 5.0f, 9, 9, 0.0f, 9};
  float lo[2] = {-1, -1}, hi[2] = {1, 1}, vmax[2] = {2, 2}, tmax[2] = {10, 10};
  float c = mi_cost_joint_terms(&w, 2, q + 1, qd + 1, tau + 1, 3, lo, hi, vmax, tmax, 2.0f);
  float expect = 1.0f * 1.0f            /* q0 1 beyond */
                 + 10.0f * 1.0f         /* qd1 1 beyond */
                 + 1000.0f * 0.25f      /* (5/10)^2 */
                 + 2.0f * 0.5f * (0.25f + 9.0f);
  assert_float_equal(c, expect, 1e-3);
}

static void test_spline(void **state) {
  (void)state;
  float u[4 * 1] = {0, 1, 4, 9};
  for (int kind = 0; kind < 3; kind++)
    for (int k = 0; k < 4; k++) assert_float_equal(mi_spline_eval(u, 4, 1, 0, kind, (float)k), u[k], TOL);
  assert_float_equal(mi_spline_eval(u, 4, 1, 0, MI_SPLINE_LINEAR, 1.5f), 2.5f, TOL);
  assert_float_equal(mi_spline_eval(u, 4, 1, 0, MI_SPLINE_ZERO, 1.5f), 1.0f, TOL);
  /* Catmull-Rom reproduces a quadratic in the interior: x^2 at 1.5 = 2.25 */
  assert_float_equal(mi_spline_eval(u, 4, 1, 0, MI_SPLINE_CUBIC, 1.5f), 2.25f, TOL);
  /* clamped outside */
  assert_float_equal(mi_spline_eval(u, 4, 1, 0, MI_SPLINE_CUBIC, -2.0f), 0.0f, TOL);
  assert_float_equal(mi_spline_eval(u, 4, 1, 0, MI_SPLINE_LINEAR, 7.0f), 9.0f, TOL);
}


/* ---- against libccd: a sphere overlapping a box or cylinder ---- */

typedef struct ccd_shape {
  int shape; /* MI_COST_SPHERE (c, r) or an obstacle */
  double c[3], r;
  const mi_cost_obstacle *ob;
} ccd_shape;

static void ccd_support(const void *obj, const ccd_vec3_t *dir, ccd_vec3_t *out) {
  const ccd_shape *s = obj;
  double d[3] = {ccdVec3X(dir), ccdVec3Y(dir), ccdVec3Z(dir)};
  if (!s->ob) {
    double n = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    ccdVec3Set(out, s->c[0] + s->r * d[0] / n, s->c[1] + s->r * d[1] / n, s->c[2] + s->r * d[2] / n);
    return;
  }
  const mi_cost_obstacle *o = s->ob;
  double l[3], p[3];
  for (int i = 0; i < 3; i++) l[i] = o->R[i] * d[0] + o->R[3 + i] * d[1] + o->R[6 + i] * d[2];
  if (o->shape == MI_COST_BOX) {
    for (int i = 0; i < 3; i++) p[i] = l[i] >= 0 ? o->size[i] : -o->size[i];
  } else { /* cylinder about local z */
    double rn = sqrt(l[0] * l[0] + l[1] * l[1]);
    p[0] = rn > 0 ? o->size[0] * l[0] / rn : 0.0;
    p[1] = rn > 0 ? o->size[0] * l[1] / rn : 0.0;
    p[2] = l[2] >= 0 ? o->size[1] : -o->size[1];
  }
  double w[3];
  for (int i = 0; i < 3; i++) w[i] = o->R[3 * i] * p[0] + o->R[3 * i + 1] * p[1] + o->R[3 * i + 2] * p[2] + o->p[i];
  ccdVec3Set(out, w[0], w[1], w[2]);
}

static void test_against_libccd(void **state) {
  (void)state;
  mi_cost_obstacle obs[2];
  obs[0] = make_obstacle(MI_COST_BOX, 0.1f, 0.2f, 0.3f, 0.5f, 0.3f, 0.2f, 0.15f);
  obs[1] = make_obstacle(MI_COST_CYLINDER, -0.2f, 0.1f, 0.0f, -0.8f, 0.12f, 0.25f, 0);
  /* tilt the cylinder too: rotate about x by 0.6 after the yaw */
  {
    float c = cosf(0.6f), s = sinf(0.6f), Rx[9] = {1, 0, 0, 0, c, -s, 0, s, c}, R[9];
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++)
        R[3 * i + j] = obs[1].R[3 * i] * Rx[j] + obs[1].R[3 * i + 1] * Rx[3 + j] + obs[1].R[3 * i + 2] * Rx[6 + j];
    memcpy(obs[1].R, R, sizeof R);
  }
  ccd_t ccd;
  CCD_INIT(&ccd);
  ccd.support1 = ccd_support;
  ccd.support2 = ccd_support;
  ccd.max_iterations = 500;
  ccd.epa_tolerance = 1e-7;
  mi_philox_key key = mi_philox_key_from_seed(21);
  int overlaps = 0, outliers = 0;
  for (int o = 0; o < 2; o++)
    for (uint32_t i = 0; i < 300; i++) {
      float u[4];
      mi_philox_uniform4f(mi_philox_ctr_make(i, (uint32_t)o, 1, 0), key, u);
      float c[3] = {obs[o].p[0] + 0.8f * u[0] - 0.4f, obs[o].p[1] + 0.8f * u[1] - 0.4f,
                    obs[o].p[2] + 0.8f * u[2] - 0.4f};
      float r = 0.02f + 0.1f * u[3];
      float d = mi_cost_sd_sphere_obstacle(c, r, &obs[o]);
      ccd_shape a = {MI_COST_SPHERE, {c[0], c[1], c[2]}, r, NULL};
      ccd_shape b = {obs[o].shape, {0, 0, 0}, 0, &obs[o]};
      int hit = ccdGJKIntersect(&a, &b, &ccd);
      if (fabsf(d) > 1e-3f) assert_int_equal(hit, d < 0.0f);
      if (d < -1e-3f) {
        ccd_real_t depth;
        ccd_vec3_t dir, pos;
        assert_int_equal(ccdGJKPenetration(&a, &b, &ccd, &depth, &dir, &pos), 0);
        /* libccd's EPA now and then stops on a degenerate polytope for
         * curved shapes and reports a depth near 0; count those apart */
        if (fabs(-d - depth) > 2e-3) {
          printf("  libccd disagrees: shape %d, sd %g, EPA depth %g\n", obs[o].shape, d, depth);
          outliers++;
        }
        overlaps++;
      }
    }
  assert_true(overlaps > 50);
  assert_true(outliers * 50 <= overlaps); /* at most 2% */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sphere_sphere),
      cmocka_unit_test(test_box),
      cmocka_unit_test(test_cylinder_and_plane),
      cmocka_unit_test(test_box_distance_random),
      cmocka_unit_test(test_clearance),
      cmocka_unit_test(test_clearance_monotone_into_box),
      cmocka_unit_test(test_limits_and_rot),
      cmocka_unit_test(test_joint_terms_strided),
      cmocka_unit_test(test_spline),
      cmocka_unit_test(test_against_libccd),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
