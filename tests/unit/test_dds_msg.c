/* tests/unit/test_dds_msg.c - every message type: field tables against the
 * generated types, copy/equal, validation, YAML out and in, and a DDS round
 * trip pub -> sub over loopback (domain 16). */
#define _GNU_SOURCE /* open_memstream, unsetenv */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "dds/msg_priv.h"
#include "dds/node.h"
#include "dds/ddsi/ddsi_serdata.h"

/* --- random samples through the field tables ---------------------------------- */

typedef struct rng {
  uint64_t seed;
  uint32_t ctr;
} rng;

static uint32_t rnd(rng *r) {
  /* a small LCG is enough to vary the samples */
  r->seed = r->seed * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(r->seed >> 33);
}

static double rnd_double(rng *r) { return ((double)rnd(r) / 4294967296.0) * 2.0 - 0.5; }

static void fill_rec(mi_msg_type t, void *msg, rng *r, uint32_t len);

static void fill_item(const mi_msg_field *f, unsigned char *p, rng *r, uint32_t len) {
  switch (f->kind) {
    case MI_MSGK_BOOL: *(bool *)p = rnd(r) & 1; break;
    case MI_MSGK_U8: *(uint8_t *)p = (uint8_t)(rnd(r) % 3); break;
    case MI_MSGK_I32: *(int32_t *)p = (int32_t)(rnd(r) % 2000000) - 1000000; break;
    case MI_MSGK_U32: *(uint32_t *)p = rnd(r) % 1000000000u; break;
    case MI_MSGK_U64: *(uint64_t *)p = ((uint64_t)rnd(r) << 32) | rnd(r); break;
    case MI_MSGK_F64:
      *(double *)p = strcmp(f->name, "speed_scale") == 0 ? rnd_double(r) * 0.5 + 0.25
                                                          : rnd_double(r) * 100.0;
      break;
    case MI_MSGK_STRING: {
      char buf[32];
      snprintf(buf, sizeof buf, "n%u_x", rnd(r) % 1000);
      if (rnd(r) % 4 == 0) snprintf(buf, sizeof buf, "it's: 'odd' #%u", rnd(r) % 10);
      char *s = strdup(buf);
      memcpy(p, &s, sizeof s);
      break;
    }
    case MI_MSGK_STRUCT: fill_rec(f->sub, p, r, len); break;
  }
}

/* set every field of msg (whose strings are owned or NULL) */
static void fill_rec(mi_msg_type t, void *msg, rng *r, uint32_t len) {
  const mi_msg_info *m = mi_msg_info_of(t);
  for (size_t i = 0; i < m->n_fields; i++) {
    const mi_msg_field *f = &m->fields[i];
    unsigned char *p = (unsigned char *)msg + f->offset;
    if (f->seq) {
      mi_seq_ *s = (mi_seq_ *)p;
      size_t isz = mi_msg__kind_size(f->kind, f->sub);
      if (len == 0) continue;
      s->_buffer = calloc(len, isz);
      s->_length = s->_maximum = len;
      s->_release = true;
      for (uint32_t k = 0; k < len; k++) fill_item(f, (unsigned char *)s->_buffer + k * isz, r, len);
    } else {
      if (f->kind == MI_MSGK_STRING) {
        char *old;
        memcpy(&old, p, sizeof old);
        free(old);
      }
      fill_item(f, p, r, len);
    }
  }
  if (t == MI_MSG_JOINT_TRAJECTORY) {
    mi_msg_joint_trajectory *jt = msg;
    for (uint32_t k = 0; k < jt->points._length; k++)
      jt->points._buffer[k].time_from_start = mi_msg_duration_from_ns((int64_t)k * 100000000);
  }
}

/* a random, valid sample that owns its memory (mi_msg_fini frees it) */
static void fill(mi_msg_type t, void *msg, rng *r, uint32_t len) {
  assert_int_equal(mi_msg__init_owned(t, msg), MI_OK);
  fill_rec(t, msg, r, len);
}

/* --- tests ---------------------------------------------------------------- */

static void test_table(void **state) {
  (void)state;
  for (int t = 0; t < MI_MSG_TYPE_COUNT; t++) {
    const mi_msg_info *m = mi_msg_info_of((mi_msg_type)t);
    assert_non_null(m);
    assert_int_equal(m->id, t);
    /* the names idlc put into the descriptor are ROS 2's */
    assert_string_equal(m->desc->m_typename, m->dds_name);
    assert_non_null(strstr(m->dds_name, "::msg::dds_::"));
    assert_true(m->dds_name[strlen(m->dds_name) - 1] == '_');
    assert_true(m->n_fields > 0);
    /* fields in order and inside the struct */
    for (size_t i = 0; i < m->n_fields; i++) {
      assert_true(m->fields[i].offset < m->size);
      if (i) assert_true(m->fields[i].offset > m->fields[i - 1].offset);
    }
    mi_msg_type found;
    assert_int_equal(mi_msg_type_find(m->ros_name, &found), MI_OK);
    assert_int_equal(found, t);
    assert_int_equal(mi_msg_type_find(m->dds_name, &found), MI_OK);
    assert_int_equal(found, t);
  }
  mi_msg_type f;
  assert_int_equal(mi_msg_type_find("sensor_msgs/JointState", &f), MI_OK);
  assert_int_equal(f, MI_MSG_JOINT_STATE);
  assert_int_equal(mi_msg_type_find("sensor_msgs/msg/JointStates", &f), MI_ERR_NOT_FOUND);
  /* the order of the ROS 2 .msg definitions (ros2-messages.md) */
  const mi_msg_info *js = mi_msg_info_of(MI_MSG_JOINT_STATE);
  const char *order[] = {"header", "name", "position", "velocity", "effort"};
  for (int i = 0; i < 5; i++) assert_string_equal(js->fields[i].name, order[i]);
  const mi_msg_info *pt = mi_msg_info_of(MI_MSG_JOINT_TRAJECTORY_POINT);
  const char *porder[] = {"positions", "velocities", "accelerations", "effort", "time_from_start"};
  for (int i = 0; i < 5; i++) assert_string_equal(pt->fields[i].name, porder[i]);
  assert_string_equal(mi_msg_info_of(MI_MSG_QUATERNION)->fields[3].name, "w");
  /* compile-time type mapping */
  mi_msg_wrench_stamped w;
  assert_int_equal(MI_MSG_TYPE_OF(&w), MI_MSG_WRENCH_STAMPED);
}

static void test_copy_equal_validate_yaml(void **state) {
  (void)state;
  rng r = {42, 0};
  for (int t = 0; t < MI_MSG_TYPE_COUNT; t++) {
    for (uint32_t len = 0; len < 4; len++) {
      const mi_msg_info *m = mi_msg_info_of((mi_msg_type)t);
      void *a = calloc(1, m->size), *b = calloc(1, m->size), *c = calloc(1, m->size);
      fill((mi_msg_type)t, a, &r, len);
      char why[256];
      mi_status vs = mi_msg_validate((mi_msg_type)t, a, why, sizeof why);
      if (vs) print_error("%s: %s\n", m->ros_name, why);
      assert_int_equal(vs, MI_OK);
      assert_int_equal(mi_msg_copy((mi_msg_type)t, b, a), MI_OK);
      assert_true(mi_msg_equal((mi_msg_type)t, a, b));
      /* YAML out and back in gives the same sample */
      char *text = NULL;
      size_t tl = 0;
      FILE *f = open_memstream(&text, &tl);
      mi_msg_print_yaml((mi_msg_type)t, a, f, 0);
      fclose(f);
      char err[256];
      mi_status ps = mi_msg_from_yaml((mi_msg_type)t, text, c, err, sizeof err);
      if (ps) print_error("%s: %s\n%s\n", m->ros_name, err, text);
      assert_int_equal(ps, MI_OK);
      if (!mi_msg_equal((mi_msg_type)t, a, c)) print_error("%s\n", text);
      assert_true(mi_msg_equal((mi_msg_type)t, a, c));
      free(text);
      /* change one byte of the first scalar field: no longer equal */
      const mi_msg_field *f0 = &m->fields[0];
      if (!f0->seq && f0->kind != MI_MSGK_STRUCT && f0->kind != MI_MSGK_STRING) {
        ((unsigned char *)b)[f0->offset] ^= 1;
        assert_false(mi_msg_equal((mi_msg_type)t, a, b));
      }
      mi_msg_fini((mi_msg_type)t, a);
      mi_msg_fini((mi_msg_type)t, b);
      mi_msg_fini((mi_msg_type)t, c);
      free(a);
      free(b);
      free(c);
    }
  }
}

static void test_rejections(void **state) {
  (void)state;
  char why[256];
  char *names[2] = {"a", "b"};
  double q[2] = {1, 2}, v[1] = {0};
  mi_msg_joint_state js;
  mi_msg_init(MI_MSG_JOINT_STATE, &js);
  js.name = MI_MSG_SEQ(dds_sequence_string, names, 2);
  js.position = MI_MSG_SEQ(dds_sequence_double, q, 2);
  assert_int_equal(mi_msg_validate(MI_MSG_JOINT_STATE, &js, why, sizeof why), MI_OK);
  js.velocity = MI_MSG_SEQ(dds_sequence_double, v, 1);
  assert_int_equal(mi_msg_validate(MI_MSG_JOINT_STATE, &js, why, sizeof why), MI_ERR_REJECTED);
  assert_string_equal(why, "velocity has 1 items but name has 2");
  js.velocity = MI_MSG_SEQ(dds_sequence_double, v, 0);
  q[1] = INFINITY;
  assert_int_equal(mi_msg_validate(MI_MSG_JOINT_STATE, &js, why, sizeof why), MI_ERR_REJECTED);
  assert_string_equal(why, "position[1] is infinite");
  q[1] = 0;
  js.header.stamp.nanosec = 1000000000u;
  assert_int_equal(mi_msg_validate(MI_MSG_JOINT_STATE, &js, why, sizeof why), MI_ERR_REJECTED);
  assert_string_equal(why, "header.stamp.nanosec 1000000000 is not below 1e9");
  js.header.stamp.nanosec = 0;
  char longname[MI_MSG_STRING_MAX + 2];
  memset(longname, 'x', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  js.header.frame_id = longname;
  assert_int_equal(mi_msg_validate(MI_MSG_JOINT_STATE, &js, why, sizeof why), MI_ERR_REJECTED);
  assert_non_null(strstr(why, "header.frame_id is longer than"));
  js.header.frame_id = NULL;
  assert_int_equal(mi_msg_validate(MI_MSG_JOINT_STATE, &js, why, sizeof why), MI_ERR_REJECTED);

  /* a NaN deep inside a PoseArray; a zero quaternion */
  mi_msg_pose poses[3];
  for (int i = 0; i < 3; i++) mi_msg_init(MI_MSG_POSE, &poses[i]);
  mi_msg_pose_array pa;
  mi_msg_init(MI_MSG_POSE_ARRAY, &pa);
  pa.poses = MI_MSG_SEQ(dds_sequence_geometry_msgs_msg_dds__Pose_, poses, 3);
  assert_int_equal(mi_msg_validate(MI_MSG_POSE_ARRAY, &pa, why, sizeof why), MI_OK);
  poses[2].position.y = NAN;
  assert_int_equal(mi_msg_validate(MI_MSG_POSE_ARRAY, &pa, why, sizeof why), MI_ERR_REJECTED);
  assert_string_equal(why, "poses[2].position.y is nan");
  poses[2].position.y = 0;
  poses[1].orientation.w = 0;
  assert_int_equal(mi_msg_validate(MI_MSG_POSE_ARRAY, &pa, why, sizeof why), MI_ERR_REJECTED);
  assert_string_equal(why, "poses[1].orientation is all zero");

  /* a sequence longer than the bound */
  mi_msg_pose_array big;
  mi_msg_init(MI_MSG_POSE_ARRAY, &big);
  big.poses._length = MI_MSG_SEQ_MAX + 1;
  big.poses._buffer = poses; /* never read: the length is checked first */
  assert_int_equal(mi_msg_validate(MI_MSG_POSE_ARRAY, &big, why, sizeof why), MI_ERR_REJECTED);
  assert_non_null(strstr(why, "poses has 4097 items"));

  /* a trajectory point with the wrong number of positions */
  char *jn[2] = {"j1", "j2"};
  double p3[3] = {0, 0, 0};
  mi_msg_joint_trajectory_point pt;
  mi_msg_init(MI_MSG_JOINT_TRAJECTORY_POINT, &pt);
  pt.positions = MI_MSG_SEQ(dds_sequence_double, p3, 3);
  mi_msg_joint_trajectory jt;
  mi_msg_init(MI_MSG_JOINT_TRAJECTORY, &jt);
  jt.joint_names = MI_MSG_SEQ(dds_sequence_string, jn, 2);
  jt.points = MI_MSG_SEQ(dds_sequence_trajectory_msgs_msg_dds__JointTrajectoryPoint_, &pt, 1);
  assert_int_equal(mi_msg_validate(MI_MSG_JOINT_TRAJECTORY, &jt, why, sizeof why),
                   MI_ERR_REJECTED);
  assert_string_equal(why, "points[0].positions has 3 items but joint_names has 2");

  mi_msg_zone_status z;
  mi_msg_init(MI_MSG_ZONE_STATUS, &z);
  z.speed_scale = 1.5;
  assert_int_equal(mi_msg_validate(MI_MSG_ZONE_STATUS, &z, why, sizeof why), MI_ERR_REJECTED);
}

static void test_echo_format(void **state) {
  (void)state;
  char *names[2] = {"shoulder", "elbow"};
  double q[2] = {0.5, -1.0};
  mi_msg_joint_state js;
  mi_msg_init(MI_MSG_JOINT_STATE, &js);
  js.header.stamp = mi_msg_time_from_ns(12 * MI_NS_PER_S + 5);
  js.header.frame_id = "";
  js.name = MI_MSG_SEQ(dds_sequence_string, names, 2);
  js.position = MI_MSG_SEQ(dds_sequence_double, q, 2);
  char *text = NULL;
  size_t tl = 0;
  FILE *f = open_memstream(&text, &tl);
  mi_msg_print_yaml(MI_MSG_JOINT_STATE, &js, f, 0);
  fclose(f);
  assert_string_equal(text,
                      "header:\n"
                      "  stamp:\n"
                      "    sec: 12\n"
                      "    nanosec: 5\n"
                      "  frame_id: ''\n"
                      "name:\n"
                      "- shoulder\n"
                      "- elbow\n"
                      "position:\n"
                      "- 0.5\n"
                      "- -1.0\n"
                      "velocity: []\n"
                      "effort: []\n");
  free(text);
}

static void test_from_yaml(void **state) {
  (void)state;
  mi_msg_pose_stamped ps;
  char err[256];
  assert_int_equal(mi_msg_from_yaml(MI_MSG_POSE_STAMPED,
                                    "{header: {frame_id: world}, pose: {position: {x: 1.5}}}", &ps,
                                    err, sizeof err),
                   MI_OK);
  assert_string_equal(ps.header.frame_id, "world");
  assert_true(ps.pose.position.x == 1.5);
  assert_true(ps.pose.orientation.w == 1.0); /* ROS 2 default kept */
  mi_msg_fini(MI_MSG_POSE_STAMPED, &ps);

  assert_int_equal(mi_msg_from_yaml(MI_MSG_POSE_STAMPED, "pose:\n  postion: {x: 1}\n", &ps, err,
                                    sizeof err),
                   MI_ERR_PARSE);
  assert_string_equal(err,
                      "message:2:3: geometry_msgs/msg/Pose has no field 'postion' (did you mean "
                      "'position'?)");
  mi_msg_joint_state js;
  assert_int_equal(mi_msg_from_yaml(MI_MSG_JOINT_STATE, "position: [1, two]", &js, err, sizeof err),
                   MI_ERR_PARSE);
  assert_non_null(strstr(err, "position: expected a number, found the string 'two'"));
  assert_int_equal(mi_msg_from_yaml(MI_MSG_CLOCK, "clock: {sec: 5000000000}", &js, err, sizeof err),
                   MI_ERR_PARSE);
  assert_non_null(strstr(err, "sec: 5000000000 is outside"));
  assert_int_equal(mi_msg_from_yaml(MI_MSG_JOINT_STATE, "", &js, err, sizeof err), MI_OK);
  assert_int_equal(js.name._length, 0);
  mi_msg_fini(MI_MSG_JOINT_STATE, &js);
}

static void test_time(void **state) {
  (void)state;
  mi_msg_time t = mi_msg_time_from_ns(-1);
  assert_int_equal(t.sec, -1);
  assert_int_equal(t.nanosec, 999999999u);
  assert_int_equal(mi_msg_time_to_ns(&t), -1);
  t = mi_msg_time_from_ns(INT64_C(1700000000123456789));
  assert_int_equal(t.sec, 1700000000);
  assert_int_equal(t.nanosec, 123456789u);
  mi_msg_duration d = mi_msg_duration_from_ns(INT64_MAX);
  assert_int_equal(d.sec, INT32_MAX);
}

/* --- every type over DDS -------------------------------------------------------- */

typedef struct rt_rx {
  mi_msg_type type;
  void *got;
  int n;
} rt_rx;

static void on_any(const void *msg, const mi_dds_sample_info *info, void *user) {
  (void)info;
  rt_rx *r = user;
  if (r->n == 0) assert_int_equal(mi_msg_copy(r->type, r->got, msg), MI_OK);
  r->n++;
}

static void test_dds_roundtrip_every_type(void **state) {
  (void)state;
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "roundtrip");
  o.dds.domain_id = 16;
  o.max_future_ns = 0; /* random stamps */
  mi_dds_node *n;
  assert_int_equal(mi_dds_node_create(&o, &n, NULL, 0), MI_OK);
  rng r = {7, 0};
  for (int t = 0; t < MI_MSG_TYPE_COUNT; t++) {
    const mi_msg_info *m = mi_msg_info_of((mi_msg_type)t);
    char topic[64];
    snprintf(topic, sizeof topic, "/test/type_%d", t);
    void *sent = calloc(1, m->size);
    rt_rx rx = {(mi_msg_type)t, calloc(1, m->size), 0};
    fill((mi_msg_type)t, sent, &r, 3);
    mi_dds_sub *s;
    mi_dds_pub *p;
    assert_int_equal(mi_dds_subscribe(n, topic, (mi_msg_type)t, MI_QOS_STATE, on_any, &rx, &s),
                     MI_OK);
    assert_int_equal(mi_dds_pub_create(n, topic, (mi_msg_type)t, MI_QOS_STATE, &p), MI_OK);
    assert_int_equal(mi_dds_pub_wait_matched(p, 1, 5 * MI_NS_PER_S), MI_OK);
    assert_int_equal(mi_dds_publish(p, sent), MI_OK);
    int64_t end = mi_clock_mono_ns() + 5 * MI_NS_PER_S;
    while (rx.n == 0 && mi_clock_mono_ns() < end) mi_dds_spin_once(n, 50 * MI_NS_PER_MS);
    if (rx.n != 1) print_error("%s did not arrive\n", m->ros_name);
    assert_int_equal(rx.n, 1);
    assert_true(mi_msg_equal((mi_msg_type)t, sent, rx.got));
    mi_msg_fini((mi_msg_type)t, sent);
    mi_msg_fini((mi_msg_type)t, rx.got);
    free(sent);
    free(rx.got);
  }
  mi_dds_node_destroy(n);
}

/* the bytes on the wire are ROS 2's: XCDR1 little endian, fields in the
 * .msg order, strings with length and NUL, doubles aligned to 8 */
static void test_wire_bytes(void **state) {
  (void)state;
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "wire");
  o.dds.domain_id = 17;
  o.max_future_ns = 0;
  mi_dds_node *n;
  assert_int_equal(mi_dds_node_create(&o, &n, NULL, 0), MI_OK);
  dds_entity_t pp = mi_dds_node_participant(n);
  dds_entity_t tp = dds_create_topic(pp, &sensor_msgs_msg_dds__JointState__desc,
                                     "rt/test/wire", NULL, NULL);
  assert_true(tp > 0);
  dds_qos_t *q = mi_qos_create(MI_QOS_STATE);
  dds_entity_t rd = dds_create_reader(pp, tp, q, NULL);
  dds_delete_qos(q);
  assert_true(rd > 0);
  mi_dds_pub *pub;
  assert_int_equal(mi_dds_pub_create(n, "/test/wire", MI_MSG_JOINT_STATE, MI_QOS_STATE, &pub),
                   MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(pub, 1, 5 * MI_NS_PER_S), MI_OK);
  char *names[1] = {"j1"};
  double pos[1] = {0.5};
  mi_msg_joint_state js;
  mi_msg_init(MI_MSG_JOINT_STATE, &js);
  js.header.stamp.sec = 1;
  js.header.stamp.nanosec = 2;
  js.header.frame_id = "a";
  js.name = MI_MSG_SEQ(dds_sequence_string, names, 1);
  js.position = MI_MSG_SEQ(dds_sequence_double, pos, 1);
  assert_int_equal(mi_dds_publish(pub, &js), MI_OK);
  struct ddsi_serdata *sd = NULL;
  dds_sample_info_t si;
  int64_t end = mi_clock_mono_ns() + 5 * MI_NS_PER_S;
  dds_return_t k = 0;
  while (k <= 0 && mi_clock_mono_ns() < end) {
    k = dds_takecdr(rd, &sd, 1, &si, DDS_ANY_STATE);
    if (k <= 0) mi_clock_sleep_ns(MI_NS_PER_MS);
  }
  assert_int_equal(k, 1);
  static const unsigned char expect[] = {
      0x00, 0x01, 0x00, 0x00,                         /* XCDR1, little endian */
      0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, /* stamp: sec 1, nanosec 2 */
      0x02, 0x00, 0x00, 0x00, 'a', 0x00, 0x00, 0x00,  /* frame_id "a" + pad */
      0x01, 0x00, 0x00, 0x00,                         /* name: 1 item */
      0x03, 0x00, 0x00, 0x00, 'j', '1', 0x00, 0x00,   /* "j1" + pad */
      0x01, 0x00, 0x00, 0x00,                         /* position: 1 item */
      0, 0, 0, 0, 0, 0, 0xe0, 0x3f,                   /* 0.5 at offset 32 */
      0x00, 0x00, 0x00, 0x00,                         /* velocity: [] */
      0x00, 0x00, 0x00, 0x00,                         /* effort: [] */
  };
  uint32_t sz = ddsi_serdata_size(sd);
  assert_true(sz >= sizeof expect);
  assert_int_equal(mi_msg_cdr_size(MI_MSG_JOINT_STATE, &js), sizeof expect - 4);
  unsigned char got[128];
  ddsi_serdata_to_ser(sd, 0, sizeof expect, got);
  assert_memory_equal(got, expect, sizeof expect);
  /* whatever follows is padding only */
  unsigned char rest[8] = {0};
  assert_true(sz - sizeof expect < sizeof rest);
  ddsi_serdata_to_ser(sd, sizeof expect, sz - sizeof expect, rest);
  for (uint32_t i = 0; i < sz - sizeof expect; i++) assert_int_equal(rest[i], 0);
  ddsi_serdata_unref(sd);
  mi_dds_node_destroy(n);
}

int main(void) {
  unsetenv("CYCLONEDDS_URI");
  mi_log_set_level(MI_LOG_ERROR);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_copy_equal_validate_yaml),
      cmocka_unit_test(test_rejections),
      cmocka_unit_test(test_echo_format),
      cmocka_unit_test(test_from_yaml),
      cmocka_unit_test(test_time),
      cmocka_unit_test(test_dds_roundtrip_every_type),
      cmocka_unit_test(test_wire_bytes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
