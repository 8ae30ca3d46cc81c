/* cell.c — periodic cells as row vectors: volume, reciprocal rows,
 * fractional/Cartesian conversion, minimum image and Niggli reduction. */
#include "nacre/core.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
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
 * brings a basis such as (a, 3000a + b, c), on which the Niggli steps
 * (one lattice vector per step) would run out of steps, close to reduced. u accumulates the integer transform
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

/* ---- Niggli reduction ----
 * Křivý & Gruber, Acta Cryst. A32, 297 (1976), with the tolerance ε of
 * Grosse-Kunstleve, Sauter & Adams, Acta Cryst. A60, 1 (2004): ε compares
 * the Gram parameters (Å²). Every step is a unimodular integer change of
 * basis of determinant +1; the parameters are recomputed from t · cell after
 * each step, so the basis never drifts off the input lattice. */

typedef struct gram {
  double A, B, C;      /* a·a, b·b, c·c */
  double xi, eta, zeta; /* 2 b·c, 2 a·c, 2 a·b */
  int l, m, n;         /* signs of xi, eta, zeta (0 within ε) */
} gram;

static int sign_eps(double v, double eps) {
  return v > eps ? 1 : v < -eps ? -1 : 0;
}

static double dot3(const double a[3], const double b[3]) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void gram_of(const double b[3][3], double eps, gram *g) {
  g->A = dot3(b[0], b[0]);
  g->B = dot3(b[1], b[1]);
  g->C = dot3(b[2], b[2]);
  g->xi = 2 * dot3(b[1], b[2]);
  g->eta = 2 * dot3(b[0], b[2]);
  g->zeta = 2 * dot3(b[0], b[1]);
  g->l = sign_eps(g->xi, eps);
  g->m = sign_eps(g->eta, eps);
  g->n = sign_eps(g->zeta, eps);
}

static void set_transform(long t[3][3], long a0, long a1, long a2, long b0,
                          long b1, long b2, long c0, long c1, long c2) {
  long v[3][3] = {{a0, a1, a2}, {b0, b1, b2}, {c0, c1, c2}};
  memcpy(t, v, sizeof v);
}

/* The first of the eight steps that applies to g, as the row transform t
 * (new basis = t · old), or 0 when the cell is reduced. Steps 3 and 4 only
 * fix signs, so they count as applied when they change one. */
static int niggli_step(const gram *g, double e, long t[3][3]) {
  if (g->A > g->B + e ||
      (!(fabs(g->A - g->B) > e) && fabs(g->xi) > fabs(g->eta) + e)) {
    set_transform(t, 0, -1, 0, -1, 0, 0, 0, 0, -1); /* a <-> b */
    return 1;
  }
  if (g->B > g->C + e ||
      (!(fabs(g->B - g->C) > e) && fabs(g->eta) > fabs(g->zeta) + e)) {
    set_transform(t, -1, 0, 0, 0, 0, -1, 0, -1, 0); /* b <-> c */
    return 2;
  }
  if (g->l * g->m * g->n == 1) { /* make xi, eta, zeta all positive */
    long i = g->l, j = g->m, k = g->n;
    if (i == 1 && j == 1 && k == 1) goto step5;
    set_transform(t, i, 0, 0, 0, j, 0, 0, 0, k);
    return 3;
  }
  if (!(g->l == -1 && g->m == -1 && g->n == -1)) { /* all non-positive */
    long s[3] = {1, 1, 1};
    int zero = -1, sg[3] = {g->l, g->m, g->n};
    for (int q = 0; q < 3; q++) {
      if (sg[q] == 1) s[q] = -1;
      if (sg[q] == 0) zero = q;
    }
    /* det +1: a zero parameter takes the remaining sign flip */
    if (s[0] * s[1] * s[2] == -1 && zero >= 0) s[zero] = -1;
    if (!(s[0] == 1 && s[1] == 1 && s[2] == 1)) {
      set_transform(t, s[0], 0, 0, 0, s[1], 0, 0, 0, s[2]);
      return 4;
    }
  }
step5:
  if (fabs(g->xi) > g->B + e ||
      (!(fabs(g->B - g->xi) > e) && 2 * g->eta < g->zeta - e) ||
      (!(fabs(g->B + g->xi) > e) && g->zeta < -e)) {
    long s = g->xi > 0 ? -1 : g->xi < 0 ? 1 : 0; /* c -= sign(xi) b */
    set_transform(t, 1, 0, 0, 0, 1, 0, 0, s, 1);
    return 5;
  }
  if (fabs(g->eta) > g->A + e ||
      (!(fabs(g->A - g->eta) > e) && 2 * g->xi < g->zeta - e) ||
      (!(fabs(g->A + g->eta) > e) && g->zeta < -e)) {
    long s = g->eta > 0 ? -1 : g->eta < 0 ? 1 : 0; /* c -= sign(eta) a */
    set_transform(t, 1, 0, 0, 0, 1, 0, s, 0, 1);
    return 6;
  }
  if (fabs(g->zeta) > g->A + e ||
      (!(fabs(g->A - g->zeta) > e) && 2 * g->xi < g->eta - e) ||
      (!(fabs(g->A + g->zeta) > e) && g->eta < -e)) {
    long s = g->zeta > 0 ? -1 : g->zeta < 0 ? 1 : 0; /* b -= sign(zeta) a */
    set_transform(t, 1, 0, 0, s, 1, 0, 0, 0, 1);
    return 7;
  }
  double sum = g->xi + g->eta + g->zeta + g->A + g->B;
  if (sum < -e || (!(fabs(sum) > e) && 2 * (g->A + g->eta) + g->zeta > e)) {
    set_transform(t, 1, 0, 0, 0, 1, 0, 1, 1, 1); /* c += a + b */
    return 8;
  }
  return 0;
}

static void apply_transform(const long u[3][3], const double cell[3][3],
                            double basis[3][3]) {
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++)
      basis[i][k] = u[i][0] * cell[0][k] + u[i][1] * cell[1][k] +
                    u[i][2] * cell[2][k];
}

/* Reduces basis = u · cell, updating both. Returns 0 when reduced within
 * max_steps. */
static int niggli_iterate(const double cell[3][3], double basis[3][3],
                          double eps, long u[3][3], int max_steps) {
  apply_transform(u, cell, basis);
  for (int step = 0; step < max_steps; step++) {
    gram g;
    gram_of(basis, eps, &g);
    long t[3][3], nu[3][3];
    if (!niggli_step(&g, eps, t)) return 0;
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++)
        nu[i][j] = t[i][0] * u[0][j] + t[i][1] * u[1][j] + t[i][2] * u[2][j];
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) {
        if (labs(nu[i][j]) > INT_MAX) return -1;
        u[i][j] = nu[i][j];
      }
    apply_transform(u, cell, basis);
  }
  return -1;
}

nacre_status nacre_cell_niggli(const double cell[3][3], double symprec,
                               double reduced[3][3], int m[3][3]) {
  double basis[3][3];
  long u[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  if (!(symprec >= 0) || !isfinite(nacre_mat3_det(cell)) ||
      fabs(nacre_mat3_det(cell)) < 1e-300)
    return NACRE_ERR_NUMERIC;
  /* A heavily sheared basis needs as many Niggli steps as its shear is
   * long; the size reduction removes the shear first. */
  if (niggli_iterate(cell, basis, symprec, u, 1000)) {
    memcpy(basis, cell, sizeof basis);
    size_reduce(basis, u);
    if (niggli_iterate(cell, basis, symprec, u, 1000)) return NACRE_ERR_NUMERIC;
  }
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) m[i][j] = (int)u[i][j];
  memcpy(reduced, basis, sizeof basis);
  if (nacre_mat3_det(reduced) < 0.0) {
    for (int k = 0; k < 3; k++) {
      reduced[2][k] = -reduced[2][k];
      m[2][k] = -m[2][k];
    }
  }
  return NACRE_OK;
}
