/* tests/integration/test_dds_record.c - CDR decode/encode against Cyclone's
 * own serialisation, MCAP recording that loses no reliable sample, and
 * replay that reproduces the message count and content. Domain ids 110-119. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "dds/cdr.h"
#include "dds/mcap.h"
#include "dds/node.h"
#include "tests/support/test_support.h"
#include "dds/record.h"

static const char *k_traj_yaml =
    "{header: {stamp: {sec: 12, nanosec: 500}, frame_id: base_link},"
    " joint_names: [j1, j2, j3],"
    " points: [{positions: [0.1, 0.2, 0.3], velocities: [1, 2, 3], accelerations: [], effort: [],"
    "           time_from_start: {sec: 0, nanosec: 20000000}},"
    "          {positions: [0.4, 0.5, 0.6], velocities: [], accelerations: [0, 0, 0], effort: [7, 8, 9],"
    "           time_from_start: {sec: 1, nanosec: 0}}]}";

static const char *k_js_yaml =
    "{header: {stamp: {sec: 3, nanosec: 4}, frame_id: ''}, name: [a, bb, ccc],"
    " position: [1.5, -2.25, 3.0], velocity: [0, 0, 0], effort: []}";

/* encode -> decode gives the same message, for several shapes of type */
static void test_cdr_round_trip(void **state) {
  (void)state;
  struct {
    mi_msg_type t;
    const char *yaml;
  } cases[] = {{MI_MSG_JOINT_TRAJECTORY, k_traj_yaml},
               {MI_MSG_JOINT_STATE, k_js_yaml},
               {MI_MSG_POSE_ARRAY,
                "{header: {frame_id: world}, poses: [{position: {x: 1, y: 2, z: 3}}, {}]}"},
               {MI_MSG_CLOCK, "{clock: {sec: 7, nanosec: 8}}"}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const mi_msg_info *info = mi_msg_info_of(cases[c].t);
    void *a = calloc(1, info->size), *b = calloc(1, info->size);
    char err[256] = "";
    assert_int_equal(mi_msg_from_yaml(cases[c].t, cases[c].yaml, a, err, sizeof err), MI_OK);
    uint8_t buf[2048];
    size_t len;
    assert_int_equal(mi_msg_to_cdr(cases[c].t, a, buf, sizeof buf, &len), MI_OK);
    assert_int_equal(len, mi_msg_cdr_size(cases[c].t, a) + 4);
    assert_int_equal(mi_msg_from_cdr(cases[c].t, buf, len, b, err, sizeof err), MI_OK);
    assert_true(mi_msg_equal(cases[c].t, a, b));
    mi_msg_fini(cases[c].t, b);
    /* every truncation is refused cleanly (ASan watches the bounds) */
    for (size_t cut = 0; cut < len; cut++) {
      mi_status st = mi_msg_from_cdr(cases[c].t, buf, cut, b, err, sizeof err);
      assert_int_equal(st, MI_ERR_PARSE);
    }
    mi_msg_fini(cases[c].t, a);
    free(a);
    free(b);
  }
  char err[128];
  mi_msg_clock clk;
  uint8_t bad[12] = {0x12, 0x34, 0, 0};
  assert_int_equal(mi_msg_from_cdr(MI_MSG_CLOCK, bad, sizeof bad, &clk, err, sizeof err),
                   MI_ERR_PARSE);
  assert_non_null(strstr(err, "encapsulation"));
}

static void test_definitions(void **state) {
  (void)state;
  char def[4096];
  size_t n = mi_msg_ros2msg_definition(MI_MSG_JOINT_STATE, def, sizeof def);
  assert_true(n > 0);
  assert_non_null(strstr(def, "std_msgs/Header header\nstring[] name\nfloat64[] position\n"));
  assert_non_null(strstr(def, "\nMSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n"));
  assert_non_null(strstr(def, "\nMSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n"));
  assert_int_equal(mi_msg_ros2msg_definition(MI_MSG_JOINT_STATE, def, 10), 0);
  mi_rec_topic t;
  char err[1024];
  assert_int_equal(mi_rec_topic_parse("/plan", &t, err, sizeof err), MI_OK);
  assert_int_equal(t.type, MI_MSG_JOINT_TRAJECTORY);
  assert_int_equal(mi_rec_topic_parse("my_topic:sensor_msgs/msg/JointState", &t, err, sizeof err),
                   MI_OK);
  assert_string_equal(t.name, "/my_topic");
  assert_int_equal(mi_rec_topic_parse("/my_topic", &t, err, sizeof err), MI_ERR_NOT_FOUND);
  assert_non_null(strstr(err, "give its type as /my_topic:TYPE"));
  assert_int_equal(mi_rec_topic_parse("/x:nope/msg/Nope", &t, err, sizeof err), MI_ERR_NOT_FOUND);
  assert_non_null(strstr(err, "sensor_msgs/msg/JointState"));
}

#define N_PLANS 300

/* record a reliable topic while it is published: nothing lost, bytes equal
 * to Cyclone's serialisation, decodable back to the sample */
static void test_record_then_replay(void **state) {
  (void)state;
  char path[128];
  snprintf(path, sizeof path, "/tmp/mirai_rec_%d.mcap", (int)getpid());
  mi_dds_node *pubn = mi_test_node("rec_pub", 111);
  mi_dds_node *recn = mi_test_node("rec_rec", 111);
  mi_dds_pub *pub, *js_pub;
  assert_int_equal(mi_dds_pub_create(pubn, "/plan", MI_MSG_JOINT_TRAJECTORY, MI_QOS_PLAN, &pub),
                   MI_OK);
  assert_int_equal(mi_dds_pub_create(pubn, "/joint_states", MI_MSG_JOINT_STATE, MI_QOS_SENSOR,
                                     &js_pub),
                   MI_OK);
  mi_rec_topic topics[2];
  char err[512] = "";
  assert_int_equal(mi_rec_topic_parse("/plan", &topics[0], err, sizeof err), MI_OK);
  assert_int_equal(mi_rec_topic_parse("/joint_states", &topics[1], err, sizeof err), MI_OK);
  mi_dds_recorder *rec;
  assert_int_equal(mi_dds_recorder_open(recn, path, topics, 2, &rec, err, sizeof err), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(pub, 1, 5 * MI_NS_PER_S), MI_OK);

  mi_msg_joint_trajectory traj;
  assert_int_equal(mi_msg_from_yaml(MI_MSG_JOINT_TRAJECTORY, k_traj_yaml, &traj, err, sizeof err),
                   MI_OK);
  mi_msg_joint_state js;
  assert_int_equal(mi_msg_from_yaml(MI_MSG_JOINT_STATE, k_js_yaml, &js, err, sizeof err), MI_OK);
  for (int i = 0; i < N_PLANS; i++) {
    traj.header.stamp.sec = i;
    assert_int_equal(mi_dds_publish(pub, &traj), MI_OK);
    if (i % 3 == 0) assert_int_equal(mi_dds_publish(js_pub, &js), MI_OK);
    if (i % 10 == 0) assert_int_equal(mi_dds_recorder_poll(rec, 0), MI_OK);
  }
  /* let the last samples arrive */
  int64_t until = mi_clock_mono_ns() + 2 * MI_NS_PER_S;
  while (mi_dds_recorder_count(rec, 0) < N_PLANS && mi_clock_mono_ns() < until)
    mi_dds_recorder_poll(rec, 10 * MI_NS_PER_MS);
  uint64_t n_plan = mi_dds_recorder_count(rec, 0), n_js = mi_dds_recorder_count(rec, 1);
  assert_int_equal(n_plan, N_PLANS); /* reliable: nothing lost */
  assert_true(n_js > 0);
  assert_int_equal(mi_dds_recorder_close(rec), MI_OK);

  /* the file holds Cyclone's bytes: equal to our encoder's and decodable */
  mi_mcap_reader *rd;
  assert_int_equal(mi_mcap_reader_open(path, &rd, err, sizeof err), MI_OK);
  uint64_t total;
  assert_int_equal(mi_mcap_statistics(rd, &total, NULL), MI_OK);
  assert_int_equal(total, n_plan + n_js);
  mi_mcap_message m;
  int seen_plan = 0;
  while (mi_mcap_next(rd, &m, err, sizeof err) == MI_OK) {
    const mi_mcap_channel *ch = mi_mcap_get_channel(rd, m.channel_id);
    if (strcmp(ch->topic, "/plan") != 0) continue;
    traj.header.stamp.sec = seen_plan;
    uint8_t mine[2048];
    size_t len;
    assert_int_equal(mi_msg_to_cdr(MI_MSG_JOINT_TRAJECTORY, &traj, mine, sizeof mine, &len), MI_OK);
    /* Cyclone pads the body to a multiple of 4 and notes it in the options */
    assert_true(m.len >= len && m.len <= len + 3);
    assert_memory_equal(m.data + 4, mine + 4, len - 4);
    mi_msg_joint_trajectory back;
    assert_int_equal(mi_msg_from_cdr(MI_MSG_JOINT_TRAJECTORY, m.data, m.len, &back, err, sizeof err),
                     MI_OK);
    assert_true(mi_msg_equal(MI_MSG_JOINT_TRAJECTORY, &traj, &back));
    mi_msg_fini(MI_MSG_JOINT_TRAJECTORY, &back);
    assert_string_equal(mi_mcap_get_schema(rd, ch->schema_id)->name,
                        "trajectory_msgs/msg/JointTrajectory");
    seen_plan++;
  }
  assert_int_equal(seen_plan, N_PLANS);
  mi_mcap_reader_close(rd);
  mi_msg_fini(MI_MSG_JOINT_TRAJECTORY, &traj);
  mi_msg_fini(MI_MSG_JOINT_STATE, &js);
  mi_dds_node_destroy(pubn);
  mi_dds_node_destroy(recn);

  /* replay into a fresh recorder on another domain: the same count comes out */
  char path2[160];
  snprintf(path2, sizeof path2, "%s.replayed.mcap", path);
  mi_dds_node *player = mi_test_node("rec_player", 112);
  mi_dds_node *rec2n = mi_test_node("rec_rec2", 112);
  mi_dds_recorder *rec2;
  assert_int_equal(mi_dds_recorder_open(rec2n, path2, topics, 1, &rec2, err, sizeof err), MI_OK);
  mi_replay_stats stats;
  /* replay in a loop with the recorder polled in between: both on this thread,
   * so replay as fast as possible (rate 0) and rely on KEEP_ALL */
  assert_int_equal(mi_dds_replay(player, path, 0.0, 3 * MI_NS_PER_S, &stats, err, sizeof err),
                   MI_OK);
  assert_int_equal(stats.published, n_plan + n_js);
  assert_int_equal(stats.bad, 0);
  until = mi_clock_mono_ns() + 3 * MI_NS_PER_S;
  while (mi_dds_recorder_count(rec2, 0) < n_plan && mi_clock_mono_ns() < until)
    mi_dds_recorder_poll(rec2, 10 * MI_NS_PER_MS);
  assert_int_equal(mi_dds_recorder_count(rec2, 0), n_plan);
  assert_int_equal(mi_dds_recorder_close(rec2), MI_OK);
  mi_dds_node_destroy(player);
  mi_dds_node_destroy(rec2n);
  unlink(path);
  unlink(path2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cdr_round_trip),
      cmocka_unit_test(test_definitions),
      cmocka_unit_test(test_record_then_replay),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
