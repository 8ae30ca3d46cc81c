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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label_internal.h"

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
    if (line2 && (line2++, label_read_doubles(&line2, z, 2, 0) == 2)) {
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
  return st;
}

/* Start of the value of variable `var` in the outvars block: the line's
 * first token must be exactly `var`. */
static const char *outvar(const char *block, const char *var) {
  size_t n = strlen(var);
  const char *p = block;
  while ((p = strstr(p, var))) {
    const char *ls = p;
    while (ls > block && (ls[-1] == ' ')) ls--;
    int at_line_start = ls == block || ls[-1] == '\n';
    if (at_line_start && p[n] == ' ') return p + n;
    p += n;
  }
  return NULL;
}

nacre_status nacre_abinit_parse(const char *text, const char *name,
                                int natoms, nacre_label_result *r,
                                nacre_error *err) {
  const char *p = strstr(text, ".Version ");
  if (p) {
    char ver[32] = "";
    if (sscanf(p, ".Version %31s", ver) == 1)
      snprintf(r->code_version, sizeof r->code_version, "ABINIT %s", ver);
  }
  /* SCF: "At SCF step    8, etot is converged" (or vres2, nres2, ...) */
  r->converged = 0;
  r->scf_steps = 0;
  const char *conv = label_find_last(text, "is converged");
  if (conv && (p = strstr(conv, "At SCF step")) && p < conv + strcspn(conv, "\n")) {
    r->converged = 1;
    r->scf_steps = atoi(p + strlen("At SCF step"));
  } else {
    for (p = text; (p = strstr(p, " ETOT ")); p++) r->scf_steps++;
  }
  const char *time = label_find_last(text, "individual time (sec)");
  if (time && (p = strstr(time, "wall="))) r->wall_s = strtod(p + 5, NULL);
  if (time && (p = strstr(time, "cpu="))) r->cpu_s = strtod(p + 4, NULL);

  const char *err_block = strstr(text, "--- !ERROR");
  const char *block =
      strstr(text, "-outvars: echo values of variables after computation");
  if (!block) {
    int line = label_line_of(text, text + strlen(text));
    if (err_block) {
      const char *msg = strstr(err_block, "message:");
      snprintf(r->message, sizeof r->message, "ABINIT error: %.200s",
               msg ? msg + 8 : err_block);
    } else
      snprintf(r->message, sizeof r->message,
               "no final outvars block (truncated output?)");
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: %s", name, line,
                           r->message);
  }
  const char *vars[3] = {"etotal", "fcart", "strten"};
  const char *at[3];
  for (int v = 0; v < 3; v++) {
    at[v] = outvar(block, vars[v]);
    if (!at[v]) {
      snprintf(r->message, sizeof r->message,
               "no %s in the final outvars block%s", vars[v],
               v == 2 ? " (optstress 0?)" : "");
      return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: %s", name,
                             label_line_of(text, block), r->message);
    }
  }
  double etot;
  p = at[0];
  if (label_read_doubles(&p, &etot, 1, 0) != 1)
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: bad etotal value",
                           name, label_line_of(text, at[0]));
  nacre_status fst = label_result_forces(r, natoms, name, err);
  if (fst) return fst;
  p = at[1];
  int nf = label_read_doubles(&p, r->forces_ev_a, 3 * natoms, 1);
  if (nf != 3 * natoms) {
    snprintf(r->message, sizeof r->message,
             "fcart has %d numbers, expected %d (3 per atom)", nf,
             3 * natoms);
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: %s", name,
                           label_line_of(text, at[1]), r->message);
  }
  double strten[6];
  p = at[2];
  if (label_read_doubles(&p, strten, 6, 1) != 6) {
    snprintf(r->message, sizeof r->message, "strten has fewer than 6 numbers");
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: %s", name,
                           label_line_of(text, at[2]), r->message);
  }
  const double ha_bohr = NACRE_HARTREE_EV / NACRE_BOHR_A;
  const double ha_bohr3 =
      NACRE_HARTREE_EV / (NACRE_BOHR_A * NACRE_BOHR_A * NACRE_BOHR_A);
  r->energy_ev = r->free_energy_ev = etot * NACRE_HARTREE_EV;
  for (int k = 0; k < 3 * natoms; k++) r->forces_ev_a[k] *= ha_bohr;
  for (int k = 0; k < 6; k++) r->stress_ev_a3[k] = strten[k] * ha_bohr3;
  r->has_energy = r->has_forces = r->has_stress = 1;
  if (!r->converged) {
    snprintf(r->message, sizeof r->message,
             "SCF not converged after %d steps", r->scf_steps);
    return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED, "%s: %s", name,
                           r->message);
  }
  return NACRE_OK;
}
