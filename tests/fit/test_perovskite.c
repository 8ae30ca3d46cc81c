/* test_perovskite.c — the ABX3 formability data of Bartel et al., Sci.
 * Adv. 5, eaav0693 (2019) (../shared/data/perovskite): the published
 * figures come out of nacre's formula evaluator — τ = rX/rB − nA(nA −
 * (rA/rB)/ln(rA/rB)) < 4.18 classifies 91 % of the 460 rows (419), the
 * Goldschmidt factor t = (rA + rX)/(√2 (rB + rX)) in (0.825, 1.059) 73 %
 * (337) — and the threshold fit on τ is at least as good as the published
 * cut. A small descriptor search (rung 2, one level of deepening, 5-fold
 * cross-validation of the whole method, a few seconds) must beat the
 * Goldschmidt factor clearly: ≥ 80 % of held-out rows. The full
 * rediscovery (rung 3, ≥ 90 %) is the slow test test_perovskite_full. */
#include <math.h>
#include <string.h>

#include "nacre/fit.h"
#include "testing.h"

static double accuracy_of(const nacre_table *t, const char *formula, double lo, double hi) {
  const char *names[] = {"nA", "nB", "nX", "rA", "rB", "rX", "is_perovskite"};
  const int n = nacre_table_rows(t);
  double *cols = malloc(7 * n * sizeof *cols), *v = malloc(n * sizeof *v);
  nacre_error err;
  for (int k = 0; k < 7; k++)
    nacre_table_numeric(t, nacre_table_find(t, names[k]), cols + k * n, &err);
  nacre_fit_expr *e = NULL;
  CHECK_OK(nacre_fit_expr_parse(formula, 7, names, &e, &err), &err);
  nacre_fit_expr_eval(e, n, cols, v, &err);
  int right = 0;
  for (int i = 0; i < n; i++) right += (v[i] > lo && v[i] < hi) == (cols[6 * n + i] == 1);
  nacre_fit_expr_free(e);
  free(cols);
  free(v);
  return (double)right / n;
}

int main(void) {
  const char *path = test_shared_path("perovskite/abx3_train.csv");
  if (!path) TEST_SKIP("perovskite data absent");
  nacre_table *t = NULL;
  nacre_error err;
  CHECK_OK(nacre_table_read(path, &t, &err), &err);
  if (!t) TEST_DONE();
  const char *tau = "rX/rB - nA*(nA - (rA/rB)/ln(rA/rB))";
  double a_tau = accuracy_of(t, tau, -INFINITY, 4.18);
  double a_t = accuracy_of(t, "(rA + rX)/(sqrt(2)*(rB + rX))", 0.825, 1.059);
  CHECK_CLOSE(a_tau, 419.0 / 460, 1e-12, "τ < 4.18: 91 % (Bartel et al.)");
  CHECK_CLOSE(a_t, 337.0 / 460, 1e-12, "Goldschmidt t in (0.825, 1.059): 73 %");

  nacre_fit_data *d = NULL;
  CHECK_OK(nacre_fit_data_from_table(t, "nA,nB,nX,rA,rB,rX", "is_perovskite", "rA=Å,rB=Å,rX=Å", 1,
                                     &d, &err),
           &err);
  if (!d) TEST_DONE();
  /* the best single cut of τ itself */
  const char *names[] = {"nA", "nB", "nX", "rA", "rB", "rX"};
  nacre_fit_expr *e = NULL;
  double *v = malloc(d->nrows * sizeof *v);
  CHECK_OK(nacre_fit_expr_parse(tau, 6, names, &e, &err), &err);
  nacre_fit_expr_eval(e, d->nrows, d->x, v, &err);
  nacre_fit_threshold th;
  CHECK_OK(nacre_fit_threshold_fit(d->nrows, v, d->y, NULL, &th, &err), &err);
  CHECK(th.errors <= 41 && th.class_below == 1, "the fitted cut of τ errs on %d ≤ 41 rows (at %.3f)",
        th.errors, th.threshold);
  nacre_fit_expr_free(e);
  free(v);

  nacre_fit_sis_options o;
  nacre_fit_sis_options_init(&o);
  o.task = NACRE_FIT_CLASSIFICATION;
  o.class_score = NACRE_FIT_SCORE_ERRORS;
  o.rung = 2;
  o.deepen = 1;
  o.dim = 1;
  o.sis_size = 100;
  o.folds = 5;
  nacre_fit_sis_result r;
  CHECK_OK(nacre_fit_sis(d, &o, NULL, &r, &err), &err);
  if (r.ndims == 1) {
    char rule[2048];
    nacre_fit_model_rule(r.dims[0].model, rule, sizeof rule);
    printf("rung 2 + deepening: %s\n  training %.2f %%, 5-fold CV %.2f %% (method), %.2f %% "
           "(descriptor fixed); %.3g formulas, %.1f s CPU\n",
           rule, 100 * (1 - r.dims[0].train_error), 100 * (1 - r.dims[0].cv_error),
           100 * (1 - r.dims[0].cv_error_fixed), (double)r.candidates, r.cpu_s);
    CHECK(1 - r.dims[0].cv_error >= 0.80, "CV accuracy %.3f ≥ 0.80 (Goldschmidt: %.3f)",
          1 - r.dims[0].cv_error, a_t);
  }
  nacre_fit_sis_result_free(&r);
  nacre_fit_data_free(d);
  nacre_table_free(t);
  TEST_DONE();
}
