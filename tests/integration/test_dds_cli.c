/* tests/integration/test_dds_cli.c - `mirai topic` in another process
 * against nodes in this one, over the default loopback config: the two
 * processes find each other; echo prints a known sample as expected; pub
 * reaches a subscriber; a NaN and a length mismatch from another process are
 * rejected and counted; hz measures a rate; list shows topics and types;
 * SIGINT ends a command cleanly; bad input gives clear errors.
 * Domain ids 20-29. */
#define _GNU_SOURCE /* popen, unsetenv, kill */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "dds/node.h"
#include "tests/support/test_support.h"

#define MIRAI MIRAI_BINARY_DIR "/launch/mirai"

/* run a shell command, capture stdout (and stderr when err_too), return the
 * exit status */
static int run(const char *cmd, char *out, size_t out_sz) {
  return mi_test_shell(cmd, out, out_sz);
}

/* a publisher thread: the known JointState at 20 Hz until stopped */
typedef struct talker {
  mi_dds_pub *pub;
  mi_msg_type type;
  const void *msg;
  int64_t period_ns;
  volatile int stop;
} talker;

static void *talk(void *arg) {
  talker *t = arg;
  while (!t->stop) {
    mi_dds_publish(t->pub, t->msg);
    mi_clock_sleep_ns(t->period_ns);
  }
  return NULL;
}

static void test_echo_prints_known_sample(void **state) {
  (void)state;
  mi_dds_node *n = mi_test_node("talker", 20);
  mi_dds_pub *pub;
  assert_int_equal(mi_dds_pub_create_std(n, MI_TOPIC_JOINT_STATES, &pub), MI_OK);
  char *names[2] = {"shoulder", "elbow"};
  double q[2] = {0.25, -1.5}, v[2] = {0.0, 1e-3};
  mi_msg_joint_state js;
  mi_msg_init(MI_MSG_JOINT_STATE, &js);
  js.header.stamp = mi_msg_time_from_ns(1700000000 * MI_NS_PER_S + 42);
  js.header.frame_id = "base_link";
  js.name = MI_MSG_SEQ(dds_sequence_string, names, 2);
  js.position = MI_MSG_SEQ(dds_sequence_double, q, 2);
  js.velocity = MI_MSG_SEQ(dds_sequence_double, v, 2);
  talker t = {pub, MI_MSG_JOINT_STATE, &js, 50 * MI_NS_PER_MS, 0};
  pthread_t th;
  pthread_create(&th, NULL, talk, &t);
  char out[4096];
  int rc = run(MIRAI " topic echo /joint_states --once --domain 20 --timeout 5", out, sizeof out);
  t.stop = 1;
  pthread_join(th, NULL);
  assert_int_equal(rc, 0);
  assert_string_equal(out,
                      "header:\n"
                      "  stamp:\n"
                      "    sec: 1700000000\n"
                      "    nanosec: 42\n"
                      "  frame_id: base_link\n"
                      "name:\n"
                      "- shoulder\n"
                      "- elbow\n"
                      "position:\n"
                      "- 0.25\n"
                      "- -1.5\n"
                      "velocity:\n"
                      "- 0.0\n"
                      "- 0.001\n"
                      "effort: []\n"
                      "---\n");
  mi_dds_node_destroy(n);
}

typedef struct goal_rx {
  int n;
  double x, w;
  char frame[32];
} goal_rx;

static void on_goal(const mi_msg_pose_stamped *g, const mi_dds_sample_info *info, void *user) {
  (void)info;
  goal_rx *r = user;
  r->n++;
  r->x = g->pose.position.x;
  r->w = g->pose.orientation.w;
  snprintf(r->frame, sizeof r->frame, "%s", g->header.frame_id);
}
MI_DDS_TYPED_CB(on_goal, mi_msg_pose_stamped);

static void test_pub_reaches_subscriber(void **state) {
  (void)state;
  mi_dds_node *n = mi_test_node("listener", 21);
  goal_rx rx = {0};
  mi_dds_sub *sub;
  assert_int_equal(MI_DDS_SUBSCRIBE(n, "/goal", MI_QOS_COMMAND, on_goal, &rx, &sub), MI_OK);
  /* another process: mirai topic pub, spawned in the background */
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    execl(MIRAI, "mirai", "topic", "pub", "/goal", "geometry_msgs/msg/PoseStamped",
          "{header: {frame_id: world}, pose: {position: {x: 0.4, y: 0.1, z: 0.3}}}", "--once",
          "--domain", "21", "--timeout", "5", (char *)NULL);
    _exit(127);
  }
  int64_t end = mi_clock_mono_ns() + 10 * MI_NS_PER_S;
  while (rx.n == 0 && mi_clock_mono_ns() < end) mi_dds_spin_once(n, 50 * MI_NS_PER_MS);
  int st;
  waitpid(pid, &st, 0);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
  assert_int_equal(rx.n, 1);
  assert_true(rx.x == 0.4);
  assert_true(rx.w == 1.0);
  assert_string_equal(rx.frame, "world");
  /* the subscriber saw a writer of another process: it matched once */
  mi_dds_node_destroy(n);
}

static void count_cb(const void *m, const mi_dds_sample_info *i, void *u) {
  (void)m;
  (void)i;
  (*(int *)u)++;
}

/* mirai topic pub --unchecked in a child process; returns its pid */
static pid_t pub_unchecked(const char *domain, const char *yaml) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int fd = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    execl(MIRAI, "mirai", "topic", "pub", "/joint_commands", "sensor_msgs/msg/JointState", yaml,
          "--once", "--unchecked", "--domain", domain, "--timeout", "5", (char *)NULL);
    _exit(127);
  }
  return pid;
}

static void wait_ok(pid_t pid) {
  int st;
  waitpid(pid, &st, 0);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_rejected_and_counted(void **state) {
  (void)state;
  mi_dds_node *n = mi_test_node("guarded", 23);
  int got = 0;
  mi_dds_sub *sub;
  assert_int_equal(mi_dds_sub_create_std(n, MI_TOPIC_JOINT_COMMANDS,
                                         &(mi_dds_sub_opts){.on_sample = count_cb, .user = &got},
                                         &sub),
                   MI_OK);
  const char *bad[2] = {"{name: [a, b], position: [1.0, .nan]}",
                        "{name: [a, b], position: [1.0, 2.0], effort: [3.0]}"};
  for (int i = 0; i < 2; i++) {
    pid_t pid = pub_unchecked("23", bad[i]);
    mi_dds_counters c = {0};
    int64_t end = mi_clock_mono_ns() + 10 * MI_NS_PER_S;
    while (c.rejected < (uint64_t)i + 1 && mi_clock_mono_ns() < end) {
      mi_dds_spin_once(n, 50 * MI_NS_PER_MS);
      mi_dds_sub_counters(sub, &c);
    }
    wait_ok(pid);
    assert_int_equal(c.rejected, (uint64_t)i + 1);
  }
  assert_int_equal(got, 0);
  /* the node goes on: a good one is delivered */
  pid_t pid = pub_unchecked("23", "{name: [a, b], position: [1.0, 2.0]}");
  int64_t end = mi_clock_mono_ns() + 10 * MI_NS_PER_S;
  while (got == 0 && mi_clock_mono_ns() < end) mi_dds_spin_once(n, 50 * MI_NS_PER_MS);
  wait_ok(pid);
  assert_int_equal(got, 1);
  mi_dds_counters c;
  mi_dds_node_counters(n, &c);
  assert_int_equal(c.rejected, 2);
  assert_int_equal(c.in, 1);
  mi_dds_node_destroy(n);
}

static void test_hz_and_list(void **state) {
  (void)state;
  mi_dds_node *n = mi_test_node("status", 24);
  mi_dds_pub *pub;
  assert_int_equal(mi_dds_pub_create_std(n, MI_TOPIC_PLANNER_STATUS, &pub), MI_OK);
  mi_msg_planner_status ps;
  mi_msg_init(MI_MSG_PLANNER_STATUS, &ps);
  ps.planner = "mppi";
  talker t = {pub, MI_MSG_PLANNER_STATUS, &ps, 20 * MI_NS_PER_MS, 0};
  pthread_t th;
  pthread_create(&th, NULL, talk, &t);
  char out[4096];
  assert_int_equal(run(MIRAI " topic list -t --domain 24 --timeout 1.5", out, sizeof out), 0);
  assert_non_null(strstr(out, "/planner/status [mirai_msgs/msg/PlannerStatus]\n"));
  assert_int_equal(run(MIRAI " topic hz /planner/status --domain 24 --duration 3.5", out, sizeof out),
                   0);
  t.stop = 1;
  pthread_join(th, NULL);
  /* the last report: about 50 Hz */
  const char *last = NULL;
  for (const char *p = strstr(out, "average rate: "); p; p = strstr(p + 1, "average rate: ")) last = p;
  if (!last) print_error("%s\n", out);
  assert_non_null(last);
  double hz = atof(last + strlen("average rate: "));
  assert_true(hz > 35 && hz < 55);
  assert_non_null(strstr(last, "window: "));
  mi_dds_node_destroy(n);
}

static void test_sigint_ends_cleanly(void **state) {
  (void)state;
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    execl(MIRAI, "mirai", "topic", "echo", "/nobody", "sensor_msgs/msg/JointState", "--domain",
          "25", (char *)NULL);
    _exit(127);
  }
  mi_clock_sleep_ns(700 * MI_NS_PER_MS);
  int64_t t0 = mi_clock_mono_ns();
  kill(pid, SIGINT);
  int st;
  waitpid(pid, &st, 0);
  assert_true(mi_clock_mono_ns() - t0 < 2 * MI_NS_PER_S);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_errors_are_clear(void **state) {
  (void)state;
  char out[2048];
  assert_int_equal(run(MIRAI " topic pub /goal geometry_msgs/msg/PoseStamped "
                             "'{pose: {postion: {x: 1}}}' --once --domain 26 2>&1",
                       out, sizeof out),
                   2);
  assert_non_null(strstr(out, "message:1:9: geometry_msgs/msg/Pose has no field 'postion' (did "
                              "you mean 'position'?)"));
  assert_int_equal(run(MIRAI " topic pub /goal geometry_msgs/msg/PoseStamp '{}' 2>&1", out,
                       sizeof out),
                   2);
  assert_non_null(strstr(out, "unknown type 'geometry_msgs/msg/PoseStamp'"));
  assert_int_equal(run(MIRAI " topic pub /goal geometry_msgs/msg/PoseStamped "
                             "'{pose: {position: {x: .inf}}}' --once --domain 26 2>&1",
                       out, sizeof out),
                   2);
  assert_non_null(strstr(out, "would reject this message: pose.position.x is infinite"));
  assert_int_equal(run("ROS_DOMAIN_ID=abc " MIRAI " topic list 2>&1", out, sizeof out), 1);
  assert_non_null(strstr(out, "ROS_DOMAIN_ID='abc' is not a domain id"));
  assert_int_equal(run(MIRAI " topic echo /x --domain 999 2>&1", out, sizeof out), 2);
  assert_non_null(strstr(out, "--domain"));
  assert_int_equal(run(MIRAI " topic echo /nobody --domain 26 --timeout 0.3 2>&1", out, sizeof out),
                   1);
  assert_non_null(strstr(out, "no writer of rt/nobody seen"));
}

int main(void) {
  unsetenv("CYCLONEDDS_URI");
  unsetenv("ROS_DOMAIN_ID");
  mi_log_set_level(MI_LOG_ERROR);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_echo_prints_known_sample),
      cmocka_unit_test(test_pub_reaches_subscriber),
      cmocka_unit_test(test_rejected_and_counted),
      cmocka_unit_test(test_hz_and_list),
      cmocka_unit_test(test_sigint_ends_cleanly),
      cmocka_unit_test(test_errors_are_clear),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
