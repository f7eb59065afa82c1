/* launch/stats.h - percentiles of a run's samples, for the launch report and
 * the benchmarks that summarise samples they collected themselves.
 * Pure functions; any thread. */
#ifndef MI_LAUNCH_STATS_H
#define MI_LAUNCH_STATS_H

#include <stddef.h>

/* Sort v[0..n) ascending, in place. */
void mi_stats_sort(double *v, size_t n);

/* Nearest-rank percentile p (0-100) of v[0..n) sorted ascending: the value
 * of rank ceil(p/100 n), at least 1. NAN when n is 0. */
double mi_stats_pct_sorted(const double *v, size_t n, double p);

#endif /* MI_LAUNCH_STATS_H */
