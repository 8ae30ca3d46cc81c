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

static void keys_clear(nacre_label_keys *k) {
  for (int i = 0; i < k->n; i++) free(k->key[i]), free(k->value[i]);
  free(k->key);
  free(k->value);
  memset(k, 0, sizeof *k);
}

void nacre_label_keys_free(nacre_label_keys *keys, int count) {
  for (int i = 0; keys && i < count; i++) keys_clear(&keys[i]);
  free(keys);
}

/* Copies the info entries of f into *out. */
static nacre_status copy_keys(const nacre_frame *f, nacre_label_keys *out,
                              nacre_error *err) {
  out->n = 0;
  out->key = calloc((size_t)(f->ninfo ? f->ninfo : 1), sizeof *out->key);
  out->value = calloc((size_t)(f->ninfo ? f->ninfo : 1), sizeof *out->value);
  if (!out->key || !out->value)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "info keys");
  for (int k = 0; k < f->ninfo; k++) {
    out->key[k] = strdup(f->info[k].key);
    out->value[k] = strdup(f->info[k].value);
    out->n = k + 1;
    if (!out->key[k] || !out->value[k])
      return nacre_error_set(err, NACRE_ERR_NOMEM, "info keys");
  }
  return NACRE_OK;
}

nacre_status nacre_label_read_inputs(const char *path, nacre_structure ***out,
                                     int *n, nacre_label_keys **keys,
                                     nacre_error *err) {
  *out = NULL;
  *n = 0;
  if (keys) *keys = NULL;
  int cap = 0, kcap = 0;
  nacre_structure **list = NULL;
  nacre_label_keys *klist = NULL;
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
      if (keys) { /* kept in step with list: entry *n is this frame's */
        if (*n == kcap) {
          int nc = kcap ? 2 * kcap : 16;
          nacre_label_keys *bigger = realloc(klist, sizeof *klist * (size_t)nc);
          if (!bigger) {
            st = nacre_error_set(err, NACRE_ERR_NOMEM, "info keys");
            break;
          }
          klist = bigger, kcap = nc;
        }
        memset(&klist[*n], 0, sizeof klist[*n]);
        st = copy_keys(&f, &klist[*n], err);
      }
      if (!st) {
        st = push(&list, n, &cap, f.s, err);
        f.s = NULL; /* now owned by the list (or freed by push) */
      }
      if (st) {
        if (klist) keys_clear(&klist[*n]); /* the entry past the last pushed */
        break;
      }
    }
    nacre_frame_clear(&f);
    nacre_xyz_close(r);
  } else {
    nacre_structure *s = NULL;
    st = nacre_read_structure(path, &s, err);
    if (!st) st = push(&list, n, &cap, s, err);
    if (!st && keys && !(klist = calloc(1, sizeof *klist)))
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "info keys");
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
    nacre_label_keys_free(klist, *n);
    *n = 0;
    return st;
  }
  *out = list;
  if (keys) *keys = klist;
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
