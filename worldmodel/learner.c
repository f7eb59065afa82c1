/* worldmodel/learner.c - online residual model: ridge regression with
 * forgetting (LAPACKE), batch evaluation (OpenBLAS cblas); see learner.h. */
#include "worldmodel/learner.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "worldmodel/dynamics.h"

/* after the dynamics template: lapacke.h pulls in <complex.h>, whose macro I
 * would rewrite the template's inertia variables */
#include <cblas.h>
#include <lapacke.h>

/* one kept joint sample */
typedef struct hist_sample {
  int64_t t_ns;
  double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], tau[MI_WM_MAX_DOF];
} hist_sample;

struct mi_wm_learner {
  const mi_model *m;
  mi_wm_learner_params p;
  int n, F;
  double vscale[MI_WM_MAX_DOF], tscale[MI_WM_MAX_DOF]; /* feature scales */
  double *A, *B, *W; /* F x F, F x n, F x n (row-major) */
  double *Asolve, *Bsolve; /* dposv scratch */
  /* the mass-only regression r = G s (G: n x n, column k the sensitivity
   * block of body k): normal equations M s = v, forgotten like A, B */
  double M[MI_WM_MAX_DOF * MI_WM_MAX_DOF], v[MI_WM_MAX_DOF];
  double mscale[MI_WM_MAX_DOF]; /* 1 + s_k, clamped; 1 until fitted */
  bool mfitted;
  uint64_t since_fit;
  mi_wm_learner_stats st;
  /* history ring (oldest at head) */
  hist_sample *hist;
  int hcap, hlen, hhead;
  /* batch scratch for prediction error */
  int bcap;
  double *bq, *bqd, *bphi, *br;
  double *pq, *pqd; /* prior-only replay */
};

void mi_wm_learner_params_default(mi_wm_learner_params *p) {
  p->enabled = true;
  p->forgetting_s = 30.0;
  p->ridge = 1e-3;
  p->sample_dt = 0.01;
  p->horizon_s = 0.5;
  p->substeps = 4;
  p->refit_every = 50;
  p->min_samples = 100;
  p->max_residual = 200.0;
}

#define LEARNER_MAX_STARTS 64

static bool all_finite(const double *v, int n) {
  for (int i = 0; i < n; i++)
    if (!isfinite(v[i])) return false;
  return true;
}

mi_status mi_wm_learner_create(const mi_model *m, const mi_wm_learner_params *p,
                               mi_wm_learner **out) {
  if (!m || !p || !out || m->ndof < 1 || m->ndof > MI_WM_MAX_DOF) return MI_ERR_INVALID;
  if (!(p->forgetting_s > 0.0) || !(p->sample_dt > 0.0) || !(p->horizon_s > 0.0) ||
      p->substeps < 1 || p->refit_every < 1 || p->min_samples < 1 || !(p->ridge >= 0.0))
    return MI_ERR_INVALID;
  /* the learner's systems are small (tens of features): one BLAS thread.
   * OpenBLAS's own workers would cost more than they give, and between calls
   * they spin in sched_yield beside the planner and the real-time loop
   * (about a fifth of the predictor's CPU on a 2-core machine). Process-wide:
   * nothing else in mirai calls BLAS. */
  openblas_set_num_threads(1);
  mi_wm_learner *l = calloc(1, sizeof *l);
  if (!l) return MI_ERR_NOMEM;
  l->m = m;
  l->p = *p;
  l->n = m->ndof;
  l->F = 1 + 2 * l->n + l->n * l->n;
  for (int k = 0; k < MI_WM_MAX_DOF; k++) l->mscale[k] = 1.0;
  for (int j = 0; j < l->n; j++) {
    double v = m->dyn.velocity[j], e = m->dyn.effort[j];
    l->vscale[j] = (isfinite(v) && v > 0.0) ? 1.0 / v : 1.0;
    l->tscale[j] = (isfinite(e) && e > 0.0) ? 1.0 / e : 1.0;
  }
  size_t F = (size_t)l->F, n = (size_t)l->n;
  l->hcap = (int)ceil(2.0 * p->horizon_s / p->sample_dt) + 8;
  l->bcap = LEARNER_MAX_STARTS;
  l->A = calloc(F * F, sizeof(double));
  l->B = calloc(F * n, sizeof(double));
  l->W = calloc(F * n, sizeof(double));
  l->Asolve = calloc(F * F, sizeof(double));
  l->Bsolve = calloc(F * n, sizeof(double));
  l->hist = calloc((size_t)l->hcap, sizeof(hist_sample));
  l->bq = calloc((size_t)l->bcap * n, sizeof(double));
  l->bqd = calloc((size_t)l->bcap * n, sizeof(double));
  l->pq = calloc((size_t)l->bcap * n, sizeof(double));
  l->pqd = calloc((size_t)l->bcap * n, sizeof(double));
  l->bphi = calloc((size_t)l->bcap * F, sizeof(double));
  l->br = calloc((size_t)l->bcap * n, sizeof(double));
  if (!l->A || !l->B || !l->W || !l->Asolve || !l->Bsolve || !l->hist || !l->bq || !l->bqd ||
      !l->pq || !l->pqd || !l->bphi || !l->br) {
    mi_wm_learner_destroy(l);
    return MI_ERR_NOMEM;
  }
  *out = l;
  return MI_OK;
}

void mi_wm_learner_destroy(mi_wm_learner *l) {
  if (!l) return;
  free(l->A);
  free(l->B);
  free(l->W);
  free(l->Asolve);
  free(l->Bsolve);
  free(l->hist);
  free(l->bq);
  free(l->bqd);
  free(l->pq);
  free(l->pqd);
  free(l->bphi);
  free(l->br);
  free(l);
}

int mi_wm_learner_nfeat(const mi_wm_learner *l) { return l->F; }
int mi_wm_learner_ndof(const mi_wm_learner *l) { return l->n; }
const mi_wm_learner_params *mi_wm_learner_get_params(const mi_wm_learner *l) { return &l->p; }
const double *mi_wm_learner_weights(const mi_wm_learner *l) { return l->W; }
void mi_wm_learner_get_stats(const mi_wm_learner *l, mi_wm_learner_stats *out) { *out = l->st; }

void mi_wm_learner_set_enabled(mi_wm_learner *l, bool on) { l->p.enabled = on; }

void mi_wm_learner_reset(mi_wm_learner *l) {
  size_t F = (size_t)l->F, n = (size_t)l->n;
  memset(l->A, 0, F * F * sizeof(double));
  memset(l->B, 0, F * n * sizeof(double));
  memset(l->W, 0, F * n * sizeof(double));
  memset(&l->st, 0, sizeof l->st);
  memset(l->M, 0, sizeof l->M);
  memset(l->v, 0, sizeof l->v);
  for (int k = 0; k < MI_WM_MAX_DOF; k++) l->mscale[k] = 1.0;
  l->mfitted = false;
  l->since_fit = 0;
  l->hlen = l->hhead = 0;
}

void mi_wm_learner_features(const mi_wm_learner *l, const double *q, const double *qd,
                            const double *tau, const double *qdd_prior, double *phi) {
  const int n = l->n;
  (void)qdd_prior;
  phi[0] = 1.0;
  for (int j = 0; j < n; j++) {
    phi[1 + j] = qd[j] * l->vscale[j];
    phi[1 + n + j] = tau[j] * l->tscale[j];
  }
  /* sensitivity of the prior's acceleration to each body's inertial scale
   * (mass, first moment and inertia together): the directions in which a
   * payload or link mass mismatch moves the dynamics */
  mi_wm_dynd d = l->m->dyn;
  double f[MI_WM_MAX_DOF] = {0}, a0[MI_WM_MAX_DOF] = {0}, a1[MI_WM_MAX_DOF] = {0};
  mi_wm_joint_force_d(&d, qd, tau, f);
  mi_wm_aba_d(&d, q, qd, f, 0.0, a0);
  const double eps = 0.1;
  for (int k = 0; k < n; k++) {
    double mass = d.mass[k], h[3], in[6];
    memcpy(h, d.h[k], sizeof h);
    memcpy(in, d.inertia[k], sizeof in);
    d.mass[k] = mass * (1.0 + eps);
    for (int i = 0; i < 3; i++) d.h[k][i] = h[i] * (1.0 + eps);
    for (int i = 0; i < 6; i++) d.inertia[k][i] = in[i] * (1.0 + eps);
    mi_wm_aba_d(&d, q, qd, f, 0.0, a1);
    for (int j = 0; j < n; j++) phi[1 + 2 * n + k * n + j] = (a1[j] - a0[j]) / eps;
    d.mass[k] = mass;
    memcpy(d.h[k], h, sizeof h);
    memcpy(d.inertia[k], in, sizeof in);
  }
}

/* the prior's step over dt; qdd_mean receives (qd1 - qd0) / dt */
static void prior_step(const mi_wm_learner *l, double *q, double *qd, const double *tau, double dt,
                       int nsub, double *qdd_mean) {
  double qd0[MI_WM_MAX_DOF];
  memcpy(qd0, qd, sizeof(double) * (size_t)l->n);
  mi_wm_step_d(&l->m->dyn, q, qd, tau, dt, nsub, NULL);
  for (int j = 0; j < l->n; j++) qdd_mean[j] = (qd[j] - qd0[j]) / dt;
}

/* Inverse dynamics of table d at (q, qd) through ABA: a0 = ABA(f = 0),
 * column j of A = ABA(e_j) - a0 = M^-1 e_j; A is Cholesky-factored in place
 * (upper, row-major) so that ID(qdd) = M (qdd - a0) = A^-1 (qdd - a0).
 * Returns false when A is not positive definite. */
static bool id_factor(const mi_wm_dynd *d, const double *q, const double *qd, double *A,
                      double *a0) {
  const int n = d->ndof;
  double f[MI_WM_MAX_DOF] = {0}, a[MI_WM_MAX_DOF];
  mi_wm_aba_d(d, q, qd, f, 0.0, a0);
  for (int j = 0; j < n; j++) {
    f[j] = 1.0;
    mi_wm_aba_d(d, q, qd, f, 0.0, a);
    f[j] = 0.0;
    for (int i = 0; i < n; i++) A[i * n + j] = a[i] - a0[i];
  }
  return LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', n, A, n) == 0;
}

/* x = A^-1 b with A factored by id_factor */
static bool id_solve(const double *A, int n, double *x) {
  return LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'U', n, 1, A, n, x, 1) == 0 && all_finite(x, n);
}

/* One transition's rows of the mass-only model. The rigid-body terms are
 * linear in each body's inertial parameters, so with s_k = 1 + delta_k
 *   M_p (qdd_obs - qdd_prior) = - sum_k delta_k ID_k(q, qd, qdd_obs),
 * ID_k the inverse dynamics of body k's parameters alone (= ID of the
 * table with body k doubled minus ID of the prior), exact in delta: no
 * linearisation in the scale, so a 30% payload is found as 1.3, not as a
 * first-order 1.1. Rows (n, the joints) are weighted by 1 / effort so that
 * every joint counts alike. Y: n x n (row j, column k), y: n. */
static bool mass_rows(const mi_wm_learner *l, const double *q0, const double *qd0,
                      const double *q1, const double *qd1, double dt, const double *r,
                      double *Y, double *y) {
  const int n = l->n;
  double A[MI_WM_MAX_DOF * MI_WM_MAX_DOF], a0[MI_WM_MAX_DOF], qdd[MI_WM_MAX_DOF];
  double idp[MI_WM_MAX_DOF], idk[MI_WM_MAX_DOF];
  mi_wm_dynd d = l->m->dyn;
  /* at the step's midpoint: the mean accelerations belong there */
  double q[MI_WM_MAX_DOF] = {0}, qd[MI_WM_MAX_DOF] = {0};
  for (int j = 0; j < n; j++) {
    qdd[j] = (qd1[j] - qd0[j]) / dt;
    q[j] = 0.5 * (q0[j] + q1[j]);
    qd[j] = 0.5 * (qd0[j] + qd1[j]);
  }
  if (!id_factor(&d, q, qd, A, a0)) return false;
  for (int j = 0; j < n; j++) {
    idp[j] = qdd[j] - a0[j];
    y[j] = r[j];
  }
  if (!id_solve(A, n, idp) || !id_solve(A, n, y)) return false;
  for (int k = 0; k < n; k++) {
    double mass = d.mass[k], h[3], in[6];
    memcpy(h, d.h[k], sizeof h);
    memcpy(in, d.inertia[k], sizeof in);
    d.mass[k] = 2.0 * mass;
    for (int i = 0; i < 3; i++) d.h[k][i] = 2.0 * h[i];
    for (int i = 0; i < 6; i++) d.inertia[k][i] = 2.0 * in[i];
    bool ok = id_factor(&d, q, qd, A, a0);
    d.mass[k] = mass;
    memcpy(d.h[k], h, sizeof h);
    memcpy(d.inertia[k], in, sizeof in);
    if (!ok) return false;
    for (int j = 0; j < n; j++) idk[j] = qdd[j] - a0[j];
    if (!id_solve(A, n, idk)) return false;
    for (int j = 0; j < n; j++) Y[j * n + k] = -(idk[j] - idp[j]) * l->tscale[j];
  }
  for (int j = 0; j < n; j++) y[j] *= l->tscale[j];
  return true;
}

mi_status mi_wm_learner_observe(mi_wm_learner *l, const double *q0, const double *qd0,
                                const double *tau, double dt, const double *q1,
                                const double *qd1) {
  if (!l->p.enabled) return MI_OK;
  const int n = l->n, F = l->F;
  if (!(dt > 0.0) || !all_finite(q0, n) || !all_finite(qd0, n) || !all_finite(tau, n) ||
      !all_finite(q1, n) || !all_finite(qd1, n)) {
    l->st.rejected++;
    return MI_ERR_REJECTED;
  }
  /* residual acceleration against the prior */
  double q[MI_WM_MAX_DOF], qd[MI_WM_MAX_DOF], qdd[MI_WM_MAX_DOF], r[MI_WM_MAX_DOF];
  memcpy(q, q0, sizeof(double) * (size_t)n);
  memcpy(qd, qd0, sizeof(double) * (size_t)n);
  prior_step(l, q, qd, tau, dt, (int)l->p.substeps, qdd);
  for (int j = 0; j < n; j++) {
    r[j] = (qd1[j] - qd[j]) / dt;
    if (!isfinite(r[j]) || (l->p.max_residual > 0.0 && fabs(r[j]) > l->p.max_residual)) {
      l->st.rejected++;
      return MI_ERR_REJECTED;
    }
  }
  double phi[MI_WM_LEARNER_MAX_F];
  mi_wm_learner_features(l, q0, qd0, tau, qdd, phi);
  /* forget, then add phi phi^T and phi r^T (only the upper triangle of A
   * is read by dposv, but keep A whole for clarity) */
  const double lam = exp(-dt / l->p.forgetting_s);
  cblas_dscal(F * F, lam, l->A, 1);
  cblas_dscal(F * n, lam, l->B, 1);
  cblas_dger(CblasRowMajor, F, F, 1.0, phi, 1, phi, 1, l->A, F);
  cblas_dger(CblasRowMajor, F, n, 1.0, phi, 1, r, 1, l->B, n);
  /* the mass-only regression (forgotten alike; a row the inverse
   * dynamics cannot form is left out, the transition still counts) */
  double Y[MI_WM_MAX_DOF * MI_WM_MAX_DOF], y[MI_WM_MAX_DOF];
  if (mass_rows(l, q0, qd0, q1, qd1, dt, r, Y, y)) {
    for (int k = 0; k < n; k++) {
      for (int c = 0; c < n; c++) {
        double sum = 0.0;
        for (int j = 0; j < n; j++) sum += Y[j * n + k] * Y[j * n + c];
        l->M[k * n + c] = lam * l->M[k * n + c] + sum;
      }
      double sv = 0.0;
      for (int j = 0; j < n; j++) sv += Y[j * n + k] * y[j];
      l->v[k] = lam * l->v[k] + sv;
    }
  } else {
    for (int i = 0; i < n * n; i++) l->M[i] *= lam;
    for (int k = 0; k < n; k++) l->v[k] *= lam;
  }
  l->st.weight = lam * l->st.weight + 1.0;
  l->st.transitions++;
  l->since_fit++;
  return MI_OK;
}

/* Solve the mass-only system (M + ridge scale I) s = v; mscale = 1 + s,
 * clamped to [MASS_SCALE_MIN, MASS_SCALE_MAX]. A failed solve leaves the
 * previous scales. */
#define MASS_SCALE_MIN 0.25
#define MASS_SCALE_MAX 4.0
static void fit_mass_scale(mi_wm_learner *l, double scale) {
  const int n = l->n;
  double M[MI_WM_MAX_DOF * MI_WM_MAX_DOF], s[MI_WM_MAX_DOF];
  memcpy(M, l->M, sizeof(double) * (size_t)(n * n));
  memcpy(s, l->v, sizeof(double) * (size_t)n);
  for (int k = 0; k < n; k++) {
    /* ridge relative to each column's own energy (the columns' scales
     * differ by orders of magnitude between a base link and a wrist), plus
     * a floor so a body the data never excites stays at its prior mass */
    M[k * n + k] += l->p.ridge * M[k * n + k] + 1e-12 * (1.0 + scale);
  }
  lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', n, 1, M, n, s, 1);
  if (info != 0 || !all_finite(s, n)) return;
  for (int k = 0; k < n; k++) {
    double c = 1.0 + s[k];
    l->mscale[k] = c < MASS_SCALE_MIN ? MASS_SCALE_MIN : c > MASS_SCALE_MAX ? MASS_SCALE_MAX : c;
  }
  l->mfitted = true;
}

mi_status mi_wm_learner_fit(mi_wm_learner *l) {
  const int n = l->n, F = l->F;
  if (l->st.transitions < (uint64_t)l->p.min_samples) return MI_ERR_STATE;
  memcpy(l->Asolve, l->A, sizeof(double) * (size_t)F * (size_t)F);
  memcpy(l->Bsolve, l->B, sizeof(double) * (size_t)F * (size_t)n);
  /* ridge relative to the data's scale so the param means the same
   * whatever the forgetting horizon */
  double scale = l->st.weight > 1.0 ? l->st.weight : 1.0;
  for (int i = 0; i < F; i++) l->Asolve[i * F + i] += l->p.ridge * scale;
  lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', F, n, l->Asolve, F, l->Bsolve, n);
  if (info != 0 || !all_finite(l->Bsolve, F * n)) {
    l->st.fit_failures++;
    return MI_ERR_RANGE;
  }
  memcpy(l->W, l->Bsolve, sizeof(double) * (size_t)F * (size_t)n);
  fit_mass_scale(l, scale);
  l->st.fits++;
  l->st.fitted = true;
  l->since_fit = 0;
  return MI_OK;
}

void mi_wm_learner_eval_batch(const mi_wm_learner *l, const double *phi, int nrow, double *r) {
  if (nrow <= 0) return;
  if (!l->st.fitted) {
    memset(r, 0, sizeof(double) * (size_t)nrow * (size_t)l->n);
    return;
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nrow, l->n, l->F, 1.0, phi, l->F, l->W,
              l->n, 0.0, r, l->n);
}

void mi_wm_learner_step(const mi_wm_learner *l, double *q, double *qd, const double *tau,
                        double dt, int nsub, bool use_residual) {
  double q0[MI_WM_MAX_DOF], qd0[MI_WM_MAX_DOF], qdd[MI_WM_MAX_DOF];
  memcpy(q0, q, sizeof(double) * (size_t)l->n);
  memcpy(qd0, qd, sizeof(double) * (size_t)l->n);
  prior_step(l, q, qd, tau, dt, nsub, qdd);
  if (!use_residual || !l->st.fitted) return;
  double phi[MI_WM_LEARNER_MAX_F], r[MI_WM_MAX_DOF];
  mi_wm_learner_features(l, q0, qd0, tau, qdd, phi);
  mi_wm_learner_eval_batch(l, phi, 1, r);
  for (int j = 0; j < l->n; j++) {
    qd[j] += dt * r[j];
    q[j] += dt * dt * r[j];
  }
}

/* ---- the history and the online loop ---- */

static hist_sample *hist_at(mi_wm_learner *l, int i) {
  return &l->hist[(l->hhead + i) % l->hcap];
}

mi_status mi_wm_learner_push(mi_wm_learner *l, int64_t t_ns, const double *q, const double *qd,
                             const double *tau) {
  const int n = l->n;
  if (!all_finite(q, n) || !all_finite(qd, n) || !all_finite(tau, n)) {
    l->st.rejected++;
    return MI_ERR_REJECTED;
  }
  const int64_t step_ns = mi_ns_from_s(l->p.sample_dt);
  if (l->hlen > 0) {
    const hist_sample *last = hist_at(l, l->hlen - 1);
    int64_t gap = t_ns - last->t_ns;
    if (gap < 0 || gap > 4 * step_ns) {
      l->hlen = l->hhead = 0; /* restart: time went back or a long gap */
    } else if (gap < step_ns - step_ns / 20) {
      return MI_OK; /* not yet due (5% slack for jittery streams) */
    } else {
      /* learn from last -> this under last's torque */
      (void)mi_wm_learner_observe(l, last->q, last->qd, last->tau, mi_s_from_ns(gap), q, qd);
      if (l->p.enabled && l->since_fit >= (uint64_t)l->p.refit_every)
        (void)mi_wm_learner_fit(l);
    }
  }
  if (l->hlen == l->hcap) {
    l->hhead = (l->hhead + 1) % l->hcap;
    l->hlen--;
  }
  hist_sample *s = hist_at(l, l->hlen);
  s->t_ns = t_ns;
  memcpy(s->q, q, sizeof(double) * (size_t)n);
  memcpy(s->qd, qd, sizeof(double) * (size_t)n);
  memcpy(s->tau, tau, sizeof(double) * (size_t)n);
  l->hlen++;
  return MI_OK;
}

mi_status mi_wm_learner_prediction_error(mi_wm_learner *l, int starts, double *err,
                                         double *err_prior) {
  const int n = l->n, F = l->F, nsub = (int)l->p.substeps;
  const int H = (int)lround(l->p.horizon_s / l->p.sample_dt);
  if (starts < 1) starts = 1;
  if (starts > l->bcap) starts = l->bcap;
  int avail = l->hlen - H; /* start indices 0 .. avail-1 */
  if (H < 1 || avail < 1) return MI_ERR_EMPTY;
  if (starts > avail) starts = avail;
  /* the newest `starts` start points, spread over the available ones */
  int first[LEARNER_MAX_STARTS];
  for (int b = 0; b < starts; b++)
    first[b] = avail - 1 - (int)((int64_t)b * (avail - 1) / (starts > 1 ? starts - 1 : 1));
  for (int b = 0; b < starts; b++) {
    const hist_sample *s = hist_at(l, first[b]);
    memcpy(&l->bq[b * n], s->q, sizeof(double) * (size_t)n);
    memcpy(&l->bqd[b * n], s->qd, sizeof(double) * (size_t)n);
    memcpy(&l->pq[b * n], s->q, sizeof(double) * (size_t)n);
    memcpy(&l->pqd[b * n], s->qd, sizeof(double) * (size_t)n);
  }
  /* replay every start in lockstep; the residual for all of them at once */
  for (int h = 0; h < H; h++) {
    for (int b = 0; b < starts; b++) {
      const hist_sample *s0 = hist_at(l, first[b] + h), *s1 = hist_at(l, first[b] + h + 1);
      double dt = mi_s_from_ns(s1->t_ns - s0->t_ns);
      double q0[MI_WM_MAX_DOF], qd0[MI_WM_MAX_DOF], qdd[MI_WM_MAX_DOF];
      double *q = &l->bq[b * n], *qd = &l->bqd[b * n];
      memcpy(q0, q, sizeof(double) * (size_t)n);
      memcpy(qd0, qd, sizeof(double) * (size_t)n);
      prior_step(l, q, qd, s0->tau, dt, nsub, qdd);
      mi_wm_learner_features(l, q0, qd0, s0->tau, qdd, &l->bphi[b * F]);
      prior_step(l, &l->pq[b * n], &l->pqd[b * n], s0->tau, dt, nsub, qdd);
    }
    mi_wm_learner_eval_batch(l, l->bphi, starts, l->br);
    for (int b = 0; b < starts; b++) {
      const hist_sample *s0 = hist_at(l, first[b] + h), *s1 = hist_at(l, first[b] + h + 1);
      double dt = mi_s_from_ns(s1->t_ns - s0->t_ns);
      for (int j = 0; j < n; j++) {
        l->bqd[b * n + j] += dt * l->br[b * n + j];
        l->bq[b * n + j] += dt * dt * l->br[b * n + j];
      }
    }
  }
  double se = 0.0, sp = 0.0;
  for (int b = 0; b < starts; b++) {
    const hist_sample *e = hist_at(l, first[b] + H);
    for (int j = 0; j < n; j++) {
      double d = l->bq[b * n + j] - e->q[j], dp = l->pq[b * n + j] - e->q[j];
      se += d * d;
      sp += dp * dp;
    }
  }
  *err = sqrt(se / (double)(starts * n));
  if (err_prior) *err_prior = sqrt(sp / (double)(starts * n));
  return MI_OK;
}

/* ---- the correction the rollouts use: per-body mass scales ---- */

mi_status mi_wm_learner_mass_scale(const mi_wm_learner *l, double *scale) {
  for (int k = 0; k < l->n; k++) scale[k] = l->mscale[k];
  return l->mfitted ? MI_OK : MI_ERR_STATE;
}

void mi_wm_learner_scale_dyn(const double *scale, const mi_wm_dynd *prior_d,
                             const mi_wm_dynf *prior_f, mi_wm_dynd *out_d, mi_wm_dynf *out_f) {
  if (out_d) *out_d = *prior_d;
  if (out_f) *out_f = *prior_f;
  const int n = prior_d->ndof;
  for (int k = 0; k < n; k++) {
    const double c = scale[k];
    if (out_d) {
      out_d->mass[k] = prior_d->mass[k] * c;
      for (int i = 0; i < 3; i++) out_d->h[k][i] = prior_d->h[k][i] * c;
      for (int i = 0; i < 6; i++) out_d->inertia[k][i] = prior_d->inertia[k][i] * c;
    }
    if (out_f) {
      /* from the float64 tables, so float32 rounding does not compound */
      out_f->mass[k] = (float)(prior_d->mass[k] * c);
      for (int i = 0; i < 3; i++) out_f->h[k][i] = (float)(prior_d->h[k][i] * c);
      for (int i = 0; i < 6; i++) out_f->inertia[k][i] = (float)(prior_d->inertia[k][i] * c);
    }
  }
}
