/* lj.c — Lennard-Jones pair potential, plain or energy-shifted:
 * V(r) = 4ε[(σ/r)^12 − (σ/r)^6] − [shift ? V(rc) : 0] for r < rc.
 * Serves as the model implementation of the potential interface for pair
 * potentials: full neighbour list, each pair counted from both ends with a
 * factor ½, forces gathered per atom (no scatter, so threads never write to
 * the same atom). */
#include "nacre/pot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  double epsilon, sigma, cutoff, vshift;
  int shift;
} lj_model;

static double lj_pair(const lj_model *m, double r2, double *dvdr_over_r) {
  double sr2 = m->sigma * m->sigma / r2;
  double sr6 = sr2 * sr2 * sr2;
  /* dV/dr / r = −24ε(2 (σ/r)^12 − (σ/r)^6) / r² */
  *dvdr_over_r = -24.0 * m->epsilon * (2.0 * sr6 * sr6 - sr6) / r2;
  return 4.0 * m->epsilon * (sr6 * sr6 - sr6) - m->vshift;
}

static nacre_status lj_compute(const void *model, const nacre_structure *s,
                               const nacre_neighbor_list *nl, unsigned want,
                               nacre_result *r, void *workspace,
                               nacre_error *err) {
  (void)workspace;
  (void)err;
  const lj_model *m = model;
  double rc2 = m->cutoff * m->cutoff;
  double energy = 0.0;
  double w[6] = {0, 0, 0, 0, 0, 0}; /* Σ r_a f_b over pairs: virial sums */
  int n = s->natoms;
#pragma omp parallel for schedule(static) reduction(+ : energy, w[:6])
  for (int i = 0; i < n; i++) {
    double ei = 0.0, fi[3] = {0, 0, 0};
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
      double d[3];
      nacre_nl_vector(nl, s, i, e, d);
      double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      if (r2 >= rc2) continue;
      double g;
      ei += 0.5 * lj_pair(m, r2, &g);
      /* F_i = Σ_j dV/dr · r̂_ij (the pair pulls i toward j when dV/dr > 0) */
      for (int k = 0; k < 3; k++) fi[k] += g * d[k];
      /* ∂E/∂ε_ab = ½ Σ_pairs dV/dr · r_a r_b / r (both ends → ½) */
      w[0] += 0.5 * g * d[0] * d[0];
      w[1] += 0.5 * g * d[1] * d[1];
      w[2] += 0.5 * g * d[2] * d[2];
      w[3] += 0.5 * g * d[1] * d[2];
      w[4] += 0.5 * g * d[0] * d[2];
      w[5] += 0.5 * g * d[0] * d[1];
    }
    energy += ei;
    if (want & NACRE_WANT_ATOM_ENERGIES) r->atom_energies[i] = ei;
    if (want & NACRE_WANT_FORCES)
      for (int k = 0; k < 3; k++) r->forces[3 * i + k] = fi[k];
  }
  r->energy = energy;
  if (want & NACRE_WANT_STRESS) {
    double vol = fabs(nacre_cell_volume(s->cell));
    for (int k = 0; k < 6; k++) r->stress[k] = vol > 0.0 ? w[k] / vol : 0.0;
  }
  return NACRE_OK;
}

static void lj_describe(const void *model, char *buf, size_t buflen) {
  const lj_model *m = model;
  snprintf(buf, buflen,
           "Lennard-Jones epsilon=%g eV sigma=%g Å cutoff=%g Å%s", m->epsilon,
           m->sigma, m->cutoff, m->shift ? " (energy-shifted)" : "");
}

static const nacre_potential_ops lj_ops = {
    .kind = "lj",
    .compute = lj_compute,
    .model_free = free,
    .describe = lj_describe,
};

nacre_status nacre_lj_new(double epsilon, double sigma, double cutoff,
                          int shift, nacre_potential **out, nacre_error *err) {
  *out = NULL;
  if (!(sigma > 0.0) || !(cutoff > 0.0) || !isfinite(epsilon))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "lj: need sigma > 0 and cutoff > 0 (got sigma=%g, "
                           "cutoff=%g)",
                           sigma, cutoff);
  lj_model *m = calloc(1, sizeof *m);
  if (!m) return nacre_error_set(err, NACRE_ERR_NOMEM, "lj");
  m->epsilon = epsilon;
  m->sigma = sigma;
  m->cutoff = cutoff;
  m->shift = shift != 0;
  if (m->shift) {
    double g;
    m->vshift = 0.0;
    m->vshift = lj_pair(m, cutoff * cutoff, &g);
  }
  *out = nacre_potential_wrap(&lj_ops, m, cutoff, NULL, 0, err);
  return *out ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
}
