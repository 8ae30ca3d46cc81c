/* morse.c — Morse pair potential, plain or energy-shifted:
 * V(r) = D[e^{−2α(r−r0)} − 2e^{−α(r−r0)}] − [shift ? V(rc) : 0] for r < rc
 * (P. M. Morse, Phys. Rev. 34, 57 (1929)). Same structure as lj.c: full
 * neighbour list, pairs counted from both ends with ½, forces gathered per
 * atom. */
#include "nacre/pot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  double d, alpha, r0, cutoff, vshift;
  int shift;
} morse_model;

static double morse_pair(const morse_model *m, double r, double *dvdr) {
  double x = exp(-m->alpha * (r - m->r0));
  *dvdr = -2.0 * m->alpha * m->d * (x * x - x);
  return m->d * (x * x - 2.0 * x) - m->vshift;
}

static nacre_status morse_compute(const void *model, const nacre_structure *s,
                                  const nacre_neighbor_list *nl, unsigned want,
                                  nacre_result *r, void *workspace,
                                  nacre_error *err) {
  (void)workspace;
  (void)err;
  const morse_model *m = model;
  double rc2 = m->cutoff * m->cutoff;
  double energy = 0.0;
  double w[6] = {0, 0, 0, 0, 0, 0};
  int n = s->natoms;
#pragma omp parallel for schedule(static) reduction(+ : energy, w[:6])
  for (int i = 0; i < n; i++) {
    double ei = 0.0, fi[3] = {0, 0, 0};
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
      double d[3];
      nacre_nl_vector(nl, s, i, e, d);
      double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      if (r2 >= rc2) continue;
      double rr = sqrt(r2), dvdr;
      ei += 0.5 * morse_pair(m, rr, &dvdr);
      double g = dvdr / rr;
      for (int k = 0; k < 3; k++) fi[k] += g * d[k];
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

static void morse_describe(const void *model, char *buf, size_t buflen) {
  const morse_model *m = model;
  snprintf(buf, buflen, "Morse D=%g eV alpha=%g 1/Å r0=%g Å cutoff=%g Å%s",
           m->d, m->alpha, m->r0, m->cutoff,
           m->shift ? " (energy-shifted)" : "");
}

static const nacre_potential_ops morse_ops = {
    .kind = "morse",
    .compute = morse_compute,
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
