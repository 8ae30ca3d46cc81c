/* voltage.c — intercalation voltage profiles along a convex hull. Adding x
 * ions to a host formula unit moves the composition along the line
 * c(x) = host + x·ion; inside one lower facet of the hull the energy per
 * host formula unit, E(x) = N(x) f_hull(c(x)) + Σ_k c_k(x) μ_k, is linear
 * in x, so the profile is a staircase whose steps end where the line
 * crosses from one facet into the next. A facet's barycentric coordinates
 * along the line are λ_v(x) ∝ (host·X⁻¹)_v + x (ion·X⁻¹)_v, so the x range
 * inside it follows from n linear inequalities. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/thermo.h"
#include "thermo_internal.h"

/* Facet boundaries along the line are exact zeros of λ_v(x); neighbouring
 * facets give the same x to rounding, so breakpoints closer than this
 * (relative to 1 + x) are one. */
#define SAME_X 1e-9
#define SAME_VOLTAGE 1e-9

/* The x interval (possibly empty or unbounded) for which c(x) lies in
 * facet f. */
static void facet_interval(const nacre_hull *h, int f, const double *host,
                           int ion, double *lo, double *hi) {
  int n = nacre_hull_nelements(h);
  const double *inv = thermo_hull_inverse(h, f);
  *lo = 0.0;
  *hi = INFINITY;
  for (int v = 0; v < n; v++) {
    double a = 0.0, b = inv[ion * n + v];
    for (int k = 0; k < n; k++) a += host[k] * inv[k * n + v];
    /* λ_v ∝ a + b x ≥ 0 */
    if (fabs(b) < 1e-15) {
      if (a < -1e-12) *hi = -1.0; /* never inside */
    } else if (b > 0) {
      *lo = fmax(*lo, -a / b);
    } else {
      *hi = fmin(*hi, -a / b);
    }
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* E(x) − Σ_k c_k(x) μ_k = N(x) f_hull(c(x)) per host formula unit, and the
 * phases there. */
static nacre_status hull_energy(const nacre_hull *h, const double *host,
                                int ion, double x, double *e,
                                nacre_hull_point *p, nacre_error *err) {
  double c[NACRE_HULL_MAX_ELEMENTS], natoms = 0.0;
  int n = nacre_hull_nelements(h);
  for (int k = 0; k < n; k++) {
    c[k] = host[k] + (k == ion ? x : 0.0);
    natoms += c[k];
  }
  nacre_status st = nacre_hull_at(h, c, p, err);
  if (!st) *e = natoms * p->hull_per_atom_ev;
  return st;
}

nacre_status nacre_hull_voltage_profile(const nacre_hull *h,
                                        const double *host_amounts, int ion,
                                        double charge, double x_max,
                                        nacre_voltage_step **steps,
                                        int *nsteps, nacre_error *err) {
  *steps = NULL;
  *nsteps = 0;
  int n = nacre_hull_nelements(h);
  if (ion < 0 || ion >= n)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "voltage: ion element %d out of range", ion + 1);
  if (!(charge > 0.0) || !isfinite(charge))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "voltage: the ion charge must be positive (got %g)",
                           charge);
  double total = 0.0;
  for (int k = 0; k < n; k++) {
    if (!(host_amounts[k] >= 0.0))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "voltage: negative host amount");
    total += host_amounts[k];
  }
  if (host_amounts[ion] != 0.0 || !(total > 0.0))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "voltage: the host must hold atoms and none of the "
                           "inserted element");
  int nf = nacre_hull_nfacets(h);
  double *bp = malloc((size_t)(2 * nf + 2) * sizeof *bp);
  if (!bp) return nacre_error_set(err, NACRE_ERR_NOMEM, "voltage");
  int nb = 0;
  bp[nb++] = 0.0;
  for (int f = 0; f < nf; f++) {
    double lo, hi;
    facet_interval(h, f, host_amounts, ion, &lo, &hi);
    if (!(hi > lo + SAME_X * (1 + lo))) continue;
    if (lo > SAME_X) bp[nb++] = lo;
    if (isfinite(hi)) bp[nb++] = hi;
  }
  qsort(bp, (size_t)nb, sizeof *bp, cmp_double);
  int m = 0;
  for (int k = 0; k < nb; k++)
    if (!m || bp[k] > bp[m - 1] + SAME_X * (1 + bp[m - 1])) bp[m++] = bp[k];
  /* the last breakpoint is the last hull phase before the pure ion */
  double end = x_max > 0.0 ? x_max : bp[m - 1];
  nacre_voltage_step *out = calloc((size_t)m, sizeof *out);
  nacre_status st = out ? NACRE_OK
                        : nacre_error_set(err, NACRE_ERR_NOMEM, "voltage");
  int ns = 0;
  for (int k = 0; !st && k < m; k++) {
    double x0 = bp[k], x1 = k + 1 < m ? bp[k + 1] : end;
    if (x0 >= end - SAME_X) break;
    if (x1 > end) x1 = end;
    if (!(x1 > x0 + SAME_X)) continue;
    double e0, e1, emid;
    nacre_hull_point p0, p1, pm;
    st = hull_energy(h, host_amounts, ion, x0, &e0, &p0, err);
    if (!st) st = hull_energy(h, host_amounts, ion, x1, &e1, &p1, err);
    if (!st) st = hull_energy(h, host_amounts, ion, 0.5 * (x0 + x1), &emid, &pm, err);
    if (st) break;
    double v = -(e1 - e0) / ((x1 - x0) * charge);
    if (ns && fabs(out[ns - 1].voltage_v - v) < SAME_VOLTAGE) {
      out[ns - 1].x_end = x1;
      continue;
    }
    out[ns].x_start = x0;
    out[ns].x_end = x1;
    out[ns].voltage_v = v;
    out[ns].nphases = pm.ndecomp;
    memcpy(out[ns].phases, pm.decomp_entry, sizeof out[ns].phases);
    ns++;
  }
  free(bp);
  if (st) {
    free(out);
    return st;
  }
  *steps = out;
  *nsteps = ns;
  return NACRE_OK;
}
