/* transitions.c — enthalpy against pressure of competing structures and the
 * pressures where the lowest one changes (see nacre/thermo.h): every
 * structure followed up the pressure grid by relaxations through opt, its
 * space group checked after each, crossings by linear interpolation of
 * ΔH between grid points, the same at a temperature with each structure's
 * vibrational free energy (ΔG), and the ΔH(P) or ΔG(P) plot. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/sym.h"
#include "nacre/thermo.h"
#include "thermo_internal.h"

void nacre_transition_options_init(nacre_transition_options *o) {
  memset(o, 0, sizeof *o);
  nacre_relax_options_init(&o->relax);
  o->relax.fmax = 1e-3;
  o->relax.smax_gpa = 1e-3;
  o->symprec = NACRE_SYMPREC_DEFAULT;
  o->jobs = 1;
}

void nacre_transitions_free(nacre_transitions *t) {
  if (!t) return;
  free(t->pressure_gpa);
  free(t->enthalpy_per_atom_ev);
  free(t->volume_per_atom_a3);
  free(t->space_group);
  free(t->unconverged);
  free(t->lowest);
  free(t->crossings);
  free(t->gibbs_energy_per_atom_ev);
  free(t);
}

static nacre_transitions *alloc_result(int n, int np) {
  nacre_transitions *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->temperature_k = NAN;
  size_t cells = (size_t)n * np;
  t->nstructures = n;
  t->npressures = np;
  t->pressure_gpa = malloc((size_t)np * sizeof *t->pressure_gpa);
  t->enthalpy_per_atom_ev = malloc(cells * sizeof *t->enthalpy_per_atom_ev);
  t->volume_per_atom_a3 = malloc(cells * sizeof *t->volume_per_atom_a3);
  t->space_group = calloc(cells, sizeof *t->space_group);
  t->unconverged = calloc((size_t)n, sizeof *t->unconverged);
  t->lowest = malloc((size_t)np * sizeof *t->lowest);
  t->crossings = malloc((size_t)np * sizeof *t->crossings);
  if (!t->pressure_gpa || !t->enthalpy_per_atom_ev || !t->volume_per_atom_a3 ||
      !t->space_group || !t->unconverged || !t->lowest || !t->crossings) {
    nacre_transitions_free(t);
    return NULL;
  }
  for (size_t k = 0; k < cells; k++)
    t->enthalpy_per_atom_ev[k] = t->volume_per_atom_a3[k] = NAN;
  return t;
}

/* Follows structure i up the grid. */
static nacre_status follow(const nacre_potential *p, const nacre_structure *start,
                           int i, const nacre_transition_options *o,
                           nacre_transitions *t, nacre_transition_progress_fn cb,
                           void *cb_user, const nacre_ctx *ctx,
                           nacre_error *err) {
  nacre_calc *c = nacre_calc_new(p, -1.0, err);
  if (!c) return err ? err->status : NACRE_ERR_NOMEM;
  nacre_structure *s = nacre_structure_copy(start, err);
  nacre_status st = s ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
  for (int k = 0; k < t->npressures && !st; k++) {
    nacre_relax_options ro = o->relax;
    ro.pressure_gpa = t->pressure_gpa[k];
    ro.use_target_stress = 0;
    ro.progress = NULL;
    nacre_relax_result res;
    nacre_structure *trial = nacre_structure_copy(s, err);
    if (!trial) {
      st = err ? err->status : NACRE_ERR_NOMEM;
      break;
    }
    st = nacre_relax(c, trial, &ro, ctx, &res, err);
    if (st) {
      nacre_structure_free(trial);
      nacre_error_prefix(err, "structure %d at %g GPa: ", i + 1, ro.pressure_gpa);
      break;
    }
    int usable = res.outcome == NACRE_RELAX_CONVERGED ||
                 res.outcome == NACRE_RELAX_NOT_CONVERGED;
    size_t at = (size_t)i * t->npressures + k;
    if (usable) {
      t->enthalpy_per_atom_ev[at] = res.enthalpy / trial->natoms;
      t->volume_per_atom_a3[at] = res.volume / trial->natoms;
      t->unconverged[i] += res.outcome == NACRE_RELAX_NOT_CONVERGED;
      nacre_symmetry *sym = NULL;
      if (!nacre_symmetry_analyze_flags(trial, o->symprec,
                                        NACRE_SYM_SPGLIB_ORIGIN | NACRE_SYM_NO_PERMS,
                                        &sym, NULL))
        t->space_group[at] = sym->sg_number;
      nacre_symmetry_free(sym);
      nacre_structure_free(s); /* continue from the relaxed structure */
      s = trial;
    } else {
      nacre_structure_free(trial); /* keep the last good structure */
    }
    if (cb) cb(cb_user, i, k, usable ? res.enthalpy : NAN,
               nacre_relax_outcome_name(res.outcome));
  }
  nacre_structure_free(s);
  nacre_calc_free(c);
  return st;
}

/* What the structures are ranked by: G at a temperature, H otherwise. */
static const double *ranked(const nacre_transitions *t) {
  return t->gibbs_energy_per_atom_ev ? t->gibbs_energy_per_atom_ev : t->enthalpy_per_atom_ev;
}

int nacre_transitions_crossings(const nacre_transitions *t, int i, int j,
                                double *pressures_gpa, int max) {
  int n = 0;
  const double *hi = &ranked(t)[(size_t)i * t->npressures];
  const double *hj = &ranked(t)[(size_t)j * t->npressures];
  for (int k = 0; k + 1 < t->npressures; k++) {
    double d0 = hi[k] - hj[k], d1 = hi[k + 1] - hj[k + 1];
    if (!isfinite(d0) || !isfinite(d1)) continue;
    if ((d0 < 0 && d1 >= 0) || (d0 > 0 && d1 <= 0)) {
      if (d1 == 0 && k + 2 < t->npressures) continue; /* counted next step */
      double p0 = t->pressure_gpa[k], p1 = t->pressure_gpa[k + 1];
      if (n < max) pressures_gpa[n] = p0 + (p1 - p0) * d0 / (d0 - d1);
      n++;
    }
  }
  return n;
}

static void find_lowest(nacre_transitions *t) {
  const double *g = ranked(t);
  t->ncrossings = 0;
  for (int k = 0; k < t->npressures; k++) {
    int best = -1;
    for (int i = 0; i < t->nstructures; i++) {
      double h = g[(size_t)i * t->npressures + k];
      if (isfinite(h) && (best < 0 || h < g[(size_t)best * t->npressures + k])) best = i;
    }
    t->lowest[k] = best;
    if (k > 0 && best >= 0 && t->lowest[k - 1] >= 0 && best != t->lowest[k - 1]) {
      double p[64];
      int from = t->lowest[k - 1], m = nacre_transitions_crossings(t, from, best, p, 64);
      double pk = NAN;
      for (int c = 0; c < m && c < 64; c++)
        if (p[c] >= t->pressure_gpa[k - 1] && p[c] <= t->pressure_gpa[k]) pk = p[c];
      t->crossings[t->ncrossings].from = from;
      t->crossings[t->ncrossings].to = best;
      t->crossings[t->ncrossings++].pressure_gpa = pk;
    }
  }
}

nacre_status nacre_transitions_run(const nacre_potential *p,
                                   nacre_structure *const *structures, int n,
                                   const double *pressures_gpa, int npressures,
                                   const nacre_transition_options *o,
                                   nacre_transition_progress_fn progress,
                                   void *progress_user, const nacre_ctx *ctx,
                                   nacre_transitions **out, nacre_error *err) {
  *out = NULL;
  nacre_transition_options defaults;
  if (!o) {
    nacre_transition_options_init(&defaults);
    o = &defaults;
  }
  if (n < 1 || npressures < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "transitions: need structures and pressures");
  for (int k = 0; k < npressures; k++)
    if (!isfinite(pressures_gpa[k]) || (k && pressures_gpa[k] <= pressures_gpa[k - 1]))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "transitions: pressures must ascend (%g after %g GPa)",
                             pressures_gpa[k], k ? pressures_gpa[k - 1] : 0.0);
  for (int i = 0; i < n; i++) {
    nacre_status st = nacre_potential_supports(p, structures[i], err);
    if (st) return nacre_error_prefix(err, "structure %d: ", i + 1);
  }
  nacre_transitions *t = alloc_result(n, npressures);
  if (!t) return nacre_error_set(err, NACRE_ERR_NOMEM, "transitions");
  memcpy(t->pressure_gpa, pressures_gpa, (size_t)npressures * sizeof *pressures_gpa);
  nacre_status st = NACRE_OK;
  int jobs = o->jobs > 1 ? o->jobs : 1;
  nacre_error *errs = calloc((size_t)n, sizeof *errs);
  nacre_status *sts = calloc((size_t)n, sizeof *sts);
  if (!errs || !sts) st = nacre_error_set(err, NACRE_ERR_NOMEM, "transitions");
  if (!st) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(jobs) if (jobs > 1)
    for (int i = 0; i < n; i++)
      sts[i] = follow(p, structures[i], i, o, t, progress, progress_user, ctx,
                      &errs[i]);
    for (int i = 0; i < n && !st; i++)
      if (sts[i]) {
        st = sts[i];
        if (err) *err = errs[i];
      }
  }
  free(errs);
  free(sts);
  if (st) {
    nacre_transitions_free(t);
    return st;
  }
  find_lowest(t);
  *out = t;
  return NACRE_OK;
}

nacre_status nacre_transitions_at_temperature(nacre_transitions *t,
                                              const nacre_fvib_table *const *tables,
                                              double temperature_k, nacre_error *err) {
  if (!(temperature_k >= 0) || !isfinite(temperature_k))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "transitions: temperature %g K must be finite and >= 0",
                           temperature_k);
  int np = t->npressures;
  size_t cells = (size_t)t->nstructures * np;
  double *g = malloc((cells ? cells : 1) * sizeof *g);
  if (!g) return nacre_error_set(err, NACRE_ERR_NOMEM, "transitions");
  for (int i = 0; i < t->nstructures; i++)
    for (int k = 0; k < np; k++) {
      size_t at = (size_t)i * np + k;
      double h = t->enthalpy_per_atom_ev[at], f = 0.0;
      if (tables && tables[i] && isfinite(h)) {
        nacre_status st = nacre_fvib_table_eval(tables[i], temperature_k,
                                                t->pressure_gpa[k], &f, err);
        if (st) {
          free(g);
          return nacre_error_prefix(err, "structure %d at %g K and %g GPa: ", i + 1,
                                    temperature_k, t->pressure_gpa[k]);
        }
        if (nacre_fvib_table_is_gibbs(tables[i])) h = 0.0; /* G replaces H */
      }
      g[at] = h + f;
    }
  free(t->gibbs_energy_per_atom_ev);
  t->gibbs_energy_per_atom_ev = g;
  t->temperature_k = temperature_k;
  find_lowest(t);
  return NACRE_OK;
}

/* ------------------------------------------------------------------ */
/* Plot                                                                 */
/* ------------------------------------------------------------------ */

static const char *const COLOURS[8] = {"#1f4e9e", "#c0392b", "#27ae60", "#8e44ad",
                                       "#d35400", "#16a085", "#7f8c8d", "#2c3e50"};

nacre_status nacre_transitions_svg(const char *path, const nacre_transitions *t,
                                   const char *const *labels, int reference,
                                   nacre_error *err) {
  if (reference < 0 || reference >= t->nstructures)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "transitions plot: reference %d out of range",
                           reference + 1);
  int np = t->npressures;
  double *x = malloc((size_t)np * sizeof *x), *y = malloc((size_t)np * sizeof *y);
  if (!x || !y) {
    free(x);
    free(y);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "transitions plot");
  }
  const double *g = ranked(t);
  const double *href = &g[(size_t)reference * np];
  double y0 = 0, y1 = 0;
  for (int i = 0; i < t->nstructures; i++)
    for (int k = 0; k < np; k++) {
      double d = 1000 * (g[(size_t)i * np + k] - href[k]);
      if (isfinite(d)) {
        y0 = fmin(y0, d);
        y1 = fmax(y1, d);
      }
    }
  double x0 = t->pressure_gpa[0], x1 = t->pressure_gpa[np - 1];
  svg_nice_range(&x0, &x1, 6);
  svg_nice_range(&y0, &y1, 6);
  char *tmp;
  FILE *fp = thermo_file_open(path, &tmp, err);
  if (!fp) {
    free(x);
    free(y);
    return err ? err->status : NACRE_ERR_IO;
  }
  svg_begin(fp, 820, 460);
  svg_panel pan = {x0, x1, y0, y1, 90, 30, 560, 360};
  char ylab[160];
  const char *ref_label = labels && labels[reference] ? labels[reference] : "reference";
  if (t->gibbs_energy_per_atom_ev)
    snprintf(ylab, sizeof ylab, "G - G(%s) at %g K (meV/atom)", ref_label, t->temperature_k);
  else
    snprintf(ylab, sizeof ylab, "H - H(%s) (meV/atom)", ref_label);
  svg_axes(fp, &pan, "%g", "%g", "pressure (GPa)", ylab);
  for (int i = 0; i < t->nstructures; i++) {
    const char *col = COLOURS[i % 8];
    /* one polyline per run of finite values */
    int m = 0;
    for (int k = 0; k <= np; k++) {
      double d = k < np ? 1000 * (g[(size_t)i * np + k] - href[k]) : NAN;
      if (isfinite(d)) {
        x[m] = t->pressure_gpa[k];
        y[m++] = d;
        continue;
      }
      svg_polyline(fp, &pan, x, y, m, col, 2, NULL);
      for (int q = 0; q < m; q++)
        svg_circle(fp, svg_px(&pan, x[q]), svg_py(&pan, y[q]), 2.5, col, NULL);
      m = 0;
    }
    char lab[96];
    snprintf(lab, sizeof lab, "%s", labels && labels[i] ? labels[i] : "");
    if (!lab[0]) snprintf(lab, sizeof lab, "structure %d", i + 1);
    svg_line_px(fp, 670, 50 + 20 * i, 690, 50 + 20 * i, col, 2, NULL);
    svg_text(fp, 696, 54 + 20 * i, "start", 12, "black", lab);
  }
  for (int c = 0; c < t->ncrossings; c++) {
    double pc = t->crossings[c].pressure_gpa;
    if (!isfinite(pc)) continue;
    double px = svg_px(&pan, pc);
    svg_line_px(fp, px, pan.top, px, pan.top + pan.height, "#999999", 1, "4,3");
    char lab[48];
    snprintf(lab, sizeof lab, "%.1f GPa", pc);
    svg_text(fp, px + 3, pan.top + 14 + 14 * (c % 2), "start", 11, "#555555", lab);
  }
  svg_end(fp);
  free(x);
  free(y);
  return thermo_file_commit(fp, path, tmp, err);
}
