/* worldmodel/pool.h - a fixed pool of worker threads for the CPU rollout
 * backend.
 *
 * The pool is created once (threads started once) and then runs batches of
 * tasks: mi_pool_run(p, n, fn, ctx) calls fn(ctx, task, worker) once for each
 * task in [0, n) and returns when all have finished. The calling thread
 * takes part as worker 0; the pool's own threads are workers 1..threads-1.
 * Tasks are handed out dynamically (an atomic counter), so which worker runs
 * which task varies from run to run: a task must compute its result from its
 * index only (plus per-worker scratch it fully rewrites) for results to be
 * independent of the thread count. mi_pool_run does not allocate.
 *
 * Thread rules: one thread at a time calls mi_pool_run on a pool (it is not
 * reentrant; calling it from inside a task returns MI_ERR_STATE).
 */
#ifndef MI_WM_POOL_H
#define MI_WM_POOL_H

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mi_pool mi_pool;

/* fn runs task `task`; `worker` in [0, mi_pool_threads) indexes per-worker
 * scratch. */
typedef void (*mi_pool_fn)(void *ctx, int task, int worker);

/* Number of online CPUs (at least 1). */
int mi_pool_cpu_count(void);

/* Start a pool of `threads` workers in total, the caller included (so
 * threads - 1 new threads); threads <= 0 means mi_pool_cpu_count().
 * Caller frees with mi_pool_destroy.
 * @retval MI_ERR_INVALID  out is NULL or threads > 256
 * @retval MI_ERR_NOMEM    allocation failed
 * @retval MI_ERR_AGAIN    a thread could not be started */
mi_status mi_pool_create(int threads, mi_pool **out);

/* Stop and join the threads, free the pool. NULL is a no-op. */
void mi_pool_destroy(mi_pool *p);

/* Workers in total (the caller included). */
int mi_pool_threads(const mi_pool *p);

/* Run fn for every task in [0, n_tasks) and wait for all of them.
 * @retval MI_ERR_INVALID  p or fn NULL, n_tasks < 0
 * @retval MI_ERR_STATE    called from inside a task of this pool */
mi_status mi_pool_run(mi_pool *p, int n_tasks, mi_pool_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* MI_WM_POOL_H */
