/* core/status.c - status code strings, generated from MI_STATUS_MAP. */
#include "core/status.h"

const char *mi_status_str(mi_status s) {
  switch (s) {
#define MI_STATUS_STR_(name, value, desc) \
  case name:                              \
    return desc;
    MI_STATUS_MAP(MI_STATUS_STR_)
#undef MI_STATUS_STR_
  }
  return "unknown status";
}

const char *mi_status_name(mi_status s) {
  switch (s) {
#define MI_STATUS_NAME_(name, value, desc) \
  case name:                               \
    return #name;
    MI_STATUS_MAP(MI_STATUS_NAME_)
#undef MI_STATUS_NAME_
  }
  return "MI_UNKNOWN";
}
