/* phase.c — is a run solid or liquid? The Lindemann index of the nearest-
 * neighbour pairs, and a verdict from diffusion and the radial
 * distribution (criteria in nacre/md.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/md.h"
#include "nacre/neigh.h"

nacre_status nacre_lindemann_compute(const nacre_traj *t, int first,
                                     double r_cut, double *index, int *npairs,
                                     nacre_error *err) {
  *index = NAN;
  *npairs = 0;
  if (first < 0 || first >= t->nframes)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "Lindemann index: first frame %d of a trajectory of %d",
                           first, t->nframes);
  if (!(r_cut > 0.0))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "Lindemann index: pair cutoff %g Å (no first shell in "
                           "the radial distribution: give --cutoff)",
                           r_cut);
  nacre_structure *s = nacre_structure_new(t->natoms, err);
  nacre_neighbor_list *nl = s ? nacre_nl_new(r_cut, 0.0, err) : NULL;
  if (!nl) {
    nacre_structure_free(s);
    return err ? err->status : NACRE_ERR_NOMEM;
  }
  size_t n3 = 3 * (size_t)t->natoms;
  memcpy(s->numbers, t->numbers, (size_t)t->natoms * sizeof(int));
  memcpy(s->pbc, t->pbc, sizeof s->pbc);
  memcpy(s->cell, t->cells + 9 * (size_t)first, sizeof s->cell);
  memcpy(s->positions, t->positions + n3 * first, n3 * sizeof(double));
  nacre_status st = nacre_nl_update(nl, s, NULL, err);
  /* each pair once: i < j, or i == j with a positive image */
  size_t np = 0;
  for (int i = 0; !st && i < t->natoms; i++)
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++)
      if (nl->j[e] > i) np++;
  double *sum = calloc(np ? np : 1, sizeof(double));
  double *sum2 = calloc(np ? np : 1, sizeof(double));
  if (!st && (!sum || !sum2)) st = nacre_error_set(err, NACRE_ERR_NOMEM, "Lindemann");
  int nf = t->nframes - first;
  for (int f = first; !st && f < t->nframes; f++) {
    const double *x = t->positions + n3 * f;
    const double(*cell)[3] = (const double(*)[3])(t->cells + 9 * (size_t)f);
    size_t p = 0;
    for (int i = 0; i < t->natoms; i++)
      for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
        int j = nl->j[e];
        if (j <= i) continue;
        const int *S = &nl->shift[3 * e];
        double d2 = 0.0;
        for (int c = 0; c < 3; c++) {
          double d = x[3 * j + c] - x[3 * i + c] + S[0] * cell[0][c] +
                     S[1] * cell[1][c] + S[2] * cell[2][c];
          d2 += d * d;
        }
        sum[p] += sqrt(d2);
        sum2[p] += d2;
        p++;
      }
  }
  if (!st && np > 0) {
    double acc = 0.0;
    for (size_t p = 0; p < np; p++) {
      double mean = sum[p] / nf, var = sum2[p] / nf - mean * mean;
      acc += sqrt(var > 0.0 ? var : 0.0) / mean;
    }
    *index = acc / np;
    *npairs = (int)np;
  }
  free(sum);
  free(sum2);
  nacre_nl_free(nl);
  nacre_structure_free(s);
  return st;
}

const char *nacre_phase_verdict_name(nacre_phase_verdict v) {
  switch (v) {
  case NACRE_PHASE_SOLID: return "solid";
  case NACRE_PHASE_LIQUID: return "liquid";
  case NACRE_PHASE_UNCLEAR: return "unclear";
  }
  return "?";
}

/* The RDF range: up to half the smallest cell height of the first frame,
 * at most 8 Å. */
static double rdf_range(const nacre_traj *t, int first) {
  double h[3];
  nacre_cell_heights((const double(*)[3])(t->cells + 9 * (size_t)first), h);
  double r = 8.0;
  for (int k = 0; k < 3; k++)
    if (t->pbc[k] && 0.5 * h[k] < r) r = 0.5 * h[k];
  return r;
}

nacre_status nacre_phase_classify(const nacre_traj *t, int first,
                                  nacre_phase_report *out, nacre_error *err) {
  memset(out, 0, sizeof *out);
  out->verdict = NACRE_PHASE_UNCLEAR;
  nacre_rdf *rdf = NULL;
  nacre_msd *msd = NULL;
  int stride = (t->nframes - first) / 200 + 1;
  nacre_status st = nacre_rdf_compute(t, rdf_range(t, first), 200, first,
                                      stride, &rdf, err);
  if (!st) st = nacre_msd_compute(t, first, 1, 0.0, 0.0, &msd, err);
  if (st) {
    nacre_rdf_free(rdf);
    return st;
  }
  out->first_shell_a = rdf->first_shell_a;
  out->rdf_ratio = rdf->first_shell_g / rdf->peak_g;
  out->diffusion_a2_ps = msd->diffusion_total_a2_ps;
  out->msd_max_a2 = msd->msd_total[msd->nlags - 1];
  int npairs;
  if (isfinite(rdf->first_shell_a))
    st = nacre_lindemann_compute(t, first, rdf->first_shell_a, &out->lindemann,
                                 &npairs, err);
  nacre_rdf_free(rdf);
  nacre_msd_free(msd);
  if (st) return st;
  double half = 0.5 * out->first_shell_a;
  int diffusive = out->diffusion_a2_ps > 0.02 && out->msd_max_a2 > half * half;
  int liquid_rdf = out->rdf_ratio > 0.14;
  out->verdict = diffusive && liquid_rdf     ? NACRE_PHASE_LIQUID
                 : !diffusive && !liquid_rdf ? NACRE_PHASE_SOLID
                                             : NACRE_PHASE_UNCLEAR;
  snprintf(out->reason, sizeof out->reason,
           "%s (D = %.3g Å²/ps, MSD %.3g Å² at the longest lag, half the first "
           "shell %.3g Å); RDF %s (g_min/g_max = %.3f, Wendt–Abraham limit "
           "0.14); Lindemann index %.3f",
           diffusive ? "diffusive" : "not diffusive", out->diffusion_a2_ps,
           out->msd_max_a2, half, liquid_rdf ? "liquid-like" : "crystal-like",
           out->rdf_ratio, out->lindemann);
  return NACRE_OK;
}
