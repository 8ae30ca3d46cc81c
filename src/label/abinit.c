/* abinit.c — the ABINIT driver: PAW PBE input from a template (PseudoDojo
 * JTH datasets found in the pseudopotential folder), and the reader of the
 * main output (.abo).
 *
 * Output facts used (ABINIT 9.6, checked on recorded runs): the block after
 * "-outvars: echo values of variables after computation" holds etotal (Ha;
 * the free energy with smearing), fcart (Ha/Bohr, forces = −dE/dR) and
 * strten (Ha/Bohr^3, Voigt xx yy zz yz xz xy, positive = tensile, as ASE).
 * These values are printed even when the SCF stopped at nstep without
 * converging, so convergence is read separately from "At SCF step N, ... is
 * converged". */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label_internal.h"
#include "../io/ioutil.h"

/* ecutsm 0.5 Ha: without it the analytic stress misses the Pulay stress
 * (1–2 GPa at 24 Ha for Na at 50 GPa). nband: the default leaves too few
 * empty bands for Na 2s2p semicore with smearing. chkprim/chksymbreak/
 * chksymtnons 0: supercells, any k-grid and random low-symmetry cells. */
const char label_abinit_template[] =
    "# nacre: ABINIT single point, PAW PBE (placeholders in braces are filled "
    "by nacre label)\n"
    "pp_dirpath \"{PP_DIRPATH}\"\n"
    "pseudos \"{PSEUDOS}\"\n"
    "ntypat {NTYPAT}\n"
    "znucl {ZNUCL}\n"
    "natom {NATOM}\n"
    "typat {TYPAT}\n"
    "acell 3*1.0 Angstrom\n"
    "rprim\n{RPRIM}\n"
    "xcart\n{XCART}\n  Angstrom\n"
    "ecut {ECUT}          # Ha\n"
    "pawecutdg {PAWECUTDG}     # Ha\n"
    "ecutsm 0.5         # Ha: removes the Pulay stress\n"
    "{EXTRA}"
    "ngkpt {NGKPT}\n"
    "nshiftk 1\n"
    "shiftk 0 0 0       # Gamma-centred\n"
    "nband {NBAND}\n"
    "occopt 6           # Methfessel-Paxton\n"
    "tsmear {TSMEAR}    # Ha\n"
    "toldfe {TOLDFE}    # Ha per cell\n"
    "nstep {NSTEP}\n"
    "chkprim 0\n"
    "chksymbreak 0\n"
    "chksymtnons 0\n"
    "optforces 1\n"
    "optstress 1\n"
    "prtwf 0\n"
    "prtden 0\n"
    "prteig 0\n"
    "prtebands 0\n";

static const char *abinit_pseudo_dir(const nacre_label_options *opt) {
  return label_pseudo_dir(opt, "NACRE_ABINIT_PSP", "/usr/share/abinit/psp");
}

/* Valence charge of a dataset: XML (PseudoDojo JTH) `valence="9.00"` in the
 * <atom> element, otherwise the ABINIT psp header's second line
 * "zatom zion pspdat". */
static nacre_status pseudo_valence(const char *path, double *zion,
                                   nacre_error *err) {
  char *text;
  nacre_status st = label_read_file(path, &text, NULL, err);
  if (st) return st;
  const char *atom = strstr(text, "<atom ");
  const char *v = atom ? strstr(atom, "valence=\"") : NULL;
  int ok = 0;
  if (v) {
    *zion = strtod(v + 9, NULL);
    ok = *zion > 0;
  } else {
    const char *line2 = strchr(text, '\n');
    double z[2];
    if (line2 && nacre_io_scan_doubles(line2 + 1, z, 2, NULL) == 2) {
      *zion = z[1];
      ok = z[1] > 0;
    }
  }
  free(text);
  if (!ok)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: cannot find the valence charge", path);
  return NACRE_OK;
}

/* Dataset for element `sym`: an override "Sym=file", else PseudoDojo JTH
 * PAW PBE standard, else an AtomPAW PBE file ("li.PBE.atompaw.paw": Li has
 * no PseudoDojo PAW in Debian's abinit-data), which then needs usexcnhat 0
 * (mixing it with JTH files aborts otherwise; for pure Li it also halves
 * the SCF steps and brings forces within 0.014 eV/Å of QE). */
static nacre_status abinit_pseudo(const nacre_label_options *opt,
                                  const char *sym, char *file, size_t len,
                                  int *atompaw, nacre_error *err) {
  const char *dir = abinit_pseudo_dir(opt);
  char path[1024];
  *atompaw = 0;
  if (label_pseudo_override(opt->pseudo_files, sym, file, len)) {
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (!nacre_file_exists(path))
      return nacre_error_set(err, NACRE_ERR_IO, "pseudopotential %s not found",
                             path);
    *atompaw = strstr(file, "atompaw") != NULL;
    return NACRE_OK;
  }
  snprintf(file, len, "Pseudodojo_paw_pbe_standard/%s.xml", sym);
  snprintf(path, sizeof path, "%s/%s", dir, file);
  if (nacre_file_exists(path)) return NACRE_OK;
  char lower[8];
  size_t n = strlen(sym);
  for (size_t k = 0; k <= n && k < sizeof lower; k++)
    lower[k] = (char)tolower((unsigned char)sym[k]);
  lower[sizeof lower - 1] = '\0';
  snprintf(file, len, "%s.PBE.atompaw.paw", lower);
  snprintf(path, sizeof path, "%s/%s", dir, file);
  if (nacre_file_exists(path)) {
    *atompaw = 1;
    return NACRE_OK;
  }
  return nacre_error_set(err, NACRE_ERR_IO,
                         "no PAW PBE dataset for %s in %s (looked for "
                         "Pseudodojo_paw_pbe_standard/%s.xml and %s); give "
                         "one with pseudo files %s=FILE",
                         sym, dir, sym, file, sym);
}

static char *template_text(const nacre_label_options *opt, const char *builtin,
                           const char **name, nacre_error *err) {
  if (!opt->template_path) {
    *name = "built-in template";
    char *t = strdup(builtin);
    if (!t) nacre_error_set(err, NACRE_ERR_NOMEM, "template");
    return t;
  }
  *name = opt->template_path;
  char *t;
  if (label_read_file(opt->template_path, &t, NULL, err)) return NULL;
  return t;
}

/* 1 when a line of the input starts with the variable `name`. */
static int abinit_sets(const char *text, const char *name) {
  size_t n = strlen(name);
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
    const char *q = p + strspn(p, " \t");
    if (!strncmp(q, name, n) && (q[n] == ' ' || q[n] == '\t' || q[n] == '\n'))
      return 1;
  }
  return 0;
}

/* The relaxation variables appended to a rendered input: variable-cell
 * BFGS (optcell 2, ionmov 2) towards the stress −P δ (strtarget, ABINIT's
 * sign: positive = tensile), stopping when the largest force and
 * strfact × the largest stress component are both below tolmxf. dilatmx
 * 1.15 lets the cell grow 15 % in length on the plane-wave sphere of the
 * start (ecutsm smooths the sphere's edge, which keeps the stress right
 * while the basis is fixed). A template that sets any of them itself is
 * refused, so no setting is silently overridden. */
static nacre_status abinit_relax_block(const nacre_label_options *opt,
                                       char **text, nacre_error *err) {
  static const char *const owned[] = {"optcell", "ionmov", "ntime", "tolmxf",
                                      "strfact", "dilatmx", "strtarget"};
  for (size_t k = 0; k < sizeof owned / sizeof owned[0]; k++)
    if (abinit_sets(*text, owned[k]))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "ABINIT template sets %s, which a relaxation "
                             "sets itself",
                             owned[k]);
  if (!abinit_sets(*text, "ecutsm"))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "ABINIT template has no ecutsm: cell relaxations "
                           "need it (0.5 Ha) for a stress without the Pulay "
                           "error");
  const double ha_bohr = NACRE_HARTREE_EV / NACRE_BOHR_A;
  const double gpa_per_au = NACRE_HARTREE_EV * NACRE_EV_A3_TO_GPA /
                            (NACRE_BOHR_A * NACRE_BOHR_A * NACRE_BOHR_A);
  double fmax = opt->relax_fmax_ev_a > 0 ? opt->relax_fmax_ev_a : 0.01;
  double smax = opt->relax_smax_gpa > 0 ? opt->relax_smax_gpa : 0.1;
  int steps = opt->relax_max_steps > 0 ? opt->relax_max_steps : 100;
  double tolmxf = fmax / ha_bohr, p = opt->relax_pressure_gpa / gpa_per_au;
  label_buf b = {0};
  label_buf_printf(&b,
                   "%s# relaxation at %.6g GPa\n"
                   "optcell 2\n"
                   "ionmov 2\n"
                   "ntime %d\n"
                   "tolmxf %.6e    # Ha/Bohr = %.4g eV/A\n"
                   "strfact %.6e   # Bohr^2: stress criterion %.4g GPa\n"
                   "dilatmx 1.15\n"
                   "strtarget %.10e %.10e %.10e 0 0 0\n",
                   *text, opt->relax_pressure_gpa, steps, tolmxf, fmax,
                   tolmxf / (smax / gpa_per_au), smax, -p, -p, -p);
  if (b.failed) {
    label_buf_free(&b);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "ABINIT input");
  }
  free(*text);
  *text = b.s;
  return NACRE_OK;
}

nacre_status nacre_abinit_input(const nacre_label_options *opt,
                                const nacre_structure *s, char **text,
                                nacre_error *err) {
  *text = NULL;
  label_settings set;
  label_resolve(opt, &set);
  int z[NACRE_MAX_Z];
  int nz = label_species(s, z);
  label_buf pseudos = {0}, znucl = {0}, typat = {0}, rprim = {0}, xcart = {0};
  double nelec = 0;
  int atompaw = 0;
  nacre_status st = NACRE_OK;
  for (int k = 0; k < nz && !st; k++) {
    const nacre_element *el = nacre_element_by_z(z[k]);
    char file[512], path[1100];
    int ap;
    st = abinit_pseudo(opt, el->symbol, file, sizeof file, &ap, err);
    if (st) break;
    atompaw |= ap;
    snprintf(path, sizeof path, "%s/%s", abinit_pseudo_dir(opt), file);
    double zion = 0;
    st = pseudo_valence(path, &zion, err);
    if (st) break;
    int count = 0;
    for (int i = 0; i < s->natoms; i++) count += s->numbers[i] == z[k];
    nelec += zion * count;
    label_buf_printf(&pseudos, "%s%s", k ? ", " : "", file);
    label_buf_printf(&znucl, "%s%d", k ? " " : "", z[k]);
  }
  for (int i = 0; i < s->natoms && !st; i++) {
    int t = 0;
    while (z[t] != s->numbers[i]) t++;
    label_buf_printf(&typat, "%s%d", i ? " " : "", t + 1);
    label_buf_printf(&xcart, "  %.10f %.10f %.10f\n", s->positions[3 * i],
                     s->positions[3 * i + 1], s->positions[3 * i + 2]);
  }
  label_buf_cell(&rprim, s);
  if (xcart.len) xcart.s[--xcart.len] = '\0'; /* drop the last newline */
  int ng[3];
  nacre_label_kgrid(s->cell, set.kspacing, ng);
  char natom[32], ntypat[32], ngkpt[64], nband[32], ecut[32], dg[32],
      tsmear[32], toldfe[32], nstep[32];
  snprintf(natom, sizeof natom, "%d", s->natoms);
  snprintf(ntypat, sizeof ntypat, "%d", nz);
  snprintf(ngkpt, sizeof ngkpt, "%d %d %d", ng[0], ng[1], ng[2]);
  /* ceil(0.6·N_electrons) + 4 bands: enough empty states for smearing */
  snprintf(nband, sizeof nband, "%d", (int)ceil(0.6 * nelec - 1e-9) + 4);
  snprintf(ecut, sizeof ecut, "%.4f", set.ecut_ev / NACRE_HARTREE_EV);
  snprintf(dg, sizeof dg, "%.4f",
           set.ecut_ev * set.ecut_dens_factor / NACRE_HARTREE_EV);
  snprintf(tsmear, sizeof tsmear, "%.6g", set.smearing_ev / NACRE_HARTREE_EV);
  snprintf(toldfe, sizeof toldfe, "%.3e", set.scf_tol_ev / NACRE_HARTREE_EV);
  snprintf(nstep, sizeof nstep, "%d", set.max_scf);
  const char *extra = atompaw ? "usexcnhat 0        # AtomPAW dataset\n" : "";
  if (!st && (pseudos.failed || znucl.failed || typat.failed || rprim.failed ||
              xcart.failed))
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "ABINIT input");
  if (!st) {
    const char *keys[] = {"PP_DIRPATH", "PSEUDOS", "NTYPAT", "ZNUCL",
                          "NATOM",      "TYPAT",   "RPRIM",  "XCART",
                          "NGKPT",      "NBAND",   "ECUT",   "PAWECUTDG",
                          "TSMEAR",     "TOLDFE",  "NSTEP",  "EXTRA"};
    const char *values[] = {abinit_pseudo_dir(opt), pseudos.s, ntypat,
                            znucl.s, natom, typat.s ? typat.s : "",
                            rprim.s, xcart.s ? xcart.s : "", ngkpt, nband,
                            ecut, dg, tsmear, toldfe, nstep, extra};
    /* options the user set explicitly must reach the input */
    int required[16] = {0};
    required[10] = opt->ecut_ev > 0;
    required[8] = opt->kspacing > 0;
    required[12] = opt->smearing_ev > 0;
    required[13] = opt->scf_tol_ev > 0;
    required[14] = opt->max_scf > 0;
    required[0] = opt->pseudo_dir != NULL;
    required[1] = opt->pseudo_files != NULL;
    const char *name;
    char *tmpl = template_text(opt, label_abinit_template, &name, err);
    if (!tmpl) st = err ? err->status : NACRE_ERR_IO;
    else {
      st = nacre_label_render(tmpl, name, keys, values, 16, required, text,
                              err);
      free(tmpl);
    }
  }
  label_buf_free(&pseudos), label_buf_free(&znucl), label_buf_free(&typat);
  label_buf_free(&rprim), label_buf_free(&xcart);
  if (!st && opt->relax) st = abinit_relax_block(opt, text, err);
  if (st) {
    free(*text); /* no half-made input on failure */
    *text = NULL;
  }
  return st;
}

/* ---- the output (.abo) ---- */

/* What the reader gathers while it walks the lines. A variable of the
 * final outvars block ("etotal", "fcart", "strten") is a line whose first
 * token is its name, followed by numbers that may continue on the next
 * lines (lines holding numbers only). */
enum { VAR_ETOTAL, VAR_FCART, VAR_STRTEN, NVARS };
typedef struct abo_reader {
  nacre_io_lines in;
  int natoms;
  int converged, conv_steps, etot_lines;
  int in_outvars;           /* inside the final outvars block */
  long outvars_line;
  int error_block;          /* "--- !ERROR" seen: message lines to collect */
  char error_msg[200];
  int collecting;           /* VAR_* being continued on the next lines, or -1 */
  int found[NVARS];
  long line[NVARS];
  nacre_io_dbuf values[NVARS];
} abo_reader;

static const char *const abo_vars[NVARS] = {"etotal", "fcart", "strten"};

/* Numbers of a variable's line (or of its continuation): all of them, or
 * the line is not part of it. */
static int abo_numbers(abo_reader *a, int var, const char *text,
                       nacre_error *err) {
  double v[32];
  const char *rest = text;
  for (;;) {
    int n = nacre_io_scan_doubles(rest, v, 32, &rest);
    if (n && nacre_io_dbuf_push(&a->values[var], v, (size_t)n, err)) return -1;
    if (n < 32) break;
  }
  return nacre_io_blank(rest) ? 0 : 1;
}

static void abo_line_outvars(abo_reader *a, nacre_error *err) {
  char first[16] = "";
  const char *p = a->in.buf;
  while (*p == ' ') p++;
  size_t n = strcspn(p, " \t");
  if (a->collecting >= 0) {
    /* a continuation line starts with a number */
    double v;
    if (nacre_io_scan_doubles(p, &v, 1, NULL) == 1) {
      if (abo_numbers(a, a->collecting, p, err) < 0) a->collecting = -2;
      return;
    }
    a->collecting = -1;
  }
  if (n >= sizeof first) return;
  memcpy(first, p, n);
  first[n] = '\0';
  for (int v = 0; v < NVARS; v++)
    if (!strcmp(first, abo_vars[v]) && !a->found[v]) {
      a->found[v] = 1;
      a->line[v] = a->in.lineno;
      int junk = abo_numbers(a, v, p + n, err);
      if (junk < 0) a->collecting = -2;
      else a->collecting = junk ? -1 : v;
      if (junk > 0) a->values[v].n = 0; /* text after the numbers: unusable */
    }
}

/* The lines before the outvars block: SCF steps and convergence, times,
 * version and an error message. */
static void abo_line_log(abo_reader *a) {
  const char *b = a->in.buf, *p;
  if (!a->error_block && (p = strstr(b, "--- !ERROR"))) a->error_block = 1;
  if (a->error_block == 1 && (p = strstr(b, "message:"))) {
    snprintf(a->error_msg, sizeof a->error_msg, "%s", p + 8);
    a->error_block = 2;
  } else if (a->error_block == 2) {
    /* the YAML message continues on indented lines */
    size_t len = strlen(a->error_msg);
    if (b[0] == ' ' && len + 2 < sizeof a->error_msg)
      snprintf(a->error_msg + len, sizeof a->error_msg - len, " %s",
               b + strspn(b, " "));
    else
      a->error_block = 3;
  }
  for (p = b; (p = strstr(p, " ETOT ")); p++) a->etot_lines++;
  if (strstr(b, "is converged")) {
    /* "At SCF step    8, etot is converged" (or vres2, nres2, ...) */
    p = strstr(b, "At SCF step");
    a->converged = p != NULL;
    a->conv_steps = p ? atoi(p + strlen("At SCF step")) : 0;
  }
}

static void abo_line(abo_reader *a, nacre_label_result *r, nacre_error *err) {
  const char *b = a->in.buf, *p;
  if (!r->code_version[0] && (p = strstr(b, ".Version "))) {
    char ver[32] = "";
    if (sscanf(p, ".Version %31s", ver) == 1)
      snprintf(r->code_version, sizeof r->code_version, "ABINIT %s", ver);
  }
  if ((p = strstr(b, "individual time (sec)"))) {
    const char *w = strstr(p, "wall="), *c = strstr(p, "cpu=");
    if (w) nacre_io_scan_doubles(w + 5, &r->wall_s, 1, NULL);
    if (c) nacre_io_scan_doubles(c + 4, &r->cpu_s, 1, NULL);
  }
  if (!a->in_outvars &&
      strstr(b, "-outvars: echo values of variables after computation")) {
    a->in_outvars = 1;
    a->outvars_line = a->in.lineno;
    return;
  }
  if (a->in_outvars) abo_line_outvars(a, err);
  else abo_line_log(a);
}

/* r->message and err: "name:line: message". */
static nacre_status abo_fail(nacre_label_result *r, nacre_error *err,
                             nacre_status st, const char *name, long line,
                             const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static nacre_status abo_fail(nacre_label_result *r, nacre_error *err,
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

static nacre_status abo_results(abo_reader *a, const char *name,
                                nacre_label_result *r, nacre_error *err) {
  if (!a->in_outvars) {
    if (a->error_block >= 2)
      return abo_fail(r, err, NACRE_ERR_PARSE, name, a->in.lineno,
                      "ABINIT error: %.200s", a->error_msg);
    return abo_fail(r, err, NACRE_ERR_PARSE, name, a->in.lineno,
                    "no final outvars block (truncated output?)");
  }
  for (int v = 0; v < NVARS; v++)
    if (!a->found[v])
      return abo_fail(r, err, NACRE_ERR_PARSE, name, a->outvars_line,
                      "no %s in the final outvars block%s", abo_vars[v],
                      v == VAR_STRTEN ? " (optstress 0?)" : "");
  const size_t want[NVARS] = {1, 3 * (size_t)a->natoms, 6};
  const char *what[NVARS] = {"one number", "3 per atom", "6 numbers"};
  for (int v = 0; v < NVARS; v++)
    if (a->values[v].n != want[v])
      return abo_fail(r, err, NACRE_ERR_PARSE, name, a->line[v],
                      "%s has %zu numbers, expected %zu (%s)", abo_vars[v],
                      a->values[v].n, want[v], what[v]);
  nacre_status st = label_result_forces(r, a->natoms, name, err);
  if (st) return st;
  const double ha_bohr = NACRE_HARTREE_EV / NACRE_BOHR_A;
  const double ha_bohr3 =
      NACRE_HARTREE_EV / (NACRE_BOHR_A * NACRE_BOHR_A * NACRE_BOHR_A);
  r->energy_ev = r->free_energy_ev = a->values[VAR_ETOTAL].v[0] * NACRE_HARTREE_EV;
  for (int k = 0; k < 3 * a->natoms; k++)
    r->forces_ev_a[k] = a->values[VAR_FCART].v[k] * ha_bohr;
  for (int k = 0; k < 6; k++)
    r->stress_ev_a3[k] = a->values[VAR_STRTEN].v[k] * ha_bohr3;
  r->has_energy = r->has_forces = r->has_stress = 1;
  if (!r->converged)
    return abo_fail(r, err, NACRE_ERR_NOT_CONVERGED, name, 0,
                    "SCF not converged after %d steps", r->scf_steps);
  return NACRE_OK;
}

nacre_status nacre_abinit_parse(const char *text, const char *name,
                                int natoms, nacre_label_result *r,
                                nacre_error *err) {
  abo_reader a;
  memset(&a, 0, sizeof a);
  a.natoms = natoms;
  a.collecting = -1;
  nacre_io_lines_init_text(&a.in, text, strlen(text), name);
  nacre_error lerr;
  nacre_error_clear(&lerr);
  int got;
  while ((got = nacre_io_lines_next(&a.in, &lerr)) > 0 && a.collecting != -2)
    abo_line(&a, r, &lerr);
  nacre_status st;
  if (got < 0 || a.collecting == -2) {
    snprintf(r->message, sizeof r->message, "%.250s", lerr.message);
    st = nacre_error_set(err, NACRE_ERR_PARSE, "%s", lerr.message);
  } else {
    /* "At SCF step N ... is converged" on the last such line; without it
     * the SCF ran out of steps, counted by its ETOT lines */
    r->converged = a.converged;
    r->scf_steps = a.converged ? a.conv_steps : a.etot_lines;
    st = abo_results(&a, name, r, err);
  }
  for (int v = 0; v < NVARS; v++) nacre_io_dbuf_free(&a.values[v]);
  nacre_io_lines_close(&a.in);
  return st;
}

/* ---- the relaxed structure ---- */

/* The numbers of variable `name` in the final outvars block `block`: those
 * after the name, on its line and the lines that continue it (the scan
 * crosses line ends and stops at the next word: a unit such as "Bohr" or
 * the next variable). Returns how many (≤ max), 0 when it is absent. */
static int outvars_numbers(const char *block, const char *name, double *v,
                           int max) {
  size_t n = strlen(name);
  for (const char *p = block; p && *p;) {
    const char *q = p + strspn(p, " ");
    if (!strncmp(q, name, n) && q[n] == ' ')
      return nacre_io_scan_doubles(q + n, v, max, NULL);
    p = strchr(p, '\n');
    if (p) p++;
  }
  return 0;
}

nacre_status nacre_abinit_parse_relaxed(const char *text, const char *name,
                                        const nacre_structure *input,
                                        nacre_structure **out, int *steps,
                                        int *converged, nacre_error *err) {
  *out = NULL;
  *steps = 0;
  *converged = 0;
  for (const char *p = text; (p = strstr(p, "--- Iteration: (")); p++)
    (*steps)++;
  const char *c = strstr(text, "gradients are converged");
  *converged = c != NULL;
  const char *block =
      strstr(text, "-outvars: echo values of variables after computation");
  if (!block)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: no final outvars block (truncated output?)",
                           name);
  int n = input->natoms;
  /* ABINIT leaves out variables at their defaults: acell 3*1 Bohr and
   * rprim the unit matrix */
  double acell[3] = {1, 1, 1}, rprim[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  int na = outvars_numbers(block, "acell", acell, 3),
      nr = outvars_numbers(block, "rprim", rprim, 9);
  if ((na && na != 3) || (nr && nr != 9))
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: acell has %d numbers (3 expected) and rprim "
                           "%d (9) in the final outvars block",
                           name, na, nr);
  double *x = calloc(3 * (size_t)(n ? n : 1), sizeof *x);
  nacre_structure *s = x ? nacre_structure_copy(input, err) : NULL;
  if (!s) {
    free(x);
    return err && err->status ? err->status
                              : nacre_error_set(err, NACRE_ERR_NOMEM, "%s", name);
  }
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++)
      s->cell[i][k] = acell[i] * rprim[3 * i + k] * NACRE_BOHR_A;
  nacre_status st = NACRE_OK;
  int got;
  if ((got = outvars_numbers(block, "xangst", x, 3 * n)) > 0) {
    if (got != 3 * n)
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: xangst has %d numbers, expected %d", name, got,
                           3 * n);
    else
      memcpy(s->positions, x, 3 * (size_t)n * sizeof *x);
  } else if ((got = outvars_numbers(block, "xred", x, 3 * n)) > 0) {
    if (got != 3 * n)
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: xred has %d numbers, expected %d", name, got,
                           3 * n);
    else
      nacre_structure_set_frac(s, x);
  } else {
    /* every atom at the origin: ABINIT leaves out arrays of zeros */
    memset(s->positions, 0, 3 * (size_t)n * sizeof *x);
  }
  free(x);
  if (st) {
    nacre_structure_free(s);
    return st;
  }
  *out = s;
  return NACRE_OK;
}

static nacre_status abinit_relaxed(const char *dir,
                                   const nacre_structure *given,
                                   nacre_structure **out, int *steps,
                                   int *converged, nacre_error *err) {
  char path[1200], *text = NULL;
  snprintf(path, sizeof path, "%s/label.abo", dir);
  nacre_status st = label_read_file(path, &text, NULL, err);
  if (!st)
    st = nacre_abinit_parse_relaxed(text, path, given, out, steps, converged,
                                    err);
  free(text);
  return st;
}

/* ---- the row of the operations table ---- */

static nacre_status abinit_write(const nacre_label_options *opt,
                                 const nacre_structure *s, const char *dir,
                                 const char *prefix, char *command,
                                 size_t command_len, nacre_error *err) {
  char *input = NULL, path[1200];
  nacre_status st = nacre_abinit_input(opt, s, &input, err);
  snprintf(path, sizeof path, "%s/label.abi", dir);
  if (!st) st = label_write_file(path, input, err);
  free(input);
  snprintf(command, command_len, "%s label.abi", prefix);
  return st;
}

/* ABINIT JTH PAW at 24 Ha with a 48 Ha double grid */
const label_code_ops label_abinit_ops = {
    .code = NACRE_LABEL_ABINIT,
    .name = "abinit",
    .command = "abinit",
    .ecut_ev = 24.0 * NACRE_HARTREE_EV,
    .ecut_dens_factor = 2.0,
    .output = "label.abo",
    .write_inputs = abinit_write,
    .parse = nacre_abinit_parse,
    .relaxed = abinit_relaxed,
};
