/* read_deepmd.c — DeePMD-kit system folders and the dispatching reader.
 *
 * Layout (DeePMD-kit documentation, "Data format"): type.raw holds one
 * integer type per atom; type_map.raw the element name of each type; each
 * set.NNN/ folder holds box.npy (nframes × 9, cell rows), coord.npy
 * (nframes × 3N, Cartesian Å), energy.npy (nframes, eV), force.npy
 * (nframes × 3N, eV/Å) and optionally virial.npy (nframes × 9, eV). The
 * virial is W = −V σ with σ in the ASE sign (dpdata converts VASP's "in kB"
 * stress, positive = compressive, as W = V·σ_VASP). A file "nopbc" marks a
 * non-periodic system. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nacre/train.h"
#include "train_internal.h"

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads whitespace-separated tokens of a .raw file. */
static nacre_status read_tokens(const char *path, char ***tok, int *ntok,
                                nacre_error *err) {
  FILE *fp = fopen(path, "r");
  *tok = NULL;
  *ntok = 0;
  if (!fp)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           strerror(errno));
  char buf[256];
  int cap = 0;
  while (fscanf(fp, "%255s", buf) == 1) {
    if (*ntok == cap) {
      cap = cap ? 2 * cap : 64;
      char **p = realloc(*tok, (size_t)cap * sizeof *p);
      if (!p) break;
      *tok = p;
    }
    if (!((*tok)[*ntok] = strdup(buf))) break;
    (*ntok)++;
  }
  int bad = !feof(fp);
  fclose(fp);
  if (bad) {
    for (int k = 0; k < *ntok; k++) free((*tok)[k]);
    free(*tok);
    *tok = NULL;
    *ntok = 0;
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s: out of memory", path);
  }
  return NACRE_OK;
}

static void free_tokens(char **tok, int n) {
  for (int k = 0; k < n; k++) free(tok[k]);
  free(tok);
}

static nacre_status read_set(nacre_dataset *d, const char *dir,
                             const char *set, int natoms, const int *z,
                             int periodic, nacre_error *err) {
  char path[4400];
  nacre_npy box = {0}, coord = {0}, energy = {0}, force = {0}, virial = {0};
  nacre_status st = NACRE_OK;
  train_path(path, sizeof path, "%s/%s/box.npy", dir, set);
  if ((st = nacre_npy_read(path, &box, err))) goto done;
  train_path(path, sizeof path, "%s/%s/coord.npy", dir, set);
  if ((st = nacre_npy_read(path, &coord, err))) goto done;
  long nf = box.ndim ? box.shape[0] : 0;
  if (box.size != nf * 9 || coord.size != nf * 3L * natoms) {
    st = nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s/%s: box.npy has %ld values and coord.npy %ld; "
                         "expected %ld×9 and %ld×%d for %d atoms (type.raw)",
                         dir, set, box.size, coord.size, nf, nf, 3 * natoms,
                         natoms);
    goto done;
  }
  train_path(path, sizeof path, "%s/%s/energy.npy", dir, set);
  if (nacre_file_exists(path)) {
    if ((st = nacre_npy_read(path, &energy, err))) goto done;
    if (energy.size != nf) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: %ld energies for %ld frames", path, energy.size,
                           nf);
      goto done;
    }
  }
  train_path(path, sizeof path, "%s/%s/force.npy", dir, set);
  if (nacre_file_exists(path)) {
    if ((st = nacre_npy_read(path, &force, err))) goto done;
    if (force.size != nf * 3L * natoms) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: %ld values, expected %ld frames × %d", path,
                           force.size, nf, 3 * natoms);
      goto done;
    }
  }
  train_path(path, sizeof path, "%s/%s/virial.npy", dir, set);
  if (nacre_file_exists(path)) {
    if ((st = nacre_npy_read(path, &virial, err))) goto done;
    if (virial.size != nf * 9) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: %ld values, expected %ld frames × 9", path,
                           virial.size, nf);
      goto done;
    }
  }
  for (long f = 0; f < nf && !st; f++) {
    nacre_sample sm;
    memset(&sm, 0, sizeof sm);
    sm.s = nacre_structure_new(natoms, err);
    if (!sm.s) { st = NACRE_ERR_NOMEM; break; }
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) sm.s->cell[a][b] = box.data[9 * f + 3 * a + b];
    for (int k = 0; k < 3; k++) sm.s->pbc[k] = periodic;
    memcpy(sm.s->numbers, z, (size_t)natoms * sizeof *z);
    memcpy(sm.s->positions, coord.data + 3L * natoms * f,
           3 * (size_t)natoms * sizeof(double));
    double vol = fabs(nacre_cell_volume(sm.s->cell));
    if (periodic && vol < 1e-9) {
      nacre_sample_clear(&sm);
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s/%s/box.npy: frame %ld has a degenerate cell",
                           dir, set, f);
      break;
    }
    if (energy.data) {
      sm.energy = energy.data[f];
      sm.has |= NACRE_LABEL_ENERGY;
    }
    if (force.data) {
      sm.forces = malloc(3 * (size_t)(natoms ? natoms : 1) * sizeof(double));
      if (!sm.forces) {
        nacre_sample_clear(&sm);
        st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
        break;
      }
      memcpy(sm.forces, force.data + 3L * natoms * f,
             3 * (size_t)natoms * sizeof(double));
      sm.has |= NACRE_LABEL_FORCES;
    }
    if (virial.data && periodic) {
      double w[3][3], sym[3][3];
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) w[a][b] = virial.data[9 * f + 3 * a + b];
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) sym[a][b] = -0.5 * (w[a][b] + w[b][a]) / vol;
      nacre_voigt_from_mat3(sym, sm.stress);
      sm.has |= NACRE_LABEL_STRESS;
    }
    char src[4400];
    train_path(src, sizeof src, "%s/%s@%ld", dir, set, f);
    if (!(sm.source = strdup(src))) {
      nacre_sample_clear(&sm);
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
      break;
    }
    st = nacre_dataset_take(d, &sm, err);
  }
done:
  nacre_npy_free(&box);
  nacre_npy_free(&coord);
  nacre_npy_free(&energy);
  nacre_npy_free(&force);
  nacre_npy_free(&virial);
  return st;
}

nacre_status nacre_dataset_read_deepmd(nacre_dataset *d, const char *dir,
                                       nacre_error *err) {
  char path[4200];
  char **types = NULL, **names = NULL, **sets = NULL;
  int ntypes = 0, nnames = 0, nsets = 0, capsets = 0;
  int *z = NULL;
  nacre_status st;
  train_path(path, sizeof path, "%s/type.raw", dir);
  if ((st = read_tokens(path, &types, &ntypes, err))) return st;
  train_path(path, sizeof path, "%s/type_map.raw", dir);
  if (!nacre_file_exists(path)) {
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "%s: missing; nacre needs the element of each type",
                         path);
    goto done;
  }
  if ((st = read_tokens(path, &names, &nnames, err))) goto done;
  z = malloc((size_t)(ntypes ? ntypes : 1) * sizeof *z);
  if (!z) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (int a = 0; a < ntypes; a++) {
    char *end;
    long t = strtol(types[a], &end, 10);
    if (*end || t < 0 || t >= nnames) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s/type.raw: atom %d has type '%s'; type_map.raw "
                           "names %d types",
                           dir, a + 1, types[a], nnames);
      goto done;
    }
    z[a] = nacre_element_z(names[t]);
    if (!z[a]) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s/type_map.raw: '%s' is not an element symbol",
                           dir, names[t]);
      goto done;
    }
  }
  train_path(path, sizeof path, "%s/nopbc", dir);
  int periodic = !nacre_file_exists(path);
  DIR *dp = opendir(dir);
  if (!dp) {
    st = nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open directory: %s",
                         dir, strerror(errno));
    goto done;
  }
  struct dirent *e;
  while ((e = readdir(dp))) {
    if (strncmp(e->d_name, "set.", 4)) continue;
    if (nsets == capsets) {
      capsets = capsets ? 2 * capsets : 16;
      char **p = realloc(sets, (size_t)capsets * sizeof *p);
      if (!p) break;
      sets = p;
    }
    if (!(sets[nsets] = strdup(e->d_name))) break;
    nsets++;
  }
  closedir(dp);
  if (nsets == 0) {
    st = nacre_error_set(err, NACRE_ERR_INVALID, "%s: no set.* folders", dir);
    goto done;
  }
  qsort(sets, (size_t)nsets, sizeof *sets, cmp_str);
  for (int k = 0; k < nsets && !st; k++)
    st = read_set(d, dir, sets[k], ntypes, z, periodic, err);
done:
  free_tokens(types, ntypes);
  free_tokens(names, nnames);
  free_tokens(sets, nsets);
  free(z);
  return st;
}

nacre_status nacre_dataset_read(nacre_dataset *d, const char *path,
                                nacre_error *err) {
  struct stat st;
  if (stat(path, &st) != 0) {
    if (strchr(path, '@')) return train_read_file(d, path, err); /* "file@N" */
    return nacre_error_set(err, NACRE_ERR_IO, "%s: %s", path, strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    char probe[4200];
    train_path(probe, sizeof probe, "%s/type.raw", path);
    if (nacre_file_exists(probe)) return nacre_dataset_read_deepmd(d, path, err);
    return nacre_dataset_read_maise(d, path, err);
  }
  return train_read_file(d, path, err);
}
