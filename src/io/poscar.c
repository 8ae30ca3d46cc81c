/* poscar.c — VASP POSCAR/CONTCAR, VASP 4 and 5 layouts.
 *
 * Layout (VASP manual, "POSCAR"): comment; scale (one value, negative =
 * target volume in Å^3, or three values scaling x, y, z); three lattice
 * rows; species symbols (VASP 5 only); atom counts; optional "Selective
 * dynamics"; "Direct" or "Cartesian" (first letter C/c/K/k); one line per
 * atom with three coordinates and, under selective dynamics, three T/F
 * flags (F = held fixed, stored as 1 in nacre_structure.fixed). A VASP 4
 * file has no species line: the species are taken from the comment when its
 * first words are element symbols, one per count. */
#include "ioutil.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct poscar_head {
  char *comment;
  double scale[3];
  int nscale;
  double cell[3][3];
  int ntypes;
  int *z, *count;
  long natoms;
  int selective, cartesian;
} poscar_head;

static void head_free(poscar_head *h) {
  free(h->comment);
  free(h->z);
  free(h->count);
}

static int need_line(nacre_io_lines *r, const char *what, nacre_error *err) {
  int got = nacre_io_lines_next(r, err);
  if (got < 0) return -1;
  if (got == 0) {
    nacre_io_fail(err, r->name, r->lineno + 1, "file ends before the %s",
                  what);
    return -1;
  }
  return 0;
}

static int parse_scale(nacre_io_lines *r, poscar_head *h, nacre_error *err) {
  char *tok[4];
  char q[64];
  int n = nacre_io_split(r->buf, tok, 4);
  int use = n >= 3 && !nacre_io_double(tok[2], &h->scale[2]) ? 3 : 1;
  if (n < 1) return nacre_io_fail_at(err, r, "expected the scale factor"), -1;
  for (int k = 0; k < use; k++) {
    if (nacre_io_double(tok[k], &h->scale[k]) || h->scale[k] == 0.0 ||
        (use == 3 && h->scale[k] < 0.0)) {
      nacre_io_fail_at(err, r, "bad scale factor '%s'",
                       nacre_io_quote(tok[k], q, sizeof q));
      return -1;
    }
  }
  h->nscale = use;
  return 0;
}

static int parse_row(nacre_io_lines *r, double row[3], const char *what,
                     nacre_error *err) {
  char *tok[3];
  char q[64];
  int n = nacre_io_split(r->buf, tok, 3);
  if (n < 3) {
    nacre_io_fail_at(err, r, "expected 3 numbers for %s, got %d", what, n);
    return -1;
  }
  for (int k = 0; k < 3; k++) {
    if (nacre_io_double(tok[k], &row[k])) {
      nacre_io_fail_at(err, r, "bad number '%s' in %s",
                       nacre_io_quote(tok[k], q, sizeof q), what);
      return -1;
    }
  }
  return 0;
}

/* "Na", "Na_pv", "Na/3ac4..." (VASP 6 POTCAR hash) → Z, or 0. */
static int species_z(const char *tok) {
  size_t len;
  int z = nacre_element_z_prefix(tok, &len);
  if (!z || (tok[len] && tok[len] != '_' && tok[len] != '/')) return 0;
  return z;
}

static int alloc_types(poscar_head *h, int n, nacre_error *err) {
  h->z = calloc((size_t)n, sizeof *h->z);
  h->count = calloc((size_t)n, sizeof *h->count);
  h->ntypes = n;
  if (!h->z || !h->count)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory"), -1;
  return 0;
}

/* Parses exactly h->ntypes counts from the tokens. */
static int parse_counts(nacre_io_lines *r, poscar_head *h, char **tok, int n,
                        nacre_error *err) {
  char q[64];
  h->natoms = 0;
  for (int k = 0; k < h->ntypes; k++) {
    if (k >= n || nacre_io_int(tok[k], 0, NACRE_IO_MAX_ATOMS, &h->count[k])) {
      nacre_io_fail_at(err, r, "expected %d atom counts, got '%s'", h->ntypes,
                       k < n ? nacre_io_quote(tok[k], q, sizeof q) : "");
      return -1;
    }
    h->natoms += h->count[k];
  }
  int extra;
  if (n > h->ntypes && !nacre_io_int(tok[h->ntypes], 0, 1L << 30, &extra)) {
    nacre_io_fail_at(err, r, "expected %d atom counts, got %d", h->ntypes, n);
    return -1;
  }
  if (h->natoms <= 0 || h->natoms > NACRE_IO_MAX_ATOMS) {
    nacre_io_fail_at(err, r, "bad total atom count %ld", h->natoms);
    return -1;
  }
  return 0;
}

static int species_from_comment(nacre_io_lines *r, poscar_head *h,
                                nacre_error *err) {
  char *copy = malloc(strlen(h->comment) + 1);
  if (!copy) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory"), -1;
  strcpy(copy, h->comment);
  char **tok = malloc((size_t)h->ntypes * sizeof *tok);
  int n = tok ? nacre_io_split(copy, tok, h->ntypes) : 0;
  int ok = tok && n >= h->ntypes;
  for (int k = 0; ok && k < h->ntypes; k++)
    ok = (h->z[k] = nacre_element_z(tok[k])) > 0;
  free(tok);
  free(copy);
  if (!ok) {
    nacre_io_fail_at(err, r,
                     "VASP 4 file without a species line, and the comment "
                     "(line 1) does not start with %d element symbols",
                     h->ntypes);
    return -1;
  }
  return 0;
}

/* Number of leading words of the comment that are element symbols. */
static int comment_symbols(const char *comment) {
  int n = 0;
  const char *p = comment;
  for (;;) {
    while (isspace((unsigned char)*p)) p++;
    size_t len = strcspn(p, " \t\r\n\v\f");
    char sym[4];
    if (len == 0 || len > 3) break;
    memcpy(sym, p, len);
    sym[len] = '\0';
    if (!nacre_element_z(sym)) break;
    n++;
    p += len;
  }
  return n;
}

static int count_leading_ints(char **tok, int n) {
  int k = 0, v;
  while (k < n && !nacre_io_int(tok[k], -(1L << 30), 1L << 30, &v)) k++;
  return k;
}

static int parse_species(nacre_io_lines *r, poscar_head *h, nacre_error *err) {
  size_t maxtok = r->len / 2 + 1;
  char **tok = malloc(maxtok * sizeof *tok);
  if (!tok) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory"), -1;
  char q[64];
  int rc = -1, n = nacre_io_split(r->buf, tok, (int)maxtok);
  int v;
  if (n == 0) {
    nacre_io_fail_at(err, r, "expected species symbols or atom counts");
  } else if (!nacre_io_int(tok[0], -(1L << 30), 1L << 30, &v)) {
    /* VASP 4: counts here, species from the comment */
    int nint = count_leading_ints(tok, n);
    int nsym = comment_symbols(h->comment);
    int ntypes = nint == n || nsym < nint ? nint : nsym;
    if (!alloc_types(h, ntypes, err) && !species_from_comment(r, h, err))
      rc = parse_counts(r, h, tok, n, err);
  } else if (!alloc_types(h, n, err)) {
    for (int k = 0; k < n; k++) {
      if (!(h->z[k] = species_z(tok[k]))) {
        nacre_io_fail_at(err, r, "unknown element '%s' in the species line",
                         nacre_io_quote(tok[k], q, sizeof q));
        goto done;
      }
    }
    if (!need_line(r, "atom counts", err)) {
      int m = nacre_io_split(r->buf, tok, (int)(maxtok < (size_t)n + 1
                                                    ? maxtok
                                                    : (size_t)n + 1));
      rc = parse_counts(r, h, tok, m, err);
    }
  }
done:
  free(tok);
  return rc;
}

static int parse_head(nacre_io_lines *r, poscar_head *h, nacre_error *err) {
  if (need_line(r, "comment line", err)) return -1;
  if (!(h->comment = malloc(r->len + 1)))
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory"), -1;
  memcpy(h->comment, r->buf, r->len + 1);
  if (need_line(r, "scale factor", err) || parse_scale(r, h, err)) return -1;
  static const char *rows[3] = {"lattice vector a", "lattice vector b",
                                "lattice vector c"};
  for (int i = 0; i < 3; i++)
    if (need_line(r, rows[i], err) || parse_row(r, h->cell[i], rows[i], err))
      return -1;
  if (need_line(r, "species or atom counts", err) ||
      parse_species(r, h, err))
    return -1;
  if (need_line(r, "coordinate mode line", err)) return -1;
  const char *p = r->buf;
  while (isspace((unsigned char)*p)) p++;
  if (*p == 'S' || *p == 's') {
    h->selective = 1;
    if (need_line(r, "coordinate mode line", err)) return -1;
    p = r->buf;
    while (isspace((unsigned char)*p)) p++;
  }
  h->cartesian = strchr("CcKk", *p) && *p;
  return 0;
}

/* VASP scaling: one factor (or a target volume) multiplies the lattice and
 * Cartesian positions; three factors multiply x, y and z components. */
static int scaling(nacre_io_lines *r, const poscar_head *h, double f[3],
                   nacre_error *err) {
  if (h->nscale == 3) {
    memcpy(f, h->scale, sizeof h->scale);
    return 0;
  }
  double s = h->scale[0];
  if (s < 0.0) {
    double v = fabs(nacre_cell_volume(h->cell));
    if (!(v > 0.0)) {
      nacre_io_fail(err, r->name, 2, "target volume with a singular lattice");
      return -1;
    }
    s = cbrt(-s / v);
  }
  f[0] = f[1] = f[2] = s;
  return 0;
}

static int parse_flags(nacre_io_lines *r, char **tok, int n, unsigned char *fx,
                       nacre_error *err) {
  char q[64];
  for (int k = 0; k < 3; k++) {
    const char *t = k + 3 < n ? tok[k + 3] : "";
    if (*t == '.') t++;
    if (*t == 'T' || *t == 't') {
      fx[k] = 0;
    } else if (*t == 'F' || *t == 'f') {
      fx[k] = 1;
    } else {
      nacre_io_fail_at(err, r, "expected 3 selective-dynamics flags T/F, got "
                       "'%s'", nacre_io_quote(t, q, sizeof q));
      return -1;
    }
  }
  return 0;
}

static int parse_positions(nacre_io_lines *r, const poscar_head *h,
                           nacre_io_dbuf *pos, nacre_io_dbuf *flags,
                           nacre_error *err) {
  for (long i = 0; i < h->natoms; i++) {
    if (nacre_io_lines_next(r, err) < 0) return -1;
    if (r->eof) {
      nacre_io_fail(err, r->name, r->lineno + 1,
                    "expected %ld atom positions, file ends after %ld",
                    h->natoms, i);
      return -1;
    }
    char *tok[6];
    double x[3];
    int n = nacre_io_split(r->buf, tok, 6);
    for (int k = 0; k < 3; k++) {
      char q[64];
      if (k >= n || nacre_io_double(tok[k], &x[k])) {
        nacre_io_fail_at(err, r, "expected 3 coordinates of atom %ld, got "
                         "'%s'", i + 1,
                         k < n ? nacre_io_quote(tok[k], q, sizeof q) : "");
        return -1;
      }
    }
    if (nacre_io_dbuf_push(pos, x, 3, err)) return -1;
    if (h->selective) {
      unsigned char fx[3];
      double d[3];
      if (parse_flags(r, tok, n, fx, err)) return -1;
      for (int k = 0; k < 3; k++) d[k] = fx[k];
      if (nacre_io_dbuf_push(flags, d, 3, err)) return -1;
    }
  }
  return 0;
}

static nacre_structure *build(nacre_io_lines *r, const poscar_head *h,
                              const double *pos, const double *flags,
                              nacre_error *err) {
  double f[3];
  if (scaling(r, h, f, err)) return NULL;
  nacre_structure *s = nacre_structure_new((int)h->natoms, err);
  if (!s) return NULL;
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++) s->cell[i][k] = h->cell[i][k] * f[k];
  for (int t = 0, i = 0; t < h->ntypes; t++)
    for (int c = 0; c < h->count[t]; c++) s->numbers[i++] = h->z[t];
  if (h->cartesian) {
    for (long i = 0; i < 3 * h->natoms; i++) s->positions[i] = pos[i] * f[i % 3];
  } else {
    nacre_structure_set_frac(s, pos);
  }
  if (flags) {
    if (nacre_structure_alloc_fixed(s, err)) {
      nacre_structure_free(s);
      return NULL;
    }
    for (long i = 0; i < 3 * h->natoms; i++) s->fixed[i] = (unsigned char)flags[i];
  }
  if (fabs(nacre_cell_volume(s->cell)) < 1e-12) {
    nacre_io_fail(err, r->name, 3, "lattice vectors are linearly dependent");
    nacre_structure_free(s);
    return NULL;
  }
  return s;
}

nacre_status nacre_poscar_read(FILE *fp, const char *name,
                               nacre_structure **out, nacre_error *err) {
  *out = NULL;
  nacre_io_lines r;
  nacre_io_lines_init_file(&r, fp, name);
  poscar_head h;
  memset(&h, 0, sizeof h);
  nacre_io_dbuf pos = {0}, flags = {0};
  if (!parse_head(&r, &h, err) && !parse_positions(&r, &h, &pos, &flags, err))
    *out = build(&r, &h, pos.v, h.selective ? flags.v : NULL, err);
  if (*out) { /* the atom lines are the last natoms lines read */
    nacre_frame f;
    nacre_frame_init(&f);
    f.s = *out;
    if (nacre_frame_check(&f, name, r.lineno - (*out)->natoms + 1, err)) {
      nacre_structure_free(*out);
      *out = NULL;
    }
  }
  head_free(&h);
  nacre_io_dbuf_free(&pos);
  nacre_io_dbuf_free(&flags);
  nacre_io_lines_close(&r);
  if (*out) return NACRE_OK;
  return err ? err->status : NACRE_ERR_PARSE;
}

/* ---- writer ---- */

static void write_comment(FILE *fp, const nacre_structure *s,
                          const char *comment) {
  char formula[256];
  if (!comment) {
    nacre_structure_formula(s, formula, sizeof formula);
    comment = formula;
  }
  for (const char *p = comment; *p; p++)
    fputc(*p == '\n' || *p == '\r' ? ' ' : *p, fp);
  fputc('\n', fp);
}

/* One block per run of equal atomic numbers, keeping atom order. */
static void write_blocks(FILE *fp, const nacre_structure *s) {
  for (int i = 0; i < s->natoms; i++)
    if (i == 0 || s->numbers[i] != s->numbers[i - 1])
      fprintf(fp, " %s", nacre_element_by_z(s->numbers[i])->symbol);
  fputc('\n', fp);
  for (int i = 0, run = 0; i < s->natoms; i++) {
    run++;
    if (i + 1 == s->natoms || s->numbers[i + 1] != s->numbers[i]) {
      fprintf(fp, " %d", run);
      run = 0;
    }
  }
  fputc('\n', fp);
}

nacre_status nacre_poscar_write(FILE *fp, const nacre_structure *s,
                                const char *comment, nacre_error *err) {
  nacre_status st = nacre_structure_check(s, err);
  if (st) return st;
  if (s->natoms == 0)
    return nacre_error_set(err, NACRE_ERR_INVALID, "POSCAR needs atoms");
  double *frac = malloc(3 * (size_t)s->natoms * sizeof *frac);
  if (!frac) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  if ((st = nacre_structure_get_frac(s, frac, err))) {
    free(frac);
    return st;
  }
  write_comment(fp, s, comment);
  fprintf(fp, "1.0\n");
  for (int i = 0; i < 3; i++)
    fprintf(fp, " %23.16f %23.16f %23.16f\n", s->cell[i][0], s->cell[i][1],
            s->cell[i][2]);
  write_blocks(fp, s);
  if (s->fixed) fprintf(fp, "Selective dynamics\n");
  fprintf(fp, "Direct\n");
  for (int i = 0; i < s->natoms; i++) {
    fprintf(fp, " %21.17f %21.17f %21.17f", frac[3 * i], frac[3 * i + 1],
            frac[3 * i + 2]);
    if (s->fixed)
      for (int k = 0; k < 3; k++) fprintf(fp, " %c", s->fixed[3 * i + k] ? 'F' : 'T');
    fputc('\n', fp);
  }
  free(frac);
  if (ferror(fp)) return nacre_io_write_failed(err);
  return NACRE_OK;
}
