/* sim/sensors.c - noise, dropout and latency of the simulated sensors. */
#include "sim/sensors.h"

#include <stdlib.h>
#include <string.h>

static mi_philox_ctr ctr_of(uint32_t stream, uint64_t sample, uint32_t channel) {
  return mi_philox_ctr_make((uint32_t)sample, (uint32_t)(sample >> 32), channel, stream);
}

double mi_sim_randn(mi_philox_key key, uint32_t stream, uint64_t sample, uint32_t channel) {
  double out[4];
  mi_philox_normal4(ctr_of(stream, sample, channel), key, out);
  return out[0];
}

double mi_sim_randu(mi_philox_key key, uint32_t stream, uint64_t sample, uint32_t channel) {
  mi_philox_ctr r = mi_philox4x32_10(ctr_of(stream, sample, channel), key);
  return mi_philox_u01(r.v[0]);
}

void mi_sim_noise_apply(const mi_sim_noise *nz, mi_philox_key key, uint32_t stream,
                        uint64_t sample, uint32_t c0, double *v, int n) {
  for (int i = 0; i < n; i++) {
    double e = nz->sigma > 0 ? nz->sigma * mi_sim_randn(key, stream, sample, c0 + (uint32_t)i) : 0;
    v[i] += nz->bias + e;
  }
}

bool mi_sim_dropped(double p, mi_philox_key key, uint32_t sensor, uint64_t sample) {
  if (!(p > 0)) return false;
  if (p >= 1) return true;
  /* u in (0, 1]: P(u <= p) = p */
  return mi_sim_randu(key, MI_SIM_STREAM_DROPOUT, sample, sensor) <= p;
}

mi_status mi_sim_delay_init(mi_sim_delay *d, size_t item_size, size_t capacity,
                            int64_t latency_ns, int64_t jitter_ns, uint32_t sensor) {
  if (!d || item_size == 0 || capacity == 0 || latency_ns < 0 || jitter_ns < 0)
    return MI_ERR_INVALID;
  memset(d, 0, sizeof(*d));
  d->buf = calloc(capacity, item_size);
  d->release_ns = calloc(capacity, sizeof(int64_t));
  if (!d->buf || !d->release_ns) {
    mi_sim_delay_free(d);
    return MI_ERR_NOMEM;
  }
  d->item_size = item_size;
  d->capacity = capacity;
  d->latency_ns = latency_ns;
  d->jitter_ns = jitter_ns;
  d->sensor = sensor;
  d->last_release_ns = INT64_MIN;
  return MI_OK;
}

void mi_sim_delay_free(mi_sim_delay *d) {
  if (!d) return;
  free(d->buf);
  free(d->release_ns);
  d->buf = NULL;
  d->release_ns = NULL;
  d->capacity = d->count = 0;
}

void mi_sim_delay_push(mi_sim_delay *d, mi_philox_key key, int64_t t_ns, const void *item) {
  /* release time: latency plus jitter, never before the previous sample's */
  int64_t rel = t_ns + d->latency_ns;
  if (d->jitter_ns > 0)
    rel += (int64_t)(mi_sim_randu(key, MI_SIM_STREAM_LATENCY, d->pushed, d->sensor) *
                     (double)d->jitter_ns);
  if (rel < d->last_release_ns) rel = d->last_release_ns;
  d->last_release_ns = rel;
  d->pushed++;
  if (d->count == d->capacity) {
    d->head = (d->head + 1) % d->capacity;
    d->count--;
    d->overflows++;
  }
  size_t slot = (d->head + d->count) % d->capacity;
  memcpy(d->buf + slot * d->item_size, item, d->item_size);
  d->release_ns[slot] = rel;
  d->count++;
}

bool mi_sim_delay_pop(mi_sim_delay *d, int64_t now_ns, void *out) {
  if (d->count == 0 || d->release_ns[d->head] > now_ns) return false;
  memcpy(out, d->buf + d->head * d->item_size, d->item_size);
  d->head = (d->head + 1) % d->capacity;
  d->count--;
  return true;
}
