/* controllers/rtloop.c - absolute-time periodic loop, latency histogram,
 * skip-ahead overruns, real-time thread settings. */
#define _GNU_SOURCE
#include "controllers/rtloop.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"

mi_status mi_ctrl_rtloop_init(mi_ctrl_rtloop *l, const mi_ctrl_rt_config *cfg,
                              mi_ctrl_tick_fn fn, void *user) {
  if (!l || !cfg || !fn || cfg->period_ns <= 0) return MI_ERR_INVALID;
  memset(l, 0, sizeof *l);
  l->cfg = *cfg;
  l->fn = fn;
  l->user = user;
  return MI_OK;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * MI_NS_PER_S + ts.tv_nsec;
}

static void sleep_until(int64_t t_ns) {
  struct timespec ts = {.tv_sec = (time_t)(t_ns / MI_NS_PER_S), .tv_nsec = (long)(t_ns % MI_NS_PER_S)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

/* touch a stack area now so that the loop takes no page fault later */
static void prefault_stack(void) {
  volatile unsigned char buf[64 * 1024];
  for (size_t i = 0; i < sizeof buf; i += 4096) buf[i] = 0;
}

static void lock_memory(mi_ctrl_rtloop *l) {
  if (!l->cfg.lock_memory) return;
  if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0) {
    l->mlock_ok = true;
  } else {
    MI_LOGW("rt loop: mlockall not permitted (%s); pages may fault in the loop", strerror(errno));
  }
}

/* affinity and (for _run) scheduling of the calling thread */
static void apply_self(mi_ctrl_rtloop *l, bool sched) {
  if (l->cfg.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(l->cfg.cpu, &set);
    int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    if (rc == 0)
      l->affinity_ok = true;
    else
      MI_LOGW("rt loop: cannot pin to CPU %d (%s); running unpinned", l->cfg.cpu, strerror(rc));
  }
  if (sched && l->cfg.priority > 0) {
    struct sched_param sp = {.sched_priority = l->cfg.priority};
    int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    if (rc == 0)
      l->fifo_ok = true;
    else
      MI_LOGW("rt loop: SCHED_FIFO %d not permitted (%s); running SCHED_OTHER", l->cfg.priority,
              strerror(rc));
  }
}

static void record_latency(mi_ctrl_rtloop *l, int64_t lat) {
  if (lat < 0) lat = 0;
  int64_t bin = lat / MI_NS_PER_US;
  if (bin >= MI_CTRL_HIST_BINS) bin = MI_CTRL_HIST_BINS - 1;
  atomic_fetch_add_explicit(&l->hist[bin], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&l->latency_sum_ns, lat, memory_order_relaxed);
  if (lat > atomic_load_explicit(&l->latency_max_ns, memory_order_relaxed))
    atomic_store_explicit(&l->latency_max_ns, lat, memory_order_relaxed);
}

void mi_ctrl_rtloop_sync(mi_ctrl_rtloop *l, int64_t arrival_ns) {
  atomic_store_explicit(&l->sync_arrival_ns, arrival_ns, memory_order_relaxed);
}

/* phase sync: move the next grid point `next` an eighth of its phase error
 * (at most period / MI_CTRL_SYNC_SLEW) towards arrival + offset */
static int64_t sync_grid(mi_ctrl_rtloop *l, int64_t next, int64_t now) {
  const int64_t period = l->cfg.period_ns, off = l->cfg.sync_offset_ns;
  int64_t a = atomic_load_explicit(&l->sync_arrival_ns, memory_order_relaxed);
  if (off <= 0 || a <= 0 || now - a > 2 * period || now < a) return next;
  int64_t e = (next - (a + off)) % period; /* the sign of the dividend */
  if (e < 0) e += period;
  if (e > period / 2) e -= period;
  atomic_store_explicit(&l->sync_error_ns, e, memory_order_relaxed);
  atomic_fetch_add_explicit(&l->sync_ticks, 1, memory_order_relaxed);
  int64_t step = e / 8, lim = period / MI_CTRL_SYNC_SLEW;
  if (step > lim) step = lim;
  if (step < -lim) step = -lim;
  return next - step;
}

static void loop(mi_ctrl_rtloop *l) {
  const int64_t period = l->cfg.period_ns;
  prefault_stack();
  atomic_store(&l->running, true);
  int64_t next = now_ns() + period;
  int64_t prev_wake = -1;
  uint32_t pending_skip = 0;
  for (uint64_t iter = 0; !atomic_load_explicit(&l->stop, memory_order_relaxed); iter++) {
    sleep_until(next);
    int64_t wake = now_ns();
    record_latency(l, wake - next);

    mi_ctrl_tick t = {.iter = iter,
                      .scheduled_ns = next,
                      .wake_ns = wake,
                      .latency_ns = wake - next,
                      .dt_ns = prev_wake < 0 ? period : wake - prev_wake,
                      .skipped = pending_skip};
    prev_wake = wake;
    pending_skip = 0;
    bool more = l->fn(l->user, &t);

    int64_t end = now_ns();
    if (end - wake > atomic_load_explicit(&l->exec_max_ns, memory_order_relaxed))
      atomic_store_explicit(&l->exec_max_ns, end - wake, memory_order_relaxed);
    atomic_fetch_add_explicit(&l->ticks, 1, memory_order_relaxed);

    /* overrun: skip ahead to the first grid point still in the future */
    next = sync_grid(l, next + period, end);
    if (end > next) {
      int64_t k = (end - next) / period + 1;
      next += k * period;
      pending_skip = (uint32_t)k;
      atomic_fetch_add_explicit(&l->overruns, 1, memory_order_relaxed);
      atomic_fetch_add_explicit(&l->skipped, (uint64_t)k, memory_order_relaxed);
    }
    if (!more) break;
  }
  atomic_store(&l->running, false);
}

static void *thread_main(void *arg) {
  mi_ctrl_rtloop *l = arg;
  apply_self(l, false);
  loop(l);
  return NULL;
}

mi_status mi_ctrl_rtloop_start(mi_ctrl_rtloop *l) {
  if (l->started) return MI_ERR_STATE;
  atomic_store(&l->stop, false);
  lock_memory(l);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  int rc = EPERM;
  if (l->cfg.priority > 0) {
    struct sched_param sp = {.sched_priority = l->cfg.priority};
    pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
    pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
    pthread_attr_setschedparam(&attr, &sp);
    rc = pthread_create(&l->thread, &attr, thread_main, l);
    if (rc == 0)
      l->fifo_ok = true;
    else
      MI_LOGW("rt loop: SCHED_FIFO %d not permitted (%s); running SCHED_OTHER", l->cfg.priority,
              strerror(rc));
  }
  pthread_attr_destroy(&attr);
  if (rc != 0) rc = pthread_create(&l->thread, NULL, thread_main, l);
  if (rc != 0) {
    MI_LOGE("rt loop: cannot create the loop thread (%s)", strerror(rc));
    return MI_ERR_IO;
  }
  l->started = true;
  MI_LOGI("rt loop: period %.3f ms, SCHED_FIFO %s, mlockall %s, cpu %d",
          (double)l->cfg.period_ns / 1e6, l->fifo_ok ? "on" : "off", l->mlock_ok ? "on" : "off",
          l->cfg.cpu);
  return MI_OK;
}

void mi_ctrl_rtloop_request_stop(mi_ctrl_rtloop *l) { atomic_store(&l->stop, true); }

void mi_ctrl_rtloop_stop(mi_ctrl_rtloop *l) {
  if (!l->started) return;
  atomic_store(&l->stop, true);
  pthread_join(l->thread, NULL);
  l->started = false;
}

mi_status mi_ctrl_rtloop_run(mi_ctrl_rtloop *l) {
  lock_memory(l);
  apply_self(l, true);
  loop(l);
  return MI_OK;
}

void mi_ctrl_rtloop_histogram(mi_ctrl_rtloop *l, uint32_t *hist, int nbins) {
  for (int i = 0; i < nbins; i++)
    hist[i] = i < MI_CTRL_HIST_BINS ? atomic_load_explicit(&l->hist[i], memory_order_relaxed) : 0;
}

double mi_ctrl_hist_percentile_us(const uint64_t *hist, int nbins, double p) {
  uint64_t total = 0;
  for (int i = 0; i < nbins; i++) total += hist[i];
  if (total == 0) return 0.0;
  double want = p / 100.0 * (double)total;
  uint64_t cum = 0;
  for (int i = 0; i < nbins; i++) {
    cum += hist[i];
    if ((double)cum >= want && cum > 0) return (double)i;
  }
  return (double)(nbins - 1);
}

void mi_ctrl_rtloop_stats(mi_ctrl_rtloop *l, mi_ctrl_rt_stats *out) {
  static _Thread_local uint64_t h[MI_CTRL_HIST_BINS];
  memset(out, 0, sizeof *out);
  for (int i = 0; i < MI_CTRL_HIST_BINS; i++)
    h[i] = atomic_load_explicit(&l->hist[i], memory_order_relaxed);
  out->ticks = atomic_load_explicit(&l->ticks, memory_order_relaxed);
  out->overruns = atomic_load_explicit(&l->overruns, memory_order_relaxed);
  out->skipped = atomic_load_explicit(&l->skipped, memory_order_relaxed);
  out->latency_p50_us = mi_ctrl_hist_percentile_us(h, MI_CTRL_HIST_BINS, 50.0);
  out->latency_p99_us = mi_ctrl_hist_percentile_us(h, MI_CTRL_HIST_BINS, 99.0);
  out->latency_max_us =
      (double)atomic_load_explicit(&l->latency_max_ns, memory_order_relaxed) / 1e3;
  out->latency_mean_us =
      out->ticks ? (double)atomic_load_explicit(&l->latency_sum_ns, memory_order_relaxed) / 1e3 /
                       (double)out->ticks
                 : 0.0;
  out->exec_max_us = (double)atomic_load_explicit(&l->exec_max_ns, memory_order_relaxed) / 1e3;
  out->fifo_ok = l->fifo_ok;
  out->mlock_ok = l->mlock_ok;
  out->affinity_ok = l->affinity_ok;
  out->sync_ticks = atomic_load_explicit(&l->sync_ticks, memory_order_relaxed);
  out->sync_error_us =
      (double)atomic_load_explicit(&l->sync_error_ns, memory_order_relaxed) / 1e3;
}

uint64_t mi_ctrl_rtloop_report(mi_ctrl_rtloop *l) {
  uint64_t o = atomic_load_explicit(&l->overruns, memory_order_relaxed);
  uint64_t d = o - l->reported_overruns;
  if (d > 0) {
    MI_LOG_EVERY_MS(MI_LOG_WARN, 5000, "rt loop: %llu overruns so far (%llu periods skipped)",
                    (unsigned long long)o,
                    (unsigned long long)atomic_load_explicit(&l->skipped, memory_order_relaxed));
    l->reported_overruns = o;
  }
  return d;
}
