/* cluster.c — random clusters: atoms in a sphere at minimum distances, in
 * a non-periodic box. Random crystals of a space group live in sym
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

