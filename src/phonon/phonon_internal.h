/* phonon_internal.h — what the files of src/phonon share: the phonon object
 * (unit cell, supercell and its lattice cells, the symmetry operations that
 * keep the supercell, displacements, forces, force constants and the
 * images the dynamical matrix sums over). Not part of the public API. */
#ifndef NACRE_PHONON_INTERNAL_H
#define NACRE_PHONON_INTERNAL_H

#include "nacre/phonon.h"

struct nacre_phonon {
  nacre_phonon_options opt;
  nacre_structure *unit; /* N atoms */
  double *mass;          /* amu, N */
  int n;                 /* N */

  /* Supercell S = m · cell: lattice cells T (integer coordinates of the
   * unit cell) in phonopy's order; supercell atom j = i·ncells + t sits at
   * x_i + T_t, wrapped into the supercell. */
  int m[3][3];
  int adj[3][3]; /* adjugate of m: m⁻¹ = adj / det */
  int det;       /* ncells */
  int ncells;
  int (*cells)[3];
  int box_lo[3], box_n[3]; /* lookup box of reduced lattice points */
  int *cell_index;         /* box → cell index (−1 outside) */
  nacre_structure *super;  /* M = N·ncells atoms */
  int nsuper;

  /* Operations x' = R x + t of the unit cell that keep the supercell
   * lattice; Cartesian rotation C = Aᵀ R A⁻ᵀ; unit atom i goes to
   * perm[k·N + i] in the lattice cell shift[k·N + i]. */
  char space_group[32];
  int space_group_number;
  int nops;
  int (*rot)[3][3];
  double (*cart)[3][3];
  int *perm;
  int (*shift)[3];
  int *orbit; /* representative unit atom of each atom */

  /* Displacements: unit atom, Cartesian vector (Å) */
  int ndisp;
  int *disp_atom;
  double (*disp)[3];
  double *forces; /* ndisp × 3·nsuper */
  unsigned char *have_forces;
  double *residual; /* 3·nsuper, forces of the undisplaced cell */
  int have_residual;

  double *fc;                /* N × nsuper × 9 */
  double sum_rule_violation; /* eV/Å², before the rule */

  /* Images of each pair (p, j) for the dynamical matrix: vectors x_j + L −
   * x_p in unit fractional coordinates, img_off[p·nsuper + j] .. [+1]. */
  size_t *img_off;
  double (*img)[3];
  double cell_recip[3][3]; /* reciprocal rows of the unit cell (no 2π) */
};

/* Index of lattice point T (any integer vector) modulo the supercell. */
int phonon_cell_of(const nacre_phonon *ph, const int t[3]);
/* Supercell image of atom j under operation k composed with the lattice
 * translation that brings unit atom `fix` back into the origin cell:
 * (i, T) → (perm(i), shift(i) + R T − shift(fix)). */
int phonon_map_atom(const nacre_phonon *ph, int k, int fix, int j);

nacre_status phonon_supercell_build(nacre_phonon *ph, nacre_error *err);
nacre_status phonon_symmetry_build(nacre_phonon *ph, nacre_error *err);
nacre_status phonon_displacements_build(nacre_phonon *ph, nacre_error *err);
nacre_status phonon_images_build(nacre_phonon *ph, nacre_error *err);

/* Runs LAPACK's Hermitian eigensolver (row-major, vectors in columns) on
 * one BLAS thread; returns LAPACK's info. a is n×n interleaved complex. */
int phonon_zheev(int n, double *a, double *w);

#endif
