/* extxyz.c — extended XYZ as ASE reads and writes it, streamed one frame at
 * a time (plain or gzip through zlib).
 *
 * A frame: atom count; comment line of key=value pairs (Lattice="9
 * numbers" as rows a b c, Properties=name:type:ncomp:..., pbc="T T T",
 * energy, free_energy, stress as 9 numbers (3×3, eV/Å^3, ASE sign) or 6
 * (Voigt), virial in eV (stress = −virial/V), REF_energy / REF_forces /
 * REF_stress / REF_virial used when the plain key is absent); then one line
 * per atom with the Properties columns. Atom lines are kept as text until
 * the whole frame is in, so the atom count on line 1 never sizes an
 * allocation the file cannot back. */
#include "extxyz.h"

#include <stdlib.h>
#include <string.h>

struct nacre_xyz_reader {
  nacre_io_lines in;
  char *name;
  char *text;      /* atom lines of the current frame, NUL-separated */
  size_t tlen, tcap;
  size_t *offset;  /* start of each atom line in text */
  long noffset;
  long first_atom_line;
};

typedef struct xyz_prop {
  char name[64];
  char type;
  int ncomp, col; /* first column in the atom line */
} xyz_prop;

nacre_xyz_reader *nacre_xyz_open(const char *path, nacre_error *err) {
  nacre_xyz_reader *r = calloc(1, sizeof *r);
  char *name = malloc(strlen(path) + 1);
  if (!r || !name) {
    free(r);
    free(name);
    nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    return NULL;
  }
  strcpy(name, path);
  if (nacre_io_lines_open_gz(&r->in, name, err)) {
    free(r);
    free(name);
    return NULL;
  }
  r->name = name;
  return r;
}

void nacre_xyz_close(nacre_xyz_reader *r) {
  if (!r) return;
  nacre_io_lines_close(&r->in);
  free(r->name);
  free(r->text);
  free(r->offset);
  free(r);
}

/* Reads the atom-count line, skipping blank lines; 0 at a clean end. */
static int read_count(nacre_xyz_reader *r, long *natoms, nacre_error *err) {
  int got;
  char *tok[2];
  while ((got = nacre_io_lines_next(&r->in, err)) == 1) {
    int n = nacre_io_split(r->in.buf, tok, 2);
    if (n == 0) continue;
    int v;
    if (n != 1 || nacre_io_int(tok[0], 0, NACRE_IO_MAX_ATOMS, &v)) {
      nacre_io_fail_at(err, &r->in, "expected the number of atoms");
      return -1;
    }
    *natoms = v;
    return 1;
  }
  return got;
}

static int need_line(nacre_xyz_reader *r, long want, long got,
                     nacre_error *err) {
  int st = nacre_io_lines_next(&r->in, err);
  if (st == 0)
    nacre_io_fail(err, r->name, r->in.lineno + 1,
                  "expected %ld atom lines, the file ends after %ld", want,
                  got);
  return st == 1 ? 0 : -1;
}

static int keep_line(nacre_xyz_reader *r, long i, nacre_error *err) {
  size_t need = r->tlen + r->in.len + 1;
  if (need > r->tcap) {
    size_t cap = r->tcap ? r->tcap : 4096;
    while (cap < need) cap *= 2;
    char *t = realloc(r->text, cap);
    if (!t) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory"), -1;
    r->text = t;
    r->tcap = cap;
  }
  if (i >= r->noffset) {
    long n = r->noffset ? 2 * r->noffset : 64;
    size_t *o = realloc(r->offset, (size_t)n * sizeof *o);
    if (!o) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory"), -1;
    r->offset = o;
    r->noffset = n;
  }
  r->offset[i] = r->tlen;
  memcpy(r->text + r->tlen, r->in.buf, r->in.len + 1);
  r->tlen = need;
  return 0;
}

nacre_status nacre_xyz_skip(nacre_xyz_reader *r, int *eof, nacre_error *err) {
  long natoms = 0;
  *eof = 0;
  int got = read_count(r, &natoms, err);
  if (got == 0) {
    *eof = 1;
    return NACRE_ERR_IO;
  }
  if (got < 0) return err ? err->status : NACRE_ERR_PARSE;
  for (long i = -1; i < natoms; i++)
    if (need_line(r, natoms, i < 0 ? 0 : i, err))
      return err ? err->status : NACRE_ERR_PARSE;
  return NACRE_OK;
}

/* ---- Properties ---- */

static int parse_props(const char *spec, xyz_prop *p, int max, int *ncols,
                       const char **why) {
  char buf[4096];
  if (strlen(spec) >= sizeof buf) return (*why = "Properties too long"), -1;
  strcpy(buf, spec);
  int n = 0, col = 0;
  char *save = NULL;
  for (char *t = strtok_r(buf, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
    char *type = strtok_r(NULL, ":", &save), *nc = strtok_r(NULL, ":", &save);
    if (!type || !nc || strlen(type) != 1 || !strchr("RILS", type[0]))
      return (*why = "Properties must be name:type:count triples with type "
                     "R, I, L or S"), -1;
    if (n == max) return (*why = "too many Properties"), -1;
    if (strlen(t) >= sizeof p[n].name) return (*why = "property name too long"), -1;
    if (nacre_io_int(nc, 1, 1000, &p[n].ncomp))
      return (*why = "bad component count in Properties"), -1;
    strcpy(p[n].name, t);
    p[n].type = type[0];
    p[n].col = col;
    col += p[n].ncomp;
    n++;
  }
  *ncols = col;
  return n;
}

static const xyz_prop *find_prop(const xyz_prop *p, int n, const char *name) {
  for (int k = 0; k < n; k++)
    if (!strcmp(p[k].name, name)) return &p[k];
  return NULL;
}

/* ---- the comment line ---- */

typedef struct xyz_head {
  xyz_kv kv;
  xyz_prop props[64];
  int nprops, ncols;
  const xyz_prop *species, *z, *pos, *forces;
  long line; /* of the comment */
} xyz_head;

static nacre_status head_fail(nacre_xyz_reader *r, const xyz_head *h,
                              nacre_error *err, const char *why,
                              const char *key) {
  if (key) return nacre_io_fail(err, r->name, h->line, "%s: %s", key, why);
  return nacre_io_fail(err, r->name, h->line, "%s", why);
}

static nacre_status parse_head(nacre_xyz_reader *r, xyz_head *h,
                               nacre_error *err) {
  const char *why = NULL;
  h->line = r->in.lineno;
  if (nacre_xyz_kv_parse(r->in.buf, &h->kv, &why))
    return head_fail(r, h, err, why, "comment line");
  int k = nacre_xyz_kv_find(&h->kv, "Properties", 1);
  const char *spec = k >= 0 ? h->kv.value[k] : "species:S:1:pos:R:3";
  h->nprops = parse_props(spec, h->props, 64, &h->ncols, &why);
  if (h->nprops < 0) return head_fail(r, h, err, why, NULL);
  h->species = find_prop(h->props, h->nprops, "species");
  h->z = find_prop(h->props, h->nprops, "Z");
  h->pos = find_prop(h->props, h->nprops, "pos");
  h->forces = find_prop(h->props, h->nprops, "forces");
  if (!h->forces) h->forces = find_prop(h->props, h->nprops, "REF_forces");
  if (!h->pos || h->pos->type != 'R' || h->pos->ncomp != 3)
    return head_fail(r, h, err, "Properties lacks pos:R:3", NULL);
  if (h->species && (h->species->type != 'S' || h->species->ncomp != 1))
    return head_fail(r, h, err, "species must be species:S:1", NULL);
  if (!h->species && (!h->z || h->z->type != 'I' || h->z->ncomp != 1))
    return head_fail(r, h, err, "Properties lacks species:S:1 (or Z:I:1)", NULL);
  if (h->forces && (h->forces->type != 'R' || h->forces->ncomp != 3))
    return head_fail(r, h, err, "forces must be R:3", NULL);
  return NACRE_OK;
}

/* ---- atom lines ---- */

static int parse_value(const xyz_prop *p, const char *tok, double *out) {
  int v;
  if (p->type == 'R') return nacre_io_double(tok, out);
  if (p->type == 'I') {
    if (nacre_io_int(tok, -2147483647L, 2147483647L, &v)) return -1;
  } else if (nacre_xyz_bool(tok, &v)) {
    return -1;
  }
  *out = v;
  return 0;
}

static nacre_status store_prop(nacre_xyz_reader *r, nacre_frame *f,
                               const xyz_head *h, const xyz_prop *p,
                               nacre_column *c, long i, char **tok,
                               nacre_error *err) {
  long line = h->line + 1 + i;
  char q[64];
  for (int k = 0; k < p->ncomp; k++) {
    const char *t = tok[p->col + k];
    if (p == h->species) {
      if (!(f->s->numbers[i] = nacre_element_z(t)))
        return nacre_io_fail(err, r->name, line, "unknown element '%s'",
                             nacre_io_quote(t, q, sizeof q));
      continue;
    }
    double v;
    if (p->type != 'S' && parse_value(p, t, &v))
      return nacre_io_fail(err, r->name, line, "%s: bad %s value '%s'",
                           p->name, p->type == 'R' ? "real" :
                           p->type == 'I' ? "integer" : "logical",
                           nacre_io_quote(t, q, sizeof q));
    if (p == h->pos) f->s->positions[3 * i + k] = v;
    else if (p == h->forces) f->forces[3 * i + k] = v;
    else if (p == h->z && !h->species) {
      if (!nacre_element_by_z((int)v))
        return nacre_io_fail(err, r->name, line, "bad atomic number '%s'", t);
      f->s->numbers[i] = (int)v;
    } else if (p->type == 'S') {
      char *d = malloc(strlen(t) + 1);
      if (!d) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
      c->str[i * p->ncomp + k] = strcpy(d, t);
    } else {
      c->real[i * p->ncomp + k] = v;
    }
  }
  return NACRE_OK;
}

static nacre_status make_columns(nacre_frame *f, const xyz_head *h,
                                 nacre_column **cols, nacre_error *err) {
  for (int k = 0; k < h->nprops; k++) {
    const xyz_prop *p = &h->props[k];
    cols[k] = NULL;
    if (p == h->species || p == h->pos || p == h->forces ||
        (p == h->z && !h->species))
      continue;
    nacre_status st =
        nacre_frame_add_column(f, p->name, p->type, p->ncomp, NULL, err);
    if (st) return st;
  }
  /* pointers are taken once the array stops moving */
  for (int k = 0, c = 0; k < h->nprops; k++) {
    const xyz_prop *p = &h->props[k];
    if (!(p == h->species || p == h->pos || p == h->forces ||
          (p == h->z && !h->species)))
      cols[k] = &f->columns[c++];
  }
  return NACRE_OK;
}

static nacre_status parse_atoms(nacre_xyz_reader *r, nacre_frame *f,
                                const xyz_head *h, nacre_error *err) {
  nacre_column *cols[64];
  nacre_status st = make_columns(f, h, cols, err);
  if (st) return st;
  char **tok = malloc((size_t)(h->ncols + 1) * sizeof *tok);
  if (!tok) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (long i = 0; i < f->s->natoms && !st; i++) {
    int n = nacre_io_split(r->text + r->offset[i], tok, h->ncols + 1);
    if (n != h->ncols) {
      st = nacre_io_fail(err, r->name, h->line + 1 + i,
                         "expected %d columns (from Properties), got %d",
                         h->ncols, n);
      break;
    }
    for (int k = 0; k < h->nprops && !st; k++)
      st = store_prop(r, f, h, &h->props[k], cols[k], i, tok, err);
  }
  free(tok);
  return st;
}

/* ---- labels from the comment line ---- */

/* Index of key, or of "REF_"key when the plain key is absent. */
static int find_label(const xyz_kv *kv, const char *key) {
  int k = nacre_xyz_kv_find(kv, key, 0);
  if (k >= 0) return k;
  char ref[64];
  snprintf(ref, sizeof ref, "REF_%s", key);
  return nacre_xyz_kv_find(kv, ref, 0);
}

static nacre_status numbers_of(nacre_xyz_reader *r, const xyz_head *h, int k,
                               double *v, int n1, int n2, int *got,
                               nacre_error *err) {
  *got = nacre_xyz_numbers(h->kv.value[k], v, n1 > n2 ? n1 : n2);
  if (*got != n1 && *got != n2) {
    if (n1 == n2)
      return nacre_io_fail(err, r->name, h->line, "%s: expected %d numbers",
                           h->kv.key[k], n1);
    return nacre_io_fail(err, r->name, h->line,
                         "%s: expected %d or %d numbers", h->kv.key[k], n1, n2);
  }
  return NACRE_OK;
}

/* 9 values (3×3 row-major) or 6 (Voigt xx yy zz yz xz xy) → Voigt. */
static void to_voigt(const double *v, int n, double out[6]) {
  if (n == 6) {
    memcpy(out, v, 6 * sizeof *v);
    return;
  }
  double m[3][3];
  for (int i = 0; i < 9; i++) m[i / 3][i % 3] = v[i];
  double sym[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) sym[i][j] = 0.5 * (m[i][j] + m[j][i]);
  nacre_voigt_from_mat3(sym, out);
}

static nacre_status read_cell(nacre_xyz_reader *r, nacre_frame *f,
                              const xyz_head *h, nacre_error *err) {
  int k = nacre_xyz_kv_find(&h->kv, "Lattice", 1), n;
  double v[9];
  nacre_status st;
  int periodic = k >= 0;
  if (k >= 0) {
    if ((st = numbers_of(r, h, k, v, 9, 9, &n, err))) return st;
    for (int i = 0; i < 9; i++) f->s->cell[i / 3][i % 3] = v[i];
  }
  for (int d = 0; d < 3; d++) f->s->pbc[d] = periodic;
  if ((k = nacre_xyz_kv_find(&h->kv, "pbc", 1)) >= 0) {
    char copy[64], *tok[4];
    snprintf(copy, sizeof copy, "%s", h->kv.value[k]);
    int ok = nacre_io_split(copy, tok, 4) == 3;
    for (int d = 0; ok && d < 3; d++) ok = !nacre_xyz_bool(tok[d], &f->s->pbc[d]);
    if (!ok)
      return nacre_io_fail(err, r->name, h->line, "pbc: expected 3 of T/F");
  }
  for (int d = 0; d < 3; d++)
    if (f->s->pbc[d] && !periodic)
      return nacre_io_fail(err, r->name, h->line,
                           "pbc is T but there is no Lattice");
  int any_pbc = f->s->pbc[0] || f->s->pbc[1] || f->s->pbc[2];
  if (any_pbc && !(nacre_structure_volume(f->s) > 1e-12))
    return nacre_io_fail(err, r->name, h->line, "Lattice is singular");
  return NACRE_OK;
}

static nacre_status read_energies(nacre_xyz_reader *r, nacre_frame *f,
                                  const xyz_head *h, nacre_error *err) {
  static const char *keys[2] = {"energy", "free_energy"};
  double *dst[2] = {&f->energy, &f->free_energy};
  unsigned bit[2] = {NACRE_FRAME_ENERGY, NACRE_FRAME_FREE_ENERGY};
  for (int e = 0; e < 2; e++) {
    int k = find_label(&h->kv, keys[e]), n;
    if (k < 0) continue;
    nacre_status st = numbers_of(r, h, k, dst[e], 1, 1, &n, err);
    if (st) return st;
    f->has |= bit[e];
  }
  return NACRE_OK;
}

static nacre_status read_stress(nacre_xyz_reader *r, nacre_frame *f,
                                const xyz_head *h, nacre_error *err) {
  double v[9];
  int n, k = find_label(&h->kv, "stress");
  nacre_status st;
  if (k >= 0) {
    if ((st = numbers_of(r, h, k, v, 9, 6, &n, err))) return st;
    to_voigt(v, n, f->stress);
    f->has |= NACRE_FRAME_STRESS;
    return NACRE_OK;
  }
  if ((k = find_label(&h->kv, "virial")) < 0) return NACRE_OK;
  if ((st = numbers_of(r, h, k, v, 9, 6, &n, err))) return st;
  double vol = nacre_structure_volume(f->s);
  if (!(vol > 0.0) || !f->s->pbc[0] || !f->s->pbc[1] || !f->s->pbc[2])
    return nacre_io_fail(err, r->name, h->line,
                         "virial given without a periodic Lattice");
  to_voigt(v, n, f->stress);
  for (int i = 0; i < 6; i++) f->stress[i] = -f->stress[i] / vol;
  f->has |= NACRE_FRAME_STRESS;
  return NACRE_OK;
}

/* Keys turned into structure or labels (not kept as info). */
static int is_used_key(const xyz_kv *kv, int k) {
  static const char *always[] = {"Lattice", "Properties", "pbc"};
  for (int i = 0; i < 3; i++)
    if (!strcasecmp(kv->key[k], always[i])) return 1;
  int stress = find_label(kv, "stress");
  int virial = stress < 0 ? find_label(kv, "virial") : -1;
  return k == find_label(kv, "energy") || k == find_label(kv, "free_energy") ||
         k == stress || k == virial;
}

static nacre_status read_info(nacre_frame *f, const xyz_head *h,
                              nacre_error *err) {
  for (int k = 0; k < h->kv.n; k++) {
    if (is_used_key(&h->kv, k)) continue;
    nacre_status st =
        nacre_frame_set_info(f, h->kv.key[k], h->kv.value[k], err);
    if (st) return st;
  }
  return NACRE_OK;
}

static nacre_status build_frame(nacre_xyz_reader *r, nacre_frame *f,
                                const xyz_head *h, long natoms,
                                nacre_error *err) {
  f->s = nacre_structure_new((int)natoms, err);
  if (!f->s) return err ? err->status : NACRE_ERR_NOMEM;
  if (h->forces) {
    f->forces = calloc(3 * (size_t)(natoms ? natoms : 1), sizeof *f->forces);
    if (!f->forces) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    f->has |= NACRE_FRAME_FORCES;
  }
  nacre_status st = parse_atoms(r, f, h, err);
  if (!st) st = read_cell(r, f, h, err);
  if (!st) st = read_energies(r, f, h, err);
  if (!st) st = read_stress(r, f, h, err);
  if (!st) st = read_info(f, h, err);
  return st;
}

nacre_status nacre_xyz_next(nacre_xyz_reader *r, nacre_frame *f, int *eof,
                            nacre_error *err) {
  nacre_frame_clear(f);
  *eof = 0;
  long natoms = 0;
  int got = read_count(r, &natoms, err);
  if (got == 0) {
    *eof = 1;
    return NACRE_ERR_IO;
  }
  if (got < 0) return err ? err->status : NACRE_ERR_PARSE;
  if (need_line(r, natoms, 0, err)) return err ? err->status : NACRE_ERR_PARSE;
  xyz_head h;
  memset(&h, 0, sizeof h);
  nacre_status st = parse_head(r, &h, err);
  r->tlen = 0;
  for (long i = 0; i < natoms && !st; i++)
    if (need_line(r, natoms, i, err) || keep_line(r, i, err))
      st = err ? err->status : NACRE_ERR_PARSE;
  if (!st) st = build_frame(r, f, &h, natoms, err);
  if (!st) st = nacre_frame_check(f, r->name, h.line + 1, err);
  nacre_xyz_kv_free(&h.kv);
  if (st) nacre_frame_clear(f);
  return st;
}
