/* tests/integration/test_fault_flood.c - rt/joint_states flooded with bad
 * samples at 10 kHz for 10 s against a running predictor and controller
 * (`mirai node predictor|controller`, processes of their own, wall time,
 * DDS domain 171). This process is the plant (good joint states at 500 Hz,
 * the safety zone, a reach goal) and, from another writer on a thread of
 * its own, the flood: NaN, wrong array sizes, unknown joint names, stamps
 * 10 s in the future and positions beyond a joint's limit, in turn.
 *
 *  - every bad sample that reaches a node is rejected and counted: the good
 *    stream stops for the last 2 s of the flood and both nodes then see
 *    their joint states expire (the controller's joint_states input is
 *    EXPIRED and it is in SAFE_STOP, the predictor reports stale joint
 *    states) while ~20000 bad samples keep arriving: not one of them was
 *    taken as a joint state;
 *  - samples_rejected of both statuses grows by the number sent less the
 *    best-effort loss; rt/joint_states is keep-last 1, so a node loses every
 *    sample overwritten before its executor takes it. The loss is measured:
 *    sent - rejected per node, beside a probe reader in this process that
 *    counts what arrives on its own thread (the transport's share);
 *  - no crash (both alive, then a clean SIGINT exit), and the plan rate
 *    during the flood is within 20% of the rate before it. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "dds/node.h"
#include "tests/support/test_support.h"

#define MIRAI MIRAI_BINARY_DIR "/launch/mirai"
#define DOMAIN 171
#define MS MI_NS_PER_MS
#define FLOOD_HZ 10000
#define FLOOD_S 10
#define FLOOD_N (FLOOD_HZ * FLOOD_S)
#define GOOD_OFF_S 2 /* the good stream stops this long before the flood ends */
#define NKIND 5
/* Under a sanitizer (make sanitize, make tsan) this test checks that the
 * flood is rejected and counted without a memory or thread error; the
 * flooder (instrumented too) falls short of 10 kHz and the instrumented
 * predictor's plan rate is no measure of mirai's: those two figures are
 * printed, not asserted. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

static const char *const k_kind[NKIND] = {"NaN position", "5 positions for 7 names",
                                          "unknown joint names", "stamp 10 s ahead",
                                          "joint2 at 5 rad (limit 1.76)"};
static char *k_names[7] = {"joint1", "joint2", "joint3", "joint4", "joint5", "joint6", "joint7"};
static char *k_bogus[7] = {"bogus1", "bogus2", "bogus3", "bogus4", "bogus5", "bogus6", "bogus7"};
static const double k_q0[7] = {0, -0.3, 0, -2.0, 0, 1.8, 0.8}; /* a ready pose */

typedef struct flood {
  mi_dds_node *n;
  mi_dds_pub *pub;
  uint64_t sent[NKIND], failed;
  int64_t t_start, t_end;
} flood;

typedef struct probe {
  mi_dds_node *n;
  mi_dds_sub *sub;
  _Atomic uint64_t flood_in; /* flood samples that passed mirai's validation */
} probe;

typedef struct watch {
  /* planner */
  uint64_t pl_n, plans, pl_rejected, stale_cycles;
  int64_t pl_stamp;
  char pl_reason[160], task[16];
  /* controller */
  uint64_t ct_n, ct_rejected;
  int state;
  int64_t ct_t;
  char ct_reason[160];
  int64_t run_ns, last_t; /* time in RUN, integrated over arrivals */
  int last_state;
  int js_input; /* the controller's joint_states input: MI_CTRL_INPUT_* (-1: not named) */
} watch;

static void on_planner(const mi_msg_planner_status *s, const mi_dds_sample_info *i, void *u) {
  (void)i;
  watch *w = u;
  w->pl_n++;
  w->plans = s->plans_published;
  w->pl_rejected = s->samples_rejected;
  w->stale_cycles = s->stale_cycles;
  w->pl_stamp = mi_msg_time_to_ns(&s->header.stamp);
  snprintf(w->pl_reason, sizeof w->pl_reason, "%s", s->reason);
  snprintf(w->task, sizeof w->task, "%s", s->task);
}
MI_DDS_TYPED_CB(on_planner, mi_msg_planner_status);

static void on_ctrl(const mi_msg_controller_status *s, const mi_dds_sample_info *i, void *u) {
  (void)i;
  watch *w = u;
  int64_t now = mi_clock_mono_ns();
  if (w->ct_n && w->last_state == MI_CTRL_STATE_RUN) w->run_ns += now - w->last_t;
  w->last_t = now;
  w->last_state = s->state;
  w->ct_n++;
  w->ct_rejected = s->samples_rejected;
  w->state = s->state;
  w->ct_t = now;
  snprintf(w->ct_reason, sizeof w->ct_reason, "%s", s->reason);
  w->js_input = -1;
  for (uint32_t k = 0; k < s->input_names._length && k < s->input_states._length; k++)
    if (!strcmp(s->input_names._buffer[k], "joint_states")) w->js_input = s->input_states._buffer[k];
}
MI_DDS_TYPED_CB(on_ctrl, mi_msg_controller_status);

static void on_probe(const mi_msg_joint_state *js, const mi_dds_sample_info *i, void *u) {
  (void)i;
  probe *p = u;
  if (!strcmp(js->header.frame_id, "flood")) atomic_fetch_add(&p->flood_in, 1);
}
MI_DDS_TYPED_CB(on_probe, mi_msg_joint_state);

static void *probe_main(void *arg) {
  probe *p = arg;
  mi_dds_spin(p->n);
  return NULL;
}

/* one bad sample of kind k */
static mi_status send_bad(flood *f, int k) {
  double q[7];
  memcpy(q, k_q0, sizeof q);
  double zero[7] = {0};
  mi_msg_joint_state js;
  mi_msg_init(MI_MSG_JOINT_STATE, &js);
  js.header = mi_dds_node_header(f->n, "flood");
  uint32_t npos = 7;
  char **names = k_names;
  switch (k) {
    case 0: q[2] = NAN; break;
    case 1: npos = 5; break;
    case 2: names = k_bogus; break;
    case 3:
      js.header.stamp = mi_msg_time_from_ns(mi_msg_time_to_ns(&js.header.stamp) + 10 * MI_NS_PER_S);
      break;
    default: q[1] = 5.0; break;
  }
  js.name = MI_MSG_SEQ(__typeof__(js.name), names, 7);
  js.position = MI_MSG_SEQ(dds_sequence_double, q, npos);
  js.velocity = MI_MSG_SEQ(dds_sequence_double, zero, 7);
  return MI_DDS_PUBLISH(f->pub, &js);
}

/* FLOOD_N samples on an absolute 100 us grid; a late wake-up sends what
 * is due (a flood does not slow down for its victim) */
static void *flood_main(void *arg) {
  flood *f = arg;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  f->t_start = mi_clock_mono_ns();
  int64_t t0 = (int64_t)ts.tv_sec * MI_NS_PER_S + ts.tv_nsec;
  uint64_t i = 0;
  while (i < FLOOD_N) {
    int64_t due = (mi_clock_mono_ns() - t0) / (MI_NS_PER_S / FLOOD_HZ) + 1;
    for (; i < (uint64_t)due && i < FLOOD_N; i++) {
      int k = (int)(i % NKIND);
      if (send_bad(f, k) == MI_OK) f->sent[k]++;
      else f->failed++;
    }
    int64_t next = t0 + (int64_t)i * (MI_NS_PER_S / FLOOD_HZ);
    ts.tv_sec = next / MI_NS_PER_S;
    ts.tv_nsec = next % MI_NS_PER_S;
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
  }
  f->t_end = mi_clock_mono_ns();
  return NULL;
}

typedef struct plant {
  mi_dds_node *n;
  mi_dds_pub *js, *zone, *goal;
  int64_t next_js, next_zone, next_goal;
  bool good; /* the good joint-state stream is on */
  watch w;
} plant;

/* run the plant for ns: good joint states at 500 Hz, the zone at 10 Hz,
 * the goal every 0.5 s (volatile: said again, as a cell PLC would) */
static void run_plant(plant *p, int64_t ns) {
  int64_t end = mi_clock_mono_ns() + ns;
  do {
    int64_t now = mi_clock_mono_ns();
    if (p->good && now >= p->next_js) {
      double zero[7] = {0};
      mi_msg_joint_state js;
      mi_msg_init(MI_MSG_JOINT_STATE, &js);
      js.header = mi_dds_node_header(p->n, "good");
      js.name = MI_MSG_SEQ(__typeof__(js.name), k_names, 7);
      js.position = MI_MSG_SEQ(dds_sequence_double, (double *)k_q0, 7);
      js.velocity = MI_MSG_SEQ(dds_sequence_double, zero, 7);
      assert_int_equal(MI_DDS_PUBLISH(p->js, &js), MI_OK);
      p->next_js = now + 2 * MS;
    }
    if (now >= p->next_zone) {
      mi_msg_zone_status z;
      mi_msg_init(MI_MSG_ZONE_STATUS, &z);
      z.header = mi_dds_node_header(p->n, "world");
      z.zone_id = "operator";
      z.speed_scale = 1.0;
      assert_int_equal(MI_DDS_PUBLISH(p->zone, &z), MI_OK);
      p->next_zone = now + 100 * MS;
    }
    if (now >= p->next_goal) {
      mi_msg_pose_stamped g;
      mi_msg_init(MI_MSG_POSE_STAMPED, &g);
      g.header.frame_id = "world";
      g.pose.position.x = 0.4;
      g.pose.position.z = 0.8;
      assert_int_equal(MI_DDS_PUBLISH(p->goal, &g), MI_OK);
      p->next_goal = now + 500 * MS;
    }
    mi_dds_spin_once(p->n, 1 * MS);
  } while (mi_clock_mono_ns() < end);
}

static pid_t g_pid[2];

static void kill_nodes(void) {
  for (int i = 0; i < 2; i++)
    if (g_pid[i] > 0) kill(g_pid[i], SIGKILL);
}

/* plans per second between two planner statuses, over their header stamps */
typedef struct rate_mark {
  uint64_t plans;
  int64_t stamp;
} rate_mark;

static rate_mark mark(const watch *w) { return (rate_mark){w->plans, w->pl_stamp}; }

static double rate(rate_mark a, rate_mark b) {
  return b.stamp > a.stamp ? (double)(b.plans - a.plans) / mi_s_from_ns(b.stamp - a.stamp) : 0.0;
}

static void test_flood(void **state) {
  (void)state;
  atexit(kill_nodes);
  char domain[40];
  snprintf(domain, sizeof domain, "dds.domain_id:=%d", DOMAIN);
  int fd[2];
  char *pargv[] = {"mirai", "node", "predictor", "--params", "tests/data/fault_flood_params.yaml",
                   "-p", domain, NULL};
  char *cargv[] = {"mirai", "node", "controller", "--params", "tests/data/fault_flood_params.yaml",
                   "-p", domain, NULL};
  g_pid[0] = mi_test_spawn(MIRAI, pargv, MIRAI_SOURCE_DIR, &fd[0]);
  g_pid[1] = mi_test_spawn(MIRAI, cargv, MIRAI_SOURCE_DIR, &fd[1]);

  static plant p;
  memset(&p, 0, sizeof p);
  p.good = true;
  p.n = mi_test_node("plant", DOMAIN);
  assert_int_equal(mi_dds_pub_create_std(p.n, MI_TOPIC_JOINT_STATES, &p.js), MI_OK);
  assert_int_equal(mi_dds_pub_create_std(p.n, MI_TOPIC_SAFETY_ZONE, &p.zone), MI_OK);
  assert_int_equal(mi_dds_pub_create_std(p.n, MI_TOPIC_GOAL, &p.goal), MI_OK);
  mi_dds_sub *s;
  mi_dds_sub_opts so = {.on_sample = on_planner__mi_cb, .user = &p.w};
  assert_int_equal(mi_dds_sub_create_std(p.n, MI_TOPIC_PLANNER_STATUS, &so, &s), MI_OK);
  so.on_sample = on_ctrl__mi_cb;
  assert_int_equal(mi_dds_sub_create_std(p.n, MI_TOPIC_CONTROLLER_STATUS, &so, &s), MI_OK);

  static flood f;
  memset(&f, 0, sizeof f);
  f.n = mi_test_node("flooder", DOMAIN);
  assert_int_equal(mi_dds_pub_create_std(f.n, MI_TOPIC_JOINT_STATES, &f.pub), MI_OK);
  static probe pr;
  memset(&pr, 0, sizeof pr);
  pr.n = mi_test_node("probe", DOMAIN);
  mi_dds_sub_opts po = {.on_sample = on_probe__mi_cb, .user = &pr};
  assert_int_equal(mi_dds_sub_create_std(pr.n, MI_TOPIC_JOINT_STATES, &po, &pr.sub), MI_OK);

  /* both nodes up: the flood's writer matched by them and the probe */
  assert_int_equal(mi_dds_pub_wait_matched(f.pub, 3, 30 * MI_NS_PER_S), MI_OK);
  assert_int_equal(mi_dds_pub_wait_matched(p.js, 3, 30 * MI_NS_PER_S), MI_OK);

  /* warm up: the predictor plans the reach and the controller runs */
  int64_t end = mi_clock_mono_ns() + 40 * MI_NS_PER_S;
  while (!(p.w.plans > 50 && p.w.state == MI_CTRL_STATE_RUN && p.w.ct_n > 0)) {
    if (mi_clock_mono_ns() > end)
      fail_msg("no steady state in 40 s: %llu plans, task '%s' ('%s'), controller %s '%s'",
               (unsigned long long)p.w.plans, p.w.task, p.w.pl_reason,
               p.w.ct_n ? (p.w.state == MI_CTRL_STATE_RUN ? "RUN" : "not RUN") : "silent",
               p.w.ct_reason);
    run_plant(&p, 50 * MS);
  }

  /* before: 3 s of good samples only */
  run_plant(&p, 200 * MS);
  rate_mark r0a = mark(&p.w);
  uint64_t rp0 = p.w.pl_rejected, rc0 = p.w.ct_rejected;
  run_plant(&p, 3 * MI_NS_PER_S);
  rate_mark r0b = mark(&p.w);
  double rate_before = rate(r0a, r0b);
  if (p.w.pl_rejected != rp0 || p.w.ct_rejected != rc0)
    fail_msg("good samples rejected before the flood: predictor +%llu, controller +%llu",
             (unsigned long long)(p.w.pl_rejected - rp0),
             (unsigned long long)(p.w.ct_rejected - rc0));

  /* the flood; the probe reads on a thread of its own */
  pthread_t ft, pt;
  assert_int_equal(pthread_create(&pt, NULL, probe_main, &pr), 0);
  p.w.run_ns = 0;
  assert_int_equal(pthread_create(&ft, NULL, flood_main, &f), 0);
  run_plant(&p, (FLOOD_S - GOOD_OFF_S) * MI_NS_PER_S);
  rate_mark r1 = mark(&p.w);
  double rate_during = rate(r0b, r1);
  int64_t run_during = p.w.run_ns;
  /* the last 2 s: bad samples only */
  p.good = false;
  int64_t t_off = mi_clock_mono_ns();
  run_plant(&p, GOOD_OFF_S * MI_NS_PER_S - 300 * MS);
  int state_off = p.w.state, js_off = p.w.js_input;
  char reason_off[160], pl_reason_off[160];
  snprintf(reason_off, sizeof reason_off, "%s", p.w.ct_reason);
  snprintf(pl_reason_off, sizeof pl_reason_off, "%s", p.w.pl_reason);
  bool ctrl_heard = p.w.ct_t > t_off + 500 * MS;
  pthread_join(ft, NULL);

  /* let the statuses catch up, then stop the probe */
  run_plant(&p, 1500 * MS);
  mi_dds_node_stop(pr.n);
  pthread_join(pt, NULL);

  uint64_t sent = 0;
  for (int k = 0; k < NKIND; k++) sent += f.sent[k];
  mi_dds_counters pc;
  mi_dds_sub_counters(pr.sub, &pc);
  uint64_t probe_got = pc.rejected + atomic_load(&pr.flood_in);
  uint64_t rp = p.w.pl_rejected - rp0, rc = p.w.ct_rejected - rc0;
  double flood_s = mi_s_from_ns(f.t_end - f.t_start);
  printf("flood: %llu bad samples in %.2f s (%.0f Hz; %llu of each of %d kinds), %llu writes "
         "failed\n",
         (unsigned long long)sent, flood_s, (double)sent / flood_s,
         (unsigned long long)f.sent[0], NKIND, (unsigned long long)f.failed);
  for (int k = 0; k < NKIND; k++)
    printf("  kind %d, %s: %llu sent\n", k, k_kind[k], (unsigned long long)f.sent[k]);
  printf("probe reader (this process, own thread): %llu arrived (%llu rejected by validation, "
         "%llu passed it: names/limits), loss %.2f %%\n",
         (unsigned long long)probe_got, (unsigned long long)pc.rejected,
         (unsigned long long)atomic_load(&pr.flood_in),
         100.0 * (double)(sent - probe_got) / (double)sent);
  printf("predictor: samples_rejected +%llu (%.1f %% of sent; lost before its executor took "
         "them: %llu)\n",
         (unsigned long long)rp, 100.0 * (double)rp / (double)sent,
         (unsigned long long)(sent - rp));
  printf("controller: samples_rejected +%llu (%.1f %% of sent; lost: %llu); in RUN %.0f %% of "
         "the flood with good samples\n",
         (unsigned long long)rc, 100.0 * (double)rc / (double)sent,
         (unsigned long long)(sent - rc),
         100.0 * mi_s_from_ns(run_during) / (double)(FLOOD_S - GOOD_OFF_S));
  printf("plan rate: %.1f Hz before, %.1f Hz during the flood\n", rate_before, rate_during);
  printf("bad samples only: controller %s, joint_states input %s ('%s'), predictor '%s', %llu "
         "stale cycles\n",
         state_off == MI_CTRL_STATE_SAFE_STOP ? "SAFE_STOP" : "not in SAFE_STOP",
         js_off == MI_CTRL_INPUT_EXPIRED ? "EXPIRED" : "not EXPIRED", reason_off,
         pl_reason_off, (unsigned long long)p.w.stale_cycles);

  assert_int_equal(sent, FLOOD_N);
  if (!SANITIZED && flood_s > FLOOD_S + 1.0)
    fail_msg("the flood took %.2f s: this machine could not send 10 kHz", flood_s);
  /* no bad sample was taken as a joint state: with only bad samples
   * arriving, both nodes' joint states went stale */
  if (!ctrl_heard) fail_msg("the controller was silent while only bad samples arrived");
  if (state_off != MI_CTRL_STATE_SAFE_STOP || js_off != MI_CTRL_INPUT_EXPIRED)
    fail_msg("bad samples only: the controller is %s with its joint_states input %s ('%s')",
             state_off == MI_CTRL_STATE_SAFE_STOP ? "in SAFE_STOP" : "not in SAFE_STOP",
             js_off == MI_CTRL_INPUT_EXPIRED ? "EXPIRED" : "not EXPIRED", reason_off);
  if (!strstr(pl_reason_off, "stale"))
    fail_msg("bad samples only: the predictor did not report stale joint states ('%s')",
             pl_reason_off);
  /* counted: never more than sent (good samples are never rejected), and
   * a node that takes samples at all counts what it takes */
  assert_true(rp <= sent && rc <= sent);
  if (rp == 0 || rc == 0) fail_msg("a node counted no rejection: predictor %llu, controller %llu",
                                   (unsigned long long)rp, (unsigned long long)rc);
  /* the plan rate holds */
  assert_true(rate_before > 5.0);
  if (SANITIZED) printf("sanitized build: the plan rate is not asserted\n");
  else if (rate_during < 0.8 * rate_before)
    fail_msg("plan rate fell from %.1f Hz to %.1f Hz during the flood", rate_before, rate_during);

  /* no crash: both alive, then a clean stop */
  for (int i = 0; i < 2; i++) {
    int st;
    if (waitpid(g_pid[i], &st, WNOHANG) != 0)
      fail_msg("the %s died during the flood", i ? "controller" : "predictor");
  }
  static char out[1 << 16];
  for (int i = 0; i < 2; i++) {
    kill(g_pid[i], SIGINT);
    int rc_exit = mi_test_finish(g_pid[i], fd[i], out, sizeof out);
    g_pid[i] = 0;
    const char *sum = strstr(out, "rejected:");
    if (sum) printf("%s exit summary: %.*s\n", i ? "controller" : "predictor",
                    (int)strcspn(sum, "\n"), sum);
    if (rc_exit != 0) fail_msg("%s exit %d:\n%s", i ? "controller" : "predictor", rc_exit,
                               out + (strlen(out) > 2000 ? strlen(out) - 2000 : 0));
  }
  mi_dds_node_destroy(pr.n);
  mi_dds_node_destroy(f.n);
  mi_dds_node_destroy(p.n);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_flood)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
