/* launch/report.c - the launcher's DDS monitor and the end-of-run report. */
#define _GNU_SOURCE
#include "launch/report.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "dds/node.h"
#include "launch/stats.h"

#define SOLVE_MAX 65536 /* solve-time samples kept (status at 10 Hz: ~2 h) */

struct mi_launch_monitor {
  mi_dds_node *node;
  pthread_t thread;
  bool running;
  pthread_mutex_t mu;

  /* /clock */
  bool have_clock;
  int64_t clock_first_ns, clock_last_ns;

  /* /planner/status */
  uint64_t ps_n;
  int64_t ps_first_stamp, ps_last_stamp, ps_last_mono;
  uint64_t ps_first_published, ps_last_published, ps_last_rejected, ps_samples_rejected;
  double *solve; /* s */
  size_t n_solve;
  double solve_max, perr_sum, perr_last, prior_sum;
  uint64_t perr_n, prior_n;
  uint64_t goal_n, reached_n, stale_cycles; /* statuses with a goal, of those reached */
  double tool_to_goal_last;
  char task[32];

  /* /plan */
  uint64_t plans;
  int64_t plan_first_mono, plan_last_mono;
  uint64_t plans_at_last_line;
  int64_t mono_at_last_line;

  /* /controller/status */
  uint64_t cs_n;
  int64_t cs_prev_stamp, cs_last_mono;
  int cs_prev_state;
  int64_t state_ns[MI_REPORT_STATES];
  uint64_t cs_misses, cs_overruns, cs_rejected;
  double cs_wake_p99;
  double cs_lat[4]; /* sensor-to-command p50, p99; state-to-command p50, p99 (s, -1: none) */
  int n_inputs;
  mi_launch_report_input inputs[MI_REPORT_MAX_INPUTS];
  uint8_t input_prev[MI_REPORT_MAX_INPUTS];

  /* /sim/status: the last counts; a restarted sim's counts add to base */
  uint64_t ss_n, ss_last_steps;
  uint64_t ss_base[3], ss_last[3]; /* picked, missed, collisions */

  /* /safety_zone */
  uint64_t zs_n;
  int64_t zs_prev_stamp, zone_total_ns, zone_occupied_ns;
  bool zs_prev_occupied;
};

/* --- callbacks (the monitor's executor thread) --------------------------- */

static void on_clock(const mi_msg_clock *c, const mi_dds_sample_info *info, void *user) {
  (void)info;
  mi_launch_monitor *m = user;
  int64_t t = mi_msg_time_to_ns(&c->clock);
  pthread_mutex_lock(&m->mu);
  if (!m->have_clock || t < m->clock_first_ns) m->clock_first_ns = t; /* a restarted sim */
  m->have_clock = true;
  m->clock_last_ns = t;
  pthread_mutex_unlock(&m->mu);
}

static void on_planner(const mi_msg_planner_status *s, const mi_dds_sample_info *info,
                       void *user) {
  mi_launch_monitor *m = user;
  int64_t t = mi_msg_time_to_ns(&s->header.stamp);
  pthread_mutex_lock(&m->mu);
  if (m->ps_n == 0 || s->plans_published < m->ps_last_published) { /* first, or a restart */
    m->ps_first_stamp = t;
    m->ps_first_published = s->plans_published;
  }
  m->ps_n++;
  m->ps_last_stamp = t;
  m->ps_last_mono = info->recv_mono_ns;
  m->ps_last_published = s->plans_published;
  m->ps_last_rejected = s->plans_rejected;
  m->ps_samples_rejected = s->samples_rejected;
  if (s->iterations > 0 && s->solve_time > 0) {
    if (m->n_solve < SOLVE_MAX) m->solve[m->n_solve++] = s->solve_time;
    if (s->solve_time > m->solve_max) m->solve_max = s->solve_time;
  }
  if (s->prediction_error > 0) { /* -1 until known */
    m->perr_sum += s->prediction_error;
    m->perr_n++;
    m->perr_last = s->prediction_error;
  }
  if (s->prediction_error_prior > 0) {
    m->prior_sum += s->prediction_error_prior;
    m->prior_n++;
  }
  if (s->tool_to_goal >= 0) { /* -1 without a goal */
    m->goal_n++;
    m->reached_n += s->reached;
    m->tool_to_goal_last = s->tool_to_goal;
  }
  m->stale_cycles = s->stale_cycles;
  snprintf(m->task, sizeof m->task, "%s", s->task);
  pthread_mutex_unlock(&m->mu);
}

static void on_plan(const mi_msg_joint_trajectory *p, const mi_dds_sample_info *info,
                    void *user) {
  (void)p;
  mi_launch_monitor *m = user;
  pthread_mutex_lock(&m->mu);
  if (m->plans == 0) m->plan_first_mono = info->recv_mono_ns;
  m->plans++;
  m->plan_last_mono = info->recv_mono_ns;
  pthread_mutex_unlock(&m->mu);
}

static void on_controller(const mi_msg_controller_status *s, const mi_dds_sample_info *info,
                          void *user) {
  mi_launch_monitor *m = user;
  int64_t t = mi_msg_time_to_ns(&s->header.stamp);
  pthread_mutex_lock(&m->mu);
  /* the time since the previous status was spent in the previous state */
  if (m->cs_n > 0 && t > m->cs_prev_stamp && m->cs_prev_state >= 0 &&
      m->cs_prev_state < MI_REPORT_STATES)
    m->state_ns[m->cs_prev_state] += t - m->cs_prev_stamp;
  m->cs_prev_stamp = t;
  m->cs_prev_state = s->state;
  m->cs_last_mono = info->recv_mono_ns;
  m->cs_misses = s->deadline_misses;
  m->cs_overruns = s->overruns;
  m->cs_rejected = s->samples_rejected;
  m->cs_wake_p99 = s->wakeup_latency_p99;
  m->cs_lat[0] = s->sensor_to_command_latency_p50;
  m->cs_lat[1] = s->sensor_to_command_latency_p99;
  m->cs_lat[2] = s->state_to_command_latency_p50;
  m->cs_lat[3] = s->state_to_command_latency_p99;
  /* per input: transitions out of OK, as far as the status rate shows them */
  for (uint32_t i = 0; i < s->input_names._length && i < s->input_states._length; i++) {
    const char *nm = s->input_names._buffer[i];
    int k = 0;
    while (k < m->n_inputs && strcmp(m->inputs[k].name, nm) != 0) k++;
    if (k == m->n_inputs) {
      if (k == MI_REPORT_MAX_INPUTS) continue;
      snprintf(m->inputs[k].name, sizeof m->inputs[k].name, "%s", nm);
      m->input_prev[k] = MI_CTRL_INPUT_OK;
      m->n_inputs++;
    }
    uint8_t now = s->input_states._buffer[i], was = m->input_prev[k];
    if (now == MI_CTRL_INPUT_LATE && was == MI_CTRL_INPUT_OK) m->inputs[k].late++;
    if (now == MI_CTRL_INPUT_EXPIRED && was != MI_CTRL_INPUT_EXPIRED) m->inputs[k].expired++;
    m->input_prev[k] = now;
  }
  m->cs_n++;
  pthread_mutex_unlock(&m->mu);
}

static void on_zone(const mi_msg_zone_status *z, const mi_dds_sample_info *info, void *user) {
  (void)info;
  mi_launch_monitor *m = user;
  int64_t t = mi_msg_time_to_ns(&z->header.stamp);
  pthread_mutex_lock(&m->mu);
  if (m->zs_n > 0 && t > m->zs_prev_stamp) {
    m->zone_total_ns += t - m->zs_prev_stamp;
    if (m->zs_prev_occupied) m->zone_occupied_ns += t - m->zs_prev_stamp;
  }
  m->zs_n++;
  m->zs_prev_stamp = t;
  m->zs_prev_occupied = z->occupied;
  pthread_mutex_unlock(&m->mu);
}

static void on_sim(const mi_msg_sim_status *s, const mi_dds_sample_info *info, void *user) {
  (void)info;
  mi_launch_monitor *m = user;
  pthread_mutex_lock(&m->mu);
  if (m->ss_n > 0 && s->steps < m->ss_last_steps) /* the sim restarted: keep what it did */
    for (int i = 0; i < 3; i++) m->ss_base[i] += m->ss_last[i];
  m->ss_n++;
  m->ss_last_steps = s->steps;
  m->ss_last[0] = s->parts_picked;
  m->ss_last[1] = s->parts_missed;
  m->ss_last[2] = s->collisions;
  pthread_mutex_unlock(&m->mu);
}

MI_DDS_TYPED_CB(on_sim, mi_msg_sim_status);
MI_DDS_TYPED_CB(on_clock, mi_msg_clock);
MI_DDS_TYPED_CB(on_planner, mi_msg_planner_status);
MI_DDS_TYPED_CB(on_plan, mi_msg_joint_trajectory);
MI_DDS_TYPED_CB(on_controller, mi_msg_controller_status);
MI_DDS_TYPED_CB(on_zone, mi_msg_zone_status);

static void *spin_main(void *arg) {
  mi_launch_monitor *m = arg;
  mi_dds_spin(m->node);
  return NULL;
}

/* --- lifecycle ----------------------------------------------------------- */

static mi_status sub_std(mi_launch_monitor *m, mi_topic t, mi_dds_sub_fn fn) {
  mi_dds_sub_opts so;
  memset(&so, 0, sizeof so);
  so.on_sample = fn;
  so.user = m;
  mi_dds_sub *s;
  return mi_dds_sub_create_std(m->node, t, &so, &s);
}

mi_status mi_launch_monitor_create(const mi_launch_file *lf, mi_launch_monitor **out, char *err,
                                   size_t err_sz) {
  mi_status st = MI_ERR_NOMEM;
  mi_launch_monitor *m = calloc(1, sizeof *m);
  if (!m) goto fail;
  pthread_mutex_init(&m->mu, NULL);
  m->cs_prev_state = -1;
  for (int i = 0; i < 4; i++) m->cs_lat[i] = -1.0;
  if (!(m->solve = malloc(SOLVE_MAX * sizeof *m->solve))) goto fail_m;

  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "mirai_launch");
  o.dds.domain_id = lf->domain_id;
  if (lf->dds_config) snprintf(o.dds.config, sizeof o.dds.config, "%s", lf->dds_config);
  o.max_future_ns = 0; /* stamps on cell time are not ours to judge */
  if ((st = mi_dds_node_create(&o, &m->node, err, err_sz)) != MI_OK) goto fail_m;
  if ((st = sub_std(m, MI_TOPIC_CLOCK, on_clock__mi_cb)) ||
      (st = sub_std(m, MI_TOPIC_PLANNER_STATUS, on_planner__mi_cb)) ||
      (st = sub_std(m, MI_TOPIC_PLAN, on_plan__mi_cb)) ||
      (st = sub_std(m, MI_TOPIC_CONTROLLER_STATUS, on_controller__mi_cb)) ||
      (st = sub_std(m, MI_TOPIC_SAFETY_ZONE, on_zone__mi_cb)) ||
      (st = sub_std(m, MI_TOPIC_SIM_STATUS, on_sim__mi_cb))) {
    snprintf(err, err_sz, "cannot subscribe the status topics: %s", mi_status_str(st));
    goto fail_node;
  }
  if (pthread_create(&m->thread, NULL, spin_main, m) != 0) {
    snprintf(err, err_sz, "cannot start the monitor thread");
    st = MI_ERR_STATE;
    goto fail_node;
  }
  m->running = true;
  *out = m;
  return MI_OK;

fail_node:
  mi_dds_node_destroy(m->node);
fail_m:
  free(m->solve);
  pthread_mutex_destroy(&m->mu);
  free(m);
fail:
  if (st == MI_ERR_NOMEM) snprintf(err, err_sz, "out of memory");
  return st;
}

void mi_launch_monitor_destroy(mi_launch_monitor *m) {
  if (!m) return;
  if (m->running) {
    mi_dds_node_stop(m->node);
    pthread_join(m->thread, NULL);
  }
  mi_dds_node_destroy(m->node);
  free(m->solve);
  pthread_mutex_destroy(&m->mu);
  free(m);
}

/* --- live ---------------------------------------------------------------- */

static const char *state_name(int s) {
  switch (s) {
    case MI_CTRL_STATE_RUN: return "RUN";
    case MI_CTRL_STATE_DEGRADED: return "DEGRADED";
    case MI_CTRL_STATE_SAFE_STOP: return "SAFE_STOP";
  }
  return "?";
}

void mi_launch_monitor_status_line(void *monitor, char *buf, size_t buf_sz) {
  mi_launch_monitor *m = monitor;
  int64_t now = mi_clock_mono_ns();
  const int64_t fresh = 2 * MI_NS_PER_S;
  pthread_mutex_lock(&m->mu);
  char rate[32] = "-", solve[32] = "-", ctrl[32] = "-", cell[32] = "", lat[48] = "-";
  if (m->mono_at_last_line > 0 && m->plans > m->plans_at_last_line && now > m->mono_at_last_line)
    snprintf(rate, sizeof rate, "%.1f Hz",
             (double)(m->plans - m->plans_at_last_line) / mi_s_from_ns(now - m->mono_at_last_line));
  m->plans_at_last_line = m->plans;
  m->mono_at_last_line = now;
  if (m->ps_n > 0 && now - m->ps_last_mono < fresh && m->n_solve > 0)
    snprintf(solve, sizeof solve, "%.1f ms", m->solve[m->n_solve - 1] * 1e3);
  if (m->cs_n > 0 && now - m->cs_last_mono < fresh)
    snprintf(ctrl, sizeof ctrl, "%s", state_name(m->cs_prev_state));
  if (m->cs_n > 0 && now - m->cs_last_mono < fresh && m->cs_lat[0] > 0 && m->cs_lat[1] > 0)
    snprintf(lat, sizeof lat, "%.1f/%.1f ms", m->cs_lat[0] * 1e3, m->cs_lat[1] * 1e3);
  if (m->have_clock)
    snprintf(cell, sizeof cell, "  cell %.1f s", mi_s_from_ns(m->clock_last_ns - m->clock_first_ns));
  pthread_mutex_unlock(&m->mu);
  /* latency: the controller's sensor-to-command p50/p99 since its start */
  snprintf(buf, buf_sz, "plan %s  solve %s  latency %s  ctrl %s%s", rate, solve, lat, ctrl, cell);
}

double mi_launch_monitor_cell_time_s(void *monitor) {
  mi_launch_monitor *m = monitor;
  pthread_mutex_lock(&m->mu);
  double t = m->have_clock ? mi_s_from_ns(m->clock_last_ns - m->clock_first_ns) : -1.0;
  pthread_mutex_unlock(&m->mu);
  return t;
}

/* --- the report ---------------------------------------------------------- */

void mi_launch_report_collect(mi_launch_monitor *m, const mi_launch_file *lf,
                              const mi_launch_result *run, mi_launch_report *r) {
  memset(r, 0, sizeof *r);
  snprintf(r->name, sizeof r->name, "%s", lf->name);
  r->lf = lf;
  if (run) r->run = *run;
  r->cell_time_s = NAN;
  r->picks_attempted = r->picks_succeeded = r->collisions = NAN;
  r->latency_p50_ms = r->latency_p99_ms = NAN;
  r->state_latency_p50_ms = r->state_latency_p99_ms = NAN;
  r->plan_rate_hz = r->plan_iter_p50_ms = r->plan_iter_p99_ms = r->plan_iter_max_ms = NAN;
  r->plans_published = r->plans_rejected = NAN;
  r->prediction_error_mean = r->prediction_error_last = r->prior_error_mean = NAN;
  r->goal_reached_share = r->tool_to_goal_last_m = r->stale_cycles = NAN;
  for (int i = 0; i < MI_REPORT_STATES; i++) r->state_share[i] = NAN;
  r->deadline_misses = r->overruns = r->wakeup_latency_p99_ms = NAN;
  r->samples_rejected = NAN;
  r->zone_occupied_share = NAN;
  if (!m) return;

  pthread_mutex_lock(&m->mu);
  if (m->have_clock) r->cell_time_s = mi_s_from_ns(m->clock_last_ns - m->clock_first_ns);
  r->planner_status_samples = m->ps_n;
  r->plans_seen = m->plans;
  if (m->ps_n > 0) {
    r->plans_published = (double)m->ps_last_published;
    r->plans_rejected = (double)m->ps_last_rejected;
    r->samples_rejected = (double)m->ps_samples_rejected;
    if (m->ps_last_stamp > m->ps_first_stamp && m->ps_last_published > m->ps_first_published)
      r->plan_rate_hz = (double)(m->ps_last_published - m->ps_first_published) /
                        mi_s_from_ns(m->ps_last_stamp - m->ps_first_stamp);
  }
  if (isnan(r->plan_rate_hz) && m->plans > 1 && m->plan_last_mono > m->plan_first_mono)
    r->plan_rate_hz = (double)(m->plans - 1) / mi_s_from_ns(m->plan_last_mono - m->plan_first_mono);
  if (m->n_solve > 0) {
    double *v = malloc(m->n_solve * sizeof *v);
    if (v) {
      memcpy(v, m->solve, m->n_solve * sizeof *v);
      mi_stats_sort(v, m->n_solve);
      r->plan_iter_p50_ms = mi_stats_pct_sorted(v, m->n_solve, 50) * 1e3;
      r->plan_iter_p99_ms = mi_stats_pct_sorted(v, m->n_solve, 99) * 1e3;
      r->plan_iter_max_ms = m->solve_max * 1e3;
      free(v);
    }
  }
  if (m->perr_n > 0) {
    r->prediction_error_mean = m->perr_sum / (double)m->perr_n;
    r->prediction_error_last = m->perr_last;
  }
  if (m->prior_n > 0) r->prior_error_mean = m->prior_sum / (double)m->prior_n;
  if (m->ps_n > 0) {
    snprintf(r->task, sizeof r->task, "%s", m->task);
    r->stale_cycles = (double)m->stale_cycles;
  }
  if (m->goal_n > 0) {
    r->goal_reached_share = (double)m->reached_n / (double)m->goal_n;
    r->tool_to_goal_last_m = m->tool_to_goal_last;
  }
  r->controller_status_samples = m->cs_n;
  if (m->cs_n > 0) {
    int64_t tot = 0;
    for (int i = 0; i < MI_REPORT_STATES; i++) tot += m->state_ns[i];
    if (tot > 0)
      for (int i = 0; i < MI_REPORT_STATES; i++)
        r->state_share[i] = (double)m->state_ns[i] / (double)tot;
    r->deadline_misses = (double)m->cs_misses;
    r->overruns = (double)m->cs_overruns;
    r->wakeup_latency_p99_ms = m->cs_wake_p99 * 1e3;
    /* the controller's latency percentiles (-1, or 0 from an older
     * controller, until it has measured one) */
    double *lat[4] = {&r->latency_p50_ms, &r->latency_p99_ms, &r->state_latency_p50_ms,
                      &r->state_latency_p99_ms};
    for (int i = 0; i < 4; i++)
      if (m->cs_lat[i] > 0) *lat[i] = m->cs_lat[i] * 1e3;
    r->samples_rejected = (isnan(r->samples_rejected) ? 0.0 : r->samples_rejected) +
                          (double)m->cs_rejected;
    r->n_inputs = m->n_inputs;
    memcpy(r->inputs, m->inputs, sizeof r->inputs);
  }
  if (m->ss_n > 0) { /* picks attempted: picked + left the belt unpicked */
    r->picks_succeeded = (double)(m->ss_base[0] + m->ss_last[0]);
    r->picks_attempted = r->picks_succeeded + (double)(m->ss_base[1] + m->ss_last[1]);
    r->collisions = (double)(m->ss_base[2] + m->ss_last[2]);
  }
  if (m->zs_n > 1 && m->zone_total_ns > 0)
    r->zone_occupied_share = (double)m->zone_occupied_ns / (double)m->zone_total_ns;
  pthread_mutex_unlock(&m->mu);
}

/* "%.*f" or "n/a" */
static const char *num(char *b, size_t sz, double v, int prec, const char *unit) {
  if (isnan(v))
    snprintf(b, sz, "n/a");
  else
    snprintf(b, sz, "%.*f%s%s", prec, v, unit[0] ? " " : "", unit);
  return b;
}

void mi_launch_report_print(const mi_launch_report *r, FILE *f) {
  char a[64], b[64], c[64];
  fprintf(f, "\n== mirai launch report: %s ==\n", r->name);
  fprintf(f, "ended: %s (%s), exit %d, wall %.1f s, cell %s\n", mi_launch_end_str(r->run.end),
          r->run.why, r->run.exit_code, r->run.wall_s, num(a, sizeof a, r->cell_time_s, 1, "s"));
  fprintf(f, "\n%-16s %-10s %7s %9s %11s %10s\n", "node", "kind", "starts", "failures",
          "last exit", "run s");
  for (int i = 0; r->lf && i < r->lf->n_nodes; i++) {
    const mi_launch_node *n = &r->lf->nodes[i];
    const mi_launch_node_result *x = &r->run.nodes[i];
    char last[32];
    if (x->failed_start)
      snprintf(last, sizeof last, "no start");
    else if (x->last_status < 0)
      snprintf(last, sizeof last, "signal %d", -x->last_status);
    else
      snprintf(last, sizeof last, "%d", x->last_status);
    fprintf(f, "%-16s %-10s %7d %9d %11s %10.1f\n", n->name, n->kind[0] ? n->kind : n->is_container ? "container" : "command",
            x->starts, x->failures, last, x->run_time_s);
  }
  fprintf(f, "\n%-40s %s\n", "figure", "value");
  fprintf(f, "%-40s %s / %s\n", "picks succeeded / attempted", num(a, sizeof a, r->picks_succeeded, 0, ""),
          num(b, sizeof b, r->picks_attempted, 0, ""));
  fprintf(f, "%-40s %s\n", "collisions (sim contacts)", num(a, sizeof a, r->collisions, 0, ""));
  fprintf(f, "%-40s %s / %s\n", "sensor-to-command latency p50 / p99",
          num(a, sizeof a, r->latency_p50_ms, 2, "ms"), num(b, sizeof b, r->latency_p99_ms, 2, "ms"));
  fprintf(f, "%-40s %s / %s\n", "  joint state to command (control law)",
          num(a, sizeof a, r->state_latency_p50_ms, 2, "ms"),
          num(b, sizeof b, r->state_latency_p99_ms, 2, "ms"));
  fprintf(f, "%-40s %s\n", "plan rate", num(a, sizeof a, r->plan_rate_hz, 1, "Hz"));
  fprintf(f, "%-40s %s / %s / %s\n", "planner iteration p50 / p99 / max",
          num(a, sizeof a, r->plan_iter_p50_ms, 2, "ms"), num(b, sizeof b, r->plan_iter_p99_ms, 2, "ms"),
          num(c, sizeof c, r->plan_iter_max_ms, 2, "ms"));
  fprintf(f, "%-40s %s / %s\n", "plans published / rejected", num(a, sizeof a, r->plans_published, 0, ""),
          num(b, sizeof b, r->plans_rejected, 0, ""));
  fprintf(f, "%-40s %s (last %s)\n", "learner prediction error (mean)",
          num(a, sizeof a, r->prediction_error_mean, 4, "rad"),
          num(b, sizeof b, r->prediction_error_last, 4, "rad"));
  fprintf(f, "%-40s %s\n", "physics prior alone, error (mean)",
          num(a, sizeof a, r->prior_error_mean, 4, "rad"));
  fprintf(f, "%-40s %s\n", "planner task (last)", r->task[0] ? r->task : "n/a");
  fprintf(f, "%-40s %s (tool to goal, last: %s)\n", "goal reached (share of statuses)",
          isnan(r->goal_reached_share)
              ? "n/a"
              : (snprintf(c, sizeof c, "%.1f %%", 100.0 * r->goal_reached_share), c),
          num(b, sizeof b, r->tool_to_goal_last_m, 3, "m"));
  fprintf(f, "%-40s %s\n", "planner stale cycles (no fresh state)",
          num(a, sizeof a, r->stale_cycles, 0, ""));
  fprintf(f, "%-40s %s\n", "deadline misses (controller counter)",
          num(a, sizeof a, r->deadline_misses, 0, ""));
  for (int i = 0; i < r->n_inputs; i++) {
    char label[64];
    snprintf(label, sizeof label, "  input %s: late / expired", r->inputs[i].name);
    fprintf(f, "%-40s %llu / %llu\n", label, (unsigned long long)r->inputs[i].late,
            (unsigned long long)r->inputs[i].expired);
  }
  static const char *const k_states[MI_REPORT_STATES] = {"RUN", "DEGRADED", "SAFE_STOP"};
  for (int i = 0; i < MI_REPORT_STATES; i++) {
    char label[64];
    snprintf(label, sizeof label, "controller time in %s", k_states[i]);
    fprintf(f, "%-40s %s\n", label,
            isnan(r->state_share[i]) ? "n/a" : (snprintf(a, sizeof a, "%.1f %%", 100.0 * r->state_share[i]), a));
  }
  fprintf(f, "%-40s %s / %s\n", "controller overruns / wake-up p99", num(a, sizeof a, r->overruns, 0, ""),
          num(b, sizeof b, r->wakeup_latency_p99_ms, 3, "ms"));
  fprintf(f, "%-40s %s\n", "samples rejected (planner + controller)",
          num(a, sizeof a, r->samples_rejected, 0, ""));
  fprintf(f, "%-40s %s\n", "safety zone occupied",
          isnan(r->zone_occupied_share) ? "n/a"
                                        : (snprintf(a, sizeof a, "%.1f %%", 100.0 * r->zone_occupied_share), a));
  fprintf(f, "(n/a: no node publishes that figure in this graph)\n");
}

static void jnum(FILE *f, const char *key, double v, bool comma) {
  if (isnan(v))
    fprintf(f, "\"%s\": null%s", key, comma ? ", " : "");
  else
    fprintf(f, "\"%s\": %.9g%s", key, v, comma ? ", " : "");
}

/* a JSON string (names come from the launch file: escape what JSON needs) */
static void jstr(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(f, "\\%c", ch);
    else if (ch < 0x20)
      fprintf(f, "\\u%04x", ch);
    else
      fputc(ch, f);
  }
  fputc('"', f);
}

void mi_launch_report_write_json(const mi_launch_report *r, FILE *f) {
  fprintf(f, "{\n  \"launch\": ");
  jstr(f, r->name);
  fprintf(f, ",\n  \"end\": ");
  jstr(f, mi_launch_end_str(r->run.end));
  fprintf(f, ", \"why\": ");
  jstr(f, r->run.why);
  fprintf(f, ", \"exit_code\": %d, \"wall_s\": %.3f, ", r->run.exit_code, r->run.wall_s);
  jnum(f, "cell_time_s", r->cell_time_s, false);
  fprintf(f, ",\n  \"nodes\": [");
  for (int i = 0; r->lf && i < r->lf->n_nodes; i++) {
    const mi_launch_node *n = &r->lf->nodes[i];
    const mi_launch_node_result *x = &r->run.nodes[i];
    fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
    jstr(f, n->name);
    fprintf(f, ", \"kind\": ");
    jstr(f, n->kind[0] ? n->kind : n->is_container ? "container" : "command");
    fprintf(f,
            ", \"starts\": %d, \"failures\": %d, \"last_status\": %d, \"failed_start\": %s, "
            "\"killed\": %s, \"run_time_s\": %.3f}",
            x->starts, x->failures, x->last_status, x->failed_start ? "true" : "false",
            x->killed ? "true" : "false", x->run_time_s);
  }
  fprintf(f, "\n  ],\n  \"task\": {");
  jnum(f, "picks_attempted", r->picks_attempted, true);
  jnum(f, "picks_succeeded", r->picks_succeeded, true);
  jnum(f, "collisions", r->collisions, false);
  fprintf(f, "},\n  \"latency\": {");
  jnum(f, "sensor_to_command_p50_ms", r->latency_p50_ms, true);
  jnum(f, "sensor_to_command_p99_ms", r->latency_p99_ms, true);
  jnum(f, "state_to_command_p50_ms", r->state_latency_p50_ms, true);
  jnum(f, "state_to_command_p99_ms", r->state_latency_p99_ms, false);
  fprintf(f, "},\n  \"planner\": {\"status_samples\": %llu, \"plans_seen\": %llu, ",
          (unsigned long long)r->planner_status_samples, (unsigned long long)r->plans_seen);
  jnum(f, "plan_rate_hz", r->plan_rate_hz, true);
  jnum(f, "iteration_p50_ms", r->plan_iter_p50_ms, true);
  jnum(f, "iteration_p99_ms", r->plan_iter_p99_ms, true);
  jnum(f, "iteration_max_ms", r->plan_iter_max_ms, true);
  jnum(f, "plans_published", r->plans_published, true);
  jnum(f, "plans_rejected", r->plans_rejected, true);
  jnum(f, "prediction_error_mean_rad", r->prediction_error_mean, true);
  jnum(f, "prediction_error_last_rad", r->prediction_error_last, true);
  jnum(f, "prior_error_mean_rad", r->prior_error_mean, true);
  jnum(f, "goal_reached_share", r->goal_reached_share, true);
  jnum(f, "tool_to_goal_last_m", r->tool_to_goal_last_m, true);
  jnum(f, "stale_cycles", r->stale_cycles, true);
  fprintf(f, "\"task\": ");
  jstr(f, r->task);
  fprintf(f, "},\n  \"controller\": {\"status_samples\": %llu, ",
          (unsigned long long)r->controller_status_samples);
  jnum(f, "deadline_misses", r->deadline_misses, true);
  jnum(f, "overruns", r->overruns, true);
  jnum(f, "wakeup_latency_p99_ms", r->wakeup_latency_p99_ms, true);
  fprintf(f, "\"state_share\": {");
  jnum(f, "RUN", r->state_share[0], true);
  jnum(f, "DEGRADED", r->state_share[1], true);
  jnum(f, "SAFE_STOP", r->state_share[2], false);
  fprintf(f, "}, \"inputs\": [");
  for (int i = 0; i < r->n_inputs; i++) {
    fprintf(f, "%s{\"name\": ", i ? ", " : "");
    jstr(f, r->inputs[i].name);
    fprintf(f, ", \"late\": %llu, \"expired\": %llu}", (unsigned long long)r->inputs[i].late,
            (unsigned long long)r->inputs[i].expired);
  }
  fprintf(f, "]},\n  ");
  jnum(f, "samples_rejected", r->samples_rejected, true);
  jnum(f, "zone_occupied_share", r->zone_occupied_share, false);
  fprintf(f, "\n}\n");
}
