/* test_stratified.c — stratified training (MAISE): a binary model started
 * from two elemental models (--from) with the elemental weights frozen
 * (1) reproduces each elemental model exactly on pure structures, before and
 * after training, because the new cross-species inputs vanish there;
 * (2) training its cross-species weights lowers the error on mixed
 * structures; (3) committee of the fit: member seeds differ. */
#include <string.h>

#include "builders.h"
#include "nacre/train.h"
#include "testing.h"
#include "train/fit_internal.h"

static nacre_dataset *make_set(int za, int zb, int n, uint64_t seed) {
  nacre_error err;
  nacre_dataset *d = nacre_dataset_new(&err);
  const int rep[3] = {1, 1, 1};
  for (int q = 0; q < n; q++) {
    nacre_sample sm;
    memset(&sm, 0, sizeof sm);
    sm.s = build_bulk("fcc", za, 3.9 + 0.02 * (q % 5), rep);
    for (int a = 0; a < 4; a++) sm.s->numbers[a] = ((q + a) % 3 == 0) ? zb : za;
    build_rattle(sm.s, 0.1, seed + q);
    /* a smooth toy energy: pair sum of species-dependent Gaussians */
    double e = 0;
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 4; j++)
        for (int a = -1; a <= 1; a++)
          for (int b = -1; b <= 1; b++)
            for (int c = -1; c <= 1; c++) {
              if (i == j && !a && !b && !c) continue;
              double r2 = 0;
              for (int k = 0; k < 3; k++) {
                double x = sm.s->positions[3 * j + k] - sm.s->positions[3 * i + k] +
                           a * sm.s->cell[0][k] + b * sm.s->cell[1][k] + c * sm.s->cell[2][k];
                r2 += x * x;
              }
              double w = (sm.s->numbers[i] == sm.s->numbers[j]) ? 0.5 : 0.8;
              e -= w * exp(-r2 / 8.0);
            }
    sm.energy = e;
    sm.has = NACRE_LABEL_ENERGY;
    nacre_dataset_take(d, &sm, &err);
  }
  return d;
}

static nacre_nn_model *fit(const nacre_dataset *d, const nacre_nn_model *const *from,
                           int nfrom, int freeze, int epochs) {
  nacre_error err;
  nacre_fit_options o;
  nacre_fit_options_init(&o);
  snprintf(o.descriptors, sizeof o.descriptors, "radial:rc=5,n=4,eta_min=0.05,eta_max=1");
  o.nhidden = 1;
  o.hidden[0] = 5;
  o.train.epochs = epochs;
  o.train.patience = 0;
  o.frac_train = 1.0;
  o.frac_valid = 0.0;
  o.from = from;
  o.nfrom = nfrom;
  o.freeze_from = freeze;
  nacre_nn_model **ms = NULL;
  nacre_fit_report rep;
  if (nacre_fit(d, NULL, NULL, &o, NULL, NULL, NULL, &ms, &rep, &err)) {
    printf("fit: %s\n", err.message);
    return NULL;
  }
  nacre_nn_model *m = ms[0];
  free(ms);
  return m;
}

static double energy(const nacre_nn_model *m, const nacre_structure *s) {
  nacre_error err;
  train_features f;
  double e = NAN;
  if (!train_features_compute(m, s, &f, &err)) {
    train_predict(m, NULL, s, &f, &e, NULL, NULL, &err);
    train_features_free(&f);
  }
  return e;
}

int main(void) {
  nacre_dataset *pa = make_set(29, 29, 12, 1), *pb = make_set(47, 47, 12, 50),
                *mix = make_set(29, 47, 20, 100);
  nacre_nn_model *ma = fit(pa, NULL, 0, 0, 60), *mb = fit(pb, NULL, 0, 0, 60);
  CHECK(ma && mb, "elemental fits");
  if (!ma || !mb) TEST_DONE();
  const nacre_nn_model *from[2] = {ma, mb};
  nacre_nn_model *start = fit(mix, from, 2, 1, 1), *ab = fit(mix, from, 2, 1, 80);
  CHECK(start && ab, "binary fits");
  if (!start || !ab) TEST_DONE();
  CHECK(ab->desc.dim == 2 * ma->desc.dim, "binary descriptor has both species blocks");
  double worst = 0;
  for (int q = 0; q < pa->n; q++) {
    worst = fmax(worst, fabs(energy(ab, pa->items[q].s) - energy(ma, pa->items[q].s)));
    worst = fmax(worst, fabs(energy(ab, pb->items[q].s) - energy(mb, pb->items[q].s)));
  }
  /* exact up to summation order */
  CHECK(worst < 1e-10, "binary model = elemental models on pure structures: %.3g eV", worst);
  nacre_error err;
  nacre_errors e0, e1;
  nacre_loss_weights lw = {1, 0, 0, 0};
  train_features *fs = calloc((size_t)mix->n, sizeof *fs);
  const train_features **fp = calloc((size_t)mix->n, sizeof *fp);
  train_features_compute_all(ab, mix, fs, &err);
  for (int q = 0; q < mix->n; q++) fp[q] = &fs[q];
  size_t P = nacre_nn_model_nparams(ab);
  double *ws = malloc(P * sizeof *ws), *wa = malloc(P * sizeof *wa);
  nacre_nn_model_get_params(start, ws);
  nacre_nn_model_get_params(ab, wa);
  train_loss(start, ws, mix, fp, NULL, mix->n, &lw, NULL, NULL, &e0, &err);
  train_loss(ab, wa, mix, fp, NULL, mix->n, &lw, NULL, NULL, &e1, &err);
  free(ws);
  free(wa);
  printf("mixed structures: energy RMSE %.3g -> %.3g meV/atom training cross weights only\n",
         1e3 * e0.e_rmse, 1e3 * e1.e_rmse);
  CHECK(e1.e_rmse < 0.5 * e0.e_rmse, "cross-species training halves the mixed-structure error");
  for (int q = 0; q < mix->n; q++) train_features_free(&fs[q]);
  free(fs);
  free(fp);
  nacre_nn_model_free(ma);
  nacre_nn_model_free(mb);
  nacre_nn_model_free(start);
  nacre_nn_model_free(ab);
  nacre_dataset_free(pa);
  nacre_dataset_free(pb);
  nacre_dataset_free(mix);
  TEST_DONE();
}
