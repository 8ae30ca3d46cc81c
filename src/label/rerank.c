/* rerank.c — the best minima of a search relaxed again with a DFT code at
 * the search's pressure (the drivers' relaxation mode), their enthalpies
 * next to the potential's and the two rankings; a journal of relaxed
 * frames makes it resumable. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label_internal.h"
#include "nacre/io.h"

void nacre_rerank_settings(const nacre_label_options *opt, char *buf,
                           size_t len) {
  label_settings set;
  label_resolve(opt, &set);
  double fmax = opt->relax_fmax_ev_a > 0 ? opt->relax_fmax_ev_a : 0.01;
  double smax = opt->relax_smax_gpa > 0 ? opt->relax_smax_gpa : 0.1;
  if (opt->code == NACRE_LABEL_POTENTIAL) {
    snprintf(buf, len, "potential:%s fmax_ev_a=%.6g smax_gpa=%.6g",
             opt->potential ? opt->potential : "", fmax, smax);
    return;
  }
  const char *name = nacre_label_code_name(opt->code);
  snprintf(buf, len,
           "%s ecut_ev=%.6g dens_factor=%.6g kspacing=%.6g smearing_ev=%.6g "
           "scf_tol_ev=%.6g cell=%s template=%s pseudo_files=%s "
           "fmax_ev_a=%.6g smax_gpa=%.6g",
           name ? name : "unknown", set.ecut_ev, set.ecut_dens_factor,
           set.kspacing, set.smearing_ev, set.scf_tol_ev,
           nacre_label_cell_name(opt->cell) ? nacre_label_cell_name(opt->cell)
                                            : "auto",
           opt->template_path ? opt->template_path : "built-in",
           opt->pseudo_files ? opt->pseudo_files : "auto", fmax, smax);
}

void nacre_rerank_entries_clear(nacre_rerank_entry *e, int n) {
  for (int k = 0; k < n; k++) {
    nacre_structure_free(e[k].relaxed);
    e[k].relaxed = NULL;
  }
}

/* The end point's figures: E, H = E + P·V at the target pressure, V per
 * atom, the pressure −tr σ/3 and the largest force. */
static void entry_figures(nacre_rerank_entry *e, const nacre_structure *s,
                          double energy_ev, const double stress[6],
                          const double *forces, double pressure_gpa) {
  int n = s->natoms > 0 ? s->natoms : 1;
  double v = nacre_structure_volume(s);
  e->energy_per_atom_ev = energy_ev / n;
  e->volume_per_atom_a3 = v / n;
  e->enthalpy_per_atom_ev =
      (energy_ev + pressure_gpa * NACRE_GPA_TO_EV_A3 * v) / n;
  e->pressure_gpa =
      -(stress[0] + stress[1] + stress[2]) / 3.0 * NACRE_EV_A3_TO_GPA;
  double fmax = 0;
  for (int i = 0; forces && i < s->natoms; i++) {
    const double *f = forces + 3 * i;
    double a = sqrt(f[0] * f[0] + f[1] * f[1] + f[2] * f[2]);
    if (a > fmax) fmax = a;
  }
  e->fmax_ev_a = fmax;
}

/* A frame of output taken back into its entry, after checking it was made
 * at this pressure with these settings. */
static nacre_status resume_frame(const nacre_frame *f, const char *output,
                                 long index, double pressure_gpa,
                                 const char *settings, nacre_rerank_entry *e,
                                 nacre_error *err) {
  const char *p = nacre_frame_get_info(f, "rerank_pressure_gpa");
  const char *set = nacre_frame_get_info(f, "rerank_settings");
  if (!p || !set || !(f->has & NACRE_FRAME_ENERGY) ||
      !(f->has & NACRE_FRAME_STRESS))
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: frame %ld is not a re-ranking frame (no "
                           "rerank_pressure_gpa, rerank_settings, energy or "
                           "stress)",
                           output, index + 1);
  if (fabs(atof(p) - pressure_gpa) > 1e-6 * (1 + fabs(pressure_gpa)))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s holds relaxations at %s GPa, this run is at "
                           "%.6g GPa: give another output (-o)",
                           output, p, pressure_gpa);
  if (strcmp(set, settings))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s holds relaxations made with '%s', this run "
                           "asks for '%s': give another output (-o) or the "
                           "same settings",
                           output, set, settings);
  const char *steps = nacre_frame_get_info(f, "relax_steps");
  const char *conv = nacre_frame_get_info(f, "relax_converged");
  const char *wall = nacre_frame_get_info(f, "label_wall_s");
  e->relaxed = nacre_structure_copy(f->s, err);
  if (!e->relaxed) return err ? err->status : NACRE_ERR_NOMEM;
  entry_figures(e, f->s, f->energy, f->stress,
                (f->has & NACRE_FRAME_FORCES) ? f->forces : NULL, pressure_gpa);
  e->relax_steps = steps ? atoi(steps) : 0;
  e->relax_converged = conv && (!strcmp(conv, "T") || !strcmp(conv, "1"));
  e->wall_s = wall ? atof(wall) : 0;
  e->done = e->resumed = 1;
  return NACRE_OK;
}

/* Reads what an earlier run left in output (its incomplete last frame cut
 * off) into the entries whose label_id it holds. */
static nacre_status resume(const char *output, double pressure_gpa,
                           const char *settings, nacre_rerank_entry *e, int n,
                           char (*ids)[40], nacre_error *err) {
  char **done = NULL;
  int ndone = 0;
  nacre_status st = nacre_label_scan_done(output, 1, &done, &ndone, err);
  nacre_label_free_ids(done, ndone);
  if (st || ndone == 0) return st;
  nacre_xyz_reader *r = nacre_xyz_open(output, err);
  if (!r) return err ? err->status : NACRE_ERR_IO;
  nacre_frame f;
  nacre_frame_init(&f);
  for (long index = 0; !st; index++) {
    int eof = 0;
    st = nacre_xyz_next(r, &f, &eof, err);
    if (eof) {
      st = NACRE_OK;
      break;
    }
    if (st) break;
    const char *id = nacre_frame_get_info(&f, "label_id");
    for (int k = 0; id && k < n; k++)
      if (!strcmp(ids[k], id) && !e[k].done)
        st = resume_frame(&f, output, index, pressure_gpa, settings, &e[k],
                          err);
  }
  nacre_frame_clear(&f);
  nacre_xyz_close(r);
  return st;
}

/* One relaxation appended to output. */
static nacre_status record(const nacre_label_result *r, const char *code,
                           const char *id, const char *settings,
                           double pressure_gpa, const nacre_rerank_entry *e,
                           const char *output, nacre_error *err) {
  char pressure[32], h[40], steps[16];
  snprintf(pressure, sizeof pressure, "%.10g", pressure_gpa);
  snprintf(h, sizeof h, "%.12g", e->potential_enthalpy_per_atom_ev);
  snprintf(steps, sizeof steps, "%d", r->relax_steps);
  char *key[] = {"rerank_name", "rerank_pressure_gpa", "rerank_settings",
                 "potential_enthalpy_per_atom_ev", "relax_steps",
                 "relax_converged"};
  char *value[] = {(char *)e->name, pressure, (char *)settings, h, steps,
                   r->relax_converged ? "T" : "F"};
  nacre_label_keys keys = {6, key, value};
  char *text = NULL;
  size_t len = 0;
  nacre_status st = nacre_label_frame_text(r->relaxed, &keys, r, code, id,
                                           &text, &len, err);
  if (!st) st = nacre_label_append(output, text, len, err);
  free(text);
  return st;
}

static int by_potential(const void *a, const void *b) {
  const nacre_rerank_entry *x = *(nacre_rerank_entry *const *)a,
                           *y = *(nacre_rerank_entry *const *)b;
  return (x->potential_enthalpy_per_atom_ev > y->potential_enthalpy_per_atom_ev) -
         (x->potential_enthalpy_per_atom_ev < y->potential_enthalpy_per_atom_ev);
}
static int by_dft(const void *a, const void *b) {
  const nacre_rerank_entry *x = *(nacre_rerank_entry *const *)a,
                           *y = *(nacre_rerank_entry *const *)b;
  return (x->enthalpy_per_atom_ev > y->enthalpy_per_atom_ev) -
         (x->enthalpy_per_atom_ev < y->enthalpy_per_atom_ev);
}

/* Kendall's τ-b of the two enthalpies over the done entries. */
static double kendall_tau_b(const nacre_rerank_entry *e, int n) {
  long conc = 0, disc = 0, tx = 0, ty = 0, m = 0;
  for (int i = 0; i < n; i++) {
    if (!e[i].done) continue;
    m++;
    for (int j = i + 1; j < n; j++) {
      if (!e[j].done) continue;
      double dx = e[i].potential_enthalpy_per_atom_ev -
                  e[j].potential_enthalpy_per_atom_ev;
      double dy = e[i].enthalpy_per_atom_ev - e[j].enthalpy_per_atom_ev;
      if (dx == 0 && dy == 0) continue;
      if (dx == 0) tx++;
      else if (dy == 0) ty++;
      else if ((dx > 0) == (dy > 0)) conc++;
      else disc++;
    }
  }
  double d = sqrt((double)(conc + disc + tx) * (double)(conc + disc + ty));
  return m < 2 || d == 0 ? NAN : (double)(conc - disc) / d;
}

static nacre_status rank(nacre_rerank_entry *e, int n,
                         nacre_rerank_summary *sum, nacre_error *err) {
  nacre_rerank_entry **p = malloc(sizeof *p * (size_t)(n ? n : 1));
  if (!p) return nacre_error_set(err, NACRE_ERR_NOMEM, "ranking");
  for (int k = 0; k < n; k++) p[k] = &e[k];
  qsort(p, (size_t)n, sizeof *p, by_potential);
  for (int k = 0; k < n; k++) p[k]->potential_rank = k + 1;
  int m = 0;
  for (int k = 0; k < n; k++)
    if (e[k].done) p[m++] = &e[k];
  qsort(p, (size_t)m, sizeof *p, by_dft);
  for (int k = 0; k < n; k++) e[k].dft_rank = 0;
  for (int k = 0; k < m; k++) p[k]->dft_rank = k + 1;
  /* the potential's best among the done ones against the DFT's best */
  const nacre_rerank_entry *pot_best = NULL;
  for (int k = 0; k < n; k++)
    if (e[k].done && (!pot_best || e[k].potential_rank < pot_best->potential_rank))
      pot_best = &e[k];
  sum->best_changed = m > 0 && pot_best != p[0];
  sum->kendall_tau = kendall_tau_b(e, n);
  free(p);
  return NACRE_OK;
}

/* ABINIT and VASP keep the plane-wave basis of the start while the cell
 * changes (ABINIT within dilatmx), so the energy and stress of their last
 * step carry a Pulay error; one single point at the relaxed structure
 * gives them with a fresh basis (pw.x's vc-relax ends with such a step
 * itself). Its results replace the last step's in r; steps, convergence
 * and the relaxed structure stay. */
static nacre_status fresh_basis(const nacre_label_options *opt,
                                nacre_label_result *r, const nacre_ctx *ctx,
                                nacre_error *err) {
  if (opt->code != NACRE_LABEL_ABINIT && opt->code != NACRE_LABEL_VASP)
    return NACRE_OK;
  nacre_label_options sp = *opt;
  sp.relax = 0;
  nacre_label_result f;
  nacre_label_result_init(&f);
  nacre_status st = nacre_label_run(&sp, r->relaxed, &f, ctx, err);
  if (!st) {
    r->energy_ev = f.energy_ev;
    r->free_energy_ev = f.free_energy_ev;
    memcpy(r->forces_ev_a, f.forces_ev_a,
           3 * (size_t)r->relaxed->natoms * sizeof(double));
    memcpy(r->stress_ev_a3, f.stress_ev_a3, sizeof r->stress_ev_a3);
    r->wall_s += f.wall_s;
    r->cpu_s += f.cpu_s;
    r->scf_steps = f.scf_steps;
    memcpy(r->kgrid, f.kgrid, sizeof r->kgrid);
    r->niggli_cell = f.niggli_cell;
  } else {
    nacre_error_prefix(err, "single point at the relaxed structure: ");
  }
  nacre_label_result_clear(&f);
  return st;
}

nacre_status nacre_rerank(const nacre_label_options *opt0, double pressure_gpa,
                          const char *settings, nacre_rerank_entry *e, int n,
                          const char *output, nacre_rerank_summary *sum,
                          const nacre_ctx *ctx, nacre_error *err) {
  memset(sum, 0, sizeof *sum);
  if (n < 0)
    return nacre_error_set(err, NACRE_ERR_INVALID, "rerank: %d entries", n);
  sum->total = n;
  sum->kendall_tau = NAN;
  nacre_label_options opt = *opt0;
  opt.relax = 1;
  opt.relax_pressure_gpa = pressure_gpa;
  const char *code = opt.code == NACRE_LABEL_POTENTIAL
                         ? "potential"
                         : nacre_label_code_name(opt.code);
  char (*ids)[40] = malloc(sizeof *ids * (size_t)(n ? n : 1));
  if (!ids) return nacre_error_set(err, NACRE_ERR_NOMEM, "rerank");
  for (int k = 0; k < n; k++) {
    nacre_label_id((int)e[k].index, e[k].structure, ids[k]);
    e[k].done = e[k].resumed = e[k].failed = 0;
    e[k].message[0] = '\0';
  }
  nacre_status st = resume(output, pressure_gpa, settings, e, n, ids, err);
  label_session ls;
  int open = 0;
  for (int k = 0; !st && k < n; k++) {
    if (e[k].done) continue;
    if (!open) {
      if ((st = label_session_open(&ls, &opt, err))) break;
      open = 1;
    }
    nacre_label_result r;
    nacre_label_result_init(&r);
    nacre_log(ctx, NACRE_LOG_INFO, "rerank: relaxing %s (%d of %d) with %s at "
              "%.6g GPa", e[k].name, k + 1, n, code, pressure_gpa);
    nacre_error rerr;
    nacre_error_clear(&rerr);
    nacre_status rs = label_run(&ls, &opt, e[k].structure, &r, ctx, &rerr);
    if (rs == NACRE_OK && !r.relaxed)
      rs = nacre_error_set(&rerr, NACRE_ERR_PARSE, "no relaxed structure");
    if (rs == NACRE_OK) rs = fresh_basis(&opt, &r, ctx, &rerr);
    if (rs == NACRE_ERR_INTERRUPTED || r.setup_error) {
      st = nacre_error_set(err, rs ? rs : NACRE_ERR_EXTERNAL, "%s: %s",
                           e[k].name, rerr.message);
    } else if (rs) {
      e[k].failed = 1;
      snprintf(e[k].message, sizeof e[k].message, "%.250s", rerr.message);
      sum->failed++;
      nacre_log(ctx, NACRE_LOG_WARN, "rerank: %s failed: %s", e[k].name,
                rerr.message);
    } else {
      e[k].relaxed = r.relaxed;
      r.relaxed = NULL;
      entry_figures(&e[k], e[k].relaxed, r.energy_ev, r.stress_ev_a3,
                    r.forces_ev_a, pressure_gpa);
      e[k].relax_steps = r.relax_steps;
      e[k].relax_converged = r.relax_converged;
      e[k].wall_s = r.wall_s;
      e[k].done = 1;
      sum->wall_s += r.wall_s;
      r.relaxed = e[k].relaxed; /* the frame is written from it */
      st = record(&r, code, ids[k], settings, pressure_gpa, &e[k], output,
                  err);
      r.relaxed = NULL;
      nacre_log(ctx, NACRE_LOG_INFO,
                "rerank: %s: H = %.6f eV/atom after %d steps%s (%.1f s)",
                e[k].name, e[k].enthalpy_per_atom_ev, e[k].relax_steps,
                e[k].relax_converged ? "" : ", not converged", e[k].wall_s);
    }
    nacre_label_result_clear(&r);
  }
  if (open) label_session_close(&ls);
  free(ids);
  for (int k = 0; k < n; k++) {
    sum->done += e[k].done;
    sum->resumed += e[k].resumed;
    sum->not_converged += e[k].done && !e[k].relax_converged;
  }
  nacre_status rs = rank(e, n, sum, err);
  return st ? st : rs;
}
