/* cmd_order.c — `nacre order PARENT --substitute SITE:SPECIES`: the
 * symmetry-distinct orderings of partially occupied sites in supercells of
 * a parent crystal, ranked by Ewald energy with given charges; writes the
 * best; the ideal mixing entropy of the disorder. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "nacre/io.h"
#include "nacre/sym.h"
#include "nacre/thermo.h"

static const char *const CMD = "order";

static void help(void) {
  printf(
      "Usage: nacre order PARENT [--substitute SITE:SPECIES ...] [options]\n"
      "\n"
      "Enumerates the symmetry-distinct orderings of partially occupied sites\n"
      "of PARENT (POSCAR, CIF, extxyz, ...) in supercells of 1..N primitive\n"
      "cells: every supercell up to the parent's rotations and every\n"
      "assignment of species to the disordered sites that no operation of\n"
      "the supercell maps onto an earlier one (Hart & Forcade); ranks them by\n"
      "Ewald energy with --charges and writes the best. A CIF PARENT with\n"
      "partially occupied sites (_atom_site_occupancy < 1, mixed sites)\n"
      "needs no --substitute: its occupancies give the rules (printed as\n"
      "--substitute options; fractions as small-integer ratios, 0.667 = 2/3).\n"
      "\n"
      "Options:\n"
      "  --substitute SITE:SPECIES  the disordered sites (repeatable; required\n"
      "                        unless PARENT is a disordered CIF): SITE is\n"
      "                        an element of PARENT, optionally with a Wyckoff\n"
      "                        position (Na@18e or Na@e); SPECIES lists what\n"
      "                        sits there with fractions, vac for a vacancy:\n"
      "                        Na:Na=0.75,vac=0.25  P:Si=2/3,P=1/3\n"
      "  --cells N | N0:N1     supercell sizes in primitive cells (default 1)\n"
      "  --charges EL=Q,...    point charges (e) by element: rank the orderings\n"
      "                        by Ewald energy\n"
      "  --top K               print and write the best K (default 10)\n"
      "  -o, --output DIR      write rankNN.cif and rankNN.vasp of the best K\n"
      "  --all-compositions    every composition with each species present\n"
      "                        (fractions ignored)\n"
      "  --exchange            also identify orderings that differ by swapping\n"
      "                        the species labels (with --all-compositions; the\n"
      "                        counting convention of the enumeration\n"
      "                        literature)\n"
      "  --max-assignments N   refuse larger enumerations (default 1e9)\n"
      "  --symprec A           symmetry tolerance in Å (default 0.01)\n"
      "  --json                machine-readable output\n"
      "  -q, --quiet           only the counts\n"
      "  -v, --verbose         progress on standard error\n"
      "  -h, --help            this text\n"
      "\n"
      "Example (NASICON, Na3Zr2Si2PO12 from NaZr2P3O12 with Na on 6b and 18e):\n"
      "  nacre order nasicon.cif --substitute Na:Na=0.75,vac=0.25 \\\n"
      "      --substitute P:Si=2/3,P=1/3 --cells 1 \\\n"
      "      --charges Na=1,Zr=4,Si=4,P=5,O=-2 --top 5 -o orderings\n");
}

#define MAX_RULES 8

typedef struct args {
  const char *parent, *out, *charges;
  nacre_order_rule rules[MAX_RULES];
  int nrules, top, json, quiet, verbose, all, exchange;
  int cells[2];
  double max_assignments, symprec;
} args;

static int parse_fraction(const char *text, double *v) {
  char *end;
  errno = 0;
  double a = strtod(text, &end);
  if (end == text || errno) return -1;
  if (*end == '/') {
    const char *q = end + 1;
    double b = strtod(q, &end);
    if (end == q || *end || !(b > 0)) return -1;
    a /= b;
  } else if (*end) {
    return -1;
  }
  *v = a;
  return isfinite(a) ? 0 : -1;
}

/* "Na@18e:Na=0.75,vac=0.25" */
static int parse_rule(const char *text, nacre_order_rule *r) {
  memset(r, 0, sizeof *r);
  char buf[512];
  snprintf(buf, sizeof buf, "%s", text);
  char *colon = strchr(buf, ':');
  if (!colon) return cli_usage(CMD, "--substitute expects SITE:SPECIES, got '%s'", text);
  *colon = '\0';
  char *at = strchr(buf, '@');
  if (at) {
    *at = '\0';
    const char *w = at + 1;
    while (*w >= '0' && *w <= '9') w++;
    if (!(w[0] >= 'a' && w[0] <= 'z') || w[1])
      return cli_usage(CMD, "--substitute: Wyckoff position '%s' (e.g. 18e)", at + 1);
    r->wyckoff = w[0];
  }
  if (!(r->site_z = nacre_element_z(buf)))
    return cli_usage(CMD, "--substitute: unknown element '%s'", buf);
  char *save = NULL;
  for (char *t = strtok_r(colon + 1, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(t, '=');
    if (!eq) return cli_usage(CMD, "--substitute: '%s' is not EL=FRACTION", t);
    *eq = '\0';
    if (r->nspecies == NACRE_ORDER_MAX_SPECIES)
      return cli_usage(CMD, "--substitute: at most %d species", NACRE_ORDER_MAX_SPECIES);
    int z = !strcmp(t, "vac") || !strcmp(t, "X") ? 0 : nacre_element_z(t);
    if (!z && strcmp(t, "vac") && strcmp(t, "X"))
      return cli_usage(CMD, "--substitute: unknown species '%s' (vac: vacancy)", t);
    double f;
    if (parse_fraction(eq + 1, &f) || !(f > 0) || f > 1)
      return cli_usage(CMD, "--substitute: fraction '%s' of %s is not in (0, 1]",
                       eq + 1, t);
    r->z[r->nspecies] = z;
    r->fraction[r->nspecies++] = f;
  }
  if (!r->nspecies) return cli_usage(CMD, "--substitute '%s' lists no species", text);
  return CLI_OK;
}

static int parse_args(int argc, char **argv, args *g) {
  memset(g, 0, sizeof *g);
  g->top = 10;
  g->cells[0] = g->cells[1] = 1;
  g->max_assignments = 1e9;
  g->symprec = NACRE_SYMPREC_DEFAULT;
  int rc = CLI_OK;
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return -1;
    } else if (!strcmp(a, "--substitute")) {
      CLI_NEED_VALUE(CMD);
      if (g->nrules == MAX_RULES) rc = cli_usage(CMD, "at most %d --substitute", MAX_RULES);
      else rc = parse_rule(v, &g->rules[g->nrules++]);
    } else if (!strcmp(a, "--cells")) {
      CLI_NEED_VALUE(CMD);
      char *end;
      long a0 = strtol(v, &end, 10), a1 = a0;
      if (*end == ':') a1 = strtol(end + 1, &end, 10);
      if (*end || a0 < 1 || a1 < a0 || a1 > 64)
        rc = cli_usage(CMD, "--cells expects N or N0:N1 (1..64), got '%s'", v);
      g->cells[0] = (int)a0;
      g->cells[1] = (int)a1;
    } else if (!strcmp(a, "--charges")) {
      CLI_NEED_VALUE(CMD);
      g->charges = v;
    } else if (!strcmp(a, "--top")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_int(CMD, a, v, &g->top) || g->top < 1)
        rc = cli_usage(CMD, "--top needs a positive integer");
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      CLI_NEED_VALUE(CMD);
      g->out = v;
    } else if (!strcmp(a, "--all-compositions")) {
      g->all = 1;
    } else if (!strcmp(a, "--exchange")) {
      g->exchange = 1;
    } else if (!strcmp(a, "--max-assignments")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &g->max_assignments) || !(g->max_assignments >= 1))
        rc = cli_usage(CMD, "--max-assignments needs a number >= 1");
    } else if (!strcmp(a, "--symprec")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &g->symprec) || !(g->symprec > 0))
        rc = cli_usage(CMD, "--symprec needs a positive number of Å");
    } else if (!strcmp(a, "--json")) {
      g->json = 1;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      g->quiet = 1;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      g->verbose = 1;
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage(CMD, "unknown option '%s'", a);
    } else if (!g->parent) {
      g->parent = a;
    } else {
      rc = cli_usage(CMD, "more than one PARENT ('%s', '%s')", g->parent, a);
    }
  }
  if (rc != CLI_OK) return rc;
  if (!g->parent) return cli_usage(CMD, "no PARENT given");
  if (g->exchange && !g->all) return cli_usage(CMD, "--exchange needs --all-compositions");
  return CLI_OK;
}

static int parse_charges(const char *text, int *z, double *q, int *n) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", text);
  *n = 0;
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(t, '=');
    if (!eq) return cli_usage(CMD, "--charges expects EL=Q,..., got '%s'", t);
    *eq = '\0';
    int zk = nacre_element_z(t);
    if (!zk || *n == NACRE_MAX_Z) return cli_usage(CMD, "--charges: bad element '%s'", t);
    if (cli_parse_double(CMD, "--charges", eq + 1, &q[*n])) return CLI_USAGE;
    z[(*n)++] = zk;
  }
  return *n ? CLI_OK : cli_usage(CMD, "--charges is empty");
}

typedef struct {
  double e;
  long k;
} ranked;

static int cmp_ranked(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->e != y->e) return x->e < y->e ? -1 : 1;
  return (x->k > y->k) - (x->k < y->k);
}

/* Orders indices by energy per atom (ascending; ties in enumeration
 * order). */
static int rank(long *idx, long n, const double *e, const nacre_orderings *o) {
  ranked *r = malloc((size_t)(n ? n : 1) * sizeof *r);
  if (!r) return -1;
  for (long k = 0; k < n; k++) {
    nacre_ordering_info in;
    nacre_ordering_info_get(o, k, &in, NULL);
    r[k].e = e[k] / in.natoms;
    r[k].k = k;
  }
  qsort(r, (size_t)n, sizeof *r, cmp_ranked);
  for (long k = 0; k < n; k++) idx[k] = r[k].k;
  free(r);
  return 0;
}

static void log_stderr(void *user, nacre_log_level l, const char *m) {
  (void)user;
  fprintf(stderr, "%s%s\n", l == NACRE_LOG_WARN ? "warning: " : "", m);
}

/* "Na@e:Na=0.75,vac=0.25", as --substitute takes it. */
static void format_rule(const nacre_order_rule *r, char *buf, size_t n) {
  size_t k = (size_t)snprintf(buf, n, "%s", nacre_element_by_z(r->site_z)->symbol);
  if (r->wyckoff && k < n) k += (size_t)snprintf(buf + k, n - k, "@%c", r->wyckoff);
  for (int s = 0; s < r->nspecies && k < n; s++)
    k += (size_t)snprintf(buf + k, n - k, "%s%s=%.6g", s ? "," : ":",
                          r->z[s] ? nacre_element_by_z(r->z[s])->symbol : "vac",
                          r->fraction[s]);
}

/* The parent: a CIF with partially occupied sites is read with them (its
 * rules taken from the occupancies unless --substitute gives them), any
 * other file as an ordered crystal. */
static nacre_status load_parent(args *g, nacre_structure **parent, cJSON *root,
                                nacre_error *err) {
  if (nacre_format_guess(g->parent) != NACRE_FORMAT_CIF) {
    if (!g->nrules)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "%s: give the disordered sites with --substitute "
                             "(only a CIF carries occupancies)", g->parent);
    return nacre_read_structure(g->parent, parent, err);
  }
  nacre_site_mix *mix = NULL;
  nacre_status st = nacre_read_cif_disordered(g->parent, parent, &mix, err);
  if (!st && !g->nrules) {
    st = nacre_order_rules_from_sites(*parent, mix, g->symprec, g->rules, MAX_RULES,
                                      &g->nrules, err);
    if (st) nacre_error_prefix(err, "%s: ", g->parent);
    cJSON *rules = cJSON_AddArrayToObject(root, "substitute");
    for (int r = 0; !st && r < g->nrules; r++) {
      char text[256];
      format_rule(&g->rules[r], text, sizeof text);
      cJSON_AddItemToArray(rules, cJSON_CreateString(text));
      if (!g->json && !g->quiet)
        printf("%s rule %d (from the occupancies): --substitute %s\n",
               r ? "     " : "disordered sites:", r + 1, text);
    }
  }
  free(mix);
  return st;
}

static void print_counts(const args *g, const nacre_orderings *ord, double s_cell,
                         const double *per_site) {
  char natoms[64];
  printf("primitive parent: %s; ideal mixing entropy %.6f k_B per cell",
         cli_count(nacre_orderings_parent(ord)->natoms, "atom", natoms), s_cell);
  for (int r = 0; r < g->nrules; r++)
    printf("%s%.6f k_B per site of rule %d", r ? ", " : " (", per_site[r], r + 1);
  printf(")\n");
  for (int c = g->cells[0]; c <= g->cells[1]; c++)
    printf("%3d cell%s: %4d supercell%s, %ld ordering%s\n", c, c == 1 ? " " : "s",
           nacre_orderings_supercells(ord, c),
           nacre_orderings_supercells(ord, c) == 1 ? "" : "s",
           nacre_orderings_count_cells(ord, c),
           nacre_orderings_count_cells(ord, c) == 1 ? "" : "s");
}

static void add_counts(const args *g, const nacre_orderings *ord, double s_cell,
                       const double *per_site, cJSON *root) {
  cJSON_AddNumberToObject(root, "parent_natoms", nacre_orderings_parent(ord)->natoms);
  cJSON_AddNumberToObject(root, "orderings", (double)nacre_orderings_count(ord));
  cJSON *counts = cJSON_AddArrayToObject(root, "by_cells");
  for (int c = g->cells[0]; c <= g->cells[1]; c++) {
    cJSON *x = cJSON_CreateObject();
    cJSON_AddNumberToObject(x, "cells", c);
    cJSON_AddNumberToObject(x, "supercells", nacre_orderings_supercells(ord, c));
    cJSON_AddNumberToObject(x, "orderings", (double)nacre_orderings_count_cells(ord, c));
    cJSON_AddItemToArray(counts, x);
  }
  cJSON_AddNumberToObject(root, "mixing_entropy_per_cell_kb", s_cell);
  cJSON_AddItemToObject(root, "mixing_entropy_per_site_kb",
                        cJSON_CreateDoubleArray(per_site, g->nrules));
}

static nacre_status write_ordering(const char *dir, long rank, const nacre_structure *s,
                                   nacre_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/rank%02ld.cif", dir, rank);
  nacre_status st = nacre_write_structure(path, s, NACRE_FORMAT_CIF, err);
  snprintf(path, sizeof path, "%s/rank%02ld.vasp", dir, rank);
  if (!st) st = nacre_write_structure(path, s, NACRE_FORMAT_POSCAR, err);
  return st;
}

/* The best --top orderings: the table row, the JSON entry and the files. */
static nacre_status report_best(const args *g, const nacre_orderings *ord,
                                const long *idx, const double *energy, int ncz,
                                cJSON *root, nacre_error *err) {
  long n = nacre_orderings_count(ord), shown = n < g->top ? n : g->top;
  cJSON *best = cJSON_AddArrayToObject(root, "best");
  if (!g->json && !g->quiet && shown)
    printf("\n%5s %6s %6s %11s %16s %14s  %s\n", "rank", "cells", "atoms",
           "degeneracy", ncz ? "E_ewald (eV/at)" : "", ncz ? "dE (meV/at)" : "",
           "formula");
  for (long r = 0; r < shown; r++) {
    long k = idx[r];
    nacre_ordering_info in, in0;
    nacre_structure *s = NULL;
    if (nacre_ordering_info_get(ord, k, &in, err) ||
        nacre_ordering_info_get(ord, idx[0], &in0, err) ||
        nacre_ordering_structure(ord, k, &s, err))
      return err->status;
    char formula[128];
    nacre_structure_formula(s, formula, sizeof formula);
    double epa = ncz ? energy[k] / s->natoms : NAN;
    double de = ncz ? 1000 * (epa - energy[idx[0]] / in0.natoms) : NAN;
    if (!g->json && !g->quiet) {
      printf("%5ld %6d %6d %11ld", r + 1, in.cells, in.natoms, in.degeneracy);
      if (ncz) printf(" %16.8f %14.3f", epa, de);
      else printf(" %16s %14s", "", "");
      printf("  %s\n", formula);
    }
    cJSON *x = cJSON_CreateObject();
    cJSON_AddNumberToObject(x, "rank", (double)(r + 1));
    cJSON_AddNumberToObject(x, "cells", in.cells);
    cJSON_AddNumberToObject(x, "natoms", in.natoms);
    cJSON_AddNumberToObject(x, "degeneracy", (double)in.degeneracy);
    cJSON_AddStringToObject(x, "formula", formula);
    cJSON *h = cJSON_AddArrayToObject(x, "supercell_matrix");
    for (int i = 0; i < 3; i++) cJSON_AddItemToArray(h, cJSON_CreateIntArray(in.hnf[i], 3));
    if (ncz) {
      cJSON_AddNumberToObject(x, "energy_ev", energy[k]);
      cJSON_AddNumberToObject(x, "energy_per_atom_ev", epa);
    }
    cJSON_AddItemToArray(best, x);
    nacre_status st = g->out ? write_ordering(g->out, r + 1, s, err) : NACRE_OK;
    nacre_structure_free(s);
    if (st) return st;
  }
  return NACRE_OK;
}

/* Enumeration order, or by Ewald energy per atom with charges. */
static nacre_status rank_orderings(const nacre_orderings *ord, const int *cz,
                                   const double *cq, int ncz, const nacre_ctx *ctx,
                                   long **idx, double **energy, nacre_error *err) {
  long n = nacre_orderings_count(ord);
  *idx = malloc((size_t)(n ? n : 1) * sizeof **idx);
  *energy = malloc((size_t)(n ? n : 1) * sizeof **energy);
  if (!*idx || !*energy) return nacre_error_set(err, NACRE_ERR_NOMEM, "%ld orderings", n);
  for (long k = 0; k < n; k++) (*idx)[k] = k;
  if (!ncz) return NACRE_OK;
  nacre_status st = nacre_orderings_ewald(ord, cz, cq, ncz, 1e-10, *energy, ctx, err);
  if (!st && rank(*idx, n, *energy, ord))
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "ranking %ld orderings", n);
  return st;
}

static int run(int argc, char **argv) {
  args g;
  int rc = parse_args(argc, argv, &g);
  if (rc) return rc < 0 ? CLI_OK : rc;
  int cz[NACRE_MAX_Z], ncz = 0;
  double cq[NACRE_MAX_Z];
  if (g.charges && (rc = parse_charges(g.charges, cz, cq, &ncz))) return rc;
  nacre_ctx ctx;
  cli_ctx_init(&ctx, g.verbose);
  ctx.log = log_stderr;
  cli_catch_interrupts(&ctx, 1);
  nacre_error err;
  nacre_error_clear(&err);
  nacre_structure *parent = NULL;
  nacre_orderings *ord = NULL;
  double *energy = NULL;
  long *idx = NULL;
  cJSON *root = cJSON_CreateObject();
  rc = CLI_FAILED;
  if (load_parent(&g, &parent, root, &err)) goto done;
  nacre_order_options o;
  nacre_order_options_init(&o);
  o.min_cells = g.cells[0];
  o.max_cells = g.cells[1];
  o.all_compositions = g.all;
  o.exchange_species = g.exchange;
  o.symprec = g.symprec;
  o.max_assignments = g.max_assignments;
  if (nacre_order_enumerate(parent, g.rules, g.nrules, &o, &ctx, &ord, &err) ||
      rank_orderings(ord, cz, cq, ncz, &ctx, &idx, &energy, &err))
    goto done;
  double per_site[MAX_RULES];
  double s_cell = nacre_orderings_mixing_entropy(ord, per_site);
  add_counts(&g, ord, s_cell, per_site, root);
  if (!g.json) print_counts(&g, ord, s_cell, per_site);
  if (g.out && mkdir(g.out, 0777) && errno != EEXIST) {
    nacre_error_set(&err, NACRE_ERR_IO, "cannot create %s: %s", g.out, strerror(errno));
    goto done;
  }
  if (report_best(&g, ord, idx, energy, ncz, root, &err)) goto done;
  if (g.json) {
    char *text = cJSON_Print(root);
    if (text) printf("%s\n", text);
    free(text);
  }
  rc = CLI_OK;
done:
  cli_catch_interrupts(&ctx, 0);
  if (rc != CLI_OK) cli_fail(CMD, &err);
  cJSON_Delete(root);
  free(idx);
  free(energy);
  nacre_orderings_free(ord);
  nacre_structure_free(parent);
  return rc;
}

const nacre_command nacre_cmd_order = {
    "order", "symmetry-distinct orderings of partially occupied sites, by Ewald energy",
    run};
