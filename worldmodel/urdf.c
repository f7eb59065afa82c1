/* worldmodel/urdf.c - the URDF loader (libxml2): links, inertials, joints
 * (revolute, continuous, prismatic, fixed), origins, axes, limits, dynamics,
 * collision primitives. Every error names file, line and element. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "worldmodel/model.h"

typedef struct urdf_ctx {
  const char *file;
  char *err;
  size_t err_sz;
} urdf_ctx;

/* "FILE:LINE: element <tag name='x'>: message" */
static mi_status MI_PRINTF(4, 5)
    uerr(const urdf_ctx *c, xmlNode *el, const char *ctxname, const char *fmt, ...) {
  if (!c->err || c->err_sz == 0) return MI_ERR_PARSE;
  /* the link or joint element itself: <joint name='x'>; a child of it: <axis> in 'x' */
  int own = el && (!strcmp((const char *)el->name, "link") || !strcmp((const char *)el->name, "joint"));
  int n = snprintf(c->err, c->err_sz, "%s:%ld: element <%s%s%s%s>%s%s%s: ", c->file,
                   el ? xmlGetLineNo(el) : 0L, el ? (const char *)el->name : "?",
                   own && ctxname ? " name='" : "", own && ctxname ? ctxname : "",
                   own && ctxname ? "'" : "", !own && ctxname ? " in '" : "",
                   !own && ctxname ? ctxname : "", !own && ctxname ? "'" : "");
  if (n < 0 || (size_t)n >= c->err_sz) return MI_ERR_PARSE;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err + n, c->err_sz - (size_t)n, fmt, ap);
  va_end(ap);
  return MI_ERR_PARSE;
}

static int is_el(const xmlNode *n, const char *name) {
  return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *child(xmlNode *el, const char *name) {
  for (xmlNode *n = el->children; n; n = n->next)
    if (is_el(n, name)) return n;
  return NULL;
}

/* attribute text copied into buf; 0 when absent */
static int attr(xmlNode *el, const char *name, char *buf, size_t sz) {
  xmlChar *v = xmlGetProp(el, (const xmlChar *)name);
  if (!v) return 0;
  snprintf(buf, sz, "%s", (const char *)v);
  xmlFree(v);
  return 1;
}

/* parse exactly n finite numbers separated by blanks */
static mi_status parse_nums(const urdf_ctx *c, xmlNode *el, const char *owner, const char *name,
                            double *out, int n, int required, const double *dflt) {
  char buf[256];
  if (!attr(el, name, buf, sizeof buf)) {
    if (required) return uerr(c, el, owner, "missing attribute '%s'", name);
    for (int i = 0; i < n; i++) out[i] = dflt ? dflt[i] : 0.0;
    return MI_OK;
  }
  const char *s = buf;
  for (int i = 0; i < n; i++) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(v))
      return uerr(c, el, owner, "attribute %s=\"%s\": expected %d finite number%s", name, buf, n,
                  n > 1 ? "s" : "");
    out[i] = v;
    s = end;
  }
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
  if (*s) return uerr(c, el, owner, "attribute %s=\"%s\": expected %d number%s", name, buf, n,
                      n > 1 ? "s" : "");
  return MI_OK;
}

/* <origin xyz rpy> of el (identity when absent) */
static mi_status parse_origin(const urdf_ctx *c, xmlNode *el, const char *owner, mi_pose *out) {
  *out = mi_pose_identity();
  xmlNode *o = child(el, "origin");
  if (!o) return MI_OK;
  double xyz[3], rpy[3];
  mi_status st = parse_nums(c, o, owner, "xyz", xyz, 3, 0, NULL);
  if (st) return st;
  if ((st = parse_nums(c, o, owner, "rpy", rpy, 3, 0, NULL))) return st;
  out->p = mi_vec3_make(xyz[0], xyz[1], xyz[2]);
  out->q = mi_quat_from_rpy(rpy[0], rpy[1], rpy[2]);
  return MI_OK;
}

static mi_status parse_inertial(const urdf_ctx *c, xmlNode *in, mi_wm_link *l) {
  mi_pose o;
  mi_status st = parse_origin(c, in, l->name, &o);
  if (st) return st;
  xmlNode *mass = child(in, "mass");
  if (!mass) return uerr(c, in, l->name, "missing <mass value=...>");
  if ((st = parse_nums(c, mass, l->name, "value", &l->mass, 1, 1, NULL))) return st;
  if (l->mass < 0) return uerr(c, mass, l->name, "mass %g is negative", l->mass);
  xmlNode *ie = child(in, "inertia");
  double I[6] = {0, 0, 0, 0, 0, 0};
  if (ie) {
    static const char *const k[6] = {"ixx", "iyy", "izz", "ixy", "ixz", "iyz"};
    for (int i = 0; i < 6; i++)
      if ((st = parse_nums(c, ie, l->name, k[i], &I[i], 1, i < 3, NULL))) return st;
    if (I[0] < 0 || I[1] < 0 || I[2] < 0)
      return uerr(c, ie, l->name, "negative principal moment (ixx %g, iyy %g, izz %g)", I[0],
                  I[1], I[2]);
  } else if (l->mass > 0) {
    return uerr(c, in, l->name, "missing <inertia> for a link of mass %g", l->mass);
  }
  /* rotate the inertia from the inertial frame into link axes: R I R^T */
  mi_mat3 Ii = {{I[0], I[3], I[4], I[3], I[1], I[5], I[4], I[5], I[2]}};
  mi_mat3 R = mi_quat_to_mat3(o.q), Rt = mi_mat3_transpose(&R);
  mi_mat3 t = mi_mat3_mul(&R, &Ii);
  l->inertia = mi_mat3_mul(&t, &Rt);
  l->com = o.p;
  return MI_OK;
}

static mi_status parse_collision(const urdf_ctx *c, mi_model *m, xmlNode *col, int li) {
  mi_wm_link *l = &m->link[li];
  xmlNode *g = child(col, "geometry");
  if (!g) return uerr(c, col, l->name, "missing <geometry>");
  xmlNode *s = NULL;
  for (xmlNode *n = g->children; n; n = n->next)
    if (n->type == XML_ELEMENT_NODE) {
      s = n;
      break;
    }
  if (!s) return uerr(c, g, l->name, "empty <geometry>: expected box, cylinder, sphere or mesh");
  if (is_el(s, "mesh")) {
    if (!l->mesh_line) l->mesh_line = (int)xmlGetLineNo(s);
    return MI_OK;
  }
  if (m->ngeom >= MI_WM_MAX_GEOMS) {
    uerr(c, s, l->name, "more than %d collision shapes", MI_WM_MAX_GEOMS);
    return MI_ERR_RANGE;
  }
  mi_wm_geom *ge = &m->geom[m->ngeom];
  memset(ge, 0, sizeof *ge);
  char lname[32];
  memcpy(lname, l->name, sizeof lname - 1);
  lname[sizeof lname - 1] = 0; /* leave room for the index */
  snprintf(ge->name, sizeof ge->name, "%s/%d", lname, m->ngeom % 1000);
  ge->link = li;
  ge->body = -1;
  mi_status st = parse_origin(c, col, l->name, &ge->pose);
  if (st) return st;
  if (is_el(s, "box")) {
    double sz[3];
    if ((st = parse_nums(c, s, l->name, "size", sz, 3, 1, NULL))) return st;
    ge->type = MI_WM_SHAPE_BOX;
    for (int i = 0; i < 3; i++) ge->size[i] = 0.5 * sz[i];
  } else if (is_el(s, "cylinder")) {
    double r, len;
    if ((st = parse_nums(c, s, l->name, "radius", &r, 1, 1, NULL))) return st;
    if ((st = parse_nums(c, s, l->name, "length", &len, 1, 1, NULL))) return st;
    ge->type = MI_WM_SHAPE_CYLINDER;
    ge->size[0] = r;
    ge->size[1] = 0.5 * len;
  } else if (is_el(s, "sphere")) {
    if ((st = parse_nums(c, s, l->name, "radius", &ge->size[0], 1, 1, NULL))) return st;
    ge->type = MI_WM_SHAPE_SPHERE;
  } else {
    return uerr(c, s, l->name, "unknown geometry '%s': expected box, cylinder, sphere or mesh",
                (const char *)s->name);
  }
  for (int i = 0; i < 3; i++)
    if (ge->size[i] < 0) return uerr(c, s, l->name, "negative size");
  if (ge->size[0] <= 0) return uerr(c, s, l->name, "zero size");
  m->ngeom++;
  return MI_OK;
}

static mi_status parse_link(const urdf_ctx *c, mi_model *m, xmlNode *el) {
  char name[MI_WM_NAME_MAX];
  if (!attr(el, "name", name, sizeof name) || !name[0])
    return uerr(c, el, NULL, "missing attribute 'name'");
  if (mi_wm_link_index(m, name) >= 0) return uerr(c, el, name, "duplicate link name");
  if (m->nlink >= MI_WM_MAX_LINKS) {
    uerr(c, el, name, "more than %d links", MI_WM_MAX_LINKS);
    return MI_ERR_RANGE;
  }
  int li = m->nlink++;
  mi_wm_link *l = &m->link[li];
  memset(l, 0, sizeof *l);
  snprintf(l->name, sizeof l->name, "%s", name);
  l->parent_link = -1;
  l->body = -1;
  l->in_body = mi_pose_identity();
  l->line = (int)xmlGetLineNo(el);
  mi_status st;
  xmlNode *in = child(el, "inertial");
  if (in && (st = parse_inertial(c, in, l))) return st;
  for (xmlNode *n = el->children; n; n = n->next)
    if (is_el(n, "collision") && (st = parse_collision(c, m, n, li))) return st;
  return MI_OK;
}

static mi_status link_ref(const urdf_ctx *c, mi_model *m, xmlNode *el, const char *jname,
                          const char *which, int *out) {
  xmlNode *r = child(el, which);
  char ln[MI_WM_NAME_MAX];
  if (!r || !attr(r, "link", ln, sizeof ln))
    return uerr(c, r ? r : el, jname, "missing <%s link=...>", which);
  int li = mi_wm_link_index(m, ln);
  if (li < 0) return uerr(c, r, jname, "%s link '%s' is not defined", which, ln);
  *out = li;
  return MI_OK;
}

static mi_status parse_joint(const urdf_ctx *c, mi_model *m, xmlNode *el) {
  char name[MI_WM_NAME_MAX], type[32];
  if (!attr(el, "name", name, sizeof name) || !name[0])
    return uerr(c, el, NULL, "missing attribute 'name'");
  if (mi_wm_joint_index(m, name) >= 0) return uerr(c, el, name, "duplicate joint name");
  if (!attr(el, "type", type, sizeof type)) return uerr(c, el, name, "missing attribute 'type'");
  if (m->njoint >= MI_WM_MAX_LINKS) {
    uerr(c, el, name, "more than %d joints", MI_WM_MAX_LINKS);
    return MI_ERR_RANGE;
  }
  mi_wm_joint *j = &m->joint[m->njoint];
  memset(j, 0, sizeof *j);
  snprintf(j->name, sizeof j->name, "%s", name);
  j->line = (int)xmlGetLineNo(el);
  j->dof = -1;
  if (!strcmp(type, "revolute"))
    j->type = MI_WM_JOINT_REVOLUTE;
  else if (!strcmp(type, "continuous"))
    j->type = MI_WM_JOINT_CONTINUOUS;
  else if (!strcmp(type, "prismatic"))
    j->type = MI_WM_JOINT_PRISMATIC;
  else if (!strcmp(type, "fixed"))
    j->type = MI_WM_JOINT_FIXED;
  else if (!strcmp(type, "floating") || !strcmp(type, "planar"))
    return uerr(c, el, name, "joint type '%s' is not supported (a fixed-base arm is expected)",
                type);
  else
    return uerr(c, el, name,
                "unknown joint type '%s': expected revolute, continuous, prismatic or fixed", type);
  mi_status st;
  if ((st = link_ref(c, m, el, name, "parent", &j->parent_link))) return st;
  if ((st = link_ref(c, m, el, name, "child", &j->child_link))) return st;
  if (j->parent_link == j->child_link) return uerr(c, el, name, "parent and child are the same");
  if ((st = parse_origin(c, el, name, &j->origin))) return st;

  /* axis, default x as in the URDF spec */
  static const double ax_default[3] = {1, 0, 0};
  double ax[3];
  xmlNode *a = child(el, "axis");
  if (a) {
    if ((st = parse_nums(c, a, name, "xyz", ax, 3, 1, NULL))) return st;
  } else {
    memcpy(ax, ax_default, sizeof ax);
  }
  double an = sqrt(ax[0] * ax[0] + ax[1] * ax[1] + ax[2] * ax[2]);
  if (j->type != MI_WM_JOINT_FIXED && an < 1e-9)
    return uerr(c, a ? a : el, name, "axis has zero length");
  if (an > 0) j->axis = mi_vec3_make(ax[0] / an, ax[1] / an, ax[2] / an);

  /* limits: required for revolute and prismatic (URDF spec) */
  j->lower = -INFINITY;
  j->upper = INFINITY;
  j->effort = INFINITY;
  j->velocity = INFINITY;
  xmlNode *lim = child(el, "limit");
  if (lim && j->type != MI_WM_JOINT_FIXED) {
    if ((st = parse_nums(c, lim, name, "effort", &j->effort, 1, 1, NULL))) return st;
    if ((st = parse_nums(c, lim, name, "velocity", &j->velocity, 1, 1, NULL))) return st;
    if (j->effort < 0 || j->velocity < 0)
      return uerr(c, lim, name, "negative effort or velocity limit");
    if (j->type != MI_WM_JOINT_CONTINUOUS) {
      double zero = 0;
      if ((st = parse_nums(c, lim, name, "lower", &j->lower, 1, 0, &zero))) return st;
      if ((st = parse_nums(c, lim, name, "upper", &j->upper, 1, 0, &zero))) return st;
      if (j->lower > j->upper)
        return uerr(c, lim, name, "lower limit %g is above upper limit %g", j->lower, j->upper);
    }
  } else if (!lim && (j->type == MI_WM_JOINT_REVOLUTE || j->type == MI_WM_JOINT_PRISMATIC)) {
    return uerr(c, el, name, "missing <limit> (required for a %s joint)", type);
  }
  xmlNode *dy = child(el, "dynamics");
  if (dy) {
    if ((st = parse_nums(c, dy, name, "damping", &j->damping, 1, 0, NULL))) return st;
    if ((st = parse_nums(c, dy, name, "friction", &j->friction, 1, 0, NULL))) return st;
    if (j->damping < 0 || j->friction < 0)
      return uerr(c, dy, name, "negative damping or friction");
  }
  if (m->link[j->child_link].parent_link >= 0)
    return uerr(c, el, name, "link '%s' already has a parent joint",
                m->link[j->child_link].name);
  m->link[j->child_link].parent_link = j->parent_link;
  m->njoint++;
  return MI_OK;
}

mi_status mi_wm_urdf_parse(mi_model *m, const char *text, size_t len, const char *name,
                           char *err, size_t err_sz) {
  urdf_ctx c = {name ? name : "<urdf>", err, err_sz};
  memset(m, 0, sizeof *m);
  if (len > (size_t)2147483647) {
    uerr(&c, NULL, NULL, "file too large");
    return MI_ERR_RANGE;
  }
  xmlDoc *doc = xmlReadMemory(text, (int)len, c.file, NULL,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!doc) {
    const xmlError *e = xmlGetLastError();
    if (err && err_sz)
      snprintf(err, err_sz, "%s:%d: not well-formed XML: %s", c.file, e ? e->line : 0,
               e && e->message ? e->message : "parse error");
    /* libxml2 messages end with a newline */
    if (err && err_sz) {
      size_t n = strlen(err);
      while (n && (err[n - 1] == '\n' || err[n - 1] == '\r')) err[--n] = 0;
    }
    return MI_ERR_PARSE;
  }
  mi_status st = MI_OK;
  xmlNode *root = xmlDocGetRootElement(doc);
  if (!root || !is_el(root, "robot")) {
    st = uerr(&c, root, NULL, "the root element must be <robot>");
    goto done;
  }
  attr(root, "name", m->name, sizeof m->name);
  /* links first: joints refer to them by name, in any order */
  for (xmlNode *n = root->children; n; n = n->next)
    if (is_el(n, "link") && (st = parse_link(&c, m, n))) goto done;
  for (xmlNode *n = root->children; n; n = n->next)
    if (is_el(n, "joint") && (st = parse_joint(&c, m, n))) goto done;
  if (m->nlink == 0) {
    st = uerr(&c, root, m->name, "no <link> elements");
    goto done;
  }
  /* exactly one root */
  int root_link = -1;
  for (int i = 0; i < m->nlink; i++)
    if (m->link[i].parent_link < 0) {
      if (root_link >= 0) {
        if (err && err_sz)
          snprintf(err, err_sz,
                   "%s:%d: element <link name='%s'>: second root link (already '%s'); every "
                   "link but one needs a parent joint",
                   c.file, m->link[i].line, m->link[i].name, m->link[root_link].name);
        st = MI_ERR_PARSE;
        goto done;
      }
      root_link = i;
    }
  if (root_link < 0) {
    st = uerr(&c, root, m->name, "the joints form a cycle: no root link");
    goto done;
  }
done:
  xmlFreeDoc(doc);
  return st;
}
