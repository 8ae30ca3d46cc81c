/* cluster.c — random clusters: atoms in a sphere at minimum distances, in
 * a non-periodic box, with no symmetry or with the symmetry of a chosen
 * point group (orbits of its sites, as random crystals of a space group
 * fill Wyckoff positions). Random crystals of a space group live in sym
 * (random_crystal.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/search.h"

/* ------------------------------------------------------------------ */
/* Clusters                                                              */
/* ------------------------------------------------------------------ */

nacre_status nacre_random_cluster(const nacre_composition *c,
                                  const nacre_random_options *o, double vacuum,
                                  nacre_rng *rng, nacre_structure **out,
                                  nacre_error *err) {
  *out = NULL;
  int natoms = nacre_composition_natoms(c);
  if (natoms < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID, "empty composition");
  if (vacuum <= 0) vacuum = 10.0;
  double vatom = o->volume_per_atom > 0
                     ? o->volume_per_atom
                     : nacre_estimate_volume_per_atom(c, o->pressure_gpa);
  double radius = cbrt(3.0 * natoms * vatom / (4.0 * NACRE_PI));
  nacre_structure *s = nacre_structure_new(natoms, err);
  if (!s) return NACRE_ERR_NOMEM;
  int k = 0;
  for (int sp = 0; sp < c->nspecies; sp++)
    for (int i = 0; i < c->count[sp]; i++) s->numbers[k++] = c->z[sp];
  /* Shuffle species order so that no species sits in the middle. */
  for (int i = natoms - 1; i > 0; i--) {
    int j = nacre_rng_int(rng, i + 1), t = s->numbers[i];
    s->numbers[i] = s->numbers[j];
    s->numbers[j] = t;
  }
  int placed = 0;
  for (int grow = 0; grow < 20 && placed < natoms; grow++) {
    placed = 0;
    for (int i = 0; i < natoms; i++) {
      int ok = 0;
      for (int t = 0; t < 1000 && !ok; t++) {
        double u[3], r = radius * cbrt(nacre_rng_uniform(rng));
        nacre_rng_unit_vector(rng, u);
        double *x = s->positions + 3 * i;
        for (int d = 0; d < 3; d++) x[d] = r * u[d];
        ok = 1;
        for (int j = 0; j < i && ok; j++) {
          double dd = 0;
          for (int d = 0; d < 3; d++) {
            double v = x[d] - s->positions[3 * j + d];
            dd += v * v;
          }
          double dm = nacre_random_min_distance(o, s->numbers[i], s->numbers[j]);
          ok = dd >= dm * dm;
        }
      }
      if (!ok) break;
      placed++;
    }
    if (placed < natoms) radius *= 1.05;
  }
  if (placed < natoms) {
    nacre_structure_free(s);
    char comp[128];
    nacre_composition_format(c, comp, sizeof comp);
    return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED,
                           "cluster %s: could not place the atoms at the "
                           "minimum distances in a sphere of radius %.2f Å",
                           comp, radius);
  }
  double box = 2.0 * radius + vacuum;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) s->cell[i][j] = i == j ? box : 0.0;
  s->pbc[0] = s->pbc[1] = s->pbc[2] = 0;
  for (int i = 0; i < 3 * natoms; i++) s->positions[i] += 0.5 * box;
  *out = s;
  return NACRE_OK;
}


/* ------------------------------------------------------------------ */
/* Clusters of a point group                                             */
/* ------------------------------------------------------------------ */

/* reach[m]: whether m atoms fill orbits of the sites off the origin
 * (any number of each; the origin holds one atom at most). */
static void orbit_reach(const nacre_pointgroup *g, int n, char *reach) {
  memset(reach, 0, (size_t)n + 1);
  reach[0] = 1;
  for (int m = 1; m <= n; m++)
    for (int s = 0; s < g->nsites && !reach[m]; s++)
      reach[m] = g->site[s].dim > 0 && g->site[s].orbit <= m &&
                 reach[m - g->site[s].orbit];
}

static int fillable(const char *reach, int m, int origin) {
  return reach[m] || (origin && m >= 1 && reach[m - 1]);
}

/* The element (index into c) that needs the origin: -1 none, -2 more than
 * one or an element that cannot be filled at all. */
static int origin_owner(const nacre_pointgroup *g, const nacre_composition *c,
                        char *reach) {
  int owner = -1;
  for (int k = 0; k < c->nspecies; k++) {
    orbit_reach(g, c->count[k], reach);
    if (reach[c->count[k]]) continue;
    if (owner != -1 || !fillable(reach, c->count[k], 1)) return -2;
    owner = k;
  }
  return owner;
}

static int max_count(const nacre_composition *c) {
  int n = 0;
  for (int k = 0; k < c->nspecies; k++) n = c->count[k] > n ? c->count[k] : n;
  return n;
}

int nacre_pointgroup_holds(const nacre_pointgroup *g,
                           const nacre_composition *c) {
  char *reach = malloc((size_t)max_count(c) + 1);
  int ok = reach && c->nspecies > 0 && origin_owner(g, c, reach) != -2;
  free(reach);
  return ok;
}

/* Splits n atoms into orbits, drawing each orbit's site uniformly from
 * those that leave a remainder that can still be filled. Returns the
 * number of orbits written to site[]; *origin is cleared when the origin
 * was used. */
static int split_into_orbits(const nacre_pointgroup *g, int n, int *origin,
                             const char *reach, nacre_rng *rng, int *site) {
  int norbits = 0, m = n, options[NACRE_POINTGROUP_MAX_SITES];
  while (m > 0) {
    int nopt = 0;
    for (int s = 0; s < g->nsites; s++) {
      int size = g->site[s].orbit;
      if (size > m) continue;
      if (g->site[s].dim == 0 ? *origin && reach[m - 1]
                              : fillable(reach, m - size, *origin))
        options[nopt++] = s;
    }
    if (!nopt) return -1; /* not reached: callers check fillable first */
    int s = options[nacre_rng_int(rng, nopt)];
    if (g->site[s].dim == 0) *origin = 0;
    site[norbits++] = s;
    m -= g->site[s].orbit;
  }
  return norbits;
}

/* A random point of site s's subspace within radius r, uniform over the
 * line, disc or ball. */
static void site_point(const nacre_pointgroup_site *site, double radius,
                       nacre_rng *rng, double y[3]) {
  if (site->dim == 0) {
    y[0] = y[1] = y[2] = 0;
    return;
  }
  double norm = 0;
  for (int t = 0; t < 100 && norm < 1e-6; t++) {
    double u[3];
    nacre_rng_unit_vector(rng, u);
    norm = 0;
    for (int i = 0; i < 3; i++) {
      y[i] = site->projector[i][0] * u[0] + site->projector[i][1] * u[1] +
             site->projector[i][2] * u[2];
      norm += y[i] * y[i];
    }
    norm = sqrt(norm);
  }
  double r = radius * pow(nacre_rng_uniform(rng), 1.0 / site->dim);
  for (int i = 0; i < 3; i++) y[i] *= r / norm;
}

/* Places orbit (site s, element z) at atoms [first, first + orbit) of s,
 * at least the minimum distances from each other and from atoms [0,
 * first). 0 when no try fit. */
static int place_orbit(nacre_structure *s, int first, const nacre_pointgroup *g,
                       int site, int z, const nacre_random_options *o,
                       double radius, nacre_rng *rng, double (*img)[3]) {
  const nacre_pointgroup_site *st = &g->site[site];
  for (int t = 0; t < 200; t++) {
    double y[3];
    site_point(st, radius, rng, y);
    /* a point that fell on a smaller orbit (another symmetry element) is
     * refused: the orbit must have its site's size */
    if (nacre_pointgroup_orbit(g, y, 1e-6 * radius, img) != st->orbit) continue;
    int ok = 1;
    double dzz = nacre_random_min_distance(o, z, z);
    for (int a = 0; a < st->orbit && ok; a++) {
      for (int b = 0; b < a && ok; b++) {
        double d2 = 0;
        for (int i = 0; i < 3; i++) d2 += (img[a][i] - img[b][i]) * (img[a][i] - img[b][i]);
        ok = d2 >= dzz * dzz;
      }
      for (int j = 0; j < first && ok; j++) {
        double d2 = 0, dm = nacre_random_min_distance(o, z, s->numbers[j]);
        for (int i = 0; i < 3; i++) {
          double v = img[a][i] - s->positions[3 * j + i];
          d2 += v * v;
        }
        ok = d2 >= dm * dm;
      }
    }
    if (!ok) continue;
    for (int a = 0; a < st->orbit; a++) {
      s->numbers[first + a] = z;
      for (int i = 0; i < 3; i++) s->positions[3 * (first + a) + i] = img[a][i];
    }
    return 1;
  }
  return 0;
}

nacre_status nacre_random_symmetric_cluster(const nacre_composition *c,
                                            const nacre_pointgroup *g,
                                            const nacre_random_options *o,
                                            double vacuum, nacre_rng *rng,
                                            nacre_structure **out,
                                            nacre_error *err) {
  *out = NULL;
  int natoms = nacre_composition_natoms(c);
  char comp[128];
  nacre_composition_format(c, comp, sizeof comp);
  if (natoms < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID, "empty composition");
  char *reach = malloc((size_t)max_count(c) + 1);
  int *site = malloc(sizeof(int) * (size_t)natoms),
      *elem = malloc(sizeof(int) * (size_t)natoms);
  double(*img)[3] = malloc(sizeof(double[3]) * (size_t)g->nops);
  nacre_structure *s = nacre_structure_new(natoms, err);
  nacre_status st = NACRE_OK;
  if (!reach || !site || !elem || !img || !s) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  int owner = origin_owner(g, c, reach);
  if (owner == -2) {
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "point group %s cannot hold %s: the orbits of its "
                         "sites do not add up to the counts",
                         g->symbol, comp);
    goto done;
  }
  /* orbits of every element, in a random order of placement */
  int norbits = 0, origin = owner != -2;
  for (int k = 0; k < c->nspecies; k++) {
    int mine = owner == -1 ? origin : owner == k;
    orbit_reach(g, c->count[k], reach);
    int n = split_into_orbits(g, c->count[k], &mine, reach, rng,
                              site + norbits);
    if (owner == -1) origin = mine;
    for (int m = 0; m < n; m++) elem[norbits + m] = c->z[k];
    norbits += n;
  }
  for (int i = norbits - 1; i > 0; i--) {
    int j = nacre_rng_int(rng, i + 1), t = site[i];
    site[i] = site[j];
    site[j] = t;
    t = elem[i];
    elem[i] = elem[j];
    elem[j] = t;
  }
  double vatom = o->volume_per_atom > 0
                     ? o->volume_per_atom
                     : nacre_estimate_volume_per_atom(c, o->pressure_gpa);
  double radius = cbrt(3.0 * natoms * vatom / (4.0 * NACRE_PI));
  int placed = 0;
  for (int grow = 0; grow < 30 && placed < norbits; grow++) {
    int first = 0;
    for (placed = 0; placed < norbits; placed++) {
      if (!place_orbit(s, first, g, site[placed], elem[placed], o, radius, rng,
                       img))
        break;
      first += g->site[site[placed]].orbit;
    }
    if (placed < norbits) radius *= 1.05;
  }
  if (placed < norbits) {
    st = nacre_error_set(err, NACRE_ERR_NOT_CONVERGED,
                         "cluster %s of point group %s: could not place the "
                         "orbits at the minimum distances in a sphere of "
                         "radius %.2f Å",
                         comp, g->symbol, radius);
    goto done;
  }
  double box = 2.0 * radius + (vacuum > 0 ? vacuum : 10.0);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) s->cell[i][j] = i == j ? box : 0.0;
  s->pbc[0] = s->pbc[1] = s->pbc[2] = 0;
  for (int i = 0; i < 3 * natoms; i++) s->positions[i] += 0.5 * box;
  *out = s;
  s = NULL;
done:
  nacre_structure_free(s);
  free(reach);
  free(site);
  free(elem);
  free(img);
  return st;
}
