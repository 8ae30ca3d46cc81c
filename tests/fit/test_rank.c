/* test_rank.c — the ranking SVM recovers a known linear order: targets
 * y = w·x with w = (1, −2, 0.5) and 1 % noise; on the 25 % of rows held
 * out, Kendall's τ ≥ 0.95 and ≥ 97 % of the pairs come in the right order,
 * and the learned weights point along w (cosine ≥ 0.995). Kendall's τ-b
 * and the pairwise accuracy are checked on hand-counted examples (with
 * ties), and the model file reproduces the scores. */
#include <math.h>
#include <string.h>

#include "fit/fit_internal.h"
#include "nacre/fit.h"
#include "testing.h"

static void test_metrics(void) {
  /* a = (1, 2, 3, 4), b = (1, 3, 2, 4): 6 pairs, 5 concordant, 1
   * discordant: τ = 4/6 */
  double a[4] = {1, 2, 3, 4}, b[4] = {1, 3, 2, 4};
  CHECK_CLOSE(nacre_fit_kendall_tau(4, a, b), 4.0 / 6, 1e-15, "τ of one swap");
  CHECK_CLOSE(nacre_fit_pairwise_accuracy(4, a, b), 5.0 / 6, 1e-15, "pairs right, one swap");
  /* ties: a = (1, 1, 2), b = (1, 2, 3): pairs (12) tie in a, (13) and (23)
   * concordant: τ-b = 2 / sqrt((3 − 1)(3 − 0)) = 2/sqrt(6); the tied pair
   * counts half: (0.5 + 2)/3 */
  double c[3] = {1, 1, 2}, d[3] = {1, 2, 3};
  CHECK_CLOSE(nacre_fit_kendall_tau(3, c, d), 2 / sqrt(6), 1e-15, "τ-b with a tie");
  CHECK_CLOSE(nacre_fit_pairwise_accuracy(3, c, d), 2.5 / 3, 1e-15, "a tie counts half");
}

int main(void) {
  test_metrics();
  enum { n = 200, p = 3 };
  double x[p * n], y[n];
  const double w[p] = {1, -2, 0.5};
  nacre_rng rng;
  nacre_rng_init(&rng, 9, 0);
  for (int k = 0; k < p; k++)
    for (int i = 0; i < n; i++) x[k * n + i] = nacre_rng_normal(&rng);
  for (int i = 0; i < n; i++) {
    y[i] = 0;
    for (int k = 0; k < p; k++) y[i] += w[k] * x[k * n + i];
    y[i] += 0.01 * 2.3 * nacre_rng_normal(&rng); /* |w| ≈ 2.3 */
  }
  char *names[p] = {"a", "b", "c"}, *units[p] = {"", "", ""};
  nacre_fit_data d = {n, p, names, units, x, "e_above_hull_ev", y, "hull"};
  nacre_fit_rank_options o;
  nacre_fit_rank_options_init(&o);
  nacre_fit_model *m = NULL;
  nacre_fit_rank_report rep;
  nacre_error err;
  CHECK_OK(nacre_fit_rank(&d, &o, NULL, &m, &rep, &err), &err);
  if (!m) TEST_DONE();
  CHECK(rep.ntest == 50 && rep.ntrain == 150, "25 %% held out (%d of %d)", rep.ntest, n);
  CHECK(rep.npairs == 150 * 149 / 2, "every training pair used (%ld)", rep.npairs);
  CHECK(rep.test_kendall_tau >= 0.95, "held-out Kendall τ %.4f", rep.test_kendall_tau);
  CHECK(rep.test_pairwise_accuracy >= 0.97, "held-out pairs in order %.4f",
        rep.test_pairwise_accuracy);
  double dot = 0, nw = 0, nm = 0;
  for (int k = 0; k < p; k++) {
    dot += w[k] * m->coef[k];
    nw += w[k] * w[k];
    nm += m->coef[k] * m->coef[k];
  }
  CHECK(dot / sqrt(nw * nm) >= 0.995, "weights along w (cosine %.5f)", dot / sqrt(nw * nm));
  char rule[256];
  nacre_fit_model_rule(m, rule, sizeof rule);
  printf("%s; held-out τ %.4f, pairs %.4f\n", rule, rep.test_kendall_tau,
         rep.test_pairwise_accuracy);
  /* the JSON model gives the same scores */
  char *json = nacre_fit_model_json(m);
  nacre_fit_model *back = NULL;
  CHECK_OK(nacre_fit_model_from_json(json, "rank.json", &back, &err), &err);
  if (back) {
    double s1[n], s2[n];
    nacre_fit_model_predict_values(m, n, x, s1, &err);
    nacre_fit_model_predict_values(back, n, x, s2, &err);
    double worst = 0;
    for (int i = 0; i < n; i++) worst = fmax(worst, fabs(s1[i] - s2[i]));
    /* cJSON prints 17 significant digits: exact */
    CHECK(worst == 0, "scores from the JSON model equal the original (%.3g)", worst);
  }
  /* a smaller pair sample still orders well */
  o.max_pairs = 2000;
  nacre_fit_model *m2 = NULL;
  CHECK_OK(nacre_fit_rank(&d, &o, NULL, &m2, &rep, &err), &err);
  CHECK(rep.npairs == 2000 && rep.test_kendall_tau >= 0.93, "2000 sampled pairs: τ %.4f",
        rep.test_kendall_tau);
  free(json);
  nacre_fit_model_free(back);
  nacre_fit_model_free(m2);
  nacre_fit_model_free(m);
  TEST_DONE();
}
