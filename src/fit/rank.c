/* rank.c — the ranking SVM (Herbrich, Graepel & Obermayer, "Large margin
 * rank boundaries for ordinal regression" (2000); Joachims, KDD 2002):
 * every pair of training rows with different targets becomes one example
 * x_j − x_i labelled by which target is larger, and a linear SVM without
 * bias (Debian's liblinear, the primal trust-region solver, which draws no
 * random numbers) learns w with w·x_i < w·x_j whenever y_i < y_j. The
 * order is judged on held-out rows by Kendall's τ and the fraction of
 * pairs put in the right order. */
#include <linear.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"

void nacre_fit_rank_options_init(nacre_fit_rank_options *o) {
  memset(o, 0, sizeof *o);
  o->cost = 1;
  o->test_fraction = 0.25;
  o->seed = 1;
  o->max_pairs = 100000;
  o->min_gap = 0;
}

static void quiet(const char *s) { (void)s; }

/* Training pairs (i, j) with y_i < y_j − min_gap: all of them when there
 * are at most max_pairs, else max_pairs drawn at random (with repeats
 * allowed, which changes nothing for the SVM). */
static long make_pairs(int nt, const int *rows, const double *y, double min_gap,
                       long max_pairs, nacre_rng *rng, int **pi, int **pj) {
  long all = 0;
  for (int a = 0; a < nt; a++)
    for (int b = a + 1; b < nt; b++) all += fabs(y[rows[a]] - y[rows[b]]) > min_gap;
  long np = all <= max_pairs ? all : max_pairs;
  *pi = malloc((size_t)(np + 1) * sizeof **pi);
  *pj = malloc((size_t)(np + 1) * sizeof **pj);
  if (!*pi || !*pj || !np) return np ? -1 : 0;
  long k = 0;
  if (all <= max_pairs) {
    for (int a = 0; a < nt; a++)
      for (int b = a + 1; b < nt; b++)
        if (fabs(y[rows[a]] - y[rows[b]]) > min_gap) {
          (*pi)[k] = rows[a];
          (*pj)[k++] = rows[b];
        }
  } else {
    while (k < np) {
      int a = nacre_rng_int(rng, nt), b = nacre_rng_int(rng, nt);
      if (fabs(y[rows[a]] - y[rows[b]]) <= min_gap) continue;
      (*pi)[k] = rows[a];
      (*pj)[k++] = rows[b];
    }
  }
  return np;
}

nacre_status nacre_fit_rank(const nacre_fit_data *d, const nacre_fit_rank_options *o,
                            const nacre_ctx *ctx, nacre_fit_model **model,
                            nacre_fit_rank_report *rep, nacre_error *err) {
  (void)ctx;
  *model = NULL;
  memset(rep, 0, sizeof *rep);
  if (!d->y) return nacre_error_set(err, NACRE_ERR_INVALID, "rank needs a target column");
  if (d->nfeatures > 64)
    return nacre_error_set(err, NACRE_ERR_INVALID, "rank takes at most 64 features, got %d",
                           d->nfeatures);
  const int n = d->nrows, p = d->nfeatures;
  int *order = malloc((size_t)n * sizeof *order);
  unsigned char *is_train = calloc((size_t)n, 1);
  int *pi = NULL, *pj = NULL;
  struct feature_node *nodes = NULL, **xs = NULL;
  double *yl = NULL, *score = NULL, *a = NULL, *b = NULL;
  struct model *lm = NULL;
  nacre_fit_model *m = NULL;
  nacre_status st = NACRE_OK;
  if (!order || !is_train) goto nomem;
  /* held-out rows: the first test_fraction of a shuffled order */
  nacre_rng rng;
  nacre_rng_init(&rng, o->seed, 7);
  for (int i = 0; i < n; i++) order[i] = i;
  for (int i = n - 1; i > 0; i--) {
    int j = nacre_rng_int(&rng, i + 1), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  rep->ntest = (int)floor(o->test_fraction * n + 0.5);
  if (n - rep->ntest < 2) rep->ntest = n - 2;
  rep->ntrain = n - rep->ntest;
  for (int k = rep->ntest; k < n; k++) is_train[order[k]] = 1;
  m = fit_model_new("rank", NACRE_FIT_PREDICT_RANK, p, d->names, d->units, p);
  if (!m) goto nomem;
  fit_model_set_target(m, d->target, 0, NULL);
  fit_standardization(n, p, d->x, is_train, 1, m->mean, m->scale);
  rep->npairs = make_pairs(rep->ntrain, order + rep->ntest, d->y, o->min_gap, o->max_pairs,
                           &rng, &pi, &pj);
  if (rep->npairs < 0) goto nomem;
  if (rep->npairs == 0) {
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "no training pair has targets differing by more than %g", o->min_gap);
    goto done;
  }
  const long np = rep->npairs;
  nodes = malloc((size_t)np * (size_t)(p + 1) * sizeof *nodes);
  xs = malloc((size_t)np * sizeof *xs);
  yl = malloc((size_t)np * sizeof *yl);
  if (!nodes || !xs || !yl) goto nomem;
  for (long k = 0; k < np; k++) {
    /* both labels occur: even pairs point up, odd pairs down */
    int lo = d->y[pi[k]] < d->y[pj[k]] ? pi[k] : pj[k];
    int hi = lo == pi[k] ? pj[k] : pi[k];
    double sgn = (k & 1) ? -1.0 : 1.0;
    struct feature_node *row = nodes + (size_t)k * (p + 1);
    for (int f = 0; f < p; f++) {
      const double *c = d->x + (size_t)f * n;
      row[f].index = f + 1;
      row[f].value = sgn * (c[hi] - c[lo]) / m->scale[f];
    }
    row[p].index = -1;
    xs[k] = row;
    yl[k] = sgn;
  }
  struct problem prob = {(int)np, p, yl, xs, -1.0};
  struct parameter par;
  memset(&par, 0, sizeof par);
  par.solver_type = L2R_L2LOSS_SVC;
  par.eps = 1e-4;
  par.C = o->cost;
  const char *bad = check_parameter(&prob, &par);
  if (bad) {
    st = nacre_error_set(err, NACRE_ERR_INVALID, "liblinear: %s", bad);
    goto done;
  }
  set_print_string_function(quiet);
  lm = train(&prob, &par);
  if (!lm) {
    st = nacre_error_set(err, NACRE_ERR_EXTERNAL, "liblinear: training failed");
    goto done;
  }
  /* liblinear's w scores its first label; make it score "up" */
  double flip = lm->label[0] == 1 ? 1.0 : -1.0;
  for (int f = 0; f < p; f++) m->coef[f] = flip * lm->w[f] / m->scale[f];
  for (int f = 0; f < p; f++) {
    fit_text t;
    fit_text_name(d->names[f], &t);
    st = fit_model_set_descriptor(m, f, t.s, err);
    if (st) goto done;
  }
  score = malloc((size_t)n * sizeof *score);
  a = malloc((size_t)n * sizeof *a);
  b = malloc((size_t)n * sizeof *b);
  if (!score || !a || !b) goto nomem;
  nacre_fit_model_predict_values(m, n, d->x, score, NULL);
  for (int part = 0; part < 2; part++) {
    int cnt = 0;
    for (int i = 0; i < n; i++)
      if (is_train[i] == (part == 0)) {
        a[cnt] = score[i];
        b[cnt++] = d->y[i];
      }
    double tau = nacre_fit_kendall_tau(cnt, a, b), pa = nacre_fit_pairwise_accuracy(cnt, a, b);
    if (part == 0) {
      rep->train_kendall_tau = tau;
      rep->train_pairwise_accuracy = pa;
    } else {
      rep->test_kendall_tau = tau;
      rep->test_pairwise_accuracy = pa;
    }
  }
  *model = m;
  m = NULL;
  goto done;
nomem:
  st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
done:
  if (lm) free_and_destroy_model(&lm);
  nacre_fit_model_free(m);
  free(order);
  free(is_train);
  free(pi);
  free(pj);
  free(nodes);
  free(xs);
  free(yl);
  free(score);
  free(a);
  free(b);
  return st;
}
