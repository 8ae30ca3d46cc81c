/* lj.c — Lennard-Jones pair potential, plain or energy-shifted:
 * V(r) = 4ε[(σ/r)^12 − (σ/r)^6] − [shift ? V(rc) : 0] for r < rc,
 * optionally with the mean-field correction that makes it the full
 * potential for a uniform pair distribution beyond rc (see tail_constant).
 * The loop over pairs is pair.h's. */
#include "nacre/pot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "pair.h"

typedef struct {
  double epsilon, sigma, cutoff, vshift;
  int shift, tail;
  double tail_c; /* E_tail = N² tail_c / V, eV·Å³ */
} lj_model;

/* The mean-field energy of what the cut (and shifted) potential leaves out
 * when the pair density beyond rc is uniform: with N atoms in volume V,
 *   E_tail = (N²/V) · [2π ∫_rc^∞ r² V(r) dr + (2π/3) rc³ V(rc) (if shifted)]
 *          = (N²/V) · {(8π/3) ε σ³ [(σ/rc)^9 / 3 − (σ/rc)^3] + (2π/3) rc³ V(rc)},
 * the usual long-range correction of the energy (Allen & Tildesley,
 * Computer Simulation of Liquids, 2nd ed., §2.8) plus, for the shifted
 * potential, the shift paid back on the ≈ (N²/2V)(4π/3) rc³ pairs inside rc.
 * As a function of V alone it adds the pressure E_tail/V, which equals the
 * usual virial tail (16/3)πρ²εσ³[(2/3)(σ/rc)^9 − (σ/rc)^3] exactly when the
 * potential is shifted (and the forces continuous), so shift=1,tail=1
 * samples the full Lennard-Jones system in the mean-field sense with a
 * smooth Hamiltonian. */
static double tail_constant(const lj_model *m) {
  double x3 = pow(m->sigma / m->cutoff, 3.0);
  double c = 8.0 * NACRE_PI / 3.0 * m->epsilon * pow(m->sigma, 3.0) *
             (x3 * x3 * x3 / 3.0 - x3);
  if (m->shift) c += 2.0 * NACRE_PI / 3.0 * pow(m->cutoff, 3.0) * m->vshift;
  return c;
}

/* V(r) and (dV/dr)/r at r² (pot_pair_fn) */
static double lj_pair(const void *model, double r2, double *dvdr_over_r) {
  const lj_model *m = model;
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
  const lj_model *m = model;
  pot_peratom *w = workspace;
  nacre_status st = nacre_pot_peratom_reserve(w, s->natoms, "lj", err);
  if (st) return st;
#pragma omp parallel for schedule(static)
  for (int i = 0; i < s->natoms; i++)
    pot_pair_gather(m, lj_pair, m->cutoff, s, nl, i, want, w, r);
  nacre_pot_peratom_finish(w, s, want, r);
  if (m->tail) {
    /* E = N² c / V: dE/dε_ab = −E δ_ab under strain, so σ = −E/V δ_ab */
    if (!s->pbc[0] || !s->pbc[1] || !s->pbc[2])
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "lj: the tail correction needs a cell periodic "
                             "in all three directions");
    double v = fabs(nacre_cell_volume(s->cell)), n = s->natoms;
    double e = n * n * m->tail_c / v;
    r->energy += e;
    if (want & NACRE_WANT_STRESS)
      for (int k = 0; k < 3; k++) r->stress[k] -= e / v;
    if (want & NACRE_WANT_ATOM_ENERGIES)
      for (int i = 0; i < s->natoms; i++) r->atom_energies[i] += e / n;
  }
  return NACRE_OK;
}

static void lj_describe(const void *model, char *buf, size_t buflen) {
  const lj_model *m = model;
  snprintf(buf, buflen,
           "Lennard-Jones epsilon=%g eV sigma=%g Å cutoff=%g Å%s%s", m->epsilon,
           m->sigma, m->cutoff, m->shift ? " (energy-shifted)" : "",
           m->tail ? " with tail correction" : "");
}

static const nacre_potential_ops lj_ops = {
    .kind = "lj",
    .compute = lj_compute,
    .workspace_new = nacre_pot_peratom_new,
    .workspace_free = nacre_pot_peratom_free,
    .model_free = free,
    .describe = lj_describe,
};

nacre_status nacre_lj_new(double epsilon, double sigma, double cutoff,
                          int shift, nacre_potential **out, nacre_error *err) {
  return nacre_lj_new_tail(epsilon, sigma, cutoff, shift, 0, out, err);
}

nacre_status nacre_lj_new_tail(double epsilon, double sigma, double cutoff,
                               int shift, int tail, nacre_potential **out,
                               nacre_error *err) {
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
  m->tail = tail != 0;
  m->tail_c = m->tail ? tail_constant(m) : 0.0;
  *out = nacre_potential_wrap(&lj_ops, m, cutoff, NULL, 0, err);
  return *out ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
}
