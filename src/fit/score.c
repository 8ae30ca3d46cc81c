/* score.c — screening scores. Regression ranks features by |Pearson r|
 * with the target (SIS, Fan & Lv, J. R. Stat. Soc. B 70, 849 (2008)).
 * Classification follows SISSO (Ouyang et al., Phys. Rev. Materials 2,
 * 083802 (2018), sec. II.C): a good descriptor leaves few samples where
 * the domains of two classes overlap — intervals in 1-D, convex hulls in
 * 2-D. The threshold-errors score counts the fewest samples whose removal
 * would make two class intervals disjoint, which is the number a single
 * threshold misclassifies (the 1-D classifier of Bartel et al., Sci. Adv.
 * 5, eaav0693 (2019), where τ < 4.18 separates perovskites). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "score.h"

int fit_scratch_init(fit_scratch *s, int nrows) {
  memset(s, 0, sizeof *s);
  s->nrows = nrows;
  size_t n = (size_t)nrows + 1;
  s->order = malloc(n * sizeof *s->order);
  s->order2 = malloc(n * sizeof *s->order2);
  s->z = malloc(n * sizeof *s->z);
  s->tmp = malloc(n * sizeof *s->tmp);
  s->keys = malloc(n * sizeof *s->keys);
  s->keys2 = malloc(n * sizeof *s->keys2);
  if (!s->order || !s->order2 || !s->z || !s->tmp || !s->keys || !s->keys2) {
    fit_scratch_free(s);
    return 0;
  }
  return 1;
}

void fit_scratch_free(fit_scratch *s) {
  free(s->order);
  free(s->order2);
  free(s->z);
  free(s->tmp);
  free(s->keys);
  free(s->keys2);
  memset(s, 0, sizeof *s);
}

/* A float as an unsigned key with the same order (IEEE 754: set the sign
 * bit of positives, flip every bit of negatives). */
/* The same for floats: rounding to float keeps the order (it is
 * monotone), merging only values closer than float precision. */
static uint32_t order_key32(double v) {
  float f = (float)v;
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return (u >> 31) ? ~u : u | 0x80000000u;
}

/* LSD radix sort of 32-bit keys, 8 bits a pass, carrying the row indices
 * (stable: equal keys keep row order; passes whose byte is the same for
 * every key are skipped); then insertion sort by the double values, which
 * only has to reorder rows whose values round to the same float. */
void fit_order_rows(fit_scratch *s, const double *v, int n) {
  uint32_t *k = (uint32_t *)s->keys, *k2 = (uint32_t *)s->keys2;
  int *o = s->order, *o2 = s->order2;
  uint32_t all_or = 0, all_and = ~0u;
  for (int i = 0; i < n; i++) {
    k[i] = order_key32(v[i]);
    o[i] = i;
    all_or |= k[i];
    all_and &= k[i];
  }
  const uint32_t varying = all_or ^ all_and;
  for (int shift = 0; shift < 32; shift += 8) {
    if (!((varying >> shift) & 0xff)) continue;
    int count[257] = {0};
    for (int i = 0; i < n; i++) count[((k[i] >> shift) & 0xff) + 1]++;
    for (int b = 0; b < 256; b++) count[b + 1] += count[b];
    for (int i = 0; i < n; i++) {
      int d = (int)((k[i] >> shift) & 0xff), p = count[d]++;
      k2[p] = k[i];
      o2[p] = o[i];
    }
    uint32_t *tk = k;
    k = k2;
    k2 = tk;
    int *to = o;
    o = o2;
    o2 = to;
  }
  if (o != s->order) memcpy(s->order, o, (size_t)n * sizeof *o);
  int *ord = s->order;
  for (int i = 1; i < n; i++) {
    int r = ord[i], j = i;
    while (j > 0 && (v[ord[j - 1]] > v[r] || (v[ord[j - 1]] == v[r] && ord[j - 1] > r))) {
      ord[j] = ord[j - 1];
      j--;
    }
    ord[j] = r;
  }
}

int fit_key_cmp(const double a[3], const double b[3]) {
  for (int k = 0; k < 3; k++)
    if (a[k] != b[k]) return a[k] < b[k] ? -1 : 1;
  return 0;
}

void fit_score_correlation(int n, const double *v, double mu, const double *w,
                           double nw, const double *t, double tnorm,
                           double key[3]) {
  double s1 = 0, s2 = 0, sxy = 0;
  for (int i = 0; i < n; i++) {
    double d = (v[i] - mu) * w[i];
    s1 += d;
    s2 += d * d;
    sxy += d * t[i];
  }
  double sxx = s2 - s1 * s1 / nw;
  key[1] = key[2] = 0;
  /* a feature constant on these rows carries no information */
  if (!(sxx > 1e-24 * s2) || !(tnorm > 0)) {
    key[0] = 0;
    return;
  }
  key[0] = -fabs(sxy / (sqrt(sxx) * tnorm));
}

/* Per-class intervals over masked rows. */
static void class_ranges(int n, const double *v, const int *cls, int nclass,
                         const unsigned char *mask, double *lo, double *hi,
                         int *count) {
  for (int c = 0; c < nclass; c++) {
    lo[c] = INFINITY;
    hi[c] = -INFINITY;
    count[c] = 0;
  }
  for (int i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    int c = cls[i];
    lo[c] = v[i] < lo[c] ? v[i] : lo[c];
    hi[c] = v[i] > hi[c] ? v[i] : hi[c];
    count[c]++;
  }
}

#define MAX_CLASSES_STACK 16

void fit_score_overlap1d(int n, const double *v, const int *cls, int nclass,
                         const unsigned char *mask, double key[3]) {
  double lo[MAX_CLASSES_STACK], hi[MAX_CLASSES_STACK];
  int cnt[MAX_CLASSES_STACK];
  if (nclass > MAX_CLASSES_STACK) nclass = MAX_CLASSES_STACK;
  class_ranges(n, v, cls, nclass, mask, lo, hi, cnt);
  double all_lo = INFINITY, all_hi = -INFINITY;
  for (int c = 0; c < nclass; c++)
    if (cnt[c]) {
      all_lo = fmin(all_lo, lo[c]);
      all_hi = fmax(all_hi, hi[c]);
    }
  const double range = all_hi - all_lo;
  long count = 0;
  int npairs = 0, overlapped = 0;
  double length = 0, min_gap = INFINITY;
  for (int a = 0; a < nclass; a++)
    for (int b = a + 1; b < nclass; b++) {
      if (!cnt[a] || !cnt[b]) continue;
      npairs++;
      double l = fmax(lo[a], lo[b]), h = fmin(hi[a], hi[b]);
      if (l > h) {
        min_gap = fmin(min_gap, range > 0 ? (l - h) / range : 0);
        continue;
      }
      overlapped = 1;
      for (int i = 0; i < n; i++)
        if ((!mask || mask[i]) && (cls[i] == a || cls[i] == b) && v[i] >= l &&
            v[i] <= h)
          count++;
      double shorter = fmin(hi[a] - lo[a], hi[b] - lo[b]);
      length += shorter > 0 ? (h - l) / shorter : 1.0;
    }
  key[0] = (double)count;
  key[1] = overlapped ? length / npairs : (isfinite(min_gap) ? -min_gap : 0);
  key[2] = 0;
}

void fit_overlap1d_rows(int n, const double *v, const int *cls, int nclass,
                        const unsigned char *mask, unsigned char *in_overlap) {
  double lo[MAX_CLASSES_STACK], hi[MAX_CLASSES_STACK];
  int cnt[MAX_CLASSES_STACK];
  if (nclass > MAX_CLASSES_STACK) nclass = MAX_CLASSES_STACK;
  class_ranges(n, v, cls, nclass, mask, lo, hi, cnt);
  memset(in_overlap, 0, (size_t)n);
  for (int a = 0; a < nclass; a++)
    for (int b = a + 1; b < nclass; b++) {
      if (!cnt[a] || !cnt[b]) continue;
      double l = fmax(lo[a], lo[b]), h = fmin(hi[a], hi[b]);
      if (l > h) continue;
      for (int i = 0; i < n; i++)
        if ((!mask || mask[i]) && (cls[i] == a || cls[i] == b) && v[i] >= l &&
            v[i] <= h)
          in_overlap[i] = 1;
    }
}

/* Best cut between classes a and b (other classes ignored); same walk as
 * fit_stump_errors. */
static int stump_pair(int n, const double *v, const int *order, const int *cls,
                      int a, int b, const unsigned char *mask) {
  int na = 0, nb = 0;
  for (int k = 0; k < n; k++) {
    int i = order[k];
    if (mask && !mask[i]) continue;
    na += cls[i] == a;
    nb += cls[i] == b;
  }
  int best = na < nb ? na : nb, ca = 0, cb = 0, seen = 0;
  double prev = 0;
  for (int k = 0; k < n; k++) {
    int i = order[k];
    if ((mask && !mask[i]) || (cls[i] != a && cls[i] != b)) continue;
    if (seen && v[i] != prev) {
      int e1 = cb + (na - ca), e2 = ca + (nb - cb);
      if (e1 < best) best = e1;
      if (e2 < best) best = e2;
    }
    if (cls[i] == a) ca++;
    else cb++;
    prev = v[i];
    seen = 1;
  }
  return best;
}

int fit_stump_errors_pairs(int n, const double *v, const int *order,
                           const int *cls, int nclass,
                           const unsigned char *mask) {
  if (nclass == 2) return fit_stump_errors(n, v, order, cls, mask, NULL, NULL);
  int total = 0;
  for (int a = 0; a < nclass; a++)
    for (int b = a + 1; b < nclass; b++)
      total += stump_pair(n, v, order, cls, a, b, mask);
  return total;
}

int fit_stump_bound(int nbins, const int *h0, const int *h1, int *upper) {
  int n0 = 0, n1 = 0;
  for (int b = 0; b < nbins; b++) {
    n0 += h0[b];
    n1 += h1[b];
  }
  int lower = n0 < n1 ? n0 : n1, up = lower, c0 = 0, c1 = 0;
  for (int b = 0; b < nbins; b++) {
    /* a cut inside bin b (or on its edges) misclassifies at least the
     * rows of bins below it on the wrong side and those above it */
    int la = c1 + (n0 - c0 - h0[b]), lb = c0 + (n1 - c1 - h1[b]);
    lower = la < lower ? la : lower;
    lower = lb < lower ? lb : lower;
    c0 += h0[b];
    c1 += h1[b];
    /* a cut on the upper edge of bin b is a real cut (bins hold disjoint
     * value ranges) */
    int ea = c1 + (n0 - c0), eb = c0 + (n1 - c1);
    up = ea < up ? ea : up;
    up = eb < up ? eb : up;
  }
  *upper = up;
  return lower;
}

/* ---- 2-D convex hulls ------------------------------------------------- */

static double cross(const double *px, const double *py, int o, int a, int b) {
  return (px[a] - px[o]) * (py[b] - py[o]) - (py[a] - py[o]) * (px[b] - px[o]);
}

/* Andrew's monotone chain over the rows `idx` (sorted by x, then y):
 * hull vertices counter-clockwise into hull[], returns their number. */
static int hull2d(const double *x, const double *y, const int *idx, int m,
                  int *hull) {
  if (m < 3) {
    for (int k = 0; k < m; k++) hull[k] = idx[k];
    return m;
  }
  int h = 0;
  for (int k = 0; k < m; k++) {
    while (h >= 2 && cross(x, y, hull[h - 2], hull[h - 1], idx[k]) <= 0) h--;
    hull[h++] = idx[k];
  }
  for (int k = m - 2, lower = h + 1; k >= 0; k--) {
    while (h >= lower && cross(x, y, hull[h - 2], hull[h - 1], idx[k]) <= 0) h--;
    hull[h++] = idx[k];
  }
  return h - 1;
}

/* 1 when (px, py) lies in or on the convex polygon (counter-clockwise);
 * degenerate hulls (a point or a segment) contain the points on them
 * within tol. */
static int in_hull(const double *x, const double *y, const int *hull, int h,
                   double px, double py, double tol) {
  if (h == 0) return 0;
  if (h == 1) return fabs(px - x[hull[0]]) <= tol && fabs(py - y[hull[0]]) <= tol;
  if (h == 2) {
    double ax = x[hull[0]], ay = y[hull[0]], bx = x[hull[1]], by = y[hull[1]];
    double c = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
    double len = hypot(bx - ax, by - ay);
    if (fabs(c) > tol * len) return 0;
    double t = ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / (len * len);
    return t >= -tol && t <= 1 + tol;
  }
  for (int k = 0; k < h; k++) {
    int a = hull[k], b = hull[(k + 1) % h];
    double c = (x[b] - x[a]) * (py - y[a]) - (y[b] - y[a]) * (px - x[a]);
    if (c < -tol * hypot(x[b] - x[a], y[b] - y[a])) return 0;
  }
  return 1;
}

typedef struct xy_row {
  double x, y;
  int i;
} xy_row;

static int cmp_xy(const void *pa, const void *pb) {
  const xy_row *a = pa, *b = pb;
  if (a->x != b->x) return a->x < b->x ? -1 : 1;
  if (a->y != b->y) return a->y < b->y ? -1 : 1;
  return a->i - b->i;
}

void fit_score_overlap2d(int n, const double *x, const double *y,
                         const int *cls, int nclass, const unsigned char *mask,
                         fit_scratch *s, double key[3],
                         unsigned char *in_overlap) {
  xy_row *rows = malloc(((size_t)n + 1) * sizeof *rows);
  int *start = malloc(((size_t)nclass + 1) * sizeof *start);
  int *hulls = malloc(((size_t)n + 1) * sizeof *hulls);
  int *hn = malloc(((size_t)nclass + 1) * sizeof *hn);
  key[0] = key[1] = key[2] = 0;
  if (in_overlap) memset(in_overlap, 0, (size_t)n);
  if (!rows || !start || !hulls || !hn) {
    key[0] = INFINITY;
    goto done;
  }
  double scale = 0;
  int m = 0;
  for (int c = 0; c < nclass; c++) {
    start[c] = m;
    for (int i = 0; i < n; i++)
      if ((!mask || mask[i]) && cls[i] == c) {
        rows[m++] = (xy_row){x[i], y[i], i};
        scale = fmax(scale, fmax(fabs(x[i]), fabs(y[i])));
      }
  }
  start[nclass] = m;
  const double tol = 1e-12 * (scale > 0 ? scale : 1);
  for (int c = 0; c < nclass; c++) {
    int mc = start[c + 1] - start[c];
    qsort(rows + start[c], (size_t)mc, sizeof *rows, cmp_xy);
    for (int k = 0; k < mc; k++) s->order[k] = rows[start[c] + k].i;
    /* hull indices are stored from the class's start (a hull has at most
     * as many vertices as the class has points) */
    hn[c] = hull2d(x, y, s->order, mc, hulls + start[c]);
  }
  long count = 0;
  for (int a = 0; a < nclass; a++)
    for (int b = 0; b < nclass; b++) {
      if (a == b || !hn[a]) continue;
      for (int k = start[b]; k < start[b + 1]; k++) {
        int i = rows[k].i;
        if (in_hull(x, y, hulls + start[a], hn[a], x[i], y[i], tol)) {
          count++;
          if (in_overlap) in_overlap[i] = 1;
        }
      }
    }
  key[0] = (double)count;
done:
  free(rows);
  free(start);
  free(hulls);
  free(hn);
}

/* ---- Fisher's discriminant ------------------------------------------- */

static int fisher_pair(int n, int d, const double *const *cols, const int *cls,
                       int a, int b, const unsigned char *mask, fit_scratch *s) {
  double mu[2][3] = {{0}}, sw[9] = {0}, sd[3] = {0};
  int cnt[2] = {0, 0};
  for (int i = 0; i < n; i++) {
    if ((mask && !mask[i]) || (cls[i] != a && cls[i] != b)) continue;
    int g = cls[i] == b;
    cnt[g]++;
    for (int k = 0; k < d; k++) mu[g][k] += cols[k][i];
  }
  if (!cnt[0] || !cnt[1]) return 0;
  for (int g = 0; g < 2; g++)
    for (int k = 0; k < d; k++) mu[g][k] /= cnt[g];
  for (int i = 0; i < n; i++) {
    if ((mask && !mask[i]) || (cls[i] != a && cls[i] != b)) continue;
    int g = cls[i] == b;
    double dv[3];
    for (int k = 0; k < d; k++) dv[k] = cols[k][i] - mu[g][k];
    for (int k = 0; k < d; k++)
      for (int l = 0; l < d; l++) sw[k * d + l] += dv[k] * dv[l];
  }
  /* w = (S_w + ε tr S_w I)^-1 (μ_b − μ_a): the small ridge keeps a
   * singular scatter (a class with identical points) usable */
  double tr = 0;
  for (int k = 0; k < d; k++) tr += sw[k * d + k];
  for (int k = 0; k < d; k++) {
    sw[k * d + k] += 1e-9 * (tr > 0 ? tr : 1);
    sd[k] = mu[1][k] - mu[0][k];
  }
  if (!fit_cholesky_solve(d, sw, sd)) return cnt[0] < cnt[1] ? cnt[0] : cnt[1];
  for (int i = 0; i < n; i++) {
    double z = 0;
    for (int k = 0; k < d; k++) z += sd[k] * cols[k][i];
    s->z[i] = z;
  }
  fit_order_rows(s, s->z, n);
  return stump_pair(n, s->z, s->order, cls, a, b, mask);
}

void fit_score_fisher(int n, int d, const double *const *cols, const int *cls,
                      int nclass, const unsigned char *mask, fit_scratch *s,
                      double key[3]) {
  long errors = 0;
  for (int a = 0; a < nclass; a++)
    for (int b = a + 1; b < nclass; b++)
      errors += fisher_pair(n, d, cols, cls, a, b, mask, s);
  key[0] = (double)errors;
  key[1] = key[2] = 0;
}
