/* select.c — which configurations an iteration labels: the committee's
 * trust bounds on the force deviation (DP-GEN, Zhang et al., Comput. Phys.
 * Commun. 253, 107206 (2020)) and farthest-point sampling by fingerprint
 * distance, which drops near-duplicates of the training set and of each
 * other before anything is paid for. */
#include <math.h>
#include <stdlib.h>

#include "nacre/learn.h"

/* The defaults: lo = 0.05 eV/Å lies above the force error a converged
 * committee keeps on its own data (a few tens of meV/Å for metals) and hi
 * = 0.35 eV/Å below what only a broken configuration produces; DP-GEN's
 * published Cu and Li runs used 0.05–0.20 and 0.15–0.35. */
void nacre_learn_selection_init(nacre_learn_selection *s) {
  s->lo_ev_a = 0.05;
  s->hi_ev_a = 0.35;
  s->relative_ev_a = 0;
  s->max_per_iteration = 20;
  s->min_distance = 0.003;
  s->random_per_iteration = 1;
}

nacre_learn_class nacre_learn_classify(const nacre_learn_selection *s,
                                       double sigma) {
  if (!isfinite(sigma) || sigma >= s->hi_ev_a) return NACRE_LEARN_FAILED;
  return sigma < s->lo_ev_a ? NACRE_LEARN_ACCURATE : NACRE_LEARN_CANDIDATE;
}

double nacre_learn_deviation(const nacre_learn_selection *s,
                             const nacre_result *r) {
  if (r->committee_size < 2 || !r->atom_force_dev) return NAN;
  if (s->relative_ev_a <= 0) return r->committee_force_dev_max;
  /* DP-GEN's relative model deviation: σ_i / (|⟨F_i⟩| + level) */
  double best = 0;
  for (int i = 0; i < r->natoms; i++) {
    const double *f = r->forces + 3 * (size_t)i;
    double norm = sqrt(f[0] * f[0] + f[1] * f[1] + f[2] * f[2]);
    double rel = r->atom_force_dev[i] / (norm + s->relative_ev_a);
    if (!isfinite(rel)) return NAN;
    if (rel > best) best = rel;
  }
  return best;
}

int nacre_learn_farthest_points(const nacre_fingerprint *const *ref, int nref,
                                const nacre_fingerprint *const *cand,
                                int ncand, int max, double min_distance,
                                int *chosen) {
  if (ncand <= 0 || max <= 0) return 0;
  double *dmin = malloc((size_t)ncand * sizeof *dmin);
  if (!dmin) return -1;
  for (int c = 0; c < ncand; c++) {
    double d = INFINITY;
    for (int r = 0; r < nref; r++) {
      double x = nacre_fingerprint_distance(cand[c], ref[r]);
      if (x < d) d = x;
    }
    dmin[c] = d;
  }
  int n = 0;
  while (n < max) {
    int best = -1;
    for (int c = 0; c < ncand; c++)
      if (dmin[c] >= 0 && (best < 0 || dmin[c] > dmin[best])) best = c;
    if (best < 0 || dmin[best] < min_distance) break;
    chosen[n++] = best;
    dmin[best] = -1; /* taken */
    for (int c = 0; c < ncand; c++) {
      if (dmin[c] < 0) continue;
      double x = nacre_fingerprint_distance(cand[c], cand[best]);
      if (x < dmin[c]) dmin[c] = x;
    }
  }
  free(dmin);
  return n;
}

/* Rank of end point k in its group by enthalpy among the untaken ones
 * (ties to the lower index), and the group's size, taken included. */
static void group_rank(int n, const double *enthalpy, const int *group,
                       const char *taken, int k, int *rank, int *size) {
  *rank = 0;
  *size = 0;
  for (int j = 0; j < n; j++) {
    if (group[j] != group[k]) continue;
    (*size)++;
    if (j == k || (taken && taken[j]) || !isfinite(enthalpy[j])) continue;
    if (enthalpy[j] < enthalpy[k] || (enthalpy[j] == enthalpy[k] && j < k)) (*rank)++;
  }
}

int nacre_learn_random_sample(int n, const double *enthalpy, const int *group,
                              const char *taken, int count, uint64_t seed,
                              int *out) {
  if (n <= 0 || count <= 0) return 0;
  int *pool = malloc((size_t)n * sizeof *pool);
  if (!pool) return -1;
  int npool = 0;
  for (int k = 0; k < n; k++) {
    if ((taken && taken[k]) || !isfinite(enthalpy[k])) continue;
    int rank, size;
    group_rank(n, enthalpy, group, taken, k, &rank, &size);
    if (rank < (size + 3) / 4) pool[npool++] = k;
  }
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 77);
  int m = 0;
  while (m < count && npool > 0) {
    int r = (int)(nacre_rng_uniform(&rng) * npool);
    if (r >= npool) r = npool - 1;
    out[m++] = pool[r];
    pool[r] = pool[--npool];
  }
  free(pool);
  return m;
}
