/* escape.c — the molecular-dynamics escape of minima hopping (Goedecker,
 * J. Chem. Phys. 120, 9911 (2004)): from a local minimum, random
 * velocities turned towards the soft directions of the minimum (Schönborn,
 * Goedecker, Roy & Oganov, J. Chem. Phys. 130, 144108 (2009)) and scaled
 * to a kinetic energy; velocity-Verlet MD at constant energy in the fixed
 * cell until the potential energy has passed `minima` minima along the
 * trajectory. The end point is where the next relaxation starts. The
 * search layer does not use md/: this is the whole integrator it needs
 * (no thermostat, no trajectory, no cell motion). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/pot.h"
#include "nacre/search.h"

void nacre_escape_options_init(nacre_escape_options *o) {
  memset(o, 0, sizeof *o);
  o->minima = 3;
  o->soften_steps = 20;
  o->max_steps = 4000;
}

typedef struct escape_work {
  nacre_calc *calc;
  nacre_structure *s;
  nacre_result r;
  double *m;        /* masses, amu */
  double *x0, *f0;  /* the minimum and its forces */
  double *d, *dn;   /* a direction, and the next one */
  long force_calls;
} escape_work;

static nacre_status forces_at(escape_work *w, const double *x, double *energy,
                              nacre_error *err) {
  int n = w->s->natoms;
  memcpy(w->s->positions, x, sizeof(double) * 3 * (size_t)n);
  nacre_status st = nacre_calc_compute(w->calc, w->s,
                                       NACRE_WANT_ENERGY | NACRE_WANT_FORCES,
                                       &w->r, err);
  w->force_calls++;
  if (!st && energy) *energy = w->r.energy;
  return st;
}

/* Mean distance from each atom to its nearest neighbour (the minimum
 * image in periodic directions): the length every step below is measured
 * in, whatever units the potential uses. */
static double nearest_mean(const nacre_structure *s) {
  double sum = 0;
  int n = s->natoms, periodic = s->pbc[0] || s->pbc[1] || s->pbc[2];
  for (int i = 0; i < n; i++) {
    double best = INFINITY;
    for (int j = 0; j < n; j++) {
      if (j == i) continue;
      double v[3];
      for (int k = 0; k < 3; k++)
        v[k] = s->positions[3 * j + k] - s->positions[3 * i + k];
      if (periodic) nacre_cell_minimum_image(s->cell, s->pbc, v);
      best = fmin(best, sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]));
    }
    if (isfinite(best)) sum += best;
  }
  return n > 1 ? sum / n : 1.0;
}

/* Removes the motion of v that moves the structure as a whole: the
 * mass-weighted mean (no centre-of-mass motion) and, for a cluster, the
 * rigid rotation about the centre of mass (no angular momentum). The
 * softening would otherwise turn every direction into these zero modes,
 * and an escape along them ends where it began. */
static void remove_drift(const nacre_structure *s, const double *x,
                         const double *m, double *v) {
  int n = s->natoms;
  double p[3] = {0, 0, 0}, mt = 0, c[3] = {0, 0, 0};
  for (int i = 0; i < n; i++) {
    mt += m[i];
    for (int k = 0; k < 3; k++) {
      p[k] += m[i] * v[3 * i + k];
      c[k] += m[i] * x[3 * i + k];
    }
  }
  for (int i = 0; i < n; i++)
    for (int k = 0; k < 3; k++) v[3 * i + k] -= p[k] / mt;
  if (s->pbc[0] || s->pbc[1] || s->pbc[2]) return;
  for (int k = 0; k < 3; k++) c[k] /= mt;
  double L[3] = {0, 0, 0}, I[3][3] = {{0}};
  for (int i = 0; i < n; i++) {
    double r[3], *u = v + 3 * i;
    for (int k = 0; k < 3; k++) r[k] = x[3 * i + k] - c[k];
    L[0] += m[i] * (r[1] * u[2] - r[2] * u[1]);
    L[1] += m[i] * (r[2] * u[0] - r[0] * u[2]);
    L[2] += m[i] * (r[0] * u[1] - r[1] * u[0]);
    double r2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) I[a][b] += m[i] * ((a == b) * r2 - r[a] * r[b]);
  }
  double inv[3][3], w[3];
  if (nacre_mat3_inverse(I, inv)) return; /* a line of atoms: leave it */
  for (int a = 0; a < 3; a++)
    w[a] = inv[a][0] * L[0] + inv[a][1] * L[1] + inv[a][2] * L[2];
  for (int i = 0; i < n; i++) {
    double r[3];
    for (int k = 0; k < 3; k++) r[k] = x[3 * i + k] - c[k];
    v[3 * i + 0] -= w[1] * r[2] - w[2] * r[1];
    v[3 * i + 1] -= w[2] * r[0] - w[0] * r[2];
    v[3 * i + 2] -= w[0] * r[1] - w[1] * r[0];
  }
}

static double norm(const double *v, int len) {
  double s = 0;
  for (int k = 0; k < len; k++) s += v[k] * v[k];
  return sqrt(s);
}

/* Curvature of the energy along the unit direction d at the minimum, by a
 * finite difference of the forces over a step of h Å. */
static nacre_status curvature(escape_work *w, const double *d, double h,
                              double *kappa, double *grad, nacre_error *err) {
  int len = 3 * w->s->natoms;
  double *x = w->dn; /* scratch */
  for (int k = 0; k < len; k++) x[k] = w->x0[k] + h * d[k];
  nacre_status st = forces_at(w, x, NULL, err);
  if (st) return st;
  double c = 0;
  for (int k = 0; k < len; k++) {
    grad[k] = -(w->r.forces[k] - w->f0[k]) / h; /* ≈ H d */
    c += grad[k] * d[k];
  }
  for (int k = 0; k < len; k++) grad[k] -= c * d[k]; /* ⊥ d */
  *kappa = c;
  return NACRE_OK;
}

/* Turns d (a unit vector) towards low curvature by steepest descent on the
 * Rayleigh quotient, a step kept only when it lowers the curvature. */
static nacre_status soften(escape_work *w, int steps, double h, double *d,
                           nacre_escape_info *info, nacre_error *err) {
  int n = w->s->natoms, len = 3 * n;
  double *g = malloc(sizeof(double) * (size_t)len),
         *trial = malloc(sizeof(double) * (size_t)len),
         *gt = malloc(sizeof(double) * (size_t)len);
  nacre_status st = NACRE_OK;
  if (!g || !trial || !gt) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  double kappa;
  if ((st = curvature(w, d, h, &kappa, g, err))) goto done;
  info->curvature_start = info->curvature_end = kappa;
  double alpha = 0.5 / fmax(fabs(kappa), 1e-12);
  for (int it = 0; it < steps; it++) {
    for (int k = 0; k < len; k++) trial[k] = d[k] - alpha * g[k];
    remove_drift(w->s, w->x0, w->m, trial);
    double nt = norm(trial, len);
    if (!(nt > 0)) break;
    for (int k = 0; k < len; k++) trial[k] /= nt;
    double kt;
    if ((st = curvature(w, trial, h, &kt, gt, err))) goto done;
    if (kt < kappa) {
      memcpy(d, trial, sizeof(double) * (size_t)len);
      memcpy(g, gt, sizeof(double) * (size_t)len);
      kappa = kt;
      alpha *= 1.2;
    } else {
      alpha *= 0.5;
    }
  }
  info->curvature_end = kappa;
done:
  free(g);
  free(trial);
  free(gt);
  return st;
}

/* One constant-energy run from x0 with velocities v (scaled in place) at
 * time step dt (units: Å, eV, amu; time in √(amu Å²/eV)). *blown is 1
 * when the total energy drifted by more than a fifth of the kinetic
 * energy given, which asks for a smaller step. */
static nacre_status run_md(escape_work *w, const nacre_escape_options *o,
                           double ekin, double dt, const double *v0,
                           double e0, int *blown, nacre_escape_info *info,
                           nacre_error *err) {
  int n = w->s->natoms, len = 3 * n;
  double *x = malloc(sizeof(double) * (size_t)len),
         *v = malloc(sizeof(double) * (size_t)len),
         *f = malloc(sizeof(double) * (size_t)len);
  nacre_status st = NACRE_OK;
  if (!x || !v || !f) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  memcpy(x, w->x0, sizeof(double) * (size_t)len);
  memcpy(v, v0, sizeof(double) * (size_t)len);
  memcpy(f, w->f0, sizeof(double) * (size_t)len);
  *blown = 0;
  info->drift = 0;
  double etot = e0 + ekin, e_prev2 = NAN, e_prev = e0, e = e0;
  int minima = 0, step = 0;
  while (step < o->max_steps && minima < o->minima) {
    for (int i = 0; i < n; i++)
      for (int k = 0; k < 3; k++) {
        v[3 * i + k] += 0.5 * dt * f[3 * i + k] / w->m[i];
        x[3 * i + k] += dt * v[3 * i + k];
      }
    if ((st = forces_at(w, x, &e, err))) goto done;
    double kin = 0;
    for (int i = 0; i < n; i++)
      for (int k = 0; k < 3; k++) {
        f[3 * i + k] = w->r.forces[3 * i + k];
        v[3 * i + k] += 0.5 * dt * f[3 * i + k] / w->m[i];
        kin += 0.5 * w->m[i] * v[3 * i + k] * v[3 * i + k];
      }
    step++;
    double drift = fabs(e + kin - etot) / ekin;
    if (drift > info->drift) info->drift = drift;
    if (!(drift <= 0.2)) {
      *blown = 1;
      break;
    }
    /* a minimum of the potential energy along the path: at step − 1 */
    if (step >= 2 && e_prev < e_prev2 && e_prev <= e) minima++;
    e_prev2 = e_prev;
    e_prev = e;
  }
  info->steps = step;
  info->minima = minima;
  info->energy_end = e;
  memcpy(w->s->positions, x, sizeof(double) * (size_t)len);
done:
  free(x);
  free(v);
  free(f);
  return st;
}

nacre_status nacre_search_escape(nacre_calc *calc, nacre_structure *s,
                                 double ekin_ev,
                                 const nacre_escape_options *o,
                                 nacre_rng *rng, nacre_escape_info *info,
                                 nacre_error *err) {
  memset(info, 0, sizeof *info);
  int n = s->natoms, len = 3 * n;
  if (n < 2 || !(ekin_ev > 0) || o->minima < 1 || o->max_steps < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "MD escape: needs ≥ 2 atoms, a positive kinetic "
                           "energy (%g eV), ≥ 1 minimum and ≥ 1 step",
                           ekin_ev);
  escape_work w;
  memset(&w, 0, sizeof w);
  w.calc = calc;
  w.s = s;
  nacre_status st = nacre_result_init(&w.r, n, err);
  if (st) return st;
  w.m = malloc(sizeof(double) * (size_t)n);
  w.x0 = malloc(sizeof(double) * (size_t)len);
  w.f0 = malloc(sizeof(double) * (size_t)len);
  w.d = malloc(sizeof(double) * (size_t)len);
  w.dn = malloc(sizeof(double) * (size_t)len);
  if (!w.m || !w.x0 || !w.f0 || !w.d || !w.dn) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (int i = 0; i < n; i++) {
    const nacre_element *el = nacre_element_by_z(s->numbers[i]);
    w.m[i] = el && el->mass_amu > 0 ? el->mass_amu : 1.0;
  }
  memcpy(w.x0, s->positions, sizeof(double) * (size_t)len);
  double dnn = nearest_mean(s), e0;
  if ((st = forces_at(&w, w.x0, &e0, err))) goto done;
  memcpy(w.f0, w.r.forces, sizeof(double) * (size_t)len);
  /* a random direction with no drift, softened */
  for (int k = 0; k < len; k++) w.d[k] = nacre_rng_normal(rng);
  remove_drift(w.s, w.x0, w.m, w.d);
  double nd = norm(w.d, len);
  for (int k = 0; k < len; k++) w.d[k] /= nd;
  if (o->soften_steps > 0 &&
      (st = soften(&w, o->soften_steps, 1e-2 * dnn, w.d, info, err)))
    goto done;
  /* velocities along d with the kinetic energy asked for */
  double kin = 0, vmax = 0;
  for (int i = 0; i < n; i++)
    for (int k = 0; k < 3; k++)
      kin += 0.5 * w.m[i] * w.d[3 * i + k] * w.d[3 * i + k];
  double scale = sqrt(ekin_ev / kin);
  for (int k = 0; k < len; k++) w.d[k] *= scale;
  for (int i = 0; i < n; i++)
    vmax = fmax(vmax, norm(w.d + 3 * i, 3));
  /* The fastest atom moves 2 % of a bond per step; smaller on a drift. */
  double dt = 0.02 * dnn / vmax;
  int blown = 1;
  for (int t = 0; t < 6 && blown; t++, dt *= 0.5) {
    if ((st = run_md(&w, o, ekin_ev, dt, w.d, e0, &blown, info, err)))
      goto done;
    info->retries = t;
  }
  if (blown) {
    st = nacre_error_set(err, NACRE_ERR_NUMERIC,
                         "MD escape: the energy is not conserved even at a "
                         "step of %g (the potential is not smooth here)",
                         2 * dt);
    memcpy(s->positions, w.x0, sizeof(double) * (size_t)len);
    goto done;
  }
  info->timestep = dt * 2; /* the loop halved it once more */
  info->energy_start = e0;
  nacre_structure_wrap(s);
done:
  info->force_calls = w.force_calls;
  nacre_result_free(&w.r);
  free(w.m);
  free(w.x0);
  free(w.f0);
  free(w.d);
  free(w.dn);
  return st;
}
