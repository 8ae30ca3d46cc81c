/* test_softmode.c — the bond-hardness harmonic model behind the soft-mode
 * mutation (src/search/softmode.c):
 *   - valence electrons by periodic-table group, against the table;
 *   - the analytic Hessian against central finite differences of the
 *     model energy, in a strained, rattled binary crystal and a cluster;
 *   - zero modes: 3 translations in a crystal, 6 rigid motions in a
 *     cluster, 5 in a dimer, whose one stretch mode lies along the bond;
 *   - invariance of the spectrum under a rotation of the whole structure
 *     and a permutation of its atoms;
 *   - physics: in hcp with its layers pulled apart, the softest mode is
 *     the sliding of one layer over the other (in-plane, opposite
 *     displacements), not the out-of-plane breathing;
 *   - with OpenBLAS, the caller's BLAS thread count is left as it was. */
#include <dlfcn.h>
#include <math.h>
#include <string.h>

#include "builders.h"
#include "nacre/search.h"
#include "testing.h"

static void check_valence(void) {
  /* group table: H 1, He 2, Li 1, C 4, O 6, Ne 8, Na 1, Si 4, Cl 7, K 1,
   * Ti 4, Fe 8, Cu 11, Zn 12, Ga 3, Kr 8, Sn 4, Cs 1, La 3, Ce 3, Lu 3,
   * Hf 4, Pt 10, Pb 4, Rn 8, U 3, Lr 3 */
  const int z[] = {1, 2, 3, 6, 8, 10, 11, 14, 17, 19, 22, 26, 29, 30,
                   31, 36, 50, 55, 57, 58, 71, 72, 78, 82, 86, 92, 103};
  const int want[] = {1, 2, 1, 4, 6, 8, 1, 4, 7, 1, 4, 8, 11, 12,
                      3, 8, 4, 1, 3, 3, 3, 4, 10, 4, 8, 3, 3};
  for (size_t k = 0; k < sizeof z / sizeof z[0]; k++)
    CHECK(nacre_valence_electrons(z[k]) == want[k], "Z=%d: %d valence electrons, want %d",
          z[k], nacre_valence_electrons(z[k]), want[k]);
  CHECK(nacre_valence_electrons(0) == 0 && nacre_valence_electrons(104) == 0,
        "outside 1..103: 0");
}

/* H against (E(x+h_a+h_b) − E(x+h_a−h_b) − E(x−h_a+h_b) + E(x−h_a−h_b))
 * / 4h². With h = 1e-4 Å the truncation error is ~h² E'''' ≈ 1e-8 of H
 * and the rounding of E (~1e-16 r0 per spring length) ~1e-10 of H: 1e-6
 * of the largest element is a tight bound. */
static void check_hessian_fd(const nacre_structure *s, const char *what) {
  nacre_error err;
  nacre_bond_model *m = NULL;
  CHECK_OK(nacre_bond_model_new(s, &m, &err), &err);
  if (!m) return;
  CHECK(nacre_bond_model_springs(m) > 0, "%s: springs", what);
  int n3 = 3 * s->natoms;
  double *h = malloc(sizeof(double) * n3 * n3);
  double *x = malloc(sizeof(double) * n3);
  nacre_bond_model_hessian(m, s->positions, h);
  CHECK(fabs(nacre_bond_model_energy(m, s->positions)) < 1e-20,
        "%s: the structure is the model's minimum", what);
  double hmax = 0, worst = 0, step = 1e-4, asym = 0;
  for (int k = 0; k < n3 * n3; k++) hmax = fmax(hmax, fabs(h[k]));
  for (int a = 0; a < n3; a++)
    for (int b = 0; b < n3; b++) {
      double e[4];
      const int sa[4] = {1, 1, -1, -1}, sb[4] = {1, -1, 1, -1};
      for (int t = 0; t < 4; t++) {
        memcpy(x, s->positions, sizeof(double) * n3);
        x[a] += sa[t] * step;
        x[b] += sb[t] * step;
        e[t] = nacre_bond_model_energy(m, x);
      }
      double fd = (e[0] - e[1] - e[2] + e[3]) / (4 * step * step);
      worst = fmax(worst, fabs(fd - h[a * n3 + b]));
      asym = fmax(asym, fabs(h[a * n3 + b] - h[b * n3 + a]));
    }
  printf("%s: %d atoms, %zu springs, max |H| %.3g, max |H - FD| %.2e\n", what,
         s->natoms, nacre_bond_model_springs(m), hmax, worst);
  CHECK(hmax > 0 && worst < 1e-6 * hmax,
        "%s: Hessian = finite differences of E (max error %.2e, |H| %.3g)",
        what, worst, hmax);
  CHECK(asym < 1e-14 * hmax, "%s: Hessian symmetric (%.1e)", what, asym);
  free(h), free(x);
  nacre_bond_model_free(m);
}

/* eigenvalues below 1e-8 of the largest */
static int zero_modes(const double *w, int n3) {
  int z = 0;
  for (int k = 0; k < n3; k++) z += fabs(w[k]) < 1e-8 * fabs(w[n3 - 1]);
  return z;
}

static nacre_structure *cluster(int n, const int *z, const double (*x)[3]) {
  nacre_structure *s = nacre_structure_new(n, NULL);
  for (int k = 0; k < 3; k++) {
    s->pbc[k] = 0;
    s->cell[k][k] = 30;
  }
  for (int i = 0; i < n; i++) {
    s->numbers[i] = z[i];
    for (int k = 0; k < 3; k++) s->positions[3 * i + k] = 15 + x[i][k];
  }
  return s;
}

static void modes(const nacre_structure *s, double **w, double **v) {
  int n3 = 3 * s->natoms;
  *w = malloc(sizeof(double) * n3);
  *v = malloc(sizeof(double) * n3 * n3);
  nacre_error err;
  CHECK_OK(nacre_soft_modes(s, *w, *v, &err), &err);
}

static void check_crystal(void) {
  /* Li3Sn on fcc sites, strained and rattled: springs of two kinds */
  nacre_structure *s = build_bulk("fcc", 3, 4.6, (const int[3]){1, 1, 1});
  s->numbers[0] = 50;
  build_strain(s, (const double[6]){0.03, -0.02, 0.01, 0.02, -0.01, 0.015});
  build_rattle(s, 0.15, 7);
  check_hessian_fd(s, "Li3Sn crystal");
  double *w, *v;
  modes(s, &w, &v);
  CHECK(zero_modes(w, 12) == 3, "crystal: 3 zero modes (translations), got %d",
        zero_modes(w, 12));
  for (int k = 1; k < 12; k++) CHECK(w[k] >= w[k - 1], "ascending");
  /* orthonormal eigenvectors */
  double worst = 0;
  for (int a = 0; a < 12; a++)
    for (int b = 0; b < 12; b++) {
      double d = 0;
      for (int k = 0; k < 12; k++) d += v[12 * a + k] * v[12 * b + k];
      worst = fmax(worst, fabs(d - (a == b)));
    }
  CHECK(worst < 1e-12, "eigenvectors orthonormal (%.1e)", worst);

  /* rotation and permutation leave the spectrum unchanged (1e-10
   * relative: LAPACK's backward error on a 12 × 12 matrix) */
  nacre_structure *r = nacre_structure_copy(s, NULL);
  double rot[3][3];
  build_random_rotation(rot, 3);
  build_rotate(r, rot);
  for (int k = 0; k < 3; k++) { /* swap atoms 0 and 3 */
    double t = r->positions[k];
    r->positions[k] = r->positions[9 + k];
    r->positions[9 + k] = t;
  }
  int zt = r->numbers[0];
  r->numbers[0] = r->numbers[3], r->numbers[3] = zt;
  double *wr, *vr;
  modes(r, &wr, &vr);
  double dmax = 0;
  for (int k = 0; k < 12; k++) dmax = fmax(dmax, fabs(wr[k] - w[k]));
  CHECK(dmax < 1e-10 * w[11], "rotated, permuted: same spectrum (%.1e)", dmax);
  free(wr), free(vr), free(w), free(v);
  nacre_structure_free(r);
  nacre_structure_free(s);
}

static void check_clusters(void) {
  const int z[6] = {11, 11, 11, 3, 3, 50};
  const double x[6][3] = {{0, 0, 0},      {3.1, 0.2, 0},   {1.4, 2.7, 0.3},
                          {1.5, 0.9, 2.6}, {-1.2, 1.8, 2.0}, {3.0, 2.6, 2.4}};
  nacre_structure *s = cluster(6, z, x);
  check_hessian_fd(s, "Na3Li2Sn cluster");
  double *w, *v;
  modes(s, &w, &v);
  CHECK(zero_modes(w, 18) == 6, "cluster: 6 zero modes (translations, "
        "rotations), got %d", zero_modes(w, 18));
  free(w), free(v);
  nacre_structure_free(s);

  /* a dimer: 5 zero modes and the stretch, (−ê, ê)/√2 */
  const double xd[2][3] = {{0, 0, 0}, {1.8, 1.2, -2.0}};
  s = cluster(2, (const int[2]){11, 11}, xd);
  modes(s, &w, &v);
  CHECK(zero_modes(w, 6) == 5, "dimer: 5 zero modes, got %d", zero_modes(w, 6));
  double len = sqrt(1.8 * 1.8 + 1.2 * 1.2 + 2.0 * 2.0), dot = 0;
  for (int k = 0; k < 3; k++)
    dot += (v[5 * 6 + 3 + k] - v[5 * 6 + k]) * xd[1][k] / len / sqrt(2.0);
  CHECK_CLOSE(fabs(dot), 1, 1e-12, "dimer: the stretch is along the bond");
  free(w), free(v);
  nacre_structure_free(s);
}

static void check_layer_sliding(void) {
  /* hcp Na, a = 3.7 Å, c stretched by 30 % (c/a 2.12): the interlayer
   * bonds (4.46 Å) are soft and nearly along c, so moving the layers
   * against each other in plane costs least */
  nacre_structure *s = build_bulk("hcp", 11, 3.7, (const int[3]){1, 1, 1});
  build_strain(s, (const double[6]){0, 0, 0.3, 0, 0, 0});
  double *w, *v;
  modes(s, &w, &v);
  CHECK(zero_modes(w, 6) == 3, "hcp: 3 translations");
  const double *u = v + 3 * 6; /* the softest non-zero mode */
  double z = fabs(u[2]) + fabs(u[5]), opp = 0;
  for (int k = 0; k < 3; k++) opp = fmax(opp, fabs(u[k] + u[3 + k]));
  printf("stretched hcp: eigenvalues %.4g %.4g %.4g (optical)\n", w[3], w[4],
         w[5]);
  CHECK(z < 1e-10 && opp < 1e-10,
        "softest mode: layers slide in plane, atoms opposite (|u_z| %.1e, "
        "|u1+u2| %.1e)", z, opp);
  CHECK(w[5] > 1.5 * w[4], "the out-of-plane mode is stiffer (%g vs %g)", w[5],
        w[4]);
  CHECK(fabs(w[3] - w[4]) < 1e-9 * w[5],
        "the two sliding directions are degenerate (hexagonal symmetry)");
  free(w), free(v);
  nacre_structure_free(s);
}

static void check_blas_threads(void) {
  void *self = dlopen(NULL, RTLD_LAZY);
  int (*get)(void) = NULL;
  void (*set)(int) = NULL;
  if (self) {
    *(void **)&get = dlsym(self, "openblas_get_num_threads");
    *(void **)&set = dlsym(self, "openblas_set_num_threads");
    dlclose(self);
  }
  if (!get || !set) {
    printf("BLAS is not OpenBLAS: thread-count check skipped\n");
    return;
  }
  int before = get();
  set(2);
  nacre_structure *s = build_bulk("hcp", 11, 3.7, (const int[3]){1, 1, 1});
  double *w, *v;
  modes(s, &w, &v);
  CHECK(get() == 2, "OpenBLAS threads restored (%d, want 2)", get());
  set(before);
  free(w), free(v);
  nacre_structure_free(s);
}

int main(void) {
  check_valence();
  check_blas_threads();
  check_crystal();
  check_clusters();
  check_layer_sliding();
  TEST_DONE();
}
