/* test_supercells.c — mutations in a random supercell of the parent's
 * primitive cell (op_random_supercell, op_mutate with modes.supercell; the
 * search's frac_supercell_mutation), on D0_3 Li3Sn in its 16-atom cubic cell (a
 * 4-atom fcc primitive cell, so supercells of index 4):
 *   - every supercell is the same crystal (Fm-3m, 4 atoms in its primitive
 *     cell, 12 Li and 4 Sn, the primitive volume × 4 to 1e-9) in a cell
 *     whose rows are integer combinations (1e-6) of the primitive cell's
 *     with determinant 4;
 *   - 3,500 draws give each of the 35 sublattices of index 4 of a 3-D
 *     lattice (OEIS A001001, σ-sums: Σ_{d1 d2 d3 = 4} d2 d3² = 35) between
 *     55 and 145 times (100 expected, 4.5 standard deviations);
 *   - the four sublattices that keep a three-fold axis of the cube and the
 *     parent's layers across it (rhombohedral, the 16-layer stacking of
 *     bcc (111) planes of the hR16 superstructures: the six fcc vectors
 *     perpendicular to the axis kept) come up 4/35 of the time, and every
 *     exchange child in one of them is a stacking of one-element layers:
 *     R3m or R-3m with all 16 atoms in its primitive cell;
 *   - an exchange child is its supercell (the same draws repeated) with
 *     the elements of exactly two atoms exchanged, unlike atoms within 10 %
 *     of the nearest unlike distance of both, positions untouched: in
 *     D0_3 always a Sn and one of its eight nearest Li (8c), never a Li of
 *     4b (whose nearest Sn are second neighbours);
 *   - the primitive cell is found within the tolerance: D0_3 displaced by
 *     1e-4 Å gets supercells, displaced by 0.1 Å none;
 *   - a parent that is its own primitive cell (L1_2-like Li3Sn, 4 atoms)
 *     gets no supercell (NULL), and op_mutate makes the same moves in its
 *     own cell: "exchange" (the Sn and a Li swapped), "soft-mode" or
 *     "displacement", the cell untouched. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nacre/search.h"
#include "nacre/sym.h"
#include "search/operators.h"
#include "builders.h"
#include "testing.h"

static int count_of(const nacre_structure *s, int z) {
  int n = 0;
  for (int i = 0; i < s->natoms; i++) n += s->numbers[i] == z;
  return n;
}

static void inverse3(const double a[3][3], double inv[3][3]) {
  double det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
               a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
               a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      int i1 = (j + 1) % 3, i2 = (j + 2) % 3, j1 = (i + 1) % 3,
          j2 = (i + 2) % 3;
      inv[i][j] = (a[i1][j1] * a[i2][j2] - a[i1][j2] * a[i2][j1]) / det;
    }
}

/* rows of x in the basis of the rows of b: x b⁻¹; the largest distance of
 * an entry from an integer goes to *off */
static void in_basis(const double x[3][3], const double b[3][3],
                     double m[3][3], double *off) {
  double bi[3][3];
  inverse3(b, bi);
  *off = 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      m[i][j] = 0;
      for (int k = 0; k < 3; k++) m[i][j] += x[i][k] * bi[k][j];
      *off = fmax(*off, fabs(m[i][j] - nearbyint(m[i][j])));
    }
}

static double det3(const double a[3][3]) {
  return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
         a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
         a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
}

/* Whether the lattice of cell holds the Cartesian vector v. */
static int holds(const double cell[3][3], const double v[3]) {
  double ci[3][3];
  inverse3(cell, ci);
  for (int j = 0; j < 3; j++) {
    double f = v[0] * ci[0][j] + v[1] * ci[1][j] + v[2] * ci[2][j];
    if (fabs(f - nearbyint(f)) > 1e-6) return 0;
  }
  return 1;
}

/* Whether the lattice of cell keeps every fcc vector (a/2 (±1, ±1, 0) and
 * permutations) perpendicular to one body diagonal of the cube: the
 * parent's (111) layers, stacked with a longer period. */
static int keeps_layers(const double cell[3][3], double a) {
  static const int diag[4][3] = {{1, 1, 1}, {1, 1, -1}, {1, -1, 1},
                                 {-1, 1, 1}};
  for (int d = 0; d < 4; d++) {
    int all = 1;
    for (int x = -1; x <= 1 && all; x++)
      for (int y = -1; y <= 1 && all; y++)
        for (int z = -1; z <= 1 && all; z++) {
          if (abs(x) + abs(y) + abs(z) != 2) continue;
          if (x * diag[d][0] + y * diag[d][1] + z * diag[d][2]) continue;
          double v[3] = {0.5 * a * x, 0.5 * a * y, 0.5 * a * z};
          all = holds(cell, v);
        }
    if (all) return 1;
  }
  return 0;
}

static void group_of(const nacre_structure *s, int *number, int *nprim) {
  *number = -1;
  *nprim = -1;
  nacre_structure *p = NULL;
  if (nacre_symmetry_identify(s, NACRE_SYMPREC_DEFAULT, number, NULL, NULL,
                              NULL))
    return;
  if (!nacre_symmetry_standardize(s, NACRE_SYMPREC_DEFAULT, 1, &p, NULL))
    *nprim = p->natoms;
  nacre_structure_free(p);
}

static double distance(const nacre_structure *s, int i, int j) {
  const int pbc[3] = {1, 1, 1};
  double d[3];
  for (int k = 0; k < 3; k++)
    d[k] = s->positions[3 * j + k] - s->positions[3 * i + k];
  nacre_cell_minimum_image(s->cell, pbc, d);
  return sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
}

static double nearest_unlike(const nacre_structure *s, int i) {
  double d = INFINITY;
  for (int j = 0; j < s->natoms; j++)
    if (s->numbers[j] != s->numbers[i]) d = fmin(d, distance(s, i, j));
  return d;
}

static void check_sublattices(const nacre_structure *p) {
  nacre_structure *prim = NULL;
  CHECK_OK(nacre_symmetry_standardize(p, NACRE_SYMPREC_DEFAULT, 1, &prim,
                                      NULL),
           NULL);
  if (!prim) return;
  CHECK(prim->natoms == 4, "D0_3's primitive cell has 4 atoms (%d)",
        prim->natoms);
  double vprim = fabs(nacre_cell_volume(prim->cell));
  enum { DRAWS = 3500, MAXL = 64 };
  double reps[MAXL][3][3];
  int counts[MAXL] = {0}, nl = 0, bad = 0, layered = 0;
  for (int t = 0; t < DRAWS; t++) {
    nacre_rng rng;
    nacre_rng_init(&rng, 11, (uint64_t)t);
    nacre_structure *s = NULL;
    nacre_error err;
    nacre_status st =
        op_random_supercell(p, NACRE_SYMPREC_DEFAULT, &rng, &s, &err);
    if (st || !s) {
      bad++;
      nacre_structure_free(s);
      continue;
    }
    double m[3][3], off;
    in_basis(s->cell, prim->cell, m, &off);
    double v = fabs(nacre_cell_volume(s->cell));
    int ok = s->natoms == 16 && count_of(s, 3) == 12 && count_of(s, 50) == 4 &&
             fabs(v - 4 * vprim) < 1e-9 * v && off < 1e-6 &&
             fabs(fabs(det3(m)) - 4) < 1e-6;
    if (t < 50) { /* the same crystal: spglib on a share of the draws */
      int g, np;
      group_of(s, &g, &np);
      ok &= g == 225 && np == 4;
    }
    if (!ok) {
      if (bad++ < 3)
        printf("draw %d: %d atoms, volume %.6f (want %.6f), off-integer "
               "%.2g, det %.3f\n",
               t, s->natoms, v, 4 * vprim, off, det3(m));
      nacre_structure_free(s);
      continue;
    }
    layered += keeps_layers(s->cell, 6.6);
    int found = -1;
    for (int k = 0; k < nl && found < 0; k++) {
      double r[3][3], o2;
      in_basis(s->cell, reps[k], r, &o2);
      if (o2 < 1e-6) found = k; /* same lattice: unimodular in each other */
    }
    if (found < 0 && nl < MAXL) {
      memcpy(reps[nl], s->cell, sizeof reps[nl]);
      found = nl++;
    }
    if (found >= 0) counts[found]++;
    nacre_structure_free(s);
  }
  CHECK(bad == 0, "%d of %d supercells not D0_3 in an index-4 sublattice",
        bad, DRAWS);
  CHECK(nl == 35, "%d distinct sublattices of index 4 (want 35)", nl);
  int lo = DRAWS, hi = 0;
  for (int k = 0; k < nl; k++) {
    lo = counts[k] < lo ? counts[k] : lo;
    hi = counts[k] > hi ? counts[k] : hi;
  }
  CHECK(lo >= 55 && hi <= 145,
        "sublattices drawn %d to %d times each (want 55-145 of %d)", lo, hi,
        DRAWS);
  /* 4 of 35: expected 400, standard deviation 18.8 */
  CHECK(layered >= 325 && layered <= 475,
        "layer-keeping rhombohedral sublattices %d times (want 4/35 of %d "
        "= 400 ± 75)",
        layered, DRAWS);
  nacre_structure_free(prim);
}

static void check_exchange(const nacre_structure *p,
                           const nacre_random_options *o) {
  op_modes modes = {NULL, NULL, 0, NACRE_SYMPREC_DEFAULT, 1.0};
  int exchanges = 0, layered = 0, stacked = 0, wrong = 0;
  for (int t = 0; t < 400; t++) {
    nacre_rng rng, again;
    nacre_rng_init(&rng, 12, (uint64_t)t);
    again = rng;
    nacre_structure *c = NULL, *sup = NULL;
    char op[24] = "";
    nacre_error err;
    nacre_status st = op_mutate(p, 0, o, &modes, &rng, &c, op, &err);
    CHECK(st == NACRE_OK && !strncmp(op, "supercell-", 10),
          "draw %d: a supercell mutation (%s: %s)", t, op,
          st ? err.message : "");
    if (st || strcmp(op, "supercell-exchange")) {
      nacre_structure_free(c);
      continue;
    }
    exchanges++;
    /* the supercell the mutation started from: the same draws */
    nacre_rng_uniform(&again);
    op_random_supercell(p, NACRE_SYMPREC_DEFAULT, &again, &sup, &err);
    int ndiff = 0, a = -1, b = -1;
    double moved = 0;
    for (int i = 0; sup && i < c->natoms && i < sup->natoms; i++) {
      const int pbc[3] = {1, 1, 1};
      double d[3];
      for (int k = 0; k < 3; k++)
        d[k] = c->positions[3 * i + k] - sup->positions[3 * i + k];
      nacre_cell_minimum_image(sup->cell, pbc, d);
      moved = fmax(moved, sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]));
      if (c->numbers[i] != sup->numbers[i]) {
        ndiff++;
        if (a < 0) a = i;
        else b = i;
      }
    }
    int ok = sup && ndiff == 2 && moved < 1e-9 &&
             sup->numbers[a] != sup->numbers[b] &&
             c->numbers[a] == sup->numbers[b];
    if (ok) {
      double dab = distance(sup, a, b);
      ok = dab <= 1.1 * nearest_unlike(sup, a) + 1e-9 &&
           dab <= 1.1 * nearest_unlike(sup, b) + 1e-9 &&
           fabs(dab - 6.6 * sqrt(3) / 4) < 1e-6;
    }
    if (!ok && wrong++ < 3)
      printf("draw %d: %d atoms changed element, positions moved %.2g Å\n", t,
             ndiff, moved);
    if (sup && keeps_layers(sup->cell, 6.6)) {
      layered++;
      int g, np;
      group_of(c, &g, &np);
      stacked += (g == 160 || g == 166) && np == 16;
    }
    nacre_structure_free(sup);
    nacre_structure_free(c);
  }
  /* half of the supercell mutations of a two-element parent: 200 ± 10 */
  CHECK(exchanges >= 160 && exchanges <= 240,
        "%d exchanges of 400 supercell mutations (want about half)",
        exchanges);
  CHECK(wrong == 0, "%d exchange children are not their supercell with one "
        "unlike nearest-neighbour pair exchanged", wrong);
  CHECK(layered > 0 && stacked == layered,
        "exchanges in the layer-keeping cells: %d of %d are R3m/R-3m stackings "
        "of 16 one-element layers",
        stacked, layered);
}

/* The translations are found within the tolerance: a parent displaced by
 * 1e-4 Å (a relaxed minimum's noise) still has its 4-atom primitive cell,
 * one displaced by 0.1 Å (ten times the 0.01 Å tolerance) none. */
static void check_tolerance(const nacre_structure *p) {
  const double amp[2] = {1e-4, 0.1};
  for (int k = 0; k < 2; k++) {
    nacre_structure *q = nacre_structure_copy(p, NULL), *s = NULL;
    nacre_rng rng;
    nacre_rng_init(&rng, 14, (uint64_t)k);
    for (int i = 0; i < 3 * q->natoms; i++)
      q->positions[i] += amp[k] * (2 * nacre_rng_uniform(&rng) - 1);
    nacre_error err;
    nacre_status st =
        op_random_supercell(q, NACRE_SYMPREC_DEFAULT, &rng, &s, &err);
    if (k == 0)
      CHECK(st == NACRE_OK && s && s->natoms == 16,
            "D0_3 displaced by 1e-4 Å: a supercell of its primitive cell");
    else
      CHECK(st == NACRE_OK && !s,
            "D0_3 displaced by 0.1 Å: no translations within 0.01 Å");
    nacre_structure_free(s);
    nacre_structure_free(q);
  }
}

static void check_primitive_parent(const nacre_random_options *o) {
  /* L1_2-like ordering in its own 4-atom cell: Sn at the corner, Li at the
   * face centres of a simple cubic cell (Pm-3m, primitive) */
  nacre_structure *s = nacre_structure_new(4, NULL);
  double frac[12] = {0, 0, 0, 0, .5, .5, .5, 0, .5, .5, .5, 0};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) s->cell[i][j] = i == j ? 4.2 : 0;
  nacre_structure_set_frac(s, frac);
  s->numbers[0] = 50;
  s->numbers[1] = s->numbers[2] = s->numbers[3] = 3;
  nacre_rng rng;
  nacre_rng_init(&rng, 13, 0);
  nacre_structure *sup = (nacre_structure *)1;
  nacre_error err;
  nacre_status st =
      op_random_supercell(s, NACRE_SYMPREC_DEFAULT, &rng, &sup, &err);
  CHECK(st == NACRE_OK && sup == NULL,
        "a primitive parent gets no supercell (%s)", st ? err.message : "");
  op_modes modes = {NULL, NULL, 0, NACRE_SYMPREC_DEFAULT, 1.0};
  int bad = 0, exchanges = 0;
  for (int t = 0; t < 40; t++) {
    nacre_structure *c = NULL;
    char op[24] = "";
    st = op_mutate(s, 0, o, &modes, &rng, &c, op, &err);
    double cell = 0;
    for (int i = 0; c && i < 3; i++)
      for (int j = 0; j < 3; j++)
        cell = fmax(cell, fabs(c->cell[i][j] - s->cell[i][j]));
    int ok = st == NACRE_OK && c && c->natoms == 4 && cell < 1e-12 &&
             (!strcmp(op, "exchange") || !strcmp(op, "soft-mode") ||
              !strcmp(op, "displacement"));
    if (ok && !strcmp(op, "exchange")) {
      /* Sn moved to a face centre, a Li to the corner: a nearest pair */
      exchanges++;
      int sn = -1;
      for (int i = 0; i < 4; i++)
        if (c->numbers[i] == 50) sn = i;
      ok = sn > 0 && c->numbers[0] == 3 && count_of(c, 50) == 1;
    }
    if (!ok && bad++ < 3)
      printf("draw %d: %s, %d atoms, cell changed by %.2g Å\n", t, op,
             c ? c->natoms : -1, cell);
    nacre_structure_free(c);
  }
  CHECK(bad == 0 && exchanges > 0,
        "op_mutate on a primitive parent: exchange, soft mode or displacement "
        "in its own cell (%d wrong; %d exchanges of 40)",
        bad, exchanges);
  nacre_structure_free(s);
}

int main(void) {
  nacre_random_options o;
  nacre_random_options_init(&o);
  nacre_structure *p = build_d03_li3sn();
  check_sublattices(p);
  check_exchange(p, &o);
  check_tolerance(p);
  check_primitive_parent(&o);
  nacre_structure_free(p);
  TEST_DONE();
}
