/* worldmodel/pool.c - fixed worker pool: a generation counter under a mutex
 * wakes the workers, an atomic counter hands out tasks, a pending-workers
 * count under the same mutex tells the caller when all are done. */
#define _GNU_SOURCE
#include "worldmodel/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#define MI_POOL_MAX_THREADS 256

struct mi_pool {
  int threads;
  pthread_t *tids;
  pthread_mutex_t mu;
  pthread_cond_t wake;  /* workers wait here for a new generation */
  pthread_cond_t done;  /* the caller waits here for busy == 0 */
  unsigned long gen;    /* bumped per run (under mu) */
  int busy;             /* workers still inside the current run (under mu) */
  bool stop;            /* under mu */
  /* the current run */
  mi_pool_fn fn;
  void *ctx;
  int n_tasks;
  _Atomic int next;
  _Atomic bool running;
};

typedef struct worker_arg {
  mi_pool *p;
  int id;
} worker_arg;

static _Thread_local const mi_pool *tl_inside = NULL;

int mi_pool_cpu_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (n > MI_POOL_MAX_THREADS ? MI_POOL_MAX_THREADS : (int)n);
}

/* take tasks until none are left */
static void drain(mi_pool *p, int worker) {
  for (;;) {
    int t = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
    if (t >= p->n_tasks) break;
    p->fn(p->ctx, t, worker);
  }
}

static void *worker_main(void *arg) {
  worker_arg wa = *(worker_arg *)arg;
  free(arg);
  mi_pool *p = wa.p;
  tl_inside = p;
  unsigned long seen = 0;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->stop && p->gen == seen) pthread_cond_wait(&p->wake, &p->mu);
    if (p->stop) break;
    seen = p->gen;
    pthread_mutex_unlock(&p->mu);
    drain(p, wa.id);
    pthread_mutex_lock(&p->mu);
    if (--p->busy == 0) pthread_cond_signal(&p->done);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

mi_status mi_pool_create(int threads, mi_pool **out) {
  if (!out) return MI_ERR_INVALID;
  if (threads <= 0) threads = mi_pool_cpu_count();
  if (threads > MI_POOL_MAX_THREADS) return MI_ERR_INVALID;
  mi_pool *p = calloc(1, sizeof *p);
  if (!p) return MI_ERR_NOMEM;
  p->threads = threads;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->wake, NULL);
  pthread_cond_init(&p->done, NULL);
  atomic_init(&p->next, 0);
  atomic_init(&p->running, false);
  if (threads > 1) {
    p->tids = calloc((size_t)threads - 1, sizeof *p->tids);
    if (!p->tids) goto fail_nomem;
  }
  /* start workers 1..threads-1; on failure stop those already started */
  for (int i = 1; i < threads; i++) {
    worker_arg *wa = malloc(sizeof *wa);
    if (!wa) {
      p->threads = i;
      mi_pool_destroy(p);
      return MI_ERR_NOMEM;
    }
    wa->p = p;
    wa->id = i;
    if (pthread_create(&p->tids[i - 1], NULL, worker_main, wa) != 0) {
      free(wa);
      p->threads = i;
      mi_pool_destroy(p);
      return MI_ERR_AGAIN;
    }
  }
  *out = p;
  return MI_OK;

fail_nomem:
  pthread_cond_destroy(&p->done);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->mu);
  free(p);
  return MI_ERR_NOMEM;
}

void mi_pool_destroy(mi_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->stop = true;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mu);
  for (int i = 1; i < p->threads; i++) pthread_join(p->tids[i - 1], NULL);
  pthread_cond_destroy(&p->done);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->mu);
  free(p->tids);
  free(p);
}

int mi_pool_threads(const mi_pool *p) { return p ? p->threads : 0; }

mi_status mi_pool_run(mi_pool *p, int n_tasks, mi_pool_fn fn, void *ctx) {
  if (!p || !fn || n_tasks < 0) return MI_ERR_INVALID;
  if (tl_inside == p) return MI_ERR_STATE;
  bool idle = false;
  if (!atomic_compare_exchange_strong(&p->running, &idle, true)) return MI_ERR_STATE;
  if (n_tasks == 0) {
    atomic_store(&p->running, false);
    return MI_OK;
  }
  /* small runs (or a one-thread pool) stay on the caller */
  if (p->threads == 1 || n_tasks == 1) {
    tl_inside = p;
    for (int t = 0; t < n_tasks; t++) fn(ctx, t, 0);
    tl_inside = NULL;
    atomic_store(&p->running, false);
    return MI_OK;
  }
  /* publish the run, wake the workers, work alongside them, wait */
  pthread_mutex_lock(&p->mu);
  p->fn = fn;
  p->ctx = ctx;
  p->n_tasks = n_tasks;
  atomic_store_explicit(&p->next, 0, memory_order_relaxed);
  p->busy = p->threads - 1;
  p->gen++;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mu);
  tl_inside = p;
  drain(p, 0);
  tl_inside = NULL;
  pthread_mutex_lock(&p->mu);
  while (p->busy > 0) pthread_cond_wait(&p->done, &p->mu);
  pthread_mutex_unlock(&p->mu);
  atomic_store(&p->running, false);
  return MI_OK;
}
