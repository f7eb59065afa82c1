/* tests/unit/test_sim_grasp.c - the sim cell's suction gripper and contact
 * counting (sim/cell.h) on a small Bullet scene: one vertical prismatic
 * link whose tool point waits above a conveyor, and a table to press into.
 *  - grasp rule: a part passing under the waiting tool is picked when the
 *    belt (the relative speed) is slower than grasp.speed_mps, and not when
 *    faster (then counted once as too fast, and missed at the belt's end);
 *  - contacts: pressing the link's sphere on the table for 300 steps is one
 *    collision; lifting it clear and pressing again is a second; no grasp
 *    radius means no pick.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/cell.h"

#define BASE_Z 0.5
#define BELT_TOP 0.1

/* one prismatic link moving along world z, its origin BASE_Z + q high at
 * x = -0.8; the tool point is the link origin, a 2 cm sphere sits 5 cm
 * above it (so the tool can reach a part's top without touching it) */
static void scene(mi_sim_cell_desc *d, bool conveyor, double speed) {
  memset(d, 0, sizeof *d);
  d->arm.base_pose = mi_pose_identity();
  d->arm.n_links = 1;
  mi_bt_link_desc *l = &d->arm.links[0];
  l->parent = -1;
  l->type = MI_BT_JOINT_PRISMATIC;
  l->origin = mi_pose_identity();
  l->origin.p = mi_vec3_make(-0.8, 0.0, BASE_Z);
  l->axis = mi_vec3_make(0, 0, 1);
  l->mass = 1.0;
  l->inertia[0] = l->inertia[1] = l->inertia[2] = 0.01;
  l->n_spheres = 1;
  l->spheres[0] = (mi_bt_sphere){mi_vec3_make(0, 0, 0.05), 0.02};
  d->n_joints = 1;
  snprintf(d->joint_names[0], MI_SIM_NAME_MAX, "z");
  d->tool_link = 0;
  d->tool_point = mi_vec3_make(0, 0, 0);
  d->gravity = mi_vec3_make(0, 0, -9.81);
  if (conveyor) {
    d->has_conveyor = true;
    d->conveyor_pose = mi_pose_identity();
    d->conveyor_pose.p = mi_vec3_make(0, 0, BELT_TOP - 0.05);
    d->conveyor_half = mi_vec3_make(1.0, 0.2, 0.05);
    d->conveyor_speed = speed;
    d->conveyor_friction = 1.0;
    d->n_part_kinds = 1;
    snprintf(d->part_kinds[0].name, MI_SIM_NAME_MAX, "box");
    d->part_kinds[0].shape = MI_BT_BOX;
    d->part_kinds[0].size = mi_vec3_make(0.03, 0.03, 0.03);
    d->part_kinds[0].mass = 0.2;
  } else {
    d->n_fixtures = 1; /* a table whose top is at BELT_TOP */
    mi_bt_body_desc *t = &d->fixtures[0];
    t->shape = MI_BT_BOX;
    t->size = mi_vec3_make(0.3, 0.3, 0.05);
    t->pose = mi_pose_identity();
    t->pose.p = mi_vec3_make(-0.8, 0, BELT_TOP - 0.05);
    t->friction = 0.5;
  }
}

static void params(mi_sim_params *p) {
  char err[256];
  assert_int_equal(mi_sim_params_defaults(p, err, sizeof err), MI_OK);
  p->parts_first_s = 0.0;
  p->parts_interval_s = 1e4; /* one part */
  p->parts_jitter = 0.0;
  p->parts_lateral_m = 0.0;
  p->dropout_part_poses = 0.0;
  p->initial_q.n = 1;
}

/* hold the link at height z of its tool point for steps */
static void hold_at(mi_sim_cell *c, double z, int steps) {
  static const char *names[1] = {"z"};
  double q = z - BASE_Z;
  for (int i = 0; i < steps; i++) {
    mi_sim_cmd_in in = {mi_sim_cell_time_ns(c), 1, names, 1, &q, 0, NULL, 0, NULL};
    assert_int_equal(mi_sim_cell_command(c, &in), MI_OK);
    assert_int_equal(mi_sim_cell_step(c), MI_OK);
  }
}

/* the tool waits 5 mm above where the part's top passes; the part rides
 * under it at the belt speed */
static mi_sim_cell_stats pass_under(double belt_speed) {
  mi_sim_cell_desc d;
  scene(&d, true, belt_speed);
  mi_sim_params p;
  params(&p);
  double top = BELT_TOP + 0.06 + 0.001; /* the part's top face as it spawns */
  p.initial_q.v[0] = top + 0.005 - BASE_Z;
  mi_sim_cell *c = NULL;
  char err[256] = "";
  assert_int_equal(mi_sim_cell_create(&d, &p, &c, err, sizeof err), MI_OK);
  /* from the belt's start (x = -0.96) past the tool (x = -0.8) and off the
   * end is 2 m: time for the whole ride */
  int steps = (int)(2.2 / belt_speed * 1000.0);
  mi_sim_cell_stats s = {0};
  for (int i = 0; i < steps; i += 100) {
    hold_at(c, top + 0.005, 100);
    s = mi_sim_cell_stats_get(c);
    if (s.parts_picked + s.parts_missed > 0) break;
  }
  /* a picked part is gone from the cell's parts */
  mi_sim_part_state ps[4];
  if (s.parts_picked) assert_int_equal(mi_sim_cell_parts(c, ps, 4), 0);
  mi_sim_cell_destroy(c);
  return s;
}

static void test_grasp_slow_belt_picks(void **state) {
  (void)state;
  mi_sim_cell_stats s = pass_under(0.1);
  assert_int_equal(s.parts_spawned, 1);
  assert_int_equal(s.parts_picked, 1);
  assert_int_equal(s.parts_missed, 0);
  assert_int_equal(s.grasps_too_fast, 0);
  assert_int_equal(s.collisions, 0); /* the sphere stays 5 cm above the tool point */
}

static void test_grasp_fast_belt_misses(void **state) {
  (void)state;
  mi_sim_cell_stats s = pass_under(0.3); /* relative speed 0.3 > 0.15 m/s */
  assert_int_equal(s.parts_spawned, 1);
  assert_int_equal(s.parts_picked, 0);
  assert_int_equal(s.grasps_too_fast, 1); /* once per part, not per step */
  assert_int_equal(s.parts_missed, 1);    /* it left the belt unpicked */
}

static void test_contacts_count_onsets(void **state) {
  (void)state;
  mi_sim_cell_desc d;
  scene(&d, false, 0.0);
  mi_sim_params p;
  params(&p);
  p.initial_q.v[0] = 0.3 - BASE_Z;
  mi_sim_cell *c = NULL;
  char err[256] = "";
  assert_int_equal(mi_sim_cell_create(&d, &p, &c, err, sizeof err), MI_OK);
  hold_at(c, 0.3, 200); /* clear of the table */
  assert_int_equal(mi_sim_cell_stats_get(c).collisions, 0);
  /* the sphere's bottom at tool + 0.03: press it 1 cm into the table */
  hold_at(c, BELT_TOP - 0.04, 300);
  mi_sim_cell_stats s = mi_sim_cell_stats_get(c);
  assert_int_equal(s.collisions, 1); /* one onset over 300 steps of contact */
  assert_int_equal(s.contacts_now, 1);
  hold_at(c, 0.3, 300); /* clear for longer than the release time */
  s = mi_sim_cell_stats_get(c);
  assert_int_equal(s.contacts_now, 0);
  assert_int_equal(s.collisions, 1);
  hold_at(c, BELT_TOP - 0.04, 300);
  assert_int_equal(mi_sim_cell_stats_get(c).collisions, 2);
  mi_sim_cell_destroy(c);
}

static void test_no_gripper_no_pick(void **state) {
  (void)state;
  mi_sim_cell_desc d;
  scene(&d, true, 0.1);
  mi_sim_params p;
  params(&p);
  p.grasp_radius_m = 0.0;
  double top = BELT_TOP + 0.061;
  p.initial_q.v[0] = top + 0.005 - BASE_Z;
  mi_sim_cell *c = NULL;
  char err[256] = "";
  assert_int_equal(mi_sim_cell_create(&d, &p, &c, err, sizeof err), MI_OK);
  hold_at(c, top + 0.005, 4000); /* the part passes under the tool */
  mi_sim_cell_stats s = mi_sim_cell_stats_get(c);
  assert_int_equal(s.parts_spawned, 1);
  assert_int_equal(s.parts_picked, 0);
  mi_sim_part_state ps[4];
  assert_int_equal(mi_sim_cell_parts(c, ps, 4), 1);
  assert_true(ps[0].pose.p.x > -0.8 + 0.1); /* it went past */
  mi_sim_cell_destroy(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grasp_slow_belt_picks),
      cmocka_unit_test(test_grasp_fast_belt_misses),
      cmocka_unit_test(test_contacts_count_onsets),
      cmocka_unit_test(test_no_gripper_no_pick),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
