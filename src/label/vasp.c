/* vasp.c — the VASP driver for users who have VASP: writes POSCAR, INCAR
 * (from a template), KPOINTS and a POTCAR concatenated from a user folder
 * (SYMBOL/POTCAR), and reads OUTCAR or vasprun.xml.
 *
 * Format facts (VASP 5/6 documentation and public outputs): OUTCAR "free
 * energy TOTEN = X eV" (free energy, the one forces derive from), the
 * "POSITION ... TOTAL-FORCE (eV/Angst)" table, the stress line "in kB" in
 * the order XX YY ZZ XY YZ ZX with positive = compressive; an SCF that
 * reached EDIFF prints "aborting loop because EDIFF is reached". vasprun.xml
 * gives the same numbers (<i name="e_fr_energy">, <varray name="forces">,
 * <varray name="stress"> in kB with the OUTCAR sign) and one <scstep> per
 * SCF step; NELM of them means the loop ran out. VASP groups atoms by
 * species: POSCAR is written in that order and callers map back (the driver
 * does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label_internal.h"

const char label_vasp_incar_template[] =
    "SYSTEM = nacre label\n"
    "PREC = Accurate\n"
    "ENCUT = {ENCUT}\n"
    "ISMEAR = 1\n"
    "SIGMA = {SIGMA}\n"
    "EDIFF = {EDIFF}\n"
    "NELM = {NELM}\n"
    "IBRION = -1\n"
    "NSW = 0\n"
    "ISIF = 2\n"
    "LWAVE = .FALSE.\n"
    "LCHARG = .FALSE.\n";

static const char *vasp_potcar_dir(const nacre_label_options *opt) {
  return label_pseudo_dir(opt, "NACRE_VASP_POTCARS", NULL);
}

/* Order in which VASP sees the atoms: species in order of first
 * appearance, atoms of a species in input order. order[k] = input index of
 * the k-th atom in POSCAR. */
static void vasp_order(const nacre_structure *s, const int *z, int nz,
                       int *order) {
  int k = 0;
  for (int t = 0; t < nz; t++)
    for (int i = 0; i < s->natoms; i++)
      if (s->numbers[i] == z[t]) order[k++] = i;
}

static nacre_status append_file(FILE *out, const char *path, nacre_error *err) {
  char *text;
  size_t len;
  nacre_status st = label_read_file(path, &text, &len, err);
  if (st) return st;
  if (fwrite(text, 1, len, out) != len)
    st = nacre_error_set(err, NACRE_ERR_IO, "writing POTCAR");
  free(text);
  return st;
}

nacre_status nacre_vasp_write_inputs(const nacre_label_options *opt,
                                     const nacre_structure *s,
                                     const char *dir, nacre_error *err) {
  label_settings set;
  label_resolve(opt, &set);
  int z[NACRE_MAX_Z];
  int nz = label_species(s, z);
  int *order = malloc(sizeof(int) * (s->natoms > 0 ? s->natoms : 1));
  if (!order) return nacre_error_set(err, NACRE_ERR_NOMEM, "POSCAR");
  vasp_order(s, z, nz, order);
  char path[1024];
  nacre_status st = NACRE_OK;

  /* POSCAR, VASP 5 layout, Cartesian Å */
  label_buf b = {0};
  char formula[256];
  nacre_structure_formula(s, formula, sizeof formula);
  label_buf_printf(&b, "%s\n1.0\n", formula);
  for (int i = 0; i < 3; i++)
    label_buf_printf(&b, "  %.10f %.10f %.10f\n", s->cell[i][0], s->cell[i][1],
                     s->cell[i][2]);
  for (int t = 0; t < nz; t++)
    label_buf_printf(&b, " %s", nacre_element_by_z(z[t])->symbol);
  label_buf_printf(&b, "\n");
  for (int t = 0; t < nz; t++) {
    int c = 0;
    for (int i = 0; i < s->natoms; i++) c += s->numbers[i] == z[t];
    label_buf_printf(&b, " %d", c);
  }
  label_buf_printf(&b, "\nCartesian\n");
  for (int k = 0; k < s->natoms; k++) {
    const double *x = s->positions + 3 * order[k];
    label_buf_printf(&b, "  %.10f %.10f %.10f\n", x[0], x[1], x[2]);
  }
  free(order);
  if (b.failed || !b.s) st = nacre_error_set(err, NACRE_ERR_NOMEM, "POSCAR");
  snprintf(path, sizeof path, "%s/POSCAR", dir);
  if (!st) st = label_write_file(path, b.s, err);
  label_buf_free(&b);

  /* KPOINTS: Γ-centred grid from the spacing */
  if (!st) {
    int ng[3];
    nacre_label_kgrid(s->cell, set.kspacing, ng);
    char k[128];
    snprintf(k, sizeof k, "nacre k-spacing %.4f 1/A\n0\nGamma\n %d %d %d\n 0 0 0\n",
             set.kspacing, ng[0], ng[1], ng[2]);
    snprintf(path, sizeof path, "%s/KPOINTS", dir);
    st = label_write_file(path, k, err);
  }

  /* INCAR from the template */
  if (!st) {
    char encut[32], sigma[32], ediff[32], nelm[32];
    snprintf(encut, sizeof encut, "%.2f", set.ecut_ev);
    snprintf(sigma, sizeof sigma, "%.6g", set.smearing_ev);
    snprintf(ediff, sizeof ediff, "%.3e", set.scf_tol_ev);
    snprintf(nelm, sizeof nelm, "%d", set.max_scf);
    const char *keys[] = {"ENCUT", "SIGMA", "EDIFF", "NELM"};
    const char *values[] = {encut, sigma, ediff, nelm};
    int required[4] = {opt->ecut_ev > 0, opt->smearing_ev > 0,
                       opt->scf_tol_ev > 0, opt->max_scf > 0};
    const char *name = "built-in INCAR template";
    char *tmpl = NULL, *incar = NULL;
    if (opt->template_path) {
      name = opt->template_path;
      st = label_read_file(opt->template_path, &tmpl, NULL, err);
    } else if (!(tmpl = strdup(label_vasp_incar_template)))
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "INCAR");
    if (!st)
      st = nacre_label_render(tmpl, name, keys, values, 4, required, &incar,
                              err);
    snprintf(path, sizeof path, "%s/INCAR", dir);
    if (!st) st = label_write_file(path, incar, err);
    free(tmpl);
    free(incar);
  }

  /* POTCAR: PSEUDO_DIR/NAME/POTCAR per species, NAME = override, else the
   * first of Sym_pv, Sym_sv, Sym that exists */
  if (!st) {
    const char *pdir = vasp_potcar_dir(opt);
    if (!pdir)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "VASP needs a POTCAR folder (pseudo dir or "
                             "$NACRE_VASP_POTCARS) holding SYMBOL/POTCAR");
    snprintf(path, sizeof path, "%s/POTCAR", dir);
    FILE *out = fopen(path, "w");
    if (!out)
      return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot create", path);
    for (int t = 0; t < nz && !st; t++) {
      const char *sym = nacre_element_by_z(z[t])->symbol;
      char name[256], src[1400];
      const char *suffix[] = {"_pv", "_sv", ""};
      int found = 0;
      if (label_pseudo_override(opt->pseudo_files, sym, name, sizeof name)) {
        snprintf(src, sizeof src, "%s/%s/POTCAR", pdir, name);
        found = 1;
      }
      for (int k = 0; k < 3 && !found; k++) {
        snprintf(src, sizeof src, "%s/%s%s/POTCAR", pdir, sym, suffix[k]);
        FILE *fp = fopen(src, "r");
        if (fp) fclose(fp), found = 1;
      }
      if (!found)
        st = nacre_error_set(err, NACRE_ERR_IO,
                             "no POTCAR for %s in %s (tried %s_pv, %s_sv, %s)",
                             sym, pdir, sym, sym, sym);
      else
        st = append_file(out, src, err);
    }
    if (fclose(out) && !st)
      st = nacre_error_set(err, NACRE_ERR_IO, "%s: write error", path);
  }
  return st;
}

/* ---- OUTCAR ---- */

nacre_status nacre_vasp_parse_outcar(const char *text, const char *name,
                                     int natoms, nacre_label_result *r,
                                     nacre_error *err) {
  const char *p = strstr(text, "vasp.");
  if (p && p - text < 200) {
    char ver[32] = "";
    if (sscanf(p, "vasp.%31s", ver) == 1)
      snprintf(r->code_version, sizeof r->code_version, "VASP %s", ver);
  }
  /* SCF steps of the last ionic step: "Iteration      1(  12)" */
  const char *it = label_find_last(text, "Iteration");
  r->scf_steps = 0;
  if (it && (p = strstr(it, "(")) && p < it + strcspn(it, "\n"))
    r->scf_steps = atoi(p + 1);
  r->converged = label_find_last(text, "aborting loop because EDIFF is reached") != NULL;
  /* If EDIFF was reached in an earlier ionic step only, the last step's
   * Iteration lines come after it. */
  if (r->converged && it &&
      label_find_last(text, "aborting loop because EDIFF") < it)
    r->converged = 0;
  const char *el = label_find_last(text, "Elapsed time (sec):");
  if (el) r->wall_s = strtod(strstr(el, ":") + 1, NULL);
  const char *cpu = label_find_last(text, "Total CPU time used (sec):");
  if (cpu) r->cpu_s = strtod(strstr(cpu, ":") + 1, NULL);

  const char *toten = label_find_last(text, "free  energy   TOTEN");
  double e;
  if (!toten || !(p = strchr(toten, '=')) ||
      (p++, label_read_doubles(&p, &e, 1, 0) != 1)) {
    snprintf(r->message, sizeof r->message, "no 'free  energy   TOTEN' line "
             "(truncated output?)");
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s: %s", name, r->message);
  }
  r->energy_ev = r->free_energy_ev = e;
  r->has_energy = 1;

  const char *fb = label_find_last(text, "TOTAL-FORCE (eV/Angst)");
  nacre_status fst = label_result_forces(r, natoms, name, err);
  if (fst) return fst;
  p = fb ? strchr(fb, '\n') : NULL; /* header */
  p = p ? strchr(p + 1, '\n') : NULL; /* dashes */
  for (int i = 0; i < natoms; i++) {
    double row[6];
    if (!p || (p++, label_read_doubles(&p, row, 6, 0) != 6)) {
      snprintf(r->message, sizeof r->message,
               "TOTAL-FORCE table: expected %d atom rows, found %d", natoms, i);
      return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: %s", name,
                             fb ? label_line_of(text, fb) : 0, r->message);
    }
    memcpy(r->forces_ev_a + 3 * i, row + 3, 3 * sizeof(double));
    p = strchr(p, '\n');
  }
  r->has_forces = 1;

  const char *sb = label_find_last(text, "  in kB");
  double kb[6];
  p = sb ? strstr(sb, "in kB") + 5 : NULL;
  if (!p || label_read_doubles(&p, kb, 6, 0) != 6) {
    snprintf(r->message, sizeof r->message, "no stress line 'in kB' (ISIF=0?)");
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s: %s", name, r->message);
  }
  /* VASP XX YY ZZ XY YZ ZX, positive = compressive → Voigt, ASE sign */
  const int from[6] = {0, 1, 2, 4, 5, 3};
  for (int k = 0; k < 6; k++)
    r->stress_ev_a3[k] = -kb[from[k]] * NACRE_KBAR_TO_GPA * NACRE_GPA_TO_EV_A3;
  r->has_stress = 1;
  if (!r->converged) {
    snprintf(r->message, sizeof r->message,
             "SCF not converged (EDIFF not reached in %d steps)", r->scf_steps);
    return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED, "%s: %s", name,
                           r->message);
  }
  return NACRE_OK;
}

/* ---- vasprun.xml ---- */

/* Reads the rows of <varray name="NAME"> starting at `from`; returns the
 * number of doubles read. */
static int varray(const char *from, const char *name, double *out, int n) {
  char tag[64];
  snprintf(tag, sizeof tag, "<varray name=\"%s\"", name);
  const char *p = strstr(from, tag);
  if (!p) return 0;
  const char *end = strstr(p, "</varray>");
  int k = 0;
  while (k < n && (p = strstr(p, "<v>")) && (!end || p < end)) {
    p += 3;
    k += label_read_doubles(&p, out + k, n - k < 3 ? n - k : 3, 0);
  }
  return k;
}

nacre_status nacre_vasp_parse_vasprun(const char *text, const char *name,
                                      int natoms, nacre_label_result *r,
                                      nacre_error *err) {
  const char *p = strstr(text, "name=\"version\"");
  if (p && (p = strchr(p, '>'))) {
    char ver[32] = "";
    if (sscanf(p + 1, "%31[^< ]", ver) == 1)
      snprintf(r->code_version, sizeof r->code_version, "VASP %s", ver);
  }
  int nelm = 60; /* VASP default */
  if ((p = strstr(text, "name=\"NELM\"")) && (p = strchr(p, '>')))
    nelm = atoi(p + 1);
  const char *calc = label_find_last(text, "<calculation>");
  if (!calc) {
    snprintf(r->message, sizeof r->message, "no <calculation> block");
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s: %s", name, r->message);
  }
  if (!strstr(calc, "</calculation>")) {
    snprintf(r->message, sizeof r->message,
             "last <calculation> is not closed (truncated output?)");
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: %s", name,
                           label_line_of(text, calc), r->message);
  }
  r->scf_steps = 0;
  for (p = calc; (p = strstr(p, "<scstep>")); p++) r->scf_steps++;
  r->converged = r->scf_steps > 0 && r->scf_steps < nelm;
  /* the final <energy> of the step follows the stress; the ones before
   * belong to SCF steps */
  const char *after = strstr(calc, "<varray name=\"stress\"");
  const char *e = after ? label_find_last(after, "name=\"e_fr_energy\"") : NULL;
  double energy;
  if (!e || !(p = strchr(strstr(e, "e_fr_energy"), '>')) ||
      (p++, label_read_doubles(&p, &energy, 1, 0) != 1)) {
    snprintf(r->message, sizeof r->message, "no e_fr_energy (truncated?)");
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s: %s", name, r->message);
  }
  r->energy_ev = r->free_energy_ev = energy;
  r->has_energy = 1;
  nacre_status fst = label_result_forces(r, natoms, name, err);
  if (fst) return fst;
  int nf = varray(calc, "forces", r->forces_ev_a, 3 * natoms);
  if (nf != 3 * natoms) {
    snprintf(r->message, sizeof r->message,
             "forces: %d numbers, expected %d", nf, 3 * natoms);
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: %s", name,
                           label_line_of(text, calc), r->message);
  }
  r->has_forces = 1;
  double m[9];
  if (varray(calc, "stress", m, 9) != 9) {
    snprintf(r->message, sizeof r->message, "no stress varray");
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s: %s", name, r->message);
  }
  double s3[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      s3[i][j] = -m[3 * i + j] * NACRE_KBAR_TO_GPA * NACRE_GPA_TO_EV_A3;
  nacre_voigt_from_mat3(s3, r->stress_ev_a3);
  r->has_stress = 1;
  if ((p = strstr(calc, "<time name=\"totalsc\">"))) {
    p = strchr(p, '>');
    double t[2];
    p++; /* cpu and wall seconds */
    if (label_read_doubles(&p, t, 2, 0) == 2) r->cpu_s = t[0], r->wall_s = t[1];
  }
  if (!r->converged) {
    snprintf(r->message, sizeof r->message,
             "SCF not converged (%d of NELM=%d steps)", r->scf_steps, nelm);
    return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED, "%s: %s", name,
                           r->message);
  }
  return NACRE_OK;
}
