/* worldmodel/dynamics_avx512.c - the 16-lane step kernel, compiled with
 * -mavx512f -mavx512vl -mavx512dq -mfma -ffp-contract=fast
 * (worldmodel/CMakeLists.txt) and called only when the CPU reports them
 * (worldmodel/dynamics.c). Same template and same contractions as the
 * 8-lane AVX2 kernel: a candidate gets bit-identical results in either
 * (test_worldmodel_dynamics checks), so mi_wm_step_soa may mix them. */
#define MI_WM_LANES 16
#define MI_WM_LSUF v16
#include "worldmodel/dynamics_lanes.h"
