/* cmd_transitions.c — `nacre transitions STRUCT... --potential SPEC
 * --pressures P0:P1:DP`: relaxes every structure across a pressure grid,
 * prints H(P) relative to a reference, the lowest phase at each pressure
 * and the transition pressures, and plots ΔH(P). */
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
      "      --pressures 0:50:2.5 --plot na.svg\n");
}

typedef struct args {
  const char **inputs;
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
  g->inputs = calloc((size_t)argc, sizeof *g->inputs);
  if (!g->inputs) return cli_usage(CMD, "out of memory");
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

static int reference_index(const args *g, const inputs *in) {
  if (!g->reference) return 0;
  for (int i = 0; i < in->n; i++)
    if (!strcmp(in->name[i], g->reference)) return i;
  char *end;
  long k = strtol(g->reference, &end, 10);
  if (!*end && k >= 1 && k <= in->n) return (int)k - 1;
  return -1;
}

static void print_table(const args *g, const inputs *in,
                        const nacre_transitions *t, int ref) {
  int np = t->npressures;
  if (!g->quiet) {
    printf("H - H(%s) in meV/atom; [space group]\n%9s", in->name[ref], "P (GPa)");
    for (int i = 0; i < in->n; i++) printf(" %18.18s", in->name[i]);
    printf("  lowest\n");
    for (int k = 0; k < np; k++) {
      printf("%9.3f", t->pressure_gpa[k]);
      for (int i = 0; i < in->n; i++) {
        double d = 1000 * (t->enthalpy_per_atom_ev[(size_t)i * np + k] -
                           t->enthalpy_per_atom_ev[(size_t)ref * np + k]);
        if (isfinite(d))
          printf(" %12.3f [%3d]", d, t->space_group[(size_t)i * np + k]);
        else
          printf(" %18s", "failed");
      }
      printf("  %s\n", t->lowest[k] >= 0 ? in->name[t->lowest[k]] : "-");
    }
  }
  if (!t->ncrossings)
    printf("no transition between %g and %g GPa\n", t->pressure_gpa[0],
           t->pressure_gpa[np - 1]);
  for (int c = 0; c < t->ncrossings; c++)
    printf("%s -> %s at %.3f GPa\n", in->name[t->crossings[c].from],
           in->name[t->crossings[c].to], t->crossings[c].pressure_gpa);
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
  cJSON *arr = cJSON_AddArrayToObject(root, "structures");
  for (int i = 0; i < in->n; i++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", in->name[i]);
    cJSON *h = cJSON_AddArrayToObject(o, "enthalpy_per_atom_ev");
    cJSON *v = cJSON_AddArrayToObject(o, "volume_per_atom_a3");
    cJSON *sg = cJSON_AddArrayToObject(o, "space_group_number");
    for (int k = 0; k < np; k++) {
      size_t at = (size_t)i * np + k;
      double hv = t->enthalpy_per_atom_ev[at], vv = t->volume_per_atom_a3[at];
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
  for (int i = 0; i < in->n; i++)
    fprintf(fp, ",%s enthalpy_per_atom_ev,%s volume_per_atom_a3", in->name[i],
            in->name[i]);
  fprintf(fp, "\n");
  int np = t->npressures;
  for (int k = 0; k < np; k++) {
    fprintf(fp, "%.10g", t->pressure_gpa[k]);
    for (int i = 0; i < in->n; i++)
      fprintf(fp, ",%.12g,%.10g", t->enthalpy_per_atom_ev[(size_t)i * np + k],
              t->volume_per_atom_a3[(size_t)i * np + k]);
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
  rc = CLI_FAILED;
  for (int k = 0; k < g.ninputs; k++)
    if (add_input(&in, g.inputs[k], g.top, &err)) goto done;
  int ref = reference_index(&g, &in);
  if (ref < 0) {
    rc = cli_usage(CMD, "--reference %s: no structure of that name or index",
                   g.reference);
    goto done;
  }
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
  nacre_potential_free(p);
  for (int i = 0; i < in.n; i++) nacre_structure_free(in.s[i]);
  free(in.s);
  free(in.name);
  free(g.inputs);
  free(g.pressures);
  return rc;
}

const nacre_command nacre_cmd_transitions = {
    "transitions", "enthalpy against pressure and transition pressures", run};
