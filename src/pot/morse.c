/* morse.c — Morse pair potential, plain or energy-shifted:
 * V(r) = D[e^{−2α(r−r0)} − 2e^{−α(r−r0)}] − [shift ? V(rc) : 0] for r < rc
 * (P. M. Morse, Phys. Rev. 34, 57 (1929)). The loop over pairs
 * is pair.h's. */
#include "nacre/pot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "pair.h"

typedef struct {
  double d, alpha, r0, cutoff, vshift;
  int shift;
} morse_model;

/* V(r) and dV/dr at r */
static double morse_pair(const morse_model *m, double r, double *dvdr) {
  double x = exp(-m->alpha * (r - m->r0));
  *dvdr = -2.0 * m->alpha * m->d * (x * x - x);
  return m->d * (x * x - 2.0 * x) - m->vshift;
}

/* V(r) and (dV/dr)/r at r² (pot_pair_fn) */
static double morse_pair_r2(const void *model, double r2,
                            double *dvdr_over_r) {
  double r = sqrt(r2), dvdr;
  double v = morse_pair(model, r, &dvdr);
  *dvdr_over_r = dvdr / r;
  return v;
}

static nacre_status morse_compute(const void *model, const nacre_structure *s,
                                  const nacre_neighbor_list *nl, unsigned want,
                                  nacre_result *r, void *workspace,
                                  nacre_error *err) {
  const morse_model *m = model;
  pot_peratom *w = workspace;
  nacre_status st = nacre_pot_peratom_reserve(w, s->natoms, "morse", err);
  if (st) return st;
#pragma omp parallel for schedule(static)
  for (int i = 0; i < s->natoms; i++)
    pot_pair_gather(m, morse_pair_r2, m->cutoff, s, nl, i, want, w, r);
  nacre_pot_peratom_finish(w, s, want, r);
  return NACRE_OK;
}

static void morse_describe(const void *model, char *buf, size_t buflen) {
  const morse_model *m = model;
  snprintf(buf, buflen, "Morse D=%g eV alpha=%g 1/Å r0=%g Å cutoff=%g Å%s",
           m->d, m->alpha, m->r0, m->cutoff,
           m->shift ? " (energy-shifted)" : "");
}

static const nacre_potential_ops morse_ops = {
    .kind = "morse",
    .compute = morse_compute,
    .workspace_new = nacre_pot_peratom_new,
    .workspace_free = nacre_pot_peratom_free,
    .model_free = free,
    .describe = morse_describe,
};

nacre_status nacre_morse_new(double d_ev, double alpha, double r0,
                             double cutoff, int shift, nacre_potential **out,
                             nacre_error *err) {
  *out = NULL;
  if (!isfinite(d_ev) || !(alpha > 0.0) || !(r0 > 0.0) || !(cutoff > 0.0) ||
      !isfinite(alpha + r0 + cutoff))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "morse: need alpha > 0, r0 > 0 and cutoff > 0 (got "
                           "alpha=%g, r0=%g, cutoff=%g)",
                           alpha, r0, cutoff);
  morse_model *m = calloc(1, sizeof *m);
  if (!m) return nacre_error_set(err, NACRE_ERR_NOMEM, "morse");
  m->d = d_ev;
  m->alpha = alpha;
  m->r0 = r0;
  m->cutoff = cutoff;
  m->shift = shift != 0;
  if (m->shift) {
    double g;
    m->vshift = morse_pair(m, cutoff, &g);
  }
  *out = nacre_potential_wrap(&morse_ops, m, cutoff, NULL, 0, err);
  return *out ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
}
