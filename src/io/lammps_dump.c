/* lammps_dump.c — LAMMPS text dump files (dump atom/custom), frame by frame,
 * for trajectory analysis. Each frame:
 *   ITEM: TIMESTEP / step
 *   ITEM: NUMBER OF ATOMS / n
 *   ITEM: BOX BOUNDS [xy xz yz] pp pp pp / three lines "lo hi [tilt]"
 *   ITEM: ATOMS id type|element x y z|xu yu zu|xs ys zs|xsu ysu zsu [vx vy vz] ...
 * The box follows the LAMMPS manual ("Triclinic (non-orthogonal)
 * simulation boxes"): for a triclinic dump the bounds are the bounding box,
 * xlo = xlo_bound − min(0, xy, xz, xy + xz), xhi = xhi_bound − max(0, xy,
 * xz, xy + xz), ylo = ylo_bound − min(0, yz), yhi = yhi_bound − max(0, yz);
 * a = (xhi − xlo, 0, 0), b = (xy, yhi − ylo, 0), c = (xz, yz, zhi − zlo).
 * Positions are taken relative to (xlo, ylo, zlo); atoms are sorted by id.
 * Units are LAMMPS' metal units: velocities in Å/ps become Å/fs. */
#include <stdlib.h>
#include <string.h>

#include "ioutil.h"

struct nacre_dump_reader {
  nacre_io_lines in;
  char *name;
  int type_z[64];
  int ntypes;
};

nacre_dump_reader *nacre_lammps_dump_open(const char *path, const int *type_z,
                                          int ntypes, nacre_error *err) {
  if (ntypes < 0 || ntypes > 64) {
    nacre_error_set(err, NACRE_ERR_INVALID, "LAMMPS dump: 0..64 types");
    return NULL;
  }
  nacre_dump_reader *r = calloc(1, sizeof *r);
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
  r->ntypes = ntypes;
  if (ntypes) memcpy(r->type_z, type_z, (size_t)ntypes * sizeof(int));
  return r;
}

void nacre_lammps_dump_close(nacre_dump_reader *r) {
  if (!r) return;
  nacre_io_lines_close(&r->in);
  free(r->name);
  free(r);
}

/* Next non-empty line; 0 at the end of the file, −1 on error. */
static int next_line(nacre_dump_reader *r, nacre_error *err) {
  int got;
  while ((got = nacre_io_lines_next(&r->in, err)) == 1) {
    const char *p = r->in.buf;
    while (*p == ' ' || *p == '\t') p++;
    if (*p) return 1;
  }
  return got;
}

static nacre_status expect_item(nacre_dump_reader *r, const char *item,
                                nacre_error *err) {
  int got = next_line(r, err);
  if (got < 0) return err ? err->status : NACRE_ERR_IO;
  if (!got || !nacre_io_starts(r->in.buf, item))
    return nacre_io_fail_at(err, &r->in, "expected '%s'", item);
  return NACRE_OK;
}

/* Reads one "ITEM: ..." value line holding a single integer. */
static nacre_status read_long(nacre_dump_reader *r, long lo, long hi,
                              long *out, nacre_error *err) {
  int got = next_line(r, err);
  char *tok[2];
  double v;
  if (got < 0) return err ? err->status : NACRE_ERR_IO;
  if (!got || nacre_io_split(r->in.buf, tok, 2) != 1 ||
      nacre_io_double(tok[0], &v) || v < lo || v > hi || v != (long)v)
    return nacre_io_fail_at(err, &r->in, "expected an integer in [%ld, %ld]",
                            lo, hi);
  *out = (long)v;
  return NACRE_OK;
}

typedef struct {
  double cell[3][3], origin[3];
  int pbc[3];
} dump_box;

static nacre_status read_box(nacre_dump_reader *r, dump_box *box,
                             nacre_error *err) {
  nacre_status st = expect_item(r, "ITEM: BOX BOUNDS", err);
  if (st) return st;
  char *tok[12];
  int nt = nacre_io_split(r->in.buf + strlen("ITEM: BOX BOUNDS"), tok, 12);
  if (nt > 12)
    return nacre_io_fail_at(err, &r->in, "too many words on the BOX BOUNDS line");
  int tri = nt >= 3 && !strcmp(tok[0], "xy");
  for (int k = 0; k < 3; k++) {
    const char *flag = nt >= 3 ? tok[nt - 3 + k] : "pp";
    box->pbc[k] = !strcmp(flag, "pp");
  }
  double b[3][3] = {{0}};
  for (int k = 0; k < 3; k++) {
    int got = next_line(r, err);
    if (got < 0) return err ? err->status : NACRE_ERR_IO;
    char *v[4];
    int nv = got ? nacre_io_split(r->in.buf, v, 4) : 0;
    if (nv > 4) nv = 4; /* reported below as a wrong count */
    if (nv != (tri ? 3 : 2))
      return nacre_io_fail_at(err, &r->in, "expected %d box values",
                              tri ? 3 : 2);
    for (int c = 0; c < nv; c++)
      if (nacre_io_double(v[c], &b[k][c]))
        return nacre_io_fail_at(err, &r->in, "bad box value '%s'", v[c]);
  }
  double xy = b[0][2], xz = b[1][2], yz = b[2][2];
  double xlo = b[0][0], xhi = b[0][1], ylo = b[1][0], yhi = b[1][1];
  if (tri) {
    double mn = 0.0, mx = 0.0;
    const double t[3] = {xy, xz, xy + xz};
    for (int k = 0; k < 3; k++) {
      if (t[k] < mn) mn = t[k];
      if (t[k] > mx) mx = t[k];
    }
    xlo -= mn;
    xhi -= mx;
    ylo -= yz < 0.0 ? yz : 0.0;
    yhi -= yz > 0.0 ? yz : 0.0;
  }
  double cell[3][3] = {{xhi - xlo, 0, 0}, {xy, yhi - ylo, 0},
                       {xz, yz, b[2][1] - b[2][0]}};
  memcpy(box->cell, cell, sizeof cell);
  box->origin[0] = xlo;
  box->origin[1] = ylo;
  box->origin[2] = b[2][0];
  return NACRE_OK;
}

/* Column indices of the ATOMS line. */
typedef struct {
  int id, type, element, x[3], v[3], ncol;
  int kind; /* 0 Cartesian, 1 scaled */
} dump_columns;

static nacre_status parse_columns(nacre_dump_reader *r, dump_columns *c,
                                  nacre_error *err) {
  char *tok[256];
  int nt = nacre_io_split(r->in.buf + strlen("ITEM: ATOMS"), tok, 256);
  if (nt > 256)
    return nacre_io_fail_at(err, &r->in, "more than 256 columns on the ATOMS line");
  memset(c, -1, sizeof *c);
  c->ncol = nt;
  static const char *const sets[4][3] = {{"x", "y", "z"}, {"xu", "yu", "zu"},
                                         {"xs", "ys", "zs"},
                                         {"xsu", "ysu", "zsu"}};
  for (int k = 0; k < nt; k++) {
    if (!strcmp(tok[k], "id")) c->id = k;
    else if (!strcmp(tok[k], "type")) c->type = k;
    else if (!strcmp(tok[k], "element")) c->element = k;
    for (int d = 0; d < 3; d++) {
      static const char *const vn[3] = {"vx", "vy", "vz"};
      if (!strcmp(tok[k], vn[d])) c->v[d] = k;
    }
  }
  /* prefer unwrapped, then wrapped, then scaled */
  static const int order[4] = {1, 0, 3, 2};
  for (int o = 0; o < 4 && c->x[0] < 0; o++) {
    int set = order[o], idx[3] = {-1, -1, -1};
    for (int k = 0; k < nt; k++)
      for (int d = 0; d < 3; d++)
        if (!strcmp(tok[k], sets[set][d])) idx[d] = k;
    if (idx[0] >= 0 && idx[1] >= 0 && idx[2] >= 0) {
      memcpy(c->x, idx, sizeof idx);
      c->kind = set >= 2;
    }
  }
  if (c->x[0] < 0)
    return nacre_io_fail_at(err, &r->in,
                            "the ATOMS line has no x y z (or xu, xs, xsu) "
                            "columns");
  if (c->element < 0 && c->type < 0)
    return nacre_io_fail_at(err, &r->in,
                            "the ATOMS line has neither 'element' nor 'type'");
  if (c->element < 0 && r->ntypes == 0)
    return nacre_io_fail_at(err, &r->in,
                            "the dump has atom types but no element column: "
                            "the elements of the types must be given");
  return NACRE_OK;
}

/* One atom line into rec = {id, Z, x, y, z, vx, vy, vz}. */
static nacre_status read_atom(nacre_dump_reader *r, const dump_columns *c,
                              long n, long line_i, double rec[8],
                              nacre_error *err) {
  char *tok[256];
  int nt = nacre_io_split(r->in.buf, tok, 256);
  if (nt > 256) nt = 257;
  if (nt != c->ncol)
    return nacre_io_fail_at(err, &r->in, "%d values, the ATOMS line names %d",
                            nt, c->ncol);
  int id = (int)line_i + 1;
  if (c->id >= 0 && nacre_io_int(tok[c->id], 1, n, &id))
    return nacre_io_fail_at(err, &r->in, "atom id '%s' outside 1..%ld",
                            tok[c->id], n);
  int z;
  if (c->element >= 0) {
    z = nacre_element_z(tok[c->element]);
    if (!z)
      return nacre_io_fail_at(err, &r->in, "unknown element '%s'",
                              tok[c->element]);
  } else {
    int type;
    if (nacre_io_int(tok[c->type], 1, r->ntypes, &type))
      return nacre_io_fail_at(err, &r->in,
                              "atom type '%s' has no element (%d given)",
                              tok[c->type], r->ntypes);
    z = r->type_z[type - 1];
  }
  rec[0] = id;
  rec[1] = z;
  int has_v = c->v[0] >= 0 && c->v[1] >= 0 && c->v[2] >= 0;
  for (int d = 0; d < 3; d++) {
    if (nacre_io_double(tok[c->x[d]], &rec[2 + d]))
      return nacre_io_fail_at(err, &r->in, "bad coordinate '%s'", tok[c->x[d]]);
    rec[5 + d] = 0.0;
    if (has_v && nacre_io_double(tok[c->v[d]], &rec[5 + d]))
      return nacre_io_fail_at(err, &r->in, "bad velocity '%s'", tok[c->v[d]]);
  }
  return NACRE_OK;
}

/* The atoms, read into a growing buffer first: a count on the file never
 * allocates more than the file holds. */
static nacre_status read_atoms(nacre_dump_reader *r, long n, nacre_frame *f,
                               const dump_box *box, nacre_error *err) {
  dump_columns c;
  nacre_status st = expect_item(r, "ITEM: ATOMS", err);
  if (!st) st = parse_columns(r, &c, err);
  if (st) return st;
  nacre_io_dbuf rows = {0};
  for (long k = 0; k < n && !st; k++) {
    int got = next_line(r, err);
    if (got <= 0) {
      st = got < 0 ? err->status
                   : nacre_io_fail(err, r->name, r->in.lineno,
                                   "file ends after %ld of %ld atoms", k, n);
      break;
    }
    double rec[8];
    st = read_atom(r, &c, n, k, rec, err);
    if (!st) st = nacre_io_dbuf_push(&rows, rec, 8, err);
  }
  if (!st && !(f->s = nacre_structure_new((int)n, err))) st = err->status;
  nacre_column *vel = NULL;
  if (!st && c.v[0] >= 0 && c.v[1] >= 0 && c.v[2] >= 0)
    st = nacre_frame_add_column(f, "velocities", 'R', 3, &vel, err);
  if (!st) {
    memcpy(f->s->cell, box->cell, sizeof box->cell);
    memcpy(f->s->pbc, box->pbc, sizeof box->pbc);
    for (long k = 0; k < n; k++)
      f->s->numbers[k] = 0; /* marks atoms not yet seen */
  }
  for (long k = 0; !st && k < n; k++) {
    const double *rec = &rows.v[8 * k];
    long i = (long)rec[0] - 1;
    if (f->s->numbers[i]) {
      st = nacre_io_fail(err, r->name, r->in.lineno - n + k + 1,
                         "atom id %ld appears twice", i + 1);
      break;
    }
    f->s->numbers[i] = (int)rec[1];
    double *x = &f->s->positions[3 * i];
    if (c.kind == 1) {
      nacre_cell_frac_to_cart(f->s->cell, rec + 2, x);
    } else {
      for (int d = 0; d < 3; d++) x[d] = rec[2 + d] - box->origin[d];
    }
    if (vel)
      for (int d = 0; d < 3; d++) vel->real[3 * i + d] = 1e-3 * rec[5 + d]; /* Å/ps → Å/fs */
  }
  nacre_io_dbuf_free(&rows);
  return st;
}

nacre_status nacre_lammps_dump_next(nacre_dump_reader *r, nacre_frame *f,
                                    long *timestep, int *eof,
                                    nacre_error *err) {
  nacre_frame_clear(f);
  *eof = 0;
  int got = next_line(r, err);
  if (got < 0) return err ? err->status : NACRE_ERR_IO;
  if (!got) {
    *eof = 1;
    return NACRE_ERR_IO;
  }
  if (!nacre_io_starts(r->in.buf, "ITEM: TIMESTEP"))
    return nacre_io_fail_at(err, &r->in, "expected 'ITEM: TIMESTEP'");
  long step, n;
  nacre_status st = read_long(r, -2147483647L, 2147483647L * 1024L, &step, err);
  if (!st) st = expect_item(r, "ITEM: NUMBER OF ATOMS", err);
  if (!st) st = read_long(r, 1, NACRE_IO_MAX_ATOMS, &n, err);
  if (st) return st;
  dump_box box;
  st = read_box(r, &box, err);
  if (!st) st = read_atoms(r, n, f, &box, err);
  if (!st) {
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", step);
    st = nacre_frame_set_info(f, "timestep", buf, err);
  }
  if (st) {
    nacre_frame_clear(f);
    return st;
  }
  *timestep = step;
  return NACRE_OK;
}
