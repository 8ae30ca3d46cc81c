/* xyz.c — input and output of unlabelled structures for the labeller,
 * through the io module: every frame of an extended-XYZ file (plain or
 * .gz), or the one structure of a POSCAR or CIF file; the generator's
 * structures are written as extended XYZ with their kind and target
 * pressure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label_internal.h"
#include "nacre/io.h"

static nacre_status push(nacre_structure ***list, int *n, int *cap,
                         nacre_structure *s, nacre_error *err) {
  if (*n == *cap) {
    int nc = *cap ? 2 * *cap : 16;
    nacre_structure **bigger = realloc(*list, sizeof **list * (size_t)nc);
    if (!bigger) {
      nacre_structure_free(s);
      return nacre_error_set(err, NACRE_ERR_NOMEM, "structures");
    }
    *list = bigger, *cap = nc;
  }
  (*list)[(*n)++] = s;
  return NACRE_OK;
}

nacre_status nacre_label_read_inputs(const char *path, nacre_structure ***out,
                                     int *n, nacre_error *err) {
  *out = NULL;
  *n = 0;
  int cap = 0;
  nacre_structure **list = NULL;
  nacre_status st = NACRE_OK;
  if (nacre_format_guess(path) == NACRE_FORMAT_EXTXYZ) {
    nacre_xyz_reader *r = nacre_xyz_open(path, err);
    if (!r) return err ? err->status : NACRE_ERR_IO;
    nacre_frame f;
    nacre_frame_init(&f);
    for (;;) {
      int eof = 0;
      st = nacre_xyz_next(r, &f, &eof, err);
      if (eof) {
        st = NACRE_OK;
        break;
      }
      if (st) break;
      st = push(&list, n, &cap, f.s, err);
      f.s = NULL; /* now owned by the list */
      if (st) break;
    }
    nacre_frame_clear(&f);
    nacre_xyz_close(r);
  } else {
    nacre_structure *s = NULL;
    st = nacre_read_structure(path, &s, err);
    if (!st) st = push(&list, n, &cap, s, err);
  }
  for (int k = 0; k < *n && !st; k++) {
    st = nacre_structure_check(list[k], err);
    if (!st && !(list[k]->pbc[0] && list[k]->pbc[1] && list[k]->pbc[2]))
      st = nacre_error_set(err, NACRE_ERR_INVALID,
                           "structure is not periodic in all directions");
    if (st) nacre_error_prefix(err, "%s frame %d: ", path, k);
  }
  if (st) {
    for (int k = 0; k < *n; k++) nacre_structure_free(list[k]);
    free(list);
    *n = 0;
    return st;
  }
  *out = list;
  return NACRE_OK;
}

nacre_status nacre_label_write_xyz(const char *path,
                                   nacre_structure *const *s, int n,
                                   const char *const *kinds,
                                   const double *pressures_gpa,
                                   nacre_error *err) {
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return st;
  for (int k = 0; k < n && !st; k++) {
    nacre_frame f;
    nacre_frame_init(&f);
    f.s = s[k]; /* borrowed: detached before clearing */
    if (kinds) st = nacre_frame_set_info(&f, "kind", kinds[k], err);
    if (!st && pressures_gpa) {
      char p[32];
      snprintf(p, sizeof p, "%.3f", pressures_gpa[k]);
      st = nacre_frame_set_info(&f, "target_pressure_gpa", p, err);
    }
    if (!st) st = nacre_xyz_write(af.fp, &f, err);
    f.s = NULL;
    nacre_frame_clear(&f);
  }
  if (st) {
    nacre_atomic_abort(&af);
    return st;
  }
  return nacre_atomic_commit(&af, err);
}
