/* sim/bullet_capi.h - a small C interface over Bullet 3 (Debian's libbullet-dev,
 * double-precision build), implemented in sim/bullet_capi.cpp, the only file
 * in mirai that includes a Bullet header.
 *
 * A world holds at most one articulated arm (a fixed-base btMultiBody built
 * from a plain C description of its links, which the sim fills from the
 * predictor's mi_model), any number of rigid bodies (static fixtures,
 * dynamic parts) and conveyor belts (kinematic boxes whose surface carries
 * what rests on them at a set speed).
 *
 * Conventions: SI units, angles in radians, time step in seconds, poses as
 * core/math.h mi_pose (position, quaternion w,x,y,z; child-to-parent), world
 * z up. Bodies are named by small integer handles: the arm's link i has
 * handle MI_BT_LINK_HANDLE(i), rigid bodies and conveyors get handles >= 0
 * in creation order; MI_BT_WORLD_HANDLE stands for "nothing" (no body).
 *
 * Physics choices (so the plant matches the predictor where it should):
 * the multibody's built-in linear/angular damping is set to 0, the
 * gyroscopic term kept (it is real physics), velocity and impulse clamps
 * raised out of the way; joint viscous damping is applied explicitly as a
 * torque -d * qdot each step, Coulomb joint friction as a velocity motor with
 * a maximum impulse of friction * dt (as Bullet's own URDF importer does).
 *
 * Threads: a world is not thread-safe; one thread uses it at a time.
 * Determinism: the same calls in the same order give bit-identical results
 * (Bullet's solver is sequential and the world owns its own state).
 */
#ifndef MI_SIM_BULLET_CAPI_H
#define MI_SIM_BULLET_CAPI_H

#include <stdbool.h>
#include <stddef.h>

#include "core/math.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MI_BT_MAX_LINKS 32
#define MI_BT_MAX_LINK_SPHERES 32
#define MI_BT_WORLD_HANDLE (-1)
/* arm link i (0-based, not the base) <-> handle */
#define MI_BT_LINK_HANDLE(i) (-2 - (i))
#define MI_BT_HANDLE_IS_LINK(h) ((h) <= -2)
#define MI_BT_HANDLE_LINK(h) (-2 - (h))

typedef struct mi_bt_world mi_bt_world;

typedef enum mi_bt_joint_type {
  MI_BT_JOINT_FIXED = 0,
  MI_BT_JOINT_REVOLUTE = 1,
  MI_BT_JOINT_PRISMATIC = 2
} mi_bt_joint_type;

/* A collision sphere attached to a link, centre in the link frame. */
typedef struct mi_bt_sphere {
  mi_vec3 c;
  double r;
} mi_bt_sphere;

/* One link of the arm and the joint that connects it to its parent, as URDF
 * describes them: the joint frame sits at `origin` in the parent link's frame,
 * the child link frame equals the joint frame at q = 0, `axis` is a unit
 * vector in the joint frame. Mass properties in the child link frame:
 * centre of mass `com`, inertia tensor about the COM as (ixx iyy izz ixy
 * ixz iyz); it need not be diagonal (the API rotates to principal axes). */
typedef struct mi_bt_link_desc {
  int parent;              /* -1: the base; else an earlier link index */
  mi_bt_joint_type type;
  mi_pose origin;          /* joint frame in the parent link frame */
  mi_vec3 axis;            /* joint axis in the joint frame (unit) */
  double mass;             /* kg, > 0 */
  mi_vec3 com;             /* m, in the link frame */
  double inertia[6];       /* kg m^2: ixx iyy izz ixy ixz iyz about the COM */
  double damping;          /* N m s/rad (or N s/m), viscous, >= 0 */
  double friction;         /* N m (or N), Coulomb, >= 0 */
  int n_spheres;           /* collision spheres, 0..MI_BT_MAX_LINK_SPHERES */
  mi_bt_sphere spheres[MI_BT_MAX_LINK_SPHERES];
} mi_bt_link_desc;

typedef struct mi_bt_arm_desc {
  mi_pose base_pose;       /* the base link frame in the world */
  int n_links;             /* 1..MI_BT_MAX_LINKS (not counting the base) */
  mi_bt_link_desc links[MI_BT_MAX_LINKS];
} mi_bt_arm_desc;

typedef enum mi_bt_shape {
  MI_BT_BOX = 0,      /* size = half extents x, y, z */
  MI_BT_SPHERE = 1,   /* size.x = radius */
  MI_BT_CYLINDER = 2  /* size.x = radius, size.z = half height, axis z */
} mi_bt_shape;

typedef struct mi_bt_body_desc {
  mi_bt_shape shape;
  mi_vec3 size;
  double mass;             /* kg; 0 makes a static body (a fixture) */
  mi_pose pose;            /* initial pose in the world */
  double friction;         /* Coulomb coefficient, >= 0 */
  double restitution;      /* 0..1 */
} mi_bt_body_desc;

/* One contact point between two bodies after the last step. */
typedef struct mi_bt_contact {
  int a, b;                /* handles (MI_BT_WORLD_HANDLE never appears) */
  mi_vec3 pos;             /* m, world, on body b */
  mi_vec3 normal;          /* unit, world, pointing from b towards a */
  double depth;            /* m, negative when penetrating */
  double impulse;          /* N s, normal impulse applied in the last step */
} mi_bt_contact;

/* Create an empty world with gravity (m/s^2, world frame) and a fixed time
 * step dt_s used by every mi_bt_step. Caller destroys with mi_bt_destroy.
 * @retval MI_ERR_INVALID  dt_s not finite and > 0, or out NULL
 * @retval MI_ERR_NOMEM    allocation failed */
mi_status mi_bt_create(mi_vec3 gravity, double dt_s, mi_bt_world **out);

/* Destroy the world and everything in it. NULL is ignored. */
void mi_bt_destroy(mi_bt_world *w);

/* Build the arm. Once per world. Joint positions and velocities start at 0.
 * @retval MI_ERR_INVALID  bad description (parent order, mass <= 0, n_links
 *                         out of range, non-finite numbers, zero axis)
 * @retval MI_ERR_STATE    the world already has an arm */
mi_status mi_bt_add_arm(mi_bt_world *w, const mi_bt_arm_desc *d);

/* Number of moving joints (revolute or prismatic) of the arm, 0 without one.
 * Joint-space arrays in this API have this length, in link order, skipping
 * fixed joints. */
int mi_bt_arm_dofs(const mi_bt_world *w);

/* Add a rigid body; *handle receives its handle (>= 0).
 * @retval MI_ERR_INVALID  bad shape size, negative mass, non-finite pose */
mi_status mi_bt_add_body(mi_bt_world *w, const mi_bt_body_desc *d, int *handle);

/* Add a conveyor belt: a kinematic box (half extents `half`) at `pose` whose
 * top surface moves at `speed` (m/s, may be negative) along `dir` (a unit
 * vector in the world). Parts resting on it are carried by friction.
 * @retval MI_ERR_INVALID  bad arguments */
mi_status mi_bt_add_conveyor(mi_bt_world *w, mi_pose pose, mi_vec3 half, mi_vec3 dir,
                             double speed, double friction, int *handle);

/* Change a conveyor's speed (m/s). @retval MI_ERR_NOT_FOUND not a conveyor */
mi_status mi_bt_set_conveyor_speed(mi_bt_world *w, int handle, double speed);

/* Remove a rigid body (a part leaving the cell). Its handle is not reused.
 * @retval MI_ERR_NOT_FOUND  no such body */
mi_status mi_bt_remove_body(mi_bt_world *w, int handle);

/* Set the arm's joint state (teleport) and clear velocities when qd is NULL.
 * Arrays of mi_bt_arm_dofs() entries. */
mi_status mi_bt_set_joint_state(mi_bt_world *w, const double *q, const double *qd);

/* Joint torques (N m or N) applied during the next mi_bt_step only. */
mi_status mi_bt_set_joint_torques(mi_bt_world *w, const double *tau);

/* Position targets for the next steps, tracked by a joint-space PD torque
 * added to any set torque; qd_ref NULL means zero. The PD is the stable
 * (implicit) form of Tan, Liu and Turk (2011): with h the step and m a lower
 * bound of the joint's inertia (the moved link alone about its axis),
 *   tau = [kp (q_ref - q - h qd) + kd (qd_ref - qd)] / (1 + h (kd + h kp) / m),
 * which is kp (q_ref - q) + kd (qd_ref - qd) when h (kd + h kp) << m and stays
 * stable for stiff gains on light links where the explicit PD diverges. mi_bt_clear_position_targets returns to pure torque control.
 * @retval MI_ERR_INVALID  non-finite values or negative gains */
mi_status mi_bt_set_position_targets(mi_bt_world *w, const double *q_ref, const double *qd_ref,
                                     const double *kp, const double *kd);
void mi_bt_clear_position_targets(mi_bt_world *w);

/* Gravity compensation of the position servo: while position targets are
 * set, add the gravity torques g(q) (mi_bt_gravity_torques) to the PD torque
 * (outside the stable-PD scaling), as the planner's rollouts
 * (worldmodel/rollout_law.h) and the controller's PD + gravity law do. Off
 * by default. */
void mi_bt_set_gravity_compensation(mi_bt_world *w, bool on);

/* The joint torques that hold the arm still against gravity at its present
 * configuration, from its own links (masses, centres of mass): for a
 * revolute dof -axis . sum over the moved subtree of (com - pivot) x m g;
 * prismatic -axis . M g. mi_bt_arm_dofs() values.
 * @retval MI_ERR_INVALID no arm, NULL g */
mi_status mi_bt_gravity_torques(const mi_bt_world *w, double *g);

/* Advance one time step. Applies the set torques, PD targets, damping and
 * friction, then clears the one-step torques. */
mi_status mi_bt_step(mi_bt_world *w);

/* Simulated time since creation, in ns (steps * dt). */
long long mi_bt_time_ns(const mi_bt_world *w);

/* Read joint positions, velocities and the torque the actuators applied in
 * the last step (command + PD, not damping/friction). Any pointer may be NULL. */
mi_status mi_bt_get_joint_state(const mi_bt_world *w, double *q, double *qd, double *tau);

/* Never collide bodies a and b (rigid body handles or MI_BT_LINK_HANDLE(i)):
 * no contact, no force between them (adjacent parts of one machine).
 * @retval MI_ERR_NOT_FOUND a handle names nothing */
mi_status mi_bt_ignore_pair(mi_bt_world *w, int a, int b);

/* World pose of a body (rigid body handle, or MI_BT_LINK_HANDLE(i) for the
 * arm's link frame i, the URDF link frame) and its linear velocity.
 * lin_vel may be NULL. @retval MI_ERR_NOT_FOUND no such body */
mi_status mi_bt_get_pose(const mi_bt_world *w, int handle, mi_pose *pose, mi_vec3 *lin_vel);

/* Contacts found in the last step, up to max written to out (out may be NULL
 * to count). @return the total number of contact points (may exceed max). */
int mi_bt_get_contacts(const mi_bt_world *w, mi_bt_contact *out, int max);

/* Total contact force and torque (about the link frame origin) that other
 * bodies applied to arm link i during the last step, in the world frame. */
mi_status mi_bt_get_link_contact_wrench(const mi_bt_world *w, int link, mi_vec3 *force,
                                        mi_vec3 *torque);

#ifdef __cplusplus
}
#endif

#endif /* MI_SIM_BULLET_CAPI_H */
