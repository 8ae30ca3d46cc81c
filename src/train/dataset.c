/* dataset.c — labelled data sets: ownership, statistics, filters, seeded
 * splits, subsets and the extended XYZ writer. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/io.h"
#include "nacre/train.h"

nacre_dataset *nacre_dataset_new(nacre_error *err) {
  nacre_dataset *d = calloc(1, sizeof *d);
  if (!d) nacre_error_set(err, NACRE_ERR_NOMEM, "cannot allocate a data set");
  return d;
}

void nacre_sample_clear(nacre_sample *sm) {
  if (!sm) return;
  nacre_structure_free(sm->s);
  free(sm->forces);
  free(sm->source);
  for (int k = 0; k < 2 * sm->ninfo; k++) free(sm->info[k]);
  free(sm->info);
  memset(sm, 0, sizeof *sm);
}

const char *nacre_sample_get_info(const nacre_sample *sm, const char *key) {
  for (int k = 0; k < sm->ninfo; k++)
    if (!strcmp(sm->info[2 * k], key)) return sm->info[2 * k + 1];
  return NULL;
}

const char *nacre_sample_class(const nacre_sample *sm) {
  const char *c = nacre_sample_get_info(sm, "config_type");
  return c ? c : nacre_sample_get_info(sm, "kind");
}

int nacre_dataset_classes(const nacre_dataset *d, const char ***names,
                          int **counts, int *unclassified) {
  *names = malloc((d->n > 0 ? (size_t)d->n : 1) * sizeof **names);
  *counts = calloc(d->n > 0 ? (size_t)d->n : 1, sizeof **counts);
  *unclassified = 0;
  if (!*names || !*counts) {
    free(*names), free(*counts);
    *names = NULL, *counts = NULL;
    return -1;
  }
  int n = 0;
  for (int q = 0; q < d->n; q++) {
    const char *c = nacre_sample_class(&d->items[q]);
    if (!c) {
      (*unclassified)++;
      continue;
    }
    int k = 0;
    while (k < n && strcmp((*names)[k], c)) k++;
    if (k == n) (*names)[n++] = c;
    (*counts)[k]++;
  }
  return n;
}

void nacre_dataset_free(nacre_dataset *d) {
  if (!d) return;
  for (int i = 0; i < d->n; i++) nacre_sample_clear(&d->items[i]);
  free(d->items);
  free(d);
}

nacre_status nacre_dataset_take(nacre_dataset *d, nacre_sample *sm,
                                nacre_error *err) {
  if (d->n == d->capacity) {
    int cap = d->capacity ? 2 * d->capacity : 64;
    nacre_sample *p = realloc(d->items, (size_t)cap * sizeof *p);
    if (!p) {
      nacre_sample_clear(sm);
      return nacre_error_set(err, NACRE_ERR_NOMEM,
                             "cannot grow the data set to %d samples", cap);
    }
    d->items = p;
    d->capacity = cap;
  }
  d->items[d->n++] = *sm;
  memset(sm, 0, sizeof *sm);
  return NACRE_OK;
}

nacre_status nacre_dataset_append_copy(nacre_dataset *d,
                                       const nacre_dataset *src, int i,
                                       nacre_error *err) {
  const nacre_sample *a = &src->items[i];
  nacre_sample b = *a;
  b.s = nacre_structure_copy(a->s, err);
  b.forces = NULL;
  b.source = NULL;
  b.info = NULL;
  b.ninfo = 0;
  if (!b.s) return err ? err->status : NACRE_ERR_NOMEM;
  if (a->ninfo) {
    if (!(b.info = calloc(2 * (size_t)a->ninfo, sizeof *b.info))) goto nomem;
    b.ninfo = a->ninfo;
    for (int k = 0; k < 2 * a->ninfo; k++)
      if (!(b.info[k] = strdup(a->info[k]))) goto nomem;
  }
  if (a->forces) {
    b.forces = malloc(3 * (size_t)a->s->natoms * sizeof(double));
    if (!b.forces) goto nomem;
    memcpy(b.forces, a->forces, 3 * (size_t)a->s->natoms * sizeof(double));
  }
  if (a->source && !(b.source = strdup(a->source))) goto nomem;
  return nacre_dataset_take(d, &b, err);
nomem:
  nacre_sample_clear(&b);
  return nacre_error_set(err, NACRE_ERR_NOMEM, "cannot copy a sample");
}

long nacre_dataset_natoms(const nacre_dataset *d) {
  long n = 0;
  for (int i = 0; i < d->n; i++) n += d->items[i].s->natoms;
  return n;
}

static double sample_pressure_gpa(const nacre_sample *sm) {
  return -(sm->stress[0] + sm->stress[1] + sm->stress[2]) / 3.0 *
         NACRE_EV_A3_TO_GPA;
}

static double sample_max_force(const nacre_sample *sm) {
  double m = 0;
  if (!(sm->has & NACRE_LABEL_FORCES)) return 0;
  for (int k = 0; k < 3 * sm->s->natoms; k++)
    if (fabs(sm->forces[k]) > m) m = fabs(sm->forces[k]);
  return m;
}

nacre_status nacre_dataset_stats_compute(const nacre_dataset *d,
                                         nacre_dataset_stats *st,
                                         nacre_error *err) {
  memset(st, 0, sizeof *st);
  st->nstructures = d->n;
  st->e_per_atom_min = st->pressure_min_gpa = st->volume_per_atom_min = INFINITY;
  st->e_per_atom_max = st->pressure_max_gpa = st->volume_per_atom_max = -INFINITY;
  st->min_atoms = d->n ? d->items[0].s->natoms : 0;
  for (int i = 0; i < d->n; i++) {
    const nacre_sample *sm = &d->items[i];
    int na = sm->s->natoms;
    st->natoms += na;
    if (na < st->min_atoms) st->min_atoms = na;
    if (na > st->max_atoms) st->max_atoms = na;
    for (int a = 0; a < na; a++) {
      int z = sm->s->numbers[a], k;
      for (k = 0; k < st->nspecies; k++)
        if (st->species_z[k] == z) break;
      if (k == st->nspecies) {
        if (st->nspecies == 16)
          return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                                 "more than 16 elements in the data set");
        /* keep sorted by Z */
        while (k > 0 && st->species_z[k - 1] > z) {
          st->species_z[k] = st->species_z[k - 1];
          st->species_count[k] = st->species_count[k - 1];
          k--;
        }
        st->species_z[k] = z;
        st->species_count[k] = 0;
        st->nspecies++;
      }
      st->species_count[k]++;
    }
    if (na > 0 && sm->s->pbc[0] && sm->s->pbc[1] && sm->s->pbc[2]) {
      double v = fabs(nacre_structure_volume(sm->s)) / na;
      if (v < st->volume_per_atom_min) st->volume_per_atom_min = v;
      if (v > st->volume_per_atom_max) st->volume_per_atom_max = v;
    }
    if ((sm->has & NACRE_LABEL_ENERGY) && na > 0) {
      st->n_energy++;
      double e = sm->energy / na;
      if (e < st->e_per_atom_min) st->e_per_atom_min = e;
      if (e > st->e_per_atom_max) st->e_per_atom_max = e;
    }
    if (sm->has & NACRE_LABEL_FORCES) {
      st->n_forces++;
      double f = sample_max_force(sm);
      if (f > st->force_max) st->force_max = f;
    }
    if (sm->has & NACRE_LABEL_STRESS) {
      st->n_stress++;
      double p = sample_pressure_gpa(sm);
      if (p < st->pressure_min_gpa) st->pressure_min_gpa = p;
      if (p > st->pressure_max_gpa) st->pressure_max_gpa = p;
    }
  }
  return NACRE_OK;
}

void nacre_dataset_filter_init(nacre_dataset_filter *f) {
  memset(f, 0, sizeof *f);
  f->e_per_atom_max = f->e_above_min_max = f->force_max = f->pressure_max_gpa =
      NAN;
}

/* 1 when cls is one of the comma-separated names in list. */
static int in_list(const char *list, const char *cls) {
  size_t n = strlen(cls);
  for (const char *p = list; p && *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && !strncmp(p, cls, n)) return 1;
    p = end ? end + 1 : NULL;
  }
  return 0;
}

int nacre_dataset_filter_select(const nacre_dataset *d,
                                const nacre_dataset_filter *f, int *idx) {
  double emin = INFINITY;
  for (int i = 0; i < d->n; i++)
    if ((d->items[i].has & NACRE_LABEL_ENERGY) && d->items[i].s->natoms > 0) {
      double e = d->items[i].energy / d->items[i].s->natoms;
      if (e < emin) emin = e;
    }
  int n = 0;
  for (int i = 0; i < d->n; i++) {
    const nacre_sample *sm = &d->items[i];
    int na = sm->s->natoms;
    if ((sm->has & f->require) != f->require) continue;
    if (f->min_atoms > 0 && na < f->min_atoms) continue;
    if (f->max_atoms > 0 && na > f->max_atoms) continue;
    int has_e = (sm->has & NACRE_LABEL_ENERGY) && na > 0;
    double e = has_e ? sm->energy / na : 0;
    if (!isnan(f->e_per_atom_max) && has_e && e > f->e_per_atom_max) continue;
    if (!isnan(f->e_above_min_max) && has_e && e - emin > f->e_above_min_max)
      continue;
    if (!isnan(f->force_max) && sample_max_force(sm) > f->force_max) continue;
    if (!isnan(f->pressure_max_gpa) && (sm->has & NACRE_LABEL_STRESS) &&
        fabs(sample_pressure_gpa(sm)) > f->pressure_max_gpa)
      continue;
    if (f->classes) {
      const char *c = nacre_sample_class(sm);
      if ((c && in_list(f->classes, c)) == !!f->exclude_classes) continue;
    }
    if (f->nspecies > 0) {
      int ok = 1;
      for (int a = 0; a < na && ok; a++) {
        int found = 0;
        for (int k = 0; k < f->nspecies; k++)
          if (f->species_z[k] == sm->s->numbers[a]) found = 1;
        ok = found;
      }
      if (!ok) continue;
    }
    idx[n++] = i;
  }
  return n;
}

nacre_status nacre_dataset_set_weight(nacre_dataset *d,
                                      const nacre_dataset_filter *f,
                                      double weight, int *nset,
                                      nacre_error *err) {
  int *idx = malloc((size_t)(d->n > 0 ? d->n : 1) * sizeof *idx);
  if (!idx) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  int n = nacre_dataset_filter_select(d, f, idx);
  for (int k = 0; k < n; k++) {
    d->items[idx[k]].weight = weight;
    d->items[idx[k]].has |= NACRE_LABEL_WEIGHT;
  }
  free(idx);
  if (nset) *nset = n;
  return NACRE_OK;
}

nacre_status nacre_dataset_filter_apply(const nacre_dataset *d,
                                        const nacre_dataset_filter *f,
                                        nacre_dataset **out,
                                        nacre_error *err) {
  int *idx = malloc((size_t)(d->n > 0 ? d->n : 1) * sizeof *idx);
  if (!idx) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  int n = nacre_dataset_filter_select(d, f, idx);
  nacre_status st = nacre_dataset_subset(d, idx, n, out, err);
  free(idx);
  return st;
}

void nacre_permutation(int n, uint64_t seed, int *perm) {
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 0);
  for (int i = 0; i < n; i++) perm[i] = i;
  for (int i = n - 1; i > 0; i--) {
    int j = nacre_rng_int(&rng, i + 1);
    int t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

void nacre_split_indices(int n, double frac_train, double frac_valid,
                         uint64_t seed, int *train, int *ntrain, int *valid,
                         int *nvalid, int *test, int *ntest) {
  int *perm = malloc((size_t)(n > 0 ? n : 1) * sizeof *perm);
  int nt = (int)floor(frac_train * n + 0.5), nv = (int)floor(frac_valid * n + 0.5);
  if (nt > n) nt = n;
  if (nv > n - nt) nv = n - nt;
  if (!perm) { /* fall back to the unshuffled order */
    for (int i = 0; i < nt; i++) train[i] = i;
    for (int i = 0; i < nv; i++) valid[i] = nt + i;
    for (int i = 0; i < n - nt - nv; i++) test[i] = nt + nv + i;
  } else {
    nacre_permutation(n, seed, perm);
    memcpy(train, perm, (size_t)nt * sizeof *perm);
    memcpy(valid, perm + nt, (size_t)nv * sizeof *perm);
    memcpy(test, perm + nt + nv, (size_t)(n - nt - nv) * sizeof *perm);
    free(perm);
  }
  /* sorted index lists make the loss sums independent of the shuffle */
  qsort(train, (size_t)nt, sizeof *train, cmp_int);
  qsort(valid, (size_t)nv, sizeof *valid, cmp_int);
  qsort(test, (size_t)(n - nt - nv), sizeof *test, cmp_int);
  *ntrain = nt;
  *nvalid = nv;
  *ntest = n - nt - nv;
}

nacre_status nacre_split_by_key(const nacre_dataset *d, const char *key,
                                double frac_train, double frac_valid,
                                uint64_t seed, int *train, int *ntrain,
                                int *valid, int *nvalid, int *test,
                                int *ntest, nacre_error *err) {
  *ntrain = *nvalid = *ntest = 0;
  for (int q = 0; q < d->n; q++) {
    const char *v = nacre_sample_get_info(&d->items[q], key);
    if (!v)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "%s: no info key %s to split by",
                             d->items[q].source ? d->items[q].source : "sample",
                             key);
    /* one draw of the random stream the value's hash names */
    nacre_rng rng;
    nacre_rng_init(&rng, seed, nacre_fnv1a(NACRE_FNV1A_OFFSET, v));
    double u = nacre_rng_uniform(&rng);
    if (u < frac_train) train[(*ntrain)++] = q;
    else if (u < frac_train + frac_valid) valid[(*nvalid)++] = q;
    else test[(*ntest)++] = q;
  }
  return NACRE_OK;
}

nacre_status nacre_dataset_subset(const nacre_dataset *d, const int *idx,
                                  int n, nacre_dataset **out,
                                  nacre_error *err) {
  nacre_dataset *o = nacre_dataset_new(err);
  if (!o) return NACRE_ERR_NOMEM;
  for (int k = 0; k < n; k++) {
    if (idx[k] < 0 || idx[k] >= d->n) {
      nacre_dataset_free(o);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "sample index %d outside 0..%d", idx[k], d->n - 1);
    }
    nacre_status st = nacre_dataset_append_copy(o, d, idx[k], err);
    if (st) {
      nacre_dataset_free(o);
      return st;
    }
  }
  *out = o;
  return NACRE_OK;
}

/* ASE's extended XYZ through the io module's writer: Lattice, Properties,
 * energy, stress as a 3x3 matrix, the sample's info keys, config_weight,
 * source, pbc. */
nacre_status nacre_dataset_write_extxyz(const nacre_dataset *d, FILE *fp,
                                        nacre_error *err) {
  for (int i = 0; i < d->n; i++) {
    const nacre_sample *sm = &d->items[i];
    nacre_info *info = malloc(sizeof *info * ((size_t)sm->ninfo + 2));
    if (!info) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    char weight[NACRE_DOUBLE_TEXT];
    int n = 0;
    for (int k = 0; k < sm->ninfo; k++)
      info[n++] = (nacre_info){sm->info[2 * k], sm->info[2 * k + 1]};
    if (sm->has & NACRE_LABEL_WEIGHT) {
      nacre_format_double(sm->weight, weight);
      info[n++] = (nacre_info){"config_weight", weight};
    }
    if (sm->source) info[n++] = (nacre_info){"source", sm->source};
    /* a frame that borrows the sample's arrays (never cleared) */
    nacre_frame f;
    nacre_frame_init(&f);
    f.s = sm->s;
    if (sm->has & NACRE_LABEL_ENERGY) {
      f.has |= NACRE_FRAME_ENERGY;
      f.energy = sm->energy;
    }
    if (sm->has & NACRE_LABEL_FORCES) {
      f.has |= NACRE_FRAME_FORCES;
      f.forces = sm->forces;
    }
    if (sm->has & NACRE_LABEL_STRESS) {
      f.has |= NACRE_FRAME_STRESS;
      memcpy(f.stress, sm->stress, sizeof f.stress);
    }
    f.ninfo = n;
    f.info = info;
    nacre_status st = nacre_xyz_write(fp, &f, err);
    free(info);
    if (st) return st;
  }
  if (ferror(fp))
    return nacre_error_set(err, NACRE_ERR_IO, "write error on extended XYZ");
  return NACRE_OK;
}

nacre_status nacre_dataset_save_extxyz(const nacre_dataset *d,
                                       const char *path, nacre_error *err) {
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return st;
  st = nacre_dataset_write_extxyz(d, af.fp, err);
  if (st) {
    nacre_atomic_abort(&af);
    return st;
  }
  return nacre_atomic_commit(&af, err);
}
