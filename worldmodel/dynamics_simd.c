/* worldmodel/dynamics_simd.c - the 4-lane step kernel for the baseline ISA
 * (SSE2 on x86-64, NEON on aarch64, emulated elsewhere). */
#define MI_WM_LANES 4
#define MI_WM_LSUF v4
#include "worldmodel/dynamics_lanes.h"
