/* core/log.c - logging. */
#define _GNU_SOURCE
#include "core/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/clock.h"

static _Atomic int g_level = -1; /* -1: not yet read from the environment */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static mi_log_sink_fn g_sink;
static void *g_sink_user;
static _Thread_local char t_name[64];
static int64_t g_t0_ns;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static const char *const k_level_names[] = {"DEBUG", "INFO", "WARN", "ERROR", "OFF"};

static void log_init(void) {
  g_t0_ns = mi_clock_mono_ns();
  mi_log_level lv = MI_LOG_INFO;
  const char *env = getenv("MIRAI_LOG_LEVEL");
  if (env) mi_log_level_parse(env, &lv);
  int expected = -1;
  atomic_compare_exchange_strong(&g_level, &expected, (int)lv);
}

void mi_log_set_level(mi_log_level level) {
  pthread_once(&g_once, log_init);
  atomic_store(&g_level, (int)level);
}

mi_log_level mi_log_get_level(void) {
  pthread_once(&g_once, log_init);
  return (mi_log_level)atomic_load(&g_level);
}

mi_status mi_log_level_parse(const char *s, mi_log_level *out) {
  static const struct {
    const char *name;
    mi_log_level level;
  } k_names[] = {{"debug", MI_LOG_DEBUG}, {"info", MI_LOG_INFO},   {"warn", MI_LOG_WARN},
                 {"warning", MI_LOG_WARN}, {"error", MI_LOG_ERROR}, {"off", MI_LOG_OFF}};
  if (!s) return MI_ERR_INVALID;
  for (size_t i = 0; i < MI_ARRAY_LEN(k_names); i++) {
    if (strcasecmp(s, k_names[i].name) == 0) {
      *out = k_names[i].level;
      return MI_OK;
    }
  }
  return MI_ERR_INVALID;
}

const char *mi_log_level_name(mi_log_level level) {
  if ((int)level < 0 || (int)level > MI_LOG_OFF) return "?";
  return k_level_names[level];
}

void mi_log_set_thread_name(const char *name) {
  if (!name) {
    t_name[0] = '\0';
    return;
  }
  snprintf(t_name, sizeof t_name, "%s", name);
}

const char *mi_log_thread_name(void) { return t_name; }

void mi_log_set_sink(mi_log_sink_fn fn, void *user) {
  pthread_mutex_lock(&g_mu);
  g_sink = fn;
  g_sink_user = user;
  pthread_mutex_unlock(&g_mu);
}

static void log_emit(mi_log_level level, uint32_t suppressed, const char *fmt, va_list ap) {
  if (level < mi_log_get_level() || level >= MI_LOG_OFF) return;
  char line[1024];
  double t = mi_s_from_ns(mi_clock_mono_ns() - g_t0_ns);
  int n;
  if (t_name[0])
    n = snprintf(line, sizeof line, "[%11.6f] %-5s [%s] ", t, k_level_names[level], t_name);
  else
    n = snprintf(line, sizeof line, "[%11.6f] %-5s ", t, k_level_names[level]);
  if (n < 0) return;
  size_t used = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
  int m = vsnprintf(line + used, sizeof line - used, fmt, ap);
  if (m > 0) used += (size_t)m < sizeof line - used ? (size_t)m : sizeof line - used - 1;
  if (suppressed > 0 && used < sizeof line - 1)
    snprintf(line + used, sizeof line - used, " (%u similar suppressed)", suppressed);
  /* drop a trailing newline the caller may have written */
  size_t len = strlen(line);
  while (len > 0 && line[len - 1] == '\n') line[--len] = '\0';

  pthread_mutex_lock(&g_mu);
  if (g_sink) {
    g_sink(g_sink_user, level, line);
  } else {
    line[len] = '\n';
    /* one write per line keeps lines whole when several processes share a pipe */
    ssize_t w = write(STDERR_FILENO, line, len + 1);
    (void)w;
  }
  pthread_mutex_unlock(&g_mu);
}

void mi_logv(mi_log_level level, const char *fmt, va_list ap) { log_emit(level, 0, fmt, ap); }

void mi_log(mi_log_level level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  log_emit(level, 0, fmt, ap);
  va_end(ap);
}

void mi_log_suppressed(mi_log_level level, uint32_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  log_emit(level, n, fmt, ap);
  va_end(ap);
}

bool mi_log_ratelimit_pass(mi_log_ratelimit *rl, int64_t period_ms, uint32_t *suppressed) {
  int64_t now = mi_clock_mono_ns();
  int64_t next = atomic_load(&rl->next_ns);
  if (now >= next &&
      atomic_compare_exchange_strong(&rl->next_ns, &next, now + period_ms * MI_NS_PER_MS)) {
    *suppressed = atomic_exchange(&rl->suppressed, 0);
    return true;
  }
  atomic_fetch_add(&rl->suppressed, 1);
  return false;
}
