/* dos.c — phonon densities of states, total and per species.
 *
 * Linear tetrahedra: each cell of the mesh is cut into the six tetrahedra
 * around its shortest main diagonal, frequencies are linear inside each
 * tetrahedron (band by band, in ascending order), and the density of one
 * tetrahedron with corner frequencies e1 ≤ e2 ≤ e3 ≤ e4 is (Blöchl, Jepsen
 * & Andersen, PRB 49, 16223 (1994))
 *   e1 < ω < e2: 3(ω−e1)² / (e21 e31 e41)
 *   e2 < ω < e3: [3 e21 + 6(ω−e2) − 3(e31 + e42)(ω−e2)²/(e32 e42)] / (e31 e41)
 *   e3 < ω < e4: 3(e4−ω)² / (e41 e42 e43)
 * (eij = ei − ej), which integrates to one. Projections are linear too: the
 * weight of corner k is that density times the mean barycentric coordinate
 * λ_k over the cross-section {ε = ω}, a triangle or a quadrilateral whose
 * corners lie on the tetrahedron's edges. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/phonon.h"

void nacre_phonon_dos_free(nacre_phonon_dos *d) {
  if (!d) return;
  free(d->freq_thz), free(d->dos), free(d->pdos), free(d->species_z);
  free(d);
}

static double tetra_density(const double e[4], double w) {
  double e21 = e[1] - e[0], e31 = e[2] - e[0], e41 = e[3] - e[0];
  double e32 = e[2] - e[1], e42 = e[3] - e[1], e43 = e[3] - e[2];
  if (w <= e[0] || w >= e[3]) return 0;
  if (w < e[1]) return 3 * (w - e[0]) * (w - e[0]) / (e21 * e31 * e41);
  if (w < e[2]) {
    double x = w - e[1];
    return (3 * e21 + 6 * x - 3 * (e31 + e42) * x * x / (e32 * e42)) / (e31 * e41);
  }
  return 3 * (e[3] - w) * (e[3] - w) / (e41 * e42 * e43);
}

/* Point on edge (i, j) where the linear frequency equals w, as barycentric
 * coordinates mapped to the reference tetrahedron (λ2, λ3, λ4). */
static void edge_point(const double e[4], int i, int j, double w, double p[3], double lam[4]) {
  double f = (w - e[i]) / (e[j] - e[i]);
  memset(lam, 0, 4 * sizeof *lam);
  lam[i] = 1 - f, lam[j] = f;
  p[0] = lam[1], p[1] = lam[2], p[2] = lam[3];
}

static double tri_area(const double a[3], const double b[3], const double c[3]) {
  double u[3], v[3];
  for (int k = 0; k < 3; k++) u[k] = b[k] - a[k], v[k] = c[k] - a[k];
  double x = u[1] * v[2] - u[2] * v[1], y = u[2] * v[0] - u[0] * v[2],
         z = u[0] * v[1] - u[1] * v[0];
  return 0.5 * sqrt(x * x + y * y + z * z);
}

/* Mean barycentric coordinates over the cross-section at w (sorted e). */
static void section_mean(const double e[4], double w, double mean[4]) {
  double p[4][3], l[4][4];
  if (w < e[1]) {
    edge_point(e, 0, 1, w, p[0], l[0]);
    edge_point(e, 0, 2, w, p[1], l[1]);
    edge_point(e, 0, 3, w, p[2], l[2]);
  } else if (w >= e[2]) {
    edge_point(e, 0, 3, w, p[0], l[0]);
    edge_point(e, 1, 3, w, p[1], l[1]);
    edge_point(e, 2, 3, w, p[2], l[2]);
  } else {
    /* quadrilateral 13 14 24 23, cut along 13–24 */
    edge_point(e, 0, 2, w, p[0], l[0]);
    edge_point(e, 0, 3, w, p[1], l[1]);
    edge_point(e, 1, 3, w, p[2], l[2]);
    edge_point(e, 1, 2, w, p[3], l[3]);
    double a1 = tri_area(p[0], p[1], p[2]), a2 = tri_area(p[0], p[2], p[3]);
    double s = a1 + a2;
    if (!(s > 0)) a1 = a2 = 0.5, s = 1;
    for (int k = 0; k < 4; k++)
      mean[k] = (a1 * (l[0][k] + l[1][k] + l[2][k]) + a2 * (l[0][k] + l[2][k] + l[3][k])) / (3 * s);
    return;
  }
  for (int k = 0; k < 4; k++) mean[k] = (l[0][k] + l[1][k] + l[2][k]) / 3;
}

/* The six tetrahedra around the shortest main diagonal of a mesh cell, as
 * corner offsets (0/1 per axis). */
static void tetrahedra(const nacre_phonon_mesh *m, int tet[6][4][3]) {
  double g[3][3];
  for (int k = 0; k < 3; k++)
    for (int c = 0; c < 3; c++) g[k][c] = m->recip[k][c] / m->mesh[k];
  static const int start[4][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  int best = 0;
  double bestlen = INFINITY;
  for (int d = 0; d < 4; d++) {
    double v[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) {
      double s = start[d][k] ? -1.0 : 1.0;
      for (int c = 0; c < 3; c++) v[c] += s * g[k][c];
    }
    double len = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
    if (len < bestlen - 1e-12 * len) best = d, bestlen = len;
  }
  static const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  for (int t = 0; t < 6; t++) {
    int c[3];
    memcpy(c, start[best], sizeof c);
    memcpy(tet[t][0], c, sizeof c);
    for (int s = 0; s < 3; s++) {
      int axis = perm[t][s];
      c[axis] = start[best][axis] ? 0 : 1;
      memcpy(tet[t][s + 1], c, sizeof c);
    }
  }
}

static int corner_index(const nacre_phonon_mesh *m, const int n[3], const int off[3]) {
  int w[3];
  for (int c = 0; c < 3; c++) w[c] = (n[c] + off[c]) % m->mesh[c];
  return w[0] + m->mesh[0] * (w[1] + m->mesh[1] * w[2]);
}

static void dos_tetrahedron(const nacre_phonon_mesh *m, double step, nacre_phonon_dos *d) {
  int tet[6][4][3];
  tetrahedra(m, tet);
  int nb = m->nbands, ns = m->nspecies;
  double norm = 1.0 / (6.0 * m->ngrid);
  for (int g = 0; g < m->ngrid; g++) {
    int n[3] = {g % m->mesh[0], (g / m->mesh[0]) % m->mesh[1], g / (m->mesh[0] * m->mesh[1])};
    for (int t = 0; t < 6; t++) {
      int iq[4];
      for (int k = 0; k < 4; k++) iq[k] = m->grid_map[corner_index(m, n, tet[t][k])];
      for (int b = 0; b < nb; b++) {
        double e[4];
        int order[4] = {0, 1, 2, 3};
        for (int k = 0; k < 4; k++) e[k] = m->freq_thz[(size_t)iq[k] * nb + b];
        for (int i = 1; i < 4; i++) /* sort corners by frequency */
          for (int j = i; j > 0 && e[j] < e[j - 1]; j--) {
            double te = e[j];
            e[j] = e[j - 1], e[j - 1] = te;
            int to = order[j];
            order[j] = order[j - 1], order[j - 1] = to;
          }
        if (!(e[3] - e[0] > 1e-12)) continue;
        int p0 = (int)ceil((e[0] - d->freq_thz[0]) / step),
            p1 = (int)floor((e[3] - d->freq_thz[0]) / step);
        if (p0 < 0) p0 = 0;
        if (p1 > d->npoints - 1) p1 = d->npoints - 1;
        for (int p = p0; p <= p1; p++) {
          double w = d->freq_thz[p];
          if (w <= e[0] || w >= e[3]) continue;
          double dens = tetra_density(e, w) * norm;
          d->dos[p] += dens;
          if (!d->pdos) continue;
          double mean[4];
          section_mean(e, w, mean);
          for (int k = 0; k < 4; k++) {
            const double *pr = &m->projection[((size_t)iq[order[k]] * nb + b) * ns];
            for (int s = 0; s < ns; s++)
              d->pdos[(size_t)s * d->npoints + p] += dens * mean[k] * pr[s];
          }
        }
      }
    }
  }
}

static void dos_gaussian(const nacre_phonon_mesh *m, double sigma, nacre_phonon_dos *d) {
  int nb = m->nbands, ns = m->nspecies;
  double pre = 1.0 / (sigma * sqrt(2 * NACRE_PI) * m->ngrid);
  for (int iq = 0; iq < m->nq; iq++)
    for (int b = 0; b < nb; b++) {
      double nu = m->freq_thz[(size_t)iq * nb + b];
      for (int p = 0; p < d->npoints; p++) {
        double x = (d->freq_thz[p] - nu) / sigma;
        if (fabs(x) > 8) continue;
        double g = pre * m->weight[iq] * exp(-0.5 * x * x);
        d->dos[p] += g;
        if (!d->pdos) continue;
        const double *pr = &m->projection[((size_t)iq * nb + b) * ns];
        for (int s = 0; s < ns; s++) d->pdos[(size_t)s * d->npoints + p] += g * pr[s];
      }
    }
}

nacre_status nacre_phonon_dos_run(const nacre_phonon_mesh *m, nacre_dos_method method,
                                  double sigma_thz, double fmin_thz, double fmax_thz,
                                  double step_thz, nacre_phonon_dos **out, nacre_error *err) {
  *out = NULL;
  if (!(step_thz > 0) || !(fmax_thz >= fmin_thz) || (fmax_thz - fmin_thz) / step_thz > 1e6)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "DOS: frequencies %g to %g THz in steps of %g THz", fmin_thz, fmax_thz,
                           step_thz);
  if (method == NACRE_DOS_GAUSSIAN && !(sigma_thz > 0))
    return nacre_error_set(err, NACRE_ERR_INVALID, "DOS: Gaussian width %g THz must be positive",
                           sigma_thz);
  nacre_phonon_dos *d = calloc(1, sizeof *d);
  if (!d) return nacre_error_set(err, NACRE_ERR_NOMEM, "DOS");
  d->npoints = (int)floor((fmax_thz - fmin_thz) / step_thz + 1e-9) + 1;
  d->nspecies = m->nspecies;
  d->freq_thz = malloc((size_t)d->npoints * sizeof *d->freq_thz);
  d->dos = calloc((size_t)d->npoints, sizeof *d->dos);
  d->species_z = malloc((size_t)(m->nspecies > 0 ? m->nspecies : 1) * sizeof *d->species_z);
  if (m->projection) d->pdos = calloc((size_t)d->npoints * m->nspecies, sizeof *d->pdos);
  if (!d->freq_thz || !d->dos || !d->species_z || (m->projection && !d->pdos)) {
    nacre_phonon_dos_free(d);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "DOS of %d points", d->npoints);
  }
  memcpy(d->species_z, m->species_z, (size_t)m->nspecies * sizeof *d->species_z);
  for (int p = 0; p < d->npoints; p++) d->freq_thz[p] = fmin_thz + p * step_thz;
  if (method == NACRE_DOS_GAUSSIAN)
    dos_gaussian(m, sigma_thz, d);
  else
    dos_tetrahedron(m, step_thz, d);
  *out = d;
  return NACRE_OK;
}
