/* cmd_transitions.c — `nacre transitions STRUCT... --potential SPEC
 * --pressures P0:P1:DP [--temperature K --fvib NAME=FILE ...]`: relaxes every
 * structure across a pressure grid, prints H(P) (or G(T, P) with `nacre
 * phonon`'s tables) relative to a reference, the lowest phase at each
 * pressure and the transition pressures, and plots ΔH(P) or ΔG(P). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/io.h"
#include "nacre/search.h"
#include "nacre/sym.h"
#include "nacre/thermo.h"

static const char *const CMD = "transitions";

static void help(void) {
  printf(
      "Usage: nacre transitions STRUCT... --potential SPEC --pressures P0:P1:DP\n"
      "       [options]\n"
      "\n"
      "Relaxes every structure at each pressure of the grid (each relaxation\n"
      "starts from the structure relaxed at the previous pressure), prints the\n"
      "enthalpy per atom relative to a reference structure, the lowest phase\n"
      "at each pressure and the pressures where it changes (linear\n"
      "interpolation of the enthalpy difference between grid points).\n"
      "\n"
      "At a temperature (--temperature with --fvib), each structure is ranked by\n"
      "its Gibbs energy per atom G = H + F_vib(T, P), F_vib from `nacre phonon`'s\n"
      "thermal.csv (computed at one volume, used at every pressure; or a table\n"
      "with a pressure_gpa column), or G(T, P) itself from its quasi-harmonic\n"
      "qha.csv. Tables are interpolated, never extrapolated.\n"
      "\n"
      "STRUCT is a structure file (POSCAR, extxyz, CIF, ...; path@N picks\n"
      "frame N) or a search run file (*.db): its best --top unique minima.\n"
      "\n"
      "Options:\n"
      "  -p, --potential SPEC     the potential (required; see nacre eval --help)\n"
      "  --pressures P0:P1:DP     pressure grid in GPa (required; also a comma\n"
      "                           list; ascending)\n"
      "  --reference K            the structure H is measured from: its name or\n"
      "                           1-based index (default 1)\n"
      "  --keep-symmetry          relax within each structure's space group\n"
      "  --symprec A              symmetry tolerance in Å (default 0.01)\n"
      "  --fmax EV_A              force tolerance in eV/Å (default 0.001)\n"
      "  --smax GPA               stress tolerance in GPa (default 0.001)\n"
      "  --max-steps N            optimiser steps per relaxation (default 1000)\n"
      "  --top K                  minima taken from each run file (default 3)\n"
      "  --temperature K          rank by G at this temperature (needs --fvib)\n"
      "  --fvib NAME=FILE         F_vib table of the structure NAME (its name or\n"
      "                           1-based index; repeatable): thermal.csv or\n"
      "                           qha.csv of nacre phonon (doc/phonon-files.md)\n"
      "  --allow-missing-fvib     structures without a table get F_vib = 0 (with\n"
      "                           a warning); otherwise each needs one\n"
      "  -j, --jobs N             structures relaxed in parallel (default 1)\n"
      "  --plot FILE.svg          Delta H(P) of every structure\n"
      "  --csv FILE               rows pressure_gpa, then per structure\n"
      "                           enthalpy_per_atom_ev and volume_per_atom_a3\n"
      "  --json                   machine-readable output\n"
      "  -q, --quiet              only the transitions\n"
      "  -v, --verbose            every relaxation on standard error\n"
      "  -h, --help               this text\n"
      "\n"
      "Example:\n"
      "  nacre transitions bcc.vasp fcc.vasp hcp.vasp --potential Na.nn \\\n"
      "      --pressures 0:50:2.5 --plot na.svg\n"
      "  nacre transitions bcc.vasp fcc.vasp --potential Na.nn --pressures 0:50:2.5 \\\n"
      "      --temperature 300 --fvib bcc.vasp=bcc/thermal.csv --fvib 2=fcc/qha.csv\n");
}

typedef struct fvib_opt {
  const char *name, *path; /* name points into the argument (up to '=') */
  size_t name_len;
} fvib_opt;

typedef struct args {
  const char **inputs;
  fvib_opt *fvib;
  int nfvib, allow_missing_fvib;
  double temperature_k; /* NAN: enthalpies only */
  int ninputs, json, quiet, verbose, top, jobs, keep_symmetry;
  const char *potential, *reference, *plot, *csv;
  double *pressures;
  int npressures;
  double fmax, smax, symprec;
  int max_steps;
} args;

static int parse_args(int argc, char **argv, args *g) {
  memset(g, 0, sizeof *g);
  g->top = 3;
  g->jobs = 1;
  g->fmax = 1e-3;
  g->smax = 1e-3;
  g->symprec = NACRE_SYMPREC_DEFAULT;
  g->max_steps = 1000;
  g->temperature_k = NAN;
  g->inputs = calloc((size_t)argc, sizeof *g->inputs);
  g->fvib = calloc((size_t)argc, sizeof *g->fvib);
  if (!g->inputs || !g->fvib) return cli_usage(CMD, "out of memory");
  int rc = CLI_OK;
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return -1;
    } else if (!strcmp(a, "-p") || !strcmp(a, "--potential")) {
      CLI_NEED_VALUE(CMD);
      g->potential = v;
    } else if (!strcmp(a, "--pressures")) {
      CLI_NEED_VALUE(CMD);
      free(g->pressures);
      if (cli_parse_grid(CMD, a, v, 10000, &g->pressures, &g->npressures))
        rc = CLI_USAGE;
    } else if (!strcmp(a, "--reference")) {
      CLI_NEED_VALUE(CMD);
      g->reference = v;
    } else if (!strcmp(a, "--keep-symmetry")) {
      g->keep_symmetry = 1;
    } else if (!strcmp(a, "--symprec")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &g->symprec) || !(g->symprec > 0))
        rc = cli_usage(CMD, "--symprec needs a positive number of Å");
    } else if (!strcmp(a, "--fmax")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &g->fmax) || !(g->fmax > 0))
        rc = cli_usage(CMD, "--fmax needs a positive number of eV/Å");
    } else if (!strcmp(a, "--smax")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &g->smax) || !(g->smax > 0))
        rc = cli_usage(CMD, "--smax needs a positive number of GPa");
    } else if (!strcmp(a, "--max-steps")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_int(CMD, a, v, &g->max_steps) || g->max_steps < 1)
        rc = cli_usage(CMD, "--max-steps needs a positive integer");
    } else if (!strcmp(a, "--top")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_int(CMD, a, v, &g->top) || g->top < 1)
        rc = cli_usage(CMD, "--top needs a positive integer");
    } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs") || !strcmp(a, "--threads")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_int(CMD, a, v, &g->jobs) || g->jobs < 1)
        rc = cli_usage(CMD, "--jobs needs a positive integer");
    } else if (!strcmp(a, "--temperature")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &g->temperature_k) || !(g->temperature_k >= 0))
        rc = cli_usage(CMD, "--temperature needs a number of K >= 0");
    } else if (!strcmp(a, "--fvib")) {
      CLI_NEED_VALUE(CMD);
      const char *eq = strchr(v, '=');
      if (!eq || eq == v || !eq[1]) {
        rc = cli_usage(CMD, "--fvib expects NAME=FILE, got '%s'", v);
      } else {
        g->fvib[g->nfvib].name = v;
        g->fvib[g->nfvib].name_len = (size_t)(eq - v);
        g->fvib[g->nfvib++].path = eq + 1;
      }
    } else if (!strcmp(a, "--allow-missing-fvib")) {
      g->allow_missing_fvib = 1;
    } else if (!strcmp(a, "--plot")) {
      CLI_NEED_VALUE(CMD);
      g->plot = v;
    } else if (!strcmp(a, "--csv")) {
      CLI_NEED_VALUE(CMD);
      g->csv = v;
    } else if (!strcmp(a, "--json")) {
      g->json = 1;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      g->quiet = 1;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      g->verbose = 1;
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage(CMD, "unknown option '%s'", a);
    } else {
      g->inputs[g->ninputs++] = a;
    }
  }
  if (rc != CLI_OK) return rc;
  if (!g->ninputs) return cli_usage(CMD, "no STRUCT given");
  if (!g->potential) return cli_usage(CMD, "--potential SPEC is required");
  if (!g->npressures) return cli_usage(CMD, "--pressures P0:P1:DP is required");
  if (g->nfvib && isnan(g->temperature_k))
    return cli_usage(CMD, "--fvib needs --temperature");
  if (!isnan(g->temperature_k) && !g->nfvib)
    return cli_usage(CMD, "--temperature needs at least one --fvib NAME=FILE");
  return CLI_OK;
}

/* ------------------------------------------------------------------ */

typedef struct inputs {
  nacre_structure **s;
  char (*name)[96];
  int n, cap;
} inputs;

static nacre_status push(inputs *in, nacre_structure *s, const char *name,
                         nacre_error *err) {
  if (in->n == in->cap) {
    int cap = in->cap ? 2 * in->cap : 16;
    nacre_structure **ss = realloc(in->s, (size_t)cap * sizeof *ss);
    if (ss) in->s = ss;
    char(*nn)[96] = realloc(in->name, (size_t)cap * sizeof *nn);
    if (nn) in->name = nn;
    if (!ss || !nn) {
      nacre_structure_free(s);
      return nacre_error_set(err, NACRE_ERR_NOMEM, "structures");
    }
    in->cap = cap;
  }
  in->s[in->n] = s;
  snprintf(in->name[in->n++], 96, "%s", name);
  return NACRE_OK;
}

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && !strcmp(s + a - b, suffix);
}

static nacre_status add_run(inputs *in, const char *path, int top,
                            nacre_error *err) {
  nacre_run *run = NULL;
  nacre_status st = nacre_run_open_readonly(path, &run, err);
  if (st) return st;
  nacre_candidate *c = NULL;
  long n = 0;
  st = nacre_run_load_done(run, &c, &n, err);
  long *order = st ? NULL : malloc((size_t)(n > 0 ? n : 1) * sizeof *order);
  if (!st && !order) st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  if (!st) {
    long m = nacre_candidates_rank(c, n, order);
    if (!m) st = nacre_error_set(err, NACRE_ERR_INVALID, "%s: no relaxed minima", path);
    for (long r = 0; r < m && r < top && !st; r++) {
      char formula[64], name[96];
      nacre_structure_formula(c[order[r]].relaxed, formula, sizeof formula);
      snprintf(name, sizeof name, "%.40s %.15s#%ld", formula,
               c[order[r]].pearson[0] ? c[order[r]].pearson : "?", c[order[r]].id);
      nacre_structure *s = nacre_structure_copy(c[order[r]].relaxed, err);
      st = s ? push(in, s, name, err) : (err ? err->status : NACRE_ERR_NOMEM);
    }
  }
  free(order);
  nacre_candidates_free(c, n);
  nacre_run_close(run);
  return st;
}

static nacre_status add_input(inputs *in, const char *path, int top,
                              nacre_error *err) {
  if (ends_with(path, ".db")) return add_run(in, path, top, err);
  nacre_structure *s = NULL;
  nacre_status st = nacre_read_structure(path, &s, err);
  if (st) return st;
  const char *base = strrchr(path, '/');
  return push(in, s, base ? base + 1 : path, err);
}

static void on_relaxed(void *user, int i, int k, double h, const char *outcome) {
  const args *g = user;
  if (!g->verbose) return;
  flockfile(stderr);
  fprintf(stderr, "structure %d at %g GPa: H = %.8f eV (%s)\n", i + 1,
          g->pressures[k], h, outcome);
  funlockfile(stderr);
}

/* The structure called name (its first len characters): a structure's
 * name, else a 1-based index; -1 when neither. */
static int structure_index(const inputs *in, const char *name, size_t len) {
  for (int i = 0; i < in->n; i++)
    if (strlen(in->name[i]) == len && !strncmp(in->name[i], name, len)) return i;
  char digits[16];
  if (len == 0 || len >= sizeof digits) return -1;
  memcpy(digits, name, len);
  digits[len] = '\0';
  char *end;
  long k = strtol(digits, &end, 10);
  if (!*end && k >= 1 && k <= in->n) return (int)k - 1;
  return -1;
}

static int reference_index(const args *g, const inputs *in) {
  if (!g->reference) return 0;
  return structure_index(in, g->reference, strlen(g->reference));
}

static void free_tables(nacre_fvib_table **tables, int n) {
  for (int i = 0; tables && i < n; i++) nacre_fvib_table_free(tables[i]);
  free(tables);
}

/* Reads each --fvib table into (*out)[structure], before any relaxation, so
 * that a bad table or name costs nothing. */
static nacre_status read_tables(const args *g, const inputs *in, nacre_fvib_table ***out,
                                nacre_error *err) {
  nacre_fvib_table **tables = calloc((size_t)in->n, sizeof *tables);
  *out = NULL;
  if (!tables) return nacre_error_set(err, NACRE_ERR_NOMEM, "F_vib tables");
  nacre_status st = NACRE_OK;
  for (int k = 0; k < g->nfvib && !st; k++) {
    const fvib_opt *f = &g->fvib[k];
    int i = structure_index(in, f->name, f->name_len);
    if (i < 0)
      st = nacre_error_set(err, NACRE_ERR_INVALID, "--fvib %.*s: no structure of that name or index",
                           (int)f->name_len, f->name);
    else if (tables[i])
      st = nacre_error_set(err, NACRE_ERR_INVALID, "--fvib %.*s: %s has a table already",
                           (int)f->name_len, f->name, in->name[i]);
    else if (nacre_fvib_table_read(f->path, &tables[i], err))
      st = nacre_error_prefix(err, "--fvib %.*s: ", (int)f->name_len, f->name);
  }
  for (int i = 0; i < in->n && !st; i++) {
    if (tables[i]) continue;
    if (!g->allow_missing_fvib)
      st = nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s has no F_vib table at %g K (give --fvib %s=FILE, or "
                           "--allow-missing-fvib to take F_vib = 0)",
                           in->name[i], g->temperature_k, in->name[i]);
    else
      fprintf(stderr, "nacre transitions: warning: %s has no F_vib table: F_vib = 0\n",
              in->name[i]);
  }
  if (st)
    free_tables(tables, in->n);
  else
    *out = tables;
  return st;
}

static void print_table(const args *g, const inputs *in,
                        const nacre_transitions *t, int ref) {
  int np = t->npressures;
  const double *e = t->gibbs_energy_per_atom_ev ? t->gibbs_energy_per_atom_ev
                                                : t->enthalpy_per_atom_ev;
  if (!g->quiet) {
    if (t->gibbs_energy_per_atom_ev)
      printf("G - G(%s) at %g K in meV/atom; [space group]\n%9s", in->name[ref],
             t->temperature_k, "P (GPa)");
    else
      printf("H - H(%s) in meV/atom; [space group]\n%9s", in->name[ref], "P (GPa)");
    for (int i = 0; i < in->n; i++) printf(" %18.18s", in->name[i]);
    printf("  lowest\n");
    for (int k = 0; k < np; k++) {
      printf("%9.3f", t->pressure_gpa[k]);
      for (int i = 0; i < in->n; i++) {
        double d = 1000 * (e[(size_t)i * np + k] - e[(size_t)ref * np + k]);
        if (isfinite(d))
          printf(" %12.3f [%3d]", d, t->space_group[(size_t)i * np + k]);
        else
          printf(" %18s", "failed");
      }
      printf("  %s\n", t->lowest[k] >= 0 ? in->name[t->lowest[k]] : "-");
    }
  }
  char at_t[48] = "";
  if (t->gibbs_energy_per_atom_ev) snprintf(at_t, sizeof at_t, " at %g K", t->temperature_k);
  if (!t->ncrossings)
    printf("no transition between %g and %g GPa%s\n", t->pressure_gpa[0],
           t->pressure_gpa[np - 1], at_t);
  for (int c = 0; c < t->ncrossings; c++)
    printf("%s -> %s at %.3f GPa%s\n", in->name[t->crossings[c].from],
           in->name[t->crossings[c].to], t->crossings[c].pressure_gpa, at_t);
  for (int i = 0; i < in->n; i++)
    if (t->unconverged[i])
      fprintf(stderr,
              "warning: %s: %d relaxation%s ran out of steps (--max-steps)\n",
              in->name[i], t->unconverged[i], t->unconverged[i] == 1 ? "" : "s");
}

static cJSON *to_json(const inputs *in, const nacre_transitions *t, int ref) {
  int np = t->npressures;
  cJSON *root = cJSON_CreateObject();
  cJSON_AddItemToObject(root, "pressure_gpa",
                        cJSON_CreateDoubleArray(t->pressure_gpa, np));
  cJSON_AddStringToObject(root, "reference", in->name[ref]);
  if (t->gibbs_energy_per_atom_ev)
    cJSON_AddNumberToObject(root, "temperature_k", t->temperature_k);
  cJSON *arr = cJSON_AddArrayToObject(root, "structures");
  for (int i = 0; i < in->n; i++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", in->name[i]);
    cJSON *h = cJSON_AddArrayToObject(o, "enthalpy_per_atom_ev");
    cJSON *v = cJSON_AddArrayToObject(o, "volume_per_atom_a3");
    cJSON *sg = cJSON_AddArrayToObject(o, "space_group_number");
    cJSON *gg = t->gibbs_energy_per_atom_ev ? cJSON_AddArrayToObject(o, "gibbs_energy_per_atom_ev")
                                            : NULL;
    for (int k = 0; k < np; k++) {
      size_t at = (size_t)i * np + k;
      double hv = t->enthalpy_per_atom_ev[at], vv = t->volume_per_atom_a3[at];
      if (gg) {
        double gv = t->gibbs_energy_per_atom_ev[at];
        cJSON_AddItemToArray(gg, isfinite(gv) ? cJSON_CreateNumber(gv) : cJSON_CreateNull());
      }
      cJSON_AddItemToArray(h, isfinite(hv) ? cJSON_CreateNumber(hv) : cJSON_CreateNull());
      cJSON_AddItemToArray(v, isfinite(vv) ? cJSON_CreateNumber(vv) : cJSON_CreateNull());
      cJSON_AddItemToArray(sg, cJSON_CreateNumber(t->space_group[at]));
    }
    cJSON_AddNumberToObject(o, "unconverged", t->unconverged[i]);
    cJSON_AddItemToArray(arr, o);
  }
  cJSON *cr = cJSON_AddArrayToObject(root, "transitions");
  for (int c = 0; c < t->ncrossings; c++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "from", in->name[t->crossings[c].from]);
    cJSON_AddStringToObject(o, "to", in->name[t->crossings[c].to]);
    double p = t->crossings[c].pressure_gpa;
    cJSON_AddItemToObject(o, "pressure_gpa",
                          isfinite(p) ? cJSON_CreateNumber(p) : cJSON_CreateNull());
    cJSON_AddItemToArray(cr, o);
  }
  return root;
}

static nacre_status write_csv(const char *path, const inputs *in,
                              const nacre_transitions *t, nacre_error *err) {
  FILE *fp = fopen(path, "w");
  if (!fp) return nacre_error_set(err, NACRE_ERR_IO, "cannot write %s", path);
  fprintf(fp, "pressure_gpa");
  const double *gibbs = t->gibbs_energy_per_atom_ev;
  for (int i = 0; i < in->n; i++) {
    fprintf(fp, ",%s enthalpy_per_atom_ev,%s volume_per_atom_a3", in->name[i],
            in->name[i]);
    if (gibbs) fprintf(fp, ",%s gibbs_energy_per_atom_ev", in->name[i]);
  }
  fprintf(fp, "\n");
  int np = t->npressures;
  for (int k = 0; k < np; k++) {
    fprintf(fp, "%.10g", t->pressure_gpa[k]);
    for (int i = 0; i < in->n; i++) {
      fprintf(fp, ",%.12g,%.10g", t->enthalpy_per_atom_ev[(size_t)i * np + k],
              t->volume_per_atom_a3[(size_t)i * np + k]);
      if (gibbs) fprintf(fp, ",%.12g", gibbs[(size_t)i * np + k]);
    }
    fprintf(fp, "\n");
  }
  int bad = ferror(fp);
  if (fclose(fp) || bad) return nacre_error_set(err, NACRE_ERR_IO, "error writing %s", path);
  return NACRE_OK;
}

static int run(int argc, char **argv) {
  args g;
  int rc = parse_args(argc, argv, &g);
  if (rc) {
    free(g.inputs);
    free(g.fvib);
    free(g.pressures);
    return rc < 0 ? CLI_OK : rc;
  }
  nacre_ctx ctx;
  cli_ctx_init(&ctx, g.verbose);
  cli_catch_interrupts(&ctx, 1);
  nacre_error err;
  nacre_error_clear(&err);
  inputs in = {0};
  nacre_potential *p = NULL;
  nacre_transitions *t = NULL;
  nacre_fvib_table **tables = NULL;
  rc = CLI_FAILED;
  for (int k = 0; k < g.ninputs; k++)
    if (add_input(&in, g.inputs[k], g.top, &err)) goto done;
  int ref = reference_index(&g, &in);
  if (ref < 0) {
    rc = cli_usage(CMD, "--reference %s: no structure of that name or index",
                   g.reference);
    goto done;
  }
  if (g.nfvib && read_tables(&g, &in, &tables, &err)) goto done;
  if (nacre_potential_load(g.potential, &p, &err)) goto done;
  nacre_transition_options o;
  nacre_transition_options_init(&o);
  o.relax.fmax = g.fmax;
  o.relax.smax_gpa = g.smax;
  o.relax.max_steps = g.max_steps;
  o.relax.keep_symmetry = g.keep_symmetry;
  o.relax.symprec = g.symprec;
  o.symprec = g.symprec;
  o.jobs = g.jobs;
  if (nacre_transitions_run(p, in.s, in.n, g.pressures, g.npressures, &o,
                            on_relaxed, &g, &ctx, &t, &err))
    goto done;
  if (tables && nacre_transitions_at_temperature(t, (const nacre_fvib_table *const *)tables,
                                                 g.temperature_k, &err))
    goto done;
  if (g.json) {
    cJSON *j = to_json(&in, t, ref);
    char *text = cJSON_Print(j);
    if (text) printf("%s\n", text);
    free(text);
    cJSON_Delete(j);
  } else {
    print_table(&g, &in, t, ref);
  }
  if (g.csv && write_csv(g.csv, &in, t, &err)) goto done;
  if (g.plot) {
    const char **labels = malloc((size_t)in.n * sizeof *labels);
    for (int i = 0; labels && i < in.n; i++) labels[i] = in.name[i];
    nacre_status st = labels ? nacre_transitions_svg(g.plot, t, labels, ref, &err)
                             : nacre_error_set(&err, NACRE_ERR_NOMEM, "plot");
    free(labels);
    if (st) goto done;
  }
  rc = CLI_OK;
done:
  cli_catch_interrupts(&ctx, 0);
  if (rc == CLI_FAILED) cli_fail(CMD, &err);
  nacre_transitions_free(t);
  free_tables(tables, in.n);
  nacre_potential_free(p);
  for (int i = 0; i < in.n; i++) nacre_structure_free(in.s[i]);
  free(in.s);
  free(in.name);
  free(g.inputs);
  free(g.fvib);
  free(g.pressures);
  return rc;
}

const nacre_command nacre_cmd_transitions = {
    "transitions", "enthalpy against pressure and transition pressures", run};
