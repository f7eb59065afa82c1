/* core/log.h - leveled, thread-safe logging with a node-name prefix.
 *
 * A line reads "[  12.345678] WARN  [predictor] message": seconds since the
 * process started (monotonic), level, the calling thread's node name.
 * Each line is written with one write to the sink, so lines from threads
 * never interleave. Hot paths use MI_LOG_EVERY_MS, which lets a call site
 * through at most once per period and reports how many it suppressed.
 */
#ifndef MI_CORE_LOG_H
#define MI_CORE_LOG_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/hd.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mi_log_level {
  MI_LOG_DEBUG = 0,
  MI_LOG_INFO = 1,
  MI_LOG_WARN = 2,
  MI_LOG_ERROR = 3,
  MI_LOG_OFF = 4
} mi_log_level;

/* Process-wide threshold (default INFO, or MIRAI_LOG_LEVEL from the
 * environment: debug|info|warn|error|off). Thread-safe. */
void mi_log_set_level(mi_log_level level);
mi_log_level mi_log_get_level(void);

/* Parse "debug", "info", "warn"/"warning", "error", "off" (any case).
 * @retval MI_ERR_INVALID for anything else; *out unchanged. */
mi_status mi_log_level_parse(const char *s, mi_log_level *out);
const char *mi_log_level_name(mi_log_level level);

/* The calling thread's prefix (a node name); copied, at most 63 chars.
 * NULL clears it. */
void mi_log_set_thread_name(const char *name);
const char *mi_log_thread_name(void);

/* Redirect every line to fn (tests capture lines this way); NULL restores
 * stderr. fn is called with a NUL-terminated line without the final newline,
 * under the log lock: it must not log itself. */
typedef void (*mi_log_sink_fn)(void *user, mi_log_level level, const char *line);
void mi_log_set_sink(mi_log_sink_fn fn, void *user);

/* Log one line at level. Safe from any thread; not async-signal-safe. */
void mi_log(mi_log_level level, const char *fmt, ...) MI_PRINTF(2, 3);
void mi_logv(mi_log_level level, const char *fmt, va_list ap);

/* Rate limiter state for one call site; zero-initialised (static) is ready. */
typedef struct mi_log_ratelimit {
  _Atomic int64_t next_ns;      /* monotonic time the next line may pass */
  _Atomic uint32_t suppressed;  /* lines dropped since the last one passed */
} mi_log_ratelimit;

/* True when this call may log now; then *suppressed receives how many calls
 * were held back since the previous pass (and the count resets). */
bool mi_log_ratelimit_pass(mi_log_ratelimit *rl, int64_t period_ms, uint32_t *suppressed);

#define MI_LOGD(...) mi_log(MI_LOG_DEBUG, __VA_ARGS__)
#define MI_LOGI(...) mi_log(MI_LOG_INFO, __VA_ARGS__)
#define MI_LOGW(...) mi_log(MI_LOG_WARN, __VA_ARGS__)
#define MI_LOGE(...) mi_log(MI_LOG_ERROR, __VA_ARGS__)

/* Log at most once per period_ms from this call site; a line that follows
 * suppressed ones ends with "(N similar suppressed)". */
#define MI_LOG_EVERY_MS(level, period_ms, ...)                              \
  do {                                                                      \
    static mi_log_ratelimit mi_rl__;                                        \
    uint32_t mi_sup__;                                                      \
    if ((level) >= mi_log_get_level() &&                                    \
        mi_log_ratelimit_pass(&mi_rl__, (period_ms), &mi_sup__))            \
      mi_log_suppressed((level), mi_sup__, __VA_ARGS__);                    \
  } while (0)

/* mi_log with a "(N similar suppressed)" suffix when n > 0. */
void mi_log_suppressed(mi_log_level level, uint32_t n, const char *fmt, ...)
    MI_PRINTF(3, 4);

#ifdef __cplusplus
}
#endif

#endif /* MI_CORE_LOG_H */
