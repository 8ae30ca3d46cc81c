/* cmd_phonon.c — `nacre phonon`: force constants by finite displacements,
 * frequencies, band structure, density of states, harmonic thermodynamics,
 * the dynamical-stability verdict, and (with --volumes) the quasi-harmonic
 * G(P, T). Parses options into nacre_phonon_study_options, runs the
 * study, prints a summary (or JSON) and writes the soft-mode structure. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "nacre/io.h"
#include "nacre/opt.h"
#include "nacre/phonon.h"
#include "nacre/pot.h"

static const char *const CMD = "phonon";

static void help(void) {
  printf("Usage: nacre phonon STRUCTURE --potential SPEC [options] [-o DIR]\n"
         "\n"
         "Harmonic phonons of STRUCTURE (POSCAR, extxyz, CIF, ...; give the\n"
         "primitive cell for unfolded bands) by finite displacements in a\n"
         "supercell: only the symmetry-irreducible displacements are computed, the\n"
         "force constants are completed by symmetry and made to obey the acoustic\n"
         "sum rule. Prints the dynamical-stability verdict and the vibrational\n"
         "thermodynamics per atom; -o writes phonopy-compatible files.\n"
         "Units: frequencies in THz (imaginary ones as negative numbers, as phonopy\n"
         "writes them; 1 THz = 4.1357 meV = 33.356 cm^-1), energies in eV per atom,\n"
         "entropy and heat capacity in k_B per atom, q in reduced coordinates of\n"
         "the reciprocal lattice of STRUCTURE's cell (no 2π).\n"
         "\n"
         "Force constants:\n"
         "  -p, --potential SPEC   potential file or inline spec (required unless\n"
         "                         --read-fc); with a committee\n"
         "                         (committee:A,B,...) each member's force\n"
         "                         constants are computed and their spread\n"
         "                         reported (eV/Å², largest and rms)\n"
         "  --supercell N1,N2,N3   diagonal supercell, or 9 integers (rows of M,\n"
         "                         supercell = M · cell); default from --min-length\n"
         "  --min-length A         smallest width of the supercell in Å (default 10)\n"
         "  --displacement A       displacement amplitude in Å (default 0.01)\n"
         "  --plus-minus MODE      auto (default: −u only where symmetry does not\n"
         "                         give it), yes (central differences), no\n"
         "  --symprec A            symmetry tolerance in Å (default 0.01)\n"
         "  --read-fc FILE         read phonopy FORCE_CONSTANTS (same cell and\n"
         "                         supercell) instead of computing forces\n"
         "  --pressure GPA         pressure the structure was relaxed at, for the\n"
         "                         residual-stress check (default 0)\n"
         "  --max-memory GB        refuse supercells needing more (default 3/4 of\n"
         "                         the machine's memory)\n"
         "\n"
         "What to compute:\n"
         "  --qpoints \"Q1; Q2; ...\" frequencies at these q (each three numbers)\n"
         "  --group-velocity       group velocities at --qpoints (THz·Å = 100 m/s)\n"
         "  --eigenvectors         eigenvectors at --qpoints and in band.yaml\n"
         "  --path SPEC            band path: auto (default; Setyawan–Curtarolo, as\n"
         "                         ASE labels it, G = Γ), labels such as\n"
         "                         GXWKGLUWLK|UX ('|' or ',' breaks the path),\n"
         "                         coordinates \"0 0 0; 0.5 0 0.5 | ...\", or none\n"
         "  --path-points N        points per path segment (default 51)\n"
         "  --mesh N1,N2,N3        Γ-centred q mesh for the DOS, thermodynamics and\n"
         "                         the stability verdict (default: 40 points per\n"
         "                         Å^-1 along each reciprocal vector)\n"
         "  --dos METHOD           tetrahedron (default) or gaussian\n"
         "  --sigma THZ            Gaussian width (default 0.1 THz)\n"
         "  --dos-step THZ         DOS frequency step (default: range/200)\n"
         "  --temperatures T0:T1:DT  temperatures in K, inclusive, or a list\n"
         "                         (default 0:1000:10)\n"
         "  --imaginary-tolerance THZ  frequencies above −THZ count as real\n"
         "                         (default 0.05; the acoustic modes at Γ are\n"
         "                         always left out)\n"
         "  --follow-soft-mode     write the structure displaced along the most\n"
         "                         unstable mode, in a supercell commensurate with its\n"
         "                         q, to DIR/soft_mode.vasp (./soft_mode.vasp without\n"
         "                         -o); relax it with nacre relax\n"
         "  --amplitude A          largest displacement of that structure (0.1 Å)\n"
         "\n"
         "Quasi-harmonic G(P,T) (the table nacre hull and transition pressures read):\n"
         "  --volumes F0:F1:DF     volumes as fractions of STRUCTURE's volume, at least 4\n"
         "                         (e.g. 0.94:1.06:0.02); each cell is relaxed at fixed\n"
         "                         volume (symmetry kept), its phonons computed on one\n"
         "                         mesh; writes DIR/qha.csv and DIR/qha_volumes.csv\n"
         "                         (doc/phonon-files.md)\n"
         "  --pressures P0:P1:DP   pressures in GPa for G(P,T) (default 0)\n"
         "\n"
         "Output:\n"
         "  -o, --output DIR       write FORCE_CONSTANTS, band.yaml, bands.csv,\n"
         "                         mesh.yaml, dos.csv, thermal.csv, phonon.svg and\n"
         "                         summary.json into DIR\n"
         "  --json                 print the summary as JSON\n"
         "  -j, --jobs N           threads (default: OpenMP's)\n"
         "  -q, --quiet            print only the verdict line\n"
         "  -v, --verbose          details on standard error\n"
         "  -h, --help             this help\n"
         "\n"
         "Stability verdict: 'stable' when no frequency on the mesh or the path is\n"
         "below −tolerance (the three acoustic modes at Γ excepted); otherwise the\n"
         "imaginary modes are listed, most unstable first, with their q. Exit\n"
         "status: 0 (also for an unstable structure), 1 failure, 2 usage error.\n");
}

typedef struct args {
  const char *structure, *potential, *output, *qpoints_text, *temps_text, *volumes_text,
      *pressures_text;
  int json, quiet, verbose, jobs, have_path;
  double tmax, tstep;
  double (*qpoints)[3];
  double *temps, *volumes, *pressures;
  int nvolumes, npressures;
  nacre_phonon_study_options opt;
} args;

/* "a:b:step" (inclusive) or "x,y,z" into a malloc'd list. */
static int parse_grid(const char *opt, const char *text, double **out, int *n) {
  double a, b, step;
  char extra;
  *out = NULL;
  *n = 0;
  if (sscanf(text, "%lf:%lf:%lf%c", &a, &b, &step, &extra) == 3) {
    if (!(step > 0) || b < a || (b - a) / step > 100000)
      return cli_usage(CMD,
                       "%s '%s': expected START:STOP:STEP with STOP >= START and "
                       "STEP > 0",
                       opt, text);
    int count = (int)floor((b - a) / step + 1e-9) + 1;
    if (!(*out = malloc((size_t)count * sizeof **out))) return CLI_FAILED;
    for (int k = 0; k < count; k++) (*out)[k] = a + k * step;
    *n = count;
    return 0;
  }
  int count = 1;
  for (const char *p = text; *p; p++) count += *p == ',';
  if (!(*out = malloc((size_t)count * sizeof **out))) return CLI_FAILED;
  const char *p = text;
  for (int k = 0; k < count; k++) {
    char *end;
    (*out)[k] = strtod(p, &end);
    if (end == p || !isfinite((*out)[k]) || (*end && *end != ',')) {
      free(*out);
      *out = NULL;
      return cli_usage(CMD, "%s '%s': expected START:STOP:STEP or a comma list", opt, text);
    }
    p = *end ? end + 1 : end;
  }
  *n = count;
  return 0;
}

/* "x y z; x y z" (commas also separate numbers). */
static int parse_qpoints(const char *text, args *a) {
  int count = 1;
  for (const char *p = text; *p; p++) count += *p == ';';
  a->qpoints = malloc((size_t)count * sizeof *a->qpoints);
  if (!a->qpoints) return CLI_FAILED;
  const char *p = text;
  int n = 0;
  while (*p) {
    while (isspace((unsigned char)*p) || *p == ';') p++;
    if (!*p) break;
    for (int c = 0; c < 3; c++) {
      while (isspace((unsigned char)*p) || *p == ',') p++;
      char *end;
      a->qpoints[n][c] = strtod(p, &end);
      if (end == p || !isfinite(a->qpoints[n][c]))
        return cli_usage(CMD,
                         "--qpoints '%s': expected three numbers per q, q-points "
                         "separated by ';'",
                         text);
      p = end;
    }
    while (isspace((unsigned char)*p)) p++;
    if (*p && *p != ';')
      return cli_usage(CMD, "--qpoints '%s': expected ';' after three numbers", text);
    n++;
  }
  if (!n) return cli_usage(CMD, "--qpoints '%s' holds no q-point", text);
  a->opt.qpoints = (const double(*)[3])a->qpoints;
  a->opt.nqpoints = n;
  return 0;
}

static int parse_supercell(const char *text, args *a) {
  double v[9];
  int n = 0;
  for (const char *p = text; *p; p++) n += *p == ',';
  n++;
  if ((n != 3 && n != 9) || cli_parse_list(CMD, "--supercell", text, n, v))
    return cli_usage(CMD, "--supercell expects 3 or 9 integers, got '%s'", text);
  memset(a->opt.phonon.supercell, 0, sizeof a->opt.phonon.supercell);
  for (int k = 0; k < n; k++) {
    if (v[k] != round(v[k]) || fabs(v[k]) > 1000)
      return cli_usage(CMD, "--supercell entries must be integers, got '%s'", text);
    if (n == 3)
      a->opt.phonon.supercell[k][k] = (int)v[k];
    else
      a->opt.phonon.supercell[k / 3][k % 3] = (int)v[k];
  }
  return 0;
}

static int parse_mesh(const char *text, args *a) {
  double v[3];
  if (cli_parse_list(CMD, "--mesh", text, 3, v)) return CLI_USAGE;
  for (int k = 0; k < 3; k++) {
    if (v[k] != round(v[k]) || v[k] < 1 || v[k] > 1000)
      return cli_usage(CMD, "--mesh expects three positive integers, got '%s'", text);
    a->opt.mesh[k] = (int)v[k];
  }
  return 0;
}

static int parse_named(const char *o, const char *v, args *a) {
  nacre_phonon_study_options *p = &a->opt;
  if (!strcmp(o, "--plus-minus")) {
    if (!strcmp(v, "auto"))
      p->phonon.plus_minus = NACRE_PHONON_PM_AUTO;
    else if (!strcmp(v, "yes"))
      p->phonon.plus_minus = NACRE_PHONON_PM_BOTH;
    else if (!strcmp(v, "no"))
      p->phonon.plus_minus = NACRE_PHONON_PM_PLUS;
    else
      return cli_usage(CMD, "--plus-minus expects auto, yes or no, got '%s'", v);
  } else if (!strcmp(o, "--dos")) {
    if (!strcmp(v, "tetrahedron"))
      p->dos_method = NACRE_DOS_TETRAHEDRON;
    else if (!strcmp(v, "gaussian"))
      p->dos_method = NACRE_DOS_GAUSSIAN;
    else
      return cli_usage(CMD, "--dos expects tetrahedron or gaussian, got '%s'", v);
  } else if (!strcmp(o, "--path")) {
    p->path = strcmp(v, "none") ? v : NULL;
  } else if (!strcmp(o, "-p") || !strcmp(o, "--potential")) {
    a->potential = v;
  } else if (!strcmp(o, "-o") || !strcmp(o, "--output")) {
    a->output = v;
  } else if (!strcmp(o, "--read-fc")) {
    p->force_constants_in = v;
  } else if (!strcmp(o, "--qpoints")) {
    a->qpoints_text = v;
  } else if (!strcmp(o, "--volumes")) {
    a->volumes_text = v;
  } else if (!strcmp(o, "--pressures")) {
    a->pressures_text = v;
  } else if (!strcmp(o, "--temperatures")) {
    a->temps_text = v;
  } else if (!strcmp(o, "--supercell")) {
    return parse_supercell(v, a);
  } else if (!strcmp(o, "--mesh")) {
    return parse_mesh(v, a);
  } else {
    return -1;
  }
  return 0;
}

static int parse_number(const char *o, const char *v, args *a) {
  nacre_phonon_study_options *p = &a->opt;
  static const struct {
    const char *name;
    size_t offset;
  } doubles[] = {
      {"--min-length", offsetof(nacre_phonon_study_options, phonon.min_length_a)},
      {"--displacement", offsetof(nacre_phonon_study_options, phonon.displacement_a)},
      {"--symprec", offsetof(nacre_phonon_study_options, phonon.symprec)},
      {"--max-memory", offsetof(nacre_phonon_study_options, phonon.max_memory_gb)},
      {"--pressure", offsetof(nacre_phonon_study_options, pressure_gpa)},
      {"--sigma", offsetof(nacre_phonon_study_options, sigma_thz)},
      {"--dos-step", offsetof(nacre_phonon_study_options, dos_step_thz)},
      {"--imaginary-tolerance", offsetof(nacre_phonon_study_options, imaginary_tolerance_thz)},
      {"--amplitude", offsetof(nacre_phonon_study_options, soft_mode_amplitude_a)},
  };
  for (size_t k = 0; k < sizeof doubles / sizeof doubles[0]; k++)
    if (!strcmp(o, doubles[k].name))
      return cli_parse_double(CMD, o, v, (double *)((char *)p + doubles[k].offset)) ? CLI_USAGE : 0;
  if (!strcmp(o, "--path-points")) return cli_parse_int(CMD, o, v, &p->path_points) ? CLI_USAGE : 0;
  if (!strcmp(o, "-j") || !strcmp(o, "--jobs") || !strcmp(o, "--threads"))
    return cli_parse_int(CMD, o, v, &a->jobs) ? CLI_USAGE : 0;
  if (!strcmp(o, "--tmax")) return cli_parse_double(CMD, o, v, &a->tmax) ? CLI_USAGE : 0;
  if (!strcmp(o, "--tstep")) return cli_parse_double(CMD, o, v, &a->tstep) ? CLI_USAGE : 0;
  return -1;
}

static int check_args(args *a) {
  if (!a->structure) return cli_usage(CMD, "no STRUCTURE given");
  if (!a->potential && !a->opt.force_constants_in)
    return cli_usage(CMD, "--potential is required (or --read-fc FILE)");
  if (a->volumes_text && !a->potential) return cli_usage(CMD, "--volumes needs --potential");
  const nacre_phonon_study_options *p = &a->opt;
  if (!(p->phonon.min_length_a > 0) || !(p->phonon.displacement_a > 0) ||
      !(p->phonon.symprec > 0) || p->path_points < 2 || !(p->sigma_thz > 0) ||
      p->dos_step_thz < 0 || p->imaginary_tolerance_thz < 0 || !(p->soft_mode_amplitude_a > 0) ||
      a->jobs < 0)
    return cli_usage(CMD, "--min-length, --displacement, --symprec, --sigma and "
                          "--amplitude must be positive, --path-points at least 2, "
                          "--dos-step, --imaginary-tolerance and --jobs non-negative");
  return 0;
}

static int parse_args(int argc, char **argv, args *a) {
  memset(a, 0, sizeof *a);
  nacre_phonon_study_options_init(&a->opt);
  int rc = 0;
  for (int k = 1; k < argc && rc == 0; k++) {
    const char *o = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
      help();
      return -1;
    }
    if (!strcmp(o, "--json"))
      a->json = 1;
    else if (!strcmp(o, "-q") || !strcmp(o, "--quiet"))
      a->quiet = 1;
    else if (!strcmp(o, "-v") || !strcmp(o, "--verbose"))
      a->verbose = 1;
    else if (!strcmp(o, "--group-velocity"))
      a->opt.group_velocities = 1;
    else if (!strcmp(o, "--eigenvectors"))
      a->opt.eigenvectors = 1;
    else if (!strcmp(o, "--follow-soft-mode"))
      a->opt.follow_soft_mode = 1;
    else if (o[0] == '-' && o[1]) {
      if (!v) return cli_usage(CMD, "%s needs a value", o);
      rc = parse_named(o, v, a);
      if (rc < 0) rc = parse_number(o, v, a);
      if (rc < 0) return cli_usage(CMD, "unknown option '%s'", o);
      k++;
    } else if (!a->structure) {
      a->structure = o;
    } else {
      return cli_usage(CMD, "more than one structure given ('%s', '%s')", a->structure, o);
    }
  }
  if (rc) return rc;
  if (a->qpoints_text && (rc = parse_qpoints(a->qpoints_text, a))) return rc;
  if (a->temps_text) {
    if ((rc = parse_grid("--temperatures", a->temps_text, &a->temps, &a->opt.ntemperatures)))
      return rc;
  } else if (a->tmax > 0 || a->tstep > 0) { /* older spellings */
    double tmax = a->tmax > 0 ? a->tmax : 1000, tstep = a->tstep > 0 ? a->tstep : 10;
    char grid[64];
    snprintf(grid, sizeof grid, "0:%g:%g", tmax, tstep);
    if ((rc = parse_grid("--tmax/--tstep", grid, &a->temps, &a->opt.ntemperatures))) return rc;
  }
  for (int k = 0; a->temps && k < a->opt.ntemperatures; k++)
    if (a->temps[k] < 0) return cli_usage(CMD, "temperatures must be >= 0 K");
  a->opt.temperatures_k = a->temps;
  a->opt.output_dir = a->output;
  if (a->volumes_text && (rc = parse_grid("--volumes", a->volumes_text, &a->volumes, &a->nvolumes)))
    return rc;
  if (a->pressures_text &&
      (rc = parse_grid("--pressures", a->pressures_text, &a->pressures, &a->npressures)))
    return rc;
  if (a->pressures_text && !a->volumes_text)
    return cli_usage(CMD, "--pressures needs --volumes (the quasi-harmonic G(P,T))");
  if (a->volumes_text && a->nvolumes < 4)
    return cli_usage(CMD, "--volumes: %d volumes, the equation of state needs at least 4",
                     a->nvolumes);
  return check_args(a);
}

/* ---- progress ---- */

typedef struct progress_state {
  int tty, quiet;
  double last;
} progress_state;

static int on_progress(void *user, const char *what, int done, int total) {
  progress_state *ps = user;
  if (ps->quiet || total < 4) return 0;
  double t = nacre_now_s();
  if (done < total && t - ps->last < (ps->tty ? 0.2 : 5)) return 0;
  ps->last = t;
  fprintf(stderr, "%s%s %d/%d%s", ps->tty ? "\r" : "", what, done, total,
          ps->tty && done < total ? "" : "\n");
  fflush(stderr);
  return 0;
}

/* ---- human output ---- */

static const char *label_text(const char *l) { return strcmp(l, "G") ? l : "Γ"; }

static void print_header(const args *a, const nacre_phonon_study *s) {
  const nacre_phonon *ph = s->ph;
  const nacre_structure *u = nacre_phonon_unit_cell(ph);
  char formula[128];
  nacre_structure_formula(u, formula, sizeof formula);
  int m[3][3];
  nacre_phonon_supercell_matrix(ph, m);
  int n = nacre_phonon_ndisplacements(ph),
      diag = !m[0][1] && !m[0][2] && !m[1][0] && !m[1][2] && !m[2][0] && !m[2][1];
  printf("%s: %s, %d atom%s, %s (%d symmetry operations kept by the supercell)\n", a->structure,
         formula, u->natoms, u->natoms == 1 ? "" : "s", nacre_phonon_space_group(ph),
         nacre_phonon_noperations(ph));
  double h[3];
  nacre_cell_heights(nacre_phonon_supercell(ph)->cell, h);
  if (diag)
    printf("  supercell %d×%d×%d", m[0][0], m[1][1], m[2][2]);
  else
    printf("  supercell [%d %d %d; %d %d %d; %d %d %d]", m[0][0], m[0][1], m[0][2], m[1][0],
           m[1][1], m[1][2], m[2][0], m[2][1], m[2][2]);
  char natoms[64];
  printf(" (%s, widths %.2f %.2f %.2f Å)\n",
         cli_count(nacre_phonon_supercell(ph)->natoms, "atom", natoms), h[0], h[1], h[2]);
  if (a->opt.force_constants_in)
    printf("  force constants read from %s\n", a->opt.force_constants_in);
  else
    printf("  %d displacement%s of %g Å in %.3f s (%.4f s each); sum-rule violation "
           "%.1e eV/Å² before the correction\n",
           n, n == 1 ? "" : "s", a->opt.phonon.displacement_a, s->forces_wall_s,
           s->forces_wall_s / (n + (a->opt.phonon.subtract_residual ? 1 : 0)),
           nacre_phonon_sum_rule_violation(ph));
  if (s->committee.members)
    printf("  committee of %d: members' force constants deviate by %.2e eV/Å² rms, %.2e at "
           "most (%.2g %% of the rms force constant %.2e)\n",
           s->committee.members, s->committee.force_constant_deviation_rms_ev_a2,
           s->committee.force_constant_deviation_max_ev_a2,
           100 * s->committee.force_constant_deviation_rms_ev_a2 /
               fmax(s->committee.force_constant_rms_ev_a2, 1e-300),
           s->committee.force_constant_rms_ev_a2);
}

static void print_qpoints(const nacre_phonon_study *s, const nacre_phonon_study_options *o) {
  int nb = nacre_phonon_nbands(s->ph);
  printf("\nFrequencies (THz):\n");
  for (int k = 0; k < s->nqpoints; k++) {
    printf("  q = %8.5f %8.5f %8.5f:", o->qpoints[k][0], o->qpoints[k][1], o->qpoints[k][2]);
    for (int b = 0; b < nb; b++) printf(" %9.5f", s->qpoint_freq_thz[(size_t)k * nb + b]);
    printf("\n");
    if (s->qpoint_velocity) {
      printf("    |v_g| (THz·Å):           ");
      for (int b = 0; b < nb; b++) {
        const double *v = &s->qpoint_velocity[((size_t)k * nb + b) * 3];
        printf(" %9.4f", sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]));
      }
      printf("\n");
    }
  }
}

static void print_verdict(const nacre_phonon_study *s) {
  const nacre_phonon_stability *st = s->stability;
  if (!st) return;
  if (st->stable) {
    printf("\nDynamically stable: no imaginary mode");
  } else {
    const nacre_phonon_mode *m = &st->modes[0];
    printf("\nDynamically UNSTABLE: imaginary frequencies at %d sampled mode%s; the most unstable "
           "%.4f THz at q = (%.4f, %.4f, %.4f)",
           st->nimaginary, st->nimaginary == 1 ? "" : "s", m->frequency_thz, m->q[0], m->q[1],
           m->q[2]);
  }
  printf(" (tolerance %g THz, acoustic modes at Γ left out)\n", st->tolerance_thz);
  if (st->have_mesh)
    printf("  lowest frequency on the %d×%d×%d mesh: %.4f THz at q = (%.4f, %.4f, %.4f)\n",
           s->mesh->mesh[0], s->mesh->mesh[1], s->mesh->mesh[2], st->lowest_mesh_thz,
           st->lowest_mesh_q[0], st->lowest_mesh_q[1], st->lowest_mesh_q[2]);
  if (st->have_path)
    printf("  lowest frequency on the path:  %.4f THz at q = (%.4f, %.4f, %.4f)%s%s\n",
           st->lowest_path_thz, st->lowest_path_q[0], st->lowest_path_q[1], st->lowest_path_q[2],
           st->lowest_path_label[0] ? " " : "",
           st->lowest_path_label[0] ? label_text(st->lowest_path_label) : "");
  for (int k = 0; k < st->nmodes && !st->stable; k++)
    printf("  %2d. %9.4f THz  band %d  q = (%.4f, %.4f, %.4f)  %s%s%s\n", k + 1,
           st->modes[k].frequency_thz, st->modes[k].band + 1, st->modes[k].q[0], st->modes[k].q[1],
           st->modes[k].q[2], st->modes[k].source, st->modes[k].label[0] ? " " : "",
           label_text(st->modes[k].label));
}

static void print_thermo(const nacre_phonon_study *s) {
  if (!s->nthermo) return;
  printf("\nHarmonic thermodynamics per atom (%d×%d×%d mesh):\n", s->mesh->mesh[0],
         s->mesh->mesh[1], s->mesh->mesh[2]);
  printf("  %8s %13s %13s %11s %11s %14s\n", "T (K)", "F_vib (eV)", "E_vib (eV)", "S (k_B)",
         "C_v (k_B)", "F_classical");
  int step = s->nthermo > 12 ? (s->nthermo + 10) / 11 : 1;
  for (int k = 0; k < s->nthermo; k++) {
    if (k % step && k != s->nthermo - 1) continue;
    const nacre_phonon_thermo *t = &s->thermo[k];
    printf("  %8.1f %13.6f %13.6f %11.5f %11.5f %14.6f\n", t->temperature_k,
           t->vibrational_free_energy_per_atom_ev, t->vibrational_energy_per_atom_ev,
           t->entropy_per_atom_kb, t->heat_capacity_per_atom_kb,
           t->classical_free_energy_per_atom_ev);
  }
  printf("  zero-point energy %.6f eV/atom\n", s->thermo[0].zero_point_energy_per_atom_ev);
  if (s->thermo[0].imaginary_fraction > 0)
    printf("  warning: %.2f%% of the modes are imaginary and left out of these sums\n",
           100 * s->thermo[0].imaginary_fraction);
}

/* ---- JSON ---- */

static cJSON *vec(const double *v, int n) { return cJSON_CreateDoubleArray(v, n); }

static cJSON *stability_json(const nacre_phonon_study *s) {
  const nacre_phonon_stability *st = s->stability;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddBoolToObject(o, "stable", st->stable);
  cJSON_AddNumberToObject(o, "tolerance_thz", st->tolerance_thz);
  if (st->have_mesh) {
    cJSON_AddNumberToObject(o, "lowest_mesh_frequency_thz", st->lowest_mesh_thz);
    cJSON_AddItemToObject(o, "lowest_mesh_q", vec(st->lowest_mesh_q, 3));
  }
  if (st->have_path) {
    cJSON_AddNumberToObject(o, "lowest_path_frequency_thz", st->lowest_path_thz);
    cJSON_AddItemToObject(o, "lowest_path_q", vec(st->lowest_path_q, 3));
    cJSON_AddStringToObject(o, "lowest_path_label", st->lowest_path_label);
  }
  cJSON_AddNumberToObject(o, "imaginary_modes_found", st->nimaginary);
  cJSON *modes = cJSON_AddArrayToObject(o, "imaginary_modes");
  int nb = nacre_phonon_nbands(s->ph);
  for (int k = 0; k < st->nmodes; k++) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddItemToObject(m, "q", vec(st->modes[k].q, 3));
    cJSON_AddNumberToObject(m, "band", st->modes[k].band + 1);
    cJSON_AddNumberToObject(m, "frequency_thz", st->modes[k].frequency_thz);
    cJSON_AddStringToObject(m, "source", st->modes[k].source);
    if (st->modes[k].label[0]) cJSON_AddStringToObject(m, "label", st->modes[k].label);
    cJSON *e = cJSON_AddArrayToObject(m, "eigenvector");
    for (int r = 0; r < nb; r++) cJSON_AddItemToArray(e, vec(&st->modes[k].eigvec[2 * r], 2));
    cJSON_AddItemToArray(modes, m);
  }
  return o;
}

/* static_ev: the potential energy per atom when known (NAN otherwise), for
 * the total harmonic free energy. */
static cJSON *thermo_json(const nacre_phonon_thermo *t, double static_ev) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "temperature_k", t->temperature_k);
  if (isfinite(static_ev))
    cJSON_AddNumberToObject(o, "free_energy_per_atom_ev",
                            static_ev + t->vibrational_free_energy_per_atom_ev);
  cJSON_AddNumberToObject(o, "vibrational_free_energy_per_atom_ev",
                          t->vibrational_free_energy_per_atom_ev);
  cJSON_AddNumberToObject(o, "vibrational_energy_per_atom_ev", t->vibrational_energy_per_atom_ev);
  cJSON_AddNumberToObject(o, "entropy_per_atom_kb", t->entropy_per_atom_kb);
  cJSON_AddNumberToObject(o, "heat_capacity_per_atom_kb", t->heat_capacity_per_atom_kb);
  cJSON_AddNumberToObject(o, "classical_free_energy_per_atom_ev",
                          t->classical_free_energy_per_atom_ev);
  cJSON_AddNumberToObject(o, "quantum_correction_per_atom_ev", t->quantum_correction_per_atom_ev);
  return o;
}

static cJSON *qpoints_json(const nacre_phonon_study *s, const nacre_phonon_study_options *o) {
  int nb = nacre_phonon_nbands(s->ph);
  cJSON *arr = cJSON_CreateArray();
  for (int k = 0; k < s->nqpoints; k++) {
    cJSON *q = cJSON_CreateObject();
    cJSON_AddItemToObject(q, "q", vec(o->qpoints[k], 3));
    cJSON_AddItemToObject(q, "frequency_thz", vec(&s->qpoint_freq_thz[(size_t)k * nb], nb));
    if (s->qpoint_velocity) {
      cJSON *v = cJSON_AddArrayToObject(q, "group_velocity_thz_a");
      for (int b = 0; b < nb; b++)
        cJSON_AddItemToArray(v, vec(&s->qpoint_velocity[((size_t)k * nb + b) * 3], 3));
    }
    if (s->qpoint_eigvec) {
      cJSON *e = cJSON_AddArrayToObject(q, "eigenvectors");
      const double *ev = &s->qpoint_eigvec[(size_t)k * 2 * nb * nb];
      for (int b = 0; b < nb; b++) {
        cJSON *mode = cJSON_CreateArray();
        for (int r = 0; r < nb; r++)
          cJSON_AddItemToArray(mode, vec(&ev[2 * ((size_t)r * nb + b)], 2));
        cJSON_AddItemToArray(e, mode);
      }
    }
    cJSON_AddItemToArray(arr, q);
  }
  return arr;
}

static cJSON *summary_json(const args *a, const nacre_phonon_study *s, const char *soft_mode_file) {
  const nacre_phonon *ph = s->ph;
  const nacre_structure *u = nacre_phonon_unit_cell(ph);
  cJSON *o = cJSON_CreateObject();
  char formula[128];
  nacre_structure_formula(u, formula, sizeof formula);
  cJSON_AddStringToObject(o, "structure", a->structure);
  cJSON_AddStringToObject(o, "formula", formula);
  cJSON_AddNumberToObject(o, "natoms", u->natoms);
  cJSON_AddStringToObject(o, "space_group", nacre_phonon_space_group(ph));
  cJSON_AddNumberToObject(o, "space_group_number", nacre_phonon_space_group_number(ph));
  int m[3][3];
  nacre_phonon_supercell_matrix(ph, m);
  cJSON *sc = cJSON_AddArrayToObject(o, "supercell");
  for (int r = 0; r < 3; r++) cJSON_AddItemToArray(sc, cJSON_CreateIntArray(m[r], 3));
  cJSON_AddNumberToObject(o, "supercell_natoms", nacre_phonon_supercell(ph)->natoms);
  cJSON_AddNumberToObject(o, "displacements", nacre_phonon_ndisplacements(ph));
  cJSON_AddNumberToObject(o, "displacement_a", a->opt.phonon.displacement_a);
  cJSON_AddNumberToObject(o, "symprec_a", a->opt.phonon.symprec);
  if (s->residual_fmax_ev_a >= 0) {
    cJSON_AddNumberToObject(o, "energy_per_atom_ev", s->energy_per_atom_ev);
    cJSON_AddNumberToObject(o, "fmax_ev_a", s->residual_fmax_ev_a);
    cJSON_AddItemToObject(o, "residual_stress_gpa", vec(s->residual_stress_gpa, 6));
  }
  cJSON_AddNumberToObject(o, "sum_rule_violation_ev_a2", nacre_phonon_sum_rule_violation(ph));
  if (s->committee.members) {
    cJSON_AddNumberToObject(o, "committee_size", s->committee.members);
    cJSON_AddNumberToObject(o, "committee_force_constant_deviation_max_ev_a2",
                            s->committee.force_constant_deviation_max_ev_a2);
    cJSON_AddNumberToObject(o, "committee_force_constant_deviation_rms_ev_a2",
                            s->committee.force_constant_deviation_rms_ev_a2);
  }
  if (s->nqpoints) cJSON_AddItemToObject(o, "qpoints", qpoints_json(s, &a->opt));
  if (s->path) {
    cJSON_AddStringToObject(o, "lattice", s->path->lattice);
    cJSON_AddStringToObject(o, "band_path",
                            strcmp(a->opt.path, "auto") ? a->opt.path : s->path->standard_path);
  }
  if (s->mesh) cJSON_AddItemToObject(o, "mesh", cJSON_CreateIntArray(s->mesh->mesh, 3));
  if (s->stability) cJSON_AddItemToObject(o, "stability", stability_json(s));
  if (s->nthermo) {
    cJSON_AddNumberToObject(o, "zero_point_energy_per_atom_ev",
                            s->thermo[0].zero_point_energy_per_atom_ev);
    cJSON *t = cJSON_AddArrayToObject(o, "thermodynamics");
    double e0 = s->residual_fmax_ev_a >= 0 ? s->energy_per_atom_ev : NAN;
    for (int k = 0; k < s->nthermo; k++) cJSON_AddItemToArray(t, thermo_json(&s->thermo[k], e0));
  }
  if (soft_mode_file) cJSON_AddStringToObject(o, "soft_mode_structure", soft_mode_file);
  if (a->output) {
    cJSON *f = cJSON_AddArrayToObject(o, "files");
    for (int k = 0; k < s->nfiles; k++) cJSON_AddItemToArray(f, cJSON_CreateString(s->files[k]));
  }
  cJSON_AddNumberToObject(o, "forces_wall_s", s->forces_wall_s);
  cJSON_AddNumberToObject(o, "wall_s", s->total_wall_s);
  return o;
}

/* ---- checks and the soft-mode file ---- */

static void warn_unrelaxed(const args *a, const nacre_phonon_study *s) {
  double smax = 0;
  for (int k = 0; k < 6; k++) smax = fmax(smax, fabs(s->residual_stress_gpa[k]));
  if (s->residual_fmax_ev_a > 0.01)
    fprintf(stderr,
            "nacre phonon: warning: %s is not relaxed: largest force %.4f eV/Å "
            "(relax it first: nacre relax --fmax 1e-3)\n",
            a->structure, s->residual_fmax_ev_a);
  if (smax > 0.1)
    fprintf(stderr,
            "nacre phonon: warning: %s is not relaxed at %g GPa: stress deviates "
            "by up to %.3f GPa (σ + P: %.3f %.3f %.3f %.3f %.3f %.3f GPa)\n",
            a->structure, a->opt.pressure_gpa, smax, s->residual_stress_gpa[0],
            s->residual_stress_gpa[1], s->residual_stress_gpa[2], s->residual_stress_gpa[3],
            s->residual_stress_gpa[4], s->residual_stress_gpa[5]);
}

static int write_soft_mode(const args *a, const nacre_phonon_study *s, char *path, size_t len) {
  path[0] = 0;
  if (!a->opt.follow_soft_mode) return 0;
  if (!s->soft_mode) {
    if (s->stability && !s->stability->stable)
      fprintf(stderr, "nacre phonon: no imaginary mode at a q that a supercell of up to "
                      "8 cells per axis holds; no soft-mode structure written\n");
    return 0;
  }
  snprintf(path, len, "%s/soft_mode.vasp", a->output ? a->output : ".");
  nacre_error err;
  if (nacre_write_structure(path, s->soft_mode, NACRE_FORMAT_AUTO, &err)) {
    nacre_error_prefix(&err, "writing %s: ", path);
    path[0] = 0;
    return cli_fail(CMD, &err);
  }
  return 0;
}

static int write_summary(const args *a, cJSON *summary) {
  char *text = cJSON_Print(summary);
  int rc = 0;
  if (a->json && text) puts(text);
  if (a->output && text) {
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/summary.json", a->output);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f || fputs(text, f) < 0 || fputc('\n', f) < 0 || fclose(f) || rename(tmp, path)) {
      fprintf(stderr, "nacre phonon: cannot write %s\n", path);
      rc = CLI_FAILED;
    }
  }
  free(text);
  return rc;
}

/* ---- quasi-harmonic mode ---- */

/* nacre relax at fixed volume, symmetry kept: the relaxation the
 * quasi-harmonic volumes need (phonon does not depend on opt). */
typedef struct relax_binding {
  nacre_calc *calc;
  double symprec;
  int quiet;
} relax_binding;

static nacre_status relax_fixed_volume(void *user, nacre_structure *s, nacre_error *err) {
  relax_binding *b = user;
  nacre_relax_options o;
  nacre_relax_options_init(&o);
  o.mode = NACRE_RELAX_FIXED_VOLUME;
  o.fmax = 1e-3;
  o.smax_gpa = 1e-2;
  o.keep_symmetry = 1;
  o.symprec = b->symprec;
  nacre_relax_result r;
  nacre_status st = nacre_relax(b->calc, s, &o, NULL, &r, err);
  if (!st && r.outcome != NACRE_RELAX_CONVERGED)
    fprintf(stderr, "nacre phonon: warning: the relaxation at V = %.4f Å^3/atom ended: %s\n",
            nacre_structure_volume(s) / s->natoms, r.message);
  return st;
}

static void print_qha(const nacre_qha *q) {
  printf("%d volumes (%d dynamically stable, used in the fits):\n", q->nvolumes, q->nused);
  printf("  %8s %12s %14s %12s %8s %12s\n", "V/V0", "V (Å^3/at)", "E (eV/atom)", "P (GPa)",
         "stable", "lowest THz");
  for (int k = 0; k < q->nvolumes; k++) {
    const nacre_qha_volume *v = &q->volumes[k];
    printf("  %8.4f %12.5f %14.8f %12.4f %8s %12.4f\n", v->ratio, v->volume_per_atom_a3,
           v->energy_per_atom_ev, v->pressure_gpa, v->stable ? "yes" : "NO",
           v->lowest_frequency_thz);
  }
  int nt = q->ntemperatures, step = nt > 12 ? (nt + 10) / 11 : 1;
  for (int p = 0; p < q->npressures; p++) {
    printf("\nP = %g GPa:\n  %8s %12s %14s %10s %14s %12s\n", q->pressures_gpa[p], "T (K)",
           "V (Å^3/at)", "G (eV/atom)", "B (GPa)", "α (1e-6/K)", "C_p (k_B)");
    for (int t = 0; t < nt; t++) {
      if (t % step && t != nt - 1) continue;
      const nacre_qha_point *pt = &q->points[t * q->npressures + p];
      if (!pt->valid) {
        printf("  %8.1f   (V outside the sampled volumes)\n", pt->temperature_k);
        continue;
      }
      printf("  %8.1f %12.5f %14.8f %10.3f %14.4f %12.5f\n", pt->temperature_k,
             pt->volume_per_atom_a3, pt->gibbs_energy_per_atom_ev, pt->bulk_modulus_gpa,
             1e6 * pt->thermal_expansion_per_k, pt->heat_capacity_p_per_atom_kb);
    }
  }
}

static cJSON *qha_json(const args *a, const nacre_qha *q) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "structure", a->structure);
  cJSON *vols = cJSON_AddArrayToObject(o, "volumes");
  for (int k = 0; k < q->nvolumes; k++) {
    const nacre_qha_volume *v = &q->volumes[k];
    cJSON *x = cJSON_CreateObject();
    cJSON_AddNumberToObject(x, "volume_ratio", v->ratio);
    cJSON_AddNumberToObject(x, "volume_per_atom_a3", v->volume_per_atom_a3);
    cJSON_AddNumberToObject(x, "energy_per_atom_ev", v->energy_per_atom_ev);
    cJSON_AddNumberToObject(x, "pressure_gpa", v->pressure_gpa);
    cJSON_AddBoolToObject(x, "stable", v->stable);
    cJSON_AddNumberToObject(x, "lowest_frequency_thz", v->lowest_frequency_thz);
    cJSON_AddItemToArray(vols, x);
  }
  cJSON *pts = cJSON_AddArrayToObject(o, "points");
  for (int k = 0; k < q->ntemperatures * q->npressures; k++) {
    const nacre_qha_point *pt = &q->points[k];
    cJSON *x = cJSON_CreateObject();
    cJSON_AddNumberToObject(x, "temperature_k", pt->temperature_k);
    cJSON_AddNumberToObject(x, "pressure_gpa", pt->pressure_gpa);
    if (pt->valid) {
      cJSON_AddNumberToObject(x, "volume_per_atom_a3", pt->volume_per_atom_a3);
      cJSON_AddNumberToObject(x, "gibbs_energy_per_atom_ev", pt->gibbs_energy_per_atom_ev);
      cJSON_AddNumberToObject(x, "energy_per_atom_ev", pt->energy_per_atom_ev);
      cJSON_AddNumberToObject(x, "vibrational_free_energy_per_atom_ev",
                              pt->vibrational_free_energy_per_atom_ev);
      cJSON_AddNumberToObject(x, "bulk_modulus_gpa", pt->bulk_modulus_gpa);
      if (isfinite(pt->thermal_expansion_per_k))
        cJSON_AddNumberToObject(x, "thermal_expansion_per_k", pt->thermal_expansion_per_k);
      cJSON_AddNumberToObject(x, "entropy_per_atom_kb", pt->entropy_per_atom_kb);
      if (isfinite(pt->heat_capacity_p_per_atom_kb))
        cJSON_AddNumberToObject(x, "heat_capacity_p_per_atom_kb", pt->heat_capacity_p_per_atom_kb);
    }
    cJSON_AddItemToArray(pts, x);
  }
  return o;
}

static int run_qha(const args *a, const nacre_structure *s, nacre_calc *calc,
                   const nacre_ctx *ctx) {
  nacre_qha_options o;
  nacre_qha_options_init(&o);
  o.phonon = a->opt.phonon;
  o.nvolumes = a->nvolumes, o.volume_ratios = a->volumes;
  o.ntemperatures = a->opt.ntemperatures, o.temperatures_k = a->opt.temperatures_k;
  o.npressures = a->npressures, o.pressures_gpa = a->pressures;
  memcpy(o.mesh, a->opt.mesh, sizeof o.mesh);
  o.imaginary_tolerance_thz = a->opt.imaginary_tolerance_thz;
  relax_binding rb = {calc, a->opt.phonon.symprec, a->quiet};
  o.relax = relax_fixed_volume, o.relax_user = &rb;
  o.progress = a->opt.progress, o.progress_user = a->opt.progress_user;
  nacre_error err;
  nacre_qha *q = NULL;
  nacre_status st = nacre_qha_run(s, calc, &o, ctx, &q, &err);
  if (st) return cli_fail(CMD, &err);
  int rc = CLI_OK;
  if (a->output) {
    char table[4096], vols[4096];
    snprintf(table, sizeof table, "%s/qha.csv", a->output);
    snprintf(vols, sizeof vols, "%s/qha_volumes.csv", a->output);
    if (mkdir(a->output, 0777) && errno != EEXIST)
      st = nacre_error_set(&err, NACRE_ERR_IO, "cannot create %s: %s", a->output, strerror(errno));
    if (!st) st = nacre_qha_write(q, table, vols, &err);
    if (st) rc = cli_fail(CMD, &err);
  }
  for (int k = 0; k < q->nvolumes; k++)
    if (!q->volumes[k].stable)
      fprintf(stderr,
              "nacre phonon: warning: volume %.4f × V0 has imaginary modes (lowest %.3f "
              "THz); left out of the fits\n",
              q->volumes[k].ratio, q->volumes[k].lowest_frequency_thz);
  cJSON *j = a->json || a->output ? qha_json(a, q) : NULL;
  if (!a->json && !a->quiet) {
    print_qha(q);
    if (a->output) printf("\nFiles in %s: qha.csv qha_volumes.csv summary.json\n", a->output);
  }
  if (j) {
    int wrc = write_summary(a, j);
    if (!rc) rc = wrc;
    cJSON_Delete(j);
  }
  nacre_qha_free(q);
  return rc;
}

static int run(int argc, char **argv) {
  args a;
  int rc = parse_args(argc, argv, &a);
  if (rc) {
    free(a.qpoints), free(a.temps), free(a.volumes), free(a.pressures);
    return rc < 0 ? CLI_OK : rc;
  }
  nacre_error err;
  nacre_error_clear(&err);
  nacre_structure *s = NULL;
  nacre_potential *pot = NULL;
  nacre_calc *calc = NULL;
  nacre_phonon_study *study = NULL;
  nacre_ctx ctx;
  cli_ctx_init(&ctx, a.verbose);
  ctx.nthreads = a.jobs;
  if (a.jobs > 0) omp_set_num_threads(a.jobs);
  progress_state ps = {isatty(STDERR_FILENO), a.quiet || a.json, 0};
  a.opt.progress = on_progress;
  a.opt.progress_user = &ps;
  rc = CLI_FAILED;
  if (nacre_read_structure(a.structure, &s, &err) ||
      (a.potential && nacre_potential_load(a.potential, &pot, &err)) ||
      (pot && !(calc = nacre_calc_new(pot, -1.0, &err)))) {
    cli_fail(CMD, &err);
    goto done;
  }
  if (a.volumes) {
    rc = run_qha(&a, s, calc, &ctx);
    goto done;
  }
  cli_catch_interrupts(&ctx, 1);
  nacre_status st = nacre_phonon_study_run(s, calc, &a.opt, &ctx, &study, &err);
  cli_catch_interrupts(&ctx, 0);
  if (st) {
    cli_fail(CMD, &err);
    goto done;
  }
  if (study->residual_fmax_ev_a >= 0) warn_unrelaxed(&a, study);
  char soft[4200];
  rc = write_soft_mode(&a, study, soft, sizeof soft);
  cJSON *summary = summary_json(&a, study, soft[0] ? soft : NULL);
  if (!a.json && !a.quiet) {
    print_header(&a, study);
    if (study->nqpoints) print_qpoints(study, &a.opt);
    if (study->path)
      printf("\nBand path (%s lattice): %s, %d points per segment\n",
             study->path->lattice[0] ? study->path->lattice : "given",
             strcmp(a.opt.path, "auto") ? a.opt.path : study->path->standard_path,
             a.opt.path_points);
    print_verdict(study);
    print_thermo(study);
    if (soft[0]) printf("\nStructure along the most unstable mode: %s\n", soft);
    if (a.output) {
      printf("\nFiles in %s:", a.output);
      for (int k = 0; k < study->nfiles; k++) printf(" %s", study->files[k]);
      printf(" summary.json\n");
    }
    printf("Total %.2f s\n", study->total_wall_s);
  } else if (a.quiet && study->stability) {
    printf("%s: %s\n", a.structure, study->stability->stable ? "stable" : "unstable");
  }
  int wrc = write_summary(&a, summary);
  cJSON_Delete(summary);
  if (!rc) rc = wrc;
done:
  nacre_phonon_study_free(study);
  nacre_calc_free(calc);
  nacre_potential_free(pot);
  nacre_structure_free(s);
  free(a.qpoints), free(a.temps), free(a.volumes), free(a.pressures);
  return rc;
}

const nacre_command nacre_cmd_phonon = {
    "phonon", "phonons: force constants, bands, DOS, F_vib, stability verdict, QHA", run};
