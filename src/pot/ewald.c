/* ewald.c — the Coulomb energy of point charges in a periodic cell by Ewald
 * summation, as a library call (energy terms, forces, stress, per-site
 * potentials, Madelung constants) and as a nacre potential ("ewald:").
 *
 * With the splitting parameter α (1/Å) and k = e²/(4πε0):
 *   E_real  = ½ k Σ_i Σ_j Σ_n' q_i q_j erfc(α r_ijn) / r_ijn
 *   E_recip = (2π k / V) Σ_{G≠0} exp(−G²/4α²) / G² |S(G)|²,
 *             S(G) = Σ_j q_j exp(i G·r_j)
 *   E_self  = −k α/√π Σ_i q_i²
 *   E_charged = −k π Q² / (2 V α²)   (neutralising background, Q = Σ q_i)
 * (Ewald, Ann. Phys. 369, 253 (1921); the charged-cell term as in Hub, de
 * Groot & van der Spoel, JCTC 10, 381 (2014), eq. 4.) The real sum runs
 * over r < r_c = p/α, the reciprocal one over |G| < G_c = 2pα with
 * p = √(−ln ε): the first neglected terms are of relative size ~ε in both.
 * The reciprocal sum runs over half of G space (G and −G give equal
 * terms); the phases exp(i G·r_j) are products of per-atom powers of
 * exp(2πi f_j), so no trigonometric call per (G, atom).
 *
 * Derivatives. Forces F = −∂E/∂r; stress σ = (1/V) ∂E/∂ε (ASE sign); the
 * site potential φ_i = ∂E/∂q_i / k (so E = ½ k Σ q_i φ_i + the background
 * share), reported in volts (eV/e). For the reciprocal term under a strain
 * ε, V → V(1 + tr ε) and G → (1 − ε)G, so
 *   ∂E_G/∂ε_ab = E_G [−δ_ab + 2 G_a G_b (1/G² + 1/(4α²))].
 * Sums are gathered per G and per atom in a fixed order, so the results do
 * not depend on the number of OpenMP threads. */
#include "nacre/pot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peratom.h"
#include "spec.h"

#define TWO_PI (2.0 * NACRE_PI)

void nacre_ewald_options_init(nacre_ewald_options *o) {
  memset(o, 0, sizeof *o);
  o->accuracy = 1e-12;
}

/* p = √(−ln ε) of an accuracy ε in (0, 1). */
static double accuracy_factor(double accuracy) { return sqrt(-log(accuracy)); }

/* The α that balances real- and reciprocal-space work for N atoms in volume
 * V: the real sum costs ~N² (4π/3) r_c³ / V pair terms, the reciprocal one
 * ~N (4π/3) G_c³ V / (2π)³ atom-vector terms; with r_c = p/α and G_c = 2pα
 * they are equal at α = √π (N/V²)^(1/6). */
double nacre_ewald_balanced_alpha(int natoms, double volume) {
  return sqrt(NACRE_PI) * pow((double)natoms / (volume * volume), 1.0 / 6.0);
}

/* ------------------------------------------------------------------ */
/* Real space                                                           */
/* ------------------------------------------------------------------ */

/* Per-atom work of the real-space sum (charges in e, k = 1): φ_i (its real
 * part), ½ q_i φ_i, the force on i and i's half of the virial. */
typedef struct {
  double *energy; /* natoms */
  double *phi;    /* natoms */
  double *virial; /* 6 natoms */
  double *forces; /* 3 natoms */
} real_work;

static void real_atom(const nacre_structure *s, const double *q,
                      const nacre_neighbor_list *nl, double alpha, double rc,
                      int i, real_work *w) {
  const double two_over_sqrtpi = 2.0 / sqrt(NACRE_PI);
  double phi = 0.0, fi[3] = {0, 0, 0}, vi[6] = {0, 0, 0, 0, 0, 0};
  for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
    double d[3];
    nacre_nl_vector(nl, s, i, e, d);
    double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    if (r2 >= rc * rc) continue;
    double r = sqrt(r2), qj = q[nl->j[e]];
    double erfc_ar = erfc(alpha * r);
    phi += qj * erfc_ar / r;
    /* (dψ/dr)/r for ψ = q_i q_j erfc(αr)/r */
    double g = -q[i] * qj *
               (erfc_ar / r + two_over_sqrtpi * alpha * exp(-alpha * alpha * r2)) /
               r2;
    for (int k = 0; k < 3; k++) fi[k] += g * d[k];
    pot_virial_add_half(vi, g, d);
  }
  w->phi[i] = phi;
  w->energy[i] = 0.5 * q[i] * phi;
  for (int k = 0; k < 6; k++) w->virial[6 * (size_t)i + k] = vi[k];
  if (w->forces)
    for (int k = 0; k < 3; k++) w->forces[3 * (size_t)i + k] = fi[k];
}

/* ------------------------------------------------------------------ */
/* Reciprocal space                                                     */
/* ------------------------------------------------------------------ */

typedef struct {
  int hmax[3];
  long n;            /* vectors in the half space */
  int (*hkl)[3];
  double (*g)[3];    /* Cartesian G, 1/Å (with the 2π) */
  double *a;         /* 2 (2π/V) exp(−G²/4α²)/G²: both halves, k = 1 */
  double *sre, *sim; /* S(G) */
} recip_set;

static void recip_set_free(recip_set *rs) {
  free(rs->hkl);
  free(rs->g);
  free(rs->a);
  free(rs->sre);
  free(rs->sim);
  memset(rs, 0, sizeof *rs);
}

static nacre_status recip_set_build(const double cell[3][3], double alpha,
                                    double gcut, recip_set *rs,
                                    nacre_error *err) {
  memset(rs, 0, sizeof *rs);
  double b[3][3];
  nacre_status st = nacre_cell_reciprocal(cell, b);
  if (st)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "ewald: degenerate cell (volume %g Å^3)",
                           nacre_cell_volume(cell));
  double vol = fabs(nacre_cell_volume(cell));
  for (int k = 0; k < 3; k++) {
    double len = sqrt(cell[k][0] * cell[k][0] + cell[k][1] * cell[k][1] +
                      cell[k][2] * cell[k][2]);
    rs->hmax[k] = (int)floor(gcut * len / TWO_PI) + 1;
  }
  long cap = 64;
  rs->hkl = malloc(cap * sizeof *rs->hkl);
  rs->g = malloc(cap * sizeof *rs->g);
  rs->a = malloc(cap * sizeof *rs->a);
  if (!rs->hkl || !rs->g || !rs->a) goto nomem;
  double g2cut = gcut * gcut;
  for (int h = 0; h <= rs->hmax[0]; h++)
    for (int k = -rs->hmax[1]; k <= rs->hmax[1]; k++)
      for (int l = -rs->hmax[2]; l <= rs->hmax[2]; l++) {
        if (h == 0 && (k < 0 || (k == 0 && l <= 0))) continue;
        double g[3];
        for (int c = 0; c < 3; c++)
          g[c] = TWO_PI * (h * b[0][c] + k * b[1][c] + l * b[2][c]);
        double g2 = g[0] * g[0] + g[1] * g[1] + g[2] * g[2];
        if (g2 >= g2cut) continue;
        if (rs->n == cap) {
          cap *= 2;
          if (nacre_pot_grow(&rs->hkl, cap, sizeof *rs->hkl) ||
              nacre_pot_grow(&rs->g, cap, sizeof *rs->g) ||
              nacre_pot_grow(&rs->a, cap, sizeof *rs->a))
            goto nomem;
        }
        rs->hkl[rs->n][0] = h;
        rs->hkl[rs->n][1] = k;
        rs->hkl[rs->n][2] = l;
        memcpy(rs->g[rs->n], g, sizeof g);
        rs->a[rs->n] = 2.0 * TWO_PI / vol * exp(-g2 / (4.0 * alpha * alpha)) / g2;
        rs->n++;
      }
  rs->sre = calloc(rs->n ? rs->n : 1, sizeof(double));
  rs->sim = calloc(rs->n ? rs->n : 1, sizeof(double));
  if (!rs->sre || !rs->sim) goto nomem;
  return NACRE_OK;
nomem:
  recip_set_free(rs);
  return nacre_error_set(err, NACRE_ERR_NOMEM, "ewald: reciprocal vectors");
}

/* exp(2πi m f) for m = −hmax..hmax of each of the three fractional
 * coordinates of one atom: tab[c][m + hmax[c]] as (re, im) pairs. */
typedef struct {
  double *re[3], *im[3];
} phase_table;

static void phase_fill(const int hmax[3], const double f[3], phase_table *t) {
  for (int c = 0; c < 3; c++) {
    int m0 = hmax[c];
    double cr = cos(TWO_PI * f[c]), ci = sin(TWO_PI * f[c]);
    t->re[c][m0] = 1.0;
    t->im[c][m0] = 0.0;
    /* powers by recurrence, refreshed from cos/sin every 16 steps so the
     * rounding error stays at the 1e-15 level for long rows */
    for (int m = 1; m <= hmax[c]; m++) {
      double pr, pi;
      if (m % 16 == 0) {
        pr = cos(TWO_PI * m * f[c]);
        pi = sin(TWO_PI * m * f[c]);
      } else {
        double r0 = t->re[c][m0 + m - 1], i0 = t->im[c][m0 + m - 1];
        pr = r0 * cr - i0 * ci;
        pi = r0 * ci + i0 * cr;
      }
      t->re[c][m0 + m] = pr;
      t->im[c][m0 + m] = pi;
      t->re[c][m0 - m] = pr;
      t->im[c][m0 - m] = -pi;
    }
  }
}

/* exp(i G·r) of vector hkl from an atom's table. */
static inline void phase_at(const phase_table *t, const int hmax[3],
                            const int hkl[3], double *re, double *im) {
  double ar = t->re[0][hkl[0] + hmax[0]], ai = t->im[0][hkl[0] + hmax[0]];
  double br = t->re[1][hkl[1] + hmax[1]], bi = t->im[1][hkl[1] + hmax[1]];
  double cr = t->re[2][hkl[2] + hmax[2]], ci = t->im[2][hkl[2] + hmax[2]];
  double xr = ar * br - ai * bi, xi = ar * bi + ai * br;
  *re = xr * cr - xi * ci;
  *im = xr * ci + xi * cr;
}

/* Tables of every atom, one block: atom j's rows start at j·stride. */
typedef struct {
  int natoms, stride;
  double *data;
} phase_tables;

static nacre_status phase_tables_new(const nacre_structure *s,
                                     const recip_set *rs, phase_tables *pt,
                                     nacre_error *err) {
  pt->natoms = s->natoms;
  pt->stride = 2 * (2 * rs->hmax[0] + 1 + 2 * rs->hmax[1] + 1 +
                    2 * rs->hmax[2] + 1);
  pt->data = malloc((size_t)pt->stride * (s->natoms ? s->natoms : 1) *
                    sizeof(double));
  if (!pt->data)
    return nacre_error_set(err, NACRE_ERR_NOMEM,
                           "ewald: phase tables for %d atoms", s->natoms);
  double b[3][3];
  nacre_cell_reciprocal(s->cell, b);
#pragma omp parallel for schedule(static)
  for (int j = 0; j < s->natoms; j++) {
    double f[3];
    nacre_cell_cart_to_frac(b, &s->positions[3 * (size_t)j], f);
    phase_table t;
    double *p = pt->data + (size_t)pt->stride * j;
    for (int c = 0; c < 3; c++) {
      int len = 2 * rs->hmax[c] + 1;
      t.re[c] = p;
      t.im[c] = p + len;
      p += 2 * len;
    }
    phase_fill(rs->hmax, f, &t);
  }
  return NACRE_OK;
}

static void phase_tables_get(const phase_tables *pt, const recip_set *rs,
                             int j, phase_table *t) {
  double *p = pt->data + (size_t)pt->stride * j;
  for (int c = 0; c < 3; c++) {
    int len = 2 * rs->hmax[c] + 1;
    t->re[c] = p;
    t->im[c] = p + len;
    p += 2 * len;
  }
}

/* S(G) for every vector, then E_recip (k = 1) and its strain derivative. */
static double recip_energy(const nacre_structure *s, const double *q,
                           recip_set *rs, const phase_tables *pt, double alpha,
                           double virial[6]) {
#pragma omp parallel for schedule(static)
  for (long v = 0; v < rs->n; v++) {
    double sr = 0.0, si = 0.0;
    for (int j = 0; j < s->natoms; j++) {
      phase_table t;
      phase_tables_get(pt, rs, j, &t);
      double cr, ci;
      phase_at(&t, rs->hmax, rs->hkl[v], &cr, &ci);
      sr += q[j] * cr;
      si += q[j] * ci;
    }
    rs->sre[v] = sr;
    rs->sim[v] = si;
  }
  double e = 0.0;
  for (int k = 0; k < 6; k++) virial[k] = 0.0;
  static const int va[6] = {0, 1, 2, 1, 0, 0}, vb[6] = {0, 1, 2, 2, 2, 1};
  for (long v = 0; v < rs->n; v++) {
    const double *g = rs->g[v];
    double eg = rs->a[v] * (rs->sre[v] * rs->sre[v] + rs->sim[v] * rs->sim[v]);
    double g2 = g[0] * g[0] + g[1] * g[1] + g[2] * g[2];
    double c = 2.0 * (1.0 / g2 + 1.0 / (4.0 * alpha * alpha));
    e += eg;
    for (int k = 0; k < 6; k++)
      virial[k] += eg * ((k < 3 ? -1.0 : 0.0) + c * g[va[k]] * g[vb[k]]);
  }
  return e;
}

/* Per atom j, over the half space (E = Σ_G a_G |S|², a_G covering G and
 * −G; k = 1): φ_j^recip = ∂E/∂q_j = 2 Σ_G a_G Re(S* e^{iG·r_j}) and
 * F_j = −∂E/∂r_j = 2 q_j Σ_G a_G G Im(S* e^{iG·r_j}). */
static void recip_atoms(const nacre_structure *s, const double *q,
                        const recip_set *rs, const phase_tables *pt,
                        double *phi, double *forces) {
#pragma omp parallel for schedule(static)
  for (int j = 0; j < s->natoms; j++) {
    phase_table t;
    phase_tables_get(pt, rs, j, &t);
    double p = 0.0, f[3] = {0, 0, 0};
    for (long v = 0; v < rs->n; v++) {
      double cr, ci;
      phase_at(&t, rs->hmax, rs->hkl[v], &cr, &ci);
      p += rs->a[v] * (rs->sre[v] * cr + rs->sim[v] * ci);
      double im = rs->sre[v] * ci - rs->sim[v] * cr;
      for (int k = 0; k < 3; k++) f[k] += rs->a[v] * rs->g[v][k] * im;
    }
    if (phi) phi[j] = 2.0 * p;
    if (forces)
      for (int k = 0; k < 3; k++) forces[3 * (size_t)j + k] = 2.0 * q[j] * f[k];
  }
}

/* ------------------------------------------------------------------ */
/* The whole sum                                                        */
/* ------------------------------------------------------------------ */

typedef struct {
  double alpha, rc, gcut;
} ewald_params;

/* Computes everything into res (k applied), forces and per-site potentials
 * (V) when non-NULL, atom energies when non-NULL. nl must cover rc. */
static nacre_status ewald_sum(const nacre_structure *s, const double *q,
                              const nacre_neighbor_list *nl,
                              const ewald_params *p, nacre_ewald_result *res,
                              double *forces, double *site_v,
                              double *atom_energies, nacre_error *err) {
  const double kc = NACRE_COULOMB_EV_A;
  int n = s->natoms;
  size_t nn = n > 0 ? (size_t)n : 1;
  double vol = fabs(nacre_cell_volume(s->cell));
  real_work w = {0};
  recip_set rs = {0};
  phase_tables pt = {0};
  double *phi_recip = NULL, *f_recip = NULL;
  nacre_status st = NACRE_OK;
  w.energy = malloc(nn * sizeof(double));
  w.phi = malloc(nn * sizeof(double));
  w.virial = malloc(6 * nn * sizeof(double));
  w.forces = forces ? malloc(3 * nn * sizeof(double)) : NULL;
  phi_recip = malloc(nn * sizeof(double));
  f_recip = forces ? malloc(3 * nn * sizeof(double)) : NULL;
  if (!w.energy || !w.phi || !w.virial || (forces && (!w.forces || !f_recip)) ||
      !phi_recip) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "ewald: %d atoms", n);
    goto done;
  }
#pragma omp parallel for schedule(dynamic, 8)
  for (int i = 0; i < n; i++) real_atom(s, q, nl, p->alpha, p->rc, i, &w);

  if ((st = recip_set_build(s->cell, p->alpha, p->gcut, &rs, err))) goto done;
  if ((st = phase_tables_new(s, &rs, &pt, err))) goto done;
  double vir_recip[6];
  double e_recip = recip_energy(s, q, &rs, &pt, p->alpha, vir_recip);
  recip_atoms(s, q, &rs, &pt, phi_recip, f_recip);

  double qsum = 0.0, q2sum = 0.0, e_real = 0.0, vir[6] = {0, 0, 0, 0, 0, 0};
  for (int i = 0; i < n; i++) {
    qsum += q[i];
    q2sum += q[i] * q[i];
    e_real += w.energy[i];
    for (int k = 0; k < 6; k++) vir[k] += w.virial[6 * (size_t)i + k];
  }
  double self_pf = p->alpha / sqrt(NACRE_PI);
  double charged_pf = NACRE_PI / (vol * p->alpha * p->alpha);
  res->real_ev = kc * e_real;
  res->reciprocal_ev = kc * e_recip;
  res->self_ev = -kc * self_pf * q2sum;
  res->charged_ev = -0.5 * kc * charged_pf * qsum * qsum + 0.0; /* no −0 */
  res->energy_ev = res->real_ev + res->reciprocal_ev + res->self_ev + res->charged_ev;
  res->alpha = p->alpha;
  res->real_cutoff_a = p->rc;
  res->reciprocal_cutoff = p->gcut;
  res->nvectors = rs.n;
  res->total_charge = qsum;
  /* the background term scales as 1/V: ∂/∂ε_ab = −E_charged δ_ab */
  for (int k = 0; k < 6; k++)
    res->stress[k] = kc * (vir[k] + vir_recip[k]) / vol;
  for (int k = 0; k < 3; k++) res->stress[k] += -res->charged_ev / vol;
  for (int i = 0; i < n; i++) {
    double phi = w.phi[i] + phi_recip[i] - 2.0 * self_pf * q[i] - charged_pf * qsum;
    if (site_v) site_v[i] = kc * phi;
    if (atom_energies) atom_energies[i] = 0.5 * kc * q[i] * phi;
    if (forces)
      for (int k = 0; k < 3; k++)
        forces[3 * (size_t)i + k] =
            kc * (w.forces[3 * (size_t)i + k] + f_recip[3 * (size_t)i + k]);
  }
  if (!isfinite(res->energy_ev))
    st = nacre_error_set(err, NACRE_ERR_NUMERIC,
                         "ewald: non-finite energy (overlapping charges?)");
done:
  free(w.energy);
  free(w.phi);
  free(w.virial);
  free(w.forces);
  free(phi_recip);
  free(f_recip);
  free(pt.data);
  recip_set_free(&rs);
  return st;
}

static nacre_status check_structure(const nacre_structure *s, const double *q,
                                    nacre_error *err) {
  if (!s->pbc[0] || !s->pbc[1] || !s->pbc[2])
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "ewald: the cell must be periodic in all three "
                           "directions (pbc %d %d %d)",
                           s->pbc[0], s->pbc[1], s->pbc[2]);
  if (s->natoms < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID, "ewald: no atoms");
  if (!(fabs(nacre_cell_volume(s->cell)) > 1e-12))
    return nacre_error_set(err, NACRE_ERR_INVALID, "ewald: degenerate cell");
  for (int i = 0; i < s->natoms; i++)
    if (!isfinite(q[i]))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "ewald: charge of atom %d is not finite", i + 1);
  return NACRE_OK;
}

nacre_status nacre_ewald(const nacre_structure *s, const double *charges,
                         const nacre_ewald_options *o, nacre_ewald_result *res,
                         double *forces, double *site_potentials_v,
                         nacre_error *err) {
  memset(res, 0, sizeof *res);
  nacre_ewald_options defaults;
  if (!o) {
    nacre_ewald_options_init(&defaults);
    o = &defaults;
  }
  nacre_status st = check_structure(s, charges, err);
  if (st) return st;
  if (!(o->accuracy > 0.0 && o->accuracy < 1.0))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "ewald: accuracy must lie in (0, 1), got %g",
                           o->accuracy);
  double pf = accuracy_factor(o->accuracy);
  double vol = fabs(nacre_cell_volume(s->cell));
  ewald_params p;
  if (o->real_cutoff_a > 0.0 && !(o->alpha > 0.0)) {
    p.rc = o->real_cutoff_a;
    p.alpha = pf / p.rc;
  } else {
    p.alpha = o->alpha > 0.0 ? o->alpha
                             : nacre_ewald_balanced_alpha(s->natoms, vol);
    p.rc = o->real_cutoff_a > 0.0 ? o->real_cutoff_a : pf / p.alpha;
  }
  p.gcut = 2.0 * pf * p.alpha;
  nacre_neighbor_list *nl = nacre_nl_new(p.rc, 0.0, err);
  if (!nl) return err ? err->status : NACRE_ERR_NOMEM;
  st = nacre_nl_update(nl, s, NULL, err);
  if (!st)
    st = ewald_sum(s, charges, nl, &p, res, forces, site_potentials_v, NULL, err);
  nacre_nl_free(nl);
  return st;
}

/* ------------------------------------------------------------------ */
/* The interaction matrix                                               */
/* ------------------------------------------------------------------ */

/* M_ij with E = ½ Σ_ij q_i q_j M_ij for any charges: the real-space pair
 * sums, 2 Σ_G a_G cos(G·r_ij) from the reciprocal half space, −2α/√π on
 * the diagonal and −π/(Vα²) everywhere (the background term is ½ of that
 * times Q²). */
nacre_status nacre_ewald_matrix(const nacre_structure *s,
                                const nacre_ewald_options *o, double *m,
                                nacre_error *err) {
  nacre_ewald_options defaults;
  if (!o) {
    nacre_ewald_options_init(&defaults);
    o = &defaults;
  }
  int n = s->natoms;
  double *ones = malloc((size_t)(n ? n : 1) * sizeof *ones);
  if (!ones) return nacre_error_set(err, NACRE_ERR_NOMEM, "ewald matrix");
  for (int i = 0; i < n; i++) ones[i] = 1.0;
  nacre_status st = check_structure(s, ones, err);
  free(ones);
  if (st) return st;
  double pf = accuracy_factor(o->accuracy), vol = fabs(nacre_cell_volume(s->cell));
  ewald_params p;
  p.alpha = o->alpha > 0.0 ? o->alpha : nacre_ewald_balanced_alpha(n, vol);
  p.rc = o->real_cutoff_a > 0.0 ? o->real_cutoff_a : pf / p.alpha;
  p.gcut = 2.0 * pf * p.alpha;
  recip_set rs = {0};
  phase_tables pt = {0};
  nacre_neighbor_list *nl = nacre_nl_new(p.rc, 0.0, err);
  if (!nl) return err ? err->status : NACRE_ERR_NOMEM;
  st = nacre_nl_update(nl, s, NULL, err);
  if (!st) st = recip_set_build(s->cell, p.alpha, p.gcut, &rs, err);
  if (!st) st = phase_tables_new(s, &rs, &pt, err);
  if (!st) {
    const double kc = NACRE_COULOMB_EV_A;
    double diag = -2.0 * p.alpha / sqrt(NACRE_PI);
    double background = -NACRE_PI / (vol * p.alpha * p.alpha);
#pragma omp parallel for schedule(dynamic, 4)
    for (int i = 0; i < n; i++) {
      double *row = &m[(size_t)i * n];
      for (int j = 0; j < n; j++) row[j] = background + (i == j ? diag : 0.0);
      for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
        double d[3];
        nacre_nl_vector(nl, s, i, e, d);
        double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        if (r < p.rc) row[nl->j[e]] += erfc(p.alpha * r) / r;
      }
      phase_table ti, tj;
      phase_tables_get(&pt, &rs, i, &ti);
      for (int j = 0; j < n; j++) {
        phase_tables_get(&pt, &rs, j, &tj);
        double sum = 0.0;
        for (long v = 0; v < rs.n; v++) {
          double ar, ai, br, bi;
          phase_at(&ti, rs.hmax, rs.hkl[v], &ar, &ai);
          phase_at(&tj, rs.hmax, rs.hkl[v], &br, &bi);
          sum += rs.a[v] * (ar * br + ai * bi); /* Re(e^{iG·r_i} e^{−iG·r_j}) */
        }
        row[j] += 2.0 * sum;
      }
      for (int j = 0; j < n; j++) row[j] *= kc;
    }
  }
  free(pt.data);
  recip_set_free(&rs);
  nacre_nl_free(nl);
  return st;
}

/* ------------------------------------------------------------------ */
/* Madelung constants                                                   */
/* ------------------------------------------------------------------ */

static long gcd_long(long a, long b) {
  while (b) {
    long t = a % b;
    a = b;
    b = t;
  }
  return a;
}

nacre_status nacre_ewald_madelung(const nacre_structure *s,
                                  const double *charges,
                                  const nacre_ewald_options *o,
                                  nacre_madelung *out, nacre_error *err) {
  memset(out, 0, sizeof *out);
  nacre_status st = check_structure(s, charges, err);
  if (st) return st;
  /* formula units: gcd of the counts of each distinct (element, charge) */
  long fu = 0;
  for (int i = 0; i < s->natoms; i++) {
    int first = 1;
    for (int j = 0; j < i && first; j++)
      if (s->numbers[j] == s->numbers[i] && charges[j] == charges[i]) first = 0;
    if (!first) continue;
    long count = 0;
    for (int j = 0; j < s->natoms; j++)
      count += s->numbers[j] == s->numbers[i] && charges[j] == charges[i];
    fu = gcd_long(fu, count);
  }
  /* shortest distance between charges of opposite sign, any image */
  double r0 = INFINITY;
  for (int i = 0; i < s->natoms; i++)
    for (int j = 0; j < s->natoms; j++) {
      if (!(charges[i] > 0.0 && charges[j] < 0.0)) continue;
      double d[3];
      for (int k = 0; k < 3; k++)
        d[k] = s->positions[3 * j + k] - s->positions[3 * i + k];
      nacre_cell_minimum_image(s->cell, s->pbc, d);
      r0 = fmin(r0, sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]));
    }
  if (!isfinite(r0) || !(r0 > 0.0))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "ewald: a Madelung constant needs both positive and "
                           "negative charges at distinct sites");
  nacre_ewald_result res;
  st = nacre_ewald(s, charges, o, &res, NULL, NULL, err);
  if (st) return st;
  if (fabs(res.total_charge) > 1e-8)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "ewald: a Madelung constant needs a neutral cell "
                           "(total charge %g e)",
                           res.total_charge);
  out->formula_units = (int)fu;
  out->nearest_distance_a = r0;
  out->energy_per_formula_unit_ev = res.energy_ev / (double)fu;
  out->madelung_constant =
      -out->energy_per_formula_unit_ev * r0 / NACRE_COULOMB_EV_A;
  return NACRE_OK;
}

/* ------------------------------------------------------------------ */
/* Charges by element                                                   */
/* ------------------------------------------------------------------ */

nacre_status nacre_ewald_site_charges(const nacre_structure *s,
                                      const int *z, const double *q, int n,
                                      double *charges, nacre_error *err) {
  for (int i = 0; i < s->natoms; i++) {
    int k = 0;
    while (k < n && z[k] != s->numbers[i]) k++;
    if (k == n) {
      const nacre_element *e = nacre_element_by_z(s->numbers[i]);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "ewald: no charge given for %s (atom %d)",
                             e ? e->symbol : "?", i + 1);
    }
    charges[i] = q[k];
  }
  return NACRE_OK;
}

/* ------------------------------------------------------------------ */
/* The potential                                                        */
/* ------------------------------------------------------------------ */

typedef struct {
  int n;
  int z[NACRE_MAX_Z];
  double q[NACRE_MAX_Z];
  double accuracy;
  ewald_params p; /* α and cutoffs fixed at creation: E is smooth in r */
} ewald_model;

typedef struct {
  int capacity;
  double *charges;
} ewald_workspace;

static void *ewald_workspace_new(const void *model) {
  (void)model;
  return calloc(1, sizeof(ewald_workspace));
}

static void ewald_workspace_free(void *ws) {
  ewald_workspace *w = ws;
  if (!w) return;
  free(w->charges);
  free(w);
}

static nacre_status ewald_compute(const void *model, const nacre_structure *s,
                                  const nacre_neighbor_list *nl, unsigned want,
                                  nacre_result *r, void *workspace,
                                  nacre_error *err) {
  const ewald_model *m = model;
  ewald_workspace *w = workspace;
  if (s->natoms > w->capacity) {
    if (nacre_pot_grow(&w->charges, (size_t)s->natoms, sizeof(double)))
      return nacre_error_set(err, NACRE_ERR_NOMEM, "ewald: %d charges",
                             s->natoms);
    w->capacity = s->natoms;
  }
  nacre_status st = nacre_ewald_site_charges(s, m->z, m->q, m->n, w->charges, err);
  if (!st) st = check_structure(s, w->charges, err);
  if (st) return st;
  nacre_ewald_result res;
  st = ewald_sum(s, w->charges, nl, &m->p, &res,
                 (want & NACRE_WANT_FORCES) ? r->forces : NULL, NULL,
                 (want & NACRE_WANT_ATOM_ENERGIES) ? r->atom_energies : NULL,
                 err);
  if (st) return st;
  r->energy = res.energy_ev;
  if (want & NACRE_WANT_STRESS) memcpy(r->stress, res.stress, sizeof res.stress);
  return NACRE_OK;
}

static void ewald_describe(const void *model, char *buf, size_t buflen) {
  const ewald_model *m = model;
  size_t len = (size_t)snprintf(buf, buflen, "Ewald point charges");
  for (int k = 0; k < m->n && len < buflen; k++) {
    const nacre_element *e = nacre_element_by_z(m->z[k]);
    len += (size_t)snprintf(buf + len, buflen - len, "%s %s=%g",
                            k ? "," : "", e ? e->symbol : "?", m->q[k]);
  }
  if (len < buflen)
    snprintf(buf + len, buflen - len,
             "; real cutoff %g Å, alpha %.4g 1/Å, accuracy %g", m->p.rc,
             m->p.alpha, m->accuracy);
}

static const nacre_potential_ops ewald_ops = {
    .kind = "ewald",
    .compute = ewald_compute,
    .workspace_new = ewald_workspace_new,
    .workspace_free = ewald_workspace_free,
    .model_free = free,
    .describe = ewald_describe,
};

nacre_status nacre_ewald_potential_new(const int *z, const double *charges,
                                       int n, double cutoff, double accuracy,
                                       nacre_potential **out,
                                       nacre_error *err) {
  *out = NULL;
  if (n < 1 || n > NACRE_MAX_Z)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "ewald: need charges for 1..%d elements, got %d",
                           NACRE_MAX_Z, n);
  if (!(cutoff > 0.0) || !(accuracy > 0.0 && accuracy < 1.0))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "ewald: need cutoff > 0 and accuracy in (0, 1) "
                           "(got cutoff=%g, accuracy=%g)",
                           cutoff, accuracy);
  ewald_model *m = calloc(1, sizeof *m);
  if (!m) return nacre_error_set(err, NACRE_ERR_NOMEM, "ewald");
  m->n = n;
  for (int k = 0; k < n; k++) {
    if (!nacre_element_by_z(z[k]) || !isfinite(charges[k])) {
      free(m);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "ewald: bad element %d or charge %g", z[k],
                             charges[k]);
    }
    m->z[k] = z[k];
    m->q[k] = charges[k];
  }
  m->accuracy = accuracy;
  m->p.rc = cutoff;
  m->p.alpha = accuracy_factor(accuracy) / cutoff;
  m->p.gcut = 2.0 * accuracy_factor(accuracy) * m->p.alpha;
  *out = nacre_potential_wrap(&ewald_ops, m, cutoff, m->z, n, err);
  return *out ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
}

/* ewald:EL=Q,EL=Q,...[,cutoff=RC][,accuracy=EPS] */
nacre_status nacre_ewald_load_spec(const char *spec, nacre_potential **out,
                                   nacre_error *err) {
  pot_spec sp;
  nacre_status st = nacre_pot_spec_parse(spec, &sp, err);
  if (st) return st;
  double cutoff = nacre_pot_spec_get(&sp, "cutoff", 10.0, NULL);
  double accuracy = nacre_pot_spec_get(&sp, "accuracy", 1e-8, NULL);
  int z[SPEC_MAX_KEYS], n = 0;
  double q[SPEC_MAX_KEYS];
  for (int k = 0; k < sp.n; k++) {
    if (sp.used[k]) continue;
    int zk = nacre_element_z(sp.key[k]);
    if (!zk)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "potential spec '%s': '%s' is neither an element "
                             "nor cutoff/accuracy",
                             spec, sp.key[k]);
    sp.used[k] = 1;
    z[n] = zk;
    q[n++] = sp.value[k];
  }
  if (!n)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "potential spec '%s': no charges (ewald:Na=1,Cl=-1)",
                           spec);
  return nacre_ewald_potential_new(z, q, n, cutoff, accuracy, out, err);
}
