/* outcar.c — VASP OUTCAR, one frame per completed ionic step, and what the
 * file says about the run (version, SCF steps and convergence of the last
 * ionic step, times). The one OUTCAR reader of nacre: nacre data/train
 * read every ionic step, the VASP labeller the last one.
 *
 * Lines used (VASP 5/6 layout): the first line "vasp.X.Y.Z ..." (version);
 * "POTCAR:" and "TITEL  =" (species, one per type; POTCAR: lines appear
 * twice per type), "ions per type =" (counts) and "NIONS =" (their sum),
 * "direct lattice vectors" (next three lines start with a, b, c in Å),
 * "in kB" (stress), "POSITION ... TOTAL-FORCE (eV/Angst)" (a dashed line,
 * then x y z fx fy fz per atom), and after "FREE ENERGIE OF THE
 * ION-ELECTRON SYSTEM" the lines "free  energy   TOTEN  =" and
 * "energy  without entropy= ... energy(sigma->0) = ..."; "Iteration
 * N( M)" starts SCF step M of ionic step N, "aborting loop because EDIFF is
 * reached" ends a converged SCF; "Elapsed time (sec):" and "Total CPU time
 * used (sec):".
 *
 * An ionic step is complete once its TOTEN line is read; a last step cut
 * short (a running or killed job) is left out. The stress printed before a
 * step's POSITION block belongs to that step. */
#include "ioutil.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct outcar {
  nacre_io_lines in;
  int ntypes, *counts;
  long natoms, nions;   /* sum of 'ions per type'; NIONS (0: not seen) */
  long nions_line;
  int titel[64], ntitel, potcar[128], npotcar;
  int *z;               /* per atom, once known */
  double cell[3][3];
  int have_cell;
  double stress[6];
  int have_stress;
  nacre_frame pending;  /* step whose POSITION block was read */
  long pending_line;    /* line of its first atom */
  int in_energy_block, pending_totn;
  nacre_frame *frames;
  int nframes, cap;
  nacre_outcar_run *run; /* may be NULL */
} outcar;

void nacre_stress_from_vasp_kbar(const double kbar[6], double stress[6]) {
  /* VASP: xx yy zz xy yz zx, positive = compressive; nacre: Voigt xx yy zz
   * yz xz xy in eV/Å^3, positive = tensile. 1 kB = 0.1 GPa. */
  static const int from[6] = {0, 1, 2, 4, 5, 3};
  for (int k = 0; k < 6; k++)
    stress[k] = -kbar[from[k]] * NACRE_KBAR_TO_GPA * NACRE_GPA_TO_EV_A3;
}

/* Exactly n numbers and nothing else on s (fields that run together, as
 * Fortran prints a full field, are split); -1 otherwise. */
static int read_exactly(const char *s, double *out, int n) {
  const char *rest;
  int got = nacre_io_scan_doubles(s, out, n, &rest);
  return got == n && nacre_io_blank(rest) ? 0 : -1;
}

static int next_line(outcar *o, nacre_error *err) {
  return nacre_io_lines_next(&o->in, err);
}

/* The element of a POTCAR name such as "Na_pv", "H1.25", "Li_sv_GW",
 * "Ga_d": a symbol followed by nothing, '_', '.' or a digit; 0 when the
 * name is no such thing. */
static int potcar_element(const char *name) {
  size_t len;
  int z = nacre_element_z_prefix(name, &len);
  if (!z) return 0;
  char c = name[len];
  return c == '\0' || c == '_' || c == '.' || isdigit((unsigned char)c) ? z
                                                                        : 0;
}

/* "POTCAR:    PAW_PBE Na_pv 19Sep2006" / "TITEL  = PAW_PBE Na_pv ...":
 * the second token names the element. */
static int species_line(outcar *o, char *after, int *list, int *n, int max,
                        nacre_error *err) {
  char *tok[4];
  int ntok = nacre_io_split(after, tok, 4);
  if (ntok < 2) return 0; /* a POTCAR: line without a name says nothing */
  int z = potcar_element(tok[1]);
  if (!z) {
    char q[40];
    nacre_io_fail_at(err, &o->in, "unknown element in the POTCAR name '%s'",
                     nacre_io_quote(tok[1], q, sizeof q));
    return -1;
  }
  if (*n < max) list[(*n)++] = z;
  return 0;
}

static int read_species_lines(outcar *o, nacre_error *err) {
  char *p;
  if ((p = strstr(o->in.buf, "POTCAR:")))
    return species_line(o, p + 7, o->potcar, &o->npotcar, 128, err) ? -1 : 1;
  if ((p = strstr(o->in.buf, "TITEL")) && (p = strchr(p, '=')))
    return species_line(o, p + 1, o->titel, &o->ntitel, 64, err) ? -1 : 1;
  return 0;
}

static int check_nions(outcar *o, nacre_error *err) {
  if (o->nions && o->ntypes && o->nions != o->natoms) {
    nacre_io_fail(err, o->in.name, o->in.lineno,
                  "'ions per type' adds up to %ld atoms, NIONS (line %ld) "
                  "says %ld",
                  o->natoms, o->nions_line, o->nions);
    return -1;
  }
  return 0;
}

/* "number of dos NEDOS = 301   number of ions     NIONS =      4" */
static int read_nions(outcar *o, nacre_error *err) {
  char *p = strchr(strstr(o->in.buf, "NIONS"), '=');
  double v;
  const char *rest;
  if (!p || nacre_io_scan_doubles(p + 1, &v, 1, &rest) != 1 || v < 1 ||
      v > NACRE_IO_MAX_ATOMS || v != floor(v))
    return nacre_io_fail_at(err, &o->in, "bad NIONS"), -1;
  o->nions = (long)v;
  o->nions_line = o->in.lineno;
  return check_nions(o, err);
}

static int read_counts(outcar *o, nacre_error *err) {
  char *p = strchr(o->in.buf, '=');
  double v[64];
  const char *rest = "";
  int n = p ? nacre_io_scan_doubles(p + 1, v, 64, &rest) : -1;
  if (n <= 0 || n == 64 || !nacre_io_blank(rest))
    return nacre_io_fail_at(err, &o->in, "bad 'ions per type' line"), -1;
  free(o->counts);
  free(o->z); /* species per atom are redone for the new counts */
  o->z = NULL;
  o->counts = malloc((size_t)n * sizeof *o->counts);
  if (!o->counts) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory"), -1;
  o->ntypes = n;
  o->natoms = 0;
  for (int k = 0; k < n; k++) {
    if (v[k] < 0 || v[k] > NACRE_IO_MAX_ATOMS || v[k] != floor(v[k]))
      return nacre_io_fail_at(err, &o->in, "bad count in 'ions per type'"), -1;
    o->counts[k] = (int)v[k];
    o->natoms += o->counts[k];
  }
  if (o->natoms <= 0 || o->natoms > NACRE_IO_MAX_ATOMS)
    return nacre_io_fail_at(err, &o->in, "bad total atom count %ld", o->natoms), -1;
  return check_nions(o, err);
}

static int read_lattice(outcar *o, nacre_error *err) {
  for (int i = 0; i < 3; i++) {
    double v[6];
    int got = next_line(o, err);
    if (got <= 0) return got;
    const char *rest;
    if (nacre_io_scan_doubles(o->in.buf, v, 6, &rest) < 3)
      return nacre_io_fail_at(err, &o->in, "expected lattice vector %c", "abc"[i]), -1;
    if (!(fabs(v[0]) + fabs(v[1]) + fabs(v[2]) > 1e-6))
      return nacre_io_fail_at(err, &o->in, "lattice vector %c is zero",
                              "abc"[i]), -1;
    memcpy(o->cell[i], v, sizeof o->cell[i]);
  }
  if (!(fabs(nacre_cell_volume(o->cell)) > 1e-9))
    return nacre_io_fail(err, o->in.name, o->in.lineno - 2,
                         "degenerate lattice (volume %.3g Å^3)",
                         nacre_cell_volume(o->cell)), -1;
  o->have_cell = 1;
  return 1;
}

static int read_stress(outcar *o) {
  double v[6];
  char *p = strstr(o->in.buf, "in kB");
  if (read_exactly(p + 5, v, 6)) {
    o->have_stress = 0; /* "*******" overflow: no stress for this step */
    return 0;
  }
  nacre_stress_from_vasp_kbar(v, o->stress);
  o->have_stress = 1;
  return 0;
}

static int resolve_species(outcar *o, nacre_error *err) {
  const int *src = NULL;
  if (o->ntitel == o->ntypes) src = o->titel;
  else if (o->npotcar == o->ntypes || o->npotcar == 2 * o->ntypes) src = o->potcar;
  if (!src)
    return nacre_io_fail_at(err, &o->in, "species unknown: %d TITEL and %d "
                            "POTCAR: lines for %d types", o->ntitel,
                            o->npotcar, o->ntypes), -1;
  if (!(o->z = malloc((size_t)o->natoms * sizeof *o->z)))
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory"), -1;
  for (int t = 0, i = 0; t < o->ntypes; t++)
    for (int c = 0; c < o->counts[t]; c++) o->z[i++] = src[t];
  return 0;
}

static int push_frame(outcar *o, nacre_error *err) {
  if (nacre_frame_check(&o->pending, o->in.name, o->pending_line, err))
    return -1;
  if (o->nframes == o->cap) {
    int cap = o->cap ? 2 * o->cap : 8;
    nacre_frame *f = realloc(o->frames, (size_t)cap * sizeof *f);
    if (!f) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory"), -1;
    o->frames = f;
    o->cap = cap;
  }
  o->frames[o->nframes++] = o->pending;
  nacre_frame_init(&o->pending);
  return 0;
}

/* Reads the atom lines of a POSITION/TOTAL-FORCE block; 0 at EOF. */
static int read_block_rows(outcar *o, nacre_io_dbuf *rows, nacre_error *err) {
  int got = next_line(o, err); /* dashes */
  for (long i = 0; got > 0 && i < o->natoms; i++) {
    double v[6];
    if ((got = next_line(o, err)) <= 0) break;
    if (read_exactly(o->in.buf, v, 6))
      return nacre_io_fail_at(err, &o->in, "expected 6 numbers (position and "
                              "force of atom %ld)", i + 1), -1;
    if (nacre_io_dbuf_push(rows, v, 6, err)) return -1;
  }
  return got;
}

static int start_step(outcar *o, const nacre_io_dbuf *rows, nacre_error *err) {
  nacre_frame *f = &o->pending;
  if (!(f->s = nacre_structure_new((int)o->natoms, err))) return -1;
  if (!(f->forces = malloc(3 * (size_t)o->natoms * sizeof *f->forces)))
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory"), -1;
  memcpy(f->s->cell, o->cell, sizeof o->cell);
  for (long i = 0; i < o->natoms; i++) {
    f->s->numbers[i] = o->z[i];
    memcpy(&f->s->positions[3 * i], &rows->v[6 * i], 3 * sizeof(double));
    memcpy(&f->forces[3 * i], &rows->v[6 * i + 3], 3 * sizeof(double));
  }
  f->has = NACRE_FRAME_FORCES;
  if (o->have_stress) {
    memcpy(f->stress, o->stress, sizeof f->stress);
    f->has |= NACRE_FRAME_STRESS;
    o->have_stress = 0;
  }
  return 1;
}

static int read_positions(outcar *o, nacre_error *err) {
  if (!o->ntypes)
    return nacre_io_fail_at(err, &o->in, "POSITION block before 'ions per "
                            "type'"), -1;
  if (!o->have_cell)
    return nacre_io_fail_at(err, &o->in, "POSITION block before the lattice"), -1;
  if (!o->z && resolve_species(o, err)) return -1;
  if (o->pending.s && o->pending_totn && push_frame(o, err)) return -1;
  nacre_frame_clear(&o->pending); /* a step without energies is dropped */
  o->in_energy_block = 0;
  o->pending_totn = 0;
  nacre_io_dbuf rows = {0};
  o->pending_line = o->in.lineno + 2; /* after the header and the dashes */
  int got = read_block_rows(o, &rows, err);
  if (got > 0) got = start_step(o, &rows, err);
  nacre_io_dbuf_free(&rows);
  return got;
}

static int read_energy(outcar *o, nacre_error *err) {
  char *p;
  double v;
  nacre_frame *f = &o->pending;
  if ((p = strstr(o->in.buf, "TOTEN")) && (p = strchr(p, '='))) {
    if (nacre_io_scan_doubles(p + 1, &v, 1, NULL) != 1)
      return nacre_io_fail_at(err, &o->in, "bad TOTEN"), -1;
    f->free_energy = f->energy = v;
    f->has |= NACRE_FRAME_ENERGY | NACRE_FRAME_FREE_ENERGY;
    o->pending_totn = 1;
  } else if ((p = strstr(o->in.buf, "energy(sigma->0)")) &&
             (p = strchr(p, '='))) {
    if (read_exactly(p + 1, &v, 1))
      return nacre_io_fail_at(err, &o->in, "bad energy(sigma->0)"), -1;
    f->energy = v;
    o->in_energy_block = 0;
  }
  return 0;
}

/* Version, SCF steps and times: nothing here is an error. */
static void read_run_line(outcar *o) {
  nacre_outcar_run *run = o->run;
  const char *b = o->in.buf, *p;
  if (!run) return;
  if (o->in.lineno <= 3 && !run->version[0] && nacre_io_starts(b, "vasp.")) {
    char ver[32] = "";
    if (sscanf(b + strspn(b, " "), "vasp.%31s", ver) == 1)
      snprintf(run->version, sizeof run->version, "%s", ver);
  } else if ((p = strstr(b, "Iteration")) && (p = strchr(p, '('))) {
    run->scf_steps = atoi(p + 1); /* "Iteration    1(  12)" */
    run->scf_converged = 0;
  } else if (strstr(b, "aborting loop because EDIFF is reached")) {
    run->scf_converged = 1;
  } else if ((p = strstr(b, "Elapsed time (sec):"))) {
    nacre_io_scan_doubles(p + 19, &run->wall_s, 1, NULL);
  } else if ((p = strstr(b, "Total CPU time used (sec):"))) {
    nacre_io_scan_doubles(p + 26, &run->cpu_s, 1, NULL);
  }
}

static int dispatch(outcar *o, nacre_error *err) {
  const char *b = o->in.buf;
  int sp = read_species_lines(o, err);
  if (sp) return sp;
  if (strstr(b, "ions per type")) return read_counts(o, err) ? -1 : 1;
  if (strstr(b, "NIONS")) return read_nions(o, err) ? -1 : 1;
  if (strstr(b, "direct lattice vectors")) return read_lattice(o, err);
  if (nacre_io_starts(b, "in kB")) return read_stress(o) ? -1 : 1;
  if (strstr(b, "POSITION") && strstr(b, "TOTAL-FORCE"))
    return read_positions(o, err);
  if (strstr(b, "FREE ENERGIE OF THE ION-ELECTRON SYSTEM")) {
    o->in_energy_block = o->pending.s != NULL;
    return 1;
  }
  if (o->in_energy_block) return read_energy(o, err) ? -1 : 1;
  read_run_line(o);
  return 1;
}

static void outcar_free(outcar *o) {
  nacre_io_lines_close(&o->in);
  free(o->counts);
  free(o->z);
  nacre_frame_clear(&o->pending);
  for (int k = 0; k < o->nframes; k++) nacre_frame_clear(&o->frames[k]);
  free(o->frames);
}

static int parse(outcar *o, nacre_error *err) {
  int got;
  while ((got = next_line(o, err)) > 0) {
    int was_totn = o->pending_totn;
    if ((got = dispatch(o, err)) <= 0) break;
    /* a step ends with its energies; keep it once TOTEN has been read and
     * the block is over (sigma->0 line read) or a new step starts */
    if (was_totn && !o->in_energy_block && o->pending.s) {
      if (push_frame(o, err)) return -1;
      o->pending_totn = 0;
    }
  }
  if (got < 0) return -1;
  if (o->pending.s && o->pending_totn && push_frame(o, err)) return -1;
  return 0;
}

static nacre_status read_all(outcar *o, nacre_frame **frames, int *nframes,
                             nacre_error *err) {
  if (parse(o, err)) {
    outcar_free(o);
    return err ? err->status : NACRE_ERR_PARSE;
  }
  if (o->nframes == 0) {
    nacre_io_fail(err, o->in.name, o->in.lineno,
                  "no complete ionic step (positions, forces and TOTEN)");
    outcar_free(o);
    return NACRE_ERR_PARSE;
  }
  *frames = o->frames;
  *nframes = o->nframes;
  o->frames = NULL;
  o->nframes = 0;
  outcar_free(o);
  return NACRE_OK;
}

nacre_status nacre_outcar_read(const char *path, nacre_frame **frames,
                               int *nframes, nacre_error *err) {
  *frames = NULL;
  *nframes = 0;
  outcar o;
  memset(&o, 0, sizeof o);
  nacre_status st = nacre_io_lines_open_gz(&o.in, path, err);
  if (st) return st;
  return read_all(&o, frames, nframes, err);
}

nacre_status nacre_outcar_parse(const char *text, const char *name,
                                nacre_frame **frames, int *nframes,
                                nacre_outcar_run *run, nacre_error *err) {
  *frames = NULL;
  *nframes = 0;
  outcar o;
  memset(&o, 0, sizeof o);
  if (run) memset(run, 0, sizeof *run);
  o.run = run;
  nacre_io_lines_init_text(&o.in, text, strlen(text), name);
  return read_all(&o, frames, nframes, err);
}
