/* tests/support/test_support.h - small helpers the integration tests share.
 * Failures are cmocka failures of the calling test (a helper that asserts
 * ends the test that called it). */
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

/* Read what the child spawned by mi_test_spawn printed until it closes its
 * end (or out is full), close fd and reap pid. out (caller's, out_sz > 0)
 * ends NUL-terminated, cut at out_sz - 1. Returns the exit status, 128 + the
 * signal when it was killed (as mi_test_shell). Blocks until the child ends:
 * stop it first (kill) when it would not end by itself. */
int mi_test_finish(pid_t pid, int fd, char *out, size_t out_sz);

/* Skip the calling test (cmocka skip(), with a message) unless the mirai
 * executable at path `mirai` has all three node kinds of a cell: sim,
 * predictor and controller (`mirai node <kind> --help` exits 0). */
void mi_test_require_node_kinds(const char *mirai);

/* Read the file at path into buf (caller's, buf_sz > 0), NUL-terminated, cut
 * at buf_sz - 1; returns buf. Asserts that the file opens. */
char *mi_test_read_file(const char *path, char *buf, size_t buf_sz);

/* The number after the first `"key": ` in json (a launch report), or -1e300
 * when the key is absent or its value is null. */
double mi_test_json_num(const char *json, const char *key);

#endif /* MI_TESTS_TEST_SUPPORT_H */
