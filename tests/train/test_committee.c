/* test_committee.c — committees of trained models: (1) as a potential
 * (loaded from the committee file by nacre_potential_load) forces equal
 * −∂E/∂r and stress (1/V)∂E/∂ε by finite differences, and the energy is
 * invariant under translation, rotation, permutation and supercells;
 * (2) the committee mean and deviations equal those computed by hand from
 * the members; a committee of identical members has zero deviation. */
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "nacre/pot.h"
#include "nacre/train.h"
#include "potcheck.h"
#include "testing.h"

static nacre_train_model *member(uint64_t seed) {
  nacre_error err;
  nacre_featurizer feat;
  nacre_featurizer_radial(4.0, 4, 0.1, 1.2, 2, &feat, &err);
  const int z[2] = {11, 3}, hidden[2] = {6, 5};
  nacre_train_model *m;
  nacre_train_model_new(&m, 2, z, 2, hidden, NACRE_ACT_TANH, &feat, &err);
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 0);
  for (int s = 0; s < 2; s++) nacre_mlp_randomize(&m->mlp, m->w + s * m->mlp.nweights, &rng);
  for (int k = 0; k < m->nspecies * m->dim; k++) m->grange[k] = 0.5;
  m->e_ref[0] = -1.3;
  m->e_ref[1] = -1.9;
  return m;
}

int main(void) {
  nacre_error err;
  nacre_committee c = {3, NULL};
  nacre_train_model *ms[3] = {member(1), member(2), member(3)};
  c.models = ms;
  char path[] = "/tmp/nacre_committee_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  CHECK_OK(nacre_committee_write(&c, path, &err), &err);
  nacre_potential *p = NULL;
  CHECK_OK(nacre_potential_load(path, &p, &err), &err);
  remove(path);
  if (!p) TEST_DONE();
  CHECK(!strcmp(nacre_potential_kind(p), "committee") && nacre_committee_of_potential(p),
        "loaded as kind 'committee'");
  const int n[3] = {2, 1, 1};
  nacre_structure *s = build_bulk("bcc", 11, 4.2, n);
  s->numbers[1] = 3;
  s->numbers[2] = 3;
  build_rattle(s, 0.15, 9);
  const double eps[6] = {0.01, -0.02, 0.015, 0.01, 0.0, -0.01};
  build_strain(s, eps);
  double fmax;
  double df = potcheck_force_fd(p, s, 1e-4, &fmax);
  /* float storage of descriptor derivatives: ~1e-7 relative */
  CHECK(df < 1e-5 * (1 + fmax), "committee forces vs finite differences: %.3g (max |F| %.3g)", df,
        fmax);
  double ds = potcheck_stress_fd(p, s, 1e-5);
  CHECK(ds < 1e-7, "committee stress vs finite strain: %.3g eV/A^3", ds);
  double inv = potcheck_invariance(p, s, 5);
  CHECK(inv < 1e-10, "invariances: %.3g eV/atom", inv);

  /* (2) mean and deviation by hand */
  const nacre_committee *cc = nacre_committee_of_potential(p);
  double F[3][48], e[3], Fm[48];
  nacre_committee_result r;
  CHECK_OK(nacre_committee_predict(cc, s, Fm, NULL, &r, &err), &err);
  for (int k = 0; k < 3; k++) {
    nacre_features f;
    cc->models[k]->feat.compute(cc->models[k]->feat.self, s, 2, cc->models[k]->species_z, &f, &err);
    nacre_train_model_predict(cc->models[k], NULL, s, &f, &e[k], F[k], NULL, &err);
    nacre_features_free(&f);
  }
  double em = (e[0] + e[1] + e[2]) / 3;
  double sd = sqrt(((e[0] - em) * (e[0] - em) + (e[1] - em) * (e[1] - em) + (e[2] - em) * (e[2] - em)) / 3);
  CHECK_CLOSE(r.energy, em, 1e-12, "committee energy = mean of members");
  CHECK_CLOSE(r.energy_dev_per_atom, sd / s->natoms, 1e-12, "energy deviation per atom");
  double fdev = 0;
  for (int i = 0; i < s->natoms; i++) {
    double v = 0;
    for (int k = 0; k < 3; k++)
      for (int a = 0; a < 3; a++) {
        double m = (F[0][3 * i + a] + F[1][3 * i + a] + F[2][3 * i + a]) / 3;
        v += (F[k][3 * i + a] - m) * (F[k][3 * i + a] - m) / 3;
        if (k == 0) CHECK_CLOSE(Fm[3 * i + a], m, 1e-12, "mean force");
      }
    if (sqrt(v) > fdev) fdev = sqrt(v);
  }
  CHECK_CLOSE(r.force_dev_max, fdev, 1e-12, "max atomic force deviation");
  CHECK(r.force_dev_max > 1e-3, "distinct members disagree (%.3g eV/A)", r.force_dev_max);
  nacre_train_model *same[2] = {ms[0], ms[0]};
  nacre_committee c2 = {2, same};
  CHECK_OK(nacre_committee_predict(&c2, s, NULL, NULL, &r, &err), &err);
  CHECK(r.energy_dev_per_atom == 0 && r.force_dev_max == 0, "identical members: zero deviation");
  nacre_structure_free(s);
  nacre_potential_free(p);
  for (int k = 0; k < 3; k++) nacre_train_model_free(ms[k]);
  TEST_DONE();
}
