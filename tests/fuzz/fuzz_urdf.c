/* tests/fuzz/fuzz_urdf.c - the URDF loader and model compiler: any input
 * gives a model or an error message, never a crash, hang or out-of-bounds
 * access; a model that loads is within its limits and its dynamics tables
 * are finite and ordered (parent[i] < i). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worldmodel/model.h"

static void check_finite(const double *v, int n) {
  for (int i = 0; i < n; i++)
    if (!isfinite(v[i])) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[512];
  err[0] = '\0';
  mi_model *m = mi_wm_model_load_urdf_string((const char *)data, size, "fuzz.urdf", err,
                                             sizeof err);
  if (!m) {
    if (strlen(err) == 0) abort(); /* every failure explains itself */
    return 0;
  }
  const mi_wm_dynd *d = &m->dyn;
  if (m->ndof < 0 || m->ndof > MI_WM_MAX_DOF || d->ndof != m->ndof) abort();
  if (m->nlink < 1 || m->nlink > MI_WM_MAX_LINKS) abort();
  if (m->ngeom < 0 || m->ngeom > MI_WM_MAX_GEOMS) abort();
  if (d->nsphere < 0 || d->nsphere > MI_WM_MAX_SPHERES) abort();
  if (m->nself < 0 || m->nself > MI_WM_MAX_SELF) abort();
  for (int i = 0; i < d->ndof; i++) {
    if (d->parent[i] < -1 || d->parent[i] >= i) abort();
    check_finite(d->tree_rot[i], 9);
    check_finite(d->tree_pos[i], 3);
    check_finite(d->inertia[i], 6);
    check_finite(d->h[i], 3);
    if (!(d->mass[i] >= 0) || !isfinite(d->mass[i])) abort();
  }
  for (int s = 0; s < d->nsphere; s++) {
    if (d->sphere_body[s] < -1 || d->sphere_body[s] >= d->ndof) abort();
    check_finite(d->sphere_c[s], 3);
    if (!(d->sphere_r[s] > 0) || !isfinite(d->sphere_r[s])) abort();
  }
  for (int k = 0; k < m->nself; k++)
    if (m->self_pair[k][0] >= d->nsphere || m->self_pair[k][1] >= d->nsphere) abort();
  if (d->ee_body < -1 || d->ee_body >= d->ndof) abort();
  mi_wm_model_free(m);
  return 0;
}
