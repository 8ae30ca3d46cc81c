/* pointgroup.c — the point groups of finite objects (clusters), by their
 * Schoenflies symbol: Cartesian operations made by closing a few
 * generators, and the kinds of sites a point group offers (the subspaces
 * its operations leave fixed, one per class of conjugate subspaces) with
 * their orbit sizes. Crystal symmetry goes through spglib elsewhere in this
 * layer; a cluster has no lattice, so these groups are built here.
 *
 * Orientation: the principal axis along z, a two-fold axis (D groups) along
 * x, mirror planes of C_nv through x; the cubic groups with their two- or
 * four-fold axes along x, y, z and three-fold axes along <111>; the
 * icosahedral ones with two-fold axes along x, y, z (vertices of the
 * icosahedron at the cyclic permutations of (0, ±1, ±φ)). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/sym.h"

typedef double mat3[3][3];

static void mat_identity(mat3 m) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) m[i][j] = i == j;
}

static void mat_mul(const mat3 a, const mat3 b, mat3 out) {
  mat3 t;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      t[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
  memcpy(out, t, sizeof t);
}

static int mat_equal(const mat3 a, const mat3 b, double tol) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      if (fabs(a[i][j] - b[i][j]) > tol) return 0;
  return 1;
}

/* Rotation by angle t about the unit vector u (Rodrigues' formula). */
static void mat_rotation(const double u[3], double t, mat3 m) {
  double c = cos(t), s = sin(t), v = 1 - c;
  m[0][0] = c + u[0] * u[0] * v;
  m[0][1] = u[0] * u[1] * v - u[2] * s;
  m[0][2] = u[0] * u[2] * v + u[1] * s;
  m[1][0] = u[1] * u[0] * v + u[2] * s;
  m[1][1] = c + u[1] * u[1] * v;
  m[1][2] = u[1] * u[2] * v - u[0] * s;
  m[2][0] = u[2] * u[0] * v - u[1] * s;
  m[2][1] = u[2] * u[1] * v + u[0] * s;
  m[2][2] = c + u[2] * u[2] * v;
}

static void rot_z(int n, mat3 m) {
  const double z[3] = {0, 0, 1};
  mat_rotation(z, 2 * NACRE_PI / n, m);
}

/* The generators of a group. */
typedef struct generators {
  mat3 g[4];
  int n;
} generators;

static void add(generators *gs, const mat3 m) { memcpy(gs->g[gs->n++], m, sizeof(mat3)); }

static void add_diag(generators *gs, double a, double b, double c) {
  mat3 m = {{a, 0, 0}, {0, b, 0}, {0, 0, c}};
  add(gs, m);
}

static void add_rot_z(generators *gs, int n) {
  mat3 m;
  rot_z(n, m);
  add(gs, m);
}

/* S_n: rotation by 2π/n about z followed by the mirror z → −z. */
static void add_rotoreflection_z(generators *gs, int n) {
  mat3 m, h = {{1, 0, 0}, {0, 1, 0}, {0, 0, -1}};
  rot_z(n, m);
  mat_mul(h, m, m);
  add(gs, m);
}

static void add_c3_111(generators *gs) {
  mat3 m = {{0, 0, 1}, {1, 0, 0}, {0, 1, 0}};
  add(gs, m);
}

/* Generators from a Schoenflies symbol; 0 when it names no point group. */
static int parse_symbol(const char *s, generators *gs) {
  gs->n = 0;
  if (!strcmp(s, "C1")) return 1;
  if (!strcmp(s, "Ci")) return add_diag(gs, -1, -1, -1), 1;
  if (!strcmp(s, "Cs")) return add_diag(gs, 1, 1, -1), 1;
  int cubic = !strcmp(s, "T") || !strcmp(s, "Th") || !strcmp(s, "Td") ||
              !strcmp(s, "O") || !strcmp(s, "Oh");
  if (cubic) {
    add_c3_111(gs);
    if (s[0] == 'O') add_rot_z(gs, 4);
    else if (!strcmp(s, "Td")) add_rotoreflection_z(gs, 4);
    else add_diag(gs, -1, -1, 1);
    if (s[1] == 'h') add_diag(gs, -1, -1, -1);
    return 1;
  }
  if (!strcmp(s, "I") || !strcmp(s, "Ih")) {
    const double phi = 0.5 * (1 + sqrt(5.0)), r = sqrt(1 + phi * phi);
    const double axis[3] = {0, 1 / r, phi / r}; /* a vertex */
    mat3 c5;
    mat_rotation(axis, 2 * NACRE_PI / 5, c5);
    add(gs, c5);
    add_c3_111(gs);
    add_diag(gs, -1, -1, 1);
    if (s[1] == 'h') add_diag(gs, -1, -1, -1);
    return 1;
  }
  char family = s[0], *end;
  if (family != 'C' && family != 'D' && family != 'S') return 0;
  long n = strtol(s + 1, &end, 10);
  if (end == s + 1 || n < 2 || n > 12 || (end[0] && end[1])) return 0;
  char suffix = end[0];
  if (family == 'S') {
    if (suffix || n % 2) return 0; /* S_2 is C_i; odd S_n are C_nh */
    add_rotoreflection_z(gs, (int)n);
    return 1;
  }
  if (suffix && suffix != 'h' && suffix != 'v' && suffix != 'd') return 0;
  if (family == 'C' && suffix == 'd') return 0;
  if (family == 'D' && suffix == 'v') return 0;
  if (family == 'D' && suffix == 'd') {
    add_rotoreflection_z(gs, 2 * (int)n); /* S_2n: its square is C_n */
    add_diag(gs, 1, -1, -1);
    return 1;
  }
  add_rot_z(gs, (int)n);
  if (family == 'D') add_diag(gs, 1, -1, -1);
  if (suffix == 'h') add_diag(gs, 1, 1, -1);
  if (suffix == 'v') add_diag(gs, 1, -1, 1);
  return 1;
}

/* Every product of the generators: breadth first until nothing is new. */
static int close_group(const generators *gs, nacre_pointgroup *g) {
  mat_identity(g->rot[0]);
  g->nops = 1;
  for (int k = 0; k < g->nops; k++)
    for (int j = 0; j < gs->n; j++) {
      mat3 p;
      mat_mul(gs->g[j], g->rot[k], p);
      int seen = 0;
      for (int i = 0; i < g->nops && !seen; i++)
        seen = mat_equal(p, g->rot[i], 1e-9);
      if (seen) continue;
      if (g->nops == NACRE_POINTGROUP_MAX_OPS) return 0;
      memcpy(g->rot[g->nops++], p, sizeof p);
    }
  return 1;
}

/* ---- kinds of sites ---- */

/* Projector onto the subspace that operation R leaves fixed: the mean of
 * the powers of R over its order. */
static void fixed_projector(const mat3 r, mat3 p) {
  mat3 power, one;
  mat_identity(power);
  mat_identity(one);
  memset(p, 0, sizeof(mat3));
  int order = 0;
  do {
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) p[i][j] += power[i][j];
    mat_mul(r, power, power);
    order++;
  } while (!mat_equal(power, one, 1e-9) && order < NACRE_POINTGROUP_MAX_OPS);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) p[i][j] /= order;
}

/* Whether some operation maps subspace a onto subspace b: g a gᵀ = b. */
static int conjugate(const nacre_pointgroup *g, const mat3 a, const mat3 b) {
  for (int k = 0; k < g->nops; k++) {
    mat3 t, gt;
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) gt[i][j] = g->rot[k][j][i];
    mat_mul(g->rot[k], a, t);
    mat_mul(t, gt, t);
    if (mat_equal(t, b, 1e-9)) return 1;
  }
  return 0;
}

int nacre_pointgroup_orbit(const nacre_pointgroup *g, const double x[3],
                           double tol, double (*images)[3]) {
  int n = 0;
  for (int k = 0; k < g->nops; k++) {
    double y[3];
    for (int i = 0; i < 3; i++)
      y[i] = g->rot[k][i][0] * x[0] + g->rot[k][i][1] * x[1] +
             g->rot[k][i][2] * x[2];
    int seen = 0;
    for (int m = 0; m < n && !seen; m++) {
      double d2 = 0;
      for (int i = 0; i < 3; i++) d2 += (y[i] - images[m][i]) * (y[i] - images[m][i]);
      seen = d2 <= tol * tol;
    }
    if (!seen) memcpy(images[n++], y, sizeof y);
  }
  return n;
}

/* Site kinds: the origin, then one fixed subspace of each class of
 * operations' fixed subspaces (rotation axes, mirror planes), then the
 * general position; each with its dimension and orbit size. */
static void find_sites(nacre_pointgroup *g) {
  mat3 zero = {{0}}, one;
  mat_identity(one);
  g->nsites = 0;
  memcpy(g->site[g->nsites].projector, zero, sizeof zero);
  g->site[g->nsites].dim = 0;
  g->site[g->nsites++].orbit = 1;
  for (int k = 0; k < g->nops; k++) {
    mat3 p;
    fixed_projector(g->rot[k], p);
    double trace = p[0][0] + p[1][1] + p[2][2];
    int dim = (int)lround(trace);
    if (dim == 0 || dim == 3) continue; /* the origin, the identity */
    int dup = 0;
    for (int s = 0; s < g->nsites && !dup; s++)
      dup = g->site[s].dim == dim && conjugate(g, p, g->site[s].projector);
    if (dup || g->nsites == NACRE_POINTGROUP_MAX_SITES - 1) continue;
    memcpy(g->site[g->nsites].projector, p, sizeof p);
    g->site[g->nsites++].dim = dim;
  }
  memcpy(g->site[g->nsites].projector, one, sizeof one);
  g->site[g->nsites++].dim = 3;
  /* orbit sizes from a point in general position within each subspace */
  const double x0[3] = {0.3127, 0.5813, 0.7519};
  double(*images)[3] = malloc(sizeof(double[3]) * (size_t)g->nops);
  for (int s = 1; s < g->nsites; s++) {
    double y[3];
    const double(*p)[3] = (const double(*)[3])g->site[s].projector;
    for (int i = 0; i < 3; i++)
      y[i] = p[i][0] * x0[0] + p[i][1] * x0[1] + p[i][2] * x0[2];
    g->site[s].orbit = images ? nacre_pointgroup_orbit(g, y, 1e-6, images) : 0;
  }
  free(images);
}

nacre_status nacre_pointgroup_new(const char *symbol, nacre_pointgroup **out,
                                  nacre_error *err) {
  *out = NULL;
  generators gs;
  if (!symbol || strlen(symbol) >= sizeof((nacre_pointgroup *)0)->symbol ||
      !parse_symbol(symbol, &gs))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "point group '%s': expected a Schoenflies symbol "
                           "(C1, Ci, Cs, Cn, Cnv, Cnh, Dn, Dnh, Dnd, S2n with "
                           "n ≤ 12, T, Td, Th, O, Oh, I, Ih)",
                           symbol ? symbol : "(null)");
  nacre_pointgroup *g = calloc(1, sizeof *g);
  if (!g) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  snprintf(g->symbol, sizeof g->symbol, "%s", symbol);
  if (!close_group(&gs, g)) {
    free(g);
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "point group %s: more than %d operations", symbol,
                           NACRE_POINTGROUP_MAX_OPS);
  }
  find_sites(g);
  *out = g;
  return NACRE_OK;
}

void nacre_pointgroup_free(nacre_pointgroup *g) { free(g); }

const char *const *nacre_pointgroup_symbols(int *n) {
  static const char *const all[] = {
      "Ci",  "Cs",  "C2",  "C3",  "C4",  "C5",  "C6",  "C2v", "C3v", "C4v",
      "C5v", "C6v", "C2h", "C3h", "C4h", "C5h", "C6h", "D2",  "D3",  "D4",
      "D5",  "D6",  "D2h", "D3h", "D4h", "D5h", "D6h", "D2d", "D3d", "D4d",
      "D5d", "D6d", "S4",  "S6",  "S8",  "T",   "Th",  "Td",  "O",   "Oh",
      "I",   "Ih"};
  *n = (int)(sizeof all / sizeof all[0]);
  return all;
}

static void free_list(nacre_pointgroup **g, int n) {
  for (int k = 0; k < n; k++) nacre_pointgroup_free(g[k]);
  free(g);
}

nacre_status nacre_pointgroup_list_parse(const char *text,
                                         nacre_pointgroup ***groups, int *n,
                                         nacre_error *err) {
  if (groups) *groups = NULL;
  if (n) *n = 0;
  int nall;
  const char *const *all = nacre_pointgroup_symbols(&nall);
  char buf[512];
  if (!text || !*text || strlen(text) >= sizeof buf)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "point groups '%s': expected all or Schoenflies "
                           "symbols such as Oh,Ih,D5h",
                           text ? text : "(null)");
  if (!strcmp(text, "all")) {
    buf[0] = '\0';
    for (int k = 0; k < nall; k++)
      snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s",
               k ? "," : "", all[k]);
  } else {
    snprintf(buf, sizeof buf, "%s", text);
  }
  nacre_pointgroup **list = NULL;
  int count = 0;
  nacre_status st = NACRE_OK;
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t && !st;
       t = strtok_r(NULL, ",", &save)) {
    nacre_pointgroup *g;
    st = nacre_pointgroup_new(t, &g, err);
    if (st) break;
    if (!groups) {
      nacre_pointgroup_free(g);
      continue;
    }
    nacre_pointgroup **grown = realloc(list, sizeof *list * (size_t)(count + 1));
    if (!grown) {
      nacre_pointgroup_free(g);
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
      break;
    }
    list = grown;
    list[count++] = g;
  }
  if (st) {
    free_list(list, count);
    return st;
  }
  if (groups) {
    *groups = list;
    *n = count;
  }
  return NACRE_OK;
}
