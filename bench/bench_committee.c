/* bench_committee.c — the cost of a committee of K network potentials
 * against one member, both measured in the same run: energy + forces +
 * stress of bcc Na (a = 4.23 Å, 8×8×8 cells: Na1024) with nn_Na_d3_v0, on
 * one thread (CPU time, immune to other jobs), repeated alternately and
 * the fastest of the repeats taken for each. Target: K = 4 costs at most
 * 4.2 × one member (each member on its own fast path, one neighbour list).
 *
 * usage: bench_committee [MODEL] [--members K] [--cells N] [--repeats R] */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "nacre/pot.h"

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

/* CPU seconds of one evaluation (the neighbour list is up to date). */
static double one_eval(nacre_calc *c, const nacre_structure *s, nacre_result *r) {
  nacre_error err;
  double t0 = bench_cpu_now();
  if (nacre_calc_compute(c, s, NACRE_WANT_ALL, r, &err)) {
    fprintf(stderr, "bench_committee: %s\n", err.message);
    exit(1);
  }
  return bench_cpu_now() - t0;
}

int main(int argc, char **argv) {
  const char *model = NACRE_SHARED_DATA "/maise/models/nn_Na_d3_v0";
  int k = 4, cells = 8, repeats = 5;
  for (int a = 1; a < argc; a++) {
    if (!strcmp(argv[a], "--members") && a + 1 < argc) k = atoi(argv[++a]);
    else if (!strcmp(argv[a], "--cells") && a + 1 < argc) cells = atoi(argv[++a]);
    else if (!strcmp(argv[a], "--repeats") && a + 1 < argc) repeats = atoi(argv[++a]);
    else if (argv[a][0] != '-') model = argv[a];
    else {
      fprintf(stderr, "usage: bench_committee [MODEL] [--members K] [--cells N] [--repeats R]\n");
      return 2;
    }
  }
  if (k < 1 || k > 64 || cells < 1 || repeats < 1) return 2;
  char *spec = malloc((strlen(model) + 1) * (size_t)k + 16);
  strcpy(spec, "committee:");
  for (int q = 0; q < k; q++) {
    if (q) strcat(spec, ",");
    strcat(spec, model);
  }
  nacre_error err;
  nacre_potential *one = NULL, *com = NULL;
  if (nacre_potential_load(model, &one, &err) || nacre_potential_load(spec, &com, &err)) {
    printf("SKIP: %s\n", err.message);
    return 77;
  }
  omp_set_num_threads(1);
  nacre_structure *s = bcc(4.23, cells);
  nacre_calc *c1 = nacre_calc_new(one, -1.0, &err), *ck = nacre_calc_new(com, -1.0, &err);
  nacre_result r1, rk;
  nacre_result_init(&r1, s->natoms, &err);
  nacre_result_init(&rk, s->natoms, &err);
  one_eval(c1, s, &r1); /* neighbour lists and workspaces */
  one_eval(ck, s, &rk);
  double t1 = 1e300, tk = 1e300;
  for (int r = 0; r < repeats; r++) {
    double a = one_eval(c1, s, &r1), b = one_eval(ck, s, &rk);
    if (a < t1) t1 = a;
    if (b < tk) tk = b;
  }
  printf("Na%d bcc (a = 4.23 Å), energy+forces+stress, one thread, CPU time, best of %d\n",
         s->natoms, repeats);
  printf("one member          %9.1f ms  (%.1f µs/atom)\n", 1e3 * t1, 1e6 * t1 / s->natoms);
  printf("committee of %-2d     %9.1f ms  (%.1f µs/atom)\n", k, 1e3 * tk, 1e6 * tk / s->natoms);
  printf("ratio               %9.3f  (target <= %.1f for 4 members: 1.05 x K)\n", tk / t1,
         1.05 * k);
  printf("energies %.10f and %.10f eV (same model: equal), sigma_f %.3g eV/A\n", r1.energy,
         rk.energy, rk.committee_force_dev_max);
  nacre_result_free(&r1);
  nacre_result_free(&rk);
  nacre_calc_free(c1);
  nacre_calc_free(ck);
  nacre_structure_free(s);
  nacre_potential_free(one);
  nacre_potential_free(com);
  free(spec);
  return 0;
}
