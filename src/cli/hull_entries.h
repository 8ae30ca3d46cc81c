/* hull_entries.h — the entries `nacre hull` collects from its inputs
 * (CSV tables, structure files with energies, search run files) into the
 * plain composition and energy arrays of the thermo library. */
#ifndef NACRE_CLI_HULL_ENTRIES_H
#define NACRE_CLI_HULL_ENTRIES_H

#include "nacre/thermo.h"

typedef struct hull_entry {
  char name[96];
  char formula[96];
  char reduced[96];     /* formula divided by the gcd of integer counts */
  int z[NACRE_HULL_MAX_ELEMENTS];
  double count[NACRE_HULL_MAX_ELEMENTS];
  int nz;
  double natoms;
  double energy_ev;     /* total: E, or H = E + PV at the pressure */
  char fvib[512];       /* F_vib table path ("" none) */
} hull_entry;

typedef struct hull_entries {
  hull_entry *e;
  int n, cap;
  double pressure_gpa;  /* the pressure of the enthalpies */
  int have_pressure;    /* --pressure given */
  int run_pressure_set; /* a run file fixed the pressure */
  int top;              /* minima taken from each run file (0: all) */
} hull_entries;

/* Adds the entries of one input: *.csv (name, formula, and energy_ev or
 * energy_per_atom_ev or enthalpy columns; optional volume_a3 or
 * volume_per_atom_a3 for PV, and fvib_file), *.db (the unique minima of a
 * search run), or any structure file with energies (every frame of
 * extended XYZ; the last of others). Errors name the file and line. */
nacre_status hull_entries_add(hull_entries *l, const char *path,
                              const nacre_ctx *ctx, nacre_error *err);
void hull_entries_free(hull_entries *l);
/* Parses a formula ("Li7Sn2", "Li0.5Sn") into e's elements and counts (e
 * is cleared first). */
nacre_status hull_parse_formula(const char *text, hull_entry *e,
                                nacre_error *err);

/* The elements of all entries in order of first appearance, or in the
 * order of `order` (comma list of symbols; every element must be named). */
nacre_status hull_entries_elements(const hull_entries *l, const char *order,
                                   int *z, int *nel, nacre_error *err);
/* Fills every entry's reduced formula (LiSn for Li3Sn3). */
void hull_entries_reduce(hull_entries *l);
/* nentries × nel amounts and the energies for the thermo library. */
nacre_status hull_entries_arrays(const hull_entries *l, const int *z, int nel,
                                 double **amounts, double **energies,
                                 nacre_error *err);

#endif
