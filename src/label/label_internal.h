/* label_internal.h — helpers shared by the label drivers (not exported). */
#ifndef NACRE_LABEL_INTERNAL_H
#define NACRE_LABEL_INTERNAL_H

#include <stddef.h>

#include "nacre/label.h"

/* A growing string. */
typedef struct label_buf {
  char *s;
  size_t len, cap;
  int failed; /* an allocation failed */
} label_buf;

void label_buf_printf(label_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void label_buf_free(label_buf *b);

/* Whole file as a NUL-terminated malloc'd string. */
nacre_status label_read_file(const char *path, char **text, size_t *len,
                             nacre_error *err);
/* Writes text to path (plain, not atomic: used inside a label's own
 * directory). */
nacre_status label_write_file(const char *path, const char *text,
                              nacre_error *err);

/* Distinct atomic numbers of s in order of first appearance; returns the
 * count (≤ NACRE_MAX_Z). */
int label_species(const nacre_structure *s, int *z);

/* Appends the three cell vectors of s (Å), one "  x y z" row each, without a
 * final newline. */
void label_buf_cell(label_buf *b, const nacre_structure *s);

/* (Re)allocates r->forces_ev_a for natoms atoms and sets r->natoms; name is
 * the output file named in the error. */
nacre_status label_result_forces(nacre_label_result *r, int natoms,
                                 const char *name, nacre_error *err);

/* Pseudopotential folder: opt->pseudo_dir when set, else the environment
 * variable env_name when set and not empty, else fallback (may be NULL). */
const char *label_pseudo_dir(const nacre_label_options *opt,
                             const char *env_name, const char *fallback);

/* Looks up "Sym=file" in a comma-separated override list; copies the file
 * into out (size outlen) and returns 1 when found. */
int label_pseudo_override(const char *list, const char *symbol, char *out,
                          size_t outlen);

/* Built-in templates. */
extern const char label_abinit_template[];
extern const char label_qe_template[];
extern const char label_vasp_incar_template[];

/* Defaults resolved for a code. */
typedef struct label_settings {
  double ecut_ev, ecut_dens_factor, kspacing, smearing_ev, scf_tol_ev;
  int max_scf;
  const char *command;
} label_settings;
void label_resolve(const nacre_label_options *opt, label_settings *set);

#endif
