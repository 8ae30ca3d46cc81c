/* bench_train_na.c — training benchmark (figures, not a test).
 *
 *   bench_train_na [--structures N] [--minutes M]
 *     Closed loop: MAISE's nn_Na_d3_v0 labels N perturbed bcc/fcc/hcp Na
 *     structures (no pair closer than 2.7 Å, so its short-range repulsion is
 *     inactive); a fresh 51-10-10-1 network with the same descriptors is
 *     trained on 80 % and its energies are compared with the reference on
 *     the held-out 10 %. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/nn.h"
#include "nacre/pot.h"
#include "nacre/train.h"

#include "bench_train_util.h"

/* conventional cubic cell (bcc 2 atoms, fcc 4) or hcp 2-atom cell */
static nacre_structure *na_cell(int kind, double vol_per_atom, nacre_error *err) {
  int n = kind == 1 ? 4 : 2;
  nacre_structure *s = nacre_structure_new(n, err);
  for (int i = 0; i < n; i++) s->numbers[i] = 11;
  if (kind == 2) {
    double a = cbrt(vol_per_atom * 2 / (sqrt(3) / 2 * sqrt(8.0 / 3))), c = a * sqrt(8.0 / 3);
    double cell[3][3] = {{a, 0, 0}, {-a / 2, a * sqrt(3) / 2, 0}, {0, 0, c}};
    memcpy(s->cell, cell, sizeof cell);
    double fr[2][3] = {{1.0 / 3, 2.0 / 3, 0.25}, {2.0 / 3, 1.0 / 3, 0.75}};
    for (int i = 0; i < 2; i++) nacre_cell_frac_to_cart(s->cell, fr[i], &s->positions[3 * i]);
    return s;
  }
  double a = cbrt(vol_per_atom * n);
  for (int k = 0; k < 3; k++) s->cell[k][k] = a;
  double bcc[2][3] = {{0, 0, 0}, {0.5, 0.5, 0.5}};
  double fcc[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  for (int i = 0; i < n; i++)
    nacre_cell_frac_to_cart(s->cell, kind ? fcc[i] : bcc[i], &s->positions[3 * i]);
  return s;
}

static double min_distance(const nacre_structure *s) {
  double dmin = INFINITY;
  for (int i = 0; i < s->natoms; i++)
    for (int j = i; j < s->natoms; j++)
      for (int a = -2; a <= 2; a++)
        for (int b = -2; b <= 2; b++)
          for (int c = -2; c <= 2; c++) {
            if (i == j && !a && !b && !c) continue;
            double d2 = 0;
            for (int k = 0; k < 3; k++) {
              double x = s->positions[3 * j + k] - s->positions[3 * i + k] + a * s->cell[0][k] +
                         b * s->cell[1][k] + c * s->cell[2][k];
              d2 += x * x;
            }
            if (d2 < dmin * dmin) dmin = sqrt(d2);
          }
  return dmin;
}

static int bench_na(int nstruct, double minutes) {
  const char *model = NACRE_SHARED_DATA "/maise/models/nn_Na_d3_v0";
  if (access(model, R_OK)) {
    printf("SKIP: %s absent\n", model);
    return 0;
  }
  nacre_error err;
  nacre_potential *ref;
  if (nacre_nn_potential_load(model, &ref, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  nacre_calc *calc = nacre_calc_new(ref, 0.0, &err);
  nacre_dataset *d = nacre_dataset_new(&err);
  nacre_rng rng;
  nacre_rng_init(&rng, 2024, 0);
  double t0 = bench_now();
  while (d->n < nstruct) {
    int kind = nacre_rng_int(&rng, 3);
    double v = 26 + 16 * nacre_rng_uniform(&rng); /* Å^3/atom: ~0 to ~15 GPa */
    nacre_structure *u = na_cell(kind, v, &err), *s;
    int rep[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    for (int k = 0; k < 3; k++) rep[k][k] = 1 + nacre_rng_int(&rng, kind == 1 ? 2 : 3);
    nacre_structure_supercell(u, rep, &s, &err);
    nacre_structure_free(u);
    double eps[6];
    for (int k = 0; k < 6; k++) eps[k] = 0.04 * (2 * nacre_rng_uniform(&rng) - 1);
    double def[3][3] = {{1 + eps[0], eps[5], eps[4]}, {eps[5], 1 + eps[1], eps[3]},
                        {eps[4], eps[3], 1 + eps[2]}};
    double cell[3][3];
    nacre_mat3_mul(s->cell, def, cell);
    double *frac = malloc(3 * (size_t)s->natoms * sizeof *frac);
    nacre_structure_get_frac(s, frac, &err);
    memcpy(s->cell, cell, sizeof cell);
    nacre_structure_set_frac(s, frac);
    free(frac);
    for (int k = 0; k < 3 * s->natoms; k++) s->positions[k] += 0.15 * nacre_rng_normal(&rng);
    if (min_distance(s) < 2.7) {
      nacre_structure_free(s);
      continue;
    }
    nacre_result r;
    nacre_result_init(&r, s->natoms, &err);
    if (nacre_calc_compute(calc, s, NACRE_WANT_ALL, &r, &err)) {
      fprintf(stderr, "%s\n", err.message);
      return 1;
    }
    nacre_sample sm;
    memset(&sm, 0, sizeof sm);
    sm.s = s;
    sm.has = NACRE_LABEL_ENERGY | NACRE_LABEL_FORCES | NACRE_LABEL_STRESS;
    sm.energy = r.energy;
    sm.forces = malloc(3 * (size_t)s->natoms * sizeof(double));
    memcpy(sm.forces, r.forces, 3 * (size_t)s->natoms * sizeof(double));
    memcpy(sm.stress, r.stress, sizeof sm.stress);
    char src[32];
    snprintf(src, sizeof src, "na%04d", d->n);
    sm.source = strdup(src);
    nacre_dataset_take(d, &sm, &err);
    nacre_result_free(&r);
  }
  nacre_dataset_stats st;
  nacre_dataset_stats_compute(d, &st, &err);
  printf("Na closed loop: %d structures (%ld atoms, %d-%d per cell) labelled by nn_Na_d3_v0 in "
         "%.1f s; E %.3f..%.3f eV/atom, P %.1f..%.1f GPa\n",
         d->n, st.natoms, st.min_atoms, st.max_atoms, bench_now() - t0, st.e_per_atom_min,
         st.e_per_atom_max, st.pressure_min_gpa, st.pressure_max_gpa);
  char spec[4200];
  snprintf(spec, sizeof spec, "model:%s", model);
  nacre_loss_weights lw = {1, 0.1, 0, 1e-7};
  nacre_nn_model *m;
  train_features *fs;
  int *te, nte;
  int rc = train_and_report(d, spec, 0.8, 0.1, minutes, NACRE_OPT_LBFGS, lw, &m, &te, &nte, &fs);
  if (!rc) {
    double emax = 0, esq = 0;
    for (int q = 0; q < nte; q++) {
      const nacre_sample *sm = &d->items[te[q]];
      double e;
      train_predict(m, NULL, sm->s, &fs[te[q]], &e, NULL, NULL, &err);
      double de = fabs(e - sm->energy) / sm->s->natoms;
      esq += de * de;
      if (de > emax) emax = de;
    }
    printf("held-out %d structures: energy RMSE %.3f meV/atom, max |dE| %.3f meV/atom vs "
           "nn_Na_d3_v0 (target <= 2 meV/atom)\n",
           nte, 1e3 * sqrt(esq / nte), 1e3 * emax);
    for (int q = 0; q < d->n; q++) train_features_free(&fs[q]);
    free(fs);
    free(te);
    nacre_nn_model_free(m);
  }
  nacre_dataset_free(d);
  nacre_calc_free(calc);
  nacre_potential_free(ref);
  return rc;
}

int main(int argc, char **argv) {
  double minutes = 5;
  int nstruct = 300;
  for (int k = 1; k + 1 < argc; k += 2) {
    if (!strcmp(argv[k], "--minutes")) minutes = atof(argv[k + 1]);
    else if (!strcmp(argv[k], "--structures")) nstruct = atoi(argv[k + 1]);
    else {
      fprintf(stderr, "usage: bench_train_na [--structures N] [--minutes M]\n");
      return 2;
    }
  }
  return bench_na(nstruct, minutes);
}
