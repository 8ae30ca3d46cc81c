/* hull.c — convex hulls of formation energy in any number of elements (see
 * nacre/thermo.h for the conventions). The lower hull is found by Qhull
 * (reentrant API) in n dimensions: the n−1 independent atom fractions and
 * the formation energy. Only the lowest entry of each composition with a
 * negative formation energy, and the elemental references, go in; one extra
 * point above the centroid makes the point set full-dimensional however few
 * phases there are, and every facet through it is an upper facet. A lower
 * facet is a simplex of n stable entries; a composition lies in the facet
 * whose barycentric coordinates λ = x · X⁻¹ (X: the vertices' atom
 * fractions as rows) are all non-negative, and λ are then the atom
 * fractions of its decomposition. */
#include "nacre/thermo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libqhull_r/qhull_ra.h>

#include "thermo_internal.h"

/* Same thresholds as pymatgen's PhaseDiagram: entries need f below
 * −1e-11 eV/atom to enter Qhull; barycentric coordinates down to −1e-9
 * still place a composition in a facet; products with fractions below 1e-8
 * are dropped from a decomposition. */
#define FORMATION_TOL 1e-11
#define IN_SIMPLEX_TOL 1e-9
#define DECOMP_TOL 1e-8
/* Compositions closer than this in every atom fraction are the same. */
#define SAME_COMPOSITION 1e-10

struct nacre_hull {
  int nel, n;
  double *x;        /* n × nel atom fractions */
  double *epa;      /* n: energy per atom, eV */
  double *form;     /* n: formation energy per atom, eV */
  double mu[NACRE_HULL_MAX_ELEMENTS];
  int ref[NACRE_HULL_MAX_ELEMENTS];
  nacre_hull_point *pts;
  int nstable, *stable;
  int nfacets, *facets; /* nfacets × nel entry indices */
  double *inv;          /* nfacets × nel × nel: X⁻¹ of each facet */
};

int nacre_hull_nelements(const nacre_hull *h) { return h->nel; }
int nacre_hull_nentries(const nacre_hull *h) { return h->n; }
double nacre_hull_reference_ev(const nacre_hull *h, int k) { return h->mu[k]; }
int nacre_hull_reference_entry(const nacre_hull *h, int k) { return h->ref[k]; }
const nacre_hull_point *nacre_hull_entry(const nacre_hull *h, int i) {
  return &h->pts[i];
}
const double *nacre_hull_fractions(const nacre_hull *h, int i) {
  return &h->x[(size_t)i * h->nel];
}
int nacre_hull_nstable(const nacre_hull *h) { return h->nstable; }
int nacre_hull_stable(const nacre_hull *h, int k) { return h->stable[k]; }
int nacre_hull_nfacets(const nacre_hull *h) { return h->nfacets; }
const int *nacre_hull_facet(const nacre_hull *h, int f) {
  return &h->facets[(size_t)f * h->nel];
}

const double *thermo_hull_inverse(const nacre_hull *h, int f) {
  return &h->inv[(size_t)f * h->nel * h->nel];
}
double thermo_hull_formation(const nacre_hull *h, int i) { return h->form[i]; }

void nacre_hull_free(nacre_hull *h) {
  if (!h) return;
  free(h->x);
  free(h->epa);
  free(h->form);
  free(h->pts);
  free(h->stable);
  free(h->facets);
  free(h->inv);
  free(h);
}

/* ------------------------------------------------------------------ */
/* Input                                                                */
/* ------------------------------------------------------------------ */

static nacre_status read_entries(nacre_hull *h, const double *amounts,
                                 const double *energies, nacre_error *err) {
  for (int i = 0; i < h->n; i++) {
    double natoms = 0.0;
    for (int k = 0; k < h->nel; k++) {
      double a = amounts[(size_t)i * h->nel + k];
      if (!(a >= 0.0) || !isfinite(a))
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "hull: entry %d has amount %g of element %d "
                               "(need a finite number >= 0)",
                               i + 1, a, k + 1);
      natoms += a;
    }
    if (!(natoms > 0.0))
      return nacre_error_set(err, NACRE_ERR_INVALID, "hull: entry %d has no atoms",
                             i + 1);
    if (!isfinite(energies[i]))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "hull: entry %d has a non-finite energy", i + 1);
    for (int k = 0; k < h->nel; k++)
      h->x[(size_t)i * h->nel + k] = amounts[(size_t)i * h->nel + k] / natoms;
    h->epa[i] = energies[i] / natoms;
  }
  return NACRE_OK;
}

static int is_pure(const nacre_hull *h, int i, int k) {
  return h->x[(size_t)i * h->nel + k] == 1.0;
}

static nacre_status find_references(nacre_hull *h, nacre_error *err) {
  for (int k = 0; k < h->nel; k++) {
    h->ref[k] = -1;
    for (int i = 0; i < h->n; i++)
      if (is_pure(h, i, k) && (h->ref[k] < 0 || h->epa[i] < h->mu[k])) {
        h->ref[k] = i;
        h->mu[k] = h->epa[i];
      }
    if (h->ref[k] < 0)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "hull: no entry of pure element %d (every element "
                             "needs a reference)",
                             k + 1);
  }
  for (int i = 0; i < h->n; i++) {
    double r = 0.0;
    for (int k = 0; k < h->nel; k++) r += h->x[(size_t)i * h->nel + k] * h->mu[k];
    h->form[i] = h->epa[i] - r;
  }
  return NACRE_OK;
}

/* qsort context for sorting entry indices by composition */
typedef struct {
  const double *x;
  int nel;
} by_composition;

static int compare_composition(const double *a, const double *b, int nel) {
  for (int k = 0; k < nel; k++) {
    if (a[k] < b[k] - SAME_COMPOSITION) return -1;
    if (a[k] > b[k] + SAME_COMPOSITION) return 1;
  }
  return 0;
}

/* Indices of the lowest-energy entry of each distinct composition (the
 * first in input order among equal energies), in *out; returns the count. */
static int lowest_per_composition(const nacre_hull *h, int *order, int *out) {
  for (int i = 0; i < h->n; i++) order[i] = i;
  /* insertion into composition-sorted order; stable, so input order breaks
   * ties. O(n log n) via merge-free approach: a simple stable sort */
  thermo_sort_indices(order, h->n, h->x, h->nel, compare_composition);
  int m = 0;
  for (int a = 0; a < h->n;) {
    int best = order[a], b = a + 1;
    while (b < h->n && !compare_composition(&h->x[(size_t)order[a] * h->nel],
                                            &h->x[(size_t)order[b] * h->nel],
                                            h->nel)) {
      int i = order[b];
      if (h->epa[i] < h->epa[best] || (h->epa[i] == h->epa[best] && i < best))
        best = i;
      b++;
    }
    out[m++] = best;
    a = b;
  }
  return m;
}

/* ------------------------------------------------------------------ */
/* Small dense algebra                                                  */
/* ------------------------------------------------------------------ */

/* Inverse of the n×n matrix a (row-major) by Gauss–Jordan elimination with
 * partial pivoting; returns the determinant (0 when singular). */
static double invert(int n, const double *a, double *inv) {
  double m[NACRE_HULL_MAX_ELEMENTS][2 * NACRE_HULL_MAX_ELEMENTS];
  for (int r = 0; r < n; r++)
    for (int c = 0; c < 2 * n; c++)
      m[r][c] = c < n ? a[r * n + c] : (c - n == r ? 1.0 : 0.0);
  double det = 1.0;
  for (int c = 0; c < n; c++) {
    int p = c;
    for (int r = c + 1; r < n; r++)
      if (fabs(m[r][c]) > fabs(m[p][c])) p = r;
    if (m[p][c] == 0.0) return 0.0;
    if (p != c) {
      for (int k = 0; k < 2 * n; k++) {
        double t = m[p][k];
        m[p][k] = m[c][k];
        m[c][k] = t;
      }
      det = -det;
    }
    double piv = m[c][c];
    det *= piv;
    for (int k = 0; k < 2 * n; k++) m[c][k] /= piv;
    for (int r = 0; r < n; r++) {
      if (r == c || m[r][c] == 0.0) continue;
      double f = m[r][c];
      for (int k = 0; k < 2 * n; k++) m[r][k] -= f * m[c][k];
    }
  }
  for (int r = 0; r < n; r++)
    for (int c = 0; c < n; c++) inv[r * n + c] = m[r][n + c];
  return det;
}

/* ------------------------------------------------------------------ */
/* Qhull                                                                */
/* ------------------------------------------------------------------ */

static nacre_status add_facet(nacre_hull *h, const int *v, int *cap,
                              nacre_error *err) {
  int n = h->nel;
  double xm[NACRE_HULL_MAX_ELEMENTS * NACRE_HULL_MAX_ELEMENTS];
  double inv[NACRE_HULL_MAX_ELEMENTS * NACRE_HULL_MAX_ELEMENTS];
  for (int r = 0; r < n; r++)
    for (int c = 0; c < n; c++) xm[r * n + c] = h->x[(size_t)v[r] * n + c];
  /* a facet vertical in composition space (its vertices' compositions span
   * less than the whole simplex) holds no composition's hull energy */
  if (fabs(invert(n, xm, inv)) <= 1e-14) return NACRE_OK;
  if (h->nfacets == *cap) {
    *cap = *cap ? 2 * *cap : 16;
    int *f = realloc(h->facets, (size_t)*cap * n * sizeof *f);
    if (f) h->facets = f;
    double *iv = realloc(h->inv, (size_t)*cap * n * n * sizeof *iv);
    if (iv) h->inv = iv;
    if (!f || !iv) return nacre_error_set(err, NACRE_ERR_NOMEM, "hull facets");
  }
  memcpy(&h->facets[(size_t)h->nfacets * n], v, n * sizeof *v);
  memcpy(&h->inv[(size_t)h->nfacets * n * n], inv, n * n * sizeof *inv);
  h->nfacets++;
  return NACRE_OK;
}

/* Runs Qhull on the points of the chosen entries plus the extra point and
 * keeps the lower facets. */
static nacre_status run_qhull(nacre_hull *h, const int *ids, int m,
                              nacre_error *err) {
  int dim = h->nel, npts = m + 1;
  coordT *pts = malloc((size_t)npts * dim * sizeof *pts);
  if (!pts) return nacre_error_set(err, NACRE_ERR_NOMEM, "hull points");
  for (int p = 0; p < m; p++) {
    for (int k = 1; k < dim; k++) pts[p * dim + k - 1] = h->x[(size_t)ids[p] * dim + k];
    pts[p * dim + dim - 1] = h->form[ids[p]];
  }
  for (int k = 0; k < dim - 1; k++) pts[m * dim + k] = 1.0 / dim;
  pts[m * dim + dim - 1] = 1.0; /* above every f ≤ 0 */

  char *msg = NULL;
  size_t msglen = 0;
  FILE *errfile = open_memstream(&msg, &msglen);
  qhT qh_qh;
  qhT *qh = &qh_qh;
  qh_zero(qh, errfile);
  char options[] = "qhull Qt";
  int exitcode = qh_new_qhull(qh, dim, npts, pts, False, options, NULL, errfile);
  nacre_status st = NACRE_OK;
  if (exitcode) {
    if (errfile) fflush(errfile);
    st = nacre_error_set(err, NACRE_ERR_EXTERNAL, "hull: Qhull failed (%d): %.300s",
                         exitcode, msg ? msg : "");
  } else {
    int cap = 0;
    facetT *facet;
    vertexT *vertex, **vertexp;
    FORALLfacets {
      if (st) break;
      int v[NACRE_HULL_MAX_ELEMENTS], nv = 0, upper = 0;
      FOREACHvertex_(facet->vertices) {
        int id = qh_pointid(qh, vertex->point);
        if (id == m || id < 0 || nv == dim) upper = 1;
        else v[nv++] = ids[id];
      }
      if (upper || nv != dim || !(facet->normal[dim - 1] < 0.0)) continue;
      st = add_facet(h, v, &cap, err);
    }
  }
  qh_freeqhull(qh, !qh_ALL);
  int curlong, totlong;
  qh_memfreeshort(qh, &curlong, &totlong);
  if (errfile) fclose(errfile);
  free(msg);
  free(pts);
  return st;
}

/* ------------------------------------------------------------------ */
/* Queries                                                              */
/* ------------------------------------------------------------------ */

/* The facet below atom fractions x and its barycentric coordinates; −1
 * when none contains x (only through rounding far beyond the tolerance). */
static int locate(const nacre_hull *h, const double *x, double *lambda) {
  int n = h->nel;
  for (int f = 0; f < h->nfacets; f++) {
    const double *inv = &h->inv[(size_t)f * n * n];
    int inside = 1;
    for (int v = 0; v < n && inside; v++) {
      double l = 0.0;
      for (int k = 0; k < n; k++) l += x[k] * inv[k * n + v];
      lambda[v] = l;
      inside = l >= -IN_SIMPLEX_TOL;
    }
    if (inside) return f;
  }
  return -1;
}

static nacre_status hull_point_at(const nacre_hull *h, const double *x,
                                  nacre_hull_point *p, nacre_error *err) {
  memset(p, 0, sizeof *p);
  double lambda[NACRE_HULL_MAX_ELEMENTS];
  int f = locate(h, x, lambda);
  if (f < 0)
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "hull: no facet lies below the composition (a "
                           "numerical failure of the hull)");
  const int *v = &h->facets[(size_t)f * h->nel];
  double e = 0.0;
  for (int k = 0; k < h->nel; k++) {
    e += lambda[k] * h->form[v[k]];
    if (fabs(lambda[k]) > DECOMP_TOL) {
      p->decomp_entry[p->ndecomp] = v[k];
      p->decomp_fraction[p->ndecomp++] = lambda[k];
    }
  }
  p->hull_per_atom_ev = e;
  p->formation_per_atom_ev = e;
  return NACRE_OK;
}

nacre_status nacre_hull_at(const nacre_hull *h, const double *amounts,
                           nacre_hull_point *out, nacre_error *err) {
  double x[NACRE_HULL_MAX_ELEMENTS], total = 0.0;
  for (int k = 0; k < h->nel; k++) total += amounts[k];
  if (!(total > 0.0))
    return nacre_error_set(err, NACRE_ERR_INVALID, "hull: empty composition");
  for (int k = 0; k < h->nel; k++) {
    if (!(amounts[k] >= 0.0))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "hull: negative amount %g of element %d",
                             amounts[k], k + 1);
    x[k] = amounts[k] / total;
  }
  return hull_point_at(h, x, out, err);
}

static nacre_status evaluate_entries(nacre_hull *h, nacre_error *err) {
  char *on_hull = calloc((size_t)h->n, 1);
  if (!on_hull) return nacre_error_set(err, NACRE_ERR_NOMEM, "hull");
  for (int f = 0; f < h->nfacets; f++)
    for (int k = 0; k < h->nel; k++) on_hull[h->facets[(size_t)f * h->nel + k]] = 1;
  h->nstable = 0;
  for (int i = 0; i < h->n; i++) h->nstable += on_hull[i];
  h->stable = malloc((size_t)(h->nstable ? h->nstable : 1) * sizeof *h->stable);
  if (!h->stable) {
    free(on_hull);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "hull");
  }
  nacre_status st = NACRE_OK;
  for (int i = 0, s = 0; i < h->n && !st; i++) {
    nacre_hull_point *p = &h->pts[i];
    if (on_hull[i]) {
      h->stable[s++] = i;
      memset(p, 0, sizeof *p);
      p->stable = 1;
      p->ndecomp = 1;
      p->decomp_entry[0] = i;
      p->decomp_fraction[0] = 1.0;
      p->hull_per_atom_ev = h->form[i];
    } else {
      st = hull_point_at(h, &h->x[(size_t)i * h->nel], p, err);
      if (st) nacre_error_prefix(err, "entry %d: ", i + 1);
    }
    p->formation_per_atom_ev = h->form[i];
    p->e_above_hull_per_atom_ev = h->form[i] - p->hull_per_atom_ev;
  }
  free(on_hull);
  return st;
}

nacre_status nacre_hull_new(int nelements, int nentries, const double *amounts,
                            const double *energies_ev, nacre_hull **out,
                            nacre_error *err) {
  *out = NULL;
  if (nelements < 1 || nelements > NACRE_HULL_MAX_ELEMENTS)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "hull: %d elements (1 to %d are supported)",
                           nelements, NACRE_HULL_MAX_ELEMENTS);
  if (nentries < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID, "hull: no entries");
  nacre_hull *h = calloc(1, sizeof *h);
  if (!h) return nacre_error_set(err, NACRE_ERR_NOMEM, "hull");
  h->nel = nelements;
  h->n = nentries;
  size_t n = (size_t)nentries;
  h->x = malloc(n * nelements * sizeof *h->x);
  h->epa = malloc(n * sizeof *h->epa);
  h->form = malloc(n * sizeof *h->form);
  h->pts = calloc(n, sizeof *h->pts);
  int *order = malloc(n * sizeof *order), *ids = malloc((n + 1) * sizeof *ids);
  nacre_status st = NACRE_OK;
  if (!h->x || !h->epa || !h->form || !h->pts || !order || !ids)
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "hull of %d entries", nentries);
  if (!st) st = read_entries(h, amounts, energies_ev, err);
  if (!st) st = find_references(h, err);
  if (!st) {
    int nlow = lowest_per_composition(h, order, ids), m = 0;
    for (int a = 0; a < nlow; a++) {
      int i = ids[a], pure = 0;
      for (int k = 0; k < h->nel; k++) pure |= h->ref[k] == i;
      if (pure || h->form[i] < -FORMATION_TOL) ids[m++] = i;
    }
    if (h->nel == 1) {
      h->facets = malloc(sizeof *h->facets);
      h->inv = malloc(sizeof *h->inv);
      if (!h->facets || !h->inv)
        st = nacre_error_set(err, NACRE_ERR_NOMEM, "hull");
      else {
        h->facets[0] = h->ref[0];
        h->inv[0] = 1.0;
        h->nfacets = 1;
      }
    } else {
      st = run_qhull(h, ids, m, err);
    }
  }
  if (!st) st = evaluate_entries(h, err);
  free(order);
  free(ids);
  if (st) {
    nacre_hull_free(h);
    return st;
  }
  *out = h;
  return NACRE_OK;
}
