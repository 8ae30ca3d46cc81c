/* wyckoff.c — space groups and their Wyckoff positions, derived from the
 * symmetry operations that spglib's database gives for each Hall setting.
 *
 * Derivation. Every special position has coordinates that are multiples of
 * 1/24 for some choice of its free parameters (International Tables use the
 * denominators 2, 3, 4, 6, 8 and 12), so scanning the grid (Z/24)^3 finds a
 * point on every fixed-point subspace. At each grid point x the site group
 * H = {g : g x ≡ x (mod Z^3)} is found in integer arithmetic; its fixed points
 * form the affine subspace x + ker(R_h − I) (intersection over h ∈ H), whose
 * generic points have site group exactly H. Subspaces are merged modulo
 * lattice translations, then grouped into orbits under G: one orbit is one
 * Wyckoff position, of multiplicity |G|/|H| (conventional cell). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/sym.h"

#define GRID 24
#define MAXOPS NACRE_SG_MAX_OPS
#define MASKW 3 /* 3 x 64 bits >= 192 operations */

typedef struct subspace {
  uint64_t mask[MASKW];
  int order;          /* |H| */
  int dof;
  double origin[3];   /* canonical: free coordinates zero */
  double dir[3][3];   /* rows: direction with dir[k][free[k]] = 1 */
  int free[3];        /* coordinate index of each free parameter */
  int den[3];         /* smallest k with k·dir[k] integral */
  int orbit;          /* Wyckoff index, −1 unassigned */
} subspace;

const char *nacre_crystal_system_name(nacre_crystal_system s) {
  static const char *names[] = {"triclinic",  "monoclinic", "orthorhombic",
                                "tetragonal", "trigonal",   "hexagonal",
                                "cubic"};
  return (unsigned)s <= NACRE_CUBIC ? names[s] : "unknown";
}

static nacre_crystal_system system_of(int sg) {
  if (sg <= 2) return NACRE_TRICLINIC;
  if (sg <= 15) return NACRE_MONOCLINIC;
  if (sg <= 74) return NACRE_ORTHORHOMBIC;
  if (sg <= 142) return NACRE_TETRAGONAL;
  if (sg <= 167) return NACRE_TRIGONAL;
  if (sg <= 194) return NACRE_HEXAGONAL;
  return NACRE_CUBIC;
}

static double frac_part(double v) { return v - floor(v); }

static int near_integer(double v, double tol) {
  return fabs(v - floor(v + 0.5)) < tol;
}

/* Null space of the stacked (R_h − I) rows by Gaussian elimination (entries
 * are small integers, so a 1e-9 pivot threshold is exact). Fills the
 * direction rows with dir[k][free[k]] = 1 and returns the dimension. */
static int null_space(double (*a)[3], int nrows, double dir[3][3],
                      int free_col[3]) {
  int pivot_col[3] = {-1, -1, -1}, rank = 0;
  for (int col = 0; col < 3 && rank < nrows; col++) {
    int best = -1;
    double bv = 1e-9;
    for (int r = rank; r < nrows; r++)
      if (fabs(a[r][col]) > bv) bv = fabs(a[r][col]), best = r;
    if (best < 0) continue;
    for (int k = 0; k < 3; k++) {
      double t = a[rank][k];
      a[rank][k] = a[best][k];
      a[best][k] = t;
    }
    double p = a[rank][col];
    for (int k = 0; k < 3; k++) a[rank][k] /= p;
    for (int r = 0; r < nrows; r++) {
      if (r == rank || a[r][col] == 0.0) continue;
      double f = a[r][col];
      for (int k = 0; k < 3; k++) a[r][k] -= f * a[rank][k];
    }
    pivot_col[rank++] = col;
  }
  int is_pivot[3] = {0, 0, 0};
  for (int r = 0; r < rank; r++) is_pivot[pivot_col[r]] = 1;
  int dof = 0;
  for (int col = 0; col < 3; col++) {
    if (is_pivot[col]) continue;
    double v[3] = {0, 0, 0};
    v[col] = 1.0;
    for (int r = 0; r < rank; r++) v[pivot_col[r]] = -a[r][col];
    memcpy(dir[dof], v, sizeof v);
    free_col[dof++] = col;
  }
  return dof;
}

static int denominator(const double v[3]) {
  for (int k = 1; k <= GRID; k++)
    if (near_integer(k * v[0], 1e-8) && near_integer(k * v[1], 1e-8) &&
        near_integer(k * v[2], 1e-8))
      return k;
  return GRID;
}

/* Is fractional point x on subspace s modulo lattice translations? */
static int on_subspace(const subspace *s, const double x[3]) {
  double d[3];
  for (int k = 0; k < 3; k++) d[k] = x[k] - s->origin[k];
  double p[3] = {0, 0, 0};
  for (int j = 0; j < s->dof; j++) p[j] = d[s->free[j]];
  int n0 = s->dof > 0 ? s->den[0] : 1, n1 = s->dof > 1 ? s->den[1] : 1,
      n2 = s->dof > 2 ? s->den[2] : 1;
  for (int m0 = 0; m0 < n0; m0++)
    for (int m1 = 0; m1 < n1; m1++)
      for (int m2 = 0; m2 < n2; m2++) {
        int m[3] = {m0, m1, m2};
        int ok = 1;
        for (int k = 0; k < 3 && ok; k++) {
          double r = d[k];
          for (int j = 0; j < s->dof; j++) r -= (p[j] + m[j]) * s->dir[j][k];
          ok = near_integer(r, 1e-6);
        }
        if (ok) return 1;
      }
  return 0;
}

/* Is direction v in the span of s's directions? */
static int in_span(const subspace *s, const double v[3]) {
  double r[3] = {v[0], v[1], v[2]};
  for (int j = 0; j < s->dof; j++) {
    double c = v[s->free[j]];
    for (int k = 0; k < 3; k++) r[k] -= c * s->dir[j][k];
  }
  return fabs(r[0]) < 1e-8 && fabs(r[1]) < 1e-8 && fabs(r[2]) < 1e-8;
}

static void apply_op(const int rot[3][3], const double trans[3],
                     const double x[3], double y[3]) {
  for (int i = 0; i < 3; i++)
    y[i] = rot[i][0] * x[0] + rot[i][1] * x[1] + rot[i][2] * x[2] + trans[i];
}

static void apply_rot(const int rot[3][3], const double x[3], double y[3]) {
  for (int i = 0; i < 3; i++)
    y[i] = rot[i][0] * x[0] + rot[i][1] * x[1] + rot[i][2] * x[2];
}

/* Builds the subspace through grid point x fixed by the operations in mask. */
static void make_subspace(const nacre_spacegroup *g, const uint64_t *mask,
                          const double x[3], subspace *s) {
  double a[3 * MAXOPS][3];
  int nrows = 0, order = 0;
  for (int op = 0; op < g->nops; op++) {
    if (!(mask[op / 64] >> (op % 64) & 1u)) continue;
    order++;
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++)
        a[nrows][j] = g->rot[op][i][j] - (i == j ? 1.0 : 0.0);
      nrows++;
    }
  }
  memcpy(s->mask, mask, sizeof s->mask);
  s->order = order;
  s->dof = null_space(a, nrows, s->dir, s->free);
  double o[3] = {x[0], x[1], x[2]};
  for (int j = 0; j < s->dof; j++) {
    double c = o[s->free[j]];
    for (int k = 0; k < 3; k++) o[k] -= c * s->dir[j][k];
  }
  for (int k = 0; k < 3; k++) {
    s->origin[k] = frac_part(o[k]);
    if (s->origin[k] > 1.0 - 1e-9) s->origin[k] = 0.0;
  }
  for (int j = 0; j < s->dof; j++) s->den[j] = denominator(s->dir[j]);
  s->orbit = -1;
}

/* Integer primitive direction for sampling the free parameter over [0,1). */
static void integer_direction(const double v[3], int den, double out[3]) {
  long iv[3];
  for (int k = 0; k < 3; k++) iv[k] = lround(v[k] * den);
  long g = 0;
  for (int k = 0; k < 3; k++) {
    long a = labs(iv[k]), b = g;
    while (b) {
      long t = a % b;
      a = b;
      b = t;
    }
    g = a;
  }
  if (g == 0) g = 1;
  for (int k = 0; k < 3; k++) out[k] = (double)(iv[k] / g);
}

static int compare_wyckoff(const void *pa, const void *pb) {
  const nacre_wyckoff *a = pa, *b = pb;
  if (a->multiplicity != b->multiplicity)
    return a->multiplicity - b->multiplicity;
  if (a->dof != b->dof) return a->dof - b->dof;
  for (int k = 0; k < 3; k++)
    if (fabs(a->origin[k] - b->origin[k]) > 1e-9)
      return a->origin[k] < b->origin[k] ? -1 : 1;
  return 0;
}

static nacre_status derive_wyckoff(nacre_spacegroup *g, nacre_error *err) {
  int t24[MAXOPS][3];
  for (int op = 0; op < g->nops; op++)
    for (int k = 0; k < 3; k++) {
      double v = g->trans[op][k] * GRID;
      if (!near_integer(v, 1e-6))
        return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                               "space group %d: translation %g is not a "
                               "multiple of 1/%d",
                               g->number, g->trans[op][k], GRID);
      t24[op][k] = (int)lround(v);
    }
  int cap = 64, nsub = 0;
  subspace *subs = malloc(sizeof *subs * cap);
  if (!subs) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (int p0 = 0; p0 < GRID; p0++)
    for (int p1 = 0; p1 < GRID; p1++)
      for (int p2 = 0; p2 < GRID; p2++) {
        int p[3] = {p0, p1, p2};
        uint64_t mask[MASKW] = {0, 0, 0};
        int order = 0;
        for (int op = 0; op < g->nops; op++) {
          const int(*r)[3] = g->rot[op];
          int fixed = 1;
          for (int i = 0; i < 3 && fixed; i++) {
            int q = r[i][0] * p[0] + r[i][1] * p[1] + r[i][2] * p[2] +
                    t24[op][i] - p[i];
            fixed = (q % GRID) == 0;
          }
          if (fixed) {
            mask[op / 64] |= (uint64_t)1 << (op % 64);
            order++;
          }
        }
        if (order <= 1) continue; /* general position, added below */
        double x[3] = {p0 / (double)GRID, p1 / (double)GRID, p2 / (double)GRID};
        int known = 0;
        for (int s = 0; s < nsub && !known; s++)
          known = !memcmp(subs[s].mask, mask, sizeof mask) &&
                  on_subspace(&subs[s], x);
        if (known) continue;
        if (nsub == cap) {
          cap *= 2;
          subspace *n = realloc(subs, sizeof *subs * cap);
          if (!n) {
            free(subs);
            return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
          }
          subs = n;
        }
        make_subspace(g, mask, x, &subs[nsub++]);
      }
  /* Orbits under G. */
  int nw = 0;
  nacre_wyckoff *w = calloc((size_t)nsub + 1, sizeof *w);
  if (!w) {
    free(subs);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  for (int s = 0; s < nsub; s++) {
    if (subs[s].orbit >= 0) continue;
    subs[s].orbit = nw;
    for (int op = 0; op < g->nops; op++) {
      double y[3], dirs[3][3];
      apply_op(g->rot[op], g->trans[op], subs[s].origin, y);
      for (int j = 0; j < subs[s].dof; j++)
        apply_rot(g->rot[op], subs[s].dir[j], dirs[j]);
      for (int t = 0; t < nsub; t++) {
        if (subs[t].orbit >= 0 || subs[t].dof != subs[s].dof ||
            subs[t].order != subs[s].order)
          continue;
        int same = 1;
        for (int j = 0; j < subs[s].dof && same; j++)
          same = in_span(&subs[t], dirs[j]);
        if (same && on_subspace(&subs[t], y)) subs[t].orbit = nw;
      }
    }
    nacre_wyckoff *wy = &w[nw++];
    wy->site_order = subs[s].order;
    wy->multiplicity = g->nops / subs[s].order;
    wy->dof = subs[s].dof;
    memcpy(wy->origin, subs[s].origin, sizeof wy->origin);
    for (int j = 0; j < subs[s].dof; j++)
      integer_direction(subs[s].dir[j], subs[s].den[j], wy->basis[j]);
  }
  free(subs);
  qsort(w, (size_t)nw, sizeof *w, compare_wyckoff);
  nacre_wyckoff *gen = &w[nw++];
  gen->site_order = 1;
  gen->multiplicity = g->nops;
  gen->dof = 3;
  for (int k = 0; k < 3; k++) gen->basis[k][k] = 1.0;
  g->wyckoff = w;
  g->nwyckoff = nw;
  return NACRE_OK;
}

void nacre_spacegroup_free(nacre_spacegroup *g) {
  if (!g) return;
  free(g->rot);
  free(g->trans);
  free(g->wyckoff);
  free(g);
}

nacre_status nacre_spacegroup_new(int number, nacre_spacegroup **out,
                                  nacre_error *err) {
  *out = NULL;
  if (number < 1 || number > 230)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "space group %d: expected a number in 1..230",
                           number);
  nacre_spacegroup *g = calloc(1, sizeof *g);
  if (!g) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  g->number = number;
  g->hall_number = nacre_sg_default_hall(number);
  nacre_sg_info info;
  nacre_status st = nacre_sg_type(g->hall_number, &info, err);
  if (st) {
    nacre_spacegroup_free(g);
    return st;
  }
  snprintf(g->symbol, sizeof g->symbol, "%s", info.international);
  g->centering = info.centring;
  g->system = system_of(number);
  g->rot = malloc(sizeof *g->rot * NACRE_SG_MAX_OPS);
  g->trans = malloc(sizeof *g->trans * NACRE_SG_MAX_OPS);
  if (!g->rot || !g->trans) {
    nacre_spacegroup_free(g);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  if ((st = nacre_sg_operations(g->hall_number, g->rot, g->trans, &g->nops,
                                err))) {
    nacre_spacegroup_free(g);
    return st;
  }
  for (int op = 0; op < g->nops; op++)
    for (int k = 0; k < 3; k++) {
      g->trans[op][k] = frac_part(g->trans[op][k]);
      if (g->trans[op][k] > 1.0 - 1e-9) g->trans[op][k] = 0.0;
    }
  if ((st = derive_wyckoff(g, err))) {
    nacre_spacegroup_free(g);
    return st;
  }
  *out = g;
  return NACRE_OK;
}

int nacre_spacegroup_orbit(const nacre_spacegroup *g, const double x[3],
                           double tol, double *out, int max) {
  int n = 0;
  double found[MAXOPS][3];
  for (int op = 0; op < g->nops; op++) {
    double y[3];
    apply_op(g->rot[op], g->trans[op], x, y);
    for (int k = 0; k < 3; k++) {
      y[k] = frac_part(y[k]);
      if (y[k] > 1.0 - 1e-12) y[k] = 0.0;
    }
    int dup = 0;
    for (int i = 0; i < n && !dup; i++) {
      double d2 = 0;
      for (int k = 0; k < 3; k++) {
        double d = y[k] - found[i][k];
        d -= floor(d + 0.5);
        d2 += d * d;
      }
      dup = d2 < tol * tol;
    }
    if (dup) continue;
    memcpy(found[n], y, sizeof y);
    if (n < max) memcpy(out + 3 * n, y, sizeof y);
    n++;
  }
  return n;
}
