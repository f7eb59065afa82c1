/* core/clock.h - time in mirai: int64 nanoseconds inside, seconds at the edges.
 *
 * Three sources:
 *  - monotonic (CLOCK_MONOTONIC): schedules, budgets, latency measurements;
 *  - wall (CLOCK_REALTIME): message header stamps when not on sim time;
 *  - sim: a clock an outside source drives (the sim node's rt/clock), used in
 *    lockstep runs so every node sees the same time.
 * mi_clock selects one of them for a node ("use_sim_time", as in ROS 2).
 */
#ifndef MI_CORE_CLOCK_H
#define MI_CORE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MI_NS_PER_S INT64_C(1000000000)
#define MI_NS_PER_MS INT64_C(1000000)
#define MI_NS_PER_US INT64_C(1000)

/* CLOCK_MONOTONIC now, in ns. Thread-safe, async-signal-safe. */
int64_t mi_clock_mono_ns(void);

/* CLOCK_REALTIME now, in ns since the Unix epoch. */
int64_t mi_clock_wall_ns(void);

/* Seconds (double) to ns, rounded to nearest; saturates at INT64 limits,
 * NaN gives 0. */
int64_t mi_ns_from_s(double s);

/* ns to seconds. */
double mi_s_from_ns(int64_t ns);

/* Sleep until the absolute CLOCK_MONOTONIC time t_ns (clock_nanosleep with
 * TIMER_ABSTIME). Restarts after signals, so it never returns early.
 * @retval MI_OK when t_ns has passed (immediately if it already had). */
mi_status mi_clock_sleep_until_ns(int64_t t_ns);

/* Sleep for a relative duration (<= 0 returns at once). */
mi_status mi_clock_sleep_ns(int64_t dt_ns);

/* --- sim clock -------------------------------------------------------- */

/* A clock driven from outside (rt/clock). Thread-safe: one writer (the clock
 * subscriber) and any number of readers and waiters. Starts at 0, "not yet
 * received". Caller destroys with mi_simclock_destroy. */
typedef struct mi_simclock mi_simclock;

/* @return a new sim clock, or NULL when out of memory. */
mi_simclock *mi_simclock_create(void);
void mi_simclock_destroy(mi_simclock *c);

/* Set the current sim time and wake waiters. Time may jump backwards (a
 * replay restarting): waiters then re-evaluate their deadline. */
void mi_simclock_set(mi_simclock *c, int64_t t_ns);

/* Current sim time in ns (0 until the first set). */
int64_t mi_simclock_now(const mi_simclock *c);

/* True once mi_simclock_set was called at least once. */
bool mi_simclock_started(const mi_simclock *c);

/* Block until sim time >= t_ns, or until timeout_mono_ns of monotonic time has
 * passed, or mi_simclock_interrupt was called.
 * @retval MI_OK           sim time reached t_ns
 * @retval MI_ERR_TIMEOUT  monotonic timeout passed first
 * @retval MI_ERR_INTERRUPTED  interrupted (shutdown) */
mi_status mi_simclock_wait_until(mi_simclock *c, int64_t t_ns,
                                 int64_t timeout_mono_ns);

/* Wake every waiter with MI_ERR_INTERRUPTED (used on shutdown). Sticky. */
void mi_simclock_interrupt(mi_simclock *c);

/* --- a node's clock --------------------------------------------------- */

typedef enum mi_clock_kind {
  MI_CLOCK_MONO = 0, /* CLOCK_MONOTONIC */
  MI_CLOCK_WALL = 1, /* CLOCK_REALTIME  */
  MI_CLOCK_SIM = 2   /* driven by a mi_simclock */
} mi_clock_kind;

typedef struct mi_clock {
  mi_clock_kind kind;
  mi_simclock *sim; /* borrowed; required when kind == MI_CLOCK_SIM */
} mi_clock;

/* Now on the selected clock, in ns. */
int64_t mi_clock_now(const mi_clock *c);

#ifdef __cplusplus
}
#endif

#endif /* MI_CORE_CLOCK_H */
