/* test_nn_network.c — the one network implementation (pot/nn_network.c):
 * ∂E/∂x and the weight gradient of α·E + (∂E/∂x)·c agree with central
 * finite differences for every activation and for 0, 1 and 2 hidden
 * layers; the evaluation path (forward/backward, used by the potential)
 * and the training path (eval with explicit weights) agree; the weight
 * layout and count match MAISE's 51-10-10-1 networks. */
#include <string.h>

#include "nacre/nn.h"
#include "testing.h"

/* φ(w) = α E(w) + (∂E/∂x)(w)·c */
static double phi(const nacre_nn_network *m, const double *w, const double *x,
                  double alpha, const double *c, double *scratch) {
  double dedx[16];
  double e = nacre_nn_network_eval(m, w, x, dedx, scratch);
  double s = alpha * e;
  for (int k = 0; k < m->size[0]; k++) s += dedx[k] * c[k];
  return s;
}

static int make(nacre_nn_network *m, int nl, const int *arch, nacre_nn_activation act,
                nacre_error *err) {
  memset(m, 0, sizeof *m);
  m->nlayers = nl;
  for (int l = 0; l < nl; l++) m->size[l] = arch[l];
  for (int l = 0; l + 1 < nl; l++) m->act[l] = l + 2 < nl ? act : NACRE_NN_LINEAR;
  return nacre_nn_network_init(m, err);
}

int main(void) {
  nacre_error err;
  const int arch[3][4] = {{5, 1}, {5, 4, 1}, {5, 6, 3, 1}};
  const int nl[3] = {2, 3, 4};
  const nacre_nn_activation acts[4] = {NACRE_NN_TANH, NACRE_NN_SIGMOID, NACRE_NN_SOFTPLUS,
                                       NACRE_NN_SILU};
  for (int act = 0; act < 4; act++)
    for (int a = 0; a < 3; a++) {
      nacre_nn_network m;
      CHECK_OK(make(&m, nl[a], arch[a], acts[act], &err), &err);
      double *w = m.weights;
      double *g = calloc(m.nweights, sizeof *g);
      double *scratch = malloc(nacre_nn_network_scratch_size(&m) * sizeof *scratch);
      nacre_rng rng;
      nacre_rng_init(&rng, 7, (uint64_t)(10 * act + a));
      nacre_nn_network_randomize(&m, w, &rng);
      for (size_t k = 0; k < m.nweights; k++) w[k] += 0.3 * nacre_rng_normal(&rng);
      double x[5], c[5], dedx[5];
      for (int k = 0; k < 5; k++) {
        x[k] = nacre_rng_uniform(&rng);
        c[k] = nacre_rng_normal(&rng);
      }
      /* ∂E/∂x by central differences, h = 1e-5: error O(h²) ≈ 1e-10 */
      double e0 = nacre_nn_network_eval(&m, w, x, dedx, scratch);
      for (int k = 0; k < 5; k++) {
        double xp[5], xm[5];
        memcpy(xp, x, sizeof x);
        memcpy(xm, x, sizeof x);
        xp[k] += 1e-5;
        xm[k] -= 1e-5;
        double fd = (nacre_nn_network_eval(&m, w, xp, NULL, scratch) -
                     nacre_nn_network_eval(&m, w, xm, NULL, scratch)) / 2e-5;
        CHECK_CLOSE(dedx[k], fd, 1e-8 * (1 + fabs(fd)), "dE/dx vs finite difference");
      }
      /* the potential's path: forward/backward on the network's weights */
      double *work = malloc(2 * nacre_nn_network_work_size(&m) * sizeof *work);
      double dx2[5];
      double e1 = nacre_nn_network_forward(&m, x, work);
      nacre_nn_network_backward(&m, x, work, work + nacre_nn_network_work_size(&m), dx2, NULL,
                                1.0);
      double dd = 0;
      for (int k = 0; k < 5; k++) dd = fmax(dd, fabs(dx2[k] - dedx[k]));
      /* the same operations in another order: rounding only */
      CHECK(fabs(e1 - e0) < 1e-13 * (1 + fabs(e0)) && dd < 1e-13,
            "evaluation and training paths agree (%.3g, %.3g)", e1 - e0, dd);
      free(work);
      /* weight gradient of α E + (∂E/∂x)·c, including the mixed second
       * derivatives, against central differences */
      double alpha = 0.7;
      nacre_nn_network_weight_gradient(&m, w, x, alpha, c, g, scratch);
      double maxerr = 0;
      for (size_t k = 0; k < m.nweights; k++) {
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
            nacre_nn_activation_name(acts[act]), nl[a], maxerr);
      /* energy-only gradient (c = NULL) */
      memset(g, 0, m.nweights * sizeof *g);
      nacre_nn_network_weight_gradient(&m, w, x, 1.0, NULL, g, scratch);
      maxerr = 0;
      for (size_t k = 0; k < m.nweights; k++) {
        double wk = w[k];
        w[k] = wk + 1e-5;
        double fp = nacre_nn_network_eval(&m, w, x, NULL, scratch);
        w[k] = wk - 1e-5;
        double fm = nacre_nn_network_eval(&m, w, x, NULL, scratch);
        w[k] = wk;
        double e = fabs(g[k] - (fp - fm) / 2e-5);
        if (e > maxerr) maxerr = e;
      }
      CHECK(maxerr < 1e-8, "energy-only weight gradient off by %.3g", maxerr);
      free(g);
      free(scratch);
      nacre_nn_network_free(&m);
    }
  /* layout: per layer W[out][in] then b[out]; MAISE's 51-10-10-1 count */
  nacre_nn_network m;
  const int sz[4] = {51, 10, 10, 1};
  CHECK_OK(make(&m, 4, sz, NACRE_NN_TANH, &err), &err);
  CHECK(m.nweights == 641, "51-10-10-1 has 641 weights (MAISE), got %zu", m.nweights);
  CHECK(m.woffset[0] == 0 && m.woffset[1] == 510 + 10 && m.woffset[2] == 520 + 110,
        "per-layer layout: W0 b0 W1 b1 W2 b2");
  nacre_nn_network_free(&m);
  const int bad[3] = {5, 4, 2};
  CHECK(make(&m, 3, bad, NACRE_NN_TANH, &err) == NACRE_ERR_INVALID,
        "an output layer of 2 units is rejected");
  nacre_nn_network_free(&m);
  TEST_DONE();
}
