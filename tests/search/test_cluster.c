/* test_cluster.c — random clusters: 38 argon atoms inside a sphere at the
 * minimum distances, in a non-periodic box. */
#include <math.h>

#include "nacre/search.h"
#include "testing.h"

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
  TEST_DONE();
}
