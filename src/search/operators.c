/* operators.c — heredity, mutations and swarm moves on crystals and
 * clusters; see operators.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operators.h"

static int is_cluster(const nacre_structure *s) {
  return !(s->pbc[0] || s->pbc[1] || s->pbc[2]);
}

/* Shortest distance between atoms i and j (any image). */
static double pair_distance(const nacre_structure *s, int i, int j) {
  double d[3];
  for (int k = 0; k < 3; k++)
    d[k] = s->positions[3 * j + k] - s->positions[3 * i + k];
  if (!is_cluster(s)) nacre_cell_minimum_image(s->cell, s->pbc, d);
  return sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
}

static int atom_ok(const nacre_structure *s, int i,
                   const nacre_random_options *o, double factor) {
  for (int j = 0; j < s->natoms; j++) {
    if (j == i) continue;
    double dm = factor * nacre_random_min_distance(o, s->numbers[i],
                                                    s->numbers[j]);
    if (pair_distance(s, i, j) < dm) return 0;
  }
  return 1;
}

/* min over pairs of distance / minimum distance of the pair */
static double closest_ratio(const nacre_structure *s,
                            const nacre_random_options *o) {
  double q = INFINITY;
  for (int i = 0; i < s->natoms; i++)
    for (int j = i + 1; j < s->natoms; j++)
      q = fmin(q, pair_distance(s, i, j) /
                      nacre_random_min_distance(o, s->numbers[i],
                                                s->numbers[j]));
  return q;
}

static void cluster_centre(const nacre_structure *s, double c[3]) {
  c[0] = c[1] = c[2] = 0;
  for (int i = 0; i < s->natoms; i++)
    for (int k = 0; k < 3; k++) c[k] += s->positions[3 * i + k] / s->natoms;
}

static double cluster_radius(const nacre_structure *s) {
  double c[3], r = 0;
  cluster_centre(s, c);
  for (int i = 0; i < s->natoms; i++) {
    double d2 = 0;
    for (int k = 0; k < 3; k++) {
      double v = s->positions[3 * i + k] - c[k];
      d2 += v * v;
    }
    if (d2 > r * r) r = sqrt(d2);
  }
  return r;
}

/* Puts a cluster in the middle of a cubic box with 10 Å of vacuum. */
static void cluster_box(nacre_structure *s) {
  double c[3], r = cluster_radius(s);
  cluster_centre(s, c);
  double box = 2 * r + 10.0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) s->cell[i][j] = i == j ? box : 0.0;
  for (int i = 0; i < s->natoms; i++)
    for (int k = 0; k < 3; k++)
      s->positions[3 * i + k] += 0.5 * box - c[k];
  s->pbc[0] = s->pbc[1] = s->pbc[2] = 0;
}

/* The distance repair every operator ends with (factor 0.75 of the minimum
 * distances); NACRE_ERR_NOT_CONVERGED with message `why` when it fails. */
static nacre_status repair_or_fail(nacre_structure *s,
                                   const nacre_random_options *o,
                                   nacre_rng *rng, const char *why,
                                   nacre_error *err) {
  if (op_repair_distances(s, o, 0.75, rng)) return NACRE_OK;
  return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED, "%s", why);
}

/* The end of every mutation: the distance repair, then *out = s; s is
 * freed when the repair fails. Takes s. */
static nacre_status finish_mutation(nacre_structure *s,
                                    const nacre_random_options *o,
                                    nacre_rng *rng, nacre_structure **out,
                                    nacre_error *err) {
  nacre_status st =
      repair_or_fail(s, o, rng, "mutation: atoms too close after repair", err);
  if (st) {
    nacre_structure_free(s);
    return st;
  }
  *out = s;
  return NACRE_OK;
}

/* Sets the cell of s to `cell` scaled isotropically to volume v (Å^3);
 * positions are left as they are. */
static void set_cell_at_volume(nacre_structure *s, const double cell[3][3],
                               double v) {
  double sc = cbrt(v / nacre_cell_volume(cell));
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) s->cell[i][j] = cell[i][j] * sc;
}

int op_repair_distances(nacre_structure *s, const nacre_random_options *o,
                        double factor, nacre_rng *rng) {
  double rad = is_cluster(s) ? cluster_radius(s) : 0, c[3] = {0, 0, 0};
  if (is_cluster(s)) cluster_centre(s, c);
  for (int i = 0; i < s->natoms; i++) {
    if (atom_ok(s, i, o, factor)) continue;
    int ok = 0;
    for (int t = 0; t < 200 && !ok; t++) {
      if (is_cluster(s)) {
        double u[3], r = rad * cbrt(nacre_rng_uniform(rng)) * 1.05;
        nacre_rng_unit_vector(rng, u);
        for (int k = 0; k < 3; k++) s->positions[3 * i + k] = c[k] + r * u[k];
      } else {
        double f[3] = {nacre_rng_uniform(rng), nacre_rng_uniform(rng),
                       nacre_rng_uniform(rng)};
        nacre_cell_frac_to_cart(s->cell, f, s->positions + 3 * i);
      }
      ok = atom_ok(s, i, o, factor);
    }
    if (!ok) return 0;
  }
  return 1;
}

static void random_rotation(nacre_rng *rng, double r[3][3]) {
  /* Uniform rotation from a unit quaternion (Shoemake 1992). */
  double q[4];
  double n = 0;
  for (int k = 0; k < 4; k++) {
    q[k] = nacre_rng_normal(rng);
    n += q[k] * q[k];
  }
  n = sqrt(n);
  for (int k = 0; k < 4; k++) q[k] /= n;
  double a = q[0], b = q[1], c = q[2], d = q[3];
  double m[3][3] = {{a * a + b * b - c * c - d * d, 2 * (b * c - a * d),
                     2 * (b * d + a * c)},
                    {2 * (b * c + a * d), a * a - b * b + c * c - d * d,
                     2 * (c * d - a * b)},
                    {2 * (b * d - a * c), 2 * (c * d + a * b),
                     a * a - b * b - c * c + d * d}};
  memcpy(r, m, sizeof m);
}

/* ------------------------------------------------------------------ */
/* Heredity                                                              */
/* ------------------------------------------------------------------ */

typedef struct cut_atom {
  int z;
  double x[3];     /* fractional (crystals) or Cartesian (clusters) */
  double margin;   /* distance to the cut, in the units of the side value */
  int taken;
} cut_atom;

static int by_margin(const void *pa, const void *pb) {
  const cut_atom *a = pa, *b = pb;
  return (a->margin > b->margin) - (a->margin < b->margin);
}

static nacre_status cut_and_splice(const nacre_structure *a,
                                   const nacre_structure *b,
                                   const nacre_composition *comp,
                                   const nacre_random_options *o,
                                   nacre_rng *rng, nacre_structure **out,
                                   nacre_error *err) {
  *out = NULL;
  int n = a->natoms, cluster = is_cluster(a);
  if (b->natoms != n)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "heredity: parents of %d and %d atoms", n,
                           b->natoms);
  cut_atom *in = calloc((size_t)n, sizeof *in);
  cut_atom *rest = calloc((size_t)(2 * n), sizeof *rest);
  double *fa = malloc(sizeof(double) * 3 * (size_t)n);
  double *fb = malloc(sizeof(double) * 3 * (size_t)n);
  nacre_structure *child = nacre_structure_new(n, err);
  nacre_status st = NACRE_OK;
  if (!in || !rest || !fa || !fb || !child) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  double f = 0.3 + 0.4 * nacre_rng_uniform(rng);
  int nin = 0, nrest = 0, axis = nacre_rng_int(rng, 3);
  if (cluster) {
    /* Rotate both parents about their centres; cut with the plane z = c
     * that leaves a fraction f of a's atoms above. */
    const nacre_structure *par[2] = {a, b};
    double *pos[2] = {fa, fb};
    for (int p = 0; p < 2; p++) {
      double rot[3][3], c[3];
      random_rotation(rng, rot);
      cluster_centre(par[p], c);
      for (int i = 0; i < n; i++) {
        double v[3];
        for (int k = 0; k < 3; k++) v[k] = par[p]->positions[3 * i + k] - c[k];
        for (int k = 0; k < 3; k++)
          pos[p][3 * i + k] = rot[k][0] * v[0] + rot[k][1] * v[1] + rot[k][2] * v[2];
      }
    }
    /* plane height: the f-quantile of a's z */
    double *zs = malloc(sizeof(double) * (size_t)n);
    if (!zs) {
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
      goto done;
    }
    for (int i = 0; i < n; i++) zs[i] = fa[3 * i + 2];
    for (int i = 1; i < n; i++)
      for (int j = i; j > 0 && zs[j] < zs[j - 1]; j--) {
        double t = zs[j];
        zs[j] = zs[j - 1];
        zs[j - 1] = t;
      }
    int q = (int)((1 - f) * n);
    if (q >= n) q = n - 1;
    double cut = q > 0 ? 0.5 * (zs[q] + zs[q - 1]) : zs[0] - 1e-6;
    free(zs);
    for (int i = 0; i < n; i++) {
      double za = fa[3 * i + 2], zb = fb[3 * i + 2];
      cut_atom *ca = za >= cut && nin < n ? &in[nin++] : &rest[nrest++];
      ca->z = a->numbers[i];
      memcpy(ca->x, fa + 3 * i, sizeof ca->x);
      ca->margin = fabs(za - cut);
      cut_atom *cb = zb < cut && nin < n ? &in[nin++] : &rest[nrest++];
      cb->z = b->numbers[i];
      memcpy(cb->x, fb + 3 * i, sizeof cb->x);
      cb->margin = fabs(zb - cut);
    }
  } else {
    if ((st = nacre_structure_get_frac(a, fa, err)) ||
        (st = nacre_structure_get_frac(b, fb, err)))
      goto done;
    double sa = nacre_rng_uniform(rng), sb = nacre_rng_uniform(rng);
    /* a keeps [0, f) along the axis after a shift, b gives [f, 1) */
    for (int i = 0; i < n; i++) {
      double x[3];
      memcpy(x, fa + 3 * i, sizeof x);
      x[axis] += sa;
      for (int k = 0; k < 3; k++) x[k] -= floor(x[k]);
      int inside = x[axis] < f;
      cut_atom *c = inside && nin < n ? &in[nin++] : &rest[nrest++];
      c->z = a->numbers[i];
      memcpy(c->x, x, sizeof x);
      c->margin = fmin(fabs(x[axis]), fabs(f - x[axis]));
      memcpy(x, fb + 3 * i, sizeof x);
      x[axis] += sb;
      for (int k = 0; k < 3; k++) x[k] -= floor(x[k]);
      inside = x[axis] >= f;
      c = inside && nin < n ? &in[nin++] : &rest[nrest++];
      c->z = b->numbers[i];
      memcpy(c->x, x, sizeof x);
      c->margin = fmin(fabs(x[axis] - f), fabs(1.0 - x[axis]));
    }
  }
  /* Composition repair: drop surplus atoms nearest the cut, add missing
   * species from the atoms just beyond it. */
  qsort(in, (size_t)nin, sizeof *in, by_margin);
  qsort(rest, (size_t)nrest, sizeof *rest, by_margin);
  int have[NACRE_MAX_SPECIES] = {0}, m = 0;
  for (int i = nin - 1; i >= 0; i--) { /* keep atoms far from the cut first */
    int s;
    for (s = 0; s < comp->nspecies && comp->z[s] != in[i].z; s++) {
    }
    if (s == comp->nspecies || have[s] >= comp->count[s]) continue;
    have[s]++;
    child->numbers[m] = in[i].z;
    memcpy(child->positions + 3 * m, in[i].x, sizeof in[i].x);
    m++;
  }
  for (int i = 0; i < nrest && m < n; i++) {
    int s;
    for (s = 0; s < comp->nspecies && comp->z[s] != rest[i].z; s++) {
    }
    if (s == comp->nspecies || have[s] >= comp->count[s]) continue;
    have[s]++;
    child->numbers[m] = rest[i].z;
    memcpy(child->positions + 3 * m, rest[i].x, sizeof rest[i].x);
    m++;
  }
  /* Anything still missing goes to a random place (fixed by the repair). */
  for (int s = 0; s < comp->nspecies; s++)
    while (have[s] < comp->count[s] && m < n) {
      have[s]++;
      child->numbers[m] = comp->z[s];
      for (int k = 0; k < 3; k++)
        child->positions[3 * m + k] = nacre_rng_uniform(rng);
      m++;
    }
  if (cluster) {
    /* positions are Cartesian already */
    cluster_box(child);
  } else {
    double abc_a[3], ang_a[3], abc_b[3], ang_b[3], abc[3], ang[3];
    nacre_cell_lengths_angles(a->cell, abc_a, ang_a);
    nacre_cell_lengths_angles(b->cell, abc_b, ang_b);
    for (int k = 0; k < 3; k++) {
      abc[k] = f * abc_a[k] + (1 - f) * abc_b[k];
      ang[k] = f * ang_a[k] + (1 - f) * ang_b[k];
    }
    double cell[3][3];
    if (nacre_cell_from_lengths_angles(abc, ang, cell) ||
        !(nacre_cell_volume(cell) > 0)) {
      memcpy(cell, a->cell, sizeof cell);
    }
    double v = f * fabs(nacre_structure_volume(a)) +
               (1 - f) * fabs(nacre_structure_volume(b));
    set_cell_at_volume(child, cell, v);
    double *frac = malloc(sizeof(double) * 3 * (size_t)n);
    if (!frac) {
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
      goto done;
    }
    memcpy(frac, child->positions, sizeof(double) * 3 * (size_t)n);
    nacre_structure_set_frac(child, frac);
    free(frac);
  }
  st = repair_or_fail(child, o, rng,
                      "heredity: child atoms too close after repair", err);
  if (st) goto done;
  *out = child;
  child = NULL;
done:
  nacre_structure_free(child);
  free(in);
  free(rest);
  free(fa);
  free(fb);
  return st;
}

/* A share modes->symmetric of crystal children try the symmetric splice
 * first (one random number drawn only when the share is positive). */
static int symmetric_turn(const nacre_structure *a, const op_modes *modes,
                          nacre_rng *rng) {
  return modes && modes->symmetric > 0 && !is_cluster(a) &&
         nacre_rng_uniform(rng) < modes->symmetric;
}

nacre_status op_heredity(const nacre_structure *a, const nacre_structure *b,
                         const nacre_composition *comp,
                         const nacre_random_options *o, const op_modes *modes,
                         nacre_rng *rng, nacre_structure **out, char *op,
                         nacre_error *err) {
  if (symmetric_turn(a, modes, rng)) {
    nacre_error tmp;
    nacre_status st = op_sym_heredity(a, b, comp, o, modes->symprec, rng, out,
                                      op, &tmp);
    /* any other failure (no shared symmetry, spglib's) falls back */
    if (st == NACRE_OK) return st;
    if (st == NACRE_ERR_NOMEM)
      return nacre_error_set(err, st, "%s", tmp.message);
  }
  strcpy(op, "heredity");
  return cut_and_splice(a, b, comp, o, rng, out, err);
}

/* ------------------------------------------------------------------ */
/* Mutations                                                             */
/* ------------------------------------------------------------------ */

static double length_scale(const nacre_structure *s,
                           const nacre_random_options *o) {
  double d = 1e300;
  for (int i = 0; i < s->natoms; i++) {
    double v = nacre_random_min_distance(o, s->numbers[i], s->numbers[i]);
    if (v < d) d = v;
  }
  return d < 1e299 ? d / 0.7 : 1.0; /* ≈ a bond length */
}

static void mutate_strain(nacre_structure *s, nacre_rng *rng) {
  double e[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = i; j < 3; j++) e[i][j] = e[j][i] = 0.12 * nacre_rng_normal(rng);
  double v0 = fabs(nacre_structure_volume(s));
  double *frac = malloc(sizeof(double) * 3 * (size_t)s->natoms);
  if (!frac) return;
  nacre_structure_get_frac(s, frac, NULL);
  double c[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      c[i][j] = s->cell[i][j];
      for (int k = 0; k < 3; k++) c[i][j] += s->cell[i][k] * e[k][j];
    }
  double v1 = fabs(nacre_cell_volume(c));
  if (v1 > 0) {
    double sc = cbrt(v0 / v1);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) s->cell[i][j] = c[i][j] * sc;
  }
  nacre_structure_set_frac(s, frac);
  free(frac);
}

static void mutate_rattle(nacre_structure *s, double sigma, nacre_rng *rng) {
  for (int i = 0; i < 3 * s->natoms; i++)
    s->positions[i] += sigma * nacre_rng_normal(rng);
}

static int mutate_swap(nacre_structure *s, nacre_rng *rng) {
  int nswap = 1 + nacre_rng_int(rng, s->natoms / 8 > 1 ? s->natoms / 8 : 1);
  int done = 0;
  for (int t = 0; t < 100 * nswap && done < nswap; t++) {
    int i = nacre_rng_int(rng, s->natoms), j = nacre_rng_int(rng, s->natoms);
    if (s->numbers[i] == s->numbers[j]) continue;
    int z = s->numbers[i];
    s->numbers[i] = s->numbers[j];
    s->numbers[j] = z;
    done++;
  }
  return done;
}

/* Exchanges the elements of one pair of unlike nearest neighbours, drawn
 * uniformly among the pairs i, j whose distance is within 10 % of the
 * nearest unlike distance of both i and j (the first shell of bcc, fcc or
 * hcp, not the second): an antisite pair, the elementary move of an
 * ordering, as the exchange moves of basin hopping for binary clusters
 * (Doye & Meyer, Phys. Rev. Lett. 95, 063401 (2005)). Returns 0 when s
 * has one element only (or no memory). */
static int mutate_exchange(nacre_structure *s, nacre_rng *rng) {
  int n = s->natoms, npairs = 0, pa = -1, pb = -1;
  double *near = malloc(sizeof(double) * (size_t)n);
  if (!near) return 0;
  for (int i = 0; i < n; i++) {
    near[i] = INFINITY;
    for (int j = 0; j < n; j++)
      if (s->numbers[j] != s->numbers[i])
        near[i] = fmin(near[i], pair_distance(s, i, j));
  }
  /* reservoir choice among the pairs: one draw each */
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      if (s->numbers[j] == s->numbers[i]) continue;
      double d = pair_distance(s, i, j);
      if (d <= 1.1 * fmin(near[i], near[j]))
        if (nacre_rng_int(rng, ++npairs) == 0) pa = i, pb = j;
    }
  free(near);
  if (pa < 0) return 0;
  int z = s->numbers[pa];
  s->numbers[pa] = s->numbers[pb];
  s->numbers[pb] = z;
  return 1;
}

/* Soft-mode mutation (Lyakhov, Oganov & Valle, CPC 181, 1623 (2010)):
 * the atoms move along one of the softest normal modes of the
 * bond-hardness model (nacre_soft_modes) or, when the run asks for them,
 * of the potential itself (nacre_potential_normal_modes: its unstable
 * modes first, most unstable first), so the child differs from its
 * parent by a collective, low-energy distortion rather than noise. As in
 * the paper, a parent's successive soft mutations walk up its spectrum:
 * the (rank+1)-th softest non-zero mode, rank = the parent's earlier
 * soft-mode children (cycling after the hardest), with a random sign. The
 * amplitude grows in steps of 0.05 d (d ≈ a bond length) up to a largest
 * atomic displacement of 0.6 d, and stops before atoms come closer than
 * their minimum distance (or than the parent's closest pair, relative to
 * it, when a compressed parent is already below it). Returns 0 when the
 * structure has no non-zero mode (one atom per cell) or no step was
 * possible. */
static int mutate_soft(nacre_structure *s, const nacre_random_options *o,
                       const op_modes *modes, double d, int rank,
                       nacre_rng *rng) {
  int n3 = 3 * s->natoms;
  double *w = malloc(sizeof(double) * (size_t)n3);
  double *v = malloc(sizeof(double) * (size_t)n3 * (size_t)n3);
  double *x0 = malloc(sizeof(double) * (size_t)n3);
  int *nonzero = malloc(sizeof(int) * (size_t)n3);
  int done = 0;
  if (!w || !v || !x0 || !nonzero) goto out;
  if (modes && modes->fn ? modes->fn(modes->user, s, w, v, NULL)
                         : nacre_soft_modes(s, w, v, NULL))
    goto out;
  /* zero modes: translations, rotations (clusters), unbonded atoms; the
     potential's unstable modes (negative) come first, softest first */
  double scale = 0, *mode = NULL;
  for (int k = 0; k < n3; k++) scale = fmax(scale, fabs(w[k]));
  int nz = 0;
  for (int k = 0; k < n3; k++)
    if (fabs(w[k]) >= 1e-6 * scale) nonzero[nz++] = k;
  if (!nz || !(scale > 0)) goto out;
  int m = nonzero[rank > 0 ? rank % nz : 0];
  mode = v + (size_t)m * (size_t)n3;
  double largest = 0;
  for (int i = 0; i < s->natoms; i++)
    largest = fmax(largest, sqrt(mode[3 * i] * mode[3 * i] +
                                 mode[3 * i + 1] * mode[3 * i + 1] +
                                 mode[3 * i + 2] * mode[3 * i + 2]));
  double sign = nacre_rng_uniform(rng) < 0.5 ? -1 : 1;
  double factor = fmin(1.0, closest_ratio(s, o));
  memcpy(x0, s->positions, sizeof(double) * (size_t)n3);
  int good = 0;
  for (int step = 1; step <= 12; step++) {
    double amp = sign * 0.05 * d * step / largest;
    for (int k = 0; k < n3; k++) s->positions[k] = x0[k] + amp * mode[k];
    int ok = 1;
    for (int i = 0; i < s->natoms && ok; i++) ok = atom_ok(s, i, o, factor);
    if (!ok) break;
    good = step;
  }
  double amp = sign * 0.05 * d * good / largest;
  for (int k = 0; k < n3; k++) s->positions[k] = x0[k] + amp * mode[k];
  done = good > 0;
  if (!done) memcpy(s->positions, x0, sizeof(double) * (size_t)n3);
out:
  free(w), free(v), free(x0), free(nonzero);
  return done;
}

/* Rotates the atoms above a random plane through the centre by a random
 * angle about the plane normal (clusters). */
static void mutate_cap(nacre_structure *s, nacre_rng *rng) {
  double c[3], nrm[3];
  cluster_centre(s, c);
  nacre_rng_unit_vector(rng, nrm);
  double th = 2 * NACRE_PI * nacre_rng_uniform(rng), ct = cos(th), sn = sin(th);
  for (int i = 0; i < s->natoms; i++) {
    double v[3];
    for (int k = 0; k < 3; k++) v[k] = s->positions[3 * i + k] - c[k];
    double h = v[0] * nrm[0] + v[1] * nrm[1] + v[2] * nrm[2];
    if (h <= 0) continue;
    /* Rodrigues: v' = v cosθ + (n×v) sinθ + n (n·v)(1 − cosθ) */
    double cr[3] = {nrm[1] * v[2] - nrm[2] * v[1], nrm[2] * v[0] - nrm[0] * v[2],
                    nrm[0] * v[1] - nrm[1] * v[0]};
    for (int k = 0; k < 3; k++)
      s->positions[3 * i + k] =
          c[k] + v[k] * ct + cr[k] * sn + nrm[k] * h * (1 - ct);
  }
}

/* Whether translating every atom of s (fractional coordinates f) by the
 * fractional vector t lands it within tol Å of an atom of its element. */
static int carries_onto_itself(const nacre_structure *s, const double *f,
                               const double t[3], double tol) {
  for (int i = 0; i < s->natoms; i++) {
    int hit = 0;
    for (int k = 0; k < s->natoms && !hit; k++) {
      if (s->numbers[k] != s->numbers[i]) continue;
      double df[3], d[3];
      for (int x = 0; x < 3; x++) {
        df[x] = f[3 * i + x] + t[x] - f[3 * k + x];
        df[x] -= nearbyint(df[x]);
      }
      nacre_cell_frac_to_cart(s->cell, df, d);
      hit = d[0] * d[0] + d[1] * d[1] + d[2] * d[2] < tol * tol;
    }
    if (!hit) return 0;
  }
  return 1;
}

typedef struct lattice_vector {
  double v[3], len;
} lattice_vector;

static int by_length(const void *pa, const void *pb) {
  double a = ((const lattice_vector *)pa)->len,
         b = ((const lattice_vector *)pb)->len;
  return (a > b) - (a < b);
}

/* The primitive cell of the crystal s: its pure translations (those that
 * carry it onto itself within tol Å: differences of the atoms of its
 * rarest element from the first of them), the three shortest independent
 * lattice vectors among them and the Niggli cell's rows and their sums
 * (in three dimensions the successive minima are a basis; the volume is
 * checked), one atom of each set of translated copies. NULL with NACRE_OK
 * when s is its own primitive cell or the translations found do not make
 * a lattice of the right volume (a structure symmetric only within a
 * loose tolerance). */
static nacre_status primitive_of(const nacre_structure *a, double tol,
                                 nacre_structure **out, nacre_error *err) {
  *out = NULL;
  nacre_structure *s = NULL, *p = NULL;
  nacre_status st = nacre_structure_niggli(a, &s, err);
  if (st) return st;
  int n = s->natoms, rare = -1, nrare = n + 1;
  double *f = malloc(sizeof(double) * 3 * (size_t)n);
  double *t = malloc(sizeof(double) * 3 * (size_t)n);
  lattice_vector *c = malloc(sizeof *c * 27 * (size_t)n);
  char *used = calloc((size_t)n, 1);
  if (!f || !t || !c || !used) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  nacre_structure_get_frac(s, f, NULL);
  for (int i = 0; i < n; i++) {
    int m = 0;
    for (int k = 0; k < n; k++) m += s->numbers[k] == s->numbers[i];
    if (m < nrare) nrare = m, rare = i;
  }
  int nt = 0;
  for (int j = 0; j < n; j++) {
    if (s->numbers[j] != s->numbers[rare]) continue;
    double tj[3];
    for (int x = 0; x < 3; x++) {
      tj[x] = f[3 * j + x] - f[3 * rare + x];
      tj[x] -= floor(tj[x]);
    }
    if (carries_onto_itself(s, f, tj, tol)) {
      memcpy(t + 3 * nt, tj, sizeof tj);
      nt++;
    }
  }
  if (nt < 2 || n % nt) goto done;
  int nc = 0;
  for (int k = 0; k < nt; k++)
    for (int m = 0; m < 27; m++) {
      double fr[3] = {t[3 * k] + m % 3 - 1, t[3 * k + 1] + (m / 3) % 3 - 1,
                      t[3 * k + 2] + m / 9 - 1};
      nacre_cell_frac_to_cart(s->cell, fr, c[nc].v);
      c[nc].len = sqrt(c[nc].v[0] * c[nc].v[0] + c[nc].v[1] * c[nc].v[1] +
                       c[nc].v[2] * c[nc].v[2]);
      if (c[nc].len > 1e-6) nc++;
    }
  qsort(c, (size_t)nc, sizeof *c, by_length);
  double cell[3][3], vol = fabs(nacre_cell_volume(s->cell));
  int nb = 0;
  for (int k = 0; k < nc && nb < 3; k++) {
    memcpy(cell[nb], c[k].v, sizeof cell[nb]);
    double x[3];
    if (nb == 1) {
      x[0] = cell[0][1] * cell[1][2] - cell[0][2] * cell[1][1];
      x[1] = cell[0][2] * cell[1][0] - cell[0][0] * cell[1][2];
      x[2] = cell[0][0] * cell[1][1] - cell[0][1] * cell[1][0];
      if (sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]) <
          1e-6 * c[k].len * c[0].len)
        continue;
    }
    if (nb == 2 && fabs(nacre_cell_volume(cell)) < 1e-6 * vol) continue;
    nb++;
  }
  /* a set of vectors that is no basis spans a multiple of the volume */
  if (nb < 3 || fabs(fabs(nacre_cell_volume(cell)) * nt - vol) > 0.1 * vol)
    goto done;
  if (nacre_cell_volume(cell) < 0)
    for (int x = 0; x < 3; x++) cell[2][x] = -cell[2][x];
  p = nacre_structure_new(n / nt, err);
  if (!p) {
    st = NACRE_ERR_NOMEM;
    goto done;
  }
  memcpy(p->cell, cell, sizeof cell);
  int kept = 0;
  for (int i = 0; i < n && kept <= n / nt; i++) {
    if (used[i]) continue;
    if (kept < n / nt) {
      p->numbers[kept] = s->numbers[i];
      memcpy(p->positions + 3 * kept, s->positions + 3 * i, 3 * sizeof(double));
    }
    kept++;
    for (int k = 0; k < nt; k++) /* mark i's translated copies */
      for (int j = 0; j < n; j++) {
        if (used[j] || s->numbers[j] != s->numbers[i]) continue;
        double df[3], d[3];
        for (int x = 0; x < 3; x++) {
          df[x] = f[3 * i + x] + t[3 * k + x] - f[3 * j + x];
          df[x] -= nearbyint(df[x]);
        }
        nacre_cell_frac_to_cart(s->cell, df, d);
        if (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] < tol * tol) used[j] = 1;
      }
  }
  if (kept != n / nt) { /* copies not one-to-one within tol */
    nacre_structure_free(p);
    p = NULL;
    goto done;
  }
  nacre_structure_wrap(p);
done:
  free(f);
  free(t);
  free(c);
  free(used);
  nacre_structure_free(s);
  *out = p;
  return st;
}

nacre_status op_random_supercell(const nacre_structure *a, double symprec,
                                 nacre_rng *rng, nacre_structure **out,
                                 nacre_error *err) {
  *out = NULL;
  nacre_structure *prim = NULL, *sup = NULL;
  nacre_status st = primitive_of(a, symprec, &prim, err);
  if (st || !prim) return st;
  int np = prim->natoms, k = a->natoms / np;
  /* the sublattices of index k: rows a1 = d1 p1, a2 = H21 p1 + d2 p2,
   * a3 = H31 p1 + H32 p2 + d3 p3 with d1 d2 d3 = k, 0 ≤ H21, H31 < d1 and
   * 0 ≤ H32 < d2 (each column reduced by the row above that holds its
   * pivot): d1² d2 forms for each diagonal */
  int count = 0;
  for (int d1 = 1; d1 <= k; d1++)
    for (int d2 = 1; k % d1 == 0 && d2 <= k / d1; d2++)
      if ((k / d1) % d2 == 0) count += d1 * d1 * d2;
  int r = nacre_rng_int(rng, count), m[3][3] = {{0}};
  for (int d1 = 1; d1 <= k && !m[0][0]; d1++)
    for (int d2 = 1; k % d1 == 0 && d2 <= k / d1 && !m[0][0]; d2++) {
      if ((k / d1) % d2) continue;
      if (r >= d1 * d1 * d2) {
        r -= d1 * d1 * d2;
        continue;
      }
      m[0][0] = d1;
      m[1][1] = d2;
      m[2][2] = k / d1 / d2;
      m[1][0] = r % d1;
      m[2][0] = (r / d1) % d1;
      m[2][1] = r / d1 / d1;
    }
  st = nacre_structure_supercell(prim, (const int(*)[3])m, &sup, err);
  nacre_structure_free(prim);
  if (st) return st;
  st = nacre_structure_niggli(sup, out, err);
  nacre_structure_free(sup);
  return st;
}

/* The mutation of a supercell s (op_random_supercell) of the parent, or
 * of the parent's own cell when that is primitive (the one sublattice of
 * index 1): what breaks the translations the supercell adds (a homogeneous
 * strain would keep them). prefix ("supercell-" or "") goes before the
 * name. Takes s. */
static nacre_status supercell_mutation(nacre_structure *s, int soft_rank,
                                       const nacre_random_options *o,
                                       const op_modes *modes, nacre_rng *rng,
                                       const char *prefix,
                                       nacre_structure **out, char *op,
                                       nacre_error *err) {
  int multi = 0;
  for (int i = 1; i < s->natoms; i++) multi |= s->numbers[i] != s->numbers[0];
  double d = length_scale(s, o), u = nacre_rng_uniform(rng);
  const char *name;
  if (multi && u < 0.5 && mutate_exchange(s, rng)) {
    name = "exchange";
  } else if ((multi ? u < 0.75 : u < 0.5) &&
             mutate_soft(s, o, modes, d, soft_rank, rng)) {
    name = "soft-mode";
  } else {
    mutate_rattle(s, 0.2 * d, rng);
    name = "displacement";
  }
  snprintf(op, 24, "%s%s", prefix, name);
  nacre_structure_wrap(s);
  return finish_mutation(s, o, rng, out, err);
}

nacre_status op_mutate(const nacre_structure *a, int soft_rank,
                       const nacre_random_options *o, const op_modes *modes,
                       nacre_rng *rng, nacre_structure **out, char *op,
                       nacre_error *err) {
  *out = NULL;
  if (!is_cluster(a) && modes && modes->supercell > 0 &&
      nacre_rng_uniform(rng) < modes->supercell) {
    nacre_structure *sup = NULL;
    nacre_error tmp;
    nacre_status st = op_random_supercell(a, modes->symprec, rng, &sup, &tmp);
    if (st == NACRE_ERR_NOMEM)
      return nacre_error_set(err, st, "%s", tmp.message);
    if (!st && sup)
      return supercell_mutation(sup, soft_rank, o, modes, rng, "supercell-",
                                out, op, err);
    /* a parent that is its own primitive cell: the same moves in its cell */
    nacre_structure *own = st ? NULL : nacre_structure_copy(a, err);
    if (own)
      return supercell_mutation(own, soft_rank, o, modes, rng, "", out, op,
                                err);
    if (!st) return NACRE_ERR_NOMEM;
  }
  if (symmetric_turn(a, modes, rng)) {
    nacre_error tmp;
    nacre_status st = op_sym_mutate(a, o, modes->symprec, -1, rng, out, op,
                                    &tmp);
    /* any other failure (no shared symmetry, spglib's) falls back */
    if (st == NACRE_OK) return st;
    if (st == NACRE_ERR_NOMEM)
      return nacre_error_set(err, st, "%s", tmp.message);
  }
  nacre_structure *s = nacre_structure_copy(a, err);
  if (!s) return NACRE_ERR_NOMEM;
  int multi = 0;
  for (int i = 1; i < s->natoms; i++) multi |= s->numbers[i] != s->numbers[0];
  double d = length_scale(s, o);
  double u = nacre_rng_uniform(rng);
  if (is_cluster(s)) {
    if (u < 0.35) {
      mutate_cap(s, rng);
      strcpy(op, "cap-rotation");
    } else if (u < 0.6 && multi) {
      mutate_swap(s, rng);
      strcpy(op, "swap");
    } else if (u < 0.8 && mutate_soft(s, o, modes, d, soft_rank, rng)) {
      strcpy(op, "soft-mode");
    } else {
      mutate_rattle(s, 0.25 * d, rng);
      strcpy(op, "displacement");
    }
  } else {
    if (u < 0.35) {
      mutate_strain(s, rng);
      mutate_rattle(s, 0.05 * d, rng);
      strcpy(op, "strain");
    } else if (u < 0.55 && multi) {
      mutate_swap(s, rng);
      strcpy(op, "swap");
    } else if (u < 0.8 && mutate_soft(s, o, modes, d, soft_rank, rng)) {
      strcpy(op, "soft-mode");
    } else {
      mutate_rattle(s, 0.2 * d, rng);
      strcpy(op, "displacement");
    }
    nacre_structure_wrap(s);
  }
  return finish_mutation(s, o, rng, out, err);
}

/* ------------------------------------------------------------------ */
/* Swarm                                                                 */
/* ------------------------------------------------------------------ */

/* For each atom of x, the displacement (fractional for crystals, Cartesian
 * for clusters, both centred) to a distinct atom of t of the same species,
 * matched greedily by distance. */
static nacre_status match_displacements(const nacre_structure *x,
                                        const double *px,
                                        const nacre_structure *t,
                                        const double *pt, int cluster,
                                        double *disp, nacre_error *err) {
  int n = x->natoms;
  char *used = calloc((size_t)n, 1);
  if (!used) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (int i = 0; i < n; i++) {
    int best = -1;
    double bd = 1e300, bv[3] = {0, 0, 0};
    for (int j = 0; j < n; j++) {
      if (used[j] || t->numbers[j] != x->numbers[i]) continue;
      double v[3];
      for (int k = 0; k < 3; k++) {
        v[k] = pt[3 * j + k] - px[3 * i + k];
        if (!cluster) v[k] -= floor(v[k] + 0.5);
      }
      double d2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
      if (d2 < bd) bd = d2, best = j, memcpy(bv, v, sizeof bv);
    }
    if (best >= 0) used[best] = 1;
    memcpy(disp + 3 * i, bv, sizeof bv);
  }
  free(used);
  return NACRE_OK;
}

static nacre_status coords(const nacre_structure *s, int cluster, double *out,
                           nacre_error *err) {
  if (!cluster) return nacre_structure_get_frac(s, out, err);
  double c[3];
  cluster_centre(s, c);
  for (int i = 0; i < s->natoms; i++)
    for (int k = 0; k < 3; k++) out[3 * i + k] = s->positions[3 * i + k] - c[k];
  return NACRE_OK;
}

nacre_status op_swarm_velocity(const nacre_structure *from,
                               const nacre_structure *child, double *v,
                               nacre_error *err) {
  int n = child->natoms, cluster = is_cluster(child);
  if (from->natoms != n)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "swarm: structures of different sizes");
  nacre_structure *fr = NULL;
  double *cf = malloc(sizeof(double) * 3 * (size_t)n);
  nacre_status st = cf ? NACRE_OK : nacre_error_set(err, NACRE_ERR_NOMEM,
                                                    "out of memory");
  if (!st && !cluster) st = nacre_structure_niggli(from, &fr, err);
  if (!st) st = coords(cluster ? from : fr, cluster, cf, err);
  if (!st) st = coords(child, cluster, v, err);
  if (!st)
    for (int i = 0; i < 3 * n; i++) {
      v[i] -= cf[i];
      if (!cluster) v[i] -= floor(v[i] + 0.5);
    }
  nacre_structure_free(fr);
  free(cf);
  return st;
}

/* Fractional coordinates of s change basis with its Niggli reduction r
 * (r = M·s, rows): f_r = f · M^−1. Applies that to the n rows of v. */
static nacre_status velocity_to_reduced(const nacre_structure *s,
                                        const nacre_structure *r, double *v,
                                        nacre_error *err) {
  double inv[3][3], m[3][3], minv[3][3];
  if (nacre_mat3_inverse(s->cell, inv))
    return nacre_error_set(err, NACRE_ERR_NUMERIC, "swarm: singular cell");
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      double t = 0;
      for (int k = 0; k < 3; k++) t += r->cell[i][k] * inv[k][j];
      m[i][j] = nearbyint(t);
    }
  if (nacre_mat3_inverse(m, minv))
    return nacre_error_set(err, NACRE_ERR_NUMERIC, "swarm: singular basis change");
  for (int a = 0; a < s->natoms; a++) {
    double f[3];
    for (int j = 0; j < 3; j++)
      f[j] = v[3 * a] * minv[0][j] + v[3 * a + 1] * minv[1][j] +
             v[3 * a + 2] * minv[2][j];
    memcpy(v + 3 * a, f, sizeof f);
  }
  return NACRE_OK;
}

nacre_status op_swarm_move(const nacre_structure *x, const double *vx,
                           const nacre_structure *p, const nacre_structure *g,
                           double w, double c1, double c2,
                           const nacre_random_options *o, nacre_rng *rng,
                           nacre_structure **out, nacre_error *err) {
  *out = NULL;
  int n = x->natoms, cluster = is_cluster(x);
  if (p->natoms != n || g->natoms != n)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "swarm: structures of different sizes");
  nacre_structure *xr = NULL, *pr = NULL, *gr = NULL, *s = NULL;
  double *buf = malloc(sizeof(double) * 3 * (size_t)n * 6);
  nacre_status st = NACRE_OK;
  if (!buf) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  double *cx = buf, *cp = buf + 3 * n, *cg = buf + 6 * n, *dp = buf + 9 * n,
         *dg = buf + 12 * n, *vel = buf + 15 * n;
  if (cluster) {
    xr = nacre_structure_copy(x, err);
    pr = nacre_structure_copy(p, err);
    gr = nacre_structure_copy(g, err);
    if (!xr || !pr || !gr) st = NACRE_ERR_NOMEM;
  } else {
    /* Reduced cells make lattice parameters comparable. */
    if (!(st = nacre_structure_niggli(x, &xr, err)) &&
        !(st = nacre_structure_niggli(p, &pr, err)))
      st = nacre_structure_niggli(g, &gr, err);
  }
  if (st) goto done;
  if ((st = coords(xr, cluster, cx, err)) || (st = coords(pr, cluster, cp, err)) ||
      (st = coords(gr, cluster, cg, err)) ||
      (st = match_displacements(xr, cx, pr, cp, cluster, dp, err)) ||
      (st = match_displacements(xr, cx, gr, cg, cluster, dg, err)))
    goto done;
  if (vx) {
    memcpy(vel, vx, sizeof(double) * 3 * (size_t)n);
    if (!cluster && (st = velocity_to_reduced(x, xr, vel, err))) goto done;
  }
  double r1 = nacre_rng_uniform(rng), r2 = nacre_rng_uniform(rng);
  double noise = cluster ? 0.1 * length_scale(x, o) : 0.02;
  s = nacre_structure_copy(xr, err);
  if (!s) {
    st = NACRE_ERR_NOMEM;
    goto done;
  }
  for (int i = 0; i < 3 * n; i++)
    cx[i] += c1 * r1 * dp[i] + c2 * r2 * dg[i] +
             w * (vx ? vel[i] : noise * nacre_rng_normal(rng));
  if (cluster) {
    memcpy(s->positions, cx, sizeof(double) * 3 * (size_t)n);
    cluster_box(s);
  } else {
    double la[3], aa[3], lp[3], ap[3], lg[3], ag[3], l[3], an[3];
    nacre_cell_lengths_angles(xr->cell, la, aa);
    nacre_cell_lengths_angles(pr->cell, lp, ap);
    nacre_cell_lengths_angles(gr->cell, lg, ag);
    for (int k = 0; k < 3; k++) {
      l[k] = la[k] + c1 * r1 * (lp[k] - la[k]) + c2 * r2 * (lg[k] - la[k]);
      an[k] = aa[k] + c1 * r1 * (ap[k] - aa[k]) + c2 * r2 * (ag[k] - aa[k]);
      if (l[k] < 0.5 * la[k]) l[k] = 0.5 * la[k];
      if (an[k] < 50) an[k] = 50;
      if (an[k] > 130) an[k] = 130;
    }
    double cell[3][3];
    if (nacre_cell_from_lengths_angles(l, an, cell) ||
        !(nacre_cell_volume(cell) > 0.3 * l[0] * l[1] * l[2]))
      memcpy(cell, xr->cell, sizeof cell);
    double vx = fabs(nacre_structure_volume(xr)), vp = fabs(nacre_structure_volume(pr)),
           vg = fabs(nacre_structure_volume(gr));
    double v = vx + c1 * r1 * (vp - vx) + c2 * r2 * (vg - vx);
    if (v < 0.5 * vx) v = 0.5 * vx;
    set_cell_at_volume(s, cell, v);
    for (int i = 0; i < 3 * n; i++) cx[i] -= floor(cx[i]);
    nacre_structure_set_frac(s, cx);
  }
  st = repair_or_fail(s, o, rng, "swarm: atoms too close after the move",
                      err);
  if (st) goto done;
  *out = s;
  s = NULL;
done:
  nacre_structure_free(xr);
  nacre_structure_free(pr);
  nacre_structure_free(gr);
  nacre_structure_free(s);
  free(buf);
  return st;
}

/* ------------------------------------------------------------------ */
/* Basin hopping                                                         */
/* ------------------------------------------------------------------ */

/* Neighbours of atom i within 1.3 d (d ≈ a bond length). */
static int coordination(const nacre_structure *s, int i, double d) {
  int n = 0;
  for (int j = 0; j < s->natoms; j++)
    n += j != i && pair_distance(s, i, j) < 1.3 * d;
  return n;
}

/* Moves the m least-coordinated atoms of a cluster onto its surface: each
 * goes one bond length beyond the atom that lies furthest out along a
 * random direction. The least-bound atoms are the ones most likely to sit
 * in the wrong place, and a whole-cluster step seldom moves them far
 * enough. */
static void hop_surface(nacre_structure *s, double d, int m, nacre_rng *rng) {
  double c[3];
  for (int t = 0; t < m; t++) {
    int lo = -1, nlo = 1 << 30;
    for (int i = 0; i < s->natoms; i++) {
      int n = coordination(s, i, d);
      /* ties broken at random so that equal atoms share the moves */
      if (n < nlo || (n == nlo && nacre_rng_uniform(rng) < 0.5)) {
        nlo = n;
        lo = i;
      }
    }
    cluster_centre(s, c);
    double u[3], best = -INFINITY;
    int out = -1;
    nacre_rng_unit_vector(rng, u);
    for (int i = 0; i < s->natoms; i++) {
      if (i == lo) continue;
      double h = 0;
      for (int k = 0; k < 3; k++) h += (s->positions[3 * i + k] - c[k]) * u[k];
      if (h > best) {
        best = h;
        out = i;
      }
    }
    if (out < 0) return;
    for (int k = 0; k < 3; k++)
      s->positions[3 * lo + k] = s->positions[3 * out + k] + d * u[k];
  }
}

/* Mean distance from each atom to its nearest neighbour: the bond length
 * of the minimum itself, right whatever units the potential's minimum
 * distances were set in. */
static double nearest_neighbour_mean(const nacre_structure *s) {
  double sum = 0;
  for (int i = 0; i < s->natoms; i++) {
    double dmin = INFINITY;
    for (int j = 0; j < s->natoms; j++)
      if (j != i) dmin = fmin(dmin, pair_distance(s, i, j));
    sum += dmin;
  }
  return sum / s->natoms;
}

nacre_status op_hop(const nacre_structure *a, const nacre_random_options *o,
                    const op_modes *modes, nacre_rng *rng,
                    nacre_structure **out, char *op, nacre_error *err) {
  if (!is_cluster(a) || a->natoms < 2)
    return op_mutate(a, 0, o, modes, rng, out, op, err);
  *out = NULL;
  nacre_structure *s = nacre_structure_copy(a, err);
  if (!s) return NACRE_ERR_NOMEM;
  double d = nearest_neighbour_mean(s);
  /* a parent already closer than the minimum distances (they were set for
   * another length scale) is held to its own closest pair */
  double factor = fmin(1.0, closest_ratio(s, o));
  if (nacre_rng_uniform(rng) < 0.5) {
    /* Wales & Doye's step: every coordinate moves uniformly within
     * ±0.36 σ, about 0.32 of the nearest-neighbour distance d. */
    for (int i = 0; i < 3 * s->natoms; i++)
      s->positions[i] += 0.32 * d * (2 * nacre_rng_uniform(rng) - 1);
    strcpy(op, "hop-step");
  } else {
    hop_surface(s, d, 1 + nacre_rng_int(rng, 3), rng);
    strcpy(op, "hop-surface");
  }
  cluster_box(s);
  /* The full minimum distances (not the 0.75 of the other operators): a
   * hop displaces every atom, and a child with many compressed pairs
   * would only relax back into its parent or fail its start check. */
  nacre_status st = NACRE_OK;
  if (!op_repair_distances(s, o, factor, rng))
    st = nacre_error_set(err, NACRE_ERR_NOT_CONVERGED,
                         "hop: atoms too close after repair");
  if (st) {
    nacre_structure_free(s);
    return st;
  }
  *out = s;
  return NACRE_OK;
}
