/* peratom.h — what the potentials that gather forces per atom share:
 * per-atom energies and virials kept in the calculator's workspace and
 * summed serially afterwards, so that results are the same to the last bit
 * for any number of OpenMP threads. Internal to pot/.
 *
 * With a full neighbour list every pair i–j is seen from both ends; the
 * virial ∂E/∂ε_ab = Σ_pairs dE/dr · r_a r_b / r is then ½ Σ_i Σ_j, each end
 * contributing ½ g r_a r_b with g = (dE/dr)/r. Stress = virial / volume
 * (eV/Å^3, ASE sign: positive = tensile). */
#ifndef NACRE_POT_PERATOM_H
#define NACRE_POT_PERATOM_H

#include "nacre/pot.h"

typedef struct {
  int capacity;   /* atoms the arrays hold */
  double *energy; /* eV per atom */
  double *virial; /* eV, 6 per atom, Voigt order xx yy zz yz xz xy */
} pot_peratom;

/* Grows the arrays to n atoms (kept on failure); the error names the model
 * ("<model> workspace for <n> atoms") when out of memory. */
nacre_status nacre_pot_peratom_reserve(pot_peratom *a, int n,
                                       const char *model, nacre_error *err);
/* Frees the arrays (not a itself). */
void nacre_pot_peratom_release(pot_peratom *a);

/* workspace_new / workspace_free of nacre_potential_ops for models whose
 * workspace is just a pot_peratom (the pair potentials). */
void *nacre_pot_peratom_new(const void *model);
void nacre_pot_peratom_free(void *workspace);

/* Resizes the array whose pointer is at address p (e.g. &w->rho) to count
 * elements (at least one) of size bytes, as realloc; the old array is kept
 * on failure. 0 on success, −1 if out of memory. */
int nacre_pot_grow(void *p, size_t count, size_t size);

/* One end of a pair, d = r_j − r_i (Å), g = (dE/dr)/r (eV/Å²): adds the
 * half share ½ g d_a d_b to the Voigt virial w (eV). */
static inline void pot_virial_add_half(double w[6], double g,
                                       const double d[3]) {
  w[0] += 0.5 * g * d[0] * d[0];
  w[1] += 0.5 * g * d[1] * d[1];
  w[2] += 0.5 * g * d[2] * d[2];
  w[3] += 0.5 * g * d[1] * d[2];
  w[4] += 0.5 * g * d[0] * d[2];
  w[5] += 0.5 * g * d[0] * d[1];
}

/* Serial sums over the first s->natoms atoms, in atom order: r->energy
 * from a->energy; r->atom_energies when `want` asks; r->stress from
 * a->virial (which must then be filled) when `want` asks for stress. */
void nacre_pot_peratom_finish(const pot_peratom *a, const nacre_structure *s,
                              unsigned want, nacre_result *r);

/* Index of every atom's element in a model's table: index_of_z[Z] (−1 for
 * an element the model lacks) or, with index_of_z NULL, 0 for every atom.
 * Error "<model> has no <what> for Z=.. (atom ..)" for a missing one. */
nacre_status nacre_pot_species_index(const nacre_structure *s,
                                     const int *index_of_z, int *out,
                                     const char *model, const char *what,
                                     nacre_error *err);

#endif
