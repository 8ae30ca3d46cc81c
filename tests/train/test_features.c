/* test_features.c — training features from pot's Behler-Parrinello
 * descriptors (src/train/features.c): (1) forces and stress assembled from
 * the sparse per-pair derivatives of G2 and G4 equal finite differences of
 * the energy; (2) the model evaluated from features in training and by the
 * network potential (the fast path) gives the same energy, forces and
 * stress; (2b) its nacre JSON and MAISE files give them too; (3) a model
 * file read back rebuilds identical descriptors and energies. */
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "nacre/nn.h"
#include "nacre/pot.h"
#include "nnbuild.h"
#include "testing.h"
#include "train/fit_internal.h"

static int potential_efs(const nacre_nn_model *m, const nacre_structure *s, nacre_result *r) {
  nacre_error err;
  nacre_nn_model *c = nacre_nn_model_copy(m, &err);
  nacre_potential *p = NULL;
  if (!c || nacre_nn_potential_new(c, &p, &err)) return -1;
  nacre_calc *calc = nacre_calc_new(p, 0.5, &err);
  nacre_result_init(r, s->natoms, &err);
  int bad = nacre_calc_compute(calc, s, NACRE_WANT_ALL, r, &err) != NACRE_OK;
  nacre_calc_free(calc);
  nacre_potential_free(p);
  return bad ? -1 : 0;
}

int main(void) {
  nacre_error err;
  const int z[2] = {29, 47}, hidden[2] = {7, 5};
  const double ref[2] = {-3.7, -2.8};
  nacre_nn_model *m = nnbuild_random("maise:rc=4.5", 2, z, 2, hidden, 17, 1.0, ref);
  CHECK(m && m->desc.dim == 82,
        "MAISE 30-function basis for 2 species has 82 components (NCMP), got %d",
        m ? m->desc.dim : 0);
  if (!m) TEST_DONE();
  /* inputs scaled to O(1): descriptor derivatives are stored as floats, so
   * a huge normalisation range (one structure's tiny spread) would amplify
   * their rounding; data sets have ranges of order the values */
  for (int k = 0; k < m->nspecies * m->desc.dim; k++)
    m->input_min[k] = 0.01 * (k % 7); /* non-zero minima: folded into biases for MAISE */
  const int n[3] = {1, 1, 1};
  nacre_structure *s = build_bulk("fcc", 29, 3.8, n);
  s->numbers[1] = 47;
  s->numbers[3] = 47;
  build_rattle(s, 0.1, 4);
  const double eps[6] = {0.02, -0.01, 0.0, 0.01, -0.015, 0.005};
  build_strain(s, eps);
  train_features f;
  CHECK_OK(train_features_compute(m, s, &f, &err), &err);
  double e0, F[12], sig[6];
  CHECK_OK(train_predict(m, NULL, s, &f, &e0, F, sig, &err), &err);
  double maxerr = 0, fbig = 0;
  for (int k = 0; k < 12; k++) {
    double x0 = s->positions[k], e[2];
    for (int sg = 0; sg < 2; sg++) {
      train_features t;
      s->positions[k] = x0 + (sg ? -1e-4 : 1e-4);
      train_features_compute(m, s, &t, &err);
      train_predict(m, NULL, s, &t, &e[sg], NULL, NULL, &err);
      train_features_free(&t);
    }
    s->positions[k] = x0;
    double fd = -(e[0] - e[1]) / 2e-4;
    if (fabs(F[k] - fd) > maxerr) maxerr = fabs(F[k] - fd);
    if (fabs(fd) > fbig) fbig = fabs(fd);
  }
  CHECK(fbig > 1e-3 && maxerr < 1e-5 * (1 + fbig),
        "G2+G4 forces from sparse derivatives vs -dE/dr: %.3g (max |F| %.3g)", maxerr, fbig);

  /* (2) the network potential (fast path) */
  nacre_result r;
  if (!potential_efs(m, s, &r)) {
    CHECK_CLOSE(r.energy, e0, 1e-9 * (1 + fabs(e0)), "energy: nn potential vs training path");
    double df = 0, dsg = 0;
    for (int k = 0; k < 12; k++) df = fmax(df, fabs(r.forces[k] - F[k]));
    for (int v = 0; v < 6; v++) dsg = fmax(dsg, fabs(r.stress[v] - sig[v]));
    /* float storage of derivatives in training: ~1e-7 relative */
    CHECK(df < 1e-5 * (1 + fbig), "forces: nn potential vs training path differ by %.3g", df);
    CHECK(dsg < 1e-7, "stress: nn potential vs training path differ by %.3g eV/A^3", dsg);
    nacre_result_free(&r);
  } else {
    CHECK(0, "nn potential of the model");
  }

  /* (2b) nacre JSON and MAISE files give the same energy (MAISE files
   * carry MAISE's repulsion, whose range is below these distances) */
  {
    nacre_nn_model_set_maise_repulsion(m);
    char pj[] = "/tmp/nacre_nnjson_XXXXXX", pm[] = "/tmp/nacre_maise_XXXXXX";
    int fj = mkstemp(pj), fm = mkstemp(pm);
    close(fj);
    close(fm);
    CHECK_OK(nacre_nn_model_write(m, pj, &err), &err);
    CHECK_OK(nacre_nn_model_write_maise(m, pm, &err), &err);
    const char *paths[2] = {pj, pm};
    for (int q = 0; q < 2; q++) {
      nacre_nn_model *rm = NULL;
      CHECK_OK(nacre_nn_model_read(paths[q], &rm, &err), &err);
      if (!rm) continue;
      if (!potential_efs(rm, s, &r)) {
        CHECK_CLOSE(r.energy, e0, 1e-9 * (1 + fabs(e0)),
                    q ? "MAISE file read by the nn module: energy" : "nn JSON file: energy");
        double dfm = 0;
        for (int k = 0; k < 12; k++) dfm = fmax(dfm, fabs(r.forces[k] - F[k]));
        CHECK(dfm < 1e-5 * (1 + fbig), "%s: forces differ by %.3g", q ? "MAISE" : "JSON", dfm);
        nacre_result_free(&r);
      }
      nacre_nn_model_free(rm);
    }
    remove(pj);
    remove(pm);
    m->repulsion = 0;
  }

  /* (3) model file: the descriptors read back are identical */
  char path[] = "/tmp/nacre_bp_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  CHECK_OK(nacre_nn_model_write(m, path, &err), &err);
  nacre_nn_model *rr = NULL;
  CHECK_OK(nacre_nn_model_read(path, &rr, &err), &err);
  remove(path);
  if (rr) {
    train_features f2;
    double e2;
    CHECK_OK(train_features_compute(rr, s, &f2, &err), &err);
    train_predict(rr, NULL, s, &f2, &e2, NULL, NULL, &err);
    CHECK(e2 == e0 && !memcmp(f2.g, f.g, sizeof(double) * 4 * 82),
          "reread model: identical descriptors and energy (%.17g vs %.17g)", e2, e0);
    train_features_free(&f2);
    nacre_nn_model_free(rr);
  }
  train_features_free(&f);
  nacre_structure_free(s);
  nacre_nn_model_free(m);
  TEST_DONE();
}
