/* cmd_hull.c — `nacre hull INPUT...`: the convex hull of formation
 * energies (enthalpies at a pressure; free energies at temperatures with
 * F_vib tables) of entries from CSV tables, structure files and search run
 * files; stable phases, energies above the hull, decompositions, voltage
 * profiles and plots. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hull_entries.h"
#include "hull_output.h"
#include "nacre/thermo.h"

static const char *const CMD = "hull";

static void help(void) {
  printf(
      "Usage: nacre hull INPUT... [options]\n"
      "\n"
      "Convex hull of formation energies in any number of elements: the\n"
      "formation energy per atom of every entry, its energy above the hull\n"
      "and the hull phases it decomposes into (with atom fractions), the\n"
      "stable set; at a pressure through enthalpies H = E + PV, at\n"
      "temperatures through vibrational free energies (F_vib tables, e.g.\n"
      "from nacre phonon), and the intercalation voltage along the hull.\n"
      "\n"
      "INPUT is any mix of\n"
      "  *.csv     a header naming the columns formula and one of energy_ev,\n"
      "            energy_per_atom_ev, enthalpy_ev, enthalpy_per_atom_ev (eV);\n"
      "            optional name, volume_a3 or volume_per_atom_a3 (needed for\n"
      "            energies at --pressure), fvib_file (F_vib table, relative to\n"
      "            the CSV's folder); '#' starts a comment\n"
      "  *.db      a search run file: its unique minima (--top K per file) at\n"
      "            the run's pressure\n"
      "  other     structure files with energies: every frame of extended\n"
      "            XYZ (name from the info key name or config_type), the last\n"
      "            of OUTCAR, ...\n"
      "Every element needs at least one pure entry (its reference).\n"
      "\n"
      "Options:\n"
      "  --pressure GPA         enthalpies at this pressure (default: the run\n"
      "                         files' pressure, else 0)\n"
      "  --elements A,B,...     order of the elements (default: as they first\n"
      "                         appear); a binary plot runs from pure A to B\n"
      "  --top K                take the best K minima of each run file\n"
      "                         (default: every unique minimum)\n"
      "  --temperatures T0:T1:DT  hulls of E + N F_vib(T) on this grid (K;\n"
      "                         also a comma list); prints the temperature\n"
      "                         range over which each entry is stable\n"
      "  --fvib NAME=FILE       F_vib table of the entry NAME (repeatable):\n"
      "                         nacre phonon's thermal.csv (temperature_k,\n"
      "                         vibrational_free_energy_per_atom_ev in\n"
      "                         eV/atom), added to the entry's energy; or its\n"
      "                         quasi-harmonic qha.csv, whose G(T, P) replaces\n"
      "                         the entry's energy\n"
      "  --allow-missing-fvib   entries without a table get F_vib = 0 (with a\n"
      "                         warning; default: an error)\n"
      "  --voltage ION          voltage profile of inserting ION (e.g. Li)\n"
      "                         into --host, against the ION metal\n"
      "  --host FORMULA         host formula unit (default: for a binary, one\n"
      "                         atom of the other element)\n"
      "  --ion-charge Z         charge of the ion in e (default 1)\n"
      "  --plot FILE.svg        the hull (binary: formation energy and energy\n"
      "                         above the hull; ternary: Gibbs triangle)\n"
      "  --voltage-plot FILE.svg  the voltage profile\n"
      "  --csv FILE             one row per entry: name, formula, natoms,\n"
      "                         energy_per_atom_ev,\n"
      "                         formation_energy_per_atom_ev,\n"
      "                         energy_above_hull_per_atom_ev, stable,\n"
      "                         decomposition\n"
      "  --json                 machine-readable output (same keys)\n"
      "  -q, --quiet            only the stable phases\n"
      "  -v, --verbose          details on standard error\n"
      "  -h, --help             this text\n"
      "\n"
      "Examples:\n"
      "  nacre hull li.db li2sn5.db lisn.db li7sn2.db sn.db --plot lisn.svg \\\n"
      "      --voltage Li --voltage-plot v.svg\n"
      "  nacre hull phases.csv --temperatures 0:600:25 --fvib LiSn=lisn_fvib.csv\n");
}

typedef struct fvib_opt {
  char name[96];
  const char *path;
} fvib_opt;

typedef struct args {
  const char **inputs;
  int ninputs;
  const char *elements, *plot, *csv, *voltage_ion, *host, *voltage_plot;
  double *temps;
  int ntemps, json, quiet, verbose, allow_missing, top;
  double pressure, ion_charge;
  int have_pressure;
  fvib_opt *fvib;
  int nfvib;
} args;

static int parse_args(int argc, char **argv, args *g) {
  memset(g, 0, sizeof *g);
  g->ion_charge = 1.0;
  g->inputs = calloc((size_t)argc, sizeof *g->inputs);
  g->fvib = calloc((size_t)argc, sizeof *g->fvib);
  if (!g->inputs || !g->fvib) return cli_usage(CMD, "out of memory");
  int rc = CLI_OK;
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return -1;
    } else if (!strcmp(a, "--pressure")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &g->pressure)) rc = CLI_USAGE;
      g->have_pressure = 1;
    } else if (!strcmp(a, "--elements")) {
      CLI_NEED_VALUE(CMD);
      g->elements = v;
    } else if (!strcmp(a, "--top")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_int(CMD, a, v, &g->top)) rc = CLI_USAGE;
      else if (g->top < 1) rc = cli_usage(CMD, "--top must be at least 1");
    } else if (!strcmp(a, "--temperatures")) {
      CLI_NEED_VALUE(CMD);
      free(g->temps);
      if (cli_parse_grid(CMD, a, v, 100000, &g->temps, &g->ntemps)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--fvib")) {
      CLI_NEED_VALUE(CMD);
      const char *eq = strchr(v, '=');
      if (!eq || eq == v || !eq[1] || (size_t)(eq - v) >= sizeof g->fvib[0].name)
        rc = cli_usage(CMD, "--fvib expects NAME=FILE, got '%s'", v);
      else {
        snprintf(g->fvib[g->nfvib].name, sizeof g->fvib[0].name, "%.*s",
                 (int)(eq - v), v);
        g->fvib[g->nfvib++].path = eq + 1;
      }
    } else if (!strcmp(a, "--allow-missing-fvib")) {
      g->allow_missing = 1;
    } else if (!strcmp(a, "--voltage")) {
      CLI_NEED_VALUE(CMD);
      g->voltage_ion = v;
    } else if (!strcmp(a, "--host")) {
      CLI_NEED_VALUE(CMD);
      g->host = v;
    } else if (!strcmp(a, "--ion-charge")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &g->ion_charge)) rc = CLI_USAGE;
      else if (!(g->ion_charge > 0)) rc = cli_usage(CMD, "--ion-charge must be > 0");
    } else if (!strcmp(a, "--plot")) {
      CLI_NEED_VALUE(CMD);
      g->plot = v;
    } else if (!strcmp(a, "--voltage-plot")) {
      CLI_NEED_VALUE(CMD);
      g->voltage_plot = v;
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
  if (!g->ninputs) return cli_usage(CMD, "no INPUT given");
  if ((g->voltage_plot || g->host) && !g->voltage_ion)
    return cli_usage(CMD, "--voltage-plot and --host need --voltage ION");
  if (g->nfvib && !g->ntemps)
    return cli_usage(CMD, "--fvib needs --temperatures");
  return CLI_OK;
}

static void args_free(args *a) {
  free(a->inputs);
  free(a->fvib);
  free(a->temps);
}

/* ------------------------------------------------------------------ */
/* Output                                                               */
/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* Temperatures                                                         */
/* ------------------------------------------------------------------ */

static int find_entry(const hull_entries *l, const char *name) {
  for (int i = 0; i < l->n; i++)
    if (!strcmp(l->e[i].name, name)) return i;
  return -1;
}

/* Stable ranges of each entry over the grid, as "T0-T1 K" text. */
static void ranges_text(const int *stable, int nt, int n, int i,
                        const double *temps, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (int t = 0; t < nt; t++) {
    if (!stable[(size_t)t * n + i]) continue;
    int u = t;
    while (u + 1 < nt && stable[(size_t)(u + 1) * n + i]) u++;
    used += (size_t)snprintf(buf + used, len > used ? len - used : 0,
                             "%s%g-%g K", used ? ", " : "", temps[t], temps[u]);
    t = u;
  }
  if (!used) snprintf(buf, len, "never");
}

static nacre_status temperature_scan(const args *a, hull_entries *l,
                                     const double *amounts,
                                     const double *energies, int nel,
                                     const nacre_ctx *ctx, cJSON *root,
                                     nacre_error *err) {
  nacre_fvib_table **tab = calloc((size_t)l->n, sizeof *tab);
  int *stable = malloc((size_t)a->ntemps * l->n * sizeof *stable);
  double *above = malloc((size_t)a->ntemps * l->n * sizeof *above);
  nacre_status st = tab && stable && above
                        ? NACRE_OK
                        : nacre_error_set(err, NACRE_ERR_NOMEM, "temperatures");
  for (int k = 0; k < a->nfvib && !st; k++) {
    int i = find_entry(l, a->fvib[k].name);
    if (i < 0)
      st = nacre_error_set(err, NACRE_ERR_INVALID,
                           "--fvib %s: no entry of that name", a->fvib[k].name);
    else if (l->e[i].fvib[0])
      st = nacre_error_set(err, NACRE_ERR_INVALID,
                           "--fvib %s: the entry has a table already",
                           a->fvib[k].name);
    else
      snprintf(l->e[i].fvib, sizeof l->e[i].fvib, "%s", a->fvib[k].path);
  }
  for (int i = 0; i < l->n && !st; i++) {
    if (l->e[i].fvib[0])
      st = nacre_fvib_table_read(l->e[i].fvib, &tab[i], err);
    else if (a->allow_missing)
      nacre_log(ctx, NACRE_LOG_WARN, "%s has no F_vib table: F_vib = 0",
                l->e[i].name);
  }
  if (!st)
    st = nacre_hull_temperature_scan(
        nel, l->n, amounts, energies, (const nacre_fvib_table *const *)tab,
        a->allow_missing, l->pressure_gpa, a->ntemps, a->temps, stable, above,
        err);
  if (!st) {
    cJSON *arr = cJSON_AddArrayToObject(root, "temperatures");
    if (!a->json && !a->quiet)
      printf("\nstability over %g-%g K (%d temperatures):\n", a->temps[0],
             a->temps[a->ntemps - 1], a->ntemps);
    for (int i = 0; i < l->n; i++) {
      char r[512];
      ranges_text(stable, a->ntemps, l->n, i, a->temps, r, sizeof r);
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "name", l->e[i].name);
      cJSON_AddStringToObject(o, "stable_ranges", r);
      cJSON *s = cJSON_AddArrayToObject(o, "energy_above_hull_per_atom_ev");
      for (int t = 0; t < a->ntemps; t++)
        cJSON_AddItemToArray(s, cJSON_CreateNumber(above[(size_t)t * l->n + i]));
      cJSON_AddItemToArray(arr, o);
      if (!a->json && (!a->quiet || strcmp(r, "never")))
        printf("  %-24s %s\n", l->e[i].name, r);
    }
    cJSON_AddItemToObject(root, "temperature_k",
                          cJSON_CreateDoubleArray(a->temps, a->ntemps));
  }
  for (int i = 0; tab && i < l->n; i++) nacre_fvib_table_free(tab[i]);
  free(tab);
  free(stable);
  free(above);
  return st;
}

/* ------------------------------------------------------------------ */
/* Voltage                                                              */
/* ------------------------------------------------------------------ */

static nacre_status voltage(const args *a, const hull_entries *l,
                            const nacre_hull *h, const int *z, int nel,
                            cJSON *root, nacre_error *err) {
  int zi = nacre_element_z(a->voltage_ion), ion = -1;
  for (int k = 0; k < nel; k++)
    if (z[k] == zi) ion = k;
  if (ion < 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "--voltage %s: not an element of the hull",
                           a->voltage_ion);
  double host[NACRE_HULL_MAX_ELEMENTS] = {0};
  char host_name[96];
  if (a->host) {
    hull_entry e;
    nacre_status st = hull_parse_formula(a->host, &e, err);
    if (st) return nacre_error_prefix(err, "--host: ");
    for (int j = 0; j < e.nz; j++) {
      int k = 0;
      while (k < nel && z[k] != e.z[j]) k++;
      if (k == nel)
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "--host '%s': %s is not an element of the hull",
                               a->host, hull_symbol(e.z[j]));
      host[k] += e.count[j];
    }
    snprintf(host_name, sizeof host_name, "%s", a->host);
  } else {
    if (nel != 2)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "--voltage in a hull of %d elements needs --host",
                             nel);
    host[1 - ion] = 1.0;
    snprintf(host_name, sizeof host_name, "%s", hull_symbol(z[1 - ion]));
  }
  nacre_voltage_step *s = NULL;
  int ns = 0;
  nacre_status st = nacre_hull_voltage_profile(h, host, ion, a->ion_charge, 0.0,
                                               &s, &ns, err);
  if (st) return st;
  cJSON *arr = cJSON_AddArrayToObject(root, "voltage");
  if (!a->json)
    printf("\nvoltage of %s(x)%s against %s metal:\n%10s %10s %12s  %s\n",
           hull_symbol(z[ion]), host_name, hull_symbol(z[ion]), "x start", "x end",
           "voltage (V)", "phases");
  double avg_num = 0.0, avg_den = 0.0;
  for (int k = 0; k < ns; k++) {
    char ph[512] = "";
    size_t len = 0;
    for (int j = 0; j < s[k].nphases && len < sizeof ph; j++)
      len += (size_t)snprintf(ph + len, sizeof ph - len, "%s%s", j ? " + " : "",
                              l->e[s[k].phases[j]].name);
    if (!a->json)
      printf("%10.4f %10.4f %12.5f  %s\n", s[k].x_start, s[k].x_end,
             s[k].voltage_v, ph);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "x_start", s[k].x_start);
    cJSON_AddNumberToObject(o, "x_end", s[k].x_end);
    cJSON_AddNumberToObject(o, "voltage_v", s[k].voltage_v);
    cJSON_AddStringToObject(o, "phases", ph);
    cJSON_AddItemToArray(arr, o);
    avg_num += s[k].voltage_v * (s[k].x_end - s[k].x_start);
    avg_den += s[k].x_end - s[k].x_start;
  }
  if (avg_den > 0) {
    cJSON_AddNumberToObject(root, "average_voltage_v", avg_num / avg_den);
    if (!a->json)
      printf("average %.5f V over x = 0-%g\n", avg_num / avg_den, avg_den);
  }
  if (a->voltage_plot)
    st = nacre_voltage_svg(a->voltage_plot, s, ns, hull_symbol(z[ion]), host_name, err);
  free(s);
  return st;
}

/* ------------------------------------------------------------------ */

static int run(int argc, char **argv) {
  args a;
  int rc = parse_args(argc, argv, &a);
  if (rc) {
    args_free(&a);
    return rc < 0 ? CLI_OK : rc;
  }
  nacre_ctx ctx;
  cli_ctx_init(&ctx, a.verbose);
  nacre_error err;
  nacre_error_clear(&err);
  hull_entries l = {0};
  l.pressure_gpa = a.pressure;
  l.have_pressure = a.have_pressure;
  l.top = a.top;
  nacre_hull *h = NULL;
  double *amounts = NULL, *energies = NULL;
  cJSON *root = cJSON_CreateObject();
  int z[NACRE_HULL_MAX_ELEMENTS], nel = 0;
  rc = CLI_FAILED;
  for (int k = 0; k < a.ninputs; k++)
    if (hull_entries_add(&l, a.inputs[k], &ctx, &err)) goto done;
  hull_entries_reduce(&l);
  if (hull_entries_elements(&l, a.elements, z, &nel, &err) ||
      hull_entries_arrays(&l, z, nel, &amounts, &energies, &err) ||
      nacre_hull_new(nel, l.n, amounts, energies, &h, &err))
    goto done;
  cJSON *els = cJSON_AddArrayToObject(root, "elements");
  for (int k = 0; k < nel; k++) cJSON_AddItemToArray(els, cJSON_CreateString(hull_symbol(z[k])));
  cJSON_AddNumberToObject(root, "pressure_gpa", l.pressure_gpa);
  cJSON *ents = cJSON_AddArrayToObject(root, "entries");
  for (int i = 0; i < l.n; i++) cJSON_AddItemToArray(ents, hull_entry_json(&l, h, i, nel));
  cJSON *stab = cJSON_AddArrayToObject(root, "stable");
  for (int k = 0; k < nacre_hull_nstable(h); k++)
    cJSON_AddItemToArray(stab, cJSON_CreateString(l.e[nacre_hull_stable(h, k)].name));
  if (!a.json) {
    if (a.quiet)
      for (int k = 0; k < nacre_hull_nstable(h); k++)
        printf("%s\n", l.e[nacre_hull_stable(h, k)].name);
    else
      hull_print_table(&l, h, z, nel);
  }
  if (a.csv && hull_write_csv(a.csv, &l, h, &err)) goto done;
  if (a.plot) {
    const char **labels = malloc((size_t)l.n * sizeof *labels);
    const char *names[NACRE_HULL_MAX_ELEMENTS];
    for (int k = 0; k < nel; k++) names[k] = hull_symbol(z[k]);
    for (int i = 0; labels && i < l.n; i++) labels[i] = l.e[i].reduced;
    nacre_status st = labels ? nacre_hull_svg(a.plot, h, labels, names, &err)
                             : nacre_error_set(&err, NACRE_ERR_NOMEM, "plot");
    free(labels);
    if (st) goto done;
  }
  if (a.voltage_ion && voltage(&a, &l, h, z, nel, root, &err)) goto done;
  if (a.ntemps &&
      temperature_scan(&a, &l, amounts, energies, nel, &ctx, root, &err))
    goto done;
  if (a.json) {
    char *text = cJSON_Print(root);
    if (text) printf("%s\n", text);
    free(text);
  }
  rc = CLI_OK;
done:
  if (rc != CLI_OK) cli_fail(CMD, &err);
  cJSON_Delete(root);
  nacre_hull_free(h);
  free(amounts);
  free(energies);
  hull_entries_free(&l);
  args_free(&a);
  return rc;
}

const nacre_command nacre_cmd_hull = {
    "hull", "convex hull: formation energies, stability, decompositions, voltages",
    run};
