/* tests/integration/test_sim_node.c - the sim node on DDS, in lockstep
 * driven by the test (domains 70 and 72): the test steps the node
 * (mi_sim_node_step) and, between steps, lets its commands arrive and its
 * recorder node take every sample the step published, so the run does not
 * depend on thread timing.
 *
 *  - the streams of two runs with the same seed (noise, camera latency and
 *    dropout, parts on the belt, a person in the zone, commands incl.
 *    malformed ones, a watchdog trip) are identical, sample for sample, as
 *    received over DDS; a third run with another seed differs;
 *  - what a subscriber receives: the model's joint names, one rt/clock per
 *    step before that step's joint state (stamped with sim time), part poses,
 *    the cell's zone with speed_scale;
 *  - malformed commands are rejected and counted by reason (NaN and arrays
 *    that do not match the names at the DDS boundary, unknown names and a
 *    length that does not match the model in the cell's gate), good ones are
 *    applied (the arm holds where effort = gravity says). */
#define _GNU_SOURCE
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"
#include "dds/node.h"
#include "sim/node.h"

#define DATA MIRAI_SOURCE_DIR "/tests/data/"
#define STEPS 400

typedef struct recorder recorder;
typedef struct topic_rx {
  recorder *r;
  const char *tag;
  mi_msg_type type;
  uint64_t n;
  FILE *f; /* this topic's samples as YAML, in arrival order */
  char *text;
  size_t len;
} topic_rx;

enum { RX_CLOCK, RX_JS, RX_PARTS, RX_WRENCH, RX_ZONE, RX_COUNT };

struct recorder {
  topic_rx rx[RX_COUNT];
  /* what the checks look at */
  int64_t last_clock_ns;
  bool clock_per_step;    /* clock k reads k ms */
  bool js_stamp_is_clock; /* joint state k is stamped k ms (sim time) */
  bool names_ok;
  char names[7][MI_WM_NAME_MAX];
  uint32_t max_parts;
  uint64_t zone_occupied, zone_free;
  bool zone_fields_ok;
  double q_last[7];
};

static void on_any(const void *msg, const mi_dds_sample_info *info, void *user) {
  (void)info;
  topic_rx *t = user;
  recorder *r = t->r;
  uint64_t k = t->n++;
  fprintf(t->f, "---\n");
  mi_msg_print_yaml(t->type, msg, t->f, 0);
  switch (t->type) {
    case MI_MSG_CLOCK:
      r->last_clock_ns = mi_msg_time_to_ns(&((const mi_msg_clock *)msg)->clock);
      if (r->last_clock_ns != (int64_t)k * MI_NS_PER_MS) r->clock_per_step = false;
      break;
    case MI_MSG_JOINT_STATE: {
      const mi_msg_joint_state *js = msg;
      if (mi_msg_time_to_ns(&js->header.stamp) != (int64_t)k * MI_NS_PER_MS)
        r->js_stamp_is_clock = false;
      if (js->name._length != 7 || js->position._length != 7) {
        r->names_ok = false;
        break;
      }
      for (int i = 0; i < 7; i++) {
        if (strcmp(js->name._buffer[i], r->names[i]) != 0) r->names_ok = false;
        r->q_last[i] = js->position._buffer[i];
      }
      break;
    }
    case MI_MSG_POSE_ARRAY: {
      const mi_msg_pose_array *pa = msg;
      if (pa->poses._length > r->max_parts) r->max_parts = pa->poses._length;
      break;
    }
    case MI_MSG_ZONE_STATUS: {
      const mi_msg_zone_status *z = msg;
      if (z->occupied)
        r->zone_occupied++;
      else
        r->zone_free++;
      if (strcmp(z->zone_id, "operator") != 0 || z->speed_scale != (z->occupied ? 0.25 : 1.0))
        r->zone_fields_ok = false;
      break;
    }
    default:
      break;
  }
}

static const mi_topic k_topics[RX_COUNT] = {MI_TOPIC_CLOCK, MI_TOPIC_JOINT_STATES,
                                            MI_TOPIC_PART_POSES, MI_TOPIC_WRENCH,
                                            MI_TOPIC_SAFETY_ZONE};
static const char *const k_tags[RX_COUNT] = {"clock", "joint_states", "part_poses", "wrench",
                                             "safety_zone"};

static void params_for(mi_sim_params *p, int64_t seed, int domain) {
  char err[256];
  assert_int_equal(mi_sim_params_defaults(p, err, sizeof err), MI_OK);
  snprintf(p->urdf, sizeof p->urdf, "%s", DATA "wm_arm7.urdf");
  snprintf(p->cell, sizeof p->cell, "%s", DATA "wm_cell.cell.yaml");
  p->seed = seed;
  p->time_mode = MI_SIM_TIME_LOCKSTEP;
  p->dds.domain_id = domain;
  p->noise_joint_pos = 1e-3;
  p->noise_joint_vel = 1e-2;
  p->noise_wrench_force = 0.5;
  p->noise_part_pos = 2e-3;
  p->dropout_part_poses = 0.2;
  p->part_poses_hz = 100;
  p->latency_part_poses_ms = 20;
  p->latency_part_poses_jitter_ms = 4;
  p->parts_first_s = 0.02;
  p->parts_interval_s = 0.1;
  p->safety_zone_hz = 100;
  p->zone_occupied_speed_scale = 0.25;
  p->watchdog_timeout_ms = 30;
  double enter[1] = {0.15}, leave[1] = {0.25};
  p->person_enter_s.n = 1;
  p->person_enter_s.v[0] = enter[0];
  p->person_leave_s.n = 1;
  p->person_leave_s.v[0] = leave[0];
}

/* spin the sim node until its DDS node has taken `want` command samples */
static void wait_commands(mi_sim_node *sim, uint64_t want) {
  mi_dds_counters c = {0};
  int64_t end = mi_clock_mono_ns() + 5 * MI_NS_PER_S;
  while (mi_clock_mono_ns() < end) {
    mi_dds_node_counters(mi_sim_node_dds(sim), &c);
    if (c.in + c.rejected >= want) return;
    mi_sim_node_spin_some(sim, 2 * MI_NS_PER_MS);
  }
  fail_msg("the sim node took %llu of %llu commands", (unsigned long long)(c.in + c.rejected),
           (unsigned long long)want);
}

/* spin the recorder until it has every sample the sim published */
static void wait_recorded(mi_dds_node *rn, recorder *r, mi_sim_node *sim) {
  mi_sim_node_counters k;
  mi_sim_node_counters_get(sim, &k);
  const uint64_t want[RX_COUNT] = {k.clocks, k.joint_states, k.part_poses, k.wrenches, k.zones};
  int64_t end = mi_clock_mono_ns() + 5 * MI_NS_PER_S;
  for (;;) {
    bool all = true;
    for (int i = 0; i < RX_COUNT; i++) all &= r->rx[i].n >= want[i];
    if (all) return;
    if (mi_clock_mono_ns() > end) {
      for (int i = 0; i < RX_COUNT; i++)
        if (r->rx[i].n < want[i])
          fail_msg("%s: received %llu of %llu", k_tags[i], (unsigned long long)r->rx[i].n,
                   (unsigned long long)want[i]);
    }
    mi_dds_spin_once(rn, 2 * MI_NS_PER_MS);
  }
}

typedef struct run_result {
  recorder r;
  mi_sim_node_counters k;
} run_result;

/* gravity torques that hold wm_arm7 at q = 0 come from the plant's own
 * answer: effort commands equal to what the hold servo applied */
static void publish_cmd(mi_dds_pub *pub, int64_t stamp_ns, int n_names, char **names, int n_eff,
                        double *eff) {
  mi_msg_joint_state js;
  mi_msg_init(MI_MSG_JOINT_STATE, &js);
  js.header.stamp = mi_msg_time_from_ns(stamp_ns);
  js.name = MI_MSG_SEQ(__typeof__(js.name), names, n_names);
  js.effort = MI_MSG_SEQ(__typeof__(js.effort), eff, n_eff);
  assert_int_equal(MI_DDS_PUBLISH(pub, &js), MI_OK);
}

static void run_once(int64_t seed, int domain, run_result *out) {
  memset(out, 0, sizeof *out);
  recorder *r = &out->r;
  mi_sim_params p;
  params_for(&p, seed, domain);
  char err[512] = "";
  mi_sim_node *sim = NULL;
  mi_status st = mi_sim_node_create(&p, &sim, err, sizeof err);
  if (st != MI_OK) fail_msg("sim node: %s", err);
  const mi_model *m = mi_sim_node_model(sim);
  for (int i = 0; i < 7; i++) snprintf(r->names[i], sizeof r->names[i], "%s", m->joint[m->dof_joint[i]].name);

  /* the recorder and the commander: another node on the same domain */
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "recorder");
  o.dds.domain_id = domain;
  mi_dds_node *rn = NULL;
  assert_int_equal(mi_dds_node_create(&o, &rn, err, sizeof err), MI_OK);
  r->clock_per_step = r->js_stamp_is_clock = r->names_ok = r->zone_fields_ok = true;
  r->last_clock_ns = -1;
  for (int i = 0; i < RX_COUNT; i++) {
    r->rx[i] = (topic_rx){r, k_tags[i], mi_topic_info_of(k_topics[i])->type, 0, NULL, NULL, 0};
    r->rx[i].f = open_memstream(&r->rx[i].text, &r->rx[i].len);
    mi_dds_sub_opts so = {.on_sample = on_any, .user = &r->rx[i]};
    mi_dds_sub *sub;
    assert_int_equal(mi_dds_sub_create_std(rn, k_topics[i], &so, &sub), MI_OK);
  }
  mi_dds_pub *cmd;
  assert_int_equal(mi_dds_pub_create_std(rn, MI_TOPIC_JOINT_COMMANDS, &cmd), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(cmd, 1, 5 * MI_NS_PER_S), MI_OK);

  char *names[7], *bad_names[7], *short_names[2];
  for (int i = 0; i < 7; i++) names[i] = bad_names[i] = r->names[i];
  bad_names[3] = "joint_four";
  short_names[0] = names[0];
  short_names[1] = names[1];
  double eff[7] = {0}, nan_eff[7] = {0};
  nan_eff[2] = NAN;
  uint64_t sent = 0;
  for (int k = 0; k < STEPS; k++) {
    int64_t t = (int64_t)k * MI_NS_PER_MS;
    /* commands between steps 20 and 200 every 5 ms (then the watchdog
     * trips), four malformed ones in between */
    if (k >= 20 && k < 200 && k % 5 == 0) {
      for (int i = 0; i < 7; i++) eff[i] = 2.0 * sin(0.01 * k + i);
      if (k == 50) {
        publish_cmd(cmd, t, 7, names, 7, nan_eff); /* NaN: DDS boundary */
      } else if (k == 60) {
        publish_cmd(cmd, t, 7, bad_names, 7, eff); /* unknown name: the gate */
      } else if (k == 70) {
        publish_cmd(cmd, t, 2, short_names, 2, eff); /* 2 of 7 joints: the gate */
      } else if (k == 80) {
        publish_cmd(cmd, t, 7, names, 3, eff); /* 3 efforts for 7 names: DDS boundary */
      } else {
        publish_cmd(cmd, t, 7, names, 7, eff);
      }
      wait_commands(sim, ++sent);
    }
    assert_int_equal(mi_sim_node_step(sim), MI_OK);
    wait_recorded(rn, r, sim);
  }
  mi_sim_node_counters_get(sim, &out->k);
  for (int i = 0; i < RX_COUNT; i++) fclose(r->rx[i].f);
  mi_dds_node_destroy(rn);
  mi_sim_node_destroy(sim);
}

static void test_lockstep_streams_repeat_over_dds(void **state) {
  (void)state;
  run_result *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b), *c = calloc(1, sizeof *c);
  run_once(7, 70, a);
  run_once(7, 70, b);
  run_once(8, 72, c);

  /* what a subscriber sees */
  const recorder *r = &a->r;
  assert_int_equal(r->rx[RX_CLOCK].n, STEPS);
  assert_int_equal(r->rx[RX_JS].n, STEPS); /* 1 kHz = every physics step */
  assert_int_equal(r->rx[RX_WRENCH].n, STEPS);
  assert_true(r->rx[RX_ZONE].n >= STEPS / 10 - 1);
  assert_true(r->rx[RX_PARTS].n > 20); /* 100 Hz minus dropout, after 20 ms latency */
  assert_true(r->names_ok);
  assert_true(r->clock_per_step);
  assert_true(r->js_stamp_is_clock);
  assert_int_equal(r->last_clock_ns, (STEPS - 1) * MI_NS_PER_MS);
  assert_true(r->max_parts >= 2); /* parts arrive every 0.1 s */
  assert_true(r->zone_fields_ok);
  assert_true(r->zone_occupied >= 8 && r->zone_occupied <= 12); /* 0.15..0.25 s at 100 Hz */
  assert_true(r->zone_free > 20);

  /* commands: 36 sent, 4 malformed, each counted where it was caught */
  const mi_sim_node_counters *k = &a->k;
  const mi_sim_cmd_counters *g = &k->cell.commands;
  print_message("commands: accepted %llu, rejected at DDS %llu, names %llu, length %llu, "
                "watchdog trips %llu\n",
                (unsigned long long)g->accepted, (unsigned long long)k->commands_rejected_dds,
                (unsigned long long)g->rejected_names, (unsigned long long)g->rejected_length,
                (unsigned long long)g->watchdog_trips);
  assert_int_equal(k->commands_rejected_dds, 2);
  assert_int_equal(g->rejected_names, 1);
  assert_int_equal(g->rejected_length, 1);
  assert_int_equal(g->rejected_nonfinite, 0); /* NaN never got past DDS */
  assert_int_equal(g->accepted, 36 - 4);
  assert_int_equal(mi_sim_node_commands_rejected(k), 4);
  assert_int_equal(g->watchdog_trips, 1);
  assert_int_equal(k->cell.steps, STEPS);

  /* same seed: every topic's stream identical, byte for byte; another
   * seed: the noisy ones differ, the clock does not */
  for (int i = 0; i < RX_COUNT; i++) {
    const topic_rx *x = &a->r.rx[i], *y = &b->r.rx[i], *z = &c->r.rx[i];
    print_message("%-12s %4llu samples, %7zu bytes of YAML: same seed %s, other seed %s\n", x->tag,
                  (unsigned long long)x->n, x->len,
                  x->len == y->len && !memcmp(x->text, y->text, x->len) ? "identical" : "DIFFERENT",
                  x->len == z->len && !memcmp(x->text, z->text, x->len) ? "identical" : "different");
    assert_int_equal(x->n, y->n);
    assert_int_equal(x->len, y->len);
    assert_memory_equal(x->text, y->text, x->len);
    bool same_c = x->len == z->len && !memcmp(x->text, z->text, x->len);
    if (i == RX_CLOCK || i == RX_ZONE)
      assert_true(same_c); /* no noise in time or the person's schedule */
    else
      assert_false(same_c);
  }
  for (int i = 0; i < RX_COUNT; i++) {
    free(a->r.rx[i].text);
    free(b->r.rx[i].text);
    free(c->r.rx[i].text);
  }
  free(a);
  free(b);
  free(c);
}

/* position commands over DDS reach the joint servo: the arm goes to the
 * commanded pose and holds it (domain 74) */
static void test_position_commands_move_the_arm(void **state) {
  (void)state;
  mi_sim_params p;
  params_for(&p, 1, 74);
  p.noise_joint_pos = p.noise_joint_vel = 0;
  p.person_enter_s.n = p.person_leave_s.n = 0;
  p.position_kp.n = p.position_kd.n = 1;
  p.position_kp.v[0] = 3000;
  p.position_kd.v[0] = 60;
  p.watchdog_timeout_ms = 100;
  char err[512] = "";
  mi_sim_node *sim = NULL;
  if (mi_sim_node_create(&p, &sim, err, sizeof err) != MI_OK) fail_msg("sim node: %s", err);
  recorder *r = calloc(1, sizeof *r);
  r->names_ok = true;
  for (int i = 0; i < 7; i++) snprintf(r->names[i], sizeof r->names[i], "joint%d", i + 1);
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "commander");
  o.dds.domain_id = 74;
  mi_dds_node *rn = NULL;
  assert_int_equal(mi_dds_node_create(&o, &rn, err, sizeof err), MI_OK);
  r->rx[RX_JS] = (topic_rx){r, "joint_states", MI_MSG_JOINT_STATE, 0, NULL, NULL, 0};
  r->rx[RX_JS].f = open_memstream(&r->rx[RX_JS].text, &r->rx[RX_JS].len);
  mi_dds_sub_opts so = {.on_sample = on_any, .user = &r->rx[RX_JS]};
  mi_dds_sub *sub;
  assert_int_equal(mi_dds_sub_create_std(rn, MI_TOPIC_JOINT_STATES, &so, &sub), MI_OK);
  mi_dds_pub *cmd;
  assert_int_equal(mi_dds_pub_create_std(rn, MI_TOPIC_JOINT_COMMANDS, &cmd), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(cmd, 1, 5 * MI_NS_PER_S), MI_OK);

  /* the target, sent in reverse joint order: names are mapped */
  double target[7] = {0.2, 0.3, -0.1, -1.5, 0.1, 1.6, 0.4};
  char *names[7];
  double pos[7], vel[7] = {0};
  for (int i = 0; i < 7; i++) {
    names[i] = r->names[6 - i];
    pos[i] = target[6 - i];
  }
  uint64_t sent = 0;
  for (int k = 0; k < 1500; k++) {
    if (k % 20 == 0) {
      mi_msg_joint_state js;
      mi_msg_init(MI_MSG_JOINT_STATE, &js);
      js.header.stamp = mi_msg_time_from_ns((int64_t)k * MI_NS_PER_MS);
      js.name = MI_MSG_SEQ(__typeof__(js.name), names, 7);
      js.position = MI_MSG_SEQ(__typeof__(js.position), pos, 7);
      js.velocity = MI_MSG_SEQ(__typeof__(js.velocity), vel, 7);
      assert_int_equal(MI_DDS_PUBLISH(cmd, &js), MI_OK);
      wait_commands(sim, ++sent);
    }
    assert_int_equal(mi_sim_node_step(sim), MI_OK);
  }
  /* the last joint state */
  int64_t end = mi_clock_mono_ns() + 2 * MI_NS_PER_S;
  while (r->rx[RX_JS].n == 0 && mi_clock_mono_ns() < end) mi_dds_spin_once(rn, 5 * MI_NS_PER_MS);
  assert_true(r->rx[RX_JS].n > 0);
  assert_true(r->names_ok);
  double worst = 0;
  for (int i = 0; i < 7; i++) worst = fmax(worst, fabs(r->q_last[i] - target[i]));
  mi_sim_node_counters k;
  mi_sim_node_counters_get(sim, &k);
  print_message("position commands: %llu accepted, worst joint error after 1.5 s %.4f rad\n",
                (unsigned long long)k.cell.commands.accepted, worst);
  assert_int_equal(k.cell.commands.accepted, 75);
  assert_int_equal(k.cell.commands.watchdog_trips, 0);
  assert_true(worst < 0.05); /* PD against gravity: a small steady-state sag */
  fclose(r->rx[RX_JS].f);
  free(r->rx[RX_JS].text);
  free(r);
  mi_dds_node_destroy(rn);
  mi_sim_node_destroy(sim);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lockstep_streams_repeat_over_dds),
      cmocka_unit_test(test_position_commands_move_the_arm),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
