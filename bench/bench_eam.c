/* bench_eam.c — EAM cost per atom: neighbour-list build and one energy +
 * forces + stress evaluation, for fcc Cu from ~100 to ~100,000 atoms with
 * LAMMPS' Cu_u3.eam (Debian lammps-data) or, when absent, a synthetic EAM
 * of the same range. Both columns should stay flat: O(N). Timings are wall
 * clock over repeated steps, plus the process CPU time of the evaluation
 * (on one thread immune to other jobs on the machine); thread count from
 * OMP_NUM_THREADS. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench_util.h"
#include "nacre/pot.h"

/* smooth analytic Cu-like tables (cutoff 4.95 Å) */
static nacre_potential *synthetic(void) {
  enum { NRHO = 500, NR = 500 };
  static double frho[NRHO], rhor[NR], z2r[NR];
  const double rc = 4.95, re = 2.556;
  for (int k = 0; k < NRHO; k++) {
    double rho = k * 0.05;
    frho[k] = -1.5 * sqrt(rho) + 0.02 * rho * rho;
  }
  for (int k = 0; k < NR; k++) {
    double r = k * 0.01, t = r < rc ? pow((rc - r) / rc, 4) : 0.0;
    rhor[k] = exp(-6.0 * (r / re - 1.0)) * t;
    z2r[k] = r * 0.3 * exp(-9.0 * (r / re - 1.0)) * t;
  }
  nacre_eam_tables t = {.nelements = 1, .z = {29}, .nrho = NRHO,
                        .drho = 0.05, .nr = NR, .dr = 0.01, .cutoff = rc,
                        .rhomax = (NRHO - 1) * 0.05, .frho = frho,
                        .rhor = rhor, .z2r = z2r};
  nacre_potential *p = NULL;
  nacre_error err;
  if (nacre_eam_new(&t, &p, &err)) fprintf(stderr, "%s\n", err.message);
  return p;
}

static nacre_structure *fcc(int n, double a) {
  nacre_structure *s = nacre_structure_new(4 * n * n * n, NULL);
  const double basis[4][3] = {{0, 0, 0}, {.5, .5, 0}, {.5, 0, .5}, {0, .5, .5}};
  int i = 0;
  for (int x = 0; x < n; x++)
    for (int y = 0; y < n; y++)
      for (int z = 0; z < n; z++)
        for (int b = 0; b < 4; b++, i++) {
          s->numbers[i] = 29;
          /* small deterministic displacements break the symmetry */
          double d = 0.02 * sin(1.7 * i);
          s->positions[3 * i] = (x + basis[b][0]) * a + d;
          s->positions[3 * i + 1] = (y + basis[b][1]) * a - 0.5 * d;
          s->positions[3 * i + 2] = (z + basis[b][2]) * a + 0.3 * d;
        }
  for (int k = 0; k < 3; k++) s->cell[k][k] = n * a;
  return s;
}

int main(void) {
  const char *file = "/usr/share/lammps/potentials/Cu_u3.eam";
  nacre_potential *p = NULL;
  nacre_error err;
  const char *what = file;
  if (access(file, R_OK) != 0 || nacre_potential_load(file, &p, &err)) {
    p = synthetic();
    what = "synthetic Cu-like EAM (Cu_u3.eam absent)";
  }
  if (!p) return 1;
  printf("EAM benchmark: %s, fcc Cu a = 3.615 Å, %d OpenMP threads\n", what,
         omp_get_max_threads());
  printf("%8s %16s %16s %18s %14s\n", "atoms", "eval µs/atom",
         "eval cpu µs/atom", "nl build µs/atom", "E/atom (eV)");
  const int sizes[] = {3, 5, 8, 13, 20, 29};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    nacre_structure *s = fcc(sizes[k], 3.615);
    nacre_calc *c = nacre_calc_new(p, 1.0, &err);
    nacre_result r;
    nacre_result_init(&r, s->natoms, &err);
    nacre_calc_compute(c, s, NACRE_WANT_ALL, &r, &err); /* warm-up, builds */
    nacre_neighbor_list *nl = (nacre_neighbor_list *)nacre_calc_neighbor_list(c);
    /* repeat each part for at least 0.2 s (and 3 times) */
    int reps = 0;
    double t0 = bench_now(), t_nl, t_ev, c_ev;
    do {
      nacre_nl_invalidate(nl);
      nacre_nl_update(nl, s, NULL, &err);
      reps++;
    } while (reps < 3 || bench_now() - t0 < 0.2);
    t_nl = (bench_now() - t0) / reps;
    reps = 0;
    t0 = bench_now();
    double c0 = bench_cpu_now();
    do {
      nacre_calc_compute(c, s, NACRE_WANT_ALL, &r, &err);
      reps++;
    } while (reps < 3 || bench_now() - t0 < 0.2);
    t_ev = (bench_now() - t0) / reps;
    c_ev = (bench_cpu_now() - c0) / reps;
    printf("%8d %16.3f %16.3f %18.3f %14.6f\n", s->natoms,
           1e6 * t_ev / s->natoms, 1e6 * c_ev / s->natoms,
           1e6 * t_nl / s->natoms, r.energy / s->natoms);
    fflush(stdout);
    nacre_result_free(&r);
    nacre_calc_free(c);
    nacre_structure_free(s);
  }
  nacre_potential_free(p);
  return 0;
}
