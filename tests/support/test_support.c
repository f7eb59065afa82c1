/* tests/support/test_support.c - helpers shared by the integration tests. */
#define _GNU_SOURCE
#include "tests/support/test_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

mi_dds_node *mi_test_node(const char *name, int domain) {
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, name);
  o.dds.domain_id = domain;
  mi_dds_node *n = NULL;
  char err[256];
  mi_status st = mi_dds_node_create(&o, &n, err, sizeof err);
  if (st) print_error("node_create: %s\n", err);
  assert_int_equal(st, MI_OK);
  return n;
}

pid_t mi_test_spawn(const char *path, char *const argv[], const char *cwd, int *fd_out) {
  int fd[2];
  assert_int_equal(pipe(fd), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    dup2(fd[1], 1);
    dup2(fd[1], 2);
    close(fd[0]);
    close(fd[1]);
    if (cwd && chdir(cwd) != 0) _exit(126);
    execv(path, argv);
    _exit(127);
  }
  close(fd[1]);
  *fd_out = fd[0];
  return pid;
}

int mi_test_shell(const char *cmd, char *out, size_t out_sz) {
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, out_sz - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
