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

#include <math.h>
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
