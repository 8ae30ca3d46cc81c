/* test_hull.c — convex hulls of formation energy (src/thermo/hull.c).
 *   Hand-worked binary and ternary hulls: stable set, formation energies,
 *     energies above the hull and decompositions written out in the
 *     comments below (1e-12 eV/atom: only rounding).
 *   pymatgen's PhaseDiagram on random binary, ternary and quaternary sets
 *     (60–150 entries each, many unstable, duplicates and polymorphs):
 *     formation energies, energies above the hull and decomposition
 *     fractions to 1e-9 eV/atom, the same stable set and the same
 *     decomposition products.
 *   Invariance: scaling an entry's amounts and energy (a supercell) changes
 *     nothing.
 *   Errors: a missing elemental reference, a non-finite energy. */
#include <cjson/cJSON.h>
#include <string.h>

#include "iotest.h"
#include "nacre/thermo.h"
#include "pymatgen.h"
#include "testing.h"

#define TOL 1e-12

/* Binary A-B with μ_A = −1, μ_B = −2 eV/atom. Formation energies f:
 *   AB (x_B = 1/2) −1, AB3 (3/4) −0.6 → both on the hull (the chord A–AB
 *   at 3/4 would be −0.5 > −0.6);
 *   A3B (1/4) −0.4: above the chord A–AB (−0.5) by 0.1, → ½ A + ½ AB;
 *   AB2 (2/3) −0.7: the chord AB–AB3 there is −1 + (1/6)/(1/4)·0.4 =
 *   −11/15, so 1/30 above, → ⅓ AB + ⅔ AB3;
 *   A3B' (1/4) −0.5: exactly on the chord, not a vertex: 0 above;
 *   A' (pure A) 0.05 above A. */
static void test_binary_by_hand(void) {
  enum { N = 9 };
  const char *names[N] = {"A", "B", "AB", "AB3", "A3B", "AB2", "A3B'", "A'", "AB dup"};
  double amounts[N][2] = {{2, 0}, {0, 1}, {1, 1}, {1, 3}, {3, 1},
                          {1, 2}, {3, 1}, {4, 0}, {2, 2}};
  double f[N] = {0, 0, -1, -0.6, -0.4, -0.7, -0.5, 0.05, -1};
  double e[N];
  for (int i = 0; i < N; i++) {
    double na = amounts[i][0], nb = amounts[i][1];
    e[i] = (na + nb) * f[i] + na * -1.0 + nb * -2.0;
  }
  nacre_hull *h = NULL;
  nacre_error err;
  CHECK_OK(nacre_hull_new(2, N, &amounts[0][0], e, &h, &err), &err);
  if (!h) return;
  int stable[N] = {1, 1, 1, 1, 0, 0, 0, 0, 0};
  double above[N] = {0, 0, 0, 0, 0.1, 1.0 / 30, 0, 0.05, 0};
  for (int i = 0; i < N; i++) {
    const nacre_hull_point *p = nacre_hull_entry(h, i);
    CHECK(p->stable == stable[i], "%s stable = %d", names[i], p->stable);
    CHECK_CLOSE(p->formation_per_atom_ev, f[i], TOL, names[i]);
    CHECK_CLOSE(p->e_above_hull_per_atom_ev, above[i], TOL, names[i]);
  }
  CHECK_CLOSE(nacre_hull_reference_ev(h, 0), -1.0, TOL, "mu_A");
  CHECK_CLOSE(nacre_hull_reference_ev(h, 1), -2.0, TOL, "mu_B");
  CHECK(nacre_hull_nstable(h) == 4 && nacre_hull_nfacets(h) == 3,
        "4 stable phases, 3 segments (%d, %d)", nacre_hull_nstable(h),
        nacre_hull_nfacets(h));
  const nacre_hull_point *p = nacre_hull_entry(h, 5); /* AB2 */
  CHECK(p->ndecomp == 2, "AB2 decomposes into two phases");
  for (int k = 0; k < p->ndecomp; k++) {
    int id = p->decomp_entry[k];
    CHECK(id == 2 || id == 3, "AB2 → AB + AB3 (got %s)", names[id]);
    CHECK_CLOSE(p->decomp_fraction[k], id == 2 ? 1.0 / 3 : 2.0 / 3, TOL,
                "AB2 decomposition fraction");
  }
  p = nacre_hull_entry(h, 6);
  CHECK(p->ndecomp == 2, "A3B' on the chord decomposes into A + AB");
  p = nacre_hull_entry(h, 8);
  CHECK(p->ndecomp == 1 && p->decomp_entry[0] == 2,
        "a duplicate of AB decomposes into AB");
  /* the hull at a composition between the phases */
  double q[2] = {5, 3}; /* x_B = 3/8: ½ AB + ½ A */
  nacre_hull_point at;
  CHECK_OK(nacre_hull_at(h, q, &at, &err), &err);
  CHECK_CLOSE(at.hull_per_atom_ev, -0.75, TOL, "hull at x_B = 3/8");
  nacre_hull_free(h);
}

/* Ternary A-B-C, references at 0: AB, BC, AC at −1 (the triangle of their
 * midpoints is flat at −1), ABC at −1.2 (below it: stable), A2BC
 * (½,¼,¼ = midpoint of AB and AC) at −0.9: 0.1 above, → ½ AB + ½ AC. */
static void test_ternary_by_hand(void) {
  enum { N = 8 };
  double amounts[N][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0},
                          {0, 1, 1}, {1, 0, 1}, {1, 1, 1}, {2, 1, 1}};
  double f[N] = {0, 0, 0, -1, -1, -1, -1.2, -0.9};
  double e[N];
  for (int i = 0; i < N; i++)
    e[i] = f[i] * (amounts[i][0] + amounts[i][1] + amounts[i][2]);
  nacre_hull *h = NULL;
  nacre_error err;
  CHECK_OK(nacre_hull_new(3, N, &amounts[0][0], e, &h, &err), &err);
  if (!h) return;
  CHECK(nacre_hull_nstable(h) == 7, "7 stable phases (%d)", nacre_hull_nstable(h));
  /* A, B, C, AB, BC, AC around ABC: 3 corner triangles + 3 around ABC */
  CHECK(nacre_hull_nfacets(h) == 6, "6 facets (%d)", nacre_hull_nfacets(h));
  const nacre_hull_point *p = nacre_hull_entry(h, 7);
  CHECK_CLOSE(p->e_above_hull_per_atom_ev, 0.1, TOL, "A2BC above the hull");
  CHECK(p->ndecomp == 2, "A2BC → AB + AC (%d products)", p->ndecomp);
  for (int k = 0; k < p->ndecomp; k++)
    CHECK_CLOSE(p->decomp_fraction[k], 0.5, TOL, "A2BC fractions");
  /* (7,7,10)/24 = ½ ABC + ¼ BC + ¼ AC lies inside the facet ABC–BC–AC,
   * where the hull is ½(−1.2) + ½(−1) = −1.1 */
  double q[3] = {7, 7, 10};
  nacre_hull_point at;
  CHECK_OK(nacre_hull_at(h, q, &at, &err), &err);
  CHECK_CLOSE(at.hull_per_atom_ev, -1.1, TOL, "hull at (7, 7, 10)/24");
  CHECK(at.ndecomp == 3, "three products there (%d)", at.ndecomp);
  nacre_hull_free(h);
}

static void test_supercell_invariance(void) {
  double a[4][2] = {{1, 0}, {0, 1}, {1, 1}, {1, 2}};
  double e[4] = {-1, -2, -3.5, -5.2};
  double a2[4][2] = {{1, 0}, {0, 1}, {4, 4}, {1, 2}};
  double e2[4] = {-1, -2, -14, -5.2};
  nacre_hull *h = NULL, *h2 = NULL;
  CHECK_OK(nacre_hull_new(2, 4, &a[0][0], e, &h, NULL), NULL);
  CHECK_OK(nacre_hull_new(2, 4, &a2[0][0], e2, &h2, NULL), NULL);
  if (h && h2)
    for (int i = 0; i < 4; i++)
      CHECK_CLOSE(nacre_hull_entry(h, i)->e_above_hull_per_atom_ev,
                  nacre_hull_entry(h2, i)->e_above_hull_per_atom_ev, TOL,
                  "a 4x supercell of AB changes nothing");
  nacre_hull_free(h);
  nacre_hull_free(h2);
}

static void test_errors(void) {
  double a[2][2] = {{1, 0}, {1, 1}};
  double e[2] = {-1, -3};
  nacre_hull *h = NULL;
  nacre_error err;
  CHECK(nacre_hull_new(2, 2, &a[0][0], e, &h, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "element 2"),
        "missing reference named: %s", err.message);
  double a1[2][2] = {{1, 0}, {0, 1}};
  double e1[2] = {-1, NAN};
  CHECK(nacre_hull_new(2, 2, &a1[0][0], e1, &h, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "entry 2"),
        "non-finite energy named: %s", err.message);
}

/* ---- against pymatgen ---------------------------------------------- */

static const char *const SYMBOLS[4] = {"Li", "Sn", "O", "Na"};

/* Random entries over nel elements: every element pure twice (one
 * polymorph above), then compositions of up to 8 atoms per element with
 * random formation energies in [−0.6, 0.3] eV/atom, some repeated. */
static int random_set(int nel, int n, uint64_t seed, double *amounts,
                      double *e) {
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 0);
  double mu[4] = {-1.9, -3.8, -4.9, -1.3};
  int m = 0;
  for (int k = 0; k < nel; k++)
    for (int r = 0; r < 2; r++, m++) {
      for (int j = 0; j < nel; j++) amounts[m * nel + j] = j == k ? 1 + r : 0;
      e[m] = (1 + r) * (mu[k] + 0.07 * r);
    }
  while (m < n) {
    double na = 0, r = 0;
    int present = 0;
    for (int j = 0; j < nel; j++) {
      int c = nacre_rng_uniform(&rng) < 0.75 ? 1 + nacre_rng_int(&rng, 8) : 0;
      amounts[m * nel + j] = c;
      na += c;
      r += c * mu[j];
      present += c > 0;
    }
    if (present < 2) continue;
    e[m] = r + na * (-0.6 + 0.9 * nacre_rng_uniform(&rng));
    m++;
    /* a polymorph at the same composition now and then */
    if (m < n && nacre_rng_uniform(&rng) < 0.15) {
      memcpy(&amounts[m * nel], &amounts[(m - 1) * nel], nel * sizeof(double));
      e[m] = e[m - 1] + na * 0.02 * nacre_rng_uniform(&rng);
      m++;
    }
  }
  return m;
}

static char *hull_json(int nel, int n, const double *amounts, const double *e) {
  size_t cap = 64 + (size_t)n * 128;
  char *b = malloc(cap);
  size_t len = (size_t)snprintf(b, cap, "{\"entries\": [");
  for (int i = 0; i < n; i++) {
    char formula[128] = "";
    for (int k = 0; k < nel; k++)
      if (amounts[i * nel + k] > 0)
        snprintf(formula + strlen(formula), sizeof formula - strlen(formula),
                 "%s%g", SYMBOLS[k], amounts[i * nel + k]);
    len += (size_t)snprintf(b + len, cap - len,
                            "%s{\"formula\": \"%s\", \"energy_ev\": %.17g}",
                            i ? ", " : "", formula, e[i]);
  }
  snprintf(b + len, cap - len, "]}\n");
  return b;
}

static void compare_with_pymatgen(int nel, int n, uint64_t seed) {
  double *amounts = malloc((size_t)n * nel * sizeof *amounts);
  double *e = malloc((size_t)n * sizeof *e);
  n = random_set(nel, n, seed, amounts, e);
  char *in = hull_json(nel, n, amounts, e);
  char *out = test_pymatgen("hull", in);
  free(in);
  cJSON *ref = out ? cJSON_Parse(out) : NULL;
  free(out);
  CHECK(ref != NULL, "%d elements: pymatgen reference", nel);
  nacre_hull *h = NULL;
  nacre_error err;
  CHECK_OK(nacre_hull_new(nel, n, amounts, e, &h, &err), &err);
  if (ref && h) {
    const cJSON *entries = cJSON_GetObjectItem(ref, "entries");
    double dmax = 0;
    int same_products = 1, same_stable = 1;
    for (int i = 0; i < n; i++) {
      const cJSON *r = cJSON_GetArrayItem(entries, i);
      const nacre_hull_point *p = nacre_hull_entry(h, i);
      double df = fabs(p->formation_per_atom_ev -
                       cJSON_GetObjectItem(r, "formation_energy_per_atom_ev")->valuedouble);
      double de = fabs(p->e_above_hull_per_atom_ev -
                       cJSON_GetObjectItem(r, "e_above_hull_ev")->valuedouble);
      dmax = fmax(dmax, fmax(df, de));
      const cJSON *dec = cJSON_GetObjectItem(r, "decomposition");
      if (cJSON_GetArraySize(dec) != p->ndecomp) same_products = 0;
      for (int k = 0; k < p->ndecomp; k++) {
        char key[16];
        snprintf(key, sizeof key, "%d", p->decomp_entry[k]);
        const cJSON *x = cJSON_GetObjectItem(dec, key);
        if (!x) {
          same_products = 0;
          continue;
        }
        dmax = fmax(dmax, fabs(x->valuedouble - p->decomp_fraction[k]));
      }
    }
    const cJSON *st = cJSON_GetObjectItem(ref, "stable");
    if (cJSON_GetArraySize(st) != nacre_hull_nstable(h)) same_stable = 0;
    for (int k = 0; k < nacre_hull_nstable(h) && same_stable; k++)
      same_stable = cJSON_GetArrayItem(st, k)->valueint == nacre_hull_stable(h, k);
    printf("%d elements, %d entries, %d stable: largest difference from "
           "pymatgen %.2e eV/atom\n",
           nel, n, nacre_hull_nstable(h), dmax);
    CHECK(dmax <= 1e-9, "%d elements: formation, above-hull and decomposition "
                        "within 1e-9 of pymatgen (%.3g)", nel, dmax);
    CHECK(same_products, "%d elements: the same decomposition products", nel);
    CHECK(same_stable, "%d elements: the same stable set", nel);
  }
  nacre_hull_free(h);
  cJSON_Delete(ref);
  free(amounts);
  free(e);
}

int main(void) {
  test_binary_by_hand();
  test_ternary_by_hand();
  test_supercell_invariance();
  test_errors();
  if (test_have_pymatgen()) {
    compare_with_pymatgen(2, 60, 11);
    compare_with_pymatgen(3, 120, 12);
    compare_with_pymatgen(4, 150, 13);
  } else {
    printf("SKIP pymatgen comparison: /usr/bin/python3 cannot import pymatgen "
           "(install python3-pymatgen)\n");
  }
  test_tmp_cleanup();
  TEST_DONE();
}
