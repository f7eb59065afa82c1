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
#endif

/* 0: not chosen yet; 4 or 8: lanes of the chosen kernel */
static atomic_int g_lanes;
static atomic_int g_force_generic;

static int choose_lanes(void) {
  int l = atomic_load_explicit(&g_lanes, memory_order_relaxed);
  if (MI_LIKELY(l)) return l;
  l = 4;
#ifdef MI_WM_HAVE_AVX2_KERNEL
  __builtin_cpu_init();
  if (!atomic_load(&g_force_generic) && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma"))
    l = 8;
#endif
  atomic_store(&g_lanes, l);
  return l;
}

int mi_wm_simd_lanes(void) { return choose_lanes(); }

const char *mi_wm_simd_name(void) {
  if (choose_lanes() == 8) return "avx2";
#if defined(__x86_64__) || defined(_M_X64)
  return "sse2";
#elif defined(__aarch64__)
  return "neon";
#else
  return "generic";
#endif
}

void mi_wm_simd_force_generic(int on) {
  atomic_store(&g_force_generic, on ? 1 : 0);
  atomic_store(&g_lanes, 0);
}

void mi_wm_step_soa(const mi_wm_dynf *d, float *q, float *qd, const float *tau, size_t stride,
                    int k0, int k1, float dt, int nsub) {
  int k;
#ifdef MI_WM_HAVE_AVX2_KERNEL
  if (choose_lanes() == 8)
    k = mi_wm_step_lanes_v8(d, q, qd, tau, stride, k0, k1, dt, nsub);
  else
#endif
    k = mi_wm_step_lanes_v4(d, q, qd, tau, stride, k0, k1, dt, nsub);
  /* the tail, one candidate at a time */
  const int n = d->ndof;
  for (; k < k1; k++) {
    float qs[MI_WM_MAX_DOF], qds[MI_WM_MAX_DOF], ts[MI_WM_MAX_DOF];
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
  if (choose_lanes() == 8)
    k = mi_wm_forward_lanes_v8(d, q, qd, tau, qdd, stride, k0, k1);
  else
#endif
    k = mi_wm_forward_lanes_v4(d, q, qd, tau, qdd, stride, k0, k1);
  const int n = d->ndof;
  for (; k < k1; k++) {
    float qs[MI_WM_MAX_DOF], qds[MI_WM_MAX_DOF], ts[MI_WM_MAX_DOF], f[MI_WM_MAX_DOF],
        a[MI_WM_MAX_DOF];
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
