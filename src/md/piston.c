/* piston.c — Andersen's barostat (Andersen, JCP 72, 2384 (1980)): the cell
 * strains along a fixed direction D as a piston of mass W driven by the
 * difference between the internal and the target pressure, with no
 * thermostat and no noise, so that the enthalpy of the isoenthalpic–isobaric
 * (NPH) ensemble is conserved. Rows of the barostat table of md_internal.h.
 *
 * The strain rate ε̇ deforms the cell as dh/dt = ε̇ h D (tr D = 1, so
 * dV/dt = ε̇ V), positions as dx/dt = ε̇ D x and momenta as dp/dt = −ε̇ D p;
 * the piston obeys
 *   W dε̇/dt = V (⟨P_int, D⟩ − P0),
 * P_int the pressure tensor with its kinetic part, ⟨·,·⟩ the Frobenius
 * product. Then d(U + K)/dt = −ε̇ V ⟨P_int, D⟩ and the enthalpy
 *   H = U + K + P0 V + ½ W ε̇²
 * is constant. D = I/3 strains the cell isotropically (piston-iso); D = n nᵀ,
 * n the unit normal of the plane of the first two cell vectors, changes only
 * the length along n (piston-z): a solid–liquid coexistence box whose
 * crystal keeps its lateral lattice while its length follows the pressure.
 * The (1 + d/N_f) terms of Martyna, Tobias & Klein (JCP 101, 4177 (1994))
 * are left out: they change the sampled distribution by O(1/N), not the
 * conservation.
 *
 * W = V0 β_T⁻¹ (τ_P / 2π)², V0 the starting volume: τ_P is the period of the
 * piston's oscillation when β_T (the compressibility option; for piston-z
 * the inverse of the longitudinal modulus C33) is the material's.
 *
 * Splitting: a half kick of ε̇ with the pressure at the start of the step
 * (velocities after their first half kick), the deformation exp(ε̇ dt D),
 * and a half kick with the pressure at the new positions; the piston's
 * kinetic energy is kept in md->heat so that the conserved quantity of md.c
 * is H. */
#include <math.h>
#include <string.h>

#include "md_internal.h"

static double volume_of(const nacre_md *md) {
  return fabs(nacre_cell_volume(md->s->cell));
}

/* D of the piston: I/3, or n nᵀ for the normal n of rows a and b. */
static void piston_direction(const nacre_md *md, double d[3][3]) {
  memset(d, 0, 9 * sizeof(double));
  if (md->barostat == &md_barostat_piston_iso) {
    for (int a = 0; a < 3; a++) d[a][a] = 1.0 / 3.0;
    return;
  }
  const double *u = md->s->cell[0], *w = md->s->cell[1];
  double n[3] = {u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2],
                 u[0] * w[1] - u[1] * w[0]};
  double len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) d[a][b] = n[a] * n[b] / (len * len);
}

/* V (⟨P_int, D⟩ − P0), eV. */
static double piston_force(const nacre_md *md) {
  double p[3][3], d[3][3], pd = 0.0;
  md_pressure_tensor(md, p);
  piston_direction(md, d);
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) pd += p[a][b] * d[a][b];
  return volume_of(md) * (pd - md->p0);
}

static void piston_kick(nacre_md *md, double dt) {
  double before = 0.5 * md->piston_mass * md->piston_rate * md->piston_rate;
  md->piston_rate += dt * piston_force(md) / md->piston_mass;
  md->heat += 0.5 * md->piston_mass * md->piston_rate * md->piston_rate - before;
}

static void piston_init(nacre_md *md) {
  double beta = md->opt.compressibility_per_gpa * NACRE_EV_A3_TO_GPA;
  double period = md->opt.barostat_tau_fs / (2.0 * NACRE_PI);
  md->piston_mass = volume_of(md) * period * period / beta;
  md->piston_rate = 0.0;
}

static void piston_begin(nacre_md *md, double dt, double m[3][3]) {
  double d[3][3];
  piston_kick(md, 0.5 * dt);
  piston_direction(md, d);
  /* exp(x D) = I + (e^x − 1) D for the projector n nᵀ; e^{x/3} I for I/3 */
  double x = md->piston_rate * dt;
  memset(m, 0, 9 * sizeof(double));
  if (md->barostat == &md_barostat_piston_iso) {
    for (int a = 0; a < 3; a++) m[a][a] = exp(x / 3.0);
    return;
  }
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) m[a][b] = (a == b) + expm1(x) * d[a][b];
}

static void piston_end(nacre_md *md, double dt) { piston_kick(md, 0.5 * dt); }

const md_barostat_ops md_barostat_piston_iso = {"piston-iso", piston_init,
                                                piston_begin, piston_end};
const md_barostat_ops md_barostat_piston_z = {"piston-z", piston_init,
                                              piston_begin, piston_end};
