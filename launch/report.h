/* launch/report.h - what `mirai launch` learns about the running cell, and
 * the end-of-run report.
 *
 * The monitor is a DDS node ("mirai_launch") in the launcher's process, on
 * the launch's domain and config, spun on a thread of its own. It subscribes
 *   /planner/status    (mirai_msgs/PlannerStatus)    plan rate, solve time,
 *                                                     prediction error
 *   /controller/status (mirai_msgs/ControllerStatus) state time shares,
 *                                                     deadline misses per input
 *   /safety_zone       (mirai_msgs/ZoneStatus)       zone occupied share
 *   /sim/status        (mirai_msgs/SimStatus)        picks (attempted = picked
 *                                                     + left the belt unpicked,
 *                                                     succeeded = picked),
 *                                                     collisions (contact onsets)
 *   /plan              (trajectory_msgs/JointTrajectory) plan count (when no
 *                                                     planner status comes)
 *   /clock             (rosgraph_msgs/Clock)         cell time
 * and only reads: it publishes nothing.
 *
 * Every figure is computed from what the nodes publish; a figure no node
 * publishes is NAN in mi_launch_report ("n/a" in the text, null in JSON),
 * never an estimate: picks and collisions come from the sim's rt/sim/status
 * and are n/a when no sim runs (cell_hw); the latency comes from the
 * controller's rt/controller/status (ControllerStatus.sensor_to_command_*
 * and state_to_command_*, percentiles over its whole run, see
 * controllers/node.h) and is n/a until the controller has measured one.
 *
 * Time shares and rates use the publishers' header stamps (cell time under
 * use_sim_time, wall time otherwise).
 *
 * Thread rules: create and destroy from one thread; the status-line and
 * cell-time functions and mi_launch_report_collect may be called from any
 * thread while the monitor runs (a mutex guards the figures).
 */
#ifndef MI_LAUNCH_REPORT_H
#define MI_LAUNCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"
#include "launch/launch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mi_launch_monitor mi_launch_monitor;

/* Join the launch's domain (lf->domain_id, lf->dds_config; else
 * ROS_DOMAIN_ID / CYCLONEDDS_URI / the loopback default, as the nodes do)
 * and start listening. Caller frees with mi_launch_monitor_destroy.
 * @retval MI_ERR_DDS, MI_ERR_INVALID (err says why), MI_ERR_NOMEM,
 *         MI_ERR_STATE (the thread cannot start) */
mi_status mi_launch_monitor_create(const mi_launch_file *lf, mi_launch_monitor **out, char *err,
                                   size_t err_sz);

/* Stop listening and free. NULL is a no-op. */
void mi_launch_monitor_destroy(mi_launch_monitor *m);

/* mi_launch_hooks for mi_launch_run (user = the monitor):
 * "plan 49.8 Hz  solve 3.1 ms  latency 12.0/24.5 ms  ctrl RUN" (latency:
 * sensor-to-command p50/p99) with '-' for what has not been heard in the
 * last 2 s. */
void mi_launch_monitor_status_line(void *monitor, char *buf, size_t buf_sz);

/* Cell time seen on /clock since its first sample, s; -1 before any. */
double mi_launch_monitor_cell_time_s(void *monitor);

#define MI_REPORT_MAX_INPUTS 8
#define MI_REPORT_STATES 3 /* RUN, DEGRADED, SAFE_STOP */

typedef struct mi_launch_report_input {
  char name[32];
  uint64_t late, expired; /* transitions out of OK seen in the status stream */
} mi_launch_report_input;

typedef struct mi_launch_report {
  char name[MI_LAUNCH_NAME_MAX];
  const mi_launch_file *lf; /* borrowed, for node names and kinds */
  mi_launch_result run;     /* a copy of the supervisor's result */
  double cell_time_s;       /* NAN: no /clock */

  /* the task, from rt/sim/status (NAN: no sim) */
  double picks_attempted, picks_succeeded, collisions;

  /* sensor-to-command latency, ms (NAN: none measured): a command's publish
   * time minus the stamp of the joint state its plan was computed from
   * (through the predictor), and minus the stamp of the joint state its
   * control law used (the controller alone); controllers/node.h */
  double latency_p50_ms, latency_p99_ms;
  double state_latency_p50_ms, state_latency_p99_ms;

  /* the predictor */
  uint64_t planner_status_samples;
  double plan_rate_hz;                    /* NAN: no plan seen */
  double plan_iter_p50_ms, plan_iter_p99_ms, plan_iter_max_ms; /* solve_time */
  double plans_published, plans_rejected; /* NAN: no planner status */
  double prediction_error_mean, prediction_error_last; /* rad, NAN: none */
  double prior_error_mean;                /* rad: the physics prior alone, NAN: none */
  char task[32];                          /* the planner's task, last status ("" : none) */
  double goal_reached_share;              /* of statuses with a goal, those 'reached' */
  double tool_to_goal_last_m;
  double stale_cycles;                    /* planner cycles without a fresh joint state */
  uint64_t plans_seen;                    /* rt/plan samples the monitor took */

  /* the controller */
  uint64_t controller_status_samples;
  double state_share[MI_REPORT_STATES]; /* fractions of observed time, NAN: none */
  double deadline_misses;               /* the controller's counter, NAN: none */
  double overruns, wakeup_latency_p99_ms;
  int n_inputs;
  mi_launch_report_input inputs[MI_REPORT_MAX_INPUTS];
  double samples_rejected; /* planner + controller counters, NAN: neither */

  /* the cell */
  double zone_occupied_share; /* NAN: no rt/safety_zone */
} mi_launch_report;

/* Fill *r from what the monitor gathered (m may be NULL: every DDS figure
 * n/a) and the supervisor's result. */
void mi_launch_report_collect(mi_launch_monitor *m, const mi_launch_file *lf,
                              const mi_launch_result *run, mi_launch_report *r);

/* The text table for a terminal. */
void mi_launch_report_print(const mi_launch_report *r, FILE *f);

/* The same as one JSON object (n/a figures are null). */
void mi_launch_report_write_json(const mi_launch_report *r, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* MI_LAUNCH_REPORT_H */
