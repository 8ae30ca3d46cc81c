/* cmd_rerank.c — `nacre rerank RUN.db --top K --code CODE`: the best minima
 * of a search relaxed again with a DFT code (or another potential) at the
 * run's pressure, their enthalpies next to the search potential's and the
 * change of ranking (nacre_rerank does the work; this file parses, binds
 * the potential labeller to nacre_relax and prints). */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/label.h"
#include "nacre/opt.h"
#include "nacre/pot.h"
#include "nacre/search.h"
#include "nacre/sym.h"

static const char *help =
    "Usage: nacre rerank RUN.db --code abinit|qe|vasp|potential:SPEC\n"
    "                    [--top K] [-o RELAXED.extxyz] [options]\n"
    "\n"
    "Relaxes the K best unique minima of a search run again with a DFT code\n"
    "(cell and atoms, at the run's pressure) and prints their DFT enthalpies\n"
    "next to the search potential's, with both rankings. The codes relax\n"
    "with their own optimisers: ABINIT optcell 2 + ionmov 2 (BFGS) with\n"
    "strtarget = -P and ecutsm 0.5 Ha (dilatmx 1.15); QE vc-relax (BFGS,\n"
    "press, cell_dofree 'all'); VASP IBRION 2, ISIF 3, PSTRESS. Their\n"
    "settings are nacre label's (same defaults and options). With\n"
    "potential:SPEC another nacre potential plays the DFT code (nacre's\n"
    "L-BFGS relaxation), a check in seconds.\n"
    "\n"
    "Enthalpies are per atom, H = E + P V at the run's pressure (the DFT\n"
    "energy with smearing is the free energy F = E - TS of the labels).\n"
    "Ranks count from 1 (lowest H). Differences between minima smaller than\n"
    "the DFT settings' precision (for Na at the data set's settings about\n"
    "2-3 meV/atom of k-point noise) do not order them: use a denser\n"
    "--kspacing where they matter.\n"
    "\n"
    "Resumable: each relaxed minimum is appended to the output as one\n"
    "extended-XYZ frame (the relaxed structure with energy, forces and\n"
    "stress; info keys label_id, rerank_name, rerank_pressure_gpa,\n"
    "rerank_settings, potential_enthalpy_per_atom_ev, relax_steps,\n"
    "relax_converged and nacre label's keys). Run again with the same\n"
    "options to go on after a stop; an output made at another pressure or\n"
    "with other settings is refused. --top may grow between runs.\n"
    "\n"
    "Options:\n"
    "  --code NAME        abinit, qe, vasp or potential:SPEC (required)\n"
    "  --top K            the K best unique minima of the run (default 5)\n"
    "  -o, --output FILE  relaxed minima, appended (default: RUN.db with\n"
    "                     .db replaced by .rerank.extxyz)\n"
    "  --fmax EV_A        force tolerance, eV/Å (default 0.01)\n"
    "  --smax GPA         stress tolerance, GPa (default 0.1; ABINIT through\n"
    "                     strfact, QE press_conv_thr; VASP stops on forces)\n"
    "  --max-steps N      ionic steps per relaxation (default 100)\n"
    "  --ecut EV, --dens-factor F, --kspacing K, --cell MODE, --smearing EV,\n"
    "  --scf-tol EV, --max-scf N, --command CMD, --template FILE,\n"
    "  --pseudo-dir DIR, --pseudo-files L, --workdir DIR, --keep,\n"
    "  --timeout S        as in nacre label (see nacre label --help): the\n"
    "                     defaults are the converged Na settings of\n"
    "                     data/na-hp (ABINIT 24 Ha, k-spacing 0.25 1/Å)\n"
    "  --json             print the result as JSON (keys in doc/rerank.md)\n"
    "  -q, --quiet        only the result\n"
    "  -v, --verbose      also log the commands run\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0 when every minimum was relaxed (now or before), 1 when\n"
    "some failed or on errors, 2 on usage errors.\n";

/* The potential labeller's relaxer: nacre_relax with the rerank's
 * pressure and tolerances. */
static nacre_status relax_with_potential(void *user,
                                         const nacre_potential *p,
                                         const nacre_label_options *opt,
                                         nacre_structure *s, int *steps,
                                         int *converged, nacre_error *err) {
  (void)user;
  nacre_calc *c = nacre_calc_new(p, -1, err);
  if (!c) return err ? err->status : NACRE_ERR_NOMEM;
  nacre_relax_options ro;
  nacre_relax_options_init(&ro);
  ro.pressure_gpa = opt->relax_pressure_gpa;
  ro.fmax = opt->relax_fmax_ev_a > 0 ? opt->relax_fmax_ev_a : 0.01;
  ro.smax_gpa = opt->relax_smax_gpa > 0 ? opt->relax_smax_gpa : 0.1;
  ro.max_steps = opt->relax_max_steps > 0 ? opt->relax_max_steps : 100;
  nacre_relax_result res;
  nacre_status st = nacre_relax(c, s, &ro, NULL, &res, err);
  nacre_calc_free(c);
  *steps = res.steps;
  *converged = !st && res.outcome == NACRE_RELAX_CONVERGED;
  return st;
}

static int positive(const char *cmd, const char *a, const char *v,
                    double *out) {
  if (cli_parse_double(cmd, a, v, out)) return CLI_USAGE;
  return *out > 0 ? CLI_OK : cli_usage(cmd, "%s must be > 0, got '%s'", a, v);
}
static int positive_int(const char *cmd, const char *a, const char *v,
                        int *out) {
  if (cli_parse_int(cmd, a, v, out)) return CLI_USAGE;
  return *out >= 1 ? CLI_OK
                   : cli_usage(cmd, "%s must be >= 1, got '%s'", a, v);
}

/* Options shared with nacre label; returns -1 when `a` is none of them. */
static int label_option(const char *cmd, const char *a, const char *v,
                        nacre_label_options *opt) {
  if (!strcmp(a, "--keep")) return opt->keep_files = 1, CLI_OK;
  static const char *const with_value[] = {
      "--ecut",    "--dens-factor", "--kspacing", "--cell",
      "--smearing", "--scf-tol",    "--max-scf",  "--command",
      "--template", "--pseudo-dir", "--pseudo-files", "--workdir",
      "--timeout"};
  int known = 0;
  for (size_t k = 0; k < sizeof with_value / sizeof *with_value; k++)
    known |= !strcmp(a, with_value[k]);
  if (!known) return -1;
  if (!v) return cli_usage(cmd, "%s needs a value", a);
  if (!strcmp(a, "--ecut")) return positive(cmd, a, v, &opt->ecut_ev);
  if (!strcmp(a, "--dens-factor"))
    return positive(cmd, a, v, &opt->ecut_dens_factor);
  if (!strcmp(a, "--kspacing")) return positive(cmd, a, v, &opt->kspacing);
  if (!strcmp(a, "--smearing")) return positive(cmd, a, v, &opt->smearing_ev);
  if (!strcmp(a, "--scf-tol")) return positive(cmd, a, v, &opt->scf_tol_ev);
  if (!strcmp(a, "--timeout")) return positive(cmd, a, v, &opt->timeout_s);
  if (!strcmp(a, "--max-scf")) return positive_int(cmd, a, v, &opt->max_scf);
  if (!strcmp(a, "--cell")) {
    int c = nacre_label_cell_from_name(v);
    if (c < 0)
      return cli_usage(cmd, "--cell must be auto, input or niggli, not '%s'",
                       v);
    opt->cell = (nacre_label_cell)c;
  } else if (!strcmp(a, "--command")) opt->command = v;
  else if (!strcmp(a, "--template")) opt->template_path = v;
  else if (!strcmp(a, "--pseudo-dir")) opt->pseudo_dir = v;
  else if (!strcmp(a, "--pseudo-files")) opt->pseudo_files = v;
  else if (!strcmp(a, "--workdir")) opt->workdir = v;
  return CLI_OK;
}

/* Entries in DFT order (relaxed ones by rank, then the others). */
static int by_dft_rank(const void *a, const void *b) {
  const nacre_rerank_entry *x = *(nacre_rerank_entry *const *)a,
                           *y = *(nacre_rerank_entry *const *)b;
  int rx = x->dft_rank ? x->dft_rank : 1 << 20,
      ry = y->dft_rank ? y->dft_rank : 1 << 20;
  if (rx != ry) return rx - ry;
  return x->potential_rank - y->potential_rank;
}

static double best(const nacre_rerank_entry *e, int n, int dft) {
  double h = INFINITY;
  for (int k = 0; k < n; k++) {
    if (dft && !e[k].done) continue;
    double v = dft ? e[k].enthalpy_per_atom_ev
                   : e[k].potential_enthalpy_per_atom_ev;
    if (v < h) h = v;
  }
  return h;
}

static void print_table(const char *db, const char *formula, double p,
                        const char *settings, const char *output,
                        nacre_rerank_entry *e, int n,
                        const nacre_rerank_summary *sum) {
  printf("rerank %s (%s at %.6g GPa): %d %s with %s\n", db, formula, p, n,
         n == 1 ? "minimum" : "minima", settings);
  printf("relaxed: %d now, %d read back from %s, %d failed, %d not converged "
         "within --max-steps\n",
         sum->done - sum->resumed, sum->resumed, output, sum->failed,
         sum->not_converged);
  nacre_rerank_entry **row = malloc(sizeof *row * (size_t)(n ? n : 1));
  if (!row) return;
  for (int k = 0; k < n; k++) row[k] = &e[k];
  qsort(row, (size_t)n, sizeof *row, by_dft_rank);
  double hp = best(e, n, 0), hd = best(e, n, 1);
  printf("\n%4s %4s  %-6s %-8s %-10s %14s %9s %14s %9s %9s %8s %6s\n", "dft",
         "pot", "name", "pearson", "group", "H_pot eV/at", "dH meV",
         "H_dft eV/at", "dH meV", "V A^3/at", "P GPa", "steps");
  for (int k = 0; k < n; k++) {
    const nacre_rerank_entry *r = row[k];
    char rank[8] = "-";
    if (r->dft_rank) snprintf(rank, sizeof rank, "%d", r->dft_rank);
    printf("%4s %4d  %-6s %-8s %-10s %14.6f %9.1f", rank, r->potential_rank,
           r->name, r->pearson[0] ? r->pearson : "-",
           r->space_group[0] ? r->space_group : "-",
           r->potential_enthalpy_per_atom_ev,
           1000 * (r->potential_enthalpy_per_atom_ev - hp));
    if (r->done)
      printf(" %14.6f %9.1f %9.3f %8.2f %5d%s\n", r->enthalpy_per_atom_ev,
             1000 * (r->enthalpy_per_atom_ev - hd), r->volume_per_atom_a3,
             r->pressure_gpa, r->relax_steps, r->relax_converged ? " " : "*");
    else
      printf("  failed: %s\n", r->message);
  }
  if (sum->not_converged)
    printf("* not converged within --max-steps (its H is an upper bound)\n");
  const nacre_rerank_entry *top = sum->done ? row[0] : NULL;
  if (top) {
    printf("\nthe lowest with the DFT code: %s (potential rank %d)%s",
           top->name, top->potential_rank,
           sum->best_changed ? ": the ranking's top changed" : ": unchanged");
    if (isfinite(sum->kendall_tau))
      printf("; Kendall tau %.2f between the rankings", sum->kendall_tau);
    printf("\n");
  }
  free(row);
}

static int print_json(const char *db, const char *formula, double p,
                      const char *settings, const char *output,
                      const nacre_rerank_entry *e, int n,
                      const nacre_rerank_summary *sum, nacre_status st) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "run", db);
  cJSON_AddStringToObject(o, "formula", formula);
  cJSON_AddNumberToObject(o, "pressure_gpa", p);
  cJSON_AddStringToObject(o, "settings", settings);
  cJSON_AddStringToObject(o, "output", output);
  cJSON_AddNumberToObject(o, "top", n);
  cJSON_AddNumberToObject(o, "relaxed_now", sum->done - sum->resumed);
  cJSON_AddNumberToObject(o, "resumed", sum->resumed);
  cJSON_AddNumberToObject(o, "failed", sum->failed);
  cJSON_AddNumberToObject(o, "not_converged", sum->not_converged);
  cJSON_AddNumberToObject(o, "wall_s", sum->wall_s);
  if (isfinite(sum->kendall_tau))
    cJSON_AddNumberToObject(o, "kendall_tau", sum->kendall_tau);
  else
    cJSON_AddNullToObject(o, "kendall_tau");
  cJSON_AddBoolToObject(o, "best_changed", sum->best_changed);
  cJSON_AddBoolToObject(o, "complete", st == NACRE_OK && !sum->failed);
  double hp = best(e, n, 0), hd = best(e, n, 1);
  cJSON *arr = cJSON_AddArrayToObject(o, "minima");
  for (int k = 0; k < n; k++) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "name", e[k].name);
    cJSON_AddStringToObject(m, "pearson", e[k].pearson);
    cJSON_AddStringToObject(m, "space_group", e[k].space_group);
    cJSON_AddNumberToObject(m, "potential_rank", e[k].potential_rank);
    cJSON_AddNumberToObject(m, "potential_enthalpy_per_atom_ev",
                            e[k].potential_enthalpy_per_atom_ev);
    cJSON_AddNumberToObject(m, "potential_dh_mev_atom",
                            1000 * (e[k].potential_enthalpy_per_atom_ev - hp));
    cJSON_AddBoolToObject(m, "relaxed", e[k].done);
    if (e[k].done) {
      cJSON_AddNumberToObject(m, "dft_rank", e[k].dft_rank);
      cJSON_AddNumberToObject(m, "dft_enthalpy_per_atom_ev",
                              e[k].enthalpy_per_atom_ev);
      cJSON_AddNumberToObject(m, "dft_dh_mev_atom",
                              1000 * (e[k].enthalpy_per_atom_ev - hd));
      cJSON_AddNumberToObject(m, "dft_energy_per_atom_ev",
                              e[k].energy_per_atom_ev);
      cJSON_AddNumberToObject(m, "dft_volume_per_atom_a3",
                              e[k].volume_per_atom_a3);
      cJSON_AddNumberToObject(m, "dft_pressure_gpa", e[k].pressure_gpa);
      cJSON_AddNumberToObject(m, "dft_fmax_ev_a", e[k].fmax_ev_a);
      cJSON_AddNumberToObject(m, "relax_steps", e[k].relax_steps);
      cJSON_AddBoolToObject(m, "relax_converged", e[k].relax_converged);
      cJSON_AddBoolToObject(m, "resumed", e[k].resumed);
      cJSON_AddNumberToObject(m, "wall_s", e[k].wall_s);
    } else {
      cJSON_AddStringToObject(m, "message", e[k].message);
    }
    cJSON_AddItemToArray(arr, m);
  }
  char *text = cJSON_Print(o);
  if (text) puts(text);
  free(text);
  cJSON_Delete(o);
  return text ? CLI_OK : CLI_FAILED;
}

/* The K best unique minima of the run as entries. */
static nacre_status load_minima(const char *db, int top,
                                nacre_search_report **rep,
                                nacre_rerank_entry **out, int *n,
                                nacre_error *err) {
  nacre_run *run = NULL;
  *out = NULL;
  *n = 0;
  nacre_status st = nacre_run_open_readonly(db, &run, err);
  if (st) return st;
  st = nacre_search_report_new(run, rep, err);
  nacre_run_close(run);
  if (st) return st;
  int m = (*rep)->nminima < top ? (int)(*rep)->nminima : top;
  if (m == 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s: the run has no relaxed minimum yet", db);
  nacre_rerank_entry *e = calloc((size_t)m, sizeof *e);
  if (!e) return nacre_error_set(err, NACRE_ERR_NOMEM, "rerank");
  for (int k = 0; k < m; k++) {
    const nacre_search_minimum *mi = &(*rep)->minima[k];
    e[k].structure = mi->c->relaxed;
    e[k].index = mi->c->id;
    snprintf(e[k].name, sizeof e[k].name, "#%ld", mi->c->id);
    e[k].potential_enthalpy_per_atom_ev = mi->h_atom_ev;
    snprintf(e[k].pearson, sizeof e[k].pearson, "%s", mi->pearson);
    snprintf(e[k].space_group, sizeof e[k].space_group, "%s", mi->sg_symbol);
  }
  *out = e;
  *n = m;
  return NACRE_OK;
}

static int run(int argc, char **argv) {
  const char *cmd = "rerank";
  nacre_label_options opt;
  nacre_label_options_init(&opt, 0);
  const char *db = NULL, *output = NULL;
  int top = 5, json = 0, quiet = 0, verbose = 0, rc = CLI_OK;
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k];
    const char *v = k + 1 < argc ? argv[k + 1] : NULL;
    int lo;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(help, stdout);
      return CLI_OK;
    } else if (!strcmp(a, "--code")) {
      CLI_NEED_VALUE(cmd)
      nacre_error e;
      if (nacre_label_options_set_code(&opt, v, &e))
        rc = cli_usage(cmd, "--code: %s", e.message);
    } else if (!strcmp(a, "--top")) {
      CLI_NEED_VALUE(cmd)
      rc = positive_int(cmd, a, v, &top);
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      CLI_NEED_VALUE(cmd)
      output = v;
    } else if (!strcmp(a, "--fmax")) {
      CLI_NEED_VALUE(cmd)
      rc = positive(cmd, a, v, &opt.relax_fmax_ev_a);
    } else if (!strcmp(a, "--smax")) {
      CLI_NEED_VALUE(cmd)
      rc = positive(cmd, a, v, &opt.relax_smax_gpa);
    } else if (!strcmp(a, "--max-steps")) {
      CLI_NEED_VALUE(cmd)
      rc = positive_int(cmd, a, v, &opt.relax_max_steps);
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      quiet = 1;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      verbose = 1;
    } else if ((lo = label_option(cmd, a, v, &opt)) >= 0) {
      rc = lo;
      if (strcmp(a, "--keep")) k++;
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage(cmd, "unknown option '%s'", a);
    } else if (db) {
      rc = cli_usage(cmd, "one run file only ('%s' and '%s')", db, a);
    } else {
      db = a;
    }
  }
  if (rc == CLI_OK && !db) rc = cli_usage(cmd, "no run file given");
  if (rc == CLI_OK && !opt.code) rc = cli_usage(cmd, "--code is required");
  if (rc != CLI_OK) return rc;
  char defout[4200];
  if (!output) {
    size_t len = strlen(db);
    int cut = len > 3 && !strcmp(db + len - 3, ".db") ? 3 : 0;
    snprintf(defout, sizeof defout, "%.*s.rerank.extxyz", (int)(len - cut), db);
    output = defout;
  }
  opt.relax_fn = relax_with_potential;
  nacre_ctx ctx;
  cli_ctx_init(&ctx, verbose);
  if (!verbose) ctx.log_level = quiet ? NACRE_LOG_WARN : NACRE_LOG_INFO;
  setenv("OMP_NUM_THREADS", "1", 0);
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
  nacre_error err;
  nacre_error_clear(&err);
  nacre_search_report *rep = NULL;
  nacre_rerank_entry *e = NULL;
  int n = 0;
  nacre_status st = load_minima(db, top, &rep, &e, &n, &err);
  if (st) {
    nacre_search_report_free(rep);
    return cli_fail(cmd, &err);
  }
  double p = rep->config.pressure_gpa;
  char formula[128], settings[2048];
  nacre_composition_format(&rep->config.composition, formula, sizeof formula);
  nacre_rerank_settings(&opt, settings, sizeof settings);
  nacre_rerank_summary sum;
  cli_catch_interrupts(&ctx, 1);
  st = nacre_rerank(&opt, p, settings, e, n, output, &sum, &ctx, &err);
  cli_catch_interrupts(&ctx, 0);
  if (json) print_json(db, formula, p, settings, output, e, n, &sum, st);
  else if (sum.done || sum.failed)
    print_table(db, formula, p, settings, output, e, n, &sum);
  if (st) rc = cli_fail(cmd, &err);
  else if (sum.failed) rc = CLI_FAILED;
  nacre_rerank_entries_clear(e, n);
  free(e);
  nacre_search_report_free(rep);
  return rc;
}

const nacre_command nacre_cmd_rerank = {
    "rerank",
    "relax a search's best minima again with DFT and compare the rankings",
    run};
