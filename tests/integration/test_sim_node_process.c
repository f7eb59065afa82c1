/* tests/integration/test_sim_node_process.c - `mirai node sim` in its own
 * process, over the default loopback DDS config (domains 71, 73):
 *  - --help prints the params table; a missing URDF is a clear error;
 *  - lockstep at real-time factor 1: a subscriber in this process receives
 *    rt/joint_states at about 1 kHz with the model's joint names, stamped on
 *    the sim time of rt/clock, part poses and the zone; malformed commands
 *    are rejected and counted in the node's exit summary; SIGINT ends it
 *    cleanly (exit 0);
 *  - real time: stamps on wall time, and a command stamped with wall time
 *    now is accepted while one stamped 0.5 s ahead is rejected as future. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "dds/node.h"
#include "tests/support/test_support.h"

#define MIRAI MIRAI_BINARY_DIR "/launch/mirai"
#define MS MI_NS_PER_MS

/* run mirai with args from the source dir; its stdout+stderr into out */
static int run_capture(char *const argv[], char *out, size_t out_sz) {
  int fd;
  pid_t pid = mi_test_spawn(MIRAI, argv, MIRAI_SOURCE_DIR, &fd);
  return mi_test_finish(pid, fd, out, out_sz);
}

static void test_help_and_errors(void **state) {
  (void)state;
  static char out[65536];
  char *help[] = {"mirai", "node", "sim", "--help", NULL};
  assert_int_equal(run_capture(help, out, sizeof out), 0);
  assert_non_null(strstr(out, "model.urdf"));
  assert_non_null(strstr(out, "time.mode"));
  assert_non_null(strstr(out, "zone.occupied_speed_scale"));
  assert_non_null(strstr(out, "rt/joint_commands"));
  char *nourdf[] = {"mirai", "node", "sim", "-p", "dds.domain_id:=73", NULL};
  assert_int_equal(run_capture(nourdf, out, sizeof out), 1);
  assert_non_null(strstr(out, "model.urdf is required"));
  char *badcell[] = {"mirai", "node", "sim", "--params", "tests/data/sim_node.yaml", "-p",
                     "model.cell:=tests/data/wm_bad/bad_key.cell.yaml", "-p",
                     "dds.domain_id:=73", NULL};
  assert_int_equal(run_capture(badcell, out, sizeof out), 1);
  assert_non_null(strstr(out, "bad_key.cell.yaml:")); /* file:line:col from the loader */
}

typedef struct probe {
  uint64_t js, parts, clocks, zones;
  int64_t last_clock_ns, last_js_stamp_ns, last_js_wall_ns;
  int64_t max_js_clock_gap_ns;
  bool names_ok;
  uint32_t max_parts;
  char names[7][24]; /* "joint%d" of any int fits (-O1 format checks) */
} probe;

static void on_js(const mi_msg_joint_state *m, const mi_dds_sample_info *info, void *user) {
  (void)info;
  probe *p = user;
  p->js++;
  p->last_js_stamp_ns = mi_msg_time_to_ns(&m->header.stamp);
  p->last_js_wall_ns = mi_clock_wall_ns();
  if (p->clocks > 0) {
    int64_t gap = llabs(p->last_js_stamp_ns - p->last_clock_ns);
    if (gap > p->max_js_clock_gap_ns) p->max_js_clock_gap_ns = gap;
  }
  if (m->name._length != 7) {
    p->names_ok = false;
    return;
  }
  for (int i = 0; i < 7; i++)
    if (strcmp(m->name._buffer[i], p->names[i]) != 0) p->names_ok = false;
}
MI_DDS_TYPED_CB(on_js, mi_msg_joint_state);

static void on_parts(const mi_msg_pose_array *m, const mi_dds_sample_info *info, void *user) {
  (void)info;
  probe *p = user;
  p->parts++;
  if (m->poses._length > p->max_parts) p->max_parts = m->poses._length;
}
MI_DDS_TYPED_CB(on_parts, mi_msg_pose_array);

static void on_clock(const mi_msg_clock *m, const mi_dds_sample_info *info, void *user) {
  (void)info;
  probe *p = user;
  p->clocks++;
  p->last_clock_ns = mi_msg_time_to_ns(&m->clock);
}
MI_DDS_TYPED_CB(on_clock, mi_msg_clock);

static void on_zone(const mi_msg_zone_status *m, const mi_dds_sample_info *info, void *user) {
  (void)info;
  probe *p = user;
  if (!strcmp(m->zone_id, "operator")) p->zones++;
}
MI_DDS_TYPED_CB(on_zone, mi_msg_zone_status);

typedef struct child {
  pid_t pid;
  int fd; /* its stdout+stderr */
} child;

static child start_sim(const char *mode, const char *domain) {
  char m[64], d[64];
  snprintf(m, sizeof m, "time.mode:=%s", mode);
  snprintf(d, sizeof d, "dds.domain_id:=%s", domain);
  char *argv[] = {"mirai", "node", "sim", "--params", "tests/data/sim_node.yaml",
                  "-p", m, "-p", d, NULL};
  child c;
  c.pid = mi_test_spawn(MIRAI, argv, MIRAI_SOURCE_DIR, &c.fd);
  return c;
}

/* SIGINT, then its exit status and everything it printed */
static int stop_sim(child c, char *out, size_t out_sz) {
  kill(c.pid, SIGINT);
  return mi_test_finish(c.pid, c.fd, out, out_sz);
}

static void publish_cmd(mi_dds_pub *pub, int64_t stamp_ns, char **names, double *eff) {
  mi_msg_joint_state js;
  mi_msg_init(MI_MSG_JOINT_STATE, &js);
  js.header.stamp = mi_msg_time_from_ns(stamp_ns);
  js.name = MI_MSG_SEQ(__typeof__(js.name), names, 7);
  js.effort = MI_MSG_SEQ(__typeof__(js.effort), eff, 7);
  assert_int_equal(MI_DDS_PUBLISH(pub, &js), MI_OK);
  /* command QoS is keep-last 1: the next write would replace this one, in the
   * writer until acked and in the sim's reader until its executor takes it,
   * so give the sim time to take it (it polls every step, 1 ms) */
  assert_int_equal(mi_dds_pub_wait_acked(pub, 5 * MI_NS_PER_S), MI_OK);
  mi_clock_sleep_ns(100 * MI_NS_PER_MS);
}

static mi_dds_node *make_probe(int domain, probe *p, mi_dds_pub **cmd) {
  char err[256];
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "probe");
  o.dds.domain_id = domain;
  mi_dds_node *n = NULL;
  assert_int_equal(mi_dds_node_create(&o, &n, err, sizeof err), MI_OK);
  memset(p, 0, sizeof *p);
  p->names_ok = true;
  for (int i = 0; i < 7; i++) snprintf(p->names[i], sizeof p->names[i], "joint%d", i + 1);
  mi_dds_sub *s;
  assert_int_equal(MI_DDS_SUBSCRIBE(n, "/joint_states", MI_QOS_SENSOR, on_js, p, &s), MI_OK);
  assert_int_equal(MI_DDS_SUBSCRIBE(n, "/part_poses", MI_QOS_SENSOR, on_parts, p, &s), MI_OK);
  assert_int_equal(MI_DDS_SUBSCRIBE(n, "/clock", MI_QOS_CLOCK, on_clock, p, &s), MI_OK);
  assert_int_equal(MI_DDS_SUBSCRIBE(n, "/safety_zone", MI_QOS_STATE, on_zone, p, &s), MI_OK);
  assert_int_equal(mi_dds_pub_create_std(n, MI_TOPIC_JOINT_COMMANDS, cmd), MI_OK);
  return n;
}

static void spin_for(mi_dds_node *n, int64_t dur_ns) {
  int64_t end = mi_clock_mono_ns() + dur_ns;
  while (mi_clock_mono_ns() < end) mi_dds_spin_once(n, 5 * MS);
}

static void test_lockstep_cell_over_loopback(void **state) {
  (void)state;
  probe p;
  mi_dds_pub *cmd;
  mi_dds_node *n = make_probe(71, &p, &cmd);
  child c = start_sim("lockstep", "71");
  /* the first joint state, once the process is up and discovered */
  int64_t end = mi_clock_mono_ns() + 20 * MI_NS_PER_S;
  while (p.js < 10 && mi_clock_mono_ns() < end) mi_dds_spin_once(n, 10 * MS);
  assert_true(p.js >= 10);
  /* the rate over one second */
  uint64_t js0 = p.js, cl0 = p.clocks;
  int64_t t0 = mi_clock_mono_ns(), s0 = p.last_js_stamp_ns;
  spin_for(n, MI_NS_PER_S);
  double secs = (double)(mi_clock_mono_ns() - t0) / 1e9;
  double js_hz = (double)(p.js - js0) / secs, clock_hz = (double)(p.clocks - cl0) / secs;
  /* sim seconds per wall second, from the stamps (what the sim published;
   * the received rate also counts best-effort samples this reader missed) */
  double rtf = (double)(p.last_js_stamp_ns - s0) / 1e9 / secs;
  print_message("lockstep, real-time factor 1: received rt/joint_states %.0f Hz, rt/clock %.0f "
                "Hz (set 1000), sim time ran at %.3f x wall time; part poses %llu (up to %u "
                "parts), zone %llu, js stamp vs clock <= %.1f ms\n",
                js_hz, clock_hz, rtf, (unsigned long long)p.parts, p.max_parts,
                (unsigned long long)p.zones, (double)p.max_js_clock_gap_ns / 1e6);
  assert_true(rtf > 0.8 && rtf < 1.2);
  assert_true(js_hz > 500 && js_hz < 1150);
  assert_true(clock_hz > 500 && clock_hz < 1150);
  assert_true(p.names_ok);
  assert_true(p.parts > 10);
  assert_true(p.max_parts >= 1);
  assert_true(p.zones >= 5);
  /* stamped on sim time: within a few steps of rt/clock (not wall time) */
  assert_true(p.max_js_clock_gap_ns <= 20 * MS);
  assert_true(p.last_js_stamp_ns < 100 * MI_NS_PER_S);

  /* malformed commands: one NaN (DDS boundary), one unknown name (gate) */
  assert_int_equal(mi_dds_pub_wait_matched(cmd, 1, 5 * MI_NS_PER_S), MI_OK);
  char *names[7] = {"joint1", "joint2", "joint3", "joint4", "joint5", "joint6", "joint7"};
  char *bad[7] = {"joint1", "joint2", "joint3", "wrist", "joint5", "joint6", "joint7"};
  double eff[7] = {0}, nan_eff[7] = {0, 0, NAN, 0, 0, 0, 0};
  publish_cmd(cmd, p.last_clock_ns, names, nan_eff);
  publish_cmd(cmd, p.last_clock_ns, bad, eff);
  publish_cmd(cmd, p.last_clock_ns, names, eff);
  spin_for(n, 200 * MS);

  static char out[1 << 16];
  int rc = stop_sim(c, out, sizeof out);
  const char *sum = strstr(out, "sim: done at");
  if (rc != 0 || !sum) fail_msg("exit %d, output:\n%s", rc, out);
  print_message("%s", sum);
  assert_non_null(strstr(sum, "accepted=1 rejected=2 (dds=1 length=0 nonfinite=0 names=1"));
  mi_dds_node_destroy(n);
}

static void test_realtime_stamps_on_wall_time(void **state) {
  (void)state;
  probe p;
  mi_dds_pub *cmd;
  mi_dds_node *n = make_probe(73, &p, &cmd);
  child c = start_sim("realtime", "73");
  int64_t end = mi_clock_mono_ns() + 20 * MI_NS_PER_S;
  while (p.js < 10 && mi_clock_mono_ns() < end) mi_dds_spin_once(n, 10 * MS);
  assert_true(p.js >= 10);
  uint64_t js0 = p.js;
  int64_t t0 = mi_clock_mono_ns();
  spin_for(n, 500 * MS);
  double js_hz = (double)(p.js - js0) / ((double)(mi_clock_mono_ns() - t0) / 1e9);
  int64_t lag = p.last_js_wall_ns - p.last_js_stamp_ns;
  print_message("real time: rt/joint_states %.0f Hz, stamp %.2f ms behind wall time, %llu clocks\n",
                js_hz, (double)lag / 1e6, (unsigned long long)p.clocks);
  assert_true(js_hz > 500 && js_hz < 1150);
  assert_true(lag > -5 * MS && lag < 200 * MS);
  assert_int_equal(p.clocks, 0); /* no rt/clock in real time */

  /* a command stamped now is accepted; one 0.5 s ahead is from the future */
  assert_int_equal(mi_dds_pub_wait_matched(cmd, 1, 5 * MI_NS_PER_S), MI_OK);
  char *names[7] = {"joint1", "joint2", "joint3", "joint4", "joint5", "joint6", "joint7"};
  double eff[7] = {0};
  publish_cmd(cmd, mi_clock_wall_ns(), names, eff);
  publish_cmd(cmd, mi_clock_wall_ns() + 500 * MS, names, eff);
  spin_for(n, 200 * MS);
  static char out[1 << 16];
  int rc = stop_sim(c, out, sizeof out);
  const char *sum = strstr(out, "sim: done at");
  if (rc != 0 || !sum) fail_msg("exit %d, output:\n%s", rc, out);
  print_message("%s", sum);
  assert_non_null(strstr(sum, "accepted=1 rejected=1 (dds=0 length=0 nonfinite=0 names=0 future=1"));
  mi_dds_node_destroy(n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_help_and_errors),
      cmocka_unit_test(test_lockstep_cell_over_loopback),
      cmocka_unit_test(test_realtime_stamps_on_wall_time),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
