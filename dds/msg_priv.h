/* dds/msg_priv.h - internals shared by dds/msg.c and dds/msg_yaml.c. */
#ifndef MI_DDS_MSG_PRIV_H
#define MI_DDS_MSG_PRIV_H

#include "dds/msgs.h"

/* every idlc sequence struct has this layout */
typedef struct mi_seq_ {
  uint32_t _maximum;
  uint32_t _length;
  void *_buffer;
  bool _release;
} mi_seq_;

/* bytes of one item of kind k (sub: the struct type for MI_MSGK_STRUCT) */
size_t mi_msg__kind_size(mi_msg_kind k, mi_msg_type sub);

/* mi_msg_init whose strings are heap copies, so mi_msg_fini may free it all.
 * @retval MI_ERR_NOMEM (msg then holds what was made; mi_msg_fini frees it) */
mi_status mi_msg__init_owned(mi_msg_type t, void *msg);

#endif /* MI_DDS_MSG_PRIV_H */
