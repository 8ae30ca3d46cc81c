/* bench_symops.c — cost of the search's symmetric heredity and mutation
 * against the plain ones and against a relaxation, and relaxations per
 * hour against cell size.
 *
 *   bench_symops [--potential SPEC] [--sizes 16,32,64,100] [--parents K]
 *                [--children M] [--relax R]
 *
 * For each size N (Li3Sn compositions, Li(3N/4)Sn(N/4); N = 100 is
 * Li75Sn25) it draws K random crystals of space groups that can hold the
 * composition (C2/m, Cmcm, I4/mmm, R-3m, P6_3/mmc, Pm-3m, Fm-3m: the
 * parents the symmetric operators work on), makes M children of each
 * operator from them (parents in turn), and relaxes R of the parents with
 * the potential (default ../shared/data/maise/models/nn_LiSn_d3_v0, to
 * 0.001 eV/Å and 0.01 GPa, 2000 steps: the search's benchmark settings).
 * Prints CPU ms per child of each operator (one thread), CPU s per
 * relaxation, relaxations per hour of one core, and what the symmetric
 * operators add to a relaxation's cost. CPU times: the machine's load
 * does not enter them, but a loaded machine's shared caches do. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "nacre/search.h"
#include "search/operators.h"

static const int groups[] = {12, 63, 139, 166, 194, 221, 225};

static nacre_structure *random_parent(const nacre_composition *comp,
                                      const nacre_random_options *o,
                                      nacre_rng *rng) {
  for (int t = 0; t < 50; t++) {
    nacre_spacegroup *g;
    int k = nacre_rng_int(rng, (int)(sizeof groups / sizeof groups[0]));
    if (nacre_spacegroup_new(groups[k], &g, NULL)) continue;
    nacre_structure *s = NULL;
    nacre_status st = nacre_random_crystal(g, comp, o, rng, &s, NULL, NULL);
    nacre_spacegroup_free(g);
    if (!st) return s;
  }
  return NULL;
}

typedef struct op_time {
  const char *name;
  double cpu;
  int made, tried;
} op_time;

/* kind 0 plain mutation, 1 symmetric mutation, 2 plain heredity, 3
 * symmetric heredity */
static void time_op(int kind, nacre_structure **p, int k, int m,
                    const nacre_composition *comp,
                    const nacre_random_options *o, op_time *t) {
  op_modes plain = {NULL, NULL, 0, NACRE_SYMPREC_DEFAULT, 0};
  double c0 = bench_cpu_now();
  for (int i = 0; i < m; i++) {
    nacre_rng rng;
    nacre_rng_init(&rng, 11, (uint64_t)(100 * kind + i));
    nacre_structure *a = p[i % k], *b = p[(i + 1) % k], *c = NULL;
    char op[24];
    nacre_error err;
    nacre_status st;
    if (kind == 0) st = op_mutate(a, 0, o, &plain, &rng, &c, op, &err);
    else if (kind == 1)
      st = op_sym_mutate(a, o, NACRE_SYMPREC_DEFAULT, -1, &rng, &c, op, &err);
    else if (kind == 2)
      st = op_heredity(a, b, comp, o, &plain, &rng, &c, op, &err);
    else
      st = op_sym_heredity(a, b, comp, o, NACRE_SYMPREC_DEFAULT, &rng, &c, op,
                           &err);
    t->tried++;
    t->made += st == NACRE_OK;
    nacre_structure_free(c);
  }
  t->cpu = bench_cpu_now() - c0;
}

int main(int argc, char **argv) {
  const char *potential = NACRE_SHARED_DATA "/maise/models/nn_LiSn_d3_v0";
  char sizes[128] = "16,32,64,100";
  int k = 6, m = 60, r = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--potential")) potential = argv[i + 1];
    else if (!strcmp(argv[i], "--sizes"))
      snprintf(sizes, sizeof sizes, "%s", argv[i + 1]);
    else if (!strcmp(argv[i], "--parents")) k = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--children")) m = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--relax")) r = atoi(argv[i + 1]);
    else {
      fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  nacre_error err;
  nacre_search_relaxer *rel;
  nacre_search_relax_settings rs = {0.001, 0.01, 2000};
  if (nacre_search_relaxer_new(potential, &rs, &rel, &err)) {
    printf("SKIP bench_symops: %s\n", err.message);
    return 0;
  }
  printf("%6s %10s %10s %10s %10s %9s %10s %9s %9s\n", "atoms", "mutate_ms",
         "sym_mut_ms", "hered_ms", "sym_her_ms", "relax_s", "relax/h",
         "sym_mut%", "sym_her%");
  for (char *tok = strtok(sizes, ","); tok; tok = strtok(NULL, ",")) {
    int n = atoi(tok);
    if (n < 4 || n % 4) {
      fprintf(stderr, "size %d: a multiple of 4 atoms (Li3Sn)\n", n);
      return 2;
    }
    char formula[32];
    snprintf(formula, sizeof formula, "Li%dSn%d", 3 * n / 4, n / 4);
    nacre_composition comp;
    nacre_random_options o;
    nacre_composition_parse(formula, &comp, NULL);
    nacre_random_options_init(&o);
    nacre_rng rng;
    nacre_rng_init(&rng, 1, (uint64_t)n);
    nacre_structure **p = calloc((size_t)k, sizeof *p);
    int have = 0;
    for (int i = 0; i < k; i++) have += (p[i] = random_parent(&comp, &o, &rng)) != NULL;
    if (have < k) {
      printf("%6d: only %d of %d random parents\n", n, have, k);
      continue;
    }
    op_time t[4] = {{"mutation", 0, 0, 0}, {"sym-mutation", 0, 0, 0},
                    {"heredity", 0, 0, 0}, {"sym-heredity", 0, 0, 0}};
    for (int kind = 0; kind < 4; kind++) time_op(kind, p, k, m, &comp, &o, &t[kind]);
    double c0 = bench_cpu_now();
    int relaxed = 0;
    for (int i = 0; i < r; i++) {
      nacre_structure *s = nacre_structure_copy(p[i % k], NULL);
      nacre_search_relaxed out;
      if (!nacre_search_relax_potential(rel, s, 0.0, &out, &err)) relaxed++;
      nacre_structure_free(s);
    }
    double relax_s = relaxed ? (bench_cpu_now() - c0) / relaxed : NAN;
    double ms[4];
    for (int kind = 0; kind < 4; kind++) ms[kind] = 1e3 * t[kind].cpu / m;
    printf("%6d %10.3f %10.3f %10.3f %10.3f %9.3f %10.0f %8.2f%% %8.2f%%\n", n,
           ms[0], ms[1], ms[2], ms[3], relax_s, 3600.0 / relax_s,
           100 * (ms[1] - ms[0]) * 1e-3 / relax_s,
           100 * (ms[3] - ms[2]) * 1e-3 / relax_s);
    printf("       children made: mutation %d/%d, sym-mutation %d/%d, heredity "
           "%d/%d, sym-heredity %d/%d\n",
           t[0].made, m, t[1].made, m, t[2].made, m, t[3].made, m);
    fflush(stdout);
    for (int i = 0; i < k; i++) nacre_structure_free(p[i]);
    free(p);
  }
  nacre_search_relaxer_free(rel);
  return 0;
}
