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
 * swaps of unlike atoms, a displacement along one of the softest normal
 * modes of the bond-hardness model (nacre_soft_modes), or (clusters)
 * rotation of a cap. The name goes to op (24 bytes). */
nacre_status op_mutate(const nacre_structure *a,
                       const nacre_random_options *o, nacre_rng *rng,
                       nacre_structure **out, char *op, nacre_error *err);
/* Particle-swarm step: atoms matched species by species, then
 * x' = x + c1 r1 (p − x) + c2 r2 (g − x) + w·noise for fractional
 * coordinates and for the reduced lattice parameters (Wang et al., PRB 82,
 * 094116 (2010), eq. 1, without stored velocities). */
nacre_status op_swarm_move(const nacre_structure *x, const nacre_structure *p,
                           const nacre_structure *g, double w, double c1,
                           double c2, const nacre_random_options *o,
                           nacre_rng *rng, nacre_structure **out,
                           nacre_error *err);
/* Moves atoms closer than `factor`·d_min to random free places; returns 1
 * when every pair is then at least that far apart. */
int op_repair_distances(nacre_structure *s, const nacre_random_options *o,
                        double factor, nacre_rng *rng);

#endif
