/* test_fe_math.c — the analytic and numerical pieces of thermodynamic
 * integration (src/thermo/fe_math.c).
 *   Gauss–Legendre on (0, 1): weights sum to 1, monomials up to degree
 *     2n − 1 integrate exactly (1e-13), the three-point rule has its
 *     textbook nodes 1/2 ± √(3/5)/2 and weights 5/18, 8/18.
 *   Blocking: independent samples give σ/√n, an AR(1) series with φ = 0.9
 *     gives σ/√n · √((1 + φ)/(1 − φ)), both within 12 % (the estimate's own
 *     statistical error at 2^17 samples is a few per cent).
 *   Einstein crystal with fixed centre of mass: oscillators of one
 *     frequency ω (equal springs, or unequal masses with k_i = m_i ω²)
 *     have 3N − 3 internal modes of frequency ω, so F = 3 (N − 1) k_BT
 *     ln(ħω/k_BT) (1e-12 relative).
 *   Ideal gas: argon at 298.15 K and 1 bar has the standard entropy
 *     154.846 J/(mol K) (CODATA Key Values for Thermodynamics, Cox, Wagman
 *     & Medvedev 1989), so F/N = k_BT (3/2 − S/Nk_B) (1e-5 relative: the
 *     constants' digits); Λ(Ar, 298.15 K) = 0.1600 Å.
 *   Spline integrals: linear data integrate exactly with g = 1 and with g
 *     = 1/T² (the Gibbs–Helmholtz weight: ∫ (a + bT)/T² dT = a (1/T0 −
 *     1/T1) + b ln(T1/T0)); sin x on 21 knots to 1e-5; reversed limits
 *     change the sign; limits outside the data are refused, naming the
 *     value. */
#include <math.h>
#include <string.h>

#include "nacre/thermo.h"
#include "testing.h"

static void test_gauss_legendre(void) {
  nacre_error err;
  for (int n = 1; n <= 24; n++) {
    double x[24], w[24];
    CHECK_OK(nacre_gauss_legendre(n, x, w, &err), &err);
    double sw = 0.0;
    for (int k = 0; k < n; k++) sw += w[k];
    CHECK_CLOSE(sw, 1.0, 1e-13, "weights sum to 1");
    for (int k = 1; k < n; k++) CHECK(x[k] > x[k - 1], "nodes ascending (n = %d)", n);
    for (int d = 0; d <= 2 * n - 1; d++) {
      double s = 0.0;
      for (int k = 0; k < n; k++) s += w[k] * pow(x[k], d);
      CHECK_CLOSE(s, 1.0 / (d + 1), 1e-13, "x^d integrates exactly");
    }
  }
  double x[3], w[3];
  CHECK_OK(nacre_gauss_legendre(3, x, w, &err), &err);
  CHECK_CLOSE(x[0], 0.5 - 0.5 * sqrt(0.6), 1e-15, "3-point node");
  CHECK_CLOSE(x[1], 0.5, 1e-15, "3-point middle node");
  CHECK_CLOSE(w[0], 5.0 / 18.0, 1e-15, "3-point weight 5/18");
  CHECK_CLOSE(w[1], 8.0 / 18.0, 1e-15, "3-point weight 8/18");
  CHECK(nacre_gauss_legendre(0, x, w, &err) == NACRE_ERR_INVALID, "0 nodes refused");
}

/* Standard normal deviates from a fixed linear congruential stream and the
 * Box–Muller transform (the test must not depend on the library's RNG). */
static unsigned long long lcg = 12345;
static double uniform(void) {
  lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
  return ((lcg >> 11) + 0.5) / 9007199254740992.0;
}
static double normal(void) {
  return sqrt(-2.0 * log(uniform())) * cos(2.0 * NACRE_PI * uniform());
}

static void test_blocking(void) {
  long n = 1L << 17;
  double *x = malloc((size_t)n * sizeof *x);
  for (long i = 0; i < n; i++) x[i] = 3.0 + 2.0 * normal();
  double m, se;
  nacre_block_average(x, n, &m, &se);
  CHECK_CLOSE(se, 2.0 / sqrt((double)n), 0.12 * 2.0 / sqrt((double)n),
              "independent samples: sigma/sqrt(n)");
  CHECK_CLOSE(m, 3.0, 5 * 2.0 / sqrt((double)n), "mean");
  /* AR(1): x_i = φ x_{i−1} + √(1 − φ²) ξ, unit variance */
  double phi = 0.9;
  x[0] = normal();
  for (long i = 1; i < n; i++) x[i] = phi * x[i - 1] + sqrt(1 - phi * phi) * normal();
  nacre_block_average(x, n, &m, &se);
  double want = sqrt((1 + phi) / (1 - phi) / (double)n);
  CHECK_CLOSE(se, want, 0.12 * want, "AR(1): correlated error found by blocking");
  nacre_block_average(x, 1, &m, &se);
  CHECK(isnan(se), "one sample: no error bar");
  free(x);
}

static void test_einstein(void) {
  double t = 300.0, kt = NACRE_BOLTZMANN_EV_K * t;
  double hbar = 4.135667696 / (2 * NACRE_PI); /* eV fs */
  enum { N = 7 };
  double m[N], k[N];
  /* equal springs and masses */
  for (int i = 0; i < N; i++) m[i] = 63.546, k[i] = 2.5;
  double omega = sqrt(2.5 / (63.546 * NACRE_AMU_A2_FS2_EV));
  double want = 3.0 * (N - 1) * kt * log(hbar * omega / kt);
  CHECK_CLOSE(nacre_einstein_free_energy_ev(N, m, k, t), want, 1e-12 * fabs(want),
              "one species: 3(N-1) modes of frequency omega");
  /* unequal masses, k_i = m_i ω²: still 3N − 3 modes of ω */
  for (int i = 0; i < N; i++) {
    m[i] = 1.0 + 10.0 * i;
    k[i] = m[i] * NACRE_AMU_A2_FS2_EV * omega * omega;
  }
  CHECK_CLOSE(nacre_einstein_free_energy_ev(N, m, k, t), want, 1e-12 * fabs(want),
              "unequal masses with one frequency: 3(N-1) modes");
}

static void test_ideal_gas(void) {
  double t = 298.15, kt = NACRE_BOLTZMANN_EV_K * t;
  CHECK_CLOSE(nacre_thermal_wavelength_a(39.948, t), 0.1600, 0.0005, "Lambda(Ar, 298 K)");
  /* 8 argon atoms at the ideal-gas density of 1 bar: V/N = k_BT/P */
  double v_atom = 1.380649e-23 * t / 1e5 * 1e30; /* Å^3 */
  double a = cbrt(8 * v_atom);
  nacre_error err;
  nacre_structure *s = nacre_structure_new(8, &err);
  CHECK(s != NULL, "structure: %s", err.message);
  if (!s) return;
  for (int i = 0; i < 3; i++) s->cell[i][i] = a;
  for (int i = 0; i < 8; i++) s->numbers[i] = 18;
  double s_kb = 154.846 / 8.314462618; /* standard entropy per atom in k_B */
  double want = kt * (1.5 - s_kb);
  /* the formula takes Stirling's ln N! ≈ N ln N − N, the thermodynamic
   * limit the standard entropy stands for */
  CHECK_CLOSE(nacre_ideal_gas_free_energy_ev(s, NULL, t) / 8, want, 1e-5 * fabs(want),
              "Sackur-Tetrode: argon at 1 bar");
  nacre_structure_free(s);
}

static double inv_t2(double t) { return 1.0 / (t * t); }

static void test_spline(void) {
  nacre_error err;
  double x[5] = {100, 200, 250, 400, 600}, y[5], c[5];
  for (int k = 0; k < 5; k++) y[k] = 2.0 - 0.003 * x[k];
  CHECK_OK(nacre_spline_integral_weights(5, x, 130, 520, NULL, c, &err), &err);
  double s = 0.0;
  for (int k = 0; k < 5; k++) s += c[k] * y[k];
  double want = 2.0 * (520 - 130) - 0.0015 * (520.0 * 520 - 130.0 * 130);
  CHECK_CLOSE(s, want, 1e-10, "linear data, g = 1");
  CHECK_OK(nacre_spline_integral_weights(5, x, 130, 520, inv_t2, c, &err), &err);
  s = 0.0;
  for (int k = 0; k < 5; k++) s += c[k] * y[k];
  want = 2.0 * (1.0 / 130 - 1.0 / 520) - 0.003 * log(520.0 / 130.0);
  CHECK_CLOSE(s, want, 1e-12, "linear data, g = 1/T^2 (Gibbs-Helmholtz)");
  CHECK_OK(nacre_spline_integral_weights(5, x, 520, 130, inv_t2, c, &err), &err);
  double s2 = 0.0;
  for (int k = 0; k < 5; k++) s2 += c[k] * y[k];
  CHECK_CLOSE(s2, -s, 1e-15, "reversed limits: the opposite sign");
  double xs[21], ys[21], cs[21];
  for (int k = 0; k < 21; k++) xs[k] = 0.15 * k, ys[k] = sin(xs[k]);
  CHECK_OK(nacre_spline_integral_weights(21, xs, 0.2, 2.9, NULL, cs, &err), &err);
  s = 0.0;
  for (int k = 0; k < 21; k++) s += cs[k] * ys[k];
  CHECK_CLOSE(s, cos(0.2) - cos(2.9), 1e-5, "sin x on 21 knots");
  CHECK(nacre_spline_integral_weights(5, x, 50, 300, NULL, c, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "50"),
        "no extrapolation: %s", err.message);
  double bad[3] = {1, 3, 2};
  CHECK(nacre_spline_integral_weights(3, bad, 1, 2, NULL, c, &err) == NACRE_ERR_INVALID,
        "unordered abscissae refused");
}

int main(void) {
  test_gauss_legendre();
  test_blocking();
  test_einstein();
  test_ideal_gas();
  test_spline();
  TEST_DONE();
}
