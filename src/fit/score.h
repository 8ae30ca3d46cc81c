/* score.h — how a feature (or a tuple of features) is scored against a
 * target on a subset of rows: |Pearson r| for regression; SISSO's
 * domain overlap and the errors of the best threshold for classification.
 * Every score is a key of three numbers compared in order, smaller better.
 * Private to src/fit. */
#ifndef NACRE_FIT_SCORE_H
#define NACRE_FIT_SCORE_H

#include "fit_internal.h"
#include "space.h"

/* Scratch a scoring thread owns (sized for nrows rows). */
typedef struct fit_scratch {
  int nrows;
  int *order;        /* rows sorted by value */
  double *z;         /* projected values */
  double *tmp;       /* nrows */
  uint64_t *keys, *keys2;
  int *order2;
} fit_scratch;

int fit_scratch_init(fit_scratch *s, int nrows);
void fit_scratch_free(fit_scratch *s);

/* Rows 0..n−1 ordered by v ascending (ties in row order) into s->order. */
void fit_order_rows(fit_scratch *s, const double *v, int n);

/* Key comparison: −1, 0, 1. */
int fit_key_cmp(const double a[3], const double b[3]);

/* Regression: key {−|r|, 0, 0} with r Pearson's correlation of v with the
 * target t over the rows where w = 1 (w is 0/1; t is zero off the rows
 * and sums to zero on them; tnorm = |t|). mu is the mean of v over all
 * rows (a shift that keeps the sums well conditioned). */
void fit_score_correlation(int n, const double *v, double mu, const double *w,
                           double nw, const double *t, double tnorm,
                           double key[3]);

/* SISSO's 1-D domain overlap (Ouyang et al. 2018; SISSO's sis_score for
 * classification): for each pair of classes with intervals [min, max] on
 * the masked rows, the samples of both classes inside the intersection are
 * counted. key {count, s, 0}: s is the mean over class pairs of the
 * overlap length divided by the shorter interval when any pair overlaps,
 * else minus the smallest gap divided by the range of v. */
void fit_score_overlap1d(int n, const double *v, const int *cls, int nclass,
                         const unsigned char *mask, double key[3]);
/* Rows of mask that lie in the overlap of some pair of class intervals
 * (SISSO's "unclassified" samples) get in_overlap[i] = 1. */
void fit_overlap1d_rows(int n, const double *v, const int *cls, int nclass,
                        const unsigned char *mask, unsigned char *in_overlap);

/* Errors of the best single threshold, summed over class pairs, given the
 * rows in order (fit_order_rows). */
int fit_stump_errors_pairs(int n, const double *v, const int *order,
                           const int *cls, int nclass,
                           const unsigned char *mask);

/* Bounds on the errors of the best threshold from class counts in nbins
 * consecutive bins of the value axis (classes 0 and 1): returns a lower
 * bound (a cut inside a bin may sort that bin perfectly) and sets *upper
 * to the best cut on a bin edge. Exact thresholds need sorted rows, the
 * bounds only the histogram: most candidates that cannot enter the best S
 * are rejected without sorting, and when the bounds meet no sort is
 * needed at all. */
int fit_stump_bound(int nbins, const int *h0, const int *h1, int *upper);

/* SISSO's 2-D overlap: samples of each class inside (or on) the convex
 * hull of another class's samples, summed over class pairs. in_overlap,
 * when not NULL, flags those rows. key {count, 0, 0}. */
void fit_score_overlap2d(int n, const double *x, const double *y,
                         const int *cls, int nclass, const unsigned char *mask,
                         fit_scratch *s, double key[3],
                         unsigned char *in_overlap);

/* Fisher's discriminant of d features (cols[k] of n rows) between each
 * pair of classes, then the best threshold on the projection; key
 * {errors summed over pairs, 0, 0}. */
void fit_score_fisher(int n, int d, const double *const *cols, const int *cls,
                      int nclass, const unsigned char *mask, fit_scratch *s,
                      double key[3]);

/* ---- the best S candidates ------------------------------------------- */

typedef struct fit_entry {
  double key[3];
  fit_candidate c;
  uint64_t fp;
} fit_entry;

/* A bounded list of the best `cap` candidates with distinct fingerprints:
 * candidates collect in a buffer of 2·cap; when it fills, the simplest of
 * each fingerprint is kept and the best cap of those survive, and the
 * worst survivor becomes the bar a newcomer must pass. The result depends
 * on which candidates came, not on their order or on how they were split
 * among threads. */
typedef struct fit_topk {
  int cap, n;
  fit_entry *buf;
  int full;
  fit_entry bar;
} fit_topk;

int fit_topk_init(fit_topk *t, int cap);
void fit_topk_free(fit_topk *t);
/* Order of entries: key, then complexity, then enumeration order. */
int fit_entry_cmp(const fit_entry *a, const fit_entry *b);
/* 1 when a candidate with this key could enter. */
int fit_topk_accepts(const fit_topk *t, const double key[3],
                     const fit_candidate *c);
/* Adds an entry (the caller checked fit_topk_accepts); 0 out of memory. */
int fit_topk_push(fit_topk *t, const fit_entry *e);
/* Deduplicates and truncates to the best cap, sorted best first. */
void fit_topk_finish(fit_topk *t);

#endif
