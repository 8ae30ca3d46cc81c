/* svc.c — support-vector classification with Debian's libsvm (C-SVC,
 * linear or RBF kernel; Chang & Lin, ACM TIST 2, 27 (2011)): features
 * standardized on the training rows, C and γ chosen on a grid by k-fold
 * cross-validation with nacre's own reproducible folds (libsvm's
 * svm_cross_validation draws from rand()). */
#include <libsvm/svm.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"

static void quiet(const char *s) { (void)s; }

void nacre_fit_svc_options_init(nacre_fit_svc_options *o) {
  memset(o, 0, sizeof *o);
  o->kernel = NACRE_FIT_KERNEL_RBF;
  const double c[] = {0.1, 1, 10, 100, 1000};
  o->ncost = 5;
  memcpy(o->cost, c, sizeof c);
  const double g[] = {0.01, 0.1, 1, 10};
  o->ngamma = 4;
  memcpy(o->gamma, g, sizeof g);
  o->gamma_per_feature = 1;
  o->standardize = 1;
  o->folds = 5;
  o->seed = 1;
  o->tolerance = 1e-3;
}

/* Mean and standard deviation of each column over the masked rows
 * (scale 1 for a constant column, and everywhere when !standardize). */
void fit_standardization(int n, int d, const double *x, const unsigned char *mask,
                         int standardize, double *mean, double *scale) {
  for (int k = 0; k < d; k++) {
    mean[k] = 0;
    scale[k] = 1;
    if (!standardize) continue;
    const double *c = x + (size_t)k * n;
    double s = 0, m = 0;
    int cnt = 0;
    for (int i = 0; i < n; i++)
      if (!mask || mask[i]) {
        m += c[i];
        cnt++;
      }
    m /= cnt > 0 ? cnt : 1;
    for (int i = 0; i < n; i++)
      if (!mask || mask[i]) s += (c[i] - m) * (c[i] - m);
    s = cnt > 0 ? sqrt(s / cnt) : 0;
    mean[k] = m;
    scale[k] = s > 0 ? s : 1;
  }
}

/* Rows of mask as a libsvm problem on standardized values; nodes and rows
 * are allocated here and freed by problem_free. */
typedef struct problem {
  struct svm_problem p;
  struct svm_node *nodes;
} problem;

static void problem_free(problem *pb) {
  free(pb->p.y);
  free(pb->p.x);
  free(pb->nodes);
  memset(pb, 0, sizeof *pb);
}

static int problem_make(problem *pb, int n, int d, const double *x, const double *y,
                        const unsigned char *mask, const double *mean,
                        const double *scale) {
  memset(pb, 0, sizeof *pb);
  int l = 0;
  for (int i = 0; i < n; i++) l += !mask || mask[i];
  pb->p.l = l;
  pb->p.y = malloc(((size_t)l + 1) * sizeof *pb->p.y);
  pb->p.x = malloc(((size_t)l + 1) * sizeof *pb->p.x);
  pb->nodes = malloc(((size_t)l + 1) * (size_t)(d + 1) * sizeof *pb->nodes);
  if (!pb->p.y || !pb->p.x || !pb->nodes) {
    problem_free(pb);
    return 0;
  }
  int r = 0;
  for (int i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    struct svm_node *row = pb->nodes + (size_t)r * (d + 1);
    for (int k = 0; k < d; k++) {
      row[k].index = k + 1;
      row[k].value = (x[(size_t)k * n + i] - mean[k]) / scale[k];
    }
    row[d].index = -1;
    pb->p.x[r] = row;
    pb->p.y[r] = y[i];
    r++;
  }
  return 1;
}

static void parameters(struct svm_parameter *p, nacre_fit_kernel kernel, double cost,
                       double gamma, double eps) {
  memset(p, 0, sizeof *p);
  p->svm_type = C_SVC;
  p->kernel_type = kernel == NACRE_FIT_KERNEL_RBF ? RBF : LINEAR;
  p->degree = 3;
  p->gamma = gamma;
  p->cache_size = 100;
  p->eps = eps;
  p->C = cost;
  p->shrinking = 1;
}

nacre_status fit_svc_train(int n, int d, const double *x, const double *y,
                           const unsigned char *mask, nacre_fit_kernel kernel,
                           double cost, double gamma, double eps, int standardize,
                           nacre_fit_model *m, nacre_error *err) {
  fit_standardization(n, d, x, mask, standardize, m->mean, m->scale);
  problem pb;
  if (!problem_make(&pb, n, d, x, y, mask, m->mean, m->scale))
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  struct svm_parameter par;
  parameters(&par, kernel, cost, gamma, eps);
  const char *bad = svm_check_parameter(&pb.p, &par);
  if (bad) {
    problem_free(&pb);
    return nacre_error_set(err, NACRE_ERR_INVALID, "libsvm: %s", bad);
  }
  svm_set_print_string_function(quiet);
  struct svm_model *s = svm_train(&pb.p, &par);
  nacre_status st = s ? fit_model_take_svm(m, s, err)
                      : nacre_error_set(err, NACRE_ERR_EXTERNAL, "libsvm: training failed");
  svm_free_and_destroy_model(&s);
  problem_free(&pb);
  return st;
}

/* Accuracy of k-fold cross-validation over the masked rows with fold[]. */
static double cv_accuracy(int n, int d, const double *x, const double *y,
                          const unsigned char *mask, const int *fold, int k,
                          nacre_fit_kernel kernel, double cost, double gamma,
                          double eps, int standardize) {
  unsigned char *train = malloc((size_t)n + 1);
  double *pred = malloc(((size_t)n + 1) * sizeof *pred);
  double *dv = malloc(((size_t)n * d + 1) * sizeof *dv);
  nacre_fit_model *m = fit_model_new("svc", NACRE_FIT_PREDICT_SVC, 0, NULL, NULL, d);
  long right = 0, total = 0;
  if (!train || !pred || !dv || !m) goto done;
  memcpy(dv, x, (size_t)n * d * sizeof *dv);
  for (int f = 0; f < k; f++) {
    int any_test = 0;
    for (int i = 0; i < n; i++) {
      int use = !mask || mask[i];
      train[i] = use && fold[i] != f;
      any_test |= use && fold[i] == f;
    }
    if (!any_test) continue;
    if (fit_svc_train(n, d, x, y, train, kernel, cost, gamma, eps, standardize, m, NULL))
      goto done;
    if (nacre_fit_model_predict_values(m, n, dv, pred, NULL)) goto done;
    for (int i = 0; i < n; i++)
      if ((!mask || mask[i]) && fold[i] == f) {
        total++;
        right += pred[i] == y[i];
      }
  }
done:
  free(train);
  free(pred);
  free(dv);
  nacre_fit_model_free(m);
  return total ? (double)right / total : NAN;
}

/* Grid search: the best CV accuracy; ties go to the smaller C, then the
 * smaller γ (the smoother boundary). */
nacre_status fit_svc_select(int n, int d, const double *x, const double *y,
                            const unsigned char *mask, const nacre_fit_svc_options *o,
                            int nthreads, double *best_cost, double *best_gamma,
                            double *best_acc, int *ngrid, double *gc, double *gg,
                            double *ga) {
  const int nc = o->ncost > 0 ? o->ncost : 1;
  const int ng = o->kernel == NACRE_FIT_KERNEL_RBF && o->ngamma > 0 ? o->ngamma : 1;
  const double gscale = o->gamma_per_feature ? 1.0 / d : 1.0;
  *best_cost = o->ncost > 0 ? o->cost[0] : 1;
  *best_gamma = (o->ngamma > 0 ? o->gamma[0] : 1) * gscale;
  *best_acc = NAN;
  if (ngrid) *ngrid = nc * ng;
  if (o->folds < 2) {
    if (ngrid) *ngrid = 0;
    return NACRE_OK;
  }
  double *cls;
  int nclass;
  int *ci = fit_class_index(n, y, &cls, &nclass);
  int *fold = malloc(((size_t)n + 1) * sizeof *fold);
  double *acc = malloc((size_t)(nc * ng) * sizeof *acc);
  if (!ci || !fold || !acc) {
    free(ci);
    free(fold);
    free(acc);
    return NACRE_ERR_NOMEM;
  }
  free(cls);
  fit_folds_assign(n, o->folds, o->seed, ci, nclass, fold);
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
  for (int g = 0; g < nc * ng; g++) {
    double cost = o->ncost > 0 ? o->cost[g / ng] : 1;
    double gamma = (o->ngamma > 0 ? o->gamma[g % ng] : 1) * gscale;
    acc[g] = cv_accuracy(n, d, x, y, mask, fold, o->folds, o->kernel, cost, gamma,
                         o->tolerance, o->standardize);
  }
  for (int g = 0; g < nc * ng; g++) {
    double cost = o->ncost > 0 ? o->cost[g / ng] : 1;
    double gamma = (o->ngamma > 0 ? o->gamma[g % ng] : 1) * gscale;
    if (gc) {
      gc[g] = cost;
      gg[g] = gamma;
      ga[g] = acc[g];
    }
    int better = !isnan(acc[g]) &&
                 (isnan(*best_acc) || acc[g] > *best_acc ||
                  (acc[g] == *best_acc &&
                   (cost < *best_cost || (cost == *best_cost && gamma < *best_gamma))));
    if (better) {
      *best_acc = acc[g];
      *best_cost = cost;
      *best_gamma = gamma;
    }
  }
  free(ci);
  free(fold);
  free(acc);
  return NACRE_OK;
}

nacre_status nacre_fit_svc(const nacre_fit_data *d, const nacre_fit_svc_options *o,
                           const nacre_ctx *ctx, nacre_fit_model **model,
                           nacre_fit_svc_report *rep, nacre_error *err) {
  *model = NULL;
  memset(rep, 0, sizeof *rep);
  if (!d->y) return nacre_error_set(err, NACRE_ERR_INVALID, "svc needs a target column");
  if (d->nfeatures > 64)
    return nacre_error_set(err, NACRE_ERR_INVALID, "svc takes at most 64 features, got %d",
                           d->nfeatures);
  double *classes;
  int nclass;
  int *ci = fit_class_index(d->nrows, d->y, &classes, &nclass);
  if (!ci) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  free(ci);
  int nthreads = ctx && ctx->nthreads > 0 ? ctx->nthreads : 1;
  nacre_status st = fit_svc_select(d->nrows, d->nfeatures, d->x, d->y, NULL, o, nthreads,
                                   &rep->cost, &rep->gamma, &rep->cv_accuracy, &rep->ngrid,
                                   rep->grid_cost, rep->grid_gamma, rep->grid_cv_accuracy);
  if (st) {
    free(classes);
    return nacre_error_set(err, st, "out of memory");
  }
  nacre_fit_model *m = fit_model_new("svc", NACRE_FIT_PREDICT_SVC, d->nfeatures, d->names,
                                     d->units, d->nfeatures);
  if (!m) {
    free(classes);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  fit_model_set_target(m, d->target, nclass, classes);
  free(classes);
  for (int k = 0; k < d->nfeatures && !st; k++) {
    fit_text t;
    fit_text_name(d->names[k], &t);
    st = fit_model_set_descriptor(m, k, t.s, err);
  }
  if (!st)
    st = fit_svc_train(d->nrows, d->nfeatures, d->x, d->y, NULL, o->kernel, rep->cost,
                       rep->gamma, o->tolerance, o->standardize, m, err);
  double *pred = st ? NULL : malloc(((size_t)d->nrows + 1) * sizeof *pred);
  if (!st && !pred) st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  if (!st) st = nacre_fit_model_predict_values(m, d->nrows, d->x, pred, err);
  if (st) {
    free(pred);
    nacre_fit_model_free(m);
    return st;
  }
  nacre_fit_eval ev;
  nacre_fit_eval_classification(d->nrows, pred, d->y, &ev);
  free(pred);
  rep->train_accuracy = ev.accuracy;
  rep->nsupport = m->svm->l;
  if (o->ngamma == 0 || o->kernel != NACRE_FIT_KERNEL_RBF) rep->gamma = m->svm->param.gamma;
  double lp, ln;
  if (d->nfeatures <= 16)
    rep->has_boundary = fit_model_svc_boundary(m, rep->boundary_w, &rep->boundary_b, &lp, &ln);
  *model = m;
  return NACRE_OK;
}
