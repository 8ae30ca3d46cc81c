/* qe.c — the Quantum ESPRESSO pw.x driver: input from a template with the
 * pseudopotential folder and files as options, and the reader of pw.x's
 * standard output.
 *
 * Output facts used (pw.x 6.7, checked on recorded runs): "!    total
 * energy = X Ry" is the free energy F = E − TS with smearing; "Forces acting
 * on atoms (cartesian axes, Ry/au)" then "atom i type t force = fx fy fz"
 * (Ry/Bohr); "total   stress  (Ry/bohr**3) (kbar) P= ..." then three rows
 * whose first three numbers are Ry/Bohr^3 with positive = compressive (the
 * opposite of ASE), last three kbar; "convergence has been achieved in N
 * iterations" or "convergence NOT achieved after N iterations". */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label_internal.h"

/* input_dft = 'PBE': the only Li file in Debian's quantum-espresso-data
 * was generated for PBEsol (pw.x warns and uses PBE). */
const char label_qe_template[] =
    "&CONTROL\n"
    "  calculation = 'scf'\n"
    "  tprnfor = .true.\n"
    "  tstress = .true.\n"
    "  pseudo_dir = '{PSEUDO_DIR}'\n"
    "  outdir = './tmp_{TAG}'\n"
    "  prefix = '{TAG}'\n"
    "  disk_io = 'none'\n"
    "/\n"
    "&SYSTEM\n"
    "  ibrav = 0\n"
    "  nat = {NATOM}\n"
    "  ntyp = {NTYP}\n"
    "  ecutwfc = {ECUTWFC}\n"
    "  ecutrho = {ECUTRHO}\n"
    "  occupations = 'smearing'\n"
    "  smearing = 'mp'\n"
    "  degauss = {DEGAUSS}\n"
    "  input_dft = 'PBE'\n"
    "/\n"
    "&ELECTRONS\n"
    "  conv_thr = {CONV_THR}\n"
    "  electron_maxstep = {MAXSTEP}\n"
    "  mixing_beta = 0.5\n"
    "/\n"
    "ATOMIC_SPECIES\n{SPECIES}\n"
    "CELL_PARAMETERS angstrom\n{RPRIM}\n"
    "ATOMIC_POSITIONS angstrom\n{SYMBOL_XYZ}\n"
    "K_POINTS automatic\n"
    "  {NGKPT} 0 0 0\n";

static const char *qe_pseudo_dir(const nacre_label_options *opt) {
  return label_pseudo_dir(opt, "ESPRESSO_PSEUDO", "/usr/share/espresso/pseudo");
}

/* Preference of a UPF file name for a PBE calculation: PAW over ultrasoft
 * over norm-conserving, PBE over PBEsol over anything else. */
static int upf_score(const char *name) {
  char low[256];
  size_t n = strlen(name);
  if (n >= sizeof low) n = sizeof low - 1;
  for (size_t k = 0; k < n; k++) low[k] = (char)tolower((unsigned char)name[k]);
  low[n] = '\0';
  int score = 0;
  if (strstr(low, "paw")) score += 4;
  else if (strstr(low, "rrkjus") || strstr(low, "uspp") || strstr(low, "van"))
    score += 2;
  if (strstr(low, "pbesol")) score += 10;
  else if (strstr(low, "pbe")) score += 20;
  return score;
}

static nacre_status qe_pseudo(const nacre_label_options *opt, const char *sym,
                              char *file, size_t len, nacre_error *err) {
  if (label_pseudo_override(opt->pseudo_files, sym, file, len))
    return NACRE_OK;
  const char *dir = qe_pseudo_dir(opt);
  DIR *d = opendir(dir);
  if (!d)
    return nacre_error_set(err, NACRE_ERR_IO,
                           "cannot open pseudopotential folder %s", dir);
  size_t sl = strlen(sym);
  int best = -1;
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *nm = e->d_name;
    size_t n = strlen(nm);
    /* "Li.pbe-...UPF", "Li_pbe_v1.uspp.UPF", "li_pbe...upf" */
    if (n < sl + 4 || strncasecmp(nm, sym, sl) || isalpha((unsigned char)nm[sl]))
      continue;
    if (strcasecmp(nm + n - 4, ".upf")) continue;
    int sc = upf_score(nm);
    if (sc > best || (sc == best && strcmp(nm, file) < 0)) {
      best = sc;
      snprintf(file, len, "%s", nm);
    }
  }
  closedir(d);
  if (best < 0)
    return nacre_error_set(err, NACRE_ERR_IO,
                           "no pseudopotential for %s in %s (no %s*.UPF); "
                           "give one with pseudo files %s=FILE",
                           sym, dir, sym, sym);
  return NACRE_OK;
}

nacre_status nacre_qe_input(const nacre_label_options *opt,
                            const nacre_structure *s, char **text,
                            nacre_error *err) {
  *text = NULL;
  label_settings set;
  label_resolve(opt, &set);
  int z[NACRE_MAX_Z];
  int nz = label_species(s, z);
  label_buf species = {0}, rprim = {0}, xyz = {0};
  nacre_status st = NACRE_OK;
  for (int k = 0; k < nz && !st; k++) {
    const nacre_element *el = nacre_element_by_z(z[k]);
    char file[512] = "";
    st = qe_pseudo(opt, el->symbol, file, sizeof file, err);
    label_buf_printf(&species, "%s  %s %.4f %s", k ? "\n" : "", el->symbol,
                     el->mass_amu, file);
  }
  label_buf_cell(&rprim, s);
  for (int i = 0; i < s->natoms; i++)
    label_buf_printf(&xyz, "%s  %s %.10f %.10f %.10f", i ? "\n" : "",
                     nacre_element_by_z(s->numbers[i])->symbol,
                     s->positions[3 * i], s->positions[3 * i + 1],
                     s->positions[3 * i + 2]);
  if (!st && (species.failed || rprim.failed || xyz.failed || !xyz.s))
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "QE input");
  if (!st) {
    int ng[3];
    nacre_label_kgrid(s->cell, set.kspacing, ng);
    char natom[32], ntyp[32], ngkpt[64], ecutwfc[32], ecutrho[32], degauss[32],
        conv[32], maxstep[32];
    snprintf(natom, sizeof natom, "%d", s->natoms);
    snprintf(ntyp, sizeof ntyp, "%d", nz);
    snprintf(ngkpt, sizeof ngkpt, "%d %d %d", ng[0], ng[1], ng[2]);
    snprintf(ecutwfc, sizeof ecutwfc, "%.4f", set.ecut_ev / NACRE_RYDBERG_EV);
    snprintf(ecutrho, sizeof ecutrho, "%.4f",
             set.ecut_ev * set.ecut_dens_factor / NACRE_RYDBERG_EV);
    snprintf(degauss, sizeof degauss, "%.6g",
             set.smearing_ev / NACRE_RYDBERG_EV);
    snprintf(conv, sizeof conv, "%.3e", set.scf_tol_ev / NACRE_RYDBERG_EV);
    snprintf(maxstep, sizeof maxstep, "%d", set.max_scf);
    const char *keys[] = {"PSEUDO_DIR", "TAG",        "NATOM",   "NTYP",
                          "ECUTWFC",    "ECUTRHO",    "DEGAUSS", "CONV_THR",
                          "MAXSTEP",    "SPECIES",    "RPRIM",   "SYMBOL_XYZ",
                          "NGKPT"};
    const char *values[] = {qe_pseudo_dir(opt), "label", natom,   ntyp,
                            ecutwfc,            ecutrho, degauss, conv,
                            maxstep,            species.s, rprim.s, xyz.s,
                            ngkpt};
    int required[13] = {0};
    required[0] = opt->pseudo_dir != NULL;
    required[4] = opt->ecut_ev > 0;
    required[6] = opt->smearing_ev > 0;
    required[7] = opt->scf_tol_ev > 0;
    required[8] = opt->max_scf > 0;
    required[9] = opt->pseudo_files != NULL;
    required[12] = opt->kspacing > 0;
    const char *name = "built-in template";
    char *tmpl = NULL;
    if (opt->template_path) {
      name = opt->template_path;
      st = label_read_file(opt->template_path, &tmpl, NULL, err);
    } else if (!(tmpl = strdup(label_qe_template)))
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "template");
    if (!st)
      st = nacre_label_render(tmpl, name, keys, values, 13, required, text,
                              err);
    free(tmpl);
  }
  label_buf_free(&species), label_buf_free(&rprim), label_buf_free(&xyz);
  return st;
}

/* Seconds of a "1h 2m" / "3m 4.5s" / "0.96s" time between from and to. */
static double qe_seconds(const char *from, const char *to) {
  double total = 0;
  const char *p = from;
  while (p < to) {
    char *end;
    double v = strtod(p, &end);
    if (end == p) {
      p++;
      continue;
    }
    if (*end == 'h') total += 3600 * v;
    else if (*end == 'm') total += 60 * v;
    else if (*end == 's') total += v;
    p = end + 1;
  }
  return total;
}

/* "PWSCF        :      0.96s CPU      1.54s WALL" */
static void qe_times(const char *line, double *cpu_s, double *wall_s) {
  const char *colon = strchr(line, ':');
  const char *cpu = strstr(line, "CPU");
  const char *wall = strstr(line, "WALL");
  if (!colon || !cpu || !wall || wall < cpu || cpu < colon) return;
  *cpu_s = qe_seconds(colon + 1, cpu);
  *wall_s = qe_seconds(cpu + 3, wall);
}

nacre_status nacre_qe_parse(const char *text, const char *name, int natoms,
                            nacre_label_result *r, nacre_error *err) {
  const char *p = strstr(text, "Program PWSCF v.");
  if (p) {
    char ver[32] = "";
    if (sscanf(p, "Program PWSCF v.%31s", ver) == 1)
      snprintf(r->code_version, sizeof r->code_version, "QE %s", ver);
  }
  r->converged = 0;
  r->scf_steps = 0;
  static const char done[] = "convergence has been achieved in";
  static const char not_done[] = "convergence NOT achieved after";
  /* label_find_last gives the start of the line holding the phrase; the
   * count follows the phrase (0 when no number does) */
  if ((p = label_find_last(text, done))) {
    r->converged = 1;
    r->scf_steps = atoi(strstr(p, done) + sizeof done - 1);
  } else if ((p = label_find_last(text, not_done))) {
    r->scf_steps = atoi(strstr(p, not_done) + sizeof not_done - 1);
  }
  const char *time = label_find_last(text, "PWSCF        :");
  if (time) qe_times(time, &r->cpu_s, &r->wall_s);

  const char *etot = label_find_last(text, "!    total energy");
  if (!r->converged && !etot) {
    int line = label_line_of(text, text + strlen(text));
    if (r->scf_steps > 0) {
      snprintf(r->message, sizeof r->message,
               "SCF not converged after %d steps", r->scf_steps);
      return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED, "%s:%d: %s", name,
                             line, r->message);
    }
    const char *qerr = strstr(text, "Error in routine");
    snprintf(r->message, sizeof r->message, "%s%.160s",
             qerr ? "pw.x: " : "no final energy (truncated output?)",
             qerr ? qerr : "");
    for (char *c = r->message; *c; c++)
      if (*c == '\n') *c = ' ';
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: %s", name, line,
                           r->message);
  }
  double e_ry;
  if (!etot || !(p = strchr(etot, '=')) || (p++, label_read_doubles(&p, &e_ry, 1, 0) != 1)) {
    snprintf(r->message, sizeof r->message, "no '!    total energy' line");
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s: %s", name, r->message);
  }
  r->energy_ev = r->free_energy_ev = e_ry * NACRE_RYDBERG_EV;
  r->has_energy = 1;

  const char *fblock = label_find_last(text, "Forces acting on atoms");
  if (!fblock) {
    snprintf(r->message, sizeof r->message, "no forces (tprnfor?)");
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s: %s", name, r->message);
  }
  nacre_status fst = label_result_forces(r, natoms, name, err);
  if (fst) return fst;
  const double ry_bohr = NACRE_RYDBERG_EV / NACRE_BOHR_A;
  p = fblock;
  for (int i = 0; i < natoms; i++) {
    p = strstr(p, "force =");
    const char *q = p ? p + 7 : NULL;
    if (!q || label_read_doubles(&q, r->forces_ev_a + 3 * i, 3, 0) != 3) {
      snprintf(r->message, sizeof r->message,
               "forces: expected %d atom lines, found %d", natoms, i);
      return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: %s", name,
                             label_line_of(text, fblock), r->message);
    }
    for (int k = 0; k < 3; k++) r->forces_ev_a[3 * i + k] *= ry_bohr;
    p = q;
  }
  r->has_forces = 1;

  const char *sblock = label_find_last(text, "total   stress  (Ry/bohr**3)");
  if (!sblock) {
    snprintf(r->message, sizeof r->message, "no stress (tstress?)");
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s: %s", name, r->message);
  }
  double m[3][3];
  p = strchr(sblock, '\n');
  for (int i = 0; i < 3; i++) {
    double row[6];
    if (!p || label_read_doubles((p++, &p), row, 6, 0) != 6) {
      snprintf(r->message, sizeof r->message, "stress row %d malformed", i + 1);
      return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: %s", name,
                             label_line_of(text, sblock) + i + 1, r->message);
    }
    for (int j = 0; j < 3; j++)
      m[i][j] = -row[j] * NACRE_RYDBERG_EV /
                (NACRE_BOHR_A * NACRE_BOHR_A * NACRE_BOHR_A);
    p = strchr(p, '\n');
  }
  nacre_voigt_from_mat3(m, r->stress_ev_a3);
  r->has_stress = 1;
  if (!r->converged) {
    snprintf(r->message, sizeof r->message, "SCF not converged");
    return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED, "%s: %s", name,
                           r->message);
  }
  return NACRE_OK;
}
