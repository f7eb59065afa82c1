/* core/philox.h - Philox4x32-10 counter-based random numbers (Salmon et al.,
 * "Parallel random numbers: as easy as 1, 2, 3", SC'11; Random123).
 *
 * A draw is a pure function of (key, counter): no state, so the noise for
 * candidate k at iteration i and step t is the same on any thread, on the CPU
 * and on the GPU. mirai's convention for rollout noise (see mi_philox_ctr):
 *   key = (seed low 32 bits, seed high 32 bits)
 *   ctr = (step t, candidate k, iteration i, stream s)
 * Each call yields four 32-bit words: four uniforms or four normals.
 */
#ifndef MI_CORE_PHILOX_H
#define MI_CORE_PHILOX_H

#include <math.h>
#include <stdint.h>

#include "core/hd.h"

typedef struct mi_philox_ctr {
  uint32_t v[4];
} mi_philox_ctr;

typedef struct mi_philox_key {
  uint32_t v[2];
} mi_philox_key;

#define MI_PHILOX_M0 0xD2511F53u
#define MI_PHILOX_M1 0xCD9E8D57u
#define MI_PHILOX_W0 0x9E3779B9u
#define MI_PHILOX_W1 0xBB67AE85u

MI_HDI uint32_t mi_philox__mulhilo(uint32_t a, uint32_t b, uint32_t *hi) {
  uint64_t p = (uint64_t)a * (uint64_t)b;
  *hi = (uint32_t)(p >> 32);
  return (uint32_t)p;
}

/* Philox4x32 with 10 rounds. */
MI_HDI mi_philox_ctr mi_philox4x32_10(mi_philox_ctr c, mi_philox_key k) {
  for (int r = 0; r < 10; r++) {
    uint32_t hi0, hi1;
    uint32_t lo0 = mi_philox__mulhilo(MI_PHILOX_M0, c.v[0], &hi0);
    uint32_t lo1 = mi_philox__mulhilo(MI_PHILOX_M1, c.v[2], &hi1);
    mi_philox_ctr n;
    n.v[0] = hi1 ^ c.v[1] ^ k.v[0];
    n.v[1] = lo1;
    n.v[2] = hi0 ^ c.v[3] ^ k.v[1];
    n.v[3] = lo0;
    c = n;
    k.v[0] += MI_PHILOX_W0;
    k.v[1] += MI_PHILOX_W1;
  }
  return c;
}

MI_HDI mi_philox_key mi_philox_key_from_seed(uint64_t seed) {
  mi_philox_key k;
  k.v[0] = (uint32_t)seed;
  k.v[1] = (uint32_t)(seed >> 32);
  return k;
}

MI_HDI mi_philox_ctr mi_philox_ctr_make(uint32_t t, uint32_t k, uint32_t i, uint32_t s) {
  mi_philox_ctr c;
  c.v[0] = t;
  c.v[1] = k;
  c.v[2] = i;
  c.v[3] = s;
  return c;
}

/* 32 random bits to a float uniform in (0, 1]: 24 significant bits, never 0
 * (safe for log in Box-Muller). */
MI_HDI float mi_philox_u01f(uint32_t x) {
  return ((float)(x >> 8) + 1.0f) * (1.0f / 16777216.0f);
}

/* 32 random bits to a double uniform in (0, 1] (32 bits of resolution). */
MI_HDI double mi_philox_u01(uint32_t x) { return ((double)x + 1.0) * (1.0 / 4294967296.0); }

/* Four uniforms in (0, 1] from one block. */
MI_HDI void mi_philox_uniform4f(mi_philox_ctr c, mi_philox_key k, float out[4]) {
  mi_philox_ctr r = mi_philox4x32_10(c, k);
  for (int j = 0; j < 4; j++) out[j] = mi_philox_u01f(r.v[j]);
}

/* Four standard normals (Box-Muller on two pairs) from one block. */
MI_HDI void mi_philox_normal4f(mi_philox_ctr c, mi_philox_key k, float out[4]) {
  mi_philox_ctr r = mi_philox4x32_10(c, k);
  for (int j = 0; j < 4; j += 2) {
    float u1 = mi_philox_u01f(r.v[j]);
    float u2 = mi_philox_u01f(r.v[j + 1]);
    float rad = sqrtf(-2.0f * logf(u1));
    float th = 6.28318530717958647692f * u2;
    out[j] = rad * cosf(th);
    out[j + 1] = rad * sinf(th);
  }
}

/* Double-precision normals (for the sim's sensor noise and tests). */
MI_HDI void mi_philox_normal4(mi_philox_ctr c, mi_philox_key k, double out[4]) {
  mi_philox_ctr r = mi_philox4x32_10(c, k);
  for (int j = 0; j < 4; j += 2) {
    double u1 = mi_philox_u01(r.v[j]);
    double u2 = mi_philox_u01(r.v[j + 1]);
    double rad = sqrt(-2.0 * log(u1));
    double th = 6.28318530717958647692 * u2;
    out[j] = rad * cos(th);
    out[j + 1] = rad * sin(th);
  }
}

#endif /* MI_CORE_PHILOX_H */
