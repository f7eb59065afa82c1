/* tests/fuzz/fuzz_cell.c - the cell YAML loader over a fixed 3-DOF arm:
 * any input gives a model or a "file:line:col" error message, never a crash,
 * hang or out-of-bounds access; what loads is within its limits, finite,
 * and names what the arm has. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worldmodel/model.h"

static const char k_urdf[] =
    "<robot name='fz'>"
    "<link name='base'><collision><geometry><box size='0.2 0.2 0.1'/></geometry></collision></link>"
    "<joint name='j1' type='revolute'><parent link='base'/><child link='l1'/>"
    "<origin xyz='0 0 0.1'/><axis xyz='0 0 1'/><limit lower='-3' upper='3' effort='10' velocity='2'/></joint>"
    "<link name='l1'><inertial><mass value='1'/><inertia ixx='0.01' iyy='0.01' izz='0.01' ixy='0' ixz='0' iyz='0'/></inertial>"
    "<collision><origin xyz='0 0 0.15'/><geometry><cylinder radius='0.05' length='0.3'/></geometry></collision></link>"
    "<joint name='j2' type='revolute'><parent link='l1'/><child link='l2'/>"
    "<origin xyz='0 0 0.3' rpy='1.5707963 0 0'/><axis xyz='0 0 1'/><limit lower='-2' upper='2' effort='10' velocity='2'/></joint>"
    "<link name='l2'><inertial><origin xyz='0.1 0 0'/><mass value='1'/><inertia ixx='0.01' iyy='0.02' izz='0.02' ixy='0' ixz='0' iyz='0'/></inertial>"
    "<collision><origin xyz='0.1 0 0'/><geometry><sphere radius='0.05'/></geometry></collision></link>"
    "<joint name='j3' type='prismatic'><parent link='l2'/><child link='l3'/>"
    "<origin xyz='0.2 0 0'/><axis xyz='1 0 0'/><limit lower='0' upper='0.2' effort='50' velocity='1'/></joint>"
    "<link name='l3'><inertial><mass value='0.5'/><inertia ixx='0.001' iyy='0.001' izz='0.001' ixy='0' ixz='0' iyz='0'/></inertial></link>"
    "<joint name='tool' type='fixed'><parent link='l3'/><child link='tool0'/><origin xyz='0.05 0 0'/></joint>"
    "<link name='tool0'/>"
    "</robot>";

static void check_geom(const mi_wm_geom *g) {
  if (memchr(g->name, '\0', sizeof g->name) == NULL) abort();
  if (g->type != MI_WM_SHAPE_SPHERE && g->type != MI_WM_SHAPE_BOX &&
      g->type != MI_WM_SHAPE_CYLINDER)
    abort();
  for (int k = 0; k < 3; k++)
    if (!isfinite(g->size[k]) || g->size[k] < 0) abort();
  if (!isfinite(g->pose.p.x) || !isfinite(g->pose.p.y) || !isfinite(g->pose.p.z)) abort();
  if (!isfinite(g->pose.q.w) || !isfinite(g->pose.q.x)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[512];
  err[0] = '\0';
  mi_model *m = malloc(sizeof *m);
  if (!m) return 0;
  if (mi_wm_urdf_parse(m, k_urdf, sizeof k_urdf - 1, "fz.urdf", err, sizeof err) != MI_OK)
    abort(); /* the fixed arm always parses */
  /* as mi_wm_model_load sets up before applying a cell */
  m->base = mi_pose_identity();
  m->tool = mi_pose_identity();
  m->ee_link = -1;
  m->ground_z = 0;
  mi_status st = mi_wm_cell_apply_string(m, (const char *)data, size, "fuzz.cell.yaml", err,
                                         sizeof err);
  if (st == MI_OK) st = mi_wm_model_compile(m, err, sizeof err);
  if (st != MI_OK) {
    if (strlen(err) == 0) abort(); /* every failure explains itself */
    free(m);
    return 0;
  }
  if (m->nfixture < 0 || m->nfixture > MI_WM_MAX_FIXTURES) abort();
  if (m->npart < 0 || m->npart > MI_WM_MAX_PARTS) abort();
  if (m->nzone < 0 || m->nzone > MI_WM_MAX_ZONES) abort();
  if (m->nsphere < 0 || m->nsphere > MI_WM_MAX_SPHERES) abort();
  for (int i = 0; i < m->nfixture; i++) check_geom(&m->fixture[i]);
  for (int i = 0; i < m->npart; i++) check_geom(&m->part[i].shape);
  for (int i = 0; i < m->nzone; i++) check_geom(&m->zone[i]);
  if (m->conveyor.present) check_geom(&m->conveyor.belt);
  if (!isfinite(m->ground_z)) abort();
  if (m->ee_link < 0 || m->ee_link >= m->nlink) abort();
  for (int s = 0; s < m->nsphere; s++)
    if (!(m->sphere[s].radius > 0) || !isfinite(m->sphere[s].radius) ||
        m->sphere[s].link < 0 || m->sphere[s].link >= m->nlink)
      abort();
  for (int k = 0; k < 3; k++)
    if (!isfinite(m->dyn.base_pos[k])) abort();
  free(m);
  return 0;
}
