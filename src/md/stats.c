/* stats.c — online statistics of a run: means with standard errors by
 * Flyvbjerg–Petersen blocking (JCP 91, 461 (1989)) and the least-squares
 * slope of the conserved quantity. Both keep O(1) state per quantity, so
 * that a checkpoint holds them whole. */
#include <math.h>

#include "md_internal.h"

/* Level l receives the means of consecutive pairs of level l − 1 (sums of
 * squares of raw values: the quantities averaged here have fluctuations
 * above 1e-6 of their mean, far from cancellation). */
void md_blocking_add(md_blocking *b, double x) {
  for (int l = 0; l < MD_BLOCK_LEVELS; l++) {
    b->n[l]++;
    b->sum[l] += x;
    b->sumsq[l] += x * x;
    if (!b->has_pending[l]) {
      b->pending[l] = x;
      b->has_pending[l] = 1;
      return;
    }
    x = 0.5 * (b->pending[l] + x);
    b->has_pending[l] = 0;
  }
}

/* The standard error of the mean at each level is √(s²/n) over its block
 * means; correlated samples make it grow with the block size until the
 * blocks are longer than the correlation time. The largest value over the
 * levels with at least 16 blocks is reported (level 0 alone when there are
 * fewer). */
void md_blocking_estimate(const md_blocking *b, nacre_md_estimate *out) {
  out->samples = b->n[0];
  if (b->n[0] == 0) {
    out->mean = out->stderr_mean = NAN;
    return;
  }
  out->mean = b->sum[0] / b->n[0];
  double best = NAN;
  for (int l = 0; l < MD_BLOCK_LEVELS; l++) {
    long n = b->n[l];
    if (n < 2 || (l > 0 && n < 16)) break;
    double mean = b->sum[l] / n;
    double var = (b->sumsq[l] - n * mean * mean) / (n - 1);
    if (var < 0.0) var = 0.0;
    double se = sqrt(var / n);
    if (!(se <= best)) best = se;
  }
  out->stderr_mean = best;
}

void md_line_add(md_line *l, double t, double y) {
  l->n++;
  double dt = t - l->mean_t;
  l->mean_t += dt / l->n;
  double dy = y - l->mean_y;
  l->mean_y += dy / l->n;
  l->m2_t += dt * (t - l->mean_t);
  l->c_ty += dt * (y - l->mean_y);
}

double md_line_slope(const md_line *l) {
  return l->n >= 2 && l->m2_t > 0.0 ? l->c_ty / l->m2_t : NAN;
}
