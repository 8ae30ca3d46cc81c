/* barostat.c — stochastic cell rescaling, isotropic (Bernetti & Bussi, JCP
 * 153, 114107 (2020)) and anisotropic (Del Tatto, Raiteri, Bernetti &
 * Bussi, Appl. Sci. 12, 1139 (2022)), as rows of the barostat table of
 * md_internal.h.
 *
 * Volume. With λ = √V the first-order equation of the volume has a
 * constant diffusion coefficient D = k_B T β_T / (4 τ_P):
 *   dλ = (D / k_B T) f dt + √(2 D) dW,  f = −2 λ (P0 − P_int − k_B T / (2V)),
 * P_int = tr(P)/3 with the kinetic part from the current velocities. Its
 * stationary distribution is the isothermal–isobaric one, p(V) ∝
 * exp(−(F(V) + P0 V)/k_B T). A step draws Δλ with f at the start; the
 * energy it puts in is bookkept with the time-reversible estimate
 *   Q = ½ Δλ (f + f') + (D dt / 4 k_B T)(f'² − f²) − k_B T ln(λ'/λ)
 * (f' the force after the step, the last term the Jacobian of λ), which is
 * minus the heat of the transition: md->heat += Q keeps the effective
 * energy constant.
 *
 * Shape (anisotropic). The traceless symmetric strain increment is
 *   δ = γ f_dev dt + √(2 k_B T γ dt) R̃,  γ = β_T / (3 τ_P V),
 *   f_dev = V dev(P_int − P_target),
 * R̃ a traceless symmetric Gaussian matrix with unit covariance in the
 * Frobenius metric; M = (V'/V)^{1/3} exp(δ). Its energy is bookkept with the
 * same estimate in the Frobenius inner product (exact to first order: γ
 * changes with V within the step), plus the work V ⟨τ, δ⟩ of the deviatoric
 * target stress. A target stress τ enters as P_target = −τ; P0 = −tr τ / 3. */
#include <math.h>
#include <string.h>

#include "md_internal.h"

/* β_T in Å^3/eV */
static double beta_t(const nacre_md *md) {
  return md->opt.compressibility_per_gpa * NACRE_EV_A3_TO_GPA;
}

static double volume_of(const nacre_md *md) {
  return fabs(nacre_cell_volume(md->s->cell));
}

/* The force on λ = √V, eV/Å^{3/2}. */
static double lambda_force(const nacre_md *md, double p[3][3]) {
  double v = volume_of(md), pint = (p[0][0] + p[1][1] + p[2][2]) / 3.0;
  return -2.0 * sqrt(v) * (md->p0 - pint - md->kt / (2.0 * v));
}

static double lambda_diffusion(const nacre_md *md) {
  return md->kt * beta_t(md) / (4.0 * md->opt.barostat_tau_fs);
}

/* Draws Δλ; returns the linear scale factor (V'/V)^{1/3}. */
static double volume_begin(nacre_md *md, double dt, double p[3][3]) {
  double d = lambda_diffusion(md), f = lambda_force(md, p);
  double lambda = sqrt(volume_of(md));
  double dl = d / md->kt * f * dt +
              sqrt(2.0 * d * dt) * nacre_rng_normal(&md->rng_barostat);
  /* a step that would take the volume through zero is halved until it
   * does not: never happens for sensible time constants */
  while (lambda + dl <= 0.5 * lambda) dl *= 0.5;
  md->baro_dlambda = dl;
  md->heat += 0.5 * dl * f - 0.25 * d * dt / md->kt * f * f;
  return cbrt((lambda + dl) * (lambda + dl) / (lambda * lambda));
}

static void volume_end(nacre_md *md, double dt, double p[3][3]) {
  double d = lambda_diffusion(md), f = lambda_force(md, p);
  double lambda = sqrt(volume_of(md)), dl = md->baro_dlambda;
  md->heat += 0.5 * dl * f + 0.25 * d * dt / md->kt * f * f -
              md->kt * log(lambda / (lambda - dl));
}

/* ---- isotropic ---- */

static void iso_begin(nacre_md *md, double dt, double m[3][3]) {
  double p[3][3];
  md_pressure_tensor(md, p);
  double s = volume_begin(md, dt, p);
  memset(m, 0, 9 * sizeof(double));
  for (int a = 0; a < 3; a++) m[a][a] = s;
}

static void iso_end(nacre_md *md, double dt) {
  double p[3][3];
  md_pressure_tensor(md, p);
  volume_end(md, dt, p);
}

const md_barostat_ops md_barostat_iso = {"iso", NULL, iso_begin, iso_end};

/* ---- anisotropic ---- */

/* V dev(P − P_target), eV. */
static void shape_force(const nacre_md *md, double p[3][3], double f[3][3]) {
  double v = volume_of(md), x[3][3];
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) x[a][b] = p[a][b] + md->target[a][b];
  double tr = (x[0][0] + x[1][1] + x[2][2]) / 3.0;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) f[a][b] = v * (x[a][b] - (a == b ? tr : 0.0));
}

static double frobenius(double a[3][3], double b[3][3]) {
  double s = 0.0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) s += a[i][j] * b[i][j];
  return s;
}

/* exp(δ) of a small symmetric matrix by its Taylor series to the 6th
 * power (|δ| ~ 1e-3 per step: the rest is below rounding). */
static void mat3_exp_small(double d[3][3], double e[3][3]) {
  double term[3][3], next[3][3];
  memset(e, 0, 9 * sizeof(double));
  memset(term, 0, sizeof term);
  for (int a = 0; a < 3; a++) e[a][a] = term[a][a] = 1.0;
  for (int k = 1; k <= 6; k++) {
    nacre_mat3_mul(term, d, next);
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) {
        term[a][b] = next[a][b] / k;
        e[a][b] += term[a][b];
      }
  }
}

static void aniso_begin(nacre_md *md, double dt, double m[3][3]) {
  double p[3][3], f[3][3], r[3][3], e[3][3];
  md_pressure_tensor(md, p);
  shape_force(md, p, f);
  double v = volume_of(md);
  double gamma = beta_t(md) / (3.0 * md->opt.barostat_tau_fs * v);
  double g[3][3];
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) g[a][b] = nacre_rng_normal(&md->rng_barostat);
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) r[a][b] = 0.5 * (g[a][b] + g[b][a]);
  double tr = (r[0][0] + r[1][1] + r[2][2]) / 3.0;
  for (int a = 0; a < 3; a++) r[a][a] -= tr;
  double amp = sqrt(2.0 * md->kt * gamma * dt);
  double (*d)[3] = md->baro_shape;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) d[a][b] = gamma * f[a][b] * dt + amp * r[a][b];
  md->heat += 0.5 * frobenius(d, f) - 0.25 * gamma * dt * frobenius(f, f);
  double s = volume_begin(md, dt, p);
  mat3_exp_small(d, e);
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) m[a][b] = s * e[a][b];
}

static void aniso_end(nacre_md *md, double dt) {
  double p[3][3], f[3][3];
  md_pressure_tensor(md, p);
  shape_force(md, p, f);
  double v = volume_of(md), lambda = sqrt(v);
  double v0 = (lambda - md->baro_dlambda) * (lambda - md->baro_dlambda);
  double gamma = beta_t(md) / (3.0 * md->opt.barostat_tau_fs * v);
  md->heat += 0.5 * frobenius(md->baro_shape, f) +
              0.25 * gamma * dt * frobenius(f, f);
  /* the work V ⟨τ, δ⟩ a deviatoric target stress did on the cell */
  md->heat -= 0.5 * (v + v0) * frobenius(md->target, md->baro_shape);
  volume_end(md, dt, p);
}

const md_barostat_ops md_barostat_aniso = {"aniso", NULL, aniso_begin,
                                           aniso_end};
