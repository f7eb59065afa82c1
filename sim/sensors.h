/* sim/sensors.h - the plant's sensor models: Gaussian noise with a bias,
 * dropout and latency, all reproducible.
 *
 * Every random draw is a pure function of (seed, stream, sample index,
 * channel) through core/philox.h: the same seed gives the same noise whatever
 * else the process does, and two runs of the sim produce identical streams.
 * Streams separate the sensors (MI_SIM_STREAM_*), so adding a channel to one
 * sensor never shifts another's noise.
 *
 * Threads: the functions are pure; a mi_sim_delay is used by one thread.
 * Nothing here allocates after mi_sim_delay_init.
 */
#ifndef MI_SIM_SENSORS_H
#define MI_SIM_SENSORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/philox.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Philox stream ids (the 4th counter word) of the plant's random draws. */
enum {
  MI_SIM_STREAM_JOINT_POS = 1,
  MI_SIM_STREAM_JOINT_VEL = 2,
  MI_SIM_STREAM_JOINT_EFFORT = 3,
  MI_SIM_STREAM_PART_POS = 4,
  MI_SIM_STREAM_PART_ROT = 5,
  MI_SIM_STREAM_WRENCH = 6,
  MI_SIM_STREAM_DROPOUT = 7,
  MI_SIM_STREAM_LATENCY = 8,
  MI_SIM_STREAM_ARRIVAL = 9
};

/* A standard normal draw for (stream, sample, channel) under key. */
double mi_sim_randn(mi_philox_key key, uint32_t stream, uint64_t sample, uint32_t channel);

/* A uniform draw in (0, 1] for (stream, sample, channel) under key. */
double mi_sim_randu(mi_philox_key key, uint32_t stream, uint64_t sample, uint32_t channel);

/* Additive sensor noise: reading = truth + bias + sigma * N(0, 1). */
typedef struct mi_sim_noise {
  double sigma; /* standard deviation, in the sensor's unit, >= 0 */
  double bias;  /* constant offset, in the sensor's unit */
} mi_sim_noise;

/* Add noise to n values in place; channel c of sample `sample` draws
 * (stream, sample, c0 + c). */
void mi_sim_noise_apply(const mi_sim_noise *nz, mi_philox_key key, uint32_t stream,
                        uint64_t sample, uint32_t c0, double *v, int n);

/* True when sample `sample` of a sensor is dropped with probability p
 * (0 never, 1 always). */
bool mi_sim_dropped(double p, mi_philox_key key, uint32_t sensor, uint64_t sample);

/* A delay line: samples go in stamped with the time they were measured and
 * come out once `latency_ns` (+ a uniform jitter in [0, jitter_ns]) has passed,
 * in order (a later sample never overtakes an earlier one). Fixed capacity,
 * items of a fixed size, storage owned by the line. */
typedef struct mi_sim_delay {
  unsigned char *buf; /* capacity * item_size bytes */
  int64_t *release_ns;
  size_t item_size, capacity, head, count;
  int64_t latency_ns, jitter_ns, last_release_ns;
  uint32_t sensor;     /* stream word for the jitter draws */
  uint64_t pushed;     /* samples pushed so far (jitter draw index) */
  uint64_t overflows;  /* samples lost because the line was full */
} mi_sim_delay;

/* Allocate a line. Caller frees with mi_sim_delay_free.
 * @retval MI_ERR_INVALID  zero sizes or negative times
 * @retval MI_ERR_NOMEM */
mi_status mi_sim_delay_init(mi_sim_delay *d, size_t item_size, size_t capacity,
                            int64_t latency_ns, int64_t jitter_ns, uint32_t sensor);
void mi_sim_delay_free(mi_sim_delay *d);

/* Queue a sample measured at t_ns. When full the oldest sample is lost
 * (counted in overflows). */
void mi_sim_delay_push(mi_sim_delay *d, mi_philox_key key, int64_t t_ns, const void *item);

/* Take the oldest sample whose release time is <= now_ns into out.
 * @return true when one was taken. */
bool mi_sim_delay_pop(mi_sim_delay *d, int64_t now_ns, void *out);

#ifdef __cplusplus
}
#endif

#endif /* MI_SIM_SENSORS_H */
