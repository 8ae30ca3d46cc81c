/* nacre/sym.h — crystal symmetry through spglib: space group, Hall number,
 * point group, Pearson symbol, Wyckoff positions, standard cells,
 * symmetrisation, and a tolerance scan. Tolerances are distances in Å. */
#ifndef NACRE_SYM_H
#define NACRE_SYM_H

#include "nacre/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nacre_symmetry {
  int sg_number;             /* 1..230 */
  char international[32];    /* Hermann–Mauguin short symbol, e.g. "Fm-3m" */
  char hall_symbol[32];
  int hall_number;           /* 1..530 */
  char point_group[8];       /* e.g. "m-3m" */
  char crystal_system[16];   /* "cubic", "hexagonal", "trigonal", ... */
  char pearson[16];          /* e.g. "cF4", "hR3", "tI50" */
  double symprec;            /* tolerance used, Å */
  /* Operations in the input cell: x_frac' = rot · x_frac + trans */
  int nops;
  int (*rot)[3][3];
  double (*trans)[3];
  /* Per atom of the input structure */
  int natoms;
  int *equivalent;           /* index of the representative atom of the
                                orbit under the whole space group */
  char *wyckoff;             /* Wyckoff letter per atom ('a'..) */
  char (*site_symmetry)[8];  /* site-symmetry symbol per atom */
  int *multiplicity;         /* Wyckoff multiplicity per atom (conventional
                                cell) */
  /* Private: atom permutations of the analysed structure kept for
   * nacre_symmetry_symmetrize_forces (NULL when not kept). */
  struct nacre_sym_perms *perms;
  /* Transformation to the standard setting (spglib): x_std = P x + p */
  double transformation[3][3];
  double origin_shift[3];
} nacre_symmetry;

/* Analyses s with tolerance symprec (Å). Wyckoff letters are fixed only up
 * to the Euclidean normalizer of the group (spinel's Mg is 8a or 8b
 * depending on the origin); nacre takes the origin, among those spglib
 * reaches, whose letters read in atom order come first alphabetically, so
 * that the first atoms get the earliest letters. That costs up to seven
 * more spglib searches; flags below skip it. */
nacre_status nacre_symmetry_analyze(const nacre_structure *s, double symprec,
                                    nacre_symmetry **out, nacre_error *err);
enum {
  NACRE_SYM_SPGLIB_ORIGIN = 1u, /* keep spglib's origin and letters */
  NACRE_SYM_NO_PERMS = 2u       /* keep no atom permutations */
};
nacre_status nacre_symmetry_analyze_flags(const nacre_structure *s,
                                          double symprec, unsigned flags,
                                          nacre_symmetry **out,
                                          nacre_error *err);
void nacre_symmetry_free(nacre_symmetry *sym);
/* Standard conventional or primitive cell (spglib's standardisation:
 * idealised lattice in spglib's standard orientation, e.g. a along x and c
 * along z for hexagonal cells; positions wrapped into the cell). R groups
 * give the hexagonal triple cell as conventional and the rhombohedral cell
 * as primitive. */
nacre_status nacre_symmetry_standardize(const nacre_structure *s,
                                        double symprec, int to_primitive,
                                        nacre_structure **out,
                                        nacre_error *err);
/* Makes a nearly symmetric structure exactly symmetric within symprec:
 * the cell becomes spglib's ideal lattice (same cell choice) turned to the
 * orientation nearest the input (polar decomposition), and each atom the
 * average of its images under the whole group, taken in the primitive cell
 * with the exact translations of the Hall-symbol table, then unfolded. Atom
 * order, wrapping and orientation are kept; atoms move by about the
 * deviation from symmetry. */
nacre_status nacre_symmetry_symmetrize(nacre_structure *s, double symprec,
                                       nacre_error *err);
/* Highest-order group over tolerances 1e-5 .. 0.1 Å; fills the analysis at
 * the smallest tolerance giving that group. */
nacre_status nacre_symmetry_scan(const nacre_structure *s,
                                 nacre_symmetry **out, nacre_error *err);
/* Symmetrises Cartesian forces (3N) and a Voigt stress (eV/Å^3) with the
 * operations of sym, which must describe s (same atom order): F_j ←
 * (1/|G|) Σ_g C_g F_{g^-1 j}, σ ← (1/|G|) Σ_g C_g σ C_g^T with the Cartesian
 * rotations C = A R A^-1, A = (a b c) as columns. forces or stress may be
 * NULL. The sum runs as an average over one operation per rotation
 * followed by one over the pure translations of the cell (the group is
 * their product), which costs (rotations + translations)·N instead of
 * |G|·N. Uses the permutations kept by the analysis (valid while the
 * structure keeps its symmetry, as in a symmetry-constrained relaxation),
 * else matches atoms afresh. In a supercell whose lattice lacks some of the crystal's
 * rotations, spglib's operations of that cell, and so this average, cover
 * only the subgroup that keeps the cell. */
nacre_status nacre_symmetry_symmetrize_forces(const nacre_symmetry *sym,
                                              const nacre_structure *s,
                                              double *forces, double stress[6],
                                              nacre_error *err);

/* Atom permutation of each operation of sym on s: map[k*natoms + i] is the
 * atom that operation k carries atom i onto (nearest image of the same
 * element within a few symprec; the result must be a permutation). map
 * holds sym->nops * s->natoms ints, caller-allocated. */
nacre_status nacre_symmetry_atom_map(const nacre_symmetry *sym,
                                     const nacre_structure *s, int *map,
                                     nacre_error *err);

/* Fractional coordinates of the input cell → those of the standard
 * conventional setting, x_std = P x + p, wrapped into [0, 1). */
void nacre_symmetry_to_standard(const nacre_symmetry *sym,
                                const double frac[3], double std_frac[3]);

/* The tolerances (Å) that nacre_symmetry_scan tries, ascending. */
#define NACRE_SYMMETRY_SCAN_NTOL 9
double nacre_symmetry_scan_tolerance(int k); /* k in 0..NTOL-1 */

/* ------------------------------------------------------------------ */
/* Space-group database (spglib's Hall-symbol table, 530 settings)      */
/* ------------------------------------------------------------------ */

#define NACRE_SG_MAX_OPS 192 /* operations of a conventional cell (Fm-3m) */

typedef struct nacre_sg_info {
  int number;                /* 1..230 */
  int hall_number;           /* 1..530 */
  char international[32];    /* short Hermann–Mauguin symbol, "Fd-3m" */
  char international_full[32];
  char hall_symbol[32];
  char schoenflies[8];
  char choice[8];            /* setting: origin choice "1"/"2", "H"/"R",
                                monoclinic axis "b", "c1", ... or "" */
  char point_group[8];       /* international point-group symbol */
  char crystal_system[16];
  char centring;             /* 'P', 'A', 'B', 'C', 'I', 'F' or 'R' */
} nacre_sg_info;

/* Description of Hall setting hall_number (1..530). */
nacre_status nacre_sg_type(int hall_number, nacre_sg_info *out,
                           nacre_error *err);
/* Hall number of the standard setting of space group sg_number (1..230):
 * the first of its settings in the table, as spglib uses (unique axis b
 * for monoclinic, origin choice 1, hexagonal axes for R groups); 0 when
 * sg_number is out of range. */
int nacre_sg_default_hall(int sg_number);
/* Operations of the conventional cell of Hall setting hall_number,
 * centring translations included: x' = rot · x + trans (fractional, exact
 * fractions). rot and trans hold NACRE_SG_MAX_OPS entries. */
nacre_status nacre_sg_operations(int hall_number,
                                 int rot[NACRE_SG_MAX_OPS][3][3],
                                 double trans[NACRE_SG_MAX_OPS][3], int *nops,
                                 nacre_error *err);
/* "triclinic", "monoclinic", "orthorhombic", "tetragonal", "trigonal",
 * "hexagonal", "cubic"; "" when sg_number is out of range. */
const char *nacre_sg_crystal_system(int sg_number);

#ifdef __cplusplus
}
#endif
#endif
