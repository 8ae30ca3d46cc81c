/* bandpath.c — standard band paths (Setyawan & Curtarolo, Comput. Mater.
 * Sci. 49, 299 (2010)), with the labels, variants and paths as ASE uses
 * them, and paths given by labels or coordinates.
 *
 * The lattice type comes from the space group (sym): crystal system and
 * centring. The conventional cell of the standard setting, taken in the
 * input's own orientation ((a_s b_s c_s) = (a b c) P⁻¹), is brought to the
 * paper's conventions (axis order, unique axis a for monoclinic cells,
 * angles below 90°), from which the paper's primitive vectors and the
 * special points in their reciprocal basis follow. Any basis with the same
 * metric as the paper's gives the same points up to a rotation, or up to a
 * rotation and the inversion every lattice has. The points are finally
 * expressed in reduced coordinates of the unit cell's reciprocal lattice.
 * Γ is written G, Σ in BCT2 S (as ASE does). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/sym.h"
#include "phonon_internal.h"

#define MAX_POINTS 24
#define REL_EPS 1e-4 /* relative tolerance of the variant conditions */

typedef struct sc_lattice {
  char name[8];
  double prim[3][3]; /* the paper's primitive vectors (rows, Cartesian) */
  int npoints;
  char label[MAX_POINTS][4];
  double k[MAX_POINTS][3]; /* in the reciprocal basis of prim */
  const char *path;
  double recip[3][3]; /* override: reciprocal rows used for k (TRI) */
  int use_recip;
} sc_lattice;

static void add(sc_lattice *l, const char *label, double k0, double k1, double k2) {
  int n = l->npoints++;
  snprintf(l->label[n], sizeof l->label[n], "%s", label);
  l->k[n][0] = k0, l->k[n][1] = k1, l->k[n][2] = k2;
}

static double dot(const double a[3], const double b[3]) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
static double norm(const double a[3]) { return sqrt(dot(a, a)); }
static void lin(double out[3], double x, const double a[3], double y, const double b[3], double z,
                const double c[3]) {
  for (int k = 0; k < 3; k++) out[k] = x * a[k] + y * b[k] + z * c[k];
}
static void swap3(double a[3], double b[3]) {
  double t[3];
  memcpy(t, a, sizeof t), memcpy(a, b, sizeof t), memcpy(b, t, sizeof t);
}
static void sort_by_length(double v[3][3]) {
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      if (norm(v[j]) < norm(v[i])) swap3(v[i], v[j]);
}

/* ---- the paper's lattices: primitive vectors from conventional a b c ---- */

static void prim_simple(sc_lattice *l, double v[3][3]) { memcpy(l->prim, v, sizeof l->prim); }
static void prim_face(sc_lattice *l, double v[3][3]) {
  lin(l->prim[0], 0, v[0], 0.5, v[1], 0.5, v[2]);
  lin(l->prim[1], 0.5, v[0], 0, v[1], 0.5, v[2]);
  lin(l->prim[2], 0.5, v[0], 0.5, v[1], 0, v[2]);
}
static void prim_body(sc_lattice *l, double v[3][3]) {
  lin(l->prim[0], -0.5, v[0], 0.5, v[1], 0.5, v[2]);
  lin(l->prim[1], 0.5, v[0], -0.5, v[1], 0.5, v[2]);
  lin(l->prim[2], 0.5, v[0], 0.5, v[1], -0.5, v[2]);
}

static void cubic(sc_lattice *l, char centring, double v[3][3]) {
  add(l, "G", 0, 0, 0);
  if (centring == 'F') {
    snprintf(l->name, sizeof l->name, "FCC");
    prim_face(l, v);
    add(l, "K", 0.375, 0.375, 0.75), add(l, "L", 0.5, 0.5, 0.5);
    add(l, "U", 0.625, 0.25, 0.625), add(l, "W", 0.5, 0.25, 0.75);
    add(l, "X", 0.5, 0, 0.5);
    l->path = "GXWKGLUWLK,UX";
  } else if (centring == 'I') {
    snprintf(l->name, sizeof l->name, "BCC");
    prim_body(l, v);
    add(l, "H", 0.5, -0.5, 0.5), add(l, "P", 0.25, 0.25, 0.25);
    add(l, "N", 0, 0, 0.5);
    l->path = "GHNGPH,PN";
  } else {
    snprintf(l->name, sizeof l->name, "CUB");
    prim_simple(l, v);
    add(l, "M", 0.5, 0.5, 0), add(l, "R", 0.5, 0.5, 0.5), add(l, "X", 0, 0.5, 0);
    l->path = "GXMGRX,MR";
  }
}

static void tetragonal(sc_lattice *l, char centring, double v[3][3]) {
  double a = norm(v[0]), c = norm(v[2]);
  add(l, "G", 0, 0, 0);
  if (centring != 'I') {
    snprintf(l->name, sizeof l->name, "TET");
    prim_simple(l, v);
    add(l, "A", 0.5, 0.5, 0.5), add(l, "M", 0.5, 0.5, 0), add(l, "R", 0, 0.5, 0.5);
    add(l, "X", 0, 0.5, 0), add(l, "Z", 0, 0, 0.5);
    l->path = "GXMGZRAZ,XR,MA";
    return;
  }
  prim_body(l, v);
  if (c < a) {
    double eta = 0.25 * (1 + c * c / (a * a));
    snprintf(l->name, sizeof l->name, "BCT1");
    add(l, "M", -0.5, 0.5, 0.5), add(l, "N", 0, 0.5, 0), add(l, "P", 0.25, 0.25, 0.25);
    add(l, "X", 0, 0, 0.5), add(l, "Z", eta, eta, -eta), add(l, "Z1", -eta, 1 - eta, eta);
    l->path = "GXMGZPNZ1M,XP";
  } else {
    double eta = 0.25 * (1 + a * a / (c * c)), zeta = 0.5 * a * a / (c * c);
    snprintf(l->name, sizeof l->name, "BCT2");
    add(l, "N", 0, 0.5, 0), add(l, "P", 0.25, 0.25, 0.25), add(l, "S", -eta, eta, eta);
    add(l, "S1", eta, 1 - eta, -eta), add(l, "X", 0, 0, 0.5);
    add(l, "Y", -zeta, zeta, 0.5), add(l, "Y1", 0.5, 0.5, -zeta);
    add(l, "Z", 0.5, 0.5, -0.5);
    l->path = "GXYSGZS1NPY1Z,XP";
  }
}

static void orc_face(sc_lattice *l, double a, double b, double c) {
  double a2 = a * a, b2 = b * b, c2 = c * c;
  double diff = 1 / a2 - 1 / b2 - 1 / c2;
  double xminus = 0.25 * (1 + a2 / b2 - a2 / c2), xplus = 0.25 * (1 + a2 / b2 + a2 / c2);
  if (diff < -REL_EPS / a2) {
    double phi = 0.25 * (1 + c2 / b2 - c2 / a2), delta = 0.25 * (1 + b2 / a2 - b2 / c2);
    double eta = xminus;
    snprintf(l->name, sizeof l->name, "ORCF2");
    add(l, "C", 0.5, 0.5 - eta, 1 - eta), add(l, "C1", 0.5, 0.5 + eta, eta);
    add(l, "D", 0.5 - delta, 0.5, 1 - delta), add(l, "D1", 0.5 + delta, 0.5, delta);
    add(l, "L", 0.5, 0.5, 0.5), add(l, "H", 1 - phi, 0.5 - phi, 0.5);
    add(l, "H1", phi, 0.5 + phi, 0.5), add(l, "X", 0, 0.5, 0.5);
    add(l, "Y", 0.5, 0, 0.5), add(l, "Z", 0.5, 0.5, 0);
    l->path = "GYCDXGZD1HC,C1Z,XH1,HY,LG";
    return;
  }
  double zeta = xminus, eta = xplus;
  int third = fabs(diff) <= REL_EPS / a2;
  snprintf(l->name, sizeof l->name, third ? "ORCF3" : "ORCF1");
  add(l, "A", 0.5, 0.5 + zeta, zeta), add(l, "A1", 0.5, 0.5 - zeta, 1 - zeta);
  add(l, "L", 0.5, 0.5, 0.5), add(l, "T", 1, 0.5, 0.5), add(l, "X", 0, eta, eta);
  add(l, "X1", 1, 1 - eta, 1 - eta), add(l, "Y", 0.5, 0, 0.5), add(l, "Z", 0.5, 0.5, 0);
  l->path = third ? "GYTZGXA1Y,XAZ,LG" : "GYTZGXA1Y,TX1,XAZ,LG";
}

static void orc_body(sc_lattice *l, double a, double b, double c) {
  double a2 = a * a, b2 = b * b, c2 = c * c;
  double zeta = 0.25 * (1 + a2 / c2), eta = 0.25 * (1 + b2 / c2);
  double delta = 0.25 * (b2 - a2) / c2, mu = 0.25 * (a2 + b2) / c2;
  snprintf(l->name, sizeof l->name, "ORCI");
  add(l, "L", -mu, mu, 0.5 - delta), add(l, "L1", mu, -mu, 0.5 + delta);
  add(l, "L2", 0.5 - delta, 0.5 + delta, -mu), add(l, "R", 0, 0.5, 0);
  add(l, "S", 0.5, 0, 0), add(l, "T", 0, 0, 0.5), add(l, "W", 0.25, 0.25, 0.25);
  add(l, "X", -zeta, zeta, zeta), add(l, "X1", zeta, 1 - zeta, -zeta);
  add(l, "Y", eta, -eta, eta), add(l, "Y1", 1 - eta, eta, -eta);
  add(l, "Z", 0.5, 0.5, -0.5);
  l->path = "GXLTWRX1ZGYSW,L1Y,Y1Z";
}

static void orthorhombic(sc_lattice *l, char centring, double v[3][3]) {
  add(l, "G", 0, 0, 0);
  if (centring == 'C' || centring == 'A' || centring == 'B') {
    /* the centred face holds a and b (a < b); c is the other axis */
    int other = centring == 'C' ? 2 : centring == 'A' ? 0 : 1;
    double w[3][3];
    memcpy(w[2], v[other], sizeof w[2]);
    memcpy(w[0], v[(other + 1) % 3], sizeof w[0]);
    memcpy(w[1], v[(other + 2) % 3], sizeof w[1]);
    if (norm(w[1]) < norm(w[0])) swap3(w[0], w[1]);
    double a = norm(w[0]), b = norm(w[1]);
    lin(l->prim[0], 0.5, w[0], -0.5, w[1], 0, w[2]);
    lin(l->prim[1], 0.5, w[0], 0.5, w[1], 0, w[2]);
    memcpy(l->prim[2], w[2], sizeof l->prim[2]);
    double zeta = 0.25 * (1 + a * a / (b * b));
    snprintf(l->name, sizeof l->name, "ORCC");
    add(l, "A", zeta, zeta, 0.5), add(l, "A1", -zeta, 1 - zeta, 0.5);
    add(l, "R", 0, 0.5, 0.5), add(l, "S", 0, 0.5, 0), add(l, "T", -0.5, 0.5, 0.5);
    add(l, "X", zeta, zeta, 0), add(l, "X1", -zeta, 1 - zeta, 0);
    add(l, "Y", -0.5, 0.5, 0), add(l, "Z", 0, 0, 0.5);
    l->path = "GXSRAZGYX1A1TY,ZT";
    return;
  }
  sort_by_length(v);
  double a = norm(v[0]), b = norm(v[1]), c = norm(v[2]);
  if (centring == 'F') {
    prim_face(l, v);
    orc_face(l, a, b, c);
  } else if (centring == 'I') {
    prim_body(l, v);
    orc_body(l, a, b, c);
  } else {
    snprintf(l->name, sizeof l->name, "ORC");
    prim_simple(l, v);
    add(l, "R", 0.5, 0.5, 0.5), add(l, "S", 0.5, 0.5, 0), add(l, "T", 0, 0.5, 0.5);
    add(l, "U", 0.5, 0, 0.5), add(l, "X", 0.5, 0, 0), add(l, "Y", 0, 0.5, 0);
    add(l, "Z", 0, 0, 0.5);
    l->path = "GXSYGZURTZ,YT,UX,SR";
  }
}

static void hexagonal(sc_lattice *l, double v[3][3]) {
  snprintf(l->name, sizeof l->name, "HEX");
  prim_simple(l, v);
  add(l, "G", 0, 0, 0), add(l, "A", 0, 0, 0.5), add(l, "H", 1.0 / 3, 1.0 / 3, 0.5);
  add(l, "K", 1.0 / 3, 1.0 / 3, 0), add(l, "L", 0.5, 0, 0.5), add(l, "M", 0.5, 0, 0);
  l->path = "GMKGALHA,LM,KH";
}

/* Rhombohedral primitive vectors of the obverse hexagonal triple cell. */
static void rhombohedral(sc_lattice *l, double v[3][3]) {
  lin(l->prim[0], 2.0 / 3, v[0], 1.0 / 3, v[1], 1.0 / 3, v[2]);
  lin(l->prim[1], -1.0 / 3, v[0], 1.0 / 3, v[1], 1.0 / 3, v[2]);
  lin(l->prim[2], -1.0 / 3, v[0], -2.0 / 3, v[1], 1.0 / 3, v[2]);
  double cosa = dot(l->prim[0], l->prim[1]) / (norm(l->prim[0]) * norm(l->prim[1]));
  add(l, "G", 0, 0, 0);
  if (cosa > 0) {
    double eta = (1 + 4 * cosa) / (2 + 4 * cosa), nu = 0.75 - 0.5 * eta;
    snprintf(l->name, sizeof l->name, "RHL1");
    add(l, "B", eta, 0.5, 1 - eta), add(l, "B1", 0.5, 1 - eta, eta - 1);
    add(l, "F", 0.5, 0.5, 0), add(l, "L", 0.5, 0, 0), add(l, "L1", 0, 0, -0.5);
    add(l, "P", eta, nu, nu), add(l, "P1", 1 - nu, 1 - nu, 1 - eta);
    add(l, "P2", nu, nu, eta - 1), add(l, "Q", 1 - nu, nu, 0);
    add(l, "X", nu, 0, -nu), add(l, "Z", 0.5, 0.5, 0.5);
    l->path = "GLB1,BZGX,QFP1Z,LP";
  } else {
    double t = tan(0.5 * acos(cosa));
    double eta = 1 / (2 * t * t), nu = 0.75 - 0.5 * eta;
    snprintf(l->name, sizeof l->name, "RHL2");
    add(l, "F", 0.5, -0.5, 0), add(l, "L", 0.5, 0, 0), add(l, "P", 1 - nu, -nu, 1 - nu);
    add(l, "P1", nu, nu - 1, nu - 1), add(l, "Q", eta, eta, eta);
    add(l, "Q1", 1 - eta, -eta, -eta), add(l, "Z", 0.5, -0.5, 0.5);
    l->path = "GPZQGFP1Q1LZ";
  }
}

/* The plane normal to the unique axis: the shortest basis (Gauss
 * reduction) w0, w1 with |w0| ≤ |w1| and an angle below 90°. */
static void reduce_plane(double w0[3], double w1[3]) {
  for (int it = 0; it < 100; it++) {
    if (norm(w1) < norm(w0)) swap3(w0, w1);
    double m = round(dot(w0, w1) / dot(w0, w0));
    if (m == 0) break;
    for (int k = 0; k < 3; k++) w1[k] -= m * w0[k];
  }
  if (dot(w0, w1) < 0)
    for (int k = 0; k < 3; k++) w1[k] = -w1[k];
}

static void mcl_simple(sc_lattice *l, double v[3][3]) {
  /* unique axis b of the standard setting becomes a */
  double w[3][3];
  memcpy(w[0], v[1], sizeof w[0]);
  memcpy(w[1], v[0], sizeof w[1]);
  memcpy(w[2], v[2], sizeof w[2]);
  reduce_plane(w[1], w[2]);
  prim_simple(l, w);
  double b = norm(w[1]), c = norm(w[2]);
  double cosa = dot(w[1], w[2]) / (b * c), sina2 = 1 - cosa * cosa;
  double eta = (1 - b * cosa / c) / (2 * sina2), nu = 0.5 - eta * c * cosa / b;
  snprintf(l->name, sizeof l->name, "MCL");
  add(l, "G", 0, 0, 0), add(l, "A", 0.5, 0.5, 0), add(l, "C", 0, 0.5, 0.5);
  add(l, "D", 0.5, 0, 0.5), add(l, "D1", 0.5, 0, -0.5), add(l, "E", 0.5, 0.5, 0.5);
  add(l, "H", 0, eta, 1 - nu), add(l, "H1", 0, 1 - eta, nu), add(l, "H2", 0, eta, -nu);
  add(l, "M", 0.5, eta, 1 - nu), add(l, "M1", 0.5, 1 - eta, nu);
  add(l, "M2", 0.5, eta, -nu), add(l, "X", 0, 0.5, 0), add(l, "Y", 0, 0, 0.5);
  add(l, "Y1", 0, 0, -0.5), add(l, "Z", 0.5, 0, 0);
  l->path = "GYHCEM1AXH1,MDZ,YD";
}

static void mclc_points_12(sc_lattice *l, double a, double b, double c, double cosa, double sina2) {
  double zeta = (2 - b * cosa / c) / (4 * sina2), eta = 0.5 + 2 * zeta * c * cosa / b;
  double psi = 0.75 - a * a / (4 * b * b * sina2), phi = psi + (0.75 - psi) * b * cosa / c;
  add(l, "N", 0.5, 0, 0), add(l, "N1", 0, -0.5, 0);
  add(l, "F", 1 - zeta, 1 - zeta, 1 - eta), add(l, "F1", zeta, zeta, eta);
  add(l, "F2", -zeta, -zeta, 1 - eta), add(l, "F3", 1 - zeta, -zeta, 1 - eta);
  add(l, "I", phi, 1 - phi, 0.5), add(l, "I1", 1 - phi, phi - 1, 0.5);
  add(l, "L", 0.5, 0.5, 0.5), add(l, "M", 0.5, 0, 0.5);
  add(l, "X", 1 - psi, psi - 1, 0), add(l, "X1", psi, 1 - psi, 0);
  add(l, "X2", psi - 1, -psi, 0), add(l, "Y", 0.5, 0.5, 0);
  add(l, "Y1", -0.5, -0.5, 0), add(l, "Z", 0, 0, 0.5);
}

static void mclc_points_34(sc_lattice *l, double a, double b, double c, double cosa, double sina2) {
  double a2 = a * a, b2 = b * b;
  double mu = 0.25 * (1 + b2 / a2), delta = b * c * cosa / (2 * a2);
  double zeta = mu - 0.25 + (1 - b * cosa / c) / (4 * sina2);
  double eta = 0.5 + 2 * zeta * c * cosa / b, phi = 1 + zeta - 2 * mu, psi = eta - 2 * delta;
  add(l, "F", 1 - phi, 1 - phi, 1 - psi), add(l, "F1", phi, phi - 1, psi);
  add(l, "F2", 1 - phi, -phi, 1 - psi), add(l, "H", zeta, zeta, eta);
  add(l, "H1", 1 - zeta, -zeta, 1 - eta), add(l, "H2", -zeta, -zeta, 1 - eta);
  add(l, "I", 0.5, -0.5, 0.5), add(l, "M", 0.5, 0, 0.5), add(l, "N", 0.5, 0, 0);
  add(l, "N1", 0, -0.5, 0), add(l, "X", 0.5, -0.5, 0), add(l, "Y", mu, mu, delta);
  add(l, "Y1", 1 - mu, -mu, -delta), add(l, "Y2", -mu, -mu, -delta);
  add(l, "Y3", mu, mu - 1, delta), add(l, "Z", 0, 0, 0.5);
}

static void mclc_points_5(sc_lattice *l, double a, double b, double c, double cosa, double sina2) {
  double a2 = a * a, b2 = b * b;
  double zeta = 0.25 * (b2 / a2 + (1 - b * cosa / c) / sina2);
  double eta = 0.5 + 2 * zeta * c * cosa / b;
  double mu = 0.5 * eta + b2 / (4 * a2) - b * c * cosa / (2 * a2);
  double nu = 2 * mu - zeta;
  double omega = (4 * nu - 1 - b2 * sina2 / a2) * c / (2 * b * cosa);
  double delta = zeta * c * cosa / b + omega / 2 - 0.25, rho = 1 - zeta * a2 / b2;
  add(l, "F", nu, nu, omega), add(l, "F1", 1 - nu, 1 - nu, 1 - omega);
  add(l, "F2", nu, nu - 1, omega), add(l, "H", zeta, zeta, eta);
  add(l, "H1", 1 - zeta, -zeta, 1 - eta), add(l, "H2", -zeta, -zeta, 1 - eta);
  add(l, "I", rho, 1 - rho, 0.5), add(l, "I1", 1 - rho, rho - 1, 0.5);
  add(l, "L", 0.5, 0.5, 0.5), add(l, "M", 0.5, 0, 0.5), add(l, "N", 0.5, 0, 0);
  add(l, "N1", 0, -0.5, 0), add(l, "X", 0.5, -0.5, 0), add(l, "Y", mu, mu, delta);
  add(l, "Y1", 1 - mu, -mu, -delta), add(l, "Y2", -mu, -mu, -delta);
  add(l, "Y3", mu, mu - 1, delta), add(l, "Z", 0, 0, 0.5);
}

/* C-centred monoclinic: the standard setting's unique axis b becomes a,
 * its a (which shares the centred face) becomes b, and c is the shortest
 * choice ±(c + n·b) no shorter than b (the paper's b ≤ c) at an angle
 * below 90° to b. */
static void mcl_centred(sc_lattice *l, double v[3][3]) {
  double w[3][3];
  memcpy(w[0], v[1], sizeof w[0]);
  memcpy(w[1], v[0], sizeof w[1]);
  memcpy(w[2], v[2], sizeof w[2]);
  double m = round(dot(w[1], w[2]) / dot(w[1], w[1])), best[3], bestlen = INFINITY;
  for (int n = -4; n <= 4; n++) {
    double c[3];
    for (int k = 0; k < 3; k++) c[k] = w[2][k] - (m + n) * w[1][k];
    double len = norm(c);
    if (len >= norm(w[1]) * (1 - 1e-9) && len < bestlen)
      bestlen = len, memcpy(best, c, sizeof best);
  }
  if (isfinite(bestlen)) memcpy(w[2], best, sizeof best);
  if (dot(w[1], w[2]) < 0)
    for (int k = 0; k < 3; k++) w[2][k] = -w[2][k];
  lin(l->prim[0], 0.5, w[0], 0.5, w[1], 0, w[2]);
  lin(l->prim[1], -0.5, w[0], 0.5, w[1], 0, w[2]);
  memcpy(l->prim[2], w[2], sizeof l->prim[2]);
  double a = norm(w[0]), b = norm(w[1]), c = norm(w[2]);
  double cosa = dot(w[1], w[2]) / (b * c), sina2 = 1 - cosa * cosa;
  double prim[3][3], recip[3][3];
  memcpy(prim, l->prim, sizeof prim);
  nacre_cell_reciprocal(prim, recip);
  double kcos = dot(recip[0], recip[1]) / (norm(recip[0]) * norm(recip[1]));
  add(l, "G", 0, 0, 0);
  if (fabs(kcos) < REL_EPS) {
    snprintf(l->name, sizeof l->name, "MCLC2");
    mclc_points_12(l, a, b, c, cosa, sina2);
    l->path = "GYFLI,I1ZF1,NGM";
  } else if (kcos < 0) {
    snprintf(l->name, sizeof l->name, "MCLC1");
    mclc_points_12(l, a, b, c, cosa, sina2);
    l->path = "GYFLI,I1ZF1,YX1,XGN,MG";
  } else {
    double num = b * cosa / c + b * b * sina2 / (a * a);
    if (fabs(num - 1) < REL_EPS) {
      snprintf(l->name, sizeof l->name, "MCLC4");
      mclc_points_34(l, a, b, c, cosa, sina2);
      l->path = "GYFHZI,H1Y1XGN,MG";
    } else if (num < 1) {
      snprintf(l->name, sizeof l->name, "MCLC3");
      mclc_points_34(l, a, b, c, cosa, sina2);
      l->path = "GYFHZIF1,H1Y1XGN,MG";
    } else {
      snprintf(l->name, sizeof l->name, "MCLC5");
      mclc_points_5(l, a, b, c, cosa, sina2);
      l->path = "GYFLI,I1ZHF1,H1Y1XGN,MG";
    }
  }
}

static double angle_deg(const double a[3], const double b[3]) {
  return acos(fmax(-1.0, fmin(1.0, dot(a, b) / (norm(a) * norm(b))))) * 180 / NACRE_PI;
}

/* Triclinic reciprocal bases: k_γ (between k1 and k2) must be the smallest
 * angle when all are ≥ 90° and the largest when all are below (TRI1a/1b;
 * 90° exactly: TRI2a/2b). The reciprocal basis of the Niggli-reduced cell
 * is tried first, as ASE finds it, the extreme angle brought to k_γ as ASE
 * brings it (k2 k3 k1 from k_α, k1 k3 k2 from k_β); when its angles straddle 90° the Niggli-reduced
 * reciprocal lattice (all angles on one side) is used. */
static int tri_basis(const double k[3][3], double out[3][3]) {
  double ang[3] = {angle_deg(k[1], k[2]), angle_deg(k[0], k[2]), angle_deg(k[0], k[1])};
  int obtuse = ang[0] >= 90 - 1e-3 && ang[1] >= 90 - 1e-3 && ang[2] >= 90 - 1e-3;
  int acute = ang[0] <= 90 + 1e-3 && ang[1] <= 90 + 1e-3 && ang[2] <= 90 + 1e-3;
  if (!obtuse && !acute) return -1;
  int pick = 2; /* the vector opposite the extreme angle becomes k3 */
  for (int i = 0; i < 3; i++)
    if (obtuse ? ang[i] < ang[pick] - 1e-9 : ang[i] > ang[pick] + 1e-9) pick = i;
  static const int order[3][3] = {{1, 2, 0}, {0, 2, 1}, {0, 1, 2}};
  for (int i = 0; i < 3; i++) memcpy(out[i], k[order[pick][i]], sizeof out[i]);
  return obtuse;
}

static nacre_status triclinic(sc_lattice *l, double v[3][3], nacre_error *err) {
  double red[3][3], recip[3][3], rred[3][3];
  int m[3][3];
  if (nacre_cell_niggli(v, 1e-5, red, m) || nacre_cell_reciprocal(red, recip))
    return nacre_error_set(err, NACRE_ERR_NUMERIC, "band path: cannot reduce the triclinic cell");
  int obtuse = tri_basis(recip, l->recip);
  if (obtuse < 0) {
    if (nacre_cell_niggli(recip, 1e-5, rred, m))
      return nacre_error_set(err, NACRE_ERR_NUMERIC,
                             "band path: cannot reduce the reciprocal lattice");
    obtuse = tri_basis(rred, l->recip);
    if (obtuse < 0) obtuse = 1;
  }
  l->use_recip = 1;
  double kgamma = angle_deg(l->recip[0], l->recip[1]);
  int second = fabs(kgamma - 90) < 1e-3;
  snprintf(l->name, sizeof l->name, "TRI%d%c", second ? 2 : 1, obtuse ? 'a' : 'b');
  add(l, "G", 0, 0, 0);
  if (obtuse) {
    add(l, "L", 0.5, 0.5, 0), add(l, "M", 0, 0.5, 0.5), add(l, "N", 0.5, 0, 0.5);
    add(l, "R", 0.5, 0.5, 0.5), add(l, "X", 0.5, 0, 0), add(l, "Y", 0, 0.5, 0);
    add(l, "Z", 0, 0, 0.5);
  } else {
    add(l, "L", 0.5, -0.5, 0), add(l, "M", 0, 0, 0.5), add(l, "N", -0.5, -0.5, 0.5);
    add(l, "R", 0, -0.5, 0.5), add(l, "X", 0, -0.5, 0), add(l, "Y", 0.5, 0, 0);
    add(l, "Z", -0.5, 0, 0.5);
  }
  l->path = "XGY,LGZ,NGM,RG";
  return NACRE_OK;
}

/* The lattice of unit (type, primitive vectors, special points). */
static nacre_status identify(const nacre_structure *unit, double symprec, sc_lattice *l,
                             nacre_error *err) {
  memset(l, 0, sizeof *l);
  nacre_symmetry *sym;
  nacre_status st = nacre_symmetry_analyze_flags(
      unit, symprec, NACRE_SYM_SPGLIB_ORIGIN | NACRE_SYM_NO_PERMS, &sym, err);
  if (st) return nacre_error_prefix(err, "band path: ");
  double pinv[3][3], pt[3][3], conv[3][3];
  if (nacre_mat3_inverse(sym->transformation, pinv)) {
    nacre_symmetry_free(sym);
    return nacre_error_set(err, NACRE_ERR_NUMERIC, "band path: singular setting");
  }
  nacre_mat3_transpose(pinv, pt);
  nacre_mat3_mul(pt, unit->cell, conv); /* rows a_s, b_s, c_s */
  char centring = sym->international[0];
  int sg = sym->sg_number;
  nacre_symmetry_free(sym);
  if (sg >= 195)
    cubic(l, centring, conv);
  else if (sg >= 168)
    hexagonal(l, conv);
  else if (sg >= 143) {
    if (centring == 'R')
      rhombohedral(l, conv);
    else
      hexagonal(l, conv);
  } else if (sg >= 75)
    tetragonal(l, centring, conv);
  else if (sg >= 16)
    orthorhombic(l, centring, conv);
  else if (sg >= 3) {
    if (centring != 'P')
      mcl_centred(l, conv);
    else
      mcl_simple(l, conv);
  } else
    st = triclinic(l, conv, err);
  return st;
}

void nacre_band_path_free(nacre_band_path *p) {
  if (!p) return;
  free(p->point_label), free(p->point_q);
  free(p->start), free(p->end), free(p->start_label), free(p->end_label);
  free(p);
}

static nacre_band_path *path_alloc(int npoints, int nseg) {
  nacre_band_path *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  int np = npoints > 0 ? npoints : 1, ns = nseg > 0 ? nseg : 1;
  p->point_label = calloc((size_t)np, sizeof *p->point_label);
  p->point_q = calloc((size_t)np, sizeof *p->point_q);
  p->start = calloc((size_t)ns, sizeof *p->start);
  p->end = calloc((size_t)ns, sizeof *p->end);
  p->start_label = calloc((size_t)ns, sizeof *p->start_label);
  p->end_label = calloc((size_t)ns, sizeof *p->end_label);
  if (!p->point_label || !p->point_q || !p->start || !p->end || !p->start_label || !p->end_label) {
    nacre_band_path_free(p);
    return NULL;
  }
  return p;
}

/* Cartesian k of a special point → reduced coordinates of the unit cell's
 * reciprocal lattice: q_j = k_cart · a_j. */
static void to_unit(const sc_lattice *l, const double cell[3][3], const double k[3], double q[3]) {
  double recip[3][3], kc[3];
  if (l->use_recip)
    memcpy(recip, l->recip, sizeof recip);
  else
    nacre_cell_reciprocal(l->prim, recip);
  lin(kc, k[0], recip[0], k[1], recip[1], k[2], recip[2]);
  for (int j = 0; j < 3; j++) {
    q[j] = dot(kc, cell[j]);
    if (fabs(q[j]) < 1e-12) q[j] = 0;
  }
}

/* Next label of a path string: a letter and its digits ("G", "Z1", "Γ"). */
static int next_label(const char **s, char label[8]) {
  const unsigned char *p = (const unsigned char *)*s;
  if (p[0] == 0xCE && p[1] == 0x93) { /* Γ */
    snprintf(label, 8, "G");
    *s += 2;
    return 1;
  }
  if (!isalpha(*p)) return 0;
  int n = 0;
  label[n++] = (char)*p++;
  while (isdigit(*p) && n < 7) label[n++] = (char)*p++;
  label[n] = 0;
  *s = (const char *)p;
  return 1;
}

static int find_point(const nacre_band_path *p, const char *label) {
  for (int k = 0; k < p->npoints; k++)
    if (!strcmp(p->point_label[k], label)) return k;
  return -1;
}

/* Segments of a label path: consecutive labels join, ',' or '|' breaks. */
static nacre_status parse_labels(nacre_band_path *p, const char *spec, nacre_error *err) {
  int prev = -1;
  p->nsegments = 0;
  for (const char *s = spec; *s;) {
    char label[8];
    if (*s == ',' || *s == '|') {
      prev = -1;
      s++;
      continue;
    }
    if (isspace((unsigned char)*s) || *s == '-') {
      s++;
      continue;
    }
    if (!next_label(&s, label))
      return nacre_error_set(err, NACRE_ERR_INVALID, "band path '%s': unexpected '%c'", spec, *s);
    int k = find_point(p, label);
    if (k < 0) {
      char known[256] = "";
      for (int i = 0; i < p->npoints; i++)
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? " " : "",
                 p->point_label[i]);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "band path: no point '%s' in the %s lattice "
                             "(its points: %s)",
                             label, p->lattice, known);
    }
    if (prev >= 0) {
      int n = p->nsegments++;
      memcpy(p->start[n], p->point_q[prev], sizeof p->start[n]);
      memcpy(p->end[n], p->point_q[k], sizeof p->end[n]);
      memcpy(p->start_label[n], p->point_label[prev], sizeof p->start_label[n]);
      memcpy(p->end_label[n], p->point_label[k], sizeof p->end_label[n]);
    }
    prev = k;
  }
  if (!p->nsegments)
    return nacre_error_set(err, NACRE_ERR_INVALID, "band path '%s' has no segment", spec);
  return NACRE_OK;
}

/* Segments of a coordinate path "x y z; x y z | x y z; x y z". */
static nacre_status parse_coordinates(nacre_band_path *p, const char *spec, nacre_error *err) {
  double prev[3];
  int have = 0;
  p->nsegments = 0;
  const char *s = spec;
  while (*s) {
    while (isspace((unsigned char)*s) || *s == ';') s++;
    if (*s == '|' || *s == ',') {
      have = 0;
      s++;
      continue;
    }
    if (!*s) break;
    double q[3];
    for (int c = 0; c < 3; c++) {
      char *end;
      q[c] = strtod(s, &end);
      if (end == s || !isfinite(q[c]))
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "band path '%s': expected three numbers per "
                               "point (points separated by ';', breaks by "
                               "'|')",
                               spec);
      s = end;
    }
    if (have) {
      int n = p->nsegments++;
      memcpy(p->start[n], prev, sizeof prev);
      memcpy(p->end[n], q, sizeof q);
    }
    memcpy(prev, q, sizeof prev);
    have = 1;
  }
  if (!p->nsegments)
    return nacre_error_set(err, NACRE_ERR_INVALID, "band path '%s' has no segment", spec);
  return NACRE_OK;
}

nacre_status nacre_band_path_new(const nacre_structure *unit, double symprec, const char *spec,
                                 nacre_band_path **out, nacre_error *err) {
  *out = NULL;
  if (!spec || !*spec) spec = "auto";
  const char *first = spec;
  while (isspace((unsigned char)*first)) first++;
  int coords = isdigit((unsigned char)*first) || *first == '-' || *first == '+' || *first == '.';
  size_t maxseg = strlen(spec) + 1;
  sc_lattice l;
  nacre_status st = coords ? NACRE_OK : identify(unit, symprec, &l, err);
  if (st) return st;
  nacre_band_path *p = path_alloc(coords ? 0 : l.npoints, (int)(maxseg + 32));
  if (!p) return nacre_error_set(err, NACRE_ERR_NOMEM, "band path");
  if (coords) {
    st = parse_coordinates(p, spec, err);
  } else {
    snprintf(p->lattice, sizeof p->lattice, "%s", l.name);
    snprintf(p->standard_path, sizeof p->standard_path, "%s", l.path);
    p->npoints = l.npoints;
    for (int k = 0; k < l.npoints; k++) {
      memcpy(p->point_label[k], l.label[k], sizeof l.label[k]);
      to_unit(&l, unit->cell, l.k[k], p->point_q[k]);
    }
    st = parse_labels(p, strcmp(spec, "auto") ? spec : l.path, err);
  }
  if (st) {
    nacre_band_path_free(p);
    return st;
  }
  *out = p;
  return NACRE_OK;
}
