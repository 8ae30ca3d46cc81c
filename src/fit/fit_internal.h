/* fit_internal.h — what the files of src/fit share: the model object, the
 * printing rules of formulas, the feature space and its streaming
 * enumeration, the screening scores and the bounded lists of the best
 * candidates. Nothing here is public API. */
#ifndef NACRE_FIT_INTERNAL_H
#define NACRE_FIT_INTERNAL_H

#include <stdint.h>

#include "nacre/fit.h"

struct svm_model;

/* ---- formulas -------------------------------------------------------- */

#define FIT_TEXT_MAX 2048
#define FIT_NAME_MAX 120 /* longest column name a feature space accepts */

enum { FIT_PREC_SUM = 1, FIT_PREC_PRODUCT = 2, FIT_PREC_POWER = 3,
       FIT_PREC_ATOM = 4 };

typedef struct fit_text {
  char s[FIT_TEXT_MAX];
  int prec;
} fit_text;

int fit_name_is_bare(const char *name);
void fit_text_name(const char *name, fit_text *out);
/* op: '+', '-', '*', '/', or '|' for |a - b|. */
void fit_text_binary(char op, const fit_text *a, const fit_text *b,
                     fit_text *out);
/* fn: "exp", "ln", "sqrt", "^2", "^3", "inv". */
void fit_text_unary(const char *fn, const fit_text *a, fit_text *out);

/* 1 when the formula reads column col. */
int fit_expr_uses(const nacre_fit_expr *e, int col);

/* ---- models ---------------------------------------------------------- */

struct nacre_fit_model {
  char *method;                  /* "sis", "svc", "rank", "linear" */
  nacre_fit_predictor predictor;
  int classification;
  char *target;                  /* may be NULL */
  int ncolumns;
  char **columns;                /* primary columns the formulas use */
  char **column_units;           /* ncolumns unit texts */
  int ndesc;
  char **desc;                   /* formulas over columns */
  nacre_fit_expr **expr;         /* parsed desc */
  double *mean, *scale;          /* standardization of descriptor values
                                    (SVC and ranking work on
                                    (d − mean)/scale) */
  double intercept;              /* linear: c0 */
  double *coef;                  /* linear: c_k on raw d; rank: w_k on raw d */
  nacre_fit_threshold thr;       /* threshold */
  struct svm_model *svm;         /* SVC, on standardized values (owned) */
  int nclass;
  double *classes;               /* class labels, ascending */
};

/* An empty model with ndesc descriptors over the given columns (copied);
 * NULL when out of memory. */
nacre_fit_model *fit_model_new(const char *method, nacre_fit_predictor p,
                               int ncolumns, char *const *columns,
                               char *const *units, int ndesc);
/* Sets descriptor k (copies the text, parses it against the columns). */
nacre_status fit_model_set_descriptor(nacre_fit_model *m, int k,
                                      const char *formula, nacre_error *err);
nacre_status fit_model_set_target(nacre_fit_model *m, const char *target,
                                  int nclass, const double *classes);
/* Copies a trained libsvm model into storage the fit model owns. */
nacre_status fit_model_take_svm(nacre_fit_model *m, const struct svm_model *src,
                                nacre_error *err);
void fit_svm_free(struct svm_model *s);
/* A two-class linear SVC as w·d + b in the descriptors' units; libsvm's
 * first label where w·d + b > 0. 0 for other models. */
int fit_model_svc_boundary(const nacre_fit_model *m, double *w, double *b,
                           double *label_positive, double *label_negative);
/* Values of every descriptor on a column-major block of the model's
 * columns (ncolumns × nrows) into dvals (ndesc × nrows). */
nacre_status fit_model_descriptor_values(const nacre_fit_model *m, int nrows,
                                         const double *cols, double *dvals,
                                         nacre_error *err);

/* ---- SVC (svc.c) ------------------------------------------------------ */

/* Mean and standard deviation of each of d columns (x column-major, n
 * rows) over the masked rows; scale 1 for constant columns and everywhere
 * when !standardize. */
void fit_standardization(int n, int d, const double *x, const unsigned char *mask,
                         int standardize, double *mean, double *scale);
/* Trains a C-SVC on the masked rows of d columns; m (with d descriptors)
 * receives the standardization and the libsvm model. */
nacre_status fit_svc_train(int n, int d, const double *x, const double *y,
                           const unsigned char *mask, nacre_fit_kernel kernel,
                           double cost, double gamma, double eps, int standardize,
                           nacre_fit_model *m, nacre_error *err);
/* k-fold grid search over o's C (and γ) on the masked rows; the grid
 * arrays (may be NULL) get every pair and its accuracy. */
nacre_status fit_svc_select(int n, int d, const double *x, const double *y,
                            const unsigned char *mask, const nacre_fit_svc_options *o,
                            int nthreads, double *best_cost, double *best_gamma,
                            double *best_acc, int *ngrid, double *gc, double *gg,
                            double *ga);

/* ---- linear algebra helpers ------------------------------------------ */

/* Solves the symmetric positive definite system A x = b (A is d×d, d ≤ 8,
 * overwritten by its Cholesky factor). Returns 0 when A is not positive
 * definite within a relative 1e-12. */
int fit_cholesky_solve(int d, double *a, double *b);

/* ---- rows, folds, sorting -------------------------------------------- */

/* Assigns each row a fold 0..k−1: shuffled with seed, stratified by class
 * when cls is not NULL (labels as class indices, nclass of them). */
void fit_folds_assign(int n, int k, uint64_t seed, const int *cls, int nclass,
                      int *fold);
/* Class index of each row: labels sorted ascending and deduplicated into
 * classes (malloc'd, *nclass of them). NULL when out of memory. */
int *fit_class_index(int n, const double *y, double **classes, int *nclass);
/* Indices 0..n−1 ordered by x ascending (stable). */
void fit_sort_index(int n, const double *x, int *idx);

/* The process's file-creation mask (022 where /proc is absent): files
 * made with mkstemp get the mode fopen would have given them. */
unsigned fit_umask(void);

/* ---- threshold on already-sorted data --------------------------------- */

/* Errors of the best single cut of x for classes 0 and 1 (order: rows by
 * x ascending; mask NULL or nonzero for the rows used): the fewest errors,
 * and (when not NULL) the position in `order` of the first row above the
 * cut (0: every row above) and whether class 0 lies below it. */
int fit_stump_errors(int n, const double *x, const int *order, const int *cls,
                     const unsigned char *mask, int *out_cut, int *zero_below);

#endif
