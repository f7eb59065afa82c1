/* tests/unit/test_worldmodel_urdf.c - malformed URDFs give errors naming
 * file, line and element; good ones load every joint type. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "worldmodel/model.h"

#define HEAD "<?xml version=\"1.0\"?>\n<robot name=\"r\">\n<link name=\"base\"/>\n"
#define L1 \
  "<link name=\"l1\"><inertial><mass value=\"1\"/><inertia ixx=\"0.01\" iyy=\"0.01\" " \
  "izz=\"0.01\"/></inertial></link>\n"

static void expect_error(const char *text, const char *want1, const char *want2) {
  char err[512] = "";
  mi_model *m = mi_wm_model_load_urdf_string(text, strlen(text), "bad.urdf", err, sizeof err);
  if (m) fail_msg("loaded, expected error containing '%s'", want1);
  printf("  %s\n", err);
  if (!strstr(err, want1)) fail_msg("'%s' does not contain '%s'", err, want1);
  if (want2 && !strstr(err, want2)) fail_msg("'%s' does not contain '%s'", err, want2);
}

static void test_malformed(void **state) {
  (void)state;
  expect_error("<robot><link name=\"a\"></robot>", "bad.urdf:1:", "XML");
  expect_error("<?xml version=\"1.0\"?>\n<robt/>", "bad.urdf:2: element <robt>", "<robot>");
  expect_error(HEAD L1 "<joint name=\"j1\" type=\"revolute\">\n<parent link=\"base\"/><child "
               "link=\"l1\"/>\n<axis xyz=\"0 0 1\"/></joint>\n</robot>",
               "bad.urdf:5: element <joint name='j1'>", "missing <limit>");
  expect_error(HEAD L1 "<joint name=\"j1\" type=\"hinge\"><parent link=\"base\"/><child "
               "link=\"l1\"/></joint>\n</robot>",
               "bad.urdf:5: element <joint name='j1'>", "unknown joint type 'hinge'");
  expect_error(HEAD L1 "<joint name=\"j1\" type=\"continuous\"><parent link=\"base\"/>\n<child "
               "link=\"l9\"/></joint>\n</robot>",
               "bad.urdf:6: element <child> in 'j1'", "'l9' is not defined");
  expect_error(HEAD L1 "<joint name=\"j1\" type=\"continuous\"><parent link=\"base\"/><child "
               "link=\"l1\"/>\n<origin xyz=\"0 0 abc\"/></joint>\n</robot>",
               "bad.urdf:6: element <origin> in 'j1'", "xyz=\"0 0 abc\"");
  expect_error(HEAD "<link name=\"l1\">\n<inertial><mass value=\"-1\"/></inertial></link>\n</robot>",
               "bad.urdf:5: element <mass> in 'l1'", "negative");
  expect_error(HEAD "<link name=\"l1\"><collision><geometry>\n<capsule radius=\"1\"/>"
               "</geometry></collision></link>\n</robot>",
               "bad.urdf:5: element <capsule> in 'l1'", "unknown geometry");
  expect_error(HEAD L1 L1 "</robot>", "element <link name='l1'>", "duplicate");
  expect_error(HEAD L1 "</robot>", "second root link", NULL);
  /* a moving link without mass */
  expect_error(HEAD "<link name=\"l1\"/>\n<joint name=\"j1\" type=\"continuous\"><parent "
               "link=\"base\"/><child link=\"l1\"/></joint>\n</robot>",
               "bad.urdf:5: element <joint name='j1'>", "no mass");
  /* a mesh needs spheres from the cell */
  char err[512];
  mi_model *m = mi_wm_model_load(MIRAI_SOURCE_DIR "/tests/data/wm_bad/mesh_only.urdf", NULL, err,
                                 sizeof err);
  assert_null(m);
  printf("  %s\n", err);
  assert_non_null(strstr(err, "mesh_only.urdf:10: element <mesh> of link 'l1'"));
  m = mi_wm_model_load(MIRAI_SOURCE_DIR "/tests/data/wm_bad/mesh_only.urdf",
                       MIRAI_SOURCE_DIR "/tests/data/wm_bad/mesh_spheres.cell.yaml", err,
                       sizeof err);
  assert_non_null(m);
  assert_int_equal(m->nsphere, 1);
  mi_wm_model_free(m);
  /* a missing file */
  assert_null(mi_wm_model_load("/nonexistent.urdf", NULL, err, sizeof err));
  assert_non_null(strstr(err, "/nonexistent.urdf: cannot open"));
}

static void test_joint_types(void **state) {
  (void)state;
  char err[512];
  mi_model *m = mi_wm_model_load(MIRAI_SOURCE_DIR "/tests/data/wm_gantry.urdf", NULL, err,
                                 sizeof err);
  assert_non_null(m);
  assert_int_equal(m->ndof, 4);
  assert_int_equal(m->joint[m->dof_joint[0]].type, MI_WM_JOINT_PRISMATIC);
  assert_int_equal(m->joint[m->dof_joint[1]].type, MI_WM_JOINT_REVOLUTE);
  assert_int_equal(m->joint[m->dof_joint[3]].type, MI_WM_JOINT_CONTINUOUS);
  assert_true(isinf(m->joint[m->dof_joint[3]].upper));
  assert_true(m->dyn.prismatic[0] && m->dyn.prismatic[2] && !m->dyn.prismatic[1]);
  /* axis (0, .6, .8) normalised; lift axis (0, 0, -1) */
  mi_vec3 a = m->joint[m->dof_joint[1]].axis;
  assert_true(fabs(a.y - 0.6) < 1e-15 && fabs(a.z - 0.8) < 1e-15);
  assert_true(m->dyn.damping[0] == 5.0 && m->dyn.effort[2] == 200.0);
  assert_int_equal(mi_wm_dof_index(m, "wrist"), 3);
  assert_int_equal(mi_wm_dof_index(m, "nope"), -1);
  mi_wm_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_malformed),
                                     cmocka_unit_test(test_joint_types)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
