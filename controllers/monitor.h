/* controllers/monitor.h - the deadline monitor and the controller's safety
 * state machine.
 *
 * Supervised inputs (plan, joint states, safety zone) each have a freshness
 * budget: age <= late_ns is OK, age <= expired_ns is LATE, older (or never
 * received) is EXPIRED. The age is the time since the input last arrived at
 * the controller (application-level freshness: DDS DEADLINE never fires for
 * a writer that never wrote).
 *
 * Controller states and transitions (checked once per control period):
 *
 *   any -> SAFE_STOP   a person is in the zone            (PERSON_IN_ZONE)
 *   any -> SAFE_STOP   an input is EXPIRED                 (INPUT_EXPIRED)
 *   RUN -> DEGRADED    an input is LATE                    (INPUT_LATE)
 *   DEGRADED -> SAFE_STOP  DEGRADED for degraded_max_ns    (DEGRADED_TIMEOUT)
 *   DEGRADED|SAFE_STOP -> RUN  every input OK and the zone clear for settle_ns
 *                      without a break, and (from SAFE_STOP) the stop has
 *                      finished                             (RECOVERED)
 *
 * The monitor starts in SAFE_STOP (reason START): nothing moves until every
 * input has been fresh for the settle time. Transitions happen at the first
 * update after a budget is exceeded, so within one period of it.
 *
 * Pure and deterministic: time is passed in (tests inject it); no
 * allocation, no locks, no clock reads. One thread owns a monitor.
 */
#ifndef MI_CTRL_MONITOR_H
#define MI_CTRL_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mi_ctrl_input {
  MI_CTRL_IN_PLAN = 0,
  MI_CTRL_IN_JOINT_STATES = 1,
  MI_CTRL_IN_ZONE = 2,
  MI_CTRL_IN_COUNT = 3
} mi_ctrl_input;

typedef enum mi_ctrl_fresh {
  MI_CTRL_FRESH_OK = 0,
  MI_CTRL_FRESH_LATE = 1,
  MI_CTRL_FRESH_EXPIRED = 2
} mi_ctrl_fresh;

typedef enum mi_ctrl_state {
  MI_CTRL_RUN = 0,
  MI_CTRL_DEGRADED = 1,
  MI_CTRL_SAFE_STOP = 2
} mi_ctrl_state;

/* X(name, text) */
#define MI_CTRL_REASON_MAP(X)                                   \
  X(MI_CTRL_REASON_START, "start: waiting for fresh inputs")    \
  X(MI_CTRL_REASON_INPUT_LATE, "input late")                    \
  X(MI_CTRL_REASON_INPUT_EXPIRED, "input expired")              \
  X(MI_CTRL_REASON_PERSON_IN_ZONE, "person in zone")            \
  X(MI_CTRL_REASON_DEGRADED_TIMEOUT, "degraded for too long")   \
  X(MI_CTRL_REASON_RECOVERED, "inputs fresh for the settle time")

typedef enum mi_ctrl_reason {
#define MI_CTRL_REASON_ENUM_(name, text) name,
  MI_CTRL_REASON_MAP(MI_CTRL_REASON_ENUM_)
#undef MI_CTRL_REASON_ENUM_
  MI_CTRL_REASON_COUNT
} mi_ctrl_reason;

/* Static strings, never NULL. */
const char *mi_ctrl_state_name(mi_ctrl_state s);    /* "RUN", "DEGRADED", "SAFE_STOP" */
const char *mi_ctrl_fresh_name(mi_ctrl_fresh f);    /* "OK", "LATE", "EXPIRED" */
const char *mi_ctrl_input_name(mi_ctrl_input i);    /* "plan", "joint_states", "safety_zone" */
const char *mi_ctrl_reason_text(mi_ctrl_reason r);

typedef struct mi_ctrl_budget {
  int64_t late_ns;    /* age above this is LATE */
  int64_t expired_ns; /* age above this is EXPIRED (>= late_ns) */
} mi_ctrl_budget;

/* One state change, as published on rt/controller/status. */
typedef struct mi_ctrl_transition {
  int64_t t_ns;          /* controller time of the change */
  mi_ctrl_state from, to;
  mi_ctrl_reason reason;
  int input;             /* the mi_ctrl_input concerned, or -1 */
  int64_t age_ns;        /* that input's age then (-1: never received) */
  int64_t budget_ns;     /* the budget it exceeded (0 if none) */
} mi_ctrl_transition;

typedef struct mi_ctrl_monitor {
  mi_ctrl_budget budget[MI_CTRL_IN_COUNT];
  int64_t settle_ns;
  int64_t degraded_max_ns;
  bool seen[MI_CTRL_IN_COUNT];
  int64_t last_ns[MI_CTRL_IN_COUNT];  /* last arrival */
  mi_ctrl_fresh fresh[MI_CTRL_IN_COUNT];
  uint64_t late_count[MI_CTRL_IN_COUNT];    /* OK -> LATE edges */
  uint64_t expired_count[MI_CTRL_IN_COUNT]; /* -> EXPIRED edges (after first arrival) */
  mi_ctrl_state state;
  mi_ctrl_reason reason;   /* of the last transition */
  int64_t state_since_ns;
  int64_t healthy_since_ns; /* -1 while some input is not OK or a person is present */
  uint64_t transitions;
} mi_ctrl_monitor;

/* Start in SAFE_STOP (reason START) at now_ns with no input seen. */
void mi_ctrl_monitor_init(mi_ctrl_monitor *m, const mi_ctrl_budget budget[MI_CTRL_IN_COUNT],
                          int64_t settle_ns, int64_t degraded_max_ns, int64_t now_ns);

/* Record that input arrived at t_ns (later arrivals only move it forward). */
void mi_ctrl_monitor_arrival(mi_ctrl_monitor *m, mi_ctrl_input in, int64_t t_ns);

/* Age of an input at now_ns, or -1 if never received. */
int64_t mi_ctrl_monitor_age(const mi_ctrl_monitor *m, mi_ctrl_input in, int64_t now_ns);

/* Re-evaluate freshness and the state at now_ns. person_present: the latest
 * zone sample says a person is inside; stop_done: the controlled stop has
 * reached zero velocity. Returns true and fills *tr (may be NULL) when the
 * state changed. */
bool mi_ctrl_monitor_update(mi_ctrl_monitor *m, int64_t now_ns, bool person_present,
                            bool stop_done, mi_ctrl_transition *tr);

#ifdef __cplusplus
}
#endif

#endif /* MI_CTRL_MONITOR_H */
