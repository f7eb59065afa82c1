/* launch/bench_tasks.c - `mirai bench tasks`: seeded pick episodes of the
 * simulated cell (launch/cell_sim.yaml's params by default), one line:
 *   bench tasks episodes=<n> success=<s> collisions=<c>
 * success: episodes whose part was picked (sim/cell.h's suction gripper)
 * before it left the belt; collisions: contact onsets between an arm link and
 * anything else over all episodes (sim/cell.h), the grasps excepted.
 *
 * An episode is the cell_sim graph in one thread, in lockstep on the cell's
 * clock, without DDS: the sim cell (sim/cell.h) steps at its physics rate;
 * its joint states and part poses go to the predictor (worldmodel/
 * predictor.h) and the controller (controllers/controller.h) as they are
 * published; the predictor runs a planning cycle every 1 / planning.rate_hz
 * of cell time and its plan goes to the controller at once; the controller
 * steps every physics step and its command (position, velocity, effort)
 * goes to the sim. Planning takes no cell time here (a lockstep cell waits
 * for its planner), so the figure is about the task, not this machine.
 *
 * Seeded variation per episode e (Philox, key --seed, counter e): one part
 * arrives (parts.interval_s made long) at parts.first_s + U(0, 1) s, at a
 * lateral offset uniform across the belt (the belt's half width less the
 * part's half size and 2 cm), of a kind drawn among the cell's part kinds
 * (the sim's arrival schedule with seed + e), and the arm starts at
 * plant.initial_q + U(-0.1, 0.1) rad per joint (home: launch/params). The
 * episode ends when the part is picked or leaves the belt (or after 20 s).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/controller.h"
#include "controllers/dynamics.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/philox.h"
#include "launch/bench.h"
#include "sim/cell.h"
#include "sim/desc.h"
#include "sim/params.h"
#include "worldmodel/model.h"
#include "worldmodel/predictor.h"
#include "worldmodel/predictor_node.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: mirai bench tasks [--episodes N] [--seed S] [--params FILE] [--verbose]\n"
          "seeded pick episodes of the simulated cell (sim, predictor, controller in one\n"
          "thread, lockstep on cell time, no DDS); prints\n"
          "  bench tasks episodes=<n> success=<s> collisions=<c>\n"
          "defaults: 100 episodes, seed 1, launch/params/cell_sim.yaml (its sim, predictor\n"
          "and controller sections); progress on stderr\n");
}

typedef struct bench_ctx {
  mi_sim_params sp;
  mi_predictor_params pp;
  mi_pred_node_params pnp; /* the file's predictor section (pp = its core) */
  mi_ctrl_params cp;
  mi_model *model;
  mi_sim_cell_desc *desc;
  mi_ctrl_wm_dyn wd;
  mi_ctrl_dynamics dyn;
  mi_ctrl_plan plan; /* conversion scratch */
  bool verbose;
} bench_ctx;

typedef struct episode_result {
  bool picked, missed;
  uint64_t collisions, too_fast;
  double t_end_s;
  double closest_m; /* closest tool point to the part's grasp point */
  uint64_t plans, rejected;
  uint64_t refused; /* plans the predictor did not publish (exact check, not finite) */
  uint64_t fallback; /* plans published from a cheapest candidate (the mean's refused) */
  uint64_t escaping; /* plans published leaving a contact the measured state was in */
  char reason[160];
} episode_result;

static double urand(mi_philox_key key, uint32_t e, uint32_t i) {
  float u[4];
  mi_philox_uniform4f(mi_philox_ctr_make(e, i / 4, 7, 0), key, u);
  return (double)u[i % 4];
}

static mi_status run_episode(bench_ctx *b, uint64_t seed, uint32_t e, episode_result *res) {
  char err[512] = "";
  memset(res, 0, sizeof *res);
  res->closest_m = INFINITY;
  mi_philox_key key = mi_philox_key_from_seed(seed);
  const int n = b->desc->n_joints;

  /* the plant with this episode's variation */
  mi_sim_params sp = b->sp;
  sp.seed = (int64_t)(seed * 100003u + e);
  sp.parts_first_s = b->sp.parts_first_s + urand(key, e, 0);
  sp.parts_interval_s = 1e5;
  double part_half = 0.0;
  for (int k = 0; k < b->desc->n_part_kinds; k++) {
    const mi_sim_part_kind *pk = &b->desc->part_kinds[k];
    double h = pk->shape == MI_BT_BOX ? fmax(pk->size.x, pk->size.y) : pk->size.x;
    if (h > part_half) part_half = h;
  }
  sp.parts_lateral_m = fmax(0.0, b->desc->conveyor_half.y - part_half - 0.02);
  sp.initial_q.n = n;
  for (int j = 0; j < n; j++)
    sp.initial_q.v[j] = mi_sim_param_per_joint(&b->sp.initial_q, j, 0.0) +
                        0.2 * (urand(key, e, (uint32_t)(1 + j)) - 0.5);
  mi_sim_cell *cell = NULL;
  mi_predictor *pr = NULL;
  mi_ctrl *ctrl = NULL;
  mi_status st = mi_sim_cell_create(b->desc, &sp, &cell, err, sizeof err);
  if (st != MI_OK) goto out;
  if ((st = mi_predictor_create(&b->pp, &pr, err, sizeof err)) != MI_OK) goto out;
  mi_predictor_set_pick(pr);
  ctrl = mi_ctrl_create(&b->cp, &b->dyn, 0, err, sizeof err);
  if (!ctrl) {
    st = MI_ERR_INVALID;
    goto out;
  }

  const int64_t dt = mi_sim_cell_period_ns(cell);
  const int64_t plan_period = mi_ns_from_s(1.0 / b->pp.rate_hz);
  const int64_t t_limit = mi_ns_from_s(sp.parts_first_s + 20.0);
  const char *const *names = mi_sim_cell_joint_names(cell);
  int64_t next_plan = plan_period;
  mi_sim_joint_sample js;
  mi_sim_parts_sample ps;
  mi_sim_wrench_sample ws;
  mi_sim_zone_sample zs;
  mi_ctrl_command cmd;
  for (;;) {
    int64_t t = mi_sim_cell_time_ns(cell);
    /* the plan of this instant first, then the controller's period */
    if (t >= next_plan) {
      next_plan += plan_period;
      const mi_predictor_plan *pl = NULL;
      if (mi_predictor_cycle(pr, t, &pl) == MI_OK && pl) {
        mi_ctrl_plan *cp = &b->plan;
        memset(cp, 0, sizeof *cp);
        cp->seq = ++res->plans;
        cp->arrival_ns = t;
        cp->t0_ns = t;
        cp->n_joints = n;
        cp->n_points = pl->npoints < MI_CTRL_MAX_POINTS ? pl->npoints : MI_CTRL_MAX_POINTS;
        cp->has_vel = cp->has_acc = true;
        for (int k = 0; k < cp->n_points; k++) {
          cp->t_ns[k] = mi_ns_from_s(pl->t[k]);
          for (int j = 0; j < n; j++) {
            cp->q[k][j] = pl->q[k][j];
            cp->qd[k][j] = pl->qd[k][j];
            cp->qdd[k][j] = pl->qdd[k][j];
          }
        }
        if (mi_ctrl_submit_plan(ctrl, cp, err, sizeof err) != MI_OK) res->rejected++;
      }
    }
    mi_ctrl_step(ctrl, t, dt, &cmd);
    if (cmd.valid) {
      mi_sim_cmd_in in = {t, n, names, n, cmd.q, n, cmd.qd, n, cmd.effort};
      (void)mi_sim_cell_command(cell, &in);
    }
    if ((st = mi_sim_cell_step(cell)) != MI_OK) {
      snprintf(err, sizeof err, "the sim cell failed to step");
      goto out;
    }
    t = mi_sim_cell_time_ns(cell);
    while (mi_sim_cell_pop_joint_state(cell, &js)) {
      (void)mi_predictor_joint_state(pr, js.stamp_ns, t, js.position, js.velocity, js.effort,
                                     NULL, 0);
      mi_ctrl_joint_state cj = {.arrival_ns = t, .n = js.n};
      memcpy(cj.q, js.position, sizeof(double) * (size_t)n);
      memcpy(cj.qd, js.velocity, sizeof(double) * (size_t)n);
      memcpy(cj.effort, js.effort, sizeof(double) * (size_t)n);
      (void)mi_ctrl_submit_joint_state(ctrl, &cj);
    }
    while (mi_sim_cell_pop_part_poses(cell, &ps))
      (void)mi_predictor_part_poses(pr, ps.stamp_ns, ps.pose, ps.n);
    while (mi_sim_cell_pop_wrench(cell, &ws)) {
    }
    while (mi_sim_cell_pop_zone(cell, &zs)) {
      mi_ctrl_zone z = {.arrival_ns = t, .person_present = zs.person};
      (void)mi_ctrl_submit_zone(ctrl, &z);
      mi_predictor_zone(pr, 0, zs.occupied);
    }
    /* diagnostics: how close the tool came */
    mi_sim_part_state parts[4];
    int np = mi_sim_cell_parts(cell, parts, 4);
    mi_vec3 tool = mi_sim_cell_tool_point(cell);
    for (int i = 0; i < np; i++) {
      double d = mi_vec3_norm(mi_vec3_sub(parts[i].grasp_point, tool));
      if (d < res->closest_m) res->closest_m = d;
    }
    mi_sim_cell_stats s = mi_sim_cell_stats_get(cell);
    res->picked = s.parts_picked > 0;
    res->missed = s.parts_missed > 0;
    res->collisions = s.collisions;
    res->too_fast = s.grasps_too_fast;
    if (res->picked || res->missed || t >= t_limit) break;
  }
  res->t_end_s = mi_s_from_ns(mi_sim_cell_time_ns(cell));
  {
    mi_predictor_status ps2;
    mi_predictor_get_status(pr, &ps2);
    snprintf(res->reason, sizeof res->reason, "%s", ps2.reason);
    res->refused = ps2.plans_rejected;
    res->fallback = ps2.plans_fallback;
    res->escaping = ps2.plans_escaping;
  }
  st = MI_OK;
out:
  if (st != MI_OK) fprintf(stderr, "bench tasks: episode %u: %s\n", e, err);
  mi_ctrl_destroy(ctrl);
  mi_predictor_destroy(pr);
  mi_sim_cell_destroy(cell);
  return st;
}

int mi_bench_tasks(int argc, char **argv) {
  long episodes = 100;
  unsigned long long seed = 1;
  const char *params = "launch/params/cell_sim.yaml";
  bench_ctx *b = calloc(1, sizeof *b);
  if (!b) return 1;
  int rc = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    char *end = NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      free(b);
      return 0;
    }
    if (!strcmp(a, "--verbose")) {
      b->verbose = true;
      continue;
    }
    errno = 0;
    if (v && !strcmp(a, "--episodes")) {
      episodes = strtol(v, &end, 10);
      if (errno || *end || episodes < 1 || episodes > 100000) goto bad;
    } else if (v && !strcmp(a, "--seed")) {
      seed = strtoull(v, &end, 10);
      if (errno || *end) goto bad;
    } else if (v && !strcmp(a, "--params")) {
      params = v;
    } else {
      goto bad;
    }
    i++;
    continue;
  bad:
    fprintf(stderr, "bench tasks: bad argument '%s%s%s'\n", a, v ? " " : "", v ? v : "");
    usage(stderr);
    free(b);
    return 2;
  }

  char err[512] = "";
  if (mi_params_load_file(mi_sim_params_table(), "sim", params, &b->sp, err, sizeof err) !=
          MI_OK ||
      mi_params_load_file(mi_pred_node_params_table(), "predictor", params, &b->pnp, err,
                          sizeof err) != MI_OK ||
      mi_params_load_file(mi_ctrl_param_table(), "controller", params, &b->cp, err, sizeof err) !=
          MI_OK) {
    fprintf(stderr, "bench tasks: %s\n", err);
    goto done;
  }
  b->pp = b->pnp.core;
  if (!(b->model = mi_wm_model_load(b->sp.urdf, b->sp.cell[0] ? b->sp.cell : NULL, err,
                                    sizeof err))) {
    fprintf(stderr, "bench tasks: %s\n", err);
    goto done;
  }
  if (!(b->desc = malloc(sizeof *b->desc)) ||
      mi_sim_desc_from_model(b->model, b->sp.zone_name, b->desc, err, sizeof err) != MI_OK ||
      mi_ctrl_wm_dyn_init(&b->wd, b->model, &b->cp.joints, err, sizeof err) != MI_OK) {
    fprintf(stderr, "bench tasks: %s\n", err[0] ? err : "out of memory");
    goto done;
  }
  mi_ctrl_wm_dyn_bind(&b->wd, &b->dyn);
  /* the controller's joints must be the plant's, in its order */
  if (b->cp.joints.n != b->desc->n_joints) {
    fprintf(stderr, "bench tasks: the controller names %d joints, the plant has %d\n",
            b->cp.joints.n, b->desc->n_joints);
    goto done;
  }
  for (int j = 0; j < b->desc->n_joints; j++)
    if (strcmp(b->cp.joints.v[j], b->desc->joint_names[j])) {
      fprintf(stderr, "bench tasks: controller joint %d is '%s', the plant's is '%s'\n", j,
              b->cp.joints.v[j], b->desc->joint_names[j]);
      goto done;
    }
  if (!b->desc->has_conveyor || b->desc->n_part_kinds < 1) {
    fprintf(stderr, "bench tasks: the cell (%s) has no conveyor or no part kinds\n", b->sp.cell);
    goto done;
  }

  mi_log_set_level(MI_LOG_WARN);
  long success = 0;
  unsigned long long collisions = 0, plans = 0, refused = 0, fallback = 0, escaping = 0;
  int64_t w0 = mi_clock_mono_ns();
  for (long e = 0; e < episodes; e++) {
    episode_result r;
    if (run_episode(b, seed, (uint32_t)e, &r) != MI_OK) goto done;
    success += r.picked;
    collisions += r.collisions;
    plans += r.plans;
    refused += r.refused;
    fallback += r.fallback;
    escaping += r.escaping;
    fprintf(stderr,
            "episode %ld: %s at %.2f s, collisions %llu, closest %.3f m, too fast %llu, plans %llu"
            " (%llu refused)%s%s\n",
            e, r.picked ? "picked" : r.missed ? "MISSED" : "TIMEOUT", r.t_end_s,
            (unsigned long long)r.collisions, r.closest_m, (unsigned long long)r.too_fast,
            (unsigned long long)r.plans, (unsigned long long)r.refused,
            r.picked ? "" : ", last reason: ",
            r.picked ? "" : (r.reason[0] ? r.reason : "-"));
  }
  fprintf(stderr,
          "bench tasks: %ld episodes in %.1f s wall; %llu plans published (%llu from a fallback "
          "candidate, %llu leaving a contact), %llu refused by the predictor (the exact check, "
          "or a value not finite)\n",
          episodes, mi_s_from_ns(mi_clock_mono_ns() - w0), plans, fallback, escaping, refused);
  printf("bench tasks episodes=%ld success=%ld collisions=%llu\n", episodes, success, collisions);
  rc = 0;
done:
  free(b->desc);
  mi_wm_model_free(b->model);
  free(b);
  return rc;
}
