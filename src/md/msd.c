/* msd.c — mean-square displacement with every frame as a time origin and
 * the diffusion coefficient from its linear regime; velocity
 * autocorrelation and the vibrational density of states (definitions in
 * nacre/md.h). Both need frames evenly spaced in time. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/md.h"

/* The frame spacing (fs) of frames first.., or an error when uneven. */
static nacre_status frame_spacing(const nacre_traj *t, int first, double *dt,
                                  nacre_error *err) {
  if (t->nframes - first < 2)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "need at least 2 frames from frame %d (the "
                           "trajectory has %d)",
                           first + 1, t->nframes);
  *dt = t->times_fs[first + 1] - t->times_fs[first];
  if (!(*dt > 0.0))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "frames %d and %d are not later in time (%g, %g fs)",
                           first + 1, first + 2, t->times_fs[first],
                           t->times_fs[first + 1]);
  for (int f = first + 1; f < t->nframes; f++) {
    double d = t->times_fs[f] - t->times_fs[f - 1];
    if (fabs(d - *dt) > 1e-6 * *dt)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "frames are not evenly spaced in time: %g fs "
                             "between frames %d and %d, %g fs before",
                             d, f, f + 1, *dt);
  }
  return NACRE_OK;
}

void nacre_msd_free(nacre_msd *m) {
  if (!m) return;
  free(m->lag_fs);
  free(m->msd);
  free(m->msd_total);
  free(m);
}

/* Least-squares slope of y(x) over x in [x0, x1]. */
static double fit_slope(const double *x, const double *y, int n, double x0,
                        double x1) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int m = 0;
  for (int k = 0; k < n; k++) {
    if (x[k] < x0 - 1e-9 || x[k] > x1 + 1e-9) continue;
    sx += x[k];
    sy += y[k];
    sxx += x[k] * x[k];
    sxy += x[k] * y[k];
    m++;
  }
  double den = m * sxx - sx * sx;
  return m >= 2 && den > 0 ? (m * sxy - sx * sy) / den : NAN;
}

nacre_status nacre_msd_compute(const nacre_traj *t, int first,
                               int origin_stride, double fit_start_fs,
                               double fit_end_fs, nacre_msd **out,
                               nacre_error *err) {
  *out = NULL;
  double dt;
  if (first < 0 || origin_stride < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "MSD: bad first frame or origin stride");
  nacre_status st = frame_spacing(t, first, &dt, err);
  if (st) return st;
  nacre_msd *m = calloc(1, sizeof *m);
  int *sp = malloc((size_t)t->natoms * sizeof(int));
  if (!m || !sp) {
    free(m);
    free(sp);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "MSD");
  }
  int ns = 0, count[8] = {0};
  for (int i = 0; i < t->natoms; i++) {
    int k = 0;
    while (k < ns && m->species[k] != t->numbers[i]) k++;
    if (k == ns) {
      if (ns == 8) {
        free(sp);
        nacre_msd_free(m);
        return nacre_error_set(err, NACRE_ERR_UNSUPPORTED, "MSD: more than 8 species");
      }
      m->species[ns++] = t->numbers[i];
    }
    sp[i] = k;
    count[k]++;
  }
  m->nspecies = ns;
  int nl = t->nframes - first;
  m->nlags = nl;
  m->lag_fs = malloc((size_t)nl * sizeof(double));
  m->msd = calloc((size_t)ns * nl, sizeof(double));
  m->msd_total = calloc((size_t)nl, sizeof(double));
  long *norigins = calloc((size_t)nl, sizeof(long));
  if (!m->lag_fs || !m->msd || !m->msd_total || !norigins) {
    free(sp);
    free(norigins);
    nacre_msd_free(m);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "MSD of %d lags", nl);
  }
  size_t n3 = 3 * (size_t)t->natoms;
  for (int o = first; o < t->nframes; o += origin_stride) {
    const double *x0 = t->positions + n3 * o;
    for (int k = 0; o + k < t->nframes; k++) {
      const double *x = t->positions + n3 * (o + k);
      for (int i = 0; i < t->natoms; i++) {
        double d2 = 0.0;
        for (int c = 0; c < 3; c++) {
          double d = x[3 * i + c] - x0[3 * i + c];
          d2 += d * d;
        }
        m->msd[(size_t)sp[i] * nl + k] += d2;
        m->msd_total[k] += d2;
      }
      norigins[k]++;
    }
  }
  for (int k = 0; k < nl; k++) {
    m->lag_fs[k] = k * dt;
    for (int a = 0; a < ns; a++) m->msd[(size_t)a * nl + k] /= (double)norigins[k] * count[a];
    m->msd_total[k] /= (double)norigins[k] * t->natoms;
  }
  double tmax = (nl - 1) * dt;
  m->fit_start_fs = fit_start_fs > 0.0 ? fit_start_fs : 0.1 * tmax;
  m->fit_end_fs = fit_end_fs > 0.0 ? fit_end_fs : 0.5 * tmax;
  /* D = slope / 6, Å²/fs → Å²/ps */
  for (int a = 0; a < ns; a++)
    m->diffusion_a2_ps[a] = 1e3 / 6.0 *
                            fit_slope(m->lag_fs, m->msd + (size_t)a * nl, nl,
                                      m->fit_start_fs, m->fit_end_fs);
  m->diffusion_total_a2_ps =
      1e3 / 6.0 * fit_slope(m->lag_fs, m->msd_total, nl, m->fit_start_fs, m->fit_end_fs);
  free(sp);
  free(norigins);
  *out = m;
  return NACRE_OK;
}

/* ---------------------------------------------------------------- */
/* Velocity autocorrelation                                           */
/* ---------------------------------------------------------------- */

void nacre_vacf_free(nacre_vacf *v) {
  if (!v) return;
  free(v->lag_fs);
  free(v->vacf);
  free(v->vacf_norm);
  free(v->freq_thz);
  free(v->vdos);
  free(v);
}

/* Velocities of frames first..: the trajectory's, or central differences
 * of the unwrapped positions (frames first+1 .. nframes−2). */
static double *velocities_of(const nacre_traj *t, int first, double dt,
                             int *nf, int *from_positions) {
  size_t n3 = 3 * (size_t)t->natoms;
  if (t->velocities) {
    *nf = t->nframes - first;
    *from_positions = 0;
    double *v = malloc((size_t)*nf * n3 * sizeof(double));
    if (v) memcpy(v, t->velocities + n3 * first, (size_t)*nf * n3 * sizeof(double));
    return v;
  }
  *nf = t->nframes - first - 2;
  *from_positions = 1;
  if (*nf < 2) return NULL;
  double *v = malloc((size_t)*nf * n3 * sizeof(double));
  if (!v) return NULL;
  for (int f = 0; f < *nf; f++) {
    const double *xm = t->positions + n3 * (first + f), *xp = xm + 2 * n3;
    for (size_t k = 0; k < n3; k++) v[n3 * f + k] = (xp[k] - xm[k]) / (2.0 * dt);
  }
  return v;
}

static void vdos(nacre_vacf *v, double dt) {
  int n = v->nlags;
  double tmax = (n - 1) * dt;
  /* frequencies j / (2 τmax), j = 0..n−1, up to the Nyquist 1 / (2 dt) */
  for (int j = 0; j < v->nfreq; j++) {
    double nu = j / (2.0 * tmax); /* 1/fs */
    double s = 0.0;
    for (int k = 0; k < n; k++) {
      double tau = k * dt, w = 0.5 * (1.0 + cos(NACRE_PI * tau / tmax));
      double y = v->vacf_norm[k] * w * cos(2.0 * NACRE_PI * nu * tau);
      s += (k == 0 || k == n - 1) ? 0.5 * y : y;
    }
    v->freq_thz[j] = 1e3 * nu;
    v->vdos[j] = 4.0 * s * dt;
  }
  double area = 0.0;
  for (int j = 1; j < v->nfreq; j++)
    area += 0.5 * (v->vdos[j] + v->vdos[j - 1]) * (v->freq_thz[j] - v->freq_thz[j - 1]);
  if (area > 0.0)
    for (int j = 0; j < v->nfreq; j++) v->vdos[j] /= area;
}

nacre_status nacre_vacf_compute(const nacre_traj *t, int first, int max_lag,
                                nacre_vacf **out, nacre_error *err) {
  *out = NULL;
  double dt;
  nacre_status st = frame_spacing(t, first, &dt, err);
  if (st) return st;
  int nf, fromx;
  double *vel = velocities_of(t, first, dt, &nf, &fromx);
  if (!vel)
    return nacre_error_set(err, nf < 2 ? NACRE_ERR_INVALID : NACRE_ERR_NOMEM,
                           "VACF: %s",
                           nf < 2 ? "too few frames (velocities from positions "
                                    "need 4)"
                                  : "out of memory");
  int nl = max_lag > 0 && max_lag < nf ? max_lag + 1 : (nf + 1) / 2;
  if (nl < 2) nl = 2;
  nacre_vacf *v = calloc(1, sizeof *v);
  if (v) {
    v->nlags = v->nfreq = nl;
    v->from_positions = fromx;
    v->lag_fs = malloc((size_t)nl * sizeof(double));
    v->vacf = calloc((size_t)nl, sizeof(double));
    v->vacf_norm = malloc((size_t)nl * sizeof(double));
    v->freq_thz = malloc((size_t)nl * sizeof(double));
    v->vdos = malloc((size_t)nl * sizeof(double));
  }
  if (!v || !v->lag_fs || !v->vacf || !v->vacf_norm || !v->freq_thz || !v->vdos) {
    free(vel);
    nacre_vacf_free(v);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "VACF");
  }
  size_t n3 = 3 * (size_t)t->natoms;
  for (int k = 0; k < nl; k++) {
    double s = 0.0;
    long norig = 0;
    for (int o = 0; o + k < nf; o++, norig++) {
      const double *a = vel + n3 * o, *b = vel + n3 * (o + k);
      for (size_t c = 0; c < n3; c++) s += a[c] * b[c];
    }
    v->lag_fs[k] = k * dt;
    v->vacf[k] = s / ((double)norig * t->natoms);
  }
  for (int k = 0; k < nl; k++)
    v->vacf_norm[k] = v->vacf[0] > 0.0 ? v->vacf[k] / v->vacf[0] : 0.0;
  vdos(v, dt);
  free(vel);
  *out = v;
  return NACRE_OK;
}
