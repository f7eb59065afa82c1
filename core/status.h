/* core/status.h - mirai status codes.
 *
 * Every fallible mirai function returns mi_status: MI_OK (0) on success, a
 * negative code on error. On error a function leaves its outputs and the
 * object it was called on unchanged, unless its documentation says otherwise.
 * The codes are listed once, in MI_STATUS_MAP.
 */
#ifndef MI_CORE_STATUS_H
#define MI_CORE_STATUS_H

/* X(name, value, description) */
#define MI_STATUS_MAP(X)                                                   \
  X(MI_OK, 0, "ok")                                                       \
  X(MI_ERR_INVALID, -1, "invalid argument")                               \
  X(MI_ERR_NOMEM, -2, "out of memory")                                    \
  X(MI_ERR_IO, -3, "i/o error")                                           \
  X(MI_ERR_PARSE, -4, "parse error")                                      \
  X(MI_ERR_RANGE, -5, "value out of range")                               \
  X(MI_ERR_NOT_FOUND, -6, "not found")                                    \
  X(MI_ERR_TIMEOUT, -7, "timed out")                                      \
  X(MI_ERR_AGAIN, -8, "resource temporarily unavailable")                 \
  X(MI_ERR_UNSUPPORTED, -9, "unsupported")                                \
  X(MI_ERR_STATE, -10, "operation not allowed in this state")             \
  X(MI_ERR_DDS, -11, "DDS error")                                         \
  X(MI_ERR_STALE, -12, "data is stale")                                   \
  X(MI_ERR_REJECTED, -13, "sample rejected")                              \
  X(MI_ERR_FULL, -14, "full")                                             \
  X(MI_ERR_EMPTY, -15, "empty")                                           \
  X(MI_ERR_DEVICE, -16, "no usable device")                               \
  X(MI_ERR_COLLISION, -17, "collision")                                   \
  X(MI_ERR_PERMISSION, -18, "permission denied")                          \
  X(MI_ERR_INTERRUPTED, -19, "interrupted")

typedef enum mi_status {
#define MI_STATUS_ENUM_(name, value, desc) name = value,
  MI_STATUS_MAP(MI_STATUS_ENUM_)
#undef MI_STATUS_ENUM_
} mi_status;

#ifdef __cplusplus
extern "C" {
#endif

/* Human-readable description of s; never NULL ("unknown status" for codes
 * outside the table). The string is static. */
const char *mi_status_str(mi_status s);

/* The code's symbolic name ("MI_ERR_PARSE"); static, never NULL. */
const char *mi_status_name(mi_status s);

#ifdef __cplusplus
}
#endif

#endif /* MI_CORE_STATUS_H */
