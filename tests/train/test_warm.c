/* test_warm.c — warm-started retraining (nacre_fit_options.warm, as active
 * learning retrains): member k starts from warm[k] — its weights, input
 * reference energies, its network rewritten for the input normalisation
 * measured on the new data — so (1) a warm start trained with a vanishing
 * learning rate predicts what warm[k] predicts, to 1e-9 eV, also on data
 * that extend the range, and its normalisation is the one a fresh start on
 * that data measures (its inputs span [0, 1], not the old data's range);
 * (2) each member keeps its own start (the members of a committee stay
 * different); (3) warm starts of other descriptors are refused; (4) warm-
 * started training lowers the loss from there. */
#include <math.h>
#include <string.h>

#include "builders.h"
#include "nacre/train.h"
#include "testing.h"

#define LJ "lj:epsilon=0.2,sigma=2.3,cutoff=5,shift=1"

static nacre_dataset *make_set(int n, double a, uint64_t seed) {
  nacre_error err;
  nacre_dataset *d = nacre_dataset_new(&err);
  nacre_potential *p = NULL;
  CHECK_OK(nacre_potential_load(LJ, &p, &err), &err);
  nacre_calc *c = nacre_calc_new(p, -1, &err);
  const int rep[3] = {1, 1, 1};
  for (int q = 0; q < n; q++) {
    nacre_sample sm;
    memset(&sm, 0, sizeof sm);
    sm.s = build_bulk("fcc", 29, a + 0.03 * (q % 4), rep);
    build_rattle(sm.s, 0.08, seed + q);
    nacre_result r;
    nacre_result_init(&r, 4, &err);
    CHECK_OK(nacre_calc_compute(c, sm.s, NACRE_WANT_ALL, &r, &err), &err);
    sm.energy = r.energy;
    sm.forces = malloc(12 * sizeof *sm.forces);
    memcpy(sm.forces, r.forces, 12 * sizeof *sm.forces);
    sm.has = NACRE_LABEL_ENERGY | NACRE_LABEL_FORCES;
    nacre_result_free(&r);
    nacre_dataset_take(d, &sm, &err);
  }
  nacre_calc_free(c);
  nacre_potential_free(p);
  return d;
}

static void options(nacre_fit_options *o, const char *desc) {
  nacre_fit_options_init(o);
  snprintf(o->descriptors, sizeof o->descriptors, "%s", desc);
  o->nhidden = 1;
  o->hidden[0] = 5;
  o->train.patience = 0;
  o->train.checkpoint_interval_s = 0;
  o->ensemble = 2;
}

static nacre_nn_model **fit(const nacre_dataset *d, nacre_fit_options *o,
                            nacre_fit_report *rep) {
  nacre_error err;
  nacre_nn_model **m = NULL;
  nacre_dataset *none = nacre_dataset_new(&err);
  nacre_status st = nacre_fit(d, NULL, none, o, NULL, NULL, NULL, &m, rep, &err);
  CHECK_OK(st, &err);
  nacre_dataset_free(none);
  return st ? NULL : m;
}

static double energy(const nacre_nn_model *m, const nacre_structure *s) {
  nacre_error err;
  nacre_nn_model *c = nacre_nn_model_copy(m, &err);
  nacre_potential *p = NULL;
  CHECK_OK(nacre_nn_potential_new(c, &p, &err), &err);
  nacre_calc *calc = nacre_calc_new(p, -1, &err);
  nacre_result r;
  nacre_result_init(&r, s->natoms, &err);
  CHECK_OK(nacre_calc_compute(calc, s, NACRE_WANT_ENERGY, &r, &err), &err);
  double e = r.energy;
  nacre_result_free(&r);
  nacre_calc_free(calc);
  nacre_potential_free(p);
  return e;
}

static void free_models(nacre_nn_model **m, int k) {
  if (!m) return;
  for (int q = 0; q < k; q++) nacre_nn_model_free(m[q]);
  free(m);
}

int main(void) {
  const char *desc = "radial:rc=5,n=4,eta_min=0.05,eta_max=1";
  nacre_dataset *d1 = make_set(6, 3.6, 10);
  nacre_dataset *d2 = make_set(10, 3.45, 40); /* denser: a wider range */
  nacre_fit_options o;
  nacre_fit_report r1, r2;
  options(&o, desc);
  o.train.epochs = 40;
  nacre_nn_model **a = fit(d1, &o, &r1);
  if (!a) TEST_DONE();

  /* (1), (2): a vanishing step keeps each member where it was */
  options(&o, desc);
  o.warm = (const nacre_nn_model *const *)a;
  o.nwarm = 2;
  o.train.optimizer = NACRE_OPT_ADAM;
  o.train.lr = 1e-14;
  o.train.lr_min = 1e-15;
  o.train.epochs = 1;
  o.seed = 77; /* other seeds: the start must not come from them */
  nacre_nn_model **b = fit(d2, &o, &r2);
  for (int k = 0; b && k < 2; k++)
    for (int q = 0; q < d2->n; q++)
      CHECK_CLOSE(energy(b[k], d2->items[q].s), energy(a[k], d2->items[q].s), 1e-9,
                  "warm-started member keeps its start's energy");
  if (b)
    CHECK(fabs(energy(b[0], d2->items[0].s) - energy(b[1], d2->items[0].s)) > 1e-6,
          "members keep different starts");
  /* the normalisation of a fresh start on d2, not a's */
  options(&o, desc);
  o.train.epochs = 1;
  nacre_nn_model **fresh = fit(d2, &o, &r2);
  if (b && fresh) {
    int n = b[0]->nspecies * b[0]->desc.dim, differs = 0;
    for (int k = 0; k < n; k++) {
      CHECK_CLOSE(b[0]->input_min[k], fresh[0]->input_min[k], 1e-12, "input_min");
      CHECK_CLOSE(b[0]->input_scale[k], fresh[0]->input_scale[k],
                  1e-12 * fabs(fresh[0]->input_scale[k]), "input_scale");
      differs |= fabs(a[0]->input_min[k] - fresh[0]->input_min[k]) > 1e-6;
    }
    CHECK(differs, "d2 extends d1's range (the check above can fail)");
  }
  free_models(fresh, 2);
  free_models(b, 2);

  /* (3) other descriptors */
  options(&o, "radial:rc=5,n=6,eta_min=0.05,eta_max=1");
  o.warm = (const nacre_nn_model *const *)a;
  o.nwarm = 2;
  o.train.epochs = 1;
  nacre_error err;
  nacre_nn_model **m = NULL;
  nacre_status st = nacre_fit(d2, NULL, NULL, &o, NULL, NULL, NULL, &m, &r2, &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "warm start"),
        "other descriptors refused: %s", err.message);

  /* (4) training from the warm start lowers the loss on the new data */
  options(&o, desc);
  o.warm = (const nacre_nn_model *const *)a;
  o.nwarm = 2;
  o.train.epochs = 1;
  o.train.optimizer = NACRE_OPT_ADAM;
  o.train.lr = 1e-14;
  o.train.lr_min = 1e-15;
  nacre_nn_model **c0 = fit(d2, &o, &r1);
  options(&o, desc);
  o.warm = (const nacre_nn_model *const *)a;
  o.nwarm = 2;
  o.train.epochs = 30;
  nacre_nn_model **c1 = fit(d2, &o, &r2);
  CHECK(r2.train.loss < r1.train.loss, "warm-started training lowers the loss: %g -> %g",
        r1.train.loss, r2.train.loss);
  free_models(c0, 2);
  free_models(c1, 2);
  free_models(a, 2);
  nacre_dataset_free(d1);
  nacre_dataset_free(d2);
  TEST_DONE();
}
