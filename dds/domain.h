/* dds/domain.h - which DDS domain a process joins, and how.
 *
 * (Not "config.h": Cyclone's own headers include "dds/config.h", and this
 * folder is on the include path, so mirai must never have dds/config.h,
 * dds/dds.h, dds/export.h, dds/features.h or dds/version.h.)
 *
 * The default domain configuration keeps every packet on this machine:
 * interface lo, multicast off, unicast discovery to 127.0.0.1, participant
 * index auto (MI_DDS_LOOPBACK_CONFIG). It is replaced, in this order, by
 *   1. the `dds.config` param (Cyclone XML, or "file:///path/to/cyclone.xml"),
 *   2. the CYCLONEDDS_URI environment variable (read by Cyclone itself).
 * The domain id comes from the `dds.domain_id` param (0..232), else from
 * ROS_DOMAIN_ID, else 0.
 *
 * Every node embeds a mi_dds_params and adds MI_DDS_PARAM_ROWS to its params
 * table, so these three params read the same in every node's params file.
 */
#ifndef MI_DDS_DOMAIN_H
#define MI_DDS_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/params.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MI_DDS_LOOPBACK_CONFIG                                                      \
  "<CycloneDDS><Domain id=\"any\"><General><Interfaces><NetworkInterface name=\"lo\"/>" \
  "</Interfaces><AllowMulticast>false</AllowMulticast></General><Discovery>"          \
  "<ParticipantIndex>auto</ParticipantIndex><MaxAutoParticipantIndex>60"              \
  "</MaxAutoParticipantIndex><Peers><Peer address=\"127.0.0.1\"/></Peers>"            \
  "</Discovery></Domain></CycloneDDS>"

#define MI_DDS_DOMAIN_MAX 232 /* ROS 2's limit with the default port mapping */

typedef struct mi_dds_params {
  int64_t domain_id;              /* -1: ROS_DOMAIN_ID, else 0 */
  char config[MI_PARAM_STR_MAX];  /* "" : CYCLONEDDS_URI, else loopback default */
  bool use_sim_time;              /* timers and stamps follow rt/clock */
} mi_dds_params;

/* Rows for a node's params table; `S` is the node's params struct, `f` its
 * mi_dds_params member:
 *   static const mi_param_def defs[] = { ..., MI_DDS_PARAM_ROWS(my_params, dds) }; */
#define MI_DDS_PARAM_ROWS(S, f)                                                          \
  MI_P_INT(S, f.domain_id, "dds.domain_id", "-1", -1, MI_DDS_DOMAIN_MAX, NULL,           \
           "DDS domain id; -1 takes ROS_DOMAIN_ID, else 0"),                             \
  MI_P_STRING(S, f.config, "dds.config", "\"\"",                                         \
              "Cyclone DDS config (XML or file://path) replacing the loopback default"), \
  MI_P_BOOL(S, f.use_sim_time, "use_sim_time", "false",                                  \
            "timers and message stamps follow rt/clock (lockstep simulation)")

/* Defaults: domain -1, config "", use_sim_time false. */
void mi_dds_params_default(mi_dds_params *p);

/* Where a configuration came from. */
typedef enum mi_dds_config_source {
  MI_DDS_CONFIG_LOOPBACK = 0, /* the built-in default */
  MI_DDS_CONFIG_PARAM = 1,    /* dds.config */
  MI_DDS_CONFIG_ENV = 2       /* CYCLONEDDS_URI */
} mi_dds_config_source;

typedef struct mi_dds_resolved {
  uint32_t domain_id;
  mi_dds_config_source source;
  const char *config; /* XML or URI to pass to dds_create_domain; NULL for ENV
                         (Cyclone reads the variable). Points into p or static. */
} mi_dds_resolved;

/* Decide domain id and configuration from params and the environment.
 * @retval MI_ERR_INVALID ROS_DOMAIN_ID is not an integer in 0..232, or
 *         dds.config is neither XML ('<' first) nor a URI ("file://..."),
 *         or names a file that does not exist; err says which and why */
mi_status mi_dds_resolve(const mi_dds_params *p, mi_dds_resolved *out, char *err,
                         size_t err_sz);

#ifdef __cplusplus
}
#endif

#endif /* MI_DDS_DOMAIN_H */
