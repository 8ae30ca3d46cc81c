/* threshold.c — the 1-D classifier of a SISSO classification descriptor:
 * one cut of the descriptor axis with the fewest training errors (a depth-1
 * decision tree, as Bartel et al., Sci. Adv. 5, eaav0693 (2019), set
 * τ < 4.18), placed in the middle of the widest gap among equally good
 * cuts. */
#include <math.h>
#include <stdlib.h>

#include "fit_internal.h"

nacre_status nacre_fit_threshold_fit(int n, const double *x, const double *y,
                                     const unsigned char *mask,
                                     nacre_fit_threshold *t, nacre_error *err) {
  double lab[2];
  int nlab = 0;
  for (int i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    if (nlab == 0 || (nlab == 1 && y[i] != lab[0])) lab[nlab++] = y[i];
    else if (y[i] != lab[0] && y[i] != lab[1])
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "a threshold separates two classes; the data have more");
  }
  if (nlab < 2)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "a threshold needs two classes; the rows hold one");
  if (lab[0] > lab[1]) {
    double s = lab[0];
    lab[0] = lab[1];
    lab[1] = s;
  }
  int *cls = malloc(((size_t)n + 1) * sizeof *cls);
  int *order = malloc(((size_t)n + 1) * sizeof *order);
  if (!cls || !order) {
    free(cls);
    free(order);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  for (int i = 0; i < n; i++) cls[i] = y[i] == lab[1];
  fit_sort_index(n, x, order);
  int best = fit_stump_errors(n, x, order, cls, mask, NULL, NULL);
  /* among the cuts with `best` errors, the widest gap */
  int n0 = 0, n1 = 0;
  for (int k = 0; k < n; k++) {
    int i = order[k];
    if (mask && !mask[i]) continue;
    if (cls[i]) n1++;
    else n0++;
  }
  double best_gap = -1, cut = NAN;
  int zero_below = n0 <= n1, c0 = 0, c1 = 0, prev = -1;
  for (int k = 0; k < n; k++) {
    int i = order[k];
    if (mask && !mask[i]) continue;
    if (prev >= 0 && x[i] != x[prev]) {
      double gap = x[i] - x[prev];
      int ea = c1 + (n0 - c0), eb = c0 + (n1 - c1);
      if (ea == best && gap > best_gap) {
        best_gap = gap;
        cut = 0.5 * (x[i] + x[prev]);
        zero_below = 1;
      }
      if (eb == best && gap > best_gap) {
        best_gap = gap;
        cut = 0.5 * (x[i] + x[prev]);
        zero_below = 0;
      }
    }
    if (cls[i]) c1++;
    else c0++;
    prev = i;
  }
  if (best_gap < 0) {
    /* no cut beats predicting the larger class everywhere: put the cut
     * below every value */
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++)
      if (!mask || mask[i]) {
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
      }
    cut = lo - fmax(hi - lo, 1.0);
    zero_below = n0 <= n1; /* everything above: the majority */
  }
  t->threshold = cut;
  t->class_below = zero_below ? lab[0] : lab[1];
  t->class_above = zero_below ? lab[1] : lab[0];
  t->errors = best;
  free(cls);
  free(order);
  return NACRE_OK;
}
