/* worldmodel/verify.c - exact trajectory check with libccd (MPR). */
#include "worldmodel/verify.h"

#include <ccd/ccd.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "worldmodel/dynamics.h"

/* a shape posed in the world, as libccd sees it */
typedef struct ccd_shape {
  int type;
  double size[3];
  mi_mat3 R; /* shape axes in the world */
  mi_vec3 p;
  double half[3]; /* world axis-aligned box around it: p +- half */
} ccd_shape;

static void support(const void *obj, const ccd_vec3_t *dir, ccd_vec3_t *out) {
  const ccd_shape *s = obj;
  mi_vec3 dw = mi_vec3_make(dir->v[0], dir->v[1], dir->v[2]);
  mi_vec3 d = mi_mat3_tmulv(&s->R, dw), l;
  if (s->type == MI_WM_SHAPE_SPHERE) {
    l = mi_vec3_scale(mi_vec3_normalize(d), s->size[0]);
  } else if (s->type == MI_WM_SHAPE_BOX) {
    l = mi_vec3_make(d.x >= 0 ? s->size[0] : -s->size[0], d.y >= 0 ? s->size[1] : -s->size[1],
                     d.z >= 0 ? s->size[2] : -s->size[2]);
  } else {
    double r = sqrt(d.x * d.x + d.y * d.y);
    l = mi_vec3_make(r > 0 ? d.x / r * s->size[0] : 0, r > 0 ? d.y / r * s->size[0] : 0,
                     d.z >= 0 ? s->size[1] : -s->size[1]);
  }
  mi_vec3 w = mi_vec3_add(s->p, mi_mat3_mulv(&s->R, l));
  out->v[0] = w.x;
  out->v[1] = w.y;
  out->v[2] = w.z;
}

static void center(const void *obj, ccd_vec3_t *c) {
  const ccd_shape *s = obj;
  c->v[0] = s->p.x;
  c->v[1] = s->p.y;
  c->v[2] = s->p.z;
}

/* the half extents along the world axes of what support() describes */
static void shape_box(ccd_shape *s) {
  const double *R = s->R.m;
  for (int i = 0; i < 3; i++) {
    const double *row = &R[3 * i]; /* world axis i in the shape's axes */
    if (s->type == MI_WM_SHAPE_SPHERE) {
      s->half[i] = s->size[0];
    } else if (s->type == MI_WM_SHAPE_BOX) {
      s->half[i] = fabs(row[0]) * s->size[0] + fabs(row[1]) * s->size[1] +
                   fabs(row[2]) * s->size[2];
    } else { /* cylinder along its z: the disc's extent, then the half height */
      double c = fmin(1.0, fabs(row[2]));
      s->half[i] = s->size[0] * sqrt(1.0 - c * c) + s->size[1] * c;
    }
    /* a hair of slack so rounding never drops a touching pair */
    s->half[i] += 1e-9 * (1.0 + s->half[i]);
  }
}

static void world_shape(const mi_wm_geom *g, mi_pose frame, ccd_shape *out) {
  mi_pose w = mi_pose_mul(frame, g->pose);
  out->type = g->type;
  memcpy(out->size, g->size, sizeof out->size);
  out->R = mi_quat_to_mat3(mi_quat_normalize(w.q));
  out->p = w.p;
  shape_box(out);
}

static void ccd_config(ccd_t *c) {
  CCD_INIT(c);
  c->support1 = support;
  c->support2 = support;
  c->center1 = center;
  c->center2 = center;
  c->max_iterations = 200;
  c->mpr_tolerance = 1e-9; /* as the clearance test's reference: contact to a nanometre */
}

/* MPR only when the world boxes overlap: a shape lies in its box, so boxes
 * apart mean shapes apart (exact; most pairs of a trajectory end here) */
static int intersect(const ccd_shape *a, const ccd_shape *b) {
  if (fabs(a->p.x - b->p.x) > a->half[0] + b->half[0] ||
      fabs(a->p.y - b->p.y) > a->half[1] + b->half[1] ||
      fabs(a->p.z - b->p.z) > a->half[2] + b->half[2])
    return 0;
  ccd_t c;
  ccd_config(&c);
  /* MPR, not GJK: libccd's GJK missed a small box 1% inside a sphere in
   * about one pose of a thousand (test_worldmodel_verify); MPR found all */
  return ccdMPRIntersect(a, b, &c);
}

/* how deep two intersecting shapes overlap (libccd's MPR penetration), m;
 * `failed` when MPR gives no depth (finds them apart after all) */
static double penetration(const ccd_shape *a, const ccd_shape *b, double failed) {
  ccd_t c;
  ccd_config(&c);
  ccd_real_t depth = 0;
  ccd_vec3_t dir, pos;
  if (ccdMPRPenetration(a, b, &c, &depth, &dir, &pos) != 0) return failed;
  return (double)depth;
}

/* link frame of robot geom g in the world at q */
static mi_pose geom_frame(const mi_model *m, const mi_wm_m3_d *R, const mi_wm_v3_d *p, int g) {
  const mi_wm_link *l = &m->link[m->geom[g].link];
  mi_pose body = mi_pose_identity();
  if (l->body >= 0) {
    mi_mat3 Rb;
    memcpy(Rb.m, R[l->body].m, sizeof Rb.m);
    /* rotation matrix to quaternion (Shepperd) */
    double tr = Rb.m[0] + Rb.m[4] + Rb.m[8];
    mi_quat q;
    if (tr > 0) {
      double s = sqrt(tr + 1.0) * 2;
      q = (mi_quat){0.25 * s, (Rb.m[7] - Rb.m[5]) / s, (Rb.m[2] - Rb.m[6]) / s,
                    (Rb.m[3] - Rb.m[1]) / s};
    } else if (Rb.m[0] > Rb.m[4] && Rb.m[0] > Rb.m[8]) {
      double s = sqrt(1.0 + Rb.m[0] - Rb.m[4] - Rb.m[8]) * 2;
      q = (mi_quat){(Rb.m[7] - Rb.m[5]) / s, 0.25 * s, (Rb.m[1] + Rb.m[3]) / s,
                    (Rb.m[2] + Rb.m[6]) / s};
    } else if (Rb.m[4] > Rb.m[8]) {
      double s = sqrt(1.0 + Rb.m[4] - Rb.m[0] - Rb.m[8]) * 2;
      q = (mi_quat){(Rb.m[2] - Rb.m[6]) / s, (Rb.m[1] + Rb.m[3]) / s, 0.25 * s,
                    (Rb.m[5] + Rb.m[7]) / s};
    } else {
      double s = sqrt(1.0 + Rb.m[8] - Rb.m[0] - Rb.m[4]) * 2;
      q = (mi_quat){(Rb.m[3] - Rb.m[1]) / s, (Rb.m[2] + Rb.m[6]) / s, (Rb.m[5] + Rb.m[7]) / s,
                    0.25 * s};
    }
    body.q = mi_quat_normalize(q);
    body.p = mi_vec3_make(p[l->body].x, p[l->body].y, p[l->body].z);
  }
  return mi_pose_mul(body, l->in_body);
}

/* world shapes of every robot geom at one configuration */
static void robot_shapes(const mi_model *m, const double *q, ccd_shape *out) {
  mi_wm_m3_d R[MI_WM_MAX_DOF];
  mi_wm_v3_d p[MI_WM_MAX_DOF];
  mi_wm_fk_d(&m->dyn, q, R, p);
  for (int g = 0; g < m->ngeom; g++) world_shape(&m->geom[g], geom_frame(m, R, p, g), &out[g]);
}

/* the lowest point of a shape (its support along -z) */
static double lowest_z(const ccd_shape *s) {
  ccd_vec3_t down = {{0, 0, -1}}, w;
  support(s, &down, &w);
  return w.v[2];
}

int mi_wm_geom_intersect(const mi_model *m, const double *q, int g, const mi_wm_geom *s) {
  mi_wm_m3_d R[MI_WM_MAX_DOF];
  mi_wm_v3_d p[MI_WM_MAX_DOF];
  mi_wm_fk_d(&m->dyn, q, R, p);
  ccd_shape a, b;
  world_shape(&m->geom[g], geom_frame(m, R, p, g), &a);
  world_shape(s, mi_pose_identity(), &b);
  return intersect(&a, &b);
}

int mi_wm_shape_intersect(const mi_wm_geom *a, mi_pose pa, const mi_wm_geom *b, mi_pose pb) {
  ccd_shape sa, sb;
  world_shape(a, pa, &sa);
  world_shape(b, pb, &sb);
  return intersect(&sa, &sb);
}

int mi_wm_geom_pair_intersect(const mi_model *m, const double *q, int g, int h) {
  mi_wm_m3_d R[MI_WM_MAX_DOF];
  mi_wm_v3_d p[MI_WM_MAX_DOF];
  mi_wm_fk_d(&m->dyn, q, R, p);
  ccd_shape a, b;
  world_shape(&m->geom[g], geom_frame(m, R, p, g), &a);
  world_shape(&m->geom[h], geom_frame(m, R, p, h), &b);
  return intersect(&a, &b);
}

void mi_wm_home_pose(const mi_model *m, double *q) {
  for (int i = 0; i < m->ndof; i++) {
    const mi_wm_joint *j = &m->joint[m->dof_joint[i]];
    double v = 0;
    if (v < j->lower) v = j->lower;
    if (v > j->upper) v = j->upper;
    q[i] = v;
  }
}

static void set_off(mi_model *m, int g, int h) {
  m->self_geom_off[g][h / 64] |= 1ull << (h % 64);
  m->self_geom_off[h][g / 64] |= 1ull << (g % 64);
}

bool mi_wm_self_allowed(const mi_model *m, int g, int h) {
  if (g < 0 || h < 0 || g >= m->ngeom || h >= m->ngeom) return true;
  return (m->self_geom_off[g][h / 64] >> (h % 64)) & 1u;
}

void mi_wm_self_init(mi_model *m) {
  memset(m->self_geom_off, 0, sizeof m->self_geom_off);
  double q[MI_WM_MAX_DOF];
  mi_wm_home_pose(m, q);
  ccd_shape sh[MI_WM_MAX_GEOMS];
  robot_shapes(m, q, sh);
  for (int g = 0; g < m->ngeom; g++) {
    set_off(m, g, g);
    for (int h = g + 1; h < m->ngeom; h++) {
      int bg = m->geom[g].body, bh = m->geom[h].body;
      /* same body (both fixed included), parent and child, or touching at home */
      if (bg == bh || (bg >= 0 && m->dyn.parent[bg] == bh) ||
          (bh >= 0 && m->dyn.parent[bh] == bg) || intersect(&sh[g], &sh[h]))
        set_off(m, g, h);
    }
  }
}

/* the cell shape o of the fixtures, the belt and the zones, in that order */
static const mi_wm_geom *cell_shape(const mi_model *m, int o, int *kind, int *idx) {
  if (o < m->nfixture) {
    *kind = MI_WM_HIT_FIXTURE, *idx = o;
    return &m->fixture[o];
  }
  o -= m->nfixture;
  if (m->conveyor.present) {
    if (o == 0) {
      *kind = MI_WM_HIT_CONVEYOR, *idx = 0;
      return &m->conveyor.belt;
    }
    o--;
  }
  *kind = MI_WM_HIT_ZONE, *idx = o;
  return &m->zone[o];
}

/* the checks of one trajectory: the cell's shapes posed once (they do not move) */
typedef struct scan {
  const mi_model *m;
  const mi_wm_verify_opts *o;
  int ncell;
  ccd_shape cell[MI_WM_MAX_FIXTURES + 1 + MI_WM_MAX_ZONES];
  int cell_kind[MI_WM_MAX_FIXTURES + 1 + MI_WM_MAX_ZONES];
  int cell_idx[MI_WM_MAX_FIXTURES + 1 + MI_WM_MAX_ZONES];
} scan;

/* a contact found at step t: robot shape a against shape b (b NULL: the
 * floor, `below` m under it); true ends the scan */
typedef bool (*contact_fn)(void *user, int t, int g, int kind, int other, const ccd_shape *a,
                           const ccd_shape *b, double below);

static mi_status scan_init(scan *v, const mi_model *m, const mi_wm_verify_opts *o) {
  if (o->nparts < 0 || (o->nparts > 0 && !o->parts) || !(o->dt >= 0) || o->nstart < 0 ||
      (o->nstart > 0 && !o->start) || o->escape_steps < 0 || !(o->escape_slack_m >= 0))
    return MI_ERR_INVALID;
  for (int k = 0; k < o->nparts; k++)
    if (o->parts[k].type < 0 || o->parts[k].type >= m->npart) return MI_ERR_INVALID;
  v->m = m;
  v->o = o;
  v->ncell = m->nfixture + (m->conveyor.present ? 1 : 0) + m->nzone;
  for (int c = 0; c < v->ncell; c++)
    world_shape(cell_shape(m, c, &v->cell_kind[c], &v->cell_idx[c]), mi_pose_identity(),
                &v->cell[c]);
  return MI_OK;
}

/* every contact at step t (configuration q), in the order: cell shapes,
 * floor, self, parts; stops when fn says so (then true) */
static bool scan_step(const scan *v, int t, const double *q, contact_fn fn, void *user) {
  const mi_model *m = v->m;
  const mi_wm_verify_opts *o = v->o;
  ccd_shape sh[MI_WM_MAX_GEOMS];
  robot_shapes(m, q, sh);
  /* moving links against the cell and the floor */
  for (int g = 0; g < m->ngeom; g++) {
    if (m->geom[g].body < 0) continue;
    for (int c = 0; c < v->ncell; c++)
      if (intersect(&sh[g], &v->cell[c]) &&
          fn(user, t, g, v->cell_kind[c], v->cell_idx[c], &sh[g], &v->cell[c], 0.0))
        return true;
  }
  if (!o->skip_ground)
    for (int g = 0; g < m->ngeom; g++) {
      if (m->geom[g].body < 0) continue;
      double z = lowest_z(&sh[g]);
      if (z < m->ground_z && fn(user, t, g, MI_WM_HIT_GROUND, 0, &sh[g], NULL, m->ground_z - z))
        return true;
    }
  /* link against link */
  if (!o->skip_self)
    for (int g = 0; g < m->ngeom; g++)
      for (int h = g + 1; h < m->ngeom; h++)
        if (!mi_wm_self_allowed(m, g, h) && intersect(&sh[g], &sh[h]) &&
            fn(user, t, g, MI_WM_HIT_SELF, h, &sh[g], &sh[h], 0.0))
          return true;
  /* links against the parts where they will be at this step */
  for (int k = 0; k < o->nparts; k++) {
    const mi_wm_part_state *ps = &o->parts[k];
    mi_pose pose = ps->pose;
    pose.p = mi_vec3_add(pose.p, mi_vec3_scale(ps->vel, o->dt * t));
    mi_wm_geom shape = m->part[ps->type].shape;
    shape.pose = mi_pose_identity();
    ccd_shape part;
    world_shape(&shape, pose, &part);
    for (int g = 0; g < m->ngeom; g++)
      if (intersect(&sh[g], &part) && fn(user, t, g, MI_WM_HIT_PART, k, &sh[g], &part, 0.0))
        return true;
  }
  return false;
}

/* a contact's depth: the floor's `below`, else MPR's (`failed` when it
 * gives none) */
static double contact_depth(const ccd_shape *a, const ccd_shape *b, double below, double failed) {
  return b ? penetration(a, b, failed) : below;
}

/* verify: the first contact that is not a start contact being left */
typedef struct first_hit {
  const mi_wm_verify_opts *o;
  mi_wm_hit hit;
} first_hit;

static bool on_verify(void *user, int t, int g, int kind, int other, const ccd_shape *a,
                      const ccd_shape *b, double below) {
  first_hit *f = user;
  const mi_wm_verify_opts *o = f->o;
  if (t < o->escape_steps)
    for (int i = 0; i < o->nstart; i++) {
      const mi_wm_contact *c = &o->start[i];
      if (c->geom == g && c->kind == kind && c->other == other)
        /* the same pair, no deeper than it started (and a little slack for
         * the rollout's own integration): being left. A pair MPR cannot
         * give a depth for is as deep as can be, never "no deeper" */
        if (contact_depth(a, b, below, INFINITY) <= c->depth + o->escape_slack_m) return false;
    }
  f->hit = (mi_wm_hit){t, g, kind, other};
  return true;
}

mi_status mi_wm_verify_ex(const mi_model *m, const double *q, int nstep,
                          const mi_wm_verify_opts *opts, mi_wm_hit *hit) {
  if (!m || (!q && nstep > 0) || nstep < 0) return MI_ERR_INVALID;
  const mi_wm_verify_opts none = {0};
  scan v;
  mi_status st = scan_init(&v, m, opts ? opts : &none);
  if (st != MI_OK) return st;
  first_hit f = {v.o, {0, 0, 0, 0}};
  for (int t = 0; t < nstep; t++)
    if (scan_step(&v, t, q + (size_t)t * (size_t)m->ndof, on_verify, &f)) {
      if (hit) *hit = f.hit;
      return MI_ERR_COLLISION;
    }
  return MI_OK;
}

/* contacts: every one, with its depth */
typedef struct all_contacts {
  mi_wm_contact *out;
  int max, n;
} all_contacts;

static bool on_contact(void *user, int t, int g, int kind, int other, const ccd_shape *a,
                       const ccd_shape *b, double below) {
  (void)t;
  all_contacts *c = user;
  if (c->n < c->max)
    c->out[c->n] = (mi_wm_contact){g, kind, other, contact_depth(a, b, below, 0.0)};
  c->n++;
  return false;
}

int mi_wm_contacts(const mi_model *m, const double *q, const mi_wm_verify_opts *opts,
                   mi_wm_contact *out, int max) {
  if (!m || !q || max < 0 || (max > 0 && !out)) return -1;
  const mi_wm_verify_opts none = {0};
  scan v;
  if (scan_init(&v, m, opts ? opts : &none) != MI_OK) return -1;
  all_contacts c = {out, max, 0};
  (void)scan_step(&v, 0, q, on_contact, &c);
  return c.n;
}

mi_status mi_wm_verify(const mi_model *m, const double *q, int nstep, mi_wm_hit *hit) {
  return mi_wm_verify_ex(m, q, nstep, NULL, hit);
}

const char *mi_wm_hit_describe(const mi_model *m, const mi_wm_hit *hit,
                               const mi_wm_verify_opts *opts, char *buf, size_t buf_sz) {
  if (!buf || !buf_sz) return buf;
  const char *gname = hit->geom >= 0 && hit->geom < m->ngeom ? m->geom[hit->geom].name : "?";
  char other[96];
  switch (hit->kind) {
    case MI_WM_HIT_FIXTURE:
      snprintf(other, sizeof other, "fixture '%s'",
               hit->other >= 0 && hit->other < m->nfixture ? m->fixture[hit->other].name : "?");
      break;
    case MI_WM_HIT_CONVEYOR: snprintf(other, sizeof other, "the conveyor belt"); break;
    case MI_WM_HIT_ZONE:
      snprintf(other, sizeof other, "zone '%s'",
               hit->other >= 0 && hit->other < m->nzone ? m->zone[hit->other].name : "?");
      break;
    case MI_WM_HIT_SELF:
      snprintf(other, sizeof other, "%s",
               hit->other >= 0 && hit->other < m->ngeom ? m->geom[hit->other].name : "?");
      break;
    case MI_WM_HIT_GROUND: snprintf(other, sizeof other, "the floor"); break;
    case MI_WM_HIT_PART: {
      int ty = opts && hit->other >= 0 && hit->other < opts->nparts ? opts->parts[hit->other].type : -1;
      snprintf(other, sizeof other, "part %d ('%s')", hit->other,
               ty >= 0 && ty < m->npart ? m->part[ty].name : "?");
      break;
    }
    default: snprintf(other, sizeof other, "?"); break;
  }
  snprintf(buf, buf_sz, "%s vs %s at step %d", gname, other, hit->step);
  return buf;
}
