/* fe_symcheck.c — whether the mean positions of a crystal's run keep the
 * input's symmetry. The input's own space-group operations are found once,
 * on the exact input (spglib through sym/); each operation then maps the
 * mean positions onto themselves, and the mapping error is compared with
 * what the statistical noise of the means allows. No symmetry search is
 * ever run on noisy positions: spglib read those of a healthy 256-atom
 * Lennard-Jones crystal near melting as P1 at any tolerance up to 0.6 Å. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fe_internal.h"
#include "nacre/sym.h"

/* x' = W x + t on fractional columns: W' = M W M⁻¹, t' = M t with M =
 * S⁻ᵀ, where the simulated cell's rows are S times the unit's (a
 * fractional column of the unit is Sᵀ times the supercell's). */
static void to_supercell(const double m[3][3], const double minv[3][3],
                         const int w[3][3], const double t[3], double wo[3][3],
                         double to[3]) {
  double wd[3][3], tmp[3][3];
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) wd[a][b] = w[a][b];
  nacre_mat3_mul(m, wd, tmp);
  nacre_mat3_mul(tmp, minv, wo);
  for (int a = 0; a < 3; a++) to[a] = m[a][0] * t[0] + m[a][1] * t[1] + m[a][2] * t[2];
}

nacre_status fe_symops_prepare(fe_phase *ph, double symprec, nacre_error *err) {
  nacre_symmetry *sym = NULL;
  nacre_error e;
  ph->nsymops = 0;
  /* an input spglib cannot analyse keeps only its translations */
  int nops = nacre_symmetry_analyze_flags(ph->unit, symprec,
                                          NACRE_SYM_SPGLIB_ORIGIN | NACRE_SYM_NO_PERMS, &sym, &e)
                 ? 1
                 : sym->nops;
  ph->space_group = sym ? sym->sg_number : 0;
  ph->symops_rot = malloc((size_t)(nops + 3) * sizeof *ph->symops_rot);
  ph->symops_trans = malloc((size_t)(nops + 3) * sizeof *ph->symops_trans);
  if (!ph->symops_rot || !ph->symops_trans) {
    nacre_symmetry_free(sym);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "symmetry operations");
  }
  double s[3][3], st[3][3], m[3][3], minv[3][3];
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) s[a][b] = ph->supercell[a][b];
  nacre_mat3_transpose(s, st);
  if (nacre_mat3_inverse(st, m) || nacre_mat3_inverse(m, minv)) {
    nacre_symmetry_free(sym);
    return nacre_error_set(err, NACRE_ERR_INVALID, "%s: singular supercell matrix", ph->name);
  }
  static const int identity[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  static const double zero[3] = {0, 0, 0};
  for (int k = 0; k < nops; k++)
    to_supercell(m, minv, sym ? (const int(*)[3])sym->rot[k] : identity,
                 sym ? sym->trans[k] : zero, ph->symops_rot[k], ph->symops_trans[k]);
  /* the unit's lattice translations, which a supercell does not have */
  for (int k = 0; k < 3; k++) {
    double e_k[3] = {k == 0, k == 1, k == 2};
    to_supercell(m, minv, identity, e_k, ph->symops_rot[nops + k], ph->symops_trans[nops + k]);
  }
  ph->nsymops = nops + 3;
  nacre_symmetry_free(sym);
  return NACRE_OK;
}

void fe_symops_free(fe_phase *ph) {
  free(ph->symops_rot);
  free(ph->symops_trans);
  ph->symops_rot = NULL;
  ph->symops_trans = NULL;
  ph->nsymops = 0;
}

/* Cartesian vector of a fractional difference, wrapped to the nearest
 * image (a reduced cell's h keeps the nearest image among the rounded
 * ones for the small differences judged here). */
static double wrapped_norm2(const double h[3][3], const double d[3]) {
  double f[3], r[3];
  for (int c = 0; c < 3; c++) f[c] = d[c] - round(d[c]);
  nacre_cell_frac_to_cart(h, f, r);
  return r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
}

/* For one operation: Σ|e_i|², Σ v_i and the largest |e_i|/√v_i (and its
 * |e_i|) over atoms, e_i the distance from the image of atom i to the
 * nearest mean position of its species, v_i the variance |e_i|² has from
 * noise alone. map[i] gets that nearest atom and image[3i..] the lattice
 * vector of the nearest image. */
typedef struct op_sums {
  double e2, v, worst_ratio, worst_e, worst_v;
} op_sums;

static void op_deviation(const fe_symcheck_input *in, const double w[3][3], const double t[3],
                         double trace, double stop2, op_sums *out, int *map, double *image) {
  memset(out, 0, sizeof *out);
  int n = in->natoms;
  for (int i = 0; i < n; i++) {
    const double *g = &in->frac[3 * (size_t)i];
    double y[3];
    for (int a = 0; a < 3; a++) y[a] = w[a][0] * g[0] + w[a][1] * g[1] + w[a][2] * g[2] + t[a];
    double best = INFINITY;
    int jbest = -1;
    for (int jj = 0; jj < n; jj++) {
      int j = (i + jj) % n; /* the atom itself first: most operations fix many */
      if (in->species[j] != in->species[i]) continue;
      const double *gj = &in->frac[3 * (size_t)j];
      double d[3] = {y[0] - gj[0], y[1] - gj[1], y[2] - gj[2]};
      double r2 = wrapped_norm2(in->h, d);
      if (r2 < best) {
        best = r2;
        jbest = j;
        if (r2 < stop2) break; /* nothing else can be nearer */
      }
    }
    map[i] = jbest;
    for (int a = 0; a < 3; a++) {
      const double *gj = &in->frac[3 * (size_t)jbest];
      image[3 * (size_t)i + a] = round(y[a] - gj[a]);
    }
    /* two independent means differ with variance 2σ² per coordinate; an
     * atom mapped onto itself carries (W − I) of one noise vector, of
     * variance σ² tr((W − I)ᵀ(W − I)) = σ² (6 − 2 tr W) for orthogonal W */
    double s2 = in->sigma2[in->species[i]];
    double v = s2 * (jbest == i ? 6.0 - 2.0 * trace : 6.0);
    out->e2 += best;
    out->v += v;
    double ratio = v > 0 ? sqrt(best / v) : (best > 0 ? INFINITY : 0.0);
    if (ratio > out->worst_ratio) {
      out->worst_ratio = ratio;
      out->worst_e = sqrt(best);
      out->worst_v = v;
    }
  }
}

/* The mapping error of one operation (atoms and images fixed by the whole
 * run's means) on the means of block b, Cartesian, into e (3N). */
static void block_error(const fe_symcheck_input *in, int b, const double w[3][3],
                        const double t[3], const int *map, const double *image, double *e) {
  const double *g0 = &in->block_frac[(size_t)b * 3 * (size_t)in->natoms];
  for (int i = 0; i < in->natoms; i++) {
    const double *g = &g0[3 * (size_t)i], *gj = &g0[3 * (size_t)map[i]];
    double d[3];
    for (int a = 0; a < 3; a++)
      d[a] = w[a][0] * g[0] + w[a][1] * g[1] + w[a][2] * g[2] + t[a] - gj[a] -
             image[3 * (size_t)i + a];
    nacre_cell_frac_to_cart(in->h, d, &e[3 * (size_t)i]);
  }
}

/* The noise of Σ|e_i|² of one operation, measured on the blocks: the
 * variance of the whole run's error vector by blocking (the blocks, then
 * pairs of them, and so on down to halves; the largest of these, as the
 * blocking plateau is reached from below), and the effective number of
 * independent directions of that noise, (tr C)²/tr C² of the covariance C
 * of the blocks' errors. Returns 0 (no memory, too few blocks) or the
 * variance. */
static double op_block_noise(const fe_symcheck_input *in, const double w[3][3],
                             const double t[3], const int *map, const double *image,
                             double *dims) {
  int nb = in->nblocks;
  size_t n3 = 3 * (size_t)in->natoms;
  *dims = 0.0;
  if (nb < 4) return 0.0;
  double *e = malloc((size_t)nb * n3 * sizeof *e), *wt = malloc((size_t)nb * sizeof *wt);
  double *mean = calloc(n3, sizeof *mean);
  if (!e || !wt || !mean) {
    free(e);
    free(wt);
    free(mean);
    return 0.0;
  }
  for (int b = 0; b < nb; b++) {
    block_error(in, b, w, t, map, image, &e[(size_t)b * n3]);
    wt[b] = in->block_weight[b];
    for (size_t k = 0; k < n3; k++) mean[k] += wt[b] * e[(size_t)b * n3 + k];
  }
  for (int b = 0; b < nb; b++)
    for (size_t k = 0; k < n3; k++) e[(size_t)b * n3 + k] -= mean[k];
  /* tr C and tr C² from the Gram matrix of the weighted deviations */
  double tr = 0.0, tr2 = 0.0;
  for (int a = 0; a < nb; a++)
    for (int b = 0; b < nb; b++) {
      double g = 0.0;
      for (size_t k = 0; k < n3; k++) g += e[(size_t)a * n3 + k] * e[(size_t)b * n3 + k];
      g *= sqrt(wt[a] * wt[b]);
      if (a == b) tr += g;
      tr2 += g * g;
    }
  *dims = tr2 > 0 ? tr * tr / tr2 : 0.0;
  double var = 0.0;
  for (int m = nb; m >= 2; m /= 2) {
    if (m < nb) /* merge neighbours in place */
      for (int j = 0; j < m; j++) {
        double w0 = wt[2 * j], w1 = wt[2 * j + 1];
        for (size_t k = 0; k < n3; k++)
          e[(size_t)j * n3 + k] = w0 + w1 > 0 ? (w0 * e[(size_t)(2 * j) * n3 + k] +
                                                 w1 * e[(size_t)(2 * j + 1) * n3 + k]) / (w0 + w1)
                                              : 0.0;
        wt[j] = w0 + w1;
      }
    /* var(ē) = Σ_j w_j |e_j − ē|² / (m − 1) for blocks of equal weight */
    double s = 0.0;
    for (int j = 0; j < m; j++)
      for (size_t k = 0; k < n3; k++) s += wt[j] * e[(size_t)j * n3 + k] * e[(size_t)j * n3 + k];
    var = fmax(var, s / (m - 1));
    if (m % 2) break;
  }
  free(e);
  free(wt);
  free(mean);
  return var;
}

double fe_sym_rms_factor(int natoms) {
  return 1.25 + 2.5 / sqrt(natoms > 0 ? natoms : 1);
}

void fe_symmetry_check(const fe_phase *ph, const fe_symcheck_input *in,
                       fe_symcheck_result *out) {
  memset(out, 0, sizeof *out);
  int n = in->natoms;
  double stop = 0.4 * in->nn_distance_a;
  out->worst_op = -1;
  out->kept = 1;
  int beyond_thermal = 0;
  int *map = malloc((size_t)n * sizeof *map);
  double *image = malloc(3 * (size_t)n * sizeof *image);
  if (!map || !image) {
    free(map);
    free(image);
    out->deviation_a = out->bound_a = NAN;
    return;
  }
  for (int k = 0; k < ph->nsymops; k++) {
    const double(*w)[3] = (const double(*)[3])ph->symops_rot[k];
    double trace = w[0][0] + w[1][1] + w[2][2];
    op_sums os;
    op_deviation(in, w, ph->symops_trans[k], trace, stop * stop, &os, map, image);
    double dims = 3.0 * n;
    double blocked = op_block_noise(in, w, ph->symops_trans[k], map, image, &dims);
    double ratio = os.v > 0 && blocked > os.v ? blocked / os.v : 1.0;
    double rms = sqrt(os.e2 / n), expected = sqrt(os.v * ratio / n);
    double bound = in->symprec_a + fe_sym_rms_factor(n) * expected;
    double atom_bound = in->symprec_a + FE_SYM_ATOM_FACTOR * sqrt(os.worst_v * ratio);
    int bad = !(rms <= bound) || !(os.worst_e <= atom_bound);
    /* the operation furthest beyond its bounds speaks for the check */
    double excess = fmax(rms / bound, os.worst_e / atom_bound);
    if (k == 0 || excess > out->excess) {
      out->excess = excess;
      out->worst_op = k;
      out->deviation_a = rms;
      out->bound_a = bound;
      out->atom_deviation_a = os.worst_e;
      out->atom_bound_a = atom_bound;
      out->noise_ratio = ratio;
      out->dims = dims;
    }
    if (bad) {
      out->kept = 0;
      if (!(in->thermal_a > 0) || !(rms <= in->symprec_a + in->thermal_a) ||
          !(os.worst_e <= in->symprec_a + FE_SYM_THERMAL_ATOM_FACTOR * in->thermal_a))
        beyond_thermal = 1;
    }
  }
  out->inconclusive = !out->kept && !beyond_thermal;
  free(map);
  free(image);
}
