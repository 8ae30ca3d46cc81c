/* stability.c — the dynamical-stability verdict (lowest frequencies on the
 * mesh and the path, the imaginary modes with their eigenvectors) and the
 * structure displaced along a soft mode in a commensurate supercell. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phonon_internal.h"

void nacre_phonon_stability_free(nacre_phonon_stability *s) {
  if (!s) return;
  for (int k = 0; k < s->nmodes; k++) free(s->modes[k].eigvec);
  free(s->modes);
  free(s);
}

static int is_gamma(const double q[3]) {
  for (int c = 0; c < 3; c++)
    if (fabs(q[c] - round(q[c])) > 1e-9) return 0;
  return 1;
}

/* Lowest frequency at one q, leaving out the three acoustic modes at Γ. */
static double lowest_at(const double *freq, int nb, const double q[3], int *band) {
  *band = is_gamma(q) ? 3 : 0;
  return *band < nb ? freq[*band] : INFINITY;
}

typedef struct candidate {
  double q[3];
  int band;
  double f;
  const char *source;
  char label[16];
} candidate;

/* Most unstable first; at equal frequency path points (which carry a
 * label) before mesh points. */
static int by_frequency(const void *a, const void *b) {
  const candidate *x = a, *y = b;
  if (fabs(x->f - y->f) > 1e-9) return (x->f > y->f) - (x->f < y->f);
  return (x->label[0] == 0) - (y->label[0] == 0);
}

static int same_mode(const candidate *a, const candidate *b) {
  return a->band == b->band && fabs(a->q[0] - b->q[0]) < 1e-9 && fabs(a->q[1] - b->q[1]) < 1e-9 &&
         fabs(a->q[2] - b->q[2]) < 1e-9;
}

static nacre_status collect(candidate **list, int *n, int *cap, const double q[3], int band,
                            double f, const char *source, const char *label, nacre_error *err) {
  if (*n == *cap) {
    int ncap = *cap ? 2 * *cap : 64;
    candidate *t = realloc(*list, (size_t)ncap * sizeof *t);
    if (!t) return nacre_error_set(err, NACRE_ERR_NOMEM, "imaginary modes");
    *list = t, *cap = ncap;
  }
  candidate *c = &(*list)[(*n)++];
  memcpy(c->q, q, sizeof c->q);
  c->band = band, c->f = f, c->source = source;
  snprintf(c->label, sizeof c->label, "%s", label);
  return NACRE_OK;
}

/* Label of a path point: a special point's, or "A–B" inside a segment. */
static void path_label(const nacre_phonon_bands *b, int i, char *out, size_t len) {
  int per = b->points_per_segment, s = i / per, k = i % per;
  if (k == 0)
    snprintf(out, len, "%s", b->start_label[s]);
  else if (k == per - 1)
    snprintf(out, len, "%s", b->end_label[s]);
  else if (b->start_label[s][0])
    snprintf(out, len, "%s-%s", b->start_label[s], b->end_label[s]);
  else
    out[0] = 0;
}

/* Mode k at irreducible point iq is no higher than at the six neighbouring
 * grid points. */
static int mesh_minimum(const nacre_phonon_mesh *m, int iq, int k) {
  int n[3];
  for (int c = 0; c < 3; c++) n[c] = (int)lround(m->q[iq][c] * m->mesh[c]);
  double f = m->freq_thz[(size_t)iq * m->nbands + k];
  for (int c = 0; c < 3; c++)
    for (int s = -1; s <= 1; s += 2) {
      int w[3] = {n[0], n[1], n[2]};
      w[c] += s;
      for (int d = 0; d < 3; d++) w[d] = ((w[d] % m->mesh[d]) + m->mesh[d]) % m->mesh[d];
      int g = m->grid_map[w[0] + m->mesh[0] * (w[1] + m->mesh[1] * w[2])];
      if (m->freq_thz[(size_t)g * m->nbands + k] < f - 1e-12) return 0;
    }
  return 1;
}

/* Mode k at path point i is no higher than at its neighbours on the
 * segment. */
static int path_minimum(const nacre_phonon_bands *b, int i, int k) {
  int per = b->points_per_segment, at = i % per;
  double f = b->freq_thz[(size_t)i * b->nbands + k];
  if (at > 0 && b->freq_thz[(size_t)(i - 1) * b->nbands + k] < f - 1e-12) return 0;
  if (at < per - 1 && b->freq_thz[(size_t)(i + 1) * b->nbands + k] < f - 1e-12) return 0;
  return 1;
}

static nacre_status scan(nacre_phonon_stability *st, const nacre_phonon_mesh *m,
                         const nacre_phonon_bands *b, candidate **list, int *n, int *cap,
                         nacre_error *err) {
  nacre_status rc = NACRE_OK;
  if (m) {
    st->have_mesh = 1;
    st->lowest_mesh_thz = INFINITY;
    for (int iq = 0; !rc && iq < m->nq; iq++) {
      const double *f = &m->freq_thz[(size_t)iq * m->nbands];
      int band;
      double low = lowest_at(f, m->nbands, m->q[iq], &band);
      if (low < st->lowest_mesh_thz)
        st->lowest_mesh_thz = low, memcpy(st->lowest_mesh_q, m->q[iq], sizeof m->q[iq]);
      for (int k = band; !rc && k < m->nbands && f[k] < -st->tolerance_thz; k++) {
        st->nimaginary++;
        if (mesh_minimum(m, iq, k)) rc = collect(list, n, cap, m->q[iq], k, f[k], "mesh", "", err);
      }
    }
  }
  if (b) {
    st->have_path = 1;
    st->lowest_path_thz = INFINITY;
    for (int i = 0; !rc && i < b->nq; i++) {
      const double *f = &b->freq_thz[(size_t)i * b->nbands];
      int band;
      double low = lowest_at(f, b->nbands, b->q[i], &band);
      if (low < st->lowest_path_thz) {
        st->lowest_path_thz = low;
        memcpy(st->lowest_path_q, b->q[i], sizeof b->q[i]);
        path_label(b, i, st->lowest_path_label, sizeof st->lowest_path_label);
      }
      char label[16];
      path_label(b, i, label, sizeof label);
      for (int k = band; !rc && k < b->nbands && f[k] < -st->tolerance_thz; k++) {
        st->nimaginary++;
        if (path_minimum(b, i, k)) rc = collect(list, n, cap, b->q[i], k, f[k], "path", label, err);
      }
    }
  }
  return rc;
}

nacre_status nacre_phonon_stability_run(const nacre_phonon *ph, const nacre_phonon_mesh *mesh,
                                        const nacre_phonon_bands *bands, double tolerance_thz,
                                        int max_modes, nacre_phonon_stability **out,
                                        nacre_error *err) {
  *out = NULL;
  if (!mesh && !bands)
    return nacre_error_set(err, NACRE_ERR_INVALID, "stability needs a mesh or a band path");
  nacre_phonon_stability *st = calloc(1, sizeof *st);
  if (!st) return nacre_error_set(err, NACRE_ERR_NOMEM, "stability");
  st->tolerance_thz = tolerance_thz;
  candidate *list = NULL;
  int n = 0, cap = 0;
  nacre_status rc = scan(st, mesh, bands, &list, &n, &cap, err);
  st->stable = !rc && st->nimaginary == 0;
  if (!rc && n) {
    qsort(list, (size_t)n, sizeof *list, by_frequency);
    int keep = n < max_modes ? n : max_modes;
    st->modes = calloc((size_t)(keep > 0 ? keep : 1), sizeof *st->modes);
    if (!st->modes) rc = nacre_error_set(err, NACRE_ERR_NOMEM, "imaginary modes");
    int nb = 3 * ph->n;
    double *freq = malloc((size_t)nb * sizeof *freq);
    double *e = malloc(2 * (size_t)nb * nb * sizeof *e);
    if (!rc && (!freq || !e)) rc = nacre_error_set(err, NACRE_ERR_NOMEM, "eigenvectors");
    for (int k = 0; !rc && k < n && st->nmodes < keep; k++) {
      int seen = 0;
      for (int j = 0; j < k && !seen; j++) seen = same_mode(&list[j], &list[k]);
      if (seen) continue;
      nacre_phonon_mode *md = &st->modes[st->nmodes];
      md->eigvec = malloc(2 * (size_t)nb * sizeof *md->eigvec);
      if (!md->eigvec) {
        rc = nacre_error_set(err, NACRE_ERR_NOMEM, "eigenvector");
        break;
      }
      st->nmodes++;
      memcpy(md->q, list[k].q, sizeof md->q);
      md->band = list[k].band;
      md->frequency_thz = list[k].f;
      snprintf(md->source, sizeof md->source, "%s", list[k].source);
      snprintf(md->label, sizeof md->label, "%s", list[k].label);
      rc = nacre_phonon_at_q(ph, md->q, freq, e, NULL, err);
      for (int r = 0; !rc && r < nb; r++) {
        md->eigvec[2 * r] = e[2 * ((size_t)r * nb + md->band)];
        md->eigvec[2 * r + 1] = e[2 * ((size_t)r * nb + md->band) + 1];
      }
    }
    free(freq), free(e);
  }
  free(list);
  if (rc) {
    nacre_phonon_stability_free(st);
    return rc;
  }
  *out = st;
  return NACRE_OK;
}

/* Smallest n ≤ max with n·x an integer (to 1e-6); 0 if none. */
static int denominator(double x, int max) {
  for (int n = 1; n <= max; n++)
    if (fabs(n * x - round(n * x)) < 1e-6) return n;
  return 0;
}

nacre_status nacre_phonon_modulate(const nacre_phonon *ph, const double q[3], int band,
                                   double amplitude_a, int max_denominator, nacre_structure **out,
                                   int supercell[3][3], nacre_error *err) {
  *out = NULL;
  int nb = 3 * ph->n, n[3];
  if (band < 0 || band >= nb || !(amplitude_a > 0))
    return nacre_error_set(err, NACRE_ERR_INVALID, "modulation: band %d of %d, amplitude %g Å",
                           band + 1, nb, amplitude_a);
  for (int c = 0; c < 3; c++)
    if (!(n[c] = denominator(q[c], max_denominator)))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "q = (%g, %g, %g) needs a supercell larger than %d "
                             "cells along axis %d",
                             q[0], q[1], q[2], max_denominator, c + 1);
  memset(supercell, 0, 9 * sizeof(int));
  for (int c = 0; c < 3; c++) supercell[c][c] = n[c];
  int ncell = n[0] * n[1] * n[2], natoms = ph->n * ncell;
  double *freq = malloc((size_t)nb * sizeof *freq);
  double complex *e = malloc((size_t)nb * nb * sizeof *e);
  double complex *z = malloc(3 * (size_t)natoms * sizeof *z);
  double *frac = malloc(3 * (size_t)ph->n * sizeof *frac);
  nacre_structure *s = nacre_structure_new(natoms, err);
  nacre_status rc =
      freq && e && z && frac && s ? NACRE_OK : nacre_error_set(err, NACRE_ERR_NOMEM, "modulation");
  if (!rc) rc = nacre_phonon_at_q(ph, q, freq, (double *)e, NULL, err);
  if (!rc) rc = nacre_structure_get_frac(ph->unit, frac, err);
  double complex sum2 = 0;
  for (int i = 0; !rc && i < ph->n; i++)
    for (int t = 0; t < ncell; t++) {
      int T[3] = {t % n[0], (t / n[0]) % n[1], t / (n[0] * n[1])}, j = i * ncell + t;
      double x[3], y[3];
      for (int c = 0; c < 3; c++) x[c] = frac[3 * i + c] + T[c];
      double complex ph_ = cexp(2 * NACRE_PI * I * (q[0] * x[0] + q[1] * x[1] + q[2] * x[2]));
      for (int c = 0; c < 3; c++) {
        z[3 * j + c] = e[(size_t)(3 * i + c) * nb + band] * ph_ / sqrt(ph->mass[i]);
        sum2 += z[3 * j + c] * z[3 * j + c];
        y[c] = x[c] / n[c];
      }
      s->numbers[j] = ph->unit->numbers[i];
      for (int c = 0; c < 3; c++) s->positions[3 * j + c] = y[c];
    }
  if (!rc) {
    for (int r = 0; r < 3; r++)
      for (int c = 0; c < 3; c++) s->cell[r][c] = n[r] * ph->unit->cell[r][c];
    double complex rot = cexp(-0.5 * I * carg(sum2));
    double umax = 0;
    for (int j = 0; j < natoms; j++) {
      double u2 = 0;
      for (int c = 0; c < 3; c++) u2 += pow(creal(z[3 * j + c] * rot), 2);
      umax = fmax(umax, sqrt(u2));
    }
    if (!(umax > 0)) rc = nacre_error_set(err, NACRE_ERR_NUMERIC, "modulation: zero mode");
    for (int j = 0; !rc && j < natoms; j++) {
      double f[3] = {s->positions[3 * j], s->positions[3 * j + 1], s->positions[3 * j + 2]};
      for (int c = 0; c < 3; c++)
        s->positions[3 * j + c] = f[0] * s->cell[0][c] + f[1] * s->cell[1][c] +
                                  f[2] * s->cell[2][c] +
                                  amplitude_a * creal(z[3 * j + c] * rot) / umax;
    }
  }
  free(freq), free(e), free(z), free(frac);
  if (rc) {
    nacre_structure_free(s);
    return rc;
  }
  *out = s;
  return NACRE_OK;
}
