/* pair.h — the loop over neighbours shared by the pair potentials (lj.c,
 * morse.c):
 *
 *   E = ½ Σ_i Σ_{j≠i} V(r_ij)   over r_ij < cutoff,
 *
 * from the full neighbour list, each pair seen from both ends with a factor
 * ½. Forces are gathered per atom (no scatter, so threads never write to
 * the same atom), F_i = Σ_j (dV/dr / r) r_ij with r_ij = r_j − r_i;
 * energies and virials are kept per atom (peratom.h) and summed serially,
 * so results are identical for any number of threads. Internal to pot/.
 *
 * A model supplies V(r²) (a pot_pair_fn) and a compute step that reserves
 * the workspace, runs pot_pair_gather for every atom under
 * `#pragma omp parallel for` and ends with nacre_pot_peratom_finish (see
 * lj.c); its ops take nacre_pot_peratom_new/_free as workspace functions.
 *
 * The loop stays in the model's file, not behind a function pointer in a
 * shared driver, so that the compiler sees which V it calls and inlines it
 * (an indirect call per pair costs LJ ~10%). */
#ifndef NACRE_POT_PAIR_H
#define NACRE_POT_PAIR_H

#include "nacre/pot.h"
#include "peratom.h"

/* V(r) in eV at r² (Å²); *dvdr_over_r = (dV/dr)/r in eV/Å². */
typedef double (*pot_pair_fn)(const void *model, double r2,
                              double *dvdr_over_r);

/* Atom i's share: its energy ½ Σ_j V and virial into w, its force into r
 * when `want` asks. */
static inline void pot_pair_gather(const void *model, pot_pair_fn pair,
                                   double cutoff, const nacre_structure *s,
                                   const nacre_neighbor_list *nl, int i,
                                   unsigned want, pot_peratom *w,
                                   nacre_result *r) {
  const double rc2 = cutoff * cutoff;
  double ei = 0.0, fi[3] = {0, 0, 0}, wi[6] = {0, 0, 0, 0, 0, 0};
  for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
    double d[3];
    nacre_nl_vector(nl, s, i, e, d);
    double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    if (r2 >= rc2) continue;
    double g;
    ei += 0.5 * pair(model, r2, &g);
    /* the pair pulls i toward j when dV/dr > 0 */
    for (int k = 0; k < 3; k++) fi[k] += g * d[k];
    pot_virial_add_half(wi, g, d);
  }
  w->energy[i] = ei;
  for (int k = 0; k < 6; k++) w->virial[6 * (size_t)i + k] = wi[k];
  if (want & NACRE_WANT_FORCES)
    for (int k = 0; k < 3; k++) r->forces[3 * (size_t)i + k] = fi[k];
}

#endif
