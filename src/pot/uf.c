/* uf.c — the Uhlenbeck–Ford model, a purely repulsive reference fluid
 * (Paula Leite, Freitas, Azevedo & de Koning, JCP 145, 194101 (2016)):
 *   V(r) = −p ε ln(1 − e^{−r²/σ²}) − V(rc)   for r < rc.
 * Its Mayer function is a finite sum of Gaussians, its forces are those of
 * a soft core (the Boltzmann factor vanishes as r^{2p} at contact), so it
 * can be integrated from the ideal gas and switched into any potential. The
 * loop over pairs is pair.h's. */
#include "nacre/pot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "pair.h"

typedef struct {
  double pe;     /* p ε, eV */
  double p, epsilon, sigma, inv_sigma2, cutoff, vshift;
} uf_model;

/* V(r) and (dV/dr)/r at r²: with x = r²/σ², dV/dr / r = −2pε / (σ² (e^x − 1)) */
static double uf_pair(const void *model, double r2, double *dvdr_over_r) {
  const uf_model *m = model;
  double x = r2 * m->inv_sigma2;
  *dvdr_over_r = -2.0 * m->pe * m->inv_sigma2 / expm1(x);
  return -m->pe * log(-expm1(-x)) - m->vshift;
}

static nacre_status uf_compute(const void *model, const nacre_structure *s,
                               const nacre_neighbor_list *nl, unsigned want,
                               nacre_result *r, void *workspace,
                               nacre_error *err) {
  const uf_model *m = model;
  pot_peratom *w = workspace;
  nacre_status st = nacre_pot_peratom_reserve(w, s->natoms, "uf", err);
  if (st) return st;
#pragma omp parallel for schedule(static)
  for (int i = 0; i < s->natoms; i++)
    pot_pair_gather(m, uf_pair, m->cutoff, s, nl, i, want, w, r);
  nacre_pot_peratom_finish(w, s, want, r);
  return NACRE_OK;
}

static void uf_describe(const void *model, char *buf, size_t buflen) {
  const uf_model *m = model;
  snprintf(buf, buflen, "Uhlenbeck-Ford epsilon=%g eV p=%g sigma=%g Å cutoff=%g Å",
           m->epsilon, m->p, m->sigma, m->cutoff);
}

static const nacre_potential_ops uf_ops = {
    .kind = "uf",
    .compute = uf_compute,
    .workspace_new = nacre_pot_peratom_new,
    .workspace_free = nacre_pot_peratom_free,
    .model_free = free,
    .describe = uf_describe,
};

nacre_status nacre_uf_new(double epsilon, double p, double sigma,
                          double cutoff, nacre_potential **out,
                          nacre_error *err) {
  *out = NULL;
  if (!(sigma > 0.0) || !(p > 0.0) || !(epsilon > 0.0) || !isfinite(epsilon) ||
      !isfinite(p) || !isfinite(sigma) || !isfinite(cutoff))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "uf: need epsilon > 0, p > 0 and sigma > 0 (got "
                           "epsilon=%g, p=%g, sigma=%g)",
                           epsilon, p, sigma);
  uf_model *m = calloc(1, sizeof *m);
  if (!m) return nacre_error_set(err, NACRE_ERR_NOMEM, "uf");
  m->p = p;
  m->epsilon = epsilon;
  m->pe = p * epsilon;
  m->sigma = sigma;
  m->inv_sigma2 = 1.0 / (sigma * sigma);
  /* e^{−x} = 1e-10: the energy left out is 1e-10 p ε per pair */
  m->cutoff = cutoff > 0.0 ? cutoff : sigma * sqrt(10.0 * log(10.0));
  double g;
  m->vshift = uf_pair(m, m->cutoff * m->cutoff, &g);
  *out = nacre_potential_wrap(&uf_ops, m, m->cutoff, NULL, 0, err);
  return *out ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
}
