/* launch/stats.c - see stats.h */
#include "launch/stats.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void mi_stats_sort(double *v, size_t n) { qsort(v, n, sizeof *v, cmp_double); }

double mi_stats_pct_sorted(const double *v, size_t n, double p) {
  if (n == 0) return NAN;
  size_t k = (size_t)ceil(p / 100.0 * (double)n);
  if (k < 1) k = 1;
  if (k > n) k = n;
  return v[k - 1];
}
