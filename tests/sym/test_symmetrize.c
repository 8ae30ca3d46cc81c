/* test_symmetrize.c — symmetrisation and the tolerance scan.
 * 1. Structures rattled by ~1e-3 Å, strained by 1e-4 and rotated (also as
 *    supercells of a skewed shape), once
 *    symmetrised at 0.01 Å, carry the original group at 1e-5 Å, every
 *    operation maps every atom onto its image to 1e-9 Å, the lattice metric
 *    is the ideal one (cubic: a = b = c, right angles, to 1e-12 relative),
 *    atoms keep their order and stay within 0.01 Å of where they were, the
 *    cell keeps its orientation, and symmetrising again moves nothing
 *    (1e-10 Å).
 * 2. Forces and stress: Lennard-Jones forces and stress of exactly
 *    symmetric structures are already symmetric, so symmetrising them
 *    changes nothing (1e-10 relative); random forces come out invariant
 *    under every operation (F_g(i) = C_g F_i); random stress on a cubic
 *    crystal becomes (tr σ / 3) I, the analytic projection.
 * 3. The tolerance scan finds the parent group of a structure distorted by
 *    0.02 Å, at a tolerance just above the distortion. */
#include <string.h>

#include "builders.h"
#include "nacre/pot.h"
#include "nacre/sym.h"
#include "testing.h"

typedef struct sites {
  const char *name;
  int hall;
  double abc[3], angles[3];
  int nsites, z[3];
  double frac[3][3];
  int sg;
} sites;

static const sites cases[] = {
    {"spinel", 526, {8.08, 8.08, 8.08}, {90, 90, 90}, 3, {12, 13, 8},
     {{0.125, 0.125, 0.125}, {0.5, 0.5, 0.5}, {0.2624, 0.2624, 0.2624}}, 227},
    {"wurtzite", 480, {3.25, 3.25, 5.21}, {90, 90, 120}, 2, {30, 8},
     {{1.0 / 3, 2.0 / 3, 0}, {1.0 / 3, 2.0 / 3, 0.382}}, 186},
    {"A7 As", 458, {3.76, 3.76, 10.55}, {90, 90, 120}, 1, {33},
     {{0, 0, 0.227}}, 166},
    {"beta-Sn", 426, {5.83, 5.83, 3.18}, {90, 90, 90}, 1, {50}, {{0, 0, 0}},
     141},
    {"C2/m", 63, {5.0, 3.5, 4.5}, {90, 110, 90}, 2, {29, 8},
     {{0, 0, 0}, {0.3, 0, 0.2}}, 12},
    {"perovskite", 517, {3.905, 3.905, 3.905}, {90, 90, 90}, 3, {38, 22, 8},
     {{0, 0, 0}, {0.5, 0.5, 0.5}, {0, 0.5, 0.5}}, 221},
};

static nacre_structure *build(const sites *c) {
  return build_from_sites(c->hall, c->abc, c->angles, c->nsites, c->z,
                          c->frac);
}

/* Largest distance between an atom's image under an operation and the atom
 * it maps onto (Å), over all operations and atoms. */
static double symmetry_residual(const nacre_symmetry *sym,
                                const nacre_structure *s) {
  double *frac = malloc(3 * (size_t)s->natoms * sizeof *frac);
  nacre_structure_get_frac(s, frac, NULL);
  double worst = 0.0;
  for (int k = 0; k < sym->nops; k++)
    for (int i = 0; i < s->natoms; i++) {
      double y[3];
      for (int a = 0; a < 3; a++)
        y[a] = sym->rot[k][a][0] * frac[3 * i] +
               sym->rot[k][a][1] * frac[3 * i + 1] +
               sym->rot[k][a][2] * frac[3 * i + 2] + sym->trans[k][a];
      double best = INFINITY;
      for (int j = 0; j < s->natoms; j++) {
        if (s->numbers[j] != s->numbers[i]) continue;
        double f[3], d[3];
        for (int a = 0; a < 3; a++) {
          f[a] = y[a] - frac[3 * j + a];
          f[a] -= round(f[a]);
        }
        nacre_cell_frac_to_cart(s->cell, f, d);
        best = fmin(best, sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]));
      }
      worst = fmax(worst, best);
    }
  free(frac);
  return worst;
}

static double max_abs_diff(const double *a, const double *b, int n) {
  double m = 0.0;
  for (int i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]));
  return m;
}

static void check_symmetrize(const sites *c, int index, int supercell) {
  nacre_error err;
  nacre_structure *ideal = build(c);
  CHECK(ideal != NULL, "%s built", c->name);
  if (!ideal) return;
  nacre_structure *s = NULL;
  if (supercell) {
    /* a cell whose lattice lacks most of the crystal's rotations */
    const int m[3][3] = {{1, 1, 0}, {0, 1, 1}, {1, 0, 2}};
    CHECK_OK(nacre_structure_supercell(ideal, m, &s, &err), &err);
    if (!s) {
      nacre_structure_free(ideal);
      return;
    }
  } else {
    s = nacre_structure_copy(ideal, NULL);
  }
  const double eps[6] = {1e-4, -0.5e-4, 0.8e-4, 0.3e-4, -0.2e-4, 0.6e-4};
  build_strain(s, eps);
  double r[3][3];
  build_random_rotation(r, 31 + index);
  build_rotate(s, r);
  build_rattle(s, 1e-3, 5 + index);

  nacre_symmetry *low = NULL;
  CHECK_OK(nacre_symmetry_analyze(s, 1e-5, &low, &err), &err);
  CHECK(low && low->sg_number < c->sg,
        "%s: the perturbed structure has a lower group at 1e-5 Å", c->name);
  nacre_symmetry_free(low);

  nacre_structure *before = nacre_structure_copy(s, NULL);
  CHECK_OK(nacre_symmetry_symmetrize(s, 1e-2, &err), &err);
  nacre_symmetry *sym = NULL;
  CHECK_OK(nacre_symmetry_analyze(s, 1e-5, &sym, &err), &err);
  if (sym) {
    CHECK(sym->sg_number == c->sg, "%s: symmetrised group %d at 1e-5 Å, "
          "expected %d", c->name, sym->sg_number, c->sg);
    double res = symmetry_residual(sym, s);
    CHECK(res < 1e-9, "%s: operations map atoms to %.3g Å (> 1e-9)", c->name,
          res);
  }
  nacre_symmetry_free(sym);
  CHECK(!memcmp(s->numbers, before->numbers, s->natoms * sizeof(int)),
        "%s: atom order kept", c->name);
  double moved = max_abs_diff(s->positions, before->positions, 3 * s->natoms);
  CHECK(moved < 1e-2, "%s: atoms moved by %.3g Å (> 0.01)", c->name, moved);
  double dcell = max_abs_diff(&s->cell[0][0], &before->cell[0][0], 9);
  CHECK(dcell < 5e-3, "%s: cell changed by %.3g Å: orientation kept", c->name,
        dcell);
  if (c->sg >= 195 && !supercell) {
    double abc[3], ang[3], cell[3][3];
    memcpy(cell, s->cell, sizeof cell);
    nacre_cell_lengths_angles((const double(*)[3])cell, abc, ang);
    CHECK_CLOSE(abc[1] / abc[0], 1.0, 1e-12, "cubic b/a after symmetrising");
    CHECK_CLOSE(abc[2] / abc[0], 1.0, 1e-12, "cubic c/a after symmetrising");
    for (int k = 0; k < 3; k++)
      CHECK_CLOSE(ang[k], 90.0, 1e-10, "cubic angle after symmetrising");
  }
  nacre_structure *again = nacre_structure_copy(s, NULL);
  CHECK_OK(nacre_symmetry_symmetrize(again, 1e-2, &err), &err);
  CHECK(max_abs_diff(again->positions, s->positions, 3 * s->natoms) < 1e-10 &&
            max_abs_diff(&again->cell[0][0], &s->cell[0][0], 9) < 1e-10,
        "%s: symmetrising twice changes nothing", c->name);
  nacre_structure_free(again);
  nacre_structure_free(before);
  nacre_structure_free(s);
  nacre_structure_free(ideal);
}

static void check_forces(const sites *c, int index,
                         const nacre_potential *lj) {
  nacre_error err;
  nacre_structure *s = build(c);
  if (!s) return;
  double r[3][3];
  build_random_rotation(r, 77 + index);
  build_rotate(s, r);
  nacre_symmetry *sym = NULL;
  CHECK_OK(nacre_symmetry_analyze(s, 1e-5, &sym, &err), &err);
  nacre_calc *calc = nacre_calc_new(lj, -1.0, &err);
  nacre_result res;
  CHECK_OK(nacre_result_init(&res, s->natoms, &err), &err);
  if (!sym || !calc) goto done;
  CHECK_OK(nacre_calc_compute(calc, s, NACRE_WANT_ALL, &res, &err), &err);
  int n = s->natoms;
  double *f = malloc(3 * (size_t)n * sizeof *f);
  memcpy(f, res.forces, 3 * (size_t)n * sizeof *f);
  double stress[6];
  memcpy(stress, res.stress, sizeof stress);
  CHECK_OK(nacre_symmetry_symmetrize_forces(sym, s, f, stress, &err), &err);
  /* zero by symmetry at special positions: then 1e-13 absolute */
  double fscale = 1e-3, sscale = 1e-3;
  for (int i = 0; i < 3 * n; i++) fscale = fmax(fscale, fabs(res.forces[i]));
  for (int i = 0; i < 6; i++) sscale = fmax(sscale, fabs(res.stress[i]));
  CHECK(max_abs_diff(f, res.forces, 3 * n) < 1e-10 * fscale,
        "%s: symmetric LJ forces unchanged (max |F| %.3g eV/Å, change %.3g)",
        c->name, fscale, max_abs_diff(f, res.forces, 3 * n));
  CHECK(max_abs_diff(stress, res.stress, 6) < 1e-10 * sscale,
        "%s: symmetric LJ stress unchanged (change %.3g)", c->name,
        max_abs_diff(stress, res.stress, 6));

  /* random forces become invariant: F_map(i) = C F_i for every operation */
  nacre_rng rng;
  nacre_rng_init(&rng, 11 + index, 0);
  for (int i = 0; i < 3 * n; i++) f[i] = nacre_rng_normal(&rng);
  for (int i = 0; i < 6; i++) stress[i] = nacre_rng_normal(&rng);
  /* the factored average (kept permutations) equals the plain average
   * over all operations with the full atom map */
  int *full = malloc((size_t)sym->nops * n * sizeof *full);
  double *f_plain = calloc(3 * (size_t)n, sizeof *f_plain);
  double *f_fresh = malloc(3 * (size_t)n * sizeof *f_fresh);
  CHECK(sym->perms != NULL, "%s: analysis keeps the atom permutations",
        c->name);
  CHECK_OK(nacre_symmetry_atom_map(sym, s, full, &err), &err);
  {
    double ac[3][3], ac_inv[3][3];
    nacre_mat3_transpose(s->cell, ac);
    nacre_mat3_inverse(ac, ac_inv);
    for (int k = 0; k < sym->nops; k++) {
      double rd[3][3], tmp[3][3], cm[3][3];
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) rd[i][j] = sym->rot[k][i][j];
      nacre_mat3_mul(ac, rd, tmp);
      nacre_mat3_mul(tmp, ac_inv, cm);
      for (int i = 0; i < n; i++)
        for (int x = 0; x < 3; x++)
          f_plain[3 * full[k * n + i] + x] +=
              (cm[x][0] * f[3 * i] + cm[x][1] * f[3 * i + 1] +
               cm[x][2] * f[3 * i + 2]) / sym->nops;
    }
  }
  memcpy(f_fresh, f, 3 * (size_t)n * sizeof *f);
  struct nacre_sym_perms *kept = sym->perms;
  sym->perms = NULL; /* forces fresh permutations */
  CHECK_OK(nacre_symmetry_symmetrize_forces(sym, s, f_fresh, NULL, &err), &err);
  sym->perms = kept;
  CHECK_OK(nacre_symmetry_symmetrize_forces(sym, s, f, stress, &err), &err);
  CHECK(max_abs_diff(f, f_fresh, 3 * n) < 1e-14,
        "%s: kept and fresh permutations give the same forces", c->name);
  CHECK(max_abs_diff(f, f_plain, 3 * n) < 1e-12,
        "%s: factored average equals the plain group average (%.3g)", c->name,
        max_abs_diff(f, f_plain, 3 * n));
  free(full);
  free(f_plain);
  free(f_fresh);
  int *map = malloc((size_t)sym->nops * n * sizeof *map);
  CHECK_OK(nacre_symmetry_atom_map(sym, s, map, &err), &err);
  double a[3][3], a_inv[3][3], worst = 0.0, worst_stress = 0.0;
  nacre_mat3_transpose(s->cell, a);
  nacre_mat3_inverse(a, a_inv);
  double sigma[3][3];
  nacre_mat3_from_voigt(stress, sigma);
  for (int k = 0; k < sym->nops; k++) {
    double rd[3][3], tmp[3][3], cm[3][3], cs[3][3], ct[3][3], rs[3][3];
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) rd[i][j] = sym->rot[k][i][j];
    nacre_mat3_mul(a, rd, tmp);
    nacre_mat3_mul(tmp, a_inv, cm);
    for (int i = 0; i < n; i++) {
      const double *fi = &f[3 * i], *fj = &f[3 * map[k * n + i]];
      for (int x = 0; x < 3; x++)
        worst = fmax(worst, fabs(cm[x][0] * fi[0] + cm[x][1] * fi[1] +
                                 cm[x][2] * fi[2] - fj[x]));
    }
    nacre_mat3_mul(cm, sigma, cs);
    nacre_mat3_transpose(cm, ct);
    nacre_mat3_mul(cs, ct, rs);
    worst_stress = fmax(worst_stress, max_abs_diff(&rs[0][0], &sigma[0][0], 9));
  }
  CHECK(worst < 1e-12, "%s: symmetrised random forces invariant (%.3g)",
        c->name, worst);
  CHECK(worst_stress < 1e-12, "%s: symmetrised random stress invariant (%.3g)",
        c->name, worst_stress);
  free(map);
  free(f);
done:
  nacre_result_free(&res);
  nacre_calc_free(calc);
  nacre_symmetry_free(sym);
  nacre_structure_free(s);
}

static void check_cubic_stress(void) {
  nacre_error err;
  const sites *c = &cases[0];
  nacre_structure *s = build(c);
  double r[3][3];
  build_random_rotation(r, 3);
  build_rotate(s, r);
  nacre_symmetry *sym = NULL;
  CHECK_OK(nacre_symmetry_analyze(s, 1e-5, &sym, &err), &err);
  double stress[6] = {0.3, -0.1, 0.7, 0.2, -0.4, 0.05};
  double trace = (0.3 - 0.1 + 0.7) / 3.0;
  CHECK_OK(nacre_symmetry_symmetrize_forces(sym, s, NULL, stress, &err), &err);
  for (int k = 0; k < 6; k++)
    CHECK_CLOSE(stress[k], k < 3 ? trace : 0.0, 1e-13,
                "cubic symmetrised stress is (tr σ/3) I");
  nacre_symmetry_free(sym);
  nacre_structure_free(s);
}

static void check_scan(void) {
  nacre_error err;
  const int n[3] = {1, 1, 1};
  nacre_structure *s = build_bulk("fcc", 29, 3.61, n);
  s->positions[0] += 0.02; /* one atom of four moved 0.02 Å along x */
  nacre_symmetry *low = NULL, *best = NULL;
  CHECK_OK(nacre_symmetry_analyze(s, 1e-5, &low, &err), &err);
  CHECK_OK(nacre_symmetry_scan(s, &best, &err), &err);
  if (low && best) {
    CHECK(low->sg_number != 225, "distorted fcc is not Fm-3m at 1e-5 Å");
    CHECK(best->sg_number == 225 && !strcmp(best->pearson, "cF4"),
          "scan finds Fm-3m cF4 (got %d %s)", best->sg_number, best->pearson);
    CHECK(best->symprec >= 0.02 && best->symprec <= 0.1,
          "scan reports the smallest tolerance above the 0.02 Å distortion "
          "(%g)", best->symprec);
    CHECK(best->nops > low->nops, "scan group is larger (%d > %d ops)",
          best->nops, low->nops);
  }
  nacre_symmetry_free(low);
  nacre_symmetry_free(best);
  for (int k = 1; k < NACRE_SYMMETRY_SCAN_NTOL; k++)
    CHECK(nacre_symmetry_scan_tolerance(k) > nacre_symmetry_scan_tolerance(k - 1),
          "scan tolerances ascend");
  CHECK_CLOSE(nacre_symmetry_scan_tolerance(0), 1e-5, 0, "first tolerance");
  CHECK_CLOSE(nacre_symmetry_scan_tolerance(NACRE_SYMMETRY_SCAN_NTOL - 1), 0.1,
              0, "last tolerance");
  /* errors: no atoms, bad tolerance */
  nacre_symmetry *none = NULL;
  CHECK(nacre_symmetry_analyze(s, -1.0, &none, &err) == NACRE_ERR_INVALID &&
            !none,
        "negative tolerance rejected");
  nacre_structure *empty = nacre_structure_new(0, NULL);
  empty->cell[0][0] = empty->cell[1][1] = empty->cell[2][2] = 3.0;
  CHECK(nacre_symmetry_analyze(empty, 1e-5, &none, &err) == NACRE_ERR_INVALID,
        "empty structure rejected: %s", err.message);
  nacre_structure_free(empty);
  nacre_structure_free(s);
}

int main(void) {
  nacre_error err;
  nacre_potential *lj = NULL;
  CHECK_OK(nacre_potential_load("lj:epsilon=0.01,sigma=2.3,cutoff=6.0,shift=1",
                                &lj, &err),
           &err);
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    check_symmetrize(&cases[k], (int)k, 0);
    if (k == 1 || k == 5) check_symmetrize(&cases[k], (int)k + 10, 1);
    if (lj) check_forces(&cases[k], (int)k, lj);
  }
  check_cubic_stress();
  check_scan();
  nacre_potential_free(lj);
  TEST_DONE();
}
