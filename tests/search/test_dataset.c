/* test_gen.c — the Na high-pressure structure generator: reproducibility
 * (structure k depends only on seed and k), the Vinet volume (inverse of
 * P(V), and 46 GPa at 14 Å^3 as the PAW PBE labels), atom counts, minimum
 * distances (PAW spheres) and volumes within the strain bounds, and the
 * space groups of the undistorted prototypes by spglib (bcc 229, fcc 225,
 * hcp 194, cI16 220, oP8 62). */
#include <spglib.h>
#include <string.h>

#include "nacre/label.h"
#include "testing.h"

static int spacegroup(const nacre_structure *s) {
  double lattice[3][3], (*pos)[3] = malloc(sizeof(double) * 3 * s->natoms);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) lattice[i][j] = s->cell[j][i]; /* columns */
  double *frac = malloc(sizeof(double) * 3 * s->natoms);
  nacre_structure_get_frac(s, frac, NULL);
  memcpy(pos, frac, sizeof(double) * 3 * s->natoms);
  char symbol[11];
  int n = spg_get_international(symbol, lattice, pos, s->numbers, s->natoms, 1e-4);
  free(pos);
  free(frac);
  return n;
}

int main(void) {
  /* Vinet: V(P) inverts P(V); 14 Å^3 ↔ 46.2 GPa (PBE PAW: 46.5) */
  CHECK_CLOSE(nacre_label_na_volume(46.2), 14.0, 0.01, "V(46.2 GPa)");
  CHECK_CLOSE(nacre_label_na_volume(0), 37.0, 1e-9, "V(0) = V0");
  CHECK(nacre_label_na_volume(150) < nacre_label_na_volume(100),
        "volume decreases with pressure");

  const int n = 400;
  nacre_structure **a, **b;
  const char **kinds;
  double *p;
  nacre_error err;
  CHECK_OK(nacre_label_gen_na(5, n, 8, 0, 150, &a, &kinds, &p, &err), &err);
  CHECK_OK(nacre_label_gen_na(5, 50, 8, 0, 150, &b, NULL, NULL, &err), &err);
  int same = 1;
  for (int k = 0; k < 50; k++)
    same &= nacre_label_structure_hash(a[k]) == nacre_label_structure_hash(b[k]);
  CHECK(same, "first 50 of 400 equal the 50 of a shorter run (same seed)");
  for (int k = 0; k < 50; k++) nacre_structure_free(b[k]);
  free(b);

  int found[5] = {0}, worst_d = 0, worst_v = 0;
  const char *names[5] = {"bcc", "fcc", "hcp", "cI16", "oP8"};
  const int want[5] = {229, 225, 194, 220, 62};
  for (int k = 0; k < n; k++) {
    nacre_structure *s = a[k];
    CHECK(s->natoms >= 1 && s->natoms <= 8, "atoms %d", s->natoms);
    CHECK(p[k] >= 0 && p[k] <= 150, "pressure %g", p[k]);
    /* the strain is at most ±6 % per component: det(1+ε) within
     * (1 − 0.06·3 − ...) bounds; 0.75–1.25 is safe and still tight enough
     * to catch a wrong volume per atom */
    double v = fabs(nacre_cell_volume(s->cell)) / s->natoms;
    double ratio = v / nacre_label_na_volume(p[k]);
    if (ratio < 0.75 || ratio > 1.25) worst_v++;
    /* minimum distance, including periodic images, ≥ 1.8 Å */
    int pbc[3] = {1, 1, 1};
    for (int i = 0; i < s->natoms; i++)
      for (int j = i; j < s->natoms; j++)
        for (int t = -1; t <= 1; t++)
          for (int u = -1; u <= 1; u++)
            for (int w = -1; w <= 1; w++) {
              if (i == j && !t && !u && !w) continue;
              double d[3];
              for (int c = 0; c < 3; c++)
                d[c] = s->positions[3 * j + c] - s->positions[3 * i + c] +
                       t * s->cell[0][c] + u * s->cell[1][c] + w * s->cell[2][c];
              if (i != j && !t && !u && !w) nacre_cell_minimum_image(s->cell, pbc, d);
              if (sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) < 1.8 - 1e-9) worst_d++;
            }
    for (int q = 0; q < 5; q++)
      if (!strcmp(kinds[k], names[q]) && spacegroup(s) == want[q]) found[q]++;
  }
  CHECK(worst_v == 0, "%d structures with volume/atom off the EOS by > 25 %%", worst_v);
  CHECK(worst_d == 0, "%d atom pairs closer than 1.8 Å", worst_d);
  for (int q = 0; q < 5; q++)
    CHECK(found[q] > 0, "an undistorted %s has space group %d", names[q], want[q]);
  for (int k = 0; k < n; k++) nacre_structure_free(a[k]);
  free(a);
  free(kinds);
  free(p);

  /* max_atoms 2: only 1-2 atom cells */
  CHECK_OK(nacre_label_gen_na(9, 100, 2, 0, 150, &a, NULL, NULL, &err), &err);
  int big = 0;
  for (int k = 0; k < 100; k++) {
    big += a[k]->natoms > 2;
    nacre_structure_free(a[k]);
  }
  free(a);
  CHECK(big == 0, "max atoms 2 respected (%d larger)", big);
  TEST_DONE();
}
