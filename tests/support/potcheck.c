/* potcheck.c — finite-difference and invariance checks for potentials. */
#include "potcheck.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builders.h"

static double eval(nacre_calc *c, const nacre_structure *s, unsigned want,
                   nacre_result *r) {
  nacre_error err;
  if (nacre_calc_compute(c, s, want, r, &err)) {
    printf("potcheck: evaluation failed: %s\n", err.message);
    return NAN;
  }
  return r->energy;
}

double potcheck_energy(const nacre_potential *p, const nacre_structure *s) {
  nacre_calc *c = nacre_calc_new(p, 0.5, NULL);
  nacre_result r;
  nacre_result_init(&r, s->natoms, NULL);
  double e = eval(c, s, NACRE_WANT_ENERGY, &r) / s->natoms;
  nacre_result_free(&r);
  nacre_calc_free(c);
  return e;
}

double potcheck_force_fd(const nacre_potential *p, const nacre_structure *s0,
                         double h, double *fmax) {
  nacre_structure *s = nacre_structure_copy(s0, NULL);
  nacre_calc *c = nacre_calc_new(p, 0.0, NULL);
  nacre_result r;
  nacre_result_init(&r, s->natoms, NULL);
  eval(c, s, NACRE_WANT_ENERGY | NACRE_WANT_FORCES, &r);
  double *f = malloc(3 * (size_t)s->natoms * sizeof(double));
  memcpy(f, r.forces, 3 * (size_t)s->natoms * sizeof(double));
  double worst = 0.0, big = 0.0;
  for (int i = 0; i < 3 * s->natoms; i++) {
    double x = s->positions[i];
    s->positions[i] = x + h;
    double ep = eval(c, s, NACRE_WANT_ENERGY, &r);
    s->positions[i] = x - h;
    double em = eval(c, s, NACRE_WANT_ENERGY, &r);
    s->positions[i] = x;
    double d = fabs(f[i] + (ep - em) / (2 * h));
    if (!(d <= worst)) worst = d;
    if (fabs(f[i]) > big) big = fabs(f[i]);
  }
  if (fmax) *fmax = big;
  free(f);
  nacre_result_free(&r);
  nacre_calc_free(c);
  nacre_structure_free(s);
  return worst;
}

double potcheck_stress_fd(const nacre_potential *p, const nacre_structure *s0,
                          double h) {
  nacre_calc *c = nacre_calc_new(p, 0.0, NULL);
  nacre_result r;
  nacre_result_init(&r, s0->natoms, NULL);
  eval(c, s0, NACRE_WANT_ALL, &r);
  double stress[6];
  memcpy(stress, r.stress, sizeof stress);
  double vol = fabs(nacre_cell_volume(s0->cell));
  double worst = 0.0;
  for (int k = 0; k < 6; k++) {
    double e[2];
    for (int sgn = 0; sgn < 2; sgn++) {
      double eps[6] = {0, 0, 0, 0, 0, 0};
      eps[k] = sgn ? -h : h;
      nacre_structure *s = nacre_structure_copy(s0, NULL);
      build_strain(s, eps);
      e[sgn] = eval(c, s, NACRE_WANT_ENERGY, &r);
      nacre_structure_free(s);
    }
    /* A shear step h moves both ε_ab and ε_ba, so dE/dh = V(σ_ab + σ_ba)
     * = 2Vσ_ab there. */
    double fd = (e[0] - e[1]) / (2 * h) / vol / (k < 3 ? 1.0 : 2.0);
    double d = fabs(stress[k] - fd);
    if (!(d <= worst)) worst = d;
  }
  nacre_result_free(&r);
  nacre_calc_free(c);
  return worst;
}

double potcheck_invariance(const nacre_potential *p, const nacre_structure *s0,
                           uint64_t seed) {
  double e0 = potcheck_energy(p, s0);
  double worst = 0.0;
  nacre_structure *s = nacre_structure_copy(s0, NULL);
  /* translation */
  for (int i = 0; i < s->natoms; i++) {
    s->positions[3 * i] += 0.37;
    s->positions[3 * i + 1] -= 1.91;
    s->positions[3 * i + 2] += 5.03;
  }
  double d = fabs(potcheck_energy(p, s) - e0);
  if (!(d <= worst)) worst = d;
  /* rotation */
  double rot[3][3];
  build_random_rotation(rot, seed);
  build_rotate(s, rot);
  d = fabs(potcheck_energy(p, s) - e0);
  if (!(d <= worst)) worst = d;
  /* permutation: reverse the atom order */
  nacre_structure *q = nacre_structure_copy(s, NULL);
  for (int i = 0; i < s->natoms; i++) {
    int j = s->natoms - 1 - i;
    q->numbers[i] = s->numbers[j];
    memcpy(&q->positions[3 * i], &s->positions[3 * j], 3 * sizeof(double));
  }
  d = fabs(potcheck_energy(p, q) - e0);
  if (!(d <= worst)) worst = d;
  nacre_structure_free(q);
  /* supercells, diagonal and not */
  if (s0->pbc[0] && s0->pbc[1] && s0->pbc[2]) {
    int m1[3][3] = {{2, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    int m2[3][3] = {{1, 1, 0}, {-1, 1, 0}, {0, 0, 1}};
    const int(*ms[2])[3] = {m1, m2};
    for (int k = 0; k < 2; k++) {
      nacre_structure *sc = NULL;
      if (nacre_structure_supercell(s0, ms[k], &sc, NULL)) return INFINITY;
      d = fabs(potcheck_energy(p, sc) - e0);
      if (!(d <= worst)) worst = d;
      nacre_structure_free(sc);
    }
  }
  nacre_structure_free(s);
  return worst;
}

double potcheck_thread_difference(const nacre_potential *p,
                                  const nacre_structure *s, int nthreads_a,
                                  int nthreads_b) {
  int saved = omp_get_max_threads();
  size_t n = (size_t)s->natoms;
  nacre_result r[2];
  int nt[2] = {nthreads_a, nthreads_b}, ok = 1;
  for (int k = 0; k < 2; k++) {
    omp_set_num_threads(nt[k]);
    nacre_calc *c = nacre_calc_new(p, 0.5, NULL);
    nacre_result_init(&r[k], s->natoms, NULL);
    ok &= isfinite(eval(c, s, NACRE_WANT_ALL, &r[k]));
    nacre_calc_free(c);
  }
  omp_set_num_threads(saved);
  double worst = fabs(r[0].energy - r[1].energy);
  for (size_t i = 0; i < 3 * n; i++)
    worst = fmax(worst, fabs(r[0].forces[i] - r[1].forces[i]));
  for (int k = 0; k < 6; k++)
    worst = fmax(worst, fabs(r[0].stress[k] - r[1].stress[k]));
  nacre_result_free(&r[0]);
  nacre_result_free(&r[1]);
  return ok ? worst : NAN;
}
