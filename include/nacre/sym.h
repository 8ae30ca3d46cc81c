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
  int *equivalent;           /* index of the representative atom */
  char *wyckoff;             /* Wyckoff letter per atom ('a'..) */
  char (*site_symmetry)[8];  /* site-symmetry symbol per atom */
  int *multiplicity;         /* Wyckoff multiplicity per atom (conventional
                                cell) */
  /* Transformation to the standard setting (spglib): x_std = P x + p */
  double transformation[3][3];
  double origin_shift[3];
} nacre_symmetry;

/* Analyses s with tolerance symprec (Å). */
nacre_status nacre_symmetry_analyze(const nacre_structure *s, double symprec,
                                    nacre_symmetry **out, nacre_error *err);
void nacre_symmetry_free(nacre_symmetry *sym);
/* Standard conventional or primitive cell (spglib's standardisation,
 * rotated back to a conventional orientation). */
nacre_status nacre_symmetry_standardize(const nacre_structure *s,
                                        double symprec, int to_primitive,
                                        nacre_structure **out,
                                        nacre_error *err);
/* Makes a nearly symmetric structure exactly symmetric within symprec:
 * cell metric and positions averaged over the group. */
nacre_status nacre_symmetry_symmetrize(nacre_structure *s, double symprec,
                                       nacre_error *err);
/* Highest-order group over tolerances 1e-5 .. 0.1 Å; fills the analysis at
 * the smallest tolerance giving that group. */
nacre_status nacre_symmetry_scan(const nacre_structure *s,
                                 nacre_symmetry **out, nacre_error *err);
/* Symmetrises Cartesian forces (3N) and a Voigt stress (eV/Å^3) with the
 * operations of sym, which must describe s (same atom order). */
nacre_status nacre_symmetry_symmetrize_forces(const nacre_symmetry *sym,
                                              const nacre_structure *s,
                                              double *forces, double stress[6],
                                              nacre_error *err);

#ifdef __cplusplus
}
#endif
#endif
