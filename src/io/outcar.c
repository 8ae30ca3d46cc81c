/* outcar.c — VASP OUTCAR, one frame per completed ionic step.
 *
 * Lines used (VASP 5/6 layout): "POTCAR:" and "TITEL  =" (species, one per
 * type; POTCAR: lines appear twice per type), "ions per type =" (counts),
 * "direct lattice vectors" (next three lines start with a, b, c in Å),
 * "in kB" (stress), "POSITION ... TOTAL-FORCE (eV/Angst)" (a dashed line,
 * then x y z fx fy fz per atom), and after "FREE ENERGIE OF THE
 * ION-ELECTRON SYSTEM" the lines "free  energy   TOTEN  =" and
 * "energy  without entropy= ... energy(sigma->0) = ...".
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
  long natoms;
  int titel[64], ntitel, potcar[128], npotcar;
  int *z;               /* per atom, once known */
  double cell[3][3];
  int have_cell;
  double stress[6];
  int have_stress;
  nacre_frame pending;  /* step whose POSITION block was read */
  int in_energy_block, pending_totn;
  nacre_frame *frames;
  int nframes, cap;
} outcar;

/* Reads up to max numbers with strtod, which also splits Fortran fields
 * that run together ("-1.5-2.5"); returns the count or -1 on junk. */
static int read_floats(const char *s, double *out, int max) {
  int n = 0;
  for (;;) {
    while (isspace((unsigned char)*s)) s++;
    if (!*s || n == max) break;
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v)) return -1;
    out[n++] = v;
    s = end;
  }
  while (isspace((unsigned char)*s)) s++;
  return *s ? -1 : n;
}

static int next_line(outcar *o, nacre_error *err) {
  return nacre_io_lines_next(&o->in, err);
}

static int species_token(char *s, int which) {
  char *tok[4];
  int n = nacre_io_split(s, tok, 4);
  if (n <= which) which = n - 1;
  if (which < 0) return 0;
  size_t len;
  return nacre_element_z_prefix(tok[which], &len);
}

static int read_species_lines(outcar *o) {
  char *p;
  if ((p = strstr(o->in.buf, "POTCAR:")) && o->npotcar < 128) {
    int z = species_token(p + 7, 1);
    if (z) o->potcar[o->npotcar++] = z;
    return 1;
  }
  if ((p = strstr(o->in.buf, "TITEL")) && (p = strchr(p, '=')) &&
      o->ntitel < 64) {
    int z = species_token(p + 1, 1);
    if (z) o->titel[o->ntitel++] = z;
    return 1;
  }
  return 0;
}

static int read_counts(outcar *o, nacre_error *err) {
  char *p = strchr(o->in.buf, '=');
  double v[64];
  int n = p ? read_floats(p + 1, v, 64) : -1;
  if (n <= 0 || n == 64)
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
  return 0;
}

static int read_lattice(outcar *o, nacre_error *err) {
  for (int i = 0; i < 3; i++) {
    double v[6];
    int got = next_line(o, err);
    if (got <= 0) return got;
    if (read_floats(o->in.buf, v, 6) < 3)
      return nacre_io_fail_at(err, &o->in, "expected lattice vector %c", "abc"[i]), -1;
    memcpy(o->cell[i], v, sizeof o->cell[i]);
  }
  o->have_cell = 1;
  return 1;
}

/* VASP prints the stress "in kB" as xx yy zz xy yz zx with positive =
 * compressive. nacre: eV/Å^3, Voigt xx yy zz yz xz xy, positive = tensile,
 * so σ = −(value · 0.1 GPa/kB) / 160.2176634 GPa per eV/Å^3. */
static int read_stress(outcar *o, nacre_error *err) {
  double v[6];
  char *p = strstr(o->in.buf, "in kB");
  if (read_floats(p + 5, v, 6) != 6) {
    o->have_stress = 0; /* "*******" overflow: no stress for this step */
    return 0;
  }
  (void)err;
  static const int from[6] = {0, 1, 2, 4, 5, 3};
  for (int k = 0; k < 6; k++)
    o->stress[k] = -v[from[k]] * NACRE_KBAR_TO_GPA * NACRE_GPA_TO_EV_A3;
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
    if (read_floats(o->in.buf, v, 6) != 6)
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
    char *end;
    v = strtod(p + 1, &end);
    if (end == p + 1 || !isfinite(v))
      return nacre_io_fail_at(err, &o->in, "bad TOTEN"), -1;
    f->free_energy = f->energy = v;
    f->has |= NACRE_FRAME_ENERGY | NACRE_FRAME_FREE_ENERGY;
    o->pending_totn = 1;
  } else if ((p = strstr(o->in.buf, "energy(sigma->0)")) &&
             (p = strchr(p, '='))) {
    if (read_floats(p + 1, &v, 1) != 1)
      return nacre_io_fail_at(err, &o->in, "bad energy(sigma->0)"), -1;
    f->energy = v;
    o->in_energy_block = 0;
  }
  return 0;
}

static int dispatch(outcar *o, nacre_error *err) {
  const char *b = o->in.buf;
  if (read_species_lines(o)) return 1;
  if (strstr(b, "ions per type")) return read_counts(o, err) ? -1 : 1;
  if (strstr(b, "direct lattice vectors")) return read_lattice(o, err);
  if (nacre_io_starts(b, "in kB")) return read_stress(o, err) ? -1 : 1;
  if (strstr(b, "POSITION") && strstr(b, "TOTAL-FORCE"))
    return read_positions(o, err);
  if (strstr(b, "FREE ENERGIE OF THE ION-ELECTRON SYSTEM")) {
    o->in_energy_block = o->pending.s != NULL;
    return 1;
  }
  if (o->in_energy_block) return read_energy(o, err) ? -1 : 1;
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

nacre_status nacre_outcar_read(const char *path, nacre_frame **frames,
                               int *nframes, nacre_error *err) {
  *frames = NULL;
  *nframes = 0;
  outcar o;
  memset(&o, 0, sizeof o);
  nacre_status st = nacre_io_lines_open_gz(&o.in, path, err);
  if (st) return st;
  if (parse(&o, err)) {
    outcar_free(&o);
    return err ? err->status : NACRE_ERR_PARSE;
  }
  if (o.nframes == 0) {
    nacre_io_fail(err, path, o.in.lineno,
                  "no complete ionic step (positions, forces and TOTEN)");
    outcar_free(&o);
    return NACRE_ERR_PARSE;
  }
  *frames = o.frames;
  *nframes = o.nframes;
  o.frames = NULL;
  o.nframes = 0;
  outcar_free(&o);
  return NACRE_OK;
}
