/* deepmd.c — DeePMD-kit system folders (see nacre_deepmd_read in io.h).
 *
 * Layout (DeePMD-kit documentation, "Data format"): type.raw holds one
 * integer type per atom; type_map.raw the element name of each type; each
 * set.NNN/ folder holds box.npy (nframes × 9, cell rows), coord.npy
 * (nframes × 3N, Cartesian Å), energy.npy (nframes, eV), force.npy
 * (nframes × 3N, eV/Å) and optionally virial.npy (nframes × 9, eV). The
 * virial is W = −V σ with σ in the ASE sign (dpdata converts VASP's "in kB"
 * stress, positive = compressive, as W = V·σ_VASP). A file "nopbc" marks a
 * non-periodic system. */
#include "ioutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_strings(char **s, int n) {
  for (int k = 0; k < n; k++) free(s[k]);
  free(s);
}

/* Whitespace-separated tokens of a .raw file. */
static nacre_status read_tokens(const char *path, char ***tok, int *ntok,
                                nacre_error *err) {
  *tok = NULL;
  *ntok = 0;
  nacre_io_lines in;
  nacre_status st = nacre_io_lines_open_gz(&in, path, err);
  if (st) return st;
  int cap = 0, got;
  while ((got = nacre_io_lines_next(&in, err)) > 0) {
    for (const char *p = in.buf; *p;) {
      while (isspace((unsigned char)*p)) p++;
      if (!*p) break;
      const char *start = p;
      while (*p && !isspace((unsigned char)*p)) p++;
      if (*ntok == cap) {
        cap = cap ? 2 * cap : 64;
        char **grown = realloc(*tok, (size_t)cap * sizeof *grown);
        if (!grown) goto nomem;
        *tok = grown;
      }
      if (!((*tok)[*ntok] = strndup(start, (size_t)(p - start)))) goto nomem;
      (*ntok)++;
    }
  }
  nacre_io_lines_close(&in);
  if (got < 0) {
    free_strings(*tok, *ntok);
    *tok = NULL, *ntok = 0;
    return err ? err->status : NACRE_ERR_PARSE;
  }
  return NACRE_OK;
nomem:
  nacre_io_lines_close(&in);
  free_strings(*tok, *ntok);
  *tok = NULL, *ntok = 0;
  return nacre_error_set(err, NACRE_ERR_NOMEM, "%s: out of memory", path);
}

typedef struct set_arrays {
  nacre_npy box, coord, energy, force, virial;
  long nframes;
} set_arrays;

static void set_free(set_arrays *a) {
  nacre_npy_free(&a->box);
  nacre_npy_free(&a->coord);
  nacre_npy_free(&a->energy);
  nacre_npy_free(&a->force);
  nacre_npy_free(&a->virial);
}

/* An optional array of the set with `per_frame` values per frame. */
static nacre_status read_optional(const char *dir, const char *set,
                                  const char *name, long nf, long per_frame,
                                  nacre_npy *out, nacre_error *err) {
  char path[4400];
  if (nacre_io_path(path, sizeof path, err, "%s/%s/%s", dir, set, name))
    return NACRE_ERR_INVALID;
  if (!nacre_file_exists(path)) return NACRE_OK;
  nacre_status st = nacre_npy_read(path, out, err);
  if (!st && out->size != nf * per_frame)
    st = nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s: %ld values, expected %ld frames × %ld", path,
                         out->size, nf, per_frame);
  /* NaN, inf or 1e308 would reach a loss as an overflow naming no file */
  for (long k = 0; !st && k < out->size; k++)
    if (!(fabs(out->data[k]) <= 1e6))
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: value %ld (frame %ld) is %g: not a finite "
                           "number within ±1e6",
                           path, k, k / per_frame, out->data[k]);
  return st;
}

static nacre_status read_arrays(const char *dir, const char *set, int natoms,
                                set_arrays *a, nacre_error *err) {
  char path[4400];
  nacre_status st;
  if (nacre_io_path(path, sizeof path, err, "%s/%s/box.npy", dir, set))
    return NACRE_ERR_INVALID;
  if ((st = nacre_npy_read(path, &a->box, err))) return st;
  if (nacre_io_path(path, sizeof path, err, "%s/%s/coord.npy", dir, set))
    return NACRE_ERR_INVALID;
  if ((st = nacre_npy_read(path, &a->coord, err))) return st;
  long nf = a->box.ndim ? a->box.shape[0] : 0;
  a->nframes = nf;
  if (a->box.size != nf * 9 || a->coord.size != nf * 3L * natoms)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s/%s: box.npy has %ld values and coord.npy %ld; "
                           "expected %ld×9 and %ld×%d for %d atoms (type.raw)",
                           dir, set, a->box.size, a->coord.size, nf, nf,
                           3 * natoms, natoms);
  for (long k = 0; k < a->box.size + a->coord.size; k++) {
    double v = k < a->box.size ? a->box.data[k] : a->coord.data[k - a->box.size];
    if (!isfinite(v))
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s/%s/%s.npy: a non-finite value (%g)", dir, set,
                             k < a->box.size ? "box" : "coord", v);
  }
  if ((st = read_optional(dir, set, "energy.npy", nf, 1, &a->energy, err)) ||
      (st = read_optional(dir, set, "force.npy", nf, 3L * natoms, &a->force,
                          err)) ||
      (st = read_optional(dir, set, "virial.npy", nf, 9, &a->virial, err)))
    return st;
  return NACRE_OK;
}

/* Frame f of the set's arrays. */
static nacre_status make_frame(const set_arrays *a, long f, int natoms,
                               const int *z, int periodic, nacre_frame *out,
                               const char *where, nacre_error *err) {
  if (!(out->s = nacre_structure_new(natoms, err)))
    return err ? err->status : NACRE_ERR_NOMEM;
  nacre_structure *s = out->s;
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++) s->cell[r][c] = a->box.data[9 * f + 3 * r + c];
  for (int k = 0; k < 3; k++) s->pbc[k] = periodic;
  memcpy(s->numbers, z, (size_t)natoms * sizeof *z);
  memcpy(s->positions, a->coord.data + 3L * natoms * f,
         3 * (size_t)natoms * sizeof(double));
  double vol = fabs(nacre_cell_volume(s->cell));
  if (periodic && vol < 1e-9)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: the box is degenerate (volume %g Å^3)", where,
                           vol);
  if (a->energy.data) {
    out->energy = a->energy.data[f];
    out->has |= NACRE_FRAME_ENERGY;
  }
  if (a->force.data) {
    out->forces = malloc(3 * (size_t)natoms * sizeof(double));
    if (!out->forces) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    memcpy(out->forces, a->force.data + 3L * natoms * f,
           3 * (size_t)natoms * sizeof(double));
    out->has |= NACRE_FRAME_FORCES;
  }
  if (a->virial.data && periodic) {
    double sym[3][3];
    const double *w = a->virial.data + 9 * f;
    for (int r = 0; r < 3; r++)
      for (int c = 0; c < 3; c++)
        sym[r][c] = -0.5 * (w[3 * r + c] + w[3 * c + r]) / vol;
    nacre_voigt_from_mat3(sym, out->stress);
    out->has |= NACRE_FRAME_STRESS;
  }
  return nacre_frame_check(out, where, 0, err);
}

static nacre_status read_set(const char *dir, const char *set, int natoms,
                             const int *z, int periodic, nacre_frame_sink sink,
                             void *user, nacre_error *err) {
  set_arrays a;
  memset(&a, 0, sizeof a);
  nacre_status st = read_arrays(dir, set, natoms, &a, err);
  for (long f = 0; f < a.nframes && !st; f++) {
    char src[4400];
    if (nacre_io_path(src, sizeof src, err, "%s/%s@%ld", dir, set, f)) {
      st = NACRE_ERR_INVALID;
      break;
    }
    nacre_frame fr;
    nacre_frame_init(&fr);
    st = make_frame(&a, f, natoms, z, periodic, &fr, src, err);
    if (!st) st = sink(user, &fr, src, err);
    nacre_frame_clear(&fr);
  }
  set_free(&a);
  return st;
}

/* The element of every atom, from type.raw and type_map.raw. */
static nacre_status read_types(const char *dir, int **z, int *natoms,
                               nacre_error *err) {
  char path[4200];
  char **types = NULL, **names = NULL;
  int ntypes = 0, nnames = 0;
  *z = NULL;
  nacre_status st;
  if (nacre_io_path(path, sizeof path, err, "%s/type.raw", dir))
    return NACRE_ERR_INVALID;
  if ((st = read_tokens(path, &types, &ntypes, err))) return st;
  if (nacre_io_path(path, sizeof path, err, "%s/type_map.raw", dir)) {
    st = NACRE_ERR_INVALID;
  } else if (!nacre_file_exists(path)) {
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "%s: missing; nacre needs the element of each type",
                         path);
  } else {
    st = read_tokens(path, &names, &nnames, err);
  }
  if (!st && ntypes == 0)
    st = nacre_error_set(err, NACRE_ERR_PARSE, "%s/type.raw: no atoms", dir);
  if (!st && !(*z = malloc((size_t)ntypes * sizeof **z)))
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (int a = 0; a < ntypes && !st; a++) {
    int t;
    if (nacre_io_int(types[a], 0, nnames - 1, &t)) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s/type.raw: atom %d has type '%s'; type_map.raw "
                           "names %d types",
                           dir, a + 1, types[a], nnames);
    } else if (!((*z)[a] = nacre_element_z(names[t]))) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s/type_map.raw: '%s' is not an element symbol",
                           dir, names[t]);
    }
  }
  free_strings(types, ntypes);
  free_strings(names, nnames);
  if (st) {
    free(*z);
    *z = NULL;
    return st;
  }
  *natoms = ntypes;
  return NACRE_OK;
}

/* The set.* folders of dir, sorted. */
static nacre_status list_sets(const char *dir, char ***sets, int *nsets,
                              nacre_error *err) {
  *sets = NULL;
  *nsets = 0;
  DIR *dp = opendir(dir);
  if (!dp)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open directory: %s",
                           dir, strerror(errno));
  int cap = 0;
  nacre_status st = NACRE_OK;
  struct dirent *e;
  while ((e = readdir(dp)) && !st) {
    if (strncmp(e->d_name, "set.", 4)) continue;
    if (*nsets == cap) {
      cap = cap ? 2 * cap : 16;
      char **p = realloc(*sets, (size_t)cap * sizeof *p);
      if (!p) st = NACRE_ERR_NOMEM;
      else *sets = p;
    }
    if (!st && !((*sets)[*nsets] = strdup(e->d_name))) st = NACRE_ERR_NOMEM;
    if (!st) (*nsets)++;
  }
  closedir(dp);
  if (st) {
    free_strings(*sets, *nsets);
    *sets = NULL, *nsets = 0;
    return nacre_error_set(err, st, "%s: out of memory", dir);
  }
  if (*nsets == 0)
    return nacre_error_set(err, NACRE_ERR_INVALID, "%s: no set.* folders", dir);
  qsort(*sets, (size_t)*nsets, sizeof **sets, cmp_str);
  return NACRE_OK;
}

nacre_status nacre_deepmd_read(const char *dir, nacre_frame_sink sink,
                               void *user, nacre_error *err) {
  int *z = NULL, natoms = 0, nsets = 0;
  char **sets = NULL, path[4200];
  nacre_status st = read_types(dir, &z, &natoms, err);
  if (!st && nacre_io_path(path, sizeof path, err, "%s/nopbc", dir))
    st = NACRE_ERR_INVALID;
  int periodic = !nacre_file_exists(path);
  if (!st) st = list_sets(dir, &sets, &nsets, err);
  for (int k = 0; k < nsets && !st; k++)
    st = read_set(dir, sets[k], natoms, z, periodic, sink, user, err);
  free_strings(sets, nsets);
  free(z);
  return st;
}
