/* distance_rule.c — shortest interatomic distances of relaxed minima, and
 * the rule that rejects minima with atoms unphysically close: spurious
 * deep minima of machine-learned potentials at distances outside their
 * training data.
 *
 * The rule has to hold at any pressure. A fixed fraction of the covalent
 * distance (0.8 (r_A + r_B): 2.66 Å for Na) rejects every sodium structure
 * above about 60 GPa (Na–Na 2.5 Å at 120 GPa). Compression scales every
 * distance with the volume, so the reference scales with the structure's
 * own density: spheres of radii s r_i (r the covalent radii) fill the
 * volume V as densely as a close packing (fraction π/√18) when
 *   s = [V / (4√2 Σ_i r_i³)]^{1/3},
 * and the reference of a pair is min(1, s) (r_A + r_B): the covalent
 * distance for open structures (s > 1, as before: molecules, covalent
 * networks, layered holes of a potential at large volume), and the
 * nearest-neighbour distance of a close packing at the structure's density
 * (one species: d_cp = (√2 V/N)^{1/3}) once compression makes s < 1. Real
 * phases stay above 0.85 of that: fcc and hcp 1, bcc 0.97, Na cI16 0.87,
 * Na oP8 0.90, Na hP4 0.89 (tests/search/test_distance_rule.c, with the
 * numbers at 0, 120 and 200 GPa); the default factor is 0.8. */
#include <math.h>

#include "nacre/search.h"

/* Reference distance of a pair at low density: the explicit pair distance
 * when set, else the sum of the covalent radii. */
static double closest_reference(const nacre_random_options *o, int za, int zb) {
  for (int k = 0; k < o->npairs; k++)
    if ((o->pair_z[k][0] == za && o->pair_z[k][1] == zb) ||
        (o->pair_z[k][0] == zb && o->pair_z[k][1] == za))
      return o->pair_dmin[k];
  return nacre_covalent_radius(za) + nacre_covalent_radius(zb);
}

double nacre_search_closest_ratio(const nacre_structure *s,
                                  const nacre_random_options *o) {
  double best = INFINITY;
  int lim[3];
  for (int k = 0; k < 3; k++) lim[k] = s->pbc[k] ? 1 : 0;
  for (int i = 0; i < s->natoms; i++)
    for (int j = i; j < s->natoms; j++) {
      double d0[3];
      for (int k = 0; k < 3; k++)
        d0[k] = s->positions[3 * j + k] - s->positions[3 * i + k];
      if (lim[0] || lim[1] || lim[2])
        nacre_cell_minimum_image(s->cell, s->pbc, d0);
      double ref = closest_reference(o, s->numbers[i], s->numbers[j]);
      /* the minimum image may miss the shortest vector in a skewed cell:
       * scan the neighbouring images too */
      for (int a = -lim[0]; a <= lim[0]; a++)
        for (int b = -lim[1]; b <= lim[1]; b++)
          for (int c = -lim[2]; c <= lim[2]; c++) {
            if (i == j && !a && !b && !c) continue;
            double d2 = 0;
            for (int k = 0; k < 3; k++) {
              double v = d0[k] + a * s->cell[0][k] + b * s->cell[1][k] +
                         c * s->cell[2][k];
              d2 += v * v;
            }
            double r = sqrt(d2) / ref;
            if (r < best) best = r;
          }
    }
  return best;
}

double nacre_search_density_scale(const nacre_structure *s) {
  if (!(s->pbc[0] && s->pbc[1] && s->pbc[2]) || s->natoms < 1) return 1.0;
  double r3 = 0;
  for (int i = 0; i < s->natoms; i++) {
    double r = nacre_covalent_radius(s->numbers[i]);
    r3 += r * r * r;
  }
  double v = fabs(nacre_structure_volume(s));
  if (!(r3 > 0) || !(v > 0)) return 1.0;
  return cbrt(v / (4.0 * sqrt(2.0) * r3));
}

double nacre_search_distance_ratio(const nacre_structure *s,
                                   const nacre_random_options *o,
                                   nacre_close_pair *pair) {
  double scale = fmin(1.0, nacre_search_density_scale(s));
  double best = INFINITY;
  int lim[3];
  for (int k = 0; k < 3; k++) lim[k] = s->pbc[k] ? 1 : 0;
  if (pair) {
    pair->i = pair->j = -1;
    pair->distance = pair->reference = INFINITY;
  }
  for (int i = 0; i < s->natoms; i++)
    for (int j = i; j < s->natoms; j++) {
      double d0[3];
      for (int k = 0; k < 3; k++)
        d0[k] = s->positions[3 * j + k] - s->positions[3 * i + k];
      if (lim[0] || lim[1] || lim[2])
        nacre_cell_minimum_image(s->cell, s->pbc, d0);
      double ref = scale * closest_reference(o, s->numbers[i], s->numbers[j]);
      for (int a = -lim[0]; a <= lim[0]; a++)
        for (int b = -lim[1]; b <= lim[1]; b++)
          for (int c = -lim[2]; c <= lim[2]; c++) {
            if (i == j && !a && !b && !c) continue;
            double d2 = 0;
            for (int k = 0; k < 3; k++) {
              double v = d0[k] + a * s->cell[0][k] + b * s->cell[1][k] +
                         c * s->cell[2][k];
              d2 += v * v;
            }
            double r = sqrt(d2) / ref;
            if (r < best) {
              best = r;
              if (pair) {
                pair->i = i;
                pair->j = j;
                pair->distance = sqrt(d2);
                pair->reference = ref;
              }
            }
          }
    }
  return best;
}

/* Operators leave atoms at least this fraction of the minimum distance of
 * their pair apart (operators.c, op_repair_distances). */
#define CHILD_DISTANCE_FLOOR 0.75

double nacre_search_collapse_radii(const nacre_structure *s,
                                   const nacre_random_options *o,
                                   double *radii) {
  for (int i = 0; i < s->natoms; i++)
    radii[i] = 0.5 * closest_reference(o, s->numbers[i], s->numbers[i]);
  double fraction = 0.3;
  for (int i = 0; i < s->natoms; i++)
    for (int j = 0; j <= i; j++) {
      double floor = CHILD_DISTANCE_FLOOR *
                     nacre_random_min_distance(o, s->numbers[i], s->numbers[j]);
      fraction = fmin(fraction, 0.9 * floor / (radii[i] + radii[j]));
    }
  return fraction;
}
