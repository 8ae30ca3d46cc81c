/* nn_descriptor.c — Behler-Parrinello symmetry functions: the descriptor
 * definition (layout of the per-atom vector for any number of species) and
 * a plain reference evaluation of one atom's descriptor with per-neighbour
 * derivatives. The fused, threaded evaluation used by the potential lives
 * in nn_potential.c. Formulas: Behler, JCP 134, 074106 (2011), eqs. 5, 8, 25
 * (see nacre/nn.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/nn.h"

void nacre_nn_descriptor_free(nacre_nn_descriptor *d) {
  if (!d) return;
  free(d->g2);
  free(d->g4);
  free(d->eta4);
  free(d->zl_zeta);
  free(d->zl_lambda);
  free(d->g4_eta);
  free(d->g4_zl);
  memset(d, 0, sizeof *d);
}

/* MAISE's block order (nprs.c layout table): for relative species d, G2(d),
 * G4(0,d), then for d > 0 G4(d,d), G4(1,d) … G4(d−1,d). */
static void descriptor_layout(nacre_nn_descriptor *d) {
  int pos = 0, S = d->nspecies;
  for (int b = 0; b < S; b++) {
    d->g2_offset[b] = pos;
    pos += d->ng2;
    d->g4_offset[0][b] = d->g4_offset[b][0] = pos;
    pos += d->ng4;
    if (b > 0) {
      d->g4_offset[b][b] = pos;
      pos += d->ng4;
      for (int a = 1; a < b; a++) {
        d->g4_offset[a][b] = d->g4_offset[b][a] = pos;
        pos += d->ng4;
      }
    }
  }
  d->dim = pos;
}

nacre_status nacre_nn_descriptor_init(nacre_nn_descriptor *d, nacre_error *err) {
  if (d->nspecies < 1 || d->nspecies > NACRE_NN_MAX_SPECIES)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "nn descriptor: %d species (1 to %d supported)",
                           d->nspecies, NACRE_NN_MAX_SPECIES);
  if (!(d->cutoff > 0.0) || !isfinite(d->cutoff))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "nn descriptor: cutoff %g Å must be positive",
                           d->cutoff);
  if (d->ng2 < 0 || d->ng4 < 0 || d->ng2 + d->ng4 == 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "nn descriptor: no symmetry functions");
  for (int g = 0; g < d->ng2; g++)
    if (!(d->g2[g].eta >= 0.0) || !isfinite(d->g2[g].rs))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "nn descriptor: G2 %d has eta %g, Rs %g", g + 1,
                             d->g2[g].eta, d->g2[g].rs);
  for (int g = 0; g < d->ng4; g++)
    if (!(d->g4[g].eta >= 0.0) || !(d->g4[g].zeta >= 1.0) ||
        !(d->g4[g].zeta <= 1024.0) ||
        !(d->g4[g].lambda == 1.0 || d->g4[g].lambda == -1.0))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "nn descriptor: G4 %d has eta %g, zeta %g, lambda "
                             "%g (need eta >= 0, 1 <= zeta <= 1024, lambda "
                             "= +-1)",
                             g + 1, d->g4[g].eta, d->g4[g].zeta,
                             d->g4[g].lambda);
  free(d->eta4);
  free(d->zl_zeta);
  free(d->zl_lambda);
  free(d->g4_eta);
  free(d->g4_zl);
  size_t n4 = d->ng4 > 0 ? (size_t)d->ng4 : 1;
  d->eta4 = malloc(n4 * sizeof(double));
  d->zl_zeta = malloc(n4 * sizeof(double));
  d->zl_lambda = malloc(n4 * sizeof(double));
  d->g4_eta = malloc(n4 * sizeof(int));
  d->g4_zl = malloc(n4 * sizeof(int));
  if (!d->eta4 || !d->zl_zeta || !d->zl_lambda || !d->g4_eta || !d->g4_zl)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "nn descriptor");
  d->neta4 = d->nzl = 0;
  for (int g = 0; g < d->ng4; g++) {
    int k;
    for (k = 0; k < d->neta4 && d->eta4[k] != d->g4[g].eta; k++) {
    }
    if (k == d->neta4) d->eta4[d->neta4++] = d->g4[g].eta;
    d->g4_eta[g] = k;
    for (k = 0; k < d->nzl && !(d->zl_zeta[k] == d->g4[g].zeta &&
                                d->zl_lambda[k] == d->g4[g].lambda);
         k++) {
    }
    if (k == d->nzl) {
      d->zl_zeta[k] = d->g4[g].zeta;
      d->zl_lambda[k] = d->g4[g].lambda;
      d->nzl++;
    }
    d->g4_zl[g] = k;
  }
  descriptor_layout(d);
  return NACRE_OK;
}

nacre_status nacre_nn_descriptor_copy(const nacre_nn_descriptor *src,
                                      nacre_nn_descriptor *dst,
                                      nacre_error *err) {
  memset(dst, 0, sizeof *dst);
  dst->nspecies = src->nspecies;
  dst->cutoff = src->cutoff;
  dst->ng2 = src->ng2;
  dst->ng4 = src->ng4;
  dst->g2 = malloc((src->ng2 > 0 ? (size_t)src->ng2 : 1) * sizeof *dst->g2);
  dst->g4 = malloc((src->ng4 > 0 ? (size_t)src->ng4 : 1) * sizeof *dst->g4);
  if (!dst->g2 || !dst->g4) {
    nacre_nn_descriptor_free(dst);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "nn descriptor copy");
  }
  if (src->ng2) memcpy(dst->g2, src->g2, (size_t)src->ng2 * sizeof *dst->g2);
  if (src->ng4) memcpy(dst->g4, src->g4, (size_t)src->ng4 * sizeof *dst->g4);
  nacre_status st = nacre_nn_descriptor_init(dst, err);
  if (st) nacre_nn_descriptor_free(dst);
  return st;
}

static double cutoff_fn(double r, double rc, double *dfc) {
  if (r >= rc) {
    *dfc = 0.0;
    return 0.0;
  }
  double a = NACRE_PI / rc;
  *dfc = -0.5 * a * sin(a * r);
  return 0.5 * (cos(a * r) + 1.0);
}

/* Reference evaluation: a direct transcription of the formulas in nn.h,
 * with the j<k half of the ordered sum doubled. */
void nacre_nn_descriptor_atom(const nacre_nn_descriptor *d, int centre, int n,
                              const double *rij, const int *species, double *G,
                              double *dG) {
  int dim = d->dim, S = d->nspecies;
  double rc = d->cutoff;
  memset(G, 0, (size_t)dim * sizeof(double));
  if (dG) memset(dG, 0, (size_t)n * (size_t)dim * 3 * sizeof(double));
  for (int j = 0; j < n; j++) {
    const double *a = &rij[3 * j];
    double r = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
    if (!(r > 0.0) || r >= rc) continue;
    double dfc, fc = cutoff_fn(r, rc, &dfc);
    int dj = (species[j] - centre + S) % S;
    for (int g = 0; g < d->ng2; g++) {
      double x = r - d->g2[g].rs, e = exp(-d->g2[g].eta * x * x);
      int l = d->g2_offset[dj] + g;
      G[l] += e * fc;
      if (dG) {
        double dr = e * (dfc - 2.0 * d->g2[g].eta * x * fc) / r;
        for (int c = 0; c < 3; c++) dG[((size_t)j * dim + l) * 3 + c] += dr * a[c];
      }
    }
    for (int k = j + 1; k < n; k++) {
      const double *b = &rij[3 * k];
      double r2 = sqrt(b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);
      if (!(r2 > 0.0) || r2 >= rc) continue;
      double c3[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
      double r3 = sqrt(c3[0] * c3[0] + c3[1] * c3[1] + c3[2] * c3[2]);
      if (!(r3 > 0.0) || r3 >= rc) continue;
      double dfc2, fc2 = cutoff_fn(r2, rc, &dfc2);
      double dfc3, fc3 = cutoff_fn(r3, rc, &dfc3);
      double cs = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (r * r2);
      int dk = (species[k] - centre + S) % S;
      int base = d->g4_offset[dj][dk];
      double F = fc * fc2 * fc3;
      double R2 = r * r + r2 * r2 + r3 * r3;
      for (int g = 0; g < d->ng4; g++) {
        double eta = d->g4[g].eta, zeta = d->g4[g].zeta, lam = d->g4[g].lambda;
        double pre = 2.0 * pow(2.0, 1.0 - zeta); /* ×2: j<k half */
        double bb = 1.0 + lam * cs;
        double pz1 = bb > 0.0 ? pow(bb, zeta - 1.0) : (zeta == 1.0 ? 1.0 : 0.0);
        double X = exp(-eta * R2);
        int l = base + g;
        G[l] += pre * pz1 * bb * X * F;
        if (!dG) continue;
        /* ∂/∂r1, ∂/∂r2, ∂/∂r3 and ∂/∂cos of the term */
        double P = pre * pz1 * bb, dP = pre * zeta * lam * pz1;
        double t1 = P * X * (dfc * fc2 * fc3 - 2.0 * eta * r * F);
        double t2 = P * X * (fc * dfc2 * fc3 - 2.0 * eta * r2 * F);
        double t3 = P * X * (fc * fc2 * dfc3 - 2.0 * eta * r3 * F);
        double tc = dP * X * F;
        for (int c = 0; c < 3; c++) {
          /* cos = a·b/(r r2): ∂cos/∂a = b/(r r2) − cos a/r² */
          double dca = b[c] / (r * r2) - cs * a[c] / (r * r);
          double dcb = a[c] / (r * r2) - cs * b[c] / (r2 * r2);
          double u3 = c3[c] / r3; /* r_jk = b − a */
          dG[((size_t)j * dim + l) * 3 + c] += t1 * a[c] / r + tc * dca - t3 * u3;
          dG[((size_t)k * dim + l) * 3 + c] += t2 * b[c] / r2 + tc * dcb + t3 * u3;
        }
      }
    }
  }
}
