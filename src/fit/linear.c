/* linear.c — ordinary least squares on given features, the model of block
 * energies E = Σ c_i N_i (Kharabadze et al., npj Comput. Mater. (2022):
 * the [111] BCC Li–Sn phases explained by counts of blocks): coefficients
 * and their standard errors from the SVD of the design matrix (rank
 * deficiency detected, not hidden), exact leave-one-out errors from the
 * hat matrix, e_i / (1 − h_ii), and for each number of terms the subset
 * with the smallest training RMSE (all subsets while their number stays
 * below a limit, forward selection beyond). */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"

void nacre_fit_linear_options_init(nacre_fit_linear_options *o) {
  memset(o, 0, sizeof *o);
  o->intercept = 0;
  o->max_terms = 0;
  o->exhaustive_limit = 200000;
}

void nacre_fit_linear_report_free(nacre_fit_linear_report *r) {
  free(r->loo_errors);
  r->loo_errors = NULL;
}

/* Least squares of y on the columns `cols` (plus a constant when
 * intercept) by SVD: coefficients (constant first), their standard errors,
 * the rank and SSE; residuals and leave-one-out errors when not NULL. */
typedef struct ls_fit {
  int ncoef, rank;
  double coef[65], stderr_[65];
  double sse;
} ls_fit;

static nacre_status ls_solve(const nacre_fit_data *d, const int *cols, int ncols, int intercept,
                             ls_fit *out, double *resid, double *loo, nacre_error *err) {
  const int n = d->nrows, p = ncols + (intercept ? 1 : 0);
  const int kmin = n < p ? n : p;
  double *a = malloc((size_t)n * p * sizeof *a), *u = malloc((size_t)n * kmin * sizeof *u);
  double *vt = malloc((size_t)kmin * p * sizeof *vt), *s = malloc((size_t)kmin * sizeof *s);
  double *r = malloc((size_t)n * sizeof *r);
  nacre_status st = NACRE_OK;
  if (!a || !u || !vt || !s || !r) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (int i = 0; i < n; i++) { /* row-major design matrix */
    int c = 0;
    if (intercept) a[(size_t)i * p + c++] = 1.0;
    for (int k = 0; k < ncols; k++) a[(size_t)i * p + c++] = d->x[(size_t)cols[k] * n + i];
  }
  int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', n, p, a, p, s, u, kmin, vt, p);
  if (info) {
    st = nacre_error_set(err, NACRE_ERR_NUMERIC, "least squares: SVD failed (info %d)", info);
    goto done;
  }
  /* singular values below max(n, p)·ε·s_max are numerical zeros */
  const double tol = (n > p ? n : p) * 2.220446049250313e-16 * s[0];
  int rank = 0;
  while (rank < kmin && s[rank] > tol) rank++;
  out->ncoef = p;
  out->rank = rank;
  double uty[65];
  for (int k = 0; k < rank; k++) {
    double t = 0;
    for (int i = 0; i < n; i++) t += u[(size_t)i * kmin + k] * d->y[i];
    uty[k] = t / s[k];
  }
  for (int j = 0; j < p; j++) {
    double c = 0;
    for (int k = 0; k < rank; k++) c += vt[(size_t)k * p + j] * uty[k];
    out->coef[j] = c;
  }
  out->sse = 0;
  const int ic = intercept ? 1 : 0;
  for (int i = 0; i < n; i++) {
    double f = ic ? out->coef[0] : 0;
    for (int k = 0; k < ncols; k++) f += out->coef[k + ic] * d->x[(size_t)cols[k] * n + i];
    r[i] = d->y[i] - f;
    out->sse += r[i] * r[i];
  }
  /* Var(c) = σ² V S⁻² Vᵀ with σ² = SSE / (n − rank); a direction with a
   * zero singular value has no defined error */
  const double sigma2 = n > rank ? out->sse / (n - rank) : NAN;
  for (int j = 0; j < p; j++) {
    double v = 0;
    for (int k = 0; k < rank; k++) v += vt[(size_t)k * p + j] * vt[(size_t)k * p + j] / (s[k] * s[k]);
    out->stderr_[j] = rank < p ? NAN : sqrt(sigma2 * v);
  }
  for (int i = 0; i < n; i++) {
    double h = 0;
    for (int k = 0; k < rank; k++) h += u[(size_t)i * kmin + k] * u[(size_t)i * kmin + k];
    if (resid) resid[i] = r[i];
    /* a row with leverage 1 fixes its own prediction: no LOO error */
    if (loo) loo[i] = 1 - h > 1e-10 ? r[i] / (1 - h) : NAN;
  }
done:
  free(a);
  free(u);
  free(vt);
  free(s);
  free(r);
  return st;
}

static double rms_finite(int n, const double *e) {
  double s = 0;
  int c = 0;
  for (int i = 0; i < n; i++)
    if (isfinite(e[i])) {
      s += e[i] * e[i];
      c++;
    }
  return c == n ? sqrt(s / n) : NAN;
}

/* Gram matrix of the centred (intercept) or raw columns for fast subset
 * RSS: RSS(S) = yᵀy − b_Sᵀ G_SS⁻¹ b_S. */
typedef struct gram {
  int p;
  double g[64 * 64], b[64], yy;
} gram;

static void gram_build(const nacre_fit_data *d, int intercept, gram *gm) {
  const int n = d->nrows, p = d->nfeatures;
  double mean[64] = {0}, ym = 0;
  if (intercept) {
    for (int i = 0; i < n; i++) ym += d->y[i];
    ym /= n;
    for (int k = 0; k < p; k++) {
      for (int i = 0; i < n; i++) mean[k] += d->x[(size_t)k * n + i];
      mean[k] /= n;
    }
  }
  gm->p = p;
  gm->yy = 0;
  for (int i = 0; i < n; i++) gm->yy += (d->y[i] - ym) * (d->y[i] - ym);
  for (int k = 0; k < p; k++) {
    const double *a = d->x + (size_t)k * n;
    double t = 0;
    for (int i = 0; i < n; i++) t += (a[i] - mean[k]) * (d->y[i] - ym);
    gm->b[k] = t;
    for (int l = 0; l <= k; l++) {
      const double *c = d->x + (size_t)l * n;
      double s = 0;
      for (int i = 0; i < n; i++) s += (a[i] - mean[k]) * (c[i] - mean[l]);
      gm->g[k * 64 + l] = gm->g[l * 64 + k] = s;
    }
  }
}

static double subset_rss(const gram *gm, const int *t, int k) {
  double a[64 * 64], x[64];
  for (int i = 0; i < k; i++) {
    x[i] = gm->b[t[i]];
    for (int j = 0; j < k; j++) a[i * k + j] = gm->g[t[i] * 64 + t[j]];
  }
  if (!fit_cholesky_solve(k, a, x)) return INFINITY;
  double fit = 0;
  for (int i = 0; i < k; i++) fit += gm->b[t[i]] * x[i];
  return gm->yy - fit;
}

static double binomial(int n, int k) {
  double c = 1;
  for (int i = 1; i <= k; i++) c = c * (n - k + i) / i;
  return c;
}

/* The best subset of size k: exhaustive (lexicographic, first best kept)
 * or forward from prev. */
static void best_subset(const gram *gm, int k, long limit, const nacre_fit_linear_step *prev,
                        nacre_fit_linear_step *out) {
  const int p = gm->p;
  double best = INFINITY;
  out->nterms = k;
  if (binomial(p, k) <= (double)limit) {
    out->exhaustive = 1;
    int t[64];
    for (int i = 0; i < k; i++) t[i] = i;
    for (;;) {
      double r = subset_rss(gm, t, k);
      /* a later subset must be better beyond rounding to replace one */
      if (isinf(best) ? r < best : r < best - 1e-12 * fabs(best)) {
        best = r;
        memcpy(out->terms, t, (size_t)k * sizeof *t);
      }
      int i = k - 1;
      while (i >= 0 && t[i] == p - k + i) i--;
      if (i < 0) break;
      t[i]++;
      for (int j = i + 1; j < k; j++) t[j] = t[j - 1] + 1;
    }
  } else {
    out->exhaustive = 0;
    int t[64];
    memcpy(t, prev->terms, (size_t)(k - 1) * sizeof *t);
    for (int f = 0; f < p; f++) {
      int used = 0;
      for (int i = 0; i < k - 1; i++) used |= t[i] == f;
      if (used) continue;
      t[k - 1] = f;
      double r = subset_rss(gm, t, k);
      if (r < best) {
        best = r;
        memcpy(out->terms, t, (size_t)k * sizeof *t);
      }
    }
  }
  if (!isfinite(best) && prev) memcpy(out->terms, prev->terms, sizeof out->terms);
}

nacre_status nacre_fit_linear(const nacre_fit_data *d, const nacre_fit_linear_options *o,
                              nacre_fit_model **model, nacre_fit_linear_report *rep,
                              nacre_error *err) {
  *model = NULL;
  memset(rep, 0, sizeof *rep);
  if (!d->y) return nacre_error_set(err, NACRE_ERR_INVALID, "linear needs a target column");
  const int n = d->nrows, p = d->nfeatures, ic = o->intercept ? 1 : 0;
  if (p > 64)
    return nacre_error_set(err, NACRE_ERR_INVALID, "linear takes at most 64 features, got %d", p);
  rep->nfeatures = p;
  rep->loo_errors = malloc((size_t)n * sizeof *rep->loo_errors);
  double *resid = malloc((size_t)n * sizeof *resid);
  int cols[64];
  for (int k = 0; k < p; k++) cols[k] = k;
  nacre_status st = NACRE_OK;
  if (!rep->loo_errors || !resid) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  ls_fit f;
  st = ls_solve(d, cols, p, o->intercept, &f, resid, rep->loo_errors, err);
  if (st) goto done;
  rep->rank = f.rank; /* below p + intercept: some coefficients are not
                        determined by the data (their errors are NaN) */
  rep->intercept = ic ? f.coef[0] : 0;
  rep->intercept_stderr = ic ? f.stderr_[0] : NAN;
  for (int k = 0; k < p; k++) {
    rep->coef[k] = f.coef[k + ic];
    rep->coef_stderr[k] = f.stderr_[k + ic];
  }
  double *pred = malloc((size_t)n * sizeof *pred);
  if (!pred) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (int i = 0; i < n; i++) pred[i] = d->y[i] - resid[i];
  nacre_fit_eval ev;
  nacre_fit_eval_regression(n, pred, d->y, &ev);
  free(pred);
  rep->rmse = ev.rmse;
  rep->max_abs_error = ev.max_abs_error;
  rep->r2 = ev.r2;
  rep->loo_rmse = rms_finite(n, rep->loo_errors);
  /* the path of best subsets */
  gram *gm = malloc(sizeof *gm);
  double *loo = malloc((size_t)n * sizeof *loo);
  if (!gm || !loo) {
    free(gm);
    free(loo);
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  gram_build(d, o->intercept, gm);
  int kmax = o->max_terms > 0 && o->max_terms < p ? o->max_terms : p;
  for (int k = 1; k <= kmax && !st; k++) {
    nacre_fit_linear_step *s = &rep->steps[k - 1];
    best_subset(gm, k, o->exhaustive_limit, k > 1 ? &rep->steps[k - 2] : NULL, s);
    ls_fit sf;
    st = ls_solve(d, s->terms, k, o->intercept, &sf, NULL, loo, err);
    s->rmse = sqrt(sf.sse / n);
    s->loo_rmse = rms_finite(n, loo);
    rep->nsteps = k;
  }
  free(gm);
  free(loo);
  if (st) goto done;
  nacre_fit_model *m = fit_model_new("linear", NACRE_FIT_PREDICT_LINEAR, p, d->names, d->units, p);
  if (!m) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  fit_model_set_target(m, d->target, 0, NULL);
  m->intercept = rep->intercept;
  memcpy(m->coef, rep->coef, (size_t)p * sizeof *m->coef);
  for (int k = 0; k < p && !st; k++) {
    fit_text t;
    fit_text_name(d->names[k], &t);
    st = fit_model_set_descriptor(m, k, t.s, err);
  }
  if (st) nacre_fit_model_free(m);
  else *model = m;
done:
  free(resid);
  if (st) nacre_fit_linear_report_free(rep);
  return st;
}
