/* optim.c — optimisers for the network weights: Adam (mini-batch) and
 * L-BFGS with a backtracking Armijo line search (full batch). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"

nacre_status train_adam_init(train_adam *a, int n, double lr,
                             nacre_error *err) {
  memset(a, 0, sizeof *a);
  a->n = n;
  a->lr = lr;
  a->beta1 = 0.9;
  a->beta2 = 0.999;
  a->eps = 1e-8;
  a->m = calloc((size_t)(n > 0 ? n : 1), sizeof *a->m);
  a->v = calloc((size_t)(n > 0 ? n : 1), sizeof *a->v);
  if (!a->m || !a->v) {
    train_adam_free(a);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory for Adam");
  }
  return NACRE_OK;
}

void train_adam_free(train_adam *a) {
  free(a->m);
  free(a->v);
  a->m = a->v = NULL;
}

/* Kingma & Ba, arXiv:1412.6980, algorithm 1 */
void train_adam_step(train_adam *a, double *x, const double *g) {
  a->t++;
  double b1t = 1 - pow(a->beta1, (double)a->t), b2t = 1 - pow(a->beta2, (double)a->t);
  for (int k = 0; k < a->n; k++) {
    a->m[k] = a->beta1 * a->m[k] + (1 - a->beta1) * g[k];
    a->v[k] = a->beta2 * a->v[k] + (1 - a->beta2) * g[k] * g[k];
    double mh = a->m[k] / b1t, vh = a->v[k] / b2t;
    x[k] -= a->lr * mh / (sqrt(vh) + a->eps);
  }
}

nacre_status train_lbfgs_init(train_lbfgs *o, int n, int m, nacre_error *err) {
  memset(o, 0, sizeof *o);
  o->n = n;
  o->m = m < 1 ? 1 : m;
  size_t N = (size_t)(n > 0 ? n : 1);
  o->s = calloc((size_t)o->m * N, sizeof(double));
  o->y = calloc((size_t)o->m * N, sizeof(double));
  o->rho = calloc((size_t)o->m, sizeof(double));
  o->alpha = calloc((size_t)o->m, sizeof(double));
  o->d = calloc(N, sizeof(double));
  o->xn = calloc(N, sizeof(double));
  o->gn = calloc(N, sizeof(double));
  o->g = calloc(N, sizeof(double));
  o->sv = malloc((size_t)o->m * sizeof *o->sv);
  o->yv = malloc((size_t)o->m * sizeof *o->yv);
  if (!o->s || !o->y || !o->rho || !o->alpha || !o->d || !o->xn || !o->gn ||
      !o->g || !o->sv || !o->yv) {
    train_lbfgs_free(o);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory for L-BFGS");
  }
  for (int q = 0; q < o->m; q++) {
    o->sv[q] = o->s + (size_t)q * N;
    o->yv[q] = o->y + (size_t)q * N;
  }
  return NACRE_OK;
}

void train_lbfgs_free(train_lbfgs *o) {
  free(o->s);
  free(o->y);
  free(o->rho);
  free(o->alpha);
  free(o->d);
  free(o->xn);
  free(o->gn);
  free(o->g);
  free(o->sv);
  free(o->yv);
  memset(o, 0, sizeof *o);
}

static double dot(const double *a, const double *b, int n) {
  double s = 0;
  for (int k = 0; k < n; k++) s += a[k] * b[k];
  return s;
}

/* d = −H g (nacre_lbfgs_direction); without curvature pairs a steepest-
 * descent step of length at most 1. */
static void direction(train_lbfgs *o) {
  nacre_lbfgs_direction(o->n, o->m, o->count, o->k,
                        (const double *const *)o->sv,
                        (const double *const *)o->yv, o->rho, o->alpha, o->g,
                        o->d);
  if (o->count == 0) {
    double gn = sqrt(dot(o->g, o->g, o->n));
    if (gn > 0)
      for (int k = 0; k < o->n; k++) o->d[k] /= gn > 1 ? gn : 1;
  }
}

nacre_status train_lbfgs_step(train_lbfgs *o, double *x, train_objective fn,
                              void *user, nacre_error *err) {
  int n = o->n;
  nacre_status st;
  if (!o->have_f) {
    if ((st = fn(user, x, &o->f, o->g, err))) return st;
    o->have_f = 1;
  }
  direction(o);
  double gd = dot(o->g, o->d, n);
  if (!(gd < 0)) { /* not a descent direction: restart from steepest descent */
    o->count = 0;
    direction(o);
    gd = dot(o->g, o->d, n);
    if (!(gd < 0))
      return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED,
                             "L-BFGS: zero gradient");
  }
  double t = 1, fnew = 0;
  const double c1 = 1e-4;
  int ok = 0;
  for (int tries = 0; tries < 40; tries++) {
    for (int k = 0; k < n; k++) o->xn[k] = x[k] + t * o->d[k];
    st = fn(user, o->xn, &fnew, o->gn, err);
    if (st && st != NACRE_ERR_NUMERIC) return st;
    if (!st && isfinite(fnew) && fnew <= o->f + c1 * t * gd) {
      ok = 1;
      break;
    }
    /* minimiser of the quadratic through f(0), f'(0), f(t), kept in
     * [0.1 t, 0.5 t] */
    double tq = (!st && isfinite(fnew))
                    ? -gd * t * t / (2 * (fnew - o->f - gd * t))
                    : 0.1 * t;
    if (!(tq >= 0.1 * t)) tq = 0.1 * t;
    if (tq > 0.5 * t) tq = 0.5 * t;
    t = tq;
  }
  if (!ok)
    return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED,
                           "L-BFGS: the line search found no decrease");
  /* history update s = Δx, y = Δg when the curvature is positive */
  double *s = o->s + (size_t)o->k * n, *y = o->y + (size_t)o->k * n;
  for (int k = 0; k < n; k++) {
    s[k] = o->xn[k] - x[k];
    y[k] = o->gn[k] - o->g[k];
  }
  double sy = dot(s, y, n);
  if (sy > 1e-12 * sqrt(dot(s, s, n) * dot(y, y, n))) {
    o->rho[o->k] = 1 / sy;
    o->k = (o->k + 1) % o->m;
    if (o->count < o->m) o->count++;
  }
  memcpy(x, o->xn, (size_t)n * sizeof *x);
  memcpy(o->g, o->gn, (size_t)n * sizeof *o->g);
  o->f = fnew;
  return NACRE_OK;
}
