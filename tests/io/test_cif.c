/* test_cif.c — CIF: P1 write → read round trips (lengths, angles and
 * fractional coordinates to 1e-10); symmetry expansion of rock salt from
 * the 192 operations of Fm-3m (2 sites → 4 Na + 4 Cl, special positions
 * merged) and of rutile from the 16 operations of P4_2/mnm (Ti on 2a, O on
 * 4f (x,x,0) → 2 + 4 atoms, positions checked against International
 * Tables); nacre_cif_write_symmetric output expands back to the full cell;
 * parsing of "1/2+x" operations, uncertainties, text fields, comments and
 * CIF2-style dotted tags; space groups named by symbol or number without
 * listed operations; control bytes escaped in messages; occupancies: a
 * partially occupied or mixed site is refused by the ordered reader with
 * file, line and occupancy (it was read as a full atom without a word),
 * occupancies within 0.01 of 1 count as 1, and nacre_cif_read_disordered
 * merges the sites at one position into one atom with its mixture and
 * vacancy, refusing occupancies that add up to more than 1. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "builders.h"
#include "iotest.h"
#include "nacre/io.h"
#include "testing.h"

static nacre_structure *read_cif_text(const char *text) {
  const char *path = test_tmp_path("inline.cif");
  test_write_text(path, text);
  nacre_structure *s = NULL;
  nacre_error err;
  nacre_error_clear(&err);
  CHECK_OK(nacre_read_structure(path, &s, &err), &err);
  return s;
}

/* Index of the atom of number z at fractional f (wrapped), or -1. */
static int find_atom(const nacre_structure *s, int z, const double f[3]) {
  double recip[3][3], g[3];
  nacre_cell_reciprocal(s->cell, recip);
  for (int i = 0; i < s->natoms; i++) {
    nacre_cell_cart_to_frac(recip, &s->positions[3 * i], g);
    int ok = s->numbers[i] == z;
    for (int k = 0; k < 3; k++) {
      double d = g[k] - f[k];
      ok &= fabs(d - round(d)) < 1e-9;
    }
    if (ok) return i;
  }
  return -1;
}

static void p1_round_trip(void) {
  int n[3] = {1, 2, 1};
  nacre_structure *s = build_bulk("diamond", 14, 5.43, n);
  build_rattle(s, 0.05, 3);
  double eps[6] = {0.01, 0.02, -0.01, 0.03, 0.01, -0.02};
  build_strain(s, eps);
  s->numbers[3] = 6;
  double abc[3], ang[3];
  nacre_cell_lengths_angles(s->cell, abc, ang);
  nacre_structure *std = nacre_structure_copy(s, NULL);
  double *frac = malloc(3 * s->natoms * sizeof *frac);
  nacre_structure_get_frac(s, frac, NULL);
  nacre_cell_from_lengths_angles(abc, ang, std->cell);
  nacre_structure_set_frac(std, frac);
  nacre_structure_wrap(std);
  free(frac);
  nacre_error err;
  nacre_error_clear(&err);
  const char *path = test_tmp_path("p1.cif");
  CHECK_OK(nacre_write_structure(path, s, NACRE_FORMAT_AUTO, &err), &err);
  nacre_structure *back = NULL;
  CHECK_OK(nacre_read_structure(path, &back, &err), &err);
  /* CIF keeps lengths and angles: compare with the same cell in the
   * standard orientation, positions wrapped into the cell */
  test_check_same_structure(std, back, 1e-10, "CIF P1 round trip");
  nacre_structure_free(back);
  nacre_structure_free(std);
  nacre_structure_free(s);
}

static void rocksalt(void) {
  nacre_structure *s = NULL;
  nacre_error err;
  nacre_error_clear(&err);
  CHECK_OK(nacre_read_structure(
               test_source_path("tests/data/io/NaCl_Fm-3m.cif"), &s, &err),
           &err);
  if (!s) return;
  CHECK(s->natoms == 8, "Fm-3m: 2 sites → 8 atoms, got %d", s->natoms);
  static const double na[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
  static const double cl[4][3] = {{.5, .5, .5}, {.5, 0, 0}, {0, .5, 0}, {0, 0, .5}};
  for (int k = 0; k < 4; k++) {
    CHECK(find_atom(s, 11, na[k]) >= 0, "Na at 4a image %d", k);
    CHECK(find_atom(s, 17, cl[k]) >= 0, "Cl at 4b image %d", k);
  }
  CHECK_CLOSE(nacre_structure_volume(s), 5.6402 * 5.6402 * 5.6402, 1e-9,
              "cubic cell volume");
  nacre_structure_free(s);
}

static void rutile(void) {
  nacre_structure *s = NULL;
  nacre_error err;
  nacre_error_clear(&err);
  CHECK_OK(nacre_read_structure(
               test_source_path("tests/data/io/rutile_TiO2.cif"), &s, &err),
           &err);
  if (!s) return;
  CHECK(s->natoms == 6, "rutile: 2 Ti + 4 O, got %d", s->natoms);
  double x = 0.30478; /* uncertainty "(6)" dropped */
  double ti[2][3] = {{0, 0, 0}, {.5, .5, .5}};
  double o[4][3] = {{x, x, 0}, {-x, -x, 0}, {.5 - x, .5 + x, .5},
                    {.5 + x, .5 - x, .5}}; /* Wyckoff 4f, ITA No. 136 */
  for (int k = 0; k < 2; k++) CHECK(find_atom(s, 22, ti[k]) >= 0, "Ti 2a %d", k);
  for (int k = 0; k < 4; k++) CHECK(find_atom(s, 8, o[k]) >= 0, "O 4f %d", k);
  CHECK_CLOSE(s->cell[2][2], 2.9587, 1e-12, "c with uncertainty dropped");
  nacre_structure_free(s);
}

static void symmetric_writer(void) {
  /* CsCl-type (Pm-3m) written with its 48 point operations and one site
   * per species, read back as the full cell */
  int rot[48][3][3];
  double trans[48][3] = {{0}};
  int nops = 0;
  static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                  {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  for (int p = 0; p < 6; p++)
    for (int sg = 0; sg < 8; sg++, nops++) {
      memset(rot[nops], 0, sizeof rot[nops]);
      for (int i = 0; i < 3; i++) rot[nops][i][perms[p][i]] = (sg >> i) & 1 ? -1 : 1;
    }
  int n[3] = {1, 1, 1};
  nacre_structure *s = build_bulk("bcc", 55, 4.12, n);
  s->numbers[1] = 17;
  int asym[2] = {0, 1};
  const char *path = test_tmp_path("cscl.cif");
  FILE *fp = fopen(path, "w");
  nacre_error err;
  nacre_error_clear(&err);
  CHECK_OK(nacre_cif_write_symmetric(fp, s, "CsCl", 221, "P m -3 m", nops,
                                     (const int(*)[3][3])rot,
                                     (const double(*)[3])trans, 2, asym, &err),
           &err);
  fclose(fp);
  nacre_structure *back = NULL;
  CHECK_OK(nacre_read_structure(path, &back, &err), &err);
  test_check_same_structure(s, back, 1e-10, "Pm-3m written and expanded");
  nacre_structure_free(back);
  nacre_structure_free(s);
}

static void syntax(void) {
  nacre_structure *s = read_cif_text(
      "# leading comment\n"
      "data_test   # comment after a header\n"
      "_cell_length_a 4.0(1)\n_cell_length_b 5.0\n_cell_length_c 6.0\n"
      "_cell_angle_alpha 90\n_cell_angle_beta 90 _cell_angle_gamma 90\n"
      "_journal_title 'it''s a title with spaces'\n"
      "_note\n;\nloop_\n_atom_site_fract_x\n;\n"
      "loop_ _symmetry_equiv_pos_as_xyz\n"
      "  'x,y,z'  '1/2+x,1/2-y,-z'   \"-x, y+1/2, 0.5-z\"\n"
      "  '-X+1/2 , -Y , Z+1/2'\n"
      "loop_\n_atom_site_type_symbol\n_atom_site_label\n"
      "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
      "Fe3+ Fe1 0.1 0.2 0.3\n"
      ". Mg2 0.25(3) 0 0.25\n"
      "data_second\n_cell_length_a 1\n");
  if (!s) return;
  CHECK(s->natoms == 8, "P2_12_12_1: two general positions ×4; got %d",
        s->natoms);
  double f1[3] = {0.6, 0.3, 0.7}; /* 1/2+x, 1/2-y, -z of (0.1,0.2,0.3) */
  double f2[3] = {0.9, 0.7, 0.2}; /* -x, y+1/2, 0.5-z */
  CHECK(find_atom(s, 26, f1) >= 0, "1/2+x style operation");
  CHECK(find_atom(s, 26, f2) >= 0, "0.5-z style operation");
  double m[3] = {0.25, 0.0, 0.25}, m2[3] = {0.75, 0.5, 0.75};
  CHECK(find_atom(s, 12, m) >= 0 && find_atom(s, 12, m2) >= 0,
        "label used when type_symbol is '.'; 0.25(3) read as 0.25");
  CHECK_CLOSE(s->cell[0][0], 4.0, 1e-12, "first data block only");
  nacre_structure_free(s);
}

static void dot_tags(void) {
  nacre_structure *s = read_cif_text(
      "data_cif2\n_cell.length_a 3\n_cell.length_b 3\n_cell.length_c 3\n"
      "_CELL.ANGLE_ALPHA 90\n_cell.angle_beta 90\n_cell.angle_gamma 90\n"
      "loop_\n_space_group_symop.operation_xyz\nx,y,z\nx+1/2,y+1/2,z+1/2\n"
      "loop_\n_atom_site.type_symbol\n_atom_site.fract_x\n"
      "_atom_site.fract_y\n_atom_site.fract_z\nW 0 0 0\n");
  CHECK(s && s->natoms == 2 && s->numbers[1] == 74,
        "CIF2/mmCIF dotted tags: body-centred W has 2 atoms");
  nacre_structure_free(s);
}

/* A CIF that names its space group but lists no operations (issue: read as
 * P1 before): the operations come from spglib's Hall settings. bcc Li with
 * one Wyckoff site in Im-3m is 2 atoms (ASE reads the same); the number
 * alone, a Hall symbol and a setting after ':' work too; an unknown or
 * contradictory name is refused, never read as P1. */
static nacre_structure *named_cif(const char *sg_lines, const char *site,
                                  double a, nacre_error *err) {
  char text[1200];
  snprintf(text, sizeof text,
           "data_named\n%s_cell_length_a %.4f\n_cell_length_b %.4f\n"
           "_cell_length_c %.4f\n_cell_angle_alpha 90\n_cell_angle_beta 90\n"
           "_cell_angle_gamma 90\nloop_\n_atom_site_label\n"
           "_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
           "_atom_site_fract_z\n%s\n",
           sg_lines, a, a, a, site);
  const char *path = test_tmp_path("named.cif");
  test_write_text(path, text);
  nacre_structure *s = NULL;
  nacre_error_clear(err);
  nacre_read_structure(path, &s, err);
  return s;
}

static void named_groups(void) {
  nacre_error err;
  struct {
    const char *lines, *site;
    int natoms;
    const char *what;
  } ok[] = {
      {"_symmetry_space_group_name_H-M 'I m -3 m'\n", "Li1 Li 0 0 0", 2,
       "bcc Li from 'I m -3 m'"},
      {"_space_group_name_H-M_alt 'Im-3m'\n", "Li1 Li 0 0 0", 2,
       "bcc Li from _space_group_name_H-M_alt"},
      {"_symmetry_Int_Tables_number 229\n", "Li1 Li 0 0 0", 2,
       "bcc Li from the number alone"},
      {"_space_group_IT_number 225\n", "Cu1 Cu 0 0 0", 4,
       "fcc Cu from _space_group_IT_number 225"},
      {"_symmetry_space_group_name_Hall '-I 4 2 3'\n", "Li1 Li 0 0 0", 2,
       "bcc Li from its Hall symbol"},
      {"_symmetry_space_group_name_H-M 'F d -3 m :2'\n"
       "_symmetry_Int_Tables_number 227\n",
       "Si1 Si 0.125 0.125 0.125", 8, "diamond Si, origin choice 2 (8a)"},
      {"_symmetry_space_group_name_H-M 'F d -3 m'\n", "Si1 Si 0 0 0", 8,
       "diamond Si, origin choice 1 by default (8a at 0 0 0)"},
      {"_symmetry_space_group_name_H-M 'P 1'\n", "Li1 Li 0 0 0", 1,
       "P 1 is one atom"},
  };
  for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
    nacre_structure *s = named_cif(ok[k].lines, ok[k].site, 3.51, &err);
    CHECK(s && s->natoms == ok[k].natoms, "%s: %d atoms expected, got %d (%s)",
          ok[k].what, ok[k].natoms, s ? s->natoms : -1, s ? "" : err.message);
    nacre_structure_free(s);
  }
  /* bcc: the second atom at the body centre */
  nacre_structure *s = named_cif("_symmetry_space_group_name_H-M 'I m -3 m'\n",
                                 "Li1 Li 0 0 0", 3.51, &err);
  double centre[3] = {0.5, 0.5, 0.5};
  CHECK(s && find_atom(s, 3, centre) >= 0, "Im-3m: an atom at 1/2 1/2 1/2");
  nacre_structure_free(s);
  struct {
    const char *lines, *reason;
  } bad[] = {
      {"_symmetry_space_group_name_H-M 'X q 9'\n", "unknown Hermann-Mauguin symbol"},
      {"_symmetry_space_group_name_Hall '-Q 9'\n", "unknown Hall symbol"},
      {"_symmetry_space_group_name_H-M 'I m -3 m'\n_symmetry_Int_Tables_number 225\n",
       "contradicts"},
      {"_symmetry_Int_Tables_number 231\n", "not in 1..230"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    s = named_cif(bad[k].lines, "Li1 Li 0 0 0", 3.51, &err);
    CHECK(!s && err.status == NACRE_ERR_PARSE && strstr(err.message, bad[k].reason) &&
              strstr(err.message, "named.cif:"),
          "refused with file:line and '%s': %s", bad[k].reason, err.message);
    nacre_structure_free(s);
  }
  /* ASE reads the same file as 2 atoms (when Debian's ASE is installed) */
  if (test_have_ase()) {
    s = named_cif("_symmetry_space_group_name_H-M 'I m -3 m'\n", "Li1 Li 0 0 0",
                  3.51, &err);
    nacre_structure_free(s);
    char cmd[600];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import ase.io,sys; a=ase.io.read('%s'); "
             "sys.exit(0 if len(a)==2 else 1)\" 2>/dev/null",
             test_tmp_path("named.cif"));
    CHECK(system(cmd) == 0, "ASE also reads 2 atoms");
  } else {
    printf("note: Debian's python3-ase absent, the ASE comparison is skipped\n");
  }
}

/* Messages never echo raw control bytes of a file (a terminal would act on
 * them): they appear escaped as \xNN. */
static void control_bytes(void) {
  const char *path = test_tmp_path("ctl.cif");
  test_write_text(path, "data_x\n_cell_length_a 3\n_cell_length_b 3\n"
                        "_cell_length_c 3\n_cell_angle_alpha 90\n"
                        "_cell_angle_beta 90\n_cell_angle_gamma a\x1b[31mred\n");
  nacre_structure *s = NULL;
  nacre_error err;
  nacre_error_clear(&err);
  CHECK(nacre_read_structure(path, &s, &err) == NACRE_ERR_PARSE &&
            !strchr(err.message, '\x1b') && strstr(err.message, "\\x1b"),
        "escape byte shown as \\x1b: %s", err.message);
  nacre_structure_free(s);
}

static const char *ROCKSALT_HEAD =
    "data_x\n_cell_length_a 5.64\n_cell_length_b 5.64\n_cell_length_c 5.64\n"
    "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
    "_symmetry_space_group_name_H-M 'F m -3 m'\n"
    "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n"
    "_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n";

static const char *rocksalt_with(const char *sites) {
  static char text[2048];
  snprintf(text, sizeof text, "%s%s", ROCKSALT_HEAD, sites);
  const char *path = test_tmp_path("occ.cif");
  test_write_text(path, text);
  return path;
}

static void occupancies(void) {
  nacre_error err;
  nacre_structure *s = NULL;
  /* the ordered reader: line 16 is the first site */
  const char *path = rocksalt_with("Na1 Na 0 0 0 0.75\nCl1 Cl .5 .5 .5 1\n");
  nacre_error_clear(&err);
  CHECK(nacre_read_structure(path, &s, &err) == NACRE_ERR_PARSE &&
            strstr(err.message, "occ.cif:16:") && strstr(err.message, "0.75") &&
            strstr(err.message, "partially occupied"),
        "a partial occupancy is refused with file:line and value: %s", err.message);
  nacre_structure_free(s);
  s = NULL;
  path = rocksalt_with("Na1 Na 0 0 0 0.5\nK1 K 0 0 0 0.5\nCl1 Cl .5 .5 .5 1\n");
  nacre_error_clear(&err);
  CHECK(nacre_read_structure(path, &s, &err) == NACRE_ERR_PARSE &&
            strstr(err.message, "occ.cif:16:"),
        "a mixed site is refused: %s", err.message);
  nacre_structure_free(s);
  s = NULL;
  path = rocksalt_with("Na1 Na 0 0 0 0.995(3)\nCl1 Cl .5 .5 .5 ?\n");
  nacre_error_clear(&err);
  CHECK_OK(nacre_read_structure(path, &s, &err), &err);
  CHECK(s && s->natoms == 8, "0.995 and '?' count as full sites: %d atoms",
        s ? s->natoms : -1);
  nacre_structure_free(s);
  s = NULL;
  path = rocksalt_with("Na1 Na 0 0 0 1.5\nCl1 Cl .5 .5 .5 1\n");
  nacre_error_clear(&err);
  CHECK(nacre_read_structure(path, &s, &err) == NACRE_ERR_PARSE &&
            strstr(err.message, "occ.cif:16:") && strstr(err.message, "1.5"),
        "occupancy 1.5 is refused: %s", err.message);
  nacre_structure_free(s);
  s = NULL;

  /* the disordered reader */
  nacre_site_mix *mix = NULL;
  path = rocksalt_with("Na1 Na 0 0 0 0.334\nK1 K 0 0 0 0.666\n"
                       "Cl1 Cl .5 .5 .5 0.75\n");
  nacre_error_clear(&err);
  CHECK_OK(nacre_read_cif_disordered(path, &s, &mix, &err), &err);
  CHECK(s && s->natoms == 8, "one atom per position: %d", s ? s->natoms : -1);
  for (int i = 0; s && mix && i < s->natoms; i++) {
    const nacre_site_mix *m = &mix[i];
    if (s->numbers[i] == 19) /* K, the larger occupancy, stands for the mix */
      CHECK(m->nspecies == 2 && m->z[0] == 19 && m->z[1] == 11 &&
                fabs(m->fraction[0] - 0.666 / 1.0) < 1e-12 &&
                fabs(m->fraction[1] - 0.334) < 1e-12,
            "atom %d holds K 0.666 and Na 0.334", i);
    else
      CHECK(s->numbers[i] == 17 && m->nspecies == 2 && m->z[0] == 17 &&
                m->z[1] == 0 && fabs(m->fraction[1] - 0.25) < 1e-12,
            "atom %d: Cl 0.75 and a vacancy 0.25", i);
  }
  nacre_structure_free(s);
  free(mix);
  s = NULL;
  mix = NULL;
  path = rocksalt_with("Na1 Na 0 0 0 0.75\nK1 K 0 0 0 0.5\nCl1 Cl .5 .5 .5 1\n");
  nacre_error_clear(&err);
  CHECK(nacre_read_cif_disordered(path, &s, &mix, &err) == NACRE_ERR_PARSE &&
            strstr(err.message, "occ.cif:17:") && strstr(err.message, "line 16"),
        "occupancies above 1 at one position are refused: %s", err.message);
  CHECK(!s && !mix, "nothing returned on failure");
  path = rocksalt_with("Na1 Na 0 0 0 1\nCl1 Cl .5 .5 .5 1\n");
  nacre_error_clear(&err);
  CHECK_OK(nacre_read_cif_disordered(path, &s, &mix, &err), &err);
  int ordered = s && s->natoms == 8;
  for (int i = 0; ordered && i < s->natoms; i++)
    ordered = mix[i].nspecies == 1 && mix[i].z[0] == s->numbers[i] &&
              mix[i].fraction[0] == 1.0;
  CHECK(ordered, "an ordered CIF: one species of fraction 1 per atom");
  nacre_structure_free(s);
  free(mix);
}

int main(void) {
  p1_round_trip();
  rocksalt();
  rutile();
  symmetric_writer();
  syntax();
  dot_tags();
  named_groups();
  control_bytes();
  occupancies();
  test_tmp_cleanup();
  TEST_DONE();
}
