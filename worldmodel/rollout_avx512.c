/* worldmodel/rollout_avx512.c - the 16-lane whole-horizon rollout kernel,
 * compiled with -mavx512f -mavx512vl -mavx512dq -mfma -ffp-contract=fast
 * (worldmodel/CMakeLists.txt) and called only where mi_wm_simd_width() is
 * 16. Same template and contractions as the 8-lane kernel of
 * rollout_avx2.c (test_worldmodel_rollout compares them). */
#define MI_RL_LANES 16
#define MI_RL_SUF v16
#define MI_RL_DSUF rl16
#include "worldmodel/rollout_lanes.h"
