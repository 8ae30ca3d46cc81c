/* fe_math.c — the analytic and numerical pieces of thermodynamic
 * integration: Gauss–Legendre nodes, blocking error bars, the free
 * energies of an Einstein crystal with fixed centre of mass and of the
 * ideal gas, and integrals of natural cubic splines as linear combinations
 * of their data (for Gibbs–Helmholtz and ∫V dP with error propagation). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/thermo.h"

/* ħ in eV·fs and h in eV·fs (h exact in the SI since 2019) */
#define PLANCK_EV_FS 4.135667696
#define HBAR_EV_FS (PLANCK_EV_FS / (2.0 * NACRE_PI))

/* ---------------------------------------------------------------- */
/* Gauss–Legendre                                                     */
/* ---------------------------------------------------------------- */

/* Legendre P_n(t) and its derivative by the three-term recurrence. */
static void legendre(int n, double t, double *p, double *dp) {
  double p0 = 1.0, p1 = t;
  for (int k = 2; k <= n; k++) {
    double p2 = ((2.0 * k - 1.0) * t * p1 - (k - 1.0) * p0) / k;
    p0 = p1;
    p1 = p2;
  }
  *p = n == 0 ? 1.0 : p1;
  *dp = n * (t * p1 - p0) / (t * t - 1.0);
}

nacre_status nacre_gauss_legendre(int n, double *x, double *w,
                                  nacre_error *err) {
  if (n < 1 || n > 200)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "Gauss-Legendre: 1 to 200 nodes (got %d)", n);
  if (n == 1) {
    x[0] = 0.5;
    w[0] = 1.0;
    return NACRE_OK;
  }
  for (int k = 0; k < n; k++) {
    /* root k of P_n on (−1, 1), descending from the Tricomi estimate */
    double t = cos(NACRE_PI * (k + 0.75) / (n + 0.5)), p, dp;
    for (int it = 0; it < 100; it++) {
      legendre(n, t, &p, &dp);
      double dt = p / dp;
      t -= dt;
      if (fabs(dt) < 1e-16) break;
    }
    legendre(n, t, &p, &dp);
    /* map (−1, 1) → (0, 1): x = (1 + t)/2 ascending, w = 1/((1−t²) P'²) */
    x[n - 1 - k] = 0.5 * (1.0 + t);
    w[n - 1 - k] = 1.0 / ((1.0 - t * t) * dp * dp);
  }
  return NACRE_OK;
}

/* ---------------------------------------------------------------- */
/* Blocking                                                           */
/* ---------------------------------------------------------------- */

void nacre_block_average(const double *x, long n, double *mean,
                         double *stderr_mean) {
  *mean = NAN;
  *stderr_mean = NAN;
  if (n < 1) return;
  double s = 0.0;
  for (long i = 0; i < n; i++) s += x[i];
  double m = s / n;
  *mean = m;
  if (n < 2) return;
  double *b = malloc((size_t)n * sizeof *b);
  if (!b) return;
  for (long i = 0; i < n; i++) b[i] = x[i] - m;
  double best = 0.0, v0 = NAN, chosen = NAN;
  long len = n;
  /* Flyvbjerg & Petersen: the variance of the mean from blocks of B = 2^l
   * samples, c0/(n_b − 1), rises to a plateau once blocks are longer than
   * the correlation time. The block length is the smallest B with B³ >
   * 2 n (v_B/v_0)² (Lee, Conduit, Nemec, López Ríos & Drummond, PRE 83, 066706 (2011);
   * also pyblock's rule); where no level with at least 16 blocks meets
   * it, the largest estimate among those levels (the run is too short for
   * its correlation time, and the error bar errs on the large side). */
  for (int level = 0; len >= 2; level++) {
    if (level == 0 || len >= 16) {
      double c0 = 0.0, bm = 0.0;
      for (long i = 0; i < len; i++) bm += b[i];
      bm /= len;
      for (long i = 0; i < len; i++) c0 += (b[i] - bm) * (b[i] - bm);
      c0 /= len;
      double v = c0 / (len - 1);
      if (level == 0) v0 = v;
      if (v > best) best = v;
      double blen = ldexp(1.0, level), ratio = v0 > 0 ? v / v0 : 1.0;
      if (isnan(chosen) && blen * blen * blen > 2.0 * n * ratio * ratio) chosen = v;
    }
    long half = len / 2;
    for (long i = 0; i < half; i++) b[i] = 0.5 * (b[2 * i] + b[2 * i + 1]);
    len = half;
  }
  if (!isnan(chosen)) best = chosen;
  free(b);
  *stderr_mean = sqrt(best);
}

/* ---------------------------------------------------------------- */
/* Reference free energies                                            */
/* ---------------------------------------------------------------- */

double nacre_thermal_wavelength_a(double mass_amu, double temperature_k) {
  /* Λ² = h² / (2π m k_BT) in eV fs²/amu = Å² / NACRE_AMU_A2_FS2_EV */
  double kt = NACRE_BOLTZMANN_EV_K * temperature_k;
  return sqrt(PLANCK_EV_FS * PLANCK_EV_FS /
              (2.0 * NACRE_PI * mass_amu * kt * NACRE_AMU_A2_FS2_EV));
}

double nacre_einstein_free_energy_ev(int natoms, const double *masses_amu,
                                     const double *k_ev_a2,
                                     double temperature_k) {
  double kt = NACRE_BOLTZMANN_EV_K * temperature_k, f = 0.0, mtot = 0.0;
  for (int i = 0; i < natoms; i++) mtot += masses_amu[i];
  double var = 0.0; /* σ² of the centre along one axis, Å² */
  for (int i = 0; i < natoms; i++) {
    double omega = sqrt(k_ev_a2[i] / (masses_amu[i] * NACRE_AMU_A2_FS2_EV));
    f += 3.0 * kt * log(HBAR_EV_FS * omega / kt);
    double share = masses_amu[i] / mtot;
    var += share * share * kt / k_ev_a2[i];
  }
  /* fixing the centre removes its Gaussian distribution (density
   * (2πσ²)^(-3/2) at the sites' centre) and its momentum (the whole mass
   * M): (3/2) k_BT ln(M σ² k_BT / ħ²); M σ² k_BT/ħ² is dimensionless
   * with amu Å²/(eV fs²) = NACRE_AMU_A2_FS2_EV */
  f += 1.5 * kt * log(mtot * var * kt * NACRE_AMU_A2_FS2_EV / (HBAR_EV_FS * HBAR_EV_FS));
  return f;
}

double nacre_ideal_gas_free_energy_ev(const nacre_structure *s,
                                      const double *masses_amu,
                                      double temperature_k) {
  double kt = NACRE_BOLTZMANN_EV_K * temperature_k;
  double v = fabs(nacre_cell_volume(s->cell)), f = 0.0;
  /* species in order of first appearance, each counted once */
  for (int i = 0; i < s->natoms; i++) {
    int seen = 0;
    for (int j = 0; j < i && !seen; j++) seen = s->numbers[j] == s->numbers[i];
    if (seen) continue;
    int count = 0;
    for (int j = i; j < s->natoms; j++) count += s->numbers[j] == s->numbers[i];
    const nacre_element *e = nacre_element_by_z(s->numbers[i]);
    double m = masses_amu ? masses_amu[i] : e ? e->mass_amu : 1.0;
    double lam = nacre_thermal_wavelength_a(m, temperature_k);
    f += count * kt * (log(count * lam * lam * lam / v) - 1.0);
  }
  return f;
}

/* ---------------------------------------------------------------- */
/* Spline integrals as weights                                        */
/* ---------------------------------------------------------------- */

/* Second derivatives of the natural cubic spline through (x, y): the
 * tridiagonal system of the continuity of f' (Thomas algorithm). */
static void spline_second(int n, const double *x, const double *y, double *m,
                          double *scratch) {
  m[0] = m[n - 1] = 0.0;
  if (n < 3) return;
  double *c = scratch, *d = scratch + n;
  /* rows i = 1..n−2: h_{i−1} m_{i−1} + 2(h_{i−1}+h_i) m_i + h_i m_{i+1} = r_i */
  for (int i = 1; i < n - 1; i++) {
    double h0 = x[i] - x[i - 1], h1 = x[i + 1] - x[i];
    double r = 6.0 * ((y[i + 1] - y[i]) / h1 - (y[i] - y[i - 1]) / h0);
    double diag = 2.0 * (h0 + h1), lower = i > 1 ? h0 : 0.0;
    double denom = diag - (i > 1 ? lower * c[i - 1] : 0.0);
    c[i] = h1 / denom;
    d[i] = (r - (i > 1 ? lower * d[i - 1] : 0.0)) / denom;
  }
  for (int i = n - 2; i >= 1; i--)
    m[i] = d[i] - (i < n - 2 ? c[i] * m[i + 1] : 0.0);
}

static double spline_eval(int n, const double *x, const double *y,
                          const double *m, double t) {
  if (n == 1) return y[0];
  int i = 0;
  while (i < n - 2 && t > x[i + 1]) i++;
  double h = x[i + 1] - x[i], a = (x[i + 1] - t) / h, b = (t - x[i]) / h;
  return a * y[i] + b * y[i + 1] +
         ((a * a * a - a) * m[i] + (b * b * b - b) * m[i + 1]) * h * h / 6.0;
}

nacre_status nacre_spline_integral_weights(int n, const double *x, double a,
                                           double b, double (*g)(double x),
                                           double *c, nacre_error *err) {
  if (n < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID, "spline integral: no data");
  for (int k = 1; k < n; k++)
    if (!(x[k] > x[k - 1]))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "spline integral: abscissae not ascending at %g",
                             x[k]);
  double tol = 1e-9 * fmax(1.0, fabs(x[n - 1]) + fabs(x[0]));
  for (int e = 0; e < 2; e++) {
    double v = e ? b : a;
    if (v < x[0] - tol || v > x[n - 1] + tol)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "spline integral: %g lies outside the data "
                             "(%g to %g); no extrapolation",
                             v, x[0], x[n - 1]);
  }
  memset(c, 0, (size_t)n * sizeof *c);
  double sign = 1.0;
  if (a > b) {
    double t = a;
    a = b;
    b = t;
    sign = -1.0;
  }
  if (!(b > a)) return NACRE_OK;
  double *y = calloc((size_t)n, sizeof *y), *m = calloc((size_t)n, sizeof *m);
  double *scratch = calloc(2 * (size_t)n, sizeof *scratch);
  if (!y || !m || !scratch) {
    free(y), free(m), free(scratch);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "spline integral");
  }
  double gx[8], gw[8];
  nacre_gauss_legendre(8, gx, gw, NULL);
  /* the pieces between a, the knots inside (a, b), and b */
  for (int k = 0; k < n; k++) {
    memset(y, 0, (size_t)n * sizeof *y);
    y[k] = 1.0;
    spline_second(n, x, y, m, scratch);
    double sum = 0.0, lo = a;
    for (int i = 0; i <= n && lo < b; i++) {
      double hi = b;
      while (i < n && x[i] <= lo) i++;
      if (i < n && x[i] < b) hi = x[i];
      for (int q = 0; q < 8; q++) {
        double t = lo + (hi - lo) * gx[q];
        sum += (hi - lo) * gw[q] * spline_eval(n, x, y, m, t) * (g ? g(t) : 1.0);
      }
      lo = hi;
    }
    c[k] = sign * sum;
  }
  free(y), free(m), free(scratch);
  return NACRE_OK;
}
