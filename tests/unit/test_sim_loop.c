/* tests/unit/test_sim_loop.c - lockstep runs publish rt/clock and identical
 * streams for the same seed; real-time runs are paced by the clock. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"
#include "sim/loop.h"

#define MS 1000000LL

static void one_link_cell(mi_sim_cell_desc *d) {
  memset(d, 0, sizeof(*d));
  d->gravity = mi_vec3_make(0, 0, -9.81);
  d->arm.base_pose = mi_pose_identity();
  d->arm.n_links = 1;
  mi_bt_link_desc *l = &d->arm.links[0];
  l->parent = -1;
  l->type = MI_BT_JOINT_REVOLUTE;
  l->origin = mi_pose_identity();
  l->axis = mi_vec3_make(0, 1, 0);
  l->mass = 1.0;
  l->com = mi_vec3_make(0.3, 0, 0);
  l->inertia[0] = l->inertia[1] = l->inertia[2] = 0.01;
  d->n_joints = 1;
  strcpy(d->joint_names[0], "j1");
  d->tool_link = 0;
}

typedef struct rec {
  int64_t buf[20000];
  int n;
  int64_t last_clock;
  int clocks, clock_errors, joint_states;
  int64_t last_js_stamp;
} rec;

static void put(rec *r, int64_t v) {
  if (r->n < (int)(sizeof r->buf / sizeof r->buf[0])) r->buf[r->n++] = v;
}
static void on_clock(void *u, int64_t t) {
  rec *r = u;
  if (r->clocks > 0 && t != r->last_clock + MS) r->clock_errors++;
  r->last_clock = t;
  r->clocks++;
  put(r, t);
}
static void on_js(void *u, int64_t stamp, const mi_sim_joint_sample *s) {
  rec *r = u;
  r->joint_states++;
  r->last_js_stamp = stamp;
  put(r, stamp);
  int64_t bits;
  memcpy(&bits, &s->position[0], sizeof bits);
  put(r, bits);
  memcpy(&bits, &s->velocity[0], sizeof bits);
  put(r, bits);
}
/* a controller on sim time: effort as a function of the clock */
static void on_poll(void *u, mi_sim_cell *c) {
  (void)u;
  double e = 0.5 * sin((double)mi_sim_cell_time_ns(c) * 1e-8);
  mi_sim_cmd_in cmd = {0};
  cmd.stamp_ns = mi_sim_cell_time_ns(c);
  cmd.n_effort = 1;
  cmd.effort = &e;
  mi_sim_cell_command(c, &cmd);
}

static void run(int mode, double rtf, int64_t dur, rec *r, int64_t *wall_ns) {
  mi_sim_params p;
  char err[256];
  assert_int_equal(mi_sim_params_defaults(&p, err, sizeof err), MI_OK);
  p.noise_joint_pos = 0.01;
  p.seed = 5;
  mi_sim_cell_desc d;
  one_link_cell(&d);
  mi_sim_cell *c = NULL;
  assert_int_equal(mi_sim_cell_create(&d, &p, &c, err, sizeof err), MI_OK);
  mi_sim_io io = {r, on_clock, on_js, NULL, NULL, NULL, on_poll, NULL};
  atomic_bool stop = false;
  mi_sim_loop_stats st;
  int64_t t0 = mi_clock_mono_ns();
  assert_int_equal(mi_sim_loop_run(c, mode, rtf, dur, &io, &stop, &st), MI_OK);
  *wall_ns = mi_clock_mono_ns() - t0;
  assert_int_equal((int64_t)st.steps, dur / MS);
  mi_sim_cell_destroy(c);
}

static void test_lockstep_identical_and_clocked(void **state) {
  (void)state;
  rec *a = calloc(1, sizeof(rec)), *b = calloc(1, sizeof(rec));
  int64_t wall;
  run(MI_SIM_TIME_LOCKSTEP, 0.0, 500 * MS, a, &wall);
  run(MI_SIM_TIME_LOCKSTEP, 0.0, 500 * MS, b, &wall);
  assert_int_equal(a->clocks, 500);
  assert_int_equal(a->clock_errors, 0);
  assert_int_equal(a->joint_states, 500);
  /* stamps are sim time: the last sample was taken at the last clock tick */
  assert_int_equal(a->last_js_stamp, a->last_clock);
  assert_int_equal(a->n, b->n);
  assert_memory_equal(a->buf, b->buf, sizeof(int64_t) * (size_t)a->n);
  free(a);
  free(b);
}

static void test_pacing(void **state) {
  (void)state;
  rec *r = calloc(1, sizeof(rec));
  int64_t wall;
  /* real time: 100 ms of sim take 100 ms, stamps on wall time */
  int64_t w0 = mi_clock_wall_ns();
  run(MI_SIM_TIME_REALTIME, 1.0, 100 * MS, r, &wall);
  assert_true(wall >= 98 * MS);
  assert_int_equal(r->clocks, 0); /* no rt/clock in real time */
  assert_true(r->last_js_stamp >= w0 && r->last_js_stamp <= mi_clock_wall_ns());
  /* lockstep at twice real time: 200 ms of sim in about 100 ms */
  memset(r, 0, sizeof *r);
  run(MI_SIM_TIME_LOCKSTEP, 2.0, 200 * MS, r, &wall);
  assert_true(wall >= 98 * MS);
  assert_int_equal(r->clocks, 200);
  free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lockstep_identical_and_clocked),
      cmocka_unit_test(test_pacing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
