/* xrd.c — kinematic powder X-ray diffraction patterns (see nacre/thermo.h):
 * reflections of every reciprocal-lattice vector in the limiting sphere,
 * grouped by angle, their hkl families from the Laue class of the crystal
 * (sym), broadened profiles, and agreement with measured peak lists. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/sym.h"
#include "nacre/thermo.h"
#include "thermo_internal.h"

#define DEG (180.0 / NACRE_PI)
/* Reflections closer than this in 2θ are one peak; scaled intensities
 * below the cut are dropped (pymatgen's TWO_THETA_TOL and
 * SCALED_INTENSITY_TOL). */
#define SAME_TWO_THETA 1e-5
#define INTENSITY_CUT 1e-3

void nacre_xrd_options_init(nacre_xrd_options *o) {
  memset(o, 0, sizeof *o);
  o->wavelength_a = NACRE_CU_KA_A;
  o->wavelength1_a = NACRE_CU_KA1_A;
  o->wavelength2_a = NACRE_CU_KA2_A;
  o->ratio21 = 0.5;
  o->two_theta_max_deg = 90.0;
  o->symprec = NACRE_SYMPREC_DEFAULT;
}

void nacre_xrd_pattern_free(nacre_xrd_pattern *p) {
  if (!p) return;
  free(p->peaks);
  free(p);
}

/* One reflection: hkl, |g| and |F|². */
typedef struct {
  int hkl[3];
  double g;
  double f2;
} reflection;

static int cmp_reflection(const void *a, const void *b) {
  const reflection *x = a, *y = b;
  if (x->g != y->g) return x->g < y->g ? -1 : 1;
  for (int k = 0; k < 3; k++)
    if (x->hkl[k] != y->hkl[k]) return x->hkl[k] > y->hkl[k] ? -1 : 1;
  return 0;
}

/* Every hkl with gmin ≤ |g| ≤ gmax and its |F|²; Friedel mates (−hkl)
 * have the same |F|² and are listed without computing it again. */
static nacre_status reflections(const nacre_structure *s, const double *bfac,
                                double gmin, double gmax, reflection **out,
                                long *nout, nacre_error *err) {
  double b[3][3];
  if (nacre_cell_reciprocal(s->cell, b))
    return nacre_error_set(err, NACRE_ERR_INVALID, "xrd: degenerate cell");
  int hmax[3];
  for (int k = 0; k < 3; k++)
    hmax[k] = (int)floor(gmax * sqrt(s->cell[k][0] * s->cell[k][0] +
                                     s->cell[k][1] * s->cell[k][1] +
                                     s->cell[k][2] * s->cell[k][2])) + 1;
  long cap = 1024, n = 0;
  reflection *r = malloc((size_t)cap * sizeof *r);
  double *frac = malloc(3 * (size_t)(s->natoms ? s->natoms : 1) * sizeof *frac);
  if (!r || !frac) {
    free(r);
    free(frac);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "xrd");
  }
  nacre_structure_get_frac(s, frac, NULL);
  for (int h = 0; h <= hmax[0]; h++)
    for (int k = -hmax[1]; k <= hmax[1]; k++)
      for (int l = -hmax[2]; l <= hmax[2]; l++) {
        if (h == 0 && (k < 0 || (k == 0 && l <= 0))) continue;
        double g[3];
        for (int c = 0; c < 3; c++) g[c] = h * b[0][c] + k * b[1][c] + l * b[2][c];
        double gl = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
        if (gl > gmax || gl < gmin) continue;
        if (n + 2 > cap) {
          cap *= 2;
          reflection *q = realloc(r, (size_t)cap * sizeof *q);
          if (!q) {
            free(r);
            free(frac);
            return nacre_error_set(err, NACRE_ERR_NOMEM, "xrd reflections");
          }
          r = q;
        }
        r[n] = (reflection){{h, k, l}, gl, 0.0};
        r[n + 1] = (reflection){{-h, -k, -l}, gl, 0.0};
        n += 2;
      }
  /* structure factors, one reflection of each Friedel pair */
#pragma omp parallel for schedule(dynamic, 16)
  for (long m = 0; m < n; m += 2) {
    double s_ = 0.5 * r[m].g, s2 = s_ * s_;
    double fre = 0.0, fim = 0.0, fz[NACRE_MAX_Z + 1];
    int have[NACRE_MAX_Z + 1];
    memset(have, 0, sizeof have);
    for (int j = 0; j < s->natoms; j++) {
      int z = s->numbers[j];
      if (!have[z]) {
        fz[z] = nacre_xrd_form_factor(z, s_);
        have[z] = 1;
      }
      double f = fz[z] * (bfac ? exp(-bfac[j] * s2) : 1.0);
      double ph = 2.0 * NACRE_PI *
                  (r[m].hkl[0] * frac[3 * j] + r[m].hkl[1] * frac[3 * j + 1] +
                   r[m].hkl[2] * frac[3 * j + 2]);
      fre += f * cos(ph);
      fim += f * sin(ph);
    }
    r[m].f2 = r[m + 1].f2 = fre * fre + fim * fim;
  }
  free(frac);
  qsort(r, (size_t)n, sizeof *r, cmp_reflection);
  *out = r;
  *nout = n;
  return NACRE_OK;
}

/* The Laue operations on Miller indices (rows): h → ±h·R for every
 * rotation R of the crystal. */
typedef struct {
  int n;
  int (*rot)[3][3];
} laue;

static void laue_from_structure(const nacre_structure *s, double symprec,
                                laue *L, int *sg) {
  nacre_symmetry *sym = NULL;
  L->n = 0;
  L->rot = NULL;
  *sg = 0;
  if (nacre_symmetry_analyze_flags(s, symprec, NACRE_SYM_NO_PERMS, &sym, NULL) ==
          NACRE_OK &&
      (L->rot = malloc(2 * (size_t)sym->nops * sizeof *L->rot))) {
    *sg = sym->sg_number;
    for (int o = 0; o < sym->nops; o++)
      for (int sign = -1; sign <= 1; sign += 2) {
        int m[3][3];
        for (int a = 0; a < 3; a++)
          for (int c = 0; c < 3; c++) m[a][c] = sign * sym->rot[o][a][c];
        int dup = 0;
        for (int q = 0; q < L->n && !dup; q++) dup = !memcmp(L->rot[q], m, sizeof m);
        if (!dup) memcpy(L->rot[L->n++], m, sizeof m);
      }
  }
  nacre_symmetry_free(sym);
  if (!L->n) { /* no symmetry found: the Laue class −1 */
    static int ident[2][3][3] = {{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
                                 {{-1, 0, 0}, {0, -1, 0}, {0, 0, -1}}};
    free(L->rot);
    L->rot = malloc(sizeof ident);
    if (L->rot) {
      memcpy(L->rot, ident, sizeof ident);
      L->n = 2;
    }
  }
}

static void apply(const int h[3], const int m[3][3], int out[3]) {
  for (int c = 0; c < 3; c++) out[c] = h[0] * m[0][c] + h[1] * m[1][c] + h[2] * m[2][c];
}

static int hkl_greater(const int a[3], const int b[3]) {
  for (int k = 0; k < 3; k++)
    if (a[k] != b[k]) return a[k] > b[k];
  return 0;
}

/* Partitions the reflections r[a..b) of one peak into Laue families. */
static void families(const reflection *r, long a, long b, const laue *L,
                     nacre_xrd_peak *pk) {
  long n = b - a;
  char *done = calloc((size_t)n, 1);
  pk->nfamilies = 0;
  if (!done) return;
  for (long i = 0; i < n; i++) {
    if (done[i]) continue;
    int rep[3], mult = 0;
    memcpy(rep, r[a + i].hkl, sizeof rep);
    for (long j = i; j < n; j++) {
      if (done[j]) continue;
      int member = j == i;
      for (int q = 0; q < L->n && !member; q++) {
        int x[3];
        apply(r[a + i].hkl, L->rot[q], x);
        member = !memcmp(x, r[a + j].hkl, sizeof x);
      }
      if (!member) continue;
      done[j] = 1;
      mult++;
      if (hkl_greater(r[a + j].hkl, rep)) memcpy(rep, r[a + j].hkl, sizeof rep);
    }
    if (pk->nfamilies < NACRE_XRD_MAX_FAMILIES) {
      memcpy(pk->hkl[pk->nfamilies], rep, sizeof rep);
      pk->multiplicity[pk->nfamilies++] = mult;
    }
  }
  free(done);
}

static double lorentz_polarisation(double theta) {
  double c2 = cos(2 * theta), s = sin(theta);
  return (1.0 + c2 * c2) / (s * s * cos(theta));
}

nacre_status nacre_xrd_pattern_compute(const nacre_structure *s,
                                       const nacre_xrd_options *o,
                                       nacre_xrd_pattern **out,
                                       nacre_error *err) {
  *out = NULL;
  nacre_xrd_options defaults;
  if (!o) {
    nacre_xrd_options_init(&defaults);
    o = &defaults;
  }
  if (!s->pbc[0] || !s->pbc[1] || !s->pbc[2] || s->natoms < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "xrd: needs a crystal (periodic in 3D, with atoms)");
  for (int j = 0; j < s->natoms; j++)
    if (s->numbers[j] < 1 || s->numbers[j] > 98)
      return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                             "xrd: no scattering factors for Z = %d (atom %d)",
                             s->numbers[j], j + 1);
  double lam[2] = {o->doublet ? o->wavelength1_a : o->wavelength_a,
                   o->wavelength2_a};
  int nl = o->doublet ? 2 : 1;
  double t0 = o->two_theta_min_deg, t1 = o->two_theta_max_deg;
  if (!(lam[0] > 0) || (nl == 2 && !(lam[1] > 0)) || !(t0 >= 0) || !(t1 > t0) ||
      !(t1 < 180) || (nl == 2 && !(o->ratio21 >= 0)))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "xrd: need wavelengths > 0 and 0 <= 2theta_min < "
                           "2theta_max < 180 degrees");
  nacre_structure *sym_copy = NULL;
  if (o->symmetrize) {
    sym_copy = nacre_structure_copy(s, err);
    if (!sym_copy) return err ? err->status : NACRE_ERR_NOMEM;
    nacre_status st = nacre_symmetry_symmetrize(
        sym_copy, o->symprec > 0 ? o->symprec : NACRE_SYMPREC_DEFAULT, err);
    if (st) {
      nacre_structure_free(sym_copy);
      return nacre_error_prefix(err, "xrd: symmetrising: ");
    }
    s = sym_copy;
  }
  double lmin = nl == 2 ? fmin(lam[0], lam[1]) : lam[0];
  double lmax = nl == 2 ? fmax(lam[0], lam[1]) : lam[0];
  double gmax = fmin(2.0 * sin(t1 / 2 / DEG) / lmin, 2.0 / lmin);
  double gmin = 2.0 * sin(t0 / 2 / DEG) / lmax;
  reflection *r = NULL;
  long n = 0;
  nacre_status st = reflections(s, o->b_factors_a2, gmin, gmax, &r, &n, err);
  if (st) {
    nacre_structure_free(sym_copy);
    return st;
  }
  laue L;
  nacre_xrd_pattern *p = calloc(1, sizeof *p);
  int sg = 0;
  double sp = o->symprec > 0 ? o->symprec : NACRE_SYMPREC_DEFAULT;
  laue_from_structure(s, sp, &L, &sg);
  if (p) p->peaks = malloc((size_t)(nl * n + 1) * sizeof *p->peaks);
  nacre_structure_free(sym_copy); /* the reflections are computed */
  if (!p || !p->peaks || !L.n) {
    free(r);
    free(L.rot);
    nacre_xrd_pattern_free(p);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "xrd pattern");
  }
  p->nlines = nl;
  p->wavelength_a[0] = lam[0];
  p->wavelength_a[1] = nl == 2 ? lam[1] : 0.0;
  p->sg_number = sg;
  for (int line = 0; line < nl; line++) {
    double w = line ? o->ratio21 : 1.0;
    for (long a = 0; a < n;) {
      double x = lam[line] * r[a].g / 2;
      if (x > 1.0) break;
      double theta = asin(x), tt = 2 * theta * DEG;
      long b = a + 1;
      double sum = r[a].f2;
      while (b < n && fabs(2 * asin(fmin(1.0, lam[line] * r[b].g / 2)) * DEG - tt) <
                          SAME_TWO_THETA)
        sum += r[b++].f2;
      if (tt >= t0 - SAME_TWO_THETA && tt <= t1 + SAME_TWO_THETA) {
        nacre_xrd_peak *pk = &p->peaks[p->npeaks++];
        memset(pk, 0, sizeof *pk);
        pk->two_theta_deg = tt;
        pk->d_a = 1.0 / r[a].g;
        pk->intensity_raw = w * sum * lorentz_polarisation(theta);
        pk->line = line;
        families(r, a, b, &L, pk);
      }
      a = b;
    }
  }
  free(r);
  free(L.rot);
  /* scale, drop what only rounding left of a systematic absence, sort */
  double imax = 0.0;
  for (int k = 0; k < p->npeaks; k++) imax = fmax(imax, p->peaks[k].intensity_raw);
  int m = 0;
  for (int k = 0; k < p->npeaks; k++) {
    p->peaks[k].intensity = imax > 0 ? 100.0 * p->peaks[k].intensity_raw / imax : 0;
    if (p->peaks[k].intensity > INTENSITY_CUT) p->peaks[m++] = p->peaks[k];
  }
  p->npeaks = m;
  for (int i = 1; i < m; i++)
    for (int j = i; j > 0 && p->peaks[j].two_theta_deg < p->peaks[j - 1].two_theta_deg;
         j--) {
      nacre_xrd_peak t = p->peaks[j];
      p->peaks[j] = p->peaks[j - 1];
      p->peaks[j - 1] = t;
    }
  *out = p;
  return NACRE_OK;
}

/* ------------------------------------------------------------------ */
/* Profiles and comparison                                              */
/* ------------------------------------------------------------------ */

/* Unit-area pseudo-Voigt of FWHM w at offset x (degrees). */
static double pseudo_voigt(double x, double w, double eta) {
  double g = 2.0 / w * sqrt(log(2.0) / NACRE_PI) * exp(-4.0 * log(2.0) * x * x / (w * w));
  double l = (w / (2.0 * NACRE_PI)) / (x * x + 0.25 * w * w);
  return eta * l + (1.0 - eta) * g;
}

static nacre_status profile_of(const double *t, const double *inten, int np,
                               double t0, double t1, double step, double fwhm,
                               double eta, double **y, int *n,
                               nacre_error *err) {
  *y = NULL;
  *n = 0;
  if (!(step > 0) || !(t1 > t0) || !(fwhm > 0) || !(eta >= 0 && eta <= 1))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "xrd profile: need step > 0, a range, FWHM > 0 and "
                           "0 <= eta <= 1");
  double count = floor((t1 - t0) / step + 1e-9) + 1;
  if (count > 1e7)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "xrd profile: %.0f points (step too small)", count);
  int m = (int)count;
  double *v = calloc((size_t)m, sizeof *v);
  if (!v) return nacre_error_set(err, NACRE_ERR_NOMEM, "xrd profile");
  /* a Lorentzian tail reaches far; cut it where it is below 1e-6 of a peak */
  double reach = eta > 0 ? fwhm * 500 : fwhm * 5;
#pragma omp parallel for schedule(static)
  for (int i = 0; i < m; i++) {
    double x = t0 + i * step, sum = 0.0;
    for (int k = 0; k < np; k++)
      if (fabs(x - t[k]) < reach) sum += inten[k] * pseudo_voigt(x - t[k], fwhm, eta);
    v[i] = sum;
  }
  double vmax = 0.0;
  for (int i = 0; i < m; i++) vmax = fmax(vmax, v[i]);
  if (vmax > 0)
    for (int i = 0; i < m; i++) v[i] *= 100.0 / vmax;
  *y = v;
  *n = m;
  return NACRE_OK;
}

nacre_status nacre_xrd_profile(const nacre_xrd_pattern *p, double t0_deg,
                               double t1_deg, double step_deg,
                               double fwhm_deg, double eta, double **y, int *n,
                               nacre_error *err) {
  double *t = malloc((size_t)(p->npeaks + 1) * sizeof *t);
  double *in = malloc((size_t)(p->npeaks + 1) * sizeof *in);
  nacre_status st;
  if (!t || !in) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "xrd profile");
  } else {
    for (int k = 0; k < p->npeaks; k++) {
      t[k] = p->peaks[k].two_theta_deg;
      in[k] = p->peaks[k].intensity;
    }
    st = profile_of(t, in, p->npeaks, t0_deg, t1_deg, step_deg, fwhm_deg, eta, y,
                    n, err);
  }
  free(t);
  free(in);
  return st;
}

nacre_status nacre_xrd_compare(const nacre_xrd_pattern *p,
                               const double *exp_t, const double *exp_i,
                               int nexp, double tol_deg, double fwhm_deg,
                               nacre_xrd_match *out, nacre_error *err) {
  memset(out, 0, sizeof *out);
  if (nexp < 1 || !(tol_deg > 0) || !(fwhm_deg > 0))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "xrd compare: need measured peaks, a tolerance > 0 "
                           "and a FWHM > 0");
  double emax = 0.0, tlo = INFINITY, thi = -INFINITY;
  for (int k = 0; k < nexp; k++) {
    if (!isfinite(exp_t[k]) || !(exp_i[k] >= 0))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "xrd compare: measured peak %d is not a finite "
                             "angle with intensity >= 0",
                             k + 1);
    emax = fmax(emax, exp_i[k]);
    tlo = fmin(tlo, exp_t[k]);
    thi = fmax(thi, exp_t[k]);
  }
  int *order = malloc((size_t)nexp * sizeof *order);
  char *used = calloc((size_t)(p->npeaks + 1), 1);
  double *ei = malloc((size_t)nexp * sizeof *ei);
  out->match = malloc((size_t)nexp * sizeof *out->match);
  nacre_status st = NACRE_OK;
  if (!order || !used || !ei || !out->match) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "xrd compare");
    goto done;
  }
  for (int k = 0; k < nexp; k++) {
    order[k] = k;
    ei[k] = emax > 0 ? 100.0 * exp_i[k] / emax : 0.0;
  }
  for (int i = 1; i < nexp; i++) /* strongest first */
    for (int j = i; j > 0 && ei[order[j]] > ei[order[j - 1]]; j--) {
      int t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  double common = 0.0, shift = 0.0, sum_e = 0.0, sum_c = 0.0;
  for (int q = 0; q < nexp; q++) {
    int k = order[q], best = -1;
    sum_e += ei[k];
    for (int c = 0; c < p->npeaks; c++) {
      double d = fabs(p->peaks[c].two_theta_deg - exp_t[k]);
      if (used[c] || d > tol_deg) continue;
      if (best < 0 || d < fabs(p->peaks[best].two_theta_deg - exp_t[k])) best = c;
    }
    out->match[k] = best;
    if (best < 0) {
      out->nexp_unmatched++;
      continue;
    }
    used[best] = 1;
    out->nmatched++;
    common += fmin(ei[k], p->peaks[best].intensity);
    shift += fabs(p->peaks[best].two_theta_deg - exp_t[k]);
  }
  for (int c = 0; c < p->npeaks; c++) {
    double t = p->peaks[c].two_theta_deg;
    if (t < tlo - tol_deg || t > thi + tol_deg) continue;
    sum_c += p->peaks[c].intensity;
    if (!used[c] && p->peaks[c].intensity >= 5.0) out->ncalc_unmatched++;
  }
  out->mean_abs_shift_deg = out->nmatched ? shift / out->nmatched : 0.0;
  out->overlap = fmax(sum_e, sum_c) > 0 ? common / fmax(sum_e, sum_c) : 0.0;
  /* profiles over the measured range */
  double *ya = NULL, *yb = NULL, step = fwhm_deg / 10;
  int na = 0, nb = 0;
  double lo = tlo - 3 * fwhm_deg, hi = thi + 3 * fwhm_deg;
  double *ct = malloc((size_t)(p->npeaks + 1) * sizeof *ct);
  double *ci = malloc((size_t)(p->npeaks + 1) * sizeof *ci);
  if (!ct || !ci) st = nacre_error_set(err, NACRE_ERR_NOMEM, "xrd compare");
  for (int c = 0; !st && c < p->npeaks; c++) {
    ct[c] = p->peaks[c].two_theta_deg;
    ci[c] = p->peaks[c].intensity;
  }
  if (!st) st = profile_of(ct, ci, p->npeaks, lo, hi, step, fwhm_deg, 0, &ya, &na, err);
  if (!st) st = profile_of(exp_t, ei, nexp, lo, hi, step, fwhm_deg, 0, &yb, &nb, err);
  if (!st) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < na && i < nb; i++) {
      ab += ya[i] * yb[i];
      aa += ya[i] * ya[i];
      bb += yb[i] * yb[i];
    }
    out->profile_similarity = aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0.0;
  }
  free(ya);
  free(yb);
  free(ct);
  free(ci);
done:
  free(order);
  free(used);
  free(ei);
  if (st) {
    free(out->match);
    out->match = NULL;
  }
  return st;
}

nacre_status nacre_xrd_read_peaks(const char *path, double **tt, double **ii,
                                  int *n, nacre_error *err) {
  *tt = *ii = NULL;
  *n = 0;
  FILE *fp = fopen(path, "r");
  if (!fp) return nacre_error_set(err, NACRE_ERR_IO, "cannot open %s", path);
  char line[1024];
  int lineno = 0, cap = 0, seen = 0;
  nacre_status st = NACRE_OK;
  int got;
  while (!st && (got = nacre_read_line(fp, line, sizeof line))) {
    lineno++;
    if (got < 0) {
      st = nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: line longer than %zu characters",
                           path, lineno, sizeof line - 2);
      break;
    }
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    for (char *c = line; *c; c++)
      if (*c == ',' || *c == ';' || *c == '\t') *c = ' ';
    char *p = line, *end;
    while (*p == ' ') p++;
    if (!*p || *p == '\n' || *p == '\r') continue;
    double a = strtod(p, &end), b;
    int ok = end != p;
    if (ok) {
      p = end;
      b = strtod(p, &end);
      ok = end != p;
      p = end;
      while (*p == ' ' || *p == '\n' || *p == '\r') p++;
      ok = ok && !*p && isfinite(a) && isfinite(b);
    }
    if (!ok) {
      if (!seen++ && !*n) continue; /* a header line */
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: expected two numbers (2theta, intensity)",
                           path, lineno);
      break;
    }
    seen = 1;
    if (*n == cap) {
      cap = cap ? 2 * cap : 64;
      double *x = realloc(*tt, (size_t)cap * sizeof *x);
      if (x) *tt = x;
      double *y = realloc(*ii, (size_t)cap * sizeof *y);
      if (y) *ii = y;
      if (!x || !y) {
        st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
        break;
      }
    }
    (*tt)[*n] = a;
    (*ii)[(*n)++] = b;
  }
  fclose(fp);
  if (!st && !*n) st = nacre_error_set(err, NACRE_ERR_PARSE, "%s: no peaks", path);
  if (st) {
    free(*tt);
    free(*ii);
    *tt = *ii = NULL;
    *n = 0;
  }
  return st;
}

/* ------------------------------------------------------------------ */
/* Plot                                                                 */
/* ------------------------------------------------------------------ */

nacre_status nacre_xrd_svg(const char *path, const nacre_xrd_pattern *p,
                           const double *y, int n, double t0, double step,
                           const double *exp_t, const double *exp_i, int nexp,
                           const char *title, nacre_error *err) {
  double x0 = INFINITY, x1 = -INFINITY;
  for (int k = 0; k < p->npeaks; k++) {
    x0 = fmin(x0, p->peaks[k].two_theta_deg);
    x1 = fmax(x1, p->peaks[k].two_theta_deg);
  }
  for (int k = 0; k < nexp; k++) {
    x0 = fmin(x0, exp_t[k]);
    x1 = fmax(x1, exp_t[k]);
  }
  if (y && n > 1) {
    x0 = fmin(x0, t0);
    x1 = fmax(x1, t0 + (n - 1) * step);
  }
  if (!isfinite(x0)) {
    x0 = 0;
    x1 = 90;
  }
  x0 = fmax(0.0, floor(x0 / 10) * 10);
  x1 = ceil(x1 / 10) * 10;
  double emax = 0;
  for (int k = 0; k < nexp; k++) emax = fmax(emax, exp_i[k]);
  char *tmp;
  FILE *fp = thermo_file_open(path, &tmp, err);
  if (!fp) return err ? err->status : NACRE_ERR_IO;
  svg_begin(fp, 860, 440);
  svg_panel pan = {x0, x1, nexp ? -110 : 0, 115, 70, 30, 760, 340};
  svg_axes(fp, &pan, "%.0f", "%.0f", "2θ (degrees)", "intensity");
  if (title) svg_text(fp, 450, 22, "middle", 13, "black", title);
  if (y && n > 1) {
    double *xs = malloc((size_t)n * sizeof *xs);
    if (xs) {
      for (int i = 0; i < n; i++) xs[i] = t0 + i * step;
      svg_polyline(fp, &pan, xs, y, n, "#9bb7e0", 1.2, NULL);
      free(xs);
    }
  }
  double last_label = -1e9;
  for (int k = 0; k < p->npeaks; k++) {
    const nacre_xrd_peak *pk = &p->peaks[k];
    double px = svg_px(&pan, pk->two_theta_deg);
    svg_line_px(fp, px, svg_py(&pan, 0), px, svg_py(&pan, pk->intensity),
                pk->line ? "#7f7f7f" : "#1f4e9e", 1.5, NULL);
    /* label the strong peaks, skipping one too close to the last label */
    if (pk->intensity >= 8 && !pk->line && pk->nfamilies && px - last_label > 22) {
      last_label = px;
      char lab[48];
      snprintf(lab, sizeof lab, "%d%d%d", pk->hkl[0][0], pk->hkl[0][1],
               pk->hkl[0][2]);
      svg_text(fp, px, svg_py(&pan, pk->intensity) - 4, "middle", 10, "black",
               lab);
    }
  }
  for (int k = 0; k < nexp; k++) {
    double px = svg_px(&pan, exp_t[k]);
    double v = emax > 0 ? 100 * exp_i[k] / emax : 0;
    svg_line_px(fp, px, svg_py(&pan, 0), px, svg_py(&pan, -v), "#c0392b", 1.5,
                NULL);
  }
  if (nexp) {
    svg_text(fp, 80, svg_py(&pan, -100) + 12, "start", 11, "#c0392b", "measured");
    svg_text(fp, 80, svg_py(&pan, 100) + 12, "start", 11, "#1f4e9e", "computed");
  }
  svg_end(fp);
  return thermo_file_commit(fp, path, tmp, err);
}
