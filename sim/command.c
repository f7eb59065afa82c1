/* sim/command.c - inbound command validation and the command watchdog. */
#include "sim/command.h"

#include <math.h>
#include <string.h>

#include "core/log.h"

mi_status mi_sim_cmd_gate_init(mi_sim_cmd_gate *g, int n, const char *const *joint_names,
                               int64_t timeout_ns, int64_t future_tol_ns) {
  if (!g || n < 1 || n > MI_SIM_MAX_JOINTS || timeout_ns <= 0 || future_tol_ns < 0)
    return MI_ERR_INVALID;
  memset(g, 0, sizeof(*g));
  g->n = n;
  g->joint_names = joint_names;
  g->timeout_ns = timeout_ns;
  g->future_tol_ns = future_tol_ns;
  g->mode = MI_SIM_CMD_NONE;
  return MI_OK;
}

static bool all_finite(const double *v, int n) {
  for (int i = 0; i < n; i++)
    if (!isfinite(v[i])) return false;
  return true;
}

/* map[i] = model joint of the command's entry i; false on unknown/repeated */
static bool map_names(const mi_sim_cmd_gate *g, const mi_sim_cmd_in *c, int *map) {
  bool seen[MI_SIM_MAX_JOINTS] = {false};
  for (int i = 0; i < c->n_name; i++) {
    int j = -1;
    for (int k = 0; k < g->n && j < 0; k++)
      if (c->name[i] && g->joint_names && g->joint_names[k] &&
          strcmp(c->name[i], g->joint_names[k]) == 0)
        j = k;
    if (j < 0 || seen[j]) return false;
    seen[j] = true;
    map[i] = j;
  }
  return true;
}

static mi_status reject(uint64_t *counter, const char *why) {
  (*counter)++;
  MI_LOG_EVERY_MS(MI_LOG_WARN, 1000, "joint command rejected: %s", why);
  return MI_ERR_REJECTED;
}

mi_status mi_sim_cmd_submit(mi_sim_cmd_gate *g, const mi_sim_cmd_in *c, int64_t now_ns) {
  mi_sim_cmd_counters *k = &g->counters;
  int n = g->n;
  /* lengths: each array empty or one per joint, at least one command array */
  if ((c->n_name != 0 && c->n_name != n) || (c->n_position != 0 && c->n_position != n) ||
      (c->n_velocity != 0 && c->n_velocity != n) || (c->n_effort != 0 && c->n_effort != n) ||
      (c->n_position == 0 && c->n_effort == 0) || c->n_name < 0 || c->n_position < 0 ||
      c->n_velocity < 0 || c->n_effort < 0)
    return reject(&k->rejected_length, "array length does not match the joints");
  if (!all_finite(c->position, c->n_position) || !all_finite(c->velocity, c->n_velocity) ||
      !all_finite(c->effort, c->n_effort))
    return reject(&k->rejected_nonfinite, "non-finite value");
  int map[MI_SIM_MAX_JOINTS];
  for (int i = 0; i < n; i++) map[i] = i;
  if (c->n_name > 0 && !map_names(g, c, map))
    return reject(&k->rejected_names, "unknown or repeated joint name");
  if (c->stamp_ns > now_ns + g->future_tol_ns)
    return reject(&k->rejected_future, "stamp in the future");

  /* accepted: store in model joint order */
  g->has_position = c->n_position > 0;
  g->has_velocity = c->n_velocity > 0;
  g->has_effort = c->n_effort > 0;
  for (int i = 0; i < n; i++) {
    g->position[map[i]] = g->has_position ? c->position[i] : 0.0;
    g->velocity[map[i]] = g->has_velocity ? c->velocity[i] : 0.0;
    g->effort[map[i]] = g->has_effort ? c->effort[i] : 0.0;
  }
  g->last_ns = now_ns;
  g->mode = MI_SIM_CMD_ACTIVE;
  k->accepted++;
  return MI_OK;
}

mi_sim_cmd_mode mi_sim_cmd_poll(mi_sim_cmd_gate *g, int64_t now_ns) {
  if (g->mode == MI_SIM_CMD_ACTIVE && now_ns - g->last_ns > g->timeout_ns) {
    g->mode = MI_SIM_CMD_HOLD;
    g->counters.watchdog_trips++;
    MI_LOG_EVERY_MS(MI_LOG_WARN, 1000, "no joint command for %.0f ms: holding position",
                    (double)(now_ns - g->last_ns) / 1e6);
  }
  return g->mode;
}

int64_t mi_sim_cmd_stamp_on_cell(int64_t stamp_ns, int64_t base_ns, int64_t sender_now_ns,
                                 int64_t cell_now_ns) {
  if (stamp_ns == 0) return 0;
  int64_t st = stamp_ns - base_ns;
  int64_t behind = sender_now_ns - base_ns - cell_now_ns;
  if (behind > 0) st -= behind;
  return st > 0 ? st : 1;
}

uint64_t mi_sim_cmd_rejected(const mi_sim_cmd_gate *g) {
  const mi_sim_cmd_counters *k = &g->counters;
  return k->rejected_length + k->rejected_nonfinite + k->rejected_names + k->rejected_future;
}
