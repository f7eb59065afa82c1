/* dds/node.c - the node runtime (node.h): shared participants, publishers,
 * subscriptions with validation, timers, the waitset executor, shutdown and
 * the container. */
#define _GNU_SOURCE /* strdup */
#include "dds/node.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define MI_DDS_MAX_DOMAINS 8
#define MI_DDS_TAKE_BATCH 16
#define MI_DDS_CONTAINER_MAX 32
/* how often an executor on sim time looks at a clock it cannot wait on */
#define MI_DDS_SIM_POLL_NS (1 * MI_NS_PER_MS)

/* --- process-wide state ------------------------------------------------------ */

typedef struct mi_dds_part {
  uint32_t domain;
  int refs;
  dds_entity_t domain_handle; /* 0 when Cyclone made the domain itself (ENV) */
  dds_entity_t participant;
  mi_dds_config_source source;
  char *config; /* copy of the config text, to refuse a different one */
} mi_dds_part;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static mi_dds_part g_parts[MI_DDS_MAX_DOMAINS];
static mi_dds_node *g_nodes; /* every live node, for mi_dds_shutdown */
static atomic_bool g_shutdown;

struct mi_dds_pub {
  mi_dds_node *node;
  dds_entity_t writer;
  mi_msg_type type;
  atomic_uint_fast64_t out;
  atomic_uint matched; /* readers ever matched (total_count) at the last write */
  bool transient_local;
  char topic[128];
  mi_log_ratelimit rl;
  mi_dds_pub *next;
};

struct mi_dds_sub {
  mi_dds_node *node;
  dds_entity_t reader;
  mi_msg_type type;
  mi_dds_sub_opts o;
  atomic_uint_fast64_t in, rejected, misses;
  int64_t last_ns; /* timer clock: last accepted sample, or creation */
  bool stale;
  bool has_header;
  /* MI_DDS_TAKE_BATCH samples of the type, owned by the subscription and
   * reused by every take: Cyclone deserialises into them and reuses their
   * strings and sequence buffers, so a steady stream allocates nothing
   * (a loan would allocate and free every string and sequence each time) */
  void *samples;
  bool taking; /* samples in use (a callback that spins its own node again
                  gets loaned samples instead) */
  char topic[128];
  mi_log_ratelimit rl;
  mi_dds_sub *next;
};

/* free a subscription's reused samples (their contents, then the block) */
static void sub_free_samples(mi_dds_sub *s) {
  if (!s->samples) return;
  const mi_msg_info *m = mi_msg_info_of(s->type);
  for (int i = 0; i < MI_DDS_TAKE_BATCH; i++)
    dds_sample_free((char *)s->samples + (size_t)i * m->desc->m_size, m->desc, DDS_FREE_CONTENTS);
  free(s->samples);
  s->samples = NULL;
}

struct mi_dds_timer {
  mi_dds_node *node;
  int64_t period_ns, next_ns, last_now_ns;
  mi_dds_timer_fn fn;
  void *user;
  bool paused;
  bool mono; /* CLOCK_MONOTONIC even on sim time (mi_dds_timer_create_mono) */
  mi_dds_timer *next;
};

struct mi_dds_node {
  char name[MI_DDS_NAME_MAX];
  mi_dds_part *part;
  dds_entity_t participant, waitset, guard;
  mi_clock clock; /* stamps: WALL or SIM */
  mi_simclock *sim;
  bool own_sim;
  int64_t max_future_ns;
  mi_dds_pub *pubs;
  mi_dds_sub *subs;
  mi_dds_timer *timers;
  atomic_bool stop;
  atomic_uint_fast64_t in, out, rejected, misses, overruns;
  mi_dds_node *next_live;
};

static void set_err(char *err, size_t err_sz, const char *fmt, ...) MI_PRINTF(3, 4);
static void set_err(char *err, size_t err_sz, const char *fmt, ...) {
  if (!err || !err_sz) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_sz, fmt, ap);
  va_end(ap);
}

/* --- participants (one per process and domain) -------------------------------- */

static mi_status part_acquire(const mi_dds_resolved *r, mi_dds_part **out, char *err,
                              size_t err_sz) {
  mi_status st = MI_OK;
  pthread_mutex_lock(&g_lock);
  mi_dds_part *free_slot = NULL;
  for (int i = 0; i < MI_DDS_MAX_DOMAINS; i++) {
    mi_dds_part *p = &g_parts[i];
    if (p->refs == 0) {
      if (!free_slot) free_slot = p;
      continue;
    }
    if (p->domain != r->domain_id) continue;
    bool same = p->source == r->source &&
                ((!p->config && !r->config) ||
                 (p->config && r->config && strcmp(p->config, r->config) == 0));
    if (!same) {
      set_err(err, err_sz,
              "domain %u is already in use in this process with another DDS configuration",
              (unsigned)r->domain_id);
      st = MI_ERR_STATE;
      goto out;
    }
    p->refs++;
    *out = p;
    goto out;
  }
  if (!free_slot) {
    set_err(err, err_sz, "more than %d DDS domains in one process", MI_DDS_MAX_DOMAINS);
    st = MI_ERR_FULL;
    goto out;
  }
  mi_dds_part p = {r->domain_id, 1, 0, 0, r->source, NULL};
  if (r->config) {
    p.config = strdup(r->config);
    if (!p.config) {
      st = MI_ERR_NOMEM;
      goto out;
    }
    p.domain_handle = dds_create_domain(r->domain_id, r->config);
    if (p.domain_handle < 0) {
      set_err(err, err_sz, "DDS domain %u: configuration rejected (%s)%s", (unsigned)r->domain_id,
              dds_strretcode(p.domain_handle),
              r->source == MI_DDS_CONFIG_PARAM ? " - check dds.config" : "");
      free(p.config);
      st = MI_ERR_DDS;
      goto out;
    }
  }
  p.participant = dds_create_participant(r->domain_id, NULL, NULL);
  if (p.participant < 0) {
    set_err(err, err_sz, "DDS participant on domain %u: %s", (unsigned)r->domain_id,
            dds_strretcode(p.participant));
    if (p.domain_handle > 0) dds_delete(p.domain_handle);
    free(p.config);
    st = MI_ERR_DDS;
    goto out;
  }
  *free_slot = p;
  *out = free_slot;
out:
  pthread_mutex_unlock(&g_lock);
  return st;
}

static void part_release(mi_dds_part *p) {
  pthread_mutex_lock(&g_lock);
  if (--p->refs == 0) {
    dds_delete(p->participant);
    if (p->domain_handle > 0) dds_delete(p->domain_handle);
    free(p->config);
    memset(p, 0, sizeof *p);
  }
  pthread_mutex_unlock(&g_lock);
}

/* --- nodes ------------------------------------------------------------------- */

void mi_dds_node_opts_init(mi_dds_node_opts *o, const char *name) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->name = name;
  mi_dds_params_default(&o->dds);
  o->max_future_ns = MI_NS_PER_S;
}

static bool valid_node_name(const char *s) {
  if (!s || !*s || strlen(s) >= MI_DDS_NAME_MAX) return false;
  if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
    return false;
  for (const char *c = s; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
          *c == '_'))
      return false;
  return true;
}

/* the timer clock: monotonic, or sim time */
static int64_t timer_now(const mi_dds_node *n) {
  return n->sim ? mi_simclock_now(n->sim) : mi_clock_mono_ns();
}

static void on_clock(const void *msg, const mi_dds_sample_info *info, void *user) {
  (void)info;
  const mi_msg_clock *c = msg;
  mi_simclock_set(user, mi_msg_time_to_ns(&c->clock));
}

mi_status mi_dds_node_create(const mi_dds_node_opts *o, mi_dds_node **out, char *err,
                             size_t err_sz) {
  if (err && err_sz) err[0] = 0;
  if (!o || !out) return MI_ERR_INVALID;
  if (!valid_node_name(o->name)) {
    set_err(err, err_sz, "node name '%s' is not a valid name ([A-Za-z_][A-Za-z0-9_]*, < %d chars)",
            o->name ? o->name : "(null)", MI_DDS_NAME_MAX);
    return MI_ERR_INVALID;
  }
  mi_dds_resolved r;
  mi_status st = mi_dds_resolve(&o->dds, &r, err, err_sz);
  if (st) return st;

  mi_dds_node *n = calloc(1, sizeof *n);
  if (!n) return MI_ERR_NOMEM;
  snprintf(n->name, sizeof n->name, "%s", o->name);
  n->max_future_ns = o->max_future_ns;
  n->clock.kind = MI_CLOCK_WALL;

  st = part_acquire(&r, &n->part, err, err_sz);
  if (st) goto fail_node;
  n->participant = n->part->participant;

  n->waitset = dds_create_waitset(n->participant);
  if (n->waitset < 0) {
    set_err(err, err_sz, "DDS waitset: %s", dds_strretcode(n->waitset));
    st = MI_ERR_DDS;
    goto fail_part;
  }
  n->guard = dds_create_guardcondition(n->participant);
  if (n->guard < 0 || dds_waitset_attach(n->waitset, n->guard, 0) < 0) {
    set_err(err, err_sz, "DDS guard condition failed");
    st = MI_ERR_DDS;
    goto fail_ws;
  }

  if (o->dds.use_sim_time) {
    n->sim = o->simclock;
    if (!n->sim) {
      n->sim = mi_simclock_create();
      if (!n->sim) {
        st = MI_ERR_NOMEM;
        goto fail_guard;
      }
      n->own_sim = true;
    }
    n->clock.kind = MI_CLOCK_SIM;
    n->clock.sim = n->sim;
  }

  pthread_mutex_lock(&g_lock);
  n->next_live = g_nodes;
  g_nodes = n;
  pthread_mutex_unlock(&g_lock);

  if (n->own_sim) {
    mi_dds_sub *cs;
    mi_dds_sub_opts so = {.on_sample = on_clock, .user = n->sim};
    st = mi_dds_sub_create_std(n, MI_TOPIC_CLOCK, &so, &cs);
    if (st) {
      set_err(err, err_sz, "cannot subscribe /clock for use_sim_time");
      mi_dds_node_destroy(n);
      return st;
    }
  }
  MI_LOGD("node %s on DDS domain %u (%s config)", n->name, (unsigned)r.domain_id,
          r.source == MI_DDS_CONFIG_LOOPBACK ? "loopback"
          : r.source == MI_DDS_CONFIG_PARAM  ? "dds.config"
                                             : "CYCLONEDDS_URI");
  *out = n;
  return MI_OK;

fail_guard:
  dds_delete(n->guard);
fail_ws:
  dds_delete(n->waitset);
fail_part:
  part_release(n->part);
fail_node:
  free(n);
  return st;
}

void mi_dds_node_destroy(mi_dds_node *n) {
  if (!n) return;
  pthread_mutex_lock(&g_lock);
  for (mi_dds_node **pp = &g_nodes; *pp; pp = &(*pp)->next_live) {
    if (*pp == n) {
      *pp = n->next_live;
      break;
    }
  }
  pthread_mutex_unlock(&g_lock);
  for (mi_dds_sub *s = n->subs, *nx; s; s = nx) {
    nx = s->next;
    dds_waitset_detach(n->waitset, s->reader);
    dds_delete(s->reader);
    sub_free_samples(s);
    free(s);
  }
  for (mi_dds_pub *p = n->pubs, *nx; p; p = nx) {
    nx = p->next;
    dds_delete(p->writer);
    free(p);
  }
  for (mi_dds_timer *t = n->timers, *nx; t; t = nx) {
    nx = t->next;
    free(t);
  }
  dds_delete(n->guard);
  dds_delete(n->waitset);
  part_release(n->part);
  if (n->own_sim) mi_simclock_destroy(n->sim);
  free(n);
}

const char *mi_dds_node_name(const mi_dds_node *n) { return n->name; }
uint32_t mi_dds_node_domain(const mi_dds_node *n) { return n->part->domain; }
dds_entity_t mi_dds_node_participant(const mi_dds_node *n) { return n->participant; }
const mi_clock *mi_dds_node_clock(const mi_dds_node *n) { return &n->clock; }
int64_t mi_dds_node_now(const mi_dds_node *n) { return mi_clock_now(&n->clock); }

mi_msg_header mi_dds_node_header(const mi_dds_node *n, const char *frame_id) {
  mi_msg_header h;
  h.stamp = mi_msg_time_from_ns(mi_dds_node_now(n));
  h.frame_id = (char *)(frame_id ? frame_id : "");
  return h;
}

void mi_dds_node_counters(const mi_dds_node *n, mi_dds_counters *out) {
  out->in = atomic_load(&n->in);
  out->out = atomic_load(&n->out);
  out->rejected = atomic_load(&n->rejected);
  out->deadline_misses = atomic_load(&n->misses);
  out->timer_overruns = atomic_load(&n->overruns);
}

/* --- topics ---------------------------------------------------------------- */

static dds_entity_t make_topic(mi_dds_node *n, const char *ros_name, mi_msg_type type,
                               char *dds_name, size_t dds_name_sz, mi_status *st) {
  const mi_msg_info *m = mi_msg_info_of(type);
  if (!m) {
    *st = MI_ERR_INVALID;
    return -1;
  }
  *st = mi_topic_dds_name(ros_name, dds_name, dds_name_sz);
  if (*st) {
    MI_LOGE("'%s' is not a valid ROS 2 topic name", ros_name ? ros_name : "(null)");
    *st = MI_ERR_INVALID;
    return -1;
  }
  dds_entity_t t = dds_create_topic(n->participant, m->desc, dds_name, NULL, NULL);
  if (t < 0) {
    MI_LOGE("topic %s (%s): %s", dds_name, m->ros_name, dds_strretcode(t));
    *st = MI_ERR_DDS;
  }
  return t;
}

/* --- publishers ------------------------------------------------------------ */

mi_status mi_dds_pub_create(mi_dds_node *n, const char *topic, mi_msg_type type,
                            mi_qos_profile qos, mi_dds_pub **out) {
  if (!n || !out || !mi_qos_info_of(qos)) return MI_ERR_INVALID;
  mi_dds_pub *p = calloc(1, sizeof *p);
  if (!p) return MI_ERR_NOMEM;
  mi_status st;
  dds_entity_t t = make_topic(n, topic, type, p->topic, sizeof p->topic, &st);
  if (t < 0) {
    free(p);
    return st;
  }
  dds_qos_t *q = mi_qos_create_writer(qos);
  p->writer = dds_create_writer(n->participant, t, q, NULL);
  dds_delete_qos(q);
  if (p->writer < 0) {
    MI_LOGE("writer on %s: %s", p->topic, dds_strretcode(p->writer));
    free(p);
    return MI_ERR_DDS;
  }
  p->node = n;
  p->type = type;
  p->transient_local = mi_qos_info_of(qos)->transient_local;
  p->next = n->pubs;
  n->pubs = p;
  *out = p;
  return MI_OK;
}

mi_status mi_dds_pub_create_std(mi_dds_node *n, mi_topic t, mi_dds_pub **out) {
  const mi_topic_info *ti = mi_topic_info_of(t);
  if (!ti) return MI_ERR_INVALID;
  return mi_dds_pub_create(n, ti->ros_name, ti->type, ti->qos, out);
}

/* Before each write: did a reader match since the last one, after samples
 * were written? A volatile writer gives a late reader none of them (DDS
 * semantics, as in ROS 2), so the writer's node says how many it missed: a
 * recording started before a cell lacks what its nodes wrote before
 * discovery finished, and this is how many. The match fell between the two
 * last checks, so the newest sample written may have reached the reader:
 * a volatile reader missed `written` or `written - 1`; a transient-local
 * reader of a transient-local writer also gets the history's newest (depth
 * 1), so `written - 1` or `written - 2`. (Checked here rather than in a
 * publication-matched listener: that runs on Cyclone's thread, which would
 * have to be kept off a pub that is being freed.) */
static void note_late_readers(mi_dds_pub *p) {
  dds_publication_matched_status_t st;
  if (dds_get_publication_matched_status(p->writer, &st) < 0) return;
  /* total_count only rises (a reader leaving and another joining between
   * two writes is still one new); raised, never lowered, by whichever
   * writing thread sees it first */
  unsigned total = (unsigned)st.total_count, prev = atomic_load(&p->matched);
  do {
    if (total <= prev) return;
  } while (!atomic_compare_exchange_weak(&p->matched, &prev, total));
  uint64_t written = atomic_load(&p->out);
  if (written == 0) return;
  unsigned k = total - prev;
  char who[32], was[64];
  snprintf(was, sizeof was, "%s", mi_log_thread_name()); /* the line names the node */
  mi_log_set_thread_name(p->node->name);
  if (k == 1) snprintf(who, sizeof who, "a reader");
  else snprintf(who, sizeof who, "%u readers", k);
  MI_LOGI("%s: %s matched after %llu sample%s written (%s); %u matched now", p->topic, who,
          (unsigned long long)written, written == 1 ? " was" : "s were",
          p->transient_local ? "transient-local: a transient-local reader gets the newest"
                             : "volatile: it missed all but perhaps the last",
          (unsigned)st.current_count);
  mi_log_set_thread_name(was);
}

mi_status mi_dds_publish(mi_dds_pub *p, const void *msg) {
  if (!p || !msg) return MI_ERR_INVALID;
  note_late_readers(p);
  dds_return_t rc = dds_write(p->writer, msg);
  if (rc < 0) {
    uint32_t sup;
    if (mi_log_ratelimit_pass(&p->rl, 1000, &sup))
      mi_log_suppressed(MI_LOG_WARN, sup, "write on %s failed: %s", p->topic, dds_strretcode(rc));
    return MI_ERR_DDS;
  }
  atomic_fetch_add(&p->out, 1);
  atomic_fetch_add(&p->node->out, 1);
  return MI_OK;
}

mi_status mi_dds_publish_typed(mi_dds_pub *p, mi_msg_type type, const void *msg) {
  if (!p || type != p->type) return MI_ERR_INVALID;
  return mi_dds_publish(p, msg);
}

uint32_t mi_dds_pub_matched(const mi_dds_pub *p) {
  dds_publication_matched_status_t s;
  if (dds_get_publication_matched_status(p->writer, &s) < 0) return 0;
  return s.current_count;
}

mi_status mi_dds_pub_wait_matched(const mi_dds_pub *p, uint32_t n, int64_t timeout_ns) {
  int64_t end = mi_clock_mono_ns() + timeout_ns;
  while (mi_dds_pub_matched(p) < n) {
    if (mi_clock_mono_ns() >= end) return MI_ERR_TIMEOUT;
    mi_clock_sleep_ns(MI_NS_PER_MS);
  }
  return MI_OK;
}

mi_status mi_dds_pub_wait_acked(const mi_dds_pub *p, int64_t timeout_ns) {
  if (!p) return MI_ERR_INVALID;
  dds_return_t rc = dds_wait_for_acks(p->writer, timeout_ns);
  return rc == DDS_RETCODE_OK ? MI_OK : rc == DDS_RETCODE_TIMEOUT ? MI_ERR_TIMEOUT : MI_ERR_DDS;
}

void mi_dds_pub_counters(const mi_dds_pub *p, mi_dds_counters *out) {
  memset(out, 0, sizeof *out);
  out->out = atomic_load(&p->out);
}

mi_msg_type mi_dds_pub_type(const mi_dds_pub *p) { return p->type; }

/* --- subscriptions --------------------------------------------------------- */

mi_status mi_dds_sub_create(mi_dds_node *n, const char *topic, mi_msg_type type,
                            mi_qos_profile qos, const mi_dds_sub_opts *o, mi_dds_sub **out) {
  if (!n || !out || !o || !o->on_sample || !mi_qos_info_of(qos) || o->max_age_ns < 0)
    return MI_ERR_INVALID;
  mi_dds_sub *s = calloc(1, sizeof *s);
  if (!s) return MI_ERR_NOMEM;
  mi_status st;
  dds_entity_t t = make_topic(n, topic, type, s->topic, sizeof s->topic, &st);
  if (t < 0) {
    free(s);
    return st;
  }
  const mi_msg_info *m = mi_msg_info_of(type);
  s->type = type;
  s->samples = calloc(MI_DDS_TAKE_BATCH, m->desc->m_size); /* zeroed: empty samples */
  if (!s->samples) {
    free(s);
    return MI_ERR_NOMEM;
  }
  dds_qos_t *q = mi_qos_create(qos);
  s->reader = dds_create_reader(n->participant, t, q, NULL);
  dds_delete_qos(q);
  if (s->reader < 0) {
    MI_LOGE("reader on %s: %s", s->topic, dds_strretcode(s->reader));
    sub_free_samples(s);
    free(s);
    return MI_ERR_DDS;
  }
  /* The waitset watches the reader's DATA_AVAILABLE status, not a read
   * condition: Cyclone 0.10 signals a read condition while its receive
   * thread still holds the reader's history lock, so the woken executor
   * blocks on that lock at once (an extra futex sleep and context switch
   * per sample); DATA_AVAILABLE is signalled after the lock is released.
   * dds_take resets the status before taking, and process_sub takes until
   * a batch comes back short, so a sample arriving meanwhile sets it again
   * and nothing is left behind. Only DATA_AVAILABLE is enabled: other
   * statuses (matched, ...) would keep the waitset triggered. */
  if (dds_set_status_mask(s->reader, DDS_DATA_AVAILABLE_STATUS) < 0 ||
      dds_waitset_attach(n->waitset, s->reader, (dds_attach_t)(uintptr_t)s) < 0) {
    MI_LOGE("waitset attach of the reader on %s failed", s->topic);
    dds_delete(s->reader);
    sub_free_samples(s);
    free(s);
    return MI_ERR_DDS;
  }
  s->has_header = m->n_fields > 0 && m->fields[0].kind == MI_MSGK_STRUCT &&
                  m->fields[0].sub == MI_MSG_HEADER && !m->fields[0].seq;
  s->node = n;
  s->o = *o;
  s->last_ns = timer_now(n);
  s->next = n->subs;
  n->subs = s;
  *out = s;
  return MI_OK;
}

mi_status mi_dds_sub_create_std(mi_dds_node *n, mi_topic t, const mi_dds_sub_opts *o,
                                mi_dds_sub **out) {
  const mi_topic_info *ti = mi_topic_info_of(t);
  if (!ti) return MI_ERR_INVALID;
  return mi_dds_sub_create(n, ti->ros_name, ti->type, ti->qos, o, out);
}

mi_status mi_dds_subscribe(mi_dds_node *n, const char *topic, mi_msg_type type,
                           mi_qos_profile qos, mi_dds_sub_fn fn, void *user, mi_dds_sub **out) {
  mi_dds_sub_opts o = {.on_sample = fn, .user = user};
  return mi_dds_sub_create(n, topic, type, qos, &o, out);
}

void mi_dds_sub_counters(const mi_dds_sub *s, mi_dds_counters *out) {
  memset(out, 0, sizeof *out);
  out->in = atomic_load(&s->in);
  out->rejected = atomic_load(&s->rejected);
  out->deadline_misses = atomic_load(&s->misses);
}

uint32_t mi_dds_sub_matched(const mi_dds_sub *s) {
  dds_subscription_matched_status_t st;
  if (dds_get_subscription_matched_status(s->reader, &st) < 0) return 0;
  return st.current_count;
}

mi_status mi_dds_sub_wait_matched(const mi_dds_sub *s, uint32_t n, int64_t timeout_ns) {
  int64_t end = mi_clock_mono_ns() + timeout_ns;
  while (mi_dds_sub_matched(s) < n) {
    if (mi_clock_mono_ns() >= end) return MI_ERR_TIMEOUT;
    mi_clock_sleep_ns(MI_NS_PER_MS);
  }
  return MI_OK;
}

static void reject_sample(mi_dds_sub *s, const char *why) {
  atomic_fetch_add(&s->rejected, 1);
  atomic_fetch_add(&s->node->rejected, 1);
  uint32_t sup;
  if (mi_log_get_level() <= MI_LOG_WARN && mi_log_ratelimit_pass(&s->rl, 1000, &sup))
    mi_log_suppressed(MI_LOG_WARN, sup, "rejected a sample on %s: %s", s->topic, why);
}

/* take everything queued on s; validate, deliver, count */
static int process_sub(mi_dds_sub *s) {
  int delivered = 0;
  const size_t sz = mi_msg_info_of(s->type)->desc->m_size;
  const bool own = !s->taking;
  s->taking = true;
  for (;;) {
    void *samples[MI_DDS_TAKE_BATCH];
    for (int i = 0; i < MI_DDS_TAKE_BATCH; i++)
      samples[i] = own ? (char *)s->samples + (size_t)i * sz : NULL;
    dds_sample_info_t infos[MI_DDS_TAKE_BATCH];
    dds_return_t n = dds_take(s->reader, samples, infos, MI_DDS_TAKE_BATCH, MI_DDS_TAKE_BATCH);
    if (n <= 0) break;
    for (int i = 0; i < n; i++) {
      if (!infos[i].valid_data) continue;
      const void *msg = samples[i];
      char why[192];
      if (mi_msg_validate(s->type, msg, why, sizeof why)) {
        reject_sample(s, why);
        continue;
      }
      if (s->o.check && !s->o.check(msg, s->o.user, why, sizeof why)) {
        why[sizeof why - 1] = 0;
        reject_sample(s, why);
        continue;
      }
      if (s->has_header && s->node->max_future_ns > 0 &&
          (!s->node->sim || mi_simclock_started(s->node->sim))) {
        const mi_msg_header *h = msg; /* header is the first field */
        int64_t ahead = mi_msg_time_to_ns(&h->stamp) - mi_dds_node_now(s->node);
        if (ahead > s->node->max_future_ns) {
          snprintf(why, sizeof why, "header.stamp is %.3f s in the future", mi_s_from_ns(ahead));
          reject_sample(s, why);
          continue;
        }
      }
      mi_dds_sample_info info = {infos[i].source_timestamp, mi_clock_mono_ns()};
      s->last_ns = timer_now(s->node);
      s->stale = false;
      atomic_fetch_add(&s->in, 1);
      atomic_fetch_add(&s->node->in, 1);
      s->o.on_sample(msg, &info, s->o.user);
      delivered++;
    }
    if (!own) dds_return_loan(s->reader, samples, n);
    if (n < MI_DDS_TAKE_BATCH) break;
  }
  if (own) s->taking = false;
  return delivered;
}

/* --- timers ---------------------------------------------------------------- */

/* a timer's clock: the node's, or monotonic for a _mono timer */
static int64_t timer_clock(const mi_dds_timer *t) {
  return t->mono ? mi_clock_mono_ns() : timer_now(t->node);
}

static mi_status timer_new(mi_dds_node *n, int64_t period_ns, mi_dds_timer_fn fn, void *user,
                           bool mono, mi_dds_timer **out) {
  if (!n || !out || !fn || period_ns <= 0) return MI_ERR_INVALID;
  mi_dds_timer *t = calloc(1, sizeof *t);
  if (!t) return MI_ERR_NOMEM;
  t->node = n;
  t->mono = mono;
  t->period_ns = period_ns;
  t->last_now_ns = timer_clock(t);
  t->next_ns = t->last_now_ns + period_ns;
  t->fn = fn;
  t->user = user;
  t->next = n->timers;
  n->timers = t;
  *out = t;
  return MI_OK;
}

mi_status mi_dds_timer_create(mi_dds_node *n, int64_t period_ns, mi_dds_timer_fn fn, void *user,
                              mi_dds_timer **out) {
  return timer_new(n, period_ns, fn, user, false, out);
}

mi_status mi_dds_timer_create_mono(mi_dds_node *n, int64_t period_ns, mi_dds_timer_fn fn,
                                   void *user, mi_dds_timer **out) {
  return timer_new(n, period_ns, fn, user, true, out);
}

void mi_dds_timer_pause(mi_dds_timer *t, bool paused) {
  if (!t) return;
  if (t->paused && !paused) {
    t->last_now_ns = timer_clock(t);
    t->next_ns = t->last_now_ns + t->period_ns;
  }
  t->paused = paused;
}

/* run due timers; returns how many ran */
static int run_timers(mi_dds_node *n) {
  int ran = 0;
  for (mi_dds_timer *t = n->timers; t; t = t->next) {
    if (t->paused) continue;
    int64_t now = timer_clock(t);
    if (now < t->last_now_ns) t->next_ns = now + t->period_ns; /* sim time went back */
    t->last_now_ns = now;
    if (now < t->next_ns) continue;
    int64_t skipped = (now - t->next_ns) / t->period_ns;
    if (skipped > 0) atomic_fetch_add(&n->overruns, (uint_fast64_t)skipped);
    t->next_ns += (skipped + 1) * t->period_ns;
    t->fn(t, now, t->user);
    ran++;
  }
  return ran;
}

/* freshness budgets; returns how many lapsed now */
static int check_freshness(mi_dds_node *n) {
  int lapsed = 0;
  int64_t now = timer_now(n);
  for (mi_dds_sub *s = n->subs; s; s = s->next) {
    if (s->o.max_age_ns <= 0 || s->stale) continue;
    int64_t age = now - s->last_ns;
    if (age > s->o.max_age_ns) {
      s->stale = true;
      atomic_fetch_add(&s->misses, 1);
      atomic_fetch_add(&n->misses, 1);
      if (s->o.on_stale) s->o.on_stale(s, age, s->o.user);
      lapsed++;
    }
  }
  return lapsed;
}

/* how long the waitset may sleep: until the next timer or budget, capped */
static int64_t next_wait(const mi_dds_node *n, int64_t cap_ns) {
  int64_t w = cap_ns;
  if (n->sim) return w < MI_DDS_SIM_POLL_NS ? w : MI_DDS_SIM_POLL_NS;
  int64_t now = timer_now(n);
  for (const mi_dds_timer *t = n->timers; t; t = t->next)
    if (!t->paused && t->next_ns - now < w) w = t->next_ns - now;
  for (const mi_dds_sub *s = n->subs; s; s = s->next)
    if (s->o.max_age_ns > 0 && !s->stale && s->last_ns + s->o.max_age_ns + 1 - now < w)
      w = s->last_ns + s->o.max_age_ns + 1 - now;
  return w < 0 ? 0 : w;
}

static bool stopped(const mi_dds_node *n) {
  return atomic_load(&n->stop) || atomic_load(&g_shutdown);
}

/* one executor round: wait at most wait_ns, run what is ready */
static mi_status spin_round(mi_dds_node *n, int64_t wait_ns, int *ran) {
  dds_attach_t xs[64];
  dds_return_t k = dds_waitset_wait(n->waitset, xs, 64, wait_ns);
  if (k < 0) {
    MI_LOGE("waitset: %s", dds_strretcode(k));
    return MI_ERR_DDS;
  }
  if (stopped(n)) return MI_ERR_INTERRUPTED;
  for (int i = 0; i < k && i < 64; i++) {
    mi_dds_sub *s = (mi_dds_sub *)(uintptr_t)xs[i];
    if (s) *ran += process_sub(s);
  }
  *ran += run_timers(n);
  *ran += check_freshness(n);
  return MI_OK;
}

mi_status mi_dds_spin_once(mi_dds_node *n, int64_t timeout_ns) {
  if (!n) return MI_ERR_INVALID;
  int64_t end = mi_clock_mono_ns() + (timeout_ns > 0 ? timeout_ns : 0);
  for (;;) {
    if (stopped(n)) return MI_ERR_INTERRUPTED;
    int64_t left = end - mi_clock_mono_ns();
    int ran = 0;
    mi_status st = spin_round(n, next_wait(n, left > 0 ? left : 0), &ran);
    if (st) return st;
    if (ran) return MI_OK;
    if (mi_clock_mono_ns() >= end) return MI_ERR_TIMEOUT;
  }
}

mi_status mi_dds_spin(mi_dds_node *n) {
  if (!n) return MI_ERR_INVALID;
  mi_log_set_thread_name(n->name);
  while (!stopped(n)) {
    int ran = 0;
    mi_status st = spin_round(n, next_wait(n, DDS_SECS(1)), &ran);
    if (st == MI_ERR_INTERRUPTED) break;
    if (st) return st;
  }
  return MI_OK;
}

void mi_dds_node_stop(mi_dds_node *n) {
  if (!n) return;
  atomic_store(&n->stop, true);
  dds_set_guardcondition(n->guard, true);
  if (n->sim) mi_simclock_interrupt(n->sim);
}

/* --- shutdown ---------------------------------------------------------------- */

void mi_dds_shutdown(void) {
  atomic_store(&g_shutdown, true);
  pthread_mutex_lock(&g_lock);
  for (mi_dds_node *n = g_nodes; n; n = n->next_live) {
    dds_set_guardcondition(n->guard, true);
    if (n->sim) mi_simclock_interrupt(n->sim);
  }
  pthread_mutex_unlock(&g_lock);
}

bool mi_dds_ok(void) { return !atomic_load(&g_shutdown); }

void mi_dds_reset_shutdown(void) {
  pthread_mutex_lock(&g_lock);
  atomic_store(&g_shutdown, false);
  for (mi_dds_node *n = g_nodes; n; n = n->next_live)
    if (!atomic_load(&n->stop)) dds_set_guardcondition(n->guard, false);
  pthread_mutex_unlock(&g_lock);
}

static sem_t g_sigsem;
static atomic_int g_signals;
static pthread_once_t g_sig_once = PTHREAD_ONCE_INIT;
static bool g_sig_ok;

static void on_signal(int sig) {
  int k = atomic_fetch_add(&g_signals, 1);
  if (k >= 1) signal(sig, SIG_DFL); /* the next one kills */
  sem_post(&g_sigsem);
}

static void *signal_thread(void *arg) {
  (void)arg;
  for (;;) {
    while (sem_wait(&g_sigsem) != 0 && errno == EINTR) {
    }
    mi_dds_shutdown();
  }
  return NULL;
}

static void signal_setup(void) {
  if (sem_init(&g_sigsem, 0, 0) != 0) return;
  pthread_t th;
  sigset_t all, old;
  sigfillset(&all);
  /* the helper thread never runs the handler itself */
  pthread_sigmask(SIG_BLOCK, &all, &old);
  int rc = pthread_create(&th, NULL, signal_thread, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) return;
  pthread_detach(th);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  g_sig_ok = true;
}

mi_status mi_dds_install_signal_handlers(void) {
  pthread_once(&g_sig_once, signal_setup);
  return g_sig_ok ? MI_OK : MI_ERR_STATE;
}

/* --- container ----------------------------------------------------------------- */

struct mi_dds_container {
  mi_dds_node *nodes[MI_DDS_CONTAINER_MAX];
  pthread_t threads[MI_DDS_CONTAINER_MAX];
  int n, started;
};

mi_status mi_dds_container_create(mi_dds_container **out) {
  if (!out) return MI_ERR_INVALID;
  *out = calloc(1, sizeof **out);
  return *out ? MI_OK : MI_ERR_NOMEM;
}

mi_status mi_dds_container_add(mi_dds_container *c, mi_dds_node *n) {
  if (!c || !n) return MI_ERR_INVALID;
  if (c->started) return MI_ERR_STATE;
  if (c->n >= MI_DDS_CONTAINER_MAX) return MI_ERR_FULL;
  c->nodes[c->n++] = n;
  return MI_OK;
}

static void *container_thread(void *arg) {
  mi_dds_node *n = arg;
  mi_status st = mi_dds_spin(n);
  if (st) MI_LOGE("executor stopped: %s", mi_status_str(st));
  return NULL;
}

mi_status mi_dds_container_start(mi_dds_container *c) {
  if (!c || c->started) return MI_ERR_STATE;
  for (int i = 0; i < c->n; i++) {
    if (pthread_create(&c->threads[i], NULL, container_thread, c->nodes[i]) != 0) {
      for (int j = 0; j < i; j++) mi_dds_node_stop(c->nodes[j]);
      for (int j = 0; j < i; j++) pthread_join(c->threads[j], NULL);
      return MI_ERR_STATE;
    }
    c->started = i + 1;
  }
  return MI_OK;
}

mi_status mi_dds_container_join(mi_dds_container *c) {
  if (!c) return MI_ERR_INVALID;
  for (int i = 0; i < c->started; i++) pthread_join(c->threads[i], NULL);
  c->started = 0;
  return MI_OK;
}

mi_status mi_dds_container_run(mi_dds_container *c) {
  mi_status st = mi_dds_container_start(c);
  if (st) return st;
  return mi_dds_container_join(c);
}

void mi_dds_container_destroy(mi_dds_container *c) {
  if (!c) return;
  if (c->started) {
    for (int i = 0; i < c->started; i++) mi_dds_node_stop(c->nodes[i]);
    mi_dds_container_join(c);
  }
  free(c);
}
