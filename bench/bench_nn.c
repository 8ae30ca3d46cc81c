/* bench_nn.c — speed and memory of the Behler-Parrinello potential:
 * µs per atom per evaluation of nn_Na_d3_v0 on bcc Na supercells at
 * a = 4.23 Å (~58 neighbours within 7.5 Å) and a = 3.3 Å (~112), energy +
 * forces + stress and energy only, on one thread and on all threads, with
 * the peak resident memory (VmHWM) after each size (sizes run in increasing
 * order, so the peak belongs to the largest structure so far).
 *
 * usage: bench_nn [MODEL] [--max-atoms N] [--min-seconds T]
 *   MODEL         MAISE or nacre model file (default
 *                 ../shared/data/maise/models/nn_Na_d3_v0)
 *   --max-atoms   largest supercell, atoms (default 16000)
 *   --min-seconds repeat each measurement for at least T s (default 0.2)
 * MAISE on the same kind of machine: 2.6–3.3 ms/atom at 4.23 Å and
 * 10–11.5 ms/atom at 3.3 Å on one thread, 1.5 GB for 1024 atoms. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "nacre/nn.h"

static nacre_structure *bcc(double a, int n) {
  nacre_structure *s = nacre_structure_new(2 * n * n * n, NULL);
  int k = 0;
  for (int x = 0; x < n; x++)
    for (int y = 0; y < n; y++)
      for (int z = 0; z < n; z++)
        for (int b = 0; b < 2; b++, k++) {
          s->numbers[k] = 11;
          s->positions[3 * k] = a * (x + 0.5 * b);
          s->positions[3 * k + 1] = a * (y + 0.5 * b);
          s->positions[3 * k + 2] = a * (z + 0.5 * b);
        }
  for (int q = 0; q < 3; q++) {
    s->cell[q][q] = a * n;
    s->pbc[q] = 1;
  }
  return s;
}

/* µs per atom per evaluation (wall clock; *cpu gets process CPU time per
 * atom, which on one thread is immune to other jobs on a shared machine);
 * the neighbour list is built once before. */
static double time_eval(nacre_calc *c, const nacre_structure *s, unsigned want,
                        nacre_result *r, double min_s, double *cpu) {
  nacre_error err;
  if (nacre_calc_compute(c, s, want, r, &err)) {
    fprintf(stderr, "bench_nn: %s\n", err.message);
    exit(1);
  }
  int reps = 0;
  double t0 = bench_now(), c0 = bench_cpu_now(), t;
  do {
    nacre_calc_compute(c, s, want, r, &err);
    reps++;
    t = bench_now() - t0;
  } while (t < min_s);
  *cpu = 1e6 * (bench_cpu_now() - c0) / reps / s->natoms;
  return 1e6 * t / reps / s->natoms;
}

int main(int argc, char **argv) {
  const char *model = NACRE_SHARED_DATA "/maise/models/nn_Na_d3_v0";
  int max_atoms = 16000;
  double min_s = 0.2;
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--max-atoms") && k + 1 < argc)
      max_atoms = atoi(argv[++k]);
    else if (!strcmp(argv[k], "--min-seconds") && k + 1 < argc)
      min_s = atof(argv[++k]);
    else if (argv[k][0] != '-')
      model = argv[k];
    else {
      fprintf(stderr, "usage: bench_nn [MODEL] [--max-atoms N] [--min-seconds T]\n");
      return 2;
    }
  }
  nacre_error err;
  nacre_potential *p = NULL;
  if (nacre_nn_potential_load(model, &p, &err)) {
    fprintf(stderr, "bench_nn: %s\n", err.message);
    return 1;
  }
  int nall = omp_get_max_threads();
  static const int cells[] = {1, 2, 4, 8, 20}; /* 2 … 16000 atoms */
  static const double lattice[] = {4.23, 3.3};
  printf("nn_Na_d3_v0, bcc Na, energy+forces+stress (EFS) and energy only (E), "
         "µs/atom/evaluation; %d threads available\n", nall);
  printf("wall = wall clock, cpu = process CPU time (one thread: unaffected by "
         "other jobs on the machine)\n");
  printf("%6s %6s %5s %9s %9s %9s %9s %9s %9s %8s\n", "a(Å)", "atoms", "neigh",
         "EFS1 cpu", "EFS1 wall", "EFSn wall", "E1 cpu", "E1 wall", "En wall",
         "HWM MB");
  for (int L = 0; L < 2; L++)
    for (size_t ci = 0; ci < sizeof cells / sizeof cells[0]; ci++) {
      int n = cells[ci];
      if (2 * n * n * n > max_atoms) break;
      nacre_structure *s = bcc(lattice[L], n);
      nacre_calc *c = nacre_calc_new(p, -1.0, &err);
      nacre_result r;
      nacre_result_init(&r, s->natoms, &err);
      double ms = s->natoms > 2000 ? 0.0 : min_s; /* one call for big cells */
      double cpu_efs1, cpu_e1, cpu_efsn, cpu_en;
      omp_set_num_threads(1);
      double efs1 = time_eval(c, s, NACRE_WANT_ALL, &r, ms, &cpu_efs1);
      double e1 = time_eval(c, s, NACRE_WANT_ENERGY, &r, ms, &cpu_e1);
      omp_set_num_threads(nall);
      double efsn = time_eval(c, s, NACRE_WANT_ALL, &r, ms, &cpu_efsn);
      double en = time_eval(c, s, NACRE_WANT_ENERGY, &r, ms, &cpu_en);
      (void)cpu_efsn;
      (void)cpu_en;
      /* neighbours within the 7.5 Å cutoff, atom 0 */
      const nacre_neighbor_list *nl = nacre_calc_neighbor_list(c);
      int nb = 0;
      for (size_t e = nl->offsets[0]; e < nl->offsets[1]; e++) {
        double d[3];
        nacre_nl_vector(nl, s, 0, e, d);
        nb += d[0] * d[0] + d[1] * d[1] + d[2] * d[2] < 7.4997645614525 * 7.4997645614525;
      }
      printf("%6.2f %6d %5d %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %8.1f\n",
             lattice[L], s->natoms, nb, cpu_efs1, efs1, efsn, cpu_e1, e1, en,
             bench_vm_hwm_kb() / 1024.0);
      fflush(stdout);
      nacre_result_free(&r);
      nacre_calc_free(c);
      nacre_structure_free(s);
    }
  nacre_potential_free(p);
  return 0;
}
