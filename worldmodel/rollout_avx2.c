/* worldmodel/rollout_avx2.c - the 8-lane stage-cost kernel, compiled with
 * -mavx2 -mfma -ffp-contract=fast (worldmodel/CMakeLists.txt) and called only
 * where mi_wm_simd_lanes() says 8 (AVX2 and FMA present). */
#define MI_RL_LANES 8
#define MI_RL_SUF v8
#define MI_RL_DSUF rl8
#include "worldmodel/rollout_lanes.h"
