/* dds/node.h - the node runtime: what rclc/rclcpp give a ROS 2 node, in C.
 *
 * A node has a name, a clock, publishers, subscriptions with typed callbacks
 * and timers, and is driven by an executor (a DDS waitset) on the thread that
 * spins it. Every node of a process on the same domain shares one DDS
 * participant (created with the first node, deleted with the last). A node's
 * code is the same whether it runs alone in its process (`mirai node X`:
 * create, spin, destroy) or with others in a container (one thread each).
 *
 *   static void on_js(const mi_msg_joint_state *js, const mi_dds_sample_info *info,
 *                     void *user) { ... }
 *   MI_DDS_TYPED_CB(on_js, mi_msg_joint_state)    // at file scope
 *
 *   mi_dds_node_opts o;  mi_dds_node_opts_init(&o, "controller");
 *   o.dds = params.dds;                            // dds.domain_id, dds.config, use_sim_time
 *   mi_dds_node *n;  if (mi_dds_node_create(&o, &n, err, sizeof err)) ...
 *   mi_dds_sub *js;  MI_DDS_SUBSCRIBE(n, "/joint_states", MI_QOS_SENSOR, on_js, ctx, &js);
 *   mi_dds_pub *cmd; mi_dds_pub_create(n, "/joint_commands", MI_MSG_JOINT_STATE,
 *                                      MI_QOS_COMMAND, &cmd);
 *   mi_dds_timer *t; mi_dds_timer_create(n, 10 * MI_NS_PER_MS, on_tick, ctx, &t);
 *   mi_dds_install_signal_handlers();              // SIGINT/SIGTERM -> mi_dds_shutdown
 *   mi_dds_spin(n);                                // until shutdown
 *   mi_dds_node_destroy(n);
 *
 * Topics take ROS 2 names ("/joint_states"); on the wire they are
 * "rt/joint_states". Standard topics also have rows in MI_TOPICS (qos.h):
 * mi_dds_pub_create_std / mi_dds_sub_create_std take the type and QoS from
 * there.
 *
 * Inbound validation: every sample is checked with mi_msg_validate (finite
 * floats, consistent lengths, bounded strings and sequences), then with the
 * subscription's own check (joint names known, ...), then its header stamp
 * (when the type has one) against the node clock: more than max_future_ns
 * ahead is rejected. A rejected sample never reaches the callback; it is
 * counted (node and subscription counters) and logged at most once a second
 * per subscription.
 *
 * Real-time readers: callbacks run on the executor thread, never on a
 * real-time loop. To hand the latest sample to a real-time thread without
 * locks, copy what it needs into a fixed-size struct in a core/ring.h
 * mi_latest from the callback, and take it in the loop:
 *
 *   static void on_plan(const mi_msg_joint_trajectory *p, const mi_dds_sample_info *i,
 *                       void *user) {
 *     my_ctx *c = user;
 *     my_plan *dst = mi_latest_write_buf(&c->plan);   // my_plan: fixed arrays
 *     ...copy p->points._buffer[k] into dst...
 *     mi_latest_publish(&c->plan);
 *   }
 *   // in the real-time loop: const my_plan *p; if (mi_latest_take(&c->plan, (const void **)&p)) ...
 *
 * The executor thread is the single writer, the loop the single reader, as
 * mi_latest requires; nothing allocates or locks on either side.
 *
 * Thread rules: create and destroy a node, its publishers, subscriptions and
 * timers from the thread that spins it (or before spinning starts);
 * callbacks run on that thread. mi_dds_publish, the counters,
 * mi_dds_node_stop, mi_dds_shutdown and mi_dds_ok may be called from any
 * thread. Publishers, subscriptions and timers are owned by the node and
 * freed with it.
 */
#ifndef MI_DDS_NODE_H
#define MI_DDS_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/status.h"
#include "dds/domain.h"
#include "dds/dds.h"
#include "dds/msgs.h"
#include "dds/qos.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mi_dds_node mi_dds_node;
typedef struct mi_dds_pub mi_dds_pub;
typedef struct mi_dds_sub mi_dds_sub;
typedef struct mi_dds_timer mi_dds_timer;

#define MI_DDS_NAME_MAX 64 /* node names, bytes including the NUL */

/* --- counters ------------------------------------------------------------ */

typedef struct mi_dds_counters {
  uint64_t in;              /* samples accepted and delivered to a callback */
  uint64_t out;             /* samples written */
  uint64_t rejected;        /* samples dropped by validation */
  uint64_t deadline_misses; /* freshness budgets (max_age_ns) exceeded */
  uint64_t timer_overruns;  /* timer periods skipped because a callback ran late */
} mi_dds_counters;

/* --- nodes --------------------------------------------------------------- */

typedef struct mi_dds_node_opts {
  const char *name;      /* required; [A-Za-z_][A-Za-z0-9_]*, < MI_DDS_NAME_MAX */
  mi_dds_params dds;     /* domain, config, use_sim_time (domain.h) */
  /* With dds.use_sim_time: a sim clock the caller drives (borrowed, must
   * outlive the node). NULL: the node subscribes /clock and drives its own. */
  mi_simclock *simclock;
  /* A header stamp more than this ahead of the node's clock is rejected;
   * 0 disables the check. Default 1 s. */
  int64_t max_future_ns;
} mi_dds_node_opts;

/* Fill o with defaults (mi_dds_params_default, no sim clock, 1 s) and name. */
void mi_dds_node_opts_init(mi_dds_node_opts *o, const char *name);

/* Create a node: joins (or creates) the process's participant for the
 * resolved domain (mi_dds_resolve), and when use_sim_time without a
 * simclock, subscribes /clock. Caller frees with mi_dds_node_destroy.
 * @retval MI_ERR_INVALID bad name or params (err says which)
 * @retval MI_ERR_STATE   this process already uses that domain with another
 *                        configuration
 * @retval MI_ERR_DDS     Cyclone refused (err has its message: a bad XML
 *                        config shows up here)
 * @retval MI_ERR_NOMEM */
mi_status mi_dds_node_create(const mi_dds_node_opts *o, mi_dds_node **out, char *err,
                             size_t err_sz);

/* Stop using the node: deletes its readers, writers and timers; the last
 * node on a domain deletes the participant. NULL is a no-op. Not while it is
 * being spun on another thread (stop it and join first). */
void mi_dds_node_destroy(mi_dds_node *n);

const char *mi_dds_node_name(const mi_dds_node *n);
uint32_t mi_dds_node_domain(const mi_dds_node *n);
dds_entity_t mi_dds_node_participant(const mi_dds_node *n);

/* The node's clock: MI_CLOCK_SIM with use_sim_time, else MI_CLOCK_WALL (for
 * stamps). Timers and freshness run on MI_CLOCK_MONO unless on sim time. */
const mi_clock *mi_dds_node_clock(const mi_dds_node *n);

/* Now, for message stamps: sim time, or wall time (ns since the epoch). */
int64_t mi_dds_node_now(const mi_dds_node *n);

/* A header stamped now (frame_id borrowed: keep it alive until published). */
mi_msg_header mi_dds_node_header(const mi_dds_node *n, const char *frame_id);

/* Node totals (sums over its publishers, subscriptions and timers). Any thread. */
void mi_dds_node_counters(const mi_dds_node *n, mi_dds_counters *out);

/* --- publishers ---------------------------------------------------------- */

/* A writer on topic (ROS 2 name) with type and profile.
 * @retval MI_ERR_INVALID bad topic name or type
 * @retval MI_ERR_DDS     (e.g. the topic exists here with another type) */
mi_status mi_dds_pub_create(mi_dds_node *n, const char *topic, mi_msg_type type,
                            mi_qos_profile qos, mi_dds_pub **out);

/* A writer on a standard topic (type and QoS from MI_TOPICS). */
mi_status mi_dds_pub_create_std(mi_dds_node *n, mi_topic t, mi_dds_pub **out);

/* Write one sample of the publisher's type (serialised at once; msg stays
 * the caller's). Any thread; does not block with best-effort, and with
 * reliable only when a reader's queue is full.
 * @retval MI_ERR_DDS */
mi_status mi_dds_publish(mi_dds_pub *p, const void *msg);

/* Like mi_dds_publish, refusing a message of the wrong C type at compile
 * time's help: MI_DDS_PUBLISH(pub, &js) checks MI_MSG_TYPE_OF(&js) against
 * the publisher's type (MI_ERR_INVALID when they differ). */
#define MI_DDS_PUBLISH(pub, msgptr) mi_dds_publish_typed((pub), MI_MSG_TYPE_OF(msgptr), (msgptr))
mi_status mi_dds_publish_typed(mi_dds_pub *p, mi_msg_type type, const void *msg);

/* Readers currently matched (discovered) by this writer. */
uint32_t mi_dds_pub_matched(const mi_dds_pub *p);

/* Block until at least n readers match or timeout_ns (monotonic) passes.
 * @retval MI_ERR_TIMEOUT */
mi_status mi_dds_pub_wait_matched(const mi_dds_pub *p, uint32_t n, int64_t timeout_ns);

/* Block until every matched reliable reader acknowledged what was written,
 * or timeout_ns passes (before exiting right after a write).
 * @retval MI_ERR_TIMEOUT */
mi_status mi_dds_pub_wait_acked(const mi_dds_pub *p, int64_t timeout_ns);

void mi_dds_pub_counters(const mi_dds_pub *p, mi_dds_counters *out);
mi_msg_type mi_dds_pub_type(const mi_dds_pub *p);

/* --- subscriptions ------------------------------------------------------- */

typedef struct mi_dds_sample_info {
  int64_t source_wall_ns; /* the writer's source timestamp (wall clock) */
  int64_t recv_mono_ns;   /* when the executor took it (CLOCK_MONOTONIC) */
} mi_dds_sample_info;

/* A validated sample. msg points at the subscription's type (a
 * const mi_msg_<type> *), valid only during the call. */
typedef void (*mi_dds_sub_fn)(const void *msg, const mi_dds_sample_info *info, void *user);

/* The application's own check, after the type's: return false and say why
 * (NUL-terminated, at most why_sz bytes) to reject. */
typedef bool (*mi_dds_check_fn)(const void *msg, void *user, char *why, size_t why_sz);

/* Freshness budget exceeded: no accepted sample for age_ns > max_age_ns.
 * Called once per lapse; the next accepted sample re-arms it. */
typedef void (*mi_dds_stale_fn)(mi_dds_sub *s, int64_t age_ns, void *user);

typedef struct mi_dds_sub_opts {
  mi_dds_sub_fn on_sample; /* required */
  void *user;              /* passed to every callback */
  mi_dds_check_fn check;   /* optional */
  int64_t max_age_ns;      /* 0: no freshness budget. Measured on the timer
                              clock from the last accepted sample (or from
                              creation, so a writer that never starts counts) */
  mi_dds_stale_fn on_stale; /* optional, with max_age_ns */
} mi_dds_sub_opts;

/* A reader on topic (ROS 2 name) with type and profile; the executor calls
 * o->on_sample for every sample that passes validation.
 * @retval MI_ERR_INVALID bad topic, type or opts (no on_sample)
 * @retval MI_ERR_DDS */
mi_status mi_dds_sub_create(mi_dds_node *n, const char *topic, mi_msg_type type,
                            mi_qos_profile qos, const mi_dds_sub_opts *o, mi_dds_sub **out);

/* A reader on a standard topic (type and QoS from MI_TOPICS). */
mi_status mi_dds_sub_create_std(mi_dds_node *n, mi_topic t, const mi_dds_sub_opts *o,
                                mi_dds_sub **out);

/* The short form: callback and user only. */
mi_status mi_dds_subscribe(mi_dds_node *n, const char *topic, mi_msg_type type,
                           mi_qos_profile qos, mi_dds_sub_fn fn, void *user, mi_dds_sub **out);

/* Typed callbacks. MI_DDS_TYPED_CB(fn, ctype), at file scope after
 *   static void fn(const ctype *msg, const mi_dds_sample_info *info, void *user);
 * defines fn__mi_cb (an mi_dds_sub_fn) and fn__mi_type (its mi_msg_type), so
 * MI_DDS_SUBSCRIBE(node, topic, qos, fn, user, &sub) picks the message type
 * from the callback's signature, as rclcpp's create_subscription<T> does. */
#define MI_DDS_TYPED_CB(fn, ctype)                                                   \
  static void fn##__mi_cb(const void *m_, const mi_dds_sample_info *i_, void *u_) {  \
    fn((const ctype *)m_, i_, u_);                                                   \
  }                                                                                  \
  enum { fn##__mi_type = MI_MSG_TYPE_OF((const ctype *)0) }
#define MI_DDS_SUBSCRIBE(node, topic, qos, fn, user, out) \
  mi_dds_subscribe((node), (topic), (mi_msg_type)fn##__mi_type, (qos), fn##__mi_cb, (user), (out))

/* Counters of this subscription (in, rejected, deadline_misses). Any thread. */
void mi_dds_sub_counters(const mi_dds_sub *s, mi_dds_counters *out);

/* Writers currently matched by this reader. */
uint32_t mi_dds_sub_matched(const mi_dds_sub *s);
mi_status mi_dds_sub_wait_matched(const mi_dds_sub *s, uint32_t n, int64_t timeout_ns);

/* --- timers -------------------------------------------------------------- */

/* now_ns: the timer clock (CLOCK_MONOTONIC, or sim time with use_sim_time)
 * at the call. */
typedef void (*mi_dds_timer_fn)(mi_dds_timer *t, int64_t now_ns, void *user);

/* A periodic timer on the node's timer clock, first firing one period from
 * now. Deadlines are absolute (start + k * period): a late call does not
 * shift the schedule; periods missed entirely are skipped and counted as
 * timer_overruns. On sim time a clock that jumps backwards restarts the
 * schedule.
 * @retval MI_ERR_INVALID period_ns <= 0 or fn NULL */
mi_status mi_dds_timer_create(mi_dds_node *n, int64_t period_ns, mi_dds_timer_fn fn, void *user,
                              mi_dds_timer **out);

/* As mi_dds_timer_create, on CLOCK_MONOTONIC even when the node follows sim
 * time (now_ns is then monotonic): for watchdogs and status that must keep
 * going while sim time stands still (a stalled or stopped sim). On sim time
 * it fires within MI_DDS_SIM_POLL_NS (1 ms) of its deadline. */
mi_status mi_dds_timer_create_mono(mi_dds_node *n, int64_t period_ns, mi_dds_timer_fn fn,
                                   void *user, mi_dds_timer **out);

/* Stop (true) or restart (false, next firing one period from now). */
void mi_dds_timer_pause(mi_dds_timer *t, bool paused);

/* --- the executor -------------------------------------------------------- */

/* Run the node's callbacks on the calling thread until mi_dds_node_stop or
 * mi_dds_shutdown. @retval MI_OK after a stop; MI_ERR_DDS when the waitset
 * fails. */
mi_status mi_dds_spin(mi_dds_node *n);

/* Wait up to timeout_ns for work, run whatever is ready (samples, due
 * timers, freshness checks) once, and return. For tests and for nodes that
 * own their loop.
 * @retval MI_OK            something ran
 * @retval MI_ERR_TIMEOUT   nothing was ready in time
 * @retval MI_ERR_INTERRUPTED the node was stopped */
mi_status mi_dds_spin_once(mi_dds_node *n, int64_t timeout_ns);

/* Ask this node's executor to return (wakes it). Any thread; sticky. */
void mi_dds_node_stop(mi_dds_node *n);

/* --- process-wide shutdown ----------------------------------------------- */

/* SIGINT and SIGTERM call mi_dds_shutdown (the handler only posts a
 * semaphore; a helper thread does the rest). A second signal while shutting
 * down restores the default action, so a third kills the process.
 * @retval MI_ERR_STATE when the helper thread cannot start */
mi_status mi_dds_install_signal_handlers(void);

/* Stop every node of the process (as mi_dds_node_stop on each). Any thread. */
void mi_dds_shutdown(void);

/* False once mi_dds_shutdown was called (until mi_dds_reset_shutdown). */
bool mi_dds_ok(void);

/* For tests that run several lifecycles in one process. */
void mi_dds_reset_shutdown(void);

/* --- container: several nodes in one process ---------------------------- */

typedef struct mi_dds_container mi_dds_container;

/* @retval MI_ERR_NOMEM */
mi_status mi_dds_container_create(mi_dds_container **out);

/* Add a created node (not yet spun). The container does not own it.
 * @retval MI_ERR_FULL past 32 nodes; MI_ERR_STATE while running */
mi_status mi_dds_container_add(mi_dds_container *c, mi_dds_node *n);

/* Spin every node on a thread of its own (log prefix = node name) and return
 * when all have stopped (mi_dds_shutdown stops them all).
 * @retval MI_ERR_STATE a thread could not start (the others are stopped) */
mi_status mi_dds_container_run(mi_dds_container *c);

/* Start the threads and return at once; mi_dds_container_join waits. */
mi_status mi_dds_container_start(mi_dds_container *c);
mi_status mi_dds_container_join(mi_dds_container *c);

/* Frees the container (not its nodes). Joins first if still running after
 * stopping its nodes. */
void mi_dds_container_destroy(mi_dds_container *c);

#ifdef __cplusplus
}
#endif

#endif /* MI_DDS_NODE_H */
