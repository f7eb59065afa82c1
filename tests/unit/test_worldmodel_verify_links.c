/* tests/unit/test_worldmodel_verify_links.c - the exact checks of
 * worldmodel/verify.c beyond the cell's shapes: link against link
 * (non-adjacent bodies), link against the floor, link against (moving)
 * parts. Each hit is confirmed by an independent query: the reported pair
 * really intersects (libccd), the step before is free, and a self hit is
 * also an overlap of the links' covering spheres. A trajectory that starts
 * in contact may leave it (mi_wm_contacts, escape_steps), and only leave. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "worldmodel/dynamics.h"
#include "worldmodel/verify.h"

#define DATA MIRAI_SOURCE_DIR "/tests/data/"

static uint64_t g_rng = 0x51afd7ed558ccd1dull;
static double urand(double lo, double hi) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return lo + (hi - lo) * (double)(g_rng >> 11) * (1.0 / 9007199254740992.0);
}

static mi_model *load(const char *cell) {
  char err[512];
  mi_model *m = mi_wm_model_load(DATA "wm_arm7.urdf", cell, err, sizeof err);
  if (!m) fail_msg("%s", err);
  return m;
}

static int adjacent(const mi_model *m, int g, int h) {
  int a = m->geom[g].body, b = m->geom[h].body;
  return a == b || (a >= 0 && m->dyn.parent[a] == b) || (b >= 0 && m->dyn.parent[b] == a);
}

/* do any covering spheres of links la and lb overlap at q? */
static int spheres_overlap(const mi_model *m, const double *q, int la, int lb) {
  mi_wm_m3_d R[MI_WM_MAX_DOF];
  mi_wm_v3_d p[MI_WM_MAX_DOF];
  mi_wm_fk_d(&m->dyn, q, R, p);
  double xyz[3 * MI_WM_MAX_SPHERES];
  mi_wm_spheres_d(&m->dyn, R, p, xyz);
  for (int a = 0; a < m->nsphere; a++) {
    if (m->sphere[a].link != la) continue;
    for (int b = 0; b < m->nsphere; b++) {
      if (m->sphere[b].link != lb) continue;
      double dx = xyz[3 * a] - xyz[3 * b], dy = xyz[3 * a + 1] - xyz[3 * b + 1],
             dz = xyz[3 * a + 2] - xyz[3 * b + 2];
      if (sqrt(dx * dx + dy * dy + dz * dz) <= m->sphere[a].radius + m->sphere[b].radius + 1e-9)
        return 1;
    }
  }
  return 0;
}

/* exemptions: same body and parent/child always; others only when they
 * touch at the home pose, where nothing is reported */
static void test_self_exemptions(void **state) {
  (void)state;
  mi_model *m = load(NULL);
  double home[MI_WM_MAX_DOF];
  mi_wm_home_pose(m, home);
  int checked = 0;
  for (int g = 0; g < m->ngeom; g++)
    for (int h = 0; h < m->ngeom; h++) {
      assert_int_equal(mi_wm_self_allowed(m, g, h), mi_wm_self_allowed(m, h, g));
      if (g == h || adjacent(m, g, h)) {
        assert_true(mi_wm_self_allowed(m, g, h));
      } else if (!mi_wm_self_allowed(m, g, h)) {
        checked++;
        assert_false(mi_wm_geom_pair_intersect(m, home, g, h));
      } else {
        assert_true(mi_wm_geom_pair_intersect(m, home, g, h));
      }
    }
  printf("  %d geoms, %d ordered pairs checked for self collision\n", m->ngeom, checked);
  assert_true(checked > 0);
  mi_wm_hit hit;
  assert_int_equal(mi_wm_verify(m, home, 1, &hit), MI_OK);
  mi_wm_model_free(m);
}

/* random configurations: verify's self verdict equals a brute-force pass
 * over the checked pairs, every hit is a real non-adjacent intersection
 * and an overlap of the covering spheres; some configurations collide */
static void test_self_random(void **state) {
  (void)state;
  mi_model *m = load(NULL);
  const int n = m->ndof;
  int hits = 0;
  mi_wm_verify_opts opts = {.skip_ground = true}; /* floor off: self only */
  for (int s = 0; s < 400; s++) {
    double q[MI_WM_MAX_DOF];
    for (int i = 0; i < n; i++) {
      const mi_wm_joint *j = &m->joint[m->dof_joint[i]];
      q[i] = urand(j->lower, j->upper);
    }
    mi_wm_hit hit;
    mi_status st = mi_wm_verify_ex(m, q, 1, &opts, &hit);
    int brute = 0;
    for (int g = 0; g < m->ngeom && !brute; g++)
      for (int h = g + 1; h < m->ngeom && !brute; h++)
        if (!mi_wm_self_allowed(m, g, h) && mi_wm_geom_pair_intersect(m, q, g, h)) brute = 1;
    assert_int_equal(st == MI_ERR_COLLISION, brute);
    if (st != MI_ERR_COLLISION) continue;
    hits++;
    assert_int_equal(hit.kind, MI_WM_HIT_SELF);
    assert_int_equal(hit.step, 0);
    assert_false(adjacent(m, hit.geom, hit.other));
    assert_true(mi_wm_geom_pair_intersect(m, q, hit.geom, hit.other));
    assert_true(spheres_overlap(m, q, m->geom[hit.geom].link, m->geom[hit.other].link));
  }
  printf("  %d of 400 random configurations self-collide\n", hits);
  assert_true(hits > 0);
  assert_true(hits < 400);
  mi_wm_model_free(m);
}

/* fold the elbow over a sweep: the first self hit is reported, the step
 * before is free */
static void test_self_sweep(void **state) {
  (void)state;
  mi_model *m = load(NULL);
  enum { T = 200 };
  const int n = m->ndof;
  double *q = calloc((size_t)T * (size_t)n, sizeof *q);
  double home[MI_WM_MAX_DOF];
  mi_wm_home_pose(m, home);
  /* search a colliding target, then sweep to it from home */
  double target[MI_WM_MAX_DOF];
  mi_wm_verify_opts opts = {.skip_ground = true};
  int found = 0;
  for (int s = 0; s < 2000 && !found; s++) {
    for (int i = 0; i < n; i++) {
      const mi_wm_joint *j = &m->joint[m->dof_joint[i]];
      target[i] = urand(j->lower, j->upper);
    }
    found = mi_wm_verify_ex(m, target, 1, &opts, NULL) == MI_ERR_COLLISION;
  }
  assert_true(found);
  for (int t = 0; t < T; t++)
    for (int i = 0; i < n; i++) q[t * n + i] = home[i] + (target[i] - home[i]) * t / (T - 1);
  mi_wm_hit hit;
  assert_int_equal(mi_wm_verify_ex(m, q, T, &opts, &hit), MI_ERR_COLLISION);
  assert_int_equal(hit.kind, MI_WM_HIT_SELF);
  assert_true(hit.step > 0);
  assert_int_equal(mi_wm_verify_ex(m, q, hit.step, &opts, NULL), MI_OK);
  assert_true(mi_wm_geom_pair_intersect(m, q + hit.step * n, hit.geom, hit.other));
  assert_false(mi_wm_geom_pair_intersect(m, q + (hit.step - 1) * n, hit.geom, hit.other));
  char buf[256];
  printf("  %s\n", mi_wm_hit_describe(m, &hit, NULL, buf, sizeof buf));
  assert_non_null(strstr(buf, m->geom[hit.geom].name));
  assert_non_null(strstr(buf, m->geom[hit.other].name));
  free(q);
  mi_wm_model_free(m);
}

/* T steps of the home pose with the shoulder (joint 1) tipped a0 + da t */
static void fill_tipped(const mi_model *m, const double *home, double a0, double da, int T,
                        double *q) {
  const int n = m->ndof;
  for (int t = 0; t < T; t++) {
    for (int i = 0; i < n; i++) q[t * n + i] = home[i];
    q[t * n + 1] = a0 + da * t;
  }
}

/* a thick slab (1 m) whose top face is at z = top (libccd's view of a floor) */
static mi_wm_geom slab_below(double top) {
  mi_wm_geom slab = {.name = "slab", .type = MI_WM_SHAPE_BOX, .size = {20, 20, 1}, .link = -1,
                     .body = -1};
  slab.pose = mi_pose_identity();
  slab.pose.p = mi_vec3_make(0, 0, top - 1.0);
  return slab;
}

/* the floor: raise it a little (5 cm) and the first link below it
 * is reported; the same link against a thick slab under the floor (libccd)
 * agrees at the hit step and the step before */
static void test_ground(void **state) {
  (void)state;
  mi_model *m = load(NULL);
  const int n = m->ndof;
  enum { T = 120 };
  double *q = calloc((size_t)T * (size_t)n, sizeof *q);
  double home[MI_WM_MAX_DOF];
  mi_wm_home_pose(m, home);
  /* tip the shoulder over: the arm swings down towards the floor */
  fill_tipped(m, home, 0.0, 1.75 / (T - 1), T, q);
  m->ground_z = 0.05;
  mi_wm_verify_opts opts = {.skip_self = true}; /* self off: floor only */
  mi_wm_hit hit;
  assert_int_equal(mi_wm_verify_ex(m, q, T, &opts, &hit), MI_ERR_COLLISION);
  assert_int_equal(hit.kind, MI_WM_HIT_GROUND);
  assert_true(hit.step > 0);
  mi_wm_geom slab = slab_below(m->ground_z);
  assert_true(mi_wm_geom_intersect(m, q + hit.step * n, hit.geom, &slab));
  for (int g = 0; g < m->ngeom; g++)
    if (m->geom[g].body >= 0) assert_false(mi_wm_geom_intersect(m, q + (hit.step - 1) * n, g, &slab));
  /* at the real floor (z = 0) the upright arm is free */
  m->ground_z = 0.0;
  assert_int_equal(mi_wm_verify_ex(m, q, 1, &opts, NULL), MI_OK);
  char buf[256];
  m->ground_z = 0.05;
  printf("  %s\n", mi_wm_hit_describe(m, &hit, &opts, buf, sizeof buf));
  assert_non_null(strstr(buf, "floor"));
  free(q);
  mi_wm_model_free(m);
}

/* a part coming along x at 1 m/s towards the still, upright arm: the first
 * step it touches a link is reported, as a brute-force check of the moved
 * part shape finds */
static void test_parts(void **state) {
  (void)state;
  mi_model *m = load(DATA "wm_cell.cell.yaml");
  assert_true(m->npart > 0);
  const int n = m->ndof;
  enum { T = 150 };
  double *q = calloc((size_t)T * (size_t)n, sizeof *q);
  double home[MI_WM_MAX_DOF];
  mi_wm_home_pose(m, home);
  for (int t = 0; t < T; t++)
    for (int i = 0; i < n; i++) q[t * n + i] = home[i];
  mi_wm_hit hit;
  assert_int_equal(mi_wm_verify(m, q, T, &hit), MI_OK); /* no parts: free */

  mi_wm_part_state part = {0, mi_pose_identity(), mi_vec3_make(-1.0, 0, 0)};
  part.pose.p = mi_vec3_make(1.0, 0.0, 0.6); /* level with the arm's middle links */
  mi_wm_verify_opts opts = {.parts = &part, .nparts = 1, .dt = 0.01};
  assert_int_equal(mi_wm_verify_ex(m, q, T, &opts, &hit), MI_ERR_COLLISION);
  assert_int_equal(hit.kind, MI_WM_HIT_PART);
  assert_int_equal(hit.other, 0);
  int first = -1;
  for (int t = 0; t < T && first < 0; t++) {
    mi_wm_geom s = m->part[0].shape;
    s.pose = part.pose;
    s.pose.p.x += part.vel.x * opts.dt * t;
    for (int g = 0; g < m->ngeom && first < 0; g++)
      if (mi_wm_geom_intersect(m, q + t * n, g, &s)) first = t;
  }
  printf("  part reaches the arm at step %d (brute force: %d)\n", hit.step, first);
  assert_int_equal(hit.step, first);
  assert_true(first > 10);
  /* a part standing still where it was at step 0 never touches */
  part.vel = mi_vec3_make(0, 0, 0);
  assert_int_equal(mi_wm_verify_ex(m, q, T, &opts, NULL), MI_OK);
  /* bad arguments */
  part.type = m->npart;
  assert_int_equal(mi_wm_verify_ex(m, q, T, &opts, NULL), MI_ERR_INVALID);
  part.type = 0;
  opts.dt = -1;
  assert_int_equal(mi_wm_verify_ex(m, q, T, &opts, NULL), MI_ERR_INVALID);
  free(q);
  mi_wm_model_free(m);
}

/* a trajectory that starts in contact: the shoulder tipped over into a
 * floor raised 5 cm, then back up. mi_wm_contacts finds the start's
 * contacts and their depths (the floor's: against a slab, libccd); with
 * them, verify lets the trajectory leave them within escape_steps, and only
 * them, and only no deeper than they started */
static void test_start_contacts(void **state) {
  (void)state;
  mi_model *m = load(NULL);
  const int n = m->ndof;
  enum { T = 40 };
  double *q = calloc((size_t)T * (size_t)n, sizeof *q);
  double home[MI_WM_MAX_DOF];
  mi_wm_home_pose(m, home);
  m->ground_z = 0.05;
  /* the first tipped angle that touches the floor, then 0.05 rad more */
  double a0 = 0.0;
  for (double a = 0.0; a < 2.5 && a0 == 0.0; a += 0.001) {
    double qa[MI_WM_MAX_DOF];
    fill_tipped(m, home, a, 0.0, 1, qa);
    if (mi_wm_verify(m, qa, 1, NULL) == MI_ERR_COLLISION) a0 = a;
  }
  assert_true(a0 > 0.5);
  /* up: from a0 + 0.05 back to a0 - 0.15 in T steps (0.005 rad each) */
  fill_tipped(m, home, a0 + 0.05, -0.005, T, q);
  mi_wm_contact c[8];
  mi_wm_verify_opts opts = {.skip_self = true};
  int nc = mi_wm_contacts(m, q, &opts, c, 8);
  assert_true(nc >= 1 && nc <= 8);
  int k = -1; /* the deepest */
  for (int i = 0; i < nc; i++) {
    assert_int_equal(c[i].kind, MI_WM_HIT_GROUND);
    assert_true(c[i].depth > 0.0 && c[i].depth < 0.2);
    if (k < 0 || c[i].depth > c[k].depth) k = i;
  }
  /* the depth, against a slab whose top is just above / below it */
  mi_wm_geom slab = slab_below(m->ground_z - c[k].depth + 1e-6);
  assert_true(mi_wm_geom_intersect(m, q, c[k].geom, &slab));
  slab = slab_below(m->ground_z - c[k].depth - 1e-6);
  assert_false(mi_wm_geom_intersect(m, q, c[k].geom, &slab));
  printf("  start: %d contact(s) with the floor, deepest %.2f mm (%s)\n", nc, c[k].depth * 1e3,
         m->geom[c[k].geom].name);

  mi_wm_hit hit;
  /* without the start's contacts: a collision at step 0 */
  assert_int_equal(mi_wm_verify_ex(m, q, T, &opts, &hit), MI_ERR_COLLISION);
  assert_int_equal(hit.step, 0);
  /* with them: it leaves the floor by step 10 (0.05 rad back), so an escape
   * of 12 steps passes and one of 5 does not (at step 5, still in contact) */
  int left = -1;
  for (int t = 0; t < T && left < 0; t++)
    if (mi_wm_contacts(m, q + t * n, &opts, NULL, 0) == 0) left = t;
  printf("  out of contact at step %d\n", left);
  assert_true(left > 5 && left < 12);
  opts.start = c;
  opts.nstart = nc;
  opts.escape_steps = 12;
  assert_int_equal(mi_wm_verify_ex(m, q, T, &opts, &hit), MI_OK);
  opts.escape_steps = 5;
  assert_int_equal(mi_wm_verify_ex(m, q, T, &opts, &hit), MI_ERR_COLLISION);
  assert_int_equal(hit.step, 5);
  /* going deeper is no escape: down instead of up, refused at step 1 */
  double *down = calloc((size_t)T * (size_t)n, sizeof *down);
  fill_tipped(m, home, a0 + 0.05, 0.005, T, down);
  opts.escape_steps = 12;
  assert_int_equal(mi_wm_verify_ex(m, down, T, &opts, &hit), MI_ERR_COLLISION);
  assert_int_equal(hit.step, 1);
  /* a little slack lets a deepening that small through: 1 m of it, all */
  opts.escape_slack_m = 1.0;
  assert_int_equal(mi_wm_verify_ex(m, down, 12, &opts, &hit), MI_OK);
  assert_int_equal(mi_wm_verify_ex(m, down, 13, &opts, &hit), MI_ERR_COLLISION);
  assert_int_equal(hit.step, 12);
  opts.escape_slack_m = 0.0;
  /* only the start's pairs: the same contacts under another geom's name are
   * not them */
  mi_wm_contact other[8];
  memcpy(other, c, sizeof(mi_wm_contact) * (size_t)nc);
  for (int i = 0; i < nc; i++) other[i].geom = (other[i].geom + 1) % m->ngeom;
  opts.start = other;
  assert_int_equal(mi_wm_verify_ex(m, q, T, &opts, &hit), MI_ERR_COLLISION);
  assert_int_equal(hit.step, 0);
  /* bad arguments */
  opts.start = NULL;
  assert_int_equal(mi_wm_verify_ex(m, q, T, &opts, &hit), MI_ERR_INVALID);
  opts.start = c;
  opts.escape_slack_m = NAN;
  assert_int_equal(mi_wm_verify_ex(m, q, T, &opts, &hit), MI_ERR_INVALID);
  assert_int_equal(mi_wm_contacts(m, q, NULL, NULL, 1), -1);
  /* at the real floor the upright arm has no contact */
  m->ground_z = 0.0;
  assert_int_equal(mi_wm_contacts(m, home, NULL, c, 8), 0);
  free(down);
  free(q);
  mi_wm_model_free(m);
}

/* contacts with the cell's fixtures (random configurations, the first five
 * found): the first listed is what verify reports, with a sane depth */
static void test_start_contact_depth_cell(void **state) {
  (void)state;
  mi_model *m = load(DATA "wm_cell.cell.yaml");
  const int n = m->ndof;
  int tried = 0, found = 0;
  for (int i = 0; i < 20000 && found < 5; i++) {
    double q[MI_WM_MAX_DOF];
    for (int j = 0; j < n; j++) q[j] = urand(m->dyn.lower[j], m->dyn.upper[j]);
    mi_wm_contact c[16];
    int nc = mi_wm_contacts(m, q, NULL, c, 16);
    tried++;
    if (nc <= 0 || nc > 16 || c[0].kind != MI_WM_HIT_FIXTURE) continue;
    /* every contact mi_wm_contacts lists, verify reports (the first of them) */
    mi_wm_hit hit;
    assert_int_equal(mi_wm_verify(m, q, 1, &hit), MI_ERR_COLLISION);
    assert_int_equal(hit.geom, c[0].geom);
    assert_int_equal(hit.kind, c[0].kind);
    assert_int_equal(hit.other, c[0].other);
    assert_true(c[0].depth > 0.0 && c[0].depth < 1.0);
    found++;
  }
  printf("  %d fixture contacts in %d random configurations\n", found, tried);
  assert_true(found >= 1);
  mi_wm_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_self_exemptions), cmocka_unit_test(test_self_random),
      cmocka_unit_test(test_self_sweep),      cmocka_unit_test(test_ground),
      cmocka_unit_test(test_parts),           cmocka_unit_test(test_start_contacts),
      cmocka_unit_test(test_start_contact_depth_cell),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
