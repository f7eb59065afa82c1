// worldmodel/cuda/planner.cu - the CUDA backend: rollout kernels compiled from
// the shared step and cost headers (through worldmodel/cuda/candidate.h),
// cost reductions and the MPPI / CEM / predictive-sampling updates on the
// device, one planning cycle captured as a CUDA Graph. See cuda.h.
#include <cuda_runtime.h>

#include <cub/device/device_radix_sort.cuh>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worldmodel/cuda/cuda.h"

namespace {

// threads of the reduction kernels, and candidates per partial-reduction block
constexpr int kRedThreads = 256;
constexpr int kRedPer = 4;
constexpr int kRedChunk = kRedThreads * kRedPer;

// per-block partial of the cost reduction
struct red_part {
  float cmin;  // cheapest cost in the chunk (+inf when none)
  int kmin;    // its index, the lowest on ties
  double sum;  // sum of the finite costs
  int nfin;    // how many are finite
};

// what the update kernels read, written by k_reduce_final
struct cycle_stats {
  float cmin;
  int kb;
  double lambda;  // mppi temperature for this iteration
  int ok;         // the cheapest cost is finite: update the mean
};

__device__ __forceinline__ void red_combine(red_part &a, const red_part &b) {
  if (b.cmin < a.cmin || (b.cmin == a.cmin && b.kmin < a.kmin)) {
    a.cmin = b.cmin;
    a.kmin = b.kmin;
  }
  a.sum += b.sum;
  a.nfin += b.nfin;
}

// tree reduction of one red_part per thread in shared memory, fixed order;
// the result is in s[0]
__device__ void red_block(red_part *s) {
  for (int off = kRedThreads / 2; off > 0; off >>= 1) {
    __syncthreads();
    if ((int)threadIdx.x < off) red_combine(s[threadIdx.x], s[threadIdx.x + off]);
  }
  __syncthreads();
}

// ---- kernels ----

// Sample (SAMPLE) or read (!SAMPLE) each candidate's knots, roll it out and
// score it; G threads per candidate (candidate.h's lanes). Threads past the
// last candidate compute candidate K-1 (so that every lane of a warp takes
// part in the shuffles) and write nothing.
template <int G, bool SAMPLE>
__global__ void k_rollout(const mi_cuda_problem *__restrict__ p,
                          const mi_cuda_inputs *__restrict__ in, float *U, float *cost, int K) {
  const int gt = (int)(blockIdx.x * blockDim.x + threadIdx.x);
  const int k = gt / G, lane = gt % G;
  const bool valid = k < K;
  const int kk = valid ? k : K - 1;
  const int kn = p->nk * p->n;
  float u[MI_CUDA_MAX_KN];
  if (SAMPLE) {
    mi_cuda_sample(p, in->mean, in->std, in->iter, kk, u);
    if (valid && lane == 0)
      for (int i = 0; i < kn; i++) U[(size_t)kk * kn + i] = u[i];
  } else {
    for (int i = 0; i < kn; i++) u[i] = U[(size_t)kk * kn + i];
  }
  float c = mi_cuda_rollout(p, in, u, lane, G, NULL);
  // the lanes' shares to lane 0, in a fixed tree order
  for (int off = G / 2; off > 0; off >>= 1) c += __shfl_down_sync(0xffffffffu, c, off, G);
  if (valid && lane == 0) cost[kk] = isnan(c) ? INFINITY : c;
}

// per chunk of kRedChunk candidates: cheapest (lowest index on ties), sum and
// count of the finite costs
__global__ void k_reduce_partial(const float *__restrict__ cost, int K, red_part *part) {
  __shared__ red_part s[kRedThreads];
  red_part a;
  a.cmin = INFINITY;
  a.kmin = INT_MAX;
  a.sum = 0.0;
  a.nfin = 0;
  const int base = (int)blockIdx.x * kRedChunk;
  for (int j = 0; j < kRedPer; j++) {
    int k = base + j * kRedThreads + (int)threadIdx.x;
    if (k >= K) break;
    red_part b;
    b.cmin = cost[k];
    b.kmin = k;
    b.sum = isfinite(b.cmin) ? (double)b.cmin : 0.0;
    b.nfin = isfinite(b.cmin) ? 1 : 0;
    red_combine(a, b);
  }
  s[threadIdx.x] = a;
  red_block(s);
  if (threadIdx.x == 0) part[blockIdx.x] = s[0];
}

// all partials (one block, fixed order) -> the iteration's statistics, the
// best candidate and the costs into the outputs; ps: the mean becomes the best
__global__ void k_reduce_final(const mi_cuda_problem *__restrict__ p, const red_part *part,
                               int nparts, const float *__restrict__ cost,
                               const float *__restrict__ U, int K, mi_cuda_inputs *in,
                               mi_cuda_outputs *out, cycle_stats *st) {
  __shared__ red_part s[kRedThreads];
  red_part a;
  a.cmin = INFINITY;
  a.kmin = INT_MAX;
  a.sum = 0.0;
  a.nfin = 0;
  for (int i = (int)threadIdx.x; i < nparts; i += kRedThreads) red_combine(a, part[i]);
  s[threadIdx.x] = a;
  red_block(s);
  const red_part r = s[0];
  // all costs +inf: the cheapest is candidate 0, as on the cpu
  const int kb = r.kmin < K ? r.kmin : 0;
  const int kn = p->nk * p->n;
  const int ok = isfinite(r.cmin) ? 1 : 0;
  if (threadIdx.x == 0) {
    double lambda = (double)p->temperature;
    if (p->temp_scale == MI_TEMP_SPREAD) {
      double spread = r.nfin > 0 ? r.sum / r.nfin - (double)r.cmin : 0.0;
      lambda *= spread > 1e-12 ? spread : 1e-12;
    }
    st->cmin = r.cmin;
    st->kb = kb;
    st->lambda = lambda;
    st->ok = ok;
    out->best_cost = cost[kb];
    out->nominal_cost = cost[0];
  }
  for (int i = (int)threadIdx.x; i < kn; i += kRedThreads) {
    float v = U[(size_t)kb * kn + i];
    out->best[i] = v;
    if (ok && p->kind == MI_PLANNER_PS) in->mean[i] = v;
  }
}

// mppi: w_k = exp(-(S_k - S_min) / lambda), 0 for a non-finite cost
__global__ void k_mppi_weights(const float *__restrict__ cost, int K,
                               const cycle_stats *__restrict__ st, double *w) {
  int k = (int)(blockIdx.x * blockDim.x + threadIdx.x);
  if (k >= K) return;
  float c = cost[k];
  w[k] = (st->ok && isfinite(c)) ? exp(-((double)c - (double)st->cmin) / st->lambda) : 0.0;
}

// mppi: mean[i] = sum_k w_k U_k[i] / sum_k w_k, one block per knot value,
// double accumulators, fixed order
__global__ void k_mppi_mean(const double *__restrict__ w, const float *__restrict__ U, int K,
                            int kn, const cycle_stats *__restrict__ st, mi_cuda_inputs *in) {
  __shared__ double sa[kRedThreads], sw[kRedThreads];
  if (!st->ok) return;  // uniform over the grid
  const int i = (int)blockIdx.x;
  double acc = 0.0, ws = 0.0;
  for (int k = (int)threadIdx.x; k < K; k += kRedThreads) {
    double wk = w[k];
    if (wk == 0.0) continue;
    ws += wk;
    acc += wk * (double)U[(size_t)k * kn + i];
  }
  sa[threadIdx.x] = acc;
  sw[threadIdx.x] = ws;
  for (int off = kRedThreads / 2; off > 0; off >>= 1) {
    __syncthreads();
    if ((int)threadIdx.x < off) {
      sa[threadIdx.x] += sa[threadIdx.x + off];
      sw[threadIdx.x] += sw[threadIdx.x + off];
    }
  }
  if (threadIdx.x == 0) in->mean[i] = (float)(sa[0] / sw[0]);
}

// cem: sort keys, cost (order-preserving bits) above the index: ascending
// keys order by cost, ties by index (the cpu's total order)
__global__ void k_cem_keys(const float *__restrict__ cost, int K, unsigned long long *keys) {
  int k = (int)(blockIdx.x * blockDim.x + threadIdx.x);
  if (k >= K) return;
  float c = cost[k];
  uint32_t b = __float_as_uint(c);
  b = (b & 0x80000000u) ? ~b : (b | 0x80000000u);
  keys[k] = ((unsigned long long)b << 32) | (unsigned long long)(uint32_t)k;
}

// cem: mean and std of the elites, smoothed, std floored (as planner.c)
__global__ void k_cem_update(const mi_cuda_problem *__restrict__ p,
                             const unsigned long long *__restrict__ sorted,
                             const float *__restrict__ U, const cycle_stats *__restrict__ st,
                             mi_cuda_inputs *in) {
  const int kn = p->nk * p->n;
  const int i = (int)(blockIdx.x * blockDim.x + threadIdx.x);
  if (i >= kn || !st->ok) return;
  const int ne = p->elites;
  double acc = 0.0;
  for (int e = 0; e < ne; e++) acc += (double)U[(size_t)(uint32_t)sorted[e] * kn + i];
  acc /= ne;
  double acc2 = 0.0;
  for (int e = 0; e < ne; e++) {
    double d = (double)U[(size_t)(uint32_t)sorted[e] * kn + i] - acc;
    acc2 += d * d;
  }
  const double a = (double)p->cem_alpha;
  const int j = i % p->n;
  double sd = sqrt(acc2 / ne);
  double floor_sd = (double)p->cem_min_std * (double)p->noise[j];
  double m = a * (double)in->mean[i] + (1.0 - a) * acc;
  double s = a * (double)in->std[i] + (1.0 - a) * sd;
  in->mean[i] = (float)m;
  in->std[i] = (float)(s > floor_sd ? s : floor_sd);
}

// end of an iteration: next Philox iteration
__global__ void k_next_iter(mi_cuda_inputs *in) { in->iter++; }

// end of a cycle: the plan into the outputs
__global__ void k_pack(const mi_cuda_problem *__restrict__ p, const mi_cuda_inputs *in,
                       mi_cuda_outputs *out) {
  const int kn = p->nk * p->n;
  for (int i = (int)threadIdx.x; i < kn; i += (int)blockDim.x) {
    out->mean[i] = in->mean[i];
    out->std[i] = in->std[i];
  }
  if (threadIdx.x == 0) out->iter = in->iter;
}

// batched dynamics: thread per candidate, structure-of-arrays in global
// memory (coalesced), the state in registers / local memory across steps
__global__ void k_step_bench(const mi_wm_dynf *__restrict__ d, float *q, const float *tau,
                             int K, int steps, float dt) {
  const int k = (int)(blockIdx.x * blockDim.x + threadIdx.x);
  if (k >= K) return;
  const int n = d->ndof;
  float qs[MI_WM_MAX_DOF], qds[MI_WM_MAX_DOF], ts[MI_WM_MAX_DOF];
  for (int j = 0; j < MI_WM_MAX_DOF; j++) qs[j] = qds[j] = ts[j] = 0.0f;
  for (int j = 0; j < n; j++) {
    qs[j] = q[(size_t)j * K + k];
    ts[j] = tau[(size_t)j * K + k];
  }
  for (int s = 0; s < steps; s++) mi_wm_step_f(d, qs, qds, ts, dt, 1, NULL);
  for (int j = 0; j < n; j++) q[(size_t)j * K + k] = qs[j];
}

// ---- host helpers ----

mi_status ck(cudaError_t e, const char *what, char *err, size_t err_sz) {
  if (e == cudaSuccess) return MI_OK;
  if (err && err_sz)
    snprintf(err, err_sz, "cuda: %s: %s (%s)", what, cudaGetErrorString(e), cudaGetErrorName(e));
  (void)cudaGetLastError();  // clear a non-sticky error
  return e == cudaErrorMemoryAllocation ? MI_ERR_NOMEM : MI_ERR_DEVICE;
}

#define MI_CK(call, what)                                  \
  do {                                                     \
    mi_status st_ = ck((call), (what), err, err_sz);       \
    if (st_ != MI_OK) return st_;                          \
  } while (0)

}  // namespace

// ---- the planner ----

struct mi_cuda_planner {
  mi_cuda_problem prob;  // host copy
  mi_cuda_config cfg;
  int K, kn, nparts;
  cudaStream_t stream;
  mi_cuda_problem *d_prob;
  mi_cuda_inputs *d_in, *h_in;    // h_*: pinned
  mi_cuda_outputs *d_out, *h_out;
  float *d_U, *d_cost;
  double *d_w;
  red_part *d_part;
  cycle_stats *d_st;
  unsigned long long *d_keys, *d_sorted;
  void *d_temp;
  size_t temp_bytes;
  cudaGraph_t graph;
  cudaGraphExec_t exec;
};

extern "C" mi_status mi_cuda_probe(int device, mi_cuda_device_info *info, char *why,
                                   size_t why_sz) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n == 0) {
    if (why && why_sz) {
      if (e == cudaSuccess || e == cudaErrorNoDevice)
        snprintf(why, why_sz, "no CUDA device (cudaGetDeviceCount: %s)",
                 e == cudaSuccess ? "0 devices" : cudaGetErrorString(e));
      else
        snprintf(why, why_sz, "no usable CUDA driver (cudaGetDeviceCount: %s)",
                 cudaGetErrorString(e));
    }
    (void)cudaGetLastError();
    return MI_ERR_DEVICE;
  }
  if (device < 0 || device >= n) {
    if (why && why_sz)
      snprintf(why, why_sz, "CUDA device %d requested but %d visible", device, n);
    return MI_ERR_DEVICE;
  }
  cudaDeviceProp prop;
  e = cudaGetDeviceProperties(&prop, device);
  if (e == cudaSuccess) e = cudaSetDevice(device);
  if (e == cudaSuccess) e = cudaFree(0);  // makes the context
  // the kernels must have an image this device can run (sm_80, sm_90, or PTX)
  cudaFuncAttributes fa;
  if (e == cudaSuccess) e = cudaFuncGetAttributes(&fa, k_next_iter);
  if (e != cudaSuccess) {
    if (why && why_sz)
      snprintf(why, why_sz, "CUDA device %d unusable: %s", device, cudaGetErrorString(e));
    (void)cudaGetLastError();
    return MI_ERR_DEVICE;
  }
  if (info) {
    memset(info, 0, sizeof *info);
    info->count = n;
    info->device = device;
    snprintf(info->name, sizeof info->name, "%.127s", prop.name);
    info->cc_major = prop.major;
    info->cc_minor = prop.minor;
    info->sms = prop.multiProcessorCount;
    info->mem_bytes = prop.totalGlobalMem;
  }
  return MI_OK;
}

namespace {

mi_status launch_rollout(mi_cuda_planner *p, bool sample, int n, char *err, size_t err_sz) {
  const int G = sample ? p->cfg.lanes : 1;
  const int threads = p->cfg.block;
  const long long total = (long long)n * G;
  const unsigned blocks = (unsigned)((total + threads - 1) / threads);
  if (!sample) {
    k_rollout<1, false><<<blocks, threads, 0, p->stream>>>(p->d_prob, p->d_in, p->d_U, p->d_cost, n);
  } else {
    switch (G) {
      case 1: k_rollout<1, true><<<blocks, threads, 0, p->stream>>>(p->d_prob, p->d_in, p->d_U, p->d_cost, n); break;
      case 2: k_rollout<2, true><<<blocks, threads, 0, p->stream>>>(p->d_prob, p->d_in, p->d_U, p->d_cost, n); break;
      case 4: k_rollout<4, true><<<blocks, threads, 0, p->stream>>>(p->d_prob, p->d_in, p->d_U, p->d_cost, n); break;
      default: k_rollout<8, true><<<blocks, threads, 0, p->stream>>>(p->d_prob, p->d_in, p->d_U, p->d_cost, n); break;
    }
  }
  MI_CK(cudaGetLastError(), "rollout kernel launch");
  return MI_OK;
}

// the whole cycle onto p->stream (captured into the graph, or run as is)
mi_status enqueue_cycle(mi_cuda_planner *p, char *err, size_t err_sz) {
  const int K = p->K, kn = p->kn;
  cudaStream_t s = p->stream;
  MI_CK(cudaMemcpyAsync(p->d_in, p->h_in, sizeof(mi_cuda_inputs), cudaMemcpyHostToDevice, s),
        "upload inputs");
  for (int it = 0; it < p->prob.iterations; it++) {
    mi_status st = launch_rollout(p, true, K, err, err_sz);
    if (st != MI_OK) return st;
    k_reduce_partial<<<p->nparts, kRedThreads, 0, s>>>(p->d_cost, K, p->d_part);
    k_reduce_final<<<1, kRedThreads, 0, s>>>(p->d_prob, p->d_part, p->nparts, p->d_cost, p->d_U, K,
                                              p->d_in, p->d_out, p->d_st);
    MI_CK(cudaGetLastError(), "reduction kernels");
    if (p->prob.kind == MI_PLANNER_MPPI) {
      k_mppi_weights<<<(K + 255) / 256, 256, 0, s>>>(p->d_cost, K, p->d_st, p->d_w);
      k_mppi_mean<<<kn, kRedThreads, 0, s>>>(p->d_w, p->d_U, K, kn, p->d_st, p->d_in);
      MI_CK(cudaGetLastError(), "mppi kernels");
    } else if (p->prob.kind == MI_PLANNER_CEM) {
      k_cem_keys<<<(K + 255) / 256, 256, 0, s>>>(p->d_cost, K, p->d_keys);
      size_t tb = p->temp_bytes;
      MI_CK(cub::DeviceRadixSort::SortKeys(p->d_temp, tb, p->d_keys, p->d_sorted, K, 0, 64, s),
            "cem sort");
      k_cem_update<<<(kn + 127) / 128, 128, 0, s>>>(p->d_prob, p->d_sorted, p->d_U, p->d_st, p->d_in);
      MI_CK(cudaGetLastError(), "cem kernels");
    }
    k_next_iter<<<1, 1, 0, s>>>(p->d_in);
  }
  k_pack<<<1, 256, 0, s>>>(p->d_prob, p->d_in, p->d_out);
  MI_CK(cudaGetLastError(), "pack kernel");
  MI_CK(cudaMemcpyAsync(p->h_out, p->d_out, sizeof(mi_cuda_outputs), cudaMemcpyDeviceToHost, s),
        "download plan");
  return MI_OK;
}

bool problem_ok(const mi_cuda_problem *pr) {
  return pr->n >= 1 && pr->n <= MI_WM_MAX_DOF && pr->n == pr->dyn.ndof && pr->nk >= 2 &&
         pr->nk <= MI_PLANNER_MAX_KNOTS && pr->H >= 1 && pr->nsub >= 1 && pr->K >= 2 &&
         pr->K <= (1 << 24) && pr->elites >= 1 && pr->elites <= pr->K && pr->iterations >= 1 &&
         pr->h > 0.0f && pr->nmoving >= 0 && pr->nmoving <= MI_WM_MAX_SPHERES &&
         pr->nself >= 0 && pr->nself <= MI_WM_MAX_SELF && pr->kind >= MI_PLANNER_MPPI &&
         pr->kind <= MI_PLANNER_PS;
}

}  // namespace

extern "C" void mi_cuda_planner_destroy(mi_cuda_planner *p) {
  if (!p) return;
  if (p->stream) cudaStreamSynchronize(p->stream);
  if (p->exec) cudaGraphExecDestroy(p->exec);
  if (p->graph) cudaGraphDestroy(p->graph);
  cudaFree(p->d_prob);
  cudaFree(p->d_in);
  cudaFree(p->d_out);
  cudaFree(p->d_U);
  cudaFree(p->d_cost);
  cudaFree(p->d_w);
  cudaFree(p->d_part);
  cudaFree(p->d_st);
  cudaFree(p->d_keys);
  cudaFree(p->d_sorted);
  cudaFree(p->d_temp);
  if (p->h_in) cudaFreeHost(p->h_in);
  if (p->h_out) cudaFreeHost(p->h_out);
  if (p->stream) cudaStreamDestroy(p->stream);
  (void)cudaGetLastError();
  free(p);
}

extern "C" mi_status mi_cuda_planner_set_dyn(mi_cuda_planner *p, const mi_wm_dynf *dyn,
                                             char *err, size_t err_sz) {
  if (err && err_sz) err[0] = '\0';
  if (!p || !dyn || dyn->ndof != p->prob.n) {
    if (err && err_sz) snprintf(err, err_sz, "cuda planner: dynamics of another model");
    return MI_ERR_INVALID;
  }
  p->prob.dyn = *dyn;
  // the kernels (and the captured graph) read the problem through d_prob:
  // new contents there take effect from the next launch
  mi_status st = ck(cudaMemcpyAsync(&p->d_prob->dyn, &p->prob.dyn, sizeof(mi_wm_dynf),
                                    cudaMemcpyHostToDevice, p->stream),
                    "upload dynamics", err, err_sz);
  if (st != MI_OK) return st;
  return ck(cudaStreamSynchronize(p->stream), "upload dynamics", err, err_sz);
}

extern "C" mi_status mi_cuda_planner_create(const mi_cuda_problem *prob,
                                            const mi_cuda_config *cfg, mi_cuda_planner **out,
                                            char *err, size_t err_sz) {
  if (err && err_sz) err[0] = '\0';
  if (!prob || !cfg || !out || !problem_ok(prob) ||
      !(cfg->lanes == 1 || cfg->lanes == 2 || cfg->lanes == 4 || cfg->lanes == 8) ||
      cfg->block < 32 || cfg->block > 1024 || cfg->block % 32 != 0) {
    if (err && err_sz) snprintf(err, err_sz, "cuda planner: invalid problem or configuration");
    return MI_ERR_INVALID;
  }
  mi_status st = mi_cuda_probe(cfg->device, NULL, err, err_sz);
  if (st != MI_OK) return st;
  mi_cuda_planner *p = (mi_cuda_planner *)calloc(1, sizeof *p);
  if (!p) return MI_ERR_NOMEM;
  p->prob = *prob;
  p->cfg = *cfg;
  p->K = prob->K;
  p->kn = prob->nk * prob->n;
  p->nparts = (p->K + kRedChunk - 1) / kRedChunk;
  const size_t K = (size_t)p->K, kn = (size_t)p->kn;
#define MI_CKF(call, what)                              \
  do {                                                  \
    st = ck((call), (what), err, err_sz);               \
    if (st != MI_OK) goto fail;                         \
  } while (0)
  MI_CKF(cudaStreamCreateWithFlags(&p->stream, cudaStreamNonBlocking), "cudaStreamCreate");
  MI_CKF(cudaMalloc((void **)&p->d_prob, sizeof(mi_cuda_problem)), "cudaMalloc problem");
  MI_CKF(cudaMalloc((void **)&p->d_in, sizeof(mi_cuda_inputs)), "cudaMalloc inputs");
  MI_CKF(cudaMalloc((void **)&p->d_out, sizeof(mi_cuda_outputs)), "cudaMalloc outputs");
  MI_CKF(cudaMalloc((void **)&p->d_U, K * kn * sizeof(float)), "cudaMalloc candidates");
  MI_CKF(cudaMalloc((void **)&p->d_cost, K * sizeof(float)), "cudaMalloc costs");
  MI_CKF(cudaMalloc((void **)&p->d_w, K * sizeof(double)), "cudaMalloc weights");
  MI_CKF(cudaMalloc((void **)&p->d_part, (size_t)p->nparts * sizeof(red_part)), "cudaMalloc partials");
  MI_CKF(cudaMalloc((void **)&p->d_st, sizeof(cycle_stats)), "cudaMalloc stats");
  MI_CKF(cudaMallocHost((void **)&p->h_in, sizeof(mi_cuda_inputs)), "cudaMallocHost inputs");
  MI_CKF(cudaMallocHost((void **)&p->h_out, sizeof(mi_cuda_outputs)), "cudaMallocHost outputs");
  memset(p->h_in, 0, sizeof(mi_cuda_inputs));
  memset(p->h_out, 0, sizeof(mi_cuda_outputs));
  MI_CKF(cudaMemset(p->d_out, 0, sizeof(mi_cuda_outputs)), "cudaMemset outputs");
  if (prob->kind == MI_PLANNER_CEM) {
    MI_CKF(cudaMalloc((void **)&p->d_keys, K * sizeof(unsigned long long)), "cudaMalloc keys");
    MI_CKF(cudaMalloc((void **)&p->d_sorted, K * sizeof(unsigned long long)), "cudaMalloc keys");
    MI_CKF(cub::DeviceRadixSort::SortKeys(nullptr, p->temp_bytes, p->d_keys, p->d_sorted,
                                          p->K, 0, 64, p->stream),
           "cem sort size");
    MI_CKF(cudaMalloc(&p->d_temp, p->temp_bytes > 0 ? p->temp_bytes : 1), "cudaMalloc sort");
  }
  MI_CKF(cudaMemcpy(p->d_prob, prob, sizeof(mi_cuda_problem), cudaMemcpyHostToDevice),
         "upload problem");
  if (cfg->graph) {
    MI_CKF(cudaStreamBeginCapture(p->stream, cudaStreamCaptureModeThreadLocal), "begin capture");
    st = enqueue_cycle(p, err, err_sz);
    {
      cudaGraph_t g = nullptr;
      cudaError_t e = cudaStreamEndCapture(p->stream, &g);
      p->graph = g;
      if (st != MI_OK) goto fail;
      MI_CKF(e, "end capture");
    }
    MI_CKF(cudaGraphInstantiate(&p->exec, p->graph, 0ULL), "cudaGraphInstantiate");
  }
#undef MI_CKF
  *out = p;
  return MI_OK;
fail:
  mi_cuda_planner_destroy(p);
  return st;
}

extern "C" mi_cuda_inputs *mi_cuda_planner_inputs(mi_cuda_planner *p) { return p->h_in; }

extern "C" mi_status mi_cuda_planner_optimize(mi_cuda_planner *p, const mi_cuda_outputs **out,
                                              char *err, size_t err_sz) {
  if (!p) return MI_ERR_INVALID;
  if (p->cfg.graph) {
    MI_CK(cudaGraphLaunch(p->exec, p->stream), "cudaGraphLaunch");
  } else {
    mi_status st = enqueue_cycle(p, err, err_sz);
    if (st != MI_OK) return st;
  }
  MI_CK(cudaStreamSynchronize(p->stream), "planning cycle");
  if (out) *out = p->h_out;
  return MI_OK;
}

extern "C" mi_status mi_cuda_planner_costs(mi_cuda_planner *p, const float *U, int n,
                                           float *cost, char *err, size_t err_sz) {
  if (!p || !U || !cost || n < 1 || n > p->K) return MI_ERR_INVALID;
  cudaStream_t s = p->stream;
  MI_CK(cudaMemcpyAsync(p->d_in, p->h_in, sizeof(mi_cuda_inputs), cudaMemcpyHostToDevice, s),
        "upload inputs");
  MI_CK(cudaMemcpyAsync(p->d_U, U, (size_t)n * p->kn * sizeof(float), cudaMemcpyHostToDevice, s),
        "upload candidates");
  mi_status st = launch_rollout(p, false, n, err, err_sz);
  if (st != MI_OK) return st;
  MI_CK(cudaMemcpyAsync(cost, p->d_cost, (size_t)n * sizeof(float), cudaMemcpyDeviceToHost, s),
        "download costs");
  MI_CK(cudaStreamSynchronize(s), "rollouts");
  return MI_OK;
}

extern "C" mi_status mi_cuda_step_bench(const mi_wm_dynf *d, int device, int K, int steps,
                                        float dt, const float *q0, const float *tau,
                                        float *q_out, double *seconds, char *err,
                                        size_t err_sz) {
  if (!d || !q0 || !tau || K < 1 || steps < 1 || !(dt > 0.0f) || d->ndof < 1) return MI_ERR_INVALID;
  mi_status st = mi_cuda_probe(device, NULL, err, err_sz);
  if (st != MI_OK) return st;
  const int n = d->ndof;
  const size_t sz = (size_t)n * (size_t)K * sizeof(float);
  mi_wm_dynf *dd = nullptr;
  float *dq = nullptr, *dt_ = nullptr, *hq = nullptr;
  cudaEvent_t e0 = nullptr, e1 = nullptr;
  float ms = 0.0f;
  unsigned blocks = (unsigned)((K + 127) / 128);
#define MI_CKB(call, what)                              \
  do {                                                  \
    st = ck((call), (what), err, err_sz);               \
    if (st != MI_OK) goto done;                         \
  } while (0)
  hq = (float *)malloc(sz);
  if (!hq) return MI_ERR_NOMEM;
  // candidate-major in, structure of arrays on the device
  for (int k = 0; k < K; k++)
    for (int j = 0; j < n; j++) hq[(size_t)j * K + k] = q0[(size_t)k * n + j];
  MI_CKB(cudaMalloc((void **)&dd, sizeof *dd), "cudaMalloc model");
  MI_CKB(cudaMalloc((void **)&dq, sz), "cudaMalloc q");
  MI_CKB(cudaMalloc((void **)&dt_, sz), "cudaMalloc tau");
  MI_CKB(cudaMemcpy(dd, d, sizeof *dd, cudaMemcpyHostToDevice), "upload model");
  MI_CKB(cudaMemcpy(dq, hq, sz, cudaMemcpyHostToDevice), "upload q");
  for (int k = 0; k < K; k++)
    for (int j = 0; j < n; j++) hq[(size_t)j * K + k] = tau[(size_t)k * n + j];
  MI_CKB(cudaMemcpy(dt_, hq, sz, cudaMemcpyHostToDevice), "upload tau");
  MI_CKB(cudaEventCreate(&e0), "cudaEventCreate");
  MI_CKB(cudaEventCreate(&e1), "cudaEventCreate");
  MI_CKB(cudaEventRecord(e0, 0), "cudaEventRecord");
  k_step_bench<<<blocks, 128>>>(dd, dq, dt_, K, steps, dt);
  MI_CKB(cudaGetLastError(), "step kernel launch");
  MI_CKB(cudaEventRecord(e1, 0), "cudaEventRecord");
  MI_CKB(cudaEventSynchronize(e1), "step kernel");
  MI_CKB(cudaEventElapsedTime(&ms, e0, e1), "cudaEventElapsedTime");
  if (seconds) *seconds = (double)ms * 1e-3;
  if (q_out) {
    MI_CKB(cudaMemcpy(hq, dq, sz, cudaMemcpyDeviceToHost), "download q");
    for (int k = 0; k < K; k++)
      for (int j = 0; j < n; j++) q_out[(size_t)k * n + j] = hq[(size_t)j * K + k];
  }
#undef MI_CKB
done:
  if (e0) cudaEventDestroy(e0);
  if (e1) cudaEventDestroy(e1);
  cudaFree(dd);
  cudaFree(dq);
  cudaFree(dt_);
  free(hq);
  return st;
}
