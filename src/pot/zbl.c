/* zbl.c — the universal screened-Coulomb repulsion of Ziegler, Biersack
 * and Littmark (The Stopping and Range of Ions in Solids, Pergamon, New
 * York, 1985, ch. 2), switched off smoothly, as a pair potential for any
 * elements. It is the short range that a network trained on compressed
 * solids lacks: two nuclei screened by their core electrons,
 *
 *   V(r) = Z_i Z_j e²/(4πε₀ r) φ(r/a),   a = 0.46850 Å / (Z_i^0.23 + Z_j^0.23),
 *   φ(x) = 0.18175 e^{−3.19980x} + 0.50986 e^{−0.94229x}
 *        + 0.28022 e^{−0.40290x} + 0.02817 e^{−0.20162x},
 *
 * multiplied by a switch S(r) that is 1 below r_inner, 0 above r_outer and
 * the quintic smoothstep 1 − 10t³ + 15t⁴ − 6t⁵ (t = (r − r_inner)/(r_outer −
 * r_inner)) in between, so energy, forces and their first derivatives are
 * continuous. With r_outer at or below the shortest distance of a data
 * set, it changes nothing a network fitted to those data predicts on
 * them. The spec is "zbl:r_inner=A,r_outer=B" (Å); the pair loop is
 * pair.h's shape with the atomic numbers of the pair. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "nacre/pot.h"
#include "peratom.h"
#include "spec.h"

typedef struct {
  double r_inner, r_outer;
} zbl_model;

/* ZBL's universal screening function and its derivative (eq. 2-74 of the
 * book; coefficients as published). */
static double zbl_phi(double x, double *dphi) {
  static const double c[4] = {0.18175, 0.50986, 0.28022, 0.02817};
  static const double d[4] = {3.19980, 0.94229, 0.40290, 0.20162};
  double phi = 0.0, dp = 0.0;
  for (int k = 0; k < 4; k++) {
    double e = c[k] * exp(-d[k] * x);
    phi += e;
    dp -= d[k] * e;
  }
  *dphi = dp;
  return phi;
}

double nacre_zbl_pair(int zi, int zj, double r, double r_inner,
                      double r_outer, double *dvdr) {
  *dvdr = 0.0;
  if (!(r < r_outer) || !(r > 0.0)) return 0.0;
  /* universal screening length, Å: 0.8854 a0 = 0.46850 Å over
   * (Z_i^0.23 + Z_j^0.23), the value of the book and of LAMMPS' zbl */
  double a = 0.46850 / (pow(zi, 0.23) + pow(zj, 0.23));
  double k = NACRE_COULOMB_EV_A * zi * zj, x = r / a, dphi;
  double phi = zbl_phi(x, &dphi);
  double v = k * phi / r, dv = k * (dphi / a / r - phi / (r * r));
  if (r <= r_inner) {
    *dvdr = dv;
    return v;
  }
  double w = r_outer - r_inner, t = (r - r_inner) / w;
  double sw = 1.0 - t * t * t * (10.0 - 15.0 * t + 6.0 * t * t);
  double dsw = -30.0 * t * t * (1.0 - t) * (1.0 - t) / w;
  *dvdr = dv * sw + v * dsw;
  return v * sw;
}

/* Atom i's half of its pairs (pair.h's gather with the pair's numbers). */
static void zbl_gather(const zbl_model *m, const nacre_structure *s,
                       const nacre_neighbor_list *nl, int i, unsigned want,
                       pot_peratom *w, nacre_result *r) {
  double ei = 0.0, fi[3] = {0, 0, 0}, wi[6] = {0, 0, 0, 0, 0, 0};
  const double rc2 = m->r_outer * m->r_outer;
  for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
    double d[3];
    nacre_nl_vector(nl, s, i, e, d);
    double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    if (!(r2 < rc2) || !(r2 > 0.0)) continue;
    double rr = sqrt(r2), dvdr;
    ei += 0.5 * nacre_zbl_pair(s->numbers[i], s->numbers[nl->j[e]], rr,
                               m->r_inner, m->r_outer, &dvdr);
    double g = dvdr / rr;
    for (int k = 0; k < 3; k++) fi[k] += g * d[k];
    pot_virial_add_half(wi, g, d);
  }
  w->energy[i] = ei;
  for (int k = 0; k < 6; k++) w->virial[6 * (size_t)i + k] = wi[k];
  if (want & NACRE_WANT_FORCES)
    for (int k = 0; k < 3; k++) r->forces[3 * (size_t)i + k] = fi[k];
}

static nacre_status zbl_compute(const void *model, const nacre_structure *s,
                                const nacre_neighbor_list *nl, unsigned want,
                                nacre_result *r, void *workspace,
                                nacre_error *err) {
  const zbl_model *m = model;
  pot_peratom *w = workspace;
  nacre_status st = nacre_pot_peratom_reserve(w, s->natoms, "zbl", err);
  if (st) return st;
#pragma omp parallel for schedule(static)
  for (int i = 0; i < s->natoms; i++) zbl_gather(m, s, nl, i, want, w, r);
  nacre_pot_peratom_finish(w, s, want, r);
  return NACRE_OK;
}

static void zbl_describe(const void *model, char *buf, size_t buflen) {
  const zbl_model *m = model;
  snprintf(buf, buflen,
           "ZBL screened-Coulomb repulsion, switched off between %g and %g Å",
           m->r_inner, m->r_outer);
}

static const nacre_potential_ops zbl_ops = {
    .kind = "zbl",
    .compute = zbl_compute,
    .workspace_new = nacre_pot_peratom_new,
    .workspace_free = nacre_pot_peratom_free,
    .model_free = free,
    .describe = zbl_describe,
};

nacre_status nacre_zbl_new(double r_inner, double r_outer,
                           nacre_potential **out, nacre_error *err) {
  *out = NULL;
  if (!(r_inner > 0.0) || !(r_outer > r_inner) || !isfinite(r_outer))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "zbl: need 0 < r_inner < r_outer (got r_inner=%g, "
                           "r_outer=%g Å)",
                           r_inner, r_outer);
  zbl_model *m = calloc(1, sizeof *m);
  if (!m) return nacre_error_set(err, NACRE_ERR_NOMEM, "zbl");
  m->r_inner = r_inner;
  m->r_outer = r_outer;
  *out = nacre_potential_wrap(&zbl_ops, m, r_outer, NULL, 0, err);
  return *out ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
}

/* zbl:r_inner=A,r_outer=B */
nacre_status pot_load_zbl_spec(const char *spec, nacre_potential **out,
                               nacre_error *err) {
  pot_spec sp;
  double rin, rout;
  nacre_status st = nacre_pot_spec_parse(spec, &sp, err);
  if (!st) st = nacre_pot_spec_require(&sp, "r_inner", &rin, err);
  if (!st) st = nacre_pot_spec_require(&sp, "r_outer", &rout, err);
  if (!st) st = nacre_pot_spec_check_unused(&sp, err);
  if (st) return st;
  return nacre_zbl_new(rin, rout, out, err);
}
