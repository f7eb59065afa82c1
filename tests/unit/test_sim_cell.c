/* tests/unit/test_sim_cell.c - the simulated cell: identical sample streams
 * for the same seed (lockstep determinism), parts carried by the conveyor
 * and seen through the camera's latency, the watchdog hold, malformed
 * commands never reaching the arm, the wrist sensor, the person's zone. */
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

#define MS 1000000LL
#define G 9.81

/* a two-link planar arm (shoulder and elbow about y) above a conveyor */
static void arm_cell(mi_sim_cell_desc *d) {
  memset(d, 0, sizeof(*d));
  d->gravity = mi_vec3_make(0, 0, -G);
  d->arm.base_pose = mi_pose_identity();
  d->arm.base_pose.p = mi_vec3_make(0, 0, 1.0);
  d->arm.n_links = 2;
  for (int i = 0; i < 2; i++) {
    mi_bt_link_desc *l = &d->arm.links[i];
    l->parent = i - 1;
    l->type = MI_BT_JOINT_REVOLUTE;
    l->origin = mi_pose_identity();
    if (i == 1) l->origin.p = mi_vec3_make(0.4, 0, 0);
    l->axis = mi_vec3_make(0, 1, 0);
    l->mass = i == 0 ? 3.0 : 1.5;
    l->com = mi_vec3_make(0.2, 0, 0);
    l->inertia[0] = 0.002;
    l->inertia[1] = l->inertia[2] = l->mass * 0.4 * 0.4 / 12;
    l->damping = 0.05;
  }
  d->n_joints = 2;
  snprintf(d->joint_names[0], MI_SIM_NAME_MAX, "shoulder");
  snprintf(d->joint_names[1], MI_SIM_NAME_MAX, "elbow");
  d->tool_link = 1;
  d->has_conveyor = true;
  d->conveyor_pose = mi_pose_identity();
  d->conveyor_pose.p = mi_vec3_make(0.5, 1.0, 0.4);
  d->conveyor_half = mi_vec3_make(1.5, 0.15, 0.05);
  d->conveyor_speed = 0.3;
  d->conveyor_friction = 0.8;
  d->n_part_kinds = 2;
  d->part_kinds[0] = (mi_sim_part_kind){"box", MI_BT_BOX, {0.03, 0.03, 0.03}, 0.2};
  d->part_kinds[1] = (mi_sim_part_kind){"can", MI_BT_CYLINDER, {0.03, 0, 0.05}, 0.3};
  d->has_zone = true;
  d->zone_min = mi_vec3_make(-1, -2, 0);
  d->zone_max = mi_vec3_make(1, -1, 2);
}

static void noisy_params(mi_sim_params *p) {
  char err[256];
  assert_int_equal(mi_sim_params_defaults(p, err, sizeof err), MI_OK);
  const mi_param_table *t = mi_sim_params_table();
  const char *kv[][2] = {
      {"seed", "77"},
      {"noise.joint_position", "0.001"},
      {"noise.joint_velocity", "0.01"},
      {"noise.part_position", "0.002"},
      {"noise.wrench_force", "0.5"},
      {"latency.joint_states_ms", "2.0"},
      {"dropout.joint_states", "0.05"},
      {"dropout.part_poses", "0.1"},
      {"parts.first_s", "0.1"},
      {"parts.interval_s", "0.5"},
      {"plant.joint_friction", "[0.2, 0.1]"},
      {"plant.payload_mass_error_kg", "0.3"},
      {"person.enter_s", "[0.5]"},
      {"person.leave_s", "[1.0]"},
  };
  for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
    assert_int_equal(mi_params_set(t, p, kv[i][0], kv[i][1], err, sizeof err), MI_OK);
}

/* everything a run published, in order, as one byte stream */
typedef struct recording {
  unsigned char *buf;
  size_t len, cap;
} recording;

static void rec_put(recording *r, char tag, const void *p, size_t n) {
  if (r->len + n + 1 > r->cap) {
    r->cap = (r->cap + n + 1) * 2;
    r->buf = realloc(r->buf, r->cap);
    assert_non_null(r->buf);
  }
  r->buf[r->len++] = (unsigned char)tag;
  memcpy(r->buf + r->len, p, n);
  r->len += n;
}

static void drain(mi_sim_cell *c, recording *r) {
  mi_sim_joint_sample js;
  mi_sim_parts_sample ps;
  mi_sim_wrench_sample ws;
  mi_sim_zone_sample zs;
  while (mi_sim_cell_pop_joint_state(c, &js)) rec_put(r, 'j', &js, sizeof js);
  while (mi_sim_cell_pop_part_poses(c, &ps)) rec_put(r, 'p', &ps, sizeof ps);
  while (mi_sim_cell_pop_wrench(c, &ws)) rec_put(r, 'w', &ws, sizeof ws);
  while (mi_sim_cell_pop_zone(c, &zs)) rec_put(r, 'z', &zs, sizeof zs);
}

/* 1.5 s with scripted commands, some malformed, and a gap for the watchdog */
static void run_scripted(const mi_sim_params *p, recording *r, mi_sim_cell_stats *stats) {
  mi_sim_cell_desc d;
  arm_cell(&d);
  mi_sim_cell *c = NULL;
  char err[256];
  assert_int_equal(mi_sim_cell_create(&d, p, &c, err, sizeof err), MI_OK);
  for (int i = 0; i < 1500; i++) {
    if (i < 600 || i > 1000) {
      double e[2] = {8.0 * sin(i * 0.01), 2.0 * cos(i * 0.013)};
      double bad[2] = {NAN, 0};
      mi_sim_cmd_in cmd = {0};
      cmd.stamp_ns = mi_sim_cell_time_ns(c);
      cmd.n_effort = 2;
      cmd.effort = (i % 97 == 0) ? bad : e;
      if (i % 101 == 0) cmd.n_effort = 1;
      mi_sim_cell_command(c, &cmd);
    }
    assert_int_equal(mi_sim_cell_step(c), MI_OK);
    drain(c, r);
  }
  *stats = mi_sim_cell_stats_get(c);
  mi_sim_cell_destroy(c);
}

static void test_same_seed_identical_streams(void **state) {
  (void)state;
  mi_sim_params p;
  noisy_params(&p);
  recording a = {0}, b = {0}, c = {0};
  mi_sim_cell_stats sa, sb, sc;
  run_scripted(&p, &a, &sa);
  run_scripted(&p, &b, &sb);
  assert_true(a.len > 100000);
  assert_int_equal(a.len, b.len);
  assert_memory_equal(a.buf, b.buf, a.len);
  assert_memory_equal(&sa, &sb, sizeof sa);
  /* the run had everything in it: parts, drops, rejections, a watchdog trip */
  assert_true(sa.parts_spawned >= 2);
  assert_true(sa.joint_states_dropped > 0);
  assert_true(sa.part_poses_dropped > 0);
  assert_true(sa.commands.rejected_nonfinite > 0);
  assert_true(sa.commands.rejected_length > 0);
  assert_int_equal(sa.commands.watchdog_trips, 1);
  /* another seed: another stream */
  p.seed = 78;
  run_scripted(&p, &c, &sc);
  assert_true(c.len != a.len || memcmp(a.buf, c.buf, a.len) != 0);
  free(a.buf);
  free(b.buf);
  free(c.buf);
}

static void test_parts_ride_the_conveyor(void **state) {
  (void)state;
  mi_sim_params p;
  char err[256];
  assert_int_equal(mi_sim_params_defaults(&p, err, sizeof err), MI_OK);
  p.parts_first_s = 0.0;
  p.parts_interval_s = 100.0;
  p.dropout_part_poses = 0;
  p.latency_part_poses_ms = 40;
  p.latency_part_poses_jitter_ms = 0;
  p.initial_q.n = 2;
  p.initial_q.v[0] = -1.5; /* the arm points up, out of the way */
  p.initial_q.v[1] = 0;
  mi_sim_cell_desc d;
  arm_cell(&d);
  mi_sim_cell *c = NULL;
  assert_int_equal(mi_sim_cell_create(&d, &p, &c, err, sizeof err), MI_OK);
  /* hold the arm with a position command so it does not swing into the belt */
  double q[2] = {-1.5, 0};
  mi_sim_cmd_in cmd = {0};
  cmd.n_position = 2;
  cmd.position = q;
  double x_first = NAN, x_last = NAN;
  int64_t t_first = 0, t_last = 0;
  for (int i = 0; i < 2500; i++) {
    cmd.stamp_ns = mi_sim_cell_time_ns(c);
    assert_int_equal(mi_sim_cell_command(c, &cmd), MI_OK);
    mi_sim_cell_step(c);
    mi_sim_parts_sample s;
    while (mi_sim_cell_pop_part_poses(c, &s)) {
      /* the camera's latency: published 40 ms after it was taken */
      int64_t age = mi_sim_cell_time_ns(c) - s.stamp_ns;
      assert_true(age >= 40 * MS && age < 42 * MS);
      if (s.n != 1) continue;
      assert_int_equal(s.id[0], 0);
      if (s.stamp_ns >= 1000 * MS && isnan(x_first)) {
        x_first = s.pose[0].p.x;
        t_first = s.stamp_ns;
      }
      x_last = s.pose[0].p.x;
      t_last = s.stamp_ns;
    }
  }
  assert_false(isnan(x_first));
  double v = (x_last - x_first) / ((double)(t_last - t_first) * 1e-9);
  assert_true(fabs(v - 0.3) < 0.01);
  mi_sim_cell_stats st = mi_sim_cell_stats_get(c);
  assert_int_equal(st.parts_spawned, 1);
  mi_sim_cell_destroy(c);
}

static void test_watchdog_holds_the_arm(void **state) {
  (void)state;
  mi_sim_params p;
  char err[256];
  assert_int_equal(mi_sim_params_defaults(&p, err, sizeof err), MI_OK);
  p.parts_first_s = 1000;
  mi_sim_cell_desc d;
  arm_cell(&d);
  d.has_conveyor = false;
  mi_sim_cell *c = NULL;
  assert_int_equal(mi_sim_cell_create(&d, &p, &c, err, sizeof err), MI_OK);
  /* one command of zero effort, then silence: 100 ms of falling, then hold */
  double e[2] = {0, 0};
  mi_sim_cmd_in cmd = {0};
  cmd.n_effort = 2;
  cmd.effort = e;
  assert_int_equal(mi_sim_cell_command(c, &cmd), MI_OK);
  for (int i = 0; i < 2000; i++) mi_sim_cell_step(c);
  mi_sim_joint_sample js, last;
  memset(&last, 0, sizeof last);
  int got = 0;
  while (mi_sim_cell_pop_joint_state(c, &js)) {
    last = js;
    got++;
  }
  assert_true(got > 0);
  assert_true(fabs(last.velocity[0]) < 0.05 && fabs(last.velocity[1]) < 0.05);
  /* it fell for ~100 ms (about 0.05 rad) and stopped there, not hanging down at pi/2 */
  assert_true(last.position[0] > 0.01 && last.position[0] < 0.4);
  assert_int_equal(mi_sim_cell_stats_get(c).commands.watchdog_trips, 1);
  mi_sim_cell_destroy(c);
}

static void test_wrench_and_zone(void **state) {
  (void)state;
  mi_sim_params p;
  char err[256];
  assert_int_equal(mi_sim_params_defaults(&p, err, sizeof err), MI_OK);
  p.payload_mass_error_kg = 0.5;
  p.person_enter_s.n = p.person_leave_s.n = 1;
  p.person_enter_s.v[0] = 0.2;
  p.person_leave_s.v[0] = 0.4;
  mi_sim_cell_desc d;
  arm_cell(&d);
  d.has_conveyor = false;
  mi_sim_cell *c = NULL;
  assert_int_equal(mi_sim_cell_create(&d, &p, &c, err, sizeof err), MI_OK);
  int occupied = 0, zones = 0;
  for (int i = 0; i < 600; i++) {
    mi_sim_cell_step(c);
    mi_sim_wrench_sample w;
    while (mi_sim_cell_pop_wrench(c, &w)) {
      /* no contacts: the tool's true weight, 1.5 + 0.5 kg */
      assert_true(fabs(w.force.z + 2.0 * G) < 1e-9);
    }
    mi_sim_zone_sample z;
    while (mi_sim_cell_pop_zone(c, &z)) {
      zones++;
      assert_int_equal(z.occupied, z.stamp_ns >= 200 * MS && z.stamp_ns < 400 * MS);
      occupied += z.occupied;
    }
  }
  assert_int_equal(zones, 6); /* 10 Hz over 0.6 s */
  assert_int_equal(occupied, 2);
  mi_sim_cell_destroy(c);
  /* a payload error that removes the tool's mass is refused */
  p.payload_mass_error_kg = -1.5;
  assert_int_equal(mi_sim_cell_create(&d, &p, &c, err, sizeof err), MI_ERR_INVALID);
  assert_non_null(strstr(err, "payload"));
}

static void test_params_table_is_valid(void **state) {
  (void)state;
  mi_sim_params p;
  char err[256] = "";
  assert_int_equal(mi_sim_params_defaults(&p, err, sizeof err), MI_OK);
  assert_true(p.physics_hz == 1000.0);
  assert_true(p.part_poses_hz == 30.0);
  assert_int_equal(p.time_mode, MI_SIM_TIME_REALTIME);
  assert_int_equal(
      mi_params_set(mi_sim_params_table(), &p, "time.mode", "lockstep", err, sizeof err), MI_OK);
  assert_int_equal(p.time_mode, MI_SIM_TIME_LOCKSTEP);
  assert_int_equal(mi_params_set(mi_sim_params_table(), &p, "dropout.part_poses", "1.5", err,
                                 sizeof err),
                   MI_ERR_RANGE);
}

static void test_plant_params_file(void **state) {
  (void)state;
  mi_sim_params p;
  char err[512] = "";
  mi_status st = mi_params_load_file(mi_sim_params_table(), NULL,
                                     MIRAI_SOURCE_DIR "/tests/data/sim_plant.yaml", &p, err,
                                     sizeof err);
  if (st != MI_OK) fail_msg("%s", err);
  assert_int_equal(p.seed, 42);
  assert_int_equal(p.time_mode, MI_SIM_TIME_LOCKSTEP);
  assert_true(p.payload_mass_error_kg == 0.35);
  assert_int_equal(p.joint_friction_nm.n, 3);
  assert_int_equal(p.person_enter_s.n, 2);
  assert_true(p.person_leave_s.v[1] == 32.5);
  assert_true(p.watchdog_timeout_ms == 50.0);
  assert_true(p.physics_hz == 1000.0); /* untouched: the default */
  /* a typo is an error that names the key */
  st = mi_params_apply_string(mi_sim_params_table(), NULL,
                              "sim:\n  ros__parameters:\n    noise:\n      joint_positon: 0.1\n",
                              "typo.yaml", &p, err, sizeof err);
  assert_int_equal(st, MI_ERR_PARSE);
  assert_non_null(strstr(err, "joint_positon"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_params_table_is_valid),
      cmocka_unit_test(test_plant_params_file),
      cmocka_unit_test(test_same_seed_identical_streams),
      cmocka_unit_test(test_parts_ride_the_conveyor),
      cmocka_unit_test(test_watchdog_holds_the_arm),
      cmocka_unit_test(test_wrench_and_zone),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
