/* nacre/neigh.h — neighbour lists for any triclinic cell, periodic or not
 * along each direction, including cutoffs larger than the cell widths.
 *
 * The list is full (each pair appears from both ends) or, from
 * nacre_nl_new_half, half (each pair i–j–S once, for potentials that use
 * Newton's third law); built with cell lists in O(N), it holds every image
 * (j, S) with |x_j − x_i + S·cell| < cutoff + skin at build time. The vector of an entry is always recomputed
 * from current positions: r_ij = x_j − x_i + S·cell. Potentials filter
 * entries by their own cutoff. nacre_nl_update reuses the list while no
 * pair can have crossed the skin (Verlet), accounting for atom moves and for
 * cell deformation. */
#ifndef NACRE_NEIGH_H
#define NACRE_NEIGH_H

#include "nacre/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nacre_neighbor_list {
  int natoms;
  double cutoff;       /* interaction cutoff, Å */
  double skin;         /* extra shell kept for reuse, Å */
  int half;            /* 1: each pair once (from one end only) */
  size_t *offsets;     /* natoms+1: entries of atom i are offsets[i]..[i+1]-1 */
  int *j;              /* neighbour index per entry */
  int *shift;          /* 3 ints per entry: image S in lattice vectors */
  size_t *first_shifted; /* natoms: entries offsets[i]..first_shifted[i]-1
                            of atom i have S = 0, the rest S ≠ 0 */
  size_t nentries, capacity;
  /* reference state of the last build */
  double ref_cell[3][3];
  int ref_pbc[3];
  double *ref_positions;
  long builds;         /* how many times the list was (re)built */
  long updates;        /* how many times nacre_nl_update was called */
} nacre_neighbor_list;

nacre_neighbor_list *nacre_nl_new(double cutoff, double skin, nacre_error *err);
/* A half list: of the two entries (i, j, S) and (j, i, −S) of every pair
 * only one is kept, so a potential visits each pair once. The same entries
 * for any number of threads. */
nacre_neighbor_list *nacre_nl_new_half(double cutoff, double skin,
                                       nacre_error *err);
void nacre_nl_free(nacre_neighbor_list *nl);
/* Bounds on the work of one build: periodic images of the cell within the
 * cutoff, Π (2 ceil(rc / h_k) + 1) over periodic axes of widths h_k;
 * candidate pairs examined (atoms × bins and images visited × atoms per
 * bin); pairs kept (16 bytes each). A cutoff of 10^6 Å, a cell scaled to
 * 0.004 Å, or a 2^31 Å lattice vector whose negative POSCAR scale squeezes
 * the others to 0.006 Å would otherwise run for hours, take gigabytes or
 * give energies of atoms sitting on their own images; such builds are
 * refused with NACRE_ERR_INVALID naming the numbers. Ordinary work stays
 * far below: a 1-atom cell 2 Å wide with a 10 Å cutoff has 1,331 images; a
 * million atoms at ordinary density and cutoff need about 10^9 checks and
 * 10^8 pairs. */
#define NACRE_NL_MAX_IMAGES 1e5
#define NACRE_NL_MAX_CHECKS 5e9
#define NACRE_NL_MAX_PAIRS 2e8
/* Builds or reuses the list for s. *rebuilt (may be NULL) says which. Fails
 * for a degenerate periodic cell, non-finite positions, or work beyond the
 * bounds above. */
nacre_status nacre_nl_update(nacre_neighbor_list *nl, const nacre_structure *s,
                             int *rebuilt, nacre_error *err);
/* Forces a rebuild on the next update. */
void nacre_nl_invalidate(nacre_neighbor_list *nl);

/* Current vector r_ij (Å) of entry e of atom i. */
static inline void nacre_nl_vector(const nacre_neighbor_list *nl,
                                   const nacre_structure *s, int i, size_t e,
                                   double r[3]) {
  const int *S = &nl->shift[3 * e];
  const double *xi = &s->positions[3 * i], *xj = &s->positions[3 * nl->j[e]];
  for (int k = 0; k < 3; k++)
    r[k] = xj[k] - xi[k] + S[0] * s->cell[0][k] + S[1] * s->cell[1][k] +
           S[2] * s->cell[2][k];
}

#ifdef __cplusplus
}
#endif
#endif
