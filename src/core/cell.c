/* cell.c — periodic cells as row vectors: volume, reciprocal rows,
 * fractional/Cartesian conversion, minimum image and Niggli reduction. */
#include "nacre/core.h"

#include <limits.h>
#include <math.h>
#include <spglib.h>
#include <string.h>

double nacre_cell_volume(const double cell[3][3]) {
  return nacre_mat3_det(cell);
}

nacre_status nacre_cell_reciprocal(const double cell[3][3],
                                   double recip[3][3]) {
  /* cell · recip^T = I, so recip = (cell^{-1})^T */
  double inv[3][3];
  nacre_status st = nacre_mat3_inverse(cell, inv);
  if (st) return st;
  nacre_mat3_transpose(inv, recip);
  return NACRE_OK;
}

static void cross(const double a[3], const double b[3], double c[3]) {
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

static double norm3(const double a[3]) {
  return sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
}

void nacre_cell_heights(const double cell[3][3], double h[3]) {
  double vol = fabs(nacre_cell_volume(cell));
  for (int k = 0; k < 3; k++) {
    double c[3];
    cross(cell[(k + 1) % 3], cell[(k + 2) % 3], c);
    double area = norm3(c);
    h[k] = area > 0.0 ? vol / area : 0.0;
  }
}

void nacre_cell_lengths_angles(const double cell[3][3], double abc[3],
                               double angles_deg[3]) {
  for (int k = 0; k < 3; k++) abc[k] = norm3(cell[k]);
  for (int k = 0; k < 3; k++) {
    int i = (k + 1) % 3, j = (k + 2) % 3;
    double d = cell[i][0] * cell[j][0] + cell[i][1] * cell[j][1] +
               cell[i][2] * cell[j][2];
    double c = abc[i] > 0 && abc[j] > 0 ? d / (abc[i] * abc[j]) : 0.0;
    if (c > 1.0) c = 1.0;
    if (c < -1.0) c = -1.0;
    angles_deg[k] = acos(c) * 180.0 / NACRE_PI;
  }
}

nacre_status nacre_cell_from_lengths_angles(const double abc[3],
                                            const double angles_deg[3],
                                            double cell[3][3]) {
  double ca = cos(angles_deg[0] * NACRE_PI / 180.0);
  double cb = cos(angles_deg[1] * NACRE_PI / 180.0);
  double cg = cos(angles_deg[2] * NACRE_PI / 180.0);
  double sg = sin(angles_deg[2] * NACRE_PI / 180.0);
  /* Exact zeros for right angles keep orthogonal cells clean */
  if (fabs(angles_deg[0] - 90.0) < 1e-12) ca = 0.0;
  if (fabs(angles_deg[1] - 90.0) < 1e-12) cb = 0.0;
  if (fabs(angles_deg[2] - 90.0) < 1e-12) { cg = 0.0; sg = 1.0; }
  if (!(abc[0] > 0 && abc[1] > 0 && abc[2] > 0) || fabs(sg) < 1e-12)
    return NACRE_ERR_INVALID;
  memset(cell, 0, 9 * sizeof(double));
  cell[0][0] = abc[0];
  cell[1][0] = abc[1] * cg;
  cell[1][1] = abc[1] * sg;
  double cx = cb;
  double cy = (ca - cb * cg) / sg;
  double cz2 = 1.0 - cx * cx - cy * cy;
  if (!(cz2 > 0.0)) return NACRE_ERR_INVALID;
  cell[2][0] = abc[2] * cx;
  cell[2][1] = abc[2] * cy;
  cell[2][2] = abc[2] * sqrt(cz2);
  return NACRE_OK;
}

void nacre_cell_frac_to_cart(const double cell[3][3], const double frac[3],
                             double cart[3]) {
  for (int k = 0; k < 3; k++)
    cart[k] = frac[0] * cell[0][k] + frac[1] * cell[1][k] + frac[2] * cell[2][k];
}

void nacre_cell_cart_to_frac(const double recip[3][3], const double cart[3],
                             double frac[3]) {
  for (int k = 0; k < 3; k++)
    frac[k] = cart[0] * recip[k][0] + cart[1] * recip[k][1] +
              cart[2] * recip[k][2];
}

void nacre_cell_minimum_image(const double cell[3][3], const int pbc[3],
                              double d[3]) {
  double recip[3][3];
  if (nacre_cell_reciprocal(cell, recip)) return;
  double f[3];
  nacre_cell_cart_to_frac(recip, d, f);
  for (int k = 0; k < 3; k++)
    if (pbc[k]) f[k] -= floor(f[k] + 0.5);
  double best[3];
  nacre_cell_frac_to_cart(cell, f, best);
  double best2 = best[0] * best[0] + best[1] * best[1] + best[2] * best[2];
  /* A shorter image d' = d + n·cell must satisfy |f_k + n_k| ≤ |d'|/h_k ≤
   * |d|/h_k along each periodic direction: search exactly that box. */
  double h[3];
  nacre_cell_heights(cell, h);
  int lo[3], hi[3];
  double len = sqrt(best2);
  for (int k = 0; k < 3; k++) {
    if (!pbc[k] || h[k] <= 0.0) {
      lo[k] = hi[k] = 0;
      continue;
    }
    lo[k] = (int)ceil(-len / h[k] - f[k]);
    hi[k] = (int)floor(len / h[k] - f[k]);
  }
  double start[3] = {f[0], f[1], f[2]};
  for (int n0 = lo[0]; n0 <= hi[0]; n0++)
    for (int n1 = lo[1]; n1 <= hi[1]; n1++)
      for (int n2 = lo[2]; n2 <= hi[2]; n2++) {
        double g[3] = {start[0] + n0, start[1] + n1, start[2] + n2}, c[3];
        nacre_cell_frac_to_cart(cell, g, c);
        double r2 = c[0] * c[0] + c[1] * c[1] + c[2] * c[2];
        if (r2 < best2 - 1e-14) {
          best2 = r2;
          memcpy(best, c, sizeof best);
        }
      }
  memcpy(d, best, sizeof best);
}

/* Pairwise Lagrange-Gauss steps b_i -= round(μ) b_j, μ = b_i·b_j / b_j·b_j,
 * while some |μ| exceeds 1/2; each step shortens b_i, so it ends. It
 * brings a basis such as (a, 100a + b, c), which spglib's Niggli iteration
 * gives up on, close to reduced. u accumulates the integer transform
 * (b = u · b_in). */
static void size_reduce(double b[3][3], long u[3][3]) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) u[i][j] = i == j;
  for (int iter = 0; iter < 10000; iter++) {
    int changed = 0;
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) {
        if (i == j) continue;
        double bb = b[j][0] * b[j][0] + b[j][1] * b[j][1] + b[j][2] * b[j][2];
        double mu =
            (b[i][0] * b[j][0] + b[i][1] * b[j][1] + b[i][2] * b[j][2]) / bb;
        if (!(fabs(mu) > 0.5 + 1e-9)) continue;
        double q = round(mu);
        for (int k = 0; k < 3; k++) {
          b[i][k] -= q * b[j][k];
          u[i][k] -= (long)q * u[j][k];
        }
        changed = 1;
      }
    if (!changed) return;
  }
}

/* Integer matrix t with red = t · basis, or NACRE_ERR_NUMERIC when
 * red · basis⁻¹ is not integer to 1e-6. */
static nacre_status integer_transform(const double red[3][3],
                                      const double basis[3][3],
                                      long t[3][3]) {
  double inv[3][3], tt[3][3];
  if (nacre_mat3_inverse(basis, inv)) return NACRE_ERR_NUMERIC;
  nacre_mat3_mul(red, inv, tt);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      double r = floor(tt[i][j] + 0.5);
      if (fabs(tt[i][j] - r) > 1e-6) return NACRE_ERR_NUMERIC;
      t[i][j] = (long)r;
    }
  return NACRE_OK;
}

nacre_status nacre_cell_niggli(const double cell[3][3], double symprec,
                               double reduced[3][3], int m[3][3]) {
  /* basis = u · cell: the cell itself, or its size-reduced form when
   * spglib cannot reduce the cell as given */
  double basis[3][3], lat[3][3], red[3][3];
  long u[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  memcpy(basis, cell, sizeof basis);
  nacre_mat3_transpose(basis, lat); /* spglib wants basis vectors as columns */
  if (!spg_niggli_reduce(lat, symprec)) {
    size_reduce(basis, u);
    nacre_mat3_transpose(basis, lat);
    if (!spg_niggli_reduce(lat, symprec)) return NACRE_ERR_NUMERIC;
  }
  nacre_mat3_transpose(lat, red);
  long t[3][3];
  if (integer_transform(red, basis, t)) return NACRE_ERR_NUMERIC;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      long v = t[i][0] * u[0][j] + t[i][1] * u[1][j] + t[i][2] * u[2][j];
      if (v > INT_MAX || v < -INT_MAX) return NACRE_ERR_NUMERIC;
      m[i][j] = (int)v;
    }
  /* The reduced cell from the integer matrix and the basis, so it is
   * exactly a lattice basis of the input (no rounding drift). */
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++)
      reduced[i][k] = t[i][0] * basis[0][k] + t[i][1] * basis[1][k] +
                      t[i][2] * basis[2][k];
  if (nacre_mat3_det(reduced) < 0.0) {
    for (int k = 0; k < 3; k++) {
      reduced[2][k] = -reduced[2][k];
      m[2][k] = -m[2][k];
    }
  }
  return NACRE_OK;
}
