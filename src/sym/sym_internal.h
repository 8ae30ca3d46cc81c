/* sym_internal.h — helpers shared by the files of src/sym: conversion of a
 * nacre structure to spglib's arrays. Not part of the public API. */
#ifndef NACRE_SYM_INTERNAL_H
#define NACRE_SYM_INTERNAL_H

#include <spglib.h>

#include "nacre/sym.h"

/* A structure in spglib's form: lattice with a, b, c as COLUMNS (the
 * transpose of nacre's row cell), fractional positions, atomic numbers as
 * types. capacity >= natoms leaves room for standardised cells. */
typedef struct sym_cell {
  double lattice[3][3];
  double (*frac)[3];
  int *types;
  int natoms;
} sym_cell;

nacre_status sym_cell_from_structure(const nacre_structure *s, int capacity,
                                     sym_cell *c, nacre_error *err);
void sym_cell_clear(sym_cell *c);
/* spglib's dataset of s, or an error naming spglib's reason. */
nacre_status sym_dataset(const nacre_structure *s, double symprec,
                         SpglibDataset **out, nacre_error *err);

/* Atom permutations of a group factored as rotations × translations: one
 * operation per distinct rotation (rep_ops) and every pure translation
 * (trans_ops) of the cell, with the permutation each induces. */
struct nacre_sym_perms {
  int natoms, nrep, ntrans;
  int *rep_ops, *trans_ops; /* operation indices */
  int *rep_map;             /* nrep*natoms */
  int *trans_map;           /* ntrans*natoms */
};
nacre_status sym_perms_build(const nacre_symmetry *sym,
                             const nacre_structure *s,
                             struct nacre_sym_perms **out, nacre_error *err);
void sym_perms_free(struct nacre_sym_perms *p);

#endif
