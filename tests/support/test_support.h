/* tests/support/test_support.h - small helpers the integration tests share.
 * Failures are cmocka failures of the calling test. */
#ifndef MI_TESTS_TEST_SUPPORT_H
#define MI_TESTS_TEST_SUPPORT_H

#include <sys/types.h>

#include "dds/node.h"

/* A node named `name` on DDS domain `domain` (the loopback default config);
 * fails the test, with Cyclone's message, when it cannot be made. */
mi_dds_node *mi_test_node(const char *name, int domain);

/* Start the program at path with argv (argv[0] included, NULL-terminated) in
 * directory cwd (NULL: this one), its stdout and stderr into a pipe whose
 * read end goes to *fd_out. Returns the child's pid. */
pid_t mi_test_spawn(const char *path, char *const argv[], const char *cwd, int *fd_out);

#endif /* MI_TESTS_TEST_SUPPORT_H */
