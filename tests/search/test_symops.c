/* test_symops.c — the search's symmetric heredity and mutation
 * (src/search/symops.c) on random Li12Sn4 crystals of known groups:
 *   - a mutation within the parent's group gives a child of that group
 *     (spglib at the default 0.01 Å), the group its name claims, and every
 *     operation of the group (the table's, standard setting) carries the
 *     child onto itself to 1e-6 Å (the construction is exact, so only
 *     rounding remains);
 *   - a mutation within an axial subgroup gives a child whose every
 *     spglib operation is one of the parent's (a subgroup), and for D0_3
 *     (Fm-3m) groups below Fm-3m (R-3m along a three-fold axis, I4/mmm
 *     along a four-fold one, ...);
 *   - heredity between two crystals of one group keeps that group's
 *     operations (1e-6 Å), and between Pm-3m and P4/mmm parents (P4/mmm's
 *     operations are Pm-3m's with c kept) P4/mmm's; spglib finds that
 *     group itself in all but at most two children of 16 pairs (the rest:
 *     a supergroup, a further translation in step);
 *   - every child has the parents' atoms of each element, and keeps 0.75
 *     of the minimum distances;
 *   - a supercell with more operations than a conventional cell (D0_3
 *     2x2x2, 1536) is left to the plain mutation. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nacre/search.h"
#include "nacre/sym.h"
#include "search/operators.h"
#include "builders.h"
#include "testing.h"

static nacre_structure *random_of(int number, const nacre_composition *comp,
                                  const nacre_random_options *o,
                                  uint64_t seed) {
  nacre_spacegroup *g;
  if (nacre_spacegroup_new(number, &g, NULL)) return NULL;
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 7);
  nacre_structure *s = NULL;
  for (int t = 0; t < 20 && !s; t++)
    if (nacre_random_crystal(g, comp, o, &rng, &s, NULL, NULL)) s = NULL;
  nacre_spacegroup_free(g);
  return s;
}

static int group_number(const nacre_structure *s) {
  int n = 0;
  if (nacre_symmetry_identify(s, NACRE_SYMPREC_DEFAULT, &n, NULL, NULL, NULL))
    return -1;
  return n;
}

static int count_of(const nacre_structure *s, int z) {
  int n = 0;
  for (int i = 0; i < s->natoms; i++) n += s->numbers[i] == z;
  return n;
}

/* Largest distance (Å) from an image of an atom under the operations of
 * space group `number` (standard setting) to the nearest atom of its
 * element: 0 for a structure of that group in that setting. */
static double invariance_error(const nacre_structure *s, int number) {
  nacre_spacegroup *g;
  if (nacre_spacegroup_new(number, &g, NULL)) return INFINITY;
  double f[3 * 64], worst = 0;
  const int pbc[3] = {1, 1, 1};
  nacre_structure_get_frac(s, f, NULL);
  for (int k = 0; k < g->nops; k++)
    for (int i = 0; i < s->natoms; i++) {
      double y[3], best = INFINITY;
      for (int a = 0; a < 3; a++)
        y[a] = g->rot[k][a][0] * f[3 * i] + g->rot[k][a][1] * f[3 * i + 1] +
               g->rot[k][a][2] * f[3 * i + 2] + g->trans[k][a];
      for (int j = 0; j < s->natoms; j++) {
        if (s->numbers[j] != s->numbers[i]) continue;
        double d[3], df[3];
        for (int a = 0; a < 3; a++)
          df[a] = f[3 * j + a] - y[a] - nearbyint(f[3 * j + a] - y[a]);
        nacre_cell_frac_to_cart(s->cell, df, d);
        nacre_cell_minimum_image(s->cell, pbc, d);
        best = fmin(best, sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]));
      }
      worst = fmax(worst, best);
    }
  nacre_spacegroup_free(g);
  return worst;
}

/* Whether each spglib operation of child (in its own cell) is one of the
 * parent's (same cell basis). */
static int ops_within(const nacre_structure *child,
                      const nacre_structure *parent) {
  nacre_symmetry *c, *p;
  if (nacre_symmetry_analyze(child, NACRE_SYMPREC_DEFAULT, &c, NULL)) return 0;
  if (nacre_symmetry_analyze(parent, NACRE_SYMPREC_DEFAULT, &p, NULL)) {
    nacre_symmetry_free(c);
    return 0;
  }
  int all = 1;
  for (int k = 0; k < c->nops && all; k++) {
    int found = 0;
    for (int q = 0; q < p->nops && !found; q++) {
      if (memcmp(c->rot[k], p->rot[q], sizeof c->rot[k])) continue;
      found = 1;
      for (int a = 0; a < 3; a++) {
        double d = c->trans[k][a] - p->trans[q][a];
        found &= fabs(d - nearbyint(d)) < 1e-3;
      }
    }
    all = found;
  }
  nacre_symmetry_free(c);
  nacre_symmetry_free(p);
  return all;
}

static void check_child(const nacre_structure *child, const char *op,
                        const char *what) {
  CHECK(count_of(child, 3) == 12 && count_of(child, 50) == 4 &&
            child->natoms == 16,
        "%s: %d atoms, %d Li and %d Sn (want 16, 12, 4)", what, child->natoms,
        count_of(child, 3), count_of(child, 50));
  int claimed = atoi(strchr(op, ':') ? strchr(op, ':') + 1 : "0");
  CHECK(claimed == group_number(child), "%s: named %s, spglib finds %d", what,
        op, group_number(child));
}

static double closest_ratio(const nacre_structure *s,
                            const nacre_random_options *o) {
  double q = INFINITY;
  const int pbc[3] = {1, 1, 1};
  for (int i = 0; i < s->natoms; i++)
    for (int j = i + 1; j < s->natoms; j++) {
      double d[3];
      for (int k = 0; k < 3; k++)
        d[k] = s->positions[3 * j + k] - s->positions[3 * i + k];
      nacre_cell_minimum_image(s->cell, pbc, d);
      q = fmin(q, sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) /
                      nacre_random_min_distance(o, s->numbers[i],
                                                s->numbers[j]));
    }
  return q;
}

static void check_mutation_keeps_group(const nacre_composition *comp,
                                       const nacre_random_options *o) {
  const int groups[] = {12, 63, 139, 194, 221, 225};
  for (size_t k = 0; k < sizeof groups / sizeof groups[0]; k++) {
    nacre_structure *p = random_of(groups[k], comp, o, 10 + k);
    CHECK(p && group_number(p) == groups[k], "a random parent of group %d",
          groups[k]);
    if (!p) continue;
    for (int t = 0; t < 4; t++) {
      nacre_rng rng;
      nacre_rng_init(&rng, 3, (uint64_t)(100 * k + t));
      nacre_structure *c = NULL;
      char op[24] = "", what[64];
      nacre_error err;
      snprintf(what, sizeof what, "mutation in group %d, draw %d", groups[k], t);
      nacre_status st = op_sym_mutate(p, o, NACRE_SYMPREC_DEFAULT, 0, &rng,
                                      &c, op, &err);
      CHECK(st == NACRE_OK, "%s: %s", what, err.message);
      if (st) continue;
      check_child(c, op, what);
      CHECK(group_number(c) == groups[k], "%s: child of group %d", what,
            group_number(c));
      double e = invariance_error(c, groups[k]);
      CHECK(e < 1e-6, "%s: the group's operations move atoms %.2g Å", what, e);
      CHECK(closest_ratio(c, o) >= 0.75 - 1e-9,
            "%s: closest pair %.3f of the minimum distance", what,
            closest_ratio(c, o));
      nacre_structure_free(c);
    }
    nacre_structure_free(p);
  }
}

static void check_mutation_subgroup(const nacre_random_options *o) {
  nacre_structure *p = build_d03_li3sn();
  CHECK(group_number(p) == 225, "D0_3 is Fm-3m (%d)", group_number(p));
  int below = 0, seen[231] = {0};
  for (int t = 0; t < 12; t++) {
    nacre_rng rng;
    nacre_rng_init(&rng, 4, (uint64_t)t);
    nacre_structure *c = NULL;
    char op[24] = "", what[64];
    nacre_error err;
    snprintf(what, sizeof what, "axial mutation of D0_3, draw %d", t);
    nacre_status st = op_sym_mutate(p, o, NACRE_SYMPREC_DEFAULT, 1, &rng, &c,
                                    op, &err);
    CHECK(st == NACRE_OK, "%s: %s", what, err.message);
    if (st) continue;
    check_child(c, op, what);
    int g = group_number(c);
    CHECK(ops_within(c, p), "%s: group %d is not within Fm-3m", what, g);
    below += g != 225;
    if (g > 0 && g <= 230) seen[g] = 1;
    nacre_structure_free(c);
  }
  CHECK(below >= 10, "%d of 12 axial mutations of D0_3 left Fm-3m", below);
  CHECK(seen[166] && seen[139], "R-3m (%d) and I4/mmm (%d) among them",
        seen[166], seen[139]);
  nacre_structure_free(p);
}

static void check_heredity(const nacre_composition *comp,
                           const nacre_random_options *o, int ga, int gb,
                           int want, int min_ok) {
  int ok = 0, same = 0, tries = 16;
  for (int t = 0; t < tries; t++) {
    nacre_structure *a = random_of(ga, comp, o, 200 + t),
                    *b = random_of(gb, comp, o, 300 + t);
    if (!a || !b) {
      CHECK(0, "random parents of groups %d and %d", ga, gb);
      nacre_structure_free(a);
      nacre_structure_free(b);
      continue;
    }
    nacre_rng rng;
    nacre_rng_init(&rng, 5, (uint64_t)t);
    nacre_structure *c = NULL;
    char op[24] = "", what[80];
    nacre_error err;
    snprintf(what, sizeof what, "heredity of groups %d and %d, pair %d", ga,
             gb, t);
    nacre_status st = op_sym_heredity(a, b, comp, o, NACRE_SYMPREC_DEFAULT,
                                      &rng, &c, op, &err);
    CHECK(st == NACRE_OK || st == NACRE_ERR_NOT_CONVERGED, "%s: %s", what,
          err.message);
    if (!st) {
      ok++;
      check_child(c, op, what);
      same += group_number(c) == want;
      double e = invariance_error(c, want);
      CHECK(e < 1e-6, "%s: group %d's operations move atoms %.2g Å", what,
            want, e);
      CHECK(closest_ratio(c, o) >= 0.75 - 1e-9,
            "%s: closest pair %.3f of the minimum distance", what,
            closest_ratio(c, o));
    }
    nacre_structure_free(c);
    nacre_structure_free(a);
    nacre_structure_free(b);
  }
  printf("heredity %d x %d: %d of %d pairs spliced, %d of group %d\n", ga,
         gb, ok, tries, same, want);
  /* a child may come out in a supergroup (atoms of one orbit in step with
   * another's: I4/mmm's operations with one more translation are P4/mmm
   * in a smaller cell), never below the group: the invariance above */
  CHECK(same >= ok - 2, "heredity %d x %d: %d of %d children of group %d",
        ga, gb, same, ok, want);
  CHECK(ok >= min_ok, "heredity %d x %d: %d of %d pairs spliced (want ≥ %d)",
        ga, gb, ok, tries, min_ok);
}

/* A supercell with more operations than a conventional cell holds (D0_3
 * 2x2x2: 48 x 32 = 1536) is left to the plain operators: op_sym_mutate declines,
 * and op_mutate with every child meant to be symmetric still makes one,
 * by an ordinary mutation, with the composition kept. */
static void check_supercell_falls_back(const nacre_random_options *o) {
  nacre_structure *p = build_d03_li3sn(), *big = NULL, *c = NULL;
  const int m[3][3] = {{2, 0, 0}, {0, 2, 0}, {0, 0, 2}};
  nacre_structure_supercell(p, m, &big, NULL);
  nacre_rng rng;
  nacre_rng_init(&rng, 6, 0);
  char op[24] = "";
  nacre_error err;
  nacre_status st = op_sym_mutate(big, o, NACRE_SYMPREC_DEFAULT, 0, &rng, &c,
                                  op, &err);
  CHECK(st == NACRE_ERR_NOT_CONVERGED && !c,
        "D0_3 2x2x2: the symmetric mutation declines (%s)", err.message);
  nacre_structure_free(c);
  c = NULL;
  op_modes modes = {NULL, NULL, 1.0, NACRE_SYMPREC_DEFAULT, 0};
  st = op_mutate(big, 0, o, &modes, &rng, &c, op, &err);
  CHECK(st == NACRE_OK && c && strncmp(op, "sym-", 4) &&
            count_of(c, 3) == 96 && count_of(c, 50) == 32,
        "D0_3 2x2x2: op_mutate falls back to %s", op);
  nacre_structure_free(c);
  nacre_structure_free(big);
  nacre_structure_free(p);
}

int main(void) {
  nacre_composition comp;
  nacre_random_options o;
  nacre_composition_parse("Li12Sn4", &comp, NULL);
  nacre_random_options_init(&o);
  check_mutation_keeps_group(&comp, &o);
  check_mutation_subgroup(&o);
  check_supercell_falls_back(&o);
  check_heredity(&comp, &o, 139, 139, 139, 4);
  check_heredity(&comp, &o, 194, 194, 194, 4);
  check_heredity(&comp, &o, 221, 123, 123, 4);
  TEST_DONE();
}
