/* test_loss.c — the training loss: (1) forces and stress predicted from the
 * sparse descriptor derivatives equal −∂E/∂r and (1/V)∂E/∂ε by finite
 * differences of the energy (recomputing descriptors); (2) the analytic
 * gradient of the loss with respect to every weight agrees with central
 * finite differences for the energy, force, stress and L2 terms separately
 * and together; (3) the loss does not depend on the number of threads;
 * (4) sample weights: a weight of 2 equals listing the sample twice, 0
 * equals leaving it out, the gradient with mixed weights agrees with
 * finite differences, and the error figures stay unweighted. */
#include <omp.h>
#include <string.h>

#include "builders.h"
#include "nacre/train.h"
#include "testing.h"
#include "train/fit_internal.h"

static nacre_dataset *make_data(void) {
  nacre_error err;
  nacre_dataset *d = nacre_dataset_new(&err);
  const int n[3] = {1, 1, 1};
  for (int q = 0; q < 4; q++) {
    nacre_sample sm;
    memset(&sm, 0, sizeof sm);
    sm.s = build_bulk(q % 2 ? "fcc" : "bcc", 29, q % 2 ? 3.7 : 2.95, n);
    for (int a = 0; a < sm.s->natoms; a += 2) sm.s->numbers[a] = 47;
    build_rattle(sm.s, 0.1, 100 + q);
    const double eps[6] = {0.02 * q, -0.01, 0.01, 0.01 * q, -0.02, 0.015};
    build_strain(sm.s, eps);
    sm.has = NACRE_LABEL_ENERGY | NACRE_LABEL_FORCES | NACRE_LABEL_STRESS;
    sm.forces = calloc(3 * (size_t)sm.s->natoms, sizeof(double));
    nacre_dataset_take(d, &sm, &err);
  }
  return d;
}

int main(void) {
  nacre_error err;
  nacre_dataset *d = make_data();
  nacre_nn_descriptor desc;
  CHECK_OK(nacre_nn_descriptor_from_spec("radial:rc=4.5,n=4,eta_min=0.05,eta_max=1", 2, &desc,
                                         &err),
           &err);
  const int z[2] = {29, 47}, hidden[2] = {5, 4};
  nacre_nn_model *m;
  CHECK_OK(train_model_new(2, z, &desc, 2, hidden, NACRE_NN_TANH, &m, &err), &err);
  int P = (int)nacre_nn_model_nparams(m);
  double *w = malloc((size_t)P * sizeof *w);
  train_features *fs = calloc((size_t)d->n, sizeof *fs);
  const train_features **fp = calloc((size_t)d->n, sizeof *fp);
  const nacre_structure **sp = calloc((size_t)d->n, sizeof *sp);
  for (int q = 0; q < d->n; q++) {
    CHECK_OK(train_features_compute(m, d->items[q].s, &fs[q], &err), &err);
    fp[q] = &fs[q];
    sp[q] = d->items[q].s;
  }
  train_model_set_normalization(m, fp, sp, d->n);
  nacre_rng rng;
  nacre_rng_init(&rng, 3, 0);
  train_model_randomize(m, w, &rng);
  for (int k = 0; k < P; k++) w[k] += 0.2 * nacre_rng_normal(&rng);
  m->ref_energy[0] = -3.5;
  m->ref_energy[1] = -2.5;

  /* (1) forces and stress from features vs finite differences of E */
  {
    nacre_structure *s = nacre_structure_copy(d->items[1].s, &err);
    int n = s->natoms;
    double e0, *f = calloc(3 * (size_t)n, sizeof *f), sig[6];
    CHECK_OK(train_predict(m, w, s, &fs[1], &e0, f, sig, &err), &err);
    double maxerr = 0, fmax = 0;
    for (int k = 0; k < 3 * n; k++) {
      double x0 = s->positions[k], ep, em;
      train_features t;
      s->positions[k] = x0 + 1e-4;
      train_features_compute(m, s, &t, &err);
      train_predict(m, w, s, &t, &ep, NULL, NULL, &err);
      train_features_free(&t);
      s->positions[k] = x0 - 1e-4;
      train_features_compute(m, s, &t, &err);
      train_predict(m, w, s, &t, &em, NULL, NULL, &err);
      train_features_free(&t);
      s->positions[k] = x0;
      double fd = -(ep - em) / 2e-4;
      if (fabs(f[k] - fd) > maxerr) maxerr = fabs(f[k] - fd);
      if (fabs(fd) > fmax) fmax = fabs(fd);
    }
    /* float storage of ∂G/∂r: relative 1e-7; O(h²) difference error ~1e-8 */
    CHECK(maxerr < 1e-5 * (1 + fmax), "forces vs -dE/dr: max error %.3g (max |F| %.3g)",
          maxerr, fmax);
    double vol = nacre_cell_volume(s->cell);
    for (int v = 0; v < 6; v++) {
      double e[2];
      for (int sgn = 0; sgn < 2; sgn++) {
        nacre_structure *t = nacre_structure_copy(s, &err);
        double eps[6] = {0};
        eps[v] = (sgn ? -1 : 1) * (v < 3 ? 1e-5 : 0.5e-5);
        build_strain(t, eps);
        train_features ft;
        train_features_compute(m, t, &ft, &err);
        train_predict(m, w, t, &ft, &e[sgn], NULL, NULL, &err);
        train_features_free(&ft);
        nacre_structure_free(t);
      }
      /* build_strain takes engineering off-diagonals split in two: ε_yz =
       * eps[3] on both sides, so dE/dε_yz(sym) = (E+ − E−)/(2·2·h) */
      double h = v < 3 ? 1e-5 : 0.5e-5;
      double fd = (e[0] - e[1]) / (2 * h) / vol / (v < 3 ? 1 : 2);
      CHECK_CLOSE(sig[v], fd, 1e-6 + 1e-5 * fabs(fd), "stress component vs (1/V) dE/deps");
    }
    free(f);
    nacre_structure_free(s);
  }

  /* teacher labels: the model with perturbed weights */
  {
    double *w2 = malloc((size_t)P * sizeof *w2);
    for (int k = 0; k < P; k++) w2[k] = w[k] + 0.05 * nacre_rng_normal(&rng);
    for (int q = 0; q < d->n; q++) {
      nacre_sample *sm = &d->items[q];
      train_predict(m, w2, sm->s, &fs[q], &sm->energy, sm->forces,
                                sm->stress, &err);
      sm->energy += 0.01 * q;
      sm->forces[0] += 0.1;
      sm->stress[2] += 0.002;
    }
    free(w2);
  }

  /* (2) loss gradient vs finite differences, term by term */
  const nacre_loss_weights cases[5] = {
      {1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 0.3}, {1, 0.1, 0.01, 1e-3}};
  const char *names[5] = {"energy", "force", "stress", "L2", "all"};
  double *g = malloc((size_t)P * sizeof *g);
  for (int c = 0; c < 5; c++) {
    double L;
    CHECK_OK(train_loss(m, w, d, fp, NULL, d->n, &cases[c], &L, g, NULL, &err), &err);
    double maxerr = 0, gmax = 0;
    for (int k = 0; k < P; k++) {
      double wk = w[k], lp, lm;
      w[k] = wk + 1e-6;
      train_loss(m, w, d, fp, NULL, d->n, &cases[c], &lp, NULL, NULL, &err);
      w[k] = wk - 1e-6;
      train_loss(m, w, d, fp, NULL, d->n, &cases[c], &lm, NULL, NULL, &err);
      w[k] = wk;
      double fd = (lp - lm) / 2e-6;
      if (fabs(g[k] - fd) > maxerr) maxerr = fabs(g[k] - fd);
      if (fabs(fd) > gmax) gmax = fabs(fd);
    }
    CHECK(gmax > 0 && maxerr < 1e-6 * (gmax + L),
          "%s term: max |analytic - FD| %.3g for max |dL/dw| %.3g", names[c], maxerr, gmax);
  }

  /* (3) same loss bit for bit with 1 and 2 threads */
  {
    const nacre_loss_weights lw = {1, 0.1, 0.01, 1e-3};
    double L1, L2;
    double *g2 = malloc((size_t)P * sizeof *g2);
    omp_set_num_threads(1);
    train_loss(m, w, d, fp, NULL, d->n, &lw, &L1, g, NULL, &err);
    omp_set_num_threads(2);
    train_loss(m, w, d, fp, NULL, d->n, &lw, &L2, g2, NULL, &err);
    CHECK(L1 == L2 && !memcmp(g, g2, (size_t)P * sizeof *g),
          "loss and gradient identical for 1 and 2 threads");
    free(g2);
  }
  /* (4) sample weights */
  {
    const nacre_loss_weights lw = {1, 0.1, 0.01, 1e-3};
    size_t P2 = (size_t)P;
    double *g2 = malloc(P2 * sizeof *g2);
    double La, Lb;
    nacre_errors ea, eb;
    /* weight 2 on sample 1 == sample 1 listed twice */
    const int twice[5] = {0, 1, 1, 2, 3};
    train_loss(m, w, d, fp, twice, 5, &lw, &La, g, NULL, &err);
    d->items[1].has |= NACRE_LABEL_WEIGHT;
    d->items[1].weight = 2;
    train_loss(m, w, d, fp, NULL, d->n, &lw, &Lb, g2, &eb, &err);
    double gd = 0, gm = 0;
    for (size_t k = 0; k < P2; k++)
      gd = fmax(gd, fabs(g[k] - g2[k])), gm = fmax(gm, fabs(g[k]));
    CHECK(fabs(La - Lb) < 1e-12 * La && gd < 1e-12 * gm,
          "weight 2 = listed twice: loss %.17g vs %.17g, gradient %.3g", La, Lb, gd);
    /* weight 0 on sample 2 == sample 2 left out (sample 1 keeps weight 2
     * on both sides) */
    const int without[3] = {0, 1, 3};
    train_loss(m, w, d, fp, without, 3, &lw, &La, g, NULL, &err);
    d->items[2].has |= NACRE_LABEL_WEIGHT;
    d->items[2].weight = 0;
    train_loss(m, w, d, fp, NULL, d->n, &lw, &Lb, g2, &eb, &err);
    gd = 0, gm = 0;
    for (size_t k = 0; k < P2; k++)
      gd = fmax(gd, fabs(g[k] - g2[k])), gm = fmax(gm, fabs(g[k]));
    CHECK(fabs(La - Lb) < 1e-12 * La && gd < 1e-12 * gm,
          "weight 0 = left out: loss %.17g vs %.17g, gradient %.3g", La, Lb, gd);
    /* the error figures do not see the weights */
    d->items[0].has |= NACRE_LABEL_WEIGHT;
    d->items[0].weight = 0.37;
    train_loss(m, w, d, fp, NULL, d->n, &lw, NULL, NULL, &eb, &err);
    for (int q = 0; q < d->n; q++) d->items[q].has &= ~(unsigned)NACRE_LABEL_WEIGHT;
    train_loss(m, w, d, fp, NULL, d->n, &lw, NULL, NULL, &ea, &err);
    CHECK(ea.e_rmse == eb.e_rmse && ea.f_rmse == eb.f_rmse &&
              ea.s_rmse == eb.s_rmse && ea.nforce_components == eb.nforce_components,
          "RMSE unweighted (%.6g vs %.6g eV/atom)", ea.e_rmse, eb.e_rmse);
    /* mixed weights: gradient vs finite differences */
    const double wts[4] = {0.5, 2, 0, 1.3};
    for (int q = 0; q < d->n; q++) {
      d->items[q].has |= NACRE_LABEL_WEIGHT;
      d->items[q].weight = wts[q];
    }
    double L;
    train_loss(m, w, d, fp, NULL, d->n, &lw, &L, g, NULL, &err);
    double maxerr = 0, gmax = 0;
    for (size_t k = 0; k < P2; k++) {
      double wk = w[k], lp, lm;
      w[k] = wk + 1e-6;
      train_loss(m, w, d, fp, NULL, d->n, &lw, &lp, NULL, NULL, &err);
      w[k] = wk - 1e-6;
      train_loss(m, w, d, fp, NULL, d->n, &lw, &lm, NULL, NULL, &err);
      w[k] = wk;
      double fd = (lp - lm) / 2e-6;
      maxerr = fmax(maxerr, fabs(g[k] - fd));
      gmax = fmax(gmax, fabs(fd));
    }
    CHECK(gmax > 0 && maxerr < 1e-6 * (gmax + L),
          "weighted loss gradient: max |analytic - FD| %.3g for max |dL/dw| %.3g",
          maxerr, gmax);
    for (int q = 0; q < d->n; q++) d->items[q].has &= ~(unsigned)NACRE_LABEL_WEIGHT;
    free(g2);
  }
  free(g);
  for (int q = 0; q < d->n; q++) train_features_free(&fs[q]);
  free(fs);
  free(fp);
  free(sp);
  free(w);
  nacre_nn_model_free(m);
  nacre_dataset_free(d);
  TEST_DONE();
}
