/* test_nn_bridge.c — training with the nn module's Behler-Parrinello
 * descriptors: (1) forces and stress assembled from the sparse per-pair
 * derivatives of G2 and G4 equal finite differences of the energy; (2) the
 * model exported to the nn module (nacre_train_model_to_nn) and evaluated
 * by the nn potential gives the same energy, forces and stress; (3) the
 * bp: spec written in model files rebuilds identical descriptors. */
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "nacre/nn.h"
#include "nacre/pot.h"
#include "nacre/train.h"
#include "testing.h"

int main(void) {
  nacre_error err;
  const int z[2] = {29, 47}, hidden[2] = {7, 5};
  nacre_featurizer feat;
  CHECK_OK(nacre_featurizer_from_spec("maise:rc=4.5", 2, &feat, &err), &err);
  CHECK(feat.dim == 82, "MAISE 30-function basis for 2 species has 82 components (NCMP), got %d",
        feat.dim);
  nacre_train_model *m;
  CHECK_OK(nacre_train_model_new(&m, 2, z, 2, hidden, NACRE_ACT_TANH, &feat, &err), &err);
  const int n[3] = {1, 1, 1};
  nacre_structure *s = build_bulk("fcc", 29, 3.8, n);
  s->numbers[1] = 47;
  s->numbers[3] = 47;
  build_rattle(s, 0.1, 4);
  const double eps[6] = {0.02, -0.01, 0.0, 0.01, -0.015, 0.005};
  build_strain(s, eps);
  nacre_features f;
  CHECK_OK(m->feat.compute(m->feat.self, s, 2, z, &f, &err), &err);
  /* inputs scaled to O(1): descriptor derivatives are stored as floats, so
   * a huge normalisation range (one structure's tiny spread) would amplify
   * their rounding; data sets have ranges of order the values */
  for (int k = 0; k < m->nspecies * m->dim; k++) {
    m->grange[k] = 1.0;
    m->gmin[k] = 0.01 * (k % 7); /* non-zero minima: folded into biases for MAISE */
  }
  nacre_rng rng;
  nacre_rng_init(&rng, 17, 0);
  for (int q = 0; q < 2; q++) nacre_mlp_randomize(&m->mlp, m->w + q * m->mlp.nweights, &rng);
  m->e_ref[0] = -3.7;
  m->e_ref[1] = -2.8;
  double e0, F[12], sig[6];
  CHECK_OK(nacre_train_model_predict(m, NULL, s, &f, &e0, F, sig, &err), &err);
  double maxerr = 0, fbig = 0;
  for (int k = 0; k < 12; k++) {
    double x0 = s->positions[k], e[2];
    for (int sg = 0; sg < 2; sg++) {
      nacre_features t;
      s->positions[k] = x0 + (sg ? -1e-4 : 1e-4);
      m->feat.compute(m->feat.self, s, 2, z, &t, &err);
      nacre_train_model_predict(m, NULL, s, &t, &e[sg], NULL, NULL, &err);
      nacre_features_free(&t);
    }
    s->positions[k] = x0;
    double fd = -(e[0] - e[1]) / 2e-4;
    if (fabs(F[k] - fd) > maxerr) maxerr = fabs(F[k] - fd);
    if (fabs(fd) > fbig) fbig = fabs(fd);
  }
  CHECK(fbig > 1e-3 && maxerr < 1e-5 * (1 + fbig),
        "G2+G4 forces from sparse derivatives vs -dE/dr: %.3g (max |F| %.3g)", maxerr, fbig);

  /* (2) export to the nn module */
  nacre_nn_model *nm = NULL;
  CHECK_OK(nacre_train_model_to_nn(m, &nm, &err), &err);
  nacre_potential *p = NULL;
  if (nm) CHECK_OK(nacre_nn_potential_new(nm, &p, &err), &err);
  if (p) {
    nacre_calc *c = nacre_calc_new(p, 0.5, &err);
    nacre_result r;
    nacre_result_init(&r, s->natoms, &err);
    CHECK_OK(nacre_calc_compute(c, s, NACRE_WANT_ALL, &r, &err), &err);
    CHECK_CLOSE(r.energy, e0, 1e-9 * (1 + fabs(e0)), "energy: nn potential vs training model");
    double df = 0, dsg = 0;
    for (int k = 0; k < 12; k++) df = fmax(df, fabs(r.forces[k] - F[k]));
    for (int v = 0; v < 6; v++) dsg = fmax(dsg, fabs(r.stress[v] - sig[v]));
    /* float storage of derivatives in training: ~1e-7 relative */
    CHECK(df < 1e-5 * (1 + fbig), "forces: nn potential vs training model differ by %.3g", df);
    CHECK(dsg < 1e-7, "stress: nn potential vs training model differ by %.3g eV/A^3", dsg);
    nacre_result_free(&r);
    nacre_calc_free(c);
    nacre_potential_free(p);
  }

  /* (2b) nn JSON and MAISE files give the same energy (MAISE's repulsion
   * switched off for the comparison: its range is below these distances
   * anyway) */
  {
    char pj[] = "/tmp/nacre_nnjson_XXXXXX", pm[] = "/tmp/nacre_maise_XXXXXX";
    int fj = mkstemp(pj), fm = mkstemp(pm);
    close(fj);
    close(fm);
    CHECK_OK(nacre_train_model_write_nn(m, pj, &err), &err);
    CHECK_OK(nacre_train_model_write_maise(m, pm, &err), &err);
    const char *paths[2] = {pj, pm};
    for (int q = 0; q < 2; q++) {
      nacre_nn_model *rm = NULL;
      CHECK_OK(nacre_nn_model_read(paths[q], &rm, &err), &err);
      if (!rm) continue;
      rm->repulsion = 0;
      nacre_potential *pp = NULL;
      CHECK_OK(nacre_nn_potential_new(rm, &pp, &err), &err);
      if (!pp) continue;
      nacre_calc *c = nacre_calc_new(pp, 0.5, &err);
      nacre_result r;
      nacre_result_init(&r, s->natoms, &err);
      CHECK_OK(nacre_calc_compute(c, s, NACRE_WANT_ALL, &r, &err), &err);
      CHECK_CLOSE(r.energy, e0, 1e-9 * (1 + fabs(e0)),
                  q ? "MAISE file read by the nn module: energy" : "nn JSON file: energy");
      double dfm = 0;
      for (int k = 0; k < 12; k++) dfm = fmax(dfm, fabs(r.forces[k] - F[k]));
      CHECK(dfm < 1e-5 * (1 + fbig), "%s: forces differ by %.3g", q ? "MAISE" : "JSON", dfm);
      nacre_result_free(&r);
      nacre_calc_free(c);
      nacre_potential_free(pp);
    }
    remove(pj);
    remove(pm);
  }

  /* (3) model file: bp: spec rebuilds the same descriptors */
  char path[] = "/tmp/nacre_bp_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  CHECK_OK(nacre_train_model_write(m, path, &err), &err);
  nacre_train_model *r = NULL;
  CHECK_OK(nacre_train_model_read(path, &r, &err), &err);
  remove(path);
  if (r) {
    nacre_features f2;
    double e2;
    CHECK_OK(r->feat.compute(r->feat.self, s, 2, z, &f2, &err), &err);
    nacre_train_model_predict(r, NULL, s, &f2, &e2, NULL, NULL, &err);
    CHECK(e2 == e0 && !memcmp(f2.g, f.g, sizeof(double) * 4 * 82),
          "reread model: identical descriptors and energy (%.17g vs %.17g)", e2, e0);
    nacre_features_free(&f2);
    nacre_train_model_free(r);
  }
  nacre_features_free(&f);
  nacre_structure_free(s);
  nacre_train_model_free(m);
  TEST_DONE();
}
