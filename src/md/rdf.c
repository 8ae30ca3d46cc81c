/* rdf.c — partial radial distribution functions and coordination numbers
 * of a trajectory (definitions in nacre/md.h), every periodic image within
 * rmax counted through a neighbour list, each frame normalised by its own
 * volume. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/md.h"
#include "nacre/neigh.h"

void nacre_rdf_free(nacre_rdf *r) {
  if (!r) return;
  free(r->g);
  free(r->coordination);
  free(r->g_total);
  free(r);
}

/* Distinct atomic numbers in order of first appearance; −1 if more than
 * max. species_of[i] receives each atom's index. */
static int species_table(const nacre_traj *t, int *species, int max,
                         int *species_of) {
  int ns = 0;
  for (int i = 0; i < t->natoms; i++) {
    int k = 0;
    while (k < ns && species[k] != t->numbers[i]) k++;
    if (k == ns) {
      if (ns == max) return -1;
      species[ns++] = t->numbers[i];
    }
    species_of[i] = k;
  }
  return ns;
}

/* Pair counts of one frame: h[(a·ns + b)·nbins + k] and the total. */
static nacre_status count_frame(const nacre_traj *t, int f,
                                nacre_neighbor_list *nl, nacre_structure *s,
                                const int *sp, int ns, double dr, int nbins,
                                double *h, double *htot, nacre_error *err) {
  memcpy(s->cell, t->cells + 9 * (size_t)f, sizeof s->cell);
  memcpy(s->positions, t->positions + 3 * (size_t)f * t->natoms,
         3 * (size_t)t->natoms * sizeof(double));
  nacre_nl_invalidate(nl);
  nacre_status st = nacre_nl_update(nl, s, NULL, err);
  if (st) return nacre_error_prefix(err, "frame %d: ", f + 1);
  for (int i = 0; i < t->natoms; i++)
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
      double d[3];
      nacre_nl_vector(nl, s, i, e, d);
      double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      int k = (int)(r / dr);
      if (k >= nbins) continue;
      h[((size_t)sp[i] * ns + sp[nl->j[e]]) * nbins + k] += 1.0;
      htot[k] += 1.0;
    }
  return NACRE_OK;
}

/* First maximum of g (its global maximum), then the lowest 3-bin average
 * within 1.6 times that distance. */
static void first_shell(nacre_rdf *r) {
  int kmax = 0;
  for (int k = 1; k < r->nbins; k++)
    if (r->g_total[k] > r->g_total[kmax]) kmax = k;
  double rpeak = (kmax + 0.5) * r->dr, best = INFINITY;
  r->peak_g = r->g_total[kmax];
  int kmin = -1;
  for (int k = kmax + 1; k < r->nbins - 1 && (k + 0.5) * r->dr <= 1.6 * rpeak; k++) {
    double avg = (r->g_total[k - 1] + r->g_total[k] + r->g_total[k + 1]) / 3.0;
    if (avg < best) {
      best = avg;
      kmin = k;
    }
  }
  /* the upper edge of the bin: coordination counts up to it */
  r->first_shell_a = kmin < 0 ? NAN : (kmin + 1) * r->dr;
  r->first_shell_coordination = NAN; /* from the totals, by the caller */
}

nacre_status nacre_rdf_compute(const nacre_traj *t, double rmax, int nbins,
                               int first, int stride, nacre_rdf **out,
                               nacre_error *err) {
  *out = NULL;
  if (!(rmax > 0.0) || nbins < 2 || stride < 1 || first < 0 ||
      first >= t->nframes)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "RDF: need rmax > 0, at least 2 bins and frames "
                           "from %d (the trajectory has %d)",
                           first + 1, t->nframes);
  nacre_rdf *r = calloc(1, sizeof *r);
  int *sp = malloc((size_t)t->natoms * sizeof(int));
  nacre_structure *s = nacre_structure_new(t->natoms, err);
  nacre_neighbor_list *nl = nacre_nl_new(rmax, 0.0, err);
  nacre_status st = NACRE_OK;
  if (!r || !sp || !s || !nl) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "RDF");
    goto done;
  }
  int ns = species_table(t, r->species, 8, sp);
  if (ns < 0) {
    st = nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                         "RDF: more than 8 species");
    goto done;
  }
  r->nspecies = ns;
  r->nbins = nbins;
  r->rmax = rmax;
  r->dr = rmax / nbins;
  size_t np = (size_t)ns * ns * nbins;
  r->g = calloc(np, sizeof(double));
  r->coordination = calloc(np, sizeof(double));
  r->g_total = calloc((size_t)nbins, sizeof(double));
  double *h = malloc(np * sizeof(double)), *htot = malloc((size_t)nbins * sizeof(double));
  double *ctot = calloc((size_t)nbins, sizeof(double));
  if (!r->g || !r->coordination || !r->g_total || !h || !htot || !ctot) {
    free(h);
    free(htot);
    free(ctot);
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "RDF");
    goto done;
  }
  memcpy(s->numbers, t->numbers, (size_t)t->natoms * sizeof(int));
  memcpy(s->pbc, t->pbc, sizeof s->pbc);
  int count[8] = {0};
  for (int i = 0; i < t->natoms; i++) count[sp[i]]++;
  for (int f = first; f < t->nframes && !st; f += stride) {
    memset(h, 0, np * sizeof(double));
    memset(htot, 0, (size_t)nbins * sizeof(double));
    st = count_frame(t, f, nl, s, sp, ns, r->dr, nbins, h, htot, err);
    if (st) break;
    double vol = fabs(nacre_cell_volume(s->cell));
    for (int a = 0; a < ns; a++)
      for (int b = 0; b < ns; b++) {
        double pairs = (double)count[a] * (count[b] - (a == b));
        double cum = 0.0;
        for (int k = 0; k < nbins; k++) {
          size_t idx = ((size_t)a * ns + b) * nbins + k;
          double r0 = k * r->dr, r1 = (k + 1) * r->dr;
          double shell = 4.0 * NACRE_PI / 3.0 * (r1 * r1 * r1 - r0 * r0 * r0);
          if (pairs > 0) r->g[idx] += vol * h[idx] / (pairs * shell);
          cum += h[idx] / count[a];
          r->coordination[idx] += cum;
        }
      }
    double n = t->natoms, cum = 0.0;
    for (int k = 0; k < nbins; k++) {
      double r0 = k * r->dr, r1 = (k + 1) * r->dr;
      double shell = 4.0 * NACRE_PI / 3.0 * (r1 * r1 * r1 - r0 * r0 * r0);
      if (n > 1) r->g_total[k] += vol * htot[k] / (n * (n - 1) * shell);
      cum += htot[k] / n;
      ctot[k] += cum;
    }
    r->nframes++;
  }
  if (!st && r->nframes > 0) {
    for (size_t k = 0; k < np; k++) {
      r->g[k] /= r->nframes;
      r->coordination[k] /= r->nframes;
    }
    for (int k = 0; k < nbins; k++) {
      r->g_total[k] /= r->nframes;
      ctot[k] /= r->nframes;
    }
    first_shell(r);
    if (isfinite(r->first_shell_a)) {
      int k = (int)lround(r->first_shell_a / r->dr) - 1;
      r->first_shell_coordination = ctot[k];
      r->first_shell_g = r->g_total[k];
    }
  }
  free(h);
  free(htot);
  free(ctot);
done:
  free(sp);
  nacre_structure_free(s);
  nacre_nl_free(nl);
  if (st) {
    nacre_rdf_free(r);
    return st;
  }
  *out = r;
  return NACRE_OK;
}
