/* tests/unit/test_worldmodel_cell.c - the example cell loads into the model;
 * malformed cell files give file:line:col errors naming the key. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "worldmodel/dynamics.h"
#include "worldmodel/model.h"

#define DATA MIRAI_SOURCE_DIR "/tests/data/"

static void test_example_cell(void **state) {
  (void)state;
  char err[512] = "";
  mi_model *m = mi_wm_model_load(DATA "wm_arm7.urdf", DATA "wm_cell.cell.yaml", err, sizeof err);
  if (!m) fail_msg("%s", err);
  assert_int_equal(m->nfixture, 2);
  assert_string_equal(m->fixture[0].name, "table");
  assert_true(fabs(m->fixture[0].size[0] - 0.4) < 1e-15); /* half extents */
  assert_int_equal(m->fixture[1].type, MI_WM_SHAPE_CYLINDER);
  assert_true(m->conveyor.present && fabs(m->conveyor.direction.x + 1) < 1e-15);
  assert_true(fabs(m->conveyor.speed - 0.2) < 1e-15);
  assert_int_equal(m->npart, 1);
  assert_true(fabs(m->part[0].mass - 0.3) < 1e-15);
  assert_int_equal(m->nzone, 1);
  assert_int_equal(m->ee_link, mi_wm_link_index(m, "tool0"));
  /* spheres given for link5 only: they replace link5's generated ones; every
   * other link with a collision shape keeps spheres covering it */
  const int l5 = mi_wm_link_index(m, "link5");
  int on5 = 0;
  for (int s = 0; s < m->nsphere; s++)
    if (m->sphere[s].link == l5) {
      on5++;
      assert_true(fabs(m->sphere[s].radius - 0.07) < 1e-15);
    }
  assert_int_equal(on5, 2);
  for (int g = 0; g < m->ngeom; g++) {
    if (m->geom[g].link == l5) continue;
    int has = 0;
    for (int s = 0; s < m->nsphere; s++) has |= m->sphere[s].link == m->geom[g].link;
    assert_true(has);
  }
  assert_true(m->nsphere > 2);
  /* tool frame at q = 0: link7 origin + fused flange (0.107) + tool0 (0.1034) + 0.05 */
  float q[MI_WM_MAX_DOF] = {0};
  mi_wm_m3_f R[MI_WM_MAX_DOF], eR;
  mi_wm_v3_f p[MI_WM_MAX_DOF], ep;
  mi_wm_fk_f(&m->dynf, q, R, p);
  mi_wm_ee_f(&m->dynf, R, p, &eR, &ep);
  int b7 = m->link[mi_wm_link_index(m, "link7")].body;
  float d = 0.107f + 0.1034f + 0.05f;
  /* link7's z axis in the world is its body's z axis (joint7 axis is z) */
  assert_true(fabsf(ep.x - (p[b7].x + R[b7].m[2] * d)) < 1e-5f);
  assert_true(fabsf(ep.y - (p[b7].y + R[b7].m[5] * d)) < 1e-5f);
  assert_true(fabsf(ep.z - (p[b7].z + R[b7].m[8] * d)) < 1e-5f);
  mi_wm_model_free(m);
}

static void expect(const char *cell, const char *want1, const char *want2) {
  char err[512] = "", path[512];
  snprintf(path, sizeof path, DATA "wm_bad/%s", cell);
  mi_model *m = mi_wm_model_load(DATA "wm_arm7.urdf", path, err, sizeof err);
  if (m) fail_msg("%s loaded", cell);
  printf("  %s\n", err);
  if (!strstr(err, want1)) fail_msg("'%s' lacks '%s'", err, want1);
  if (want2 && !strstr(err, want2)) fail_msg("'%s' lacks '%s'", err, want2);
}

static void test_bad_cells(void **state) {
  (void)state;
  expect("bad_key.cell.yaml", "bad_key.cell.yaml:4:", "unknown key 'sise' (did you mean 'size'?)");
  expect("bad_link.cell.yaml", "bad_link.cell.yaml:3:", "no link 'tool9' (did you mean 'tool0'?)");
  expect("bad_shape.cell.yaml", "bad_shape.cell.yaml:2:", "unknown shape 'cone'");
  expect("bad_radius.cell.yaml", "bad_radius.cell.yaml:3:", "radius must be > 0");
  char err[256];
  assert_null(mi_wm_model_load(DATA "wm_arm7.urdf", DATA "nope.cell.yaml", err, sizeof err));
}

/* the model compile: fused masses, generated spheres cover the primitives,
 * self pairs skip adjacent bodies */
static void test_compile(void **state) {
  (void)state;
  char err[512];
  mi_model *m = mi_wm_model_load(DATA "sim_arm.urdf", NULL, err, sizeof err);
  assert_non_null(m);
  assert_int_equal(m->ndof, 3);
  assert_true(fabs(m->dyn.mass[0] - 3.0) < 1e-15);
  mi_wm_model_free(m);
  m = mi_wm_model_load(DATA "wm_arm7.urdf", NULL, err, sizeof err);
  assert_non_null(m);
  assert_int_equal(m->ndof, 7);
  assert_int_equal(m->ee_link, mi_wm_link_index(m, "tool0"));
  for (int i = 0; i < m->ndof; i++) assert_true(m->dyn.parent[i] < i);
  /* every point of every box/cylinder/sphere geom lies in some sphere of its link */
  for (int g = 0; g < m->ngeom; g++) {
    const mi_wm_geom *ge = &m->geom[g];
    for (int t = 0; t < 200; t++) {
      double u[3];
      for (int k = 0; k < 3; k++) u[k] = ((t * 37 + k * 101) % 199) / 99.0 - 1.0;
      mi_vec3 x;
      if (ge->type == MI_WM_SHAPE_BOX)
        x = mi_vec3_make(u[0] * ge->size[0], u[1] * ge->size[1], u[2] * ge->size[2]);
      else if (ge->type == MI_WM_SHAPE_CYLINDER)
        x = mi_vec3_make(u[0] * ge->size[0] * 0.7071, u[1] * ge->size[0] * 0.7071,
                         u[2] * ge->size[1]);
      else
        x = mi_vec3_scale(mi_vec3_normalize(mi_vec3_make(u[0], u[1], u[2])), ge->size[0] * 0.999);
      x = mi_pose_apply(ge->pose, x);
      int in = 0;
      for (int s = 0; s < m->nsphere && !in; s++)
        in = m->sphere[s].link == ge->link &&
             mi_vec3_norm(mi_vec3_sub(x, m->sphere[s].center)) <= m->sphere[s].radius + 1e-12;
      assert_true(in);
    }
  }
  for (int k = 0; k < m->nself; k++) {
    int a = m->sphere[m->self_pair[k][0]].body, b = m->sphere[m->self_pair[k][1]].body;
    assert_true(a != b);
    assert_true(a < 0 || m->dyn.parent[a] != b);
    assert_true(b < 0 || m->dyn.parent[b] != a);
  }
  assert_true(m->nself > 0);
  mi_wm_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_example_cell),
                                     cmocka_unit_test(test_bad_cells),
                                     cmocka_unit_test(test_compile)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
