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
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label_internal.h"
#include "../io/ioutil.h"
#include "nacre/io.h"

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

/* The INCAR tag of a line ("ISIF = 2" → ISIF), upper case, in tag[16]. */
static void incar_tag(const char *line, char tag[16]) {
  const char *p = line + strspn(line, " \t");
  size_t n = 0;
  while (n < 15 && (isalnum((unsigned char)p[n]) || p[n] == '_')) {
    tag[n] = (char)toupper((unsigned char)p[n]);
    n++;
  }
  tag[n] = '\0';
}

/* A single-point INCAR turned into a variable-cell relaxation: IBRION 2
 * (conjugate gradients), ISIF 3 (cell shape and volume), NSW steps,
 * PSTRESS (kbar, the target pressure) and EDIFFG = −fmax (stop on
 * forces). The template's IBRION, ISIF and NSW lines are replaced (a
 * single point sets them); one that sets PSTRESS or EDIFFG is refused.
 * VASP's basis is fixed during a run: ENCUT 30 % above the converged
 * cutoff keeps the Pulay stress small, as VASP's manual advises. */
static nacre_status vasp_relax_incar(const nacre_label_options *opt,
                                     char **incar, nacre_error *err) {
  label_buf b = {0};
  double fmax = opt->relax_fmax_ev_a > 0 ? opt->relax_fmax_ev_a : 0.01;
  int steps = opt->relax_max_steps > 0 ? opt->relax_max_steps : 100;
  for (const char *p = *incar; p && *p;) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) + 1 : strlen(p);
    char tag[16];
    incar_tag(p, tag);
    if (!strcmp(tag, "PSTRESS") || !strcmp(tag, "EDIFFG")) {
      label_buf_free(&b);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "INCAR template sets %s, which a relaxation "
                             "sets itself",
                             tag);
    }
    if (strcmp(tag, "IBRION") && strcmp(tag, "ISIF") && strcmp(tag, "NSW"))
      label_buf_printf(&b, "%.*s%s", (int)len, p,
                       eol ? "" : "\n");
    p += len;
  }
  label_buf_printf(&b,
                   "IBRION = 2\n"
                   "ISIF = 3\n"
                   "NSW = %d\n"
                   "PSTRESS = %.6f\n"
                   "EDIFFG = %.6g\n",
                   steps, opt->relax_pressure_gpa * NACRE_GPA_TO_KBAR, -fmax);
  if (b.failed) {
    label_buf_free(&b);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "INCAR");
  }
  free(*incar);
  *incar = b.s;
  return NACRE_OK;
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
    if (!st && opt->relax) st = vasp_relax_incar(opt, &incar, err);
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

/* ---- OUTCAR: through the io module's reader, the last ionic step ---- */

nacre_status nacre_vasp_parse_outcar(const char *text, const char *name,
                                     int natoms, nacre_label_result *r,
                                     nacre_error *err) {
  nacre_frame *frames = NULL;
  int n = 0;
  nacre_outcar_run run;
  nacre_error e;
  nacre_error_clear(&e);
  nacre_status st = nacre_outcar_parse(text, name, &frames, &n, &run, &e);
  if (run.version[0])
    snprintf(r->code_version, sizeof r->code_version, "VASP %s", run.version);
  r->scf_steps = run.scf_steps;
  r->converged = run.scf_converged;
  r->wall_s = run.wall_s;
  r->cpu_s = run.cpu_s;
  const nacre_frame *last = n ? &frames[n - 1] : NULL;
  if (st) {
    snprintf(r->message, sizeof r->message, "%.250s", e.message);
    st = nacre_error_set(err, NACRE_ERR_PARSE, "%s", e.message);
  } else if (last->s->natoms != natoms) {
    snprintf(r->message, sizeof r->message,
             "TOTAL-FORCE table: %d atoms, expected %d", last->s->natoms,
             natoms);
    st = nacre_error_set(err, NACRE_ERR_PARSE, "%s: %s", name, r->message);
  } else if (!(last->has & NACRE_FRAME_STRESS)) {
    snprintf(r->message, sizeof r->message, "no stress line 'in kB' (ISIF=0?)");
    st = nacre_error_set(err, NACRE_ERR_PARSE, "%s: %s", name, r->message);
  } else if (!(st = label_result_forces(r, natoms, name, err))) {
    r->energy_ev = r->free_energy_ev = last->free_energy; /* TOTEN */
    memcpy(r->forces_ev_a, last->forces, sizeof(double) * 3 * (size_t)natoms);
    memcpy(r->stress_ev_a3, last->stress, sizeof r->stress_ev_a3);
    r->has_energy = r->has_forces = r->has_stress = 1;
    if (!r->converged) {
      snprintf(r->message, sizeof r->message,
               "SCF not converged (EDIFF not reached in %d steps)",
               r->scf_steps);
      st = nacre_error_set(err, NACRE_ERR_NOT_CONVERGED, "%s: %s", name,
                           r->message);
    }
  }
  for (int k = 0; k < n; k++) nacre_frame_clear(&frames[k]);
  free(frames);
  return st;
}

/* ---- vasprun.xml ---- */

/* vasprun.xml is written one element per line (several short ones may
 * share a line, as <scstep><energy><i ...>). The reader keeps the last
 * <calculation> block: its <scstep> count, forces, stress, the energy that
 * follows the stress (those before belong to SCF steps) and its times. */
typedef struct xml_reader {
  nacre_io_lines in;
  int natoms, nelm;
  int in_calc, closed;        /* inside the last <calculation>; closed it */
  long calc_line;
  int scsteps;
  int varray;                 /* 0 none, 1 forces, 2 stress */
  nacre_io_dbuf forces, stress;
  int after_stress, have_energy;
  double energy, cpu_s, wall_s;
} xml_reader;

/* The number after the '>' that follows `tag` on the line. */
static int xml_value(const char *line, const char *tag, double *v) {
  const char *p = strstr(line, tag);
  if (!p || !(p = strchr(p, '>'))) return 0;
  return nacre_io_scan_doubles(p + 1, v, 1, NULL) == 1;
}

static nacre_status xml_line(xml_reader *x, nacre_label_result *r,
                             nacre_error *err) {
  const char *b = x->in.buf, *p;
  double v;
  if (!r->code_version[0] && (p = strstr(b, "name=\"version\"")) &&
      (p = strchr(p, '>'))) {
    char ver[32] = "";
    if (sscanf(p + 1, "%31[^< ]", ver) == 1)
      snprintf(r->code_version, sizeof r->code_version, "VASP %s", ver);
  }
  if (strstr(b, "name=\"NELM\"") && xml_value(b, "name=\"NELM\"", &v))
    x->nelm = (int)v;
  if (strstr(b, "<calculation>")) { /* a new ionic step: start over */
    x->in_calc = 1, x->closed = 0, x->calc_line = x->in.lineno;
    x->scsteps = 0, x->varray = 0, x->after_stress = 0, x->have_energy = 0;
    x->forces.n = x->stress.n = 0;
    x->cpu_s = x->wall_s = 0;
  }
  if (!x->in_calc) return NACRE_OK;
  for (p = b; (p = strstr(p, "<scstep>")); p++) x->scsteps++;
  if (strstr(b, "<varray name=\"forces\"")) x->varray = 1;
  else if (strstr(b, "<varray name=\"stress\"")) x->varray = 2;
  else if (strstr(b, "</varray>")) {
    if (x->varray == 2) x->after_stress = 1;
    x->varray = 0;
  } else if (x->varray && (p = strstr(b, "<v>"))) {
    double row[3];
    const char *rest;
    if (nacre_io_scan_doubles(p + 3, row, 3, &rest) != 3 ||
        strncmp(rest, "</v>", 4))
      return nacre_io_fail_at(err, &x->in, "expected three numbers in <v>");
    if (nacre_io_dbuf_push(x->varray == 1 ? &x->forces : &x->stress, row, 3,
                           err))
      return err ? err->status : NACRE_ERR_NOMEM;
  }
  if (x->after_stress && strstr(b, "name=\"e_fr_energy\"") &&
      xml_value(b, "name=\"e_fr_energy\"", &x->energy))
    x->have_energy = 1;
  if ((p = strstr(b, "<time name=\"totalsc\">"))) {
    double t[2]; /* cpu and wall seconds */
    if (nacre_io_scan_doubles(strchr(p, '>') + 1, t, 2, NULL) == 2)
      x->cpu_s = t[0], x->wall_s = t[1];
  }
  if (strstr(b, "</calculation>")) x->closed = 1;
  return NACRE_OK;
}

static nacre_status xml_fail(nacre_label_result *r, nacre_error *err,
                             nacre_status st, const char *name, long line,
                             const char *msg) {
  snprintf(r->message, sizeof r->message, "%s", msg);
  if (line > 0) return nacre_error_set(err, st, "%s:%ld: %s", name, line, msg);
  return nacre_error_set(err, st, "%s: %s", name, msg);
}

static nacre_status xml_results(xml_reader *x, const char *name,
                                nacre_label_result *r, nacre_error *err) {
  char msg[128];
  if (!x->in_calc)
    return xml_fail(r, err, NACRE_ERR_PARSE, name, 0, "no <calculation> block");
  if (!x->closed)
    return xml_fail(r, err, NACRE_ERR_PARSE, name, x->calc_line,
                    "last <calculation> is not closed (truncated output?)");
  r->scf_steps = x->scsteps;
  r->converged = x->scsteps > 0 && x->scsteps < x->nelm;
  r->cpu_s = x->cpu_s, r->wall_s = x->wall_s;
  if (!x->have_energy)
    return xml_fail(r, err, NACRE_ERR_PARSE, name, 0,
                    "no e_fr_energy (truncated?)");
  r->energy_ev = r->free_energy_ev = x->energy;
  r->has_energy = 1;
  if (x->forces.n != 3 * (size_t)x->natoms) {
    snprintf(msg, sizeof msg, "forces: %zu numbers, expected %d", x->forces.n,
             3 * x->natoms);
    return xml_fail(r, err, NACRE_ERR_PARSE, name, x->calc_line, msg);
  }
  nacre_status st = label_result_forces(r, x->natoms, name, err);
  if (st) return st;
  memcpy(r->forces_ev_a, x->forces.v, sizeof(double) * x->forces.n);
  r->has_forces = 1;
  if (x->stress.n != 9)
    return xml_fail(r, err, NACRE_ERR_PARSE, name, 0, "no stress varray");
  /* the 3x3 matrix in kB, VASP's sign, as VASP's six components */
  const double *m = x->stress.v;
  const double kb[6] = {m[0], m[4], m[8], 0.5 * (m[1] + m[3]),
                        0.5 * (m[5] + m[7]), 0.5 * (m[2] + m[6])};
  nacre_stress_from_vasp_kbar(kb, r->stress_ev_a3);
  r->has_stress = 1;
  if (!r->converged) {
    snprintf(msg, sizeof msg, "SCF not converged (%d of NELM=%d steps)",
             r->scf_steps, x->nelm);
    return xml_fail(r, err, NACRE_ERR_NOT_CONVERGED, name, 0, msg);
  }
  return NACRE_OK;
}

nacre_status nacre_vasp_parse_vasprun(const char *text, const char *name,
                                      int natoms, nacre_label_result *r,
                                      nacre_error *err) {
  xml_reader x;
  memset(&x, 0, sizeof x);
  x.natoms = natoms;
  x.nelm = 60; /* VASP's default */
  nacre_io_lines_init_text(&x.in, text, strlen(text), name);
  nacre_error lerr;
  nacre_error_clear(&lerr);
  nacre_status st = NACRE_OK;
  int got;
  while (!st && (got = nacre_io_lines_next(&x.in, &lerr)) > 0)
    st = xml_line(&x, r, &lerr);
  if (st || got < 0) {
    snprintf(r->message, sizeof r->message, "%.250s", lerr.message);
    st = nacre_error_set(err, NACRE_ERR_PARSE, "%s", lerr.message);
  } else {
    st = xml_results(&x, name, r, err);
  }
  nacre_io_dbuf_free(&x.forces);
  nacre_io_dbuf_free(&x.stress);
  nacre_io_lines_close(&x.in);
  return st;
}

/* ---- the row of the operations table ---- */

static nacre_status vasp_write(const nacre_label_options *opt,
                               const nacre_structure *s, const char *dir,
                               const char *prefix, char *command,
                               size_t command_len, nacre_error *err) {
  snprintf(command, command_len, "%s", prefix);
  return nacre_vasp_write_inputs(opt, s, dir, err);
}

/* CONTCAR (atoms grouped by species, as POSCAR was written) back in the
 * order of `given`; OUTCAR's "reached required accuracy" and its ionic
 * steps (one "FREE ENERGIE OF THE ION-ELECTRON SYSTEM" each). */
static nacre_status vasp_relaxed(const char *dir, const nacre_structure *given,
                                 nacre_structure **out, int *steps,
                                 int *converged, nacre_error *err) {
  char path[1200], *text = NULL;
  *out = NULL;
  *steps = *converged = 0;
  snprintf(path, sizeof path, "%s/OUTCAR", dir);
  nacre_status st = label_read_file(path, &text, NULL, err);
  if (st) return st;
  *converged = strstr(text, "reached required accuracy") != NULL;
  for (const char *p = text; (p = strstr(p, "FREE ENERGIE OF THE ION-ELECTRON"));
       p++)
    (*steps)++;
  free(text);
  snprintf(path, sizeof path, "%s/CONTCAR", dir);
  FILE *fp = fopen(path, "r");
  if (!fp)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open", path);
  nacre_structure *c = NULL;
  st = nacre_poscar_read(fp, path, &c, err);
  fclose(fp);
  if (st) return st;
  if (c->natoms != given->natoms) {
    nacre_structure_free(c);
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s: %d atoms, expected %d",
                           path, c->natoms, given->natoms);
  }
  int z[NACRE_MAX_Z], nz = label_species(given, z);
  int *order = malloc(sizeof(int) * (size_t)(given->natoms ? given->natoms : 1));
  nacre_structure *s = order ? nacre_structure_copy(given, err) : NULL;
  if (!s) {
    free(order);
    nacre_structure_free(c);
    return err && err->status ? err->status
                              : nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  }
  vasp_order(given, z, nz, order);
  memcpy(s->cell, c->cell, sizeof s->cell);
  for (int k = 0; k < given->natoms && !st; k++) {
    if (c->numbers[k] != given->numbers[order[k]])
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: atom %d is %s, expected %s", path, k + 1,
                           nacre_element_by_z(c->numbers[k])->symbol,
                           nacre_element_by_z(given->numbers[order[k]])->symbol);
    memcpy(s->positions + 3 * order[k], c->positions + 3 * k, 3 * sizeof(double));
  }
  free(order);
  nacre_structure_free(c);
  if (st) {
    nacre_structure_free(s);
    return st;
  }
  *out = s;
  return NACRE_OK;
}

/* 400 eV (PAW_PBE Na_pv); VASP lists the atoms grouped by species */
const label_code_ops label_vasp_ops = {
    .code = NACRE_LABEL_VASP,
    .name = "vasp",
    .command = "vasp_std",
    .ecut_ev = 400.0,
    .output = "OUTCAR",
    .write_inputs = vasp_write,
    .parse = nacre_vasp_parse_outcar,
    .species_order = 1,
    .relaxed = vasp_relaxed,
};
