/* test_dataset.c — the Na high-pressure structure generator (nacre generate
 * --recipe na-hp): the Vinet equation of state against its analytic limits
 * (P(V0) = 0, −V dP/dV = B0 at V0, dB/dP = B0' at V0) and against PBE (PAW
 * JTH) bcc Na at 14 Å^3/atom, 46.5 GPa (../shared/dft/NOTES.md);
 * reproducibility (structure k depends only on seed and k); atom counts
 * within --min-atoms..--max-atoms; minimum distances (PAW spheres); volumes
 * within the strain bounds; and the space groups of the undistorted
 * prototypes by spglib. */
#include <spglib.h>
#include <string.h>

#include "nacre/label.h"
#include "nacre/search.h"
#include "testing.h"

static int spacegroup(const nacre_structure *s) {
  double lattice[3][3], (*pos)[3] = malloc(sizeof(double) * 3 * s->natoms);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) lattice[i][j] = s->cell[j][i]; /* columns */
  nacre_structure_get_frac(s, (double *)pos, NULL);
  char symbol[11];
  int n = spg_get_international(symbol, lattice, pos, s->numbers, s->natoms,
                                1e-4);
  free(pos);
  return n;
}

/* Closest pair distance over images up to ±1 cell of a Niggli-reduced
 * cell (exact for reduced cells and distances below the shortest vector). */
static double closest_pair(const nacre_structure *s) {
  nacre_structure *r = NULL;
  if (nacre_structure_niggli(s, &r, NULL)) return -1;
  double best = INFINITY;
  for (int i = 0; i < r->natoms; i++)
    for (int j = i; j < r->natoms; j++)
      for (int t = -2; t <= 2; t++)
        for (int u = -2; u <= 2; u++)
          for (int w = -2; w <= 2; w++) {
            if (i == j && !t && !u && !w) continue;
            double d2 = 0;
            for (int c = 0; c < 3; c++) {
              double d = r->positions[3 * j + c] - r->positions[3 * i + c] +
                         t * r->cell[0][c] + u * r->cell[1][c] +
                         w * r->cell[2][c];
              d2 += d * d;
            }
            best = fmin(best, sqrt(d2));
          }
  nacre_structure_free(r);
  return best;
}

/* k-points of the grid nacre label uses on the cell as given (default
 * k-spacing 0.25 Å⁻¹) */
static long kgrid_points(const double cell[3][3]) {
  int n[3];
  nacre_label_kgrid(cell, 0.25, n);
  return (long)n[0] * n[1] * n[2];
}

static void free_all(nacre_structure **a, int n) {
  for (int k = 0; k < n; k++) nacre_structure_free(a[k]);
  free(a);
}

int main(void) {
  nacre_na_hp_options o;
  nacre_na_hp_options_init(&o);

  /* Vinet limits: P(V0) = 0; B = −V dP/dV = B0 and B' = dB/dP = B0' at V0
   * (central differences, h = 1e-4 V0: truncation ~1e-8 relative) */
  CHECK_CLOSE(nacre_vinet_pressure(o.v0, o.v0, o.b0, o.b0p), 0, 1e-12, "P(V0)");
  double h = 1e-4 * o.v0;
  double pp = nacre_vinet_pressure(o.v0 + h, o.v0, o.b0, o.b0p);
  double pm = nacre_vinet_pressure(o.v0 - h, o.v0, o.b0, o.b0p);
  CHECK_CLOSE(-o.v0 * (pp - pm) / (2 * h), o.b0, 1e-6, "B(V0) = B0");
  /* B' = dB/dP = (dB/dV)/(dP/dV) with B(V) = −V P'(V) */
  double bp_plus = -(o.v0 + h) *
                   (nacre_vinet_pressure(o.v0 + 2 * h, o.v0, o.b0, o.b0p) -
                    nacre_vinet_pressure(o.v0, o.v0, o.b0, o.b0p)) / (2 * h);
  double bp_minus = -(o.v0 - h) *
                    (nacre_vinet_pressure(o.v0, o.v0, o.b0, o.b0p) -
                     nacre_vinet_pressure(o.v0 - 2 * h, o.v0, o.b0, o.b0p)) /
                    (2 * h);
  CHECK_CLOSE((bp_plus - bp_minus) / (pp - pm), o.b0p, 1e-4, "B'(V0) = B0'");
  /* the inverse, and PBE bcc Na: 14 Å^3/atom at 46.5 GPa (within the
   * 1.6 GPa rms of the fit) */
  for (double p = 1; p <= 200; p *= 2)
    CHECK_CLOSE(nacre_vinet_pressure(nacre_vinet_volume(p, o.v0, o.b0, o.b0p),
                                     o.v0, o.b0, o.b0p),
                p, 1e-9 * p, "P(V(p)) = p");
  CHECK_CLOSE(nacre_vinet_pressure(14.0, o.v0, o.b0, o.b0p), 46.5, 1.6,
              "PBE bcc Na at 14 Å^3/atom");

  const int n = 400;
  nacre_structure **a, **b;
  const char **kinds;
  double *p;
  nacre_error err;
  CHECK_OK(nacre_dataset_na_hp(5, n, &o, &a, &kinds, &p, &err), &err);
  CHECK_OK(nacre_dataset_na_hp(5, 50, &o, &b, NULL, NULL, &err), &err);
  int same = 1;
  for (int k = 0; k < 50; k++)
    same &= nacre_label_structure_hash(a[k]) == nacre_label_structure_hash(b[k]);
  CHECK(same, "first 50 of 400 equal the 50 of a shorter run (same seed)");
  free_all(b, 50);

  enum { NPROTO = 11 };
  const char *names[NPROTO] = {"bcc",       "fcc",       "hcp",  "bcc-2x2x2",
                               "fcc-2x2x2", "hcp-2x2x1", "cI16", "oP8",
                               "9R",        "dhcp",      "fcc-cubic"};
  const int want[NPROTO] = {229, 225, 194, 229, 225, 194, 220, 62,
                            166, 194, 225};
  const int atoms[NPROTO] = {1, 1, 2, 8, 8, 8, 8, 8, 3, 4, 4};
  int found[NPROTO] = {0}, random_sizes[9] = {0};
  int bad_v = 0, bad_d = 0, bad_n = 0, bad_k = 0, unknown = 0;
  for (int k = 0; k < n; k++) {
    nacre_structure *s = a[k];
    CHECK(p[k] >= 0 && p[k] <= 150, "pressure %g", p[k]);
    /* the strain is at most ±6 % per component: 0.75–1.25 bounds det(1+ε)
     * and still catches a wrong volume per atom */
    double v = fabs(nacre_cell_volume(s->cell)) / s->natoms;
    double ratio = v / nacre_vinet_volume(p[k], o.v0, o.b0, o.b0p);
    bad_v += ratio < 0.75 || ratio > 1.25;
    bad_d += closest_pair(s) < 1.8 - 1e-9;
    int q = 0;
    while (q < NPROTO && strcmp(kinds[k], names[q])) q++;
    if (q < NPROTO) {
      bad_n += s->natoms != atoms[q];
      if (spacegroup(s) == want[q]) {
        found[q]++;
        /* an ideal prototype's cell is no worse for k-sampling than its
         * Niggli-reduced cell (a skewed setting of the same lattice can
         * need several times the k-points: 2.7× for rhombohedral 9R) */
        nacre_structure *r = NULL;
        if (!nacre_structure_niggli(s, &r, NULL))
          bad_k += kgrid_points(s->cell) > 1.1 * kgrid_points(r->cell);
        nacre_structure_free(r);
      }
    } else if (!strcmp(kinds[k], "random")) {
      bad_n += s->natoms < 1 || s->natoms > 8;
      if (s->natoms >= 1 && s->natoms <= 8) random_sizes[s->natoms]++;
    } else {
      unknown++;
    }
  }
  CHECK(bad_v == 0, "%d structures with volume/atom off the EOS by > 25 %%",
        bad_v);
  CHECK(bad_d == 0, "%d structures with atoms closer than 1.8 Å", bad_d);
  CHECK(bad_n == 0, "%d structures with the wrong number of atoms", bad_n);
  CHECK(unknown == 0, "%d structures of unknown kind", unknown);
  CHECK(bad_k == 0, "%d ideal prototypes in cells with > 1.1× the k-points "
        "of their reduced cell", bad_k);
  for (int q = 0; q < NPROTO; q++)
    CHECK(found[q] > 0, "an undistorted %s has space group %d", names[q],
          want[q]);
  int sizes = 0;
  for (int m = 1; m <= 8; m++) sizes += random_sizes[m] > 0;
  CHECK(sizes >= 6, "random cells of %d different sizes (1-8 expected)",
        sizes);
  free_all(a, n);
  free(kinds);
  free(p);

  /* atom-count windows */
  struct { int lo, hi; } win[] = {{1, 2}, {8, 8}, {5, 7}, {3, 4}};
  for (size_t w = 0; w < sizeof win / sizeof win[0]; w++) {
    o.min_atoms = win[w].lo, o.max_atoms = win[w].hi;
    CHECK_OK(nacre_dataset_na_hp(9, 60, &o, &a, &kinds, NULL, &err), &err);
    int out = 0, random = 0, stackings = 0;
    for (int k = 0; k < 60; k++) {
      out += a[k]->natoms < win[w].lo || a[k]->natoms > win[w].hi;
      random += !strcmp(kinds[k], "random");
      stackings += !strcmp(kinds[k], "9R") || !strcmp(kinds[k], "dhcp");
    }
    CHECK(out == 0, "atoms %d..%d respected (%d outside)", win[w].lo,
          win[w].hi, out);
    if (win[w].lo == 5) CHECK(random == 60, "5..7 atoms: only random cells");
    /* four kinds with 3..4 atoms, drawn uniformly: 9R + dhcp ≈ 30 of 60 */
    if (win[w].lo == 3)
      CHECK(stackings >= 15 && random >= 5 && random <= 25,
            "3..4 atoms: %d 9R/dhcp and %d random of 60", stackings, random);
    free_all(a, 60);
    free(kinds);
  }
  o.min_atoms = 9, o.max_atoms = 12;
  CHECK(nacre_dataset_na_hp(9, 5, &o, &a, NULL, NULL, &err) ==
            NACRE_ERR_INVALID,
        "no kind with 9-12 atoms is refused");
  TEST_DONE();
}
