/* sim/schedule.c - seeded part arrivals and the person's zone windows. */
#include "sim/schedule.h"

#include <math.h>

#include "core/clock.h"
#include "sim/sensors.h"

/* arrival k from the one before it (k > 0) or from first_ns (k == 0) */
static void arrival_make(const mi_sim_arrivals *a, uint64_t k, int64_t prev_t,
                         mi_sim_arrival *out) {
  double u_gap = mi_sim_randu(a->key, MI_SIM_STREAM_ARRIVAL, k, 0);
  double u_kind = mi_sim_randu(a->key, MI_SIM_STREAM_ARRIVAL, k, 1);
  double u_lat = mi_sim_randu(a->key, MI_SIM_STREAM_ARRIVAL, k, 2);
  out->index = k;
  if (k == 0) {
    out->t_ns = a->first_ns;
  } else {
    double gap = (double)a->interval_ns * (1.0 + a->jitter * (2.0 * u_gap - 1.0));
    out->t_ns = prev_t + (int64_t)llround(gap);
  }
  int kind = (int)(u_kind * a->n_kinds); /* u in (0, 1]: clamp the top */
  out->kind = kind >= a->n_kinds ? a->n_kinds - 1 : kind;
  out->lateral = a->lateral * (2.0 * u_lat - 1.0);
}

mi_status mi_sim_arrivals_init(mi_sim_arrivals *a, uint64_t seed, int64_t first_ns,
                               int64_t interval_ns, double jitter, int n_kinds, double lateral) {
  if (!a || interval_ns <= 0 || !(jitter >= 0 && jitter <= 1) || n_kinds < 1 ||
      !(lateral >= 0) || !isfinite(lateral))
    return MI_ERR_INVALID;
  a->key = mi_philox_key_from_seed(seed);
  a->interval_ns = interval_ns;
  a->jitter = jitter;
  a->n_kinds = n_kinds;
  a->lateral = lateral;
  a->first_ns = first_ns;
  arrival_make(a, 0, first_ns, &a->next);
  return MI_OK;
}

bool mi_sim_arrivals_poll(mi_sim_arrivals *a, int64_t now_ns, mi_sim_arrival *out) {
  if (a->next.t_ns > now_ns) return false;
  *out = a->next;
  arrival_make(a, a->next.index + 1, a->next.t_ns, &a->next);
  return true;
}

mi_status mi_sim_person_init(mi_sim_person *p, const double *enter_s, int n_enter,
                             const double *leave_s, int n_leave) {
  if (!p || n_enter != n_leave || n_enter < 0 || n_enter > MI_SIM_PERSON_MAX_WINDOWS)
    return MI_ERR_INVALID;
  for (int i = 0; i < n_enter; i++)
    if (!isfinite(enter_s[i]) || !isfinite(leave_s[i]) || leave_s[i] < enter_s[i])
      return MI_ERR_INVALID;
  p->n = n_enter;
  for (int i = 0; i < n_enter; i++) {
    p->enter_ns[i] = mi_ns_from_s(enter_s[i]);
    p->leave_ns[i] = mi_ns_from_s(leave_s[i]);
  }
  return MI_OK;
}

bool mi_sim_person_in_zone(const mi_sim_person *p, int64_t t_ns) {
  for (int i = 0; i < p->n; i++)
    if (t_ns >= p->enter_ns[i] && t_ns < p->leave_ns[i]) return true;
  return false;
}
