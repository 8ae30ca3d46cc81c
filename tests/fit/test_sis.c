/* test_sis.c — the descriptor search recovers known formulas. Targets
 * built from a rung-1 and a rung-2 formula with 0.1 % noise are recovered
 * exactly (the descriptor found is the true one up to an affine map, and
 * its coefficients match); a 2-D target needs SISSO's second pass on the
 * residual; a separable class boundary gives zero domain overlap and a
 * threshold that classifies every row; a depth-3 formula is out of reach
 * of rung 2 but found by one level of deepening. The enumeration is
 * checked against a hand count of the rung-1 and rung-2 spaces (with and
 * without units), the result does not depend on the number of threads,
 * and the memory limit is enforced with a message. */
#include <math.h>
#include <string.h>

#include "fit/fit_internal.h"
#include "nacre/fit.h"
#include "testing.h"

#define N 80
#define P 4

static char *names[P] = {"x1", "x2", "x3", "x4"};
static char *nounits[P] = {"", "", "", ""};

static void make_data(nacre_fit_data *d, double *x, double *y, uint64_t seed) {
  memset(d, 0, sizeof *d);
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 0);
  for (int k = 0; k < P; k++)
    for (int i = 0; i < N; i++) x[k * N + i] = 0.5 + 2.0 * nacre_rng_uniform(&rng);
  d->nrows = N;
  d->nfeatures = P;
  d->names = names;
  d->units = nounits;
  d->x = x;
  d->y = y;
  d->target = "y";
  d->source = "synthetic";
}

/* |Pearson r| between a descriptor of the model (evaluated on the data) and
 * a reference column: 1 − 1e-12 means the same feature up to an affine map. */
static double match(const nacre_fit_model *m, int k, const double *x, const double *ref) {
  nacre_fit_expr *e = NULL;
  nacre_error err;
  if (nacre_fit_expr_parse(nacre_fit_model_descriptor(m, k), P, (const char *const *)names, &e,
                           &err))
    return 0;
  double v[N];
  nacre_fit_expr_eval(e, N, x, v, &err);
  nacre_fit_expr_free(e);
  double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
  for (int i = 0; i < N; i++) ma += v[i] / N, mb += ref[i] / N;
  for (int i = 0; i < N; i++) {
    sab += (v[i] - ma) * (ref[i] - mb);
    saa += (v[i] - ma) * (v[i] - ma);
    sbb += (ref[i] - mb) * (ref[i] - mb);
  }
  return fabs(sab) / sqrt(saa * sbb);
}

static void noise(double *y, double rel, uint64_t seed) {
  double m = 0, s = 0;
  for (int i = 0; i < N; i++) m += y[i] / N;
  for (int i = 0; i < N; i++) s += (y[i] - m) * (y[i] - m) / N;
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 99);
  for (int i = 0; i < N; i++) y[i] += rel * sqrt(s) * nacre_rng_normal(&rng);
}

static void test_counts(void) {
  /* two positive primaries, no units: rung 1 adds 6 unary features on
   * each and 6 binary ones (+ − |−| × and both divisions): 2 + 12 + 6 =
   * 20. Rung 2 streams every stored feature and, for each feature j of
   * rung 1 (j = 2..19), 6 unary and 6·j binary candidates. */
  nacre_fit_data d;
  double x[P * N], y[N];
  make_data(&d, x, y, 3);
  d.nfeatures = 2;
  nacre_fit_sis_options o;
  nacre_fit_sis_options_init(&o);
  o.rung = 2;
  long long c[4];
  nacre_error err;
  CHECK_OK(nacre_fit_space_count(&d, &o, NULL, c, &err), &err);
  long long binary = 0;
  for (int j = 2; j < 20; j++) binary += 6 + 6 * j;
  CHECK(c[0] == 2 && c[1] == 18, "rung 1: 2 + 18 features (got %lld + %lld)", c[0], c[1]);
  CHECK(c[2] == binary, "rung 2: %lld candidates by hand, %lld enumerated", binary, c[2]);
  /* Å and eV: no sums, no exp or log; sqrt ^2 ^3 ^-1 of each and x·y, x/y,
   * y/x: 2 + 8 + 3 = 13 */
  char *u[P] = {"Å", "eV", "", ""};
  d.units = u;
  CHECK_OK(nacre_fit_space_count(&d, &o, NULL, c, &err), &err);
  CHECK(c[0] == 2 && c[1] == 11, "with units, rung 1: 2 + 11 features (got %lld + %lld)", c[0],
        c[1]);
  o.max_memory_bytes = 1000;
  CHECK(nacre_fit_space_count(&d, &o, NULL, c, &err) != NACRE_OK &&
            strstr(err.message, "--max-memory"),
        "the memory limit is enforced: '%s'", err.message);
}

static void test_rung1(void) {
  nacre_fit_data d;
  double x[P * N], y[N], ref[N];
  make_data(&d, x, y, 11);
  for (int i = 0; i < N; i++) {
    ref[i] = x[0 * N + i] / x[2 * N + i];
    y[i] = 2.5 * ref[i] - 1.0;
  }
  noise(y, 1e-3, 1);
  nacre_fit_sis_options o;
  nacre_fit_sis_options_init(&o);
  o.rung = 1;
  o.dim = 1;
  o.sis_size = 10;
  nacre_fit_sis_result r;
  nacre_error err;
  CHECK_OK(nacre_fit_sis(&d, &o, NULL, &r, &err), &err);
  if (r.ndims < 1) return;
  const nacre_fit_model *m = r.dims[0].model;
  double q = match(m, 0, x, ref);
  CHECK(q > 1 - 1e-12, "rung 1: x1/x3 recovered (found '%s', |r| = %.15f)",
        nacre_fit_model_descriptor(m, 0), q);
  char *json = nacre_fit_model_json(m), rule[512];
  nacre_fit_model_rule(m, rule, sizeof rule);
  printf("rung 1: %s\n", rule);
  /* noise 0.1 % of the spread: slope and intercept within 0.5 % */
  if (!strcmp(nacre_fit_model_descriptor(m, 0), "x1/x3")) {
    CHECK_CLOSE(m->coef[0], 2.5, 2.5e-3, "slope of x1/x3");
    CHECK_CLOSE(m->intercept, -1.0, 2.5e-3, "intercept");
  }
  CHECK(r.dims[0].cv_error < 2e-3 * 2.5, "CV RMSE %.3g at the noise level",
        r.dims[0].cv_error);
  free(json);
  nacre_fit_sis_result_free(&r);
}

static void test_rung2_two_terms(void) {
  nacre_fit_data d;
  double x[P * N], y[N], r1[N], r2[N];
  make_data(&d, x, y, 21);
  for (int i = 0; i < N; i++) {
    r1[i] = sqrt(x[0 * N + i]) * x[1 * N + i];
    r2[i] = (x[2 * N + i] - x[3 * N + i]) * (x[2 * N + i] - x[3 * N + i]);
    y[i] = 3.0 * r1[i] - 0.4 * r2[i] + 3.0;
  }
  noise(y, 1e-3, 2);
  nacre_fit_sis_options o;
  nacre_fit_sis_options_init(&o);
  o.rung = 2;
  o.dim = 2;
  o.sis_size = 50;
  nacre_fit_sis_result r[2];
  nacre_error err;
  for (int t = 0; t < 2; t++) {
    nacre_ctx ctx;
    nacre_ctx_init(&ctx);
    ctx.nthreads = t + 1;
    CHECK_OK(nacre_fit_sis(&d, &o, &ctx, &r[t], &err), &err);
  }
  if (r[0].ndims < 2 || r[1].ndims < 2) return;
  const nacre_fit_model *m = r[0].dims[1].model;
  double a = match(m, 0, x, r1), b = match(m, 1, x, r2);
  double a2 = match(m, 0, x, r2), b2 = match(m, 1, x, r1);
  int found = (a > 1 - 1e-12 && b > 1 - 1e-12) || (a2 > 1 - 1e-12 && b2 > 1 - 1e-12);
  CHECK(found, "rung 2, 2-D: sqrt(x1)·x2 and (x3 − x4)^2 recovered (found '%s' ; '%s')",
        nacre_fit_model_descriptor(m, 0), nacre_fit_model_descriptor(m, 1));
  char rule[1024];
  nacre_fit_model_rule(m, rule, sizeof rule);
  printf("rung 2, 2-D: %s\n", rule);
  if (found) { /* noise 0.1 % of the spread: coefficients within 0.1 % */
    int first = a > 1 - 1e-12 ? 0 : 1;
    if (!strcmp(m->desc[first], "x2*sqrt(x1)") || !strcmp(m->desc[first], "sqrt(x1)*x2"))
      CHECK_CLOSE(m->coef[first], 3.0, 3e-3, "coefficient of sqrt(x1)·x2");
    if (!strcmp(m->desc[1 - first], "(x3 - x4)^2"))
      CHECK_CLOSE(m->coef[1 - first], -0.4, 4e-4, "coefficient of (x3 − x4)^2");
    CHECK_CLOSE(m->intercept, 3.0, 3e-3, "intercept");
  }
  CHECK(r[0].dims[1].train_error < 2e-3 * 2, "2-D RMSE %.3g at the noise level",
        r[0].dims[1].train_error);
  CHECK(r[0].dims[0].train_error > 10 * r[0].dims[1].train_error,
        "one term leaves a residual (%.3g) that the second removes (%.3g)",
        r[0].dims[0].train_error, r[0].dims[1].train_error);
  for (int k = 0; k < 2; k++)
    CHECK(!strcmp(nacre_fit_model_descriptor(r[0].dims[1].model, k),
                  nacre_fit_model_descriptor(r[1].dims[1].model, k)) &&
              r[0].dims[1].score[0] == r[1].dims[1].score[0] &&
              r[0].dims[1].cv_error == r[1].dims[1].cv_error,
          "1 and 2 threads find the same descriptor and errors");
  for (int t = 0; t < 2; t++) nacre_fit_sis_result_free(&r[t]);
}

static void test_classification(void) {
  nacre_fit_data d;
  double x[P * N], y[N], ref[N];
  make_data(&d, x, y, 31);
  for (int i = 0; i < N; i++) {
    ref[i] = x[1 * N + i] / x[3 * N + i];
    y[i] = ref[i] > 1.0 ? 1 : 0;
  }
  nacre_fit_sis_options o;
  nacre_fit_sis_options_init(&o);
  o.task = NACRE_FIT_CLASSIFICATION;
  o.rung = 1;
  o.dim = 1;
  o.sis_size = 10;
  for (int score = 0; score < 2; score++) {
    o.class_score = score ? NACRE_FIT_SCORE_ERRORS : NACRE_FIT_SCORE_OVERLAP;
    nacre_fit_sis_result r;
    nacre_error err;
    CHECK_OK(nacre_fit_sis(&d, &o, NULL, &r, &err), &err);
    if (r.ndims < 1) continue;
    const nacre_fit_model *m = r.dims[0].model;
    CHECK(r.dims[0].score[0] == 0, "%s score: separable classes have no overlap/errors (%g)",
          score ? "errors" : "overlap", r.dims[0].score[0]);
    CHECK(r.dims[0].train_error == 0, "the threshold classifies every row");
    CHECK(nacre_fit_model_predictor(m) == NACRE_FIT_PREDICT_THRESHOLD, "1-D: a threshold");
    /* a held-out row can fall between the training classes: at most 2 of 80 */
    CHECK(r.dims[0].cv_error <= 2.0 / N, "CV error %.3f", r.dims[0].cv_error);
    char rule[512];
    nacre_fit_model_rule(m, rule, sizeof rule);
    printf("classification (%s): %s\n", score ? "errors" : "overlap", rule);
    nacre_fit_sis_result_free(&r);
  }
}

static void test_deepen(void) {
  /* y = sqrt(x1/(x2 + x3)) has depth 3 and no rung-2 equivalent; one
   * level of deepening of the screened x1/(x2 + x3) reaches it */
  nacre_fit_data d;
  double x[P * N], y[N], ref[N];
  make_data(&d, x, y, 41);
  for (int i = 0; i < N; i++) {
    ref[i] = sqrt(x[0 * N + i] / (x[1 * N + i] + x[2 * N + i]));
    y[i] = ref[i];
  }
  nacre_fit_sis_options o;
  nacre_fit_sis_options_init(&o);
  o.rung = 2;
  o.dim = 1;
  o.sis_size = 20;
  o.folds = 0;
  nacre_fit_sis_result r;
  nacre_error err;
  CHECK_OK(nacre_fit_sis(&d, &o, NULL, &r, &err), &err);
  double q0 = r.ndims ? match(r.dims[0].model, 0, x, ref) : 0;
  CHECK(q0 < 1 - 1e-9, "rung 2 alone cannot reach a depth-3 formula (|r| %.12f)", q0);
  nacre_fit_sis_result_free(&r);
  o.deepen = 1;
  CHECK_OK(nacre_fit_sis(&d, &o, NULL, &r, &err), &err);
  double q1 = r.ndims ? match(r.dims[0].model, 0, x, ref) : 0;
  CHECK(q1 > 1 - 1e-12, "rung 2 + one deepening level finds sqrt(x1/(x2 + x3)) (found '%s')",
        r.ndims ? nacre_fit_model_descriptor(r.dims[0].model, 0) : "");
  nacre_fit_sis_result_free(&r);
}

int main(void) {
  test_counts();
  test_rung1();
  test_rung2_two_terms();
  test_classification();
  test_deepen();
  TEST_DONE();
}
