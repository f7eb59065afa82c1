/* worldmodel/verify.c - exact trajectory check with libccd's GJK. */
#include "worldmodel/verify.h"

#include <ccd/ccd.h>
#include <math.h>
#include <string.h>

#include "worldmodel/dynamics.h"

/* a shape posed in the world, as libccd sees it */
typedef struct ccd_shape {
  int type;
  double size[3];
  mi_mat3 R; /* shape axes in the world */
  mi_vec3 p;
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

static void world_shape(const mi_wm_geom *g, mi_pose frame, ccd_shape *out) {
  mi_pose w = mi_pose_mul(frame, g->pose);
  out->type = g->type;
  memcpy(out->size, g->size, sizeof out->size);
  out->R = mi_quat_to_mat3(mi_quat_normalize(w.q));
  out->p = w.p;
}

static int intersect(const ccd_shape *a, const ccd_shape *b) {
  ccd_t c;
  CCD_INIT(&c);
  c.support1 = support;
  c.support2 = support;
  c.center1 = center;
  c.center2 = center;
  c.max_iterations = 200;
  return ccdGJKIntersect(a, b, &c);
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

int mi_wm_geom_intersect(const mi_model *m, const double *q, int g, const mi_wm_geom *s) {
  mi_wm_m3_d R[MI_WM_MAX_DOF];
  mi_wm_v3_d p[MI_WM_MAX_DOF];
  mi_wm_fk_d(&m->dyn, q, R, p);
  ccd_shape a, b;
  world_shape(&m->geom[g], geom_frame(m, R, p, g), &a);
  world_shape(s, mi_pose_identity(), &b);
  return intersect(&a, &b);
}

mi_status mi_wm_verify(const mi_model *m, const double *q, int nstep, mi_wm_hit *hit) {
  if (!m || (!q && nstep > 0) || nstep < 0) return MI_ERR_INVALID;
  for (int t = 0; t < nstep; t++) {
    mi_wm_m3_d R[MI_WM_MAX_DOF];
    mi_wm_v3_d p[MI_WM_MAX_DOF];
    mi_wm_fk_d(&m->dyn, q + (size_t)t * (size_t)m->ndof, R, p);
    for (int g = 0; g < m->ngeom; g++) {
      if (m->geom[g].body < 0) continue;
      ccd_shape a;
      world_shape(&m->geom[g], geom_frame(m, R, p, g), &a);
      int nother = m->nfixture + (m->conveyor.present ? 1 : 0) + m->nzone;
      for (int o = 0; o < nother; o++) {
        const mi_wm_geom *s;
        int kind, idx;
        if (o < m->nfixture) {
          s = &m->fixture[o], kind = 0, idx = o;
        } else if (m->conveyor.present && o == m->nfixture) {
          s = &m->conveyor.belt, kind = 1, idx = 0;
        } else {
          idx = o - m->nfixture - (m->conveyor.present ? 1 : 0);
          s = &m->zone[idx], kind = 2;
        }
        ccd_shape b;
        world_shape(s, mi_pose_identity(), &b);
        if (intersect(&a, &b)) {
          if (hit) *hit = (mi_wm_hit){t, g, kind, idx};
          return MI_ERR_COLLISION;
        }
      }
    }
  }
  return MI_OK;
}
