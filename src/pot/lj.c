/* lj.c — Lennard-Jones pair potential, plain or energy-shifted:
 * V(r) = 4ε[(σ/r)^12 − (σ/r)^6] − [shift ? V(rc) : 0] for r < rc.
 * The loop over pairs is pair.h's. */
#include "nacre/pot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "pair.h"

typedef struct {
  double epsilon, sigma, cutoff, vshift;
  int shift;
} lj_model;

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
    .workspace_new = nacre_pot_peratom_new,
    .workspace_free = nacre_pot_peratom_free,
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
