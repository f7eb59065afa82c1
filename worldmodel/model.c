/* worldmodel/model.c - compiling a parsed URDF (+ cell) into mi_model:
 * fusing fixed joints, ordering bodies, joint frames with the axis on +z,
 * body inertias, collision spheres and the dynamics tables. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worldmodel/model.h"
#include "worldmodel/verify.h"

static mi_status MI_PRINTF(5, 6) merr(const mi_model *m, int line, char *err, size_t err_sz,
                                      const char *fmt, ...) {
  if (!err || !err_sz) return MI_ERR_INVALID;
  int n = snprintf(err, err_sz, "%s:%d: ", m->urdf_path[0] ? m->urdf_path : "<urdf>", line);
  if (n < 0 || (size_t)n >= err_sz) return MI_ERR_INVALID;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err + n, err_sz - (size_t)n, fmt, ap);
  va_end(ap);
  return MI_ERR_INVALID;
}

int mi_wm_link_index(const mi_model *m, const char *name) {
  for (int i = 0; i < m->nlink; i++)
    if (!strcmp(m->link[i].name, name)) return i;
  return -1;
}

int mi_wm_joint_index(const mi_model *m, const char *name) {
  for (int i = 0; i < m->njoint; i++)
    if (!strcmp(m->joint[i].name, name)) return i;
  return -1;
}

int mi_wm_dof_index(const mi_model *m, const char *joint_name) {
  int j = mi_wm_joint_index(m, joint_name);
  return j < 0 ? -1 : m->joint[j].dof;
}

/* the rotation taking +z onto unit axis a */
static mi_quat z_to_axis(mi_vec3 a) {
  mi_vec3 z = mi_vec3_make(0, 0, 1);
  double c = mi_vec3_dot(z, a);
  if (c > 1.0 - 1e-15) return mi_quat_identity();
  if (c < -1.0 + 1e-15) return mi_quat_from_axis_angle(mi_vec3_make(1, 0, 0), MI_PI);
  mi_vec3 ax = mi_vec3_normalize(mi_vec3_cross(z, a));
  return mi_quat_from_axis_angle(ax, acos(c));
}

static void pose_to_rows(mi_pose p, double rot[9], double pos[3]) {
  mi_mat3 R = mi_quat_to_mat3(mi_quat_normalize(p.q));
  memcpy(rot, R.m, sizeof R.m);
  pos[0] = p.p.x;
  pos[1] = p.p.y;
  pos[2] = p.p.z;
}

/* spheres covering a primitive, in its own frame, appended to m */
static mi_status cover_geom(mi_model *m, const mi_wm_geom *g, char *err, size_t err_sz) {
  mi_vec3 c[64];
  double r = 0;
  int n = 0;
  if (g->type == MI_WM_SHAPE_SPHERE) {
    c[0] = mi_vec3_make(0, 0, 0);
    r = g->size[0];
    n = 1;
  } else {
    /* the longest axis carries n spheres, each covering a slab of it */
    double he[3];
    int ax;
    if (g->type == MI_WM_SHAPE_BOX) {
      memcpy(he, g->size, sizeof he);
      ax = (he[0] >= he[1] && he[0] >= he[2]) ? 0 : (he[1] >= he[2] ? 1 : 2);
    } else {
      he[0] = he[1] = g->size[0];
      he[2] = g->size[1];
      ax = 2;
    }
    double rp = g->type == MI_WM_SHAPE_BOX
                    ? sqrt(he[(ax + 1) % 3] * he[(ax + 1) % 3] + he[(ax + 2) % 3] * he[(ax + 2) % 3])
                    : g->size[0];
    n = (int)ceil(he[ax] / rp - 1e-9);
    if (n < 1) n = 1;
    if (n > 64) n = 64;
    double slab = he[ax] / n;
    r = sqrt(rp * rp + slab * slab);
    for (int i = 0; i < n; i++) {
      double t = -he[ax] + slab * (2 * i + 1);
      double v[3] = {0, 0, 0};
      v[ax] = t;
      c[i] = mi_vec3_make(v[0], v[1], v[2]);
    }
  }
  for (int i = 0; i < n; i++) {
    if (m->nsphere >= MI_WM_MAX_SPHERES)
      return merr(m, m->link[g->link].line, err, err_sz,
                  "element <link name='%s'>: more than %d collision spheres", m->link[g->link].name,
                  MI_WM_MAX_SPHERES);
    mi_wm_sphere *s = &m->sphere[m->nsphere++];
    s->link = g->link;
    s->body = -1;
    s->center = mi_pose_apply(g->pose, c[i]);
    s->radius = r;
  }
  return MI_OK;
}

/* fill one precision's tables from the double ones */
#define MI_WM_COPY_DYN_(dst, src)                                                          \
  do {                                                                                     \
    (dst)->ndof = (src)->ndof;                                                             \
    for (int i_ = 0; i_ < MI_WM_MAX_DOF; i_++) {                                           \
      (dst)->parent[i_] = (src)->parent[i_];                                               \
      (dst)->prismatic[i_] = (src)->prismatic[i_];                                         \
      for (int k_ = 0; k_ < 9; k_++) (dst)->tree_rot[i_][k_] = (float)(src)->tree_rot[i_][k_]; \
      for (int k_ = 0; k_ < 3; k_++) {                                                     \
        (dst)->tree_pos[i_][k_] = (float)(src)->tree_pos[i_][k_];                          \
        (dst)->h[i_][k_] = (float)(src)->h[i_][k_];                                        \
      }                                                                                    \
      for (int k_ = 0; k_ < 6; k_++) (dst)->inertia[i_][k_] = (float)(src)->inertia[i_][k_]; \
      (dst)->mass[i_] = (float)(src)->mass[i_];                                            \
      (dst)->lower[i_] = (float)(src)->lower[i_];                                          \
      (dst)->upper[i_] = (float)(src)->upper[i_];                                          \
      (dst)->effort[i_] = (float)(src)->effort[i_];                                        \
      (dst)->velocity[i_] = (float)(src)->velocity[i_];                                    \
      (dst)->damping[i_] = (float)(src)->damping[i_];                                      \
      (dst)->friction[i_] = (float)(src)->friction[i_];                                    \
    }                                                                                      \
    (dst)->friction_vel = (float)(src)->friction_vel;                                      \
    for (int k_ = 0; k_ < 3; k_++) {                                                       \
      (dst)->gravity[k_] = (float)(src)->gravity[k_];                                      \
      (dst)->base_pos[k_] = (float)(src)->base_pos[k_];                                    \
      (dst)->ee_pos[k_] = (float)(src)->ee_pos[k_];                                        \
    }                                                                                      \
    for (int k_ = 0; k_ < 9; k_++) {                                                       \
      (dst)->base_rot[k_] = (float)(src)->base_rot[k_];                                    \
      (dst)->ee_rot[k_] = (float)(src)->ee_rot[k_];                                        \
    }                                                                                      \
    (dst)->nsphere = (src)->nsphere;                                                       \
    for (int s_ = 0; s_ < MI_WM_MAX_SPHERES; s_++) {                                       \
      (dst)->sphere_body[s_] = (src)->sphere_body[s_];                                     \
      (dst)->sphere_r[s_] = (float)(src)->sphere_r[s_];                                    \
      for (int k_ = 0; k_ < 3; k_++) (dst)->sphere_c[s_][k_] = (float)(src)->sphere_c[s_][k_]; \
    }                                                                                      \
    (dst)->ee_body = (src)->ee_body;                                                       \
  } while (0)

mi_status mi_wm_model_compile(mi_model *m, char *err, size_t err_sz) {
  int root = -1;
  for (int i = 0; i < m->nlink; i++)
    if (m->link[i].parent_link < 0) root = i;
  if (root < 0) return merr(m, 0, err, err_sz, "no root link");

  /* walk the tree from the root, parents before children (joint file
   * order among siblings): a stack of links */
  int stack[MI_WM_MAX_LINKS], sp = 0, visited = 0;
  int depth[MI_WM_MAX_LINKS];
  int order[MI_WM_MAX_LINKS];
  for (int i = 0; i < m->nlink; i++) depth[i] = -1;
  m->link[root].body = -1;
  m->link[root].in_body = m->base;
  depth[root] = 0;
  stack[sp++] = root;
  int ndof = 0;
  mi_wm_dynd *d = &m->dyn;
  memset(d, 0, sizeof *d);
  while (sp > 0) {
    int pl = stack[--sp];
    order[visited++] = pl;
    /* push children in reverse file order so they pop in file order */
    for (int ji = m->njoint - 1; ji >= 0; ji--) {
      const mi_wm_joint *j = &m->joint[ji];
      if (j->parent_link != pl) continue;
      depth[j->child_link] = depth[pl] + 1;
      stack[sp++] = j->child_link;
    }
  }
  if (visited != m->nlink) {
    for (int i = 0; i < m->nlink; i++)
      if (depth[i] < 0)
        return merr(m, m->link[i].line, err, err_sz,
                    "element <link name='%s'>: not connected to the root link '%s' (cycle?)",
                    m->link[i].name, m->link[root].name);
  }
  /* assign dofs in visiting order, so parent bodies come first */
  for (int oi = 0; oi < visited; oi++) {
    int cl = order[oi];
    int ji = -1;
    for (int k = 0; k < m->njoint; k++)
      if (m->joint[k].child_link == cl) ji = k;
    if (ji < 0) continue;
    mi_wm_joint *j = &m->joint[ji];
    mi_wm_link *P = &m->link[j->parent_link], *C = &m->link[cl];
    if (j->type == MI_WM_JOINT_FIXED) {
      C->body = P->body;
      C->in_body = mi_pose_mul(P->in_body, j->origin);
      continue;
    }
    if (ndof >= MI_WM_MAX_DOF)
      return merr(m, j->line, err, err_sz, "element <joint name='%s'>: more than %d moving joints",
                  j->name, MI_WM_MAX_DOF);
    int i = ndof++;
    j->dof = i;
    m->dof_joint[i] = ji;
    mi_quat A = z_to_axis(j->axis);
    mi_pose tree = mi_pose_mul(mi_pose_mul(P->in_body, j->origin),
                               (mi_pose){mi_vec3_make(0, 0, 0), A});
    d->parent[i] = P->body;
    d->prismatic[i] = j->type == MI_WM_JOINT_PRISMATIC;
    pose_to_rows(tree, d->tree_rot[i], d->tree_pos[i]);
    d->lower[i] = j->lower;
    d->upper[i] = j->upper;
    d->effort[i] = j->effort;
    d->velocity[i] = j->velocity;
    d->damping[i] = j->damping;
    d->friction[i] = j->friction;
    C->body = i;
    C->in_body.p = mi_vec3_make(0, 0, 0);
    C->in_body.q = mi_quat_conj(A);
  }
  m->ndof = d->ndof = ndof;

  /* body inertias about the body origin, in body axes */
  for (int li = 0; li < m->nlink; li++) {
    const mi_wm_link *l = &m->link[li];
    if (l->body < 0 || l->mass <= 0) continue;
    int b = l->body;
    mi_mat3 R = mi_quat_to_mat3(mi_quat_normalize(l->in_body.q)), Rt = mi_mat3_transpose(&R);
    mi_mat3 t = mi_mat3_mul(&R, &l->inertia);
    mi_mat3 I = mi_mat3_mul(&t, &Rt);
    mi_vec3 c = mi_pose_apply(l->in_body, l->com);
    double mm = l->mass, cc = mi_vec3_dot(c, c);
    d->mass[b] += mm;
    d->h[b][0] += mm * c.x;
    d->h[b][1] += mm * c.y;
    d->h[b][2] += mm * c.z;
    d->inertia[b][0] += I.m[0] + mm * (cc - c.x * c.x);
    d->inertia[b][1] += I.m[4] + mm * (cc - c.y * c.y);
    d->inertia[b][2] += I.m[8] + mm * (cc - c.z * c.z);
    d->inertia[b][3] += I.m[1] - mm * c.x * c.y;
    d->inertia[b][4] += I.m[2] - mm * c.x * c.z;
    d->inertia[b][5] += I.m[5] - mm * c.y * c.z;
  }
  for (int i = 0; i < ndof; i++) {
    const mi_wm_joint *j = &m->joint[m->dof_joint[i]];
    if (!(d->mass[i] > 0))
      return merr(m, j->line, err, err_sz,
                  "element <joint name='%s'>: moves link '%s' and its fixed children, which have "
                  "no mass (give the child link an <inertial>)",
                  j->name, m->link[j->child_link].name);
    /* the body alone must resist the joint: its inertia about the axis (or mass) > 0 */
    if (!d->prismatic[i] && !(d->inertia[i][2] > 1e-12))
      return merr(m, j->line, err, err_sz,
                  "element <joint name='%s'>: the moved body has no inertia about the axis",
                  j->name);
  }

  /* gravity, friction saturation speed, base pose */
  d->gravity[2] = -9.81;
  d->friction_vel = 0.01;
  pose_to_rows(m->base, d->base_rot, d->base_pos);

  /* collision spheres: a link's from the cell file where it gives them,
   * else covering the link's primitives (a mesh needs the cell's) */
  {
    bool given[MI_WM_MAX_LINKS] = {false};
    for (int s = 0; s < m->nsphere; s++) given[m->sphere[s].link] = true;
    for (int li = 0; li < m->nlink; li++)
      if (m->link[li].mesh_line && !given[li])
        return merr(m, m->link[li].mesh_line, err, err_sz,
                    "element <mesh> of link '%s': a mesh collision needs collision spheres "
                    "for this link in the cell file (spheres: {%s: [[x, y, z, r], ...]})",
                    m->link[li].name, m->link[li].name);
    for (int g = 0; g < m->ngeom; g++) {
      if (given[m->geom[g].link]) continue;
      mi_status st = cover_geom(m, &m->geom[g], err, err_sz);
      if (st) return st;
    }
  }
  d->nsphere = m->nsphere;
  for (int s = 0; s < m->nsphere; s++) {
    mi_wm_sphere *sp_ = &m->sphere[s];
    const mi_wm_link *l = &m->link[sp_->link];
    sp_->body = l->body;
    mi_vec3 c = mi_pose_apply(l->in_body, sp_->center);
    d->sphere_body[s] = l->body;
    d->sphere_c[s][0] = c.x;
    d->sphere_c[s][1] = c.y;
    d->sphere_c[s][2] = c.z;
    d->sphere_r[s] = sp_->radius;
  }
  for (int g = 0; g < m->ngeom; g++) m->geom[g].body = m->link[m->geom[g].link].body;

  /* self-collision pairs: spheres on bodies neither equal nor adjacent */
  m->nself = 0;
  for (int a = 0; a < m->nsphere; a++)
    for (int b = a + 1; b < m->nsphere; b++) {
      int ba = m->sphere[a].body, bb = m->sphere[b].body;
      if (ba == bb) continue;
      if ((ba >= 0 && d->parent[ba] == bb) || (bb >= 0 && d->parent[bb] == ba)) continue;
      if (m->nself >= MI_WM_MAX_SELF)
        return merr(m, 0, err, err_sz, "more than %d self-collision sphere pairs (use fewer spheres)",
                    MI_WM_MAX_SELF);
      m->self_pair[m->nself][0] = (uint16_t)a;
      m->self_pair[m->nself][1] = (uint16_t)b;
      m->nself++;
    }

  /* link shapes exempt from the exact self check (worldmodel/verify.c) */
  mi_wm_self_init(m);

  /* end effector: given by the cell, else the deepest link (first in file order) */
  if (m->ee_link < 0 || m->ee_link >= m->nlink) {
    int best = root;
    for (int li = 0; li < m->nlink; li++)
      if (depth[li] > depth[best]) best = li;
    m->ee_link = best;
    m->tool = mi_pose_identity();
  }
  {
    const mi_wm_link *l = &m->link[m->ee_link];
    d->ee_body = l->body;
    pose_to_rows(mi_pose_mul(l->in_body, m->tool), d->ee_rot, d->ee_pos);
  }
  MI_WM_COPY_DYN_(&m->dynf, d);
  return MI_OK;
}

static char *read_file(const char *path, size_t *len, char *err, size_t err_sz) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (err && err_sz) snprintf(err, err_sz, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (n < cap) break;
    char *nb = realloc(buf, cap * 2);
    if (!nb) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = nb;
    cap *= 2;
  }
  int bad = ferror(f);
  fclose(f);
  if (!buf || bad) {
    free(buf);
    if (err && err_sz) snprintf(err, err_sz, "%s: cannot read", path);
    return NULL;
  }
  *len = n;
  return buf;
}

static mi_model *load(const char *text, size_t len, const char *name, const char *cell_path,
                      char *err, size_t err_sz) {
  mi_model *m = malloc(sizeof *m);
  if (!m) {
    if (err && err_sz) snprintf(err, err_sz, "out of memory");
    return NULL;
  }
  if (mi_wm_urdf_parse(m, text, len, name, err, err_sz) != MI_OK) goto fail;
  snprintf(m->urdf_path, sizeof m->urdf_path, "%s", name);
  m->base = mi_pose_identity();
  m->tool = mi_pose_identity();
  m->ee_link = -1;
  m->ground_z = 0;
  if (cell_path && mi_wm_cell_apply(m, cell_path, err, err_sz) != MI_OK) goto fail;
  if (mi_wm_model_compile(m, err, err_sz) != MI_OK) goto fail;
  return m;
fail:
  free(m);
  return NULL;
}

mi_model *mi_wm_model_load(const char *urdf_path, const char *cell_path, char *err,
                           size_t err_sz) {
  size_t len = 0;
  char *text = read_file(urdf_path, &len, err, err_sz);
  if (!text) return NULL;
  mi_model *m = load(text, len, urdf_path, cell_path, err, err_sz);
  free(text);
  return m;
}

mi_model *mi_wm_model_load_urdf_string(const char *text, size_t len, const char *name,
                                       char *err, size_t err_sz) {
  return load(text, len, name ? name : "<urdf>", NULL, err, err_sz);
}

void mi_wm_model_free(mi_model *m) { free(m); }
