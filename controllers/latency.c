/* controllers/latency.c - the fixed latency histogram (see latency.h). */
#include "controllers/latency.h"

#include <math.h>

void mi_ctrl_lat_init(mi_ctrl_lat_hist *h) {
  for (int i = 0; i < MI_CTRL_LAT_BINS; i++) atomic_init(&h->bin[i], 0);
  atomic_init(&h->count, 0);
  atomic_init(&h->negative, 0);
  atomic_init(&h->max_ns, 0);
}

void mi_ctrl_lat_add(mi_ctrl_lat_hist *h, int64_t latency_ns) {
  if (latency_ns < 0) {
    atomic_fetch_add_explicit(&h->negative, 1, memory_order_relaxed);
    return;
  }
  int64_t b = latency_ns / MI_CTRL_LAT_BIN_NS;
  if (b >= MI_CTRL_LAT_BINS) b = MI_CTRL_LAT_BINS - 1;
  atomic_fetch_add_explicit(&h->bin[b], 1, memory_order_relaxed);
  if (latency_ns > atomic_load_explicit(&h->max_ns, memory_order_relaxed))
    atomic_store_explicit(&h->max_ns, latency_ns, memory_order_relaxed);
  /* the count last: a reader that sees it finds the bin counted */
  atomic_fetch_add_explicit(&h->count, 1, memory_order_release);
}

uint64_t mi_ctrl_lat_count(const mi_ctrl_lat_hist *h) {
  return atomic_load_explicit(&((mi_ctrl_lat_hist *)h)->count, memory_order_acquire);
}

double mi_ctrl_lat_percentile_s(const mi_ctrl_lat_hist *h, double p) {
  mi_ctrl_lat_hist *m = (mi_ctrl_lat_hist *)h; /* atomic loads want non-const */
  /* the total from the bins themselves, so a snapshot is self-consistent */
  uint64_t total = 0;
  for (int i = 0; i < MI_CTRL_LAT_BINS; i++)
    total += atomic_load_explicit(&m->bin[i], memory_order_relaxed);
  if (total == 0) return -1.0;
  if (p < 0.0) p = 0.0;
  if (p > 100.0) p = 100.0;
  uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)total);
  if (rank < 1) rank = 1;
  uint64_t cum = 0;
  for (int i = 0; i < MI_CTRL_LAT_BINS; i++) {
    cum += atomic_load_explicit(&m->bin[i], memory_order_relaxed);
    if (cum >= rank) return (double)(i + 1) * MI_CTRL_LAT_BIN_NS * 1e-9;
  }
  return (double)MI_CTRL_LAT_BINS * MI_CTRL_LAT_BIN_NS * 1e-9;
}
