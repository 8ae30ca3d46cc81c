/* cmd_fit.c — `nacre fit sis|svc|rank|linear|predict`: learning simple
 * rules from a CSV table. The statistics live in src/fit; this file parses
 * options, calls the library and prints tables or JSON. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "nacre/fit.h"

#define CMD "fit"

static void help(void) {
  printf(
      "Usage: nacre fit ACTION [options] DATA.csv\n"
      "       nacre fit predict MODEL.json DATA.csv [--json] [-o PRED.csv] [--plot F.svg]\n"
      "\n"
      "Learns simple, readable rules from a table: a CSV file with a header\n"
      "line; the columns used must be numeric in every row.\n"
      "\n"
      "Actions:\n"
      "  sis      descriptor search (SISSO): from the primary features, build\n"
      "           every formula up to --rung operator levels, screen them by\n"
      "           correlation with the target (or, with --classify, by the\n"
      "           overlap of the class domains), and pick the best 1-, 2- and\n"
      "           3-term descriptors by exhaustive search over the screened ones\n"
      "  svc      support-vector classifier (libsvm C-SVC, linear or RBF) with\n"
      "           C and γ chosen by k-fold cross-validation\n"
      "  rank     ranking SVM (pairs of rows, linear): learns an order of the\n"
      "           target, e.g. energy above the hull; Kendall τ on held-out rows\n"
      "  linear   least squares on the feature columns (e.g. counts of blocks,\n"
      "           E = Σ c_i N_i), the best model for each number of terms with\n"
      "           its RMSE, and leave-one-out errors\n"
      "  predict  applies a model file to new rows: a 'predicted' column, and\n"
      "           the accuracy or RMSE where the table has the target column\n"
      "\n"
      "Options of every action:\n"
      "  --target COL            the column to learn (required but for predict)\n"
      "  --features A,B,...      feature columns (default: every numeric column\n"
      "                          but the target)\n"
      "  --units COL=U,...       units of features, e.g. rA=Å,rB=Å,nA=e: sis only\n"
      "                          builds dimensionally consistent formulas (a + b\n"
      "                          needs equal units, exp and log dimensionless\n"
      "                          arguments); unlisted columns are dimensionless\n"
      "  -o, --output PATH       model file (JSON; predict: CSV of predictions)\n"
      "  --plot FILE.svg         sis and predict: the model on the table (a 1-D\n"
      "                          classifier as the descriptor axis with the\n"
      "                          threshold, 2-D as the plane with the boundary,\n"
      "                          else predicted against the target)\n"
      "  --json                  machine-readable output on standard output\n"
      "  --seed S                seed of the folds, splits and pair samples\n"
      "                          (default 1)\n"
      "  --folds K               k-fold cross-validation (default 5; 0: none)\n"
      "  -j, --jobs N            threads (default: all cores)\n"
      "  -q, --quiet             only errors and the result\n"
      "  -v, --verbose           details on standard error\n"
      "  -h, --help              this text\n"
      "\n"
      "sis:\n"
      "  --classify              the target holds integer class labels\n"
      "  --score overlap|errors  classification score (default overlap): SISSO's\n"
      "                          count of samples where the class domains overlap\n"
      "                          (intervals in 1-D, convex hulls in 2-D; ties by\n"
      "                          overlap length), or the fewest samples whose\n"
      "                          removal separates the domains (the errors of the\n"
      "                          best threshold; Fisher direction in 2-D/3-D),\n"
      "                          ties broken by the overlap\n"
      "  --rung N                operator levels 0..3 (default 2)\n"
      "  --ops LIST              operators (default all): +,-,|-|,*,/,exp,log,\n"
      "                          sqrt,^2,^3,^-1\n"
      "  --deepen L              after the last rung, L levels of screened\n"
      "                          deepening (default 0: SISSO's space exactly):\n"
      "                          each training part's best S features take one\n"
      "                          more operator with the stored rungs or each\n"
      "                          other, and compete with the rest; reaches\n"
      "                          formulas deeper than the rungs allow\n"
      "  --max-complexity N      most operators in one formula (default: none)\n"
      "  --max-value V           drop features with |value| > V (default 1e10)\n"
      "  --dim D                 largest descriptor dimension 1..3 (default 2)\n"
      "  --sis-size S            features screened per dimension (default 100)\n"
      "  --max-memory GB         bound on the stored rungs (default 2)\n"
      "  --time-limit T          stop screening after T (90, 90s, 30m, 2h); the\n"
      "                          result says the space was not exhausted\n"
      "  --checkpoint FILE       write the search's state to FILE every minute,\n"
      "                          after each dimension, on Ctrl-C and at the time\n"
      "                          limit\n"
      "  --resume                continue from --checkpoint FILE (same data and\n"
      "                          settings; a difference is refused and named)\n"
      "  --top K                 screened features listed (default 10)\n"
      "\n"
      "  Memory: rungs below --rung are stored (8 bytes per row and feature);\n"
      "  the last rung is streamed: each formula is computed, scored and\n"
      "  forgotten unless it is among the best S. The bound printed (and in\n"
      "  --json memory_bound_gb) is 8·rows·(stored features) + 24 bytes per\n"
      "  stored feature + 48 bytes per candidate of the largest stored rung\n"
      "  while it is built + the lists of the best S per fold and thread + the\n"
      "  screened subspaces (doc/fit.md); it does not grow with the last rung.\n"
      "  Cross-validation repeats screening, ℓ0 and the fit on every training\n"
      "  part in the same pass (the error of the method); 'fixed' is the error\n"
      "  of the reported descriptor with only its predictor refitted per fold.\n"
      "  The 1-D classifier is a threshold; 2-D and 3-D a linear SVC. -o writes\n"
      "  the model of the largest dimension.\n"
      "\n"
      "svc:\n"
      "  --kernel linear|rbf     (default rbf)\n"
      "  --cost C1,C2,...        C values (default 0.1,1,10,100,1000)\n"
      "  --gamma G1,G2,...       RBF γ on the standardized features (default\n"
      "                          0.01,0.1,1,10 divided by the number of features)\n"
      "  --no-standardize        use the raw feature values (as svm-train does)\n"
      "  --tolerance E           libsvm's stopping tolerance (default 1e-3)\n"
      "  A linear SVC on two classes prints its boundary as an inequality\n"
      "  in the features' own units (like 0.203·t1 + t2 ≤ 0.322).\n"
      "\n"
      "rank:\n"
      "  --cost C                C of the linear SVM on pair differences\n"
      "                          (default 1)\n"
      "  --test-fraction F       rows held out for Kendall τ and the pairwise\n"
      "                          accuracy (default 0.25)\n"
      "  --max-pairs N           training pairs sampled (default 100000)\n"
      "  --min-gap G             skip pairs whose targets differ by less\n"
      "\n"
      "linear:\n"
      "  --intercept             fit a constant term too (default: E = Σ c_i N_i)\n"
      "  --max-terms N           longest model of the path (default: all)\n"
      "\n"
      "Examples:\n"
      "  nacre fit sis abx3.csv --target is_perovskite --classify --score errors \\\n"
      "      --features nA,nB,nX,rA,rB,rX --units rA=Å,rB=Å,rX=Å --rung 3 --dim 1 \\\n"
      "      --sis-size 200 -o tau.json\n"
      "  nacre fit predict tau.json new.csv --json\n"
      "  nacre fit svc nasicon.csv --target stable --features t1,t2 --kernel linear\n"
      "  nacre fit rank hull.csv --target e_above_hull_ev --features a,b,c\n"
      "  nacre fit linear blocks.csv --target energy_ev --features N1,N2,N3\n");
}

/* ---- shared pieces ------------------------------------------------------ */

typedef struct common {
  const char *target, *features, *units, *output, *plot;
  const char *inputs[2];
  int ninputs, json, quiet, verbose, jobs, folds, folds_set;
  uint64_t seed;
} common;

static int parse_duration(const char *text, double *seconds) {
  char *end;
  double v = strtod(text, &end);
  if (end == text || !isfinite(v) || v < 0) return -1;
  if (!*end || !strcmp(end, "s")) *seconds = v;
  else if (!strcmp(end, "m")) *seconds = 60 * v;
  else if (!strcmp(end, "h")) *seconds = 3600 * v;
  else return -1;
  return 0;
}

/* Options every action knows. Returns 1 when `a` was one of them (k may
 * advance past its value), 0 when not, and sets *rc on a usage error. */
static int common_option(common *c, int argc, char **argv, int *k, int *rc) {
  const char *a = argv[*k], *v = *k + 1 < argc ? argv[*k + 1] : NULL;
  int needs = !strcmp(a, "--target") || !strcmp(a, "--features") || !strcmp(a, "--units") ||
              !strcmp(a, "--plot") ||
              !strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--seed") ||
              !strcmp(a, "--folds") || !strcmp(a, "-j") || !strcmp(a, "--jobs") ||
              !strcmp(a, "--threads");
  if (needs && !v) {
    *rc = cli_usage(CMD, "%s needs a value", a);
    return 1;
  }
  if (!strcmp(a, "--target")) c->target = v;
  else if (!strcmp(a, "--features")) c->features = v;
  else if (!strcmp(a, "--units")) c->units = v;
  else if (!strcmp(a, "-o") || !strcmp(a, "--output")) c->output = v;
  else if (!strcmp(a, "--plot")) c->plot = v;
  else if (!strcmp(a, "--seed")) {
    int s;
    if (cli_parse_int(CMD, a, v, &s) || s < 0) *rc = CLI_USAGE;
    c->seed = (uint64_t)s;
  } else if (!strcmp(a, "--folds")) {
    if (cli_parse_int(CMD, a, v, &c->folds) || c->folds < 0 || c->folds == 1)
      *rc = cli_usage(CMD, "--folds is 0 (none) or at least 2, got '%s'", v);
    c->folds_set = 1;
  } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs") || !strcmp(a, "--threads")) {
    if (cli_parse_int(CMD, a, v, &c->jobs) || c->jobs < 1)
      *rc = cli_usage(CMD, "%s expects a positive number of threads, got '%s'", a, v);
  } else if (!strcmp(a, "--json")) c->json = 1;
  else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) c->quiet = 1;
  else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) c->verbose = 1;
  else if (a[0] == '-' && a[1]) return 0;
  else if (c->ninputs < 2) c->inputs[c->ninputs++] = a;
  else *rc = cli_usage(CMD, "unexpected argument '%s'", a);
  if (needs) (*k)++;
  return 1;
}

static int load(const common *c, int classify, nacre_fit_data **d) {
  nacre_error err;
  nacre_error_clear(&err);
  nacre_table *t = NULL;
  if (nacre_table_read(c->inputs[0], &t, &err)) return cli_fail(CMD, &err);
  nacre_status st = nacre_fit_data_from_table(t, c->features, c->target, c->units, classify,
                                              d, &err);
  nacre_table_free(t);
  return st ? cli_fail(CMD, &err) : CLI_OK;
}

static void print_json(cJSON *o) {
  char *txt = cJSON_Print(o);
  printf("%s\n", txt);
  free(txt);
  cJSON_Delete(o);
}

static cJSON *strings_json(int n, char *const *s) {
  cJSON *a = cJSON_CreateArray();
  for (int k = 0; k < n; k++) cJSON_AddItemToArray(a, cJSON_CreateString(s[k]));
  return a;
}

static cJSON *numbers_json(int n, const double *v) {
  cJSON *a = cJSON_CreateArray();
  for (int k = 0; k < n; k++) cJSON_AddItemToArray(a, cJSON_CreateNumber(v[k]));
  return a;
}

static void add_number(cJSON *o, const char *key, double v) {
  if (isfinite(v)) cJSON_AddNumberToObject(o, key, v);
  else cJSON_AddNullToObject(o, key);
}

static int write_model(const common *c, const nacre_fit_model *m) {
  if (!c->output || !m) return CLI_OK;
  nacre_error err;
  nacre_error_clear(&err);
  if (nacre_fit_model_write(m, c->output, &err)) return cli_fail(CMD, &err);
  if (!c->quiet && !c->json) printf("model written to %s\n", c->output);
  return CLI_OK;
}

static int write_plot(const common *c, const nacre_fit_model *m, const char *table_path) {
  if (!c->plot || !m) return CLI_OK;
  nacre_error err;
  nacre_error_clear(&err);
  nacre_table *t = NULL;
  if (nacre_table_read(table_path, &t, &err) || nacre_fit_model_plot(m, t, c->plot, &err)) {
    nacre_table_free(t);
    return cli_fail(CMD, &err);
  }
  nacre_table_free(t);
  if (!c->quiet && !c->json) printf("figure written to %s\n", c->plot);
  return CLI_OK;
}

/* ---- sis ------------------------------------------------------------------ */

typedef struct progress_state {
  int quiet, tty;
  double last;
} progress_state;

static void on_progress(void *user, const nacre_fit_progress *p) {
  progress_state *ps = user;
  if (ps->quiet || (!ps->tty && p->elapsed_s - ps->last < 10)) return;
  ps->last = p->elapsed_s;
  fprintf(stderr, "%sdimension %d: %.3g of %.3g formulas (%.0f %%), %.3g per s, %.0f s%s",
          ps->tty ? "\r" : "", p->pass, (double)p->done, (double)p->total,
          100.0 * p->done / (p->total > 0 ? p->total : 1), p->features_per_s, p->elapsed_s,
          ps->tty ? "   " : "\n");
  fflush(stderr);
}

static const char *score_text(const nacre_fit_sis_options *o, const double *s, char *buf,
                              size_t len) {
  if (o->task == NACRE_FIT_REGRESSION) snprintf(buf, len, "|r| %.6f", -s[0]);
  else if (o->class_score == NACRE_FIT_SCORE_OVERLAP)
    snprintf(buf, len, "overlap %g (%.4g)", s[0], s[1]);
  else snprintf(buf, len, "errors %g, overlap %g", s[0], s[1]);
  return buf;
}

static void sis_print_table(const nacre_fit_data *d, const nacre_fit_sis_options *o,
                            const nacre_fit_sis_result *r, int top) {
  const int cls = o->task == NACRE_FIT_CLASSIFICATION;
  printf("%d rows, %d primary features, rung %d:", d->nrows, d->nfeatures, o->rung);
  for (int g = 0; g < o->rung && g < 4; g++) printf(" Φ%d %lld", g, r->stored_per_rung[g]);
  printf(" stored\n");
  printf("%.4g formulas examined (%.4g valid), %.3g per second; %.1f s wall, %.1f s CPU; "
         "memory bound %.3f GB%s\n",
         (double)r->candidates, (double)r->valid, r->features_per_s, r->wall_s, r->cpu_s,
         r->memory_bound_bytes / 1e9,
         r->complete ? "" : "\nthe time limit cut the screening: the space was not exhausted");
  printf("\n%-4s %-12s %-12s %-12s descriptor\n", "dim", cls ? "train acc." : "train RMSE",
         cls ? "CV acc." : "CV RMSE", "CV fixed");
  for (int k = 0; k < r->ndims; k++) {
    const nacre_fit_sis_dim *dm = &r->dims[k];
    double e[3] = {dm->train_error, dm->cv_error, dm->cv_error_fixed};
    printf("%-4d", dm->dim);
    for (int j = 0; j < 3; j++) {
      char cell[32];
      if (!isfinite(e[j])) snprintf(cell, sizeof cell, "-");
      else if (cls) snprintf(cell, sizeof cell, "%.2f %%", 100 * (1 - e[j]));
      else snprintf(cell, sizeof cell, "%.5g", e[j]);
      printf(" %-12s", cell);
    }
    printf(" ");
    for (int j = 0; j < dm->dim; j++)
      printf("%s%s", j ? " ; " : "", nacre_fit_model_descriptor(dm->model, j));
    char rule[4096];
    nacre_fit_model_rule(dm->model, rule, sizeof rule);
    printf("\n     rule: %s\n", rule);
  }
  if (top > 0 && r->nsubspace) {
    char sb[128];
    printf("\nbest screened features (dimension 1 pass first):\n");
    for (int k = 0; k < r->nsubspace && k < top; k++)
      printf("%4d  %-28s %s\n", k + 1, score_text(o, r->subspace[k].score, sb, sizeof sb),
             r->subspace[k].formula);
  }
}

static void sis_print_json(const nacre_fit_data *d, const nacre_fit_sis_options *o,
                           const nacre_fit_sis_result *r, int top) {
  const int cls = o->task == NACRE_FIT_CLASSIFICATION;
  cJSON *j = cJSON_CreateObject();
  cJSON_AddNumberToObject(j, "rows", d->nrows);
  cJSON_AddItemToObject(j, "features", strings_json(d->nfeatures, d->names));
  cJSON_AddStringToObject(j, "target", d->target);
  cJSON_AddStringToObject(j, "task", cls ? "classification" : "regression");
  if (cls)
    cJSON_AddStringToObject(j, "score",
                            o->class_score == NACRE_FIT_SCORE_OVERLAP ? "overlap" : "errors");
  cJSON_AddNumberToObject(j, "rung", o->rung);
  cJSON_AddNumberToObject(j, "deepen", o->deepen);
  char ops[128];
  nacre_fit_ops_format(o->ops, ops, sizeof ops);
  cJSON_AddStringToObject(j, "ops", ops);
  cJSON_AddNumberToObject(j, "sis_size", o->sis_size);
  cJSON_AddNumberToObject(j, "folds", r->nfolds);
  double stored[4];
  for (int g = 0; g < 4; g++) stored[g] = (double)r->stored_per_rung[g];
  cJSON_AddItemToObject(j, "stored_per_rung", numbers_json(o->rung < 4 ? o->rung : 4, stored));
  cJSON_AddNumberToObject(j, "candidates", (double)r->candidates);
  cJSON_AddNumberToObject(j, "valid", (double)r->valid);
  cJSON_AddNumberToObject(j, "features_per_s", r->features_per_s);
  cJSON_AddNumberToObject(j, "memory_bound_gb", r->memory_bound_bytes / 1e9);
  cJSON_AddNumberToObject(j, "wall_s", r->wall_s);
  cJSON_AddNumberToObject(j, "cpu_s", r->cpu_s);
  cJSON_AddBoolToObject(j, "complete", r->complete);
  cJSON *dims = cJSON_AddArrayToObject(j, "dimensions");
  for (int k = 0; k < r->ndims; k++) {
    const nacre_fit_sis_dim *dm = &r->dims[k];
    cJSON *o1 = cJSON_CreateObject();
    cJSON_AddNumberToObject(o1, "dim", dm->dim);
    cJSON *ds = cJSON_AddArrayToObject(o1, "descriptors");
    for (int i = 0; i < dm->dim; i++)
      cJSON_AddItemToArray(ds, cJSON_CreateString(nacre_fit_model_descriptor(dm->model, i)));
    char rule[4096];
    nacre_fit_model_rule(dm->model, rule, sizeof rule);
    cJSON_AddStringToObject(o1, "rule", rule);
    cJSON_AddItemToObject(o1, "score", numbers_json(3, dm->score));
    if (cls) {
      add_number(o1, "train_accuracy", 1 - dm->train_error);
      add_number(o1, "cv_accuracy", 1 - dm->cv_error);
      add_number(o1, "cv_accuracy_fixed_descriptor", 1 - dm->cv_error_fixed);
    } else {
      add_number(o1, "train_rmse", dm->train_error);
      add_number(o1, "train_max_abs_error", dm->train_max_abs_error);
      add_number(o1, "cv_rmse", dm->cv_error);
      add_number(o1, "cv_rmse_fixed_descriptor", dm->cv_error_fixed);
    }
    char *mj = nacre_fit_model_json(dm->model);
    cJSON *mo = mj ? cJSON_Parse(mj) : NULL;
    free(mj);
    if (mo) cJSON_AddItemToObject(o1, "model", mo);
    cJSON_AddItemToArray(dims, o1);
  }
  cJSON *sub = cJSON_AddArrayToObject(j, "subspace");
  for (int k = 0; k < r->nsubspace && k < top; k++) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "formula", r->subspace[k].formula);
    cJSON_AddItemToObject(f, "score", numbers_json(3, r->subspace[k].score));
    cJSON_AddNumberToObject(f, "complexity", r->subspace[k].complexity);
    cJSON_AddItemToArray(sub, f);
  }
  print_json(j);
}

static int run_sis(int argc, char **argv) {
  common c = {0};
  c.folds = 5;
  c.seed = 1;
  nacre_fit_sis_options o;
  nacre_fit_sis_options_init(&o);
  int rc = CLI_OK, top = 10;
  for (int k = 2; k < argc && rc == CLI_OK; k++) {
    if (common_option(&c, argc, argv, &k, &rc)) continue;
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return CLI_OK;
    } else if (!strcmp(a, "--classify")) {
      o.task = NACRE_FIT_CLASSIFICATION;
    } else if (!strcmp(a, "--score")) {
      CLI_NEED_VALUE(CMD);
      if (!strcmp(v, "overlap")) o.class_score = NACRE_FIT_SCORE_OVERLAP;
      else if (!strcmp(v, "errors")) o.class_score = NACRE_FIT_SCORE_ERRORS;
      else rc = cli_usage(CMD, "--score is overlap or errors, got '%s'", v);
    } else if (!strcmp(a, "--rung")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_int(CMD, a, v, &o.rung) || o.rung < 0 || o.rung > 3)
        rc = cli_usage(CMD, "--rung is 0 to 3, got '%s'", v);
    } else if (!strcmp(a, "--ops")) {
      CLI_NEED_VALUE(CMD);
      nacre_error err;
      if (nacre_fit_ops_parse(v, &o.ops, &err)) rc = cli_usage(CMD, "--ops: %s", err.message);
    } else if (!strcmp(a, "--deepen")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_int(CMD, a, v, &o.deepen) || o.deepen < 0 || o.deepen > 8)
        rc = cli_usage(CMD, "--deepen is 0 to 8 levels, got '%s'", v);
    } else if (!strcmp(a, "--max-complexity")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_int(CMD, a, v, &o.max_complexity) || o.max_complexity < 0) rc = CLI_USAGE;
    } else if (!strcmp(a, "--max-value")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o.max_abs_value) || o.max_abs_value <= 0) rc = CLI_USAGE;
    } else if (!strcmp(a, "--dim")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_int(CMD, a, v, &o.dim) || o.dim < 1 || o.dim > 3)
        rc = cli_usage(CMD, "--dim is 1 to 3, got '%s'", v);
    } else if (!strcmp(a, "--sis-size")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_int(CMD, a, v, &o.sis_size) || o.sis_size < 1)
        rc = cli_usage(CMD, "--sis-size expects a positive integer, got '%s'", v);
    } else if (!strcmp(a, "--max-memory")) {
      CLI_NEED_VALUE(CMD);
      double gb;
      if (cli_parse_double(CMD, a, v, &gb) || gb <= 0) rc = CLI_USAGE;
      o.max_memory_bytes = gb * 1e9;
    } else if (!strcmp(a, "--time-limit")) {
      CLI_NEED_VALUE(CMD);
      if (parse_duration(v, &o.time_limit_s))
        rc = cli_usage(CMD, "--time-limit expects e.g. 90, 90s, 30m, 2h, got '%s'", v);
    } else if (!strcmp(a, "--checkpoint")) {
      CLI_NEED_VALUE(CMD);
      o.checkpoint_path = v;
    } else if (!strcmp(a, "--resume")) {
      o.resume = 1;
    } else if (!strcmp(a, "--top")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_int(CMD, a, v, &top) || top < 0) rc = CLI_USAGE;
    } else {
      rc = cli_usage(CMD, "unknown option '%s' for sis", a);
    }
  }
  if (rc != CLI_OK) return rc;
  if (c.ninputs != 1) return cli_usage(CMD, "sis takes one DATA.csv");
  if (!c.target) return cli_usage(CMD, "sis needs --target COL");
  if (o.resume && !o.checkpoint_path) return cli_usage(CMD, "--resume needs --checkpoint FILE");
  o.folds = c.folds;
  o.seed = c.seed;
  nacre_fit_data *d = NULL;
  if ((rc = load(&c, o.task == NACRE_FIT_CLASSIFICATION, &d))) return rc;
  nacre_ctx ctx;
  cli_ctx_init(&ctx, c.verbose);
  ctx.nthreads = c.jobs;
  cli_catch_interrupts(&ctx, 1);
  progress_state ps = {c.quiet, isatty(STDERR_FILENO), 0};
  o.progress = on_progress;
  o.progress_user = &ps;
  nacre_fit_sis_result r;
  nacre_error err;
  nacre_error_clear(&err);
  nacre_status st = nacre_fit_sis(d, &o, &ctx, &r, &err);
  if (!c.quiet && ps.tty && ps.last > 0) fputc('\n', stderr);
  cli_catch_interrupts(&ctx, 0);
  if (st) {
    nacre_fit_data_free(d);
    return cli_fail(CMD, &err);
  }
  if (c.json) sis_print_json(d, &o, &r, top);
  else sis_print_table(d, &o, &r, top);
  rc = write_model(&c, r.ndims ? r.dims[r.ndims - 1].model : NULL);
  if (rc == CLI_OK) rc = write_plot(&c, r.ndims ? r.dims[r.ndims - 1].model : NULL, c.inputs[0]);
  nacre_fit_sis_result_free(&r);
  nacre_fit_data_free(d);
  return rc;
}

/* ---- svc ------------------------------------------------------------------ */

static int parse_grid(const char *opt, const char *text, double *out, int *n) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", text);
  *n = 0;
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (*n == NACRE_FIT_GRID_MAX || cli_parse_double(CMD, opt, t, &out[*n]) || out[*n] <= 0)
      return cli_usage(CMD, "%s expects up to %d positive numbers, got '%s'", opt,
                       NACRE_FIT_GRID_MAX, text);
    (*n)++;
  }
  return *n ? CLI_OK : cli_usage(CMD, "%s needs at least one value", opt);
}

static void svc_print(const nacre_fit_data *d, const nacre_fit_svc_options *o,
                      const nacre_fit_svc_report *rep, const nacre_fit_model *m, int json) {
  char rule[4096];
  nacre_fit_model_rule(m, rule, sizeof rule);
  if (json) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "rows", d->nrows);
    cJSON_AddItemToObject(j, "features", strings_json(d->nfeatures, d->names));
    cJSON_AddStringToObject(j, "target", d->target);
    cJSON_AddStringToObject(j, "kernel", o->kernel == NACRE_FIT_KERNEL_RBF ? "rbf" : "linear");
    cJSON_AddNumberToObject(j, "cost", rep->cost);
    if (o->kernel == NACRE_FIT_KERNEL_RBF) cJSON_AddNumberToObject(j, "gamma", rep->gamma);
    add_number(j, "cv_accuracy", rep->cv_accuracy);
    cJSON_AddNumberToObject(j, "folds", o->folds);
    cJSON_AddNumberToObject(j, "train_accuracy", rep->train_accuracy);
    cJSON_AddNumberToObject(j, "support_vectors", rep->nsupport);
    cJSON_AddStringToObject(j, "rule", rule);
    if (rep->has_boundary) {
      cJSON *b = cJSON_AddObjectToObject(j, "boundary");
      cJSON_AddItemToObject(b, "weights", numbers_json(d->nfeatures, rep->boundary_w));
      cJSON_AddNumberToObject(b, "bias", rep->boundary_b);
    }
    cJSON *g = cJSON_AddArrayToObject(j, "grid");
    for (int k = 0; k < rep->ngrid; k++) {
      cJSON *e = cJSON_CreateObject();
      cJSON_AddNumberToObject(e, "cost", rep->grid_cost[k]);
      if (o->kernel == NACRE_FIT_KERNEL_RBF) cJSON_AddNumberToObject(e, "gamma", rep->grid_gamma[k]);
      add_number(e, "cv_accuracy", rep->grid_cv_accuracy[k]);
      cJSON_AddItemToArray(g, e);
    }
    print_json(j);
    return;
  }
  printf("%d rows, %d features, %s kernel\n", d->nrows, d->nfeatures,
         o->kernel == NACRE_FIT_KERNEL_RBF ? "RBF" : "linear");
  if (rep->ngrid > 1) {
    printf("%-10s %-10s %s\n", "C", o->kernel == NACRE_FIT_KERNEL_RBF ? "gamma" : "", "CV acc.");
    for (int k = 0; k < rep->ngrid; k++)
      printf("%-10g %-10s %.2f %%\n", rep->grid_cost[k], "", 100 * rep->grid_cv_accuracy[k]);
  }
  printf("chosen C %g", rep->cost);
  if (o->kernel == NACRE_FIT_KERNEL_RBF) printf(", gamma %g", rep->gamma);
  printf("; %d-fold CV accuracy %.2f %%, training accuracy %.2f %%, %d support vectors\n",
         o->folds, 100 * rep->cv_accuracy, 100 * rep->train_accuracy, rep->nsupport);
  printf("rule: %s\n", rule);
}

static int run_svc(int argc, char **argv) {
  common c = {0};
  c.folds = 5;
  c.seed = 1;
  nacre_fit_svc_options o;
  nacre_fit_svc_options_init(&o);
  int rc = CLI_OK;
  for (int k = 2; k < argc && rc == CLI_OK; k++) {
    if (common_option(&c, argc, argv, &k, &rc)) continue;
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return CLI_OK;
    } else if (!strcmp(a, "--kernel")) {
      CLI_NEED_VALUE(CMD);
      if (!strcmp(v, "linear")) o.kernel = NACRE_FIT_KERNEL_LINEAR;
      else if (!strcmp(v, "rbf")) o.kernel = NACRE_FIT_KERNEL_RBF;
      else rc = cli_usage(CMD, "--kernel is linear or rbf, got '%s'", v);
    } else if (!strcmp(a, "--cost")) {
      CLI_NEED_VALUE(CMD);
      rc = parse_grid(a, v, o.cost, &o.ncost);
    } else if (!strcmp(a, "--gamma")) {
      CLI_NEED_VALUE(CMD);
      rc = parse_grid(a, v, o.gamma, &o.ngamma);
      o.gamma_per_feature = 0;
    } else if (!strcmp(a, "--no-standardize")) {
      o.standardize = 0;
    } else if (!strcmp(a, "--tolerance")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o.tolerance) || o.tolerance <= 0) rc = CLI_USAGE;
    } else {
      rc = cli_usage(CMD, "unknown option '%s' for svc", a);
    }
  }
  if (rc != CLI_OK) return rc;
  if (c.ninputs != 1) return cli_usage(CMD, "svc takes one DATA.csv");
  if (!c.target) return cli_usage(CMD, "svc needs --target COL");
  o.folds = c.folds;
  o.seed = c.seed;
  nacre_fit_data *d = NULL;
  if ((rc = load(&c, 1, &d))) return rc;
  nacre_ctx ctx;
  cli_ctx_init(&ctx, c.verbose);
  ctx.nthreads = c.jobs;
  nacre_fit_model *m = NULL;
  nacre_fit_svc_report rep;
  nacre_error err;
  nacre_error_clear(&err);
  if (nacre_fit_svc(d, &o, &ctx, &m, &rep, &err)) {
    nacre_fit_data_free(d);
    return cli_fail(CMD, &err);
  }
  svc_print(d, &o, &rep, m, c.json);
  rc = write_model(&c, m);
  nacre_fit_model_free(m);
  nacre_fit_data_free(d);
  return rc;
}

/* ---- rank ------------------------------------------------------------------ */

static int run_rank(int argc, char **argv) {
  common c = {0};
  c.seed = 1;
  nacre_fit_rank_options o;
  nacre_fit_rank_options_init(&o);
  int rc = CLI_OK;
  for (int k = 2; k < argc && rc == CLI_OK; k++) {
    if (common_option(&c, argc, argv, &k, &rc)) continue;
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return CLI_OK;
    } else if (!strcmp(a, "--cost")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o.cost) || o.cost <= 0) rc = CLI_USAGE;
    } else if (!strcmp(a, "--test-fraction")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o.test_fraction) || o.test_fraction < 0 ||
          o.test_fraction >= 1)
        rc = cli_usage(CMD, "--test-fraction is in [0, 1), got '%s'", v);
    } else if (!strcmp(a, "--max-pairs")) {
      CLI_NEED_VALUE(CMD);
      int p;
      if (cli_parse_int(CMD, a, v, &p) || p < 1) rc = CLI_USAGE;
      o.max_pairs = p;
    } else if (!strcmp(a, "--min-gap")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o.min_gap) || o.min_gap < 0) rc = CLI_USAGE;
    } else {
      rc = cli_usage(CMD, "unknown option '%s' for rank", a);
    }
  }
  if (rc != CLI_OK) return rc;
  if (c.ninputs != 1) return cli_usage(CMD, "rank takes one DATA.csv");
  if (!c.target) return cli_usage(CMD, "rank needs --target COL");
  if (c.folds_set) return cli_usage(CMD, "rank holds out --test-fraction; --folds does not apply");
  o.seed = c.seed;
  nacre_fit_data *d = NULL;
  if ((rc = load(&c, 0, &d))) return rc;
  nacre_ctx ctx;
  cli_ctx_init(&ctx, c.verbose);
  ctx.nthreads = c.jobs;
  nacre_fit_model *m = NULL;
  nacre_fit_rank_report rep;
  nacre_error err;
  nacre_error_clear(&err);
  if (nacre_fit_rank(d, &o, &ctx, &m, &rep, &err)) {
    nacre_fit_data_free(d);
    return cli_fail(CMD, &err);
  }
  char rule[4096];
  nacre_fit_model_rule(m, rule, sizeof rule);
  if (c.json) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "rows", d->nrows);
    cJSON_AddItemToObject(j, "features", strings_json(d->nfeatures, d->names));
    cJSON_AddStringToObject(j, "target", d->target);
    cJSON_AddNumberToObject(j, "train_rows", rep.ntrain);
    cJSON_AddNumberToObject(j, "test_rows", rep.ntest);
    cJSON_AddNumberToObject(j, "pairs", (double)rep.npairs);
    add_number(j, "train_kendall_tau", rep.train_kendall_tau);
    add_number(j, "train_pairwise_accuracy", rep.train_pairwise_accuracy);
    add_number(j, "test_kendall_tau", rep.test_kendall_tau);
    add_number(j, "test_pairwise_accuracy", rep.test_pairwise_accuracy);
    cJSON_AddStringToObject(j, "rule", rule);
    print_json(j);
  } else {
    printf("%d rows (%d training, %d held out), %d features, %ld training pairs\n", d->nrows,
           rep.ntrain, rep.ntest, d->nfeatures, rep.npairs);
    printf("Kendall τ: training %.4f, held out %.4f\n", rep.train_kendall_tau,
           rep.test_kendall_tau);
    printf("pairs in the right order: training %.2f %%, held out %.2f %%\n",
           100 * rep.train_pairwise_accuracy, 100 * rep.test_pairwise_accuracy);
    printf("rule: %s\n", rule);
  }
  rc = write_model(&c, m);
  nacre_fit_model_free(m);
  nacre_fit_data_free(d);
  return rc;
}

/* ---- linear ----------------------------------------------------------------- */

static void linear_print(const nacre_fit_data *d, const nacre_fit_linear_options *o,
                         const nacre_fit_linear_report *rep, const nacre_fit_model *m,
                         int json) {
  char rule[4096];
  nacre_fit_model_rule(m, rule, sizeof rule);
  if (json) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "rows", d->nrows);
    cJSON_AddItemToObject(j, "features", strings_json(d->nfeatures, d->names));
    cJSON_AddStringToObject(j, "target", d->target);
    cJSON_AddBoolToObject(j, "intercept", o->intercept);
    if (o->intercept) {
      cJSON_AddNumberToObject(j, "intercept_value", rep->intercept);
      add_number(j, "intercept_stderr", rep->intercept_stderr);
    }
    cJSON_AddItemToObject(j, "coefficients", numbers_json(d->nfeatures, rep->coef));
    cJSON *se = cJSON_AddArrayToObject(j, "coefficients_stderr");
    for (int k = 0; k < d->nfeatures; k++)
      cJSON_AddItemToArray(se, isfinite(rep->coef_stderr[k]) ? cJSON_CreateNumber(rep->coef_stderr[k])
                                                              : cJSON_CreateNull());
    cJSON_AddNumberToObject(j, "rank", rep->rank);
    cJSON_AddNumberToObject(j, "train_rmse", rep->rmse);
    add_number(j, "loo_rmse", rep->loo_rmse);
    cJSON_AddNumberToObject(j, "train_max_abs_error", rep->max_abs_error);
    add_number(j, "r2", rep->r2);
    cJSON *le = cJSON_AddArrayToObject(j, "loo_errors");
    for (int i = 0; i < d->nrows; i++)
      cJSON_AddItemToArray(le, isfinite(rep->loo_errors[i]) ? cJSON_CreateNumber(rep->loo_errors[i])
                                                            : cJSON_CreateNull());
    cJSON *path = cJSON_AddArrayToObject(j, "path");
    for (int s = 0; s < rep->nsteps; s++) {
      const nacre_fit_linear_step *st = &rep->steps[s];
      cJSON *e = cJSON_CreateObject();
      cJSON_AddNumberToObject(e, "terms", st->nterms);
      cJSON *names = cJSON_AddArrayToObject(e, "features");
      for (int t = 0; t < st->nterms; t++)
        cJSON_AddItemToArray(names, cJSON_CreateString(d->names[st->terms[t]]));
      cJSON_AddNumberToObject(e, "train_rmse", st->rmse);
      add_number(e, "loo_rmse", st->loo_rmse);
      cJSON_AddBoolToObject(e, "exhaustive", st->exhaustive);
      cJSON_AddItemToArray(path, e);
    }
    cJSON_AddStringToObject(j, "rule", rule);
    print_json(j);
    return;
  }
  printf("%d rows, %d features%s; rank %d\n", d->nrows, d->nfeatures,
         o->intercept ? " and an intercept" : "", rep->rank);
  printf("%-24s %16s %14s\n", "term", "coefficient", "std. error");
  if (o->intercept) printf("%-24s %16.8g %14.4g\n", "(intercept)", rep->intercept, rep->intercept_stderr);
  for (int k = 0; k < d->nfeatures; k++)
    printf("%-24s %16.8g %14.4g\n", d->names[k], rep->coef[k], rep->coef_stderr[k]);
  printf("RMSE %.6g, leave-one-out RMSE %.6g, max |error| %.6g, R² %.6f\n", rep->rmse,
         rep->loo_rmse, rep->max_abs_error, rep->r2);
  printf("\nbest model for each number of terms:\n%-6s %-14s %-14s %s\n", "terms", "RMSE",
         "LOO RMSE", "features");
  for (int s = 0; s < rep->nsteps; s++) {
    const nacre_fit_linear_step *st = &rep->steps[s];
    printf("%-6d %-14.6g %-14.6g", st->nterms, st->rmse, st->loo_rmse);
    for (int t = 0; t < st->nterms; t++) printf("%s%s", t ? "," : "", d->names[st->terms[t]]);
    printf("%s\n", st->exhaustive ? "" : "  (forward step)");
  }
  printf("rule: %s\n", rule);
}

static int run_linear(int argc, char **argv) {
  common c = {0};
  nacre_fit_linear_options o;
  nacre_fit_linear_options_init(&o);
  int rc = CLI_OK;
  for (int k = 2; k < argc && rc == CLI_OK; k++) {
    if (common_option(&c, argc, argv, &k, &rc)) continue;
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return CLI_OK;
    } else if (!strcmp(a, "--intercept")) {
      o.intercept = 1;
    } else if (!strcmp(a, "--max-terms")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_int(CMD, a, v, &o.max_terms) || o.max_terms < 1) rc = CLI_USAGE;
    } else {
      rc = cli_usage(CMD, "unknown option '%s' for linear", a);
    }
  }
  if (rc != CLI_OK) return rc;
  if (c.ninputs != 1) return cli_usage(CMD, "linear takes one DATA.csv");
  if (!c.target) return cli_usage(CMD, "linear needs --target COL");
  nacre_fit_data *d = NULL;
  if ((rc = load(&c, 0, &d))) return rc;
  nacre_fit_model *m = NULL;
  nacre_fit_linear_report rep;
  nacre_error err;
  nacre_error_clear(&err);
  if (nacre_fit_linear(d, &o, &m, &rep, &err)) {
    nacre_fit_data_free(d);
    return cli_fail(CMD, &err);
  }
  linear_print(d, &o, &rep, m, c.json);
  rc = write_model(&c, m);
  nacre_fit_linear_report_free(&rep);
  nacre_fit_model_free(m);
  nacre_fit_data_free(d);
  return rc;
}

/* ---- predict ---------------------------------------------------------------- */

static int write_predictions(const char *path, const nacre_table *t, const double *pred,
                             nacre_error *err) {
  /* a regular file is replaced atomically; /dev/stdout or a pipe is
   * written in place (renaming over it would replace it) */
  struct stat sb;
  int special = stat(path, &sb) == 0 && !S_ISREG(sb.st_mode);
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(special ? path : tmp, "w");
  if (!f) return nacre_error_set(err, NACRE_ERR_IO, "cannot write %s", path);
  const int nc = nacre_table_columns(t);
  for (int c = 0; c < nc; c++) fprintf(f, "%s,", nacre_table_name(t, c));
  fprintf(f, "predicted\n");
  for (int i = 0; i < nacre_table_rows(t); i++) {
    for (int c = 0; c < nc; c++) {
      const char *cell = nacre_table_cell(t, i, c);
      if (strpbrk(cell, ",\"")) {
        fputc('"', f);
        for (const char *p = cell; *p; p++) fprintf(f, *p == '"' ? "\"\"" : "%c", *p);
        fputs("\",", f);
      } else {
        fprintf(f, "%s,", cell);
      }
    }
    fprintf(f, "%.17g\n", pred[i]);
  }
  if (fclose(f) || (!special && rename(tmp, path))) {
    if (!special) unlink(tmp);
    return nacre_error_set(err, NACRE_ERR_IO, "cannot write %s", path);
  }
  return NACRE_OK;
}

static int run_predict(int argc, char **argv) {
  common c = {0};
  int rc = CLI_OK;
  for (int k = 2; k < argc && rc == CLI_OK; k++) {
    if (common_option(&c, argc, argv, &k, &rc)) continue;
    const char *a = argv[k];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return CLI_OK;
    }
    rc = cli_usage(CMD, "unknown option '%s' for predict", a);
  }
  if (rc != CLI_OK) return rc;
  if (c.ninputs != 2) return cli_usage(CMD, "predict takes MODEL.json DATA.csv");
  nacre_error err;
  nacre_error_clear(&err);
  nacre_fit_model *m = NULL;
  nacre_table *t = NULL;
  if (nacre_fit_model_read(c.inputs[0], &m, &err)) return cli_fail(CMD, &err);
  if (nacre_table_read(c.inputs[1], &t, &err)) {
    nacre_fit_model_free(m);
    return cli_fail(CMD, &err);
  }
  const int n = nacre_table_rows(t);
  double *pred = malloc(((size_t)n + 1) * sizeof *pred);
  nacre_fit_eval ev;
  int has_target = 0;
  if (!pred) nacre_error_set(&err, NACRE_ERR_NOMEM, "out of memory");
  if (!pred || nacre_fit_model_predict(m, t, pred, &ev, &has_target, &err)) {
    rc = cli_fail(CMD, &err);
    goto done;
  }
  if (c.output && write_predictions(c.output, t, pred, &err)) {
    rc = cli_fail(CMD, &err);
    goto done;
  }
  const char *target = nacre_fit_model_target(m);
  if (c.json) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "rows", n);
    cJSON_AddItemToObject(j, "predicted", numbers_json(n, pred));
    if (has_target) {
      cJSON_AddStringToObject(j, "target", target);
      if (ev.classification) {
        cJSON_AddNumberToObject(j, "accuracy", ev.accuracy);
        cJSON_AddNumberToObject(j, "errors", ev.errors);
      } else if (nacre_fit_model_predictor(m) == NACRE_FIT_PREDICT_RANK) {
        add_number(j, "kendall_tau", ev.kendall_tau);
        add_number(j, "pairwise_accuracy", ev.pairwise_accuracy);
      } else {
        add_number(j, "rmse", ev.rmse);
        add_number(j, "mae", ev.mae);
        add_number(j, "max_abs_error", ev.max_abs_error);
        add_number(j, "r2", ev.r2);
      }
    }
    print_json(j);
  } else {
    if (!c.output) {
      printf("%-6s %s\n", "line", "predicted");
      for (int i = 0; i < n; i++) printf("%-6d %.10g\n", nacre_table_line(t, i), pred[i]);
    }
    if (has_target && ev.classification)
      printf("accuracy %.2f %% (%d of %d rows misclassified) against '%s'\n",
             100 * ev.accuracy, ev.errors, n, target);
    else if (has_target && nacre_fit_model_predictor(m) == NACRE_FIT_PREDICT_RANK)
      printf("Kendall τ %.4f, pairs in the right order %.2f %% against '%s'\n", ev.kendall_tau,
             100 * ev.pairwise_accuracy, target);
    else if (has_target)
      printf("RMSE %.6g, MAE %.6g, max |error| %.6g, R² %.6f against '%s'\n", ev.rmse, ev.mae,
             ev.max_abs_error, ev.r2, target);
    if (c.output && !c.quiet) printf("predictions written to %s\n", c.output);
  }
  if (c.plot && nacre_fit_model_plot(m, t, c.plot, &err)) rc = cli_fail(CMD, &err);
done:
  free(pred);
  nacre_table_free(t);
  nacre_fit_model_free(m);
  return rc;
}

static int run(int argc, char **argv) {
  if (argc < 2) {
    help();
    return CLI_USAGE;
  }
  const char *action = argv[1];
  if (!strcmp(action, "-h") || !strcmp(action, "--help")) {
    help();
    return CLI_OK;
  }
  if (!strcmp(action, "sis")) return run_sis(argc, argv);
  if (!strcmp(action, "svc")) return run_svc(argc, argv);
  if (!strcmp(action, "rank")) return run_rank(argc, argv);
  if (!strcmp(action, "linear")) return run_linear(argc, argv);
  if (!strcmp(action, "predict")) return run_predict(argc, argv);
  return cli_usage(CMD, "unknown action '%s' (sis, svc, rank, linear, predict)", action);
}

const nacre_command nacre_cmd_fit = {
    "fit", "learn stability rules from a table: SISSO descriptors, SVMs, linear models", run};
