/* launch/launch.c - the supervisor of `mirai launch` (launch/launch.h). */
#define _GNU_SOURCE
#include "launch/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"

extern char **environ;

#define LINE_MAX_ 4096 /* a longer line is written in pieces */

typedef enum proc_state { P_IDLE, P_RUNNING, P_WAIT_RESPAWN, P_DONE } proc_state;

typedef struct proc {
  const mi_launch_node *n;
  char **argv, **envp; /* built once, before any fork */
  const char *exe;     /* argv[0] resolved on PATH */
  char exe_buf[MI_LAUNCH_PATH_MAX];
  pid_t pid;
  int fd; /* read end of the output pipe, -1 when closed */
  char buf[LINE_MAX_];
  size_t len;
  proc_state st;
  int64_t started_ns, respawn_at_ns;
  int quick_failures, respawns;
  int stop_stage; /* 0 none, 1 SIGINT sent, 2 SIGTERM, 3 SIGKILL */
  int64_t stage_deadline_ns;
} proc;

typedef struct sup {
  const mi_launch_file *lf;
  const mi_launch_opts *o;
  mi_launch_result *res;
  proc p[MI_LAUNCH_MAX_NODES];
  int np;
  int name_w; /* width of the widest "[name]" */
  bool stopping, hurry;
  bool status_shown;
  int64_t t0_ns;
} sup;

/* --- signals: a self-pipe ------------------------------------------------ */

static int g_sigpipe[2] = {-1, -1};

static void on_signal(int sig) {
  int e = errno;
  char c = sig == SIGCHLD ? 'C' : 'S';
  if (g_sigpipe[1] >= 0) (void)!write(g_sigpipe[1], &c, 1);
  errno = e;
}

/* --- output -------------------------------------------------------------- */

/* one write() of the whole buffer (retrying short writes) */
static void write_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, s, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      return;
    }
    s += k;
    n -= (size_t)k;
  }
}

/* "[tag] text\n" as one write, erasing the status line first on a terminal */
static void emit(sup *s, const char *tag, const char *text, size_t len) {
  char out[LINE_MAX_ + 160];
  size_t k = 0;
  if (s->status_shown) {
    memcpy(out, "\r\033[K", 4);
    k = 4;
    s->status_shown = false;
  }
  int w = snprintf(out + k, sizeof out - k, "[%s]%*s ", tag,
                   (int)(s->name_w - (int)strlen(tag) - 2 > 0 ? s->name_w - (int)strlen(tag) - 2 : 0), "");
  k += (size_t)w;
  if (len > sizeof out - k - 1) len = sizeof out - k - 1;
  memcpy(out + k, text, len);
  k += len;
  out[k++] = '\n';
  write_all(s->o->out_fd, out, k);
}

static void say(sup *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(sup *s, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (k < 0) return;
  emit(s, "launch", line, (size_t)k < sizeof line ? (size_t)k : sizeof line - 1);
}

/* complete lines out of p->buf; with flush, the rest too */
static void drain_lines(sup *s, proc *p, bool flush) {
  size_t start = 0;
  for (size_t i = 0; i < p->len; i++) {
    if (p->buf[i] == '\n') {
      size_t e = i;
      if (e > start && p->buf[e - 1] == '\r') e--;
      emit(s, p->n->name, p->buf + start, e - start);
      start = i + 1;
    }
  }
  if (start == 0 && p->len == sizeof p->buf) { /* one line longer than the buffer */
    emit(s, p->n->name, p->buf, p->len);
    start = p->len;
  }
  if (flush && start < p->len) {
    emit(s, p->n->name, p->buf + start, p->len - start);
    start = p->len;
  }
  memmove(p->buf, p->buf + start, p->len - start);
  p->len -= start;
}

static void read_output(sup *s, proc *p) {
  while (p->fd >= 0) {
    ssize_t k = read(p->fd, p->buf + p->len, sizeof p->buf - p->len);
    if (k > 0) {
      p->len += (size_t)k;
      drain_lines(s, p, false);
      continue;
    }
    if (k < 0 && errno == EINTR) continue;
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    /* EOF or error: the node and every child of it closed the pipe */
    drain_lines(s, p, true);
    close(p->fd);
    p->fd = -1;
  }
}

/* --- starting ------------------------------------------------------------ */

#ifndef __SANITIZE_ADDRESS__ /* unused there (see build_env) */
static const char *find_stdbuf(void) {
  static const char *const k[] = {"/usr/libexec/coreutils/libstdbuf.so",
                                  "/usr/lib/coreutils/libstdbuf.so",
                                  "/usr/lib/x86_64-linux-gnu/coreutils/libstdbuf.so"};
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
    if (access(k[i], R_OK) == 0) return k[i];
  return NULL;
}
#endif

static bool env_overridden(const char *entry, char *const *over, int n) {
  const char *eq = strchr(entry, '=');
  size_t kl = eq ? (size_t)(eq - entry) : strlen(entry);
  for (int i = 0; i < n; i++)
    if (over[i] && !strncmp(over[i], entry, kl) && over[i][kl] == '=') return true;
  return false;
}

static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dupf(const char *fmt, ...) {
  char *r = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&r, fmt, ap) < 0) r = NULL;
  va_end(ap);
  return r;
}

/* environ, less what is overridden, plus the launch's and the node's own */
static char **build_env(const mi_launch_file *lf, const mi_launch_node *n) {
  char *over[64];
  int no = 0;
  if (lf->domain_id >= 0) over[no++] = dupf("ROS_DOMAIN_ID=%lld", (long long)lf->domain_id);
  if (lf->dds_config) over[no++] = dupf("CYCLONEDDS_URI=%s", lf->dds_config);
  over[no++] = dupf("MIRAI_NODE_NAME=%s", n->name);
#ifndef __SANITIZE_ADDRESS__ /* an ASan launcher's children would refuse the preload */
  const char *sb = find_stdbuf();
  if (sb) {
    const char *pre = getenv("LD_PRELOAD");
    over[no++] = pre && pre[0] ? dupf("LD_PRELOAD=%s:%s", pre, sb) : dupf("LD_PRELOAD=%s", sb);
    over[no++] = dupf("_STDBUF_O=L");
  }
#endif
  for (int i = 0; i < n->n_env && no < 64; i++) over[no++] = strdup(n->env[i]);
  size_t ne = 0;
  while (environ[ne]) ne++;
  char **e = calloc(ne + (size_t)no + 1, sizeof *e);
  size_t k = 0;
  if (e) {
    for (size_t i = 0; i < ne; i++)
      if (!env_overridden(environ[i], over, no) && !(e[k++] = strdup(environ[i]))) break;
    /* the node's own env entries come last, so they win over the launch's */
    for (int i = 0; i < no; i++) {
      bool later = false;
      for (int j = i + 1; j < no && over[i]; j++) {
        const char *eq = strchr(over[i], '=');
        size_t kl = (size_t)(eq - over[i]);
        if (over[j] && !strncmp(over[j], over[i], kl) && over[j][kl] == '=') later = true;
      }
      if (over[i] && !later) {
        e[k++] = over[i];
        over[i] = NULL;
      }
    }
  }
  for (int i = 0; i < no; i++) free(over[i]);
  return e;
}

/* argv[0] on PATH, in the parent (execvp is not safe after fork here) */
static const char *resolve_exe(proc *p) {
  const char *a0 = p->argv[0];
  if (strchr(a0, '/')) return a0;
  const char *path = getenv("PATH");
  if (!path) path = "/usr/local/bin:/usr/bin:/bin";
  const char *q = path;
  while (*q) {
    const char *e = strchr(q, ':');
    size_t l = e ? (size_t)(e - q) : strlen(q);
    snprintf(p->exe_buf, sizeof p->exe_buf, "%.*s/%s", (int)l, l ? q : ".", a0);
    if (access(p->exe_buf, X_OK) == 0) return p->exe_buf;
    q += l + (e ? 1 : 0);
  }
  return a0; /* execve fails: reported as exit 127 */
}

static void start(sup *s, proc *p) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    say(s, "cannot make a pipe for %s: %s", p->n->name, strerror(errno));
    p->st = P_DONE;
    return;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    say(s, "cannot fork %s: %s", p->n->name, strerror(errno));
    close(fds[0]);
    close(fds[1]);
    p->st = P_DONE;
    return;
  }
  if (pid == 0) {
    /* the child: async-signal-safe calls only until execve */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGTERM, &dfl, NULL);
    sigaction(SIGCHLD, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (!p->n->stdin_inherit) setpgid(0, 0); /* the terminal's Ctrl-C is the launcher's */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(126); /* the launcher died before prctl */
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    if (!p->n->stdin_inherit) {
      int nul = open("/dev/null", O_RDONLY);
      if (nul >= 0) dup2(nul, 0);
    }
    if (p->n->cwd[0] && chdir(p->n->cwd) != 0) {
      static const char m[] = "mirai launch: cannot change to the node's cwd\n";
      (void)!write(2, m, sizeof m - 1);
      _exit(127);
    }
    execve(p->exe, p->argv, p->envp);
    static const char m[] = "mirai launch: cannot execute the node's program\n";
    (void)!write(2, m, sizeof m - 1);
    _exit(127);
  }
  setpgid(pid, p->n->stdin_inherit ? getpgid(0) : pid); /* the child does the same: no race */
  close(fds[1]);
  fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  p->fd = fds[0];
  p->len = 0;
  p->pid = pid;
  p->st = P_RUNNING;
  p->stop_stage = 0;
  p->started_ns = mi_clock_mono_ns();
  mi_launch_node_result *r = &s->res->nodes[p - s->p];
  r->starts++;
  if (r->starts == 1)
    say(s, "started %s (pid %d): %s%s", p->n->name, (int)pid, p->exe,
        p->n->is_container ? " (container)" : "");
  else
    say(s, "respawned %s (pid %d), start %d", p->n->name, (int)pid, r->starts);
}

/* --- stopping ------------------------------------------------------------ */

static void signal_proc(proc *p, int sig) {
  if (p->pid <= 0) return;
  if (p->n->stdin_inherit || kill(-p->pid, sig) != 0) kill(p->pid, sig);
}

static void begin_stop(sup *s, mi_launch_end end, int code, const char *why) {
  if (s->stopping) return;
  s->stopping = true;
  s->res->end = end;
  if (code > s->res->exit_code) s->res->exit_code = code;
  snprintf(s->res->why, sizeof s->res->why, "%s", why);
  say(s, "stopping: %s", why);
  for (int i = 0; i < s->np; i++)
    if (s->p[i].st == P_WAIT_RESPAWN) s->p[i].st = P_DONE;
}

/* advance the ordered shutdown: the last started node still running first */
static void stop_step(sup *s, int64_t now) {
  for (int i = s->np - 1; i >= 0; i--) {
    proc *p = &s->p[i];
    if (p->st != P_RUNNING) continue;
    if (s->hurry && p->stop_stage < 3) {
      signal_proc(p, SIGKILL);
      p->stop_stage = 3;
      s->res->nodes[i].killed = true;
      continue; /* every remaining node at once */
    }
    int64_t stage_ns = mi_ns_from_s(p->n->stop_timeout_s);
    if (p->stop_stage == 0) {
      signal_proc(p, SIGINT);
      p->stop_stage = 1;
      p->stage_deadline_ns = now + stage_ns;
    } else if (now >= p->stage_deadline_ns && p->stop_stage == 1) {
      say(s, "%s still running %.1f s after SIGINT: SIGTERM", p->n->name, p->n->stop_timeout_s);
      signal_proc(p, SIGTERM);
      p->stop_stage = 2;
      p->stage_deadline_ns = now + stage_ns;
    } else if (now >= p->stage_deadline_ns && p->stop_stage == 2) {
      say(s, "%s still running %.1f s after SIGTERM: SIGKILL", p->n->name, p->n->stop_timeout_s);
      signal_proc(p, SIGKILL);
      p->stop_stage = 3;
      s->res->nodes[i].killed = true;
      p->stage_deadline_ns = now + 5 * MI_NS_PER_S;
    }
    if (!s->hurry) return; /* one node at a time */
  }
}

/* --- exits --------------------------------------------------------------- */

static void on_exit_status(sup *s, proc *p, int status, int64_t now) {
  int i = (int)(p - s->p);
  mi_launch_node_result *r = &s->res->nodes[i];
  double ran = mi_s_from_ns(now - p->started_ns);
  r->run_time_s += ran;
  read_output(s, p); /* what is left in the pipe */
  if (p->fd >= 0) {
    drain_lines(s, p, true);
    close(p->fd);
    p->fd = -1;
  }
  p->pid = 0;
  bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  r->last_status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  char how[64];
  if (WIFEXITED(status))
    snprintf(how, sizeof how, "exit code %d", WEXITSTATUS(status));
  else
    snprintf(how, sizeof how, "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
  if (s->stopping) {
    say(s, "%s stopped (%s)", p->n->name, how);
    p->st = P_DONE;
    return;
  }
  say(s, "%s ended after %.2f s: %s", p->n->name, ran, how);
  if (!ok) r->failures++;
  bool exec_failed = WIFEXITED(status) && WEXITSTATUS(status) == 127 && ran < 1.0;
  if (exec_failed) r->failed_start = true;
  bool want = p->n->respawn == MI_RESPAWN_ALWAYS || (p->n->respawn == MI_RESPAWN_ON_FAILURE && !ok);
  if (want && !ok && p->n->required) want = false; /* a required node's failure ends the launch */
  if (want && exec_failed) {
    say(s, "%s: not respawned (the program could not start)", p->n->name);
    want = false;
  }
  if (want && p->n->max_respawns >= 0 && p->respawns >= p->n->max_respawns) {
    say(s, "%s: not respawned (max_respawns %d reached)", p->n->name, p->n->max_respawns);
    want = false;
  }
  if (want) {
    p->quick_failures = ran < p->n->respawn_reset_s ? p->quick_failures + 1 : 1;
    double d = p->n->respawn_delay_s;
    for (int k = 1; k < p->quick_failures && d < p->n->respawn_max_delay_s; k++) d *= 2.0;
    if (d > p->n->respawn_max_delay_s) d = p->n->respawn_max_delay_s;
    p->respawns++;
    p->st = P_WAIT_RESPAWN;
    p->respawn_at_ns = now + mi_ns_from_s(d);
    say(s, "%s: respawn in %.2f s (respawn %d)", p->n->name, d, p->respawns);
    return;
  }
  p->st = P_DONE;
  if (p->n->required) {
    char why[200];
    snprintf(why, sizeof why, "required node %s ended (%s)", p->n->name, how);
    begin_stop(s, MI_LAUNCH_END_REQUIRED, ok ? 0 : 1, why);
  }
}

static void reap(sup *s, int64_t now) {
  for (int i = 0; i < s->np; i++) {
    proc *p = &s->p[i];
    if (p->st != P_RUNNING || p->pid <= 0) continue;
    int status;
    pid_t r = waitpid(p->pid, &status, WNOHANG);
    if (r == p->pid) on_exit_status(s, p, status, now);
  }
}

/* --- the loop ------------------------------------------------------------ */

static void status_tick(sup *s, int64_t now) {
  char hook[256] = "";
  if (s->o->hooks && s->o->hooks->status_line)
    s->o->hooks->status_line(s->o->hooks->user, hook, sizeof hook);
  int up = 0;
  for (int i = 0; i < s->np; i++) up += s->p[i].st == P_RUNNING;
  char line[400];
  int k = snprintf(line, sizeof line, "\r\033[K[launch] %5.0f s  nodes %d/%d  %s",
                   mi_s_from_ns(now - s->t0_ns), up, s->np, hook);
  if (k > 0) write_all(s->o->out_fd, line, (size_t)k < sizeof line ? (size_t)k : sizeof line - 1);
  s->status_shown = true;
}

void mi_launch_opts_init(mi_launch_opts *o) {
  memset(o, 0, sizeof *o);
  o->duration_s = -1.0;
  o->out_fd = 1;
  o->self = "/proc/self/exe";
}

const char *mi_launch_end_str(mi_launch_end e) {
  switch (e) {
    case MI_LAUNCH_END_ALL_EXITED: return "all nodes ended";
    case MI_LAUNCH_END_SIGNAL: return "signal";
    case MI_LAUNCH_END_DURATION: return "duration";
    case MI_LAUNCH_END_REQUIRED: return "required node ended";
  }
  return "?";
}

mi_status mi_launch_run(const mi_launch_file *lf, const mi_launch_opts *o, mi_launch_result *res) {
  memset(res, 0, sizeof *res);
  static sup s_; /* big (line buffers); one run per process at a time */
  sup *s = &s_;
  memset(s, 0, sizeof *s);
  s->lf = lf;
  s->o = o;
  s->res = res;
  s->np = lf->n_nodes;
  s->name_w = 8; /* "[launch]" */
  for (int i = 0; i < s->np; i++) {
    int w = (int)strlen(lf->nodes[i].name) + 2;
    if (w > s->name_w) s->name_w = w;
  }

  if (pipe2(g_sigpipe, O_CLOEXEC | O_NONBLOCK) != 0) return MI_ERR_STATE;
  struct sigaction sa, old_int, old_term, old_chld;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, &old_chld);

  /* everything a child needs is built before the first fork */
  mi_status rc = MI_OK;
  for (int i = 0; i < s->np; i++) {
    proc *p = &s->p[i];
    p->n = &lf->nodes[i];
    p->fd = -1;
    p->argv = mi_launch_node_argv(lf, p->n, o->self);
    p->envp = build_env(lf, p->n);
    if (!p->argv || !p->envp) {
      rc = MI_ERR_NOMEM;
      goto out;
    }
    p->exe = resolve_exe(p);
  }

  s->t0_ns = mi_clock_mono_ns();
  for (int i = 0; i < s->np; i++) start(s, &s->p[i]);
  double dur = o->duration_s >= 0 ? o->duration_s : lf->duration_s;
  int64_t next_status = s->t0_ns + MI_NS_PER_S;

  for (;;) {
    int64_t now = mi_clock_mono_ns();
    reap(s, now);

    /* what ends a launch */
    if (!s->stopping && dur > 0) {
      double t = -1.0;
      if (o->duration_cell_time && o->hooks && o->hooks->cell_time_s)
        t = o->hooks->cell_time_s(o->hooks->user);
      else if (!o->duration_cell_time)
        t = mi_s_from_ns(now - s->t0_ns);
      if (t >= dur) {
        char why[128];
        snprintf(why, sizeof why, "%.1f s of %s time reached", dur,
                 o->duration_cell_time ? "cell" : "wall");
        begin_stop(s, MI_LAUNCH_END_DURATION, 0, why);
      }
    }
    if (!s->stopping && o->wall_timeout_s > 0 && mi_s_from_ns(now - s->t0_ns) >= o->wall_timeout_s) {
      char why[128];
      snprintf(why, sizeof why, "wall timeout of %.1f s reached", o->wall_timeout_s);
      begin_stop(s, MI_LAUNCH_END_DURATION, 0, why);
    }
    if (!s->stopping) {
      for (int i = 0; i < s->np; i++)
        if (s->p[i].st == P_WAIT_RESPAWN && now >= s->p[i].respawn_at_ns) start(s, &s->p[i]);
    }
    bool any = false;
    for (int i = 0; i < s->np; i++) any |= s->p[i].st == P_RUNNING || s->p[i].st == P_WAIT_RESPAWN;
    if (!any) {
      if (!s->stopping) {
        s->res->end = MI_LAUNCH_END_ALL_EXITED;
        snprintf(s->res->why, sizeof s->res->why, "every node ended");
      }
      break;
    }
    if (s->stopping) stop_step(s, now);
    if (o->status_line && now >= next_status) {
      status_tick(s, now);
      next_status += MI_NS_PER_S * ((now - next_status) / MI_NS_PER_S + 1);
    }

    /* wait for output, a signal, or the next timed thing (100 ms at most) */
    struct pollfd pf[MI_LAUNCH_MAX_NODES + 1];
    proc *who[MI_LAUNCH_MAX_NODES + 1];
    int nf = 0;
    pf[nf].fd = g_sigpipe[0];
    pf[nf].events = POLLIN;
    who[nf++] = NULL;
    for (int i = 0; i < s->np; i++)
      if (s->p[i].fd >= 0) {
        pf[nf].fd = s->p[i].fd;
        pf[nf].events = POLLIN;
        who[nf++] = &s->p[i];
      }
    int timeout_ms = 100;
    for (int i = 0; i < s->np; i++)
      if (s->p[i].st == P_WAIT_RESPAWN) {
        int64_t d = (s->p[i].respawn_at_ns - now) / MI_NS_PER_MS + 1;
        if (d < timeout_ms) timeout_ms = d < 0 ? 0 : (int)d;
      }
    int k = poll(pf, (nfds_t)nf, timeout_ms);
    if (k < 0 && errno != EINTR) {
      rc = MI_ERR_STATE;
      break;
    }
    if (k <= 0) continue;
    if (pf[0].revents & POLLIN) {
      char c[64];
      ssize_t m;
      while ((m = read(g_sigpipe[0], c, sizeof c)) > 0)
        for (ssize_t j = 0; j < m; j++)
          if (c[j] == 'S') {
            if (s->stopping) {
              if (!s->hurry) say(s, "second signal: SIGKILL to every node left");
              s->hurry = true;
            } else {
              begin_stop(s, MI_LAUNCH_END_SIGNAL, 0, "SIGINT/SIGTERM");
            }
          }
    }
    for (int j = 1; j < nf; j++)
      if (pf[j].revents & (POLLIN | POLLHUP | POLLERR)) read_output(s, who[j]);
  }
  res->wall_s = mi_s_from_ns(mi_clock_mono_ns() - s->t0_ns);
  if (s->status_shown) write_all(o->out_fd, "\r\033[K", 4);

out:
  /* kill anything left (only on an internal error) */
  for (int i = 0; i < s->np; i++) {
    proc *p = &s->p[i];
    if (p->st == P_RUNNING && p->pid > 0) {
      signal_proc(p, SIGKILL);
      waitpid(p->pid, NULL, 0);
    }
    if (p->fd >= 0) close(p->fd);
    mi_launch_argv_free(p->argv);
    mi_launch_argv_free(p->envp);
  }
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  sigaction(SIGCHLD, &old_chld, NULL);
  close(g_sigpipe[0]);
  close(g_sigpipe[1]);
  g_sigpipe[0] = g_sigpipe[1] = -1;
  return rc;
}
