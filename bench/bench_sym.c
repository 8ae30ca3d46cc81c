/* bench_sym.c — cost of the symmetry functions on rocksalt supercells
 * (n×n×n conventional cells, 8n³ atoms, Fm-3m): analysis (spglib search,
 * origin choice, atom permutations), symmetrisation of a copy rattled by
 * 1e-3 Å, and one force/stress symmetrisation with the kept permutations.
 *   bench_sym [nmax]     (default 4: 8 to 512 atoms)
 * Prints seconds per call (wall clock). */
#include <stdio.h>
#include <stdlib.h>

#include "nacre/sym.h"

#include "bench_util.h"

static nacre_structure *rocksalt(int n) {
  static const double f[8][3] = {{0, 0, 0},       {0, 0.5, 0.5}, {0.5, 0, 0.5},
                                 {0.5, 0.5, 0},   {0.5, 0.5, 0.5},
                                 {0.5, 0, 0},     {0, 0.5, 0},   {0, 0, 0.5}};
  nacre_structure *u = nacre_structure_new(8, NULL);
  for (int k = 0; k < 3; k++) u->cell[k][k] = 5.64;
  for (int i = 0; i < 8; i++) {
    u->numbers[i] = i < 4 ? 11 : 17;
    nacre_cell_frac_to_cart(u->cell, f[i], &u->positions[3 * i]);
  }
  int m[3][3] = {{n, 0, 0}, {0, n, 0}, {0, 0, n}};
  nacre_structure *s = NULL;
  nacre_structure_supercell(u, m, &s, NULL);
  nacre_structure_free(u);
  return s;
}

int main(int argc, char **argv) {
  int nmax = argc > 1 ? atoi(argv[1]) : 4;
  printf("%7s %6s %12s %14s %12s\n", "atoms", "ops", "analyze/s",
         "symmetrize/s", "forces/s");
  for (int n = 1; n <= nmax; n++) {
    nacre_structure *s = rocksalt(n);
    if (!s) return 1;
    nacre_error err;
    nacre_symmetry *sym = NULL;
    double t0 = bench_now();
    if (nacre_symmetry_analyze(s, 1e-3, &sym, &err)) {
      fprintf(stderr, "%s\n", err.message);
      return 1;
    }
    double t1 = bench_now();
    nacre_structure *r = nacre_structure_copy(s, NULL);
    nacre_rng rng;
    nacre_rng_init(&rng, 1, 0);
    for (int i = 0; i < 3 * r->natoms; i++)
      r->positions[i] += 1e-3 * nacre_rng_normal(&rng);
    double t2 = bench_now();
    if (nacre_symmetry_symmetrize(r, 1e-2, &err)) {
      fprintf(stderr, "%s\n", err.message);
      return 1;
    }
    double t3 = bench_now();
    double *f = malloc(3 * (size_t)s->natoms * sizeof *f);
    double stress[6] = {1, 2, 3, 4, 5, 6};
    for (int i = 0; i < 3 * s->natoms; i++) f[i] = nacre_rng_normal(&rng);
    double t4 = bench_now();
    nacre_symmetry_symmetrize_forces(sym, s, f, stress, &err);
    double t5 = bench_now();
    printf("%7d %6d %12.4f %14.4f %12.4f\n", s->natoms, sym->nops, t1 - t0,
           t3 - t2, t5 - t4);
    free(f);
    nacre_structure_free(r);
    nacre_symmetry_free(sym);
    nacre_structure_free(s);
  }
  return 0;
}
