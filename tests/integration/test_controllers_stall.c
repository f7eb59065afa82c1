/* tests/integration/test_controllers_stall.c - the controller node over
 * loopback DDS (domain 50): a plan publisher that stalls drives the
 * published status RUN -> DEGRADED -> SAFE_STOP at the plan budgets, and
 * fresh plans bring RUN back after the settle time. Joint commands flow. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "controllers/node.h"
#include "core/clock.h"
#include "dds/node.h"

#define MS 1000000LL

typedef struct probe {
  int64_t first_ns[3]; /* first time each state was seen after `armed_ns` */
  int64_t armed_ns;
  int last_state;
  uint64_t statuses, commands;
  uint32_t hist_len;
  char stop_reason[192]; /* the reason published with the first SAFE_STOP */
} probe;

static void on_status(const mi_msg_controller_status *m, const mi_dds_sample_info *info,
                      void *user) {
  probe *p = user;
  p->statuses++;
  p->last_state = m->state;
  p->hist_len = m->latency_histogram._length;
  if (m->state < 3 && info->recv_mono_ns >= p->armed_ns && p->first_ns[m->state] < 0) {
    p->first_ns[m->state] = info->recv_mono_ns;
    if (m->state == MI_CTRL_STATE_SAFE_STOP)
      snprintf(p->stop_reason, sizeof p->stop_reason, "%s", m->reason);
  }
}
MI_DDS_TYPED_CB(on_status, mi_msg_controller_status);

static void on_cmd(const mi_msg_joint_state *m, const mi_dds_sample_info *info, void *user) {
  (void)info;
  probe *p = user;
  if (m->position._length == 3) p->commands++;
}
MI_DDS_TYPED_CB(on_cmd, mi_msg_joint_state);

static void *spin_controller(void *arg) {
  mi_ctrl_node_spin(arg);
  return NULL;
}

static char *k_names[3] = {"shoulder_pan", "shoulder_lift", "elbow"};
static double k_q[3] = {0.0, 0.1, 0.2};

static void publish_inputs(mi_dds_pub *js_pub, mi_dds_pub *zone_pub, mi_dds_pub *plan_pub,
                           mi_dds_node *tn, bool zone, bool plan) {
  mi_msg_joint_state js;
  mi_msg_init(MI_MSG_JOINT_STATE, &js);
  js.header = mi_dds_node_header(tn, "");
  static double zero[3];
  js.name = MI_MSG_SEQ(__typeof__(js.name), k_names, 3);
  js.position = MI_MSG_SEQ(__typeof__(js.position), k_q, 3);
  js.velocity = MI_MSG_SEQ(__typeof__(js.velocity), zero, 3);
  js.effort = MI_MSG_SEQ(__typeof__(js.effort), zero, 3);
  MI_DDS_PUBLISH(js_pub, &js);
  if (zone) {
    mi_msg_zone_status z;
    mi_msg_init(MI_MSG_ZONE_STATUS, &z);
    z.header = mi_dds_node_header(tn, "");
    z.occupied = false;
    z.speed_scale = 1.0;
    MI_DDS_PUBLISH(zone_pub, &z);
  }
  if (plan) {
    /* hold where we are for 200 ms; stamp 0: start on arrival */
    static mi_msg_joint_trajectory_point pts[11];
    for (int k = 0; k < 11; k++) {
      mi_msg_init(MI_MSG_JOINT_TRAJECTORY_POINT, &pts[k]);
      pts[k].positions = MI_MSG_SEQ(__typeof__(pts[k].positions), k_q, 3);
      pts[k].time_from_start.sec = 0;
      pts[k].time_from_start.nanosec = (uint32_t)(k * 20 * MS);
    }
    mi_msg_joint_trajectory tr;
    mi_msg_init(MI_MSG_JOINT_TRAJECTORY, &tr);
    tr.joint_names = MI_MSG_SEQ(__typeof__(tr.joint_names), k_names, 3);
    tr.points = MI_MSG_SEQ(__typeof__(tr.points), pts, 11);
    MI_DDS_PUBLISH(plan_pub, &tr);
  }
}

static void test_stall_over_dds(void **state) {
  (void)state;
  char err[256];
  static mi_ctrl_params p;
  assert_int_equal(mi_params_defaults(mi_ctrl_param_table(), &p, err, sizeof err), MI_OK);
  p.dds.domain_id = 50;
  p.law = MI_CTRL_LAW_PD;
  p.rate_hz = 500.0;
  p.plan_late_ms = 100;
  p.plan_expired_ms = 300;
  p.joint_states_late_ms = 100; /* a loaded 2-core machine; the plan is under test */
  p.joint_states_expired_ms = 2000;
  p.settle_time = 0.3;
  p.rt_priority = 0;
  p.rt_lock_memory = false;
  mi_ctrl_node *cn = NULL;
  assert_int_equal(mi_ctrl_node_create(&p, NULL, &cn, err, sizeof err), MI_OK);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, spin_controller, cn), 0);

  /* the test's own node: the plant, the zone, the planner, and a probe */
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "stall_test");
  o.dds.domain_id = 50;
  mi_dds_node *tn = NULL;
  assert_int_equal(mi_dds_node_create(&o, &tn, err, sizeof err), MI_OK);
  mi_dds_pub *js_pub, *zone_pub, *plan_pub;
  assert_int_equal(mi_dds_pub_create_std(tn, MI_TOPIC_JOINT_STATES, &js_pub), MI_OK);
  assert_int_equal(mi_dds_pub_create_std(tn, MI_TOPIC_SAFETY_ZONE, &zone_pub), MI_OK);
  assert_int_equal(mi_dds_pub_create_std(tn, MI_TOPIC_PLAN, &plan_pub), MI_OK);
  static probe pr;
  memset(&pr, 0, sizeof pr);
  pr.last_state = -1;
  for (int i = 0; i < 3; i++) pr.first_ns[i] = -1;
  mi_dds_sub_opts so = {.on_sample = on_status__mi_cb, .user = &pr};
  mi_dds_sub *st_sub, *cmd_sub;
  assert_int_equal(mi_dds_sub_create_std(tn, MI_TOPIC_CONTROLLER_STATUS, &so, &st_sub), MI_OK);
  so.on_sample = on_cmd__mi_cb;
  assert_int_equal(mi_dds_sub_create_std(tn, MI_TOPIC_JOINT_COMMANDS, &so, &cmd_sub), MI_OK);
  mi_dds_pub_wait_matched(plan_pub, 1, 3000 * MS);

  /* phase 1: everything fresh until RUN is reported */
  int64_t t0 = mi_clock_mono_ns();
  int64_t next_js = t0, next_zone = t0, next_plan = t0;
  int64_t t_stall = -1, t_last_plan = -1, t_stalled = -1, t_resume = -1;
  int phase = 0;
  while (mi_clock_mono_ns() - t0 < 20000 * MS && phase < 4) {
    int64_t now = mi_clock_mono_ns();
    bool send_plan = phase != 2 && now >= next_plan;
    bool zone = now >= next_zone;
    if (now >= next_js || zone || send_plan) {
      publish_inputs(js_pub, zone_pub, plan_pub, tn, zone, send_plan);
      next_js = now + 2 * MS;
      if (zone) next_zone = now + 50 * MS;
      if (send_plan) {
        next_plan = now + 20 * MS;
        t_last_plan = now;
      }
    }
    mi_dds_spin_once(tn, 1 * MS);
    if (phase == 0 && pr.last_state == MI_CTRL_STATE_RUN) {
      /* RUN: let it run a little, then the planner stalls */
      phase = 1;
      t_stall = mi_clock_mono_ns() + 200 * MS;
    } else if (phase == 1 && mi_clock_mono_ns() >= t_stall) {
      phase = 2;
      t_stalled = t_last_plan;
      pr.armed_ns = mi_clock_mono_ns();
      for (int i = 0; i < 3; i++) pr.first_ns[i] = -1;
    } else if (phase == 2 && pr.first_ns[MI_CTRL_STATE_SAFE_STOP] > 0 &&
               mi_clock_mono_ns() > pr.first_ns[MI_CTRL_STATE_SAFE_STOP] + 200 * MS) {
      /* the planner comes back */
      phase = 3;
      t_resume = mi_clock_mono_ns();
      pr.first_ns[MI_CTRL_STATE_RUN] = -1;
    } else if (phase == 3 && pr.first_ns[MI_CTRL_STATE_RUN] > 0) {
      phase = 4;
    }
  }
  mi_ctrl_node_stop(cn);
  pthread_join(th, NULL);

  int64_t deg = pr.first_ns[MI_CTRL_STATE_DEGRADED], stop = pr.first_ns[MI_CTRL_STATE_SAFE_STOP];
  /* the status says why it stopped: the plan input */
  if (!strstr(pr.stop_reason, "plan")) {
    print_error("SAFE_STOP reason '%s' does not name the plan input\n", pr.stop_reason);
    fail();
  }
  int64_t run = pr.first_ns[MI_CTRL_STATE_RUN];
  fprintf(stderr, "# degraded after %.1f ms, safe stop after %.1f ms, run again %.1f ms after resume\n",
          (double)(deg - t_stalled) / 1e6, (double)(stop - t_stalled) / 1e6,
          (double)(run - t_resume) / 1e6);
  assert_int_equal(phase, 4);
  /* the budgets (100 ms late, 300 ms expired) measured from the last plan
   * sent; the upper slack covers the status period (20 ms), one loop period
   * and DDS delivery on a loaded machine */
  assert_true(deg >= t_stalled + 100 * MS);
  assert_true(deg <= t_stalled + 100 * MS + 150 * MS);
  assert_true(stop >= t_stalled + 300 * MS);
  assert_true(stop <= t_stalled + 300 * MS + 150 * MS);
  assert_true(stop > deg);
  /* RUN again only after the settle time (0.3 s) of fresh plans */
  assert_true(run >= t_resume + 300 * MS);
  assert_true(run <= t_resume + 300 * MS + 500 * MS);
  assert_true(pr.commands > 100);
  assert_true(pr.statuses > 10);
  assert_true(pr.hist_len > 0);

  mi_dds_node_destroy(tn);
  mi_ctrl_node_destroy(cn);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stall_over_dds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
