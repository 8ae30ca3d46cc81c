/* fingerprint.c — pair-distribution fingerprints of structures (Oganov &
 * Valle, J. Chem. Phys. 130, 104504 (2009)) and the duplicate test that
 * combines them with enthalpy, volume and space group.
 *
 * Distances are measured in units of L = (V/N)^{1/3} (crystals) so that the
 * fingerprint compares shapes; volumes are compared separately. For clusters
 * L is the mean nearest-neighbour distance divided by 1.1225 (the fcc ratio
 * d_nn / (V/N)^{1/3} = 2^{1/6}), and the density in the normalisation is
 * 1/L^3. Clusters also get the overlap-matrix eigenvalues (see
 * nacre_fingerprint in search.h), which the duplicate test uses to tell
 * apart minima whose pair distributions nearly coincide. */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/search.h"

void nacre_fingerprint_options_init(nacre_fingerprint_options *o) {
  o->rmax = 3.0;
  o->nbins = 120;
  o->sigma = 0.015;
}

void nacre_fingerprint_free(nacre_fingerprint *fp) {
  if (!fp) return;
  free(fp->weight);
  free(fp->f);
  free(fp->overlap);
  free(fp);
}

static int is_periodic(const nacre_structure *s) {
  return s->pbc[0] || s->pbc[1] || s->pbc[2];
}

static double cluster_scale(const nacre_structure *s) {
  double sum = 0.0;
  for (int i = 0; i < s->natoms; i++) {
    double best = 1e300;
    for (int j = 0; j < s->natoms; j++) {
      if (j == i) continue;
      double d2 = 0;
      for (int k = 0; k < 3; k++) {
        double v = s->positions[3 * i + k] - s->positions[3 * j + k];
        d2 += v * v;
      }
      if (d2 < best) best = d2;
    }
    sum += s->natoms > 1 ? sqrt(best) : 1.0;
  }
  return sum / s->natoms / pow(2.0, 1.0 / 6.0);
}

static int pair_index(int a, int b, int ns) {
  if (a > b) {
    int t = a;
    a = b;
    b = t;
  }
  return a * ns - a * (a - 1) / 2 + (b - a);
}

/* Adds a Gaussian of width sigma centred at r, integrated over each bin and
 * divided by the bin width, times w. */
static void deposit(double *f, int nbins, double bin, double sigma, double r,
                    double w) {
  int lo = (int)floor((r - 5 * sigma) / bin), hi = (int)ceil((r + 5 * sigma) / bin);
  if (lo < 0) lo = 0;
  if (hi > nbins) hi = nbins;
  double c = 1.0 / (sqrt(2.0) * sigma);
  for (int k = lo; k < hi; k++) {
    double a = k * bin - r, b = (k + 1) * bin - r;
    f[k] += w * 0.5 * (erf(b * c) - erf(a * c)) / bin;
  }
}

static int cmp_desc(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x < y) - (x > y);
}

/* The eigenvalues of the Gaussian overlap matrix, largest first, into
 * fp->overlap (Sadeghi et al. 2013; widths as described in search.h, the
 * mean nearest-neighbour distance being 2^{1/6} scale). */
static nacre_status overlap_fingerprint(const nacre_structure *s, double scale,
                                        nacre_fingerprint *fp,
                                        nacre_error *err) {
  int n = s->natoms;
  double *w = malloc(sizeof(double) * (size_t)n),
         *m = malloc(sizeof(double) * (size_t)n * (size_t)n);
  fp->overlap = malloc(sizeof(double) * (size_t)n);
  if (!w || !m || !fp->overlap) {
    free(w);
    free(m);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  double rsum = 0;
  for (int i = 0; i < n; i++) rsum += w[i] = nacre_covalent_radius(s->numbers[i]);
  double f = 0.5 * scale * pow(2.0, 1.0 / 6.0) / (rsum / n);
  for (int i = 0; i < n; i++) w[i] *= f;
  for (int i = 0; i < n; i++)
    for (int j = 0; j <= i; j++) {
      double d2 = 0;
      for (int k = 0; k < 3; k++) {
        double v = s->positions[3 * i + k] - s->positions[3 * j + k];
        d2 += v * v;
      }
      double ww = w[i] * w[i] + w[j] * w[j];
      double x = pow(2.0 * w[i] * w[j] / ww, 1.5) * exp(-d2 / (2.0 * ww));
      m[(size_t)i * n + j] = m[(size_t)j * n + i] = x;
    }
  int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'N', 'U', n, m, n, fp->overlap);
  free(w);
  free(m);
  if (info != 0)
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "fingerprint: overlap eigenvalues failed (dsyevd "
                           "info %d) for %d atoms",
                           info, n);
  qsort(fp->overlap, (size_t)n, sizeof(double), cmp_desc);
  fp->noverlap = n;
  return NACRE_OK;
}

nacre_status nacre_fingerprint_new(const nacre_structure *s,
                                   const nacre_fingerprint_options *opt,
                                   nacre_fingerprint **out, nacre_error *err) {
  *out = NULL;
  nacre_fingerprint_options dflt;
  if (!opt) {
    nacre_fingerprint_options_init(&dflt);
    opt = &dflt;
  }
  if (s->natoms < 1 || opt->nbins < 2 || !(opt->rmax > 0) || !(opt->sigma > 0))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "fingerprint: need atoms, ≥ 2 bins, rmax > 0, "
                           "sigma > 0");
  nacre_fingerprint *fp = calloc(1, sizeof *fp);
  if (!fp) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  int *sp = malloc(sizeof(int) * (size_t)s->natoms);
  if (!sp) {
    free(fp);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  /* Species sorted by atomic number so that atom order does not matter. */
  for (int i = 0; i < s->natoms; i++) {
    int k;
    for (k = 0; k < fp->nspecies && fp->z[k] != s->numbers[i]; k++) {
    }
    if (k == fp->nspecies) {
      if (fp->nspecies == NACRE_MAX_SPECIES) {
        free(sp);
        nacre_fingerprint_free(fp);
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "fingerprint: more than %d species",
                               NACRE_MAX_SPECIES);
      }
      fp->z[fp->nspecies++] = s->numbers[i];
    }
  }
  for (int a = 1; a < fp->nspecies; a++)
    for (int b = a; b > 0 && fp->z[b] < fp->z[b - 1]; b--) {
      int t = fp->z[b];
      fp->z[b] = fp->z[b - 1];
      fp->z[b - 1] = t;
    }
  int count[NACRE_MAX_SPECIES] = {0};
  for (int i = 0; i < s->natoms; i++) {
    for (int k = 0; k < fp->nspecies; k++)
      if (fp->z[k] == s->numbers[i]) sp[i] = k;
    count[sp[i]]++;
  }
  int ns = fp->nspecies;
  fp->npairs = ns * (ns + 1) / 2;
  fp->nbins = opt->nbins;
  int periodic = is_periodic(s);
  double scale = periodic ? cbrt(fabs(nacre_structure_volume(s)) / s->natoms)
                          : cluster_scale(s);
  if (!(scale > 0)) scale = 1.0;
  fp->rmax = opt->rmax;
  fp->bin = opt->rmax / opt->nbins;
  fp->weight = calloc((size_t)fp->npairs, sizeof *fp->weight);
  fp->f = calloc((size_t)fp->npairs * fp->nbins, sizeof *fp->f);
  if (!fp->weight || !fp->f) {
    free(sp);
    nacre_fingerprint_free(fp);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  double sigma = opt->sigma * opt->rmax; /* reduced units */
  double rc = (fp->rmax + 5 * sigma) * scale;
  double recip[3][3], h[3];
  int range[3] = {0, 0, 0};
  if (periodic) {
    nacre_cell_reciprocal(s->cell, recip);
    nacre_cell_heights(s->cell, h);
    for (int k = 0; k < 3; k++)
      range[k] = s->pbc[k] ? (int)ceil(rc / h[k] + 0.5) : 0;
  }
  /* Density N/V in reduced units is 1 (crystals) or 1/L^3 by definition. */
  for (int i = 0; i < s->natoms; i++)
    for (int j = 0; j < s->natoms; j++) {
      if (sp[i] > sp[j]) continue; /* A ≤ B: i ∈ A, j ∈ B */
      double d[3], f[3];
      for (int k = 0; k < 3; k++)
        d[k] = s->positions[3 * j + k] - s->positions[3 * i + k];
      if (periodic) {
        nacre_cell_cart_to_frac(recip, d, f);
        for (int k = 0; k < 3; k++)
          if (s->pbc[k]) f[k] -= floor(f[k] + 0.5);
      }
      int p = pair_index(sp[i], sp[j], ns);
      double *fa = fp->f + (size_t)p * fp->nbins;
      /* Σ_i Σ_j δ(R − R_ij) / (4π R_ij² Δ N_A N_B / V), V/N = L³ */
      double norm = (double)s->natoms / ((double)count[sp[i]] * count[sp[j]]);
      for (int n0 = -range[0]; n0 <= range[0]; n0++)
        for (int n1 = -range[1]; n1 <= range[1]; n1++)
          for (int n2 = -range[2]; n2 <= range[2]; n2++) {
            double v[3];
            if (periodic) {
              double g[3] = {f[0] + n0, f[1] + n1, f[2] + n2};
              nacre_cell_frac_to_cart(s->cell, g, v);
            } else {
              memcpy(v, d, sizeof v);
            }
            double r = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
            if (r < 1e-8 || r > rc) continue;
            double rr = r / scale;
            deposit(fa, fp->nbins, fp->bin, sigma, rr,
                    norm / (4.0 * NACRE_PI * rr * rr));
          }
    }
  for (size_t k = 0; k < (size_t)fp->npairs * fp->nbins; k++) fp->f[k] -= 1.0;
  double wsum = 0.0;
  for (int a = 0; a < ns; a++)
    for (int b = a; b < ns; b++) {
      double w = (double)count[a] * count[b];
      fp->weight[pair_index(a, b, ns)] = w;
      wsum += w;
    }
  for (int p = 0; p < fp->npairs; p++) fp->weight[p] /= wsum;
  free(sp);
  if (!periodic && s->natoms <= NACRE_OVERLAP_MAX_ATOMS) {
    nacre_status st = overlap_fingerprint(s, scale, fp, err);
    if (st) {
      nacre_fingerprint_free(fp);
      return st;
    }
  }
  *out = fp;
  return NACRE_OK;
}

static int compatible(const nacre_fingerprint *a, const nacre_fingerprint *b) {
  if (a->nspecies != b->nspecies || a->nbins != b->nbins ||
      fabs(a->rmax - b->rmax) > 1e-12)
    return 0;
  for (int k = 0; k < a->nspecies; k++)
    if (a->z[k] != b->z[k]) return 0;
  return 1;
}

double nacre_fingerprint_similarity(const nacre_fingerprint *a,
                                    const nacre_fingerprint *b) {
  if (!compatible(a, b)) return -2.0;
  /* Oganov & Valle eq. 6 with weights N_A N_B / Σ N_A N_B (eq. 7). */
  double ab = 0, aa = 0, bb = 0;
  for (int p = 0; p < a->npairs; p++) {
    const double *fa = a->f + (size_t)p * a->nbins,
                 *fb = b->f + (size_t)p * b->nbins;
    double w = 0.5 * (a->weight[p] + b->weight[p]);
    for (int k = 0; k < a->nbins; k++) {
      ab += w * fa[k] * fb[k];
      aa += w * fa[k] * fa[k];
      bb += w * fb[k] * fb[k];
    }
  }
  if (aa <= 0 || bb <= 0) return aa == bb ? 1.0 : 0.0;
  double c = ab / sqrt(aa * bb);
  return c > 1.0 ? 1.0 : c < -1.0 ? -1.0 : c;
}

double nacre_fingerprint_spread(const nacre_fingerprint *const *fp, long n) {
  double sum = 0;
  long pairs = 0;
  for (long i = 0; i < n; i++)
    for (long j = 0; j < i; j++, pairs++)
      sum += nacre_fingerprint_distance(fp[i], fp[j]);
  return pairs ? sum / (double)pairs : 0.0;
}

int nacre_fingerprint_funnels(const nacre_fingerprint *const *fp, long n,
                              double distance, int *funnel) {
  int nf = 0;
  for (long i = 0; i < n; i++) {
    funnel[i] = -1;
    /* funnels are numbered as their bottoms appear: j is a bottom when its
     * funnel is the next number; bottoms come lowest first */
    int seen = 0;
    for (long j = 0; j < i && funnel[i] < 0; j++) {
      if (funnel[j] != seen) continue;
      seen++;
      if (nacre_fingerprint_distance(fp[i], fp[j]) <= distance)
        funnel[i] = funnel[j];
    }
    if (funnel[i] < 0) funnel[i] = nf++;
  }
  return nf;
}

double nacre_fingerprint_distance(const nacre_fingerprint *a,
                                  const nacre_fingerprint *b) {
  double c = nacre_fingerprint_similarity(a, b);
  return c < -1.5 ? 1.0 : 0.5 * (1.0 - c);
}

double nacre_fingerprint_overlap_distance(const nacre_fingerprint *a,
                                          const nacre_fingerprint *b) {
  if (a->noverlap < 1 || a->noverlap != b->noverlap) return -1.0;
  double sum = 0;
  for (int k = 0; k < a->noverlap; k++) {
    double d = a->overlap[k] - b->overlap[k];
    sum += d * d;
  }
  return sqrt(sum / a->noverlap);
}

size_t nacre_fingerprint_size(const nacre_fingerprint *fp) {
  return 4 + (size_t)fp->nspecies + (size_t)fp->npairs +
         (size_t)fp->npairs * fp->nbins +
         (fp->noverlap > 0 ? 1 + (size_t)fp->noverlap : 0);
}

void nacre_fingerprint_pack(const nacre_fingerprint *fp, double *buf) {
  size_t k = 0;
  buf[k++] = fp->nspecies;
  buf[k++] = fp->nbins;
  buf[k++] = fp->rmax;
  buf[k++] = fp->bin;
  for (int i = 0; i < fp->nspecies; i++) buf[k++] = fp->z[i];
  for (int p = 0; p < fp->npairs; p++) buf[k++] = fp->weight[p];
  memcpy(buf + k, fp->f, sizeof(double) * (size_t)fp->npairs * fp->nbins);
  k += (size_t)fp->npairs * fp->nbins;
  if (fp->noverlap > 0) {
    buf[k++] = fp->noverlap;
    memcpy(buf + k, fp->overlap, sizeof(double) * (size_t)fp->noverlap);
  }
}

nacre_status nacre_fingerprint_unpack(const double *buf, size_t n,
                                      nacre_fingerprint **out,
                                      nacre_error *err) {
  *out = NULL;
  if (n < 4) goto bad;
  int ns = (int)buf[0], nb = (int)buf[1];
  if (ns < 1 || ns > NACRE_MAX_SPECIES || nb < 2) goto bad;
  int np = ns * (ns + 1) / 2;
  size_t base = 4 + (size_t)ns + (size_t)np + (size_t)np * nb;
  /* the overlap eigenvalues after their count, or none (crystals, and
   * clusters stored before them) */
  int nov = n > base ? (int)buf[base] : 0;
  if (n > base ? nov < 1 || n != base + 1 + (size_t)nov : n != base) goto bad;
  nacre_fingerprint *fp = calloc(1, sizeof *fp);
  if (!fp) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  fp->nspecies = ns;
  fp->npairs = np;
  fp->nbins = nb;
  fp->rmax = buf[2];
  fp->bin = buf[3];
  for (int i = 0; i < ns; i++) fp->z[i] = (int)buf[4 + i];
  fp->weight = malloc(sizeof(double) * (size_t)np);
  fp->f = malloc(sizeof(double) * (size_t)np * nb);
  if (!fp->weight || !fp->f) {
    nacre_fingerprint_free(fp);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  memcpy(fp->weight, buf + 4 + ns, sizeof(double) * (size_t)np);
  memcpy(fp->f, buf + 4 + ns + np, sizeof(double) * (size_t)np * nb);
  if (nov > 0) {
    fp->overlap = malloc(sizeof(double) * (size_t)nov);
    if (!fp->overlap) {
      nacre_fingerprint_free(fp);
      return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    }
    memcpy(fp->overlap, buf + base + 1, sizeof(double) * (size_t)nov);
    fp->noverlap = nov;
  }
  *out = fp;
  return NACRE_OK;
bad:
  return nacre_error_set(err, NACRE_ERR_PARSE,
                         "fingerprint: stored data of %zu numbers is not a "
                         "fingerprint",
                         n);
}

void nacre_duplicate_options_init(nacre_duplicate_options *o) {
  o->similarity = 0.95;
  o->dh_ev_atom = 0.005;
  o->dv_rel = 0.05;
  o->strict = 0.995;
  o->dh_rel = 1e-4;
  o->overlap = 0.002;
}

int nacre_is_duplicate(const nacre_minimum_key *a, const nacre_minimum_key *b,
                       const nacre_duplicate_options *o) {
  if (fabs(a->h_atom - b->h_atom) > o->dh_ev_atom) return 0;
  int clusters = a->fp->noverlap > 0 && b->fp->noverlap > 0;
  if (clusters && o->dh_rel > 0 &&
      fabs(a->h_atom - b->h_atom) >
          o->dh_rel * 0.5 * (fabs(a->h_atom) + fabs(b->h_atom)))
    return 0;
  if (clusters && o->overlap > 0 &&
      !(nacre_fingerprint_overlap_distance(a->fp, b->fp) <= o->overlap))
    return 0;
  double v = 0.5 * (a->v_atom + b->v_atom);
  if (v > 0 && fabs(a->v_atom - b->v_atom) > o->dv_rel * v) return 0;
  double sim = nacre_fingerprint_similarity(a->fp, b->fp);
  if (sim < o->similarity) return 0;
  if (a->sg > 0 && b->sg > 0 && a->sg != b->sg && sim < o->strict) return 0;
  return 1;
}
