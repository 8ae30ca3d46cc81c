/* neighbor_list.c — full neighbour lists by binning in fractional
 * coordinates. Bins are at least as wide (perpendicular to their faces) as
 * the cutoff unless the cell is thinner than the cutoff, in which case the
 * search reaches as many periodic images as needed. */
#include "nacre/neigh.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

nacre_neighbor_list *nacre_nl_new(double cutoff, double skin,
                                  nacre_error *err) {
  if (!(cutoff > 0.0) || !(skin >= 0.0) || !isfinite(cutoff + skin)) {
    nacre_error_set(err, NACRE_ERR_INVALID,
                    "neighbour list needs cutoff > 0 and skin >= 0 (got %g, %g)",
                    cutoff, skin);
    return NULL;
  }
  nacre_neighbor_list *nl = calloc(1, sizeof *nl);
  if (!nl) {
    nacre_error_set(err, NACRE_ERR_NOMEM, "neighbour list");
    return NULL;
  }
  nl->cutoff = cutoff;
  nl->skin = skin;
  nl->natoms = -1;
  return nl;
}

nacre_neighbor_list *nacre_nl_new_half(double cutoff, double skin,
                                       nacre_error *err) {
  nacre_neighbor_list *nl = nacre_nl_new(cutoff, skin, err);
  if (nl) nl->half = 1;
  return nl;
}

void nacre_nl_free(nacre_neighbor_list *nl) {
  if (!nl) return;
  free(nl->offsets);
  free(nl->j);
  free(nl->shift);
  free(nl->ref_positions);
  free(nl->first_shifted);
  free(nl);
}

void nacre_nl_invalidate(nacre_neighbor_list *nl) { nl->natoms = -1; }

/* Geometry of the binning along one direction. */
typedef struct {
  int periodic;
  double origin, extent; /* fractional range covered by the bins */
  int nbins, reach;      /* bins, and how many bins a cutoff spans */
} bin_axis;

typedef struct {
  double frame[3][3];  /* cell used for fractional coordinates */
  bin_axis ax[3];
  int *bin_of;         /* bin of each atom */
  int *bin_start;      /* CSR over bins */
  int *bin_atoms;
  double *wrapped;     /* Cartesian positions wrapped along periodic axes */
  int *wrap;           /* integer lattice offsets removed by the wrapping */
} binning;

static void binning_free(binning *b) {
  free(b->bin_of);
  free(b->bin_start);
  free(b->bin_atoms);
  free(b->wrapped);
  free(b->wrap);
}

/* A non-periodic cluster may come with no cell at all: bin it in a box. */
static void binning_frame(const nacre_structure *s, double frame[3][3]) {
  memcpy(frame, s->cell, 9 * sizeof(double));
  int any = s->pbc[0] || s->pbc[1] || s->pbc[2];
  double h[3];
  nacre_cell_heights(s->cell, h);
  if (!any && !(h[0] > 1e-6 && h[1] > 1e-6 && h[2] > 1e-6)) {
    memset(frame, 0, 9 * sizeof(double));
    for (int k = 0; k < 3; k++) frame[k][k] = 1.0;
  }
}

static nacre_status binning_build(binning *b, const nacre_structure *s,
                                  double rc, nacre_error *err) {
  memset(b, 0, sizeof *b);
  int n = s->natoms;
  binning_frame(s, b->frame);
  double recip[3][3], h[3];
  if (nacre_cell_reciprocal(b->frame, recip))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "neighbour list: singular cell");
  nacre_cell_heights(b->frame, h);
  size_t nn = n > 0 ? (size_t)n : 1;
  double *frac = malloc(3 * nn * sizeof(double));
  b->wrapped = malloc(3 * nn * sizeof(double));
  b->wrap = calloc(3 * nn, sizeof(int));
  b->bin_of = malloc(nn * sizeof(int));
  if (!frac || !b->wrapped || !b->wrap || !b->bin_of) {
    free(frac);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "neighbour list bins");
  }
  for (int i = 0; i < n; i++) {
    nacre_cell_cart_to_frac(recip, &s->positions[3 * i], &frac[3 * i]);
    for (int k = 0; k < 3; k++) {
      double f = frac[3 * i + k];
      if (!isfinite(f)) {
        free(frac);
        return nacre_error_set(err, NACRE_ERR_NUMERIC,
                               "neighbour list: atom %d has a non-finite "
                               "position",
                               i + 1);
      }
      if (s->pbc[k]) {
        double w = floor(f);
        if (fabs(w) > 1e6) {
          free(frac);
          return nacre_error_set(err, NACRE_ERR_NUMERIC,
                                 "neighbour list: atom %d is %g cells away",
                                 i + 1, w);
        }
        f -= w;
        if (f >= 1.0) { f -= 1.0; w += 1.0; }
        b->wrap[3 * i + k] = (int)w;
        frac[3 * i + k] = f;
      }
    }
    nacre_cell_frac_to_cart(b->frame, &frac[3 * i], &b->wrapped[3 * i]);
  }
  double images = 1.0;
  for (int k = 0; k < 3; k++)
    if (s->pbc[k]) images *= 2.0 * ceil(rc / h[k]) + 1.0;
  if (!(images <= NACRE_NL_MAX_IMAGES)) {
    free(frac);
    return nacre_error_set(
        err, NACRE_ERR_INVALID,
        "neighbour list: a cutoff of %g Å reaches %.3g periodic images of "
        "each atom in a cell of widths %.4g, %.4g, %.4g Å (limit %.0e); is "
        "the cutoff or the cell scale wrong?",
        rc, images, h[0], h[1], h[2], NACRE_NL_MAX_IMAGES);
  }
  long total = 1;
  for (int k = 0; k < 3; k++) {
    bin_axis *a = &b->ax[k];
    a->periodic = s->pbc[k];
    if (a->periodic) {
      a->origin = 0.0;
      a->extent = 1.0;
    } else {
      double lo = 0.0, hi = 0.0;
      for (int i = 0; i < n; i++) {
        double f = frac[3 * i + k];
        if (i == 0 || f < lo) lo = f;
        if (i == 0 || f > hi) hi = f;
      }
      a->origin = lo;
      a->extent = hi - lo > 1e-12 ? (hi - lo) * (1.0 + 1e-9) : 1e-12;
    }
    double width = a->extent * h[k]; /* perpendicular extent, Å */
    a->nbins = (int)floor(width / rc);
    if (a->nbins < 1) a->nbins = 1;
    /* keep bins ~ atoms: never more than ~ 2n bins in all */
    while ((double)total * a->nbins > 2.0 * n + 8 && a->nbins > 1) a->nbins /= 2;
    double bin_width = width / a->nbins;
    double reach = bin_width > 0.0 ? ceil(rc / bin_width) : 0.0;
    if (!a->periodic && reach > a->nbins) reach = a->nbins;
    if (reach > 1e6) {
      free(frac);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "neighbour list: cutoff %g Å spans more than a "
                             "million cell widths (%g Å)",
                             rc, width);
    }
    a->reach = (int)reach;
    total *= a->nbins;
  }
  /* candidate pairs: each atom visits (2 reach + 1) bins per axis (fewer
   * along open axes), each holding n / total atoms on average */
  double visits = 1.0;
  for (int k = 0; k < 3; k++) {
    const bin_axis *a = &b->ax[k];
    double v = 2.0 * a->reach + 1;
    visits *= a->periodic ? v : fmin(v, a->nbins);
  }
  double checks = (double)n * visits * ((double)n / (double)total);
  if (!(checks <= NACRE_NL_MAX_CHECKS)) {
    free(frac);
    return nacre_error_set(
        err, NACRE_ERR_INVALID,
        "neighbour list: a cutoff of %g Å over cell widths %.4g, %.4g, %.4g "
        "Å reaches %.3g bins and periodic images per atom, %.3g pair checks "
        "for %d atoms (limit %.0e); is the cutoff or the cell scale wrong?",
        rc, h[0], h[1], h[2], visits, checks, n, NACRE_NL_MAX_CHECKS);
  }
  b->bin_start = calloc((size_t)total + 1, sizeof(int));
  b->bin_atoms = malloc(nn * sizeof(int));
  if (!b->bin_start || !b->bin_atoms) {
    free(frac);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "neighbour list bins");
  }
  for (int i = 0; i < n; i++) {
    int idx[3];
    for (int k = 0; k < 3; k++) {
      const bin_axis *a = &b->ax[k];
      int t = (int)floor((frac[3 * i + k] - a->origin) / a->extent * a->nbins);
      if (t < 0) t = 0;
      if (t >= a->nbins) t = a->nbins - 1;
      idx[k] = t;
    }
    b->bin_of[i] = (idx[0] * b->ax[1].nbins + idx[1]) * b->ax[2].nbins + idx[2];
    b->bin_start[b->bin_of[i] + 1]++;
  }
  for (long t = 0; t < total; t++) b->bin_start[t + 1] += b->bin_start[t];
  int *fill = malloc(((size_t)total + 1) * sizeof(int));
  if (!fill) {
    free(frac);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "neighbour list bins");
  }
  memcpy(fill, b->bin_start, ((size_t)total + 1) * sizeof(int));
  for (int i = 0; i < n; i++) b->bin_atoms[fill[b->bin_of[i]]++] = i;
  free(fill);
  free(frac);
  return NACRE_OK;
}

/* Visits the neighbours of atom i; with out_j == NULL only counts them.
 * A half list takes only the bin offsets d > 0 (lexicographically) and, in
 * the home bin with no shift (d = 0), j > i: the reverse entry of a pair
 * found from i at offset d is found from j at −d, so each pair is kept
 * exactly once. */
static size_t scan_atom(const binning *b, int i, int half, double rc2,
                        int *out_j, int *out_shift, size_t *nshifted) {
  int nb1 = b->ax[1].nbins, nb2 = b->ax[2].nbins;
  int bi = b->bin_of[i];
  int home[3] = {bi / (nb1 * nb2), (bi / nb2) % nb1, bi % nb2};
  const double *xi = &b->wrapped[3 * i];
  size_t count = 0, shifted = 0, total = 0;
  if (out_j) total = *nshifted; /* fill: the counts of the first pass */
  int lo[3], hi[3];
  for (int k = 0; k < 3; k++) {
    const bin_axis *a = &b->ax[k];
    lo[k] = -a->reach;
    hi[k] = a->reach;
    if (!a->periodic) {
      if (home[k] + lo[k] < 0) lo[k] = -home[k];
      if (home[k] + hi[k] >= a->nbins) hi[k] = a->nbins - 1 - home[k];
    }
  }
  for (int d0 = lo[0]; d0 <= hi[0]; d0++)
    for (int d1 = lo[1]; d1 <= hi[1]; d1++)
      for (int d2 = lo[2]; d2 <= hi[2]; d2++) {
        int sign = d0 ? d0 : d1 ? d1 : d2;
        if (half && sign < 0) continue;
        int d[3] = {d0, d1, d2}, t[3], sh[3];
        for (int k = 0; k < 3; k++) {
          int v = home[k] + d[k], nbk = b->ax[k].nbins;
          int q = v >= 0 ? v / nbk : -((-v + nbk - 1) / nbk);
          t[k] = v - q * nbk;
          sh[k] = b->ax[k].periodic ? q : 0;
        }
        double off[3];
        for (int k = 0; k < 3; k++)
          off[k] = sh[0] * b->frame[0][k] + sh[1] * b->frame[1][k] +
                   sh[2] * b->frame[2][k] - xi[k];
        int bin = (t[0] * nb1 + t[1]) * nb2 + t[2];
        for (int p = b->bin_start[bin]; p < b->bin_start[bin + 1]; p++) {
          int j = b->bin_atoms[p];
          if (j == i && !sh[0] && !sh[1] && !sh[2]) continue;
          if (half && sign == 0 && j < i) continue;
          const double *xj = &b->wrapped[3 * j];
          double dx = xj[0] + off[0], dy = xj[1] + off[1], dz = xj[2] + off[2];
          if (dx * dx + dy * dy + dz * dz >= rc2) continue;
          /* x_j − x_i + S·cell with S = sh − wrap_j + wrap_i */
          int S[3];
          for (int k = 0; k < 3; k++)
            S[k] = sh[k] - b->wrap[3 * j + k] + b->wrap[3 * i + k];
          int has = S[0] || S[1] || S[2];
          if (out_j) {
            /* unshifted entries from the front, shifted from the back */
            size_t at = has ? total - 1 - shifted : count - shifted;
            out_j[at] = j;
            memcpy(&out_shift[3 * at], S, sizeof S);
          }
          shifted += has;
          count++;
        }
      }
  if (!out_j) *nshifted = shifted;
  return count;
}

static nacre_status nl_build(nacre_neighbor_list *nl, const nacre_structure *s,
                             nacre_error *err) {
  double rc = nl->cutoff + nl->skin;
  binning b;
  nacre_status st = binning_build(&b, s, rc, err);
  if (st) {
    binning_free(&b);
    return st;
  }
  int n = s->natoms;
  size_t *offsets = realloc(nl->offsets, ((size_t)n + 1) * sizeof(size_t));
  if (!offsets) {
    binning_free(&b);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "neighbour list offsets");
  }
  nl->offsets = offsets;
  double rc2 = rc * rc;
  offsets[0] = 0;
  size_t *first_shifted = realloc(nl->first_shifted, ((size_t)n + 1) * sizeof(size_t));
  if (!first_shifted) {
    binning_free(&b);
    nl->natoms = -1;
    return nacre_error_set(err, NACRE_ERR_NOMEM, "neighbour list offsets");
  }
  nl->first_shifted = first_shifted;
#pragma omp parallel for schedule(static) if (n > 8)
  for (int i = 0; i < n; i++)
    offsets[i + 1] = scan_atom(&b, i, nl->half, rc2, NULL, NULL, &first_shifted[i]);
  for (int i = 0; i < n; i++) {
    first_shifted[i] = offsets[i] + offsets[i + 1] - first_shifted[i];
    offsets[i + 1] += offsets[i];
  }
  size_t total = offsets[n];
  if ((double)total > NACRE_NL_MAX_PAIRS) {
    binning_free(&b);
    nl->natoms = -1;
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "neighbour list: %zu pairs within %g Å for %d atoms "
                           "(%.1f GB; limit %.0e pairs)",
                           total, rc, n, 16e-9 * (double)total,
                           NACRE_NL_MAX_PAIRS);
  }
  if (total > nl->capacity) {
    size_t cap = total + total / 8 + 16;
    int *j = realloc(nl->j, cap * sizeof(int));
    if (j) nl->j = j;
    int *sh = j ? realloc(nl->shift, 3 * cap * sizeof(int)) : NULL;
    if (sh) nl->shift = sh;
    if (!j || !sh) {
      binning_free(&b);
      nl->natoms = -1;
      return nacre_error_set(err, NACRE_ERR_NOMEM,
                             "neighbour list of %zu entries", total);
    }
    nl->capacity = cap;
  }
#pragma omp parallel for schedule(static) if (n > 8)
  for (int i = 0; i < n; i++) {
    size_t count = offsets[i + 1] - offsets[i];
    scan_atom(&b, i, nl->half, rc2, nl->j + offsets[i],
              nl->shift + 3 * offsets[i], &count);
  }
  binning_free(&b);
  nl->nentries = total;
  double *ref = realloc(nl->ref_positions, 3 * ((size_t)n + 1) * sizeof(double));
  if (!ref) {
    nl->natoms = -1;
    return nacre_error_set(err, NACRE_ERR_NOMEM, "neighbour list");
  }
  nl->ref_positions = ref;
  memcpy(ref, s->positions, 3 * (size_t)n * sizeof(double));
  memcpy(nl->ref_cell, s->cell, sizeof nl->ref_cell);
  memcpy(nl->ref_pbc, s->pbc, sizeof nl->ref_pbc);
  nl->natoms = n;
  nl->builds++;
  return NACRE_OK;
}

/* Reuse is safe while 2·u_max + (rc+skin)·‖F−I‖ ≤ skin, where F maps the
 * reference cell onto the current one and u are the atom displacements
 * beyond that affine map: then no pair outside the list can have come
 * within the cutoff. ‖·‖ is bounded by the Frobenius norm. */
static int nl_still_valid(const nacre_neighbor_list *nl,
                          const nacre_structure *s) {
  if (nl->natoms != s->natoms || nl->skin <= 0.0) return 0;
  for (int k = 0; k < 3; k++)
    if (nl->ref_pbc[k] != s->pbc[k]) return 0;
  int any = s->pbc[0] || s->pbc[1] || s->pbc[2];
  double f[3][3];
  double dist = 0.0;
  if (any) {
    double inv[3][3];
    if (nacre_mat3_inverse(nl->ref_cell, inv)) return 0;
    nacre_mat3_mul(inv, s->cell, f); /* row vectors: cell = ref_cell · F */
    for (int a = 0; a < 3; a++)
      for (int c = 0; c < 3; c++) {
        double d = f[a][c] - (a == c);
        dist += d * d;
      }
    dist = sqrt(dist);
  } else {
    memset(f, 0, sizeof f);
    for (int k = 0; k < 3; k++) f[k][k] = 1.0;
  }
  double umax2 = 0.0;
  for (int i = 0; i < s->natoms; i++) {
    const double *r = &nl->ref_positions[3 * i];
    double u2 = 0.0;
    for (int c = 0; c < 3; c++) {
      double mapped = r[0] * f[0][c] + r[1] * f[1][c] + r[2] * f[2][c];
      double d = s->positions[3 * i + c] - mapped;
      u2 += d * d;
    }
    if (!(u2 <= umax2)) umax2 = u2; /* NaN also lands here */
  }
  if (!isfinite(umax2)) return 0;
  double margin = 2.0 * sqrt(umax2) + (nl->cutoff + nl->skin) * dist;
  return margin <= nl->skin;
}

nacre_status nacre_nl_update(nacre_neighbor_list *nl, const nacre_structure *s,
                             int *rebuilt, nacre_error *err) {
  nl->updates++;
  if (rebuilt) *rebuilt = 0;
  if (nl_still_valid(nl, s)) return NACRE_OK;
  nacre_status st = nacre_structure_check(s, err);
  if (st) return st;
  st = nl_build(nl, s, err);
  if (!st && rebuilt) *rebuilt = 1;
  return st;
}
