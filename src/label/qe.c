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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label_internal.h"
#include "../io/ioutil.h"

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

/* Case-insensitive search of a namelist or variable name at the start of
 * a line (after blanks); returns the line or NULL. */
static const char *qe_line_with(const char *text, const char *name) {
  size_t n = strlen(name);
  for (const char *p = text; p && *p;) {
    const char *q = p + strspn(p, " \t");
    if (!strncasecmp(q, name, n) && !isalnum((unsigned char)q[n]) &&
        q[n] != '_')
      return p;
    p = strchr(p, '\n');
    if (p) p++;
  }
  return NULL;
}

/* A rendered pw.x input turned into a variable-cell relaxation: calculation
 * 'vc-relax' with nstep and forc_conv_thr in &CONTROL, and &IONS (BFGS) and
 * &CELL (BFGS, press in kbar, press_conv_thr, cell_dofree 'all') before
 * the first card. A template that sets any of these itself is refused. */
static nacre_status qe_relax_input(const nacre_label_options *opt,
                                   char **text, nacre_error *err) {
  static const char *const owned[] = {"nstep", "forc_conv_thr", "&IONS",
                                      "&CELL", "press", "cell_dofree"};
  for (size_t k = 0; k < sizeof owned / sizeof owned[0]; k++)
    if (qe_line_with(*text, owned[k]))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "pw.x template sets %s, which a relaxation sets "
                             "itself",
                             owned[k]);
  const char *control = qe_line_with(*text, "&CONTROL");
  const char *card = qe_line_with(*text, "ATOMIC_SPECIES");
  if (!control || !card || card < control)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "pw.x template: a relaxation needs &CONTROL and "
                           "then the ATOMIC_SPECIES card");
  const char *calc = qe_line_with(*text, "calculation");
  double fmax = opt->relax_fmax_ev_a > 0 ? opt->relax_fmax_ev_a : 0.01;
  double smax = opt->relax_smax_gpa > 0 ? opt->relax_smax_gpa : 0.1;
  int steps = opt->relax_max_steps > 0 ? opt->relax_max_steps : 100;
  const char *after_control = strchr(control, '\n');
  if (!after_control) after_control = control + strlen(control);
  else after_control++;
  label_buf b = {0};
  /* &CONTROL line, the relaxation's variables, the rest up to the card
   * (with the calculation line left out), the namelists, the cards */
  label_buf_printf(&b, "%.*s", (int)(after_control - *text), *text);
  label_buf_printf(&b,
                   "  calculation = 'vc-relax'\n"
                   "  nstep = %d\n"
                   "  forc_conv_thr = %.6e  ! Ry/Bohr = %.4g eV/A\n",
                   steps, fmax / (NACRE_RYDBERG_EV / NACRE_BOHR_A), fmax);
  for (const char *p = after_control; p < card;) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) + 1 : strlen(p);
    if (p != calc) label_buf_printf(&b, "%.*s", (int)len, p);
    p += len;
  }
  label_buf_printf(&b,
                   "&IONS\n"
                   "  ion_dynamics = 'bfgs'\n"
                   "/\n"
                   "&CELL\n"
                   "  cell_dynamics = 'bfgs'\n"
                   "  press = %.6f  ! kbar = %.6g GPa\n"
                   "  press_conv_thr = %.6g  ! kbar\n"
                   "  cell_dofree = 'all'\n"
                   "/\n%s",
                   opt->relax_pressure_gpa * NACRE_GPA_TO_KBAR,
                   opt->relax_pressure_gpa, smax * NACRE_GPA_TO_KBAR, card);
  if (b.failed) {
    label_buf_free(&b);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "pw.x input");
  }
  free(*text);
  *text = b.s;
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
  if (!st && opt->relax) st = qe_relax_input(opt, text, err);
  if (st) {
    free(*text); /* no half-made input on failure */
    *text = NULL;
  }
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

/* What the reader gathers while it walks the lines; blocks are kept when
 * complete, so the last complete one wins (a relaxation prints several). */
typedef struct pwo_reader {
  nacre_io_lines in;
  int natoms;
  int done_steps, notdone_steps, have_done, have_notdone;
  int have_energy;
  double energy_ry;
  char qerr[160];           /* "Error in routine ..." and what follows */
  int qerr_lines;
  /* forces: atom lines after "Forces acting on atoms" */
  int in_forces, nforce_rows, forces_done;
  long forces_line;
  double *rows, *forces;    /* 3*natoms each */
  /* stress: three rows after "total   stress  (Ry/bohr**3)" */
  int in_stress, have_stress;
  long stress_line;
  double m[3][3], m_done[3][3];
} pwo_reader;

static nacre_status pwo_fail(nacre_label_result *r, nacre_error *err,
                             nacre_status st, const char *name, long line,
                             const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static nacre_status pwo_fail(nacre_label_result *r, nacre_error *err,
                             nacre_status st, const char *name, long line,
                             const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->message, sizeof r->message, fmt, ap);
  va_end(ap);
  if (line > 0)
    return nacre_error_set(err, st, "%s:%ld: %s", name, line, r->message);
  return nacre_error_set(err, st, "%s: %s", name, r->message);
}

/* "atom    1 type  1   force =     0.00362504   -0.00833333   -0.00181731":
 * the block's atom lines, in order, each with three numbers; a blank line
 * before the first is allowed, anything else ends the block. */
static nacre_status pwo_force_line(pwo_reader *q, const char *name,
                                   nacre_label_result *r, nacre_error *err) {
  const char *b = q->in.buf, *f = strstr(b, "force =");
  if (nacre_io_blank(b) && q->nforce_rows == 0) return NACRE_OK;
  if (!nacre_io_starts(b, "atom") || !f) {
    q->in_forces = 0;
    if (q->nforce_rows != q->natoms)
      return pwo_fail(r, err, NACRE_ERR_PARSE, name, q->forces_line,
                      "forces: %d atom lines, expected %d", q->nforce_rows,
                      q->natoms);
    memcpy(q->forces, q->rows, sizeof(double) * 3 * (size_t)q->natoms);
    q->forces_done = 1;
    return NACRE_OK;
  }
  const char *rest;
  double v[3];
  if (q->nforce_rows >= q->natoms ||
      nacre_io_scan_doubles(f + 7, v, 3, &rest) != 3 || !nacre_io_blank(rest))
    return pwo_fail(r, err, NACRE_ERR_PARSE, name, q->in.lineno,
                    q->nforce_rows >= q->natoms
                        ? "forces: more atom lines than the %d atoms"
                        : "forces: expected three numbers after 'force =' "
                          "(%d atoms)",
                    q->natoms);
  memcpy(q->rows + 3 * q->nforce_rows++, v, sizeof v);
  return NACRE_OK;
}

/* Three rows: Ry/Bohr^3 (positive = compressive) then kbar. */
static nacre_status pwo_stress_line(pwo_reader *q, const char *name,
                                    nacre_label_result *r, nacre_error *err) {
  double row[6];
  const char *rest;
  int i = q->in_stress - 1;
  if (nacre_io_scan_doubles(q->in.buf, row, 6, &rest) != 6 ||
      !nacre_io_blank(rest))
    return pwo_fail(r, err, NACRE_ERR_PARSE, name, q->in.lineno,
                    "stress row %d malformed", i + 1);
  for (int j = 0; j < 3; j++)
    q->m[i][j] = -row[j] * NACRE_RYDBERG_EV /
                 (NACRE_BOHR_A * NACRE_BOHR_A * NACRE_BOHR_A);
  if (++q->in_stress > 3) {
    q->in_stress = 0;
    memcpy(q->m_done, q->m, sizeof q->m);
    q->have_stress = 1;
  }
  return NACRE_OK;
}

static nacre_status pwo_line(pwo_reader *q, const char *name,
                             nacre_label_result *r, nacre_error *err) {
  const char *b = q->in.buf, *p;
  if (q->in_forces) {
    nacre_status st = pwo_force_line(q, name, r, err);
    if (st || q->in_forces) return st;
    /* the line that ended the block is read as any other */
  }
  if (q->in_stress) return pwo_stress_line(q, name, r, err);
  static const char done[] = "convergence has been achieved in";
  static const char not_done[] = "convergence NOT achieved after";
  if (!r->code_version[0] && (p = strstr(b, "Program PWSCF v."))) {
    char ver[32] = "";
    if (sscanf(p, "Program PWSCF v.%31s", ver) == 1)
      snprintf(r->code_version, sizeof r->code_version, "QE %s", ver);
  } else if ((p = strstr(b, done))) {
    q->have_done = 1;
    q->done_steps = atoi(p + sizeof done - 1);
  } else if ((p = strstr(b, not_done))) {
    q->have_notdone = 1;
    q->notdone_steps = atoi(p + sizeof not_done - 1);
  } else if (strstr(b, "PWSCF        :")) {
    qe_times(b, &r->cpu_s, &r->wall_s);
  } else if (nacre_io_starts(b, "!") && strstr(b, "total energy") &&
             (p = strchr(b, '='))) {
    q->have_energy = nacre_io_scan_doubles(p + 1, &q->energy_ry, 1, NULL) == 1;
  } else if (strstr(b, "Forces acting on atoms")) {
    q->in_forces = 1;
    q->nforce_rows = 0;
    q->forces_done = 0;
    q->forces_line = q->in.lineno;
  } else if (strstr(b, "total   stress  (Ry/bohr**3)")) {
    q->in_stress = 1;
    q->have_stress = 0;
    q->stress_line = q->in.lineno;
  } else if (!q->qerr_lines && (p = strstr(b, "Error in routine"))) {
    snprintf(q->qerr, sizeof q->qerr, "%s", p);
    q->qerr_lines = 1;
  } else if (q->qerr_lines == 1 && !nacre_io_blank(b)) {
    size_t len = strlen(q->qerr);
    snprintf(q->qerr + len, sizeof q->qerr - len, " %s", b + strspn(b, " "));
    q->qerr_lines = 2;
  }
  return NACRE_OK;
}

static nacre_status pwo_results(pwo_reader *q, const char *name,
                                nacre_label_result *r, nacre_error *err) {
  long last = q->in.lineno;
  if (q->in_forces) { /* the file ends after the atom lines */
    nacre_status st = pwo_force_line(q, name, r, err);
    if (st) return st;
  }
  if (!r->converged && !q->have_energy) {
    if (r->scf_steps > 0)
      return pwo_fail(r, err, NACRE_ERR_NOT_CONVERGED, name, last,
                      "SCF not converged after %d steps", r->scf_steps);
    if (q->qerr_lines)
      return pwo_fail(r, err, NACRE_ERR_PARSE, name, last, "pw.x: %.160s",
                      q->qerr);
    return pwo_fail(r, err, NACRE_ERR_PARSE, name, last,
                    "no final energy (truncated output?)");
  }
  if (!q->have_energy)
    return pwo_fail(r, err, NACRE_ERR_PARSE, name, 0,
                    "no '!    total energy' line");
  r->energy_ev = r->free_energy_ev = q->energy_ry * NACRE_RYDBERG_EV;
  r->has_energy = 1;
  if (!q->forces_done)
    return pwo_fail(r, err, NACRE_ERR_PARSE, name, q->forces_line,
                    q->forces_line ? "forces: %d atom lines, expected %d"
                                   : "no forces (tprnfor?)",
                    q->nforce_rows, q->natoms);
  nacre_status st = label_result_forces(r, q->natoms, name, err);
  if (st) return st;
  const double ry_bohr = NACRE_RYDBERG_EV / NACRE_BOHR_A;
  for (int k = 0; k < 3 * q->natoms; k++)
    r->forces_ev_a[k] = q->forces[k] * ry_bohr;
  r->has_forces = 1;
  if (!q->have_stress)
    return pwo_fail(r, err, NACRE_ERR_PARSE, name, q->stress_line,
                    q->stress_line ? "stress: fewer than three rows"
                                   : "no stress (tstress?)");
  nacre_voigt_from_mat3(q->m_done, r->stress_ev_a3);
  r->has_stress = 1;
  if (!r->converged)
    return pwo_fail(r, err, NACRE_ERR_NOT_CONVERGED, name, 0,
                    "SCF not converged");
  return NACRE_OK;
}

nacre_status nacre_qe_parse(const char *text, const char *name, int natoms,
                            nacre_label_result *r, nacre_error *err) {
  pwo_reader q;
  memset(&q, 0, sizeof q);
  q.natoms = natoms;
  size_t n3 = 3 * (size_t)(natoms > 0 ? natoms : 1);
  q.rows = malloc(sizeof(double) * n3);
  q.forces = malloc(sizeof(double) * n3);
  if (!q.rows || !q.forces) {
    free(q.rows), free(q.forces);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s: forces", name);
  }
  nacre_io_lines_init_text(&q.in, text, strlen(text), name);
  nacre_status st = NACRE_OK;
  int got;
  nacre_error lerr;
  while (!st && (got = nacre_io_lines_next(&q.in, &lerr)) > 0)
    st = pwo_line(&q, name, r, err);
  if (!st && got < 0) {
    snprintf(r->message, sizeof r->message, "%.250s", lerr.message);
    st = nacre_error_set(err, NACRE_ERR_PARSE, "%s", lerr.message);
  }
  if (!st) {
    /* "achieved" wins over "NOT achieved" (a later SCF that converged) */
    r->converged = q.have_done;
    r->scf_steps = q.have_done      ? q.done_steps
                   : q.have_notdone ? q.notdone_steps
                                    : 0;
    st = pwo_results(&q, name, r, err);
  }
  free(q.rows);
  free(q.forces);
  nacre_io_lines_close(&q.in);
  return st;
}

/* ---- the row of the operations table ---- */

static nacre_status qe_write(const nacre_label_options *opt,
                             const nacre_structure *s, const char *dir,
                             const char *prefix, char *command,
                             size_t command_len, nacre_error *err) {
  char *input = NULL, path[1200];
  nacre_status st = nacre_qe_input(opt, s, &input, err);
  snprintf(path, sizeof path, "%s/label.pwi", dir);
  if (!st) st = label_write_file(path, input, err);
  free(input);
  snprintf(command, command_len, "%s -in label.pwi", prefix);
  return st;
}

/* The unit of a card's header: "CELL_PARAMETERS (alat= 7.00000000)",
 * "ATOMIC_POSITIONS (angstrom)", "... {bohr}", "... crystal". Returns the
 * factor to Å (0 for crystal) and sets *crystal; -1 when unknown. */
static double qe_card_unit(const char *line, double alat_a, int *crystal) {
  *crystal = 0;
  char low[128];
  size_t n = strlen(line);
  if (n >= sizeof low) n = sizeof low - 1;
  for (size_t k = 0; k < n; k++) low[k] = (char)tolower((unsigned char)line[k]);
  low[n] = '\0';
  if (strstr(low, "angstrom")) return 1.0;
  if (strstr(low, "bohr")) return NACRE_BOHR_A;
  if (strstr(low, "crystal")) return *crystal = 1, 0.0;
  const char *a = strstr(low, "alat");
  if (a) {
    const char *eq = strchr(a, '=');
    double v;
    if (eq && nacre_io_scan_doubles(eq + 1, &v, 1, NULL) == 1 && v > 0)
      return v * NACRE_BOHR_A;
    return alat_a > 0 ? alat_a : -1;
  }
  return -1;
}

nacre_status nacre_qe_parse_relaxed(const char *text, const char *name,
                                    const nacre_structure *input,
                                    nacre_structure **out, int *steps,
                                    int *converged, nacre_error *err) {
  *out = NULL;
  *steps = 0;
  *converged = strstr(text, "bfgs converged") != NULL;
  const char *c = strstr(text, "bfgs converged in");
  if (c) {
    /* "bfgs converged in  12 scf cycles and  10 bfgs steps" */
    const char *and = strstr(c, "and");
    if (and) *steps = atoi(and + 3);
  } else {
    for (const char *p = text; (p = strstr(p, "number of bfgs steps")); p++)
      (*steps)++;
  }
  const char *begin = strstr(text, "Begin final coordinates");
  const char *end = begin ? strstr(begin, "End final coordinates") : NULL;
  if (!begin || !end)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: no complete 'Begin final coordinates' block "
                           "(the relaxation did not finish)",
                           name);
  /* alat of the run: "lattice parameter (alat)  =  7.0000  a.u." */
  double alat = 0;
  const char *la = strstr(text, "lattice parameter (alat)");
  if (la && (la = strchr(la, '=')))
    if (nacre_io_scan_doubles(la + 1, &alat, 1, NULL) == 1) alat *= NACRE_BOHR_A;
  nacre_structure *s = nacre_structure_copy(input, err);
  if (!s) return err ? err->status : NACRE_ERR_NOMEM;
  int n = s->natoms, crystal;
  const char *cp = strstr(begin, "CELL_PARAMETERS");
  const char *ap = strstr(begin, "ATOMIC_POSITIONS");
  nacre_status st = NACRE_OK;
  if (cp && cp < end) {
    const char *eol = strchr(cp, '\n');
    char head[128];
    snprintf(head, sizeof head, "%.*s", eol ? (int)(eol - cp) : 0, cp);
    double u = qe_card_unit(head, alat, &crystal);
    double v[9];
    if (!eol || u <= 0 || nacre_io_scan_doubles(eol + 1, v, 9, NULL) != 9)
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: unreadable CELL_PARAMETERS in the final "
                           "coordinates",
                           name);
    else
      for (int k = 0; k < 9; k++) s->cell[k / 3][k % 3] = v[k] * u;
  }
  /* ATOMIC_POSITIONS: "Na  x y z" per atom, in input order */
  const char *line = ap && ap < end ? strchr(ap, '\n') : NULL;
  double u = 0;
  if (!st) {
    char head[128];
    if (line) snprintf(head, sizeof head, "%.*s", (int)(line - ap), ap);
    u = line ? qe_card_unit(head, alat, &crystal) : -1;
    if (!line || (u <= 0 && !crystal))
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: no readable ATOMIC_POSITIONS in the final "
                           "coordinates",
                           name);
  }
  double *frac = NULL;
  if (!st && crystal && !(frac = malloc(3 * (size_t)(n ? n : 1) * sizeof *frac)))
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s", name);
  for (int i = 0; !st && i < n; i++) {
    line++;
    const char *sym = line + strspn(line, " \t");
    size_t len = strcspn(sym, " \t\n");
    const nacre_element *el = nacre_element_by_z(s->numbers[i]);
    double v[3];
    if (line >= end || len != strlen(el->symbol) ||
        strncmp(sym, el->symbol, len) ||
        nacre_io_scan_doubles(sym + len, v, 3, NULL) != 3) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: final ATOMIC_POSITIONS line %d is not '%s x "
                           "y z'",
                           name, i + 1, el->symbol);
      break;
    }
    for (int k = 0; k < 3; k++) {
      if (crystal) frac[3 * i + k] = v[k];
      else s->positions[3 * i + k] = v[k] * u;
    }
    line = strchr(line, '\n');
    if (!line) line = end;
  }
  if (!st && crystal) nacre_structure_set_frac(s, frac);
  free(frac);
  if (st) {
    nacre_structure_free(s);
    return st;
  }
  *out = s;
  return NACRE_OK;
}

static nacre_status qe_relaxed(const char *dir, const nacre_structure *given,
                               nacre_structure **out, int *steps,
                               int *converged, nacre_error *err) {
  char path[1200], *text = NULL;
  snprintf(path, sizeof path, "%s/label.out", dir);
  nacre_status st = label_read_file(path, &text, NULL, err);
  if (!st)
    st = nacre_qe_parse_relaxed(text, path, given, out, steps, converged, err);
  free(text);
  return st;
}

/* pw.x with Li PAW at 80 Ry and an 8× density cutoff (640 Ry) */
const label_code_ops label_qe_ops = {
    .code = NACRE_LABEL_QE,
    .name = "qe",
    .alias = {"pw", "pw.x"},
    .command = "pw.x",
    .ecut_ev = 80.0 * NACRE_RYDBERG_EV,
    .ecut_dens_factor = 8.0,
    .output = "label.out",
    .write_inputs = qe_write,
    .parse = nacre_qe_parse,
    .relaxed = qe_relaxed,
};
