/* core/hd.h - portability macros for code compiled both as C (CPU backend) and
 * as CUDA (GPU backend).
 *
 * MI_HD marks a function callable from host and device. Under nvcc it expands
 * to __host__ __device__; under a plain C compiler it is empty. MI_HDI is the
 * form for header-only helpers: static inline, host and device.
 */
#ifndef MI_CORE_HD_H
#define MI_CORE_HD_H

#ifdef __CUDACC__
#define MI_HD __host__ __device__
#define MI_HDI static __forceinline__ __host__ __device__
#else
#define MI_HD
#define MI_HDI static inline
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MI_LIKELY(x) __builtin_expect(!!(x), 1)
#define MI_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MI_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define MI_LIKELY(x) (x)
#define MI_UNLIKELY(x) (x)
#define MI_PRINTF(fmt, args)
#endif

#define MI_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif /* MI_CORE_HD_H */
