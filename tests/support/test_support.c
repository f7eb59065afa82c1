/* tests/support/test_support.c - helpers shared by the integration tests. */
#define _GNU_SOURCE
#include "tests/support/test_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int mi_test_finish(pid_t pid, int fd, char *out, size_t out_sz) {
  size_t len = 0;
  ssize_t k;
  while (len + 1 < out_sz && (k = read(fd, out + len, out_sz - 1 - len)) > 0) len += (size_t)k;
  out[len] = '\0';
  close(fd);
  int st;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void mi_test_require_node_kinds(const char *mirai) {
  static const char *const kinds[] = {"sim", "predictor", "controller"};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    char cmd[512], out[256];
    snprintf(cmd, sizeof cmd, "%s node %s --help >/dev/null 2>&1", mirai, kinds[i]);
    if (mi_test_shell(cmd, out, sizeof out) != 0) {
      print_message("this mirai has no node kind '%s': skipped\n", kinds[i]);
      skip();
    }
  }
}

char *mi_test_read_file(const char *path, char *buf, size_t buf_sz) {
  FILE *f = fopen(path, "r");
  if (!f) print_error("cannot open %s\n", path);
  assert_non_null(f);
  size_t n = fread(buf, 1, buf_sz - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

double mi_test_json_num(const char *json, const char *key) {
  char pat[96];
  snprintf(pat, sizeof pat, "\"%s\": ", key);
  const char *p = strstr(json, pat);
  if (!p) return -1e300;
  p += strlen(pat);
  if (!strncmp(p, "null", 4)) return -1e300;
  return strtod(p, NULL);
}
