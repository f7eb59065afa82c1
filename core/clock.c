/* core/clock.c - monotonic, wall and sim clocks. */
#define _GNU_SOURCE
#include "core/clock.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

static int64_t ts_to_ns(const struct timespec *ts) {
  return (int64_t)ts->tv_sec * MI_NS_PER_S + (int64_t)ts->tv_nsec;
}

static struct timespec ns_to_ts(int64_t ns) {
  struct timespec ts;
  ts.tv_sec = (time_t)(ns / MI_NS_PER_S);
  ts.tv_nsec = (long)(ns % MI_NS_PER_S);
  if (ts.tv_nsec < 0) {
    ts.tv_nsec += MI_NS_PER_S;
    ts.tv_sec -= 1;
  }
  return ts;
}

int64_t mi_clock_mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts_to_ns(&ts);
}

int64_t mi_clock_wall_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts_to_ns(&ts);
}

int64_t mi_ns_from_s(double s) {
  if (isnan(s)) return 0;
  double ns = s * 1e9;
  if (ns >= 9.2e18) return INT64_MAX;
  if (ns <= -9.2e18) return INT64_MIN;
  return (int64_t)llround(ns);
}

double mi_s_from_ns(int64_t ns) { return (double)ns * 1e-9; }

mi_status mi_clock_sleep_until_ns(int64_t t_ns) {
  struct timespec ts = ns_to_ts(t_ns);
  int rc;
  /* clock_nanosleep returns the error number; EINTR means a signal came in
   * before the deadline, so go back to sleep until the same absolute time */
  while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR) {
  }
  return rc == 0 ? MI_OK : MI_ERR_INVALID;
}

mi_status mi_clock_sleep_ns(int64_t dt_ns) {
  if (dt_ns <= 0) return MI_OK;
  return mi_clock_sleep_until_ns(mi_clock_mono_ns() + dt_ns);
}

/* --- sim clock -------------------------------------------------------- */

struct mi_simclock {
  _Atomic int64_t now_ns;
  atomic_bool started;
  atomic_bool interrupted;
  pthread_mutex_t mu;
  pthread_cond_t cv; /* on CLOCK_MONOTONIC, for the timeout */
};

mi_simclock *mi_simclock_create(void) {
  mi_simclock *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, &attr);
  pthread_condattr_destroy(&attr);
  atomic_init(&c->now_ns, 0);
  atomic_init(&c->started, false);
  atomic_init(&c->interrupted, false);
  return c;
}

void mi_simclock_destroy(mi_simclock *c) {
  if (!c) return;
  pthread_cond_destroy(&c->cv);
  pthread_mutex_destroy(&c->mu);
  free(c);
}

void mi_simclock_set(mi_simclock *c, int64_t t_ns) {
  pthread_mutex_lock(&c->mu);
  atomic_store(&c->now_ns, t_ns);
  atomic_store(&c->started, true);
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

int64_t mi_simclock_now(const mi_simclock *c) {
  return atomic_load(&((mi_simclock *)c)->now_ns);
}

bool mi_simclock_started(const mi_simclock *c) {
  return atomic_load(&((mi_simclock *)c)->started);
}

mi_status mi_simclock_wait_until(mi_simclock *c, int64_t t_ns, int64_t timeout_mono_ns) {
  int64_t deadline = mi_clock_mono_ns() + (timeout_mono_ns > 0 ? timeout_mono_ns : 0);
  struct timespec dl = ns_to_ts(deadline);
  mi_status st = MI_OK;
  pthread_mutex_lock(&c->mu);
  for (;;) {
    if (atomic_load(&c->interrupted)) {
      st = MI_ERR_INTERRUPTED;
      break;
    }
    if (atomic_load(&c->started) && atomic_load(&c->now_ns) >= t_ns) break;
    if (pthread_cond_timedwait(&c->cv, &c->mu, &dl) == ETIMEDOUT) {
      st = (atomic_load(&c->started) && atomic_load(&c->now_ns) >= t_ns) ? MI_OK
                                                                         : MI_ERR_TIMEOUT;
      break;
    }
  }
  pthread_mutex_unlock(&c->mu);
  return st;
}

void mi_simclock_interrupt(mi_simclock *c) {
  pthread_mutex_lock(&c->mu);
  atomic_store(&c->interrupted, true);
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

int64_t mi_clock_now(const mi_clock *c) {
  switch (c->kind) {
    case MI_CLOCK_WALL:
      return mi_clock_wall_ns();
    case MI_CLOCK_SIM:
      return c->sim ? mi_simclock_now(c->sim) : 0;
    case MI_CLOCK_MONO:
    default:
      return mi_clock_mono_ns();
  }
}
