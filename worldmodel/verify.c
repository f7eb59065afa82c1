/* worldmodel/verify.c - exact verification (placeholder until it lands). */
#include "worldmodel/model.h"
