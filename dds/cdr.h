/* dds/cdr.h - XCDR1 (plain CDR) bytes <-> mirai message structs, driven by
 * the field tables of dds/msgs.h. The bytes are what travels on the wire and
 * what MCAP's "cdr" encoding stores: a 4-byte encapsulation header (0x00 0x01
 * little endian, 0x00 0x00 big endian, then 2 option bytes) and the body,
 * primitives aligned to their size (8 at most) from the start of the body.
 *
 * `mirai replay` decodes recorded messages with mi_msg_from_cdr and
 * publishes them through the ordinary typed writers; tests use
 * mi_msg_to_cdr to check Cyclone's serialisation byte for byte.
 */
#ifndef MI_DDS_CDR_H
#define MI_DDS_CDR_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "dds/msgs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Decode len bytes into out (a zeroed-or-garbage struct of type t; it is
 * initialised first). out owns heap copies of its strings and sequences:
 * free with mi_msg_fini. Strings and sequences are bounded by
 * MI_MSG_STRING_MAX and MI_MSG_SEQ_MAX; nothing reads past len.
 * @retval MI_ERR_PARSE  truncated, bad header, bad string, over a bound
 *                       (err says which field at which offset; out is then
 *                       finalised and empty)
 * @retval MI_ERR_NOMEM */
mi_status mi_msg_from_cdr(mi_msg_type t, const void *data, size_t len, void *out, char *err,
                          size_t err_sz);

/* Encode msg in host byte order (the header says which), with its
 * encapsulation header, into buf (cap bytes). *len receives the size.
 * @retval MI_ERR_FULL buf too small (then *len is the size needed) */
mi_status mi_msg_to_cdr(mi_msg_type t, const void *msg, void *buf, size_t cap, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* MI_DDS_CDR_H */
