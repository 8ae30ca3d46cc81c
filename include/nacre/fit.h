/* nacre/fit.h — learning simple, readable rules from tables of numbers:
 * descriptor search by sure independence screening and a sparsifying ℓ0
 * operator (SISSO), support-vector classification and ranking, and linear
 * models on count features. Pure statistics on plain arrays: nothing here
 * knows about structures or potentials.
 *
 * Data. A table is a CSV file with a header line; every column used as a
 * feature or target must be numeric in every row. Feature values are held
 * column by column: feature k of row i is x[k·nrows + i].
 *
 * Descriptors (Ouyang et al., Phys. Rev. Materials 2, 083802 (2018)). From
 * the primary features Φ0 the rung-r space Φr holds Φ(r−1) and every
 * operator applied to Φ(r−1): unary f(a) for a new in rung r−1 and binary
 * a∘b for pairs with at least one operand new in rung r−1. With units,
 * only dimensionally consistent expressions are built (a + b needs equal
 * units; exp and log need dimensionless arguments). Features that are
 * non-finite, constant, larger than max_abs_value in magnitude, or an
 * affine copy (a·f + b) of an earlier feature are dropped; the first
 * (simplest) expression of each family is kept.
 *
 * Memory. Rungs below the last one are stored (nrows doubles per feature);
 * the last rung is never stored: each candidate is computed, scored and
 * either kept in a bounded top-S list or forgotten. The bound is
 *   8·nrows·(|Φ0| + … + |Φ(R−1)|) bytes for the stored values
 *   + 24·(|Φ0| + … + |Φ(R−1)|) bytes for the expressions
 *   + 48 bytes per candidate of the largest stored rung while it is built
 *   + 144·S·(folds + 1)·(threads + 1) bytes for the kept candidates
 *   + 8·nrows·S·D·(folds + 1) bytes for the selected subspaces,
 * whatever the size of the last rung (result->memory_bound_bytes); a search whose stored part would
 * exceed max_memory_bytes stops with an error before allocating it.
 *
 * Screening and ℓ0. Regression: features ranked by |Pearson r| with the
 * target (later dimensions: with the residual of the previous model); the
 * ℓ0 step tries every D-tuple of the screened subspace by least squares.
 * Classification: SISSO's domain-overlap score — for each pair of classes
 * the number of samples lying where the two class domains (intervals in
 * 1-D, convex hulls in 2-D) overlap, ties broken by the overlap length
 * relative to the shorter domain, or for separated domains by the gap
 * relative to the feature's range. The `errors` score ranks a 1-D feature
 * by the fewest samples whose removal makes the class domains disjoint —
 * the errors of the best single threshold — with the overlap score as
 * tie-breaker; in 2-D and 3-D by the errors of the Fisher direction and
 * its best threshold. Later dimensions screen the samples that the
 * previous descriptor leaves in an overlap region (SISSO's "unclassified"
 * samples). The 1-D classifier is a threshold; D ≥ 2 a linear SVC.
 *
 * Deepening (an extension of SISSO, off by default). The rungs bound the
 * depth of a formula; a deeper formula such as Bartel's τ (depth 6) is out
 * of reach of any rung-3 space. With deepen = L, after screening the last
 * rung each training part takes its S best features as operands of one
 * more operator level — every unary operator on them and every binary
 * operator between one of them and the stored rungs or another of them —
 * scores those candidates the same way, and keeps the best S of
 * everything; L levels repeat this on the features that entered the list.
 * It explores depth greedily (a deep formula is found when a shallower
 * part of it screens well) at a cost of about S·|Φ_(R−1)|·(binary
 * operators) candidates per level and training part.
 *
 * Cross-validation. With k folds, the whole search (screening, ℓ0 and the
 * fit) is repeated on each training part within the same pass over the
 * feature space, and the held-out rows are predicted by the model that fold
 * found: the cross-validated error of the method, not of one descriptor. */
#ifndef NACRE_FIT_H
#define NACRE_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "nacre/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Features and target taken from a table. */
typedef struct nacre_fit_data {
  int nrows;
  int nfeatures;
  char **names;   /* nfeatures column names */
  char **units;   /* nfeatures unit texts ("" = dimensionless) */
  double *x;      /* feature k of row i at x[k·nrows + i] */
  char *target;   /* target column name, NULL when there is none */
  double *y;      /* nrows target values, NULL when there is none */
  char *source;   /* file name, for messages */
} nacre_fit_data;

/* Builds data from columns `features` (a comma-separated list; NULL: every
 * column but the target that holds a number in some row — a stray word in
 * such a column is then reported, not the column dropped) and `target` (NULL: none). `units` is
 * NULL or "COL=UNIT,COL=UNIT,..." (unit texts as in nacre_fit_unit_parse;
 * unlisted columns are dimensionless). A missing value or text in any used
 * column is an error naming file, line and column; so is a constant target
 * (regression) or a target with a single class (classify = 1), and a
 * non-integer class label. */
nacre_status nacre_fit_data_from_table(const nacre_table *t,
                                       const char *features,
                                       const char *target, const char *units,
                                       int classify, nacre_fit_data **out,
                                       nacre_error *err);
void nacre_fit_data_free(nacre_fit_data *d);

/* ------------------------------------------------------------------ */
/* Units                                                                 */
/* ------------------------------------------------------------------ */

#define NACRE_FIT_MAX_BASE_UNITS 8

/* A unit as exponents of named base units. Exponents are stored times 6 so
 * that square and cube roots stay exact. */
typedef struct nacre_fit_unit {
  signed char exp6[NACRE_FIT_MAX_BASE_UNITS];
} nacre_fit_unit;

/* The base units met so far (a growing table shared by one feature space). */
typedef struct nacre_fit_unit_table {
  int n;
  char names[NACRE_FIT_MAX_BASE_UNITS][16];
} nacre_fit_unit_table;

/* Parses a product of base units with integer powers, e.g. "Å", "eV/Å^3",
 * "kg*m^2/s^2", "1" or "" (dimensionless); new base names are added to
 * `table`. */
nacre_status nacre_fit_unit_parse(const char *text, nacre_fit_unit_table *table,
                                  nacre_fit_unit *out, nacre_error *err);
/* Text of a unit ("" when dimensionless), e.g. "Å^2/eV". */
void nacre_fit_unit_format(const nacre_fit_unit *u,
                           const nacre_fit_unit_table *table, char *buf,
                           size_t len);

/* ------------------------------------------------------------------ */
/* Expressions over named columns                                        */
/* ------------------------------------------------------------------ */

typedef struct nacre_fit_expr nacre_fit_expr;

/* Parses a formula such as "rX/rB - nA*(nA - (rA/rB)/ln(rA/rB))": numbers,
 * names (letters, digits, '_' and '.', or any text in `backquotes`), + − *
 * / ^, |a − b|, unary minus and the functions exp, ln (log), sqrt, cbrt,
 * abs. Every name must be one of `names`. */
nacre_status nacre_fit_expr_parse(const char *text, int nnames,
                                  const char *const *names,
                                  nacre_fit_expr **out, nacre_error *err);
void nacre_fit_expr_free(nacre_fit_expr *e);
/* Values for nrows rows; x holds the named columns (column k of row i at
 * x[k·nrows + i]). Non-finite results are written as they come (NaN). */
nacre_status nacre_fit_expr_eval(const nacre_fit_expr *e, int nrows,
                                 const double *x, double *out,
                                 nacre_error *err);

/* ------------------------------------------------------------------ */
/* Models: a descriptor (formulas over primary columns) and a predictor  */
/* ------------------------------------------------------------------ */

typedef struct nacre_fit_model nacre_fit_model;

typedef enum nacre_fit_predictor {
  NACRE_FIT_PREDICT_LINEAR = 0, /* y = c0 + Σ c_k d_k */
  NACRE_FIT_PREDICT_THRESHOLD,  /* class by d ≤ t or d > t */
  NACRE_FIT_PREDICT_SVC,        /* libsvm C-SVC (linear or RBF kernel) */
  NACRE_FIT_PREDICT_RANK        /* score s = Σ w_k d_k; lower s ranks first */
} nacre_fit_predictor;

void nacre_fit_model_free(nacre_fit_model *m);
nacre_fit_predictor nacre_fit_model_predictor(const nacre_fit_model *m);
/* "sis", "svc", "rank" or "linear": the command that made it. */
const char *nacre_fit_model_method(const nacre_fit_model *m);
int nacre_fit_model_descriptors(const nacre_fit_model *m);
const char *nacre_fit_model_descriptor(const nacre_fit_model *m, int k);
/* Target column name, or NULL. */
const char *nacre_fit_model_target(const nacre_fit_model *m);
/* The rule for people, one line: "y = 0.12 + 3.4·(d1)", "class 1 if d1 ≤
 * 4.18, else class 0", "class 1 if 0.203·d1 + d2 ≤ 0.322, else 0",
 * "rank by 1.3·d1 − 0.2·d2 (lower first)". */
void nacre_fit_model_rule(const nacre_fit_model *m, char *buf, size_t len);
/* The whole model as JSON text (malloc'd). */
char *nacre_fit_model_json(const nacre_fit_model *m);
/* JSON written atomically (temporary file, then rename). */
nacre_status nacre_fit_model_write(const nacre_fit_model *m, const char *path,
                                   nacre_error *err);
nacre_status nacre_fit_model_read(const char *path, nacre_fit_model **out,
                                  nacre_error *err);
nacre_status nacre_fit_model_from_json(const char *text, const char *source,
                                       nacre_fit_model **out, nacre_error *err);

/* Agreement of predictions with a target. */
typedef struct nacre_fit_eval {
  int n;                    /* rows compared */
  int classification;       /* 1: accuracy fields; 0: regression fields */
  double rmse, mae, max_abs_error, r2;  /* regression */
  double accuracy;          /* classification: fraction correct */
  int errors;               /* classification: rows misclassified */
  double kendall_tau;       /* rank (and regression): τ-b of predictions
                               against the target */
  double pairwise_accuracy; /* fraction of pairs with different targets
                               put in the right order */
} nacre_fit_eval;

/* Predictions for every row of a table (columns found by name). pred:
 * nrows values (regression value, class label, or rank score). When the
 * table has the model's target column and ev is not NULL, ev compares;
 * *has_target says whether it did. */
nacre_status nacre_fit_model_predict(const nacre_fit_model *m,
                                     const nacre_table *t, double *pred,
                                     nacre_fit_eval *ev, int *has_target,
                                     nacre_error *err);
/* Same on descriptor values already computed (nrows × ndescriptors,
 * descriptor k of row i at dvals[k·nrows + i]). */
nacre_status nacre_fit_model_predict_values(const nacre_fit_model *m, int nrows,
                                            const double *dvals, double *pred,
                                            nacre_error *err);

/* An SVG figure of the model on a table that has the target column: a
 * 1-D classifier as the descriptor axis with a band per class and the
 * threshold, two descriptors and classes as the plane with the linear
 * boundary, anything else as prediction against target. Misclassified
 * rows are hollow; rows beyond the 1st–99th percentile range are drawn as
 * triangles on the edge. */
nacre_status nacre_fit_model_plot(const nacre_fit_model *m, const nacre_table *t,
                                  const char *path, nacre_error *err);

/* Metrics on plain arrays. */
void nacre_fit_eval_regression(int n, const double *pred, const double *y,
                               nacre_fit_eval *ev);
void nacre_fit_eval_classification(int n, const double *pred, const double *y,
                                   nacre_fit_eval *ev);
/* Kendall's τ-b between a and b (ties counted as in τ-b), and the fraction
 * of pairs with b_i ≠ b_j that a orders the same way (ties in a count
 * half). O(n²); NAN for fewer than two rows. */
double nacre_fit_kendall_tau(int n, const double *a, const double *b);
double nacre_fit_pairwise_accuracy(int n, const double *a, const double *b);

/* ------------------------------------------------------------------ */
/* Descriptor search: SIS + ℓ0                                          */
/* ------------------------------------------------------------------ */

/* Operators (bit mask). */
enum {
  NACRE_FIT_OP_ADD = 1 << 0,     /* a + b */
  NACRE_FIT_OP_SUB = 1 << 1,     /* a − b */
  NACRE_FIT_OP_ABSDIFF = 1 << 2, /* |a − b| */
  NACRE_FIT_OP_MUL = 1 << 3,     /* a·b */
  NACRE_FIT_OP_DIV = 1 << 4,     /* a/b and b/a */
  NACRE_FIT_OP_EXP = 1 << 5,     /* exp(a), a dimensionless */
  NACRE_FIT_OP_LOG = 1 << 6,     /* ln(a), a > 0 dimensionless */
  NACRE_FIT_OP_SQRT = 1 << 7,    /* sqrt(a), a ≥ 0 */
  NACRE_FIT_OP_SQUARE = 1 << 8,  /* a^2 */
  NACRE_FIT_OP_CUBE = 1 << 9,    /* a^3 */
  NACRE_FIT_OP_INV = 1 << 10,    /* 1/a */
  NACRE_FIT_OP_ALL = (1 << 11) - 1
};
/* Parses a comma list of "+", "-", "|-|", "*", "/", "exp", "log" (or "ln"),
 * "sqrt", "^2", "^3", "^-1" (or "inv"), or "all". */
nacre_status nacre_fit_ops_parse(const char *text, unsigned *mask,
                                 nacre_error *err);
/* The list back, "+,-,|-|,*,/,exp,log,sqrt,^2,^3,^-1" for all. */
void nacre_fit_ops_format(unsigned mask, char *buf, size_t len);

typedef enum nacre_fit_task {
  NACRE_FIT_REGRESSION = 0,
  NACRE_FIT_CLASSIFICATION
} nacre_fit_task;

typedef enum nacre_fit_class_score {
  NACRE_FIT_SCORE_OVERLAP = 0, /* SISSO: samples in overlapping domains */
  NACRE_FIT_SCORE_ERRORS       /* fewest samples to remove for disjoint
                                  domains (threshold errors), then overlap */
} nacre_fit_class_score;

/* What the progress callback sees, every second or so. */
typedef struct nacre_fit_progress {
  int pass;                 /* 1..dim: SIS pass (0 while building rungs) */
  long long done;           /* candidates of this pass examined */
  long long total;          /* candidates of this pass */
  double elapsed_s;         /* since the search started */
  double features_per_s;    /* candidates examined per second this pass */
} nacre_fit_progress;

typedef struct nacre_fit_sis_options {
  nacre_fit_task task;
  nacre_fit_class_score class_score;
  int rung;                 /* 0..3 */
  unsigned ops;             /* NACRE_FIT_OP_* mask */
  int max_complexity;       /* most operators in a feature; 0: no limit */
  double max_abs_value;     /* features beyond in magnitude are dropped */
  int deepen;               /* levels of screened deepening after the last
                               rung (0: SISSO's space exactly) */
  int dim;                  /* descriptor dimensions 1..dim (≤ 3) */
  int sis_size;             /* features screened per dimension */
  int folds;                /* k-fold cross-validation (0: none) */
  uint64_t seed;            /* fold assignment */
  double max_memory_bytes;  /* bound on the stored part of the space */
  double time_limit_s;      /* stop screening after this (0: none); the
                               result then says it is incomplete */
  const char *checkpoint_path; /* NULL, or a file the state is written to
                               every checkpoint_interval_s (default 60 s),
                               after each dimension, on an interrupt and
                               at the time limit */
  double checkpoint_interval_s;
  int resume;               /* continue from checkpoint_path; a checkpoint
                               written with other settings or data is
                               refused with the setting named */
  void (*progress)(void *user, const nacre_fit_progress *p);
  void *progress_user;
} nacre_fit_sis_options;

/* Defaults: regression, overlap score, rung 2, all operators, no
 * complexity limit, |values| ≤ 1e10, dim 2, sis_size 100, 5 folds, seed 1,
 * 2 GB, no time limit. */
void nacre_fit_sis_options_init(nacre_fit_sis_options *o);

/* One dimension's result. */
typedef struct nacre_fit_sis_dim {
  int dim;
  nacre_fit_model *model;   /* descriptor + fitted predictor (owned) */
  double score[3];          /* ℓ0 score of the winner (smaller better):
                               regression RSS; classification (overlap
                               count or errors, tie-breakers) */
  double train_error;       /* RMSE (regression) or error fraction */
  double cv_error;          /* of the whole method, k folds; NAN if none */
  double cv_error_fixed;    /* descriptor fixed, predictor refitted on each
                               fold; NAN if none */
  double train_max_abs_error; /* regression */
} nacre_fit_sis_dim;

/* One feature of the final screened subspace, for reports. */
typedef struct nacre_fit_sis_feature {
  char *formula;
  double score[3];
  int complexity;
} nacre_fit_sis_feature;

typedef struct nacre_fit_sis_result {
  int ndims;
  nacre_fit_sis_dim dims[3];
  int nsubspace;                   /* the full-data subspace, best first */
  nacre_fit_sis_feature *subspace;
  long long stored_per_rung[4];    /* features kept in the stored rungs */
  long long candidates;            /* candidates examined, all passes */
  long long valid;                 /* of which finite and not constant */
  double memory_bound_bytes;       /* the bound above for this search */
  double features_per_s;           /* candidates per second (wall) */
  double cpu_s, wall_s;
  int complete;                    /* 0 when the time limit cut screening */
  int nfolds;
} nacre_fit_sis_result;

/* Runs the search on d (target required). ctx (may be NULL) gives threads,
 * logging and interrupts. Free the result with nacre_fit_sis_result_free. */
nacre_status nacre_fit_sis(const nacre_fit_data *d,
                           const nacre_fit_sis_options *o,
                           const nacre_ctx *ctx, nacre_fit_sis_result *res,
                           nacre_error *err);
void nacre_fit_sis_result_free(nacre_fit_sis_result *r);

/* The size of the space alone: features per rung (stored and streamed)
 * after deduplication of the stored rungs, without screening. */
nacre_status nacre_fit_space_count(const nacre_fit_data *d,
                                   const nacre_fit_sis_options *o,
                                   const nacre_ctx *ctx,
                                   long long counts[4], nacre_error *err);

/* ------------------------------------------------------------------ */
/* 1-D threshold classifier                                              */
/* ------------------------------------------------------------------ */

typedef struct nacre_fit_threshold {
  double threshold;     /* midpoint of the widest gap among the best cuts */
  double class_below;   /* label predicted for d ≤ threshold */
  double class_above;   /* label predicted for d > threshold */
  int errors;           /* training rows misclassified */
} nacre_fit_threshold;

/* Best single cut of x for two classes y (exactly two distinct labels):
 * fewest errors, ties broken by the widest gap between neighbouring
 * values. mask: NULL or nonzero for the rows to use. */
nacre_status nacre_fit_threshold_fit(int n, const double *x, const double *y,
                                     const unsigned char *mask,
                                     nacre_fit_threshold *t, nacre_error *err);

/* ------------------------------------------------------------------ */
/* Support-vector classification (libsvm)                               */
/* ------------------------------------------------------------------ */

typedef enum nacre_fit_kernel {
  NACRE_FIT_KERNEL_LINEAR = 0,
  NACRE_FIT_KERNEL_RBF
} nacre_fit_kernel;

#define NACRE_FIT_GRID_MAX 32

typedef struct nacre_fit_svc_options {
  nacre_fit_kernel kernel;
  int ncost;
  double cost[NACRE_FIT_GRID_MAX];   /* C values; several: k-fold search */
  int ngamma;
  double gamma[NACRE_FIT_GRID_MAX];  /* RBF γ (on the scaled features) */
  int gamma_per_feature;    /* 1: γ values are multiples of 1/p (p
                               features), libsvm's default unit */
  int standardize;          /* 1: z-score each feature (default) */
  int folds;                /* for the grid search and the CV accuracy */
  uint64_t seed;
  double tolerance;         /* libsvm's eps (default 1e-3, as svm-train) */
} nacre_fit_svc_options;

/* Defaults: RBF, C ∈ {0.1, 1, 10, 100, 1000}, γ ∈ {0.01, 0.1, 1, 10}/p for
 * p features, standardized, 5 folds, seed 1, eps 1e-3. */
void nacre_fit_svc_options_init(nacre_fit_svc_options *o);

typedef struct nacre_fit_svc_report {
  double cost, gamma;       /* chosen */
  double cv_accuracy;       /* of the chosen pair, k folds; NAN if none */
  double train_accuracy;
  int nsupport;
  int ngrid;                /* pairs tried, with their CV accuracy */
  double grid_cost[NACRE_FIT_GRID_MAX * NACRE_FIT_GRID_MAX];
  double grid_gamma[NACRE_FIT_GRID_MAX * NACRE_FIT_GRID_MAX];
  double grid_cv_accuracy[NACRE_FIT_GRID_MAX * NACRE_FIT_GRID_MAX];
  /* Linear kernel, two classes: the boundary w·d + b = 0 in the original
   * units of the features; the second class label is predicted where
   * w·d + b > 0. */
  int has_boundary;
  double boundary_w[16], boundary_b;
} nacre_fit_svc_report;

nacre_status nacre_fit_svc(const nacre_fit_data *d,
                           const nacre_fit_svc_options *o,
                           const nacre_ctx *ctx, nacre_fit_model **model,
                           nacre_fit_svc_report *rep, nacre_error *err);

/* ------------------------------------------------------------------ */
/* Ranking SVM (pairwise transform, liblinear)                          */
/* ------------------------------------------------------------------ */

typedef struct nacre_fit_rank_options {
  double cost;              /* C of the linear SVM on pair differences */
  double test_fraction;     /* rows held out for τ and pairwise accuracy */
  uint64_t seed;            /* split and pair sampling */
  long max_pairs;           /* pairs sampled when there are more */
  double min_gap;           /* pairs whose targets differ by less are not
                               used for training */
} nacre_fit_rank_options;

/* Defaults: C 1, test fraction 0.25, seed 1, 100000 pairs, min_gap 0. */
void nacre_fit_rank_options_init(nacre_fit_rank_options *o);

typedef struct nacre_fit_rank_report {
  int ntrain, ntest;
  long npairs;                   /* training pairs used */
  double train_kendall_tau, train_pairwise_accuracy;
  double test_kendall_tau, test_pairwise_accuracy; /* NAN without test rows */
} nacre_fit_rank_report;

/* Learns w so that lower targets get lower scores w·x (features
 * standardized on the training rows). */
nacre_status nacre_fit_rank(const nacre_fit_data *d,
                            const nacre_fit_rank_options *o,
                            const nacre_ctx *ctx, nacre_fit_model **model,
                            nacre_fit_rank_report *rep, nacre_error *err);

/* ------------------------------------------------------------------ */
/* Linear least squares on given features (block models)                */
/* ------------------------------------------------------------------ */

typedef struct nacre_fit_linear_options {
  int intercept;            /* 1: fit c0 as well (default 0: E = Σ c_i N_i) */
  int max_terms;            /* largest model of the path (0: all) */
  long exhaustive_limit;    /* subsets tried per size before falling back
                               to forward selection (default 200000) */
} nacre_fit_linear_options;

void nacre_fit_linear_options_init(nacre_fit_linear_options *o);

/* The best model with k terms. */
typedef struct nacre_fit_linear_step {
  int nterms;
  int terms[64];            /* feature indices */
  double rmse;              /* training */
  double loo_rmse;          /* leave-one-out (exact, from the hat matrix) */
  int exhaustive;           /* 1: best of all subsets; 0: forward step */
} nacre_fit_linear_step;

typedef struct nacre_fit_linear_report {
  int nfeatures;
  double intercept, intercept_stderr;
  double coef[64], coef_stderr[64]; /* full model, every feature */
  double rmse, loo_rmse, max_abs_error, r2;
  double *loo_errors;       /* nrows: y_i − prediction without row i
                               (malloc'd; free with the report) */
  int rank;                 /* numerical rank of the design matrix */
  int nsteps;
  nacre_fit_linear_step steps[64];
} nacre_fit_linear_report;

/* Fits every feature of d (at most 64) and the path of best subsets. */
nacre_status nacre_fit_linear(const nacre_fit_data *d,
                              const nacre_fit_linear_options *o,
                              nacre_fit_model **model,
                              nacre_fit_linear_report *rep, nacre_error *err);
void nacre_fit_linear_report_free(nacre_fit_linear_report *r);

#ifdef __cplusplus
}
#endif
#endif
