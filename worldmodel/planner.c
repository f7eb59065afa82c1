/* worldmodel/planner.c - MPPI, CEM and predictive sampling over spline knots
 * (see planner.h for the scheme). */
#include "worldmodel/planner.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/philox.h"

/* ---- params ---- */

#define S mi_planner_params
static const mi_param_def k_defs[] = {
    MI_P_ENUM(S, kind, "planner.kind", "mppi", "mppi|cem|ps", "sampling planner: MPPI, cross-entropy method, predictive sampling"),
    MI_P_ENUM(S, backend, "planner.backend", "auto", "auto|cpu|cuda", "rollout backend; auto takes cuda when a device is usable, else cpu"),
    MI_P_ENUM(S, spline, "planner.spline", "linear", "zero|linear|cubic", "interpolation between control knots"),
    MI_P_ENUM(S, temp_scale, "planner.temperature_scale", "spread", "spread|absolute", "mppi: temperature times (mean cost - min cost), or as is"),
    MI_P_INT(S, K, "planner.K", "1024", 2, 1048576, NULL, "candidates per iteration"),
    MI_P_INT(S, H, "planner.H", "32", 1, 4096, NULL, "rollout steps in the horizon"),
    MI_P_INT(S, knots, "planner.knots", "4", 2, MI_PLANNER_MAX_KNOTS, NULL, "spline knots over the horizon"),
    MI_P_INT(S, iterations, "planner.iterations", "1", 1, 1000, NULL, "iterations per planning cycle"),
    MI_P_INT(S, elites, "planner.elites", "64", 1, 1048576, NULL, "cem: candidates kept per iteration"),
    MI_P_INT(S, threads, "planner.threads", "0", 0, 256, NULL, "cpu backend worker threads; 0: all cores"),
    MI_P_INT(S, block, "planner.block", "32", 1, 65536, NULL, "candidates per cpu task (fixed: results never depend on the thread count)"),
    MI_P_INT(S, refine, "planner.refine", "0", 0, 1048576, NULL, "two-phase cycle: all K scored from the state predicted for the next joint state, this many of the best scored again from it (cpu; 0: one phase)"),
    MI_P_INT(S, seed, "planner.seed", "1", 0, 9007199254740991.0, NULL, "Philox key of the sampling noise"),
    MI_P_DOUBLE(S, dt, "planner.dt", "0.02", 1e-5, 1.0, "s", "rollout step"),
    MI_P_DOUBLE(S, temperature, "planner.temperature", "0.1", 1e-9, 1e9, NULL, "mppi temperature (see temperature_scale)"),
    MI_P_DOUBLES(S, noise, "planner.noise", "[0.1]", 0.0, 1e6, "rad", "sampling std dev per control dimension (one value: all)"),
    MI_P_DOUBLE(S, cem_alpha, "planner.cem_alpha", "0.1", 0.0, 1.0, NULL, "cem: weight of the old mean and std in the update"),
    MI_P_DOUBLE(S, cem_min_std, "planner.cem_min_std", "0.05", 0.0, 1.0, NULL, "cem: std floor, fraction of noise"),
    MI_P_INT(S, substeps, "rollout.substeps", "1", 1, 100, NULL, "integrator substeps per rollout step (PD law re-evaluated each)"),
    MI_P_DOUBLES(S, kp, "rollout.kp", "[100.0]", 0.0, 1e6, "N m/rad", "PD stiffness tracking the position references, per joint"),
    MI_P_DOUBLES(S, kd, "rollout.kd", "[10.0]", 0.0, 1e6, "N m s/rad", "PD damping, per joint"),
    MI_P_BOOL(S, gravity_comp, "rollout.gravity_compensation", "true", "tracking law adds the model's gravity torques g(q) (as the plant's servo and the controller do); false: PD only"),
    MI_P_DOUBLE(S, w_ee_pos, "cost.ee_position", "100.0", 0.0, 1e9, "1/m^2", "end-effector distance to the goal, squared"),
    MI_P_DOUBLE(S, w_ee_rot, "cost.ee_orientation", "10.0", 0.0, 1e9, NULL, "end-effector orientation error, sin^2(angle/2)"),
    MI_P_DOUBLE(S, w_clearance, "cost.clearance", "10000.0", 0.0, 1e12, "1/m^2", "sphere clearance below the margin, squared, per pair"),
    MI_P_DOUBLE(S, clearance_margin, "cost.clearance_margin", "0.02", 0.0, 1.0, "m", "clearance below which the cost starts"),
    MI_P_DOUBLE(S, w_zone, "cost.zone_factor", "10.0", 0.0, 1e6, NULL, "extra factor on clearance to zones a person may occupy"),
    MI_P_DOUBLE(S, w_self, "cost.self_factor", "1.0", 0.0, 1e6, NULL, "factor on clearance between the robot's own non-adjacent links"),
    MI_P_DOUBLE(S, w_qlim, "cost.joint_limits", "1000.0", 0.0, 1e12, "1/rad^2", "joint position beyond its limits, squared"),
    MI_P_DOUBLE(S, w_vlim, "cost.velocity_limits", "10.0", 0.0, 1e12, "s^2/rad^2", "joint velocity beyond its limit, squared"),
    MI_P_DOUBLE(S, w_tlim, "cost.torque_limits", "0.0", 0.0, 1e12, "1/(N m)^2", "torque beyond its effort limit, squared (the rollout clamps torques)"),
    MI_P_DOUBLE(S, w_effort, "cost.effort", "0.01", 0.0, 1e9, NULL, "sum of (torque / effort limit)^2"),
    MI_P_DOUBLE(S, w_vel, "cost.velocity", "0.01", 0.0, 1e9, "s^2/rad^2", "sum of joint velocities squared"),
    MI_P_DOUBLE(S, w_smooth, "cost.smoothness", "0.1", 0.0, 1e9, "1/rad^2", "sum over knots of the squared knot-to-knot change"),
    MI_P_DOUBLE(S, w_terminal, "cost.terminal_factor", "10.0", 0.0, 1e9, NULL, "factor on the end-effector and velocity terms at the last step"),
};
#undef S

static const mi_param_table k_table = {"predictor", k_defs, MI_ARRAY_LEN(k_defs)};

const mi_param_table *mi_planner_params_table(void) { return &k_table; }

mi_status mi_planner_params_defaults(mi_planner_params *p, char *err, size_t err_sz) {
  return mi_params_defaults(&k_table, p, err, err_sz);
}

mi_cost_weights mi_planner_cost_weights(const mi_planner_params *p) {
  mi_cost_weights w;
  w.ee_pos = (float)p->w_ee_pos;
  w.ee_rot = (float)p->w_ee_rot;
  w.clearance = (float)p->w_clearance;
  w.clearance_margin = (float)p->clearance_margin;
  w.zone = (float)p->w_zone;
  w.self = (float)p->w_self;
  w.qlim = (float)p->w_qlim;
  w.vlim = (float)p->w_vlim;
  w.tlim = (float)p->w_tlim;
  w.effort = (float)p->w_effort;
  w.vel = (float)p->w_vel;
  w.smooth = (float)p->w_smooth;
  w.terminal = (float)p->w_terminal;
  return w;
}

double mi_planner_per_joint(const mi_param_doubles *d, int i, double def) {
  if (d->n <= 0) return def;
  if (d->n == 1) return d->v[0];
  return i < d->n ? d->v[i] : def;
}

const char *mi_planner_kind_name(int kind) {
  switch (kind) {
    case MI_PLANNER_MPPI: return "mppi";
    case MI_PLANNER_CEM: return "cem";
    case MI_PLANNER_PS: return "ps";
    default: return "unknown";
  }
}

/* ---- the planner ---- */

struct mi_planner {
  mi_planner_params pp;
  int K, H, nk, nu, kn; /* kn = nk * nu floats per candidate */
  uint32_t iter;        /* Philox iteration counter, never reset */
  mi_philox_key key;
  float *mean;          /* kn */
  float *std;           /* kn (cem adapts it; mppi and ps keep noise) */
  float *noise;         /* nu */
  float *U;             /* K x kn */
  float *eps;           /* K x kn: the standard normals of iteration eps_iter */
  uint32_t eps_iter;    /* the iteration eps holds (eps_ok) */
  bool eps_ok;
  float *cost;          /* K */
  double *w;            /* K: mppi weights */
  int *order;           /* K: cem sort */
  int *order_tmp;       /* K: merge sort scratch (qsort may allocate) */
  double *acc;          /* kn: double accumulators for the update */
  double *acc2;         /* kn */
  float *tmp;           /* kn: shift scratch */
  float *best;          /* kn */
  float best_cost;
  /* two-phase iterations (mi_planner_explore / mi_planner_refine) */
  int R;                /* candidates refined (0: none) */
  int *idx_r;           /* R: which candidates (0 first, then by explored cost) */
  float *Ur;            /* R x kn: their knots, contiguous for the system */
  float *cost_r;        /* R: their costs from the measured state */
  float *dc;            /* R: scratch, refined minus explored cost */
  bool explored;        /* U, cost hold iteration iter explored, not refined */
  bool ranked;          /* order holds the last iteration's candidates by cost */
  /* per-run context for pool tasks */
  const mi_planner_system *sys;
};

mi_status mi_planner_create(const mi_planner_params *pp, int nu, mi_planner **out) {
  if (!out || !pp) return MI_ERR_INVALID;
  if (nu < 1 || nu > MI_PLANNER_MAX_NU || pp->knots < 2 || pp->knots > MI_PLANNER_MAX_KNOTS ||
      pp->K < 2 || pp->K > (1 << 24) || pp->H < 1 || !(pp->dt > 0.0) || pp->elites < 1 ||
      pp->elites > pp->K || pp->block < 1 || pp->iterations < 1)
    return MI_ERR_INVALID;
  if (pp->noise.n != 0 && pp->noise.n != 1 && pp->noise.n != nu) return MI_ERR_INVALID;
  mi_planner *p = calloc(1, sizeof *p);
  if (!p) return MI_ERR_NOMEM;
  p->pp = *pp;
  p->K = (int)pp->K;
  p->H = (int)pp->H;
  p->nk = (int)pp->knots;
  p->nu = nu;
  p->kn = p->nk * nu;
  p->R = pp->refine > 0 ? (int)(pp->refine < pp->K ? pp->refine : pp->K) : 0;
  p->key = mi_philox_key_from_seed((uint64_t)pp->seed);
  size_t kn = (size_t)p->kn, K = (size_t)p->K;
  p->mean = calloc(kn, sizeof(float));
  p->std = calloc(kn, sizeof(float));
  p->noise = calloc((size_t)nu, sizeof(float));
  p->U = calloc(K * kn, sizeof(float));
  p->eps = calloc(K * kn, sizeof(float));
  p->cost = calloc(K, sizeof(float));
  p->w = calloc(K, sizeof(double));
  p->order = calloc(K, sizeof(int));
  p->order_tmp = calloc(K, sizeof(int));
  p->acc = calloc(kn, sizeof(double));
  p->acc2 = calloc(kn, sizeof(double));
  p->tmp = calloc(kn, sizeof(float));
  p->best = calloc(kn, sizeof(float));
  const size_t R1 = (size_t)(p->R > 0 ? p->R : 1);
  p->idx_r = calloc(R1, sizeof(int));
  p->Ur = calloc(R1 * kn, sizeof(float));
  p->cost_r = calloc(R1, sizeof(float));
  p->dc = calloc(R1, sizeof(float));
  if (!p->idx_r || !p->Ur || !p->cost_r || !p->dc || !p->mean || !p->std || !p->noise || !p->U || !p->eps || !p->cost || !p->w || !p->order || !p->order_tmp || !p->acc ||
      !p->acc2 || !p->tmp || !p->best) {
    mi_planner_destroy(p);
    return MI_ERR_NOMEM;
  }
  for (int j = 0; j < nu; j++) p->noise[j] = (float)mi_planner_per_joint(&pp->noise, j, 0.1);
  p->best_cost = INFINITY;
  mi_planner_reset(p, NULL);
  *out = p;
  return MI_OK;
}

void mi_planner_destroy(mi_planner *p) {
  if (!p) return;
  free(p->mean);
  free(p->std);
  free(p->noise);
  free(p->U);
  free(p->eps);
  free(p->cost);
  free(p->w);
  free(p->order);
  free(p->order_tmp);
  free(p->acc);
  free(p->acc2);
  free(p->tmp);
  free(p->best);
  free(p->idx_r);
  free(p->Ur);
  free(p->cost_r);
  free(p->dc);
  free(p);
}

void mi_planner_reset(mi_planner *p, const float *u0) {
  for (int k = 0; k < p->nk; k++)
    for (int j = 0; j < p->nu; j++) {
      p->mean[k * p->nu + j] = u0 ? u0[j] : 0.0f;
      p->std[k * p->nu + j] = p->noise[j];
    }
  memcpy(p->best, p->mean, (size_t)p->kn * sizeof(float));
  p->best_cost = INFINITY;
}

void mi_planner_set_knots(mi_planner *p, const float *knots) {
  memcpy(p->mean, knots, (size_t)p->kn * sizeof(float));
  for (int k = 0; k < p->nk; k++)
    for (int j = 0; j < p->nu; j++) p->std[k * p->nu + j] = p->noise[j];
}

/* candidate k's standard normals of iteration iter (knots x nu; zero for
 * k = 0, the mean): Philox keyed by (knot, candidate, iteration, lane / 4),
 * so they depend on nothing but their index */
static void candidate_normals(const mi_planner *p, int k, uint32_t iter, float *e) {
  const int nu = p->nu;
  for (int t = 0; t < p->nk; t++)
    for (int j0 = 0; j0 < nu; j0 += 4) {
      float r[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      if (k > 0)
        mi_philox_normal4f(mi_philox_ctr_make((uint32_t)t, (uint32_t)k, iter, (uint32_t)(j0 / 4)),
                           p->key, r);
      for (int j = j0; j < j0 + 4 && j < nu; j++) e[t * nu + j] = r[j - j0];
    }
}

/* candidate k of the current iteration: the mean plus std times its
 * normals (prepared by mi_planner_prepare, else drawn here), clamped to
 * the system's bounds */
static void sample_candidate(const mi_planner *p, const mi_planner_system *sys, int k,
                             float *u) {
  const int kn = p->kn;
  float own[MI_PLANNER_MAX_KNOTS * MI_PLANNER_MAX_NU];
  const float *e = p->eps + (size_t)k * kn;
  if (!p->eps_ok || p->eps_iter != p->iter) {
    candidate_normals(p, k, p->iter, own);
    e = own;
  }
  for (int t = 0, i = 0; t < p->nk; t++)
    for (int j = 0; j < p->nu; j++, i++) {
      float v = p->mean[i] + p->std[i] * e[i];
      if (sys->u_lo && v < sys->u_lo[j]) v = sys->u_lo[j];
      if (sys->u_hi && v > sys->u_hi[j]) v = sys->u_hi[j];
      u[i] = v;
    }
}

/* task `task`'s fixed block of n items: its first in *k0, its length returned */
static int block_range(const mi_planner *p, int task, int n, int *k0) {
  const int b = (int)p->pp.block;
  *k0 = task * b;
  return n - *k0 < b ? n - *k0 : b;
}

/* fn over the fixed blocks of n items, on pool (NULL: the calling thread) */
static mi_status run_blocks(mi_planner *p, mi_pool *pool, int n, mi_pool_fn fn) {
  const int n_tasks = (n + (int)p->pp.block - 1) / (int)p->pp.block;
  if (pool) return mi_pool_run(pool, n_tasks, fn, p);
  for (int t = 0; t < n_tasks; t++) fn(p, t, 0);
  return MI_OK;
}

/* pool task: sample and score one fixed block of candidates */
static void block_task(void *ctx, int task, int worker) {
  mi_planner *p = ctx;
  const mi_planner_system *sys = p->sys;
  int k0;
  const int n = block_range(p, task, p->K, &k0);
  for (int k = k0; k < k0 + n; k++) sample_candidate(p, sys, k, p->U + (size_t)k * p->kn);
  sys->eval(sys->self, p->U + (size_t)k0 * p->kn, k0, n, p->cost + k0, worker);
}

/* pool task: one block's normals for the next iteration */
static void prepare_task(void *ctx, int task, int worker) {
  (void)worker;
  mi_planner *p = ctx;
  int k0;
  const int n = block_range(p, task, p->K, &k0);
  for (int k = k0; k < k0 + n; k++)
    candidate_normals(p, k, p->iter, p->eps + (size_t)k * p->kn);
}

mi_status mi_planner_prepare(mi_planner *p, mi_pool *pool) {
  if (!p) return MI_ERR_INVALID;
  if (p->eps_ok && p->eps_iter == p->iter) return MI_OK;
  p->eps_ok = false;
  mi_status st = run_blocks(p, pool, p->K, prepare_task);
  if (st != MI_OK) return st;
  p->eps_iter = p->iter;
  p->eps_ok = true;
  return MI_OK;
}

/* order by cost, ties (and NaN, last) by index: a total order, so the
 * result does not depend on the sort algorithm */
static int before(const float *cost, int i, int j) {
  float ci = cost[i], cj = cost[j];
  int ni = isnan(ci), nj = isnan(cj);
  if (ni != nj) return nj;
  if (!ni && ci != cj) return ci < cj;
  return i < j;
}

/* bottom-up merge sort of idx[0..n) with scratch tmp[0..n); no allocation
 * (glibc's qsort may call malloc) */
static void sort_by_cost(const float *cost, int *idx, int *tmp, int n) {
  int *a = idx, *b = tmp;
  for (int w = 1; w < n; w *= 2) {
    for (int lo = 0; lo < n; lo += 2 * w) {
      int mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      int i = lo, j = mid, o = lo;
      while (i < mid && j < hi) b[o++] = before(cost, a[j], a[i]) ? a[j++] : a[i++];
      while (i < mid) b[o++] = a[i++];
      while (j < hi) b[o++] = a[j++];
    }
    int *t = a;
    a = b;
    b = t;
  }
  if (a != idx) memcpy(idx, a, (size_t)n * sizeof(int));
}

static void update_mppi(mi_planner *p, float cmin) {
  const int K = p->K, kn = p->kn;
  double lambda = p->pp.temperature;
  if (p->pp.temp_scale == MI_TEMP_SPREAD) {
    double sum = 0.0;
    int n = 0;
    for (int k = 0; k < K; k++)
      if (isfinite(p->cost[k])) {
        sum += p->cost[k];
        n++;
      }
    double spread = n > 0 ? sum / n - cmin : 0.0;
    lambda *= spread > 1e-12 ? spread : 1e-12;
  }
  double wsum = 0.0;
  for (int k = 0; k < K; k++) {
    double w = isfinite(p->cost[k]) ? exp(-((double)p->cost[k] - cmin) / lambda) : 0.0;
    p->w[k] = w;
    wsum += w;
  }
  memset(p->acc, 0, (size_t)kn * sizeof(double));
  for (int k = 0; k < K; k++) {
    if (p->w[k] == 0.0) continue;
    const float *u = p->U + (size_t)k * kn;
    for (int i = 0; i < kn; i++) p->acc[i] += p->w[k] * u[i];
  }
  for (int i = 0; i < kn; i++) p->mean[i] = (float)(p->acc[i] / wsum);
}

/* order[] := the K candidates by cost (before's total order) */
static void sort_candidates(mi_planner *p) {
  for (int k = 0; k < p->K; k++) p->order[k] = k;
  sort_by_cost(p->cost, p->order, p->order_tmp, p->K);
}

static void update_cem(mi_planner *p) {
  const int kn = p->kn, ne = (int)p->pp.elites;
  sort_candidates(p);
  memset(p->acc, 0, (size_t)kn * sizeof(double));
  memset(p->acc2, 0, (size_t)kn * sizeof(double));
  for (int e = 0; e < ne; e++) {
    const float *u = p->U + (size_t)p->order[e] * kn;
    for (int i = 0; i < kn; i++) p->acc[i] += u[i];
  }
  for (int i = 0; i < kn; i++) p->acc[i] /= ne;
  for (int e = 0; e < ne; e++) {
    const float *u = p->U + (size_t)p->order[e] * kn;
    for (int i = 0; i < kn; i++) {
      double d = u[i] - p->acc[i];
      p->acc2[i] += d * d;
    }
  }
  double a = p->pp.cem_alpha;
  for (int i = 0; i < kn; i++) {
    int j = i % p->nu;
    double sd = sqrt(p->acc2[i] / ne);
    double floor_sd = p->pp.cem_min_std * p->noise[j];
    double m = a * p->mean[i] + (1.0 - a) * p->acc[i];
    double s = a * p->std[i] + (1.0 - a) * sd;
    p->mean[i] = (float)m;
    p->std[i] = (float)(s > floor_sd ? s : floor_sd);
  }
}

/* sample and score all K candidates of iteration iter, in fixed blocks */
static mi_status sample_score(mi_planner *p, mi_pool *pool) {
  return run_blocks(p, pool, p->K, block_task);
}

/* the cheapest of n candidates, first index on ties */
static int cheapest(const float *cost, int n) {
  int kb = 0;
  for (int k = 1; k < n; k++)
    if (cost[k] < cost[kb] || (isnan(cost[kb]) && !isnan(cost[k]))) kb = k;
  return kb;
}

/* the end of an iteration over the K scored candidates: keep the best,
 * update the mean (and std) */
static void finish_iteration(mi_planner *p) {
  const int kn = p->kn;
  int kb = cheapest(p->cost, p->K);
  float best = p->cost[kb];
  p->best_cost = best;
  memcpy(p->best, p->U + (size_t)kb * kn, (size_t)kn * sizeof(float));
  if (isfinite(best)) {
    switch (p->pp.kind) {
      case MI_PLANNER_CEM: update_cem(p); break;
      case MI_PLANNER_PS: memcpy(p->mean, p->best, (size_t)kn * sizeof(float)); break;
      default: update_mppi(p, best); break;
    }
  }
  p->ranked = false;
  p->iter++;
}

mi_status mi_planner_optimize(mi_planner *p, const mi_planner_system *sys, mi_pool *pool,
                              mi_planner_result *res) {
  if (!p || !sys || !sys->eval || sys->nu != p->nu) return MI_ERR_INVALID;
  float nominal = INFINITY;
  int it;
  p->sys = sys;
  p->explored = false;
  for (it = 0; it < (int)p->pp.iterations; it++) {
    mi_status st = sample_score(p, pool);
    if (st != MI_OK) {
      p->sys = NULL;
      return st;
    }
    nominal = p->cost[0];
    finish_iteration(p);
  }
  p->sys = NULL;
  if (res) {
    res->best_cost = p->best_cost;
    res->nominal_cost = nominal;
    res->iterations = it;
    res->iteration = p->iter;
  }
  return MI_OK;
}

mi_status mi_planner_explore(mi_planner *p, const mi_planner_system *sys, mi_pool *pool) {
  if (!p || !sys || !sys->eval || sys->nu != p->nu) return MI_ERR_INVALID;
  if (p->R < 1) return MI_ERR_STATE;
  const int K = p->K, kn = p->kn;
  p->sys = sys;
  p->explored = false;
  /* the iterations before the last one, whole */
  for (int it = 0; it + 1 < (int)p->pp.iterations; it++) {
    mi_status st = sample_score(p, pool);
    if (st != MI_OK) {
      p->sys = NULL;
      return st;
    }
    finish_iteration(p);
  }
  mi_status st = sample_score(p, pool);
  p->sys = NULL;
  if (st != MI_OK) return st;
  /* refine candidate 0 (the mean: the nominal cost) and the R - 1 cheapest
   * others, in cost order */
  sort_candidates(p);
  p->ranked = false; /* explored costs, not an iteration's */
  p->idx_r[0] = 0;
  for (int e = 0, r = 1; r < p->R && e < K; e++)
    if (p->order[e] != 0) p->idx_r[r++] = p->order[e];
  for (int r = 0; r < p->R; r++)
    memcpy(p->Ur + (size_t)r * kn, p->U + (size_t)p->idx_r[r] * kn, (size_t)kn * sizeof(float));
  p->explored = true;
  return MI_OK;
}

/* pool task: score one block of the kept candidates again */
static void refine_task(void *ctx, int task, int worker) {
  mi_planner *p = ctx;
  int k0;
  const int n = block_range(p, task, p->R, &k0);
  p->sys->eval(p->sys->self, p->Ur + (size_t)k0 * p->kn, k0, n, p->cost_r + k0, worker);
}

mi_status mi_planner_refine(mi_planner *p, const mi_planner_system *sys, mi_pool *pool,
                            mi_planner_result *res) {
  if (!p || !sys || !sys->eval || sys->nu != p->nu) return MI_ERR_INVALID;
  if (!p->explored) return MI_ERR_STATE;
  p->sys = sys;
  mi_status st = run_blocks(p, pool, p->R, refine_task);
  p->sys = NULL;
  if (st != MI_OK) return st;
  p->explored = false;
  /* every candidate's cost from the measured state: the refined ones' as
   * scored, the others' explored cost moved by the refined ones' median
   * change (a shift common to all changes no weight; what differs per
   * candidate is known for the ones that weigh most) */
  int nd = 0;
  for (int r = 0; r < p->R; r++) {
    float d = p->cost_r[r] - p->cost[p->idx_r[r]];
    if (isfinite(d)) p->dc[nd++] = d;
  }
  for (int i = 1; i < nd; i++) /* insertion sort: R is small */
    for (int j = i; j > 0 && p->dc[j] < p->dc[j - 1]; j--) {
      float t = p->dc[j];
      p->dc[j] = p->dc[j - 1];
      p->dc[j - 1] = t;
    }
  const float shift = nd == 0 ? 0.0f : nd % 2 ? p->dc[nd / 2] : 0.5f * (p->dc[nd / 2 - 1] + p->dc[nd / 2]);
  for (int k = 0; k < p->K; k++) p->cost[k] += shift;
  for (int r = 0; r < p->R; r++) p->cost[p->idx_r[r]] = p->cost_r[r];
  finish_iteration(p);
  if (res) {
    res->best_cost = p->best_cost;
    res->nominal_cost = p->cost[0];
    res->iterations = (int)p->pp.iterations;
    res->iteration = p->iter;
  }
  return MI_OK;
}

void mi_planner_shift(mi_planner *p, double elapsed_s) {
  if (!(elapsed_s > 0.0)) return;
  double horizon = p->pp.dt * (double)p->H;
  double dk = elapsed_s / horizon * (p->nk - 1); /* shift in knot units */
  for (int k = 0; k < p->nk; k++)
    for (int j = 0; j < p->nu; j++)
      p->tmp[k * p->nu + j] =
          mi_spline_eval(p->mean, p->nk, p->nu, j, p->pp.spline, (float)(k + dk));
  memcpy(p->mean, p->tmp, (size_t)p->kn * sizeof(float));
  /* cem: widen again after the move */
  for (int k = 0; k < p->nk; k++)
    for (int j = 0; j < p->nu; j++) p->std[k * p->nu + j] = p->noise[j];
}

const float *mi_planner_knots(const mi_planner *p) { return p->mean; }

void mi_planner_control_at(const mi_planner *p, double t_s, float *u) {
  double horizon = p->pp.dt * (double)p->H;
  float s = (float)(t_s / horizon * (p->nk - 1));
  for (int j = 0; j < p->nu; j++) u[j] = mi_spline_eval(p->mean, p->nk, p->nu, j, p->pp.spline, s);
}

const float *mi_planner_ranked(mi_planner *p, int rank) {
  if (!p || rank < 0 || rank >= p->K || p->explored || p->iter == 0) return NULL;
  if (!p->ranked) {
    sort_candidates(p);
    p->ranked = true;
  }
  return p->U + (size_t)p->order[rank] * p->kn;
}

const float *mi_planner_best(const mi_planner *p, float *cost) {
  if (cost) *cost = p->best_cost;
  return p->best;
}

int mi_planner_knot_count(const mi_planner *p) { return p->nk; }
int mi_planner_nu(const mi_planner *p) { return p->nu; }
const mi_planner_params *mi_planner_get_params(const mi_planner *p) { return &p->pp; }
