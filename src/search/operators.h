/* operators.h — variation operators of the evolutionary and swarm engines
 * (internal to src/search). Each returns a new structure with exactly the
 * composition of its parents, or NACRE_ERR_NOT_CONVERGED when no child met
 * the minimum distances (the engine then draws a random structure). */
#ifndef NACRE_SEARCH_OPERATORS_H
#define NACRE_SEARCH_OPERATORS_H

#include "nacre/search.h"

/* Cut-and-splice crossover by a random plane (crystals: parallel to a cell
 * face, at a random offset; clusters: through the centre of mass after
 * random rotations, Deaven & Ho, PRL 75, 288 (1995)), followed by
 * composition repair with the atoms nearest the cut. */
nacre_status op_heredity(const nacre_structure *a, const nacre_structure *b,
                         const nacre_composition *comp,
                         const nacre_random_options *o, nacre_rng *rng,
                         nacre_structure **out, nacre_error *err);
/* One mutation chosen at random: lattice strain, atomic displacements,
 * swaps of unlike atoms, a displacement along a soft normal mode of
 * `modes` (the softest for a parent's first soft-mode child, the next
 * softest for each later one: soft_rank = the number of earlier soft-mode
 * children of a), or (clusters) rotation of a cap. The name goes to op
 * (24 bytes). */
/* Where the soft-mode mutation's modes come from: fn (the potential's
 * modes, nacre_potential_normal_modes) or, fn NULL, the bond-hardness
 * springs (nacre_soft_modes). */
typedef struct op_modes {
  nacre_soft_modes_fn fn;
  void *user;
} op_modes;

nacre_status op_mutate(const nacre_structure *a, int soft_rank,
                       const nacre_random_options *o, const op_modes *modes,
                       nacre_rng *rng, nacre_structure **out, char *op,
                       nacre_error *err);
/* Particle-swarm step (Wang et al., PRB 82, 094116 (2010), eqs. 1-2):
 * atoms matched species by species, then v' = w v + c1 r1 (p − x) +
 * c2 r2 (g − x) and x' = x + v' for fractional coordinates (crystals, in
 * the Niggli-reduced basis of x) or centred Cartesian ones (clusters). vx
 * is the particle's velocity, the move that made x's start structure, in
 * the basis of x (op_swarm_velocity); NULL for a particle's first move,
 * which draws a random one (normal, 0.02 of the cell or 0.1 of the length
 * scale of a cluster per coordinate). The reduced lattice parameters and
 * the volume move toward p and g without inertia. */
nacre_status op_swarm_move(const nacre_structure *x, const double *vx,
                           const nacre_structure *p, const nacre_structure *g,
                           double w, double c1, double c2,
                           const nacre_random_options *o, nacre_rng *rng,
                           nacre_structure **out, nacre_error *err);
/* The velocity of a swarm move that built `child` from the structure
 * `from`: for each atom, its fractional displacement (shortest image) from
 * the same atom of from's Niggli-reduced cell, in child's basis (crystals;
 * a move builds the child in that basis), or its centred Cartesian
 * displacement (clusters). v holds 3·natoms numbers. Since relaxation
 * keeps the atom order and the cell basis, the result is also the velocity
 * of the child's relaxed structure. */
nacre_status op_swarm_velocity(const nacre_structure *from,
                               const nacre_structure *child, double *v,
                               nacre_error *err);
/* A basin-hopping step from the minimum a (Wales & Doye, J. Phys. Chem. A
 * 101, 5111 (1997)): clusters move every coordinate uniformly within ±0.32
 * of the parent's mean nearest-neighbour distance ("hop-step") or carry
 * one to three of their least-coordinated atoms onto the surface
 * ("hop-surface"), keeping the minimum distances (or the parent's closest
 * pair relative to them, if closer); crystals take one mutation of
 * op_mutate (with `modes` for its soft-mode mutation). The name goes to op
 * (24 bytes). */
nacre_status op_hop(const nacre_structure *a, const nacre_random_options *o,
                    const op_modes *modes, nacre_rng *rng,
                    nacre_structure **out, char *op, nacre_error *err);
/* Moves atoms closer than `factor`·d_min to random free places; returns 1
 * when every pair is then at least that far apart. */
int op_repair_distances(nacre_structure *s, const nacre_random_options *o,
                        double factor, nacre_rng *rng);

#endif
