/* worldmodel/verify.h - exact collision check of a chosen trajectory with
 * libccd (MPR intersection) on the convex shapes of the robot's links and
 * the cell (fixtures, conveyor belt, zones), the floor, the robot's other
 * links and the parts on the conveyor.
 *
 * Thread rules: pure function of its arguments; any thread. No allocation.
 */
#ifndef MI_WM_VERIFY_H
#define MI_WM_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"
#include "worldmodel/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a robot geom hit. */
typedef enum mi_wm_hit_kind {
  MI_WM_HIT_FIXTURE = 0,  /* other: index in m->fixture */
  MI_WM_HIT_CONVEYOR = 1, /* the conveyor belt; other: 0 */
  MI_WM_HIT_ZONE = 2,     /* other: index in m->zone */
  MI_WM_HIT_SELF = 3,     /* another link of the robot; other: its geom index (m->geom) */
  MI_WM_HIT_GROUND = 4,   /* the floor z = m->ground_z; other: 0 */
  MI_WM_HIT_PART = 5      /* a part; other: index in mi_wm_verify_opts.parts */
} mi_wm_hit_kind;

/* The first collision found. */
typedef struct mi_wm_hit {
  int step;     /* trajectory step (0-based) */
  int geom;     /* robot geom index (m->geom) */
  int kind;     /* mi_wm_hit_kind */
  int other;    /* see mi_wm_hit_kind */
} mi_wm_hit;

/* A part in the cell as the estimator tracks it (rt/part_poses). */
typedef struct mi_wm_part_state {
  int type;     /* index in m->part: its shape */
  mi_pose pose; /* world pose at step 0 */
  mi_vec3 vel;  /* world velocity, m/s (on the belt: direction * speed); moves the
                   part by vel * dt per step */
} mi_wm_part_state;

/* A contact at one configuration (mi_wm_contacts): the pair as mi_wm_hit
 * names it, and how deep it is. */
typedef struct mi_wm_contact {
  int geom, kind, other; /* as mi_wm_hit */
  double depth;          /* m: libccd's MPR penetration depth; the floor: how
                            far the shape's lowest point is below it */
} mi_wm_contact;

/* What mi_wm_verify_ex checks besides the cell's fixtures, belt and zones.
 * Zero-initialised: nothing more, nothing skipped. */
typedef struct mi_wm_verify_opts {
  const mi_wm_part_state *parts; /* may be NULL when nparts is 0; not owned */
  int nparts;
  double dt;        /* s between trajectory steps (for moving parts) */
  bool skip_self;   /* do not check link against link */
  bool skip_ground; /* do not check links against the floor */
  /* A trajectory that starts in contact (an arm measured against a fixture
   * or through the floor) must be allowed to leave: at steps below
   * escape_steps a contact of a pair in start[] (the contacts at step 0,
   * from mi_wm_contacts) is no collision while it is no deeper than it was
   * at the start plus escape_slack_m. Any other contact, and any contact at
   * escape_steps or later, is one. ("Deeper" is libccd's MPR penetration
   * depth, along the portal MPR converges to: an estimate of the smallest
   * depth, not always it.) start: not owned, NULL when nstart 0. */
  const mi_wm_contact *start;
  int nstart;
  int escape_steps;
  double escape_slack_m;
} mi_wm_verify_opts;

/* Check steps 0..nstep-1 of q (row-major [nstep][m->ndof], rad or m) against
 * every fixture, the conveyor belt and every zone (libccd MPR), the floor
 * (exact: the lowest point of each shape), and the robot itself: pairs of
 * link shapes on bodies that are neither the same nor parent and child,
 * except pairs that already touch at the model's home pose
 * (mi_wm_self_allowed; as MoveIt's "default" collision pairs). Shapes of
 * links on the fixed base are not checked against the cell or the floor
 * (they cannot move into anything), only against moving links.
 * Per step the order is: cell shapes, floor, self, parts; the first hit is
 * reported.
 * @retval MI_OK no collision
 * @retval MI_ERR_COLLISION *hit (if not NULL) names the first step and pair
 * @retval MI_ERR_INVALID bad arguments */
mi_status mi_wm_verify(const mi_model *m, const double *q, int nstep, mi_wm_hit *hit);

/* As mi_wm_verify, plus the parts in opts (their shapes from m->part, moving
 * at their velocity), minus what opts skips, and leaving the start contacts
 * it lists. opts NULL: as mi_wm_verify.
 * @retval MI_ERR_INVALID also for a part type out of range, dt < 0, a
 *         negative count, step count or slack */
mi_status mi_wm_verify_ex(const mi_model *m, const double *q, int nstep,
                          const mi_wm_verify_opts *opts, mi_wm_hit *hit);

/* Every contact at one configuration q (what mi_wm_verify_ex checks at a
 * step 0, opts as there; start and escape_steps are not used), the first
 * max of them into out with their depths.
 * @return how many there are (may be more than max); -1 on bad arguments */
int mi_wm_contacts(const mi_model *m, const double *q, const mi_wm_verify_opts *opts,
                   mi_wm_contact *out, int max);

/* Do robot geom g at joint positions q and cell shape s intersect (MPR)? */
int mi_wm_geom_intersect(const mi_model *m, const double *q, int g, const mi_wm_geom *s);

/* Do shape a at pose pa and shape b at pose pb (world) intersect? Each
 * shape at its pose, composed with its own geom pose. The same test as every
 * pair above: world axis-aligned boxes first (apart: no contact, exact),
 * then libccd's MPR. */
int mi_wm_shape_intersect(const mi_wm_geom *a, mi_pose pa, const mi_wm_geom *b, mi_pose pb);

/* Do robot geoms g and h at joint positions q intersect (MPR)? */
int mi_wm_geom_pair_intersect(const mi_model *m, const double *q, int g, int h);

/* Is the pair of robot geoms g, h exempt from the self check (same body,
 * parent and child, both on the fixed base, or touching at the home pose)? */
bool mi_wm_self_allowed(const mi_model *m, int g, int h);

/* The home pose used for the self-check exemptions: every joint at 0,
 * clamped into its limits. q: m->ndof values. */
void mi_wm_home_pose(const mi_model *m, double *q);

/* Fill m->self_geom_off from m's bodies and geoms (called by
 * mi_wm_model_compile once the dynamics tables are filled). */
void mi_wm_self_init(mi_model *m);

/* "link3/collision0 vs fixture 'table' at step 12" into buf; returns buf. */
const char *mi_wm_hit_describe(const mi_model *m, const mi_wm_hit *hit,
                               const mi_wm_verify_opts *opts, char *buf, size_t buf_sz);

#ifdef __cplusplus
}
#endif

#endif /* MI_WM_VERIFY_H */
