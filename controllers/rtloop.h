/* controllers/rtloop.h - the real-time loop: an absolute periodic schedule
 * with measured wake-up latency and a skip-ahead overrun policy.
 *
 * Each period the loop sleeps with clock_nanosleep(CLOCK_MONOTONIC,
 * TIMER_ABSTIME) until the next point of its grid t0 + k * period, reads the
 * clock on waking (latency = wake - scheduled, as cyclictest measures it),
 * and calls the tick function with the real elapsed time since the previous
 * wake (dt_ns: what the control law integrates with, not the nominal period).
 *
 * Overrun policy (as ros2_control's): when a tick ends after the next grid
 * point, the missed wake-ups are not run late one after another; the loop
 * skips ahead to the first grid point still in the future and counts the
 * skipped periods. The loop itself never logs (a log line takes a lock and
 * writes to a file); the counters are read from another thread, which may
 * report them at a limited rate (mi_ctrl_rtloop_report).
 *
 * Phase sync (cfg.sync_offset_ns > 0): a periodic input's arrivals
 * (mi_ctrl_rtloop_sync, e.g. the plant's joint states at the loop's rate)
 * pull the grid, a little each period, until the ticks fall sync_offset_ns
 * after them: the loop then reads an input that is only its transport old
 * instead of anywhere up to a period, as a loop clocked by its hardware
 * does. The grid moves by at most MI_CTRL_SYNC_SLEW of a period per tick
 * (an eighth of the phase error, so the arrivals' jitter averages out);
 * arrivals older than two periods are not followed (the grid keeps its last
 * phase). Latency is still measured against the grid point slept to.
 *
 * Real-time settings, applied by mi_ctrl_rtloop_start / _run when permitted:
 * SCHED_FIFO at cfg.priority (0: stay SCHED_OTHER), mlockall(MCL_CURRENT |
 * MCL_FUTURE), CPU affinity to cfg.cpu (-1: any), and a pre-faulted stack.
 * Each one that is refused costs exactly one log line (at start, never in the
 * loop) and the loop runs anyway.
 *
 * Threads: the tick function runs on the loop thread; stats may be read from
 * any thread at any time (relaxed atomics: a snapshot may mix neighbouring
 * ticks). The loop allocates nothing after start.
 */
#ifndef MI_CTRL_RTLOOP_H
#define MI_CTRL_RTLOOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* latency histogram: 1 us bins; the last bin also counts everything above */
#define MI_CTRL_HIST_BINS 4096

/* the most the grid moves per period for phase sync: period / this */
#define MI_CTRL_SYNC_SLEW 50

typedef struct mi_ctrl_rt_config {
  int64_t period_ns; /* > 0 */
  int64_t sync_offset_ns; /* phase sync: ticks this long after the arrivals; 0: none */
  int priority;      /* SCHED_FIFO priority 1..99, 0 = none */
  int cpu;           /* CPU to pin the loop to, -1 = none */
  bool lock_memory;  /* mlockall */
} mi_ctrl_rt_config;

typedef struct mi_ctrl_tick {
  uint64_t iter;        /* 0, 1, 2, ... */
  int64_t scheduled_ns; /* the grid point this tick was due at */
  int64_t wake_ns;      /* when the thread actually woke */
  int64_t latency_ns;   /* wake_ns - scheduled_ns */
  int64_t dt_ns;        /* wake_ns - previous wake_ns (the period on iter 0) */
  uint32_t skipped;     /* periods skipped just before this tick */
} mi_ctrl_tick;

/* Called once per period on the loop thread; return false to stop the loop.
 * Must not allocate, block or take locks shared with other threads. */
typedef bool (*mi_ctrl_tick_fn)(void *user, const mi_ctrl_tick *t);

typedef struct mi_ctrl_rtloop {
  mi_ctrl_rt_config cfg;
  mi_ctrl_tick_fn fn;
  void *user;
  pthread_t thread;
  bool started;
  _Atomic bool stop;
  _Atomic bool running;
  /* what the real-time settings gave */
  bool fifo_ok, mlock_ok, affinity_ok;
  /* counters */
  _Atomic uint64_t ticks;
  _Atomic uint64_t overruns;       /* ticks that ended after the next grid point */
  _Atomic uint64_t skipped;        /* grid points skipped in total */
  _Atomic int64_t latency_max_ns;
  _Atomic int64_t latency_sum_ns;
  _Atomic int64_t exec_max_ns;     /* longest tick function run */
  _Atomic int64_t sync_arrival_ns; /* the newest arrival to sync to (CLOCK_MONOTONIC); 0: none */
  _Atomic int64_t sync_error_ns;   /* the grid's phase error behind its last tick, wrapped to
                                      (-period/2, period/2]: > 0 late after the target */
  _Atomic uint64_t sync_ticks;     /* ticks whose grid followed an arrival */
  _Atomic uint32_t hist[MI_CTRL_HIST_BINS];
  uint64_t reported_overruns;      /* owned by the mi_ctrl_rtloop_report caller */
} mi_ctrl_rtloop;

typedef struct mi_ctrl_rt_stats {
  uint64_t ticks, overruns, skipped;
  double latency_p50_us, latency_p99_us, latency_max_us, latency_mean_us;
  double exec_max_us;
  bool fifo_ok, mlock_ok, affinity_ok;
  uint64_t sync_ticks;   /* ticks whose grid followed an arrival (phase sync) */
  double sync_error_us;  /* the last phase error (see mi_ctrl_rtloop) */
} mi_ctrl_rt_stats;

/* Set up (no thread yet). @retval MI_ERR_INVALID bad period or NULL fn */
mi_status mi_ctrl_rtloop_init(mi_ctrl_rtloop *l, const mi_ctrl_rt_config *cfg,
                              mi_ctrl_tick_fn fn, void *user);

/* Run the loop on a new thread with the real-time settings.
 * @retval MI_ERR_STATE already started
 * @retval MI_ERR_IO    the thread could not be created at all */
mi_status mi_ctrl_rtloop_start(mi_ctrl_rtloop *l);

/* Ask the loop to stop and join its thread (returns at once if not started). */
void mi_ctrl_rtloop_stop(mi_ctrl_rtloop *l);

/* Run the loop on the calling thread until fn returns false or stop is
 * requested from another thread (mi_ctrl_rtloop_request_stop). */
mi_status mi_ctrl_rtloop_run(mi_ctrl_rtloop *l);
void mi_ctrl_rtloop_request_stop(mi_ctrl_rtloop *l);

/* Phase sync: the periodic input the loop follows arrived at arrival_ns
 * (CLOCK_MONOTONIC). Any thread, lock-free; ignored without
 * cfg.sync_offset_ns. */
void mi_ctrl_rtloop_sync(mi_ctrl_rtloop *l, int64_t arrival_ns);

/* Counters and latency percentiles (from the histogram). Any thread. */
void mi_ctrl_rtloop_stats(mi_ctrl_rtloop *l, mi_ctrl_rt_stats *out);

/* The latency bin counts (1 us each), copied into hist[nbins]. */
void mi_ctrl_rtloop_histogram(mi_ctrl_rtloop *l, uint32_t *hist, int nbins);

/* Percentile p (0..100) in us from a histogram of 1 us bins: the first bin
 * at which the cumulative count reaches p% (a latency is recorded in the bin
 * of its whole microseconds, as cyclictest does); 0 for an empty one. */
double mi_ctrl_hist_percentile_us(const uint64_t *hist, int nbins, double p);

/* From a non-real-time thread: log one rate-limited warning when overruns
 * happened since the previous call ("N overruns (M periods skipped)"), so a
 * slow loop never floods the log. Returns the new overruns. */
uint64_t mi_ctrl_rtloop_report(mi_ctrl_rtloop *l);

#ifdef __cplusplus
}
#endif

#endif /* MI_CTRL_RTLOOP_H */
