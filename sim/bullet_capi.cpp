// sim/bullet_capi.cpp - the C interface of sim/bullet_capi.h over Bullet 3
// (double precision). The only file in mirai that includes Bullet headers.

#include "sim/bullet_capi.h"

#include <btBulletDynamicsCommon.h>

#include <BulletDynamics/Featherstone/btMultiBody.h>
#include <BulletDynamics/Featherstone/btMultiBodyConstraintSolver.h>
#include <BulletDynamics/Featherstone/btMultiBodyDynamicsWorld.h>
#include <BulletDynamics/Featherstone/btMultiBodyJointMotor.h>
#include <BulletDynamics/Featherstone/btMultiBodyLinkCollider.h>

#include <cmath>
#include <new>
#include <vector>

#ifndef BT_USE_DOUBLE_PRECISION
#error "mirai links Bullet's double-precision build (pkg-config bullet-float64)"
#endif

namespace {

constexpr size_t MI_BT_MAX_DOFS_GRAV = 64;

struct body_rec {
  btRigidBody *rb = nullptr;
  btCollisionShape *shape = nullptr;
  bool conveyor = false;
  bool removed = false;
  btVector3 dir{0, 0, 0};
  double speed = 0;
};

}  // namespace

struct mi_bt_world {
  btDefaultCollisionConfiguration *cfg = nullptr;
  btCollisionDispatcher *disp = nullptr;
  btDbvtBroadphase *bp = nullptr;
  btMultiBodyConstraintSolver *solver = nullptr;
  btMultiBodyDynamicsWorld *dw = nullptr;
  double dt = 0;
  long long steps = 0;

  // the arm
  btMultiBody *mb = nullptr;
  int n_links = 0;
  std::vector<btMultiBodyLinkCollider *> colliders;
  std::vector<btCollisionShape *> link_shapes;
  std::vector<btMultiBodyJointMotor *> motors;
  std::vector<btTransform> com_in_link;  // Bullet link frame (COM, principal axes) in URDF link frame
  std::vector<int> dof_link;             // link index of each dof
  std::vector<double> damping, tau_cmd, tau_applied, q_ref, qd_ref, kp, kd;
  std::vector<double> inertia_lb; // per dof: a lower bound of the joint-space inertia
  bool pd_on = false;
  bool gravity_comp = false; // the PD servo adds the gravity torques g(q)

  std::vector<body_rec> bodies;
};

namespace {

btVector3 to_bt(mi_vec3 v) { return btVector3(v.x, v.y, v.z); }
mi_vec3 from_bt(const btVector3 &v) { return mi_vec3_make(v.x(), v.y(), v.z()); }
btQuaternion to_bt(mi_quat q) { return btQuaternion(q.x, q.y, q.z, q.w); }
mi_quat from_bt(const btQuaternion &q) {
  mi_quat r;
  r.w = q.w();
  r.x = q.x();
  r.y = q.y();
  r.z = q.z();
  return r;
}
btTransform to_bt(mi_pose p) { return btTransform(to_bt(p.q).normalized(), to_bt(p.p)); }

bool finite3(mi_vec3 v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); }
bool finite_pose(mi_pose p) {
  return finite3(p.p) && std::isfinite(p.q.w) && std::isfinite(p.q.x) && std::isfinite(p.q.y) &&
         std::isfinite(p.q.z) && (p.q.w * p.q.w + p.q.x * p.q.x + p.q.y * p.q.y + p.q.z * p.q.z) > 1e-12;
}

// keeps a conveyor's surface velocity: Bullet recomputes a kinematic body's
// velocity from its (unchanged) transform before each step, so it is set
// again here, just before the solver reads it
void pre_tick(btDynamicsWorld *dw, btScalar) {
  mi_bt_world *w = static_cast<mi_bt_world *>(dw->getWorldUserInfo());
  for (body_rec &b : w->bodies) {
    if (b.conveyor && !b.removed) {
      b.rb->setLinearVelocity(b.dir * b.speed);
      b.rb->setAngularVelocity(btVector3(0, 0, 0));
    }
  }
}

// refresh link collider transforms after a teleport
void sync_arm_colliders(mi_bt_world *w) {
  btAlignedObjectArray<btQuaternion> w2l;
  btAlignedObjectArray<btVector3> org;
  w->mb->forwardKinematics(w2l, org);
  w->mb->updateCollisionObjectWorldTransforms(w2l, org);
}

int handle_of(const btCollisionObject *o) { return o ? o->getUserIndex() : MI_BT_WORLD_HANDLE; }

body_rec *find_body(mi_bt_world *w, int h) {
  if (h < 0 || h >= (int)w->bodies.size() || w->bodies[(size_t)h].removed) return nullptr;
  return &w->bodies[(size_t)h];
}

}  // namespace

extern "C" {

mi_status mi_bt_create(mi_vec3 gravity, double dt_s, mi_bt_world **out) {
  if (!out || !std::isfinite(dt_s) || dt_s <= 0 || !finite3(gravity)) return MI_ERR_INVALID;
  mi_bt_world *w = new (std::nothrow) mi_bt_world();
  if (!w) return MI_ERR_NOMEM;
  try {
    w->cfg = new btDefaultCollisionConfiguration();
    w->disp = new btCollisionDispatcher(w->cfg);
    w->bp = new btDbvtBroadphase();
    w->solver = new btMultiBodyConstraintSolver();
    w->dw = new btMultiBodyDynamicsWorld(w->disp, w->bp, w->solver, w->cfg);
  } catch (...) {
    mi_bt_destroy(w);
    return MI_ERR_NOMEM;
  }
  w->dw->setGravity(to_bt(gravity));
  w->dw->setInternalTickCallback(pre_tick, w, true);
  w->dt = dt_s;
  *out = w;
  return MI_OK;
}

void mi_bt_destroy(mi_bt_world *w) {
  if (!w) return;
  if (w->dw) {
    for (btMultiBodyJointMotor *m : w->motors) w->dw->removeMultiBodyConstraint(m);
    for (btMultiBodyLinkCollider *c : w->colliders)
      if (c) w->dw->removeCollisionObject(c);
    if (w->mb) w->dw->removeMultiBody(w->mb);
    for (body_rec &b : w->bodies)
      if (!b.removed) w->dw->removeRigidBody(b.rb);
  }
  for (btMultiBodyJointMotor *m : w->motors) delete m;
  for (btMultiBodyLinkCollider *c : w->colliders) delete c;
  for (btCollisionShape *s : w->link_shapes) delete s;
  delete w->mb;
  for (body_rec &b : w->bodies) {
    if (b.rb) delete b.rb->getMotionState();
    delete b.rb;
    delete b.shape;
  }
  delete w->dw;
  delete w->solver;
  delete w->bp;
  delete w->disp;
  delete w->cfg;
  delete w;
}

static mi_status check_arm(const mi_bt_arm_desc *d) {
  if (d->n_links < 1 || d->n_links > MI_BT_MAX_LINKS || !finite_pose(d->base_pose))
    return MI_ERR_INVALID;
  for (int i = 0; i < d->n_links; i++) {
    const mi_bt_link_desc *l = &d->links[i];
    if (l->parent < -1 || l->parent >= i) return MI_ERR_INVALID;
    if (l->type != MI_BT_JOINT_FIXED && l->type != MI_BT_JOINT_REVOLUTE &&
        l->type != MI_BT_JOINT_PRISMATIC)
      return MI_ERR_INVALID;
    if (!(l->mass > 0) || !std::isfinite(l->mass) || !finite_pose(l->origin) ||
        !finite3(l->axis) || !finite3(l->com))
      return MI_ERR_INVALID;
    if (l->type != MI_BT_JOINT_FIXED && mi_vec3_norm(l->axis) < 1e-9) return MI_ERR_INVALID;
    for (int k = 0; k < 6; k++)
      if (!std::isfinite(l->inertia[k])) return MI_ERR_INVALID;
    if (!(l->damping >= 0) || !(l->friction >= 0) || !std::isfinite(l->damping) ||
        !std::isfinite(l->friction))
      return MI_ERR_INVALID;
    if (l->n_spheres < 0 || l->n_spheres > MI_BT_MAX_LINK_SPHERES) return MI_ERR_INVALID;
    for (int k = 0; k < l->n_spheres; k++)
      if (!finite3(l->spheres[k].c) || !(l->spheres[k].r > 0)) return MI_ERR_INVALID;
  }
  return MI_OK;
}

mi_status mi_bt_add_arm(mi_bt_world *w, const mi_bt_arm_desc *d) {
  if (!w || !d) return MI_ERR_INVALID;
  if (w->mb) return MI_ERR_STATE;
  mi_status st = check_arm(d);
  if (st != MI_OK) return st;
  const int n = d->n_links;

  // principal axes of each link's inertia: the Bullet link frame is the COM
  // frame rotated onto them (Bullet wants a diagonal inertia)
  std::vector<btTransform> T((size_t)n);
  std::vector<btVector3> Idiag((size_t)n);
  for (int i = 0; i < n; i++) {
    const double *I = d->links[i].inertia;
    btMatrix3x3 M(I[0], I[3], I[4], I[3], I[1], I[5], I[4], I[5], I[2]);
    btMatrix3x3 rot;
    rot.setIdentity();
    M.diagonalize(rot, btScalar(1e-14), 64);
    Idiag[(size_t)i] = btVector3(M[0][0], M[1][1], M[2][2]);
    for (int k = 0; k < 3; k++)
      if (!(Idiag[(size_t)i][k] > 0)) Idiag[(size_t)i][k] = 1e-9;  // point-mass links
    T[(size_t)i] = btTransform(rot, to_bt(d->links[i].com));
  }

  btMultiBody *mb = nullptr;
  try {
    mb = new btMultiBody(n, 1.0, btVector3(1, 1, 1), true, false);
  } catch (...) {
    return MI_ERR_NOMEM;
  }
  mb->setBaseWorldTransform(to_bt(d->base_pose));

  std::vector<int> dof_link;
  for (int i = 0; i < n; i++) {
    const mi_bt_link_desc *l = &d->links[i];
    const btTransform &Ti = T[(size_t)i];
    btTransform Tp = l->parent < 0 ? btTransform::getIdentity() : T[(size_t)l->parent];
    btMatrix3x3 Rj(to_bt(l->origin.q).normalized());
    btMatrix3x3 Rrel = Tp.getBasis().transpose() * Rj * Ti.getBasis();
    btQuaternion parent_to_this;
    Rrel.transpose().getRotation(parent_to_this);
    btVector3 e = Tp.getBasis().transpose() * (to_bt(l->origin.p) - Tp.getOrigin());
    btVector3 dv = Ti.getBasis().transpose() * Ti.getOrigin();
    btVector3 axis = Ti.getBasis().transpose() * to_bt(mi_vec3_normalize(l->axis));
    switch (l->type) {
      case MI_BT_JOINT_REVOLUTE:
        mb->setupRevolute(i, l->mass, Idiag[(size_t)i], l->parent, parent_to_this, axis, e, dv,
                          true);
        dof_link.push_back(i);
        break;
      case MI_BT_JOINT_PRISMATIC:
        mb->setupPrismatic(i, l->mass, Idiag[(size_t)i], l->parent, parent_to_this, axis, e, dv,
                           true);
        dof_link.push_back(i);
        break;
      default:
        mb->setupFixed(i, l->mass, Idiag[(size_t)i], l->parent, parent_to_this, e, dv, true);
        break;
    }
  }
  mb->finalizeMultiDof();
  // pitfalls.md: no built-in damping, no clamps; joint damping is explicit
  mb->setLinearDamping(0);
  mb->setAngularDamping(0);
  mb->setUseGyroTerm(true);
  mb->setMaxCoordinateVelocity(1e6);
  mb->setMaxAppliedImpulse(1e6);
  mb->setCanSleep(false);
  mb->setHasSelfCollision(false);
  w->dw->addMultiBody(mb);
  w->mb = mb;
  w->n_links = n;
  w->com_in_link = T;
  w->dof_link = dof_link;

  size_t nd = dof_link.size();
  w->damping.assign(nd, 0);
  w->tau_cmd.assign(nd, 0);
  w->tau_applied.assign(nd, 0);
  w->q_ref.assign(nd, 0);
  w->qd_ref.assign(nd, 0);
  w->kp.assign(nd, 0);
  w->kd.assign(nd, 0);
  w->inertia_lb.assign(nd, 0);
  w->colliders.assign((size_t)n, nullptr);
  for (size_t k = 0; k < nd; k++) {
    const mi_bt_link_desc *l = &d->links[dof_link[k]];
    w->damping[k] = l->damping;
    // the moved link alone about (along) its joint axis: the joint-space
    // inertia of this dof is at least that (the links it carries add to it)
    if (l->type == MI_BT_JOINT_PRISMATIC) {
      w->inertia_lb[k] = l->mass;
    } else {
      const double *I = l->inertia;
      double a[3] = {l->axis.x, l->axis.y, l->axis.z}, c[3] = {l->com.x, l->com.y, l->com.z};
      double an = std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
      for (double &x : a) x /= an;
      double Ic[3][3] = {{I[0], I[3], I[4]}, {I[3], I[1], I[5]}, {I[4], I[5], I[2]}};
      double ia = 0, ca = c[0] * a[0] + c[1] * a[1] + c[2] * a[2];
      for (int r = 0; r < 3; r++)
        for (int cc = 0; cc < 3; cc++) ia += a[r] * Ic[r][cc] * a[cc];
      double cc2 = c[0] * c[0] + c[1] * c[1] + c[2] * c[2];
      w->inertia_lb[k] = ia + l->mass * (cc2 - ca * ca); // parallel axis to the joint axis
    }
    // Coulomb friction: a velocity motor towards 0 whose impulse is capped
    if (l->friction > 0) {
      btMultiBodyJointMotor *m =
          new btMultiBodyJointMotor(mb, dof_link[k], 0.0, l->friction * w->dt);
      w->dw->addMultiBodyConstraint(m);
      w->motors.push_back(m);
    }
  }

  // collision spheres of each link, in the Bullet link frame. A link without
  // spheres still gets a collider that collides with nothing: Bullet's
  // island manager finds a multibody's constraints (the friction motors)
  // through its colliders and ignores them without one
  for (int i = 0; i < n; i++) {
    const mi_bt_link_desc *l = &d->links[i];
    if (l->n_spheres == 0) {
      btSphereShape *s = new btSphereShape(0.001);
      w->link_shapes.push_back(s);
      btMultiBodyLinkCollider *col = new btMultiBodyLinkCollider(mb, i);
      col->setCollisionShape(s);
      col->setUserIndex(MI_BT_LINK_HANDLE(i));
      w->dw->addCollisionObject(col, btBroadphaseProxy::SensorTrigger, 0);
      mb->getLink(i).m_collider = col;
      w->colliders[(size_t)i] = col;
      continue;
    }
    btCompoundShape *cs = new btCompoundShape();
    w->link_shapes.push_back(cs);
    btTransform inv = T[(size_t)i].inverse();
    for (int k = 0; k < l->n_spheres; k++) {
      btSphereShape *s = new btSphereShape(l->spheres[k].r);
      w->link_shapes.push_back(s);
      cs->addChildShape(btTransform(btQuaternion::getIdentity(), inv * to_bt(l->spheres[k].c)), s);
    }
    btMultiBodyLinkCollider *col = new btMultiBodyLinkCollider(mb, i);
    col->setCollisionShape(cs);
    col->setUserIndex(MI_BT_LINK_HANDLE(i));
    col->setFriction(0.5);
    w->dw->addCollisionObject(col, btBroadphaseProxy::DefaultFilter, btBroadphaseProxy::AllFilter);
    mb->getLink(i).m_collider = col;
    w->colliders[(size_t)i] = col;
  }
  sync_arm_colliders(w);
  return MI_OK;
}

int mi_bt_arm_dofs(const mi_bt_world *w) { return w ? (int)w->dof_link.size() : 0; }

static btCollisionShape *make_shape(mi_bt_shape s, mi_vec3 size) {
  switch (s) {
    case MI_BT_BOX:
      if (!(size.x > 0 && size.y > 0 && size.z > 0)) return nullptr;
      return new btBoxShape(to_bt(size));
    case MI_BT_SPHERE:
      if (!(size.x > 0)) return nullptr;
      return new btSphereShape(size.x);
    case MI_BT_CYLINDER:
      if (!(size.x > 0 && size.z > 0)) return nullptr;
      return new btCylinderShapeZ(btVector3(size.x, size.x, size.z));
  }
  return nullptr;
}

static int add_rigid(mi_bt_world *w, btCollisionShape *shape, double mass, mi_pose pose,
                     double friction, double restitution, bool kinematic) {
  btVector3 inertia(0, 0, 0);
  if (mass > 0) shape->calculateLocalInertia(mass, inertia);
  btDefaultMotionState *ms = new btDefaultMotionState(to_bt(pose));
  btRigidBody::btRigidBodyConstructionInfo ci(mass, ms, shape, inertia);
  ci.m_friction = friction;
  ci.m_restitution = restitution;
  ci.m_linearDamping = 0;
  ci.m_angularDamping = 0;
  btRigidBody *rb = new btRigidBody(ci);
  if (kinematic) rb->setCollisionFlags(rb->getCollisionFlags() | btCollisionObject::CF_KINEMATIC_OBJECT);
  rb->setActivationState(DISABLE_DEACTIVATION);
  int h = (int)w->bodies.size();
  rb->setUserIndex(h);
  body_rec r;
  r.rb = rb;
  r.shape = shape;
  w->bodies.push_back(r);
  w->dw->addRigidBody(rb);
  return h;
}

mi_status mi_bt_add_body(mi_bt_world *w, const mi_bt_body_desc *d, int *handle) {
  if (!w || !d || !handle) return MI_ERR_INVALID;
  if (!(d->mass >= 0) || !std::isfinite(d->mass) || !finite_pose(d->pose) ||
      !(d->friction >= 0) || !std::isfinite(d->friction) || !(d->restitution >= 0) ||
      !(d->restitution <= 1))
    return MI_ERR_INVALID;
  btCollisionShape *s = make_shape(d->shape, d->size);
  if (!s) return MI_ERR_INVALID;
  *handle = add_rigid(w, s, d->mass, d->pose, d->friction, d->restitution, false);
  return MI_OK;
}

static btCollisionObject *object_of(mi_bt_world *w, int h) {
  if (MI_BT_HANDLE_IS_LINK(h)) {
    int i = MI_BT_HANDLE_LINK(h);
    return i < w->n_links ? w->colliders[(size_t)i] : nullptr;
  }
  body_rec *b = find_body(w, h);
  return b ? b->rb : nullptr;
}

mi_status mi_bt_ignore_pair(mi_bt_world *w, int a, int b) {
  if (!w) return MI_ERR_INVALID;
  btCollisionObject *oa = object_of(w, a), *ob = object_of(w, b);
  if (!oa || !ob) return MI_ERR_NOT_FOUND;
  oa->setIgnoreCollisionCheck(ob, true);
  ob->setIgnoreCollisionCheck(oa, true);
  return MI_OK;
}

mi_status mi_bt_add_conveyor(mi_bt_world *w, mi_pose pose, mi_vec3 half, mi_vec3 dir,
                             double speed, double friction, int *handle) {
  if (!w || !handle || !finite_pose(pose) || !finite3(dir) || mi_vec3_norm(dir) < 1e-9 ||
      !std::isfinite(speed) || !(friction >= 0))
    return MI_ERR_INVALID;
  btCollisionShape *s = make_shape(MI_BT_BOX, half);
  if (!s) return MI_ERR_INVALID;
  int h = add_rigid(w, s, 0.0, pose, friction, 0.0, true);
  body_rec &b = w->bodies[(size_t)h];
  b.conveyor = true;
  b.dir = to_bt(mi_vec3_normalize(dir));
  b.speed = speed;
  *handle = h;
  return MI_OK;
}

mi_status mi_bt_set_conveyor_speed(mi_bt_world *w, int handle, double speed) {
  if (!w || !std::isfinite(speed)) return MI_ERR_INVALID;
  body_rec *b = find_body(w, handle);
  if (!b || !b->conveyor) return MI_ERR_NOT_FOUND;
  b->speed = speed;
  return MI_OK;
}

mi_status mi_bt_remove_body(mi_bt_world *w, int handle) {
  if (!w) return MI_ERR_INVALID;
  body_rec *b = find_body(w, handle);
  if (!b) return MI_ERR_NOT_FOUND;
  w->dw->removeRigidBody(b->rb);
  b->removed = true;
  return MI_OK;
}

mi_status mi_bt_set_joint_state(mi_bt_world *w, const double *q, const double *qd) {
  if (!w || !w->mb || !q) return MI_ERR_INVALID;
  size_t nd = w->dof_link.size();
  for (size_t k = 0; k < nd; k++)
    if (!std::isfinite(q[k]) || (qd && !std::isfinite(qd[k]))) return MI_ERR_INVALID;
  for (size_t k = 0; k < nd; k++) {
    w->mb->setJointPos(w->dof_link[k], q[k]);
    w->mb->setJointVel(w->dof_link[k], qd ? qd[k] : 0.0);
  }
  sync_arm_colliders(w);
  return MI_OK;
}

mi_status mi_bt_set_joint_torques(mi_bt_world *w, const double *tau) {
  if (!w || !w->mb || !tau) return MI_ERR_INVALID;
  size_t nd = w->dof_link.size();
  for (size_t k = 0; k < nd; k++)
    if (!std::isfinite(tau[k])) return MI_ERR_INVALID;
  for (size_t k = 0; k < nd; k++) w->tau_cmd[k] = tau[k];
  return MI_OK;
}

mi_status mi_bt_set_position_targets(mi_bt_world *w, const double *q_ref, const double *qd_ref,
                                     const double *kp, const double *kd) {
  if (!w || !w->mb || !q_ref || !kp || !kd) return MI_ERR_INVALID;
  size_t nd = w->dof_link.size();
  for (size_t k = 0; k < nd; k++) {
    if (!std::isfinite(q_ref[k]) || (qd_ref && !std::isfinite(qd_ref[k])) ||
        !std::isfinite(kp[k]) || !std::isfinite(kd[k]) || kp[k] < 0 || kd[k] < 0)
      return MI_ERR_INVALID;
  }
  for (size_t k = 0; k < nd; k++) {
    w->q_ref[k] = q_ref[k];
    w->qd_ref[k] = qd_ref ? qd_ref[k] : 0.0;
    w->kp[k] = kp[k];
    w->kd[k] = kd[k];
  }
  w->pd_on = true;
  return MI_OK;
}

void mi_bt_clear_position_targets(mi_bt_world *w) {
  if (w) w->pd_on = false;
}

void mi_bt_set_gravity_compensation(mi_bt_world *w, bool on) {
  if (w) w->gravity_comp = on;
}

mi_status mi_bt_gravity_torques(const mi_bt_world *w, double *g) {
  if (!w || !w->mb || !g) return MI_ERR_INVALID;
  const btMultiBody *mb = w->mb;
  const btVector3 grav = w->dw->getGravity();
  const int nl = mb->getNumLinks();
  // link masses and world COMs (the Bullet link frame is at the COM)
  if (nl > MI_BT_MAX_LINKS) return MI_ERR_INVALID;
  btScalar m[MI_BT_MAX_LINKS];
  btVector3 c[MI_BT_MAX_LINKS];
  for (int i = 0; i < nl; i++) {
    m[(size_t)i] = mb->getLinkMass(i);
    c[(size_t)i] = mb->localPosToWorld(i, btVector3(0, 0, 0));
  }
  for (size_t k = 0; k < w->dof_link.size(); k++) {
    const int li = w->dof_link[k];
    const btMultibodyLink &L = mb->getLink(li);
    // the subtree of li: links whose parent chain reaches li
    btScalar M = 0;
    btVector3 S(0, 0, 0);
    for (int i = li; i < nl; i++) {
      int a = i;
      while (a > li) a = mb->getParent(a);
      if (a != li) continue;
      M += m[(size_t)i];
      S += m[(size_t)i] * c[(size_t)i];
    }
    if (L.m_jointType == btMultibodyLink::ePrismatic) {
      btVector3 ax = mb->localDirToWorld(li, L.getAxisBottom(0));
      g[k] = -M * ax.dot(grav);
    } else {
      btVector3 ax = mb->localDirToWorld(li, L.getAxisTop(0));
      btVector3 pivot = mb->localPosToWorld(li, -L.m_dVector);
      g[k] = -ax.dot((S - M * pivot).cross(grav));
    }
  }
  return MI_OK;
}

mi_status mi_bt_step(mi_bt_world *w) {
  if (!w) return MI_ERR_INVALID;
  if (w->mb) {
    // actuator torque (command + PD [+ gravity]) plus explicit viscous damping
    double grav[MI_BT_MAX_DOFS_GRAV];
    const bool comp = w->pd_on && w->gravity_comp && w->dof_link.size() <= MI_BT_MAX_DOFS_GRAV &&
                      mi_bt_gravity_torques(w, grav) == MI_OK;
    for (size_t k = 0; k < w->dof_link.size(); k++) {
      int li = w->dof_link[k];
      double q = w->mb->getJointPos(li), qd = w->mb->getJointVel(li);
      double tau = w->tau_cmd[k];
      if (w->pd_on) {
        // stable (implicit) PD after Tan, Liu and Turk 2011: the error one
        // step ahead, with the joint's inertia lower bound for qdd, so stiff
        // gains on light links do not blow up the explicit step
        double h = w->dt, m = w->inertia_lb[k];
        double pd = w->kp[k] * (w->q_ref[k] - q - h * qd) + w->kd[k] * (w->qd_ref[k] - qd);
        tau += m > 0 ? pd / (1.0 + h * (w->kd[k] + h * w->kp[k]) / m) : pd;
        if (comp) tau += grav[k];
      }
      w->tau_applied[k] = tau;
      w->mb->addJointTorque(li, tau - w->damping[k] * qd);
      w->tau_cmd[k] = 0;
    }
  }
  w->dw->stepSimulation(w->dt, 0, w->dt);
  w->steps++;
  return MI_OK;
}

long long mi_bt_time_ns(const mi_bt_world *w) {
  return w ? (long long)std::llround((double)w->steps * w->dt * 1e9) : 0;
}

mi_status mi_bt_get_joint_state(const mi_bt_world *w, double *q, double *qd, double *tau) {
  if (!w || !w->mb) return MI_ERR_INVALID;
  for (size_t k = 0; k < w->dof_link.size(); k++) {
    int li = w->dof_link[k];
    if (q) q[k] = w->mb->getJointPos(li);
    if (qd) qd[k] = w->mb->getJointVel(li);
    if (tau) tau[k] = w->tau_applied[k];
  }
  return MI_OK;
}

mi_status mi_bt_get_pose(const mi_bt_world *w, int handle, mi_pose *pose, mi_vec3 *lin_vel) {
  if (!w || !pose) return MI_ERR_INVALID;
  if (MI_BT_HANDLE_IS_LINK(handle)) {
    int i = MI_BT_HANDLE_LINK(handle);
    if (!w->mb || i >= w->n_links) return MI_ERR_NOT_FOUND;
    const btTransform &T = w->com_in_link[(size_t)i];
    btMatrix3x3 Rb = w->mb->localFrameToWorld(i, btMatrix3x3::getIdentity());
    btVector3 pb = w->mb->localPosToWorld(i, btVector3(0, 0, 0));
    btMatrix3x3 Rl = Rb * T.getBasis().transpose();
    btVector3 pl = pb - Rl * T.getOrigin();
    btQuaternion q;
    Rl.getRotation(q);
    pose->p = from_bt(pl);
    pose->q = from_bt(q);
    if (lin_vel) {
      // velocity of the link frame origin: v_com + w x (p_l - p_com); Bullet
      // gives both in the link's own (Bullet) frame, index i + 1
      std::vector<btVector3> om((size_t)w->n_links + 1), v((size_t)w->n_links + 1);
      w->mb->compTreeLinkVelocities(om.data(), v.data());
      btVector3 wo = Rb * om[(size_t)i + 1], vc = Rb * v[(size_t)i + 1];
      *lin_vel = from_bt(vc + wo.cross(pl - pb));
    }
    return MI_OK;
  }
  if (handle < 0 || handle >= (int)w->bodies.size() || w->bodies[(size_t)handle].removed)
    return MI_ERR_NOT_FOUND;
  const body_rec &b = w->bodies[(size_t)handle];
  const btTransform &T = b.rb->getWorldTransform();
  pose->p = from_bt(T.getOrigin());
  pose->q = from_bt(T.getRotation());
  if (lin_vel) *lin_vel = from_bt(b.conveyor ? b.dir * b.speed : b.rb->getLinearVelocity());
  return MI_OK;
}

int mi_bt_get_contacts(const mi_bt_world *w, mi_bt_contact *out, int max) {
  if (!w) return 0;
  int total = 0;
  int nm = w->disp->getNumManifolds();
  for (int m = 0; m < nm; m++) {
    const btPersistentManifold *pm = w->disp->getManifoldByIndexInternal(m);
    int ha = handle_of(pm->getBody0()), hb = handle_of(pm->getBody1());
    if (ha == MI_BT_WORLD_HANDLE || hb == MI_BT_WORLD_HANDLE) continue;
    for (int c = 0; c < pm->getNumContacts(); c++) {
      const btManifoldPoint &p = pm->getContactPoint(c);
      if (p.getDistance() > 0) continue;  // within margin but not touching
      if (out && total < max) {
        mi_bt_contact *o = &out[total];
        o->a = ha;
        o->b = hb;
        o->pos = from_bt(p.getPositionWorldOnB());
        o->normal = from_bt(p.m_normalWorldOnB);
        o->depth = p.getDistance();
        o->impulse = p.getAppliedImpulse();
      }
      total++;
    }
  }
  return total;
}

mi_status mi_bt_get_link_contact_wrench(const mi_bt_world *w, int link, mi_vec3 *force,
                                        mi_vec3 *torque) {
  if (!w || !force || !torque) return MI_ERR_INVALID;
  if (!w->mb || link < 0 || link >= w->n_links) return MI_ERR_NOT_FOUND;
  mi_pose lp;
  mi_bt_get_pose(w, MI_BT_LINK_HANDLE(link), &lp, nullptr);
  btVector3 o = to_bt(lp.p), F(0, 0, 0), N(0, 0, 0);
  int want = MI_BT_LINK_HANDLE(link);
  int nm = w->disp->getNumManifolds();
  for (int m = 0; m < nm; m++) {
    const btPersistentManifold *pm = w->disp->getManifoldByIndexInternal(m);
    int ha = handle_of(pm->getBody0()), hb = handle_of(pm->getBody1());
    if (ha != want && hb != want) continue;
    double sign = ha == want ? 1.0 : -1.0;  // the normal points from b to a
    for (int c = 0; c < pm->getNumContacts(); c++) {
      const btManifoldPoint &p = pm->getContactPoint(c);
      btVector3 imp = p.m_normalWorldOnB * p.getAppliedImpulse() +
                      p.m_lateralFrictionDir1 * p.m_appliedImpulseLateral1 +
                      p.m_lateralFrictionDir2 * p.m_appliedImpulseLateral2;
      btVector3 f = imp * (sign / w->dt);
      btVector3 at = ha == want ? p.getPositionWorldOnA() : p.getPositionWorldOnB();
      F += f;
      N += (at - o).cross(f);
    }
  }
  *force = from_bt(F);
  *torque = from_bt(N);
  return MI_OK;
}

}  // extern "C"
