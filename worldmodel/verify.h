/* worldmodel/verify.h - exact collision check of a chosen trajectory with
 * libccd (GJK intersection) on the convex shapes of the robot's links and
 * the cell (fixtures, conveyor belt, zones).
 *
 * Thread rules: pure function of its arguments; any thread. No allocation.
 */
#ifndef MI_WM_VERIFY_H
#define MI_WM_VERIFY_H

#include "core/status.h"
#include "worldmodel/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The first collision found. */
typedef struct mi_wm_hit {
  int step;     /* trajectory step (0-based) */
  int geom;     /* robot geom index (m->geom) */
  int kind;     /* 0 fixture, 1 conveyor belt, 2 zone */
  int other;    /* index in m->fixture / m->zone (0 for the belt) */
} mi_wm_hit;

/* Check steps 0..nstep-1 of q (row-major [nstep][m->ndof], rad or m) against
 * every fixture, the conveyor belt and every zone. Shapes of links on the
 * fixed base are skipped (they cannot move into anything).
 * @retval MI_OK no collision
 * @retval MI_ERR_COLLISION *hit (if not NULL) names the first step and pair
 * @retval MI_ERR_INVALID bad arguments */
mi_status mi_wm_verify(const mi_model *m, const double *q, int nstep, mi_wm_hit *hit);

/* Do robot geom g at joint positions q and cell shape s intersect (GJK)? */
int mi_wm_geom_intersect(const mi_model *m, const double *q, int g, const mi_wm_geom *s);

#ifdef __cplusplus
}
#endif

#endif /* MI_WM_VERIFY_H */
