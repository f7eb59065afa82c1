/* controllers/node_controller.c - the controller node: DDS in and out
 * around the controller core and its real-time loop. */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/dynamics.h"
#include "controllers/latency.h"
#include "controllers/node.h"
#include "controllers/rtloop.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/ring.h"
#include "dds/node.h"

/* status on the monotonic clock, as the monitor's budgets: a stalled sim
 * (sim time standing still) must not silence a SAFE_STOP */
#define STATUS_PERIOD_NS (20 * MI_NS_PER_MS) /* transitions go out within this */
#define STATUS_EVERY 5                       /* full status every 100 ms */

struct mi_ctrl_node {
  mi_ctrl_params p;
  mi_ctrl *c;
  mi_dds_node *node;
  mi_dds_pub *cmd_pub, *status_pub;
  mi_dds_sub *plan_sub, *js_sub, *zone_sub;
  mi_dds_timer *status_timer;
  mi_ctrl_rtloop loop;
  /* loop -> command publisher */
  mi_latest cmd_out;
  sem_t cmd_sem;
  pthread_t pub_thread;
  _Atomic bool pub_quit;
  /* executor-thread state */
  mi_ctrl_plan plan_buf; /* conversion scratch for one plan (executor only) */
  uint64_t name_rejects; /* samples with unknown or missing joint names */
  unsigned status_ticks;
  /* the last transition, for rt/controller/status (executor thread only) */
  char reason[192];
  mi_ctrl_state prev_state;
  uint64_t transitions;
  uint32_t hist[MI_CTRL_HIST_BINS];
  mi_ctrl_state last_state;
  /* command publisher -> status: latencies and counts (controllers/latency.h) */
  mi_ctrl_lat_hist lat_plan;  /* publish - stamp of the joint state the plan came from */
  mi_ctrl_lat_hist lat_state; /* publish - stamp of the joint state the law used */
  _Atomic uint64_t commands_published;
  uint64_t statuses_published; /* the status publisher's own */
};

/* --- inputs (executor thread) ------------------------------------------- */

static int joint_index(const mi_ctrl_node *n, const char *name) {
  for (int j = 0; j < n->p.joints.n; j++)
    if (strcmp(n->p.joints.v[j], name) == 0) return j;
  return -1;
}

/* a header stamp (node clock: wall or sim time) onto the loop's monotonic
 * clock: the arrival time minus the stamp's age at arrival. 0 (unknown) for
 * a zero stamp or before the node clock is known (sim time, no rt/clock). */
static int64_t to_loop_clock(const mi_ctrl_node *n, const mi_msg_time *t, int64_t recv_mono_ns) {
  int64_t st = (int64_t)t->sec * MI_NS_PER_S + (int64_t)t->nanosec;
  int64_t now = mi_dds_node_now(n->node);
  if (st == 0 || now <= 0) return 0;
  int64_t v = recv_mono_ns - (now - st);
  return v == 0 ? 1 : v;
}

static void on_joint_states(const mi_msg_joint_state *m, const mi_dds_sample_info *info,
                            void *user) {
  mi_ctrl_node *n = user;
  mi_ctrl_joint_state js;
  memset(&js, 0, sizeof js);
  js.arrival_ns = info->recv_mono_ns;
  js.stamp_ns = to_loop_clock(n, &m->header.stamp, info->recv_mono_ns);
  js.n = n->p.joints.n;
  int found = 0;
  for (uint32_t i = 0; i < m->name._length; i++) {
    int j = joint_index(n, m->name._buffer[i]);
    if (j < 0) continue; /* other joints (grippers, ...) are not ours */
    if (i >= m->position._length) break;
    js.q[j] = m->position._buffer[i];
    js.qd[j] = i < m->velocity._length ? m->velocity._buffer[i] : 0.0;
    js.effort[j] = i < m->effort._length ? m->effort._buffer[i] : 0.0;
    found++;
  }
  if (found != js.n) {
    n->name_rejects++;
    MI_LOG_EVERY_MS(MI_LOG_WARN, 1000, "joint_states: %d of %d controlled joints present; dropped",
                    found, js.n);
    return;
  }
  mi_ctrl_submit_joint_state(n->c, &js);
  mi_ctrl_rtloop_sync(&n->loop, info->recv_mono_ns);
}

static void on_zone(const mi_msg_zone_status *m, const mi_dds_sample_info *info, void *user) {
  mi_ctrl_node *n = user;
  mi_ctrl_zone z = {.arrival_ns = info->recv_mono_ns, .person_present = m->occupied};
  mi_ctrl_submit_zone(n->c, &z);
}

static int64_t stamp_ns(const mi_msg_time *t) {
  return (int64_t)t->sec * MI_NS_PER_S + (int64_t)t->nanosec;
}

static void on_plan(const mi_msg_joint_trajectory *m, const mi_dds_sample_info *info,
                    void *user) {
  mi_ctrl_node *n = user;
  mi_ctrl_plan *p = &n->plan_buf;
  char err[160];
  memset(p, 0, sizeof *p);
  int nj = n->p.joints.n;
  /* joint order of the message -> ours */
  int col[MI_CTRL_MAX_JOINTS];
  int found = 0;
  for (int j = 0; j < nj; j++) col[j] = -1;
  for (uint32_t i = 0; i < m->joint_names._length; i++) {
    int j = joint_index(n, m->joint_names._buffer[i]);
    if (j >= 0 && col[j] < 0) {
      col[j] = (int)i;
      found++;
    }
  }
  if (found != nj || m->points._length < 1 || m->points._length > MI_CTRL_MAX_POINTS) {
    n->name_rejects++;
    MI_LOG_EVERY_MS(MI_LOG_WARN, 1000,
                    "plan rejected: %d of %d joints named, %u points (1..%d allowed)", found, nj,
                    m->points._length, MI_CTRL_MAX_POINTS);
    return;
  }
  /* the stamp on our clock: zero means "start now" */
  int64_t st = stamp_ns(&m->header.stamp);
  p->arrival_ns = info->recv_mono_ns;
  p->t0_ns = st == 0 ? info->recv_mono_ns : info->recv_mono_ns + (st - mi_dds_node_now(n->node));
  /* mirai's predictor stamps a plan with the joint state it planned from
   * (worldmodel/predictor_node.h); a stamp after arrival is a start time,
   * not a measurement */
  p->state_stamp_ns = st != 0 && p->t0_ns <= info->recv_mono_ns ? p->t0_ns : 0;
  p->n_joints = nj;
  p->n_points = (int)m->points._length;
  p->has_vel = true;
  p->has_acc = true;
  for (int k = 0; k < p->n_points; k++) {
    const mi_msg_joint_trajectory_point *pt = &m->points._buffer[k];
    p->t_ns[k] = (int64_t)pt->time_from_start.sec * MI_NS_PER_S + pt->time_from_start.nanosec;
    uint32_t w = m->joint_names._length;
    if (pt->positions._length != w) p->n_points = 0; /* rejected below */
    if (pt->velocities._length != w) p->has_vel = false;
    if (pt->accelerations._length != w) p->has_acc = false;
    for (int j = 0; j < nj && p->n_points; j++) {
      p->q[k][j] = pt->positions._buffer[col[j]];
      if (p->has_vel) p->qd[k][j] = pt->velocities._buffer[col[j]];
      if (p->has_acc) p->qdd[k][j] = pt->accelerations._buffer[col[j]];
    }
  }
  if (mi_ctrl_submit_plan(n->c, p, err, sizeof err) != MI_OK)
    MI_LOG_EVERY_MS(MI_LOG_WARN, 1000, "plan rejected: %s", err);
}

MI_DDS_TYPED_CB(on_joint_states, mi_msg_joint_state);
MI_DDS_TYPED_CB(on_zone, mi_msg_zone_status);
MI_DDS_TYPED_CB(on_plan, mi_msg_joint_trajectory);

/* --- the loop and the command publisher ---------------------------------- */

static bool loop_tick(void *user, const mi_ctrl_tick *t) {
  mi_ctrl_node *n = user;
  mi_ctrl_command *cmd = mi_latest_write_buf(&n->cmd_out);
  mi_ctrl_step(n->c, t->wake_ns, t->dt_ns, cmd);
  mi_latest_publish(&n->cmd_out);
  sem_post(&n->cmd_sem);
  return true;
}

static void *publisher_main(void *arg) {
  mi_ctrl_node *n = arg;
  mi_log_set_thread_name(mi_dds_node_name(n->node));
  static _Thread_local char *names[MI_CTRL_MAX_JOINTS];
  for (int j = 0; j < n->p.joints.n; j++) names[j] = n->p.joints.v[j];
  while (!atomic_load(&n->pub_quit)) {
    if (sem_wait(&n->cmd_sem) != 0) continue;
    const void *v = NULL;
    if (!mi_latest_take(&n->cmd_out, &v) || !v) continue;
    mi_ctrl_command cmd = *(const mi_ctrl_command *)v;
    if (!cmd.valid) continue;
    mi_msg_joint_state js;
    mi_msg_init(MI_MSG_JOINT_STATE, &js);
    js.header = mi_dds_node_header(n->node, "");
    js.name = MI_MSG_SEQ(__typeof__(js.name), names, cmd.n);
    js.position = MI_MSG_SEQ(__typeof__(js.position), cmd.q, cmd.n);
    js.velocity = MI_MSG_SEQ(__typeof__(js.velocity), cmd.qd, cmd.n);
    js.effort = MI_MSG_SEQ(__typeof__(js.effort), cmd.effort, cmd.n);
    if (MI_DDS_PUBLISH(n->cmd_pub, &js) != MI_OK) continue;
    /* latency: now (the write has returned) minus the measurements' stamps */
    int64_t now = mi_clock_mono_ns();
    atomic_fetch_add_explicit(&n->commands_published, 1, memory_order_relaxed);
    if (cmd.plan_state_ns) mi_ctrl_lat_add(&n->lat_plan, now - cmd.plan_state_ns);
    if (cmd.state_ns) mi_ctrl_lat_add(&n->lat_state, now - cmd.state_ns);
  }
  return NULL;
}

/* --- status (executor thread, timer) ------------------------------------ */

static void publish_status(mi_ctrl_node *n, const mi_ctrl_status *st) {
  static const char *const k_inputs[MI_CTRL_IN_COUNT] = {"plan", "joint_states", "safety_zone"};
  uint8_t states[MI_CTRL_IN_COUNT];
  for (int i = 0; i < MI_CTRL_IN_COUNT; i++) states[i] = (uint8_t)st->fresh[i];
  mi_ctrl_rt_stats rs;
  mi_ctrl_rtloop_stats(&n->loop, &rs);
  mi_ctrl_rtloop_histogram(&n->loop, n->hist, MI_CTRL_HIST_BINS);
  uint32_t nb = MI_CTRL_HIST_BINS;
  while (nb > 1 && n->hist[nb - 1] == 0) nb--; /* trailing empty bins left out */
  mi_dds_counters dc;
  mi_dds_node_counters(n->node, &dc);
  uint64_t misses = 0;
  for (int i = 0; i < MI_CTRL_IN_COUNT; i++) misses += st->late_count[i] + st->expired_count[i];

  mi_msg_controller_status m;
  mi_msg_init(MI_MSG_CONTROLLER_STATUS, &m);
  m.header = mi_dds_node_header(n->node, "");
  m.state = (uint8_t)st->state;
  m.input_names = MI_MSG_SEQ(__typeof__(m.input_names), (char **)k_inputs, MI_CTRL_IN_COUNT);
  m.input_states = MI_MSG_SEQ(__typeof__(m.input_states), states, MI_CTRL_IN_COUNT);
  m.cycles = st->steps;
  m.overruns = rs.overruns;
  m.deadline_misses = misses;
  m.samples_rejected = st->plans_rejected + st->joint_states_rejected + dc.rejected + n->name_rejects;
  m.wakeup_latency_p50 = rs.latency_p50_us * 1e-6; /* seconds, SI */
  m.wakeup_latency_p99 = rs.latency_p99_us * 1e-6;
  m.wakeup_latency_max = rs.latency_max_us * 1e-6;
  m.latency_histogram = MI_MSG_SEQ(__typeof__(m.latency_histogram), n->hist, nb);
  m.previous_state = (uint8_t)n->prev_state;
  m.reason = n->reason;
  m.transitions = n->transitions;
  m.sensor_to_command_latency_p50 = mi_ctrl_lat_percentile_s(&n->lat_plan, 50);
  m.sensor_to_command_latency_p99 = mi_ctrl_lat_percentile_s(&n->lat_plan, 99);
  m.state_to_command_latency_p50 = mi_ctrl_lat_percentile_s(&n->lat_state, 50);
  m.state_to_command_latency_p99 = mi_ctrl_lat_percentile_s(&n->lat_state, 99);
  m.commands_published = atomic_load_explicit(&n->commands_published, memory_order_relaxed);
  m.statuses_published = n->statuses_published + 1;
  if (MI_DDS_PUBLISH(n->status_pub, &m) == MI_OK) n->statuses_published++;
}

static void on_status_timer(mi_dds_timer *t, int64_t now_ns, void *user) {
  (void)t;
  (void)now_ns;
  mi_ctrl_node *n = user;
  mi_ctrl_status st;
  memset(&st, 0, sizeof st); /* steps 0 until the loop's first snapshot */
  bool have = mi_ctrl_status_take(n->c, &st);
  (void)have;
  bool changed = false;
  mi_ctrl_transition tr;
  while (mi_ctrl_transition_pop(n->c, &tr) == MI_OK) {
    changed = true;
    /* the same text goes to the log and, as the last reason, into the status */
    if (tr.input >= 0)
      snprintf(n->reason, sizeof n->reason, "%s (%s, age %.1f ms, budget %.1f ms)",
               mi_ctrl_reason_text(tr.reason), mi_ctrl_input_name((mi_ctrl_input)tr.input),
               tr.age_ns < 0 ? -1.0 : (double)tr.age_ns / 1e6, (double)tr.budget_ns / 1e6);
    else
      snprintf(n->reason, sizeof n->reason, "%s", mi_ctrl_reason_text(tr.reason));
    n->prev_state = tr.from;
    n->transitions++;
    MI_LOGI("%s -> %s: %s", mi_ctrl_state_name(tr.from), mi_ctrl_state_name(tr.to), n->reason);
  }
  mi_ctrl_rtloop_report(&n->loop);
  if (st.steps == 0) return; /* the loop has not run yet */
  if (changed || ++n->status_ticks >= STATUS_EVERY) {
    n->status_ticks = 0;
    publish_status(n, &st);
  }
}

/* --- lifecycle ------------------------------------------------------------ */

mi_status mi_ctrl_node_create(const mi_ctrl_params *p, const mi_ctrl_dynamics *dyn,
                              mi_ctrl_node **out, char *err, size_t err_sz) {
  mi_status rc = MI_ERR_NOMEM;
  mi_ctrl_node *n = calloc(1, sizeof *n);
  if (!n) return MI_ERR_NOMEM;
  n->p = *p;
  mi_ctrl_lat_init(&n->lat_plan);
  mi_ctrl_lat_init(&n->lat_state);
  n->c = mi_ctrl_create(p, dyn, mi_clock_mono_ns(), err, err_sz);
  if (!n->c) {
    rc = MI_ERR_INVALID;
    goto fail;
  }
  if (p->law != MI_CTRL_LAW_PD && (!dyn || !dyn->gravity))
    MI_LOGW("no model dynamics (model.urdf): gravity compensation is off, plain PD");
  if (mi_latest_init(&n->cmd_out, sizeof(mi_ctrl_command)) != MI_OK) goto fail_ctrl;
  if (sem_init(&n->cmd_sem, 0, 0) != 0) goto fail_latest;

  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "controller");
  o.dds = p->dds;
  rc = mi_dds_node_create(&o, &n->node, err, err_sz);
  if (rc != MI_OK) goto fail_sem;
  mi_dds_sub_opts so = {.on_sample = on_plan__mi_cb, .user = n};
  if ((rc = mi_dds_sub_create_std(n->node, MI_TOPIC_PLAN, &so, &n->plan_sub)) != MI_OK) goto fail_node;
  so.on_sample = on_joint_states__mi_cb;
  if ((rc = mi_dds_sub_create_std(n->node, MI_TOPIC_JOINT_STATES, &so, &n->js_sub)) != MI_OK)
    goto fail_node;
  so.on_sample = on_zone__mi_cb;
  if ((rc = mi_dds_sub_create_std(n->node, MI_TOPIC_SAFETY_ZONE, &so, &n->zone_sub)) != MI_OK)
    goto fail_node;
  if ((rc = mi_dds_pub_create_std(n->node, MI_TOPIC_JOINT_COMMANDS, &n->cmd_pub)) != MI_OK ||
      (rc = mi_dds_pub_create_std(n->node, MI_TOPIC_CONTROLLER_STATUS, &n->status_pub)) != MI_OK ||
      (rc = mi_dds_timer_create_mono(n->node, STATUS_PERIOD_NS, on_status_timer, n,
                                     &n->status_timer)) != MI_OK) {
    snprintf(err, err_sz, "cannot create the controller's publishers: %s", mi_status_str(rc));
    goto fail_node;
  }
  mi_ctrl_rt_config cfg = {.period_ns = mi_ns_from_s(1.0 / p->rate_hz),
                           .priority = (int)p->rt_priority,
                           .cpu = (int)p->rt_cpu,
                           .lock_memory = p->rt_lock_memory,
                           .sync_offset_ns = mi_ns_from_s(p->rt_sync_offset_ms * 1e-3)};
  mi_ctrl_rtloop_init(&n->loop, &cfg, loop_tick, n);
  *out = n;
  return MI_OK;

fail_node:
  mi_dds_node_destroy(n->node);
fail_sem:
  sem_destroy(&n->cmd_sem);
fail_latest:
  mi_latest_destroy(&n->cmd_out);
fail_ctrl:
  mi_ctrl_destroy(n->c);
fail:
  free(n);
  return rc;
}

mi_status mi_ctrl_node_spin(mi_ctrl_node *n) {
  atomic_store(&n->pub_quit, false);
  if (pthread_create(&n->pub_thread, NULL, publisher_main, n) != 0) return MI_ERR_STATE;
  mi_status rc = mi_ctrl_rtloop_start(&n->loop);
  if (rc == MI_OK) {
    rc = mi_dds_spin(n->node);
    mi_ctrl_rtloop_stop(&n->loop);
  }
  atomic_store(&n->pub_quit, true);
  sem_post(&n->cmd_sem);
  pthread_join(n->pub_thread, NULL);
  /* a last status with the final counts: everything published is in it
   * (state is reliable, and a deleted writer lingers for its acks) */
  mi_ctrl_status st;
  memset(&st, 0, sizeof st);
  mi_ctrl_status_take(n->c, &st);
  if (st.steps > 0) publish_status(n, &st);
  return rc;
}

void mi_ctrl_node_stop(mi_ctrl_node *n) { mi_dds_node_stop(n->node); }

void mi_ctrl_node_destroy(mi_ctrl_node *n) {
  if (!n) return;
  mi_dds_node_destroy(n->node);
  sem_destroy(&n->cmd_sem);
  mi_latest_destroy(&n->cmd_out);
  mi_ctrl_destroy(n->c);
  free(n);
}

/* --- `mirai node controller` --------------------------------------------- */

static int usage(FILE *f, int code) {
  fprintf(f,
          "usage: mirai node controller [--params FILE] [-p name:=value ...]\n"
          "Follows rt/plan with deadline monitoring and safe stop; publishes\n"
          "rt/joint_commands and rt/controller/status.\n\nparameters:\n");
  mi_params_print_help(mi_ctrl_param_table(), f);
  return code;
}

int mi_node_main_controller(int argc, char **argv) {
  static mi_ctrl_params p;
  char err[512];
  const mi_param_table *t = mi_ctrl_param_table();
  if (mi_params_defaults(t, &p, err, sizeof err) != MI_OK) {
    fprintf(stderr, "controller: %s\n", err);
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return usage(stdout, 0);
    if (!strcmp(argv[i], "--params-markdown")) { /* the README's reference */
      mi_params_print_markdown(mi_ctrl_param_table(), stdout);
      return 0;
    }
    if (!strcmp(argv[i], "--params") && i + 1 < argc) {
      if (mi_params_load_file(t, NULL, argv[++i], &p, err, sizeof err) != MI_OK) {
        fprintf(stderr, "controller: %s\n", err);
        return 2;
      }
    } else if (!strcmp(argv[i], "-p") && i + 1 < argc) {
      char *kv = argv[++i], *sep = strstr(kv, ":=");
      if (!sep) {
        fprintf(stderr, "controller: -p wants name:=value, got '%s'\n", kv);
        return 2;
      }
      *sep = '\0';
      if (mi_params_set(t, &p, kv, sep + 2, err, sizeof err) != MI_OK) {
        fprintf(stderr, "controller: %s\n", err);
        return 2;
      }
    } else {
      fprintf(stderr, "controller: unknown argument '%s'\n", argv[i]);
      return usage(stderr, 2);
    }
  }
  mi_log_set_thread_name("controller");
  /* the model's dynamics for gravity compensation and computed torque */
  mi_model *model = NULL;
  static mi_ctrl_wm_dyn wd;
  mi_ctrl_dynamics dyn = {0};
  if (p.urdf[0]) {
    model = mi_wm_model_load(p.urdf, NULL, err, sizeof err);
    if (!model || mi_ctrl_wm_dyn_init(&wd, model, &p.joints, err, sizeof err) != MI_OK) {
      fprintf(stderr, "controller: model.urdf: %s\n", err);
      mi_wm_model_free(model);
      return 1;
    }
    mi_ctrl_wm_dyn_bind(&wd, &dyn);
  }
  mi_ctrl_node *n = NULL;
  if (mi_ctrl_node_create(&p, model ? &dyn : NULL, &n, err, sizeof err) != MI_OK) {
    fprintf(stderr, "controller: %s\n", err);
    mi_wm_model_free(model);
    return 1;
  }
  mi_dds_install_signal_handlers();
  mi_status rc = mi_ctrl_node_spin(n);
  mi_ctrl_node_destroy(n);
  mi_wm_model_free(model);
  return rc == MI_OK ? 0 : 1;
}
