/* dds/msg_yaml.c - messages as YAML (placeholder until the printer lands) */
#include "dds/msgs.h"
