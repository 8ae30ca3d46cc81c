/* test_cluster.c — random clusters: 38 argon atoms inside a sphere at the
 * minimum distances, in a non-periodic box; clusters of a point group map
 * onto themselves under each of its operations (every image within 1e-9 Å
 * of an atom of the same element), keep the minimum distances and the
 * composition, and a group whose orbits cannot add up to the counts is
 * refused. */
#include <math.h>
#include <string.h>

#include "nacre/search.h"
#include "testing.h"

/* Largest distance from the image of an atom under an operation of g
 * (about the centre of the box) to the nearest atom of the same element. */
static double symmetry_error(const nacre_structure *s,
                             const nacre_pointgroup *g) {
  double worst = 0, c = 0.5 * s->cell[0][0];
  for (int k = 0; k < g->nops; k++)
    for (int a = 0; a < s->natoms; a++) {
      double x[3], y[3], best = 1e300;
      for (int i = 0; i < 3; i++) x[i] = s->positions[3 * a + i] - c;
      for (int i = 0; i < 3; i++)
        y[i] = g->rot[k][i][0] * x[0] + g->rot[k][i][1] * x[1] +
               g->rot[k][i][2] * x[2] + c;
      for (int b = 0; b < s->natoms; b++) {
        if (s->numbers[b] != s->numbers[a]) continue;
        double d2 = 0;
        for (int i = 0; i < 3; i++) {
          double v = y[i] - s->positions[3 * b + i];
          d2 += v * v;
        }
        if (d2 < best) best = d2;
      }
      if (sqrt(best) > worst) worst = sqrt(best);
    }
  return worst;
}

static double closest_ratio(const nacre_structure *s,
                            const nacre_random_options *o) {
  double worst = 1e300;
  for (int i = 0; i < s->natoms; i++)
    for (int j = 0; j < i; j++) {
      double d2 = 0;
      for (int k = 0; k < 3; k++) {
        double v = s->positions[3 * i + k] - s->positions[3 * j + k];
        d2 += v * v;
      }
      double r = sqrt(d2) / nacre_random_min_distance(o, s->numbers[i],
                                                      s->numbers[j]);
      if (r < worst) worst = r;
    }
  return worst;
}

static void check_symmetric(const char *group, const char *formula,
                            nacre_rng *rng) {
  nacre_error err;
  nacre_composition c;
  nacre_pointgroup *g = NULL;
  CHECK_OK(nacre_composition_parse(formula, &c, &err), &err);
  CHECK_OK(nacre_pointgroup_new(group, &g, &err), &err);
  if (!g) return;
  CHECK(nacre_pointgroup_holds(g, &c), "%s holds %s", group, formula);
  nacre_random_options o;
  nacre_random_options_init(&o);
  for (int rep = 0; rep < 5; rep++) {
    nacre_structure *s = NULL;
    CHECK_OK(nacre_random_symmetric_cluster(&c, g, &o, 8.0, rng, &s, &err),
             &err);
    if (!s) continue;
    int count[NACRE_MAX_SPECIES] = {0}, ok = s->natoms == nacre_composition_natoms(&c);
    for (int a = 0; a < s->natoms; a++)
      for (int k = 0; k < c.nspecies; k++) count[k] += s->numbers[a] == c.z[k];
    for (int k = 0; k < c.nspecies; k++) ok = ok && count[k] == c.count[k];
    CHECK(ok, "%s %s: composition kept", group, formula);
    double e = symmetry_error(s, g), r = closest_ratio(s, &o);
    CHECK(e < 1e-9, "%s %s: symmetric to %.2e Å", group, formula, e);
    CHECK(r >= 1.0, "%s %s: closest pair %.3f × d_min", group, formula, r);
    CHECK(!s->pbc[0] && !s->pbc[1] && !s->pbc[2], "not periodic");
    nacre_structure_free(s);
  }
  nacre_pointgroup_free(g);
}

static void check_refused(const char *group, const char *formula) {
  nacre_error err;
  nacre_composition c;
  nacre_pointgroup *g = NULL;
  nacre_rng rng;
  nacre_rng_init(&rng, 1, 0);
  CHECK_OK(nacre_composition_parse(formula, &c, &err), &err);
  CHECK_OK(nacre_pointgroup_new(group, &g, &err), &err);
  if (!g) return;
  nacre_random_options o;
  nacre_random_options_init(&o);
  nacre_structure *s = NULL;
  nacre_status st = nacre_random_symmetric_cluster(&c, g, &o, 8.0, &rng, &s,
                                                   &err);
  CHECK(!nacre_pointgroup_holds(g, &c) && st == NACRE_ERR_INVALID && !s &&
            strstr(err.message, group),
        "%s %s refused (%s)", group, formula, err.message);
  nacre_structure_free(s);
  nacre_pointgroup_free(g);
}

int main(void) {
  nacre_rng rng;
  nacre_rng_init(&rng, 42, 0);
  /* clusters: atoms inside the sphere, distances respected, no periodicity */
  {
    nacre_composition c;
    nacre_error err;
    nacre_composition_parse("Ar38", &c, &err);
    nacre_random_options o;
    nacre_random_options_init(&o);
    nacre_structure *s = NULL;
    CHECK_OK(nacre_random_cluster(&c, &o, 8.0, &rng, &s, &err), &err);
    if (s) {
      CHECK(!s->pbc[0] && !s->pbc[1] && !s->pbc[2], "cluster is not periodic");
      double worst = 1e300;
      for (int i = 0; i < s->natoms; i++)
        for (int j = 0; j < i; j++) {
          double d2 = 0;
          for (int k = 0; k < 3; k++) {
            double v = s->positions[3 * i + k] - s->positions[3 * j + k];
            d2 += v * v;
          }
          double r = sqrt(d2) / nacre_random_min_distance(&o, 18, 18);
          if (r < worst) worst = r;
        }
      CHECK(worst >= 1.0, "cluster distance/d_min %.3f", worst);
      nacre_structure_free(s);
    }
  }
  check_symmetric("Oh", "Ar38", &rng);
  check_symmetric("Ih", "Ar13", &rng);
  check_symmetric("Ih", "Ar55", &rng);
  check_symmetric("D5h", "Ar19", &rng);
  check_symmetric("C3v", "Ar5", &rng);  /* atoms on the axis */
  check_symmetric("Td", "Li12Sn4", &rng);
  check_symmetric("D2h", "Li6Sn3", &rng);
  check_symmetric("Ci", "Li3Sn4", &rng); /* Li: one at the centre */
  check_refused("Ih", "Ar5");
  check_refused("Oh", "Ar2");
  check_refused("Oh", "Li7Sn7");          /* both need the centre */
  TEST_DONE();
}
