/* varcomp.c — variable-composition search: every mix of two to four
 * elements with min_natoms..max_natoms atoms per cell in one pool, ranked
 * by the distance of each minimum's enthalpy per atom to the convex hull
 * of the pool (the fitness of USPEX's variable-composition mode, Lyakhov,
 * Oganov & Valle, in "Modern methods of crystal structure prediction",
 * Wiley (2010); Trimarchi, Freeman & Zunger, PRB 80, 092101 (2009)).
 *
 * A generation is built from the pool of the generations before it:
 *   - one slot per element for the pure elements, the hull's references:
 *     a random structure or (after the first generation) a mutation of
 *     the element's lowest minimum;
 *   - random symmetric crystals at a composition drawn with weight
 *     1 / (1 + candidates tried there), so unexplored compositions come
 *     first, or (half of them after the first generation) at a vertex of
 *     the hull;
 *   - heredity between parents of any compositions: a slab of one parent
 *     and the complementary slab of the other in the first one's cell,
 *     whose volume is the sum of the atoms' volumes in their parents;
 *   - mutations that change the composition (an atom added in the largest
 *     hole, an atom removed, an atom's element changed) or keep it (the
 *     fixed-composition search's strain, displacement, swap, soft mode).
 * Parents are the best minimum of every composition and the distinct
 * minima within SEARCH_NEAR_HULL_EV (50 meV/atom) of the hull, chosen by
 * linear ranking on their height above it. The hull itself comes from the caller
 * (nacre_run_set_hull): this layer does not own one.
 *
 * Reproducibility as in engine.c: candidate id draws its random numbers
 * from stream (seed, id) and generation g is built from generations < g,
 * so a resumed run regenerates exactly what a killed one had not stored. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup.h"
#include "operators.h"
#include "run_internal.h"
#include "transport.h"

/* Tries of an operator before the candidate becomes a random structure. */
#define OPERATOR_TRIES 20
/* A minimum this close to the hull is on it (eV/atom). */
#define HULL_TOL_EV 1e-6

/* ---- compositions ---- */

int nacre_search_config_varcomp(const nacre_search_config *c) {
  return c->composition_range[0] != '\0';
}

void nacre_run_set_hull(nacre_run *r, nacre_search_hull_fn fn, void *user) {
  r->hull = fn;
  r->hull_user = user;
}

nacre_status nacre_composition_range_parse(const char *text,
                                           nacre_composition *el,
                                           nacre_error *err) {
  memset(el, 0, sizeof *el);
  const char *p = text;
  while (*p) {
    char sym[8];
    int n = 0;
    while (*p && *p != ',' && n < 7) sym[n++] = *p++;
    sym[n] = '\0';
    if (*p && *p != ',')
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "composition range '%s': '%s...' is not an element",
                             text, sym);
    if (*p == ',') p++;
    const nacre_element *e = nacre_element_by_z(nacre_element_z(sym));
    if (!e)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "composition range '%s': unknown element '%s' "
                             "(expected elements separated by commas, e.g. Li,Sn)",
                             text, sym);
    for (int k = 0; k < el->nspecies; k++)
      if (el->z[k] == e->z)
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "composition range '%s': %s given twice", text, sym);
    if (el->nspecies == 4)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "composition range '%s': at most four elements", text);
    el->z[el->nspecies] = e->z;
    el->count[el->nspecies++] = 1;
  }
  if (el->nspecies < 2)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "composition range '%s': two to four elements "
                           "separated by commas, e.g. Li,Sn",
                           text);
  return NACRE_OK;
}

static int gcd(int a, int b) {
  while (b) {
    int t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* Counts of each element of el in s; the atoms of other elements in the
 * return value. */
static int count_atoms(const nacre_structure *s, const nacre_composition *el,
                       int *count) {
  int other = 0;
  for (int k = 0; k < el->nspecies; k++) count[k] = 0;
  for (int i = 0; i < s->natoms; i++) {
    int k = 0;
    while (k < el->nspecies && el->z[k] != s->numbers[i]) k++;
    if (k < el->nspecies) count[k]++;
    else other++;
  }
  return other;
}

void nacre_search_reduced_formula(const nacre_structure *s,
                                  const nacre_composition *elements,
                                  char *buf, size_t n) {
  nacre_composition el;
  memset(&el, 0, sizeof el);
  if (elements) el = *elements;
  else /* the elements of s by atomic number */
    for (int z = 1; z <= 118; z++)
      for (int i = 0; i < s->natoms && el.nspecies < NACRE_MAX_SPECIES; i++)
        if (s->numbers[i] == z) {
          el.z[el.nspecies++] = z;
          break;
        }
  int count[NACRE_MAX_SPECIES], g = 0;
  count_atoms(s, &el, count);
  for (int k = 0; k < el.nspecies; k++) g = gcd(g, count[k]);
  nacre_composition r = el;
  r.nspecies = 0;
  for (int k = 0; k < el.nspecies; k++)
    if (count[k]) {
      r.z[r.nspecies] = el.z[k];
      r.count[r.nspecies++] = count[k] / (g ? g : 1);
    }
  nacre_composition_format(&r, buf, n);
}

/* The reduced compositions of the range: counts with no common factor
 * whose total divides some cell size in min..max. */
typedef struct comp_table {
  int nel;
  int n;
  int (*count)[4];      /* reduced counts */
  long *tried;          /* candidates made at each (for the weights) */
} comp_table;

static nacre_status comp_table_build(const nacre_search_config *cfg,
                                     int nel, comp_table *t, nacre_error *err) {
  memset(t, 0, sizeof *t);
  t->nel = nel;
  int cap = 64;
  t->count = malloc((size_t)cap * sizeof *t->count);
  if (!t->count) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  int c[4] = {0, 0, 0, 0}, max = cfg->max_natoms;
  /* every vector of counts with total 1..max, the reduced ones kept */
  for (;;) {
    int k = 0;
    while (k < nel && ++c[k] > max) c[k++] = 0;
    if (k == nel) break;
    int total = 0, g = 0;
    for (int j = 0; j < nel; j++) total += c[j], g = gcd(g, c[j]);
    if (total > max || g != 1) continue;
    int fits = 0;
    for (int m = 1; m * total <= max && !fits; m++) fits = m * total >= cfg->min_natoms;
    if (!fits) continue;
    if (t->n == cap) {
      cap *= 2;
      void *p = realloc(t->count, (size_t)cap * sizeof *t->count);
      if (!p) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
      t->count = p;
    }
    memcpy(t->count[t->n++], c, sizeof c);
  }
  t->tried = calloc((size_t)(t->n ? t->n : 1), sizeof *t->tried);
  if (!t->tried) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (int k = 0; k < nel; k++) {
    int pure[4] = {0, 0, 0, 0};
    pure[k] = 1;
    int found = 0;
    for (int j = 0; j < t->n && !found; j++) found = !memcmp(t->count[j], pure, sizeof pure);
    if (!found)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "atoms per cell %d:%d leave out the pure elements",
                             cfg->min_natoms, cfg->max_natoms);
  }
  return NACRE_OK;
}

static void comp_table_free(comp_table *t) {
  free(t->count);
  free(t->tried);
}

/* Index of the reduced composition of counts, or −1 outside the range. */
static int comp_index(const comp_table *t, const int *count) {
  int g = 0, r[4] = {0, 0, 0, 0};
  for (int k = 0; k < t->nel; k++) g = gcd(g, count[k]);
  if (!g) return -1;
  for (int k = 0; k < t->nel; k++) r[k] = count[k] / g;
  for (int j = 0; j < t->n; j++)
    if (!memcmp(t->count[j], r, sizeof r)) return j;
  return -1;
}

/* ---- the state of a run ---- */

typedef struct vc {
  nacre_run *run;
  const nacre_search_config *cfg;
  nacre_composition el;        /* the range's elements */
  nacre_random_options random; /* cfg->random at the run's pressure */
  op_modes modes;
  const nacre_ctx *ctx;
  int *groups, ngroups;
  comp_table comps;
  nacre_candidate *c;
  long n, cap;
  int *comp;                   /* per candidate: composition index (−1) */
  long *unique, nunique, folded;
  /* per generation */
  double *above;               /* per candidate: eV/atom above the hull */
  long *parents, nparents;
  int ncomps_done, hull_phases;
  int *vertex, nvertex;        /* compositions of the hull's vertices */
  long *best;                  /* per composition: its lowest minimum (−1) */
  long last_low;               /* the first finder of the latest distinct
                                  minimum within SEARCH_NEAR_HULL_EV of the
                                  hull (−1): what saturation counts from */
  search_tally tally;
} vc;

static nacre_status vc_capacity(vc *e, long n, nacre_error *err) {
  if (n <= e->cap) return NACRE_OK;
  long cap = e->cap ? e->cap : 64;
  while (cap < n) cap *= 2;
  nacre_candidate *c = realloc(e->c, (size_t)cap * sizeof *c);
  if (c) e->c = c;
  int *comp = c ? realloc(e->comp, (size_t)cap * sizeof *comp) : NULL;
  if (comp) e->comp = comp;
  long *u = comp ? realloc(e->unique, (size_t)cap * sizeof *u) : NULL;
  if (u) e->unique = u;
  long *p = u ? realloc(e->parents, (size_t)cap * sizeof *p) : NULL;
  if (p) e->parents = p;
  double *a = p ? realloc(e->above, (size_t)cap * sizeof *a) : NULL;
  if (a) e->above = a;
  if (!a) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  memset(e->c + e->cap, 0, (size_t)(cap - e->cap) * sizeof *e->c);
  e->cap = cap;
  return NACRE_OK;
}

static void vc_free(vc *e) {
  for (long k = 0; k < e->n; k++) nacre_candidate_clear(&e->c[k]);
  free(e->c);
  free(e->comp);
  free(e->unique);
  free(e->parents);
  free(e->above);
  free(e->groups);
  free(e->vertex);
  free(e->best);
  comp_table_free(&e->comps);
}

static int comp_of(const vc *e, const nacre_structure *s) {
  int count[4];
  if (!s || count_atoms(s, &e->el, count)) return -1;
  return comp_index(&e->comps, count);
}

/* ---- the pool: hull, fitness, parents ---- */

static nacre_status fold(vc *e, long to, nacre_error *err);

static int cmp_above_ctx(const vc *e, long a, long b) {
  double x = e->above[a], y = e->above[b];
  if (x != y) return x < y ? -1 : 1;
  return a < b ? -1 : (a > b);
}

/* Insertion sort of the parents by height above the hull (a few hundred). */
static void sort_parents(vc *e) {
  for (long i = 1; i < e->nparents; i++) {
    long v = e->parents[i], j = i;
    while (j > 0 && cmp_above_ctx(e, e->parents[j - 1], v) > 0) {
      e->parents[j] = e->parents[j - 1];
      j--;
    }
    e->parents[j] = v;
  }
}

/* Heights above the hull of the distinct minima of [0, folded), and the
 * parents of the next generation. */
static nacre_status rank_pool(vc *e, nacre_error *err) {
  int nc = e->comps.n;
  long nu = e->nunique;
  e->nparents = 0;
  e->ncomps_done = 0;
  e->hull_phases = 0;
  e->last_low = -1;
  if (!nu) return NACRE_OK;
  long *best = e->best;
  double *above = malloc((size_t)nu * sizeof *above);
  long *first = malloc((size_t)e->folded * sizeof *first);
  if (!above || !first) {
    free(above);
    free(first);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  int all_pure;
  nacre_status st = varcomp_hull_heights(e->run, e->c, e->unique, nu, above, &all_pure, err);
  if (st) {
    free(above);
    free(first);
    return st;
  }
  for (int j = 0; j < nc; j++) best[j] = -1;
  /* each minimum's first finder: the candidate that made it distinct */
  for (long id = 0; id < e->folded; id++) first[id] = -1;
  for (long id = 0; id < e->folded; id++)
    if (e->c[id].status == NACRE_CANDIDATE_DONE && e->comp[id] >= 0) {
      long to = e->c[id].duplicate_of >= 0 ? e->c[id].duplicate_of : id;
      if (to < e->folded && (first[to] < 0 || id < first[to])) first[to] = id;
    }
  for (long k = 0; k < nu; k++) {
    long id = e->unique[k];
    int ci = e->comp[id];
    e->above[id] = above[k];
    if (best[ci] < 0 || dedup_h_atom(&e->c[id]) < dedup_h_atom(&e->c[best[ci]]))
      best[ci] = id;
  }
  for (long k = 0; k < nu; k++) {
    long id = e->unique[k];
    if (best[e->comp[id]] == id || above[k] <= SEARCH_NEAR_HULL_EV)
      e->parents[e->nparents++] = id;
    /* A new hull phase, a lower one, or a new minimum near the hull: a
     * distinct minimum within SEARCH_NEAR_HULL_EV, first found after the
     * others (a better-relaxed copy of a known one is not new). */
    long f = first[id] >= 0 ? first[id] : id;
    if (above[k] <= SEARCH_NEAR_HULL_EV && f > e->last_low) e->last_low = f;
  }
  e->nvertex = 0;
  for (int j = 0; j < nc; j++)
    if (best[j] >= 0) {
      e->ncomps_done++;
      if (all_pure && e->above[best[j]] <= HULL_TOL_EV) e->vertex[e->nvertex++] = j;
    }
  e->hull_phases = e->nvertex;
  sort_parents(e);
  free(above);
  free(first);
  return NACRE_OK;
}

nacre_status varcomp_hull_heights(const nacre_run *run, const nacre_candidate *c,
                                  const long *ids, long n, double *above,
                                  int *all_pure, nacre_error *err) {
  nacre_composition el;
  nacre_status st = nacre_composition_range_parse(run->cfg.composition_range, &el, err);
  if (st) return st;
  int nel = el.nspecies, have_pure[4] = {0, 0, 0, 0};
  double *amounts = malloc((size_t)(n ? n : 1) * nel * sizeof *amounts);
  double *h = malloc((size_t)(n ? n : 1) * sizeof *h);
  if (!amounts || !h) {
    free(amounts);
    free(h);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  for (long k = 0; k < n; k++) {
    int count[4], nz = 0;
    count_atoms(c[ids[k]].relaxed, &el, count);
    for (int j = 0; j < nel; j++) {
      amounts[k * nel + j] = count[j];
      nz += count[j] > 0;
    }
    if (nz == 1)
      for (int j = 0; j < nel; j++) have_pure[j] |= count[j] > 0;
    h[k] = c[ids[k]].enthalpy;
  }
  *all_pure = n > 0;
  for (int j = 0; j < nel; j++) *all_pure &= have_pure[j];
  if (*all_pure) {
    if (!run->hull)
      st = nacre_error_set(err, NACRE_ERR_INVALID,
                           "a variable-composition run needs a hull "
                           "(nacre_run_set_hull)");
    else
      st = run->hull(run->hull_user, nel, (int)n, amounts, h, above, err);
  } else {
    /* no references yet: each minimum against its composition's lowest */
    for (long k = 0; k < n; k++) {
      double low = dedup_h_atom(&c[ids[k]]);
      for (long j = 0; j < n; j++) {
        int same = 1;
        for (int a = 0; a < nel && same; a++)
          for (int b = a + 1; b < nel && same; b++)
            same = amounts[k * nel + a] * amounts[j * nel + b] ==
                   amounts[k * nel + b] * amounts[j * nel + a];
        if (same && dedup_h_atom(&c[ids[j]]) < low) low = dedup_h_atom(&c[ids[j]]);
      }
      above[k] = dedup_h_atom(&c[ids[k]]) - low;
    }
  }
  free(amounts);
  free(h);
  return st;
}

/* Linear-ranking roulette over the parents (best first). */
static long pick_parent(const vc *e, nacre_rng *rng) {
  long n = e->nparents;
  double total = 0.5 * (double)n * (double)(n + 1), r = nacre_rng_uniform(rng) * total;
  for (long k = 0; k < n; k++) {
    r -= (double)(n - k);
    if (r < 0) return e->parents[k];
  }
  return e->parents[n - 1];
}

/* ---- candidates ---- */

/* A composition drawn with weight 1 / (1 + tried); the first generation's
 * first slots are the pure elements. */
static int draw_comp(const vc *e, nacre_rng *rng) {
  double total = 0;
  for (int j = 0; j < e->comps.n; j++) total += 1.0 / (1.0 + (double)e->comps.tried[j]);
  double r = nacre_rng_uniform(rng) * total;
  for (int j = 0; j < e->comps.n; j++) {
    r -= 1.0 / (1.0 + (double)e->comps.tried[j]);
    if (r < 0) return j;
  }
  return e->comps.n - 1;
}

static nacre_status random_at(vc *e, int ci, nacre_rng *rng,
                              nacre_structure **out, char *op,
                              nacre_error *err) {
  const int *r = e->comps.count[ci];
  int total = 0, nel = e->el.nspecies;
  for (int k = 0; k < nel; k++) total += r[k];
  int m0 = (e->cfg->min_natoms + total - 1) / total, m1 = e->cfg->max_natoms / total;
  int m = m0 + nacre_rng_int(rng, m1 - m0 + 1);
  nacre_composition c;
  memset(&c, 0, sizeof c);
  for (int k = 0; k < nel; k++)
    if (r[k]) {
      c.z[c.nspecies] = e->el.z[k];
      c.count[c.nspecies++] = m * r[k];
    }
  nacre_random_info info;
  nacre_status st = nacre_random_crystal_any(e->groups, e->ngroups, &c,
                                             &e->random, rng, out, &info, err);
  if (!st) snprintf(op, 24, "random:%d", info.sg_number);
  return st;
}

/* min over the atoms j ≠ i of d_ij / d_min(i, j) (nearest images; d_min
 * of the random options: the pair's explicit distance or the share of
 * the covalent radii). */
static double atom_ratio(const nacre_structure *s, int i,
                         const nacre_random_options *o) {
  double q = INFINITY;
  for (int j = 0; j < s->natoms; j++) {
    if (j == i) continue;
    double d[3];
    for (int k = 0; k < 3; k++) d[k] = s->positions[3 * j + k] - s->positions[3 * i + k];
    nacre_cell_minimum_image(s->cell, s->pbc, d);
    double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    q = fmin(q, r / nacre_random_min_distance(o, s->numbers[i], s->numbers[j]));
  }
  return q;
}

/* Whether every pair of s keeps its minimum distance. */
static int distances_ok(const nacre_structure *s, const nacre_random_options *o) {
  for (int i = 0; i < s->natoms; i++)
    if (atom_ratio(s, i, o) < 1.0) return 0;
  return 1;
}

/* Cut-and-splice of parents of any compositions (see the file comment);
 * the child must keep the minimum distances and the range. */
static nacre_status heredity_any(const vc *e, const nacre_structure *a,
                                 const nacre_structure *b, nacre_rng *rng,
                                 nacre_structure **out, nacre_error *err) {
  int n = a->natoms + b->natoms;
  double *fa = malloc(sizeof(double) * 3 * (size_t)n);
  double *fc = malloc(sizeof(double) * 3 * (size_t)n);
  int *zc = malloc(sizeof(int) * (size_t)n);
  nacre_status st = NACRE_ERR_NOT_CONVERGED;
  if (!fa || !fc || !zc) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  double *fb = fa + 3 * (size_t)a->natoms;
  if ((st = nacre_structure_get_frac(a, fa, err)) ||
      (st = nacre_structure_get_frac(b, fb, err)))
    goto done;
  st = NACRE_ERR_NOT_CONVERGED;
  double va = fabs(nacre_structure_volume(a)) / a->natoms;
  double vb = fabs(nacre_structure_volume(b)) / b->natoms;
  for (int t = 0; t < OPERATOR_TRIES && st == NACRE_ERR_NOT_CONVERGED; t++) {
    int axis = nacre_rng_int(rng, 3), m = 0, na = 0;
    double f = 0.3 + 0.4 * nacre_rng_uniform(rng);
    double sa = nacre_rng_uniform(rng), sb = nacre_rng_uniform(rng);
    for (int i = 0; i < a->natoms; i++) {
      double x = fa[3 * i + axis] - sa;
      x -= floor(x);
      if (x >= f) continue;
      for (int d = 0; d < 3; d++) fc[3 * m + d] = fa[3 * i + d];
      fc[3 * m + axis] = x;
      zc[m++] = a->numbers[i];
      na++;
    }
    for (int i = 0; i < b->natoms; i++) {
      double x = fb[3 * i + axis] - sb;
      x -= floor(x);
      if (x < f) continue;
      for (int d = 0; d < 3; d++) fc[3 * m + d] = fb[3 * i + d];
      fc[3 * m + axis] = x;
      zc[m++] = b->numbers[i];
    }
    if (m < e->cfg->min_natoms || m > e->cfg->max_natoms || na == 0 || na == m)
      continue;
    nacre_structure *s = nacre_structure_new(m, err);
    if (!s) {
      st = NACRE_ERR_NOMEM;
      break;
    }
    double scale = cbrt((na * va + (m - na) * vb) / fabs(nacre_structure_volume(a)));
    for (int i = 0; i < 3; i++)
      for (int d = 0; d < 3; d++) s->cell[i][d] = scale * a->cell[i][d];
    memcpy(s->numbers, zc, sizeof(int) * (size_t)m);
    nacre_structure_set_frac(s, fc);
    if (comp_of(e, s) < 0 || !distances_ok(s, &e->random)) {
      nacre_structure_free(s);
      continue;
    }
    *out = s;
    st = NACRE_OK;
  }
done:
  free(fa);
  free(fc);
  free(zc);
  return st;
}

/* The cell of s scaled isotropically by the factor (fractions kept). */
static void scale_cell(nacre_structure *s, double factor, double *frac) {
  for (int i = 0; i < 3; i++)
    for (int d = 0; d < 3; d++) s->cell[i][d] *= factor;
  nacre_structure_set_frac(s, frac);
}

/* Adds an atom of a random element at the emptiest of 200 random points,
 * removes a random atom, or changes one atom's element; the volume follows
 * the number of atoms. */
static nacre_status mutate_composition(const vc *e, const nacre_structure *a,
                                       nacre_rng *rng, nacre_structure **out,
                                       char *op, nacre_error *err) {
  int n = a->natoms, nel = e->el.nspecies;
  int kind = nacre_rng_int(rng, 3); /* 0 add, 1 remove, 2 change element */
  if (kind == 0 && n + 1 > e->cfg->max_natoms) kind = 1;
  if (kind == 1 && (n - 1 < e->cfg->min_natoms || n < 2)) kind = 2;
  int m = kind == 0 ? n + 1 : kind == 1 ? n - 1 : n;
  nacre_structure *s = nacre_structure_new(m, err);
  double *frac = malloc(sizeof(double) * 3 * (size_t)(n + 1));
  nacre_status st = NACRE_OK;
  if (!s || !frac) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto fail;
  }
  if ((st = nacre_structure_get_frac(a, frac, err))) goto fail;
  frac[3 * n] = frac[3 * n + 1] = frac[3 * n + 2] = 0;
  memcpy(s->cell, a->cell, sizeof s->cell);
  if (kind == 0) {
    memcpy(s->numbers, a->numbers, sizeof(int) * (size_t)n);
    s->numbers[n] = e->el.z[nacre_rng_int(rng, nel)];
    nacre_structure_set_frac(s, frac); /* the first n; atom n at the origin */
    double best = -1, pos[3] = {0, 0, 0};
    for (int t = 0; t < 200; t++) {
      double f[3] = {nacre_rng_uniform(rng), nacre_rng_uniform(rng), nacre_rng_uniform(rng)};
      for (int d = 0; d < 3; d++)
        s->positions[3 * n + d] = f[0] * s->cell[0][d] + f[1] * s->cell[1][d] + f[2] * s->cell[2][d];
      double r = atom_ratio(s, n, &e->random);
      if (r > best) {
        best = r;
        memcpy(pos, f, sizeof pos);
      }
    }
    memcpy(frac + 3 * n, pos, sizeof pos);
    scale_cell(s, cbrt((double)(n + 1) / n), frac);
    snprintf(op, 24, "add");
  } else if (kind == 1) {
    int drop = nacre_rng_int(rng, n);
    for (int i = 0, j = 0; i < n; i++) {
      if (i == drop) continue;
      s->numbers[j] = a->numbers[i];
      memcpy(frac + 3 * j, frac + 3 * i, 3 * sizeof *frac);
      j++;
    }
    scale_cell(s, cbrt((double)(n - 1) / n), frac);
    snprintf(op, 24, "remove");
  } else {
    memcpy(s->numbers, a->numbers, sizeof(int) * (size_t)n);
    int i = nacre_rng_int(rng, n), k = nacre_rng_int(rng, nel - 1);
    int z = e->el.z[k] == a->numbers[i] ? e->el.z[nel - 1] : e->el.z[k];
    s->numbers[i] = z;
    nacre_structure_set_frac(s, frac);
    snprintf(op, 24, "transmute");
  }
  free(frac);
  frac = NULL;
  if (comp_of(e, s) < 0 || !distances_ok(s, &e->random)) {
    st = NACRE_ERR_NOT_CONVERGED;
    goto fail;
  }
  *out = s;
  return NACRE_OK;
fail:
  nacre_structure_free(s);
  free(frac);
  return st;
}

/* Candidate id of generation gen (slot in it): an operator on the pool of
 * the generations before, else a random structure. */
static nacre_status make_candidate(vc *e, long id, int gen, int slot,
                                   nacre_error *err) {
  const nacre_search_config *cfg = e->cfg;
  nacre_candidate *c = &e->c[id];
  nacre_candidate_clear(c);
  c->id = id;
  c->generation = gen;
  c->status = NACRE_CANDIDATE_PENDING;
  nacre_rng rng;
  nacre_rng_init(&rng, cfg->seed, (uint64_t)id);
  double heredity = cfg->frac_heredity, mutation = cfg->frac_mutation;
  if (cfg->engine == NACRE_ENGINE_RANDOM) heredity = mutation = 0;
  nacre_status st = NACRE_ERR_NOT_CONVERGED;
  nacre_error tmp;
  double u = nacre_rng_uniform(&rng);
  const char *tried_op = "";
  /* The first slots of every generation go to the pure elements, the
   * hull's references (a wrong one shifts every formation enthalpy): a
   * mutation of the element's lowest minimum or a random structure. */
  int ref = -1;
  if (slot < e->el.nspecies) {
    int pure[4] = {0, 0, 0, 0};
    pure[slot] = 1;
    ref = comp_index(&e->comps, pure);
  }
  if (ref >= 0) {
    long a = e->best[ref];
    if (gen > 0 && a >= 0 && u < 0.5) {
      strcpy(c->engine, "evolution");
      tried_op = "mutation";
      st = op_mutate(e->c[a].relaxed, 0, &e->random, &e->modes, &rng, &c->start,
                     c->op, &tmp);
      snprintf(c->parents, sizeof c->parents, "%ld", a);
      if (st == NACRE_ERR_NOMEM) return nacre_error_set(err, st, "%s", tmp.message);
    }
  } else if (gen > 0 && e->nparents > 0 && u < heredity + mutation) {
    long a = pick_parent(e, &rng);
    strcpy(c->engine, "evolution");
    if (u < heredity) {
      long b = a;
      for (int t = 0; t < 20 && b == a && e->nparents > 1; t++) b = pick_parent(e, &rng);
      const nacre_structure *pa = e->c[a].relaxed, *pb = e->c[b].relaxed;
      if (b != a && e->comp[a] == e->comp[b] && pa->natoms == pb->natoms) {
        nacre_composition cc;
        memset(&cc, 0, sizeof cc);
        int count[4];
        count_atoms(pa, &e->el, count);
        for (int k = 0; k < e->el.nspecies; k++)
          if (count[k]) {
            cc.z[cc.nspecies] = e->el.z[k];
            cc.count[cc.nspecies++] = count[k];
          }
        st = op_heredity(pa, pb, &cc, &e->random, &e->modes, &rng, &c->start,
                         c->op, &tmp);
      } else if (b != a) {
        st = heredity_any(e, pa, pb, &rng, &c->start, &tmp);
        strcpy(c->op, "heredity");
      }
      tried_op = "heredity";
      snprintf(c->parents, sizeof c->parents, "%ld,%ld", a, b);
    } else {
      tried_op = "mutation";
      if (nacre_rng_uniform(&rng) < 0.5)
        st = mutate_composition(e, e->c[a].relaxed, &rng, &c->start, c->op, &tmp);
      else
        st = op_mutate(e->c[a].relaxed, 0, &e->random, &e->modes, &rng,
                       &c->start, c->op, &tmp);
      snprintf(c->parents, sizeof c->parents, "%ld", a);
    }
    if (st == NACRE_ERR_NOMEM) return nacre_error_set(err, st, "%s", tmp.message);
  }
  if (st) {
    nacre_structure_free(c->start);
    c->start = NULL;
    c->parents[0] = '\0';
    char op[24];
    int ci = ref;
    /* half of the later random structures refine the hull's vertices */
    if (ci < 0 && gen > 0 && e->nvertex > 0 && nacre_rng_uniform(&rng) < 0.5)
      ci = e->vertex[nacre_rng_int(&rng, e->nvertex)];
    if (ci < 0) ci = draw_comp(e, &rng);
    st = NACRE_ERR_NOT_CONVERGED;
    for (int t = 0; t < 30 && st && st != NACRE_ERR_NOMEM; t++) {
      st = random_at(e, ci, &rng, &c->start, op, err);
      if (st && t == 9) ci = draw_comp(e, &rng); /* a composition too hard */
    }
    if (st) return nacre_error_prefix(err, "no random structure in 30 tries: ");
    if (c->engine[0] && strcmp(c->engine, "random"))
      snprintf(c->op, sizeof c->op, "%.12s/fallback", tried_op);
    else
      snprintf(c->op, sizeof c->op, "%s", op);
    if (!c->engine[0]) strcpy(c->engine, "random");
  }
  c->created = nacre_epoch_s();
  e->comp[id] = comp_of(e, c->start);
  if (e->comp[id] >= 0) e->comps.tried[e->comp[id]]++;
  return NACRE_OK;
}

/* ---- relaxation results ---- */

static nacre_status finish(vc *e, long id, nacre_structure *s,
                           const nacre_search_relaxed *out, nacre_error *err) {
  nacre_candidate *c = &e->c[id];
  int ok;
  return search_finish_relaxed(e->run, e->cfg, &e->random, c, s, out, &e->tally,
                               &ok, err);
}

static nacre_status store_duplicate(void *user, long id, long dup_of,
                                    nacre_error *err) {
  return run_store_duplicate((nacre_run *)user, id, dup_of, err);
}

/* The finished candidates [folded, to) join the pool in id order. */
static nacre_status fold(vc *e, long to, nacre_error *err) {
  if (e->folded >= to) return NACRE_OK;
  nacre_status st = run_begin(e->run, err);
  for (long id = e->folded; id < to && !st; id++)
    if (e->c[id].status == NACRE_CANDIDATE_DONE && e->comp[id] >= 0)
      st = dedup_fold(e->c, id, e->unique, &e->nunique, &e->cfg->duplicate,
                      store_duplicate, e->run, err);
  if (st) {
    run_rollback(e->run);
    return st;
  }
  e->folded = to;
  return run_commit(e->run, err);
}

/* ---- the loop ---- */

typedef struct vc_runner {
  vc *e;
  nacre_search_relax_fn relax;
  void *relax_user;
  nacre_search_progress_fn prog;
  void *prog_user;
  search_transport *t;
  double deadline;
} vc_runner;

static int report(vc_runner *r, int gen, int final) {
  vc *e = r->e;
  nacre_search_progress p;
  search_progress_fill(&p, &e->tally, e->cfg, gen, e->nunique,
                       e->folded - 1 - e->last_low, final);
  p.compositions = e->ncomps_done;
  p.hull_phases = e->hull_phases;
  p.best_h_atom = NAN;
  return search_progress_send(e->run, r->prog, r->prog_user, &p);
}

typedef struct batch_user {
  vc_runner *r;
  int gen;
} batch_user;

static nacre_status batch_finish(void *user, long id, nacre_structure *s,
                                 const nacre_search_relaxed *out,
                                 nacre_error *err) {
  return finish(((batch_user *)user)->r->e, id, s, out, err);
}

static int batch_report(void *user) {
  batch_user *u = user;
  return report(u->r, u->gen, 0);
}

/* Relaxes the pending candidates of [from, to) (search_relax_generation;
 * *pending of them). */
static nacre_status relax_generation(vc_runner *r, long from, long to, int gen,
                                     int *pending, int *stopped,
                                     nacre_error *err) {
  vc *e = r->e;
  batch_user u = {r, gen};
  search_batch b = {.run = e->run, .ctx = e->ctx, .deadline = r->deadline,
                    .c = e->c, .pressure_gpa = e->cfg->pressure_gpa,
                    .relax = r->relax, .relax_user = r->relax_user, .t = r->t,
                    .finish = batch_finish, .report = batch_report, .user = &u};
  nacre_status st = search_relax_generation(&b, e->cfg->jobs, from, to, pending,
                                            stopped, err);
  r->t = b.t;
  return st;
}

static nacre_status make_one(void *user, long id, int slot, int *particle,
                             nacre_error *err) {
  batch_user *u = user;
  *particle = -1;
  return make_candidate(u->r->e, id, u->gen, slot, err);
}

/* The run's stored candidates, their compositions and the counts. */
static nacre_status load(vc *e, nacre_error *err) {
  nacre_candidate *loaded = NULL;
  long nl = 0;
  nacre_status st = run_load_all(e->run, &loaded, NULL, &nl, err);
  if (!st) st = vc_capacity(e, nl + 1, err);
  for (long k = 0; k < nl && !st; k++) {
    if (loaded[k].id != k) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "run database: candidate ids are not 0..%ld", nl - 1);
      break;
    }
    e->c[k] = loaded[k];
    memset(&loaded[k], 0, sizeof loaded[k]);
    e->comp[k] = comp_of(e, e->c[k].start ? e->c[k].start : e->c[k].relaxed);
    if (e->comp[k] >= 0) e->comps.tried[e->comp[k]]++;
    search_tally_stored(&e->tally, &e->c[k]);
    if (e->c[k].status == NACRE_CANDIDATE_DONE) {
      /* a relaxation that left the range (it cannot: atoms are kept) or a
       * minimum without its structure is not a member of the pool */
      if (!e->c[k].relaxed || comp_of(e, e->c[k].relaxed) != e->comp[k]) e->comp[k] = -1;
    }
  }
  e->n = nl;
  free(loaded);
  return st;
}

nacre_status varcomp_run_on(nacre_run *run, nacre_search_relax_fn relax,
                            void *relax_user, search_transport *t,
                            nacre_search_progress_fn prog, void *prog_user,
                            const nacre_ctx *ctx, nacre_error *err) {
  const nacre_search_config *cfg = &run->cfg;
  vc e;
  memset(&e, 0, sizeof e);
  e.last_low = -1;
  e.run = run;
  e.cfg = cfg;
  e.random = cfg->random;
  e.random.pressure_gpa = cfg->pressure_gpa;
  if (cfg->soft_modes == NACRE_SOFT_MODES_POTENTIAL)
    e.modes = (op_modes){run->soft_modes, run->soft_modes_user, 0, 0, 0};
  /* children that keep symmetry, as in a fixed-composition search */
  e.modes.symmetric = cfg->frac_symmetric;
  e.modes.symprec = cfg->symprec;
  e.ctx = ctx;
  e.tally.t_start = nacre_now_s();
  vc_runner r = {&e, relax, relax_user, prog, prog_user, t,
                 cfg->time_limit_s > 0 ? e.tally.t_start + cfg->time_limit_s : 0};
  nacre_status st = NACRE_OK;
  int stopped = 0, last_gen = 0;
  if (!run->hull)
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "a variable-composition run needs a hull "
                         "(nacre_run_set_hull)");
  if (!st) st = nacre_composition_range_parse(cfg->composition_range, &e.el, err);
  if (!st) st = comp_table_build(cfg, e.el.nspecies, &e.comps, err);
  if (!st && (!(e.vertex = malloc((size_t)e.comps.n * sizeof *e.vertex)) ||
              !(e.best = malloc((size_t)e.comps.n * sizeof *e.best))))
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (int j = 0; !st && j < e.comps.n; j++) e.best[j] = -1;
  if (!st) st = nacre_spacegroup_list_parse(cfg->groups, &e.groups, &e.ngroups, err);
  if (!st) st = load(&e, err);
  e.tally.finished_now = 0;
  int p = cfg->population;
  for (int gen = 0; !st && !stopped; gen++) {
    last_gen = gen;
    long from = (long)gen * p;
    if (from >= cfg->budget) {
      snprintf(run->stop_reason, sizeof run->stop_reason, "budget");
      break;
    }
    long to = from + p < cfg->budget ? from + p : cfg->budget;
    if ((st = vc_capacity(&e, to, err))) break;
    /* the pool of the generations before this one */
    if ((st = fold(&e, from, err)) || (st = rank_pool(&e, err))) break;
    if (gen > 0 && cfg->saturation > 0 && from - 1 - e.last_low >= cfg->saturation) {
      snprintf(run->stop_reason, sizeof run->stop_reason,
               "saturated: no new minimum within %.0f meV/atom of the hull "
               "in %ld relaxations",
               1e3 * SEARCH_NEAR_HULL_EV, from - 1 - e.last_low);
      break;
    }
    int pending;
    batch_user mk = {&r, gen};
    if ((st = search_make_generation(run, e.c, from, to, &e.n, make_one, &mk, err)) ||
        (st = relax_generation(&r, from, to, gen, &pending, &stopped, err)))
      break;
  }
  /* everything finished joins the pool, so the last report is the run's */
  if (!st && (st = fold(&e, e.n, err)) == NACRE_OK) st = rank_pool(&e, err);
  if (!st && e.tally.finished_now > 0) report(&r, last_gen, 1);
  if (r.t) r.t->close(r.t, st != NACRE_OK || stopped);
  vc_free(&e);
  if (!st && !strcmp(run->stop_reason, "interrupted"))
    return nacre_error_set(err, NACRE_ERR_INTERRUPTED, "search interrupted");
  return st;
}
