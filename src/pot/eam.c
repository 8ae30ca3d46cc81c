/* eam.c — the embedded-atom method from tabulated functions, evaluated the
 * way LAMMPS' pair_style eam, eam/alloy and eam/fs do, so that energies,
 * forces and stresses agree with LAMMPS to rounding.
 *
 *   E = Σ_i F_a(ρ_i) + ½ Σ_i Σ_j φ_ab(r_ij),   ρ_i = Σ_j ρ_{b→a}(r_ij)
 *
 * (a = element of i, b = element of j; Daw & Baskes, PRB 29, 6443 (1984)).
 *
 * Interpolation (LAMMPS conventions, from its documentation and pair_eam
 * source, re-implemented here):
 *  - every table y_1..y_n on a uniform grid gets slopes per grid step: one-
 *    sided differences at both ends, central differences at the second and
 *    second-to-last points, and the five-point stencil
 *    (y_{m−2} − y_{m+2} + 8(y_{m+1} − y_{m−1}))/12 inside; each interval is
 *    the cubic Hermite polynomial through the two values and slopes; the
 *    last knot is constant + slope (no curvature);
 *  - a distance r is located as p = r/dr + 1, m = ⌊p⌋ capped at n−1, the
 *    fraction p − m capped at 1: beyond the table r keeps the value at its
 *    last knot (m = n−1, fraction 1) — pairs count only for r < cutoff;
 *  - a density ρ likewise with m kept in [1, nrho−1]: below 0 the first
 *    cubic is extrapolated; above the table F is frozen at its last value
 *    and F' at its last slope, and for ρ > rhomax = (nrho_file−1)·drho the
 *    energy gains F'·(ρ − rhomax) (LAMMPS' energy-conserving extension; the
 *    force keeps the frozen F', exactly as LAMMPS);
 *  - r·φ(r) is tabulated (setfl/fs files hold r·φ; funcfl files hold the
 *    effective charge Z(r) and φ = 27.2·0.529·Z_a Z_b / r, LAMMPS' Hartree·
 *    Bohr product, kept as is), φ = (rφ)/r and φ' = (rφ)'/r − φ/r.
 *  - funcfl files (one element each) are first resampled as pair_style eam
 *    does: a common grid with the largest dr and drho of the files and the
 *    largest ranges rmax = (nr−1)·dr, rhomax = (nrho−1)·drho, holding
 *    nr' = ⌊rmax/dr + ½⌋ and nrho' = ⌊rhomax/drho + ½⌋ points (so one
 *    fewer than a single file holds: its last point is dropped), each value
 *    from the four-point Lagrange interpolant of the file's values (exact
 *    at the knots up to rounding for a single file; beyond a file's range
 *    its last value).
 *
 * A first pass computes ρ_i and F'(ρ_i) for every atom, the second the
 * forces from
 *   dE/dr_ij = φ'_ab(r) + F'_a(ρ_i) ρ'_{b→a}(r) + F'_b(ρ_j) ρ'_{a→b}(r).
 * The calculator hands EAM a half neighbour list (each pair once): both
 * passes use Newton's third law, the first keeps the pair derivatives so
 * that the second needs no tables, and the pairs within the cutoff are
 * found without a branch per entry. This runs serially. With a full list
 * (from another caller) forces are gathered per atom in parallel. Either
 * way the result is identical for any number of threads. */
#include "nacre/pot.h"

#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peratom.h"

/* One knot of a LAMMPS-style spline: value = ((c3 p + c4) p + c5) p + c6 and
 * derivative per Å (or per unit ρ) = (c0 p + c1) p + c2, p in [0, 1]. */
typedef struct {
  double c[7];
} eam_knot;

typedef struct {
  int nel;
  int z[NACRE_MAX_Z];
  int index_of_z[NACRE_MAX_Z + 1]; /* element index, −1 if unknown */
  int nrho, nr;
  double drho, dr, rdrho, rdr, cutoff, rhomax;
  eam_knot *frho; /* nel × nrho */
  eam_knot *rhor; /* nel × nel × nr, [(neighbour·nel + centre)·nr] */
  eam_knot *z2r;  /* nel × nel × nr */
  char source[160];
} eam_model;

/* What pass 1 of the half-list evaluation leaves for pass 2 for each pair
 * within the cutoff, in the order pass 2 meets them again: the parts of
 * (dE/dr)/r that do not depend on F'(ρ), so that pass 2 needs neither
 * square roots nor tables. */
typedef struct {
  double a;   /* φ'(r) / r */
  double bji; /* ρ'_{b→a}(r) / r: density at i from j */
} eam_pair;

/* The pairs within the cutoff of one atom, found without branching on the
 * distance (a branch taken for about half the entries in no pattern would
 * be mispredicted half the time): every entry is written, the count grows
 * only for those inside. */
typedef struct {
  uint32_t *entry; /* neighbour-list entries */
  double *r2;      /* their squared distances */
  size_t cap;
} eam_inside;

typedef struct {
  pot_peratom atoms; /* per-atom energies and virials */
  int capacity;
  int *element;
  double *rho, *fp;
  eam_pair *pairs;   /* pass 1 → pass 2, grown as needed */
  double *pairs_bij; /* ρ'_{a→b}(r) / r of the same pairs (alloys only) */
  uint32_t *pairs_entry; /* their neighbour-list entries */
  size_t *pairs_end; /* natoms: the pairs of atom i end here */
  size_t npairs_cap;
  eam_inside inside;
} eam_workspace;

/* ---------------------------------------------------------------- */
/* Splines                                                            */
/* ---------------------------------------------------------------- */

static void spline_build(const double *y, int n, double delta, eam_knot *k) {
  for (int m = 0; m < n; m++) k[m].c[6] = y[m];
  /* slopes per grid step in c5 */
  k[0].c[5] = y[1] - y[0];
  k[1].c[5] = 0.5 * (y[2] - y[0]);
  k[n - 2].c[5] = 0.5 * (y[n - 1] - y[n - 3]);
  k[n - 1].c[5] = y[n - 1] - y[n - 2];
  for (int m = 2; m <= n - 3; m++)
    k[m].c[5] = ((y[m - 2] - y[m + 2]) + 8.0 * (y[m + 1] - y[m - 1])) / 12.0;
  /* Hermite cubic on [m, m+1] */
  for (int m = 0; m < n - 1; m++) {
    double dy = k[m + 1].c[6] - k[m].c[6];
    k[m].c[4] = 3.0 * dy - 2.0 * k[m].c[5] - k[m + 1].c[5];
    k[m].c[3] = k[m].c[5] + k[m + 1].c[5] - 2.0 * dy;
  }
  k[n - 1].c[4] = 0.0;
  k[n - 1].c[3] = 0.0;
  for (int m = 0; m < n; m++) {
    k[m].c[2] = k[m].c[5] / delta;
    k[m].c[1] = 2.0 * k[m].c[4] / delta;
    k[m].c[0] = 3.0 * k[m].c[3] / delta;
  }
}

static inline double knot_value(const eam_knot *k, double p) {
  return ((k->c[3] * p + k->c[4]) * p + k->c[5]) * p + k->c[6];
}
static inline double knot_slope(const eam_knot *k, double p) {
  return (k->c[0] * p + k->c[1]) * p + k->c[2];
}

/* 0-based knot index and fraction of distance r (LAMMPS' 1-based m − 1). */
static inline int locate_r(const eam_model *m, double r, double *frac) {
  double p = r * m->rdr + 1.0;
  int k = (int)p;
  if (k > m->nr - 1) k = m->nr - 1;
  p -= k;
  *frac = p < 1.0 ? p : 1.0;
  return k - 1;
}

static inline int locate_rho(const eam_model *m, double rho, double *frac) {
  double p = rho * m->rdrho + 1.0;
  int k = (int)p;
  if (k > m->nrho - 1) k = m->nrho - 1;
  if (k < 1) k = 1;
  p -= k;
  *frac = p < 1.0 ? p : 1.0;
  return k - 1;
}

/* ---------------------------------------------------------------- */
/* Evaluation                                                         */
/* ---------------------------------------------------------------- */

static void *eam_workspace_new(const void *model) {
  (void)model;
  return calloc(1, sizeof(eam_workspace));
}

static void eam_workspace_free(void *ws) {
  eam_workspace *w = ws;
  if (!w) return;
  nacre_pot_peratom_release(&w->atoms);
  free(w->element);
  free(w->rho);
  free(w->fp);
  free(w->pairs);
  free(w->pairs_bij);
  free(w->pairs_entry);
  free(w->pairs_end);
  free(w->inside.entry);
  free(w->inside.r2);
  free(w);
}

static nacre_status eam_workspace_reserve(eam_workspace *w, int n,
                                          nacre_error *err) {
  if (n > w->capacity) {
    size_t c = (size_t)n;
    if (nacre_pot_grow(&w->element, c, sizeof(int)) ||
        nacre_pot_grow(&w->rho, c, sizeof(double)) ||
        nacre_pot_grow(&w->fp, c, sizeof(double)) ||
        nacre_pot_grow(&w->pairs_end, c, sizeof(size_t)))
      return nacre_error_set(err, NACRE_ERR_NOMEM,
                             "EAM workspace for %d atoms", n);
    w->capacity = n;
  }
  return nacre_pot_peratom_reserve(&w->atoms, n, "EAM", err);
}

/* Full list: every pair from both ends, forces gathered per atom (OpenMP
 * over atoms, the same result for any thread count). */
static nacre_status eam_compute_full(const eam_model *m, const nacre_structure *s,
                                     const nacre_neighbor_list *nl,
                                     unsigned want, nacre_result *r,
                                     eam_workspace *w) {
  int n = s->natoms;
  double *energy = w->atoms.energy, *virial = w->atoms.virial;
  const double rc2 = m->cutoff * m->cutoff;
  const int nel = m->nel, nr = m->nr;
  const int *el = w->element;
  const int need_derivs = (want & (NACRE_WANT_FORCES | NACRE_WANT_STRESS)) != 0;

  /* pass 1: densities and embedding energies */
#pragma omp parallel for schedule(static)
  for (int i = 0; i < n; i++) {
    int a = el[i];
    double rho = 0.0;
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
      double d[3];
      nacre_nl_vector(nl, s, i, e, d);
      double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      if (r2 >= rc2) continue;
      double p;
      int k = locate_r(m, sqrt(r2), &p);
      int b = el[nl->j[e]];
      rho += knot_value(&m->rhor[(size_t)(b * nel + a) * nr + k], p);
    }
    double p;
    int k = locate_rho(m, rho, &p);
    const eam_knot *kn = &m->frho[(size_t)a * m->nrho + k];
    double fp = knot_slope(kn, p);
    double f = knot_value(kn, p);
    if (rho > m->rhomax) f += fp * (rho - m->rhomax);
    w->rho[i] = rho;
    w->fp[i] = fp;
    energy[i] = f;
  }

  /* pass 2: pair energies, forces and virials, gathered per atom */
#pragma omp parallel for schedule(static)
  for (int i = 0; i < n; i++) {
    int a = el[i];
    double ei = 0.0, fi[3] = {0, 0, 0}, wi[6] = {0, 0, 0, 0, 0, 0};
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
      double d[3];
      nacre_nl_vector(nl, s, i, e, d);
      double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      if (r2 >= rc2) continue;
      int j = nl->j[e], b = el[j];
      double rr = sqrt(r2), p;
      int k = locate_r(m, rr, &p);
      const eam_knot *kz = &m->z2r[(size_t)(a * nel + b) * nr + k];
      double recip = 1.0 / rr;
      double phi = knot_value(kz, p) * recip;
      ei += 0.5 * phi;
      if (!need_derivs) continue;
      /* ρ'_{b→a}: density at i from j; ρ'_{a→b}: density at j from i */
      double rho_ji = knot_slope(&m->rhor[(size_t)(b * nel + a) * nr + k], p);
      double rho_ij = knot_slope(&m->rhor[(size_t)(a * nel + b) * nr + k], p);
      double phip = knot_slope(kz, p) * recip - phi * recip;
      double dedr = phip + w->fp[i] * rho_ji + w->fp[j] * rho_ij;
      double g = dedr * recip;
      /* F_i = Σ_j dE/dr · r̂_ij (d points from i to j) */
      for (int c = 0; c < 3; c++) fi[c] += g * d[c];
      pot_virial_add_half(wi, g, d);
    }
    energy[i] += ei;
    for (int c = 0; c < 6; c++) virial[6 * (size_t)i + c] = wi[c];
    if (want & NACRE_WANT_FORCES)
      for (int c = 0; c < 3; c++) r->forces[3 * (size_t)i + c] = fi[c];
  }

  /* serial sums: the same result for any thread count */
  nacre_pot_peratom_finish(&w->atoms, s, want, r);
  return NACRE_OK;
}


/* r_ij of entry e of atom i: x_j − x_i, plus S·cell for the entries from
 * first_shifted[i] on. */
static inline void entry_vector(const nacre_neighbor_list *nl,
                                const nacre_structure *s, int i, size_t e,
                                double d[3]) {
  const double *xi = &s->positions[3 * (size_t)i];
  const double *xj = &s->positions[3 * (size_t)nl->j[e]];
  d[0] = xj[0] - xi[0];
  d[1] = xj[1] - xi[1];
  d[2] = xj[2] - xi[2];
  if (e >= nl->first_shifted[i]) {
    const int *S = &nl->shift[3 * e];
    for (int k = 0; k < 3; k++)
      d[k] += S[0] * s->cell[0][k] + S[1] * s->cell[1][k] + S[2] * s->cell[2][k];
  }
}

/* The entries of atom i within the cutoff into w->inside; returns their
 * number. */
static size_t find_inside(const nacre_neighbor_list *nl,
                          const nacre_structure *s, int i, double rc2,
                          eam_inside *in) {
  const double *xi = &s->positions[3 * (size_t)i];
  const double *x = s->positions;
  size_t e = nl->offsets[i], mid = nl->first_shifted[i], end = nl->offsets[i + 1];
  size_t c = 0;
  for (; e < mid; e++) {
    const double *xj = &x[3 * (size_t)nl->j[e]];
    double dx = xj[0] - xi[0], dy = xj[1] - xi[1], dz = xj[2] - xi[2];
    double r2 = dx * dx + dy * dy + dz * dz;
    in->entry[c] = (uint32_t)e;
    in->r2[c] = r2;
    c += r2 < rc2;
  }
  for (; e < end; e++) {
    double d[3];
    entry_vector(nl, s, i, e, d);
    double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    in->entry[c] = (uint32_t)e;
    in->r2[c] = r2;
    c += r2 < rc2;
  }
  return c;
}

/* Room for `more` pairs after the first `used`. */
static int reserve_pairs(eam_workspace *w, size_t used, size_t more, int alloy) {
  if (used + more <= w->npairs_cap) return 0;
  size_t cap = (used + more) + (used + more) / 2 + 64;
  if (nacre_pot_grow(&w->pairs, cap, sizeof(eam_pair)) ||
      nacre_pot_grow(&w->pairs_entry, cap, sizeof(uint32_t)) ||
      (alloy && nacre_pot_grow(&w->pairs_bij, cap, sizeof(double))))
    return -1;
  w->npairs_cap = cap;
  return 0;
}

/* Room for the entries of the atom with the most; entry indices must fit
 * 32 bits. */
static int reserve_inside(eam_workspace *w, const nacre_neighbor_list *nl,
                          int n) {
  if (nl->nentries > UINT32_MAX) return -1;
  size_t most = 0;
  for (int i = 0; i < n; i++)
    if (nl->offsets[i + 1] - nl->offsets[i] > most) most = nl->offsets[i + 1] - nl->offsets[i];
  if (most <= w->inside.cap) return 0;
  if (nacre_pot_grow(&w->inside.entry, most, sizeof(uint32_t)) ||
      nacre_pot_grow(&w->inside.r2, most, sizeof(double)))
    return -1;
  w->inside.cap = most;
  return 0;
}

/* Pass 1 for one pair within the cutoff (i of element a, j at distance
 * √r2): the densities ρ_i (through rho_i) and ρ_j, and with derivs the
 * pair's entry for pass 2. Returns φ(r). */
static inline double half_pair(const eam_model *m, const int *el, double *rho,
                               int a, int j, double r2, int derivs,
                               double *rho_i, eam_pair *out, double *out_bij) {
  const int nel = m->nel, nr = m->nr, b = el[j];
  double rr = sqrt(r2), p;
  int k = locate_r(m, rr, &p);
  const eam_knot *kji = &m->rhor[(size_t)(b * nel + a) * nr + k];
  const eam_knot *kz = &m->z2r[(size_t)(a * nel + b) * nr + k];
  double vji = knot_value(kji, p);
  *rho_i += vji;
  const eam_knot *kij = kji;
  if (nel == 1) {
    rho[j] += vji;
  } else {
    kij = &m->rhor[(size_t)(a * nel + b) * nr + k];
    rho[j] += knot_value(kij, p);
  }
  double recip = 1.0 / rr;
  double phi = knot_value(kz, p) * recip;
  if (derivs) {
    out->a = (knot_slope(kz, p) * recip - phi * recip) * recip;
    out->bji = knot_slope(kji, p) * recip;
    if (out_bij) *out_bij = knot_slope(kij, p) * recip;
  }
  return phi;
}

/* Half list: each pair once, Newton's third law for densities, forces and
 * virial. Pass 1 finds the pairs within the cutoff and evaluates the
 * tables (densities, pair energies, the derivatives of each pair); pass 2
 * turns the kept derivatives into forces with F'(ρ). Serial, so the result
 * is the same for any thread count. */
static nacre_status eam_compute_half(const eam_model *m, const nacre_structure *s,
                                     const nacre_neighbor_list *nl,
                                     unsigned want, nacre_result *r,
                                     eam_workspace *w, nacre_error *err) {
  const int n = s->natoms, alloy = m->nel > 1;
  const double rc2 = m->cutoff * m->cutoff;
  const int *el = w->element;
  double *rho = w->rho, *fp = w->fp, *energy = w->atoms.energy;
  const int derivs = (want & (NACRE_WANT_FORCES | NACRE_WANT_STRESS)) != 0;
  const int atom_e = (want & NACRE_WANT_ATOM_ENERGIES) != 0;
  if (reserve_inside(w, nl, n))
    return nacre_error_set(err, NACRE_ERR_NOMEM,
                           "EAM: neighbour list of %zu entries", nl->nentries);
  memset(rho, 0, (size_t)n * sizeof(double));
  if (atom_e) memset(energy, 0, (size_t)n * sizeof(double));

  /* pass 1: densities and pair energies */
  double etot = 0.0;
  size_t np = 0;
  for (int i = 0; i < n; i++) {
    const int a = el[i];
    size_t cnt = find_inside(nl, s, i, rc2, &w->inside);
    if (derivs && reserve_pairs(w, np, cnt, alloy))
      return nacre_error_set(err, NACRE_ERR_NOMEM, "EAM pairs of %d atoms", n);
    double rho_i = 0.0, ei = 0.0;
    for (size_t c = 0; c < cnt; c++) {
      uint32_t e = w->inside.entry[c];
      int j = nl->j[e];
      double phi = half_pair(m, el, rho, a, j, w->inside.r2[c], derivs, &rho_i,
                             derivs ? &w->pairs[np] : NULL,
                             derivs && alloy ? &w->pairs_bij[np] : NULL);
      if (derivs) w->pairs_entry[np++] = e;
      ei += phi;
      if (atom_e) energy[j] += 0.5 * phi;
    }
    rho[i] += rho_i;
    etot += ei;
    if (atom_e) energy[i] += 0.5 * ei;
    w->pairs_end[i] = np;
  }

  /* embedding energies and F'(ρ) */
  for (int i = 0; i < n; i++) {
    double p;
    int k = locate_rho(m, rho[i], &p);
    const eam_knot *kn = &m->frho[(size_t)el[i] * m->nrho + k];
    fp[i] = knot_slope(kn, p);
    double f = knot_value(kn, p);
    if (rho[i] > m->rhomax) f += fp[i] * (rho[i] - m->rhomax);
    etot += f;
    if (atom_e) energy[i] += f;
  }
  r->energy = etot;
  if (atom_e) memcpy(r->atom_energies, energy, (size_t)n * sizeof(double));
  if (!derivs) return NACRE_OK;

  /* pass 2: F_i += g r_ij, F_j −= g r_ij, W += g r_ij ⊗ r_ij with
   * g = (dE/dr)/r = φ'/r + F'(ρ_i) ρ'_{b→a}/r + F'(ρ_j) ρ'_{a→b}/r */
  double vir[6] = {0, 0, 0, 0, 0, 0};
  double *force = (want & NACRE_WANT_FORCES) ? r->forces : NULL;
  const int stress = (want & NACRE_WANT_STRESS) != 0;
  const eam_pair *pr = w->pairs;
  size_t q = 0;
  for (int i = 0; i < n; i++) {
    double fi[3] = {0, 0, 0}, fpi = fp[i];
    for (; q < w->pairs_end[i]; q++) {
      size_t e = w->pairs_entry[q];
      int j = nl->j[e];
      double d[3];
      entry_vector(nl, s, i, e, d);
      double g = pr[q].a + fpi * pr[q].bji + fp[j] * (alloy ? w->pairs_bij[q] : pr[q].bji);
      double gx = g * d[0], gy = g * d[1], gz = g * d[2];
      fi[0] += gx;
      fi[1] += gy;
      fi[2] += gz;
      if (force) {
        double *fj = &force[3 * (size_t)j];
        fj[0] -= gx;
        fj[1] -= gy;
        fj[2] -= gz;
      }
      if (stress) {
        vir[0] += gx * d[0];
        vir[1] += gy * d[1];
        vir[2] += gz * d[2];
        vir[3] += gy * d[2];
        vir[4] += gx * d[2];
        vir[5] += gx * d[1];
      }
    }
    if (force)
      for (int c = 0; c < 3; c++) force[3 * (size_t)i + c] += fi[c];
  }
  if (stress) {
    double vol = fabs(nacre_cell_volume(s->cell));
    for (int c = 0; c < 6; c++) r->stress[c] = vol > 0.0 ? vir[c] / vol : 0.0;
  }
  return NACRE_OK;
}

static nacre_status eam_compute(const void *model, const nacre_structure *s,
                                const nacre_neighbor_list *nl, unsigned want,
                                nacre_result *r, void *workspace,
                                nacre_error *err) {
  const eam_model *m = model;
  eam_workspace *w = workspace;
  nacre_status st = eam_workspace_reserve(w, s->natoms, err);
  if (!st)
    st = nacre_pot_species_index(s, m->index_of_z, w->element,
                                 "EAM potential", "functions", err);
  if (st) return st;
  return nl->half ? eam_compute_half(m, s, nl, want, r, w, err)
                  : eam_compute_full(m, s, nl, want, r, w);
}

static void eam_model_free(void *model) {
  eam_model *m = model;
  if (!m) return;
  free(m->frho);
  free(m->rhor);
  free(m->z2r);
  free(m);
}

static void eam_describe(const void *model, char *buf, size_t buflen) {
  const eam_model *m = model;
  char elems[128] = "";
  size_t len = 0;
  for (int a = 0; a < m->nel && len + 4 < sizeof elems; a++) {
    const nacre_element *e = nacre_element_by_z(m->z[a]);
    len += (size_t)snprintf(elems + len, sizeof elems - len, "%s%s",
                            a ? "," : "", e ? e->symbol : "?");
  }
  snprintf(buf, buflen, "EAM %s (%s; cutoff %.4g Å)", m->source, elems,
           m->cutoff);
}

static const nacre_potential_ops eam_ops = {
    .kind = "eam",
    .compute = eam_compute,
    .workspace_new = eam_workspace_new,
    .workspace_free = eam_workspace_free,
    .model_free = eam_model_free,
    .describe = eam_describe,
    .half_list = 1,
};

static nacre_status eam_new_named(const nacre_eam_tables *t,
                                  const char *source, nacre_potential **out,
                                  nacre_error *err) {
  *out = NULL;
  if (t->nelements < 1 || t->nelements > 16 || t->nrho < 5 || t->nr < 5 ||
      !(t->drho > 0.0) || !(t->dr > 0.0) || !(t->cutoff > 0.0) ||
      !isfinite(t->rhomax))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "EAM tables: need 1..16 elements, at least 5 "
                           "points and positive spacings and cutoff (got "
                           "%d elements, nrho=%d drho=%g nr=%d dr=%g "
                           "cutoff=%g)",
                           t->nelements, t->nrho, t->drho, t->nr, t->dr,
                           t->cutoff);
  eam_model *m = calloc(1, sizeof *m);
  if (!m) return nacre_error_set(err, NACRE_ERR_NOMEM, "EAM model");
  int nel = t->nelements;
  m->nel = nel;
  for (int z = 0; z <= NACRE_MAX_Z; z++) m->index_of_z[z] = -1;
  for (int a = 0; a < nel; a++) {
    if (t->z[a] < 1 || t->z[a] > NACRE_MAX_Z || m->index_of_z[t->z[a]] >= 0) {
      eam_model_free(m);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "EAM tables: bad or repeated atomic number %d",
                             t->z[a]);
    }
    m->z[a] = t->z[a];
    m->index_of_z[t->z[a]] = a;
  }
  m->nrho = t->nrho;
  m->nr = t->nr;
  m->drho = t->drho;
  m->dr = t->dr;
  m->rdrho = 1.0 / t->drho;
  m->rdr = 1.0 / t->dr;
  m->cutoff = t->cutoff;
  m->rhomax = t->rhomax;
  snprintf(m->source, sizeof m->source, "%s", source);
  size_t nf = (size_t)nel * (size_t)t->nrho;
  size_t np = (size_t)nel * (size_t)nel * (size_t)t->nr;
  m->frho = malloc(nf * sizeof(eam_knot));
  m->rhor = malloc(np * sizeof(eam_knot));
  m->z2r = malloc(np * sizeof(eam_knot));
  if (!m->frho || !m->rhor || !m->z2r) {
    eam_model_free(m);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "EAM tables");
  }
  for (size_t k = 0; k < nf; k++)
    if (!isfinite(t->frho[k])) goto nonfinite;
  for (size_t k = 0; k < np; k++)
    if (!isfinite(t->rhor[k]) || !isfinite(t->z2r[k])) goto nonfinite;
  for (int a = 0; a < nel; a++)
    spline_build(t->frho + (size_t)a * t->nrho, t->nrho, t->drho,
                 m->frho + (size_t)a * t->nrho);
  for (int ab = 0; ab < nel * nel; ab++) {
    spline_build(t->rhor + (size_t)ab * t->nr, t->nr, t->dr,
                 m->rhor + (size_t)ab * t->nr);
    spline_build(t->z2r + (size_t)ab * t->nr, t->nr, t->dr,
                 m->z2r + (size_t)ab * t->nr);
  }
  *out = nacre_potential_wrap(&eam_ops, m, t->cutoff, m->z, nel, err);
  return *out ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
nonfinite:
  eam_model_free(m);
  return nacre_error_set(err, NACRE_ERR_INVALID,
                         "EAM tables contain a non-finite value");
}

nacre_status nacre_eam_new(const nacre_eam_tables *t, nacre_potential **out,
                           nacre_error *err) {
  return eam_new_named(t, "tables", out, err);
}

/* ---------------------------------------------------------------- */
/* Files                                                              */
/* ---------------------------------------------------------------- */

/* A whole file in memory, read line by line. */
typedef struct {
  const char *path;
  char *text;
  char *next; /* start of the next unread line */
  int line;   /* number of the line last returned */
} text_cursor;

static nacre_status cursor_open(text_cursor *c, const char *path,
                                nacre_error *err) {
  memset(c, 0, sizeof *c);
  c->path = path;
  FILE *f = fopen(path, "rb");
  if (!f) return nacre_error_set(err, NACRE_ERR_IO, "cannot open %s", path);
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  while (buf) {
    size_t got = fread(buf + len, 1, cap - len - 1, f);
    len += got;
    if (len < cap - 1) break;
    char *nb = realloc(buf, cap * 2);
    if (!nb) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = nb;
    cap *= 2;
  }
  int bad = ferror(f);
  fclose(f);
  if (!buf) return nacre_error_set(err, NACRE_ERR_NOMEM, "reading %s", path);
  if (bad) {
    free(buf);
    return nacre_error_set(err, NACRE_ERR_IO, "error reading %s", path);
  }
  buf[len] = '\0';
  c->text = c->next = buf;
  return NACRE_OK;
}

/* Next line (NUL-terminated in place) or NULL at the end. */
static char *cursor_line(text_cursor *c) {
  if (!c->next || !*c->next) return NULL;
  char *line = c->next;
  char *nl = strchr(line, '\n');
  if (nl) {
    *nl = '\0';
    c->next = nl + 1;
  } else {
    c->next = line + strlen(line);
  }
  c->line++;
  return line;
}

static nacre_status parse_number(const text_cursor *c, const char *tok,
                                 double *v, const char *what,
                                 nacre_error *err) {
  char *end;
  errno = 0;
  *v = strtod(tok, &end);
  if (end == tok || *end || errno == ERANGE || !isfinite(*v))
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: '%.40s' is not a number (%s)", c->path,
                           c->line, tok, what);
  return NACRE_OK;
}

/* Reads n numbers spread over as many lines as needed (LAMMPS reads them
 * this way, any number per line). */
static nacre_status cursor_values(text_cursor *c, int n, double *out,
                                  const char *what, nacre_error *err) {
  int got = 0;
  while (got < n) {
    char *line = cursor_line(c);
    if (!line)
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: file ends after %d of the %d values of "
                             "%s",
                             c->path, c->line, got, n, what);
    char *save = NULL;
    for (char *tok = strtok_r(line, " \t\r\f\v", &save); tok && got < n;
         tok = strtok_r(NULL, " \t\r\f\v", &save)) {
      nacre_status st = parse_number(c, tok, &out[got], what, err);
      if (st) return st;
      got++;
    }
  }
  return NACRE_OK;
}

/* Splits a line into at most max whitespace-separated tokens. */
static int split(char *line, char **tok, int max) {
  int n = 0;
  char *save = NULL;
  for (char *t = strtok_r(line, " \t\r\f\v", &save); t && n < max;
       t = strtok_r(NULL, " \t\r\f\v", &save))
    tok[n++] = t;
  return n;
}

/* "nrho drho nr dr cutoff" */
static nacre_status read_grid(text_cursor *c, int *nrho, double *drho, int *nr,
                              double *dr, double *cut, nacre_error *err) {
  char *line = cursor_line(c);
  char *tok[8];
  int nt = line ? split(line, tok, 8) : 0;
  if (nt < 5)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: expected 'nrho drho nr dr cutoff'", c->path,
                           c->line);
  double v[5];
  for (int k = 0; k < 5; k++) {
    nacre_status st = parse_number(c, tok[k], &v[k], "grid line", err);
    if (st) return st;
  }
  if (v[0] != floor(v[0]) || v[2] != floor(v[2]) || v[0] < 5 || v[2] < 5 ||
      v[0] > 1e7 || v[2] > 1e7 || !(v[1] > 0) || !(v[3] > 0) || !(v[4] > 0))
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: bad grid 'nrho=%g drho=%g nr=%g dr=%g "
                           "cutoff=%g' (need integer counts >= 5 and positive "
                           "spacings)",
                           c->path, c->line, v[0], v[1], v[2], v[3], v[4]);
  *nrho = (int)v[0];
  *drho = v[1];
  *nr = (int)v[2];
  *dr = v[3];
  *cut = v[4];
  return NACRE_OK;
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* LAMMPS' four-point Lagrange resampling of a funcfl table f[1..n]
 * (1-based) at x = position/spacing + 1. */
static double funcfl_resample(const double *f1, int n, double x) {
  int k = (int)x;
  if (k > n - 2) k = n - 2;
  if (k < 2) k = 2;
  double p = x - k;
  if (p > 2.0) p = 2.0;
  const double sixth = 1.0 / 6.0;
  double c1 = -sixth * p * (p - 1.0) * (p - 2.0);
  double c2 = 0.5 * (p * p - 1.0) * (p - 2.0);
  double c3 = -0.5 * p * (p + 1.0) * (p - 2.0);
  double c4 = sixth * p * (p * p - 1.0);
  return c1 * f1[k - 1] + c2 * f1[k] + c3 * f1[k + 1] + c4 * f1[k + 2];
}

/* One funcfl file as read: arrays 1-based as in the file's numbering. */
typedef struct {
  int z, nrho, nr;
  double drho, dr, cut;
  double *f1, *z1, *r1; /* F[1..nrho], Z[1..nr], rho[1..nr] */
} funcfl_file;

static void funcfl_free(funcfl_file *f) {
  free(f->f1);
  memset(f, 0, sizeof *f);
}

static nacre_status funcfl_read(const char *path, funcfl_file *ff,
                                nacre_error *err) {
  memset(ff, 0, sizeof *ff);
  text_cursor c;
  nacre_status st = cursor_open(&c, path, err);
  if (st) return st;
  char *line = cursor_line(&c); /* comment */
  line = cursor_line(&c);       /* Z mass a lattice */
  char *tok[8];
  int nt = line ? split(line, tok, 8) : 0;
  double zv = 0.0;
  if (nt < 2 || parse_number(&c, tok[0], &zv, "atomic number", err) ||
      zv != floor(zv) || zv < 1 || zv > NACRE_MAX_Z) {
    st = nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s:%d: expected 'Z mass a lattice' with an atomic "
                         "number 1..%d",
                         path, c.line, NACRE_MAX_Z);
    goto done;
  }
  ff->z = (int)zv;
  st = read_grid(&c, &ff->nrho, &ff->drho, &ff->nr, &ff->dr, &ff->cut, err);
  if (st) goto done;
  ff->f1 = malloc(((size_t)ff->nrho + 2 * (size_t)ff->nr + 3) * sizeof(double));
  if (!ff->f1) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
    goto done;
  }
  ff->z1 = ff->f1 + ff->nrho + 1;
  ff->r1 = ff->z1 + ff->nr + 1;
  st = cursor_values(&c, ff->nrho, ff->f1 + 1, "F(rho)", err);
  if (!st) st = cursor_values(&c, ff->nr, ff->z1 + 1, "Z(r)", err);
  if (!st) st = cursor_values(&c, ff->nr, ff->r1 + 1, "rho(r)", err);
done:
  free(c.text);
  if (st) funcfl_free(ff);
  return st;
}

/* pair_style eam with one funcfl file per element: a common grid with the
 * largest spacings and the largest ranges, nr = ⌊rmax/dr + ½⌋ and nrho =
 * ⌊rhomax/drho + ½⌋ points (one fewer than a single file holds), every
 * file resampled onto it (beyond a file's own range its last value), and
 * r·φ_ab = 27.2·0.529·Z_a(r) Z_b(r). Cutoff: the largest of the files'. */
static nacre_status funcfl_tables(const funcfl_file *ff, int nel,
                                  const char *source, nacre_potential **out,
                                  nacre_error *err) {
  double dr = 0.0, drho = 0.0, rmax = 0.0, rhomax = 0.0, cut = 0.0;
  for (int a = 0; a < nel; a++) {
    dr = fmax(dr, ff[a].dr);
    drho = fmax(drho, ff[a].drho);
    rmax = fmax(rmax, (ff[a].nr - 1) * ff[a].dr);
    rhomax = fmax(rhomax, (ff[a].nrho - 1) * ff[a].drho);
    cut = fmax(cut, ff[a].cut);
  }
  int nr = (int)(rmax / dr + 0.5), nrho = (int)(rhomax / drho + 0.5);
  if (nr < 5 || nrho < 5)
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s: tables too short",
                           source);
  size_t nf = (size_t)nel * (size_t)nrho, np = (size_t)nel * nel * nr;
  double *tab = malloc((nf + 2 * np + (size_t)nel * nr) * sizeof(double));
  if (!tab) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", source);
  double *F = tab, *rho = F + nf, *z2r = rho + np, *zr = z2r + np;
  for (int a = 0; a < nel; a++) {
    for (int m = 1; m <= nrho; m++)
      F[(size_t)a * nrho + m - 1] =
          funcfl_resample(ff[a].f1, ff[a].nrho, (m - 1) * drho / ff[a].drho + 1.0);
    for (int m = 1; m <= nr; m++) {
      double x = (m - 1) * dr / ff[a].dr + 1.0;
      double ra = funcfl_resample(ff[a].r1, ff[a].nr, x);
      /* the density a neighbour of element a gives, whatever the centre */
      for (int b = 0; b < nel; b++) rho[(size_t)(a * nel + b) * nr + m - 1] = ra;
      zr[(size_t)a * nr + m - 1] = funcfl_resample(ff[a].z1, ff[a].nr, x);
    }
  }
  for (int a = 0; a < nel; a++)
    for (int b = 0; b <= a; b++)
      for (int m = 0; m < nr; m++) {
        /* φ r = 27.2·0.529 Z_a Z_b, LAMMPS' Hartree·Bohr (eV·Å) */
        double v = 27.2 * 0.529 * zr[(size_t)a * nr + m] * zr[(size_t)b * nr + m];
        z2r[(size_t)(a * nel + b) * nr + m] = v;
        z2r[(size_t)(b * nel + a) * nr + m] = v;
      }
  nacre_eam_tables t = {0};
  t.nelements = nel;
  for (int a = 0; a < nel; a++) t.z[a] = ff[a].z;
  t.nrho = nrho;
  t.drho = drho;
  t.nr = nr;
  t.dr = dr;
  t.cutoff = cut;
  t.rhomax = rhomax;
  t.frho = F;
  t.rhor = rho;
  t.z2r = z2r;
  nacre_status st = eam_new_named(&t, source, out, err);
  free(tab);
  return st;
}

nacre_status nacre_eam_load_funcfl_files(const char *const *paths, int n,
                                         nacre_potential **out,
                                         nacre_error *err) {
  *out = NULL;
  if (n < 1 || n > 16)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "EAM funcfl: 1 to 16 files, got %d", n);
  funcfl_file ff[16];
  memset(ff, 0, sizeof ff);
  char source[160] = "funcfl";
  size_t len = strlen(source);
  nacre_status st = NACRE_OK;
  for (int a = 0; a < n && !st; a++) {
    st = funcfl_read(paths[a], &ff[a], err);
    for (int b = 0; b < a && !st; b++)
      if (ff[b].z == ff[a].z)
        st = nacre_error_set(err, NACRE_ERR_INVALID,
                             "EAM funcfl: %s and %s are both for Z=%d",
                             paths[b], paths[a], ff[a].z);
    if (len + 2 < sizeof source)
      len += (size_t)snprintf(source + len, sizeof source - len, "%s%s",
                              a ? "+" : " ", base_name(paths[a]));
  }
  if (!st) st = funcfl_tables(ff, n, source, out, err);
  for (int a = 0; a < n; a++) funcfl_free(&ff[a]);
  return st;
}

nacre_status nacre_eam_load_funcfl(const char *path, nacre_potential **out,
                                   nacre_error *err) {
  return nacre_eam_load_funcfl_files(&path, 1, out, err);
}

nacre_status nacre_eam_load_setfl(const char *path, int finnis_sinclair,
                                  nacre_potential **out, nacre_error *err) {
  *out = NULL;
  text_cursor c;
  nacre_status st = cursor_open(&c, path, err);
  if (st) return st;
  double *frho = NULL, *rhor = NULL, *z2r = NULL;
  for (int k = 0; k < 3; k++)
    if (!cursor_line(&c)) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: file ends in the three comment lines",
                           path, c.line);
      goto done;
    }
  char *line = cursor_line(&c);
  char *tok[20];
  int nt = line ? split(line, tok, 20) : 0;
  double nv = 0.0;
  if (nt < 2 || parse_number(&c, tok[0], &nv, "element count", err) ||
      nv != floor(nv) || nv < 1 || nv > 16 || nt < 1 + (int)nv) {
    st = nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s:%d: expected 'N element1 ... elementN' (N from 1 "
                         "to 16)",
                         path, c.line);
    goto done;
  }
  int nel = (int)nv;
  nacre_eam_tables t = {0};
  t.nelements = nel;
  for (int a = 0; a < nel; a++) {
    /* element identity from the symbols: the Z on the element lines is
     * sometimes wrong (Cu_mishin1.eam.alloy says 1) */
    t.z[a] = nacre_element_z(tok[1 + a]);
    if (!t.z[a]) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: unknown element '%s'", path, c.line,
                           tok[1 + a]);
      goto done;
    }
  }
  double cut;
  st = read_grid(&c, &t.nrho, &t.drho, &t.nr, &t.dr, &cut, err);
  if (st) goto done;
  t.cutoff = cut;
  t.rhomax = (t.nrho - 1) * t.drho;
  size_t nr = (size_t)t.nr;
  frho = malloc((size_t)nel * (size_t)t.nrho * sizeof(double));
  rhor = malloc((size_t)nel * (size_t)nel * nr * sizeof(double));
  z2r = malloc((size_t)nel * (size_t)nel * nr * sizeof(double));
  if (!frho || !rhor || !z2r) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
    goto done;
  }
  for (int a = 0; a < nel; a++) {
    line = cursor_line(&c); /* Z mass a lattice (ignored) */
    if (!line) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: file ends before element %d", path, c.line,
                           a + 1);
      goto done;
    }
    st = cursor_values(&c, t.nrho, frho + (size_t)a * t.nrho, "F(rho)", err);
    if (st) goto done;
    if (finnis_sinclair) {
      /* block of element a: densities it gives to each element b */
      for (int b = 0; b < nel; b++) {
        st = cursor_values(&c, t.nr, rhor + (size_t)(a * nel + b) * nr,
                           "rho(r)", err);
        if (st) goto done;
      }
    } else {
      st = cursor_values(&c, t.nr, rhor + (size_t)(a * nel) * nr, "rho(r)",
                         err);
      if (st) goto done;
      for (int b = 1; b < nel; b++)
        memcpy(rhor + (size_t)(a * nel + b) * nr, rhor + (size_t)(a * nel) * nr,
               nr * sizeof(double));
    }
  }
  for (int a = 0; a < nel; a++)
    for (int b = 0; b <= a; b++) {
      st = cursor_values(&c, t.nr, z2r + (size_t)(a * nel + b) * nr,
                         "r*phi(r)", err);
      if (st) goto done;
      if (b != a)
        memcpy(z2r + (size_t)(b * nel + a) * nr,
               z2r + (size_t)(a * nel + b) * nr, nr * sizeof(double));
    }
  t.frho = frho;
  t.rhor = rhor;
  t.z2r = z2r;
  char src[160];
  snprintf(src, sizeof src, "%s %s", finnis_sinclair ? "fs" : "setfl",
           base_name(path));
  st = eam_new_named(&t, src, out, err);
done:
  free(frho);
  free(rhor);
  free(z2r);
  free(c.text);
  return st;
}

/* ---------------------------------------------------------------- */
/* Format detection                                                   */
/* ---------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && !strcmp(s + n - k, suffix);
}

/* Line `index` (0-based) of head copied into buf; 0 if absent. */
static int head_line(const char *head, int index, char *buf, size_t buflen) {
  const char *p = head;
  for (int k = 0; k < index; k++) {
    p = strchr(p, '\n');
    if (!p) return 0;
    p++;
  }
  size_t len = strcspn(p, "\n");
  if (len >= buflen) len = buflen - 1;
  memcpy(buf, p, len);
  buf[len] = '\0';
  return 1;
}

/* "nrho drho nr dr cutoff": int, number, int, number, number */
static int looks_like_grid(char *line) {
  char *tok[8];
  int nt = split(line, tok, 8);
  if (nt != 5) return 0;
  for (int k = 0; k < 5; k++) {
    char *end;
    double v = strtod(tok[k], &end);
    if (end == tok[k] || *end || !(v > 0)) return 0;
    if ((k == 0 || k == 2) && v != floor(v)) return 0;
  }
  return 1;
}

static int probe_funcfl(const char *path, const char *head, size_t len) {
  (void)len;
  if (!ends_with(path, ".eam")) return 0;
  char line[512];
  return head_line(head, 2, line, sizeof line) && looks_like_grid(line);
}

static int probe_setfl_like(const char *head) {
  char line[512], grid[512];
  if (!head_line(head, 3, line, sizeof line) ||
      !head_line(head, 4, grid, sizeof grid) || !looks_like_grid(grid))
    return 0;
  char *tok[20];
  int nt = split(line, tok, 20);
  char *end;
  long n = nt ? strtol(tok[0], &end, 10) : 0;
  return nt >= 2 && !*end && n >= 1 && n == nt - 1;
}

static int probe_setfl(const char *path, const char *head, size_t len) {
  (void)len;
  /* .eam.alloy, or any setfl-looking file that is not named .eam.fs */
  if (ends_with(path, ".eam.fs") || ends_with(path, ".eam")) return 0;
  return probe_setfl_like(head);
}

static int probe_fs(const char *path, const char *head, size_t len) {
  (void)len;
  return ends_with(path, ".eam.fs") && probe_setfl_like(head);
}

static nacre_status load_setfl(const char *path, nacre_potential **out,
                               nacre_error *err) {
  return nacre_eam_load_setfl(path, 0, out, err);
}
static nacre_status load_fs(const char *path, nacre_potential **out,
                            nacre_error *err) {
  return nacre_eam_load_setfl(path, 1, out, err);
}

const nacre_potential_loader nacre_eam_funcfl_loader = {
    "EAM funcfl (.eam)", probe_funcfl, nacre_eam_load_funcfl};
const nacre_potential_loader nacre_eam_setfl_loader = {
    "EAM setfl (.eam.alloy)", probe_setfl, load_setfl};
const nacre_potential_loader nacre_eam_fs_loader = {
    "EAM Finnis-Sinclair (.eam.fs)", probe_fs, load_fs};
