/* sim/schedule.h - what happens to the cell over time, reproducibly: parts
 * arriving on the conveyor (a seeded schedule) and a person entering a zone
 * at set times.
 *
 * Arrival k is a pure function of (seed, k): the gap before it is
 * interval * (1 + jitter * (2u - 1)) with u uniform (Philox, stream
 * MI_SIM_STREAM_ARRIVAL), its kind is drawn among n_kinds, and its lateral
 * offset on the belt is uniform in [-lateral, lateral]. Times in ns from the
 * start of the run. Threads: one thread per object; no allocation.
 */
#ifndef MI_SIM_SCHEDULE_H
#define MI_SIM_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/philox.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mi_sim_arrival {
  uint64_t index;  /* 0, 1, 2, ... */
  int64_t t_ns;    /* when the part appears at the belt's start */
  int kind;        /* 0..n_kinds-1 */
  double lateral;  /* m, offset across the belt */
} mi_sim_arrival;

typedef struct mi_sim_arrivals {
  mi_philox_key key;
  int64_t interval_ns; /* mean gap, > 0 */
  double jitter;       /* 0..1, fraction of the interval */
  int n_kinds;         /* >= 1 */
  double lateral;      /* m, >= 0 */
  int64_t first_ns;    /* time of arrival 0 */
  mi_sim_arrival next; /* the next arrival not yet taken */
} mi_sim_arrivals;

/* @retval MI_ERR_INVALID  interval_ns <= 0, jitter outside [0, 1], n_kinds < 1 */
mi_status mi_sim_arrivals_init(mi_sim_arrivals *a, uint64_t seed, int64_t first_ns,
                               int64_t interval_ns, double jitter, int n_kinds, double lateral);

/* Take the next arrival when its time is <= now_ns. @return true when taken. */
bool mi_sim_arrivals_poll(mi_sim_arrivals *a, int64_t now_ns, mi_sim_arrival *out);

/* A person in a zone during set windows [enter_i, leave_i) (ns). */
#define MI_SIM_PERSON_MAX_WINDOWS 32
typedef struct mi_sim_person {
  int n;
  int64_t enter_ns[MI_SIM_PERSON_MAX_WINDOWS];
  int64_t leave_ns[MI_SIM_PERSON_MAX_WINDOWS];
} mi_sim_person;

/* Windows from seconds; the arrays pair up.
 * @retval MI_ERR_INVALID  different lengths, more than the maximum, a
 *                         window that ends before it starts, or non-finite */
mi_status mi_sim_person_init(mi_sim_person *p, const double *enter_s, int n_enter,
                             const double *leave_s, int n_leave);

/* Whether the person is in the zone at t_ns. */
bool mi_sim_person_in_zone(const mi_sim_person *p, int64_t t_ns);

#ifdef __cplusplus
}
#endif

#endif /* MI_SIM_SCHEDULE_H */
