/* tests/unit/test_dds_qos.c - the QoS and topic tables, topic names, and
 * which domain and configuration a node gets (params, ROS_DOMAIN_ID,
 * CYCLONEDDS_URI), with the errors a user sees. Domain ids 18-19. */
#define _GNU_SOURCE /* setenv */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "dds/node.h"

static void test_qos_table(void **state) {
  (void)state;
  struct {
    mi_qos_profile p;
    dds_reliability_kind_t rel;
    dds_durability_kind_t dur;
  } want[] = {
      {MI_QOS_SENSOR, DDS_RELIABILITY_BEST_EFFORT, DDS_DURABILITY_VOLATILE},
      {MI_QOS_COMMAND, DDS_RELIABILITY_RELIABLE, DDS_DURABILITY_VOLATILE},
      {MI_QOS_PLAN, DDS_RELIABILITY_RELIABLE, DDS_DURABILITY_TRANSIENT_LOCAL},
      {MI_QOS_STATE, DDS_RELIABILITY_RELIABLE, DDS_DURABILITY_TRANSIENT_LOCAL},
      {MI_QOS_CLOCK, DDS_RELIABILITY_BEST_EFFORT, DDS_DURABILITY_VOLATILE},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    dds_qos_t *q = mi_qos_create(want[i].p);
    assert_non_null(q);
    dds_reliability_kind_t rel;
    dds_duration_t blk;
    dds_durability_kind_t dur;
    dds_history_kind_t hk;
    int32_t depth;
    assert_true(dds_qget_reliability(q, &rel, &blk));
    assert_true(dds_qget_durability(q, &dur));
    assert_true(dds_qget_history(q, &hk, &depth));
    assert_int_equal(rel, want[i].rel);
    assert_int_equal(dur, want[i].dur);
    assert_int_equal(hk, DDS_HISTORY_KEEP_LAST);
    assert_int_equal(depth, 1);
    /* no DDS deadline: freshness is the application's (Cyclone 0.10.2) */
    dds_duration_t dl;
    assert_true(!dds_qget_deadline(q, &dl) || dl == DDS_INFINITY);
    uint32_t nrep;
    dds_data_representation_id_t *reps;
    assert_true(dds_qget_data_representation(q, &nrep, &reps));
    assert_int_equal(nrep, 1);
    assert_int_equal(reps[0], DDS_DATA_REPRESENTATION_XCDR1);
    dds_free(reps);
    dds_delete_qos(q);
    mi_qos_profile p;
    assert_int_equal(mi_qos_parse(mi_qos_info_of(want[i].p)->name, &p), MI_OK);
    assert_int_equal(p, want[i].p);
  }
  assert_null(mi_qos_create(MI_QOS_PROFILE_COUNT));
  mi_qos_profile p;
  assert_int_equal(mi_qos_parse("fast", &p), MI_ERR_NOT_FOUND);
}

static void test_topic_table(void **state) {
  (void)state;
  mi_topic t;
  assert_int_equal(mi_topic_find("/plan", &t), MI_OK);
  assert_int_equal(t, MI_TOPIC_PLAN);
  const mi_topic_info *ti = mi_topic_info_of(t);
  assert_string_equal(ti->dds_name, "rt/plan");
  assert_int_equal(ti->type, MI_MSG_JOINT_TRAJECTORY);
  assert_int_equal(ti->qos, MI_QOS_PLAN);
  assert_int_equal(mi_topic_find("rt/controller/status", &t), MI_OK);
  assert_int_equal(t, MI_TOPIC_CONTROLLER_STATUS);
  assert_int_equal(mi_topic_find("joint_states", &t), MI_OK);
  assert_int_equal(mi_topic_info_of(t)->qos, MI_QOS_SENSOR);
  assert_int_equal(mi_topic_find("/nope", &t), MI_ERR_NOT_FOUND);
  /* every row's DDS name is what mi_topic_dds_name makes of its ROS name */
  for (int i = 0; i < MI_TOPIC_COUNT; i++) {
    char n[128];
    ti = mi_topic_info_of((mi_topic)i);
    assert_int_equal(mi_topic_dds_name(ti->ros_name, n, sizeof n), MI_OK);
    assert_string_equal(n, ti->dds_name);
  }
  char n[16];
  assert_int_equal(mi_topic_dds_name("/teleop/twist", n, sizeof n), MI_OK);
  assert_string_equal(n, "rt/teleop/twist");
  assert_int_equal(mi_topic_dds_name("rt/clock", n, sizeof n), MI_OK);
  assert_string_equal(n, "rt/clock");
  assert_int_equal(mi_topic_dds_name("", n, sizeof n), MI_ERR_INVALID);
  assert_int_equal(mi_topic_dds_name("/a//b", n, sizeof n), MI_ERR_INVALID);
  assert_int_equal(mi_topic_dds_name("/a/", n, sizeof n), MI_ERR_INVALID);
  assert_int_equal(mi_topic_dds_name("/a-b", n, sizeof n), MI_ERR_INVALID);
  assert_int_equal(mi_topic_dds_name("/9lives", n, sizeof n), MI_ERR_INVALID);
  assert_int_equal(mi_topic_dds_name("/a_very_long_topic_name", n, sizeof n), MI_ERR_RANGE);
}

static void test_resolve(void **state) {
  (void)state;
  mi_dds_params p;
  mi_dds_resolved r;
  char err[256];
  mi_dds_params_default(&p);
  unsetenv("ROS_DOMAIN_ID");
  unsetenv("CYCLONEDDS_URI");
  assert_int_equal(mi_dds_resolve(&p, &r, err, sizeof err), MI_OK);
  assert_int_equal(r.domain_id, 0);
  assert_int_equal(r.source, MI_DDS_CONFIG_LOOPBACK);
  assert_non_null(strstr(r.config, "<NetworkInterface name=\"lo\"/>"));
  assert_non_null(strstr(r.config, "<AllowMulticast>false</AllowMulticast>"));
  assert_non_null(strstr(r.config, "<Peer address=\"127.0.0.1\"/>"));
  assert_non_null(strstr(r.config, "<ParticipantIndex>auto</ParticipantIndex>"));

  setenv("ROS_DOMAIN_ID", "42", 1);
  assert_int_equal(mi_dds_resolve(&p, &r, err, sizeof err), MI_OK);
  assert_int_equal(r.domain_id, 42);
  p.domain_id = 7; /* the param wins */
  assert_int_equal(mi_dds_resolve(&p, &r, err, sizeof err), MI_OK);
  assert_int_equal(r.domain_id, 7);
  p.domain_id = -1;
  setenv("ROS_DOMAIN_ID", "forty", 1);
  assert_int_equal(mi_dds_resolve(&p, &r, err, sizeof err), MI_ERR_INVALID);
  assert_string_equal(err, "ROS_DOMAIN_ID='forty' is not a domain id (an integer in 0..232)");
  setenv("ROS_DOMAIN_ID", "300", 1);
  assert_int_equal(mi_dds_resolve(&p, &r, err, sizeof err), MI_ERR_INVALID);
  unsetenv("ROS_DOMAIN_ID");

  setenv("CYCLONEDDS_URI", "file:///etc/cyclone.xml", 1);
  assert_int_equal(mi_dds_resolve(&p, &r, err, sizeof err), MI_OK);
  assert_int_equal(r.source, MI_DDS_CONFIG_ENV);
  assert_null(r.config);
  snprintf(p.config, sizeof p.config, "<CycloneDDS/>"); /* the param wins */
  assert_int_equal(mi_dds_resolve(&p, &r, err, sizeof err), MI_OK);
  assert_int_equal(r.source, MI_DDS_CONFIG_PARAM);
  assert_string_equal(r.config, "<CycloneDDS/>");
  unsetenv("CYCLONEDDS_URI");
}

/* the dds params rows, inside a node's own table */
typedef struct my_params {
  double rate_hz;
  mi_dds_params dds;
} my_params;
static const mi_param_def my_defs[] = {
    MI_P_DOUBLE(my_params, rate_hz, "rate_hz", "10.0", 0.1, 1000, "Hz", "rate"),
    MI_DDS_PARAM_ROWS(my_params, dds),
};
static const mi_param_table my_table = {"mynode", my_defs, sizeof my_defs / sizeof my_defs[0]};

static void test_param_rows(void **state) {
  (void)state;
  my_params p;
  char err[256];
  assert_int_equal(mi_params_defaults(&my_table, &p, err, sizeof err), MI_OK);
  assert_int_equal(p.dds.domain_id, -1);
  assert_string_equal(p.dds.config, "");
  assert_false(p.dds.use_sim_time);
  assert_int_equal(mi_params_apply_string(&my_table, NULL,
                                          "mynode:\n  ros__parameters:\n    dds:\n"
                                          "      domain_id: 18\n    use_sim_time: true\n",
                                          "p.yaml", &p, err, sizeof err),
                   MI_OK);
  assert_int_equal(p.dds.domain_id, 18);
  assert_true(p.dds.use_sim_time);
  mi_status st = mi_params_apply_string(&my_table, NULL,
                                        "mynode:\n  ros__parameters:\n    dds:\n"
                                        "      domian_id: 18\n",
                                        "p.yaml", &p, err, sizeof err);
  assert_int_equal(st, MI_ERR_PARSE);
  assert_non_null(strstr(err, "p.yaml:4"));
  assert_non_null(strstr(err, "dds.domain_id"));
  st = mi_params_apply_string(&my_table, NULL,
                              "mynode:\n  ros__parameters:\n    dds.domain_id: 999\n", "p.yaml", &p,
                              err, sizeof err);
  assert_int_equal(st, MI_ERR_RANGE);
}

static void test_bad_config_is_clear(void **state) {
  (void)state;
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "badcfg");
  o.dds.domain_id = 19;
  snprintf(o.dds.config, sizeof o.dds.config,
           "<CycloneDDS><Domain><General><NoSuchSetting>1</NoSuchSetting></General></Domain>"
           "</CycloneDDS>");
  mi_dds_node *n = NULL;
  char err[256];
  assert_int_equal(mi_dds_node_create(&o, &n, err, sizeof err), MI_ERR_DDS);
  assert_null(n);
  assert_non_null(strstr(err, "DDS domain 19: configuration rejected"));
  assert_non_null(strstr(err, "dds.config"));
  /* and the domain is usable afterwards with a good one */
  o.dds.config[0] = 0;
  assert_int_equal(mi_dds_node_create(&o, &n, err, sizeof err), MI_OK);
  mi_dds_node_destroy(n);
}

int main(void) {
  mi_log_set_level(MI_LOG_OFF);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_qos_table),   cmocka_unit_test(test_topic_table),
      cmocka_unit_test(test_resolve),     cmocka_unit_test(test_param_rows),
      cmocka_unit_test(test_bad_config_is_clear),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
