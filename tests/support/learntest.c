/* learntest.c — the active-learning tests' known truth: see learntest.h. */
#include "learntest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/md.h"
#include "testing.h"

nacre_dataset *learntest_truth_set(const char *truth, const nacre_structure *s,
                                   double temperature_k, int frames, int steps) {
  nacre_error err;
  nacre_potential *truth_pot = NULL;
  nacre_dataset *d = nacre_dataset_new(&err);
  CHECK_OK(nacre_potential_load(truth, &truth_pot, &err), &err);
  nacre_calc *calc = nacre_calc_new(truth_pot, -1, &err);
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.timestep_fs = 2;
  o.temperature_k = temperature_k;
  o.thermostat = NACRE_MD_BUSSI;
  o.seed = 99;
  nacre_md *md = NULL;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &md, &err), &err);
  nacre_result r;
  nacre_result_init(&r, s->natoms, &err);
  for (int k = 0; k < frames && md; k++) {
    nacre_md_outcome out;
    CHECK_OK(nacre_md_run(md, steps, NULL, &out, &err), &err);
    nacre_sample sm;
    memset(&sm, 0, sizeof sm);
    sm.s = nacre_structure_copy(nacre_md_structure(md), &err);
    CHECK_OK(nacre_calc_compute(calc, sm.s, NACRE_WANT_ALL, &r, &err), &err);
    sm.energy = r.energy;
    sm.forces = malloc(3 * (size_t)s->natoms * sizeof *sm.forces);
    memcpy(sm.forces, r.forces, 3 * (size_t)s->natoms * sizeof *sm.forces);
    memcpy(sm.stress, r.stress, sizeof sm.stress);
    sm.has = NACRE_LABEL_ENERGY | NACRE_LABEL_FORCES | NACRE_LABEL_STRESS;
    nacre_dataset_take(d, &sm, &err);
  }
  nacre_result_free(&r);
  nacre_md_free(md);
  nacre_calc_free(calc);
  nacre_potential_free(truth_pot);
  return d;
}

nacre_errors learntest_errors(const char *model, const nacre_dataset *d) {
  nacre_errors e;
  memset(&e, 0, sizeof e);
  e.e_rmse = e.f_rmse = NAN;
  nacre_error err;
  nacre_potential *p = NULL;
  CHECK_OK(nacre_potential_load(model, &p, &err), &err);
  if (!p) return e;
  long na = nacre_dataset_natoms(d);
  double *ep = malloc((size_t)d->n * sizeof *ep), *fp = malloc(3 * (size_t)na * sizeof *fp);
  double(*sp)[6] = malloc((size_t)d->n * sizeof *sp);
  CHECK_OK(nacre_potential_evaluate(p, d, ep, fp, sp, NULL, NULL, NULL, &e, &err), &err);
  free(ep);
  free(fp);
  free(sp);
  nacre_potential_free(p);
  return e;
}
