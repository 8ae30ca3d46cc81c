/* symops.c — heredity and mutation that keep symmetry (crystals): a child
 * is made of whole orbits of a group H of space-group operations its
 * parents share, so it has H's symmetry by construction instead of the
 * P1 of an atom-by-atom cut. See operators.h.
 *
 * Groups are lists of operations x' = R x + t in the fractional
 * coordinates of one parent's cell, as spglib finds them (centring and
 * supercell translations included). A subgroup is kept as a mask over its
 * parent group, closed under composition. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operators.h"

typedef struct op_group {
  int n;
  int (*rot)[3][3];
  double (*trans)[3];
} op_group;

/* One orbit of H: npts fractional points of one element. */
typedef struct orbit {
  int z, npts;
  double *pts;   /* 3·npts, into the orbit table's point pool */
  double score;  /* share of the points on their parent's side of the cut */
} orbit;

static double bond_scale(const nacre_structure *s,
                         const nacre_random_options *o) {
  double d = INFINITY;
  for (int i = 0; i < s->natoms; i++)
    d = fmin(d, nacre_random_min_distance(o, s->numbers[i], s->numbers[i]));
  return isfinite(d) ? d / 0.7 : 1.0; /* ≈ a bond length, as operators.c */
}

static void apply_op(const op_group *g, int k, const double x[3],
                     double y[3]) {
  for (int i = 0; i < 3; i++)
    y[i] = g->rot[k][i][0] * x[0] + g->rot[k][i][1] * x[1] +
           g->rot[k][i][2] * x[2] + g->trans[k][i];
}

/* Cartesian distance between fractional points of `cell`, shortest image. */
static double frac_distance(const double cell[3][3], const double a[3],
                            const double b[3]) {
  double f[3], d[3];
  const int pbc[3] = {1, 1, 1};
  for (int k = 0; k < 3; k++) f[k] = b[k] - a[k] - floor(b[k] - a[k] + 0.5);
  nacre_cell_frac_to_cart(cell, f, d);
  nacre_cell_minimum_image(cell, pbc, d);
  return sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
}

static void group_free(op_group *g) {
  free(g->rot);
  free(g->trans);
  g->rot = NULL;
  g->trans = NULL;
  g->n = 0;
}

/* The operations of s at tolerance symprec, in *special (may be NULL) an
 * atom on the site of smallest multiplicity, and in *keep (may be NULL)
 * the analysis itself (free with nacre_symmetry_free). */
static nacre_status group_of(const nacre_structure *s, double symprec,
                             op_group *g, int *special,
                             nacre_symmetry **keep, nacre_error *err) {
  nacre_symmetry *sym;
  nacre_status st = nacre_symmetry_analyze_flags(
      s, symprec, NACRE_SYM_SPGLIB_ORIGIN | NACRE_SYM_NO_PERMS, &sym, err);
  if (st) return st;
  /* group_close composes every pair: a supercell's thousands of operations
   * (cubic, 48 per primitive cell) would take longer than its relaxation */
  if (sym->nops > NACRE_SG_MAX_OPS) {
    int n = sym->nops;
    nacre_symmetry_free(sym);
    return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED,
                           "%d operations in the cell (at most %d: a "
                           "supercell of a smaller cell)",
                           n, NACRE_SG_MAX_OPS);
  }
  g->n = sym->nops;
  g->rot = malloc(sizeof *g->rot * (size_t)g->n);
  g->trans = malloc(sizeof *g->trans * (size_t)g->n);
  if (!g->rot || !g->trans) {
    nacre_symmetry_free(sym);
    group_free(g);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  memcpy(g->rot, sym->rot, sizeof *g->rot * (size_t)g->n);
  memcpy(g->trans, sym->trans, sizeof *g->trans * (size_t)g->n);
  if (special) {
    *special = 0;
    for (int i = 1; i < s->natoms; i++)
      if (sym->multiplicity[i] < sym->multiplicity[*special]) *special = i;
  }
  if (keep)
    *keep = sym;
  else
    nacre_symmetry_free(sym);
  return NACRE_OK;
}

/* Index of the operation of g equal to (R, t) modulo lattice translations;
 * -1 if none. */
static int group_find(const op_group *g, const int r[3][3],
                      const double t[3]) {
  for (int k = 0; k < g->n; k++) {
    if (memcmp(g->rot[k], r, sizeof g->rot[k])) continue;
    int same = 1;
    for (int i = 0; i < 3 && same; i++) {
      double d = t[i] - g->trans[k][i];
      same = fabs(d - nearbyint(d)) < 1e-3;
    }
    if (same) return k;
  }
  return -1;
}

/* Closes the mask under composition (the operations of g form a group, so
 * every product is one of them). */
static void group_close(const op_group *g, char *mask) {
  for (int changed = 1; changed;) {
    changed = 0;
    for (int a = 0; a < g->n; a++)
      for (int b = 0; a < g->n && mask[a] && b < g->n; b++) {
        if (!mask[b]) continue;
        int r[3][3];
        double t[3];
        for (int i = 0; i < 3; i++) {
          t[i] = g->trans[a][i];
          for (int j = 0; j < 3; j++) {
            r[i][j] = 0;
            for (int k = 0; k < 3; k++) r[i][j] += g->rot[a][i][k] * g->rot[b][k][j];
            t[i] += g->rot[a][i][j] * g->trans[b][j];
          }
        }
        int k = group_find(g, r, t);
        if (k >= 0 && !mask[k]) mask[k] = changed = 1;
      }
  }
}

/* The operations of H that are not lattice translations: 1 = P1. */
static int point_order(const op_group *g, const char *mask) {
  int n = 0;
  static const int id[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  int ntrans = 0;
  for (int k = 0; k < g->n; k++)
    if (!mask || mask[k]) {
      n++;
      ntrans += !memcmp(g->rot[k], id, sizeof id);
    }
  return ntrans ? n / ntrans : n;
}

/* Cartesian form C = Aᵀ R A⁻ᵀ of operation k (cell rows A). */
static void cart_rotation(const op_group *g, int k, const double cell[3][3],
                          double c[3][3]) {
  double at[3][3], ait[3][3], inv[3][3], m[3][3], r[3][3];
  nacre_mat3_transpose(cell, at);
  nacre_mat3_inverse(cell, inv);
  nacre_mat3_transpose(inv, ait);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) r[i][j] = g->rot[k][i][j];
  nacre_mat3_mul(at, r, m);
  nacre_mat3_mul(m, ait, c);
}

/* ------------------------------------------------------------------ */
/* Orbits                                                                */
/* ------------------------------------------------------------------ */

/* x moved onto the fixed points of its approximate site-symmetry group:
 * the mean of the images g x within tol (Å) of x, each taken at its image
 * nearest x. */
static void project_to_site(const op_group *g, const char *mask,
                            const double cell[3][3], double tol,
                            double x[3]) {
  double sum[3] = {0, 0, 0};
  int n = 0;
  for (int k = 0; k < g->n; k++) {
    if (mask && !mask[k]) continue;
    double y[3];
    apply_op(g, k, x, y);
    if (frac_distance(cell, x, y) >= tol) continue;
    for (int i = 0; i < 3; i++) sum[i] += y[i] - nearbyint(y[i] - x[i]);
    n++;
  }
  if (n)
    for (int i = 0; i < 3; i++) x[i] = sum[i] / n - floor(sum[i] / n);
}

/* The distinct images of x under H into pts (room for g->n points),
 * wrapped into [0, 1); returns their number. */
static int orbit_points(const op_group *g, const char *mask,
                        const double cell[3][3], double merge,
                        const double x[3], double *pts) {
  int n = 0;
  for (int k = 0; k < g->n; k++) {
    if (mask && !mask[k]) continue;
    double y[3];
    apply_op(g, k, x, y);
    for (int i = 0; i < 3; i++) y[i] -= floor(y[i]);
    int seen = 0;
    for (int p = 0; p < n && !seen; p++)
      seen = frac_distance(cell, pts + 3 * p, y) < merge;
    if (!seen) memcpy(pts + 3 * n++, y, sizeof y);
  }
  return n;
}

typedef struct orbit_table {
  int n, cap_pts, used_pts;
  orbit *o;
  double *pool;
} orbit_table;

/* Splits the atoms (fractional frac, elements z) into orbits of H: each
 * atom not yet covered is projected onto its site and its orbit generated;
 * atoms within tol of a point of it count as covered. The orbits are
 * exact whether or not the atoms were symmetric. */
static nacre_status add_orbits(const op_group *g, const char *mask,
                               const double cell[3][3], const int *z,
                               const double *frac, int natoms, double tol,
                               orbit_table *t, nacre_error *err) {
  char *covered = calloc((size_t)natoms, 1);
  if (!covered) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (int i = 0; i < natoms; i++) {
    if (covered[i]) continue;
    if (t->used_pts + g->n > t->cap_pts) {
      free(covered);
      return nacre_error_set(err, NACRE_ERR_NOMEM, "orbit table full");
    }
    double x[3];
    memcpy(x, frac + 3 * i, sizeof x);
    project_to_site(g, mask, cell, tol, x);
    orbit *o = &t->o[t->n++];
    o->z = z[i];
    o->pts = t->pool + 3 * t->used_pts;
    o->npts = orbit_points(g, mask, cell, 1e-3 * tol, x, o->pts);
    o->score = 0;
    t->used_pts += o->npts;
    for (int j = i; j < natoms; j++)
      for (int p = 0; p < o->npts && !covered[j]; p++)
        covered[j] = z[j] == z[i] &&
                     frac_distance(cell, frac + 3 * j, o->pts + 3 * p) < tol;
  }
  free(covered);
  return NACRE_OK;
}

/* ------------------------------------------------------------------ */
/* Heredity                                                              */
/* ------------------------------------------------------------------ */

/* Whether operation k of g carries the atoms of b (fractional fb, plus
 * shift) onto atoms of the same element within tol (Å, in b's cell). */
static int op_keeps(const op_group *g, int k, const nacre_structure *b,
                    const double *fb, const double shift[3], double tol) {
  for (int i = 0; i < b->natoms; i++) {
    double x[3], y[3];
    for (int c = 0; c < 3; c++) x[c] = fb[3 * i + c] + shift[c];
    apply_op(g, k, x, y);
    int found = 0;
    for (int j = 0; j < b->natoms && !found; j++) {
      if (b->numbers[j] != b->numbers[i]) continue;
      double xj[3];
      for (int c = 0; c < 3; c++) xj[c] = fb[3 * j + c] + shift[c];
      found = frac_distance(b->cell, xj, y) < tol;
    }
    if (!found) return 0;
  }
  return 1;
}

/* The operations of a's group g that also keep b once b is shifted by
 * *shift: tries no shift and the shifts that put an atom of b on atom
 * `special` of a (one on its most special site), and keeps the one that
 * leaves the largest group. mask gets it, closed under composition. */
static int common_subgroup(const op_group *g, const nacre_structure *a,
                           int special, const double *fa,
                           const nacre_structure *b,
                           const double *fb, double tol, nacre_rng *rng,
                           char *mask, double shift[3]) {
  int best = -1;
  char *m = malloc((size_t)g->n);
  if (!m) return 0;
  int ncand = 1 + b->natoms;
  int start = nacre_rng_int(rng, ncand); /* ties: no preference for atom 0 */
  for (int q = 0; q < ncand; q++) {
    int c = (start + q) % ncand;
    double s[3] = {0, 0, 0};
    if (c > 0) {
      int j = c - 1;
      if (b->numbers[j] != a->numbers[special]) continue;
      for (int k = 0; k < 3; k++) s[k] = fa[3 * special + k] - fb[3 * j + k];
    }
    int n = 0;
    for (int k = 0; k < g->n; k++) n += m[k] = (char)op_keeps(g, k, b, fb, s, tol);
    if (n > best) {
      best = n;
      memcpy(mask, m, (size_t)g->n);
      memcpy(shift, s, sizeof s);
    }
  }
  free(m);
  group_close(g, mask);
  return best;
}

/* Fractional metric G = A Aᵀ of a cell. */
static void metric(const double cell[3][3], double gm[3][3]) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      gm[i][j] = cell[i][0] * cell[j][0] + cell[i][1] * cell[j][1] +
                 cell[i][2] * cell[j][2];
}

/* A cell whose metric is the average over H of Rᵀ G R (x' = R x keeps
 * lengths: Rᵀ G R = G), so the child's lattice has H's constraints. */
static nacre_status symmetric_cell(const op_group *g, const char *mask,
                                   const double gm[3][3], double cell[3][3]) {
  double s[3][3] = {{0}};
  int n = 0;
  for (int k = 0; k < g->n; k++) {
    if (!mask[k]) continue;
    n++;
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++)
        for (int p = 0; p < 3; p++)
          for (int q = 0; q < 3; q++)
            s[i][j] += g->rot[k][p][i] * gm[p][q] * g->rot[k][q][j];
  }
  double abc[3], ang[3];
  for (int i = 0; i < 3; i++) abc[i] = sqrt(s[i][i] / n);
  ang[0] = acos(s[1][2] / n / (abc[1] * abc[2])) * 180 / NACRE_PI;
  ang[1] = acos(s[0][2] / n / (abc[0] * abc[2])) * 180 / NACRE_PI;
  ang[2] = acos(s[0][1] / n / (abc[0] * abc[1])) * 180 / NACRE_PI;
  return nacre_cell_from_lengths_angles(abc, ang, cell);
}

static int by_score(const void *pa, const void *pb) {
  const orbit *a = pa, *b = pb;
  return (a->score < b->score) - (a->score > b->score);
}

/* Whether the points of o keep factor·d_min from each other and from the
 * first m atoms of child. */
static int orbit_fits(const orbit *o, const nacre_structure *child,
                      const double *frac, int m,
                      const nacre_random_options *opt, double factor) {
  double dself = factor * nacre_random_min_distance(opt, o->z, o->z);
  for (int p = 0; p < o->npts; p++) {
    for (int q = p + 1; q < o->npts; q++)
      if (frac_distance(child->cell, o->pts + 3 * p, o->pts + 3 * q) < dself)
        return 0;
    for (int j = 0; j < m; j++) {
      double d = factor * nacre_random_min_distance(opt, o->z, child->numbers[j]);
      if (frac_distance(child->cell, o->pts + 3 * p, frac + 3 * j) < d) return 0;
    }
  }
  return 1;
}

/* Fills child (cell set) with whole orbits, best score first, as long as
 * they fit the composition and the distances; 1 when the composition is
 * met exactly. */
static int splice_orbits(orbit_table *t, const nacre_composition *comp,
                         const nacre_random_options *o,
                         nacre_structure *child, double *frac) {
  qsort(t->o, (size_t)t->n, sizeof *t->o, by_score);
  int have[NACRE_MAX_SPECIES] = {0}, m = 0;
  for (int k = 0; k < t->n; k++) {
    int s;
    for (s = 0; s < comp->nspecies && comp->z[s] != t->o[k].z; s++) {
    }
    if (s == comp->nspecies || have[s] + t->o[k].npts > comp->count[s] ||
        !orbit_fits(&t->o[k], child, frac, m, o, 0.75))
      continue;
    for (int p = 0; p < t->o[k].npts; p++, m++) {
      child->numbers[m] = t->o[k].z;
      memcpy(frac + 3 * m, t->o[k].pts + 3 * p, sizeof(double) * 3);
    }
    have[s] += t->o[k].npts;
  }
  for (int s = 0; s < comp->nspecies; s++)
    if (have[s] != comp->count[s]) return 0;
  return 1;
}

/* Share of the points of o with (x_axis − c) mod 1 below f (side 0) or
 * at or above it (side 1). */
static double side_share(const orbit *o, int axis, double c, double f,
                         int side) {
  int n = 0;
  for (int p = 0; p < o->npts; p++) {
    double x = o->pts[3 * p + axis] - c;
    x -= floor(x);
    n += (x < f) == !side;
  }
  return (double)n / o->npts;
}

/* Labels a child by its space group (spglib at the run's tolerance). */
static void name_child(const nacre_structure *s, double symprec,
                       const char *what, char *op) {
  int number = 0;
  nacre_error tmp;
  if (nacre_symmetry_identify(s, symprec, &number, NULL, NULL, &tmp))
    number = 0;
  snprintf(op, 24, "%s:%d", what, number);
}

nacre_status op_sym_heredity(const nacre_structure *pa,
                             const nacre_structure *pb,
                             const nacre_composition *comp,
                             const nacre_random_options *o, double symprec,
                             nacre_rng *rng, nacre_structure **out, char *op,
                             nacre_error *err) {
  *out = NULL;
  int n = pa->natoms;
  if (pb->natoms != n)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "heredity: parents of %d and %d atoms", n,
                           pb->natoms);
  /* The parents need not be exactly symmetric: their orbits are
   * generated in full from representatives projected onto their sites. */
  const nacre_structure *a = pa, *b = pb;
  nacre_structure *child = NULL;
  op_group g = {0, NULL, NULL};
  orbit_table t = {0, 0, 0, NULL, NULL};
  double *fa = NULL, *fb = NULL, *frac = NULL;
  char *mask = NULL;
  int special = 0;
  nacre_status st;
  if ((st = group_of(a, symprec, &g, &special, NULL, err))) goto done;
  fa = malloc(sizeof(double) * 3 * (size_t)n);
  fb = malloc(sizeof(double) * 3 * (size_t)n);
  frac = malloc(sizeof(double) * 3 * (size_t)n);
  mask = calloc((size_t)g.n, 1);
  t.cap_pts = 2 * n * g.n;
  t.o = malloc(sizeof *t.o * 2 * (size_t)n);
  t.pool = malloc(sizeof(double) * 3 * (size_t)t.cap_pts);
  child = nacre_structure_new(n, err);
  if (!fa || !fb || !frac || !mask || !t.o || !t.pool || !child) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  nacre_structure_get_frac(a, fa, NULL);
  nacre_structure_get_frac(b, fb, NULL);
  double d = bond_scale(a, o), tol = 0.1 * d, shift[3] = {0, 0, 0};
  common_subgroup(&g, a, special, fa, b, fb, tol, rng, mask, shift);
  if (point_order(&g, mask) < 2) {
    st = nacre_error_set(err, NACRE_ERR_NOT_CONVERGED,
                         "symmetric heredity: the parents share no symmetry");
    goto done;
  }
  for (int i = 0; i < n; i++)
    for (int k = 0; k < 3; k++) fb[3 * i + k] += shift[k];
  /* the child's lattice: a's and b's metrics mixed in the share f of a's
   * orbits, made H-symmetric, at the mixed volume */
  double f = 0.3 + 0.4 * nacre_rng_uniform(rng), c = nacre_rng_uniform(rng);
  int axis = nacre_rng_int(rng, 3);
  double ga[3][3], gb[3][3], gm[3][3], cell[3][3];
  metric(a->cell, ga);
  metric(b->cell, gb);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) gm[i][j] = f * ga[i][j] + (1 - f) * gb[i][j];
  if (symmetric_cell(&g, mask, gm, cell) || !(nacre_cell_volume(cell) > 0))
    memcpy(cell, a->cell, sizeof cell);
  double v = f * fabs(nacre_structure_volume(a)) +
             (1 - f) * fabs(nacre_structure_volume(b));
  double sc = cbrt(v / fabs(nacre_cell_volume(cell)));
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) child->cell[i][j] = cell[i][j] * sc;
  /* a's orbits score by their share in [c, c+f) along the axis, b's by
   * theirs in the rest; a little noise breaks ties */
  if ((st = add_orbits(&g, mask, a->cell, a->numbers, fa, n, tol, &t, err)))
    goto done;
  int na = t.n;
  if ((st = add_orbits(&g, mask, b->cell, b->numbers, fb, n, tol, &t, err)))
    goto done;
  for (int k = 0; k < t.n; k++)
    t.o[k].score = side_share(&t.o[k], axis, c, f, k >= na) +
                   1e-3 * nacre_rng_uniform(rng);
  if (!splice_orbits(&t, comp, o, child, frac)) {
    st = nacre_error_set(err, NACRE_ERR_NOT_CONVERGED,
                         "symmetric heredity: no set of whole orbits has the "
                         "composition");
    goto done;
  }
  nacre_structure_set_frac(child, frac);
  name_child(child, symprec, "sym-heredity", op);
  *out = child;
  child = NULL;
done:
  nacre_structure_free(child);
  group_free(&g);
  free(fa), free(fb), free(frac), free(mask), free(t.o), free(t.pool);
  return st;
}

/* ------------------------------------------------------------------ */
/* Mutation                                                              */
/* ------------------------------------------------------------------ */

/* The operations of g that keep the line of a random rotation axis of g
 * (each one's image of the axis is ±itself): a subgroup, e.g. R-3m of
 * Fm-3m along a three-fold axis. 0 when g has no rotation axis. */
static int axial_subgroup(const op_group *g, const double cell[3][3],
                          nacre_rng *rng, char *mask) {
  int nc = 0;
  double (*axes)[3] = malloc(sizeof *axes * (size_t)g->n);
  if (!axes) return 0;
  for (int k = 0; k < g->n; k++) {
    double r[3][3], det = 0;
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) r[i][j] = g->rot[k][i][j];
    det = nacre_mat3_det(r);
    /* the axis of the proper part det·R: the null space of det·R − I,
     * normal to two independent rows */
    double m[3][3], u[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) m[i][j] = det * r[i][j] - (i == j);
    for (int p = 0; p < 3 && !(u[0] || u[1] || u[2]); p++) {
      int q = (p + 1) % 3;
      u[0] = m[p][1] * m[q][2] - m[p][2] * m[q][1];
      u[1] = m[p][2] * m[q][0] - m[p][0] * m[q][2];
      u[2] = m[p][0] * m[q][1] - m[p][1] * m[q][0];
    }
    if (!(u[0] || u[1] || u[2])) continue; /* identity, inversion */
    double x[3] = {0, 0, 0};
    for (int j = 0; j < 3; j++)
      for (int i = 0; i < 3; i++) x[j] += u[i] * cell[i][j];
    double len = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
    for (int j = 0; j < 3; j++) axes[nc][j] = x[j] / len;
    nc++;
  }
  if (!nc) {
    free(axes);
    return 0;
  }
  double ax[3];
  memcpy(ax, axes[nacre_rng_int(rng, nc)], sizeof ax);
  free(axes);
  for (int k = 0; k < g->n; k++) {
    double c[3][3], y[3];
    cart_rotation(g, k, cell, c);
    for (int i = 0; i < 3; i++)
      y[i] = c[i][0] * ax[0] + c[i][1] * ax[1] + c[i][2] * ax[2];
    double dot = y[0] * ax[0] + y[1] * ax[1] + y[2] * ax[2];
    mask[k] = fabs(fabs(dot) - 1) < 1e-6;
  }
  group_close(g, mask);
  return 1;
}

/* v (3 per atom, Cartesian) averaged over H: v'(g i) = Σ C_g v(i) / |H|,
 * with map[k·n + i] the atom operation k carries atom i onto. */
static void average_vectors(const op_group *g, const char *mask,
                            const double cell[3][3], const int *map, int n,
                            double *v, double *tmp) {
  memset(tmp, 0, sizeof(double) * 3 * (size_t)n);
  int nh = 0;
  for (int k = 0; k < g->n; k++) {
    if (!mask[k]) continue;
    nh++;
    double c[3][3];
    cart_rotation(g, k, cell, c);
    for (int i = 0; i < n; i++) {
      int j = map[(size_t)k * n + i];
      for (int a = 0; a < 3; a++)
        tmp[3 * j + a] += c[a][0] * v[3 * i] + c[a][1] * v[3 * i + 1] +
                          c[a][2] * v[3 * i + 2];
    }
  }
  for (int i = 0; i < 3 * n; i++) v[i] = tmp[i] / nh;
}

/* A symmetric strain e ← Σ C e Cᵀ / |H|: it keeps the lattice's H. */
static void average_strain(const op_group *g, const char *mask,
                           const double cell[3][3], double e[3][3]) {
  double s[3][3] = {{0}};
  int nh = 0;
  for (int k = 0; k < g->n; k++) {
    if (!mask[k]) continue;
    nh++;
    double c[3][3];
    cart_rotation(g, k, cell, c);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++)
        for (int p = 0; p < 3; p++)
          for (int q = 0; q < 3; q++) s[i][j] += c[i][p] * e[p][q] * c[j][q];
  }
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) e[i][j] = s[i][j] / nh;
}

static double closest_ratio(const nacre_structure *s,
                            const nacre_random_options *o) {
  double q = INFINITY;
  const int pbc[3] = {1, 1, 1};
  for (int i = 0; i < s->natoms; i++)
    for (int j = i + 1; j < s->natoms; j++) {
      double d[3];
      for (int k = 0; k < 3; k++)
        d[k] = s->positions[3 * j + k] - s->positions[3 * i + k];
      nacre_cell_minimum_image(s->cell, pbc, d);
      q = fmin(q, sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) /
                      nacre_random_min_distance(o, s->numbers[i],
                                                s->numbers[j]));
    }
  return q;
}

/* s (exactly symmetric under the masked operations, positions and cell
 * as x0 and cell0) displaced by amp·v and strained by amp·e. */
static void displace(nacre_structure *s, const double *x0,
                     const double cell0[3][3], const double *v,
                     const double e[3][3], double amp) {
  int n = s->natoms;
  double *frac = malloc(sizeof(double) * 3 * (size_t)n);
  if (!frac) return;
  memcpy(s->positions, x0, sizeof(double) * 3 * (size_t)n);
  memcpy(s->cell, cell0, sizeof s->cell);
  for (int i = 0; i < 3 * n; i++) s->positions[i] += amp * v[i];
  nacre_structure_get_frac(s, frac, NULL);
  double v0 = fabs(nacre_cell_volume(cell0));
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      s->cell[i][j] = cell0[i][j];
      for (int k = 0; k < 3; k++) s->cell[i][j] += amp * cell0[i][k] * e[k][j];
    }
  /* the volume is the relaxation's to find: keep the parent's */
  double sc = cbrt(v0 / fabs(nacre_cell_volume(s->cell)));
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) s->cell[i][j] *= sc;
  for (int i = 0; i < 3 * n; i++) frac[i] -= floor(frac[i]);
  nacre_structure_set_frac(s, frac);
  free(frac);
}

/* s made exactly symmetric under the masked operations (a relaxed minimum
 * is only so to the relaxation's tolerance): each atom the mean of its
 * images, f'(g i) = Σ (R f(i) + t) / |H| taken at the image nearest the
 * atom, and the metric averaged over H (symmetric_cell). frac: room for
 * 3·natoms. */
static nacre_status make_symmetric(const op_group *g, const char *mask,
                                   const int *map, nacre_structure *s,
                                   double *frac, nacre_error *err) {
  int n = s->natoms, nh = 0;
  double *sum = calloc((size_t)(3 * n), sizeof *sum), gm[3][3], cell[3][3];
  if (!sum) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  nacre_structure_get_frac(s, frac, NULL);
  for (int k = 0; k < g->n; k++) {
    if (!mask[k]) continue;
    nh++;
    for (int i = 0; i < n; i++) {
      int j = map[(size_t)k * n + i];
      double y[3];
      apply_op(g, k, frac + 3 * i, y);
      for (int c = 0; c < 3; c++)
        sum[3 * j + c] += y[c] - nearbyint(y[c] - frac[3 * j + c]);
    }
  }
  for (int i = 0; i < 3 * n; i++) frac[i] = sum[i] / nh - floor(sum[i] / nh);
  free(sum);
  double v = fabs(nacre_cell_volume(s->cell));
  metric(s->cell, gm);
  if (symmetric_cell(g, mask, gm, cell) || !(nacre_cell_volume(cell) > 0))
    return nacre_error_set(err, NACRE_ERR_NUMERIC, "symmetric cell failed");
  double sc = cbrt(v / fabs(nacre_cell_volume(cell)));
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) s->cell[i][j] = cell[i][j] * sc;
  nacre_structure_set_frac(s, frac);
  return NACRE_OK;
}

nacre_status op_sym_mutate(const nacre_structure *pa,
                           const nacre_random_options *o, double symprec,
                           int subgroup, nacre_rng *rng,
                           nacre_structure **out, char *op,
                           nacre_error *err) {
  *out = NULL;
  nacre_structure *s = NULL;
  op_group g = {0, NULL, NULL};
  nacre_symmetry *sym = NULL;
  int n = pa->natoms, *map = NULL;
  double *v = NULL, *tmp = NULL, *x0 = NULL;
  char *mask = NULL;
  nacre_status st;
  if (!(s = nacre_structure_copy(pa, err))) return NACRE_ERR_NOMEM;
  if ((st = group_of(s, symprec, &g, NULL, &sym, err))) goto done;
  map = malloc(sizeof(int) * (size_t)n * (size_t)g.n);
  v = malloc(sizeof(double) * 3 * (size_t)n);
  tmp = malloc(sizeof(double) * 3 * (size_t)n);
  x0 = malloc(sizeof(double) * 3 * (size_t)n);
  mask = malloc((size_t)g.n);
  if (!map || !v || !tmp || !x0 || !mask) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  if ((st = nacre_symmetry_atom_map(sym, s, map, err))) goto done;
  memset(mask, 1, (size_t)g.n);
  if ((st = make_symmetric(&g, mask, map, s, x0, err))) goto done;
  if (subgroup < 0) subgroup = nacre_rng_uniform(rng) < 0.5;
  memset(mask, 1, (size_t)g.n);
  if (subgroup && !axial_subgroup(&g, s->cell, rng, mask))
    memset(mask, 1, (size_t)g.n);
  if (point_order(&g, mask) < 2) {
    st = nacre_error_set(err, NACRE_ERR_NOT_CONVERGED,
                         "symmetric mutation: the parent has no symmetry");
    goto done;
  }
  /* displacements of the orbit representatives within their sites, and a
   * strain within the group's metric; both drawn like op_mutate's */
  double d = bond_scale(s, o), e[3][3], rms = 0;
  for (int i = 0; i < 3; i++)
    for (int j = i; j < 3; j++) e[i][j] = e[j][i] = 0.12 * nacre_rng_normal(rng);
  average_strain(&g, mask, s->cell, e);
  for (int i = 0; i < 3 * n; i++) v[i] = nacre_rng_normal(rng);
  average_vectors(&g, mask, s->cell, map, n, v, tmp);
  for (int i = 0; i < 3 * n; i++) rms += v[i] * v[i] / n;
  double sigma = nacre_rng_uniform(rng) < 0.5 ? 0.05 : 0.2;
  if (rms > 1e-20)
    for (int i = 0; i < 3 * n; i++) v[i] *= sigma * d * sqrt(3.0 / rms);
  memcpy(x0, s->positions, sizeof(double) * 3 * (size_t)n);
  double cell0[3][3];
  memcpy(cell0, s->cell, sizeof cell0);
  /* as far as the minimum distances allow: halve until they hold */
  int ok = 0;
  for (int t = 0; t < 5 && !ok; t++) {
    displace(s, x0, cell0, v, e, ldexp(1.0, -t));
    ok = closest_ratio(s, o) >= 0.75;
  }
  if (!ok) {
    st = nacre_error_set(err, NACRE_ERR_NOT_CONVERGED,
                         "symmetric mutation: atoms too close");
    goto done;
  }
  name_child(s, symprec, "sym-mutation", op);
  *out = s;
  s = NULL;
done:
  nacre_structure_free(s);
  nacre_symmetry_free(sym);
  group_free(&g);
  free(map), free(v), free(tmp), free(x0), free(mask);
  return st;
}
