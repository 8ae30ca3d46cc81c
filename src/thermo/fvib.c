/* fvib.c — tables of vibrational free energy per atom, F_vib(T) at one
 * pressure (harmonic) or F_vib(T, P) on a grid of pressures
 * (quasi-harmonic), read from CSV, interpolated linearly and never
 * extrapolated; and hulls over a temperature grid built from them.
 *
 * CSV: a header line naming the columns (any order, other columns
 * ignored): temperature_k, vibrational_free_energy_per_atom_ev and
 * optionally pressure_gpa; then one row per point. Blank lines and text
 * after '#' are skipped. This is `nacre phonon`'s thermal.csv
 * (doc/phonon-files.md), or several of them with a pressure_gpa column
 * added. A table whose header names gibbs_energy_per_atom_ev is `nacre
 * phonon`'s quasi-harmonic qha.csv: it is read by phonon's own reader and
 * gives G(T, P) = E + F_vib + PV at V(P, T) itself, which replaces the
 * entry's energy in a temperature scan. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/phonon.h"
#include "nacre/thermo.h"
#include "thermo_internal.h"

struct nacre_fvib_table {
  nacre_qha_table *qha; /* a qha.csv: G(T, P) itself, not an F_vib to add */
  int npressures;
  double *pressure;   /* npressures, ascending */
  int *offset;        /* npressures + 1: rows of pressure p */
  double *t, *f;      /* rows sorted by (P, T) */
};

void nacre_fvib_table_free(nacre_fvib_table *t) {
  if (!t) return;
  nacre_qha_table_free(t->qha);
  free(t->pressure);
  free(t->offset);
  free(t->t);
  free(t->f);
  free(t);
}

typedef struct {
  double t, p, f;
} row;

static int cmp_row(const void *a, const void *b) {
  const row *x = a, *y = b;
  if (x->p != y->p) return x->p < y->p ? -1 : 1;
  return (x->t > y->t) - (x->t < y->t);
}

nacre_status nacre_fvib_table_new(int n, const double *temperature_k,
                                  const double *pressure_gpa,
                                  const double *free_energy_per_atom_ev,
                                  nacre_fvib_table **out, nacre_error *err) {
  *out = NULL;
  if (n < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID, "F_vib table: no rows");
  row *r = malloc((size_t)n * sizeof *r);
  nacre_fvib_table *t = calloc(1, sizeof *t);
  if (!r || !t) {
    free(r);
    free(t);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "F_vib table");
  }
  for (int i = 0; i < n; i++) {
    r[i].t = temperature_k[i];
    r[i].p = pressure_gpa ? pressure_gpa[i] : 0.0;
    r[i].f = free_energy_per_atom_ev[i];
    if (!isfinite(r[i].t) || r[i].t < 0 || !isfinite(r[i].p) ||
        !isfinite(r[i].f)) {
      free(r);
      free(t);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "F_vib table: row %d is not finite (T %g K, P %g "
                             "GPa, F %g eV/atom) or T < 0",
                             i + 1, temperature_k[i],
                             pressure_gpa ? pressure_gpa[i] : 0.0,
                             free_energy_per_atom_ev[i]);
    }
  }
  qsort(r, (size_t)n, sizeof *r, cmp_row);
  t->pressure = malloc((size_t)n * sizeof *t->pressure);
  t->offset = malloc((size_t)(n + 1) * sizeof *t->offset);
  t->t = malloc((size_t)n * sizeof *t->t);
  t->f = malloc((size_t)n * sizeof *t->f);
  nacre_status st = NACRE_OK;
  if (!t->pressure || !t->offset || !t->t || !t->f)
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "F_vib table");
  for (int i = 0; i < n && !st; i++) {
    if (i == 0 || r[i].p != r[i - 1].p) {
      t->pressure[t->npressures] = r[i].p;
      t->offset[t->npressures++] = i;
    } else if (r[i].t == r[i - 1].t) {
      st = nacre_error_set(err, NACRE_ERR_INVALID,
                           "F_vib table: T = %g K appears twice at P = %g GPa",
                           r[i].t, r[i].p);
    }
    t->t[i] = r[i].t;
    t->f[i] = r[i].f;
  }
  if (!st) t->offset[t->npressures] = n;
  free(r);
  if (st) {
    nacre_fvib_table_free(t);
    return st;
  }
  *out = t;
  return NACRE_OK;
}

int nacre_fvib_table_is_gibbs(const nacre_fvib_table *t) { return t->qha != NULL; }

void nacre_fvib_table_range(const nacre_fvib_table *t, double *t_min_k,
                            double *t_max_k) {
  if (t->qha) {
    *t_min_k = t->qha->temperatures_k[0];
    *t_max_k = t->qha->temperatures_k[t->qha->ntemperatures - 1];
    return;
  }
  /* the range every pressure covers */
  double lo = -INFINITY, hi = INFINITY;
  for (int p = 0; p < t->npressures; p++) {
    lo = fmax(lo, t->t[t->offset[p]]);
    hi = fmin(hi, t->t[t->offset[p + 1] - 1]);
  }
  *t_min_k = lo;
  *t_max_k = hi;
}

/* F at temperature tk along the rows of pressure p. */
static nacre_status along_t(const nacre_fvib_table *t, int p, double tk,
                            double *f, nacre_error *err) {
  int a = t->offset[p], b = t->offset[p + 1] - 1;
  const double tol = 1e-9 * fmax(1.0, fabs(tk));
  if (tk < t->t[a] - tol || tk > t->t[b] + tol)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "F_vib table: T = %g K is outside its range %g..%g "
                           "K (at P = %g GPa)",
                           tk, t->t[a], t->t[b], t->pressure[p]);
  if (a == b) {
    *f = t->f[a];
    return NACRE_OK;
  }
  int k = a;
  while (k + 1 < b && t->t[k + 1] < tk) k++;
  double w = (tk - t->t[k]) / (t->t[k + 1] - t->t[k]);
  w = fmin(1.0, fmax(0.0, w));
  *f = (1.0 - w) * t->f[k] + w * t->f[k + 1];
  return NACRE_OK;
}

nacre_status nacre_fvib_table_eval(const nacre_fvib_table *t,
                                   double temperature_k, double pressure_gpa,
                                   double *free_energy_per_atom_ev,
                                   nacre_error *err) {
  if (t->qha)
    return nacre_qha_table_gibbs(t->qha, temperature_k, pressure_gpa,
                                 free_energy_per_atom_ev, NULL, err);
  if (t->npressures == 1)
    return along_t(t, 0, temperature_k, free_energy_per_atom_ev, err);
  const double *pr = t->pressure;
  int np = t->npressures;
  const double tol = 1e-9 * fmax(1.0, fabs(pressure_gpa));
  if (pressure_gpa < pr[0] - tol || pressure_gpa > pr[np - 1] + tol)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "F_vib table: P = %g GPa is outside its range %g..%g "
                           "GPa",
                           pressure_gpa, pr[0], pr[np - 1]);
  int k = 0;
  while (k + 2 < np && pr[k + 1] < pressure_gpa) k++;
  double f0, f1;
  nacre_status st = along_t(t, k, temperature_k, &f0, err);
  if (!st) st = along_t(t, k + 1, temperature_k, &f1, err);
  if (st) return st;
  double w = fmin(1.0, fmax(0.0, (pressure_gpa - pr[k]) / (pr[k + 1] - pr[k])));
  *free_energy_per_atom_ev = (1.0 - w) * f0 + w * f1;
  return NACRE_OK;
}

/* ------------------------------------------------------------------ */
/* CSV                                                                  */
/* ------------------------------------------------------------------ */

nacre_status nacre_fvib_table_read(const char *path, nacre_fvib_table **out,
                                   nacre_error *err) {
  *out = NULL;
  nacre_table *t = NULL;
  nacre_status st = nacre_table_read(path, &t, err);
  if (st) return st;
  if (nacre_table_find(t, "gibbs_energy_per_atom_ev") >= 0) {
    /* nacre phonon's qha.csv: its own reader */
    nacre_table_free(t);
    nacre_fvib_table *g = calloc(1, sizeof *g);
    if (!g) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
    st = nacre_qha_table_read(path, &g->qha, err);
    if (st) {
      free(g);
      return st;
    }
    *out = g;
    return NACRE_OK;
  }
  int col_t = nacre_table_find(t, "temperature_k"),
      col_p = nacre_table_find(t, "pressure_gpa"),
      col_f = nacre_table_find(t, "vibrational_free_energy_per_atom_ev");
  int n = nacre_table_rows(t);
  if (col_t < 0 || col_f < 0)
    st = nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s: the header must name the columns temperature_k "
                         "and vibrational_free_energy_per_atom_ev (optionally "
                         "pressure_gpa), as nacre phonon's thermal.csv",
                         path);
  else if (n == 0)
    st = nacre_error_set(err, NACRE_ERR_PARSE, "%s: no rows", path);
  double *tk = st ? NULL : malloc((size_t)n * sizeof *tk);
  double *pg = st ? NULL : calloc((size_t)n, sizeof *pg);
  double *fe = st ? NULL : malloc((size_t)n * sizeof *fe);
  if (!st && (!tk || !pg || !fe))
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  if (!st) st = nacre_table_numeric(t, col_t, tk, err);
  if (!st && col_p >= 0) st = nacre_table_numeric(t, col_p, pg, err);
  if (!st) st = nacre_table_numeric(t, col_f, fe, err);
  nacre_table_free(t);
  if (!st) {
    st = nacre_fvib_table_new(n, tk, col_p >= 0 ? pg : NULL, fe, out, err);
    if (st) nacre_error_prefix(err, "%s: ", path);
  }
  free(tk);
  free(pg);
  free(fe);
  return st;
}

/* ------------------------------------------------------------------ */
/* Hulls over temperature                                               */
/* ------------------------------------------------------------------ */

nacre_status nacre_hull_temperature_scan(
    int nelements, int nentries, const double *amounts,
    const double *energies_ev, const nacre_fvib_table *const *tables,
    int allow_missing, double pressure_gpa, int ntemperatures,
    const double *temperatures_k, int *stable,
    double *e_above_hull_per_atom_ev, nacre_error *err) {
  if (nentries < 1 || ntemperatures < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "temperature scan: no entries or temperatures");
  for (int i = 0; i < nentries && !allow_missing; i++)
    if (!tables[i])
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "temperature scan: entry %d has no F_vib table",
                             i + 1);
  double *g = malloc((size_t)nentries * sizeof *g);
  if (!g) return nacre_error_set(err, NACRE_ERR_NOMEM, "temperature scan");
  nacre_status st = NACRE_OK;
  for (int t = 0; t < ntemperatures && !st; t++) {
    for (int i = 0; i < nentries && !st; i++) {
      double natoms = 0.0, f = 0.0;
      for (int k = 0; k < nelements; k++)
        natoms += amounts[(size_t)i * nelements + k];
      if (tables[i]) {
        st = nacre_fvib_table_eval(tables[i], temperatures_k[t], pressure_gpa,
                                   &f, err);
        if (st) nacre_error_prefix(err, "entry %d: ", i + 1);
      }
      /* a quasi-harmonic G(T, P) replaces the entry's energy; an F_vib
       * adds to it */
      g[i] = tables[i] && tables[i]->qha ? natoms * f : energies_ev[i] + natoms * f;
    }
    nacre_hull *h = NULL;
    if (!st) st = nacre_hull_new(nelements, nentries, amounts, g, &h, err);
    if (st) {
      nacre_error_prefix(err, "T = %g K: ", temperatures_k[t]);
      break;
    }
    for (int i = 0; i < nentries; i++) {
      const nacre_hull_point *p = nacre_hull_entry(h, i);
      if (stable) stable[(size_t)t * nentries + i] = p->stable;
      if (e_above_hull_per_atom_ev)
        e_above_hull_per_atom_ev[(size_t)t * nentries + i] =
            p->e_above_hull_per_atom_ev;
    }
    nacre_hull_free(h);
  }
  free(g);
  return st;
}
