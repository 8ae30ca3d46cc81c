// labels: slow
/* test_fe_lj_reference.c — absolute free energies of the Lennard-Jones
 * crystal and liquid from nacre free-energy against the published equations
 * of state fitted to independent simulations, on the melting line.
 *   Argon units: ε = 0.010323 eV (ε/k_B = 119.79 K), σ = 3.405 Å, m = 39.948
 *   amu; cutoff 3.5σ, shifted, with the mean-field tail (lj:...,tail=1),
 *   whose static fcc lattice energy and pressure are within 0.002 ε and
 *   0.011 ε/σ³ of the full lattice sums at ρσ³ = 0.96–0.98 (at 3σ the shells
 *   near the cutoff make them 0.07 ε and 0.13 ε/σ³); 256 atoms (4×4×4 fcc
 *   cells; the liquid melted from an expanded one). 108 atoms are too few:
 *   LAMMPS gives the 108-atom liquid at ρσ³ = 0.868, T* = 0.75 a pressure
 *   of 0.63 ε/σ³ against 0.75 with 256 atoms and 0.76 with 864.
 *   State point T* = 0.75, P* = 0.7493: the melting pressure at T* = 0.75 of
 *   van der Hoef, JCP 113, 8142 (2000), eq. 24 (the formula of Agrawal &
 *   Kofke with his coefficients A = −7.2866, B = −2.9895).
 * Checks:
 *   Crystal: F(T0, V0) with the finite-size correction equals van der
 *     Hoef's A(T, ρ) (eq. 21, his fit to Einstein-crystal integrations
 *     extrapolated to N → ∞, ideal part k_BT[ln(ρΛ³) − 1]) at the density of
 *     the NPT run, to 0.04 ε per atom: the terms of order ln N / N per
 *     atom of a finite crystal (Polson et al., JCP 112, 5339 (2000)) that
 *     the N → ∞ fit leaves out and the harmonic finite-size correction
 *     removes only in part, three standard errors (0.01 ε), the cutoff's
 *     0.002 ε.
 *   Liquid: F(T0, V0) − F_id equals the residual Helmholtz energy of the
 *     modified Benedict–Webb–Rubin equation of state of Johnson, Zollweg &
 *     Gubbins, Mol. Phys. 78, 591 (1993) (Table 10 coefficients, γ = 3) at the
 *     density of the NPT run, to 0.04 ε per atom (three standard errors,
 *     0.03 ε, and the 1/N terms of a 256-atom liquid, ½ ln(2πN) k_BT/N =
 *     0.01 ε from Stirling's formula alone).
 *   Both densities against the published coexistence densities (van der
 *     Hoef eqs. 25–26) to 1 %, and the equations of state's pressures at
 *     nacre's densities against P* to 0.1 ε/σ³ (0.5 % in density).
 *   Coexistence: G(solid) − G(liquid) = 0 within 0.04 ε per atom (the
 *     melting line's own uncertainty, a 108-atom cell, and three standard
 *     errors; 0.04 ε is 3 % of T_m in temperature, ΔS ≈ 1.3 k_B).
 * Measured (2 loaded cores, 12 minutes): crystal ρσ³ 0.9711, F − A_vdH =
 * −0.024 ± 0.003 ε; liquid ρσ³ 0.8656, F − A_JZG = −0.019 ± 0.010 ε;
 * G(solid) − G(liquid) = −0.003 ± 0.011 ε. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotest.h"
#include "mdtest.h"
#include "testing.h"

static const double EPS_EV = 0.010323, SIGMA_A = 3.405, MASS_AMU = 39.948;
static const double KB_EV = 8.617333262e-5;     /* CODATA 2018 */
static const double EV_A3_GPA = 160.21766208;   /* 1 eV/Å³ in GPa */

/* Johnson, Zollweg & Gubbins (1993), Table 10. */
static const double JZG_X[33] = {
    0,
    0.8623085097507421,     2.976218765822098,     -8.402230115796038,
    0.1054136629203555,     -0.8564583828174598,   1.582759470107601,
    0.7639421948305453,     1.753173414312048,     2.798291772190376e3,
    -4.8394220260857657e-2, 0.9963265197721935,    -3.698000291272493e1,
    2.084012299434647e1,    8.305402124717285e1,   -9.574799715203068e2,
    -1.477746229234994e2,   6.398607852471505e1,   1.603993673294834e1,
    6.805916615864377e1,    -2.791293578795945e3,  -6.245128304568454,
    -8.116836104958410e3,   1.488735559561229e1,   -1.059346754655084e4,
    -1.131607632802822e2,   -8.867771540418822e3,  -3.986982844450543e1,
    -4.689270299917261e3,   2.593535277438717e2,   -2.694523589434903e3,
    -7.218487631550215e2,   1.721802063863269e2};

/* Residual Helmholtz energy per atom (units of ε) and pressure (ε/σ³) of the
 * JZG equation: A_res = Σ_{i=1..8} a_i ρ^i / i + Σ_{i=1..6} b_i G_i, their
 * eqs. 5–7 and Table 5; P = ρT + Σ a_i ρ^{i+1} + F Σ b_i ρ^{2i+1}. */
static void jzg(double t, double rho, double *a_res, double *p) {
  const double *x = JZG_X, g = 3.0, t2 = t * t, st = sqrt(t);
  double a[9], b[7], gi[7];
  a[1] = x[1] * t + x[2] * st + x[3] + x[4] / t + x[5] / t2;
  a[2] = x[6] * t + x[7] + x[8] / t + x[9] / t2;
  a[3] = x[10] * t + x[11] + x[12] / t;
  a[4] = x[13];
  a[5] = x[14] / t + x[15] / t2;
  a[6] = x[16] / t;
  a[7] = x[17] / t + x[18] / t2;
  a[8] = x[19] / t2;
  b[1] = x[20] / t2 + x[21] / (t2 * t);
  b[2] = x[22] / t2 + x[23] / (t2 * t2);
  b[3] = x[24] / t2 + x[25] / (t2 * t);
  b[4] = x[26] / t2 + x[27] / (t2 * t2);
  b[5] = x[28] / t2 + x[29] / (t2 * t);
  b[6] = x[30] / t2 + x[31] / (t2 * t) + x[32] / (t2 * t2);
  double f = exp(-g * rho * rho);
  gi[1] = (1 - f) / (2 * g);
  for (int i = 2; i <= 6; i++)
    gi[i] = -(f * pow(rho, 2 * (i - 1)) - 2 * (i - 1) * gi[i - 1]) / (2 * g);
  double s = 0, pa = 0, pb = 0;
  for (int i = 1; i <= 8; i++) {
    s += a[i] * pow(rho, i) / i;
    pa += a[i] * pow(rho, i + 1);
  }
  for (int i = 1; i <= 6; i++) {
    s += b[i] * gi[i];
    pb += b[i] * pow(rho, 2 * i + 1);
  }
  *a_res = s;
  *p = rho * t + pa + f * pb;
}

/* van der Hoef (2000): the static fcc lattice energy u = ρ²(C0 + C1 ρ²)
 * (full lattice sums), the anharmonic terms of eq. 14 and the residual
 * Helmholtz energy of eq. 21 per atom, in ε; the pressure from eq. 20. */
static const double VDH_A[3][4] = {{-8.2151768, 12.070686, -6.6594615, 1.3211582},
                                   {13.404069, -20.632066, 11.564825, -2.3064801},
                                   {-5.5481261, 8.8465978, -5.0258631, 1.0070066}};
static const double VDH_B[4] = {69.833875, -132.86963, 97.438593, -25.848057};
static const double VDH_C0 = -14.45392093, VDH_C1 = 6.065940096;

static double vdh_static(double rho) {
  return rho * rho * (VDH_C0 + VDH_C1 * rho * rho);
}

static void vdh_solid(double t, double rho, double *a_res, double *p) {
  double uah = 0, duah = 0; /* β U_ah and its ρ derivative (eq. 14) */
  for (int n = 0; n <= 2; n++)
    for (int m = 2; m <= 5; m++) {
      uah -= VDH_A[n][m - 2] / (m - 1) * pow(rho, n) * pow(t, m - 1);
      if (n) duah -= n * VDH_A[n][m - 2] / (m - 1) * pow(rho, n - 1) * pow(t, m - 1);
    }
  double sb = 0, z = 1 / rho + rho * (2 * VDH_C0 + 4 * VDH_C1 * rho * rho) / t + duah;
  for (int n = 0; n <= 3; n++) {
    sb += VDH_B[n] / (n + 1) * pow(rho, n + 1);
    z += VDH_B[n] * pow(rho, n);
  }
  *a_res = vdh_static(rho) - 1.5 * t * log(t) + t * uah + t * sb - 23.3450759 * t;
  *p = rho * rho * t * z;
}

/* The classical ideal gas per atom, k_BT [ln(ρ Λ³) − 1], ρ in Å⁻³, eV. */
static double ideal_gas_ev(double t_k, double rho_a3) {
  const double h = 6.62607015e-34, amu = 1.66053906660e-27, kb = 1.380649e-23;
  double lambda_a = 1e10 * h / sqrt(2 * M_PI * MASS_AMU * amu * kb * t_k);
  return KB_EV * t_k * (log(rho_a3 * pow(lambda_a, 3)) - 1);
}

static double num(const cJSON *o, const char *k) {
  const cJSON *x = cJSON_GetObjectItem(o, k);
  return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static const cJSON *phase_ref(const cJSON *j, int k, const char **status) {
  const cJSON *ph = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "phases"), k);
  const cJSON *st = cJSON_GetObjectItem(ph, "status");
  *status = cJSON_IsString(st) ? st->valuestring : "?";
  return cJSON_GetObjectItem(ph, "reference");
}

int main(void) {
  const double t_k = 89.85, p_red = 0.7492970518; /* T* = 0.75004 */
  const double t_red = t_k * KB_EV / EPS_EV;
  const double p_unit_gpa = EPS_EV / pow(SIGMA_A, 3) * EV_A3_GPA; /* ε/σ³ in GPa */
  char tmp[1024], poscar[1100], liquid[1100], cmd[4096];
  snprintf(tmp, sizeof tmp, "%s", mdtest_tmpdir());
  snprintf(poscar, sizeof poscar, "%s/Ar.vasp", tmp);
  test_write_text(poscar, "Ar fcc\n5.31\n1 0 0\n0 1 0\n0 0 1\nAr\n4\nDirect\n"
                          "0 0 0\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\n");
  /* the liquid is melted at fixed volume from ρσ³ = 0.90, where 300 K
   * (T* = 2.5) is far above melting */
  snprintf(liquid, sizeof liquid, "%s/Ar_expanded.vasp", tmp);
  test_write_text(liquid, "Ar fcc expanded\n5.60\n1 0 0\n0 1 0\n0 0 1\nAr\n4\nDirect\n"
                          "0 0 0\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\n");
  snprintf(cmd, sizeof cmd,
           "OMP_NUM_THREADS=1 %s free-energy %s %s --phase solid,liquid "
           "-p lj:epsilon=0.010323,sigma=3.405,cutoff=11.9175,tail=1 --supercell 4,4,4 "
           "--pressure %.6f --temperatures %.2f --timestep 5 --steps 4000 "
           "--lambda-points 8 --melt-temperature 300 --seed 11 -j 2 -q --json -o %s/run",
           NACRE_CLI, poscar, liquid, p_red * p_unit_gpa, t_k, tmp);
  FILE *pp = popen(cmd, "r");
  size_t cap = 1 << 22, len = 0, got;
  char *buf = malloc(cap);
  while (pp && (got = fread(buf + len, 1, cap - len - 1, pp)) > 0) len += got;
  buf[len] = '\0';
  int rc = pp ? pclose(pp) : -1;
  CHECK(rc == 0, "nacre free-energy ran (%d)", rc);
  cJSON *j = cJSON_Parse(buf);
  CHECK(j != NULL, "JSON");
  if (!j) {
    printf("%s\n", buf);
    free(buf);
    TEST_DONE();
  }
  const char *st_s, *st_l;
  const cJSON *rs = phase_ref(j, 0, &st_s), *rl = phase_ref(j, 1, &st_l);
  CHECK(!strcmp(st_s, "ok") && !strcmp(st_l, "ok"), "both phases ok (%s, %s)", st_s, st_l);
  double p_ev_a3 = p_red * p_unit_gpa / EV_A3_GPA;
  const double s3 = pow(SIGMA_A, 3);

  /* crystal */
  double vs = num(rs, "volume_per_atom_a3"), rho_s = s3 / vs;
  double gs = num(rs, "gibbs_energy_per_atom_ev"), gs_se = num(rs, "gibbs_energy_per_atom_stderr_ev");
  double u0 = num(rs, "lattice_energy_per_atom_ev");
  double fs = gs - p_ev_a3 * vs; /* F(T0, V0) with the finite-size correction */
  double a_vdh, p_vdh;
  vdh_solid(t_red, rho_s, &a_vdh, &p_vdh);
  double f_nacre = fs / EPS_EV, f_vdh = ideal_gas_ev(t_k, 1 / vs) / EPS_EV + a_vdh;
  printf("solid: rho* = %.4f (vdH coexistence 0.9724), F = %.4f +- %.4f eps, "
         "van der Hoef %.4f (%+.4f); U0 = %.4f eps, full lattice sum %.4f; vdH P* = %.3f\n",
         rho_s, f_nacre, gs_se / EPS_EV, f_vdh, f_nacre - f_vdh, u0 / EPS_EV,
         vdh_static(rho_s), p_vdh);
  CHECK_CLOSE(f_nacre, f_vdh, 0.04, "crystal F against van der Hoef (eps)");
  CHECK_CLOSE(rho_s, 0.972431, 0.01 * 0.972431, "crystal density on the melting line");
  CHECK_CLOSE(p_vdh, p_red, 0.1, "van der Hoef's pressure at nacre's crystal density (eps/sigma^3)");

  /* liquid */
  double vl = num(rl, "volume_per_atom_a3"), rho_l = s3 / vl;
  double fl = num(rl, "free_energy_per_atom_ev"), fl_se = num(rl, "free_energy_per_atom_stderr_ev");
  double gl = num(rl, "gibbs_energy_per_atom_ev");
  double a_jzg, p_jzg;
  jzg(t_red, rho_l, &a_jzg, &p_jzg);
  double res_nacre = (fl - ideal_gas_ev(t_k, 1 / vl)) / EPS_EV;
  printf("liquid: rho* = %.4f (vdH coexistence 0.8680), F - F_id = %.4f +- %.4f eps, "
         "JZG %.4f (%+.4f); JZG P* = %.3f\n",
         rho_l, res_nacre, fl_se / EPS_EV, a_jzg, res_nacre - a_jzg, p_jzg);
  CHECK_CLOSE(res_nacre, a_jzg, 0.04, "liquid F - F_id against Johnson et al. (eps)");
  CHECK_CLOSE(rho_l, 0.868005, 0.01 * 0.868005, "liquid density on the melting line");
  CHECK_CLOSE(p_jzg, p_red, 0.1, "JZG pressure at nacre's liquid density (eps/sigma^3)");

  /* coexistence */
  double dg = (gs - gl) / EPS_EV;
  printf("G(solid) - G(liquid) = %+.4f +- %.4f eps\n", dg,
         sqrt(gs_se * gs_se + pow(num(rl, "gibbs_energy_per_atom_stderr_ev"), 2)) / EPS_EV);
  CHECK_CLOSE(dg, 0.0, 0.04, "G(solid) = G(liquid) on the published melting line (eps)");
  cJSON_Delete(j);
  free(buf);
  mdtest_cleanup(tmp);
  TEST_DONE();
}
