/* sim/loop.c - real-time and lockstep pacing of the simulated cell. */
#include "sim/loop.h"

#include "core/clock.h"
#include "core/log.h"
#include "sim/params.h"

/* hand every due sample to io, stamped at base + its cell time */
static void publish_due(mi_sim_cell *c, const mi_sim_io *io, int64_t base_ns) {
  mi_sim_joint_sample js;
  mi_sim_parts_sample ps;
  mi_sim_wrench_sample ws;
  mi_sim_zone_sample zs;
  while (mi_sim_cell_pop_joint_state(c, &js))
    if (io->joint_state) io->joint_state(io->user, base_ns + js.stamp_ns, &js);
  while (mi_sim_cell_pop_wrench(c, &ws))
    if (io->wrench) io->wrench(io->user, base_ns + ws.stamp_ns, &ws);
  while (mi_sim_cell_pop_part_poses(c, &ps))
    if (io->part_poses) io->part_poses(io->user, base_ns + ps.stamp_ns, &ps);
  while (mi_sim_cell_pop_zone(c, &zs))
    if (io->zone) io->zone(io->user, base_ns + zs.stamp_ns, &zs);
}

mi_status mi_sim_loop_step(mi_sim_cell *c, int mode, int64_t stamp_base_ns, const mi_sim_io *io) {
  if (!c || !io) return MI_ERR_INVALID;
  if (mode == MI_SIM_TIME_LOCKSTEP && io->clock) io->clock(io->user, mi_sim_cell_time_ns(c));
  if (io->poll_commands) io->poll_commands(io->user, c);
  /* what the sensors measure at t goes out before the physics step, as a
   * driver publishes on measuring (only samples without a modelled latency:
   * a delayed one is due at the end of some step, as before) */
  mi_sim_cell_sense(c);
  publish_due(c, io, stamp_base_ns);
  mi_status s = mi_sim_cell_step(c);
  if (s != MI_OK) return s;
  publish_due(c, io, stamp_base_ns);
  return MI_OK;
}

mi_status mi_sim_loop_run(mi_sim_cell *c, int mode, double real_time_factor,
                          int64_t duration_ns, const mi_sim_io *io, atomic_bool *stop,
                          mi_sim_loop_stats *stats) {
  if (!c || !io || (mode != MI_SIM_TIME_REALTIME && mode != MI_SIM_TIME_LOCKSTEP) ||
      !(real_time_factor >= 0))
    return MI_ERR_INVALID;
  const bool lockstep = mode == MI_SIM_TIME_LOCKSTEP;
  const int64_t period = mi_sim_cell_period_ns(c);
  const int64_t t0_cell = mi_sim_cell_time_ns(c);
  const int64_t start_mono = mi_clock_mono_ns();
  /* realtime stamps: wall time at start + cell time */
  const int64_t base = lockstep ? 0 : mi_clock_wall_ns() - t0_cell;
  mi_sim_loop_stats st = {0, 0};
  if (io->start) io->start(io->user, base);
  MI_LOGI("sim: %s, %.0f Hz physics%s", lockstep ? "lockstep (publishing rt/clock)" : "real time",
          1e9 / (double)period, lockstep && real_time_factor == 0 ? ", as fast as possible" : "");
  while (!(stop && atomic_load(stop))) {
    int64_t t = mi_sim_cell_time_ns(c);
    if (duration_ns > 0 && t - t0_cell >= duration_ns) break;
    /* pacing: step k starts at start + k * period (scaled in lockstep) */
    double scale = lockstep ? (real_time_factor > 0 ? 1.0 / real_time_factor : 0.0) : 1.0;
    if (scale > 0) {
      int64_t due = start_mono + (int64_t)((double)(t - t0_cell) * scale);
      int64_t now = mi_clock_mono_ns();
      if (now > due + period) st.overruns++;
      else mi_clock_sleep_until_ns(due);
    }
    mi_status s = mi_sim_loop_step(c, mode, base, io);
    if (s != MI_OK) return s;
    st.steps++;
  }
  if (stats) *stats = st;
  return MI_OK;
}
