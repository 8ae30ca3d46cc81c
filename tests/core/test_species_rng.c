/* test_species_rng.c — element table (symbols, Z, masses, radii of
 * reference elements; every element 1–103 round-trips its symbol) and
 * random streams (reproducible, independent streams, moments). */
#include <string.h>

#include "testing.h"

int main(void) {
  for (int z = 1; z <= NACRE_MAX_Z; z++) {
    const nacre_element *e = nacre_element_by_z(z);
    CHECK(e && e->z == z, "element %d present", z);
    if (!e) continue;
    CHECK(nacre_element_z(e->symbol) == z, "symbol %s round-trips", e->symbol);
    CHECK(e->mass_amu > 0.9 && e->covalent_radius > 0.2, "element %d has data", z);
    if (z > 1) {
      CHECK(e->mass_amu > nacre_element_by_z(z - 1)->mass_amu - 1.5,
            "masses roughly increase at %s", e->symbol);
    }
  }
  CHECK(nacre_element_by_z(0) == NULL && nacre_element_by_z(104) == NULL,
        "out-of-range Z");
  CHECK(nacre_element_z("Xx") == 0 && nacre_element_z("") == 0, "unknown symbols");
  CHECK(nacre_element_z("NA") == 11 && nacre_element_z("sn") == 50, "case");
  size_t len;
  CHECK(nacre_element_z_prefix("Na_pv", &len) == 11 && len == 2, "POTCAR-style prefix");
  CHECK(nacre_element_z_prefix("N1", &len) == 7 && len == 1, "label prefix");
  /* Reference values (IUPAC; Cordero 2008) */
  CHECK_CLOSE(nacre_element_by_z(11)->mass_amu, 22.98976928, 1e-8, "Na mass");
  CHECK_CLOSE(nacre_element_by_z(50)->mass_amu, 118.710, 1e-6, "Sn mass");
  CHECK_CLOSE(nacre_element_by_z(11)->covalent_radius, 1.66, 1e-12, "Na radius");
  CHECK_CLOSE(nacre_element_by_z(3)->covalent_radius, 1.28, 1e-12, "Li radius");

  /* random streams */
  nacre_rng a, b, c;
  nacre_rng_init(&a, 7, 3);
  nacre_rng_init(&b, 7, 3);
  nacre_rng_init(&c, 7, 4);
  int same = 1, differ = 0;
  for (int k = 0; k < 1000; k++) {
    uint64_t x = nacre_rng_u64(&a), y = nacre_rng_u64(&b), z = nacre_rng_u64(&c);
    same &= x == y;
    differ += x != z;
  }
  CHECK(same, "same seed and stream reproduce");
  CHECK(differ == 1000, "different streams differ");
  double sum = 0, sum2 = 0, usum = 0;
  int n = 200000, counts[7] = {0};
  for (int k = 0; k < n; k++) {
    double g = nacre_rng_normal(&a);
    sum += g;
    sum2 += g * g;
    double u = nacre_rng_uniform(&a);
    CHECK(u >= 0.0 && u < 1.0, "uniform in [0,1)");
    usum += u;
    counts[nacre_rng_int(&a, 7)]++;
  }
  /* 5-sigma bounds for n = 2e5 samples */
  CHECK(fabs(sum / n) < 5.0 / sqrt(n), "normal mean %g", sum / n);
  CHECK(fabs(sum2 / n - 1.0) < 5.0 * sqrt(2.0 / n), "normal variance %g", sum2 / n);
  CHECK(fabs(usum / n - 0.5) < 5.0 * sqrt(1.0 / 12 / n), "uniform mean %g", usum / n);
  for (int k = 0; k < 7; k++)
    CHECK(fabs(counts[k] - n / 7.0) < 5.0 * sqrt(n / 7.0), "int bucket %d: %d", k,
          counts[k]);
  TEST_DONE();
}
