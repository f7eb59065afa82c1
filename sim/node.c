/* sim/node.c - the sim node: the simulated cell on DDS. */
#define _GNU_SOURCE
#include "sim/node.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/ring.h"
#include "sim/desc.h"
#include "sim/loop.h"

#define CMD_QUEUE 64 /* commands between the executor and the loop */

/* one inbound command, copied out of the DDS sample (fixed size) */
typedef struct cmd_msg {
  int64_t stamp_ns; /* on the node's clock; 0: not stamped */
  int n_name, n_position, n_velocity, n_effort; /* the message's lengths */
  char name[MI_SIM_MAX_JOINTS][MI_SIM_NAME_MAX];
  double position[MI_SIM_MAX_JOINTS], velocity[MI_SIM_MAX_JOINTS], effort[MI_SIM_MAX_JOINTS];
} cmd_msg;

struct mi_sim_node {
  mi_sim_params p;
  mi_model *model;
  mi_sim_cell *cell;
  mi_simclock *simclock;
  mi_dds_node *node;
  mi_dds_pub *js_pub, *parts_pub, *wrench_pub, *zone_pub, *clock_pub, *status_pub;
  int64_t status_period_ns, status_next_ns; /* rt/sim/status, cell time */
  mi_dds_sub *cmd_sub;
  mi_spsc cmds;
  _Atomic uint64_t queue_full;
  bool lockstep;
  bool started;          /* the stamp base is set */
  int64_t stamp_base_ns; /* stamp = base + cell time */

  /* loop thread: message scratch and counters */
  char *names[MI_SIM_MAX_JOINTS];
  double q[MI_SIM_MAX_JOINTS], qd[MI_SIM_MAX_JOINTS], tau[MI_SIM_MAX_JOINTS];
  mi_msg_pose poses[MI_SIM_MAX_PARTS];
  cmd_msg cmd;
  mi_sim_node_counters k;
  pthread_mutex_t snap_mu;
  mi_sim_node_counters snap;

  atomic_bool stop;
  mi_sim_loop_stats loop_stats;
};

uint64_t mi_sim_node_commands_rejected(const mi_sim_node_counters *c) {
  const mi_sim_cmd_counters *g = &c->cell.commands;
  return c->commands_rejected_dds + c->commands_queue_full + g->rejected_length +
         g->rejected_nonfinite + g->rejected_names + g->rejected_future;
}

/* --- inbound commands (executor thread) ---------------------------------- */

static void on_command(const mi_msg_joint_state *m, const mi_dds_sample_info *info, void *user) {
  (void)info;
  mi_sim_node *n = user;
  cmd_msg *c = &n->cmd; /* executor-thread scratch: too big for a real-time stack */
  c->stamp_ns = mi_msg_time_to_ns(&m->header.stamp);
  c->n_name = (int)m->name._length;
  c->n_position = (int)m->position._length;
  c->n_velocity = (int)m->velocity._length;
  c->n_effort = (int)m->effort._length;
  /* lengths are kept as sent (the gate rejects a mismatch); only the
   * entries that fit are copied, and a name too long to copy whole becomes
   * one that matches no joint */
  for (int i = 0; i < c->n_name && i < MI_SIM_MAX_JOINTS; i++) {
    const char *s = m->name._buffer[i];
    if (strlen(s) >= MI_SIM_NAME_MAX)
      snprintf(c->name[i], MI_SIM_NAME_MAX, "%s", "\x01(name too long)");
    else
      snprintf(c->name[i], MI_SIM_NAME_MAX, "%s", s);
  }
  for (int i = 0; i < c->n_position && i < MI_SIM_MAX_JOINTS; i++)
    c->position[i] = m->position._buffer[i];
  for (int i = 0; i < c->n_velocity && i < MI_SIM_MAX_JOINTS; i++)
    c->velocity[i] = m->velocity._buffer[i];
  for (int i = 0; i < c->n_effort && i < MI_SIM_MAX_JOINTS; i++)
    c->effort[i] = m->effort._buffer[i];
  if (mi_spsc_push(&n->cmds, c) != MI_OK) {
    atomic_fetch_add(&n->queue_full, 1);
    MI_LOG_EVERY_MS(MI_LOG_WARN, 1000, "joint_commands: the sim loop is behind; command dropped");
  }
}
MI_DDS_TYPED_CB(on_command, mi_msg_joint_state);

/* --- the loop's outputs (loop thread) ------------------------------------ */

static void publish_counters(mi_sim_node *n);

static void io_start(void *user, int64_t base_ns) {
  mi_sim_node *n = user;
  n->stamp_base_ns = base_ns;
  n->started = true;
}

static mi_msg_header header_at(int64_t stamp_ns, const char *frame);

/* rt/sim/status: the cell's counters, stamped on the cell's clock */
static void publish_status(mi_sim_node *n) {
  const mi_sim_cell_stats s = mi_sim_cell_stats_get(n->cell);
  mi_msg_sim_status m;
  mi_msg_init(MI_MSG_SIM_STATUS, &m);
  m.header = header_at(n->stamp_base_ns + mi_sim_cell_time_ns(n->cell), "world");
  m.steps = s.steps;
  m.parts_spawned = s.parts_spawned;
  m.parts_picked = s.parts_picked;
  m.parts_missed = s.parts_missed;
  m.grasps_too_fast = s.grasps_too_fast;
  m.collisions = s.collisions;
  m.contacts_now = s.contacts_now;
  m.samples_dropped = s.joint_states_dropped + s.part_poses_dropped;
  if (MI_DDS_PUBLISH(n->status_pub, &m) == MI_OK) n->k.statuses++;
}

static void io_poll_commands(void *user, mi_sim_cell *c) {
  mi_sim_node *n = user;
  if (mi_sim_cell_time_ns(c) >= n->status_next_ns) {
    publish_status(n);
    n->status_next_ns += n->status_period_ns;
    if (n->status_next_ns <= mi_sim_cell_time_ns(c))
      n->status_next_ns = mi_sim_cell_time_ns(c) + n->status_period_ns;
  }
  static _Thread_local cmd_msg m;
  const char *names[MI_SIM_MAX_JOINTS];
  while (mi_spsc_pop(&n->cmds, &m) == MI_OK) {
    for (int i = 0; i < MI_SIM_MAX_JOINTS; i++) names[i] = m.name[i];
    /* the command's stamp on the cell's clock: in real time less the loop's
     * lag behind its schedule (mi_sim_cmd_stamp_on_cell); lockstep has none */
    const int64_t cell_ns = mi_sim_cell_time_ns(c);
    const int64_t sched_ns = n->lockstep ? n->stamp_base_ns + cell_ns : mi_clock_wall_ns();
    int64_t st = mi_sim_cmd_stamp_on_cell(m.stamp_ns, n->stamp_base_ns, sched_ns, cell_ns);
    /* arrays longer than we copied are rejected by length before use */
    mi_sim_cmd_in in = {st,           m.n_name,     names,      m.n_position, m.position,
                        m.n_velocity, m.velocity,   m.n_effort, m.effort};
    mi_sim_cell_command(c, &in);
    n->k.commands_received++;
  }
  publish_counters(n); /* once per step, before it */
}

static void io_clock(void *user, int64_t sim_ns) {
  mi_sim_node *n = user;
  mi_simclock_set(n->simclock, sim_ns);
  mi_msg_clock m;
  mi_msg_init(MI_MSG_CLOCK, &m);
  m.clock = mi_msg_time_from_ns(sim_ns);
  if (MI_DDS_PUBLISH(n->clock_pub, &m) == MI_OK) n->k.clocks++;
}

static mi_msg_header header_at(int64_t stamp_ns, const char *frame) {
  mi_msg_header h;
  mi_msg_init(MI_MSG_HEADER, &h);
  h.stamp = mi_msg_time_from_ns(stamp_ns);
  h.frame_id = (char *)frame; /* written, never freed */
  return h;
}

static void io_joint_state(void *user, int64_t stamp_ns, const mi_sim_joint_sample *s) {
  mi_sim_node *n = user;
  for (int i = 0; i < s->n; i++) {
    n->q[i] = s->position[i];
    n->qd[i] = s->velocity[i];
    n->tau[i] = s->effort[i];
  }
  mi_msg_joint_state m;
  mi_msg_init(MI_MSG_JOINT_STATE, &m);
  m.header = header_at(stamp_ns, "");
  m.name = MI_MSG_SEQ(__typeof__(m.name), n->names, s->n);
  m.position = MI_MSG_SEQ(__typeof__(m.position), n->q, s->n);
  m.velocity = MI_MSG_SEQ(__typeof__(m.velocity), n->qd, s->n);
  m.effort = MI_MSG_SEQ(__typeof__(m.effort), n->tau, s->n);
  if (MI_DDS_PUBLISH(n->js_pub, &m) == MI_OK) n->k.joint_states++;
}

static void io_part_poses(void *user, int64_t stamp_ns, const mi_sim_parts_sample *s) {
  mi_sim_node *n = user;
  for (int i = 0; i < s->n; i++) {
    mi_msg_pose *p = &n->poses[i];
    mi_msg_init(MI_MSG_POSE, p);
    p->position.x = s->pose[i].p.x;
    p->position.y = s->pose[i].p.y;
    p->position.z = s->pose[i].p.z;
    p->orientation.w = s->pose[i].q.w;
    p->orientation.x = s->pose[i].q.x;
    p->orientation.y = s->pose[i].q.y;
    p->orientation.z = s->pose[i].q.z;
  }
  mi_msg_pose_array m;
  mi_msg_init(MI_MSG_POSE_ARRAY, &m);
  m.header = header_at(stamp_ns, "world");
  m.poses = MI_MSG_SEQ(__typeof__(m.poses), n->poses, s->n);
  if (MI_DDS_PUBLISH(n->parts_pub, &m) == MI_OK) n->k.part_poses++;
}

static void io_wrench(void *user, int64_t stamp_ns, const mi_sim_wrench_sample *s) {
  mi_sim_node *n = user;
  mi_msg_wrench_stamped m;
  mi_msg_init(MI_MSG_WRENCH_STAMPED, &m);
  m.header = header_at(stamp_ns, "world");
  m.wrench.force.x = s->force.x;
  m.wrench.force.y = s->force.y;
  m.wrench.force.z = s->force.z;
  m.wrench.torque.x = s->torque.x;
  m.wrench.torque.y = s->torque.y;
  m.wrench.torque.z = s->torque.z;
  if (MI_DDS_PUBLISH(n->wrench_pub, &m) == MI_OK) n->k.wrenches++;
}

static void io_zone(void *user, int64_t stamp_ns, const mi_sim_zone_sample *s) {
  mi_sim_node *n = user;
  mi_msg_zone_status m;
  mi_msg_init(MI_MSG_ZONE_STATUS, &m);
  m.header = header_at(stamp_ns, "world");
  m.zone_id = (char *)mi_sim_cell_zone_name(n->cell);
  m.occupied = s->occupied;
  m.speed_scale = s->occupied ? n->p.zone_occupied_speed_scale : 1.0;
  if (MI_DDS_PUBLISH(n->zone_pub, &m) == MI_OK) n->k.zones++;
}

static mi_sim_io node_io(mi_sim_node *n) {
  mi_sim_io io = {n,          io_clock,         io_joint_state, io_part_poses, io_wrench,
                  io_zone,    io_poll_commands, io_start};
  return io;
}

/* the loop thread's counters -> the snapshot other threads read */
static void publish_counters(mi_sim_node *n) {
  n->k.cell = mi_sim_cell_stats_get(n->cell);
  n->k.sim_time_ns = mi_sim_cell_time_ns(n->cell);
  pthread_mutex_lock(&n->snap_mu);
  n->snap = n->k;
  pthread_mutex_unlock(&n->snap_mu);
}

void mi_sim_node_counters_get(mi_sim_node *n, mi_sim_node_counters *out) {
  pthread_mutex_lock(&n->snap_mu);
  *out = n->snap;
  pthread_mutex_unlock(&n->snap_mu);
  out->commands_queue_full = atomic_load(&n->queue_full);
  mi_dds_counters dc;
  mi_dds_sub_counters(n->cmd_sub, &dc);
  out->commands_rejected_dds = dc.rejected;
}

/* --- lifecycle ------------------------------------------------------------ */

mi_status mi_sim_node_create(const mi_sim_params *p, mi_sim_node **out, char *err,
                             size_t err_sz) {
  if (!p || !out) return MI_ERR_INVALID;
  if (!p->urdf[0]) {
    snprintf(err, err_sz, "model.urdf is required (the URDF the predictor loads)");
    return MI_ERR_INVALID;
  }
  mi_status rc = MI_ERR_NOMEM;
  mi_sim_node *n = calloc(1, sizeof *n);
  if (!n) return MI_ERR_NOMEM;
  n->p = *p;
  n->lockstep = p->time_mode == MI_SIM_TIME_LOCKSTEP;
  if (pthread_mutex_init(&n->snap_mu, NULL) != 0) goto fail_free;

  /* the predictor's model, and the plant from it */
  n->model = mi_wm_model_load(p->urdf, p->cell[0] ? p->cell : NULL, err, err_sz);
  if (!n->model) {
    rc = MI_ERR_INVALID;
    goto fail_mu;
  }
  mi_sim_cell_desc *d = malloc(sizeof *d); /* large for a stack */
  if (!d) {
    rc = MI_ERR_NOMEM;
    goto fail_model;
  }
  if ((rc = mi_sim_desc_from_model(n->model, p->zone_name, d, err, err_sz)) != MI_OK ||
      (rc = mi_sim_cell_create(d, p, &n->cell, err, err_sz)) != MI_OK) {
    free(d);
    goto fail_model;
  }
  MI_LOGI("sim: %s (%d joints, %d fixtures with the floor%s, %d part types%s%s), %s", n->model->name,
          d->n_joints, d->n_fixtures, d->has_conveyor ? ", a conveyor" : "", d->n_part_kinds,
          d->has_zone ? ", zone " : "", d->has_zone ? d->zone_name : "",
          n->lockstep ? "lockstep" : "real time");
  free(d);
  const char *const *jn = mi_sim_cell_joint_names(n->cell);
  for (int i = 0; i < mi_sim_cell_joints(n->cell); i++) n->names[i] = (char *)jn[i];
  if ((rc = mi_spsc_init(&n->cmds, sizeof(cmd_msg), CMD_QUEUE)) != MI_OK) goto fail_cell;
  n->simclock = mi_simclock_create();
  if (!n->simclock) {
    rc = MI_ERR_NOMEM;
    goto fail_queue;
  }

  /* the DDS node: on its own sim time in lockstep */
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "sim");
  o.dds = p->dds;
  o.dds.use_sim_time = n->lockstep;
  o.simclock = n->lockstep ? n->simclock : NULL;
  if ((rc = mi_dds_node_create(&o, &n->node, err, err_sz)) != MI_OK) goto fail_clock;
  mi_dds_sub_opts so = {.on_sample = on_command__mi_cb, .user = n};
  if ((rc = mi_dds_pub_create_std(n->node, MI_TOPIC_JOINT_STATES, &n->js_pub)) != MI_OK ||
      (rc = mi_dds_pub_create_std(n->node, MI_TOPIC_PART_POSES, &n->parts_pub)) != MI_OK ||
      (rc = mi_dds_pub_create_std(n->node, MI_TOPIC_WRENCH, &n->wrench_pub)) != MI_OK ||
      (rc = mi_dds_pub_create_std(n->node, MI_TOPIC_SAFETY_ZONE, &n->zone_pub)) != MI_OK ||
      (rc = mi_dds_pub_create_std(n->node, MI_TOPIC_CLOCK, &n->clock_pub)) != MI_OK ||
      (rc = mi_dds_pub_create_std(n->node, MI_TOPIC_SIM_STATUS, &n->status_pub)) != MI_OK ||
      (rc = mi_dds_sub_create_std(n->node, MI_TOPIC_JOINT_COMMANDS, &so, &n->cmd_sub)) != MI_OK) {
    snprintf(err, err_sz, "cannot create the sim's topics: %s", mi_status_str(rc));
    goto fail_node;
  }
  n->status_period_ns = mi_ns_from_s(1.0 / p->status_hz);
  publish_counters(n);
  *out = n;
  return MI_OK;

fail_node:
  mi_dds_node_destroy(n->node);
fail_clock:
  mi_simclock_destroy(n->simclock);
fail_queue:
  mi_spsc_destroy(&n->cmds);
fail_cell:
  mi_sim_cell_destroy(n->cell);
fail_model:
  mi_wm_model_free(n->model);
fail_mu:
  pthread_mutex_destroy(&n->snap_mu);
fail_free:
  free(n);
  return rc;
}

typedef struct loop_arg {
  mi_sim_node *n;
  mi_status rc;
} loop_arg;

static void *loop_main(void *arg) {
  loop_arg *a = arg;
  mi_sim_node *n = a->n;
  mi_log_set_thread_name("sim");
  mi_sim_io io = node_io(n);
  a->rc = mi_sim_loop_run(n->cell, n->p.time_mode, n->p.real_time_factor,
                          mi_ns_from_s(n->p.duration_s), &io, &n->stop, &n->loop_stats);
  n->k.overruns = n->loop_stats.overruns;
  publish_status(n); /* the final counts */
  publish_counters(n);
  if (a->rc != MI_OK) MI_LOGE("sim loop stopped: %s", mi_status_str(a->rc));
  mi_dds_node_stop(n->node); /* done (duration) or failed: the executor returns too */
  return NULL;
}

static void log_summary(mi_sim_node *n) {
  mi_sim_node_counters k;
  mi_sim_node_counters_get(n, &k);
  const mi_sim_cmd_counters *g = &k.cell.commands;
  MI_LOGI("sim: done at t=%.3f s: %llu steps, published joint_states=%llu part_poses=%llu "
          "wrench=%llu safety_zone=%llu clock=%llu; commands accepted=%llu rejected=%llu "
          "(dds=%llu length=%llu nonfinite=%llu names=%llu future=%llu queue=%llu) "
          "watchdog_trips=%llu; parts spawned=%llu picked=%llu missed=%llu left=%llu; "
          "collisions=%llu; overruns=%llu",
          mi_s_from_ns(k.sim_time_ns), (unsigned long long)k.cell.steps,
          (unsigned long long)k.joint_states, (unsigned long long)k.part_poses,
          (unsigned long long)k.wrenches, (unsigned long long)k.zones,
          (unsigned long long)k.clocks, (unsigned long long)g->accepted,
          (unsigned long long)mi_sim_node_commands_rejected(&k),
          (unsigned long long)k.commands_rejected_dds, (unsigned long long)g->rejected_length,
          (unsigned long long)g->rejected_nonfinite, (unsigned long long)g->rejected_names,
          (unsigned long long)g->rejected_future, (unsigned long long)k.commands_queue_full,
          (unsigned long long)g->watchdog_trips, (unsigned long long)k.cell.parts_spawned,
          (unsigned long long)k.cell.parts_picked, (unsigned long long)k.cell.parts_missed,
          (unsigned long long)k.cell.parts_left, (unsigned long long)k.cell.collisions,
          (unsigned long long)k.overruns);
}

mi_status mi_sim_node_run(mi_sim_node *n) {
  atomic_store(&n->stop, false);
  pthread_t th;
  loop_arg a = {n, MI_OK};
  if (pthread_create(&th, NULL, loop_main, &a) != 0) return MI_ERR_STATE;
  mi_status rc = mi_dds_spin(n->node);
  atomic_store(&n->stop, true);
  pthread_join(th, NULL);
  log_summary(n);
  return a.rc != MI_OK ? a.rc : rc;
}

void mi_sim_node_stop(mi_sim_node *n) {
  atomic_store(&n->stop, true);
  mi_dds_node_stop(n->node);
}

mi_status mi_sim_node_spin_some(mi_sim_node *n, int64_t timeout_ns) {
  return mi_dds_spin_once(n->node, timeout_ns);
}

mi_status mi_sim_node_step(mi_sim_node *n) {
  if (!n->started) {
    int64_t t = mi_sim_cell_time_ns(n->cell);
    io_start(n, n->lockstep ? 0 : mi_clock_wall_ns() - t);
  }
  mi_sim_io io = node_io(n);
  mi_status rc = mi_sim_loop_step(n->cell, n->p.time_mode, n->stamp_base_ns, &io);
  publish_counters(n);
  return rc;
}

const mi_model *mi_sim_node_model(const mi_sim_node *n) { return n->model; }
mi_dds_node *mi_sim_node_dds(mi_sim_node *n) { return n->node; }

void mi_sim_node_destroy(mi_sim_node *n) {
  if (!n) return;
  mi_dds_node_destroy(n->node);
  mi_simclock_destroy(n->simclock);
  mi_spsc_destroy(&n->cmds);
  mi_sim_cell_destroy(n->cell);
  mi_wm_model_free(n->model);
  pthread_mutex_destroy(&n->snap_mu);
  free(n);
}

/* --- `mirai node sim` ---------------------------------------------------- */

static int usage(FILE *f, int code) {
  fprintf(f,
          "usage: mirai node sim --params FILE [-p name:=value ...]\n"
          "The simulated cell: the arm from model.urdf and the cell from model.cell (the\n"
          "predictor's files) in Bullet, plus plant-only effects. Publishes rt/joint_states,\n"
          "rt/part_poses, rt/wrench, rt/safety_zone (and rt/clock in lockstep); subscribes\n"
          "rt/joint_commands.\n\nparameters (node name `sim`):\n");
  mi_params_print_help(mi_sim_params_table(), f);
  return code;
}

int mi_node_main_sim(int argc, char **argv) {
  static mi_sim_params p;
  char err[512];
  const mi_param_table *t = mi_sim_params_table();
  if (mi_sim_params_defaults(&p, err, sizeof err) != MI_OK) {
    fprintf(stderr, "sim: %s\n", err);
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return usage(stdout, 0);
    if (!strcmp(argv[i], "--params-markdown")) { /* the README's reference */
      mi_params_print_markdown(mi_sim_params_table(), stdout);
      return 0;
    }
    if (!strcmp(argv[i], "--params") && i + 1 < argc) {
      if (mi_params_load_file(t, NULL, argv[++i], &p, err, sizeof err) != MI_OK) {
        fprintf(stderr, "sim: %s\n", err);
        return 2;
      }
    } else if (!strcmp(argv[i], "-p") && i + 1 < argc) {
      char *kv = argv[++i], *sep = strstr(kv, ":=");
      if (!sep) {
        fprintf(stderr, "sim: -p wants name:=value, got '%s'\n", kv);
        return 2;
      }
      *sep = '\0';
      mi_status st = mi_params_set(t, &p, kv, sep + 2, err, sizeof err);
      *sep = ':';
      if (st != MI_OK) {
        fprintf(stderr, "sim: %s\n", err);
        return 2;
      }
    } else {
      fprintf(stderr, "sim: unknown argument '%s'\n", argv[i]);
      return usage(stderr, 2);
    }
  }
  mi_log_set_thread_name("sim");
  mi_sim_node *n = NULL;
  if (mi_sim_node_create(&p, &n, err, sizeof err) != MI_OK) {
    fprintf(stderr, "sim: %s\n", err);
    return 1;
  }
  mi_dds_install_signal_handlers();
  mi_status rc = mi_sim_node_run(n);
  mi_sim_node_destroy(n);
  return rc == MI_OK ? 0 : 1;
}
