/* sis.c — SISSO's descriptor search (Ouyang et al., Phys. Rev. Materials
 * 2, 083802 (2018)): for each dimension d = 1..D, sure independence
 * screening keeps the S features of Φ_R that score best against what the
 * (d−1)-dimensional model left unexplained (the residual, or the samples
 * still in overlapping class domains); the ℓ0 step then tries every
 * d-tuple of all features screened so far. With k folds the same pass over
 * Φ_R screens for every training part at once (each part keeps its own
 * best S), so the cross-validated error covers the whole method. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "checkpoint.h"
#include "score.h"
#include "space.h"

void nacre_fit_sis_options_init(nacre_fit_sis_options *o) {
  memset(o, 0, sizeof *o);
  o->task = NACRE_FIT_REGRESSION;
  o->class_score = NACRE_FIT_SCORE_OVERLAP;
  o->rung = 2;
  o->ops = NACRE_FIT_OP_ALL;
  o->max_abs_value = 1e10;
  o->dim = 2;
  o->sis_size = 100;
  o->folds = 5;
  o->seed = 1;
  o->max_memory_bytes = 2e9;
}

/* One training part: every row (the reported model) or all but one fold. */
typedef struct fit_set {
  unsigned char *train;  /* rows of this part */
  unsigned char *mask;   /* rows screened in the current pass */
  double *w;             /* mask as 0/1 */
  double nw;
  double *t;             /* regression: screening target, centred on mask */
  double tnorm;
  double tmean;          /* mean of the target over mask (first pass) */
  fit_topk best;         /* this pass's screened features */
  int nsub;              /* the subspace: every pass so far, in order */
  fit_entry *sub;
  double *subv;          /* nsub × n values */
  uint64_t *subfp;       /* sorted fingerprints of sub (exclusion) */
  uint64_t *deepened;    /* fingerprints of features already deepened */
  int ndeepened;
  int pass_end[3];       /* nsub after each pass */
  int tuple[3];          /* the current dimension's ℓ0 winner */
  double key[3];
  nacre_fit_model *model;
  double *pred;          /* that model on every row */
} fit_set;

typedef struct sis_run {
  const nacre_fit_data *d;
  const nacre_fit_sis_options *o;
  const nacre_ctx *ctx;
  int nthreads;
  fit_space sp;
  int n;
  int nclass;
  int *cls;              /* class index per row (classification) */
  double *classes;
  int K, nsets;          /* sets[K] is the full data */
  fit_set *sets;
  int *fold;
  int by_fold;           /* every set screens its training rows (the first
                            pass): per-fold sums give each set's */
  int only_set;          /* ≥ 0: candidates are scored for this set only */
  /* where the search stands, for checkpoints */
  nacre_fit_sis_result *res;
  char *settings;
  int pass, stage, deepen_level, deepen_set;
  long long next_j, appended_from;
  double last_checkpoint;
  nacre_error *ckpt_err;
  /* Errors score: the tightest bar of any thread's full list, per set. A
   * thread's S entries all have at most that many errors, so a candidate
   * with more cannot be among the best S of all threads together. */
  double shared_bar[65];
} sis_run;

/* ---- streaming: score every candidate for every set ------------------ */

#define STUMP_BINS 256

typedef struct sis_thread {
  sis_run *run;
  fit_topk *tk;
  fit_scratch scr;
  unsigned char *bins; /* bin of each row (errors score) */
  int *hist;           /* (K + 1) × 2 × STUMP_BINS counts: per fold, total */
  int *by_bin;         /* rows grouped by bin (counting sort of bins) */
  int bin_start[STUMP_BINS + 1];
  int grouped;         /* by_bin is up to date for this candidate */
} sis_thread;

static void thread_free(sis_thread *th) {
  if (th->tk)
    for (int s = 0; s < th->run->nsets; s++) fit_topk_free(&th->tk[s]);
  free(th->tk);
  fit_scratch_free(&th->scr);
  free(th->bins);
  free(th->hist);
  free(th->by_bin);
  free(th);
}

static void *sis_make(void *user, int thread) {
  (void)thread;
  sis_run *r = user;
  sis_thread *th = calloc(1, sizeof *th);
  if (!th) return NULL;
  th->run = r;
  th->tk = calloc((size_t)r->nsets, sizeof *th->tk);
  th->bins = malloc((size_t)r->n);
  th->hist = malloc((size_t)(r->K + 1) * 2 * STUMP_BINS * sizeof *th->hist);
  th->by_bin = malloc((size_t)r->n * sizeof *th->by_bin);
  int ok = th->tk && th->bins && th->hist && th->by_bin && fit_scratch_init(&th->scr, r->n);
  for (int s = 0; ok && s < r->nsets; s++) ok = fit_topk_init(&th->tk[s], r->o->sis_size);
  if (!ok) {
    thread_free(th);
    return NULL;
  }
  return th;
}

/* Merges a thread's lists into the sets' lists. */
static void sis_free(void *user, void *state) {
  sis_run *r = user;
  sis_thread *th = state;
#pragma omp critical(fit_sis_merge)
  for (int s = 0; s < r->nsets; s++) {
    fit_topk *dst = &r->sets[s].best;
    for (int k = 0; k < th->tk[s].n; k++)
      if (fit_topk_accepts(dst, th->tk[s].buf[k].key, &th->tk[s].buf[k].c))
        fit_topk_push(dst, &th->tk[s].buf[k]);
  }
  thread_free(th);
}

static int in_subspace(const fit_set *set, uint64_t fp) {
  int lo = 0, hi = set->nsub;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (set->subfp[mid] < fp) lo = mid + 1;
    else hi = mid;
  }
  return lo < set->nsub && set->subfp[lo] == fp;
}

/* Bin of each row into th->bins: STUMP_BINS equal bins over the bulk of
 * the values (mean ± 3 standard deviations, within [min, max]), the first
 * and last bin also holding everything beyond, so that a few outliers do
 * not squeeze the rest into one bin. Any ordered set of disjoint value
 * ranges gives valid bounds. */
static void bin_rows(sis_thread *th, const double *v, int n) {
  double lo = v[0], hi = v[0], m = 0, q = 0;
  for (int i = 0; i < n; i++) {
    lo = v[i] < lo ? v[i] : lo;
    hi = v[i] > hi ? v[i] : hi;
    m += v[i];
  }
  m /= n;
  for (int i = 0; i < n; i++) q += (v[i] - m) * (v[i] - m);
  const double sd = sqrt(q / n);
  lo = fmax(lo, m - 3 * sd);
  hi = fmin(hi, m + 3 * sd);
  const double scale = hi > lo ? STUMP_BINS / (hi - lo) : 0;
  for (int i = 0; i < n; i++) {
    double b = (v[i] - lo) * scale;
    b = b < 0 ? 0 : b > STUMP_BINS - 1 ? STUMP_BINS - 1 : b;
    th->bins[i] = (unsigned char)b;
  }
}

/* Class counts per bin for each fold and (last) for all rows. */
static void fold_histograms(sis_thread *th) {
  const sis_run *r = th->run;
  const int K = r->K, nb = 2 * STUMP_BINS;
  int *h = th->hist;
  memset(h, 0, (size_t)(K + 1) * nb * sizeof *h);
  for (int i = 0; i < r->n; i++) h[r->fold[i] * nb + r->cls[i] * STUMP_BINS + th->bins[i]]++;
  for (int f = 0; f < K; f++)
    for (int b = 0; b < nb; b++) h[K * nb + b] += h[f * nb + b];
}

/* Bounds on set s's threshold errors from the histograms (h receives the
 * set's class counts per bin): −1 when the feature cannot enter the set's
 * list, the exact errors when the bounds meet, else −2. */
static int stump_bounds(const sis_thread *th, int s, const fit_topk *tk, int *h) {
  const sis_run *r = th->run;
  if (r->by_fold) {
    const int K = r->K, nb = 2 * STUMP_BINS;
    const int *total = th->hist + K * nb, *fold = th->hist + s * nb;
    for (int b = 0; b < nb; b++) h[b] = s == K ? total[b] : total[b] - fold[b];
  } else {
    memset(h, 0, 2 * STUMP_BINS * sizeof *h);
    const fit_set *set = &r->sets[s];
    for (int i = 0; i < r->n; i++)
      if (set->mask[i]) h[r->cls[i] * STUMP_BINS + th->bins[i]]++;
  }
  int upper, lower = fit_stump_bound(STUMP_BINS, h, h + STUMP_BINS, &upper);
  if (tk->full && lower > tk->bar.key[0]) return -1;
  double shared;
#pragma omp atomic read
  shared = r->shared_bar[s];
  if (lower > shared) return -1;
  return lower == upper ? lower : -2;
}

/* Rows grouped by bin, in row order within a bin. */
static void group_rows(sis_thread *th, int n) {
  int *start = th->bin_start;
  memset(start, 0, sizeof th->bin_start);
  for (int i = 0; i < n; i++) start[th->bins[i] + 1]++;
  for (int b = 0; b < STUMP_BINS; b++) start[b + 1] += start[b];
  int next[STUMP_BINS];
  memcpy(next, start, sizeof next);
  for (int i = 0; i < n; i++) th->by_bin[next[th->bins[i]]++] = i;
  th->grouped = 1;
}

/* Exact errors of set s's best threshold from its bin counts h: only the
 * bins where a cut could beat the best so far are sorted (a handful of
 * rows each), the rows of the other bins lie wholly on one side. */
static int stump_exact(sis_thread *th, int s, const double *v, const int *h) {
  const sis_run *r = th->run;
  const unsigned char *mask = r->sets[s].mask;
  const int *h0 = h, *h1 = h + STUMP_BINS;
  int n0 = 0, n1 = 0;
  for (int b = 0; b < STUMP_BINS; b++) {
    n0 += h0[b];
    n1 += h1[b];
  }
  if (!th->grouped) group_rows(th, r->n);
  int best = n0 < n1 ? n0 : n1, c0 = 0, c1 = 0;
  int *rows = th->scr.order2;
  for (int b = 0; b < STUMP_BINS; c0 += h0[b], c1 += h1[b], b++) {
    int la = c1 + (n0 - c0 - h0[b]), lb = c0 + (n1 - c1 - h1[b]);
    if ((la < lb ? la : lb) >= best || !(h0[b] + h1[b])) continue;
    int m = 0;
    for (int k = th->bin_start[b]; k < th->bin_start[b + 1]; k++) {
      int i = th->by_bin[k];
      if (!mask[i]) continue;
      int j = m++; /* insertion by value (then row) */
      while (j > 0 && v[rows[j - 1]] > v[i]) {
        rows[j] = rows[j - 1];
        j--;
      }
      rows[j] = i;
    }
    int a0 = c0, a1 = c1;
    for (int k = 0; k <= m; k++) {
      /* a cut before row k (k = m: the upper edge); none between equal values */
      if (k == 0 || k == m || v[rows[k]] != v[rows[k - 1]]) {
        int ea = a1 + (n0 - a0), eb = a0 + (n1 - a1);
        best = ea < best ? ea : best;
        best = eb < best ? eb : best;
      }
      if (k < m) {
        if (r->cls[rows[k]]) a1++;
        else a0++;
      }
    }
  }
  return best;
}

/* After a list compacted: offer its bar to the other threads. */
static void share_bar(sis_run *r, int s, const fit_topk *tk) {
  if (!tk->full || s > 64) return;
  double mine = tk->bar.key[0], cur;
#pragma omp atomic read
  cur = r->shared_bar[s];
  if (mine < cur) {
#pragma omp critical(fit_shared_bar)
    if (mine < r->shared_bar[s]) r->shared_bar[s] = mine;
  }
}

/* |Pearson r| keys of every set from per-fold sums (first pass, where the
 * target is y on every set): with v' = v − mean(v), Σ_set v'(y − ȳ_set) =
 * Σ_set v'y − ȳ_set Σ_set v'. */
static void fold_correlations(const sis_run *r, const double *v, double mu, double (*keys)[3]) {
  const int K = r->K;
  double s1[64] = {0}, s2[64] = {0}, sy[64] = {0};
  const double *y = r->d->y;
  for (int i = 0; i < r->n; i++) {
    double d = v[i] - mu;
    int f = r->fold[i];
    s1[f] += d;
    s2[f] += d * d;
    sy[f] += d * y[i];
  }
  double t1 = 0, t2 = 0, ty = 0;
  for (int f = 0; f < K; f++) {
    t1 += s1[f];
    t2 += s2[f];
    ty += sy[f];
  }
  for (int s = 0; s <= K; s++) {
    const fit_set *set = &r->sets[s];
    double a1 = s == K ? t1 : t1 - s1[s], a2 = s == K ? t2 : t2 - s2[s];
    double ay = s == K ? ty : ty - sy[s];
    double sxx = a2 - a1 * a1 / set->nw, sxy = ay - set->tmean * a1;
    keys[s][1] = keys[s][2] = 0;
    keys[s][0] = sxx > 1e-24 * a2 && set->tnorm > 0 ? -fabs(sxy / (sqrt(sxx) * set->tnorm)) : 0;
  }
}

static void sis_visit(void *state, const fit_candidate *c, const double *v) {
  sis_thread *th = state;
  const sis_run *r = th->run;
  const int n = r->n;
  int have_fp = 0, ordered = 0, binned = 0;
  uint64_t fp = 0;
  double mu = 0, (*fold_keys)[3] = NULL, keys_store[65][3];
  if (r->o->task == NACRE_FIT_REGRESSION) {
    for (int i = 0; i < n; i++) mu += v[i];
    mu /= n;
    if (r->by_fold) {
      fold_correlations(r, v, mu, keys_store);
      fold_keys = keys_store;
    }
  }
  for (int s = 0; s < r->nsets; s++) {
    if (r->only_set >= 0 && s != r->only_set) continue;
    const fit_set *set = &r->sets[s];
    fit_topk *tk = &th->tk[s];
    double key[3];
    if (fold_keys) {
      memcpy(key, fold_keys[s], sizeof key);
    } else if (r->o->task == NACRE_FIT_REGRESSION) {
      fit_score_correlation(n, v, mu, set->w, set->nw, set->t, set->tnorm, key);
    } else if (r->o->class_score == NACRE_FIT_SCORE_OVERLAP) {
      fit_score_overlap1d(n, v, r->cls, r->nclass, set->mask, key);
    } else {
      int e = -2;
      if (r->nclass == 2) {
        if (!binned) {
          bin_rows(th, v, n);
          if (r->by_fold) fold_histograms(th);
          th->grouped = 0;
          binned = 1;
        }
        int h[2 * STUMP_BINS];
        e = stump_bounds(th, s, tk, h);
        if (e == -1) continue;
        if (e == -2) e = stump_exact(th, s, v, h);
      }
      if (e < 0) {
        if (!ordered) {
          fit_order_rows(&th->scr, v, n);
          ordered = 1;
        }
        e = fit_stump_errors_pairs(n, v, th->scr.order, r->cls, r->nclass, set->mask);
      }
      if (tk->full && e > tk->bar.key[0]) continue;
      double ovl[3];
      fit_score_overlap1d(n, v, r->cls, r->nclass, set->mask, ovl);
      key[0] = e;
      key[1] = ovl[0];
      key[2] = ovl[1];
    }
    if (!fit_topk_accepts(tk, key, c)) continue;
    if (!have_fp) {
      fp = fit_fingerprint(v, n);
      have_fp = 1;
    }
    if (in_subspace(set, fp)) continue;
    fit_entry e;
    memcpy(e.key, key, sizeof key);
    e.c = *c;
    e.fp = fp;
    fit_topk_push(tk, &e);
    if (tk->full) share_bar((sis_run *)r, s, tk);
  }
}

/* ---- sets -------------------------------------------------------------- */

static void set_free(fit_set *s) {
  free(s->train);
  free(s->mask);
  free(s->w);
  free(s->t);
  fit_topk_free(&s->best);
  free(s->sub);
  free(s->subv);
  free(s->subfp);
  free(s->deepened);
  nacre_fit_model_free(s->model);
  free(s->pred);
}

static int set_init(fit_set *s, int n, int cap_sub) {
  memset(s, 0, sizeof *s);
  s->train = calloc((size_t)n, 1);
  s->mask = calloc((size_t)n, 1);
  s->w = calloc((size_t)n, sizeof *s->w);
  s->t = calloc((size_t)n, sizeof *s->t);
  s->sub = calloc((size_t)cap_sub, sizeof *s->sub);
  s->subv = malloc((size_t)cap_sub * (size_t)n * sizeof *s->subv);
  s->subfp = calloc((size_t)cap_sub, sizeof *s->subfp);
  s->pred = calloc((size_t)n, sizeof *s->pred);
  s->deepened = calloc((size_t)cap_sub * 8 + 1, sizeof *s->deepened);
  return s->deepened && s->train && s->mask && s->w && s->t && s->sub && s->subv && s->subfp && s->pred;
}

/* The rows a pass screens and, for regression, the centred target. */
static void set_screen(sis_run *r, fit_set *s, const double *target,
                       const unsigned char *rows) {
  const int n = r->n;
  s->nw = 0;
  for (int i = 0; i < n; i++) {
    s->mask[i] = rows[i];
    s->w[i] = rows[i] ? 1.0 : 0.0;
    s->nw += s->w[i];
  }
  if (!target) return;
  double m = 0;
  for (int i = 0; i < n; i++) m += s->w[i] * target[i];
  m /= s->nw;
  s->tmean = m;
  s->tnorm = 0;
  for (int i = 0; i < n; i++) {
    s->t[i] = s->w[i] * (target[i] - m);
    s->tnorm += s->t[i] * s->t[i];
  }
  s->tnorm = sqrt(s->tnorm);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Appends this pass's screened features to the subspace. */
static void set_extend(sis_run *r, fit_set *s) {
  fit_topk_finish(&s->best);
  for (int k = 0; k < s->best.n; k++) {
    s->sub[s->nsub] = s->best.buf[k];
    fit_candidate_values(&r->sp, &s->best.buf[k].c, s->subv + (size_t)s->nsub * r->n);
    s->nsub++;
  }
  for (int k = 0; k < s->nsub; k++) s->subfp[k] = s->sub[k].fp;
  qsort(s->subfp, (size_t)s->nsub, sizeof *s->subfp, cmp_u64);
  fit_topk_free(&s->best);
}

/* ---- ℓ0: regression ---------------------------------------------------- */

typedef struct l0_best {
  double key[3];
  int tuple[3];
} l0_best;

static int l0_better(const double *key, const int *tuple, int d, const l0_best *b) {
  int c = fit_key_cmp(key, b->key);
  if (c) return c < 0;
  for (int k = 0; k < d; k++)
    if (tuple[k] != b->tuple[k]) return tuple[k] < b->tuple[k];
  return 0;
}

/* Standardized columns of the subspace over the training rows: z_k has
 * zero mean and unit norm there, so G = ZᵀZ is a correlation matrix and
 * RSS(T) = |y_c|² − b_Tᵀ G_TT⁻¹ b_T for every tuple T. */
static void l0_regression(sis_run *r, fit_set *s, int d) {
  const int n = r->n, m = s->nsub;
  int nt = 0;
  for (int i = 0; i < n; i++) nt += s->train[i];
  double *z = malloc((size_t)m * nt * sizeof *z), *yc = malloc((size_t)nt * sizeof *yc);
  double *g = malloc((size_t)m * m * sizeof *g), *b = malloc((size_t)m * sizeof *b);
  s->key[0] = INFINITY;
  if (!z || !yc || !g || !b) goto done;
  double ym = 0, yy = 0;
  for (int i = 0, k = 0; i < n; i++)
    if (s->train[i]) yc[k++] = r->d->y[i], ym += r->d->y[i];
  ym /= nt;
  for (int k = 0; k < nt; k++) yc[k] -= ym, yy += yc[k] * yc[k];
  for (int f = 0; f < m; f++) {
    double *zf = z + (size_t)f * nt, mean = 0, norm = 0;
    const double *v = s->subv + (size_t)f * n;
    for (int i = 0, k = 0; i < n; i++)
      if (s->train[i]) zf[k++] = v[i], mean += v[i];
    mean /= nt;
    for (int k = 0; k < nt; k++) zf[k] -= mean, norm += zf[k] * zf[k];
    norm = sqrt(norm);
    for (int k = 0; k < nt; k++) zf[k] = norm > 0 ? zf[k] / norm : 0;
    double bf = 0;
    for (int k = 0; k < nt; k++) bf += zf[k] * yc[k];
    b[f] = bf;
  }
#pragma omp parallel for num_threads(r->nthreads) schedule(dynamic, 4)
  for (int f = 0; f < m; f++)
    for (int h = 0; h <= f; h++) {
      const double *a = z + (size_t)f * nt, *c = z + (size_t)h * nt;
      double dot = 0;
      for (int k = 0; k < nt; k++) dot += a[k] * c[k];
      g[(size_t)f * m + h] = g[(size_t)h * m + f] = dot;
    }
  l0_best best = {{INFINITY, 0, 0}, {0, 0, 0}};
#pragma omp parallel num_threads(r->nthreads)
  {
    l0_best mine = {{INFINITY, 0, 0}, {0, 0, 0}};
#pragma omp for schedule(dynamic, 1)
    for (int f0 = 0; f0 < m; f0++) {
      int t[3] = {f0, 0, 0};
      double key[3] = {0, 0, 0};
      if (d == 1) {
        if (g[(size_t)f0 * m + f0] > 0.5) { /* a column with unit norm */
          key[0] = yy - b[f0] * b[f0];
          if (l0_better(key, t, 1, &mine)) mine = (l0_best){{key[0], 0, 0}, {f0, 0, 0}};
        }
        continue;
      }
      for (t[1] = f0 + 1; t[1] < m; t[1]++) {
        for (t[2] = d == 3 ? t[1] + 1 : 0; t[2] < (d == 3 ? m : 1); t[2]++) {
          double a[9], rhs[3], sol[3];
          for (int i = 0; i < d; i++) {
            rhs[i] = sol[i] = b[t[i]];
            for (int j = 0; j < d; j++) a[i * d + j] = g[(size_t)t[i] * m + t[j]];
          }
          if (!fit_cholesky_solve(d, a, sol)) continue;
          double fit = 0;
          for (int i = 0; i < d; i++) fit += rhs[i] * sol[i];
          key[0] = yy - fit;
          if (l0_better(key, t, d, &mine)) {
            mine.key[0] = key[0];
            memcpy(mine.tuple, t, sizeof t);
          }
        }
      }
    }
#pragma omp critical(fit_l0_best)
    if (l0_better(mine.key, mine.tuple, d, &best)) best = mine;
  }
  memcpy(s->tuple, best.tuple, sizeof best.tuple);
  memcpy(s->key, best.key, sizeof best.key);
done:
  free(z);
  free(yc);
  free(g);
  free(b);
}

/* ---- ℓ0: classification ------------------------------------------------ */

static void tuple_key(sis_run *r, fit_set *s, const int *t, int d, fit_scratch *scr,
                      double key[3]) {
  const int n = r->n;
  const double *cols[3];
  for (int k = 0; k < d; k++) cols[k] = s->subv + (size_t)t[k] * n;
  if (r->o->class_score == NACRE_FIT_SCORE_OVERLAP) {
    if (d == 1) fit_score_overlap1d(n, cols[0], r->cls, r->nclass, s->train, key);
    else fit_score_overlap2d(n, cols[0], cols[1], r->cls, r->nclass, s->train, scr, key, NULL);
    return;
  }
  if (d == 1) {
    fit_order_rows(scr, cols[0], n);
    double ovl[3];
    fit_score_overlap1d(n, cols[0], r->cls, r->nclass, s->train, ovl);
    key[0] = fit_stump_errors_pairs(n, cols[0], scr->order, r->cls, r->nclass, s->train);
    key[1] = ovl[0];
    key[2] = ovl[1];
    return;
  }
  fit_score_fisher(n, d, cols, r->cls, r->nclass, s->train, scr, key);
}

static void l0_classification(sis_run *r, fit_set *s, int d) {
  const int m = s->nsub;
  l0_best best = {{INFINITY, 0, 0}, {0, 0, 0}};
#pragma omp parallel num_threads(r->nthreads)
  {
    l0_best mine = {{INFINITY, 0, 0}, {0, 0, 0}};
    fit_scratch scr;
    int ok = fit_scratch_init(&scr, r->n);
#pragma omp for schedule(dynamic, 1)
    for (int f0 = 0; f0 < m; f0++) {
      if (!ok) continue;
      int t[3] = {f0, 0, 0};
      double key[3];
      int lo1 = d >= 2 ? f0 + 1 : 0, hi1 = d >= 2 ? m : 1;
      for (int f1 = lo1; f1 < hi1; f1++) {
        t[1] = f1;
        int lo2 = d == 3 ? f1 + 1 : 0, hi2 = d == 3 ? m : 1;
        for (int f2 = lo2; f2 < hi2; f2++) {
          t[2] = f2;
          tuple_key(r, s, t, d, &scr, key);
          if (l0_better(key, t, d, &mine)) {
            memcpy(mine.key, key, sizeof mine.key);
            memcpy(mine.tuple, t, sizeof t);
          }
        }
      }
    }
    if (ok) fit_scratch_free(&scr);
#pragma omp critical(fit_l0_best)
    if (l0_better(mine.key, mine.tuple, d, &best)) best = mine;
  }
  memcpy(s->tuple, best.tuple, sizeof best.tuple);
  memcpy(s->key, best.key, sizeof best.key);
}

/* ---- predictors on a tuple ---------------------------------------------- */

/* Fits m's predictor on the training rows from d columns (block: d × n)
 * and writes its predictions for every row into pred. */
static nacre_status fit_on_block(sis_run *r, int d, const double *block,
                                 const unsigned char *train, nacre_fit_model *m,
                                 double *pred, nacre_error *err) {
  const int n = r->n;
  const double *y = r->d->y;
  if (r->o->task == NACRE_FIT_REGRESSION) {
    double mean[3] = {0}, ym = 0, a[9] = {0}, rhs[3] = {0};
    int nt = 0;
    for (int i = 0; i < n; i++)
      if (train[i]) {
        nt++;
        ym += y[i];
        for (int k = 0; k < d; k++) mean[k] += block[(size_t)k * n + i];
      }
    ym /= nt;
    for (int k = 0; k < d; k++) mean[k] /= nt;
    for (int i = 0; i < n; i++) {
      if (!train[i]) continue;
      double dv[3];
      for (int k = 0; k < d; k++) dv[k] = block[(size_t)k * n + i] - mean[k];
      for (int k = 0; k < d; k++) {
        rhs[k] += dv[k] * (y[i] - ym);
        for (int l = 0; l < d; l++) a[k * d + l] += dv[k] * dv[l];
      }
    }
    if (!fit_cholesky_solve(d, a, rhs))
      return nacre_error_set(err, NACRE_ERR_NUMERIC, "collinear descriptor");
    m->intercept = ym;
    for (int k = 0; k < d; k++) {
      m->coef[k] = rhs[k];
      m->intercept -= rhs[k] * mean[k];
    }
  } else if (m->predictor == NACRE_FIT_PREDICT_THRESHOLD) {
    nacre_status st = nacre_fit_threshold_fit(n, block, y, train, &m->thr, err);
    if (st) return st;
  } else {
    nacre_fit_svc_options so;
    nacre_fit_svc_options_init(&so);
    so.kernel = NACRE_FIT_KERNEL_LINEAR;
    const double costs[] = {0.01, 0.1, 1, 10, 100, 1000};
    so.ncost = 6;
    memcpy(so.cost, costs, sizeof costs);
    so.ngamma = 0;
    so.seed = r->o->seed;
    double cost, gamma, acc;
    nacre_status st = fit_svc_select(n, d, block, y, train, &so, 1, &cost, &gamma, &acc,
                                     NULL, NULL, NULL, NULL);
    if (st) return nacre_error_set(err, st, "out of memory");
    st = fit_svc_train(n, d, block, y, train, NACRE_FIT_KERNEL_LINEAR, cost, 1.0 / d,
                       so.tolerance, 1, m, err);
    if (st) return st;
  }
  return nacre_fit_model_predict_values(m, n, block, pred, err);
}

static nacre_fit_predictor predictor_for(const sis_run *r, int d) {
  if (r->o->task == NACRE_FIT_REGRESSION) return NACRE_FIT_PREDICT_LINEAR;
  return d == 1 && r->nclass == 2 ? NACRE_FIT_PREDICT_THRESHOLD : NACRE_FIT_PREDICT_SVC;
}

/* The set's model for its ℓ0 winner: descriptors as formulas over the
 * primary columns, the predictor fitted on its training rows. */
static nacre_status set_model(sis_run *r, fit_set *s, int d, nacre_error *err) {
  nacre_fit_model_free(s->model);
  s->model = fit_model_new("sis", predictor_for(r, d), r->d->nfeatures, r->d->names,
                           r->d->units, d);
  double *block = malloc((size_t)d * r->n * sizeof *block);
  fit_text *text = malloc(sizeof *text);
  nacre_status st = NACRE_OK;
  if (!s->model || !block || !text) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  fit_model_set_target(s->model, r->d->target,
                       r->o->task == NACRE_FIT_CLASSIFICATION ? r->nclass : 0, r->classes);
  for (int k = 0; k < d && !st; k++) {
    fit_candidate_format(&r->sp, &s->sub[s->tuple[k]].c, text);
    st = fit_model_set_descriptor(s->model, k, text->s, err);
    memcpy(block + (size_t)k * r->n, s->subv + (size_t)s->tuple[k] * r->n,
           (size_t)r->n * sizeof *block);
  }
  if (!st) st = fit_on_block(r, d, block, s->train, s->model, s->pred, err);
done:
  free(block);
  free(text);
  return st;
}

/* ---- errors ------------------------------------------------------------ */

static double error_of(const sis_run *r, const double *pred, const double *y,
                       const unsigned char *rows) {
  double sum = 0;
  int cnt = 0;
  for (int i = 0; i < r->n; i++) {
    if (rows && !rows[i]) continue;
    cnt++;
    if (r->o->task == NACRE_FIT_REGRESSION) sum += (pred[i] - y[i]) * (pred[i] - y[i]);
    else sum += pred[i] != y[i];
  }
  if (!cnt) return NAN;
  return r->o->task == NACRE_FIT_REGRESSION ? sqrt(sum / cnt) : sum / cnt;
}

/* Cross-validated error of the full data's descriptor with the predictor
 * refitted on each fold's training rows. */
static nacre_status cv_fixed(sis_run *r, int d, double *out, nacre_error *err) {
  const int n = r->n;
  fit_set *full = &r->sets[r->K];
  double *block = malloc((size_t)d * n * sizeof *block), *pred = malloc((size_t)n * sizeof *pred);
  double *cvpred = malloc((size_t)n * sizeof *cvpred);
  unsigned char *train = malloc((size_t)n);
  nacre_fit_model *m = fit_model_new("sis", predictor_for(r, d), 0, NULL, NULL, d);
  nacre_status st = NACRE_OK;
  if (!block || !pred || !cvpred || !train || !m) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  if (r->o->task == NACRE_FIT_CLASSIFICATION)
    fit_model_set_target(m, NULL, r->nclass, r->classes);
  for (int k = 0; k < d; k++)
    memcpy(block + (size_t)k * n, full->subv + (size_t)full->tuple[k] * n,
           (size_t)n * sizeof *block);
  for (int f = 0; f < r->K && !st; f++) {
    for (int i = 0; i < n; i++) train[i] = r->fold[i] != f;
    st = fit_on_block(r, d, block, train, m, pred, err);
    for (int i = 0; i < n; i++)
      if (r->fold[i] == f) cvpred[i] = pred[i];
  }
  if (!st) *out = error_of(r, cvpred, r->d->y, NULL);
done:
  free(block);
  free(pred);
  free(cvpred);
  free(train);
  nacre_fit_model_free(m);
  return st;
}

/* ---- the next pass's screening ------------------------------------------ */

static nacre_status next_screen(sis_run *r, fit_set *s, int d) {
  const int n = r->n;
  if (r->o->task == NACRE_FIT_REGRESSION) {
    double *res = malloc((size_t)n * sizeof *res);
    if (!res) return NACRE_ERR_NOMEM;
    for (int i = 0; i < n; i++) res[i] = r->d->y[i] - s->pred[i];
    set_screen(r, s, res, s->train);
    free(res);
    return NACRE_OK;
  }
  /* SISSO screens the samples the descriptor leaves in overlapping class
   * domains; when fewer than two classes remain there, all rows */
  unsigned char *rows = malloc((size_t)n);
  fit_scratch scr;
  if (!rows || !fit_scratch_init(&scr, n)) {
    free(rows);
    return NACRE_ERR_NOMEM;
  }
  const double *c0 = s->subv + (size_t)s->tuple[0] * n;
  if (d == 1) {
    fit_overlap1d_rows(n, c0, r->cls, r->nclass, s->train, rows);
  } else {
    double key[3];
    fit_score_overlap2d(n, c0, s->subv + (size_t)s->tuple[1] * n, r->cls, r->nclass,
                        s->train, &scr, key, rows);
  }
  int present[256] = {0}, classes = 0;
  for (int i = 0; i < n; i++)
    if (rows[i] && r->cls[i] < 256 && !present[r->cls[i]]++) classes++;
  set_screen(r, s, NULL, classes >= 2 ? rows : s->train);
  free(rows);
  fit_scratch_free(&scr);
  return NACRE_OK;
}

/* ---- the search ---------------------------------------------------------- */

static void run_free(sis_run *r) {
  if (r->sets)
    for (int s = 0; s < r->nsets; s++) set_free(&r->sets[s]);
  free(r->sets);
  free(r->fold);
  free(r->cls);
  free(r->classes);
  fit_space_free(&r->sp);
}

static nacre_status check_options(const nacre_fit_data *d, const nacre_fit_sis_options *o,
                                  nacre_error *err) {
  if (!d->y) return nacre_error_set(err, NACRE_ERR_INVALID, "sis needs a target column");
  if (o->dim < 1 || o->dim > 3)
    return nacre_error_set(err, NACRE_ERR_INVALID, "dimension %d: 1 to 3 are possible", o->dim);
  if (o->sis_size < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID, "SIS size %d: at least 1", o->sis_size);
  if (o->folds == 1 || o->folds < 0 || o->folds > d->nrows || o->folds > 64)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%d folds: 0 (none) or 2 to %d (the number of rows, at most 64)",
                           o->folds, d->nrows < 64 ? d->nrows : 64);
  if (o->task == NACRE_FIT_CLASSIFICATION && o->class_score == NACRE_FIT_SCORE_OVERLAP &&
      o->dim > 2)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "the domain-overlap score is implemented for 1-D and 2-D "
                           "descriptors; use the errors score for 3-D");
  return NACRE_OK;
}

static nacre_status run_init(sis_run *r, const nacre_fit_data *d,
                             const nacre_fit_sis_options *o, const nacre_ctx *ctx,
                             nacre_error *err) {
  memset(r, 0, sizeof *r);
  r->d = d;
  r->o = o;
  r->ctx = ctx;
  r->n = d->nrows;
  r->nthreads = ctx && ctx->nthreads > 0 ? ctx->nthreads : omp_get_max_threads();
  if (o->task == NACRE_FIT_CLASSIFICATION) {
    r->cls = fit_class_index(r->n, d->y, &r->classes, &r->nclass);
    if (!r->cls) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    if (r->nclass > 16)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "%d classes in '%s': at most 16 for the descriptor search",
                             r->nclass, d->target);
  }
  r->K = o->folds;
  r->nsets = r->K + 1;
  r->sets = calloc((size_t)r->nsets, sizeof *r->sets);
  r->fold = malloc((size_t)r->n * sizeof *r->fold);
  if (!r->sets || !r->fold) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  if (r->K) fit_folds_assign(r->n, r->K, o->seed, r->cls, r->nclass, r->fold);
  else memset(r->fold, 0xff, (size_t)r->n * sizeof *r->fold); /* −1: no fold */
  for (int s = 0; s < r->nsets; s++) {
    if (!set_init(&r->sets[s], r->n, o->sis_size * o->dim))
      return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    for (int i = 0; i < r->n; i++) r->sets[s].train[i] = s == r->K || r->fold[i] != s;
    set_screen(r, &r->sets[s], o->task == NACRE_FIT_REGRESSION ? d->y : NULL,
               r->sets[s].train);
  }
  r->by_fold = r->K > 0 && r->K <= 64;
  r->only_set = -1;
  for (int s = 0; s < 65; s++) r->shared_bar[s] = INFINITY;
  return NACRE_OK;
}

/* The bound stated in fit.h for this search (the construction's
 * temporary lists and fingerprint set included). */
static double memory_bound(const sis_run *r) {
  double build = 0;
  for (int g = 1; g < r->o->rung; g++) {
    double cands = 0, lo = (double)r->sp.rung_start[g - 1], hi = (double)r->sp.rung_start[g];
    cands = (hi - lo) * r->sp.nun + r->sp.nbin * (hi * hi - lo * lo) / 2;
    build = fmax(build, cands * 48.0);
  }
  build += 16.0 * 2 * (double)r->sp.nstored;
  double stored = ((double)r->sp.nstored + (double)r->o->deepen * r->o->sis_size * r->nsets *
                                               r->o->dim) *
                  (8.0 * r->n + sizeof(fit_node));
  double lists = (double)r->o->sis_size * 2 * sizeof(fit_entry) * r->nsets * (r->nthreads + 1);
  double sub = 8.0 * r->n * r->o->sis_size * r->o->dim * r->nsets;
  return stored + lists + sub + build;
}

/* Deepening for one set: its best features not deepened before become
 * operands of one more operator level, scored for this set alone. */
/* ---- checkpoints ------------------------------------------------------ */

/* Every setting that changes the result, as JSON text: a checkpoint
 * written with other settings is refused on resume, with the setting
 * named. The data enter by a hash of every value. */
static char *settings_text(const sis_run *r) {
  const nacre_fit_data *d = r->d;
  const nacre_fit_sis_options *o = r->o;
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "task", o->task == NACRE_FIT_REGRESSION ? "regression" : "classification");
  cJSON_AddStringToObject(j, "score", o->class_score == NACRE_FIT_SCORE_OVERLAP ? "overlap" : "errors");
  cJSON_AddNumberToObject(j, "rung", o->rung);
  char ops[128];
  nacre_fit_ops_format(o->ops, ops, sizeof ops);
  cJSON_AddStringToObject(j, "ops", ops);
  cJSON_AddNumberToObject(j, "max_complexity", o->max_complexity);
  cJSON_AddNumberToObject(j, "max_value", o->max_abs_value);
  cJSON_AddNumberToObject(j, "deepen", o->deepen);
  cJSON_AddNumberToObject(j, "dim", o->dim);
  cJSON_AddNumberToObject(j, "sis_size", o->sis_size);
  cJSON_AddNumberToObject(j, "folds", o->folds);
  cJSON_AddNumberToObject(j, "seed", (double)o->seed);
  cJSON_AddStringToObject(j, "target", d->target ? d->target : "");
  cJSON *f = cJSON_AddArrayToObject(j, "features");
  for (int k = 0; k < d->nfeatures; k++) {
    char buf[2 * FIT_NAME_MAX + 8];
    snprintf(buf, sizeof buf, "%s [%s]", d->names[k], d->units ? d->units[k] : "");
    cJSON_AddItemToArray(f, cJSON_CreateString(buf));
  }
  cJSON_AddNumberToObject(j, "rows", d->nrows);
  uint64_t h = NACRE_FNV1A_OFFSET;
  char num[NACRE_DOUBLE_TEXT];
  for (size_t i = 0; i < (size_t)d->nrows * d->nfeatures; i++) {
    nacre_format_double(d->x[i], num);
    h = nacre_fnv1a(h, num);
  }
  for (int i = 0; i < d->nrows; i++) {
    nacre_format_double(d->y[i], num);
    h = nacre_fnv1a(h, num);
  }
  char hex[24];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
  cJSON_AddStringToObject(j, "data_hash", hex);
  char *t = cJSON_PrintUnformatted(j);
  cJSON_Delete(j);
  return t;
}

/* The first setting where two settings texts differ, for the message. */
static void settings_differ(const char *a, const char *b, char *buf, size_t len) {
  cJSON *x = cJSON_Parse(a), *y = cJSON_Parse(b);
  snprintf(buf, len, "the settings");
  const cJSON *e;
  if (x && y) cJSON_ArrayForEach(e, x) {
      const cJSON *f = cJSON_GetObjectItemCaseSensitive(y, e->string);
      char *pe = cJSON_PrintUnformatted(e), *pf = f ? cJSON_PrintUnformatted(f) : NULL;
      int same = pf && !strcmp(pe, pf);
      if (!same) snprintf(buf, len, "%s (checkpoint %s, this run %s)", e->string, pe,
                          pf ? pf : "none");
      free(pe);
      free(pf);
      if (!same) break;
    }
  cJSON_Delete(x);
  cJSON_Delete(y);
}

static nacre_status write_checkpoint(sis_run *r, nacre_error *err) {
  if (!r->o->checkpoint_path) return NACRE_OK;
  fit_ckpt c;
  memset(&c, 0, sizeof c);
  c.settings = r->settings;
  c.pass = r->pass;
  c.stage = r->stage;
  c.next_j = r->next_j;
  c.deepen_level = r->deepen_level;
  c.deepen_set = r->deepen_set;
  c.nappended = r->sp.nstored - r->appended_from;
  c.appended = r->sp.nodes + r->appended_from;
  c.candidates = r->res->candidates;
  c.valid = r->res->valid;
  c.complete = r->res->complete;
  c.nsets = r->nsets;
  c.sets = calloc((size_t)r->nsets, sizeof *c.sets);
  if (!c.sets) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (int s = 0; s < r->nsets; s++) {
    fit_set *set = &r->sets[s];
    c.sets[s].nsub = set->nsub;
    c.sets[s].sub = set->sub;
    memcpy(c.sets[s].pass_end, set->pass_end, sizeof set->pass_end);
    c.sets[s].nbest = set->best.n;
    c.sets[s].best = set->best.buf;
    c.sets[s].ndeepened = set->ndeepened;
    c.sets[s].deepened = set->deepened;
  }
  nacre_status st = fit_ckpt_write(r->o->checkpoint_path, &c, err);
  free(c.sets);
  r->last_checkpoint = nacre_now_s();
  nacre_log(r->ctx, NACRE_LOG_INFO, "checkpoint written to %s", r->o->checkpoint_path);
  return st;
}

static int checkpoint_due(const sis_run *r) {
  double every = r->o->checkpoint_interval_s > 0 ? r->o->checkpoint_interval_s : 60;
  return r->o->checkpoint_path && nacre_now_s() - r->last_checkpoint >= every;
}

/* Between two blocks of the stream: every set's list holds the blocks so
 * far. Refresh the shared bars and write a checkpoint when one is due. */
static int between_blocks(void *user, long long next_j) {
  sis_run *r = user;
  r->next_j = next_j;
  for (int s = 0; s < r->nsets && s < 65; s++)
    if (r->sets[s].best.full && r->sets[s].best.bar.key[0] < r->shared_bar[s])
      r->shared_bar[s] = r->sets[s].best.bar.key[0];
  if (checkpoint_due(r) && write_checkpoint(r, r->ckpt_err)) return 1;
  return 0;
}

/* Restores a checkpoint into a freshly built run. */
static nacre_status restore(sis_run *r, const fit_ckpt *c, nacre_error *err) {
  if (strcmp(c->settings, r->settings)) {
    char what[512];
    settings_differ(c->settings, r->settings, what, sizeof what);
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "checkpoint %s was written with other settings: %s; resume with "
                           "the same settings, or start afresh without --resume",
                           r->o->checkpoint_path, what);
  }
  if (c->nsets != r->nsets || c->pass < 1 || c->pass > r->o->dim + 1)
    return nacre_error_set(err, NACRE_ERR_PARSE, "checkpoint %s: inconsistent state",
                           r->o->checkpoint_path);
  double *v = malloc((size_t)r->n * sizeof *v);
  if (!v) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  /* the deepening operands, in the order they were appended */
  for (long long k = 0; k < c->nappended; k++) {
    fit_node nd = c->appended[k];
    if (nd.a < 0 || nd.a >= r->sp.nstored || nd.b >= r->sp.nstored ||
        !fit_node_values(&r->sp, &nd, v) ||
        fit_space_append(&r->sp, &nd, v, r->o->max_memory_bytes, err) < 0) {
      free(v);
      return err && err->status ? err->status
                                : nacre_error_set(err, NACRE_ERR_PARSE,
                                                  "checkpoint %s: a stored feature does not "
                                                  "rebuild",
                                                  r->o->checkpoint_path);
    }
  }
  nacre_status st = NACRE_OK;
  for (int s = 0; s < r->nsets && !st; s++) {
    fit_set *set = &r->sets[s];
    const fit_ckpt_set *cs = &c->sets[s];
    if (cs->nsub > r->o->sis_size * r->o->dim || cs->ndeepened > r->o->sis_size * 8 + 1) {
      st = nacre_error_set(err, NACRE_ERR_PARSE, "checkpoint %s: inconsistent state",
                           r->o->checkpoint_path);
      break;
    }
    for (int k = 0; k < cs->nsub; k++) {
      long long idx = cs->sub[k].c.stored;
      if (idx >= r->sp.nstored || cs->sub[k].c.node.a >= r->sp.nstored) {
        st = nacre_error_set(err, NACRE_ERR_PARSE, "checkpoint %s: inconsistent state",
                             r->o->checkpoint_path);
        break;
      }
      set->sub[k] = cs->sub[k];
      fit_candidate_values(&r->sp, &set->sub[k].c, set->subv + (size_t)k * r->n);
      set->subfp[k] = set->sub[k].fp;
    }
    set->nsub = cs->nsub;
    qsort(set->subfp, (size_t)set->nsub, sizeof *set->subfp, cmp_u64);
    memcpy(set->pass_end, cs->pass_end, sizeof set->pass_end);
    memcpy(set->deepened, cs->deepened, (size_t)cs->ndeepened * sizeof *cs->deepened);
    set->ndeepened = cs->ndeepened;
    if (!fit_topk_init(&set->best, r->o->sis_size)) {
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
      break;
    }
    for (int k = 0; k < cs->nbest; k++) fit_topk_push(&set->best, &cs->best[k]);
  }
  free(v);
  r->pass = c->pass;
  r->stage = c->stage;
  r->next_j = c->next_j;
  r->deepen_level = c->deepen_level;
  r->deepen_set = c->deepen_set;
  r->res->candidates = c->candidates;
  r->res->valid = c->valid;
  r->res->complete = c->complete;
  return st;
}

/* A stream that stopped: an interrupt is an error (after a checkpoint); a
 * time limit lets the search go on with what was screened. */
static nacre_status stopped(sis_run *r, nacre_status st, nacre_error *err) {
  if (st != NACRE_ERR_INTERRUPTED) return st;
  if (r->ckpt_err && r->ckpt_err->status) return r->ckpt_err->status; /* writing failed */
  nacre_status w = write_checkpoint(r, err);
  if (w) return w;
  if (nacre_ctx_interrupted(r->ctx))
    return nacre_error_set(err, st, r->o->checkpoint_path
                                        ? "interrupted; the checkpoint allows --resume"
                                        : "interrupted");
  r->res->complete = 0;
  return NACRE_OK;
}

/* ---- deepening and passes ---------------------------------------------- */

/* Deepening for one set: its best features not deepened before become
 * operands of one more operator level, scored for this set alone. They
 * count as deepened only once the stream is through. */
static nacre_status deepen_set(sis_run *r, int s, int level, double deadline,
                               nacre_fit_sis_result *res, nacre_error *err) {
  fit_set *set = &r->sets[s];
  fit_topk_finish(&set->best);
  long long *js = malloc(((size_t)set->best.n + 1) * sizeof *js);
  uint64_t *fps = malloc(((size_t)set->best.n + 1) * sizeof *fps);
  double *v = malloc((size_t)r->n * sizeof *v);
  nacre_status st = NACRE_OK;
  int nj = 0;
  if (!js || !fps || !v) st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (int k = 0; k < set->best.n && !st; k++) {
    const fit_entry *e = &set->best.buf[k];
    int seen = 0;
    for (int q = 0; q < set->ndeepened && !seen; q++) seen = set->deepened[q] == e->fp;
    if (seen || set->ndeepened + nj >= r->o->sis_size * 8) continue;
    long long idx = e->c.stored;
    if (idx < 0) {
      fit_candidate_values(&r->sp, &e->c, v);
      idx = fit_space_append(&r->sp, &e->c.node, v, r->o->max_memory_bytes, err);
      if (idx < 0) st = err ? err->status : NACRE_ERR_NOMEM;
    }
    fps[nj] = e->fp;
    js[nj++] = idx;
  }
  if (!st && nj) {
    fit_visitor vis = {sis_make, sis_free, sis_visit, r};
    /* the set's merged list already holds S entries: its bar holds */
    if (set->best.full) r->shared_bar[s] = set->best.bar.key[0];
    long long examined = 0, valid = 0;
    r->only_set = s;
    st = fit_space_stream_deepen(&r->sp, js, nj, level, &vis, r->ctx, deadline, &examined,
                                 &valid);
    r->only_set = -1;
    res->candidates += examined;
    res->valid += valid;
    if (st == NACRE_OK) {
      memcpy(set->deepened + set->ndeepened, fps, (size_t)nj * sizeof *fps);
      set->ndeepened += nj;
    } else if (st != NACRE_ERR_INTERRUPTED) {
      st = nacre_error_set(err, st, "out of memory while deepening");
    }
  }
  free(js);
  free(fps);
  free(v);
  return st;
}

/* One pass: screening for every set (from where a checkpoint left it),
 * deepening, then each set's subspace grows. */
static nacre_status screen_pass(sis_run *r, int pass, double t0, double deadline,
                                int resumed, nacre_fit_sis_result *res, nacre_error *err) {
  nacre_status st = NACRE_OK;
  for (int s = 0; s < 65; s++) r->shared_bar[s] = INFINITY;
  if (!resumed) {
    for (int s = 0; s < r->nsets; s++)
      if (!fit_topk_init(&r->sets[s].best, r->o->sis_size))
        return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    r->pass = pass;
    r->stage = FIT_STAGE_STREAM;
    r->next_j = fit_space_first_j(&r->sp);
    r->deepen_level = 1;
    r->deepen_set = 0;
  }
  if (r->stage == FIT_STAGE_STREAM) {
    fit_visitor v = {sis_make, sis_free, sis_visit, r};
    long long examined = 0, valid = 0;
    st = fit_space_stream_blocks(&r->sp, &v, r->ctx, deadline, pass, t0, r->o->progress,
                                 r->o->progress_user, r->next_j, between_blocks, r, &examined,
                                 &valid);
    res->candidates += examined;
    res->valid += valid;
    st = stopped(r, st, err);
    if (st) return st;
    if (res->complete) {
      r->stage = FIT_STAGE_DEEPEN;
      r->deepen_level = 1;
      r->deepen_set = 0;
    }
  }
  while (res->complete && r->stage == FIT_STAGE_DEEPEN && r->deepen_level <= r->o->deepen) {
    if (deadline > 0 && nacre_now_s() > deadline) {
      st = stopped(r, NACRE_ERR_INTERRUPTED, err);
      break;
    }
    st = deepen_set(r, r->deepen_set, r->deepen_level, deadline, res, err);
    if (st) {
      st = stopped(r, st, err);
      break;
    }
    nacre_log(r->ctx, NACRE_LOG_INFO, "pass %d, deepening level %d, part %d done", pass,
              r->deepen_level, r->deepen_set);
    if (++r->deepen_set == r->nsets) {
      r->deepen_set = 0;
      r->deepen_level++;
    }
    if (checkpoint_due(r) && (st = write_checkpoint(r, err))) return st;
  }
  if (st) return st;
  for (int s = 0; s < r->nsets; s++) {
    set_extend(r, &r->sets[s]);
    r->sets[s].pass_end[pass - 1] = r->sets[s].nsub;
  }
  return NACRE_OK;
}

/* ℓ0, models, errors for dimension d. */
static nacre_status solve_dimension(sis_run *r, int d, nacre_fit_sis_result *res,
                                    nacre_error *err) {
  const int n = r->n;
  double *cvpred = malloc((size_t)n * sizeof *cvpred);
  if (!cvpred) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  nacre_status st = NACRE_OK;
  for (int s = 0; s < r->nsets && !st; s++) {
    fit_set *set = &r->sets[s];
    if (set->nsub < d) {
      st = nacre_error_set(err, NACRE_ERR_INVALID,
                           "only %d valid feature%s screened: no %d-D descriptor", set->nsub,
                           set->nsub == 1 ? "" : "s", d);
      break;
    }
    if (r->o->task == NACRE_FIT_REGRESSION) l0_regression(r, set, d);
    else l0_classification(r, set, d);
    st = set_model(r, set, d, err);
    if (st) break;
    for (int i = 0; i < n; i++)
      if (s < r->K && r->fold[i] == s) cvpred[i] = set->pred[i];
  }
  if (!st) {
    fit_set *full = &r->sets[r->K];
    nacre_fit_sis_dim *out = &res->dims[d - 1];
    out->dim = d;
    memcpy(out->score, full->key, sizeof out->score);
    out->train_error = error_of(r, full->pred, r->d->y, NULL);
    out->train_max_abs_error = 0;
    if (r->o->task == NACRE_FIT_REGRESSION)
      for (int i = 0; i < n; i++)
        out->train_max_abs_error = fmax(out->train_max_abs_error, fabs(full->pred[i] - r->d->y[i]));
    out->cv_error = r->K ? error_of(r, cvpred, r->d->y, NULL) : NAN;
    out->cv_error_fixed = NAN;
    if (r->K) st = cv_fixed(r, d, &out->cv_error_fixed, err);
    res->ndims = d;
  }
  free(cvpred);
  return st;
}

/* The model of the full data with only the columns its formulas read. */
static nacre_status final_model(sis_run *r, int d, nacre_fit_model **out, nacre_error *err) {
  nacre_fit_model *m = r->sets[r->K].model;
  char **names = malloc((size_t)m->ncolumns * sizeof *names);
  char **units = malloc((size_t)m->ncolumns * sizeof *units);
  int nu = 0;
  if (!names || !units) {
    free(names);
    free(units);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  for (int c = 0; c < m->ncolumns; c++) {
    int used = 0;
    for (int k = 0; k < d; k++) used |= fit_expr_uses(m->expr[k], c);
    if (used) {
      names[nu] = m->columns[c];
      units[nu++] = m->column_units[c];
    }
  }
  nacre_fit_model *f = fit_model_new("sis", m->predictor, nu, names, units, d);
  free(names);
  free(units);
  if (!f) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  nacre_status st = fit_model_set_target(f, m->target, m->nclass, m->classes);
  for (int k = 0; k < d && !st; k++) st = fit_model_set_descriptor(f, k, m->desc[k], err);
  if (st) {
    nacre_fit_model_free(f);
    return st;
  }
  f->classification = m->classification;
  f->intercept = m->intercept;
  memcpy(f->coef, m->coef, (size_t)d * sizeof *f->coef);
  memcpy(f->mean, m->mean, (size_t)d * sizeof *f->mean);
  memcpy(f->scale, m->scale, (size_t)d * sizeof *f->scale);
  f->thr = m->thr;
  if (m->svm) st = fit_model_take_svm(f, m->svm, err);
  if (st) {
    nacre_fit_model_free(f);
    return st;
  }
  *out = f;
  return NACRE_OK;
}

static nacre_status report_subspace(sis_run *r, nacre_fit_sis_result *res, nacre_error *err) {
  fit_set *full = &r->sets[r->K];
  res->subspace = calloc((size_t)(full->nsub > 0 ? full->nsub : 1), sizeof *res->subspace);
  fit_text *t = malloc(sizeof *t);
  if (!res->subspace || !t) {
    free(t);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  for (int k = 0; k < full->nsub; k++) {
    fit_candidate_format(&r->sp, &full->sub[k].c, t);
    res->subspace[k].formula = strdup(t->s);
    memcpy(res->subspace[k].score, full->sub[k].key, sizeof res->subspace[k].score);
    res->subspace[k].complexity = full->sub[k].c.node.complexity;
    res->nsubspace = k + 1;
  }
  free(t);
  return NACRE_OK;
}

/* Dimension d again from the subspace a checkpoint holds (its first
 * pass_end[d − 1] features): ℓ0, the models and their errors. */
static nacre_status resolve_dimension(sis_run *r, int d, nacre_fit_sis_result *res,
                                      nacre_error *err) {
  int keep[65];
  for (int s = 0; s < r->nsets; s++) {
    keep[s] = r->sets[s].nsub;
    r->sets[s].nsub = r->sets[s].pass_end[d - 1];
  }
  nacre_status st = solve_dimension(r, d, res, err);
  for (int s = 0; s < r->nsets; s++) r->sets[s].nsub = keep[s];
  return st;
}

nacre_status nacre_fit_sis(const nacre_fit_data *d, const nacre_fit_sis_options *o,
                           const nacre_ctx *ctx, nacre_fit_sis_result *res,
                           nacre_error *err) {
  memset(res, 0, sizeof *res);
  res->complete = 1;
  const double t0 = nacre_now_s(), c0 = nacre_cpu_s();
  const double deadline = o->time_limit_s > 0 ? t0 + o->time_limit_s : 0;
  nacre_status st = check_options(d, o, err);
  if (st) return st;
  sis_run r;
  nacre_error ckpt_err;
  nacre_error_clear(&ckpt_err);
  st = run_init(&r, d, o, ctx, err);
  r.res = res;
  r.ckpt_err = &ckpt_err;
  r.last_checkpoint = t0;
  if (!st) st = fit_space_build(&r.sp, d, o, ctx, err);
  r.appended_from = r.sp.nstored;
  r.settings = st ? NULL : settings_text(&r);
  if (!st && !r.settings) st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (int g = 0; g < 4; g++)
    res->stored_per_rung[g] = g < o->rung ? r.sp.rung_start[g + 1] - r.sp.rung_start[g] : 0;
  res->candidates = r.sp.built_candidates;
  int start_pass = 1;
  if (!st && o->resume) {
    if (!o->checkpoint_path)
      st = nacre_error_set(err, NACRE_ERR_INVALID, "resume needs a checkpoint file");
    fit_ckpt c;
    if (!st) st = fit_ckpt_read(o->checkpoint_path, &c, err);
    if (!st) {
      st = restore(&r, &c, err);
      start_pass = r.pass;
      fit_ckpt_free(&c);
      nacre_log(ctx, NACRE_LOG_INFO, "resuming dimension %d from %s", start_pass,
                o->checkpoint_path);
    }
  }
  if (st) {
    free(r.settings);
    run_free(&r);
    return st;
  }
  res->memory_bound_bytes = memory_bound(&r);
  res->nfolds = r.K;
  for (int dim = 1; dim <= o->dim && !st; dim++) {
    if (dim > 1) r.by_fold = 0;
    if (dim < start_pass) { /* screened before the checkpoint */
      st = resolve_dimension(&r, dim, res, err);
      if (!st) st = final_model(&r, dim, &res->dims[dim - 1].model, err);
      continue;
    }
    if (dim > 1 && deadline > 0 && nacre_now_s() > deadline) break;
    if (dim > 1) /* what the (d − 1)-dimensional models leave unexplained */
      for (int s = 0; s < r.nsets && !st; s++)
        if (next_screen(&r, &r.sets[s], dim - 1))
          st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    if (!st) st = screen_pass(&r, dim, t0, deadline, o->resume && dim == start_pass, res, err);
    if (!st) st = solve_dimension(&r, dim, res, err);
    if (!st) st = final_model(&r, dim, &res->dims[dim - 1].model, err);
    if (!st && o->checkpoint_path && res->complete) { /* the pass is done */
      r.pass = dim + 1;
      r.stage = FIT_STAGE_STREAM;
      r.next_j = fit_space_first_j(&r.sp);
      for (int s = 0; s < r.nsets; s++) r.sets[s].best.n = 0;
      st = write_checkpoint(&r, err);
    }
    nacre_log(ctx, NACRE_LOG_INFO, "dimension %d done after %.1f s", dim, nacre_now_s() - t0);
  }
  if (!st) st = report_subspace(&r, res, err);
  res->wall_s = nacre_now_s() - t0;
  res->cpu_s = nacre_cpu_s() - c0;
  res->features_per_s = res->candidates / fmax(res->wall_s, 1e-9);
  free(r.settings);
  run_free(&r);
  if (st) nacre_fit_sis_result_free(res);
  return st;
}

void nacre_fit_sis_result_free(nacre_fit_sis_result *r) {
  for (int k = 0; k < 3; k++) {
    nacre_fit_model_free(r->dims[k].model);
    r->dims[k].model = NULL;
  }
  for (int k = 0; k < r->nsubspace; k++) free(r->subspace[k].formula);
  free(r->subspace);
  r->subspace = NULL;
  r->nsubspace = 0;
}

nacre_status nacre_fit_space_count(const nacre_fit_data *d, const nacre_fit_sis_options *o,
                                   const nacre_ctx *ctx, long long counts[4],
                                   nacre_error *err) {
  fit_space sp;
  memset(counts, 0, 4 * sizeof *counts);
  nacre_status st = fit_space_build(&sp, d, o, ctx, err);
  if (st) {
    fit_space_free(&sp);
    return st;
  }
  for (int g = 0; g < o->rung; g++) counts[g] = sp.rung_start[g + 1] - sp.rung_start[g];
  if (o->rung == 0) counts[0] = sp.nstored;
  else counts[o->rung] = fit_space_stream_total(&sp) - sp.nstored;
  fit_space_free(&sp);
  return NACRE_OK;
}
