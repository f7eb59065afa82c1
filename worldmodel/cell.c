/* worldmodel/cell.c - the cell YAML loader: robot base pose, end effector
 * and tool, collision spheres per link, fixtures, conveyor, parts, zones.
 * Errors name file:line:col and the key (core/yaml.h). Format: README
 * section docs/readme/worldmodel.md. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/yaml.h"
#include "worldmodel/model.h"

typedef struct cell_ctx {
  const mi_yaml_doc *doc;
  char *err;
  size_t err_sz;
} cell_ctx;

/* every key of map must be one of keys */
static mi_status check_keys(const cell_ctx *c, const mi_yaml_node *map, const char *what,
                            const char *const *keys, size_t nkeys) {
  char buf[64];
  if (!map || map->kind != MI_YAML_MAP)
    return mi_yaml_error(c->doc, map, c->err, c->err_sz, "%s: expected a map, got %s", what,
                         mi_yaml_describe(map, buf, sizeof buf));
  for (size_t i = 0; i < map->n; i++) {
    const char *k = map->keys[i]->scalar ? map->keys[i]->scalar : "";
    size_t j = 0;
    while (j < nkeys && strcmp(k, keys[j])) j++;
    if (j == nkeys) {
      const char *dym = mi_did_you_mean(k, keys, nkeys);
      return mi_yaml_error(c->doc, map->keys[i], c->err, c->err_sz, "%s: unknown key '%s'%s%s%s",
                           what, k, dym ? " (did you mean '" : "", dym ? dym : "", dym ? "'?)" : "");
    }
  }
  return MI_OK;
}

static mi_status get_nums(const cell_ctx *c, const mi_yaml_node *n, const char *what, double *out,
                          size_t min_n, size_t max_n, size_t *got) {
  char buf[64];
  if (!n || n->kind != MI_YAML_SEQ || n->n < min_n || n->n > max_n)
    return mi_yaml_error(c->doc, n, c->err, c->err_sz, "%s: expected a list of %zu%s numbers, got %s",
                         what, min_n, max_n > min_n ? " or more" : "",
                         mi_yaml_describe(n, buf, sizeof buf));
  for (size_t i = 0; i < n->n; i++) {
    if (mi_yaml_double(n->items[i], &out[i]) != MI_OK || !isfinite(out[i]))
      return mi_yaml_error(c->doc, n->items[i], c->err, c->err_sz,
                           "%s: expected a finite number, got %s", what,
                           mi_yaml_describe(n->items[i], buf, sizeof buf));
  }
  if (got) *got = n->n;
  return MI_OK;
}

static mi_status get_num(const cell_ctx *c, const mi_yaml_node *n, const char *what, double *out,
                         double lo) {
  char buf[64];
  if (!n || mi_yaml_double(n, out) != MI_OK || !isfinite(*out))
    return mi_yaml_error(c->doc, n, c->err, c->err_sz, "%s: expected a finite number, got %s", what,
                         mi_yaml_describe(n, buf, sizeof buf));
  if (*out < lo)
    return mi_yaml_error(c->doc, n, c->err, c->err_sz, "%s: %g is below %g", what, *out, lo);
  return MI_OK;
}

/* {xyz: [x, y, z], rpy: [r, p, y]} */
static mi_status get_pose(const cell_ctx *c, const mi_yaml_node *n, const char *what,
                          mi_pose *out) {
  static const char *const keys[] = {"xyz", "rpy"};
  mi_status st = check_keys(c, n, what, keys, 2);
  if (st) return st;
  double xyz[3] = {0, 0, 0}, rpy[3] = {0, 0, 0};
  const mi_yaml_node *v;
  if ((v = mi_yaml_get(n, "xyz")) && (st = get_nums(c, v, what, xyz, 3, 3, NULL))) return st;
  if ((v = mi_yaml_get(n, "rpy")) && (st = get_nums(c, v, what, rpy, 3, 3, NULL))) return st;
  out->p = mi_vec3_make(xyz[0], xyz[1], xyz[2]);
  out->q = mi_quat_from_rpy(rpy[0], rpy[1], rpy[2]);
  return MI_OK;
}

/* a shape: {name, shape: box|cylinder|sphere, size: [...], pose: {...}} plus extra keys */
static mi_status get_shape(const cell_ctx *c, const mi_yaml_node *n, const char *what,
                           mi_wm_geom *g, const char *const *keys, size_t nkeys) {
  mi_status st = check_keys(c, n, what, keys, nkeys);
  if (st) return st;
  memset(g, 0, sizeof *g);
  g->link = g->body = -1;
  g->pose = mi_pose_identity();
  const mi_yaml_node *v = mi_yaml_get(n, "name");
  if (v && v->kind == MI_YAML_SCALAR) snprintf(g->name, sizeof g->name, "%s", v->scalar);
  v = mi_yaml_get(n, "shape");
  if (!v || v->kind != MI_YAML_SCALAR)
    return mi_yaml_error(c->doc, v ? v : n, c->err, c->err_sz,
                         "%s: missing 'shape' (box, cylinder or sphere)", what);
  size_t want;
  if (!strcmp(v->scalar, "box")) {
    g->type = MI_WM_SHAPE_BOX;
    want = 3;
  } else if (!strcmp(v->scalar, "cylinder")) {
    g->type = MI_WM_SHAPE_CYLINDER;
    want = 2;
  } else if (!strcmp(v->scalar, "sphere")) {
    g->type = MI_WM_SHAPE_SPHERE;
    want = 1;
  } else {
    return mi_yaml_error(c->doc, v, c->err, c->err_sz,
                         "%s: unknown shape '%s' (expected box, cylinder or sphere)", what,
                         v->scalar);
  }
  double sz[3] = {0, 0, 0};
  v = mi_yaml_get(n, "size");
  if (!v) return mi_yaml_error(c->doc, n, c->err, c->err_sz, "%s: missing 'size'", what);
  if ((st = get_nums(c, v, what, sz, want, want, NULL))) return st;
  for (size_t i = 0; i < want; i++)
    if (!(sz[i] > 0))
      return mi_yaml_error(c->doc, v->items[i], c->err, c->err_sz, "%s: size must be > 0", what);
  /* stored as half extents / radius + half length */
  if (g->type == MI_WM_SHAPE_BOX)
    for (int i = 0; i < 3; i++) g->size[i] = 0.5 * sz[i];
  else if (g->type == MI_WM_SHAPE_CYLINDER) {
    g->size[0] = sz[0];
    g->size[1] = 0.5 * sz[1];
  } else
    g->size[0] = sz[0];
  if ((v = mi_yaml_get(n, "pose")) && (st = get_pose(c, v, what, &g->pose))) return st;
  return MI_OK;
}

static mi_status parse_robot(const cell_ctx *c, mi_model *m, const mi_yaml_node *r) {
  static const char *const keys[] = {"base", "end_effector", "spheres"};
  mi_status st = check_keys(c, r, "robot", keys, MI_ARRAY_LEN(keys));
  if (st) return st;
  const mi_yaml_node *v;
  if ((v = mi_yaml_get(r, "base")) && (st = get_pose(c, v, "robot.base", &m->base))) return st;
  if ((v = mi_yaml_get(r, "end_effector"))) {
    static const char *const ek[] = {"link", "tool"};
    if ((st = check_keys(c, v, "robot.end_effector", ek, 2))) return st;
    const mi_yaml_node *l = mi_yaml_get(v, "link");
    if (!l || l->kind != MI_YAML_SCALAR)
      return mi_yaml_error(c->doc, l ? l : v, c->err, c->err_sz,
                           "robot.end_effector: missing 'link'");
    int li = mi_wm_link_index(m, l->scalar);
    if (li < 0) {
      const char *names[MI_WM_MAX_LINKS];
      for (int i = 0; i < m->nlink; i++) names[i] = m->link[i].name;
      const char *dym = mi_did_you_mean(l->scalar, names, (size_t)m->nlink);
      return mi_yaml_error(c->doc, l, c->err, c->err_sz,
                           "robot.end_effector.link: the URDF has no link '%s'%s%s%s", l->scalar,
                           dym ? " (did you mean '" : "", dym ? dym : "", dym ? "'?)" : "");
    }
    m->ee_link = li;
    const mi_yaml_node *t = mi_yaml_get(v, "tool");
    if (t && (st = get_pose(c, t, "robot.end_effector.tool", &m->tool))) return st;
  }
  if ((v = mi_yaml_get(r, "spheres"))) {
    char buf[64];
    if (v->kind != MI_YAML_MAP)
      return mi_yaml_error(c->doc, v, c->err, c->err_sz,
                           "robot.spheres: expected a map link -> [[x, y, z, r], ...], got %s",
                           mi_yaml_describe(v, buf, sizeof buf));
    for (size_t i = 0; i < v->n; i++) {
      const char *ln = v->keys[i]->scalar ? v->keys[i]->scalar : "";
      int li = mi_wm_link_index(m, ln);
      if (li < 0)
        return mi_yaml_error(c->doc, v->keys[i], c->err, c->err_sz,
                             "robot.spheres: the URDF has no link '%s'", ln);
      const mi_yaml_node *list = v->items[i];
      if (list->kind != MI_YAML_SEQ)
        return mi_yaml_error(c->doc, list, c->err, c->err_sz,
                             "robot.spheres.%s: expected a list of [x, y, z, r]", ln);
      for (size_t k = 0; k < list->n; k++) {
        double s[4];
        if ((st = get_nums(c, list->items[k], "robot.spheres", s, 4, 4, NULL))) return st;
        if (!(s[3] > 0))
          return mi_yaml_error(c->doc, list->items[k], c->err, c->err_sz,
                               "robot.spheres.%s: radius must be > 0", ln);
        if (m->nsphere >= MI_WM_MAX_SPHERES)
          return mi_yaml_error(c->doc, list->items[k], c->err, c->err_sz,
                               "robot.spheres: more than %d spheres", MI_WM_MAX_SPHERES);
        mi_wm_sphere *sp = &m->sphere[m->nsphere++];
        sp->link = li;
        sp->body = -1;
        sp->center = mi_vec3_make(s[0], s[1], s[2]);
        sp->radius = s[3];
      }
    }
  }
  return MI_OK;
}

static mi_status parse_list(const cell_ctx *c, mi_model *m, const mi_yaml_node *n,
                            const char *what) {
  char buf[64];
  if (n->kind != MI_YAML_SEQ)
    return mi_yaml_error(c->doc, n, c->err, c->err_sz, "%s: expected a list, got %s", what,
                         mi_yaml_describe(n, buf, sizeof buf));
  static const char *const gk[] = {"name", "shape", "size", "pose"};
  static const char *const pk[] = {"name", "shape", "size", "pose", "mass"};
  for (size_t i = 0; i < n->n; i++) {
    const mi_yaml_node *it = n->items[i];
    mi_status st;
    if (!strcmp(what, "fixtures")) {
      if (m->nfixture >= MI_WM_MAX_FIXTURES)
        return mi_yaml_error(c->doc, it, c->err, c->err_sz, "fixtures: more than %d",
                             MI_WM_MAX_FIXTURES);
      if ((st = get_shape(c, it, what, &m->fixture[m->nfixture], gk, 4))) return st;
      m->nfixture++;
    } else if (!strcmp(what, "zones")) {
      if (m->nzone >= MI_WM_MAX_ZONES)
        return mi_yaml_error(c->doc, it, c->err, c->err_sz, "zones: more than %d",
                             MI_WM_MAX_ZONES);
      if ((st = get_shape(c, it, what, &m->zone[m->nzone], gk, 4))) return st;
      m->nzone++;
    } else {
      if (m->npart >= MI_WM_MAX_PARTS)
        return mi_yaml_error(c->doc, it, c->err, c->err_sz, "parts: more than %d",
                             MI_WM_MAX_PARTS);
      mi_wm_part *p = &m->part[m->npart];
      if ((st = get_shape(c, it, what, &p->shape, pk, 5))) return st;
      memcpy(p->name, p->shape.name, sizeof p->name);
      const mi_yaml_node *ms = mi_yaml_get(it, "mass");
      if (!ms) return mi_yaml_error(c->doc, it, c->err, c->err_sz, "parts: missing 'mass'");
      if ((st = get_num(c, ms, "parts.mass", &p->mass, 0))) return st;
      if (!(p->mass > 0))
        return mi_yaml_error(c->doc, ms, c->err, c->err_sz, "parts.mass: must be > 0");
      m->npart++;
    }
  }
  return MI_OK;
}

static mi_status parse_conveyor(const cell_ctx *c, mi_model *m, const mi_yaml_node *n) {
  static const char *const keys[] = {"belt", "direction", "speed"};
  mi_status st = check_keys(c, n, "conveyor", keys, 3);
  if (st) return st;
  mi_wm_conveyor *cv = &m->conveyor;
  const mi_yaml_node *b = mi_yaml_get(n, "belt");
  if (!b) return mi_yaml_error(c->doc, n, c->err, c->err_sz, "conveyor: missing 'belt'");
  static const char *const bk[] = {"size", "pose"};
  if ((st = check_keys(c, b, "conveyor.belt", bk, 2))) return st;
  memset(&cv->belt, 0, sizeof cv->belt);
  snprintf(cv->belt.name, sizeof cv->belt.name, "conveyor");
  cv->belt.type = MI_WM_SHAPE_BOX;
  cv->belt.link = cv->belt.body = -1;
  cv->belt.pose = mi_pose_identity();
  double sz[3];
  const mi_yaml_node *v = mi_yaml_get(b, "size");
  if (!v) return mi_yaml_error(c->doc, b, c->err, c->err_sz, "conveyor.belt: missing 'size'");
  if ((st = get_nums(c, v, "conveyor.belt.size", sz, 3, 3, NULL))) return st;
  for (int i = 0; i < 3; i++) {
    if (!(sz[i] > 0))
      return mi_yaml_error(c->doc, v, c->err, c->err_sz, "conveyor.belt.size: must be > 0");
    cv->belt.size[i] = 0.5 * sz[i];
  }
  if ((v = mi_yaml_get(b, "pose")) && (st = get_pose(c, v, "conveyor.belt.pose", &cv->belt.pose)))
    return st;
  double d[3] = {1, 0, 0};
  if ((v = mi_yaml_get(n, "direction"))) {
    if ((st = get_nums(c, v, "conveyor.direction", d, 3, 3, NULL))) return st;
    double nn = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    if (!(nn > 1e-9))
      return mi_yaml_error(c->doc, v, c->err, c->err_sz, "conveyor.direction: zero vector");
    for (int i = 0; i < 3; i++) d[i] /= nn;
  }
  cv->direction = mi_vec3_make(d[0], d[1], d[2]);
  cv->speed = 0;
  if ((v = mi_yaml_get(n, "speed")) && (st = get_num(c, v, "conveyor.speed", &cv->speed, 0)))
    return st;
  cv->present = true;
  return MI_OK;
}

/* apply a parsed cell document; frees doc */
static mi_status apply_doc(mi_model *m, mi_yaml_doc *doc, const char *path, char *err,
                           size_t err_sz) {
  cell_ctx c = {doc, err, err_sz};
  const mi_yaml_node *root = mi_yaml_root(doc);
  static const char *const keys[] = {"robot", "ground_z", "fixtures", "conveyor", "parts", "zones"};
  mi_status st = check_keys(&c, root, "cell", keys, MI_ARRAY_LEN(keys));
  const mi_yaml_node *v;
  if (!st && (v = mi_yaml_get(root, "robot"))) st = parse_robot(&c, m, v);
  if (!st && (v = mi_yaml_get(root, "ground_z"))) st = get_num(&c, v, "ground_z", &m->ground_z, -1e9);
  if (!st && (v = mi_yaml_get(root, "fixtures"))) st = parse_list(&c, m, v, "fixtures");
  if (!st && (v = mi_yaml_get(root, "conveyor"))) st = parse_conveyor(&c, m, v);
  if (!st && (v = mi_yaml_get(root, "parts"))) st = parse_list(&c, m, v, "parts");
  if (!st && (v = mi_yaml_get(root, "zones"))) st = parse_list(&c, m, v, "zones");
  if (!st) snprintf(m->cell_path, sizeof m->cell_path, "%s", path);
  mi_yaml_free(doc);
  return st;
}

mi_status mi_wm_cell_apply(mi_model *m, const char *path, char *err, size_t err_sz) {
  mi_yaml_doc *doc = mi_yaml_load_file(path, err, err_sz);
  if (!doc) return MI_ERR_PARSE;
  return apply_doc(m, doc, path, err, err_sz);
}

mi_status mi_wm_cell_apply_string(mi_model *m, const char *text, size_t len, const char *name,
                                  char *err, size_t err_sz) {
  if (!name) name = "<cell>";
  mi_yaml_doc *doc = mi_yaml_load_string(text, len, name, err, err_sz);
  if (!doc) return MI_ERR_PARSE;
  return apply_doc(m, doc, name, err, err_sz);
}
