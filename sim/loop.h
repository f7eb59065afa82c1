/* sim/loop.h - the sim's clock: runs a cell in real-time or lockstep mode
 * and hands every due sample to an output interface (the sim node plugs DDS
 * writers into it; tests plug in a recorder).
 *
 * realtime: step k runs at start + k * period on CLOCK_MONOTONIC
 *   (clock_nanosleep, absolute), samples are stamped on wall time
 *   (wall at start + cell time), no rt/clock.
 * lockstep: samples are stamped with sim time (cell time), rt/clock is
 *   published once per step before that step's samples, and the pacing is
 *   real_time_factor sim seconds per wall second (0: as fast as possible).
 *   Every node on sim time sees the same time, and with the same seed and
 *   the same commands two runs publish identical streams.
 *
 * Commands are taken through io->poll_commands once per step, before the
 * step, at the cell's current time.
 */
#ifndef MI_SIM_LOOP_H
#define MI_SIM_LOOP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/cell.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Outputs; any callback may be NULL. stamp_ns arguments are on the mode's
 * clock (wall or sim). Callbacks run on the loop's thread. */
typedef struct mi_sim_io {
  void *user;
  void (*clock)(void *user, int64_t sim_ns);
  void (*joint_state)(void *user, int64_t stamp_ns, const mi_sim_joint_sample *s);
  void (*part_poses)(void *user, int64_t stamp_ns, const mi_sim_parts_sample *s);
  void (*wrench)(void *user, int64_t stamp_ns, const mi_sim_wrench_sample *s);
  void (*zone)(void *user, int64_t stamp_ns, const mi_sim_zone_sample *s);
  /* submit pending commands with mi_sim_cell_command */
  void (*poll_commands)(void *user, mi_sim_cell *c);
  /* once, before the first step: stamp = stamp_base_ns + cell time (0 in
   * lockstep; wall time at the start minus the cell time in real time) */
  void (*start)(void *user, int64_t stamp_base_ns);
} mi_sim_io;

typedef struct mi_sim_loop_stats {
  uint64_t steps;
  uint64_t overruns; /* realtime: steps that started a full period late */
} mi_sim_loop_stats;

/* Run until sim time reaches duration_ns (0: no limit) or *stop becomes
 * true. mode is mi_sim_time_mode.
 * @retval MI_OK when stopped or done; an error from the cell otherwise */
mi_status mi_sim_loop_run(mi_sim_cell *c, int mode, double real_time_factor,
                          int64_t duration_ns, const mi_sim_io *io, atomic_bool *stop,
                          mi_sim_loop_stats *stats);

/* One iteration of the loop without pacing, for callers that drive time
 * themselves (tests stepping a lockstep sim node): rt/clock (lockstep),
 * poll_commands, one cell step, then every due sample stamped at
 * stamp_base_ns + its cell time. @retval an error from the cell */
mi_status mi_sim_loop_step(mi_sim_cell *c, int mode, int64_t stamp_base_ns, const mi_sim_io *io);

#ifdef __cplusplus
}
#endif

#endif /* MI_SIM_LOOP_H */
