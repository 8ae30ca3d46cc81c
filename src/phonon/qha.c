/* qha.c — the quasi-harmonic approximation: harmonic phonons at a set of
 * volumes, F(V, T) = E(V) + F_vib(V, T) fitted at each temperature, and
 * G(P, T) = min_V [F(V, T) + PV] with V(P, T), the bulk modulus, thermal
 * expansion, entropy and C_p; the table other commands read.
 *
 * The fit is the third-order Birch–Murnaghan form, a cubic polynomial in
 * x = V^(−2/3) (Birch, PR 71, 809 (1947)), written in the scaled variable
 * u = (x − x_mid)/(x_range/2) so that the least-squares problem stays well
 * conditioned over a few per cent of volume. S and C_v at V(P, T) come
 * from the same fit of S_vib and C_v across volumes, and
 * C_p = C_v + T V α² B_T. */
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phonon_internal.h"

void nacre_qha_options_init(nacre_qha_options *o) {
  memset(o, 0, sizeof *o);
  nacre_phonon_options_init(&o->phonon);
  o->mesh_density = 40;
  o->imaginary_tolerance_thz = NACRE_PHONON_IMAGINARY_TOL_THZ;
}

void nacre_qha_free(nacre_qha *q) {
  if (!q) return;
  for (int k = 0; q->volumes && k < q->nvolumes; k++) free(q->volumes[k].thermo);
  free(q->volumes), free(q->temperatures_k), free(q->pressures_gpa), free(q->points);
  free(q);
}

/* ---- the Birch–Murnaghan fit ---- */

typedef struct bm_fit {
  double x0, half; /* u = (V^(−2/3) − x0) / half */
  double c[4];
} bm_fit;

static double bm_u(const bm_fit *f, double v) { return (pow(v, -2.0 / 3) - f->x0) / f->half; }

static double bm_value(const bm_fit *f, double v) {
  double u = bm_u(f, v);
  return f->c[0] + u * (f->c[1] + u * (f->c[2] + u * f->c[3]));
}

/* dF/dV and d²F/dV² */
static void bm_derivatives(const bm_fit *f, double v, double *d1, double *d2) {
  double u = bm_u(f, v);
  double fu = f->c[1] + u * (2 * f->c[2] + 3 * u * f->c[3]), fuu = 2 * f->c[2] + 6 * u * f->c[3];
  double du = -2.0 / 3 * pow(v, -5.0 / 3) / f->half, ddu = 10.0 / 9 * pow(v, -8.0 / 3) / f->half;
  *d1 = fu * du;
  *d2 = fuu * du * du + fu * ddu;
}

/* Least squares over n ≥ 4 points (volumes v, values y). */
static int bm_fit_points(int n, const double *v, const double *y, bm_fit *f) {
  double lo = INFINITY, hi = -INFINITY;
  for (int k = 0; k < n; k++) {
    double x = pow(v[k], -2.0 / 3);
    lo = fmin(lo, x), hi = fmax(hi, x);
  }
  f->x0 = 0.5 * (lo + hi);
  f->half = hi > lo ? 0.5 * (hi - lo) : 1;
  double *a = malloc(4 * (size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
  if (!a || !b) {
    free(a), free(b);
    return -1;
  }
  for (int k = 0; k < n; k++) {
    double u = bm_u(f, v[k]);
    a[4 * k] = 1, a[4 * k + 1] = u, a[4 * k + 2] = u * u, a[4 * k + 3] = u * u * u;
    b[k] = y[k];
  }
  int info = LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', n, 4, 1, a, 4, b, 1);
  if (!info) memcpy(f->c, b, sizeof f->c);
  free(a), free(b);
  return info;
}

/* ---- one volume ---- */

static void scale_cell(nacre_structure *s, double ratio) {
  double f = cbrt(ratio);
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++) s->cell[r][c] *= f;
  for (int i = 0; i < 3 * s->natoms; i++) s->positions[i] *= f;
}

static double lowest_off_gamma(const nacre_phonon_mesh *m) {
  double low = INFINITY;
  for (int iq = 0; iq < m->nq; iq++) {
    int gamma = fabs(m->q[iq][0]) + fabs(m->q[iq][1]) + fabs(m->q[iq][2]) < 1e-12;
    for (int k = gamma ? 3 : 0; k < m->nbands; k++)
      low = fmin(low, m->freq_thz[(size_t)iq * m->nbands + k]);
  }
  return low;
}

static nacre_status one_volume(const nacre_structure *unit, nacre_calc *calc,
                               const nacre_qha_options *o, const int mesh[3], int nt,
                               const double *temps, const nacre_ctx *ctx, nacre_qha_volume *qv,
                               nacre_error *err) {
  nacre_structure *s = nacre_structure_copy(unit, err);
  if (!s) return err ? err->status : NACRE_ERR_NOMEM;
  scale_cell(s, qv->ratio);
  nacre_status st = o->relax ? o->relax(o->relax_user, s, err) : NACRE_OK;
  if (st) nacre_error_prefix(err, "volume %.4f of the input: relaxation: ", qv->ratio);
  nacre_result r;
  if (!st) st = nacre_result_init(&r, s->natoms, err);
  if (!st) {
    st = nacre_calc_compute(calc, s, NACRE_WANT_ALL, &r, err);
    qv->energy_per_atom_ev = r.energy / s->natoms;
    qv->pressure_gpa = nacre_result_pressure_gpa(&r);
    qv->volume_per_atom_a3 = nacre_structure_volume(s) / s->natoms;
    nacre_result_free(&r);
  }
  nacre_phonon *ph = NULL;
  nacre_phonon_mesh *m = NULL;
  if (!st) st = nacre_phonon_new(s, NULL, &o->phonon, &ph, err);
  if (!st) st = nacre_phonon_compute_forces(ph, calc, ctx, NULL, NULL, err);
  if (!st) st = nacre_phonon_produce_force_constants(ph, err);
  if (!st) st = nacre_phonon_mesh_run(ph, mesh, 0, ctx, &m, err);
  if (!st && !(qv->thermo = malloc((size_t)nt * sizeof *qv->thermo)))
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "thermodynamics");
  if (!st) {
    qv->lowest_frequency_thz = lowest_off_gamma(m);
    qv->stable = qv->lowest_frequency_thz >= -o->imaginary_tolerance_thz;
    for (int t = 0; t < nt; t++) nacre_phonon_thermo_at(m, temps[t], &qv->thermo[t]);
  }
  nacre_phonon_mesh_free(m);
  nacre_phonon_free(ph);
  nacre_structure_free(s);
  return st;
}

/* ---- G(P, T) ---- */

typedef struct t_fits {
  bm_fit f, e, s, cv; /* F, static E, S_vib, C_v at one temperature */
} t_fits;

static nacre_status fit_temperature(const nacre_qha *q, int t, double *v, double *y, t_fits *out,
                                    nacre_error *err) {
  int n = 0;
  for (int k = 0; k < q->nvolumes; k++) {
    if (!q->volumes[k].stable) continue;
    v[n++] = q->volumes[k].volume_per_atom_a3;
  }
  int bad = 0;
#define FIT(field, expr)                                                                           \
  do {                                                                                             \
    int i = 0;                                                                                     \
    for (int k = 0; k < q->nvolumes; k++) {                                                        \
      const nacre_qha_volume *qv = &q->volumes[k];                                                 \
      if (qv->stable) y[i++] = (expr);                                                             \
    }                                                                                              \
    bad |= bm_fit_points(n, v, y, &out->field);                                                    \
  } while (0)
  FIT(f, qv->energy_per_atom_ev + qv->thermo[t].vibrational_free_energy_per_atom_ev);
  FIT(e, qv->energy_per_atom_ev);
  FIT(s, qv->thermo[t].entropy_per_atom_kb);
  FIT(cv, qv->thermo[t].heat_capacity_per_atom_kb);
#undef FIT
  if (bad)
    return nacre_error_set(err, NACRE_ERR_NUMERIC, "quasi-harmonic fit failed at %g K",
                           q->temperatures_k[t]);
  return NACRE_OK;
}

/* V in [vlo, vhi] with −∂F/∂V = p (eV/Å³) and ∂²F/∂V² > 0, lowest F + pV;
 * NAN when none. */
static double solve_volume(const bm_fit *f, double p, double vlo, double vhi) {
  enum { NSAMPLE = 400 };
  double best = NAN, gbest = INFINITY, prev_v = vlo, d1, d2;
  bm_derivatives(f, vlo, &d1, &d2);
  double prev_h = -d1 - p;
  for (int k = 1; k <= NSAMPLE; k++) {
    double v = vlo + (vhi - vlo) * k / NSAMPLE;
    bm_derivatives(f, v, &d1, &d2);
    double h = -d1 - p;
    if ((prev_h <= 0) != (h <= 0) || h == 0) {
      double a = prev_v, b = v, ha = prev_h;
      for (int it = 0; it < 100 && b - a > 1e-13 * b; it++) {
        double mid = 0.5 * (a + b), dm1, dm2;
        bm_derivatives(f, mid, &dm1, &dm2);
        double hm = -dm1 - p;
        if ((hm <= 0) == (ha <= 0))
          a = mid, ha = hm;
        else
          b = mid;
      }
      double root = 0.5 * (a + b);
      bm_derivatives(f, root, &d1, &d2);
      double g = bm_value(f, root) + p * root;
      if (d2 > 0 && g < gbest) gbest = g, best = root;
    }
    prev_v = v, prev_h = h;
  }
  return best;
}

static void fill_point(const t_fits *tf, double p_gpa, double vlo, double vhi,
                       nacre_qha_point *pt) {
  double p = p_gpa * NACRE_GPA_TO_EV_A3, v = solve_volume(&tf->f, p, vlo, vhi);
  pt->pressure_gpa = p_gpa;
  pt->valid = isfinite(v);
  if (!pt->valid) {
    pt->volume_per_atom_a3 = pt->gibbs_energy_per_atom_ev = pt->energy_per_atom_ev = NAN;
    pt->vibrational_free_energy_per_atom_ev = pt->bulk_modulus_gpa = NAN;
    pt->thermal_expansion_per_k = pt->entropy_per_atom_kb = pt->heat_capacity_p_per_atom_kb = NAN;
    return;
  }
  double d1, d2, f = bm_value(&tf->f, v);
  bm_derivatives(&tf->f, v, &d1, &d2);
  pt->volume_per_atom_a3 = v;
  pt->gibbs_energy_per_atom_ev = f + p * v;
  pt->energy_per_atom_ev = bm_value(&tf->e, v);
  pt->vibrational_free_energy_per_atom_ev = f - pt->energy_per_atom_ev;
  pt->bulk_modulus_gpa = v * d2 * NACRE_EV_A3_TO_GPA;
  pt->entropy_per_atom_kb = bm_value(&tf->s, v);
  pt->heat_capacity_p_per_atom_kb = bm_value(&tf->cv, v); /* C_v for now: + TVα²B below */
}

/* α = (1/V) ∂V/∂T by central differences (one-sided at the ends, 0 at
 * 0 K), then C_p = C_v + T V α² B_T. */
static void temperature_derivatives(nacre_qha *q) {
  int nt = q->ntemperatures, np = q->npressures;
  for (int p = 0; p < np; p++)
    for (int t = 0; t < nt; t++) {
      nacre_qha_point *pt = &q->points[t * np + p];
      if (!pt->valid) continue;
      double temp = q->temperatures_k[t];
      const nacre_qha_point *lo = t > 0 ? &q->points[(t - 1) * np + p] : NULL;
      const nacre_qha_point *hi = t + 1 < nt ? &q->points[(t + 1) * np + p] : NULL;
      if (lo && !lo->valid) lo = NULL;
      if (hi && !hi->valid) hi = NULL;
      const nacre_qha_point *a = lo ? lo : pt, *b = hi ? hi : pt;
      double ta = lo ? q->temperatures_k[t - 1] : temp, tb = hi ? q->temperatures_k[t + 1] : temp;
      if (temp <= 0)
        pt->thermal_expansion_per_k = 0;
      else if (tb > ta)
        pt->thermal_expansion_per_k =
            (b->volume_per_atom_a3 - a->volume_per_atom_a3) / (tb - ta) / pt->volume_per_atom_a3;
      else
        pt->thermal_expansion_per_k = NAN;
    }
  for (int k = 0; k < nt * np; k++) {
    nacre_qha_point *pt = &q->points[k];
    if (!pt->valid) continue;
    double a = pt->thermal_expansion_per_k, tv = pt->temperature_k * pt->volume_per_atom_a3;
    pt->heat_capacity_p_per_atom_kb +=
        tv * a * a * pt->bulk_modulus_gpa * NACRE_GPA_TO_EV_A3 / NACRE_BOLTZMANN_EV_K;
  }
}

static nacre_status equation_of_state(nacre_qha *q, nacre_error *err) {
  double vlo = INFINITY, vhi = -INFINITY;
  q->nused = 0;
  for (int k = 0; k < q->nvolumes; k++)
    if (q->volumes[k].stable) {
      q->nused++;
      vlo = fmin(vlo, q->volumes[k].volume_per_atom_a3);
      vhi = fmax(vhi, q->volumes[k].volume_per_atom_a3);
    }
  if (q->nused < 4)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "quasi-harmonic: %d of %d volumes are dynamically stable; the fit "
                           "needs at least 4",
                           q->nused, q->nvolumes);
  double *v = malloc((size_t)q->nvolumes * sizeof *v), *y = malloc((size_t)q->nvolumes * sizeof *y);
  if (!v || !y) {
    free(v), free(y);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "quasi-harmonic fit");
  }
  nacre_status st = NACRE_OK;
  for (int t = 0; !st && t < q->ntemperatures; t++) {
    t_fits tf;
    st = fit_temperature(q, t, v, y, &tf, err);
    for (int p = 0; !st && p < q->npressures; p++) {
      nacre_qha_point *pt = &q->points[t * q->npressures + p];
      pt->temperature_k = q->temperatures_k[t];
      fill_point(&tf, q->pressures_gpa[p], vlo, vhi, pt);
    }
  }
  free(v), free(y);
  if (!st) temperature_derivatives(q);
  return st;
}

static nacre_status qha_alloc(const nacre_qha_options *o, int natoms, nacre_qha **out,
                              nacre_error *err) {
  nacre_qha *q = calloc(1, sizeof *q);
  if (!q) return nacre_error_set(err, NACRE_ERR_NOMEM, "quasi-harmonic");
  q->natoms = natoms;
  q->nvolumes = o->nvolumes;
  q->ntemperatures = o->temperatures_k ? o->ntemperatures : 101;
  q->npressures = o->pressures_gpa ? o->npressures : 1;
  q->volumes = calloc((size_t)q->nvolumes, sizeof *q->volumes);
  q->temperatures_k = malloc((size_t)q->ntemperatures * sizeof(double));
  q->pressures_gpa = malloc((size_t)q->npressures * sizeof(double));
  q->points = calloc((size_t)q->ntemperatures * q->npressures, sizeof *q->points);
  if (!q->volumes || !q->temperatures_k || !q->pressures_gpa || !q->points) {
    nacre_qha_free(q);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "quasi-harmonic tables");
  }
  for (int t = 0; t < q->ntemperatures; t++)
    q->temperatures_k[t] = o->temperatures_k ? o->temperatures_k[t] : 10.0 * t;
  for (int p = 0; p < q->npressures; p++)
    q->pressures_gpa[p] = o->pressures_gpa ? o->pressures_gpa[p] : 0;
  for (int k = 0; k < q->nvolumes; k++) q->volumes[k].ratio = o->volume_ratios[k];
  *out = q;
  return NACRE_OK;
}

static nacre_status check_qha_options(const nacre_qha_options *o, nacre_error *err) {
  if (o->nvolumes < 4 || !o->volume_ratios)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "quasi-harmonic: %d volumes given, at least 4 needed", o->nvolumes);
  for (int k = 0; k < o->nvolumes; k++)
    if (!(o->volume_ratios[k] > 0.3 && o->volume_ratios[k] < 3))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "quasi-harmonic: volume ratio %g outside (0.3, 3)",
                             o->volume_ratios[k]);
  for (int t = 0; o->temperatures_k && t < o->ntemperatures; t++)
    if (!(o->temperatures_k[t] >= 0) || (t && o->temperatures_k[t] <= o->temperatures_k[t - 1]))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "quasi-harmonic: temperatures must ascend from >= 0 K");
  if ((o->temperatures_k && o->ntemperatures < 1) || (o->pressures_gpa && o->npressures < 1))
    return nacre_error_set(err, NACRE_ERR_INVALID, "quasi-harmonic: no temperature or pressure");
  return NACRE_OK;
}

nacre_status nacre_qha_run(const nacre_structure *unit, nacre_calc *calc,
                           const nacre_qha_options *o, const nacre_ctx *ctx, nacre_qha **out,
                           nacre_error *err) {
  *out = NULL;
  nacre_status st = check_qha_options(o, err);
  if (!st) st = nacre_potential_supports(nacre_calc_potential(calc), unit, err);
  if (st) return st;
  nacre_qha *q = NULL;
  if ((st = qha_alloc(o, unit->natoms, &q, err))) return st;
  int mesh[3];
  memcpy(mesh, o->mesh, sizeof mesh);
  if (!mesh[0] || !mesh[1] || !mesh[2]) /* one mesh for every volume */
    nacre_phonon_mesh_for_density(unit->cell, o->mesh_density > 0 ? o->mesh_density : 40, mesh);
  for (int k = 0; !st && k < q->nvolumes; k++) {
    st = one_volume(unit, calc, o, mesh, q->ntemperatures, q->temperatures_k, ctx, &q->volumes[k],
                    err);
    if (!st && o->progress && o->progress(o->progress_user, "volumes", k + 1, q->nvolumes))
      st = nacre_error_set(err, NACRE_ERR_INTERRUPTED, "quasi-harmonic run stopped");
  }
  if (!st) st = equation_of_state(q, err);
  if (st) {
    nacre_qha_free(q);
    return st;
  }
  *out = q;
  return NACRE_OK;
}

/* ---- files ---- */

static const char *const table_columns[] = {
    "temperature_k",       "pressure_gpa",
    "volume_per_atom_a3",  "gibbs_energy_per_atom_ev",
    "energy_per_atom_ev",  "vibrational_free_energy_per_atom_ev",
    "bulk_modulus_gpa",    "thermal_expansion_per_k",
    "entropy_per_atom_kb", "heat_capacity_p_per_atom_kb"};
enum { NCOLUMNS = sizeof table_columns / sizeof table_columns[0] };

static void point_values(const nacre_qha_point *pt, double v[NCOLUMNS]) {
  double x[NCOLUMNS] = {pt->temperature_k,       pt->pressure_gpa,
                        pt->volume_per_atom_a3,  pt->gibbs_energy_per_atom_ev,
                        pt->energy_per_atom_ev,  pt->vibrational_free_energy_per_atom_ev,
                        pt->bulk_modulus_gpa,    pt->thermal_expansion_per_k,
                        pt->entropy_per_atom_kb, pt->heat_capacity_p_per_atom_kb};
  memcpy(v, x, sizeof x);
}

static nacre_status write_atomic(const char *path, FILE **f, char *tmp, size_t len,
                                 nacre_error *err) {
  snprintf(tmp, len, "%s.tmp", path);
  if (!(*f = fopen(tmp, "w"))) return nacre_error_set(err, NACRE_ERR_IO, "cannot write %s", tmp);
  return NACRE_OK;
}

static nacre_status finish_atomic(const char *path, FILE *f, const char *tmp, nacre_error *err) {
  int bad = ferror(f);
  if (fclose(f) || bad || rename(tmp, path)) {
    remove(tmp);
    return nacre_error_set(err, NACRE_ERR_IO, "writing %s failed", path);
  }
  return NACRE_OK;
}

nacre_status nacre_qha_write(const nacre_qha *q, const char *table_path, const char *volumes_path,
                             nacre_error *err) {
  char tmp[4200];
  FILE *f;
  nacre_status st = NACRE_OK;
  if (table_path && !(st = write_atomic(table_path, &f, tmp, sizeof tmp, err))) {
    for (int c = 0; c < NCOLUMNS; c++) fprintf(f, "%s%s", c ? "," : "", table_columns[c]);
    fprintf(f, "\n");
    for (int k = 0; k < q->ntemperatures * q->npressures; k++) {
      double v[NCOLUMNS];
      point_values(&q->points[k], v);
      for (int c = 0; c < NCOLUMNS; c++)
        fprintf(f, c < 2 ? "%s%.10g" : "%s%.12g", c ? "," : "", v[c]);
      fprintf(f, "\n");
    }
    st = finish_atomic(table_path, f, tmp, err);
  }
  if (!st && volumes_path && !(st = write_atomic(volumes_path, &f, tmp, sizeof tmp, err))) {
    fprintf(f, "volume_ratio,volume_per_atom_a3,energy_per_atom_ev,pressure_gpa,stable,"
               "lowest_frequency_thz,temperature_k,vibrational_free_energy_per_atom_ev,"
               "vibrational_energy_per_atom_ev,entropy_per_atom_kb,heat_capacity_per_atom_kb\n");
    for (int k = 0; k < q->nvolumes; k++) {
      const nacre_qha_volume *qv = &q->volumes[k];
      for (int t = 0; t < q->ntemperatures; t++) {
        const nacre_phonon_thermo *th = &qv->thermo[t];
        fprintf(f, "%.8g,%.10g,%.12g,%.8g,%d,%.6f,%.10g,%.12g,%.12g,%.10g,%.10g\n", qv->ratio,
                qv->volume_per_atom_a3, qv->energy_per_atom_ev, qv->pressure_gpa, qv->stable,
                qv->lowest_frequency_thz, th->temperature_k,
                th->vibrational_free_energy_per_atom_ev, th->vibrational_energy_per_atom_ev,
                th->entropy_per_atom_kb, th->heat_capacity_per_atom_kb);
      }
    }
    st = finish_atomic(volumes_path, f, tmp, err);
  }
  return st;
}

/* ---- reading the table back ---- */

void nacre_qha_table_free(nacre_qha_table *t) {
  if (!t) return;
  free(t->temperatures_k), free(t->pressures_gpa), free(t->points);
  free(t);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Sorted distinct values of rows[k].field. */
static int distinct(const double *v, int n, double *out) {
  memcpy(out, v, (size_t)n * sizeof *v);
  qsort(out, (size_t)n, sizeof *out, cmp_double);
  int m = 0;
  for (int k = 0; k < n; k++)
    if (!m || out[k] != out[m - 1]) out[m++] = out[k];
  return m;
}

static int index_of(const double *v, int n, double x) {
  for (int k = 0; k < n; k++)
    if (v[k] == x) return k;
  return -1;
}

typedef struct csv_rows {
  int n, cap;
  nacre_qha_point *pts;
  double *t, *p;
} csv_rows;

/* One value of a row: a number, or NaN where nacre phonon wrote "nan"
 * (a point outside the volumes it sampled) or the column is absent. */
static nacre_status cell_value(const nacre_table *t, int row, int col,
                               double *v, nacre_error *err) {
  *v = NAN;
  if (col < 0) return NACRE_OK;
  const char *s = nacre_table_cell(t, row, col);
  if (!strcmp(s, "nan") || !strcmp(s, "-nan")) return NACRE_OK;
  return nacre_table_number(t, row, col, v, err);
}

static nacre_status parse_rows(const nacre_table *t, const int col[NCOLUMNS],
                               csv_rows *rows, nacre_error *err) {
  int n = nacre_table_rows(t);
  rows->pts = calloc((size_t)(n ? n : 1), sizeof *rows->pts);
  if (!rows->pts)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", nacre_table_source(t));
  for (int r = 0; r < n; r++) {
    double v[NCOLUMNS];
    for (int c = 0; c < NCOLUMNS; c++) {
      nacre_status st = cell_value(t, r, col[c], &v[c], err);
      if (st) return st;
    }
    if (!isfinite(v[0]) || !isfinite(v[1]))
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: temperature and pressure expected",
                             nacre_table_source(t), nacre_table_line(t, r));
    nacre_qha_point *pt = &rows->pts[rows->n++];
    pt->temperature_k = v[0], pt->pressure_gpa = v[1], pt->volume_per_atom_a3 = v[2];
    pt->gibbs_energy_per_atom_ev = v[3], pt->energy_per_atom_ev = v[4];
    pt->vibrational_free_energy_per_atom_ev = v[5], pt->bulk_modulus_gpa = v[6];
    pt->thermal_expansion_per_k = v[7], pt->entropy_per_atom_kb = v[8];
    pt->heat_capacity_p_per_atom_kb = v[9];
    pt->valid = isfinite(v[2]) && isfinite(v[3]);
  }
  return NACRE_OK;
}

static nacre_status build_grid(const char *path, csv_rows *rows, nacre_qha_table *t,
                               nacre_error *err) {
  int n = rows->n;
  double *tv = malloc((size_t)n * sizeof *tv), *pv = malloc((size_t)n * sizeof *pv);
  t->temperatures_k = malloc((size_t)n * sizeof(double));
  t->pressures_gpa = malloc((size_t)n * sizeof(double));
  if (!tv || !pv || !t->temperatures_k || !t->pressures_gpa) {
    free(tv), free(pv);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  }
  for (int k = 0; k < n; k++) tv[k] = rows->pts[k].temperature_k, pv[k] = rows->pts[k].pressure_gpa;
  t->ntemperatures = distinct(tv, n, t->temperatures_k);
  t->npressures = distinct(pv, n, t->pressures_gpa);
  free(tv), free(pv);
  if (t->ntemperatures * t->npressures != n)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: %d rows do not fill a grid of %d temperatures × %d pressures", path,
                           n, t->ntemperatures, t->npressures);
  t->points = calloc((size_t)n, sizeof *t->points);
  if (!t->points) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  for (int k = 0; k < n; k++) {
    int it = index_of(t->temperatures_k, t->ntemperatures, rows->pts[k].temperature_k);
    int ip = index_of(t->pressures_gpa, t->npressures, rows->pts[k].pressure_gpa);
    t->points[it * t->npressures + ip] = rows->pts[k];
  }
  return NACRE_OK;
}

nacre_status nacre_qha_table_read(const char *path, nacre_qha_table **out, nacre_error *err) {
  *out = NULL;
  nacre_table *tab = NULL;
  nacre_status st = nacre_table_read(path, &tab, err);
  if (st) return st;
  int col[NCOLUMNS];
  for (int c = 0; c < NCOLUMNS; c++) col[c] = nacre_table_find(tab, table_columns[c]);
  for (int c = 0; c < 4 && !st; c++)
    if (col[c] < 0)
      st = nacre_error_set(err, NACRE_ERR_PARSE, "%s: no column %s", path, table_columns[c]);
  csv_rows rows = {0, 0, NULL, NULL, NULL};
  if (!st) st = parse_rows(tab, col, &rows, err);
  nacre_table_free(tab);
  if (!st && !rows.n) st = nacre_error_set(err, NACRE_ERR_PARSE, "%s: no rows", path);
  nacre_qha_table *t = st ? NULL : calloc(1, sizeof *t);
  if (!st && !t) st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  if (!st) st = build_grid(path, &rows, t, err);
  free(rows.pts);
  if (st) {
    nacre_qha_table_free(t);
    return st;
  }
  *out = t;
  return NACRE_OK;
}

/* Index i with x[i] ≤ v ≤ x[i+1] (i = n−1 only when n = 1 and v = x[0]);
 * −1 outside. */
static int bracket(const double *x, int n, double v, double *w) {
  if (n == 1) {
    *w = 0;
    return fabs(v - x[0]) <= 1e-9 * fmax(1, fabs(x[0])) ? 0 : -1;
  }
  if (v < x[0] || v > x[n - 1]) return -1;
  int i = 0;
  while (i < n - 2 && v > x[i + 1]) i++;
  *w = (v - x[i]) / (x[i + 1] - x[i]);
  return i;
}

nacre_status nacre_qha_table_gibbs(const nacre_qha_table *t, double temperature_k,
                                   double pressure_gpa, double *gibbs_per_atom_ev,
                                   double *volume_per_atom_a3, nacre_error *err) {
  double wt, wp;
  int it = bracket(t->temperatures_k, t->ntemperatures, temperature_k, &wt);
  int ip = bracket(t->pressures_gpa, t->npressures, pressure_gpa, &wp);
  if (it < 0 || ip < 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%g K, %g GPa is outside the quasi-harmonic table (%g to %g K, %g to "
                           "%g GPa)",
                           temperature_k, pressure_gpa, t->temperatures_k[0],
                           t->temperatures_k[t->ntemperatures - 1], t->pressures_gpa[0],
                           t->pressures_gpa[t->npressures - 1]);
  double g = 0, v = 0;
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++) {
      double w = (a ? wt : 1 - wt) * (b ? wp : 1 - wp);
      if (w == 0) continue;
      const nacre_qha_point *pt = &t->points[(it + a) * t->npressures + ip + b];
      if (!pt->valid)
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "the quasi-harmonic table has no value at %g K, %g GPa (outside "
                               "its volumes)",
                               pt->temperature_k, pt->pressure_gpa);
      g += w * pt->gibbs_energy_per_atom_ev, v += w * pt->volume_per_atom_a3;
    }
  if (gibbs_per_atom_ev) *gibbs_per_atom_ev = g;
  if (volume_per_atom_a3) *volume_per_atom_a3 = v;
  return NACRE_OK;
}
