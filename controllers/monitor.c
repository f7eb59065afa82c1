/* controllers/monitor.c - input freshness and the RUN / DEGRADED / SAFE_STOP
 * state machine. */
#include "controllers/monitor.h"

#include <string.h>

const char *mi_ctrl_state_name(mi_ctrl_state s) {
  switch (s) {
    case MI_CTRL_RUN: return "RUN";
    case MI_CTRL_DEGRADED: return "DEGRADED";
    case MI_CTRL_SAFE_STOP: return "SAFE_STOP";
  }
  return "?";
}

const char *mi_ctrl_fresh_name(mi_ctrl_fresh f) {
  switch (f) {
    case MI_CTRL_FRESH_OK: return "OK";
    case MI_CTRL_FRESH_LATE: return "LATE";
    case MI_CTRL_FRESH_EXPIRED: return "EXPIRED";
  }
  return "?";
}

const char *mi_ctrl_input_name(mi_ctrl_input i) {
  switch (i) {
    case MI_CTRL_IN_PLAN: return "plan";
    case MI_CTRL_IN_JOINT_STATES: return "joint_states";
    case MI_CTRL_IN_ZONE: return "safety_zone";
    case MI_CTRL_IN_COUNT: break;
  }
  return "?";
}

const char *mi_ctrl_reason_text(mi_ctrl_reason r) {
  static const char *const k_text[] = {
#define MI_CTRL_REASON_TEXT_(name, text) text,
      MI_CTRL_REASON_MAP(MI_CTRL_REASON_TEXT_)
#undef MI_CTRL_REASON_TEXT_
  };
  if ((int)r < 0 || r >= MI_CTRL_REASON_COUNT) return "?";
  return k_text[r];
}

void mi_ctrl_monitor_init(mi_ctrl_monitor *m, const mi_ctrl_budget budget[MI_CTRL_IN_COUNT],
                          int64_t settle_ns, int64_t degraded_max_ns, int64_t now_ns) {
  memset(m, 0, sizeof *m);
  for (int i = 0; i < MI_CTRL_IN_COUNT; i++) {
    m->budget[i] = budget[i];
    if (m->budget[i].expired_ns < m->budget[i].late_ns)
      m->budget[i].expired_ns = m->budget[i].late_ns;
    m->fresh[i] = MI_CTRL_FRESH_EXPIRED;
  }
  m->settle_ns = settle_ns;
  m->degraded_max_ns = degraded_max_ns;
  m->state = MI_CTRL_SAFE_STOP;
  m->reason = MI_CTRL_REASON_START;
  m->state_since_ns = now_ns;
  m->healthy_since_ns = -1;
}

void mi_ctrl_monitor_arrival(mi_ctrl_monitor *m, mi_ctrl_input in, int64_t t_ns) {
  if (!m->seen[in] || t_ns > m->last_ns[in]) m->last_ns[in] = t_ns;
  m->seen[in] = true;
}

int64_t mi_ctrl_monitor_age(const mi_ctrl_monitor *m, mi_ctrl_input in, int64_t now_ns) {
  if (!m->seen[in]) return -1;
  int64_t age = now_ns - m->last_ns[in];
  return age < 0 ? 0 : age;
}

static bool go(mi_ctrl_monitor *m, int64_t now_ns, mi_ctrl_state to, mi_ctrl_reason why,
               int input, mi_ctrl_transition *tr) {
  if (m->state == to) return false;
  if (tr) {
    tr->t_ns = now_ns;
    tr->from = m->state;
    tr->to = to;
    tr->reason = why;
    tr->input = input;
    tr->age_ns = input >= 0 ? mi_ctrl_monitor_age(m, (mi_ctrl_input)input, now_ns) : 0;
    tr->budget_ns = 0;
    if (input >= 0 && why == MI_CTRL_REASON_INPUT_LATE) tr->budget_ns = m->budget[input].late_ns;
    if (input >= 0 && why == MI_CTRL_REASON_INPUT_EXPIRED)
      tr->budget_ns = m->budget[input].expired_ns;
  }
  m->state = to;
  m->reason = why;
  m->state_since_ns = now_ns;
  m->transitions++;
  return true;
}

bool mi_ctrl_monitor_update(mi_ctrl_monitor *m, int64_t now_ns, bool person_present,
                            bool stop_done, mi_ctrl_transition *tr) {
  /* freshness of every input, counting edges */
  int first_late = -1, first_expired = -1;
  for (int i = 0; i < MI_CTRL_IN_COUNT; i++) {
    int64_t age = mi_ctrl_monitor_age(m, (mi_ctrl_input)i, now_ns);
    mi_ctrl_fresh f = MI_CTRL_FRESH_OK;
    if (age < 0 || age > m->budget[i].expired_ns)
      f = MI_CTRL_FRESH_EXPIRED;
    else if (age > m->budget[i].late_ns)
      f = MI_CTRL_FRESH_LATE;
    if (f == MI_CTRL_FRESH_LATE && m->fresh[i] == MI_CTRL_FRESH_OK) m->late_count[i]++;
    if (f == MI_CTRL_FRESH_EXPIRED && m->fresh[i] != MI_CTRL_FRESH_EXPIRED) m->expired_count[i]++;
    m->fresh[i] = f;
    if (f == MI_CTRL_FRESH_LATE && first_late < 0) first_late = i;
    if (f == MI_CTRL_FRESH_EXPIRED && first_expired < 0) first_expired = i;
  }

  /* the settle clock runs only while everything is fresh and nobody is in */
  bool healthy = first_late < 0 && first_expired < 0 && !person_present;
  if (!healthy)
    m->healthy_since_ns = -1;
  else if (m->healthy_since_ns < 0)
    m->healthy_since_ns = now_ns;

  /* the rules, most severe first */
  if (person_present)
    return go(m, now_ns, MI_CTRL_SAFE_STOP, MI_CTRL_REASON_PERSON_IN_ZONE, MI_CTRL_IN_ZONE, tr);
  if (first_expired >= 0)
    return go(m, now_ns, MI_CTRL_SAFE_STOP, MI_CTRL_REASON_INPUT_EXPIRED, first_expired, tr);
  if (m->state == MI_CTRL_DEGRADED && m->degraded_max_ns > 0 &&
      now_ns - m->state_since_ns >= m->degraded_max_ns)
    return go(m, now_ns, MI_CTRL_SAFE_STOP, MI_CTRL_REASON_DEGRADED_TIMEOUT, first_late, tr);
  if (first_late >= 0) {
    if (m->state == MI_CTRL_RUN)
      return go(m, now_ns, MI_CTRL_DEGRADED, MI_CTRL_REASON_INPUT_LATE, first_late, tr);
    return false;
  }
  if (m->state != MI_CTRL_RUN && now_ns - m->healthy_since_ns >= m->settle_ns &&
      (m->state != MI_CTRL_SAFE_STOP || stop_done))
    return go(m, now_ns, MI_CTRL_RUN, MI_CTRL_REASON_RECOVERED, -1, tr);
  return false;
}
