/* worldmodel/cell.c - the cell YAML loader (stub until the full loader lands). */
#include "worldmodel/model.h"
