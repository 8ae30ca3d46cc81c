/* bands.c — frequencies (and eigenvectors) sampled along a band path. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phonon_internal.h"

void nacre_phonon_bands_free(nacre_phonon_bands *b) {
  if (!b) return;
  free(b->q), free(b->distance), free(b->freq_thz), free(b->eigvec);
  free(b->start_label), free(b->end_label);
  free(b);
}

static nacre_phonon_bands *bands_alloc(int nseg, int per, int nb, int eig) {
  nacre_phonon_bands *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->nsegments = nseg;
  b->points_per_segment = per;
  b->nq = nseg * per;
  b->nbands = nb;
  b->q = malloc((size_t)b->nq * sizeof *b->q);
  b->distance = malloc((size_t)b->nq * sizeof *b->distance);
  b->freq_thz = malloc((size_t)b->nq * nb * sizeof *b->freq_thz);
  b->start_label = calloc((size_t)nseg, sizeof *b->start_label);
  b->end_label = calloc((size_t)nseg, sizeof *b->end_label);
  if (eig) b->eigvec = malloc((size_t)b->nq * 2 * nb * nb * sizeof *b->eigvec);
  if (!b->q || !b->distance || !b->freq_thz || !b->start_label || !b->end_label ||
      (eig && !b->eigvec)) {
    nacre_phonon_bands_free(b);
    return NULL;
  }
  return b;
}

/* q along the segments and the cumulative Cartesian distance (Å⁻¹). */
static void sample_path(const nacre_band_path *path, const double recip[3][3],
                        nacre_phonon_bands *b) {
  int per = b->points_per_segment;
  double dist = 0, last[3] = {0, 0, 0};
  for (int s = 0; s < path->nsegments; s++) {
    memcpy(b->start_label[s], path->start_label[s], sizeof b->start_label[s]);
    memcpy(b->end_label[s], path->end_label[s], sizeof b->end_label[s]);
    for (int k = 0; k < per; k++) {
      int i = s * per + k;
      double f = per > 1 ? (double)k / (per - 1) : 0;
      double cart[3];
      for (int c = 0; c < 3; c++)
        b->q[i][c] = path->start[s][c] + f * (path->end[s][c] - path->start[s][c]);
      for (int c = 0; c < 3; c++)
        cart[c] = b->q[i][0] * recip[0][c] + b->q[i][1] * recip[1][c] + b->q[i][2] * recip[2][c];
      if (k > 0)
        dist += sqrt((cart[0] - last[0]) * (cart[0] - last[0]) +
                     (cart[1] - last[1]) * (cart[1] - last[1]) +
                     (cart[2] - last[2]) * (cart[2] - last[2]));
      b->distance[i] = dist;
      memcpy(last, cart, sizeof last);
    }
  }
}

nacre_status nacre_phonon_bands_run(const nacre_phonon *ph, const nacre_band_path *path,
                                    int points_per_segment, int eigenvectors, const nacre_ctx *ctx,
                                    nacre_phonon_bands **out, nacre_error *err) {
  *out = NULL;
  if (points_per_segment < 2 || points_per_segment > 100000 || path->nsegments < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "band structure: %d points per segment (at least "
                           "2) on %d segments",
                           points_per_segment, path->nsegments);
  int nb = 3 * ph->n;
  nacre_phonon_bands *b = bands_alloc(path->nsegments, points_per_segment, nb, eigenvectors);
  if (!b) return nacre_error_set(err, NACRE_ERR_NOMEM, "band structure");
  sample_path(path, ph->cell_recip, b);
  int failed = 0;
  nacre_error first;
  nacre_error_clear(&first);
#pragma omp parallel for schedule(dynamic) if (b->nq > 1)
  for (int i = 0; i < b->nq; i++) {
    if (failed || (ctx && nacre_ctx_interrupted(ctx))) {
      failed = 1;
      continue;
    }
    nacre_error e1;
    double *e = b->eigvec ? &b->eigvec[(size_t)i * 2 * nb * nb] : NULL;
    if (nacre_phonon_at_q(ph, b->q[i], &b->freq_thz[(size_t)i * nb], e, NULL, &e1)) {
#pragma omp critical(phonon_bands_error)
      if (!failed) first = e1;
      failed = 1;
    }
  }
  if (failed) {
    nacre_status st;
    if (first.message[0]) {
      if (err) *err = first;
      st = first.status;
    } else {
      st = nacre_error_set(err, NACRE_ERR_INTERRUPTED, "band structure interrupted");
    }
    nacre_phonon_bands_free(b);
    return st;
  }
  *out = b;
  return NACRE_OK;
}
