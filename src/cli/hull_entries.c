/* hull_entries.c — collects `nacre hull`'s entries from CSV tables,
 * structure files with energies and search run files (see
 * hull_entries.h). */
#include "hull_entries.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/io.h"
#include "nacre/search.h"
#include "nacre/sym.h"

void hull_entries_free(hull_entries *l) {
  free(l->e);
  l->e = NULL;
  l->n = l->cap = 0;
}

static hull_entry *push(hull_entries *l, nacre_error *err) {
  if (l->n == l->cap) {
    int cap = l->cap ? 2 * l->cap : 64;
    hull_entry *e = realloc(l->e, (size_t)cap * sizeof *e);
    if (!e) {
      nacre_error_set(err, NACRE_ERR_NOMEM, "hull entries");
      return NULL;
    }
    l->e = e;
    l->cap = cap;
  }
  hull_entry *e = &l->e[l->n++];
  memset(e, 0, sizeof *e);
  return e;
}

/* "Li7Sn2", "Na3Zr2Si2PO12", "Li0.5Sn0.5": symbols with optional counts. */
nacre_status hull_parse_formula(const char *text, hull_entry *e,
                                nacre_error *err) {
  const char *p = text;
  memset(e, 0, sizeof *e);
  e->natoms = 0;
  while (*p) {
    size_t len;
    int z = nacre_element_z_prefix(p, &len);
    if (!z || !(p[0] >= 'A' && p[0] <= 'Z'))
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "formula '%s': no element symbol at '%s'", text, p);
    p += len;
    double c = 1.0;
    if ((*p >= '0' && *p <= '9') || *p == '.') {
      char *end;
      errno = 0;
      c = strtod(p, &end);
      if (end == p || errno || !(c > 0) || !isfinite(c))
        return nacre_error_set(err, NACRE_ERR_PARSE,
                               "formula '%s': bad count at '%s'", text, p);
      p = end;
    }
    int k = 0;
    while (k < e->nz && e->z[k] != z) k++;
    if (k == e->nz) {
      if (e->nz == NACRE_HULL_MAX_ELEMENTS)
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "formula '%s': more than %d elements", text,
                               NACRE_HULL_MAX_ELEMENTS);
      e->z[e->nz] = z;
      e->count[e->nz++] = 0;
    }
    e->count[k] += c;
    e->natoms += c;
  }
  if (!e->nz)
    return nacre_error_set(err, NACRE_ERR_PARSE, "empty formula");
  snprintf(e->formula, sizeof e->formula, "%s", text);
  return NACRE_OK;
}

static void formula_of(hull_entry *e) {
  size_t len = 0;
  e->formula[0] = '\0';
  for (int k = 0; k < e->nz && len < sizeof e->formula; k++) {
    const nacre_element *el = nacre_element_by_z(e->z[k]);
    if (e->count[k] == 1)
      len += (size_t)snprintf(e->formula + len, sizeof e->formula - len, "%s",
                              el ? el->symbol : "X");
    else
      len += (size_t)snprintf(e->formula + len, sizeof e->formula - len, "%s%g",
                              el ? el->symbol : "X", e->count[k]);
  }
}

static void composition_of(const nacre_structure *s, hull_entry *e) {
  e->nz = 0;
  for (int i = 0; i < s->natoms; i++) {
    int k = 0;
    while (k < e->nz && e->z[k] != s->numbers[i]) k++;
    if (k == e->nz && e->nz < NACRE_HULL_MAX_ELEMENTS) {
      e->z[e->nz] = s->numbers[i];
      e->count[e->nz++] = 0;
    }
    if (k < NACRE_HULL_MAX_ELEMENTS) e->count[k] += 1;
  }
  e->natoms = s->natoms;
  formula_of(e);
}

/* ------------------------------------------------------------------ */
/* CSV                                                                  */
/* ------------------------------------------------------------------ */

static nacre_status add_csv(hull_entries *l, const char *path,
                            nacre_error *err) {
  nacre_table *t = NULL;
  nacre_status st = nacre_table_read(path, &t, err);
  if (st) return st;
  /* directory of the CSV, for relative F_vib table paths */
  char dir[512] = "";
  const char *slash = strrchr(path, '/');
  if (slash && (size_t)(slash - path) < sizeof dir - 1)
    snprintf(dir, sizeof dir, "%.*s/", (int)(slash - path), path);
  int c_name = nacre_table_find(t, "name"),
      c_formula = nacre_table_find(t, "formula"), c_e = -1,
      c_vol = nacre_table_find(t, "volume_a3"),
      c_fvib = nacre_table_find(t, "fvib_file"), e_per_atom = 0, e_is_h = 0,
      v_per_atom = 0;
  static const char *const ecols[4] = {"energy_ev", "energy_per_atom_ev",
                                       "enthalpy_ev", "enthalpy_per_atom_ev"};
  for (int k = 0; k < 4 && c_e < 0; k++)
    if ((c_e = nacre_table_find(t, ecols[k])) >= 0) {
      e_per_atom = k % 2;
      e_is_h = k / 2;
    }
  if (c_vol < 0 && (c_vol = nacre_table_find(t, "volume_per_atom_a3")) >= 0)
    v_per_atom = 1;
  if (c_formula < 0 || c_e < 0)
    st = nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s: the header needs a formula column and one of "
                         "energy_ev, energy_per_atom_ev, enthalpy_ev, "
                         "enthalpy_per_atom_ev",
                         path);
  else if (l->have_pressure && l->pressure_gpa != 0 && !e_is_h && c_vol < 0)
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "%s: at %g GPa the enthalpy needs a volume_a3 or "
                         "volume_per_atom_a3 column (or give enthalpy_ev)",
                         path, l->pressure_gpa);
  for (int r = 0; !st && r < nacre_table_rows(t); r++) {
    hull_entry *e = push(l, err);
    if (!e) {
      st = NACRE_ERR_NOMEM;
      break;
    }
    st = hull_parse_formula(nacre_table_cell(t, r, c_formula), e, err);
    if (st) {
      nacre_error_prefix(err, "%s:%d: ", path, nacre_table_line(t, r));
      break;
    }
    double v;
    st = nacre_table_number(t, r, c_e, &v, err);
    if (st) break;
    e->energy_ev = e_per_atom ? v * e->natoms : v;
    if (!e_is_h && l->have_pressure && l->pressure_gpa != 0) {
      double vol;
      st = nacre_table_number(t, r, c_vol, &vol, err);
      if (st) break;
      if (v_per_atom) vol *= e->natoms;
      e->energy_ev += l->pressure_gpa * NACRE_GPA_TO_EV_A3 * vol;
    }
    const char *name = c_name >= 0 ? nacre_table_cell(t, r, c_name) : "";
    snprintf(e->name, sizeof e->name, "%s", name[0] ? name : e->formula);
    const char *fvib = c_fvib >= 0 ? nacre_table_cell(t, r, c_fvib) : "";
    if (fvib[0])
      snprintf(e->fvib, sizeof e->fvib, "%s%s", fvib[0] == '/' ? "" : dir,
               fvib);
  }
  nacre_table_free(t);
  return st;
}

/* ------------------------------------------------------------------ */
/* Structure files with energies                                        */
/* ------------------------------------------------------------------ */

static nacre_status add_frame(hull_entries *l, const nacre_frame *f,
                              const char *path, int index, nacre_error *err) {
  if (!(f->has & (NACRE_FRAME_ENERGY | NACRE_FRAME_FREE_ENERGY)))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s, frame %d: no energy", path, index);
  hull_entry *e = push(l, err);
  if (!e) return NACRE_ERR_NOMEM;
  composition_of(f->s, e);
  double energy = (f->has & NACRE_FRAME_ENERGY) ? f->energy : f->free_energy;
  e->energy_ev = energy + l->pressure_gpa * NACRE_GPA_TO_EV_A3 *
                              fabs(nacre_structure_volume(f->s));
  const char *name = nacre_frame_get_info(f, "name");
  if (!name) name = nacre_frame_get_info(f, "config_type");
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if (name)
    snprintf(e->name, sizeof e->name, "%s", name);
  else
    snprintf(e->name, sizeof e->name, "%s@%d", base, index);
  const char *fv = nacre_frame_get_info(f, "fvib_file");
  if (fv) snprintf(e->fvib, sizeof e->fvib, "%s", fv);
  return NACRE_OK;
}

static nacre_status add_structures(hull_entries *l, const char *path,
                                   nacre_error *err) {
  nacre_frame f;
  nacre_frame_init(&f);
  nacre_status st = NACRE_OK;
  char *file = NULL;
  int index, has_index;
  st = nacre_spec_parse(path, &file, &index, &has_index, err);
  if (st) return st;
  if (!has_index && nacre_format_guess(file) == NACRE_FORMAT_EXTXYZ) {
    nacre_xyz_reader *r = nacre_xyz_open(file, err);
    if (!r) {
      free(file);
      return err->status;
    }
    for (int k = 0;; k++) {
      int eof = 0;
      st = nacre_xyz_next(r, &f, &eof, err);
      if (eof) {
        st = k ? NACRE_OK
               : nacre_error_set(err, NACRE_ERR_PARSE, "%s: no frames", file);
        break;
      }
      if (st || (st = add_frame(l, &f, file, k, err))) break;
    }
    nacre_xyz_close(r);
  } else {
    st = nacre_read_frame(path, &f, err);
    if (!st) st = add_frame(l, &f, path, has_index ? index : 0, err);
  }
  nacre_frame_clear(&f);
  free(file);
  return st;
}

/* ------------------------------------------------------------------ */
/* Search run files                                                     */
/* ------------------------------------------------------------------ */

static nacre_status add_run(hull_entries *l, const char *path,
                            const nacre_ctx *ctx, nacre_error *err) {
  nacre_run *run = NULL;
  nacre_status st = nacre_run_open_readonly(path, &run, err);
  if (st) return st;
  const nacre_search_config *cfg = nacre_run_config(run);
  double prun = cfg->pressure_gpa;
  if (!l->have_pressure) {
    if (l->run_pressure_set && fabs(prun - l->pressure_gpa) > 1e-9) {
      nacre_run_close(run);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "%s was run at %g GPa, an earlier run at %g GPa: "
                             "give --pressure to compare them at one pressure",
                             path, prun, l->pressure_gpa);
    }
    l->pressure_gpa = prun;
    l->run_pressure_set = 1;
  } else if (fabs(prun - l->pressure_gpa) > 1e-9) {
    nacre_log(ctx, NACRE_LOG_WARN,
              "%s: minima relaxed at %g GPa are taken at %g GPa as E + PV "
              "without relaxing them again",
              path, prun, l->pressure_gpa);
  }
  nacre_candidate *c = NULL;
  long n = 0;
  st = nacre_run_load_done(run, &c, &n, err);
  long *order = st ? NULL : malloc((size_t)(n > 0 ? n : 1) * sizeof *order);
  if (!st && !order) st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  if (!st) {
    long m = nacre_candidates_rank(c, n, order);
    if (m == 0)
      st = nacre_error_set(err, NACRE_ERR_INVALID, "%s: no relaxed minima yet",
                           path);
    if (l->top > 0 && m > l->top) m = l->top;
    for (long r = 0; r < m && !st; r++) {
      const nacre_candidate *k = &c[order[r]];
      hull_entry *e = push(l, err);
      if (!e) {
        st = NACRE_ERR_NOMEM;
        break;
      }
      composition_of(k->relaxed, e);
      /* the formula as the run names its composition (Li3Sn3, not the
       * order the atoms happen to come in; a composition range names each
       * minimum by its own atoms) */
      const nacre_composition *cc = &cfg->composition;
      if (!nacre_search_config_varcomp(cfg) &&
          nacre_composition_natoms(cc) == k->relaxed->natoms &&
          cc->nspecies <= NACRE_HULL_MAX_ELEMENTS) {
        e->nz = cc->nspecies;
        for (int j = 0; j < cc->nspecies; j++) {
          e->z[j] = cc->z[j];
          e->count[j] = cc->count[j];
        }
        formula_of(e);
      }
      e->energy_ev = fabs(prun - l->pressure_gpa) <= 1e-9
                         ? k->enthalpy
                         : k->energy + l->pressure_gpa * NACRE_GPA_TO_EV_A3 *
                                           fabs(nacre_structure_volume(k->relaxed));
      snprintf(e->name, sizeof e->name, "%.60s %.15s#%ld", e->formula,
               k->pearson[0] ? k->pearson : "?", k->id);
    }
  }
  free(order);
  nacre_candidates_free(c, n);
  nacre_run_close(run);
  return st;
}

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && !strcmp(s + a - b, suffix);
}

nacre_status hull_entries_add(hull_entries *l, const char *path,
                              const nacre_ctx *ctx, nacre_error *err) {
  if (ends_with(path, ".csv")) return add_csv(l, path, err);
  if (ends_with(path, ".db") || ends_with(path, ".sqlite"))
    return add_run(l, path, ctx, err);
  return add_structures(l, path, err);
}

static long gcd_long(long a, long b) {
  while (b) {
    long t = a % b;
    a = b;
    b = t;
  }
  return a;
}

void hull_entries_reduce(hull_entries *l) {
  for (int i = 0; i < l->n; i++) {
    hull_entry *e = &l->e[i];
    long g = 0;
    int integral = 1;
    for (int k = 0; k < e->nz; k++) {
      integral &= e->count[k] == floor(e->count[k]) && e->count[k] < 1e9;
      if (integral) g = gcd_long(g, (long)e->count[k]);
    }
    if (!integral || g < 1) g = 1;
    size_t len = 0;
    e->reduced[0] = '\0';
    for (int k = 0; k < e->nz && len < sizeof e->reduced; k++) {
      const nacre_element *el = nacre_element_by_z(e->z[k]);
      double c = e->count[k] / (double)g;
      if (c == 1)
        len += (size_t)snprintf(e->reduced + len, sizeof e->reduced - len, "%s",
                                el ? el->symbol : "X");
      else
        len += (size_t)snprintf(e->reduced + len, sizeof e->reduced - len, "%s%g",
                                el ? el->symbol : "X", c);
    }
  }
}

nacre_status hull_entries_elements(const hull_entries *l, const char *order,
                                   int *z, int *nel, nacre_error *err) {
  *nel = 0;
  if (order) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", order);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
      int zk = nacre_element_z(t);
      if (!zk)
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "--elements: unknown element '%s'", t);
      if (*nel == NACRE_HULL_MAX_ELEMENTS)
        return nacre_error_set(err, NACRE_ERR_INVALID, "--elements: too many");
      z[(*nel)++] = zk;
    }
  }
  int named = *nel;
  for (int i = 0; i < l->n; i++)
    for (int k = 0; k < l->e[i].nz; k++) {
      int j = 0;
      while (j < *nel && z[j] != l->e[i].z[k]) j++;
      if (j < *nel) continue;
      const nacre_element *el = nacre_element_by_z(l->e[i].z[k]);
      if (named)
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "entry '%s' holds %s, which --elements does not "
                               "list",
                               l->e[i].name, el ? el->symbol : "?");
      if (*nel == NACRE_HULL_MAX_ELEMENTS)
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "more than %d elements", NACRE_HULL_MAX_ELEMENTS);
      z[(*nel)++] = l->e[i].z[k];
    }
  return NACRE_OK;
}

nacre_status hull_entries_arrays(const hull_entries *l, const int *z, int nel,
                                 double **amounts, double **energies,
                                 nacre_error *err) {
  *amounts = calloc((size_t)(l->n ? l->n : 1) * nel, sizeof **amounts);
  *energies = malloc((size_t)(l->n ? l->n : 1) * sizeof **energies);
  if (!*amounts || !*energies) {
    free(*amounts);
    free(*energies);
    *amounts = *energies = NULL;
    return nacre_error_set(err, NACRE_ERR_NOMEM, "hull entries");
  }
  for (int i = 0; i < l->n; i++) {
    for (int k = 0; k < l->e[i].nz; k++)
      for (int j = 0; j < nel; j++)
        if (z[j] == l->e[i].z[k]) (*amounts)[(size_t)i * nel + j] = l->e[i].count[k];
    (*energies)[i] = l->e[i].energy_ev;
  }
  return NACRE_OK;
}
