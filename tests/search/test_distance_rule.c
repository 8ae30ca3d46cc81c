/* test_distance_rule.c — the rule that rejects relaxed minima with atoms
 * unphysically close (nacre_search_distance_ratio, --reject-closer 0.8)
 * holds at any pressure: real sodium phases pass at 0, 120 and 200 GPa,
 * where the fixed covalent rule (0.8 × 2 r_Na = 2.66 Å, the rule before)
 * rejected all of them above ~60 GPa; a pair pulled together is still
 * rejected at every pressure.
 *
 * Volumes per atom from the Vinet equation of state of PBE sodium fitted to
 * the labels of data/na-hp (V0 37.7 Å^3, B0 4.35 GPa, B0' 5.47). Phases:
 * bcc, fcc, hcp (ideal c/a); cI16 (I-43d 16c x = 0.045, McMahon et al.,
 * PNAS 104, 17297 (2007)); oP8 (Pnma, two 4c sites in the MnP-type
 * proportions of data/na-hp's starting structures, a:b:c = 5.26:3.17:5.92,
 * (0.005, 0.197) and (0.188, 0.569)); hP4 (P6_3/mmc, Na on 2a and 2d, Ma et
 * al., Nature 458, 182 (2009)) for c/a from 1.25 to 1.45. The ratio of a
 * phase depends on its geometry only once s < 1, so the table holds at any
 * pressure beyond ~20 GPa. */
#include <math.h>
#include <string.h>

#include "builders.h"
#include "nacre/search.h"
#include "testing.h"

static void scale_to(nacre_structure *s, double v_atom) {
  double f = cbrt(v_atom * s->natoms / fabs(nacre_structure_volume(s)));
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++) s->cell[i][k] *= f;
  for (int i = 0; i < 3 * s->natoms; i++) s->positions[i] *= f;
}

static nacre_structure *phase(const char *name, double c_over_a) {
  int one[3] = {1, 1, 1};
  if (!strcmp(name, "bcc") || !strcmp(name, "fcc") || !strcmp(name, "hcp"))
    return build_bulk(name, 11, 4.0, one);
  int z[2] = {11, 11};
  if (!strcmp(name, "cI16")) {
    const double f[1][3] = {{0.045, 0.045, 0.045}};
    const double abc[3] = {5.9, 5.9, 5.9}, ang[3] = {90, 90, 90};
    return build_from_sites(nacre_sg_default_hall(220), abc, ang, 1, z, f);
  }
  if (!strcmp(name, "oP8")) {
    const double f[2][3] = {{0.005, 0.25, 0.197}, {0.188, 0.25, 0.569}};
    const double abc[3] = {5.26, 3.17, 5.92}, ang[3] = {90, 90, 90};
    return build_from_sites(nacre_sg_default_hall(62), abc, ang, 2, z, f);
  }
  const double f[2][3] = {{0, 0, 0}, {1.0 / 3, 2.0 / 3, 0.75}};
  const double abc[3] = {3.0, 3.0, 3.0 * c_over_a}, ang[3] = {90, 90, 120};
  return build_from_sites(nacre_sg_default_hall(194), abc, ang, 2, z, f);
}

int main(void) {
  nacre_random_options o;
  nacre_random_options_init(&o);
  const double p[3] = {0, 120, 200}, rule = 0.8;
  const double two_r = 2 * nacre_covalent_radius(11);
  const char *names[] = {"bcc", "fcc", "hcp", "cI16", "oP8", "hP4", "hP4",
                         "hP4"};
  const double ca[] = {0, 0, 0, 0, 0, 1.25, 1.35, 1.45};
  const int expect_natoms[] = {2, 4, 2, 16, 8, 4, 4, 4};
  printf("%-6s %5s %8s %10s %10s %9s %9s\n", "phase", "P/GPa", "V/Å^3",
         "d_min/Å", "d_cp/Å", "new", "old");
  double worst_new = INFINITY;
  for (int k = 0; k < 3; k++) {
    double v = nacre_vinet_volume(p[k], 37.7, 4.35, 5.47);
    double d_cp = cbrt(sqrt(2.0) * v);
    for (int f = 0; f < 8; f++) {
      nacre_structure *s = phase(names[f], ca[f]);
      CHECK(s && s->natoms == expect_natoms[f], "%s built with %d atoms",
            names[f], s ? s->natoms : 0);
      if (!s) continue;
      scale_to(s, v);
      nacre_close_pair pair;
      double ratio = nacre_search_distance_ratio(s, &o, &pair);
      double old = nacre_search_closest_ratio(s, &o);
      printf("%-6s %5.0f %8.3f %10.4f %10.4f %9.4f %9.4f\n", names[f], p[k],
             v, pair.distance, d_cp, ratio, old);
      CHECK(ratio >= 0.85, "%s at %g GPa: ratio %.4f passes the 0.8 rule "
            "with margin", names[f], p[k], ratio);
      if (p[k] > 0)
        CHECK(old < rule, "%s at %g GPa: the fixed covalent rule (ratio "
              "%.4f) rejected it", names[f], p[k], old);
      worst_new = fmin(worst_new, ratio);
      /* a spurious pair: atom 1 moved to 0.6 of its distance from atom 0
       * (at most 1.2 d_min in these phases, so the pair ends below 0.8) */
      double d[3];
      for (int c = 0; c < 3; c++) d[c] = s->positions[3 + c] - s->positions[c];
      nacre_cell_minimum_image(s->cell, s->pbc, d);
      CHECK(sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) <
                1.25 * pair.distance,
            "%s: atoms 0 and 1 are near neighbours", names[f]);
      for (int c = 0; c < 3; c++) s->positions[3 + c] = s->positions[c] + 0.6 * d[c];
      CHECK(nacre_search_distance_ratio(s, &o, NULL) < rule,
            "%s at %g GPa with a pair at 0.6 of its distance: rejected",
            names[f], p[k]);
      nacre_structure_free(s);
    }
    /* the reference at this density: the close-packing distance */
    int one[3] = {1, 1, 1};
    nacre_structure *fcc = build_bulk("fcc", 11, 4.0, one);
    scale_to(fcc, v);
    double s_scale = nacre_search_density_scale(fcc);
    if (p[k] == 0)
      CHECK(s_scale > 1, "0 GPa: open (s = %.3f), the covalent rule applies",
            s_scale);
    else
      CHECK_CLOSE(fmin(1, s_scale) * two_r, d_cp, 1e-9,
                  "compressed: the reference is the close-packing distance");
    nacre_structure_free(fcc);
  }
  printf("smallest ratio of a real phase: %.4f (rule 0.8)\n", worst_new);
  /* open structures keep the covalent rule: Li–Sn at 2.01 Å in a cell of
   * 56.8 Å^3/atom (the spurious layered minimum of nn_LiSn_d3_v0 in
   * bench/README.md) is rejected as before */
  nacre_structure *lisn = nacre_structure_new(2, NULL);
  double a = cbrt(2 * 56.8);
  for (int i = 0; i < 3; i++) lisn->cell[i][i] = a;
  lisn->numbers[0] = 3;
  lisn->numbers[1] = 50;
  lisn->positions[3] = 2.01;
  double r = nacre_search_distance_ratio(lisn, &o, NULL);
  CHECK(r < rule && fabs(r - nacre_search_closest_ratio(lisn, &o)) < 1e-12,
        "Li-Sn 2.01 Å at 56.8 Å^3/atom: covalent reference, ratio %.3f", r);
  nacre_structure_free(lisn);
  TEST_DONE();
}
