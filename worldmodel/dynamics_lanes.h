/* worldmodel/dynamics_lanes.h - the step kernel over SIMD lanes: one
 * candidate per lane, the template of worldmodel/dynamics_tmpl.h
 * instantiated on a GCC vector of MI_WM_LANES floats. Included by one .c
 * file per ISA (dynamics_simd.c: 4 lanes, baseline ISA; dynamics_avx2.c: 8
 * lanes, compiled with -mavx2 -mfma), which first define MI_WM_LANES and
 * MI_WM_LSUF (v4, v8). Not a public header. */
#include <string.h>
#if defined(__SSE__) || defined(__AVX__)
#include <immintrin.h>
#endif

#include "worldmodel/dynamics.h"

#define MI_WM_LCAT2_(a, b) a##_##b
#define MI_WM_LCAT_(a, b) MI_WM_LCAT2_(a, b)
#define MI_WM_LN(name) MI_WM_LCAT_(name, MI_WM_LSUF)

typedef float MI_WM_LN(mi_wm_vf) __attribute__((vector_size(4 * MI_WM_LANES)));
typedef unsigned MI_WM_LN(mi_wm_vu) __attribute__((vector_size(4 * MI_WM_LANES)));
typedef int MI_WM_LN(mi_wm_vi) __attribute__((vector_size(4 * MI_WM_LANES)));
#define VF MI_WM_LN(mi_wm_vf)
#define VU MI_WM_LN(mi_wm_vu)
#define VI MI_WM_LN(mi_wm_vi)

/* x in every lane: one broadcast (GCC builds the loop's vector lane by
 * lane when x is not a constant) */
static inline VF MI_WM_LN(mi_wm_splat)(float x) {
#if MI_WM_LANES == 16 && defined(__AVX512F__)
  return (VF)_mm512_set1_ps(x);
#elif MI_WM_LANES == 8 && defined(__AVX__)
  return (VF)_mm256_set1_ps(x);
#elif MI_WM_LANES == 4 && defined(__SSE__)
  return (VF)_mm_set1_ps(x);
#else
  VF v;
  for (int l = 0; l < MI_WM_LANES; l++) v[l] = x;
  return v;
#endif
}
/* mask ? a : b, mask lanes all-ones or zero */
static inline VF MI_WM_LN(mi_wm_sel)(VU mask, VF a, VF b) {
  return (VF)(((VU)a & mask) | ((VU)b & ~mask));
}
/* a < b ? a : b and a > b ? a : b, lane-wise: exactly what the SSE / AVX /
 * AVX-512 min and max instructions compute (b where either is NaN) */
static inline VF MI_WM_LN(mi_wm_vmin)(VF a, VF b) {
#if MI_WM_LANES == 16 && defined(__AVX512F__)
  return (VF)_mm512_min_ps((__m512)a, (__m512)b);
#elif MI_WM_LANES == 8 && defined(__AVX__)
  return (VF)_mm256_min_ps((__m256)a, (__m256)b);
#elif MI_WM_LANES == 4 && defined(__SSE__)
  return (VF)_mm_min_ps((__m128)a, (__m128)b);
#else
  return MI_WM_LN(mi_wm_sel)((VU)(a < b), a, b);
#endif
}
static inline VF MI_WM_LN(mi_wm_vmax)(VF a, VF b) {
#if MI_WM_LANES == 16 && defined(__AVX512F__)
  return (VF)_mm512_max_ps((__m512)a, (__m512)b);
#elif MI_WM_LANES == 8 && defined(__AVX__)
  return (VF)_mm256_max_ps((__m256)a, (__m256)b);
#elif MI_WM_LANES == 4 && defined(__SSE__)
  return (VF)_mm_max_ps((__m128)a, (__m128)b);
#else
  return MI_WM_LN(mi_wm_sel)((VU)(a > b), a, b);
#endif
}

/* sin and cos of every lane: reduction by pi/2 (Cody-Waite, three parts),
 * Cephes' single-precision polynomials on [-pi/4, pi/4]; accurate to about
 * 1 ulp for |x| < 8192 rad. */
static inline void MI_WM_LN(mi_wm_vsincos)(VF x, VF *s, VF *c) {
  const VF magic = MI_WM_LN(mi_wm_splat)(12582912.0f); /* 1.5 * 2^23: round to nearest */
  VF kf = (x * MI_WM_LN(mi_wm_splat)(0.63661977236758134f) + magic) - magic;
  VI k = __builtin_convertvector(kf, VI);
  VF r = x - kf * MI_WM_LN(mi_wm_splat)(1.5703125f);
  r = r - kf * MI_WM_LN(mi_wm_splat)(4.837512969970703125e-4f);
  r = r - kf * MI_WM_LN(mi_wm_splat)(7.54978995489188216e-8f);
  VF z = r * r;
  VF sr = r + r * z * ((MI_WM_LN(mi_wm_splat)(-1.9515295891e-4f) * z +
                        MI_WM_LN(mi_wm_splat)(8.3321608736e-3f)) * z +
                       MI_WM_LN(mi_wm_splat)(-1.6666654611e-1f));
  VF cr = MI_WM_LN(mi_wm_splat)(1.0f) - MI_WM_LN(mi_wm_splat)(0.5f) * z +
          z * z * ((MI_WM_LN(mi_wm_splat)(2.443315711809948e-5f) * z +
                    MI_WM_LN(mi_wm_splat)(-1.388731625493765e-3f)) * z +
                   MI_WM_LN(mi_wm_splat)(4.166664568298827e-2f));
  VU ku = (VU)k;
  VU swap = (VU)((ku & 1u) != 0u);
  VF s1 = MI_WM_LN(mi_wm_sel)(swap, cr, sr);
  VF c1 = MI_WM_LN(mi_wm_sel)(swap, sr, cr);
  VU sign_s = (ku & 2u) << 30;
  VU sign_c = ((ku + 1u) & 2u) << 30;
  *s = (VF)((VU)s1 ^ sign_s);
  *c = (VF)((VU)c1 ^ sign_c);
}

#define MI_WM_S float
#define MI_WM_T VF
#define MI_WM_DYN mi_wm_dynf
#define MI_WM_SUF MI_WM_LSUF
#define MI_WM_FN static inline
#define MI_WM_C(x) MI_WM_LN(mi_wm_splat)((float)(x))
#define MI_WM_SINCOS(x, s, c) MI_WM_LN(mi_wm_vsincos)((x), (s), (c))
#define MI_WM_MIN(a, b) MI_WM_LN(mi_wm_vmin)((a), (b))
#define MI_WM_MAX(a, b) MI_WM_LN(mi_wm_vmax)((a), (b))
#include "worldmodel/dynamics_tmpl.h" /* undefines its parameters */

static inline void MI_WM_LN(mi_wm_load)(VF *v, const float *src, size_t stride, int n, int k) {
  for (int j = 0; j < n; j++) memcpy(&v[j], src + (size_t)j * stride + (size_t)k, sizeof(VF));
}
static inline void MI_WM_LN(mi_wm_store)(const VF *v, float *dst, size_t stride, int n, int k) {
  for (int j = 0; j < n; j++) memcpy(dst + (size_t)j * stride + (size_t)k, &v[j], sizeof(VF));
}

/* Step groups of MI_WM_LANES candidates starting at k0 while a whole group
 * fits below k1; returns the first candidate not stepped. */
int MI_WM_LN(mi_wm_step_lanes)(const mi_wm_dynf *d, float *q, float *qd, const float *tau,
                               size_t stride, int k0, int k1, float dt, int nsub);
int MI_WM_LN(mi_wm_step_lanes)(const mi_wm_dynf *d, float *q, float *qd, const float *tau,
                               size_t stride, int k0, int k1, float dt, int nsub) {
  const int n = d->ndof;
  int k = k0;
  for (; k + MI_WM_LANES <= k1; k += MI_WM_LANES) {
    VF qv[MI_WM_MAX_DOF], qdv[MI_WM_MAX_DOF], tv[MI_WM_MAX_DOF];
    MI_WM_LN(mi_wm_load)(qv, q, stride, n, k);
    MI_WM_LN(mi_wm_load)(qdv, qd, stride, n, k);
    MI_WM_LN(mi_wm_load)(tv, tau, stride, n, k);
    MI_WM_LN(mi_wm_step)(d, qv, qdv, tv, dt, nsub, NULL);
    MI_WM_LN(mi_wm_store)(qv, q, stride, n, k);
    MI_WM_LN(mi_wm_store)(qdv, qd, stride, n, k);
  }
  return k;
}

int MI_WM_LN(mi_wm_forward_lanes)(const mi_wm_dynf *d, const float *q, const float *qd,
                                  const float *tau, float *qdd, size_t stride, int k0, int k1);
int MI_WM_LN(mi_wm_forward_lanes)(const mi_wm_dynf *d, const float *q, const float *qd,
                                  const float *tau, float *qdd, size_t stride, int k0, int k1) {
  const int n = d->ndof;
  int k = k0;
  for (; k + MI_WM_LANES <= k1; k += MI_WM_LANES) {
    VF qv[MI_WM_MAX_DOF], qdv[MI_WM_MAX_DOF], tv[MI_WM_MAX_DOF], f[MI_WM_MAX_DOF],
        a[MI_WM_MAX_DOF];
    MI_WM_LN(mi_wm_load)(qv, q, stride, n, k);
    MI_WM_LN(mi_wm_load)(qdv, qd, stride, n, k);
    MI_WM_LN(mi_wm_load)(tv, tau, stride, n, k);
    MI_WM_LN(mi_wm_joint_force)(d, qdv, tv, f);
    MI_WM_LN(mi_wm_aba)(d, qv, qdv, f, 0.0f, a);
    MI_WM_LN(mi_wm_store)(a, qdd, stride, n, k);
  }
  return k;
}

#undef VF
#undef VU
#undef VI
