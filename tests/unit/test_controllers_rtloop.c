/* tests/unit/test_controllers_rtloop.c - the real-time loop: absolute
 * schedule, real elapsed period, latency histogram, skip-ahead overruns,
 * phase sync to a periodic input's arrivals; and
 * a counter around malloc (linked with -Wl,--wrap=malloc,...) proving that
 * the loop thread, running the whole controller through a stall, a stop and
 * a recovery, allocates nothing. */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "controllers/controller.h"
#include "controllers/rtloop.h"
#include "core/clock.h"
#include "tests/support/alloc_count.h"

#define MS 1000000LL

/* allocations are counted by tests/support/alloc_count.c (--wrap) */

static void test_counter_counts(void **state) {
  (void)state;
  /* the counter is real: an allocation on a watched thread is seen */
  mi_test_alloc_reset();
  mi_test_alloc_watch_thread(true);
  void *volatile p = malloc(32);
  void *volatile q = calloc(4, 8);
  mi_test_alloc_watch_thread(false);
  free(p);
  free(q);
  assert_int_equal(mi_test_alloc_count(), 2);
  mi_test_alloc_reset();
}

/* --- schedule, histogram, overruns ------------------------------------- */

typedef struct rec {
  int n, max;
  int slow_at; /* iteration that takes 3.5 periods */
  int64_t first_sched;
  int64_t sched[400], dt[400];
  uint32_t skipped[400];
} rec;

static bool rec_tick(void *user, const mi_ctrl_tick *t) {
  rec *r = user;
  if (r->n == 0) r->first_sched = t->scheduled_ns;
  r->sched[r->n] = t->scheduled_ns;
  r->dt[r->n] = t->dt_ns;
  r->skipped[r->n] = t->skipped;
  r->n++;
  if ((int)t->iter == r->slow_at) {
    int64_t until = t->wake_ns + 3500 * 1000;
    while (mi_clock_mono_ns() < until) {
    }
  }
  return r->n < r->max;
}

static void test_schedule_and_overrun(void **state) {
  (void)state;
  static rec r;
  memset(&r, 0, sizeof r);
  r.max = 300;
  r.slow_at = 100;
  mi_ctrl_rt_config cfg = {.period_ns = MS, .priority = 0, .cpu = -1, .lock_memory = false};
  mi_ctrl_rtloop l;
  assert_int_equal(mi_ctrl_rtloop_init(&l, &cfg, rec_tick, &r), MI_OK);
  assert_int_equal(mi_ctrl_rtloop_run(&l), MI_OK);
  assert_int_equal(r.n, 300);
  mi_ctrl_rt_stats st;
  mi_ctrl_rtloop_stats(&l, &st);
  assert_int_equal(st.ticks, 300);
  /* every tick on the absolute grid */
  for (int i = 0; i < r.n; i++) assert_int_equal((r.sched[i] - r.first_sched) % MS, 0);
  /* the slow tick: the missed grid points are skipped, not run late */
  assert_true(st.overruns >= 1);
  assert_true(r.skipped[101] >= 3 && r.skipped[101] <= 4 + 20);
  assert_true(r.sched[101] - r.sched[100] == (int64_t)(r.skipped[101] + 1) * MS);
  /* the real elapsed period is passed on (>= 3.5 ms around the slow tick) */
  assert_true(r.dt[101] >= 3500 * 1000);
  /* the histogram holds every tick */
  uint32_t h[MI_CTRL_HIST_BINS];
  mi_ctrl_rtloop_histogram(&l, h, MI_CTRL_HIST_BINS);
  uint64_t total = 0;
  for (int i = 0; i < MI_CTRL_HIST_BINS; i++) total += h[i];
  assert_int_equal(total, 300);
  assert_true(st.latency_p50_us <= st.latency_p99_us);
  assert_true(st.latency_p99_us <= st.latency_max_us + 1.0);
}

/* --- phase sync ----------------------------------------------------------- */

/* arrivals on their own 1 ms grid, 0.37 ms after the loop's first grid
 * point; each tick reports the newest one due (as the controller reports the
 * newest joint state), and records where its grid point fell */
typedef struct sync_rec {
  mi_ctrl_rtloop *l;
  int n, max;
  int64_t base;    /* the arrivals: base + k ms */
  int64_t sched[1200];
} sync_rec;

static bool sync_tick(void *user, const mi_ctrl_tick *t) {
  sync_rec *r = user;
  if (r->n == 0) r->base = t->scheduled_ns + 370 * 1000 - 2 * MS;
  r->sched[r->n++] = t->scheduled_ns;
  int64_t k = (t->wake_ns - r->base) / MS;
  mi_ctrl_rtloop_sync(r->l, r->base + k * MS);
  return r->n < r->max;
}

/* the phase of a grid point behind the arrivals, in (-0.5, 0.5] ms */
static int64_t phase_after(const sync_rec *r, int i) {
  int64_t e = (r->sched[i] - r->base) % MS;
  return e > MS / 2 ? e - MS : e;
}

/* with sync_offset 0.1 ms the grid slews (at most 20 us a period) until its
 * points fall 0.1 ms after the arrivals, and stays; without, it keeps its
 * phase */
static void test_phase_sync(void **state) {
  (void)state;
  static sync_rec r;
  mi_ctrl_rtloop l;
  for (int on = 0; on < 2; on++) {
    memset(&r, 0, sizeof r);
    r.l = &l;
    r.max = 1000;
    mi_ctrl_rt_config cfg = {.period_ns = MS, .priority = 0, .cpu = -1, .lock_memory = false,
                             .sync_offset_ns = on ? 100 * 1000 : 0};
    assert_int_equal(mi_ctrl_rtloop_init(&l, &cfg, sync_tick, &r), MI_OK);
    assert_int_equal(mi_ctrl_rtloop_run(&l), MI_OK);
    assert_int_equal(r.n, 1000);
    mi_ctrl_rt_stats st;
    mi_ctrl_rtloop_stats(&l, &st);
    assert_int_equal(phase_after(&r, 0), -370 * 1000);
    for (int i = 1; i < r.n; i++) {
      int64_t d = r.sched[i] - r.sched[i - 1];
      /* a period (or whole periods after an overrun), moved by the slew at most */
      int64_t m = (d + MS / 2) / MS * MS;
      assert_true(llabs(d - m) <= MS / MI_CTRL_SYNC_SLEW);
    }
    if (!on) {
      assert_int_equal(st.sync_ticks, 0);
      assert_int_equal(phase_after(&r, r.n - 1), -370 * 1000);
    } else {
      assert_true(st.sync_ticks > 900);
      /* 470 us to go at <= 20 us a period: there by tick ~100, held after */
      for (int i = 300; i < r.n; i++) assert_true(llabs(phase_after(&r, i) - 100 * 1000) <= 2000);
      assert_true(fabs(st.sync_error_us) <= 2.0);
    }
  }
}

static void test_percentile(void **state) {
  (void)state;
  uint64_t h[10] = {0};
  assert_true(mi_ctrl_hist_percentile_us(h, 10, 50) == 0.0);
  h[2] = 50;
  h[5] = 49;
  h[9] = 1;
  assert_true(mi_ctrl_hist_percentile_us(h, 10, 50) == 2.0);
  assert_true(mi_ctrl_hist_percentile_us(h, 10, 51) == 5.0);
  assert_true(mi_ctrl_hist_percentile_us(h, 10, 99) == 5.0);
  assert_true(mi_ctrl_hist_percentile_us(h, 10, 100) == 9.0);
}

/* --- the controller in the loop allocates nothing ---------------------- */

typedef struct run {
  mi_ctrl *c;
  mi_ctrl_command cmd;
  _Atomic bool stalled;
  _Atomic int64_t now;
  _Atomic int states_seen; /* bit per state */
} run;

static bool ctrl_tick(void *user, const mi_ctrl_tick *t) {
  run *r = user;
  mi_test_alloc_watch_thread(true); /* from here on, this thread is watched */
  /* the ideal plant, fed from the loop (this thread is the producer) */
  mi_ctrl_joint_state js = {.arrival_ns = t->wake_ns, .n = 3};
  for (int j = 0; j < 3; j++) {
    js.q[j] = r->cmd.valid ? r->cmd.q[j] : 0.0;
    js.qd[j] = r->cmd.valid ? r->cmd.qd[j] : 0.0;
  }
  mi_ctrl_submit_joint_state(r->c, &js);
  mi_ctrl_step(r->c, t->wake_ns, t->dt_ns, &r->cmd);
  atomic_fetch_or(&r->states_seen, 1 << mi_ctrl_state_now(r->c));
  atomic_store(&r->now, t->wake_ns);
  return true;
}

static void test_loop_allocates_nothing(void **state) {
  (void)state;
  mi_ctrl_params p;
  char err[256];
  assert_int_equal(mi_params_defaults(mi_ctrl_param_table(), &p, err, sizeof err), MI_OK);
  p.law = MI_CTRL_LAW_PD;
  p.settle_time = 0.05;
  p.plan_late_ms = 40;
  p.plan_expired_ms = 80;
  p.joint_states_late_ms = 100; /* a loaded 2-core machine can stall us */
  p.joint_states_expired_ms = 1000;
  static run r;
  memset(&r, 0, sizeof r);
  r.c = mi_ctrl_create(&p, NULL, mi_clock_mono_ns(), err, sizeof err);
  assert_non_null(r.c);
  mi_ctrl_rt_config cfg = {.period_ns = MS, .priority = 0, .cpu = -1, .lock_memory = false};
  mi_ctrl_rtloop l;
  assert_int_equal(mi_ctrl_rtloop_init(&l, &cfg, ctrl_tick, &r), MI_OK);

  mi_test_alloc_reset();
  assert_int_equal(mi_ctrl_rtloop_start(&l), MI_OK);
  /* this thread: planner and zone, 10 ms apart; a stall in the middle */
  static mi_ctrl_plan plan;
  int64_t t_end = mi_clock_mono_ns() + 600 * MS;
  int64_t t_stall0 = t_end - 400 * MS, t_stall1 = t_end - 250 * MS;
  uint64_t seq = 0;
  mi_ctrl_status st;
  while (mi_clock_mono_ns() < t_end) {
    int64_t now = mi_clock_mono_ns();
    mi_ctrl_zone z = {.arrival_ns = now, .person_present = false};
    mi_ctrl_submit_zone(r.c, &z);
    if (now < t_stall0 || now > t_stall1) {
      memset(&plan, 0, sizeof plan);
      plan.seq = ++seq;
      plan.arrival_ns = now;
      plan.t0_ns = now;
      plan.n_joints = 3;
      plan.n_points = 11;
      for (int k = 0; k < 11; k++) {
        plan.t_ns[k] = k * 20 * MS;
        for (int j = 0; j < 3; j++) plan.q[k][j] = 0.3 * sin(2.0 * (double)(now + plan.t_ns[k]) * 1e-9 + j);
      }
      assert_int_equal(mi_ctrl_submit_plan(r.c, &plan, NULL, 0), MI_OK);
    }
    mi_ctrl_status_take(r.c, &st);
    mi_ctrl_transition tr;
    while (mi_ctrl_transition_pop(r.c, &tr) == MI_OK) {
    }
    mi_clock_sleep_ns(10 * MS);
  }
  mi_ctrl_rtloop_stop(&l);
  mi_ctrl_rt_stats rs;
  mi_ctrl_rtloop_stats(&l, &rs);
  /* the loop ran, went through every state, and allocated nothing */
  assert_true(rs.ticks > 100);
  int seen = atomic_load(&r.states_seen);
  assert_true(seen & (1 << MI_CTRL_RUN));
  assert_true(seen & (1 << MI_CTRL_SAFE_STOP));
  assert_int_equal(mi_test_alloc_count(), 0);
  mi_ctrl_destroy(r.c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_counter_counts),
      cmocka_unit_test(test_percentile),
      cmocka_unit_test(test_schedule_and_overrun),
      cmocka_unit_test(test_phase_sync),
      cmocka_unit_test(test_loop_allocates_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
