/* launch/bench.h - `mirai bench <name>`: each benchmark is one function
 * `int mi_bench_<name>(int argc, char **argv)` (argv[0] is the benchmark's
 * name, so it parses its own flags and answers --help) in its own file
 * launch/bench_<name>.c, and one row in MI_BENCHES. Every benchmark measures
 * mirai beside a peer in the same run and prints one line starting "bench ".
 */
#ifndef MI_LAUNCH_BENCH_H
#define MI_LAUNCH_BENCH_H

/* X(name, function, one-line summary) */
#define MI_BENCHES(X) \
  X(dds, mi_bench_dds, "DDS round trip of mirai nodes in two processes beside ddsperf ping/pong") \
  X(dynamics, mi_bench_dynamics, "batched rollout steps per second against MuJoCo's mj_step on a URDF") \
  X(plan, mi_bench_plan, "planning cycles per second of the CPU backend (MPPI/CEM/PS) on a URDF arm") \
  X(rtloop, mi_bench_rtloop, "controller loop wake-up latency beside cyclictest at the same interval") \
  X(e2e, mi_bench_e2e, "sensor-to-command latency of sim, predictor and controller processes against plan period + 2 ms") \
  X(tasks, mi_bench_tasks, "seeded cell_sim pick episodes in lockstep, in process: picks and collisions")

#define MI_BENCH_DECL_(name, fn, doc) int fn(int argc, char **argv);
MI_BENCHES(MI_BENCH_DECL_)
#undef MI_BENCH_DECL_

#endif /* MI_LAUNCH_BENCH_H */
