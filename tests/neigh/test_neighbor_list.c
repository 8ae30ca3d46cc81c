/* test_neighbor_list.c — the neighbour list holds exactly the pairs an
 * exhaustive image search finds (triclinic cells, cutoffs several times the
 * cell width, slabs, clusters), and a reused list (Verlet skin) still gives
 * every pair within the cutoff after atoms move and the cell deforms. */
#include <stdlib.h>
#include <string.h>

#include "builders.h"
#include "nacre/neigh.h"
#include "testing.h"

/* Count pairs (i, j, image) with r < rc by brute force over images. */
static long brute_count(const nacre_structure *s, double rc) {
  double h[3];
  nacre_cell_heights(s->cell, h);
  /* Atoms may lie outside the cell: widen the image search by the spread
   * of their fractional coordinates. */
  double recip[3][3], lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
  nacre_cell_reciprocal(s->cell, recip);
  for (int i = 0; i < s->natoms; i++) {
    double f[3];
    nacre_cell_cart_to_frac(recip, &s->positions[3 * i], f);
    for (int k = 0; k < 3; k++) {
      if (i == 0 || f[k] < lo[k]) lo[k] = f[k];
      if (i == 0 || f[k] > hi[k]) hi[k] = f[k];
    }
  }
  int reach[3];
  for (int k = 0; k < 3; k++)
    reach[k] = s->pbc[k] ? (int)ceil(rc / h[k] + hi[k] - lo[k]) : 0;
  long count = 0;
  for (int i = 0; i < s->natoms; i++)
    for (int j = 0; j < s->natoms; j++)
      for (int a = -reach[0]; a <= reach[0]; a++)
        for (int b = -reach[1]; b <= reach[1]; b++)
          for (int c = -reach[2]; c <= reach[2]; c++) {
            if (i == j && !a && !b && !c) continue;
            double d[3];
            for (int k = 0; k < 3; k++)
              d[k] = s->positions[3 * j + k] - s->positions[3 * i + k] +
                     a * s->cell[0][k] + b * s->cell[1][k] + c * s->cell[2][k];
            if (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] < rc * rc) count++;
          }
  return count;
}

/* Entries within rc of the list, each checked for a real distance < rc and
 * no duplicates (same j and shift twice). */
static long list_count(const nacre_neighbor_list *nl, const nacre_structure *s,
                       double rc, int *dup) {
  long count = 0;
  *dup = 0;
  for (int i = 0; i < s->natoms; i++)
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
      double d[3];
      nacre_nl_vector(nl, s, i, e, d);
      if (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] >= rc * rc) continue;
      count++;
      for (size_t f = nl->offsets[i]; f < e; f++)
        if (nl->j[f] == nl->j[e] && !memcmp(&nl->shift[3 * f], &nl->shift[3 * e], 3 * sizeof(int)))
          (*dup)++;
    }
  return count;
}

static void compare(const char *what, nacre_structure *s, double rc, double skin) {
  nacre_error err;
  nacre_neighbor_list *nl = nacre_nl_new(rc, skin, &err);
  CHECK_OK(nacre_nl_update(nl, s, NULL, &err), &err);
  int dup;
  long got = list_count(nl, s, rc, &dup), want = brute_count(s, rc);
  CHECK(got == want, "%s: list has %ld pairs within %.2f Å, brute force %ld", what, got, rc, want);
  CHECK(dup == 0, "%s: %d duplicate entries", what, dup);
  nacre_nl_free(nl);
}

int main(void) {
  nacre_rng rng;
  nacre_rng_init(&rng, 11, 0);
  /* 1-atom cell, cutoff 6 Å: many images */
  nacre_structure *one = nacre_structure_new(1, NULL);
  one->numbers[0] = 11;
  double c1[3][3] = {{2.0, 0, 0}, {0.7, 2.2, 0}, {-0.4, 0.3, 2.5}};
  memcpy(one->cell, c1, sizeof c1);
  compare("1-atom triclinic, rc 6", one, 6.0, 0.0);
  nacre_structure_free(one);

  /* random triclinic cells with random atoms (some outside the cell) */
  for (int trial = 0; trial < 6; trial++) {
    int n = 1 + nacre_rng_int(&rng, 40);
    nacre_structure *s = nacre_structure_new(n, NULL);
    double cc[3][3];
    for (int i = 0; i < 3; i++)
      for (int k = 0; k < 3; k++)
        cc[i][k] = (i == k ? 5.0 + 3 * nacre_rng_uniform(&rng) : 2.5 * (nacre_rng_uniform(&rng) - 0.5));
    memcpy(s->cell, cc, sizeof cc);
    for (int i = 0; i < n; i++) {
      s->numbers[i] = 11;
      double f[3];
      for (int k = 0; k < 3; k++) f[k] = 3.0 * nacre_rng_uniform(&rng) - 1.0;
      nacre_cell_frac_to_cart(cc, f, &s->positions[3 * i]);
    }
    char what[64];
    snprintf(what, sizeof what, "random triclinic %d atoms", n);
    compare(what, s, 4.0 + 4.0 * nacre_rng_uniform(&rng), 0.5);
    /* slab: no periodicity along c */
    s->pbc[2] = 0;
    snprintf(what, sizeof what, "slab %d atoms", n);
    compare(what, s, 5.0, 0.0);
    /* cluster with no cell at all */
    s->pbc[0] = s->pbc[1] = 0;
    memset(s->cell, 0, sizeof s->cell);
    snprintf(what, sizeof what, "cluster %d atoms", n);
    compare(what, s, 5.0, 0.0);
    nacre_structure_free(s);
  }

  /* A large enough system to use many bins */
  int reps[3] = {6, 5, 7};
  nacre_structure *big = build_bulk("bcc", 11, 4.23, reps);
  build_rattle(big, 0.2, 5);
  compare("bcc 420 atoms", big, 7.5, 0.0);

  /* Verlet reuse: a list built with skin 1 Å stays complete after small
   * moves and a small strain, and is rebuilt after large ones. */
  nacre_error err;
  nacre_neighbor_list *nl = nacre_nl_new(7.5, 1.0, &err);
  int rebuilt;
  CHECK_OK(nacre_nl_update(nl, big, &rebuilt, &err), &err);
  CHECK(rebuilt == 1, "first update builds");
  build_rattle(big, 0.05, 6);
  double eps[6] = {0.01, -0.005, 0.0, 0.002, 0.0, 0.001};
  build_strain(big, eps);
  CHECK_OK(nacre_nl_update(nl, big, &rebuilt, &err), &err);
  int dup;
  long got = list_count(nl, big, 7.5, &dup), want = brute_count(big, 7.5);
  CHECK(got == want, "after reuse (rebuilt=%d): %ld pairs, brute force %ld", rebuilt, got, want);
  for (int i = 0; i < 5; i++) big->positions[3 * i] += 0.8;
  CHECK_OK(nacre_nl_update(nl, big, &rebuilt, &err), &err);
  CHECK(rebuilt == 1, "a 0.8 Å move with a 1 Å skin forces a rebuild");
  got = list_count(nl, big, 7.5, &dup);
  want = brute_count(big, 7.5);
  CHECK(got == want, "after rebuild: %ld pairs, brute force %ld", got, want);
  nacre_nl_free(nl);
  nacre_structure_free(big);

  /* Bad input: degenerate periodic cell, NaN position */
  nacre_structure *bad = nacre_structure_new(2, NULL);
  bad->numbers[0] = bad->numbers[1] = 11;
  bad->cell[0][0] = 3.0;
  bad->cell[1][1] = 3.0; /* c = 0 */
  nl = nacre_nl_new(5.0, 0.0, &err);
  CHECK(nacre_nl_update(nl, bad, NULL, &err) == NACRE_ERR_INVALID, "degenerate cell refused");
  bad->cell[2][2] = 3.0;
  bad->positions[4] = NAN;
  CHECK(nacre_nl_update(nl, bad, NULL, &err) != NACRE_OK, "NaN position refused");
  nacre_nl_free(nl);
  nacre_structure_free(bad);
  TEST_DONE();
}
