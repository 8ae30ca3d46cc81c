/* cmd_ewald.c — `nacre ewald STRUCTURE --charges Na=1,Cl=-1`: the Ewald
 * energy of point charges (its real, reciprocal, self and charged-cell
 * terms), the Madelung constant and the potential at every site. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/io.h"
#include "nacre/pot.h"

static const char *const CMD = "ewald";

static void help(void) {
  printf(
      "Usage: nacre ewald STRUCTURE --charges EL=Q,... [options]\n"
      "\n"
      "Ewald summation of point charges in the periodic cell of STRUCTURE\n"
      "(POSCAR, extxyz, CIF, ...; path@N picks frame N): the Coulomb energy\n"
      "and its real-space, reciprocal-space, self and charged-cell\n"
      "(neutralising background) terms in eV, the stress, the Madelung\n"
      "constant M = -E_fu r0 / k (E_fu per formula unit, r0 the shortest\n"
      "cation-anion distance, k = e^2/4pi eps0 = 14.3996 eV Å; rocksalt with\n"
      "charges +-1: 1.747565) and the electrostatic potential at every site.\n"
      "\n"
      "Options:\n"
      "  --charges EL=Q,...  charge of each element in units of e (required),\n"
      "                      e.g. Mg=2,Al=3,O=-2\n"
      "  --accuracy EPS      relative size of the first neglected terms of both\n"
      "                      sums (default 1e-12)\n"
      "  --alpha A           splitting parameter in 1/Å (default: balanced from\n"
      "                      the number of atoms and the volume)\n"
      "  --per-site          print each site's potential (V) and energy\n"
      "                      1/2 q phi (eV)\n"
      "  --json              machine-readable output\n"
      "  -q, --quiet         print only the energy (eV)\n"
      "  -h, --help          this text\n"
      "\n"
      "JSON keys: natoms, formula, energy_ev, energy_per_atom_ev, real_ev,\n"
      "reciprocal_ev, self_ev, charged_ev, total_charge_e, alpha_inv_a,\n"
      "real_cutoff_a, reciprocal_cutoff_inv_a, reciprocal_vectors,\n"
      "stress_gpa, pressure_gpa; for a neutral cell with both signs\n"
      "madelung_constant, formula_units, nearest_distance_a,\n"
      "energy_per_formula_unit_ev; with --per-site site_potentials_v and\n"
      "site_energies_ev.\n"
      "\n"
      "Example:\n"
      "  nacre ewald NaCl.cif --charges Na=1,Cl=-1\n");
}

/* "Na=1,Cl=-1" → elements and charges. */
static int parse_charges(const char *text, int *z, double *q, int *n) {
  char buf[1024];
  if (strlen(text) >= sizeof buf)
    return cli_usage(CMD, "--charges: list too long");
  strcpy(buf, text);
  *n = 0;
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(t, '=');
    if (!eq) return cli_usage(CMD, "--charges expects EL=Q,..., got '%s'", t);
    *eq = '\0';
    int zk = nacre_element_z(t);
    if (!zk) return cli_usage(CMD, "--charges: unknown element '%s'", t);
    if (*n == NACRE_MAX_Z) return cli_usage(CMD, "--charges: too many");
    double v;
    if (cli_parse_double(CMD, "--charges", eq + 1, &v)) return CLI_USAGE;
    z[*n] = zk;
    q[(*n)++] = v;
  }
  if (!*n) return cli_usage(CMD, "--charges is empty");
  return CLI_OK;
}

static const char *symbol(int z) {
  const nacre_element *e = nacre_element_by_z(z);
  return e ? e->symbol : "X";
}

static int print_json(const nacre_structure *s, const nacre_ewald_result *r,
                      const nacre_madelung *m, int have_m, const double *q,
                      const double *phi, int per_site) {
  char formula[256];
  nacre_structure_formula(s, formula, sizeof formula);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "natoms", s->natoms);
  cJSON_AddStringToObject(o, "formula", formula);
  cJSON_AddNumberToObject(o, "energy_ev", r->energy_ev);
  cJSON_AddNumberToObject(o, "energy_per_atom_ev", r->energy_ev / s->natoms);
  cJSON_AddNumberToObject(o, "real_ev", r->real_ev);
  cJSON_AddNumberToObject(o, "reciprocal_ev", r->reciprocal_ev);
  cJSON_AddNumberToObject(o, "self_ev", r->self_ev);
  cJSON_AddNumberToObject(o, "charged_ev", r->charged_ev);
  cJSON_AddNumberToObject(o, "total_charge_e", r->total_charge);
  cJSON_AddNumberToObject(o, "alpha_inv_a", r->alpha);
  cJSON_AddNumberToObject(o, "real_cutoff_a", r->real_cutoff_a);
  cJSON_AddNumberToObject(o, "reciprocal_cutoff_inv_a", r->reciprocal_cutoff);
  cJSON_AddNumberToObject(o, "reciprocal_vectors", (double)r->nvectors);
  double sg[6];
  for (int k = 0; k < 6; k++) sg[k] = r->stress[k] * NACRE_EV_A3_TO_GPA;
  cJSON_AddItemToObject(o, "stress_gpa", cJSON_CreateDoubleArray(sg, 6));
  cJSON_AddNumberToObject(o, "pressure_gpa", -(sg[0] + sg[1] + sg[2]) / 3);
  if (have_m) {
    cJSON_AddNumberToObject(o, "madelung_constant", m->madelung_constant);
    cJSON_AddNumberToObject(o, "formula_units", m->formula_units);
    cJSON_AddNumberToObject(o, "nearest_distance_a", m->nearest_distance_a);
    cJSON_AddNumberToObject(o, "energy_per_formula_unit_ev",
                            m->energy_per_formula_unit_ev);
  }
  if (per_site) {
    cJSON_AddItemToObject(o, "site_potentials_v",
                          cJSON_CreateDoubleArray(phi, s->natoms));
    cJSON *se = cJSON_AddArrayToObject(o, "site_energies_ev");
    for (int i = 0; i < s->natoms; i++)
      cJSON_AddItemToArray(se, cJSON_CreateNumber(0.5 * q[i] * phi[i]));
  }
  char *text = cJSON_Print(o);
  cJSON_Delete(o);
  if (!text) return CLI_FAILED;
  printf("%s\n", text);
  free(text);
  return CLI_OK;
}

static void print_table(const char *path, const nacre_structure *s,
                        const nacre_ewald_result *r, const nacre_madelung *m,
                        int have_m, const double *q, const double *phi,
                        int per_site) {
  char formula[256];
  nacre_structure_formula(s, formula, sizeof formula);
  printf("structure        %s (%s, %d atom%s, total charge %g e)\n", path,
         formula, s->natoms, s->natoms == 1 ? "" : "s", r->total_charge);
  printf("energy           %.10f eV (%.10f eV/atom)\n", r->energy_ev,
         r->energy_ev / s->natoms);
  printf("  real space     %.10f eV (r < %.4f Å)\n", r->real_ev,
         r->real_cutoff_a);
  printf("  reciprocal     %.10f eV (%ld vectors, |G| < %.4f 1/Å)\n",
         r->reciprocal_ev, r->nvectors, r->reciprocal_cutoff);
  printf("  self           %.10f eV\n", r->self_ev);
  printf("  charged cell   %.10f eV\n", r->charged_ev);
  printf("alpha            %.6f 1/Å\n", r->alpha);
  printf("pressure         %.6f GPa\n",
         -(r->stress[0] + r->stress[1] + r->stress[2]) / 3 * NACRE_EV_A3_TO_GPA);
  if (have_m)
    printf("Madelung const.  %.9f (r0 %.6f Å, %d formula unit%s, %.8f "
           "eV/f.u.)\n",
           m->madelung_constant, m->nearest_distance_a, m->formula_units,
           m->formula_units == 1 ? "" : "s", m->energy_per_formula_unit_ev);
  if (per_site) {
    printf("\n%5s %-3s %10s %16s %16s\n", "atom", "el", "q (e)", "phi (V)",
           "q phi/2 (eV)");
    for (int i = 0; i < s->natoms; i++)
      printf("%5d %-3s %10.4f %16.8f %16.8f\n", i + 1, symbol(s->numbers[i]),
             q[i], phi[i], 0.5 * q[i] * phi[i]);
  }
}

static int run(int argc, char **argv) {
  const char *path = NULL;
  int json = 0, quiet = 0, per_site = 0, nz = 0, rc = CLI_OK;
  int z[NACRE_MAX_Z];
  double qz[NACRE_MAX_Z];
  nacre_ewald_options opt;
  nacre_ewald_options_init(&opt);
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return CLI_OK;
    } else if (!strcmp(a, "--charges")) {
      CLI_NEED_VALUE(CMD);
      rc = parse_charges(v, z, qz, &nz);
    } else if (!strcmp(a, "--accuracy")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &opt.accuracy)) rc = CLI_USAGE;
      else if (!(opt.accuracy > 0 && opt.accuracy < 1))
        rc = cli_usage(CMD, "--accuracy must lie in (0, 1)");
    } else if (!strcmp(a, "--alpha")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &opt.alpha)) rc = CLI_USAGE;
      else if (!(opt.alpha > 0))
        rc = cli_usage(CMD, "--alpha must be positive (1/Å)");
    } else if (!strcmp(a, "--per-site")) {
      per_site = 1;
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      quiet = 1;
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage(CMD, "unknown option '%s'", a);
    } else if (!path) {
      path = a;
    } else {
      rc = cli_usage(CMD, "unexpected argument '%s'", a);
    }
  }
  if (rc != CLI_OK) return rc;
  if (!path) return cli_usage(CMD, "no STRUCTURE given");
  if (!nz) return cli_usage(CMD, "--charges EL=Q,... is required");

  nacre_error err;
  nacre_error_clear(&err);
  nacre_structure *s = NULL;
  double *q = NULL, *phi = NULL;
  rc = CLI_FAILED;
  if (nacre_read_structure(path, &s, &err)) goto done;
  q = malloc((s->natoms ? s->natoms : 1) * sizeof *q);
  phi = malloc((s->natoms ? s->natoms : 1) * sizeof *phi);
  if (!q || !phi) {
    nacre_error_set(&err, NACRE_ERR_NOMEM, "%d atoms", s->natoms);
    goto done;
  }
  if (nacre_ewald_site_charges(s, z, qz, nz, q, &err)) goto done;
  nacre_ewald_result r;
  if (nacre_ewald(s, q, &opt, &r, NULL, phi, &err)) goto done;
  nacre_madelung m;
  nacre_error merr;
  int have_m = nacre_ewald_madelung(s, q, &opt, &m, &merr) == NACRE_OK;
  if (json)
    rc = print_json(s, &r, &m, have_m, q, phi, per_site);
  else if (quiet) {
    printf("%.10f\n", r.energy_ev);
    rc = CLI_OK;
  } else {
    print_table(path, s, &r, &m, have_m, q, phi, per_site);
    rc = CLI_OK;
  }
done:
  if (rc != CLI_OK && err.message[0]) cli_fail(CMD, &err);
  free(q);
  free(phi);
  nacre_structure_free(s);
  return rc;
}

const nacre_command nacre_cmd_ewald = {
    "ewald", "Ewald energy of point charges, Madelung constant, site potentials",
    run};
