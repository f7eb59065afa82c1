/* dds/domain.c - which domain and configuration a process uses (domain.h). */
#include "dds/domain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void mi_dds_params_default(mi_dds_params *p) {
  if (!p) return;
  memset(p, 0, sizeof *p);
  p->domain_id = -1;
}

static mi_status parse_domain_env(const char *s, uint32_t *out, char *err, size_t err_sz) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  while (*end == ' ' || *end == '\t') end++;
  if (end == s || *end || errno || v < 0 || v > MI_DDS_DOMAIN_MAX) {
    snprintf(err, err_sz, "ROS_DOMAIN_ID='%s' is not a domain id (an integer in 0..%d)", s,
             MI_DDS_DOMAIN_MAX);
    return MI_ERR_INVALID;
  }
  *out = (uint32_t)v;
  return MI_OK;
}

mi_status mi_dds_resolve(const mi_dds_params *p, mi_dds_resolved *out, char *err,
                         size_t err_sz) {
  char dummy[1];
  if (!err || !err_sz) {
    err = dummy;
    err_sz = sizeof dummy;
  }
  err[0] = 0;
  if (!p || !out) return MI_ERR_INVALID;
  mi_dds_resolved r = {0, MI_DDS_CONFIG_LOOPBACK, MI_DDS_LOOPBACK_CONFIG};

  /* domain: param, then ROS_DOMAIN_ID, then 0 */
  if (p->domain_id >= 0) {
    if (p->domain_id > MI_DDS_DOMAIN_MAX) {
      snprintf(err, err_sz, "dds.domain_id %lld is outside 0..%d", (long long)p->domain_id,
               MI_DDS_DOMAIN_MAX);
      return MI_ERR_INVALID;
    }
    r.domain_id = (uint32_t)p->domain_id;
  } else if (p->domain_id == -1) {
    const char *env = getenv("ROS_DOMAIN_ID");
    if (env && *env) {
      mi_status st = parse_domain_env(env, &r.domain_id, err, err_sz);
      if (st) return st;
    }
  } else {
    snprintf(err, err_sz, "dds.domain_id %lld is outside -1..%d", (long long)p->domain_id,
             MI_DDS_DOMAIN_MAX);
    return MI_ERR_INVALID;
  }

  /* configuration: param, then CYCLONEDDS_URI, then loopback */
  const char *c = p->config;
  while (*c == ' ' || *c == '\t' || *c == '\n') c++;
  if (*c) {
    if (strncmp(c, "file://", 7) == 0) {
      if (access(c + 7, R_OK) != 0) {
        snprintf(err, err_sz, "dds.config: cannot read '%s': %s", c + 7, strerror(errno));
        return MI_ERR_INVALID;
      }
    } else if (*c != '<') {
      snprintf(err, err_sz,
               "dds.config must be Cyclone DDS XML (starting with '<') or a file:// URI, "
               "not '%.40s'",
               c);
      return MI_ERR_INVALID;
    }
    r.source = MI_DDS_CONFIG_PARAM;
    r.config = c;
  } else {
    const char *env = getenv("CYCLONEDDS_URI");
    if (env && *env) {
      r.source = MI_DDS_CONFIG_ENV;
      r.config = NULL;
    }
  }
  *out = r;
  return MI_OK;
}
