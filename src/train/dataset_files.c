/* dataset_files.c — data sets from and to files (the library side of nacre
 * data): the io module reads the frames (extended XYZ, OUTCAR, MAISE and
 * DeePMD folders; nacre_read_frames) and each becomes a sample; a split
 * is written as three extended XYZ files. The energy label is `energy` when the frame
 * has it (extended XYZ energy or REF_energy, the OUTCAR's sigma→0 energy,
 * MAISE's and DeePMD's energies), otherwise `free_energy`. An info key
 * config_weight (a number ≥ 0) sets the sample's loss weight. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/io.h"
#include "nacre/train.h"

/* Moves the structure and labels of f into a new sample. */
static nacre_status take_frame(void *user, nacre_frame *f, const char *source,
                               nacre_error *err) {
  nacre_dataset *d = user;
  nacre_sample sm;
  memset(&sm, 0, sizeof sm);
  /* the structure is copied: the frame needs its atom count to free its
   * string columns */
  sm.s = nacre_structure_copy(f->s, err);
  if (!sm.s) return err ? err->status : NACRE_ERR_NOMEM;
  if (f->has & NACRE_FRAME_ENERGY) {
    sm.energy = f->energy;
    sm.has |= NACRE_LABEL_ENERGY;
  } else if (f->has & NACRE_FRAME_FREE_ENERGY) {
    sm.energy = f->free_energy;
    sm.has |= NACRE_LABEL_ENERGY;
  }
  if ((f->has & NACRE_FRAME_FORCES) && f->forces) {
    sm.forces = f->forces;
    f->forces = NULL;
    sm.has |= NACRE_LABEL_FORCES;
  }
  if (f->has & NACRE_FRAME_STRESS) {
    memcpy(sm.stress, f->stress, sizeof sm.stress);
    sm.has |= NACRE_LABEL_STRESS;
  }
  const char *w = nacre_frame_get_info(f, "config_weight");
  if (w) {
    char *end;
    double v = strtod(w, &end);
    if (end == w || *end || !isfinite(v) || v < 0) {
      nacre_sample_clear(&sm);
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s: config_weight '%s' is not a finite number "
                             ">= 0",
                             source, w);
    }
    sm.weight = v;
    sm.has |= NACRE_LABEL_WEIGHT;
  }
  /* the other info keys travel with the sample; source is written anew */
  int nkeep = 0;
  for (int k = 0; k < f->ninfo; k++)
    nkeep += strcmp(f->info[k].key, "config_weight") &&
             strcmp(f->info[k].key, "source");
  if (nkeep && !(sm.info = calloc(2 * (size_t)nkeep, sizeof *sm.info))) {
    nacre_sample_clear(&sm);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  for (int k = 0; k < f->ninfo; k++) {
    if (!strcmp(f->info[k].key, "config_weight") ||
        !strcmp(f->info[k].key, "source"))
      continue;
    sm.info[2 * sm.ninfo] = f->info[k].key;
    sm.info[2 * sm.ninfo + 1] = f->info[k].value;
    f->info[k].key = f->info[k].value = NULL; /* moved */
    sm.ninfo++;
  }
  if (!(sm.source = strdup(source))) {
    nacre_sample_clear(&sm);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  return nacre_dataset_take(d, &sm, err);
}

/* On failure the samples read from this path are dropped again. */
static nacre_status read_into(nacre_dataset *d, nacre_status st, int before) {
  if (st) {
    for (int k = before; k < d->n; k++) nacre_sample_clear(&d->items[k]);
    d->n = before;
  }
  return st;
}

nacre_status nacre_dataset_read(nacre_dataset *d, const char *path,
                                nacre_error *err) {
  int before = d->n;
  return read_into(d, nacre_read_frames(path, take_frame, d, err), before);
}

nacre_status nacre_dataset_read_maise(nacre_dataset *d, const char *dir,
                                      nacre_error *err) {
  int before = d->n;
  return read_into(d, nacre_maise_data_read(dir, take_frame, d, err), before);
}

nacre_status nacre_dataset_read_deepmd(nacre_dataset *d, const char *dir,
                                       nacre_error *err) {
  int before = d->n;
  return read_into(d, nacre_deepmd_read(dir, take_frame, d, err), before);
}

nacre_status nacre_dataset_read_paths(nacre_dataset *d,
                                      const char *const *paths, int n,
                                      nacre_error *err) {
  for (int k = 0; k < n; k++) {
    nacre_status st = nacre_dataset_read(d, paths[k], err);
    if (st) return st;
  }
  return NACRE_OK;
}

nacre_status nacre_dataset_split_write(const nacre_dataset *d,
                                       const char *prefix,
                                       const double fractions[3],
                                       uint64_t seed, const char *by_key,
                                       int counts[3], nacre_error *err) {
  double sum = fractions[0] + fractions[1] + fractions[2];
  if (!(fractions[0] >= 0 && fractions[1] >= 0 && fractions[2] >= 0 &&
        sum > 0))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "fractions must be >= 0 with a positive sum");
  int n = d->n;
  int *idx = malloc(3 * (size_t)(n ? n : 1) * sizeof *idx);
  if (!idx) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  nacre_status st = NACRE_OK;
  if (by_key)
    st = nacre_split_by_key(d, by_key, fractions[0] / sum, fractions[1] / sum,
                            seed, idx, &counts[0], idx + n, &counts[1],
                            idx + 2 * (size_t)n, &counts[2], err);
  else
    nacre_split_indices(n, fractions[0] / sum, fractions[1] / sum, seed, idx,
                        &counts[0], idx + n, &counts[1], idx + 2 * (size_t)n,
                        &counts[2]);
  static const char *part[3] = {"train", "valid", "test"};
  for (int p = 0; p < 3 && !st; p++) {
    nacre_dataset *o = NULL;
    char path[4200];
    snprintf(path, sizeof path, "%s.%s.xyz", prefix, part[p]);
    st = nacre_dataset_subset(d, idx + (size_t)p * n, counts[p], &o, err);
    if (!st) st = nacre_dataset_save_extxyz(o, path, err);
    nacre_dataset_free(o);
  }
  free(idx);
  return st;
}
