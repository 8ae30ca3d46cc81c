/* cmd_free_energy.c — `nacre free-energy`: absolute Gibbs free energies of
 * crystals and liquids by thermodynamic integration, G(T, P) tables per
 * phase, the lowest phase and the crossings (melting temperatures). Parses
 * options into nacre_fe_options, reads the structures, runs
 * nacre_fe_study_run and prints the result (a table, or --json). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nacre/io.h"
#include "nacre/thermo.h"

static const char *const CMD = "free-energy";

static void help(void) {
  printf(
      "Usage: nacre free-energy STRUCTURE... --potential SPEC --temperatures T0:T1:DT\n"
      "                         -o DIR [options]\n"
      "\n"
      "Absolute Gibbs free energies G(T, P) per atom of crystals and liquids by\n"
      "thermodynamic integration with molecular dynamics (classical nuclei,\n"
      "kinetic part included), and which phase is lowest where. Each STRUCTURE\n"
      "is one phase (a unit cell or a supercell; --supercell or --min-length\n"
      "makes the simulated cell).\n"
      "\n"
      "  crystal: NPT at the reference (T0, P0) to the mean cell; NVT there with\n"
      "    the centre of mass fixed for the Einstein sites and springs (from the\n"
      "    mean-square displacements); Frenkel-Ladd windows from the crystal to\n"
      "    the Einstein crystal at Gauss-Legendre values of lambda. F excludes the\n"
      "    free translation of the whole crystal (3N - 3 vibrational degrees of\n"
      "    freedom, the convention of nacre phonon).\n"
      "  liquid: melted at fixed volume, NPT at (T0, P0) to the mean volume;\n"
      "    windows from the liquid to the Uhlenbeck-Ford fluid and from that to\n"
      "    the ideal gas.\n"
      "  other temperatures: Gibbs-Helmholtz along each isobar with the enthalpy\n"
      "    of NPT runs on the grid; other pressures: integral of V dP along the\n"
      "    reference isotherm. Error bars: blocking of every run, propagated.\n"
      "  A crystal that melts or transforms in its reference run (diffusive,\n"
      "  sites lost, space group changed) and a liquid that crystallises are\n"
      "  reported as such and not integrated; grid points where a phase melted\n"
      "  or transformed have no G.\n"
      "\n"
      "Phases:\n"
      "  -p, --potential SPEC    potential file or inline spec (required)\n"
      "  --phase solid|liquid    for every structure, or a comma list with one per\n"
      "                          structure (default solid); a liquid starts from\n"
      "                          any structure and is melted first\n"
      "  --names A,B,...         labels of the phases (default: the file names,\n"
      "                          'liquid' for a liquid)\n"
      "  --supercell N1,N2,N3    supercell of every structure (or 9 integers, rows\n"
      "                          of M); default from --min-length\n"
      "  --min-length A          smallest width of the simulated cell, Å (default\n"
      "                          10; 0: the structure as given)\n"
      "\n"
      "State points:\n"
      "  --temperatures T0:T1:DT temperatures, K, inclusive, or a comma list\n"
      "                          (required)\n"
      "  --pressures P0:P1:DP    pressures, GPa (default: --pressure)\n"
      "  --pressure GPA          reference pressure P0, on the pressure grid\n"
      "                          (default 0, or the first of --pressures)\n"
      "  --reference-temperature K  reference T0, on the grid (default the first)\n"
      "  --fixed-cell            F(T, V) in the cell as given (no NPT), along the\n"
      "                          isochore; tables in free_energy.csv (G = F + <P> V)\n"
      "\n"
      "Integration:\n"
      "  --lambda-points N       Gauss-Legendre windows per integration (default 10)\n"
      "  --steps N               sampled MD steps per window and per grid point\n"
      "                          (default 10000; --steps-per-window is the same)\n"
      "  --equilibration N       steps before sampling in each (default steps/5,\n"
      "                          and at least 4 --tau-p for the NPT points)\n"
      "  --reference-steps N     steps of the reference NPT and NVT runs, each\n"
      "                          (default 2 x steps, plus a quarter to equilibrate)\n"
      "  --sample-every N        steps between samples (default 5)\n"
      "  --timestep FS           MD time step, fs (default 1)\n"
      "  --tau-t FS              thermostat time (Langevin 1/friction in windows,\n"
      "                          Bussi in NPT), fs (default 100 time steps)\n"
      "  --tau-p FS              barostat time, fs (default 250 time steps)\n"
      "  --compressibility B     barostat coupling, 1/GPa (default: the static\n"
      "                          compressibility of each phase's cell, from its\n"
      "                          pressures at volumes +-1 %%)\n"
      "  --barostat iso|aniso    crystals' NPT (default aniso; liquids: iso)\n"
      "  --melt-temperature K    liquids: melt at this T first (default 2.5 T0)\n"
      "  --uf-p P                Uhlenbeck-Ford p (default 50)\n"
      "  --uf-sigma A            Uhlenbeck-Ford sigma, Å (default half the mean\n"
      "                          atomic spacing of the liquid)\n"
      "  --quantum-correction    add the harmonic quantum - classical free energy\n"
      "                          of each crystal (nacre phonon on STRUCTURE as\n"
      "                          given) to its G (light elements)\n"
      "  --no-finite-size-correction\n"
      "                          crystals: leave out the harmonic finite-size\n"
      "                          correction (by default G includes the classical\n"
      "                          harmonic F of a dense phonon mesh minus that of\n"
      "                          the simulated cell's own wave vectors, from the\n"
      "                          force constants of the reference cell: the N-atom\n"
      "                          error of order k_BT ln N / N)\n"
      "  --max-msd-fraction F    a crystal whose RMS displacement exceeds F times\n"
      "                          its nearest-neighbour distance has melted (0.25)\n"
      "  --symprec A             tolerance of the space-group check of mean\n"
      "                          structures, Å, to which the statistical noise\n"
      "                          of the mean positions is added (default 0.01)\n"
      "\n"
      "Run:\n"
      "  -o, --output DIR        run directory (required): one file per finished\n"
      "                          window or run, tables and plots\n"
      "  --resume                continue the run in DIR with the same settings\n"
      "                          (the grids, the number of jobs and the time limit\n"
      "                          may change, phases may be added); a killed run\n"
      "                          loses only the runs in progress\n"
      "  -j, --jobs N            worker processes, each running one window or run\n"
      "                          (default 1)\n"
      "  --seed S                seed of every random stream (default 1)\n"
      "  --time-limit T          stop after T of wall time (90, 30m, 2h); resume\n"
      "                          later\n"
      "  --json                  the summary as JSON on standard output\n"
      "  -q, --quiet             only errors and the final result\n"
      "  -v, --verbose           details on standard error\n"
      "  -h, --help              this help\n"
      "\n"
      "Files in DIR: summary.json (the --json keys, doc/free-energy.md),\n"
      "relative.csv (G of every phase on the grid, differences in meV/atom,\n"
      "the lowest phase), crossings.csv (where G of two phases cross, with\n"
      "standard errors; melting temperatures), gibbs.svg, phase_map.svg (with\n"
      "several pressures), NAME/gibbs.csv per phase (read by nacre hull as a\n"
      "G(T, P) table, like nacre phonon's qha.csv), NAME/*.json per run.\n"
      "Units: K, GPa, eV per atom, Å.\n"
      "\n"
      "Examples:\n"
      "  nacre free-energy Cu.vasp -p Cu_u3.eam --temperatures 300:1500:300 \\\n"
      "      --supercell 4,4,4 -j 2 -o cu_fe\n"
      "  nacre free-energy fcc.vasp fcc.vasp --phase solid,liquid -p lj.spec \\\n"
      "      --temperatures 60:100:5 --timestep 5 -o lj_melt\n");
}

typedef struct args {
  const char *potential, *output, *phase_text, *names_text;
  const char **structures;
  int nstructures;
  int json, quiet, verbose;
  double *temps, *pressures;
  int ntemps, npressures, have_pressure;
  nacre_fe_options opt;
} args;

static int parse_long(const char *opt, const char *v, long min, long *out) {
  char *end;
  long x = strtol(v, &end, 10);
  if (end == v || *end || x < min)
    return cli_usage(CMD, "%s expects an integer >= %ld, got '%s'", opt, min, v);
  *out = x;
  return 0;
}

static int parse_supercell(const char *text, nacre_fe_options *o) {
  double v[9];
  int n = 1;
  for (const char *p = text; *p; p++) n += *p == ',';
  if ((n != 3 && n != 9) || cli_parse_list(CMD, "--supercell", text, n, v))
    return cli_usage(CMD, "--supercell expects 3 or 9 integers, got '%s'", text);
  memset(o->supercell, 0, sizeof o->supercell);
  for (int k = 0; k < n; k++) {
    if (v[k] != round(v[k]) || fabs(v[k]) > 100)
      return cli_usage(CMD, "--supercell entries must be integers, got '%s'", text);
    if (n == 3)
      o->supercell[k][k] = (int)v[k];
    else
      o->supercell[k / 3][k % 3] = (int)v[k];
  }
  return 0;
}

static int parse_args(int argc, char **argv, args *g) {
  int rc = CLI_OK;
  nacre_fe_options *o = &g->opt;
  g->structures = calloc((size_t)argc, sizeof *g->structures);
  if (!g->structures) return CLI_FAILED;
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    long n;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return -1;
    } else if (!strcmp(a, "-p") || !strcmp(a, "--potential")) {
      CLI_NEED_VALUE(CMD);
      g->potential = v;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      CLI_NEED_VALUE(CMD);
      g->output = v;
    } else if (!strcmp(a, "--phase")) {
      CLI_NEED_VALUE(CMD);
      g->phase_text = v;
    } else if (!strcmp(a, "--names")) {
      CLI_NEED_VALUE(CMD);
      g->names_text = v;
    } else if (!strcmp(a, "--supercell")) {
      CLI_NEED_VALUE(CMD);
      if (parse_supercell(v, o)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--min-length")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o->min_length_a) || o->min_length_a < 0)
        rc = cli_usage(CMD, "%s expects a length >= 0 Å", a);
    } else if (!strcmp(a, "--temperatures")) {
      CLI_NEED_VALUE(CMD);
      free(g->temps);
      if (cli_parse_grid(CMD, a, v, 10000, &g->temps, &g->ntemps)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--pressures")) {
      CLI_NEED_VALUE(CMD);
      free(g->pressures);
      if (cli_parse_grid(CMD, a, v, 10000, &g->pressures, &g->npressures)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--pressure")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o->reference_pressure_gpa)) rc = CLI_USAGE;
      g->have_pressure = 1;
    } else if (!strcmp(a, "--reference-temperature")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o->reference_temperature_k) ||
          !(o->reference_temperature_k > 0))
        rc = cli_usage(CMD, "%s expects a temperature > 0 K", a);
    } else if (!strcmp(a, "--fixed-cell")) {
      o->fixed_cell = 1;
    } else if (!strcmp(a, "--lambda-points")) {
      CLI_NEED_VALUE(CMD);
      if (parse_long(a, v, 2, &n) || n > 64)
        rc = rc ? rc : cli_usage(CMD, "%s expects 2 to 64", a);
      o->lambda_points = (int)n;
    } else if (!strcmp(a, "--steps") || !strcmp(a, "--steps-per-window")) {
      CLI_NEED_VALUE(CMD);
      if (parse_long(a, v, 10, &o->steps)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--equilibration")) {
      CLI_NEED_VALUE(CMD);
      if (parse_long(a, v, 0, &o->equilibration)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--reference-steps")) {
      CLI_NEED_VALUE(CMD);
      if (parse_long(a, v, 20, &o->reference_steps)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--sample-every")) {
      CLI_NEED_VALUE(CMD);
      if (parse_long(a, v, 1, &n) || n > 1000000)
        rc = rc ? rc : cli_usage(CMD, "%s expects 1 to 1000000", a);
      o->sample_every = (int)n;
    } else if (!strcmp(a, "--timestep")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o->timestep_fs) || !(o->timestep_fs > 0))
        rc = cli_usage(CMD, "%s expects a time step > 0 fs", a);
    } else if (!strcmp(a, "--tau-t")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o->thermostat_tau_fs) || !(o->thermostat_tau_fs > 0))
        rc = cli_usage(CMD, "%s expects a time > 0 fs", a);
    } else if (!strcmp(a, "--tau-p")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o->barostat_tau_fs) || !(o->barostat_tau_fs > 0))
        rc = cli_usage(CMD, "%s expects a time > 0 fs", a);
    } else if (!strcmp(a, "--compressibility")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o->compressibility_per_gpa) ||
          !(o->compressibility_per_gpa > 0))
        rc = cli_usage(CMD, "%s expects a compressibility > 0 1/GPa", a);
    } else if (!strcmp(a, "--barostat")) {
      CLI_NEED_VALUE(CMD);
      if (!strcmp(v, "iso"))
        o->anisotropic = 0;
      else if (!strcmp(v, "aniso"))
        o->anisotropic = 1;
      else
        rc = cli_usage(CMD, "--barostat expects iso or aniso, got '%s'", v);
    } else if (!strcmp(a, "--melt-temperature")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o->melt_temperature_k) || !(o->melt_temperature_k > 0))
        rc = cli_usage(CMD, "%s expects a temperature > 0 K", a);
    } else if (!strcmp(a, "--uf-p")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o->uf_p) || !(o->uf_p > 0))
        rc = cli_usage(CMD, "%s expects p > 0", a);
    } else if (!strcmp(a, "--uf-sigma")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o->uf_sigma_a) || !(o->uf_sigma_a > 0))
        rc = cli_usage(CMD, "%s expects a length > 0 Å", a);
    } else if (!strcmp(a, "--quantum-correction")) {
      o->quantum_correction = 1;
    } else if (!strcmp(a, "--no-finite-size-correction")) {
      o->finite_size_correction = 0;
    } else if (!strcmp(a, "--max-msd-fraction")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o->max_msd_fraction) || !(o->max_msd_fraction > 0))
        rc = cli_usage(CMD, "%s expects a fraction > 0", a);
    } else if (!strcmp(a, "--symprec")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &o->symprec) || !(o->symprec > 0))
        rc = cli_usage(CMD, "%s expects a tolerance > 0 Å", a);
    } else if (!strcmp(a, "--resume")) {
      o->resume = 1;
    } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs") || !strcmp(a, "--threads")) {
      CLI_NEED_VALUE(CMD);
      if (parse_long(a, v, 1, &n) || n > 256)
        rc = rc ? rc : cli_usage(CMD, "%s expects 1 to 256", a);
      o->jobs = (int)n;
    } else if (!strcmp(a, "--seed")) {
      CLI_NEED_VALUE(CMD);
      if (parse_long(a, v, 0, &n)) rc = CLI_USAGE;
      o->seed = (uint64_t)n;
    } else if (!strcmp(a, "--time-limit")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_duration(CMD, a, v, &o->time_limit_s)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--json")) {
      g->json = 1;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      g->quiet = 1;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      g->verbose = 1;
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage(CMD, "unknown option '%s'", a);
    } else {
      g->structures[g->nstructures++] = a;
    }
  }
  if (rc != CLI_OK) return rc;
  if (!g->nstructures) return cli_usage(CMD, "no structure given");
  if (!g->potential) return cli_usage(CMD, "--potential is required");
  if (!g->output) return cli_usage(CMD, "-o DIR is required (the run directory)");
  if (!g->temps) return cli_usage(CMD, "--temperatures is required");
  if (!g->pressures) {
    g->pressures = malloc(sizeof *g->pressures);
    if (!g->pressures) return CLI_FAILED;
    g->pressures[0] = o->reference_pressure_gpa;
    g->npressures = 1;
  } else if (!g->have_pressure) {
    o->reference_pressure_gpa = g->pressures[0];
  }
  return CLI_OK;
}

/* Item k of a comma list (copied into buf), or the whole text when it has
 * no comma; NULL when there are fewer items. */
static const char *list_item(const char *text, int k, char *buf, size_t len) {
  if (!strchr(text, ',')) {
    snprintf(buf, len, "%s", text);
    return buf;
  }
  const char *p = text;
  for (int i = 0; i < k; i++) {
    p = strchr(p, ',');
    if (!p) return NULL;
    p++;
  }
  size_t n = strcspn(p, ",");
  if (n >= len) n = len - 1;
  memcpy(buf, p, n);
  buf[n] = '\0';
  return buf;
}

static int count_items(const char *text) {
  int n = 1;
  for (const char *p = text; *p; p++) n += *p == ',';
  return n;
}

/* The file name without folders and extension. */
static void stem(const char *path, char *buf, size_t len) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  snprintf(buf, len, "%s", b);
  char *at = strchr(buf, '@');
  if (at) *at = '\0';
  char *dot = strrchr(buf, '.');
  if (dot && dot != buf) *dot = '\0';
  if (!buf[0]) snprintf(buf, len, "phase");
}

static int tty_progress;

static void progress(void *user, int done, int total, const char *what) {
  (void)user;
  if (tty_progress)
    fprintf(stderr, "\r\033[Kfree-energy: %d/%d done (%s)", done, total, what);
  else
    fprintf(stderr, "free-energy: %d/%d done (%s)\n", done, total, what);
  fflush(stderr);
}

static void print_result(const nacre_fe_study *s, const nacre_fe_options *o) {
  char b1[64];
  int inconclusive = 0;
  printf("free-energy: %s in %s, %.0f s (%d of %d runs done, %d in this invocation)\n",
         s->outcome, o->output_dir, s->wall_s, s->tasks_done, s->tasks_total, s->tasks_run);
  for (int p = 0; p < s->nphases; p++) {
    const nacre_fe_phase_result *r = &s->phases[p];
    printf("\n%s (%s, %s): %s\n", r->name, nacre_fe_phase_kind_name(r->kind),
           cli_count(r->natoms, "atom", b1), r->status);
    if (r->message[0]) printf("  %s\n", r->message);
    if (!isfinite(r->free_energy_per_atom_ev)) continue;
    printf("  reference %g K, %g GPa: V = %.4f Å^3/atom\n", r->reference_temperature_k,
           r->reference_pressure_gpa, r->reference_volume_per_atom_a3);
    if (r->kind == NACRE_FE_SOLID) {
      printf("  U0 = %.6f eV/atom, F_Einstein = %.6f eV/atom, springs", r->lattice_energy_per_atom_ev,
             r->reference_free_energy_per_atom_ev);
      for (int q = 0; q < r->nspecies; q++) {
        const nacre_element *e = nacre_element_by_z(r->species_z[q]);
        printf(" %s %.4f eV/Å^2 (<u^2> %.4f Å^2)", e ? e->symbol : "?", r->spring_constant_ev_a2[q],
               r->msd_a2[q]);
      }
      printf("\n");
    } else {
      printf("  F_ideal + F_UF = %.6f eV/atom (UF p = %g, sigma = %.4f Å; excess %.6f ± %.6f)\n",
             r->reference_free_energy_per_atom_ev, r->uf_p, r->uf_sigma_a,
             r->uf_excess_per_atom_ev, r->uf_excess_per_atom_stderr_ev);
    }
    printf("  integral over lambda %.6f ± %.6f eV/atom\n", r->delta_free_energy_per_atom_ev,
           r->delta_free_energy_per_atom_stderr_ev);
    printf("  F = %.6f ± %.6f eV/atom (the %d-atom cell)", r->free_energy_per_atom_ev,
           r->free_energy_per_atom_stderr_ev, r->natoms);
    if (isfinite(r->finite_size_correction_per_atom_ev))
      printf(", finite-size correction %+.6f eV/atom", r->finite_size_correction_per_atom_ev);
    printf("\n  G = %.6f ± %.6f eV/atom\n", r->gibbs_energy_per_atom_ev,
           r->gibbs_energy_per_atom_stderr_ev);
  }
  for (int ip = 0; ip < s->npressures; ip++) {
    int ref = -1;
    for (int p = 0; p < s->nphases && ref < 0; p++)
      for (int it = 0; it < s->ntemperatures && ref < 0; it++)
        if (s->phases[p].points && s->phases[p].points[it * s->npressures + ip].valid) ref = p;
    if (ref < 0) continue;
    printf("\nP = %g GPa: G per atom (eV) of %s, others relative to it (meV/atom), ± standard error\n",
           s->pressures_gpa[ip], s->phases[ref].name);
    printf("%9s", "T (K)");
    for (int p = 0; p < s->nphases; p++) printf("  %22.22s", s->phases[p].name);
    printf("  lowest\n");
    for (int it = 0; it < s->ntemperatures; it++) {
      int k = it * s->npressures + ip;
      printf("%9g", s->temperatures_k[it]);
      const nacre_fe_point *q0 = &s->phases[ref].points[k];
      for (int p = 0; p < s->nphases; p++) {
        const nacre_fe_point *q = s->phases[p].points ? &s->phases[p].points[k] : NULL;
        char cell[64];
        if (!q || !q->valid)
          snprintf(cell, sizeof cell, "—");
        else if (p == ref)
          snprintf(cell, sizeof cell, "%.5f ± %.5f", q->gibbs_energy_per_atom_ev,
                   q->gibbs_energy_per_atom_stderr_ev);
        else if (q0->valid)
          snprintf(cell, sizeof cell, "%+.2f ± %.2f",
                   1e3 * (q->gibbs_energy_per_atom_ev - q0->gibbs_energy_per_atom_ev),
                   1e3 * hypot(q->gibbs_energy_per_atom_stderr_ev, q0->gibbs_energy_per_atom_stderr_ev));
        else
          snprintf(cell, sizeof cell, "%.5f", q->gibbs_energy_per_atom_ev);
        if (q && q->valid && !strcmp(q->crystal_check, "inconclusive")) {
          strncat(cell, " *", sizeof cell - strlen(cell) - 1);
          inconclusive++;
        }
        printf("  %22s", cell);
      }
      int l = s->lowest[k];
      printf("  %s%s\n", l >= 0 ? s->phases[l].name : "—", l >= 0 && !s->lowest_certain[k] ? " (?)" : "");
    }
  }
  if (inconclusive)
    printf("\n* the crystal check of this point's run is inconclusive (the mean positions break the\n"
           "  symmetry beyond their noise but within the thermal displacement): a longer run decides;\n"
           "  the reason is in summary.json (points[].reason)\n");
  if (s->ncrossings) printf("\nCrossings of G(T):\n");
  for (int k = 0; k < s->ncrossings; k++) {
    const nacre_fe_crossing *c = &s->crossings[k];
    printf("  %g GPa: %s below, %s above %.1f ± %.1f K%s\n", s->pressures_gpa[c->pressure_index],
           s->phases[c->below].name, s->phases[c->above].name, c->temperature_k,
           c->temperature_stderr_k, c->melting ? " (melting)" : "");
  }
  printf("\nTables: %s/relative.csv, %s/crossings.csv, %s/NAME/gibbs.csv; plot %s/gibbs.svg\n",
         o->output_dir, o->output_dir, o->output_dir, o->output_dir);
}

static int run(int argc, char **argv) {
  args g;
  memset(&g, 0, sizeof g);
  nacre_fe_options_init(&g.opt);
  int rc = parse_args(argc, argv, &g);
  nacre_fe_phase *phases = NULL;
  nacre_structure **structs = NULL;
  char (*names)[64] = NULL;
  nacre_potential *pot = NULL;
  nacre_fe_study *study = NULL;
  nacre_error err;
  nacre_error_clear(&err);
  if (rc) {
    rc = rc < 0 ? CLI_OK : rc;
    goto done;
  }
  int n = g.nstructures;
  if (g.phase_text && count_items(g.phase_text) != 1 && count_items(g.phase_text) != n) {
    rc = cli_usage(CMD, "--phase lists %d phases for %d structures", count_items(g.phase_text), n);
    goto done;
  }
  if (g.names_text && count_items(g.names_text) != n) {
    rc = cli_usage(CMD, "--names lists %d names for %d structures", count_items(g.names_text), n);
    goto done;
  }
  phases = calloc((size_t)n, sizeof *phases);
  structs = calloc((size_t)n, sizeof *structs);
  names = calloc((size_t)n, sizeof *names);
  if (!phases || !structs || !names) {
    rc = CLI_FAILED;
    goto done;
  }
  int nliquid = 0;
  for (int k = 0; k < n; k++) {
    char buf[64];
    const char *kind = g.phase_text ? list_item(g.phase_text, k, buf, sizeof buf) : "solid";
    if (!strcmp(kind, "solid")) {
      phases[k].kind = NACRE_FE_SOLID;
    } else if (!strcmp(kind, "liquid")) {
      phases[k].kind = NACRE_FE_LIQUID;
      nliquid++;
    } else {
      rc = cli_usage(CMD, "--phase expects solid or liquid, got '%s'", kind);
      goto done;
    }
  }
  for (int k = 0; k < n; k++) {
    if (g.names_text) {
      list_item(g.names_text, k, names[k], sizeof names[k]);
    } else {
      char st[64];
      stem(g.structures[k], st, sizeof st);
      if (phases[k].kind == NACRE_FE_LIQUID)
        snprintf(names[k], sizeof names[k], nliquid == 1 ? "liquid" : "%.50s-liquid", st);
      else
        snprintf(names[k], sizeof names[k], "%s", st);
    }
    /* the same file twice as a solid: number them */
    for (int j = 0; j < k; j++)
      if (!strcmp(names[j], names[k])) {
        char base[64];
        snprintf(base, sizeof base, "%s", names[k]);
        snprintf(names[k], sizeof names[k], "%.50s-%d", base, (k + 1) % 1000);
      }
    if (nacre_read_structure(g.structures[k], &structs[k], &err)) {
      rc = cli_fail(CMD, &err);
      goto done;
    }
    phases[k].name = names[k];
    phases[k].structure = structs[k];
  }
  if (nacre_potential_load(g.potential, &pot, &err)) {
    rc = cli_fail(CMD, &err);
    goto done;
  }
  if (nacre_potential_note(pot) && !g.quiet) fprintf(stderr, "note: %s\n", nacre_potential_note(pot));
  g.opt.temperatures_k = g.temps;
  g.opt.ntemperatures = g.ntemps;
  g.opt.pressures_gpa = g.pressures;
  g.opt.npressures = g.npressures;
  g.opt.output_dir = g.output;
  g.opt.potential_spec = g.potential;
  nacre_ctx ctx;
  cli_ctx_init(&ctx, g.verbose);
  if (g.quiet) ctx.log_level = NACRE_LOG_ERROR;
  cli_catch_interrupts(&ctx, 1);
  tty_progress = isatty(2);
  nacre_status st = nacre_fe_study_run(pot, phases, n, &g.opt, g.quiet ? NULL : progress, NULL,
                                       &ctx, &study, &err);
  cli_catch_interrupts(&ctx, 0);
  if (tty_progress && !g.quiet) fprintf(stderr, "\n");
  if (st) {
    rc = cli_fail(CMD, &err);
    goto done;
  }
  if (g.json) {
    char *text = nacre_fe_study_json(study, &g.opt);
    if (text) printf("%s\n", text);
    free(text);
  } else {
    print_result(study, &g.opt);
  }
  rc = CLI_OK;
  if (strcmp(study->outcome, "completed")) {
    if (!g.quiet)
      fprintf(stderr, "nacre free-energy: %s with %d of %d runs done; continue with --resume\n",
              study->outcome, study->tasks_done, study->tasks_total);
    rc = CLI_FAILED;
  }
done:
  nacre_fe_study_free(study);
  nacre_potential_free(pot);
  for (int k = 0; structs && k < g.nstructures; k++) nacre_structure_free(structs[k]);
  free(structs);
  free(phases);
  free(names);
  free(g.structures);
  free(g.temps);
  free(g.pressures);
  return rc;
}

const nacre_command nacre_cmd_free_energy = {
    "free-energy",
    "Gibbs free energies of crystals and liquids by thermodynamic integration",
    run};
