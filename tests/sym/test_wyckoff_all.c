/* test_wyckoff_all.c — every one of the 1731 derived Wyckoff positions,
 * checked independently with spglib: atoms of species A on the orbit of a
 * random point of the position plus species B on a general orbit form a
 * structure whose group spglib finds to be the requested one, in which all
 * A atoms are one crystallographic orbit, and whose A-site symmetry (the
 * order of the point group in spglib's site-symmetry symbol) equals the
 * derived site-symmetry order, i.e. |G| / multiplicity. */
#include <string.h>

#include <spglib.h>

#include "nacre/sym.h"
#include "testing.h"

/* Order of the point group named by spglib's site-symmetry symbol (the
 * symbol lists generators per direction; dots are placeholders). */
static int site_order_from_symbol(const char *sym) {
  static const struct {
    const char *name;
    int order;
  } pg[] = {{"1", 1},     {"-1", 2},     {"2", 2},     {"m", 2},    {"2/m", 4},
            {"222", 4},   {"mm2", 4},    {"mmm", 8},   {"4", 4},    {"-4", 4},
            {"4/m", 8},   {"422", 8},    {"4mm", 8},   {"-42m", 8}, {"-4m2", 8},
            {"4/mmm", 16}, {"3", 3},     {"-3", 6},    {"32", 6},   {"3m", 6},
            {"-3m", 12},  {"6", 6},      {"-6", 6},    {"6/m", 12}, {"622", 12},
            {"6mm", 12},  {"-6m2", 12},  {"-62m", 12}, {"6/mmm", 24}, {"23", 12},
            {"m-3", 24},  {"432", 24},   {"-43m", 24}, {"m-3m", 48}, {"312", 6},
            {"321", 6},   {"3m1", 6},    {"31m", 6},   {"-3m1", 12}, {"-31m", 12}};
  char clean[16];
  size_t n = 0;
  for (const char *p = sym; *p && n < sizeof clean - 1; p++)
    if (*p != '.') clean[n++] = *p;
  clean[n] = '\0';
  for (size_t k = 0; k < sizeof pg / sizeof pg[0]; k++)
    if (!strcmp(clean, pg[k].name)) return pg[k].order;
  /* orthorhombic/monoclinic site symbols like "2mm", "m2m", "mm2" */
  int twos = 0, ms = 0, other = 0;
  for (size_t k = 0; k < n; k++) {
    if (clean[k] == '2') twos++;
    else if (clean[k] == 'm') ms++;
    else other++;
  }
  if (!other && twos + ms == 3 && (ms == 2 || ms == 0)) return 4;
  if (!other && twos == 0 && ms == 3) return 8;
  if (!strcmp(clean, "2/m..") || !strcmp(clean, "2/m")) return 4;
  return -1;
}

int main(void) {
  int total = 0, checked = 0;
  nacre_rng rng;
  nacre_rng_init(&rng, 11, 0);
  for (int n = 1; n <= 230; n++) {
    nacre_spacegroup *g;
    nacre_error err;
    if (nacre_spacegroup_new(n, &g, &err)) {
      CHECK(0, "group %d: %s", n, err.message);
      continue;
    }
    double abc[3] = {7.13, 8.37, 9.71}, ang[3] = {90, 90, 90};
    switch (g->system) {
    case NACRE_TRICLINIC: ang[0] = 81.3, ang[1] = 97.1, ang[2] = 104.9; break;
    case NACRE_MONOCLINIC: ang[1] = 103.7; break;
    case NACRE_ORTHORHOMBIC: break;
    case NACRE_TETRAGONAL: abc[1] = abc[0]; break;
    case NACRE_TRIGONAL:
    case NACRE_HEXAGONAL: abc[1] = abc[0], ang[2] = 120; break;
    case NACRE_CUBIC: abc[1] = abc[2] = abc[0]; break;
    }
    double cell[3][3], lat[3][3];
    nacre_cell_from_lengths_angles(abc, ang, cell);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) lat[i][j] = cell[j][i];
    /* one general orbit of B at a fixed generic point */
    double gen[3 * 192], xg[3] = {0.1237, 0.3361, 0.0719};
    int ng = nacre_spacegroup_orbit(g, xg, 1e-7, gen, 192);
    for (int w = 0; w < g->nwyckoff; w++) {
      total++;
      const nacre_wyckoff *wy = &g->wyckoff[w];
      double x[3];
      for (int k = 0; k < 3; k++) x[k] = wy->origin[k];
      for (int j = 0; j < wy->dof; j++) {
        double p = 0.05 + 0.4 * nacre_rng_uniform(&rng);
        for (int k = 0; k < 3; k++) x[k] += p * wy->basis[j][k];
      }
      double pos[3 * 384];
      int types[384];
      int na = nacre_spacegroup_orbit(g, x, 1e-7, pos, 192);
      CHECK(na == wy->multiplicity, "group %d position %d: orbit %d vs %d", n,
            w, na, wy->multiplicity);
      memcpy(pos + 3 * na, gen, sizeof(double) * 3 * ng);
      for (int i = 0; i < na + ng; i++) types[i] = i < na ? 1 : 2;
      SpglibDataset *ds = spg_get_dataset(lat, (double(*)[3])pos, types,
                                          na + ng, 1e-4);
      if (!ds) {
        CHECK(0, "group %d position %d: spglib failed", n, w);
        continue;
      }
      int one_orbit = 1;
      for (int i = 1; i < na; i++)
        one_orbit &= ds->equivalent_atoms[i] == ds->equivalent_atoms[0];
      int order = site_order_from_symbol(ds->site_symmetry_symbols[0]);
      CHECK(ds->spacegroup_number == n && one_orbit,
            "group %d position %d (mult %d): spglib group %d, one orbit %d", n,
            w, wy->multiplicity, ds->spacegroup_number, one_orbit);
      CHECK(order < 0 || order == wy->site_order,
            "group %d position %d: spglib site symmetry %s (order %d) vs "
            "derived %d",
            n, w, ds->site_symmetry_symbols[0], order, wy->site_order);
      checked += order > 0;
      spg_free_dataset(ds);
    }
    nacre_spacegroup_free(g);
  }
  printf("%d Wyckoff positions, %d with a recognised site-symmetry symbol\n",
         total, checked);
  CHECK(total == 1731, "1731 positions");
  TEST_DONE();
}
