/* tests/unit/test_sim_desc.c - the plant built from the predictor's model
 * (sim/desc.h): the example cell maps field by field; the Bullet arm built
 * from an mi_model falls as the worldmodel's own float64 dynamics predicts
 * (same URDF); the conveyor carries parts along the cell's direction; the
 * zone box turns occupied when a part lies in it; bad models are refused
 * with a reason.
 *
 * Falling-arm tolerance: over 0.5 s (500 steps of 1 ms) from a bent pose,
 * zero command. Without joint damping both are semi-implicit Euler on the
 * same equations: the 3-joint sim_arm.urdf and the 7-joint wm_arm7.urdf
 * (damping zeroed) within 1e-10 rad, 1e-9 rad/s and 1e-10 m (link frames;
 * measured ~1e-14). With its URDF damping (0.2-0.5 N m s/rad on
 * light distal links) the worldmodel integrates damping implicitly (as
 * MuJoCo) and Bullet explicitly (-d qdot): an O(dt) difference, bounded by
 * 1e-2 rad and 0.3 rad/s at 1 ms and shown to shrink at least 2.5x at
 * 0.25 ms. Measured values are printed. */
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
#include "sim/desc.h"
#include "worldmodel/dynamics.h"

#define DATA MIRAI_SOURCE_DIR "/tests/data/"

/* |a - b| <= tol, in double precision (cmocka's float check is float) */
#define assert_near(a, b, tol)                                                     \
  do {                                                                             \
    double a_ = (a), b_ = (b);                                                     \
    if (!(fabs(a_ - b_) <= (tol))) fail_msg("%s = %.17g, want %.17g", #a, a_, b_); \
  } while (0)

static mi_model *load(const char *urdf, const char *cell) {
  char err[512] = "";
  mi_model *m = mi_wm_model_load(urdf, cell, err, sizeof err);
  if (!m) fail_msg("%s", err);
  return m;
}

static void test_example_cell_maps_field_by_field(void **state) {
  (void)state;
  mi_model *m = load(DATA "wm_arm7.urdf", DATA "wm_cell.cell.yaml");
  mi_sim_cell_desc *d = calloc(1, sizeof *d);
  char err[256] = "";
  assert_int_equal(mi_sim_desc_from_model(m, NULL, d, err, sizeof err), MI_OK);
  assert_int_equal(d->n_joints, 7);
  assert_int_equal(d->arm.n_links, 7);
  for (int i = 0; i < 7; i++) {
    char want[24]; /* room for any int: -O1 checks the format */
    snprintf(want, sizeof want, "joint%d", i + 1);
    assert_string_equal(d->joint_names[i], want);
    assert_int_equal(d->arm.links[i].parent, i - 1);
    assert_true(d->arm.links[i].mass > 0);
    /* inertia about the COM is positive definite on the diagonal */
    for (int k = 0; k < 3; k++) assert_true(d->arm.links[i].inertia[k] > 0);
  }
  /* masses of fused links add up: the total is the URDF's moving mass */
  double total = 0, model_total = 0;
  for (int i = 0; i < 7; i++) total += d->arm.links[i].mass;
  for (int l = 0; l < m->nlink; l++)
    if (m->link[l].body >= 0) model_total += m->link[l].mass;
  assert_near(total, model_total, 1e-12);
  assert_int_equal(d->tool_link, m->link[m->ee_link].body);
  assert_near(d->gravity.z, -9.81, 0);
  /* link5's two spheres from the cell file */
  assert_int_equal(d->arm.links[4].n_spheres, 2);
  assert_near(d->arm.links[4].spheres[0].r, 0.07, 1e-12);
  /* floor + table + post (+ spheres on the fixed base, static) */
  int base_spheres = 0;
  for (int s = 0; s < m->dyn.nsphere; s++) base_spheres += m->dyn.sphere_body[s] < 0;
  assert_int_equal(d->n_fixtures, base_spheres + 3);
  const mi_bt_body_desc *floor_b = &d->fixtures[base_spheres];
  assert_near(floor_b->pose.p.z + floor_b->size.z, m->ground_z, 1e-12);
  const mi_bt_body_desc *table = &d->fixtures[base_spheres + 1];
  assert_int_equal(table->shape, MI_BT_BOX);
  assert_near(table->size.x, 0.4, 1e-12); /* half of 0.8 */
  assert_near(table->mass, 0.0, 0);
  const mi_bt_body_desc *post = &d->fixtures[base_spheres + 2];
  assert_int_equal(post->shape, MI_BT_CYLINDER);
  assert_near(post->size.x, 0.05, 1e-12);
  assert_near(post->size.z, 0.4, 1e-12);
  /* the belt's +x runs along direction [-1, 0, 0] */
  assert_true(d->has_conveyor);
  mi_vec3 bx = mi_quat_rotate(d->conveyor_pose.q, mi_vec3_make(1, 0, 0));
  assert_near(bx.x, -1.0, 1e-12);
  assert_near(d->conveyor_half.x, 1.0, 1e-12);
  assert_near(d->conveyor_half.y, 0.2, 1e-12);
  assert_near(d->conveyor_speed, 0.2, 1e-12);
  assert_int_equal(d->n_part_kinds, 1);
  assert_string_equal(d->part_kinds[0].name, "box_part");
  assert_near(d->part_kinds[0].size.z, 0.03, 1e-12);
  assert_near(d->part_kinds[0].mass, 0.3, 1e-12);
  /* the operator zone's box */
  assert_true(d->has_zone);
  assert_string_equal(d->zone_name, "operator");
  assert_near(d->zone_min.x, -1.7, 1e-12);
  assert_near(d->zone_max.x, -0.7, 1e-12);
  assert_near(d->zone_min.z, 0.0, 1e-12);
  assert_near(d->zone_max.z, 2.0, 1e-12);

  /* and the plant builds from it */
  mi_sim_params p;
  assert_int_equal(mi_sim_params_defaults(&p, err, sizeof err), MI_OK);
  mi_sim_cell *c = NULL;
  assert_int_equal(mi_sim_cell_create(d, &p, &c, err, sizeof err), MI_OK);
  assert_int_equal(mi_sim_cell_joints(c), 7);
  assert_string_equal(mi_sim_cell_zone_name(c), "operator");
  mi_sim_cell_destroy(c);
  free(d);
  mi_wm_model_free(m);
}

static void test_bad_models_are_refused_with_a_reason(void **state) {
  (void)state;
  mi_model *m = load(DATA "wm_arm7.urdf", DATA "wm_cell.cell.yaml");
  mi_sim_cell_desc *d = calloc(1, sizeof *d);
  char err[256] = "";
  assert_int_equal(mi_sim_desc_from_model(m, "opertor", d, err, sizeof err), MI_ERR_INVALID);
  assert_non_null(strstr(err, "'opertor' is not a zone"));
  assert_non_null(strstr(err, "operator"));
  /* a conveyor running across the belt diagonally */
  mi_model *bad = malloc(sizeof *bad);
  memcpy(bad, m, sizeof *bad);
  bad->conveyor.direction = mi_vec3_make(-0.7071, 0.7071, 0);
  assert_int_equal(mi_sim_desc_from_model(bad, NULL, d, err, sizeof err), MI_ERR_INVALID);
  assert_non_null(strstr(err, "conveyor direction"));
  /* an end effector on the fixed base */
  memcpy(bad, m, sizeof *bad);
  bad->ee_link = 0; /* link0 is the fixed base */
  assert_int_equal(mi_sim_desc_from_model(bad, NULL, d, err, sizeof err), MI_ERR_INVALID);
  assert_non_null(strstr(err, "fixed base"));
  free(bad);
  free(d);
  mi_wm_model_free(m);
}

typedef struct fall_err {
  double dq, dqd, dx, moved;
} fall_err;

/* Bullet from the adapter vs mi_wm_step_d on the same model, 0.5 s of
 * falling with zero command at step dt; undamped: URDF damping set to 0 in
 * both */
static fall_err fall_and_compare(const char *urdf, const double *q0, double dt, bool undamped) {
  mi_model *m = load(urdf, NULL);
  if (undamped)
    for (int i = 0; i < m->ndof; i++) m->dyn.damping[i] = 0;
  mi_sim_cell_desc *d = calloc(1, sizeof *d);
  char err[256] = "";
  assert_int_equal(mi_sim_desc_from_model(m, NULL, d, err, sizeof err), MI_OK);
  const int n = m->ndof, steps = (int)lround(0.5 / dt);
  mi_bt_world *w = NULL;
  assert_int_equal(mi_bt_create(d->gravity, dt, &w), MI_OK);
  assert_int_equal(mi_bt_add_arm(w, &d->arm), MI_OK);
  assert_int_equal(mi_bt_arm_dofs(w), n);
  assert_int_equal(mi_bt_set_joint_state(w, q0, NULL), MI_OK);
  double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], zero[MI_WM_MAX_DOF] = {0};
  for (int i = 0; i < n; i++) q[i] = q0[i], qd[i] = 0;
  for (int k = 0; k < steps; k++) {
    assert_int_equal(mi_bt_set_joint_torques(w, zero), MI_OK);
    assert_int_equal(mi_bt_step(w), MI_OK);
    mi_wm_step_d(&m->dyn, q, qd, zero, dt, 1, NULL);
  }
  double bq[MI_WM_MAX_DOF], bqd[MI_WM_MAX_DOF];
  assert_int_equal(mi_bt_get_joint_state(w, bq, bqd, NULL), MI_OK);
  fall_err e = {0, 0, 0, 0};
  for (int i = 0; i < n; i++) {
    e.dq = fmax(e.dq, fabs(bq[i] - q[i]));
    e.dqd = fmax(e.dqd, fabs(bqd[i] - qd[i]));
    e.moved = fmax(e.moved, fabs(q[i] - q0[i]));
  }
  /* every link frame where the worldmodel's kinematics puts its body */
  mi_wm_m3_d R[MI_WM_MAX_DOF];
  mi_wm_v3_d P[MI_WM_MAX_DOF];
  mi_wm_fk_d(&m->dyn, bq, R, P);
  for (int i = 0; i < n; i++) {
    mi_pose lp;
    assert_int_equal(mi_bt_get_pose(w, MI_BT_LINK_HANDLE(i), &lp, NULL), MI_OK);
    e.dx = fmax(e.dx, fabs(lp.p.x - P[i].x));
    e.dx = fmax(e.dx, fabs(lp.p.y - P[i].y));
    e.dx = fmax(e.dx, fabs(lp.p.z - P[i].z));
  }
  print_message("%s%s dt=%g ms: after 0.5 s vs worldmodel float64: max |dq| %.3g rad, "
                "max |dqd| %.3g rad/s, link frames %.3g m (moved %.2f rad)\n",
                m->name, undamped ? " (no damping)" : "", dt * 1e3, e.dq, e.dqd, e.dx, e.moved);
  assert_true(e.moved > 0.3); /* it really fell */
  mi_bt_destroy(w);
  free(d);
  mi_wm_model_free(m);
  return e;
}

static void test_falling_arm_matches_worldmodel_dynamics(void **state) {
  (void)state;
  const double q3[3] = {0.3, 0.2, -0.4};
  const double q7[7] = {0.1, 0.6, -0.2, -1.2, 0.3, 1.0, 0.2};
  /* no damping: the same equations and integrator */
  fall_err a = fall_and_compare(DATA "sim_arm.urdf", q3, 1e-3, false);
  assert_true(a.dq < 1e-10 && a.dqd < 1e-9 && a.dx < 1e-10);
  fall_err b = fall_and_compare(DATA "wm_arm7.urdf", q7, 1e-3, true);
  assert_true(b.dq < 1e-10 && b.dqd < 1e-9 && b.dx < 1e-10);
  /* URDF damping: implicit (worldmodel) vs explicit (Bullet) is O(dt) */
  fall_err c = fall_and_compare(DATA "wm_arm7.urdf", q7, 1e-3, false);
  assert_true(c.dq < 1e-2 && c.dqd < 0.3);
  fall_err e = fall_and_compare(DATA "wm_arm7.urdf", q7, 0.25e-3, false);
  assert_true(e.dq < c.dq / 2.5 && e.dqd < c.dqd / 2.5); /* first order: about 4x smaller */
}

/* the conveyor carries parts along the cell's direction and drops them in
 * the zone, which then reads occupied until the part lingered out */
static void test_parts_follow_the_belt_into_the_zone(void **state) {
  (void)state;
  mi_model *m = load(DATA "sim_arm.urdf", DATA "sim_zone.cell.yaml");
  mi_sim_cell_desc *d = calloc(1, sizeof *d);
  char err[256] = "";
  assert_int_equal(mi_sim_desc_from_model(m, "operator", d, err, sizeof err), MI_OK);
  mi_sim_params p;
  assert_int_equal(mi_sim_params_defaults(&p, err, sizeof err), MI_OK);
  p.parts_first_s = 0.1;
  p.parts_interval_s = 100.0;
  p.parts_lateral_m = 0.0;
  p.parts_linger_s = 1.0;
  p.latency_part_poses_ms = 0;
  p.latency_part_poses_jitter_ms = 0;
  p.dropout_part_poses = 0;
  p.safety_zone_hz = 100;
  p.part_poses_hz = 100;
  mi_sim_cell *c = NULL;
  assert_int_equal(mi_sim_cell_create(d, &p, &c, err, sizeof err), MI_OK);
  double first_x = NAN, x_at_05 = NAN;
  int64_t occupied_from = -1, occupied_until = -1;
  int max_objects = 0;
  bool person_seen = false;
  for (int k = 0; k < 3000; k++) {
    assert_int_equal(mi_sim_cell_step(c), MI_OK);
    mi_sim_parts_sample ps;
    while (mi_sim_cell_pop_part_poses(c, &ps)) {
      if (ps.n > 0 && isnan(first_x)) first_x = ps.pose[0].p.x;
      if (ps.n > 0 && ps.stamp_ns == 500000000LL) x_at_05 = ps.pose[0].p.x;
    }
    mi_sim_zone_sample zs;
    while (mi_sim_cell_pop_zone(c, &zs)) {
      person_seen |= zs.person;
      if (zs.objects > max_objects) max_objects = zs.objects;
      if (zs.occupied && occupied_from < 0) occupied_from = zs.stamp_ns;
      if (!zs.occupied && occupied_from >= 0 && occupied_until < 0) occupied_until = zs.stamp_ns;
    }
  }
  /* the belt runs towards -x at 1 m/s */
  assert_false(isnan(first_x));
  assert_false(isnan(x_at_05));
  print_message("part at x=%.3f on arrival, %.3f at 0.5 s; zone occupied %.2f..%.2f s\n",
                first_x, x_at_05, (double)occupied_from / 1e9, (double)occupied_until / 1e9);
  assert_true(first_x > 0.2);
  assert_true(x_at_05 < first_x - 0.25);
  /* the part fell into the zone: occupied by an object, not the person */
  assert_false(person_seen);
  assert_int_equal(max_objects, 1);
  assert_true(occupied_from > 400000000LL && occupied_from < 1500000000LL);
  /* and it left the cell parts.linger_s after leaving the belt */
  assert_true(occupied_until > occupied_from);
  assert_true(occupied_until - occupied_from > 700000000LL);
  assert_true(occupied_until - occupied_from < 1300000000LL);
  assert_int_equal(mi_sim_cell_stats_get(c).parts_left, 1);
  mi_sim_cell_destroy(c);
  free(d);
  mi_wm_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_example_cell_maps_field_by_field),
      cmocka_unit_test(test_bad_models_are_refused_with_a_reason),
      cmocka_unit_test(test_falling_arm_matches_worldmodel_dynamics),
      cmocka_unit_test(test_parts_follow_the_belt_into_the_zone),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
