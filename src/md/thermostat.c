/* thermostat.c — the thermostats of nacre md as rows of one operations
 * table (md_internal.h): none, stochastic velocity rescaling, Langevin
 * (the O step of BAOAB) and Nosé–Hoover chains. Each keeps md->heat equal
 * to minus the kinetic energy it has put in, so that the conserved
 * quantity of md.c stays constant up to the integration error. */
#include <math.h>

#include "md_internal.h"

double md_gamma(nacre_rng *rng, double shape) {
  if (shape < 1.0) {
    /* Γ(a) = Γ(a + 1) · U^{1/a} */
    double u = nacre_rng_uniform(rng);
    return md_gamma(rng, shape + 1.0) * pow(u > 0.0 ? u : 0x1.0p-53, 1.0 / shape);
  }
  double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
  for (;;) {
    double x = nacre_rng_normal(rng), v = 1.0 + c * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    double u = nacre_rng_uniform(rng);
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0.0 && log(u) < 0.5 * x * x + d * (1.0 - v + log(v))) return d * v;
  }
}

static void scale_velocities(nacre_md *md, double s) {
  size_t n3 = 3 * (size_t)md->n;
  for (size_t k = 0; k < n3; k++) md->v[k] *= s;
}

/* ---- none ---- */

const md_thermostat_ops md_thermostat_none = {"none", 1, NULL, NULL, NULL,
                                              NULL};

/* ---- stochastic velocity rescaling ---- */

/* Bussi, Donadio & Parrinello, JCP 126, 014101 (2007), eq. (A7): the
 * kinetic energy after a time dt of the stochastic equation
 *   dK = (K̄ − K) dt/τ + 2 √(K K̄ / N_f) dW/√τ,
 * K̄ = N_f k_B T / 2, drawn exactly; the sum of N_f − 1 squared normal
 * variates is 2 Γ((N_f − 1)/2). */
static void bussi_half(nacre_md *md, double dt) {
  double k = md_kinetic_energy(md);
  if (!(k > 0.0)) return;
  int nf = md->ndof;
  double kbar = 0.5 * nf * md->kt;
  double c = exp(-dt / md->opt.thermostat_tau_fs);
  double r1 = nacre_rng_normal(&md->rng_thermostat);
  double rest = nf > 1 ? 2.0 * md_gamma(&md->rng_thermostat, 0.5 * (nf - 1)) : 0.0;
  double knew = k + (1.0 - c) * (kbar * (rest + r1 * r1) / nf - k) +
                2.0 * r1 * sqrt(k * kbar / nf * (1.0 - c) * c);
  if (!(knew > 0.0)) knew = 0.0;
  scale_velocities(md, sqrt(knew / k));
  md->heat += k - knew;
}

const md_thermostat_ops md_thermostat_bussi = {"bussi", 1, NULL, bussi_half,
                                               NULL, NULL};

/* ---- Langevin ---- */

/* The O step of BAOAB: v ← c v + √((1 − c²) k_B T / m) R with c = e^{−dt/τ}
 * (Leimkuhler & Matthews 2013), exact for the Ornstein–Uhlenbeck part. */
static void langevin_noise(nacre_md *md, double dt) {
  double before = md_kinetic_energy(md);
  double c = exp(-dt / md->opt.thermostat_tau_fs);
  double s = sqrt(1.0 - c * c);
  for (int i = 0; i < md->n; i++) {
    double sd = s * sqrt(md->kt * md->inv_mass[i]);
    for (int a = 0; a < 3; a++) {
      size_t k = 3 * (size_t)i + a;
      if (md->mobile && !md->mobile[k]) continue;
      md->v[k] = c * md->v[k] + sd * nacre_rng_normal(&md->rng_thermostat);
    }
  }
  if (md->opt.fix_com) md_remove_com_velocity(md);
  md->heat += before - md_kinetic_energy(md);
}

const md_thermostat_ops md_thermostat_langevin = {"langevin", 0, NULL, NULL,
                                                  langevin_noise, NULL};

/* ---- Nosé–Hoover chains ---- */

/* Masses Q_1 = N_f k_B T τ², Q_j = k_B T τ² (τ the period of the
 * thermostat's oscillation), as Martyna, Klein & Tuckerman, JCP 97, 2635
 * (1992). */
static void nhc_init(nacre_md *md) {
  md->chain = md->opt.nose_hoover_chain;
  double tau2 = md->opt.thermostat_tau_fs * md->opt.thermostat_tau_fs;
  for (int j = 0; j < md->chain; j++) {
    md->q[j] = (j == 0 ? md->ndof : 1) * md->kt * tau2;
    md->xi[j] = md->vxi[j] = 0.0;
  }
}

/* Force on thermostat j given twice the kinetic energy of the atoms. */
static double nhc_force(const nacre_md *md, int j, double k2) {
  if (j == 0) return (k2 - md->ndof * md->kt) / md->q[0];
  return (md->q[j - 1] * md->vxi[j - 1] * md->vxi[j - 1] - md->kt) / md->q[j];
}

static void nhc_update_v(nacre_md *md, int j, double d, double k2) {
  if (j == md->chain - 1) {
    md->vxi[j] += 0.5 * d * nhc_force(md, j, k2);
    return;
  }
  double e = exp(-0.25 * d * md->vxi[j + 1]);
  md->vxi[j] *= e;
  md->vxi[j] += 0.5 * d * nhc_force(md, j, k2);
  md->vxi[j] *= e;
}

/* exp(iL_NHC t) for t = dt with the Suzuki–Yoshida fourth-order weights
 * (MTTK 1996, section 4): chain velocities from the end of the chain
 * inwards, particle scaling, chain positions, and back. */
static void nhc_half(nacre_md *md, double dt) {
  const double w1 = 1.0 / (2.0 - cbrt(2.0));
  const double w[3] = {w1, 1.0 - 2.0 * w1, w1};
  double k2 = 2.0 * md_kinetic_energy(md), scale = 1.0;
  int m = md->chain;
  for (int y = 0; y < 3; y++) {
    double d = w[y] * dt;
    for (int j = m - 1; j >= 0; j--) nhc_update_v(md, j, d, k2);
    double s = exp(-d * md->vxi[0]);
    scale *= s;
    k2 *= s * s;
    for (int j = 0; j < m; j++) md->xi[j] += d * md->vxi[j];
    for (int j = 0; j < m; j++) nhc_update_v(md, j, d, k2);
  }
  scale_velocities(md, scale);
}

static double nhc_energy(const nacre_md *md) {
  double e = 0.0;
  for (int j = 0; j < md->chain; j++) {
    e += 0.5 * md->q[j] * md->vxi[j] * md->vxi[j];
    e += (j == 0 ? md->ndof : 1) * md->kt * md->xi[j];
  }
  return e;
}

const md_thermostat_ops md_thermostat_nose_hoover = {
    "nose-hoover", 1, nhc_init, nhc_half, NULL, nhc_energy};
