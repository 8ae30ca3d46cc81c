/* test_linear.c — the block model E = Σ c_i N_i: a 4-row system solved by
 * hand (normal equations, hat matrix, leave-one-out errors, standard
 * errors) is reproduced to 1e-12; exact energies give back their
 * coefficients; leave-one-out errors from the hat matrix equal brute-force
 * refits without each row; the path of best subsets picks the two
 * features the target depends on, its RMSE never grows with more terms,
 * and its last step is the full fit; a repeated column shows as a rank
 * deficit instead of a silent answer. */
#include <math.h>
#include <string.h>

#include "nacre/fit.h"
#include "testing.h"

static char *names[6] = {"N1", "N2", "N3", "N4", "N5", "N6"};
static char *units[6] = {"", "", "", "", "", ""};

static void data(nacre_fit_data *d, int n, int p, double *x, double *y) {
  memset(d, 0, sizeof *d);
  d->nrows = n;
  d->nfeatures = p;
  d->names = names;
  d->units = units;
  d->x = x;
  d->y = y;
  d->target = "energy_ev";
  d->source = "blocks";
}

static void test_hand(void) {
  /* X = [[1,0],[0,1],[1,1],[2,1]], y = [1, 2, 2.9, 4.1]:
   * XᵀX = [[6,3],[3,3]], Xᵀy = [12.1, 9.0], det 9
   * c = (1/9)[[3,−3],[−3,6]]·Xᵀy = (31/30, 59/30)
   * residuals (−1/30, 1/30, −1/10, 1/15), SSE = 1/60
   * hat diagonal (1/3, 2/3, 1/3, 2/3); LOO e/(1−h) = (−0.05, 0.1, −0.15, 0.2)
   * σ² = SSE/(4 − 2) = 1/120; se = sqrt(σ²·(3/9, 6/9)) */
  double x[8] = {1, 0, 1, 2, 0, 1, 1, 1}, y[4] = {1, 2, 2.9, 4.1};
  nacre_fit_data d;
  data(&d, 4, 2, x, y);
  nacre_fit_linear_options o;
  nacre_fit_linear_options_init(&o);
  nacre_fit_model *m = NULL;
  nacre_fit_linear_report r;
  nacre_error err;
  CHECK_OK(nacre_fit_linear(&d, &o, &m, &r, &err), &err);
  if (!m) return;
  /* the inputs carry one rounding (2.9, 4.1): 1e-12 is tight */
  CHECK_CLOSE(r.coef[0], 31.0 / 30, 1e-12, "c1 by hand");
  CHECK_CLOSE(r.coef[1], 59.0 / 30, 1e-12, "c2 by hand");
  CHECK_CLOSE(r.rmse, sqrt(1.0 / 60 / 4), 1e-12, "RMSE by hand");
  const double loo[4] = {-0.05, 0.1, -0.15, 0.2};
  for (int i = 0; i < 4; i++) CHECK_CLOSE(r.loo_errors[i], loo[i], 1e-12, "LOO error by hand");
  CHECK_CLOSE(r.loo_rmse, sqrt((0.0025 + 0.01 + 0.0225 + 0.04) / 4), 1e-12, "LOO RMSE");
  CHECK_CLOSE(r.coef_stderr[0], sqrt(1.0 / 120 * 3 / 9), 1e-12, "standard error of c1");
  CHECK_CLOSE(r.coef_stderr[1], sqrt(1.0 / 120 * 6 / 9), 1e-12, "standard error of c2");
  CHECK(r.rank == 2, "full rank");
  char rule[256];
  nacre_fit_model_rule(m, rule, sizeof rule);
  CHECK(strstr(rule, "energy_ev = 0 + 1.03333·[N1] + 1.96667·[N2]") != NULL, "rule: %s", rule);
  double pred[4];
  CHECK_OK(nacre_fit_model_predict_values(m, 4, x, pred, &err), &err);
  CHECK_CLOSE(pred[3], 2 * 31.0 / 30 + 59.0 / 30, 1e-12, "prediction of row 4");
  nacre_fit_linear_report_free(&r);
  nacre_fit_model_free(m);
}

static void test_exact_and_path(void) {
  /* 30 structures, counts of 5 block types; E depends on N2 and N4 (and a
   * constant with --intercept) */
  enum { n = 30, p = 5 };
  double x[p * n], y[n];
  nacre_rng rng;
  nacre_rng_init(&rng, 17, 0);
  for (int k = 0; k < p; k++)
    for (int i = 0; i < n; i++) x[k * n + i] = nacre_rng_int(&rng, 9);
  for (int i = 0; i < n; i++) y[i] = -1.25 * x[1 * n + i] + 0.75 * x[3 * n + i] + 2.0;
  nacre_fit_data d;
  data(&d, n, p, x, y);
  nacre_fit_linear_options o;
  nacre_fit_linear_options_init(&o);
  o.intercept = 1;
  nacre_fit_model *m = NULL;
  nacre_fit_linear_report r;
  nacre_error err;
  CHECK_OK(nacre_fit_linear(&d, &o, &m, &r, &err), &err);
  if (!m) return;
  /* exact data: the coefficients come back to rounding (1e-10) */
  const double want[p] = {0, -1.25, 0, 0.75, 0};
  for (int k = 0; k < p; k++) CHECK_CLOSE(r.coef[k], want[k], 1e-10, "exact coefficient");
  CHECK_CLOSE(r.intercept, 2.0, 1e-10, "exact intercept");
  CHECK(r.rmse < 1e-10, "exact data fit exactly (RMSE %.3g)", r.rmse);
  CHECK(r.nsteps == p, "a path of %d steps", r.nsteps);
  CHECK(r.steps[1].nterms == 2 && r.steps[1].terms[0] == 1 && r.steps[1].terms[1] == 3 &&
            r.steps[1].exhaustive,
        "the best pair is N2, N4 (got %d, %d)", r.steps[1].terms[0], r.steps[1].terms[1]);
  for (int s = 1; s < r.nsteps; s++)
    CHECK(r.steps[s].rmse <= r.steps[s - 1].rmse + 1e-12, "RMSE does not grow with terms");
  nacre_fit_linear_report_free(&r);
  nacre_fit_model_free(m);

  /* with noise: LOO errors from the hat matrix against refits */
  for (int i = 0; i < n; i++) y[i] += 0.05 * nacre_rng_normal(&rng);
  CHECK_OK(nacre_fit_linear(&d, &o, &m, &r, &err), &err);
  if (!m) return;
  CHECK_CLOSE(r.steps[p - 1].rmse, r.rmse, 1e-12, "the last step is the full fit");
  double worst = 0;
  for (int drop = 0; drop < n; drop++) {
    double xs[p * (n - 1)], ys[n - 1];
    for (int k = 0; k < p; k++)
      for (int i = 0, j = 0; i < n; i++)
        if (i != drop) xs[k * (n - 1) + j++] = x[k * n + i];
    for (int i = 0, j = 0; i < n; i++)
      if (i != drop) ys[j++] = y[i];
    nacre_fit_data dd;
    data(&dd, n - 1, p, xs, ys);
    nacre_fit_model *mm = NULL;
    nacre_fit_linear_report rr;
    if (nacre_fit_linear(&dd, &o, &mm, &rr, &err)) continue;
    double xrow[p], pred;
    for (int k = 0; k < p; k++) xrow[k] = x[k * n + drop];
    nacre_fit_model_predict_values(mm, 1, xrow, &pred, &err);
    worst = fmax(worst, fabs((y[drop] - pred) - r.loo_errors[drop]));
    nacre_fit_linear_report_free(&rr);
    nacre_fit_model_free(mm);
  }
  /* two least-squares solutions of O(1) numbers: 1e-10 */
  CHECK(worst < 1e-10, "hat-matrix LOO errors equal refits (largest difference %.3g)", worst);
  nacre_fit_linear_report_free(&r);
  nacre_fit_model_free(m);

  /* a repeated column: the rank says so and its errors are undefined */
  double x2[6 * n];
  memcpy(x2, x, sizeof x);
  memcpy(x2 + p * n, x + 1 * n, n * sizeof *x);
  data(&d, n, 6, x2, y);
  CHECK_OK(nacre_fit_linear(&d, &o, &m, &r, &err), &err);
  if (!m) return;
  CHECK(r.rank == 6, "6 columns + intercept, one repeated: rank 6 (got %d)", r.rank);
  CHECK(isnan(r.coef_stderr[5]), "no standard error for an undetermined coefficient");
  CHECK_CLOSE(r.coef[1] + r.coef[5], -1.25, 0.05, "the repeated pair shares the coefficient");
  nacre_fit_linear_report_free(&r);
  nacre_fit_model_free(m);
}

int main(void) {
  test_hand();
  test_exact_and_path();
  TEST_DONE();
}
