/* tests/fuzz/fuzz_cdr.c - inbound samples: the first byte picks a message
 * type, the rest is its CDR. Decoding never reads out of bounds; a decoded
 * sample is validated, and one that passes re-encodes to bytes that decode
 * to an equal sample. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dds/cdr.h"
#include "dds/msgs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  mi_msg_type t = (mi_msg_type)(data[0] % MI_MSG_TYPE_COUNT);
  const mi_msg_info *info = mi_msg_info_of(t);
  void *a = malloc(info->size), *b = malloc(info->size);
  if (!a || !b) abort();
  char err[256];
  if (mi_msg_from_cdr(t, data + 1, size - 1, a, err, sizeof err) == MI_OK) {
    char why[256];
    (void)mi_msg_validate(t, a, why, sizeof why);
    size_t len = 0;
    mi_msg_to_cdr(t, a, NULL, 0, &len);
    uint8_t *buf = malloc(len);
    if (!buf || mi_msg_to_cdr(t, a, buf, len, &len) != MI_OK) abort();
    if (mi_msg_from_cdr(t, buf, len, b, err, sizeof err) != MI_OK) abort();
    if (!mi_msg_equal(t, a, b)) abort();
    mi_msg_fini(t, b);
    free(buf);
    mi_msg_fini(t, a);
  }
  free(a);
  free(b);
  return 0;
}
