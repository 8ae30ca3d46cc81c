/* test_mlp.c — the per-species network: ∂E/∂x and the weight gradient of
 * α·E + (∂E/∂x)·c agree with central finite differences for every
 * activation and for 0, 1 and 2 hidden layers. */
#include <string.h>

#include "nacre/train.h"
#include "testing.h"

/* φ(w) = α E(w) + (∂E/∂x)(w)·c */
static double phi(const nacre_mlp *m, const double *w, const double *x,
                  double alpha, const double *c, double *scratch) {
  double dedx[16];
  double e = nacre_mlp_eval(m, w, x, dedx, scratch);
  double s = alpha * e;
  for (int k = 0; k < m->sizes[0]; k++) s += dedx[k] * c[k];
  return s;
}

int main(void) {
  nacre_error err;
  const int arch[3][4] = {{5, 1}, {5, 4, 1}, {5, 6, 3, 1}};
  const int nl[3] = {2, 3, 4};
  for (int act = 0; act < 4; act++)
    for (int a = 0; a < 3; a++) {
      nacre_mlp m;
      CHECK_OK(nacre_mlp_init(&m, nl[a], arch[a], (nacre_activation)act, &err), &err);
      double *w = malloc((size_t)m.nweights * sizeof *w);
      double *g = calloc((size_t)m.nweights, sizeof *g);
      double *scratch = malloc((size_t)nacre_mlp_scratch_size(&m) * sizeof *scratch);
      nacre_rng rng;
      nacre_rng_init(&rng, 7, (uint64_t)(10 * act + a));
      nacre_mlp_randomize(&m, w, &rng);
      for (int k = 0; k < m.nweights; k++) w[k] += 0.3 * nacre_rng_normal(&rng);
      double x[5], c[5], dedx[5];
      for (int k = 0; k < 5; k++) {
        x[k] = nacre_rng_uniform(&rng);
        c[k] = nacre_rng_normal(&rng);
      }
      /* ∂E/∂x by central differences, h = 1e-5: error O(h²) ≈ 1e-10 */
      nacre_mlp_eval(&m, w, x, dedx, scratch);
      for (int k = 0; k < 5; k++) {
        double xp[5], xm[5];
        memcpy(xp, x, sizeof x);
        memcpy(xm, x, sizeof x);
        xp[k] += 1e-5;
        xm[k] -= 1e-5;
        double fd = (nacre_mlp_eval(&m, w, xp, NULL, scratch) -
                     nacre_mlp_eval(&m, w, xm, NULL, scratch)) / 2e-5;
        CHECK_CLOSE(dedx[k], fd, 1e-8 * (1 + fabs(fd)), "dE/dx vs finite difference");
      }
      /* weight gradient of α E + (∂E/∂x)·c, including the mixed second
       * derivatives, against central differences */
      double alpha = 0.7;
      nacre_mlp_backward(&m, w, x, alpha, c, g, scratch);
      double maxerr = 0;
      for (int k = 0; k < m.nweights; k++) {
        double wk = w[k];
        w[k] = wk + 1e-5;
        double fp = phi(&m, w, x, alpha, c, scratch);
        w[k] = wk - 1e-5;
        double fm = phi(&m, w, x, alpha, c, scratch);
        w[k] = wk;
        double fd = (fp - fm) / 2e-5;
        double e = fabs(g[k] - fd) / (1 + fabs(fd));
        if (e > maxerr) maxerr = e;
      }
      CHECK(maxerr < 1e-7, "%s, %d layers: weight gradient of aE + dE/dx.c off by %.3g",
            nacre_activation_name((nacre_activation)act), nl[a], maxerr);
      /* energy-only gradient (c = NULL) */
      memset(g, 0, (size_t)m.nweights * sizeof *g);
      nacre_mlp_backward(&m, w, x, 1.0, NULL, g, scratch);
      maxerr = 0;
      for (int k = 0; k < m.nweights; k++) {
        double wk = w[k];
        w[k] = wk + 1e-5;
        double fp = nacre_mlp_eval(&m, w, x, NULL, scratch);
        w[k] = wk - 1e-5;
        double fm = nacre_mlp_eval(&m, w, x, NULL, scratch);
        w[k] = wk;
        double e = fabs(g[k] - (fp - fm) / 2e-5);
        if (e > maxerr) maxerr = e;
      }
      CHECK(maxerr < 1e-8, "energy-only weight gradient off by %.3g", maxerr);
      free(w);
      free(g);
      free(scratch);
    }
  /* layout: MAISE order puts every bias before the first weight matrix */
  nacre_mlp m;
  const int sz[4] = {51, 10, 10, 1};
  CHECK_OK(nacre_mlp_init(&m, 4, sz, NACRE_ACT_TANH, &err), &err);
  CHECK(m.nweights == 641, "51-10-10-1 has 641 weights (MAISE), got %d", m.nweights);
  CHECK(m.bias_off[1] == 0 && m.bias_off[2] == 10 && m.bias_off[3] == 20 &&
            m.weight_off[1] == 21 && m.weight_off[2] == 21 + 510 &&
            m.weight_off[3] == 21 + 510 + 100,
        "MAISE weight order: biases then W0, W1, W2");
  const int bad[3] = {5, 4, 2};
  CHECK(nacre_mlp_init(&m, 3, bad, NACRE_ACT_TANH, &err) == NACRE_ERR_INVALID,
        "an output layer of 2 units is rejected");
  TEST_DONE();
}
