/* test_random_crystal.c — Wyckoff positions derived from the operations, and random
 * symmetric crystals: every space group 1..230 yields structures with the
 * requested group (checked independently with spglib), composition and
 * minimum distances, for a general-position and a special-position
 * composition; impossible requests are refused with a reason. Random
 * crystals of every centred group in their primitive cell: the requested
 * atoms, spglib's group, a cell spglib cannot reduce further, and the same
 * crystal from the same random stream. */
#include <string.h>

#include <spglib.h>

#include "nacre/sym.h"
#include "testing.h"

/* spglib's analysis: group number and number of crystallographic orbits. */
static int spglib_check(const nacre_structure *s, int *norbits) {
  double lat[3][3], *frac = malloc(sizeof(double) * 3 * s->natoms);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) lat[i][j] = s->cell[j][i];
  nacre_structure_get_frac(s, frac, NULL);
  SpglibDataset *ds = spg_get_dataset(lat, (double(*)[3])frac, s->numbers,
                                      s->natoms, 1e-3);
  free(frac);
  if (!ds) return 0;
  int n = ds->spacegroup_number, k = 0;
  for (int i = 0; i < ds->n_atoms; i++) k += ds->equivalent_atoms[i] == i;
  *norbits = k;
  spg_free_dataset(ds);
  return n;
}

static double min_ratio(const nacre_structure *s, const nacre_random_options *o) {
  double worst = 1e300;
  for (int i = 0; i < s->natoms; i++) {
    for (int j = i; j < s->natoms; j++) {
      double d[3];
      for (int k = 0; k < 3; k++)
        d[k] = s->positions[3 * j + k] - s->positions[3 * i + k];
      double dm = nacre_random_min_distance(o, s->numbers[i], s->numbers[j]);
      if (i == j) {
        /* shortest lattice vector */
        double h[3];
        nacre_cell_heights(s->cell, h);
        for (int a = 0; a < 3; a++) {
          double l = sqrt(s->cell[a][0] * s->cell[a][0] +
                          s->cell[a][1] * s->cell[a][1] +
                          s->cell[a][2] * s->cell[a][2]);
          if (l / dm < worst) worst = l / dm;
        }
        continue;
      }
      nacre_cell_minimum_image(s->cell, s->pbc, d);
      double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) / dm;
      if (r < worst) worst = r;
    }
  }
  return worst;
}

static int count_z(const nacre_structure *s, int z) {
  int n = 0;
  for (int i = 0; i < s->natoms; i++) n += s->numbers[i] == z;
  return n;
}

static void check_wyckoff_tables(void) {
  /* International Tables: 1731 Wyckoff positions over the 230 types. */
  int total = 0;
  int counts[231] = {0};
  for (int n = 1; n <= 230; n++) {
    nacre_spacegroup *g = NULL;
    nacre_error err;
    CHECK_OK(nacre_spacegroup_new(n, &g, &err), &err);
    if (!g) continue;
    counts[n] = g->nwyckoff;
    total += g->nwyckoff;
    /* the general position has multiplicity |G| and comes last */
    CHECK(g->wyckoff[g->nwyckoff - 1].multiplicity == g->nops &&
              g->wyckoff[g->nwyckoff - 1].dof == 3,
          "group %d: general position last", n);
    for (int w = 0; w < g->nwyckoff; w++) {
      /* a random point of each position has an orbit of its multiplicity */
      double x[3], orb[3 * 192];
      for (int k = 0; k < 3; k++) x[k] = g->wyckoff[w].origin[k];
      for (int j = 0; j < g->wyckoff[w].dof; j++)
        for (int k = 0; k < 3; k++)
          x[k] += (0.1234 + 0.2 * j) * g->wyckoff[w].basis[j][k];
      int m = nacre_spacegroup_orbit(g, x, 1e-7, orb, 192);
      CHECK(m == g->wyckoff[w].multiplicity,
            "group %d position %d: orbit %d vs multiplicity %d", n, w, m,
            g->wyckoff[w].multiplicity);
    }
    nacre_spacegroup_free(g);
  }
  CHECK(total == 1731, "total Wyckoff positions %d (ITA: 1731)", total);
  /* Letters a..: P-1 a-i, Pm-3m a-n, Fm-3m a-l, Fd-3m a-i, Ia-3d a-h,
   * R-3m a-i, P6_3/mmc a-l, Pmmm a-A (27) */
  CHECK(counts[2] == 9 && counts[221] == 14 && counts[225] == 12 &&
            counts[227] == 9 && counts[230] == 8 && counts[166] == 9 &&
            counts[194] == 12 && counts[47] == 27,
        "Wyckoff counts of P-1 %d, Pm-3m %d, Fm-3m %d, Fd-3m %d, Ia-3d %d, "
        "R-3m %d, P63/mmc %d, Pmmm %d",
        counts[2], counts[221], counts[225], counts[227], counts[230],
        counts[166], counts[194], counts[47]);
  nacre_spacegroup *g;
  nacre_error err;
  nacre_spacegroup_new(225, &g, &err);
  int fm3m[12] = {4, 4, 8, 24, 24, 32, 48, 48, 48, 96, 96, 192};
  int same = g->nwyckoff == 12;
  for (int w = 0; w < 12 && same; w++) same = g->wyckoff[w].multiplicity == fm3m[w];
  CHECK(same, "Fm-3m multiplicities 4a 4b 8c 24d 24e 32f 48g 48h 48i 96j 96k 192l");
  nacre_spacegroup_free(g);
}

static void generate(int sgn, nacre_spacegroup *g, const char *comp_text,
                     nacre_rng *rng) {
  nacre_composition c;
  nacre_error err;
  nacre_composition_parse(comp_text, &c, &err);
  nacre_random_options o;
  nacre_random_options_init(&o);
  nacre_structure *s = NULL;
  nacre_random_info info;
  nacre_status st = nacre_random_crystal(g, &c, &o, rng, &s, &info, &err);
  CHECK(st == NACRE_OK, "group %d %s: %s", sgn, comp_text, err.message);
  if (!s) return;
  int norb = 0, found = spglib_check(s, &norb);
  CHECK(found == sgn, "group %d %s: spglib finds %d", sgn, comp_text, found);
  CHECK(norb == info.nsites, "group %d %s: spglib orbits %d vs sites %d", sgn,
        comp_text, norb, info.nsites);
  int ok = s->natoms == nacre_composition_natoms(&c);
  for (int k = 0; k < c.nspecies; k++) ok &= count_z(s, c.z[k]) == c.count[k];
  CHECK(ok, "group %d %s: composition", sgn, comp_text);
  double r = min_ratio(s, &o);
  CHECK(r >= 1.0 - 1e-9, "group %d %s: distance/d_min %.4f < 1", sgn,
        comp_text, r);
  nacre_structure_free(s);
}

/* Spglib's conventional cell of s holds lattice_points times its atoms:
 * s is primitive. */
static int std_atoms(const nacre_structure *s) {
  double lat[3][3], *frac = malloc(sizeof(double) * 3 * s->natoms);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) lat[i][j] = s->cell[j][i];
  nacre_structure_get_frac(s, frac, NULL);
  SpglibDataset *ds = spg_get_dataset(lat, (double(*)[3])frac, s->numbers,
                                      s->natoms, 1e-3);
  free(frac);
  int n = ds ? ds->n_std_atoms : 0;
  if (ds) spg_free_dataset(ds);
  return n;
}

/* Two general orbits' worth of atoms (two species, so that a random
 * crystal seldom comes out more symmetric) in the primitive cell of
 * centred group g. */
static void generate_primitive(int sgn, const nacre_spacegroup *g,
                               nacre_rng *rng) {
  int lp = nacre_spacegroup_lattice_points(g), m = g->nops / lp;
  char text[32];
  snprintf(text, sizeof text, "Si%dO%d", m, m);
  nacre_composition c;
  nacre_error err;
  nacre_composition_parse(text, &c, &err);
  nacre_random_options o;
  nacre_random_options_init(&o);
  nacre_structure *s = NULL, *t = NULL;
  nacre_rng again = *rng;
  nacre_status st = nacre_random_crystal_primitive(g, &c, &o, rng, &s, NULL,
                                                   &err);
  CHECK(st == NACRE_OK, "group %d %s primitive: %s", sgn, text, err.message);
  if (!s) return;
  int norb = 0, found = spglib_check(s, &norb);
  CHECK(s->natoms == 2 * m && count_z(s, 8) == m && found == sgn &&
            std_atoms(s) == lp * 2 * m,
        "group %d %s primitive: %d atoms, spglib %d, %d orbits, %d atoms in "
        "its conventional cell", sgn, text, s->natoms, found, norb,
        std_atoms(s));
  CHECK(min_ratio(s, &o) >= 1.0 - 1e-9, "group %d primitive: distances",
        sgn);
  CHECK_OK(nacre_random_crystal_primitive(g, &c, &o, &again, &t, NULL, &err),
           &err);
  CHECK(t && !memcmp(t->positions, s->positions,
                     sizeof(double) * 3 * (size_t)s->natoms) &&
            !memcmp(t->cell, s->cell, sizeof s->cell),
        "group %d primitive: the same stream gives the same crystal", sgn);
  nacre_structure_free(s);
  nacre_structure_free(t);
}

int main(void) {
  check_wyckoff_tables();
  nacre_rng rng;
  nacre_rng_init(&rng, 42, 0);
  for (int n = 1; n <= 230; n++) {
    nacre_spacegroup *g;
    nacre_error err;
    if (nacre_spacegroup_new(n, &g, &err)) continue;
    int m = g->nops;
    char comp[64];
    /* general position: three orbits when small, else fewer */
    if (3 * m <= 200) snprintf(comp, sizeof comp, "Si%dO%d", m, 2 * m);
    else if (2 * m <= 200) snprintf(comp, sizeof comp, "Si%dO%d", m, m);
    else snprintf(comp, sizeof comp, "Si%d", m);
    generate(n, g, comp, &rng);
    /* special position (smallest multiplicity) plus the general one */
    if (g->nwyckoff > 1) {
      int ms = g->wyckoff[0].multiplicity;
      snprintf(comp, sizeof comp, "Mg%dO%d", ms, m);
      generate(n, g, comp, &rng);
    }
    nacre_spacegroup_free(g);
  }
  /* centred groups in their primitive cell */
  for (int n = 1; n <= 230; n++) {
    nacre_spacegroup *g;
    nacre_error err;
    if (nacre_spacegroup_new(n, &g, &err)) continue;
    int lp = nacre_spacegroup_lattice_points(g);
    int want = g->centering == 'P' ? 1 : g->centering == 'R' ? 3
               : g->centering == 'F' ? 4 : 2;
    CHECK(lp == want, "group %d (%c): %d lattice points, expected %d", n,
          g->centering, lp, want);
    if (lp > 1) generate_primitive(n, g, &rng);
    nacre_spacegroup_free(g);
  }
  {
    /* R-3m with Li12Sn4 in 16 atoms: 48 in the hexagonal cell */
    nacre_spacegroup *g;
    nacre_error err;
    nacre_spacegroup_new(166, &g, &err);
    nacre_composition c, conv;
    nacre_composition_parse("Li12Sn4", &c, &err);
    CHECK_OK(nacre_spacegroup_conventional_composition(g, &c, &conv, &err),
             &err);
    CHECK(conv.count[0] == 36 && conv.count[1] == 12, "R-3m: Li36Sn12");
    nacre_random_options o;
    nacre_random_options_init(&o);
    nacre_structure *s = NULL;
    CHECK_OK(nacre_random_crystal_primitive(g, &c, &o, &rng, &s, NULL, &err),
             &err);
    int norb;
    CHECK(s && s->natoms == 16 && count_z(s, 50) == 4 &&
              spglib_check(s, &norb) == 166,
          "R-3m Li12Sn4 in 16 atoms");
    nacre_structure_free(s);
    /* refused beyond the atom limit */
    nacre_spacegroup_free(g);
    nacre_spacegroup_new(225, &g, &err);
    nacre_composition_parse("Na400", &c, &err);
    CHECK(nacre_random_crystal_primitive(g, &c, &o, &rng, &s, NULL, &err) ==
                  NACRE_ERR_INVALID &&
              strstr(err.message, "1600 atoms"),
          "Fm-3m Na400 refused: %s", err.message);
    nacre_spacegroup_free(g);
  }
  /* refusals name the group and the multiplicities */
  {
    nacre_spacegroup *g;
    nacre_error err;
    nacre_spacegroup_new(225, &g, &err);
    nacre_composition c;
    nacre_composition_parse("Na6", &c, &err);
    nacre_random_options o;
    nacre_random_options_init(&o);
    nacre_structure *s = NULL;
    nacre_status st = nacre_random_crystal(g, &c, &o, &rng, &s, NULL, &err);
    CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "cannot hold"),
          "Fm-3m refuses Na6: %s", err.message);
    /* impossible distances: reported, not stalled */
    nacre_composition_parse("Na4", &c, &err);
    o.volume_per_atom = 1.0;
    o.volume_spread = 0.0;
    st = nacre_random_crystal(g, &c, &o, &rng, &s, NULL, &err);
    CHECK(st == NACRE_ERR_NOT_CONVERGED && strstr(err.message, "minimum"),
          "Na4 at 1 Å^3/atom refused: %s", err.message);
    nacre_spacegroup_free(g);
  }
  /* 200 atoms in any group; and a list of groups */
  {
    nacre_composition c;
    nacre_error err;
    nacre_composition_parse("Li150Sn50", &c, &err);
    nacre_random_options o;
    nacre_random_options_init(&o);
    nacre_structure *s = NULL;
    nacre_random_info info;
    CHECK_OK(nacre_random_crystal_any(NULL, 0, &c, &o, &rng, &s, &info, &err),
             &err);
    CHECK(s && s->natoms == 200 && count_z(s, 3) == 150,
          "200-atom Li150Sn50 (group %d)", info.sg_number);
    nacre_structure_free(s);
    int *groups, ng;
    CHECK_OK(nacre_spacegroup_list_parse("221-230,2", &groups, &ng, &err),
             &err);
    CHECK(ng == 11 && groups[0] == 2 && groups[10] == 230, "list parse");
    nacre_composition_parse("Na3", &c, &err);
    s = NULL;
    nacre_status st = nacre_random_crystal_any(groups, ng, &c, &o, &rng, &s,
                                               &info, &err);
    CHECK(st == NACRE_OK && (info.sg_number == 2 || info.sg_number == 221),
          "Na3 only fits P-1 or Pm-3m of the list: %d (%s)", info.sg_number,
          err.message);
    nacre_structure_free(s);
    free(groups);
    CHECK(nacre_spacegroup_list_parse("0-5", &groups, &ng, &err) ==
              NACRE_ERR_INVALID,
          "list 0-5 rejected");
  }
  {
    nacre_composition c;
    nacre_error err;
    CHECK(nacre_composition_parse("Li12Sn4", &c, &err) == NACRE_OK &&
              c.nspecies == 2 && c.z[0] == 3 && c.count[0] == 12 &&
              c.z[1] == 50 && c.count[1] == 4,
          "parse Li12Sn4");
    CHECK(nacre_composition_parse("Xx2", &c, &err) == NACRE_ERR_INVALID,
          "unknown element refused");
  }
  TEST_DONE();
}
