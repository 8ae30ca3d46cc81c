/* test_cell.c — cells: volume and reciprocal rows, fractional round trip,
 * minimum image against an exhaustive image search, Niggli reduction keeps
 * the lattice and gives spglib's reduced cell (the reference implementation
 * of the same algorithm) for sheared generic, cubic, fcc, bcc, hexagonal and
 * tetragonal lattices, integer-matrix supercells, lengths/angles round
 * trip. */
#include <string.h>

#include <spglib.h>

#include "builders.h"
#include "testing.h"

static void random_cell(nacre_rng *rng, double cell[3][3]) {
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++)
      cell[i][k] = (i == k ? 3.0 : 0.0) + 2.0 * (nacre_rng_uniform(rng) - 0.5);
}

/* A lattice of kind k (0 generic, 1 fcc, 2 bcc, 3 hexagonal, 4 cubic, 5
 * tetragonal) under a random unimodular shear with entries up to ±2 per
 * step. */
static void sheared_lattice(nacre_rng *rng, int k, double out[3][3]) {
  double a = 3.0 + nacre_rng_uniform(rng), h = 0.5 * a,
         r = 0.5 * sqrt(3.0) * a;
  double kinds[6][3][3] = {{{0}},
                           {{0, h, h}, {h, 0, h}, {h, h, 0}},
                           {{-h, h, h}, {h, -h, h}, {h, h, -h}},
                           {{a, 0, 0}, {-h, r, 0}, {0, 0, 1.6 * a}},
                           {{a, 0, 0}, {0, a, 0}, {0, 0, a}},
                           {{a, 0, 0}, {0, a, 0}, {0, 0, 1.3 * a}}};
  double c[3][3];
  if (k == 0) random_cell(rng, c);
  else memcpy(c, kinds[k], sizeof c);
  int m[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  for (int t = 0; t < 3; t++) {
    int i = nacre_rng_int(rng, 3), j = nacre_rng_int(rng, 3),
        q = nacre_rng_int(rng, 5) - 2;
    if (i == j) continue;
    for (int x = 0; x < 3; x++) m[i][x] += q * m[j][x];
  }
  for (int i = 0; i < 3; i++)
    for (int x = 0; x < 3; x++)
      out[i][x] = m[i][0] * c[0][x] + m[i][1] * c[1][x] + m[i][2] * c[2][x];
  if (nacre_cell_volume(out) < 0)
    for (int x = 0; x < 3; x++) out[2][x] = -out[2][x];
}

int main(void) {
  nacre_rng rng;
  nacre_rng_init(&rng, 42, 0);

  /* Niggli against spglib: the same reduced vectors to 1e-9 Å (rounding of
   * the integer combinations) on 6,000 lattices, special ones included,
   * where ties between the Niggli conditions decide the basis */
  {
    nacre_rng lr;
    nacre_rng_init(&lr, 43, 0);
    int differ = 0, compared = 0;
    double worst = 0;
    for (int t = 0; t < 6000; t++) {
      double c[3][3], lat[3][3], red[3][3];
      int m[3][3];
      sheared_lattice(&lr, t % 6, c);
      nacre_mat3_transpose(c, lat);
      if (!spg_niggli_reduce(lat, 1e-5)) continue;
      compared++;
      if (nacre_cell_niggli(c, 1e-5, red, m)) {
        differ++;
        continue;
      }
      double d = 0;
      for (int i = 0; i < 3; i++)
        for (int x = 0; x < 3; x++) d = fmax(d, fabs(red[i][x] - lat[x][i]));
      worst = fmax(worst, d);
      differ += d > 1e-9;
    }
    CHECK(compared > 5900 && differ == 0,
          "Niggli cell differs from spglib's in %d of %d lattices (largest "
          "difference %.3g Å)",
          differ, compared, worst);
  }

  /* reciprocal: a_i · b_j = δ_ij; volume of a known cell */
  double cell[3][3] = {{3, 0, 0}, {1, 4, 0}, {0.5, 0.2, 5}};
  CHECK_CLOSE(nacre_cell_volume(cell), 60.0, 1e-12, "volume of triangular cell");
  double rec[3][3];
  CHECK_OK(nacre_cell_reciprocal(cell, rec), (nacre_error *)NULL);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      double d = cell[i][0] * rec[j][0] + cell[i][1] * rec[j][1] +
                 cell[i][2] * rec[j][2];
      CHECK_CLOSE(d, i == j, 1e-14, "a_i . b_j");
    }

  /* lengths/angles round trip */
  double abc[3], ang[3], back[3][3], abc2[3], ang2[3];
  nacre_cell_lengths_angles(cell, abc, ang);
  CHECK_OK(nacre_cell_from_lengths_angles(abc, ang, back), (nacre_error *)NULL);
  nacre_cell_lengths_angles(back, abc2, ang2);
  for (int k = 0; k < 3; k++) {
    CHECK_CLOSE(abc2[k], abc[k], 1e-12, "length round trip");
    CHECK_CLOSE(ang2[k], ang[k], 1e-10, "angle round trip");
  }
  CHECK_CLOSE(nacre_cell_volume(back), 60.0, 1e-10, "volume kept by standard orientation");

  /* minimum image equals the shortest of all images within ±4 cells, for
   * random skewed cells */
  int pbc[3] = {1, 1, 1};
  double worst = 0.0;
  for (int trial = 0; trial < 200; trial++) {
    double c[3][3];
    random_cell(&rng, c);
    c[1][0] += 4.0 * (nacre_rng_uniform(&rng) - 0.5); /* strong skew */
    if (nacre_cell_volume(c) < 1.0) continue;
    double d[3];
    for (int k = 0; k < 3; k++) d[k] = 10.0 * (nacre_rng_uniform(&rng) - 0.5);
    double best = 1e300;
    for (int a = -6; a <= 6; a++)
      for (int b = -6; b <= 6; b++)
        for (int e = -6; e <= 6; e++) {
          double v[3];
          for (int k = 0; k < 3; k++)
            v[k] = d[k] + a * c[0][k] + b * c[1][k] + e * c[2][k];
          double r = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
          if (r < best) best = r;
        }
    nacre_cell_minimum_image(c, pbc, d);
    double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    if (fabs(r - best) > worst) worst = fabs(r - best);
  }
  CHECK(worst < 1e-12, "minimum image misses a shorter image by %g Å", worst);

  /* Niggli: reduced = M·cell with integer M, |det M| = 1, same volume */
  for (int trial = 0; trial < 20; trial++) {
    double c[3][3], red[3][3];
    int m[3][3];
    random_cell(&rng, c);
    /* unimodular; the later trials far beyond spglib's own iteration
     * limit (b + 100a fails there) */
    int big = trial < 10 ? 1 : trial < 15 ? 100 : 3000;
    int uni[3][3] = {{1, 2 * big, 0}, {0, 1, 3}, {0, -7 * big, 1 - 21 * big}};
    double skew[3][3];
    for (int i = 0; i < 3; i++)
      for (int k = 0; k < 3; k++)
        skew[i][k] = uni[i][0] * c[0][k] + uni[i][1] * c[1][k] + uni[i][2] * c[2][k];
    CHECK_OK(nacre_cell_niggli(skew, 1e-5, red, m), (nacre_error *)NULL);
    double md[3][3];
    for (int i = 0; i < 3; i++)
      for (int k = 0; k < 3; k++) md[i][k] = m[i][k];
    CHECK_CLOSE(fabs(nacre_mat3_det(md)), 1.0, 1e-12, "Niggli transform is unimodular");
    /* the skewed vectors carry rounding errors of ~1e-16 of their length
     * (up to 1e5 Å), which the reduction maps back onto Å-sized vectors:
     * 1e-9 for the mild shear, 1e-5 relative for the extreme ones */
    double tol = big == 1 ? 1e-9 : 1e-5;
    CHECK_CLOSE(fabs(nacre_cell_volume(red)), fabs(nacre_cell_volume(c)),
                tol * fabs(nacre_cell_volume(c)), "Niggli keeps the volume");
    double l0[3], a0[3], l1[3], a1[3];
    nacre_cell_lengths_angles(c, l0, a0);
    nacre_cell_lengths_angles(red, l1, a1);
    double s0 = l0[0] + l0[1] + l0[2], s1 = l1[0] + l1[1] + l1[2];
    CHECK(s1 <= s0 * (1 + tol), "Niggli cell is no longer than the unsheared one (%g > %g)", s1, s0);
  }

  /* Supercell from a non-diagonal matrix: atom count det(M)·n, volume, all
   * atoms inside, nearest-neighbour distance of fcc preserved */
  int n1[3] = {1, 1, 1};
  nacre_structure *fcc = build_bulk("fcc", 29, 3.6, n1);
  int m[3][3] = {{1, 1, 0}, {-1, 1, 1}, {0, 2, -1}};
  double md[3][3];
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++) md[i][k] = m[i][k];
  double det = nacre_mat3_det(md);
  nacre_structure *sc = NULL;
  nacre_error err;
  if (det < 0) {
    for (int k = 0; k < 3; k++) m[2][k] = -m[2][k];
    det = -det;
  }
  CHECK_OK(nacre_structure_supercell(fcc, m, &sc, &err), &err);
  if (sc) {
    CHECK(sc->natoms == 4 * (int)lround(det), "supercell has %d atoms, expected %d",
          sc->natoms, 4 * (int)lround(det));
    CHECK_CLOSE(nacre_structure_volume(sc), det * 3.6 * 3.6 * 3.6, 1e-9,
                "supercell volume");
    double dmin = 1e9;
    for (int i = 0; i < sc->natoms; i++)
      for (int j = i + 1; j < sc->natoms; j++) {
        double d[3];
        for (int k = 0; k < 3; k++) d[k] = sc->positions[3 * j + k] - sc->positions[3 * i + k];
        nacre_cell_minimum_image(sc->cell, sc->pbc, d);
        double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        if (r < dmin) dmin = r;
      }
    CHECK_CLOSE(dmin, 3.6 / sqrt(2.0), 1e-9, "fcc nearest neighbour in supercell");
  }
  int bad[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 0}};
  nacre_structure *none = NULL;
  CHECK(nacre_structure_supercell(fcc, bad, &none, &err) == NACRE_ERR_INVALID,
        "singular supercell matrix is refused");
  nacre_structure_free(sc);
  nacre_structure_free(fcc);
  TEST_DONE();
}
