/* dynmat.c — the dynamical matrix at any q, its eigenmodes and group
 * velocities.
 *
 * Each pair (unit atom p, supercell atom j) contributes through the shortest
 * vectors x_j + L − x_p over the supercell lattice vectors L; when several
 * images are equally short (the pair sits on the Wigner–Seitz boundary of
 * the supercell) each gets an equal share, which keeps the interpolation
 * between commensurate q symmetric (as phonopy does). Group velocities are
 * v = ∂ν/∂q = (∂λ/∂q)/(2√λ) · NACRE_PHONON_THZ with ∂λ/∂q = e†(∂D/∂q)e
 * (Hellmann–Feynman), taken within each degenerate set by diagonalising
 * e†(∂D/∂q_c)e there. */
#include <complex.h>
#include <dlfcn.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phonon_internal.h"

/* Relative tolerance on lengths for equally short images. */
#define IMAGE_TOL 1e-5

typedef struct image_search {
  double red[3][3], red_inv[3][3]; /* reduced supercell rows, Cartesian */
  double cell_inv[3][3];           /* unit cell rows, inverse */
} image_search;

/* Writes the shortest images of the Cartesian vector d (unit fractional
 * coordinates) into out (at most 125), returns their number. */
static int shortest_images(const image_search *is, const nacre_structure *u, const double d[3],
                           double out[][3]) {
  double dc[3], z[3];
  nacre_cell_frac_to_cart(u->cell, d, dc);
  for (int c = 0; c < 3; c++) {
    z[c] = dc[0] * is->red_inv[0][c] + dc[1] * is->red_inv[1][c] + dc[2] * is->red_inv[2][c];
    z[c] -= round(z[c]);
  }
  double cand[125][3], len[125], best = INFINITY;
  int nc = 0;
  for (int a = -2; a <= 2; a++)
    for (int b = -2; b <= 2; b++)
      for (int c = -2; c <= 2; c++, nc++) {
        double w[3] = {z[0] + a, z[1] + b, z[2] + c};
        for (int x = 0; x < 3; x++)
          cand[nc][x] = w[0] * is->red[0][x] + w[1] * is->red[1][x] + w[2] * is->red[2][x];
        len[nc] =
            sqrt(cand[nc][0] * cand[nc][0] + cand[nc][1] * cand[nc][1] + cand[nc][2] * cand[nc][2]);
        best = fmin(best, len[nc]);
      }
  int n = 0;
  for (int k = 0; k < nc; k++) {
    if (len[k] > best + IMAGE_TOL * fmax(1.0, best)) continue;
    for (int x = 0; x < 3; x++)
      out[n][x] = cand[k][0] * is->cell_inv[0][x] + cand[k][1] * is->cell_inv[1][x] +
                  cand[k][2] * is->cell_inv[2][x];
    n++;
  }
  return n;
}

nacre_status phonon_images_build(nacre_phonon *ph, nacre_error *err) {
  image_search is;
  int mred[3][3];
  if (nacre_cell_niggli(ph->super->cell, 1e-5, is.red, mred) ||
      nacre_mat3_inverse(is.red, is.red_inv) || nacre_mat3_inverse(ph->unit->cell, is.cell_inv) ||
      nacre_cell_reciprocal(ph->unit->cell, ph->cell_recip))
    return nacre_error_set(err, NACRE_ERR_NUMERIC, "phonon: cannot reduce the supercell");
  size_t npairs = (size_t)ph->n * ph->nsuper, cap = npairs + npairs / 4 + 16;
  ph->img_off = malloc((npairs + 1) * sizeof *ph->img_off);
  ph->img = malloc(cap * sizeof *ph->img);
  double *frac = malloc(3 * (size_t)ph->n * sizeof *frac);
  if (!ph->img_off || !ph->img || !frac) {
    free(frac);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "phonon images of %zu pairs", npairs);
  }
  nacre_status st = nacre_structure_get_frac(ph->unit, frac, err);
  size_t used = 0;
  for (int p = 0; !st && p < ph->n; p++)
    for (int j = 0; j < ph->nsuper; j++) {
      int i = j / ph->ncells;
      const int *t = ph->cells[j % ph->ncells];
      double d[3], found[125][3];
      for (int c = 0; c < 3; c++) d[c] = frac[3 * i + c] + t[c] - frac[3 * p + c];
      int nf = shortest_images(&is, ph->unit, d, found);
      if (used + (size_t)nf > cap) {
        size_t ncap = 2 * cap;
        double(*g)[3] = realloc(ph->img, ncap * sizeof *g);
        if (!g) {
          st = nacre_error_set(err, NACRE_ERR_NOMEM, "phonon images");
          break;
        }
        ph->img = g, cap = ncap;
      }
      ph->img_off[(size_t)p * ph->nsuper + j] = used;
      memcpy(ph->img[used], found, (size_t)nf * sizeof found[0]);
      used += (size_t)nf;
    }
  ph->img_off[npairs] = used;
  free(frac);
  return st;
}

/* nacre brings its own parallelism; a threaded OpenBLAS inside it
 * oversubscribes the cores, so the eigensolver runs on one BLAS thread
 * where the BLAS is OpenBLAS (found at run time). */
typedef struct blas_threads {
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

int phonon_zheev(int n, double *a, double *w) {
  blas_threads t = openblas_threads();
  int saved = t.get ? t.get() : 0;
  if (t.set && saved != 1) t.set(1);
  int info = LAPACKE_zheevd(LAPACK_ROW_MAJOR, 'V', 'U', n, (lapack_complex_double *)a, n, w);
  if (t.set && saved != 1) t.set(saved);
  return info;
}

/* D(q) and, when dd is not NULL, ∂D/∂q_c for c = 0..2 (Cartesian, Å). */
static void build_dynmat(const nacre_phonon *ph, const double q[3], double complex *d,
                         double complex *dd) {
  int nb = 3 * ph->n;
  size_t nn = (size_t)nb * nb;
  memset(d, 0, nn * sizeof *d);
  if (dd) memset(dd, 0, 3 * nn * sizeof *dd);
  for (int p = 0; p < ph->n; p++)
    for (int j = 0; j < ph->nsuper; j++) {
      int i = j / ph->ncells;
      size_t pair = (size_t)p * ph->nsuper + j;
      size_t i0 = ph->img_off[pair], i1 = ph->img_off[pair + 1];
      double complex phase = 0, dphase[3] = {0, 0, 0};
      for (size_t k = i0; k < i1; k++) {
        const double *v = ph->img[k];
        double arg = 2 * NACRE_PI * (q[0] * v[0] + q[1] * v[1] + q[2] * v[2]);
        double complex e = cexp(I * arg);
        phase += e;
        if (dd) {
          double r[3];
          nacre_cell_frac_to_cart(ph->unit->cell, v, r);
          for (int c = 0; c < 3; c++) dphase[c] += 2 * NACRE_PI * I * r[c] * e;
        }
      }
      double w = 1.0 / ((double)(i1 - i0) * sqrt(ph->mass[p] * ph->mass[i]));
      const double *phi = &ph->fc[pair * 9];
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
          size_t at = (size_t)(3 * p + a) * nb + 3 * i + b;
          d[at] += phi[3 * a + b] * w * phase;
          if (dd)
            for (int c = 0; c < 3; c++) dd[c * nn + at] += phi[3 * a + b] * w * dphase[c];
        }
    }
  /* Hermitian part: rounding and the image shares leave D Hermitian only
   * to about machine precision */
  for (int r = 0; r < nb; r++)
    for (int c = r; c < nb; c++) {
      double complex h = 0.5 * (d[(size_t)r * nb + c] + conj(d[(size_t)c * nb + r]));
      d[(size_t)r * nb + c] = h;
      d[(size_t)c * nb + r] = conj(h);
    }
}

static double frequency(double lambda) {
  return (lambda < 0 ? -1 : 1) * sqrt(fabs(lambda)) * NACRE_PHONON_THZ;
}

/* ∂ν/∂q_c within each set of degenerate modes (|Δν| < 1e-4 THz). */
static void group_velocities(int nb, const double complex *e, const double complex *dd,
                             const double *lambda, const double *freq, double *v,
                             double complex *tmp) {
  size_t nn = (size_t)nb * nb;
  for (int c = 0; c < 3; c++) {
    const double complex *g = dd + c * nn;
    for (int k0 = 0; k0 < nb;) {
      int k1 = k0 + 1;
      while (k1 < nb && fabs(freq[k1] - freq[k0]) < 1e-4) k1++;
      int m = k1 - k0;
      /* h_ab = e_a† G e_b over the degenerate set */
      for (int a = 0; a < m; a++)
        for (int b = 0; b < m; b++) {
          double complex s = 0;
          for (int r = 0; r < nb; r++) {
            double complex ge = 0;
            for (int x = 0; x < nb; x++) ge += g[(size_t)r * nb + x] * e[(size_t)x * nb + k0 + b];
            s += conj(e[(size_t)r * nb + k0 + a]) * ge;
          }
          tmp[a * m + b] = s;
        }
      double w[64];
      if (m > 1 && m <= 64) {
        for (int a = 0; a < m; a++)
          for (int b = a + 1; b < m; b++) {
            double complex h = 0.5 * (tmp[a * m + b] + conj(tmp[b * m + a]));
            tmp[a * m + b] = h, tmp[b * m + a] = conj(h);
          }
        if (phonon_zheev(m, (double *)tmp, w))
          for (int a = 0; a < m; a++) w[a] = creal(tmp[a * m + a]);
      } else {
        for (int a = 0; a < m && a < 64; a++) w[a] = creal(tmp[a * m + a]);
      }
      for (int a = 0; a < m; a++) {
        double s = sqrt(fabs(lambda[k0 + a]));
        v[3 * (k0 + a) + c] = s > 1e-12 && a < 64 ? w[a] / (2 * s) * NACRE_PHONON_THZ : 0;
      }
      k0 = k1;
    }
  }
}

nacre_status nacre_phonon_at_q(const nacre_phonon *ph, const double q[3], double *freq_thz,
                               double *eigvec, double *velocity, nacre_error *err) {
  if (!ph->fc) return nacre_error_set(err, NACRE_ERR_INVALID, "phonon: no force constants yet");
  int nb = 3 * ph->n;
  size_t nn = (size_t)nb * nb;
  double complex *d = malloc(nn * sizeof *d);
  double complex *dd = velocity ? malloc(3 * nn * sizeof *dd) : NULL;
  double complex *tmp = velocity ? malloc(nn * sizeof *tmp) : NULL;
  double *lambda = malloc((size_t)nb * sizeof *lambda);
  nacre_status st = NACRE_OK;
  if (!d || !lambda || (velocity && (!dd || !tmp))) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "dynamical matrix of %d modes", nb);
    goto done;
  }
  build_dynmat(ph, q, d, dd);
  int info = phonon_zheev(nb, (double *)d, lambda);
  if (info) {
    st = nacre_error_set(err, NACRE_ERR_NUMERIC, "phonon: zheevd failed (info %d) at q = %g %g %g",
                         info, q[0], q[1], q[2]);
    goto done;
  }
  for (int k = 0; k < nb; k++) freq_thz[k] = frequency(lambda[k]);
  if (eigvec) memcpy(eigvec, d, nn * sizeof *d);
  if (velocity) group_velocities(nb, d, dd, lambda, freq_thz, velocity, tmp);
done:
  free(d), free(dd), free(tmp), free(lambda);
  return st;
}
