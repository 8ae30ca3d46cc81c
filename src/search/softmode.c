/* softmode.c — the bond-hardness harmonic model of a structure and its
 * normal modes, for the soft-mode mutation of the evolutionary search
 * (Lyakhov, Oganov & Valle, Comput. Phys. Commun. 181, 1623 (2010), sec.
 * 2.3; Lyakhov & Oganov, PRB 84, 092103 (2011)).
 *
 * Every pair (i, j, image S) closer than R_i + R_j + 2.5 Å (Cordero
 * covalent radii) is a spring at its current length r0 with stiffness
 *
 *   s_ij  = exp(−(r_ij − R_i − R_j) / b),   b = 0.37 Å (bond valence,
 *           Brown & Altermatt, Acta Cryst. B 41, 244 (1985))
 *   CN_ij = Σ_k s_ik / s_ij                 (coordination of i seen from
 *                                             the bond ij)
 *   χ_ij  = 0.481 n_i / (R_i + d_ij/2),     d_ij = r_ij − R_i − R_j,
 *           n_i valence electrons (bond electronegativity)
 *   k_ij  = √(χ_ij χ_ji / (CN_ij CN_ji))    (eV/Å², up to a common scale
 *                                             that the modes do not see)
 *
 * so E = ½ Σ k_ij (|r_ij| − r0_ij)². At r = r0 the Hessian holds only the
 * longitudinal terms: the block (i, j) of a pair is −k ê êᵀ and (i, i)
 * gathers +k ê êᵀ. Its lowest non-zero eigenvectors are collective,
 * low-energy distortions: the directions the mutation follows. */
#include <dlfcn.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/neigh.h"
#include "nacre/search.h"
#include "softmode_internal.h"

static const double bond_b = 0.37;     /* Å */
static const double bond_extra = 2.5;  /* Å beyond R_i + R_j: s < 1.2e-3 */

struct nacre_bond_model {
  int natoms;
  double cell[3][3];
  size_t npairs;  /* each spring once: i < j, or i == j with S > 0 */
  int *pair_i, *pair_j, *shift; /* shift: 3 ints per pair */
  double *k, *r0;
};

/* Valence electrons by periodic-table group: groups 1–12 give 1–12,
 * groups 13–18 give 3–8, lanthanides and actinides 3, H 1, He 2. */
int nacre_valence_electrons(int z) {
  static const int period_start[7] = {1, 3, 11, 19, 37, 55, 87};
  if (z < 1 || z > NACRE_MAX_Z) return 0;
  if (z <= 2) return z;
  int p = 0;
  while (p + 1 < 7 && z >= period_start[p + 1]) p++;
  int col = z - period_start[p] + 1; /* 1-based position in the period */
  if (p <= 2) return col;            /* Li–Ne, Na–Ar: 1, 2, then 3..8 */
  if (p >= 5) {                      /* the f block of Cs–Rn and Fr–Lr */
    if (col >= 3 && col <= 17) return 3;
    if (col > 17) col -= 14;
  }
  return col <= 12 ? col : col - 10;
}

void nacre_bond_model_free(nacre_bond_model *m) {
  if (!m) return;
  free(m->pair_i), free(m->pair_j), free(m->shift), free(m->k), free(m->r0);
  free(m);
}

static int keep_once(int i, int j, const int *S) {
  if (i != j) return i < j;
  for (int c = 0; c < 3; c++)
    if (S[c]) return S[c] > 0;
  return 0;
}

nacre_status nacre_bond_model_new(const nacre_structure *s,
                                  nacre_bond_model **out, nacre_error *err) {
  *out = NULL;
  int n = s->natoms;
  double rmax = 0;
  for (int i = 0; i < n; i++)
    rmax = fmax(rmax, nacre_covalent_radius(s->numbers[i]));
  nacre_neighbor_list *nl = nacre_nl_new(2 * rmax + bond_extra, 0, err);
  if (!nl) return err ? err->status : NACRE_ERR_NOMEM;
  nacre_status st = nacre_nl_update(nl, s, NULL, err);
  nacre_bond_model *m = calloc(1, sizeof *m);
  double *snorm = calloc((size_t)(n ? n : 1), sizeof *snorm);
  double *rc = calloc((size_t)(n ? n : 1), sizeof *rc);
  size_t cap = nl->nentries ? nl->nentries : 1;
  if (!st && m && snorm && rc) {
    m->natoms = n;
    memcpy(m->cell, s->cell, sizeof m->cell);
    m->pair_i = malloc(cap * sizeof(int));
    m->pair_j = malloc(cap * sizeof(int));
    m->shift = malloc(3 * cap * sizeof(int));
    m->k = malloc(cap * sizeof(double));
    m->r0 = malloc(cap * sizeof(double));
  }
  if (!st && !(m && snorm && rc && m->pair_i && m->pair_j && m->shift &&
               m->k && m->r0))
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "bond model: out of memory");
  for (int i = 0; !st && i < n; i++)
    rc[i] = nacre_covalent_radius(s->numbers[i]);
  /* Σ_k s_ik over every neighbour (both ends of each pair) */
  for (int i = 0; !st && i < n; i++)
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
      double r[3];
      nacre_nl_vector(nl, s, i, e, r);
      double d = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]) - rc[i] -
                 rc[nl->j[e]];
      if (d < bond_extra) snorm[i] += exp(-d / bond_b);
    }
  for (int i = 0; !st && i < n; i++)
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
      int j = nl->j[e];
      const int *S = &nl->shift[3 * e];
      if (!keep_once(i, j, S)) continue;
      double r[3];
      nacre_nl_vector(nl, s, i, e, r);
      double len = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
      double d = len - rc[i] - rc[j];
      if (d >= bond_extra || len <= 0) continue;
      double sij = exp(-d / bond_b);
      double chi_i = 0.481 * nacre_valence_electrons(s->numbers[i]) /
                     fmax(rc[i] + 0.5 * d, 0.1);
      double chi_j = 0.481 * nacre_valence_electrons(s->numbers[j]) /
                     fmax(rc[j] + 0.5 * d, 0.1);
      double cn_i = snorm[i] / sij, cn_j = snorm[j] / sij;
      size_t p = m->npairs++;
      m->pair_i[p] = i, m->pair_j[p] = j;
      memcpy(&m->shift[3 * p], S, 3 * sizeof(int));
      m->k[p] = sqrt(fabs(chi_i * chi_j) / (cn_i * cn_j));
      m->r0[p] = len;
    }
  free(snorm), free(rc);
  nacre_nl_free(nl);
  if (st) {
    nacre_bond_model_free(m);
    return st;
  }
  *out = m;
  return NACRE_OK;
}

static void pair_vector(const nacre_bond_model *m, const double *x, size_t p,
                        double r[3]) {
  const int *S = &m->shift[3 * p];
  int i = m->pair_i[p], j = m->pair_j[p];
  for (int c = 0; c < 3; c++)
    r[c] = x[3 * j + c] - x[3 * i + c] + S[0] * m->cell[0][c] +
           S[1] * m->cell[1][c] + S[2] * m->cell[2][c];
}

double nacre_bond_model_energy(const nacre_bond_model *m,
                               const double *positions) {
  double e = 0;
  for (size_t p = 0; p < m->npairs; p++) {
    double r[3];
    pair_vector(m, positions, p, r);
    double dl = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]) - m->r0[p];
    e += 0.5 * m->k[p] * dl * dl;
  }
  return e;
}

size_t nacre_bond_model_springs(const nacre_bond_model *m) {
  return m->npairs;
}

void nacre_bond_model_hessian(const nacre_bond_model *m,
                              const double *positions, double *h) {
  size_t n3 = 3 * (size_t)m->natoms;
  memset(h, 0, n3 * n3 * sizeof *h);
  for (size_t p = 0; p < m->npairs; p++) {
    double r[3];
    pair_vector(m, positions, p, r);
    double len = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    int i = m->pair_i[p], j = m->pair_j[p];
    if (i == j || len <= 0) continue; /* an atom and its own image */
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) {
        double v = m->k[p] * r[a] * r[b] / (len * len);
        h[(3 * i + a) * n3 + 3 * i + b] += v;
        h[(3 * j + a) * n3 + 3 * j + b] += v;
        h[(3 * i + a) * n3 + 3 * j + b] -= v;
        h[(3 * j + a) * n3 + 3 * i + b] -= v;
      }
  }
}

/* nacre brings its own parallelism (OpenMP over atoms, worker processes);
 * a threaded OpenBLAS inside it oversubscribes the cores: on a busy
 * 2-core machine a 114 × 114 eigenproblem took 41 ms with OpenBLAS's
 * threads and 0.9 ms with one. Where the BLAS is OpenBLAS (its symbols
 * are found at run time, so any BLAS links), the call runs on one thread
 * and the caller's setting is restored. */
typedef struct {
  int (*get)(void);
  void (*set)(int);
} blas_threads;

static blas_threads openblas_threads(void) {
  blas_threads t = {NULL, NULL};
  void *self = dlopen(NULL, RTLD_LAZY);
  if (!self) return t;
  *(void **)&t.get = dlsym(self, "openblas_get_num_threads");
  *(void **)&t.set = dlsym(self, "openblas_set_num_threads");
  dlclose(self);
  if (!t.get || !t.set) t.get = NULL, t.set = NULL;
  return t;
}

int soft_symmetric_eigen(int n, double *a, double *w) {
  blas_threads t = openblas_threads();
  int saved = t.get ? t.get() : 0;
  if (t.set && saved != 1) t.set(1);
  int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', n, a, n, w);
  if (t.set && saved != 1) t.set(saved);
  return info;
}

nacre_status nacre_soft_modes(const nacre_structure *s, double *eigenvalues,
                              double *vectors, nacre_error *err) {
  nacre_bond_model *m;
  nacre_status st = nacre_bond_model_new(s, &m, err);
  if (st) return st;
  int n3 = 3 * s->natoms;
  nacre_bond_model_hessian(m, s->positions, vectors);
  nacre_bond_model_free(m);
  if (!n3) return NACRE_OK;
  /* row-major: column c of the result is eigenvector c; stored transposed
   * below so that vectors + c·3N is mode c */
  int info = soft_symmetric_eigen(n3, vectors, eigenvalues);
  if (info)
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "soft modes: dsyevd failed (info %d) for %d atoms",
                           info, s->natoms);
  for (int a = 0; a < n3; a++)
    for (int b = a + 1; b < n3; b++) {
      double t = vectors[a * n3 + b];
      vectors[a * n3 + b] = vectors[b * n3 + a];
      vectors[b * n3 + a] = t;
    }
  return NACRE_OK;
}
