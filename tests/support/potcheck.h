/* potcheck.h — the checks every potential passes: forces against central
 * finite differences of the energy, stress against finite strain
 * derivatives, and invariance of the energy under translation, rotation,
 * permutation and supercell choice. Each returns the largest deviation so
 * the caller states the tolerance. */
#ifndef NACRE_TEST_POTCHECK_H
#define NACRE_TEST_POTCHECK_H

#include "nacre/pot.h"

/* max_i,k |F_ik + (E(x+h) − E(x−h))/2h|, eV/Å. *fmax (may be NULL) gets the
 * largest force component for scale. */
double potcheck_force_fd(const nacre_potential *p, const nacre_structure *s,
                         double h, double *fmax);
/* max_ab |σ_ab − (1/V)(E(ε+h) − E(ε−h))/2h|, eV/Å^3, strains applied to
 * cell and positions. */
double potcheck_stress_fd(const nacre_potential *p, const nacre_structure *s,
                          double h);
/* Energy per atom (eV); NAN on failure. */
double potcheck_energy(const nacre_potential *p, const nacre_structure *s);
/* |ΔE/atom| after translating, rotating, permuting atoms, and on a 2x1x1
 * (and a non-diagonal) supercell: the largest of the four, eV/atom. */
double potcheck_invariance(const nacre_potential *p, const nacre_structure *s,
                           uint64_t seed);
/* Largest |difference| of energy (eV), forces (eV/Å) and stress (eV/Å^3)
 * between evaluations on nthreads_a and nthreads_b OpenMP threads (the
 * thread count is restored afterwards); 0 for a potential whose sums do not
 * depend on the thread count. NAN if an evaluation fails. */
double potcheck_thread_difference(const nacre_potential *p,
                                  const nacre_structure *s, int nthreads_a,
                                  int nthreads_b);

#endif
