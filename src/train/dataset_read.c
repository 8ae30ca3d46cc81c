/* read_frames.c — labelled files read through the io module (extended XYZ,
 * VASP OUTCAR), turned into samples. A path may end in "@N" to take only
 * frame N (0-based; negative counts from the end: "OUTCAR@-1" is the last
 * ionic step); without it every frame is read. The energy label is
 * `energy` when the frame has it (extended XYZ energy or REF_energy, the
 * OUTCAR's sigma→0 energy), otherwise `free_energy`. An info key
 * config_weight (a number ≥ 0) sets the sample's loss weight. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/io.h"
#include "nacre/train.h"
#include "train_internal.h"

/* Moves the structure and labels of f into a new sample. */
static nacre_status take_frame(nacre_dataset *d, nacre_frame *f, const char *path,
                               long index, nacre_error *err) {
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
                             "%s frame %ld: config_weight '%s' is not a "
                             "finite number >= 0",
                             path, index, w);
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
  char src[4200];
  snprintf(src, sizeof src, "%s@%ld", path, index);
  if (!(sm.source = strdup(src))) {
    nacre_sample_clear(&sm);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  return nacre_dataset_take(d, &sm, err);
}

static nacre_status read_outcar(nacre_dataset *d, const char *path, int index,
                                int has_index, nacre_error *err) {
  nacre_frame *frames = NULL;
  int n = 0;
  nacre_status st = nacre_outcar_read(path, &frames, &n, err);
  if (st) return st;
  int lo = 0, hi = n;
  if (has_index) {
    int k = index < 0 ? n + index : index;
    if (k < 0 || k >= n) {
      st = nacre_error_set(err, NACRE_ERR_INVALID, "%s: frame %d requested, the file has %d",
                           path, index, n);
      lo = hi = 0;
    } else {
      lo = k;
      hi = k + 1;
    }
  }
  for (int k = lo; k < hi && !st; k++) st = take_frame(d, &frames[k], path, k, err);
  for (int k = 0; k < n; k++) nacre_frame_clear(&frames[k]);
  free(frames);
  return st;
}

static nacre_status read_xyz(nacre_dataset *d, const char *path, int index,
                             int has_index, nacre_error *err) {
  nacre_xyz_reader *r = nacre_xyz_open(path, err);
  if (!r) return err ? err->status : NACRE_ERR_IO;
  nacre_frame f;
  nacre_frame_init(&f);
  nacre_status st = NACRE_OK;
  int eof = 0, before = d->n;
  long k = 0;
  while (!(st = nacre_xyz_next(r, &f, &eof, err))) {
    if (!has_index || (index >= 0 && k == index) || index < 0)
      st = take_frame(d, &f, path, k, err);
    if (st) break;
    k++;
  }
  if (eof) {
    st = NACRE_OK;
    if (err) nacre_error_clear(err);
  }
  nacre_frame_clear(&f);
  nacre_xyz_close(r);
  if (!st && has_index && index < 0) { /* keep only frame k + index */
    long want = k + index;
    if (want < 0) {
      st = nacre_error_set(err, NACRE_ERR_INVALID, "%s: frame %d requested, the file has %ld",
                           path, index, k);
    } else {
      nacre_sample keep = d->items[before + want];
      memset(&d->items[before + want], 0, sizeof keep);
      for (int q = before; q < d->n; q++) nacre_sample_clear(&d->items[q]);
      d->n = before;
      st = nacre_dataset_take(d, &keep, err);
    }
  } else if (!st && has_index && index >= 0 && d->n == before) {
    st = nacre_error_set(err, NACRE_ERR_INVALID, "%s: frame %d requested, the file has %ld",
                         path, index, k);
  }
  return st;
}

nacre_status train_read_file(nacre_dataset *d, const char *spec, nacre_error *err) {
  char *path = NULL;
  int index = -1, has_index = 0;
  nacre_status st = nacre_spec_parse(spec, &path, &index, &has_index, err);
  if (st) return st;
  nacre_format fmt = nacre_format_guess(path);
  if (fmt == NACRE_FORMAT_OUTCAR)
    st = read_outcar(d, path, index, has_index, err);
  else if (fmt == NACRE_FORMAT_EXTXYZ)
    st = read_xyz(d, path, index, has_index, err);
  else
    st = nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                         "%s: %s files carry no labels; training data are extended XYZ, "
                         "OUTCAR, MAISE or DeePMD folders",
                         path, nacre_format_name(fmt));
  free(path);
  return st;
}
