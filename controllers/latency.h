/* controllers/latency.h - a fixed latency histogram filled from one thread
 * and read from any other, without allocating or locking: how the
 * controller node measures sensor-to-command latency (controllers/node.h).
 *
 * Bins are MI_CTRL_LAT_BIN_NS wide (10 us) over [0, MI_CTRL_LAT_BINS * bin)
 * = [0, 200 ms); the last bin also counts everything above, and a negative
 * value (a stamp from the future: clocks of two hosts apart) is counted in
 * `negative` and not binned. Percentiles are nearest-rank over the bins, the
 * upper edge of the bin reached (so a p99 is never under-reported by more
 * than one bin), like the wake-up histogram of controllers/rtloop.h.
 *
 * Threads: mi_ctrl_lat_add from one producer thread; every other function
 * from any thread (relaxed atomics: a snapshot may miss the newest sample).
 * The struct is a plain value of fixed size (~80 KB): embed it, zero it with
 * mi_ctrl_lat_init, never allocate for it.
 */
#ifndef MI_CTRL_LATENCY_H
#define MI_CTRL_LATENCY_H

#include <stdatomic.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MI_CTRL_LAT_BIN_NS 10000 /* 10 us */
#define MI_CTRL_LAT_BINS 20000   /* 200 ms, the last bin open */

typedef struct mi_ctrl_lat_hist {
  _Atomic uint32_t bin[MI_CTRL_LAT_BINS];
  _Atomic uint64_t count;    /* samples binned */
  _Atomic uint64_t negative; /* samples below 0, not binned */
  _Atomic int64_t max_ns;
} mi_ctrl_lat_hist;

/* Every count to zero. */
void mi_ctrl_lat_init(mi_ctrl_lat_hist *h);

/* Count one latency (ns). Producer thread only; no allocation, no lock. */
void mi_ctrl_lat_add(mi_ctrl_lat_hist *h, int64_t latency_ns);

/* Percentile p (0..100) in seconds: the upper edge of the first bin at
 * which the cumulative count reaches p% of the binned samples; -1 when
 * there are none (the ROS status convention for "not known"). */
double mi_ctrl_lat_percentile_s(const mi_ctrl_lat_hist *h, double p);

/* Samples binned so far. */
uint64_t mi_ctrl_lat_count(const mi_ctrl_lat_hist *h);

#ifdef __cplusplus
}
#endif

#endif /* MI_CTRL_LATENCY_H */
