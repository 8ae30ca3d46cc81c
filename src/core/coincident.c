/* coincident.c — atoms at the same place: the closest pair of atoms nearer
 * than a tolerance, through periodic images, in O(N log N) (bins of the
 * tolerance's size; atoms near a periodic face get ghost copies across
 * it), so that readers can refuse such files whatever their size. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/core.h"

typedef struct point {
  int64_t key;   /* packed bin indices */
  int atom;
  double x[3];
} point;

static int cmp_key(const void *a, const void *b) {
  int64_t ka = ((const point *)a)->key, kb = ((const point *)b)->key;
  return ka < kb ? -1 : ka > kb;
}

/* 21 bits per bin index (offset so that negative indices pack). */
static int64_t pack(const int64_t b[3]) {
  const int64_t off = 1 << 20;
  return ((b[0] + off) << 42) | ((b[1] + off) << 21) | (b[2] + off);
}

static void bins_of(const double x[3], double width, int64_t b[3]) {
  for (int k = 0; k < 3; k++) b[k] = (int64_t)floor(x[k] / width);
}

/* Points: every atom (wrapped into the cell along periodic directions of
 * an invertible cell) and, for an atom within tol of a periodic face, its
 * copies across that face. Returns the count, -1 without memory. */
static long make_points(const nacre_structure *s, double tol, point **out) {
  double recip[3][3], h[3];
  int invertible = nacre_cell_reciprocal(s->cell, recip) == NACRE_OK;
  nacre_cell_heights(s->cell, h);
  long cap = 2L * s->natoms + 16, n = 0;
  point *p = malloc(sizeof *p * (size_t)cap);
  if (!p) return -1;
  for (int i = 0; i < s->natoms; i++) {
    double f[3], x[3];
    const double *r = s->positions + 3 * i;
    int near[3][2] = {{0, 0}, {0, 0}, {0, 0}}; /* face at 0 / at 1 */
    if (invertible) {
      nacre_cell_cart_to_frac(recip, r, f);
      for (int k = 0; k < 3; k++) {
        if (!s->pbc[k]) continue;
        f[k] -= floor(f[k]);
        if (f[k] >= 1.0) f[k] = 0.0;
        near[k][0] = f[k] * h[k] < tol;
        near[k][1] = (1.0 - f[k]) * h[k] < tol;
      }
      nacre_cell_frac_to_cart(s->cell, f, x);
    } else {
      memcpy(x, r, sizeof x);
    }
    /* the atom itself and each combination of face shifts */
    for (int s0 = -1; s0 <= 1; s0++)
      for (int s1 = -1; s1 <= 1; s1++)
        for (int s2 = -1; s2 <= 1; s2++) {
          int sh[3] = {s0, s1, s2}, ok = 1;
          for (int k = 0; k < 3 && ok; k++)
            ok = sh[k] == 0 || (sh[k] == 1 && near[k][0]) ||
                 (sh[k] == -1 && near[k][1]);
          if (!ok) continue;
          if (n == cap) {
            cap *= 2;
            point *q = realloc(p, sizeof *p * (size_t)cap);
            if (!q) {
              free(p);
              return -1;
            }
            p = q;
          }
          point *pt = &p[n++];
          pt->atom = i;
          for (int c = 0; c < 3; c++)
            pt->x[c] = x[c] + sh[0] * s->cell[0][c] + sh[1] * s->cell[1][c] +
                       sh[2] * s->cell[2][c];
        }
  }
  *out = p;
  return n;
}

int nacre_structure_coincident(const nacre_structure *s, double tol, int *i,
                               int *j, double *distance) {
  if (!s || s->natoms < 2 || !(tol > 0)) return 0;
  point *p = NULL;
  long n = make_points(s, tol, &p);
  if (n < 0) return -1;
  /* bins no smaller than tol, and few enough that indices pack in 21 bits */
  double extent = 0, width = tol;
  for (long a = 0; a < n; a++)
    for (int k = 0; k < 3; k++)
      if (fabs(p[a].x[k]) > extent) extent = fabs(p[a].x[k]);
  if (!isfinite(extent)) {
    free(p);
    return 0; /* non-finite coordinates are nacre_structure_check's */
  }
  if (extent / width > (double)(1 << 19)) width = extent / (double)(1 << 19);
  for (long a = 0; a < n; a++) {
    int64_t b[3];
    bins_of(p[a].x, width, b);
    p[a].key = pack(b);
  }
  qsort(p, (size_t)n, sizeof *p, cmp_key);
  double best = tol;
  int found = 0;
  for (long a = 0; a < n; a++) {
    int64_t b[3];
    bins_of(p[a].x, width, b);
    for (int d = 0; d < 27; d++) {
      int64_t nb[3] = {b[0] + d / 9 - 1, b[1] + d / 3 % 3 - 1, b[2] + d % 3 - 1};
      point probe = {.key = pack(nb)};
      /* first point with that key */
      long lo = 0, hi = n;
      while (lo < hi) {
        long mid = (lo + hi) / 2;
        if (cmp_key(&p[mid], &probe) < 0) lo = mid + 1;
        else hi = mid;
      }
      for (long c = lo; c < n && p[c].key == probe.key; c++) {
        if (p[c].atom <= p[a].atom) continue; /* each pair once, not itself */
        double dx = p[c].x[0] - p[a].x[0], dy = p[c].x[1] - p[a].x[1],
               dz = p[c].x[2] - p[a].x[2];
        double r = sqrt(dx * dx + dy * dy + dz * dz);
        if (r < best) {
          best = r;
          *i = p[a].atom;
          *j = p[c].atom;
          found = 1;
        }
      }
    }
  }
  free(p);
  if (found && distance) *distance = best;
  return found;
}
