/* tests/unit/test_dds_node.c - the node runtime over loopback DDS, in one
 * process: pub -> sub, validation and counters, timers, freshness budgets,
 * late readers told what they missed, shutdown, container. Domain ids 10-14. */
#define _GNU_SOURCE /* unsetenv */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "dds/node.h"
#include "tests/support/test_support.h"

#define WAIT_NS (5 * MI_NS_PER_S)

typedef struct js_rx {
  int n;
  double last_pos0;
  uint32_t last_len;
  char last_name0[32];
  int64_t stamp_ns;
} js_rx;

static void on_js(const mi_msg_joint_state *js, const mi_dds_sample_info *info, void *user) {
  js_rx *r = user;
  assert_true(info->recv_mono_ns > 0);
  r->n++;
  r->last_len = js->position._length;
  r->last_pos0 = js->position._length ? js->position._buffer[0] : NAN;
  snprintf(r->last_name0, sizeof r->last_name0, "%s", js->name._length ? js->name._buffer[0] : "");
  r->stamp_ns = mi_msg_time_to_ns(&js->header.stamp);
}
MI_DDS_TYPED_CB(on_js, mi_msg_joint_state);

static mi_status spin_until(mi_dds_node *n, const int *counter, int want) {
  int64_t end = mi_clock_mono_ns() + WAIT_NS;
  while (*counter < want) {
    if (mi_clock_mono_ns() > end) return MI_ERR_TIMEOUT;
    mi_dds_spin_once(n, 50 * MI_NS_PER_MS);
  }
  return MI_OK;
}

/* keep-last 1: take each sample before the next overwrites it */
static void spin_until_seen(mi_dds_node *n, mi_dds_sub *s, uint64_t total) {
  int64_t end = mi_clock_mono_ns() + WAIT_NS;
  mi_dds_counters c;
  do {
    mi_dds_spin_once(n, 20 * MI_NS_PER_MS);
    mi_dds_sub_counters(s, &c);
  } while (c.in + c.rejected < total && mi_clock_mono_ns() < end);
}

static void fill_js(mi_msg_joint_state *js, mi_dds_node *n, char **names, double *q, double *v,
                    uint32_t nq, uint32_t nv) {
  mi_msg_init(MI_MSG_JOINT_STATE, js);
  js->header = mi_dds_node_header(n, "base");
  js->name = MI_MSG_SEQ(dds_sequence_string, names, nq);
  js->position = MI_MSG_SEQ(dds_sequence_double, q, nq);
  js->velocity = MI_MSG_SEQ(dds_sequence_double, v, nv);
}

static void test_pub_sub_and_rejections(void **state) {
  (void)state;
  mi_dds_node *a = mi_test_node("talker", 10);
  mi_dds_node *b = mi_test_node("listener", 10);
  assert_int_equal(mi_dds_node_participant(a), mi_dds_node_participant(b));
  assert_int_equal(mi_dds_node_domain(a), 10);

  js_rx rx = {0};
  mi_dds_sub *sub;
  assert_int_equal(MI_DDS_SUBSCRIBE(b, "/joint_states", MI_QOS_COMMAND, on_js, &rx, &sub), MI_OK);
  mi_dds_pub *pub;
  assert_int_equal(mi_dds_pub_create(a, "joint_states", MI_MSG_JOINT_STATE, MI_QOS_COMMAND, &pub),
                   MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(pub, 1, WAIT_NS), MI_OK);

  char *names[3] = {"j1", "j2", "j3"};
  double q[3] = {0.5, -1.25, 2.0}, v[3] = {0, 0, 0};
  mi_msg_joint_state js;
  fill_js(&js, a, names, q, v, 3, 3);
  assert_int_equal(MI_DDS_PUBLISH(pub, &js), MI_OK);
  assert_int_equal(spin_until(b, &rx.n, 1), MI_OK);
  assert_int_equal(rx.last_len, 3);
  assert_true(rx.last_pos0 == 0.5);
  assert_string_equal(rx.last_name0, "j1");

  /* a NaN is rejected and counted; the node goes on */
  q[1] = NAN;
  assert_int_equal(mi_dds_publish(pub, &js), MI_OK);
  spin_until_seen(b, sub, 2);
  /* a length mismatch (2 velocities for 3 names) too */
  q[1] = 0.0;
  fill_js(&js, a, names, q, v, 3, 2);
  assert_int_equal(mi_dds_publish(pub, &js), MI_OK);
  spin_until_seen(b, sub, 3);
  /* a stamp far in the future too */
  fill_js(&js, a, names, q, v, 3, 3);
  js.header.stamp = mi_msg_time_from_ns(mi_clock_wall_ns() + 60 * MI_NS_PER_S);
  assert_int_equal(mi_dds_publish(pub, &js), MI_OK);
  spin_until_seen(b, sub, 4);
  /* then a good one arrives */
  fill_js(&js, a, names, q, v, 3, 3);
  q[0] = 7.0;
  assert_int_equal(mi_dds_publish(pub, &js), MI_OK);
  assert_int_equal(spin_until(b, &rx.n, 2), MI_OK);
  assert_true(rx.last_pos0 == 7.0);

  mi_dds_counters c;
  mi_dds_sub_counters(sub, &c);
  assert_int_equal(c.in, 2);
  assert_int_equal(c.rejected, 3);
  mi_dds_node_counters(b, &c);
  assert_int_equal(c.in, 2);
  assert_int_equal(c.rejected, 3);
  mi_dds_node_counters(a, &c);
  assert_int_equal(c.out, 5);

  /* the wrong C type is refused before it reaches the wire */
  mi_msg_pose p;
  mi_msg_init(MI_MSG_POSE, &p);
  assert_int_equal(MI_DDS_PUBLISH(pub, &p), MI_ERR_INVALID);

  mi_dds_node_destroy(a);
  mi_dds_node_destroy(b);
}

/* the application's own check */
static bool names_known(const void *msg, void *user, char *why, size_t why_sz) {
  (void)user;
  const mi_msg_joint_state *js = msg;
  for (uint32_t i = 0; i < js->name._length; i++) {
    if (strncmp(js->name._buffer[i], "j", 1) != 0) {
      snprintf(why, why_sz, "unknown joint '%s'", js->name._buffer[i]);
      return false;
    }
  }
  return true;
}

static void on_js_plain(const void *msg, const mi_dds_sample_info *info, void *user) {
  (void)msg;
  (void)info;
  (*(int *)user)++;
}

static void test_app_check(void **state) {
  (void)state;
  mi_dds_node *n = mi_test_node("checker", 11);
  int got = 0;
  mi_dds_sub_opts so = {.on_sample = on_js_plain, .user = &got, .check = names_known};
  mi_dds_sub *sub;
  assert_int_equal(mi_dds_sub_create_std(n, MI_TOPIC_JOINT_COMMANDS, &so, &sub), MI_OK);
  mi_dds_pub *pub;
  assert_int_equal(mi_dds_pub_create_std(n, MI_TOPIC_JOINT_COMMANDS, &pub), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(pub, 1, WAIT_NS), MI_OK);
  char *bad[1] = {"elbow"}, *good[1] = {"j1"};
  double q[1] = {1};
  mi_msg_joint_state js;
  fill_js(&js, n, bad, q, q, 1, 1);
  mi_dds_publish(pub, &js);
  spin_until_seen(n, sub, 1);
  fill_js(&js, n, good, q, q, 1, 1);
  mi_dds_publish(pub, &js);
  assert_int_equal(spin_until(n, &got, 1), MI_OK);
  mi_dds_counters c;
  mi_dds_sub_counters(sub, &c);
  assert_int_equal(c.rejected, 1);
  assert_int_equal(c.in, 1);
  mi_dds_node_destroy(n);
}

typedef struct tick {
  int n;
  int64_t first, last;
} tick;

static void on_tick(mi_dds_timer *t, int64_t now, void *user) {
  (void)t;
  tick *k = user;
  if (!k->n) k->first = now;
  k->last = now;
  k->n++;
}

static int g_stale;
static void on_stale(mi_dds_sub *s, int64_t age, void *user) {
  (void)s;
  (void)user;
  assert_true(age > 0);
  g_stale++;
}

static void test_timer_and_freshness(void **state) {
  (void)state;
  mi_dds_node *n = mi_test_node("timed", 12);
  tick k = {0};
  mi_dds_timer *t;
  assert_int_equal(mi_dds_timer_create(n, 0, on_tick, &k, &t), MI_ERR_INVALID);
  assert_int_equal(mi_dds_timer_create(n, 10 * MI_NS_PER_MS, on_tick, &k, &t), MI_OK);
  /* a budget on a topic nobody writes: it must lapse once, not per round */
  int got = 0;
  mi_dds_sub_opts so = {.on_sample = on_js_plain, .user = &got, .max_age_ns = 50 * MI_NS_PER_MS,
                        .on_stale = on_stale};
  mi_dds_sub *sub;
  assert_int_equal(mi_dds_sub_create_std(n, MI_TOPIC_JOINT_STATES, &so, &sub), MI_OK);
  int64_t t0 = mi_clock_mono_ns();
  while (mi_clock_mono_ns() - t0 < 300 * MI_NS_PER_MS) mi_dds_spin_once(n, 20 * MI_NS_PER_MS);
  /* 10 ms period over 300 ms: about 30 ticks (scheduling noise allowed) */
  assert_in_range(k.n, 20, 31);
  double period_ms = (double)(k.last - k.first) / (k.n - 1) / 1e6;
  assert_true(fabs(period_ms - 10.0) < 1.5);
  assert_int_equal(g_stale, 1);
  mi_dds_counters c;
  mi_dds_sub_counters(sub, &c);
  assert_int_equal(c.deadline_misses, 1);
  mi_dds_node_destroy(n);
}

/* reliable writers keep MI_QOS_WRITER_DEPTH samples for lagging readers, but
 * a late joiner of a transient-local topic still gets only the latest
 * (durability service depth 1): a restarted controller must not replay old
 * plans */
static void on_zone(const mi_msg_zone_status *z, const mi_dds_sample_info *info, void *user) {
  (void)info;
  double *last = user;
  last[0] += 1.0;
  last[1] = z->speed_scale;
}
MI_DDS_TYPED_CB(on_zone, mi_msg_zone_status);

static void test_late_joiner_gets_latest(void **state) {
  (void)state;
  dds_qos_t *w = mi_qos_create_writer(MI_QOS_PLAN);
  dds_history_kind_t hk, sk;
  int32_t depth, sdepth, a, b, c;
  dds_duration_t cleanup;
  assert_true(dds_qget_history(w, &hk, &depth));
  assert_int_equal(depth, MI_QOS_WRITER_DEPTH);
  assert_true(dds_qget_durability_service(w, &cleanup, &sk, &sdepth, &a, &b, &c));
  assert_int_equal(sdepth, 1);
  dds_delete_qos(w);
  w = mi_qos_create_writer(MI_QOS_SENSOR); /* best effort: as the profile */
  assert_true(dds_qget_history(w, &hk, &depth));
  assert_int_equal(depth, 1);
  dds_delete_qos(w);

  mi_dds_node *pn = mi_test_node("zone_pub", 14);
  mi_dds_pub *pub;
  assert_int_equal(mi_dds_pub_create_std(pn, MI_TOPIC_SAFETY_ZONE, &pub), MI_OK);
  for (int i = 1; i <= 5; i++) {
    mi_msg_zone_status z;
    mi_msg_init(MI_MSG_ZONE_STATUS, &z);
    z.header = mi_dds_node_header(pn, "world");
    z.zone_id = "cell";
    z.speed_scale = 0.1 * i;
    assert_int_equal(MI_DDS_PUBLISH(pub, &z), MI_OK);
  }
  mi_dds_node *sn = mi_test_node("zone_late", 14);
  double got[2] = {0.0, 0.0};
  mi_dds_sub_opts so = {.on_sample = on_zone__mi_cb, .user = got};
  mi_dds_sub *sub;
  assert_int_equal(mi_dds_sub_create_std(sn, MI_TOPIC_SAFETY_ZONE, &so, &sub), MI_OK);
  int64_t end = mi_clock_mono_ns() + WAIT_NS;
  while (got[0] < 1.0 && mi_clock_mono_ns() < end) mi_dds_spin_once(sn, 20 * MI_NS_PER_MS);
  end = mi_clock_mono_ns() + 300 * MI_NS_PER_MS; /* anything older would come now */
  while (mi_clock_mono_ns() < end) mi_dds_spin_once(sn, 20 * MI_NS_PER_MS);
  assert_true(got[0] == 1.0);
  assert_float_equal(got[1], 0.5, 1e-12);
  mi_dds_node_destroy(sn);
  mi_dds_node_destroy(pn);
}

/* a reader that matches after samples were written: the writer's node logs
 * how many, and whether the reader gets the newest (transient-local) or
 * none of them (volatile); the count is what the reader missed */
static char g_lines[4096];
static void capture(void *user, mi_log_level level, const char *line) {
  (void)user;
  if (level == MI_LOG_INFO && strlen(g_lines) + strlen(line) + 2 < sizeof g_lines) {
    strcat(g_lines, line);
    strcat(g_lines, "\n");
  }
}

static void test_late_reader_is_told(void **state) {
  (void)state;
  g_lines[0] = '\0';
  mi_log_level was = mi_log_get_level();
  mi_log_set_level(MI_LOG_INFO);
  mi_log_set_sink(capture, NULL);
  mi_dds_node *pn = mi_test_node("late_pub", 13);
  mi_dds_pub *cmd, *zone;
  assert_int_equal(mi_dds_pub_create(pn, "late_cmds", MI_MSG_JOINT_STATE, MI_QOS_COMMAND, &cmd),
                   MI_OK);
  assert_int_equal(mi_dds_pub_create_std(pn, MI_TOPIC_SAFETY_ZONE, &zone), MI_OK);
  char *names[1] = {"j1"};
  double q[1] = {0.5}, v[1] = {0.0};
  for (int i = 0; i < 3; i++) {
    mi_msg_joint_state js;
    fill_js(&js, pn, names, q, v, 1, 1);
    assert_int_equal(MI_DDS_PUBLISH(cmd, &js), MI_OK);
  }
  mi_msg_zone_status z;
  mi_msg_init(MI_MSG_ZONE_STATUS, &z);
  z.header = mi_dds_node_header(pn, "world");
  z.zone_id = "cell";
  z.speed_scale = 1.0;
  assert_int_equal(MI_DDS_PUBLISH(zone, &z), MI_OK);

  mi_dds_node *sn = mi_test_node("late_sub", 13);
  js_rx rx = {0};
  double got[2] = {0.0, 0.0};
  mi_dds_sub *s1, *s2;
  mi_dds_sub_opts so = {.on_sample = on_js__mi_cb, .user = &rx};
  assert_int_equal(mi_dds_sub_create(sn, "late_cmds", MI_MSG_JOINT_STATE, MI_QOS_COMMAND, &so, &s1),
                   MI_OK);
  so = (mi_dds_sub_opts){.on_sample = on_zone__mi_cb, .user = got};
  assert_int_equal(mi_dds_sub_create_std(sn, MI_TOPIC_SAFETY_ZONE, &so, &s2), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(cmd, 1, WAIT_NS), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(zone, 1, WAIT_NS), MI_OK);
  /* the next write notices the match */
  mi_msg_joint_state js;
  fill_js(&js, pn, names, q, v, 1, 1);
  assert_int_equal(MI_DDS_PUBLISH(cmd, &js), MI_OK);
  z.speed_scale = 0.5;
  assert_int_equal(MI_DDS_PUBLISH(zone, &z), MI_OK);
  mi_log_set_sink(NULL, NULL);
  mi_log_set_level(was);
  print_message("%s", g_lines);
  assert_non_null(strstr(g_lines, "[late_pub] rt/late_cmds: a reader matched after 3 samples "
                                  "were written (volatile: it missed all but perhaps the last); "
                                  "1 matched now"));
  assert_non_null(strstr(g_lines, "[late_pub] rt/safety_zone: a reader matched after 1 sample "
                                  "was written (transient-local: a transient-local reader gets the newest)"));
  /* and that is what it got: of the commands only the one written after the
   * match (the zone's newest: test_late_joiner_gets_latest) */
  int64_t end = mi_clock_mono_ns() + WAIT_NS;
  while ((rx.n < 1 || got[1] != 0.5) && mi_clock_mono_ns() < end)
    mi_dds_spin_once(sn, 10 * MI_NS_PER_MS);
  end = mi_clock_mono_ns() + 300 * MI_NS_PER_MS; /* anything older would come now */
  while (mi_clock_mono_ns() < end) mi_dds_spin_once(sn, 20 * MI_NS_PER_MS);
  assert_int_equal(rx.n, 1);
  assert_float_equal(got[1], 0.5, 1e-12);
  /* a write with no new reader says nothing */
  g_lines[0] = '\0';
  mi_log_set_level(MI_LOG_INFO);
  mi_log_set_sink(capture, NULL);
  assert_int_equal(MI_DDS_PUBLISH(cmd, &js), MI_OK);
  mi_log_set_sink(NULL, NULL);
  mi_log_set_level(was);
  assert_string_equal(g_lines, "");
  mi_dds_node_destroy(sn);
  mi_dds_node_destroy(pn);
}

static void *stopper(void *arg) {
  mi_clock_sleep_ns(100 * MI_NS_PER_MS);
  mi_dds_shutdown();
  (void)arg;
  return NULL;
}

static void test_shutdown_and_container(void **state) {
  (void)state;
  mi_dds_node *a = mi_test_node("one", 13), *b = mi_test_node("two", 13);
  tick ka = {0}, kb = {0};
  mi_dds_timer *t;
  assert_int_equal(mi_dds_timer_create(a, 5 * MI_NS_PER_MS, on_tick, &ka, &t), MI_OK);
  assert_int_equal(mi_dds_timer_create(b, 5 * MI_NS_PER_MS, on_tick, &kb, &t), MI_OK);
  mi_dds_container *c;
  assert_int_equal(mi_dds_container_create(&c), MI_OK);
  assert_int_equal(mi_dds_container_add(c, a), MI_OK);
  assert_int_equal(mi_dds_container_add(c, b), MI_OK);
  pthread_t th;
  pthread_create(&th, NULL, stopper, NULL);
  int64_t t0 = mi_clock_mono_ns();
  assert_int_equal(mi_dds_container_run(c), MI_OK);
  int64_t dt = mi_clock_mono_ns() - t0;
  pthread_join(th, NULL);
  assert_false(mi_dds_ok());
  assert_true(dt < 2 * MI_NS_PER_S); /* shutdown wakes the executors at once */
  assert_true(ka.n > 5 && kb.n > 5);
  mi_dds_container_destroy(c);
  mi_dds_reset_shutdown();
  assert_true(mi_dds_ok());
  /* after a reset a node spins again */
  assert_int_equal(mi_dds_spin_once(a, 50 * MI_NS_PER_MS), MI_OK);
  mi_dds_node_destroy(a);
  mi_dds_node_destroy(b);
}

static void test_sim_time_timer(void **state) {
  (void)state;
  mi_simclock *sc = mi_simclock_create();
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "simmed");
  o.dds.domain_id = 14;
  o.dds.use_sim_time = true;
  o.simclock = sc;
  mi_dds_node *n;
  assert_int_equal(mi_dds_node_create(&o, &n, NULL, 0), MI_OK);
  assert_int_equal(mi_dds_node_clock(n)->kind, MI_CLOCK_SIM);
  tick k = {0};
  mi_dds_timer *t;
  assert_int_equal(mi_dds_timer_create(n, 100 * MI_NS_PER_MS, on_tick, &k, &t), MI_OK);
  /* no sim time passes: no tick however long we wait */
  assert_int_equal(mi_dds_spin_once(n, 30 * MI_NS_PER_MS), MI_ERR_TIMEOUT);
  assert_int_equal(k.n, 0);
  /* sim time jumps 1 s: one tick, 9 periods counted as overruns */
  mi_simclock_set(sc, MI_NS_PER_S);
  assert_int_equal(mi_dds_spin_once(n, 30 * MI_NS_PER_MS), MI_OK);
  assert_int_equal(k.n, 1);
  assert_int_equal(k.last, MI_NS_PER_S);
  mi_dds_counters c;
  mi_dds_node_counters(n, &c);
  assert_int_equal(c.timer_overruns, 9);
  assert_int_equal(mi_dds_node_now(n), MI_NS_PER_S);
  mi_dds_node_destroy(n);
  mi_simclock_destroy(sc);
}

static void test_errors(void **state) {
  (void)state;
  mi_dds_node_opts o;
  mi_dds_node *n = NULL;
  char err[256];
  mi_dds_node_opts_init(&o, "bad name");
  assert_int_equal(mi_dds_node_create(&o, &n, err, sizeof err), MI_ERR_INVALID);
  assert_non_null(strstr(err, "bad name"));
  mi_dds_node_opts_init(&o, "ok");
  o.dds.domain_id = 15;
  snprintf(o.dds.config, sizeof o.dds.config, "nonsense");
  assert_int_equal(mi_dds_node_create(&o, &n, err, sizeof err), MI_ERR_INVALID);
  assert_non_null(strstr(err, "dds.config"));
  snprintf(o.dds.config, sizeof o.dds.config, "file:///no/such/cyclone.xml");
  assert_int_equal(mi_dds_node_create(&o, &n, err, sizeof err), MI_ERR_INVALID);
  assert_non_null(strstr(err, "/no/such/cyclone.xml"));
  assert_null(n);
  /* a bad topic name */
  n = mi_test_node("topics", 15);
  mi_dds_pub *p;
  assert_int_equal(mi_dds_pub_create(n, "/bad name", MI_MSG_POSE, MI_QOS_STATE, &p),
                   MI_ERR_INVALID);
  assert_int_equal(mi_dds_pub_create(n, "/ok", MI_MSG_TYPE_COUNT, MI_QOS_STATE, &p),
                   MI_ERR_INVALID);
  /* the same domain with another configuration in one process is refused */
  mi_dds_node_opts_init(&o, "other");
  o.dds.domain_id = 15;
  snprintf(o.dds.config, sizeof o.dds.config, "%s", "<CycloneDDS/>");
  mi_dds_node *m = NULL;
  assert_int_equal(mi_dds_node_create(&o, &m, err, sizeof err), MI_ERR_STATE);
  assert_non_null(strstr(err, "another DDS configuration"));
  mi_dds_node_destroy(n);
}

int main(void) {
  unsetenv("CYCLONEDDS_URI");
  unsetenv("ROS_DOMAIN_ID");
  mi_log_set_level(MI_LOG_ERROR);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pub_sub_and_rejections),
      cmocka_unit_test(test_app_check),
      cmocka_unit_test(test_timer_and_freshness),
      cmocka_unit_test(test_late_joiner_gets_latest),
      cmocka_unit_test(test_late_reader_is_told),
      cmocka_unit_test(test_shutdown_and_container),
      cmocka_unit_test(test_sim_time_timer),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
