/* sim/desc.c - the plant's cell description from the predictor's mi_model. */
#include "sim/desc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define FLOOR_HALF_XY 10.0 /* m: the floor slab, larger than any cell */
#define FLOOR_HALF_Z 0.05

static mi_status derr(char *err, size_t err_sz, mi_status st, const char *fmt, ...) {
  if (err && err_sz) {
    va_list ap;
    va_start(ap, fmt);
    int k = snprintf(err, err_sz, "sim model: ");
    if (k > 0 && (size_t)k < err_sz) vsnprintf(err + k, err_sz - (size_t)k, fmt, ap);
    va_end(ap);
  }
  return st;
}

/* a row-major rotation matrix as a unit quaternion (Shepperd's method) */
static mi_quat quat_from_rows(const double r[9]) {
  double tr = r[0] + r[4] + r[8];
  mi_quat q;
  if (tr > 0) {
    double s = 2.0 * sqrt(tr + 1.0);
    q.w = 0.25 * s;
    q.x = (r[7] - r[5]) / s;
    q.y = (r[2] - r[6]) / s;
    q.z = (r[3] - r[1]) / s;
  } else if (r[0] > r[4] && r[0] > r[8]) {
    double s = 2.0 * sqrt(1.0 + r[0] - r[4] - r[8]);
    q.w = (r[7] - r[5]) / s;
    q.x = 0.25 * s;
    q.y = (r[1] + r[3]) / s;
    q.z = (r[2] + r[6]) / s;
  } else if (r[4] > r[8]) {
    double s = 2.0 * sqrt(1.0 + r[4] - r[0] - r[8]);
    q.w = (r[2] - r[6]) / s;
    q.x = (r[1] + r[3]) / s;
    q.y = 0.25 * s;
    q.z = (r[5] + r[7]) / s;
  } else {
    double s = 2.0 * sqrt(1.0 + r[8] - r[0] - r[4]);
    q.w = (r[3] - r[1]) / s;
    q.x = (r[2] + r[6]) / s;
    q.y = (r[5] + r[7]) / s;
    q.z = 0.25 * s;
  }
  return mi_quat_normalize(q);
}

/* a model shape as a Bullet body description (static unless mass > 0) */
static mi_bt_body_desc body_of_geom(const mi_wm_geom *g, double mass) {
  mi_bt_body_desc b;
  memset(&b, 0, sizeof b);
  switch (g->type) {
    case MI_WM_SHAPE_SPHERE:
      b.shape = MI_BT_SPHERE;
      b.size = mi_vec3_make(g->size[0], g->size[0], g->size[0]);
      break;
    case MI_WM_SHAPE_CYLINDER:
      b.shape = MI_BT_CYLINDER;
      b.size = mi_vec3_make(g->size[0], g->size[0], g->size[1]);
      break;
    case MI_WM_SHAPE_BOX:
    default:
      b.shape = MI_BT_BOX;
      b.size = mi_vec3_make(g->size[0], g->size[1], g->size[2]);
      break;
  }
  b.mass = mass;
  b.pose = g->pose;
  b.friction = 0.8;
  b.restitution = 0.0;
  return b;
}

/* world AABB of a shape */
static void geom_aabb(const mi_wm_geom *g, mi_vec3 *lo, mi_vec3 *hi) {
  mi_vec3 he;
  if (g->type == MI_WM_SHAPE_SPHERE)
    he = mi_vec3_make(g->size[0], g->size[0], g->size[0]);
  else if (g->type == MI_WM_SHAPE_CYLINDER)
    he = mi_vec3_make(g->size[0], g->size[0], g->size[1]);
  else
    he = mi_vec3_make(g->size[0], g->size[1], g->size[2]);
  mi_mat3 R = mi_quat_to_mat3(mi_quat_normalize(g->pose.q));
  double e[3];
  for (int r = 0; r < 3; r++)
    e[r] = fabs(R.m[3 * r]) * he.x + fabs(R.m[3 * r + 1]) * he.y + fabs(R.m[3 * r + 2]) * he.z;
  *lo = mi_vec3_make(g->pose.p.x - e[0], g->pose.p.y - e[1], g->pose.p.z - e[2]);
  *hi = mi_vec3_make(g->pose.p.x + e[0], g->pose.p.y + e[1], g->pose.p.z + e[2]);
}

static mi_status arm_from_model(const mi_model *m, mi_sim_cell_desc *out, char *err,
                                size_t err_sz) {
  const mi_wm_dynd *d = &m->dyn;
  if (d->ndof < 1 || d->ndof > MI_BT_MAX_LINKS || d->ndof > MI_SIM_MAX_JOINTS)
    return derr(err, err_sz, MI_ERR_INVALID, "%s has %d moving joints; the plant takes 1..%d",
                m->name, d->ndof, MI_BT_MAX_LINKS);
  mi_bt_arm_desc *a = &out->arm;
  a->base_pose = mi_pose_identity(); /* the model folds the base pose into the tree */
  a->n_links = d->ndof;
  for (int i = 0; i < d->ndof; i++) {
    mi_bt_link_desc *l = &a->links[i];
    const mi_wm_joint *j = &m->joint[m->dof_joint[i]];
    l->parent = d->parent[i];
    l->type = d->prismatic[i] ? MI_BT_JOINT_PRISMATIC : MI_BT_JOINT_REVOLUTE;
    l->origin.p = mi_vec3_make(d->tree_pos[i][0], d->tree_pos[i][1], d->tree_pos[i][2]);
    l->origin.q = quat_from_rows(d->tree_rot[i]);
    l->axis = mi_vec3_make(0, 0, 1);
    /* spatial inertia about the body origin -> mass, COM, inertia about the COM */
    double mm = d->mass[i];
    mi_vec3 c = mi_vec3_make(d->h[i][0] / mm, d->h[i][1] / mm, d->h[i][2] / mm);
    double cc = mi_vec3_dot(c, c);
    l->mass = mm;
    l->com = c;
    l->inertia[0] = d->inertia[i][0] - mm * (cc - c.x * c.x);
    l->inertia[1] = d->inertia[i][1] - mm * (cc - c.y * c.y);
    l->inertia[2] = d->inertia[i][2] - mm * (cc - c.z * c.z);
    l->inertia[3] = d->inertia[i][3] + mm * c.x * c.y;
    l->inertia[4] = d->inertia[i][4] + mm * c.x * c.z;
    l->inertia[5] = d->inertia[i][5] + mm * c.y * c.z;
    l->damping = d->damping[i];
    l->friction = d->friction[i];
    l->n_spheres = 0;
    snprintf(out->joint_names[i], MI_SIM_NAME_MAX, "%s", j->name);
  }
  /* collision spheres: on their body's link, or static on the fixed base */
  for (int s = 0; s < d->nsphere; s++) {
    int b = d->sphere_body[s];
    mi_vec3 c = mi_vec3_make(d->sphere_c[s][0], d->sphere_c[s][1], d->sphere_c[s][2]);
    if (b < 0) {
      if (out->n_fixtures >= MI_SIM_MAX_FIXTURES)
        return derr(err, err_sz, MI_ERR_RANGE, "more than %d fixtures with the base's spheres",
                    MI_SIM_MAX_FIXTURES);
      mi_wm_geom g;
      memset(&g, 0, sizeof g);
      g.type = MI_WM_SHAPE_SPHERE;
      g.size[0] = d->sphere_r[s];
      g.pose = mi_pose_identity();
      g.pose.p = c;
      out->fixture_on_base[out->n_fixtures] = true;
      out->fixtures[out->n_fixtures++] = body_of_geom(&g, 0.0);
      continue;
    }
    mi_bt_link_desc *l = &a->links[b];
    if (l->n_spheres >= MI_BT_MAX_LINK_SPHERES)
      return derr(err, err_sz, MI_ERR_INVALID,
                  "joint '%s' moves more than %d collision spheres (give fewer, larger spheres "
                  "for its links in the cell file)",
                  out->joint_names[b], MI_BT_MAX_LINK_SPHERES);
    l->spheres[l->n_spheres++] = (mi_bt_sphere){c, d->sphere_r[s]};
  }
  out->n_joints = d->ndof;
  int ee_body = m->ee_link >= 0 && m->ee_link < m->nlink ? m->link[m->ee_link].body : -1;
  if (ee_body < 0)
    return derr(err, err_sz, MI_ERR_INVALID,
                "the end effector is on the fixed base: no link to carry the wrist sensor");
  out->tool_link = ee_body;
  out->tool_point = mi_vec3_make(d->ee_pos[0], d->ee_pos[1], d->ee_pos[2]);
  out->gravity = mi_vec3_make(d->gravity[0], d->gravity[1], d->gravity[2]);
  return MI_OK;
}

/* the belt with its local +x on the direction of travel */
static mi_status conveyor_from_model(const mi_model *m, mi_sim_cell_desc *out, char *err,
                                     size_t err_sz) {
  const mi_wm_conveyor *cv = &m->conveyor;
  mi_quat q = mi_quat_normalize(cv->belt.pose.q);
  mi_vec3 ld = mi_quat_rotate(mi_quat_conj(q), cv->direction); /* in the belt frame */
  double yaw;
  bool swap;
  if (fabs(ld.x) > 0.999) {
    yaw = ld.x > 0 ? 0.0 : MI_PI;
    swap = false;
  } else if (fabs(ld.y) > 0.999) {
    yaw = ld.y > 0 ? MI_PI / 2 : -MI_PI / 2;
    swap = true;
  } else {
    return derr(err, err_sz, MI_ERR_INVALID,
                "conveyor direction [%g, %g, %g] does not run along the belt's length or width",
                cv->direction.x, cv->direction.y, cv->direction.z);
  }
  out->has_conveyor = true;
  out->conveyor_pose.p = cv->belt.pose.p;
  out->conveyor_pose.q =
      mi_quat_normalize(mi_quat_mul(q, mi_quat_from_axis_angle(mi_vec3_make(0, 0, 1), yaw)));
  const double *h = cv->belt.size;
  out->conveyor_half = swap ? mi_vec3_make(h[1], h[0], h[2]) : mi_vec3_make(h[0], h[1], h[2]);
  out->conveyor_speed = cv->speed;
  out->conveyor_friction = 0.8;
  return MI_OK;
}

mi_status mi_sim_desc_from_model(const mi_model *m, const char *zone_name,
                                 mi_sim_cell_desc *out, char *err, size_t err_sz) {
  if (!m || !out) return derr(err, err_sz, MI_ERR_INVALID, "NULL argument");
  memset(out, 0, sizeof *out);
  mi_status st = arm_from_model(m, out, err, err_sz);
  if (st != MI_OK) return st;

  /* the floor, then the cell's fixtures */
  if (out->n_fixtures + 1 + m->nfixture > MI_SIM_MAX_FIXTURES)
    return derr(err, err_sz, MI_ERR_RANGE, "%d fixtures; the plant takes %d with the floor",
                m->nfixture, MI_SIM_MAX_FIXTURES - 1 - out->n_fixtures);
  mi_wm_geom floor_g;
  memset(&floor_g, 0, sizeof floor_g);
  floor_g.type = MI_WM_SHAPE_BOX;
  floor_g.size[0] = floor_g.size[1] = FLOOR_HALF_XY;
  floor_g.size[2] = FLOOR_HALF_Z;
  floor_g.pose = mi_pose_identity();
  floor_g.pose.p = mi_vec3_make(0, 0, m->ground_z - FLOOR_HALF_Z);
  out->fixtures[out->n_fixtures++] = body_of_geom(&floor_g, 0.0);
  for (int i = 0; i < m->nfixture; i++)
    out->fixtures[out->n_fixtures++] = body_of_geom(&m->fixture[i], 0.0);

  if (m->conveyor.present && (st = conveyor_from_model(m, out, err, err_sz)) != MI_OK) return st;

  if (m->npart > MI_SIM_MAX_PART_KINDS)
    return derr(err, err_sz, MI_ERR_RANGE, "%d part types; the plant takes %d", m->npart,
                MI_SIM_MAX_PART_KINDS);
  for (int i = 0; i < m->npart; i++) {
    mi_sim_part_kind *k = &out->part_kinds[i];
    mi_bt_body_desc b = body_of_geom(&m->part[i].shape, m->part[i].mass);
    snprintf(k->name, sizeof k->name, "%s", m->part[i].name);
    k->shape = b.shape;
    k->size = b.size;
    k->mass = m->part[i].mass > 0 ? m->part[i].mass : 0.1;
  }
  out->n_part_kinds = m->npart;

  /* the safety zone */
  int zi = -1;
  if (zone_name && zone_name[0]) {
    for (int i = 0; i < m->nzone && zi < 0; i++)
      if (!strcmp(m->zone[i].name, zone_name)) zi = i;
    if (zi < 0)
      return derr(err, err_sz, MI_ERR_INVALID, "zone.name '%s' is not a zone of the cell (%d zones%s%s)",
                  zone_name, m->nzone, m->nzone ? ", the first is " : "",
                  m->nzone ? m->zone[0].name : "");
  } else if (m->nzone > 0) {
    zi = 0;
  }
  if (zi >= 0) {
    out->has_zone = true;
    geom_aabb(&m->zone[zi], &out->zone_min, &out->zone_max);
    snprintf(out->zone_name, sizeof out->zone_name, "%s", m->zone[zi].name);
  }
  return MI_OK;
}
