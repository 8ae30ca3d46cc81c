/* test_prototypes.c — space-group identification of structure prototypes
 * built from their published Wyckoff sites (International Tables vol. A
 * settings; lattice constants from Wyckoff, Crystal Structures, rounded):
 * group number and symbol, Pearson symbol and Wyckoff letters with
 * multiplicities per element. Each prototype is also checked rotated,
 * translated, and as a rattled (1e-3 Å) non-diagonal supercell, where the
 * group, Pearson symbol and Wyckoff letters and multiplicities must not
 * change (nacre fixes the origin among the equivalent ones), and the
 * multiplicities must agree with the orbit sizes counted in the input cell.
 * Standard primitive/conventional cells must hold the number of atoms the
 * Pearson symbol and the lattice centring imply. The space-group table is
 * checked against group orders from International Tables. */
#include <string.h>

#include "builders.h"
#include "nacre/sym.h"
#include "testing.h"

typedef struct prototype {
  const char *name;
  int hall;                /* setting the sites are given in */
  double abc[3], angles[3];
  int nsites;
  int z[3];
  double frac[3][3];
  int natoms;              /* atoms of the conventional cell */
  int sg;
  const char *symbol;
  const char *pearson;
  const char *wyckoff;     /* "El mult+letter ...; El ..." per element */
} prototype;

static const prototype prototypes[] = {
    {"rocksalt NaCl", 523, {5.64, 5.64, 5.64}, {90, 90, 90}, 2, {11, 17},
     {{0, 0, 0}, {0.5, 0.5, 0.5}}, 8, 225, "Fm-3m", "cF8", "Na 4a; Cl 4b"},
    {"CsCl", 517, {4.12, 4.12, 4.12}, {90, 90, 90}, 2, {55, 17},
     {{0, 0, 0}, {0.5, 0.5, 0.5}}, 2, 221, "Pm-3m", "cP2", "Cs 1a; Cl 1b"},
    {"fluorite CaF2", 523, {5.46, 5.46, 5.46}, {90, 90, 90}, 2, {20, 9},
     {{0, 0, 0}, {0.25, 0.25, 0.25}}, 12, 225, "Fm-3m", "cF12",
     "Ca 4a; F 8c"},
    {"wurtzite ZnO", 480, {3.25, 3.25, 5.21}, {90, 90, 120}, 2, {30, 8},
     {{1.0 / 3, 2.0 / 3, 0}, {1.0 / 3, 2.0 / 3, 0.382}}, 4, 186, "P6_3mc",
     "hP4", "Zn 2b; O 2b"},
    {"perovskite SrTiO3", 517, {3.905, 3.905, 3.905}, {90, 90, 90}, 3,
     {38, 22, 8}, {{0, 0, 0}, {0.5, 0.5, 0.5}, {0, 0.5, 0.5}}, 5, 221,
     "Pm-3m", "cP5", "Sr 1a; Ti 1b; O 3c"},
    /* origin choice 2, O at x = 0.2624 (Yamanaka & Takeuchi 1983) */
    {"spinel MgAl2O4", 526, {8.08, 8.08, 8.08}, {90, 90, 90}, 3, {12, 13, 8},
     {{0.125, 0.125, 0.125}, {0.5, 0.5, 0.5}, {0.2624, 0.2624, 0.2624}}, 56,
     227, "Fd-3m", "cF56", "Mg 8a; Al 16d; O 32e"},
    {"A15 Cr3Si", 520, {4.56, 4.56, 4.56}, {90, 90, 90}, 2, {14, 24},
     {{0, 0, 0}, {0.25, 0, 0.5}}, 8, 223, "Pm-3n", "cP8", "Si 2a; Cr 6c"},
    {"D0_3 Fe3Al", 523, {5.79, 5.79, 5.79}, {90, 90, 90}, 3, {13, 26, 26},
     {{0, 0, 0}, {0.5, 0.5, 0.5}, {0.25, 0.25, 0.25}}, 16, 225, "Fm-3m",
     "cF16", "Al 4a; Fe 4b 8c"},
    {"beta-Sn", 426, {5.83, 5.83, 3.18}, {90, 90, 90}, 1, {50},
     {{0, 0, 0}}, 4, 141, "I4_1/amd", "tI4", "Sn 4a"},
    {"alpha-Sn", 525, {6.49, 6.49, 6.49}, {90, 90, 90}, 1, {50},
     {{0, 0, 0}}, 8, 227, "Fd-3m", "cF8", "Sn 8a"},
    /* hexagonal axes, z = 0.227 */
    {"A7 As", 458, {3.76, 3.76, 10.55}, {90, 90, 120}, 1, {33},
     {{0, 0, 0.227}}, 6, 166, "R-3m", "hR2", "As 6c"},
    /* a made-up monoclinic cell with a general mirror-plane site */
    {"monoclinic C2/m", 63, {5.0, 3.5, 4.5}, {90, 110, 90}, 2, {29, 8},
     {{0, 0, 0}, {0.3, 0, 0.2}}, 6, 12, "C2/m", "mC6", "Cu 2a; O 4i"},
    {"monoclinic P2/m", 57, {4.1, 3.3, 5.2}, {90, 103, 90}, 2, {26, 16},
     {{0, 0, 0}, {0.31, 0.5, 0.27}}, 3, 10, "P2/m", "mP3", "Fe 1a; S 2n"},
};

/* "El 4a 8c; El 2b" from an analysis: per element in order of first
 * appearance, its distinct Wyckoff labels in order of first appearance. */
static void wyckoff_string(const nacre_symmetry *sym, const nacre_structure *s,
                           int with_letters, char *buf, size_t len) {
  buf[0] = '\0';
  size_t used = 0;
  for (int i = 0; i < s->natoms; i++) {
    int first = 1;
    for (int j = 0; j < i; j++)
      if (s->numbers[j] == s->numbers[i]) first = 0;
    if (!first) continue;
    used += snprintf(buf + used, len - used, "%s%s", used ? "; " : "",
                     nacre_element_by_z(s->numbers[i])->symbol);
    char seen[64][8];
    int nseen = 0;
    for (int j = i; j < s->natoms; j++) {
      if (s->numbers[j] != s->numbers[i]) continue;
      char label[8];
      if (with_letters)
        snprintf(label, sizeof label, "%d%c", sym->multiplicity[j],
                 sym->wyckoff[j]);
      else
        snprintf(label, sizeof label, "%d", sym->multiplicity[j]);
      int dup = 0;
      for (int k = 0; k < nseen; k++) dup |= !strcmp(seen[k], label);
      if (dup || nseen == 64) continue;
      strcpy(seen[nseen++], label);
      used += snprintf(buf + used, len - used, " %s", label);
    }
  }
}

/* The expected string with letters removed ("Na 4; Cl 4"). */
static void strip_letters(const char *in, char *out) {
  for (; *in; in++)
    if (!(in[0] >= 'a' && in[0] <= 'z' && in[-1] >= '0' && in[-1] <= '9'))
      *out++ = *in;
  *out = '\0';
}

/* Atoms in the conventional cell implied by the Pearson symbol: the count,
 * times 3 for rhombohedral (the hexagonal triple cell). */
static int conventional_atoms(const char *pearson) {
  int n = atoi(pearson + 2);
  return pearson[1] == 'R' ? 3 * n : n;
}

static int centring_factor(char letter) {
  switch (letter) {
  case 'C': case 'I': return 2;
  case 'F': return 4;
  case 'R': return 1; /* the Pearson count is already primitive */
  default: return 1;
  }
}

static void check_analysis(const prototype *p, const char *variant,
                           const nacre_structure *s, double symprec,
                           int check_letters) {
  nacre_error err;
  nacre_symmetry *sym = NULL;
  CHECK_OK(nacre_symmetry_analyze(s, symprec, &sym, &err), &err);
  if (!sym) return;
  CHECK(sym->sg_number == p->sg, "%s %s: group %d, expected %d", p->name,
        variant, sym->sg_number, p->sg);
  CHECK(!strcmp(sym->international, p->symbol), "%s %s: symbol %s, expected %s",
        p->name, variant, sym->international, p->symbol);
  CHECK(!strcmp(sym->pearson, p->pearson), "%s %s: Pearson %s, expected %s",
        p->name, variant, sym->pearson, p->pearson);
  CHECK(sym->natoms == s->natoms, "%s %s: atom count", p->name, variant);
  char got[256], want[256];
  wyckoff_string(sym, s, check_letters, got, sizeof got);
  if (check_letters)
    snprintf(want, sizeof want, "%s", p->wyckoff);
  else
    strip_letters(p->wyckoff, want);
  CHECK(!strcmp(got, want), "%s %s: Wyckoff sets '%s', expected '%s'", p->name,
        variant, got, want);
  /* Multiplicity = orbit size in the input cell scaled to the conventional
   * cell, an independent count from spglib's equivalent atoms. */
  int nconv = conventional_atoms(p->pearson);
  for (int i = 0; i < s->natoms; i++) {
    int orbit = 0;
    for (int j = 0; j < s->natoms; j++)
      orbit += sym->equivalent[j] == sym->equivalent[i];
    CHECK(orbit * nconv == sym->multiplicity[i] * s->natoms,
          "%s %s: atom %d multiplicity %d but orbit of %d in %d atoms",
          p->name, variant, i, sym->multiplicity[i], orbit, s->natoms);
  }
  /* every operation maps the structure onto itself */
  int *map = malloc((size_t)sym->nops * s->natoms * sizeof *map);
  CHECK_OK(nacre_symmetry_atom_map(sym, s, map, &err), &err);
  free(map);
  nacre_symmetry_free(sym);
}

static void check_standard_cells(const prototype *p, const nacre_structure *s) {
  nacre_error err;
  nacre_structure *prim = NULL, *conv = NULL;
  CHECK_OK(nacre_symmetry_standardize(s, 1e-3, 1, &prim, &err), &err);
  CHECK_OK(nacre_symmetry_standardize(s, 1e-3, 0, &conv, &err), &err);
  if (!prim || !conv) goto done;
  int nconv = conventional_atoms(p->pearson);
  int nprim = p->pearson[1] == 'R' ? nconv / 3
                                   : nconv / centring_factor(p->pearson[1]);
  CHECK(prim->natoms == nprim, "%s: primitive cell of %d atoms, expected %d",
        p->name, prim->natoms, nprim);
  CHECK(conv->natoms == nconv, "%s: conventional cell of %d atoms, expected %d",
        p->name, conv->natoms, nconv);
  CHECK_CLOSE(nacre_structure_volume(prim) * nconv,
              nacre_structure_volume(conv) * nprim, 1e-8 * nacre_structure_volume(conv) * nprim,
              "volume per atom of primitive and conventional cells");
  /* the standard cells carry the same group */
  check_analysis(p, "primitive", prim, 1e-5, 0);
  check_analysis(p, "conventional", conv, 1e-5, 0);
done:
  nacre_structure_free(prim);
  nacre_structure_free(conv);
}

static void check_database(void) {
  nacre_error err;
  /* first Hall settings: ITA standard, origin choice 1, hexagonal axes */
  CHECK(nacre_sg_default_hall(1) == 1, "P1 is Hall 1");
  CHECK(nacre_sg_default_hall(12) == 63, "C2/m default Hall 63 (b axis)");
  CHECK(nacre_sg_default_hall(166) == 458, "R-3m default Hall 458 (hexagonal)");
  CHECK(nacre_sg_default_hall(227) == 525, "Fd-3m default Hall 525");
  CHECK(nacre_sg_default_hall(230) == 530, "Ia-3d is Hall 530");
  CHECK(nacre_sg_default_hall(0) == 0 && nacre_sg_default_hall(231) == 0,
        "out-of-range group numbers give 0");
  int *rot = malloc(NACRE_SG_MAX_OPS * sizeof(int[3][3]));
  double *trans = malloc(NACRE_SG_MAX_OPS * sizeof(double[3]));
  /* conventional-cell orders: |point group| × centring translations */
  static const struct { int sg, order; } orders[] = {
      {1, 1}, {2, 2}, {12, 8}, {141, 32}, {166, 36}, {186, 12},
      {221, 48}, {225, 192}, {227, 192}, {230, 96}};
  for (size_t k = 0; k < sizeof orders / sizeof orders[0]; k++) {
    int nops = 0;
    CHECK_OK(nacre_sg_operations(nacre_sg_default_hall(orders[k].sg),
                                 (int(*)[3][3])rot, (double(*)[3])trans, &nops,
                                 &err),
             &err);
    CHECK(nops == orders[k].order, "group %d has %d operations, expected %d",
          orders[k].sg, nops, orders[k].order);
  }
  free(rot);
  free(trans);
  nacre_sg_info info;
  CHECK_OK(nacre_sg_type(459, &info, &err), &err);
  CHECK(info.number == 166 && info.centring == 'R' &&
            !strcmp(info.choice, "R") && !strcmp(info.crystal_system, "trigonal"),
        "Hall 459 is R-3m on rhombohedral axes (got %d %c %s %s)", info.number,
        info.centring, info.choice, info.crystal_system);
  CHECK_OK(nacre_sg_type(64, &info, &err), &err);
  CHECK(info.number == 12 && info.centring == 'A' &&
            !strcmp(info.international, "C2/m"),
        "Hall 64 is C2/m in the A-centred setting");
  CHECK(nacre_sg_type(531, &info, &err) == NACRE_ERR_INVALID,
        "Hall 531 is rejected");
}

int main(void) {
  check_database();
  const int m[3][3] = {{1, 1, 0}, {0, 1, 1}, {1, 0, 2}}; /* det 3 */
  for (size_t k = 0; k < sizeof prototypes / sizeof prototypes[0]; k++) {
    const prototype *p = &prototypes[k];
    nacre_structure *s = build_from_sites(p->hall, p->abc, p->angles,
                                          p->nsites, p->z, p->frac);
    CHECK(s != NULL, "%s: built", p->name);
    if (!s) continue;
    CHECK(s->natoms == p->natoms, "%s: %d atoms built, expected %d", p->name,
          s->natoms, p->natoms);
    check_analysis(p, "as built", s, 1e-5, 1);
    check_standard_cells(p, s);

    nacre_structure *v = nacre_structure_copy(s, NULL);
    double r[3][3];
    build_random_rotation(r, 100 + k);
    build_rotate(v, r);
    check_analysis(p, "rotated", v, 1e-5, 1);
    for (int i = 0; i < v->natoms; i++)
      for (int c = 0; c < 3; c++) v->positions[3 * i + c] += 0.37 + 0.11 * c;
    check_analysis(p, "rotated+translated", v, 1e-5, 1);
    nacre_structure *sc = NULL;
    CHECK_OK(nacre_structure_supercell(v, m, &sc, NULL), (nacre_error *)NULL);
    if (sc) {
      build_rattle(sc, 1e-3, 7 + k);
      check_analysis(p, "supercell rattled 1e-3 Å", sc, 1e-2, 1);
      nacre_structure_free(sc);
    }
    nacre_structure_free(v);
    nacre_structure_free(s);
  }
  TEST_DONE();
}
