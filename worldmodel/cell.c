/* worldmodel/cell.c - the cell YAML loader (in progress). */
#include <stdio.h>

#include "worldmodel/model.h"

mi_status mi_wm_cell_apply(mi_model *m, const char *path, char *err, size_t err_sz) {
  (void)m;
  if (err && err_sz) snprintf(err, err_sz, "%s: cell files are not supported yet", path);
  return MI_ERR_UNSUPPORTED;
}
