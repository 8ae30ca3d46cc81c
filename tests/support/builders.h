/* builders.h — structures for tests: ideal lattices, supercells, random
 * displacements and strains. */
#ifndef NACRE_TEST_BUILDERS_H
#define NACRE_TEST_BUILDERS_H

#include "nacre/core.h"

/* kind: "sc", "bcc", "fcc", "hcp" (ideal c/a), "diamond"; conventional cell
 * (hcp: primitive 2-atom cell) of lattice constant a, repeated n[k] times. */
nacre_structure *build_bulk(const char *kind, int z, double a, const int n[3]);
/* Gaussian displacements of standard deviation sigma (Å). */
void build_rattle(nacre_structure *s, double sigma, uint64_t seed);
/* Applies x → x·(I + ε) to cell and positions with the symmetric tensor ε
 * given in Voigt order (xx yy zz yz xz xy): ε_yz = ε_zy = eps[3]. */
void build_strain(nacre_structure *s, const double eps[6]);
/* Random rotation matrix (proper, det +1). */
void build_random_rotation(double rot[3][3], uint64_t seed);
/* Rotates cell and positions: x → x·R^T. */
void build_rotate(nacre_structure *s, const double rot[3][3]);

/* Crystal from Wyckoff representatives: every site frac[k] (element z[k]) is
 * expanded by the operations of Hall setting `hall` (spglib's table, through
 * nacre_sg_operations), coincident images (within 1e-6 fractional) kept
 * once. Cell from lengths (Å) and angles (degrees) in the standard
 * orientation. NULL on failure. */
nacre_structure *build_from_sites(int hall, const double abc[3],
                                  const double angles_deg[3], int nsites,
                                  const int *z, const double (*frac)[3]);

/* D0_3 Li3Sn in its conventional 16-atom cell (Sn 4a, Li 4b + 8c),
 * a = 6.6 Å; Sn first. */
nacre_structure *build_d03_li3sn(void);

#endif
