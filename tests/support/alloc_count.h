/* tests/support/alloc_count.h - count heap allocations, to prove a hot loop
 * allocates nothing. Link a test with mirai_test_count_allocs(target) (tests/
 * CMakeLists.txt): malloc, calloc, realloc, aligned_alloc and posix_memalign
 * are wrapped (-Wl,--wrap) and counted while watching is on, either on the
 * threads that asked for it or on every thread. */
#ifndef MI_TESTS_ALLOC_COUNT_H
#define MI_TESTS_ALLOC_COUNT_H

#include <stdbool.h>
#include <stdint.h>

/* Count allocations made by the calling thread (on) or stop (off). */
void mi_test_alloc_watch_thread(bool on);

/* Count allocations of every thread (on) or stop (off). */
void mi_test_alloc_watch_all(bool on);

/* Allocations counted since the last reset. */
uint64_t mi_test_alloc_count(void);
void mi_test_alloc_reset(void);

#endif /* MI_TESTS_ALLOC_COUNT_H */
