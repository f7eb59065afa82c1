/* worldmodel/dynamics_avx2.c - the 8-lane step kernel, compiled with
 * -mavx2 -mfma -ffp-contract=fast (worldmodel/CMakeLists.txt) and called only
 * when the CPU reports AVX2 and FMA (worldmodel/dynamics.c). */
#define MI_WM_LANES 8
#define MI_WM_LSUF v8
#include "worldmodel/dynamics_lanes.h"
