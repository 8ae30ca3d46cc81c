/* train_internal.h — helpers shared by the files of src/train (not part of
 * the public API). */
#ifndef NACRE_TRAIN_INTERNAL_H
#define NACRE_TRAIN_INTERNAL_H

#include <stdio.h>
#include <sys/types.h>

#include "nacre/io.h"
#include "nacre/train.h"

/* A file read line by line with the current line number for messages
 * (nacre's text model and committee files). */
typedef struct train_lines {
  FILE *fp;
  const char *path;
  char *buf;
  size_t cap;
  int line;
} train_lines;

int train_lines_open(train_lines *L, const char *path); /* 0 on failure */
void train_lines_close(train_lines *L);
const char *train_lines_next(train_lines *L); /* NULL at end */
int train_parse_doubles(const char *text, double *out, int max,
                        const char **rest);

/* Builds nacre_features centre by centre: begin, then for i = 0..n−1 in
 * order centre(i) and entry(j) for every neighbour atom j (returns the
 * 3×dim block ∂G_i/∂r_j to accumulate into, zeroed on first use; valid
 * until the next entry call), then end. abort frees everything. */
typedef struct train_fasm {
  nacre_features *f;
  long *slot;   /* natoms: entry of atom j for the current centre, or −1 */
  size_t cap;
  int centre;
} train_fasm;

nacre_status train_fasm_begin(train_fasm *A, nacre_features *f, int natoms,
                              int dim, nacre_error *err);
nacre_status train_fasm_centre(train_fasm *A, int i, nacre_error *err);
float *train_fasm_entry(train_fasm *A, int j, nacre_error *err);
void train_fasm_end(train_fasm *A);
void train_fasm_abort(train_fasm *A);

/* Featurizers provided by other modules (the nn descriptor sets). */
nacre_status train_featurizer_from_spec_ext(const char *spec, int nspecies,
                                            nacre_featurizer *out,
                                            nacre_error *err);

/* Per-structure working memory of the forward pass and the loss. */
typedef struct train_scratch {
  int natoms;
  int *spc;       /* species index of each atom */
  double *x;      /* natoms*dim normalised inputs */
  double *dedg;   /* natoms*dim ∂E_i/∂G_i */
  double *c;      /* dim: direction for the force/stress term */
  double *forces; /* 3*natoms */
  double *u;      /* 3*natoms: ∂L/∂F */
  double *mlp;    /* nacre_mlp_scratch_size doubles */
} train_scratch;

nacre_status train_scratch_init(train_scratch *ws, const nacre_train_model *m,
                                int natoms, nacre_error *err);
void train_scratch_free(train_scratch *ws);
/* Energy, forces (may be NULL), stress (may be NULL) from features; fills
 * ws->x, ws->dedg (∂E_i/∂G_i) and ws->spc. */
nacre_status train_forward(const nacre_train_model *m, const double *w,
                           const nacre_structure *s, const nacre_features *f,
                           train_scratch *ws, double *energy, double *forces,
                           double stress[6], nacre_error *err);

/* Index into species_z of every atom of s, in a new array *spc (free it);
 * an element that is not among the first nmax of species_z is an error. */
nacre_status train_species_index(const nacre_structure *s, int nspecies,
                                 const int *species_z, int nmax, int **spc,
                                 nacre_error *err);

/* One model in nacre's text format, from its magic line on. */
void train_model_write_body(const nacre_train_model *m, FILE *fp);
nacre_status train_model_read_body(train_lines *L, nacre_train_model **out,
                                   nacre_error *err);

/* Default descriptor spec for cutoff rc (Å): MAISE's basis when the nn
 * module is present, radial functions otherwise. */
void train_default_descriptors(double rc, char *spec, size_t len);

#endif
