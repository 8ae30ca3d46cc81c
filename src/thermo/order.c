/* order.c — symmetry-distinct orderings of partially occupied sites (see
 * nacre/thermo.h): supercells as Hermite normal forms reduced by the
 * parent's rotations (Hart & Forcade, Phys. Rev. B 77, 224115 (2008)),
 * site permutations of each supercell's operations, and assignments kept
 * when they are the smallest of their orbit (at fixed concentration as in
 * Hart, Nelson & Forcade, Comput. Mater. Sci. 59, 101 (2012)).
 *
 * Conventions. Fractional coordinates are column vectors of the primitive
 * parent cell; an operation maps x → R x + t. A supercell has rows h_i
 * (integer, in parent coordinates) forming the lower-triangular matrix
 * H = [[a,0,0],[b,c,0],[d,e,f]] with 0 ≤ b, d < a and 0 ≤ e < c, which is
 * unique for each lattice. Its sites are (p, T): parent atom p shifted by
 * T from the box [0,a)×[0,c)×[0,f), one representative of each class of
 * parent translations modulo the supercell lattice. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/pot.h"
#include "nacre/sym.h"
#include "nacre/thermo.h"

void nacre_order_options_init(nacre_order_options *o) {
  memset(o, 0, sizeof *o);
  o->min_cells = o->max_cells = 1;
  o->symprec = NACRE_SYMPREC_DEFAULT;
  o->max_assignments = 1e9;
}

typedef struct {
  int cells;
  int hnf[3][3];
  int sc;           /* index of its supercell in the list */
  size_t colour;    /* offset into the colour pool */
  long degeneracy;
} ordering;

typedef struct {
  int hnf[3][3];
  int cells;
} supercell;

struct nacre_orderings {
  nacre_structure *parent;   /* primitive */
  int nrules;
  nacre_order_rule rules[NACRE_ORDER_MAX_SPECIES];
  int *site_rule;            /* per parent atom: rule or −1 */
  int nd;                    /* disordered parent sites */
  int max_cells;
  long n, cap;
  ordering *items;
  unsigned char *pool;
  size_t pool_len, pool_cap;
  int nsc, sc_cap;
  supercell *sc;
  int *sc_count;             /* supercells per size, index = cells */
};

void nacre_orderings_free(nacre_orderings *o) {
  if (!o) return;
  nacre_structure_free(o->parent);
  free(o->site_rule);
  free(o->items);
  free(o->pool);
  free(o->sc);
  free(o->sc_count);
  free(o);
}

long nacre_orderings_count(const nacre_orderings *o) { return o->n; }
const nacre_structure *nacre_orderings_parent(const nacre_orderings *o) {
  return o->parent;
}

long nacre_orderings_count_cells(const nacre_orderings *o, int cells) {
  long c = 0;
  for (long k = 0; k < o->n; k++) c += o->items[k].cells == cells;
  return c;
}

int nacre_orderings_supercells(const nacre_orderings *o, int cells) {
  return cells >= 1 && cells <= o->max_cells ? o->sc_count[cells] : 0;
}

int nacre_orderings_rule_sites(const nacre_orderings *o, int rule) {
  int c = 0;
  for (int p = 0; p < o->parent->natoms; p++) c += o->site_rule[p] == rule;
  return c;
}

/* ------------------------------------------------------------------ */
/* Lattices                                                             */
/* ------------------------------------------------------------------ */

/* Row-style Hermite normal form of an integer matrix with det ≠ 0: unimodular
 * row operations bring it to the lower-triangular canonical form. */
static void hnf_of(const int in[3][3], int out[3][3]) {
  long m[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) m[i][j] = in[i][j];
  /* column 2 into row 2, then column 1 into row 1 (rows 0..col) */
  for (int col = 2; col >= 1; col--) {
    for (;;) {
      int piv = -1;
      for (int r = 0; r <= col; r++)
        if (m[r][col] != 0 && (piv < 0 || labs(m[r][col]) < labs(m[piv][col])))
          piv = r;
      if (piv < 0) break;
      int other = 0;
      for (int r = 0; r <= col; r++) {
        if (r == piv || m[r][col] == 0) continue;
        long q = m[r][col] / m[piv][col];
        for (int j = 0; j < 3; j++) m[r][j] -= q * m[piv][j];
        other |= m[r][col] != 0;
      }
      if (!other) {
        if (piv != col)
          for (int j = 0; j < 3; j++) {
            long t = m[piv][j];
            m[piv][j] = m[col][j];
            m[col][j] = t;
          }
        break;
      }
    }
  }
  for (int r = 0; r < 3; r++)
    if (m[r][r] < 0)
      for (int j = 0; j < 3; j++) m[r][j] = -m[r][j];
  /* off-diagonal reduction: row1 mod row0, row2 mod row1 then row0 */
  long q = m[1][0] / m[0][0] - (m[1][0] % m[0][0] < 0);
  for (int j = 0; j < 3; j++) m[1][j] -= q * m[0][j];
  q = m[2][1] / m[1][1] - (m[2][1] % m[1][1] < 0);
  for (int j = 0; j < 3; j++) m[2][j] -= q * m[1][j];
  q = m[2][0] / m[0][0] - (m[2][0] % m[0][0] < 0);
  for (int j = 0; j < 3; j++) m[2][j] -= q * m[0][j];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) out[i][j] = (int)m[i][j];
}

/* Reduces an integer vector modulo the lattice of H into the box. */
static void reduce(const int h[3][3], const int v[3], int out[3]) {
  long x[3] = {v[0], v[1], v[2]};
  for (int r = 2; r >= 0; r--) {
    long d = h[r][r];
    long q = x[r] / d - (x[r] % d < 0);
    for (int j = 0; j < 3; j++) x[j] -= q * h[r][j];
  }
  for (int j = 0; j < 3; j++) out[j] = (int)x[j];
}

static int box_index(const int h[3][3], const int t[3]) {
  return (t[0] * h[1][1] + t[1]) * h[2][2] + t[2];
}

static void box_vector(const int h[3][3], int idx, int t[3]) {
  t[2] = idx % h[2][2];
  idx /= h[2][2];
  t[1] = idx % h[1][1];
  t[0] = idx / h[1][1];
}

/* 1 when the rotation R (acting on columns) maps the lattice of H onto
 * itself: every row h_i R^T reduces to zero. */
static int keeps_lattice(const int h[3][3], const int r[3][3]) {
  for (int i = 0; i < 3; i++) {
    int v[3], z[3];
    for (int a = 0; a < 3; a++)
      v[a] = r[a][0] * h[i][0] + r[a][1] * h[i][1] + r[a][2] * h[i][2];
    reduce(h, v, z);
    if (z[0] || z[1] || z[2]) return 0;
  }
  return 1;
}

/* The distinct supercells of `cells` parent cells up to the rotations. */
static nacre_status supercells_of(nacre_orderings *o, int cells,
                                  const int (*rot)[3][3], int nrot,
                                  nacre_error *err) {
  int first = o->nsc;
  for (int a = 1; a <= cells; a++) {
    if (cells % a) continue;
    for (int c = 1; c <= cells / a; c++) {
      if ((cells / a) % c) continue;
      int f = cells / a / c;
      for (int b = 0; b < a; b++)
        for (int d = 0; d < a; d++)
          for (int e = 0; e < c; e++) {
            int h[3][3] = {{a, 0, 0}, {b, c, 0}, {d, e, f}}, seen = 0;
            for (int q = 0; q < nrot && !seen; q++) {
              int hr[3][3], n[3][3];
              for (int i = 0; i < 3; i++)
                for (int k = 0; k < 3; k++)
                  hr[i][k] = rot[q][k][0] * h[i][0] + rot[q][k][1] * h[i][1] +
                             rot[q][k][2] * h[i][2];
              hnf_of(hr, n);
              for (int s = first; s < o->nsc && !seen; s++)
                seen = !memcmp(o->sc[s].hnf, n, sizeof n);
            }
            if (seen) continue;
            if (o->nsc == o->sc_cap) {
              int cap = o->sc_cap ? 2 * o->sc_cap : 32;
              supercell *sc = realloc(o->sc, (size_t)cap * sizeof *sc);
              if (!sc) return nacre_error_set(err, NACRE_ERR_NOMEM, "supercells");
              o->sc = sc;
              o->sc_cap = cap;
            }
            memcpy(o->sc[o->nsc].hnf, h, sizeof h);
            o->sc[o->nsc++].cells = cells;
          }
    }
  }
  o->sc_count[cells] = o->nsc - first;
  return NACRE_OK;
}

/* ------------------------------------------------------------------ */
/* The parent                                                           */
/* ------------------------------------------------------------------ */

typedef struct {
  int nops;
  int (*rot)[3][3];
  int *map;    /* nops × natoms: image atom */
  int *shift;  /* nops × natoms × 3: R x_p + t = x_map + shift */
  int nrot;
  int (*urot)[3][3]; /* distinct rotations */
} parent_ops;

static void parent_ops_free(parent_ops *po) {
  free(po->rot);
  free(po->map);
  free(po->shift);
  free(po->urot);
}

static nacre_status parent_setup(nacre_orderings *o, const nacre_structure *in,
                                 double symprec, parent_ops *po,
                                 nacre_error *err) {
  memset(po, 0, sizeof *po);
  nacre_status st = nacre_symmetry_standardize(in, symprec, 1, &o->parent, err);
  if (st) return nacre_error_prefix(err, "orderings: primitive parent: ");
  nacre_symmetry *sym = NULL;
  st = nacre_symmetry_analyze(o->parent, symprec, &sym, err);
  if (st) return nacre_error_prefix(err, "orderings: parent symmetry: ");
  int n = o->parent->natoms;
  po->nops = sym->nops;
  po->rot = malloc((size_t)sym->nops * sizeof *po->rot);
  po->urot = malloc((size_t)sym->nops * sizeof *po->urot);
  po->map = malloc((size_t)sym->nops * n * sizeof *po->map);
  po->shift = malloc((size_t)sym->nops * n * 3 * sizeof *po->shift);
  o->site_rule = malloc((size_t)n * sizeof *o->site_rule);
  double *frac = malloc(3 * (size_t)n * sizeof *frac);
  if (!po->rot || !po->urot || !po->map || !po->shift || !o->site_rule || !frac) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "orderings");
    goto done;
  }
  if ((st = nacre_symmetry_atom_map(sym, o->parent, po->map, err))) goto done;
  nacre_structure_get_frac(o->parent, frac, NULL);
  for (int q = 0; q < sym->nops; q++) {
    memcpy(po->rot[q], sym->rot[q], sizeof po->rot[q]);
    int dup = 0;
    for (int u = 0; u < po->nrot && !dup; u++)
      dup = !memcmp(po->urot[u], sym->rot[q], sizeof po->urot[u]);
    if (!dup) memcpy(po->urot[po->nrot++], sym->rot[q], sizeof po->urot[0]);
    for (int p = 0; p < n; p++) {
      int m = po->map[(size_t)q * n + p];
      for (int a = 0; a < 3; a++) {
        double y = sym->trans[q][a];
        for (int b = 0; b < 3; b++) y += sym->rot[q][a][b] * frac[3 * p + b];
        po->shift[((size_t)q * n + p) * 3 + a] = (int)lround(y - frac[3 * m + a]);
      }
    }
  }
  o->nd = 0;
  for (int p = 0; p < n; p++) {
    o->site_rule[p] = -1;
    for (int r = 0; r < o->nrules; r++) {
      const nacre_order_rule *ru = &o->rules[r];
      if (o->parent->numbers[p] != ru->site_z ||
          (ru->wyckoff && sym->wyckoff[p] != ru->wyckoff))
        continue;
      if (o->site_rule[p] >= 0) {
        st = nacre_error_set(err, NACRE_ERR_INVALID,
                             "orderings: rules %d and %d both match atom %d",
                             o->site_rule[p] + 1, r + 1, p + 1);
        goto done;
      }
      o->site_rule[p] = r;
    }
    o->nd += o->site_rule[p] >= 0;
  }
  for (int r = 0; r < o->nrules; r++)
    if (!nacre_orderings_rule_sites(o, r)) {
      const nacre_element *e = nacre_element_by_z(o->rules[r].site_z);
      st = nacre_error_set(err, NACRE_ERR_INVALID,
                           "orderings: rule %d matches no site (%s%s%c)", r + 1,
                           e ? e->symbol : "?", o->rules[r].wyckoff ? " at " : "",
                           o->rules[r].wyckoff ? o->rules[r].wyckoff : ' ');
      goto done;
    }
  /* the operations keep each rule's sites among themselves */
  for (int q = 0; q < po->nops && !st; q++)
    for (int p = 0; p < n; p++)
      if (o->site_rule[po->map[(size_t)q * n + p]] != o->site_rule[p]) {
        st = nacre_error_set(err, NACRE_ERR_INVALID,
                             "orderings: a symmetry operation mixes the sites "
                             "of different rules (atom %d)",
                             p + 1);
        break;
      }
done:
  free(frac);
  nacre_symmetry_free(sym);
  return st;
}

/* ------------------------------------------------------------------ */
/* One supercell                                                        */
/* ------------------------------------------------------------------ */

typedef struct {
  int m;            /* disordered sites */
  int *site;        /* their supercell site index p·cells + box index,
                       ordered by rule, then parent atom, then box */
  int *rule_start;  /* nrules + 1 */
  int nperm;
  int *inv;         /* nperm × m: inverse permutations on disordered sites */
  int *is_translation; /* nperm: a pure internal translation ≠ identity */
} sc_group;

static void sc_group_free(sc_group *g) {
  free(g->site);
  free(g->rule_start);
  free(g->inv);
  free(g->is_translation);
  memset(g, 0, sizeof *g);
}

static nacre_status sc_group_build(const nacre_orderings *o,
                                   const parent_ops *po, const int h[3][3],
                                   int cells, sc_group *g, nacre_error *err) {
  int n = o->parent->natoms;
  memset(g, 0, sizeof *g);
  g->m = o->nd * cells;
  g->site = malloc((size_t)(g->m ? g->m : 1) * sizeof *g->site);
  g->rule_start = malloc((size_t)(o->nrules + 1) * sizeof *g->rule_start);
  int *where = malloc((size_t)n * cells * sizeof *where); /* site → position */
  int *perm = malloc((size_t)(g->m ? g->m : 1) * sizeof *perm);
  int nkept = 0;
  for (int q = 0; q < po->nops; q++) nkept += keeps_lattice(h, po->rot[q]);
  size_t maxp = (size_t)nkept * cells;
  g->inv = malloc(maxp * (g->m ? g->m : 1) * sizeof *g->inv);
  g->is_translation = malloc(maxp * sizeof *g->is_translation);
  nacre_status st = NACRE_OK;
  if (!g->site || !g->rule_start || !where || !perm || !g->inv ||
      !g->is_translation) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "orderings: supercell");
    goto done;
  }
  int k = 0;
  for (int r = 0; r < o->nrules; r++) {
    g->rule_start[r] = k;
    for (int p = 0; p < n; p++)
      if (o->site_rule[p] == r)
        for (int t = 0; t < cells; t++) g->site[k++] = p * cells + t;
  }
  g->rule_start[o->nrules] = k;
  for (int s = 0; s < n * cells; s++) where[s] = -1;
  for (int i = 0; i < g->m; i++) where[g->site[i]] = i;
  for (int q = 0; q < po->nops; q++) {
    if (!keeps_lattice(h, po->rot[q])) continue;
    int identity = !memcmp(po->rot[q], (int[3][3]){{1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
                           sizeof po->rot[q]);
    for (int tau = 0; tau < cells; tau++) {
      int tv[3];
      box_vector(h, tau, tv);
      for (int i = 0; i < g->m; i++) {
        int p = g->site[i] / cells, T[3], v[3], red[3];
        box_vector(h, g->site[i] % cells, T);
        const int *sh = &po->shift[((size_t)q * n + p) * 3];
        for (int a = 0; a < 3; a++)
          v[a] = po->rot[q][a][0] * T[0] + po->rot[q][a][1] * T[1] +
                 po->rot[q][a][2] * T[2] + sh[a] + tv[a];
        reduce(h, v, red);
        int img = po->map[(size_t)q * n + p] * cells + box_index(h, red);
        perm[i] = where[img];
      }
      /* the same permutation of the disordered sites may come from several
       * operations (they differ on ordered sites only): keep it once */
      int *inv = &g->inv[(size_t)g->nperm * g->m];
      for (int i = 0; i < g->m; i++) inv[perm[i]] = i;
      int dup = -1;
      for (int u = 0; u < g->nperm && dup < 0; u++)
        if (!memcmp(&g->inv[(size_t)u * g->m], inv, (size_t)g->m * sizeof *inv))
          dup = u;
      if (dup >= 0) {
        /* being fixed by that permutation then also means being invariant
         * under this translation */
        if (identity && tau != 0) g->is_translation[dup] = 1;
        continue;
      }
      g->is_translation[g->nperm] = identity && tau != 0;
      g->nperm++;
    }
  }
done:
  free(where);
  free(perm);
  if (st) sc_group_free(g);
  return st;
}

/* ------------------------------------------------------------------ */
/* Assignments                                                          */
/* ------------------------------------------------------------------ */

/* Next permutation of the multiset a[0..n) in lexicographic order; 0 when
 * a was the last (it is then reset to the first, ascending). */
static int next_multiset(unsigned char *a, int n) {
  int i = n - 2;
  while (i >= 0 && a[i] >= a[i + 1]) i--;
  if (i < 0) {
    for (int l = 0, r = n - 1; l < r; l++, r--) {
      unsigned char t = a[l];
      a[l] = a[r];
      a[r] = t;
    }
    return 0;
  }
  int j = n - 1;
  while (a[j] <= a[i]) j--;
  unsigned char t = a[i];
  a[i] = a[j];
  a[j] = t;
  for (int l = i + 1, r = n - 1; l < r; l++, r--) {
    t = a[l];
    a[l] = a[r];
    a[r] = t;
  }
  return 1;
}

/* Fills a block with the first (sorted) arrangement of counts. */
static void first_arrangement(unsigned char *a, const int *counts, int k) {
  int pos = 0;
  for (int s = 0; s < k; s++)
    for (int c = 0; c < counts[s]; c++) a[pos++] = (unsigned char)s;
}

/* Relabellings of the species considered equivalent: lab[l][s] is the new
 * label of species s (lab[0] the identity). */
typedef struct {
  int n;
  unsigned char map[24][NACRE_ORDER_MAX_SPECIES];
} relabel;

/* All permutations of k labels (k ≤ 4) when exchange is on, else the
 * identity alone. */
static void relabel_init(relabel *r, int k, int exchange) {
  r->n = 0;
  unsigned char a[NACRE_ORDER_MAX_SPECIES];
  for (int s = 0; s < NACRE_ORDER_MAX_SPECIES; s++) a[s] = (unsigned char)s;
  do {
    memcpy(r->map[r->n++], a, sizeof a);
  } while (exchange && r->n < 24 && next_multiset(a, k));
}

/* Canonical (smallest in its orbit under the permutations and
 * relabellings) and not smaller-cell; *stab gets the number of
 * permutations that fix it without relabelling. */
static int canonical(const sc_group *g, const relabel *rl,
                     const unsigned char *c, long *stab) {
  long fixed = 0;
  for (int u = 0; u < g->nperm; u++) {
    const int *inv = &g->inv[(size_t)u * g->m];
    for (int l = 0; l < rl->n; l++) {
      const unsigned char *map = rl->map[l];
      int cmp = 0;
      for (int i = 0; i < g->m && !cmp; i++) {
        unsigned char x = map[c[inv[i]]];
        cmp = (x > c[i]) - (x < c[i]);
      }
      if (cmp < 0) return 0;
      if (cmp == 0 && l == 0) {
        if (g->is_translation[u]) return 0;
        fixed++;
      }
    }
  }
  *stab = fixed;
  return 1;
}

static nacre_status store(nacre_orderings *o, const unsigned char *c, int m,
                          int sc, long degeneracy, nacre_error *err) {
  if (o->n == o->cap) {
    long cap = o->cap ? 2 * o->cap : 256;
    ordering *it = realloc(o->items, (size_t)cap * sizeof *it);
    if (!it) return nacre_error_set(err, NACRE_ERR_NOMEM, "orderings");
    o->items = it;
    o->cap = cap;
  }
  if (o->pool_len + (size_t)m > o->pool_cap) {
    size_t cap = 2 * (o->pool_len + (size_t)m) + 1024;
    unsigned char *p = realloc(o->pool, cap);
    if (!p) return nacre_error_set(err, NACRE_ERR_NOMEM, "orderings");
    o->pool = p;
    o->pool_cap = cap;
  }
  memcpy(o->pool + o->pool_len, c, (size_t)m);
  ordering *it = &o->items[o->n++];
  it->cells = o->sc[sc].cells;
  memcpy(it->hnf, o->sc[sc].hnf, sizeof it->hnf);
  it->sc = sc;
  it->colour = o->pool_len;
  it->degeneracy = degeneracy;
  o->pool_len += (size_t)m;
  return NACRE_OK;
}

/* Species counts of every rule for one composition; advance to the next
 * composition (all-compositions mode) or report there is none. */
typedef struct {
  int counts[NACRE_ORDER_MAX_SPECIES][NACRE_ORDER_MAX_SPECIES];
} composition;

/* Next composition of m sites into k species, each at least 1
 * (lexicographic on the counts); 0 when exhausted. */
static int next_composition(int *c, int k, int m) {
  /* move one unit from the last species to the rightmost one that can
   * take it, in the usual order of compositions */
  for (int i = k - 2; i >= 0; i--) {
    int rest = 0;
    for (int j = i + 1; j < k; j++) rest += c[j];
    if (rest - (k - 1 - i) >= 1) {
      c[i]++;
      rest--;
      for (int j = i + 1; j < k - 1; j++) c[j] = 1;
      c[k - 1] = rest - (k - 2 - i);
      return 1;
    }
  }
  (void)m;
  return 0;
}

static double log_multinomial(const int *counts, int k) {
  int n = 0;
  double l = 0;
  for (int s = 0; s < k; s++) {
    n += counts[s];
    l -= lgamma(counts[s] + 1.0);
  }
  return l + lgamma(n + 1.0);
}

/* Every assignment of one composition in supercell sc. */
static nacre_status assign(nacre_orderings *o, const sc_group *g, int sc,
                           const composition *cp, const relabel *rl,
                           const nacre_ctx *ctx, nacre_error *err) {
  unsigned char *c = malloc((size_t)(g->m ? g->m : 1));
  if (!c) return nacre_error_set(err, NACRE_ERR_NOMEM, "orderings");
  for (int r = 0; r < o->nrules; r++)
    first_arrangement(c + g->rule_start[r], cp->counts[r], o->rules[r].nspecies);
  nacre_status st = NACRE_OK;
  long tested = 0;
  for (;;) {
    long stab;
    if (canonical(g, rl, c, &stab)) {
      st = store(o, c, g->m, sc, g->nperm / stab, err);
      if (st) break;
    }
    if ((++tested & 0xffff) == 0 && nacre_ctx_interrupted(ctx)) {
      st = nacre_error_set(err, NACRE_ERR_INTERRUPTED, "orderings: interrupted");
      break;
    }
    /* odometer over the rule blocks, last block fastest */
    int r = o->nrules - 1;
    while (r >= 0 && !next_multiset(c + g->rule_start[r],
                                    g->rule_start[r + 1] - g->rule_start[r]))
      r--;
    if (r < 0) break;
  }
  free(c);
  return st;
}

/* The compositions of one supercell size: fixed fractions (0 if they do
 * not give whole numbers of atoms) or every one with all species. */
static nacre_status supercell_assignments(nacre_orderings *o,
                                          const parent_ops *po, int sc,
                                          const nacre_order_options *opt,
                                          const nacre_ctx *ctx,
                                          nacre_error *err) {
  int cells = o->sc[sc].cells;
  sc_group g;
  nacre_status st = sc_group_build(o, po, o->sc[sc].hnf, cells, &g, err);
  if (st) return st;
  composition cp;
  memset(&cp, 0, sizeof cp);
  int ok = 1;
  for (int r = 0; r < o->nrules && ok; r++) {
    const nacre_order_rule *ru = &o->rules[r];
    int m = g.rule_start[r + 1] - g.rule_start[r];
    if (opt->all_compositions) {
      if (m < ru->nspecies) ok = 0;
      for (int s = 0; s < ru->nspecies; s++) cp.counts[r][s] = 1;
      cp.counts[r][ru->nspecies - 1] = m - (ru->nspecies - 1);
    } else {
      int sum = 0;
      for (int s = 0; s < ru->nspecies; s++) {
        double c = ru->fraction[s] * m;
        if (fabs(c - round(c)) > 1e-6) ok = 0;
        cp.counts[r][s] = (int)lround(c);
        sum += cp.counts[r][s];
      }
      if (sum != m) ok = 0;
    }
  }
  relabel rl;
  relabel_init(&rl, o->rules[0].nspecies, opt->exchange_species);
  while (ok && !st) {
    st = assign(o, &g, sc, &cp, &rl, ctx, err);
    if (!opt->all_compositions) break;
    /* next composition: odometer over rules */
    int r = o->nrules - 1;
    while (r >= 0) {
      int m = g.rule_start[r + 1] - g.rule_start[r];
      if (next_composition(cp.counts[r], o->rules[r].nspecies, m)) break;
      for (int s = 0; s < o->rules[r].nspecies; s++) cp.counts[r][s] = 1;
      cp.counts[r][o->rules[r].nspecies - 1] = m - (o->rules[r].nspecies - 1);
      r--;
    }
    if (r < 0) break;
  }
  sc_group_free(&g);
  return st;
}

/* log of the number of assignments a size would test, for the guard. */
static double log_assignments(const nacre_orderings *o, int cells,
                              const nacre_order_options *opt) {
  double total = 0;
  for (int r = 0; r < o->nrules; r++) {
    int m = nacre_orderings_rule_sites(o, r) * cells, counts[NACRE_ORDER_MAX_SPECIES];
    if (opt->all_compositions) {
      total += m * log((double)o->rules[r].nspecies);
      continue;
    }
    for (int s = 0; s < o->rules[r].nspecies; s++)
      counts[s] = (int)lround(o->rules[r].fraction[s] * m);
    total += log_multinomial(counts, o->rules[r].nspecies);
  }
  return total;
}

static nacre_status check_rules(const nacre_order_rule *rules, int nrules,
                                const nacre_order_options *opt,
                                nacre_error *err) {
  if (nrules < 1 || nrules > NACRE_ORDER_MAX_SPECIES)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "orderings: 1 to %d rules, got %d",
                           NACRE_ORDER_MAX_SPECIES, nrules);
  for (int r = 0; r < nrules; r++) {
    const nacre_order_rule *ru = &rules[r];
    if (ru->nspecies < 1 || ru->nspecies > NACRE_ORDER_MAX_SPECIES)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "orderings: rule %d has %d species", r + 1,
                             ru->nspecies);
    double sum = 0;
    for (int s = 0; s < ru->nspecies; s++) {
      if (ru->z[s] < 0 || ru->z[s] > NACRE_MAX_Z)
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "orderings: rule %d: bad element %d", r + 1,
                               ru->z[s]);
      if (!opt->all_compositions && !(ru->fraction[s] > 0))
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "orderings: rule %d: fraction %g of species %d "
                               "must be > 0",
                               r + 1, ru->fraction[s], s + 1);
      sum += ru->fraction[s];
    }
    if (!opt->all_compositions && fabs(sum - 1) > 1e-6)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "orderings: rule %d: fractions sum to %g, not 1",
                             r + 1, sum);
  }
  if (opt->exchange_species && (nrules != 1 || rules[0].nspecies > 4 ||
                                !opt->all_compositions))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "orderings: exchanging species labels needs one "
                           "rule of at most 4 species and every composition");
  if (opt->min_cells < 1 || opt->max_cells < opt->min_cells)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "orderings: cell sizes %d..%d", opt->min_cells,
                           opt->max_cells);
  return NACRE_OK;
}

nacre_status nacre_order_enumerate(const nacre_structure *parent,
                                   const nacre_order_rule *rules, int nrules,
                                   const nacre_order_options *opt,
                                   const nacre_ctx *ctx, nacre_orderings **out,
                                   nacre_error *err) {
  *out = NULL;
  nacre_order_options defaults;
  if (!opt) {
    nacre_order_options_init(&defaults);
    opt = &defaults;
  }
  nacre_status st = check_rules(rules, nrules, opt, err);
  if (st) return st;
  nacre_orderings *o = calloc(1, sizeof *o);
  if (!o) return nacre_error_set(err, NACRE_ERR_NOMEM, "orderings");
  o->nrules = nrules;
  memcpy(o->rules, rules, (size_t)nrules * sizeof *rules);
  o->max_cells = opt->max_cells;
  o->sc_count = calloc((size_t)opt->max_cells + 1, sizeof *o->sc_count);
  parent_ops po;
  double symprec = opt->symprec > 0 ? opt->symprec : NACRE_SYMPREC_DEFAULT;
  st = o->sc_count ? parent_setup(o, parent, symprec, &po, err)
                   : nacre_error_set(err, NACRE_ERR_NOMEM, "orderings");
  for (int cells = opt->min_cells; !st && cells <= opt->max_cells; cells++) {
    double la = log_assignments(o, cells, opt);
    int first = o->nsc;
    st = supercells_of(o, cells, (const int(*)[3][3])po.urot, po.nrot, err);
    if (st) break;
    int nsc = o->nsc - first;
    if (la + log((double)(nsc ? nsc : 1)) > log(opt->max_assignments)) {
      st = nacre_error_set(err, NACRE_ERR_INVALID,
                           "orderings: %d-cell supercells hold about %.3g "
                           "assignments to test (limit %.3g): use fewer cells",
                           cells, exp(la) * nsc, opt->max_assignments);
      break;
    }
    for (int sc = first; sc < o->nsc && !st; sc++)
      st = supercell_assignments(o, &po, sc, opt, ctx, err);
    nacre_log(ctx, NACRE_LOG_INFO,
              "orderings: %d cell%s: %d supercell%s, %ld orderings so far",
              cells, cells == 1 ? "" : "s", nsc, nsc == 1 ? "" : "s", o->n);
  }
  if (o->sc_count) parent_ops_free(&po);
  if (st) {
    nacre_orderings_free(o);
    return st;
  }
  *out = o;
  return NACRE_OK;
}

/* ------------------------------------------------------------------ */
/* Results                                                              */
/* ------------------------------------------------------------------ */

nacre_status nacre_ordering_info_get(const nacre_orderings *o, long k,
                                     nacre_ordering_info *info,
                                     nacre_error *err) {
  if (k < 0 || k >= o->n)
    return nacre_error_set(err, NACRE_ERR_INVALID, "ordering %ld of %ld", k, o->n);
  const ordering *it = &o->items[k];
  info->cells = it->cells;
  memcpy(info->hnf, it->hnf, sizeof info->hnf);
  info->degeneracy = it->degeneracy;
  int natoms = (o->parent->natoms - o->nd) * it->cells;
  const unsigned char *c = o->pool + it->colour;
  int pos = 0;
  for (int r = 0; r < o->nrules; r++) {
    int m = nacre_orderings_rule_sites(o, r) * it->cells;
    for (int i = 0; i < m; i++) natoms += o->rules[r].z[c[pos + i]] != 0;
    pos += m;
  }
  info->natoms = natoms;
  return NACRE_OK;
}

/* The supercell of ordering k with every site (vacancy sites kept, with
 * number 0 when keep_vacancies, else removed); site order p·cells + box. */
static nacre_status build(const nacre_orderings *o, long k, int keep_vacancies,
                          nacre_structure **out, nacre_error *err) {
  const ordering *it = &o->items[k];
  int cells = it->cells, n = o->parent->natoms;
  int *number = malloc((size_t)n * cells * sizeof *number);
  if (!number) return nacre_error_set(err, NACRE_ERR_NOMEM, "ordering");
  for (int p = 0; p < n; p++)
    for (int t = 0; t < cells; t++) number[p * cells + t] = o->parent->numbers[p];
  const unsigned char *c = o->pool + it->colour;
  int pos = 0;
  for (int r = 0; r < o->nrules; r++)
    for (int p = 0; p < n; p++)
      if (o->site_rule[p] == r)
        for (int t = 0; t < cells; t++) number[p * cells + t] = o->rules[r].z[c[pos++]];
  int natoms = 0;
  for (int s = 0; s < n * cells; s++) natoms += keep_vacancies || number[s];
  nacre_structure *s = nacre_structure_new(natoms, err);
  if (!s) {
    free(number);
    return err ? err->status : NACRE_ERR_NOMEM;
  }
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      double v = 0;
      for (int l = 0; l < 3; l++) v += it->hnf[i][l] * o->parent->cell[l][j];
      s->cell[i][j] = v;
    }
  double *frac = malloc(3 * (size_t)n * sizeof *frac);
  if (!frac) {
    free(number);
    nacre_structure_free(s);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "ordering");
  }
  nacre_structure_get_frac(o->parent, frac, NULL);
  int a = 0;
  for (int p = 0; p < n; p++) {
    const double *f = &frac[3 * p];
    for (int t = 0; t < cells; t++) {
      if (!keep_vacancies && !number[p * cells + t]) continue;
      int T[3];
      box_vector(it->hnf, t, T);
      double x[3] = {f[0] + T[0], f[1] + T[1], f[2] + T[2]};
      nacre_cell_frac_to_cart(o->parent->cell, x, &s->positions[3 * a]);
      s->numbers[a++] = number[p * cells + t];
    }
  }
  free(frac);
  free(number);
  nacre_structure_wrap(s);
  *out = s;
  return NACRE_OK;
}

nacre_status nacre_ordering_structure(const nacre_orderings *o, long k,
                                      nacre_structure **out, nacre_error *err) {
  *out = NULL;
  if (k < 0 || k >= o->n)
    return nacre_error_set(err, NACRE_ERR_INVALID, "ordering %ld of %ld", k, o->n);
  return build(o, k, 0, out, err);
}

nacre_status nacre_orderings_ewald(const nacre_orderings *o, const int *z,
                                   const double *q, int nz, double accuracy,
                                   double *energies, const nacre_ctx *ctx,
                                   nacre_error *err) {
  nacre_ewald_options eo;
  nacre_ewald_options_init(&eo);
  if (accuracy > 0) eo.accuracy = accuracy;
  nacre_status st = NACRE_OK;
  for (int sc = 0; sc < o->nsc && !st; sc++) {
    long first = -1;
    for (long k = 0; k < o->n && first < 0; k++)
      if (o->items[k].sc == sc) first = k;
    if (first < 0) continue;
    nacre_structure *s = NULL;
    /* all sites, vacancies as atoms of number 0 would not pass the
     * structure checks: use the parent's elements on every site for the
     * geometry, the charges come from the assignment */
    if ((st = build(o, first, 1, &s, err))) break;
    int n = s->natoms, cells = o->items[first].cells, np = o->parent->natoms;
    for (int p = 0; p < np; p++)
      for (int t = 0; t < cells; t++) s->numbers[p * cells + t] = o->parent->numbers[p];
    double *m = malloc((size_t)n * n * sizeof *m), *qs = malloc((size_t)n * sizeof *qs);
    if (!m || !qs) st = nacre_error_set(err, NACRE_ERR_NOMEM, "ewald matrix");
    if (!st) st = nacre_ewald_matrix(s, &eo, m, err);
    for (long k = first; k < o->n && !st; k++) {
      if (o->items[k].sc != sc) continue;
      nacre_structure *sk = NULL;
      if ((st = build(o, k, 1, &sk, err))) break;
      for (int i = 0; i < n && !st; i++) {
        int zi = sk->numbers[i], c = 0;
        if (!zi) {
          qs[i] = 0;
          continue;
        }
        while (c < nz && z[c] != zi) c++;
        if (c == nz) {
          const nacre_element *e = nacre_element_by_z(zi);
          st = nacre_error_set(err, NACRE_ERR_INVALID,
                               "orderings: no charge given for %s",
                               e ? e->symbol : "?");
        } else {
          qs[i] = q[c];
        }
      }
      nacre_structure_free(sk);
      if (st) break;
      double e = 0;
      for (int i = 0; i < n; i++) {
        if (qs[i] == 0) continue;
        double row = 0;
        for (int j = 0; j < n; j++) row += m[(size_t)i * n + j] * qs[j];
        e += qs[i] * row;
      }
      energies[k] = 0.5 * e;
      if (nacre_ctx_interrupted(ctx))
        st = nacre_error_set(err, NACRE_ERR_INTERRUPTED, "orderings: interrupted");
    }
    free(m);
    free(qs);
    nacre_structure_free(s);
  }
  return st;
}

double nacre_orderings_mixing_entropy(const nacre_orderings *o,
                                      double *per_site) {
  double total = 0;
  for (int r = 0; r < o->nrules; r++) {
    double s = 0;
    for (int k = 0; k < o->rules[r].nspecies; k++) {
      double x = o->rules[r].fraction[k];
      if (x > 0) s -= x * log(x);
    }
    if (per_site) per_site[r] = s;
    total += s * nacre_orderings_rule_sites(o, r);
  }
  return total;
}

/* ---- rules from a disordered crystal ---- */

static int disordered(const nacre_site_mix *m) {
  return m->nspecies > 1 || m->z[0] == 0 || m->fraction[0] < 1.0 - 1e-9;
}

/* p/q with q ≤ 24 within 0.005 of f, else f. */
static double nice_fraction(double f) {
  for (int q = 1; q <= 24; q++) {
    double p = round(f * q);
    if (fabs(f - p / q) <= 0.005) return p / q;
  }
  return f;
}

static int same_rule(const nacre_order_rule *a, const nacre_order_rule *b) {
  if (a->nspecies != b->nspecies) return 0;
  for (int k = 0; k < a->nspecies; k++)
    if (a->z[k] != b->z[k] || fabs(a->fraction[k] - b->fraction[k]) > 1e-9) return 0;
  return 1;
}

static void rule_from_mix(nacre_order_rule *r, int site_z, char letter,
                          const nacre_site_mix *m) {
  memset(r, 0, sizeof *r);
  r->site_z = site_z;
  r->wyckoff = letter;
  r->nspecies = m->nspecies;
  double sum = 0;
  for (int k = 0; k < m->nspecies; k++) {
    r->z[k] = m->z[k];
    sum += r->fraction[k] = nice_fraction(m->fraction[k]);
  }
  if (fabs(sum - 1) > 1e-9) /* the rounded ratios do not add up: as given */
    for (int k = 0; k < m->nspecies; k++) r->fraction[k] = m->fraction[k];
}

static const char *symbol(int z) {
  const nacre_element *e = nacre_element_by_z(z);
  return e ? e->symbol : "?";
}

/* Each rule holds whole elements where it can: the letter goes when no
 * other atom of its element exists. */
static void drop_letters(const nacre_structure *parent, const int *rule_of,
                         nacre_order_rule *rules, int nrules) {
  for (int r = 0; r < nrules; r++) {
    int alone = 1;
    for (int p = 0; p < parent->natoms && alone; p++)
      alone = parent->numbers[p] != rules[r].site_z || rule_of[p] == r;
    if (alone) rules[r].wyckoff = 0;
  }
}

nacre_status nacre_order_rules_from_sites(const nacre_structure *parent,
                                          const nacre_site_mix *mix,
                                          double symprec,
                                          nacre_order_rule *rules,
                                          int max_rules, int *nrules,
                                          nacre_error *err) {
  *nrules = 0;
  nacre_symmetry *sym = NULL;
  nacre_status st = nacre_symmetry_analyze(parent, symprec, &sym, err);
  if (st) return nacre_error_prefix(err, "disordered sites: parent symmetry: ");
  int n = parent->natoms, nr = 0;
  int *rule_of = malloc((size_t)(n ? n : 1) * sizeof *rule_of);
  if (!rule_of) st = nacre_error_set(err, NACRE_ERR_NOMEM, "disordered sites");
  for (int p = 0; p < n && !st; p++) {
    rule_of[p] = -1;
    if (!disordered(&mix[p])) continue;
    int z = parent->numbers[p], r = 0;
    char w = sym->wyckoff[p];
    while (r < nr && !(rules[r].site_z == z && rules[r].wyckoff == w)) r++;
    nacre_order_rule here;
    rule_from_mix(&here, z, w, &mix[p]);
    if (r < nr) {
      if (!same_rule(&here, &rules[r]))
        st = nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                             "disordered sites: atoms of %s at Wyckoff %c hold "
                             "different mixtures; give the rules with "
                             "--substitute", symbol(z), w);
    } else if (r == nr) {
      if (nr == max_rules) {
        st = nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                             "disordered sites: more than %d kinds", max_rules);
        break;
      }
      rules[nr++] = here;
    }
    rule_of[p] = r;
  }
  for (int p = 0; p < n && !st; p++) /* an ordered atom a rule would match */
    for (int r = 0; r < nr && !st; r++)
      if (rule_of[p] < 0 && parent->numbers[p] == rules[r].site_z &&
          sym->wyckoff[p] == rules[r].wyckoff)
        st = nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                             "disordered sites: %s at Wyckoff %c is ordered on "
                             "some atoms and not on others; give the rules "
                             "with --substitute",
                             symbol(rules[r].site_z), rules[r].wyckoff);
  if (!st && nr == 0)
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "no partially occupied site: nothing to order");
  if (!st) {
    drop_letters(parent, rule_of, rules, nr);
    *nrules = nr;
  }
  free(rule_of);
  nacre_symmetry_free(sym);
  return st;
}
