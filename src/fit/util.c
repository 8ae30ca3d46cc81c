/* util.c — small pieces the fit layer shares: cross-validation folds,
 * class indices, sorting, the best single cut of sorted data, a small
 * Cholesky solver, and the agreement metrics (RMSE, accuracy, Kendall's τ,
 * pairwise accuracy). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"

void fit_folds_assign(int n, int k, uint64_t seed, const int *cls, int nclass,
                      int *fold) {
  int *order = malloc((size_t)n * sizeof *order);
  if (!order) {
    for (int i = 0; i < n; i++) fold[i] = i % k;
    return;
  }
  int groups = cls ? nclass : 1, next = 0;
  for (int g = 0; g < groups; g++) {
    int m = 0;
    for (int i = 0; i < n; i++)
      if (!cls || cls[i] == g) order[m++] = i;
    nacre_rng rng;
    nacre_rng_init(&rng, seed, 1000 + (uint64_t)g);
    for (int i = m - 1; i > 0; i--) { /* Fisher–Yates */
      int j = nacre_rng_int(&rng, i + 1), t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    /* round robin, continuing across classes so that folds stay equal */
    for (int i = 0; i < m; i++) fold[order[i]] = next++ % k;
  }
  free(order);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int *fit_class_index(int n, const double *y, double **classes, int *nclass) {
  double *c = malloc(((size_t)n + 1) * sizeof *c);
  int *idx = malloc(((size_t)n + 1) * sizeof *idx);
  if (!c || !idx) {
    free(c);
    free(idx);
    return NULL;
  }
  memcpy(c, y, (size_t)n * sizeof *c);
  qsort(c, (size_t)n, sizeof *c, cmp_double);
  int m = 0;
  for (int i = 0; i < n; i++)
    if (!m || c[i] != c[m - 1]) c[m++] = c[i];
  for (int i = 0; i < n; i++) {
    int lo = 0, hi = m - 1;
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (c[mid] < y[i]) lo = mid + 1;
      else hi = mid;
    }
    idx[i] = lo;
  }
  *classes = c;
  *nclass = m;
  return idx;
}

typedef struct keyed {
  double x;
  int i;
} keyed;

static int cmp_keyed(const void *pa, const void *pb) {
  const keyed *a = pa, *b = pb;
  if (a->x != b->x) return a->x < b->x ? -1 : 1;
  return a->i - b->i;
}

void fit_sort_index(int n, const double *x, int *idx) {
  keyed *k = malloc(((size_t)n + 1) * sizeof *k);
  if (!k) { /* insertion sort needs no memory */
    for (int i = 0; i < n; i++) {
      int j = i;
      while (j > 0 && x[idx[j - 1]] > x[i]) {
        idx[j] = idx[j - 1];
        j--;
      }
      idx[j] = i;
    }
    return;
  }
  for (int i = 0; i < n; i++) k[i] = (keyed){x[i], i};
  qsort(k, (size_t)n, sizeof *k, cmp_keyed);
  for (int i = 0; i < n; i++) idx[i] = k[i].i;
  free(k);
}

/* Walks the rows in sorted order; a cut may fall only between different
 * values. With c0, c1 the class counts below the cut and n0, n1 the
 * totals, the errors are c1 + (n0 − c0) with class 0 below, c0 + (n1 −
 * c1) with class 0 above. The empty cut (all rows on one side) gives
 * min(n0, n1). */
int fit_stump_errors(int n, const double *x, const int *order, const int *cls,
                     const unsigned char *mask, int *out_cut, int *zero_below) {
  int n0 = 0, n1 = 0;
  for (int k = 0; k < n; k++) {
    int i = order[k];
    if (mask && !mask[i]) continue;
    if (cls[i]) n1++;
    else n0++;
  }
  int best = n0 <= n1 ? n0 : n1, best_cut = 0, best_zero_below = n0 <= n1;
  int c0 = 0, c1 = 0, seen = 0;
  double prev = 0;
  for (int k = 0; k < n; k++) {
    int i = order[k];
    if (mask && !mask[i]) continue;
    if (seen && x[i] != prev) { /* a cut just before row k */
      int ea = c1 + (n0 - c0), eb = c0 + (n1 - c1);
      if (ea < best) {
        best = ea;
        best_cut = k;
        best_zero_below = 1;
      }
      if (eb < best) {
        best = eb;
        best_cut = k;
        best_zero_below = 0;
      }
    }
    if (cls[i]) c1++;
    else c0++;
    prev = x[i];
    seen = 1;
  }
  if (out_cut) *out_cut = best_cut;
  if (zero_below) *zero_below = best_zero_below;
  return best;
}

int fit_cholesky_solve(int d, double *a, double *b) {
  double scale = 0;
  for (int k = 0; k < d; k++) scale = fmax(scale, fabs(a[k * d + k]));
  for (int j = 0; j < d; j++) {
    double s = a[j * d + j];
    for (int k = 0; k < j; k++) s -= a[j * d + k] * a[j * d + k];
    if (!(s > 1e-12 * scale)) return 0;
    a[j * d + j] = sqrt(s);
    for (int i = j + 1; i < d; i++) {
      double t = a[i * d + j];
      for (int k = 0; k < j; k++) t -= a[i * d + k] * a[j * d + k];
      a[i * d + j] = t / a[j * d + j];
    }
  }
  for (int i = 0; i < d; i++) { /* L z = b */
    double t = b[i];
    for (int k = 0; k < i; k++) t -= a[i * d + k] * b[k];
    b[i] = t / a[i * d + i];
  }
  for (int i = d - 1; i >= 0; i--) { /* Lᵀ x = z */
    double t = b[i];
    for (int k = i + 1; k < d; k++) t -= a[k * d + i] * b[k];
    b[i] = t / a[i * d + i];
  }
  return 1;
}

/* ---- metrics --------------------------------------------------------- */

static int sgn(double v) { return (v > 0) - (v < 0); }

double nacre_fit_kendall_tau(int n, const double *a, const double *b) {
  if (n < 2) return NAN;
  double conc = 0, disc = 0, ties_a = 0, ties_b = 0, pairs = 0;
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      int sa = sgn(a[i] - a[j]), sb = sgn(b[i] - b[j]);
      pairs++;
      if (!sa) ties_a++;
      if (!sb) ties_b++;
      if (sa && sb) {
        if (sa == sb) conc++;
        else disc++;
      }
    }
  double den = sqrt((pairs - ties_a) * (pairs - ties_b));
  return den > 0 ? (conc - disc) / den : NAN;
}

double nacre_fit_pairwise_accuracy(int n, const double *a, const double *b) {
  double good = 0, pairs = 0;
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      int sb = sgn(b[i] - b[j]);
      if (!sb) continue;
      int sa = sgn(a[i] - a[j]);
      pairs++;
      good += sa == sb ? 1.0 : sa == 0 ? 0.5 : 0.0;
    }
  return pairs > 0 ? good / pairs : NAN;
}

void nacre_fit_eval_regression(int n, const double *pred, const double *y,
                               nacre_fit_eval *ev) {
  memset(ev, 0, sizeof *ev);
  ev->n = n;
  double mean = 0, ss = 0, st = 0;
  for (int i = 0; i < n; i++) mean += y[i];
  mean /= n > 0 ? n : 1;
  for (int i = 0; i < n; i++) {
    double e = pred[i] - y[i];
    ss += e * e;
    st += (y[i] - mean) * (y[i] - mean);
    ev->mae += fabs(e);
    ev->max_abs_error = fmax(ev->max_abs_error, fabs(e));
  }
  ev->rmse = n > 0 ? sqrt(ss / n) : NAN;
  ev->mae = n > 0 ? ev->mae / n : NAN;
  ev->r2 = st > 0 ? 1 - ss / st : NAN;
  ev->accuracy = NAN;
  ev->kendall_tau = nacre_fit_kendall_tau(n, pred, y);
  ev->pairwise_accuracy = nacre_fit_pairwise_accuracy(n, pred, y);
}

void nacre_fit_eval_classification(int n, const double *pred, const double *y,
                                   nacre_fit_eval *ev) {
  memset(ev, 0, sizeof *ev);
  ev->n = n;
  ev->classification = 1;
  for (int i = 0; i < n; i++)
    if (pred[i] != y[i]) ev->errors++;
  ev->accuracy = n > 0 ? 1.0 - (double)ev->errors / n : NAN;
  ev->rmse = ev->mae = ev->max_abs_error = ev->r2 = NAN;
  ev->kendall_tau = ev->pairwise_accuracy = NAN;
}

unsigned fit_umask(void) {
  /* read, not set: umask() would change it for every thread for a moment */
  unsigned mask = 022;
  FILE *f = fopen("/proc/self/status", "r");
  char line[128];
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "Umask:", 6)) mask = (unsigned)strtoul(line + 6, NULL, 8);
  if (f) fclose(f);
  return mask;
}
