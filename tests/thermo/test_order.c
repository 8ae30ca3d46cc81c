/* test_order.c — symmetry-distinct orderings (src/thermo/order.c).
 *   The enumeration literature: binary derivative superstructures (both
 *     species present, A and B interchangeable) of fcc for 2..10 atoms
 *     per cell: 2, 3, 12, 14, 50, 52, 229, 252, 685 (Hart & Forcade, Phys.
 *     Rev. B 77, 224115 (2008), Table IV); the same counts for bcc (to 8),
 *     and 3, 3, 15 for simple cubic (n = 2..4);
 *     the distinct fcc supercells of 2, 3 and 4 cells: 2, 3, 7 (same
 *     paper, Table I).
 *   Orbit sizes: the equivalent assignments of all orderings of a
 *     supercell size never exceed the assignments there are.
 *   Structures: an ordering becomes a supercell with the right numbers of
 *     atoms, vacancies removed.
 *   Ewald ranking: ½ qᵀMq per ordering equals a direct Ewald sum of the
 *     ordered structure (1e-8 relative).
 *   Entropy: −Σ x ln x per site.
 *   pymatgen's OrderDisorderedStructureTransformation on the primitive
 *     NASICON cell (Na3Zr2Si2PO12 from Na4Zr2P3O12: Na on 6b and 18e at
 *     3/4, Si/P on 18e at 2/3 and 1/3; 420 assignments): its Ewald energies
 *     of every assignment equal ours, each ordering counted as often as its
 *     orbit is large (1e-8 relative), so the orderings cover every
 *     assignment exactly once and rank as pymatgen ranks them. */
#include <cjson/cJSON.h>
#include <string.h>

#include "builders.h"
#include "iotest.h"
#include "nacre/pot.h"
#include "nacre/sym.h"
#include "nacre/thermo.h"
#include "pymatgen.h"
#include "testing.h"

static nacre_structure *lattice(const char *kind) {
  int n[3] = {1, 1, 1};
  return build_bulk(kind, 29, kind[0] == 'b' ? 2.87 : kind[0] == 's' ? 2.5 : 3.6, n);
}

static void check_counts(const char *kind, int max, const long *expected) {
  nacre_structure *s = lattice(kind);
  nacre_order_rule r = {.site_z = 29, .nspecies = 2, .z = {29, 79}};
  nacre_order_options o;
  nacre_order_options_init(&o);
  o.all_compositions = 1;
  o.exchange_species = 1;
  o.min_cells = 1;
  o.max_cells = max;
  nacre_orderings *ord = NULL;
  nacre_error err;
  CHECK_OK(nacre_order_enumerate(s, &r, 1, &o, NULL, &ord, &err), &err);
  if (ord) {
    printf("%s:", kind);
    for (int n = 1; n <= max; n++) {
      long c = nacre_orderings_count_cells(ord, n);
      printf(" %ld", c);
      CHECK(c == expected[n - 1], "%s, %d atoms per cell: %ld orderings, the "
                                  "literature %ld",
            kind, n, c, expected[n - 1]);
    }
    printf("\n");
    if (!strcmp(kind, "fcc"))
      CHECK(nacre_orderings_supercells(ord, 2) == 2 &&
                nacre_orderings_supercells(ord, 3) == 3 &&
                nacre_orderings_supercells(ord, 4) == 7,
            "fcc supercells of 2, 3, 4 cells: %d %d %d (2 3 7)",
            nacre_orderings_supercells(ord, 2), nacre_orderings_supercells(ord, 3),
            nacre_orderings_supercells(ord, 4));
  }
  nacre_orderings_free(ord);
  nacre_structure_free(s);
}

static long binomial(int n, int k) {
  long r = 1;
  for (int i = 1; i <= k; i++) r = r * (n - k + i) / i;
  return r;
}

/* Rocksalt parent with half the Na sites vacant, 4-cell supercells. */
static void test_vacancies(void) {
  int z[2] = {11, 17};
  double f[2][3] = {{0, 0, 0}, {0.5, 0.5, 0.5}}, abc[3] = {5.6, 5.6, 5.6},
         ang[3] = {90, 90, 90};
  nacre_structure *s = build_from_sites(nacre_sg_default_hall(225), abc, ang, 2,
                                        z, (const double(*)[3])f);
  nacre_order_rule r = {.site_z = 11, .nspecies = 2, .z = {11, 0},
                        .fraction = {0.5, 0.5}};
  nacre_order_options o;
  nacre_order_options_init(&o);
  o.min_cells = o.max_cells = 4;
  nacre_orderings *ord = NULL;
  nacre_error err;
  CHECK_OK(nacre_order_enumerate(s, &r, 1, &o, NULL, &ord, &err), &err);
  if (ord) {
    /* Σ over orderings of their orbit sizes = Σ over supercells of the
     * non-superperiodic assignments; with 4 Na sites and 2 vacancies per
     * supercell that is at most C(4,2) = 6 per supercell */
    long total = 0;
    for (long k = 0; k < nacre_orderings_count(ord); k++) {
      nacre_ordering_info in;
      CHECK_OK(nacre_ordering_info_get(ord, k, &in, NULL), NULL);
      total += in.degeneracy;
      CHECK(in.natoms == 6, "ordering %ld: 2 Na + 4 Cl (%d atoms)", k, in.natoms);
      nacre_structure *t = NULL;
      CHECK_OK(nacre_ordering_structure(ord, k, &t, NULL), NULL);
      if (t) {
        int na = 0;
        for (int i = 0; i < t->natoms; i++) na += t->numbers[i] == 11;
        CHECK(t->natoms == 6 && na == 2, "structure %ld: %d atoms, %d Na", k,
              t->natoms, na);
        CHECK(fabs(nacre_structure_volume(t) - 4 * 5.6 * 5.6 * 5.6 / 4) < 1e-9,
              "4 primitive cells");
      }
      nacre_structure_free(t);
    }
    int nsc = nacre_orderings_supercells(ord, 4);
    CHECK(total <= nsc * binomial(4, 2) && total > 0,
          "orbit sizes add up to at most %ld assignments (%ld)",
          nsc * binomial(4, 2), total);
    printf("NaCl with half the Na vacant, 4 cells: %d supercells, %ld "
           "orderings covering %ld assignments\n",
           nsc, nacre_orderings_count(ord), total);
    /* Ewald: the matrix route equals a direct sum */
    long n = nacre_orderings_count(ord);
    double *e = malloc((size_t)n * sizeof *e);
    int cz[2] = {11, 17};
    double cq[2] = {1, -1};
    CHECK_OK(nacre_orderings_ewald(ord, cz, cq, 2, 1e-12, e, NULL, &err), &err);
    for (long k = 0; k < n; k++) {
      nacre_structure *t = NULL;
      nacre_ordering_structure(ord, k, &t, NULL);
      double *q = malloc(t->natoms * sizeof *q);
      nacre_ewald_site_charges(t, cz, cq, 2, q, NULL);
      nacre_ewald_result res;
      CHECK_OK(nacre_ewald(t, q, NULL, &res, NULL, NULL, &err), &err);
      CHECK(fabs(res.energy_ev - e[k]) <= 1e-8 * fabs(res.energy_ev),
            "ordering %ld: Ewald matrix %.10f vs direct %.10f eV", k, e[k],
            res.energy_ev);
      free(q);
      nacre_structure_free(t);
    }
    free(e);
    double per_site;
    double s_cell = nacre_orderings_mixing_entropy(ord, &per_site);
    CHECK_CLOSE(per_site, log(2.0), 1e-15, "ln 2 per half-occupied site");
    CHECK_CLOSE(s_cell, log(2.0), 1e-15, "one disordered site per cell");
  }
  nacre_orderings_free(ord);
  nacre_structure_free(s);
}

static void test_errors(void) {
  nacre_structure *s = lattice("fcc");
  nacre_order_rule r = {.site_z = 11, .nspecies = 2, .z = {11, 0},
                        .fraction = {0.5, 0.5}};
  nacre_orderings *ord = NULL;
  nacre_error err;
  CHECK(nacre_order_enumerate(s, &r, 1, NULL, NULL, &ord, &err) ==
                NACRE_ERR_INVALID &&
            strstr(err.message, "no site"),
        "a rule matching nothing: %s", err.message);
  r.site_z = 29;
  r.fraction[1] = 0.4;
  CHECK(nacre_order_enumerate(s, &r, 1, NULL, NULL, &ord, &err) ==
                NACRE_ERR_INVALID &&
            strstr(err.message, "sum"),
        "fractions not summing to 1: %s", err.message);
  r.fraction[1] = 0.5;
  nacre_order_options o;
  nacre_order_options_init(&o);
  o.max_cells = 40;
  o.min_cells = 40;
  o.max_assignments = 1e6;
  CHECK(nacre_order_enumerate(s, &r, 1, &o, NULL, &ord, &err) ==
                NACRE_ERR_INVALID &&
            strstr(err.message, "fewer cells"),
        "a combinatorial explosion is refused: %s", err.message);
  nacre_structure_free(s);
}

/* NASICON parent Na4Zr2P3O12, R-3c (hexagonal axes): approximate
 * coordinates after Hagman & Kierkegaard, Acta Chem. Scand. 22, 1822
 * (1968), with the Na2 site (18e) filled. */
static nacre_structure *nasicon(void) {
  int z[6] = {11, 11, 40, 15, 8, 8};
  double f[6][3] = {{0, 0, 0},          {0.64, 0, 0.25},
                    {0, 0, 0.1461},     {0.2894, 0, 0.25},
                    {0.1781, -0.0278, 0.1934}, {0.1930, 0.1684, 0.0888}};
  double abc[3] = {8.80, 8.80, 22.76}, ang[3] = {90, 90, 120};
  return build_from_sites(nacre_sg_default_hall(167), abc, ang, 6, z,
                          (const double(*)[3])f);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void test_nasicon_pymatgen(void) {
  nacre_structure *s = nasicon();
  nacre_order_rule r[2] = {
      {.site_z = 11, .nspecies = 2, .z = {11, 0}, .fraction = {0.75, 0.25}},
      {.site_z = 15, .nspecies = 2, .z = {14, 15}, .fraction = {2.0 / 3, 1.0 / 3}}};
  nacre_orderings *ord = NULL;
  nacre_error err;
  CHECK_OK(nacre_order_enumerate(s, r, 2, NULL, NULL, &ord, &err), &err);
  if (!ord) {
    nacre_structure_free(s);
    return;
  }
  long n = nacre_orderings_count(ord), total = 0;
  double *e = malloc((size_t)n * sizeof *e);
  int cz[5] = {11, 40, 14, 15, 8};
  double cq[5] = {1, 4, 4, 5, -2};
  CHECK_OK(nacre_orderings_ewald(ord, cz, cq, 5, 1e-12, e, NULL, &err), &err);
  for (long k = 0; k < n; k++) {
    nacre_ordering_info in;
    nacre_ordering_info_get(ord, k, &in, NULL);
    total += in.degeneracy;
  }
  CHECK(total == 28 * 15, "orbits cover the C(8,6)·C(6,4) = 420 assignments (%ld)",
        total);
  /* pymatgen: the primitive cell with its partial occupancies */
  const nacre_structure *p = nacre_orderings_parent(ord);
  size_t cap = 4096 + 128 * (size_t)p->natoms, len;
  char *occ = malloc(cap);
  len = (size_t)snprintf(occ, cap, "\"occupancy\": [");
  for (int i = 0; i < p->natoms; i++) {
    const char *sp;
    switch (p->numbers[i]) {
      case 11: sp = "[[\"Na\", 1, 0.75]]"; break;
      case 40: sp = "[[\"Zr\", 4, 1]]"; break;
      case 15: sp = "[[\"Si\", 4, 0.6666666666666666], [\"P\", 5, 0.3333333333333333]]"; break;
      default: sp = "[[\"O\", -2, 1]]";
    }
    len += (size_t)snprintf(occ + len, cap - len, "%s%s", i ? ", " : "", sp);
  }
  snprintf(occ + len, cap - len, "]");
  char *in = test_structure_json(p, NULL, occ);
  char *out = test_pymatgen("order", in);
  cJSON *ref = out ? cJSON_Parse(out) : NULL;
  const cJSON *re = cJSON_GetObjectItem(ref, "energies");
  CHECK(cJSON_GetArraySize(re) == total, "pymatgen lists %d assignments",
        cJSON_GetArraySize(re));
  if (cJSON_GetArraySize(re) == total) {
    double *mine = malloc((size_t)total * sizeof *mine), d = 0;
    long m = 0;
    for (long k = 0; k < n; k++) {
      nacre_ordering_info info;
      nacre_ordering_info_get(ord, k, &info, NULL);
      for (long c = 0; c < info.degeneracy; c++) mine[m++] = e[k];
    }
    qsort(mine, (size_t)m, sizeof *mine, cmp_double);
    for (long k = 0; k < m; k++)
      d = fmax(d, fabs(mine[k] - cJSON_GetArrayItem(re, (int)k)->valuedouble) /
                      fabs(mine[k]));
    printf("NASICON cell: %ld orderings of 420 assignments; Ewald energies vs "
           "pymatgen, largest relative difference %.2e\n",
           n, d);
    CHECK(d <= 1e-8, "every assignment's Ewald energy as pymatgen (%.3g)", d);
    free(mine);
  }
  cJSON_Delete(ref);
  free(out);
  free(in);
  free(occ);
  free(e);
  nacre_orderings_free(ord);
  nacre_structure_free(s);
}

int main(void) {
  static const long fcc[10] = {0, 2, 3, 12, 14, 50, 52, 229, 252, 685};
  static const long sc[4] = {0, 3, 3, 15};
  check_counts("fcc", 10, fcc);
  check_counts("bcc", 8, fcc);
  check_counts("sc", 4, sc);
  test_vacancies();
  test_errors();
  if (test_have_pymatgen())
    test_nasicon_pymatgen();
  else
    printf("SKIP pymatgen comparison: /usr/bin/python3 cannot import pymatgen "
           "(install python3-pymatgen)\n");
  test_tmp_cleanup();
  TEST_DONE();
}
