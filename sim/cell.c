/* sim/cell.c - the simulated cell: physics, sensors, schedules, commands. */
#include "sim/cell.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "sim/schedule.h"
#include "sim/sensors.h"

/* a sensor's sampling schedule */
typedef struct sensor_clock {
  int64_t period_ns, next_ns;
  uint64_t k; /* samples taken: the noise draw index */
} sensor_clock;

typedef struct part_rec {
  bool active;
  int handle;
  uint32_t id;
  int kind;
  int64_t off_belt_ns; /* when it left the belt; -1 while on it */
  double half_h;       /* m: the grasp point is this far along the part's +z */
  bool resolved;       /* counted as missed (left the belt unpicked) */
  bool too_fast;       /* counted in grasps_too_fast */
} part_rec;

/* an (arm link, other body) pair in contact; a < b */
typedef struct contact_pair {
  int a, b;
  int64_t last_ns; /* the last step it touched */
} contact_pair;

/* a pair that stops touching for less than this and touches again is the
 * same contact (Bullet's manifolds flicker on a resting or sliding contact) */
#define CONTACT_RELEASE_NS (100 * MI_NS_PER_MS)

#define MI_SIM_CONTACT_BUF 512

struct mi_sim_cell {
  mi_sim_cell_desc d;
  mi_sim_params p;
  mi_bt_world *w;
  mi_philox_key key;
  int n;
  const char *names[MI_SIM_MAX_JOINTS];
  int64_t dt_ns, t_ns;
  double tool_mass; /* true mass of the tool link, kg */
  mi_vec3 tool_com; /* in the tool link frame */

  mi_sim_cmd_gate gate;
  mi_sim_cmd_mode last_mode;
  double q_hold[MI_SIM_MAX_JOINTS];
  double hold_kp[MI_SIM_MAX_JOINTS], hold_kd[MI_SIM_MAX_JOINTS];
  double pos_kp[MI_SIM_MAX_JOINTS], pos_kd[MI_SIM_MAX_JOINTS];

  mi_sim_arrivals arrivals;
  mi_sim_person person;
  int conveyor_handle;
  part_rec parts[MI_SIM_MAX_PARTS];

  /* the gripper: the tool point at the last step (for its velocity) */
  mi_vec3 tool_prev;
  bool have_tool_prev;
  int grasped_now[MI_SIM_MAX_PARTS]; /* handles grasped in this step */
  int n_grasped_now;
  /* contacts */
  mi_bt_contact contacts[MI_SIM_CONTACT_BUF];
  contact_pair pairs[MI_SIM_MAX_CONTACT_PAIRS];
  int n_pairs;

  sensor_clock sc_joint, sc_parts, sc_wrench, sc_zone;
  mi_sim_delay dl_joint, dl_parts, dl_wrench, dl_zone;
  mi_sim_noise nz_q, nz_qd, nz_tau, nz_ppos, nz_prot, nz_force, nz_torque;
  mi_sim_cell_stats stats;
};

static void sensor_clock_init(sensor_clock *s, double hz) {
  s->period_ns = mi_ns_from_s(1.0 / hz);
  s->next_ns = 0;
  s->k = 0;
}

/* true (and advances) when the sensor samples at t */
static bool sensor_due(sensor_clock *s, int64_t t) {
  if (t < s->next_ns) return false;
  s->next_ns += s->period_ns;
  if (s->next_ns <= t) s->next_ns = t + s->period_ns; /* never burst */
  return true;
}

static size_t delay_capacity(double latency_ms, double hz) {
  return (size_t)ceil(latency_ms * 1e-3 * hz) + 4;
}

static mi_status fail(char *err, size_t err_sz, mi_status st, const char *msg) {
  if (err && err_sz) snprintf(err, err_sz, "sim cell: %s", msg);
  return st;
}

mi_status mi_sim_cell_create(const mi_sim_cell_desc *d, const mi_sim_params *p,
                             mi_sim_cell **out, char *err, size_t err_sz) {
  if (!d || !p || !out) return fail(err, err_sz, MI_ERR_INVALID, "NULL argument");
  if (d->n_joints < 1 || d->n_joints > MI_SIM_MAX_JOINTS)
    return fail(err, err_sz, MI_ERR_INVALID, "the arm needs 1..32 moving joints");
  if (d->tool_link < 0 || d->tool_link >= d->arm.n_links)
    return fail(err, err_sz, MI_ERR_INVALID, "tool_link is not a link of the arm");
  if (p->person_enter_s.n != p->person_leave_s.n)
    return fail(err, err_sz, MI_ERR_INVALID, "person.enter_s and person.leave_s differ in length");
  mi_sim_cell *c = calloc(1, sizeof(*c));
  if (!c) return MI_ERR_NOMEM;
  c->d = *d;
  c->p = *p;
  c->key = mi_philox_key_from_seed((uint64_t)p->seed);
  c->n = d->n_joints;
  c->dt_ns = mi_ns_from_s(1.0 / p->physics_hz);
  c->conveyor_handle = -1;
  for (int i = 0; i < c->n; i++) c->names[i] = c->d.joint_names[i];
  mi_status st;

  /* the plant's arm: the model plus what the model does not know */
  mi_bt_arm_desc arm = d->arm;
  int j = 0;
  for (int i = 0; i < arm.n_links; i++) {
    if (arm.links[i].type == MI_BT_JOINT_FIXED) continue;
    arm.links[i].friction += mi_sim_param_per_joint(&p->joint_friction_nm, j, 0.0);
    j++;
  }
  mi_bt_link_desc *tool = &arm.links[d->tool_link];
  if (tool->mass + p->payload_mass_error_kg <= 0) {
    free(c);
    return fail(err, err_sz, MI_ERR_INVALID, "plant.payload_mass_error_kg leaves the tool massless");
  }
  tool->mass += p->payload_mass_error_kg;
  c->tool_mass = tool->mass;
  c->tool_com = tool->com;

  st = mi_bt_create(d->gravity, 1.0 / p->physics_hz, &c->w);
  if (st != MI_OK) goto fail_free;
  st = mi_bt_add_arm(c->w, &arm);
  if (st != MI_OK || mi_bt_arm_dofs(c->w) != c->n) {
    fail(err, err_sz, MI_ERR_INVALID, "the arm description is invalid or its joint count differs");
    st = MI_ERR_INVALID;
    goto fail_world;
  }
  if (p->initial_q.n > 0) {
    double q0[MI_SIM_MAX_JOINTS];
    for (int i = 0; i < c->n; i++) q0[i] = mi_sim_param_per_joint(&p->initial_q, i, 0.0);
    if (p->initial_q.n != 1 && p->initial_q.n != c->n) {
      fail(err, err_sz, MI_ERR_INVALID, "plant.initial_q needs one value per joint");
      st = MI_ERR_INVALID;
      goto fail_world;
    }
    mi_bt_set_joint_state(c->w, q0, NULL);
  }
  for (int i = 0; i < d->n_fixtures; i++) {
    int h;
    if ((st = mi_bt_add_body(c->w, &d->fixtures[i], &h)) != MI_OK) {
      fail(err, err_sz, st, "a fixture is invalid");
      goto fail_world;
    }
    /* the base's own spheres and the links jointed to it overlap by design */
    for (int l = 0; d->fixture_on_base[i] && l < arm.n_links; l++)
      if (arm.links[l].parent < 0) (void)mi_bt_ignore_pair(c->w, h, MI_BT_LINK_HANDLE(l));
  }
  if (d->has_conveyor) {
    mi_vec3 dir = mi_quat_rotate(d->conveyor_pose.q, mi_vec3_make(1, 0, 0));
    st = mi_bt_add_conveyor(c->w, d->conveyor_pose, d->conveyor_half, dir, d->conveyor_speed,
                            d->conveyor_friction, &c->conveyor_handle);
    if (st != MI_OK) {
      fail(err, err_sz, st, "the conveyor is invalid");
      goto fail_world;
    }
  }
  for (int i = 0; i < c->n; i++) {
    c->hold_kp[i] = mi_sim_param_per_joint(&p->hold_kp, i, 0.0);
    c->hold_kd[i] = mi_sim_param_per_joint(&p->hold_kd, i, 0.0);
    c->pos_kp[i] = mi_sim_param_per_joint(&p->position_kp, i, 0.0);
    c->pos_kd[i] = mi_sim_param_per_joint(&p->position_kd, i, 0.0);
  }

  /* commands, schedules, sensors */
  st = mi_sim_cmd_gate_init(&c->gate, c->n, c->names, mi_ns_from_s(p->watchdog_timeout_ms * 1e-3),
                            mi_ns_from_s(p->future_tolerance_ms * 1e-3));
  if (st != MI_OK) goto fail_world;
  st = mi_sim_arrivals_init(&c->arrivals, (uint64_t)p->seed, mi_ns_from_s(p->parts_first_s),
                            mi_ns_from_s(p->parts_interval_s), p->parts_jitter,
                            d->n_part_kinds > 0 ? d->n_part_kinds : 1, p->parts_lateral_m);
  if (st != MI_OK) goto fail_world;
  st = mi_sim_person_init(&c->person, p->person_enter_s.v, p->person_enter_s.n,
                          p->person_leave_s.v, p->person_leave_s.n);
  if (st != MI_OK) {
    fail(err, err_sz, st, "person windows: each leave_s must follow its enter_s");
    goto fail_world;
  }
  sensor_clock_init(&c->sc_joint, p->joint_states_hz);
  sensor_clock_init(&c->sc_parts, p->part_poses_hz);
  sensor_clock_init(&c->sc_wrench, p->wrench_hz);
  sensor_clock_init(&c->sc_zone, p->safety_zone_hz);
  double jl = p->latency_part_poses_ms + p->latency_part_poses_jitter_ms;
  if ((st = mi_sim_delay_init(&c->dl_joint, sizeof(mi_sim_joint_sample),
                              delay_capacity(p->latency_joint_states_ms, p->joint_states_hz),
                              mi_ns_from_s(p->latency_joint_states_ms * 1e-3), 0, 1)) != MI_OK ||
      (st = mi_sim_delay_init(&c->dl_parts, sizeof(mi_sim_parts_sample),
                              delay_capacity(jl, p->part_poses_hz),
                              mi_ns_from_s(p->latency_part_poses_ms * 1e-3),
                              mi_ns_from_s(p->latency_part_poses_jitter_ms * 1e-3), 2)) != MI_OK ||
      (st = mi_sim_delay_init(&c->dl_wrench, sizeof(mi_sim_wrench_sample), 4, 0, 0, 3)) != MI_OK ||
      (st = mi_sim_delay_init(&c->dl_zone, sizeof(mi_sim_zone_sample), 4, 0, 0, 4)) != MI_OK)
    goto fail_delay;
  c->nz_q = (mi_sim_noise){p->noise_joint_pos, p->noise_joint_pos_bias};
  c->nz_qd = (mi_sim_noise){p->noise_joint_vel, 0};
  c->nz_tau = (mi_sim_noise){p->noise_joint_effort, 0};
  c->nz_ppos = (mi_sim_noise){p->noise_part_pos, 0};
  c->nz_prot = (mi_sim_noise){p->noise_part_rot, 0};
  c->nz_force = (mi_sim_noise){p->noise_wrench_force, 0};
  c->nz_torque = (mi_sim_noise){p->noise_wrench_torque, 0};
  *out = c;
  return MI_OK;

fail_delay:
  mi_sim_delay_free(&c->dl_joint);
  mi_sim_delay_free(&c->dl_parts);
  mi_sim_delay_free(&c->dl_wrench);
  mi_sim_delay_free(&c->dl_zone);
fail_world:
  mi_bt_destroy(c->w);
fail_free:
  free(c);
  return st;
}

void mi_sim_cell_destroy(mi_sim_cell *c) {
  if (!c) return;
  mi_sim_delay_free(&c->dl_joint);
  mi_sim_delay_free(&c->dl_parts);
  mi_sim_delay_free(&c->dl_wrench);
  mi_sim_delay_free(&c->dl_zone);
  mi_bt_destroy(c->w);
  free(c);
}

mi_status mi_sim_cell_command(mi_sim_cell *c, const mi_sim_cmd_in *cmd) {
  return mi_sim_cmd_submit(&c->gate, cmd, c->t_ns);
}

/* a part arrives at the belt's start */
static void spawn_part(mi_sim_cell *c, const mi_sim_arrival *a) {
  int slot = -1, active = 0;
  for (int i = 0; i < MI_SIM_MAX_PARTS; i++) {
    if (c->parts[i].active)
      active++;
    else if (slot < 0)
      slot = i;
  }
  if (!c->d.has_conveyor || c->d.n_part_kinds < 1 || slot < 0 || active >= c->p.parts_max) {
    c->stats.parts_skipped++;
    return;
  }
  const mi_sim_part_kind *k = &c->d.part_kinds[a->kind];
  double half_h = k->shape == MI_BT_SPHERE ? k->size.x : k->size.z;
  double half_l = k->size.x;
  mi_pose local = mi_pose_identity();
  local.p = mi_vec3_make(-c->d.conveyor_half.x + half_l + 0.01, a->lateral,
                         c->d.conveyor_half.z + half_h + 0.001);
  mi_bt_body_desc b;
  memset(&b, 0, sizeof(b));
  b.shape = k->shape;
  b.size = k->size;
  b.mass = k->mass;
  b.pose = mi_pose_mul(c->d.conveyor_pose, local);
  b.friction = 0.8;
  int h;
  if (mi_bt_add_body(c->w, &b, &h) != MI_OK) {
    c->stats.parts_skipped++;
    return;
  }
  c->parts[slot] = (part_rec){true, h, (uint32_t)a->index, a->kind, -1, half_h, false, false};
  c->stats.parts_spawned++;
}

/* parts leave the cell when they fell far below or past the belt's end, or
 * parts.linger_s after they left the belt (on the floor, say: someone picks
 * them up) */
static void retire_parts(mi_sim_cell *c) {
  mi_pose inv = mi_pose_inverse(c->d.conveyor_pose);
  const mi_vec3 h = c->d.conveyor_half;
  const int64_t linger_ns = mi_ns_from_s(c->p.parts_linger_s);
  for (int i = 0; i < MI_SIM_MAX_PARTS; i++) {
    part_rec *r = &c->parts[i];
    if (!r->active) continue;
    mi_pose pp;
    if (mi_bt_get_pose(c->w, r->handle, &pp, NULL) != MI_OK) continue;
    mi_vec3 l = mi_pose_apply(inv, pp.p);
    bool on_belt = fabs(l.x) <= h.x && fabs(l.y) <= h.y && l.z >= h.z;
    if (on_belt)
      r->off_belt_ns = -1;
    else if (r->off_belt_ns < 0)
      r->off_belt_ns = c->t_ns;
    if (!on_belt && !r->resolved) {
      r->resolved = true; /* a part leaves the belt once: missed */
      c->stats.parts_missed++;
    }
    if (l.z < -h.z - 0.5 || l.x > h.x + 1.0 ||
        (r->off_belt_ns >= 0 && c->t_ns - r->off_belt_ns >= linger_ns)) {
      mi_bt_remove_body(c->w, r->handle);
      r->active = false;
      c->stats.parts_left++;
    }
  }
}

static void actuate(mi_sim_cell *c, mi_sim_cmd_mode mode) {
  double zero[MI_SIM_MAX_JOINTS] = {0};
  /* before the first command a robot stands on its brakes: the sim holds
   * the start pose (a controller whose discovery takes a while, as under DDS
   * Security, would otherwise find the arm lying on the belt) */
  if (mode == MI_SIM_CMD_NONE && c->p.hold_before_first) mode = MI_SIM_CMD_HOLD;
  mi_sim_cmd_gate *g = &c->gate;
  /* gravity compensation in the servo: on hold and for position-only
   * commands; a command with effort carries its own (the controller's PD +
   * gravity law), so adding the plant's would count it twice */
  mi_bt_set_gravity_compensation(c->w, c->p.gravity_comp &&
                                           (mode == MI_SIM_CMD_HOLD || !g->has_effort));
  if (mode == MI_SIM_CMD_HOLD) {
    if (c->last_mode != MI_SIM_CMD_HOLD) mi_bt_get_joint_state(c->w, c->q_hold, NULL, NULL);
    mi_bt_set_position_targets(c->w, c->q_hold, NULL, c->hold_kp, c->hold_kd);
  } else if (mode == MI_SIM_CMD_ACTIVE) {
    if (g->has_position)
      mi_bt_set_position_targets(c->w, g->position, g->has_velocity ? g->velocity : NULL,
                                 c->pos_kp, c->pos_kd);
    else
      mi_bt_clear_position_targets(c->w);
    mi_bt_set_joint_torques(c->w, g->has_effort ? g->effort : zero);
  } else {
    mi_bt_clear_position_targets(c->w); /* passive: no command yet */
  }
  c->last_mode = mode;
}

static void sample_joints(mi_sim_cell *c) {
  uint64_t k = c->sc_joint.k++;
  if (mi_sim_dropped(c->p.dropout_joint_states, c->key, 1, k)) {
    c->stats.joint_states_dropped++;
    return;
  }
  mi_sim_joint_sample s;
  memset(&s, 0, sizeof(s));
  s.stamp_ns = c->t_ns;
  s.n = c->n;
  mi_bt_get_joint_state(c->w, s.position, s.velocity, s.effort);
  mi_sim_noise_apply(&c->nz_q, c->key, MI_SIM_STREAM_JOINT_POS, k, 0, s.position, c->n);
  mi_sim_noise_apply(&c->nz_qd, c->key, MI_SIM_STREAM_JOINT_VEL, k, 0, s.velocity, c->n);
  mi_sim_noise_apply(&c->nz_tau, c->key, MI_SIM_STREAM_JOINT_EFFORT, k, 0, s.effort, c->n);
  mi_sim_delay_push(&c->dl_joint, c->key, c->t_ns, &s);
}

static void sample_parts(mi_sim_cell *c) {
  uint64_t k = c->sc_parts.k++;
  if (mi_sim_dropped(c->p.dropout_part_poses, c->key, 2, k)) {
    c->stats.part_poses_dropped++;
    return;
  }
  mi_sim_parts_sample s;
  memset(&s, 0, sizeof(s));
  s.stamp_ns = c->t_ns;
  for (int i = 0; i < MI_SIM_MAX_PARTS; i++) {
    const part_rec *r = &c->parts[i];
    if (!r->active) continue;
    mi_pose pp;
    if (mi_bt_get_pose(c->w, r->handle, &pp, NULL) != MI_OK) continue;
    /* 3 position and 3 rotation channels per part slot */
    double dp[3] = {0, 0, 0}, dr[3] = {0, 0, 0};
    mi_sim_noise_apply(&c->nz_ppos, c->key, MI_SIM_STREAM_PART_POS, k, (uint32_t)(3 * i), dp, 3);
    mi_sim_noise_apply(&c->nz_prot, c->key, MI_SIM_STREAM_PART_ROT, k, (uint32_t)(3 * i), dr, 3);
    pp.p = mi_vec3_add(pp.p, mi_vec3_make(dp[0], dp[1], dp[2]));
    mi_vec3 rv = mi_vec3_make(dr[0], dr[1], dr[2]);
    double ang = mi_vec3_norm(rv);
    if (ang > 0) pp.q = mi_quat_normalize(mi_quat_mul(mi_quat_from_axis_angle(rv, ang), pp.q));
    s.id[s.n] = r->id;
    s.kind[s.n] = r->kind;
    s.pose[s.n] = pp;
    s.n++;
  }
  mi_sim_delay_push(&c->dl_parts, c->key, c->t_ns, &s);
}

static void sample_wrench(mi_sim_cell *c) {
  uint64_t k = c->sc_wrench.k++;
  mi_sim_wrench_sample s;
  memset(&s, 0, sizeof(s));
  s.stamp_ns = c->t_ns;
  mi_bt_get_link_contact_wrench(c->w, c->d.tool_link, &s.force, &s.torque);
  /* the payload's weight, hanging at the tool COM */
  mi_pose tp;
  mi_bt_get_pose(c->w, MI_BT_LINK_HANDLE(c->d.tool_link), &tp, NULL);
  mi_vec3 wgt = mi_vec3_scale(c->d.gravity, c->tool_mass);
  mi_vec3 arm = mi_quat_rotate(tp.q, c->tool_com);
  s.force = mi_vec3_add(s.force, wgt);
  s.torque = mi_vec3_add(s.torque, mi_vec3_cross(arm, wgt));
  double f[3] = {s.force.x, s.force.y, s.force.z}, t[3] = {s.torque.x, s.torque.y, s.torque.z};
  mi_sim_noise_apply(&c->nz_force, c->key, MI_SIM_STREAM_WRENCH, k, 0, f, 3);
  mi_sim_noise_apply(&c->nz_torque, c->key, MI_SIM_STREAM_WRENCH, k, 3, t, 3);
  s.force = mi_vec3_make(f[0], f[1], f[2]);
  s.torque = mi_vec3_make(t[0], t[1], t[2]);
  mi_sim_delay_push(&c->dl_wrench, c->key, c->t_ns, &s);
}

static void sample_zone(mi_sim_cell *c) {
  c->sc_zone.k++;
  mi_sim_zone_sample s;
  memset(&s, 0, sizeof(s)); /* padding too: recorded streams compare bytewise */
  s.stamp_ns = c->t_ns;
  s.person = mi_sim_person_in_zone(&c->person, c->t_ns);
  /* objects in the zone box: parts that left the belt and wandered in */
  if (c->d.has_zone) {
    for (int i = 0; i < MI_SIM_MAX_PARTS; i++) {
      const part_rec *r = &c->parts[i];
      mi_pose pp;
      if (!r->active || mi_bt_get_pose(c->w, r->handle, &pp, NULL) != MI_OK) continue;
      if (pp.p.x >= c->d.zone_min.x && pp.p.x <= c->d.zone_max.x && pp.p.y >= c->d.zone_min.y &&
          pp.p.y <= c->d.zone_max.y && pp.p.z >= c->d.zone_min.z && pp.p.z <= c->d.zone_max.z)
        s.objects++;
    }
  }
  s.occupied = s.person || s.objects > 0;
  mi_sim_delay_push(&c->dl_zone, c->key, c->t_ns, &s);
}

mi_vec3 mi_sim_cell_tool_point(const mi_sim_cell *c) {
  mi_pose tp;
  if (mi_bt_get_pose(c->w, MI_BT_LINK_HANDLE(c->d.tool_link), &tp, NULL) != MI_OK)
    return mi_vec3_make(0, 0, 0);
  return mi_pose_apply(tp, c->d.tool_point);
}

static mi_vec3 grasp_point(const part_rec *r, const mi_pose *pp) {
  return mi_vec3_add(pp->p, mi_quat_rotate(pp->q, mi_vec3_make(0, 0, r->half_h)));
}

/* the suction gripper (cell.h): parts on the belt whose grasp point is
 * within the radius of the tool point at a low relative speed are picked */
static void grasp(mi_sim_cell *c) {
  c->n_grasped_now = 0;
  mi_vec3 tool = mi_sim_cell_tool_point(c);
  mi_vec3 tool_v = mi_vec3_make(0, 0, 0);
  if (c->have_tool_prev)
    tool_v = mi_vec3_scale(mi_vec3_sub(tool, c->tool_prev), 1.0 / mi_s_from_ns(c->dt_ns));
  c->tool_prev = tool;
  c->have_tool_prev = true;
  if (!(c->p.grasp_radius_m > 0.0)) return;
  for (int i = 0; i < MI_SIM_MAX_PARTS; i++) {
    part_rec *r = &c->parts[i];
    if (!r->active || r->resolved) continue;
    mi_pose pp;
    mi_vec3 pv;
    if (mi_bt_get_pose(c->w, r->handle, &pp, &pv) != MI_OK) continue;
    if (mi_vec3_norm(mi_vec3_sub(grasp_point(r, &pp), tool)) > c->p.grasp_radius_m) continue;
    if (mi_vec3_norm(mi_vec3_sub(tool_v, pv)) >= c->p.grasp_speed_mps) {
      if (!r->too_fast) c->stats.grasps_too_fast++;
      r->too_fast = true;
      continue;
    }
    c->grasped_now[c->n_grasped_now++] = r->handle;
    mi_bt_remove_body(c->w, r->handle);
    r->active = false;
    c->stats.parts_picked++;
  }
}

static bool grasped_now(const mi_sim_cell *c, int h) {
  for (int i = 0; i < c->n_grasped_now; i++)
    if (c->grasped_now[i] == h) return true;
  return false;
}

static contact_pair *pair_find(mi_sim_cell *c, int a, int b) {
  for (int i = 0; i < c->n_pairs; i++)
    if (c->pairs[i].a == a && c->pairs[i].b == b) return &c->pairs[i];
  return NULL;
}

/* contact onsets between an arm link and anything else (cell.h) */
static void count_contacts(mi_sim_cell *c) {
  int total = mi_bt_get_contacts(c->w, c->contacts, MI_SIM_CONTACT_BUF);
  if (total > MI_SIM_CONTACT_BUF) total = MI_SIM_CONTACT_BUF;
  const int tool_h = MI_BT_LINK_HANDLE(c->d.tool_link);
  const int64_t t = c->t_ns;
  uint32_t now = 0;
  for (int i = 0; i < total; i++) {
    const mi_bt_contact *k = &c->contacts[i];
    if (!MI_BT_HANDLE_IS_LINK(k->a) && !MI_BT_HANDLE_IS_LINK(k->b)) continue;
    int a = k->a < k->b ? k->a : k->b, b = k->a < k->b ? k->b : k->a;
    /* the grasp: the tool link on the part it picks in this step */
    if ((a == tool_h && grasped_now(c, b)) || (b == tool_h && grasped_now(c, a))) continue;
    contact_pair *p = pair_find(c, a, b);
    if (p) {
      if (p->last_ns != t) now++;
      p->last_ns = t;
      continue;
    }
    c->stats.collisions++; /* an onset */
    now++;
    if (c->n_pairs < MI_SIM_MAX_CONTACT_PAIRS)
      c->pairs[c->n_pairs++] = (contact_pair){a, b, t};
    /* else untracked: it counts as an onset each step it touches, never lost */
  }
  /* pairs apart for the release time are over */
  for (int i = 0; i < c->n_pairs;)
    if (t - c->pairs[i].last_ns > CONTACT_RELEASE_NS)
      c->pairs[i] = c->pairs[--c->n_pairs];
    else
      i++;
  c->stats.contacts_now = now;
}

int mi_sim_cell_parts(const mi_sim_cell *c, mi_sim_part_state *out, int max) {
  int n = 0;
  for (int i = 0; i < MI_SIM_MAX_PARTS && n < max; i++) {
    const part_rec *r = &c->parts[i];
    mi_pose pp;
    mi_vec3 pv;
    if (!r->active || mi_bt_get_pose(c->w, r->handle, &pp, &pv) != MI_OK) continue;
    out[n++] = (mi_sim_part_state){r->id, r->kind, pp, pv, grasp_point(r, &pp)};
  }
  return n;
}

void mi_sim_cell_sense(mi_sim_cell *c) {
  /* the sensors see the state at t, before the step (the first at t = 0);
   * a sensor samples once per due time, so a second call at t does nothing */
  if (sensor_due(&c->sc_joint, c->t_ns)) sample_joints(c);
  if (sensor_due(&c->sc_wrench, c->t_ns)) sample_wrench(c);
  if (sensor_due(&c->sc_parts, c->t_ns)) sample_parts(c);
  if (sensor_due(&c->sc_zone, c->t_ns)) sample_zone(c);
}

mi_status mi_sim_cell_step(mi_sim_cell *c) {
  mi_sim_cell_sense(c);

  mi_sim_arrival a;
  while (mi_sim_arrivals_poll(&c->arrivals, c->t_ns, &a)) spawn_part(c, &a);
  actuate(c, mi_sim_cmd_poll(&c->gate, c->t_ns));
  mi_status st = mi_bt_step(c->w);
  if (st != MI_OK) return st;
  c->t_ns += c->dt_ns;
  c->stats.steps++;
  grasp(c);
  count_contacts(c);
  retire_parts(c);
  return MI_OK;
}

int64_t mi_sim_cell_time_ns(const mi_sim_cell *c) { return c->t_ns; }
int64_t mi_sim_cell_period_ns(const mi_sim_cell *c) { return c->dt_ns; }

bool mi_sim_cell_pop_joint_state(mi_sim_cell *c, mi_sim_joint_sample *out) {
  return mi_sim_delay_pop(&c->dl_joint, c->t_ns, out);
}
bool mi_sim_cell_pop_part_poses(mi_sim_cell *c, mi_sim_parts_sample *out) {
  return mi_sim_delay_pop(&c->dl_parts, c->t_ns, out);
}
bool mi_sim_cell_pop_wrench(mi_sim_cell *c, mi_sim_wrench_sample *out) {
  return mi_sim_delay_pop(&c->dl_wrench, c->t_ns, out);
}
bool mi_sim_cell_pop_zone(mi_sim_cell *c, mi_sim_zone_sample *out) {
  return mi_sim_delay_pop(&c->dl_zone, c->t_ns, out);
}

mi_sim_cell_stats mi_sim_cell_stats_get(const mi_sim_cell *c) {
  mi_sim_cell_stats s = c->stats;
  s.commands = c->gate.counters;
  return s;
}

const char *const *mi_sim_cell_joint_names(const mi_sim_cell *c) { return c->names; }
int mi_sim_cell_joints(const mi_sim_cell *c) { return c->n; }
mi_bt_world *mi_sim_cell_world(mi_sim_cell *c) { return c->w; }
const char *mi_sim_cell_zone_name(const mi_sim_cell *c) { return c->d.zone_name; }
