/* operators.h — variation operators of the evolutionary and swarm engines
 * (internal to src/search). Each returns a new structure with exactly the
 * composition of its parents, or NACRE_ERR_NOT_CONVERGED when no child met
 * the minimum distances (the engine then draws a random structure). */
#ifndef NACRE_SEARCH_OPERATORS_H
#define NACRE_SEARCH_OPERATORS_H

#include "nacre/search.h"

/* One mutation chosen at random: lattice strain, atomic displacements,
 * swaps of unlike atoms, a displacement along a soft normal mode of
 * `modes` (the softest for a parent's first soft-mode child, the next
 * softest for each later one: soft_rank = the number of earlier soft-mode
 * children of a), or (clusters) rotation of a cap. The name goes to op
 * (24 bytes). */
/* Where the soft-mode mutation's modes come from: fn (the potential's
 * modes, nacre_potential_normal_modes) or, fn NULL, the bond-hardness
 * springs (nacre_soft_modes). */
/* The same struct carries the share of crystal children that keep
 * symmetry (op_sym_heredity, op_sym_mutate; 0: none, and no random number
 * drawn for the choice, so runs made before it repeat), the tolerance
 * of their groups, Å, and the share of crystal mutations made in a random
 * supercell of the parent's primitive cell (op_mutate; 0: none, no draw). */
typedef struct op_modes {
  nacre_soft_modes_fn fn;
  void *user;
  double symmetric;
  double symprec;
  double supercell;
} op_modes;

/* Cut-and-splice crossover by a random plane (crystals: parallel to a cell
 * face, at a random offset; clusters: through the centre of mass after
 * random rotations, Deaven & Ho, PRL 75, 288 (1995)), followed by
 * composition repair with the atoms nearest the cut. Crystals: a share
 * modes->symmetric of the children are spliced from whole orbits instead
 * (op_sym_heredity), falling back to the plain cut where the parents
 * share no symmetry. The name ("heredity", "sym-heredity:N") goes to op
 * (24 bytes). modes may be NULL. */
nacre_status op_heredity(const nacre_structure *a, const nacre_structure *b,
                         const nacre_composition *comp,
                         const nacre_random_options *o, const op_modes *modes,
                         nacre_rng *rng, nacre_structure **out, char *op,
                         nacre_error *err);

/* Crystals: a share modes->supercell of the mutations first re-cuts the
 * parent into a random supercell of its primitive cell with the parent's
 * atoms (op_random_supercell; the parent's own cell when it is primitive),
 * then breaks the translations that cell adds: an exchange of a pair of
 * unlike nearest neighbours (half of them, where the parent has two
 * species), a soft mode or a displacement; op gets the mutation's name
 * ("exchange", "soft-mode", "displacement"), after "supercell-" when the
 * cell was re-cut. */
nacre_status op_mutate(const nacre_structure *a, int soft_rank,
                       const nacre_random_options *o, const op_modes *modes,
                       nacre_rng *rng, nacre_structure **out, char *op,
                       nacre_error *err);
/* The crystal a in a random supercell of its primitive cell (the lattice
 * of the pure translations that carry a onto itself within symprec Å)
 * with a's number of atoms, drawn uniformly among the sublattices of
 * index k = natoms /
 * primitive atoms: the lower-triangular Hermite normal forms H (rows a' =
 * H p: diagonal d1 d2 d3 = k, 0 ≤ H21, H31 < d1, 0 ≤ H32 < d2; Hart &
 * Forcade, PRB 77, 224115 (2008)), then Niggli-reduced. *out is NULL (and
 * NACRE_OK returned) when the primitive cell is a's own cell or its atoms
 * do not divide a's; errors only from memory. */
nacre_status op_random_supercell(const nacre_structure *a, double symprec,
                                 nacre_rng *rng, nacre_structure **out,
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
/* Symmetric heredity (crystals): H = the operations of a's space group
 * (spglib at symprec) that also carry b,
 * shifted to the origin that leaves the most of them, onto itself within
 * 0.1 of a bond length, closed into a group. Both parents are cut into
 * orbits of H (each atom projected onto its site, its orbit generated in
 * full), a random plane parallel to a cell face divides the cell into a
 * share f in [0.3, 0.7] for a and the rest for b, and whole orbits join
 * the child, those most on their parent's side first, while they fit the
 * composition and 0.75 of the minimum distances. The lattice: the
 * parents' metrics mixed in the share f and averaged over H (so it has
 * H's constraints), at the mixed volume. The child therefore keeps H, a
 * common subgroup of the parents' groups, and exactly the composition;
 * op gets "sym-heredity:N" with N its space group at symprec.
 * NACRE_ERR_NOT_CONVERGED when H is P1, a's cell has more than
 * NACRE_SG_MAX_OPS operations (a supercell), or no set of orbits has the
 * composition. */
nacre_status op_sym_heredity(const nacre_structure *a,
                             const nacre_structure *b,
                             const nacre_composition *comp,
                             const nacre_random_options *o, double symprec,
                             nacre_rng *rng, nacre_structure **out, char *op,
                             nacre_error *err);
/* Symmetric mutation (crystals): H = the parent's space group (subgroup
 * 0) or its subgroup that keeps the line of one of its rotation axes,
 * drawn at random (subgroup 1; e.g. R-3m in Fm-3m along a three-fold
 * axis), or either at random (-1). Random displacements averaged over H
 * (v'(g i) = Σ C_g v(i) / |H|: orbit representatives move within their
 * sites, the orbits follow), scaled to an rms of 0.05 or 0.2 bond lengths
 * per coordinate, and a random strain averaged over H (C e Cᵀ, so the
 * lattice keeps H's metric constraints; the volume stays), both halved
 * until 0.75 of the minimum distances hold. op gets "sym-mutation:N".
 * NACRE_ERR_NOT_CONVERGED when H is P1, the cell has more than
 * NACRE_SG_MAX_OPS operations, or the distances never hold. */
nacre_status op_sym_mutate(const nacre_structure *a,
                           const nacre_random_options *o, double symprec,
                           int subgroup, nacre_rng *rng,
                           nacre_structure **out, char *op,
                           nacre_error *err);
/* A random crystal built from a motif of the minimum a (motif.c): one of
 * a's atoms with its first shell (every image closer than 1.1 times the
 * nearest: a coordination polyhedron; its nearest part, at most half
 * the atoms and one, in a small cell), copies turned and placed at random in a random cell of a's
 * volume per atom (lengths within a factor 2, angles 60-120°) up to about
 * half the atoms, the rest at random places. Minimum distances: the
 * random structures' own, or 0.7 of the close-packing distance at the
 * cell's density where that is shorter (distance_rule.c rejects minima
 * below 0.8 of it; starts at high pressure so keep their density). op gets "motif:CxN" (C
 * copies of an N-atom motif). NACRE_ERR_NOT_CONVERGED when no copy or
 * not every atom fits. */
nacre_status op_motif(const nacre_structure *a, const nacre_composition *comp,
                      const nacre_random_options *o, nacre_rng *rng,
                      nacre_structure **out, char *op, nacre_error *err);
/* Moves atoms closer than `factor`·d_min to random free places; returns 1
 * when every pair is then at least that far apart. */
int op_repair_distances(nacre_structure *s, const nacre_random_options *o,
                        double factor, nacre_rng *rng);

#endif
