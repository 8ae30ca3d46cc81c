/* springs.c — harmonic springs to reference sites mixed with the potential,
 * U_λ = (1 − λ) U + λ Σ_i ½ k_i |x_i − x0_i|², as an extra term of
 * nacre_md_options: the Einstein crystal of Frenkel–Ladd thermodynamic
 * integration (Frenkel & Ladd, JCP 81, 3188 (1984)); ⟨∂U_λ/∂λ⟩ =
 * ⟨springs_ev − potential_ev⟩ is the integrand. */
#include <math.h>

#include "nacre/md.h"

nacre_status nacre_md_springs_apply(void *user, const nacre_structure *s,
                                    unsigned want, nacre_result *r,
                                    nacre_error *err) {
  nacre_md_springs *sp = user;
  if (sp->natoms != s->natoms || !sp->sites || !sp->k_ev_a2)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "springs for %d atoms, structure has %d",
                           sp->natoms, s->natoms);
  double lam = sp->lambda, e = 0.0;
  for (int i = 0; i < s->natoms; i++) {
    const double *x = &s->positions[3 * (size_t)i], *x0 = &sp->sites[3 * (size_t)i];
    double k = sp->k_ev_a2[i], d2 = 0.0;
    for (int c = 0; c < 3; c++) {
      double d = x[c] - x0[c];
      d2 += d * d;
      if (want & NACRE_WANT_FORCES)
        r->forces[3 * (size_t)i + c] =
            (1.0 - lam) * r->forces[3 * (size_t)i + c] - lam * k * d;
    }
    double ei = 0.5 * k * d2;
    e += ei;
    if (want & NACRE_WANT_ATOM_ENERGIES)
      r->atom_energies[i] = (1.0 - lam) * r->atom_energies[i] + lam * ei;
  }
  sp->potential_ev = r->energy;
  sp->springs_ev = e;
  r->energy = (1.0 - lam) * r->energy + lam * e;
  if (want & NACRE_WANT_STRESS)
    for (int c = 0; c < 6; c++) r->stress[c] *= 1.0 - lam;
  return NACRE_OK;
}
