/* frame.c — nacre_frame: a structure with the labels a file carried
 * (energies, forces, stress, extra per-atom columns, info keys). */
#include "ioutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nacre_frame_init(nacre_frame *f) { memset(f, 0, sizeof *f); }

static void column_free(nacre_column *c, int natoms) {
  if (c->str) {
    for (long k = 0; k < (long)natoms * c->ncomp; k++) free(c->str[k]);
  }
  free(c->str);
  free(c->real);
}

void nacre_frame_clear(nacre_frame *f) {
  int natoms = f->s ? f->s->natoms : 0;
  for (int k = 0; k < f->ncolumns; k++) column_free(&f->columns[k], natoms);
  free(f->columns);
  for (int k = 0; k < f->ninfo; k++) {
    free(f->info[k].key);
    free(f->info[k].value);
  }
  free(f->info);
  free(f->forces);
  nacre_structure_free(f->s);
  nacre_frame_init(f);
}

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

nacre_status nacre_frame_set_info(nacre_frame *f, const char *key,
                                  const char *value, nacre_error *err) {
  char *v = dup_str(value);
  if (!v) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (int k = 0; k < f->ninfo; k++) {
    if (!strcmp(f->info[k].key, key)) {
      free(f->info[k].value);
      f->info[k].value = v;
      return NACRE_OK;
    }
  }
  char *kd = dup_str(key);
  nacre_info *grown = realloc(f->info, (size_t)(f->ninfo + 1) * sizeof *grown);
  if (!kd || !grown) {
    free(v);
    free(kd);
    if (grown) f->info = grown;
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  f->info = grown;
  f->info[f->ninfo].key = kd;
  f->info[f->ninfo].value = v;
  f->ninfo++;
  return NACRE_OK;
}

const char *nacre_frame_get_info(const nacre_frame *f, const char *key) {
  for (int k = 0; k < f->ninfo; k++)
    if (!strcmp(f->info[k].key, key)) return f->info[k].value;
  return NULL;
}

nacre_status nacre_frame_add_column(nacre_frame *f, const char *name,
                                    char type, int ncomp, nacre_column **out,
                                    nacre_error *err) {
  if (!f->s || ncomp < 1 || ncomp > 1000 || !type || !strchr("RILS", type))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "column '%s': bad type %c or %d components", name,
                           type ? type : '?', ncomp);
  if (strlen(name) >= sizeof f->columns[0].name)
    return nacre_error_set(err, NACRE_ERR_INVALID, "column name too long");
  nacre_column *grown =
      realloc(f->columns, (size_t)(f->ncolumns + 1) * sizeof *grown);
  if (!grown) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  f->columns = grown;
  nacre_column *c = &f->columns[f->ncolumns];
  memset(c, 0, sizeof *c);
  strcpy(c->name, name);
  c->type = type;
  c->ncomp = ncomp;
  size_t n = (size_t)(f->s->natoms > 0 ? f->s->natoms : 1) * (size_t)ncomp;
  if (type == 'S')
    c->str = calloc(n, sizeof *c->str);
  else
    c->real = calloc(n, sizeof *c->real);
  if (!c->str && !c->real)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  f->ncolumns++;
  if (out) *out = c;
  return NACRE_OK;
}

const nacre_column *nacre_frame_get_column(const nacre_frame *f,
                                           const char *name) {
  for (int k = 0; k < f->ncolumns; k++)
    if (!strcmp(f->columns[k].name, name)) return &f->columns[k];
  return NULL;
}

static nacre_status copy_column(nacre_frame *dst, const nacre_column *c,
                                nacre_error *err) {
  nacre_column *d;
  nacre_status st = nacre_frame_add_column(dst, c->name, c->type, c->ncomp, &d,
                                           err);
  if (st) return st;
  size_t n = (size_t)dst->s->natoms * (size_t)c->ncomp;
  if (c->real) memcpy(d->real, c->real, n * sizeof *d->real);
  for (size_t k = 0; c->str && k < n; k++) {
    if (c->str[k] && !(d->str[k] = dup_str(c->str[k])))
      return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  return NACRE_OK;
}

static nacre_status copy_labels(nacre_frame *dst, const nacre_frame *src,
                                nacre_error *err) {
  dst->has = src->has;
  dst->energy = src->energy;
  dst->free_energy = src->free_energy;
  memcpy(dst->stress, src->stress, sizeof dst->stress);
  if (src->forces) {
    size_t n = 3 * (size_t)src->s->natoms;
    dst->forces = malloc((n ? n : 1) * sizeof *dst->forces);
    if (!dst->forces)
      return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    memcpy(dst->forces, src->forces, n * sizeof *dst->forces);
  }
  for (int k = 0; k < src->ncolumns; k++) {
    nacre_status st = copy_column(dst, &src->columns[k], err);
    if (st) return st;
  }
  for (int k = 0; k < src->ninfo; k++) {
    nacre_status st = nacre_frame_set_info(dst, src->info[k].key,
                                           src->info[k].value, err);
    if (st) return st;
  }
  return NACRE_OK;
}

nacre_status nacre_frame_copy(nacre_frame *dst, const nacre_frame *src,
                              nacre_error *err) {
  nacre_frame_clear(dst);
  if (!src->s) return NACRE_OK;
  dst->s = nacre_structure_copy(src->s, err);
  if (!dst->s) return err ? err->status : NACRE_ERR_NOMEM;
  nacre_status st = copy_labels(dst, src, err);
  if (st) nacre_frame_clear(dst);
  return st;
}

/* ---- plausibility of what a reader produced ---- */

/* Labels beyond these are corrupt numbers (1e308 from a broken writer), not
 * physics: their squares overflow a loss. eV per atom, eV/Å, eV/Å^3. */
#define LABEL_MAX 1e6

static long atom_line(long first_atom_line, int atom) {
  return first_atom_line > 0 ? first_atom_line + atom : 0;
}

static nacre_status label_fail(nacre_error *err, const char *name, long line,
                               const char *what, double v, const char *unit) {
  if (!isfinite(v))
    return nacre_io_fail(err, name, line, "%s is %g: not a finite number",
                         what, v);
  return nacre_io_fail(err, name, line,
                       "%s is %g %s: beyond ±%g, a corrupt number rather than "
                       "a label", what, v, unit, LABEL_MAX);
}

nacre_status nacre_frame_check(const nacre_frame *f, const char *name,
                               long first_atom_line, nacre_error *err) {
  const nacre_structure *s = f->s;
  long head = first_atom_line > 1 ? first_atom_line - 1 : 0;
  if (!s || s->natoms < 1)
    return nacre_io_fail(err, name, head, "no atoms");
  nacre_error e2;
  if (nacre_structure_check(s, &e2))
    return nacre_io_fail(err, name, head, "%s", e2.message);
  int i, j;
  double d;
  int c = nacre_structure_coincident(s, NACRE_COINCIDENT_A, &i, &j, &d);
  if (c < 0) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  if (c)
    return nacre_io_fail(err, name, atom_line(first_atom_line, j),
                         "atoms %d and %d are at the same position (%.3g Å "
                         "apart, periodic images included)",
                         i + 1, j + 1, d);
  double n = s->natoms;
  if ((f->has & NACRE_FRAME_ENERGY) && !(fabs(f->energy / n) <= LABEL_MAX))
    return label_fail(err, name, head, "the energy", f->energy, "eV");
  if ((f->has & NACRE_FRAME_FREE_ENERGY) &&
      !(fabs(f->free_energy / n) <= LABEL_MAX))
    return label_fail(err, name, head, "the free energy", f->free_energy, "eV");
  if ((f->has & NACRE_FRAME_FORCES) && f->forces)
    for (int a = 0; a < s->natoms; a++)
      for (int k = 0; k < 3; k++)
        if (!(fabs(f->forces[3 * a + k]) <= LABEL_MAX)) {
          char what[64];
          snprintf(what, sizeof what, "the force on atom %d", a + 1);
          return label_fail(err, name, atom_line(first_atom_line, a), what,
                            f->forces[3 * a + k], "eV/Å");
        }
  if (f->has & NACRE_FRAME_STRESS)
    for (int k = 0; k < 6; k++)
      if (!(fabs(f->stress[k]) <= LABEL_MAX))
        return label_fail(err, name, head, "a stress component", f->stress[k],
                          "eV/Å^3");
  return NACRE_OK;
}
