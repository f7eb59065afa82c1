/* core/ring.c - SPSC queue and latest-value triple buffer. */
#include "core/ring.h"

#include <stdlib.h>
#include <string.h>

#define MI_LATEST_FRESH 4u

mi_status mi_spsc_init(mi_spsc *q, size_t elem_size, size_t capacity) {
  if (elem_size == 0 || capacity == 0) return MI_ERR_INVALID;
  size_t cap = 2;
  while (cap < capacity) {
    if (cap > SIZE_MAX / 2) return MI_ERR_INVALID;
    cap <<= 1;
  }
  unsigned char *buf = calloc(cap, elem_size);
  if (!buf) return MI_ERR_NOMEM;
  q->buf = buf;
  q->elem_size = elem_size;
  q->mask = cap - 1;
  atomic_init(&q->head, 0);
  atomic_init(&q->tail, 0);
  return MI_OK;
}

void mi_spsc_destroy(mi_spsc *q) {
  free(q->buf);
  q->buf = NULL;
}

mi_status mi_spsc_push(mi_spsc *q, const void *elem) {
  size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
  size_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
  if (head - tail > q->mask) return MI_ERR_FULL;
  memcpy(q->buf + (head & q->mask) * q->elem_size, elem, q->elem_size);
  /* release: the element's bytes are visible before the new head */
  atomic_store_explicit(&q->head, head + 1, memory_order_release);
  return MI_OK;
}

mi_status mi_spsc_pop(mi_spsc *q, void *elem) {
  size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
  size_t head = atomic_load_explicit(&q->head, memory_order_acquire);
  if (head == tail) return MI_ERR_EMPTY;
  memcpy(elem, q->buf + (tail & q->mask) * q->elem_size, q->elem_size);
  atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
  return MI_OK;
}

size_t mi_spsc_size(const mi_spsc *q) {
  size_t head = atomic_load_explicit(&((mi_spsc *)q)->head, memory_order_acquire);
  size_t tail = atomic_load_explicit(&((mi_spsc *)q)->tail, memory_order_acquire);
  return head - tail;
}

size_t mi_spsc_capacity(const mi_spsc *q) { return q->mask + 1; }

mi_status mi_latest_init(mi_latest *l, size_t elem_size) {
  if (elem_size == 0) return MI_ERR_INVALID;
  unsigned char *buf = calloc(3, elem_size);
  if (!buf) return MI_ERR_NOMEM;
  l->buf = buf;
  l->elem_size = elem_size;
  l->write_slot = 0;
  atomic_init(&l->middle, 1u);
  l->read_slot = 2;
  l->has_value = false;
  atomic_init(&l->published, 0);
  return MI_OK;
}

void mi_latest_destroy(mi_latest *l) {
  free(l->buf);
  l->buf = NULL;
}

void *mi_latest_write_buf(mi_latest *l) { return l->buf + (size_t)l->write_slot * l->elem_size; }

void mi_latest_publish(mi_latest *l) {
  /* swap our filled slot into the middle, marked fresh; acq_rel so the
   * reader that takes it sees the bytes, and we see the slot it released */
  uint32_t old = atomic_exchange_explicit(&l->middle, l->write_slot | MI_LATEST_FRESH,
                                          memory_order_acq_rel);
  l->write_slot = old & 3u;
  atomic_fetch_add_explicit(&l->published, 1, memory_order_relaxed);
}

bool mi_latest_take(mi_latest *l, const void **out) {
  uint32_t mid = atomic_load_explicit(&l->middle, memory_order_relaxed);
  if (!(mid & MI_LATEST_FRESH)) {
    *out = l->has_value ? l->buf + (size_t)l->read_slot * l->elem_size : NULL;
    return false;
  }
  uint32_t old = atomic_exchange_explicit(&l->middle, l->read_slot, memory_order_acq_rel);
  l->read_slot = old & 3u;
  l->has_value = true;
  *out = l->buf + (size_t)l->read_slot * l->elem_size;
  return true;
}
