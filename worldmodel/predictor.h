/* worldmodel/predictor.h - the predictor's core, without DDS: estimator,
 * learner, task, planner, rollouts and verification in one planning cycle.
 * worldmodel/predictor_node.c wraps it in a DDS node (`mirai node
 * predictor`); tests drive it directly.
 *
 * A cycle (mi_predictor_cycle, at planning.rate_hz):
 *   1. the joint state must be younger than planning.joint_state_budget;
 *      else no plan, MI_ERR_STALE, and the status says why;
 *   2. the present state: the last joint sample extrapolated to now
 *      (latency compensation), part tracks predicted to now;
 *   3. the task sets the rollout's goal (reach: the pose; pick: the
 *      intercept point above the part; teleop: the nominal tool motion, the
 *      planner's mean reset to its resolved-rate knots);
 *   4. the planner (warm-started by the time since the last cycle) runs its
 *      iterations on the configured backend (worldmodel/backend.h: the CPU
 *      pool, or a CUDA device; planner.backend auto picks the device when
 *      one is usable); the learner's mass-corrected model is uploaded to
 *      either after each fit;
 *   5. the plan: H + 1 points, dt apart: time_from_start, positions (the
 *      position references the rollout tracked), velocities and
 *      accelerations (their differences), efforts (the rollout's PD torque
 *      on its predicted states, clamped to the limits);
 *   6. every value finite, else rejected (never a NaN out);
 *   7. references and predicted states verified with libccd
 *      (mi_wm_verify_ex); a measured state found in contact (an arm
 *      switched on against a fixture, a reading through a surface, a
 *      contact the model did not predict) may be left: plans may stay in
 *      those contacts until verify.escape_time after they were first
 *      measured, no deeper than then, touching nothing else; a plan that
 *      collides is not published: teleop then
 *      publishes a stop (hold the present position), reach and pick
 *      publish nothing (the controller decelerates on its last plan).
 *
 * Thread rules: one thread calls everything (the node's executor thread);
 * the planner's pool has its own workers. No allocation after create.
 */
#ifndef MI_WM_PREDICTOR_H
#define MI_WM_PREDICTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/math.h"
#include "core/params.h"
#include "core/status.h"
#include "worldmodel/backend.h"
#include "worldmodel/estimator.h"
#include "worldmodel/learner.h"
#include "worldmodel/model.h"
#include "worldmodel/planner.h"
#include "worldmodel/rollout.h"
#include "worldmodel/tasks.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MI_PRED_MAX_POINTS 257
/* when the mean's plan fails verification, this many of the cycle's
 * cheapest candidates are tried in turn before the plan is refused */
#define MI_PRED_FALLBACKS 3
/* contacts of a measured start state that a plan may leave (verify.escape_time);
 * more than this many: the rest are collisions */
#define MI_PRED_MAX_START_CONTACTS 16
/* how much deeper than at the start a contact may get while it is left:
 * the rollout's integration, not a motion into the obstacle */
#define MI_PRED_ESCAPE_SLACK_M 0.001

typedef struct mi_predictor_params {
  char urdf[MI_PARAM_STR_MAX];  /* robot URDF */
  char cell[MI_PARAM_STR_MAX];  /* cell YAML ("" none) */
  double rate_hz;               /* planning rate */
  double js_budget_s;           /* joint states older than this: no plan */
  double goal_tolerance;        /* m: "reached" in the status */
  double approach_height;       /* m: pick aims this far above the part */
  double tool_speed;            /* m/s: intercept estimate of the tool's speed */
  double teleop_horizon_s;      /* s: nominal tool motion of a twist */
  double teleop_timeout_s;      /* s: a twist older than this ends teleop (stop) */
  double dls_lambda;            /* m: damping of the teleop resolved rates */
  double escape_time_s;         /* s: contacts the measured state is found in must be
                                   left this long after they were first measured
                                   (mi_wm_verify_opts.start); 0: none allowed */
  mi_planner_params planner;    /* planner.*, rollout.*, cost.* (planner.backend: auto|cpu|cuda) */
  mi_wm_cuda_params cuda;       /* cuda.*: the device and kernel shape of the cuda backend */
  mi_wm_learner_params learner; /* learner.* */
  mi_wm_est_params est;         /* estimator.* */
} mi_predictor_params;

/* The table of every row above (node "predictor"). Static, built once. */
const mi_param_table *mi_predictor_params_table(void);

/* Defaults of every row. @retval MI_ERR_INVALID (table bug, err says) */
mi_status mi_predictor_params_defaults(mi_predictor_params *p, char *err, size_t err_sz);

/* A plan as it goes out on rt/plan (model dof order). */
typedef struct mi_predictor_plan {
  int npoints, ndof;
  bool stop;                     /* a teleop stop (hold) */
  double t[MI_PRED_MAX_POINTS];  /* time_from_start [s] */
  double q[MI_PRED_MAX_POINTS][MI_WM_MAX_DOF];
  double qd[MI_PRED_MAX_POINTS][MI_WM_MAX_DOF];
  double qdd[MI_PRED_MAX_POINTS][MI_WM_MAX_DOF];
  double tau[MI_PRED_MAX_POINTS][MI_WM_MAX_DOF];
} mi_predictor_plan;

/* What rt/planner/status reports. */
typedef struct mi_predictor_status {
  const char *planner;        /* "mppi" ... (static) */
  const char *backend;        /* "cpu" (static) */
  const char *task;           /* "reach", "pick", "teleop", "none" (static) */
  uint32_t candidates;
  int ndof;                   /* joints of the model */
  uint64_t cycles;            /* planning cycles run */
  uint64_t iterations;        /* planner iterations in total */
  uint64_t plans_published;   /* plans handed out (stops included) */
  uint64_t plans_rejected;    /* failed verification or not finite */
  uint64_t plans_fallback;    /* published from a cheapest candidate: the mean's
                                 plan failed verification (MI_PRED_FALLBACKS) */
  uint64_t plans_escaping;    /* published while the measured state was in contact:
                                 each out of it by verify.escape_time after the
                                 contact was first measured, no deeper than then */
  uint64_t stops;             /* teleop stops handed out */
  uint64_t stale;             /* cycles without a fresh joint state */
  uint64_t samples_rejected;  /* estimator rejects */
  double best_cost;
  double cost_terms[MI_COST_NTERMS]; /* best_cost by term (mi_cost_term_name), NAN before a plan */
  double solve_time_s;        /* last cycle, wall: from its call (the joint state
                                 in hand) to the plan */
  double explore_time_s;      /* the last two-phase cycle's explore, wall (its
                                 solve_time_s is the refine and the plan); 0
                                 when the cycle ran both phases itself */
  double prediction_error;    /* learner's 0.5 s error [rad], NAN until known */
  double prediction_error_prior;
  bool learner_enabled, learner_fitted;
  uint64_t learner_transitions;
  bool learner_in_rollouts;   /* the rollouts run the learner's mass-corrected model */
  double learner_mass_scale[MI_WM_MAX_DOF]; /* per-body scale they use (1 = prior) */
  double tool_to_goal_m;      /* predicted tool distance to the goal now */
  bool reached;               /* within goal_tolerance */
  char reason[160];           /* why the last cycle published no plan ("" when it did) */
} mi_predictor_status;

typedef struct mi_predictor mi_predictor;

/* Load the model, start the pool, planner, rollouts, learner, estimator.
 * Caller frees with mi_predictor_destroy.
 * @retval MI_ERR_IO / MI_ERR_PARSE / MI_ERR_INVALID (err says why)
 * @retval MI_ERR_DEVICE planner.backend cuda without a device
 * @retval MI_ERR_NOMEM */
mi_status mi_predictor_create(const mi_predictor_params *p, mi_predictor **out, char *err,
                              size_t err_sz);
void mi_predictor_destroy(mi_predictor *pr);

const mi_model *mi_predictor_model(const mi_predictor *pr);

/* A joint sample in model dof order (tau: applied torques, may be NULL),
 * stamped stamp_ns, arriving at now_ns (the same clock).
 * @retval MI_ERR_REJECTED (counted; why says why) */
mi_status mi_predictor_joint_state(mi_predictor *pr, int64_t stamp_ns, int64_t now_ns,
                                   const double *q, const double *qd, const double *tau,
                                   char *why, size_t why_sz);

/* Part poses (world) stamped stamp_ns. Returns the number rejected. */
int mi_predictor_part_poses(mi_predictor *pr, int64_t stamp_ns, const mi_pose *poses, int n);

/* Zone z occupied or not (rt/safety_zone). */
void mi_predictor_zone(mi_predictor *pr, int zone, bool occupied);

/* Tasks: a reach goal (pose in the world; orientation used when
 * use_orientation); pick the part track nearest the conveyor's start;
 * teleop twist (linear [m/s], world frame) stamped stamp_ns.
 * @retval MI_ERR_INVALID a value that is not finite */
mi_status mi_predictor_set_reach(mi_predictor *pr, mi_pose goal, bool use_orientation);
mi_status mi_predictor_set_pick(mi_predictor *pr);
mi_status mi_predictor_teleop(mi_predictor *pr, int64_t stamp_ns, const double v[3]);

/* The first phase of a two-phase cycle (planner.refine > 0, the CPU
 * backend, not teleop), ahead of the joint state the cycle will plan from:
 * the task set up and all K candidates scored from the joint state
 * extrapolated to when the next cycle is expected (learnt: the time from
 * the last explore to its cycle), the best planner.refine kept
 * (mi_planner_explore). The next mi_predictor_cycle then scores only those
 * again, from the joint state it is called with, and plans from them: the
 * joint state to the plan in a fraction of a whole solve. Without an
 * explore (or after a task change) mi_predictor_cycle runs both phases
 * itself, from the same state.
 * @retval MI_OK           explored
 * @retval MI_ERR_STATE    not a two-phase predictor now, or no task
 * @retval MI_ERR_STALE    no fresh joint state (the cycle says it too) */
mi_status mi_predictor_explore(mi_predictor *pr, int64_t now_ns);

/* One planning cycle at now_ns (the joint stamps' clock). On MI_OK *plan
 * points at the plan to publish (owned by the predictor, valid until the
 * next cycle).
 * @retval MI_OK           a verified plan (or a verified teleop stop)
 * @retval MI_ERR_STALE    no joint state within the budget
 * @retval MI_ERR_STATE    no task
 * @retval MI_ERR_COLLISION the plan failed verification (and no stop)
 * @retval MI_ERR_RANGE    a value was not finite */
mi_status mi_predictor_cycle(mi_predictor *pr, int64_t now_ns, const mi_predictor_plan **plan);

/* The work of a cycle that does not hold up its plan: the cost breakdown
 * of the plan (status cost_terms; sums to best_cost) and, after every 25th
 * cycle, the learner's open-loop prediction error (an 8-start replay over
 * learner.horizon: milliseconds), and the next cycle's sampling noise
 * (mi_wm_engine_prepare: the cycle then only adds it to its mean). Call
 * after publishing the cycle's plan
 * and before reading the status; a second call before the next cycle does
 * nothing. */
void mi_predictor_after_cycle(mi_predictor *pr);

/* The status after the last cycle (and mi_predictor_after_cycle). */
void mi_predictor_get_status(const mi_predictor *pr, mi_predictor_status *out);

/* Samples the estimator rejected, by reason (mi_wm_est_reject). */
void mi_predictor_rejected(const mi_predictor *pr, uint64_t counts[MI_WM_EST_REJECT_COUNT]);

/* Learning on/off at run time. On: from the next cycle after each learner
 * fit the rollouts (and the plan's efforts) use the prior with every body's
 * inertial parameters scaled by the learner's mass scales
 * (mi_wm_learner_mass_scale). Off: the prior's tables again from the next
 * cycle. */
void mi_predictor_set_learning(mi_predictor *pr, bool on);

/* The dynamics tables the rollouts run now (kd folded into damping; see
 * mi_rollout_export). Valid while pr lives. */
const mi_wm_dynf *mi_predictor_rollout_dyn(const mi_predictor *pr);

/* The tool position of a configuration (model dof order) [m]. */
void mi_predictor_tool_position(const mi_predictor *pr, const double *q, double p[3]);

#ifdef __cplusplus
}
#endif

#endif /* MI_WM_PREDICTOR_H */
