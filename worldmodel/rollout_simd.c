/* worldmodel/rollout_simd.c - the 4-lane stage-cost kernel, baseline ISA. */
#define MI_RL_LANES 4
#define MI_RL_SUF v4
#define MI_RL_DSUF rl4
#include "worldmodel/rollout_lanes.h"
