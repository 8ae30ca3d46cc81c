/* structure.c — the atomic structure: allocation, copying, wrapping,
 * fractional coordinates, supercells, Niggli-reduced copies, validation. */
#include "nacre/core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

nacre_structure *nacre_structure_new(int natoms, nacre_error *err) {
  if (natoms < 0) {
    nacre_error_set(err, NACRE_ERR_INVALID, "negative atom count %d", natoms);
    return NULL;
  }
  nacre_structure *s = calloc(1, sizeof *s);
  if (!s) goto nomem;
  s->natoms = natoms;
  s->pbc[0] = s->pbc[1] = s->pbc[2] = 1;
  size_t n = natoms > 0 ? (size_t)natoms : 1;
  s->numbers = calloc(n, sizeof *s->numbers);
  s->positions = calloc(3 * n, sizeof *s->positions);
  if (!s->numbers || !s->positions) goto nomem;
  return s;
nomem:
  nacre_structure_free(s);
  nacre_error_set(err, NACRE_ERR_NOMEM, "cannot allocate a structure of %d atoms",
                  natoms);
  return NULL;
}

void nacre_structure_free(nacre_structure *s) {
  if (!s) return;
  free(s->numbers);
  free(s->positions);
  free(s->fixed);
  free(s);
}

nacre_structure *nacre_structure_copy(const nacre_structure *s,
                                      nacre_error *err) {
  nacre_structure *c = nacre_structure_new(s->natoms, err);
  if (!c) return NULL;
  memcpy(c->cell, s->cell, sizeof c->cell);
  memcpy(c->pbc, s->pbc, sizeof c->pbc);
  memcpy(c->numbers, s->numbers, (size_t)s->natoms * sizeof *s->numbers);
  memcpy(c->positions, s->positions, 3 * (size_t)s->natoms * sizeof(double));
  if (s->fixed) {
    if (nacre_structure_alloc_fixed(c, err)) {
      nacre_structure_free(c);
      return NULL;
    }
    memcpy(c->fixed, s->fixed, 3 * (size_t)s->natoms);
  }
  return c;
}

nacre_status nacre_structure_alloc_fixed(nacre_structure *s, nacre_error *err) {
  if (s->fixed) return NACRE_OK;
  s->fixed = calloc(3 * (size_t)(s->natoms > 0 ? s->natoms : 1), 1);
  if (!s->fixed)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "cannot allocate flags");
  return NACRE_OK;
}

double nacre_structure_volume(const nacre_structure *s) {
  return fabs(nacre_cell_volume(s->cell));
}

nacre_status nacre_structure_get_frac(const nacre_structure *s, double *frac,
                                      nacre_error *err) {
  double recip[3][3];
  if (nacre_cell_reciprocal(s->cell, recip))
    return nacre_error_set(err, NACRE_ERR_INVALID, "singular cell");
  for (int i = 0; i < s->natoms; i++)
    nacre_cell_cart_to_frac(recip, &s->positions[3 * i], &frac[3 * i]);
  return NACRE_OK;
}

void nacre_structure_set_frac(nacre_structure *s, const double *frac) {
  for (int i = 0; i < s->natoms; i++)
    nacre_cell_frac_to_cart(s->cell, &frac[3 * i], &s->positions[3 * i]);
}

void nacre_structure_wrap(nacre_structure *s) {
  double recip[3][3];
  if (nacre_cell_reciprocal(s->cell, recip)) return;
  for (int i = 0; i < s->natoms; i++) {
    double f[3];
    nacre_cell_cart_to_frac(recip, &s->positions[3 * i], f);
    for (int k = 0; k < 3; k++) {
      if (!s->pbc[k]) continue;
      f[k] -= floor(f[k]);
      if (f[k] >= 1.0) f[k] = 0.0; /* -1e-17 wraps to 1.0 in floating point */
    }
    nacre_cell_frac_to_cart(s->cell, f, &s->positions[3 * i]);
  }
}

nacre_status nacre_structure_supercell(const nacre_structure *s,
                                       const int m[3][3],
                                       nacre_structure **out,
                                       nacre_error *err) {
  *out = NULL;
  double md[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) md[i][j] = m[i][j];
  double det = nacre_mat3_det(md);
  long ncopies = lround(det);
  if (ncopies <= 0 || fabs(det - (double)ncopies) > 1e-9)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "supercell matrix must have a positive integer "
                           "determinant (got %g)",
                           det);
  if ((long)s->natoms * ncopies > 100000000L)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "supercell of %ld atoms is too large",
                           (long)s->natoms * ncopies);
  double minv[3][3];
  nacre_mat3_inverse(md, minv);
  /* Lattice translations n (old basis) inside the new cell: n·M^{-1} ∈ [0,1)^3.
   * Bound n by the corners of the new cell expressed in the old basis. */
  int lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
  for (int c = 0; c < 8; c++) {
    for (int k = 0; k < 3; k++) {
      int v = ((c & 1) ? m[0][k] : 0) + ((c & 2) ? m[1][k] : 0) +
              ((c & 4) ? m[2][k] : 0);
      if (v < lo[k]) lo[k] = v;
      if (v > hi[k]) hi[k] = v;
    }
  }
  nacre_structure *sc = nacre_structure_new((int)(s->natoms * ncopies), err);
  if (!sc) return err ? err->status : NACRE_ERR_NOMEM;
  if (s->fixed && nacre_structure_alloc_fixed(sc, err)) {
    nacre_structure_free(sc);
    return NACRE_ERR_NOMEM;
  }
  nacre_mat3_mul(md, s->cell, sc->cell);
  memcpy(sc->pbc, s->pbc, sizeof sc->pbc);
  double *frac = malloc(3 * (size_t)(s->natoms > 0 ? s->natoms : 1) *
                        sizeof(double));
  if (!frac) {
    nacre_structure_free(sc);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "supercell");
  }
  nacre_status st = nacre_structure_get_frac(s, frac, err);
  if (st) {
    free(frac);
    nacre_structure_free(sc);
    return st;
  }
  long found = 0;
  const double eps = 1e-9;
  for (int n0 = lo[0]; n0 <= hi[0]; n0++)
    for (int n1 = lo[1]; n1 <= hi[1]; n1++)
      for (int n2 = lo[2]; n2 <= hi[2]; n2++) {
        double g[3];
        for (int k = 0; k < 3; k++)
          g[k] = n0 * minv[0][k] + n1 * minv[1][k] + n2 * minv[2][k];
        int inside = 1;
        for (int k = 0; k < 3; k++)
          if (g[k] < -eps || g[k] >= 1.0 - eps) inside = 0;
        if (!inside) continue;
        if (found >= ncopies) break;
        for (int i = 0; i < s->natoms; i++) {
          long a = found * s->natoms + i;
          double f[3] = {frac[3 * i] + n0, frac[3 * i + 1] + n1,
                         frac[3 * i + 2] + n2};
          nacre_cell_frac_to_cart(s->cell, f, &sc->positions[3 * a]);
          sc->numbers[a] = s->numbers[i];
          if (s->fixed) memcpy(&sc->fixed[3 * a], &s->fixed[3 * i], 3);
        }
        found++;
      }
  free(frac);
  if (found != ncopies) {
    nacre_structure_free(sc);
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "supercell: found %ld of %ld lattice translations",
                           found, ncopies);
  }
  nacre_structure_wrap(sc);
  *out = sc;
  return NACRE_OK;
}

nacre_status nacre_structure_niggli(const nacre_structure *s,
                                    nacre_structure **out, nacre_error *err) {
  *out = NULL;
  double red[3][3];
  int m[3][3];
  if (nacre_cell_niggli(s->cell, 1e-5, red, m))
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "Niggli reduction failed (degenerate cell?)");
  nacre_structure *c = nacre_structure_copy(s, err);
  if (!c) return err ? err->status : NACRE_ERR_NOMEM;
  memcpy(c->cell, red, sizeof red);
  nacre_structure_wrap(c);
  *out = c;
  return NACRE_OK;
}

nacre_status nacre_structure_check(const nacre_structure *s, nacre_error *err) {
  if (!s) return nacre_error_set(err, NACRE_ERR_INVALID, "no structure");
  if (s->natoms < 0)
    return nacre_error_set(err, NACRE_ERR_INVALID, "negative atom count");
  for (int i = 0; i < s->natoms; i++) {
    if (!nacre_element_by_z(s->numbers[i]))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "atom %d has unknown atomic number %d", i + 1,
                             s->numbers[i]);
    for (int k = 0; k < 3; k++)
      if (!isfinite(s->positions[3 * i + k]))
        return nacre_error_set(err, NACRE_ERR_NUMERIC,
                               "atom %d has a non-finite coordinate", i + 1);
  }
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++)
      if (!isfinite(s->cell[i][k]))
        return nacre_error_set(err, NACRE_ERR_NUMERIC, "non-finite cell");
  if ((s->pbc[0] || s->pbc[1] || s->pbc[2])) {
    double h[3];
    nacre_cell_heights(s->cell, h);
    for (int k = 0; k < 3; k++)
      if (s->pbc[k] && !(h[k] > 1e-6))
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "periodic cell is degenerate along lattice "
                               "vector %d (width %g Å)",
                               k + 1, h[k]);
  }
  return NACRE_OK;
}

void nacre_structure_formula(const nacre_structure *s, char *buf,
                             size_t buflen) {
  if (buflen == 0) return;
  buf[0] = '\0';
  size_t used = 0;
  for (int i = 0; i < s->natoms; i++) {
    int z = s->numbers[i], seen = 0;
    for (int j = 0; j < i && !seen; j++) seen = s->numbers[j] == z;
    if (seen) continue;
    int count = 0;
    for (int j = i; j < s->natoms; j++) count += s->numbers[j] == z;
    const nacre_element *e = nacre_element_by_z(z);
    int w = snprintf(buf + used, buflen - used, "%s%d", e ? e->symbol : "X",
                     count);
    if (w < 0 || (size_t)w >= buflen - used) break;
    used += (size_t)w;
  }
}
