/* potential_modes.c — the normal modes a potential gives a structure at Γ
 * of its cell, for the soft-mode mutation with real modes in place of the
 * bond-hardness springs (Lyakhov, Oganov & Valle, CPC 181, 1623 (2010),
 * use the dynamical matrix when it is affordable). The Hessian comes from
 * central differences of the forces; mass weighting gives the dynamical
 * matrix D_jk = H_jk / √(m_j m_k) of the cell as its own supercell, whose
 * negative eigenvalues are the cell's instabilities. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/search.h"
#include "softmode_internal.h"

#define MODES_STEP_A 0.01 /* default finite-difference displacement, Å */

/* H[j·n3 + k] = −∂F_j/∂x_k by central differences, then (H + Hᵀ)/2. */
static nacre_status hessian(nacre_calc *calc, const nacre_structure *s, double step,
                            double *h, nacre_error *err) {
  int n = s->natoms, n3 = 3 * n;
  nacre_structure *x = nacre_structure_copy(s, err);
  nacre_result r;
  nacre_status st = x ? nacre_result_init(&r, n, err) : NACRE_ERR_NOMEM;
  if (st) {
    nacre_structure_free(x);
    return st;
  }
  double *fplus = malloc((size_t)n3 * sizeof *fplus);
  if (!fplus) st = nacre_error_set(err, NACRE_ERR_NOMEM, "normal modes: %d atoms", n);
  for (int k = 0; !st && k < n3; k++) {
    x->positions[k] = s->positions[k] + step;
    st = nacre_calc_compute(calc, x, NACRE_WANT_FORCES, &r, err);
    if (!st) memcpy(fplus, r.forces, (size_t)n3 * sizeof *fplus);
    x->positions[k] = s->positions[k] - step;
    if (!st) st = nacre_calc_compute(calc, x, NACRE_WANT_FORCES, &r, err);
    x->positions[k] = s->positions[k];
    for (int j = 0; !st && j < n3; j++)
      h[(size_t)j * n3 + k] = -(fplus[j] - r.forces[j]) / (2 * step);
  }
  for (int j = 0; !st && j < n3; j++)
    for (int k = j + 1; k < n3; k++) {
      double a = 0.5 * (h[(size_t)j * n3 + k] + h[(size_t)k * n3 + j]);
      h[(size_t)j * n3 + k] = h[(size_t)k * n3 + j] = a;
    }
  free(fplus);
  nacre_result_free(&r);
  nacre_structure_free(x);
  return st;
}

/* Orthonormal rigid motions in mass-weighted coordinates (√m_i times the
 * displacement): the three translations, and for a cluster the three
 * rotations about the centre of mass. Returns how many (a linear cluster
 * has only two rotations); basis holds 6 × n3. */
static int rigid_motions(const nacre_structure *s, const double *sqrt_m, double *basis) {
  int n = s->natoms, n3 = 3 * n, count = 0;
  int cluster = !s->pbc[0] && !s->pbc[1] && !s->pbc[2];
  double com[3] = {0, 0, 0}, mt = 0;
  for (int i = 0; i < n; i++) {
    double m = sqrt_m[i] * sqrt_m[i];
    for (int a = 0; a < 3; a++) com[a] += m * s->positions[3 * i + a];
    mt += m;
  }
  for (int a = 0; a < 3; a++) com[a] /= mt;
  for (int t = 0; t < (cluster ? 6 : 3); t++) {
    double *v = basis + (size_t)count * n3;
    for (int i = 0; i < n; i++) {
      const double *r = &s->positions[3 * i];
      double d[3] = {r[0] - com[0], r[1] - com[1], r[2] - com[2]}, u[3] = {0, 0, 0};
      if (t < 3) {
        u[t] = 1;
      } else { /* e_axis × d */
        int a = t - 3, b = (a + 1) % 3, c = (a + 2) % 3;
        u[b] = -d[c], u[c] = d[b];
      }
      for (int k = 0; k < 3; k++) v[3 * i + k] = sqrt_m[i] * u[k];
    }
    /* Gram–Schmidt against the motions kept so far */
    for (int p = 0; p < count; p++) {
      const double *w = basis + (size_t)p * n3;
      double dot = 0;
      for (int k = 0; k < n3; k++) dot += v[k] * w[k];
      for (int k = 0; k < n3; k++) v[k] -= dot * w[k];
    }
    double norm = 0;
    for (int k = 0; k < n3; k++) norm += v[k] * v[k];
    norm = sqrt(norm);
    if (norm < 1e-8 * sqrt(mt)) continue; /* a rotation about the axis of a line */
    for (int k = 0; k < n3; k++) v[k] /= norm;
    count++;
  }
  return count;
}

/* D ← P D P with P = 1 − Σ v vᵀ over the rigid motions. */
static void project_out(double *d, int n3, const double *basis, int count, double *work) {
  for (int p = 0; p < count; p++) {
    const double *v = basis + (size_t)p * n3;
    /* D ← D − (D v) vᵀ − v (vᵀ D) + v (vᵀ D v) vᵀ, D symmetric */
    double vdv = 0;
    for (int j = 0; j < n3; j++) {
      double s = 0;
      for (int k = 0; k < n3; k++) s += d[(size_t)j * n3 + k] * v[k];
      work[j] = s;
      vdv += v[j] * s;
    }
    for (int j = 0; j < n3; j++)
      for (int k = 0; k < n3; k++)
        d[(size_t)j * n3 + k] += -work[j] * v[k] - v[j] * work[k] + vdv * v[j] * v[k];
  }
}

nacre_status nacre_potential_normal_modes(const nacre_potential *p, const nacre_structure *s,
                                          double step_a, double *eigenvalues, double *vectors,
                                          nacre_error *err) {
  nacre_status st = nacre_potential_supports(p, s, err);
  if (st) return st;
  int n = s->natoms, n3 = 3 * n;
  if (!n) return NACRE_OK;
  nacre_calc *calc = nacre_calc_new(p, -1.0, err);
  double *sqrt_m = malloc((size_t)n * sizeof *sqrt_m);
  double *basis = malloc((size_t)6 * n3 * sizeof *basis);
  double *work = malloc((size_t)n3 * sizeof *work);
  if (!calc || !sqrt_m || !basis || !work) {
    st = calc ? nacre_error_set(err, NACRE_ERR_NOMEM, "normal modes: %d atoms", n)
              : (err && err->status ? err->status : NACRE_ERR_NOMEM);
    goto out;
  }
  for (int i = 0; i < n; i++) {
    const nacre_element *e = nacre_element_by_z(s->numbers[i]);
    sqrt_m[i] = sqrt(e && e->mass_amu > 0 ? e->mass_amu : 1.0);
  }
  st = hessian(calc, s, step_a > 0 ? step_a : MODES_STEP_A, vectors, err);
  if (st) goto out;
  for (int j = 0; j < n3; j++)
    for (int k = 0; k < n3; k++) vectors[(size_t)j * n3 + k] /= sqrt_m[j / 3] * sqrt_m[k / 3];
  project_out(vectors, n3, basis, rigid_motions(s, sqrt_m, basis), work);
  int info = soft_symmetric_eigen(n3, vectors, eigenvalues);
  if (info) {
    st = nacre_error_set(err, NACRE_ERR_NUMERIC,
                         "normal modes: dsyevd failed (info %d) for %d atoms", info, n);
    goto out;
  }
  /* column c is eigenvector c: store mode c as row c, as displacements */
  for (int a = 0; a < n3; a++)
    for (int b = a + 1; b < n3; b++) {
      double t = vectors[(size_t)a * n3 + b];
      vectors[(size_t)a * n3 + b] = vectors[(size_t)b * n3 + a];
      vectors[(size_t)b * n3 + a] = t;
    }
  for (int c = 0; c < n3; c++) {
    double *u = vectors + (size_t)c * n3, norm = 0;
    for (int k = 0; k < n3; k++) u[k] /= sqrt_m[k / 3], norm += u[k] * u[k];
    norm = sqrt(norm);
    for (int k = 0; k < n3; k++) u[k] /= norm;
  }
out:
  nacre_calc_free(calc);
  free(sqrt_m), free(basis), free(work);
  return st;
}

const char *nacre_soft_modes_name(int soft_modes) {
  return soft_modes == NACRE_SOFT_MODES_POTENTIAL ? "potential"
         : soft_modes == NACRE_SOFT_MODES_SPRINGS ? "springs"
                                                  : "unknown";
}

nacre_status nacre_soft_modes_parse(const char *text, int *out, nacre_error *err) {
  if (text && !strcmp(text, "springs")) *out = NACRE_SOFT_MODES_SPRINGS;
  else if (text && !strcmp(text, "potential")) *out = NACRE_SOFT_MODES_POTENTIAL;
  else
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "soft modes '%s': expected springs or potential",
                           text ? text : "(null)");
  return NACRE_OK;
}
