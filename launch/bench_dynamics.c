/* launch/bench_dynamics.c - `mirai bench dynamics`: mirai's batched float32
 * rollout step against MuJoCo's mj_step on the same URDF (contacts, limits
 * and frictionloss off, Euler, same dt), both on one thread, in one run. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "launch/bench.h"
#include "launch/bench_cuda.h" /* --backend cuda (engineer `cuda`) */
#include "worldmodel/dynamics.h"
#include "worldmodel/model.h"

#ifdef MIRAI_HAVE_MUJOCO
#include <mujoco/mujoco.h>
#endif

static void usage(void) {
  printf("usage: mirai bench dynamics [--urdf FILE] [--threads 1] [--K N] [--seconds S]\n"
         "                            [--max-lanes 16|8|4]\n"
         "  mirai's batched rollout step (K candidates, SIMD lanes) against MuJoCo's mj_step\n"
         "  on the same URDF, one thread each; prints one line:\n"
         "  bench dynamics urdf=<name> dof=<n> threads=1 mirai_steps_per_s=<x> "
         "mujoco_steps_per_s=<y> ratio=<x/y> max_rel_err=<e>\n"
         "  --backend cuda: K (default 65536) candidates stepped on the GPU instead\n");
}

static uint64_t g_rng = 0x2545f4914f6cdd1dull;
static double urand(double lo, double hi) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return lo + (hi - lo) * (double)(g_rng >> 11) * (1.0 / 9007199254740992.0);
}

/* this thread's CPU time, s */
static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int mi_bench_dynamics(int argc, char **argv) {
  const char *urdf = "tests/data/wm_arm7.urdf";
  int K = 256, threads = 1;
  double seconds = 1.0;
  int cuda = 0, K_given = 0; /* --backend cuda (engineer `cuda`) */
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage();
      return 0;
    } else if (!strcmp(argv[i], "--urdf") && i + 1 < argc) {
      urdf = argv[++i];
    } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
      threads = atoi(argv[++i]);
    } else if (!strcmp(argv[i], "--K") && i + 1 < argc) {
      K = atoi(argv[++i]);
      K_given = 1;
    } else if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
      const char *b = argv[++i];
      if (strcmp(b, "cuda") && strcmp(b, "cpu")) {
        fprintf(stderr, "bench dynamics: --backend cpu|cuda\n");
        return 2;
      }
      cuda = !strcmp(b, "cuda");
    } else if (!strcmp(argv[i], "--max-lanes") && i + 1 < argc) {
      mi_wm_simd_max_lanes(atoi(argv[++i]));
    } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = atof(argv[++i]);
    } else {
      fprintf(stderr, "bench dynamics: unknown argument '%s'\n", argv[i]);
      usage();
      return 2;
    }
  }
  if (cuda) return mi_bench_dynamics_cuda(urdf, K_given ? K : 0, seconds);
  if (threads != 1) {
    fprintf(stderr, "bench dynamics: only --threads 1 is measured (the peer is single-threaded)\n");
    return 2;
  }
  if (K < 1 || K > 65536 || !(seconds > 0)) {
    fprintf(stderr, "bench dynamics: bad --K or --seconds\n");
    return 2;
  }
#ifndef MIRAI_HAVE_MUJOCO
  (void)urdf;
  fprintf(stderr, "bench dynamics: built without MuJoCo (the peer); install libmujoco-dev\n");
  return 1;
#else
  char err[1024];
  mi_model *m = mi_wm_model_load(urdf, NULL, err, sizeof err);
  if (!m) {
    fprintf(stderr, "bench dynamics: %s\n", err);
    return 1;
  }
  mjModel *mj = mj_loadXML(urdf, NULL, err, sizeof err);
  if (!mj) {
    fprintf(stderr, "bench dynamics: mujoco: %s\n", err);
    mi_wm_model_free(m);
    return 1;
  }
  const double dt = 0.001;
  mj->opt.disableflags |= mjDSBL_CONTACT | mjDSBL_LIMIT | mjDSBL_FRICTIONLOSS;
  mj->opt.integrator = mjINT_EULER;
  mj->opt.timestep = dt;
  mjData *md = mj_makeData(mj);
  const int n = m->ndof;
  int qadr[MI_WM_MAX_DOF], vadr[MI_WM_MAX_DOF];
  for (int i = 0; i < n; i++) {
    int id = mj_name2id(mj, mjOBJ_JOINT, m->joint[m->dof_joint[i]].name);
    qadr[i] = mj->jnt_qposadr[id];
    vadr[i] = mj->jnt_dofadr[id];
  }

  /* accuracy: float32 batch path against mj_forward's qacc */
  enum { NS = 1024 };
  size_t sz = (size_t)n * NS * sizeof(float);
  float *q = malloc(sz), *qd = malloc(sz), *tau = malloc(sz), *qdd = malloc(sz);
  for (int k = 0; k < NS; k++)
    for (int i = 0; i < n; i++) {
      const mi_wm_joint *j = &m->joint[m->dof_joint[i]];
      double e = isfinite(j->effort) ? j->effort : 50.0;
      q[i * NS + k] = (float)(j->type == MI_WM_JOINT_PRISMATIC ? urand(j->lower, j->upper)
                                                                 : urand(-3, 3));
      qd[i * NS + k] = (float)urand(-1, 1);
      tau[i * NS + k] = (float)urand(-0.8 * e, 0.8 * e);
    }
  mi_wm_forward_soa(&m->dynf, q, qd, tau, qdd, NS, 0, NS);
  double max_rel = 0;
  for (int k = 0; k < NS; k++) {
    mj_resetData(mj, md);
    for (int i = 0; i < n; i++) {
      md->qpos[qadr[i]] = q[i * NS + k];
      md->qvel[vadr[i]] = qd[i * NS + k];
      md->qfrc_applied[vadr[i]] = tau[i * NS + k];
    }
    mj_forward(mj, md);
    double d2 = 0, r2 = 0;
    for (int i = 0; i < n; i++) {
      double a = md->qacc[vadr[i]];
      d2 += (qdd[i * NS + k] - a) * (qdd[i * NS + k] - a);
      r2 += a * a;
    }
    double e = sqrt(d2) / (r2 > 0 ? sqrt(r2) : 1.0);
    if (e > max_rel) max_rel = e;
  }
  free(q);
  free(qd);
  free(tau);
  free(qdd);

  /* mirai (K candidates stepping from a common start with small torques)
   * and MuJoCo (mj_step on the same model, same dt) in alternating slices,
   * each timed by this thread's CPU clock: on a shared machine, time spent
   * descheduled counts for neither, and load that drifts during the run
   * falls on both alike */
  size_t bsz = (size_t)n * (size_t)K * sizeof(float);
  float *bq = malloc(bsz), *bqd = malloc(bsz), *bt = malloc(bsz), *q0 = malloc(bsz);
  for (int i = 0; i < n * K; i++) {
    q0[i] = (float)urand(-1, 1);
    bt[i] = (float)urand(-1, 1);
  }
  memcpy(bq, q0, bsz);
  memset(bqd, 0, bsz);
  mj_resetData(mj, md);
  long iters = 0, steps = 0;
  double mi_s = 0, mj_s = 0;
  const int slices = 10;
  for (int sl = 0; sl < slices; sl++) {
    double t0 = cpu_s(), t1 = t0;
    while (t1 - t0 < 0.5 * seconds / slices) {
      for (int r = 0; r < 50; r++)
        mi_wm_step_soa(&m->dynf, bq, bqd, bt, (size_t)K, 0, K, (float)dt, 1);
      iters += 50;
      if (iters % 2000 == 0) { /* restart before the arms wind up */
        memcpy(bq, q0, bsz);
        memset(bqd, 0, bsz);
      }
      t1 = cpu_s();
    }
    mi_s += t1 - t0;
    t0 = cpu_s();
    t1 = t0;
    while (t1 - t0 < 0.5 * seconds / slices) {
      for (int r = 0; r < 100; r++) mj_step(mj, md);
      steps += 100;
      if (steps % 2000 == 0) mj_resetData(mj, md);
      t1 = cpu_s();
    }
    mj_s += t1 - t0;
  }
  double mirai_sps = (double)iters * K / mi_s;
  double mj_sps = (double)steps / mj_s;
  free(bq);
  free(bqd);
  free(bt);
  free(q0);

  const char *base = strrchr(urdf, '/');
  base = base ? base + 1 : urdf;
  char name[128];
  snprintf(name, sizeof name, "%s", base);
  char *dot = strstr(name, ".urdf");
  if (dot) *dot = 0;
  printf("bench dynamics urdf=%s dof=%d threads=1 mirai_steps_per_s=%.0f mujoco_steps_per_s=%.0f "
         "ratio=%.1f max_rel_err=%.2g\n",
         name, n, mirai_sps, mj_sps, mirai_sps / mj_sps, max_rel);
  fprintf(stderr, "(mirai: K=%d candidates, %s kernel; dt=%g s; thread CPU time, %d "
          "alternating slices)\n", K, mi_wm_simd_name(), dt, slices);
  mj_deleteData(md);
  mj_deleteModel(mj);
  mi_wm_model_free(m);
  return 0;
#endif
}
