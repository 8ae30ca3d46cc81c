/* force_constants.c — force constants from displaced-supercell forces.
 *
 * For the first atom a of each orbit, every displacement u_r and every site
 * operation s of a (Cartesian rotation C_s, supercell map s̃) give one
 * equation per supercell atom j:
 *     C_s F_r(j) = −Φ(a, s̃ j)ᵀ C_s u_r,
 * so with U the rows C_s u_r, Φ(a, j')ᵀ = −U⁺ [C_s F_r(s̃⁻¹ j')] with the
 * pseudo-inverse U⁺ = (UᵀU)⁻¹Uᵀ (least squares when the rows are more than
 * three). The other atoms of the orbit get Φ(g a, g̃ j) = C_g Φ(a, j) C_gᵀ.
 * Then Φ is made symmetric under exchange, Φ(i, j) = Φ(j, i)ᵀ, and made to
 * obey the acoustic sum rule Σ_j Φ(i, j) = 0 by alternating the two
 * projections (both keep the space-group symmetry) and finally correcting
 * the self term. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phonon_internal.h"

static double *fc_block(const nacre_phonon *ph, int i, int j) {
  return &ph->fc[((size_t)i * ph->nsuper + j) * 9];
}

/* P = (UᵀU)⁻¹ Uᵀ, 3 × nrows, row-major. */
static nacre_status pseudo_inverse(const double *u, int nrows, double *p, int atom,
                                   nacre_error *err) {
  double utu[3][3] = {{0}}, inv[3][3];
  for (int q = 0; q < nrows; q++)
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) utu[a][b] += u[3 * q + a] * u[3 * q + b];
  double scale = utu[0][0] + utu[1][1] + utu[2][2];
  if (fabs(nacre_mat3_det(utu)) < 1e-10 * scale * scale * scale || nacre_mat3_inverse(utu, inv))
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "phonon: the displacements of atom %d do not span "
                           "three dimensions",
                           atom + 1);
  for (int a = 0; a < 3; a++)
    for (int q = 0; q < nrows; q++)
      p[a * nrows + q] = inv[a][0] * u[3 * q] + inv[a][1] * u[3 * q + 1] + inv[a][2] * u[3 * q + 2];
  return NACRE_OK;
}

static void rotate_vec(const double c[3][3], const double v[3], double out[3]) {
  for (int a = 0; a < 3; a++) out[a] = c[a][0] * v[0] + c[a][1] * v[1] + c[a][2] * v[2];
}

/* Rows of atom a from its displacements and site symmetry. */
static nacre_status solve_atom(nacre_phonon *ph, int a, int *site, int *map, nacre_error *err) {
  int ns = 0;
  for (int k = 0; k < ph->nops; k++)
    if (ph->perm[k * ph->n + a] == a) site[ns++] = k;
  int nd = 0;
  for (int r = 0; r < ph->ndisp; r++) nd += ph->disp_atom[r] == a;
  int nrows = nd * ns;
  double *u = malloc(3 * (size_t)nrows * sizeof *u);
  double *p = malloc(3 * (size_t)nrows * sizeof *p);
  if (!u || !p) {
    free(u), free(p);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "phonon force constants");
  }
  int q = 0;
  for (int s = 0; s < ns; s++)
    for (int r = 0; r < ph->ndisp; r++)
      if (ph->disp_atom[r] == a) rotate_vec(ph->cart[site[s]], ph->disp[r], &u[3 * q++]);
  nacre_status st = pseudo_inverse(u, nrows, p, a, err);
  size_t per = 3 * (size_t)ph->nsuper;
  q = 0;
  for (int s = 0; !st && s < ns; s++) {
    for (int j = 0; j < ph->nsuper; j++) map[j] = phonon_map_atom(ph, site[s], a, j);
    const double(*c)[3] = ph->cart[site[s]];
    for (int r = 0; r < ph->ndisp; r++) {
      if (ph->disp_atom[r] != a) continue;
      const double *f = &ph->forces[(size_t)r * per];
      for (int j = 0; j < ph->nsuper; j++) {
        double fj[3], g[3];
        for (int b = 0; b < 3; b++)
          fj[b] = f[3 * j + b] - (ph->have_residual ? ph->residual[3 * j + b] : 0);
        rotate_vec(c, fj, g);
        double *phi = fc_block(ph, a, map[j]);
        for (int al = 0; al < 3; al++)
          for (int be = 0; be < 3; be++) phi[3 * al + be] -= p[al * nrows + q] * g[be];
      }
      q++;
    }
  }
  free(u), free(p);
  return st;
}

/* Φ(b, g̃ j) = C Φ(a, j) Cᵀ for an operation g taking a to b. */
static void copy_orbit(nacre_phonon *ph, int a, int b, int *map) {
  int k = 0;
  while (ph->perm[k * ph->n + a] != b) k++;
  const double(*c)[3] = ph->cart[k];
  for (int j = 0; j < ph->nsuper; j++) map[j] = phonon_map_atom(ph, k, a, j);
  for (int j = 0; j < ph->nsuper; j++) {
    const double *x = fc_block(ph, a, j);
    double *y = fc_block(ph, b, map[j]), t[3][3];
    for (int al = 0; al < 3; al++)
      for (int be = 0; be < 3; be++)
        t[al][be] = c[al][0] * x[be] + c[al][1] * x[3 + be] + c[al][2] * x[6 + be];
    for (int al = 0; al < 3; al++)
      for (int be = 0; be < 3; be++)
        y[3 * al + be] = t[al][0] * c[be][0] + t[al][1] * c[be][1] + t[al][2] * c[be][2];
  }
}

/* Largest |Σ_j Φ_αβ(i, j)|; with `subtract` the mean drift is removed from
 * every block of the row. */
static double sum_rule(nacre_phonon *ph, int subtract) {
  double worst = 0;
  for (int i = 0; i < ph->n; i++) {
    double d[9] = {0};
    for (int j = 0; j < ph->nsuper; j++) {
      const double *phi = fc_block(ph, i, j);
      for (int x = 0; x < 9; x++) d[x] += phi[x];
    }
    for (int x = 0; x < 9; x++) worst = fmax(worst, fabs(d[x]));
    if (!subtract) continue;
    for (int j = 0; j < ph->nsuper; j++) {
      double *phi = fc_block(ph, i, j);
      for (int x = 0; x < 9; x++) phi[x] -= d[x] / ph->nsuper;
    }
  }
  return worst;
}

/* Φ(i, (p, T)) and Φ(p, (i, −T))ᵀ are the same pair: both become their
 * mean. */
static void exchange_symmetrize(nacre_phonon *ph, const int *neg) {
  for (int i = 0; i < ph->n; i++)
    for (int p = i; p < ph->n; p++)
      for (int t = 0; t < ph->ncells; t++) {
        int tn = neg[t];
        if (p == i && tn < t) continue;
        double *x = fc_block(ph, i, p * ph->ncells + t);
        double *y = fc_block(ph, p, i * ph->ncells + tn);
        double m[9];
        for (int a = 0; a < 3; a++)
          for (int b = 0; b < 3; b++) m[3 * a + b] = 0.5 * (x[3 * a + b] + y[3 * b + a]);
        for (int a = 0; a < 3; a++)
          for (int b = 0; b < 3; b++) x[3 * a + b] = m[3 * a + b], y[3 * b + a] = m[3 * a + b];
      }
}

static nacre_status impose_sum_rule(nacre_phonon *ph, nacre_error *err) {
  int *neg = malloc((size_t)ph->ncells * sizeof *neg);
  if (!neg) return nacre_error_set(err, NACRE_ERR_NOMEM, "phonon sum rule");
  for (int t = 0; t < ph->ncells; t++) {
    int m[3] = {-ph->cells[t][0], -ph->cells[t][1], -ph->cells[t][2]};
    neg[t] = phonon_cell_of(ph, m);
  }
  ph->sum_rule_violation = sum_rule(ph, 0);
  double scale = 0;
  for (int i = 0; i < ph->n; i++) {
    const double *self = fc_block(ph, i, i * ph->ncells);
    scale = fmax(scale, fabs(self[0]) + fabs(self[4]) + fabs(self[8]));
  }
  for (int it = 0; it < 200; it++) {
    exchange_symmetrize(ph, neg);
    if (sum_rule(ph, 1) <= 1e-14 * scale) break;
  }
  exchange_symmetrize(ph, neg);
  /* the remaining drift (rounding) goes into the self terms */
  for (int i = 0; i < ph->n; i++) {
    double d[9] = {0};
    for (int j = 0; j < ph->nsuper; j++) {
      const double *phi = fc_block(ph, i, j);
      for (int x = 0; x < 9; x++) d[x] += phi[x];
    }
    double *self = fc_block(ph, i, i * ph->ncells);
    for (int x = 0; x < 9; x++) self[x] -= d[x];
  }
  free(neg);
  return NACRE_OK;
}

nacre_status nacre_phonon_produce_force_constants(nacre_phonon *ph, nacre_error *err) {
  for (int k = 0; k < ph->ndisp; k++)
    if (!ph->have_forces[k])
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "phonon: forces of displacement %d of %d are "
                             "missing",
                             k + 1, ph->ndisp);
  size_t nfc = (size_t)ph->n * ph->nsuper * 9;
  if (!ph->fc && !(ph->fc = malloc(nfc * sizeof *ph->fc)))
    return nacre_error_set(err, NACRE_ERR_NOMEM, "force constants of %d × %d atoms", ph->n,
                           ph->nsuper);
  memset(ph->fc, 0, nfc * sizeof *ph->fc);
  int *site = malloc((size_t)ph->nops * sizeof *site);
  int *map = malloc((size_t)ph->nsuper * sizeof *map);
  nacre_status st =
      site && map ? NACRE_OK : nacre_error_set(err, NACRE_ERR_NOMEM, "phonon force constants");
  for (int a = 0; !st && a < ph->n; a++)
    if (ph->orbit[a] == a) st = solve_atom(ph, a, site, map, err);
  for (int b = 0; !st && b < ph->n; b++)
    if (ph->orbit[b] != b) copy_orbit(ph, ph->orbit[b], b, map);
  if (!st) st = impose_sum_rule(ph, err);
  free(site), free(map);
  return st;
}

/* ---- phonopy's FORCE_CONSTANTS text file ---- */

nacre_status nacre_phonon_write_force_constants(const nacre_phonon *ph, const char *path,
                                                nacre_error *err) {
  if (!ph->fc)
    return nacre_error_set(err, NACRE_ERR_INVALID, "no force constants to write to %s", path);
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f) return nacre_error_set(err, NACRE_ERR_IO, "cannot write %s", tmp);
  fprintf(f, "%4d %4d\n", ph->n, ph->nsuper);
  for (int i = 0; i < ph->n; i++)
    for (int j = 0; j < ph->nsuper; j++) {
      const double *phi = fc_block(ph, i, j);
      fprintf(f, "%d %d\n", i * ph->ncells + 1, j + 1);
      for (int a = 0; a < 3; a++)
        fprintf(f, "%22.15f%22.15f%22.15f\n", phi[3 * a], phi[3 * a + 1], phi[3 * a + 2]);
    }
  int bad = ferror(f);
  if (fclose(f) || bad || rename(tmp, path)) {
    remove(tmp);
    return nacre_error_set(err, NACRE_ERR_IO, "writing %s failed", path);
  }
  return NACRE_OK;
}

typedef struct fc_reader {
  FILE *f;
  const char *path;
  long line;
  char buf[512];
} fc_reader;

/* 1 with a line, 0 at the end; a line too long for the buffer reads as
 * one that parses as nothing ("") so the caller names its line. */
static int next_line(fc_reader *r) {
  r->line++;
  int got = nacre_read_line(r->f, r->buf, sizeof r->buf);
  if (got < 0) r->buf[0] = '\0';
  return got != 0;
}

static nacre_status fc_parse_error(const fc_reader *r, nacre_error *err, const char *what) {
  return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%ld: %s", r->path, r->line, what);
}

/* One block: "si sj" then three rows; stores it when si is a unit atom. */
static nacre_status read_block(fc_reader *r, nacre_phonon *ph, int *count, nacre_error *err) {
  int si, sj;
  char extra;
  if (!next_line(r)) return fc_parse_error(r, err, "file ends before the last block");
  if (sscanf(r->buf, "%d %d %c", &si, &sj, &extra) != 2)
    return fc_parse_error(r, err, "expected two atom indices");
  if (si < 1 || si > ph->nsuper || sj < 1 || sj > ph->nsuper)
    return fc_parse_error(r, err, "atom index outside the supercell");
  double row[9];
  for (int a = 0; a < 3; a++) {
    if (!next_line(r)) return fc_parse_error(r, err, "file ends inside a block");
    if (sscanf(r->buf, "%lf %lf %lf %c", &row[3 * a], &row[3 * a + 1], &row[3 * a + 2], &extra) !=
            3 ||
        !isfinite(row[3 * a]) || !isfinite(row[3 * a + 1]) || !isfinite(row[3 * a + 2]))
      return fc_parse_error(r, err, "expected three finite numbers");
  }
  if ((si - 1) % ph->ncells) return NACRE_OK; /* a full file's other rows */
  memcpy(fc_block(ph, (si - 1) / ph->ncells, sj - 1), row, sizeof row);
  (*count)++;
  return NACRE_OK;
}

nacre_status nacre_phonon_read_force_constants(nacre_phonon *ph, const char *path,
                                               nacre_error *err) {
  fc_reader r = {fopen(path, "r"), path, 0, {0}};
  if (!r.f) return nacre_error_set(err, NACRE_ERR_IO, "cannot open %s", path);
  nacre_status st = NACRE_OK;
  int n1 = 0, n2 = 0;
  int got = next_line(&r) ? sscanf(r.buf, "%d %d", &n1, &n2) : 0;
  if (got == 1) n2 = n1;
  if (got < 1)
    st = fc_parse_error(&r, err, "expected the header \"N M\"");
  else if (n2 != ph->nsuper || (n1 != ph->n && n1 != ph->nsuper))
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "%s: force constants of %d × %d atoms do not fit "
                         "this unit cell of %d atoms and supercell of %d",
                         path, n1, n2, ph->n, ph->nsuper);
  size_t nfc = (size_t)ph->n * ph->nsuper * 9;
  if (!st && !ph->fc && !(ph->fc = calloc(nfc, sizeof *ph->fc)))
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "force constants");
  int count = 0;
  for (long b = 0; !st && b < (long)n1 * n2; b++) st = read_block(&r, ph, &count, err);
  if (!st && count != ph->n * ph->nsuper)
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "%s: %d blocks of the unit atoms' rows, expected %d "
                         "(is the supercell ordered as phonopy orders it?)",
                         path, count, ph->n * ph->nsuper);
  fclose(r.f);
  if (!st) ph->sum_rule_violation = sum_rule(ph, 0);
  return st;
}
