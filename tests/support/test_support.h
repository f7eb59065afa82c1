/* tests/support/test_support.h - small helpers the integration tests share.
 * Failures are cmocka failures of the calling test. */
#ifndef MI_TESTS_TEST_SUPPORT_H
#define MI_TESTS_TEST_SUPPORT_H

#include <stddef.h>
#include <sys/types.h>

#include "dds/node.h"

/* A node named `name` on DDS domain `domain` (the loopback default config);
 * fails the test, with Cyclone's message, when it cannot be made. */
mi_dds_node *mi_test_node(const char *name, int domain);

/* Start the program at path with argv (argv[0] included, NULL-terminated) in
 * directory cwd (NULL: this one), its stdout and stderr into a pipe whose
 * read end goes to *fd_out. Returns the child's pid. */
pid_t mi_test_spawn(const char *path, char *const argv[], const char *cwd, int *fd_out);

/* Run a shell command (popen), its output (what the command sends to
 * stdout; add 2>&1 for stderr) into out, NUL-terminated, cut at out_sz - 1.
 * Returns the exit status, 128 + the signal when it was killed. */
int mi_test_shell(const char *cmd, char *out, size_t out_sz);

#endif /* MI_TESTS_TEST_SUPPORT_H */
