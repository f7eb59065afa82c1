/* worldmodel/dynamics.c - batched stepping over structure-of-arrays
 * candidates, with run-time dispatch to the widest SIMD kernel the CPU has. */
#include "worldmodel/dynamics.h"

#include <stdatomic.h>

/* the lane kernels (worldmodel/dynamics_lanes.h) */
int mi_wm_step_lanes_v4(const mi_wm_dynf *d, float *q, float *qd, const float *tau,
                        size_t stride, int k0, int k1, float dt, int nsub);
int mi_wm_forward_lanes_v4(const mi_wm_dynf *d, const float *q, const float *qd,
                           const float *tau, float *qdd, size_t stride, int k0, int k1);
#ifdef MI_WM_HAVE_AVX2_KERNEL
int mi_wm_step_lanes_v8(const mi_wm_dynf *d, float *q, float *qd, const float *tau,
                        size_t stride, int k0, int k1, float dt, int nsub);
int mi_wm_forward_lanes_v8(const mi_wm_dynf *d, const float *q, const float *qd,
                           const float *tau, float *qdd, size_t stride, int k0, int k1);
int mi_wm_step_lanes_v16(const mi_wm_dynf *d, float *q, float *qd, const float *tau,
                         size_t stride, int k0, int k1, float dt, int nsub);
int mi_wm_forward_lanes_v16(const mi_wm_dynf *d, const float *q, const float *qd,
                            const float *tau, float *qdd, size_t stride, int k0, int k1);
#endif

/* 0: not chosen yet; else the widest group the kernels step at once: 4
 * (SSE2/NEON), 8 (AVX2+FMA) or 16 (AVX-512F/VL/DQ, beside the 8-lane kernel) */
static atomic_int g_width;
static atomic_int g_max_width = 16;

static int choose_width(void) {
  int w = atomic_load_explicit(&g_width, memory_order_relaxed);
  if (MI_LIKELY(w)) return w;
  w = 4;
#ifdef MI_WM_HAVE_AVX2_KERNEL
  const int cap = atomic_load(&g_max_width);
  __builtin_cpu_init();
  if (cap >= 8 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    w = 8;
    if (cap >= 16 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq"))
      w = 16;
  }
#endif
  atomic_store(&g_width, w);
  return w;
}

/* the alignment unit: the 16-lane kernel gives bit-identical results to the
 * 8-lane one, so blocks need only start at multiples of 8 */
int mi_wm_simd_lanes(void) { return choose_width() >= 8 ? 8 : 4; }

int mi_wm_simd_width(void) { return choose_width(); }

const char *mi_wm_simd_name(void) {
  int w = choose_width();
  if (w == 16) return "avx512";
  if (w == 8) return "avx2";
#if defined(__x86_64__) || defined(_M_X64)
  return "sse2";
#elif defined(__aarch64__)
  return "neon";
#else
  return "generic";
#endif
}

void mi_wm_simd_max_lanes(int lanes) {
  atomic_store(&g_max_width, lanes);
  atomic_store(&g_width, 0);
}

void mi_wm_simd_force_generic(int on) { mi_wm_simd_max_lanes(on ? 4 : 16); }

void mi_wm_step_soa(const mi_wm_dynf *d, float *q, float *qd, const float *tau, size_t stride,
                    int k0, int k1, float dt, int nsub) {
  int k;
#ifdef MI_WM_HAVE_AVX2_KERNEL
  const int w = choose_width();
  if (w >= 8) {
    k = w == 16 ? mi_wm_step_lanes_v16(d, q, qd, tau, stride, k0, k1, dt, nsub) : k0;
    k = mi_wm_step_lanes_v8(d, q, qd, tau, stride, k, k1, dt, nsub);
  } else
#endif
    k = mi_wm_step_lanes_v4(d, q, qd, tau, stride, k0, k1, dt, nsub);
  /* the tail, one candidate at a time */
  const int n = d->ndof;
  for (; k < k1; k++) {
    float qs[MI_WM_MAX_DOF] = {0}, qds[MI_WM_MAX_DOF] = {0}, ts[MI_WM_MAX_DOF] = {0};
    for (int j = 0; j < n; j++) {
      qs[j] = q[(size_t)j * stride + (size_t)k];
      qds[j] = qd[(size_t)j * stride + (size_t)k];
      ts[j] = tau[(size_t)j * stride + (size_t)k];
    }
    mi_wm_step_f(d, qs, qds, ts, dt, nsub, NULL);
    for (int j = 0; j < n; j++) {
      q[(size_t)j * stride + (size_t)k] = qs[j];
      qd[(size_t)j * stride + (size_t)k] = qds[j];
    }
  }
}

void mi_wm_forward_soa(const mi_wm_dynf *d, const float *q, const float *qd, const float *tau,
                       float *qdd, size_t stride, int k0, int k1) {
  int k;
#ifdef MI_WM_HAVE_AVX2_KERNEL
  const int w = choose_width();
  if (w >= 8) {
    k = w == 16 ? mi_wm_forward_lanes_v16(d, q, qd, tau, qdd, stride, k0, k1) : k0;
    k = mi_wm_forward_lanes_v8(d, q, qd, tau, qdd, stride, k, k1);
  } else
#endif
    k = mi_wm_forward_lanes_v4(d, q, qd, tau, qdd, stride, k0, k1);
  const int n = d->ndof;
  for (; k < k1; k++) {
    float qs[MI_WM_MAX_DOF] = {0}, qds[MI_WM_MAX_DOF] = {0}, ts[MI_WM_MAX_DOF] = {0},
          f[MI_WM_MAX_DOF] = {0}, a[MI_WM_MAX_DOF] = {0};
    for (int j = 0; j < n; j++) {
      qs[j] = q[(size_t)j * stride + (size_t)k];
      qds[j] = qd[(size_t)j * stride + (size_t)k];
      ts[j] = tau[(size_t)j * stride + (size_t)k];
    }
    mi_wm_joint_force_f(d, qds, ts, f);
    mi_wm_aba_f(d, qs, qds, f, 0.0f, a);
    for (int j = 0; j < n; j++) qdd[(size_t)j * stride + (size_t)k] = a[j];
  }
}
