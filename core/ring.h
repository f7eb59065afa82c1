/* core/ring.h - lock-free handoffs between exactly two threads.
 *
 * mi_spsc: a bounded single-producer single-consumer queue of fixed-size
 *   elements (capacity a power of two). push/pop never block or allocate.
 * mi_latest: a "latest value" triple buffer. The writer publishes whole
 *   values; the reader always gets the newest complete one, never a torn
 *   mix, and neither side ever waits. This is how plans reach the real-time
 *   control loop.
 *
 * Memory is allocated once at init (caller frees with *_destroy); all other
 * calls are wait-free. Each object has one producer thread and one consumer
 * thread; anything else is undefined.
 */
#ifndef MI_CORE_RING_H
#define MI_CORE_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mi_spsc {
  unsigned char *buf;
  size_t elem_size;
  size_t mask; /* capacity - 1 */
  /* producer and consumer indices on separate cache lines */
  _Alignas(64) _Atomic size_t head; /* next slot to write */
  _Alignas(64) _Atomic size_t tail; /* next slot to read */
} mi_spsc;

/* capacity is rounded up to a power of two (>= 2).
 * @retval MI_ERR_INVALID elem_size or capacity is 0
 * @retval MI_ERR_NOMEM */
mi_status mi_spsc_init(mi_spsc *q, size_t elem_size, size_t capacity);
void mi_spsc_destroy(mi_spsc *q);

/* Producer: copy elem in. @retval MI_ERR_FULL when no slot is free. */
mi_status mi_spsc_push(mi_spsc *q, const void *elem);

/* Consumer: copy the oldest element out. @retval MI_ERR_EMPTY when none. */
mi_status mi_spsc_pop(mi_spsc *q, void *elem);

/* Elements queued now (a snapshot). */
size_t mi_spsc_size(const mi_spsc *q);
size_t mi_spsc_capacity(const mi_spsc *q);

typedef struct mi_latest {
  unsigned char *buf; /* 3 slots of elem_size */
  size_t elem_size;
  /* slot index of the middle ("ready") buffer, plus MI_LATEST_FRESH when it
   * holds a value the reader has not taken yet */
  _Atomic uint32_t middle;
  uint32_t write_slot; /* owned by the writer */
  uint32_t read_slot;  /* owned by the reader */
  bool has_value;      /* owned by the reader: a value was taken once */
  _Atomic uint64_t published; /* number of publish calls, for statistics */
} mi_latest;

mi_status mi_latest_init(mi_latest *l, size_t elem_size);
void mi_latest_destroy(mi_latest *l);

/* Writer: the buffer to fill next (elem_size bytes, yours until publish). */
void *mi_latest_write_buf(mi_latest *l);

/* Writer: make the filled write buffer the newest value. */
void mi_latest_publish(mi_latest *l);

/* Reader: take the newest value if one arrived since the last take.
 * Returns true and points *out at it (valid until the next take), or
 * returns false and leaves *out pointing at the value last taken (NULL
 * before the first one). */
bool mi_latest_take(mi_latest *l, const void **out);

#ifdef __cplusplus
}
#endif

#endif /* MI_CORE_RING_H */
