/* worldmodel/backend.c - the run-time backend choice and the planning engine
 * over the CPU pool or the CUDA backend (see backend.h). */
#include "worldmodel/backend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "worldmodel/pool.h"
#ifdef MI_WM_HAVE_CUDA
#include "worldmodel/cuda/cuda.h"
#endif

/* ---- params ---- */

#define S mi_wm_cuda_params
static const mi_param_def k_cuda_defs[] = {
    MI_P_INT(S, device, "cuda.device", "0", 0, 63, NULL, "CUDA device ordinal for the cuda backend"),
    MI_P_ENUM(S, lanes, "cuda.lanes", "1", "1|2|4|8", "threads per candidate in the rollout kernel (1: thread per candidate; more split the clearance sums)"),
    MI_P_INT(S, block, "cuda.block", "128", 32, 1024, NULL, "threads per block of the rollout kernel (a multiple of 32)"),
    MI_P_BOOL(S, graph, "cuda.graph", "true", "replay each planning cycle as a CUDA Graph (false: plain kernel launches)"),
};
#undef S

static const mi_param_table k_cuda_table = {"predictor", k_cuda_defs, MI_ARRAY_LEN(k_cuda_defs)};

const mi_param_table *mi_wm_cuda_params_table(void) { return &k_cuda_table; }

mi_status mi_wm_cuda_params_defaults(mi_wm_cuda_params *p, char *err, size_t err_sz) {
  return mi_params_defaults(&k_cuda_table, p, err, err_sz);
}

/* ---- the choice ---- */

bool mi_wm_backend_cuda_built(void) {
#ifdef MI_WM_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

const char *mi_wm_backend_name(int kind) {
  switch (kind) {
    case MI_BACKEND_CPU: return "cpu";
    case MI_BACKEND_CUDA: return "cuda";
    case MI_BACKEND_AUTO: return "auto";
    default: return "unknown";
  }
}

/* whether a device is usable; a sentence either way */
static bool cuda_usable(int device, char *what, size_t what_sz) {
#ifdef MI_WM_HAVE_CUDA
  mi_cuda_device_info info;
  if (mi_cuda_probe(device, &info, what, what_sz) != MI_OK) return false;
  snprintf(what, what_sz, "%s, sm_%d%d, %d SMs, %.0f GiB", info.name, info.cc_major,
           info.cc_minor, info.sms, (double)info.mem_bytes / (1024.0 * 1024.0 * 1024.0));
  return true;
#else
  (void)device;
  snprintf(what, what_sz, "this build has no CUDA backend (nvcc was not found at configure time)");
  return false;
#endif
}

mi_status mi_wm_backend_resolve(int requested, int device, int *chosen, char *why,
                                size_t why_sz) {
  char what[256], buf[384];
  if (!why) {
    why = buf;
    why_sz = sizeof buf;
  }
  switch (requested) {
    case MI_BACKEND_CPU:
      snprintf(why, why_sz, "cpu backend requested");
      if (chosen) *chosen = MI_BACKEND_CPU;
      return MI_OK;
    case MI_BACKEND_CUDA:
      if (!cuda_usable(device, what, sizeof what)) {
        snprintf(why, why_sz, "cuda backend requested but %s", what);
        return MI_ERR_DEVICE;
      }
      snprintf(why, why_sz, "cuda backend requested: %s", what);
      if (chosen) *chosen = MI_BACKEND_CUDA;
      return MI_OK;
    case MI_BACKEND_AUTO:
      if (cuda_usable(device, what, sizeof what)) {
        snprintf(why, why_sz, "auto: %s", what);
        if (chosen) *chosen = MI_BACKEND_CUDA;
      } else {
        snprintf(why, why_sz, "auto: %s; using the cpu worker pool", what);
        if (chosen) *chosen = MI_BACKEND_CPU;
      }
      return MI_OK;
    default:
      snprintf(why, why_sz, "unknown backend %d", requested);
      return MI_ERR_INVALID;
  }
}

/* ---- the engine ---- */

struct mi_wm_engine {
  int backend;
  char why[384];
  mi_planner_params pp;
  int n, nk, kn;
  mi_rollout *ro;
  /* cpu */
  mi_pool *pool;
  mi_planner *pl;
  mi_planner_system sys;
  /* cuda: the plan lives here between cycles (the device gets it each cycle) */
#ifdef MI_WM_HAVE_CUDA
  mi_cuda_planner *gp;
#endif
  float *mean, *std, *best, *tmp;
  float noise[MI_WM_MAX_DOF];
  float best_cost;
  uint32_t iter;
};

void mi_wm_cuda_problem_fill(const mi_model *m, const mi_planner_params *pp,
                             const mi_rollout *ro, mi_cuda_problem *p) {
  memset(p, 0, sizeof *p);
  const mi_wm_dynf *d = NULL;
  mi_rollout_export(ro, &d, p->kp, NULL, NULL, NULL, NULL);
  p->gravity = mi_rollout_gravity_comp(ro);
  p->dyn = *d;
  p->w = mi_planner_cost_weights(pp);
  p->n = d->ndof;
  p->H = (int)pp->H;
  p->nk = (int)pp->knots;
  p->nsub = (int)pp->substeps;
  p->spline = pp->spline;
  p->h = (float)(pp->dt / (double)pp->substeps);
  for (int j = 0; j < p->n; j++) {
    p->lo[j] = d->lower[j];
    p->hi[j] = d->upper[j];
    p->vmax[j] = d->velocity[j];
    p->tmax[j] = d->effort[j];
    p->noise[j] = (float)mi_planner_per_joint(&pp->noise, j, 0.1);
  }
  for (int s = 0; s < d->nsphere; s++)
    if (d->sphere_body[s] >= 0) p->moving[p->nmoving++] = (int16_t)s;
  p->nself = m->nself;
  memcpy(p->self_pair, m->self_pair, sizeof(uint16_t) * 2 * (size_t)m->nself);
  p->kind = pp->kind;
  p->temp_scale = pp->temp_scale;
  p->K = (int)pp->K;
  p->elites = (int)pp->elites;
  p->iterations = (int)pp->iterations;
  p->temperature = (float)pp->temperature;
  p->cem_alpha = (float)pp->cem_alpha;
  p->cem_min_std = (float)pp->cem_min_std;
  p->seed = (uint64_t)pp->seed;
}

void mi_wm_cuda_inputs_fill(const mi_rollout *ro, uint32_t iter, const float *mean,
                            const float *std, int kn, mi_cuda_inputs *in) {
  in->goal_rot = mi_rollout_export(ro, NULL, NULL, in->q0, in->qd0, in->goal_p, in->goal_R);
  mi_rollout_goal_velocity(ro, in->goal_v);
  const mi_cost_obstacle *obs;
  int no = mi_rollout_obstacles(ro, &obs);
  if (no > MI_CUDA_MAX_OBS) no = MI_CUDA_MAX_OBS; /* cannot happen: same bound */
  in->nobs = no;
  memcpy(in->obs, obs, sizeof(mi_cost_obstacle) * (size_t)no);
  in->iter = iter;
  if (mean) memcpy(in->mean, mean, sizeof(float) * (size_t)kn);
  if (std) memcpy(in->std, std, sizeof(float) * (size_t)kn);
}

#ifdef MI_WM_HAVE_CUDA
static void fill_inputs(const mi_wm_engine *e, mi_cuda_inputs *in) {
  mi_wm_cuda_inputs_fill(e->ro, e->iter, e->mean, e->std, e->kn, in);
}
#endif

void mi_wm_engine_destroy(mi_wm_engine *e) {
  if (!e) return;
#ifdef MI_WM_HAVE_CUDA
  mi_cuda_planner_destroy(e->gp);
#endif
  mi_planner_destroy(e->pl);
  mi_pool_destroy(e->pool);
  mi_rollout_destroy(e->ro);
  free(e->mean);
  free(e->std);
  free(e->best);
  free(e->tmp);
  free(e);
}

mi_status mi_wm_engine_create(const mi_model *m, const mi_planner_params *pp,
                              const mi_wm_cuda_params *cp, mi_wm_engine **out, char *err,
                              size_t err_sz) {
  char dummy[8];
  if (!err) {
    err = dummy;
    err_sz = sizeof dummy;
  }
  err[0] = '\0';
  if (!m || !pp || !out) {
    snprintf(err, err_sz, "engine: NULL argument");
    return MI_ERR_INVALID;
  }
  mi_wm_cuda_params cdef;
  if (!cp) {
    if (mi_wm_cuda_params_defaults(&cdef, err, err_sz) != MI_OK) return MI_ERR_INVALID;
    cp = &cdef;
  }
  int backend = MI_BACKEND_CPU;
  char why[384];
  mi_status st = mi_wm_backend_resolve(pp->backend, (int)cp->device, &backend, why, sizeof why);
  if (st != MI_OK) {
    snprintf(err, err_sz, "planner.backend: %s", why);
    return st;
  }
  mi_wm_engine *e = calloc(1, sizeof *e);
  if (!e) return MI_ERR_NOMEM;
  e->backend = backend;
  snprintf(e->why, sizeof e->why, "%s", why);
  e->pp = *pp;
  e->n = m->dynf.ndof;
  e->nk = (int)pp->knots;
  e->kn = e->n * e->nk;
  if (backend == MI_BACKEND_CPU) {
    st = mi_pool_create((int)pp->threads, &e->pool);
    if (st != MI_OK) goto fail;
    st = mi_rollout_create(m, pp, mi_pool_threads(e->pool), (int)pp->block, &e->ro);
    if (st != MI_OK) goto fail;
    st = mi_planner_create(pp, e->n, &e->pl);
    if (st != MI_OK) goto fail;
    e->sys = mi_rollout_system(e->ro);
  } else {
#ifdef MI_WM_HAVE_CUDA
    st = mi_rollout_create(m, pp, 1, 8, &e->ro);
    if (st != MI_OK) goto fail;
    /* the planner's own checks first (same limits on both backends) */
    mi_planner *check = NULL;
    st = mi_planner_create(pp, e->n, &check);
    mi_planner_destroy(check);
    if (st != MI_OK) goto fail;
    size_t kn = (size_t)e->kn;
    e->mean = calloc(kn, sizeof(float));
    e->std = calloc(kn, sizeof(float));
    e->best = calloc(kn, sizeof(float));
    e->tmp = calloc(kn, sizeof(float));
    if (!e->mean || !e->std || !e->best || !e->tmp) {
      st = MI_ERR_NOMEM;
      goto fail;
    }
    for (int j = 0; j < e->n; j++) e->noise[j] = (float)mi_planner_per_joint(&pp->noise, j, 0.1);
    mi_cuda_problem *prob = malloc(sizeof *prob);
    if (!prob) {
      st = MI_ERR_NOMEM;
      goto fail;
    }
    mi_wm_cuda_problem_fill(m, pp, e->ro, prob);
    mi_cuda_config cfg = {(int)cp->device, 1 << cp->lanes, (int)cp->block, cp->graph};
    st = mi_cuda_planner_create(prob, &cfg, &e->gp, err, err_sz);
    free(prob);
    if (st != MI_OK) goto fail_msg;
    mi_wm_engine_reset(e, NULL);
#else
    st = MI_ERR_DEVICE;
    goto fail;
#endif
  }
  MI_LOGI("planner backend: %s (%s)", mi_wm_backend_name(backend), why);
  *out = e;
  return MI_OK;
fail:
  snprintf(err, err_sz, "engine: %s backend setup failed: %s", mi_wm_backend_name(backend),
           mi_status_str(st));
#ifdef MI_WM_HAVE_CUDA
fail_msg:
#endif
  mi_wm_engine_destroy(e);
  return st;
}

int mi_wm_engine_backend(const mi_wm_engine *e) { return e->backend; }
const char *mi_wm_engine_why(const mi_wm_engine *e) { return e->why; }
int mi_wm_engine_threads(const mi_wm_engine *e) { return e->pool ? mi_pool_threads(e->pool) : 0; }
mi_rollout *mi_wm_engine_rollout(mi_wm_engine *e) { return e->ro; }

mi_status mi_wm_engine_set_inertia(mi_wm_engine *e, const mi_wm_dynf *d) {
  mi_status st = mi_rollout_set_inertia(e->ro, d);
  if (st != MI_OK || e->backend == MI_BACKEND_CPU) return st;
#ifdef MI_WM_HAVE_CUDA
  const mi_wm_dynf *folded = NULL; /* the rollout's tables, kd folded in */
  (void)mi_rollout_export(e->ro, &folded, NULL, NULL, NULL, NULL, NULL);
  char err[256];
  st = mi_cuda_planner_set_dyn(e->gp, folded, err, sizeof err);
  if (st != MI_OK) MI_LOG_EVERY_MS(MI_LOG_ERROR, 1000, "planner: %s", err);
  return st;
#else
  return MI_ERR_STATE;
#endif
}

mi_status mi_wm_engine_optimize(mi_wm_engine *e, mi_planner_result *res) {
  if (e->backend == MI_BACKEND_CPU) return mi_planner_optimize(e->pl, &e->sys, e->pool, res);
#ifdef MI_WM_HAVE_CUDA
  mi_cuda_inputs *in = mi_cuda_planner_inputs(e->gp);
  fill_inputs(e, in);
  const mi_cuda_outputs *o = NULL;
  char err[256];
  mi_status st = mi_cuda_planner_optimize(e->gp, &o, err, sizeof err);
  if (st != MI_OK) {
    MI_LOG_EVERY_MS(MI_LOG_ERROR, 1000, "planner: %s", err);
    return st;
  }
  memcpy(e->mean, o->mean, sizeof(float) * (size_t)e->kn);
  memcpy(e->std, o->std, sizeof(float) * (size_t)e->kn);
  memcpy(e->best, o->best, sizeof(float) * (size_t)e->kn);
  e->best_cost = o->best_cost;
  e->iter = o->iter;
  if (res) {
    res->best_cost = o->best_cost;
    res->nominal_cost = o->nominal_cost;
    res->iterations = (int)e->pp.iterations;
    res->iteration = o->iter;
  }
  return MI_OK;
#else
  (void)res;
  return MI_ERR_STATE;
#endif
}

mi_status mi_wm_engine_prepare(mi_wm_engine *e) {
  return e->backend == MI_BACKEND_CPU ? mi_planner_prepare(e->pl, e->pool) : MI_OK;
}

const float *mi_wm_engine_ranked(mi_wm_engine *e, int rank) {
  if (e->pl) return mi_planner_ranked(e->pl, rank);
  return rank == 0 && isfinite(e->best_cost) ? e->best : NULL;
}

mi_status mi_wm_engine_explore(mi_wm_engine *e) {
  if (e->backend != MI_BACKEND_CPU) return MI_ERR_STATE;
  return mi_planner_explore(e->pl, &e->sys, e->pool);
}

mi_status mi_wm_engine_refine(mi_wm_engine *e, mi_planner_result *res) {
  if (e->backend != MI_BACKEND_CPU) return MI_ERR_STATE;
  return mi_planner_refine(e->pl, &e->sys, e->pool, res);
}

/* the CUDA engine keeps the plan on the host between cycles; these follow
 * worldmodel/planner.c's functions of the same names */
void mi_wm_engine_reset(mi_wm_engine *e, const float *u0) {
  if (e->pl) {
    mi_planner_reset(e->pl, u0);
    return;
  }
  for (int k = 0; k < e->nk; k++)
    for (int j = 0; j < e->n; j++) {
      e->mean[k * e->n + j] = u0 ? u0[j] : 0.0f;
      e->std[k * e->n + j] = e->noise[j];
    }
  memcpy(e->best, e->mean, sizeof(float) * (size_t)e->kn);
  e->best_cost = INFINITY;
}

void mi_wm_engine_set_knots(mi_wm_engine *e, const float *knots) {
  if (e->pl) {
    mi_planner_set_knots(e->pl, knots);
    return;
  }
  memcpy(e->mean, knots, sizeof(float) * (size_t)e->kn);
  for (int k = 0; k < e->nk; k++)
    for (int j = 0; j < e->n; j++) e->std[k * e->n + j] = e->noise[j];
}

void mi_wm_engine_shift(mi_wm_engine *e, double elapsed_s) {
  if (e->pl) {
    mi_planner_shift(e->pl, elapsed_s);
    return;
  }
  if (!(elapsed_s > 0.0)) return;
  double horizon = e->pp.dt * (double)e->pp.H;
  double dk = elapsed_s / horizon * (e->nk - 1);
  for (int k = 0; k < e->nk; k++)
    for (int j = 0; j < e->n; j++)
      e->tmp[k * e->n + j] =
          mi_spline_eval(e->mean, e->nk, e->n, j, e->pp.spline, (float)(k + dk));
  memcpy(e->mean, e->tmp, sizeof(float) * (size_t)e->kn);
  for (int k = 0; k < e->nk; k++)
    for (int j = 0; j < e->n; j++) e->std[k * e->n + j] = e->noise[j];
}

const float *mi_wm_engine_knots(const mi_wm_engine *e) {
  return e->pl ? mi_planner_knots(e->pl) : e->mean;
}

void mi_wm_engine_control_at(const mi_wm_engine *e, double t_s, float *u) {
  if (e->pl) {
    mi_planner_control_at(e->pl, t_s, u);
    return;
  }
  double horizon = e->pp.dt * (double)e->pp.H;
  float s = (float)(t_s / horizon * (e->nk - 1));
  for (int j = 0; j < e->n; j++) u[j] = mi_spline_eval(e->mean, e->nk, e->n, j, e->pp.spline, s);
}

const float *mi_wm_engine_best(const mi_wm_engine *e, float *cost) {
  if (e->pl) return mi_planner_best(e->pl, cost);
  if (cost) *cost = e->best_cost;
  return e->best;
}

mi_status mi_wm_engine_costs(mi_wm_engine *e, const float *U, int n, float *cost) {
  if (!e || !U || !cost || n < 1 || n > (int)e->pp.K) return MI_ERR_INVALID;
  if (e->backend == MI_BACKEND_CPU) {
    /* the batch path the planner uses, one block at a time on worker 0 */
    const int b = (int)e->pp.block;
    for (int k0 = 0; k0 < n; k0 += b) {
      int nb = n - k0 < b ? n - k0 : b;
      e->sys.eval(e->sys.self, U + (size_t)k0 * (size_t)e->kn, k0, nb, cost + k0, 0);
    }
    return MI_OK;
  }
#ifdef MI_WM_HAVE_CUDA
  fill_inputs(e, mi_cuda_planner_inputs(e->gp));
  char err[256];
  mi_status st = mi_cuda_planner_costs(e->gp, U, n, cost, err, sizeof err);
  if (st != MI_OK) MI_LOG_EVERY_MS(MI_LOG_ERROR, 1000, "planner: %s", err);
  return st;
#else
  return MI_ERR_STATE;
#endif
}

mi_status mi_wm_cuda_step_bench(const mi_wm_dynf *d, int device, int K, int steps, float dt,
                                const float *q0, const float *tau, float *q_out,
                                double *seconds, char *err, size_t err_sz) {
#ifdef MI_WM_HAVE_CUDA
  return mi_cuda_step_bench(d, device, K, steps, dt, q0, tau, q_out, seconds, err, err_sz);
#else
  (void)d, (void)device, (void)K, (void)steps, (void)dt, (void)q0, (void)tau, (void)q_out;
  (void)seconds;
  if (err && err_sz) snprintf(err, err_sz, "this build has no CUDA backend");
  return MI_ERR_DEVICE;
#endif
}
