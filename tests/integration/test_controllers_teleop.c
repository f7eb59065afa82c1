/* tests/integration/test_controllers_teleop.c - `mirai node teleop` as a
 * process (keys on its stdin) over loopback DDS (domain 53): a key press
 * gives its twist on rt/teleop/twist, release gives zero (dead-man), 'x'
 * quits cleanly. argv[1] is the mirai executable. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "dds/node.h"

#define MS 1000000LL

extern char **environ;
static const char *g_mirai;

typedef struct seen {
  int64_t first_move_ns, first_zero_after_move_ns;
  double x;
  uint64_t n;
} seen;

static void on_twist(const mi_msg_twist_stamped *m, const mi_dds_sample_info *info, void *user) {
  seen *s = user;
  s->n++;
  if (m->twist.linear.x != 0.0 && s->first_move_ns < 0) {
    s->first_move_ns = info->recv_mono_ns;
    s->x = m->twist.linear.x;
  }
  if (m->twist.linear.x == 0.0 && s->first_move_ns > 0 && s->first_zero_after_move_ns < 0)
    s->first_zero_after_move_ns = info->recv_mono_ns;
}
MI_DDS_TYPED_CB(on_twist, mi_msg_twist_stamped);

static void test_keys_to_twist(void **state) {
  (void)state;
  char err[256];
  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "teleop_probe");
  o.dds.domain_id = 53;
  mi_dds_node *n = NULL;
  assert_int_equal(mi_dds_node_create(&o, &n, err, sizeof err), MI_OK);
  static seen s = {.first_move_ns = -1, .first_zero_after_move_ns = -1};
  mi_dds_sub_opts so = {.on_sample = on_twist__mi_cb, .user = &s};
  mi_dds_sub *sub;
  assert_int_equal(mi_dds_sub_create_std(n, MI_TOPIC_TELEOP_TWIST, &so, &sub), MI_OK);

  int pfd[2];
  assert_int_equal(pipe(pfd), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pfd[0], STDIN_FILENO);
  posix_spawn_file_actions_addclose(&fa, pfd[1]);
  char *argv[] = {(char *)g_mirai, "node", "teleop", "-p", "dds.domain_id:=53",
                  "-p", "hold_time:=0.3", "-p", "device:=tty", NULL};
  pid_t pid;
  assert_int_equal(posix_spawn(&pid, g_mirai, &fa, NULL, argv, environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  close(pfd[0]);

  assert_int_equal(mi_dds_sub_wait_matched(sub, 1, 5000 * MS), MI_OK);
  /* zeros before any key */
  int64_t t0 = mi_clock_mono_ns();
  while (mi_clock_mono_ns() - t0 < 200 * MS) mi_dds_spin_once(n, 10 * MS);
  assert_true(s.n > 0);
  assert_true(s.first_move_ns < 0);
  /* press w */
  int64_t t_press = mi_clock_mono_ns();
  assert_int_equal(write(pfd[1], "w", 1), 1);
  while (mi_clock_mono_ns() - t_press < 1500 * MS) mi_dds_spin_once(n, 10 * MS);
  assert_true(s.first_move_ns > t_press);
  assert_true(s.x == 0.05);
  /* released: zero again after about hold_time */
  assert_true(s.first_zero_after_move_ns > 0);
  double held = (double)(s.first_zero_after_move_ns - s.first_move_ns) / 1e6;
  assert_true(held > 200.0 && held < 600.0);
  /* x quits */
  assert_int_equal(write(pfd[1], "x", 1), 1);
  int status = -1;
  for (int i = 0; i < 300 && waitpid(pid, &status, WNOHANG) == 0; i++) mi_clock_sleep_ns(10 * MS);
  if (!WIFEXITED(status)) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    fail_msg("teleop did not quit on 'x'");
  }
  assert_int_equal(WEXITSTATUS(status), 0);
  close(pfd[1]);
  mi_dds_node_destroy(n);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s /path/to/mirai\n", argv[0]);
    return 2;
  }
  g_mirai = argv[1];
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_keys_to_twist)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
