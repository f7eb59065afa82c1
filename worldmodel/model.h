/* worldmodel/model.h - the immutable robot + cell model (mi_model), compiled
 * once from a URDF and a cell YAML file, after MuJoCo's mjModel.
 *
 * Layout: one flat struct of fixed-size arrays, no pointers, so that the whole
 * model (or just its dynamics part, mi_wm_dynf) can be copied to a GPU with one
 * memcpy and used there unchanged. The limits below (MI_WM_MAX_*) bound it.
 *
 * Frames and units: SI units, angles in radians. "World" is the cell frame;
 * the robot base pose (cell key `robot.base`) is folded into the kinematic
 * tree, so every body pose the dynamics computes is a world pose and gravity
 * is given in the world frame.
 *
 * Bodies: URDF links joined by fixed joints are fused (as MuJoCo does). What
 * remains is one moving body per degree of freedom (revolute, continuous or
 * prismatic joint); body i is moved by joint i, its parent body is
 * dyn.parent[i] (< i; -1 is the fixed base). The body frame of body i is the
 * joint frame rotated so that the joint axis is its local +z: the dynamics
 * then only ever rotates about (or slides along) z. Each URDF link keeps its
 * pose in the frame of the body it belongs to (mi_wm_link.in_body).
 *
 * Thread rules: a model is written only by the loaders; once returned it is
 * read-only and may be shared by any number of threads.
 */
#ifndef MI_WM_MODEL_H
#define MI_WM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/hd.h"
#include "core/math.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MI_WM_MAX_DOF 16       /* moving joints = moving bodies */
#define MI_WM_MAX_LINKS 64     /* URDF links (before fusing) */
#define MI_WM_MAX_SPHERES 128  /* collision spheres of the robot */
#define MI_WM_MAX_GEOMS 128    /* convex collision shapes of the robot's links */
#define MI_WM_MAX_FIXTURES 32  /* static convex shapes of the cell */
#define MI_WM_MAX_PARTS 16     /* part types carried by the conveyor */
#define MI_WM_MAX_ZONES 8      /* regions a person may occupy */
#define MI_WM_MAX_SELF 1024    /* sphere pairs checked for self-collision */
#define MI_WM_NAME_MAX 64      /* bytes in a name, with its NUL */

typedef enum mi_wm_joint_type {
  MI_WM_JOINT_REVOLUTE = 0,   /* limited rotation about the axis */
  MI_WM_JOINT_CONTINUOUS = 1, /* unlimited rotation about the axis */
  MI_WM_JOINT_PRISMATIC = 2,  /* translation along the axis */
  MI_WM_JOINT_FIXED = 3       /* URDF fixed: fused, never a dof */
} mi_wm_joint_type;

typedef enum mi_wm_shape_type {
  MI_WM_SHAPE_SPHERE = 0,   /* size[0] = radius */
  MI_WM_SHAPE_BOX = 1,      /* size = half extents x, y, z */
  MI_WM_SHAPE_CYLINDER = 2  /* size[0] = radius, size[1] = half length along local z */
} mi_wm_shape_type;

/* A convex shape: a link's collision geometry, a fixture, a part, a zone. */
typedef struct mi_wm_geom {
  char name[MI_WM_NAME_MAX];
  mi_wm_shape_type type;
  double size[3];
  mi_pose pose; /* robot geoms: in the body frame of `body`; cell shapes: in the world */
  int link;     /* robot geoms: owning URDF link; cell shapes: -1 */
  int body;     /* robot geoms: owning body (-1 = fixed base); cell shapes: -1 */
} mi_wm_geom;

/* A URDF link as loaded, after fusing. Inertial data is in the link frame. */
typedef struct mi_wm_link {
  char name[MI_WM_NAME_MAX];
  int parent_link; /* -1 for the root link */
  int body;        /* body the link is rigidly attached to (-1 = fixed base) */
  mi_pose in_body; /* pose of the link frame in the body frame (body -1: in the world) */
  double mass;     /* kg; 0 allowed (massless frame link) */
  mi_vec3 com;     /* centre of mass in the link frame */
  mi_mat3 inertia; /* rotational inertia about the com, in link axes, kg m^2 */
  int line;        /* line of the <link> element in the URDF */
  int mesh_line;   /* line of a <mesh> collision element, 0 when none */
} mi_wm_link;

/* A URDF joint (fixed joints included, for names and lines). */
typedef struct mi_wm_joint {
  char name[MI_WM_NAME_MAX];
  mi_wm_joint_type type;
  int parent_link, child_link;
  int dof;           /* dof index (= body index) or -1 for a fixed joint */
  mi_pose origin;    /* <origin xyz rpy>: child joint frame in the parent link frame */
  mi_vec3 axis;      /* unit axis in the joint frame */
  double lower, upper;       /* rad or m; -inf/+inf for continuous */
  double effort;             /* N m or N; +inf when not given */
  double velocity;           /* rad/s or m/s; +inf when not given */
  double damping, friction;  /* N m s/rad (N s/m); N m (N) */
  int line;                  /* line of the <joint> element */
} mi_wm_joint;

/* The dynamics tables in one precision, the part of the model a rollout
 * reads; flat and pointer-free (see worldmodel/dynamics.h). Spatial inertia
 * of body i about its own origin, in body axes: mass, h = mass * com, and the
 * rotational inertia about the origin Io (xx, yy, zz, xy, xz, yz). */
#define MI_WM_DYN_STRUCT_(NAME, S)                                                            \
  typedef struct NAME {                                                                     \
    int ndof;                                                                               \
    int parent[MI_WM_MAX_DOF];   /* parent body, -1 = base; parent[i] < i */               \
    int prismatic[MI_WM_MAX_DOF]; /* 1: slides along z; 0: rotates about z */             \
    S tree_rot[MI_WM_MAX_DOF][9]; /* joint frame at q=0 in parent body, row-major */        \
    S tree_pos[MI_WM_MAX_DOF][3];                                                           \
    S mass[MI_WM_MAX_DOF];                                                                  \
    S h[MI_WM_MAX_DOF][3];                                                                  \
    S inertia[MI_WM_MAX_DOF][6];                                                            \
    S lower[MI_WM_MAX_DOF], upper[MI_WM_MAX_DOF];   /* position limits */                   \
    S effort[MI_WM_MAX_DOF], velocity[MI_WM_MAX_DOF]; /* torque and speed limits */         \
    S damping[MI_WM_MAX_DOF], friction[MI_WM_MAX_DOF];                                      \
    S friction_vel;           /* speed at which friction saturates (smooth Coulomb) */      \
    S gravity[3];             /* m/s^2 in the world */                                      \
    S base_rot[9], base_pos[3]; /* robot base pose in the world (already in tree_*) */      \
    int nsphere;                                                                            \
    int sphere_body[MI_WM_MAX_SPHERES]; /* -1 = fixed base: centre is in the world */        \
    S sphere_c[MI_WM_MAX_SPHERES][3];   /* centre in the body frame */                      \
    S sphere_r[MI_WM_MAX_SPHERES];                                                          \
    int ee_body;                        /* end-effector body (-1 = base) */                 \
    S ee_rot[9], ee_pos[3];             /* tool frame in the ee body frame */               \
  } NAME
MI_WM_DYN_STRUCT_(mi_wm_dynf, float);
MI_WM_DYN_STRUCT_(mi_wm_dynd, double);
#undef MI_WM_DYN_STRUCT_

/* A robot collision sphere (for clearance costs). */
typedef struct mi_wm_sphere {
  int link;        /* owning URDF link */
  int body;        /* owning body, -1 = fixed base */
  mi_vec3 center;  /* in the link frame */
  double radius;
} mi_wm_sphere;

/* The conveyor: a belt (box) moving parts along `direction` at `speed`. */
typedef struct mi_wm_conveyor {
  bool present;
  mi_wm_geom belt;   /* box in the world; its top face is the belt surface */
  mi_vec3 direction; /* unit, world frame */
  double speed;      /* m/s, >= 0 */
} mi_wm_conveyor;

/* A part type the conveyor brings (its pose comes from rt/part_poses). */
typedef struct mi_wm_part {
  char name[MI_WM_NAME_MAX];
  mi_wm_geom shape; /* pose is the spawn pose on the belt */
  double mass;      /* kg */
} mi_wm_part;

typedef struct mi_model {
  char name[MI_WM_NAME_MAX];        /* <robot name> */
  char urdf_path[256], cell_path[256];

  int nlink, njoint, ndof;
  mi_wm_link link[MI_WM_MAX_LINKS];
  mi_wm_joint joint[MI_WM_MAX_LINKS];  /* URDF joints in file order */
  int dof_joint[MI_WM_MAX_DOF];        /* joint index of dof i */

  int ngeom;                           /* robot collision geometry */
  mi_wm_geom geom[MI_WM_MAX_GEOMS];
  int nsphere;
  mi_wm_sphere sphere[MI_WM_MAX_SPHERES];
  int nself;                           /* sphere pairs on non-adjacent bodies */
  uint16_t self_pair[MI_WM_MAX_SELF][2];
  /* exact self check (worldmodel/verify.h): bit h of self_geom_off[g] set =
   * geoms g and h are never checked against each other (same body, parent
   * and child, both fixed, or touching at the home pose) */
  uint64_t self_geom_off[MI_WM_MAX_GEOMS][MI_WM_MAX_GEOMS / 64];

  int ee_link;                         /* end-effector link */
  mi_pose tool;                        /* tool frame in the ee link frame */
  mi_pose base;                        /* robot base in the world */

  int nfixture;
  mi_wm_geom fixture[MI_WM_MAX_FIXTURES];
  mi_wm_conveyor conveyor;
  int npart;
  mi_wm_part part[MI_WM_MAX_PARTS];
  int nzone;
  mi_wm_geom zone[MI_WM_MAX_ZONES];
  double ground_z;                     /* the floor plane z = ground_z (m) */

  mi_wm_dynd dyn;                      /* dynamics tables, float64 (reference) */
  mi_wm_dynf dynf;                     /* the same in float32 (rollouts) */
} mi_model;

/* Load a URDF and (when cell_path is not NULL) a cell YAML, and compile them
 * into a model. Collision spheres come from the cell file, else are generated
 * from the URDF's primitive collision geometry; the end effector defaults to
 * the last link of the longest chain. On error returns NULL and writes
 * "FILE:LINE: element <x>: what" into err. Caller frees with mi_wm_model_free. */
mi_model *mi_wm_model_load(const char *urdf_path, const char *cell_path, char *err,
                           size_t err_sz);

/* As mi_wm_model_load from URDF text in memory; name is used in messages. */
mi_model *mi_wm_model_load_urdf_string(const char *text, size_t len, const char *name,
                                       char *err, size_t err_sz);

void mi_wm_model_free(mi_model *m);

/* Parse URDF text into m's links and joints (worldmodel/urdf.c); m is zeroed
 * first. Does not compile. @retval MI_ERR_IO @retval MI_ERR_PARSE
 * @retval MI_ERR_RANGE (a limit MI_WM_MAX_* exceeded) */
mi_status mi_wm_urdf_parse(mi_model *m, const char *text, size_t len, const char *name,
                           char *err, size_t err_sz);

/* Apply a cell YAML file to a parsed model (worldmodel/cell.c): base pose,
 * spheres, fixtures, conveyor, parts, zones, end effector and tool.
 * @retval MI_ERR_IO @retval MI_ERR_PARSE */
mi_status mi_wm_cell_apply(mi_model *m, const char *path, char *err, size_t err_sz);

/* As mi_wm_cell_apply from YAML text in memory (len bytes, need not be
 * NUL-terminated); name is used in messages and as m->cell_path. */
mi_status mi_wm_cell_apply_string(mi_model *m, const char *text, size_t len, const char *name,
                                  char *err, size_t err_sz);

/* Fuse fixed joints, order bodies, fill dyn/dynf, spheres' bodies, self
 * pairs (worldmodel/model.c). @retval MI_ERR_INVALID (e.g. a moving body
 * without mass, a mesh link without spheres) */
mi_status mi_wm_model_compile(mi_model *m, char *err, size_t err_sz);

/* Index of the link / joint / dof named name, -1 when absent. */
int mi_wm_link_index(const mi_model *m, const char *name);
int mi_wm_joint_index(const mi_model *m, const char *name);
int mi_wm_dof_index(const mi_model *m, const char *joint_name);

#ifdef __cplusplus
}
#endif

#endif /* MI_WM_MODEL_H */
