/* lammps_data.c — LAMMPS data files, atomic style, restricted triclinic
 * box (LAMMPS manual, "Triclinic (non-orthogonal) simulation boxes"): the
 * cell is turned so that a lies along x and b in the xy plane,
 *   a' = (lx, 0, 0), b' = (xy, ly, 0), c' = (xz, yz, lz),
 * with the orthonormal frame e1 = a/|a|, e2 = b⊥/|b⊥|, e3 = ±e1×e2 (the
 * sign that makes lz > 0; a left-handed cell is mirrored, which leaves
 * energies unchanged and turns vectors the same way). x' = x · R with R's
 * columns e1 e2 e3; vectors come back as v = v' · Rᵀ, tensors as
 * T = R T' Rᵀ. Periodic directions need no wrapping: read_data maps atoms
 * back into the box. Along non-periodic directions the cell must contain
 * the atoms. */
#include "ioutil.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double dot3(const double a[3], const double b[3]) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

nacre_status nacre_lammps_data_write(FILE *fp, const nacre_structure *s,
                                     const int *type_z, int ntypes,
                                     double rotation[3][3], nacre_error *err) {
  const double(*h)[3] = s->cell;
  double la = sqrt(dot3(h[0], h[0]));
  if (!(la > 0.0))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "LAMMPS data: the cell's first vector is zero");
  double e1[3], e2[3], e3[3];
  for (int k = 0; k < 3; k++) e1[k] = h[0][k] / la;
  double b1 = dot3(h[1], e1);
  for (int k = 0; k < 3; k++) e2[k] = h[1][k] - b1 * e1[k];
  double lb = sqrt(dot3(e2, e2));
  if (!(lb > 1e-12 * la))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "LAMMPS data: cell vectors a and b are parallel");
  for (int k = 0; k < 3; k++) e2[k] /= lb;
  e3[0] = e1[1] * e2[2] - e1[2] * e2[1];
  e3[1] = e1[2] * e2[0] - e1[0] * e2[2];
  e3[2] = e1[0] * e2[1] - e1[1] * e2[0];
  if (dot3(h[2], e3) < 0.0)
    for (int k = 0; k < 3; k++) e3[k] = -e3[k];
  double R[3][3];
  for (int k = 0; k < 3; k++) {
    R[k][0] = e1[k];
    R[k][1] = e2[k];
    R[k][2] = e3[k];
  }
  double lx = la, xy = b1, ly = lb;
  double xz = dot3(h[2], e1), yz = dot3(h[2], e2), lz = dot3(h[2], e3);
  if (!(lz > 1e-12 * la))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "LAMMPS data: degenerate cell (volume 0)");

  /* types */
  int order[NACRE_MAX_Z + 1];
  int nt = 0, zlist[NACRE_MAX_Z];
  for (int z = 0; z <= NACRE_MAX_Z; z++) order[z] = 0;
  if (type_z && ntypes > 0) {
    for (int t = 0; t < ntypes; t++) {
      if (type_z[t] < 1 || type_z[t] > NACRE_MAX_Z || order[type_z[t]])
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "LAMMPS data: bad or repeated type element %d",
                               type_z[t]);
      order[type_z[t]] = t + 1;
      zlist[t] = type_z[t];
    }
    nt = ntypes;
  }
  for (int i = 0; i < s->natoms; i++) {
    int z = s->numbers[i];
    if (z < 1 || z > NACRE_MAX_Z)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "LAMMPS data: atom %d has atomic number %d", i + 1,
                             z);
    if (!order[z]) {
      if (type_z && ntypes > 0) {
        const nacre_element *e = nacre_element_by_z(z);
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "LAMMPS data: atom %d is %s, which has no type",
                               i + 1, e ? e->symbol : "?");
      }
      zlist[nt] = z;
      order[z] = ++nt;
    }
  }

  fprintf(fp, "LAMMPS data file written by nacre (atomic style)\n\n");
  fprintf(fp, "%d atoms\n%d atom types\n\n", s->natoms, nt);
  fprintf(fp, "0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n", lx, ly,
          lz);
  fprintf(fp, "%.17g %.17g %.17g xy xz yz\n\nMasses\n\n", xy, xz, yz);
  for (int t = 0; t < nt; t++) {
    const nacre_element *e = nacre_element_by_z(zlist[t]);
    fprintf(fp, "%d %.10g # %s\n", t + 1, e->mass_amu, e->symbol);
  }
  fprintf(fp, "\nAtoms # atomic\n\n");
  for (int i = 0; i < s->natoms; i++) {
    const double *x = &s->positions[3 * (size_t)i];
    double y[3];
    for (int k = 0; k < 3; k++)
      y[k] = x[0] * R[0][k] + x[1] * R[1][k] + x[2] * R[2][k];
    fprintf(fp, "%d %d %.17g %.17g %.17g\n", i + 1, order[s->numbers[i]], y[0],
            y[1], y[2]);
  }
  if (ferror(fp))
    return nacre_io_write_failed(err);
  if (rotation) memcpy(rotation, R, sizeof R);
  return NACRE_OK;
}

/* ---- reading ----
 *
 * The header (LAMMPS manual, read_data): "N atoms", "N atom types", the
 * box "xlo xhi", "ylo yhi", "zlo zhi" and, for a triclinic box, "xy xz
 * yz"; then sections: "Masses" (type, mass and, as nacre and many tools
 * write, "# Symbol"), "Atoms # style" with one line per atom (atomic: id
 * type x y z; charge: id type q x y z; molecular: id mol type x y z; full:
 * id mol type q x y z; each optionally followed by the image flags nx ny
 * nz); other sections (Velocities, Bonds, ...) are skipped. A type's
 * element is the symbol of its Masses comment, else the element whose
 * standard mass lies within 0.01 amu of the type's mass (a unique match;
 * otherwise the file is refused: name it in a comment). The cell is
 * a = (xhi−xlo, 0, 0), b = (xy, yhi−ylo, 0), c = (xz, yz, zhi−zlo) with the
 * origin at (xlo, ylo, zlo); image flags add whole cell vectors. */

typedef struct lmp_head {
  long natoms;
  int ntypes;
  double lo[3], hi[3], tilt[3]; /* xy xz yz */
  int have_box[3];
  int *type_z;                  /* ntypes */
} lmp_head;

/* Keyword lines of the header: numbers then the keyword. */
static int lmp_header_line(nacre_io_lines *r, lmp_head *h, nacre_error *err) {
  double v[3];
  const char *rest;
  int n = nacre_io_scan_doubles(r->buf, v, 3, &rest);
  static const char *box[3] = {"xlo xhi", "ylo yhi", "zlo zhi"};
  for (int k = 0; k < 3; k++)
    if (n == 2 && nacre_io_starts(rest, box[k])) {
      if (!(v[1] > v[0]))
        return nacre_io_fail_at(err, r, "%s: hi must be above lo", box[k]), -1;
      h->lo[k] = v[0], h->hi[k] = v[1], h->have_box[k] = 1;
      return 1;
    }
  if (n == 3 && nacre_io_starts(rest, "xy xz yz")) {
    memcpy(h->tilt, v, sizeof v);
    return 1;
  }
  if (n == 1 && nacre_io_starts(rest, "atom types")) {
    if (v[0] < 1 || v[0] > NACRE_MAX_Z || v[0] != floor(v[0]))
      return nacre_io_fail_at(err, r, "bad number of atom types"), -1;
    h->ntypes = (int)v[0];
    return 1;
  }
  if (n == 1 && nacre_io_starts(rest, "atoms")) {
    if (v[0] < 1 || v[0] > NACRE_IO_MAX_ATOMS || v[0] != floor(v[0]))
      return nacre_io_fail_at(err, r, "bad number of atoms"), -1;
    h->natoms = (long)v[0];
    return 1;
  }
  return 0; /* another header line (bonds, extra ... per atom): ignored */
}

/* The element of a Masses line: its "# Symbol" comment or its mass. */
static int lmp_mass_element(const char *line, double mass) {
  const char *c = strchr(line, '#');
  if (c) {
    char *tok[2];
    char buf[64];
    snprintf(buf, sizeof buf, "%s", c + 1);
    if (nacre_io_split(buf, tok, 2) >= 1) {
      int z = nacre_element_z(tok[0]);
      if (z) return z;
    }
  }
  int found = 0;
  for (int z = 1; z <= NACRE_MAX_Z; z++) {
    const nacre_element *e = nacre_element_by_z(z);
    if (e && fabs(e->mass_amu - mass) < 0.01) {
      if (found) return 0; /* two elements that close: ambiguous */
      found = z;
    }
  }
  return found;
}

static int lmp_masses(nacre_io_lines *r, lmp_head *h, nacre_error *err) {
  if (!h->ntypes)
    return nacre_io_fail_at(err, r, "Masses before 'N atom types'"), -1;
  for (int t = 0, got; t < h->ntypes;) {
    if ((got = nacre_io_lines_next(r, err)) <= 0)
      return got < 0 ? -1
                     : (nacre_io_fail(err, r->name, r->lineno,
                                      "Masses: %d of %d types", t, h->ntypes),
                        -1);
    if (nacre_io_blank(r->buf)) continue;
    double v[2];
    int n = nacre_io_scan_doubles(r->buf, v, 2, NULL);
    int type = (int)v[0];
    if (n != 2 || v[0] != type || type < 1 || type > h->ntypes || !(v[1] > 0))
      return nacre_io_fail_at(err, r, "expected 'type mass' for type %d",
                              t + 1), -1;
    int z = lmp_mass_element(r->buf, v[1]);
    if (!z)
      return nacre_io_fail_at(err, r,
                              "type %d: mass %g amu names no single element; "
                              "add its symbol as a comment ('%d %g # Na')",
                              type, v[1], type, v[1]), -1;
    h->type_z[type - 1] = z;
    t++;
  }
  return 1;
}

/* Columns of the type and of x in an Atoms line, from the style comment
 * or, without one, the column count (5 or 8: atomic). */
static int lmp_style(nacre_io_lines *r, int ncols, int *type_col,
                     int *x_col, nacre_error *err) {
  const char *c = strchr(r->buf, '#');
  char style[32] = "";
  if (c) sscanf(c + 1, "%31s", style);
  if (!style[0]) {
    if (ncols == 5 || ncols == 8) strcpy(style, "atomic");
    else
      return nacre_io_fail_at(err, r, "Atoms section without a style: add it "
                              "('Atoms # atomic', charge, molecular, full)"),
             -1;
  }
  if (!strcmp(style, "atomic")) *type_col = 1, *x_col = 2;
  else if (!strcmp(style, "charge")) *type_col = 1, *x_col = 3;
  else if (!strcmp(style, "molecular") || !strcmp(style, "bond") ||
           !strcmp(style, "angle"))
    *type_col = 2, *x_col = 3;
  else if (!strcmp(style, "full")) *type_col = 2, *x_col = 4;
  else
    return nacre_io_fail_at(err, r, "atom style '%s' is not read (atomic, "
                            "charge, molecular, full)", style), -1;
  return 0;
}

static int lmp_atoms(nacre_io_lines *r, lmp_head *h, nacre_structure *s,
                     nacre_error *err) {
  char header[256];
  snprintf(header, sizeof header, "%s", r->buf);
  long header_line = r->lineno;
  int type_col = -1, x_col = -1;
  char *seen = calloc((size_t)h->natoms, 1);
  if (!seen) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory"), -1;
  int rc = 1;
  for (long i = 0, got; i < h->natoms && rc > 0;) {
    if ((got = nacre_io_lines_next(r, err)) <= 0) {
      if (!got)
        nacre_io_fail(err, r->name, r->lineno + 1,
                      "expected %ld atom lines, the file ends after %ld",
                      h->natoms, i);
      rc = -1;
      break;
    }
    if (nacre_io_blank(r->buf)) continue;
    double v[10];
    const char *rest;
    int n = nacre_io_scan_doubles(r->buf, v, 10, &rest);
    if (type_col < 0) {
      nacre_io_lines tmp = *r; /* the style comment is on the header line */
      tmp.buf = header, tmp.lineno = header_line;
      if (lmp_style(&tmp, n, &type_col, &x_col, err)) {
        rc = -1;
        break;
      }
    }
    int flags = n == x_col + 6;
    long id = (long)v[0];
    int type = n > type_col ? (int)v[type_col] : 0;
    if ((n != x_col + 3 && !flags) || !nacre_io_blank(rest) || v[0] != id ||
        id < 1 || id > h->natoms || seen[id - 1] || type < 1 ||
        type > h->ntypes || v[type_col] != type) {
      nacre_io_fail_at(err, r, "expected atom %ld of %ld: id type ... x y z "
                       "(ids 1..N once each, types 1..%d)",
                       i + 1, h->natoms, h->ntypes);
      rc = -1;
      break;
    }
    seen[id - 1] = 1;
    s->numbers[id - 1] = h->type_z[type - 1];
    double *x = s->positions + 3 * (id - 1);
    /* origin at (xlo, ylo, zlo); image flags add whole cell vectors */
    for (int k = 0; k < 3; k++) x[k] = v[x_col + k] - h->lo[k];
    for (int c = 0; flags && c < 3; c++)
      for (int k = 0; k < 3; k++) x[k] += v[x_col + 3 + c] * s->cell[c][k];
    i++;
  }
  free(seen);
  return rc;
}

nacre_status nacre_lammps_data_read(FILE *fp, const char *name,
                                    nacre_structure **out, nacre_error *err) {
  *out = NULL;
  nacre_io_lines r;
  nacre_io_lines_init_file(&r, fp, name);
  lmp_head h;
  memset(&h, 0, sizeof h);
  nacre_structure *s = NULL;
  int got = nacre_io_lines_next(&r, err); /* the title line */
  int rc = got > 0 ? 1 : -1;
  if (!got) nacre_io_fail(err, name, 1, "empty file");
  int have_atoms = 0;
  while (rc > 0 && (got = nacre_io_lines_next(&r, err)) > 0) {
    char *hash = strchr(r.buf, '#');
    char word[32] = "";
    sscanf(r.buf, "%31s", word);
    if (nacre_io_blank(r.buf) || r.buf[strspn(r.buf, " \t")] == '#') continue;
    if (!strcmp(word, "Masses") || !strcmp(word, "Atoms")) {
      if (!h.natoms || !h.ntypes || !h.have_box[0] || !h.have_box[1] ||
          !h.have_box[2]) {
        nacre_io_fail_at(err, &r,
                         "%s before the header gave atoms, atom types and the "
                         "box", word);
        rc = -1;
        break;
      }
      if (!h.type_z && !(h.type_z = calloc((size_t)h.ntypes, sizeof *h.type_z))) {
        nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
        rc = -1;
        break;
      }
    }
    if (!strcmp(word, "Masses")) {
      rc = lmp_masses(&r, &h, err);
    } else if (!strcmp(word, "Atoms")) {
      for (int t = 0; t < h.ntypes && rc > 0; t++)
        if (!h.type_z[t])
          rc = (nacre_io_fail_at(err, &r, "Atoms before the Masses of type %d "
                                 "(nacre needs each type's element)",
                                 t + 1), -1);
      if (rc < 0) break;
      if (!(s = nacre_structure_new((int)h.natoms, err))) {
        rc = -1;
        break;
      }
      double lx = h.hi[0] - h.lo[0], ly = h.hi[1] - h.lo[1],
             lz = h.hi[2] - h.lo[2];
      const double cell[3][3] = {{lx, 0, 0}, {h.tilt[0], ly, 0},
                                 {h.tilt[1], h.tilt[2], lz}};
      memcpy(s->cell, cell, sizeof cell);
      rc = lmp_atoms(&r, &h, s, err);
      have_atoms = rc > 0;
    } else if (isalpha((unsigned char)word[0]) && !hash) {
      /* another section: skipped up to the next section keyword */
    } else if (!s) {
      rc = lmp_header_line(&r, &h, err) < 0 ? -1 : 1;
    }
  }
  if (got < 0) rc = -1;
  if (rc > 0 && !have_atoms) {
    nacre_io_fail(err, name, r.lineno, "no Atoms section");
    rc = -1;
  }
  nacre_io_lines_close(&r);
  free(h.type_z);
  if (rc > 0) {
    nacre_frame f;
    nacre_frame_init(&f);
    f.s = s;
    if (nacre_frame_check(&f, name, 0, err)) rc = -1;
  }
  if (rc < 0) {
    nacre_structure_free(s);
    return err ? err->status : NACRE_ERR_PARSE;
  }
  *out = s;
  return NACRE_OK;
}
