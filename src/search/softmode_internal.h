/* softmode_internal.h — what softmode.c shares with potential_modes.c. */
#ifndef NACRE_SEARCH_SOFTMODE_INTERNAL_H
#define NACRE_SEARCH_SOFTMODE_INTERNAL_H

/* Eigenvalues (ascending) and eigenvectors of the symmetric n × n matrix a
 * (row-major; column c of the result is eigenvector c) by LAPACK's dsyevd
 * on one OpenBLAS thread; returns LAPACK's info. */
int soft_symmetric_eigen(int n, double *a, double *w);

#endif
